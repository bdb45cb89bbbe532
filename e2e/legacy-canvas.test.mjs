// The legacy canvas in `cove dev` (docs/protocol.md, `canvas`): what a page and a component
// draw with wx.createCanvasContext appears on screen at the device pixel ratio, draw(true)
// keeps the pixels but not the state, a canvas drawn while hidden shows its drawing once laid
// out, canvasGetImageData/canvasPutImageData read and write CSS px, and canvasToTempFilePath
// gives a PNG of the drawing at the app's pixel ratio. Also a 2D canvas's image and gradient
// handles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDev, launchBrowser, repo, byId, status } from './lib/dev.mjs';

const fixture = path.join(repo, 'e2e/fixtures/legacy-canvas');
let dev;
let browser;

before(async () => {
  dev = await startDev(fixture, ['--no-watch']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
});

/** The view on a device with two pixels per CSS px, as the app is told (`ratio=2`). */
async function openView() {
  const page = await browser.newPage({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.errors = errors;
  await page.goto(`${dev.url}view?width=375&height=667&ratio=2`);
  return page;
}

/** RGBA of the backing-store pixel under CSS px (x, y) of the canvas element `id`. */
function pixel(page, id, x, y) {
  return page.evaluate(([id, x, y]) => {
    const c = document.querySelector(`[id$="--${id}"] canvas, [id="${id}"] canvas`);
    const r = c.width / c.clientWidth;
    return [...c.getContext('2d').getImageData(Math.floor(x * r), Math.floor(y * r), 1, 1).data];
  }, [id, x, y]);
}

const statusHas = (page, text) => page.waitForFunction((t) => (document.querySelector('[id$="--status"]')?.textContent || '').split('|').some((s) => s.startsWith(t)), text, { timeout: 10000 });
const statusOf = async (page, prefix) => (await byId(page, 'status').textContent()).split('|').find((s) => s.startsWith(prefix));

const RED = [255, 0, 0, 255];
const BLUE = [0, 0, 255, 255];
const GREEN = [0, 128, 0, 255];
const LIME = [0, 255, 0, 255];
const BLACK = [0, 0, 0, 255];
const NONE = [0, 0, 0, 0];

test('a page and a component draw with createCanvasContext, at the device pixel ratio', async () => {
  const page = await openView();
  await statusHas(page, 'drawn');
  const size = await page.evaluate(() => {
    const c = document.querySelector('[id$="--poster"] canvas');
    return [c.width, c.height, c.clientWidth, c.clientHeight];
  });
  // 100x60 CSS px (its width/height attributes mean nothing), drawn at 2x.
  assert.deepEqual(size, [200, 120, 100, 60]);
  assert.deepEqual(await pixel(page, 'poster', 25, 20), RED, 'setFillStyle + fillRect');
  assert.deepEqual(await pixel(page, 'poster', 60, 30), BLUE, 'a linear gradient as fillStyle');
  assert.deepEqual(await pixel(page, 'poster', 90, 10), GREEN, 'drawImage of a package image');
  const text = await page.evaluate(() => {
    const c = document.querySelector('[id$="--poster"] canvas');
    const d = c.getContext('2d').getImageData(2 * 2, 42 * 2, 16 * 2, 16 * 2).data;
    let dark = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 128) dark += 1;
    return dark;
  });
  assert.ok(text > 20, `fillText at 16px drew the W (${text} opaque pixels)`);
  // The component drew on its own canvas, found with `this`.
  await page.waitForFunction(() => {
    const c = document.querySelector('[id$="--mark"] canvas');
    return c && c.getContext('2d').getImageData(5 * 2, 15 * 2, 1, 1).data[3] === 255;
  }, null, { timeout: 5000 });
  assert.deepEqual(await pixel(page, 'mark', 5, 15), LIME, 'the stroke of the component');
  assert.deepEqual(await pixel(page, 'mark', 15, 15), NONE, 'inside the stroke');
  // A 2D canvas: the gradient and the createImage image are handles the view resolves.
  await page.waitForFunction(() => {
    const c = document.querySelector('[id$="--pad"] canvas');
    return c && c.getContext('2d').getImageData(10, 15, 1, 1).data[3] === 255;
  }, null, { timeout: 5000 });
  assert.deepEqual(await pixel(page, 'pad', 10, 5), [255, 255, 0, 255], '2D: a gradient fill');
  assert.deepEqual(await pixel(page, 'pad', 10, 15), GREEN, '2D: createImage + drawImage');

  // draw(true): the pixels stay; the state is new (the black default fill, no translate).
  await byId(page, 'more').click();
  await statusHas(page, 'more');
  assert.deepEqual(await pixel(page, 'poster', 25, 50), BLACK);
  assert.deepEqual(await pixel(page, 'poster', 25, 20), RED, 'the first drawing is kept');

  // Drawn while hidden: shown once the canvas has a size.
  assert.equal(await page.evaluate(() => document.querySelector('[id$="--late"] canvas').width), 0);
  await byId(page, 'show').click();
  await page.waitForFunction(() => {
    const c = document.querySelector('[id$="--late"] canvas');
    return c.width === 80 && c.getContext('2d').getImageData(40, 40, 1, 1).data[3] === 255;
  }, null, { timeout: 5000 });
  assert.deepEqual(await pixel(page, 'late', 20, 20), [255, 0, 255, 255]);
  assert.deepEqual(page.errors, []);
  assert.equal((await status(dev)).viewErrors, 0);
  await page.close();
});

test('canvasGetImageData and canvasPutImageData work in CSS px', async () => {
  const page = await openView();
  await statusHas(page, 'drawn');
  await byId(page, 'read').click();
  await statusHas(page, 'read');
  assert.equal(await statusOf(page, 'read'), 'read 2x1 true 255,0,0,255,255,0,0,255');
  await byId(page, 'put').click();
  await statusHas(page, 'put');
  assert.equal(await statusOf(page, 'put'), 'put 0,255,0,255');
  // On screen, the 2x2 CSS px region is 4x4 device pixels of green.
  assert.deepEqual(await pixel(page, 'poster', 60, 45), LIME);
  assert.deepEqual(await pixel(page, 'poster', 61.5, 46.5), LIME);
  assert.deepEqual(await pixel(page, 'poster', 62.5, 45), NONE);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('canvasToTempFilePath exports the legacy canvas as a PNG at the app pixel ratio', async () => {
  const page = await openView();
  await statusHas(page, 'drawn');
  await byId(page, 'export').click();
  await statusHas(page, 'exported');
  // The default size is the canvas's CSS size times the pixel ratio the app was told.
  assert.equal(await statusOf(page, 'exported'), 'exported 200x120');
  const px = await page.evaluate(async () => {
    const src = document.querySelector('[id$="--exported"] img, [id$="--exported"]');
    const bg = [src, ...src.querySelectorAll('*')].map((e) => e.currentSrc || getComputedStyle(e).backgroundImage).find((b) => b && b !== 'none');
    const m = /url\("(.*)"\)/.exec(bg);
    const url = new URL(m ? m[1] : bg).pathname;
    const res = await fetch(url);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const at = (x, y) => [...g.getImageData(x, y, 1, 1).data];
    return { url, png: [...bytes.slice(1, 4)], size: [c.width, c.height], red: at(50, 40), blue: at(120, 60), green: at(180, 20) };
  });
  assert.match(px.url, /^\/__cove\/wxfile\/tmp_.*\.png$/);
  assert.deepEqual(px.png, [0x50, 0x4e, 0x47], 'a PNG file');
  assert.deepEqual(px.size, [200, 120]);
  assert.deepEqual(px.red, RED);
  assert.deepEqual(px.blue, BLUE);
  assert.deepEqual(px.green, GREEN);
  assert.deepEqual(page.errors, []);
  await page.close();
});
