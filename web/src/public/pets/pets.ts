// A pet owner's pages: their pets and licenses (GET /api/v1/parties/{party}/pets and …/licenses, only their
// own), and renewing a license online for a year: what it costs and its new dates
// (GET /api/v1/licenses/{number}/renewal), paid by card (POST /api/v1/licenses/{number}/online-renewals,
// card_payment.ts). A renewal the node would refuse (too early, the rabies vaccination lapsed) is explained
// with the node's reason and no card form.
import { api, ApiError, dollars, needsSignIn, type License, type Pet, type User } from '../../api';
import type { Navigate } from '../../areas/area';
import { cardPaymentForm, type CardPaid } from '../../card_payment';
import { day, dayText } from '../../dates';
import { alert, explain, h, link, record, scrollable, showAlert } from '../../dom';
import { pageTitle } from '../../site';

interface Quote {
  number: string;
  previous_expires_on: string;
  starts_on: string;
  expires_on: string;
  late: boolean;
  fees: { code: string; description: string; amount_cents: number }[];
  total_cents: number;
}

interface Renewed extends CardPaid {
  license: License;
}

const STATE: Record<string, string> = { active: 'Current', expired: 'Expired', voided: 'Void' };

function signInAgain(navigate: Navigate): void {
  navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
}

export async function renderMyPets(main: HTMLElement, navigate: Navigate, user: User | null): Promise<void> {
  document.title = pageTitle('My pets');
  const body = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', {}, 'Loading your pets…'));
  main.append(h('h1', {}, 'My pets'), body);
  const party = user?.party_id;
  if (!party) {
    body.replaceChildren(h('p', {}, 'Your sign-in is not linked to a pet owner. Call or visit animal control to link it.'));
    return;
  }
  try {
    const [pets, licenses] = await Promise.all([
      api<{ items: Pet[] }>('GET', `/api/v1/parties/${encodeURIComponent(party)}/pets`),
      api<{ items: License[] }>('GET', `/api/v1/parties/${encodeURIComponent(party)}/licenses`),
    ]);
    body.replaceChildren(petTable(pets.items, licenses.items));
  } catch (e) {
    if (needsSignIn(e)) return signInAgain(navigate);
    showAlert(body, alert('error', 'Your pets could not be shown', explain(e)));
  } finally {
    body.setAttribute('aria-busy', 'false');
  }
}

function petTable(pets: Pet[], licenses: License[]): HTMLElement {
  if (pets.length === 0) return h('p', {}, 'There is no pet in your name. Licenses are first issued at the animal-control counter.');
  // Each pet's latest license (the node lists them latest expiry first).
  const latest = new Map<string, License>();
  for (const l of licenses) if (!latest.has(l.pet_id) && l.state !== 'voided') latest.set(l.pet_id, l);
  const table = h('table', { class: 'usa-table usa-table--borderless', 'data-testid': 'pets' },
    h('caption', {}, 'Your pets and their licenses'),
    h('thead', {}, h('tr', {}, ...['Pet', 'License', 'Expires', 'Status', 'Renew'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...pets.map((p) => {
      const l = latest.get(p.id);
      return h('tr', {},
        h('th', { scope: 'row' }, `${p.name} (${p.species})`),
        h('td', {}, l?.number ?? 'None'),
        h('td', {}, l ? day(l.expires_on) : '—'),
        h('td', {}, l ? STATE[l.state] ?? l.state : '—'),
        h('td', {}, l ? link(`/pets/licenses/${encodeURIComponent(l.number)}`, 'Renew', { 'aria-label': `Renew ${p.name}'s license` })
          : 'At the counter'));
    })));
  return scrollable('Your pets and their licenses', table);
}

export async function renderRenewal(main: HTMLElement, navigate: Navigate, number: string): Promise<void> {
  document.title = pageTitle(`Renew license ${number}`);
  const body = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', {}, 'Loading the license…'));
  main.append(link('/pets', 'Back to my pets'), h('h1', {}, `Renew license ${number}`), body);
  const path = `/api/v1/licenses/${encodeURIComponent(number)}`;
  let license: License;
  try {
    license = await api<License>('GET', path);
  } catch (e) {
    body.setAttribute('aria-busy', 'false');
    if (needsSignIn(e)) return signInAgain(navigate);
    const missing = e instanceof ApiError && e.status === 404;
    showAlert(body, alert('error', missing ? 'No such license' : 'The license could not be shown',
      missing ? `There is no license ${number} in your name.` : explain(e)));
    return;
  }
  const facts = record([
    ['License', license.number],
    ['Tag', String(license.tag)],
    ['Expires', dayText(license.expires_on)],
  ], 'license-record');
  let quote: Quote;
  try {
    quote = await api<Quote>('GET', `${path}/renewal`);
  } catch (e) {
    body.setAttribute('aria-busy', 'false');
    body.replaceChildren(facts);
    const message = alert('info', 'This license cannot be renewed online now', `${explain(e)}`);
    body.append(message);
    message.focus();
    return;
  }
  const messages = h('div', { class: 'margin-y-2', 'data-testid': 'renewal-messages' });
  const fees = scrollable('What the renewal costs', h('table', { class: 'usa-table usa-table--borderless', 'data-testid': 'renewal-fees' },
    h('caption', {}, 'What the renewal costs'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Fee'), h('th', { scope: 'col' }, 'Amount'))),
    h('tbody', {}, ...quote.fees.map((f) => h('tr', {}, h('td', {}, f.description), h('td', { class: 'hf-money' }, dollars(f.amount_cents))))),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), h('td', { class: 'hf-money' }, dollars(quote.total_cents))))));
  const terms = h('p', { class: 'usa-intro', 'data-testid': 'renewal-terms' },
    `Renewing for one year: from ${dayText(quote.starts_on)} to ${dayText(quote.expires_on)}.`,
    quote.late ? ' A late fee applies: the license expired.' : '');
  const form = cardPaymentForm<Renewed>({
    path: `${path}/online-renewals`,
    heading: 'Pay by card',
    amountCents: quote.total_cents,
    messages,
    paid: (result) => {
      form.remove();
      fees.remove();
      terms.replaceChildren(`Renewed: the license now runs to ${dayText(result.license.expires_on)}.`);
      return { heading: 'License renewed',
        text: `Thank you. Your card ending in ${result.payment.card_last4 ?? '••••'} was charged ${dollars(quote.total_cents)}. ` +
          `License ${result.license.number} now runs to ${dayText(result.license.expires_on)}; keep the same tag.` };
    },
  });
  body.setAttribute('aria-busy', 'false');
  body.replaceChildren(facts, terms, fees, messages, form,
    h('p', { class: 'usa-hint' }, 'For a three-year license or the senior-owner discount, renew at the animal-control counter.'));
}
