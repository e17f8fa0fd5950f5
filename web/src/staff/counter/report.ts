// A drawer's close-out report (GET /api/v1/drawers/{id}/report, or the answer of the close): the float, the
// receipts, voids and refunds, totals by tender and by fee code, the cash it should hold, and once closed the
// count by denomination and the over/short; with a link to the same report as CSV.
import { dollars } from '../../api';
import { moment } from '../../dates';
import { h } from '../../dom';
import { cell, headRow, moneyCell } from './common';
import { TENDER_NAMES, type DrawerReport } from './types';

// The names of the denominations a drawer is counted in, in the order the count grid lists them.
export const DENOMINATIONS: { cents: number; form: 'bill' | 'coin'; name: string }[] = [
  { cents: 10000, form: 'bill', name: '$100 bills' },
  { cents: 5000, form: 'bill', name: '$50 bills' },
  { cents: 2000, form: 'bill', name: '$20 bills' },
  { cents: 1000, form: 'bill', name: '$10 bills' },
  { cents: 500, form: 'bill', name: '$5 bills' },
  { cents: 200, form: 'bill', name: '$2 bills' },
  { cents: 100, form: 'bill', name: '$1 bills' },
  { cents: 100, form: 'coin', name: 'Dollar coins' },
  { cents: 50, form: 'coin', name: 'Half dollars' },
  { cents: 25, form: 'coin', name: 'Quarters' },
  { cents: 10, form: 'coin', name: 'Dimes' },
  { cents: 5, form: 'coin', name: 'Nickels' },
  { cents: 1, form: 'coin', name: 'Pennies' },
];

function denominationName(cents: number, form: string): string {
  return DENOMINATIONS.find((d) => d.cents === cents && d.form === form)?.name ?? `${dollars(cents)} ${form}s`;
}

// "Balanced", "Over $2.00", "Short $5.00".
export function overShortText(cents: number): string {
  if (cents === 0) return 'Balanced';
  return cents > 0 ? `Over ${dollars(cents)}` : `Short ${dollars(-cents)}`;
}

function csvHref(drawerId: string): string {
  return `/api/v1/drawers/${encodeURIComponent(drawerId)}/report?format=csv`;
}

// A table that scrolls sideways, rather than widening the page, on a screen too narrow for it (the scrolling
// region takes focus, so it scrolls from the keyboard too).
function table(caption: string, testid: string, head: HTMLTableSectionElement, rows: HTMLTableRowElement[]): HTMLElement {
  return h('div', { class: 'hf-table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: 'usa-table usa-table--borderless usa-table--compact hf-counter-table', 'data-testid': testid },
      h('caption', {}, caption), head, h('tbody', {}, ...rows)));
}

// The report as a section headed `title` (an h2; its tables' captions sit below it).
export function reportSection(report: DrawerReport, title: string): HTMLElement {
  const d = report.drawer;
  const closed = d.status === 'closed';
  const record = h('dl', { class: 'hf-record', 'data-testid': 'drawer-summary' },
    h('dt', {}, 'Drawer'), h('dd', {}, d.id),
    h('dt', {}, 'Status'), h('dd', { 'data-testid': 'drawer-status' }, closed ? 'Closed' : 'Open'),
    h('dt', {}, 'Opened'), h('dd', {}, moment(d.opened_at)),
    closed && d.closed_at ? h('dt', {}, 'Closed') : null, closed && d.closed_at ? h('dd', {}, moment(d.closed_at)) : null,
    h('dt', {}, 'Float'), h('dd', { class: 'hf-money', 'data-testid': 'drawer-float' }, dollars(report.float_cents)),
    h('dt', {}, 'Receipts'), h('dd', { class: 'hf-money', 'data-testid': 'drawer-receipts' },
      `${report.receipts.count}, ${dollars(report.receipts.total_cents)}`),
    h('dt', {}, 'Voided'), h('dd', { class: 'hf-money' }, `${report.voids.count}, ${dollars(report.voids.total_cents)}`),
    h('dt', {}, 'Refunded'), h('dd', { class: 'hf-money' }, `${report.refunds.count}, ${dollars(report.refunds.total_cents)}`),
    h('dt', {}, 'Net taken'), h('dd', { class: 'hf-money', 'data-testid': 'drawer-net' }, dollars(report.net_cents)),
  );
  const byTender = table('Totals by tender', 'report-by-tender',
    headRow('Tender', 'Payments', 'Received', 'Refunded', 'Net'),
    report.by_tender.map((t) => h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Tender' }, TENDER_NAMES[t.kind] ?? t.kind),
      cell('Payments', String(t.count)),
      moneyCell('Received', t.received_cents),
      moneyCell('Refunded', t.refunded_cents),
      moneyCell('Net', t.net_cents, `tender-net-${t.kind}`))));
  const byFee = report.by_fee_code.length === 0
    ? h('p', { 'data-testid': 'report-by-fee-code' }, 'No fees taken in this drawer yet.')
    : table('Totals by fee code', 'report-by-fee-code', headRow('Fee code', 'Lines', 'Amount'),
      report.by_fee_code.map((f) => h('tr', {},
        h('th', { scope: 'row', 'data-label': 'Fee code' }, f.code),
        cell('Lines', String(f.count)),
        moneyCell('Amount', f.amount_cents))));
  const cash = report.cash;
  const cashRows: [string, number | null, string][] = [
    ['Float', cash.float_cents, 'float'],
    ['Cash tendered', cash.tendered_cents, 'tendered'],
    ['Change given', -cash.change_cents, 'change'],
    ['Cash refunded', -cash.refunded_cents, 'refunded'],
    [closed ? 'Expected at the close' : 'Expected in the drawer now', report.expected_cash_cents ?? cash.expected_cents, 'expected'],
  ];
  if (closed) {
    cashRows.push(['Counted', report.counted_cash_cents, 'counted'], ['Over/short', report.over_short_cents, 'over-short']);
  }
  const cashTable = table('Cash', 'report-cash', headRow('Item', 'Amount'),
    cashRows.map(([label, cents, id]) => h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Item' }, label),
      h('td', { 'data-label': 'Amount', class: 'hf-money text-right', 'data-testid': `cash-${id}` },
        cents === null ? '—' : dollars(cents)))));
  const counted = closed && report.counted.length > 0
    ? table('Cash counted', 'report-counted', headRow('Denomination', 'Count', 'Amount'),
      report.counted.map((c) => h('tr', {},
        h('th', { scope: 'row', 'data-label': 'Denomination' }, denominationName(c.denomination_cents, c.form)),
        cell('Count', String(c.count)),
        moneyCell('Amount', c.amount_cents))))
    : null;
  return h('section', { class: 'margin-bottom-4', 'aria-labelledby': `report-${d.id}`, 'data-testid': 'drawer-report' },
    h('h2', { id: `report-${d.id}` }, title),
    record,
    h('div', { class: 'hf-counter-report-tables' }, byTender, byFee, cashTable, counted),
    h('p', {}, h('a', { class: 'usa-link', href: csvHref(d.id), download: `drawer-${d.id}.csv`, 'data-testid': 'report-csv' },
      `Download this report as CSV (drawer ${d.id})`)));
}
