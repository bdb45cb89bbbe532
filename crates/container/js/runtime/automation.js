// The container's half of WeChat's `miniprogram-automator` protocol (docs/automator.md):
// selectors over the component tree, page and component data, methods, `wx` calls and mocks.
// The simulator calls `__cove.auto.call(method, params[, fn])`; an answer that is a promise is
// parked and fetched with `poll(id)`. What needs layout or the DOM is the view's half.

// ---- selectors: tag, #id, .class, descendant, `>` and `>>>`, `,` ------------------------------
const IDENT = /^-?[_a-zA-Z\u00a0-\uffff][_a-zA-Z0-9\u00a0-\uffff-]*/;

function parseSelector(text) {
  const alternatives = [];
  for (const part of String(text).split(',')) {
    let s = part.trim();
    if (!s) throw new Error(`invalid selector ${JSON.stringify(text)}`);
    const segs = [];
    let comb = null;
    while (s) {
      const c = /^\s*(>>>|>)\s*|^\s+/.exec(s);
      if (c) {
        if (!segs.length || comb) throw new Error(`invalid selector ${JSON.stringify(text)}: a combinator without a left side`);
        comb = c[1] || ' ';
        s = s.slice(c[0].length);
        continue;
      }
      const seg = { comb: segs.length ? comb || ' ' : null, tag: null, id: null, classes: [] };
      let m;
      if (s[0] === '*') s = s.slice(1);
      else if ((m = IDENT.exec(s))) {
        seg.tag = m[0];
        s = s.slice(m[0].length);
      }
      while (s && (s[0] === '#' || s[0] === '.')) {
        const kind = s[0];
        m = IDENT.exec(s.slice(1));
        if (!m) throw new Error(`invalid selector ${JSON.stringify(text)} near ${JSON.stringify(s)}`);
        if (kind === '#') seg.id = m[0];
        else seg.classes.push(m[0]);
        s = s.slice(1 + m[0].length);
      }
      if (s && !/^[\s>]/.test(s)) {
        throw new Error(`unsupported selector ${JSON.stringify(text)} near ${JSON.stringify(s)}: Cove supports tag, #id, .class, descendant, >, >>> and ,`);
      }
      segs.push(seg);
      comb = null;
    }
    if (comb) throw new Error(`invalid selector ${JSON.stringify(text)}: it ends with a combinator`);
    alternatives.push(segs);
  }
  return alternatives;
}

const isComponent = (n) => ge.Component.isComponent(n);
const isVirtual = (n) => ge.VirtualNode.isVirtualNode(n);
const isText = (n) => ge.TextNode.isTextNode(n);
const isShadowRoot = (n) => n instanceof ge.ShadowRoot;

/** The tag a page author wrote: `view` for natives, the `usingComponents` key for components. */
function tagOf(n) {
  return isComponent(n) ? n.tagName : n.is;
}

function compoundMatches(n, seg) {
  if (seg.tag && tagOf(n) !== seg.tag && `wx-${tagOf(n)}` !== seg.tag) return false;
  if (seg.id && n.id !== seg.id) return false;
  for (const c of seg.classes) if (!n.classList || !n.classList.contains(c)) return false;
  return true;
}

/** The nearest selectable ancestor in the same shadow tree, or null at its root. */
function treeParent(n) {
  for (let p = n.parentNode; p; p = p.parentNode) {
    if (isShadowRoot(p)) return null;
    if (!isVirtual(p)) return p;
  }
  return null;
}

/** The same, but leaving a shadow tree for its host (for `>>>`). */
function composedParent(n) {
  for (let p = n.parentNode; p; p = p.parentNode) {
    if (isShadowRoot(p)) return p.getHostNode();
    if (!isVirtual(p)) return p;
  }
  return null;
}

function matchesAt(n, segs, i, scope) {
  if (!compoundMatches(n, segs[i])) return false;
  if (i === 0) return inScope(n, scope);
  const comb = segs[i].comb;
  if (comb === '>') {
    const p = treeParent(n);
    return !!p && matchesAt(p, segs, i - 1, scope);
  }
  const up = comb === '>>>' ? composedParent : treeParent;
  for (let p = up(n); p; p = up(p)) if (matchesAt(p, segs, i - 1, scope)) return true;
  return false;
}

function inScope(n, scope) {
  if (n.ownerShadowRoot !== scope.root) return false;
  if (!scope.el) return true;
  for (let p = treeParent(n); p; p = treeParent(p)) if (p === scope.el) return true;
  return false;
}

/** Every element under the scope, in document order; into components only for `>>>`. */
function candidates(scope, deep, out) {
  const walk = (nodes) => {
    for (const n of nodes) {
      if (isText(n)) continue;
      if (!isVirtual(n)) out.push(n);
      if (n.childNodes) walk(n.childNodes);
      if (deep && isComponent(n)) {
        const sr = n.getShadowRoot();
        if (sr) walk(sr.childNodes);
      }
    }
  };
  walk(scope.el ? scope.el.childNodes : scope.root.childNodes);
  return out;
}

function select(scope, text, all) {
  const alternatives = parseSelector(text);
  const deep = alternatives.some((segs) => segs.some((s) => s.comb === '>>>'));
  const found = [];
  for (const n of candidates(scope, deep, [])) {
    if (alternatives.some((segs) => matchesAt(n, segs, segs.length - 1, scope))) {
      found.push(n);
      if (!all) break;
    }
  }
  return found;
}

// ---- element handles ------------------------------------------------------------------------
/** Elements without a node of their own in the view (virtual hosts), by handle. */
const virtualHandles = new Map();
let nextVirtualHandle = 1;

function handleOf(n) {
  const b = n.$$;
  if (b && typeof b.__id === 'number') return String(b.__id);
  for (const [h, el] of virtualHandles) if (el === n) return h;
  const h = `v${nextVirtualHandle++}`;
  virtualHandles.set(h, n);
  return h;
}

function describe(n) {
  const d = { elementId: handleOf(n), tagName: tagOf(n) };
  if (isComponent(n)) d.nodeId = d.elementId;
  return d;
}

function elementOf(params) {
  const h = String(params.elementId);
  const n = h[0] === 'v' ? virtualHandles.get(h) : $mapGet(elements, Number(h));
  if (!n) throw new Error(`element ${h} no longer exists (its page or component was removed)`);
  return n;
}

function componentOf(params, method) {
  const n = elementOf(params);
  if (!isComponent(n)) throw new Error(`${method}: element ${params.elementId} <${tagOf(n)}> is not a custom component`);
  return n;
}

function pageOf(params) {
  const id = params.pageId;
  const p = id === undefined ? stack[stack.length - 1] : stack.find((x) => x.id === Number(id));
  if (!p) throw new Error(id === undefined ? 'no page is open' : `page ${id} is not in the page stack`);
  return p;
}

function scopeOf(params) {
  if (params.elementId === undefined) {
    const comp = pageOf(params).root.getComponent();
    return { root: comp.getShadowRoot(), el: null };
  }
  const n = elementOf(params);
  if (isComponent(n)) return { root: n.getShadowRoot(), el: null };
  return { root: n.ownerShadowRoot, el: n };
}

function pageEntry(p) {
  return { pageId: p.id, path: p.path, query: p.query };
}

// ---- data ------------------------------------------------------------------------------------
function dataAt(data, path) {
  if (!path) return data;
  let v = data;
  for (const key of String(path).replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean)) {
    if (v === null || v === undefined) return undefined;
    v = v[key];
  }
  return v;
}

function callerMethod(caller, method, what) {
  const f = caller[method];
  if (typeof f !== 'function') throw new Error(`${what} has no method ${method}`);
  return f;
}

// ---- wx calls and mocks ----------------------------------------------------------------------
const originals = new Map();

function isSyncMethod(name) {
  return syncNames.has(name) || /Sync$|^(create|on|off)[A-Z]|Manager$|^canIUse$|^(arrayBufferToBase64|base64ToArrayBuffer|getMenuButtonBoundingClientRect)$/.test(name);
}

function wxMethod(name) {
  const f = wx[name];
  if (typeof f !== 'function') throw new Error(`wx.${name} is not a function`);
  return f;
}

/** Call an async wx method and get a promise of its success result (rejecting with errMsg). */
function callAsync(f, name, opts) {
  return new Promise((resolve, reject) => {
    const o = Object.assign({}, opts && typeof opts === 'object' ? opts : {});
    o.success = (r) => resolve(r);
    o.fail = (e) => reject(new Error((e && e.errMsg) || `${name}:fail`));
    const r = f.call(wx, o);
    // An API that returns a promise and ignores callbacks still settles.
    if (r && typeof r.then === 'function') r.then(resolve, (e) => reject(new Error((e && e.errMsg) || String(e))));
  });
}

function callWxMethod(name, args) {
  const f = wxMethod(name);
  if (isSyncMethod(name)) return f.apply(wx, args || []);
  return callAsync(f, name, (args || [])[0]);
}

/** A mocked async result, delivered through the same callback/promise path as real APIs. */
function deliverAsync(name, opts, value) {
  const result = Promise.resolve(value).then((r) => {
    const res = r && typeof r === 'object' ? Object.assign({}, r) : {};
    if (typeof res.errMsg === 'string' && /:fail/.test(res.errMsg)) {
      const fail = new WxFail(res.errMsg.slice(res.errMsg.indexOf(':') + 1));
      if (res.errno !== undefined) fail.errno = res.errno;
      throw fail;
    }
    return res;
  });
  return settle(name, opts, result);
}

/** `App.mockWxMethod`: a fixed result, a function (`this.origin` is the real method), or restore. */
function mockWxMethod(params, fn) {
  const name = String(params.method);
  if (!originals.has(name)) originals.set(name, wxMethod(name));
  const origin = originals.get(name);
  const restoring = fn === undefined && !('result' in params);
  if (restoring) {
    wx[name] = origin;
    originals.delete(name);
    return null;
  }
  const sync = isSyncMethod(name);
  const extra = Array.isArray(params.args) ? params.args : [];
  const result = params.result;
  wx[name] = function (...callArgs) {
    const value = fn ? fn.apply({ origin: (...a) => origin.apply(wx, a) }, callArgs.concat(extra)) : copy(result);
    return sync ? value : deliverAsync(name, callArgs[0], value);
  };
  return null;
}

// ---- WXML of an element, from the composed tree -----------------------------------------------
function escapeText(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function escapeAttr(s) {
  return escapeText(s).replace(/"/g, '&quot;');
}

function attrText(n) {
  let out = '';
  if (n.id) out += ` id="${escapeAttr(n.id)}"`;
  if (n.class) out += ` class="${escapeAttr(n.class)}"`;
  if (n.style) out += ` style="${escapeAttr(n.style)}"`;
  if (!isComponent(n) && n.attributes) {
    for (const { name, value } of n.attributes) {
      if (value === undefined || value === null || value === false) continue;
      out += value === true ? ` ${name}` : ` ${name}="${escapeAttr(typeof value === 'object' ? JSON.stringify(value) : value)}"`;
    }
  }
  return out;
}

function innerWxml(n) {
  let out = '';
  const visit = (child) => {
    if (isText(child)) out += escapeText(child.textContent);
    else if (isVirtual(child)) child.forEachComposedChild(visit);
    else out += outerWxml(child);
  };
  n.forEachComposedChild(visit);
  return out;
}

function outerWxml(n) {
  const tag = tagOf(n);
  return `<${tag}${attrText(n)}>${innerWxml(n)}</${tag}>`;
}

function attributeOf(n, name) {
  if (name === 'id') return n.id;
  if (name === 'class') return n.class;
  if (name === 'style') return n.style;
  if (name === 'slot') return n.slot;
  if (isComponent(n)) return ge.Component.hasProperty(n, name) ? n.data[name] : undefined;
  return n.getAttribute(name);
}

function propertiesOf(n, names) {
  return names.map((name) => {
    if (name === '__propPublic') {
      const out = {};
      for (const k of Object.keys(n.data)) if (ge.Component.hasProperty(n, k)) out[k] = true;
      return out;
    }
    return n.data[name];
  });
}

// ---- dispatch --------------------------------------------------------------------------------
let pendingSeq = 0;
const pending = new Map();

function settleLater(v) {
  if (!v || typeof v.then !== 'function') return { result: v };
  const id = ++pendingSeq;
  const slot = { done: false };
  pending.set(id, slot);
  v.then(
    (r) => Object.assign(slot, { done: true, result: r }),
    (e) => Object.assign(slot, { done: true, error: errorText(e) }),
  );
  return { pending: id };
}

function errorText(e) {
  if (e && typeof e.errMsg === 'string') return e.errMsg;
  return e && e.message ? e.message : String(e);
}

/** A JSON-safe value: what JSON cannot carry (cycles, BigInt) becomes its string form. */
function jsonSafe(v) {
  try {
    JSON.stringify(v);
    return v;
  } catch (e) {
    return String(v);
  }
}

const handlers = {
  'App.getPageStack': () => ({ pageStack: stack.map(pageEntry) }),
  'App.getCurrentPage': () => pageEntry(pageOf({})),
  'App.callWxMethod': (p) => {
    if (p.pluginId) throw new Error('App.callWxMethod: plugins are not supported by Cove');
    return wrap(callWxMethod(String(p.method), p.args));
  },
  'App.mockWxMethod': (p, fn) => {
    if (p.pluginId) throw new Error('App.mockWxMethod: plugins are not supported by Cove');
    return mockWxMethod(p, fn);
  },
  'App.callFunction': (p, fn) => {
    if (typeof fn !== 'function') throw new Error('App.callFunction: functionDeclaration is not a function');
    return wrap(fn.apply(undefined, Array.isArray(p.args) ? p.args : []));
  },
  'App.addBinding': (p) => {
    const name = String(p.name);
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`App.addBinding: ${JSON.stringify(name)} is not an identifier`);
    global[name] = (...args) => {
      post({ t: 'automator', method: 'App.bindingCalled', params: { name, args: args.map(jsonSafe) } });
    };
    return null;
  },
  'Page.getData': (p) => ({ data: dataAt(pageOf(p).caller.data, p.path) }),
  'Page.setData': (p) => {
    pageOf(p).caller.setData(p.data || {});
    return null;
  },
  'Page.callMethod': (p) => {
    const page = pageOf(p);
    const f = callerMethod(page.caller, String(p.method), `page ${page.path}`);
    return wrap(f.apply(page.caller, Array.isArray(p.args) ? p.args : []));
  },
  'Page.getElement': (p) => {
    const [n] = select(scopeOf(p), p.selector, false);
    if (!n) throw new Error(`no element matches ${JSON.stringify(p.selector)}`);
    return describe(n);
  },
  'Page.getElements': (p) => ({ elements: select(scopeOf(p), p.selector, true).map(describe) }),
  'Element.getData': (p) => ({ data: dataAt(componentOf(p, 'Element.getData').getMethodCaller().data, p.path) }),
  'Element.setData': (p) => {
    componentOf(p, 'Element.setData').getMethodCaller().setData(p.data || {});
    return null;
  },
  'Element.callMethod': (p) => {
    const caller = componentOf(p, 'Element.callMethod').getMethodCaller();
    const f = callerMethod(caller, String(p.method), `component <${tagOf(elementOf(p))}>`);
    return wrap(f.apply(caller, Array.isArray(p.args) ? p.args : []));
  },
  'Element.getWXML': (p) => {
    const n = elementOf(p);
    return { wxml: p.type === 'outer' ? outerWxml(n) : innerWxml(n) };
  },
  'Element.getAttributes': (p) => {
    const n = elementOf(p);
    return { attributes: (p.names || []).map((name) => orNull(attributeOf(n, String(name)))) };
  },
  'Element.getProperties': (p) => ({ properties: propertiesOf(componentOf(p, 'Element.getProperties'), (p.names || []).map(String)) }),
  'Element.triggerEvent': (p) => {
    const n = elementOf(p);
    const type = String(p.type);
    const bubbles = BUBBLING.has(type);
    safe(() => ge.triggerEvent(n, type, p.detail === undefined ? {} : p.detail, { bubbles, composed: bubbles, capturePhase: bubbles }));
    return null;
  },
};
handlers['Page.getElementsByXpath'] = handlers['Page.getElementByXpath'] = () => {
  throw new Error('XPath selectors are not supported by Cove: use a CSS selector (tag, #id, .class, >, >>>)');
};
handlers['Element.getElement'] = handlers['Page.getElement'];
handlers['Element.getElements'] = handlers['Page.getElements'];

/** A method's plain result in the shape the client reads (`{result}`), promises parked. */
function wrap(v) {
  return { __wrap: true, value: v };
}

const automation = {
  methods: () => Object.keys(handlers),
  /** Answer `{result}` (the protocol's result object), `{pending: id}` or `{error}`. */
  call(method, params, fn) {
    const h = handlers[method];
    if (!h) return { error: `${method} is not a container method` };
    try {
      const out = h(params || {}, fn);
      if (out && out.__wrap) {
        const s = settleLater(out.value);
        return s.pending ? s : { result: { result: jsonSafe(s.result) } };
      }
      return { result: jsonSafe(out) };
    } catch (e) {
      return { error: errorText(e) };
    }
  },
  poll(id) {
    const slot = pending.get(id);
    if (!slot) return { error: `no pending call ${id}` };
    if (!slot.done) return { pending: id };
    pending.delete(id);
    return slot.error !== undefined ? { error: slot.error } : { result: { result: jsonSafe(slot.result) } };
  },
};
