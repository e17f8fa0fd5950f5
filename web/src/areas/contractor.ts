// The public portal for contractors: apply for a permit, pay its fees, book inspections, see results.
import type { Area } from './area';

export const contractorArea: Area = { pages: [], staffNav: [] };
