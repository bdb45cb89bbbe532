// Cove's compatibility oracle: renders ONE compiled template with glass-easel and returns the
// tree in the shape of WeChat's `$gwx(path)(data)` (the official wcc's render function):
//
//   {tag: "wx-page", children: [{tag: "wx-view", attr: {...}, children: [...]}, "text", ...]}
//
// It runs inside QuickJS after glass-easel (`globalThis.glassEasel`), in an instance of its own.
// The template becomes the only component of a fresh component space, with no
// `usingComponents`, so every tag (custom components included) is a plain native node and
// stays unexpanded, as it does in wcc's tree.
//
// glass-easel's template engine does the rendering. The oracle only watches the calls the
// compiled template makes on glass-easel's `ProcGenWrapper` (`R.c` class, `R.y` style, `R.r`
// attribute, `R.d` dataset, `R.m` mark, `R.v` event, `R.i` id, ...) to keep every attribute
// value as the template computed it (JSON type included), then walks glass-easel's shadow tree:
// virtual nodes (`wx:if`, `wx:for`, `<block>`, `<template is>`, `<include>`) are flattened
// into their parent as wcc does, `<slot>` stays an element (`wx-slot`), text nodes are strings.
//
// Attribute names follow wcc: a plain name is camelCased (`hover-class` -> `hoverClass`),
// prefixed names keep their prefix (`bind:tap`, `catch:tap`, `capture-bind:tap`, `mark:x`,
// `change:x`, `worklet:x`, `extra-attr:x`), `data-*` keep the dash form of the dataset key.
//
// It also evaluates a unit's JS with stub `Page`/`Component`/`Behavior` to find the initial
// data the unit declares (its `data` plus property defaults, behaviors merged).
//
// Globals it defines: `__oracle`.
/* global glassEasel */
'use strict';

(function (global) {
  const ge = global.glassEasel;

  /** Messages glass-easel and app code print, returned with each render. */
  let logs = [];
  const stringify = (a) => {
    if (typeof a === 'string') return a;
    if (a instanceof Error) return String(a) + (a.stack ? '\n' + a.stack : '');
    try {
      return JSON.stringify(a);
    } catch (_e) {
      return String(a);
    }
  };
  const log =
    (level) =>
    (...args) => {
      logs.push(level + ': ' + args.map(stringify).join(' '));
    };
  // The oracle's own instance: what is printed belongs to the render that printed it.
  global.console = {
    log: log('log'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
    trace: log('debug'),
  };
  if (typeof global.setTimeout !== 'function') {
    // glass-easel's render callbacks; the oracle never waits for them.
    global.setTimeout = (fn, _ms, ...args) => {
      Promise.resolve().then(() => fn(...args));
      return 0;
    };
    global.clearTimeout = () => {};
  }

  ge.addGlobalErrorListener((err) => {
    logs.push('error: ' + stringify(err));
    return false;
  });
  ge.addGlobalWarningListener((msg) => {
    logs.push('warning: ' + msg);
    return false;
  });

  // ---- recording what the template sets on each node ------------------------------------------
  const REC = Symbol('oracle');
  const GENERICS = Symbol('oracleGenerics');

  /** The record of one node: attributes in the order the template set them. */
  function rec(elem) {
    let r = elem[REC];
    if (!r) {
      r = elem[REC] = { attr: Object.create(null) };
    }
    return r;
  }
  function setAttr(elem, name, value) {
    const r = rec(elem);
    // Re-set attributes move to the end, as a later write does in a JS object.
    delete r.attr[name];
    r.attr[name] = value;
  }

  const dashToCamel = (s) => s.replace(/-(.|$)/g, (m) => (m[1] ? m[1].toUpperCase() : ''));
  const camelToDash = (s) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

  /** A view of glass-easel's ProcGenWrapper that records each call before making it. */
  const spies = new WeakMap();
  function spy(R) {
    let s = spies.get(R);
    if (s) return s;
    s = Object.create(R);
    s.c = (elem, v) => {
      setAttr(elem, 'class', v);
      return R.c(elem, v);
    };
    s.y = (elem, v) => {
      setAttr(elem, 'style', v);
      return R.y(elem, v);
    };
    s.i = (elem, v) => {
      setAttr(elem, 'id', v);
      return R.i(elem, v);
    };
    s.r = (elem, name, v, modelPath, lvaluePath) => {
      setAttr(elem, name.includes(':') ? name : dashToCamel(name), v);
      return R.r(elem, name, v, modelPath, lvaluePath);
    };
    s.a = (elem, name, v) => {
      setAttr(elem, 'extra-attr:' + name, v);
      return R.a(elem, name, v);
    };
    s.d = (elem, name, v) => {
      setAttr(elem, 'data-' + camelToDash(name), v);
      return R.d(elem, name, v);
    };
    s.m = (elem, name, v) => {
      setAttr(elem, 'mark:' + name, v);
      return R.m(elem, name, v);
    };
    s.v = (elem, evName, v, final, mutated, capture, isDynamic, lvaluePath) => {
      const kind = final ? 'catch' : mutated ? 'mut-bind' : 'bind';
      setAttr(elem, (capture ? 'capture-' : '') + kind + ':' + evName, v);
      return R.v(elem, evName, v, final, mutated, capture, isDynamic, lvaluePath);
    };
    s.l = (elem, name, v, lvaluePath) => {
      setAttr(elem, name, v);
      return R.l(elem, name, v, lvaluePath);
    };
    s.p = (elem, name, v, lvaluePath) => {
      setAttr(elem, 'change:' + name, v);
      return R.p(elem, name, v, lvaluePath);
    };
    s.wl = (elem, name, v) => {
      setAttr(elem, 'worklet:' + name, v);
      return R.wl(elem, name, v);
    };
    s.s = (elem, v) => {
      setAttr(elem, 'slot', v);
      return R.s(elem, v);
    };
    s.setFnFilter = (...a) => R.setFnFilter(...a);
    s.setEventListenerWrapper = (...a) => R.setEventListenerWrapper(...a);
    s.devArgs = (elem) => R.devArgs(elem);
    spies.set(R, s);
    return s;
  }

  // Generic implementations (`generic:x="y"`) never reach a native node; keep them.
  const createComponent = ge.ShadowRoot.prototype.createComponent;
  ge.ShadowRoot.prototype.createComponent = function (tagName, usingKey, genericTargets, ...rest) {
    const node = createComponent.call(this, tagName, usingKey, genericTargets, ...rest);
    if (genericTargets && Object.keys(genericTargets).length) node[GENERICS] = genericTargets;
    return node;
  };

  // ---- the tree, in wcc's shape --------------------------------------------------------------
  /** JSON-able copy: functions and undefined dropped, as `JSON.stringify` does. */
  function plain(v) {
    return v === undefined ? undefined : JSON.parse(JSON.stringify(v) ?? 'null');
  }

  function attrsOf(node) {
    const out = {};
    const r = node[REC];
    if (r) {
      for (const name of Object.keys(r.attr)) {
        const v = r.attr[name];
        if (v === undefined || typeof v === 'function') continue;
        out[name] = plain(v);
      }
    }
    return out;
  }

  function element(tag, node, children) {
    const el = { tag: 'wx-' + tag, attr: attrsOf(node), children };
    const generics = node[GENERICS];
    if (generics) {
      el.generics = {};
      for (const k of Object.keys(generics)) {
        el.generics['wx-' + k] = generics[k] ? 'wx-' + generics[k] : '';
      }
    }
    return el;
  }

  function walk(parent, out) {
    for (const node of parent.childNodes) {
      if (node instanceof ge.TextNode) {
        out.push(node.textContent);
      } else if (node instanceof ge.NativeNode) {
        const children = [];
        walk(node, children);
        const el = element(node.is, node, children);
        if (node.slot !== '' && !('slot' in el.attr)) el.attr.slot = node.slot;
        out.push(el);
      } else if (node instanceof ge.VirtualNode && node._$slotName !== null) {
        const el = element('slot', node, []);
        if (node._$slotName !== '') el.attr.name = node._$slotName;
        if (node.slot !== '' && !('slot' in el.attr)) el.attr.slot = node.slot;
        out.push(el);
      } else if (node instanceof ge.VirtualNode) {
        walk(node, out);
      } else {
        // A component would mean a tag resolved to a definition; there are none here.
        throw new Error('unexpected node ' + (node.is || node.constructor.name));
      }
    }
  }

  // ---- rendering -------------------------------------------------------------------------------
  let group = null;
  let rendered = 0;
  const backend = new ge.EmptyComposedBackendContext();

  /** @param {Record<string, any>} templateGroup the `G` object of a compiled wxml.js */
  function load(templateGroup) {
    group = templateGroup;
  }

  function templates() {
    return Object.keys(group || {});
  }

  /**
   * Render the template `path` (e.g. `pages/index/index`) with `data`.
   * @returns {{tree: object, logs: string[]}}
   */
  function render(path, data) {
    if (!group) throw new Error('no templates loaded');
    const content = group[path];
    if (typeof content !== 'function') throw new Error('no such template: ' + path);
    logs = [];
    // A fresh space each time: nothing registered, every tag a native node.
    const space = new ge.ComponentSpace('', undefined, undefined, true);
    rendered += 1;
    const def = space.defineComponent({
      is: 'oracle/' + rendered,
      template: {
        groupList: group,
        content: (name) => {
          const pg = content(name);
          return typeof pg === 'function' ? (R, C, D, U) => pg(spy(R), C, D, U) : pg;
        },
        fallbackListenerOnNativeNode: true,
      },
      data: () => JSON.parse(JSON.stringify(data)),
    });
    const comp = ge.Component.createWithContext('oracle-root', def, backend);
    const children = [];
    walk(comp.getShadowRoot(), children);
    ge.Element.pretendDetached(comp);
    return { tree: { tag: 'wx-page', children }, logs };
  }

  // ---- initial data of a unit -----------------------------------------------------------------
  /** @type {Map<string, {deps: Record<string,string>, factory: Function}>} */
  const modules = new Map();

  function defineModule(id, deps, factory) {
    modules.set(id, { deps, factory });
  }

  /** Device answers, as a phone in WeChat DevTools gives them. */
  const SYSTEM_INFO = {
    platform: 'devtools',
    system: 'iOS 16.0',
    brand: 'devtools',
    model: 'iPhone 12',
    language: 'zh_CN',
    version: '8.0.5',
    SDKVersion: '3.0.0',
    theme: 'light',
    pixelRatio: 2,
    screenWidth: 375,
    screenHeight: 667,
    windowWidth: 375,
    windowHeight: 667,
    statusBarHeight: 20,
    fontSizeSetting: 16,
    safeArea: { left: 0, right: 375, top: 20, bottom: 667, width: 375, height: 647 },
  };

  /** Something every property read, call or `new` of answers with itself. */
  const anything = new Proxy(function () {}, {
    get: (_t, k) => {
      if (k === Symbol.toPrimitive) return () => '';
      if (k === 'then' || typeof k === 'symbol') return undefined;
      if (k === 'length') return 0;
      return anything;
    },
    apply: () => anything,
    construct: () => anything,
  });

  /** A `wx` whose methods answer with something harmless. */
  function stubWx() {
    return new Proxy(
      {},
      {
        get: (_t, k) => {
          if (typeof k !== 'string') return undefined;
          if (/^get(System|Window|Device|AppBase)Info(Sync)?$/.test(k)) {
            return () => JSON.parse(JSON.stringify(SYSTEM_INFO));
          }
          if (k === 'getMenuButtonBoundingClientRect') {
            return () => ({ width: 87, height: 32, top: 24, left: 278, right: 365, bottom: 56 });
          }
          if (k === 'canIUse') return () => true;
          if (k === 'getStorageSync') return () => '';
          if (k === 'env') return { USER_DATA_PATH: 'wxfile://usr' };
          return anything;
        },
      },
    );
  }

  const TYPE_DEFAULTS = new Map([
    [String, ''],
    [Number, 0],
    [Boolean, false],
    [Object, null],
    [Array, []],
  ]);

  /** Default value of one property declaration, as WeChat gives it. */
  function propertyDefault(decl) {
    if (decl === null || decl === undefined) return null;
    if (typeof decl === 'function') return TYPE_DEFAULTS.has(decl) ? TYPE_DEFAULTS.get(decl) : null;
    if (typeof decl === 'object') {
      if ('value' in decl) return decl.value;
      if ('type' in decl) return propertyDefault(decl.type);
      return null;
    }
    return null;
  }

  /** `data` plus property defaults of an options object and its behaviors, behaviors first. */
  function collectData(options, out, seen) {
    if (!options || typeof options !== 'object' || seen.has(options)) return;
    seen.add(options);
    for (const b of options.behaviors || []) collectData(b, out, seen);
    for (const b of options.mixins || []) collectData(b, out, seen);
    let data = options.data;
    if (typeof data === 'function') {
      try {
        data = data.call(options);
      } catch (_e) {
        data = undefined;
      }
    }
    const props = options.properties || {};
    for (const k of Object.keys(props)) out[k] = propertyDefault(props[k]);
    if (data && typeof data === 'object') Object.assign(out, data);
  }

  /**
   * Evaluate the module `<unit>.js` with stub globals and return the initial data its
   * `Page`/`Component` call declares. Throws when the module fails or declares nothing.
   */
  function initialData(unit) {
    logs = [];
    const captured = [];
    const cache = new Map();
    const saved = {};
    const stubs = {
      Page: (o) => captured.push(o),
      Component: (o) => captured.push(o),
      Behavior: (o) => o,
      App: () => {},
      getApp: () => ({ globalData: {} }),
      getCurrentPages: () => [],
      wx: stubWx(),
      global,
    };
    stubs.Behavior.trait = () => ({});
    for (const k of Object.keys(stubs)) {
      saved[k] = global[k];
      global[k] = stubs[k];
    }
    const req = (id) => {
      if (cache.has(id)) return cache.get(id).exports;
      const m = modules.get(id);
      if (!m) throw new Error('no such module: ' + id);
      const module = { exports: {} };
      cache.set(id, module);
      m.factory.call(
        module.exports,
        (spec) => {
          const target = m.deps[spec];
          if (target === undefined) throw new Error(`module ${id}: unresolved require("${spec}")`);
          return req(target);
        },
        module,
        module.exports,
      );
      return module.exports;
    };
    try {
      req(unit + '.js');
    } finally {
      for (const k of Object.keys(saved)) global[k] = saved[k];
    }
    if (!captured.length) throw new Error(unit + '.js called neither Page nor Component');
    const out = {};
    collectData(captured[0], out, new Set());
    return JSON.parse(JSON.stringify(out));
  }

  global.__oracle = { load, templates, render, defineModule, initialData };
})(globalThis);
