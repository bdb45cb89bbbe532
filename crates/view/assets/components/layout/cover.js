// cover-view and cover-image.
import { str, h, px } from '../util.js';

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

export { coverView, coverImage };
