// Pieces the permit desk, the inspection board and the inspector's day share: words for the node's codes,
// addresses, links to permits and the inspectors' names.
import { api } from '../../api';
import { h, link } from '../../dom';
import type { InspectionSettings } from './model';

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
