// /contractor/permits/{number}: one of the contractor's permits (GET /api/v1/permits/{number}, 404 for a
// permit that is not theirs): its record, its fees with what is paid and due and, while fees are due, the
// card form; its inspections with their results (GET …/inspections); and once it is issued and paid, a
// booking form listing the windows open for its next inspection (GET …/inspection-slots), which books one
// (POST …/inspections with its day and window). A booked inspection can be moved to another open window
// (POST /api/v1/inspections/{id}/reschedule) or cancelled here.
import { api, ApiError, dollars, needsSignIn } from '../../api';
import type { Navigate } from '../../areas/area';
import { cardPaymentForm } from '../../card_payment';
import { dayText } from '../../dates';
import { alert, explain, h, scrollable, showAlert } from '../../dom';
import { addressText, INSPECTION_STATUS, inspectionName, PERMIT_STATUS, RESULT, windowName, type Inspection, type Permit } from '../../permits';
import { pageTitle } from '../../site';
import { feeTable } from './fees';
import type { OpenWindow, PermitPayment } from './model';

const CLOSED = ['cancelled', 'voided', 'expired', 'finaled'];

export async function renderContractorPermit(main: HTMLElement, navigate: Navigate, number: string): Promise<void> {
  document.title = pageTitle(`Permit ${number}`);
  const messages = h('div', { class: 'margin-bottom-3', 'data-testid': 'permit-messages' });
  const body = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading the permit…'));
  main.append(
    h('a', { class: 'usa-link', href: '/contractor', 'data-link': true }, 'Back to my permits'),
    h('h1', {}, `Permit ${number}`),
    messages,
    body,
  );
  const path = `/api/v1/permits/${encodeURIComponent(number)}`;

  async function load(): Promise<void> {
    body.setAttribute('aria-busy', 'true');
    try {
      const permit = await api<Permit>('GET', path);
      const inspections = await api<{ items: Inspection[] }>('GET', `${path}/inspections`);
      const bookable = ['issued', 'inspections'].includes(permit.status) && !permit.held && permit.due_cents === 0;
      const windows = bookable
        ? await api<{ items: OpenWindow[] }>('GET', `${path}/inspection-slots?limit=10`).then((s) => s.items).catch(() => null)
        : [];
      body.replaceChildren(...draw(permit, inspections.items, windows));
    } catch (e) {
      if (needsSignIn(e)) {
        navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
        return;
      }
      const notFound = e instanceof ApiError && e.status === 404;
      document.title = pageTitle(notFound ? 'Permit not found' : `Permit ${number}`);
      body.replaceChildren();
      showAlert(messages, alert('error', notFound ? 'Permit not found' : 'The permit could not be shown',
        notFound ? `There is no permit ${number} among your permits. Check the number, or see the list of your permits.`
          : explain(e)));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  function draw(p: Permit, inspections: Inspection[], windows: OpenWindow[] | null): HTMLElement[] {
    const out: HTMLElement[] = [record(p)];
    out.push(h('h2', {}, 'Fees'), feeTable(p.fees, `Fees of permit ${p.number}`),
      h('ul', { class: 'usa-list usa-list--unstyled', 'data-testid': 'fees-summary' },
        h('li', {}, 'Total: ', h('span', { class: 'hf-money' }, dollars(p.fees_total_cents))),
        h('li', {}, 'Paid: ', h('span', { class: 'hf-money', 'data-testid': 'fees-paid' }, dollars(p.paid_cents))),
        h('li', { class: 'text-bold' }, 'Due: ', h('span', { class: 'hf-money', 'data-testid': 'fees-due' }, dollars(p.due_cents)))));
    if (p.due_cents > 0 && !CLOSED.includes(p.status)) {
      out.push(cardPaymentForm<PermitPayment>({
        path: `/api/v1/permits/${encodeURIComponent(p.number)}/online-payments`,
        heading: 'Pay the fees by card',
        amountCents: p.due_cents,
        messages,
        paid: (result) => {
          void load();
          const ref = result.payment.reference ? ` Reference ${result.payment.reference}.` : '';
          return { heading: 'Fees paid', text: `Thank you. Your card ending in ${result.payment.card_last4 ?? '••••'} was charged ` +
            `${dollars(result.permit.paid_cents)}.${ref} The permit desk reviews the application and issues the permit.` };
        },
      }));
    }
    out.push(inspectionSection(p, inspections));
    out.push(bookingSection(p, inspections, windows));
    return out;
  }

  function record(p: Permit): HTMLElement {
    const rows: [string, string][] = [
      ['Status', (PERMIT_STATUS[p.status] ?? p.status) + (p.held ? ` (on hold: ${p.hold_reason ?? ''})` : '')],
      ['Type', p.type_name + (p.work_class === 'existing' ? ' (existing building)' : p.work_class === 'new' ? ' (new construction)' : '')],
      ['Work', p.description ?? ''],
      ['Address', addressText(p.address)],
      ['Valuation', dollars(p.valuation_cents ?? 0)],
      ['Applied', p.applied_on ?? ''],
      ['Issued', p.issued_on ?? 'Not yet'],
      ['Expires', p.expires_on ?? '—'],
    ];
    return h('dl', { class: 'hf-record', 'data-testid': 'permit-record' },
      ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  }

  function inspectionSection(p: Permit, items: Inspection[]): HTMLElement {
    const section = h('section', { 'aria-labelledby': 'inspections-heading' }, h('h2', { id: 'inspections-heading' }, 'Inspections'));
    if (items.length === 0) {
      section.append(h('p', { 'data-testid': 'inspections' }, 'No inspection has been booked yet.'));
      return section;
    }
    const table = h('table', { class: 'usa-table usa-table--borderless', 'data-testid': 'inspections' },
      h('caption', { class: 'usa-sr-only' }, `Inspections of permit ${p.number}, in the order they were booked`),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Inspection'),
        h('th', { scope: 'col' }, 'When'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Result'),
        h('th', { scope: 'col' }, 'Inspector’s comments'),
        h('th', { scope: 'col' }, 'Change'))),
      h('tbody', {}, ...items.map((i) => h('tr', {},
        h('th', { scope: 'row' }, inspectionName(i.type) + ((i.attempt ?? 1) > 1 ? ` (request ${i.attempt})` : '')),
        h('td', {}, `${dayText(i.day)}, ${windowName(i.window).toLowerCase()}`),
        h('td', {}, INSPECTION_STATUS[i.status] ?? i.status),
        h('td', {}, i.result ? `${RESULT[i.result] ?? i.result}${i.inspected_on ? ` on ${i.inspected_on}` : ''}` : '—'),
        h('td', {}, [i.comments, ...(i.corrections ?? [])].filter(Boolean).join(' ') || '—'),
        h('td', {}, i.status === 'scheduled' || i.status === 'needs_reschedule' ? cancelButton(i) : '')))));
    section.append(scrollable(`Inspections of permit ${p.number}`, table));
    return section;
  }

  function cancelButton(i: Inspection): HTMLElement {
    const button = h('button', { class: 'usa-button usa-button--unstyled', type: 'button' },
      `Cancel the ${inspectionName(i.type).toLowerCase()} inspection`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await api('POST', `/api/v1/inspections/${encodeURIComponent(i.id)}/cancel`,
          { reason: 'Cancelled by the contractor online' }, { 'Idempotency-Key': crypto.randomUUID() });
        await load();
        showAlert(messages, alert('success', 'Inspection cancelled',
          `The ${inspectionName(i.type).toLowerCase()} inspection on ${dayText(i.day)} is cancelled. You can book it again below.`));
      } catch (e) {
        button.disabled = false;
        showAlert(messages, alert('error', 'The inspection was not cancelled', explain(e)));
      }
    });
    return button;
  }

  function bookingSection(p: Permit, items: Inspection[], windows: OpenWindow[] | null): HTMLElement {
    const section = h('section', { 'aria-labelledby': 'book-heading' }, h('h2', { id: 'book-heading' }, 'Book an inspection'));
    const say = (text: string) => {
      section.append(h('p', { 'data-testid': 'booking-note' }, text));
      return section;
    };
    if (CLOSED.includes(p.status)) return say(`This permit is ${PERMIT_STATUS[p.status]?.toLowerCase() ?? p.status}: no inspection can be booked.`);
    if (p.status === 'applied' || p.status === 'in_review') {
      return say(p.due_cents > 0 ? 'Pay the fees first. Once the permit desk issues the permit, you book its inspections here.'
        : 'The permit desk is reviewing your application. Once the permit is issued, you book its inspections here.');
    }
    if (p.held) return say('The permit is on hold: call the permit desk before booking.');
    if (p.due_cents > 0) return say('Pay the fees due first, then book the inspection.');
    const next = (p.inspections ?? []).find((i) => !i.passed_on);
    if (!next) return say('Every inspection of this permit has passed.');
    const open = items.find((i) => i.type === next.type && (i.status === 'scheduled' || i.status === 'needs_reschedule'));
    const name = inspectionName(next.type).toLowerCase();
    if (open) {
      // A booked inspection moves to another open window (the one it holds is not offered again).
      const others = (windows ?? []).filter((w) => !(w.day === open.day && w.window === open.window));
      const when = `${dayText(open.day)}, ${windowName(open.window).toLowerCase()}`;
      section.querySelector('h2')!.textContent = 'Your next inspection';
      say(open.status === 'needs_reschedule'
        ? `The city cannot keep your ${name} inspection on ${when}. Choose a new time below, or call the permit desk.`
        : `Your ${name} inspection is booked for ${when}.`);
      if (others.length === 0) return say('No other inspection time is open at the moment. Call the permit desk to move it.');
      section.append(windowForm({
        testid: 'move-form', ids: 'move', windows: others, intro: '',
        legend: `Move the ${name} inspection to another time`,
        action: 'Move inspection',
        failed: 'The inspection was not moved',
        submit: async (day, window, key) => {
          const moved = await api<Inspection>('POST', `/api/v1/inspections/${encodeURIComponent(open.id)}/reschedule`,
            { requested_date: day, window, reason: 'Moved by the contractor online' }, { 'Idempotency-Key': key });
          await load();
          showAlert(messages, alert('success', 'Inspection moved',
            `Your ${inspectionName(moved.type).toLowerCase()} inspection is now booked for ${dayText(moved.day)}, ${windowName(moved.window).toLowerCase()}.`));
        },
      }));
      return section;
    }
    if (!windows || windows.length === 0) {
      return say('No inspection time is open at the moment. Call the permit desk to book.');
    }
    section.append(windowForm({
      testid: 'booking-form', ids: 'slot', windows,
      intro: `Next inspection: ${inspectionName(next.type)}.`,
      legend: `When should the inspector come for the ${name} inspection?`,
      action: 'Book inspection',
      failed: 'The inspection was not booked',
      submit: async (day, window, key) => {
        const booked = await api<Inspection>('POST', `${path}/inspections`,
          { inspection_type: next.type, requested_date: day, window }, { 'Idempotency-Key': key });
        await load();
        showAlert(messages, alert('success', 'Inspection booked',
          `Your ${inspectionName(booked.type).toLowerCase()} inspection is booked for ${dayText(booked.day)}, ${windowName(booked.window).toLowerCase()}.`));
      },
    }));
    return section;
  }

  // The open windows as radio buttons (ids `${ids}-0`, `${ids}-1` …, the first chosen) and a submit button;
  // `submit` gets the chosen day and window and an Idempotency-Key, kept for retries of the same choice until
  // a request fails.
  function windowForm(o: {
    testid: string; ids: string; windows: OpenWindow[]; intro: string; legend: string; action: string; failed: string;
    submit: (day: string, window: string, key: string) => Promise<void>;
  }): HTMLFormElement {
    const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': o.testid },
      ...(o.intro ? [h('p', {}, o.intro)] : []),
      h('fieldset', { class: 'usa-fieldset' },
        h('legend', { class: 'usa-legend' }, o.legend),
        ...o.windows.map((w, n) => h('div', { class: 'usa-radio' },
          h('input', { class: 'usa-radio__input', type: 'radio', name: o.ids, id: `${o.ids}-${n}`, value: `${w.day}|${w.window}`, checked: n === 0 }),
          h('label', { class: 'usa-radio__label', for: `${o.ids}-${n}` },
            `${dayText(w.day)}, ${windowName(w.window).toLowerCase()} (${w.open} ${w.open === 1 ? 'place' : 'places'} left)`)))),
      h('button', { class: 'usa-button', type: 'submit' }, o.action)) as HTMLFormElement;
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    let key = crypto.randomUUID();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const chosen = (form.querySelector(`input[name=${o.ids}]:checked`) as HTMLInputElement | null)?.value;
      if (!chosen) {
        showAlert(messages, alert('error', 'Choose a time', 'Choose the day and window for the inspection.'));
        return;
      }
      const [day, window] = chosen.split('|');
      button.disabled = true;
      try {
        await o.submit(day, window, key);
      } catch (err) {
        key = crypto.randomUUID();
        button.disabled = false;
        showAlert(messages, alert('error', o.failed, explain(err)));
      }
    });
    return form;
  }

  await load();
}
