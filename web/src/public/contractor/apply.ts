// /contractor/apply: the permit application. The permit types come from the catalog in effect
// (GET /api/v1/permit-types/current); the fees the application would be charged are shown as the type,
// valuation and area are filled in (GET /api/v1/permit-types/current/fees). Applying
// (POST /api/v1/permits, with an Idempotency-Key so a resent form never applies twice) names the signed-in
// user's business as the applicant and, when it does the work, as the contractor; then the permit's page
// opens, with its fees to pay.
import { api, ApiError, dollars, needsSignIn, parseDollars } from '../../api';
import type { Navigate } from '../../areas/area';
import { alert, explain, field, h, showAlert, value } from '../../dom';
import type { Permit, PermitType } from '../../permits';
import { pageTitle } from '../../site';
import { feeTable } from './fees';
import { type FeeQuote } from './model';

interface Me {
  party_id?: string;
}

export async function renderApply(main: HTMLElement, navigate: Navigate): Promise<void> {
  document.title = pageTitle('Apply for a permit');
  const messages = h('div', { class: 'margin-bottom-3', 'data-testid': 'apply-messages' });
  main.append(
    h('h1', {}, 'Apply for a permit'),
    h('p', { class: 'usa-intro' }, 'Tell us about the work. You pay the fees by card once you have applied.'),
    messages,
  );
  let types: PermitType[];
  let me: Me;
  try {
    [types, me] = await Promise.all([
      api<{ types: PermitType[] }>('GET', '/api/v1/permit-types/current').then((c) => c.types),
      api<Me>('GET', '/api/v1/users/me'),
    ]);
  } catch (e) {
    if (needsSignIn(e)) {
      navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    showAlert(messages, alert('error', 'The application form could not be shown', explain(e)));
    return;
  }
  if (!me.party_id) {
    showAlert(messages, alert('warning', 'Your sign-in is not linked to your business',
      'Ask the permit desk to link your sign-in to your business, then apply here.'));
    return;
  }
  const party = me.party_id;

  const typeSelect = h('select', { class: 'usa-select', id: 'permit-type', name: 'permit-type', required: true },
    h('option', { value: '' }, '- Select -'),
    ...types.map((t) => h('option', { value: t.code }, t.name)));
  const quote = h('div', { 'aria-live': 'polite', 'data-testid': 'fee-quote' },
    h('p', {}, 'Choose a permit type and enter the valuation to see the fees.'));
  const radio = (id: string, val: string, label: string, checked: boolean) =>
    h('div', { class: 'usa-radio' },
      h('input', { class: 'usa-radio__input', id, type: 'radio', name: 'work-class', value: val, checked }),
      h('label', { class: 'usa-radio__label', for: id }, label));
  const form = h(
    'form',
    { class: 'usa-form usa-form--large', novalidate: true, 'data-testid': 'apply-form' },
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-legend usa-legend--large' }, 'The work'),
      h('div', { class: 'usa-form-group' }, h('label', { class: 'usa-label', for: 'permit-type' }, 'Permit type'), typeSelect),
      h('fieldset', { class: 'usa-fieldset margin-top-3' },
        h('legend', { class: 'usa-legend' }, 'Kind of work'),
        radio('work-new', 'new', 'New construction', true),
        radio('work-existing', 'existing', 'Work on an existing building', false)),
      h('div', { class: 'usa-form-group' },
        h('label', { class: 'usa-label', for: 'description' }, 'Description of the work'),
        h('div', { class: 'usa-hint', id: 'description-hint' }, 'For example: single-family dwelling, two stories, attached garage'),
        h('textarea', { class: 'usa-textarea', id: 'description', name: 'description', required: true, maxlength: '2000',
          'aria-describedby': 'description-hint' })),
      field('valuation', 'Valuation of the work in dollars', { inputmode: 'decimal', required: true }, 'What the work costs, for example 250000'),
      field('square-feet', 'Area of the work in square feet (optional)', { inputmode: 'numeric' }),
      h('div', { class: 'usa-checkbox margin-top-3' },
        h('input', { class: 'usa-checkbox__input', id: 'we-build', type: 'checkbox', name: 'we-build', checked: true }),
        h('label', { class: 'usa-checkbox__label', for: 'we-build' }, 'My business is the contractor doing this work'))),
    h('fieldset', { class: 'usa-fieldset margin-top-4' },
      h('legend', { class: 'usa-legend usa-legend--large' }, 'Site of the work'),
      field('line1', 'Street address', { autocomplete: 'address-line1', required: true }),
      field('line2', 'Street address line 2 (optional)', { autocomplete: 'address-line2' }),
      field('city', 'City', { autocomplete: 'address-level2', required: true }),
      field('state', 'State', { autocomplete: 'address-level1', required: true, maxlength: '2', value: 'IL' }, 'Two letters, for example IL'),
      field('zip', 'ZIP code', { autocomplete: 'postal-code', inputmode: 'numeric', required: true, maxlength: '10' }),
      field('parcel', 'Parcel number (PIN)', { required: true }, 'As on the property tax bill, for example 14-22-301-011')),
    h('h2', {}, 'Fees'),
    quote,
    h('button', { class: 'usa-button margin-top-3', type: 'submit' }, 'Apply'),
  );
  main.append(form);

  // The fees for what the form holds now; a later answer replaces an earlier one only if still current.
  let asked = 0;
  async function showFees(): Promise<void> {
    const type = typeSelect.value;
    const valuation = parseDollars(value(form, 'valuation'));
    const feet = value(form, 'square-feet').trim();
    if (!type || valuation === null) return;
    const mine = ++asked;
    const q = new URLSearchParams({ permit_type: type, valuation_cents: String(valuation) });
    if (/^\d+$/.test(feet)) q.set('square_feet', feet);
    try {
      const fees = await api<FeeQuote>('GET', `/api/v1/permit-types/current/fees?${q}`);
      if (mine !== asked) return;
      quote.replaceChildren(feeTable(fees.fees, 'The fees for this application'),
        h('p', { class: 'font-sans-lg' }, 'Total: ', h('span', { class: 'hf-money', 'data-testid': 'quote-total' }, dollars(fees.fees_total_cents))));
    } catch (e) {
      if (mine === asked) quote.replaceChildren(h('p', {}, `The fees could not be worked out: ${explain(e)}`));
    }
  }
  for (const id of ['permit-type', 'valuation', 'square-feet']) {
    form.querySelector(`#${id}`)?.addEventListener('change', () => void showFees());
  }

  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  let pending: { key: string; body: Record<string, unknown> } | null = null;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const valuation = parseDollars(value(form, 'valuation'));
    const feet = value(form, 'square-feet').trim();
    const textarea = form.querySelector('#description') as HTMLTextAreaElement;
    const problems: string[] = [];
    if (!typeSelect.value) problems.push('Choose a permit type.');
    if (!textarea.value.trim()) problems.push('Describe the work.');
    if (valuation === null) problems.push('Enter the valuation in dollars, such as 250000.');
    if (feet && !/^\d+$/.test(feet)) problems.push('Enter the area as a whole number of square feet, or leave it empty.');
    for (const [id, what] of [['line1', 'the street address'], ['city', 'the city'], ['zip', 'the ZIP code'], ['parcel', 'the parcel number']]) {
      if (!value(form, id).trim()) problems.push(`Enter ${what}.`);
    }
    if (!/^[A-Za-z]{2}$/.test(value(form, 'state').trim())) problems.push('Enter the state as two letters.');
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the application', problems.join(' ')));
      return;
    }
    const workClass = (form.querySelector('input[name=work-class]:checked') as HTMLInputElement | null)?.value ?? 'new';
    const weBuild = (form.querySelector('#we-build') as HTMLInputElement).checked;
    const body: Record<string, unknown> = {
      permit_type: typeSelect.value,
      work_class: workClass,
      description: textarea.value.trim(),
      valuation_cents: valuation,
      square_feet: feet ? Number(feet) : 0,
      address: {
        line1: value(form, 'line1').trim(),
        line2: value(form, 'line2').trim(),
        city: value(form, 'city').trim(),
        state: value(form, 'state').trim().toUpperCase(),
        zip: value(form, 'zip').trim(),
      },
      parcel_pin: value(form, 'parcel').trim(),
      applicant_party_id: party,
      contractor_party_id: weBuild ? party : '',
    };
    // The same application sent again (a double click, a lost answer) keeps its key: one permit.
    if (!pending || JSON.stringify(pending.body) !== JSON.stringify(body)) pending = { key: crypto.randomUUID(), body };
    button.disabled = true;
    try {
      const permit = await api<Permit>('POST', '/api/v1/permits', pending.body, { 'Idempotency-Key': pending.key });
      pending = null;
      navigate(`/contractor/permits/${encodeURIComponent(permit.number)}`);
    } catch (err) {
      if (!(err instanceof ApiError && (err.status === 503 || err.status === 0))) pending = null;
      showAlert(messages, alert('error', 'The application was not accepted', explain(err)));
    } finally {
      button.disabled = false;
    }
  });
}
