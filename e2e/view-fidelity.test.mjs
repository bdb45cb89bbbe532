// General causes of differences from WeChat found on real component libraries (wux-weapp),
// asserted on computed styles and layout answers in headless Chromium.
// Run: cd e2e && node --test view-fidelity.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHarness, launchBrowser, openHarness, deliver, takeSent } from './lib/harness.mjs';

const HELLO = { t: 'hello', protocol: 1, appId: 'wxtest', app: { window: {}, pages: ['pages/a/a', 'pages/b/b'] } };
const route = (stack) => ({ t: 'route', action: 'launch', stack, window: {}, tab: null });
const entry = (id, p, node) => ({ id, path: p, query: {}, node });

/** A page on node `root` (page component host root+1, as the container makes it) holding `body`. */
function pageOps(root, pageId, p, body, scope) {
  return {
    t: 'ops',
    ops: [
      ['create', root, 'page', 'page'], ['page', root, pageId, p],
      ['create', root + 1, 'wx-x', 'body'], ['styleScope', root + 1, null, null, scope],
      ['append', root, root + 1], ...body,
    ],
  };
}
const view = (id, parent, classes, scope = null) => [
  ['create', id, 'view', 'view'], ...classes.map((c) => ['class', id, c, scope]), ['append', parent, id],
];

let pkg;
let harness;
let browser;

before(async () => {
  pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-view-fidelity-'));
  const put = (p, text) => {
    fs.mkdirSync(path.dirname(path.join(pkg, p)), { recursive: true });
    fs.writeFileSync(path.join(pkg, p), text);
  };
  // Three sheets define `@keyframes spin` differently, as wux's skeleton, loading and a demo
  // page do with `loading`; the app sheet's keyframes are used from a page sheet.
  put('app.css', '@keyframes fade{from{opacity:0}to{opacity:1}}');
  put('comp/skeleton.css', '.s--row{animation:spin 1s ease infinite}@keyframes spin{from{background-position:100% 50%}to{background-position:0 50%}}'
    + '@media (min-width:1px){.s--row2{animation-name:spin}}');
  put('comp/loading.css', '.l--ring{animation:spin 1s linear infinite}@keyframes spin{from{transform:rotate(0)}to{transform:rotate(360deg)}}');
  put('pages/a/a.css', '.a-1--fade{animation:fade 2s}');
  put('pages/b/b.css', '.b-2--x{animation:spin 1s}@keyframes spin{from{transform:scale(0)}to{transform:scale(1)}}');
  harness = await startHarness({ pkg });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  harness?.close();
  fs.rmSync(pkg, { recursive: true, force: true });
});

async function open() {
  const page = await openHarness(browser, harness);
  await deliver(page, {
    t: 'config', dev: true, domains: { image: [], media: [], webView: [] },
    styles: [
      { path: 'app.css', scope: null, page: false },
      { path: 'comp/skeleton.css', scope: 's', page: false },
      { path: 'comp/loading.css', scope: 'l', page: false },
      { path: 'pages/a/a.css', scope: 'a-1', page: true },
      { path: 'pages/b/b.css', scope: 'b-2', page: true },
    ],
  });
  return page;
}

/** The keyframes rule an element's first animation runs, as text. */
const KEYFRAMES_OF = (sel) => {
  const name = getComputedStyle(document.querySelector(sel)).animationName.split(',')[0].trim();
  const find = (rules) => {
    for (const r of rules) {
      if (r instanceof CSSKeyframesRule && r.name === name) return r;
      if (r.cssRules && !(r instanceof CSSKeyframesRule)) {
        const f = find(r.cssRules);
        if (f) return f;
      }
    }
    return null;
  };
  let found = null;
  for (const s of document.adoptedStyleSheets) found = find(s.cssRules) || found; // the last one wins
  return found ? found.cssText : `none (${name})`;
};

test('keyframes: each sheet animates with its own @keyframes, whatever other sheets define', async () => {
  const page = await open();
  await page.waitForFunction(() => document.adoptedStyleSheets.length >= 5);
  await deliver(page, HELLO, pageOps(50, 1, 'pages/a/a', [
    ...view(52, 51, ['row', 'row2'], 's'), ...view(53, 51, ['ring'], 'l'), ...view(54, 51, ['fade'], 'a-1'),
  ], 'a-1'), route([entry(1, 'pages/a/a', 50)]));
  const r = await page.evaluate(`({
    row: (${KEYFRAMES_OF})('.s--row'),
    row2: (${KEYFRAMES_OF})('.s--row2'),
    ring: (${KEYFRAMES_OF})('.l--ring'),
    fade: (${KEYFRAMES_OF})('.a-1--fade'),
    rowAnim: getComputedStyle(document.querySelector('.s--row')).animationDuration + ' ' + getComputedStyle(document.querySelector('.s--row')).animationIterationCount,
    globalSpin: [...document.adoptedStyleSheets].flatMap((s) => [...s.cssRules]).filter((k) => k instanceof CSSKeyframesRule && k.name === 'spin').map((k) => k.cssText.includes('scale') ? 'page' : 'comp'),
  })`);
  assert.match(r.row, /background-position/, `the skeleton row runs the skeleton's keyframes: ${r.row}`);
  assert.match(r.row2, /background-position/, 'inside @media too');
  assert.match(r.ring, /rotate/, `the loading ring runs its own keyframes: ${r.ring}`);
  assert.match(r.fade, /opacity/, 'a page still uses the keyframes app.wxss defines');
  assert.equal(r.rowAnim, '1s infinite', 'the rest of the animation shorthand is kept');
  assert.ok(!r.globalSpin.includes('page'), 'a page sheet\'s keyframes do not leak to other pages by their name');
  assert.deepEqual((await takeSent(page)).filter((m) => m.t === 'viewError'), []);
  await page.close();
});

test('layout: the page component host (display: contents) reports its content box, not zeros', async () => {
  const page = await open();
  await deliver(page, HELLO, pageOps(50, 1, 'pages/b/b', [
    ['create', 52, 'view', 'view'], ['style', 52, 'height:300px'], ['append', 51, 52],
    ['create', 53, 'view', 'view'], ['style', 53, 'height:2000px'], ['append', 51, 53],
  ], 'b-2'), route([entry(1, 'pages/b/b', 50)]));
  await deliver(page, { t: 'request', id: 1, api: 'layout', args: { node: 51, what: 'rect' } });
  await page.evaluate(() => { document.querySelector('.cove-frame.is-top .cove-layer').scrollTop = 120; });
  await deliver(page, { t: 'request', id: 2, api: 'layout', args: { node: 51, what: 'rect' } });
  const [a, b] = (await takeSent(page)).filter((m) => m.t === 'reply').map((m) => m.ok);
  assert.deepEqual(a, { left: 0, top: 0, right: 375, bottom: 2300, width: 375, height: 2300 });
  assert.equal(b.top, -120, 'and moves with the page scroll');
  await page.close();
});

test('inline styles: rpx from data is converted against the window width', async () => {
  const page = await open();
  await deliver(page, HELLO, pageOps(60, 1, 'pages/b/b', [
    ['create', 62, 'view', 'view'], ['style', 62, 'width: 375rpx; height:10px; margin-left: -7.5rpx; padding: .75rpx 0'], ['append', 61, 62],
  ], 'b-2'), route([entry(1, 'pages/b/b', 60)]));
  const box = await page.evaluate(() => {
    const el = document.querySelector('wx-page wx-view');
    const cs = getComputedStyle(el);
    return { width: el.getBoundingClientRect().width, margin: cs.marginLeft, padding: cs.paddingTop };
  });
  // The harness page is 375 px wide: 750rpx = 375px.
  assert.equal(box.width, 187.5);
  assert.equal(box.margin, '-3.75px');
  assert.equal(box.padding, '0.375px');
  await page.close();
});

test('inline styles: url(wxfile://…) points at the app files the host serves', async () => {
  const page = await open();
  await deliver(page, HELLO, pageOps(70, 1, 'pages/b/b', [
    ['create', 72, 'view', 'view'], ['style', 72, "height:10px; background-image: url('wxfile://tmp_ab12.png')"], ['append', 71, 72],
    ['create', 73, 'view', 'view'], ['style', 73, 'height:10px; background-image: url(wxfile://../secret.png)'], ['append', 71, 73],
  ], 'b-2'), route([entry(1, 'pages/b/b', 70)]));
  const bgs = await page.evaluate(() => [...document.querySelectorAll('wx-page wx-view')].map((e) => e.style.backgroundImage));
  assert.equal(bgs[0], 'url("/__cove/wxfile/tmp_ab12.png")');
  assert.equal(bgs[1], 'none');
  await page.close();
});
