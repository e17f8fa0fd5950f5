// Running the city's nodes: the staff home, users, nodes, sync and backup status, incidents, the conflicts
// queue, utility accounts at the counter.
import { renderStaffHome } from '../staff/home';
import { STAFF_ROLES, type Area } from './area';

export const adminArea: Area = {
  pages: [{ path: /^\/staff$/, roles: STAFF_ROLES, render: (main, navigate, _m, user) => renderStaffHome(main, navigate, user) }],
  staffNav: [],
};
