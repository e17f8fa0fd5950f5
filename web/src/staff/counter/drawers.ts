// The clerk's cash drawer (/staff/drawers): open one with its starting float (POST /api/v1/drawers); while it
// is open, its running totals (GET /api/v1/drawers/{id}/report) and the close: the cash counted by
// denomination, totalled as it is typed, sent as POST /api/v1/drawers/{id}/close, whose answer is the
// close-out report with the over/short. /staff/drawers/{id} shows any drawer's report. A supervisor or admin
// also sees the checks returned unpaid in the last 30 days (GET /api/v1/returned-checks), to offset against the
// deposits they were part of.
import { answered, api, dollars, parseDollars, type User } from '../../api';
import type { Navigate } from '../../areas/area';
import { alert, explain, field, h, showAlert, value } from '../../dom';
import { pageTitle } from '../../site';
import { refreshStatusStrip } from '../status_strip';
import { cell, headRow, moneyCell, myOpenDrawer } from './common';
import { DENOMINATIONS, overShortText, reportSection } from './report';
import type { Drawer, DrawerReport } from './types';

export async function renderDrawers(main: HTMLElement, _navigate: Navigate, user: User | null): Promise<void> {
  document.title = pageTitle('Cash drawer');
  const messages = h('div', { class: 'margin-bottom-2', 'data-testid': 'drawer-messages' });
  const body = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Looking for your drawer…'));
  main.append(h('h1', {}, 'Cash drawer'), messages, body);
  // Read beside the drawer, not before it.
  const returned = user?.roles.some((r) => r === 'supervisor' || r === 'admin') ? returnedChecks() : null;

  async function show(): Promise<void> {
    body.setAttribute('aria-busy', 'true');
    try {
      const drawer = await myOpenDrawer();
      body.replaceChildren(...(drawer ? await openDrawerView(drawer) : await noDrawerView()));
    } catch (e) {
      body.replaceChildren();
      showAlert(messages, alert('error', 'Your drawer could not be read', explain(e)));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  // No open drawer: the form to open one, and the last drawer this clerk closed.
  async function noDrawerView(): Promise<HTMLElement[]> {
    const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': 'open-drawer', 'aria-labelledby': 'open-heading' },
      h('h2', { id: 'open-heading' }, 'Open a drawer'),
      h('p', {}, `You (${user?.username ?? 'you'}) have no open drawer. Count the starting cash into it and type the amount.`),
      field('float', 'Starting float in dollars', { inputmode: 'decimal', required: true, autocomplete: 'off' }, 'For example 100.00'),
      h('button', { class: 'usa-button', type: 'submit' }, 'Open drawer'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const cents = parseDollars(value(form, 'float'));
      if (cents === null) {
        showAlert(messages, alert('error', 'Enter the starting float', 'Type the cash you put in the drawer, in dollars, such as 100.00 (0 for none).'));
        return;
      }
      const button = form.querySelector('button') as HTMLButtonElement;
      button.disabled = true;
      api<Drawer>('POST', '/api/v1/drawers', { float_cents: cents }, { 'Idempotency-Key': crypto.randomUUID() })
        .then(async (d) => {
          await show();
          showAlert(messages, alert('success', `Drawer ${d.id} is open`, `It starts with a float of ${dollars(d.float_cents)}.`));
          refreshStatusStrip();
        })
        .catch((err) => {
          button.disabled = false;
          showAlert(messages, alert('error', 'The drawer was not opened', explain(err)));
        });
    });
    const last = await api<{ items: Drawer[] }>('GET', '/api/v1/drawers?status=closed&clerk=me&limit=1').catch(() => ({ items: [] }));
    const previous = last.items[0];
    if (!previous) return [form];
    return [form, h('p', { class: 'margin-top-4' }, 'Your last drawer: ',
      h('a', { class: 'usa-link', href: `/staff/drawers/${encodeURIComponent(previous.id)}`, 'data-link': true },
        `${previous.id}, closed ${overShortText(previous.over_short_cents ?? 0).toLowerCase()}`))];
  }

  // An open drawer: its running totals and the count that closes it.
  async function openDrawerView(drawer: Drawer): Promise<HTMLElement[]> {
    const report = await api<DrawerReport>('GET', `/api/v1/drawers/${encodeURIComponent(drawer.id)}/report`);
    const count = countForm(drawer, (closed) => {
      body.replaceChildren(...closedView(closed));
      const over = closed.over_short_cents ?? 0;
      showAlert(messages, alert(over === 0 ? 'success' : 'warning', `Drawer ${drawer.id} is closed: ${overShortText(over).toLowerCase()}`,
        `Counted ${dollars(closed.counted_cash_cents ?? 0)} against ${dollars(closed.expected_cash_cents ?? 0)} expected; ` +
        `over/short ${dollars(over)}.`));
      refreshStatusStrip();
    }, (message) => showAlert(messages, message));
    return [
      h('p', { class: 'usa-intro', 'data-testid': 'open-drawer-id' }, `Drawer ${drawer.id} is open.`),
      reportSection(report, 'Running totals'),
      count,
    ];
  }

  // A closed drawer: the over/short in large type, the report, and the way to open the next one.
  function closedView(report: DrawerReport): HTMLElement[] {
    const over = report.over_short_cents ?? 0;
    const again = h('button', { class: 'usa-button usa-button--outline hf-no-print', type: 'button' }, 'Open a new drawer');
    again.addEventListener('click', () => {
      messages.replaceChildren();
      void show();
    });
    return [
      h('div', { class: 'usa-summary-box margin-bottom-4', role: 'region', 'aria-labelledby': 'over-short-heading' },
        h('div', { class: 'usa-summary-box__body' },
          h('h2', { class: 'usa-summary-box__heading', id: 'over-short-heading' }, 'Over/short'),
          h('p', { class: 'hf-counter-big hf-money', 'data-testid': 'over-short' }, dollars(over)),
          h('p', { 'data-testid': 'over-short-text' }, overShortText(over)))),
      reportSection(report, `Close-out report of drawer ${report.drawer.id}`),
      again,
    ];
  }

  await show();
  if (returned) main.append(await returned);
}

// The count grid: a count per denomination, each line's amount and the total worked out as they are typed;
// submitting closes the drawer. `closed` receives the close-out report; `fail` an error to show.
function countForm(drawer: Drawer, closed: (r: DrawerReport) => void, fail: (message: HTMLElement) => void): HTMLFormElement {
  const inputs: HTMLInputElement[] = [];
  const amounts: HTMLElement[] = [];
  const total = h('span', { class: 'hf-money', 'data-testid': 'counted-total' }, dollars(0));
  const rows = DENOMINATIONS.map((d) => {
    const id = `count-${d.cents}-${d.form}`;
    const input = h('input', { class: 'usa-input usa-input--sm', id, name: id, type: 'text', inputmode: 'numeric',
      autocomplete: 'off', 'data-denomination': String(d.cents), 'data-form': d.form, value: '' });
    const amount = h('td', { class: 'hf-money text-right' }, dollars(0));
    inputs.push(input);
    amounts.push(amount);
    return h('tr', {},
      h('th', { scope: 'row' }, h('label', { for: id }, d.name)),
      h('td', {}, input),
      amount);
  });
  // Bills beside coins on a wide screen, one under the other on a phone.
  const grid = (caption: string, form: 'bill' | 'coin') => h('table', { class: 'usa-table usa-table--borderless hf-counter-table hf-counter-grid' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Denomination'), h('th', { scope: 'col' }, 'Count'),
      h('th', { scope: 'col', class: 'text-right' }, 'Amount'))),
    h('tbody', {}, ...rows.filter((_, i) => DENOMINATIONS[i].form === form)));

  // The counts typed so far; null where a count is not a whole number.
  function counts(): ({ denomination_cents: number; form: 'bill' | 'coin'; count: number } | null)[] {
    return DENOMINATIONS.map((d, i) => {
      const text = inputs[i].value.trim();
      if (text === '') return { denomination_cents: d.cents, form: d.form, count: 0 };
      if (!/^\d{1,7}$/.test(text) || Number(text) > 1_000_000) return null;
      return { denomination_cents: d.cents, form: d.form, count: Number(text) };
    });
  }

  function update(): void {
    let sum = 0;
    counts().forEach((c, i) => {
      const bad = c === null;
      inputs[i].classList.toggle('usa-input--error', bad);
      if (bad) inputs[i].setAttribute('aria-invalid', 'true');
      else inputs[i].removeAttribute('aria-invalid');
      amounts[i].textContent = bad ? 'not a count' : dollars(c.count * c.denomination_cents);
      if (c) sum += c.count * c.denomination_cents;
    });
    total.textContent = dollars(sum);
  }

  const button = h('button', { class: 'usa-button', type: 'submit' }, 'Close the drawer');
  const form = h('form', { class: 'hf-counter-count-form margin-top-4', novalidate: true, 'data-testid': 'close-drawer',
    'aria-labelledby': 'close-heading' },
    h('h2', { id: 'close-heading' }, 'Count and close'),
    h('p', {}, 'Count the cash in the drawer, float included, and type how many of each bill and coin. Leave a line empty for none.'),
    h('div', { class: 'hf-counter-report-tables', 'data-testid': 'count-grid' },
      grid(`Bills in drawer ${drawer.id}`, 'bill'), grid(`Coins in drawer ${drawer.id}`, 'coin')),
    h('p', { class: 'font-sans-lg text-bold' }, 'Total counted: ', total),
    h('div', { 'aria-live': 'polite', class: 'usa-sr-only', 'data-testid': 'counted-total-announce' }),
    button);
  const announce = form.querySelector('[data-testid=counted-total-announce]') as HTMLElement;
  let announceTimer: number | undefined;
  form.addEventListener('input', () => {
    update();
    // Screen readers hear the total once typing pauses, not at every key.
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(() => (announce.textContent = `Total counted ${total.textContent}`), 700);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const all = counts();
    const badAt = all.findIndex((c) => c === null);
    if (badAt >= 0) {
      fail(alert('error', 'Check the count', `The count of ${DENOMINATIONS[badAt].name} is not a whole number from 0 to 1,000,000.`));
      return;
    }
    const counted = all.filter((c): c is NonNullable<typeof c> => c !== null && c.count > 0);
    button.disabled = true;
    api<DrawerReport>('POST', `/api/v1/drawers/${encodeURIComponent(drawer.id)}/close`, { counted },
      { 'Idempotency-Key': crypto.randomUUID() })
      .then(closed)
      .catch((err) => {
        button.disabled = false;
        fail(alert('error', 'The drawer was not closed', explain(err)));
      });
  });
  return form;
}

// One drawer's report, open or closed (/staff/drawers/{id}).
interface ReturnedCheck {
  receipt: string;
  returned_on: string;
  amount_cents: number;
  reason: string;
  reversed: boolean;
}

// The checks the bank returned unpaid in the last 30 days, each linked to its receipt.
async function returnedChecks(): Promise<HTMLElement> {
  const section = h('section', { class: 'margin-top-5', 'aria-labelledby': 'returned-heading', 'data-testid': 'returned-checks' },
    h('h2', { id: 'returned-heading' }, 'Checks returned unpaid, last 30 days'));
  try {
    const list = await api<{ items: ReturnedCheck[]; count: number; total_cents: number }>('GET', '/api/v1/returned-checks');
    if (list.count === 0) {
      section.append(h('p', {}, 'No check has come back unpaid in the last 30 days.'));
      return section;
    }
    section.append(h('table', { class: 'usa-table usa-table--borderless usa-table--stacked hf-counter-table' },
      h('caption', {}, `${list.count} ${list.count === 1 ? 'check' : 'checks'}, ${dollars(list.total_cents)}`),
      headRow('Receipt', 'Returned on', 'Reason', 'Taken back', 'Amount'),
      h('tbody', {}, ...list.items.map((c) => h('tr', {},
        h('th', { scope: 'row' }, h('a', { class: 'usa-link', href: `/staff/counter/receipts/${encodeURIComponent(c.receipt)}`, 'data-link': true }, c.receipt)),
        cell('Returned on', c.returned_on), cell('Reason', c.reason),
        cell('Taken back', c.reversed ? 'Yes' : 'No (a conflict was recorded)'),
        moneyCell('Amount', c.amount_cents))))));
  } catch (e) {
    section.append(alert('error', 'The returned checks could not be read', explain(e)));
  }
  return section;
}

export async function renderDrawerReport(main: HTMLElement, id: string): Promise<void> {
  document.title = pageTitle(`Drawer ${id}`);
  const body = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Reading the report…'));
  main.append(h('h1', {}, `Drawer ${id}`), body);
  try {
    const report = await api<DrawerReport>('GET', `/api/v1/drawers/${encodeURIComponent(id)}/report`);
    const over = report.over_short_cents;
    body.replaceChildren(
      over === null ? h('p', { class: 'usa-intro' }, 'This drawer is still open.')
        : h('p', { class: 'usa-intro', 'data-testid': 'over-short-text' }, `Closed ${overShortText(over).toLowerCase()} (over/short ${dollars(over)}).`),
      reportSection(report, 'Close-out report'),
      h('p', {}, h('a', { class: 'usa-link', href: '/staff/drawers', 'data-link': true }, 'Your cash drawer')));
  } catch (e) {
    body.replaceChildren();
    showAlert(body, alert('error', answered(e, 404) ? 'No such drawer' : 'The report could not be read',
      answered(e, 404) ? `There is no drawer ${id} at this office.` : explain(e)));
  } finally {
    body.setAttribute('aria-busy', 'false');
  }
}
