// @ts-check
// Layout queries (`createSelectorQuery`) and intersection observers. Coordinates are relative
// to the page viewport (the page layer, below the navigation bar), as WeChat reports them.
import { property } from './automation.js';

const cssName = (n) => (String(n).startsWith('--') ? String(n) : String(n).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
const nameList = (x) => (Array.isArray(x) ? x.map(String) : []);

function rel(r, o) {
  return {
    left: r.left - o.left, top: r.top - o.top, right: r.right - o.left, bottom: r.bottom - o.top,
    width: r.width, height: r.height,
  };
}

/** The element that scrolls for a node: a built-in's `scroller`, the host, or its scrolling child. */
export function scrollerOf(r) {
  if (r.inst && r.inst.scroller) return r.inst.scroller;
  const el = r.node;
  if (el.nodeType !== 1) return el;
  const scrolls = (n) => /auto|scroll/.test(getComputedStyle(n).overflowY + getComputedStyle(n).overflowX);
  if (scrolls(el) || !r.inst) return el;
  return Array.from(el.children).find(scrolls) || el;
}

const ZERO = { left: 0, top: 0, right: 0, bottom: 0, width: 0, height: 0 };

function rectOf(node) {
  // A `display: contents` element (the page component's host) has no box of its own: its
  // rect is its content's, as the element's box would be in WeChat.
  if (node.nodeType === 1 && getComputedStyle(node).display !== 'contents') return node.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(node);
  return range.getBoundingClientRect();
}

/** `"10px 0px 5px 0px"` or {top, right, bottom, left} -> [top, right, bottom, left] in px. */
function margins(m) {
  if (m && typeof m === 'object') return [m.top, m.right, m.bottom, m.left].map((x) => Number(x) || 0);
  const parts = String(m || '').trim().split(/\s+/).filter(Boolean).map((x) => parseFloat(x) || 0);
  if (parts.length === 0) return [0, 0, 0, 0];
  const [t, r = t, b = t, l = r] = parts;
  return [t, r, b, l];
}

function intersect(a, b) {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.right, b.right);
  const bottom = Math.min(a.bottom, b.bottom);
  if (right < left || bottom < top) return null;
  return { left, top, right, bottom, width: right - left, height: bottom - top };
}

export class Layout {
  /** @param {import('../view.js').View} v */
  constructor(v) {
    this.v = v;
    this.observers = new Map();
    this.fresh = [];
  }

  /** The viewport the node's page shows it in (its page layer), or the pages area. */
  viewport(node) {
    const info = this.v.pages.layerOf(node);
    return info ? info.layer : this.v.pagesEl;
  }

  /** `{node, what}` -> the answer for the container. */
  query(args) {
    if (args && args.what === 'fields') return (Array.isArray(args.items) ? args.items : []).map((it) => this.fields(it));
    const r = this.v.ops.nodes.get(args && args.node);
    if (!r) throw new Error(`fail no node ${args && args.node}`);
    const info = this.v.pages.byRoot.get(r.node);
    switch (args.what) {
      case 'rect': {
        if (!r.node.isConnected) return { ...ZERO };
        return rel(rectOf(r.node), this.viewport(r.node).getBoundingClientRect());
      }
      case 'scroll': return this.scroll(r);
      case 'context': {
        const extra = r.inst && typeof r.inst.context === 'function' ? r.inst.context() : null;
        return Object.assign({ node: r.id }, extra || {});
      }
      default:
        throw new Error(`fail unknown layout query ${args.what}`);
    }
  }

  /** A node's scroll position; a page root's is its layer's (the viewport's). */
  scroll(r) {
    const info = this.v.pages.byRoot.get(r.node);
    const el = info ? info.layer : scrollerOf(r);
    return { scrollLeft: el.scrollLeft || 0, scrollTop: el.scrollTop || 0, scrollWidth: el.scrollWidth || 0, scrollHeight: el.scrollHeight || 0 };
  }

  /**
   * One node of a SelectorQuery (`what: "fields"`): `{node, rect?, scroll?, style?: [names],
   * properties?: [names]}` -> `{rect, scroll, style: {name: value}, properties: {name: value}}`,
   * or null for a node the view does not have.
   */
  fields(it) {
    const r = it && this.v.ops.nodes.get(it.node);
    if (!r) return null;
    const out = {};
    if (it.rect) out.rect = r.node.isConnected ? rel(rectOf(r.node), this.viewport(r.node).getBoundingClientRect()) : { ...ZERO };
    if (it.scroll) out.scroll = this.scroll(r);
    const style = nameList(it.style);
    if (style.length) {
      const cs = r.node.nodeType === 1 ? getComputedStyle(r.node) : null;
      out.style = {};
      for (const n of style) out.style[n] = cs ? cs.getPropertyValue(cssName(n)) : '';
    }
    const props = nameList(it.properties);
    if (props.length) {
      out.properties = {};
      for (const n of props) out.properties[n] = property(r, n);
    }
    return out;
  }

  /** The `observe` op. The observer starts once the batch is applied (the tree is built then). */
  observe(id, target, relative, margin, thresholds) {
    this.unobserve(id);
    const ts = (Array.isArray(thresholds) && thresholds.length ? thresholds : [0]).map(Number).filter((x) => x >= 0 && x <= 1).sort((a, b) => a - b);
    const o = { id, target, relative, margin: margins(margin), thresholds: ts.length ? ts : [0], level: 0, io: null, manual: false };
    this.observers.set(id, o);
    this.fresh.push(o);
  }

  unobserve(id) {
    const o = this.observers.get(id);
    if (!o) return;
    if (o.io) o.io.disconnect();
    this.observers.delete(id);
  }

  /** After each batch: start new observers, re-check manual ones. */
  afterBatch() {
    const fresh = this.fresh.splice(0);
    for (const o of fresh) if (this.observers.get(o.id) === o) this.start(o);
    this.checkManual();
  }

  start(o) {
    const t = o.target;
    const [mt, mr, mb, mleft] = o.margin;
    const rootMargin = `${mt}px ${mr}px ${mb}px ${mleft}px`;
    // A native observer needs its root to be an ancestor; otherwise compute by hand on scroll.
    let root = o.relative || this.viewport(t);
    if (o.relative && !o.relative.contains(t)) {
      o.manual = true;
      this.checkOne(o);
      return;
    }
    if (root === this.v.pagesEl) root = null;
    o.io = new IntersectionObserver((entries) => {
      for (const e of entries) this.report(o, e.intersectionRatio, e.isIntersecting, e.boundingClientRect, e.intersectionRect, e.rootBounds, e.time);
    }, { root, rootMargin, threshold: o.thresholds });
    o.io.observe(t);
  }

  report(o, ratio, isect, box, inter, rootBounds, time) {
    if (!this.observers.has(o.id)) return;
    // WeChat calls back when the ratio crosses a threshold from the last one (initially 0);
    // a 0 threshold counts as crossed when the target starts or stops intersecting.
    const level = o.thresholds.filter((th) => (th === 0 ? isect : ratio >= th)).length;
    if (level === o.level) return;
    o.level = level;
    const vp = this.viewport(o.target).getBoundingClientRect();
    const relRect = rootBounds || (o.relative ? o.relative.getBoundingClientRect() : vp);
    this.v.send({
      t: 'intersection', id: o.id,
      entry: {
        intersectionRatio: ratio,
        intersectionRect: isect ? rel(inter, vp) : { ...ZERO },
        boundingClientRect: rel(box, vp),
        relativeRect: rel(relRect, vp),
        time: Math.round(performance.timeOrigin + (time || performance.now())),
      },
    });
  }

  checkManual() {
    for (const o of this.observers.values()) if (o.manual) this.checkOne(o);
  }

  checkOne(o) {
    if (!o.target.isConnected) return;
    const box = o.target.getBoundingClientRect();
    const rr = o.relative.getBoundingClientRect();
    const [mt, mr, mb, ml] = o.margin;
    const root = { left: rr.left - ml, top: rr.top - mt, right: rr.right + mr, bottom: rr.bottom + mb };
    root.width = root.right - root.left;
    root.height = root.bottom - root.top;
    const inter = intersect(box, root);
    const area = box.width * box.height;
    const ratio = inter ? (area > 0 ? (inter.width * inter.height) / area : 1) : 0;
    this.report(o, ratio, !!inter, box, inter || ZERO, root, performance.now());
  }
}
