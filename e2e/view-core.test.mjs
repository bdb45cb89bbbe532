// The view's core in headless Chromium: ops, styles, events, chrome, overlays, layout.
// Run: cd e2e && node --test view-core.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { startHarness, launchBrowser, openHarness, deliver, takeSent, repo } from './lib/harness.mjs';

// ---- fixtures: the demo app's real first messages (trimmed), and a package with stylesheets ----
const HELLO = {
  t: 'hello', protocol: 1, appId: 'wxtest',
  app: {
    window: { navigationBarTitleText: 'Cove Demo', navigationBarBackgroundColor: '#1f6feb', navigationBarTextStyle: 'white', backgroundColor: '#f5f6f8', backgroundTextStyle: 'light' },
    tabBar: {
      color: '#666666', selectedColor: '#1f6feb', backgroundColor: '#ffffff', borderStyle: 'black',
      list: [{ pagePath: 'pages/counter/counter', text: 'Counter' }, { pagePath: 'pages/list/list', text: 'List' }, { pagePath: 'pages/about/about', text: 'About' }],
    },
    pages: ['pages/counter/counter', 'pages/list/list', 'pages/about/about'],
  },
};
const WINDOW = { navigationBarTitleText: 'Counter', navigationBarBackgroundColor: '#1f6feb', navigationBarTextStyle: 'white', backgroundColor: '#f5f6f8', backgroundTextStyle: 'light' };
const ROUTE = { t: 'route', action: 'launch', stack: [{ id: 1, path: 'pages/counter/counter', query: {}, node: 1 }], window: WINDOW, tab: 'pages/counter/counter' };
const S = 'counter-80c430';
const cls = (id, name) => [['class', id, name, null], ['class', id, name, S]];
const OPS = {
  t: 'ops',
  ops: [
    ['create', 1, 'page', 'page'], ['page', 1, 1, 'pages/counter/counter'],
    ['create', 2, 'wx-x', 'body'], ['styleScope', 2, null, null, S],
    ['create', 3, 'view', 'view'], ['styleScope', 3, S, null, null], ...cls(3, 'page'), ...cls(3, 'counter'),
    ['create', 4, 'view', 'view'], ['styleScope', 4, S, null, null], ...cls(4, 'counter__display'),
    ['create', 5, 'text', 'text'], ['styleScope', 5, S, null, null], ...cls(5, 'counter__value'), ['id', 5, '921a55b8--count'],
    ['createText', 6, '0'], ['append', 5, 6],
    ['create', 7, 'text', 'text'], ['styleScope', 7, S, null, null], ...cls(7, 'counter__parity'), ['id', 7, '921a55b8--parity'],
    ['createText', 8, 'even'], ['append', 7, 8], ['append', 4, 5], ['append', 4, 7],
    ['create', 9, 'view', 'view'], ['styleScope', 9, S, null, null], ...cls(9, 'row'),
    ['create', 10, 'button', 'button'], ['styleScope', 10, S, null, null], ...cls(10, 'btn'), ['listen', 10, 'tap', false, 0], ['id', 10, '921a55b8--decrement'],
    ['createText', 11, '-1'], ['append', 10, 11],
    ['create', 12, 'button', 'button'], ['styleScope', 12, S, null, null], ...cls(12, 'btn'), ...cls(12, 'btn--primary'), ['listen', 12, 'tap', false, 0], ['id', 12, '921a55b8--increment'],
    ['createText', 13, '+1'], ['append', 12, 13], ['append', 9, 10], ['append', 9, 12],
    ['append', 3, 4], ['append', 3, 9],
    ['createFragment', 21], ['append', 21, 3], ['spliceAppend', 2, 21], ['release', 21],
    ['create', 22, 'placeholder', 'placeholder'], ['append', 1, 22], ['replace', 1, 2, 22],
  ],
};

/** A page `path` on node `root` holding `body` ops; children of the page go under node root+1 (a wx-x). */
function pageOps(root, pageId, path, body = [], scope = null) {
  return {
    t: 'ops',
    ops: [
      ['create', root, 'page', 'page'], ['page', root, pageId, path],
      ['create', root + 1, 'wx-x', 'body'], ['styleScope', root + 1, null, null, scope],
      ['append', root, root + 1], ...body,
    ],
  };
}
const route = (stack, window = {}, tab = null, action = 'navigateTo') => ({ t: 'route', action, stack, window, tab });
const entry = (id, path, node) => ({ id, path, query: {}, node });

let pkg;
let harness;
let browser;

before(async () => {
  pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-view-core-'));
  const put = (p, text) => {
    fs.mkdirSync(path.dirname(path.join(pkg, p)), { recursive: true });
    fs.writeFileSync(path.join(pkg, p), text);
  };
  put('app.css', 'view{color:rgb(1,2,3)}page{background-color:rgb(4,5,6)}.shared{letter-spacing:2px}'
    + '@font-face{font-family:"Cove Test";src:url(fonts/x.woff2)}@keyframes cove-test-kf{from{opacity:0}to{opacity:1}}'
    + '@media (min-width:1px){text.m{font-style:italic}}');
  put('pages/a/a.css', 'view{border-top:7px solid rgb(0,0,0)}page{padding-top:9px}.a-1--x text,.a-1--y{margin-left:11px}'
    + ':not(view).a-1--z{margin-right:3px}@supports (display:grid){view.a-1--g{display:grid}}');
  put('pages/b/b.css', '.b-2--q{color:rgb(9,9,9)}');
  put('icons/home.png', Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf00000301010018dd8db00000000049454e44ae426082', 'hex'));
  harness = await startHarness({ pkg });
  browser = await launchBrowser();
});

after(async () => {
  await browser.close();
  harness.close();
  fs.rmSync(pkg, { recursive: true, force: true });
});

async function open(opts) {
  const page = await openHarness(browser, harness, opts);
  return page;
}

/** A page with the demo's counter page on top. */
async function counter() {
  const page = await open();
  await deliver(page, HELLO, ROUTE, OPS);
  return page;
}

const events = (sent, type) => sent.filter((m) => m.t === 'event' && (!type || m.type === type));
const center = async (page, sel) => {
  const b = await page.locator(sel).boundingBox();
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
};

// ---- ops ------------------------------------------------------------------------------------------

test('the counter page renders as wx-* elements with its text, ids and prefixed classes', async () => {
  const page = await counter();
  const info = await page.evaluate(() => {
    const root = document.querySelector('.cove-frame.is-top wx-page');
    const tags = (el) => el.tagName.toLowerCase() + '(' + Array.from(el.children, tags).join(',') + ')';
    const count = document.getElementById('921a55b8--count');
    return {
      tree: tags(root),
      count: count.textContent,
      countTag: count.tagName.toLowerCase(),
      parity: document.getElementById('921a55b8--parity').textContent,
      classes: count.className,
      host: root.firstElementChild.getAttribute('wx-host'),
      notWx: Array.from(document.querySelectorAll('wx-page *')).filter((el) => el.__coveId !== undefined && !el.tagName.startsWith('WX-')).length,
    };
  });
  assert.match(info.tree, /^wx-page\(wx-x\(wx-view\(wx-view\(wx-text\(.*\),wx-text\(.*\)\),wx-view\(wx-button\(.*\),wx-button\(.*\)\)\)\)\)$/);
  assert.equal(info.count, '0');
  assert.equal(info.countTag, 'wx-text');
  assert.equal(info.parity, 'even');
  assert.deepEqual(info.classes.split(' ').sort(), ['counter-80c430--counter__value', 'counter__value']);
  assert.equal(info.host, S);
  assert.equal(info.notWx, 0, 'every node the container made is a wx-* element');
  assert.deepEqual(await takeSent(page), []);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('text, class and attribute ops update the DOM', async () => {
  const page = await counter();
  await deliver(page, { t: 'ops', ops: [['text', 6, '1'], ['text', 8, 'odd'], ['removeClass', 3, 'page', S], ['class', 3, 'wide', S], ['attr', 4, 'hidden', true]] });
  const r = await page.evaluate(() => ({
    count: document.getElementById('921a55b8--count').textContent,
    parity: document.getElementById('921a55b8--parity').textContent,
    classes: document.querySelector('wx-page wx-view').className,
    hidden: getComputedStyle(document.querySelector('wx-page wx-view wx-view')).display,
  }));
  assert.equal(r.count, '1');
  assert.equal(r.parity, 'odd');
  assert.deepEqual(r.classes.split(' ').sort(), ['counter', 'counter-80c430--counter', 'counter-80c430--wide', 'page']);
  assert.equal(r.hidden, 'none');
  await deliver(page, { t: 'ops', ops: [['clearClasses', 3], ['attr', 4, 'hidden', 'false']] });
  const r2 = await page.evaluate(() => ({
    classes: document.querySelector('wx-page wx-view').className,
    shown: getComputedStyle(document.querySelector('wx-page wx-view wx-view')).display,
  }));
  assert.equal(r2.classes, '');
  assert.notEqual(r2.shown, 'none');
  await page.close();
});

test('splices, inserts and removes keep the right order', async () => {
  const page = await open();
  const t = (id, s) => [['createText', id, s]];
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], {}, 'pages/list/list', 'launch'), pageOps(50, 1, 'pages/list/list', [
    ['create', 52, 'view', 'view'], ['append', 51, 52],
    ...t(60, 'a'), ...t(61, 'b'), ...t(62, 'c'), ['append', 52, 60], ['append', 52, 61], ['append', 52, 62],
    ['createFragment', 70], ...t(63, 'X'), ...t(64, 'Y'), ['append', 70, 63], ['append', 70, 64],
    ['spliceBefore', 52, 61, 1, 70], // a X Y c
    ...t(65, '0'), ['insert', 52, 65, 60], // 0 a X Y c
    ['remove', 52, 62], // 0 a X Y
    ['spliceRemove', 52, 63, 2], // 0 a
    ...t(66, 'z'), ['insert', 52, 66, null], // 0 a z
  ]));
  assert.equal(await page.evaluate(() => document.querySelector('wx-page wx-view').textContent), '0az');
  await page.close();
});

test('an unknown op or node is reported as viewError and the batch goes on', async () => {
  const page = await counter();
  await deliver(page, { t: 'ops', ops: [['frobnicate', 1], ['text', 999, 'x'], ['text', 6, '7']] });
  const sent = await takeSent(page);
  const errs = sent.filter((m) => m.t === 'viewError').map((m) => m.message);
  assert.equal(errs.length, 2);
  assert.match(errs[0], /frobnicate/);
  assert.match(errs[1], /999/);
  assert.equal(await page.evaluate(() => document.getElementById('921a55b8--count').textContent), '7');
  await deliver(page, { t: 'nonsense' });
  assert.match((await takeSent(page))[0].message, /unknown message/);
  await page.close();
});

test('XSS: markup in text, attribute, id, class and style ops is never parsed', async () => {
  const page = await counter();
  const evil = '<img src=x onerror="window.__pwned=1">';
  await deliver(page, {
    t: 'ops',
    ops: [
      ['text', 6, evil], ['createText', 40, evil], ['append', 4, 40],
      ['create', 41, 'view', 'view'], ['attr', 41, 'onclick', 'window.__pwned=2'], ['attr', 41, 'title', evil], ['attr', 41, 'src', evil],
      ['id', 41, evil], ['class', 41, evil, null], ['style', 41, `background-image:url("javascript:window.__pwned=3")`], ['append', 4, 41],
      ['create', 42, 'text', 'text'], ['attr', 42, 'onerror', 'window.__pwned=4'], ['attr', 42, 'user-select', evil], ['createText', 43, evil], ['append', 42, 43], ['append', 4, 42],
      ['create', 44, 'img onerror=x', 'x'], ['append', 4, 44],
      ['create', 45, 'script', 'script'], ['createText', 46, 'window.__pwned=5'], ['append', 45, 46], ['append', 4, 45],
    ],
  });
  await page.waitForTimeout(200);
  const r = await page.evaluate(() => ({
    imgs: document.querySelectorAll('wx-page img, img[src="x"]').length,
    scripts: document.querySelectorAll('wx-page script').length,
    pwned: window.__pwned,
    text: document.getElementById('921a55b8--count').textContent,
    attrs: Array.from(document.querySelectorAll('wx-page *')).flatMap((el) => el.getAttributeNames()).filter((n) => /^on|src|title/.test(n)),
  }));
  assert.equal(r.imgs, 0);
  assert.equal(r.scripts, 0);
  assert.equal(r.pwned, undefined);
  assert.equal(r.text, evil);
  assert.deepEqual(r.attrs, []);
  await page.close();
});

// ---- events ---------------------------------------------------------------------------------------

test('a mouse click on a button with a tap listener sends tap with its node and page coordinates', async () => {
  const page = await counter();
  const p = await center(page, '[id="921a55b8--increment"]');
  await page.mouse.click(p.x, p.y);
  const taps = events(await takeSent(page));
  assert.equal(taps.length, 1);
  const [tap] = taps;
  assert.equal(tap.type, 'tap');
  assert.equal(tap.node, 12);
  assert.ok(Math.abs(tap.detail.x - p.x) < 1, `x ${tap.detail.x} vs ${p.x}`);
  assert.ok(Math.abs(tap.detail.y - (p.y - 64)) < 1, `y ${tap.detail.y} vs ${p.y - 64} (below the 64px navigation bar)`);
  assert.equal(tap.changedTouches.length, 1);
  assert.deepEqual(Object.keys(tap.changedTouches[0]).sort(), ['clientX', 'clientY', 'force', 'identifier', 'pageX', 'pageY']);
  assert.equal(typeof tap.timeStamp, 'number');
  await page.close();
});

test('a touch tap sends touchstart, touchend and tap to the deepest node when an ancestor listens', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], {}, 'pages/list/list', 'launch'), pageOps(50, 1, 'pages/list/list', [
    ['create', 52, 'view', 'view'], ['style', 52, 'padding:20px'], ['listen', 52, 'tap', false, 0], ['listen', 52, 'touchstart', false, 0], ['listen', 52, 'touchend', false, 0],
    ['create', 53, 'view', 'view'], ['style', 53, 'height:40px'], ['id', 53, 'inner'], ['append', 52, 53], ['append', 51, 52],
  ]));
  const p = await center(page, '#inner');
  await page.touchscreen.tap(p.x, p.y);
  await page.waitForTimeout(50);
  const sent = events(await takeSent(page));
  assert.deepEqual(sent.map((m) => [m.type, m.node]), [['touchstart', 53], ['touchend', 53], ['tap', 53]]);
  assert.equal(sent[0].touches.length, 1);
  assert.equal(sent[1].touches.length, 0);
  assert.ok(Math.abs(sent[2].detail.y - (p.y - 64)) < 1.5);
  await page.close();
});

test('longpress fires after 350 ms and suppresses the tap; a drag is no tap', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], {}, 'pages/list/list', 'launch'), pageOps(50, 1, 'pages/list/list', [
    ['create', 52, 'view', 'view'], ['style', 52, 'height:200px'], ['id', 52, 'box'], ['listen', 52, 'tap', false, 0], ['listen', 52, 'longpress', false, 0], ['append', 51, 52],
  ]));
  const p = await center(page, '#box');
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.waitForTimeout(200);
  assert.deepEqual(events(await takeSent(page)), []);
  await page.waitForTimeout(250);
  await page.mouse.up();
  assert.deepEqual(events(await takeSent(page)).map((m) => m.type), ['longpress']);
  // moved 30px: neither tap nor longpress
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move(p.x + 30, p.y, { steps: 3 });
  await page.mouse.up();
  assert.deepEqual(events(await takeSent(page)), []);
  await page.close();
});

test('hover-class appears after hover-start-time and stays hover-stay-time; button-hover by default', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], {}, 'pages/list/list', 'launch'), pageOps(50, 1, 'pages/list/list', [
    ['create', 52, 'view', 'view'], ['styleScope', 52, 'p-1', null, null], ['style', 52, 'height:100px'], ['id', 52, 'outer'],
    ['attr', 52, 'hover-class', 'hov'], ['attr', 52, 'hover-start-time', 150], ['attr', 52, 'hover-stay-time', 300],
    ['create', 53, 'view', 'view'], ['style', 53, 'height:40px'], ['id', 53, 'stopper'], ['attr', 53, 'hover-class', 'inner'], ['attr', 53, 'hover-stop-propagation', true], ['append', 52, 53],
    ['append', 51, 52],
    ['create', 54, 'button', 'button'], ['id', 54, 'btn'], ['createText', 55, 'OK'], ['append', 54, 55], ['append', 51, 54],
    ['create', 56, 'button', 'button'], ['id', 56, 'plain'], ['attr', 56, 'hover-class', 'none'], ['createText', 57, 'No'], ['append', 56, 57], ['append', 51, 56],
  ]));
  const has = (sel, c) => page.evaluate(([s, k]) => document.querySelector(s).classList.contains(k), [sel, c]);
  const p = await center(page, '#outer');
  const q = { x: p.x, y: p.y + 40 }; // below the inner view
  await page.mouse.move(q.x, q.y);
  await page.mouse.down();
  await page.waitForTimeout(60);
  assert.equal(await has('#outer', 'hov'), false, 'not before hover-start-time');
  await page.waitForTimeout(200);
  assert.equal(await has('#outer', 'hov'), true);
  assert.equal(await has('#outer', 'p-1--hov'), true, 'the scoped name too');
  await page.mouse.up();
  await page.waitForTimeout(120);
  assert.equal(await has('#outer', 'hov'), true, 'stays after touchend');
  await page.waitForTimeout(350);
  assert.equal(await has('#outer', 'hov'), false, 'gone after hover-stay-time');

  // hover-stop-propagation on the inner view keeps the outer one plain
  const i = await center(page, '#stopper');
  await page.mouse.move(i.x, i.y);
  await page.mouse.down();
  await page.waitForTimeout(250);
  assert.equal(await has('#stopper', 'inner'), true);
  assert.equal(await has('#outer', 'hov'), false);
  await page.mouse.up();

  const b = await center(page, '#btn');
  await page.mouse.move(b.x, b.y);
  await page.mouse.down();
  await page.waitForTimeout(80);
  assert.equal(await has('#btn', 'button-hover'), true);
  await page.mouse.up();
  const n = await center(page, '#plain');
  await page.mouse.move(n.x, n.y);
  await page.mouse.down();
  await page.waitForTimeout(80);
  assert.equal(await page.evaluate(() => document.querySelector('#plain').className), '');
  await page.mouse.up();
  await page.close();
});

test('catchtouchmove stops the mouse drag from scrolling the page; otherwise a drag scrolls it', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], {}, 'pages/list/list', 'launch'), pageOps(50, 1, 'pages/list/list', [
    ['create', 52, 'view', 'view'], ['style', 52, 'height:3000px'], ['id', 52, 'tall'], ['append', 51, 52],
    ['create', 53, 'view', 'view'], ['style', 53, 'position:fixed;left:0;top:0;width:100px;height:100px'], ['id', 53, 'mask'], ['listen', 53, 'touchmove', false, 2], ['append', 51, 53],
  ]));
  const scrollTop = () => page.evaluate(() => document.querySelector('.cove-frame.is-top .cove-layer').scrollTop);
  await page.mouse.move(200, 400);
  await page.mouse.down();
  await page.mouse.move(200, 250, { steps: 5 });
  await page.mouse.up();
  assert.ok(Math.abs((await scrollTop()) - 150) < 2, `scrolled ${await scrollTop()}`);
  const m = await center(page, '#mask');
  await page.mouse.move(m.x, m.y);
  await page.mouse.down();
  await page.mouse.move(m.x, m.y - 80, { steps: 5 });
  await page.mouse.up();
  assert.ok(Math.abs((await scrollTop()) - 150) < 2);
  const moves = events(await takeSent(page), 'touchmove');
  assert.ok(moves.length >= 3 && moves.every((e) => e.node === 53));
  await page.close();
});

// ---- chrome -----------------------------------------------------------------------------------------

test('the navigation bar shows the route window; the back button sends back', async () => {
  const page = await counter();
  const nav = () => page.evaluate(() => {
    const n = document.querySelector('.cove-nav');
    return {
      title: n.querySelector('.cove-nav__title').textContent, bg: getComputedStyle(n).backgroundColor,
      color: getComputedStyle(n).color, height: n.getBoundingClientRect().height,
      back: !n.querySelector('.cove-nav__back').hidden, shown: !n.hidden,
    };
  });
  assert.deepEqual(await nav(), { title: 'Counter', bg: 'rgb(31, 111, 235)', color: 'rgb(255, 255, 255)', height: 64, back: false, shown: true });
  const win = { navigationBarTitleText: 'Detail', navigationBarBackgroundColor: '#ffffff', navigationBarTextStyle: 'black' };
  await deliver(page, route([entry(1, 'pages/counter/counter', 1), entry(2, 'packageA/pages/detail/detail', 30)], win));
  assert.equal((await nav()).title, 'Counter', 'a route applies once its page exists');
  await deliver(page, pageOps(30, 2, 'packageA/pages/detail/detail'));
  assert.deepEqual(await nav(), { title: 'Detail', bg: 'rgb(255, 255, 255)', color: 'rgb(0, 0, 0)', height: 64, back: true, shown: true });
  assert.equal(await page.evaluate(() => document.querySelector('.cove-tabbar').hidden), true, 'no tabBar on a non-tab page');
  await page.click('.cove-nav__back');
  assert.deepEqual(await takeSent(page), [{ t: 'back' }]);

  await deliver(page, { t: 'ui', api: 'setNavigationBarTitle', args: { title: 'Renamed' }, page: 2 });
  await deliver(page, { t: 'ui', api: 'setNavigationBarColor', args: { frontColor: '#ffffff', backgroundColor: '#ff0000' }, page: 2 });
  await deliver(page, { t: 'ui', api: 'showNavigationBarLoading', args: {}, page: 2 });
  const n2 = await nav();
  assert.equal(n2.title, 'Renamed');
  assert.equal(n2.bg, 'rgb(255, 0, 0)');
  assert.equal(n2.color, 'rgb(255, 255, 255)');
  assert.equal(await page.evaluate(() => document.querySelector('.cove-nav__loading').hidden), false);

  // back to the first page: its own title, and the renamed one is forgotten with its page
  await deliver(page, route([entry(1, 'pages/counter/counter', 1)], WINDOW, 'pages/counter/counter', 'navigateBack'), { t: 'pageClosed', id: 2, node: 30 });
  assert.equal((await nav()).title, 'Counter');
  assert.equal(await page.evaluate(() => document.querySelectorAll('.cove-frame').length), 1);

  await deliver(page, route([entry(1, 'pages/counter/counter', 1)], { ...WINDOW, navigationStyle: 'custom' }, 'pages/counter/counter', 'redirectTo'));
  assert.equal((await nav()).shown, false);
  assert.equal(await page.evaluate(() => document.querySelector('.cove-pages').getBoundingClientRect().top), 0);
  await page.close();
});

test('the tabBar renders its items, selects the current tab, and a click sends tab', async () => {
  const page = await open();
  const hello = structuredClone(HELLO);
  hello.app.tabBar.list[0].iconPath = 'icons/home.png';
  hello.app.tabBar.list[0].selectedIconPath = '/icons/home.png';
  await deliver(page, hello, ROUTE, OPS);
  const tabs = await page.evaluate(() => Array.from(document.querySelectorAll('.cove-tabbar:not(.cove-tabbar--top) .cove-tab'), (t) => ({
    text: t.textContent, color: getComputedStyle(t).color, selected: t.classList.contains('is-selected'),
    img: t.querySelector('img') ? new URL(t.querySelector('img').src).pathname : null,
  })));
  assert.deepEqual(tabs, [
    { text: 'Counter', color: 'rgb(31, 111, 235)', selected: true, img: '/__cove/pkg/icons/home.png' },
    { text: 'List', color: 'rgb(102, 102, 102)', selected: false, img: null },
    { text: 'About', color: 'rgb(102, 102, 102)', selected: false, img: null },
  ]);
  const bar = await page.locator('.cove-tabbar:not(.cove-tabbar--top)').boundingBox();
  assert.equal(bar.y + bar.height, 667, 'at the bottom of the screen');
  await page.click('.cove-tab >> nth=1');
  assert.deepEqual(await takeSent(page), [{ t: 'tab', path: 'pages/list/list' }]);
  await deliver(page, { t: 'ui', api: 'setTabBarBadge', args: { index: 2, text: '5' } }, { t: 'ui', api: 'showTabBarRedDot', args: { index: 1 } });
  assert.equal(await page.locator('.cove-tab >> nth=2').locator('.cove-tab__badge').textContent(), '5');
  assert.equal(await page.locator('.cove-tab >> nth=1').locator('.cove-tab__dot').count(), 1);
  await deliver(page, { t: 'ui', api: 'hideTabBar', args: {} });
  assert.equal(await page.evaluate(() => document.querySelector('.cove-tabbar:not(.cove-tabbar--top)').hidden), true);
  await page.close();
});

test('showModal answers confirm, cancel and edited content; showActionSheet answers tapIndex or fail cancel', async () => {
  const page = await counter();
  await deliver(page, { t: 'request', id: 7, api: 'showModal', args: { title: 'Delete?', content: 'It cannot be undone' } });
  const look = await page.evaluate(() => {
    const ok = document.querySelector('.cove-modal__confirm');
    return { title: document.querySelector('.cove-modal__title').textContent, ok: ok.textContent, okColor: getComputedStyle(ok).color, cancel: document.querySelector('.cove-modal__cancel').textContent };
  });
  assert.deepEqual(look, { title: 'Delete?', ok: '确定', okColor: 'rgb(87, 107, 149)', cancel: '取消' });
  await page.screenshot({ path: path.join(os.tmpdir(), 'cove-view-modal.png') });
  await page.click('.cove-modal__confirm');
  assert.deepEqual(await takeSent(page), [{ t: 'reply', id: 7, ok: { confirm: true, cancel: false } }]);
  assert.equal(await page.locator('.cove-modal').count(), 0);

  await deliver(page, { t: 'request', id: 8, api: 'showModal', args: { content: 'x', cancelText: 'No', showCancel: true } });
  await page.click('.cove-modal__cancel');
  assert.deepEqual(await takeSent(page), [{ t: 'reply', id: 8, ok: { confirm: false, cancel: true } }]);

  await deliver(page, { t: 'request', id: 9, api: 'showModal', args: { title: 'Name', editable: true, placeholderText: 'type here', showCancel: false } });
  assert.equal(await page.locator('.cove-modal__cancel').count(), 0);
  await page.fill('.cove-modal__input', 'Ada');
  await page.click('.cove-modal__confirm');
  assert.deepEqual(await takeSent(page), [{ t: 'reply', id: 9, ok: { confirm: true, cancel: false, content: 'Ada' } }]);

  await deliver(page, { t: 'request', id: 10, api: 'showActionSheet', args: { itemList: ['A', 'B', 'C'], alertText: 'Pick' } });
  await page.screenshot({ path: path.join(os.tmpdir(), 'cove-view-actionsheet.png') });
  await page.click('.cove-actionsheet__item >> text=B');
  assert.deepEqual(await takeSent(page), [{ t: 'reply', id: 10, ok: { tapIndex: 1 } }]);
  await deliver(page, { t: 'request', id: 11, api: 'showActionSheet', args: { itemList: ['A'] } });
  await page.click('.cove-actionsheet__cancel');
  assert.deepEqual(await takeSent(page), [{ t: 'reply', id: 11, fail: 'fail cancel' }]);
  await page.close();
});

test('showToast appears with its icon and title and goes after its duration; showLoading stays', async () => {
  const page = await counter();
  await deliver(page, { t: 'ui', api: 'showToast', args: { title: 'Saved', icon: 'success', duration: 400 }, page: 1 });
  assert.equal(await page.locator('.cove-toast').textContent(), 'Saved');
  assert.equal(await page.locator('.cove-toast svg').count(), 1);
  await page.screenshot({ path: path.join(os.tmpdir(), 'cove-view-toast.png') });
  const box = await page.locator('.cove-toast').boundingBox();
  assert.ok(Math.abs(box.x + box.width / 2 - 187.5) < 1, 'centred');
  await page.waitForTimeout(600);
  assert.equal(await page.locator('.cove-toast').count(), 0);
  await deliver(page, { t: 'ui', api: 'showToast', args: { title: 'Two lines of plain text here', icon: 'none' }, page: 1 });
  assert.equal(await page.locator('.cove-toast--text').count(), 1);
  await deliver(page, { t: 'ui', api: 'showLoading', args: { title: 'Loading', mask: true }, page: 1 });
  assert.equal(await page.locator('.cove-toast').count(), 1, 'one toast at a time');
  assert.equal(await page.locator('.cove-toast__spinner').count(), 1);
  await page.waitForTimeout(1700);
  assert.equal(await page.locator('.cove-toast').count(), 1, 'loading has no duration');
  await deliver(page, { t: 'ui', api: 'hideLoading', args: {}, page: 1 });
  assert.equal(await page.locator('.cove-toast').count(), 0);
  await page.close();
});

// ---- stylesheets ---------------------------------------------------------------------------------------

test('package stylesheets: type selectors name wx-* elements and a page sheet stays on its page', async () => {
  const page = await open();
  const t0 = Date.now();
  await deliver(page, {
    t: 'config', dev: true, domains: { image: [], media: [], webView: [] },
    styles: [{ path: 'app.css', scope: null, page: false }, { path: 'pages/a/a.css', scope: 'a-1', page: true }, { path: 'pages/b/b.css', scope: 'b-2', page: true }],
  });
  assert.ok(Date.now() - t0 < 2000);
  const body = (root, scope) => [
    ['create', root + 2, 'view', 'view'], ['styleScope', root + 2, scope, null, null], ['class', root + 2, 'x', scope], ['class', root + 2, 'g', scope], ['class', root + 2, 'shared', null], ['append', root + 1, root + 2],
    ['create', root + 3, 'text', 'text'], ['class', root + 3, 'm', null], ['append', root + 2, root + 3], ['createText', root + 4, 'hi'], ['append', root + 3, root + 4],
  ];
  await deliver(page, HELLO, pageOps(50, 1, 'pages/a/a', body(50, 'a-1'), 'a-1'), pageOps(60, 2, 'pages/b/b', body(60, 'b-2'), 'b-2'),
    route([entry(1, 'pages/a/a', 50), entry(2, 'pages/b/b', 60)], {}));
  const r = await page.evaluate(() => {
    const cs = (el) => getComputedStyle(el);
    const [pa, pb] = document.querySelectorAll('wx-page');
    const va = pa.querySelector('wx-view');
    const vb = pb.querySelector('wx-view');
    return {
      scopes: [pa.getAttribute('wx-page'), pb.getAttribute('wx-page')],
      viewColor: [cs(va).color, cs(vb).color],
      border: [cs(va).borderTopWidth, cs(vb).borderTopWidth],
      pageBg: [cs(pa).backgroundColor, cs(pb).backgroundColor],
      pagePad: [cs(pa).paddingTop, cs(pb).paddingTop],
      textMargin: [cs(va.querySelector('wx-text')).marginLeft, cs(vb.querySelector('wx-text')).marginLeft],
      media: cs(va.querySelector('wx-text')).fontStyle,
      grid: [cs(va).display, cs(vb).display],
      spacing: cs(vb).letterSpacing,
      selectors: document.adoptedStyleSheets.flatMap((s) => Array.from(s.cssRules, (x) => x.selectorText || x.cssText.slice(0, 40))),
    };
  });
  assert.deepEqual(r.scopes, ['a-1', 'b-2']);
  assert.deepEqual(r.viewColor, ['rgb(1, 2, 3)', 'rgb(1, 2, 3)']);
  assert.deepEqual(r.border, ['7px', '0px'], 'page a\'s `view` rule stays on page a');
  assert.deepEqual(r.pageBg, ['rgb(4, 5, 6)', 'rgb(4, 5, 6)']);
  assert.deepEqual(r.pagePad, ['9px', '0px']);
  assert.deepEqual(r.textMargin, ['11px', '0px']);
  assert.equal(r.media, 'italic', '@media rules are rewritten too');
  assert.deepEqual(r.grid, ['grid', 'block'], '@supports rules are rewritten and confined');
  assert.equal(r.spacing, '2px');
  // App-wide sheets are confined to pages, so they cannot reach the chrome or the watermark.
  assert.ok(r.selectors.includes(':where(wx-page) wx-view'), r.selectors.join(' | '));
  assert.ok(r.selectors.includes('wx-page'));
  assert.ok(r.selectors.includes('wx-page:where([wx-page="a-1"])'), r.selectors.join(' | '));
  assert.ok(r.selectors.includes(':where(wx-page[wx-page="a-1"]) .a-1--x wx-text, :where(wx-page[wx-page="a-1"]) .a-1--y'));
  assert.ok(r.selectors.includes(':where(wx-page[wx-page="a-1"]) :not(wx-view).a-1--z'));
  assert.ok(r.selectors.some((s) => s.startsWith('@font-face')) && r.selectors.some((s) => s.startsWith('@keyframes cove-test-kf')));
  assert.deepEqual((await takeSent(page)).filter((m) => m.t === 'viewError'), []);
  await page.close();
});

// ---- layout ---------------------------------------------------------------------------------------

test('layout requests answer rect, scroll and context relative to the page viewport', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], {}, 'pages/list/list', 'launch'), pageOps(50, 1, 'pages/list/list', [
    ['create', 52, 'view', 'view'], ['style', 52, 'position:absolute;left:10px;top:20px;width:30px;height:40px'], ['append', 51, 52],
    ['create', 53, 'view', 'view'], ['style', 53, 'height:2000px'], ['append', 51, 53],
  ]));
  await page.evaluate(() => { document.querySelector('.cove-frame.is-top .cove-layer').scrollTop = 100; });
  await deliver(page, { t: 'request', id: 1, api: 'layout', args: { node: 52, what: 'rect' } }, { t: 'request', id: 2, api: 'layout', args: { node: 50, what: 'scroll' } },
    { t: 'request', id: 3, api: 'layout', args: { node: 52, what: 'context' } }, { t: 'request', id: 4, api: 'layout', args: { node: 999, what: 'rect' } });
  const sent = (await takeSent(page)).filter((m) => m.t === 'reply');
  assert.deepEqual(sent[0], { t: 'reply', id: 1, ok: { left: 10, top: -80, right: 40, bottom: -40, width: 30, height: 40 } });
  assert.equal(sent[1].ok.scrollTop, 100);
  assert.ok(sent[1].ok.scrollHeight >= 2000);
  assert.equal(sent[1].ok.scrollWidth, 375);
  assert.deepEqual(sent[2], { t: 'reply', id: 3, ok: { node: 52 } });
  assert.equal(sent[3].id, 4);
  assert.match(sent[3].fail, /^fail/);
  await page.close();
});

test('intersection observers report when a target enters the page viewport', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], {}, 'pages/list/list', 'launch'), pageOps(50, 1, 'pages/list/list', [
    ['create', 52, 'view', 'view'], ['style', 52, 'height:100px'], ['append', 51, 52],
    ['create', 53, 'view', 'view'], ['style', 53, 'margin-top:1500px;height:100px'], ['append', 51, 53],
    ['observe', 1, 52, null, '0px 0px 0px 0px', [0]],
    ['observe', 2, 53, null, '0px 0px 0px 0px', [0, 1]],
  ]));
  await page.waitForTimeout(150);
  let sent = (await takeSent(page)).filter((m) => m.t === 'intersection');
  assert.deepEqual(sent.map((m) => m.id), [1], 'only the visible target reports at first');
  assert.equal(sent[0].entry.intersectionRatio, 1);
  assert.deepEqual(sent[0].entry.relativeRect, { left: 0, top: 0, right: 375, bottom: 553, width: 375, height: 553 });
  await page.evaluate(() => { document.querySelector('.cove-frame.is-top .cove-layer').scrollTop = 1100; });
  await page.waitForTimeout(200);
  sent = (await takeSent(page)).filter((m) => m.t === 'intersection').sort((a, b) => a.id - b.id);
  assert.deepEqual(sent.map((m) => m.id), [1, 2]);
  assert.equal(sent[0].entry.intersectionRatio, 0, 'target 1 left');
  assert.ok(sent[1].entry.intersectionRatio > 0 && sent[1].entry.intersectionRatio < 1);
  assert.equal(sent[1].entry.boundingClientRect.top, 1600 - 1100);
  assert.equal(typeof sent[1].entry.time, 'number');
  await deliver(page, { t: 'ops', ops: [['unobserve', 2]] });
  await page.evaluate(() => { document.querySelector('.cove-frame.is-top .cove-layer').scrollTop = 1600; });
  await page.waitForTimeout(200);
  assert.deepEqual((await takeSent(page)).filter((m) => m.t === 'intersection' && m.id === 2), []);
  await page.close();
});

test('page scroll sends pageScroll and reachBottom once per arrival; resize reports the window below the chrome', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], { onReachBottomDistance: 100 }, 'pages/list/list', 'launch'), pageOps(50, 1, 'pages/list/list', [
    ['create', 52, 'view', 'view'], ['style', 52, 'height:2000px'], ['append', 51, 52],
  ]));
  const scroll = (y) => page.evaluate((v) => { document.querySelector('.cove-frame.is-top .cove-layer').scrollTop = v; }, y);
  await scroll(500);
  await page.waitForTimeout(100);
  assert.deepEqual(await takeSent(page), [{ t: 'pageScroll', scrollTop: 500 }]);
  await scroll(2000 - 553 - 50);
  await page.waitForTimeout(100);
  await scroll(2000 - 553);
  await page.waitForTimeout(100);
  const sent = await takeSent(page);
  assert.equal(sent.filter((m) => m.t === 'reachBottom').length, 1);
  assert.equal(sent.filter((m) => m.t === 'pageScroll').length, 2);
  await page.setViewportSize({ width: 320, height: 600 });
  await page.waitForTimeout(200);
  const resize = (await takeSent(page)).filter((m) => m.t === 'resize');
  assert.deepEqual(resize.at(-1), { t: 'resize', size: { windowWidth: 320, windowHeight: 600 - 64 - 50 } });
  await page.close();
});

test('pull-down refresh with a mouse drag at the top sends pullDownRefresh; stopPullDownRefresh closes it', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], { enablePullDownRefresh: true, backgroundColor: '#eeeeee', backgroundTextStyle: 'dark' }, 'pages/list/list', 'launch'),
    pageOps(50, 1, 'pages/list/list', [['create', 52, 'view', 'view'], ['style', 52, 'height:300px'], ['append', 51, 52]]));
  await page.mouse.move(200, 150);
  await page.mouse.down();
  await page.mouse.move(200, 330, { steps: 8 });
  await page.screenshot({ path: path.join(os.tmpdir(), 'cove-view-pull.png') });
  await page.mouse.up();
  assert.deepEqual((await takeSent(page)).filter((m) => m.t === 'pullDownRefresh'), [{ t: 'pullDownRefresh' }]);
  const ptr = () => page.evaluate(() => {
    const p = document.querySelector('.cove-frame.is-top .cove-ptr');
    return { h: p.style.height, bg: getComputedStyle(p).backgroundColor, on: p.classList.contains('is-refreshing') };
  });
  assert.deepEqual(await ptr(), { h: '50px', bg: 'rgb(238, 238, 238)', on: true });
  await deliver(page, { t: 'ui', api: 'stopPullDownRefresh', args: {}, page: 1 });
  assert.deepEqual(await ptr(), { h: '0px', bg: 'rgb(238, 238, 238)', on: false });
  await deliver(page, { t: 'ui', api: 'startPullDownRefresh', args: {}, page: 1 });
  assert.deepEqual((await takeSent(page)).filter((m) => m.t === 'pullDownRefresh'), [{ t: 'pullDownRefresh' }]);
  await page.close();
});

test('a finger dragging down at the top pulls to refresh; touchmove carries the moving touch', async () => {
  const page = await open();
  await deliver(page, HELLO, route([entry(1, 'pages/list/list', 50)], { enablePullDownRefresh: true }, 'pages/list/list', 'launch'),
    pageOps(50, 1, 'pages/list/list', [['create', 52, 'view', 'view'], ['style', 52, 'height:300px'], ['listen', 52, 'touchmove', false, 0], ['append', 51, 52]]));
  const cdp = await page.context().newCDPSession(page);
  const touch = (type, y) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: 200, y, id: 1 }] });
  await touch('touchStart', 150);
  for (let y = 170; y <= 330; y += 20) await touch('touchMove', y);
  await touch('touchEnd', 330);
  const sent = await takeSent(page);
  assert.deepEqual(sent.filter((m) => m.t === 'pullDownRefresh'), [{ t: 'pullDownRefresh' }]);
  const moves = events(sent, 'touchmove');
  assert.ok(moves.length >= 5);
  assert.equal(moves.at(-1).changedTouches[0].clientY, 330 - 64);
  assert.equal(moves.at(-1).touches.length, 1);
  await page.close();
});

// ---- overlays ---------------------------------------------------------------------------------------

test('a compile error shows file:line:col, code, message and frame; compileOk removes it', async () => {
  const page = await counter();
  const frame = '  3 | <view>\n    |  ^ <b>not bold</b>';
  await deliver(page, { t: 'compileError', diagnostics: [{ file: 'pages/a/a.wxml', line: 3, col: 5, code: 'wxml-syntax', message: 'unclosed tag <view>', frame }] });
  const r = await page.evaluate(() => {
    const o = document.querySelector('.cove-compile');
    return { text: o.textContent, frame: o.querySelector('pre').textContent, bold: o.querySelectorAll('b').length, font: getComputedStyle(o.querySelector('pre')).fontFamily };
  });
  assert.match(r.text, /pages\/a\/a\.wxml:3:5/);
  assert.match(r.text, /wxml-syntax/);
  assert.match(r.text, /unclosed tag <view>/);
  assert.equal(r.frame, frame);
  assert.equal(r.bold, 0);
  assert.match(r.font, /mono|Menlo|Consolas/i);
  await page.screenshot({ path: path.join(os.tmpdir(), 'cove-view-compile.png') });
  await deliver(page, { t: 'compileOk' });
  assert.equal(await page.locator('.cove-compile').count(), 0);
  await page.close();
});

test('an app error shows a dismissible banner; an unknown protocol is refused', async () => {
  const page = await counter();
  await deliver(page, { t: 'error', message: 'TypeError: x is undefined\n    at onTap (pages/counter/counter.js:3)' });
  assert.match(await page.locator('.cove-banner').textContent(), /TypeError: x is undefined/);
  await page.click('.cove-banner__close');
  assert.equal(await page.locator('.cove-banner').count(), 0);
  await page.close();

  const p2 = await open();
  await deliver(p2, { ...HELLO, protocol: 2 }, ROUTE, OPS);
  assert.equal(await p2.locator('wx-page').count(), 0);
  assert.match(await p2.locator('.cove-status').textContent(), /protocol 2/);
  await p2.close();
});

test('reload keeps the page and its query in the URL', async () => {
  const page = await counter();
  await Promise.all([page.waitForURL(/path=/), deliver(page, { t: 'reload', path: 'pages/list/list', query: 'a=1&b=2' })]);
  const u = new URL(page.url());
  assert.equal(u.searchParams.get('path'), 'pages/list/list');
  assert.equal(u.searchParams.get('query'), 'a=1&b=2');
  await page.close();

  // the simulator's reload names no page: the view keeps the one on top
  const p2 = await open();
  await deliver(p2, HELLO, route([entry(1, 'pages/counter/counter', 1), { id: 2, path: 'pages/list/list', query: { id: '7', q: 'a b' }, node: 50 }], {}), OPS, pageOps(50, 2, 'pages/list/list'));
  await Promise.all([p2.waitForURL(/path=/), deliver(p2, { t: 'reload' })]);
  const u2 = new URL(p2.url());
  assert.equal(u2.searchParams.get('path'), 'pages/list/list');
  assert.equal(u2.searchParams.get('query'), 'id=7&q=a+b');
  await p2.close();
});

// ---- the real page: view.html + main.js under the simulator's CSP, over a WebSocket ----------------

// crates/view/src/lib.rs `view_csp("https:", "https:", "https:")`
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
  + "media-src 'self' blob: https:; font-src 'self' data:; connect-src 'self'; frame-src https:; base-uri 'none'; "
  + "form-action 'none'; object-src 'none'; frame-ancestors 'self'";

/** A static server for view.html with one-socket WebSocket support (text frames only). */
function simulatorLike(onSocket) {
  const assets = path.join(repo, 'crates/view/assets');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = url.pathname === '/view' ? path.join(assets, 'view.html') : null;
    if (url.pathname.startsWith('/__cove/pkg/')) file = path.join(pkg, url.pathname.slice(12));
    else if (!file) file = path.join(assets, url.pathname);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      return res.end();
    }
    const ext = path.extname(file);
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }[ext] || 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, ...(ext === '.html' ? { 'content-security-policy': CSP } : {}) });
    fs.createReadStream(file).pipe(res);
  });
  server.on('upgrade', (req, sock) => {
    const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const received = [];
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 6) {
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { len = buf.readUInt16BE(2); off = 4; } else if (len === 127) { len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + 4 + len) break;
        const mask = buf.subarray(off, off + 4);
        const data = Buffer.from(buf.subarray(off + 4, off + 4 + len)).map((b, i) => b ^ mask[i % 4]);
        if ((buf[0] & 0x0f) === 1) received.push(JSON.parse(data.toString()));
        buf = buf.subarray(off + 4 + len);
      }
    });
    const send = (obj) => {
      const data = Buffer.from(JSON.stringify(obj));
      const head = data.length < 126 ? Buffer.from([0x81, data.length])
        : data.length < 65536 ? Buffer.from([0x81, 126, data.length >> 8, data.length & 255])
          : Buffer.concat([Buffer.from([0x81, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(data.length)); return b; })()]);
      sock.write(Buffer.concat([head, data]));
    };
    onSocket({ url: req.url, send, received, close: () => sock.destroy() });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

test('view.html runs under the CSP: main.js connects with the query, renders, answers, and shows a disconnected banner', async () => {
  let socket;
  const got = new Promise((resolve) => {
    socket = resolve;
  });
  const sim = await simulatorLike((s) => socket(s));
  const page = await browser.newPage({ viewport: { width: 375, height: 667 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/404/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${sim.url}/view?width=375&height=667&path=pages/a/a`);
  const ws = await got;
  assert.equal(ws.url, '/__cove/ws?width=375&height=667&path=pages/a/a');
  ws.send({ t: 'config', dev: true, styles: [{ path: 'app.css', scope: null, page: false }, { path: 'pages/a/a.css', scope: 'a-1', page: true }], domains: { image: [], media: [], webView: [] } });
  ws.send(HELLO);
  ws.send(route([entry(1, 'pages/a/a', 50)], { navigationBarTitleText: 'A' }, null, 'launch'));
  ws.send(pageOps(50, 1, 'pages/a/a', [['create', 52, 'view', 'view'], ['style', 52, 'height:50px;margin-top:5px'], ['id', 52, 'v'], ['listen', 52, 'tap', false, 0], ['append', 51, 52]], 'a-1'));
  await page.waitForSelector('#v');
  const r = await page.evaluate(() => ({
    border: getComputedStyle(document.querySelector('#v')).borderTopWidth,
    margin: getComputedStyle(document.querySelector('#v')).marginTop,
    title: document.querySelector('.cove-nav__title').textContent,
  }));
  assert.deepEqual(r, { border: '7px', margin: '5px', title: 'A' }, 'package sheets and inline styles apply under the CSP');
  await page.click('#v');
  ws.send({ t: 'request', id: 5, api: 'layout', args: { node: 52, what: 'rect' } });
  await new Promise((res) => setTimeout(res, 200));
  assert.deepEqual(ws.received.map((m) => m.t), ['event', 'reply']);
  assert.equal(ws.received[0].node, 52);
  assert.equal(ws.received[1].ok.top, 9 + 5, 'page a pads its page by 9px');
  ws.close();
  await page.waitForSelector('.cove-disconnected');
  assert.match(await page.locator('.cove-disconnected').textContent(), /Disconnected/);
  assert.deepEqual(problems, []);
  await page.close();
  sim.server.close();
});
