// "Pay my water bill": the signed-in resident's accounts (GET /api/v1/utility/accounts), one account's
// balance and ledger (GET /api/v1/utility/accounts/{number}), and a card payment (card_payment.ts).
import { api, dollars, needsSignIn, type Account, type AccountSummary, type PaymentResult } from '../api';
import { cardPaymentForm } from '../card_payment';
import { alert, h, showAlert } from '../dom';
import type { Navigate } from '../main';
import { currentUser } from '../session';
import { pageTitle } from '../site';

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
  let ledger = ledgerTable(account);
  const form = cardPaymentForm<PaymentResult>({
    path: `/api/v1/utility/accounts/${encodeURIComponent(account.number)}/online-payments`,
    heading: 'Pay by card',
    suggestedCents: account.balance_cents,
    messages,
    paid: (result) => {
      balance.textContent = dollars(result.account.balance_cents);
      if (result.account.past_due_cents !== undefined) pastDue.textContent = dollars(result.account.past_due_cents);
      (form.elements.namedItem('amount') as HTMLInputElement).value = '';
      // The payment's row in the ledger; the page stays correct without it.
      api<Account>('GET', `/api/v1/utility/accounts/${encodeURIComponent(account.number)}`)
        .then((fresh) => {
          const table = ledgerTable(fresh);
          ledger.replaceWith(table);
          ledger = table;
        })
        .catch(() => {});
      const ref = result.payment.reference ? ` Reference ${result.payment.reference}.` : '';
      return { heading: 'Payment received', text: `Thank you. Your card ending in ${result.payment.card_last4 ?? '••••'} was charged.${ref} ` +
        `Your balance is now ${dollars(result.account.balance_cents)}.` };
    },
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
