// The draggable divider between the phone and the panels: it sets the panels' width (wide
// windows) or height (narrow windows, panels below), remembered per layout.

import { prefs } from './dom.js';

const NARROW = '(max-width: 900px)';

export function createSplitter(handle, panels) {
  const narrow = matchMedia(NARROW);
  const key = () => (narrow.matches ? 'split-col' : 'split-row');

  function apply(px) {
    const max = (narrow.matches ? innerHeight : innerWidth) - 160;
    const v = Math.max(200, Math.min(max, px));
    panels.style.flexBasis = v + 'px';
    return v;
  }
  function restore() {
    const saved = Number(prefs.get(key(), ''));
    if (saved > 0) apply(saved);
    else panels.style.flexBasis = '';
  }

  handle.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    document.body.classList.add('resizing');
    const move = (ev) => {
      const v = apply(narrow.matches ? innerHeight - ev.clientY : innerWidth - ev.clientX);
      prefs.set(key(), Math.round(v));
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', up);
      document.body.classList.remove('resizing');
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', up);
  });
  narrow.addEventListener('change', restore);
  restore();
}
