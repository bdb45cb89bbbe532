// Every way an app can fail to start is said, never a blank phone: `cove dev` on a small
// fixture per failure (e2e/fixtures/start/), opened in the simulator's own page. The phone
// says what happened, the Console and Problems panels have it, and the automator answers why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import automator from 'miniprogram-automator';
import { startCove, launchBrowser, repo } from './lib/dev.mjs';

const fixture = (name) => path.join(repo, 'e2e/fixtures/start', name);

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** `cove dev <fixture> --automator 0`, its simulator page open (phone frame and panels). */
async function open(name) {
  const c = await startCove(['dev', fixture(name), '--port', '0', '--automator', '0', '--no-watch'], 2);
  const dev = { ...c, url: c.lines[0], endpoint: c.lines[1] };
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.errors = errors;
  await page.goto(dev.url);
  return { dev, page, phone: page.frameLocator('iframe') };
}

async function panel(page, tab, cls) {
  await page.locator(`button[data-tab="${tab}"]`).click();
  return page.locator(cls);
}

/** The phone shows `stop` over everything: title, code, reason, a Reload button. */
async function expectFatal({ page, phone, dev }, { title, code, reason }) {
  const screen = phone.locator('.cove-fatal');
  await screen.waitFor({ timeout: 20000 });
  const text = await screen.innerText();
  assert.match(text, title);
  assert.match(text, reason);
  assert.equal(await screen.getAttribute('data-code'), code);
  assert.ok(await screen.getByRole('button', { name: 'Reload' }).isVisible());
  // The console has the reason; Problems lists it under its code; the toolbar says so.
  const consoleList = await panel(page, 'console', '.console-list');
  await consoleList.getByText(reason).first().waitFor();
  const problems = await panel(page, 'problems', '.problems');
  await problems.getByText(code).first().waitFor();
  assert.match(await page.locator('.stop-badge').innerText(), title);
  // The automator answers why, at once, from its first call (connect asks Tool.getInfo).
  await assert.rejects(automator.connect({ wsEndpoint: dev.endpoint }), (e) => {
    assert.match(e.message, title);
    assert.match(e.message, reason);
    return true;
  });
  const status = await (await fetch(`${dev.url}__cove/status`)).json();
  assert.ok(status.appErrors >= 1, JSON.stringify(status));
  assert.deepEqual(page.errors, []);
}

test('a package that does not load: its missing file, not a blank phone', async () => {
  const s = await open('package-broken');
  try {
    await expectFatal(s, { title: /The app did not load/, code: 'app-load-failed', reason: /cannot read .*app\.js/ });
  } finally {
    await s.page.close();
    await s.dev.stop();
  }
});

test('app.js that never returns: stopped at the CPU-time limit, and said so', async () => {
  const s = await open('hangs');
  try {
    // Before the limit, the phone says the app is starting.
    await s.phone.locator('.cove-starting').waitFor({ timeout: 4000 });
    await expectFatal(s, { title: /The app did not load/, code: 'app-hung', reason: /CPU-time limit/ });
  } finally {
    await s.page.close();
    await s.dev.stop();
  }
});

/** The phone's error banner over the entry page, the console and Problems have `text`, and
 * the app keeps answering (as in WeChat, an app.js that throws does not stop the app). */
async function expectLaunchError(s, text) {
  const banner = s.phone.locator('.cove-banner');
  await banner.waitFor({ timeout: 30000 });
  assert.match(await banner.innerText(), text);
  const consoleList = await panel(s.page, 'console', '.console-list');
  await consoleList.getByText(text).first().waitFor();
  const problems = await panel(s.page, 'problems', '.problems');
  await problems.getByText('launch-error').first().waitFor();
  const mp = await automator.connect({ wsEndpoint: s.dev.endpoint });
  const current = await mp.currentPage();
  assert.equal(current.path, 'pages/index/index');
  mp.disconnect();
  assert.deepEqual(s.page.errors, []);
}

test('app.js that exhausts the heap: out of memory is its error, and the app goes on', async () => {
  const s = await open('out-of-memory');
  try {
    await expectLaunchError(s, /out of memory/);
  } finally {
    await s.page.close();
    await s.dev.stop();
  }
});

test('app.js that throws: its error over the entry page, which still renders', async () => {
  const s = await open('app-throws');
  try {
    await expectLaunchError(s, /app\.js failed: the config is missing/);
    // The navigation bar stays: the page is there, with its title.
    assert.ok(await s.phone.getByText('app-throws', { exact: true }).isVisible());
  } finally {
    await s.page.close();
    await s.dev.stop();
  }
});

test('an entry page whose script throws: its error in its place; other pages still open', async () => {
  const s = await open('page-throws');
  try {
    const screen = s.phone.locator('.cove-pageerror');
    await screen.waitFor();
    assert.match(await screen.innerText(), /the entry page is broken/);
    const problems = await panel(s.page, 'problems', '.problems');
    await problems.getByText('launch-error').first().waitFor();
    assert.match(await problems.innerText(), /the entry page is broken/);
    const mp = await automator.connect({ wsEndpoint: s.dev.endpoint });
    await mp.callWxMethod('navigateTo', { url: '/pages/other/other' });
    assert.equal((await mp.currentPage()).path, 'pages/other/other');
    // The next page is not covered by the last one's error.
    await s.phone.locator('[id$="hello"]').waitFor();
    assert.equal(await s.phone.locator('.cove-pageerror, .cove-banner').count(), 0);
    mp.disconnect();
  } finally {
    await s.page.close();
    await s.dev.stop();
  }
});

test('the view loses the simulator: the phone and the panels say so', async () => {
  const s = await open('page-throws');
  await s.phone.locator('.cove-pageerror').waitFor();
  await s.dev.stop();
  await s.phone.locator('.cove-disconnected').waitFor();
  assert.match(await s.phone.locator('.cove-disconnected').innerText(), /Disconnected from cove dev/);
  await s.page.locator('.conn.disconnected').waitFor();
  await s.page.close();
});
