// A signed-in resident's or contractor's start page: what they can do with the city online.
import type { User } from '../api';
import type { Navigate } from '../areas/area';
import { h } from '../dom';
import { signOutButton } from '../session';
import { pageTitle } from '../site';

export function renderAccount(main: HTMLElement, navigate: Navigate, user: User | null): void {
  document.title = pageTitle('Your account');
  const link = (href: string, text: string) => h('li', {}, h('a', { class: 'usa-link', href, 'data-link': true }, text));
  main.append(
    h('h1', {}, 'Your account'),
    h('p', { class: 'usa-intro' }, `Signed in as ${user?.username ?? ''}.`),
    h('ul', { class: 'usa-list', 'data-testid': 'account-links' },
      link('/pay', 'Pay my water bill'),
      link('/pets', 'Renew a pet license'),
      link('/contractor', 'My permits and inspections'),
      link('/receipts', 'Check a receipt')),
    signOutButton(navigate),
  );
}
