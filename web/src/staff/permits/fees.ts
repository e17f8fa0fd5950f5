// A permit's fee lines as a table: what the node assessed when the application was taken, what was paid and
// what is still due. Amounts are integer cents from the node, shown as dollars.
import { dollars } from '../../api';
import { h, scrollable } from '../../dom';
import type { Permit } from '../../permits';

export function feeTable(p: Permit): HTMLElement {
  const money = (cents: number, testid?: string) => h('td', { class: 'hf-money text-right', 'data-testid': testid }, dollars(cents));
  return scrollable(`Fees of permit ${p.number}`,
    h('table', { class: 'usa-table usa-table--borderless', 'data-testid': 'permit-fees' },
      h('caption', {}, `Fees of permit ${p.number}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Fee'), h('th', { scope: 'col' }, 'Code'),
        h('th', { scope: 'col', class: 'text-right' }, 'Amount'))),
      h('tbody', {}, ...p.fees.map((f) => h('tr', {},
        h('th', { scope: 'row' }, f.description), h('td', { class: 'hf-nowrap' }, f.code), money(f.amount_cents)))),
      h('tfoot', {},
        h('tr', {}, h('th', { scope: 'row', colspan: '2' }, 'Total fees'), money(p.fees_total_cents, 'fees-total')),
        h('tr', {}, h('th', { scope: 'row', colspan: '2' }, 'Paid'), money(p.paid_cents, 'fees-paid')),
        h('tr', {}, h('th', { scope: 'row', colspan: '2' }, 'Due now'), money(p.due_cents, 'fees-due')))));
}
