// What the contractor's pages read from the API (GET /api/v1/permits…, the permit types, the inspections
import type { FeeLine, Permit } from '../../permits';
// and the windows open for booking), and the words the pages use for statuses.

export interface OpenWindow {
  day: string;
  window: string; // AM or PM
  open: number;
}

export interface FeeQuote {
  fees: FeeLine[];
  fees_total_cents: number;
}

export interface PermitPayment {
  payment: { id: string; status: string; reference?: string; card_last4?: string };
  permit: Permit;
}
