// A stand-in for `cove dev` when testing the simulator's outer page: a static server for
// crates/view/assets (with the simulator's CSP), a blank placeholder at /view, and the
// devtools WebSocket faked inside the browser with Playwright's page.routeWebSocket, so a
// test pushes server messages with `devtools.push(...)` and reads what the page sent.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { repo } from './harness.mjs';

const assets = path.join(repo, 'crates/view/assets');

// crates/view/src/lib.rs SIMULATOR_CSP
export const SIMULATOR_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; "
  + "img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; "
  + "form-action 'none'; object-src 'none'";

const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };
const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Serve the simulator at `/`; resolves to `{ url, close, views }` (`views`: /view URLs asked). */
export function startFakeServer() {
  const views = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname === '/view') {
      views.push(url.search);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
      return res.end(`<!doctype html><meta charset="utf-8"><title>view</title>
<style>body{margin:0;font:14px sans-serif;color:#999;display:flex;align-items:center;justify-content:center;height:100vh}</style>
<body>view ${escape(url.searchParams.get('width') || '')}×${escape(url.searchParams.get('height') || '')} ${escape(url.searchParams.get('path') || '(entry)')}</body>`);
    }
    const rel = url.pathname === '/' ? 'simulator.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(assets, rel);
    if (!file.startsWith(assets + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      return res.end('not found');
    }
    const headers = { 'content-type': types[path.extname(file)] || 'application/octet-stream' };
    if (file.endsWith('.html')) headers['content-security-policy'] = SIMULATOR_CSP;
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, views, close: () => server.close() });
    });
  });
}

/** The server side of `/__cove/devtools`, one connection at a time. */
export class FakeDevtools {
  constructor() {
    this.ws = null;
    this.connections = 0;
    this.received = [];
  }

  attach(ws) {
    this.ws = ws;
    this.connections++;
    ws.onMessage((m) => this.received.push(JSON.parse(String(m))));
    ws.onClose(() => {
      if (this.ws === ws) this.ws = null;
    });
  }

  /** Wait until the page has opened `n` connections in all and one is open. */
  async connected(n = 1, timeout = 5000) {
    const end = Date.now() + timeout;
    while (this.connections < n || !this.ws) {
      if (Date.now() > end) throw new Error(`devtools: ${this.connections} connections, wanted ${n}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Send server messages to the page. */
  push(...messages) {
    if (!this.ws) throw new Error('devtools: not connected');
    for (const m of messages) this.ws.send(JSON.stringify(m));
  }

  /** What the page sent so far (and forget it). */
  take() {
    return this.received.splice(0);
  }

  /** Drop the connection from the server side. */
  async drop() {
    const ws = this.ws;
    this.ws = null;
    if (ws) await ws.close({ code: 1001, reason: 'server going away' });
  }
}

/** A simulator page on `server` with its devtools socket faked; `errors` collects page
 * errors and console errors (CSP violations are reported there). */
export async function openSimulator(browser, server, { width = 1280, height = 900, search = '' } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const devtools = new FakeDevtools();
  await page.routeWebSocket(/\/__cove\/devtools$/, (ws) => devtools.attach(ws));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(server.url + search);
  await devtools.connected();
  return { page, devtools, errors, context };
}
