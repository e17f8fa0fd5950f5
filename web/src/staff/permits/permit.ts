// One permit at the desk (/staff/permits/{number}): its record, the fees assessed, paid and due, taking the
// fees at the signed-in clerk's open cash drawer (POST …/payments), issuing it (POST …/issue), holds and their
// release, its inspections and booking the next one (POST …/inspections: the node picks the first free slot).
// Its receipts link to their counter pages for staff who work a drawer (a void, a refund, a returned check);
// a supervisor or admin refunds an online payment of its fees not yet refunded (GET
// /api/v1/utility/online-payments?status=approved&number=…) to the card (POST /api/v1/utility/online-payments/{id}/refund):
// before the permit is issued the fees are due again; an issued permit is voided first (the node refuses).
import { answered, api, ApiError, dollars, parseDollars, type Party, type User } from '../../api';
import { hasRole, type Navigate } from '../../areas/area';
import { dayText } from '../../dates';
import { alert, explain, field, h, link, radios, record, scrollable, selectField, showAlert, textareaField, value } from '../../dom';
import { addressText, INSPECTION_STATUS, inspectionName, PERMIT_STATUS, RESULT, windowName, type Inspection, type Permit } from '../../permits';
import { pageTitle } from '../../site';
import type { Drawer, Receipt } from '../counter/types';
import { feeTable } from './fees';
import type { Contractor, Items } from './model';
import { inspectorNames, loading } from './ui';

const PAYERS = ['admin', 'supervisor', 'clerk']; // the roles that hold a cash drawer
const ISSUERS = ['admin', 'supervisor', 'permit_tech'];
const BOOKERS = ['admin', 'supervisor', 'clerk', 'permit_tech', 'inspector'];
const CLOSED = ['finaled', 'cancelled', 'voided', 'expired'];
const REFUNDERS = ['admin', 'supervisor'];

export async function renderPermit(main: HTMLElement, _navigate: Navigate, number: string, user: User | null): Promise<void> {
  document.title = pageTitle(`Permit ${number}`);
  const messages = h('div', { class: 'hf-messages', 'data-testid': 'permit-messages' });
  const body = loading(`Loading permit ${number}…`);
  main.append(
    h('p', { class: 'margin-bottom-0' }, link('/staff/permits', 'Back to the permit desk')),
    h('h1', {}, `Permit ${number}`), messages, body);

  async function draw(): Promise<void> {
    let permit: Permit;
    try {
      permit = await api<Permit>('GET', `/api/v1/permits/${encodeURIComponent(number)}`);
    } catch (e) {
      showAlert(body, alert('error', answered(e, 404) ? 'No such permit' : 'The permit could not be shown',
        answered(e, 404) ? `There is no permit numbered ${number}. Check the number and try again.` : explain(e)));
      return;
    }
    const [applicant, contractor, inspections, names] = await Promise.all([
      permit.applicant_party_id
        ? api<Party>('GET', `/api/v1/parties/${encodeURIComponent(permit.applicant_party_id)}`).catch(() => null) : null,
      permit.contractor_party_id
        ? api<Contractor>('GET', `/api/v1/contractors/${encodeURIComponent(permit.contractor_party_id)}`).catch(() => null) : null,
      api<Items<Inspection>>('GET', `/api/v1/permits/${encodeURIComponent(number)}/inspections`).then((r) => r.items).catch(() => [] as Inspection[]),
      inspectorNames(),
    ]);
    const parts: HTMLElement[] = [recordOf(permit, applicant, contractor), h('h2', {}, 'Fees'), feeTable(permit)];
    if (permit.receipts?.length) {
      const counter = hasRole(user, PAYERS);
      parts.push(h('p', {}, 'Receipts: ', ...permit.receipts.flatMap((r, i) => [i ? ', ' : '',
        link(counter && !isOnline(r) ? `/staff/counter/receipts/${encodeURIComponent(r)}` : `/receipts/${encodeURIComponent(r)}`, r)])));
    }
    if (hasRole(user, REFUNDERS)) {
      const section = await onlineRefundSection(permit, messages, draw);
      if (section) parts.push(section);
    }
    if (permit.due_cents > 0 && !CLOSED.includes(permit.status)) parts.push(await paymentSection(permit, user, messages, draw));
    if (hasRole(user, ISSUERS) && !CLOSED.includes(permit.status)) parts.push(issueSection(permit, messages, draw));
    parts.push(inspectionSection(permit, inspections, names, user, messages, draw));
    body.replaceChildren(...parts);
  }
  await draw();
}

function recordOf(p: Permit, applicant: Party | null, contractor: Contractor | null): HTMLElement {
  const status = (PERMIT_STATUS[p.status] ?? p.status) + (p.held ? ` — on hold: ${p.hold_reason ?? ''}` : '');
  const rows: [string, string][] = [
    ['Status', status],
    ['Type', `${p.type_name}${p.work_class ? ` (${p.work_class === 'new' ? 'new construction' : 'existing building'})` : ''}`],
    ['Work', p.description ?? ''],
    ['Work site', addressText(p.address)],
    ['Parcel', p.parcel_pin ?? ''],
    ['Valuation', dollars(p.valuation_cents ?? 0)],
    ['Applicant', applicant ? `${applicant.name}${applicant.phone ? `, ${applicant.phone}` : ''}` : p.applicant_party_id ?? ''],
    ['Contractor', p.contractor_party_id
      ? contractor ? `${contractor.name ?? p.contractor_party_id} (license ${contractor.license_number ?? '—'})` : p.contractor_party_id
      : 'None'],
    ['Applied', p.applied_on ?? ''],
    ['Issued', p.issued_on ?? 'Not yet'],
    ['Expires', p.expires_on ?? '—'],
  ];
  if (p.square_feet) rows.splice(6, 0, ['Square feet', p.square_feet.toLocaleString('en-US')]);
  if (p.finaled_on) rows.push(['Finaled', p.finaled_on]);
  if (p.closed_on) rows.push(['Closed', `${p.closed_on}${p.close_reason ? `: ${p.close_reason}` : ''}`]);
  return record(rows, 'permit-record');
}

// An online payment's id, as a permit lists it among its receipts.
function isOnline(receipt: string): boolean {
  return receipt.startsWith('OP-');
}

// A supervisor refunds an online payment of the fees to its card, with the reason; null when there is none to
// refund.
async function onlineRefundSection(p: Permit, messages: HTMLElement, redraw: () => Promise<void>): Promise<HTMLElement | null> {
  let charges: { id: string; amount_cents: number; card_last4: string }[];
  try {
    charges = (await api<Items<{ id: string; amount_cents: number; card_last4: string }>>('GET',
      `/api/v1/utility/online-payments?status=approved&number=${encodeURIComponent(p.number)}`)).items;
  } catch (e) {
    return alert('error', 'The card payments of this permit could not be read', explain(e));
  }
  if (charges.length === 0) return null;
  const open = p.status === 'applied' || p.status === 'in_review';
  const section = h('section', { 'aria-labelledby': 'online-refund-heading', 'data-testid': 'online-refunds' },
    h('h2', { id: 'online-refund-heading' }, 'Refund an online payment'));
  if (p.status === 'issued' || p.status === 'inspections') {
    section.append(h('p', {}, `Permit ${p.number} is issued: its card payments can be refunded only once the permit is voided ` +
      '(a supervisor or admin voids it through the city’s API; ask your system administrator).'));
    return section;
  }
  section.append(h('p', {}, open
    ? `Refunding a card payment of permit ${p.number}’s fees gives the money back to the card and leaves the fees due again.`
    : `Permit ${p.number} is closed: a refund gives the money back to the card and leaves its record as it is.`));
  for (const c of charges) {
    const button = h('button', { class: 'usa-button usa-button--secondary', type: 'submit' }, `Refund ${dollars(c.amount_cents)} (${c.id}) to the card`);
    const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': `online-refund-${c.id}` },
      field(`refund-reason-${c.id}`, `Why ${c.id} is refunded`, { required: true, maxlength: '500', autocomplete: 'off' }),
      button);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const reason = value(form, `refund-reason-${c.id}`).trim();
      if (!reason) {
        showAlert(messages, alert('error', 'Give the reason', `Say why ${c.id} is refunded.`));
        return;
      }
      button.disabled = true;
      try {
        await api('POST', `/api/v1/utility/online-payments/${encodeURIComponent(c.id)}/refund`, { reason });
        await redraw();
        showAlert(messages, alert('success', `${c.id} is refunded`,
          `${dollars(c.amount_cents)} goes back to the card ending ${c.card_last4}${open ? '; the permit’s fees are due again' : ''}.`));
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'refunded-still-applied') {
          // The card was refunded, but the permit changed meanwhile and still counts the payment.
          await redraw();
          showAlert(messages, alert('warning', `${c.id} is refunded to the card, but the permit still counts it`, explain(err)));
          return;
        }
        button.disabled = false;
        showAlert(messages, alert('error', `${c.id} was not refunded`, explain(err)));
      }
    });
    section.append(form);
  }
  return section;
}

// --- fees -------------------------------------------------------------------------------------------------

async function paymentSection(p: Permit, user: User | null, messages: HTMLElement, redraw: () => Promise<void>): Promise<HTMLElement> {
  const section = h('section', { 'aria-labelledby': 'pay-heading', 'data-testid': 'take-payment' },
    h('h2', { id: 'pay-heading' }, 'Take the fees'));
  if (!hasRole(user, PAYERS)) {
    section.append(h('p', {}, `${dollars(p.due_cents)} is due. Fees are taken at a cash drawer: ask a clerk to open this permit and take them. Then issue the permit here.`));
    return section;
  }
  let drawer: Drawer | undefined;
  try {
    const { items } = await api<Items<Drawer>>('GET', '/api/v1/drawers?status=open&clerk=me&limit=1');
    drawer = items[0];
  } catch (e) {
    section.append(alert('error', 'Your cash drawer could not be found', explain(e)));
    return section;
  }
  if (!drawer) {
    section.append(h('p', {}, `${dollars(p.due_cents)} is due. You have no open cash drawer: `,
      link('/staff/drawers', 'open your drawer'), ', then come back to this permit.'));
    return section;
  }
  const amount = field('tender-amount', 'Amount received in dollars', { inputmode: 'decimal', required: true, autocomplete: 'off',
    value: (p.due_cents / 100).toFixed(2) }, `${dollars(p.due_cents)} is due. Cash may be more; the change is shown.`);
  const numberField = field('tender-number', 'Check or money order number', { autocomplete: 'off' });
  const referenceField = field('tender-reference', 'Card terminal reference', { autocomplete: 'off' }, 'As printed on the terminal’s slip');
  const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': 'payment-form' },
    h('p', {}, `Into your drawer ${drawer.id}.`),
    radios('tender-kind', 'Paid by', [['cash', 'Cash'], ['check', 'Check'], ['card', 'Card'], ['money_order', 'Money order']], 'cash'),
    amount, numberField, referenceField,
    h('button', { class: 'usa-button', type: 'submit' }, `Take ${dollars(p.due_cents)}`));
  const show = () => {
    const kind = value(form, 'tender-kind');
    numberField.hidden = kind !== 'check' && kind !== 'money_order';
    referenceField.hidden = kind !== 'card';
  };
  form.addEventListener('change', show);
  show();
  let pending: { key: string; body: unknown } | null = null;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const kind = value(form, 'tender-kind');
    const cents = parseDollars(value(form, 'tender-amount'));
    const problems: string[] = [];
    if (cents === null || cents <= 0) problems.push('Enter the amount received, such as 125.50.');
    else if (cents < p.due_cents) problems.push(`The whole ${dollars(p.due_cents)} is due at once; partial payments are not taken.`);
    else if (cents > p.due_cents && kind !== 'cash') problems.push(`Only cash can be more than the ${dollars(p.due_cents)} due.`);
    const tender: Record<string, unknown> = { kind, amount_cents: cents };
    if (kind === 'check' || kind === 'money_order') {
      const n = value(form, 'tender-number').trim();
      if (!n) problems.push(`Enter the ${kind === 'check' ? 'check' : 'money order'} number.`);
      tender.number = n;
    }
    if (kind === 'card') {
      const r = value(form, 'tender-reference').trim();
      if (!r) problems.push('Enter the card terminal’s reference.');
      tender.reference = r;
    }
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the payment', problems.join(' ')));
      return;
    }
    const body = { drawer_id: drawer!.id, tenders: [tender] };
    if (!pending || JSON.stringify(pending.body) !== JSON.stringify(body)) pending = { key: crypto.randomUUID(), body };
    (form.querySelector('button[type=submit]') as HTMLButtonElement).disabled = true;
    try {
      const done = await api<{ receipt: Receipt; permit: Permit }>('POST', `/api/v1/permits/${encodeURIComponent(p.number)}/payments`,
        pending.body, { 'Idempotency-Key': pending.key });
      pending = null;
      await redraw();
      const change = done.receipt.change_cents ? ` Give ${dollars(done.receipt.change_cents)} in change.` : '';
      showAlert(messages, alert('success', `Fees paid: receipt ${done.receipt.receipt}`,
        `${dollars(done.receipt.total_cents)} taken for permit ${p.number}.${change} The permit can now be issued.`));
    } catch (err) {
      if (!(err instanceof ApiError) || err.status < 500) pending = null;
      showAlert(messages, alert('error', 'The fees were not taken', explain(err)));
      (form.querySelector('button[type=submit]') as HTMLButtonElement).disabled = false;
    }
  });
  section.append(form);
  return section;
}

// --- issue and holds ----------------------------------------------------------------------------------------

function issueSection(p: Permit, messages: HTMLElement, redraw: () => Promise<void>): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'issue-heading' }, h('h2', { id: 'issue-heading' }, 'Issue and holds'));
  const base = `/api/v1/permits/${encodeURIComponent(p.number)}`;
  if (p.status === 'in_review' || p.status === 'applied') {
    const ready = p.status === 'in_review' && p.due_cents <= 0 && !p.held;
    const issue = h('button', { class: 'usa-button', type: 'button', 'data-testid': 'issue' }, 'Issue the permit');
    if (!ready) {
      section.append(h('p', {}, p.held ? 'The permit is on hold: release the hold to issue it.'
        : `The permit can be issued once its fees are paid (${dollars(p.due_cents)} due).`));
    } else {
      section.append(h('p', {}, 'The fees are paid. Issue the permit when the plans are approved.'), issue);
      issue.addEventListener('click', async () => {
        issue.disabled = true;
        try {
          const done = await api<Permit>('POST', `${base}/issue`, undefined, { 'Idempotency-Key': crypto.randomUUID() });
          await redraw();
          showAlert(messages, alert('success', `Permit ${p.number} is issued`,
            `It expires on ${done.expires_on ?? '—'} unless an inspection passes first. Book its first inspection below.`));
        } catch (e) {
          issue.disabled = false;
          showAlert(messages, alert('error', 'The permit was not issued', explain(e)));
        }
      });
    }
  } else {
    section.append(h('p', {}, p.issued_on ? `Issued on ${p.issued_on}.` : ''));
  }
  // A hold (or its release) with the reason.
  const action = p.held ? 'release' : 'hold';
  const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': 'hold-form' },
    textareaField('hold-reason', p.held ? 'Why the hold ends' : 'Why the permit is held', { required: true, maxlength: '500', rows: '2' },
      p.held ? undefined : 'A hold stops issue and expiry until it is released.'),
    h('button', { class: 'usa-button usa-button--outline', type: 'submit' }, p.held ? 'Release the hold' : 'Place a hold'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = value(form, 'hold-reason').trim();
    if (!reason) {
      showAlert(messages, alert('error', 'Give the reason', p.held ? 'Say why the hold ends.' : 'Say why the permit is held.'));
      return;
    }
    try {
      await api<Permit>('POST', `${base}/${action}`, { reason }, { 'Idempotency-Key': crypto.randomUUID() });
      await redraw();
      showAlert(messages, alert('success', p.held ? 'Hold released' : 'Hold placed', reason));
    } catch (err) {
      showAlert(messages, alert('error', p.held ? 'The hold was not released' : 'The hold was not placed', explain(err)));
    }
  });
  const hold = h('details', { class: 'hf-hold', open: !!p.held },
    h('summary', {}, p.held ? 'Release the hold' : 'Place a hold on this permit'), form);
  section.append(hold);
  return section;
}

// --- inspections --------------------------------------------------------------------------------------------

function inspectionSection(p: Permit, items: Inspection[], names: Map<string, string>, user: User | null,
  messages: HTMLElement, redraw: () => Promise<void>): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'inspections-heading' }, h('h2', { id: 'inspections-heading' }, 'Inspections'));
  const steps = p.inspections ?? [];
  if (steps.length) {
    section.append(h('p', {}, 'In order: ', steps.map((s) => `${inspectionName(s.type)}${s.passed_on ? ` (passed ${s.passed_on})` : ''}`).join(', '), '.'));
  }
  section.append(items.length === 0
    ? h('p', { 'data-testid': 'permit-inspections' }, 'No inspection has been booked yet.')
    : scrollable(`Inspections of permit ${p.number}`,
      h('table', { class: 'usa-table usa-table--borderless', 'data-testid': 'permit-inspections' },
        h('caption', {}, `Inspections of permit ${p.number}`),
        h('thead', {}, h('tr', {}, ...['Inspection', 'Day', 'Inspector', 'Status', 'Result'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...items.map((i) => h('tr', {},
          h('th', { scope: 'row' }, `${inspectionName(i.type)}${i.attempt && i.attempt > 1 ? ` (attempt ${i.attempt})` : ''}`),
          h('td', {}, i.day ? `${dayText(i.day)}, ${windowName(i.window).toLowerCase()}` : '—'),
          h('td', {}, i.inspector ? names.get(i.inspector) ?? i.inspector : '—'),
          h('td', {}, INSPECTION_STATUS[i.status] ?? i.status),
          h('td', {}, i.result ? `${RESULT[i.result] ?? i.result}${i.inspected_on ? ` on ${i.inspected_on}` : ''}${i.comments ? `: ${i.comments}` : ''}` : '—')))))));

  if (!hasRole(user, BOOKERS)) return section;
  if (p.status !== 'issued' && p.status !== 'inspections') {
    section.append(h('p', {}, CLOSED.includes(p.status) ? 'No more inspections: the permit is closed.'
      : 'Inspections can be booked once the permit is issued.'));
    return section;
  }
  const passed = new Set(steps.filter((s) => s.passed_on).map((s) => s.type));
  const open = new Set(items.filter((i) => i.status === 'scheduled' || i.status === 'needs_reschedule').map((i) => i.type));
  const next = steps.find((s) => !passed.has(s.type));
  const choices = steps.filter((s) => !passed.has(s.type) && !open.has(s.type));
  if (!next || choices.length === 0) {
    section.append(h('p', {}, next ? `The ${inspectionName(next.type).toLowerCase()} inspection is booked.` : 'Every inspection has passed.'));
    return section;
  }
  const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': 'book-inspection' },
    h('h3', {}, 'Book an inspection'),
    selectField('inspection-type', 'Inspection', choices.map((s) => [s.type, inspectionName(s.type)] as [string, string]), {},
      `Next in order: ${inspectionName(next.type).toLowerCase()}`),
    field('requested-date', 'Day wanted (optional)', { type: 'date' }, 'Leave empty for the first free day'),
    selectField('window', 'Time of day', [['', 'Morning or afternoon'], ['AM', 'Morning'], ['PM', 'Afternoon']]),
    h('button', { class: 'usa-button', type: 'submit' }, 'Book the inspection'));
  (form.querySelector('#inspection-type') as HTMLSelectElement).value = next.type;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body: Record<string, string> = { inspection_type: value(form, 'inspection-type') };
    if (value(form, 'requested-date')) body.requested_date = value(form, 'requested-date');
    if (value(form, 'window')) body.window = value(form, 'window');
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      const i = await api<Inspection>('POST', `/api/v1/permits/${encodeURIComponent(p.number)}/inspections`, body,
        { 'Idempotency-Key': crypto.randomUUID() });
      await redraw();
      const fee = i.fee_added_cents ? ` A re-inspection fee of ${dollars(i.fee_added_cents)} was added to the permit.` : '';
      showAlert(messages, alert('success', `${inspectionName(i.type)} inspection booked`,
        `${dayText(i.day)}, ${windowName(i.window).toLowerCase()}, with ${names.get(i.inspector ?? '') ?? i.inspector ?? 'an inspector'}.${fee}`));
    } catch (err) {
      button.disabled = false;
      showAlert(messages, alert('error', 'The inspection was not booked', explain(err)));
    }
  });
  section.append(form);
  return section;
}
