#!/usr/bin/env node
// End-to-end: the staff status strip shows an office cut off from central, then back in sync.
//
// Central is `holdfast demo`; an office joins it with an invitation (`holdfast join`) and serves with a sync
// round every second and a backup to a vault directory every second. The clerk signs in at the office: the
// strip says central answers, nothing waits, when the last backup was, and that no incident is in effect. Then
// central stops: the strip says central is not answering, and the sale the clerk rings up meanwhile is counted
// as waiting to sync. Central comes back on the same address: the strip says central answers and nothing
// waits, and central holds the office's receipt. Every state is scanned with axe and photographed at desktop
// and phone width.
import { join } from 'node:path';
import { apiCall, apiExpect, check, runE2E, runHoldfast, signInApi, signInUi, step, webDir } from './harness.mjs';

// The strip item `testid` once it reads as `state` ("ok" or "problem") and includes `text`.
async function stripShows(page, testid, state, text) {
  try {
    await page.waitForFunction(([id, s, t]) => {
      const el = document.querySelector(`[data-testid=${id}]`);
      return !!el && el.getAttribute('data-state') === s && el.textContent.includes(t);
    }, [testid, state, text], { timeout: 30_000 });
  } catch {
    const now = await page.locator(`[data-testid=${testid}]`).innerText().catch(() => '(missing)');
    check(false, `the status strip's ${testid} did not come to say "${text}" (${state}); it says "${now}"`);
  }
}

runE2E('the status strip shows an office cut off, then back in sync', async (t) => {
  step('central (the demo city) and an office that joins it');
  const central = await t.demo('central');
  const admin = await signInApi(central.base, 'admin', 'admin-demo-pass');
  const invitation = await apiExpect(201, central.base, 'POST', '/api/v1/nodes/invitations', { node: 'office' }, admin);
  const officeData = join(t.tmp, 'office');
  await runHoldfast(['join', '--data', officeData, '--central', central.base, '--token', invitation.token]);
  const office = await t.serve('office', ['serve', '--data', officeData, '--listen', '127.0.0.1:0', '--web', webDir,
    '--sync-every', '1', '--vault', join(t.tmp, 'vault'), '--backup-every', '1']);

  step('the clerk signs in at the office: central answers, nothing waits, a backup was made');
  const page = await t.newPage();
  await signInUi(page, office.base, 'clerk', 'clerk-demo-pass');
  await page.waitForURL(`${office.base}/staff`);
  await page.getByTestId('status-strip').waitFor();
  check((await page.getByTestId('status-node').innerText()).includes('office'), 'the strip does not name the office node');
  await stripShows(page, 'status-peers', 'ok', 'central answering');
  await stripShows(page, 'status-waiting', 'ok', 'all in sync');
  await stripShows(page, 'status-backup', 'ok', ':');
  await stripShows(page, 'status-incident', 'ok', 'none');
  await t.visitAtEveryWidth(page, 'status-in-sync');

  step('central stops: the office is cut off, and a sale made meanwhile waits');
  const centralPort = new URL(central.base).port;
  await central.node.stop();
  await stripShows(page, 'status-peers', 'problem', 'central not answering');
  const clerk = await signInApi(office.base, 'clerk', 'clerk-demo-pass');
  const drawer = await apiExpect(201, office.base, 'POST', '/api/v1/drawers', { float_cents: 0 }, clerk);
  const sale = await apiExpect(201, office.base, 'POST', '/api/v1/payments', {
    drawer_id: drawer.id,
    items: [{ code: 'MISC', description: 'Copy of a license', amount_cents: 300 }],
    tenders: [{ kind: 'cash', amount_cents: 300 }],
  }, clerk);
  await stripShows(page, 'status-waiting', 'problem', 'event');
  const waiting = await page.getByTestId('status-waiting').innerText();
  const counted = Number(/(\d+) events?/.exec(waiting)?.[1] ?? 0);
  check(counted >= 2, `a drawer opened and a sale made while cut off should wait to sync, the strip says "${waiting}"`);
  const status = await apiExpect(200, office.base, 'GET', '/api/v1/sync/status', undefined, clerk);
  check(status.peers[0].waiting === counted, `the strip says ${counted} waiting, the node ${status.peers[0].waiting}`);
  await t.visitAtEveryWidth(page, 'status-cut-off');

  step('central comes back: the office catches up and the strip says so');
  await t.serve('central-again', ['serve', '--data', join(t.tmp, 'central'), '--listen', `127.0.0.1:${centralPort}`]);
  await stripShows(page, 'status-peers', 'ok', 'central answering');
  await stripShows(page, 'status-waiting', 'ok', 'all in sync');
  const atCentral = await apiCall(central.base, 'GET', `/api/v1/receipts/${encodeURIComponent(sale.receipt)}`, undefined,
    await signInApi(central.base, 'clerk', 'clerk-demo-pass'));
  check(atCentral.status === 200, `central does not hold the office's receipt ${sale.receipt}: ${atCentral.status} ${atCentral.text}`);
  await t.visitAtEveryWidth(page, 'status-back-in-sync');
});
