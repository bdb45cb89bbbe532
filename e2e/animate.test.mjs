// Keyframe animations (`this.animate`, `this.clearAnimation`) played by the view with the Web
// Animations API, and SelectorQuery results with every field WeChat documents, in `cove dev`.
// Run: COVE_BIN=<cove> node --test --test-concurrency=1 e2e/animate.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDev, openView, launchBrowser, byId, repo } from './lib/dev.mjs';

let dev;
let browser;

before(async () => {
  dev = await startDev(path.join(repo, 'e2e/fixtures/animate'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
});

/** The box's left edge on screen, px. */
const boxX = (page) => byId(page, 'box').evaluate((el) => el.getBoundingClientRect().left);
const status = (page) => byId(page, 'status').textContent();

async function open() {
  const page = await openView(browser, dev);
  await byId(page, 'box').waitFor();
  return page;
}

test('this.animate moves the element on screen, holds the end and calls back', async () => {
  const page = await open();
  const start = await boxX(page);
  await byId(page, 'play').click();
  // Mid-way the box is somewhere between its start and 200 px to the right.
  await page.waitForFunction(() => {
    const a = document.querySelector('[id$="--box"], #box').getAnimations();
    return a.length > 0 && a[0].currentTime > 150;
  });
  const mid = await boxX(page);
  assert.ok(mid > start + 5 && mid < start + 200, `mid-way x ${mid} (start ${start})`);
  assert.equal(await status(page), 'playing');
  // The callback ran when the view said the animation had finished.
  await page.waitForFunction(() => document.querySelector('[id$="--status"], #status').textContent === 'done');
  assert.equal(Math.round((await boxX(page)) - start), 200);
  // clearAnimation drops what the animation left: the box is back, and the callback ran.
  await byId(page, 'clear').click();
  await page.waitForFunction(() => document.querySelector('[id$="--status"], #status').textContent === 'cleared');
  assert.equal(Math.round(await boxX(page)), Math.round(start));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('clearAnimation stops a running animation, whose callback then never runs', async () => {
  const page = await open();
  const start = await boxX(page);
  await byId(page, 'play-long').click();
  await page.waitForFunction(() => {
    const a = document.querySelector('[id$="--box"], #box').getAnimations();
    return a.length > 0 && a[0].currentTime > 200;
  });
  assert.ok((await boxX(page)) > start);
  await byId(page, 'clear').click();
  await page.waitForFunction(() => document.querySelector('[id$="--status"], #status').textContent === 'cleared');
  assert.equal(Math.round(await boxX(page)), Math.round(start));
  assert.equal(await byId(page, 'box').evaluate((el) => el.getAnimations().length), 0);
  // Stopped for good: the position stays, and 'long done' never comes.
  await page.waitForTimeout(300);
  assert.equal(Math.round(await boxX(page)), Math.round(start));
  assert.equal(await status(page), 'cleared');
  await page.close();
});

test('clearAnimation with fields keeps the others at their end values', async () => {
  const page = await open();
  await byId(page, 'partial').click();
  await page.waitForFunction(() => document.querySelector('[id$="--status"], #status').textContent === 'partly cleared');
  const style = await byId(page, 'box').evaluate((el) => {
    const cs = getComputedStyle(el);
    return { opacity: cs.opacity, transform: cs.transform, background: cs.backgroundColor };
  });
  assert.deepEqual(style, { opacity: '1', transform: 'none', background: 'rgb(0, 0, 255)' });
  await page.close();
});

test('the scroll-driven form follows the scroll-view', async () => {
  const page = await open();
  const opacity = () => byId(page, 'fade').evaluate((el) => Number(getComputedStyle(el).opacity));
  await page.waitForFunction(() => document.querySelector('[id$="--fade"], #fade').getAnimations().length === 1);
  assert.equal(await opacity(), 1);
  await byId(page, 'sv').evaluate((el) => {
    const sc = el.querySelector('.wx-scroll-view') || el;
    sc.scrollTop = 50;
    sc.dispatchEvent(new Event('scroll'));
  });
  await page.waitForFunction(() => Math.abs(Number(getComputedStyle(document.querySelector('[id$="--fade"], #fade')).opacity) - 0.5) < 0.05);
  await byId(page, 'sv').evaluate((el) => {
    const sc = el.querySelector('.wx-scroll-view') || el;
    sc.scrollTop = 200;
    sc.dispatchEvent(new Event('scroll'));
  });
  await page.waitForFunction(() => Number(getComputedStyle(document.querySelector('[id$="--fade"], #fade')).opacity) === 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('SelectorQuery results carry every documented field, callbacks in order', async () => {
  const page = await open();
  await byId(page, 'query').click();
  await page.waitForFunction(() => document.querySelector('[id$="--result"], #result').textContent !== '');
  const { calls, res } = JSON.parse(await byId(page, 'result').textContent());
  assert.deepEqual(calls, ['probe', 'plain', 'missing', 'sv', 'viewport', 'exec']);
  const [probe, plain, missing, sv, viewport] = res;
  const measured = await byId(page, 'probe').evaluate((el) => {
    const b = el.getBoundingClientRect();
    const layer = el.closest('.cove-layer').getBoundingClientRect();
    return { left: b.left - layer.left, top: b.top - layer.top };
  });
  assert.equal(probe.id, 'probe');
  assert.deepEqual(probe.dataset, { kind: 'probe', index: 3 });
  assert.deepEqual(probe.mark, {});
  assert.equal(probe.left, measured.left);
  assert.equal(probe.top, measured.top);
  assert.equal(probe.width, 100);
  assert.equal(probe.height, 20);
  assert.equal(probe.right, probe.left + 100);
  assert.equal(probe.bottom, probe.top + 20);
  for (const k of ['scrollLeft', 'scrollTop', 'scrollWidth', 'scrollHeight']) assert.equal(typeof probe[k], 'number', k);
  assert.equal(probe['margin-left'], '12px');
  assert.equal(probe.backgroundColor, 'rgb(1, 2, 3)');
  assert.equal(probe.hoverClass, 'none');
  assert.ok('context' in probe && 'node' in probe);
  // No id: '' and {}, not undefined.
  assert.equal(plain.id, '');
  assert.deepEqual(plain.dataset, {});
  assert.deepEqual(Object.keys(plain).sort(), ['bottom', 'dataset', 'height', 'id', 'left', 'right', 'top', 'width']);
  assert.equal(missing, null);
  assert.equal(sv.id, 'sv');
  assert.equal(sv.scrollTop, 0);
  assert.equal(sv.scrollHeight, 400);
  assert.equal(sv.scrollWidth, sv.scrollWidth | 0);
  const win = await page.evaluate(() => ({ w: window.innerWidth }));
  assert.equal(viewport.id, '');
  assert.deepEqual(viewport.dataset, {});
  assert.equal(viewport.left, 0);
  assert.equal(viewport.top, 0);
  assert.equal(viewport.width, win.w);
  assert.equal(viewport.right, win.w);
  assert.ok(viewport.height > 0 && viewport.bottom === viewport.height);
  assert.ok(viewport.scrollHeight >= viewport.height, `viewport scrollHeight ${viewport.scrollHeight}`);
  assert.equal(viewport.scrollTop, 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});
