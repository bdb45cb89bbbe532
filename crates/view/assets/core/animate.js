// @ts-check
// WeChat's keyframe animations (`this.animate`, `this.clearAnimation`), played with the Web
// Animations API. The container resolved the selector and turned each keyframe into CSS values
// keyed by WeChat's field names (`{offset, easing, props: {opacity: "0.5", rotate: "rotate(45deg)"}}`);
// here transform fields are composed in their order, and each animation holds its end values
// (`fill: forwards`, as WeChat leaves them on the node) until `clearAnimation` drops them, all
// or only the fields it names. The scroll-driven form ties a paused animation's time to a
// scroll-view's offset, which works in every engine (WebKit has no ScrollTimeline).
import { rpxToVw } from './ops.js';
import { scrollerOf } from './layout.js';

const TRANSFORMS = new Set([
  'matrix', 'matrix3d', 'rotate', 'rotate3d', 'rotateX', 'rotateY', 'rotateZ', 'scale', 'scale3d',
  'scaleX', 'scaleY', 'scaleZ', 'skew', 'skewX', 'skewY', 'translate', 'translate3d', 'translateX',
  'translateY', 'translateZ',
]);
const FIELD = /^[A-Za-z][A-Za-z0-9]*$/;
// Names the Web Animations API gives another meaning, or that are not properties there.
const RESERVED = new Set(['offset', 'easing', 'composite', 'computedOffset']);
const PROPERTY = { float: 'cssFloat' };

const validEasing = (e) => typeof e === 'string' && e !== '' && CSS.supports('transition-timing-function', e);

/** The container's frames -> Web Animations keyframes. */
export function keyframes(frames) {
  const list = (Array.isArray(frames) ? frames : []).map((f) => {
    const out = {};
    const transform = [];
    const props = f && f.props && typeof f.props === 'object' ? f.props : {};
    for (const [key, raw] of Object.entries(props)) {
      if (!FIELD.test(key) || RESERVED.has(key) || (typeof raw !== 'string' && typeof raw !== 'number')) continue;
      const value = rpxToVw(String(raw));
      if (TRANSFORMS.has(key)) transform.push(value);
      else out[PROPERTY[key] || key] = value;
    }
    if (transform.length) out.transform = out.transform ? `${out.transform} ${transform.join(' ')}` : transform.join(' ');
    if (f && typeof f.offset === 'number') out.offset = f.offset;
    if (f && validEasing(f.easing)) out.easing = f.easing;
    return out;
  });
  // Offsets must lie in [0, 1] and never decrease; otherwise spread the frames evenly.
  let last = 0;
  const ordered = list.every((k) => {
    if (k.offset === undefined) return true;
    const ok = k.offset >= last && k.offset <= 1;
    last = k.offset;
    return ok;
  });
  if (!ordered) for (const k of list) delete k.offset;
  return list;
}

export class Animations {
  /** @param {import('../view.js').View} v */
  constructor(v) {
    this.v = v;
    /** element -> Set of {anim, frames, dispose} */
    this.byEl = new WeakMap();
  }

  elements(nodes) {
    const out = [];
    for (const id of Array.isArray(nodes) ? nodes : []) {
      const r = this.v.ops.nodes.get(id);
      if (r && r.node && r.node.nodeType === 1) out.push(r.node);
    }
    return out;
  }

  records(el) {
    let set = this.byEl.get(el);
    if (!set) this.byEl.set(el, (set = new Set()));
    // The browser drops a finished animation that later ones fully cover: forget it too.
    for (const rec of set) if (rec.anim.replaceState === 'removed') set.delete(rec);
    return set;
  }

  /**
   * The `animate` request: `{nodes, keyframes, duration, scroll}`. Answers `{}` when every
   * animation has played to its end, `{cancelled: true}` when `clearAnimation` stopped them
   * first; a scroll-driven animation is answered at once.
   */
  async play(a) {
    const duration = Math.max(0, Number(a.duration) || 0);
    const frames = Array.isArray(a.keyframes) ? a.keyframes : [];
    const els = this.elements(a.nodes);
    if (a.scroll && typeof a.scroll === 'object') {
      const src = this.v.ops.nodes.get(a.scroll.source);
      if (src && src.node) for (const el of els) this.scrollDriven(el, frames, duration, scrollerOf(src), a.scroll);
      return {};
    }
    if (els.length === 0) {
      await new Promise((r) => setTimeout(r, duration));
      return {};
    }
    const recs = els.map((el) => {
      const anim = el.animate(keyframes(frames), { duration, fill: 'forwards' });
      const rec = { anim, frames, dispose: null };
      this.records(el).add(rec);
      return rec;
    });
    const settled = await Promise.allSettled(recs.map((r) => r.anim.finished));
    return settled.some((s) => s.status === 'fulfilled') ? {} : { cancelled: true };
  }

  /** `{scrollSource, orientation, startScrollOffset, endScrollOffset, timeRange}`. */
  scrollDriven(el, frames, duration, scroller, s) {
    const anim = el.animate(keyframes(frames), { duration: Math.max(duration, 1), fill: 'both' });
    anim.pause();
    const start = Number(s.startScrollOffset) || 0;
    const end = Number(s.endScrollOffset) || 0;
    const range = Number.isFinite(Number(s.timeRange)) ? Number(s.timeRange) : duration;
    const horizontal = s.orientation === 'horizontal';
    const update = () => {
      const pos = horizontal ? scroller.scrollLeft : scroller.scrollTop;
      const p = end > start ? Math.min(1, Math.max(0, (pos - start) / (end - start))) : pos >= end ? 1 : 0;
      anim.currentTime = Math.min(p * range, Math.max(duration, 1));
    };
    scroller.addEventListener('scroll', update, { passive: true });
    update();
    this.records(el).add({ anim, frames, dispose: () => scroller.removeEventListener('scroll', update) });
  }

  /**
   * The `clearAnimation` request: `{nodes, props}`. `props` null drops every animation of the
   * nodes; a list of WeChat fields removes those from each animation, which keeps playing (or
   * holding) the rest.
   */
  clear(a) {
    const only = Array.isArray(a.props) ? new Set(a.props.map(String)) : null;
    for (const el of this.elements(a.nodes)) {
      const set = this.records(el);
      for (const rec of Array.from(set)) {
        if (only) {
          rec.frames = rec.frames.map((f) => {
            const props = {};
            for (const [k, x] of Object.entries((f && f.props) || {})) if (!only.has(k)) props[k] = x;
            return { ...f, props };
          });
          if (rec.frames.some((f) => Object.keys(f.props).length)) {
            rec.anim.effect.setKeyframes(keyframes(rec.frames));
            continue;
          }
        }
        rec.anim.cancel();
        if (rec.dispose) rec.dispose();
        set.delete(rec);
      }
    }
    return {};
  }
}
