// What the contractor's pages read from the API (GET /api/v1/permits…, the permit types, the inspections
// and the windows open for booking), and the words the pages use for statuses.
import type { Address } from '../../permit_words';

export interface FeeLine {
  code: string;
  description: string;
  amount_cents: number;
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
  address?: Address;
  applicant_party_id?: string;
  contractor_party_id?: string;
  applied_on?: string;
  issued_on?: string | null;
  expires_on?: string | null;
  finaled_on?: string | null;
  fees: FeeLine[];
  fees_total_cents: number;
  paid_cents: number;
  due_cents: number;
  inspections: { type: string; final: boolean; passed_on: string | null }[];
}

export interface Inspection {
  id: string;
  permit: string;
  type: string;
  attempt: number;
  status: string; // scheduled, needs_reschedule, cancelled, completed
  result: string | null;
  day: string;
  window: string;
  inspector_name?: string;
  comments?: string;
  corrections?: string[];
  inspected_on?: string | null;
}

export interface OpenWindow {
  day: string;
  window: string; // AM or PM
  open: number;
}

export interface PermitType {
  code: string;
  name: string;
  contractor_trade?: string;
}

export interface FeeQuote {
  fees: FeeLine[];
  fees_total_cents: number;
}

export interface PermitPayment {
  payment: { id: string; status: string; reference?: string; card_last4?: string };
  permit: Permit;
}
