// @ts-check
// Page layers: one scrolling layer per page on the stack, only the top one shown. Each layer is
// WeChat's page scroll (onPageScroll, onReachBottom, pull-down refresh).
import { h } from '../components/util.js';

const PULL_HEIGHT = 50; // the refreshing indicator's height, px
const PULL_MAX = 130;

export class Pages {
  /** @param {import('../view.js').View} v */
  constructor(v, container) {
    this.v = v;
    this.container = container;
    /** page root element -> layer info */
    this.byRoot = new Map();
    /** pageId -> layer info */
    this.byId = new Map();
    this.stack = [];
    /** @type {import('../../types/view').Received<'route'> | null} */
    this.pending = null;
    this.topLayer = null;
    this.knownPaths = new Set();
  }

  /** @param {import('../../types/protocol').HelloApp} app */
  setApp(app) {
    // `hello` lists the main package's pages; a subpackage page's path is learned from its
    // `page` op (`add`).
    for (const p of (app && app.pages) || []) this.knownPaths.add(String(p));
  }

  isPagePath(path) {
    if (this.knownPaths.has(path)) return true;
    for (const l of this.byId.values()) if (l.path === path) return true;
    return false;
  }

  /** The `page` op: `el` (a `wx-page`) hosts page `pageId`. */
  add(el, pageId, path) {
    // The frame is the containing block of `position: fixed` (WeChat's webview starts below the
    // navigation bar); the layer inside it scrolls, and positions `absolute` descendants.
    const frame = h('div', 'cove-frame');
    const layer = h('div', 'cove-layer', frame);
    const ptr = h('div', 'cove-ptr', layer);
    const dots = h('div', 'cove-ptr__dots', ptr);
    for (let i = 0; i < 3; i++) h('i', '', dots);
    layer.appendChild(el);
    el.__covePath = path;
    const info = { el, frame, layer, ptr, pageId, path, win: {}, over: {}, pull: 0, refreshing: false, atBottom: false, opened: performance.now(), scrollQueued: false };
    this.byRoot.set(el, info);
    this.byId.set(pageId, info);
    this.knownPaths.add(path);
    this.scopeLayer(info);
    layer.addEventListener('scroll', () => this.onScroll(info), { passive: true });
    this.container.appendChild(frame);
  }

  scopeLayer(info) {
    const scope = this.v.styles.scopeOf(info.path);
    if (scope) info.el.setAttribute('wx-page', scope);
  }

  /** Stylesheet scopes became known: label page roots. */
  rescope() {
    for (const info of this.byRoot.values()) this.scopeLayer(info);
  }

  /** A node was released: drop its layer if it was a page root. */
  released(r) {
    const info = this.byRoot.get(r.node);
    if (info) this.drop(info);
  }

  drop(info) {
    this.byRoot.delete(info.el);
    if (this.byId.get(info.pageId) === info) this.byId.delete(info.pageId);
    info.frame.remove();
    if (this.topLayer === info) this.topLayer = null;
  }

  /** @param {import('../../types/view').Received<'pageClosed'>} msg */
  closed(msg) {
    const info = this.byId.get(msg.id);
    if (info) this.drop(info);
  }

  /**
   * `route`: applied once the top page's node exists (its ops follow the route message).
   * @param {import('../../types/view').Received<'route'>} msg
   */
  route(msg) {
    this.pending = msg;
    this.flush();
  }

  flush() {
    const msg = this.pending;
    if (!msg || !Array.isArray(msg.stack) || msg.stack.length === 0) return;
    const top = msg.stack[msg.stack.length - 1];
    const info = this.byId.get(top.id);
    if (!info) return;
    this.pending = null;
    this.stack = msg.stack;
    info.win = msg.window || {};
    info.tab = msg.tab || null;
    const prev = this.topLayer;
    this.topLayer = info;
    const live = new Set(msg.stack.map((e) => e.id));
    for (const l of this.byId.values()) {
      l.frame.classList.toggle('is-top', l === info);
      l.frame.classList.toggle('is-below', l !== info && live.has(l.pageId));
    }
    if (prev !== info && msg.action === 'navigateTo') {
      info.frame.classList.remove('is-entering');
      void info.frame.offsetWidth;
      info.frame.classList.add('is-entering');
    }
    this.applyWindow(info);
    this.v.chrome.route(msg, info);
    this.v.afterLayout();
    // Errors belong to their page: the overlay shows the new top page's (core/overlay.js).
    if (this.v.overlay) this.v.overlay.pageShown(info);
  }

  top() {
    return this.topLayer;
  }

  /** The window config of a page with its runtime overrides. */
  windowOf(info) {
    return Object.assign({}, info.win, info.over);
  }

  applyWindow(info) {
    // `@name` theme variables resolved for the theme in force (core/theme.js).
    const w = this.v.theme.window(this.windowOf(info));
    info.layer.classList.toggle('no-scroll', w.disableScroll === true);
    info.ptr.style.backgroundColor = w.backgroundColorTop || w.backgroundColor || '';
    info.ptr.classList.toggle('is-dark', (w.backgroundTextStyle || 'dark') === 'dark');
  }

  /** The theme changed: every page's window and the chrome take the new values. */
  rethemed() {
    for (const info of this.byId.values()) this.applyWindow(info);
    const top = this.topLayer;
    if (top) this.v.chrome.window(this.windowOf(top));
    this.v.chrome.renderTabs();
  }

  /** A runtime change of a page's window (`setNavigationBarTitle`, ...). */
  override(pageId, patch) {
    const info = pageId == null ? this.topLayer : this.byId.get(pageId) || this.topLayer;
    if (!info) return;
    Object.assign(info.over, patch);
    this.applyWindow(info);
    if (info === this.topLayer) this.v.chrome.window(this.windowOf(info));
  }

  layerOf(node) {
    const l = node && (node.nodeType === 1 ? node : node.parentNode);
    const layer = l && l.closest ? l.closest('.cove-layer') : null;
    if (!layer) return null;
    for (const info of this.byRoot.values()) if (info.layer === layer) return info;
    return null;
  }

  onScroll(info) {
    if (info !== this.topLayer || info.scrollQueued) return;
    info.scrollQueued = true;
    requestAnimationFrame(() => {
      info.scrollQueued = false;
      const layer = info.layer;
      this.v.send({ t: 'pageScroll', scrollTop: Math.round(layer.scrollTop) });
      const w = this.windowOf(info);
      const dist = Number.isFinite(Number(w.onReachBottomDistance)) ? Number(w.onReachBottomDistance) : 50;
      const near = layer.scrollHeight - layer.scrollTop - layer.clientHeight <= dist;
      if (near && !info.atBottom && layer.scrollHeight > layer.clientHeight) this.v.send({ t: 'reachBottom' });
      info.atBottom = near;
    });
  }

  /** `pageScrollTo`: by offset, or to a simple `#id`/`.class` selector. */
  scrollTo(args) {
    const info = this.topLayer;
    if (!info) return;
    let top = Number(args.scrollTop);
    if (args.selector) {
      const el = findSimple(info.el, String(args.selector));
      if (!el) {
        console.info(`[cove] pageScrollTo: selector ${args.selector} matched nothing the view can resolve`);
        return;
      }
      top = el.getBoundingClientRect().top - info.layer.getBoundingClientRect().top + info.layer.scrollTop + (Number(args.offsetTop) || 0);
    }
    if (!Number.isFinite(top)) return;
    const duration = args.duration === undefined ? 300 : Number(args.duration) || 0;
    animateScroll(info.layer, Math.max(0, top), duration);
  }

  // ---- pull-down refresh ------------------------------------------------------------------------
  canPull(info) {
    return !!info && info === this.topLayer && this.windowOf(info).enablePullDownRefresh === true && !info.refreshing;
  }

  /** Follow a finger `dist` px below the top (damped). */
  pull(info, dist) {
    const d = Math.max(0, Math.min(PULL_MAX, dist * 0.5));
    info.pull = d;
    info.layer.classList.add('is-pulling');
    this.showPull(info, d);
  }

  release(info) {
    if (!info.layer.classList.contains('is-pulling')) return;
    info.layer.classList.remove('is-pulling');
    if (info.pull >= PULL_HEIGHT) this.refresh(info);
    else this.showPull(info, 0);
    info.pull = 0;
  }

  refresh(info) {
    if (!info || info.refreshing) return;
    info.refreshing = true;
    info.layer.scrollTop = 0;
    info.ptr.classList.add('is-refreshing');
    this.showPull(info, PULL_HEIGHT);
    this.v.send({ t: 'pullDownRefresh' });
  }

  stopRefresh(info) {
    if (!info) return;
    info.refreshing = false;
    info.ptr.classList.remove('is-refreshing');
    this.showPull(info, 0);
  }

  showPull(info, d) {
    info.ptr.style.height = `${d}px`;
    info.el.style.translate = d ? `0 ${d}px` : '';
  }
}

function findSimple(root, sel) {
  const m = /^([#.])([A-Za-z0-9_-]+)$/.exec(sel.trim());
  if (!m) return null;
  const name = m[2];
  for (const el of root.querySelectorAll('*')) {
    if (!el.__cove) continue;
    if (m[1] === '#' ? el.id === name || el.id.endsWith(`--${name}`) : Array.from(el.classList).some((c) => c === name || c.endsWith(`--${name}`))) return el;
  }
  return null;
}

function animateScroll(el, to, duration) {
  const from = el.scrollTop;
  if (!duration || Math.abs(to - from) < 1) {
    el.scrollTop = to;
    return;
  }
  const t0 = performance.now();
  const step = (now) => {
    const k = Math.min(1, (now - t0) / duration);
    const e = k < 0.5 ? 2 * k * k : 1 - (-2 * k + 2) ** 2 / 2;
    el.scrollTop = from + (to - from) * e;
    if (k < 1) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}
