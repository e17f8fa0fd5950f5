#!/usr/bin/env node
// End-to-end: the permit desk, from intake to the inspector's result.
//
// Starts `holdfast demo`. In Chromium the permit technician signs in with the keyboard, takes a building
// application for a demo resident with the demo's licensed contractor and sees the fees the node assessed
// ($250,000.00 of work: $3,042.00 by the shipped permit types). Fees are taken at a cash drawer, which a permit
// technician does not hold, so the clerk (drawer opened through the API) takes them on the permit's page; the
// permit technician issues the permit and books its first inspection. The API confirms: issued, paid to the
// cent, the footing inspection booked. Then the inspector, on a phone-width page, finds that stop on their day,
// records a pass with a note, and the API and the inspection board show it. Last, the permit desk's search
// finds the permit by words of its work, listing what the node's search matched. A second permit's fees, paid
// by card over the phone, are refunded by the supervisor on its page (the permit technician is not offered it;
// a missing reason is refused first), and the node holds them due again. Every page is scanned with
// axe and photographed at desktop and phone width (harness.mjs).
import { apiExpect, check, dollars, runE2E, signInApi, signInUi, step } from './harness.mjs';

const VALUATION_DOLLARS = '250,000';
const FEES_CENTS = 304200; // docs/permits.md: $1,800.00 base + 4% technology + 65% plan review
// USWDS draws its own radio buttons over visually hidden inputs: a user picks one by its label.
async function choose(page, label) {
  const input = page.getByLabel(label, { exact: true });
  await page.locator(`label[for="${await input.getAttribute('id')}"]`).click();
  check(await input.isChecked(), `choosing "${label}" did not check it`);
}

const NOTE = 'Footings poured to plan; rebar and depth checked.';

runE2E('the permit desk takes an application through to the inspector\'s result', async (t) => {
  step('starting holdfast demo');
  const { base } = await t.demo();
  const techToken = await signInApi(base, 'permits', 'permits-demo-pass');
  const clerkToken = await signInApi(base, 'clerk', 'clerk-demo-pass');
  const inspectorToken = await signInApi(base, 'inspector', 'inspector-demo-pass');

  step('the permit technician signs in with the keyboard and sees the permit desk');
  const tech = await t.newPage();
  await signInUi(tech, base, 'permits', 'permits-demo-pass', '/staff/permits');
  await tech.waitForURL(`${base}/staff/permits`);
  await tech.getByTestId('permit-list').waitFor();
  check((await tech.getByTestId('permit-list').innerText()).includes('BP-central-1'), 'the demo permit BP-central-1 is not listed');
  check(await tech.getByRole('navigation', { name: 'Staff console' }).getByRole('link', { name: 'Permit desk' }).isVisible(),
    'the staff navigation has no Permit desk link');
  await t.visitAtEveryWidth(tech, 'permit-desk');

  step('an application missing its details is explained, with the error focused');
  await tech.getByRole('link', { name: 'Take a new application' }).click();
  await tech.waitForURL(`${base}/staff/permits/new`);
  await tech.getByTestId('intake').waitFor();
  await tech.getByRole('button', { name: 'Take the application' }).click();
  const missing = tech.getByTestId('alert-error');
  await missing.waitFor();
  check((await missing.innerText()).includes('applicant'), `the missing applicant is not explained: ${await missing.innerText()}`);
  check(await missing.evaluate((el) => el === document.activeElement), 'the intake error did not take focus');

  step('the permit technician takes a building application for James Carter, built by Prairie Builders');
  await tech.getByLabel('Find the applicant').fill('Carter');
  await tech.getByRole('button', { name: 'Search', exact: true }).click();
  await choose(tech, 'James Carter, 48 Oak Avenue');
  await tech.getByLabel('Permit type').selectOption({ label: 'Building' });
  const contractor = tech.getByLabel('Contractor', { exact: true });
  await contractor.locator('option', { hasText: 'Prairie Builders LLC' }).waitFor({ state: 'attached' });
  await contractor.selectOption(await contractor.locator('option', { hasText: 'Prairie Builders LLC' }).getAttribute('value'));
  await choose(tech, 'New construction');
  await tech.getByLabel('Description of the work').fill('Single-family house, one story, detached garage');
  await tech.getByLabel('Valuation in dollars').fill(VALUATION_DOLLARS);
  await tech.getByLabel('Square feet (optional)').fill('1800');
  await tech.getByLabel('Street address').fill('77 Meadowlark Lane');
  await tech.getByLabel('City', { exact: true }).fill('Springfield');
  await tech.getByLabel('State', { exact: true }).fill('IL');
  await tech.getByLabel('ZIP code').fill('62702');
  await tech.getByLabel('Parcel number (PIN)').fill('14-22-310-002');
  await t.visitAtEveryWidth(tech, 'permit-intake');
  await tech.getByRole('button', { name: 'Take the application' }).click();
  const taken = tech.getByTestId('alert-success');
  await taken.waitFor();
  const number = /permit (BP-[\w-]+)/.exec(await taken.innerText())?.[1];
  check(number, `the new permit's number is not shown: ${await taken.innerText()}`);
  const shownTotal = await tech.getByTestId('fees-total').innerText();
  check(shownTotal === dollars(FEES_CENTS), `the fees shown total ${shownTotal}, not ${dollars(FEES_CENTS)}`);
  const applied = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, techToken);
  check(applied.fees_total_cents === FEES_CENTS && applied.due_cents === FEES_CENTS,
    `the node assessed ${applied.fees_total_cents} with ${applied.due_cents} due, not ${FEES_CENTS}`);
  check(applied.valuation_cents === 25_000_000 && applied.square_feet === 1800, `valuation ${applied.valuation_cents}, square feet ${applied.square_feet}`);
  check(applied.type_code === 'building' && applied.contractor_party_id && applied.address.zip === '62702',
    `the permit holds type ${applied.type_code}, contractor ${applied.contractor_party_id}, ZIP ${applied.address?.zip}`);
  await t.visitAtEveryWidth(tech, 'permit-intake-fees');

  step('on the permit page the permit technician is told a clerk takes the fees, and cannot issue yet');
  await tech.getByRole('link', { name: `Open permit ${number} to take the fees` }).click();
  await tech.waitForURL(`${base}/staff/permits/${number}`);
  await tech.getByTestId('permit-record').waitFor();
  check((await tech.getByTestId('take-payment').innerText()).includes('clerk'), 'the permit technician is not told who takes the fees');
  check((await tech.getByTestId('issue').count()) === 0, 'an unpaid permit offers to be issued');
  check((await tech.getByTestId('fees-due').innerText()) === dollars(FEES_CENTS), 'the fees due are not shown');

  step('the clerk takes the fees by check at their open drawer');
  const drawer = await apiExpect(201, base, 'POST', '/api/v1/drawers', { float_cents: 10000 }, clerkToken);
  const clerk = await t.newPage();
  await signInUi(clerk, base, 'clerk', 'clerk-demo-pass', `/staff/permits/${number}`);
  await clerk.getByTestId('payment-form').waitFor();
  await t.visitAtEveryWidth(clerk, 'permit-payment');
  await choose(clerk, 'Check');
  check((await clerk.getByLabel('Amount received in dollars').inputValue()) === (FEES_CENTS / 100).toFixed(2), 'the amount is not the fees due');
  await clerk.getByLabel('Check or money order number').fill('5120');
  await clerk.getByRole('button', { name: `Take ${dollars(FEES_CENTS)}` }).click();
  const paid = clerk.getByTestId('alert-success');
  await paid.waitFor();
  const receipt = /receipt (\S+)/.exec(await paid.innerText())?.[1];
  check(receipt, `the receipt is not named: ${await paid.innerText()}`);
  check((await clerk.getByTestId('fees-due').innerText()) === dollars(0), 'the page still shows fees due');
  const afterPay = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, techToken);
  check(afterPay.paid_cents === FEES_CENTS && afterPay.due_cents === 0 && afterPay.status === 'in_review',
    `after payment the node holds paid ${afterPay.paid_cents}, due ${afterPay.due_cents}, status ${afterPay.status}`);
  const onReceipt = await apiExpect(200, base, 'GET', `/api/v1/receipts/${receipt}`, undefined, clerkToken);
  check(onReceipt.total_cents === FEES_CENTS && onReceipt.drawer_id === drawer.id && onReceipt.tenders[0].kind === 'check',
    `receipt ${receipt}: total ${onReceipt.total_cents}, drawer ${onReceipt.drawer_id}, tender ${onReceipt.tenders?.[0]?.kind}`);
  await t.visitAtEveryWidth(clerk, 'permit-paid');

  step('a hold stops the issue until it is released');
  await tech.reload();
  await tech.getByText('Place a hold on this permit').click();
  await tech.getByLabel('Why the permit is held').fill('Waiting for the stamped site plan');
  await tech.getByRole('button', { name: 'Place a hold' }).click();
  await tech.getByTestId('alert-success').filter({ hasText: 'Hold placed' }).waitFor();
  check((await tech.getByTestId('issue').count()) === 0, 'a permit on hold offers to be issued');
  const held = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, techToken);
  check(held.held === true && held.hold_reason === 'Waiting for the stamped site plan', `the node holds held=${held.held}, reason "${held.hold_reason}"`);
  await tech.getByLabel('Why the hold ends').fill('Site plan received');
  await tech.getByRole('button', { name: 'Release the hold' }).click();
  await tech.getByTestId('alert-success').filter({ hasText: 'Hold released' }).waitFor();

  step('the permit technician issues the permit and books its first inspection');
  await tech.getByTestId('issue').click();
  await tech.getByTestId('alert-success').filter({ hasText: 'is issued' }).waitFor();
  const issued = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, techToken);
  check(issued.status === 'issued' && issued.issued_on && issued.expires_on, `the node holds status ${issued.status} after issue`);
  check((await tech.getByLabel('Inspection', { exact: true }).inputValue()) === 'footing', 'the first inspection offered is not the footing');
  await t.visitAtEveryWidth(tech, 'permit-issued');
  await tech.getByRole('button', { name: 'Book the inspection' }).click();
  await tech.getByTestId('alert-success').filter({ hasText: 'inspection booked' }).waitFor();
  const booked = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}/inspections`, undefined, techToken);
  check(booked.items.length === 1 && booked.items[0].type === 'footing' && booked.items[0].status === 'scheduled',
    `the node holds these inspections: ${JSON.stringify(booked.items)}`);
  const inspection = booked.items[0];
  check((await tech.getByTestId('permit-inspections').innerText()).includes('Booked'), 'the booked inspection is not listed on the permit');

  step('the inspector, on a phone, finds the stop on their day and records a pass with a note');
  const me = await apiExpect(200, base, 'GET', '/api/v1/users/me', undefined, inspectorToken);
  check(inspection.inspector === me.id, `the inspection went to ${inspection.inspector}, not the demo inspector ${me.id}`);
  const phone = await t.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await signInUi(phone, base, 'inspector', 'inspector-demo-pass', '/staff/my-day');
  await phone.waitForURL(`${base}/staff/my-day`);
  await phone.getByTestId('day-picker').waitFor();
  await t.visitAtEveryWidth(phone, 'my-day-today');
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.getByLabel('Another day').fill(inspection.day);
  await phone.getByRole('button', { name: 'Show that day' }).click();
  await phone.waitForURL(`${base}/staff/my-day?date=${inspection.day}`);
  const card = phone.getByTestId(`stop-${number}`);
  await card.waitFor();
  const cardText = await card.innerText();
  check(cardText.includes('77 Meadowlark Lane') && cardText.includes('Footing'), `the stop does not show the address and inspection: ${cardText}`);
  await t.visitAtEveryWidth(phone, 'my-day');
  await phone.setViewportSize({ width: 390, height: 844 });
  // Without a result the form says so and records nothing.
  await card.getByRole('button', { name: 'Record the result' }).click();
  await card.getByTestId('alert-error').waitFor();
  const passTile = card.getByText('Pass', { exact: true });
  const box = await passTile.boundingBox();
  check(box && box.height >= 44, `the Pass choice is ${box?.height} px tall: too small a touch target`);
  await passTile.click();
  await card.getByLabel('Notes').fill(NOTE);
  await card.getByRole('button', { name: 'Record the result' }).click();
  const recorded = phone.getByTestId('alert-success');
  await recorded.waitFor();
  check((await recorded.innerText()).includes('Passed'), `the pass is not confirmed: ${await recorded.innerText()}`);
  await phone.getByTestId('done').waitFor();
  check((await phone.getByTestId('done').innerText()).includes(NOTE), 'the day does not list the pass with its note');
  const result = await apiExpect(200, base, 'GET', `/api/v1/inspections/${inspection.id}`, undefined, techToken);
  check(result.status === 'completed' && result.result === 'pass' && result.comments === NOTE,
    `the node holds ${result.status} / ${result.result} / "${result.comments}"`);
  const passedPermit = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, techToken);
  check(passedPermit.status === 'inspections', `after the footing passed the permit is ${passedPermit.status}, not inspections`);
  await t.visitAtEveryWidth(phone, 'my-day-recorded');

  step('the inspection board shows the pass');
  await tech.goto(`${base}/staff/inspections`);
  await tech.getByTestId('board-filter').waitFor();
  await t.visitAtEveryWidth(tech, 'inspection-board-today');
  await tech.getByLabel('Day').fill(inspection.day);
  await tech.getByRole('button', { name: 'Show inspections' }).click();
  await tech.waitForURL((url) => url.searchParams.get('date') === inspection.day);
  const row = tech.getByTestId('board').getByRole('row').filter({ hasText: number });
  await row.waitFor();
  const rowText = await row.innerText();
  check(rowText.includes('Passed') && rowText.includes('Inspected'), `the board's row does not show the pass: ${rowText}`);
  await t.visitAtEveryWidth(tech, 'inspection-board');

  step('the permit desk finds the permit by words of its work, as the node searches them');
  await tech.goto(`${base}/staff/permits`);
  await tech.getByTestId('permit-list').waitFor();
  await tech.getByLabel('Number, street, parcel or description of the work').fill('DETACHED garage');
  await tech.getByRole('button', { name: 'Show permits' }).click();
  await tech.waitForURL((url) => url.searchParams.get('q') === 'DETACHED garage');
  await tech.getByTestId('permit-list').getByRole('link', { name: number }).waitFor();
  const matched = await apiExpect(200, base, 'GET', `/api/v1/permits?q=${encodeURIComponent('DETACHED garage')}`, undefined, techToken);
  const listed = await tech.getByTestId('permit-list').getByRole('row').count();
  check(listed === matched.items.length + 1, `the desk lists ${listed - 1} permits, the node matched ${matched.items.length}`);
  check(matched.items.some((p) => p.number === number) && !matched.items.some((p) => p.number === 'BP-central-1'),
    `the node's matches are not the new permit alone among the demo's: ${matched.items.map((p) => p.number)}`);
  await tech.getByLabel('Number, street, parcel or description of the work').fill('no such work anywhere');
  await tech.getByRole('button', { name: 'Show permits' }).click();
  await tech.getByText('No permit matches. Try another status or fewer words.').waitFor();

  step('a second permit\'s fees paid by card over the phone are refunded by the supervisor on its page, and are due again');
  const second = await apiExpect(201, base, 'POST', '/api/v1/permits', {
    permit_type: 'building', work_class: 'new', description: 'Deck, 300 square feet', valuation_cents: 1_500_000,
    address: { line1: '12 Birch Court', line2: '', city: 'Springfield', state: 'IL', zip: '62702' }, parcel_pin: '14-22-310-009',
    applicant_party_id: applied.applicant_party_id, contractor_party_id: applied.contractor_party_id,
  }, techToken);
  const byPhone = await apiExpect(201, base, 'POST', `/api/v1/permits/${second.number}/online-payments`,
    { amount_cents: second.due_cents, card_number: '4242424242424242', expiry: '12/30' }, clerkToken, { 'Idempotency-Key': 'e2e-deck-fees' });
  const paymentId = byPhone.payment.id;
  check((await apiExpect(200, base, 'GET', `/api/v1/permits/${second.number}`, undefined, techToken)).due_cents === 0, 'the phone payment left fees due');
  await tech.goto(`${base}/staff/permits/${second.number}`);
  await tech.getByTestId('permit-record').waitFor();
  check(await tech.getByTestId('online-refunds').count() === 0, 'a permit technician is offered to refund a card payment');
  const sup = await t.newPage();
  await signInUi(sup, base, 'supervisor', 'supervisor-demo-pass', `/staff/permits/${second.number}`);
  const refundForm = sup.getByTestId(`online-refund-${paymentId}`);
  await refundForm.waitFor();
  const refundButton = refundForm.getByRole('button', { name: `Refund ${dollars(second.due_cents)} (${paymentId}) to the card` });
  await refundButton.click();
  await sup.getByTestId('permit-messages').getByTestId('alert-error').waitFor();
  check((await apiExpect(200, base, 'GET', `/api/v1/permits/${second.number}`, undefined, techToken)).due_cents === 0,
    'a refund without its reason changed the permit');
  await refundForm.getByLabel(`Why ${paymentId} is refunded`).fill('The applicant withdrew the application');
  await refundButton.click();
  const refundedShown = sup.getByTestId('permit-messages').getByTestId('alert-success');
  await refundedShown.waitFor();
  check((await refundedShown.innerText()).includes('ending 4242'), `the refund's confirmation does not name the card: ${await refundedShown.innerText()}`);
  check((await sup.getByTestId('fees-due').innerText()) === dollars(second.due_cents), 'the page does not show the fees due again');
  check(await sup.getByTestId('online-refunds').count() === 0, 'the refunded payment is still offered for a refund');
  const after = await apiExpect(200, base, 'GET', `/api/v1/permits/${second.number}`, undefined, techToken);
  check(after.due_cents === second.due_cents, `the node holds ${after.due_cents} due after the refund, not ${second.due_cents}`);
  const refundHeld = (await apiExpect(200, base, 'GET', '/api/v1/utility/online-payments?status=refunded', undefined, clerkToken))
    .items.find((c) => c.id === paymentId);
  check(refundHeld && refundHeld.message === 'The applicant withdrew the application', `the node does not hold the refund with its reason: ${JSON.stringify(refundHeld)}`);
  await t.visitAtEveryWidth(sup, 'permit-online-refunded');
});
