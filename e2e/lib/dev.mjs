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

/**
 * Run `cove <args>`; resolves once it has printed `lines` lines on stdout (its URL and
 * endpoints), with those lines, the process and a `stop()` that sends SIGTERM.
 */
export function startCove(args, lines = 1) {
  const proc = spawn(coveBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`cove ${args[0]} did not start: ${stderr}`)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const got = out.split('\n');
      if (got.length <= lines) return;
      clearTimeout(timer);
      resolve({
        lines: got.slice(0, lines).map((l) => l.trim()),
        proc,
        stderr: () => stderr,
        stop: () => new Promise((r) => { proc.once('exit', (code, signal) => r({ code, signal })); proc.kill('SIGTERM'); }),
      });
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`cove ${args[0]} exited with ${code}: ${stderr}`)); });
  });
}

/** Start `cove dev <source>` on a free port; resolves when it prints its URL. */
export async function startDev(source, extra = []) {
  const c = await startCove(['dev', source, '--port', '0', ...extra]);
  return { ...c, url: c.lines[0] };
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
