// Incidents (supervisors and admins): the incidents in effect and past (GET /api/v1/incidents), declaring one
// (POST /api/v1/incidents) and ending one (POST /api/v1/incidents/{id}/end). After either, the page's
// incident banner and the status strip read the public status again, and the page says what the public now
// sees (GET /api/v1/public/status).
import { api, type PublicStatus } from '../../api';
import { day } from '../../dates';
import { alert, checkbox, checkedValues, field, h, showAlert, showError, value } from '../../dom';
import { showIncidentBanner } from '../../incident';
import { pageTitle } from '../../site';
import { refreshStatusStrip } from '../status_strip';
import { loadInto, table } from './common';

export interface Incident {
  id: string;
  started_on: string;
  ended_on: string | null;
  protected_through: string | null;
  active: boolean;
  in_effect: boolean;
  services: string[];
  notice: string;
  grace_days: number;
}

const SERVICES: [string, string, string][] = [
  ['utilities', 'Utilities', 'Water and sewer: no late fees, due dates move, no shut-offs.'],
  ['licenses', 'Pet licenses', 'Licenses expiring during the incident renew without the late fee.'],
  ['permits', 'Permits', 'Recorded with the incident; nothing acts on it yet.'],
];

function serviceNames(services: string[]): string {
  return services.map((s) => SERVICES.find(([v]) => v === s)?.[1] ?? s).join(', ');
}

// What an incident means today, in a sentence.
function state(i: Incident): string {
  if (i.active) return `In effect since ${day(i.started_on)}; not ended yet.`;
  if (i.in_effect) return `Ended ${day(i.ended_on)}; late fees stay stopped and the notice stays up through ${day(i.protected_through)} (${i.grace_days} grace days).`;
  return `Ended ${day(i.ended_on)}; its grace period ran through ${day(i.protected_through)}.`;
}

async function showPublicNow(messages: HTMLElement, heading: string, lead: string): Promise<void> {
  const slot = document.getElementById('incident');
  if (slot) await showIncidentBanner(slot);
  refreshStatusStrip();
  let now = '';
  try {
    const status = await api<PublicStatus>('GET', '/api/v1/public/status');
    const notices = status.incidents.map((i) => i.notice).filter(Boolean);
    now = status.incident_in_effect
      ? `Every page now shows the public this notice: “${notices.join('” and “')}”.`
      : 'No incident is in effect now: the public sees no notice.';
  } catch {
    now = 'The public status could not be read just now; reload the page to check the banner.';
  }
  showAlert(messages, alert('success', heading, `${lead} ${now}`));
}

export function renderIncidents(main: HTMLElement): void {
  document.title = pageTitle('Incidents');
  const messages = h('div', { class: 'margin-y-2', 'data-testid': 'incident-messages' });
  const current = h('div', { 'aria-live': 'polite' });
  const past = h('div', { 'aria-live': 'polite' });

  async function reload(): Promise<void> {
    let items: Incident[] = [];
    await loadInto(current, 'the incidents', async () => {
      items = (await api<{ items: Incident[] }>('GET', '/api/v1/incidents')).items;
      const now = items.filter((i) => i.in_effect);
      if (now.length === 0) return [h('p', { 'data-testid': 'no-incident' }, 'No incident is in effect. Late fees and due dates follow the usual rules.')];
      return [h('ul', { class: 'usa-card-group' }, ...now.map((i) => incidentCard(i, messages, reload)))];
    });
    const old = items.filter((i) => !i.in_effect);
    past.replaceChildren(old.length === 0
      ? h('p', {}, 'No past incidents.')
      : table('Incidents whose grace period is over, newest first', ['Incident', 'Services', 'Notice', 'Started', 'Ended', 'Protected through'],
        old.map((i) => [i.id, serviceNames(i.services), i.notice, day(i.started_on), day(i.ended_on), day(i.protected_through)]),
        { 'data-testid': 'past-incidents' }));
  }

  main.append(
    h('h1', {}, 'Incidents'),
    h('p', { class: 'usa-intro' },
      'Declare an incident when an outage keeps residents from paying or renewing on time. While it is in effect, and through its grace period after it ends, late fees stop and due dates move for the services it affects, and every page shows its notice to the public. Every office follows it as soon as it holds it, also while cut off.'),
    messages,
    h('h2', {}, 'In effect now'),
    current,
    h('h2', {}, 'Declare an incident'),
    declareForm(messages, reload),
    h('h2', {}, 'Past incidents'),
    past,
  );
  void reload();
}

function incidentCard(i: Incident, messages: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const headingId = `incident-${i.id}-heading`;
  const body = h('div', { class: 'usa-card__body' },
    h('p', {}, h('strong', {}, 'Notice: '), i.notice),
    h('p', {}, h('strong', {}, 'Services: '), serviceNames(i.services)),
    h('p', { 'data-testid': 'incident-state' }, state(i)));
  if (i.active) {
    const id = `end-${i.id}`;
    const form = h('form', { class: 'usa-form', novalidate: true, 'aria-labelledby': headingId },
      field(id, 'Date it ended (optional)', { type: 'date' },
        `Leave empty for today. Late fees stay stopped for ${i.grace_days} more days after that.`),
      h('button', { class: 'usa-button usa-button--secondary', type: 'submit' }, 'End this incident'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const endedOn = value(form, id).trim();
      const button = form.querySelector('button') as HTMLButtonElement;
      button.disabled = true;
      try {
        const ended = await api<Incident>('POST', `/api/v1/incidents/${encodeURIComponent(i.id)}/end`,
          endedOn ? { ended_on: endedOn } : {}, { 'Idempotency-Key': crypto.randomUUID() });
        await reload();
        await showPublicNow(messages, 'Incident ended',
          `Incident ${ended.id} ended on ${day(ended.ended_on)}. Late fees stay stopped and due dates stay moved through ${day(ended.protected_through)}.`);
      } catch (err) {
        showError(messages, 'The incident was not ended', err);
        button.disabled = false;
      }
    });
    body.append(form);
  }
  return h('li', { class: 'usa-card tablet:grid-col-6', 'data-testid': `incident-${i.id}` },
    h('div', { class: 'usa-card__container' },
      h('div', { class: 'usa-card__header' }, h('h3', { class: 'usa-card__heading', id: headingId }, `Incident ${i.id}`)),
      body));
}

function declareForm(messages: HTMLElement, reload: () => Promise<void>): HTMLFormElement {
  const form = h('form', { class: 'usa-form usa-form--large', novalidate: true, 'data-testid': 'declare-incident' },
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-legend' }, 'Services affected'),
      ...SERVICES.map(([v, label, hint]) => checkbox(`service-${v}`, 'services', v, label, { description: hint }))),
    h('div', { class: 'usa-form-group' },
      h('label', { class: 'usa-label', for: 'notice' }, 'Notice for the public'),
      h('div', { class: 'usa-hint', id: 'notice-hint' }, 'Shown on every page while the incident is in effect. Say what is affected and what residents should do, e.g. “Online payments are down. No late fees until further notice.”'),
      h('textarea', { class: 'usa-textarea', id: 'notice', name: 'notice', rows: '3', maxlength: '2000', required: true, 'aria-describedby': 'notice-hint' })),
    field('started-on', 'Date it started (optional)', { type: 'date' }, 'Leave empty for today; give the date if the outage began earlier.'),
    field('grace-days', 'Grace days after it ends', { inputmode: 'numeric', value: '30', maxlength: '3' },
      'How many days late fees stay stopped after the incident ends, 0 to 365.'),
    h('button', { class: 'usa-button', type: 'submit' }, 'Declare incident'));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const services = checkedValues(form, 'services');
    const notice = (form.elements.namedItem('notice') as HTMLTextAreaElement).value.trim();
    const startedOn = value(form, 'started-on').trim();
    const graceText = value(form, 'grace-days').trim();
    const problems: string[] = [];
    if (services.length === 0) problems.push('Choose at least one service the incident affects.');
    if (!notice) problems.push('Write the notice the public will see.');
    if (startedOn && !/^\d{4}-\d{2}-\d{2}$/.test(startedOn)) problems.push('Enter the start date as a date, or leave it empty for today.');
    if (!/^\d{1,3}$/.test(graceText) || Number(graceText) > 365) problems.push('Enter the grace days as a whole number from 0 to 365.');
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the incident', problems.join(' ')));
      return;
    }
    const body: Record<string, unknown> = { services, notice, grace_days: Number(graceText) };
    if (startedOn) body.started_on = startedOn;
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      const made = await api<Incident>('POST', '/api/v1/incidents', body, { 'Idempotency-Key': crypto.randomUUID() });
      form.reset();
      await reload();
      await showPublicNow(messages, 'Incident declared',
        `Incident ${made.id} is in effect from ${day(made.started_on)} for ${serviceNames(made.services).toLowerCase()}.`);
    } catch (err) {
      showError(messages, 'The incident was not declared', err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
