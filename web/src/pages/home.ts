import { h } from '../dom';
import type { Navigate } from '../main';
import { siteName } from '../site';

export function renderHome(main: HTMLElement, _navigate: Navigate): void {
  document.title = siteName();
  main.append(
    h('h1', {}, siteName()),
    h('p', { class: 'usa-intro' }, 'Pay your water bill online and look up building permits, any time.'),
    h(
      'ul',
      { class: 'usa-list' },
      h('li', {}, h('a', { class: 'usa-link', href: '/pay', 'data-link': true }, 'Pay my water bill')),
      h('li', {}, h('a', { class: 'usa-link', href: '/permits', 'data-link': true }, 'Look up a permit')),
      h('li', {}, h('a', { class: 'usa-link', href: '/receipts', 'data-link': true }, 'Check a receipt')),
      h('li', {}, h('a', { class: 'usa-link', href: '/sign-in', 'data-link': true }, 'Sign in')),
    ),
  );
}
