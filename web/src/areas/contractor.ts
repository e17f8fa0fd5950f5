// The public portal for contractors: apply for a permit, pay its fees, book inspections, see results. The
// pages are for public users (a contractor's sign-in, linked to its business); they live in public/contractor/.
import { renderApply } from '../public/contractor/apply';
import { renderMyPermits } from '../public/contractor/my_permits';
import { renderContractorPermit } from '../public/contractor/permit';
import { param, type Area } from './area';

export const contractorArea: Area = {
  pages: [
    { path: /^\/contractor$/, roles: ['public'], render: (main, navigate) => renderMyPermits(main, navigate) },
    { path: /^\/contractor\/apply$/, roles: ['public'], render: (main, navigate) => renderApply(main, navigate) },
    {
      path: /^\/contractor\/permits\/([^/]+)$/,
      roles: ['public'],
      render: (main, navigate, m) => renderContractorPermit(main, navigate, param(m)),
    },
  ],
  staffNav: [],
};
