// The public portal for pet owners: renew a pet's license online.
import type { Area } from './area';

export const petsArea: Area = { pages: [], staffNav: [] };
