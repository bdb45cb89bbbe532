// The host's watermark over every page: who is looking and when, tiled diagonally and
// translucent, as banking apps do. The host configures it (`config` message, `watermark`:
// `{text?, user?, time?: true, opacity?: 0.16}`); the mini-program cannot take it away:
// - ops cannot address it: it is a sibling of the app root, and ops reach only nodes the
//   container created (core/ops.js);
// - app CSS cannot match it: the app's sheets only match inside pages (core/styles.js), and
//   its look lives in a closed shadow root whose `:host` rules are `!important` (an inner
//   tree's important rules beat any outer one, inline styles included);
// - app z-indexes cannot climb over it: the app root is its own stacking context, and the
//   watermark sits in the top layer (a manual popover), above a fullscreen video as well;
// - a MutationObserver rebuilds it if anything removes or changes it anyway (a compromised
//   extension, a bug).

const TILE_W = 240;
const TILE_H = 150;
const ANGLE = -22 * Math.PI / 180;

const HOST_CSS = `
:host {
  all: initial !important;
  display: block !important;
  position: fixed !important;
  inset: 0 !important;
  width: 100vw !important;
  height: 100vh !important;
  max-width: none !important;
  max-height: none !important;
  margin: 0 !important;
  padding: 0 !important;
  border: 0 !important;
  background: transparent !important;
  overflow: hidden !important;
  z-index: 2147483647 !important;
  pointer-events: none !important;
  user-select: none !important;
  visibility: visible !important;
  opacity: 1 !important;
  transform: none !important;
  filter: none !important;
  clip-path: none !important;
  mask: none !important;
  mix-blend-mode: normal !important;
  contain: strict !important;
}
.tiles {
  position: absolute; inset: 0;
  background-repeat: repeat;
  pointer-events: none;
}`;

let hostSheet = null;
function sheet() {
  if (!hostSheet) {
    hostSheet = new CSSStyleSheet();
    hostSheet.replaceSync(HOST_CSS);
  }
  return hostSheet;
}

const pad = (n) => String(n).padStart(2, '0');
function stamp(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The config as the view uses it, or null for none. */
export function normalize(c) {
  if (!c || typeof c !== 'object') return null;
  const text = c.text == null ? '' : String(c.text).slice(0, 80);
  const user = c.user == null ? '' : String(c.user).slice(0, 80);
  const time = c.time !== false;
  if (!text && !user && !time) return null;
  const o = Number(c.opacity);
  const opacity = Number.isFinite(o) ? Math.min(0.6, Math.max(0.05, o)) : 0.16;
  return { text, user, time, opacity };
}

export class Watermark {
  /** @param {(msg: string) => void} report where tampering is reported */
  constructor(report) {
    this.report = report || (() => {});
    this.cfg = null;
    this.host = null;
    this.root = null;
    this.tiles = null;
    this.image = '';
    this.timer = 0;
    this.repairs = 0;
    this.observer = new MutationObserver(() => this.check());
    this.onFullscreen = () => this.restack();
  }

  /** Show (or change, or remove with null) the watermark. */
  set(config) {
    this.cfg = normalize(config);
    this.teardown();
    if (!this.cfg) return;
    this.build();
    document.addEventListener('fullscreenchange', this.onFullscreen);
  }

  get shown() {
    return !!this.cfg && !!this.host && this.host.isConnected;
  }

  build() {
    const host = document.createElement('cove-watermark');
    host.setAttribute('aria-hidden', 'true');
    const supportsPopover = typeof host.showPopover === 'function';
    if (supportsPopover) host.setAttribute('popover', 'manual');
    // Closed by anyone but us (`hidePopover()`): back into the top layer.
    host.addEventListener('toggle', (e) => {
      if (e.newState === 'closed' && this.host === host && host.isConnected && !host.matches(':popover-open')) this.restack();
    });
    const root = host.attachShadow({ mode: 'closed' });
    root.adoptedStyleSheets = [sheet()];
    const tiles = document.createElement('div');
    tiles.className = 'tiles';
    root.appendChild(tiles);
    this.host = host;
    this.root = root;
    this.tiles = tiles;
    this.paint();
    document.body.appendChild(host);
    this.restack();
    this.observer.observe(document.body, { childList: true });
    this.observer.observe(host, { attributes: true, childList: true });
    this.observer.observe(root, { attributes: true, childList: true, subtree: true, characterData: true });
    this.tick();
  }

  /** Into the top layer, above anything already there (a fullscreen video). */
  restack() {
    const host = this.host;
    if (!host || typeof host.showPopover !== 'function' || !host.isConnected) return;
    try {
      if (host.matches(':popover-open')) host.hidePopover();
      host.showPopover();
    } catch (_e) {
      // Not in the top layer: the z-index above still covers the app root.
    }
  }

  /** Draw one tile: the text, the user, the time, rotated. */
  paint() {
    const c = this.cfg;
    const ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(TILE_W * ratio);
    canvas.height = Math.round(TILE_H * ratio);
    const g = canvas.getContext('2d');
    const lines = [c.text, c.user, c.time ? stamp(new Date()) : ''].filter(Boolean);
    if (g) {
      g.scale(ratio, ratio);
      g.translate(TILE_W / 2, TILE_H / 2);
      g.rotate(ANGLE);
      // Generic families only: an app's @font-face cannot stand in for them.
      g.font = '14px sans-serif';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillStyle = `rgba(96, 96, 96, ${c.opacity})`;
      const step = 20;
      lines.forEach((l, i) => g.fillText(l, 0, (i - (lines.length - 1) / 2) * step));
    }
    this.image = `url("${canvas.toDataURL('image/png')}")`;
    this.tiles.style.backgroundImage = this.image;
    this.tiles.style.backgroundSize = `${TILE_W}px ${TILE_H}px`;
    this.css = this.tiles.style.cssText;
  }

  /** Repaint when the minute changes. */
  tick() {
    clearTimeout(this.timer);
    if (!this.cfg || !this.cfg.time) return;
    const now = new Date();
    const wait = (60 - now.getSeconds()) * 1000 - now.getMilliseconds() + 50;
    this.timer = setTimeout(() => {
      if (!this.host) return;
      this.paint();
      this.tick();
    }, wait);
  }

  /** Whatever changed, the watermark must still be exactly ours. */
  check() {
    if (!this.cfg || !this.host) return;
    const host = this.host;
    const attrs = Array.from(host.attributes).map((a) => a.name).sort().join(' ');
    const want = typeof host.showPopover === 'function' ? 'aria-hidden popover' : 'aria-hidden';
    const intact =
      host.parentNode === document.body &&
      attrs === want &&
      host.getAttribute('aria-hidden') === 'true' &&
      (want === 'aria-hidden' || host.getAttribute('popover') === 'manual') &&
      host.childNodes.length === 0 &&
      this.root.childNodes.length === 1 &&
      this.root.firstChild === this.tiles &&
      this.tiles.childNodes.length === 0 &&
      this.tiles.className === 'tiles' &&
      this.tiles.getAttributeNames().join(' ') === 'class style' &&
      this.tiles.style.cssText === this.css &&
      this.root.adoptedStyleSheets.length === 1 &&
      this.root.adoptedStyleSheets[0] === sheet();
    if (!intact) {
      this.repair();
      return;
    }
    // Kept the last of body's children (the view appends its picker sheet there), so that
    // nothing later at the same stacking level covers it where the top layer is missing.
    if (document.body.lastElementChild !== host) {
      document.body.appendChild(host);
      this.restack();
    }
  }

  repair() {
    this.repairs++;
    this.report(`the watermark was removed or changed: restored (${this.repairs})`);
    this.teardown();
    this.build();
    document.addEventListener('fullscreenchange', this.onFullscreen);
  }

  teardown() {
    this.observer.disconnect();
    // The observer may hold records of the old host; they describe a host now gone.
    this.observer.takeRecords();
    clearTimeout(this.timer);
    document.removeEventListener('fullscreenchange', this.onFullscreen);
    if (this.host) {
      try {
        if (this.host.matches(':popover-open')) this.host.hidePopover();
      } catch (_e) {
        // already gone
      }
      this.host.remove();
    }
    this.host = null;
    this.root = null;
    this.tiles = null;
  }
}
