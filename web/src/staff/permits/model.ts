// The shapes the permit desk reads and writes, as the node's OpenAPI document gives them
// (GET /api/v1/openapi.json: the "permits", "inspections", "parties" and "cashiering" tags).
import type { Address } from '../../permit_words';

export interface FeeLine {
  code: string;
  description: string;
  amount_cents: number;
  ref?: string;
}

export interface PermitStep {
  type: string;
  final?: boolean;
  passed_on?: string | null;
}

export interface Permit {
  number: string;
  type_code: string;
  type_name: string;
  status: string;
  held?: boolean;
  hold_reason?: string;
  work_class?: string;
  description?: string;
  valuation_cents?: number;
  square_feet?: number;
  address?: Address;
  parcel_pin?: string;
  applicant_party_id?: string;
  contractor_party_id?: string;
  applied_on?: string;
  issued_on?: string | null;
  finaled_on?: string | null;
  expires_on?: string | null;
  closed_on?: string | null;
  close_reason?: string;
  fees: FeeLine[];
  fees_total_cents: number;
  paid_cents: number;
  due_cents: number;
  receipts?: string[];
  inspections?: PermitStep[];
  reinspection_cents?: number;
}

export interface PermitType {
  code: string;
  name: string;
  contractor_trade?: string;
  inspections: string[];
}

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

export interface Inspection {
  id: string;
  permit: string;
  type: string;
  attempt?: number;
  status: string; // scheduled, needs_reschedule, cancelled, completed
  result?: string | null; // pass, fail, partial, cancelled, no_access
  day?: string;
  window?: string; // AM, PM
  inspector?: string;
  area?: string;
  comments?: string;
  corrections?: string[];
  inspected_on?: string | null;
  reinspection_fee_cents?: number;
  address?: { line1?: string; city?: string; zip?: string };
  stop?: number;
  fee_added_cents?: number;
  permit_status?: string;
}

export interface InspectionSettings {
  inspectors?: { id: string; name: string; areas?: string[] }[];
  am?: string;
  pm?: string;
}

export interface Items<T> {
  items: T[];
}
