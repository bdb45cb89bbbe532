// The outer page of `cove dev`: a phone frame holding the view (`/view?...`) and DevTools-like
// panels fed by the devtools WebSocket (`/__cove/devtools`). See docs/view.md.
// Console text, page data and storage come from the mini-program: they are rendered as text
// nodes only (sim/dom.js), never parsed as HTML.

import { h, button, select, prefs } from './sim/dom.js';
import { queryString, pageUrl } from './sim/format.js';
import { DEVICES, DEFAULT_DEVICE, createStage, viewUrl } from './sim/devices.js';
import { connectDevtools } from './sim/socket.js';
import { createTabs } from './sim/tabs.js';
import { createConsole } from './sim/console.js';
import { createNetwork } from './sim/network.js';
import { createAppData } from './sim/appdata.js';
import { createStorage } from './sim/storage.js';
import { createPages } from './sim/pages.js';
import { createProblems } from './sim/problems.js';
import { createSplitter } from './sim/splitter.js';

const ZOOMS = [['0.5', '50%'], ['0.75', '75%'], ['1', '100%']];

// the start page can be given to the simulator itself: `/?path=pages/a/a&query=x%3D1`
const start = new URLSearchParams(location.search);
let current = { path: start.get('path') || '', query: start.get('query') || '' };
let device = DEVICES.find((d) => d.id === prefs.get('device', DEFAULT_DEVICE)) || DEVICES.find((d) => d.id === DEFAULT_DEVICE);
let zoom = Number(prefs.get('zoom', '1'));
if (!ZOOMS.some(([v]) => Number(v) === zoom)) zoom = 1;
let theme = prefs.get('theme', 'light') === 'dark' ? 'dark' : 'light';
let session = null;
let compileErrors = 0;

// --- toolbar -------------------------------------------------------------------------
const appName = h('span', { class: 'app-name', text: 'Cove' });
const deviceSel = select(DEVICES.map((d) => [d.id, `${d.name}  ${d.width}×${d.height}`]), device.id, (id) => {
  device = DEVICES.find((d) => d.id === id) || device;
  prefs.set('device', device.id);
  stage.configure(device, zoom);
  reloadView();
}, { class: 'device-select', title: 'Device', attrs: { 'aria-label': 'Device' } });
const zoomSel = select(ZOOMS, String(zoom), (v) => {
  zoom = Number(v);
  prefs.set('zoom', v);
  stage.configure(device, zoom);
}, { class: 'zoom-select', title: 'Zoom', attrs: { 'aria-label': 'Zoom' } });
// The phone's light/dark setting, as WeChat DevTools' 深色模式 switch: the running app gets a
// theme change (its chrome, onThemeChange and prefers-color-scheme rules follow).
const themeBtn = button('', () => setTheme(theme === 'dark' ? 'light' : 'dark'), { class: 'tool-btn theme-toggle' });
showTheme();
const compileBadge = button('', () => tabs.select('problems'), { class: 'compile-badge', title: 'Show compile errors' });
compileBadge.hidden = true;
// The app stopped for good (it did not load or start, ran out of memory, hung, crashed).
const stopBadge = button('', () => tabs.select('problems'), { class: 'compile-badge stop-badge', title: 'Why the app stopped' });
stopBadge.hidden = true;
const conn = h('span', { class: 'conn connecting', text: 'connecting…', attrs: { role: 'status' } });

// Everything the simulator runs is dev mode (AppConfig::dev_mode_unverified): said on screen,
// so that nobody takes what works here for what a host app's verified launch allows.
const devMode = h('span', {
  class: 'dev-mode',
  text: 'DEV MODE · unverified',
  title: 'Apps here run without the platform\'s signature or policy: any network address, no grant guard, plain storage. Host apps launch only signed packages under the signed policy.',
  attrs: { role: 'note', 'aria-label': 'Dev mode: unverified, open network, no grant guard, plain storage' },
});

const toolbar = h('header', { class: 'toolbar' }, [
  appName,
  devMode,
  h('span', { class: 'sep' }),
  deviceSel,
  zoomSel,
  button('↻', () => reloadView(), { class: 'tool-btn reload', title: 'Reload (stay on this page)', attrs: { 'aria-label': 'Reload' } }),
  button('⌂', () => goHome(), { class: 'tool-btn home', title: 'Relaunch at the entry page', attrs: { 'aria-label': 'Home' } }),
  themeBtn,
  h('span', { class: 'spacer' }),
  compileBadge,
  stopBadge,
  conn,
]);

// --- panels ----------------------------------------------------------------------------
const stageEl = h('div', { class: 'stage' });
const strip = h('nav', { class: 'tabs', attrs: { role: 'tablist' } });
const body = h('div', { class: 'panels' });
const devtools = h('div', { class: 'devtools' }, [strip, body]);
const splitter = h('div', { class: 'splitter', attrs: { role: 'separator', 'aria-label': 'Resize panels' } });
document.body.append(toolbar, h('main', { class: 'workspace' }, [stageEl, splitter, devtools]));

const tabs = createTabs(strip, body);
const consolePanel = createConsole({
  onCounts: ({ errors }) => tabs.badge('console', errors, 'error'),
});
const network = createNetwork();
const appData = createAppData({ refresh: () => send({ t: 'refreshState' }) });
const storage = createStorage({
  clearStorage: () => send({ t: 'clearStorage' }),
  refresh: () => send({ t: 'refreshState' }),
});
const pages = createPages({ open: (path) => navigate(path, '') });
const problems = createProblems();
tabs.add('console', 'Console', consolePanel.el);
tabs.add('network', 'Network', network.el);
tabs.add('appdata', 'AppData', appData.el);
tabs.add('storage', 'Storage', storage.el);
tabs.add('pages', 'Pages', pages.el);
tabs.add('problems', 'Problems', problems.el);
tabs.onSelect((id) => id === 'console' && consolePanel.shown());
tabs.restore('console');
createSplitter(splitter, devtools);

// --- the view ---------------------------------------------------------------------------
const stage = createStage(stageEl);
stage.configure(device, zoom);
reloadView();

function reloadView() {
  stage.load(viewUrl(device, current.path, current.query, theme));
  showPage();
}

function showTheme() {
  const dark = theme === 'dark';
  themeBtn.textContent = dark ? '☾' : '☀';
  themeBtn.title = dark ? 'Dark mode: on (switch to light)' : 'Dark mode: off (switch to dark)';
  themeBtn.setAttribute('aria-label', 'Dark mode');
  themeBtn.setAttribute('aria-pressed', String(dark));
}

/** The phone's theme changes: the live app follows at once; views opened later start in it. */
function setTheme(next) {
  theme = next;
  prefs.set('theme', theme);
  showTheme();
  send({ t: 'setTheme', theme });
}

function goHome() {
  navigate(session && typeof session.entry === 'string' ? session.entry : '', '');
}

function navigate(path, query) {
  current = { path, query };
  reloadView();
}

function showPage() {
  stage.caption(current.path ? pageUrl(current.path, current.query) : '');
  // keep the outer URL on the page, so a browser refresh comes back to it
  const p = new URLSearchParams();
  if (current.path) p.set('path', current.path);
  if (current.query) p.set('query', current.query);
  const search = p.toString();
  history.replaceState(null, '', location.pathname + (search ? '?' + search : ''));
}

// --- messages ---------------------------------------------------------------------------
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/__cove/devtools`;
const socket = connectDevtools({ url: wsUrl, onMessage: handle, onStatus: status });

function send(msg) {
  if (!socket.send(msg)) consolePanel.note('Not connected to the simulator server', 'warn');
}

let connectedBefore = false;

function status(open) {
  // the server replays its recent messages to every new connection: start from a clean
  // slate so a reconnect does not show them twice
  if (open && connectedBefore) {
    consolePanel.clear();
    network.clear();
    compileError([]);
    problems.setWarnings([]);
    problems.setRuntime([]);
    stopBadge.hidden = true;
    problemBadge();
  }
  if (open) connectedBefore = true;
  conn.textContent = open ? 'connected' : 'disconnected — reconnecting…';
  conn.className = 'conn ' + (open ? 'connected' : 'disconnected');
  document.body.classList.toggle('offline', !open);
  if (open) socket.send({ t: 'refreshState' });
}

function handle(m) {
  switch (m.t) {
    case 'session':
      session = m;
      appName.textContent = [m.name, m.appId].find((v) => typeof v === 'string' && v) || 'Cove';
      appName.title = typeof m.appId === 'string' ? m.appId : '';
      document.title = `${appName.textContent} — Cove simulator`;
      pages.session(m);
      network.clear();
      // A new app: the problems of the last one's launch are history (the console keeps them).
      problems.setRuntime([]);
      stopBadge.hidden = true;
      problemBadge();
      consolePanel.note(`Launching ${appName.textContent}${m.appId && m.appId !== appName.textContent ? ` (${m.appId})` : ''}`);
      break;
    case 'console':
      consolePanel.add(m.level, m.text, m.time);
      break;
    case 'network':
      network.handle(m);
      break;
    case 'state':
      state(m);
      break;
    case 'compileError':
      compileError(Array.isArray(m.diagnostics) ? m.diagnostics.filter((d) => d && typeof d === 'object') : []);
      break;
    case 'compileOk':
      if (compileErrors) consolePanel.note('✓ Compiled');
      compileError([]);
      break;
    case 'compileWarnings':
      problems.setWarnings(Array.isArray(m.diagnostics) ? m.diagnostics.filter((d) => d && typeof d === 'object') : []);
      problemBadge();
      break;
    case 'reload':
      consolePanel.note('↻ reloaded: file changed');
      break;
    case 'error':
      consolePanel.add('error', m.message, Date.now());
      // Thrown while the app loaded or opened its first page: a launch problem.
      if (m.launch) runtimeProblem('launch-error', m.message);
      break;
    case 'appStopped':
      appStopped(m);
      break;
    default:
      break;
  }
}

function state(m) {
  if (Array.isArray(m.stack)) {
    const stack = m.stack.filter((p) => p && typeof p === 'object');
    pages.stack(stack);
    const top = stack[stack.length - 1];
    appData.page(top);
    if (top && typeof top.path === 'string') {
      current = { path: top.path, query: queryString(top.query) };
      showPage();
    }
  }
  if (m.data !== undefined) appData.data(m.data);
  if (m.storage !== undefined) storage.set(m.storage);
}

/** The Problems tab counts errors, or warnings when there is no error. */
function problemBadge() {
  const { errors, warnings } = problems.counts();
  tabs.badge('problems', errors || warnings, errors ? 'error' : 'warn');
}

function compileError(diagnostics) {
  compileErrors = diagnostics.length;
  problems.setErrors(diagnostics);
  problemBadge();
  compileBadge.hidden = !compileErrors;
  compileBadge.textContent = `✖ ${compileErrors} compile error${compileErrors === 1 ? '' : 's'}`;
  if (compileErrors) {
    const d = diagnostics[0];
    consolePanel.add('error', `Compile error: ${d.file ?? ''}:${d.line ?? ''}:${d.col ?? ''} ${d.message ?? ''}`, Date.now());
  }
}

/** A runtime problem for the Problems panel: the first line is the message, the rest its frame. */
function runtimeProblem(code, text, help) {
  const lines = String(text ?? '').split('\n');
  const stack = lines.slice(1).join('\n').trim();
  const at = /\(([^()\s]+\.js):(\d+):(\d+)\)/.exec(stack);
  problems.addRuntime({
    code, severity: 'error', message: lines[0],
    file: at ? at[1] : '(app)', line: at ? Number(at[2]) : null, col: at ? Number(at[3]) : null,
    frame: [stack, help].filter(Boolean).join('\n\n'),
  });
  problemBadge();
}

/** The app stopped for good: the console, the Problems panel and the toolbar say why. */
function appStopped(m) {
  const title = typeof m.title === 'string' ? m.title : 'The app stopped';
  const message = m.message == null ? '' : String(m.message);
  consolePanel.add('error', `${title}: ${message}`, Date.now());
  if (m.help) consolePanel.note(String(m.help), 'warn');
  runtimeProblem(typeof m.code === 'string' ? m.code : 'app-stopped', `${title}: ${message}`, m.help ? String(m.help) : '');
  stopBadge.textContent = `✖ ${title}`;
  stopBadge.hidden = false;
}
