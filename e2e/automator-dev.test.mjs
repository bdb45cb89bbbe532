// `cove dev --automator`: the automator drives the view a developer has open in a browser;
// with no browser open, cove opens a headless one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import automator from 'miniprogram-automator';
import { startCove, repo, launchBrowser, openView, byId } from './lib/dev.mjs';

/** `cove dev <demo> --port 0 --automator 0`: its URL and automator endpoint (stdout lines 1, 2). */
async function startDevWithAutomator() {
  const c = await startCove(['dev', path.join(repo, 'examples/demo'), '--port', '0', '--automator', '0', '--no-watch'], 2);
  return { ...c, url: c.lines[0], endpoint: c.lines[1] };
}

test('the automator drives the browser view the developer has open', async () => {
  const dev = await startDevWithAutomator();
  assert.match(dev.endpoint, /^ws:\/\/127\.0\.0\.1:\d+$/);
  const browser = await launchBrowser();
  try {
    const page = await openView(browser, dev);
    await byId(page, 'count').waitFor();
    const miniProgram = await automator.connect({ wsEndpoint: dev.endpoint });
    const mp = await miniProgram.currentPage();
    assert.equal(mp.path, 'pages/counter/counter');
    await (await mp.$('#increment')).tap();
    await (await mp.$('#increment')).tap();
    // The developer's own browser shows what the automator did.
    await page.waitForFunction(() => {
      const el = document.querySelector('[id$="--count"], [id="count"]');
      return el && el.textContent === '2';
    });
    assert.equal(await mp.data('count'), 2);
    // That tab belongs to the developer: cove cannot capture it, and says what to do.
    await assert.rejects(miniProgram.screenshot(), /cove test-server/);
    miniProgram.disconnect();
    assert.deepEqual(page.errors, []);
  } finally {
    await browser.close();
    await dev.stop();
  }
});

test('with no browser open, cove opens a headless view for the automator', async () => {
  const dev = await startDevWithAutomator();
  try {
    const miniProgram = await automator.connect({ wsEndpoint: dev.endpoint });
    const page = await miniProgram.currentPage();
    assert.equal(page.path, 'pages/counter/counter');
    await (await page.$('#increment')).tap();
    assert.equal(await (await page.$('#count')).text(), '1');
    const png = Buffer.from(await miniProgram.screenshot(), 'base64');
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    miniProgram.disconnect();
    const status = await (await fetch(`${dev.url}__cove/status`)).json();
    assert.equal(status.sessions, 1);
  } finally {
    await dev.stop();
  }
});
