// @ts-check
// The `ctx` a built-in component gets (docs/view.md, Components).
import { safeUrl } from './url.js';

/** Whether `type` is listened to on `el` or any ancestor (events bubble in the container). */
export function chainListens(el, type) {
  for (let n = el; n; n = n.parentNode) {
    const r = n.__cove;
    if (r && r.listens && r.listens.has(type)) return true;
    if (n.classList && n.classList.contains('cove-layer')) break;
  }
  return false;
}

/** The nearest node (self or ancestor) the container knows, as its record. */
export function recordOf(node) {
  for (let n = node; n; n = n.parentNode) {
    if (n.__cove) return n.__cove;
    if (n.classList && n.classList.contains('cove-layer')) break;
  }
  return null;
}

/** @param {import('../view.js').View} v @param {import('./ops.js').NodeRecord} r */
export function makeCtx(v, r) {
  const el = r.node;
  return {
    el,
    id: r.id,
    /** Send a component event if someone listens (on the node, or above it when it bubbles). */
    emit(type, detail, opts) {
      const bubbles = !!(opts && opts.bubbles);
      const heard = bubbles ? chainListens(el, type) : !!(r.listens && r.listens.has(type));
      if (!heard) return false;
      v.send({ t: 'event', node: r.id, type, detail: detail === undefined ? {} : detail, bubbles });
      return true;
    },
    listens(type) {
      return !!(r.listens && r.listens.has(type));
    },
    model(name, value) {
      if (r.models && r.models.has(name)) v.send({ t: 'model', node: r.id, name, value });
    },
    instanceOf(other) {
      return (other && other.__cove && other.__cove.inst) || null;
    },
    url(src, kind) {
      return safeUrl(v, src, kind, pagePathOf(el));
    },
    get ui() {
      return v.ui;
    },
    host(api, args) {
      return v.host(api, args);
    },
    /** The page root (`wx-page`) the node is in, or null while detached. */
    get page() {
      return el.closest('wx-page');
    },
    /**
     * Claim drags along an axis ('x', 'y' or 'xy') on `target` (default the host): the view then
     * neither mouse-drag-scrolls nor pulls to refresh across it. Taps on children still work.
     * For real touch input, also set CSS `touch-action` on the element.
     */
    claimGesture(axis, target) {
      (target || el).__coveGesture = axis || 'xy';
    },
  };
}

function pagePathOf(el) {
  const p = el.closest('wx-page');
  return (p && p.__covePath) || '';
}
