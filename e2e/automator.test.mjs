// An end-to-end suite written the way WeChat teams write them, with WeChat's own client
// (npm `miniprogram-automator`), run unchanged against `cove test-server examples/demo`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import automator from 'miniprogram-automator';
import { startCove, repo } from './lib/dev.mjs';

/** `cove test-server <dir> --automator 0`: resolves with the endpoint it prints first. */
async function startTestServer(dir) {
  const c = await startCove(['test-server', dir, '--automator', '0']);
  return { ...c, endpoint: c.lines[0] };
}

async function waitFor(what, fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let server;
let miniProgram;
const logs = [];
const exceptions = [];

before(async () => {
  server = await startTestServer(path.join(repo, 'examples/demo'));
  assert.match(server.endpoint, /^ws:\/\/127\.0\.0\.1:\d+$/);
  // connect() also checks the SDK version through Tool.getInfo.
  miniProgram = await automator.connect({ wsEndpoint: server.endpoint });
  miniProgram.on('console', (msg) => logs.push(msg));
  miniProgram.on('exception', (e) => exceptions.push(e));
});

after(async () => {
  if (miniProgram) miniProgram.disconnect();
  if (server) {
    const { code, signal } = await server.stop();
    assert.ok(code === 0 || signal === 'SIGTERM', `test-server stopped with ${code} ${signal}: ${server.stderr()}`);
  }
});

test('relaunch to a page, read its data, tap a button, assert the data and the text', async () => {
  const page = await miniProgram.reLaunch('/pages/counter/counter');
  assert.equal(page.path, 'pages/counter/counter');
  assert.equal(await page.data('count'), 0);

  const increment = await page.$('#increment');
  assert.equal(increment.tagName, 'button');
  await increment.tap();
  await increment.tap();
  assert.equal(await page.data('count'), 2);
  assert.equal(await (await page.$('#count')).text(), '2');
  assert.equal(await (await page.$('.counter__display #parity')).text(), 'even');

  // Selectors: tag and class, child combinator, lists.
  const buttons = await page.$$('.counter__buttons > button');
  assert.deepEqual(await Promise.all(buttons.map((b) => b.text())), ['-1', '+1']);
  assert.equal(await increment.attribute('class'), 'btn btn--primary counter__btn');
  assert.equal(await (await page.$('#nope')), null);
  // Layout and style come from the real view.
  const size = await increment.size();
  const offset = await increment.offset();
  assert.ok(size.width > 40 && size.height > 20, JSON.stringify(size));
  assert.ok(offset.top > 0 && offset.left >= 0, JSON.stringify(offset));
  assert.equal(await increment.style('display'), 'block');
  assert.match(await increment.outerWxml(), /^<button id="increment" class="btn btn--primary counter__btn"[^>]*>\+1<\/button>$/);
  // Page methods and setData.
  await page.callMethod('decrement');
  assert.equal(await page.data('count'), 1);
  await page.setData({ count: 41 });
  assert.equal(await (await page.$('#count')).text(), '41');
});

test('mock wx.showModal: Reset asks first, and only a confirm resets', async () => {
  const page = await miniProgram.currentPage();
  await page.setData({ count: 5 });
  const reset = await page.$('#reset');

  await miniProgram.mockWxMethod('showModal', { confirm: false, cancel: true });
  await reset.tap();
  assert.equal(await page.data('count'), 5, 'cancelled');

  await miniProgram.mockWxMethod('showModal', { confirm: true, cancel: false });
  await reset.tap();
  assert.equal(await page.data('count'), 0, 'confirmed');

  // A function mock sees the call's options and can call the real method as this.origin.
  await miniProgram.mockWxMethod('showModal', function (options, answer) {
    return { confirm: options.title === 'Reset the counter?' && answer, cancel: false };
  }, true);
  await page.setData({ count: 3 });
  await reset.tap();
  assert.equal(await page.data('count'), 0);

  // Restored: the real dialog opens in the view, and the tester presses its button.
  await miniProgram.restoreWxMethod('showModal');
  await page.setData({ count: 7 });
  await reset.tap();
  assert.equal(await page.data('count'), 7, 'the dialog waits for an answer');
  await miniProgram.native().confirmModal();
  await waitFor('the confirmed reset', async () => (await page.data('count')) === 0);
});

test('input into a field, navigate, and check the page stack', async () => {
  let page = await miniProgram.switchTab('/pages/list/list');
  assert.equal(page.path, 'pages/list/list');
  const before = (await page.data('items')).length;

  const field = await page.$('.add-row input');
  await field.input('Buy milk');
  assert.equal(await page.data('draft'), 'Buy milk', 'model:value followed the input');
  assert.equal(await field.value(), 'Buy milk');
  await (await page.$('#add')).tap();
  const items = await page.data('items');
  assert.equal(items.length, before + 1);
  assert.equal(items[items.length - 1].text, 'Buy milk');
  assert.equal((await page.$$('#items > .item')).length, items.length);

  // A custom component: its data, a method, and the slot content it shows.
  const card = await page.$('card');
  assert.equal((await card.data()).count, items.length);
  assert.equal(await card.callMethod('describe', 2, false), '2 total');
  const title = await page.$('#summary >>> .card__title');
  assert.equal(await title.text(), 'Todo');

  // Tap "Details" in the new row: a catchtap that navigates.
  const id = items[items.length - 1].id;
  await (await page.$(`#open-${id}`)).tap();
  const stack = await waitFor('the detail page', async () => {
    const s = await miniProgram.pageStack();
    return s.length === 2 && s;
  });
  assert.deepEqual(stack.map((p) => p.path), ['pages/list/list', 'packageA/pages/detail/detail']);
  assert.equal(stack[1].query.id, String(id));
  page = await miniProgram.currentPage();
  assert.equal(page.path, 'packageA/pages/detail/detail');
  assert.equal(await page.data('title'), 'Buy milk');

  page = await miniProgram.navigateBack();
  assert.equal(page.path, 'pages/list/list');
  assert.equal((await miniProgram.pageStack()).length, 1);
});

test('built-in components through the client: swiper, scroll-view, switch, picker, form', async () => {
  const page = await miniProgram.switchTab('/pages/about/about');
  assert.equal(page.path, 'pages/about/about');

  const swiper = await page.$('#banner');
  assert.equal(swiper.constructor, automator.SwiperElement);
  await swiper.swipeTo(2);
  assert.equal(await page.data('slide'), 2, 'bindchange reached the page');
  assert.equal(await (await page.$('#slide-index')).text(), 'Slide 3 of 3');

  const features = await page.$('#features');
  assert.equal(features.constructor, automator.ScrollViewElement);
  const height = await features.scrollHeight();
  assert.ok(height > (await features.size()).height, 'the list overflows its scroll-view');
  await features.scrollTo(0, height);
  await page.waitFor(async () => (await page.data('reachedEnd')) === true);
  assert.ok((await features.property('scrollTop')) > 0);

  const subscribe = await page.$('#subscribe');
  assert.equal(await subscribe.property('checked'), true);
  await subscribe.tap();
  assert.equal(await subscribe.property('checked'), false);

  const nickname = await page.$('#nickname');
  await nickname.input('Ada');
  assert.equal(await page.data('nickname'), 'Ada', 'bindinput reached the page');
  assert.equal(await (await page.$('#nickname-preview')).text(), 'Hello, Ada');

  // A picker is a built-in the test drives by its change event, as in WeChat.
  await (await page.$('#color-picker')).trigger('change', { value: 2 });
  assert.equal(await (await page.$('#color-value')).text(), 'Orange');

  await (await page.$('#submit')).tap();
  assert.equal(await (await page.$('#form-result')).text(), 'nickname=Ada subscribe=false color=Orange');
  // The page scrolls inside the view; the client reads it through window properties.
  await miniProgram.pageScrollTo(120);
  await page.waitFor(async () => Math.abs((await page.scrollTop()) - 120) <= 1);
});

test('take a screenshot of the phone', async () => {
  const file = path.join(repo, 'e2e/artifacts/automator/counter.png');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await miniProgram.switchTab('/pages/counter/counter');
  await miniProgram.screenshot({ path: file });
  const png = fs.readFileSync(file);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  // IHDR: 375 x 667 CSS pixels at a pixel ratio of 2.
  assert.equal(png.readUInt32BE(16), 750);
  assert.equal(png.readUInt32BE(20), 1334);
  assert.ok(png.length > 5000, 'not a blank image');
});

test('the console, exceptions and exposed functions reach the tester', async () => {
  const page = await miniProgram.currentPage();
  await (await page.$('#increment')).tap();
  const count = await page.data('count');
  const line = await waitFor('the console message', () => logs.find((m) => m.type === 'log' && m.args.join(' ') === `[cove-demo] count is now ${count}`));
  assert.ok(line);

  await miniProgram.evaluate(() => { setTimeout(() => { throw new Error('boom from a timer'); }, 0); });
  const e = await waitFor('the exception', () => exceptions.find((x) => /boom from a timer/.test(x.message)));
  assert.ok(e.message);

  const calls = [];
  await miniProgram.exposeFunction('reportToTest', (...args) => calls.push(args));
  assert.equal(await miniProgram.evaluate((n) => { reportToTest('pages', getCurrentPages().length + n); return 'done'; }, 10), 'done');
  await waitFor('the binding call', () => calls.length === 1);
  assert.deepEqual(calls[0], ['pages', 11]);

  const info = await miniProgram.systemInfo();
  assert.equal(info.windowWidth, 375);
  assert.equal(await miniProgram.callWxMethod('getStorageSync', 'cove-demo:launches'), 1);
});

test('an unsupported method fails with its name', async () => {
  await assert.rejects(miniProgram.testAccounts(), /Tool\.getTestAccounts is not supported by Cove/);
  const page = await miniProgram.currentPage();
  assert.equal(await page.xpath('//view'), null);
  await assert.rejects(miniProgram.callWxMethod('noSuchApi', {}), /wx\.noSuchApi is not a function/);
});

test('close() exits the app; a new connection gets a cold start', async () => {
  await miniProgram.close();
  miniProgram = await automator.connect({ wsEndpoint: server.endpoint });
  const page = await miniProgram.currentPage();
  assert.equal(page.path, 'pages/counter/counter');
  assert.equal(await page.data('count'), 0);
  assert.equal(await miniProgram.callWxMethod('getStorageSync', 'cove-demo:launches'), 2, 'a second launch');
});
