// @ts-check
// The page's transport: one WebSocket to the simulator, `/__cove/ws` with our query string.
// The socket opens before the renderer's modules load, so the container starts the app while
// the browser is still fetching them; messages wait in `early`.

const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
const ws = new WebSocket(`${proto}//${location.host}/__cove/ws${location.search}`);
const early = [];
let deliver = null;
const outbox = [];

ws.addEventListener('open', () => {
  for (const m of outbox.splice(0)) ws.send(m);
});
// The container sends at most 1 MB a message, or one op of up to 4 MB
// (crates/container/src/pacer.rs); past this a message is not even parsed.
const MAX_MESSAGE_CHARS = 16 << 20;

ws.addEventListener('message', (e) => {
  if (typeof e.data !== 'string' || e.data.length > MAX_MESSAGE_CHARS) {
    console.error('[cove] refused a message of', typeof e.data === 'string' ? e.data.length : typeof e.data, 'characters');
    return;
  }
  let m;
  try {
    m = JSON.parse(e.data);
  } catch {
    console.error('[cove] a message that is not JSON', e.data);
    return;
  }
  if (deliver) deliver(m);
  else early.push(m);
});
ws.addEventListener('close', () => {
  const bar = document.createElement('div');
  bar.className = 'cove-disconnected';
  bar.setAttribute('role', 'alert');
  bar.textContent = 'Disconnected from cove dev. Restart it and reload this page.';
  document.body.appendChild(bar);
});

const { start } = await import('./view.js');
start({
  send(m) {
    const text = JSON.stringify(m);
    if (ws.readyState === WebSocket.OPEN) ws.send(text);
    else if (ws.readyState === WebSocket.CONNECTING) outbox.push(text);
  },
  onMessage(fn) {
    deliver = fn;
    for (const m of early.splice(0)) fn(m);
  },
});
