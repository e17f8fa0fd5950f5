// The inspection board (/staff/inspections?date=&inspector=&status=): every inspection of a day, morning then
// afternoon, by inspector, with its status and result and a link to its permit (GET /api/v1/inspections).
import { api } from '../../api';
import type { Navigate } from '../../areas/area';
import { addDays, cityToday, dayText, validDay } from '../../dates';
import { field, h, link, scrollable, selectField, showError, value } from '../../dom';
import { addressText, INSPECTION_STATUS, inspectionName, RESULT, windowName, type Inspection } from '../../permits';
import { pageTitle } from '../../site';
import type { Items } from './model';
import { inspectorNames, loading, permitLink } from './ui';

export async function renderBoard(main: HTMLElement, navigate: Navigate): Promise<void> {
  document.title = pageTitle('Inspection board');
  const params = new URLSearchParams(location.search);
  const today = await cityToday();
  const day = validDay(params.get('date')) ?? today;
  const inspector = params.get('inspector') ?? '';
  const status = params.get('status') ?? '';
  const names = await inspectorNames();
  const at = (d: string) => {
    const q = new URLSearchParams({ date: d });
    if (inspector) q.set('inspector', inspector);
    if (status) q.set('status', status);
    return `/staff/inspections?${q}`;
  };

  const form = h('form', { class: 'usa-form usa-form--large', novalidate: true, 'data-testid': 'board-filter' },
    field('date', 'Day', { type: 'date', value: day, required: true }),
    selectField('inspector', 'Inspector', [['', 'Every inspector'], ...[...names].map(([id, name]) => [id, name] as [string, string])]),
    selectField('status', 'Status', [['', 'Any status'], ...Object.entries(INSPECTION_STATUS)]),
    h('button', { class: 'usa-button', type: 'submit' }, 'Show inspections'));
  (form.querySelector('#inspector') as HTMLSelectElement).value = inspector;
  (form.querySelector('#status') as HTMLSelectElement).value = status;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ date: validDay(value(form, 'date')) ?? day });
    if (value(form, 'inspector')) q.set('inspector', value(form, 'inspector'));
    if (value(form, 'status')) q.set('status', value(form, 'status'));
    navigate(`/staff/inspections?${q}`);
  });
  const list = loading('Loading the inspections…');
  main.append(
    h('h1', {}, 'Inspection board'),
    h('p', { class: 'usa-intro' }, `Inspections on ${dayText(day)}.`),
    h('p', { class: 'hf-day-nav' }, link(at(addDays(day, -1)), 'Previous day'), link(at(today), 'Today'), link(at(addDays(day, 1)), 'Next day')),
    form, list);
  try {
    const q = new URLSearchParams({ date: day, limit: '1000' });
    if (inspector) q.set('inspector', inspector);
    if (status) q.set('status', status);
    const { items } = await api<Items<Inspection>>('GET', `/api/v1/inspections?${q}`);
    list.replaceChildren(items.length === 0
      ? h('p', { 'data-testid': 'board' }, 'No inspection is booked for this day. Choose another day above.')
      : scrollable(`Inspections on ${dayText(day)}`,
        h('table', { class: 'usa-table usa-table--borderless', 'data-testid': 'board' },
          h('caption', {}, `Inspections on ${dayText(day)}`),
          h('thead', {}, h('tr', {}, ...['Permit', 'Inspection', 'Time', 'Inspector', 'Address', 'Status', 'Result'].map((c) =>
            h('th', { scope: 'col' }, c)))),
          h('tbody', {}, ...items.map((i) => h('tr', {},
            h('th', { scope: 'row' }, permitLink(i.permit)),
            h('td', {}, inspectionName(i.type)),
            h('td', {}, windowName(i.window)),
            h('td', {}, i.inspector ? names.get(i.inspector) ?? i.inspector : '—'),
            h('td', {}, addressText(i.address)),
            h('td', {}, INSPECTION_STATUS[i.status] ?? i.status),
            h('td', {}, i.result ? `${RESULT[i.result] ?? i.result}${i.comments ? `: ${i.comments}` : ''}` : '—')))))));
  } catch (e) {
    showError(list, 'The inspections could not be listed', e);
  }
}
