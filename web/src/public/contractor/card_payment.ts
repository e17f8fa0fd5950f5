// The card form for a permit's fees (POST /api/v1/permits/{number}/online-payments), in the shape of the
// water bill's (pages/pay.ts): the amount is what is due; each submission gets its own Idempotency-Key; a
// declined card (402) is shown and focused, and the next submission is a new payment; when the processor did
// not answer (503), "Try again" sends the same request with the same key, so it is never charged twice.
import { api, ApiError, dollars } from '../../api';
import { alert, field, h, showAlert, value } from '../../dom';
import type { PermitPayment } from './model';

export function cardPaymentForm(number: string, dueCents: number, messages: HTMLElement,
  onPaid: (result: PermitPayment) => void): HTMLElement {
  const form = h(
    'form',
    { class: 'usa-form', novalidate: true, 'aria-labelledby': 'pay-heading', 'data-testid': 'pay-form' },
    h('h2', { id: 'pay-heading' }, 'Pay the fees by card'),
    h('p', {}, 'Amount due: ', h('span', { class: 'hf-money' }, dollars(dueCents))),
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-sr-only' }, 'Card payment'),
      field('card-number', 'Card number', { inputmode: 'numeric', autocomplete: 'cc-number', required: true, maxlength: '23' }),
      field('expiry', 'Expiration date', { autocomplete: 'cc-exp', required: true, maxlength: '5', placeholder: 'MM/YY' },
        'MM/YY, as printed on the card'),
      h('button', { class: 'usa-button', type: 'submit' }, `Pay ${dollars(dueCents)}`),
    ),
  );
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  let pending: { key: string; body: { amount_cents: number; card_number: string; expiry: string } } | null = null;

  async function send(): Promise<void> {
    if (!pending) return;
    button.disabled = true;
    messages.replaceChildren(h('p', { role: 'status' }, 'Sending your payment…'));
    try {
      const result = await api<PermitPayment>('POST', `/api/v1/permits/${encodeURIComponent(number)}/online-payments`,
        pending.body, { 'Idempotency-Key': pending.key });
      pending = null;
      const ref = result.payment.reference ? ` Reference ${result.payment.reference}.` : '';
      onPaid(result);
      showAlert(messages, alert('success', 'Fees paid',
        `Thank you. Your card ending in ${result.payment.card_last4 ?? '••••'} was charged ` +
        `${dollars(result.permit.paid_cents)}.${ref} The permit desk reviews the application and issues the permit.`));
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, { detail: String(e) });
      if (err.status === 503 || err.status === 0) {
        const again = h('button', { class: 'usa-button usa-button--outline', type: 'button' }, 'Try again');
        again.addEventListener('click', () => void send());
        const wait = err.retryAfter ? ` You can try again in ${err.retryAfter} seconds.` : '';
        const message = alert('warning', 'Your payment is not confirmed yet', `${err.message}${wait} You will not be charged twice.`);
        message.querySelector('.usa-alert__body')?.append(again);
        showAlert(messages, message);
      } else {
        pending = null; // a declined card or a refused request: the next submission is a new payment
        showAlert(messages, alert('error', err.status === 402 ? 'Your card was declined' : 'The payment was not made', err.message));
      }
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const card = value(form, 'card-number').replace(/[\s-]/g, '');
    const expiry = value(form, 'expiry').trim();
    const problems: string[] = [];
    if (!/^\d{12,19}$/.test(card)) problems.push('Enter the card number, 12 to 19 digits.');
    if (!/^(0[1-9]|1[0-2])\/\d{2}$/.test(expiry)) problems.push('Enter the expiration date as MM/YY.');
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the payment details', problems.join(' ')));
      return;
    }
    pending = { key: crypto.randomUUID(), body: { amount_cents: dueCents, card_number: card, expiry } };
    void send();
  });
  return form;
}
