// Canvases on the service side. Both kinds record drawing calls and send them to the view as
// {t: 'canvas', node, calls} (docs/protocol.md); the view replays them on a real 2D context.
// - `canvas type="2d"`: the node a SelectorQuery returns is a recorder; its calls leave once
//   per turn. Reading pixels back synchronously (getImageData, toDataURL) is not offered.
// - The legacy canvas (`canvas-id`, `wx.createCanvasContext`): a CanvasContext keeps its
//   calls until `draw(reserve, callback)`, which sends them as one unit for the canvas found
//   by its canvas-id in the component or page, and calls back once the view has drawn them.
// Exports and pixels (`canvasToTempFilePath`, `canvasGetImageData`, `canvasPutImageData`)
// are `canvas` host requests the view answers after everything queued before them.

const CANVAS_METHODS = [
  'arc', 'arcTo', 'beginPath', 'bezierCurveTo', 'clearRect', 'clip', 'closePath', 'drawImage',
  'ellipse', 'fill', 'fillRect', 'fillText', 'lineTo', 'moveTo', 'quadraticCurveTo', 'rect',
  'resetTransform', 'restore', 'rotate', 'roundRect', 'save', 'scale', 'setLineDash',
  'setTransform', 'stroke', 'strokeRect', 'strokeText', 'transform', 'translate', 'reset',
];
const CANVAS_PROPS = {
  fillStyle: '#000000', strokeStyle: '#000000', lineWidth: 1, lineCap: 'butt', lineJoin: 'miter',
  miterLimit: 10, lineDashOffset: 0, font: '10px sans-serif', textAlign: 'start',
  textBaseline: 'alphabetic', globalAlpha: 1, globalCompositeOperation: 'source-over',
  shadowBlur: 0, shadowColor: 'rgba(0, 0, 0, 0)', shadowOffsetX: 0, shadowOffsetY: 0,
  imageSmoothingEnabled: true, direction: 'inherit', letterSpacing: '0px',
};

/** Calls waiting for the end of the turn, by canvas node. */
const canvasCalls = new Map();
let canvasHandles = 0;

function canvasRecord(node, call) {
  let list = canvasCalls.get(node);
  if (!list) canvasCalls.set(node, (list = []));
  list.push(call);
}

function flushCanvas() {
  if (canvasCalls.size === 0) return;
  for (const [node, calls] of canvasCalls) post({ t: 'canvas', node, calls });
  canvasCalls.clear();
}

/** A value the view can rebuild: gradients and images travel as handles. */
function canvasArg(v) {
  if (v && typeof v === 'object' && v.__canvasHandle) return { handle: v.__canvasHandle };
  return v;
}

function canvasGradient(node, kind, args) {
  const id = ++canvasHandles;
  canvasRecord(node, ['gradient', id, kind, ...args]);
  return {
    __canvasHandle: id,
    addColorStop(offset, color) {
      canvasRecord(node, ['addColorStop', id, offset, String(color)]);
    },
  };
}

function createContext2D(node, canvas) {
  const state = Object.assign({}, CANVAS_PROPS);
  const ctx = { canvas };
  for (const m of CANVAS_METHODS) {
    ctx[m] = (...args) => {
      canvasRecord(node, [m, ...args.map(canvasArg)]);
    };
  }
  for (const p of Object.keys(CANVAS_PROPS)) {
    Object.defineProperty(ctx, p, {
      get: () => state[p],
      set: (v) => {
        state[p] = v;
        canvasRecord(node, ['=', p, canvasArg(v)]);
      },
      enumerable: true,
    });
  }
  ctx.createLinearGradient = (...a) => canvasGradient(node, 'linear', a);
  ctx.createRadialGradient = (...a) => canvasGradient(node, 'radial', a);
  ctx.createConicGradient = (...a) => canvasGradient(node, 'conic', a);
  ctx.createPattern = (image, repetition) => {
    const id = ++canvasHandles;
    canvasRecord(node, ['pattern', id, canvasArg(image), repetition]);
    return { __canvasHandle: id };
  };
  // Text metrics without a font engine: an estimate from the font (textWidth, below).
  ctx.measureText = (text) => ({ width: textWidth(text, state.font) });
  ctx.isPointInPath = () => false;
  ctx.getLineDash = () => [];
  return ctx;
}

/** The object `fields({node: true})` gives for a `canvas type="2d"`. */
function createCanvasNode(node, size) {
  let width = (size && size.width) || 300;
  let height = (size && size.height) || 150;
  let ctx2d = null;
  const canvas = {
    __coveNode: node,
    get width() { return width; },
    set width(v) { width = Number(v) || 0; canvasRecord(node, ['size', width, height]); },
    get height() { return height; },
    set height(v) { height = Number(v) || 0; canvasRecord(node, ['size', width, height]); },
    getContext(type) {
      if (type !== '2d') return null;
      if (!ctx2d) ctx2d = createContext2D(node, canvas);
      return ctx2d;
    },
    createImage() {
      const id = ++canvasHandles;
      const img = { __canvasHandle: id, onload: null, onerror: null, width: 0, height: 0 };
      let src = '';
      Object.defineProperty(img, 'src', {
        get: () => src,
        set: (v) => {
          src = String(v);
          canvasRecord(node, ['image', id, src]);
          // The view loads it; the service side cannot know when, so it reports success
          // at once, as apps draw in onload.
          setTimeout(() => { if (typeof img.onload === 'function') img.onload(); }, 0);
        },
      });
      return img;
    },
    requestAnimationFrame: (cb) => setTimeout(() => cb(Date.now()), 16),
    cancelAnimationFrame: (id) => clearTimeout(id),
  };
  return canvas;
}

// ---- text metrics without a font engine -----------------------------------------------------
// Helvetica's advance widths (1/1000 em) for ASCII 32..126: close to the sans-serif fonts
// phones draw with. Wide (CJK, full-width, emoji) characters are one em, others average.
const ASCII_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,
  722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278,
  278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

/** CSS `font` shorthand: `[style] [variant] [weight] size[/line-height] [family]`, or null. */
function parseFont(font) {
  const m = /^\s*((?:(?:normal|italic|oblique|small-caps|bold|bolder|lighter|[1-9]00)\s+)*)(\d*\.?\d+)(px|pt|em|rem)?(?:\s*\/\s*\S+)?(?:\s+(.+?))?\s*$/i.exec(String(font));
  if (!m) return null;
  const words = m[1].trim().toLowerCase().split(/\s+/).filter(Boolean);
  const unit = (m[3] || 'px').toLowerCase();
  const size = parseFloat(m[2]) * (unit === 'pt' ? 4 / 3 : unit === 'px' ? 1 : 16);
  return {
    style: words.find((w) => w === 'italic' || w === 'oblique') || 'normal',
    weight: words.find((w) => /^(bold|bolder|lighter|[1-9]00)$/.test(w)) || 'normal',
    size,
    family: m[4] || null,
  };
}

/** The width of `text` in `font`, estimated: what `measureText` answers. */
function textWidth(text, font) {
  const f = parseFont(font) || { size: 10, weight: 'normal' };
  let units = 0;
  for (const ch of String(text)) {
    const c = ch.codePointAt(0);
    if (c >= 32 && c <= 126) units += ASCII_WIDTHS[c - 32];
    else if (c > 0xffff || WIDE.test(ch)) units += 1000;
    else if (c >= 0x20) units += 556;
  }
  const bold = /^(bold|bolder|[6-9]00)$/.test(f.weight) ? 1.06 : 1;
  return Math.round((units / 1000) * f.size * bold * 100) / 100;
}

// ---- the legacy canvas: wx.createCanvasContext(canvasId, component) --------------------------------
// WeChat's CanvasContext (deprecated since base library 2.9.0, still what posters, charts and
// QR codes use): units are CSS px, the canvas is as large as its CSS box (its width/height
// attributes mean nothing), each draw() starts from the default state, and draw(false) clears
// the canvas first. The view draws at the device pixel ratio.

const LEGACY_STATE = {
  fillStyle: '#000000', strokeStyle: '#000000', lineWidth: 1, lineCap: 'butt', lineJoin: 'miter',
  miterLimit: 10, lineDashOffset: 0, globalAlpha: 1, globalCompositeOperation: 'source-over',
  shadowBlur: 0, shadowColor: 'rgba(0, 0, 0, 0)', shadowOffsetX: 0, shadowOffsetY: 0,
  textAlign: 'start', textBaseline: 'alphabetic',
};
const LEGACY_FONT = { style: 'normal', weight: 'normal', size: 10, family: 'sans-serif' };
/** Path and transform calls, recorded as they are. */
const LEGACY_METHODS = [
  'arc', 'arcTo', 'beginPath', 'bezierCurveTo', 'clearRect', 'clip', 'closePath', 'fill', 'fillRect',
  'lineTo', 'moveTo', 'quadraticCurveTo', 'rect', 'rotate', 'scale', 'setTransform', 'stroke',
  'strokeRect', 'transform', 'translate',
];
/** The property forms WeChat documents (`ctx.fillStyle = ...`, base library 1.9.90). */
const LEGACY_PROPS = [
  'fillStyle', 'strokeStyle', 'lineWidth', 'lineCap', 'lineJoin', 'miterLimit', 'lineDashOffset',
  'globalAlpha', 'globalCompositeOperation', 'shadowBlur', 'shadowColor', 'shadowOffsetX',
  'shadowOffsetY',
];

class LegacyGradient {
  constructor(kind, args) {
    this.__kind = kind;
    this.__args = args;
    this.__stops = [];
  }
  addColorStop(offset, color) {
    this.__stops.push([Number(offset), String(color)]);
  }
}
class LegacyPattern {
  constructor(image, repetition) {
    this.__image = String(image);
    this.__repetition = repetition === undefined || repetition === null ? 'repeat' : String(repetition);
  }
}

/** A context's private side: its canvas, where to look for it, its calls and state. */
const legacyContexts = new WeakMap();

function legacyDefaults() {
  return { props: Object.assign({}, LEGACY_STATE), font: Object.assign({}, LEGACY_FONT) };
}
function fontText(f) {
  const parts = [];
  if (f.style !== 'normal') parts.push(f.style);
  if (f.weight !== 'normal') parts.push(f.weight);
  parts.push(`${f.size}px`, f.family);
  return parts.join(' ');
}
/** Drop trailing undefined arguments: `fillText(t, x, y)` has no maxWidth. */
function trimArgs(args) {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n -= 1;
  return args.slice(0, n);
}

function legacyOf(ctx) {
  const c = legacyContexts.get(ctx);
  if (!c) throw new TypeError('Illegal invocation: not a CanvasContext');
  return c;
}
/** A fill or stroke style; gradients and patterns travel whole with each use, as in WeChat. */
function legacyStyle(c, prop, v) {
  c.state.props[prop] = v;
  if (v instanceof LegacyGradient) {
    const id = ++canvasHandles;
    c.calls.push(['gradient', id, v.__kind, ...v.__args]);
    for (const [offset, color] of v.__stops) c.calls.push(['addColorStop', id, offset, color]);
    c.calls.push(['=', prop, { handle: id }]);
  } else if (v instanceof LegacyPattern) {
    const id = ++canvasHandles;
    c.calls.push(['pattern', id, v.__image, v.__repetition]);
    c.calls.push(['=', prop, { handle: id }]);
  } else {
    c.calls.push(['=', prop, String(v)]);
  }
}
function legacyProp(c, prop, v) {
  if (prop === 'fillStyle' || prop === 'strokeStyle') return legacyStyle(c, prop, v);
  c.state.props[prop] = v;
  c.calls.push(['=', prop, v]);
}
function legacyFont(c, f) {
  c.state.font = f;
  c.calls.push(['=', 'font', fontText(f)]);
}

/**
 * WeChat's CanvasContext. Its setters live on the prototype, as in WeChat, so libraries can
 * define their own (ec-canvas turns `ctx.fillStyle = v` into `setFillStyle(v)`).
 */
class CanvasContext {
  constructor(canvasId, scope) {
    legacyContexts.set(this, { canvasId, scope, calls: [], state: legacyDefaults(), saved: [], warned: false });
    this.canvasId = canvasId;
  }
  setFillStyle(color) {
    legacyStyle(legacyOf(this), 'fillStyle', color);
  }
  setStrokeStyle(color) {
    legacyStyle(legacyOf(this), 'strokeStyle', color);
  }
  setLineWidth(w) {
    legacyProp(legacyOf(this), 'lineWidth', w);
  }
  setLineCap(v) {
    legacyProp(legacyOf(this), 'lineCap', v);
  }
  setLineJoin(v) {
    legacyProp(legacyOf(this), 'lineJoin', v);
  }
  setMiterLimit(v) {
    legacyProp(legacyOf(this), 'miterLimit', v);
  }
  setGlobalAlpha(v) {
    legacyProp(legacyOf(this), 'globalAlpha', v);
  }
  setTextAlign(v) {
    legacyProp(legacyOf(this), 'textAlign', v);
  }
  /** `normal` is WeChat's name for the alphabetic baseline. */
  setTextBaseline(v) {
    legacyProp(legacyOf(this), 'textBaseline', v === 'normal' ? 'alphabetic' : v);
  }
  setFontSize(size) {
    const c = legacyOf(this);
    legacyFont(c, Object.assign({}, c.state.font, { size: Number(size) || 0 }));
  }
  setShadow(offsetX, offsetY, blur, color) {
    const c = legacyOf(this);
    legacyProp(c, 'shadowOffsetX', Number(offsetX) || 0);
    legacyProp(c, 'shadowOffsetY', Number(offsetY) || 0);
    legacyProp(c, 'shadowBlur', Number(blur) || 0);
    legacyProp(c, 'shadowColor', color === undefined || color === null ? 'black' : String(color));
  }
  setLineDash(pattern, offset) {
    const c = legacyOf(this);
    c.calls.push(['setLineDash', Array.isArray(pattern) ? pattern.map(Number) : []]);
    legacyProp(c, 'lineDashOffset', Number(offset) || 0);
  }
  get font() {
    return fontText(legacyOf(this).state.font);
  }
  set font(v) {
    const c = legacyOf(this);
    const f = parseFont(v);
    // As a browser canvas does, a font it cannot read changes nothing.
    if (f) legacyFont(c, { style: f.style, weight: f.weight, size: f.size, family: f.family || c.state.font.family });
  }
  save() {
    const c = legacyOf(this);
    c.saved.push({ props: Object.assign({}, c.state.props), font: c.state.font });
    c.calls.push(['save']);
  }
  restore() {
    const c = legacyOf(this);
    if (c.saved.length) c.state = c.saved.pop();
    c.calls.push(['restore']);
  }
  fillText(text, x, y, maxWidth) {
    legacyOf(this).calls.push(trimArgs(['fillText', String(text), x, y, maxWidth]));
  }
  strokeText(text, x, y, maxWidth) {
    legacyOf(this).calls.push(trimArgs(['strokeText', String(text), x, y, maxWidth]));
  }
  /** `imageResource` is a package path, a `wxfile://` file or an http(s) URL. */
  drawImage(imageResource, ...args) {
    const src = typeof imageResource === 'string' ? imageResource : canvasArg(imageResource);
    legacyOf(this).calls.push(trimArgs(['drawImage', src, ...args]));
  }
  measureText(text) {
    return { width: textWidth(text, this.font) };
  }
  createLinearGradient(x0, y0, x1, y1) {
    return new LegacyGradient('linear', [x0, y0, x1, y1]);
  }
  createCircularGradient(x, y, r) {
    return new LegacyGradient('radial', [x, y, 0, x, y, r]);
  }
  createPattern(image, repetition) {
    return new LegacyPattern(image, repetition);
  }
  /** The calls recorded since the last draw (for `wx.drawCanvas`), which it forgets. */
  getActions() {
    const c = legacyOf(this);
    const calls = c.calls;
    c.calls = [];
    return calls;
  }
  clearActions() {
    legacyOf(this).calls = [];
  }
  /**
   * Send what was recorded as one unit: `reserve` false clears the canvas first; the state
   * (styles, transform, clip) starts from the defaults either way. `callback` runs once the
   * view has drawn it (at once, later in the turn, where no view answers).
   */
  draw(reserve, callback) {
    if (typeof reserve === 'function' && callback === undefined) {
      callback = reserve;
      reserve = false;
    }
    const c = legacyOf(this);
    const calls = c.calls;
    c.calls = [];
    c.state = legacyDefaults();
    c.saved = [];
    const node = legacyNode(c.canvasId, c.scope, c.warned ? null : 'CanvasContext.draw');
    if (!node) c.warned = true;
    legacyDraw(node, !!reserve, calls).then(() => {
      if (typeof callback === 'function') safe(() => callback());
    });
  }
}
for (const m of LEGACY_METHODS) {
  CanvasContext.prototype[m] = function (...args) {
    legacyOf(this).calls.push(trimArgs([m, ...args]));
  };
}
for (const p of LEGACY_PROPS) {
  Object.defineProperty(CanvasContext.prototype, p, {
    get() {
      return legacyOf(this).state.props[p];
    },
    set(v) {
      legacyProp(legacyOf(this), p, v);
    },
    configurable: true,
  });
}

/** Where a legacy canvas is looked for: the component given (`this`), else the top page. */
function legacyScope(component) {
  const comp = component && component._$;
  if (comp && ge.Component.isComponent(comp)) return comp;
  const top = stack[stack.length - 1];
  return top && top.caller ? top.caller._$ : null;
}

function scopeName(scope) {
  if (!scope) return 'no page';
  return stack.some((p) => p.caller && p.caller._$ === scope) ? `page ${scope.is}` : `component ${scope.is}`;
}

/**
 * The view's node of `<canvas canvas-id="id">` in the scope's own template (WeChat does not
 * look inside other custom components), if it is on a page now. `warnFor` names the call to
 * blame in the console when it is not found.
 */
function legacyNode(canvasId, scope, warnFor) {
  const root = scope && typeof scope.getShadowRoot === 'function' ? scope.getShadowRoot() : null;
  const id = String(canvasId);
  const walk = (nodes) => {
    for (const n of nodes) {
      if (ge.TextNode.isTextNode(n)) continue;
      if (ge.NativeNode.isNativeNode(n) && n.is === 'canvas' && String(n.getAttribute('canvas-id')) === id) return n;
      const found = n.childNodes ? walk(n.childNodes) : null;
      if (found) return found;
    }
    return null;
  };
  const el = root ? walk(root.childNodes) : null;
  const node = el && ge.Element.isAttached(el) && el.$$ ? el.$$.__id : null;
  if (!node && warnFor) {
    console.warn(`${warnFor}: no <canvas canvas-id="${id}"> in ${scopeName(scope)} (without a component as its second argument, createCanvasContext looks in the page only, not inside custom components)`);
  }
  return node || null;
}

/** One legacy unit to the view; resolves once the view has drawn it (or cannot). */
function legacyDraw(node, reserve, calls) {
  if (!node) return Promise.resolve();
  canvasRecord(node, ['draw', reserve]);
  for (const call of calls) canvasRecord(node, call);
  flushOps();
  flushCanvas();
  return hostRequest('canvas', { node, op: 'drawn' }).then(
    () => {},
    () => {},
  );
}

/** `wx.createCanvasContext(canvasId, component)`. */
function createCanvasContext(canvasId, component) {
  return new CanvasContext(String(canvasId), legacyScope(component));
}

/** `wx.createContext()`: the oldest API, a context for `wx.drawCanvas` (not typed). */
function createContext() {
  return new CanvasContext(null, null);
}

/** `wx.drawCanvas({canvasId, actions, reserve})`, with the actions of `getActions()`. */
async function drawCanvas(o, component) {
  if (typeof o.canvasId !== 'string' && typeof o.canvasId !== 'number') throw new WxFail('fail parameter error: parameter.canvasId should be String');
  const actions = Array.isArray(o.actions) ? o.actions.filter((a) => Array.isArray(a) && typeof a[0] === 'string') : [];
  const scope = legacyScope(component);
  const node = legacyNode(o.canvasId, scope, null);
  if (!node) throw new WxFail(`fail canvas is empty: no <canvas canvas-id="${o.canvasId}"> in ${scopeName(scope)}`);
  await legacyDraw(node, !!o.reserve, actions);
}

/** The canvas a pixel API names: a 2D node (`canvas`) or a legacy `canvasId`. */
function pixelTarget(o, component) {
  if (o.canvasId !== undefined && o.canvasId !== null && o.canvasId !== '') {
    const scope = legacyScope(component);
    const node = legacyNode(o.canvasId, scope, null);
    if (!node) throw new WxFail(`fail canvas is empty: no <canvas canvas-id="${o.canvasId}"> in ${scopeName(scope)}`);
    return { node, name: `canvas "${o.canvasId}"` };
  }
  if (o.canvas && o.canvas.__coveNode) return { node: o.canvas.__coveNode, name: 'the canvas' };
  if (o.canvas) throw new WxFail('fail canvas is not the node of a canvas type="2d" (from a SelectorQuery)');
  throw new WxFail('fail parameter error: parameter.canvasId should be String (or canvas, the node of a canvas type="2d")');
}

function numberArg(o, name, required) {
  const v = o[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new WxFail(`fail parameter error: parameter.${name} should be Number instead of ${v === null ? 'Null' : typeof v === 'string' ? 'String' : v === undefined ? 'Undefined' : typeof v};`);
  }
  return v;
}

/**
 * `wx.canvasToTempFilePath({canvas | canvasId, ...}, component)`: the view renders what was
 * drawn (the calls of this turn go first) and the pixels come back as a temp file. For a
 * legacy canvas, x/y/width/height are CSS px and destWidth/destHeight default to them times
 * the pixel ratio, as in WeChat.
 */
async function canvasToTempFile(o, component) {
  const { node, name } = pixelTarget(o, component);
  flushOps();
  flushCanvas();
  const fileType = o.fileType === 'jpg' ? 'jpg' : 'png';
  const r = await hostRequest('canvas', {
    node, op: 'snapshot', x: o.x, y: o.y, width: o.width, height: o.height,
    destWidth: o.destWidth, destHeight: o.destHeight, fileType, quality: o.quality,
    ratio: systemInfo.pixelRatio,
  });
  if (r === null || r === undefined) throw new WxFail(`fail ${name} cannot be exported: this host has no view that draws it`);
  const m = /^data:[^,;]+;base64,(.*)$/.exec(r.dataURL || '');
  if (!m) throw new WxFail('fail the canvas could not be exported');
  return nativeCall('fs', { method: 'writeTemp', args: { data: m[1], encoding: 'base64', ext: fileType } });
}

/** `wx.canvasGetImageData({canvasId, x, y, width, height}, component)`: CSS px, RGBA. */
async function canvasGetImageData(o, component) {
  const args = { x: numberArg(o, 'x', true), y: numberArg(o, 'y', true), width: numberArg(o, 'width', true), height: numberArg(o, 'height', true) };
  const { node, name } = pixelTarget(o, component);
  flushOps();
  flushCanvas();
  const r = await hostRequest('canvas', Object.assign({ node, op: 'imageData' }, args));
  if (r === null || r === undefined) throw new WxFail(`fail ${name} has no pixels here: this host has no view that draws it`);
  return { width: r.width, height: r.height, data: new Uint8ClampedArray(r.data instanceof ArrayBuffer ? r.data : 0) };
}

/** `wx.canvasPutImageData({canvasId, data, x, y, width, height}, component)`. */
async function canvasPutImageData(o, component) {
  const width = numberArg(o, 'width', true);
  const x = numberArg(o, 'x', true);
  const y = numberArg(o, 'y', true);
  const data = o.data;
  if (!(data instanceof Uint8ClampedArray || data instanceof Uint8Array || data instanceof ArrayBuffer)) {
    throw new WxFail('fail parameter error: parameter.data should be Uint8ClampedArray');
  }
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const w = Math.floor(width);
  const height = o.height === undefined ? (w > 0 ? Math.floor(bytes.length / 4 / w) : 0) : Math.floor(numberArg(o, 'height', false));
  if (!(w > 0 && height > 0) || bytes.length < w * height * 4) {
    throw new WxFail(`fail parameter error: data holds ${bytes.length} bytes, not width * height * 4 = ${w * height * 4}`);
  }
  const { node } = pixelTarget(o, component);
  flushOps();
  flushCanvas();
  // Where no view draws (cove check, tests), there is nothing to put the pixels on.
  await hostRequest('canvas', { node, op: 'putImageData', x, y, width: w, height, data: bytes.slice(0, w * height * 4) });
}
