// Markup and script URLs from a mini-program's data, in text, attributes, rich-text, the
// navigation bar and a toast, never execute: the view never parses them as HTML, and the
// page's CSP is a second wall (no violation may even be attempted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDev, openView, launchBrowser, byId, status, repo } from './lib/dev.mjs';

let dev, browser;
before(async () => {
  dev = await startDev(path.join(repo, 'e2e/fixtures/xss'), ['--no-watch']);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await dev?.stop();
});

test('hostile data never executes in the view', async () => {
  const page = await openView(browser, dev);
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
  });
  await page.reload();
  await byId(page, 'text').waitFor();
  await byId(page, 'rt-nodes').waitFor();
  await page.waitForTimeout(800);
  // The markup is shown as text.
  assert.equal(await byId(page, 'text').textContent(), '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>');
  assert.match(await page.locator('body').innerText(), /<img src=x onerror/);
  // Sanitised rich-text keeps the harmless parts.
  assert.equal(await byId(page, 'rt-string').locator('b').textContent(), 'bold');
  assert.equal(await byId(page, 'rt-nodes').getByText('node link').count(), 1);
  // Nothing ran, and nothing that could run exists.
  const found = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      pwned: window.__pwned,
      scripts: [...document.scripts].filter((s) => !s.src.endsWith('/main.js')).length,
      handlers: all.filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).map((el) => el.tagName),
      jsUrls: all.filter((el) => [...el.attributes].some((a) => /javascript:/i.test(a.value))).map((el) => el.tagName),
      iframes: document.querySelectorAll('iframe').length,
      imgX: [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x').length,
      violations: window.__violations,
    };
  });
  assert.equal(found.pwned, undefined);
  assert.equal(found.scripts, 0);
  assert.deepEqual(found.handlers, []);
  assert.deepEqual(found.jsUrls, []);
  assert.equal(found.iframes, 0);
  assert.equal(found.imgX, 0);
  assert.deepEqual(found.violations, []);
  // Clicking the navigator and the link does not run their URLs either.
  await byId(page, 'nav').click();
  await byId(page, 'rt-string').getByText('link', { exact: true }).click();
  await byId(page, 'rt-nodes').getByText('node link').click();
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // The page's policy is strict: only our scripts.
  const res = await page.request.get(`${dev.url}view`);
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal((await status(dev)).viewErrors, 0);
  await page.close();
});
