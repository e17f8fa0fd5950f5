// The animal-control counter: owners, pets, license renewals, tenders and change, receipts, drawers, voids and refunds with a supervisor's approval.
import { renderCounter } from '../staff/counter/counter';
import '../staff/counter/counter.css';
import { renderDrawerReport, renderDrawers } from '../staff/counter/drawers';
import { renderReceipt } from '../staff/counter/receipt';
import { param, type Area } from './area';

const COUNTER = ['admin', 'supervisor', 'clerk'] as const;

export const counterArea: Area = {
  pages: [
    { path: /^\/staff\/counter$/, roles: COUNTER, render: (main, navigate, _m, user) => renderCounter(main, navigate, user) },
    { path: /^\/staff\/counter\/receipts\/([^/]+)$/, roles: COUNTER,
      render: (main, navigate, m, user) => renderReceipt(main, navigate, param(m), user) },
    { path: /^\/staff\/drawers$/, roles: COUNTER, render: (main, navigate, _m, user) => renderDrawers(main, navigate, user) },
    // A drawer's report: auditors read reports too.
    { path: /^\/staff\/drawers\/([^/]+)$/, roles: [...COUNTER, 'auditor'], render: (main, _navigate, m) => renderDrawerReport(main, param(m)) },
  ],
  staffNav: [
    { href: '/staff/counter', label: 'Counter', roles: COUNTER },
    { href: '/staff/drawers', label: 'Cash drawer', roles: COUNTER },
  ],
};
