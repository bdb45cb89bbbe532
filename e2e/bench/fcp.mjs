// Benchmark: from `cove dev <compiled package>` starting to the first contentful paint of
// the demo's index page in headless Chromium; the median of several runs, as a table.
// Usage: node e2e/bench/fcp.mjs [package.zip|dir] [runs]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { coveBin, startDev, launchBrowser, repo } from '../lib/dev.mjs';

const runs = Number(process.argv[3] || 7);
let pkg = process.argv[2];
if (!pkg) {
  pkg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cove-fcp-')), 'demo.zip');
  const r = spawnSync(coveBin(), ['build', path.join(repo, 'examples/demo'), '-o', pkg], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

const browser = await launchBrowser();
const rows = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 375, height: 667 } });
  const page = await context.newPage();
  const t0 = Date.now();
  const dev = await startDev(pkg, ['--no-watch']);
  const listening = Date.now() - t0;
  await page.goto(`${dev.url}view?width=375&height=667&ratio=2`);
  await page.waitForSelector('[id$="--count"]');
  const m = await page.evaluate(() => new Promise((resolve) => {
    const done = () => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      resolve({ origin: performance.timeOrigin, fcp: fcp ? fcp.startTime : null, content: performance.now() });
    };
    // The frame after the counter exists is the one that paints it.
    requestAnimationFrame(() => requestAnimationFrame(done));
  }));
  rows.push({
    listening,
    fcp: m.fcp === null ? NaN : m.origin + m.fcp - t0,
    content: m.origin + m.content - t0,
  });
  await context.close();
  await dev.stop();
}
await browser.close();

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const fmt = (x) => `${x.toFixed(0)} ms`;
console.log(`cove dev ${path.basename(pkg)}: ${runs} runs, headless Chromium, 375x667`);
console.log('| step (from `cove dev` start) | median | min | max |');
console.log('|---|---|---|---|');
for (const [k, label] of [['listening', 'server listening'], ['fcp', 'first contentful paint'], ['content', 'counter painted']]) {
  const xs = rows.map((r) => r[k]);
  console.log(`| ${label} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))} | ${fmt(Math.max(...xs))} |`);
}
