#!/usr/bin/env node
// End-to-end: a resident pays a water bill in a real browser while an incident is in effect.
//
// Starts `holdfast demo` on a free port with a fresh data directory and the built UI, declares an incident as
// the demo supervisor through the API, then drives Debian's Chromium (headless, through playwright-core):
// the resident signs in with the keyboard, sees the incident banner and the balance, pays with a declined
// card (an error is shown and focused, the balance is unchanged) and then with an approved one (the new
// balance is shown); then a visitor who is not signed in looks up a permit, first by a number that does not
// exist, and checks a counter receipt's proof against the log's checkpoint. axe-core checks every page visited at desktop and phone width and the run fails on any
// serious or critical violation. Screenshots of each page at 1280x800 and 390x844 go to the screenshot folder.
//
// Usage: node e2e/run.mjs [--holdfast PATH] [--web DIR] [--screenshots DIR]
//   (or HOLDFAST_BINARY, HOLDFAST_WEB_DIR, HOLDFAST_SCREENSHOTS, CHROMIUM_PATH in the environment).
// Exit status 0 when every check passed, 1 otherwise (the reason printed last).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const webRoot = resolve(here, '..');
const repoRoot = resolve(webRoot, '..');
const require = createRequire(import.meta.url);

function option(name, env, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && process.argv[i + 1]) return process.argv[i + 1];
  return process.env[env] || fallback;
}
const holdfast = resolve(option('holdfast', 'HOLDFAST_BINARY', join(repoRoot, 'build', 'holdfast')));
const webDir = resolve(option('web', 'HOLDFAST_WEB_DIR', join(webRoot, 'dist')));
const shotsDir = resolve(option('screenshots', 'HOLDFAST_SCREENSHOTS', join(repoRoot, 'build', 'screenshots')));
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const NOTICE = 'Online payments may be slow. No late fees.';
const DECLINED = '4000000000000002';
const APPROVED = '4242424242424242';
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

class Failure extends Error {}
function check(ok, message) {
  if (!ok) throw new Failure(message);
}
function step(text) {
  console.log(`-- ${text}`);
}

// Starts the demo node and resolves with its URL once it prints "listening on http://...".
function startDemo(dataDir) {
  const child = spawn(holdfast, ['demo', '--data', dataDir, '--listen', '127.0.0.1:0', '--web', webDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Failure(`holdfast demo did not start within 120 s:\n${output}`)), 120_000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Failure(`holdfast demo exited (${code ?? signal}) before serving:\n${output}`));
    });
    child.on('error', (e) => reject(new Failure(`could not run ${holdfast}: ${e.message}`)));
  });
  return { child, url };
}

async function stopDemo(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function apiCall(base, method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

async function signInApi(base, username, password) {
  const r = await apiCall(base, 'POST', '/api/v1/sessions', { username, password });
  check(r.status === 201, `signing in as ${username} through the API answered ${r.status}: ${r.text}`);
  return r.json.token;
}

function dollars(cents) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

const axeSource = require.resolve('axe-core/axe.min.js');
const scanned = [];

// Runs axe on the page as it is; fails on serious or critical violations, reports the others.
async function scan(page, label) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  scanned.push(label);
  for (const v of violations) console.log(`   axe ${v.impact} ${v.id} on ${label}: ${v.help} (${v.targets.join(', ')})`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe found ${bad.length} serious or critical violation(s) on ${label}: ${bad.map((v) => v.id).join(', ')}`);
}

async function shoot(page, name, viewport) {
  await page.screenshot({ path: join(shotsDir, `${name}-${viewport.name}.png`), fullPage: true });
}

// Every page of the flow visited again at each width: scanned and photographed.
async function visitAtEveryWidth(page, name) {
  for (const vp of VIEWPORTS) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    await scan(page, `${name} (${vp.width}x${vp.height})`);
    await shoot(page, name, vp);
  }
  await page.setViewportSize({ width: VIEWPORTS[0].width, height: VIEWPORTS[0].height });
}

async function main() {
  check(existsSync(chromiumPath), `no Chromium at ${chromiumPath}: install Debian's chromium package (scripts/install-deps.sh does) or set CHROMIUM_PATH`);
  check(existsSync(holdfast), `no holdfast binary at ${holdfast}: run make build`);
  check(existsSync(join(webDir, 'index.html')), `the web UI is not built (no ${webDir}/index.html): run make build`);
  mkdirSync(shotsDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'holdfast-e2e-'));
  let demo = null;
  let browser = null;
  try {
    step('starting holdfast demo');
    demo = startDemo(join(tmp, 'data'));
    const base = await demo.url;
    console.log(`   ${base}`);

    const index = await fetch(`${base}/`);
    check(index.status === 200 && (index.headers.get('content-type') ?? '').startsWith('text/html'), `GET / answered ${index.status} ${index.headers.get('content-type')}`);

    step('declaring an incident as the supervisor');
    const supervisor = await signInApi(base, 'supervisor', 'supervisor-demo-pass');
    const declared = await apiCall(base, 'POST', '/api/v1/incidents', { services: ['utilities'], notice: NOTICE }, supervisor);
    check(declared.status === 201, `declaring the incident answered ${declared.status}: ${declared.text}`);

    const resident = await signInApi(base, 'resident', 'resident-demo-pass');
    const before = await apiCall(base, 'GET', '/api/v1/utility/accounts/100001', undefined, resident);
    check(before.status === 200, `reading account 100001 as the resident answered ${before.status}: ${before.text}`);
    const startCents = before.json.balance_cents;
    check(startCents > 0, `the demo resident's account 100001 has nothing to pay (balance ${startCents})`);
    const payCents = Math.min(1000, startCents);

    step('launching Chromium');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    step('the home page shows the incident banner');
    await page.goto(`${base}/`);
    await page.getByTestId('incident-banner').waitFor();
    check((await page.getByTestId('incident-banner').innerText()).includes(NOTICE), 'the incident banner does not show the notice');
    check((await page.getAttribute('html', 'lang')) === 'en', '<html> has no lang="en"');
    await visitAtEveryWidth(page, 'home');

    step('the resident signs in with the keyboard');
    await page.goto(`${base}/sign-in`);
    await page.locator('#username').waitFor();
    await page.getByTestId('incident-banner').waitFor();
    await visitAtEveryWidth(page, 'sign-in');
    // A wrong password: the error is shown and focused.
    await page.locator('#username').focus();
    await page.keyboard.type('resident');
    await page.keyboard.press('Tab');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    const signInError = page.getByTestId('alert-error');
    await signInError.waitFor();
    check(await signInError.evaluate((el) => el === document.activeElement), 'the sign-in error did not take focus');
    await visitAtEveryWidth(page, 'sign-in-error');
    await page.locator('#password').fill('');
    await page.locator('#password').focus();
    await page.keyboard.type('resident-demo-pass');
    await page.keyboard.press('Enter');

    step('the resident sees their account and the incident banner');
    await page.waitForURL(`${base}/pay`);
    await page.getByTestId('accounts').waitFor();
    await page.getByTestId('incident-banner').waitFor();
    check((await page.getByTestId('accounts').innerText()).includes('100001'), 'account 100001 is not listed');
    await visitAtEveryWidth(page, 'accounts');
    await page.getByRole('link', { name: 'Pay account 100001' }).click();
    await page.waitForURL(`${base}/pay/100001`);
    const balance = page.getByTestId('balance');
    await balance.waitFor();
    check((await balance.innerText()) === dollars(startCents), `the balance shown is ${await balance.innerText()}, not ${dollars(startCents)}`);
    await visitAtEveryWidth(page, 'account');

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
    await visitAtEveryWidth(page, 'payment-declined');

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
    await visitAtEveryWidth(page, 'payment-approved');

    step('anyone looks up a permit: an unknown number is explained, a real one shows its inspections');
    const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })).newPage();
    visitor.on('pageerror', (e) => pageErrors.push(e.message));
    await visitor.goto(`${base}/`);
    await visitor.getByRole('link', { name: 'Look up a permit' }).first().click();
    await visitor.waitForURL(`${base}/permits`);
    await visitor.getByLabel('Permit number').fill('BP-nowhere-9');
    await visitor.keyboard.press('Enter');
    const noPermit = visitor.getByTestId('alert-error');
    await noPermit.waitFor();
    check((await noPermit.innerText()).includes('BP-nowhere-9'), `the unknown permit is not named: ${await noPermit.innerText()}`);
    await visitAtEveryWidth(visitor, 'permit-not-found');
    await visitor.getByLabel('Permit number').fill('BP-central-1');
    await visitor.getByRole('button', { name: 'Look up' }).click();
    await visitor.waitForURL(`${base}/permits/BP-central-1`);
    const record = visitor.getByTestId('permit-record');
    await record.waitFor();
    check((await record.innerText()).includes('Issued'), `the permit's status is not shown: ${await record.innerText()}`);
    check((await visitor.getByTestId('permit-inspections').innerText()).includes('footing'),
      'the permit\'s footing inspection is not listed');
    await visitAtEveryWidth(visitor, 'permit');

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
    await visitAtEveryWidth(visitor, 'receipt-proven');

    check(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);
    console.log(`PASS: ${scanned.length} axe scans clean; screenshots in ${shotsDir}`);
    return 0;
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (demo) await stopDemo(demo.child);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`FAIL: ${e instanceof Failure ? e.message : e?.stack ?? e}`);
    process.exit(1);
  },
);
