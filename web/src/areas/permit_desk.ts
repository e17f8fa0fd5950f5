// The permit desk and the field: permit intake, fees and issuance, the inspection board, the inspector's day.
import type { Area } from './area';

export const permitDeskArea: Area = { pages: [], staffNav: [] };
