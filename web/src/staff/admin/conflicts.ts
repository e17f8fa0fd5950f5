// The conflicts queue (supervisors and admins): decisions two offices made while cut off from each other that
// could not both stand (GET /api/v1/conflicts, /api/v1/conflicts/{id}). Every node already applied the same
// outcome; a person acts on it (a refund, a call) and records what was done
// (POST /api/v1/conflicts/{id}/resolve {resolution, note}). docs/sync.md lists the kinds.
import { api } from '../../api';
import type { Navigate } from '../../areas/area';
import { moment } from '../../dates';
import { alert, explain, h, radio, showAlert, showError, value } from '../../dom';
import { pageTitle } from '../../site';
import { loadInto, table } from './common';

interface Conflict {
  id: string;
  aggregate: string;
  kind: string;
  summary: string;
  detail: Record<string, unknown>;
  event: string;
  actor: string;
  at: number;
  status: 'open' | 'resolved';
  resolution: { resolution: string; note: string; resolved_by: string; resolved_at: number } | null;
}

// What each kind means and what the queue expects a person to do about it.
const KINDS: Record<string, [string, string]> = {
  'license-renewed-twice': ['License renewed twice',
    'Two offices renewed the same license. The first renewal stands; the other was not applied. Refund its fees and, if it handed out a tag, collect it.'],
  'license-changed-after-void': ['License changed after it was voided',
    'A renewal, tag replacement or transfer reached a license another office had voided. It was not applied; refund its fees.'],
  'license-voided-after-renewal': ['License voided without knowing of a renewal',
    'The void stands. Refund the renewal made elsewhere.'],
  'license-changed-after-sale': ['Voided sale could not be undone',
    'The license changed elsewhere after the sale, so the later change stays. Refund or void it by hand.'],
  'party-edited-concurrently': ['Person edited at two offices',
    'The same fields were changed at two offices. Each field took the later edit; check with the person which value is right.'],
};

const RESOLUTIONS: [string, string, string][] = [
  ['refunded', 'Refunded', 'The fees due back were paid back.'],
  ['accepted', 'Accepted', 'The outcome stands as it is; nothing else to do.'],
  ['corrected', 'Corrected', 'The record was put right by hand.'],
  ['other', 'Other', 'Something else; say what in the note.'],
];

function kindName(kind: string): string {
  return KINDS[kind]?.[0] ?? kind.replace(/-/g, ' ');
}

// A detail value for people: cents as dollars, lists joined, nested objects (a party edit's fields, each
// with the value kept and the value replaced) as nested lists.
function show(key: string, v: unknown): Node | string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number' && key.endsWith('_cents')) {
    const sign = v < 0 ? '-' : '';
    return `${sign}$${(Math.abs(v) / 100).toFixed(2)}`;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  return h('ul', { class: 'usa-list usa-list--unstyled' }, ...Object.entries(v as Record<string, unknown>).map(([k, x]) =>
    h('li', {}, h('strong', {}, `${k.replace(/_/g, ' ')}: `), show(k, x))));
}

function statusTag(c: Conflict): HTMLElement {
  return h('span', { class: `usa-tag${c.status === 'open' ? ' bg-secondary-dark' : ''}` }, c.status === 'open' ? 'Open' : 'Resolved');
}

export function renderConflicts(main: HTMLElement, navigate: Navigate): void {
  document.title = pageTitle('Conflicts');
  const params = new URLSearchParams(location.search);
  const status = params.get('status') ?? 'open';
  const list = h('div', { 'aria-live': 'polite', 'data-testid': 'conflicts' });
  const filter = h('form', { class: 'usa-form', novalidate: true, 'aria-label': 'Which conflicts to show' },
    h('div', { class: 'usa-form-group' },
      h('label', { class: 'usa-label', for: 'conflict-status' }, 'Show'),
      h('select', { class: 'usa-select', id: 'conflict-status', name: 'conflict-status' },
        ...[['open', 'Open conflicts'], ['resolved', 'Resolved conflicts'], ['all', 'All conflicts']].map(([v, t]) =>
          h('option', { value: v, selected: v === status }, t)))),
    h('button', { class: 'usa-button usa-button--outline', type: 'submit' }, 'Show'));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const wanted = value(filter, 'conflict-status');
    navigate(wanted === 'open' ? '/staff/conflicts' : `/staff/conflicts?status=${encodeURIComponent(wanted)}`);
  });
  main.append(
    h('h1', {}, 'Conflicts'),
    h('p', { class: 'usa-intro' },
      'When offices cut off from each other decide things that cannot both stand, every node applies the same rule and lists the other decision here. Act on each one (a refund, a call to the owner), then record what you did.'),
    filter,
    list);
  void loadInto(list, 'the conflicts queue', async () => {
    const query = status === 'all' ? '' : `?status=${encodeURIComponent(status)}`;
    const { items } = await api<{ items: Conflict[] }>('GET', `/api/v1/conflicts${query}`);
    if (items.length === 0) {
      const text = status === 'open'
        ? 'The queue is empty: no open conflicts. The offices have not made decisions that contradict each other.'
        : status === 'resolved' ? 'No conflict has been resolved yet.' : 'There have been no conflicts.';
      return [h('p', { 'data-testid': 'conflicts-empty' }, text)];
    }
    return [table(`${items.length} conflict${items.length === 1 ? '' : 's'}, ${status === 'all' ? 'open and resolved' : status}`,
      ['Conflict', 'What happened', 'Record', 'Found', 'Status'],
      items.map((c) => [
        h('a', { class: 'usa-link', href: `/staff/conflicts/${encodeURIComponent(c.id)}`, 'data-link': true }, kindName(c.kind)),
        c.summary, c.aggregate, moment(c.at), statusTag(c)]))];
  });
}

export async function renderConflict(main: HTMLElement, id: string): Promise<void> {
  document.title = pageTitle('Conflict');
  const body = h('div', { 'aria-live': 'polite' });
  main.append(
    h('a', { class: 'usa-link', href: '/staff/conflicts', 'data-link': true }, 'Back to the conflicts queue'),
    body);
  let conflict: Conflict;
  try {
    conflict = await api<Conflict>('GET', `/api/v1/conflicts/${encodeURIComponent(id)}`);
  } catch (e) {
    body.append(h('h1', {}, 'Conflict'));
    const message = alert('error', `Conflict ${id} could not be shown`, explain(e));
    body.append(message);
    message.focus();
    return;
  }
  draw(body, conflict);
}

function draw(body: HTMLElement, c: Conflict): void {
  document.title = pageTitle(`Conflict: ${kindName(c.kind)}`);
  const messages = h('div', { class: 'margin-y-2' });
  const facts: [string, Node | string][] = [
    ['Status', statusTag(c)],
    ['What happened', c.summary],
    ['Record', c.aggregate],
    ['The decision that did not stand', `event ${c.event}, by ${c.actor}, ${moment(c.at)}`],
    ...Object.entries(c.detail ?? {}).map(([k, v]): [string, Node | string] => [k.replace(/_/g, ' '), show(k, v)]),
  ];
  if (c.resolution) {
    facts.push(['Resolved', `${c.resolution.resolution} by ${c.resolution.resolved_by}, ${moment(c.resolution.resolved_at)}`]);
    facts.push(['Note', c.resolution.note]);
  }
  body.replaceChildren(
    h('h1', {}, kindName(c.kind)),
    h('p', { class: 'usa-intro' }, KINDS[c.kind]?.[1] ?? 'Decide what to do, do it, and record it below.'),
    messages,
    h('dl', { class: 'hf-record', 'data-testid': 'conflict-record' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  if (c.status !== 'open') return;

  const form = h('form', { class: 'usa-form usa-form--large', novalidate: true, 'aria-labelledby': 'resolve-heading' },
    h('h2', { id: 'resolve-heading' }, 'Record what was done'),
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-legend' }, 'Resolution'),
      ...RESOLUTIONS.map(([v, label, hint]) => radio(`resolution-${v}`, 'resolution', v, label, { description: hint }))),
    h('div', { class: 'usa-form-group' },
      h('label', { class: 'usa-label', for: 'resolve-note' }, 'Note'),
      h('div', { class: 'usa-hint', id: 'resolve-note-hint' }, 'What you did and for whom, e.g. “Refunded $25.00 to the owner on receipt r-central-12.”'),
      h('textarea', { class: 'usa-textarea', id: 'resolve-note', name: 'resolve-note', rows: '3', maxlength: '1000', 'aria-describedby': 'resolve-note-hint' })),
    h('button', { class: 'usa-button', type: 'submit' }, 'Resolve conflict'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const resolution = value(form, 'resolution');
    const note = (form.elements.namedItem('resolve-note') as HTMLTextAreaElement).value.trim();
    const problems: string[] = [];
    if (!resolution) problems.push('Choose what was done.');
    if (!note) problems.push('Write a note saying what you did.');
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the resolution', problems.join(' ')));
      return;
    }
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      const done = await api<Conflict>('POST', `/api/v1/conflicts/${encodeURIComponent(c.id)}/resolve`, { resolution, note },
        { 'Idempotency-Key': crypto.randomUUID() });
      draw(body, done);
      const ok = alert('success', 'Conflict resolved', 'Every office will show it resolved once it syncs. The first resolution recorded anywhere stands.');
      body.querySelector('.usa-intro')?.after(ok);
      ok.focus();
    } catch (err) {
      showError(messages, 'The conflict was not resolved', err);
      button.disabled = false;
    }
  });
  body.append(form);
}
