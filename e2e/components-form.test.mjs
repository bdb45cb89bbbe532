// The form components (button, input, textarea, checkbox, radio, switch, slider, form, label)
// and the pickers, mounted on their own without the view core: the mount helper below builds
// the hosts, a ctx per component (docs/view.md "Components") and records what they emit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, launchBrowser } from './lib/harness.mjs';

// ---------------------------------------------------------------------------------------------
// Mount helper (generic): a page with the components' CSS under a strict CSP, and
// `window.__mount(spec)` where spec = {tag, key?, attrs?, children?: [spec | "text"], id?, style?,
// cls?, hostReply?}. Each component gets a ctx whose emit/model/host calls are recorded in
// `window.__emitted` / `__models` / `__host` as {key, ...}; `data-k=<key>` marks every host.

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:";
const PAGE = `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/css/view.css">
<link rel="stylesheet" href="/assets/css/form.css">
<link rel="stylesheet" href="/assets/css/picker.css">
</head><body></body></html>`;

const MODULES = ['/assets/components/form.js', '/assets/components/picker.js'];

async function installMount(page, modules) {
  await page.evaluate(async (mods) => {
    window.__emitted = [];
    window.__models = [];
    window.__host = [];
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    const registry = {};
    let ui = { toast() {} };
    for (const m of mods) {
      const mod = await import(m);
      Object.assign(registry, mod.default);
      if (mod.sheet) ui = { ...ui, sheet: mod.sheet };
    }
    document.body.style.cssText = 'margin:0;font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;font-size:16px;';
    // the core's view.css makes <view> a block; stand in for it until that exists
    const base = new CSSStyleSheet();
    base.replaceSync('wx-view, wx-page { display: block; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, base];
    const root = document.createElement('wx-page');
    root.style.cssText = 'display:block;';
    document.body.appendChild(root);
    const instances = new WeakMap();
    const byKey = new Map();
    let next = 1;
    const plain = (v) => (v === undefined ? null : JSON.parse(JSON.stringify(v)));
    function build(spec) {
      if (typeof spec === 'string') return document.createTextNode(spec);
      const el = document.createElement(`wx-${spec.tag}`);
      const key = spec.key || spec.tag;
      el.setAttribute('data-k', key);
      if (spec.id) el.id = spec.id;
      if (spec.style) el.style.cssText = spec.style;
      if (spec.cls) el.className = spec.cls;
      const comp = registry[spec.tag];
      let inst = null;
      if (comp) {
        const ctx = {
          el,
          id: next++,
          page: root,
          emit: (type, detail, opts) => window.__emitted.push({ key, type, detail: plain(detail), opts: plain(opts) }),
          listens: () => true,
          model: (name, value) => window.__models.push({ key, name, value: plain(value) }),
          instanceOf: (node) => instances.get(node) || null,
          url: (src) => (typeof src === 'string' && src.startsWith('/') ? `/__cove/pkg${src}` : null),
          ui,
          host: (api, args) => {
            window.__host.push({ key, api, args: plain(args) });
            return Promise.resolve(spec.hostReply === undefined ? {} : spec.hostReply);
          },
        };
        inst = comp.create(ctx);
        instances.set(el, inst);
        byKey.set(key, inst);
        for (const [name, value] of Object.entries(spec.attrs || {})) inst.attr(name, value);
      }
      const slot = (inst && inst.slot) || el;
      for (const c of spec.children || []) slot.appendChild(build(c));
      return el;
    }
    // As the core does it: attributes, then children, then the finished subtree is attached.
    window.__mount = (spec) => root.appendChild(build(spec)) && true;
    window.__attr = (key, name, value) => byKey.get(key).attr(name, value);
    window.__inst = (key) => byKey.get(key);
  }, modules);
}

/** A fresh page on the harness server with the mount helper ready. */
async function openPage(browser, server, { width = 375, height = 667 } = {}) {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 2 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route(server.url, (route) => route.fulfill({
    status: 200, contentType: 'text/html', headers: { 'content-security-policy': CSP }, body: PAGE,
  }));
  await page.goto(server.url);
  await installMount(page, MODULES);
  page.errors = errors;
  return page;
}

const mount = (page, spec) => page.evaluate((s) => window.__mount(s), spec);
const setAttr = (page, key, name, value) => page.evaluate(([k, n, v]) => window.__attr(k, n, v), [key, name, value]);
const emitted = (page, key, type) => page.evaluate(([k, t]) => window.__emitted.filter((e) => (!k || e.key === k) && (!t || e.type === t)), [key, type]);
const models = (page) => page.evaluate(() => window.__models);
const clearLog = (page) => page.evaluate(() => { window.__emitted.length = 0; window.__models.length = 0; });
const host = (page, key) => page.locator(`[data-k="${key}"]`);

/** Wait until `key` has emitted `type` `count` times; returns those events. */
async function waitEmitted(page, key, type, count = 1, timeout = 4000) {
  await page.waitForFunction(([k, t, n]) => window.__emitted.filter((e) => e.key === k && e.type === t).length >= n,
    [key, type, count], { timeout });
  return emitted(page, key, type);
}

/** A mouse drag like a finger: press, move in steps, hold still, release (no fling). */
async function drag(page, from, to, { steps = 10, hold = 150 } = {}) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps });
  await page.waitForTimeout(hold);
  await page.mouse.up();
}

async function center(locator) {
  const b = await locator.boundingBox();
  return { x: b.x + b.width / 2, y: b.y + b.height / 2, box: b };
}

// ---------------------------------------------------------------------------------------------

let server;
let browser;
before(async () => {
  server = await startHarness();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.close();
});

async function withPage(fn, opts) {
  const page = await openPage(browser, server, opts);
  try {
    await fn(page);
    assert.deepEqual(page.errors, [], 'no page errors');
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
  } finally {
    await page.close();
  }
}

const pickerItems = ['美国', '中国', '巴西', '日本', '英国', '法国'];

test('button: WeChat v2 look for primary, default, warn, mini, plain, disabled, loading', () => withPage(async (page) => {
  await mount(page, { tag: 'button', key: 'p', attrs: { type: 'primary' }, children: ['主要'] });
  await mount(page, { tag: 'button', key: 'd', children: ['默认'] });
  await mount(page, { tag: 'button', key: 'w', attrs: { type: 'warn' }, children: ['警告'] });
  await mount(page, { tag: 'button', key: 'm', attrs: { type: 'primary', size: 'mini' }, children: ['mini'] });
  await mount(page, { tag: 'button', key: 'pl', attrs: { type: 'primary', plain: true }, children: ['plain'] });
  await mount(page, { tag: 'button', key: 'x', attrs: { type: 'primary', disabled: true }, children: ['disabled'] });
  await mount(page, { tag: 'button', key: 'l', attrs: { type: 'primary', loading: true }, children: ['loading'] });
  const css = (key) => page.evaluate((k) => {
    const cs = getComputedStyle(document.querySelector(`[data-k="${k}"]`));
    const before = getComputedStyle(document.querySelector(`[data-k="${k}"]`), '::before');
    return { bg: cs.backgroundColor, color: cs.color, width: cs.width, display: cs.display, font: cs.fontSize,
      weight: cs.fontWeight, radius: cs.borderRadius, border: cs.borderTopColor, ml: cs.marginLeft, before: before.content, h: cs.height };
  }, key);
  const p = await css('p');
  assert.equal(p.bg, 'rgb(7, 193, 96)');
  assert.equal(p.color, 'rgb(255, 255, 255)');
  assert.equal(p.width, '184px');
  assert.equal(p.display, 'block');
  assert.equal(p.font, '17px');
  assert.equal(p.weight, '700');
  assert.equal(p.ml, `${(375 - 184) / 2}px`, 'centred');
  assert.ok(parseFloat(p.h) >= 44 && parseFloat(p.h) <= 50, `height ${p.h}`);
  const d = await css('d');
  assert.equal(d.bg, 'rgb(242, 242, 242)');
  assert.equal(d.color, 'rgb(6, 174, 86)');
  assert.equal((await css('w')).color, 'rgb(250, 81, 81)');
  const m = await css('m');
  assert.equal(m.display, 'inline-block');
  assert.equal(m.font, '13px');
  const pl = await css('pl');
  assert.equal(pl.bg, 'rgba(0, 0, 0, 0)');
  assert.equal(pl.border, 'rgb(7, 193, 96)');
  const x = await css('x');
  assert.equal(x.color, 'rgba(0, 0, 0, 0.2)');
  assert.equal(x.bg, 'rgb(242, 242, 242)');
  assert.equal((await css('l')).before, '""', 'spinner before the text');
  // the core adds hover-class; ours darkens with an overlay
  const hover = await page.evaluate(() => {
    const el = document.querySelector('[data-k="p"]');
    el.classList.add('button-hover');
    return getComputedStyle(el).backgroundImage;
  });
  assert.match(hover, /linear-gradient\(rgba\(0, 0, 0, 0\.1\)/);
}));

test('form: a submit button collects input, textarea, switch, checkbox-group, radio-group, slider, picker, picker-view', () => withPage(async (page) => {
  await mount(page, {
    tag: 'form', key: 'f', attrs: { 'report-submit': true }, children: [
      { tag: 'input', key: 'in', attrs: { name: 'user', value: 'alice' } },
      { tag: 'textarea', key: 'ta', attrs: { name: 'bio', value: 'hi\nthere' } },
      { tag: 'switch', key: 'sw', attrs: { name: 'sw', checked: true } },
      { tag: 'checkbox-group', key: 'cg', attrs: { name: 'fruits' }, children: [
        { tag: 'checkbox', key: 'c1', attrs: { value: 'apple', checked: true }, children: ['apple'] },
        { tag: 'checkbox', key: 'c2', attrs: { value: 'pear' }, children: ['pear'] },
        { tag: 'checkbox', key: 'c3', attrs: { value: 'kiwi', checked: true }, children: ['kiwi'] },
      ] },
      { tag: 'radio-group', key: 'rg', attrs: { name: 'size' }, children: [
        { tag: 'radio', key: 'r1', attrs: { value: 's' }, children: ['S'] },
        { tag: 'radio', key: 'r2', attrs: { value: 'm', checked: true }, children: ['M'] },
      ] },
      { tag: 'slider', key: 'sl', attrs: { name: 'vol', value: 30 } },
      { tag: 'picker', key: 'pk', attrs: { name: 'country', range: pickerItems, value: 2 }, children: [{ tag: 'view', children: ['国家'] }] },
      { tag: 'picker-view', key: 'pv', attrs: { name: 'pv', value: [1] }, style: 'height:170px', children: [
        { tag: 'picker-view-column', children: ['a', 'b', 'c'].map((t) => ({ tag: 'view', style: 'height:34px', children: [t] })) },
      ] },
      { tag: 'input', key: 'anon', attrs: { value: 'not named' } },
      { tag: 'button', key: 'submit', attrs: { 'form-type': 'submit', type: 'primary' }, children: ['提交'] },
    ],
  });
  await host(page, 'submit').click();
  const [ev] = await waitEmitted(page, 'f', 'submit');
  assert.deepEqual(ev.detail, {
    value: { user: 'alice', bio: 'hi\nthere', sw: true, fruits: ['apple', 'kiwi'], size: 'm', vol: 30, country: 2, pv: [1] },
    formId: 'the formId is a mock one',
  });
  // and the user's edits are what goes next
  await host(page, 'in').locator('input').fill('bob');
  await host(page, 'c2').click();
  await host(page, 'r1').click();
  await host(page, 'sw').click();
  await host(page, 'submit').click();
  const evs = await waitEmitted(page, 'f', 'submit', 2);
  const v = evs[1].detail.value;
  assert.equal(v.user, 'bob');
  assert.deepEqual(v.fruits, ['apple', 'pear', 'kiwi']);
  assert.equal(v.size, 's');
  assert.equal(v.sw, false);
}));

test('form: a reset button resets every field and emits reset', () => withPage(async (page) => {
  await mount(page, {
    tag: 'form', key: 'f', children: [
      { tag: 'input', key: 'in', attrs: { name: 'user', value: 'alice', placeholder: '名字' } },
      { tag: 'switch', key: 'sw', attrs: { name: 'sw', checked: true } },
      { tag: 'checkbox-group', key: 'cg', attrs: { name: 'c' }, children: [
        { tag: 'checkbox', key: 'c1', attrs: { value: 'a', checked: true } },
      ] },
      { tag: 'radio-group', key: 'rg', attrs: { name: 'r' }, children: [{ tag: 'radio', attrs: { value: 'x', checked: true } }] },
      { tag: 'slider', key: 'sl', attrs: { name: 'sl', value: 50, min: 10 } },
      { tag: 'picker', key: 'pk', attrs: { name: 'pk', mode: 'date', value: '2024-02-03' }, children: ['date'] },
      { tag: 'button', key: 'reset', attrs: { 'form-type': 'reset' }, children: ['重置'] },
      { tag: 'button', key: 'submit', attrs: { 'form-type': 'submit' }, children: ['提交'] },
    ],
  });
  await host(page, 'reset').click();
  await waitEmitted(page, 'f', 'reset');
  assert.equal(await host(page, 'in').locator('input').inputValue(), '');
  assert.equal(await host(page, 'in').locator('.wx-input-placeholder').isVisible(), true, 'placeholder back');
  assert.equal(await host(page, 'c1').locator('.wx-checkbox-input-checked').count(), 0);
  assert.equal(await host(page, 'sw').locator('.wx-switch-input-checked').count(), 0);
  await host(page, 'submit').click();
  const [ev] = await waitEmitted(page, 'f', 'submit');
  assert.deepEqual(ev.detail.value, { user: '', sw: false, c: [], r: '', sl: 10, pk: '' });
  assert.ok((await models(page)).some((m) => m.key === 'in' && m.name === 'value' && m.value === ''), 'model:value reset');
}));

test('input: typing emits input with value, cursor and keyCode, and model:value', () => withPage(async (page) => {
  await mount(page, { tag: 'input', key: 'in', attrs: { placeholder: '请输入', 'placeholder-style': 'color: rgb(255, 0, 0)' } });
  const ph = host(page, 'in').locator('.wx-input-placeholder');
  assert.equal(await ph.textContent(), '请输入');
  assert.equal(await ph.evaluate((n) => getComputedStyle(n).color), 'rgb(255, 0, 0)', 'placeholder-style via the CSSOM');
  await host(page, 'in').click();
  await waitEmitted(page, 'in', 'focus');
  await page.keyboard.type('hi');
  const ins = await waitEmitted(page, 'in', 'input', 2);
  assert.deepEqual(ins.map((e) => e.detail), [
    { value: 'h', cursor: 1, keyCode: 72 },
    { value: 'hi', cursor: 2, keyCode: 73 },
  ]);
  assert.equal(await ph.isVisible(), false, 'placeholder hidden once there is text');
  assert.deepEqual((await models(page)).map((m) => [m.name, m.value]), [['value', 'h'], ['value', 'hi']]);
  // the container echoing the value back must not move the caret
  await page.keyboard.press('ArrowLeft');
  await setAttr(page, 'in', 'value', 'hi');
  await page.keyboard.type('!');
  assert.equal(await host(page, 'in').locator('input').inputValue(), 'h!i');
  // Enter confirms and (without confirm-hold) blurs
  await page.keyboard.press('Enter');
  const [c] = await waitEmitted(page, 'in', 'confirm');
  assert.deepEqual(c.detail, { value: 'h!i' });
  const [b] = await waitEmitted(page, 'in', 'blur');
  assert.deepEqual(b.detail, { value: 'h!i' });
}));

test('input: maxlength (default 140, -1 unlimited), number and digit filtering', () => withPage(async (page) => {
  await mount(page, { tag: 'input', key: 'five', attrs: { maxlength: 5 } });
  await mount(page, { tag: 'input', key: 'dflt', attrs: { value: 'x'.repeat(200) } });
  await mount(page, { tag: 'input', key: 'inf', attrs: { maxlength: -1, value: 'y'.repeat(200) } });
  await mount(page, { tag: 'input', key: 'num', attrs: { type: 'number' } });
  await mount(page, { tag: 'input', key: 'dig', attrs: { type: 'digit' } });
  await host(page, 'five').click();
  await page.keyboard.type('abcdefgh');
  assert.equal(await host(page, 'five').locator('input').inputValue(), 'abcde');
  assert.equal((await host(page, 'dflt').locator('input').inputValue()).length, 140);
  assert.equal((await host(page, 'inf').locator('input').inputValue()).length, 200);
  await host(page, 'num').click();
  await page.keyboard.type('1a2.3');
  assert.equal(await host(page, 'num').locator('input').inputValue(), '123');
  assert.equal(await host(page, 'num').locator('input').getAttribute('inputmode'), 'numeric');
  await host(page, 'dig').click();
  await page.keyboard.type('4.5x');
  assert.equal(await host(page, 'dig').locator('input').inputValue(), '4.5');
  const last = (await emitted(page, 'num', 'input')).pop();
  assert.deepEqual(last.detail.value, '123');
}));

test('input: focus attribute, placeholder-class, confirm-hold, disabled', () => withPage(async (page) => {
  await mount(page, { tag: 'input', key: 'a', attrs: { focus: true, value: 'abc', cursor: 1, 'confirm-hold': true, 'placeholder-class': 'ph' } });
  await mount(page, { tag: 'input', key: 'b', attrs: { disabled: true, value: 'off' } });
  const [f] = await waitEmitted(page, 'a', 'focus');
  assert.deepEqual(f.detail, { value: 'abc', height: 0 });
  assert.equal(await host(page, 'a').locator('input').evaluate((n) => n.selectionStart), 1, 'cursor attribute');
  assert.deepEqual(await host(page, 'a').locator('.wx-input-placeholder').evaluate((n) => [...n.classList]), ['wx-input-placeholder', 'ph']);
  await page.keyboard.press('Enter');
  await waitEmitted(page, 'a', 'confirm');
  assert.equal(await host(page, 'a').locator('input').evaluate((n) => document.activeElement === n), true, 'confirm-hold keeps focus');
  await setAttr(page, 'a', 'focus', false);
  await waitEmitted(page, 'a', 'blur');
  await host(page, 'b').click();
  await page.keyboard.type('x');
  assert.equal(await host(page, 'b').locator('input').inputValue(), 'off');
  assert.deepEqual(await emitted(page, 'b'), []);
}));

test('input: password type and password attribute', () => withPage(async (page) => {
  await mount(page, { tag: 'input', key: 'a', attrs: { type: 'password' } });
  await mount(page, { tag: 'input', key: 'b', attrs: { password: true } });
  await mount(page, { tag: 'input', key: 'c', attrs: { password: 'false' } });
  assert.equal(await host(page, 'a').locator('input').getAttribute('type'), 'password');
  assert.equal(await host(page, 'b').locator('input').getAttribute('type'), 'password');
  assert.equal(await host(page, 'c').locator('input').getAttribute('type'), 'text');
  await host(page, 'b').click();
  await page.keyboard.type('s3cret');
  const [ev] = (await emitted(page, 'b', 'input')).slice(-1);
  assert.equal(ev.detail.value, 's3cret');
}));

test('textarea: default 300x150, auto-height grows with lines and emits linechange', () => withPage(async (page) => {
  await mount(page, { tag: 'textarea', key: 't', attrs: { placeholder: '多行' } });
  await mount(page, { tag: 'textarea', key: 'auto', attrs: { 'auto-height': true }, style: 'line-height:20px;font-size:16px' });
  await page.waitForTimeout(50); // lines are counted once the host is laid out
  const size = await host(page, 't').evaluate((n) => [n.offsetWidth, n.offsetHeight]);
  assert.deepEqual(size, [300, 150]);
  const h0 = await host(page, 'auto').evaluate((n) => n.offsetHeight);
  await host(page, 'auto').click();
  await page.keyboard.type('one');
  await page.keyboard.press('Enter');
  await page.keyboard.type('two');
  await page.keyboard.press('Enter');
  await page.keyboard.type('three');
  const h1 = await host(page, 'auto').evaluate((n) => n.offsetHeight);
  assert.equal(h0, 20);
  assert.equal(h1, 60);
  const lc = await waitEmitted(page, 'auto', 'linechange', 2);
  assert.deepEqual(lc.map((e) => e.detail.lineCount), [2, 3]);
  assert.equal(lc[1].detail.height, 60);
  assert.equal(lc[1].detail.heightRpx, 120);
  const last = (await emitted(page, 'auto', 'input')).pop();
  assert.equal(last.detail.value, 'one\ntwo\nthree');
}));

test('checkbox-group: change lists checked values in DOM order; disabled boxes ignore taps', () => withPage(async (page) => {
  await mount(page, {
    tag: 'checkbox-group', key: 'g', children: ['a', 'b', 'c'].map((v) => ({ tag: 'checkbox', key: v, attrs: { value: v, disabled: v === 'b' }, children: [v.toUpperCase()] })),
  });
  await host(page, 'c').click();
  await host(page, 'a').click();
  await host(page, 'b').click();
  const evs = await waitEmitted(page, 'g', 'change', 2);
  assert.deepEqual(evs.map((e) => e.detail.value), [['c'], ['a', 'c']]);
  const tick = await host(page, 'a').locator('.wx-checkbox-input').evaluate((n) => {
    const cs = getComputedStyle(n);
    return [cs.width, cs.height, getComputedStyle(n, '::before').borderRightColor];
  });
  assert.deepEqual(tick, ['22px', '22px', 'rgb(9, 187, 7)']);
  await host(page, 'a').click();
  const all = await waitEmitted(page, 'g', 'change', 3);
  assert.deepEqual(all[2].detail.value, ['c']);
}));

test('radio-group and switch: change details', () => withPage(async (page) => {
  await mount(page, {
    tag: 'radio-group', key: 'g', children: ['x', 'y'].map((v) => ({ tag: 'radio', key: v, attrs: { value: v, color: '#ff0000' }, children: [v] })),
  });
  await mount(page, { tag: 'switch', key: 's', attrs: { color: 'rgb(0, 0, 255)' } });
  await mount(page, { tag: 'switch', key: 'sc', attrs: { type: 'checkbox' } });
  await host(page, 'y').click();
  await host(page, 'y').click(); // a checked radio stays checked
  await host(page, 'x').click();
  const evs = await waitEmitted(page, 'g', 'change', 2);
  assert.deepEqual(evs.map((e) => e.detail.value), ['y', 'x']);
  assert.equal(await host(page, 'y').locator('.wx-radio-input-checked').count(), 0);
  assert.equal(await host(page, 'x').locator('.wx-radio-input').evaluate((n) => getComputedStyle(n).backgroundColor), 'rgb(255, 0, 0)');
  await host(page, 's').click();
  await host(page, 's').click();
  const sw = await waitEmitted(page, 's', 'change', 2);
  assert.deepEqual(sw.map((e) => e.detail), [{ value: true }, { value: false }]);
  await host(page, 's').click();
  await page.waitForTimeout(350);
  const knob = await host(page, 's').locator('.wx-switch-input').evaluate((n) => [getComputedStyle(n).backgroundColor, getComputedStyle(n, '::after').transform]);
  assert.deepEqual(knob, ['rgb(0, 0, 255)', 'matrix(1, 0, 0, 1, 20, 0)']);
  await host(page, 'sc').click();
  assert.equal(await host(page, 'sc').locator('.wx-checkbox-input-checked').count(), 1);
  assert.deepEqual((await waitEmitted(page, 'sc', 'change'))[0].detail, { value: true });
}));

test('label: a tap on its text toggles the checkbox inside, or the control named by for=', () => withPage(async (page) => {
  await mount(page, {
    tag: 'checkbox-group', key: 'g', children: [
      { tag: 'label', key: 'l1', children: [{ tag: 'checkbox', key: 'c', attrs: { value: 'c' } }, { tag: 'text', key: 'txt', children: ['同意条款'] }] },
    ],
  });
  await mount(page, { tag: 'label', key: 'l2', attrs: { for: 'sw' }, children: [{ tag: 'view', key: 'lt', children: ['开关标签'] }] });
  await mount(page, { tag: 'switch', key: 'sw', id: 'a1b2c3--sw' });
  await host(page, 'txt').click();
  assert.deepEqual((await waitEmitted(page, 'g', 'change'))[0].detail.value, ['c']);
  // a tap on the checkbox itself toggles it once, not twice
  await host(page, 'c').click();
  const evs = await waitEmitted(page, 'g', 'change', 2);
  assert.deepEqual(evs[1].detail.value, []);
  await host(page, 'lt').click();
  assert.deepEqual((await waitEmitted(page, 'sw', 'change'))[0].detail, { value: true });
}));

test('slider: a mouse drag on the track emits changing while moving and change on release', () => withPage(async (page) => {
  await mount(page, { tag: 'slider', key: 's', attrs: { min: 0, max: 100, step: 5, value: 10, 'show-value': true, activeColor: '#ff0000', 'block-size': 20 } });
  const rail = await host(page, 's').locator('.wx-slider-handle-wrapper').boundingBox();
  const thumb = await center(host(page, 's').locator('.wx-slider-thumb'));
  assert.ok(Math.abs(thumb.x - (rail.x + rail.width * 0.1)) < 1.5, 'thumb at 10%');
  assert.equal(thumb.box.width, 20);
  const y = rail.y + rail.height / 2;
  await drag(page, { x: thumb.x, y }, { x: rail.x + rail.width * 0.5, y }, { steps: 8 });
  const changing = await emitted(page, 's', 'changing');
  assert.ok(changing.length >= 3, `changing fired ${changing.length} times`);
  const vals = changing.map((e) => e.detail.value);
  assert.deepEqual(vals, [...vals].sort((a, b) => a - b), 'values grow with the drag');
  assert.ok(vals.every((v) => v % 5 === 0), 'values follow step');
  const [ch] = await waitEmitted(page, 's', 'change');
  assert.deepEqual(ch.detail, { value: 50 });
  assert.equal(await host(page, 's').locator('.wx-slider-value').textContent(), '50');
  assert.equal(await host(page, 's').locator('.wx-slider-track').evaluate((n) => getComputedStyle(n).backgroundColor), 'rgb(255, 0, 0)');
  // a tap elsewhere on the track jumps there
  await page.mouse.click(rail.x + rail.width * 0.8, y);
  const evs = await waitEmitted(page, 's', 'change', 2);
  assert.deepEqual(evs[1].detail, { value: 80 });
}));

/** The wheel of sheet column k: its centre, the row height and the scroller locator. */
async function sheetColumn(page, k) {
  const scroller = page.locator('.wx-picker-sheet .wx-picker-col').nth(k).locator('.wx-picker-scroller');
  const c = await center(scroller);
  return { ...c, scroller };
}

async function openSheet(page, key) {
  await host(page, key).click();
  await page.locator('.wx-picker-sheet.wx-picker-sheet-show').waitFor();
  await page.waitForTimeout(350); // slide-in transition
}

async function confirmSheet(page) {
  await page.locator('.wx-picker-sheet .wx-picker-confirm').click();
  await page.locator('.wx-picker-sheet').waitFor({ state: 'detached' });
}

test('picker selector: a drag in the sheet then 确定 emits change with the index', () => withPage(async (page) => {
  await mount(page, { tag: 'picker', key: 'p', attrs: { range: pickerItems.map((name, id) => ({ id, name })), 'range-key': 'name', value: 1, 'header-text': '选择国家' }, children: [{ tag: 'view', children: ['当前选择：中国'] }] });
  await openSheet(page, 'p');
  assert.equal(await page.locator('.wx-picker-title').textContent(), '选择国家');
  const rows = await page.locator('.wx-picker-item').allTextContents();
  assert.deepEqual(rows, pickerItems);
  const col = await sheetColumn(page, 0);
  // the highlighted middle row is the current value
  const middle = await page.evaluate(({ x, y }) => document.elementsFromPoint(x, y).find((n) => n.classList.contains("wx-picker-item"))?.textContent, { x: col.x, y: col.y });
  assert.equal(middle, '中国');
  // drag up by two rows (48px each)
  await drag(page, { x: col.x, y: col.y + 40 }, { x: col.x, y: col.y + 40 - 96 });
  await page.waitForTimeout(600);
  await confirmSheet(page);
  const [ev] = await waitEmitted(page, 'p', 'change');
  assert.deepEqual(ev.detail, { value: 3 });
  assert.deepEqual((await models(page)).pop(), { key: 'p', name: 'value', value: 3 });
  // opening again starts from the choice; cancel emits cancel and no change
  await openSheet(page, 'p');
  const again = await page.evaluate(({ x, y }) => document.elementsFromPoint(x, y).find((n) => n.classList.contains("wx-picker-item"))?.textContent, { x: col.x, y: col.y });
  assert.equal(again, '日本');
  await page.locator('.wx-picker-cancel').click();
  await waitEmitted(page, 'p', 'cancel');
  assert.equal((await emitted(page, 'p', 'change')).length, 1);
  // disabled: no sheet
  await setAttr(page, 'p', 'disabled', true);
  await host(page, 'p').click();
  await page.waitForTimeout(100);
  assert.equal(await page.locator('.wx-picker-sheet').count(), 0);
}));

test('picker date: tapping rows picks year, month and day within start/end; the day follows the month', () => withPage(async (page) => {
  await mount(page, { tag: 'picker', key: 'd', attrs: { mode: 'date', value: '2024-01-31', start: '2020-01-01', end: '2030-12-31' }, children: ['日期'] });
  await openSheet(page, 'd');
  const cols = await page.locator('.wx-picker-col').count();
  assert.equal(cols, 3);
  const years = await page.locator('.wx-picker-col').nth(0).locator('.wx-picker-item').allTextContents();
  assert.equal(years[0], '2020年');
  assert.equal(years.at(-1), '2030年');
  // tap the row just below the middle in the month column: February
  const month = await sheetColumn(page, 1);
  await page.mouse.click(month.x, month.y + 48);
  await page.waitForTimeout(700);
  const days = await page.locator('.wx-picker-col').nth(2).locator('.wx-picker-item').allTextContents();
  assert.equal(days.length, 29, 'February 2024 has 29 days');
  await confirmSheet(page);
  const [ev] = await waitEmitted(page, 'd', 'change');
  assert.deepEqual(ev.detail, { value: '2024-02-29' });

  await mount(page, { tag: 'picker', key: 'ym', attrs: { mode: 'date', fields: 'month', value: '2021-05', start: '2021-03', end: '2022-02' }, children: ['年月'] });
  await openSheet(page, 'ym');
  assert.equal(await page.locator('.wx-picker-col').count(), 2);
  assert.deepEqual(await page.locator('.wx-picker-col').nth(1).locator('.wx-picker-item').allTextContents(),
    ['03月', '04月', '05月', '06月', '07月', '08月', '09月', '10月', '11月', '12月']);
  await confirmSheet(page);
  assert.deepEqual((await waitEmitted(page, 'ym', 'change'))[0].detail, { value: '2021-05' });
}));

test('picker time and region', () => withPage(async (page) => {
  await mount(page, { tag: 'picker', key: 't', attrs: { mode: 'time', value: '09:30', start: '09:15', end: '18:00' }, children: ['时间'] });
  await openSheet(page, 't');
  const mins = await page.locator('.wx-picker-col').nth(1).locator('.wx-picker-item').allTextContents();
  assert.equal(mins[0], '15', 'the first hour starts at the start minute');
  const hour = await sheetColumn(page, 0);
  await page.mouse.click(hour.x, hour.y + 48);
  await page.waitForTimeout(700);
  assert.equal(await page.locator('.wx-picker-col').nth(1).locator('.wx-picker-item').count(), 60);
  await confirmSheet(page);
  assert.deepEqual((await waitEmitted(page, 't', 'change'))[0].detail, { value: '10:30' });

  await mount(page, { tag: 'picker', key: 'r', attrs: { mode: 'region', value: ['广东省', '广州市', '海珠区'] }, children: ['地区'] });
  await openSheet(page, 'r');
  const provinces = await page.locator('.wx-picker-col').nth(0).locator('.wx-picker-item').count();
  assert.equal(provinces, 34);
  const district = await sheetColumn(page, 2);
  await page.mouse.click(district.x, district.y + 48);
  await page.waitForTimeout(700);
  await confirmSheet(page);
  assert.deepEqual((await waitEmitted(page, 'r', 'change'))[0].detail, {
    value: ['广东省', '广州市', '天河区'], code: ['440000', '440100', '440106'],
  });

  await mount(page, { tag: 'picker', key: 'rc', attrs: { mode: 'region', 'custom-item': '全部', level: 'city' }, children: ['城市'] });
  await openSheet(page, 'rc');
  assert.equal(await page.locator('.wx-picker-col').count(), 2);
  assert.equal(await page.locator('.wx-picker-col').nth(0).locator('.wx-picker-item').first().textContent(), '全部');
  await confirmSheet(page);
  assert.deepEqual((await waitEmitted(page, 'rc', 'change'))[0].detail, { value: ['全部', '全部'], code: ['', ''] });
}));

test('picker multiSelector: columnchange while scrolling, range updates in the open sheet, change on confirm', () => withPage(async (page) => {
  const range = [['无脊柱动物', '脊柱动物'], ['扁性动物', '线形动物', '环节动物']];
  await mount(page, { tag: 'picker', key: 'm', attrs: { mode: 'multiSelector', range, value: [0, 0] }, children: ['多列'] });
  await openSheet(page, 'm');
  const c0 = await sheetColumn(page, 0);
  await drag(page, { x: c0.x, y: c0.y }, { x: c0.x, y: c0.y - 48 });
  const [cc] = await waitEmitted(page, 'm', 'columnchange');
  assert.deepEqual(cc.detail, { column: 0, value: 1 });
  // the app answers with new columns, as WeChat's sample does
  await setAttr(page, 'm', 'range', [range[0], ['鱼', '两栖动物', '爬行动物']]);
  await setAttr(page, 'm', 'value', [1, 0]);
  assert.deepEqual(await page.locator('.wx-picker-col').nth(1).locator('.wx-picker-item').allTextContents(), ['鱼', '两栖动物', '爬行动物']);
  const c1 = await sheetColumn(page, 1);
  await drag(page, { x: c1.x, y: c1.y }, { x: c1.x, y: c1.y - 96 });
  const ccs = await waitEmitted(page, 'm', 'columnchange', 2);
  assert.deepEqual(ccs[1].detail, { column: 1, value: 2 });
  await confirmSheet(page);
  assert.deepEqual((await waitEmitted(page, 'm', 'change'))[0].detail, { value: [1, 2] });
}));

test('picker-view: value positions the columns; a mouse drag and the wheel emit change, pickstart, pickend', () => withPage(async (page) => {
  const col = (n, prefix) => ({ tag: 'picker-view-column', children: Array.from({ length: n }, (_, i) => ({ tag: 'view', style: 'line-height:50px;text-align:center', children: [`${prefix}${i}`] })) });
  await mount(page, {
    tag: 'picker-view', key: 'pv', attrs: { value: [1, 99], 'indicator-style': 'height: 50px;' }, style: 'width:100%;height:250px',
    children: [col(10, 'y'), col(12, 'm')],
  });
  await page.waitForTimeout(100);
  const ind = await center(host(page, 'pv').locator('.wx-picker-view-indicator'));
  assert.equal(ind.box.height, 50);
  const picked = () => page.evaluate(({ x, y }) => {
    const cols = document.querySelectorAll('wx-picker-view-column');
    return Array.from(cols, (c) => {
      const r = c.getBoundingClientRect();
      const hit = document.elementsFromPoint(r.left + r.width / 2, y).find((n) => n.localName === 'wx-view');
      return hit ? hit.textContent : null;
    });
  }, ind);
  assert.deepEqual(await picked(), ['y1', 'm11'], 'a value past the end picks the last row');
  const c0 = await center(host(page, 'pv').locator('wx-picker-view-column').nth(0));
  await drag(page, { x: c0.x, y: c0.y }, { x: c0.x, y: c0.y - 100 });
  const [ch] = await waitEmitted(page, 'pv', 'change');
  assert.deepEqual(ch.detail, { value: [3, 11] });
  assert.equal((await emitted(page, 'pv', 'pickstart')).length, 1);
  await waitEmitted(page, 'pv', 'pickend');
  assert.deepEqual(await picked(), ['y3', 'm11']);
  // the mouse wheel scrolls a column natively and snaps to a row
  const c1 = await center(host(page, 'pv').locator('wx-picker-view-column').nth(1));
  await page.mouse.move(c1.x, c1.y);
  await page.mouse.wheel(0, -120);
  const evs = await waitEmitted(page, 'pv', 'change', 2);
  const v = evs[1].detail.value;
  assert.equal(v[0], 3);
  assert.ok(v[1] < 11, `moved up: ${v[1]}`);
  await page.waitForTimeout(300);
  const top = await host(page, 'pv').locator('.wx-picker-view-scroller').nth(1).evaluate((n) => n.scrollTop);
  assert.equal(top % 50, 0, 'snapped to a row');
  // the app setting value moves the wheels without events
  const before = (await emitted(page, 'pv')).length;
  await setAttr(page, 'pv', 'value', [5, 2]);
  await page.waitForTimeout(400);
  assert.deepEqual(await picked(), ['y5', 'm2']);
  assert.equal((await emitted(page, 'pv')).length, before);
}));

test('picker-view immediate-change: change comes when the mouse lets go, before the wheel stops', () => withPage(async (page) => {
  const rows = Array.from({ length: 8 }, (_, i) => ({ tag: 'view', style: 'height:40px', children: [`r${i}`] }));
  await mount(page, { tag: 'picker-view', key: 'a', attrs: { 'immediate-change': true }, style: 'height:200px', children: [{ tag: 'picker-view-column', children: rows }] });
  await page.waitForTimeout(100);
  assert.equal(await host(page, 'a').locator('.wx-picker-view-indicator').evaluate((n) => n.offsetHeight), 40, 'indicator follows the row height');
  const c = await center(host(page, 'a'));
  await drag(page, { x: c.x, y: c.y }, { x: c.x, y: c.y - 90 });
  const now = await emitted(page, 'a', 'change');
  assert.deepEqual(now.map((e) => e.detail), [{ value: [2] }], 'at release');
  await waitEmitted(page, 'a', 'pickend');
  assert.equal((await emitted(page, 'a', 'change')).length, 1, 'no second change once settled');
}));

test('slider disabled ignores drags', () => withPage(async (page) => {
  await mount(page, { tag: 'slider', key: 's', attrs: { value: 20, disabled: true } });
  const rail = await host(page, 's').locator('.wx-slider-handle-wrapper').boundingBox();
  const y = rail.y + 1;
  await drag(page, { x: rail.x + rail.width * 0.2, y }, { x: rail.x + rail.width * 0.9, y });
  assert.deepEqual(await emitted(page, 's'), []);
  assert.equal(await host(page, 's').locator('.wx-slider-track').evaluate((n) => getComputedStyle(n).backgroundColor), 'rgb(204, 204, 204)');
}));

test('button open-type asks the host and reports the answer', () => withPage(async (page) => {
  await mount(page, { tag: 'button', key: 'ph', attrs: { 'open-type': 'getPhoneNumber' }, hostReply: { code: 'abc', errMsg: 'getPhoneNumber:ok' }, children: ['手机号'] });
  await mount(page, { tag: 'button', key: 'sh', attrs: { 'open-type': 'share' }, children: ['分享'] });
  await host(page, 'ph').click();
  await host(page, 'sh').click();
  const calls = await page.evaluate(() => window.__host);
  assert.deepEqual(calls, [
    { key: 'ph', api: 'openType', args: { type: 'getPhoneNumber' } },
    { key: 'sh', api: 'openType', args: { type: 'share' } },
  ]);
  assert.deepEqual((await waitEmitted(page, 'ph', 'getphonenumber'))[0].detail, { code: 'abc', errMsg: 'getPhoneNumber:ok' });
}));

test('screenshot: every form component on one page, and the picker sheet', () => withPage(async (page) => {
  const section = (title, children) => ({ tag: 'view', style: 'display:block;padding:8px 16px;background:#fff;margin-bottom:8px', children: [{ tag: 'view', style: 'display:block;color:#888;font-size:13px;margin-bottom:6px', children: [title] }, ...children] });
  await page.evaluate(() => { document.body.style.background = '#ededed'; });
  await mount(page, {
    tag: 'form', key: 'f', children: [
      section('input / textarea', [
        { tag: 'input', attrs: { placeholder: '这是一个输入框' }, style: 'background:#f7f7f7;padding:8px;height:24px' },
        { tag: 'input', attrs: { value: 'secret', password: true }, style: 'margin-top:6px;padding:8px;height:24px;background:#f7f7f7' },
        { tag: 'textarea', attrs: { placeholder: '多行输入' }, style: 'margin-top:6px;width:100%;height:48px;background:#f7f7f7' },
      ]),
      section('checkbox / radio / switch', [
        { tag: 'checkbox-group', children: [
          { tag: 'checkbox', attrs: { value: 'a', checked: true }, children: ['选中'] }, ' ',
          { tag: 'checkbox', attrs: { value: 'b' }, children: ['未选'] }, ' ',
          { tag: 'checkbox', attrs: { value: 'c', disabled: true, checked: true }, children: ['禁用'] },
        ] },
        { tag: 'radio-group', style: 'margin-top:6px', children: [
          { tag: 'radio', attrs: { value: 'a', checked: true }, children: ['单选'] }, ' ',
          { tag: 'radio', attrs: { value: 'b' }, children: ['其他'] },
        ] },
        { tag: 'view', style: 'display:block;margin-top:6px', children: [
          { tag: 'switch', attrs: { checked: true } }, ' ', { tag: 'switch' }, ' ', { tag: 'switch', attrs: { type: 'checkbox', checked: true } },
        ] },
      ]),
      section('slider', [{ tag: 'slider', attrs: { value: 40, 'show-value': true } }]),
      section('picker / picker-view', [
        { tag: 'picker', key: 'pk', attrs: { range: pickerItems, value: 1 }, children: [{ tag: 'view', children: ['当前选择：中国'] }] },
        { tag: 'picker-view', attrs: { value: [2, 5], 'indicator-style': 'height: 34px;' }, style: 'height:136px;margin-top:6px', children: [
          { tag: 'picker-view-column', children: Array.from({ length: 10 }, (_, i) => ({ tag: 'view', style: 'line-height:34px;text-align:center', children: [`${2015 + i}年`] })) },
          { tag: 'picker-view-column', children: Array.from({ length: 12 }, (_, i) => ({ tag: 'view', style: 'line-height:34px;text-align:center', children: [`${i + 1}月`] })) },
        ] },
      ]),
      { tag: 'button', attrs: { type: 'primary', 'form-type': 'submit' }, children: ['提交'] },
      { tag: 'view', style: 'display:block;height:8px' },
      { tag: 'button', attrs: { 'form-type': 'reset' }, children: ['重置'] },
      { tag: 'view', style: 'display:block;padding:8px;text-align:center', children: [
        { tag: 'button', attrs: { type: 'primary', size: 'mini' }, children: ['mini'] }, ' ',
        { tag: 'button', attrs: { type: 'warn', size: 'mini' }, children: ['warn'] }, ' ',
        { tag: 'button', attrs: { type: 'primary', size: 'mini', plain: true }, children: ['plain'] }, ' ',
        { tag: 'button', attrs: { size: 'mini', loading: true, disabled: true }, children: ['加载'] },
      ] },
    ],
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path: '/tmp/components-form.png', fullPage: true });
  await openSheet(page, 'pk');
  await page.screenshot({ path: '/tmp/components-form-sheet.png' });
  await page.locator('.wx-picker-cancel').click();
}, { width: 375, height: 900 }));
