// Media and "native" components: canvas, video, audio, web-view, and clear placeholders for
// the ones a browser cannot provide (map, camera, live-player, live-pusher, ads, ...).
import { bool, num, str, h } from './util.js';
import { cssUrl } from './basic.js';

// ---------------------------------------------------------------------------------------------
// canvas: a real <canvas>. The container sends drawing as call lists (docs/protocol.md,
// `canvas`), which draw() replays on the 2d context through an allow-list. Calls are
// [method, ...args] or ['=', prop, value]; gradients, patterns and images are handles:
// ['gradient', id, 'linear'|'radial'|'conic', ...args], ['addColorStop', id, offset, color],
// ['pattern', id, image, repetition], ['image', id, src], used as {handle: id}. Image sources
// are vetted by ctx.url. Pseudo-calls: ['size', w, h] sets a 2d canvas's backing store,
// ['reset'], and ['draw', reserve], which starts a legacy (canvas-id) unit.
//
// A legacy canvas draws in CSS px on a backing store of its CSS size times devicePixelRatio.
// Each unit starts from the default state (restored when it ends, however many saves it left
// open) and, unless `reserve`, on a cleared canvas. The units since the last clear are kept
// and replayed when the size changes (a canvas drawn before it was laid out, or resized).

const METHODS = new Set([
  'arc', 'arcTo', 'beginPath', 'bezierCurveTo', 'clearRect', 'clip', 'closePath', 'ellipse',
  'fill', 'fillRect', 'fillText', 'lineTo', 'moveTo', 'quadraticCurveTo', 'rect', 'roundRect',
  'resetTransform', 'restore', 'rotate', 'save', 'scale', 'setLineDash', 'setTransform',
  'stroke', 'strokeRect', 'strokeText', 'transform', 'translate',
]);
const PROPS = new Set([
  'fillStyle', 'strokeStyle', 'lineWidth', 'lineCap', 'lineJoin', 'miterLimit', 'lineDashOffset',
  'font', 'textAlign', 'textBaseline', 'direction', 'globalAlpha', 'globalCompositeOperation',
  'shadowBlur', 'shadowColor', 'shadowOffsetX', 'shadowOffsetY', 'imageSmoothingEnabled',
  'imageSmoothingQuality', 'filter', 'letterSpacing', 'wordSpacing', 'fontKerning',
]);
const MAX_SIDE = 4096;
/** Calls a legacy canvas keeps for replay; past this it keeps its pixels instead. */
const KEEP_MAX = 200000;

function bytesToBase64(u8) {
  let bin = '';
  for (let i = 0; i < u8.length; i += 0x8000) bin += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(bin);
}
function base64ToBytes(b64) {
  const bin = atob(String(b64));
  const out = new Uint8ClampedArray(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const canvas = {
  create(ctx) {
    const el = ctx.el;
    const cv = h('canvas', '', el);
    const g = cv.getContext('2d');
    const handles = new Map(); // gradient/pattern id -> CanvasGradient | CanvasPattern
    const imageSrcs = new Map(); // image handle id -> src (a 2d canvas's createImage)
    const images = new Map(); // url -> Promise<HTMLImageElement | null>
    let type = '';
    let sized = false; // a 2d canvas got an explicit size from the container
    let queue = Promise.resolve();
    let scale = 0; // the pixel ratio a legacy backing store was made at (0: not legacy)
    let kept = []; // legacy units since the last clear (null: too many, pixels are kept instead)
    let keptCalls = 0;
    const dpr = () => window.devicePixelRatio || 1;
    const isLegacy = () => type !== '2d' && type !== 'webgl';

    const cssSize = () => ({ width: el.clientWidth, height: el.clientHeight });
    const clampSide = (v) => Math.max(0, Math.min(MAX_SIDE, Math.round(v)));
    const setBacking = (w, hh) => {
      cv.width = clampSide(w);
      cv.height = clampSide(hh);
    };
    const clear = () => {
      g.save();
      g.setTransform(1, 0, 0, 1, 0, 0);
      g.clearRect(0, 0, cv.width, cv.height);
      g.restore();
    };
    // A 2d canvas draws in its own pixels, CSS size until the mini-program sets
    // canvas.width/height. Resizing the backing store clears it, so only a real change does;
    // answers whether a legacy canvas was cleared with units to replay.
    const fit = () => {
      const { width, height } = cssSize();
      if (!isLegacy()) {
        if (scale) {
          scale = 0;
          g.resetTransform();
        }
        if (!sized && (cv.width !== clampSide(width) || cv.height !== clampSide(height))) setBacking(width, height);
        return false;
      }
      const r = Math.min(dpr(), MAX_SIDE / Math.max(width, 1), MAX_SIDE / Math.max(height, 1));
      if (scale === r && cv.width === clampSide(width * r) && cv.height === clampSide(height * r)) return false;
      // Too much drawing to replay: keep the pixels, scaled.
      let old = null;
      if (kept === null && cv.width > 0 && cv.height > 0) {
        old = document.createElement('canvas');
        old.width = cv.width;
        old.height = cv.height;
        old.getContext('2d').drawImage(cv, 0, 0);
      }
      setBacking(width * r, height * r);
      scale = r;
      g.setTransform(r, 0, 0, r, 0, 0);
      if (old && cv.width > 0 && cv.height > 0) {
        g.save();
        g.resetTransform();
        g.drawImage(old, 0, 0, cv.width, cv.height);
        g.restore();
      }
      return kept !== null && kept.length > 0;
    };
    /** Chain work behind everything queued; a failure is logged and the chain goes on. */
    const enqueue = (fn) => {
      queue = queue.then(fn).catch((e) => console.error('[cove] canvas:', e));
      return queue;
    };
    const ro = new ResizeObserver(() => enqueue(refit));
    ro.observe(el);

    const image = (src) => {
      if (src && typeof src === 'object') src = imageSrcs.get(src.handle);
      const url = typeof src === 'string' ? ctx.url(src, 'image') : null;
      if (!url) return Promise.resolve(null);
      if (!images.has(url)) {
        images.set(url, new Promise((resolve) => {
          const img = new Image();
          img.onload = () => resolve(img);
          img.onerror = () => resolve(null);
          img.src = url;
        }));
      }
      return images.get(url);
    };
    const style = (v) => {
      if (v && typeof v === 'object') return handles.get(v.handle ?? v.gradient ?? v.pattern) || null;
      return typeof v === 'string' ? v : null;
    };
    const finite = (args) => args.every((a) => typeof a === 'number' ? Number.isFinite(a) : typeof a === 'string' || typeof a === 'boolean' || Array.isArray(a));

    /** Pixels put by canvasPutImageData, in CSS px on a legacy canvas; replace, not blend. */
    function put(x, y, w, hh, data) {
      const tmp = document.createElement('canvas');
      tmp.width = w;
      tmp.height = hh;
      tmp.getContext('2d').putImageData(new ImageData(data, w, hh), 0, 0);
      const r = scale || 1;
      g.save();
      g.resetTransform();
      g.imageSmoothingEnabled = false;
      g.clearRect(x * r, y * r, w * r, hh * r);
      g.drawImage(tmp, x * r, y * r, w * r, hh * r);
      g.restore();
    }

    /** One call. */
    async function step(op, args) {
      if (op === '=') {
        const [prop, value] = args;
        if (!PROPS.has(prop)) return;
        const v = prop === 'fillStyle' || prop === 'strokeStyle' ? style(value) : value;
        if (v !== null && v !== undefined) g[prop] = v;
      } else if (METHODS.has(op)) {
        if (!finite(args)) return;
        if (op === 'setLineDash') g.setLineDash(Array.isArray(args[0]) ? args[0].filter(Number.isFinite) : []);
        // A legacy canvas's transforms are in CSS px, on top of the pixel ratio.
        else if (scale && op === 'setTransform' && args.length === 6) g.setTransform(...args.map((a) => a * scale));
        else if (scale && op === 'resetTransform') g.setTransform(scale, 0, 0, scale, 0, 0);
        else g[op](...args);
      } else if (op === 'drawImage') {
        const img = await image(args[0]);
        const rest = args.slice(1);
        if (img && (rest.length === 2 || rest.length === 4 || rest.length === 8) && finite(rest)) g.drawImage(img, ...rest);
      } else if (op === 'image') {
        if (typeof args[1] === 'string') imageSrcs.set(args[0], args[1]);
      } else if (op === 'gradient') {
        const [id, kind, ...a] = args;
        if (!finite(a)) return;
        if (kind === 'linear' && a.length === 4) handles.set(id, g.createLinearGradient(...a));
        else if (kind === 'radial' && a.length === 6) handles.set(id, g.createRadialGradient(...a));
        else if (kind === 'conic' && a.length === 3) handles.set(id, g.createConicGradient(...a));
      } else if (op === 'addColorStop') {
        const grad = handles.get(args[0]);
        if (grad && grad.addColorStop) grad.addColorStop(num(args[1], 0), str(args[2]));
      } else if (op === 'pattern') {
        const img = await image(args[1]);
        if (img) handles.set(args[0], g.createPattern(img, args[2] == null ? 'repeat' : str(args[2])));
      } else if (op === 'size') {
        if (isLegacy()) return; // a legacy canvas is as large as its box
        sized = true;
        setBacking(num(args[0], cv.width), num(args[1], cv.height));
      } else if (op === 'reset') {
        if (g.reset) g.reset();
        else setBacking(cv.width, cv.height);
        if (scale) g.setTransform(scale, 0, 0, scale, 0, 0);
      } else if (op === 'putImageData') {
        const [x, y, w, hh, b64] = args;
        if (![x, y, w, hh].every(Number.isFinite) || !(w > 0 && hh > 0) || typeof b64 !== 'string') return;
        const data = base64ToBytes(b64);
        if (data.length !== w * hh * 4) return;
        put(x, y, w, hh, data);
      }
    }

    /** Keep a legacy call for replay (until there are too many). */
    function keep(list, call) {
      if (kept === null) return;
      list.push(call);
      keptCalls += call[0] === 'putImageData' ? Math.ceil(call[5].length / 64) : 1;
      if (keptCalls > KEEP_MAX) kept = null;
    }

    /** Apply calls in order; `record` keeps legacy units for replay. */
    async function apply(calls, record) {
      let unit = null; // the open legacy unit: its saves not yet restored
      const close = () => {
        if (!unit) return;
        for (; unit.depth > 0; unit.depth--) g.restore();
        g.restore();
        unit = null;
      };
      try {
        for (const call of calls) {
          if (!Array.isArray(call) || typeof call[0] !== 'string') continue;
          const [op, ...args] = call;
          try {
            if (op === 'draw') {
              close();
              if (!isLegacy()) continue;
              if (args[0] !== true) {
                clear();
                if (record) {
                  kept = [];
                  keptCalls = 0;
                }
              }
              unit = { depth: 0, list: [call] };
              if (record && kept) kept.push(unit.list);
              g.save();
              continue;
            }
            if (record && unit) keep(unit.list, call);
            if (op === 'putImageData' && record && scale && !unit && kept) {
              const list = [];
              kept.push(list);
              keep(list, call);
            }
            if (unit && op === 'save') unit.depth++;
            else if (unit && op === 'restore') {
              // A unit cannot restore past its own start.
              if (unit.depth === 0) continue;
              unit.depth--;
            }
            await step(op, args);
          } catch {
            // A bad argument skips that call, as a browser canvas ignores most of them.
          }
        }
      } finally {
        close();
      }
    }

    /** After a size change: redraw the kept legacy units. */
    async function refit() {
      if (!fit()) return;
      for (const list of kept.slice()) await apply(list, false);
    }

    async function run(calls) {
      await refit();
      await apply(calls, true);
    }

    /** A region in CSS px of a legacy canvas, in backing-store pixels (a 2d canvas: as given). */
    const region = (x, y, w, hh) => {
      const r = scale || 1;
      return [x * r, y * r, w * r, hh * r];
    };

    return {
      slot: h('span'), // canvas children are not shown
      attr(name, value) {
        if (name === 'type') {
          type = str(value);
          fit();
        } else if (name === 'disable-scroll') {
          cv.style.touchAction = bool(value) ? 'none' : '';
        }
        // canvas-id: the container finds canvases by it in its own tree
      },
      /** Replay a list of drawing calls, in order with earlier lists (images load on the way). */
      draw(calls) {
        if (!Array.isArray(calls)) return queue;
        return enqueue(() => run(calls));
      },
      /**
       * Pixels after all queued drawing (canvasGetImageData): a legacy canvas's region is in
       * CSS px and comes back at that size. `{width, height, data: {$bytes}}`.
       */
      imageData(x, y, width, height) {
        return queue.then(() => {
          const [w, hh] = [Math.round(num(width, 0)), Math.round(num(height, 0))];
          if (!(w > 0 && hh > 0) || w * hh > MAX_SIDE * MAX_SIDE) throw new Error('fail width and height should be positive');
          let d;
          try {
            if (scale) {
              const out = document.createElement('canvas');
              out.width = w;
              out.height = hh;
              out.getContext('2d').drawImage(cv, ...region(num(x, 0), num(y, 0), w, hh), 0, 0, w, hh);
              d = out.getContext('2d').getImageData(0, 0, w, hh);
            } else {
              d = g.getImageData(num(x, 0), num(y, 0), w, hh);
            }
          } catch {
            throw new Error('fail the canvas cannot be read (an image from another origin was drawn on it)');
          }
          return { width: d.width, height: d.height, data: { $bytes: bytesToBase64(new Uint8Array(d.data.buffer)) } };
        });
      },
      /**
       * A data: URL of a region after all queued drawing (canvasToTempFilePath), or null. On a
       * legacy canvas the region is in CSS px and the size defaults to it times `ratio` (the
       * pixel ratio the app was told), as in WeChat.
       */
      snapshot({ x, y, width, height, destWidth, destHeight, fileType = 'png', quality = 0.92, ratio } = {}) {
        return queue.then(() => {
          try {
            const css = cssSize();
            const x0 = num(x, 0);
            const y0 = num(y, 0);
            const w = num(width, (scale ? css.width : cv.width) - x0);
            const hh = num(height, (scale ? css.height : cv.height) - y0);
            const k = scale ? num(ratio, 1) : 1;
            const out = document.createElement('canvas');
            out.width = Math.max(1, Math.min(MAX_SIDE, Math.round(num(destWidth, w * k))));
            out.height = Math.max(1, Math.min(MAX_SIDE, Math.round(num(destHeight, hh * k))));
            out.getContext('2d').drawImage(cv, ...region(x0, y0, w, hh), 0, 0, out.width, out.height);
            return out.toDataURL(fileType === 'jpg' ? 'image/jpeg' : 'image/png', num(quality, 0.92));
          } catch {
            return null;
          }
        });
      },
      /** CSS size, for the container's node query (res.width, res.height). */
      size() {
        return cssSize();
      },
      /**
       * The container's `canvas` requests: `drawn` (a legacy draw's callback), `snapshot`
       * (canvasToTempFilePath), `imageData` (canvasGetImageData), `putImageData`.
       */
      async request(a) {
        if (a.op === 'drawn') {
          await queue;
          return {};
        }
        if (a.op === 'snapshot') {
          const dataURL = await this.snapshot(a);
          if (!dataURL) throw new Error('fail the canvas could not be exported');
          return { dataURL };
        }
        if (a.op === 'imageData') return this.imageData(a.x, a.y, a.width, a.height);
        if (a.op === 'putImageData') {
          const b64 = a.data && typeof a.data === 'object' ? a.data.$bytes : null;
          const call = ['putImageData', num(a.x, 0), num(a.y, 0), Math.round(num(a.width, 0)), Math.round(num(a.height, 0)), b64];
          if (typeof b64 !== 'string' || !(call[3] > 0 && call[4] > 0)) throw new Error('fail parameter error: data, width and height are required');
          await enqueue(() => run([call]));
          return {};
        }
        throw new Error(`fail unknown canvas request ${a.op}`);
      },
      /** What a `fields({node: true})` query learns: the container builds its canvas node from it. */
      context() {
        return type === '2d' ? Object.assign({ kind: 'canvas' }, cssSize()) : null;
      },
      destroy() {
        ro.disconnect();
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// video and audio on HTML5 media.

function fmtTime(t) {
  if (!Number.isFinite(t) || t < 0) t = 0;
  const m = Math.floor(t / 60);
  const s = Math.floor(t % 60);
  return `${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}`;
}

/** Wire an HTMLMediaElement's events to WeChat's. */
function mediaEvents(ctx, media, extra = {}) {
  media.addEventListener('play', () => ctx.emit('play', {}));
  media.addEventListener('pause', () => {
    if (!media.ended) ctx.emit('pause', {});
  });
  media.addEventListener('ended', () => ctx.emit('ended', {}));
  media.addEventListener('timeupdate', () => ctx.emit('timeupdate', { currentTime: media.currentTime, duration: media.duration || 0 }));
  media.addEventListener('error', () => {
    const code = media.error ? media.error.code : 0;
    ctx.emit('error', extra.error ? extra.error(code) : { errMsg: `MEDIA_ERR ${code}` });
  });
  media.addEventListener('waiting', () => ctx.emit('waiting', {}));
  media.addEventListener('progress', () => {
    const b = media.buffered;
    const d = media.duration;
    if (b.length && d) ctx.emit('progress', { buffered: Math.round((b.end(b.length - 1) / d) * 100) });
  });
  media.addEventListener('seeked', () => ctx.emit('seekcomplete', { position: media.currentTime }));
}

const video = {
  create(ctx) {
    const el = ctx.el;
    const v = h('video', '', el);
    v.playsInline = true;
    v.controls = true;
    v.preload = 'metadata';
    v.setAttribute('controlslist', 'nodownload');
    let initial = 0;
    mediaEvents(ctx, v, { error: (code) => ({ errMsg: `MEDIA_ERR ${code}` }) });
    v.addEventListener('loadedmetadata', () => {
      if (initial > 0) v.currentTime = initial;
      ctx.emit('loadedmetadata', { width: v.videoWidth, height: v.videoHeight, duration: v.duration });
    });
    const onFs = () => {
      const full = document.fullscreenElement === el;
      ctx.emit('fullscreenchange', { fullScreen: full, direction: full ? 'horizontal' : 'vertical' });
    };
    document.addEventListener('fullscreenchange', onFs);
    return {
      slot: el, // cover-view children overlay the video
      attr(name, value) {
        switch (name) {
          case 'src': {
            const url = value ? ctx.url(str(value), 'media') : null;
            if (url) v.src = url;
            else {
              v.removeAttribute('src');
              if (value) ctx.emit('error', { errMsg: `MEDIA_ERR_SRC_NOT_SUPPORTED: ${str(value)} is not an allowed media source` });
            }
            break;
          }
          case 'controls': v.controls = bool(value); break;
          case 'autoplay': v.autoplay = bool(value); if (v.autoplay && v.src) v.play().catch(() => {}); break;
          case 'loop': v.loop = bool(value); break;
          case 'muted': v.muted = bool(value); break;
          case 'poster': {
            const url = value ? ctx.url(str(value), 'image') : null;
            if (url) v.poster = url;
            else v.removeAttribute('poster');
            break;
          }
          case 'initial-time': initial = Math.max(0, num(value, 0)); break;
          case 'object-fit': v.style.objectFit = ['contain', 'fill', 'cover'].includes(value) ? value : 'contain'; break;
          default:
        }
      },
      play: () => v.play().catch(() => {}),
      pause: () => v.pause(),
      seek: (t) => {
        v.currentTime = Math.max(0, num(t, 0));
      },
      stop: () => {
        v.pause();
        v.currentTime = 0;
        ctx.emit('stop', {});
      },
      playbackRate: (r) => {
        v.playbackRate = num(r, 1);
      },
      requestFullScreen: () => el.requestFullscreen && el.requestFullscreen().catch(() => {}),
      exitFullScreen: () => document.fullscreenElement === el && document.exitFullscreen(),
      destroy() {
        document.removeEventListener('fullscreenchange', onFs);
        v.pause();
        v.removeAttribute('src');
        v.load();
      },
    };
  },
};

// audio: the legacy component: a card with poster, play button, name, author and time.
const audio = {
  create(ctx) {
    const el = ctx.el;
    const a = document.createElement('audio');
    a.preload = 'metadata';
    const box = h('div', 'wx-audio-default', el);
    const left = h('div', 'wx-audio-left', box);
    const btn = h('div', 'wx-audio-button wx-audio-play', left);
    const right = h('div', 'wx-audio-right', box);
    const time = h('div', 'wx-audio-time', right);
    const info = h('div', 'wx-audio-info', right);
    const nameEl = h('div', 'wx-audio-name', info);
    const authorEl = h('div', 'wx-audio-author', info);
    time.textContent = '00:00';
    el.appendChild(a);
    mediaEvents(ctx, a, { error: (code) => ({ errMsg: code }) });
    const paint = () => {
      btn.className = 'wx-audio-button ' + (a.paused ? 'wx-audio-play' : 'wx-audio-pause');
      time.textContent = fmtTime(a.currentTime);
    };
    for (const t of ['play', 'pause', 'ended', 'timeupdate', 'emptied']) a.addEventListener(t, paint);
    btn.addEventListener('click', () => {
      if (a.paused) a.play().catch(() => {});
      else a.pause();
    });
    return {
      slot: h('span'),
      attr(name, value) {
        switch (name) {
          case 'src': {
            const url = value ? ctx.url(str(value), 'media') : null;
            if (url) a.src = url;
            else {
              a.removeAttribute('src');
              if (value) ctx.emit('error', { errMsg: 4 });
            }
            paint();
            break;
          }
          case 'controls': el.toggleAttribute('controls', bool(value)); break;
          case 'loop': a.loop = bool(value); break;
          case 'name': nameEl.textContent = str(value); break;
          case 'author': authorEl.textContent = str(value); break;
          case 'poster': {
            const url = value ? ctx.url(str(value), 'image') : null;
            left.style.backgroundImage = url ? cssUrl(url) : '';
            break;
          }
          default:
        }
      },
      play: () => a.play().catch(() => {}),
      pause: () => a.pause(),
      seek: (t) => {
        a.currentTime = Math.max(0, num(t, 0));
      },
      destroy() {
        a.pause();
        a.removeAttribute('src');
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// web-view: an iframe for an allowed business domain only, sandboxed without top navigation or
// popups; a package (same-origin) page also loses allow-same-origin so it cannot reach the view.

const webView = {
  create(ctx) {
    const el = ctx.el;
    let frame = null;
    return {
      slot: h('span'),
      attr(name, value) {
        if (name !== 'src') return;
        el.replaceChildren();
        frame = null;
        const src = str(value);
        if (!src) return;
        const url = ctx.url(src, 'webView');
        if (!url) {
          const box = h('div', 'wx-web-view-blocked', el);
          h('div', 'wx-web-view-blocked-title', box).textContent = 'This page cannot be opened';
          h('div', 'wx-web-view-blocked-text', box).textContent = 'The domain is not one of the mini-program\'s business domains:';
          h('div', 'wx-web-view-blocked-url', box).textContent = src;
          queueMicrotask(() => ctx.emit('error', { src }));
          return;
        }
        frame = document.createElement('iframe');
        const same = new URL(url, location.href).origin === location.origin;
        frame.setAttribute('sandbox', same ? 'allow-scripts allow-forms' : 'allow-scripts allow-forms allow-same-origin');
        frame.setAttribute('referrerpolicy', 'no-referrer');
        frame.setAttribute('allow', '');
        frame.addEventListener('load', () => ctx.emit('load', { src }));
        frame.addEventListener('error', () => ctx.emit('error', { src }));
        frame.src = url;
        el.appendChild(frame);
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Placeholders: a labelled box that says what would be there.

function placeholder(ctx, cls, label) {
  const box = h('div', 'wx-native-placeholder ' + cls, ctx.el);
  const title = h('div', 'wx-native-placeholder-title', box);
  const detail = h('div', 'wx-native-placeholder-detail', box);
  title.textContent = label;
  return { box, title, detail };
}

const map = {
  create(ctx) {
    const p = placeholder(ctx, 'wx-map-placeholder', 'Map');
    const s = { latitude: 39.908823, longitude: 116.39747, scale: 16, markers: 0 };
    const paint = () => {
      p.title.textContent = `Map: ${s.latitude}, ${s.longitude}`;
      p.detail.textContent = `scale ${s.scale} · ${s.markers} marker${s.markers === 1 ? '' : 's'}`;
    };
    paint();
    return {
      slot: ctx.el, // cover-view children overlay the map
      attr(name, value) {
        if (name === 'latitude') s.latitude = num(value, s.latitude);
        else if (name === 'longitude') s.longitude = num(value, s.longitude);
        else if (name === 'scale') s.scale = num(value, 16);
        else if (name === 'markers') s.markers = Array.isArray(value) ? value.length : 0;
        else return;
        paint();
      },
    };
  },
};

function simple(cls, label, describe) {
  return {
    create(ctx) {
      const p = placeholder(ctx, cls, label);
      const s = {};
      return {
        slot: ctx.el,
        attr(name, value) {
          s[name] = value;
          if (describe) p.detail.textContent = describe(s);
        },
      };
    },
  };
}

const openData = {
  create(ctx) {
    // WeChat now returns anonymous data: the nickname "微信用户" and a grey avatar.
    const el = ctx.el;
    return {
      slot: h('span'),
      attr(name, value) {
        if (name !== 'type') return;
        el.replaceChildren();
        if (value === 'userNickName') el.textContent = '微信用户';
        else if (value === 'userAvatarUrl') h('div', 'wx-open-data-avatar', el);
      },
    };
  },
};

export default {
  canvas,
  video,
  audio,
  'web-view': webView,
  map,
  camera: simple('wx-camera-placeholder', 'Camera', (s) => `${s['device-position'] || 'back'} camera`),
  'live-player': simple('wx-live-player-placeholder', 'Live player', (s) => str(s.src)),
  'live-pusher': simple('wx-live-pusher-placeholder', 'Live pusher', (s) => str(s.url)),
  'official-account': simple('wx-official-account-placeholder', 'Official account'),
  ad: simple('wx-ad-placeholder', 'Ad', (s) => str(s['unit-id'])),
  'ad-custom': simple('wx-ad-placeholder', 'Ad', (s) => str(s['unit-id'])),
  'open-data': openData,
  'channel-video': simple('wx-channel-placeholder', 'Channels video', (s) => str(s['feed-id'])),
  'channel-live': simple('wx-channel-placeholder', 'Channels live', (s) => str(s['feed-id'])),
  'voip-room': simple('wx-voip-room-placeholder', 'VoIP room'),
};
