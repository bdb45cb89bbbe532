import { bool, num, str, h } from '../util.js';

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

export { pageContainer, rootPortal };
