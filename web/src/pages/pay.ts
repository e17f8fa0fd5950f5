// "Pay my water bill": the signed-in resident's accounts (GET /api/v1/utility/accounts), one account's
// balance and ledger (GET /api/v1/utility/accounts/{number}), and a card payment
// (POST .../online-payments). Each submission of the card form gets its own Idempotency-Key; "Try again"
// after the processor did not answer sends the same request with the same key, so it never charges twice.
import { api, ApiError, dollars, parseDollars, type Account, type AccountSummary, type PaymentResult } from '../api';
import { pageTitle } from '../site';
import { alert, field, h, showAlert, value } from '../dom';
import type { Navigate } from '../main';
import { currentUser } from '../session';

function needsSignIn(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 401 || (e.status === 403 && e.kind === 'password-change-required'));
}

export async function renderPay(main: HTMLElement, navigate: Navigate, number: string | null): Promise<void> {
  document.title = pageTitle('Pay my water bill');
  const user = await currentUser().catch(() => null);
  if (!user) {
    navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
    return;
  }
  const heading = h('h1', {}, 'Pay my water bill');
  const body = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', {}, 'Loading your accounts…'));
  main.append(heading, body);
  try {
    if (number === null) {
      const list = await api<{ items: AccountSummary[] }>('GET', '/api/v1/utility/accounts');
      body.replaceChildren(accountList(list.items));
    } else {
      const account = await api<Account>('GET', `/api/v1/utility/accounts/${encodeURIComponent(number)}`);
      body.replaceChildren(...accountPage(account));
    }
  } catch (e) {
    if (needsSignIn(e)) {
      navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    const message = alert('error', 'Your account could not be shown', e instanceof Error ? e.message : String(e));
    showAlert(body, message);
  } finally {
    body.setAttribute('aria-busy', 'false');
  }
}

function accountList(items: AccountSummary[]): HTMLElement {
  if (items.length === 0) {
    return h('p', {}, 'There is no water account in your name. Call or visit City Hall to link your account.');
  }
  return h(
    'table',
    { class: 'usa-table usa-table--borderless', 'data-testid': 'accounts' },
    h('caption', {}, 'Your water accounts'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Account'), h('th', { scope: 'col' }, 'Service address'),
      h('th', { scope: 'col' }, 'Balance'), h('th', { scope: 'col' }, 'Pay'))),
    h('tbody', {}, ...items.map((a) =>
      h('tr', {},
        h('th', { scope: 'row' }, a.number),
        h('td', {}, a.service_line1 ?? ''),
        h('td', { class: 'hf-money' }, dollars(a.balance_cents)),
        h('td', {}, h('a', { class: 'usa-link', href: `/pay/${encodeURIComponent(a.number)}`, 'data-link': true,
          'aria-label': `Pay account ${a.number}` }, 'Pay')),
      ))),
  );
}

function accountPage(account: Account): HTMLElement[] {
  const balance = h('span', { class: 'hf-money', 'data-testid': 'balance' }, dollars(account.balance_cents));
  const pastDue = h('span', { class: 'hf-money' }, dollars(account.past_due_cents));
  const summary = h(
    'div',
    { class: 'margin-bottom-3' },
    h('h2', {}, `Account ${account.number}`),
    h('p', {}, account.customer_name ?? '', account.service_address?.line1 ? `, ${account.service_address.line1}` : ''),
    h('p', { class: 'font-sans-lg' }, 'Balance: ', balance),
    h('p', {}, 'Past due: ', pastDue),
  );
  const messages = h('div', { class: 'margin-bottom-2', 'data-testid': 'payment-messages' });
  const form = h(
    'form',
    { class: 'usa-form', novalidate: true, 'aria-labelledby': 'pay-heading' },
    h('h2', { id: 'pay-heading' }, 'Pay by card'),
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-sr-only' }, 'Card payment'),
      field('amount', 'Amount in dollars', { inputmode: 'decimal', required: true,
        value: account.balance_cents > 0 ? (account.balance_cents / 100).toFixed(2) : '' }, 'For example 45.10'),
      field('card-number', 'Card number', { inputmode: 'numeric', autocomplete: 'cc-number', required: true, maxlength: '23' }),
      field('expiry', 'Expiration date', { autocomplete: 'cc-exp', required: true, maxlength: '5', placeholder: 'MM/YY' }, 'MM/YY, as printed on the card'),
      h('button', { class: 'usa-button', type: 'submit' }, 'Pay now'),
    ),
  );
  let ledger = ledgerTable(account);

  let pending: { key: string; body: { amount_cents: number; card_number: string; expiry: string } } | null = null;
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;

  async function send(): Promise<void> {
    if (!pending) return;
    button.disabled = true;
    messages.replaceChildren(h('p', { role: 'status' }, 'Sending your payment…'));
    try {
      const result = await api<PaymentResult>(
        'POST',
        `/api/v1/utility/accounts/${encodeURIComponent(account.number)}/online-payments`,
        pending.body,
        { 'Idempotency-Key': pending.key },
      );
      pending = null;
      balance.textContent = dollars(result.account.balance_cents);
      if (result.account.past_due_cents !== undefined) pastDue.textContent = dollars(result.account.past_due_cents);
      const ref = result.payment.reference ? ` Reference ${result.payment.reference}.` : '';
      showAlert(messages, alert('success', 'Payment received',
        `Thank you. Your card ending in ${result.payment.card_last4 ?? '••••'} was charged.${ref} ` +
        `Your balance is now ${dollars(result.account.balance_cents)}.`));
      form.reset();
      (form.elements.namedItem('amount') as HTMLInputElement).value = '';
      // The payment's row in the ledger; the page stays correct without it.
      api<Account>('GET', `/api/v1/utility/accounts/${encodeURIComponent(account.number)}`)
        .then((fresh) => {
          const table = ledgerTable(fresh);
          ledger.replaceWith(table);
          ledger = table;
        })
        .catch(() => {});
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, { detail: String(e) });
      if (err.status === 503 || err.status === 0) {
        // The processor (or the connection) did not answer: the same request, with the same key, is safe to send again.
        const again = h('button', { class: 'usa-button usa-button--outline', type: 'button' }, 'Try again');
        again.addEventListener('click', () => void send());
        const wait = err.retryAfter ? ` You can try again in ${err.retryAfter} seconds.` : '';
        const message = alert('warning', 'Your payment is not confirmed yet', `${err.message}${wait} You will not be charged twice.`);
        message.querySelector('.usa-alert__body')?.append(again);
        showAlert(messages, message);
      } else {
        pending = null; // a declined card or a refused request: the next submission is a new payment
        const heading = err.status === 402 ? 'Your card was declined' : 'The payment was not made';
        showAlert(messages, alert('error', heading, err.message));
      }
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const amount = parseDollars(value(form, 'amount'));
    const card = value(form, 'card-number').replace(/[\s-]/g, '');
    const expiry = value(form, 'expiry').trim();
    const problems: string[] = [];
    if (amount === null || amount <= 0) problems.push('Enter an amount in dollars, such as 45.10.');
    if (!/^\d{12,19}$/.test(card)) problems.push('Enter the card number, 12 to 19 digits.');
    if (!/^(0[1-9]|1[0-2])\/\d{2}$/.test(expiry)) problems.push('Enter the expiration date as MM/YY.');
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the payment details', problems.join(' ')));
      return;
    }
    pending = { key: crypto.randomUUID(), body: { amount_cents: amount as number, card_number: card, expiry } };
    void send();
  });

  return [summary, messages, form, ledger];
}

function ledgerTable(account: Account): HTMLElement {
  const rows = [...account.ledger].reverse().slice(0, 12);
  return h(
    'div',
    { class: 'margin-top-4' },
    h('h2', {}, 'Recent activity'),
    rows.length === 0
      ? h('p', {}, 'No bills or payments yet.')
      : h('table', { class: 'usa-table usa-table--striped' },
          h('caption', { class: 'usa-sr-only' }, 'Bills, payments and fees on this account, newest first'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col' }, 'What'),
            h('th', { scope: 'col' }, 'Amount'))),
          h('tbody', {}, ...rows.map((r) => h('tr', {},
            h('td', {}, r.on ?? ''),
            h('td', {}, describe(r.kind, r.period)),
            h('td', { class: 'hf-money' }, dollars(r.amount_cents)))))),
  );
}

function describe(kind: string, period?: string): string {
  const names: Record<string, string> = { bill: 'Bill', late_fee: 'Late fee', payment: 'Payment', reversal: 'Reversal', adjustment: 'Adjustment' };
  return `${names[kind] ?? kind}${period ? ` (${period})` : ''}`;
}
