// The basic, layout and media built-in components, mounted directly (without the view core)
// on a page under a strict CSP, driven with real mouse input in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startHarness, launchBrowser } from './lib/harness.mjs';

const SHOTS = process.env.SHOTS || '/tmp';

/** A PNG file of w x h pixels, colour(x, y) -> [r, g, b, a]. */
function png(w, h, colour) {
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 4 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const [r, g, b, a] = colour(x, y);
      raw.set([r, g, b, a], y * (w * 4 + 1) + 1 + x * 4);
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The test page: the component stylesheets, a strict CSP, and a mount helper module.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; frame-src 'self' https:";
const PAGE = `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/css/basic.css">
<link rel="stylesheet" href="/assets/css/layout.css">
<link rel="stylesheet" href="/assets/css/media.css">
<link rel="stylesheet" href="/__test/page.css">
<script type="module" src="/__test/mount.js"></script></head><body></body></html>`;
const PAGE_CSS = 'body { margin: 0; font: 16px/1.4 -apple-system, "Helvetica Neue", sans-serif; color: #000; background: #fff; }';

// Runs in the page: a ctx like the core's, recording what components emit.
const MOUNT = `
const comps = {};
for (const f of ['basic', 'layout', 'media']) Object.assign(comps, (await import('/assets/components/' + f + '.js')).default);
const instances = new WeakMap();
let nextId = 1;
window.__emitted = [];
window.__models = [];
window.__host = [];
window.__allow = [];
window.__nodes = {};
function url(src, kind) {
  if (typeof src !== 'string') return null;
  const s = src.trim();
  if (!s) return null;
  if (/^https:\\/\\//i.test(s)) {
    const host = new URL(s).host;
    return window.__allow.includes(host) ? s : null;
  }
  if (/^data:image\\/(png|jpe?g|gif|webp|svg\\+xml)[;,]/i.test(s)) return kind === 'image' ? s : null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(s) || s.startsWith('//')) return null;
  return '/__cove/pkg' + new URL(s.replace(/^\\/+/, '/'), 'http://p/').pathname;
}
function ctxFor(el, id) {
  return {
    el, id,
    emit(type, detail, opts) {
      window.__emitted.push({ id, type, detail: detail === undefined ? {} : JSON.parse(JSON.stringify(detail)), bubbles: !!(opts && opts.bubbles) });
      return true;
    },
    listens: () => true,
    model(name, value) { window.__models.push({ id, name, value }); },
    instanceOf: (e) => instances.get(e) || null,
    url,
    ui: {},
    host(api, args) { window.__host.push({ api, args }); return Promise.resolve({}); },
    get page() { return document.body; },
    claimGesture(axis, target) { (target || el).__coveGesture = axis || 'xy'; },
  };
}
/** Build a tree: {tag, attrs, id, cls, style, children: [spec | 'text']}; returns the root's id. */
function build(spec, parent) {
  if (typeof spec === 'string') {
    const t = document.createTextNode(spec);
    parent.appendChild(t);
    return t;
  }
  const el = document.createElement('wx-' + spec.tag);
  const id = nextId++;
  window.__nodes[id] = el;
  let inst = null;
  if (comps[spec.tag]) {
    inst = comps[spec.tag].create(ctxFor(el, id));
    instances.set(el, inst);
  }
  if (spec.id) el.id = spec.id;
  if (spec.cls) el.className = spec.cls;
  if (spec.style) el.style.cssText = spec.style;
  for (const [k, v] of Object.entries(spec.attrs || {})) inst && inst.attr(k, v);
  const slot = (inst && inst.slot) || el;
  for (const c of spec.children || []) build(c, slot);
  parent.appendChild(el);
  return id;
}
window.__mount = (spec, parentId) => build(spec, parentId ? (window.__nodes[parentId].__slot || instances.get(window.__nodes[parentId])?.slot || window.__nodes[parentId]) : document.body);
window.__attr = (id, name, value) => instances.get(window.__nodes[id]).attr(name, value);
window.__inst = (id) => instances.get(window.__nodes[id]);
window.__el = (id) => window.__nodes[id];
window.__take = () => window.__emitted.splice(0);
window.__ready = true;
`;

let harness;
let browser;
let pkg;

before(async () => {
  pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-components-'));
  fs.writeFileSync(path.join(pkg, 'red.png'), png(200, 100, () => [255, 0, 0, 255]));
  fs.writeFileSync(path.join(pkg, 'tall.png'), png(50, 100, () => [0, 0, 255, 255]));
  // Left half green, right half blue: to tell which part of an image is shown.
  fs.writeFileSync(path.join(pkg, 'halves.png'), png(100, 100, (x) => (x < 50 ? [0, 200, 0, 255] : [0, 0, 255, 255])));
  harness = await startHarness({ pkg });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (harness) harness.close();
  if (pkg) fs.rmSync(pkg, { recursive: true, force: true });
});

async function open({ width = 375, height = 667 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.route(/\/(__test\/.*|test\.html)$/, (route) => {
    const p = new URL(route.request().url()).pathname;
    if (p === '/test.html') return route.fulfill({ status: 200, contentType: 'text/html', headers: { 'content-security-policy': CSP }, body: PAGE });
    if (p === '/__test/mount.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: MOUNT });
    if (p === '/__test/page.css') return route.fulfill({ status: 200, contentType: 'text/css', body: PAGE_CSS });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(harness.url + 'test.html');
  await page.waitForFunction(() => window.__ready === true);
  page.errors = errors;
  return page;
}

const mount = (page, spec, parent) => page.evaluate(([s, p]) => window.__mount(s, p), [spec, parent || 0]);
const take = (page) => page.evaluate(() => window.__take());
const frame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const rect = (page, sel) => page.evaluate((s) => {
  const r = document.querySelector(s).getBoundingClientRect();
  return { x: r.x, y: r.y, width: r.width, height: r.height };
}, sel);

/** Pixels of the rendered page: a screenshot decoded in the page itself. */
async function pixels(page, points) {
  const shot = await page.screenshot();
  return page.evaluate(async ([b64, pts]) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return pts.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3)));
  }, [shot.toString('base64'), points]);
}
const near = (a, b, tol = 40) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

async function waitEmitted(page, pred, ms = 3000) {
  const seen = [];
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    seen.push(...(await take(page)));
    if (seen.some(pred)) return seen;
    await new Promise((r) => setTimeout(r, 30));
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------
// image

test('image: default size, aspectFit / aspectFill / widthFix / heightFix with a real PNG, load events', async () => {
  const page = await open();
  const fit = await mount(page, { tag: 'image', id: 'fit', attrs: { src: '/red.png', mode: 'aspectFit' } });
  const fill = await mount(page, { tag: 'image', id: 'fill', attrs: { src: 'red.png', mode: 'aspectFill' }, style: 'width: 100px; height: 100px' });
  const wfix = await mount(page, { tag: 'image', id: 'wfix', attrs: { src: '/red.png', mode: 'widthFix' }, style: 'width: 300px' });
  const hfix = await mount(page, { tag: 'image', id: 'hfix', attrs: { src: '/tall.png', mode: 'heightFix' }, style: 'height: 60px' });
  const seen = await waitEmitted(page, (e) => e.id === hfix && e.type === 'load');
  const loads = seen.filter((e) => e.type === 'load');
  assert.deepEqual(loads.find((e) => e.id === fit).detail, { width: 200, height: 100 });
  assert.deepEqual(loads.find((e) => e.id === hfix).detail, { width: 50, height: 100 });
  assert.equal(loads.length, 4);
  await frame(page);

  const r = await rect(page, '#fit');
  assert.equal(r.width, 320);
  assert.equal(r.height, 240);
  const styles = await page.evaluate(() => ['fit', 'fill'].map((id) => {
    const cs = getComputedStyle(document.querySelector('#' + id + ' > div'));
    return [cs.backgroundSize, cs.backgroundPosition, cs.backgroundRepeat, cs.backgroundImage.includes('/__cove/pkg/red.png')];
  }));
  assert.deepEqual(styles[0], ['contain', '50% 50%', 'no-repeat', true]);
  assert.deepEqual(styles[1], ['cover', '50% 50%', 'no-repeat', true]);
  // widthFix: 300 wide keeps 2:1, so 150 high; heightFix: 60 high keeps 1:2, so 30 wide.
  assert.deepEqual(await rect(page, '#wfix').then((x) => [x.width, x.height]), [300, 150]);
  assert.deepEqual(await rect(page, '#hfix').then((x) => [x.width, x.height]), [30, 60]);
  // The core's style op replaces the inline style: widthFix's height stays.
  await page.evaluate(() => { document.querySelector('#wfix').style.cssText = 'width: 200px'; });
  await frame(page);
  assert.deepEqual(await rect(page, '#wfix').then((x) => [x.width, x.height]), [200, 100]);

  // What is painted: aspectFit letterboxes the 2:1 image in 320x240 (40px bands top and bottom).
  const top = r.y;
  const [band, middle] = await pixels(page, [[160, Math.round(top + 20)], [160, Math.round(top + 120)]]);
  assert.ok(near(band, [255, 255, 255]), `band ${band}`);
  assert.ok(near(middle, [255, 0, 0]), `middle ${middle}`);
  const f = await rect(page, '#fill');
  const [corner] = await pixels(page, [[Math.round(f.x + 3), Math.round(f.y + 3)]]);
  assert.ok(near(corner, [255, 0, 0]), `aspectFill covers the corner: ${corner}`);
  await page.screenshot({ path: path.join(SHOTS, 'components-image.png') });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('image: position modes show the right part; errors and refused sources emit error', async () => {
  const page = await open();
  await mount(page, { tag: 'image', id: 'left', attrs: { src: '/halves.png', mode: 'left' }, style: 'width: 40px; height: 40px' });
  await mount(page, { tag: 'image', id: 'right', attrs: { src: '/halves.png', mode: 'right' }, style: 'width: 40px; height: 40px' });
  const missing = await mount(page, { tag: 'image', attrs: { src: '/nope.png' } });
  const evil = await mount(page, { tag: 'image', attrs: { src: 'javascript:alert(1)' } });
  const web = await mount(page, { tag: 'image', attrs: { src: 'https://example.com/a.png' } });
  const seen = await waitEmitted(page, (e) => e.id === missing && e.type === 'error');
  await waitEmitted(page, () => false, 300).then((more) => seen.push(...more));
  for (const id of [missing, evil, web]) {
    const e = seen.find((x) => x.id === id && x.type === 'error');
    assert.ok(e && typeof e.detail.errMsg === 'string', `error for ${id}`);
  }
  const bg = await page.evaluate((id) => getComputedStyle(window.__el(id).firstChild).backgroundImage, evil);
  assert.equal(bg, 'none');
  await frame(page);
  const l = await rect(page, '#left');
  const rr = await rect(page, '#right');
  const [lp, rp] = await pixels(page, [[Math.round(l.x + 20), Math.round(l.y + 20)], [Math.round(rr.x + 20), Math.round(rr.y + 20)]]);
  assert.ok(near(lp, [0, 200, 0]), `left shows the green half: ${lp}`);
  assert.ok(near(rp, [0, 0, 255]), `right shows the blue half: ${rp}`);
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// rich-text

test('rich-text: nothing in a string or in nodes executes or loads; the allowed parts render', async () => {
  const page = await open();
  const html = '<div class="a b" id="x" onclick="window.__pwned=1" style="color: rgb(255, 0, 0); background: url(javascript:window.__pwned=2); font-weight: bold">'
    + 'Hello <b>bold</b><img src=x onerror="window.__pwned=3"><script>window.__pwned=4</script>'
    + '<a href="javascript:window.__pwned=5">link</a><iframe src="javascript:window.__pwned=6"></iframe>'
    + '<svg><script>window.__pwned=7</script></svg><h11>dropped</h11>'
    + '<img src="/red.png" width="20" height="10" onload="window.__pwned=8" alt="r">'
    + '<table width="100"><tr><td colspan="2" onmouseover="x()">cell</td></tr></table>'
    + '<p style="behavior: url(x.htc); width: expression(alert(1)); color: blue">para</p>'
    + '<style>body{display:none}</style><form action="javascript:alert(1)"><input></form></div>';
  const a = await mount(page, { tag: 'rich-text', id: 'rt1', attrs: { nodes: html } });
  const nodes = [
    { name: 'div', attrs: { class: 'box', style: 'padding: 4px; background-image: url("https://evil.example/t.png")', onclick: 'window.__pwned=9', id: 'no' }, children: [
      { type: 'text', text: 'A&amp;B&lt;c&gt;&nbsp;&#x41;' },
      { name: 'img', attrs: { src: 'javascript:window.__pwned=10', onerror: 'window.__pwned=11' } },
      { name: 'img', attrs: { src: 'data:text/html,<script>window.__pwned=12</script>' } },
      { name: 'IMG', attrs: { src: '/red.png', alt: 'ok' } },
      { name: 'script', children: [{ type: 'text', text: 'window.__pwned=13' }] },
      { name: 'a', attrs: { href: 'https://evil.example/' }, children: [{ type: 'text', text: 'go' }] },
      { name: 'span', attrs: { style: 'color: green' }, children: [{ type: 'text', text: 'x y' }] },
    ] },
  ];
  const b = await mount(page, { tag: 'rich-text', id: 'rt2', attrs: { nodes, space: 'nbsp' } });
  await page.waitForTimeout(300);
  await page.click('#rt1 a');
  await page.click('#rt2 a');
  await page.hover('#rt1 td');
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(page.url(), harness.url + 'test.html');

  const dom = await page.evaluate(() => {
    const r1 = document.querySelector('#rt1');
    const r2 = document.querySelector('#rt2');
    const all = [...r1.querySelectorAll('*'), ...r2.querySelectorAll('*')];
    return {
      tags1: [...r1.querySelectorAll('*')].map((e) => e.localName),
      attrs: all.flatMap((e) => [...e.attributes].map((a) => a.name)),
      divClass: r1.firstElementChild.className,
      divColor: getComputedStyle(r1.firstElementChild).color,
      divWeight: getComputedStyle(r1.firstElementChild).fontWeight,
      divBg: getComputedStyle(r1.firstElementChild).backgroundImage,
      pColor: getComputedStyle(r1.querySelector('p')).color,
      imgs: [...r1.querySelectorAll('img'), ...r2.querySelectorAll('img')].map((i) => [i.getAttribute('src'), i.getAttribute('width'), i.alt]),
      td: r1.querySelector('td').getAttribute('colspan'),
      text1: r1.textContent,
      text2: r2.textContent,
      box: [r2.firstElementChild.className, getComputedStyle(r2.firstElementChild).backgroundImage, r2.firstElementChild.id],
      hrefs: all.filter((e) => e.hasAttribute('href')).length,
    };
  });
  // <img src=x> keeps a package-relative source (ctx.url's answer), without its handler.
  assert.deepEqual(dom.tags1, ['div', 'b', 'img', 'a', 'img', 'table', 'tbody', 'tr', 'td', 'p']);
  assert.ok(dom.attrs.every((n) => ['class', 'style', 'src', 'width', 'height', 'alt', 'colspan', 'referrerpolicy', 'draggable'].includes(n)), dom.attrs.join());
  assert.equal(dom.divClass, 'a b');
  assert.equal(dom.divColor, 'rgb(255, 0, 0)');
  assert.equal(dom.divWeight, '700');
  assert.equal(dom.divBg, 'none');
  assert.equal(dom.pColor, 'rgb(0, 0, 255)');
  assert.deepEqual(dom.imgs, [['/__cove/pkg/x', null, ''], ['/__cove/pkg/red.png', '20', 'r'], ['/__cove/pkg/red.png', null, 'ok']]);
  assert.equal(dom.td, '2');
  assert.equal(dom.text1, 'Hello boldlinkcellpara');
  assert.equal(dom.text2, 'A&B<c>\u00a0Ago' + 'x\u00a0y');
  assert.deepEqual(dom.box, ['box', 'none', '']);
  assert.equal(dom.hrefs, 0);
  // Switching to nodes the component rebuilds; removing empties it.
  await page.evaluate((id) => window.__attr(id, 'nodes', [{ name: 'p', children: [{ type: 'text', text: 'new' }] }]), a);
  await frame(page);
  assert.equal(await page.evaluate(() => document.querySelector('#rt1').textContent), 'new');
  await page.evaluate((id) => window.__attr(id, 'nodes', null), b);
  await frame(page);
  assert.equal(await page.evaluate(() => document.querySelector('#rt2').childNodes.length), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // DOMParser's inert document reports (blocked) inline handlers and styles against the page's
  // CSP while parsing; nothing else may go wrong.
  assert.deepEqual(page.errors.filter((e) => !/Failed to load resource|Content Security Policy/.test(e)), []);
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// text

test('text: decode and space rewrite the child text nodes once, and follow later changes', async () => {
  const page = await open();
  const id = await mount(page, {
    tag: 'text', id: 't', attrs: { decode: true, space: 'ensp' },
    children: ['a  b&nbsp;&lt;i&gt;&amp;lt;&apos;&emsp;|', { tag: 'text', id: 'inner', children: ['x y'] }],
  });
  await frame(page);
  const read = () => page.evaluate(() => {
    // The content is in the inner span that WeChat's view has too (`<wx-text><span>…`).
    const t = document.querySelector('#t > span');
    return [t.firstChild.data, document.querySelector('#inner').textContent];
  });
  // The inner text has neither attribute: its space stays.
  assert.deepEqual(await read(), ['a\u2002\u2002b\u00a0<i>&lt;\'\u2003|', 'x y']);
  // The core changes the text node: the new source is rewritten (and only once).
  await page.evaluate(() => { document.querySelector('#t > span').firstChild.data = '&amp;amp; z'; });
  await frame(page);
  assert.deepEqual(await read(), ['&amp;\u2002z', 'x y']);
  // A text node appended later.
  await page.evaluate(() => document.querySelector('#t > span').appendChild(document.createTextNode(' &gt;')));
  await frame(page);
  assert.equal(await page.evaluate(() => document.querySelector('#t > span').lastChild.data), '\u2002>');
  // Switching both off restores the source text.
  await page.evaluate((i) => { window.__attr(i, 'decode', false); window.__attr(i, 'space', null); }, id);
  await frame(page);
  assert.equal(await page.evaluate(() => document.querySelector('#t > span').firstChild.data), '&amp;amp; z');
  // Defaults: not selectable; newlines kept, runs of spaces collapsed; selectable switches it.
  const cs = await page.evaluate(() => [getComputedStyle(document.querySelector('#t')).userSelect, getComputedStyle(document.querySelector('#t')).whiteSpace]);
  assert.deepEqual(cs, ['none', 'pre-line']);
  // Inside a nowrap parent a long text stays on one line; its own newline still breaks.
  await mount(page, { tag: 'view', style: 'white-space: nowrap; width: 100px; overflow: hidden', children: [{ tag: 'text', id: 'nw', children: ['a long text that would wrap in 100px'] }] });
  await mount(page, { tag: 'view', style: 'white-space: nowrap; width: 100px', children: [{ tag: 'text', id: 'nl', children: ['one\ntwo'] }] });
  const [one, two] = await page.evaluate(() => ['nw', 'nl'].map((i) => document.querySelector('#' + i).getBoundingClientRect().height));
  assert.ok(one > 10 && one < 25 && two > 1.8 * one && two < 2.8 * one, `${one} ${two}`);
  await page.evaluate((i) => window.__attr(i, 'user-select', true), id);
  const sel = await page.evaluate(() => [getComputedStyle(document.querySelector('#t')).userSelect, getComputedStyle(document.querySelector('#t')).display]);
  assert.deepEqual(sel, ['text', 'inline-block']);
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// icon, progress

test('icon: every type renders an SVG in WeChat colours; size and color apply', async () => {
  const page = await open();
  const types = ['success', 'success_no_circle', 'info', 'warn', 'waiting', 'cancel', 'download', 'search', 'clear'];
  for (const type of types) await mount(page, { tag: 'icon', attrs: { type } });
  const big = await mount(page, { tag: 'icon', id: 'big', attrs: { type: 'success', size: 40, color: 'rgb(1, 2, 3)' } });
  const res = await page.evaluate(() => [...document.querySelectorAll('wx-icon')].map((i) => {
    const svg = i.querySelector('svg');
    const r = svg.getBoundingClientRect();
    const paint = [...svg.children].map((c) => c.getAttribute('fill') !== 'none' && c.getAttribute('fill') !== '#fff' ? c.getAttribute('fill') : c.getAttribute('stroke')).find((c) => c && c !== '#fff');
    return [svg.namespaceURI, r.width, r.height, paint];
  }));
  const colours = ['#07c160', '#07c160', '#10aeff', '#f76260', '#10aeff', '#f43530', '#07c160', '#b2b2b2', '#b2b2b2'];
  types.forEach((t, i) => assert.deepEqual(res[i], ['http://www.w3.org/2000/svg', 23, 23, colours[i]], t));
  assert.deepEqual(res[types.length], ['http://www.w3.org/2000/svg', 40, 40, 'rgb(1, 2, 3)']);
  await page.evaluate((id) => window.__attr(id, 'size', '60rpx'), big);
  assert.equal(await page.evaluate(() => document.querySelector('#big svg').getBoundingClientRect().width), 30);
  await page.screenshot({ path: path.join(SHOTS, 'components-icons.png'), clip: { x: 0, y: 0, width: 375, height: 80 } });
  await page.close();
});

test('progress: bar width, colours, show-info, and the active animation with activeend', async () => {
  const page = await open();
  const p = await mount(page, { tag: 'progress', id: 'p1', attrs: { percent: 40, 'show-info': true, 'stroke-width': 10, activeColor: '#ff0000', backgroundColor: '#00ff00', 'border-radius': 5 }, style: 'width: 300px' });
  await frame(page);
  const s = await page.evaluate(() => {
    const bar = document.querySelector('#p1 .wx-progress-bar');
    const inner = bar.firstChild;
    const info = document.querySelector('#p1 .wx-progress-info');
    return {
      bar: bar.getBoundingClientRect().width, inner: inner.getBoundingClientRect().width, h: bar.getBoundingClientRect().height,
      fg: getComputedStyle(inner).backgroundColor, bg: getComputedStyle(bar).backgroundColor, radius: getComputedStyle(bar).borderRadius,
      info: info.textContent, infoSize: getComputedStyle(info).fontSize,
    };
  });
  assert.equal(s.h, 10);
  assert.ok(Math.abs(s.inner - s.bar * 0.4) < 0.5, `inner ${s.inner} of ${s.bar}`);
  assert.equal(s.fg, 'rgb(255, 0, 0)');
  assert.equal(s.bg, 'rgb(0, 255, 0)');
  assert.equal(s.radius, '5px');
  assert.equal(s.info, '40%');
  assert.equal(s.infoSize, '16px');
  // Defaults: WeChat's green on #EBEBEB, 6px.
  await mount(page, { tag: 'progress', id: 'p2', attrs: { percent: 50 } });
  await frame(page);
  const d = await page.evaluate(() => {
    const bar = document.querySelector('#p2 .wx-progress-bar');
    return [getComputedStyle(bar.firstChild).backgroundColor, getComputedStyle(bar).backgroundColor, bar.getBoundingClientRect().height];
  });
  assert.deepEqual(d, ['rgb(9, 187, 7)', 'rgb(235, 235, 235)', 6]);
  // active: 20% at 10 ms per 1% takes about 200 ms from 0.
  await take(page);
  const a = await mount(page, { tag: 'progress', id: 'p3', attrs: { percent: 20, active: true, duration: 10 }, style: 'width: 200px' });
  await page.waitForTimeout(60);
  const mid = await page.evaluate(() => document.querySelector('#p3 .wx-progress-inner-bar').getBoundingClientRect().width);
  assert.ok(mid > 0 && mid < 40, `mid-animation width ${mid}`);
  const seen = await waitEmitted(page, (e) => e.id === a && e.type === 'activeend');
  assert.deepEqual(seen.find((e) => e.type === 'activeend').detail, { curPercent: 20 });
  assert.equal(await page.evaluate(() => document.querySelector('#p3 .wx-progress-inner-bar').getBoundingClientRect().width), 40);
  await page.evaluate((id) => window.__attr(id, 'percent', 150), p);
  await frame(page);
  assert.equal(await page.evaluate(() => document.querySelector('#p1 .wx-progress-info').textContent), '100%');
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// scroll-view

function items(n, h = 50, prefix = 'item') {
  return Array.from({ length: n }, (_, i) => ({ tag: 'view', id: `ec54--${prefix}${i}`, style: `height: ${h}px; border-bottom: 1px solid #ddd`, children: [`${prefix} ${i}`] }));
}

test('scroll-view: scroll events, scrolltolower once per arrival, scrolltoupper, scroll-into-view, scroll-top', async () => {
  const page = await open();
  const id = await mount(page, { tag: 'scroll-view', id: 'sv', attrs: { 'scroll-y': true }, style: 'height: 300px', children: items(20) });
  await frame(page);
  const box = await rect(page, '#sv');
  await page.mouse.move(box.x + 100, box.y + 100);
  // Wheel down to the bottom in steps: scrolltolower exactly once.
  for (let i = 0; i < 12; i++) {
    await page.mouse.wheel(0, 120);
    await page.waitForTimeout(40);
  }
  await page.waitForTimeout(200);
  let seen = await take(page);
  const scrolls = seen.filter((e) => e.type === 'scroll');
  assert.ok(scrolls.length > 2);
  const lastScroll = scrolls[scrolls.length - 1].detail;
  assert.equal(lastScroll.scrollHeight, 1020);
  assert.equal(lastScroll.scrollTop, 720);
  assert.ok(scrolls.every((e) => e.detail.deltaY <= 0), 'deltaY is negative going down');
  assert.deepEqual(seen.filter((e) => e.type === 'scrolltolower').map((e) => e.detail), [{ direction: 'bottom' }]);
  // At the bottom, more wheel: nothing new.
  await page.mouse.wheel(0, 120);
  await page.waitForTimeout(150);
  seen = await take(page);
  assert.equal(seen.filter((e) => e.type === 'scrolltolower').length, 0);
  // Leave the bottom zone and come back: fires again. Then to the top: scrolltoupper.
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(150);
  await page.mouse.wheel(0, 300);
  await page.waitForTimeout(150);
  await page.mouse.wheel(0, -2000);
  await page.waitForTimeout(200);
  seen = await take(page);
  assert.deepEqual(seen.filter((e) => /^scrollto/.test(e.type)).map((e) => e.type + ':' + e.detail.direction), ['scrolltolower:bottom', 'scrolltoupper:top']);

  // scroll-into-view by the mini-program's id (the DOM id carries glass-easel's prefix).
  await page.evaluate((i) => window.__attr(i, 'scroll-into-view', 'item8'), id);
  await frame(page);
  const top = await page.evaluate(() => [document.querySelector('#sv .wx-scroll-view').scrollTop, document.querySelector('#ec54--item8').getBoundingClientRect().top - document.querySelector('#sv').getBoundingClientRect().top]);
  assert.deepEqual(top, [408, 0]);
  await page.evaluate((i) => window.__attr(i, 'scroll-top', '100rpx'), id);
  await frame(page);
  assert.equal(await page.evaluate(() => document.querySelector('#sv .wx-scroll-view').scrollTop), 50);
  // Without scroll-x, no horizontal scrolling.
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#sv .wx-scroll-view')).overflowX), 'hidden');
  await page.close();
});

test('scroll-view: scroll-x with enable-flex lays children out in the host flex row; refresher pull', async () => {
  const page = await open();
  const kids = Array.from({ length: 6 }, (_, i) => ({ tag: 'view', id: 'h' + i, style: 'width: 100px; height: 60px; flex-shrink: 0; background: #eee; margin-right: 10px' }));
  await mount(page, { tag: 'scroll-view', id: 'hx', attrs: { 'scroll-x': true, 'enable-flex': true, 'scroll-left': 220 }, style: 'display: flex; flex-direction: row; width: 300px', children: kids });
  await frame(page);
  const pos = await page.evaluate(() => [document.querySelector('#h1').getBoundingClientRect().top - document.querySelector('#h0').getBoundingClientRect().top, document.querySelector('#hx .wx-scroll-view').scrollLeft, document.querySelector('#hx .wx-scroll-view').scrollWidth]);
  assert.deepEqual(pos, [0, 220, 660]);

  const id = await mount(page, { tag: 'scroll-view', id: 'rf', attrs: { 'scroll-y': true, 'refresher-enabled': true, 'refresher-background': 'rgb(1, 2, 3)' }, style: 'height: 200px', children: items(10, 50, 'r') });
  await frame(page);
  await take(page);
  const b = await rect(page, '#rf');
  await page.mouse.move(b.x + 50, b.y + 20);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(b.x + 50, b.y + 20 + i * 10);
  const pulled = await page.evaluate(() => [document.querySelector('#rf .wx-scroll-view-refresher').getBoundingClientRect().height, getComputedStyle(document.querySelector('#rf .wx-scroll-view-refresher')).backgroundColor]);
  assert.ok(pulled[0] >= 45, `refresher shown ${pulled[0]}`);
  assert.equal(pulled[1], 'rgb(1, 2, 3)');
  await page.mouse.up();
  let seen = await take(page);
  assert.ok(seen.some((e) => e.type === 'refresherpulling' && e.detail.dy > 0));
  assert.ok(seen.some((e) => e.type === 'refresherrefresh'));
  await page.evaluate((i) => window.__attr(i, 'refresher-triggered', false), id);
  seen = await take(page);
  assert.deepEqual(seen.map((e) => e.type), ['refresherrestore']);
  // A short pull aborts.
  await page.waitForTimeout(350);
  await page.mouse.move(b.x + 50, b.y + 20);
  await page.mouse.down();
  await page.mouse.move(b.x + 50, b.y + 30);
  await page.mouse.move(b.x + 50, b.y + 40);
  await page.mouse.up();
  seen = await take(page);
  assert.equal(seen[seen.length - 1].type, 'refresherabort');
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// swiper

function slides(n) {
  const colours = ['#e94e3c', '#3c8ee9', '#3ce96d', '#e9d83c', '#9b3ce9'];
  return Array.from({ length: n }, (_, i) => ({ tag: 'swiper-item', attrs: { 'item-id': 'it' + i }, style: `background: ${colours[i % 5]}`, children: [{ tag: 'view', children: ['slide ' + i] }] }));
}
const currentShown = (page, sel) => page.evaluate((s) => {
  const sw = document.querySelector(s).getBoundingClientRect();
  return [...document.querySelectorAll(s + ' wx-swiper-item')].findIndex((it) => Math.abs(it.getBoundingClientRect().left - sw.left) < 1 && Math.abs(it.getBoundingClientRect().top - sw.top) < 1);
}, sel);

test('swiper: a mouse drag changes the item (touch source), dots follow, drag back', async () => {
  const page = await open();
  const id = await mount(page, { tag: 'swiper', id: 'sw', attrs: { 'indicator-dots': true, duration: 200 }, style: 'height: 150px', children: slides(3) });
  await frame(page);
  assert.equal(await currentShown(page, '#sw'), 0);
  const b = await rect(page, '#sw');
  await page.mouse.move(b.x + 300, b.y + 75);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) {
    await page.mouse.move(b.x + 300 - i * 22, b.y + 75);
    await page.waitForTimeout(16);
  }
  // While dragging the first item has moved left with the pointer.
  const mid = await page.evaluate(() => document.querySelector('#sw wx-swiper-item').getBoundingClientRect().left);
  assert.ok(mid < -150 && mid > -260, `dragged to ${mid}`);
  await page.mouse.up();
  const seen = await waitEmitted(page, (e) => e.type === 'animationfinish');
  const change = seen.find((e) => e.type === 'change');
  assert.deepEqual(change.detail, { current: 1, currentItemId: 'it1', source: 'touch' });
  assert.ok(seen.some((e) => e.type === 'transition' && e.detail.dx > 0));
  assert.deepEqual(seen.find((e) => e.type === 'animationfinish').detail, { current: 1, currentItemId: 'it1', source: 'touch' });
  assert.equal(await currentShown(page, '#sw'), 1);
  const dots = await page.evaluate(() => [...document.querySelectorAll('#sw .wx-swiper-dot')].map((d) => getComputedStyle(d).backgroundColor));
  assert.deepEqual(dots, ['rgba(0, 0, 0, 0.3)', 'rgb(0, 0, 0)', 'rgba(0, 0, 0, 0.3)']);
  await page.screenshot({ path: path.join(SHOTS, 'components-swiper.png'), clip: { x: 0, y: 0, width: 375, height: 160 } });
  // A short drag snaps back without a change.
  await page.mouse.move(b.x + 200, b.y + 75);
  await page.mouse.down();
  await page.mouse.move(b.x + 190, b.y + 75, { steps: 3 });
  await page.waitForTimeout(200);
  await page.mouse.up();
  const back = await waitEmitted(page, (e) => e.type === 'animationfinish');
  assert.equal(back.filter((e) => e.type === 'change').length, 0);
  assert.equal(await currentShown(page, '#sw'), 1);
  // Setting current animates without a change event.
  await page.evaluate((i) => window.__attr(i, 'current', 2), id);
  const set = await waitEmitted(page, (e) => e.type === 'animationfinish');
  assert.equal(set.filter((e) => e.type === 'change').length, 0);
  assert.equal(await currentShown(page, '#sw'), 2);
  await page.close();
});

test('swiper: autoplay with a small interval, circular wraps from the last item to the first', async () => {
  const page = await open();
  const id = await mount(page, { tag: 'swiper', id: 'ap', attrs: { autoplay: true, interval: 150, duration: 100, circular: true, current: 1 }, style: 'height: 100px', children: slides(3) });
  await frame(page);
  assert.equal(await currentShown(page, '#ap'), 1);
  const seen = [];
  const t0 = Date.now();
  while (seen.filter((e) => e.type === 'change').length < 3 && Date.now() - t0 < 4000) {
    seen.push(...(await take(page)));
    await page.waitForTimeout(20);
  }
  const changes = seen.filter((e) => e.type === 'change').map((e) => [e.detail.current, e.detail.source]);
  assert.deepEqual(changes.slice(0, 3), [[2, 'autoplay'], [0, 'autoplay'], [1, 'autoplay']]);
  // Wrapping 2 -> 0 moves forward: item 0 comes in from the right, never sweeping back over item 1.
  await page.evaluate((i) => window.__attr(i, 'autoplay', false), id);
  await page.waitForTimeout(300);
  await take(page);
  // Circular drag backwards from item 0 shows item 2 on the left.
  await page.evaluate((i) => window.__attr(i, 'current', 0), id);
  await waitEmitted(page, (e) => e.type === 'animationfinish');
  const b = await rect(page, '#ap');
  await page.mouse.move(b.x + 50, b.y + 50);
  await page.mouse.down();
  await page.mouse.move(b.x + 120, b.y + 50, { steps: 4 });
  const left = await page.evaluate(() => document.querySelectorAll('#ap wx-swiper-item')[2].getBoundingClientRect().left);
  assert.ok(left < 0 && left > -375, `item 2 peeks in from the left: ${left}`);
  await page.mouse.move(b.x + 260, b.y + 50, { steps: 6 });
  await page.mouse.up();
  const back = await waitEmitted(page, (e) => e.type === 'animationfinish');
  assert.deepEqual(back.find((e) => e.type === 'change').detail, { current: 2, currentItemId: 'it2', source: 'touch' });
  assert.equal(await currentShown(page, '#ap'), 2);
  await page.close();
});

test('swiper: vertical, display-multiple-items and margins place items', async () => {
  const page = await open();
  await mount(page, { tag: 'swiper', id: 'mm', attrs: { 'display-multiple-items': 2, 'previous-margin': '20px', 'next-margin': 30 }, style: 'width: 300px; height: 80px', children: slides(4) });
  await mount(page, { tag: 'swiper', id: 'vv', attrs: { vertical: true, current: 1, 'indicator-dots': true }, style: 'width: 300px; height: 100px', children: slides(3) });
  await frame(page);
  const m = await page.evaluate(() => [...document.querySelectorAll('#mm wx-swiper-item')].map((i) => [i.getBoundingClientRect().left, i.getBoundingClientRect().width]));
  assert.deepEqual(m.slice(0, 3), [[20, 125], [145, 125], [270, 125]]);
  const v = await page.evaluate(() => {
    const top = document.querySelector('#vv').getBoundingClientRect().top;
    return [...document.querySelectorAll('#vv wx-swiper-item')].map((i) => i.getBoundingClientRect().top - top);
  });
  assert.deepEqual(v, [-100, 0, 100]);
  assert.equal(await page.evaluate(() => document.querySelector('#vv .wx-swiper-dots').classList.contains('wx-swiper-dots-vertical')), true);
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// movable-view

test('movable-view: drag emits change within the area bounds; x/y attributes move it', async () => {
  const page = await open();
  const area = await mount(page, { tag: 'movable-area', id: 'ma', style: 'width: 300px; height: 200px; background: #eee' });
  const mv = await mount(page, { tag: 'movable-view', id: 'mv', attrs: { direction: 'all', x: 10, y: 20 }, style: 'width: 50px; height: 50px; background: #07c160' }, area);
  await frame(page);
  const a = await rect(page, '#ma');
  let r = await rect(page, '#mv');
  assert.deepEqual([r.x - a.x, r.y - a.y], [10, 20]);
  await page.mouse.move(r.x + 25, r.y + 25);
  await page.mouse.down();
  await page.mouse.move(r.x + 85, r.y + 45, { steps: 6 });
  await page.mouse.move(r.x + 400, r.y + 45, { steps: 6 }); // past the right edge: clamped
  await page.mouse.up();
  const seen = await take(page);
  const changes = seen.filter((e) => e.type === 'change');
  assert.ok(changes.length > 3);
  assert.ok(changes.every((e) => e.detail.source === 'touch'));
  assert.deepEqual(changes[changes.length - 1].detail, { x: 250, y: 40, source: 'touch' });
  assert.equal(seen.filter((e) => e.type === 'htouchmove').length, 1);
  r = await rect(page, '#mv');
  assert.deepEqual([r.x - a.x, r.y - a.y], [250, 40]);
  // The core replacing the inline style keeps the position.
  await page.evaluate(() => { document.querySelector('#mv').style.cssText = 'width: 50px; height: 50px; background: red'; });
  await frame(page);
  r = await rect(page, '#mv');
  assert.deepEqual([r.x - a.x, r.y - a.y], [250, 40]);
  // x/y from data: animated, ends with a change with source ''.
  await page.evaluate((i) => { window.__attr(i, 'x', 100); window.__attr(i, 'y', 500); }, mv);
  const after = await waitEmitted(page, (e) => e.type === 'change' && e.detail.source === '' && e.detail.y === 150);
  assert.ok(after.some((e) => e.type === 'change' && e.detail.x === 100));
  // direction horizontal ignores vertical movement; disabled ignores drags.
  await page.evaluate((i) => window.__attr(i, 'direction', 'horizontal'), mv);
  r = await rect(page, '#mv');
  await page.mouse.move(r.x + 25, r.y + 25);
  await page.mouse.down();
  await page.mouse.move(r.x + 5, r.y - 60, { steps: 5 });
  await page.mouse.up();
  r = await rect(page, '#mv');
  assert.deepEqual([r.x - a.x, r.y - a.y], [80, 150]);
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// navigator, cover, media

test('navigator: a tap asks the host to navigate; hover class style; cover-image loads', async () => {
  const page = await open();
  await mount(page, { tag: 'navigator', id: 'nav', attrs: { url: '/pages/b/b?x=1', 'open-type': 'redirect' }, children: ['go'] });
  await mount(page, { tag: 'navigator', id: 'back', attrs: { 'open-type': 'navigateBack', delta: 2 }, children: ['back'] });
  await page.click('#nav');
  await page.click('#back');
  assert.deepEqual(await page.evaluate(() => window.__host), [
    { api: 'navigate', args: { openType: 'redirect', url: '/pages/b/b?x=1', delta: 1 } },
    { api: 'navigate', args: { openType: 'navigateBack', url: '', delta: 2 } },
  ]);
  const hover = await page.evaluate(() => {
    const n = document.querySelector('#nav');
    n.classList.add('navigator-hover');
    const cs = getComputedStyle(n);
    return [cs.backgroundColor, cs.opacity, cs.display];
  });
  assert.deepEqual(hover, ['rgba(0, 0, 0, 0.1)', '0.7', 'block']);
  const ci = await mount(page, { tag: 'cover-image', id: 'ci', attrs: { src: '/red.png' }, style: 'width: 40px; height: 20px' });
  const seen = await waitEmitted(page, (e) => e.id === ci && e.type === 'load');
  assert.deepEqual(seen.find((e) => e.type === 'load').detail, { width: 200, height: 100 });
  await page.close();
});

test('canvas: draw() replays fillRect, styles, gradients and drawImage; size() reports the CSS size', async () => {
  const page = await open();
  const id = await mount(page, { tag: 'canvas', id: 'cv', attrs: { type: '2d' }, style: 'width: 100px; height: 50px' });
  await frame(page);
  assert.deepEqual(await page.evaluate((i) => window.__inst(i).size(), id), { width: 100, height: 50 });
  await page.evaluate((i) => window.__inst(i).draw([
    ['size', 200, 100],
    ['=', 'fillStyle', '#ff0000'],
    ['fillRect', 0, 0, 50, 50],
    ['gradient', 'g1', 'linear', 50, 0, 100, 0],
    ['addColorStop', 'g1', 0, '#0000ff'],
    ['addColorStop', 'g1', 1, '#0000ff'],
    ['=', 'fillStyle', { gradient: 'g1' }],
    ['fillRect', 50, 0, 50, 50],
    ['drawImage', '/red.png', 100, 0, 40, 20],
    ['=', 'fillStyle', '#00ff00'],
    ['eval', 'window.__pwned = 1'],
    ['=', 'constructor', 'x'],
    ['fillRect', 150, 0, 'a', 10],
    ['drawImage', 'javascript:alert(1)', 0, 0],
    ['fillRect', 0, 60, 10, 10],
  ]), id);
  const px = await page.evaluate(() => {
    const c = document.querySelector('#cv canvas');
    const g = c.getContext('2d');
    const at = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
    return { size: [c.width, c.height], red: at(10, 10), blue: at(75, 25), img: at(110, 10), none: at(155, 5), green: at(5, 65), clear: at(190, 90) };
  });
  assert.deepEqual(px.size, [200, 100]);
  assert.deepEqual(px.red, [255, 0, 0, 255]);
  assert.deepEqual(px.blue, [0, 0, 255, 255]);
  assert.deepEqual(px.img, [255, 0, 0, 255]);
  assert.deepEqual(px.none, [0, 0, 0, 0]);
  assert.deepEqual(px.green, [0, 255, 0, 255]);
  assert.deepEqual(px.clear, [0, 0, 0, 0]);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // Read-back for the container (canvasGetImageData / canvasToTempFilePath), after queued drawing.
  const back = await page.evaluate(async (i) => {
    const inst = window.__inst(i);
    inst.draw([['=', 'fillStyle', '#ffff00'], ['fillRect', 0, 0, 2, 2]]);
    const d = await inst.imageData(0, 0, 2, 1);
    const url = await inst.snapshot({ x: 0, y: 0, width: 50, height: 50, destWidth: 10, destHeight: 10 });
    // The pixels travel as base64 bytes (`$bytes`), as every binary value of the protocol does.
    const bytes = Array.from(atob(d.data.$bytes), (c) => c.charCodeAt(0));
    return [d.width, d.height, bytes.slice(0, 4), url.slice(0, 22)];
  }, id);
  assert.deepEqual(back, [2, 1, [255, 255, 0, 255], 'data:image/png;base64,']);
  // A legacy canvas draws in CSS px on a devicePixelRatio backing store.
  const page2 = await browser.newPage({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2 });
  await page2.route(/\/(__test\/.*|test\.html)$/, (route) => {
    const p = new URL(route.request().url()).pathname;
    if (p === '/test.html') return route.fulfill({ status: 200, contentType: 'text/html', headers: { 'content-security-policy': CSP }, body: PAGE });
    if (p === '/__test/mount.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: MOUNT });
    return route.fulfill({ status: 200, contentType: 'text/css', body: PAGE_CSS });
  });
  await page2.goto(harness.url + 'test.html');
  await page2.waitForFunction(() => window.__ready === true);
  const legacy = await mount(page2, { tag: 'canvas', id: 'lg', style: 'width: 100px; height: 50px' });
  await page2.evaluate((i) => window.__inst(i).draw([['draw', false], ['=', 'fillStyle', '#0000ff'], ['fillRect', 50, 25, 10, 10]]), legacy);
  const lp = await page2.evaluate(() => {
    const c = document.querySelector('#lg canvas');
    const g = c.getContext('2d');
    return [c.width, c.height, Array.from(g.getImageData(105, 55, 1, 1).data), Array.from(g.getImageData(95, 45, 1, 1).data)];
  });
  assert.deepEqual(lp, [200, 100, [0, 0, 255, 255], [0, 0, 0, 0]]);
  await page2.close();
  await page.close();
});

test('web-view: a disallowed domain shows a blocked message, no iframe; an allowed one is sandboxed', async () => {
  const page = await open();
  const bad = await mount(page, { tag: 'web-view', id: 'wv', attrs: { src: 'https://evil.example/<b>x</b>' } });
  await frame(page);
  const blocked = await page.evaluate(() => ({
    frames: document.querySelectorAll('iframe').length,
    text: document.querySelector('#wv').textContent,
    bold: document.querySelectorAll('#wv b').length,
    size: [document.querySelector('#wv').getBoundingClientRect().width, document.querySelector('#wv').getBoundingClientRect().height],
  }));
  assert.equal(blocked.frames, 0);
  assert.match(blocked.text, /https:\/\/evil\.example\/<b>x<\/b>/);
  assert.equal(blocked.bold, 0);
  assert.deepEqual(blocked.size, [375, 667]);
  assert.deepEqual((await take(page)).filter((e) => e.id === bad).map((e) => [e.type, e.detail]), [['error', { src: 'https://evil.example/<b>x</b>' }]]);
  await page.screenshot({ path: path.join(SHOTS, 'components-webview-blocked.png') });
  await page.evaluate(() => window.__allow.push('good.example'));
  await page.evaluate((i) => window.__attr(i, 'src', 'https://good.example/page'), bad);
  const sandbox = await page.evaluate(() => document.querySelector('#wv iframe').getAttribute('sandbox'));
  assert.equal(sandbox, 'allow-scripts allow-forms allow-same-origin');
  // A package page is same-origin with the view: it loses allow-same-origin.
  await page.evaluate((i) => window.__attr(i, 'src', '/local.html'), bad);
  assert.equal(await page.evaluate(() => document.querySelector('#wv iframe').getAttribute('sandbox')), 'allow-scripts allow-forms');
  await page.close();
});

test('video, audio, map and placeholders: default sizes, refused sources, WeChat-like cards', async () => {
  const page = await open();
  const v = await mount(page, { tag: 'video', id: 'vd', attrs: { src: 'https://nope.example/v.mp4', controls: true } });
  await mount(page, { tag: 'map', id: 'mp', attrs: { latitude: 23.1, longitude: 113.3, markers: [{ id: 1 }, { id: 2 }] } });
  await mount(page, { tag: 'audio', id: 'au', attrs: { controls: true, name: '此时此刻', author: '许巍', src: '/a.mp3' } });
  await mount(page, { tag: 'open-data', id: 'od', attrs: { type: 'userNickName' } });
  await frame(page);
  const r = await page.evaluate(() => ({
    video: [document.querySelector('#vd').getBoundingClientRect().width, document.querySelector('#vd').getBoundingClientRect().height, document.querySelector('#vd video').hasAttribute('src')],
    map: [document.querySelector('#mp').getBoundingClientRect().width, document.querySelector('#mp').getBoundingClientRect().height, document.querySelector('#mp').textContent],
    audio: [document.querySelector('#au .wx-audio-name').textContent, document.querySelector('#au .wx-audio-author').textContent, document.querySelector('#au .wx-audio-default').getBoundingClientRect().height, document.querySelector('#au audio').getAttribute('src')],
    od: document.querySelector('#od').textContent,
  }));
  assert.deepEqual(r.video, [300, 225, false]);
  assert.deepEqual(r.map, [300, 150, 'Map: 23.1, 113.3scale 16 · 2 markers']);
  assert.deepEqual(r.audio, ['此时此刻', '许巍', 67, '/__cove/pkg/a.mp3']);
  assert.equal(r.od, '微信用户');
  const seen = await take(page);
  assert.ok(seen.some((e) => e.id === v && e.type === 'error'));
  await page.screenshot({ path: path.join(SHOTS, 'components-media.png') });
  await page.close();
});

// ---------------------------------------------------------------------------------------------
// Through the real view core: ops build the components, events go back to the container.

test('through the view core: image load, scroll-view scrolltolower, swiper change, navigator, rich-text', async () => {
  const { openHarness, deliver, takeSent } = await import('./lib/harness.mjs');
  const page = await openHarness(browser, harness);
  const hello = { t: 'hello', protocol: 1, appId: 'wxtest', app: { window: {}, tabBar: null, pages: ['pages/a/a'] } };
  const routeMsg = { t: 'route', action: 'launch', stack: [{ id: 1, path: 'pages/a/a', query: {}, node: 1 }], window: {}, tab: null };
  const sv = Array.from({ length: 12 }, (_, i) => [['create', 100 + i, 'view', 'view'], ['style', 100 + i, 'height: 50px'], ['createText', 200 + i, 'row ' + i], ['append', 100 + i, 200 + i], ['append', 10, 100 + i]]).flat();
  const sw = Array.from({ length: 3 }, (_, i) => [['create', 300 + i, 'swiper-item', 'swiper-item'], ['attr', 300 + i, 'item-id', 's' + i], ['style', 300 + i, `background: ${['#fcc', '#cfc', '#ccf'][i]}`], ['append', 20, 300 + i]]).flat();
  await deliver(page, hello, routeMsg, {
    t: 'ops',
    ops: [
      ['create', 1, 'page', 'page'], ['page', 1, 1, 'pages/a/a'],
      ['create', 2, 'wx-x', 'body'], ['append', 1, 2],
      ['create', 5, 'image', 'image'], ['attr', 5, 'src', '../../red.png'], ['attr', 5, 'mode', 'widthFix'], ['style', 5, 'width: 100px'], ['listen', 5, 'load', false, 0], ['append', 2, 5],
      ['create', 10, 'scroll-view', 'scroll-view'], ['attr', 10, 'scroll-y', true], ['style', 10, 'height: 200px'], ['listen', 10, 'scrolltolower', false, 0], ['id', 10, 'ab12--list'], ...sv, ['append', 2, 10],
      ['create', 20, 'swiper', 'swiper'], ['attr', 20, 'indicator-dots', true], ['attr', 20, 'duration', 100], ['listen', 20, 'change', false, 0], ...sw, ['append', 2, 20],
      ['create', 30, 'navigator', 'navigator'], ['attr', 30, 'url', '/pages/b/b'], ['createText', 31, 'Go to b'], ['append', 30, 31], ['id', 30, 'ab12--nav'], ['append', 2, 30],
      ['create', 40, 'rich-text', 'rich-text'], ['styleScope', 40, 'pg-1', null, null], ['attr', 40, 'nodes', '<p class="rt" style="color: rgb(0, 128, 0)">rich <img src="x" onerror="window.__pwned=1"></p>'], ['append', 2, 40],
    ],
  });
  await page.waitForTimeout(500);
  let sent = await takeSent(page);
  const load = sent.find((m) => m.t === 'event' && m.node === 5 && m.type === 'load');
  assert.deepEqual(load && load.detail, { width: 200, height: 100 });
  assert.equal(await page.evaluate(() => document.querySelector('wx-image').getBoundingClientRect().height), 50);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('wx-rich-text p')).color), 'rgb(0, 128, 0)');
  // rich-text classes are given in the template's style scope too, so page WXSS applies.
  assert.equal(await page.evaluate(() => document.querySelector('wx-rich-text p').className), 'rt pg-1--rt');

  // Scroll the scroll-view to its bottom with the wheel.
  const b = await page.evaluate(() => { const r = document.querySelector('#ab12--list').getBoundingClientRect(); return { x: r.x, y: r.y }; });
  await page.mouse.move(b.x + 50, b.y + 50);
  for (let i = 0; i < 6; i++) {
    await page.mouse.wheel(0, 150);
    await page.waitForTimeout(40);
  }
  await page.waitForTimeout(200);
  sent = await takeSent(page);
  assert.deepEqual(sent.filter((m) => m.t === 'event' && m.type === 'scrolltolower').map((m) => [m.node, m.detail]), [[10, { direction: 'bottom' }]]);

  // Swipe the swiper with the mouse.
  const s = await page.evaluate(() => { const r = document.querySelector('wx-swiper').getBoundingClientRect(); return { x: r.x, y: r.y }; });
  await page.mouse.move(s.x + 300, s.y + 75);
  await page.mouse.down();
  await page.mouse.move(s.x + 80, s.y + 75, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  sent = await takeSent(page);
  const change = sent.find((m) => m.t === 'event' && m.type === 'change');
  assert.deepEqual(change && [change.node, change.detail], [20, { current: 1, currentItemId: 's1', source: 'touch' }]);

  // The navigator asks the host to navigate (the core drops clicks for 600 ms after a drag).
  await page.waitForTimeout(400);
  await page.click('#ab12--nav');
  sent = await takeSent(page);
  const host = sent.find((m) => m.t === 'host');
  assert.deepEqual(host && [host.api, host.args], ['navigate', { openType: 'navigate', url: '/pages/b/b', delta: 1 }]);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(sent.filter((m) => m.t === 'viewError'), []);
  await page.screenshot({ path: path.join(SHOTS, 'components-core.png') });
  await page.close();
});

test('swiper and movable-view follow a real touch drag', async () => {
  const page = await browser.newPage({ viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });
  await page.route(/\/(__test\/.*|test\.html)$/, (route) => {
    const p = new URL(route.request().url()).pathname;
    if (p === '/test.html') return route.fulfill({ status: 200, contentType: 'text/html', headers: { 'content-security-policy': CSP }, body: PAGE });
    if (p === '/__test/mount.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: MOUNT });
    return route.fulfill({ status: 200, contentType: 'text/css', body: PAGE_CSS });
  });
  await page.goto(harness.url + 'test.html');
  await page.waitForFunction(() => window.__ready === true);
  await mount(page, { tag: 'swiper', id: 'ts', attrs: { duration: 100 }, style: 'height: 150px', children: slides(3) });
  const area = await mount(page, { tag: 'movable-area', id: 'ta', style: 'width: 300px; height: 200px' });
  await mount(page, { tag: 'movable-view', id: 'tv', attrs: { direction: 'all' }, style: 'width: 50px; height: 50px' }, area);
  await frame(page);
  const cdp = await page.context().newCDPSession(page);
  const swipe = async (x0, y0, x1, y1) => {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x0, y: y0 }] });
    for (let i = 1; i <= 8; i++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x0 + ((x1 - x0) * i) / 8, y: y0 + ((y1 - y0) * i) / 8 }] });
      await page.waitForTimeout(16);
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  };
  await swipe(300, 75, 60, 78);
  const seen = await waitEmitted(page, (e) => e.type === 'animationfinish');
  assert.deepEqual(seen.find((e) => e.type === 'change').detail, { current: 1, currentItemId: 'it1', source: 'touch' });
  const a = await rect(page, '#ta');
  await swipe(a.x + 25, a.y + 25, a.x + 125, a.y + 85);
  const moved = await take(page);
  const last = moved.filter((e) => e.type === 'change').pop();
  assert.deepEqual(last.detail, { x: 100, y: 60, source: 'touch' });
  // Two fingers spreading from 40 to 80 px apart double the scale.
  const pz = await mount(page, { tag: 'movable-area', style: 'width: 300px; height: 300px' });
  const pv = await mount(page, { tag: 'movable-view', id: 'pv', attrs: { direction: 'all', scale: true, 'scale-max': 4 }, style: 'width: 100px; height: 100px' }, pz);
  await frame(page);
  const r = await rect(page, '#pv');
  const cx = r.x + 50;
  const cy = r.y + 50;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: cx - 20, y: cy, id: 1 }, { x: cx + 20, y: cy, id: 2 }] });
  for (let i = 1; i <= 5; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: cx - 20 - 4 * i, y: cy, id: 1 }, { x: cx + 20 + 4 * i, y: cy, id: 2 }] });
    await page.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await page.waitForTimeout(50);
  const scales = (await take(page)).filter((e) => e.id === pv && e.type === 'scale');
  assert.ok(scales.length > 0);
  assert.ok(Math.abs(scales[scales.length - 1].detail.scale - 2) < 0.01, JSON.stringify(scales.pop()));
  assert.ok(Math.abs((await rect(page, '#pv')).width - 200) < 1);
  await page.close();
});

test('image lazy-load waits until near the viewport; page-container opens and leaves by its overlay', async () => {
  const page = await open();
  const far = await mount(page, { tag: 'image', id: 'far', attrs: { src: '/red.png', 'lazy-load': true }, style: 'margin-top: 4000px' });
  await page.waitForTimeout(300);
  assert.equal((await take(page)).filter((e) => e.id === far).length, 0);
  await page.evaluate(() => document.querySelector('#far').scrollIntoView());
  const seen = await waitEmitted(page, (e) => e.id === far && e.type === 'load');
  assert.ok(seen.some((e) => e.id === far && e.type === 'load'));
  await page.evaluate(() => window.scrollTo(0, 0));

  const pc = await mount(page, { tag: 'page-container', id: 'pc', attrs: { show: true, duration: 100, round: true }, children: [{ tag: 'view', style: 'height: 120px', children: ['panel'] }] });
  const opened = await waitEmitted(page, (e) => e.type === 'afterenter');
  assert.deepEqual(opened.filter((e) => e.id === pc).map((e) => e.type), ['beforeenter', 'enter', 'afterenter']);
  const panel = await page.evaluate(() => {
    const p = document.querySelector('#pc .wx-page-container').getBoundingClientRect();
    return [p.bottom, p.height, getComputedStyle(document.querySelector('#pc .wx-page-container')).borderTopLeftRadius];
  });
  assert.deepEqual(panel, [667, 120, '16px']);
  await page.mouse.click(100, 100);
  const left = await waitEmitted(page, (e) => e.type === 'afterleave');
  assert.deepEqual(left.filter((e) => e.id === pc).map((e) => e.type), ['clickoverlay', 'beforeleave', 'leave', 'afterleave']);
  assert.deepEqual(await page.evaluate(() => window.__models), [{ id: 2, name: 'show', value: false }]);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#pc .wx-page-container')).display), 'none');
  await page.close();
});
