import { bool, num, str, h, px } from '../util.js';
import { ownStyle, drag, tracker, EASINGS } from './shared.js';

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
      /** For the automator (core/automation.js): the current item, and a swipe to item `i`. */
      automation: {
        get current() { return n() ? norm(current) : 0; },
        swipeTo(i) {
          if (!n()) return;
          go(nearest(Math.max(0, Math.min(n() - 1, Math.trunc(num(i, 0))))), 'touch');
        },
      },
      destroy() {
        stopAnim();
        clearTimeout(timer);
        mo.disconnect();
      },
    };
  },
};

export { swiper, swiperItem };
