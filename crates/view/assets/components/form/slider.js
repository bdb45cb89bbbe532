// <slider>: a pointer drag on the track (mouse or finger) emits `changing` while moving and
// `change` on release; the arrow keys step it too.
import { bool, num, str, h } from '../util.js';
import { kebab, reflect } from './common.js';

export const slider = {
  create(ctx) {
    const el = ctx.el;
    const wrap = h('div', 'wx-slider-wrapper', el);
    const area = h('div', 'wx-slider-tap-area', wrap);
    const rail = h('div', 'wx-slider-handle-wrapper', area);
    const track = h('div', 'wx-slider-track', rail);
    const handle = h('div', 'wx-slider-handle', rail);
    const thumb = h('div', 'wx-slider-thumb', rail);
    const shown = h('div', 'wx-slider-value', wrap);
    const st = {
      min: 0, max: 100, step: 1, value: 0, disabled: false, showValue: false,
      active: '', background: '', blockSize: 28, blockColor: '',
    };
    area.tabIndex = 0;
    area.setAttribute('role', 'slider');

    function clamp(v) {
      const span = Math.max(0, st.max - st.min);
      const step = st.step > 0 ? st.step : 1;
      const n = Math.round((Math.min(Math.max(v, st.min), st.min + span) - st.min) / step);
      // keep decimal steps free of float noise
      return Math.min(st.max, Number((st.min + n * step).toFixed(10)));
    }

    function paint() {
      const span = st.max - st.min;
      const pct = span > 0 ? ((st.value - st.min) / span) * 100 : 0;
      track.style.width = `${pct}%`;
      handle.style.left = thumb.style.left = `${pct}%`;
      track.style.backgroundColor = st.active;
      rail.style.backgroundColor = st.background;
      const size = Math.min(28, Math.max(12, st.blockSize));
      for (const n of [handle, thumb]) {
        n.style.width = n.style.height = `${size}px`;
        n.style.marginTop = n.style.marginLeft = `${-size / 2}px`;
      }
      thumb.style.backgroundColor = st.blockColor;
      shown.hidden = !st.showValue;
      shown.textContent = String(st.value);
      reflect(el, 'disabled', st.disabled); // an attribute: the core owns the host's classes
      area.setAttribute('aria-valuemin', String(st.min));
      area.setAttribute('aria-valuemax', String(st.max));
      area.setAttribute('aria-valuenow', String(st.value));
    }

    function at(clientX) {
      const r = rail.getBoundingClientRect();
      const f = r.width > 0 ? (clientX - r.left) / r.width : 0;
      return clamp(st.min + Math.min(1, Math.max(0, f)) * (st.max - st.min));
    }

    let drag = null;
    area.addEventListener('pointerdown', (e) => {
      if (st.disabled || (e.pointerType === 'mouse' && e.button !== 0)) return;
      e.preventDefault(); // no text selection while dragging with a mouse
      area.setPointerCapture(e.pointerId);
      drag = { id: e.pointerId, moved: false };
      const v = at(e.clientX);
      if (v !== st.value) {
        st.value = v;
        paint();
      }
    });
    area.addEventListener('pointermove', (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      const v = at(e.clientX);
      drag.moved = true;
      if (v === st.value) return;
      st.value = v;
      paint();
      ctx.emit('changing', { value: v });
    });
    const end = (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      drag = null;
      if (e.type === 'pointercancel') return;
      ctx.emit('change', { value: st.value });
      ctx.model('value', st.value);
    };
    area.addEventListener('pointerup', end);
    area.addEventListener('pointercancel', end);
    area.addEventListener('keydown', (e) => {
      if (st.disabled) return;
      const d = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1 }[e.key];
      if (!d) return;
      e.preventDefault();
      const v = clamp(st.value + d * (st.step > 0 ? st.step : 1));
      if (v === st.value) return;
      st.value = v;
      paint();
      ctx.emit('change', { value: v });
      ctx.model('value', v);
    });

    const inst = {
      slot: document.createElement('div'),
      name: '',
      attr(name, value) {
        switch (kebab(name)) {
          case 'min': st.min = num(value, 0); break;
          case 'max': st.max = num(value, 100); break;
          case 'step': st.step = num(value, 1); break;
          case 'value':
            if (drag) return; // the user's finger wins over an echo from the app
            st.value = num(value, 0);
            break;
          case 'disabled': st.disabled = bool(value); break;
          case 'show-value': st.showValue = bool(value); break;
          case 'active-color':
          case 'selected-color': st.active = str(value); break;
          case 'background-color':
          case 'color': st.background = str(value); break;
          case 'block-size': st.blockSize = num(value, 28); break;
          case 'block-color': st.blockColor = str(value); break;
          case 'name': inst.name = str(value); return;
          default: return;
        }
        if (!drag) st.value = clamp(st.value);
        paint();
      },
      formValue: () => st.value,
      formReset() {
        st.value = clamp(st.min);
        paint();
      },
      /** For the automator (core/automation.js): the value, and a drag that ends at `v`. */
      automation: {
        get value() { return st.value; },
        slideTo(v) {
          if (st.disabled) return;
          st.value = clamp(num(v, st.value));
          paint();
          ctx.emit('change', { value: st.value });
          ctx.model('value', st.value);
        },
      },
    };
    paint();
    return inst;
  },
};
