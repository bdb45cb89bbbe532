import { bool, num, px } from '../util.js';
import { ownStyle, drag, tracker } from './shared.js';

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
      /** For the automator (core/automation.js): the position, and a drag to (tx, ty). */
      automation: {
        get x() { return x; },
        get y() { return y; },
        moveTo(tx, ty) {
          if (s.disabled || s.direction === 'none') return;
          const h = s.direction === 'all' || s.direction === 'horizontal';
          const vert = s.direction === 'all' || s.direction === 'vertical';
          stop();
          [x, y] = clamp(bounds(), h ? num(tx, x) : x, vert ? num(ty, y) : y);
          paint();
          change('touch');
        },
      },
      destroy() {
        stop();
        own.stop();
        ro.disconnect();
      },
    };
  },
};

export { movableArea, movableView };
