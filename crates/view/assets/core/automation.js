// @ts-check
// The view's side of WeChat's `miniprogram-automator` protocol: the server resolves selectors in
// the container and asks the view (`request` api `automator`) to act on or measure one node.
// Gestures go through core/events.js so they look exactly like a finger's.
import { recordOf } from './ctx.js';
import { bool, num } from '../components/util.js';
import { PUBLIC } from './automation-props.js';

// Pointer ids of automator gestures: negative so events.js reports finger 0, and distinct from the
// mouse (-1) so a real mouse is not disturbed.
const TAP = -2;
const TOUCH = -3;
const HOVER_WAIT = 300; // ms at most a tap is held so hover-class shows (< the 350 ms longpress)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kebab = (n) => String(n).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const camel = (n) => String(n).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
const names = (a) => (Array.isArray(a.names) ? a.names : a.names == null ? [] : [a.names]).map(String);

/** A value the reply can carry: primitives only (NaN, objects and functions become null). */
function plain(x) {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  return typeof x === 'string' || typeof x === 'boolean' ? x : null;
}

const state = new WeakMap(); // v -> {chain, touchEl}

/** `args` of a `request` with api `automator`: one op, run after the previous ones. */
export function automation(v, args) {
  let s = state.get(v);
  if (!s) state.set(v, (s = { chain: Promise.resolve(), touchEl: null }));
  const run = s.chain.then(() => op(v, s, args || {}));
  s.chain = run.catch(() => {});
  return run;
}

function nodeOf(v, a) {
  const r = v.ops.nodes.get(a.node);
  if (!r || !r.node || r.node.nodeType !== 1 || !r.node.isConnected) throw new Error(`fail node ${a.node} is not in the view`);
  return r;
}

async function op(v, s, a) {
  if (a.op === 'windowProperties') return names(a).map((n) => windowProperty(v, n));
  if (a.op === 'native') return native(v, String(a.method));
  if (!Object.hasOwn(OPS, a.op)) throw new Error(`fail unknown automator op ${JSON.stringify(a.op)}`);
  return OPS[a.op](v, nodeOf(v, a), a, s);
}

const OPS = {
  async tap(v, r) {
    const { x, y } = centre(r.node);
    const ev = v.events;
    if (ev.active.has(TAP)) ev.finish(TAP, x, y, true);
    ev.begin(TAP, r.node, x, y, 0, 'touch');
    const g = ev.g && ev.g.id === TAP ? ev.g : null;
    // Hold like a finger long enough for hover-class to show (it then stays hover-stay-time).
    const until = performance.now() + HOVER_WAIT;
    while (g && ev.g === g && g.hover.some((i) => !i.on) && performance.now() < until) await sleep(10);
    const tapped = ev.g === g && g && !g.moved;
    ev.finish(TAP, x, y, false);
    if (tapped && r.node.isConnected) click(v, r.node);
    return {};
  },

  longpress(v, r) {
    const { x, y } = centre(r.node);
    const ev = v.events;
    if (ev.active.has(TAP)) ev.finish(TAP, x, y, true);
    ev.begin(TAP, r.node, x, y, 0, 'touch');
    const g = ev.g && ev.g.id === TAP ? ev.g : null;
    if (g) {
      ev.longpress(g);
      g.long = true; // no tap after it, whether or not a longpress listener ran
    }
    ev.finish(TAP, x, y, false);
    return {};
  },

  touch(v, r, a, s) {
    const ev = v.events;
    const phase = a.phase;
    if (phase === 'start') {
      const { x, y, force } = point(v, r.node, a);
      if (ev.active.has(TOUCH)) ev.finish(TOUCH, x, y, true);
      ev.begin(TOUCH, r.node, x, y, force, 'touch');
      s.touchEl = r.node;
      return {};
    }
    if (phase !== 'move' && phase !== 'end' && phase !== 'cancel') throw new Error(`fail unknown touch phase ${JSON.stringify(phase)}`);
    const p = ev.active.get(TOUCH);
    const { x, y, force } = point(v, p ? p.target : r.node, a);
    if (!p) {
      // No touchstart before it: just that event, as WeChat's automator triggers it.
      lone(v, r.node, `touch${phase}`, x, y, force);
      return {};
    }
    if (phase === 'move') {
      ev.moveTo(TOUCH, x, y, force);
      return {};
    }
    const g = ev.g && ev.g.id === TOUCH ? ev.g : null;
    const tapped = phase === 'end' && g && !g.moved && !g.long;
    const el = s.touchEl;
    s.touchEl = null;
    ev.finish(TOUCH, x, y, phase === 'cancel');
    if (tapped && el && el.isConnected) click(v, el); // a finger's tap also works the built-in
    return {};
  },

  domProperties(v, r, a) {
    return names(a).map((n) => {
      if (n === 'value' && (r.tag === 'input' || r.tag === 'textarea')) return plain(fieldOf(r).value);
      try {
        return plain(r.node[n]);
      } catch {
        return null;
      }
    });
  },

  properties(v, r, a) {
    return names(a).map((n) => property(r, n));
  },

  styles(v, r, a) {
    const cs = getComputedStyle(r.node);
    return names(a).map((n) => cs.getPropertyValue(cssName(n)));
  },

  offset(v, r) {
    const b = rectOf(r.node);
    const info = v.pages.layerOf(r.node);
    if (!info) return { left: b.left, top: b.top };
    const layer = info.layer;
    const lr = layer.getBoundingClientRect();
    return {
      left: b.left - lr.left - layer.clientLeft + layer.scrollLeft,
      top: b.top - lr.top - layer.clientTop + layer.scrollTop,
    };
  },

  size(v, r) {
    const d = getComputedStyle(r.node).display;
    if (d === 'contents' || d === 'inline') {
      const b = rectOf(r.node);
      return { width: b.width, height: b.height };
    }
    return { width: r.node.offsetWidth, height: r.node.offsetHeight };
  },

  async call(v, r, a) {
    const name = String(a.name);
    const args = Array.isArray(a.args) ? a.args : [];
    const fn = Object.hasOwn(CALLS, name) ? CALLS[name] : null;
    if (!fn) throw new Error(`fail ${name} is not supported by Cove's view`);
    const want = name.slice(0, name.indexOf('.'));
    if (r.tag !== want) throw new Error(`fail ${name} needs a <${want}>, node ${r.id} is a <${r.tag}>`);
    const result = await fn(r, ...args);
    return { result: result === undefined ? null : result };
  },

  dispatch(v, r, a) {
    const data = a.eventData && typeof a.eventData === 'object' ? a.eventData : {};
    const detail = data.detail !== undefined ? data.detail : data;
    const e = new CustomEvent(String(a.eventName), { bubbles: true, cancelable: true, detail });
    // Own properties shadow nothing the event already has (type, target, ...).
    for (const [k, x] of Object.entries(data)) if (!(k in e)) Object.defineProperty(e, k, { value: x, enumerable: true });
    r.node.dispatchEvent(e);
    return {};
  },

  context(v, r, a) {
    const method = String(a.method);
    const args = Array.isArray(a.args) ? a.args : [];
    const media = r.node.querySelector('video, audio');
    if ((r.tag !== 'video' && r.tag !== 'audio') || !media) throw new Error(`fail node ${r.id} (<${r.tag}>) has no media context`);
    const inst = r.inst || {};
    const own = (m) => (typeof inst[m] === 'function' ? inst[m] : null);
    switch (method) {
      case 'play':
        if (own('play')) own('play')();
        else media.play().catch(() => {});
        break;
      case 'pause': media.pause(); break;
      case 'stop':
        if (own('stop')) own('stop')();
        else {
          media.pause();
          media.currentTime = 0;
        }
        break;
      case 'seek': media.currentTime = Math.max(0, num(args[0], 0)); break;
      case 'playbackRate': media.playbackRate = num(args[0], 1); break;
      case 'requestFullScreen':
      case 'exitFullScreen':
        if (own(method)) {
          own(method)();
          break;
        }
      // falls through
      default:
        throw new Error(`fail ${method} is not supported by Cove's view`);
    }
    return {};
  },
};

// ---- callFunction ------------------------------------------------------------------------------
const fieldOf = (r) => r.node.querySelector('.wx-input-inner, .wx-textarea-inner') || r.node.querySelector('input, textarea');
const scrollerOf = (r) => (r.inst && r.inst.scroller) || r.node.querySelector(':scope > .wx-scroll-view') || r.node;
const auto = (r) => {
  const a = r.inst && r.inst.automation;
  if (!a) throw new Error(`fail <${r.tag}> node ${r.id} has no automation hooks`);
  return a;
};

/** Type `value` into the field: the component's own `input` listener emits and updates the model. */
function typeInto(r, value) {
  const field = fieldOf(r);
  let text = value == null ? '' : String(value);
  if (field.maxLength >= 0) text = text.slice(0, field.maxLength);
  field.value = text;
  field.dispatchEvent(new Event('input', { bubbles: true }));
}

/** Scroll a scroll-view; resolves once its `scroll` event (and so `bindscroll`) went out. */
async function scrollTo(r, x, y) {
  const sc = scrollerOf(r);
  const left = sc.scrollLeft;
  const top = sc.scrollTop;
  const moved = new Promise((res) => {
    sc.addEventListener('scroll', res, { once: true });
    setTimeout(res, 200);
  });
  sc.scrollTo({ left: num(x, left), top: num(y, top), behavior: 'instant' });
  if (sc.scrollLeft !== left || sc.scrollTop !== top) await moved;
}

const CALLS = {
  'input.input': typeInto,
  'textarea.input': typeInto,
  'scroll-view.scrollTo': scrollTo,
  'scroll-view.scrollTop': (r) => scrollerOf(r).scrollTop,
  'scroll-view.scrollLeft': (r) => scrollerOf(r).scrollLeft,
  'scroll-view.scrollWidth': (r) => scrollerOf(r).scrollWidth,
  'scroll-view.scrollHeight': (r) => scrollerOf(r).scrollHeight,
  'swiper.swipeTo': (r, i) => auto(r).swipeTo(i),
  'movable-view.moveTo': (r, x, y) => auto(r).moveTo(x, y),
  'switch.tap': (r) => {
    if (!r.inst || typeof r.inst.activate !== 'function') throw new Error(`fail <switch> node ${r.id} cannot be toggled`);
    r.inst.activate();
  },
  'slider.slideTo': (r, value) => auto(r).slideTo(value),
};

// ---- properties --------------------------------------------------------------------------------
/** The live state of a built-in, keyed by WeChat's property names (kebab-case). */
function live(r) {
  const i = r.inst || {};
  const a = i.automation || {};
  switch (r.tag) {
    case 'input':
    case 'textarea': return { value: fieldOf(r).value };
    case 'switch': return { checked: r.node.getAttribute('aria-checked') === 'true' };
    case 'checkbox':
    case 'radio': return { checked: !!i.checked };
    case 'slider': return { value: a.value };
    case 'swiper': return { current: a.current };
    case 'movable-view': return { x: a.x, y: a.y };
    case 'scroll-view': {
      const sc = scrollerOf(r);
      return { 'scroll-top': sc.scrollTop, 'scroll-left': sc.scrollLeft };
    }
    default: return {};
  }
}

const ALIAS = { '_translate-x': 'x', '_translate-y': 'y' };

export function property(r, name) {
  const st = live(r);
  const table = PUBLIC[r.tag] || {};
  if (name === '__propPublic') {
    const out = {};
    const keys = new Set([...Object.keys(table), ...Object.keys(st), ...(r.props ? r.props.keys() : [])]);
    if (r.attrs) for (const k of Object.keys(r.attrs)) keys.add(k);
    for (const k of keys) {
      out[k] = true;
      out[camel(k)] = true;
    }
    return out;
  }
  let k = kebab(name);
  k = ALIAS[k] || k;
  if (Object.hasOwn(st, k) && st[k] !== undefined) return json(st[k]);
  let value;
  if (r.props && r.props.has(k)) value = r.props.get(k);
  else if (r.attrs && Object.hasOwn(r.attrs, k)) value = r.attrs[k];
  else return Object.hasOwn(table, k) ? json(table[k]) : null;
  // Attributes keep their JSON type; WXML booleans and numbers also arrive as strings.
  const d = table[k];
  if (typeof d === 'boolean') return bool(value);
  if (typeof d === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return json(value);
}

/** Any JSON value (an attribute may be an array or object); anything else becomes null. */
function json(x) {
  if (x === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(x)) ?? null;
  } catch {
    return null;
  }
}

// ---- windowProperties --------------------------------------------------------------------------
// The page scrolls inside its layer, not the document: these read the top page layer.
const PAGE_SCROLL = /^document\.(?:documentElement|body)\.(scrollTop|scrollLeft|scrollWidth|scrollHeight)$/;
const WINDOW_SCROLL = { scrollY: 'scrollTop', pageYOffset: 'scrollTop', scrollX: 'scrollLeft', pageXOffset: 'scrollLeft' };

function windowProperty(v, path) {
  const m = PAGE_SCROLL.exec(path);
  const key = m ? m[1] : WINDOW_SCROLL[path];
  if (key) {
    const top = v.pages.top();
    return top ? plain(top.layer[key]) : 0;
  }
  // Reading only: getters run, functions are never called.
  /** @type {any} */
  let cur = window;
  for (const seg of path.split('.')) {
    if (cur == null || (typeof cur !== 'object' && typeof cur !== 'function')) return null;
    try {
      cur = cur[seg];
    } catch {
      return null;
    }
  }
  return plain(cur);
}

// ---- native ------------------------------------------------------------------------------------
function native(v, method) {
  if (method !== 'confirmModal' && method !== 'cancelModal') throw new Error(`fail native ${method} is not supported by Cove's view`);
  const modals = v.ui.layer.querySelectorAll('.cove-modal');
  const modal = modals[modals.length - 1];
  if (!modal) throw new Error('fail no modal is open');
  const btn = modal.querySelector(method === 'confirmModal' ? '.cove-modal__confirm' : '.cove-modal__cancel');
  if (!btn) throw new Error('fail the modal has no cancel button');
  btn.click();
  return {};
}

// ---- geometry and gestures ---------------------------------------------------------------------
function rectOf(el) {
  if (getComputedStyle(el).display !== 'contents') return el.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getBoundingClientRect();
}

function centre(el) {
  const b = rectOf(el);
  return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
}

/** The viewport point of a touch the client gives relative to the page layer; default the centre. */
function point(v, el, a) {
  const list = (Array.isArray(a.changedTouches) && a.changedTouches.length ? a.changedTouches : a.touches) || [];
  const t = list[0] && typeof list[0] === 'object' ? list[0] : {};
  const c = centre(el);
  const info = v.pages.layerOf(el);
  const force = num(t.force, 0);
  if (!info) return { x: c.x, y: c.y, force };
  const layer = info.layer;
  const lr = layer.getBoundingClientRect();
  const n = (x) => (typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN);
  const at = (client, page, scroll, origin, fallback) => {
    if (Number.isFinite(n(client))) return origin + n(client);
    if (Number.isFinite(n(page))) return origin + n(page) - scroll;
    return fallback;
  };
  return {
    x: at(t.clientX, t.pageX, layer.scrollLeft, lr.left, c.x),
    y: at(t.clientY, t.pageY, layer.scrollTop, lr.top, c.y),
    force,
  };
}

/** One touch event with no gesture around it (a touchmove/end the client sent without a start). */
function lone(v, el, type, x, y, force) {
  const info = v.pages.layerOf(el);
  const rec = recordOf(el);
  if (!info || !rec) return;
  const p = { id: TOUCH, rec, info, x, y, force, target: el };
  const t = v.events.touchOf(p);
  v.events.fire(rec, type, p, type === 'touchmove' ? [t] : [], [t]);
}

/** What the tap does to the built-in itself: the `click` every component listens to. */
function click(v, el) {
  v.events.noClickUntil = 0; // an earlier drag's click guard is not about this tap
  el.click();
}

function cssName(n) {
  const s = String(n);
  if (s.startsWith('--') || s.includes('-')) return s;
  const k = kebab(s);
  return /^(webkit|moz|ms)-/.test(k) ? '-' + k : k;
}
