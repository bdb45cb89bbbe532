// Cove container runtime: runs inside QuickJS after glass-easel and its mini-program adapter.
//
// It gives glass-easel a *composed backend* that draws nothing: every backend call appends
// one operation to `ops`, and the view replays them. Node ids are numbers; the root is 0.
//
// Ops (each an array, first item the kind):
//   ["create", id, tag, stylingName]   ["createText", id, text]   ["createFragment", id]
//   ["append", parent, child]          ["remove", parent, child]
//   ["insert", parent, child, before]  ["replace", parent, child, old]
//   ["spliceBefore", parent, before, deleteCount, fragment]
//   ["spliceAppend", parent, fragment] ["spliceRemove", parent, before, deleteCount]
//   ["text", id, text]                 ["id", id, value]
//   ["attr", id, name, value]          ["removeAttr", id, name]
//   ["class", id, name, scope]         ["removeClass", id, name, scope]   ["clearClasses", id]
//   ["style", id, cssText]             ["styleScope", id, scope, extraScope, hostScope]
//   ["listen", id, type, capture, mutLevel]   ["release", id]
//   ["styleSheet", path, scope, sheetIndex]   ["disableStyleSheet", sheetIndex]
//
// Globals it defines: `__cove` (internal), `coveRender`, `coveCall`.
/* global glassEasel, glassEaselMiniprogramAdapter */
'use strict';

(function (global) {
  const ge = global.glassEasel;
  const adapter = global.glassEaselMiniprogramAdapter;

  /** @type {unknown[][]} */
  let ops = [];
  let nextId = 1;

  // ---- timers: STUB, to be replaced by host timers driven from Rust ------------------------
  // Without a host event loop the callbacks run as promise jobs, which the instance drains
  // after every call. Delays are ignored.
  if (typeof global.setTimeout !== 'function') {
    let timerId = 0;
    const cancelled = new Set();
    global.setTimeout = function (fn, _ms, ...args) {
      const id = ++timerId;
      Promise.resolve().then(() => {
        if (!cancelled.delete(id)) fn(...args);
      });
      return id;
    };
    global.clearTimeout = function (id) {
      cancelled.add(id);
    };
  }

  // ---- console: STUB, collects lines for the Rust side --------------------------------------
  const logs = [];
  if (typeof global.console !== 'object') {
    const log = (level) => (...args) => {
      logs.push([level, args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ')]);
    };
    global.console = {
      log: log('log'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      debug: log('debug'),
    };
  }
  function safeJson(v) {
    try {
      return JSON.stringify(v);
    } catch (_e) {
      return String(v);
    }
  }

  // ---- composed backend ----------------------------------------------------------------------
  class Node {
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
      ops.push([
        'styleScope',
        this.__id,
        styleScope,
        extraStyleScope === undefined ? null : extraStyleScope,
        hostStyleScope === undefined ? null : hostStyleScope,
      ]);
    }
    setStyle(styleText) {
      ops.push(['style', this.__id, styleText]);
    }
    addClass(name, styleScope) {
      ops.push(['class', this.__id, name, styleScope === undefined ? null : styleScope]);
    }
    removeClass(name, styleScope) {
      ops.push(['removeClass', this.__id, name, styleScope === undefined ? null : styleScope]);
    }
    clearClasses() {
      ops.push(['clearClasses', this.__id]);
    }
    setAttribute(name, value) {
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
    setModelBindingStat(_attributeName, _listener) {}
    associateValue(v) {
      this.__wxElement = v;
      elements.set(this.__id, v);
    }
    release() {
      elements.delete(this.__id);
      ops.push(['release', this.__id]);
    }
    // Layout queries: STUB, answered with zeros until the view can answer them.
    getBoundingClientRect(cb) {
      setTimeout(() => cb({ left: 0, top: 0, width: 0, height: 0 }), 0);
    }
    getScrollOffset(cb) {
      setTimeout(() => cb({ scrollLeft: 0, scrollTop: 0, scrollWidth: 0, scrollHeight: 0 }), 0);
    }
    createIntersectionObserver(_rel, _margin, _thresholds, _listener) {
      return { disconnect() {} };
    }
    getContext(cb) {
      cb(null);
    }
  }

  /** glass-easel elements by backend node id, for event dispatch. */
  const elements = new Map();
  const rootNode = new Node(0);
  let eventListener = null;
  let sheetIndex = 0;

  const backend = {
    mode: ge.BackendMode.Composed,
    destroy() {},
    getWindowWidth: () => 375,
    getWindowHeight: () => 667,
    getDevicePixelRatio: () => 2,
    getTheme: () => 'light',
    registerStyleSheetContent(_path, _content) {},
    appendStyleSheetPath(path, styleScope) {
      sheetIndex += 1;
      ops.push(['styleSheet', path, styleScope === undefined ? null : styleScope, sheetIndex]);
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
      const id = nextId++;
      ops.push(['create', id, tagName, stylingName]);
      return new Node(id);
    },
    createTextNode(text) {
      const id = nextId++;
      ops.push(['createText', id, text]);
      return new Node(id);
    },
    createFragment() {
      const id = nextId++;
      ops.push(['createFragment', id]);
      return new Node(id);
    },
    onEvent(listener) {
      eventListener = listener;
    },
    createMediaQueryObserver(_status, _listener) {
      return { disconnect() {} };
    },
  };

  // ---- CommonJS modules, from the package manifest's module index ---------------------------
  /** @type {Map<string, {deps: Record<string,string>, factory: Function, module?: {exports: any}}>} */
  const modules = new Map();

  function defineModule(id, deps, factory) {
    modules.set(id, { deps, factory });
  }

  function requireModule(id) {
    const m = modules.get(id);
    if (!m) throw new Error('no such module: ' + id);
    if (m.module) return m.module.exports;
    const module = { exports: {} };
    m.module = module;
    const req = (specifier) => {
      const target = m.deps[specifier];
      if (target === undefined) throw new Error(`module ${id}: unresolved require("${specifier}")`);
      return requireModule(target);
    };
    m.factory.call(module.exports, req, module, module.exports);
    return module.exports;
  }

  // ---- wx / getApp: STUBS, to be replaced by the real wx bridge -----------------------------
  const appInstance = { globalData: {} };
  global.getApp = () => appInstance;
  global.getCurrentPages = () => (current ? [current.root.get()] : []);
  const storage = new Map();
  const noop = () => {};
  global.wx = {
    __stub: true,
    setNavigationBarTitle: noop,
    showToast: noop,
    showModal: noop,
    showLoading: noop,
    hideLoading: noop,
    navigateTo: noop,
    redirectTo: noop,
    navigateBack: noop,
    switchTab: noop,
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => {
      storage.set(k, v);
    },
    removeStorageSync: (k) => {
      storage.delete(k);
    },
    getSystemInfoSync: () => ({ windowWidth: 375, windowHeight: 667, pixelRatio: 2 }),
  };

  // ---- app loading and rendering -------------------------------------------------------------
  // Write `id="…"` through to the backend (`setId`), so the view can match `#id` selectors
  // and find nodes. glass-easel's default is not to.
  ge.globalOptions.writeIdToDOM = true;
  const env = new adapter.MiniProgramEnv();
  const codeSpace = env.createCodeSpace('', true);
  const associated = env.associateBackend(backend);
  /** @type {null | {path: string, root: any}} */
  let current = null;

  /**
   * Register every unit (page or component) of a compiled app.
   * @param {Record<string, any>} templateGroup the `G` object of wxml.js
   * @param {Record<string, any>} units unit path -> its `<unit>.json` config
   */
  function load(templateGroup, units) {
    const paths = Object.keys(units);
    for (const path of paths) {
      const config = units[path];
      codeSpace.addComponentStaticConfig(path, config);
      if (config.style || config.styleScope) {
        codeSpace.addStyleSheet(path, config.style, config.styleScope);
      }
      if (templateGroup[path]) {
        codeSpace.addCompiledTemplate(path, {
          groupList: templateGroup,
          content: templateGroup[path],
          // The 0.12.1 template compiler only parses `bind:tap`; legacy `bindtap` reaches the
          // runtime as a plain attribute, and this makes glass-easel treat it as a listener.
          fallbackListenerOnNativeNode: true,
        });
      }
    }
    // Components first, so that pages find their definitions already registered.
    const order = paths.filter((p) => units[p].component).concat(paths.filter((p) => !units[p].component));
    for (const path of order) {
      if (modules.has(path + '.js')) {
        codeSpace.globalComponentEnv(global, path, () => requireModule(path + '.js'));
      }
    }
  }

  /** Create and attach a page; returns the ops it produced. */
  function render(pagePath, query) {
    ops = [];
    const url = query ? pagePath + '?' + query : pagePath;
    const root = associated.createRoot('body', codeSpace, url);
    current = { path: pagePath, root };
    // Page functions are methods in the adapter; the host calls the page lifetimes.
    // onLoad runs before attach, as in WeChat, so its setData is part of the first render
    // (it still costs update ops: the shadow tree already exists after createRoot).
    const caller = root.get();
    if (typeof caller.onLoad === 'function') caller.onLoad(parseQuery(query));
    const placeholder = backend.createElement('placeholder', 'placeholder');
    rootNode.appendChild(placeholder);
    root.attach(rootNode, placeholder);
    if (typeof caller.onShow === 'function') caller.onShow();
    if (typeof caller.onReady === 'function') caller.onReady();
    return takeOps();
  }

  function parseQuery(query) {
    const out = {};
    if (!query) return out;
    for (const part of query.split('&')) {
      if (!part) continue;
      const i = part.indexOf('=');
      const k = i < 0 ? part : part.slice(0, i);
      out[decodeURIComponent(k)] = i < 0 ? '' : decodeURIComponent(part.slice(i + 1));
    }
    return out;
  }

  /** Call a method of the current page; returns the ops its setData calls produced. */
  function call(method, ...args) {
    if (!current) throw new Error('no page rendered');
    ops = [];
    const caller = current.root.get();
    if (typeof caller[method] !== 'function') {
      throw new Error(`page ${current.path} has no method ${method}`);
    }
    caller[method](...args);
    return takeOps();
  }

  /**
   * Deliver a view event to the node with backend id `nodeId`; returns the ops it produced.
   * @param {number} nodeId
   * @param {string} type e.g. "tap"
   * @param {unknown} detail
   */
  function dispatch(nodeId, type, detail) {
    const target = elements.get(nodeId);
    if (!target) throw new Error('no element with node id ' + nodeId);
    ops = [];
    // glass-easel never calls the composed backend's `onEvent`; the host dispatches itself.
    ge.triggerEvent(target, type, detail, { bubbles: true, composed: true });
    return takeOps();
  }

  function takeOps() {
    const out = ops;
    ops = [];
    return out;
  }

  global.__cove = {
    defineModule,
    require: requireModule,
    load,
    render,
    call,
    dispatch,
    takeOps,
    logs,
    elements,
    get eventListener() {
      return eventListener;
    },
  };
  global.coveRender = (templateGroup, pagePath, units) => {
    load(templateGroup, units);
    return render(pagePath);
  };
  global.coveCall = call;
})(globalThis);
