// The browser UI: a few pages drawn into <main>, routed by path (the server answers index.html for any path
// that is not a file), and speaking to the node only through its JSON API.
import '@uswds/uswds/css/uswds.min.css';
import '@uswds/uswds';
import './site.css';
import { showIncidentBanner } from './incident';
import { renderHome } from './pages/home';
import { renderPay } from './pages/pay';
import { renderPermitLookup } from './pages/permit_lookup';
import { renderReceiptCheck } from './pages/receipt_check';
import { renderSignIn } from './pages/sign_in';
import { currentUser } from './session';
import { h } from './dom';

export type Navigate = (path: string) => void;

const main = document.getElementById('main-content') as HTMLElement;
const incident = document.getElementById('incident') as HTMLElement;

async function render(): Promise<void> {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  void showIncidentBanner(incident);
  void updateNav();
  main.replaceChildren();
  if (path === '/') return renderHome(main, navigate);
  if (path === '/sign-in') return renderSignIn(main, navigate);
  if (path === '/pay') return renderPay(main, navigate, null);
  const m = /^\/pay\/([A-Za-z0-9-]+)$/.exec(path);
  if (m) return renderPay(main, navigate, m[1]);
  if (path === '/permits') return renderPermitLookup(main, navigate, null);
  const permit = /^\/permits\/([^/]+)$/.exec(path);
  if (permit) return renderPermitLookup(main, navigate, decodeURIComponent(permit[1]));
  if (path === '/receipts') return renderReceiptCheck(main, navigate, null);
  const receipt = /^\/receipts\/([^/]+)$/.exec(path);
  if (receipt) return renderReceiptCheck(main, navigate, decodeURIComponent(receipt[1]));
  document.title = 'Page not found | Springfield city services';
  main.append(
    h('h1', {}, 'Page not found'),
    h('p', { class: 'usa-intro' }, 'There is no page at this address.'),
    h('a', { href: '/', 'data-link': true, class: 'usa-link' }, 'Go to the home page'),
  );
}

async function updateNav(): Promise<void> {
  const item = document.getElementById('nav-session');
  if (!item) return;
  const user = await currentUser().catch(() => null);
  const link = item.querySelector('a');
  if (!link) return;
  if (user) {
    link.textContent = `Signed in as ${user.username ?? 'you'}`;
    link.setAttribute('href', '/pay');
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
void render();
