// The red error banner belongs to the page whose code threw (e2e/fixtures/overlay): it counts
// that page's errors only, leaves with the page and comes back with it, can be expanded and
// dismissed, and never piles up over the pages opened after it. A page that drew nothing
// shows its errors in its own place, under the navigation bar, so back still works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDev, openView, launchBrowser, byId, repo } from './lib/dev.mjs';

let dev, browser;

before(async () => {
  dev = await startDev(path.join(repo, 'e2e/fixtures/overlay'), ['--no-watch']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dev?.stop();
});

const banner = (page) => page.locator('.cove-banner');

test('errors stay on their page: counted, expanded, dismissed, gone after navigation', async () => {
  const page = await openView(browser, dev);
  await byId(page, 'title').waitFor();
  assert.equal(await banner(page).count(), 0);

  // Two errors on the first page: one banner, the last message's first line, ×2.
  await byId(page, 'boom').click();
  await banner(page).waitFor();
  await byId(page, 'boom').click();
  await page.waitForFunction(() => document.querySelector('.cove-banner__count')?.textContent === '×2');
  assert.equal(await page.locator('.cove-banner__text').innerText(), 'Error: first page failed (tap 2)'.replace('Error: ', ''));
  // A click shows the whole message, its stack included.
  await banner(page).click();
  assert.match(await page.locator('.cove-banner__text').innerText(), /first page failed \(tap 2\)\n.*first\.js/);
  // A second click folds it again (expanded, it covers the top of the page).
  await banner(page).click();
  assert.equal(await page.locator('.cove-banner__text').innerText(), 'first page failed (tap 2)');

  // The next page is not covered by the first page's errors.
  await byId(page, 'to-second').click();
  await byId(page, 'title2').waitFor();
  assert.equal(await banner(page).count(), 0);
  // Its own error: a count of its own.
  await byId(page, 'boom2').click();
  await banner(page).waitFor();
  assert.equal(await page.locator('.cove-banner__text').innerText(), 'second page failed');
  assert.equal(await page.locator('.cove-banner__count').innerText(), '');
  // Dismissed: gone, and the page under it is usable.
  await page.locator('.cove-banner__close').click();
  assert.equal(await banner(page).count(), 0);

  // Back on the first page: its errors, still ×2 (not ×3: nothing piled up).
  await page.locator('.cove-nav__back').click();
  await byId(page, 'title').waitFor({ state: 'visible' });
  await banner(page).waitFor();
  assert.equal(await page.locator('.cove-banner__count').innerText(), '×2');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a page that cannot be created shows its error in its place, and back leaves it', async () => {
  const page = await openView(browser, dev);
  await byId(page, 'title').waitFor();
  await byId(page, 'to-broken').click();
  const screen = page.locator('.cove-pageerror');
  await screen.waitFor();
  const text = await screen.innerText();
  assert.match(text, /This page did not render/);
  assert.match(text, /broken page script failed/);
  assert.match(text, /page "pages\/broken\/broken" cannot be created/);
  // Under the navigation bar: its title and back button are there.
  const nav = await page.locator('.cove-nav').boundingBox();
  const box = await screen.boundingBox();
  assert.ok(box.y >= nav.y + nav.height - 1, `${box.y} below ${nav.y + nav.height}`);
  await page.locator('.cove-nav__back').click();
  await byId(page, 'title').waitFor({ state: 'visible' });
  // It leaves with its page (closed once the back animation ends).
  await page.locator('.cove-pageerror').waitFor({ state: 'detached', timeout: 5000 });
  assert.equal(await banner(page).count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});
