import { bool, str, h, px } from '../util.js';
import { byId } from './shared.js';

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

export { scrollView };
