// The host's watermark against a mini-program that wants it gone (e2e/fixtures/malicious-view):
// app CSS that would hide, fade or cover it, a fixed overlay at the highest z-index, and ops a
// compromised container could send. The watermark stays drawn on top, seen in the pixels of
// a screenshot, and tampering from inside the page is repaired.
// Run: COVE_BIN=$PWD/target/debug/cove node --test e2e/sandbox-view.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDev, openView, launchBrowser, byId, status, repo } from './lib/dev.mjs';
import { startHarness, openHarness, deliver } from './lib/harness.mjs';

const TEXT = 'CONFIDENTIAL 机密';
// Whole tiles of the watermark (240 x 150 CSS px from the top left), below the navigation
// bar: each holds one drawing of the text. The last is the partial tile at the right edge.
const TILES = [[0, 150, 240, 150], [0, 300, 240, 150], [0, 450, 240, 150], [240, 300, 135, 150]];

let dev, browser;
before(async () => {
  dev = await startDev(path.join(repo, 'e2e/fixtures/malicious-view'), ['--no-watch', '--watermark', TEXT]);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await dev?.stop();
});

/** The view with the fixture in `mode`, once the page has drawn. */
async function open(mode) {
  const page = await openView(browser, dev, { path: 'pages/index/index', query: `mode=${mode}` });
  await page.waitForFunction(() => document.querySelector('[id$="mode"]') && document.querySelector('cove-watermark'));
  // The page's text, hidden or not, says the mode was applied.
  await page.waitForFunction((m) => document.querySelector('[id$="mode"]').textContent === `mode ${m}`, mode);
  await page.waitForTimeout(300);
  return page;
}

/**
 * For each rectangle of a screenshot: its most common colour (the background), how much of
 * the rectangle it fills, and how many pixels clearly differ from it (the watermark's text).
 * Decoded in a blank page, outside the view and its CSP.
 */
async function analyse(png, rects) {
  const p = await browser.newPage();
  try {
    return await p.evaluate(async ({ b64, rects }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return rects.map(([x, y, w, h]) => {
        const d = g.getImageData(x, y, w, h).data;
        const counts = new Map();
        for (let i = 0; i < d.length; i += 4) {
          const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
          counts.set(k, (counts.get(k) || 0) + 1);
        }
        let bg = 0;
        let most = 0;
        for (const [k, n] of counts) if (n > most) [bg, most] = [k, n];
        const [r, gr, b] = [bg >> 16, (bg >> 8) & 255, bg & 255];
        let marked = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - gr) + Math.abs(d[i + 2] - b) > 24) marked++;
        }
        return { bg: [r, gr, b], share: most / (w * h), marked };
      });
    }, { b64: png.toString('base64'), rects });
  } finally {
    await p.close();
  }
}

/** The watermark is drawn in every tile (at least `min` pixels of text each). */
async function assertWatermarked(page, min = 40) {
  const tiles = await analyse(await page.screenshot(), TILES);
  for (const t of tiles) assert.ok(t.marked >= min, `a tile without the watermark: ${JSON.stringify(tiles)}`);
  return tiles;
}

test('a full-screen overlay at the highest z-index stays below the watermark', async () => {
  const page = await open('cover');
  // The attack is in place: the app's overlay is fixed, at the top z-index, and on top of
  // everything a hit test sees (the watermark takes no pointer events).
  const hit = await page.evaluate(() => {
    const top = document.elementsFromPoint(100, 360)[0];
    const cs = getComputedStyle(top);
    return { id: top.id, position: cs.position, z: cs.zIndex, bg: cs.backgroundColor };
  });
  assert.match(hit.id, /cover$/);
  assert.equal(hit.position, 'fixed');
  assert.ok(Number(hit.z) > 2e9, `z-index ${hit.z}`);
  assert.equal(hit.bg, 'rgb(0, 255, 0)');
  // The screen is the overlay's green, with the watermark's text drawn over it in every tile.
  const tiles = await assertWatermarked(page);
  for (const t of tiles) {
    assert.deepEqual(t.bg, [0, 255, 0], 'the overlay covers the page');
    assert.ok(t.share > 0.7, `mostly overlay: ${t.share}`);
  }
  // The watermark is out of reach: a closed shadow root, outside the app root, in the top layer.
  const host = await page.evaluate(() => {
    const h = document.querySelector('cove-watermark');
    return {
      shadow: h.shadowRoot,
      parent: h.parentNode === document.body,
      inApp: document.getElementById('cove-app').contains(h),
      open: h.matches(':popover-open'),
      pointer: getComputedStyle(h).pointerEvents,
      display: getComputedStyle(h).display,
    };
  });
  assert.deepEqual(host, { shadow: null, parent: true, inApp: false, open: true, pointer: 'none', display: 'block' });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('app CSS that hides or fades the whole document reaches only the page', async () => {
  for (const mode of ['hide', 'fade']) {
    const page = await open(mode);
    // The rules did apply, to the page's own elements.
    const mine = await page.evaluate(() => {
      const el = document.querySelector('[id$="mode"]');
      const cs = getComputedStyle(el);
      return { display: cs.display, opacity: cs.opacity, body: getComputedStyle(document.body).display, html: getComputedStyle(document.documentElement).opacity };
    });
    if (mode === 'hide') assert.equal(mine.display, 'none');
    else assert.equal(mine.opacity, '0');
    assert.equal(mine.body, 'block');
    assert.equal(mine.html, '1');
    // The navigation bar (the view's own) and the watermark still show.
    assert.equal(await page.locator('.cove-nav__title').textContent(), 'Nothing to see');
    assert.ok(await page.locator('.cove-nav__title').isVisible());
    await assertWatermarked(page);
    await page.close();
  }
});

test('the watermark comes back when it is removed or changed from inside the page', async () => {
  const page = await open('cover');
  const before = (await status(dev)).viewErrors;
  // Removed outright.
  await page.evaluate(() => document.querySelector('cove-watermark').remove());
  await page.waitForFunction(() => document.querySelector('cove-watermark'));
  await assertWatermarked(page);
  // Hidden with an inline style, then with the hidden attribute.
  await page.evaluate(() => document.querySelector('cove-watermark').style.setProperty('display', 'none', 'important'));
  await page.waitForFunction(() => !document.querySelector('cove-watermark').hasAttribute('style'));
  await page.evaluate(() => document.querySelector('cove-watermark').setAttribute('hidden', ''));
  await page.waitForFunction(() => !document.querySelector('cove-watermark').hasAttribute('hidden'));
  // Taken out of the top layer: it goes back.
  await page.evaluate(() => document.querySelector('cove-watermark').hidePopover());
  await page.waitForFunction(() => document.querySelector('cove-watermark').matches(':popover-open'));
  // Something later in the body: the watermark moves after it.
  await page.evaluate(() => {
    const d = document.createElement('div');
    d.id = 'late';
    d.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:#00ff00';
    document.body.appendChild(d);
  });
  await page.waitForFunction(() => document.body.lastElementChild.tagName === 'COVE-WATERMARK');
  await assertWatermarked(page);
  assert.equal(await page.locator('cove-watermark').count(), 1);
  // Each repair was reported to the host.
  const after = (await status(dev)).viewErrors;
  assert.ok(after >= before + 3, `repairs reported: ${before} -> ${after}`);
  await page.close();
});

test('ops cannot take the view\'s own nodes or the watermark out of the document', async () => {
  const harness = await startHarness();
  const page = await openHarness(browser, harness);
  try {
    await deliver(page,
      { t: 'config', styles: [], watermark: { text: TEXT, user: 'u-42', time: true } },
      { t: 'hello', protocol: 1, appId: 'wxevil', app: { window: {}, tabBar: null, pages: ['p/i'] } },
      {
        t: 'ops',
        ops: [
          ['create', 1, 'page', 'page'], ['page', 1, 1, 'p/i'],
          ['create', 2, 'view', 'view'], ['createText', 3, 'hello'], ['append', 2, 3], ['append', 1, 2],
        ],
      },
      { t: 'route', action: 'launch', stack: [{ id: 1, path: 'p/i', query: {}, node: 1 }], window: {}, tab: null },
    );
    await page.waitForFunction(() => document.querySelector('cove-watermark') && document.querySelector('wx-view'));
    const shape = () => page.evaluate(() => ({
      body: [...document.body.children].map((e) => e.tagName.toLowerCase()),
      layers: document.querySelectorAll('.cove-layer > wx-page').length,
      app: !!document.getElementById('cove-app'),
    }));
    const start = await shape();
    assert.deepEqual(start, { body: ['div', 'cove-watermark'], layers: 1, app: true });
    const errors = await page.evaluate(() => window.__sent.length);
    // A hostile batch: ids the app never created (0 is the app root), the page root taken out
    // of its layer, a splice walking past the app's nodes, a fragment spliced over the page.
    await deliver(page, {
      t: 'ops',
      ops: [
        ['remove', 0, 1], ['remove', 1, 0], ['append', 2, 0], ['text', 0, 'gone'], ['style', 0, 'display:none'],
        ['remove', 99, 1], ['replace', 2, 3, 1], ['append', 2, 1], ['insert', 2, 1, null],
        ['spliceRemove', 1, 1, 1000], ['spliceRemove', 1, 2, 1000],
        ['createFragment', 4], ['spliceBefore', 1, 1, 1000, 4],
        ['create', 5, 'view', 'view'], ['style', 5, 'position:fixed;inset:0;z-index:2147483647;background:#00ff00'], ['append', 1, 5],
      ],
    });
    await page.waitForTimeout(200);
    const refused = await page.evaluate((n) => window.__sent.slice(n).filter((m) => m.t === 'viewError').map((m) => m.message), errors);
    assert.ok(refused.length >= 10, `refused: ${JSON.stringify(refused)}`);
    assert.ok(refused.some((m) => /parent the app does not own/.test(m)), JSON.stringify(refused));
    assert.ok(refused.some((m) => /no node 0/.test(m)), JSON.stringify(refused));
    // The page root is still in its layer, the chrome and the watermark where they were.
    assert.deepEqual(await shape(), start);
    // The app's own nodes did go (a splice of its own children is the app's business), and
    // its overlay is below the watermark.
    assert.equal(await page.locator('wx-view').count(), 1);
    const tiles = await analyse(await page.screenshot(), TILES);
    for (const t of tiles) {
      assert.deepEqual(t.bg, [0, 255, 0]);
      assert.ok(t.marked >= 40, JSON.stringify(tiles));
    }
    // A batch past the view's bound is refused whole.
    const n = await page.evaluate(() => window.__sent.length);
    await deliver(page, { t: 'ops', ops: Array.from({ length: 60000 }, (_, i) => ['createText', 1000 + i, 'x']) });
    const big = await page.evaluate((k) => window.__sent.slice(k).filter((m) => m.t === 'viewError').map((m) => m.message), n);
    assert.deepEqual(big, ['refused a batch of 60000 ops (at most 50000)']);
  } finally {
    await page.close();
    harness.close();
  }
});

test('an app element in fullscreen (a video\'s requestFullScreen) stays below the watermark', async () => {
  const harness = await startHarness();
  const page = await openHarness(browser, harness);
  try {
    await deliver(page,
      { t: 'config', styles: [], watermark: { text: TEXT } },
      { t: 'hello', protocol: 1, appId: 'wxevil', app: { window: {}, tabBar: null, pages: ['p/i'] } },
      {
        t: 'ops',
        ops: [
          ['create', 1, 'page', 'page'], ['page', 1, 1, 'p/i'],
          ['create', 2, 'view', 'view'], ['style', 2, 'display:block;width:100px;height:100px;background:#00ff00'], ['append', 1, 2],
        ],
      },
      { t: 'route', action: 'launch', stack: [{ id: 1, path: 'p/i', query: {}, node: 1 }], window: {}, tab: null },
    );
    await page.waitForFunction(() => document.querySelector('wx-view') && document.querySelector('cove-watermark'));
    // Fullscreen puts the element in the top layer, above any z-index; a click gives the
    // user activation it needs, as the video's fullscreen button does.
    await page.evaluate(() => document.addEventListener('click', () => document.querySelector('wx-view').requestFullscreen(), { once: true }));
    await page.mouse.click(50, 200);
    await page.waitForFunction(() => document.fullscreenElement && document.fullscreenElement.tagName === 'WX-VIEW');
    await page.waitForTimeout(300);
    const tiles = await analyse(await page.screenshot(), [[0, 0, 240, 150], ...TILES]);
    for (const t of tiles) {
      assert.deepEqual(t.bg, [0, 255, 0], 'the fullscreen element fills the screen');
      assert.ok(t.marked >= 40, `a tile without the watermark: ${JSON.stringify(tiles)}`);
    }
    await page.evaluate(() => document.exitFullscreen());
  } finally {
    await page.close();
    harness.close();
  }
});
