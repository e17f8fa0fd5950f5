// Utility accounts at the counter (clerks, supervisors, admins): find a water account by number, street or the
// customer's name (GET /api/v1/utility/accounts?q=…), see its balance, what is past due and its ledger, and
// take a payment into the clerk's open drawer (POST /api/v1/utility/accounts/{number}/payments {drawer_id,
// amount_cents, tenders}), one receipt; a supervisor refunds an online payment on the ledger to its card, or
// records a mailed (lockbox) check the bank returned unpaid (the account owes it again). Below the search:
// online card charges that could not be applied (GET /api/v1/utility/online-payments?status=unapplied), which
// a supervisor refunds to the card (POST /api/v1/utility/online-payments/{id}/refund {reason}).
import { api, ApiError, dollars, parseDollars, type Account, type AccountSummary, type LedgerRow } from '../../api';
import type { Navigate } from '../../areas/area';
import { day } from '../../dates';
import { alert, explain, field, h, selectField, showAlert, showError, value } from '../../dom';
import { currentUser } from '../../session';
import { pageTitle } from '../../site';
import { loadInto, table } from './common';

interface Drawer {
  id: string;
  status: string;
  float_cents: number;
  opened_on?: string;
}

interface Receipt {
  receipt: string;
  total_cents: number;
  change_cents: number;
  tenders: { kind: string; amount_cents: number; number?: string; reference?: string }[];
}

interface CounterPayment {
  receipt: Receipt;
  account: Account & { oldest_past_due_on?: string | null };
}

const TENDERS: [string, string][] = [['cash', 'Cash'], ['check', 'Check'], ['money_order', 'Money order'], ['card', 'Card (at the terminal)']];

export function renderUtilitySearch(main: HTMLElement, navigate: Navigate): void {
  document.title = pageTitle('Utility accounts');
  const wanted = new URLSearchParams(location.search).get('q') ?? '';
  const form = h('form', { class: 'usa-form', novalidate: true, role: 'search', 'data-testid': 'account-search' },
    field('account-q', 'Account number, street or customer name', { value: wanted, autocomplete: 'off', required: true },
      'For example 100002, Elm or Gonzalez.'),
    h('button', { class: 'usa-button', type: 'submit' }, 'Find accounts'));
  const results = h('div', { 'aria-live': 'polite' });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = value(form, 'account-q').trim();
    if (!q) {
      showAlert(results, alert('error', 'Enter what to look for', 'Type an account number, a street or the customer’s name.'));
      return;
    }
    if (/^[0-9A-Za-z-]+$/.test(q) && /\d/.test(q)) {
      // Looks like a number: go straight to the account if it exists.
      api<Account>('GET', `/api/v1/utility/accounts/${encodeURIComponent(q.toUpperCase())}`)
        .then(() => navigate(`/staff/utilities/${encodeURIComponent(q.toUpperCase())}`))
        .catch(() => navigate(`/staff/utilities?q=${encodeURIComponent(q)}`));
      return;
    }
    navigate(`/staff/utilities?q=${encodeURIComponent(q)}`);
  });
  const refunds = h('section', { 'aria-labelledby': 'refunds-heading', 'data-testid': 'charges-to-refund' });
  main.append(
    h('h1', {}, 'Utility accounts'),
    h('p', { class: 'usa-intro' }, 'Find a water account to see what is owed and take a payment at the counter.'),
    form,
    results,
    refunds);
  if (wanted) void loadInto(results, 'the accounts', async () => [await searchResults(wanted)]);
  void drawChargesToRefund(refunds);
}

interface OnlineCharge {
  id: string;
  number: string;
  target: string;
  amount_cents: number;
  card_last4: string;
  status: string;
  message: string;
  settled_on: string | null;
  refund_reference?: string;
}

const CHARGE_FOR: Record<string, string> = { utility: 'Water account', permit: 'Permit', license: 'Renewal of license' };

// Online card charges that were taken but could not be applied (what they paid for changed meanwhile): the
// list for every staff member, and for a supervisor a refund to the card, with the reason, for each.
async function drawChargesToRefund(section: HTMLElement): Promise<void> {
  const heading = h('h2', { id: 'refunds-heading' }, 'Card charges to refund');
  const outcome = h('div', { 'aria-live': 'polite' });
  const list = h('div', {});
  section.replaceChildren(heading, outcome, list);
  const canRefund = await mayRefund();
  const redraw = (): Promise<void> => loadInto(list, 'the card charges to refund', async () => {
    const { items } = await api<{ items: OnlineCharge[] }>('GET', '/api/v1/utility/online-payments?status=unapplied&limit=200');
    if (items.length === 0) return [h('p', { 'data-testid': 'no-charges-to-refund' }, 'No card charge is waiting for a refund.')];
    return [
      h('p', {}, 'These online payments were charged to the card but could not be applied: what they paid for ' +
        'changed before the card processor answered. ' +
        (canRefund ? 'Refund each to its card; the processor refunds it once, however often you ask.'
          : 'A supervisor refunds them to the card.')),
      table('Online charges that could not be applied', ['Payment', 'For', 'Amount', 'Charged on', 'Why it was not applied', ...(canRefund ? ['Refund'] : [])],
        items.map((c) => [
          c.id,
          `${CHARGE_FOR[c.target] ?? c.target} ${c.number}`,
          h('span', { class: 'hf-money' }, dollars(c.amount_cents)),
          c.settled_on ? day(c.settled_on) : '',
          c.message,
          ...(canRefund ? [refundButton(c, outcome, 'For example: renewed at the counter the same day.', redraw)] : []),
        ]), { 'data-testid': 'charges-to-refund-table' }),
    ];
  });
  await redraw();
}

// Whether the signed-in user may refund online charges to their cards (supervisors and admins).
async function mayRefund(): Promise<boolean> {
  const user = await currentUser().catch(() => null);
  return !!user && user.roles.some((r) => r === 'supervisor' || r === 'admin');
}

// A button that opens, in place, a form asking one reason (the API refuses none without it); `send` makes the
// request and says what happened, and a refusal is shown with `failed` as its heading.
interface ReasonAction {
  testid: string; // the button's
  formTestid: string;
  open: string; // the button's text
  label: string; // the reason's label
  hint: string;
  submit: string; // the form's submit text
  missing: [string, string]; // heading and text when no reason is given
  failed: string;
  send: (reason: string) => Promise<void>;
  done?: () => Promise<void>; // redraws after a refund that went through though the node answered 409
}
function reasonButton(a: ReasonAction, outcome: HTMLElement): HTMLElement {
  const slot = h('div', {});
  const open = h('button', { class: 'usa-button usa-button--outline', type: 'button', 'data-testid': a.testid }, a.open);
  open.addEventListener('click', () => {
    const id = `${a.testid}-reason`;
    const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': a.formTestid },
      field(id, a.label, { required: true, maxlength: '500', autocomplete: 'off' }, a.hint),
      h('button', { class: 'usa-button', type: 'submit' }, a.submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const reason = value(form, id).trim();
      if (!reason) {
        showAlert(outcome, alert('error', ...a.missing));
        return;
      }
      const submit = form.querySelector('button[type="submit"]') as HTMLButtonElement;
      submit.disabled = true;
      try {
        await a.send(reason);
      } catch (err) {
        if (a.done && err instanceof ApiError && err.kind === 'refunded-still-applied') {
          // Refunded to the card, though what it paid for changed meanwhile and still counts it.
          await a.done();
          showAlert(outcome, alert('warning', 'Refunded to the card, but the payment still counts', explain(err)));
          return;
        }
        submit.disabled = false;
        showError(outcome, a.failed, err);
      }
    });
    slot.replaceChildren(form);
    (form.querySelector('input') as HTMLInputElement).focus();
  });
  slot.append(open);
  return slot;
}

// One refund of an online charge to its card (`example` hints at a reason).
function refundButton(c: { id: string; amount_cents: number; card_last4?: string }, outcome: HTMLElement,
  example: string, redraw: () => Promise<void>): HTMLElement {
  const card = c.card_last4 ? `the card ending ${c.card_last4}` : 'the card';
  return reasonButton({
    testid: `refund-${c.id}`, formTestid: `refund-form-${c.id}`, open: `Refund ${dollars(c.amount_cents)}`,
    label: 'Why is it refunded?', hint: example, submit: `Refund ${dollars(c.amount_cents)} to ${card}`,
    missing: ['Say why it is refunded', 'The reason is kept with the refund for the auditors.'],
    failed: `Payment ${c.id} was not refunded`,
    done: redraw,
    send: async (reason) => {
      const done = await api<OnlineCharge>('POST', `/api/v1/utility/online-payments/${encodeURIComponent(c.id)}/refund`, { reason });
      showAlert(outcome, alert('success', `Refunded ${dollars(done.amount_cents)} to the card ending ${done.card_last4}`,
        done.refund_reference ? `Payment ${done.id}: the processor's refund reference is ${done.refund_reference}.`
          : `Payment ${done.id}: the processor had refunded it already; it is recorded as refunded.`));
      await redraw();
    },
  }, outcome);
}

// A mailed check the bank returned unpaid, with the bank's reason; the account then owes the payment again
// (POST /api/v1/utility/accounts/{number}/returned-payments).
function returnedButton(number: string, r: LedgerEntry, outcome: HTMLElement, show: (a: Account) => void): HTMLElement {
  const amount = dollars(-r.amount_cents);
  return reasonButton({
    testid: `returned-${r.id}`, formTestid: `returned-form-${r.id}`, open: `Check returned (${amount})`,
    label: 'The bank’s reason', hint: 'For example: insufficient funds.', submit: `Record the ${amount} check as returned`,
    missing: ['Give the bank’s reason', 'Say why the bank returned the check, as its notice says.'],
    failed: 'The returned check was not recorded',
    send: async (reason) => {
      const fresh = await api<Account>('POST', `/api/v1/utility/accounts/${encodeURIComponent(number)}/returned-payments`,
        { payment_id: r.id, reason });
      show(fresh);
      showAlert(outcome, alert('success', `The ${amount} check is recorded as returned`,
        `Account ${number} owes it again: the balance is now ${dollars(fresh.balance_cents)}.`));
    },
  }, outcome);
}

async function searchResults(q: string): Promise<HTMLElement> {
  const { items: accounts } = await api<{ items: AccountSummary[] }>('GET', `/api/v1/utility/accounts?q=${encodeURIComponent(q)}&limit=50`);
  if (accounts.length === 0) {
    return h('p', { 'data-testid': 'no-accounts' }, `No account matches “${q}”. Check the number on the customer’s bill, or try the street or the customer’s name.`);
  }
  return h('div', { 'data-testid': 'account-results' }, table(`Accounts matching “${q}”`, ['Account', 'Customer', 'Service address', 'Status', 'Balance'],
    accounts.map((a) => [
      h('a', { class: 'usa-link', href: `/staff/utilities/${encodeURIComponent(a.number)}`, 'data-link': true }, a.number),
      a.customer_name ?? '', a.service_line1 ?? '', a.status ?? '', h('span', { class: 'hf-money' }, dollars(a.balance_cents))])));
}

export async function renderUtilityAccount(main: HTMLElement, number: string): Promise<void> {
  document.title = pageTitle(`Utility account ${number}`);
  const body = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', {}, 'Loading the account…'));
  main.append(h('a', { class: 'usa-link', href: '/staff/utilities', 'data-link': true }, 'Find another account'), body);
  let account: Account;
  let drawer: Drawer | null;
  let canRefund = false;
  try {
    [account, drawer, canRefund] = await Promise.all([
      api<Account>('GET', `/api/v1/utility/accounts/${encodeURIComponent(number)}`),
      api<{ items: Drawer[] }>('GET', '/api/v1/drawers?status=open&clerk=me&limit=1').then((d) => d.items[0] ?? null),
      mayRefund(),
    ]);
  } catch (e) {
    body.replaceChildren(h('h1', {}, `Utility account ${number}`));
    const message = alert('error', 'The account could not be shown', explain(e));
    body.append(message, h('p', {}, h('a', { class: 'usa-link', href: '/staff/utilities', 'data-link': true }, 'Search for the account')));
    body.setAttribute('aria-busy', 'false');
    message.focus();
    return;
  }
  body.setAttribute('aria-busy', 'false');
  drawAccount(body, account, drawer, canRefund);
}

function drawAccount(body: HTMLElement, account: Account, drawer: Drawer | null, canRefund: boolean): void {
  const balance = h('dd', { class: 'hf-money', 'data-testid': 'account-balance' }, dollars(account.balance_cents));
  const pastDue = h('dd', { class: 'hf-money', 'data-testid': 'account-past-due' }, dollars(account.past_due_cents));
  const address = [account.service_address?.line1, account.service_address?.city].filter(Boolean).join(', ');
  const messages = h('div', { class: 'margin-y-2', 'data-testid': 'payment-messages' });
  // A supervisor refunds an online payment on the ledger to its card, or records a mailed (lockbox) check the
  // bank returned unpaid (the cell only when `canRefund`): the account owes it again.
  const refundCell = (r: LedgerEntry): HTMLElement | string => {
    const reversed = account.ledger.some((o) => o.id === `${r.id}/reversed`);
    if (r.kind !== 'payment' || reversed) return '';
    if (r.channel === 'lockbox') return returnedButton(account.number, r, messages, (a) => show(a));
    if (r.channel !== 'online') return '';
    return refundButton({ id: r.id, amount_cents: -r.amount_cents }, messages, 'For example: paid the wrong account.', async () => {
      show(await api<Account>('GET', `/api/v1/utility/accounts/${encodeURIComponent(account.number)}`));
    });
  };
  const ledgerOf = (a: Account): HTMLElement => ledgerTable(a.ledger, canRefund ? refundCell : undefined);
  let ledger = ledgerOf(account);
  // The account as the node now holds it.
  const show = (fresh: Account): void => {
    account = fresh;
    balance.textContent = dollars(fresh.balance_cents);
    pastDue.textContent = dollars(fresh.past_due_cents);
    const table = ledgerOf(fresh);
    ledger.replaceWith(table);
    ledger = table;
  };
  body.replaceChildren(
    h('h1', {}, `Utility account ${account.number}`),
    h('dl', { class: 'hf-record', 'data-testid': 'account-summary' },
      h('dt', {}, 'Customer'), h('dd', {}, account.customer_name ?? ''),
      h('dt', {}, 'Service address'), h('dd', {}, address),
      h('dt', {}, 'Status'), h('dd', {}, account.status ?? ''),
      h('dt', {}, 'Balance'), balance,
      h('dt', {}, 'Past due today'), pastDue),
    messages,
    h('h2', { id: 'take-payment' }, 'Take a payment'),
    drawer ? paymentForm() : h('div', { 'data-testid': 'no-drawer' },
      alert('warning', 'Open your cash drawer first', 'A counter payment goes into your open drawer, and you have none open at this office.'),
      h('p', {}, h('a', { class: 'usa-link', href: '/staff/drawers', 'data-link': true }, 'Open a drawer'), ', then come back to this account.')),
    ledger);

  function paymentForm(): HTMLFormElement {
    const d = drawer as Drawer;
    const owed = Math.max(0, account.balance_cents);
    const form = h('form', { class: 'usa-form usa-form--large', novalidate: true, 'aria-labelledby': 'take-payment', 'data-testid': 'utility-payment' },
      h('p', {}, `Into your drawer ${d.id}.`),
      field('pay-amount', 'Amount to apply to the account', { inputmode: 'decimal', required: true, value: owed ? (owed / 100).toFixed(2) : '' },
        'In dollars, e.g. 45.10. The balance is filled in; change it for a partial payment.'),
      selectField('pay-tender', 'Paid by', TENDERS),
      field('pay-tendered', 'Amount handed over (cash only, optional)', { inputmode: 'decimal' },
        'Leave empty when it is exactly the amount. More than the amount gives change.'),
      field('pay-number', 'Check or money order number', { autocomplete: 'off', maxlength: '40' }, 'Required for a check or money order.'),
      field('pay-reference', 'Card terminal reference', { autocomplete: 'off', maxlength: '100' }, 'Required for a card: the reference the terminal printed. Never the card number.'),
      h('button', { class: 'usa-button', type: 'submit' }, 'Take payment'));
    const tenderSelect = form.querySelector('#pay-tender') as HTMLSelectElement;
    const groups = {
      tendered: form.querySelector('#pay-tendered')?.closest('.usa-form-group') as HTMLElement,
      number: form.querySelector('#pay-number')?.closest('.usa-form-group') as HTMLElement,
      reference: form.querySelector('#pay-reference')?.closest('.usa-form-group') as HTMLElement,
    };
    const showFields = () => {
      const kind = tenderSelect.value;
      groups.tendered.hidden = kind !== 'cash';
      groups.number.hidden = kind !== 'check' && kind !== 'money_order';
      groups.reference.hidden = kind !== 'card';
    };
    tenderSelect.addEventListener('change', showFields);
    showFields();

    let pending: { key: string; amount: number; tender: Record<string, unknown> } | null = null;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const amount = parseDollars(value(form, 'pay-amount'));
      const kind = value(form, 'pay-tender');
      const tenderedText = value(form, 'pay-tendered').trim();
      const tendered = kind === 'cash' && tenderedText ? parseDollars(tenderedText) : amount;
      const number = value(form, 'pay-number').trim();
      const reference = value(form, 'pay-reference').trim();
      const problems: string[] = [];
      if (amount === null || amount <= 0) { problems.push('Enter the amount in dollars, such as 45.10.'); }
      if (tendered === null || (amount !== null && tendered < amount)) { problems.push('The cash handed over must be at least the amount.'); }
      if ((kind === 'check' || kind === 'money_order') && !number) { problems.push(`Enter the ${kind === 'check' ? 'check' : 'money order'} number.`); }
      if (kind === 'card' && !reference) { problems.push('Enter the card terminal’s reference.'); }
      if (problems.length) {
        showAlert(messages, alert('error', 'Check the payment', problems.join(' ')));
        return;
      }
      const tender: Record<string, unknown> = { kind, amount_cents: tendered };
      if (kind === 'check' || kind === 'money_order') tender.number = number;
      if (kind === 'card') tender.reference = reference;
      // The same payment sent again (after no answer) keeps its key, so it is never taken twice.
      const same = pending && pending.amount === amount && JSON.stringify(pending.tender) === JSON.stringify(tender);
      if (!same) pending = { key: crypto.randomUUID(), amount: amount as number, tender };
      const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
      button.disabled = true;
      messages.replaceChildren(h('p', { role: 'status' }, 'Taking the payment…'));
      try {
        const done = await api<CounterPayment>('POST', `/api/v1/utility/accounts/${encodeURIComponent(account.number)}/payments`,
          { drawer_id: d.id, amount_cents: amount, tenders: [tender] }, { 'Idempotency-Key': (pending as { key: string }).key });
        pending = null;
        show(done.account);
        form.reset();
        (form.elements.namedItem('pay-amount') as HTMLInputElement).value = '';
        showFields();
        const change = done.receipt.change_cents > 0 ? ` Give ${dollars(done.receipt.change_cents)} in change.` : '';
        const ok = alert('success', 'Payment taken',
          `${dollars(done.receipt.total_cents)} applied to account ${account.number} on receipt ${done.receipt.receipt}.${change} The balance is now ${dollars(done.account.balance_cents)}.`);
        ok.querySelector('.usa-alert__body')?.append(h('p', { class: 'usa-alert__text' },
          h('a', { class: 'usa-link', href: `/receipts/${encodeURIComponent(done.receipt.receipt)}`, 'data-link': true }, `Show receipt ${done.receipt.receipt}`)));
        showAlert(messages, ok);
      } catch (err) {
        // Only an unanswered request is sent again with its key; a refusal makes the next try a new payment.
        if (!(err instanceof ApiError) || (err.status !== 0 && err.status < 500)) pending = null;
        showError(messages, 'The payment was not taken', err);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }
}

const KIND_NAMES: Record<string, string> = { bill: 'Bill', late_fee: 'Late fee', payment: 'Payment', reversal: 'Payment reversed', adjustment: 'Adjustment' };

type LedgerEntry = LedgerRow & { channel?: string; receipt?: string; effective_due_on?: string | null; unpaid_cents?: number };

// The ledger, newest first; `refund` gives each row's refund cell, when the reader may refund.
function ledgerTable(rows: LedgerEntry[], refund?: (r: LedgerEntry) => HTMLElement | string): HTMLElement {
  const newest = [...rows].reverse();
  return h('div', { class: 'margin-top-4', 'data-testid': 'account-ledger' },
    h('h2', {}, 'Ledger'),
    newest.length === 0
      ? h('p', {}, 'No bills or payments yet.')
      : table('Every charge and payment on the account, newest first',
        ['Date', 'What', 'Amount', 'Due', 'Unpaid', 'Receipt or reference', ...(refund ? ['Refund or return'] : [])],
        newest.map((r) => [
          day(r.on),
          `${KIND_NAMES[r.kind] ?? r.kind}${r.period ? ` for ${r.period}` : ''}${r.channel ? ` (${r.channel})` : ''}${r.note ? `: ${r.note}` : ''}`,
          h('span', { class: 'hf-money' }, dollars(r.amount_cents)),
          r.effective_due_on && r.effective_due_on !== r.due_on ? `${day(r.effective_due_on)} (moved from ${day(r.due_on)})` : day(r.due_on),
          r.unpaid_cents !== undefined && r.amount_cents > 0 ? h('span', { class: 'hf-money' }, dollars(r.unpaid_cents)) : '',
          r.receipt || (r.kind === 'payment' ? r.reference : '') || '',
          ...(refund ? [refund(r)] : [])])));
}
