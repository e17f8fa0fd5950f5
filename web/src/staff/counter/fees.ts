// What a renewal costs, as the node quotes it (GET /api/v1/licenses/{number}/renewal?term_years=&senior_owner=):
// worked out by the rule the node charges by when it records the sale (QuoteRenewal in src/domain/licenses.cc),
// so the page shows what the sale will charge, with an incident's waived late fee, or the refusal the sale
// would get (a lapsed rabies vaccination, a renewal too early).
import { api } from '../../api';
import { explain } from '../../dom';
import type { FeeItem, ReceiptItem } from './types';

export interface RenewalFees {
  lines: ReceiptItem[];
  problem?: string; // why the node would refuse this renewal
}

export async function renewalFees(licenseNumber: string, termYears: number, senior: boolean): Promise<RenewalFees> {
  const path = `/api/v1/licenses/${encodeURIComponent(licenseNumber)}/renewal?term_years=${termYears}&senior_owner=${senior}`;
  try {
    const quote = await api<{ fees: FeeItem[] }>('GET', path);
    return { lines: quote.fees.map((f) => ({ ...f, ref: licenseNumber })) };
  } catch (e) {
    return { lines: [], problem: explain(e) };
  }
}

export function sum(lines: { amount_cents: number }[]): number {
  return lines.reduce((total, l) => total + l.amount_cents, 0);
}
