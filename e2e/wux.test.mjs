// The corpus run: every page of the wux-weapp example in the simulator, in headless
// Chromium. A page passes when it renders with no uncaught error in the container and no
// error in the view. Screenshots go to e2e/artifacts/wux/ (a CI artifact).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDev, openView, launchBrowser, status, repo } from './lib/dev.mjs';

const example = path.join(repo, 'corpus/node_modules/wux-weapp/example');
const shots = path.join(repo, 'e2e/artifacts/wux');
let dev, browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(example, 'app.json')), 'run `npm ci --prefix corpus` first');
  fs.mkdirSync(shots, { recursive: true });
  dev = await startDev(example, ['--no-watch']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
});

test('every wux-weapp example page renders without errors (target: 90%)', async () => {
  const pages = JSON.parse(fs.readFileSync(path.join(example, 'app.json'), 'utf8')).pages;
  const only = process.env.WUX_PAGE;
  const failures = [];
  let ok = 0;
  const started = Date.now();
  for (const p of pages.filter((x) => !only || x === only)) {
    const before = await status(dev);
    const page = await openView(browser, dev, { path: p });
    let problem = null;
    try {
      await page.waitForFunction(() => {
        const layer = document.querySelector('wx-page');
        return layer && layer.querySelector('*');
      }, null, { timeout: 10000 });
      // Let timers, transitions and lazy layout queries settle.
      await page.waitForTimeout(300);
    } catch (e) {
      problem = `nothing rendered (${e.message.split('\n')[0]})`;
    }
    await page.screenshot({ path: path.join(shots, `${p.replace(/\//g, '_')}.png`) });
    const after = await status(dev);
    const appErrors = after.appErrors - before.appErrors;
    const viewErrors = after.viewErrors - before.viewErrors;
    if (!problem && appErrors) problem = `${appErrors} uncaught error(s) in the container`;
    if (!problem && viewErrors) problem = `${viewErrors} error(s) reported by the view`;
    if (!problem && page.errors.length) problem = `view page error: ${page.errors[0]}`;
    if (problem) failures.push(`${p}: ${problem}`);
    else ok += 1;
    await page.close();
  }
  const total = ok + failures.length;
  console.log(`wux-weapp example: ${ok}/${total} pages render with no error (${((100 * ok) / total).toFixed(1)}%) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const f of failures) console.log(`  FAIL ${f}`);
  assert.ok(ok / total >= 0.9, `${ok}/${total} is under 90%`);
});
