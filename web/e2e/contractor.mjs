#!/usr/bin/env node
// End-to-end: a contractor takes a permit through its first inspection in a real browser.
//
// Starts `holdfast demo`; in Chromium the demo contractor (Prairie Builders LLC) signs in with the keyboard,
// sees its permits, applies for a building permit (the form shows the fees before it is sent), pays the fees
// by card (a declined card first: the error is shown and focused and nothing is paid), the permit technician
// issues the permit through the API, the contractor books the first inspection into a window the page offers,
// the inspector records a pass through the API, and the contractor's permit page shows the result. The API
// confirms the fees are paid to the cent, the inspection booked and passed, and that the contractor cannot
// see another party's permit (the page says it is not found). Every page is scanned with axe and photographed
// at desktop and phone width (harness.mjs).
import { apiCall, apiExpect, check, dollars, runE2E, signInApi, signInUi, step } from './harness.mjs';

const DECLINED = '4000000000000002';
const APPROVED = '4242424242424242';
const OTHERS_PERMIT = 'BP-central-2'; // the demo's fence permit: Grace Kim's, with no contractor

runE2E('a contractor takes a permit through its first inspection', async (t) => {
  step('starting holdfast demo');
  const { base } = await t.demo();
  const contractor = await signInApi(base, 'contractor', 'contractor-demo-pass');
  const tech = await signInApi(base, 'permits', 'permits-demo-pass');
  const inspector = await signInApi(base, 'inspector', 'inspector-demo-pass');
  const me = await apiExpect(200, base, 'GET', '/api/v1/users/me', undefined, contractor);
  check(typeof me.party_id === 'string' && me.party_id !== '', 'the demo contractor is not linked to a party');
  const others = await apiCall(base, 'GET', `/api/v1/permits/${OTHERS_PERMIT}`, undefined, tech);
  check(others.status === 200 && others.json.applicant_party_id !== me.party_id && others.json.contractor_party_id !== me.party_id,
    `${OTHERS_PERMIT} is not another party's permit in the demo: ${others.text}`);
  const before = await apiExpect(200, base, 'GET', '/api/v1/permits', undefined, contractor);

  const page = await t.newPage();

  step('the contractor signs in with the keyboard and opens its permits');
  await signInUi(page, base, 'contractor', 'contractor-demo-pass');
  await page.waitForURL(`${base}/account`);
  await page.getByTestId('account-links').getByRole('link', { name: 'My permits and inspections' }).click();
  await page.waitForURL(`${base}/contractor`);
  const list = page.getByTestId('my-permits');
  await list.waitFor();
  for (const p of before.items) check((await list.innerText()).includes(p.number), `permit ${p.number} is not listed`);
  check(!(await list.innerText()).includes(OTHERS_PERMIT), `another party's permit ${OTHERS_PERMIT} is listed`);
  await t.visitAtEveryWidth(page, 'contractor-permits');

  step('the contractor applies for a building permit and sees the fees first');
  await page.getByTestId('apply-link').click();
  await page.waitForURL(`${base}/contractor/apply`);
  await page.getByTestId('apply-form').waitFor();
  await page.getByLabel('Permit type').selectOption('building');
  await page.getByLabel('Description of the work').fill('Detached two-car garage with a storage loft');
  await page.getByLabel('Valuation of the work in dollars').fill('48000');
  await page.getByLabel('Area of the work in square feet (optional)').fill('624');
  await page.keyboard.press('Tab');
  const quote = await apiExpect(200, base, 'GET',
    '/api/v1/permit-types/current/fees?permit_type=building&valuation_cents=4800000&square_feet=624', undefined, contractor);
  check(quote.fees_total_cents > 0, `the building permit costs ${quote.fees_total_cents}`);
  await page.waitForFunction((text) => document.querySelector('[data-testid=quote-total]')?.textContent === text,
    dollars(quote.fees_total_cents));
  await page.getByLabel('Street address', { exact: true }).fill('1606 Prairie View Drive');
  await page.getByLabel('City', { exact: true }).fill('Springfield');
  await page.getByLabel('ZIP code').fill('62702');
  await page.getByLabel('Parcel number (PIN)').fill('14-22-301-014');
  await t.visitAtEveryWidth(page, 'contractor-apply');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/\/contractor\/permits\/BP-/);
  const number = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  const applied = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, contractor);
  check(applied.contractor_party_id === me.party_id && applied.applicant_party_id === me.party_id,
    `the application does not name the contractor's business: ${JSON.stringify(applied)}`);
  check(applied.fees_total_cents === quote.fees_total_cents,
    `the permit's fees ${applied.fees_total_cents} are not the ${quote.fees_total_cents} the form showed`);
  const due = page.getByTestId('fees-due');
  await due.waitFor();
  check((await due.innerText()) === dollars(applied.due_cents), `the page shows ${await due.innerText()} due, not ${dollars(applied.due_cents)}`);
  await t.visitAtEveryWidth(page, 'contractor-permit-fees');

  step('a declined card: the error is shown and focused, nothing is paid');
  await page.getByLabel('Card number').fill(DECLINED);
  await page.getByLabel('Expiration date').fill('12/30');
  await page.getByRole('button', { name: `Pay ${dollars(applied.due_cents)}` }).click();
  const declined = page.getByTestId('alert-error');
  await declined.waitFor();
  check((await declined.innerText()).toLowerCase().includes('declined'), `the decline is not explained: ${await declined.innerText()}`);
  check(await declined.evaluate((el) => el === document.activeElement), 'the decline message did not take focus');
  const afterDecline = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, contractor);
  check(afterDecline.paid_cents === 0, `a declined card paid ${afterDecline.paid_cents}`);
  await t.visitAtEveryWidth(page, 'contractor-payment-declined');

  step('an approved card pays the fees to the cent');
  await page.getByLabel('Card number').fill(APPROVED);
  await page.getByLabel('Expiration date').fill('12/30');
  await page.getByRole('button', { name: `Pay ${dollars(applied.due_cents)}` }).click();
  const paid = page.getByTestId('alert-success');
  await paid.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=fees-due]')?.textContent === '$0.00');
  check(await paid.evaluate((el) => el === document.activeElement), 'the payment confirmation did not take focus');
  const afterPay = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, contractor);
  check(afterPay.paid_cents === applied.fees_total_cents && afterPay.due_cents === 0 && afterPay.receipts.length === 1,
    `after paying, the permit holds paid ${afterPay.paid_cents} of ${applied.fees_total_cents}, due ${afterPay.due_cents}, receipts ${afterPay.receipts}`);
  check(afterPay.status === 'in_review', `a paid permit is ${afterPay.status}`);
  const booking = page.getByTestId('booking-note');
  check((await booking.innerText()).includes('reviewing'), `before issue the page says: ${await booking.innerText()}`);
  await t.visitAtEveryWidth(page, 'contractor-payment-approved');

  step('the permit technician issues the permit through the API');
  const issued = await apiExpect(200, base, 'POST', `/api/v1/permits/${number}/issue`, undefined, tech);
  check(issued.status === 'issued', `the permit is ${issued.status} after issue`);
  const slots = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}/inspection-slots?limit=10`, undefined, contractor);
  check(slots.items.length > 0, 'no inspection window is open');

  step('the contractor books the first inspection with the keyboard');
  await page.reload();
  const form = page.getByTestId('booking-form');
  await form.waitFor();
  await t.visitAtEveryWidth(page, 'contractor-booking');
  const firstWindow = page.locator('#slot-0');
  await firstWindow.focus();
  await page.keyboard.press('Space');
  check(await firstWindow.isChecked(), 'the first window is not chosen');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  const bookedAlert = page.getByTestId('alert-success');
  await bookedAlert.waitFor();
  check((await bookedAlert.innerText()).includes('booked'), `the booking is not confirmed: ${await bookedAlert.innerText()}`);
  const inspections = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}/inspections`, undefined, contractor);
  check(inspections.items.length === 1, `the permit has ${inspections.items.length} inspections, not 1`);
  const booked = inspections.items[0];
  check(booked.type === 'footing' && booked.status === 'scheduled', `the booking is ${booked.type} ${booked.status}`);
  check(booked.day === slots.items[0].day && booked.window === slots.items[0].window,
    `booked ${booked.day} ${booked.window}, not the first window offered ${slots.items[0].day} ${slots.items[0].window}`);
  check((await page.getByTestId('inspections').innerText()).includes('Booked'), 'the booked inspection is not listed as booked');
  await t.visitAtEveryWidth(page, 'contractor-booked');

  step('the contractor moves the inspection to another open window');
  const openNow = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}/inspection-slots?limit=10`, undefined, contractor);
  const otherWindows = openNow.items.filter((w) => !(w.day === booked.day && w.window === booked.window));
  check(otherWindows.length > 0, 'no other window is open to move the inspection to');
  const moveForm = page.getByTestId('move-form');
  await moveForm.waitFor();
  check((await page.getByTestId('booking-note').innerText()).includes('is booked for'),
    `the page does not say when the inspection is booked: ${await page.getByTestId('booking-note').innerText()}`);
  check(await moveForm.locator(`input[value="${booked.day}|${booked.window}"]`).count() === 0,
    'the window the inspection holds is offered to move it to');
  await t.visitAtEveryWidth(page, 'contractor-move');
  await page.locator('#move-0').check();
  await moveForm.getByRole('button', { name: 'Move inspection' }).click();
  await page.getByTestId('alert-success').filter({ hasText: 'moved' }).waitFor();
  const afterMove = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}/inspections`, undefined, contractor);
  check(afterMove.items.length === 1, `after the move the permit has ${afterMove.items.length} inspections, not 1`);
  const moved = afterMove.items[0];
  check(moved.id === booked.id && moved.status === 'scheduled', `after the move the inspection is ${moved.id} ${moved.status}`);
  check(moved.day === otherWindows[0].day && moved.window === otherWindows[0].window,
    `moved to ${moved.day} ${moved.window}, not the first other window offered ${otherWindows[0].day} ${otherWindows[0].window}`);

  step('the inspector passes the footing through the API; the contractor sees the result');
  await apiExpect(200, base, 'POST', `/api/v1/inspections/${booked.id}/result`,
    { result: 'pass', comments: 'Footings and rebar as drawn.' }, inspector);
  await page.reload();
  const table = page.getByTestId('inspections');
  await table.waitFor();
  const shown = await table.innerText();
  check(shown.includes('Passed') && shown.includes('Footings and rebar as drawn.'), `the result is not shown: ${shown}`);
  const result = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}/inspections`, undefined, contractor);
  check(result.items[0].result === 'pass' && result.items[0].status === 'completed', `the inspection is ${result.items[0].status} ${result.items[0].result}`);
  const permitAfter = await apiExpect(200, base, 'GET', `/api/v1/permits/${number}`, undefined, contractor);
  check(permitAfter.status === 'inspections' && permitAfter.inspections[0].passed_on !== null,
    `after the pass the permit is ${permitAfter.status}`);
  check((await page.getByTestId('booking-form').innerText()).includes('Foundation'), 'the next inspection offered is not the foundation');
  await t.visitAtEveryWidth(page, 'contractor-inspected');

  step('another party\'s permit is not found, to the API and on the page');
  const hidden = await apiCall(base, 'GET', `/api/v1/permits/${OTHERS_PERMIT}`, undefined, contractor);
  check(hidden.status === 404, `the contractor reading ${OTHERS_PERMIT} got ${hidden.status}`);
  const hiddenBooking = await apiCall(base, 'POST', `/api/v1/permits/${OTHERS_PERMIT}/inspections`, { inspection_type: 'fence_final' }, contractor);
  check(hiddenBooking.status === 404, `booking on ${OTHERS_PERMIT} got ${hiddenBooking.status}`);
  await page.goto(`${base}/contractor/permits/${OTHERS_PERMIT}`);
  const notFound = page.getByTestId('alert-error');
  await notFound.waitFor();
  check((await notFound.innerText()).includes('not found'), `the page does not say the permit is not found: ${await notFound.innerText()}`);
  check(!(await page.locator('main').innerText()).includes('Willow'), 'the other party\'s permit address shows');
  await t.visitAtEveryWidth(page, 'contractor-permit-not-found');
});
