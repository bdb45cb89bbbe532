// A static server for testing the view without the container: it serves the view's assets
// and a page whose transport is a test double, so a test delivers container messages by
// hand and reads what the view sent back. The real end to end runs through `cove dev`.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
const assets = path.join(repo, 'crates/view/assets');

const types = {
  '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.html': 'text/html',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml', '.json': 'application/json',
};

const page = `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/css/view.css">
<link rel="stylesheet" href="/assets/css/basic.css">
<link rel="stylesheet" href="/assets/css/layout.css">
<link rel="stylesheet" href="/assets/css/media.css">
<link rel="stylesheet" href="/assets/css/form.css">
<link rel="stylesheet" href="/assets/css/picker.css">
<script type="module" src="/harness.js"></script></head><body></body></html>`;

const script = `import { start } from '/assets/view.js';
window.__sent = [];
let deliver = null;
window.__deliver = (m) => deliver(m);
window.__viewErrors = [];
window.addEventListener('error', (e) => window.__viewErrors.push(String(e.message)));
start({ send: (m) => window.__sent.push(m), onMessage: (f) => { deliver = f; } });
window.__ready = true;`;

/** Serve the assets; `pkg` is a folder served as the package (`/__cove/pkg/`). */
export function startHarness({ pkg } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = null;
    if (url.pathname === '/' || url.pathname === '/harness.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(page);
    }
    if (url.pathname === '/harness.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(script);
    }
    if (url.pathname.startsWith('/assets/')) file = path.join(assets, url.pathname.slice(8));
    if (url.pathname.startsWith('/__cove/pkg/') && pkg) file = path.join(pkg, url.pathname.slice(12));
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      return res.end('not found');
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => server.close() });
    });
  });
}

/** Debian's Chromium, headless. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
}

/** A page on the harness with a phone-sized viewport, ready for `__deliver`. */
export async function openHarness(browser, harness, { width = 375, height = 667 } = {}) {
  const page = await browser.newPage({ viewport: { width, height }, hasTouch: true });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(harness.url);
  await page.waitForFunction(() => window.__ready === true);
  page.errors = errors;
  return page;
}

/** Deliver container messages in order. */
export async function deliver(page, ...messages) {
  for (const m of messages) await page.evaluate((msg) => window.__deliver(msg), m);
}

/** What the view has sent so far (and forget it). */
export async function takeSent(page) {
  return page.evaluate(() => window.__sent.splice(0));
}
