// Helpers shared by the layout components (scroll-view, swiper, movable-view).

/**
 * Keep a few inline style properties on a host element: the core's `style` op replaces the
 * whole inline style (cssText), which would drop a transform or size a component set.
 */
export function ownStyle(el) {
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
export function drag(target, on) {
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
export function tracker() {
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

export const EASINGS = {
  default: (t) => 1 - (1 - t) ** 3,
  linear: (t) => t,
  easeInCubic: (t) => t ** 3,
  easeOutCubic: (t) => 1 - (1 - t) ** 3,
  easeInOutCubic: (t) => (t < 0.5 ? 4 * t ** 3 : 1 - (-2 * t + 2) ** 3 / 2),
};

/** Find the element a mini-program names by id inside `root`: `id` or glass-easel's `<prefix>--id`. */
export function byId(root, id) {
  if (!id) return null;
  for (const e of root.querySelectorAll('[id]')) if (e.id === id || e.id.endsWith('--' + id)) return e;
  return null;
}
