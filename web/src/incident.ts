// The incident banner every page shows while an incident is in effect (GET /api/v1/public/status).
import { api, type PublicStatus } from './api';
import { h } from './dom';

export async function showIncidentBanner(slot: HTMLElement): Promise<void> {
  let status: PublicStatus;
  try {
    status = await api<PublicStatus>('GET', '/api/v1/public/status');
  } catch {
    return; // the page still works without the banner
  }
  if (!status.incident_in_effect) {
    slot.replaceChildren();
    return;
  }
  const notices = status.incidents.map((i) => i.notice).filter((n): n is string => !!n);
  slot.replaceChildren(
    h(
      'div',
      { class: 'usa-alert usa-alert--warning usa-alert--slim margin-top-2', role: 'region', 'aria-label': 'Service notice', 'data-testid': 'incident-banner' },
      h(
        'div',
        { class: 'usa-alert__body' },
        ...(notices.length ? notices : ['City services are affected by an incident.']).map((n) =>
          h('p', { class: 'usa-alert__text' }, h('strong', {}, 'Service notice: '), n),
        ),
      ),
    ),
  );
}
