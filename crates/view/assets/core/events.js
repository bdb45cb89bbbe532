// @ts-check
// WeChat's touch events from real touches (touch events) and the mouse or pen (pointer events):
// touchstart/move/end/cancel, tap, longpress/longtap, hover-class; mouse drags scroll the page and
// scroll containers as a finger would, and pull to refresh.
import { chainListens, recordOf } from './ctx.js';

const SLOP = 10; // px a touch may move and still be a tap
const LONG = 350; // ms to a longpress

const HOVER_TIMES = { button: [20, 70], navigator: [50, 600] };

function hoverClassOf(r) {
  let cls = r.hover && r.hover.cls;
  if (cls == null) cls = r.hoverDefault || (r.tag === 'button' ? 'button-hover' : r.tag === 'navigator' ? 'navigator-hover' : null);
  if (!cls || cls === 'none') return null;
  if (r.attrs && r.attrs.disabled) return null;
  return cls;
}

function hoverClasses(r, cls) {
  const out = [];
  for (const name of String(cls).split(/\s+/)) {
    if (!name) continue;
    out.push(name);
    if (r.scope) out.push(`${r.scope}--${name}`);
  }
  return out;
}

/** Whether a `catchtouchmove` is on the chain: WeChat then stops the page from scrolling. */
function catchesMove(el) {
  for (let n = el; n; n = n.parentNode) {
    const l = n.__cove && n.__cove.listens && n.__cove.listens.get('touchmove');
    if (l && l.mutLevel === 2) return true;
    if (n.classList && n.classList.contains('cove-layer')) break;
  }
  return false;
}

function claimed(el, axis) {
  for (let n = el; n; n = n.parentNode) {
    if (typeof n.__coveGesture === 'string' && n.__coveGesture.includes(axis)) return true;
    if (n.classList && n.classList.contains('cove-layer')) break;
  }
  return false;
}

function isField(el) {
  const e = el && el.nodeType === 1 ? el : el && el.parentElement;
  return !!(e && e.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

function scrollable(n, axis) {
  if (n.nodeType !== 1) return false;
  const cs = getComputedStyle(n);
  const ov = axis === 'y' ? cs.overflowY : cs.overflowX;
  if (ov !== 'auto' && ov !== 'scroll') return false;
  return axis === 'y' ? n.scrollHeight > n.clientHeight : n.scrollWidth > n.clientWidth;
}

export class Events {
  /** @param {import('../view.js').View} v */
  constructor(v, area) {
    this.v = v;
    this.area = area;
    /** identifier -> {id, rec, info, x, y, force} */
    this.active = new Map();
    /** @type {any} */
    this.g = null; // the primary (single-finger) gesture: tap, longpress, hover, drag
    this.noClickUntil = 0;
    // Capture: a component stopping propagation must not hide touches from the page.
    const opt = { passive: false, capture: true };
    area.addEventListener('touchstart', (e) => this.onTouch(e, 'start'), opt);
    area.addEventListener('touchmove', (e) => this.onTouch(e, 'move'), opt);
    area.addEventListener('touchend', (e) => this.onTouch(e, 'end'), opt);
    area.addEventListener('touchcancel', (e) => this.onTouch(e, 'cancel'), opt);
    area.addEventListener('pointerdown', (e) => this.onPointer(e, 'start'), true);
    window.addEventListener('pointermove', (e) => this.onPointer(e, 'move'), true);
    window.addEventListener('pointerup', (e) => this.onPointer(e, 'end'), true);
    window.addEventListener('pointercancel', (e) => this.onPointer(e, 'cancel'), true);
    // Components use `click`; WeChat has no tap after a drag or a longpress.
    window.addEventListener('click', (e) => {
      if (performance.now() < this.noClickUntil && area.contains(e.target)) {
        e.stopImmediatePropagation();
        e.preventDefault();
      }
    }, true);
  }

  onTouch(e, phase) {
    for (const t of Array.from(e.changedTouches)) {
      const force = t.force || 0;
      if (phase === 'start') this.begin(t.identifier, t.target, t.clientX, t.clientY, force, 'touch');
      else if (phase === 'move') {
        if (this.moveTo(t.identifier, t.clientX, t.clientY, force) && e.cancelable) e.preventDefault();
      } else this.finish(t.identifier, t.clientX, t.clientY, phase === 'cancel');
    }
  }

  onPointer(e, phase) {
    if (e.pointerType === 'touch') return; // touch events carry those
    const id = -1; // the mouse (or pen) is one finger
    if (phase === 'start') {
      if (e.button !== 0 || this.active.has(id)) return;
      this.begin(id, e.target, e.clientX, e.clientY, e.pressure || 0, 'mouse');
    } else if (!this.active.has(id)) {
      return;
    } else if (phase === 'move') {
      if (this.moveTo(id, e.clientX, e.clientY, e.pressure || 0)) e.preventDefault();
    } else this.finish(id, e.clientX, e.clientY, phase === 'cancel');
  }

  touchOf(p) {
    const layer = p.info.layer;
    const r = layer.getBoundingClientRect();
    const cx = p.x - r.left;
    const cy = p.y - r.top;
    // A mouse pointer is finger 0, as in WeChat DevTools.
    return { identifier: p.id < 0 ? 0 : p.id, pageX: cx + layer.scrollLeft, pageY: cy + layer.scrollTop, clientX: cx, clientY: cy, force: p.force };
  }

  touches() {
    return Array.from(this.active.values(), (p) => this.touchOf(p));
  }

  fire(rec, type, p, touches, changed) {
    if (!rec || !this.v.ops.nodes.has(rec.id) || !chainListens(rec.node, type)) return false;
    const t = changed[0];
    this.v.send({
      t: 'event', node: rec.id, type, detail: { x: t.pageX, y: t.pageY }, touches, changedTouches: changed,
      timeStamp: Math.round(performance.now() - p.info.opened),
    });
    return true;
  }

  begin(id, target, x, y, force, kind) {
    const info = this.v.pages.layerOf(target);
    const rec = info && recordOf(target);
    if (!rec) return;
    const p = { id, rec, info, x, y, force, target };
    this.active.set(id, p);
    if (this.active.size === 1) {
      const g = { id, rec, info, kind, x0: x, y0: y, lastY: y, moved: false, long: false, drag: undefined, pullBase: null, target };
      g.timer = setTimeout(() => this.longpress(g), LONG);
      g.hover = this.hoverStart(rec);
      this.g = g;
    } else if (this.g) this.cancelTap();
    this.fire(rec, 'touchstart', p, this.touches(), [this.touchOf(p)]);
  }

  cancelTap() {
    const g = this.g;
    g.moved = true;
    clearTimeout(g.timer);
    this.hoverCancel(g.hover);
  }

  /** Returns true when the default (scrolling) must be prevented. */
  moveTo(id, x, y, force) {
    const p = this.active.get(id);
    if (!p) return false;
    p.x = x;
    p.y = y;
    p.force = force;
    const g = this.g && this.g.id === id ? this.g : null;
    if (g && !g.moved && Math.hypot(x - g.x0, y - g.y0) >= SLOP) this.cancelTap();
    this.fire(p.rec, 'touchmove', p, this.touches(), [this.touchOf(p)]);
    const caught = catchesMove(p.target);
    if (!g) return caught;
    let prevent = caught;
    if (!caught && g.kind === 'mouse' && g.moved) prevent = this.mouseDrag(g, x, y) || prevent;
    if (!caught && g.kind === 'touch') prevent = this.touchPull(g, y) || prevent;
    g.lastY = y;
    return prevent;
  }

  finish(id, x, y, cancelled) {
    const p = this.active.get(id);
    if (!p) return;
    p.x = x;
    p.y = y;
    this.active.delete(id);
    const t = this.touchOf(p);
    this.fire(p.rec, cancelled ? 'touchcancel' : 'touchend', p, this.touches(), [t]);
    const g = this.g && this.g.id === id ? this.g : null;
    if (!g) return;
    this.g = null;
    clearTimeout(g.timer);
    if (!cancelled && !g.moved && !g.long) this.fire(g.rec, 'tap', p, [t], [t]);
    if (g.moved || g.long) this.noClickUntil = performance.now() + 600;
    this.hoverEnd(g.hover);
    this.v.pages.release(g.info);
  }

  longpress(g) {
    if (this.g !== g || g.moved) return;
    const p = this.active.get(g.id);
    if (!p) return;
    const t = this.touchOf(p);
    if (this.fire(g.rec, 'longpress', p, this.touches(), [t])) g.long = true;
    this.fire(g.rec, 'longtap', p, this.touches(), [t]);
  }

  // ---- dragging with a mouse: scroll what a finger would scroll ---------------------------------------
  mouseDrag(g, x, y) {
    if (g.drag === undefined) g.drag = this.dragTarget(g, x, y);
    const d = g.drag;
    if (!d) return false;
    if (d.axis === 'x') {
      d.el.scrollLeft = d.start - (x - d.x);
      return true;
    }
    const want = d.start - (y - d.y);
    if (want < 0 && d.layer && this.v.pages.canPull(g.info)) {
      d.el.scrollTop = 0;
      this.v.pages.pull(g.info, -want);
    } else {
      if (d.layer) this.v.pages.pull(g.info, 0);
      d.el.scrollTop = want;
    }
    return true;
  }

  dragTarget(g, x, y) {
    const axis = Math.abs(y - g.y0) >= Math.abs(x - g.x0) ? 'y' : 'x';
    if (isField(g.target)) return null;
    for (let n = g.target; n; n = n.parentNode) {
      if (typeof n.__coveGesture === 'string' && n.__coveGesture.includes(axis)) return null;
      if (n === g.info.layer) {
        if (axis !== 'y' || n.classList.contains('no-scroll')) return null;
        return { el: n, axis, layer: true, start: n.scrollTop, x: g.x0, y: g.y0 };
      }
      if (scrollable(n, axis)) return { el: n, axis, layer: false, start: axis === 'y' ? n.scrollTop : n.scrollLeft, x: g.x0, y: g.y0 };
    }
    return null;
  }

  /** Pull to refresh with a finger: native scrolling does the rest. */
  touchPull(g, y) {
    const pages = this.v.pages;
    if (!pages.canPull(g.info) || claimed(g.target, 'y')) return false;
    if (g.info.layer.scrollTop > 0) return false;
    if (g.pullBase == null) {
      if (y <= g.lastY) return false;
      g.pullBase = g.lastY;
    }
    const dist = y - g.pullBase;
    pages.pull(g.info, dist);
    if (dist <= 0) g.pullBase = null;
    return dist > 0;
  }

  // ---- hover-class ---------------------------------------------------------------------------------------
  hoverStart(rec) {
    const items = [];
    for (let n = rec.node; n; n = n.parentNode) {
      if (n.classList && n.classList.contains('cove-layer')) break;
      const r = n.__cove;
      if (!r) continue;
      const cls = hoverClassOf(r);
      if (cls) {
        const [ds, dt] = HOVER_TIMES[r.tag] || [50, 400];
        const h = r.hover || {};
        const item = { el: n, classes: hoverClasses(r, cls), on: false, stay: Number.isFinite(h.stay) ? h.stay : dt };
        clearTimeout(n.__coveHoverOff);
        item.timer = setTimeout(() => {
          item.on = true;
          n.classList.add(...item.classes);
        }, Number.isFinite(h.start) ? h.start : ds);
        items.push(item);
      }
      if (r.hover && r.hover.stop) break;
    }
    return items;
  }

  hoverCancel(items) {
    for (const it of items || []) {
      clearTimeout(it.timer);
      if (it.on) it.el.classList.remove(...it.classes);
      it.on = false;
    }
  }

  hoverEnd(items) {
    for (const it of items || []) {
      clearTimeout(it.timer);
      if (!it.on) continue;
      it.el.__coveHoverOff = setTimeout(() => it.el.classList.remove(...it.classes), it.stay);
    }
  }
}
