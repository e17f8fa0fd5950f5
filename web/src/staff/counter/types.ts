// The JSON the counter and drawer pages read, as the node answers it (src/domain/cashier.h, licenses.h, pets.h,
// fees.h, parties.h; the OpenAPI document at /api/v1/openapi.json). Money is integer cents everywhere.
import type { License } from '../../api';

export interface FeeItem {
  code: string;
  description: string;
  amount_cents: number;
}

export interface FeeSchedule {
  id: string;
  effective_from: string;
  licenses: (FeeItem & { species: string; altered: boolean; term_years: number })[];
  senior_discount_percent?: number;
  service_animals_exempt?: boolean;
  late_fee: FeeItem;
  replacement_tag: FeeItem;
  transfer: FeeItem;
  renewal_window_days?: number;
}

export type TenderKind = 'cash' | 'check' | 'card' | 'money_order';

export interface Tender {
  kind: TenderKind;
  amount_cents: number;
  number?: string; // check, money order
  reference?: string; // card: the terminal's reference
}

export interface ReceiptItem extends FeeItem {
  ref?: string;
}

export interface Refund {
  id: string;
  receipt: string;
  drawer_id: string;
  amount_cents: number;
  tender_kind: TenderKind;
  reason: string;
  approved_by: string;
  clerk: string;
  refunded_at: number;
}

export interface Receipt {
  receipt: string;
  drawer_id: string;
  payer_party_id: string;
  clerk: string;
  items: ReceiptItem[];
  total_cents: number;
  tenders: Tender[];
  change_cents: number;
  status: 'paid' | 'partly-refunded' | 'refunded' | 'voided' | 'check-returned';
  refunded_cents: number;
  refundable_cents: number;
  refunds: Refund[];
  void: { reason: string; approved_by: string; voided_by: string; voided_at: number } | null;
  returned_check: { reason: string; returned_by: string; returned_at: number; returned_on: string; reversed: boolean; not_reversed?: string } | null;
  taken_at: number; // Unix ms
  event_hash: string;
}

export interface Sale {
  receipt: Receipt;
  licenses: License[];
}

export interface Drawer {
  id: string;
  node: string;
  clerk: string;
  float_cents: number;
  opened_on: string;
  opened_at: number;
  status: 'open' | 'closed';
  closed_at: number | null;
  closed_by?: string;
  expected_cash_cents: number | null;
  counted_cash_cents: number | null;
  over_short_cents: number | null;
}

export interface CountTotal {
  count: number;
  total_cents: number;
}

export interface DrawerReport {
  drawer: Drawer;
  float_cents: number;
  receipts: CountTotal;
  voids: CountTotal;
  refunds: CountTotal;
  net_cents: number;
  by_tender: { kind: TenderKind; count: number; received_cents: number; refund_count: number; refunded_cents: number; net_cents: number }[];
  by_fee_code: { code: string; count: number; amount_cents: number }[];
  cash: { float_cents: number; tendered_cents: number; change_cents: number; refunded_cents: number; expected_cents: number };
  expected_cash_cents: number | null;
  counted_cash_cents: number | null;
  over_short_cents: number | null;
  counted: { denomination_cents: number; form: 'bill' | 'coin'; count: number; amount_cents: number }[];
}

export const TENDER_NAMES: Record<TenderKind, string> = {
  cash: 'Cash',
  check: 'Check',
  card: 'Card',
  money_order: 'Money order',
};
