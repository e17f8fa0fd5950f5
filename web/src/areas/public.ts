// The public portal: pages anyone can use, and the resident's own water bill.
import { renderAccount } from '../pages/account';
import { renderHome } from '../pages/home';
import { renderPay } from '../pages/pay';
import { renderPermitLookup } from '../pages/permit_lookup';
import { renderReceiptCheck } from '../pages/receipt_check';
import { renderSignIn } from '../pages/sign_in';
import { param, type Area } from './area';

export const publicArea: Area = {
  pages: [
    { path: /^\/$/, render: (main, navigate) => renderHome(main, navigate) },
    { path: /^\/account$/, roles: ['public'], render: (main, navigate, _m, user) => renderAccount(main, navigate, user) },
    { path: /^\/sign-in$/, render: (main, navigate) => renderSignIn(main, navigate) },
    { path: /^\/pay$/, render: (main, navigate) => renderPay(main, navigate, null) },
    { path: /^\/pay\/([A-Za-z0-9-]+)$/, render: (main, navigate, m) => renderPay(main, navigate, m[1]) },
    { path: /^\/permits$/, render: (main, navigate) => renderPermitLookup(main, navigate, null) },
    { path: /^\/permits\/([^/]+)$/, render: (main, navigate, m) => renderPermitLookup(main, navigate, param(m)) },
    { path: /^\/receipts$/, render: (main, navigate) => renderReceiptCheck(main, navigate, null) },
    { path: /^\/receipts\/([^/]+)$/, render: (main, navigate, m) => renderReceiptCheck(main, navigate, param(m)) },
  ],
};
