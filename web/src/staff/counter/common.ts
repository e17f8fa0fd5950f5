// What the counter, drawer and receipt pages share: the signed-in clerk's open drawer and small table builders.
import { api, dollars } from '../../api';
import { h } from '../../dom';
import type { Drawer } from './types';

// The signed-in user's open drawer at this node, or null when they have none.
export async function myOpenDrawer(): Promise<Drawer | null> {
  const list = await api<{ items: Drawer[] }>('GET', '/api/v1/drawers?status=open&clerk=me&limit=1');
  return list.items[0] ?? null;
}

// A cell of a table that USWDS stacks on a phone (usa-table--stacked): `label` heads it there.
export function cell(label: string, ...content: (Node | string)[]): HTMLTableCellElement {
  return h('td', { 'data-label': label }, ...content);
}

export function moneyCell(label: string, cents: number, testid?: string): HTMLTableCellElement {
  return h('td', { 'data-label': label, class: 'hf-money text-right', 'data-testid': testid }, dollars(cents));
}

export function headRow(...labels: string[]): HTMLTableSectionElement {
  return h('thead', {}, h('tr', {}, ...labels.map((l) => h('th', { scope: 'col' }, l))));
}
