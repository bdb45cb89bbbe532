// View containers and navigation: scroll-view, swiper, swiper-item, movable-area,
// movable-view, cover-view, cover-image, navigator, page-container, root-portal.
import { bool, num, str, h, px } from './util.js';

/**
 * Keep a few inline style properties on a host element: the core's `style` op replaces the
 * whole inline style (cssText), which would drop a transform or size a component set.
 */
function ownStyle(el) {
  const mine = new Map();
  const mo = new MutationObserver(() => {
    for (const [k, v] of mine) if (el.style.getPropertyValue(k) !== v) el.style.setProperty(k, v);
  });
  mo.observe(el, { attributes: true, attributeFilter: ['style'] });
  return {
    set(k, v) {
      if (v === '' || v == null) {
        mine.delete(k);
        el.style.removeProperty(k);
      } else {
        mine.set(k, v);
        if (el.style.getPropertyValue(k) !== v) el.style.setProperty(k, v);
      }
    },
    stop() {
      mo.disconnect();
    },
  };
}

/**
 * Drag with any pointer (mouse, touch, pen) on `target`: start(x, y, e) returns false to
 * ignore; move(x, y, e); end(x, y, e, cancelled). CSS touch-action decides what touch may pan.
 */
function drag(target, on) {
  let id = null;
  target.addEventListener('pointerdown', (e) => {
    if (id !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    if (on.start(e.clientX, e.clientY, e) === false) return;
    id = e.pointerId;
    try {
      target.setPointerCapture(id);
    } catch {
      /* the pointer is already gone */
    }
  });
  target.addEventListener('pointermove', (e) => {
    if (e.pointerId === id) on.move(e.clientX, e.clientY, e);
  });
  const stop = (e) => {
    if (e.pointerId !== id) return;
    id = null;
    on.end(e.clientX, e.clientY, e, e.type === 'pointercancel');
  };
  target.addEventListener('pointerup', stop);
  target.addEventListener('pointercancel', stop);
}

/** Velocity in px/ms from the samples of the last 100 ms. */
function tracker() {
  let samples = [];
  return {
    reset() {
      samples = [];
    },
    add(x, y) {
      const t = performance.now();
      samples.push([t, x, y]);
      while (samples.length > 2 && t - samples[0][0] > 100) samples.shift();
    },
    velocity() {
      if (samples.length < 2) return [0, 0];
      const a = samples[0];
      const b = samples[samples.length - 1];
      const dt = Math.max(1, b[0] - a[0]);
      return [(b[1] - a[1]) / dt, (b[2] - a[2]) / dt];
    },
  };
}

const EASINGS = {
  default: (t) => 1 - (1 - t) ** 3,
  linear: (t) => t,
  easeInCubic: (t) => t ** 3,
  easeOutCubic: (t) => 1 - (1 - t) ** 3,
  easeInOutCubic: (t) => (t < 0.5 ? 4 * t ** 3 : 1 - (-2 * t + 2) ** 3 / 2),
};

/** Find the element a mini-program names by id inside `root`: `id` or glass-easel's `<prefix>--id`. */
function byId(root, id) {
  if (!id) return null;
  for (const e of root.querySelectorAll('[id]')) if (e.id === id || e.id.endsWith('--' + id)) return e;
  return null;
}

// ---------------------------------------------------------------------------------------------
// scroll-view: host > .wx-scroll-view (the scroller) > .wx-scroll-view-content (the slot).
// enable-flex makes the content wrapper `display: contents` and the scroller inherit the
// host's flex properties, so the host's `display: flex` lays out the children (layout.css).

const scrollView = {
  create(ctx) {
    const el = ctx.el;
    const scroller = h('div', 'wx-scroll-view', el);
    const content = h('div', 'wx-scroll-view-content', scroller);
    const s = {
      x: false, y: false, upper: 50, lower: 50, animated: false,
      refresher: false, threshold: 45, rstyle: 'black', rbg: '#fff', triggered: false,
    };
    let last = { left: 0, top: 0 };
    const fired = { top: false, bottom: false, left: false, right: false };
    let pending = null; // {top, left, into} to apply once laid out
    let tries = 0;

    const axes = () => {
      scroller.style.overflowX = s.x ? 'auto' : 'hidden';
      scroller.style.overflowY = s.y ? 'auto' : 'hidden';
    };
    axes();

    const edges = (dx, dy) => {
      const top = scroller.scrollTop;
      const left = scroller.scrollLeft;
      const check = (near, moving, key, dir) => {
        if (!near) fired[key] = false;
        else if (moving && !fired[key]) {
          fired[key] = true;
          ctx.emit(dir === 'top' || dir === 'left' ? 'scrolltoupper' : 'scrolltolower', { direction: dir });
        }
      };
      if (s.y) {
        check(top <= s.upper, dy > 0, 'top', 'top');
        check(top + scroller.clientHeight + s.lower >= scroller.scrollHeight, dy < 0, 'bottom', 'bottom');
      }
      if (s.x) {
        check(left <= s.upper, dx > 0, 'left', 'left');
        check(left + scroller.clientWidth + s.lower >= scroller.scrollWidth, dx < 0, 'right', 'right');
      }
    };
    scroller.addEventListener('scroll', () => {
      const top = scroller.scrollTop;
      const left = scroller.scrollLeft;
      // WeChat's deltas are previous minus current: negative while scrolling down or right.
      const dx = last.left - left;
      const dy = last.top - top;
      last = { left, top };
      ctx.emit('scroll', {
        scrollLeft: left, scrollTop: top, scrollHeight: scroller.scrollHeight,
        scrollWidth: scroller.scrollWidth, deltaX: dx, deltaY: dy,
      });
      edges(dx, dy);
    }, { passive: true });

    // Scroll positions need a laid-out scroller: wait while detached or not displayed.
    const flush = () => {
      if (!pending) return;
      if (!scroller.getClientRects().length) {
        if (!el.isConnected && tries++ < 30) requestAnimationFrame(flush);
        return; // the ResizeObserver below retries once it is displayed
      }
      const p = pending;
      pending = null;
      tries = 0;
      const to = {};
      if (p.top !== undefined && s.y) to.top = p.top;
      if (p.left !== undefined && s.x) to.left = p.left;
      // scroll-into-view wins over scroll-top/left, as in WeChat.
      if (p.into !== undefined) {
        const t = byId(content, p.into);
        if (t) {
          const r = t.getBoundingClientRect();
          const sr = scroller.getBoundingClientRect();
          if (s.y) to.top = scroller.scrollTop + r.top - sr.top - scroller.clientTop;
          if (s.x) to.left = scroller.scrollLeft + r.left - sr.left - scroller.clientLeft;
        }
      }
      if (to.top === undefined && to.left === undefined) return;
      scroller.scrollTo({ ...to, behavior: s.animated ? 'smooth' : 'instant' });
    };
    const later = (key, value) => {
      const first = !pending;
      pending = pending || {};
      pending[key] = value;
      if (first) queueMicrotask(flush);
    };
    const ro = new ResizeObserver(() => flush());
    ro.observe(scroller);

    // Pull-down refresher: the scroller slides down over a refresher area at the host's top.
    let refresherEl = null;
    let pull = null; // {y0, dy} while pulling
    let state = 'idle'; // idle | pulling | refreshing
    const setPull = (dy, animate) => {
      scroller.style.transition = animate ? 'transform .3s ease' : '';
      scroller.style.transform = dy ? `translateY(${dy}px)` : '';
      if (refresherEl) {
        refresherEl.style.transition = animate ? 'height .3s ease' : '';
        refresherEl.style.height = dy + 'px';
        refresherEl.style.opacity = String(Math.min(1, dy / s.threshold));
      }
    };
    const refresher = () => {
      el.toggleAttribute('refresher-enabled', s.refresher);
      if (s.refresher && !refresherEl) {
        refresherEl = h('div', 'wx-scroll-view-refresher');
        const dots = h('div', 'wx-scroll-view-refresh-dots', refresherEl);
        for (let i = 0; i < 3; i++) h('i', '', dots);
        el.insertBefore(refresherEl, scroller);
      }
      if (!s.refresher && refresherEl) {
        refresherEl.remove();
        refresherEl = null;
      }
      if (refresherEl) {
        refresherEl.style.backgroundColor = s.rbg;
        refresherEl.setAttribute('data-style', s.rstyle);
      }
    };
    const startRefresh = () => {
      state = 'refreshing';
      refresherEl && refresherEl.classList.add('wx-refreshing');
      setPull(s.threshold, true);
      ctx.model('refresher-triggered', true);
      ctx.emit('refresherrefresh', { dy: s.threshold });
    };
    const restore = (event) => {
      state = 'idle';
      refresherEl && refresherEl.classList.remove('wx-refreshing');
      setPull(0, true);
      ctx.emit(event, { dy: 0 });
    };
    const pullStart = (y) => {
      if (!s.refresher || state === 'refreshing' || scroller.scrollTop > 0) return false;
      pull = { y0: y, dy: 0, down: false };
      return true;
    };
    // A first move upwards scrolls the content; downwards claims the drag from the view's
    // mouse-drag scrolling and the page's own pull-down refresh until it ends.
    const pullMove = (y, e) => {
      if (!pull) return;
      const raw = y - pull.y0;
      if (!pull.down) {
        if (raw < 0) pull = null;
        if (raw <= 0) return;
        pull.down = true;
        if (ctx.claimGesture) ctx.claimGesture('y', scroller);
      }
      if (e.cancelable) e.preventDefault();
      const t = s.threshold;
      pull.dy = Math.max(0, raw <= t ? raw : t + (raw - t) * 0.4);
      state = 'pulling';
      setPull(pull.dy, false);
      ctx.emit('refresherpulling', { dy: pull.dy });
    };
    const pullEnd = () => {
      if (!pull) return;
      const dy = pull.dy;
      pull = null;
      delete scroller.__coveGesture;
      if (state !== 'pulling') return;
      if (dy >= s.threshold) startRefresh();
      else restore('refresherabort');
    };
    // Mouse through pointer events, touch through touch events (so pulling can cancel panning).
    scroller.addEventListener('pointerdown', (e) => {
      if (e.pointerType !== 'mouse' || e.button !== 0 || !pullStart(e.clientY)) return;
      const move = (ev) => pullMove(ev.clientY, ev);
      const up = () => {
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
        window.removeEventListener('pointercancel', up);
        pullEnd();
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
      window.addEventListener('pointercancel', up);
    });
    scroller.addEventListener('touchstart', (e) => pullStart(e.touches[0].clientY), { passive: true });
    scroller.addEventListener('touchmove', (e) => pullMove(e.touches[0].clientY, e), { passive: false });
    scroller.addEventListener('touchend', pullEnd);
    scroller.addEventListener('touchcancel', pullEnd);

    return {
      slot: content,
      attr(name, value) {
        switch (name) {
          case 'scroll-x': s.x = bool(value); axes(); break;
          case 'scroll-y': s.y = bool(value); axes(); break;
          case 'upper-threshold': s.upper = px(value, 50); break;
          case 'lower-threshold': s.lower = px(value, 50); break;
          case 'scroll-top': if (value !== null && value !== '') later('top', px(value, 0)); break;
          case 'scroll-left': if (value !== null && value !== '') later('left', px(value, 0)); break;
          case 'scroll-into-view': if (value) later('into', str(value)); break;
          case 'scroll-with-animation': s.animated = bool(value); break;
          case 'enable-flex': el.toggleAttribute('enable-flex', bool(value)); break;
          case 'show-scrollbar': el.toggleAttribute('hide-scrollbar', value != null && !bool(value)); break;
          case 'refresher-enabled': s.refresher = bool(value); refresher(); break;
          case 'refresher-threshold': s.threshold = px(value, 45) || 45; break;
          case 'refresher-default-style': s.rstyle = ['black', 'white', 'none'].includes(value) ? value : 'black'; refresher(); break;
          case 'refresher-background': s.rbg = str(value) || '#fff'; refresher(); break;
          case 'refresher-triggered':
            s.triggered = bool(value);
            // After the batch, so that refresher-enabled may come later in it.
            queueMicrotask(() => {
              if (s.triggered && state !== 'refreshing' && s.refresher) startRefresh();
              else if (!s.triggered && state === 'refreshing') restore('refresherrestore');
            });
            break;
          default:
          // enable-back-to-top, enhanced, bounces, paging-enabled, fast-deceleration: no-ops here
        }
      },
      destroy() {
        ro.disconnect();
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// swiper: host > .wx-swiper-wrapper > .wx-swiper-slides > .wx-swiper-slide-frame (the slot:
// one item's size; items sit at k * 100% inside it and the frame moves by -pos * 100%).

const swiperItem = {
  create(ctx) {
    const own = ownStyle(ctx.el);
    const inst = {
      slot: ctx.el,
      itemId: '',
      attr(name, value) {
        if (name === 'item-id') inst.itemId = str(value);
      },
      /** Called by the swiper: where this item sits. */
      place(transform) {
        own.set('transform', transform);
      },
      destroy() {
        own.stop();
      },
    };
    return inst;
  },
};

const swiper = {
  create(ctx) {
    const el = ctx.el;
    const wrapper = h('div', 'wx-swiper-wrapper', el);
    const slides = h('div', 'wx-swiper-slides', wrapper);
    const frame = h('div', 'wx-swiper-slide-frame', slides);
    const dotsEl = h('div', 'wx-swiper-dots', wrapper);
    const s = {
      dots: false, dotColor: 'rgba(0, 0, 0, .3)', dotActive: '#000000', autoplay: false,
      interval: 5000, duration: 500, circular: false, vertical: false, prev: 0, next: 0,
      multiple: 1, easing: 'default',
    };
    let items = [];
    let current = 0; // the selected item index
    let pos = 0; // the leading visible position, in items (fractional while moving)
    let base = 0; // pos where the current move started, for `transition`
    let anim = 0; // rAF id
    let timer = 0;
    let ready = false;
    let wanted = null; // {current} or {itemId} from attributes, applied in a microtask
    let queued = false;
    let dragging = null; // the drag in progress
    if (ctx.claimGesture) ctx.claimGesture('x', wrapper);

    const n = () => items.length;
    const maxPos = () => (s.circular ? Infinity : Math.max(0, n() - s.multiple));
    const norm = (i) => ((i % n()) + n()) % n();
    const itemId = (i) => {
      const inst = items[i] && ctx.instanceOf(items[i]);
      return (inst && inst.itemId) || '';
    };
    const size = () => (s.vertical ? frame.offsetHeight : frame.offsetWidth) || 1;

    const render = () => {
      const count = n();
      const c = pos + (s.multiple - 1) / 2;
      items.forEach((item, i) => {
        const k = s.circular && count > 1 ? i + count * Math.round((c - i) / count) : i;
        const t = s.vertical ? `translate(0px, ${k * 100}%) translateZ(0px)` : `translate(${k * 100}%, 0px) translateZ(0px)`;
        const inst = ctx.instanceOf(item);
        if (inst && inst.place) inst.place(t);
        else item.style.transform = t;
      });
      frame.style.transform = s.vertical ? `translate(0px, ${-pos * 100}%) translateZ(0px)` : `translate(${-pos * 100}%, 0px) translateZ(0px)`;
      const active = count ? norm(current) : 0;
      for (let i = 0; i < dotsEl.children.length; i++) {
        const d = dotsEl.children[i];
        d.classList.toggle('wx-swiper-dot-active', i === active);
        d.style.backgroundColor = i === active ? s.dotActive : s.dotColor;
      }
    };
    const layout = () => {
      el.toggleAttribute('vertical', s.vertical);
      const a = s.vertical ? ['top', 'bottom'] : ['left', 'right'];
      const b = s.vertical ? ['left', 'right'] : ['top', 'bottom'];
      slides.style[a[0]] = s.prev + 'px';
      slides.style[a[1]] = s.next + 'px';
      slides.style[b[0]] = slides.style[b[1]] = '0px';
      frame.style.width = s.vertical ? '100%' : 100 / s.multiple + '%';
      frame.style.height = s.vertical ? 100 / s.multiple + '%' : '100%';
      dotsEl.className = 'wx-swiper-dots ' + (s.vertical ? 'wx-swiper-dots-vertical' : 'wx-swiper-dots-horizontal');
      const count = s.circular ? n() : Math.max(0, n() - s.multiple + 1);
      dotsEl.hidden = !s.dots || n() === 0;
      while (dotsEl.children.length > count) dotsEl.lastChild.remove();
      while (dotsEl.children.length < count) h('div', 'wx-swiper-dot', dotsEl);
      render();
    };
    const emitMove = () => {
      const d = (pos - base) * size();
      ctx.emit('transition', s.vertical ? { dx: 0, dy: d } : { dx: d, dy: 0 });
    };
    const detail = (source) => ({ current: norm(current), currentItemId: itemId(norm(current)), source });

    const stopAnim = () => {
      cancelAnimationFrame(anim);
      anim = 0;
    };
    const schedule = () => {
      clearTimeout(timer);
      timer = 0;
      if (s.autoplay && n() > 1 && ready) timer = setTimeout(autoplay, s.interval);
    };
    /** Move to `target` (an unnormalised position when circular), then settle. */
    const go = (target, source, animate = true) => {
      stopAnim();
      clearTimeout(timer);
      if (!n()) return;
      target = s.circular ? target : Math.max(0, Math.min(maxPos(), target));
      const next = norm(Math.round(target));
      if (next !== norm(current)) {
        current = next;
        if (source) {
          ctx.emit('change', detail(source));
          ctx.model('current', current);
        }
      }
      const settle = () => {
        anim = 0;
        pos = s.circular ? norm(target) : target;
        base = pos;
        render();
        ctx.emit('animationfinish', detail(source));
        schedule();
      };
      if (!animate || s.duration <= 0 || pos === target) {
        pos = target;
        return settle();
      }
      const from = pos;
      const t0 = performance.now();
      const ease = EASINGS[s.easing] || EASINGS.default;
      const step = (t) => {
        const k = Math.min(1, (t - t0) / s.duration);
        pos = from + (target - from) * ease(k);
        render();
        emitMove();
        if (k < 1) anim = requestAnimationFrame(step);
        else settle();
      };
      anim = requestAnimationFrame(step);
    };
    const autoplay = () => {
      if (!n()) return;
      if (s.circular) go(pos + 1, 'autoplay');
      else go(current + 1 > maxPos() ? 0 : current + 1, 'autoplay');
    };
    /** The position nearest to `pos` that shows item `i`. */
    const nearest = (i) => (s.circular ? i + n() * Math.round((pos - i) / n()) : i);

    const apply = () => {
      queued = false;
      items = Array.from(frame.children).filter((c) => c.localName === 'wx-swiper-item');
      if (!n()) return layout(); // keep `wanted` until items arrive
      let target = current;
      if (wanted && wanted.itemId) {
        const i = items.findIndex((_, j) => itemId(j) === wanted.itemId);
        if (i >= 0) target = i;
      } else if (wanted && wanted.current !== undefined) target = wanted.current;
      wanted = null;
      target = Math.max(0, Math.min(Math.max(0, n() - 1), target));
      layout();
      if (!ready) {
        // The first layout shows the current item without animating.
        ready = n() > 0;
        current = target;
        pos = base = s.circular ? target : Math.min(target, maxPos());
        render();
        schedule();
      } else if (target !== norm(current)) go(nearest(target), '');
      else if (!anim && !dragging) {
        pos = s.circular ? pos : Math.min(pos, maxPos());
        render();
        if (!timer) schedule();
      }
    };
    const later = () => {
      if (!queued) {
        queued = true;
        queueMicrotask(apply);
      }
    };
    const mo = new MutationObserver(later);
    mo.observe(frame, { childList: true });

    const v = tracker();
    drag(wrapper, {
      start(x, y) {
        if (!n()) return false;
        stopAnim();
        clearTimeout(timer);
        dragging = { x, y, pos, decided: false, along: false };
        base = Math.round(pos);
        v.reset();
        v.add(x, y);
        return true;
      },
      move(x, y, e) {
        const d = dragging;
        if (!d) return;
        const dx = x - d.x;
        const dy = y - d.y;
        if (!d.decided) {
          if (Math.abs(dx) < 3 && Math.abs(dy) < 3) return;
          d.decided = true;
          d.along = s.vertical ? Math.abs(dy) >= Math.abs(dx) : Math.abs(dx) >= Math.abs(dy);
        }
        if (!d.along) return;
        if (e.cancelable) e.preventDefault();
        v.add(x, y);
        let p = d.pos - (s.vertical ? dy : dx) / size();
        if (!s.circular) {
          // Resistance past the first and last items.
          if (p < 0) p *= 0.3;
          else if (p > maxPos()) p = maxPos() + (p - maxPos()) * 0.3;
        }
        pos = p;
        render();
        emitMove();
      },
      end() {
        const d = dragging;
        dragging = null;
        if (!d) return;
        if (!d.along) return schedule();
        const [vx, vy] = v.velocity();
        const speed = s.vertical ? vy : vx;
        const from = Math.round(d.pos);
        let target = Math.round(pos);
        if (Math.abs(speed) > 0.3) target = speed < 0 ? Math.floor(pos) + 1 : Math.ceil(pos) - 1;
        target = Math.max(from - 1, Math.min(from + 1, target));
        go(target, 'touch');
      },
    });

    return {
      slot: frame,
      attr(name, value) {
        switch (name) {
          case 'indicator-dots': s.dots = bool(value); break;
          case 'indicator-color': s.dotColor = str(value) || 'rgba(0, 0, 0, .3)'; break;
          case 'indicator-active-color': s.dotActive = str(value) || '#000000'; break;
          case 'autoplay': s.autoplay = bool(value); schedule(); return;
          case 'current': wanted = { current: Math.trunc(num(value, 0)) }; break;
          case 'current-item-id': if (value) wanted = { itemId: str(value) }; break;
          case 'interval': s.interval = Math.max(0, num(value, 5000)); schedule(); return;
          case 'duration': s.duration = Math.max(0, num(value, 500)); return;
          case 'circular': s.circular = bool(value); break;
          case 'vertical': s.vertical = bool(value); if (ctx.claimGesture) ctx.claimGesture(s.vertical ? 'y' : 'x', wrapper); break;
          case 'previous-margin': s.prev = px(value, 0); break;
          case 'next-margin': s.next = px(value, 0); break;
          case 'display-multiple-items': s.multiple = Math.max(1, Math.trunc(num(value, 1))); break;
          case 'easing-function': s.easing = str(value) || 'default'; return;
          default: return;
          // snap-to-edge, skip-hidden-item-layout: not needed for this layout
        }
        later();
      },
      destroy() {
        stopAnim();
        clearTimeout(timer);
        mo.disconnect();
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// movable-area / movable-view: the view moves by transform inside its area, within bounds.

const movableArea = {
  create(ctx) {
    return { slot: ctx.el, attr() {} };
  },
};

const movableView = {
  create(ctx) {
    const el = ctx.el;
    const own = ownStyle(el);
    const s = {
      direction: 'none', inertia: false, oob: false, damping: 20, friction: 2, disabled: false,
      scale: false, min: 0.5, max: 10, animation: true,
    };
    let x = 0;
    let y = 0;
    let k = 1; // scale
    let want = {}; // x, y, scale from attributes, applied in a microtask
    let queued = false;
    let ready = false;
    let anim = 0;
    const v = tracker();

    const paint = () => own.set('transform', `translateX(${x}px) translateY(${y}px) translateZ(0px) scale(${k})`);
    paint();
    // null while not laid out (detached, or in something not displayed): nothing to clamp to.
    const bounds = () => {
      const area = el.parentElement;
      if (!area || !el.getClientRects().length) return null;
      const W = area ? area.clientWidth : 0;
      const H = area ? area.clientHeight : 0;
      const w = el.offsetWidth;
      const hh = el.offsetHeight;
      const ox = (w * k - w) / 2 - el.offsetLeft;
      const oy = (hh * k - hh) / 2 - el.offsetTop;
      return {
        minX: Math.min(0, W - w * k) + ox, maxX: Math.max(0, W - w * k) + ox,
        minY: Math.min(0, H - hh * k) + oy, maxY: Math.max(0, H - hh * k) + oy,
      };
    };
    const clamp = (b, px_, py_) => (b ? [Math.max(b.minX, Math.min(b.maxX, px_)), Math.max(b.minY, Math.min(b.maxY, py_))] : [px_, py_]);
    const change = (source) => ctx.emit('change', { x, y, source });
    const stop = () => {
      cancelAnimationFrame(anim);
      anim = 0;
    };
    /** Animate to (tx, ty[, tk]) with an ease-out; `source` names the change events. */
    const animateTo = (tx, ty, tk, source, ms) => {
      stop();
      const from = [x, y, k];
      const t0 = performance.now();
      const step = (t) => {
        const p = Math.min(1, (t - t0) / ms);
        const e = 1 - (1 - p) ** 3;
        x = from[0] + (tx - from[0]) * e;
        y = from[1] + (ty - from[1]) * e;
        k = from[2] + (tk - from[2]) * e;
        paint();
        if (source !== '' || p === 1) change(source);
        if (p < 1) anim = requestAnimationFrame(step);
        else anim = 0;
      };
      anim = requestAnimationFrame(step);
    };
    const springMs = () => Math.max(120, Math.min(1200, 6000 / Math.max(1, s.damping)));

    const apply = () => {
      queued = false;
      const w = want;
      want = {};
      if (w.scale !== undefined) {
        const nk = s.scale ? Math.max(s.min, Math.min(s.max, w.scale)) : 1;
        if (nk !== k) {
          if (ready && s.animation) animateTo(x, y, nk, '', springMs());
          else k = nk;
          ctx.emit('scale', { x, y, scale: nk });
        }
      }
      if (w.x === undefined && w.y === undefined) return paint();
      const [tx, ty] = clamp(bounds(), w.x === undefined ? x : w.x, w.y === undefined ? y : w.y);
      if (tx === x && ty === y) return;
      if (ready && s.animation) animateTo(tx, ty, k, '', springMs());
      else {
        x = tx;
        y = ty;
        paint();
        if (ready) change('');
      }
    };
    const ro = new ResizeObserver(() => {
      if (g || anim) return;
      const [cx, cy] = clamp(bounds(), x, y);
      if (cx !== x || cy !== y) {
        x = cx;
        y = cy;
        paint();
      }
    });
    ro.observe(el);
    const later = () => {
      if (!queued) {
        queued = true;
        queueMicrotask(() => {
          if (el.parentElement) ro.observe(el.parentElement);
          apply();
          requestAnimationFrame(() => {
            ready = true;
          });
        });
      }
    };

    let g = null; // the drag in progress
    // Two pointers pinch when `scale` is on; the drag pauses meanwhile.
    const pts = new Map();
    let pinch = null;
    const spread = () => {
      const [a, b] = [...pts.values()];
      return Math.hypot(a[0] - b[0], a[1] - b[1]) || 1;
    };
    el.addEventListener('pointerdown', (e) => {
      pts.set(e.pointerId, [e.clientX, e.clientY]);
      if (pts.size === 2 && s.scale && !s.disabled) {
        stop();
        pinch = { d0: spread(), k0: k };
      }
    });
    el.addEventListener('pointermove', (e) => {
      if (!pts.has(e.pointerId)) return;
      pts.set(e.pointerId, [e.clientX, e.clientY]);
      if (!pinch || pts.size !== 2) return;
      const nk = Math.max(s.min, Math.min(s.max, (pinch.k0 * spread()) / pinch.d0));
      if (nk === k) return;
      k = nk;
      paint();
      ctx.emit('scale', { x, y, scale: k });
    });
    const lift = (e) => {
      pts.delete(e.pointerId);
      if (pinch && pts.size < 2) {
        pinch = null;
        const [cx, cy] = clamp(bounds(), x, y);
        if (cx !== x || cy !== y) animateTo(cx, cy, k, 'out-of-bounds', springMs());
      }
    };
    el.addEventListener('pointerup', lift);
    el.addEventListener('pointercancel', lift);
    drag(el, {
      start(cx, cy) {
        if (s.disabled || s.direction === 'none') return false;
        stop();
        g = { cx, cy, x, y, axis: '' };
        v.reset();
        v.add(cx, cy);
        return true;
      },
      move(cx, cy, e) {
        if (!g) return;
        if (pinch) {
          // Resume from here once the pinch ends.
          Object.assign(g, { cx, cy, x, y });
          return;
        }
        const dx = cx - g.cx;
        const dy = cy - g.cy;
        if (!g.axis) {
          if (Math.abs(dx) < 2 && Math.abs(dy) < 2) return;
          g.axis = Math.abs(dx) > Math.abs(dy) ? 'h' : 'v';
          ctx.emit(g.axis === 'h' ? 'htouchmove' : 'vtouchmove', {}, { bubbles: true });
        }
        if (e.cancelable) e.preventDefault();
        v.add(cx, cy);
        const b = bounds();
        let nx = s.direction === 'all' || s.direction === 'horizontal' ? g.x + dx : x;
        let ny = s.direction === 'all' || s.direction === 'vertical' ? g.y + dy : y;
        let source = 'touch';
        if (s.oob) {
          const over = (val, lo, hi) => (val < lo ? lo - (lo - val) * 0.5 : val > hi ? hi + (val - hi) * 0.5 : val);
          const ox = over(nx, b.minX, b.maxX);
          const oy = over(ny, b.minY, b.maxY);
          if (ox !== nx || oy !== ny) source = 'touch-out-of-bounds';
          nx = ox;
          ny = oy;
        } else [nx, ny] = clamp(b, nx, ny);
        if (nx === x && ny === y) return;
        x = nx;
        y = ny;
        paint();
        change(source);
      },
      end() {
        if (!g) return;
        g = null;
        const b = bounds();
        const [cx, cy] = clamp(b, x, y);
        if (cx !== x || cy !== y) return animateTo(cx, cy, k, 'out-of-bounds', springMs());
        if (!s.inertia) return;
        let [vx, vy] = v.velocity();
        if (s.direction === 'horizontal') vy = 0;
        if (s.direction === 'vertical') vx = 0;
        const speed = Math.hypot(vx, vy);
        if (speed < 0.1) return;
        // Constant deceleration proportional to `friction`: distance = v^2 / (2a).
        const a = 0.0025 * s.friction;
        const ms = speed / a;
        const dist = (speed * speed) / (2 * a);
        const [tx, ty] = clamp(b, x + (vx / speed) * dist, y + (vy / speed) * dist);
        animateTo(tx, ty, k, 'friction', Math.min(ms, 1500));
      },
    });

    return {
      slot: el,
      attr(name, value) {
        switch (name) {
          case 'direction': s.direction = ['all', 'vertical', 'horizontal'].includes(value) ? value : 'none'; break;
          case 'inertia': s.inertia = bool(value); return;
          case 'out-of-bounds': s.oob = bool(value); return;
          case 'x': want.x = px(value, 0); break;
          case 'y': want.y = px(value, 0); break;
          case 'damping': s.damping = num(value, 20); return;
          case 'friction': s.friction = Math.max(0.01, num(value, 2)); return;
          case 'disabled': s.disabled = bool(value); return;
          case 'scale': s.scale = bool(value); break;
          case 'scale-min': s.min = Math.max(0.1, num(value, 0.5)); break;
          case 'scale-max': s.max = Math.min(10, num(value, 10)); break;
          case 'scale-value': want.scale = num(value, 1); break;
          case 'animation': s.animation = bool(value); return;
          default: return;
        }
        const axis = { all: 'xy', horizontal: 'x', vertical: 'y' }[s.direction];
        own.set('touch-action', s.scale ? 'none' : { all: 'none', horizontal: 'pan-y', vertical: 'pan-x' }[s.direction] || '');
        if (ctx.claimGesture && axis) ctx.claimGesture(axis);
        later();
      },
      destroy() {
        stop();
        own.stop();
        ro.disconnect();
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------

const coverView = {
  create(ctx) {
    return {
      slot: ctx.el,
      attr(name, value) {
        if (name === 'scroll-top') {
          const top = px(value, 0);
          queueMicrotask(() => {
            ctx.el.scrollTop = top;
          });
        }
      },
    };
  },
};

const coverImage = {
  create(ctx) {
    const img = h('img', '', ctx.el);
    img.alt = '';
    img.draggable = false;
    let token = 0;
    return {
      slot: h('span'),
      attr(name, value) {
        if (name !== 'src') return;
        const mine = ++token;
        const src = str(value);
        const url = src ? ctx.url(src, 'image') : null;
        img.onload = () => mine === token && ctx.emit('load', { width: img.naturalWidth, height: img.naturalHeight });
        img.onerror = () => mine === token && ctx.emit('error', { errMsg: `GET ${src} failed to load` });
        if (url) img.src = url;
        else {
          img.removeAttribute('src');
          if (src) queueMicrotask(() => ctx.emit('error', { errMsg: `GET ${src} blocked: not an allowed image source` }));
        }
      },
    };
  },
};

// navigator: a tap routes through the host (the core gives it hover-class `navigator-hover`).
const OPEN_TYPES = ['navigate', 'redirect', 'switchTab', 'reLaunch', 'navigateBack', 'exit'];
const navigator = {
  create(ctx) {
    const s = { url: '', openType: 'navigate', delta: 1, target: 'self', appId: '', path: '', extraData: null, envVersion: 'release', shortLink: '' };
    ctx.el.addEventListener('click', () => {
      if (s.target === 'miniProgram') {
        const args = { appId: s.appId, path: s.path, extraData: s.extraData, envVersion: s.envVersion, shortLink: s.shortLink };
        Promise.resolve(ctx.host('navigateToMiniProgram', args)).then(
          (r) => { ctx.emit('success', r || {}); ctx.emit('complete', r || {}); },
          (e) => { const d = { errMsg: String((e && e.message) || e) }; ctx.emit('fail', d); ctx.emit('complete', d); },
        );
        return;
      }
      ctx.host('navigate', { openType: s.openType, url: s.url, delta: s.delta });
    });
    return {
      slot: ctx.el,
      attr(name, value) {
        switch (name) {
          case 'url': s.url = str(value); break;
          case 'open-type': s.openType = OPEN_TYPES.includes(value) ? value : 'navigate'; break;
          case 'delta': s.delta = Math.max(1, Math.trunc(num(value, 1))); break;
          case 'target': s.target = value === 'miniProgram' ? 'miniProgram' : 'self'; break;
          case 'app-id': s.appId = str(value); break;
          case 'path': s.path = str(value); break;
          case 'extra-data': s.extraData = value; break;
          case 'version': s.envVersion = str(value) || 'release'; break;
          case 'short-link': s.shortLink = str(value); break;
          default:
        }
      },
    };
  },
};

// page-container: a popup over the page; leaving by the overlay reports `show` false.
const pageContainer = {
  create(ctx) {
    const el = ctx.el;
    const overlay = h('div', 'wx-page-container-overlay', el);
    const panel = h('div', 'wx-page-container', el);
    const s = { show: false, duration: 300, z: 100, overlay: true, position: 'bottom', round: false };
    let timer = 0;
    let shown = false;
    const style = () => {
      overlay.style.setProperty('--wx-pc-duration', s.duration + 'ms');
      panel.style.setProperty('--wx-pc-duration', s.duration + 'ms');
      overlay.style.zIndex = String(s.z);
      panel.style.zIndex = String(s.z);
      overlay.hidden = !s.overlay;
      panel.setAttribute('data-position', s.position);
      panel.toggleAttribute('data-round', s.round);
    };
    const toggle = (on) => {
      if (on === shown) return;
      shown = on;
      clearTimeout(timer);
      ctx.emit(on ? 'beforeenter' : 'beforeleave', {});
      el.toggleAttribute('data-open', true);
      requestAnimationFrame(() => {
        el.toggleAttribute('data-in', on);
        ctx.emit(on ? 'enter' : 'leave', {});
        timer = setTimeout(() => {
          if (!on) el.toggleAttribute('data-open', false);
          ctx.emit(on ? 'afterenter' : 'afterleave', {});
        }, s.duration);
      });
    };
    overlay.addEventListener('click', () => {
      ctx.emit('clickoverlay', {});
      toggle(false);
      ctx.model('show', false);
    });
    style();
    return {
      slot: panel,
      attr(name, value) {
        switch (name) {
          case 'show': s.show = bool(value); queueMicrotask(() => toggle(s.show)); return;
          case 'duration': s.duration = Math.max(0, num(value, 300)); break;
          case 'z-index': s.z = Math.trunc(num(value, 100)); break;
          case 'overlay': s.overlay = bool(value); break;
          case 'position': s.position = ['top', 'bottom', 'right', 'center'].includes(value) ? value : 'bottom'; break;
          case 'round': s.round = bool(value); break;
          case 'overlay-style': overlay.style.cssText = str(value); break;
          case 'custom-style': panel.style.cssText = str(value); break;
          default: return;
        }
        style();
      },
      destroy() {
        clearTimeout(timer);
      },
    };
  },
};

// root-portal renders in place (layout.css gives it `display: contents`).
const rootPortal = {
  create(ctx) {
    return { slot: ctx.el, attr() {} };
  },
};

export default {
  'scroll-view': scrollView,
  swiper,
  'swiper-item': swiperItem,
  'movable-area': movableArea,
  'movable-view': movableView,
  'cover-view': coverView,
  'cover-image': coverImage,
  navigator,
  'page-container': pageContainer,
  'root-portal': rootPortal,
};
