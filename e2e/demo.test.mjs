// Our demo app in the simulator, end to end: the container runs the app, the view renders
// it in headless Chromium, and every assertion reads the real DOM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDev, openView, launchBrowser, byId, status, repo } from './lib/dev.mjs';

let dev, browser;

before(async () => {
  dev = await startDev(path.join(repo, 'examples/demo'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
});

const visible = (page) => page.locator('wx-page:visible').last();

test('counter: the first render and a tap that counts', async () => {
  const page = await openView(browser, dev);
  await byId(page, 'count').waitFor();
  assert.equal(await byId(page, 'count').textContent(), '0');
  assert.equal(await byId(page, 'parity').textContent(), 'even');
  // The navigation bar shows the page's title, the tab bar its tabs.
  await assert.doesNotReject(page.getByText('Counter', { exact: true }).first().waitFor());
  await byId(page, 'increment').click();
  await page.waitForFunction(() => document.querySelector('[id$="--count"]').textContent === '1');
  await byId(page, 'increment').click();
  await page.waitForFunction(() => document.querySelector('[id$="--count"]').textContent === '2');
  assert.equal(await byId(page, 'parity').textContent(), 'even');
  await byId(page, 'decrement').click();
  await page.waitForFunction(() => document.querySelector('[id$="--parity"]').textContent === 'odd');
  // WXSS reached the DOM: the primary button has the demo's blue.
  const bg = await byId(page, 'increment').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(bg, 'rgb(31, 111, 235)');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('navigation forward to a subpackage page and back', async () => {
  const page = await openView(browser, dev, { path: 'pages/list/list' });
  await byId(page, 'open-2').waitFor();
  await byId(page, 'open-2').click();
  await byId(page, 'detail-title').waitFor();
  assert.equal(await visible(page).locator('[id$="--detail-title"]').textContent(), 'Compile it with Cove');
  assert.equal(await page.locator('wx-page').count(), 2);
  // The back arrow of the navigation bar.
  await page.locator('.cove-nav__back').click();
  await page.waitForFunction(() => document.querySelectorAll('wx-page').length === 1);
  assert.ok(await byId(page, 'open-2').isVisible());
  // "Details" is a catchtap: the row under it was not toggled.
  assert.equal(await byId(page, 'item-2').locator('wx-text').first().textContent(), '[ ]');
  await page.close();
});

test('tab bar: switching tabs', async () => {
  const page = await openView(browser, dev);
  await byId(page, 'count').waitFor();
  await page.locator('.cove-tabbar').getByText('List', { exact: true }).click();
  await byId(page, 'new-item').waitFor();
  assert.ok(await byId(page, 'new-item').isVisible());
  assert.equal(await byId(page, 'count').isVisible(), false);
  await page.locator('.cove-tabbar').getByText('Counter', { exact: true }).click();
  await byId(page, 'count').waitFor({ state: 'visible' });
  await page.close();
});

test('input: model:value two-way binding', async () => {
  const page = await openView(browser, dev, { path: 'pages/list/list' });
  const input = byId(page, 'new-item').locator('input');
  await input.waitFor();
  await input.fill('Buy milk');
  await byId(page, 'add').click();
  // The page read `draft` (bound by model:value), added the item and cleared the draft,
  // which came back to the input.
  await page.getByText('Buy milk').first().waitFor();
  await page.waitForFunction(() => document.querySelector('[id$="--new-item"] input').value === '');
  await page.close();
});

test('scroll-view: scrolltolower', async () => {
  const page = await openView(browser, dev, { path: 'pages/about/about' });
  const sv = byId(page, 'features');
  await sv.waitFor();
  assert.equal(await byId(page, 'features-end').count(), 0);
  await sv.hover();
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, 400);
  await byId(page, 'features-end').waitFor();
  assert.equal(await byId(page, 'features-end').textContent(), 'You reached the end.');
  await page.close();
});

test('swiper: a swipe changes the slide', async () => {
  const page = await openView(browser, dev, { path: 'pages/about/about' });
  const sw = byId(page, 'banner');
  await sw.waitFor();
  assert.equal(await byId(page, 'slide-index').textContent(), 'Slide 1 of 3');
  const box = await sw.boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.8, y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + box.width * (0.8 - i * 0.075), y);
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('[id$="--slide-index"]').textContent === 'Slide 2 of 3');
  await page.close();
});

test('picker: choosing a colour', async () => {
  const page = await openView(browser, dev, { path: 'pages/about/about' });
  await byId(page, 'color-value').waitFor();
  assert.equal(await byId(page, 'color-value').textContent(), 'Blue');
  await byId(page, 'color-value').click();
  // The sheet opens; choose "Orange" and confirm.
  const sheet = page.locator('.wx-picker-sheet');
  await sheet.waitFor();
  await sheet.getByText('Orange', { exact: true }).click();
  // The wheel scrolls the tapped row to the middle; confirm once it is there.
  await page.waitForTimeout(700);
  await sheet.locator('.wx-picker-confirm').click();
  await sheet.waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.querySelector('[id$="--color-value"]').textContent === 'Orange');
  await page.close();
});

test('form: submit collects the values of its fields', async () => {
  const page = await openView(browser, dev, { path: 'pages/about/about' });
  const input = byId(page, 'nickname').locator('input');
  await input.waitFor();
  await input.fill('Ada');
  await page.waitForFunction(() => document.querySelector('[id$="--nickname-preview"]').textContent === 'Hello, Ada');
  await byId(page, 'subscribe').click();
  await byId(page, 'submit').click();
  await byId(page, 'form-result').waitFor();
  assert.equal(await byId(page, 'form-result').textContent(), 'nickname=Ada subscribe=false color=Blue');
  const s = await status(dev);
  assert.equal(s.viewErrors, 0);
  await page.close();
});

test('canvas type="2d": what the app draws in the container appears in the view', async () => {
  const page = await openView(browser, dev, { path: 'pages/about/about' });
  const canvas = byId(page, 'chart').locator('canvas');
  await canvas.waitFor();
  // The fourth bar (90 px high, at x 145..175) is drawn in the demo's blue, at the pixel ratio.
  await page.waitForFunction(() => {
    const c = document.querySelector('[id$="--chart"] canvas');
    if (!c || c.width < 400) return false;
    const [r, g, b, a] = c.getContext('2d').getImageData(160 * 2, 95 * 2, 1, 1).data;
    return r === 31 && g === 111 && b === 235 && a === 255;
  }, null, { timeout: 5000 });
  const blankAbove = await page.evaluate(() => {
    const c = document.querySelector('[id$="--chart"] canvas');
    return c.getContext('2d').getImageData(160 * 2, 5 * 2, 1, 1).data[3];
  });
  assert.equal(blankAbove, 0);
  await page.close();
});

test('layout queries: the viewport scroll offset and an element rect come from the view', async () => {
  const fixture = await startDev(path.join(repo, 'e2e/fixtures/query'), ['--no-watch']);
  try {
    const page = await openView(browser, fixture);
    await byId(page, 'measure').waitFor();
    // Scroll the page (the wheel over the page layer) so the button is in view.
    await byId(page, 'measure').scrollIntoViewIfNeeded();
    const scrolled = await page.evaluate(() => document.querySelector('.cove-frame.is-top .cove-layer').scrollTop);
    assert.ok(scrolled > 300, `scrolled ${scrolled}`);
    await byId(page, 'measure').click();
    await page.waitForFunction(() => document.querySelector('[id$="--result"]').textContent.startsWith('scrollTop='));
    const text = await byId(page, 'result').textContent();
    const [, top, rectTop, height] = /scrollTop=(-?\d+) top=(-?\d+) height=(\d+)/.exec(text).map(Number);
    assert.equal(top, Math.round(scrolled));
    // The target sits 800 px down the page: its rect is relative to the page viewport.
    assert.equal(rectTop, 800 - Math.round(scrolled));
    assert.equal(height, 50);
    await page.close();
  } finally {
    await fixture.stop();
  }
});

test('canvasToTempFilePath: the view exports the canvas, the app shows the temp file', async () => {
  const fixture = await startDev(path.join(repo, 'e2e/fixtures/query'), ['--no-watch']);
  try {
    const page = await openView(browser, fixture);
    await byId(page, 'export').click();
    await page.waitForFunction(() => document.querySelector('[id$="--export-result"]').textContent !== '', null, { timeout: 10000 });
    assert.equal(await byId(page, 'export-result').textContent(), 'loaded 40x20 true');
    // The exported pixels: red on the left, blue on the right, read back from the file the
    // simulator serves out of the app's sandbox.
    const px = await page.evaluate(async () => {
      const host = document.querySelector('[id$="--exported"]');
      const bg = [host, ...host.querySelectorAll('*')].map((e) => getComputedStyle(e).backgroundImage).find((b) => b.startsWith('url('));
      const url = new URL(/url\("(.*)"\)/.exec(bg)[1]).pathname;
      const img = new Image();
      img.src = url;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = 40; c.height = 20;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return [url, [...g.getImageData(5, 5, 1, 1).data], [...g.getImageData(35, 5, 1, 1).data]];
    });
    assert.match(px[0], /^\/__cove\/wxfile\/tmp_/);
    assert.deepEqual(px[1], [255, 0, 0, 255]);
    assert.deepEqual(px[2], [0, 0, 255, 255]);
    // The route serves nothing outside the sandbox.
    const res = await fetch(`${fixture.url}__cove/wxfile/..%2F..%2Fmanifest.json`);
    assert.equal(res.status, 404);
    await page.close();
  } finally {
    await fixture.stop();
  }
});
