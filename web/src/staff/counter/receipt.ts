// A printable counter receipt (/staff/counter/receipts/{number}; GET /api/v1/receipts/{number}): the city,
// the receipt number and date, what was paid for, the tenders, the change and the total, with a Print button.
// The page prints as the receipt alone: site.css hides the site's header, banner, staff bar and footer in
// print, and everything here that is not the receipt carries hf-no-print.
//
// Below it, a void (POST /api/v1/receipts/{number}/void) and a refund (POST …/refunds), each needing a
// supervisor's approval: the supervisor types their own username, password and, when enrolled, authenticator
// code on this screen, sent as the request's "approval" (src/http/approval.h). A refused approval (a clerk's
// own credentials, a wrong password) is shown with the node's reason. A supervisor or admin also records a
// check the bank returned unpaid (POST …/returned-check), whatever the drawer's state, on a receipt paid wholly
// by check: what it paid for is owed again.
import { answered, api, ApiError, dollars, parseDollars, type Party, type User } from '../../api';
import type { Navigate } from '../../areas/area';
import { moment } from '../../dates';
import { alert, explain, field, h, showAlert, value } from '../../dom';
import { cityName, pageTitle } from '../../site';
import { refreshStatusStrip } from '../status_strip';
import { cell, headRow, moneyCell, myOpenDrawer } from './common';
import { TENDER_NAMES, type Receipt, type TenderKind } from './types';

const STATUS_NAMES: Record<Receipt['status'], string> = {
  paid: 'Paid',
  'partly-refunded': 'Paid, partly refunded',
  refunded: 'Refunded',
  voided: 'Voided',
  'check-returned': 'Check returned unpaid',
};

export async function renderReceipt(main: HTMLElement, _navigate: Navigate, number: string, user: User | null): Promise<void> {
  document.title = pageTitle(`Receipt ${number}`);
  const slot = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Reading the receipt…'));
  main.append(slot);
  let receipt: Receipt;
  try {
    receipt = await api<Receipt>('GET', `/api/v1/receipts/${encodeURIComponent(number)}`);
  } catch (e) {
    slot.setAttribute('aria-busy', 'false');
    slot.replaceChildren(h('h1', {}, `Receipt ${number}`));
    const message = alert('error', answered(e, 404) ? 'No such receipt' : 'The receipt could not be read',
      answered(e, 404) ? `There is no receipt numbered ${number} at this office.` : explain(e));
    slot.append(message);
    message.focus();
    return;
  }
  const [city, payer] = await Promise.all([
    cityName(),
    receipt.payer_party_id
      ? api<Party>('GET', `/api/v1/parties/${encodeURIComponent(receipt.payer_party_id)}`).catch(() => null)
      : Promise.resolve(null),
  ]);
  slot.setAttribute('aria-busy', 'false');

  const messages = h('div', { class: 'hf-no-print margin-y-2', 'data-testid': 'receipt-messages' });
  const paper = h('div');
  const draw = (r: Receipt) => paper.replaceChildren(receiptPaper(r, city, payer));
  draw(receipt);

  const print = h('button', { class: 'usa-button', type: 'button', 'data-testid': 'print' }, 'Print');
  print.addEventListener('click', () => window.print());
  const actions = h('ul', { class: 'usa-button-group hf-no-print margin-y-3' },
    h('li', { class: 'usa-button-group__item' }, print),
    h('li', { class: 'usa-button-group__item' },
      h('a', { class: 'usa-button usa-button--outline', href: '/staff/counter', 'data-link': true }, 'Back to the counter')));

  const changed = (r: Receipt, heading: string, text: string, kind: 'success' | 'warning' = 'success') => {
    receipt = r;
    draw(r);
    corrections.replaceChildren(...correctionForms());
    showAlert(messages, alert(kind, heading, text));
    refreshStatusStrip();
  };
  const corrections = h('div', { class: 'hf-counter-report-tables' });
  const supervises = !!user && user.roles.some((role) => role === 'supervisor' || role === 'admin');
  // A supervisor may record the check returned: a receipt paid wholly by check, nothing refunded from it.
  const mayReturn = (): boolean => supervises && receipt.refunds.length === 0 && receipt.tenders.length > 0 &&
    receipt.tenders.every((t) => t.kind === 'check');
  // What can still be done with the receipt: nothing once voided or its check came back.
  const settled = (): string | null => receipt.status === 'voided' ? 'The receipt is voided: nothing more is done on it.'
    : receipt.returned_check ? `Its check came back unpaid on ${receipt.returned_check.returned_on}: nothing more is done on this receipt.` : null;
  const correctionForms = (): HTMLElement[] => {
    const done = settled();
    return done ? [h('p', { 'data-testid': 'receipt-settled' }, done)] : [
      receipt.refunds.length === 0 ? voidForm(receipt, messages, (r) => changed(r, `Receipt ${r.receipt} is voided`,
        'The payment is reversed in its drawer, and the renewals it paid for are taken back.')) : null,
      receipt.refundable_cents > 0 ? refundForm(receipt, messages, (r, cents, kind) => changed(r, `Refunded ${dollars(cents)}`,
        `${dollars(cents)} of receipt ${r.receipt} was refunded ${kind === 'cash' ? 'in cash from your drawer' : `to the ${TENDER_NAMES[kind].toLowerCase()}`}.`)) : null,
      mayReturn()
        ? returnedCheckForm(receipt, messages, (r) => r.returned_check?.reversed === false
          ? changed(r, `Receipt ${r.receipt}’s check is recorded as returned, but nothing was taken back`,
            `${r.returned_check.not_reversed ?? ''}. It is in the conflicts queue: collect the amount from the payer, or undo what it paid for.`, 'warning')
          : changed(r, `Receipt ${r.receipt}’s check is recorded as returned`,
            'What it paid for is taken back (a renewal undone, an account or a permit’s fees owed again); fees typed in by hand are for you to collect. The drawer’s close-out stays as deposited.')) : null,
    ].filter((x): x is HTMLElement => x !== null);
  };
  corrections.replaceChildren(...correctionForms());

  slot.replaceChildren(paper, actions, messages,
    h('section', { class: 'hf-no-print margin-top-4', 'aria-labelledby': 'corrections-heading' },
      h('h2', { id: 'corrections-heading' }, mayReturn() ? 'Void, refund or returned check' : 'Void or refund'),
      h('p', {}, 'A void reverses the whole payment (only while its drawer is open) and takes back the renewals it paid for; ' +
        'a refund gives back part or all of it. Either needs a supervisor: they type their own username and password here.' +
        (mayReturn() ? ' A check the bank returned unpaid is recorded here too, with the bank’s reason.' : '')),
      corrections));
}

function receiptPaper(r: Receipt, city: string, payer: Party | null): HTMLElement {
  const voided = r.status === 'voided';
  return h('article', { class: 'hf-receipt', 'data-testid': 'receipt', 'aria-labelledby': 'receipt-heading' },
    h('p', { class: 'hf-receipt__city', 'data-testid': 'receipt-city' }, city ? `City of ${city}` : 'City services'),
    h('h1', { id: 'receipt-heading', class: 'margin-top-0' }, 'Receipt ', h('span', { 'data-testid': 'receipt-number' }, r.receipt)),
    voided ? h('p', { class: 'hf-receipt__void', 'data-testid': 'receipt-voided' }, `VOIDED: ${r.void?.reason ?? ''}`) : null,
    r.returned_check ? h('p', { class: 'hf-receipt__void', 'data-testid': 'receipt-check-returned' },
      `CHECK RETURNED UNPAID on ${r.returned_check.returned_on}: ${r.returned_check.reason}`) : null,
    h('dl', { class: 'hf-record' },
      h('dt', {}, 'Date'), h('dd', { 'data-testid': 'receipt-date' }, moment(r.taken_at)),
      h('dt', {}, 'Paid by'), h('dd', {}, payer?.name ?? (r.payer_party_id || 'Walk-in')),
      h('dt', {}, 'Status'), h('dd', { 'data-testid': 'receipt-status' }, STATUS_NAMES[r.status] ?? r.status),
      h('dt', {}, 'Drawer'), h('dd', {}, r.drawer_id)),
    h('table', { class: 'usa-table usa-table--borderless usa-table--compact hf-counter-table hf-receipt__table', 'data-testid': 'receipt-items' },
      h('caption', {}, 'Items'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col', class: 'text-right' }, 'Amount'))),
      h('tbody', {}, ...r.items.map((i) => h('tr', {},
        h('th', { scope: 'row' }, i.description, h('span', { class: 'display-block text-base-dark font-body-3xs' },
          [i.code, i.ref].filter(Boolean).join(' · '))),
        moneyCell('Amount', i.amount_cents)))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'),
        h('td', { class: 'hf-money text-right text-bold', 'data-testid': 'receipt-total' }, dollars(r.total_cents))))),
    h('table', { class: 'usa-table usa-table--borderless usa-table--compact hf-counter-table hf-receipt__table', 'data-testid': 'receipt-tenders' },
      h('caption', {}, 'Paid with'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Tender'), h('th', { scope: 'col', class: 'text-right' }, 'Amount'))),
      h('tbody', {}, ...r.tenders.map((t) => h('tr', {},
        h('th', { scope: 'row' }, TENDER_NAMES[t.kind] ?? t.kind,
          t.number ? ` no. ${t.number}` : '', t.reference ? ` (ref. ${t.reference})` : ''),
        moneyCell('Amount', t.amount_cents)))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Change'),
        h('td', { class: 'hf-money text-right text-bold', 'data-testid': 'receipt-change' }, dollars(r.change_cents))))),
    r.refunds.length ? h('table', { class: 'usa-table usa-table--borderless usa-table--compact hf-counter-table hf-receipt__table', 'data-testid': 'receipt-refunds' },
      h('caption', {}, 'Refunds'),
      headRow('Refund', 'Date', 'To', 'Amount'),
      h('tbody', {}, ...r.refunds.map((f) => h('tr', {},
        h('th', { scope: 'row' }, f.id), cell('Date', moment(f.refunded_at)), cell('To', TENDER_NAMES[f.tender_kind] ?? f.tender_kind),
        moneyCell('Amount', f.amount_cents))))) : null,
    h('p', { class: 'font-body-3xs' }, `Anyone can check this receipt is in the city’s record at ${location.origin}/receipts/${r.receipt}.`));
}

// The supervisor's own credentials, for the request's "approval".
function approvalFields(prefix: string): { element: HTMLElement; read: (form: HTMLFormElement) => { username: string; password: string; totp?: string } } {
  return {
    element: h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-legend' }, 'Supervisor’s approval'),
      field(`${prefix}-approver`, 'Supervisor’s username', { autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true }),
      h('div', { class: 'usa-form-group' },
        h('label', { class: 'usa-label', for: `${prefix}-approver-password` }, 'Supervisor’s password'),
        h('input', { class: 'usa-input', id: `${prefix}-approver-password`, name: `${prefix}-approver-password`, type: 'password',
          autocomplete: 'off', required: true })),
      field(`${prefix}-approver-totp`, 'Authenticator code (if the supervisor uses one)', { inputmode: 'numeric', autocomplete: 'off', maxlength: '8' })),
    read(form) {
      const totp = value(form, `${prefix}-approver-totp`).trim();
      return {
        username: value(form, `${prefix}-approver`).trim(),
        password: value(form, `${prefix}-approver-password`),
        ...(totp ? { totp } : {}),
      };
    },
  };
}

function refused(e: unknown, what: string): HTMLElement {
  const kind = e instanceof ApiError ? e.kind : '';
  const heading = kind === 'approval-refused' ? 'The supervisor’s approval was refused'
    : kind === 'approval-totp-required' ? 'The supervisor’s authenticator code is needed'
      : `The ${what} was not made`;
  const a = alert('error', heading, explain(e));
  a.setAttribute('data-kind', kind);
  return a;
}

function clearPassword(form: HTMLFormElement): void {
  form.querySelectorAll<HTMLInputElement>('input[type=password]').forEach((i) => (i.value = ''));
}

function voidForm(r: Receipt, messages: HTMLElement, done: (r: Receipt) => void): HTMLElement {
  const approval = approvalFields('void');
  const button = h('button', { class: 'usa-button usa-button--secondary', type: 'submit' }, `Void receipt ${r.receipt}`);
  const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': 'void-form', 'aria-labelledby': 'void-heading' },
    h('h3', { id: 'void-heading' }, 'Void the whole receipt'),
    field('void-reason', 'Reason', { required: true, maxlength: '500', autocomplete: 'off' }, 'For example: rung up for the wrong owner'),
    approval.element,
    button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const why = value(form, 'void-reason').trim();
    const who = approval.read(form);
    if (!why || !who.username || !who.password) {
      showAlert(messages, alert('error', 'Check the void', 'Give the reason, and the supervisor’s username and password.'));
      return;
    }
    button.disabled = true;
    api<Receipt>('POST', `/api/v1/receipts/${encodeURIComponent(r.receipt)}/void`, { reason: why, approval: who },
      { 'Idempotency-Key': crypto.randomUUID() })
      .then(done)
      .catch((err) => showAlert(messages, refused(err, 'void')))
      .finally(() => {
        button.disabled = false;
        clearPassword(form);
      });
  });
  return form;
}

function refundForm(r: Receipt, messages: HTMLElement, done: (r: Receipt, cents: number, kind: TenderKind) => void): HTMLElement {
  const approval = approvalFields('refund');
  const kinds = Array.from(new Set<TenderKind>(['cash', ...r.tenders.map((t) => t.kind)]));
  const button = h('button', { class: 'usa-button usa-button--secondary', type: 'submit' }, 'Refund');
  const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': 'refund-form', 'aria-labelledby': 'refund-heading' },
    h('h3', { id: 'refund-heading' }, 'Refund part or all'),
    field('refund-amount', 'Amount in dollars', { inputmode: 'decimal', required: true, autocomplete: 'off',
      value: (r.refundable_cents / 100).toFixed(2) }, `Up to ${dollars(r.refundable_cents)}`),
    h('div', { class: 'usa-form-group' },
      h('label', { class: 'usa-label', for: 'refund-kind' }, 'Refund to'),
      h('select', { class: 'usa-select', id: 'refund-kind', name: 'refund-kind' },
        ...kinds.map((k) => h('option', { value: k }, k === 'cash' ? 'Cash from your drawer' : `The ${TENDER_NAMES[k].toLowerCase()} it was paid with`)))),
    field('refund-reason', 'Reason', { required: true, maxlength: '500', autocomplete: 'off' }),
    approval.element,
    button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      const cents = parseDollars(value(form, 'refund-amount'));
      const kind = (form.elements.namedItem('refund-kind') as HTMLSelectElement).value as TenderKind;
      const why = value(form, 'refund-reason').trim();
      const who = approval.read(form);
      if (cents === null || cents <= 0 || !why || !who.username || !who.password) {
        showAlert(messages, alert('error', 'Check the refund', 'Give the amount in dollars, the reason, and the supervisor’s username and password.'));
        return;
      }
      button.disabled = true;
      try {
        const drawer = await myOpenDrawer();
        if (!drawer) {
          showAlert(messages, alert('error', 'You have no open drawer', 'A refund is paid out of your own open drawer: open it on the Cash drawer page first.'));
          return;
        }
        const answer = await api<{ receipt: Receipt }>('POST', `/api/v1/receipts/${encodeURIComponent(r.receipt)}/refunds`,
          { amount_cents: cents, drawer_id: drawer.id, tender_kind: kind, reason: why, approval: who },
          { 'Idempotency-Key': crypto.randomUUID() });
        done(answer.receipt, cents, kind);
      } catch (err) {
        showAlert(messages, refused(err, 'refund'));
      } finally {
        button.disabled = false;
        clearPassword(form);
      }
    })();
  });
  return form;
}

function returnedCheckForm(r: Receipt, messages: HTMLElement, done: (r: Receipt) => void): HTMLElement {
  const button = h('button', { class: 'usa-button usa-button--secondary', type: 'submit' }, 'Record the returned check');
  const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': 'returned-check-form', 'aria-labelledby': 'returned-check-heading' },
    h('h3', { id: 'returned-check-heading' }, 'The bank returned the check'),
    h('p', {}, 'Record it when the bank returns this check unpaid: what the receipt paid for becomes owed again.'),
    field('returned-reason', 'The bank’s reason', { required: true, maxlength: '500', autocomplete: 'off' }, 'For example: insufficient funds'),
    button);
  const key = crypto.randomUUID();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const why = value(form, 'returned-reason').trim();
    if (!why) {
      showAlert(messages, alert('error', 'Give the bank’s reason', 'Say why the bank returned the check, as its notice says.'));
      return;
    }
    button.disabled = true;
    // The same key on a retry after no answer, so the node answers what it did.
    api<Receipt>('POST', `/api/v1/receipts/${encodeURIComponent(r.receipt)}/returned-check`, { reason: why },
      { 'Idempotency-Key': key })
      .then(done)
      .catch(async (err) => {
        if (err instanceof ApiError && err.kind === 'check-returned') {
          done(await api<Receipt>('GET', `/api/v1/receipts/${encodeURIComponent(r.receipt)}`));  // recorded already
          return;
        }
        showAlert(messages, refused(err, 'record of the returned check'));
      })
      .finally(() => (button.disabled = false));
  });
  return form;
}
