// The permit desk and the field: permit intake, fees and issuance, the inspection board, the inspector's day.
import { renderBoard } from '../staff/permits/board';
import { renderIntake, renderPermitDesk } from '../staff/permits/desk';
import { renderMyDay } from '../staff/permits/my_day';
import { renderPermit } from '../staff/permits/permit';
import '../staff/permits/permits.css';
import { param, type Area } from './area';

const DESK = ['admin', 'supervisor', 'clerk', 'permit_tech'];
const BOARD = ['admin', 'supervisor', 'permit_tech', 'inspector'];
const FIELD = ['inspector'];

export const permitDeskArea: Area = {
  pages: [
    { path: /^\/staff\/permits$/, roles: DESK, render: (main, navigate) => renderPermitDesk(main, navigate) },
    { path: /^\/staff\/permits\/new$/, roles: DESK, render: (main, navigate, _m, user) => renderIntake(main, navigate, user) },
    { path: /^\/staff\/permits\/([^/]+)$/, roles: [...DESK, 'inspector'],
      render: (main, navigate, m, user) => renderPermit(main, navigate, param(m), user) },
    { path: /^\/staff\/inspections$/, roles: BOARD, render: (main, navigate) => renderBoard(main, navigate) },
    { path: /^\/staff\/my-day$/, roles: FIELD, render: (main, navigate, _m, user) => renderMyDay(main, navigate, user) },
  ],
  staffNav: [
    { href: '/staff/permits', label: 'Permit desk', roles: DESK },
    { href: '/staff/inspections', label: 'Inspections', roles: BOARD },
    { href: '/staff/my-day', label: 'My day', roles: FIELD },
  ],
};
