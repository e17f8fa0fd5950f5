// Pieces the permit desk, the inspection board and the inspector's day share: words for the node's codes,
// addresses, links to permits and the inspectors' names.
import { api } from '../../api';
import { h, link } from '../../dom';
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
