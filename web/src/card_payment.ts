// The card form of every online payment: a water bill (POST /api/v1/utility/accounts/{n}/online-payments),
// a permit's fees (/api/v1/permits/{n}/online-payments) and a pet license's renewal
// (/api/v1/licenses/{n}/online-renewals). Each submission gets its own Idempotency-Key; a declined card (402)
// is shown and focused and the next submission is a new payment; when the processor did not answer (503), "Try
// again" sends the same request with the same key, so the card is never charged twice.
import { api, ApiError, dollars, parseDollars } from './api';
import { alert, field, h, showAlert, value } from './dom';

export interface CardPaid {
  payment: { id: string; status: string; reference?: string; card_last4?: string };
}

export interface CardPaymentOptions<T extends CardPaid> {
  path: string;
  heading: string; // "Pay the fees by card"
  // A fixed amount; without it the payer types the amount, starting from `suggestedCents`.
  amountCents?: number;
  suggestedCents?: number;
  button?: string; // default "Pay <amount>", or "Pay now" when the payer types it
  messages: HTMLElement; // where outcomes are shown
  // Called once the payment is approved; answers the success message's heading and text.
  paid: (result: T) => { heading: string; text: string };
}

export function cardPaymentForm<T extends CardPaid>(o: CardPaymentOptions<T>): HTMLFormElement {
  const fixed = o.amountCents !== undefined;
  const form = h(
    'form',
    { class: 'usa-form', novalidate: true, 'aria-labelledby': 'pay-heading', 'data-testid': 'pay-form' },
    h('h2', { id: 'pay-heading' }, o.heading),
    fixed ? h('p', {}, 'Amount: ', h('span', { class: 'hf-money', 'data-testid': 'pay-amount' }, dollars(o.amountCents as number))) : null,
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-sr-only' }, 'Card payment'),
      fixed ? null : field('amount', 'Amount in dollars', { inputmode: 'decimal', required: true,
        value: o.suggestedCents && o.suggestedCents > 0 ? (o.suggestedCents / 100).toFixed(2) : '' }, 'For example 45.10'),
      field('card-number', 'Card number', { inputmode: 'numeric', autocomplete: 'cc-number', required: true, maxlength: '23' }),
      field('expiry', 'Expiration date', { autocomplete: 'cc-exp', required: true, maxlength: '5', placeholder: 'MM/YY' },
        'MM/YY, as printed on the card'),
      h('button', { class: 'usa-button', type: 'submit' }, o.button ?? (fixed ? `Pay ${dollars(o.amountCents as number)}` : 'Pay now')),
    ),
  );
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  let pending: { key: string; body: { amount_cents: number; card_number: string; expiry: string } } | null = null;

  async function send(): Promise<void> {
    if (!pending) return;
    button.disabled = true;
    o.messages.replaceChildren(h('p', { role: 'status' }, 'Sending your payment…'));
    try {
      const result = await api<T>('POST', o.path, pending.body, { 'Idempotency-Key': pending.key });
      pending = null;
      form.reset();
      const said = o.paid(result);
      showAlert(o.messages, alert('success', said.heading, said.text));
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, { detail: String(e) });
      if (err.status === 503 || err.status === 0) {
        // The processor (or the connection) did not answer: the same request, with the same key, is safe to send again.
        const again = h('button', { class: 'usa-button usa-button--outline', type: 'button' }, 'Try again');
        again.addEventListener('click', () => void send());
        const wait = err.retryAfter ? ` You can try again in ${err.retryAfter} seconds.` : '';
        const message = alert('warning', 'Your payment is not confirmed yet', `${err.message}${wait} You will not be charged twice.`);
        message.querySelector('.usa-alert__body')?.append(again);
        showAlert(o.messages, message);
      } else {
        pending = null; // a declined card or a refused request: the next submission is a new payment
        showAlert(o.messages, alert('error', err.status === 402 ? 'Your card was declined' : 'The payment was not made', err.message));
      }
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const amount = fixed ? (o.amountCents as number) : parseDollars(value(form, 'amount'));
    const card = value(form, 'card-number').replace(/[\s-]/g, '');
    const expiry = value(form, 'expiry').trim();
    const problems: string[] = [];
    if (amount === null || amount <= 0) problems.push('Enter an amount in dollars, such as 45.10.');
    if (!/^\d{12,19}$/.test(card)) problems.push('Enter the card number, 12 to 19 digits.');
    if (!/^(0[1-9]|1[0-2])\/\d{2}$/.test(expiry)) problems.push('Enter the expiration date as MM/YY.');
    if (problems.length) {
      showAlert(o.messages, alert('error', 'Check the payment details', problems.join(' ')));
      return;
    }
    pending = { key: crypto.randomUUID(), body: { amount_cents: amount as number, card_number: card, expiry } };
    void send();
  });
  return form;
}
