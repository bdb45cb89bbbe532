// One scrolling column of rows that snaps to a row: native scrolling for fingers and the mouse
// wheel, and a drag with momentum for the mouse (the simulator's finger). Shared by
// <picker-view-column> and the <picker> sheet.

/**
 * `scroller` scrolls; `content` (inside it) holds one element per row.
 * opts: rowHeight() -> px, onStart(), onSettle(index), onRelease(index) (finger lifted, target known).
 */
export function wheel(scroller, content, opts) {
  let rowH = 34;
  let wanted = 0; // the row to show once laid out
  let quiet = false; // a scroll we caused: no pickstart/settle
  let moving = false;
  let drag = null;
  let dragged = false;
  let timer = 0;
  let fixing = false;
  scroller.tabIndex = 0;

  const count = () => content.children.length;
  const clampIndex = (i) => Math.max(0, Math.min(count() - 1, i));
  const index = () => (rowH > 0 ? clampIndex(Math.round(scroller.scrollTop / rowH)) : 0);

  /** Scroll to `top`; true when a scroll will follow (so a `scroll` event will come). */
  function setTop(top, smooth) {
    const before = scroller.scrollTop;
    if (Math.abs(before - top) < 0.5) return false;
    scroller.scrollTo({ top, behavior: smooth ? 'smooth' : 'instant' });
    // an instant scroll lands at once; one that could not move (not laid out) brings no event
    return smooth || Math.abs(scroller.scrollTop - before) >= 0.5;
  }

  function layout() {
    const h = scroller.clientHeight;
    const r = opts.rowHeight ? opts.rowHeight() : 0;
    if (r > 0) rowH = r;
    if (!h) return;
    const pad = `${Math.max(0, (h - rowH) / 2)}px`;
    content.style.paddingTop = content.style.paddingBottom = pad;
    if (!drag && !moving) {
      const i = Math.max(0, clampIndex(wanted));
      if (setTop(i * rowH, false)) quiet = true;
    }
  }

  function arm(ms) {
    clearTimeout(timer);
    timer = setTimeout(settle, ms);
  }

  function settle() {
    timer = 0;
    if (drag) return;
    const i = index();
    // a fling can stop between rows when snapping is off: finish the move first (once)
    if (!fixing && setTop(i * rowH, true)) {
      fixing = true;
      arm(400);
      return;
    }
    fixing = false;
    clearTimeout(timer);
    scroller.style.scrollSnapType = '';
    const gesture = moving && !quiet;
    quiet = false;
    moving = false;
    if (!gesture) return;
    wanted = i;
    opts.onSettle?.(i);
  }

  scroller.addEventListener('scroll', () => {
    if (!quiet && !moving) {
      moving = true;
      opts.onStart?.();
    }
    arm(120);
  });

  function go(i) {
    i = clampIndex(i);
    if (!setTop(i * rowH, true)) return;
    arm(400); // settles sooner once the scroll events flow
    opts.onRelease?.(i);
  }

  scroller.addEventListener('pointerdown', (e) => {
    dragged = false;
    if (e.pointerType !== 'mouse' || e.button !== 0) return; // fingers scroll natively
    e.preventDefault();
    scroller.setPointerCapture(e.pointerId);
    scroller.style.scrollSnapType = 'none';
    drag = { id: e.pointerId, y: e.clientY, top: scroller.scrollTop, samples: [[e.timeStamp, e.clientY]] };
  });
  scroller.addEventListener('pointermove', (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    if (!dragged && Math.abs(e.clientY - drag.y) < 4) return;
    if (!dragged) {
      dragged = true;
      if (!moving) {
        moving = true;
        quiet = false;
        opts.onStart?.();
      }
    }
    scroller.scrollTop = drag.top - (e.clientY - drag.y);
    drag.samples.push([e.timeStamp, e.clientY]);
    if (drag.samples.length > 6) drag.samples.shift();
  });
  const release = (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    const d = drag;
    drag = null;
    if (!dragged) {
      scroller.style.scrollSnapType = '';
      return;
    }
    // momentum from the last moves: keep going ~250 ms at the release speed
    const [t0, y0] = d.samples[0];
    const [t1, y1] = d.samples[d.samples.length - 1];
    const v = t1 > t0 ? (y1 - y0) / (t1 - t0) : 0;
    const recent = e.timeStamp - t1 < 80;
    const target = clampIndex(Math.round((scroller.scrollTop - (recent ? v * 250 : 0)) / rowH));
    opts.onRelease?.(target);
    if (setTop(target * rowH, true)) arm(400);
    else settle();
  };
  scroller.addEventListener('pointerup', release);
  scroller.addEventListener('pointercancel', release);
  // A tap on a row (no drag) moves it to the middle, like the phone's picker.
  scroller.addEventListener('click', (e) => {
    if (dragged) return;
    const r = scroller.getBoundingClientRect();
    const pad = parseFloat(content.style.paddingTop) || 0;
    const i = Math.floor((e.clientY - r.top + scroller.scrollTop - pad) / rowH);
    if (i >= 0 && i < count()) go(i);
  });
  scroller.addEventListener('keydown', (e) => {
    const d = { ArrowUp: -1, ArrowDown: 1, PageUp: -3, PageDown: 3 }[e.key];
    if (d === undefined && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    go(e.key === 'Home' ? 0 : e.key === 'End' ? count() - 1 : index() + d);
  });

  const ro = new ResizeObserver(() => layout());
  ro.observe(scroller);
  const mo = new MutationObserver(() => layout()); // rows came or went
  mo.observe(content, { childList: true });

  return {
    /** The row in the middle now. */
    index: () => (moving || drag ? index() : Math.max(0, clampIndex(wanted))),
    /** Show row `i` without events (a value set by the app). */
    set(i) {
      wanted = Math.max(0, i | 0);
      if (drag || moving) return;
      if (setTop(clampIndex(wanted) * rowH, false)) quiet = true;
    },
    layout,
    get busy() { return moving || !!drag; },
    destroy() {
      ro.disconnect();
      mo.disconnect();
      clearTimeout(timer);
    },
  };
}
