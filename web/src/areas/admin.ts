// Running the city's nodes: the staff home, users, nodes, sync and backup status, incidents, the conflicts
// queue, utility accounts at the counter.
import '../staff/admin/admin.css';
import { renderAdministration } from '../staff/admin/administration';
import { renderConflict, renderConflicts } from '../staff/admin/conflicts';
import { renderIncidents } from '../staff/admin/incidents';
import { renderUtilityAccount, renderUtilitySearch } from '../staff/admin/utilities';
import { renderStaffHome } from '../staff/home';
import { param, STAFF_ROLES, type Area } from './area';

const SUPERVISORS = ['admin', 'supervisor'] as const;
const COUNTER = ['admin', 'supervisor', 'clerk'] as const;
const OVERSEERS = ['admin', 'supervisor', 'auditor'] as const;

export const adminArea: Area = {
  pages: [
    { path: /^\/staff$/, roles: STAFF_ROLES, render: (main, navigate, _m, user) => renderStaffHome(main, navigate, user) },
    { path: /^\/staff\/incidents$/, roles: SUPERVISORS, render: (main) => renderIncidents(main) },
    { path: /^\/staff\/conflicts$/, roles: SUPERVISORS, render: (main, navigate) => renderConflicts(main, navigate) },
    { path: /^\/staff\/conflicts\/([^/]+)$/, roles: SUPERVISORS, render: (main, _n, m) => renderConflict(main, param(m)) },
    { path: /^\/staff\/utilities$/, roles: COUNTER, render: (main, navigate) => renderUtilitySearch(main, navigate) },
    { path: /^\/staff\/utilities\/([^/]+)$/, roles: COUNTER, render: (main, _n, m) => renderUtilityAccount(main, param(m)) },
    { path: /^\/staff\/admin$/, roles: OVERSEERS, render: (main, _n, _m, user) => renderAdministration(main, user) },
  ],
  staffNav: [
    { href: '/staff/utilities', label: 'Utility accounts', roles: COUNTER },
    { href: '/staff/incidents', label: 'Incidents', roles: SUPERVISORS },
    { href: '/staff/conflicts', label: 'Conflicts', roles: SUPERVISORS },
    { href: '/staff/admin', label: 'Administration', roles: OVERSEERS },
  ],
};
