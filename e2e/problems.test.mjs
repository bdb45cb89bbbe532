// The simulator's Problems panel with a real `cove dev` and a project that has many warnings
// of two codes: they arrive as one message, not one console line each, and the panel groups
// them by code and then by file, with counts and warning icons, built when opened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDev, launchBrowser, status } from './lib/dev.mjs';

const PAGES = ['a', 'b', 'c'];
const TAGS = 10; // unknown tags per page: 30 `unknown-tag` warnings
const FIELDS = ['navigationBarBackgroundColor', 'navigationBarTextStyle', 'backgroundColor', 'backgroundTextStyle'];

let dev;
let browser;
let project;

before(async () => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-problems-'));
  const write = (p, text) => {
    fs.mkdirSync(path.dirname(path.join(project, p)), { recursive: true });
    fs.writeFileSync(path.join(project, p), text);
  };
  write('app.json', JSON.stringify({ pages: PAGES.map((p) => `pages/${p}/${p}`) }));
  write('app.js', 'App({});\n');
  for (const p of PAGES) {
    const tags = Array.from({ length: TAGS }, (_, i) => `<x-undeclared-${i}></x-undeclared-${i}>`).join('\n');
    write(`pages/${p}/${p}.wxml`, `<view id="hello">page ${p}</view>\n${tags}\n`);
    write(`pages/${p}/${p}.js`, 'Page({});\n');
    // Theme variables without a theme file: 4 `unknown-theme-variable` warnings a page.
    write(`pages/${p}/${p}.json`, JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, `@nope-${f}`])), null, 2));
  }
  dev = await startDev(project);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
  fs.rmSync(project, { recursive: true, force: true });
});

test('many warnings: grouped by code then file, counted, warning icons, one console line', async () => {
  const s = await status(dev);
  assert.equal(s.build, 'ok');
  assert.equal(s.warnings, 42);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(dev.url);
  // The tab counts the warnings, in the warning colour.
  const badge = page.locator('[data-tab="problems"] .badge');
  await badge.waitFor();
  assert.equal(await badge.textContent(), '42');
  assert.match(await badge.getAttribute('class'), /\bwarn\b/);

  // The console says once where they are, instead of a line each.
  await page.locator('button[data-tab="console"]').click();
  await page.locator('.console-list').getByText('[compiler] 42 warnings: see the Problems panel').waitFor();
  assert.equal(await page.locator('.console-list .line', { hasText: 'unknown-tag' }).count(), 0);
  assert.equal(await page.locator('.console-list .line', { hasText: 'x-undeclared' }).count(), 0);

  await page.locator('button[data-tab="problems"]').click();
  const panel = page.locator('.problems');
  assert.equal(await panel.locator('.problems-summary').textContent(), '42 warnings');
  // One group per code, the larger first, closed, and nothing built inside yet.
  const codes = panel.locator('.pgroup-code');
  assert.equal(await codes.count(), 2);
  const heads = await codes.evaluateAll((els) => els.map((d) => [d.querySelector(':scope > summary .pgroup-name').textContent, d.querySelector(':scope > summary .pgroup-count').textContent, d.open]));
  assert.deepEqual(heads, [['unknown-tag', '30 warnings', false], ['unknown-theme-variable', '12 warnings', false]]);
  assert.equal(await panel.locator('.problem').count(), 0);
  // Warnings carry the warning icon; there is no error icon anywhere.
  assert.equal(await panel.locator('.problem-icon.error').count(), 0);
  assert.equal(await codes.first().locator(':scope > summary .problem-icon').textContent(), '⚠');

  // Open a code: one group per file, with its count.
  await codes.first().locator(':scope > summary').click();
  const files = codes.first().locator('.pgroup-file');
  await files.nth(PAGES.length - 1).waitFor(); // built on the `toggle` event, a task later
  assert.deepEqual(
    await files.evaluateAll((els) => els.map((d) => [d.querySelector('.pgroup-name').textContent, d.querySelector('.pgroup-count').textContent])),
    PAGES.map((p) => [`pages/${p}/${p}.wxml`, String(TAGS)]),
  );
  // Open a file: its rows, each with file:line:col and the warning icon.
  await files.nth(1).locator(':scope > summary').click();
  const rows = files.nth(1).locator('.problem');
  await rows.nth(TAGS - 1).waitFor();
  assert.equal(await rows.count(), TAGS);
  const first = await rows.first().evaluate((r) => ({
    cls: r.className, icon: r.querySelector('.problem-icon').textContent,
    where: r.querySelector('.where').textContent, msg: r.querySelector('.problem-msg').textContent,
    iconColor: getComputedStyle(r.querySelector('.problem-icon')).color,
  }));
  assert.equal(first.cls, 'problem warning');
  assert.equal(first.icon, '⚠');
  assert.match(first.where, /^pages\/b\/b\.wxml:\d+:\d+$/);
  assert.match(first.msg, /x-undeclared-\d+/);
  assert.equal(first.iconColor, 'rgb(227, 116, 0)');
  // The other code's files stay unbuilt until opened.
  assert.equal(await codes.nth(1).locator('.problem').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an error goes first, opened, above the warnings, and leaves when fixed', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(dev.url);
  await page.locator('[data-tab="problems"] .badge').waitFor();
  await page.locator('button[data-tab="problems"]').click();
  const file = path.join(project, 'app.json');
  const good = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, good.replace('"pages/a/a"', '"pages/a/a", "pages/missing/missing"'));
  const codes = page.locator('.problems .pgroup-code');
  await page.locator('.problems .pgroup-code.error').waitFor({ timeout: 15000 });
  const heads = await codes.evaluateAll((els) => els.map((d) => [d.querySelector(':scope > summary .pgroup-name').textContent, d.open]));
  assert.deepEqual(heads[0], ['missing-page', true]);
  assert.deepEqual(heads.slice(1).map((h) => h[1]), [false, false], 'warnings stay closed');
  assert.equal(await page.locator('.problems .problem.error .problem-icon').first().textContent(), '✖');
  assert.equal(await page.locator('[data-tab="problems"] .badge').textContent(), '1');
  assert.match(await page.locator('[data-tab="problems"] .badge').getAttribute('class'), /\berror\b/);
  fs.writeFileSync(file, good);
  await page.locator('.problems .pgroup-code.error').waitFor({ state: 'detached', timeout: 15000 });
  assert.equal(await codes.count(), 2);
  assert.equal(await page.locator('[data-tab="problems"] .badge').textContent(), '42');
  await page.close();
});
