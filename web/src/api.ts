// The JSON API, called with the session cookie of this origin. Errors are problem+json (RFC 9457):
// {type, title, status, detail, field?, ...}; every failure reaches callers as an ApiError.

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
  decline_code?: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly retryAfter: string | null = null,
  ) {
    // The node's details start in lower case ("the card was declined. …"); shown alone they start a sentence.
    const text = problem.detail || problem.title || `the server answered ${status}`;
    super(text.charAt(0).toUpperCase() + text.slice(1));
  }
  // The last segment of the problem's type, e.g. "password-change-required".
  get kind(): string {
    const t = this.problem.type ?? '';
    return t.slice(t.lastIndexOf('/') + 1);
  }
}

// Whether `e` is the node answering `status` (404: there is no such thing).
export function answered(e: unknown, status: number): boolean {
  return e instanceof ApiError && e.status === status;
}

// A sign-in that ended (401) or must change its password first: the page sends the user to sign in.
export function needsSignIn(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 401 || (e.status === 403 && e.kind === 'password-change-required'));
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, { title: 'No connection', detail: 'The city’s server could not be reached. Check your connection and try again.' });
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const problem: Problem =
      parsed && typeof parsed === 'object' ? (parsed as Problem) : { title: res.statusText, detail: text.slice(0, 200) };
    throw new ApiError(res.status, problem, res.headers.get('Retry-After'));
  }
  return parsed as T;
}

export interface PublicStatus {
  city?: string;
  date: string;
  incident_in_effect: boolean;
  incidents: { notice?: string; services?: string[] }[];
}

export interface Party {
  id: string;
  kind: 'person' | 'business';
  name: string;
  email?: string;
  phone?: string;
  address?: { line1?: string; line2?: string; city?: string; state?: string; postal_code?: string };
}

export interface Pet {
  id: string;
  owner_party_id: string;
  species: string; // dog | cat | ferret
  name: string;
  breed?: string;
  sex?: string;
  altered: boolean;
  service_animal?: boolean;
  rabies: { certificate?: string; veterinarian?: string; given_on?: string; expires_on?: string } | null;
}

export interface License {
  number: string;
  pet_id: string;
  owner_party_id: string;
  species: string;
  tag: number;
  term_years: number;
  issued_on: string;
  starts_on: string;
  expires_on: string;
  status: 'active' | 'voided';
  state: 'active' | 'expired' | 'voided';
  renewals: number;
}

export interface User {
  id?: string;
  username?: string;
  roles: string[];
  party_id?: string; // a public user: the party they are
}

export interface AccountSummary {
  number: string;
  customer_name?: string;
  service_line1?: string;
  balance_cents: number;
  status?: string;
}

export interface LedgerRow {
  id: string;
  kind: string;
  amount_cents: number;
  period?: string;
  due_on?: string;
  on?: string;
  reference?: string;
  note?: string;
}

export interface Account extends AccountSummary {
  past_due_cents: number;
  service_address?: { line1?: string; city?: string };
  ledger: LedgerRow[];
}

export interface PaymentResult {
  payment: { id: string; status: string; reference?: string; card_last4?: string };
  account: { balance_cents: number; past_due_cents?: number };
}

// Cents as dollars: 12345 -> "$123.45", -500 -> "-$5.00".
export function dollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${whole}.${String(abs % 100).padStart(2, '0')}`;
}

// "12.34", "$1,234.5", "7" -> cents; null when it is not an amount of money.
export function parseDollars(text: string): number | null {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
  const [whole, frac = ''] = t.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}
