// What the contractor's pages read from the API (GET /api/v1/permits…, the permit types, the inspections
// and the windows open for booking), and the words the pages use for statuses.
import { ApiError } from '../../api';

export interface FeeLine {
  code: string;
  description: string;
  amount_cents: number;
}

export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  zip?: string;
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

export const STATUS_WORDS: Record<string, string> = {
  applied: 'Applied: fees due',
  in_review: 'Paid: being reviewed',
  issued: 'Issued',
  inspections: 'Issued: inspections under way',
  finaled: 'Finaled (work complete)',
  cancelled: 'Cancelled',
  voided: 'Void',
  expired: 'Expired',
};

export const RESULT_WORDS: Record<string, string> = {
  pass: 'Passed',
  fail: 'Failed',
  partial: 'Partly passed',
  cancelled: 'Cancelled by the inspector',
  no_access: 'No access to the site',
};

export const INSPECTION_STATUS_WORDS: Record<string, string> = {
  scheduled: 'Booked',
  needs_reschedule: 'Needs a new time',
  cancelled: 'Cancelled',
  completed: 'Inspected',
};

// "rough_electrical" -> "Rough electrical".
export function inspectionName(type: string): string {
  const words = type.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// "AM" -> "morning", "PM" -> "afternoon".
export function windowName(window: string): string {
  return window === 'AM' ? 'morning' : window === 'PM' ? 'afternoon' : window;
}

// "2026-11-30" -> "Monday, November 30, 2026" (the date as written, whatever the browser's time zone).
export function longDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', {
    weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC',
  });
}

export function oneLine(a: Address | undefined): string {
  if (!a) return '';
  return [a.line1, a.line2, [a.city, a.state].filter(Boolean).join(', '), a.zip].filter(Boolean).join(' ');
}

// A sign-in that ended (401) or must change its password first: the page sends the user to sign in.
export function needsSignIn(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 401 || (e.status === 403 && e.kind === 'password-change-required'));
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// A wide table in a box that scrolls sideways on a phone; the box takes keyboard focus (so the keyboard can
// scroll it) and is named for screen readers.
export function scrollBox(table: HTMLElement, label: string, extraClass = ''): HTMLElement {
  const box = document.createElement('div');
  box.className = `hf-table-scroll${extraClass ? ` ${extraClass}` : ''}`;
  box.setAttribute('tabindex', '0');
  box.setAttribute('role', 'region');
  box.setAttribute('aria-label', label);
  box.append(table);
  return box;
}
