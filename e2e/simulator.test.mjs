// `cove dev` as a developer uses it: the phone frame and panels, live reload that keeps the
// page, and a compile error overlay that clears when the file is fixed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { startDev, launchBrowser, repo } from './lib/dev.mjs';

let dev, browser, project, api;

before(async () => {
  // A local API the app calls at launch, for the network panel.
  api = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ hello: 'cove', path: req.url }));
  });
  await new Promise((r) => api.listen(0, '127.0.0.1', r));
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-sim-'));
  fs.cpSync(path.join(repo, 'examples/demo'), project, { recursive: true });
  const appJs = path.join(project, 'miniprogram/app.js');
  const url = `http://127.0.0.1:${api.address().port}/greeting`;
  fs.writeFileSync(appJs, fs.readFileSync(appJs, 'utf8') + `\nwx.request({ url: '${url}', success: (r) => console.log('[e2e] greeting', r.statusCode, r.data.hello) });\n`);
  dev = await startDev(project);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
  api?.close();
  fs.rmSync(project, { recursive: true, force: true });
});

const listJs = () => path.join(project, 'miniprogram/pages/list/list.js');
const listWxml = () => path.join(project, 'miniprogram/pages/list/list.wxml');

test('the simulator: phone frame, panels, live reload and the compile error overlay', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(dev.url);
  const phone = page.frameLocator('iframe');
  await phone.locator('[id$="--count"]').waitFor();
  // The frame is the default device's CSS size.
  const box = await page.locator('iframe').evaluate((f) => [f.clientWidth, f.clientHeight]);
  assert.deepEqual(box, [390, 844]);

  // The console panel has the app's launch log from QuickJS.
  await page.locator('button[data-tab="console"]').click();
  await page.locator('.console-list').getByText('[cove-demo] launch pages/counter/counter').first().waitFor();
  await page.locator('.console-list').getByText('[e2e] greeting 200 cove').first().waitFor();
  // The network panel logged the request with its status.
  await page.locator('button[data-tab="network"]').click();
  const row = page.locator('.net-grid tr', { hasText: '/greeting' }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /200/);
  // AppData follows the page's data.
  await phone.locator('[id$="--increment"]').click();
  await page.locator('button[data-tab="appdata"]').click();
  await page.locator('.appdata').getByText('count').first().waitFor();
  // Storage shows what the app stored.
  await page.locator('button[data-tab="storage"]').click();
  await page.locator('.storage-grid').getByText('cove-demo:launches').first().waitFor();

  // Go to the list page, then edit its template: the view reloads on the same page.
  await phone.locator('.cove-tabbar').getByText('List', { exact: true }).click();
  await phone.locator('[id$="--new-item"]').waitFor();
  fs.writeFileSync(listWxml(), fs.readFileSync(listWxml(), 'utf8').replace('Heading:', 'Title:'));
  await phone.getByText('Title: COVE DEMO').waitFor({ timeout: 15000 });
  assert.ok(await phone.locator('[id$="--new-item"]').isVisible());

  // A syntax error: an overlay with file:line:col in the phone, and in Problems.
  const good = fs.readFileSync(listJs(), 'utf8');
  fs.writeFileSync(listJs(), good.replace('onLoad() {', 'onLoad() { const = 1;'));
  const overlay = phone.locator('.cove-compile');
  await overlay.waitFor({ timeout: 15000 });
  assert.match(await overlay.innerText(), /pages\/list\/list\.js:\d+:\d+/);
  await page.locator('button[data-tab="problems"]').click();
  assert.match(await page.locator('.problems').innerText(), /pages\/list\/list\.js:\d+:\d+/);

  // Fixed: the overlay goes, and the page is back where it was.
  fs.writeFileSync(listJs(), good);
  await overlay.waitFor({ state: 'detached', timeout: 15000 });
  await phone.locator('[id$="--new-item"]').waitFor();
  assert.ok(await phone.getByText('Title: COVE DEMO').isVisible());
  assert.deepEqual(errors, []);
  await page.close();
});
