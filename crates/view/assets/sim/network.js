// The Network panel: wx.request / uploadFile / downloadFile / connectSocket, one row per id,
// socket frames counted under their socket's row; a row opens its headers and bodies.

import { h, button, clear } from './dom.js';
import { bytes, millis, truncate, clock } from './format.js';

const MAX_ROWS = 1000;
const MAX_FRAMES = 200;
const MAX_BODY = 20000;
const KINDS = { request: 'request', upload: 'upload', download: 'download', socket: 'socket' };

export function createNetwork() {
  const tbody = h('tbody');
  const table = h('table', { class: 'grid net-grid' }, [
    h('thead', {}, [h('tr', {}, ['URL', 'Kind', 'Method', 'Status', 'Time', 'Size'].map((c) => h('th', { text: c })))]),
    tbody,
  ]);
  const empty = h('div', { class: 'empty', text: 'No requests yet. wx.request, uploadFile, downloadFile and connectSocket show here.' });
  const detail = h('div', { class: 'net-detail' });
  detail.hidden = true;
  const count = h('span', { class: 'muted' });
  const el = h('section', { class: 'network' }, [
    h('div', { class: 'panel-bar' }, [button('Clear', () => clearAll(), { class: 'icon-btn', title: 'Clear network log' }), count]),
    h('div', { class: 'net-split' }, [h('div', { class: 'net-table' }, [table, empty]), detail]),
  ]);

  const entries = new Map();
  let selected = null;

  function clearAll() {
    entries.clear();
    clear(tbody);
    closeDetail();
    update();
  }

  function update() {
    empty.hidden = entries.size > 0;
    count.textContent = entries.size ? `${entries.size} request${entries.size === 1 ? '' : 's'}` : '';
  }

  function create(m) {
    const cells = {};
    const row = h('tr', { on: { click: () => choose(e) } });
    for (const c of ['url', 'kind', 'method', 'status', 'time', 'size']) {
      cells[c] = h('td', { class: 'c-' + c });
      row.append(cells[c]);
    }
    const e = {
      id: m.id, row, cells, kind: KINDS[m.kind] || 'request', url: '', method: '', status: null,
      ms: null, bytes: null, failed: false, done: false, opened: false, error: '', reqHeaders: null, resHeaders: null,
      reqBody: null, resBody: null, frames: [], frameCount: 0, frameBytes: 0, started: Date.now(),
    };
    entries.set(m.id, e);
    tbody.append(row);
    while (entries.size > MAX_ROWS) {
      const [oldId, old] = entries.entries().next().value;
      old.row.remove();
      entries.delete(oldId);
      if (selected === old) closeDetail();
    }
    return e;
  }

  function handle(m) {
    if (m.id === undefined || m.id === null) return;
    const e = entries.get(m.id) || create(m);
    if (typeof m.url === 'string' && m.url) e.url = m.url;
    if (typeof m.method === 'string' && m.method && m.phase !== 'message') e.method = m.method;
    if (KINDS[m.kind]) e.kind = m.kind;
    const ms = typeof m.ms === 'number' ? m.ms : null;
    switch (m.phase) {
      case 'start':
        if (m.requestHeaders) e.reqHeaders = m.requestHeaders;
        if (m.body !== undefined && m.body !== null) e.reqBody = m.body;
        break;
      case 'end':
        e.done = true;
        if (m.status !== undefined && m.status !== null) e.status = m.status;
        if (ms !== null) e.ms = ms;
        if (typeof m.bytes === 'number') e.bytes = m.bytes;
        if (m.responseHeaders) e.resHeaders = m.responseHeaders;
        if (m.requestHeaders) e.reqHeaders = m.requestHeaders;
        if (m.body !== undefined && m.body !== null) e.resBody = m.body;
        break;
      case 'open':
        e.opened = true;
        if (ms !== null) e.ms = ms;
        if (m.responseHeaders) e.resHeaders = m.responseHeaders;
        break;
      case 'fail':
        e.done = true;
        e.failed = true;
        e.error = m.error ? bodyText(m.error) : 'failed';
        if (ms !== null) e.ms = ms;
        if (m.status !== undefined && m.status !== null) e.status = m.status;
        break;
      case 'message':
        e.frameCount++;
        if (typeof m.bytes === 'number') e.frameBytes += m.bytes;
        e.frames.push({ time: m.time, dir: m.method, body: m.body, bytes: m.bytes });
        if (e.frames.length > MAX_FRAMES) e.frames.shift();
        break;
      default:
        return;
    }
    render(e);
    update();
    if (selected === e) showDetail(e);
  }

  function statusText(e) {
    if (e.failed) return '(failed)';
    if (e.kind === 'socket') {
      if (e.done) return e.status !== null ? `closed ${e.status}` : 'closed';
      return e.opened || e.frameCount ? 'open' : '(pending)';
    }
    if (!e.done) return '(pending)';
    return e.status === null ? '' : String(e.status);
  }

  function render(e) {
    const c = e.cells;
    c.url.textContent = e.url;
    c.url.title = e.url;
    c.kind.textContent = e.kind;
    c.method.textContent = e.kind === 'socket' ? 'WS' : (e.method || 'GET').toUpperCase();
    c.status.textContent = statusText(e);
    const bad = e.failed || (typeof e.status === 'number' && e.status >= 400 && e.kind !== 'socket');
    e.row.classList.toggle('failed', bad);
    e.row.classList.toggle('pending', !e.done && !e.failed);
    c.time.textContent = millis(e.ms);
    if (e.kind === 'socket') {
      const n = `${e.frameCount} msg${e.frameCount === 1 ? '' : 's'}`;
      c.size.textContent = e.frameBytes ? `${n} · ${bytes(e.frameBytes)}` : n;
    } else c.size.textContent = bytes(e.bytes);
  }

  function choose(e) {
    if (selected) selected.row.classList.remove('selected');
    selected = e;
    e.row.classList.add('selected');
    showDetail(e);
  }

  function closeDetail() {
    if (selected) selected.row.classList.remove('selected');
    selected = null;
    detail.hidden = true;
    el.classList.remove('has-detail');
  }

  function showDetail(e) {
    clear(detail);
    detail.hidden = false;
    el.classList.add('has-detail');
    detail.append(
      h('div', { class: 'detail-bar' }, [
        h('span', { class: 'detail-title', text: shortName(e.url) || '(no url)' }),
        button('×', closeDetail, { class: 'icon-btn close', title: 'Close', attrs: { 'aria-label': 'Close details' } }),
      ]),
    );
    const general = [
      ['URL', e.url],
      ['Kind', e.kind],
      ['Method', e.kind === 'socket' ? 'WebSocket' : (e.method || 'GET').toUpperCase()],
      ['Status', statusText(e)],
      ['Time', millis(e.ms)],
      ['Size', e.kind === 'socket' ? bytes(e.frameBytes) : bytes(e.bytes)],
    ];
    if (e.error) general.push(['Error', e.error]);
    detail.append(section('General', kvTable(general)));
    detail.append(section('Request headers', kvTable(headerPairs(e.reqHeaders))));
    if (e.reqBody !== null) detail.append(section('Request body', bodyBlock(e.reqBody)));
    if (e.kind !== 'socket' || e.resHeaders) detail.append(section('Response headers', kvTable(headerPairs(e.resHeaders))));
    if (e.kind !== 'socket') {
      if (e.resBody !== null) detail.append(section('Response body', bodyBlock(e.resBody)));
    } else {
      const list = h('div', { class: 'frames' });
      if (e.frameCount > e.frames.length) list.append(h('div', { class: 'muted', text: `${e.frameCount - e.frames.length} earlier messages not kept` }));
      for (const f of e.frames) {
        const arrow = f.dir === 'send' ? '↑' : f.dir === 'recv' || f.dir === 'receive' ? '↓' : '·';
        list.append(h('div', { class: 'ws-frame' }, [
          h('span', { class: 'arrow', text: arrow }),
          h('span', { class: 'time', text: clock(f.time) }),
          h('span', { class: 'mono', text: truncate(bodyText(f.body), 2000) }),
        ]));
      }
      if (!e.frames.length) list.append(h('div', { class: 'muted', text: 'No messages' }));
      detail.append(section(`Messages (${e.frameCount})`, list));
    }
  }

  return { el, handle, clear: clearAll };
}

function section(title, body) {
  return h('details', { class: 'detail-section', attrs: { open: '' } }, [h('summary', { text: title }), body]);
}

function kvTable(pairs) {
  if (!pairs.length) return h('div', { class: 'muted', text: 'None' });
  return h('table', { class: 'kv' }, [
    h('tbody', {}, pairs.map(([k, v]) => h('tr', {}, [h('th', { text: k }), h('td', { class: 'mono', text: v })]))),
  ]);
}

function headerPairs(headers) {
  if (!headers || typeof headers !== 'object') return [];
  if (Array.isArray(headers)) return headers.filter(Array.isArray).map(([k, v]) => [String(k), String(v)]);
  return Object.entries(headers).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}

function bodyText(body) {
  if (typeof body === 'string') return body;
  if (body === undefined || body === null) return '';
  try {
    return JSON.stringify(body, null, 2);
  } catch {
    return String(body);
  }
}

function bodyBlock(body) {
  return h('pre', { class: 'body mono', text: truncate(bodyText(body), MAX_BODY) });
}

/** The last path segment with its query, as DevTools names requests. */
function shortName(url) {
  if (!url) return '';
  try {
    const u = new URL(url);
    const last = u.pathname.split('/').filter(Boolean).pop();
    return (last || u.host) + u.search;
  } catch {
    return url;
  }
}
