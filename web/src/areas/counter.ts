// The animal-control counter: owners, pets, license renewals, tenders and change, receipts, drawers, voids and refunds with a supervisor's approval.
import type { Area } from './area';

export const counterArea: Area = { pages: [], staffNav: [] };
