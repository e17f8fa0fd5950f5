// Permits and inspections as the node answers them (src/domain/permits.h, inspections.h) and in words, the
// same on the permit desk, in the field and on the contractor's portal: statuses, results, inspection types,
// booking windows and addresses.

export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  zip?: string;
}

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

export const PERMIT_STATUS: Record<string, string> = {
  applied: 'Applied: fees due',
  in_review: 'Paid: in review',
  issued: 'Issued',
  inspections: 'Issued: inspections under way',
  finaled: 'Finaled (work complete)',
  cancelled: 'Cancelled',
  voided: 'Void',
  expired: 'Expired',
};

export const INSPECTION_STATUS: Record<string, string> = {
  scheduled: 'Booked',
  needs_reschedule: 'Needs a new time',
  cancelled: 'Cancelled',
  completed: 'Inspected',
};

export const RESULT: Record<string, string> = {
  pass: 'Passed',
  fail: 'Failed',
  partial: 'Partly passed',
  cancelled: 'Cancelled by the inspector',
  no_access: 'No access to the site',
};

// "rough_electrical" -> "Rough electrical".
export function inspectionName(code: string): string {
  const t = code.replace(/_/g, ' ');
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

// "AM" -> "Morning", "PM" -> "Afternoon".
export function windowName(w?: string): string {
  return w === 'PM' ? 'Afternoon' : w === 'AM' ? 'Morning' : w ?? '';
}

// "12 Elm Street, Springfield, IL 62701".
export function addressText(a?: Address): string {
  if (!a) return '';
  const cityState = [a.city, a.state].filter(Boolean).join(', ');
  return [a.line1, a.line2, [cityState, a.zip].filter(Boolean).join(' ')].filter(Boolean).join(', ');
}
