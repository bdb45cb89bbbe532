// @ts-check
// The view's entry: builds the phone screen and routes the container's messages to the parts
// (docs/view.md). `transport` is {send(obj), onMessage(fn)}; messages apply strictly in order.
// The messages are typed by ../types/protocol.d.ts, generated from crates/protocol.
/** @typedef {import('../types/protocol').ToView} ToView */
/** @typedef {import('../types/protocol').FromView} FromView */
/** @template {ToView['t']} T @typedef {import('../types/view').Received<T>} Received */
/** @typedef {{send(m: FromView): void, onMessage(fn: (m: ToView) => unknown): void}} Transport */
import { h } from './components/util.js';
import { Ops } from './core/ops.js';
import { Styles } from './core/styles.js';
import { Pages } from './core/pages.js';
import { Chrome } from './core/chrome.js';
import { Ui } from './core/ui.js';
import { Layout } from './core/layout.js';
import { Animations } from './core/animate.js';
import { Events } from './core/events.js';
import { Overlay } from './core/overlay.js';
import { automation } from './core/automation.js';
import { Watermark } from './core/watermark.js';
import { Theme } from './core/theme.js';

/** @type {import('../types/protocol').ProtocolVersion} */
export const PROTOCOL = 1;
const MAX_VIEW_ERRORS = 500;
// The container sends at most 10,000 ops a message (crates/container/src/pacer.rs); a batch
// far past that comes from a broken or hostile host and is refused whole.
export const MAX_BATCH_OPS = 50_000;

const msgOf = (e) => (e && e.message ? e.message : String(e));

/** The view: what its parts share (`v`). @typedef {ReturnType<typeof start>} View */

/** @param {Transport} transport */
export function start(transport) {
  const root = h('div', 'cove-app', document.body);
  root.id = 'cove-app';
  let viewErrors = 0;
  let refused = false;
  let hostSeq = 0;
  const hostWait = new Map();

  const v = {
    root,
    /** @type {Received<'config'> | null} */
    config: null,
    components: {},
    /** @param {FromView} m */
    send(m) {
      try {
        transport.send(m);
      } catch (e) {
        console.error('[cove] send failed', e);
      }
    },
    /** @param {unknown} message */
    viewError(message) {
      console.error('[cove view]', message);
      if (++viewErrors <= MAX_VIEW_ERRORS) v.send({ t: 'viewError', message: String(message) });
    },
    /** A call into the host (`navigate`, `openType`, ...), answered by `hostReply`. */
    /** @param {string} api @param {any} [args] */
    host(api, args) {
      const id = ++hostSeq;
      v.send({ t: 'host', id, api: String(api), args: args === undefined ? {} : args });
      return new Promise((resolve, reject) => hostWait.set(id, { resolve, reject }));
    },
    resized() {
      if (resizeQueued) return;
      resizeQueued = true;
      requestAnimationFrame(() => {
        resizeQueued = false;
        v.send({ t: 'resize', size: { windowWidth: window.innerWidth, windowHeight: v.pagesEl.clientHeight } });
      });
    },
    afterLayout() {
      v.layout.checkManual();
    },
  };
  let resizeQueued = false;

  v.chrome = new Chrome(v);
  root.append(v.chrome.nav, v.chrome.tabTop);
  v.pagesEl = h('div', 'cove-pages', root);
  root.append(v.chrome.tabBottom, v.chrome.capsule);
  v.ui = new Ui(v, h('div', 'cove-ui', root));
  // Its page overlays go in the page area, under the navigation bar (the back button works).
  v.overlay = new Overlay(root, { pagesEl: v.pagesEl, get pages() { return v.pages; }, reload: () => reload({}) });
  v.theme = new Theme(v);
  v.styles = new Styles(v);
  v.pages = new Pages(v, v.pagesEl);
  v.ops = new Ops(v);
  v.layout = new Layout(v);
  v.animations = new Animations(v);
  v.events = new Events(v, v.pagesEl);
  // The host's watermark: outside the app root, out of reach of ops and app CSS.
  v.watermark = new Watermark((text) => v.viewError(text));

  window.addEventListener('error', (e) => v.viewError(`${e.message} (${e.filename}:${e.lineno})`));
  window.addEventListener('unhandledrejection', (e) => v.viewError(`unhandled rejection: ${msgOf(e.reason)}`));
  window.addEventListener('resize', () => v.resized());
  let scrollQueued = false;
  v.pagesEl.addEventListener('scroll', () => {
    if (scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      v.layout.checkManual();
    });
  }, { capture: true, passive: true });

  // The built-ins load in parallel with the first messages; a broken registry leaves plain elements.
  const registry = Promise.all([
    import('./components/index.js').then(
      (m) => {
        v.components = (m && m.components) || {};
      },
      (e) => v.viewError(`components failed to load: ${msgOf(e)}`),
    ),
    // The picker's bottom panel is the shared `ui.sheet`.
    import('./components/picker.js').then(
      (m) => {
        if (m && typeof m.sheet === 'function') v.ui.sheet = m.sheet;
      },
      () => {},
    ),
  ]);

  /** @param {Received<'ui'>} m */
  function uiMessage(m) {
    const a = (m.args && typeof m.args === 'object') ? m.args : {};
    const page = m.page;
    const info = () => (page != null && v.pages.byId.get(page)) || v.pages.top();
    switch (m.api) {
      case 'showToast': return v.ui.toast(a);
      case 'hideToast': return v.ui.hideToast();
      case 'showLoading': return v.ui.loading(a);
      case 'hideLoading': return v.ui.hideToast();
      case 'setNavigationBarTitle': return v.pages.override(page, { navigationBarTitleText: a.title == null ? '' : String(a.title) });
      case 'setNavigationBarColor': {
        const patch = {};
        if (a.frontColor) patch.navigationBarTextStyle = String(a.frontColor).toLowerCase() === '#000000' ? 'black' : 'white';
        if (a.backgroundColor) patch.navigationBarBackgroundColor = a.backgroundColor;
        return v.pages.override(page, patch);
      }
      case 'showNavigationBarLoading': return v.pages.override(page, { navigationBarLoading: true });
      case 'hideNavigationBarLoading': return v.pages.override(page, { navigationBarLoading: false });
      case 'setBackgroundColor': {
        const c = a.backgroundColor || a.backgroundColorTop;
        return c ? v.pages.override(page, { backgroundColor: c }) : undefined;
      }
      case 'setBackgroundTextStyle': return v.pages.override(page, { backgroundTextStyle: a.textStyle });
      case 'startPullDownRefresh': return v.pages.refresh(info());
      case 'stopPullDownRefresh': return v.pages.stopRefresh(info());
      case 'pageScrollTo': return v.pages.scrollTo(a);
      case 'hideHomeButton': return undefined;
      case 'hideKeyboard': {
        const el = /** @type {HTMLElement | null} */ (document.activeElement);
        if (el && el !== document.body && typeof el.blur === 'function') el.blur();
        return undefined;
      }
      default:
        if (!v.chrome.tabUi(m.api, a)) v.viewError(`unknown ui api ${JSON.stringify(m.api)}`);
        return undefined;
    }
  }

  /** Host requests: answered with `reply` whenever the person (or the layout) answers. */
  /** @param {Received<'request'>} m */
  async function request(m) {
    const ok = (value) => v.send({ t: 'reply', id: m.id, ok: value === undefined ? {} : value });
    const fail = (text) => v.send({ t: 'reply', id: m.id, fail: text });
    const a = (m.args && typeof m.args === 'object') ? m.args : {};
    try {
      switch (m.api) {
        case 'showModal':
          return ok(await v.ui.modal(a));
        case 'showActionSheet': {
          const i = await v.ui.actionSheet(a);
          return i < 0 ? fail('fail cancel') : ok({ tapIndex: i });
        }
        case 'layout':
          return ok(v.layout.query(a));
        case 'animate':
          return ok(await v.animations.play(a));
        case 'clearAnimation':
          return ok(v.animations.clear(a));
        case 'automator':
          return ok(await automation(v, a));
        case 'canvas': {
          const r = v.ops.nodes.get(a.node);
          if (!r || !r.inst || typeof r.inst.request !== 'function') return fail(`fail no canvas node ${a.node}`);
          return ok(await r.inst.request(a));
        }
        default:
          return fail(`fail ${m.api} is not available in the view`);
      }
    } catch (e) {
      const text = msgOf(e);
      return fail(text.startsWith('fail') ? text : `fail ${text}`);
    }
  }

  /** Live reload at the page shown now (or the one the message names), keeping its query. */
  /** @param {{path?: string, query?: any}} m */
  function reload(m) {
    let { path, query } = m;
    const top = v.pages.stack[v.pages.stack.length - 1];
    if (!path && top) {
      path = top.path;
      query = top.query;
    }
    const u = new URL(location.href);
    // The system theme may have changed since this page opened (the simulator's switch).
    if (v.theme.system === 'dark') u.searchParams.set('theme', 'dark');
    else u.searchParams.delete('theme');
    if (path) {
      u.searchParams.set('path', String(path));
      const q = query && typeof query === 'object' ? new URLSearchParams(query).toString() : query ? String(query) : '';
      if (q) u.searchParams.set('query', q);
      else u.searchParams.delete('query');
    }
    location.replace(u.href);
  }

  /** @param {ToView} m */
  async function handle(m) {
    if (!m || typeof m !== 'object') return v.viewError('a message that is not an object');
    if (refused && m.t !== 'reload' && m.t !== 'compileError' && m.t !== 'compileOk') return undefined;
    switch (m.t) {
      case 'config':
        v.config = m;
        v.watermark.set(m.watermark || null);
        v.overlay.starting();
        return v.styles.loadAll(m.styles);
      case 'hello':
        if (m.protocol !== PROTOCOL) {
          refused = true;
          v.overlay.status(`This app speaks view protocol ${m.protocol}; this view knows ${PROTOCOL}. Update cove.`);
          return v.viewError(`refused protocol ${m.protocol}`);
        }
        v.app = m.app || {};
        v.theme.setApp(v.app, m.theme);
        v.pages.setApp(v.app);
        return v.chrome.setApp(v.app);
      case 'ops':
        if (Array.isArray(m.ops) && m.ops.length > MAX_BATCH_OPS) {
          return v.viewError(`refused a batch of ${m.ops.length} ops (at most ${MAX_BATCH_OPS})`);
        }
        v.ops.apply(m.ops);
        v.pages.flush();
        v.layout.afterBatch();
        v.overlay.afterOps();
        return undefined;
      case 'route': return v.pages.route(m);
      case 'theme': return v.theme.setSystem(m.theme);
      case 'pageClosed':
        v.pages.closed(m);
        return v.overlay.pageClosed(m.id);
      case 'ui': return uiMessage(m);
      case 'report': return undefined;
      // A `wx` method Cove does not provide was called (it failed as WeChat's `fail not supported`).
      case 'unsupported': return undefined;
      case 'canvas': {
        const r = v.ops.nodes.get(m.node);
        if (!r || !r.inst || typeof r.inst.draw !== 'function') return v.viewError(`canvas message for node ${m.node}, which is not a canvas`);
        r.inst.draw(m.calls);
        return undefined;
      }
      // An uncaught error of the app, on page `m.page` (or the top one).
      case 'error': return v.overlay.error(m.message, m.page);
      // The app stopped for good (the simulator says why): never a blank phone.
      case 'fatal': return v.overlay.fatal(m);
      case 'request':
        request(m);
        return undefined;
      case 'hostReply': {
        const w = hostWait.get(m.id);
        if (!w) return undefined;
        hostWait.delete(m.id);
        return m.fail !== undefined ? w.reject(new Error(String(m.fail))) : w.resolve(m.ok);
      }
      case 'viewRefused':
        console.warn('[cove] the app refused a view message:', m.message);
        return undefined;
      case 'reload': return reload(m);
      case 'compileError': return v.overlay.compileError(m.diagnostics);
      case 'compileOk': return v.overlay.compileOk();
      default: {
        // Only what no view handles gets here (`automator` is for the host): a message type
        // added to the protocol without a case above fails `tsc` (crates/view/tsconfig.json).
        /** @type {Received<'automator'>} */
        const unhandled = m;
        return v.viewError(`unknown message ${JSON.stringify(unhandled.t)}`);
      }
    }
  }

  let chain = registry;
  transport.onMessage((m) => {
    chain = chain.then(() => handle(m)).catch((e) => v.viewError(`${m && m.t}: ${msgOf(e)}`));
    return chain;
  });
  return v;
}
