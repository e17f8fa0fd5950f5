// The inspector's day (/staff/my-day?date=), made for a phone first: the signed-in inspector's stops in route
// order (GET /api/v1/inspectors/{id}/day), each with its address, permit and inspection, and a result form
// with large touch targets (POST /api/v1/inspections/{id}/result); then what was done that day.
import { api, ApiError, type User } from '../../api';
import type { Navigate } from '../../areas/area';
import { addDays, dayText, validDay } from '../../dates';
import { alert, explain, field, h, link, radios, record, showAlert, showError, textareaField, value } from '../../dom';
import { addressText, inspectionName, RESULT, windowName, type Inspection } from '../../permits';
import { pageTitle } from '../../site';
import type { Items } from './model';
import { loading, permitLink } from './ui';

interface Day {
  inspector: string;
  date: string;
  items: Inspection[];
}

export async function renderMyDay(main: HTMLElement, navigate: Navigate, user: User | null): Promise<void> {
  document.title = pageTitle('My day');
  const wanted = validDay(new URLSearchParams(location.search).get('date'));
  const heading = h('h1', {}, 'My day');
  const messages = h('div', { class: 'hf-messages', 'data-testid': 'my-day-messages' });
  const body = loading('Loading your stops…');
  main.append(heading, messages, body);
  const id = user?.id;
  if (!id) {
    showAlert(body, alert('error', 'Your stops could not be found', 'The server did not say who you are. Sign out and sign in again.'));
    return;
  }

  async function draw(): Promise<void> {
    let day: Day;
    let done: Inspection[];
    try {
      day = await api<Day>('GET', `/api/v1/inspectors/${encodeURIComponent(id!)}/day${wanted ? `?date=${wanted}` : ''}`);
      done = (await api<Items<Inspection>>('GET',
        `/api/v1/inspections?inspector=${encodeURIComponent(id!)}&date=${day.date}&status=completed`)).items;
    } catch (e) {
      showError(body, 'Your stops could not be loaded', e);
      return;
    }
    const at = (d: string) => `/staff/my-day?date=${d}`;
    const picker = h('form', { class: 'usa-form hf-no-print', novalidate: true, 'data-testid': 'day-picker' },
      field('day', 'Another day', { type: 'date', value: day.date, required: true }),
      h('button', { class: 'usa-button usa-button--outline', type: 'submit' }, 'Show that day'));
    picker.addEventListener('submit', (e) => {
      e.preventDefault();
      const d = validDay(value(picker, 'day'));
      if (d) navigate(at(d));
    });
    const parts: HTMLElement[] = [
      h('p', { class: 'usa-intro' }, `${dayText(day.date)}: ${day.items.length === 0 ? 'no stops left' : `${day.items.length} stop${day.items.length === 1 ? '' : 's'} left`}.`),
      h('p', { class: 'hf-day-nav' }, link(at(addDays(day.date, -1)), 'Previous day'), link(at(addDays(day.date, 1)), 'Next day')),
    ];
    if (day.items.length === 0) {
      parts.push(await nextDayHint(id!, day.date));
    } else {
      parts.push(h('ol', { class: 'hf-stops', 'data-testid': 'stops' }, ...day.items.map((i, k) => stop(i, k + 1, messages, draw))));
    }
    parts.push(picker);
    if (done.length) {
      parts.push(h('h2', {}, 'Done on this day'), h('ul', { class: 'usa-list', 'data-testid': 'done' }, ...done.map((i) =>
        h('li', {}, `${inspectionName(i.type)}, permit `, permitLink(i.permit), `, ${i.address?.line1 ?? ''}: ${RESULT[i.result ?? ''] ?? i.result ?? ''}${i.comments ? ` (${i.comments})` : ''}`))));
    }
    body.replaceChildren(...parts);
  }
  await draw();
}

// With no stops on a day: the next day that has some, if any.
async function nextDayHint(id: string, from: string): Promise<HTMLElement> {
  try {
    const { items } = await api<Items<Inspection>>('GET', `/api/v1/inspections?inspector=${encodeURIComponent(id)}&status=scheduled&limit=1000`);
    const next = items.map((i) => i.day ?? '').filter((d) => d > from).sort()[0];
    if (next) {
      return h('p', { 'data-testid': 'next-day' }, 'Your next stops are on ',
        link(`/staff/my-day?date=${next}`, dayText(next)), '.');
    }
  } catch {
    // The hint is a convenience; the page says what it knows without it.
  }
  return h('p', { 'data-testid': 'next-day' }, 'No inspection is booked for you after this day.');
}

function stop(i: Inspection, n: number, messages: HTMLElement, redraw: () => Promise<void>): HTMLElement {
  const key = i.id.replace(/[^A-Za-z0-9_-]/g, '_');
  const slot = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'usa-form hf-result-form', novalidate: true, 'aria-label': `Result of stop ${n}` },
    radios(`result-${key}`, 'Result', [['pass', 'Pass'], ['fail', 'Fail'], ['partial', 'Partial pass'],
      ['no_access', 'No access'], ['cancelled', 'Cancelled on site']], undefined, true),
    textareaField(`comments-${key}`, 'Notes', { maxlength: '4000', rows: '3' }),
    textareaField(`corrections-${key}`, 'Corrections, one per line', { maxlength: '4000', rows: '3' },
      'A fail or partial pass needs notes or corrections'),
    slot,
    h('button', { class: 'usa-button usa-button--big', type: 'submit' }, 'Record the result'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const result = value(form, `result-${key}`);
    const comments = value(form, `comments-${key}`).trim();
    const corrections = value(form, `corrections-${key}`).split('\n').map((c) => c.trim()).filter(Boolean);
    if (!result) {
      showAlert(slot, alert('error', 'Choose the result', 'Choose pass, fail, partial pass, no access or cancelled.'));
      return;
    }
    if ((result === 'fail' || result === 'partial') && !comments && corrections.length === 0) {
      showAlert(slot, alert('error', 'Say what to correct', 'A fail or partial pass needs notes or corrections for the builder.'));
      return;
    }
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      const done = await api<Inspection>('POST', `/api/v1/inspections/${encodeURIComponent(i.id)}/result`,
        { result, comments, corrections }, { 'Idempotency-Key': crypto.randomUUID() });
      await redraw();
      const final = done.permit_status === 'finaled' ? ' That was the final inspection: the permit is finaled.' : '';
      showAlert(messages, alert('success', `${inspectionName(i.type)} at ${i.address?.line1 ?? 'the site'}: ${RESULT[result] ?? result}`,
        `Recorded for permit ${i.permit}.${final}`));
    } catch (err) {
      button.disabled = false;
      showAlert(slot, alert('error', 'The result was not recorded', err instanceof ApiError ? err.message : explain(err)));
    }
  });
  return h('li', { class: 'hf-stop', 'data-testid': `stop-${i.permit}` },
    h('h2', { class: 'hf-stop__heading' }, `Stop ${n}: ${inspectionName(i.type)}`),
    record([
      ['Time', `${windowName(i.window)}${i.attempt && i.attempt > 1 ? ` (attempt ${i.attempt})` : ''}`],
      ['Address', addressText(i.address)],
      ['Permit', permitLink(i.permit)],
    ]),
    form);
}
