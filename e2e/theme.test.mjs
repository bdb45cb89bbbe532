// DarkMode in `cove dev` (docs/view.md "Themes"): the toolbar's light/dark switch changes the
// running app's system theme. The navigation bar, the tabBar (colours and icons) and WXSS
// `prefers-color-scheme` rules follow on screen, App.onThemeChange and wx.onThemeChange fire,
// and a reload starts in the theme chosen. The app's media queries follow the theme Cove
// states, not the browser's own preference.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDev, launchBrowser, openView, repo } from './lib/dev.mjs';
import { startHarness, openHarness, deliver } from './lib/harness.mjs';

const fixture = path.join(repo, 'e2e/fixtures/theme');
let dev;
let browser;

before(async () => {
  dev = await startDev(fixture);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
});

const style = (loc, prop) => loc.evaluate((el, p) => getComputedStyle(el)[p], prop);
/** The element whose WXML id is `id` (glass-easel prefixes ids: `<prefix>--<id>`). */
const byId = (root, id, opts) => root.locator(`[id="${id}"], [id$="--${id}"]`, opts).first();

/** What the phone shows that depends on the theme. */
async function looks(phone) {
  const selected = phone.locator('.cove-tab.is-selected');
  return {
    nav: await style(phone.locator('.cove-nav'), 'backgroundColor'),
    navText: await style(phone.locator('.cove-nav'), 'color'),
    tabBar: await style(phone.locator('.cove-tabbar:not(.cove-tabbar--top)'), 'backgroundColor'),
    tabText: await style(selected, 'color'),
    tabIcon: new URL(await selected.locator('img').getAttribute('src'), 'http://x/').pathname,
    box: await style(byId(phone, 'box'), 'backgroundColor'),
    label: await style(byId(phone, 'label'), 'color'),
  };
}

const LIGHT = {
  nav: 'rgb(247, 247, 247)', navText: 'rgb(0, 0, 0)', tabBar: 'rgb(255, 255, 255)',
  tabText: 'rgb(60, 197, 31)', tabIcon: '/__cove/pkg/images/light-on.png',
  box: 'rgb(255, 255, 255)', label: 'rgb(0, 128, 0)',
};
const DARK = {
  nav: 'rgb(31, 31, 31)', navText: 'rgb(255, 255, 255)', tabBar: 'rgb(25, 25, 25)',
  tabText: 'rgb(81, 169, 55)', tabIcon: '/__cove/pkg/images/dark-on.png',
  box: 'rgb(0, 0, 0)', label: 'rgb(200, 0, 0)',
};

test('the simulator switch turns the running app dark and back, live', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(dev.url);
  const phone = page.frameLocator('iframe.screen');
  const text = (id) => byId(phone, id).innerText();
  await byId(phone, 'box').waitFor();
  assert.equal(await text('theme'), 'light', 'getSystemInfoSync().theme at launch');
  assert.deepEqual(await looks(phone), LIGHT);
  const toggle = page.locator('.theme-toggle');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');

  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  // wx.onThemeChange ran (after App.onThemeChange, which recorded the change).
  await byId(phone, 'heard', { hasText: 'dark' }).waitFor();
  assert.equal(await text('theme'), 'dark');
  await phone.locator('.cove-nav').evaluate((el) => new Promise((r) => requestAnimationFrame(r)));
  assert.deepEqual(await looks(phone), DARK);

  // A reload starts the app in the theme chosen (the view's URL carries it).
  await page.locator('.tool-btn.reload').click();
  await byId(phone, 'theme', { hasText: 'dark' }).waitFor();
  assert.equal(await text('heard'), '');
  assert.deepEqual(await looks(phone), DARK);

  // The choice is remembered for the next visit of the simulator.
  const again = await context.newPage();
  await again.goto(dev.url);
  assert.equal(await again.locator('.theme-toggle').getAttribute('aria-pressed'), 'true');
  await again.close();

  // And back to light: everything returns.
  await toggle.click();
  await byId(phone, 'heard', { hasText: 'light' }).waitFor();
  assert.deepEqual(await looks(phone), LIGHT);

  assert.deepEqual(errors, []);
  await context.close();
});

test('prefers-color-scheme follows the theme Cove states, not the browser preference', async () => {
  // The browser prefers dark; the phone is light: the app's light rules apply.
  const page = await openView(browser, dev);
  await page.emulateMedia({ colorScheme: 'dark' });
  await byId(page, 'box').waitFor();
  // The rewrite was redone when the preference changed.
  assert.equal(await style(byId(page, 'box'), 'backgroundColor'), 'rgb(255, 255, 255)');
  assert.equal(await style(byId(page, 'label'), 'color'), 'rgb(0, 128, 0)');
  // A dark phone in a browser that prefers dark: the rules read as written.
  await page.close();
  const dark = await openView(browser, dev, { query: '' });
  await dark.emulateMedia({ colorScheme: 'dark' });
  await dark.goto(dark.url().replace('/view?', '/view?theme=dark&'));
  await byId(dark, 'theme', { hasText: 'dark' }).waitFor();
  assert.equal(await style(byId(dark, 'box'), 'backgroundColor'), 'rgb(0, 0, 0)');
  assert.equal(await style(byId(dark, 'label'), 'color'), 'rgb(200, 0, 0)');
  const media = await dark.evaluate(() => document.adoptedStyleSheets
    .flatMap((s) => Array.from(s.cssRules))
    .filter((r) => r instanceof CSSMediaRule)
    .map((r) => r.media.mediaText));
  assert.ok(media.includes('(prefers-color-scheme: dark)'), media.join(' | '));
  assert.deepEqual(dark.errors, []);
  await dark.close();
});

// ---- the view alone, with container messages delivered by hand (e2e/lib/harness.mjs) ------------
const VARS = {
  light: { nav: '#ffffff', text: 'black', bg: '#eeeeee', tab: '#ffffff' },
  dark: { nav: '#000000', text: 'white', bg: '#222222', tab: '#111111' },
};
const hello = (darkmode, theme) => ({
  t: 'hello', protocol: 1, appId: 'wxtheme', theme,
  app: {
    pages: ['pages/a/a', 'pages/b/b'], darkmode, theme: VARS,
    window: { navigationBarTitleText: '@title is text', navigationBarBackgroundColor: '@nav', navigationBarTextStyle: '@text', backgroundColor: '@bg' },
    tabBar: { backgroundColor: '@tab', color: '@nope', list: [{ pagePath: 'pages/a/a', text: 'A' }, { pagePath: 'pages/b/b', text: 'B' }] },
  },
});
const pageOps = { t: 'ops', ops: [['create', 1, 'page', 'page'], ['page', 1, 1, 'pages/a/a'], ['create', 2, 'view', 'view'], ['class', 2, 'x', null], ['append', 1, 2]] };
const launch = (w) => ({ t: 'route', action: 'launch', stack: [{ id: 1, path: 'pages/a/a', query: {}, node: 1 }], window: w, tab: 'pages/a/a' });
const CSS = '.x{height:10px;background-color:rgb(1,1,1)}@media (prefers-color-scheme:dark){.x{background-color:rgb(2,2,2)}}';

async function viewWith(darkmode, theme) {
  const page = await openHarness(browser, harness);
  await deliver(page,
    { t: 'config', styles: [{ path: 'app.css', scope: null, page: false, css: CSS }] },
    hello(darkmode, theme), launch(hello(darkmode, theme).app.window), pageOps);
  return page;
}
const chrome = (page) => page.evaluate(() => {
  const cs = (sel, p) => getComputedStyle(document.querySelector(sel))[p];
  return {
    nav: cs('.cove-nav', 'backgroundColor'), text: cs('.cove-nav', 'color'), title: document.querySelector('.cove-nav__title').textContent,
    tab: cs('.cove-tabbar:not(.cove-tabbar--top)', 'backgroundColor'), tabText: cs('.cove-tab:not(.is-selected)', 'color'),
    ptr: cs('.cove-ptr', 'backgroundColor'), box: cs('wx-view.x', 'backgroundColor'), attr: document.documentElement.getAttribute('cove-theme'),
  };
});

let harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness?.close());

test('view: @variables resolve for the theme the app runs in and follow a `theme` message', async () => {
  const page = await viewWith(true, 'light');
  const light = { nav: 'rgb(255, 255, 255)', text: 'rgb(0, 0, 0)', title: '@title is text', tab: 'rgb(255, 255, 255)', tabText: 'rgb(153, 153, 153)', ptr: 'rgb(238, 238, 238)', box: 'rgb(1, 1, 1)', attr: 'light' };
  // An unknown variable (`@nope`) leaves the field at its default; a title is never resolved.
  assert.deepEqual(await chrome(page), light);
  await deliver(page, { t: 'theme', theme: 'dark' });
  assert.deepEqual(await chrome(page), { ...light, nav: 'rgb(0, 0, 0)', text: 'rgb(255, 255, 255)', tab: 'rgb(17, 17, 17)', ptr: 'rgb(34, 34, 34)', box: 'rgb(2, 2, 2)', attr: 'dark' });
  // A runtime colour stays what the app asked for across a switch.
  await deliver(page, { t: 'ui', api: 'setNavigationBarColor', args: { frontColor: '#000000', backgroundColor: '#ff0000' }, page: 1 });
  await deliver(page, { t: 'theme', theme: 'light' }, { t: 'theme', theme: 'dark' });
  assert.equal((await chrome(page)).nav, 'rgb(255, 0, 0)');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('view: without darkmode the chrome stays light, but prefers-color-scheme follows the system', async () => {
  const page = await viewWith(false, 'dark');
  const got = await chrome(page);
  assert.equal(got.nav, 'rgb(255, 255, 255)');
  assert.equal(got.attr, 'light');
  assert.equal(got.box, 'rgb(2, 2, 2)', 'WXSS media queries follow the system theme whatever darkmode says');
  await deliver(page, { t: 'theme', theme: 'light' });
  assert.equal((await chrome(page)).box, 'rgb(1, 1, 1)');
  assert.deepEqual(page.errors, []);
  await page.close();
});
