// How a counter sale is paid: one or more tenders (cash with the amount handed over, a check or money order
// with its number, a card with the terminal's reference), and, worked out as they are typed, what is tendered,
// what is still due and the change to give. The node's rule (TakePayment, src/domain/cashier.h): the tenders
// must cover the total, and only cash gives change, so the other tenders together may not exceed the total.
import { dollars, parseDollars } from '../../api';
import { h } from '../../dom';
import { TENDER_NAMES, type Tender, type TenderKind } from './types';

const DETAIL: Partial<Record<TenderKind, { name: string; label: string; hint: string }>> = {
  check: { name: 'number', label: 'Check number', hint: 'As printed on the check' },
  money_order: { name: 'number', label: 'Money order number', hint: 'As printed on the money order' },
  card: { name: 'reference', label: 'Terminal reference', hint: 'From the card terminal’s slip; never the card number' },
};

interface Row {
  box: HTMLFieldSetElement;
  kind: HTMLSelectElement;
  amount: HTMLInputElement;
  detail: HTMLElement; // the number or reference field's group, empty for cash
}

export interface TendersWidget {
  element: HTMLElement;
  setTotal(cents: number | null): void; // null: nothing chosen yet
  // The tenders as the API takes them, or a list of what to correct.
  read(): { tenders: Tender[]; problems: string[] };
  tenderedCents(): number;
  changeCents(): number | null; // null while the tenders do not cover the total (or change is not from cash)
  reset(): void;
}

let serial = 0;

export function tendersWidget(): TendersWidget {
  const rows: Row[] = [];
  let total: number | null = null;
  const list = h('div', { 'data-testid': 'tenders' });
  const add = h('button', { class: 'usa-button usa-button--outline', type: 'button', 'data-testid': 'add-tender' }, 'Add another tender');
  const due = h('dd', { class: 'hf-money', 'data-testid': 'total-due' }, '—');
  const tendered = h('dd', { class: 'hf-money', 'data-testid': 'tendered' }, dollars(0));
  const balanceLabel = h('dt', {}, 'Change due');
  const balance = h('dd', { class: 'hf-money hf-counter-change', 'data-testid': 'change-live' }, '—');
  const note = h('p', { class: 'usa-hint', 'data-testid': 'tender-note' });
  const announce = h('p', { class: 'usa-sr-only', 'aria-live': 'polite', 'data-testid': 'tender-announce' });
  const summary = h('div', { class: 'hf-counter-tender-summary' },
    h('dl', { class: 'hf-record' }, h('dt', {}, 'Total due'), due, h('dt', {}, 'Tendered'), tendered, balanceLabel, balance),
    note, announce);

  function addRow(kind: TenderKind): void {
    const n = ++serial;
    const id = `tender-${n}`;
    const kindSelect = h('select', { class: 'usa-select', id: `${id}-kind`, name: `${id}-kind` },
      ...(Object.keys(TENDER_NAMES) as TenderKind[]).map((k) => h('option', { value: k, selected: k === kind }, TENDER_NAMES[k])));
    const amount = h('input', { class: 'usa-input usa-input--md', id: `${id}-amount`, name: `${id}-amount`, type: 'text',
      inputmode: 'decimal', autocomplete: 'off', 'aria-describedby': `${id}-amount-hint` });
    const amountLabel = h('label', { class: 'usa-label', for: `${id}-amount` });
    const detail = h('div');
    const remove = h('button', { class: 'usa-button usa-button--unstyled margin-top-1', type: 'button' }, 'Remove this tender');
    const legend = h('legend', { class: 'usa-legend' });
    const box = h('fieldset', { class: 'usa-fieldset hf-counter-tender', 'data-testid': 'tender' },
      legend,
      h('div', { class: 'usa-form-group' }, h('label', { class: 'usa-label', for: `${id}-kind` }, 'Kind'), kindSelect),
      h('div', { class: 'usa-form-group' }, amountLabel,
        h('div', { class: 'usa-hint', id: `${id}-amount-hint` }, 'In dollars, for example 60.00'), amount),
      detail,
      remove);
    const row: Row = { box, kind: kindSelect, amount, detail };
    const drawDetail = () => {
      const k = kindSelect.value as TenderKind;
      amountLabel.textContent = k === 'cash' ? 'Cash tendered' : 'Amount';
      const d = DETAIL[k];
      const keep = (detail.querySelector('input') as HTMLInputElement | null)?.value ?? '';
      detail.replaceChildren();
      if (!d) return;
      detail.append(h('div', { class: 'usa-form-group' },
        h('label', { class: 'usa-label', for: `${id}-${d.name}` }, d.label),
        h('div', { class: 'usa-hint', id: `${id}-${d.name}-hint` }, d.hint),
        h('input', { class: 'usa-input usa-input--lg', id: `${id}-${d.name}`, name: `${id}-${d.name}`, type: 'text',
          autocomplete: 'off', maxlength: d.name === 'number' ? '40' : '100', 'aria-describedby': `${id}-${d.name}-hint`, value: keep })));
    };
    kindSelect.addEventListener('change', () => {
      drawDetail();
      update();
    });
    remove.addEventListener('click', () => {
      const at = rows.indexOf(row);
      rows.splice(at, 1);
      box.remove();
      relabel();
      update();
      (rows[Math.max(0, at - 1)]?.amount ?? add).focus();
    });
    drawDetail();
    rows.push(row);
    list.append(box);
    relabel();
  }

  // Legends say "Tender 1", "Tender 2"; a lone tender cannot be removed.
  function relabel(): void {
    rows.forEach((r, i) => {
      (r.box.querySelector('legend') as HTMLElement).textContent = rows.length === 1 ? 'Tender' : `Tender ${i + 1}`;
      // USWDS buttons set their own display, which outranks the hidden attribute.
      (r.box.querySelector('button') as HTMLButtonElement).style.display = rows.length === 1 ? 'none' : '';
    });
  }

  function amounts(): (number | null)[] {
    return rows.map((r) => (r.amount.value.trim() === '' ? 0 : parseDollars(r.amount.value)));
  }

  function tenderedCents(): number {
    return amounts().reduce<number>((s, a) => s + (a ?? 0), 0);
  }

  function nonCashCents(): number {
    return rows.reduce((s, r, i) => s + (r.kind.value === 'cash' ? 0 : amounts()[i] ?? 0), 0);
  }

  function changeCents(): number | null {
    if (total === null) return null;
    const paid = tenderedCents();
    if (paid < total || nonCashCents() > total) return null;
    return paid - total;
  }

  let announceTimer: number | undefined;
  function update(): void {
    due.textContent = total === null ? '—' : dollars(total);
    const paid = tenderedCents();
    tendered.textContent = dollars(paid);
    const bad = amounts().some((a) => a === null);
    note.textContent = bad ? 'An amount is not in dollars and cents; it is left out of the tendered total.' : '';
    balance.classList.remove('hf-counter-short');
    if (total === null) {
      balanceLabel.textContent = 'Change due';
      balance.textContent = '—';
    } else if (paid < total) {
      balanceLabel.textContent = 'Still due';
      balance.textContent = dollars(total - paid);
      balance.classList.add('hf-counter-short');
    } else if (nonCashCents() > total) {
      balanceLabel.textContent = 'Change due';
      balance.textContent = '—';
      note.textContent = 'Only cash gives change: the check, card and money order tenders come to more than the total.';
    } else {
      balanceLabel.textContent = 'Change due';
      balance.textContent = dollars(paid - total);
    }
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(() => {
      announce.textContent = total === null ? '' : `${balanceLabel.textContent} ${balance.textContent}`;
    }, 700);
  }

  list.addEventListener('input', update);
  add.addEventListener('click', () => {
    addRow(total !== null && tenderedCents() < total ? 'check' : 'cash');
    rows[rows.length - 1].kind.focus();
    update();
  });
  addRow('cash');

  return {
    element: h('div', {}, list, add, summary),
    setTotal(cents) {
      total = cents;
      update();
    },
    read() {
      const problems: string[] = [];
      const tenders: Tender[] = [];
      rows.forEach((r, i) => {
        const what = rows.length === 1 ? 'the tender' : `tender ${i + 1}`;
        const kind = r.kind.value as TenderKind;
        const cents = parseDollars(r.amount.value);
        if (cents === null || cents <= 0) {
          problems.push(`Enter the amount of ${what} in dollars, such as 60.00.`);
          return;
        }
        const t: Tender = { kind, amount_cents: cents };
        const d = DETAIL[kind];
        if (d) {
          const text = (r.detail.querySelector('input') as HTMLInputElement).value.trim();
          if (!text) problems.push(`Enter the ${d.label.toLowerCase()} of ${what}.`);
          if (d.name === 'number') t.number = text;
          else t.reference = text;
        }
        tenders.push(t);
      });
      return { tenders, problems };
    },
    tenderedCents,
    changeCents,
    reset() {
      rows.splice(0).forEach((r) => r.box.remove());
      addRow('cash');
      update();
    },
  };
}
