// The composed backend: glass-easel draws through it, and it draws nothing. Every call
// becomes one operation for the view (docs/protocol.md lists them). Node ids are numbers,
// unique within an app; page host nodes are created by the router, not appended to 0.

/** What the turn drew; prototype-less arrays, see `intrinsics.js`. @type {unknown[][]} */
let ops = opList();
/** Queue one op for the view. */
function pushOp(op) {
  $setPrototypeOf(op, null);
  append(ops, op);
}
let nextNodeId = 1;
/** glass-easel elements by node id, for events from the view. */
const elements = new $Map();
/** `model:` bindings by node id and attribute, for values the view changes. */
const modelListeners = new $Map();
/** Layout answers the view owes us, by request id. */
let layoutSeq = 0;

class BackendNode {
  /** @param {number} id */
  constructor(id) {
    this.__id = id;
  }
  appendChild(child) {
    pushOp(['append', this.__id, child.__id]);
  }
  removeChild(child, _index) {
    pushOp(['remove', this.__id, child.__id]);
  }
  insertBefore(child, before, _index) {
    pushOp(['insert', this.__id, child.__id, before ? before.__id : null]);
  }
  replaceChild(child, oldChild, _index) {
    pushOp(['replace', this.__id, child.__id, oldChild ? oldChild.__id : null]);
  }
  spliceBefore(before, deleteCount, list) {
    pushOp(['spliceBefore', this.__id, before.__id, deleteCount, list.__id]);
  }
  spliceAppend(list) {
    pushOp(['spliceAppend', this.__id, list.__id]);
  }
  spliceRemove(before, deleteCount) {
    pushOp(['spliceRemove', this.__id, before.__id, deleteCount]);
  }
  setId(id) {
    pushOp(['id', this.__id, id]);
  }
  setStyleScope(styleScope, extraStyleScope, hostStyleScope) {
    pushOp(['styleScope', this.__id, scopePrefix(styleScope), scopePrefix(extraStyleScope), scopePrefix(hostStyleScope)]);
  }
  setStyle(styleText) {
    pushOp(['style', this.__id, styleText]);
  }
  addClass(name, styleScope) {
    pushOp(['class', this.__id, name, scopePrefix(styleScope)]);
  }
  removeClass(name, styleScope) {
    pushOp(['removeClass', this.__id, name, scopePrefix(styleScope)]);
  }
  clearClasses() {
    pushOp(['clearClasses', this.__id]);
  }
  setAttribute(name, value) {
    // rich-text HTML is parsed here (html5ever, natively): the view never parses HTML.
    if (name === 'nodes' && typeof value === 'string' && this.__tag === 'rich-text') {
      value = nativeCall('html', { html: value });
    }
    pushOp(['attr', this.__id, name, value === undefined ? null : value]);
  }
  removeAttribute(name) {
    pushOp(['removeAttr', this.__id, name]);
  }
  setText(content) {
    pushOp(['text', this.__id, content]);
  }
  setListenerStats(type, capture, mutLevel) {
    pushOp(['listen', this.__id, type, capture, mutLevel]);
  }
  setModelBindingStat(attributeName, listener) {
    let m = $mapGet(modelListeners, this.__id);
    if (!m) $mapSet(modelListeners, this.__id, (m = new $Map()));
    $mapSet(m, attributeName, listener);
    pushOp(['model', this.__id, attributeName]);
  }
  associateValue(v) {
    $mapSet(elements, this.__id, v);
  }
  release() {
    $mapDelete(elements, this.__id);
    $mapDelete(modelListeners, this.__id);
    pushOp(['release', this.__id]);
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
    $mapSet(intersectionListeners, id, listener);
    pushOp(['observe', id, this.__id, relativeTo ? relativeTo.__id : null, margin, thresholds]);
    return {
      disconnect() {
        $mapDelete(intersectionListeners, id);
        pushOp(['unobserve', id]);
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

const intersectionListeners = new $Map();

/** The class prefix of a style scope (the compiled CSS has `.<prefix>--<name>`); null for the shared scope. */
function scopePrefix(scope) {
  if (scope === undefined || scope === null) return null;
  return codeSpace.getComponentSpace().styleScopeManager.queryName(scope) || null;
}

function orNull(v) {
  return v === undefined ? null : v;
}

function askLayout(node, what, cb, headless) {
  $then(
    hostRequest('layout', { node, what }),
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
    pushOp(['styleSheet', path, scopePrefix(styleScope), sheetIndex]);
    return sheetIndex;
  },
  disableStyleSheet(index) {
    pushOp(['disableStyleSheet', index]);
  },
  render(cb) {
    setTimeout(() => cb(null), 0);
  },
  getRootNode: () => rootNode,
  createElement(tagName, stylingName) {
    const id = nextNodeId++;
    pushOp(['create', id, tagName, stylingName]);
    const node = new BackendNode(id);
    node.__tag = tagName;
    return node;
  },
  createTextNode(text) {
    const id = nextNodeId++;
    pushOp(['createText', id, text]);
    return new BackendNode(id);
  },
  createFragment() {
    const id = nextNodeId++;
    pushOp(['createFragment', id]);
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
    const msg = record();
    msg.t = 'ops';
    msg.ops = ops;
    ops = opList();
    post(msg);
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
