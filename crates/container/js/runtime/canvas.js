// `canvas type="2d"` on the service side: the node a SelectorQuery returns for a canvas is a
// recorder. Drawing calls are buffered and sent to the view once per turn as
// {t: 'canvas', node, calls}; the view replays them on the real 2D context. Reading pixels
// back (getImageData, toDataURL) would need a round trip and is not offered.

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
  // Text metrics without a font engine: an estimate from the font size.
  ctx.measureText = (text) => {
    const size = parseFloat(/(\d+(\.\d+)?)px/.exec(state.font)?.[1] || '10');
    return { width: String(text).length * size * 0.6 };
  };
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

/**
 * `wx.canvasToTempFilePath({canvas})` for a `canvas type="2d"`: the view renders what was
 * drawn (the calls of this turn go first) and the pixels come back as a temp file.
 */
async function canvasToTempFile(o) {
  const node = o.canvas && o.canvas.__coveNode;
  if (!node) throw new WxFail('fail canvas is required: pass the node of a canvas type="2d" (canvasId canvases are not supported)');
  flushOps();
  flushCanvas();
  const fileType = o.fileType === 'jpg' ? 'jpg' : 'png';
  const r = await hostRequest('canvas', {
    node, op: 'snapshot', x: o.x, y: o.y, width: o.width, height: o.height,
    destWidth: o.destWidth, destHeight: o.destHeight, fileType, quality: o.quality,
  });
  const m = /^data:[^,;]+;base64,(.*)$/.exec((r && r.dataURL) || '');
  if (!m) throw new WxFail('fail the canvas could not be exported');
  return nativeCall('fs', { method: 'writeTemp', args: { data: m[1], encoding: 'base64', ext: fileType } });
}
