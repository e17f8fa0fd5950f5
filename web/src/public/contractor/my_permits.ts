// /contractor: the signed-in contractor's permits (GET /api/v1/permits, which answers a public user only the
// permits their business applied for or is the contractor of): number, type, address, status and the fees
// still due, and the way to apply for a new one.
import { api, dollars, needsSignIn } from '../../api';
import type { Navigate } from '../../areas/area';
import { alert, explain, h, scrollable, showAlert } from '../../dom';
import { addressText, PERMIT_STATUS, type Permit } from '../../permits';
import { pageTitle } from '../../site';

export async function renderMyPermits(main: HTMLElement, navigate: Navigate): Promise<void> {
  document.title = pageTitle('My permits');
  const body = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', {}, 'Loading your permits…'));
  main.append(
    h('h1', {}, 'My permits'),
    h('p', { class: 'usa-intro' }, 'Apply for permits, pay their fees, book inspections and see the results.'),
    h('a', { class: 'usa-button', href: '/contractor/apply', 'data-link': true, 'data-testid': 'apply-link' },
      'Apply for a permit'),
    body,
  );
  try {
    const list = await api<{ items: Permit[] }>('GET', '/api/v1/permits?limit=200');
    body.replaceChildren(permitTable(list.items));
  } catch (e) {
    if (needsSignIn(e)) {
      navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    showAlert(body, alert('error', 'Your permits could not be shown', explain(e)));
  } finally {
    body.setAttribute('aria-busy', 'false');
  }
}

function permitTable(items: Permit[]): HTMLElement {
  if (items.length === 0) {
    return h('p', { class: 'margin-top-3', 'data-testid': 'no-permits' },
      'You have no permits yet. Permits your business applies for, or is named the contractor of, are listed here.');
  }
  const table = h(
    'table',
    { class: 'usa-table usa-table--borderless', 'data-testid': 'my-permits' },
    h('caption', {}, 'Your permits, newest first'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Permit'),
      h('th', { scope: 'col' }, 'Type'),
      h('th', { scope: 'col' }, 'Address'),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col' }, 'Fees due'))),
    h('tbody', {}, ...items.map((p) =>
      h('tr', {},
        h('th', { scope: 'row' }, h('a', { class: 'usa-link', href: `/contractor/permits/${encodeURIComponent(p.number)}`,
          'data-link': true }, p.number)),
        h('td', {}, p.type_name),
        h('td', {}, addressText(p.address)),
        h('td', {}, PERMIT_STATUS[p.status] ?? p.status),
        h('td', { class: 'hf-money' }, dollars(p.due_cents))))),
  );
  const box = scrollable('Your permits', table);
  box.classList.add('margin-top-3');
  return box;
}
