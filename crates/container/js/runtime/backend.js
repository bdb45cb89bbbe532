// The composed backend: glass-easel draws through it, and it draws nothing. Every call
// becomes one operation for the view (docs/protocol.md lists them). Node ids are numbers,
// unique within an app; page host nodes are created by the router, not appended to 0.

/** @type {unknown[][]} */
let ops = [];
let nextNodeId = 1;
/** glass-easel elements by node id, for events from the view. */
const elements = new Map();
/** `model:` bindings by node id and attribute, for values the view changes. */
const modelListeners = new Map();
/** Layout answers the view owes us, by request id. */
let layoutSeq = 0;

class BackendNode {
  /** @param {number} id */
  constructor(id) {
    this.__id = id;
  }
  appendChild(child) {
    ops.push(['append', this.__id, child.__id]);
  }
  removeChild(child, _index) {
    ops.push(['remove', this.__id, child.__id]);
  }
  insertBefore(child, before, _index) {
    ops.push(['insert', this.__id, child.__id, before ? before.__id : null]);
  }
  replaceChild(child, oldChild, _index) {
    ops.push(['replace', this.__id, child.__id, oldChild ? oldChild.__id : null]);
  }
  spliceBefore(before, deleteCount, list) {
    ops.push(['spliceBefore', this.__id, before.__id, deleteCount, list.__id]);
  }
  spliceAppend(list) {
    ops.push(['spliceAppend', this.__id, list.__id]);
  }
  spliceRemove(before, deleteCount) {
    ops.push(['spliceRemove', this.__id, before.__id, deleteCount]);
  }
  setId(id) {
    ops.push(['id', this.__id, id]);
  }
  setStyleScope(styleScope, extraStyleScope, hostStyleScope) {
    ops.push(['styleScope', this.__id, scopePrefix(styleScope), scopePrefix(extraStyleScope), scopePrefix(hostStyleScope)]);
  }
  setStyle(styleText) {
    ops.push(['style', this.__id, styleText]);
  }
  addClass(name, styleScope) {
    ops.push(['class', this.__id, name, scopePrefix(styleScope)]);
  }
  removeClass(name, styleScope) {
    ops.push(['removeClass', this.__id, name, scopePrefix(styleScope)]);
  }
  clearClasses() {
    ops.push(['clearClasses', this.__id]);
  }
  setAttribute(name, value) {
    // rich-text HTML is parsed here (html5ever, natively): the view never parses HTML.
    if (name === 'nodes' && typeof value === 'string' && this.__tag === 'rich-text') {
      value = nativeCall('html', { html: value });
    }
    ops.push(['attr', this.__id, name, value === undefined ? null : value]);
  }
  removeAttribute(name) {
    ops.push(['removeAttr', this.__id, name]);
  }
  setText(content) {
    ops.push(['text', this.__id, content]);
  }
  setListenerStats(type, capture, mutLevel) {
    ops.push(['listen', this.__id, type, capture, mutLevel]);
  }
  setModelBindingStat(attributeName, listener) {
    let m = modelListeners.get(this.__id);
    if (!m) modelListeners.set(this.__id, (m = new Map()));
    m.set(attributeName, listener);
    ops.push(['model', this.__id, attributeName]);
  }
  associateValue(v) {
    elements.set(this.__id, v);
  }
  release() {
    elements.delete(this.__id);
    modelListeners.delete(this.__id);
    ops.push(['release', this.__id]);
  }
  // Layout lives in the view: ask it, and answer when it replies (or zeros headless).
  getBoundingClientRect(cb) {
    askLayout(this.__id, 'rect', cb, { left: 0, top: 0, width: 0, height: 0 });
  }
  getScrollOffset(cb) {
    askLayout(this.__id, 'scroll', cb, { scrollLeft: 0, scrollTop: 0, scrollWidth: 0, scrollHeight: 0 });
  }
  createIntersectionObserver(relativeTo, margin, thresholds, listener) {
    const id = ++layoutSeq;
    intersectionListeners.set(id, listener);
    ops.push(['observe', id, this.__id, relativeTo ? relativeTo.__id : null, margin, thresholds]);
    return {
      disconnect() {
        intersectionListeners.delete(id);
        ops.push(['unobserve', id]);
      },
    };
  }
  getContext(cb) {
    const id = this.__id;
    // A host that lays nothing out (no view) still gives a canvas its node, at the size of a
    // canvas without CSS, so code that draws at load runs as on a phone (its drawing goes
    // nowhere).
    const headless = this.__tag === 'canvas' ? { kind: 'canvas', width: 300, height: 150 } : null;
    askLayout(id, 'context', (r) => cb(r && r.kind === 'canvas' ? createCanvasNode(id, r) : r), headless);
  }
}

const intersectionListeners = new Map();

/** The class prefix of a style scope (the compiled CSS has `.<prefix>--<name>`); null for the shared scope. */
function scopePrefix(scope) {
  if (scope === undefined || scope === null) return null;
  return codeSpace.getComponentSpace().styleScopeManager.queryName(scope) || null;
}

function orNull(v) {
  return v === undefined ? null : v;
}

function askLayout(node, what, cb, headless) {
  hostRequest('layout', { node, what }).then(
    (r) => cb(r === undefined || r === null ? headless : r),
    () => cb(headless),
  );
}

const rootNode = new BackendNode(0);
let sheetIndex = 0;

const backend = {
  mode: ge.BackendMode.Composed,
  destroy() {},
  getWindowWidth: () => systemInfo.windowWidth,
  getWindowHeight: () => systemInfo.windowHeight,
  getDevicePixelRatio: () => systemInfo.pixelRatio,
  getTheme: () => appTheme(),
  registerStyleSheetContent(_path, _content) {},
  appendStyleSheetPath(path, styleScope) {
    sheetIndex += 1;
    ops.push(['styleSheet', path, scopePrefix(styleScope), sheetIndex]);
    return sheetIndex;
  },
  disableStyleSheet(index) {
    ops.push(['disableStyleSheet', index]);
  },
  render(cb) {
    setTimeout(() => cb(null), 0);
  },
  getRootNode: () => rootNode,
  createElement(tagName, stylingName) {
    const id = nextNodeId++;
    ops.push(['create', id, tagName, stylingName]);
    const node = new BackendNode(id);
    node.__tag = tagName;
    return node;
  },
  createTextNode(text) {
    const id = nextNodeId++;
    ops.push(['createText', id, text]);
    return new BackendNode(id);
  },
  createFragment() {
    const id = nextNodeId++;
    ops.push(['createFragment', id]);
    return new BackendNode(id);
  },
  onEvent(_listener) {},
  createMediaQueryObserver(_status, _listener) {
    return { disconnect() {} };
  },
};

/** Send what the turn drew as one batch. */
function flushOps() {
  if (ops.length > 0) {
    const batch = ops;
    ops = [];
    post({ t: 'ops', ops: batch });
  }
  pace();
}

// The bridge paces what reaches the view (src/pacer.rs): what it holds back leaves when
// `pace()` is called again, at the latest after the delay it answers. The timer is the
// runtime's own, taken before app code runs.
const paceTimer = global.setTimeout;
let paceArmed = false;
function pace() {
  const ms = native.pace();
  if (ms < 0 || paceArmed) return;
  paceArmed = true;
  paceTimer(() => {
    paceArmed = false;
    pace();
  }, ms);
}
