// The staff console's start page: what the signed-in user's roles let them do, as links.
import type { User } from '../api';
import { hasRole, type Navigate } from '../areas/area';
import { h } from '../dom';
import { signOutButton } from '../session';
import { pageTitle } from '../site';

interface Task {
  href: string;
  title: string;
  text: string;
  roles: string[];
}

// Every console page a role opens, in the order a counter uses them.
const TASKS: Task[] = [
  { href: '/staff/counter', title: 'Counter', text: 'Find an owner, renew pet licenses, take payment and print the receipt.', roles: ['admin', 'supervisor', 'clerk'] },
  { href: '/staff/drawers', title: 'Cash drawer', text: 'Open a drawer with its float; count and close it at the end of the day.', roles: ['admin', 'supervisor', 'clerk'] },
  { href: '/staff/utilities', title: 'Utility accounts', text: 'Look up a water account and take a payment.', roles: ['admin', 'supervisor', 'clerk'] },
  { href: '/staff/permits', title: 'Permit desk', text: 'Take applications, collect fees and issue permits.', roles: ['admin', 'supervisor', 'clerk', 'permit_tech'] },
  { href: '/staff/inspections', title: 'Inspection board', text: 'Every booked inspection by day and inspector.', roles: ['admin', 'supervisor', 'permit_tech', 'inspector'] },
  { href: '/staff/my-day', title: 'My day', text: 'An inspector’s stops for the day, in order, and their results.', roles: ['inspector'] },
  { href: '/staff/incidents', title: 'Incidents', text: 'Declare an incident that moves due dates and stops late fees; end it.', roles: ['admin', 'supervisor'] },
  { href: '/staff/conflicts', title: 'Conflicts', text: 'Decisions offices made apart that cannot both stand.', roles: ['admin', 'supervisor'] },
  { href: '/staff/admin', title: 'Administration', text: 'Users, nodes, sync and backups.', roles: ['admin', 'supervisor', 'auditor'] },
];

export function renderStaffHome(main: HTMLElement, navigate: Navigate, user: User | null): void {
  document.title = pageTitle('Staff console');
  const tasks = TASKS.filter((t) => hasRole(user, t.roles));
  main.append(
    h('h1', {}, 'Staff console'),
    h('p', { class: 'usa-intro' }, `Signed in as ${user?.username ?? ''} (${(user?.roles ?? []).join(', ').replace(/_/g, ' ')}).`),
    h('ul', { class: 'usa-card-group', 'data-testid': 'staff-tasks' }, ...tasks.map((t) =>
      h('li', { class: 'usa-card tablet:grid-col-4' },
        h('div', { class: 'usa-card__container' },
          h('div', { class: 'usa-card__header' }, h('h2', { class: 'usa-card__heading' },
            h('a', { class: 'usa-link', href: t.href, 'data-link': true }, t.title))),
          h('div', { class: 'usa-card__body' }, h('p', {}, t.text)))))),
    signOutButton(navigate),
  );
}
