// The permit desk (/staff/permits): open a permit by its number, list permits by status and narrow them by
// number, site, parcel or description of the work (the node searches); and (/staff/permits/new) take a new
// application: the applicant found by search, the permit type in effect today, the contractor the type's trade
// needs, the work and its site. The node assesses the fees (POST /api/v1/permits) and the page shows them.
import { api, ApiError, dollars, parseDollars, type Party, type User } from '../../api';
import type { Navigate } from '../../areas/area';
import { alert, explain, field, h, link, numberForm, radios, record, scrollable, selectField, showAlert, showError, textareaField, value } from '../../dom';
import { addressText, inspectionName, PERMIT_STATUS, type Permit, type PermitType } from '../../permits';
import { cityName, pageTitle } from '../../site';
import { feeTable } from './fees';
import type { Catalog, Contractor, Items } from './model';
import { loading, permitLink } from './ui';

export async function renderPermitDesk(main: HTMLElement, navigate: Navigate): Promise<void> {
  document.title = pageTitle('Permit desk');
  const params = new URLSearchParams(location.search);
  const status = params.get('status') ?? '';
  const q = params.get('q') ?? '';
  const { form: lookup, result: lookupResult } = numberForm('permit', 'For example BP-central-1', 'Open permit',
    '/staff/permits', null, navigate);

  const filter = h('form', { class: 'usa-form usa-form--large', 'data-testid': 'permit-filter', novalidate: true },
    selectField('status', 'Status', [['', 'Any status'], ...Object.entries(PERMIT_STATUS)]),
    field('q', 'Number, street, parcel or description of the work', { value: q, autocomplete: 'off' }, 'For example Prairie View or fence'),
    h('button', { class: 'usa-button', type: 'submit' }, 'Show permits'));
  (filter.querySelector('#status') as HTMLSelectElement).value = status;
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (value(filter, 'status')) next.set('status', value(filter, 'status'));
    if (value(filter, 'q').trim()) next.set('q', value(filter, 'q').trim());
    const s = next.toString();
    navigate(`/staff/permits${s ? `?${s}` : ''}`);
  });
  const list = loading('Loading permits…');

  main.append(
    h('h1', {}, 'Permit desk'),
    h('p', { class: 'usa-intro' }, 'Take applications, collect their fees and issue permits.'),
    h('a', { class: 'usa-button', href: '/staff/permits/new', 'data-link': true }, 'Take a new application'),
    h('h2', {}, 'Open a permit'),
    lookup, lookupResult,
    h('h2', {}, 'Permits'),
    filter, list,
  );
  try {
    // The node searches (number, site, description, parcel, type name) and pages; the first page is shown.
    const params = new URLSearchParams({ limit: '200' });
    if (status) params.set('status', status);
    if (q) params.set('q', q);
    const page = await api<Items<Permit> & { next_cursor?: string }>('GET', `/api/v1/permits?${params}`);
    list.replaceChildren(permitTable(page.items, status || q ? 'Permits that match' : 'Permits, newest first'),
      ...(page.next_cursor
        ? [h('p', { class: 'usa-hint', 'data-testid': 'permit-list-more' },
          `These are the latest ${page.items.length}; there are more. Search for a number, a street or a parcel to find the others.`)]
        : []));
  } catch (e) {
    showError(list, 'The permits could not be listed', e);
  }
}

function permitTable(items: Permit[], caption: string): HTMLElement {
  if (items.length === 0) return h('p', { 'data-testid': 'permit-list' }, 'No permit matches. Try another status or fewer words.');
  return scrollable(caption,
    h('table', { class: 'usa-table usa-table--borderless', 'data-testid': 'permit-list' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...['Permit', 'Type', 'Work site', 'Status', 'Applied', 'Due'].map((c) =>
        h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...items.map((p) => h('tr', {},
        h('th', { scope: 'row' }, permitLink(p.number)),
        h('td', {}, p.type_name),
        h('td', {}, addressText(p.address)),
        h('td', {}, (PERMIT_STATUS[p.status] ?? p.status) + (p.held ? ' (on hold)' : '')),
        h('td', { class: 'hf-nowrap' }, p.applied_on ?? ''),
        h('td', { class: 'hf-money' }, dollars(p.due_cents)))))));
}

// --- intake -----------------------------------------------------------------------------------------------

export async function renderIntake(main: HTMLElement, navigate: Navigate, user: User | null): Promise<void> {
  document.title = pageTitle('New permit application');
  const messages = h('div', { class: 'hf-messages', 'data-testid': 'intake-messages' });
  const body = loading('Loading the permit types…');
  main.append(h('h1', {}, 'New permit application'), messages, body);
  if (!user?.roles.some((r) => ['admin', 'supervisor', 'clerk', 'permit_tech'].includes(r))) {
    body.replaceChildren(h('p', {}, 'Only permit technicians, clerks and supervisors take applications.'));
    return;
  }
  let catalog: Catalog;
  try {
    catalog = await api<Catalog>('GET', '/api/v1/permit-types/current');
  } catch (e) {
    showError(body, 'The permit types could not be loaded', e);
    return;
  }
  const city = await cityName();
  body.replaceChildren(intakeForm(catalog, city, messages, navigate));
}

function intakeForm(catalog: Catalog, city: string, messages: HTMLElement, navigate: Navigate): HTMLElement {
  const types = new Map(catalog.types.map((t) => [t.code, t]));

  // Applicant: a search that fills a set of radio buttons.
  const search = field('applicant-search', 'Find the applicant', { autocomplete: 'off' },
    'Part of their name, email or phone, then Search');
  const searchButton = h('button', { class: 'usa-button usa-button--outline', type: 'button' }, 'Search');
  const found = h('div', { 'aria-live': 'polite', 'data-testid': 'applicant-results' });
  const applicant = h('fieldset', { class: 'usa-fieldset' },
    h('legend', { class: 'usa-legend usa-legend--large' }, 'Applicant'), search, searchButton, found);

  async function findParties(): Promise<void> {
    const text = (search.querySelector('input') as HTMLInputElement).value.trim();
    if (!text) {
      showAlert(found, alert('error', 'Enter a name to search for', 'Type part of the applicant’s name, email or phone.'));
      return;
    }
    found.replaceChildren(h('p', {}, 'Searching…'));
    try {
      const { items } = await api<Items<Party>>('GET', `/api/v1/parties?limit=20&q=${encodeURIComponent(text)}`);
      if (items.length === 0) {
        showAlert(found, alert('warning', 'No one matches', `No person or business matches “${text}”. Check the spelling or search for part of the name.`));
        return;
      }
      found.replaceChildren(radios('applicant', `People and businesses matching “${text}”`,
        items.map((p) => [p.id, `${p.name}${p.address?.line1 ? `, ${p.address.line1}` : ''}${p.kind === 'business' ? ' (business)' : ''}`]),
        items.length === 1 ? items[0].id : undefined));
    } catch (e) {
      showError(found, 'The search did not work', e);
    }
  }
  searchButton.addEventListener('click', () => void findParties());
  search.querySelector('input')?.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void findParties();
    }
  });

  // Permit type, and the contractor when the type's trade needs one.
  const typeField = selectField('permit-type', 'Permit type',
    [['', '- Choose a type -'], ...catalog.types.map((t) => [t.code, t.name] as [string, string])],
    { required: true }, `The types in effect since ${catalog.effective_from}`);
  const typeSelect = typeField.querySelector('select') as HTMLSelectElement;
  const sequence = h('p', { class: 'usa-hint', 'aria-live': 'polite', 'data-testid': 'type-inspections' });
  const contractorSlot = h('div', { 'aria-live': 'polite' });
  let contractorTrade = '';
  typeSelect.addEventListener('change', async () => {
    const t = types.get(typeSelect.value);
    sequence.textContent = t ? `Inspections, in order: ${t.inspections.map(inspectionName).join(', ')}.` : '';
    contractorTrade = t?.contractor_trade ?? '';
    contractorSlot.replaceChildren();
    if (!t || !contractorTrade) {
      if (t) contractorSlot.append(h('p', {}, 'This type needs no contractor: the owner may do the work.'));
      return;
    }
    contractorSlot.append(h('p', {}, 'Loading contractors…'));
    try {
      const { items } = await api<Items<Contractor>>('GET', `/api/v1/contractors?trade=${encodeURIComponent(contractorTrade)}`);
      if (typeSelect.value !== t.code) return;
      contractorSlot.replaceChildren(items.length === 0
        ? alert('warning', `No ${inspectionName(contractorTrade).toLowerCase()} contractor is registered`,
          'Register the contractor’s license first; this type needs one.')
        : selectField('contractor', 'Contractor', [['', '- Choose the contractor -'],
          ...items.map((c) => [c.party_id, `${c.name ?? c.party_id} (license ${c.license_number ?? '—'}, expires ${c.license_expires_on ?? '—'})`] as [string, string])],
          { required: true }, `A licensed ${inspectionName(contractorTrade).toLowerCase()} contractor`));
    } catch (e) {
      showError(contractorSlot, 'The contractors could not be loaded', e);
    }
  });
  const permit = h('fieldset', { class: 'usa-fieldset' },
    h('legend', { class: 'usa-legend usa-legend--large' }, 'Permit'), typeField, sequence, contractorSlot);

  const work = h('fieldset', { class: 'usa-fieldset' },
    h('legend', { class: 'usa-legend usa-legend--large' }, 'Work'),
    radios('work-class', 'Kind of work', [['new', 'New construction'], ['existing', 'Work on an existing building']], 'new'),
    textareaField('description', 'Description of the work', { required: true, maxlength: '2000' }),
    field('valuation', 'Valuation in dollars', { inputmode: 'decimal', required: true, autocomplete: 'off' },
      'What the work costs, labor and materials; the fees follow it. For example 250000'),
    field('square-feet', 'Square feet (optional)', { inputmode: 'numeric', autocomplete: 'off' }));

  const site = h('fieldset', { class: 'usa-fieldset' },
    h('legend', { class: 'usa-legend usa-legend--large' }, 'Work site'),
    field('line1', 'Street address', { required: true, autocomplete: 'off' }),
    field('line2', 'Unit or suite (optional)', { autocomplete: 'off' }),
    field('city', 'City', { required: true, value: city || undefined }),
    field('state', 'State', { required: true, maxlength: '2', class: 'usa-input usa-input--small' }, 'Two letters, for example IL'),
    field('zip', 'ZIP code', { required: true, inputmode: 'numeric', maxlength: '10', class: 'usa-input usa-input--medium' }),
    field('parcel-pin', 'Parcel number (PIN)', { required: true, autocomplete: 'off' }, 'As on the tax bill, for example 14-22-301-011'));

  const submit = h('button', { class: 'usa-button usa-button--big', type: 'submit' }, 'Take the application');
  const form = h('form', { class: 'usa-form usa-form--large hf-intake', novalidate: true, 'data-testid': 'intake' },
    applicant, permit, work, site, submit);

  let pending: { key: string; body: Record<string, unknown> } | null = null;

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const problems: string[] = [];
    const party = value(form, 'applicant');
    if (!party) problems.push('Search for the applicant and choose them.');
    const type = types.get(typeSelect.value);
    if (!type) problems.push('Choose the permit type.');
    const contractor = value(form, 'contractor');
    if (type && contractorTrade && !contractor) problems.push(`Choose the ${inspectionName(contractorTrade).toLowerCase()} contractor.`);
    const description = value(form, 'description').trim();
    if (!description) problems.push('Describe the work.');
    const valuation = parseDollars(value(form, 'valuation'));
    if (valuation === null) problems.push('Enter the valuation in dollars, such as 250000 or 4500.00.');
    const sqftText = value(form, 'square-feet').trim().replace(/,/g, '');
    if (sqftText && !/^\d{1,9}$/.test(sqftText)) problems.push('Enter the square feet as a whole number, or leave it empty.');
    const address = {
      line1: value(form, 'line1').trim(),
      line2: value(form, 'line2').trim(),
      city: value(form, 'city').trim(),
      state: value(form, 'state').trim().toUpperCase(),
      zip: value(form, 'zip').trim(),
    };
    if (!address.line1 || !address.city) problems.push('Enter the street address and city of the work site.');
    if (!/^[A-Z]{2}$/.test(address.state)) problems.push('Enter the state as two letters.');
    if (!/^\d{5}(-\d{4})?$/.test(address.zip)) problems.push('Enter the ZIP code, such as 62701.');
    const pin = value(form, 'parcel-pin').trim();
    if (!pin) problems.push('Enter the parcel number.');
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the application', problems.join(' ')));
      return;
    }
    const body: Record<string, unknown> = {
      permit_type: type!.code,
      work_class: value(form, 'work-class') || 'new',
      description,
      valuation_cents: valuation,
      address: address.line2 ? address : { ...address, line2: undefined },
      parcel_pin: pin,
      applicant_party_id: party,
    };
    if (sqftText) body.square_feet = Number(sqftText);
    if (contractorTrade) body.contractor_party_id = contractor;
    // The same application sent again (say, after a lost answer) keeps its key, so it is taken once.
    if (!pending || JSON.stringify(pending.body) !== JSON.stringify(body)) pending = { key: crypto.randomUUID(), body };
    submit.disabled = true;
    messages.replaceChildren(h('p', { role: 'status' }, 'Sending the application…'));
    try {
      const p = await api<Permit>('POST', '/api/v1/permits', pending.body, { 'Idempotency-Key': pending.key });
      pending = null;
      form.replaceWith(taken(p, navigate));
      showAlert(messages, alert('success', `Application taken: permit ${p.number}`,
        `The fees come to ${dollars(p.fees_total_cents)}. Take them at a cash drawer, then issue the permit.`));
    } catch (err) {
      if (!(err instanceof ApiError) || err.status < 500) pending = null;
      showAlert(messages, alert('error', 'The application was not taken', explain(err)));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// What the node assessed for the new permit, and where to go next.
function taken(p: Permit, navigate: Navigate): HTMLElement {
  const next = h('a', { class: 'usa-button', href: `/staff/permits/${encodeURIComponent(p.number)}`, 'data-link': true },
    `Open permit ${p.number} to take the fees`);
  void navigate;
  return h('div', { 'data-testid': 'intake-result' },
    h('h2', {}, `Permit ${p.number}`),
    record([
      ['Status', PERMIT_STATUS[p.status] ?? p.status],
      ['Type', p.type_name],
      ['Work site', addressText(p.address)],
      ['Valuation', dollars(p.valuation_cents ?? 0)],
    ]),
    h('h3', {}, 'Fees the city assessed'),
    feeTable(p),
    h('p', {}, next, ' ', link('/staff/permits/new', 'Take another application')));
}

export type { PermitType };
