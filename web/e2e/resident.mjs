#!/usr/bin/env node
// End-to-end: a resident pays a water bill in a real browser while an incident is in effect.
//
// Starts `holdfast demo`, declares an incident as the demo supervisor through the API, then in Chromium: the
// resident signs in with the keyboard, sees the incident banner and the balance, pays with a declined card (an
// error is shown and focused, the balance is unchanged) and then with an approved one (the new balance is
// shown); then a visitor who is not signed in looks up a permit, first by a number that does not exist, and
// checks a counter receipt's proof against the log's checkpoint. Every page is scanned with axe and
// photographed at desktop and phone width (harness.mjs).
import { apiCall, apiExpect, check, dollars, runE2E, signInApi, step } from './harness.mjs';

const NOTICE = 'Online payments may be slow. No late fees.';
const DECLINED = '4000000000000002';
const APPROVED = '4242424242424242';

runE2E('a resident pays a water bill during an incident', async (t) => {
  step('starting holdfast demo');
  const { base } = await t.demo();
  const index = await fetch(`${base}/`);
  check(index.status === 200 && (index.headers.get('content-type') ?? '').startsWith('text/html'), `GET / answered ${index.status} ${index.headers.get('content-type')}`);

  step('an older bill, overdue by 20 days, an incident that began 30 days ago, and the late-fee job');
  // The resident's (100001) older bill fell due 20 days ago, inside the incident: without it, 15 days past the
  // 5 days' grace, the job would charge a late fee.
  const supervisor = await signInApi(base, 'supervisor', 'supervisor-demo-pass');
  const { date: today } = await apiExpect(200, base, 'GET', '/api/v1/public/status');
  const daysAgo = (n) => {
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - n);
    return d.toISOString().slice(0, 10);
  };
  const period = daysAgo(70).slice(0, 7);
  await apiExpect(201, base, 'POST', '/api/v1/utility/bills/import', {
    file_name: 'older-bills.csv',
    csv: `account,period,amount,due_date\n100001,${period},20.00,${daysAgo(20)}\n`,
  }, supervisor);
  const declared = await apiCall(base, 'POST', '/api/v1/incidents',
    { services: ['utilities'], notice: NOTICE, started_on: daysAgo(30) }, supervisor);
  check(declared.status === 201, `declaring the incident answered ${declared.status}: ${declared.text}`);
  const assessed = await apiExpect(200, base, 'POST', '/api/v1/utility/late-fees/assess', undefined, supervisor);
  check(assessed.assessed.length === 0, `the late-fee job charged during the incident: ${JSON.stringify(assessed)}`);

  const resident = await signInApi(base, 'resident', 'resident-demo-pass');
  const before = await apiCall(base, 'GET', '/api/v1/utility/accounts/100001', undefined, resident);
  check(before.status === 200, `reading account 100001 as the resident answered ${before.status}: ${before.text}`);
  const startCents = before.json.balance_cents;
  check(startCents > 0, `the demo resident's account 100001 has nothing to pay (balance ${startCents})`);
  const payCents = Math.min(1000, startCents);

  const page = await t.newPage();

  step('the home page shows the incident banner');
  await page.goto(`${base}/`);
  await page.getByTestId('incident-banner').waitFor();
  check((await page.getByTestId('incident-banner').innerText()).includes(NOTICE), 'the incident banner does not show the notice');
  check((await page.getAttribute('html', 'lang')) === 'en', '<html> has no lang="en"');
  await t.visitAtEveryWidth(page, 'home');

  step('the resident signs in with the keyboard');
  await page.goto(`${base}/sign-in`);
  await page.locator('#username').waitFor();
  await page.getByTestId('incident-banner').waitFor();
  await t.visitAtEveryWidth(page, 'sign-in');
  // A wrong password: the error is shown and focused.
  await page.locator('#username').focus();
  await page.keyboard.type('resident');
  await page.keyboard.press('Tab');
  await page.keyboard.type('not-the-password');
  await page.keyboard.press('Enter');
  const signInError = page.getByTestId('alert-error');
  await signInError.waitFor();
  check(await signInError.evaluate((el) => el === document.activeElement), 'the sign-in error did not take focus');
  await t.visitAtEveryWidth(page, 'sign-in-error');
  await page.locator('#password').fill('');
  await page.locator('#password').focus();
  await page.keyboard.type('resident-demo-pass');
  await page.keyboard.press('Enter');

  step('the resident sees their account and the incident banner');
  await page.waitForURL(`${base}/account`);
  await page.getByTestId('account-links').waitFor();
  await t.visitAtEveryWidth(page, 'resident-account');
  await page.getByTestId('account-links').getByRole('link', { name: 'Pay my water bill' }).click();
  await page.waitForURL(`${base}/pay`);
  await page.getByTestId('accounts').waitFor();
  await page.getByTestId('incident-banner').waitFor();
  check((await page.getByTestId('accounts').innerText()).includes('100001'), 'account 100001 is not listed');
  await t.visitAtEveryWidth(page, 'accounts');
  await page.getByRole('link', { name: 'Pay account 100001' }).click();
  await page.waitForURL(`${base}/pay/100001`);
  const balance = page.getByTestId('balance');
  await balance.waitFor();
  check((await balance.innerText()) === dollars(startCents), `the balance shown is ${await balance.innerText()}, not ${dollars(startCents)}`);
  await t.visitAtEveryWidth(page, 'account');

  step('a declined card: the error is shown and the balance is unchanged');
  await page.getByLabel('Amount in dollars').fill((payCents / 100).toFixed(2));
  await page.getByLabel('Card number').fill(DECLINED);
  await page.getByLabel('Expiration date').fill('12/30');
  await page.getByRole('button', { name: 'Pay now' }).click();
  const declined = page.getByTestId('alert-error');
  await declined.waitFor();
  check((await declined.innerText()).toLowerCase().includes('declined'), `the decline is not explained: ${await declined.innerText()}`);
  check(await declined.evaluate((el) => el === document.activeElement), 'the decline message did not take focus');
  check((await balance.innerText()) === dollars(startCents), `after a declined card the balance shows ${await balance.innerText()}`);
  const afterDecline = await apiCall(base, 'GET', '/api/v1/utility/accounts/100001', undefined, resident);
  check(afterDecline.json.balance_cents === startCents, `a declined card changed the balance to ${afterDecline.json.balance_cents}`);
  await t.visitAtEveryWidth(page, 'payment-declined');

  step('an approved card: success and the new balance');
  await page.getByLabel('Card number').fill(APPROVED);
  await page.getByLabel('Expiration date').fill('12/30');
  await page.getByLabel('Amount in dollars').fill((payCents / 100).toFixed(2));
  await page.getByRole('button', { name: 'Pay now' }).click();
  const paid = page.getByTestId('alert-success');
  await paid.waitFor();
  const expected = dollars(startCents - payCents);
  await page.waitForFunction((text) => document.querySelector('[data-testid=balance]')?.textContent === text, expected);
  check((await paid.innerText()).includes(expected), `the success message does not give the new balance ${expected}: ${await paid.innerText()}`);
  const afterPay = await apiCall(base, 'GET', '/api/v1/utility/accounts/100001', undefined, resident);
  check(afterPay.json.balance_cents === startCents - payCents, `the node holds a balance of ${afterPay.json.balance_cents}, not ${startCents - payCents}`);
  check(!afterPay.json.ledger.some((r) => r.kind === 'late_fee'), `a late fee was charged during the incident: ${afterPay.text}`);
  check(!(await page.locator('main').innerText()).includes('Late fee'), 'the account page shows a late fee during the incident');
  await t.visitAtEveryWidth(page, 'payment-approved');

  step('anyone looks up a permit: an unknown number is explained, a real one shows its inspections');
  const visitor = await t.newPage();
  await visitor.goto(`${base}/`);
  await visitor.getByRole('link', { name: 'Look up a permit' }).first().click();
  await visitor.waitForURL(`${base}/permits`);
  await visitor.getByLabel('Permit number').fill('BP-nowhere-9');
  await visitor.keyboard.press('Enter');
  const noPermit = visitor.getByTestId('alert-error');
  await noPermit.waitFor();
  check((await noPermit.innerText()).includes('BP-nowhere-9'), `the unknown permit is not named: ${await noPermit.innerText()}`);
  await t.visitAtEveryWidth(visitor, 'permit-not-found');
  await visitor.getByLabel('Permit number').fill('BP-central-1');
  await visitor.getByRole('button', { name: 'Look up' }).click();
  await visitor.waitForURL(`${base}/permits/BP-central-1`);
  const record = visitor.getByTestId('permit-record');
  await record.waitFor();
  check((await record.innerText()).includes('Issued'), `the permit's status is not shown: ${await record.innerText()}`);
  check((await visitor.getByTestId('permit-inspections').innerText()).includes('footing'),
    'the permit\'s footing inspection is not listed');
  await t.visitAtEveryWidth(visitor, 'permit');

  step('a page that does not exist says so');
  await visitor.goto(`${base}/no-such-page`);
  await visitor.getByRole('heading', { name: 'Page not found' }).waitFor();
  await t.visitAtEveryWidth(visitor, 'not-found');

  step('anyone checks a receipt: the browser recomputes the log root from the proof');
  const clerk = await signInApi(base, 'clerk', 'clerk-demo-pass');
  const drawer = await apiCall(base, 'POST', '/api/v1/drawers', { float_cents: 0 }, clerk);
  check(drawer.status === 201, `opening a drawer answered ${drawer.status}: ${drawer.text}`);
  const sale = await apiCall(base, 'POST', '/api/v1/payments', {
    drawer_id: drawer.json.id,
    items: [{ code: 'MISC', description: 'Copy of a permit', amount_cents: 500 }],
    tenders: [{ kind: 'cash', amount_cents: 500 }],
  }, clerk);
  check(sale.status === 201, `a counter payment answered ${sale.status}: ${sale.text}`);
  const receiptNumber = sale.json.receipt;
  await visitor.goto(`${base}/receipts`);
  await visitor.getByLabel('Receipt number').waitFor();
  await t.visitAtEveryWidth(visitor, 'receipt-check');
  await visitor.getByLabel('Receipt number').fill('r-nowhere-1');
  await visitor.keyboard.press('Enter');
  const noReceipt = visitor.getByTestId('alert-error');
  await noReceipt.waitFor();
  check((await noReceipt.innerText()).includes('No such receipt'), `an unknown receipt is not explained: ${await noReceipt.innerText()}`);
  await visitor.getByLabel('Receipt number').fill(receiptNumber);
  await visitor.getByRole('button', { name: 'Check' }).click();
  await visitor.waitForURL(`${base}/receipts/${receiptNumber}`);
  const proven = visitor.getByTestId('alert-success');
  await proven.waitFor();
  check((await proven.innerText()).includes('is in the city'), `the receipt was not proven: ${await proven.innerText()}`);
  await t.visitAtEveryWidth(visitor, 'receipt-proven');
});
