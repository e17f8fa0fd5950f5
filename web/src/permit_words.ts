// Permits and inspections in words, the same on the permit desk, in the field and on the contractor's portal:
// statuses, results, inspection types, booking windows and addresses.

export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  zip?: string;
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
