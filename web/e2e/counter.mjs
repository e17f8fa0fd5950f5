#!/usr/bin/env node
// End-to-end: a clerk's day at the animal-control counter, in a real browser (CTest
// WebE2E.ClerkRenewsTwoDogsWithChangeDueAndClosesTheDrawer).
//
// Starts `holdfast demo`; the clerk signs in with the keyboard and lands on the staff console; the counter says
// there is no open drawer; the clerk opens one with a $100.00 float; James Carter's Duke, whose rabies
// vaccination lapsed, is refused with the node's reason (first under the fees, from the node's quote, then by
// the sale); Maria Gonzalez's two dogs (Biscuit, altered; Tango,
// not) are renewed on one receipt: first with a tender $5.00 short (refused, the node says what is still due),
// then in cash with a round amount over the total, and the page shows the change due. The API confirms both
// licenses were renewed, that the receipt's total is the sum of the fees the node computed (and what the
// fee schedule says), and that change = tendered - total. The printable receipt shows the same figures and
// prints without the site's chrome; a void with the clerk's own credentials as the "supervisor" is refused.
// Then the clerk counts exactly float + cash taken by denomination and closes the drawer balanced, which the
// API agrees with. Every page is scanned with axe and photographed at desktop and phone width (harness.mjs).
import { apiExpect, check, dollars, runE2E, signInApi, signInUi, step } from './harness.mjs';

const FLOAT_CENTS = 10000;
const BILLS = [[10000, '$100 bills'], [5000, '$50 bills'], [2000, '$20 bills'], [1000, '$10 bills'], [500, '$5 bills'],
  [100, '$1 bills'], [25, 'Quarters'], [10, 'Dimes'], [5, 'Nickels'], [1, 'Pennies']];

// How a cashier would count `cents`: the fewest bills and coins.
function countOut(cents) {
  const counts = [];
  let left = cents;
  for (const [value, label] of BILLS) {
    const n = Math.floor(left / value);
    if (n > 0) counts.push({ label, value, n });
    left -= n * value;
  }
  return counts;
}

// USWDS draws its own checkbox and moves the real one off screen: tick it with the keyboard, as a clerk can.
async function tick(page, label) {
  const box = page.getByLabel(label);
  await box.focus();
  await page.keyboard.press('Space');
  check(await box.isChecked(), `"${label}" did not tick with the space bar`);
}

async function isFocused(locator) {
  return locator.evaluate((el) => el === document.activeElement);
}

runE2E('a clerk renews two dogs with change due and closes the drawer balanced', async (t) => {
  step('starting holdfast demo');
  const { base } = await t.demo();
  const clerkToken = await signInApi(base, 'clerk', 'clerk-demo-pass');
  const api = (method, path, body) => apiExpect(method === 'POST' ? 201 : 200, base, method, path, body, clerkToken);

  // What the node holds before: Maria's pets and licenses, and the fee schedule in effect.
  const maria = (await api('GET', '/api/v1/parties?q=Maria%20Gonzalez')).items.find((p) => p.name === 'Maria Gonzalez');
  check(maria, 'the demo has no Maria Gonzalez');
  const pets = (await api('GET', `/api/v1/parties/${maria.id}/pets`)).items;
  const biscuit = pets.find((p) => p.name === 'Biscuit');
  const tango = pets.find((p) => p.name === 'Tango');
  check(biscuit?.altered === true && tango?.altered === false, `Maria's dogs are not as the demo says: ${JSON.stringify(pets)}`);
  const before = (await api('GET', `/api/v1/parties/${maria.id}/licenses`)).items;
  const licenseOf = (list, pet) => list.find((l) => l.pet_id === pet.id && l.status === 'active');
  const schedule = await api('GET', '/api/v1/fee-schedules/current');
  const feeOf = (pet) => schedule.licenses.find((l) => l.species === pet.species && l.altered === pet.altered && l.term_years === 1);
  const expectedTotal = feeOf(biscuit).amount_cents + feeOf(tango).amount_cents;
  const tendered = Math.ceil((expectedTotal + 1) / 10000) * 10000; // a round amount over the total
  check(licenseOf(before, biscuit)?.state === 'active' && licenseOf(before, tango)?.state === 'active',
    'Maria\'s dogs have no active licenses to renew');

  const page = await t.newPage();

  step('the clerk signs in with the keyboard and lands on the staff console');
  await signInUi(page, base, 'clerk', 'clerk-demo-pass');
  await page.waitForURL(`${base}/staff`);
  await page.getByTestId('staff-tasks').waitFor();
  const staffNav = page.getByRole('navigation', { name: 'Staff console' });

  step('the counter says there is no open drawer');
  await staffNav.getByRole('link', { name: 'Counter' }).click();
  await page.waitForURL(`${base}/staff/counter`);
  const noDrawer = page.getByTestId('drawer-note').getByTestId('alert-warning');
  await noDrawer.waitFor();
  check((await noDrawer.innerText()).includes('no open drawer'), `the counter does not say the drawer is missing: ${await noDrawer.innerText()}`);

  step('the clerk opens a drawer with a $100.00 float');
  await staffNav.getByRole('link', { name: 'Cash drawer' }).click();
  await page.waitForURL(`${base}/staff/drawers`);
  await page.getByTestId('open-drawer').waitFor();
  await t.visitAtEveryWidth(page, 'counter-drawer-open-form');
  await page.getByLabel('Starting float in dollars').fill('100.00');
  await page.getByRole('button', { name: 'Open drawer' }).click();
  await page.getByTestId('close-drawer').waitFor();
  check((await page.getByTestId('drawer-float').innerText()) === dollars(FLOAT_CENTS), 'the open drawer does not show its float');
  const open = (await api('GET', '/api/v1/drawers?status=open&clerk=me')).items;
  check(open.length === 1 && open[0].float_cents === FLOAT_CENTS, `the node's open drawer is not a $100.00 one: ${JSON.stringify(open)}`);
  const drawerId = open[0].id;
  check((await page.getByTestId('open-drawer-id').innerText()).includes(drawerId), 'the page does not name the open drawer');
  await t.visitAtEveryWidth(page, 'counter-drawer-open');

  step('James Carter\'s Duke, whose rabies vaccination lapsed, is refused with the node\'s reason');
  await staffNav.getByRole('link', { name: 'Counter' }).click();
  await page.waitForURL(`${base}/staff/counter`);
  await page.getByTestId('drawer-note').getByText(drawerId).waitFor();
  await page.getByLabel('Find an owner by name, phone or email').fill('Carter');
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name: 'James Carter' }).click();
  await page.getByTestId('pet-Duke').waitFor();
  check((await page.getByTestId('pet-Duke').innerText()).includes('Rabies vaccination expired'), 'Duke\'s lapsed vaccination is not shown');
  const carterLicensesBefore = (await api('GET', `/api/v1/parties/${new URL(page.url()).searchParams.get('party')}/licenses`)).items;
  await tick(page, 'Renew Duke');
  await page.getByTestId('fee-total').waitFor();
  // The fees come from the node's quote, which already gives the refusal the sale would get.
  const quoted = await page.getByTestId('fee-problem').innerText();
  check(/^Duke: /.test(quoted) && /rabies/i.test(quoted) && /expired/i.test(quoted),
    `the fees do not show the node's quoted refusal for Duke: ${quoted}`);
  check((await page.getByTestId('fee-total').innerText()) === '—', 'a refused renewal still shows a total due');
  await page.getByLabel('Cash tendered').fill('50.00');
  await page.getByRole('button', { name: 'Renew and take payment' }).click();
  const rabies = page.getByTestId('sale-messages').getByTestId('alert-error');
  await rabies.waitFor();
  const rabiesText = await rabies.innerText();
  check(/Duke/.test(rabiesText) && /rabies/i.test(rabiesText) && /expired/i.test(rabiesText),
    `Duke's refusal does not give the node's reason: ${rabiesText}`);
  check(await isFocused(rabies), 'Duke\'s refusal did not take focus');
  const carterLicensesAfter = (await api('GET', `/api/v1/parties/${new URL(page.url()).searchParams.get('party')}/licenses`)).items;
  check(JSON.stringify(carterLicensesAfter) === JSON.stringify(carterLicensesBefore), 'a refused sale changed Duke\'s license');
  await t.visitAtEveryWidth(page, 'counter-refused-rabies');

  step('the clerk finds Maria Gonzalez and sees her pets and licenses');
  await page.getByRole('link', { name: 'Find another owner' }).click();
  await page.getByLabel('Find an owner by name, phone or email').fill('Gonzalez');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(`${base}/staff/counter?q=Gonzalez`);
  await page.getByTestId('party-results').waitFor();
  await t.visitAtEveryWidth(page, 'counter-search');
  await page.getByTestId('party-results').getByRole('link', { name: 'Maria Gonzalez' }).click();
  await page.waitForURL(`${base}/staff/counter?party=${maria.id}`);
  await page.getByTestId('pet-Biscuit').waitFor();
  for (const pet of [biscuit, tango]) {
    const tile = await page.getByTestId(`pet-${pet.name}`).innerText();
    check(tile.includes(licenseOf(before, pet).number), `${pet.name}'s license is not shown: ${tile}`);
  }
  await t.visitAtEveryWidth(page, 'counter-owner');

  step('both dogs chosen: the fees the node will charge, and a tender $5.00 short is refused');
  await tick(page, 'Renew Biscuit');
  await tick(page, 'Renew Tango');
  await page.waitForFunction((text) => document.querySelector('[data-testid=fee-total]')?.textContent === text, dollars(expectedTotal));
  const feeLines = await page.getByTestId('fee-lines').innerText();
  for (const pet of [biscuit, tango]) {
    check(feeLines.includes(feeOf(pet).code) && feeLines.includes(dollars(feeOf(pet).amount_cents)),
      `the fee of ${pet.name} (${feeOf(pet).code}) is not shown: ${feeLines}`);
  }
  await page.getByLabel('Cash tendered').fill(((expectedTotal - 500) / 100).toFixed(2));
  await page.waitForFunction(() => document.querySelector('[data-testid=change-live]')?.textContent === '$5.00');
  await page.getByRole('button', { name: 'Renew and take payment' }).click();
  const short = page.getByTestId('sale-messages').getByTestId('alert-error');
  await short.waitFor();
  const shortText = await short.innerText();
  check(/\$?5\.00 is still due/.test(shortText), `the short tender's refusal does not give the node's reason: ${shortText}`);
  check(await isFocused(short), 'the short tender\'s refusal did not take focus');
  await t.visitAtEveryWidth(page, 'counter-refused-short');

  step(`paid in cash with ${dollars(tendered)}: the change due is shown as it is typed and after the sale`);
  await page.getByLabel('Cash tendered').fill((tendered / 100).toFixed(2));
  const change = tendered - expectedTotal;
  await page.waitForFunction((text) => document.querySelector('[data-testid=change-live]')?.textContent === text, dollars(change));
  await t.visitAtEveryWidth(page, 'counter-payment');
  await page.getByRole('button', { name: 'Renew and take payment' }).click();
  const done = page.getByTestId('sale-done');
  await done.waitFor();
  check(await isFocused(page.locator('#sale-done')), 'the sale\'s result did not take focus');
  const receiptNumber = await page.getByTestId('receipt-number').innerText();
  const changeShown = await page.getByTestId('change-due').innerText();
  check(changeShown === dollars(change), `the change due shows ${changeShown}, not ${dollars(change)}`);
  check((await page.getByTestId('sale-total').innerText()) === dollars(expectedTotal), 'the sale\'s total is not shown');
  await t.visitAtEveryWidth(page, 'counter-success');

  step('the node renewed both licenses on one receipt whose total is the sum of its fees');
  const receipt = await api('GET', `/api/v1/receipts/${receiptNumber}`);
  const itemsSum = receipt.items.reduce((s, i) => s + i.amount_cents, 0);
  check(receipt.total_cents === itemsSum, `the receipt's total ${receipt.total_cents} is not the sum of its fee lines ${itemsSum}`);
  check(receipt.total_cents === expectedTotal, `the receipt's total ${receipt.total_cents} is not the schedule's ${expectedTotal}`);
  const tenderedOnReceipt = receipt.tenders.reduce((s, x) => s + x.amount_cents, 0);
  check(tenderedOnReceipt === tendered && receipt.tenders.every((x) => x.kind === 'cash'), `the receipt's tenders are ${JSON.stringify(receipt.tenders)}`);
  check(receipt.change_cents === tendered - receipt.total_cents, `the receipt's change ${receipt.change_cents} is not tendered - total`);
  check(receipt.drawer_id === drawerId && receipt.payer_party_id === maria.id, 'the receipt is not Maria\'s in the clerk\'s drawer');
  const after = (await api('GET', `/api/v1/parties/${maria.id}/licenses`)).items;
  for (const pet of [biscuit, tango]) {
    const was = licenseOf(before, pet);
    const now = licenseOf(after, pet);
    check(now && now.number === was.number && now.renewals === was.renewals + 1 && now.expires_on > was.expires_on,
      `${pet.name}'s license ${was.number} was not renewed: ${JSON.stringify(now)}`);
    const lines = receipt.items.filter((i) => i.ref === was.number);
    check(lines.length > 0 && lines[0].code === feeOf(pet).code, `the receipt has no ${feeOf(pet).code} line for ${was.number}`);
  }

  step('the printable receipt shows the same figures and prints without the site around it');
  await page.getByTestId('receipt-link').click();
  await page.waitForURL(`${base}/staff/counter/receipts/${receiptNumber}`);
  await page.getByTestId('receipt').waitFor();
  check((await page.getByTestId('receipt-city').innerText()).includes('Springfield'), 'the receipt does not name the city');
  check((await page.getByTestId('receipt-total').innerText()) === dollars(receipt.total_cents), 'the printable receipt\'s total is wrong');
  check((await page.getByTestId('receipt-change').innerText()) === dollars(receipt.change_cents), 'the printable receipt\'s change is wrong');
  const itemsText = await page.getByTestId('receipt-items').innerText();
  check(receipt.items.every((i) => itemsText.includes(i.description)), `the receipt's items are not all listed: ${itemsText}`);
  await t.visitAtEveryWidth(page, 'counter-receipt');
  await page.emulateMedia({ media: 'print' });
  check(await page.getByTestId('receipt').isVisible(), 'the receipt is hidden in print');
  for (const hidden of [page.getByTestId('print'), page.locator('#staff-bar'), page.locator('.usa-header'), page.getByTestId('void-form')]) {
    check(!(await hidden.isVisible()), 'the site\'s header, staff bar or the page\'s buttons and forms show in print');
  }
  await page.emulateMedia({ media: 'screen' });

  step('a void approved with the clerk\'s own credentials is refused');
  const voidForm = page.getByTestId('void-form');
  await voidForm.getByLabel('Reason').fill('Rung up twice');
  await voidForm.getByLabel('Supervisor’s username').fill('clerk');
  await voidForm.getByLabel('Supervisor’s password').fill('clerk-demo-pass');
  await voidForm.getByRole('button', { name: `Void receipt ${receiptNumber}` }).click();
  const voidRefused = page.getByTestId('receipt-messages').getByTestId('alert-error');
  await voidRefused.waitFor();
  check((await voidRefused.getAttribute('data-kind')) === 'approval-refused', `the void was not refused for its approval: ${await voidRefused.innerText()}`);
  check((await voidRefused.innerText()).includes('approval was refused'), `the refusal is not explained: ${await voidRefused.innerText()}`);
  check(await isFocused(voidRefused), 'the void\'s refusal did not take focus');
  check((await api('GET', `/api/v1/receipts/${receiptNumber}`)).status === 'paid', 'a refused void changed the receipt');
  await t.visitAtEveryWidth(page, 'counter-void-refused');

  step('the clerk counts float + cash taken by denomination and closes the drawer balanced');
  const expectedCash = FLOAT_CENTS + tendered - receipt.change_cents;
  await staffNav.getByRole('link', { name: 'Cash drawer' }).click();
  await page.waitForURL(`${base}/staff/drawers`);
  await page.getByTestId('count-grid').waitFor();
  check((await page.getByTestId('cash-expected').innerText()) === dollars(expectedCash),
    `the running totals expect ${await page.getByTestId('cash-expected').innerText()}, not ${dollars(expectedCash)}`);
  check((await page.getByTestId('drawer-receipts').innerText()).includes(dollars(receipt.total_cents)), 'the running totals miss the sale');
  for (const { label, n } of countOut(expectedCash)) {
    await page.getByTestId('count-grid').getByLabel(label, { exact: true }).fill(String(n));
  }
  await page.waitForFunction((text) => document.querySelector('[data-testid=counted-total]')?.textContent === text, dollars(expectedCash));
  await t.visitAtEveryWidth(page, 'counter-drawer-close');
  await page.getByRole('button', { name: 'Close the drawer' }).click();
  await page.getByTestId('over-short').waitFor();
  check((await page.getByTestId('over-short').innerText()) === '$0.00', `over/short shows ${await page.getByTestId('over-short').innerText()}`);
  check((await page.getByTestId('over-short-text').innerText()) === 'Balanced', 'the closed drawer is not called balanced');
  const feeCodes = await page.getByTestId('report-by-fee-code').innerText();
  check(feeCodes.includes(feeOf(biscuit).code) && feeCodes.includes(feeOf(tango).code), `the report's fee codes miss the renewals: ${feeCodes}`);
  check((await page.getByTestId('tender-net-cash').innerText()) === dollars(receipt.total_cents), 'the report\'s cash net is not the sale\'s total');
  const closed = await api('GET', `/api/v1/drawers/${drawerId}`);
  check(closed.status === 'closed' && closed.over_short_cents === 0 && closed.counted_cash_cents === expectedCash &&
    closed.expected_cash_cents === expectedCash, `the node's drawer did not close balanced: ${JSON.stringify(closed)}`);
  const csvHref = await page.getByTestId('report-csv').getAttribute('href');
  const csv = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return { type: r.headers.get('content-type') ?? '', text: await r.text() };
  }, csvHref);
  check(csv.type.startsWith('text/csv') && csv.text.includes(`${drawerId},cash,over_short`), `the CSV report link does not give the CSV: ${csv.type} ${csv.text.slice(0, 200)}`);
  await t.visitAtEveryWidth(page, 'counter-drawer-report');

  step('the drawer\'s report on its own page, as a supervisor or an auditor reads it later');
  await page.goto(`${base}/staff/drawers/${encodeURIComponent(drawerId)}`);
  const summary = page.getByTestId('over-short-text');
  await summary.waitFor();
  check((await summary.innerText()).includes('balanced (over/short $0.00)'), `the drawer's own report says "${await summary.innerText()}"`);
  await t.visitAtEveryWidth(page, 'drawer-report');
});
