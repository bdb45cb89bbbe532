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
ws.addEventListener('message', (e) => {
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
