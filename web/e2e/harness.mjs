// What every end-to-end test of the web UI shares: starting and stopping holdfast nodes on free ports with
// fresh data directories, calling the API, driving Debian's Chromium through playwright-core, axe-core scans
// (a serious or critical violation fails the test) and screenshots at desktop and phone width.
//
// A test is a file calling runE2E(name, async (t) => { ... }); it runs with
//   node e2e/<file>.mjs [--holdfast PATH] [--web DIR] [--screenshots DIR]
//   (or HOLDFAST_BINARY, HOLDFAST_WEB_DIR, HOLDFAST_SCREENSHOTS, CHROMIUM_PATH in the environment)
// and exits 0 when every check passed, 1 otherwise (the reason printed last). Nodes and the browser are
// stopped at the end, pass or fail.
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
export const holdfast = resolve(option('holdfast', 'HOLDFAST_BINARY', join(repoRoot, 'build', 'holdfast')));
export const webDir = resolve(option('web', 'HOLDFAST_WEB_DIR', join(webRoot, 'dist')));
export const shotsDir = resolve(option('screenshots', 'HOLDFAST_SCREENSHOTS', join(repoRoot, 'build', 'screenshots')));
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

export class Failure extends Error {}
export function check(ok, message) {
  if (!ok) throw new Failure(message);
}
export function step(text) {
  console.log(`-- ${text}`);
}

// Cents as the UI shows them: 12345 -> "$123.45".
export function dollars(cents) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

// Runs `holdfast <args>` to its end; resolves with its output, fails on a non-zero exit.
export function runHoldfast(args) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(holdfast, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', (e) => reject(new Failure(`could not run ${holdfast}: ${e.message}`)));
    child.on('exit', (code) =>
      code === 0 ? resolveRun(output) : reject(new Failure(`holdfast ${args[0]} exited ${code}:\n${output}`)));
  });
}

// A serving node: `holdfast <args>` (demo or serve), resolved once it prints "listening on http://...".
export class Node {
  constructor(label, args) {
    this.label = label;
    this.output = '';
    this.child = spawn(holdfast, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.url = new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Failure(`${label} did not start within 120 s:\n${this.output}`)), 120_000);
      this.child.stdout.on('data', (chunk) => {
        this.output += chunk;
        const m = /listening on (http:\/\/\S+)/.exec(this.output);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]);
        }
      });
      this.child.stderr.on('data', (chunk) => (this.output += chunk));
      this.child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Failure(`${label} exited (${code ?? signal}) before serving:\n${this.output}`));
      });
      this.child.on('error', (e) => reject(new Failure(`could not run ${holdfast}: ${e.message}`)));
    });
    this.url.catch(() => {});
  }

  running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop() {
    if (!this.running()) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function apiCall(base, method, path, body, token, headers = {}) {
  const all = { Accept: 'application/json', ...headers };
  if (body !== undefined) all['Content-Type'] = 'application/json';
  if (token) all.Authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

// An API call that must answer `status`; resolves with its JSON.
export async function apiExpect(status, base, method, path, body, token, headers) {
  const r = await apiCall(base, method, path, body, token, headers);
  check(r.status === status, `${method} ${path} answered ${r.status}, not ${status}: ${r.text}`);
  return r.json;
}

export async function signInApi(base, username, password) {
  const r = await apiCall(base, 'POST', '/api/v1/sessions', { username, password });
  check(r.status === 201, `signing in as ${username} through the API answered ${r.status}: ${r.text}`);
  return r.json.token;
}

// Signs in on the sign-in page with the keyboard alone, and waits for the page it leads to.
export async function signInUi(page, base, username, password, next) {
  await page.goto(`${base}/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.locator('#username').waitFor();
  await page.locator('#username').focus();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

const axeSource = require.resolve('axe-core/axe.min.js');

// The test's context: its temporary directory, its nodes, the browser, and what the pages threw.
class Test {
  constructor(tmp) {
    this.tmp = tmp;
    this.nodes = [];
    this.browser = null;
    this.pageErrors = [];
    this.scanned = [];
  }

  // `holdfast demo` on a free port with a fresh data directory and the built UI.
  async demo(label = 'demo', extra = []) {
    const node = new Node(label, ['demo', '--data', join(this.tmp, label), '--listen', '127.0.0.1:0', '--web', webDir, ...extra]);
    this.nodes.push(node);
    const url = await node.url;
    console.log(`   ${label}: ${url}`);
    return { node, base: url };
  }

  // `holdfast <args>` serving; the caller gives --data and --listen.
  async serve(label, args) {
    const node = new Node(label, args);
    this.nodes.push(node);
    const url = await node.url;
    console.log(`   ${label}: ${url}`);
    return { node, base: url };
  }

  async launch() {
    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    return this.browser;
  }

  // A page in a context of its own (its own cookies), at desktop width.
  async newPage() {
    if (!this.browser) await this.launch();
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    // axe comes with every page, as the browser's own tooling would bring it: the pages' Content-Security-Policy
    // lets no script in but the UI's own, and anything it blocks fails the test.
    await context.addInitScript({ path: axeSource });
    const page = await context.newPage();
    page.on('pageerror', (e) => this.pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && m.text().includes('Content Security Policy')) this.pageErrors.push(m.text());
    });
    return page;
  }

  // Runs axe on the page as it is; fails on serious or critical violations, reports the others.
  async scan(page, label) {
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
      }));
    });
    this.scanned.push(label);
    for (const v of violations) console.log(`   axe ${v.impact} ${v.id} on ${label}: ${v.help} (${v.targets.join(', ')})`);
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    check(bad.length === 0, `axe found ${bad.length} serious or critical violation(s) on ${label}: ${bad.map((v) => v.id).join(', ')}`);
  }

  // The page as it is, scanned and photographed at each width (`name`-desktop.png, `name`-phone.png), and
  // checked not to be wider than the phone's screen.
  async visitAtEveryWidth(page, name) {
    for (const vp of VIEWPORTS) {
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await this.scan(page, `${name} (${vp.width}x${vp.height})`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      check(wide <= vp.width + 1, `${name} is ${wide} px wide at ${vp.width} px: something does not fit the screen`);
      // From the top, so the sticky status strip sits where it belongs in the picture of the whole page.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(shotsDir, `${name}-${vp.name}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: VIEWPORTS[0].width, height: VIEWPORTS[0].height });
  }
}

// Runs one end-to-end test and exits with its result.
export function runE2E(name, body) {
  const run = async () => {
    check(existsSync(chromiumPath), `no Chromium at ${chromiumPath}: install Debian's chromium package (scripts/install-deps.sh does) or set CHROMIUM_PATH`);
    check(existsSync(holdfast), `no holdfast binary at ${holdfast}: run make build`);
    check(existsSync(join(webDir, 'index.html')), `the web UI is not built (no ${webDir}/index.html): run make build`);
    mkdirSync(shotsDir, { recursive: true });
    const t = new Test(mkdtempSync(join(tmpdir(), 'holdfast-e2e-')));
    try {
      await body(t);
      check(t.pageErrors.length === 0, `the page threw: ${t.pageErrors.join('; ')}`);
      console.log(`PASS ${name}: ${t.scanned.length} axe scans clean; screenshots in ${shotsDir}`);
    } finally {
      if (t.browser) await t.browser.close().catch(() => {});
      for (const node of t.nodes) await node.stop();
      rmSync(t.tmp, { recursive: true, force: true });
    }
  };
  run().then(
    () => process.exit(0),
    (e) => {
      console.error(`FAIL ${name}: ${e instanceof Failure ? e.message : e?.stack ?? e}`);
      process.exit(1);
    },
  );
}
