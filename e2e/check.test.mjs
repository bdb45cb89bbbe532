// `cove check` (docs/check.md) on its fixture (crates/check/tests/fixture), headless and with
// `--browser`: the same rows, except the page that measures its layout, which only a real
// layout makes clean; and on a real app of ../shared/real-apps when it is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { coveBin, repo } from './lib/dev.mjs';

const fixture = path.join(repo, 'crates/check/tests/fixture');

/** `cove check <dir> --json - [...extra]`: the exit code and the report. */
function check(dir, extra = []) {
  return new Promise((resolve, reject) => {
    execFile(coveBin(), ['check', dir, '--json', '-', ...extra], { maxBuffer: 64 << 20, timeout: 300000 }, (err, stdout) => {
      if (err && typeof err.code !== 'number') return reject(err);
      try {
        resolve({ code: err ? err.code : 0, report: JSON.parse(stdout) });
      } catch (e) {
        reject(new Error(`not JSON: ${stdout.slice(0, 500)}`));
      }
    });
  });
}

const row = (report, page) => report.pages.find((p) => p.path === page);

function assertCommonRows(report) {
  assert.equal(report.build.ok, true);
  assert.equal(report.launch_error, null);
  assert.equal(report.pages.length, 6);
  assert.ok(row(report, 'pages/good/good').clean);
  const throws = row(report, 'pages/throws/throws');
  assert.equal(throws.clean, false);
  assert.ok(throws.errors.some((e) => e.location === 'pages/throws/throws.js:3:18'), JSON.stringify(throws.errors));
  const unsupported = row(report, 'pages/unsupported/unsupported');
  assert.deepEqual(unsupported.unsupported_calls, ['joinVoIPChat']);
  assert.ok(unsupported.clean, 'an unsupported call fails as WeChat does; it is not an uncaught error');
  const unknown = row(report, 'pages/unknown/unknown');
  assert.ok(unknown.unknown_components.includes('<fancy-widget>'), JSON.stringify(unknown));
  assert.deepEqual(unknown.unsupported_components, ['editor']);
  const redirect = row(report, 'pages/redirect/redirect');
  assert.equal(redirect.opened, true);
  assert.equal(redirect.redirected_to, 'pages/good/good');
  // Static findings, with the files that use them.
  assert.deepEqual(report.unsupported_apis.joinVoIPChat ?? report.unsupported_apis['wx.joinVoIPChat'], ['pages/unsupported/unsupported.js']);
  assert.deepEqual(report.placeholder_components, { camera: ['pages/unknown/unknown.wxml'] });
  assert.deepEqual(report.unsupported_components, { editor: ['pages/unknown/unknown.wxml'] });
}

test('headless: every page has its row, the layout page sees no layout', async () => {
  const { code, report } = await check(fixture);
  assert.equal(code, 1, 'a page is not clean');
  assert.equal(report.mode, 'headless');
  assertCommonRows(report);
  const layout = row(report, 'pages/layout/layout');
  assert.equal(layout.clean, false);
  assert.match(layout.errors[0].message, /the box measures/);
  assert.ok(report.pages.every((p) => typeof p.first_ops_ms === 'number' && p.heap_bytes > 0));
  assert.equal(report.summary.pages, 6);
  assert.equal(report.summary.clean, 4);
});

test('--browser: the view in headless Chromium lays the page out', async () => {
  const { code, report } = await check(fixture, ['--browser']);
  assert.equal(code, 1);
  assert.equal(report.mode, 'browser');
  assertCommonRows(report);
  const layout = row(report, 'pages/layout/layout');
  assert.equal(layout.clean, true, JSON.stringify(layout));
  assert.ok(report.pages.every((p) => typeof p.first_view_ms === 'number'), 'every page was drawn');
  assert.equal(report.summary.clean, 5);
});

const weather = path.join(repo, '../shared/real-apps/zbge+weather');
test('--browser on a real app: every page opens', { skip: !fs.existsSync(weather) && 'no ../shared/real-apps' }, async () => {
  const { report } = await check(weather, ['--browser']);
  assert.equal(report.launch_error, null);
  assert.equal(report.pages.length, 5);
  for (const p of report.pages) assert.ok(p.opened, JSON.stringify(p));
});
