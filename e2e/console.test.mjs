// The platform console end to end: `cove serve --demo` on a fresh data directory, driven in
// Debian's headless Chromium through its login form, lists, tabs, dialogs and buttons. Every
// assertion reads the DOM (or, for the CSRF check, a fetch made from the page itself).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { coveBin, launchBrowser } from './lib/dev.mjs';

/**
 * Start `cove serve --demo`; resolves once it has printed the console URL and the demo
 * admin's credentials (in whatever order, among other lines).
 */
function startServe(dataDir) {
  const args = ['serve', '--demo', '--data-dir', dataDir, '--listen', '127.0.0.1:0'];
  const proc = spawn(coveBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`cove serve did not start:\n${out}\n${stderr}`)), 120000);
    proc.stdout.on('data', (d) => {
      out += d;
      const url = /console: (http:\/\/\S+)/.exec(out);
      const admin = /demo admin: (\S+) \/ (\S+)/.exec(out);
      if (!url || !admin) return;
      clearTimeout(timer);
      resolve({
        url: url[1].endsWith('/') ? url[1] : `${url[1]}/`,
        username: admin[1],
        password: admin[2],
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

let serve, browser, dataDir, context, page;
// Errors the page itself reported: script errors and CSP violations (console errors).
const pageErrors = [];

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-console-'));
  serve = await startServe(dataDir);
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

/** Open a console route (`#/...`) in the signed-in page. */
async function open(route) {
  await page.goto(`${serve.url}${route}`);
  await page.locator('#top').waitFor();
}

async function login(p, username, password) {
  await p.goto(serve.url);
  await p.locator('form#login').waitFor();
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
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
});

test('gray release: explain which version a user gets', async () => {
  const app = demoApps.find((a) => a.app_id === 'wxcove0000demo01');
  await open(`#/apps/${app.app_id}`);
  await page.getByRole('tab', { name: 'Gray release' }).click();
  await page.locator('form#explain').waitFor();
  await page.getByLabel('User id').fill('用户-42');
  await page.getByLabel('Host version').fill('3.12.0');
  await page.getByRole('button', { name: 'Explain' }).click();
  const decision = await text(page.locator('#explain-result .decision'));
  const expected = (await pageFetch(page, `/api/v1/apps/${app.app_id}/explain?user_id=${encodeURIComponent('用户-42')}&host_version=3.12.0&platform=android`)).body;
  if (expected.rule) assert.equal(decision, `Version ${expected.version_code} by rule ${expected.rule}`);
  else assert.equal(decision, `Version ${expected.version_code} (the live version: no rule matched)`);
  assert.equal(await page.locator('#explain-result ol.trace li').count(), expected.trace.length);
});

test('statistics: charts per day, failing APIs, recent errors', async () => {
  await open('#/apps/wxcove0000demo01');
  await page.getByRole('tab', { name: 'Statistics' }).click();
  for (const [id, title] of [['launches', 'Launches'], ['users', 'Users'], ['errors', 'Errors']]) {
    const fig = page.locator(`#chart-${id}`);
    assert.match(await text(fig.locator('figcaption')), new RegExp(`^${title} — [\\d,]+ in 14 days$`));
    // One point per day of the range, drawn as SVG.
    assert.equal(await fig.locator('svg circle.dot').count(), 14);
  }
  await page.locator('table#top-failing').waitFor();
  await page.locator('table#recent-errors').waitFor();
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
  const all = await text(page.locator('table#audit tbody'));
  assert.match(all, /监管通知：暂停服务|takedown/);
  await page.getByRole('button', { name: 'Verify chain' }).click();
  const result = page.locator('#verify-result .verify');
  await result.waitFor();
  assert.match(await text(result), /^✓ Chain intact: [\d,]+ rows verified\.$/);
  assert.ok(await result.evaluate((el) => el.classList.contains('ok')));
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
