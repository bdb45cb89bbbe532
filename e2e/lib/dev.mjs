// Runs `cove dev` as a user would, and opens its view in Debian's headless Chromium.
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { repo, launchBrowser } from './harness.mjs';

export { launchBrowser, repo };

/** The `cove` binary under test: COVE_BIN, else the debug build. */
export function coveBin() {
  const bin = process.env.COVE_BIN || path.join(repo, 'target/debug/cove');
  if (!fs.existsSync(bin)) throw new Error(`no cove binary at ${bin}: run cargo build -p cove-cli, or set COVE_BIN`);
  return bin;
}

/** Start `cove dev <source>` on a free port; resolves when it prints its URL. */
export function startDev(source, extra = []) {
  const proc = spawn(coveBin(), ['dev', source, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`cove dev did not start: ${stderr}`)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({
          url: line.trim(),
          proc,
          stderr: () => stderr,
          stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }),
        });
      }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`cove dev exited with ${code}: ${stderr}`)); });
  });
}

/** A view page of the simulator (no phone frame): the mini-program at `path`. */
export async function openView(browser, dev, { width = 375, height = 667, ratio = 2, path: p = '', query = '' } = {}) {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1, hasTouch: false });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // A resource that fails to load (an offline image host, a deliberately broken src) is
  // the app's business, reported to it through `binderror`; it is kept apart.
  const resources = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    (m.text().startsWith('Failed to load resource') ? resources : errors).push(m.text());
  });
  page.errors = errors;
  page.resourceErrors = resources;
  const q = new URLSearchParams({ width: String(width), height: String(height), ratio: String(ratio), path: p, query });
  await page.goto(`${dev.url}view?${q}`);
  return page;
}

/** The element whose WXML id is `id` (glass-easel prefixes ids: `<prefix>--<id>`). */
export function byId(page, id) {
  return page.locator(`[id="${id}"], [id$="--${id}"]`).first();
}

/** The simulator's own counters: build state, sessions, errors the view reported. */
export async function status(dev) {
  const r = await fetch(`${dev.url}__cove/status`);
  return r.json();
}
