// A permit's fee lines as a table, for the application form's estimate and the permit's page.
import { dollars } from '../../api';
import { h, scrollable } from '../../dom';
import type { FeeLine } from '../../permits';

export function feeTable(lines: FeeLine[], caption: string): HTMLElement {
  return scrollable(caption, h(
    'table',
    { class: 'usa-table usa-table--borderless', 'data-testid': 'fee-lines' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Fee'), h('th', { scope: 'col' }, 'Amount'))),
    h('tbody', {}, ...lines.map((l) =>
      h('tr', {}, h('td', {}, l.description), h('td', { class: 'hf-money' }, dollars(l.amount_cents))))),
  ));
}
