// The shapes the permit desk reads and writes, as the node's OpenAPI document gives them
import type { PermitType } from '../../permits';
// (GET /api/v1/openapi.json: the "permits", "inspections", "parties" and "cashiering" tags).

export interface Catalog {
  id: string;
  effective_from: string;
  expiry_days?: number;
  types: PermitType[];
}

export interface Contractor {
  party_id: string;
  name?: string;
  license_number?: string;
  trade?: string;
  license_expires_on?: string;
  insurance_expires_on?: string;
}

export interface InspectionSettings {
  inspectors?: { id: string; name: string; areas?: string[] }[];
  am?: string;
  pm?: string;
}

export interface Items<T> {
  items: T[];
}
