// The simulator's outer page (crates/view/assets/simulator.*): phone frame, device presets
// and the DevTools-like panels, driven by a faked devtools WebSocket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './lib/harness.mjs';
import { startFakeServer, openSimulator } from './lib/fake-devtools.mjs';

let browser;
let server;
before(async () => {
  server = await startFakeServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.close();
});

const session = {
  t: 'session', appId: 'wx0123456789', name: 'Demo', pages: ['pages/index/index', 'pages/logs/logs'],
  entry: 'pages/index/index', tabBar: false,
};

/** The iframe's URL parameters and CSS box. */
function frame(page) {
  return page.evaluate(() => {
    const f = document.querySelector('iframe.screen');
    const r = f.getBoundingClientRect();
    const params = Object.fromEntries(new URL(f.src).searchParams);
    return {
      pathname: new URL(f.src).pathname, params, cssWidth: getComputedStyle(f).width,
      cssHeight: getComputedStyle(f).height, clientWidth: f.clientWidth, clientHeight: f.clientHeight,
      shownWidth: r.width, shownHeight: r.height,
    };
  });
}

async function open(opts) {
  const sim = await openSimulator(browser, server, opts);
  return sim;
}

async function done(sim) {
  assert.deepEqual(sim.errors, [], 'no page errors or CSP violations');
  await sim.context.close();
}

test('the iframe has the default preset CSS size and carries the view parameters', async () => {
  const sim = await open();
  const f = await frame(sim.page);
  assert.equal(f.pathname, '/view');
  assert.deepEqual(f.params, { width: '390', height: '844', ratio: '3', device: 'iPhone 12/13/14' });
  assert.equal(f.cssWidth, '390px');
  assert.equal(f.cssHeight, '844px');
  assert.equal(f.clientWidth, 390);
  assert.equal(f.clientHeight, 844);
  // the whole frame is scaled down to fit the 900 px tall window, keeping the CSS size
  const scale = f.shownWidth / 390;
  assert.ok(scale < 1 && scale > 0.5, `scaled ${scale}`);
  assert.ok(Math.abs(f.shownHeight / 844 - scale) < 0.01);
  const fits = await sim.page.evaluate(() => {
    const s = document.querySelector('.stage').getBoundingClientRect();
    const d = document.querySelector('.device').getBoundingClientRect();
    return d.top >= s.top && d.bottom <= s.bottom && d.left >= s.left && d.right <= s.right;
  });
  assert.ok(fits, 'phone fits in the stage');
  await done(sim);
});

test('switching preset resizes the iframe, keeps the page path and is remembered', async () => {
  const sim = await open({ width: 1600, height: 1200 });
  const { page, devtools } = sim;
  devtools.push(session, { t: 'state', stack: [{ id: 1, path: 'pages/index/index', query: '' }, { id: 2, path: 'pages/logs/logs', query: { id: '7', q: 'a b' } }] });
  await page.waitForFunction(() => document.querySelector('.caption').textContent.includes('logs'));
  await page.selectOption('.device-select', 'pixel-7');
  let f = await frame(page);
  assert.deepEqual(f.params, { width: '412', height: '915', ratio: '2.625', device: 'Pixel 7', path: 'pages/logs/logs', query: 'id=7&q=a+b' });
  assert.equal(f.clientWidth, 412);
  assert.equal(f.clientHeight, 915);
  assert.equal(f.shownWidth, 412, 'shown at 100% when the window is big enough');
  await page.selectOption('.device-select', 'ipad-mini');
  f = await frame(page);
  assert.equal(f.clientWidth, 768);
  assert.equal(f.clientHeight, 1024);
  assert.equal(f.params.ratio, '2');
  // zoom 50% halves the shown size, not the CSS size
  await page.selectOption('.zoom-select', '0.5');
  f = await frame(page);
  assert.equal(f.clientWidth, 768);
  assert.equal(f.shownWidth, 384);
  // a reload of the simulator comes back with the same device, zoom and page
  await page.reload();
  await devtools.connected(2);
  f = await frame(page);
  assert.equal(await page.inputValue('.device-select'), 'ipad-mini');
  assert.equal(await page.inputValue('.zoom-select'), '0.5');
  assert.equal(f.clientWidth, 768);
  assert.equal(f.params.path, 'pages/logs/logs');
  assert.equal(f.params.query, 'id=7&q=a+b');
  await done(sim);
});

test('reload keeps the page path; home relaunches at the entry page', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  devtools.push(session, { t: 'state', stack: [{ id: 3, path: 'pages/logs/logs', query: 'x=1' }] });
  await page.waitForFunction(() => document.querySelector('.caption').textContent === 'pages/logs/logs?x=1');
  const before = await page.evaluateHandle(() => document.querySelector('iframe.screen'));
  const views = server.views.length;
  await page.click('.tool-btn.reload');
  assert.equal(await page.evaluate((old) => old.isConnected, before), false, 'a fresh iframe');
  let f = await frame(page);
  assert.equal(f.params.path, 'pages/logs/logs');
  assert.equal(f.params.query, 'x=1');
  await page.waitForFunction(() => document.querySelector('iframe.screen').contentDocument?.body?.textContent.includes('logs'));
  assert.ok(server.views.length > views, 'the view was requested again');
  await page.click('.tool-btn.home');
  f = await frame(page);
  assert.equal(f.params.path, 'pages/index/index');
  assert.equal(f.params.query, undefined);
  await done(sim);
});

test('console lines appear with level colours; text and level filters; clear; cap', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  const t = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    devtools.push({ t: 'console', level, text: `${level} message`, time: t });
  }
  devtools.push({ t: 'error', message: 'Uncaught TypeError: boom' });
  await page.waitForFunction(() => document.querySelectorAll('.console-list .line').length === 6);
  const lines = await page.$$eval('.console-list .line', (els) => els.map((e) => ({
    text: e.querySelector('.msg').textContent, time: e.querySelector('.time').textContent,
    color: getComputedStyle(e).color, bg: getComputedStyle(e).backgroundColor,
  })));
  assert.deepEqual(lines.map((l) => l.text), ['log message', 'info message', 'warn message', 'error message', 'debug message', 'Uncaught TypeError: boom']);
  assert.match(lines[0].time, /^\d\d:\d\d:\d\d\.678$/);
  assert.equal(lines[3].color, 'rgb(217, 48, 37)', 'errors are red');
  assert.equal(lines[5].color, 'rgb(217, 48, 37)', 'uncaught errors are red');
  assert.notEqual(lines[2].bg, lines[0].bg, 'warnings stand out');
  assert.equal(await page.textContent('[data-tab="console"] .badge'), '2');

  const shown = () => page.$$eval('.console-list .line', (els) => els.filter((e) => e.checkVisibility()).map((e) => e.querySelector('.msg').textContent));
  await page.fill('.console .filter', 'WARN');
  assert.deepEqual(await shown(), ['warn message']);
  await page.fill('.console .filter', '');
  await page.selectOption('.console select', 'error');
  assert.deepEqual(await shown(), ['error message', 'Uncaught TypeError: boom']);
  await page.selectOption('.console select', 'all');
  await page.click('.console .panel-bar button');
  assert.equal(await page.locator('.console-list .line').count(), 0);
  assert.equal(await page.isHidden('[data-tab="console"] .badge'), true);

  devtools.push({ t: 'reload' });
  await page.waitForFunction(() => document.querySelector('.console-list')?.textContent.includes('↻ reloaded: file changed'));

  for (let i = 0; i < 2100; i++) devtools.push({ t: 'console', level: 'log', text: `line ${i}`, time: t });
  await page.waitForFunction(() => document.querySelector('.console-list .line:last-child .msg')?.textContent === 'line 2099', null, { timeout: 20000 });
  assert.equal(await page.locator('.console-list .line').count(), 2000);
  assert.equal(await page.textContent('.console-list .line .msg'), 'line 100');
  // the newest line is scrolled into view
  await page.waitForFunction(() => {
    const l = document.querySelector('.console-list');
    return l.scrollTop > 0 && l.scrollTop + l.clientHeight >= l.scrollHeight - 8;
  });
  // scrolled up by the user, it stays put while lines arrive
  await page.$eval('.console-list', (l) => { l.scrollTop = 100; });
  await new Promise((r) => setTimeout(r, 100));
  devtools.push({ t: 'console', level: 'log', text: 'one more' });
  await page.waitForFunction(() => document.querySelector('.console-list .line:last-child .msg')?.textContent === 'one more');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await page.$eval('.console-list', (l) => l.scrollTop), 100);
  await done(sim);
});

test('network entries show status, time and size; a row opens headers and body', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  await page.click('[data-tab="network"]');
  devtools.push(
    { t: 'network', id: 1, kind: 'request', phase: 'start', url: 'https://api.example.com/items?page=2', method: 'post', requestHeaders: { 'content-type': 'application/json', 'x-token': 'abc' }, body: '{"q":1}' },
  );
  await page.waitForSelector('.net-grid tbody tr');
  assert.equal(await page.textContent('.net-grid tbody tr .c-status'), '(pending)');
  devtools.push(
    { t: 'network', id: 1, kind: 'request', phase: 'end', status: 201, ms: 123, bytes: 2048, responseHeaders: { 'Content-Type': 'application/json' }, body: '{"items":[1,2]}' },
    { t: 'network', id: 2, kind: 'download', phase: 'start', url: 'https://cdn.example.com/a.png', method: 'GET' },
    { t: 'network', id: 2, kind: 'download', phase: 'fail', error: 'downloadFile:fail timeout', ms: 60000 },
    { t: 'network', id: 3, kind: 'socket', phase: 'start', url: 'wss://ws.example.com/chat' },
    { t: 'network', id: 3, kind: 'socket', phase: 'open', ms: 12 },
    { t: 'network', id: 3, kind: 'socket', phase: 'message', method: 'send', body: 'ping', bytes: 4 },
    { t: 'network', id: 3, kind: 'socket', phase: 'message', method: 'recv', body: 'pong', bytes: 4 },
    { t: 'network', id: 3, kind: 'socket', phase: 'message', method: 'recv', body: 'pong', bytes: 4 },
  );
  await page.waitForFunction(() => document.querySelectorAll('.net-grid tbody tr').length === 3
    && document.querySelectorAll('.net-grid tbody tr')[2].querySelector('.c-size').textContent.startsWith('3 msgs'));
  const rows = await page.$$eval('.net-grid tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows[0], ['https://api.example.com/items?page=2', 'request', 'POST', '201', '123 ms', '2.0 kB']);
  assert.deepEqual(rows[1].slice(1, 5), ['download', 'GET', '(failed)', '60.00 s']);
  assert.deepEqual(rows[2].slice(1, 6), ['socket', 'WS', 'open', '12 ms', '3 msgs · 12 B']);
  devtools.push({ t: 'network', id: 4, kind: 'socket', phase: 'start', url: 'wss://ws.example.com/b' }, { t: 'network', id: 4, kind: 'socket', phase: 'end' });
  await page.waitForFunction(() => document.querySelectorAll('.net-grid tbody tr')[3]?.querySelector('.c-status').textContent === 'closed');
  assert.equal(await page.$eval('.net-grid tbody tr:nth-child(2) td', (td) => getComputedStyle(td).color), 'rgb(217, 48, 37)');

  await page.click('.net-grid tbody tr:first-child');
  const detail = await page.textContent('.net-detail');
  assert.match(detail, /x-token\s*abc/);
  assert.match(detail, /Content-Type\s*application\/json/);
  assert.ok(detail.includes('{"q":1}'), 'request body');
  assert.ok(detail.includes('{"items":[1,2]}'), 'response body');
  assert.equal(await page.$eval('.net-detail pre.body', (p) => p.children.length), 0, 'bodies are text only');
  await page.click('.net-grid tbody tr:nth-child(3)');
  assert.equal(await page.locator('.net-detail .ws-frame').count(), 3);
  await page.click('.net-grid tbody tr:nth-child(2)');
  assert.ok((await page.textContent('.net-detail')).includes('downloadFile:fail timeout'));
  await done(sim);
});

test('AppData shows nested data as a tree that updates live and keeps expansion', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  await page.click('[data-tab="appdata"]');
  devtools.push({
    t: 'state', stack: [{ id: 1, path: 'pages/index/index', query: { from: 'share' } }],
    data: { motto: 'Hello', user: { name: 'Ann', tags: ['a', 'b'] }, count: 1, empty: {} },
  });
  await page.waitForSelector('.appdata .tree-row');
  assert.equal(await page.textContent('.appdata .page-path'), 'pages/index/index?from=share');
  const top = await page.$$eval('.appdata .tree > .tree-children > .tree-node > .tree-row', (rows) => rows.map((r) => r.textContent));
  assert.deepEqual(top, ['motto: "Hello"', 'user: {name, tags}', 'count: 1', 'empty: {}']);
  await page.click('.appdata .tree-row.branch:has(.key:text-is("user"))');
  await page.click('.appdata .tree-row.branch:has(.key:text-is("tags"))');
  let text = await page.textContent('.appdata .tree');
  assert.ok(text.includes('name: "Ann"') && text.includes('1: "b"'), text);
  assert.equal(await page.$eval('.appdata .t-string', (e) => getComputedStyle(e).fontFamily.includes('mono')), true);

  devtools.push({ t: 'state', stack: [{ id: 1, path: 'pages/index/index', query: {} }], data: { motto: 'Hello', user: { name: 'Bob', tags: ['a', 'b', 'c'] }, count: 2, empty: {} } });
  await page.waitForFunction(() => document.querySelector('.appdata .tree').textContent.includes('"Bob"'));
  text = await page.textContent('.appdata .tree');
  assert.ok(text.includes('2: "c"'), 'still expanded after the update');
  const changed = await page.$$eval('.appdata .tree-row.changed', (rows) => rows.map((r) => r.textContent));
  assert.deepEqual(changed.sort(), ['2: "c"', 'count: 2', 'name: "Bob"']);
  assert.equal(await page.textContent('.appdata .page-path'), 'pages/index/index');
  await done(sim);
});

test('storage lists keys with sizes; clear and refresh ask the server', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  await page.click('[data-tab="storage"]');
  assert.deepEqual(devtools.take(), [{ t: 'refreshState' }], 'state is asked for on connect');
  devtools.push({ t: 'state', storage: { token: 'abc', logs: [1, 2, 3], n: 5, flag: true } });
  await page.waitForFunction(() => document.querySelectorAll('.storage-grid tbody tr').length === 4);
  const rows = await page.$$eval('.storage-grid tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows, [
    ['token', 'abc', 'string', '10 B'],
    ['logs', '[1,2,3]', 'array', '11 B'],
    ['n', '5', 'number', '2 B'],
    ['flag', 'true', 'boolean', '8 B'],
  ]);
  assert.match(await page.textContent('.storage .panel-bar'), /4 keys · 31 B of 10 MB/);
  await page.click('.storage-grid tbody tr:nth-child(2)');
  assert.ok((await page.textContent('.storage-detail')).includes('2: 3'));
  await page.click('button:has-text("Clear storage")');
  await page.click('.storage button:has-text("Refresh")');
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(devtools.take(), [{ t: 'clearStorage' }, { t: 'refreshState' }]);
  devtools.push({ t: 'state', storage: {} });
  await page.waitForSelector('.storage .empty', { state: 'visible' });
  assert.equal(await page.locator('.storage-grid tbody tr').count(), 0);
  assert.equal(await page.isHidden('.storage-detail'), true);
  await done(sim);
});

test('compile errors show a badge and Problems with file:line:col, cleared by compileOk', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  assert.equal(await page.isHidden('.compile-badge'), true);
  devtools.push({
    t: 'compileError',
    diagnostics: [
      { file: 'pages/index/index.wxml', line: 3, col: 5, code: 'wxml', message: 'unclosed tag <view>', frame: '  2 | <view>\n> 3 |   <text>\n    |     ^' },
      { file: 'app.json', line: 1, col: 1, message: 'bad json' },
    ],
  });
  await page.waitForSelector('.compile-badge', { state: 'visible' });
  assert.equal(await page.textContent('.compile-badge'), '✖ 2 compile errors');
  assert.equal(await page.$eval('.compile-badge', (b) => getComputedStyle(b).backgroundColor), 'rgb(217, 48, 37)');
  assert.equal(await page.textContent('[data-tab="problems"] .badge'), '2');
  await page.click('.compile-badge');
  assert.equal(await page.isVisible('.problems'), true);
  const where = await page.$$eval('.problem .where', (els) => els.map((e) => e.textContent));
  assert.deepEqual(where, ['pages/index/index.wxml:3:5', 'app.json:1:1']);
  assert.equal(await page.textContent('.problem .problem-msg'), 'unclosed tag <view>');
  const frameEl = await page.$eval('.problem pre.frame', (p) => ({ text: p.textContent, font: getComputedStyle(p).fontFamily, ws: getComputedStyle(p).whiteSpace }));
  assert.equal(frameEl.text, '  2 | <view>\n> 3 |   <text>\n    |     ^');
  assert.match(frameEl.font, /mono/i);
  assert.equal(frameEl.ws, 'pre');
  devtools.push({ t: 'compileOk' });
  await page.waitForSelector('.compile-badge', { state: 'hidden' });
  assert.equal(await page.locator('.problem').count(), 0);
  assert.equal(await page.textContent('.problems'), 'No problems');
  assert.equal(await page.isHidden('[data-tab="problems"] .badge'), true);
  await done(sim);
});

test('the page stack lists pages bottom first; an app page can be opened', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  await page.click('[data-tab="pages"]');
  devtools.push(session, { t: 'state', stack: [{ id: 1, path: 'pages/index/index', query: '' }, { id: 4, path: 'pages/logs/logs', query: { k: 'v' } }] });
  await page.waitForFunction(() => document.querySelectorAll('.stack li').length === 2);
  const stack = await page.$$eval('.stack li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(stack, ['1pages/index/index#1', '2pages/logs/logs?k=v#4current']);
  assert.equal(await page.textContent('.app-name'), 'Demo');
  // The simulator says on screen that it runs apps in dev mode.
  assert.equal(await page.textContent('.dev-mode'), 'DEV MODE · unverified');
  await page.click('.app-pages button:has-text("pages/logs/logs")');
  const f = await frame(page);
  assert.equal(f.params.path, 'pages/logs/logs');
  assert.equal(f.params.query, undefined);
  await done(sim);
});

test('untrusted text stays text: console, data keys, storage, network, diagnostics', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  const x = (n) => `<img src=x onerror="window.__xss=${n}"><script>window.__xss=${n}</script>`;
  devtools.push(
    { t: 'session', appId: x(0), name: x(1), pages: [x(2)], entry: x(2) },
    { t: 'console', level: 'error', text: x(3), time: x(4) },
    { t: 'state', stack: [{ id: x(5), path: x(6), query: x(7) }], data: { [x(8)]: { [x(9)]: x(10) }, list: [x(11)] }, storage: { [x(12)]: x(13), obj: { [x(14)]: 1 } } },
    { t: 'network', id: x(15), kind: 'request', phase: 'end', url: x(16), method: x(17), status: x(18), responseHeaders: { [x(19)]: x(20) }, body: x(21) },
    { t: 'compileError', diagnostics: [{ file: x(22), line: 1, col: 1, code: x(23), message: x(24), frame: x(25) }] },
    { t: 'error', message: x(26) },
  );
  await page.waitForFunction(() => document.querySelectorAll('.console-list .line').length >= 3);
  for (const tab of ['appdata', 'storage', 'network', 'pages', 'problems']) {
    await page.click(`[data-tab="${tab}"]`);
  }
  await page.click('[data-tab="appdata"]');
  await page.click('.appdata .tree-row.branch');
  await page.click('[data-tab="network"]');
  await page.click('.net-grid tbody tr');
  await page.click('[data-tab="storage"]');
  await page.click('.storage-grid tbody tr:nth-child(2)');
  await new Promise((r) => setTimeout(r, 200));
  const result = await page.evaluate(() => ({
    xss: window.__xss,
    imgs: document.querySelectorAll('img').length,
    scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
    text: document.body.textContent,
  }));
  assert.equal(result.xss, undefined);
  assert.equal(result.imgs, 0);
  assert.deepEqual(result.scripts, ['simulator.js']);
  for (const n of [1, 3, 6, 8, 9, 10, 12, 13, 14, 16, 20, 21, 22, 24, 25, 26]) {
    assert.ok(result.text.includes(`window.__xss=${n}`), `payload ${n} shown as text`);
  }
  await done(sim);
});

test('a dropped devtools socket shows disconnected and reconnects with live panels', async () => {
  const sim = await open();
  const { page, devtools } = sim;
  assert.equal(await page.textContent('.conn'), 'connected');
  devtools.push({ t: 'console', level: 'log', text: 'before the drop' });
  await page.waitForFunction(() => document.querySelector('.console-list').textContent.includes('before the drop'));
  devtools.take();
  await devtools.drop();
  await page.waitForFunction(() => document.querySelector('.conn').textContent.includes('disconnected'));
  assert.equal(await page.$eval('.conn', (e) => getComputedStyle(e).color), 'rgb(217, 48, 37)');
  await devtools.connected(2);
  await page.waitForFunction(() => document.querySelector('.conn').textContent === 'connected');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(devtools.take(), [{ t: 'refreshState' }], 'state is asked for again');
  // the server replays its backlog on connect, so the panels start over rather than doubling
  devtools.push({ t: 'console', level: 'log', text: 'after reconnect' });
  await page.waitForFunction(() => document.querySelector('.console-list').textContent.includes('after reconnect'));
  assert.equal(await page.locator('.console-list .line').count(), 1);
  await done(sim);
});

test('narrow windows put the panels below the phone', async () => {
  const sim = await open({ width: 700, height: 1000 });
  const { page, devtools } = sim;
  devtools.push({ t: 'console', level: 'warn', text: 'narrow' });
  const r = await page.evaluate(() => {
    const s = document.querySelector('.stage').getBoundingClientRect();
    const d = document.querySelector('.devtools').getBoundingClientRect();
    const phone = document.querySelector('.device').getBoundingClientRect();
    return { stageBottom: s.bottom, devTop: d.top, devWidth: d.width, phoneBottom: phone.bottom };
  });
  assert.ok(r.devTop >= r.stageBottom, 'panels below the stage');
  assert.equal(r.devWidth, 700);
  assert.ok(r.phoneBottom <= r.stageBottom, 'phone scaled to fit');
  await page.screenshot({ path: '/tmp/simulator-narrow.png' });
  await done(sim);
});
