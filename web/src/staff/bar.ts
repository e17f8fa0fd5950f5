// What staff see above every page: the status strip and the links of the console their roles open.
import type { User } from '../api';
import { hasRole, isStaff, type Area } from '../areas/area';
import { h } from '../dom';
import { hideStatusStrip, showStatusStrip } from './status_strip';

export function showStaffBar(slot: HTMLElement, user: User | null, areas: Area[], path: string): void {
  if (!isStaff(user)) {
    hideStatusStrip();
    slot.replaceChildren();
    return;
  }
  showStatusStrip(slot);
  const links = areas.flatMap((a) => a.staffNav ?? []).filter((l) => hasRole(user, l.roles));
  const nav = h('nav', { class: 'hf-staff-nav grid-container', 'aria-label': 'Staff console' },
    h('ul', { class: 'hf-nav__list' },
      h('li', {}, h('a', { class: 'usa-nav-link', href: '/staff', 'data-link': true,
        'aria-current': path === '/staff' ? 'page' : undefined }, 'Console')),
      ...links.map((l) => h('li', {}, h('a', { class: 'usa-nav-link', href: l.href, 'data-link': true,
        'aria-current': path === l.href || path.startsWith(`${l.href}/`) ? 'page' : undefined }, l.label)))));
  slot.querySelector('nav')?.remove();
  slot.append(nav);
}
