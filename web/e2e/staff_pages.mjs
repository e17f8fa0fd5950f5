#!/usr/bin/env node
// End-to-end: the supervisor and administrator pages of the staff console, checked against what the node then
// holds.
//
// Starts `holdfast demo`, then in Chromium: the supervisor signs in with the keyboard, declares an incident for
// utilities (the public status, the page's banner and the status strip show its notice) and ends it (the node
// holds it ended); the conflicts page shows the queue, empty in the demo, then the conflict made when a
// second office, cut off, changes the same phone number as central (joined, served without peers, synced
// once), and the supervisor resolves it (the node holds the resolution); the clerk finds account 100002 by
// the customer's name and takes a $20.00 cash payment into a drawer opened through the API (the balance
// drops by exactly 2000 cents; a malformed amount is refused first and changes nothing); a $15.00 card payment
// taken by phone is refunded by the supervisor from the account's ledger (the clerk is not offered it; the
// node then holds the refund and the balance owed again); a $10.00 check taken on the account comes back
// unpaid and the supervisor records it on the receipt's page (the clerk is not offered it; a missing reason
// is refused first; the account then owes it again; the cash drawer page lists it), and so is a $12.00 check of the bank's lockbox file, on
// the account's ledger; a phone renewal paid by
// a card the processor answers late is overtaken by a second one, so its charge cannot be applied: the clerk
// sees it listed to refund, and the supervisor refunds it to the card (a missing reason is refused first; the
// node holds the refund with the processor's reference and the reason); the admin sees the
// nodes, sync and backup sections, sets the city's time zone by its name (an unknown one is refused first),
// adds a clerk (who can sign in through the API with the one-time password shown, and must change it first)
// and invites a new office (the token and the `holdfast join` command are
// shown once and gone after leaving the page). Every page is scanned with axe and photographed at desktop and
// phone width (harness.mjs).
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiCall, apiExpect, check, dollars, runE2E, runHoldfast, signInApi, signInUi, step } from './harness.mjs';

const NOTICE = 'Water payments are down at City Hall. No late fees until further notice.';

// The RFC 6238 code of a base32 secret for the 30-second step `step` (six digits, SHA-1), as an authenticator
// app shows it.
function totp(secret, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
const ACCOUNT = '100002';

runE2E('the staff console pages (incidents, conflicts, utilities, administration) at every width', async (t) => {
  step('starting holdfast demo');
  const { base } = await t.demo();

  // --- a second factor
  step('the auditor enrolls an authenticator; the sign-in page then asks for its code');
  const auditorToken = await signInApi(base, 'auditor', 'auditor-demo-pass');
  const fresh = await apiExpect(200, base, 'GET', '/api/v1/users/me/totp/new', undefined, auditorToken);
  const step0 = Math.floor(Date.now() / 30_000);
  await apiExpect(201, base, 'POST', '/api/v1/users/me/totp', { secret: fresh.secret, code: totp(fresh.secret, step0) }, auditorToken);
  const auditor = await t.newPage();
  await auditor.goto(`${base}/sign-in`);
  await auditor.locator('#username').fill('auditor');
  await auditor.locator('#password').fill('auditor-demo-pass');
  await auditor.keyboard.press('Enter');
  const noCode = auditor.getByTestId('alert-error');
  await noCode.waitFor();
  check(/code/i.test(await noCode.innerText()), `signing in without the code is not explained: ${await noCode.innerText()}`);
  await t.visitAtEveryWidth(auditor, 'sign-in-totp-needed');
  // The next step's code: the one enrolled with is used, and a code works once.
  await auditor.getByLabel('Authentication code (optional)').fill(totp(fresh.secret, step0 + 1));
  await auditor.getByRole('button', { name: 'Sign in' }).click();
  await auditor.waitForURL(`${base}/staff`);
  await auditor.getByTestId('status-strip').waitFor();

  // --- incidents
  step('the supervisor signs in with the keyboard and opens the incidents page');
  const supervisorToken = await signInApi(base, 'supervisor', 'supervisor-demo-pass');
  const before = await apiExpect(200, base, 'GET', '/api/v1/public/status');
  check(before.incident_in_effect === false, `the demo starts with an incident in effect: ${JSON.stringify(before)}`);
  const sup = await t.newPage();
  await signInUi(sup, base, 'supervisor', 'supervisor-demo-pass', '/staff/incidents');
  await sup.waitForURL(`${base}/staff/incidents`);
  await sup.getByTestId('no-incident').waitFor();
  check((await sup.getByRole('heading', { level: 1 }).innerText()) === 'Incidents', 'the incidents page has no "Incidents" heading');
  await t.visitAtEveryWidth(sup, 'incidents');

  step('declaring without a service or notice is refused in the page, and nothing is declared');
  await sup.getByRole('button', { name: 'Declare incident' }).click();
  const refused = sup.getByTestId('incident-messages').getByTestId('alert-error');
  await refused.waitFor();
  check(await refused.evaluate((el) => el === document.activeElement), 'the error about the incident form did not take focus');
  check((await apiExpect(200, base, 'GET', '/api/v1/incidents', undefined, supervisorToken)).items.length === 0,
    'an incident was declared from an incomplete form');

  step('the supervisor declares an incident for utilities with a notice');
  await sup.locator('#service-utilities').focus();
  await sup.keyboard.press('Space');
  check(await sup.locator('#service-utilities').isChecked(), 'the Utilities checkbox did not check with the keyboard');
  await sup.locator('#notice').fill(NOTICE);
  await sup.getByRole('button', { name: 'Declare incident' }).click();
  const declared = sup.getByTestId('incident-messages').getByTestId('alert-success');
  await declared.waitFor();
  check((await declared.innerText()).includes(NOTICE), `the confirmation does not quote what the public now sees: ${await declared.innerText()}`);

  const status = await apiExpect(200, base, 'GET', '/api/v1/public/status');
  check(status.incident_in_effect === true, `the node does not report the incident in effect: ${JSON.stringify(status)}`);
  check(status.incidents.some((i) => i.notice === NOTICE && i.services.includes('utilities')),
    `the public status does not carry the notice for utilities: ${JSON.stringify(status.incidents)}`);
  const incidents = await apiExpect(200, base, 'GET', '/api/v1/incidents', undefined, supervisorToken);
  check(incidents.items.length === 1 && incidents.items[0].active, `the node holds ${JSON.stringify(incidents.items)}`);
  const incidentId = incidents.items[0].id;

  await sup.getByTestId('incident-banner').waitFor();
  check((await sup.getByTestId('incident-banner').innerText()).includes(NOTICE), 'the page\'s incident banner does not show the notice');
  await sup.waitForFunction((notice) => document.querySelector('[data-testid=status-incident]')?.textContent?.includes(notice), NOTICE);
  check((await sup.getByTestId('status-incident').getAttribute('data-state')) === 'problem', 'the status strip does not flag the incident');
  await sup.getByTestId(`incident-${incidentId}`).waitFor();
  await t.visitAtEveryWidth(sup, 'incident-declared');

  step('the supervisor ends the incident');
  await sup.getByTestId(`incident-${incidentId}`).getByRole('button', { name: 'End this incident' }).click();
  const ended = sup.getByTestId('incident-messages').getByTestId('alert-success');
  await sup.waitForFunction(() => document.querySelector('[data-testid=incident-messages] .usa-alert__heading')?.textContent === 'Incident ended');
  const after = (await apiExpect(200, base, 'GET', '/api/v1/incidents', undefined, supervisorToken)).items.find((i) => i.id === incidentId);
  check(after && after.active === false && typeof after.ended_on === 'string', `the node does not hold the incident ended: ${JSON.stringify(after)}`);
  check((await ended.innerText()).includes('ended'), `the page does not say the incident ended: ${await ended.innerText()}`);
  check((await sup.getByTestId(`incident-${incidentId}`).getByTestId('incident-state').innerText()).startsWith('Ended'),
    'the incident\'s card does not say it ended');
  check(await sup.getByTestId(`incident-${incidentId}`).getByRole('button', { name: 'End this incident' }).count() === 0,
    'an ended incident can still be ended');
  await t.visitAtEveryWidth(sup, 'incident-ended');

  // --- conflicts
  step('the conflicts page shows the queue (the demo has none)');
  const conflicts = await apiExpect(200, base, 'GET', '/api/v1/conflicts?status=open', undefined, supervisorToken);
  await sup.getByRole('navigation', { name: 'Staff console' }).getByRole('link', { name: 'Conflicts' }).click();
  await sup.waitForURL(`${base}/staff/conflicts`);
  if (conflicts.items.length === 0) {
    await sup.getByTestId('conflicts-empty').waitFor();
    check((await sup.getByTestId('conflicts-empty').innerText()).includes('no open conflicts'), 'the empty queue is not said plainly');
  } else {
    await sup.getByTestId('conflicts').locator('table').waitFor();
  }
  await t.visitAtEveryWidth(sup, 'conflicts');

  step('two offices cut off from each other change one phone number; the supervisor resolves the conflict');
  // A second office joins, is cut off (no peers) while both change the same person's phone, then syncs once.
  const adminToken = await signInApi(base, 'admin', 'admin-demo-pass');
  const invitation = await apiExpect(201, base, 'POST', '/api/v1/nodes/invitations', { node: 'north' }, adminToken);
  const northData = join(t.tmp, 'north');
  await runHoldfast(['join', '--data', northData, '--central', base, '--token', invitation.token]);
  writeFileSync(join(northData, 'peers'), '# cut off from central\n');
  const north = await t.serve('north', ['serve', '--data', northData, '--listen', '127.0.0.1:0']);
  const northToken = await signInApi(north.base, 'supervisor', 'supervisor-demo-pass');
  await apiExpect(200, north.base, 'PATCH', '/api/v1/parties/p-central-3', { phone: '555-0300' }, northToken);
  await apiExpect(200, base, 'PATCH', '/api/v1/parties/p-central-3', { phone: '555-0399' }, supervisorToken);
  await north.node.stop();
  await runHoldfast(['sync', '--data', northData, '--peer', base]);
  const open = (await apiExpect(200, base, 'GET', '/api/v1/conflicts?status=open', undefined, supervisorToken)).items;
  check(open.length === 1 && open[0].kind === 'party-edited-concurrently', `after the sync the queue holds ${JSON.stringify(open)}`);
  const conflictId = open[0].id;
  await sup.reload();
  await sup.getByTestId('conflicts').locator('table').waitFor();
  await t.visitAtEveryWidth(sup, 'conflicts-open');
  await sup.getByTestId('conflicts').getByRole('link', { name: 'Person edited at two offices' }).click();
  await sup.waitForURL(`${base}/staff/conflicts/${encodeURIComponent(conflictId)}`);
  const record = sup.getByTestId('conflict-record');
  await record.waitFor();
  const recordText = await record.innerText();
  check(recordText.includes('555-0399') && recordText.includes('555-0300'), `the conflict does not show both phone numbers: ${recordText}`);
  await t.visitAtEveryWidth(sup, 'conflict');
  await sup.getByRole('button', { name: 'Resolve conflict' }).click();
  await sup.getByTestId('alert-error').waitFor();
  check((await apiExpect(200, base, 'GET', `/api/v1/conflicts/${encodeURIComponent(conflictId)}`, undefined, supervisorToken)).status === 'open',
    'an empty resolution resolved the conflict');
  await sup.locator('#resolution-corrected').focus();
  await sup.keyboard.press('Space');
  await sup.getByRole('textbox', { name: 'Note' }).fill('Called Aisha Rahman: 555-0399 is right.');
  await sup.getByRole('button', { name: 'Resolve conflict' }).click();
  await sup.getByTestId('alert-success').waitFor();
  const resolved = await apiExpect(200, base, 'GET', `/api/v1/conflicts/${encodeURIComponent(conflictId)}`, undefined, supervisorToken);
  check(resolved.status === 'resolved' && resolved.resolution?.resolution === 'corrected' && resolved.resolution?.note.includes('555-0399'),
    `the node holds the conflict as ${JSON.stringify(resolved)}`);
  check(await sup.getByRole('button', { name: 'Resolve conflict' }).count() === 0, 'a resolved conflict still offers to resolve it');
  await t.visitAtEveryWidth(sup, 'conflict-resolved');

  const missing = 'license-renewed-twice:nowhere-1';
  await apiExpect(404, base, 'GET', `/api/v1/conflicts/${encodeURIComponent(missing)}`, undefined, supervisorToken);
  await sup.goto(`${base}/staff/conflicts/${encodeURIComponent(missing)}`);
  const noConflict = sup.getByTestId('alert-error');
  await noConflict.waitFor();
  check((await noConflict.innerText()).includes(missing), `an unknown conflict is not named: ${await noConflict.innerText()}`);
  await t.visitAtEveryWidth(sup, 'conflict-not-found');

  step('without an open drawer, a utility account says to open one first');
  await sup.goto(`${base}/staff/utilities/100001`);
  await sup.getByTestId('no-drawer').waitFor();
  check(await sup.getByTestId('utility-payment').count() === 0, 'the payment form is offered without an open drawer');
  await t.visitAtEveryWidth(sup, 'utility-no-drawer');

  // --- utilities
  step('the clerk opens a drawer (API) and takes a $20.00 cash payment on account 100002');
  const clerkToken = await signInApi(base, 'clerk', 'clerk-demo-pass');
  const clerkDrawer = await apiExpect(201, base, 'POST', '/api/v1/drawers', { float_cents: 5000 }, clerkToken);
  const startCents = (await apiExpect(200, base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, clerkToken)).balance_cents;
  check(startCents >= 2000, `account ${ACCOUNT} owes only ${startCents} cents`);
  const clerk = await t.newPage();
  await signInUi(clerk, base, 'clerk', 'clerk-demo-pass', '/staff/utilities');
  await clerk.waitForURL(`${base}/staff/utilities`);
  await clerk.getByLabel('Account number, street or customer name').fill('Carter');
  await clerk.keyboard.press('Enter');
  await clerk.getByTestId('account-results').waitFor();
  await t.visitAtEveryWidth(clerk, 'utility-search');
  await clerk.getByTestId('account-results').getByRole('link', { name: ACCOUNT }).click();
  await clerk.waitForURL(`${base}/staff/utilities/${ACCOUNT}`);
  const balance = clerk.getByTestId('account-balance');
  await balance.waitFor();
  check((await balance.innerText()) === dollars(startCents), `the balance shown is ${await balance.innerText()}, not ${dollars(startCents)}`);
  await clerk.getByTestId('utility-payment').waitFor();
  await t.visitAtEveryWidth(clerk, 'utility-account');

  await clerk.getByLabel('Amount to apply to the account').fill('twenty');
  await clerk.getByRole('button', { name: 'Take payment' }).click();
  const bad = clerk.getByTestId('payment-messages').getByTestId('alert-error');
  await bad.waitFor();
  check(await bad.evaluate((el) => el === document.activeElement), 'the payment error did not take focus');
  check((await apiExpect(200, base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, clerkToken)).balance_cents === startCents,
    'a refused payment changed the balance');

  await clerk.getByLabel('Amount to apply to the account').fill('20.00');
  await clerk.getByLabel('Paid by').selectOption('cash');
  await clerk.getByRole('button', { name: 'Take payment' }).click();
  const paid = clerk.getByTestId('payment-messages').getByTestId('alert-success');
  await paid.waitFor();
  const expected = dollars(startCents - 2000);
  check((await paid.innerText()).includes(expected), `the confirmation does not give the new balance ${expected}: ${await paid.innerText()}`);
  check((await balance.innerText()) === expected, `the balance shown after paying is ${await balance.innerText()}, not ${expected}`);
  const afterPay = await apiExpect(200, base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, clerkToken);
  check(afterPay.balance_cents === startCents - 2000, `the node holds a balance of ${afterPay.balance_cents}, not ${startCents - 2000}`);
  const payment = afterPay.ledger.filter((r) => r.kind === 'payment');
  check(payment.length === 1 && payment[0].amount_cents === -2000 && (await paid.innerText()).includes(payment[0].receipt),
    `the ledger does not hold one $20.00 payment on the receipt shown: ${JSON.stringify(payment)}`);
  await t.visitAtEveryWidth(clerk, 'utility-paid');

  // --- an online payment on the account, refunded to the card by the supervisor from the ledger
  step('the clerk takes a $15.00 card payment by phone; the supervisor refunds it from the account\'s ledger');
  const phone = await apiExpect(201, base, 'POST', `/api/v1/utility/accounts/${ACCOUNT}/online-payments`,
    { amount_cents: 1500, card_number: '4242424242424242', expiry: '12/30' }, clerkToken, { 'Idempotency-Key': 'e2e-phone-pay' });
  const phoneId = phone.payment.id;
  check(phone.account.balance_cents === startCents - 3500, `the phone payment left a balance of ${phone.account.balance_cents}`);
  await clerk.reload();
  await clerk.getByTestId('account-ledger').waitFor();
  check(await clerk.getByTestId(`refund-${phoneId}`).count() === 0, 'a clerk is offered the refund of an online payment');
  await sup.goto(`${base}/staff/utilities/${ACCOUNT}`);
  await sup.getByTestId(`refund-${phoneId}`).click();
  const phoneForm = sup.getByTestId(`refund-form-${phoneId}`);
  await phoneForm.getByLabel('Why is it refunded?').fill('Paid the wrong account');
  await phoneForm.getByRole('button', { name: 'Refund $15.00 to the card' }).click();
  const phoneRefunded = sup.getByTestId('payment-messages').getByTestId('alert-success');
  await phoneRefunded.waitFor();
  check((await phoneRefunded.innerText()).includes('ending 4242'), `the refund confirmation does not name the card: ${await phoneRefunded.innerText()}`);
  const owedAgain = dollars(startCents - 2000);
  await sup.getByTestId('account-balance').filter({ hasText: owedAgain }).waitFor();
  check(await sup.getByTestId(`refund-${phoneId}`).count() === 0, 'the refunded payment is still offered for a refund');
  const afterRefund = await apiExpect(200, base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, clerkToken);
  check(afterRefund.balance_cents === startCents - 2000, `the node holds a balance of ${afterRefund.balance_cents} after the refund, not ${startCents - 2000}`);
  const phoneHeld = (await apiExpect(200, base, 'GET', '/api/v1/utility/online-payments?status=refunded', undefined, supervisorToken))
    .items.find((p) => p.id === phoneId);
  check(phoneHeld && phoneHeld.refund_reference && phoneHeld.message === 'Paid the wrong account',
    `the node does not hold the phone payment's refund with its reference and reason: ${JSON.stringify(phoneHeld)}`);
  await t.visitAtEveryWidth(sup, 'utility-refunded');

  // --- a check taken at the counter that the bank returns unpaid, recorded by the supervisor on its receipt
  step('the clerk takes a $10.00 check on the account; the bank returns it and the supervisor records it on the receipt');
  const byCheck = await apiExpect(201, base, 'POST', `/api/v1/utility/accounts/${ACCOUNT}/payments`,
    { drawer_id: clerkDrawer.id, amount_cents: 1000, tenders: [{ kind: 'check', amount_cents: 1000, number: '3141' }] },
    clerkToken, { 'Idempotency-Key': 'e2e-check-pay' });
  const checkReceipt = byCheck.receipt.receipt;
  check(byCheck.account.balance_cents === startCents - 3000, `the check left a balance of ${byCheck.account.balance_cents}`);
  await clerk.goto(`${base}/staff/counter/receipts/${checkReceipt}`);
  await clerk.getByTestId('receipt').waitFor();
  check(await clerk.getByTestId('returned-check-form').count() === 0, 'a clerk is offered to record a returned check');
  await sup.goto(`${base}/staff/counter/receipts/${checkReceipt}`);
  const returnedForm = sup.getByTestId('returned-check-form');
  await returnedForm.getByRole('button', { name: 'Record the returned check' }).click();
  await sup.getByTestId('receipt-messages').getByTestId('alert-error').waitFor();
  check((await apiExpect(200, base, 'GET', `/api/v1/receipts/${checkReceipt}`, undefined, clerkToken)).status === 'paid',
    'a returned check without its reason was recorded');
  await returnedForm.getByLabel('The bank’s reason').fill('Insufficient funds');
  await returnedForm.getByRole('button', { name: 'Record the returned check' }).click();
  await sup.getByTestId('receipt-messages').getByTestId('alert-success').waitFor();
  check((await sup.getByTestId('receipt-status').innerText()) === 'Check returned unpaid',
    `the receipt's status shows ${await sup.getByTestId('receipt-status').innerText()}`);
  check((await sup.getByTestId('receipt-check-returned').innerText()).includes('Insufficient funds'), 'the receipt does not say why the check came back');
  check(await sup.getByTestId('returned-check-form').count() === 0, 'the returned check is still offered to record');
  const afterReturn = await apiExpect(200, base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, clerkToken);
  check(afterReturn.balance_cents === startCents - 2000, `the node holds a balance of ${afterReturn.balance_cents} after the returned check, not ${startCents - 2000}`);
  await t.visitAtEveryWidth(sup, 'receipt-check-returned');
  await sup.goto(`${base}/staff/drawers`);
  const returnedList = sup.getByTestId('returned-checks');
  await returnedList.getByRole('link', { name: checkReceipt }).waitFor();
  check((await returnedList.innerText()).includes('Insufficient funds'), `the returned checks do not list the reason: ${await returnedList.innerText()}`);
  await t.visitAtEveryWidth(sup, 'drawer-returned-checks');

  // --- a check mailed to the lockbox that the bank returns unpaid, recorded by the supervisor on the ledger
  step('a $12.00 check arrives in the lockbox file; the bank returns it and the supervisor records it on the ledger');
  await apiExpect(201, base, 'POST', '/api/v1/utility/lockbox/import', {
    file_name: 'lockbox-e2e.csv',
    content: `lockbox,LBX-E2E-01,2026-11-02\nitem,0001,${ACCOUNT},12.00,5150,James Carter\ntotal,1,12.00\n`,
  }, clerkToken);
  const mailed = (await apiExpect(200, base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, clerkToken))
    .ledger.find((r) => r.channel === 'lockbox');
  check(mailed && mailed.amount_cents === -1200, `the lockbox payment is not on the ledger: ${JSON.stringify(mailed)}`);
  await clerk.goto(`${base}/staff/utilities/${ACCOUNT}`);
  await clerk.getByTestId('account-ledger').waitFor();
  check(await clerk.getByTestId(`returned-${mailed.id}`).count() === 0, 'a clerk is offered to record a returned lockbox check');
  await sup.goto(`${base}/staff/utilities/${ACCOUNT}`);
  await sup.getByTestId(`returned-${mailed.id}`).click();
  const returnedLockbox = sup.getByTestId(`returned-form-${mailed.id}`);
  await returnedLockbox.getByRole('button', { name: 'Record the $12.00 check as returned' }).click();
  await sup.getByTestId('payment-messages').getByTestId('alert-error').waitFor();
  check((await apiExpect(200, base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, clerkToken)).balance_cents === startCents - 3200,
    'a returned check without its reason changed the balance');
  await returnedLockbox.getByLabel('The bank’s reason').fill('Account closed');
  await returnedLockbox.getByRole('button', { name: 'Record the $12.00 check as returned' }).click();
  await sup.getByTestId('payment-messages').getByTestId('alert-success').waitFor();
  await sup.getByTestId('account-balance').filter({ hasText: dollars(startCents - 2000) }).waitFor();
  check(await sup.getByTestId(`returned-${mailed.id}`).count() === 0, 'the returned lockbox check is still offered');
  const afterLockbox = await apiExpect(200, base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, clerkToken);
  check(afterLockbox.balance_cents === startCents - 2000 &&
    afterLockbox.ledger.some((r) => r.id === `${mailed.id}/reversed` && r.note === 'returned check: Account closed'),
    `the node does not hold the returned lockbox check: ${JSON.stringify(afterLockbox.ledger.slice(-2))}`);
  await t.visitAtEveryWidth(sup, 'utility-lockbox-returned');

  // --- a card charge that could not be applied, refunded by the supervisor
  step('a phone renewal paid by a card the processor answers late, while a second one renews the license first');
  const resident = await signInApi(base, 'resident', 'resident-demo-pass');
  const me = await apiExpect(200, base, 'GET', '/api/v1/users/me', undefined, resident);
  const pets = await apiExpect(200, base, 'GET', `/api/v1/parties/${me.party_id}/pets`, undefined, resident);
  const biscuit = pets.items.find((p) => p.name === 'Biscuit');
  check(biscuit, 'the demo resident has no dog Biscuit');
  const license = (await apiExpect(200, base, 'GET', `/api/v1/parties/${me.party_id}/licenses`, undefined, resident))
    .items.find((l) => l.pet_id === biscuit.id);
  const fee = (await apiExpect(200, base, 'GET', `/api/v1/licenses/${license.number}/renewal`, undefined, clerkToken)).total_cents;
  const renewal = (card, key) => apiCall(base, 'POST', `/api/v1/licenses/${license.number}/online-renewals`,
    { amount_cents: fee, card_number: card, expiry: '12/30' }, clerkToken, { 'Idempotency-Key': key });
  // The demo's processor charges this card at once but answers after the node has stopped waiting (10 s).
  const late = renewal('4000000000006975', 'e2e-late-answer');
  let started = null;
  for (let i = 0; i < 80 && !started; i++) {
    const pending = await apiExpect(200, base, 'GET', '/api/v1/utility/online-payments?status=pending', undefined, clerkToken);
    started = pending.items.find((p) => p.number === license.number) ?? null;
    if (!started) await new Promise((r) => setTimeout(r, 100));
  }
  check(started, 'the late-answered payment was never recorded as pending');
  const first = await renewal('4242424242424242', 'e2e-first-answer');
  check(first.status === 201, `the second renewal answered ${first.status}: ${JSON.stringify(first.json)}`);
  const unapplied = await late;
  check(unapplied.status === 409 && unapplied.json.type.endsWith('payment-unapplied'),
    `the late charge answered ${unapplied.status}: ${JSON.stringify(unapplied.json)}`);
  const chargeId = unapplied.json.payment.id;

  step('the clerk sees the charge to refund, without a refund button');
  await clerk.goto(`${base}/staff/utilities`);
  const clerkList = clerk.getByTestId('charges-to-refund-table');
  await clerkList.waitFor();
  check((await clerkList.innerText()).includes(chargeId), `the clerk's list does not name ${chargeId}`);
  check(await clerk.getByTestId(`refund-${chargeId}`).count() === 0, 'a clerk is offered the refund');

  step('the supervisor refunds it to the card, with the reason');
  await sup.goto(`${base}/staff/utilities`);
  await sup.getByTestId('charges-to-refund-table').waitFor();
  await t.visitAtEveryWidth(sup, 'charges-to-refund');
  await sup.getByTestId(`refund-${chargeId}`).click();
  const refundForm = sup.getByTestId(`refund-form-${chargeId}`);
  await refundForm.getByRole('button', { name: /Refund .* to the card ending 6975/ }).click();
  const noReason = sup.getByTestId('charges-to-refund').getByTestId('alert-error');
  await noReason.waitFor();
  check(await noReason.evaluate((el) => el === document.activeElement), 'the missing reason is not focused');
  await refundForm.getByLabel('Why is it refunded?').fill('Renewed by a second phone payment the same minute');
  await t.visitAtEveryWidth(sup, 'refund-reason');
  await refundForm.getByRole('button', { name: /Refund .* to the card ending 6975/ }).click();
  const refunded = sup.getByTestId('charges-to-refund').getByTestId('alert-success');
  await refunded.waitFor();
  check((await refunded.innerText()).includes(dollars(fee)), `the refund confirmation does not give ${dollars(fee)}: ${await refunded.innerText()}`);
  await sup.getByTestId('no-charges-to-refund').waitFor();
  const held = await apiExpect(200, base, 'GET', '/api/v1/utility/online-payments?status=refunded', undefined, supervisorToken);
  const refundHeld = held.items.find((p) => p.id === chargeId);
  check(refundHeld && refundHeld.refund_reference && refundHeld.message === 'Renewed by a second phone payment the same minute',
    `the node does not hold the refund with its reference and reason: ${JSON.stringify(held.items)}`);
  await t.visitAtEveryWidth(sup, 'refunded');

  // --- administration
  step('the admin sees users, nodes, sync and backups');
  const admin = await t.newPage();
  await signInUi(admin, base, 'admin', 'admin-demo-pass', '/staff/admin');
  await admin.waitForURL(`${base}/staff/admin`);
  await admin.getByTestId('users').waitFor();
  await admin.getByTestId('nodes').waitFor();
  check(/central[\s\S]*north/.test(await admin.getByTestId('nodes').innerText()), 'the nodes table does not list central and north');
  await admin.getByTestId('admin-sync').getByTestId('feeds').waitFor();
  await admin.getByTestId('no-peers').waitFor();
  // The demo backs up to a vault directory beside its data.
  await admin.getByTestId('vaults').waitFor();
  check((await admin.getByTestId('vaults').innerText()).includes('demo-vault'), 'the demo\'s vault is not listed');
  check((await admin.getByTestId('vaults').innerText()).includes('Latest image'), 'the vaults table does not say what image a restore would start from');
  check(await admin.getByTestId('no-vaults').count() === 0, 'a node with a vault is said not to be backed up');
  await t.visitAtEveryWidth(admin, 'admin');

  step('the admin sets the city\'s time zone by its name; an unknown name is refused first');
  const city = admin.getByTestId('city');
  await city.waitFor();
  check((await city.innerText()).includes('CST6CDT,M3.2.0,M11.1.0'), `the demo's time zone is not shown: ${await city.innerText()}`);
  const cityBefore = await apiExpect(200, base, 'GET', '/api/v1/city', undefined, supervisorToken);
  await admin.getByLabel('Time zone').fill('America/Springfield');
  await admin.getByRole('button', { name: 'Set the time zone' }).click();
  const badZone = admin.getByTestId('city-messages').getByTestId('alert-error');
  await badZone.waitFor();
  check((await badZone.innerText()).includes('America/Chicago'), `the refusal does not say what to give: ${await badZone.innerText()}`);
  check((await apiExpect(200, base, 'GET', '/api/v1/city', undefined, supervisorToken)).zone_name === cityBefore.zone_name,
    'a refused time zone changed the city');
  await admin.getByLabel('Time zone').fill('America/Chicago');
  await admin.getByRole('button', { name: 'Set the time zone' }).click();
  await admin.getByTestId('city-messages').getByTestId('alert-success').waitFor();
  await admin.getByTestId('city').getByText('America/Chicago (CST6CDT,M3.2.0,M11.1.0)').waitFor();
  const cityAfter = await apiExpect(200, base, 'GET', '/api/v1/city', undefined, supervisorToken);
  check(cityAfter.zone_name === 'America/Chicago' && cityAfter.time_zone === 'CST6CDT,M3.2.0,M11.1.0',
    `the node holds ${JSON.stringify(cityAfter)}`);
  await t.visitAtEveryWidth(admin, 'admin-time-zone-set');

  step('the admin adds a clerk; the one-time password shown signs in through the API');
  await admin.getByLabel('Username').fill('newclerk');
  await admin.getByLabel('Full name (optional)').fill('Nadia Newclerk');
  await admin.locator('#new-role-clerk').focus();
  await admin.keyboard.press('Space');
  await admin.getByRole('button', { name: 'Add user' }).click();
  const secret = admin.getByTestId('one-time-password-value');
  await secret.waitFor();
  const oneTime = (await secret.innerText()).trim();
  check(oneTime.length >= 12, `the one-time password shown is "${oneTime}"`);
  const users = await apiExpect(200, base, 'GET', '/api/v1/users', undefined, adminToken);
  const made = users.items.find((u) => u.username === 'newclerk');
  check(made && made.roles.length === 1 && made.roles[0] === 'clerk', `the node holds ${JSON.stringify(made)}`);
  const signIn = await apiCall(base, 'POST', '/api/v1/sessions', { username: 'newclerk', password: oneTime });
  if (signIn.status === 201) {
    check(signIn.json.user.must_change_password === true, `the new user's sign-in does not demand a new password: ${signIn.text}`);
    const blocked = await apiCall(base, 'GET', `/api/v1/utility/accounts/${ACCOUNT}`, undefined, signIn.json.token);
    check(blocked.status === 403 && (blocked.json?.type ?? '').endsWith('/password-change-required'),
      `before changing the password the new clerk was answered ${blocked.status}: ${blocked.text}`);
  } else {
    check(signIn.status === 403 && (signIn.json?.type ?? '').endsWith('/password-change-required'),
      `signing in with the one-time password answered ${signIn.status}: ${signIn.text}`);
  }
  await admin.getByTestId('users').getByRole('row', { name: /newclerk/ }).waitFor();
  await t.visitAtEveryWidth(admin, 'admin-user-added');

  step('the admin resets the new clerk\'s password after confirming; only the new one-time password works');
  await admin.getByRole('button', { name: 'Reset password for newclerk' }).click();
  await admin.getByRole('button', { name: 'Yes, reset the password' }).click();
  await admin.waitForFunction((old) => {
    const el = document.querySelector('[data-testid=one-time-password-value]');
    return el && el.textContent.trim() !== old;
  }, oneTime);
  const reset = (await secret.innerText()).trim();
  const oldOne = await apiCall(base, 'POST', '/api/v1/sessions', { username: 'newclerk', password: oneTime });
  check(oldOne.status === 401, `the replaced one-time password still answers ${oldOne.status}: ${oldOne.text}`);
  const newOne = await apiCall(base, 'POST', '/api/v1/sessions', { username: 'newclerk', password: reset });
  check(newOne.status === 201 || (newOne.status === 403 && (newOne.json?.type ?? '').endsWith('/password-change-required')),
    `the reset one-time password answered ${newOne.status}: ${newOne.text}`);

  step('the new clerk signs in with it in the browser, must choose a password, and may not open administration');
  const newClerk = await t.newPage();
  await newClerk.goto(`${base}/sign-in`);
  await newClerk.locator('#username').fill('newclerk');
  await newClerk.locator('#password').fill(reset);
  await newClerk.keyboard.press('Enter');
  await newClerk.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await t.visitAtEveryWidth(newClerk, 'new-password');
  await newClerk.getByLabel('New password', { exact: true }).fill('a-brand-new-clerk-password');
  await newClerk.getByLabel('New password again').fill('a-brand-new-clerk-password');
  await newClerk.getByRole('button', { name: 'Save the new password' }).click();
  await newClerk.waitForURL(`${base}/staff`);
  check((await signInApi(base, 'newclerk', 'a-brand-new-clerk-password')).length > 0, 'the chosen password does not sign in');
  await newClerk.goto(`${base}/staff/admin`);
  await newClerk.getByRole('heading', { name: 'Not allowed' }).waitFor();
  check(await newClerk.getByTestId('users').count() === 0, 'a clerk is shown the users');
  await t.visitAtEveryWidth(newClerk, 'not-allowed');

  step('the admin invites a new office; the token and join command are shown once');
  await admin.getByLabel('Name of the new node').fill('north-branch');
  await admin.getByRole('button', { name: 'Make invitation' }).click();
  const token = (await admin.getByTestId('invitation-value').innerText()).trim();
  check(/^hfi-[0-9a-f]+$/.test(token), `the invitation token shown is "${token}"`);
  const command = await admin.getByTestId('join-command').innerText();
  check(command.includes('holdfast join') && command.includes(`--token ${token}`) && command.includes(`--central ${base}`),
    `the join command is "${command}"`);
  await t.visitAtEveryWidth(admin, 'admin-invitation');
  await admin.getByRole('navigation', { name: 'Staff console' }).getByRole('link', { name: 'Console', exact: true }).click();
  await admin.waitForURL(`${base}/staff`);
  await admin.goBack();
  await admin.waitForURL(`${base}/staff/admin`);
  await admin.getByTestId('users').waitFor();
  const shown = await admin.evaluate(() => document.body.innerText);
  check(!shown.includes(token) && !shown.includes(oneTime) && !shown.includes(reset), 'a one-time password or invitation token is still on the page after leaving it');

  step('the supervisor reads administration without the admin-only parts');
  await sup.getByRole('navigation', { name: 'Staff console' }).getByRole('link', { name: 'Administration' }).click();
  await sup.waitForURL(`${base}/staff/admin`);
  await sup.getByTestId('nodes').waitFor();
  check(await sup.getByRole('button', { name: 'Add user' }).count() === 0, 'a supervisor is offered to add users');
  check(await sup.getByRole('button', { name: 'Make invitation' }).count() === 0, 'a supervisor is offered to invite nodes');
  await t.visitAtEveryWidth(sup, 'admin-supervisor');
});
