// Dates and times as people read them. Dates from the node are the city's calendar days ("2026-11-24"), shown
// as such whatever the browser's zone; instants are Unix milliseconds.
import { api, type PublicStatus } from './api';

function parts(iso: string): [number, number, number] | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return null;
  const [y, m, d] = iso.split('-').map(Number);
  return [y, m, d];
}

function calendar(iso: string | null | undefined, options: Intl.DateTimeFormatOptions): string {
  const p = iso ? parts(iso) : null;
  if (!p) return iso ?? '';
  return new Date(Date.UTC(p[0], p[1] - 1, p[2])).toLocaleDateString('en-US', { ...options, timeZone: 'UTC' });
}

// "2026-11-24" -> "Tuesday, November 24, 2026".
export function dayText(iso: string | null | undefined): string {
  return calendar(iso, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

// "2026-11-24" -> "Nov 24, 2026".
export function day(iso: string | null | undefined): string {
  return calendar(iso, { month: 'short', day: 'numeric', year: 'numeric' });
}

// Unix ms as "Nov 24, 2026, 14:05"; 0 or absent as `never`.
export function moment(ms: number | null | undefined, never = 'never'): string {
  if (!ms) return never;
  return new Date(ms).toLocaleString('en-US',
    { month: 'short', day: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

// Unix ms as "14:05", or "Nov 3, 14:05" when not today.
export function when(ms: number): string {
  const d = new Date(ms);
  const time = d.toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit', hour12: false });
  return d.toDateString() === new Date().toDateString()
    ? time
    : `${d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })}, ${time}`;
}

// The browser's own calendar day of `d`, as "YYYY-MM-DD".
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function addDays(iso: string, n: number): string {
  const p = parts(iso);
  if (!p) return iso;
  const t = new Date(Date.UTC(p[0], p[1] - 1, p[2] + n));
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

// `text` when it is a real day "YYYY-MM-DD", else null.
export function validDay(text: string | null): string | null {
  if (!text || !parts(text)) return null;
  return Number.isNaN(Date.parse(`${text}T00:00:00Z`)) ? null : text;
}

// The city's date today, as the node says; the browser's own date when the node does not answer.
export async function cityToday(): Promise<string> {
  try {
    return (await api<PublicStatus>('GET', '/api/v1/public/status')).date;
  } catch {
    return isoDate(new Date());
  }
}
