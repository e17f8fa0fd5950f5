// The browser UI: pages drawn into <main>, routed by path (the server answers index.html for any path that is
// not a file), speaking to the node only through its JSON API. The pages come from the areas in areas/; a page
// that names roles is shown only to users holding one. Staff see the staff navigation and the node's status
// strip on every page.
import '@uswds/uswds/css/uswds.min.css';
import '@uswds/uswds';
import './site.css';
import type { User } from './api';
import { adminArea } from './areas/admin';
import { hasRole, isStaff, type Area } from './areas/area';
import { contractorArea } from './areas/contractor';
import { counterArea } from './areas/counter';
import { permitDeskArea } from './areas/permit_desk';
import { petsArea } from './areas/pets';
import { publicArea } from './areas/public';
import { h } from './dom';
import { showIncidentBanner } from './incident';
import { currentUser } from './session';
import { cityName, pageTitle } from './site';
import { showStaffBar } from './staff/bar';

export type { Navigate } from './areas/area';

const AREAS: Area[] = [publicArea, petsArea, contractorArea, counterArea, permitDeskArea, adminArea];

const main = document.getElementById('main-content') as HTMLElement;
const incident = document.getElementById('incident') as HTMLElement;
const staffBar = document.getElementById('staff-bar') as HTMLElement;

async function render(): Promise<void> {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  void showIncidentBanner(incident);
  const user = await currentUser().catch(() => null);
  updateNav(user);
  showStaffBar(staffBar, user, AREAS, path);
  main.replaceChildren();
  for (const area of AREAS) {
    for (const page of area.pages) {
      const match = page.path.exec(path);
      if (!match) continue;
      if (page.roles && !hasRole(user, page.roles)) return refuse(user, page.roles);
      return page.render(main, navigate, match, user);
    }
  }
  document.title = pageTitle('Page not found');
  main.append(
    h('h1', {}, 'Page not found'),
    h('p', { class: 'usa-intro' }, 'There is no page at this address.'),
    h('a', { href: '/', 'data-link': true, class: 'usa-link' }, 'Go to the home page'),
  );
}

// A page the user may not see: sign in first, or an explanation naming who may.
function refuse(user: User | null, roles: readonly string[]): void {
  if (!user) {
    navigate(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  document.title = pageTitle('Not allowed');
  main.append(
    h('h1', {}, 'Not allowed'),
    h('p', { class: 'usa-intro' },
      `This page is for ${roles.map((r) => r.replace('_', ' ')).join(', ')} accounts; you are signed in as ${user.username ?? 'someone else'}.`),
    h('a', { href: isStaff(user) ? '/staff' : '/', 'data-link': true, class: 'usa-link' }, 'Go back to your start page'),
  );
}

function updateNav(user: User | null): void {
  const link = document.querySelector('#nav-session a');
  if (!link) return;
  if (user) {
    link.textContent = `Signed in as ${user.username ?? 'you'}`;
    link.setAttribute('href', isStaff(user) ? '/staff' : '/account');
  } else {
    link.textContent = 'Sign in';
    link.setAttribute('href', '/sign-in');
  }
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  void render().then(() => main.focus());
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest('a[data-link]');
  if (!(a instanceof HTMLAnchorElement) || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});
window.addEventListener('popstate', () => void render());
void cityName().then(() => render());
