// Basic content components: view, text, icon, progress, rich-text, image.
import { bool, num, str, h, px } from './util.js';
import { buildRichText, decodeEntities, applySpace } from './sanitize.js';

const view = {
  create(ctx) {
    return { slot: ctx.el, attr() {} };
  },
};

// text: the children go to an inner <span>, as in WeChat's own view (`<wx-text><span>…`), so
// the content stays one run of inline text whatever `display` the app gives the host: with
// `text { display: flex }` (a common reset, WeChat's demo has it) a nested <text> link and the
// words around it still flow as one paragraph. `space` and `decode`
// rewrite those nodes in place; a WeakMap keeps each node's source text so a rewrite is never
// applied twice (decode is not idempotent), and a MutationObserver catches nodes the core
// adds or changes later. Nested <text> hosts rewrite their own nodes. With neither attribute
// set, nothing observes and nothing is touched.
const TEXT_ENTITIES = { nbsp: '\u00a0', lt: '<', gt: '>', amp: '&', apos: "'", ensp: '\u2002', emsp: '\u2003' };

const text = {
  create(ctx) {
    const el = ctx.el;
    let space = '';
    let decode = false;
    let observer = null;
    const source = new WeakMap(); // Text -> {raw, shown}

    const owns = (node) => node.parentElement && node.parentElement.closest('wx-text') === el;
    const transform = (raw) => {
      let s = applySpace(raw, space);
      if (decode) s = decodeEntities(s, TEXT_ENTITIES);
      return s;
    };
    const rewrite = (node) => {
      let rec = source.get(node);
      if (!rec || node.data !== rec.shown) rec = { raw: node.data, shown: node.data };
      const shown = space || decode ? transform(rec.raw) : rec.raw;
      rec.shown = shown;
      source.set(node, rec);
      if (node.data !== shown) node.data = shown;
    };
    const walk = (root) => {
      if (root.nodeType === 3) {
        if (owns(root)) rewrite(root);
        return;
      }
      const it = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = it.nextNode(); n; n = it.nextNode()) if (owns(n)) rewrite(n);
    };
    const update = () => {
      const active = !!space || decode;
      if (active && !observer) {
        observer = new MutationObserver((records) => {
          for (const r of records) {
            if (r.type === 'characterData') walk(r.target);
            else for (const n of r.addedNodes) walk(n);
          }
        });
        observer.observe(el, { childList: true, characterData: true, subtree: true });
      }
      walk(el); // also restores the source text when both were switched off
      if (!active && observer) {
        observer.disconnect();
        observer = null;
      }
    };

    const inner = h('span', '', el);
    return {
      slot: inner,
      attr(name, value) {
        if (name === 'selectable' || name === 'user-select') {
          el.toggleAttribute(name, bool(value));
        } else if (name === 'space') {
          space = ['ensp', 'emsp', 'nbsp'].includes(value) ? value : '';
          update();
        } else if (name === 'decode') {
          decode = bool(value);
          update();
        }
      },
      destroy() {
        if (observer) observer.disconnect();
      },
    };
  },
};

// icon: WeChat's glyphs drawn as inline SVG (24x24 box), in WeChat's colours.
const SVG = 'http://www.w3.org/2000/svg';
const ICONS = {
  success: { color: '#07c160', disc: true, paths: [['M6.6 12.4l3.7 3.6 7.2-7.4', 1.9]] },
  success_no_circle: { color: '#07c160', paths: [['M3.5 12.6l5.6 5.4L20.6 6.4', 2.2]] },
  info: { color: '#10aeff', disc: true, paths: [['M12 10.4v7.4', 2.1]], dot: [12, 6.9] },
  warn: { color: '#f76260', disc: true, paths: [['M12 5.8v8', 2.1]], dot: [12, 17.4] },
  waiting: { color: '#10aeff', ring: true, paths: [['M12 6.4v6.2l4 2.4', 1.6]] },
  cancel: { color: '#f43530', ring: true, paths: [['M8.4 8.4l7.2 7.2M15.6 8.4l-7.2 7.2', 1.6]] },
  download: { color: '#07c160', disc: true, paths: [['M12 6v10M7.6 11.8L12 16.2l4.4-4.4', 1.8]] },
  search: { color: '#b2b2b2', paths: [['M10.6 3.8a6.8 6.8 0 1 0 0 13.6a6.8 6.8 0 1 0 0-13.6zM15.6 15.6l5.2 5.2', 2]] },
  clear: { color: '#b2b2b2', disc: true, paths: [['M8.5 8.5l7 7M15.5 8.5l-7 7', 1.8]] },
  // Not in the docs, but WeChat draws them and component libraries use them (unchecked boxes).
  circle: { color: '#c9c9c9', ring: true, paths: [] },
  info_circle: { color: '#10aeff', ring: true, paths: [['M12 10.4v7', 1.6]], dot: [12, 7.3] },
  waiting_circle: { color: '#10aeff', ring: true, paths: [['M12 6.4v6.2l4 2.4', 1.6]] },
  warn_circle: { color: '#f76260', ring: true, paths: [['M12 6.4v7', 1.6]], dot: [12, 16.9] },
};

function svgEl(tag, attrs, parent) {
  const e = document.createElementNS(SVG, tag);
  for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
  if (parent) parent.appendChild(e);
  return e;
}

const icon = {
  create(ctx) {
    const el = ctx.el;
    const state = { type: '', size: 23, color: '' };
    const render = () => {
      el.replaceChildren();
      const spec = ICONS[state.type];
      if (!spec) return;
      const color = state.color || spec.color;
      const svg = svgEl('svg', { viewBox: '0 0 24 24', width: state.size, height: state.size, 'aria-hidden': 'true' });
      svg.classList.add('wx-icon-' + state.type);
      const ink = spec.disc ? '#fff' : color;
      if (spec.disc) svgEl('circle', { cx: 12, cy: 12, r: 12, fill: color }, svg);
      if (spec.ring) svgEl('circle', { cx: 12, cy: 12, r: 10.8, fill: 'none', stroke: color, 'stroke-width': 1.4 }, svg);
      for (const [d, w] of spec.paths) {
        svgEl('path', { d, fill: 'none', stroke: ink, 'stroke-width': w, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }, svg);
      }
      if (spec.dot) svgEl('circle', { cx: spec.dot[0], cy: spec.dot[1], r: 1.35, fill: ink }, svg);
      el.appendChild(svg);
    };
    return {
      slot: h('span'), // icon has no children; anything appended stays off-screen
      attr(name, value) {
        if (name === 'type') state.type = str(value);
        else if (name === 'size') state.size = px(value, 23) || 23;
        else if (name === 'color') state.color = str(value);
        else return;
        render();
      },
    };
  },
};

// progress: a bar and an optional percentage; `active` animates at `duration` ms per 1%.
// Attributes of one batch are applied together in a microtask, so their order does not matter.
const progress = {
  create(ctx) {
    const el = ctx.el;
    const bar = h('div', 'wx-progress-bar', el);
    const inner = h('div', 'wx-progress-inner-bar', bar);
    const info = h('p', 'wx-progress-info');
    const s = {
      percent: 0, showInfo: false, radius: 0, fontSize: 16, stroke: 6, color: '#09bb07',
      activeColor: '', background: '#ebebeb', active: false, mode: 'backwards', duration: 30,
    };
    let shown = 0; // the percentage the bar shows now
    let raf = 0;
    let queued = false;
    let restart = true; // the percent changed or `active` was switched on

    const paint = () => {
      inner.style.width = shown + '%';
    };
    const fill = (c) => {
      // "a, b" is a gradient; a single colour a plain fill.
      const parts = c.split(/,(?![^(]*\))/).map((x) => x.trim()).filter(Boolean);
      inner.style.backgroundImage = parts.length > 1 ? `linear-gradient(to right, ${parts.join(', ')})` : '';
      inner.style.backgroundColor = parts.length > 1 ? '' : c;
    };
    const animate = (from, to) => {
      cancelAnimationFrame(raf);
      const ms = Math.abs(to - from) * s.duration;
      const t0 = performance.now();
      shown = from;
      paint();
      const step = (t) => {
        const k = ms > 0 ? Math.min(1, (t - t0) / ms) : 1;
        shown = from + (to - from) * k;
        paint();
        if (k < 1) raf = requestAnimationFrame(step);
        else {
          raf = 0;
          ctx.emit('activeend', { curPercent: to });
        }
      };
      raf = requestAnimationFrame(step);
    };
    const apply = () => {
      queued = false;
      bar.style.height = s.stroke + 'px';
      bar.style.backgroundColor = s.background;
      bar.style.borderRadius = s.radius + 'px';
      inner.style.borderRadius = s.radius + 'px';
      fill(s.activeColor || s.color);
      info.style.fontSize = s.fontSize + 'px';
      info.textContent = `${s.percent}%`;
      if (s.showInfo && !info.parentNode) el.appendChild(info);
      if (!s.showInfo && info.parentNode) info.remove();
      if (!restart) return;
      restart = false;
      if (s.active) animate(s.mode === 'forwards' ? shown : 0, s.percent);
      else {
        cancelAnimationFrame(raf);
        raf = 0;
        shown = s.percent;
        paint();
      }
    };
    const later = () => {
      if (!queued) {
        queued = true;
        queueMicrotask(apply);
      }
    };
    later();

    return {
      slot: h('span'), // progress has no children
      attr(name, value) {
        switch (name.replace(/-/g, '').toLowerCase()) {
          case 'percent': {
            const p = Math.max(0, Math.min(100, num(value, 0)));
            if (p !== s.percent) restart = true;
            s.percent = p;
            break;
          }
          case 'showinfo': s.showInfo = bool(value); break;
          case 'borderradius': s.radius = px(value, 0); break;
          case 'fontsize': s.fontSize = px(value, 16); break;
          case 'strokewidth': s.stroke = px(value, 6); break;
          case 'color': s.color = str(value) || '#09bb07'; break;
          case 'activecolor': s.activeColor = str(value); break;
          case 'backgroundcolor': s.background = str(value) || '#ebebeb'; break;
          case 'active': {
            const on = bool(value);
            if (on && !s.active) restart = true;
            s.active = on;
            break;
          }
          case 'activemode': s.mode = value === 'forwards' ? 'forwards' : 'backwards'; break;
          case 'duration': s.duration = Math.max(0, num(value, 30)); break;
          default: return;
        }
        later();
      },
      destroy() {
        cancelAnimationFrame(raf);
      },
    };
  },
};

// rich-text: rebuilt from scratch on each `nodes`/`space` change, through sanitize.js only.
const richText = {
  create(ctx) {
    const el = ctx.el;
    let nodes = [];
    let space = '';
    let queued = false;
    const render = () => {
      queued = false;
      // The scope of the template the rich-text is in, so its page or component WXSS applies.
      const scope = ctx.scope !== undefined ? ctx.scope : ctx.el.__cove && ctx.el.__cove.scope;
      const frag = buildRichText(nodes, { space, scope, url: (src) => ctx.url(src, 'image') });
      el.replaceChildren(frag);
    };
    const later = () => {
      if (!queued) {
        queued = true;
        queueMicrotask(render);
      }
    };
    return {
      slot: h('span'),
      attr(name, value) {
        if (name === 'nodes') nodes = value == null ? [] : value;
        else if (name === 'space') space = str(value);
        else if (name === 'user-select') {
          el.toggleAttribute('user-select', bool(value));
          return;
        } else return;
        later();
      },
    };
  },
};

// image: a background-image div, as WeChat's webview renders it; a detached Image() loads the
// source first to learn its natural size for `load`, widthFix and heightFix.
const MODES = {
  scaleToFill: ['100% 100%', '0% 0%'],
  aspectFit: ['contain', 'center center'],
  aspectFill: ['cover', 'center center'],
  widthFix: ['100% 100%', '0% 0%'],
  heightFix: ['100% 100%', '0% 0%'],
  top: ['auto', 'center top'],
  bottom: ['auto', 'center bottom'],
  center: ['auto', 'center center'],
  left: ['auto', 'left center'],
  right: ['auto', 'right center'],
  'top left': ['auto', 'left top'],
  'top right': ['auto', 'right top'],
  'bottom left': ['auto', 'left bottom'],
  'bottom right': ['auto', 'right bottom'],
};

/** A CSS url() token for an already vetted URL: quoted, with quotes, backslashes and newlines escaped. */
export function cssUrl(u) {
  return `url("${String(u).replace(/[\\"\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}")`;
}

const image = {
  create(ctx) {
    const el = ctx.el;
    const div = h('div', '', el);
    let src = '';
    let mode = 'scaleToFill';
    let lazy = false;
    let natural = null; // {width, height} of the loaded image
    let token = 0;
    let queued = false;
    let io = null;
    let fixed = null; // ['height' | 'width', value] set on the host by widthFix/heightFix
    const ro = new ResizeObserver(() => fit());
    // The core's `style` op replaces the host's inline style; keep our fixed size on it.
    const so = new MutationObserver(() => {
      if (fixed && el.style.getPropertyValue(fixed[0]) !== fixed[1]) el.style.setProperty(fixed[0], fixed[1]);
    });
    so.observe(el, { attributes: true, attributeFilter: ['style'] });

    const unfix = () => {
      if (fixed) el.style.removeProperty(fixed[0]);
      fixed = null;
    };
    const fit = () => {
      const [size, pos] = MODES[mode] || MODES.scaleToFill;
      div.style.backgroundSize = size;
      div.style.backgroundPosition = pos;
      if (!natural || !natural.width || !natural.height || (mode !== 'widthFix' && mode !== 'heightFix')) {
        unfix();
        return;
      }
      const next = mode === 'widthFix'
        ? ['height', `${(el.clientWidth * natural.height) / natural.width}px`]
        : ['width', `${(el.clientHeight * natural.width) / natural.height}px`];
      if (fixed && fixed[0] !== next[0]) unfix();
      fixed = next;
      if (el.style.getPropertyValue(next[0]) !== next[1]) el.style.setProperty(next[0], next[1]);
    };
    const clear = () => {
      token++;
      natural = null;
      div.style.backgroundImage = '';
      fit();
    };
    const load = () => {
      queued = false;
      if (io) {
        io.disconnect();
        io = null;
      }
      if (!src) return clear();
      const url = ctx.url(src, 'image');
      if (!url) {
        clear();
        ctx.emit('error', { errMsg: `GET ${src} blocked: not an allowed image source` });
        return;
      }
      if (lazy && !io) {
        io = new IntersectionObserver((entries) => {
          if (entries.some((e) => e.isIntersecting)) {
            io.disconnect();
            io = null;
            fetchImage(url);
          }
        }, { rootMargin: '300% 0px' });
        io.observe(el);
        return;
      }
      fetchImage(url);
    };
    const fetchImage = (url) => {
      const mine = ++token;
      const img = new Image();
      img.onload = () => {
        if (mine !== token) return;
        natural = { width: img.naturalWidth, height: img.naturalHeight };
        div.style.backgroundImage = cssUrl(url);
        fit();
        ctx.emit('load', { width: natural.width, height: natural.height });
      };
      img.onerror = () => {
        if (mine !== token) return;
        natural = null;
        div.style.backgroundImage = '';
        fit();
        ctx.emit('error', { errMsg: `GET ${src} failed to load` });
      };
      img.src = url;
    };
    const later = () => {
      if (!queued) {
        queued = true;
        queueMicrotask(load);
      }
    };
    ro.observe(el);
    fit();

    return {
      slot: h('span'), // image has no children
      attr(name, value) {
        if (name === 'src') {
          const next = str(value);
          if (next === src) return;
          src = next;
          later();
        } else if (name === 'mode') {
          mode = Object.prototype.hasOwnProperty.call(MODES, value) ? value : 'scaleToFill';
          fit();
        } else if (name === 'lazy-load') {
          lazy = bool(value);
        }
        // show-menu-by-longpress, fade-in, webp: nothing to do in a browser
      },
      destroy() {
        token++;
        ro.disconnect();
        so.disconnect();
        if (io) io.disconnect();
      },
    };
  },
};

export default { view, text, icon, progress, 'rich-text': richText, image };
