// The platform console end to end: `cove serve --demo` on a fresh data directory, driven in
// Debian's headless Chromium through its login form, lists, tabs, dialogs and buttons. Every
// assertion reads the DOM (or, for the CSRF check, a fetch made from the page itself).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { coveBin, launchBrowser, repo } from './lib/dev.mjs';

/**
 * Start `cove serve --demo`; resolves once it has printed the console URL and the demo
 * admin's credentials (in whatever order, among other lines).
 */
function startServe(dataDir) {
  const args = ['serve', '--demo', '--data-dir', dataDir, '--listen', '127.0.0.1:0'];
  // `--demo` publishes the projects under `examples/` of the working directory.
  const proc = spawn(coveBin(), args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`cove serve did not start:\n${out}\n${stderr}`)), 120000);
    proc.stdout.on('data', (d) => {
      out += d;
      const url = /console: (http:\/\/\S+)/.exec(out);
      const admin = /demo admin: (\S+) \/ (\S+)/.exec(out);
      const dev = /demo developer: (\S+) \/ (\S+)/.exec(out);
      const host = /demo host app: sdk key (\S+) \/ sdk secret (\S+)/.exec(out);
      if (!url || !admin || !dev || !host) return;
      clearTimeout(timer);
      resolve({
        url: url[1].endsWith('/') ? url[1] : `${url[1]}/`,
        username: admin[1],
        password: admin[2],
        developer: { username: dev[1], password: dev[2] },
        host: { key: host[1], secret: host[2] },
        proc,
        stderr: () => stderr,
        stop: () => new Promise((r) => {
          if (proc.exitCode !== null) return r({ code: proc.exitCode });
          proc.once('exit', (code, signal) => r({ code, signal }));
          proc.kill('SIGTERM');
        }),
      });
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`cove serve exited with ${code}:\n${stderr}`)); });
  });
}

/** A ZIP of `files` (name → Buffer), stored without compression. */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += local.length + n.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** examples/demo as a project ZIP, with `edit(name, text)` changing its files. */
function demoProject(edit) {
  const root = path.join(repo, 'examples/demo');
  const files = {};
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else {
        const name = path.relative(root, full).split(path.sep).join('/');
        const text = edit(name, fs.readFileSync(full, 'utf8'));
        files[name] = Buffer.from(text);
      }
    }
  };
  walk(root);
  return zip(files);
}

/** A new password for a forced change: 12+ characters. */
function newPassword() {
  return `Cove-e2e-${crypto.randomBytes(9).toString('base64url')}`;
}

/**
 * Sign in through the API. A one-time password must be changed first (`must_change_password`,
 * after which only `PUT /session/password` works): change it and update `creds` in place.
 */
async function signIn(creds) {
  const post = () => fetch(`${serve.url}api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: creds.username, password: creds.password }),
  });
  let r = await post();
  assert.equal(r.status, 200, `${creds.username} signs in`);
  let body = await r.json();
  if (body.must_change_password) {
    const cookie = r.headers.get('set-cookie').split(';')[0];
    const next = newPassword();
    const c = await fetch(`${serve.url}api/v1/session/password`, {
      method: 'PUT',
      headers: { cookie, 'x-csrf-token': body.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ current: creds.password, new: next }),
    });
    assert.ok(c.ok, `${creds.username} changes the one-time password: ${c.status} ${await c.text()}`);
    creds.password = next;
    r = await post();
    assert.equal(r.status, 200, `${creds.username} signs in with the new password`);
    body = await r.json();
  }
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: body.csrf, user: body.user };
}

/** The API as another user, from outside the browser (the developer uploads with the CLI). */
async function apiAs(creds) {
  const { cookie, csrf } = await signIn(creds);
  return async (method, url, body, type = 'application/json') => {
    const res = await fetch(`${serve.url}api/v1${url}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, ...(body ? { 'content-type': type } : {}) },
      body: body && type === 'application/json' ? JSON.stringify(body) : body,
    });
    const json = await res.json();
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** A request of the demo host app's SDK, signed as docs/server.md says. */
async function sdkPost(url, payload) {
  const body = Buffer.from(JSON.stringify(payload));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = crypto.randomBytes(12).toString('hex');
  const digest = crypto.createHash('sha256').update(body).digest('hex');
  const signature = crypto
    .createHmac('sha256', serve.host.secret)
    .update(`COVE-HMAC-SHA256\nPOST\n${url}\n${digest}\n${timestamp}\n${nonce}`)
    .digest('hex');
  const r = await fetch(`${serve.url}${url.slice(1)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-cove-key': serve.host.key,
      'x-cove-timestamp': timestamp,
      'x-cove-nonce': nonce,
      'x-cove-signature': signature,
    },
    body,
  });
  const json = await r.json();
  assert.equal(r.status, 200, JSON.stringify(json));
  return json;
}

let serve, browser, dataDir, context, page;
// Errors the page itself reported: script errors and CSP violations (console errors).
const pageErrors = [];

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-console-'));
  serve = await startServe(dataDir);
  // The demo's one-time passwords may have to be changed at first sign-in: do it here, so the
  // tests below sign in with the passwords that work.
  const admin = { username: serve.username, password: serve.password };
  await signIn(admin);
  serve.password = admin.password;
  await signIn(serve.developer);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // API refusals the test provokes (the signed-out 401, the CSRF check's 403, a duplicate
    // app id) are logged by Chromium as failed resources; anything else is a fault.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      pageErrors.push(m.text());
    }
  });
  // ...but none of the console's own files may be missing.
  page.on('response', (r) => {
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/api/')) pageErrors.push(`${r.status()} ${r.url()}`);
  });
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Text of the first match, once it is visible. */
async function text(locator) {
  await locator.first().waitFor();
  return (await locator.first().innerText()).replace(/\s+/g, ' ').trim();
}

/** A fetch from inside the page (same origin, its cookie), returning status and JSON. */
function pageFetch(p, url, init = {}) {
  return p.evaluate(async ([u, i]) => {
    const r = await fetch(u, i);
    const t = await r.text();
    let body = null;
    try { body = JSON.parse(t); } catch { body = t; }
    return { status: r.status, body };
  }, [url, init]);
}

/** Open a console route (`#/...`) in the signed-in page, freshly loaded. */
async function open(route) {
  await page.goto(`${serve.url}${route}`);
  // Only the hash may have changed: reload, so no state of an earlier test carries over.
  await page.reload();
  await page.locator('#top').waitFor();
}

async function login(p, username, password) {
  await p.goto(serve.url);
  await p.locator('form#login').waitFor();
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  // The demo admin's printed password is a one-time one: the console asks for a new one
  // before anything else; a wrong password shows the form's error instead.
  await p.locator('form#change-password, #top:not([hidden]), #login-error:not([hidden])').first().waitFor();
  if (await p.locator('form#change-password').isVisible()) {
    const fresh = `${password} (changed)`;
    await p.getByLabel('Current password').fill(password);
    await p.getByLabel('New password', { exact: true }).fill(fresh);
    await p.getByLabel('Repeat new password').fill(fresh);
    await p.getByRole('button', { name: 'Change password' }).click();
    await p.locator('#top').waitFor();
    if (username === serve.username) serve.password = fresh;
  }
}

test('the console is served with a strict Content-Security-Policy', async () => {
  const r = await fetch(serve.url);
  assert.equal(r.status, 200);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  assert.match(await r.text(), /<script type="module" src="\/console\/console\.js">/);
  const js = await fetch(`${serve.url}console/console.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
  assert.equal((await fetch(`${serve.url}console/nope.js`)).status, 404);
});

test('a wrong password shows an error and no session', async () => {
  const p = await browser.newPage();
  await login(p, serve.username, `${serve.password}-wrong`);
  const err = p.locator('#login-error');
  await err.waitFor();
  assert.match(await text(err), /Sign-in failed/);
  // Still on the login form, with nothing signed in.
  assert.ok(await p.locator('form#login').isVisible());
  assert.ok(await p.locator('#top').isHidden());
  assert.equal((await pageFetch(p, '/api/v1/session')).status, 401);
  await p.close();
});

test('log in through the form', async () => {
  await login(page, serve.username, serve.password);
  await page.locator('table#apps').waitFor();
  assert.match(await text(page.locator('#who')), new RegExp(`^${serve.username} `));
  assert.ok(await page.locator('#top').isVisible());
  // The session cookie is out of the page's reach.
  const cookies = await context.cookies();
  assert.ok(cookies.length > 0, 'a session cookie was set');
  for (const c of cookies) assert.ok(c.httpOnly, `cookie ${c.name} is HttpOnly`);
  assert.equal(await page.evaluate(() => document.cookie), '');
});

let demoApps;

test('the demo mini-programs are listed, published', async () => {
  const api = await pageFetch(page, '/api/v1/apps');
  assert.equal(api.status, 200);
  demoApps = api.body;
  assert.ok(demoApps.length >= 1, 'the demo seeds mini-programs');
  const rows = page.locator('table#apps tbody tr[data-app]');
  assert.equal(await rows.count(), demoApps.length);
  for (const a of demoApps) {
    const row = page.locator(`table#apps tbody tr[data-app="${a.app_id}"]`);
    assert.equal(await text(row.locator('td.name')), a.name);
    assert.equal(await text(row.locator('td').nth(1)), a.app_id);
    // Published by the demo: live, and not taken down.
    assert.notEqual(a.live_version, null, `${a.app_id} is live`);
    assert.equal(await text(row.locator('td.state')), `live v${a.live_version}`);
  }
  assert.ok(demoApps.some((a) => a.app_id === 'wxcove0000demo01'), 'the examples/demo app is seeded');
  // The filter narrows the table.
  await page.getByLabel('Filter').fill('wxcove0000demo01');
  assert.equal(await rows.count(), 1);
  await page.getByLabel('Filter').fill('');
  assert.equal(await rows.count(), demoApps.length);
});

test('a mini-program: versions, and the latest version\'s review report', async () => {
  const app = demoApps.find((a) => a.app_id === 'wxcove0000demo01');
  await page.locator(`tr[data-app="${app.app_id}"] td.name a`).click();
  assert.equal(await text(page.locator('#app-name')), app.name);
  const rows = page.locator('table#versions tbody tr[data-code]');
  await rows.first().waitFor();
  const latest = rows.first();
  const code = Number(await latest.getAttribute('data-code'));
  assert.equal(code, app.live_version, 'the newest version is the live one');
  const state = await text(latest.locator('td.state'));
  assert.match(state, /released/);
  assert.match(state, /live/);
  // A released, live version offers no workflow step.
  assert.equal(await latest.getByRole('button', { name: /Submit|Approve|Reject|Publish|Roll back/ }).count(), 0);

  await latest.getByRole('link', { name: 'Report' }).click();
  const report = page.locator('#report');
  await report.waitFor();
  assert.match(await text(report.locator('h3')), new RegExp(`Review report — .* \\(${code}\\)`));
  assert.ok(page.url().endsWith(`#/apps/${app.app_id}/versions/${code}`));
  assert.match(await text(latest), /./);
  assert.ok(await page.locator(`table#versions tr[data-code="${code}"].selected`).isVisible());
  // The report's sections, read from the same API the page used.
  const detail = (await pageFetch(page, `/api/v1/apps/${app.app_id}/versions/${code}`)).body;
  const r = detail.report;
  const apis = Object.keys(r.apis);
  assert.ok(apis.length > 0, 'the demo calls wx APIs');
  assert.equal(await report.locator('#report-apis tbody tr').count(), apis.length);
  for (const name of apis) {
    const row = report.locator('#report-apis tbody tr', { hasText: `wx.${name}` }).first();
    await row.waitFor();
    assert.equal(await row.evaluate((el) => el.classList.contains('flag')), r.apis[name].sensitive, `wx.${name} flagged iff sensitive`);
  }
  const domainRows = report.locator('#report-domains tbody tr');
  assert.equal(await domainRows.count(), Math.max(1, r.domains.length));
  for (const d of r.domains) {
    const row = report.locator('#report-domains tbody tr', { hasText: `${d.scheme}://${d.host}` }).first();
    const violation = d.whitelisted_in.length === 0 || d.scheme === 'http' || d.scheme === 'ws';
    assert.equal(await row.evaluate((el) => el.classList.contains('violation')), violation);
  }
  const sizes = await text(report.locator('#report-sizes'));
  assert.match(sizes, /main package/);
  assert.match(sizes, /of 2 MB/);
  assert.match(sizes, /total .* of 20 MB/);
  assert.equal(await report.locator('#report-sizes tbody tr').count(), r.sizes.length + 1);
  await report.locator('#report-npm').waitFor();
  await report.locator('#report-diff').waitFor();
  if (r.diff == null) assert.match(await text(report.locator('#report-diff')), /nothing was live to compare against/);
  else assert.equal(await report.locator('#report-diff details.file').count(), r.diff.length);
  // Needs manual review: a row per item (or one saying there is none).
  assert.equal(await report.locator('#report-review tbody tr').count(), Math.max(1, r.manual_review.length));
  assert.match(await text(report.locator('#report-review-title')), new RegExp(`Needs manual review \\(${r.manual_review.length}\\)`));
  // The reviewer opens the candidate in the simulator: a link to a running simulator of it.
  await latest.getByRole('button', { name: 'Preview' }).click();
  const link = latest.locator('a.preview-link');
  await link.waitFor();
  const href = new URL(await link.getAttribute('href'));
  // The link carries the preview's secret; without it the simulator answers nothing.
  assert.equal((await fetch(new URL('/__cove/status', href))).status, 401);
  const status = await (await fetch(`${href.origin}/__cove/status?token=${href.searchParams.get('token')}`)).json();
  assert.equal(status.build, 'ok', JSON.stringify(status));
});

test('gray release: explain which version a user gets', async () => {
  const app = demoApps.find((a) => a.app_id === 'wxcove0000demo01');
  await open(`#/apps/${app.app_id}`);
  await page.getByRole('tab', { name: 'Gray release' }).click();
  await page.locator('form#explain').waitFor();
  await page.locator('form#explain').getByLabel('User id').fill('用户-42');
  await page.getByLabel('Host version').fill('3.12.0');
  await page.getByRole('button', { name: 'Explain' }).click();
  const decision = await text(page.locator('#explain-result .decision'));
  const expected = (await pageFetch(page, `/api/v1/apps/${app.app_id}/explain?user_id=${encodeURIComponent('用户-42')}&host_version=3.12.0&platform=android`)).body;
  if (expected.rule) assert.equal(decision, `Version ${expected.version_code} by rule ${expected.rule}`);
  else assert.equal(decision, `Version ${expected.version_code} (the live version: no rule matched)`);
  assert.equal(await page.locator('#explain-result ol.trace li').count(), expected.trace.length);
});

test('review workflow: a risky version is flagged and rejected with a reason', async () => {
  const app = demoApps.find((a) => a.app_id === 'wxcove0000demo01');
  const dev = await apiAs(serve.developer);
  // The developer uploads a version calling a sensitive API and an unlisted domain, and one
  // API chosen at run time.
  let dynamicLine = 0;
  const risky = demoProject((name, text) => {
    if (name !== 'miniprogram/app.js') return text;
    const added = `${text}\nfunction track() {\n  wx.getLocation({ type: 'wgs84' });\n  wx.request({ url: 'https://tracker.example.net/collect' });\n  wx[pickApi()]({});\n}\n`;
    dynamicLine = added.split('\n').findIndex((l) => l.includes('wx[pickApi()]')) + 1;
    return added;
  });
  const v2 = await dev('POST', `/apps/${app.app_id}/versions?kind=source&version_name=1.1.0&note=${encodeURIComponent('定位上报')}`, risky, 'application/zip');
  await dev('POST', `/apps/${app.app_id}/versions/${v2.code}/submit`);

  await open(`#/apps/${app.app_id}`);
  const row = page.locator(`table#versions tr[data-code="${v2.code}"]`);
  assert.match(await text(row.locator('td.state')), /^in review$/);
  assert.match(await text(row), /定位上报/);
  await row.getByRole('link', { name: 'Report' }).click();
  const report = page.locator('#report');
  await report.locator('h3', { hasText: `(${v2.code})` }).waitFor();
  // The sensitive API is flagged; the unlisted domain is a highlighted violation.
  const loc = report.locator('#report-apis tbody tr', { hasText: 'wx.getLocation' });
  assert.match(await text(loc), /sensitive/);
  assert.ok(await loc.evaluate((el) => el.classList.contains('flag')));
  assert.ok(!(await report.locator('#report-apis tbody tr', { hasText: 'wx.setStorageSync' }).evaluate((el) => el.classList.contains('flag'))));
  const domain = report.locator('#report-domains tbody tr', { hasText: 'https://tracker.example.net' });
  assert.match(await text(domain), /not whitelisted/);
  assert.ok(await domain.evaluate((el) => el.classList.contains('violation')));
  assert.match(await text(report.locator('.findings')), /sensitive_api/);
  assert.match(await text(report.locator('.findings')), /domain_not_whitelisted/);
  assert.match(await text(report.locator('.findings')), /needs_manual_review/);
  // The computed member is a row of Needs manual review, with its place and the code.
  const item = report.locator('#report-review tbody tr[data-code="computed_member"]', { hasText: `app.js:${dynamicLine}:3` });
  assert.match(await text(item), /Computed member computed_member/);
  assert.match(await text(item), /wx\[pickApi\(\)\]\(\{\}\);/);
  // The diff against the live version shows exactly the added lines, in a unified diff.
  const file = report.locator('#report-diff details.file', { hasText: 'app.js' }).first();
  assert.match(await text(file.locator('summary')), /changed .*app\.js.* \+6 −0/);
  const added = await file.locator('pre.patch .line.add').allInnerTexts();
  assert.ok(added.some((l) => l.includes("wx.getLocation({ type: 'wgs84' });")), added.join('\n'));
  assert.ok((await file.locator('pre.patch .line.hunk').count()) >= 1);

  // Rejecting needs a reason.
  await row.getByRole('button', { name: 'Reject' }).click();
  const dlg = page.locator('dialog.modal');
  await dlg.getByRole('button', { name: 'Reject' }).click();
  assert.equal(await text(dlg.locator('.form-error')), 'A reason is required.');
  await dlg.getByLabel('Reason').fill('含未登记域名 tracker.example.net');
  await dlg.getByRole('button', { name: 'Reject' }).click();
  await row.locator('td.state', { hasText: 'rejected' }).waitFor();
  assert.equal(await text(row.locator('.reason')), 'Reason: 含未登记域名 tracker.example.net');
  // A rejected version offers no workflow step (only the preview).
  assert.equal(await row.getByRole('button', { name: /Submit|Approve|Reject|Publish|Roll back/ }).count(), 0);
});

test('review workflow: approve, publish, roll back, and a gray rule for the newer version', async () => {
  const app = demoApps.find((a) => a.app_id === 'wxcove0000demo01');
  const dev = await apiAs(serve.developer);
  const clean = demoProject((name, text) => (name === 'miniprogram/app.js' ? `${text}\n// 1.2.0\n` : text));
  const v3 = await dev('POST', `/apps/${app.app_id}/versions?kind=source&version_name=1.2.0`, clean, 'application/zip');
  await dev('POST', `/apps/${app.app_id}/versions/${v3.code}/submit`);

  await open(`#/apps/${app.app_id}`);
  const row = page.locator(`table#versions tr[data-code="${v3.code}"]`);
  await row.getByRole('button', { name: 'Approve' }).click();
  await page.locator('dialog.modal').getByLabel('Comment').fill('diff is one comment line');
  await page.locator('dialog.modal').getByRole('button', { name: 'Approve' }).click();
  await row.locator('td.state', { hasText: 'approved' }).waitFor();
  await row.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.locator('dialog.modal').getByRole('button', { name: 'Publish' }).click();
  await row.locator('td.state', { hasText: 'live' }).waitFor();
  assert.match(await text(row.locator('td.state')), /^released live$/);
  assert.match(await text(page.locator('.title .state')), new RegExp(`^live v${v3.code}`));

  // Roll back to the first version: it is live again at once.
  const first = page.locator(`table#versions tr[data-code="${app.live_version}"]`);
  await first.getByRole('button', { name: 'Roll back to this' }).click();
  await page.locator('dialog.modal').getByRole('button', { name: 'Roll back' }).click();
  await first.locator('td.state', { hasText: 'live' }).waitFor();
  assert.match(await text(page.locator('.title .state')), new RegExp(`^live v${app.live_version}`));
  // Newer than the live version again, it is served only through gray rules: labelled so.
  assert.equal(await text(row.locator('td.state')), 'released gray only');

  // A gray rule serves the newer version to one user; explain says so, and why.
  await page.getByRole('tab', { name: 'Gray release' }).click();
  await page.getByRole('button', { name: 'Add rule' }).click();
  const rule = page.locator('#rules .rule').first();
  await rule.getByLabel('Rule id').fill('staff-preview');
  await rule.getByLabel('Serves version').selectOption(String(v3.code));
  await rule.getByRole('button', { name: 'Remove' }).click(); // the default percentage
  await rule.getByLabel('Condition kind').selectOption('users');
  await rule.getByRole('button', { name: 'Add condition' }).click();
  await rule.getByLabel('User ids').fill('用户-7\nu-8');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await page.locator('#error.notice', { hasText: 'Gray rules saved.' }).waitFor();
  const saved = (await pageFetch(page, `/api/v1/apps/${app.app_id}`)).body.release.rules;
  assert.deepEqual(saved, [{ id: 'staff-preview', version_code: v3.code, conditions: [{ kind: 'users', ids: ['用户-7', 'u-8'] }] }]);
  // After the reload the editor shows what was saved.
  assert.equal(await page.locator('#rules .rule').first().getByLabel('Rule id').inputValue(), 'staff-preview');
  await page.locator('form#explain').getByLabel('User id').fill('用户-7');
  await page.getByRole('button', { name: 'Explain' }).click();
  assert.equal(await text(page.locator('#explain-result .decision')), `Version ${v3.code} by rule staff-preview`);
  await page.locator('form#explain').getByLabel('User id').fill('someone-else');
  await page.getByRole('button', { name: 'Explain' }).click();
  await page.locator('#explain-result .decision', { hasText: `Version ${app.live_version} (the live version` }).waitFor();
});

test('statistics: charts per day, failing APIs, recent errors', async () => {
  // The demo host app's SDK reports today's launches, an error and API calls.
  const app = 'wxcove0000demo01';
  const now = Date.now();
  const ev = (type, user, extra) => ({ type, app_id: app, version_code: 1, user_id: user, at_ms: now - 1000, ...extra });
  const sent = await sdkPost('/sdk/v1/events', {
    events: [
      ev('launch', 'u1', { cold: true, duration_ms: 300 }),
      ev('launch', 'u2', { cold: true, duration_ms: 500 }),
      ev('launch', 'u2', { cold: false }),
      ev('error', 'u2', { message: "TypeError: Cannot read properties of undefined (reading '金额')", stack: 'at pages/list/list.js:12' }),
      ev('api_call', 'u1', { api: 'request', ok: false, err_msg: 'request:fail timeout' }),
      ev('api_call', 'u1', { api: 'request', ok: true }),
      ev('api_call', 'u2', { api: 'request', ok: true }),
      ev('api_call', 'u2', { api: 'request', ok: false, err_msg: 'request:fail timeout' }),
      // What the container's guard reports when the privacy rules round a location.
      ev('data_release', 'u1', { api: 'getLocation', data: 'location', released: ['latitude', 'longitude'], reduced: { latitude: 'rounded:0.01', longitude: 'rounded:0.01' } }),
    ],
  });
  assert.deepEqual(sent, { recorded: 9, dropped: 0 });

  await open(`#/apps/${app}`);
  await page.getByRole('tab', { name: 'Statistics' }).click();
  for (const [id, title, total] of [['launches', 'Launches', 3], ['users', 'Users', 2], ['errors', 'Errors', 1]]) {
    const fig = page.locator(`#chart-${id}`);
    assert.equal(await text(fig.locator('figcaption')), `${title} — ${total} in 14 days`);
    // One point per day of the range, drawn as SVG; today's is the last.
    const dots = fig.locator('svg circle.dot');
    assert.equal(await dots.count(), 14);
    assert.equal(await dots.last().getAttribute('data-value'), String(total));
    assert.equal(await dots.first().getAttribute('data-value'), '0');
  }
  const failing = page.locator('table#top-failing tbody tr');
  assert.equal(await failing.count(), 1);
  assert.equal(await text(failing), 'request 4 2 50.0% request:fail timeout');
  const errors = page.locator('table#recent-errors tbody tr');
  assert.equal(await errors.count(), 1);
  assert.match(await text(errors), /^TypeError: Cannot read properties of undefined \(reading '金额'\) 1 1 \d{4}-\d\d-\d\d /);
  assert.equal(await text(page.locator('table#data-releases tbody tr')), 'getLocation location 1 1');
  // Another range redraws.
  await page.getByLabel('Days').selectOption('7');
  await page.locator('#chart-launches figcaption', { hasText: 'in 7 days' }).waitFor();
  assert.equal(await page.locator('#chart-launches svg circle.dot').count(), 7);
});

test('takedown needs a reason, shows on the list, and is restored', async () => {
  const app = demoApps.find((a) => a.app_id === 'wxcove0000demo01');
  await open(`#/apps/${app.app_id}`);
  await page.getByRole('button', { name: 'Emergency takedown' }).click();
  const dlg = page.locator('dialog.modal');
  await dlg.waitFor();
  await dlg.getByRole('button', { name: 'Take down' }).click();
  assert.equal(await text(dlg.locator('.form-error')), 'A reason is required.');
  await dlg.getByLabel('Reason').fill('监管通知：暂停服务');
  await dlg.getByRole('button', { name: 'Take down' }).click();
  await page.getByRole('button', { name: 'Restore' }).waitFor();
  assert.match(await text(page.locator('.title .state')), /^taken down/);
  assert.equal(await text(page.locator('#takedown-reason')), 'Taken down: 监管通知：暂停服务');
  await page.getByRole('link', { name: 'Mini-programs' }).first().click();
  const state = page.locator(`tr[data-app="${app.app_id}"] td.state`);
  assert.match(await text(state), /^taken down/);
  await page.locator(`tr[data-app="${app.app_id}"] td.name a`).click();
  await page.getByRole('button', { name: 'Restore' }).click();
  await page.locator('dialog.modal').getByRole('button', { name: 'Restore' }).click();
  await page.getByRole('button', { name: 'Emergency takedown' }).waitFor();
  assert.equal(await page.locator('#takedown-reason').count(), 0);
});

test('a request without the CSRF header is refused', async () => {
  await open('#/apps');
  const session = (await pageFetch(page, '/api/v1/session')).body;
  const body = JSON.stringify({ app_id: 'wxcsrfcheck00001', name: '跨站请求检查', category: 'test', org_id: session.user.org_id });
  const refused = await pageFetch(page, '/api/v1/apps', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(refused.status, 403);
  assert.equal(typeof refused.body.code, 'string');
  assert.equal(typeof refused.body.message, 'string');
  const wrong = await pageFetch(page, '/api/v1/apps', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': `${session.csrf}x` }, body });
  assert.equal(wrong.status, 403);
  // The same request with the session's token goes through: the header made the difference.
  const ok = await pageFetch(page, '/api/v1/apps', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf }, body });
  assert.ok(ok.status >= 200 && ok.status < 300, `created: ${JSON.stringify(ok)}`);
  await page.reload();
  const row = page.locator('tr[data-app="wxcsrfcheck00001"]');
  assert.equal(await text(row.locator('td.name')), '跨站请求检查');
  assert.equal(await text(row.locator('td.state')), 'not published');
  // The refused attempts left nothing: exactly one such app.
  assert.equal((await pageFetch(page, '/api/v1/apps')).body.filter((a) => a.app_id === 'wxcsrfcheck00001').length, 1);
});

test('an API error is shown to the operator', async () => {
  // Creating the same app id again is refused by the server; the console says so.
  await open('#/apps');
  await page.locator('details.card summary', { hasText: 'New mini-program' }).click();
  await page.getByLabel('App ID').fill('wxcsrfcheck00001');
  await page.getByLabel('Name', { exact: true }).fill('重复');
  await page.getByRole('button', { name: 'Create' }).click();
  const banner = page.locator('#error.error');
  await banner.waitFor();
  assert.match(await text(banner.locator('#error-text')), /\([a-z_]+\)$/);
});

test('host apps: the demo host, and a new host\'s secret shown once', async () => {
  await open('#/apps');
  await page.getByRole('link', { name: 'Host apps' }).click();
  const rows = page.locator('table#hosts tbody tr[data-host]');
  await rows.first().waitFor();
  const hosts = (await pageFetch(page, '/api/v1/hosts')).body;
  assert.equal(await rows.count(), hosts.length);
  // The SDK key is masked until asked for.
  const key = rows.first().locator('td.sdk-key code');
  assert.notEqual(await text(key), hosts[0].sdk_key);
  await rows.first().getByRole('button', { name: 'Show' }).click();
  assert.equal(await text(key), hosts[0].sdk_key);

  await page.locator('details.card summary', { hasText: 'New host app' }).click();
  await page.getByLabel('Name').fill('掌上银行 测试版');
  await page.getByRole('button', { name: 'Create host app' }).click();
  const secret = page.locator('#sdk-secret');
  await secret.waitFor();
  assert.ok((await text(secret)).length >= 16);
  assert.equal(await rows.count(), hosts.length + 1);
  assert.ok(await page.locator('table#hosts td.name', { hasText: '掌上银行 测试版' }).isVisible());
  // Shown once: the list never carries it, and reloading loses it.
  assert.ok(!JSON.stringify((await pageFetch(page, '/api/v1/hosts')).body).includes(await text(secret)));
  await page.reload();
  await page.locator('table#hosts').waitFor();
  assert.equal(await page.locator('#sdk-secret').count(), 0);
});

test('audit log: the actions above are recorded and the chain verifies', async () => {
  await open('#/apps');
  await page.getByRole('link', { name: 'Audit log' }).click();
  const rows = page.locator('table#audit tbody tr[data-seq]');
  await rows.first().waitFor();
  const api = (await pageFetch(page, '/api/v1/audit?limit=100')).body;
  assert.equal(await rows.count(), api.length);
  // What this run did is there, each action in its row.
  for (const action of [/reject/, /takedown/, /restore/, /rollback/]) {
    const entry = api.find((e) => action.test(e.action));
    assert.ok(entry, `an audit entry for ${action}`);
    assert.equal(await text(page.locator(`table#audit tr[data-seq="${entry.seq}"] td code`)), entry.action);
  }
  const takedown = api.find((e) => /takedown/.test(e.action));
  assert.match(JSON.stringify(takedown), /监管通知：暂停服务/);
  await page.getByRole('button', { name: 'Verify chain' }).click();
  const result = page.locator('#verify-result .verify');
  await result.waitFor();
  assert.match(await text(result), /^✓ Chain intact: [\d,]+ rows verified\.$/);
  assert.ok(await result.evaluate((el) => el.classList.contains('ok')));
});

// --- Roles, the review queue, sign-offs, languages -----------------------------------------

/** Users made by the demo admin through the API, in the operator organisation. */
const staff = {
  reviewer: { username: 'rev-e2e', password: 'reviewer-e2e-password-1' },
  operator: { username: 'ops-e2e', password: 'operator-e2e-password-1' },
};
let queued;

/**
 * A browser page signed in as `creds` through the login form; a forced password change is
 * done through the form that follows it.
 */
async function pageAs(creds, options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => pageErrors.push(`${creds.username}: ${e}`));
  await p.goto(serve.url);
  await p.locator('form#login').waitFor();
  await p.locator('form#login input[name=username]').fill(creds.username);
  await p.locator('form#login input[name=password]').fill(creds.password);
  await p.locator('form#login button[type=submit]').click();
  await Promise.race([p.locator('#top').waitFor(), p.locator('form#change-password').waitFor()]);
  if (await p.locator('form#change-password').isVisible()) {
    const next = newPassword();
    await p.locator('form#change-password input[name=new]').fill(next);
    await p.locator('form#change-password input[name=again]').fill(next);
    await p.locator('form#change-password button[type=submit]').click();
    creds.password = next;
    await p.locator('#top').waitFor();
  }
  return p;
}

/** The workflow buttons a row offers. */
async function buttons(row) {
  return (await row.locator('td.actions button').allInnerTexts()).map((s) => s.trim()).sort();
}

test('roles: a partner developer, a reviewer and an operator each see only their actions', async () => {
  const admin = await apiAs({ username: serve.username, password: serve.password });
  const me = await admin('GET', '/session');
  for (const [role, creds] of Object.entries(staff)) {
    await admin('POST', `/orgs/${me.user.org_id}/users`, { username: creds.username, password: creds.password, roles: [role] });
  }
  // The partner developer uploads two versions: one left uploaded, one submitted.
  const dev = await apiAs(serve.developer);
  const app = 'wxcove0000demo01';
  const zipOf = (tag) => demoProject((name, t) => (name === 'miniprogram/app.js' ? `${t}\n// ${tag}\n` : t));
  const draft = await dev('POST', `/apps/${app}/versions?kind=source&version_name=2.0.0-draft&note=draft`, zipOf('draft'), 'application/zip');
  const first = await dev('POST', `/apps/${app}/versions?kind=source&version_name=2.0.0&note=${encodeURIComponent('待审核 一')}`, zipOf('one'), 'application/zip');
  await dev('POST', `/apps/${app}/versions/${first.code}/submit`);
  // The draft, uploaded first, is submitted a second later (the clock's resolution): the
  // queue holds both, in the order they were submitted.
  await new Promise((r) => setTimeout(r, 1100));
  await dev('POST', `/apps/${app}/versions/${draft.code}/submit`);
  const third = await dev('POST', `/apps/${app}/versions?kind=source&version_name=2.0.1&note=uploaded`, zipOf('three'), 'application/zip');
  queued = { app, first: first.code, second: draft.code, uploaded: third.code };
  const live = (await admin('GET', `/apps/${app}`)).live_version;

  // The partner developer: Submit on their upload, nothing a reviewer or operator does; the
  // header names the partner organisation.
  const d = await pageAs(serve.developer);
  await d.goto(`${serve.url}#/apps/${app}`);
  await d.locator('table#versions tbody tr[data-code]').first().waitFor();
  assert.equal(await text(d.locator('#who-org')), 'Partner Studio');
  assert.doesNotMatch(await text(d.locator('#who')), /null/);
  assert.deepEqual(await d.locator('#nav a').allInnerTexts(), ['Mini-programs', 'Account']);
  assert.deepEqual(await buttons(d.locator(`tr[data-code="${third.code}"]`)), ['Preview', 'Submit']);
  assert.deepEqual(await buttons(d.locator(`tr[data-code="${first.code}"]`)), ['Preview']);
  const all = (await d.locator('table#versions td.actions').allInnerTexts()).join(' ');
  assert.doesNotMatch(all, /Approve|Reject|Publish|Promote|Roll back/);
  assert.equal(await d.getByRole('button', { name: /Emergency takedown|Restore/ }).count(), 0);
  await d.getByRole('tab', { name: 'Gray release' }).click();
  await d.locator('form#explain').waitFor();
  assert.equal(await d.getByRole('button', { name: /Save rules|Add rule/ }).count(), 0);
  await d.context().close();

  // The reviewer: Approve and Reject on what is in review, no Submit, no release actions.
  const r = await pageAs(staff.reviewer);
  await r.goto(`${serve.url}#/apps/${app}`);
  await r.locator(`tr[data-code="${first.code}"]`).waitFor();
  assert.deepEqual(await r.locator('#nav a').allInnerTexts(), ['Mini-programs', 'Review queue', 'Account']);
  assert.deepEqual(await buttons(r.locator(`tr[data-code="${first.code}"]`)), ['Approve', 'Preview', 'Reject']);
  assert.deepEqual(await buttons(r.locator(`tr[data-code="${third.code}"]`)), ['Preview']);
  assert.doesNotMatch((await r.locator('table#versions td.actions').allInnerTexts()).join(' '), /Submit|Publish|Promote|Roll back/);
  assert.equal(await r.getByRole('button', { name: /Emergency takedown|Restore/ }).count(), 0);
  await r.context().close();

  // The operator: release actions (takedown, roll back), no Submit, no Approve.
  const o = await pageAs(staff.operator);
  await o.goto(`${serve.url}#/apps/${app}`);
  await o.locator(`tr[data-code="${first.code}"]`).waitFor();
  assert.deepEqual(await o.locator('#nav a').allInnerTexts(), ['Mini-programs', 'Host apps', 'Account']);
  assert.ok(await o.getByRole('button', { name: 'Emergency takedown' }).isVisible());
  assert.deepEqual(await buttons(o.locator(`tr[data-code="${first.code}"]`)), ['Preview']);
  assert.deepEqual(await buttons(o.locator(`tr[data-code="${third.code}"]`)), ['Preview']);
  // The version published earlier and newer than the live one (after the rollback above) is
  // served only through gray rules: the operator may promote it.
  const released = await admin('GET', `/apps/${app}/versions?state=released&limit=100`);
  const gray = released.find((v) => v.channel === 'gray');
  assert.ok(gray && gray.code > live, JSON.stringify(released));
  assert.ok((await buttons(o.locator(`tr[data-code="${gray.code}"]`))).includes('Promote to live'));
  assert.doesNotMatch((await o.locator('table#versions td.actions').allInnerTexts()).join(' '), /Submit|Approve|Reject/);
  await o.context().close();
});

test('the review queue: oldest first, and an approval that records its comment', async () => {
  const r = await pageAs(staff.reviewer);
  await r.goto(`${serve.url}#/review`);
  const rows = r.locator('table#queue tbody tr[data-code]');
  await rows.first().waitFor();
  const order = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.code)));
  assert.deepEqual(order, [queued.first, queued.second], 'oldest submission first');
  assert.match(await text(r.locator('.pager .range')), /^1–2 of 2$/);
  // A filter narrows it, on the server.
  await r.locator('#queue-filters input[name=q]').fill('待审核');
  await r.locator('#queue-filters button[type=submit]').click();
  await r.locator('.pager .range', { hasText: '1–1 of 1' }).waitFor();
  assert.equal(await rows.count(), 1);

  // Approving shows the findings and needs a comment.
  const row = r.locator(`table#queue tr[data-code="${queued.first}"]`);
  await row.getByRole('button', { name: 'Approve' }).click();
  const dlg = r.locator('dialog.modal');
  await dlg.locator('.approve-findings').waitFor();
  const detail = (await pageFetch(r, `/api/v1/apps/${queued.app}/versions/${queued.first}`)).body;
  assert.equal(await dlg.locator('.approve-findings li').count(), detail.report.findings.length);
  assert.equal(await text(dlg.locator('code.digest')), detail.report_digest);
  await dlg.getByRole('button', { name: 'Approve' }).click();
  assert.equal(await text(dlg.locator('.form-error')), 'A comment is required.');
  await dlg.getByLabel('Comment').fill('报告已阅：仅新增一行注释，可以发布');
  await dlg.getByRole('button', { name: 'Approve' }).click();
  await r.locator('#error.notice', { hasText: 'approved' }).waitFor();
  // Gone from the queue (the filter is still on: nothing left).
  await r.locator('table#queue tr.empty').waitFor();

  // The sign-off is on the version: who, when, what they saw, what they said.
  await r.goto(`${serve.url}#/apps/${queued.app}/versions/${queued.first}`);
  const so = r.locator('#report #signoff');
  await so.waitFor();
  assert.match(await text(so.locator('.who')), /^Approved by rev-e2e at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT/);
  assert.equal(await text(so.locator('.comment')), '报告已阅：仅新增一行注释，可以发布');
  assert.equal(await text(so.locator('code.digest')), detail.report_digest);
  const v = (await pageFetch(r, `/api/v1/apps/${queued.app}/versions/${queued.first}`)).body;
  assert.equal(v.signoff.comment, '报告已阅：仅新增一行注释，可以发布');
  assert.equal(v.signoff.username, 'rev-e2e');
  await r.context().close();
});

test('explain answers for the chosen host app', async () => {
  await open('#/apps/wxcove0000demo01/gray');
  const hosts = (await pageFetch(page, '/api/v1/hosts')).body;
  const granted = hosts.find((x) => (x.apps || []).some((a) => (typeof a === 'string' ? a : a.app_id) === 'wxcove0000demo01'));
  const other = hosts.find((x) => x !== granted);
  assert.ok(granted && other, JSON.stringify(hosts));
  const form = page.locator('form#explain');
  await form.getByLabel('User id').fill('u-42');
  await form.getByLabel('Host app').selectOption(String(other.id));
  await page.getByRole('button', { name: 'Explain' }).click();
  const decision = page.locator('#explain-result .decision');
  await decision.waitFor();
  assert.equal(await decision.getAttribute('data-outcome'), 'not_granted');
  assert.match(await text(decision), new RegExp(`^On host app ${other.name}: No version: not granted to this host app`));
  await form.getByLabel('Host app').selectOption(String(granted.id));
  await page.getByRole('button', { name: 'Explain' }).click();
  await page.locator('#explain-result .decision[data-outcome="delivered"]').waitFor();
  assert.match(await text(decision), new RegExp(`^On host app ${granted.name}: Version \\d+`));
});

test('audit log: filtered by actor and action on the server, exported as CSV', async () => {
  await open('#/audit');
  await page.locator('#audit-filters').waitFor();
  await page.locator('#audit-filters input[name=actor]').fill('rev-e2e');
  await page.locator('#audit-filters select[name=action]').selectOption('version.approve');
  await page.locator('#audit-filters button[type=submit]').click();
  await page.locator('.pager .range', { hasText: 'of 1' }).waitFor();
  const rows = page.locator('table#audit tbody tr[data-seq]');
  assert.equal(await rows.count(), 1);
  assert.equal(await text(rows.first().locator('td.actor')), 'rev-e2e');
  assert.match(await text(rows.first().locator('td.action')), /^Approved version\.approve$/);
  // Times carry the viewer's zone.
  assert.match(await text(rows.first().locator('td.time')), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT/);
  const href = await page.locator('#export-csv').getAttribute('href');
  assert.match(href, /format=csv/);
  assert.match(href, /actor=rev-e2e/);
  const csv = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { type: r.headers.get('content-type'), body: await r.text() };
  }, href);
  assert.match(csv.type, /^text\/csv/);
  const lines = csv.body.trim().split('\r\n');
  assert.equal(lines[0], 'seq,time_utc,actor,org,action,target,before,after,hash');
  assert.equal(lines.length, 2);
  assert.match(lines[1], /,rev-e2e,.*,version\.approve,/);
  assert.match(lines[1], /报告已阅/);
});

test('zh-CN: the console in Chinese, by the browser or by the switch', async () => {
  const p = await pageAs(staff.reviewer, { locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  assert.equal(await p.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.deepEqual(await p.locator('#nav a').allInnerTexts(), ['小程序', '审核队列', '账号']);
  assert.equal(await text(p.getByRole('button', { name: '退出登录' })), '退出登录');
  // The rejected risky version's report: codes as words, sizes labelled, times in the zone.
  const versions = (await pageFetch(p, '/api/v1/apps/wxcove0000demo01/versions?state=rejected')).body;
  await p.goto(`${serve.url}#/apps/wxcove0000demo01/versions/${versions[0].code}`);
  const report = p.locator('#report');
  await report.waitFor();
  const findings = await text(report.locator('.findings'));
  assert.match(findings, /敏感接口 sensitive_api/);
  assert.match(findings, /域名未列入白名单 domain_not_whitelisted/);
  assert.match(findings, /需人工审核 needs_manual_review/);
  assert.match(await text(report.locator('#report-review-title')), /^需人工审核（\d+）$/);
  assert.match(await text(report.locator('#report-review thead')), /位置.*类型.*原因.*代码/);
  assert.match(await text(report.locator('#report-review tr[data-code="computed_member"]')), /计算成员访问 computed_member/);
  assert.match(await text(report.locator('h3')), /^审核报告/);
  assert.match(await text(p.locator('table#versions thead')), /大小（压缩包）/);
  assert.match(await text(report.locator('#report-sizes thead')), /大小（解压后）/);
  assert.match(await text(p.locator(`table#versions tr[data-code="${versions[0].code}"] td.state`)), /^已驳回/);
  assert.match(await text(p.locator(`table#versions tr[data-code="${versions[0].code}"] td.time`)), / GMT\+8$/);
  // The switch wins over the browser, and is remembered.
  await p.locator('#lang').selectOption('en');
  await p.locator('#nav a', { hasText: 'Review queue' }).waitFor();
  await p.reload();
  await p.locator('#nav a', { hasText: 'Mini-programs' }).waitFor();
  assert.match(await text(p.locator('#report .findings')), /Sensitive API sensitive_api/);
  await p.locator('#lang').selectOption('zh-CN');
  await p.locator('#nav a', { hasText: '审核队列' }).waitFor();
  await p.context().close();
});

/** POST /session from outside the browser: status and body. */
async function trySignIn(username, password) {
  const r = await fetch(`${serve.url}api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: r.status, body: await r.json() };
}

test('account: an API token made in the console works until it is revoked there', async () => {
  await open('#/account');
  await page.locator('#nav a[data-section="account"]').waitFor();
  const form = page.locator('form#new-token-form');
  await form.locator('input[name=name]').fill('e2e-read');
  await form.locator('select[name=scope]').selectOption('read');
  assert.equal(await form.locator('input[name=expires_days]').inputValue(), '90');
  await form.locator('input[name=expires_days]').fill('30');
  await form.getByRole('button', { name: 'Create token' }).click();
  const token = await text(page.locator('#token-secret #new-token'));
  assert.match(token, /^cove_/);
  assert.match(await text(page.locator('#token-secret')), /only time it is shown/);
  const row = page.locator('table#tokens tbody tr[data-token]', { hasText: 'e2e-read' });
  assert.match(await text(row.locator('td.scope')), /^read$/);
  // Created now, expiring in 30 days, in the viewer's zone; never used yet.
  const [created, expires] = await row.locator('td.time').allInnerTexts();
  assert.match(created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT/);
  const days = (Date.parse(expires.slice(0, 10)) - Date.parse(created.slice(0, 10))) / 86400000;
  assert.ok(days >= 29 && days <= 31, `${created} → ${expires}`);
  assert.match(await text(row), /never/);

  const get = () => fetch(`${serve.url}api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await get()).status, 200);
  // A reload forgets the secret: it is shown once.
  await open('#/account');
  await row.waitFor();
  assert.equal(await page.locator('#token-secret').count(), 0);
  assert.doesNotMatch(await text(page.locator('#account')), new RegExp(token));

  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.locator('dialog.modal').getByRole('button', { name: 'Revoke' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal((await get()).status, 401);
});

test('users: an admin creates, disables, enables and resets a developer in the console', async () => {
  await open('#/users');
  await page.locator('table#users').waitFor();
  // The operator organisation by default; the demo's partner organisation offers no
  // reviewer or operator roles.
  const orgs = (await pageFetch(page, '/api/v1/orgs')).body;
  const partner = orgs.find((o) => !o.operator);
  await page.locator('#users-org').selectOption(String(partner.id));
  await page.waitForURL(new RegExp(`#/users/${partner.id}$`));
  await page.locator('table#users tbody tr', { hasText: serve.developer.username }).waitFor();
  const form = page.locator('form#new-user');
  await page.locator('details', { has: form }).locator('summary').click();
  assert.deepEqual((await form.locator('input[name=roles]').evaluateAll((l) => l.map((i) => i.value))).sort(), ['admin', 'developer', 'read_only']);

  const username = `e2e-dev-${crypto.randomBytes(3).toString('hex')}`;
  const first = newPassword();
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill(first);
  await form.getByRole('button', { name: 'Create user' }).click();
  const row = page.locator('table#users tbody tr', { has: page.locator('td.name', { hasText: username }) });
  assert.equal(await text(row.locator('td.roles')), 'developer');
  assert.match(await text(row.locator('td.state')), /active must change password/);
  // The new user sets their own password, as a one-time one requires.
  const creds = { username, password: first };
  await signIn(creds);
  // A reload stays on the organisation chosen.
  await page.reload();
  await row.waitFor();
  assert.equal(await text(row.locator('td.state')), 'active');

  await row.getByRole('button', { name: 'Disable' }).click();
  await page.locator('dialog.modal').getByRole('button', { name: 'Disable' }).click();
  await row.locator('td.state', { hasText: 'disabled' }).waitFor();
  const refused = await trySignIn(username, creds.password);
  assert.notEqual(refused.status, 200, JSON.stringify(refused.body));
  assert.equal(refused.body.code, 'account_disabled');

  await row.getByRole('button', { name: 'Enable' }).click();
  await row.locator('td.state', { hasText: 'active' }).waitFor();
  assert.equal((await trySignIn(username, creds.password)).status, 200);

  const reset = newPassword();
  await row.getByRole('button', { name: 'Reset password' }).click();
  const dlg = page.locator('dialog.modal');
  await dlg.locator('input[name=password]').fill(reset);
  await dlg.getByRole('button', { name: 'Reset password' }).click();
  await row.locator('td.state', { hasText: 'must change password' }).waitFor();
  const next = await trySignIn(username, reset);
  assert.equal(next.status, 200, JSON.stringify(next.body));
  assert.equal(next.body.must_change_password, true);
  assert.equal((await trySignIn(username, creds.password)).body.code, 'bad_credentials');
  // No Approve where nothing waits; none on the admin's own row.
  assert.equal(await row.getByRole('button', { name: 'Approve' }).count(), 0);
});

test('users: an admin asked for by this admin waits for another one, and the console says why', async () => {
  await open('#/users');
  const form = page.locator('form#new-user');
  await page.locator('details', { has: form }).locator('summary').click();
  const username = `e2e-admin-${crypto.randomBytes(3).toString('hex')}`;
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill(newPassword());
  await form.locator('input[name=roles][value=developer]').uncheck();
  await form.locator('input[name=roles][value=admin]').check();
  await form.getByRole('button', { name: 'Create user' }).click();
  const row = page.locator('table#users tbody tr', { has: page.locator('td.name', { hasText: username }) });
  assert.match(await text(row.locator('td.state')), /pending approval: admin/);
  // The requester is not offered Approve (the server would refuse it).
  assert.equal(await row.getByRole('button', { name: 'Approve' }).count(), 0);
});

test('account: change one\'s own password', async () => {
  const creds = { username: `e2e-pw-${crypto.randomBytes(3).toString('hex')}`, password: newPassword() };
  const admin = await apiAs({ username: serve.username, password: serve.password });
  const me = await admin('GET', '/session');
  await admin('POST', `/orgs/${me.user.org_id}/users`, { username: creds.username, password: creds.password, roles: ['developer'] });
  const p = await pageAs(creds);
  await p.goto(`${serve.url}#/account`);
  const form = p.locator('form#own-password');
  await form.waitFor();
  const fresh = newPassword();
  await form.locator('input[name=current]').fill(creds.password);
  await form.locator('input[name=new]').fill(fresh);
  await form.locator('input[name=again]').fill(`${fresh}x`);
  await form.getByRole('button', { name: 'Change password' }).click();
  assert.match(await text(form.locator('.form-error')), /differ/);
  await form.locator('input[name=again]').fill(fresh);
  await form.getByRole('button', { name: 'Change password' }).click();
  await p.locator('#error.notice').waitFor();
  assert.equal((await trySignIn(creds.username, fresh)).status, 200);
  assert.equal((await trySignIn(creds.username, creds.password)).body.code, 'bad_credentials');
  await p.context().close();
});

test('log out', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.locator('form#login').waitFor();
  assert.ok(await page.locator('#top').isHidden());
  assert.equal((await pageFetch(page, '/api/v1/session')).status, 401);
  // A reload stays logged out.
  await page.reload();
  await page.locator('form#login').waitFor();
});

test('the console raised no script errors or CSP violations', () => {
  assert.deepEqual(pageErrors, []);
});
