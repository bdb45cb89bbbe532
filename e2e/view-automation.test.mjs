// The view's side of the miniprogram-automator protocol (core/automation.js): requests with api
// `automator` act on or measure one node, through the real gesture code and components.
// Run: node --test e2e/view-automation.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, launchBrowser, openHarness, deliver, takeSent } from './lib/harness.mjs';

const HELLO = { t: 'hello', protocol: 1, appId: 'wxtest', app: { window: { navigationBarTitleText: 'Auto' }, pages: ['pages/a/a'] } };
const ROUTE = { t: 'route', action: 'launch', stack: [{ id: 1, path: 'pages/a/a', query: {}, node: 50 }], window: { navigationBarTitleText: 'Auto' }, tab: null };

/** The page's ops: node 50 is the page, 51 its body (a wx-x); `body` builds under 51. */
const pageOps = (body) => ({
  t: 'ops',
  ops: [['create', 50, 'page', 'page'], ['page', 50, 1, 'pages/a/a'], ['create', 51, 'wx-x', 'body'], ['append', 50, 51], ...body],
});
const listen = (id, ...types) => types.map((t) => ['listen', id, t, false, 0]);
const text = (id, parent, s) => [['createText', id, s], ['append', parent, id]];

let harness;
let browser;
before(async () => {
  harness = await startHarness();
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  harness.close();
});

async function mount(body) {
  const page = await openHarness(browser, harness);
  await deliver(page, HELLO, ROUTE, pageOps(body));
  await page.waitForTimeout(30); // components that lay out in a microtask or frame
  await takeSent(page);
  return page;
}

let nextId = 1000;
/** Send one automator request; resolve with its reply and everything the view sent up to it. */
async function ask(page, args) {
  const id = nextId++;
  await deliver(page, { t: 'request', id, api: 'automator', args });
  await page.waitForFunction((i) => window.__sent.some((m) => m.t === 'reply' && m.id === i), id);
  const sent = await takeSent(page);
  const at = sent.findIndex((m) => m.t === 'reply' && m.id === id);
  return { reply: sent[at], before: sent.slice(0, at), after: sent.slice(at + 1) };
}
/** The `ok` value of a request that must succeed. */
async function ok(page, args) {
  const { reply } = await ask(page, args);
  assert.equal(reply.fail, undefined, `${JSON.stringify(args)} failed: ${reply.fail}`);
  return reply.ok;
}
const events = (sent) => sent.filter((m) => m.t === 'event');
const kinds = (sent) => events(sent).map((m) => [m.type, m.node]);

// ---- gestures ---------------------------------------------------------------------------------

test('tap sends touchstart, touchend and tap at the centre, all before the reply', async () => {
  const page = await mount([
    ['create', 52, 'view', 'view'], ['style', 52, 'margin-top:100px;height:40px;width:200px'], ...listen(52, 'touchstart', 'touchend', 'tap'), ['append', 51, 52],
  ]);
  const { reply, before, after: later } = await ask(page, { op: 'tap', node: 52 });
  assert.deepEqual(reply.ok, {});
  assert.deepEqual(kinds(before), [['touchstart', 52], ['touchend', 52], ['tap', 52]]);
  assert.deepEqual(events(later), []);
  const tap = events(before)[2];
  assert.equal(tap.detail.x, 100);
  assert.equal(tap.detail.y, 120);
  assert.equal(tap.changedTouches[0].identifier, 0);
  // the mouse is still free: a real click taps as before
  await page.mouse.click(100, 64 + 120);
  assert.deepEqual(kinds(await takeSent(page)), [['touchstart', 52], ['touchend', 52], ['tap', 52]]);
  await page.close();
});

test('tap shows hover-class as a finger does, and a tap on a submit button submits its form', async () => {
  const page = await mount([
    ['create', 52, 'form', 'form'], ...listen(52, 'submit'), ['append', 51, 52],
    ['create', 53, 'input', 'input'], ['attr', 53, 'name', 'user'], ['attr', 53, 'value', 'ann'], ['append', 52, 53],
    ['create', 54, 'button', 'button'], ['attr', 54, 'form-type', 'submit'], ['append', 52, 54], ...text(55, 54, 'Go'),
  ]);
  const { before } = await ask(page, { op: 'tap', node: 54 });
  const submit = events(before).find((m) => m.type === 'submit');
  assert.ok(submit, `no submit in ${JSON.stringify(before)}`);
  assert.equal(submit.node, 52);
  assert.deepEqual(submit.detail.value, { user: 'ann' });
  const hovered = await page.evaluate(() => document.querySelector('wx-button').classList.contains('button-hover'));
  assert.equal(hovered, true, 'button-hover stays for hover-stay-time after the tap');
  await page.close();
});

test('tap on a checkbox in a group toggles it and the group emits change', async () => {
  const page = await mount([
    ['create', 52, 'checkbox-group', 'checkbox-group'], ...listen(52, 'change'), ['append', 51, 52],
    ['create', 53, 'checkbox', 'checkbox'], ['attr', 53, 'value', 'a'], ['append', 52, 53], ...text(54, 53, 'A'),
  ]);
  const { before } = await ask(page, { op: 'tap', node: 53 });
  assert.deepEqual(events(before).map((m) => [m.type, m.node, m.detail]), [['change', 52, { value: ['a'] }]]);
  assert.deepEqual(await ok(page, { op: 'properties', node: 53, names: ['checked'] }), [true]);
  await page.close();
});

test('longpress sends touchstart, longpress, longtap and touchend at once, and no tap or click', async () => {
  const page = await mount([
    ['create', 52, 'view', 'view'], ['style', 52, 'height:60px'], ...listen(52, 'touchstart', 'touchend', 'tap', 'longpress', 'longtap'), ['append', 51, 52],
    ['create', 53, 'switch', 'switch'], ...listen(53, 'change', 'tap'), ['append', 51, 53],
  ]);
  const t0 = Date.now();
  const { before } = await ask(page, { op: 'longpress', node: 52 });
  assert.ok(Date.now() - t0 < 300, 'does not wait 350 ms');
  assert.deepEqual(kinds(before), [['touchstart', 52], ['longpress', 52], ['longtap', 52], ['touchend', 52]]);
  const sw = await ask(page, { op: 'longpress', node: 53 });
  assert.deepEqual(kinds(sw.before), [], 'no tap, and the switch did not toggle');
  // a tap right after a longpress still works the built-in
  const tap = await ask(page, { op: 'tap', node: 53 });
  assert.deepEqual(kinds(tap.before), [['tap', 53], ['change', 53]]);
  await page.close();
});

test('touch start then end is a tap; a move of 30 px is none; coordinates are page-layer relative', async () => {
  const page = await mount([
    ['create', 52, 'view', 'view'], ['style', 52, 'height:300px'], ...listen(52, 'touchstart', 'touchmove', 'touchend', 'tap'), ['append', 51, 52],
  ]);
  await ok(page, { op: 'touch', node: 52, phase: 'start' });
  const end = await ask(page, { op: 'touch', node: 52, phase: 'end' });
  assert.deepEqual(kinds(end.before), [['touchend', 52], ['tap', 52]]);
  assert.equal(events(end.before)[1].detail.y, 150, 'the centre by default');

  const start = await ask(page, { op: 'touch', node: 52, phase: 'start', touches: [{ identifier: 0, clientX: 20, clientY: 40 }], changedTouches: [{ identifier: 0, clientX: 20, clientY: 40 }] });
  const st = events(start.before)[0];
  assert.equal(st.type, 'touchstart');
  assert.deepEqual([st.changedTouches[0].clientX, st.changedTouches[0].clientY, st.touches.length], [20, 40, 1]);
  const move = await ask(page, { op: 'touch', node: 52, phase: 'move', changedTouches: [{ pageX: 50, pageY: 40 }] });
  assert.deepEqual(events(move.before).map((m) => [m.type, m.changedTouches[0].pageX]), [['touchmove', 50]]);
  const up = await ask(page, { op: 'touch', node: 52, phase: 'end', changedTouches: [{ clientX: 50, clientY: 40 }] });
  assert.deepEqual(kinds(up.before), [['touchend', 52]], 'moved: no tap');
  await page.close();
});

test('touch end 350 ms after start is a longpress, not a tap', async () => {
  const page = await mount([
    ['create', 52, 'view', 'view'], ['style', 52, 'height:60px'], ...listen(52, 'tap', 'longpress'), ['append', 51, 52],
  ]);
  await ok(page, { op: 'touch', node: 52, phase: 'start' });
  await page.waitForTimeout(420);
  const { before } = await ask(page, { op: 'touch', node: 52, phase: 'end' });
  assert.deepEqual(kinds([...(await takeSent(page)), ...before]), [['longpress', 52]]);
  await page.close();
});

// ---- measuring ----------------------------------------------------------------------------------

test('domProperties, styles and size read the element', async () => {
  const page = await mount([
    ['create', 52, 'view', 'view'], ['class', 52, 'box', null], ['style', 52, 'width:120px;height:30px;color:rgb(1, 2, 3);margin-left:7px'], ['append', 51, 52], ...text(53, 52, 'Hello'),
    ['create', 54, 'text', 'text'], ['append', 51, 54], ...text(55, 54, 'inline'),
  ]);
  assert.deepEqual(await ok(page, { op: 'domProperties', node: 52, names: ['innerText', 'offsetWidth', 'offsetHeight', 'className', 'style', 'nope'] }), ['Hello', 120, 30, 'box', null, null]);
  assert.deepEqual(await ok(page, { op: 'styles', node: 52, names: ['color', 'marginLeft', 'margin-left'] }), ['rgb(1, 2, 3)', '7px', '7px']);
  assert.deepEqual(await ok(page, { op: 'size', node: 52 }), { width: 120, height: 30 });
  const s = await ok(page, { op: 'size', node: 54 });
  assert.ok(s.width > 10 && s.height > 10, JSON.stringify(s));
  await page.close();
});

test('offset is in page coordinates: the same before and after the page scrolls', async () => {
  const page = await mount([
    ['create', 52, 'view', 'view'], ['style', 52, 'height:1000px'], ['append', 51, 52],
    ['create', 53, 'view', 'view'], ['style', 53, 'height:2000px;margin-left:15px'], ['append', 51, 53],
  ]);
  const a = await ok(page, { op: 'offset', node: 53 });
  const top = await ok(page, { op: 'offset', node: 52 });
  assert.deepEqual([a.left, a.top - top.top], [15, 1000]);
  await page.evaluate(() => { document.querySelector('.cove-frame.is-top .cove-layer').scrollTop = 300; });
  assert.deepEqual(await ok(page, { op: 'offset', node: 53 }), a);
  assert.deepEqual(await ok(page, { op: 'windowProperties', names: ['document.documentElement.scrollTop', 'document.body.scrollTop', 'scrollY', 'document.documentElement.scrollHeight', 'innerWidth', 'document.title', 'document', 'location.reload'] }),
    [300, 300, 300, 3000, 375, await page.title(), null, null]);
  await page.close();
});

// ---- callFunction -------------------------------------------------------------------------------

test('input.input types a value: input event and model update; properties then read it', async () => {
  const page = await mount([
    ['create', 52, 'input', 'input'], ['attr', 52, 'placeholder', 'name'], ...listen(52, 'input'), ['model', 52, 'value'], ['append', 51, 52],
  ]);
  const { reply, before } = await ask(page, { op: 'call', node: 52, name: 'input.input', args: ['abc'] });
  assert.deepEqual(reply.ok, { result: null });
  assert.deepEqual(before.map((m) => [m.t, m.type || m.name, m.detail ? m.detail.value : m.value]), [['event', 'input', 'abc'], ['model', 'value', 'abc']]);
  const [value, pub, disabled] = await ok(page, { op: 'properties', node: 52, names: ['value', '__propPublic', 'disabled'] });
  assert.equal(value, 'abc');
  assert.equal(pub.value, true);
  assert.equal(pub.placeholder, true);
  assert.equal(pub.confirmType, true, 'camelCase names too');
  assert.equal(disabled, false, 'a property never set has its default');
  assert.deepEqual(await ok(page, { op: 'domProperties', node: 52, names: ['value'] }), ['abc']);
  await page.close();
});

test('properties read the attributes the container set', async () => {
  const page = await mount([['create', 52, 'button', 'button'], ['attr', 52, 'type', 'primary'], ['attr', 52, 'loading', ''], ['append', 51, 52]]);
  assert.deepEqual(await ok(page, { op: 'properties', node: 52, names: ['type', 'loading', 'plain', 'formType'] }), ['primary', true, false, '']);
  await page.close();
});

test('switch.tap toggles with change; slider.slideTo sets the value with change', async () => {
  const page = await mount([
    ['create', 52, 'switch', 'switch'], ...listen(52, 'change'), ['model', 52, 'checked'], ['append', 51, 52],
    ['create', 53, 'slider', 'slider'], ['attr', 53, 'step', 5], ...listen(53, 'change'), ['model', 53, 'value'], ['append', 51, 53],
  ]);
  const sw = await ask(page, { op: 'call', node: 52, name: 'switch.tap', args: [] });
  assert.deepEqual(sw.before.map((m) => [m.t, m.type || m.name, m.detail ? m.detail.value : m.value]), [['event', 'change', true], ['model', 'checked', true]]);
  assert.deepEqual(await ok(page, { op: 'properties', node: 52, names: ['checked'] }), [true]);
  const sl = await ask(page, { op: 'call', node: 53, name: 'slider.slideTo', args: [42] });
  assert.deepEqual(sl.before.map((m) => [m.t, m.type || m.name, m.detail ? m.detail.value : m.value]), [['event', 'change', 40], ['model', 'value', 40]]);
  assert.deepEqual(await ok(page, { op: 'properties', node: 53, names: ['value'] }), [40]);
  const wrong = await ask(page, { op: 'call', node: 53, name: 'switch.tap', args: [] });
  assert.match(wrong.reply.fail, /^fail switch\.tap needs a <switch>/);
  await page.close();
});

test('swiper.swipeTo changes the slide with source touch', async () => {
  const page = await mount([
    ['create', 52, 'swiper', 'swiper'], ['style', 52, 'height:100px'], ...listen(52, 'change'), ['append', 51, 52],
    ...[53, 54, 55].flatMap((id) => [['create', id, 'swiper-item', 'swiper-item'], ['append', 52, id]]),
    ['attr', 55, 'item-id', 'last'],
  ]);
  const { before } = await ask(page, { op: 'call', node: 52, name: 'swiper.swipeTo', args: [2] });
  assert.deepEqual(events(before).map((m) => [m.type, m.detail]), [['change', { current: 2, currentItemId: 'last', source: 'touch' }]]);
  assert.deepEqual(await ok(page, { op: 'properties', node: 52, names: ['current'] }), [2]);
  await page.close();
});

test('scroll-view.scrollTo scrolls with bindscroll before the reply; its scroll getters read it', async () => {
  const page = await mount([
    ['create', 52, 'scroll-view', 'scroll-view'], ['attr', 52, 'scroll-y', true], ['style', 52, 'height:100px'], ...listen(52, 'scroll'), ['append', 51, 52],
    ['create', 53, 'view', 'view'], ['style', 53, 'height:1000px'], ['append', 52, 53],
  ]);
  const { before } = await ask(page, { op: 'call', node: 52, name: 'scroll-view.scrollTo', args: [0, 120] });
  assert.deepEqual(events(before).map((m) => [m.type, m.detail.scrollTop]), [['scroll', 120]]);
  assert.deepEqual(await ok(page, { op: 'call', node: 52, name: 'scroll-view.scrollTop', args: [] }), { result: 120 });
  assert.deepEqual(await ok(page, { op: 'call', node: 52, name: 'scroll-view.scrollHeight', args: [] }), { result: 1000 });
  assert.deepEqual(await ok(page, { op: 'properties', node: 52, names: ['scrollTop', 'scroll-left'] }), [120, 0]);
  await page.close();
});

test('movable-view.moveTo moves within the area with change source touch', async () => {
  const page = await mount([
    ['create', 52, 'movable-area', 'movable-area'], ['style', 52, 'display:block;position:relative;width:200px;height:200px'], ['append', 51, 52],
    ['create', 53, 'movable-view', 'movable-view'], ['attr', 53, 'direction', 'all'], ['style', 53, 'display:block;position:absolute;width:50px;height:50px'], ...listen(53, 'change'), ['append', 52, 53],
  ]);
  const { before } = await ask(page, { op: 'call', node: 53, name: 'movable-view.moveTo', args: [30, 400] });
  assert.deepEqual(events(before).map((m) => m.detail), [{ x: 30, y: 150, source: 'touch' }]);
  assert.deepEqual(await ok(page, { op: 'properties', node: 53, names: ['x', '_translateY'] }), [30, 150]);
  await page.close();
});

// ---- events, media, native ----------------------------------------------------------------------

test('dispatch fires a DOM event on the element: a click works the built-in', async () => {
  const page = await mount([['create', 52, 'switch', 'switch'], ...listen(52, 'change'), ['append', 51, 52]]);
  await page.evaluate(() => document.querySelector('wx-switch').addEventListener('cove-test', (e) => { window.__got = [e.bubbles, e.cancelable, e.detail, e.extra]; }));
  const { before } = await ask(page, { op: 'dispatch', node: 52, eventName: 'click', eventData: {} });
  assert.deepEqual(kinds(before), [['change', 52]]);
  await ok(page, { op: 'dispatch', node: 52, eventName: 'cove-test', eventData: { extra: 7 } });
  assert.deepEqual(await page.evaluate(() => window.__got), [true, true, { extra: 7 }, 7]);
  await page.close();
});

test('context drives a video; an unknown method fails', async () => {
  const page = await mount([['create', 52, 'video', 'video'], ...listen(52, 'stop'), ['append', 51, 52]]);
  assert.deepEqual(await ok(page, { op: 'context', node: 52, method: 'playbackRate', args: [1.5] }), {});
  assert.equal(await page.evaluate(() => document.querySelector('wx-video video').playbackRate), 1.5);
  const stop = await ask(page, { op: 'context', node: 52, method: 'stop', args: [] });
  assert.deepEqual(kinds(stop.before), [['stop', 52]]);
  const bad = await ask(page, { op: 'context', node: 52, method: 'sendDanmu', args: [] });
  assert.equal(bad.reply.fail, "fail sendDanmu is not supported by Cove's view");
  await page.close();
});

test('native confirmModal and cancelModal answer the open showModal; none open fails', async () => {
  const page = await mount([]);
  await deliver(page, { t: 'request', id: 50, api: 'showModal', args: { title: 'Sure?', content: 'x' } });
  const { reply, before } = await ask(page, { op: 'native', method: 'confirmModal' });
  assert.deepEqual(reply.ok, {});
  assert.deepEqual(before, [{ t: 'reply', id: 50, ok: { confirm: true, cancel: false } }]);
  assert.equal(await page.locator('.cove-modal').count(), 0);
  await deliver(page, { t: 'request', id: 51, api: 'showModal', args: { content: 'y' } });
  const c = await ask(page, { op: 'native', method: 'cancelModal' });
  assert.deepEqual(c.before, [{ t: 'reply', id: 51, ok: { confirm: false, cancel: true } }]);
  assert.equal((await ask(page, { op: 'native', method: 'confirmModal' })).reply.fail, 'fail no modal is open');
  assert.equal((await ask(page, { op: 'native', method: 'shareCancel' })).reply.fail, "fail native shareCancel is not supported by Cove's view");
  await page.close();
});

// ---- failures -----------------------------------------------------------------------------------

test('an unknown node, an unknown op and an unknown function fail', async () => {
  const page = await mount([['create', 52, 'view', 'view'], ['append', 51, 52], ['create', 60, 'view', 'view']]);
  assert.equal((await ask(page, { op: 'tap', node: 999 })).reply.fail, 'fail node 999 is not in the view');
  assert.equal((await ask(page, { op: 'size', node: 60 })).reply.fail, 'fail node 60 is not in the view', 'created but never attached');
  assert.equal((await ask(page, { op: 'fly', node: 52 })).reply.fail, 'fail unknown automator op "fly"');
  assert.equal((await ask(page, { op: 'call', node: 52, name: 'view.explode', args: [] })).reply.fail, "fail view.explode is not supported by Cove's view");
  assert.deepEqual(await page.evaluate(() => window.__viewErrors), []);
  await page.close();
});
