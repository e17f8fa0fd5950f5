// What the counter, drawer and receipt pages share: the signed-in clerk's open drawer, the node's refusals as
// text, dates, and small table builders.
import { api, ApiError, dollars, type PublicStatus } from '../../api';
import { h } from '../../dom';
import type { Drawer } from './types';

// The signed-in user's open drawer at this node, or null when they have none.
export async function myOpenDrawer(): Promise<Drawer | null> {
  const list = await api<{ items: Drawer[] }>('GET', '/api/v1/drawers?status=open&clerk=me&limit=1');
  return list.items[0] ?? null;
}

// The city's date today as the node says ("YYYY-MM-DD"); the browser's own date when the node does not answer.
export async function cityToday(): Promise<string> {
  try {
    return (await api<PublicStatus>('GET', '/api/v1/public/status')).date;
  } catch {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }
}

// The node's reason for a refusal, as it said it.
export function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404;
}

// Unix ms as "Nov 24, 2026, 2:05 PM".
export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
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
