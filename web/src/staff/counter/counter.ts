// The animal-control counter (/staff/counter): find the owner (GET /api/v1/parties?q=), see their pets and
// licenses (GET /api/v1/parties/{id}/pets, …/licenses), choose the pets to renew, see the fees, take the
// payment in one or more tenders and record it all as ONE counter sale (POST /api/v1/counter/sales): the
// renewals, the payment and the receipt are written together or not at all. A refusal (a lapsed rabies
// vaccination, a short tender, no open drawer) is the node's reason, shown and focused; success shows the
// receipt number, the change due in large type and the way to the printable receipt.
//
// The page's state is in its address: ?q=<text> lists the owners found, ?party=<id> is one owner's sale.
import { answered, api, ApiError, dollars, type License, type Party, type Pet, type User } from '../../api';
import type { Navigate } from '../../areas/area';
import { cityToday } from '../../dates';
import { alert, explain, h, showAlert, value } from '../../dom';
import { pageTitle } from '../../site';
import { refreshStatusStrip } from '../status_strip';
import { cell, headRow, moneyCell, myOpenDrawer } from './common';
import { renewalFees, sum } from './fees';
import { tendersWidget } from './tenders';
import type { Drawer, FeeSchedule, ReceiptItem, Sale } from './types';

export async function renderCounter(main: HTMLElement, navigate: Navigate, _user: User | null): Promise<void> {
  document.title = pageTitle('Counter');
  const params = new URLSearchParams(location.search);
  const q = params.get('q')?.trim() ?? '';
  const partyId = params.get('party') ?? '';
  const drawerNote = h('div', { 'data-testid': 'drawer-note' });
  const results = h('div');
  main.append(h('h1', {}, 'Counter'), drawerNote, searchForm(q, navigate), results);

  const drawer = await myOpenDrawer().catch(() => null);
  drawerNote.replaceChildren(drawer
    ? h('p', { class: 'usa-intro' }, `Payments go into your drawer ${drawer.id}.`)
    : noDrawerAlert('warning'));

  if (partyId) {
    document.title = pageTitle('Counter: owner');
    await ownerView(results, partyId, drawer);
  } else if (q) {
    document.title = pageTitle(`Counter: owners matching ${q}`);
    await searchResults(results, q);
  }
}

function noDrawerAlert(kind: 'warning' | 'error'): HTMLElement {
  const a = alert(kind, 'You have no open drawer', 'A sale is paid into your own open drawer. ');
  a.querySelector('.usa-alert__text')?.append(h('a', { class: 'usa-link', href: '/staff/drawers', 'data-link': true }, 'Open your drawer'),
    ' first, then come back to the counter.');
  return a;
}

function searchForm(q: string, navigate: Navigate): HTMLFormElement {
  const form = h('form', { class: 'margin-bottom-3', role: 'search', 'data-testid': 'owner-search',
    'aria-label': 'Find an owner' },
    h('label', { class: 'usa-label margin-top-0', for: 'owner-q' }, 'Find an owner by name, phone or email'),
    h('div', { class: 'hf-counter-search-row' },
      h('input', { class: 'usa-input', id: 'owner-q', name: 'owner-q', type: 'search', autocomplete: 'off', value: q || undefined }),
      h('button', { class: 'usa-button', type: 'submit' }, 'Search')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = value(form, 'owner-q').trim();
    if (text) navigate(`/staff/counter?q=${encodeURIComponent(text)}`);
  });
  return form;
}

async function searchResults(slot: HTMLElement, q: string): Promise<void> {
  try {
    const found = await api<{ items: Party[] }>('GET', `/api/v1/parties?q=${encodeURIComponent(q)}&limit=25`);
    if (found.items.length === 0) {
      showAlert(slot, alert('info', 'No owner found', `No one’s name, phone or email matches “${q}”. Check the spelling or try the phone number.`));
      return;
    }
    slot.replaceChildren(
      h('table', { class: 'usa-table usa-table--borderless usa-table--stacked hf-counter-table', 'data-testid': 'party-results' },
        h('caption', {}, `Owners matching “${q}”`),
        headRow('Name', 'Phone', 'Address'),
        h('tbody', {}, ...found.items.map((p) => h('tr', {},
          h('th', { scope: 'row', 'data-label': 'Name' },
            h('a', { class: 'usa-link', href: `/staff/counter?party=${encodeURIComponent(p.id)}`, 'data-link': true }, p.name)),
          cell('Phone', p.phone ?? ''),
          cell('Address', p.address?.line1 ?? ''))))));
  } catch (e) {
    showAlert(slot, alert('error', 'The search did not work', explain(e)));
  }
}

interface Choice {
  pet: Pet;
  license: License | null; // the license a renewal renews; null: none to renew
  box: HTMLInputElement | null;
  term: HTMLSelectElement | null;
}

async function ownerView(slot: HTMLElement, partyId: string, drawer: Drawer | null): Promise<void> {
  slot.setAttribute('aria-busy', 'true');
  let party: Party, pets: Pet[], licenses: License[], schedule: FeeSchedule | null, today: string;
  try {
    const id = encodeURIComponent(partyId);
    [party, pets, licenses, schedule, today] = await Promise.all([
      api<Party>('GET', `/api/v1/parties/${id}`),
      api<{ items: Pet[] }>('GET', `/api/v1/parties/${id}/pets`).then((r) => r.items),
      api<{ items: License[] }>('GET', `/api/v1/parties/${id}/licenses`).then((r) => r.items),
      api<FeeSchedule>('GET', '/api/v1/fee-schedules/current').catch(() => null),
      cityToday(),
    ]);
  } catch (e) {
    slot.setAttribute('aria-busy', 'false');
    showAlert(slot, alert('error', answered(e, 404) ? 'No such owner' : 'The owner could not be shown',
      answered(e, 404) ? `There is no owner ${partyId}. Search again.` : explain(e)));
    return;
  }
  slot.setAttribute('aria-busy', 'false');
  document.title = pageTitle(`Counter: ${party.name}`);

  const choices: Choice[] = pets.map((pet) => {
    const license = licenses.find((l) => l.pet_id === pet.id && l.status !== 'voided') ?? null;
    return { pet, license, box: null, term: null };
  });

  const messages = h('div', { 'data-testid': 'sale-messages', class: 'margin-y-2' });
  const senior = h('input', { class: 'usa-checkbox__input', id: 'senior-owner', name: 'senior-owner', type: 'checkbox' });
  // Not a live region: the total due is announced with the tenders (tenders.ts), not the whole table.
  const feesSlot = h('div', { 'data-testid': 'fees' });
  const tenders = tendersWidget();
  const submit = h('button', { class: 'usa-button usa-button--big', type: 'submit' }, 'Renew and take payment');

  const petList = h('div', { class: 'hf-counter-pets', 'data-testid': 'pets' }, ...choices.map((c) => petTile(c, schedule, today)));
  const form = h('form', { novalidate: true, 'data-testid': 'sale-form', 'aria-labelledby': 'sale-heading' },
    h('h2', { id: 'sale-heading' }, 'Renew licenses'),
    choices.length === 0
      ? h('p', {}, `${party.name} has no pets on record.`)
      : h('fieldset', { class: 'usa-fieldset' },
        h('legend', { class: 'usa-legend' }, 'Pets to renew'),
        petList,
        h('div', { class: 'usa-checkbox margin-top-2' }, senior,
          h('label', { class: 'usa-checkbox__label', for: 'senior-owner' }, 'The owner is a senior (the schedule’s discount)'))),
    h('h2', {}, 'Fees'),
    feesSlot,
    h('h2', {}, 'Payment'),
    h('fieldset', { class: 'usa-fieldset' }, h('legend', { class: 'usa-sr-only' }, 'Tenders'), tenders.element),
    messages,
    submit);

  const owner = h('section', { class: 'margin-bottom-3', 'aria-labelledby': 'owner-heading', 'data-testid': 'owner' },
    h('h2', { id: 'owner-heading' }, party.name),
    h('p', {}, [party.phone, party.email, party.address?.line1].filter(Boolean).join(' · ')),
    h('p', { class: 'hf-no-print' }, h('a', { class: 'usa-link', href: '/staff/counter', 'data-link': true }, 'Find another owner')));
  slot.replaceChildren(owner, form);

  // The fee lines of the pets chosen as the node quotes them, the refusals it would give, and the total (null
  // when something would be refused).
  async function fees(picked: Choice[]): Promise<{ lines: { pet: Pet; line: ReceiptItem }[]; problems: string[]; total: number | null }> {
    const quotes = await Promise.all(picked.map((c) =>
      renewalFees(c.license!.number, Number(c.term?.value ?? 1), senior.checked)));
    const lines: { pet: Pet; line: ReceiptItem }[] = [];
    const problems: string[] = [];
    quotes.forEach((q, i) => {
      if (q.problem) problems.push(`${picked[i].pet.name}: ${q.problem}`);
      lines.push(...q.lines.map((line) => ({ pet: picked[i].pet, line })));
    });
    return { lines, problems, total: problems.length ? null : sum(lines.map((l) => l.line)) };
  }

  function chosen(): Choice[] {
    return choices.filter((c) => c.box?.checked && c.license);
  }

  // Quotes answer in any order: only the last one asked for is drawn.
  let asked = 0;
  async function drawFees(): Promise<void> {
    const mine = ++asked;
    const picked = chosen();
    feesSlot.setAttribute('aria-busy', String(picked.length > 0));
    if (picked.length === 0) {
      feesSlot.replaceChildren(h('p', {}, 'Choose the pets to renew to see the fees.'));
      tenders.setTotal(null);
      return;
    }
    const f = await fees(picked);
    if (mine !== asked) return;
    feesSlot.setAttribute('aria-busy', 'false');
    feesSlot.replaceChildren(
      h('table', { class: 'usa-table usa-table--borderless usa-table--compact hf-counter-table', 'data-testid': 'fee-lines' },
        h('caption', {}, 'What the node will charge today'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Pet'), h('th', { scope: 'col' }, 'Fee'),
          h('th', { scope: 'col', class: 'text-right' }, 'Amount'))),
        h('tbody', {}, ...f.lines.map(({ pet, line }) => h('tr', {},
          h('th', { scope: 'row' }, pet.name),
          h('td', {}, line.description, h('span', { class: 'display-block font-body-3xs text-base-dark' }, line.code)),
          moneyCell('Amount', line.amount_cents)))),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: '2' }, 'Total'),
          h('td', { class: 'hf-money text-right text-bold', 'data-testid': 'fee-total' }, f.total === null ? '—' : dollars(f.total))))),
      ...f.problems.map((p) => h('p', { class: 'text-secondary-dark', 'data-testid': 'fee-problem' }, p)));
    tenders.setTotal(f.total);
  }

  form.addEventListener('change', (e) => {
    const t = e.target;
    if (t instanceof HTMLInputElement && t.type === 'checkbox') {
      const c = choices.find((x) => x.box === t);
      if (c?.term) c.term.disabled = !t.checked;
    }
    if ((t instanceof HTMLInputElement && t.type === 'checkbox') || (t instanceof HTMLSelectElement && !t.id.startsWith('tender-'))) void drawFees();
  });
  void drawFees();
  // A refusal is about the sale as it was sent: once the clerk changes it, the refusal no longer applies.
  form.addEventListener('input', () => {
    if (messages.querySelector('[data-testid=alert-error]')) messages.replaceChildren();
  });

  let pending: { key: string; body: unknown; picked: Choice[] } | null = null;

  async function send(): Promise<void> {
    if (!pending) return;
    const { key, body, picked } = pending;
    submit.disabled = true;
    messages.replaceChildren(h('p', { role: 'status' }, 'Recording the sale…'));
    try {
      const sale = await api<Sale>('POST', '/api/v1/counter/sales', body, { 'Idempotency-Key': key });
      pending = null;
      refreshStatusStrip();
      slot.replaceChildren(owner, successView(sale, picked));
      (slot.querySelector('#sale-done') as HTMLElement).focus();
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, { detail: String(e) });
      if (err.status === 0 || err.status === 503) {
        // Not known to be recorded: the same request with the same key is safe to send again.
        const again = h('button', { class: 'usa-button usa-button--outline', type: 'button' }, 'Try again');
        again.addEventListener('click', () => void send());
        const message = alert('warning', 'The sale is not confirmed yet', `${err.message} Trying again never records it twice.`);
        message.querySelector('.usa-alert__body')?.append(again);
        showAlert(messages, message);
      } else {
        pending = null;
        showAlert(messages, refusal(err, picked));
      }
    } finally {
      submit.disabled = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      const picked = chosen();
      const problems: string[] = [];
      if (picked.length === 0) problems.push('Choose at least one pet to renew.');
      const read = tenders.read();
      problems.push(...read.problems);
      if (problems.length) {
        showAlert(messages, alert('error', 'Check the sale', problems.join(' ')));
        return;
      }
      // Without a drawer known when the page was drawn, look again (it may have been opened since).
      const into = drawer ?? (await myOpenDrawer().catch(() => null));
      if (!into) {
        showAlert(messages, noDrawerAlert('error'));
        return;
      }
      if (!pending) {
        pending = {
          key: crypto.randomUUID(),
          picked,
          body: {
            drawer_id: into.id,
            payer_party_id: party.id,
            senior_owner: senior.checked,
            items: picked.map((c) => ({ action: 'renew', license: (c.license as License).number, term_years: Number(c.term?.value ?? 1) })),
            tenders: read.tenders,
          },
        };
      }
      await send();
    })();
  });
}

// A pet as a checkbox tile: its name, what it is, its rabies vaccination and its license, and the term to
// renew it for.
function petTile(c: Choice, schedule: FeeSchedule | null, today: string): HTMLElement {
  const { pet, license } = c;
  const id = `renew-${pet.id}`;
  const what = [pet.species.charAt(0).toUpperCase() + pet.species.slice(1), pet.breed, pet.altered ? 'spayed/neutered' : 'not spayed/neutered', pet.service_animal ? 'service animal' : '']
    .filter(Boolean).join(', ');
  const rabies = pet.rabies?.expires_on
    ? pet.rabies.expires_on < today ? `Rabies vaccination expired on ${pet.rabies.expires_on}` : `Rabies vaccination to ${pet.rabies.expires_on}`
    : 'No rabies vaccination on record';
  let licenseText = 'No license to renew';
  if (license) {
    const opens = schedule?.renewal_window_days !== undefined ? addDays(license.expires_on, -schedule.renewal_window_days) : null;
    licenseText = `License ${license.number}, tag ${license.tag}, ` +
      (license.state === 'expired' ? `expired on ${license.expires_on} (a late fee applies)` : `runs to ${license.expires_on}`) +
      (opens && today < opens ? `; renewals open on ${opens}` : '');
  }
  const box = h('input', { class: 'usa-checkbox__input usa-checkbox__input--tile', id, name: id, type: 'checkbox',
    disabled: !license, 'data-pet': pet.name });
  c.box = box;
  const terms = [1, 3].filter((t) => !schedule || schedule.licenses.some((l) => l.species === pet.species && l.altered === pet.altered && l.term_years === t));
  const term = h('select', { class: 'usa-select usa-select--sm', id: `term-${pet.id}`, name: `term-${pet.id}`, disabled: true },
    ...(terms.length ? terms : [1]).map((t) => h('option', { value: String(t) }, t === 1 ? '1 year' : `${t} years`)));
  c.term = license ? term : null;
  return h('div', { class: 'usa-checkbox hf-counter-pet', 'data-testid': `pet-${pet.name}` },
    box,
    h('label', { class: 'usa-checkbox__label', for: id }, `Renew ${pet.name}`,
      h('span', { class: 'usa-checkbox__label-description' },
        h('span', { class: 'display-block' }, what),
        h('span', { class: `display-block${pet.rabies?.expires_on && pet.rabies.expires_on < today ? ' text-secondary-dark text-bold' : ''}` }, rabies),
        h('span', { class: 'display-block' }, licenseText))),
    license ? h('div', { class: 'hf-counter-term' },
      h('label', { class: 'usa-label margin-top-1', for: `term-${pet.id}` }, `Term for ${pet.name}`), term) : null);
}

// "2027-01-08" + n days.
function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// The node's refusal, with the pet it is about when it names an item ("items[1]: …").
function refusal(err: ApiError, picked: Choice[]): HTMLElement {
  let text = err.message;
  const m = /^items\[(\d+)\]:\s*/.exec(text);
  if (m && picked[Number(m[1])]) text = `${picked[Number(m[1])].pet.name}: ${text.slice(m[0].length)}`;
  const heading = err.kind === 'tender-short' ? 'The tenders do not cover the total'
    : err.kind === 'drawer-not-open' ? 'Your drawer is not open'
      : m ? `${picked[Number(m[1])]?.pet.name ?? 'A pet'} cannot be renewed` : 'The sale was not recorded';
  const a = alert('error', heading, `${text}${/[.!?]$/.test(text) ? '' : '.'} Nothing was charged and no license changed.`);
  a.setAttribute('data-kind', err.kind);
  if (err.kind === 'drawer-not-open') {
    a.querySelector('.usa-alert__text')?.append(' ', h('a', { class: 'usa-link', href: '/staff/drawers', 'data-link': true }, 'Open your drawer'));
  }
  return a;
}

function successView(sale: Sale, picked: Choice[]): HTMLElement {
  const r = sale.receipt;
  const href = `/staff/counter/receipts/${encodeURIComponent(r.receipt)}`;
  const tendered = sum(r.tenders);
  const petOf = (l: { number: string }) => picked.find((c) => c.license?.number === l.number)?.pet.name ?? l.number;
  return h('section', { class: 'hf-counter-done', 'aria-labelledby': 'sale-done', 'data-testid': 'sale-done' },
    h('h2', { id: 'sale-done', tabindex: '-1' }, 'Sale recorded'),
    h('p', { class: 'usa-intro' }, 'Receipt ', h('strong', { 'data-testid': 'receipt-number' }, r.receipt)),
    h('div', { class: 'usa-summary-box margin-y-3', role: 'region', 'aria-labelledby': 'change-heading' },
      h('div', { class: 'usa-summary-box__body' },
        h('h3', { class: 'usa-summary-box__heading', id: 'change-heading' }, 'Change due'),
        h('p', { class: 'hf-counter-big hf-money', 'data-testid': 'change-due' }, dollars(r.change_cents)))),
    h('dl', { class: 'hf-record' },
      h('dt', {}, 'Total'), h('dd', { class: 'hf-money', 'data-testid': 'sale-total' }, dollars(r.total_cents)),
      h('dt', {}, 'Tendered'), h('dd', { class: 'hf-money', 'data-testid': 'sale-tendered' }, dollars(tendered))),
    h('h3', {}, 'Licenses renewed'),
    h('ul', { 'data-testid': 'renewed' }, ...sale.licenses.map((l) =>
      h('li', {}, `${petOf(l)}: license ${l.number}, tag ${l.tag}, now runs to ${l.expires_on}`))),
    h('ul', { class: 'usa-button-group margin-top-3' },
      h('li', { class: 'usa-button-group__item' },
        h('a', { class: 'usa-button', href, 'data-link': true, 'data-testid': 'receipt-link' }, 'Printable receipt')),
      h('li', { class: 'usa-button-group__item' },
        h('a', { class: 'usa-button usa-button--outline', href: '/staff/counter', 'data-link': true }, 'Next customer'))));
}
