// The devtools WebSocket (`/__cove/devtools`), reconnected with backoff so that a dropped
// socket or a restarted server never leaves the panels dead.

const MIN_DELAY = 250;
const MAX_DELAY = 8000;

/**
 * Connect and keep connected. `onMessage(msg)` gets every parsed message; `onStatus(open)`
 * reports the connection state. Returns `{ send(msg) }`, which is false when not connected.
 */
export function connectDevtools({ url, onMessage, onStatus }) {
  let ws = null;
  let delay = MIN_DELAY;
  let timer = 0;

  function open() {
    timer = 0;
    try {
      ws = new WebSocket(url);
    } catch {
      return retry();
    }
    ws.addEventListener('open', () => {
      delay = MIN_DELAY;
      onStatus(true);
    });
    ws.addEventListener('message', (e) => {
      if (typeof e.data !== 'string') return;
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg && typeof msg === 'object' && typeof msg.t === 'string') onMessage(msg);
    });
    // `error` is always followed by `close`; retry once, from there
    ws.addEventListener('close', () => {
      ws = null;
      onStatus(false);
      retry();
    });
  }

  function retry() {
    if (timer) return;
    // jitter keeps several open simulator tabs from reconnecting in lockstep
    timer = setTimeout(open, delay * (0.75 + Math.random() * 0.5));
    delay = Math.min(delay * 2, MAX_DELAY);
  }

  // a tab coming back from the background should not wait out a long backoff
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !ws && timer) {
      clearTimeout(timer);
      delay = MIN_DELAY;
      open();
    }
  });

  open();
  return {
    send(msg) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(msg));
      return true;
    },
  };
}
