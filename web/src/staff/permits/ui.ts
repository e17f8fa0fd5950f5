// Pieces the permit desk, the inspection board and the inspector's day share: words for the node's codes,
// form fields dom.ts does not have (select, textarea, radios, dates), error alerts and the inspectors' names.
import { api, ApiError } from '../../api';
import { alert, h, showAlert } from '../../dom';
import type { Address, InspectionSettings } from './model';

export const PERMIT_STATUS: Record<string, string> = {
  applied: 'Applied: fees due',
  in_review: 'Paid: ready to issue',
  issued: 'Issued',
  inspections: 'Issued: inspections under way',
  finaled: 'Finaled (work complete)',
  cancelled: 'Cancelled',
  voided: 'Void',
  expired: 'Expired',
};

export const INSPECTION_STATUS: Record<string, string> = {
  scheduled: 'Scheduled',
  needs_reschedule: 'Needs a new day',
  cancelled: 'Cancelled',
  completed: 'Done',
};

export const RESULT: Record<string, string> = {
  pass: 'Passed',
  fail: 'Failed',
  partial: 'Partly passed',
  cancelled: 'Cancelled',
  no_access: 'No access',
};

// "rough_frame" -> "Rough frame".
export function words(code: string): string {
  const t = code.replace(/_/g, ' ');
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

export function windowWords(w?: string): string {
  return w === 'PM' ? 'Afternoon' : w === 'AM' ? 'Morning' : '';
}

export function addressText(a?: Address): string {
  if (!a) return '';
  const cityState = [a.city, a.state].filter(Boolean).join(', ');
  return [a.line1, a.line2, [cityState, a.zip].filter(Boolean).join(' ')].filter(Boolean).join(', ');
}

// "2026-11-24" -> "Tuesday, November 24, 2026" (the day as a calendar shows it, whatever the browser's zone).
export function dayText(iso?: string | null): string {
  if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso ?? '';
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US',
    { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// Today on the computer's clock, as YYYY-MM-DD.
export function today(): string {
  return isoDate(new Date());
}

export function addDays(iso: string, n: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

export function validDay(text: string | null): string | null {
  if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  return Number.isNaN(Date.parse(`${text}T00:00:00Z`)) ? null : text;
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// An error from the node (its problem+json detail) in `slot`, focused.
export function showError(slot: HTMLElement, heading: string, e: unknown): void {
  showAlert(slot, alert('error', heading, message(e)));
}

export function isApiError(e: unknown, status: number): boolean {
  return e instanceof ApiError && e.status === status;
}

// A term and its description, as the public permit page shows a record.
export function record(rows: [string, string | Node][], testid?: string): HTMLElement {
  return h('dl', { class: 'hf-record', 'data-testid': testid },
    ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

type Attrs = Record<string, string | boolean | undefined>;

export function selectField(id: string, label: string, options: [string, string][], attrs: Attrs = {}, hint?: string): HTMLElement {
  return h('div', { class: 'usa-form-group' },
    h('label', { class: 'usa-label', for: id }, label),
    hint ? h('div', { class: 'usa-hint', id: `${id}-hint` }, hint) : null,
    h('select', { class: 'usa-select', id, name: id, 'aria-describedby': hint ? `${id}-hint` : undefined, ...attrs },
      ...options.map(([v, text]) => h('option', { value: v }, text))));
}

export function textareaField(id: string, label: string, attrs: Attrs = {}, hint?: string): HTMLElement {
  return h('div', { class: 'usa-form-group' },
    h('label', { class: 'usa-label', for: id }, label),
    hint ? h('div', { class: 'usa-hint', id: `${id}-hint` }, hint) : null,
    h('textarea', { class: 'usa-textarea', id, name: id, 'aria-describedby': hint ? `${id}-hint` : undefined, ...attrs }));
}

// A group of USWDS radio buttons (tiles: large touch targets) under a legend.
export function radios(name: string, legend: string, options: [string, string][], checked?: string, tiles = false): HTMLElement {
  return h('fieldset', { class: 'usa-fieldset' },
    h('legend', { class: 'usa-legend' }, legend),
    ...options.map(([v, text]) => {
      const id = `${name}-${v}`;
      return h('div', { class: 'usa-radio' },
        h('input', { class: `usa-radio__input${tiles ? ' usa-radio__input--tile' : ''}`, id, type: 'radio', name, value: v,
          checked: v === checked }),
        h('label', { class: 'usa-radio__label', for: id }, text));
    }));
}

export function formValue(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name);
  if (el instanceof RadioNodeList) return el.value;
  if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) return el.value;
  return '';
}

export function link(href: string, text: string, attrs: Attrs = {}): HTMLAnchorElement {
  return h('a', { class: 'usa-link', href, 'data-link': true, ...attrs }, text);
}

export function permitLink(number: string): HTMLAnchorElement {
  return link(`/staff/permits/${encodeURIComponent(number)}`, number, { class: 'usa-link hf-nowrap' });
}

let inspectors: Promise<Map<string, string>> | null = null;

// The inspectors' names by user id, from the inspection settings; ids stand in for names when unknown.
export function inspectorNames(): Promise<Map<string, string>> {
  inspectors ??= api<InspectionSettings>('GET', '/api/v1/inspection-settings')
    .then((s) => new Map((s.inspectors ?? []).map((i) => [i.id, i.name] as [string, string])))
    .catch(() => {
      inspectors = null;
      return new Map<string, string>();
    });
  return inspectors;
}

// A region that says it is loading until filled.
export function loading(text: string): HTMLElement {
  return h('div', { 'aria-live': 'polite' }, h('p', {}, text));
}
