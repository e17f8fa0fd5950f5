#!/usr/bin/env node
// End-to-end: a resident renews a dog's license online in a real browser.
//
// Starts `holdfast demo`; the resident (Maria Gonzalez, owner of Biscuit and Tango) signs in with the
// keyboard, opens "Renew a pet license" from her account, sees her pets and their licenses, opens Biscuit's
// renewal (the fees and the new dates the node quotes), is declined (the error is focused, the license
// unchanged) and then pays; the page and the API agree the license runs a year longer. Renewing the same
// license again is explained without a card form, and another owner's license is "not found". Every page is
// scanned with axe and photographed at desktop and phone width (harness.mjs).
import { apiCall, apiExpect, check, dollars, runE2E, signInApi, signInUi, step } from './harness.mjs';

runE2E('a resident renews a pet license online', async (t) => {
  const { base } = await t.demo();
  const resident = await signInApi(base, 'resident', 'resident-demo-pass');
  const me = await apiExpect(200, base, 'GET', '/api/v1/users/me', undefined, resident);
  const licenses = await apiExpect(200, base, 'GET', `/api/v1/parties/${me.party_id}/licenses`, undefined, resident);
  const pets = await apiExpect(200, base, 'GET', `/api/v1/parties/${me.party_id}/pets`, undefined, resident);
  const biscuit = pets.items.find((p) => p.name === 'Biscuit');
  check(biscuit, 'the demo resident has no dog Biscuit');
  const license = licenses.items.find((l) => l.pet_id === biscuit.id);
  const quote = await apiExpect(200, base, 'GET', `/api/v1/licenses/${license.number}/renewal`, undefined, resident);

  step('the resident signs in and finds her pets');
  const page = await t.newPage();
  await signInUi(page, base, 'resident', 'resident-demo-pass');
  await page.getByTestId('account-links').getByRole('link', { name: 'Renew a pet license' }).click();
  await page.waitForURL(`${base}/pets`);
  const table = page.getByTestId('pets');
  await table.waitFor();
  const listed = await table.innerText();
  check(listed.includes('Biscuit') && listed.includes('Tango') && listed.includes(license.number),
    `the pets page does not list both dogs and Biscuit's license: ${listed}`);
  await t.visitAtEveryWidth(page, 'pets');

  step('Biscuit\'s renewal: the fees and dates the node quotes');
  await page.getByRole('link', { name: 'Renew Biscuit\'s license' }).click();
  await page.waitForURL(`${base}/pets/licenses/${license.number}`);
  await page.getByTestId('renewal-fees').waitFor();
  check((await page.getByTestId('pay-amount').innerText()) === dollars(quote.total_cents),
    `the page asks ${await page.getByTestId('pay-amount').innerText()}, the node quotes ${dollars(quote.total_cents)}`);
  await t.visitAtEveryWidth(page, 'pet-renewal');

  step('a declined card: the error is focused and the license unchanged');
  await page.getByLabel('Card number').fill('4000000000000002');
  await page.getByLabel('Expiration date').fill('12/30');
  await page.getByRole('button', { name: `Pay ${dollars(quote.total_cents)}` }).click();
  const declined = page.getByTestId('alert-error');
  await declined.waitFor();
  check(await declined.evaluate((el) => el === document.activeElement), 'the decline did not take focus');
  const unchanged = await apiExpect(200, base, 'GET', `/api/v1/licenses/${license.number}`, undefined, resident);
  check(unchanged.expires_on === license.expires_on && unchanged.renewals === license.renewals,
    `a declined card changed the license: ${JSON.stringify(unchanged)}`);
  await t.visitAtEveryWidth(page, 'pet-renewal-declined');

  step('an approved card: the license runs a year longer');
  await page.getByLabel('Card number').fill('4242424242424242');
  await page.getByLabel('Expiration date').fill('12/30');
  await page.getByRole('button', { name: `Pay ${dollars(quote.total_cents)}` }).click();
  const renewed = page.getByTestId('alert-success');
  await renewed.waitFor();
  const after = await apiExpect(200, base, 'GET', `/api/v1/licenses/${license.number}`, undefined, resident);
  check(after.expires_on === quote.expires_on && after.renewals === license.renewals + 1,
    `the node holds expiry ${after.expires_on} (${after.renewals} renewals), not ${quote.expires_on}`);
  check((await renewed.innerText()).includes(license.number), `the success message does not name the license: ${await renewed.innerText()}`);
  await t.visitAtEveryWidth(page, 'pet-renewed');

  step('the same license again is explained; another owner\'s is not found');
  await page.goto(`${base}/pets/licenses/${license.number}`);
  const early = page.getByTestId('alert-info');
  await early.waitFor();
  check((await early.innerText()).includes('renewals open on'), `a second renewal is not explained: ${await early.innerText()}`);
  check(await page.getByTestId('pay-form').count() === 0, 'a card form is offered for a license that cannot be renewed');
  const again = await apiCall(base, 'GET', `/api/v1/licenses/${license.number}/renewal`, undefined, resident);
  check(again.status === 409, `the node quotes a second renewal: ${again.status}`);
  const clerk = await signInApi(base, 'clerk', 'clerk-demo-pass');
  const parties = await apiExpect(200, base, 'GET', '/api/v1/parties?q=James%20Carter', undefined, clerk);
  const james = await apiExpect(200, base, 'GET', `/api/v1/parties/${parties.items[0].id}/licenses`, undefined, clerk);
  await page.goto(`${base}/pets/licenses/${james.items[0].number}`);
  const missing = page.getByTestId('alert-error');
  await missing.waitFor();
  check((await missing.innerText()).includes('No such license'), `another owner's license is not "not found": ${await missing.innerText()}`);
  await t.visitAtEveryWidth(page, 'pet-renewal-not-found');
});
