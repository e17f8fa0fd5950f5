// What a renewal costs, worked out in the browser from the fee schedule in effect today
// (GET /api/v1/fee-schedules/current) by the node's own rule (LicenseFees in src/domain/fees.cc): the license
// fee for the species, altered or not, and term; then a service-animal exemption or a senior discount as a
// negative line; then the late fee when the license has expired. The node works the fees out again when it
// records the sale and charges its own figures (an incident can waive a late fee), so the page says that this
// is what the node will charge as far as the schedule shows, and the receipt is the final word.
import type { License, Pet } from '../../api';
import type { FeeSchedule, ReceiptItem } from './types';

export interface RenewalFees {
  lines: ReceiptItem[];
  problem?: string; // the schedule has no fee for this animal and term
}

export function renewalFees(schedule: FeeSchedule, pet: Pet, license: License, termYears: number, senior: boolean,
  today: string): RenewalFees {
  const fee = schedule.licenses.find((l) => l.species === pet.species && l.altered === pet.altered && l.term_years === termYears);
  if (!fee) {
    return {
      lines: [],
      problem: `The fee schedule in effect (${schedule.effective_from}) has no ${termYears}-year license for ` +
        `${pet.altered ? 'altered' : 'unaltered'} ${pet.species}s.`,
    };
  }
  const ref = license.number;
  const lines: ReceiptItem[] = [{ code: fee.code, description: fee.description, amount_cents: fee.amount_cents, ref }];
  const percent = schedule.senior_discount_percent ?? 0;
  if (pet.service_animal && schedule.service_animals_exempt) {
    lines.push({ code: 'SVC-EXEMPT', description: 'Service animal exemption', amount_cents: -fee.amount_cents, ref });
  } else if (senior && percent > 0) {
    const off = Math.floor((fee.amount_cents * percent) / 100);
    if (off > 0) lines.push({ code: 'SENIOR', description: `Senior owner discount (${percent}%)`, amount_cents: -off, ref });
  }
  if (license.expires_on < today) {
    lines.push({ code: schedule.late_fee.code, description: schedule.late_fee.description,
      amount_cents: schedule.late_fee.amount_cents, ref });
  }
  return { lines };
}

export function sum(lines: { amount_cents: number }[]): number {
  return lines.reduce((total, l) => total + l.amount_cents, 0);
}
