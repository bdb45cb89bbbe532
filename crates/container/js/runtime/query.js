// SelectorQuery and IntersectionObserver results as WeChat gives them. Adapter 0.12.1 builds
// the queue (`select`, `selectAll`, `selectViewport`, `in`, `fields`, `boundingClientRect`,
// `scrollOffset`, `context`); `exec` is Cove's: every field WeChat documents (`computedStyle`,
// `node`, `properties` of built-ins, the viewport's scroll offset, which the adapter lacks or
// answers differently), one `layout` request (`what: "fields"`) for the whole query instead of
// one per node and field, and the callbacks in the order the requests were made, then exec's.
// Without a view (the host answers null) every field still has WeChat's type: zeros, '' styles.
// The adapter's classes are not exported: their prototypes are patched once, at load.

// The runtime's own timer: app code may replace the global one.
const queryTimer = global.setTimeout;
const QUERY_ZERO_RECT = { left: 0, top: 0, width: 0, height: 0 };
const QUERY_ZERO_SCROLL = { scrollLeft: 0, scrollTop: 0, scrollWidth: 0, scrollHeight: 0 };

const queryKebab = (n) => String(n).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const queryNames = (x) => (Array.isArray(x) ? x.map(String) : []);
const queryNum = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);

/** The page (or custom tab bar) node that hosts `comp`'s tree: its scroll is the viewport's. */
function queryPageNode(comp) {
  let root = comp;
  while (root && root.ownerShadowRoot) root = root.ownerShadowRoot.getHostNode();
  const pages = stack.concat(Array.from(tabPages.values()));
  for (const p of pages) {
    if ((p.root && p.root.getComponent() === root) || (p.tabBar && p.tabBar.getComponent() === root)) return p.node.__id;
  }
  return null;
}

/** The glass-easel elements one queued request targets: `[]`/`[el]` for select, all for selectAll. */
function queryTargets(entry) {
  const comp = entry.component && entry.component._$;
  const root = comp && typeof comp.getShadowRoot === 'function' ? comp.getShadowRoot() : null;
  if (!root) return [];
  try {
    if (entry.single) {
      const el = root.querySelector(entry.selector);
      return el ? [el] : [];
    }
    return root.querySelectorAll(entry.selector) || [];
  } catch (e) {
    // WeChat reports a bad selector and answers as if nothing matched.
    console.error(`SelectorQuery: invalid selector ${JSON.stringify(entry.selector)}: ${e && e.message ? e.message : e}`);
    return [];
  }
}

/** The view's answer to `layout` `fields` for these items, or nulls without a view. */
function queryLayout(items) {
  if (items.length === 0) return Promise.resolve([]);
  return hostRequest('layout', { what: 'fields', items }).then(
    (r) => items.map((_, i) => (Array.isArray(r) && r[i] && typeof r[i] === 'object' ? r[i] : null)),
    () => items.map(() => null),
  );
}

/** `fields({context|node})`: the backend's context (a canvas node for `canvas type="2d"`). */
function queryContext(el) {
  return new Promise((resolve) => {
    // glass-easel never answers for a node without a backend element (a virtual host).
    if (!el._$backendElement) return resolve(null);
    try {
      el.getContext((c) => resolve(c === undefined ? null : c));
    } catch (_e) {
      resolve(null);
    }
  });
}

/** A component's declared property, copied as the adapter's `properties` field does. */
function queryProperty(el, name) {
  if (!ge.Component.hasProperty(el, name)) return undefined;
  const value = el.data[name];
  const kind = el.getComponentOptions().propertyPassingDeepCopy;
  if (kind === ge.DeepCopyKind.Simple) return ge.dataUtils.simpleDeepCopy(value);
  if (kind === ge.DeepCopyKind.SimpleWithRecursion) return ge.dataUtils.deepCopy(value, true);
  return value;
}

/** A built-in's attribute as the template set it (no view to ask for its live state). */
function queryAttribute(el, name) {
  if (typeof el.getAttribute !== 'function') return undefined;
  for (const n of [name, queryKebab(name)]) {
    const v = el.getAttribute(n);
    if (v !== null && v !== undefined) return v;
  }
  return undefined;
}

/**
 * One node's result. `a` is the view's answer for it (`{rect, scroll, style, properties}`) or
 * null. Keys follow WeChat's fields: `computedStyle` wins over `size` for width/height.
 */
function queryNodeResult(el, f, a, ctx) {
  const res = {};
  if (f.id) res.id = typeof el.id === 'string' ? el.id : '';
  if (f.dataset) res.dataset = Object.assign({}, el.dataset || {});
  if (f.mark) res.mark = typeof el.collectMarks === 'function' ? el.collectMarks() : {};
  const rect = (a && a.rect) || QUERY_ZERO_RECT;
  if (f.rect) {
    res.left = queryNum(rect.left);
    res.right = queryNum(rect.left) + queryNum(rect.width);
    res.top = queryNum(rect.top);
    res.bottom = queryNum(rect.top) + queryNum(rect.height);
  }
  if (f.size) {
    res.width = queryNum(rect.width);
    res.height = queryNum(rect.height);
  }
  if (f.scrollOffset) {
    const s = (a && a.scroll) || QUERY_ZERO_SCROLL;
    for (const k of Object.keys(QUERY_ZERO_SCROLL)) res[k] = queryNum(s[k]);
  }
  const props = queryNames(f.properties);
  if (props.length) {
    if (ge.Component.isComponent(el)) {
      for (const n of props) {
        const v = queryProperty(el, n);
        if (v !== undefined) res[n] = v;
      }
    } else {
      const live = (a && a.properties) || {};
      for (const n of props) {
        const v = live[n] !== undefined && live[n] !== null ? live[n] : queryAttribute(el, n);
        if (v !== undefined) res[n] = v;
      }
    }
  }
  const styles = (a && a.style) || {};
  for (const n of queryNames(f.computedStyle)) res[n] = typeof styles[n] === 'string' ? styles[n] : '';
  if (f.context) res.context = ctx;
  if (f.node) res.node = ctx;
  return res;
}

/** `selectViewport()`: the page's window, and its scroll for `scrollOffset`. */
function queryViewportResult(f, a) {
  const res = {};
  if (f.id) res.id = '';
  if (f.dataset) res.dataset = {};
  if (f.mark) res.mark = {};
  const w = queryNum(systemInfo.windowWidth);
  const h = queryNum(systemInfo.windowHeight);
  if (f.rect) Object.assign(res, { left: 0, right: w, top: 0, bottom: h });
  if (f.size) Object.assign(res, { width: w, height: h });
  if (f.scrollOffset) {
    const s = (a && a.scroll) || QUERY_ZERO_SCROLL;
    for (const k of Object.keys(QUERY_ZERO_SCROLL)) res[k] = queryNum(s[k]);
  }
  for (const n of queryNames(f.computedStyle)) res[n] = '';
  if (f.context) res.context = null;
  if (f.node) res.node = null;
  return res;
}

/** What the view must measure for one node under fields `f` (null: nothing). */
function queryItem(node, f) {
  const style = queryNames(f.computedStyle);
  const item = { node };
  if (f.rect || f.size) item.rect = true;
  if (f.scrollOffset) item.scroll = true;
  if (style.length) item.style = style;
  return item.rect || item.scroll || item.style ? item : null;
}

/** `SelectorQuery.exec(callback)`. */
function queryExec(callback) {
  const entries = (this._$queue || []).slice();
  const items = [];
  const want = (item) => {
    if (!item) return -1;
    items.push(item);
    return items.length - 1;
  };
  const contexts = [];
  const plans = entries.map((entry) => {
    const f = entry.fields && typeof entry.fields === 'object' ? entry.fields : {};
    if (entry.selector === null) {
      const comp = entry.component && entry.component._$;
      const page = f.scrollOffset && comp ? queryPageNode(comp) : null;
      return { entry, f, viewport: true, slot: page === null ? -1 : want({ node: page, scroll: true }) };
    }
    const nodes = queryTargets(entry).map((el) => {
      const b = el._$backendElement;
      const id = b && typeof b.__id === 'number' ? b.__id : null;
      let item = id === null ? null : queryItem(id, f);
      const props = queryNames(f.properties);
      if (id !== null && props.length && !ge.Component.isComponent(el)) {
        item = item || { node: id };
        item.properties = props;
      }
      const ctx = f.context || f.node ? contexts.push(queryContext(el)) - 1 : -1;
      return { el, slot: want(item), ctx };
    });
    return { entry, f, viewport: false, nodes };
  });
  Promise.all([queryLayout(items), Promise.all(contexts)]).then(([answers, ctxs]) => {
    const results = plans.map((p) => {
      if (p.viewport) return queryViewportResult(p.f, p.slot < 0 ? null : answers[p.slot]);
      const list = p.nodes.map((n) => queryNodeResult(n.el, p.f, n.slot < 0 ? null : answers[n.slot], n.ctx < 0 ? null : ctxs[n.ctx]));
      return p.entry.single ? (list[0] || null) : list;
    });
    // Always a later turn, as in WeChat, even when nothing had to be measured.
    queryTimer(() => {
      results.forEach((r, i) => {
        const cb = plans[i].entry.cb;
        if (typeof cb === 'function') safe(() => cb(r));
      });
      if (typeof callback === 'function') safe(() => callback(results));
    }, 0);
  });
  return this;
}

/** Patch the adapter's SelectorQuery, NodesRef and IntersectionObserver, once, at load. */
(function patchQueries() {
  const Caller = adapter.component.ComponentCaller.prototype;
  const probe = Object.create(Caller);
  const sq = Caller.createSelectorQuery.call(probe);
  const sqProto = Object.getPrototypeOf(sq);
  sqProto.exec = queryExec;
  const adapterIn = sqProto.in;
  sqProto.in = function (component) {
    // Anything but a page or component (`in(undefined)`) leaves the query where it was.
    return component && component._$ ? adapterIn.call(this, component) : this;
  };
  const nrProto = Object.getPrototypeOf(sq.select('#__cove_probe'));
  nrProto.node = function node(cb) {
    return this.fields({ node: true }, cb);
  };
  // `this.createIntersectionObserver()` (not only wx's): WeChat lets callers give only some
  // margins (`relativeToViewport({bottom: 100})`); the adapter formats all four.
  const ioProto = Object.getPrototypeOf(Caller.createIntersectionObserver.call(probe, {}));
  const full = (m) => Object.assign({ left: 0, top: 0, right: 0, bottom: 0 }, m && typeof m === 'object' ? m : {});
  const relativeTo = ioProto.relativeTo;
  const relativeToViewport = ioProto.relativeToViewport;
  ioProto.relativeTo = function (selector, margins) {
    return relativeTo.call(this, selector, full(margins));
  };
  ioProto.relativeToViewport = function (margins) {
    return relativeToViewport.call(this, full(margins));
  };
  // `initialRatio` as WeChat documents it: the first entry fires only if its ratio differs
  // from the initial one and reaches a threshold (an element already in view fires, which is
  // what lazy loading relies on). The adapter's own first-entry filter does the opposite, so
  // it is switched off while its targets attach and the check is made per target below.
  let attaching = null;
  const observeIo = ioProto.observe;
  ioProto.observe = function (selector, callback) {
    const initial = typeof this._$initialRatio === 'number' ? this._$initialRatio : 0;
    this._$initialRatio = null;
    attaching = { initial };
    try {
      return observeIo.call(this, selector, callback);
    } finally {
      attaching = null;
      this._$initialRatio = initial;
    }
  };
  // WeChat's intersection results name the observed node: `id` and `dataset` beside the rects.
  const observe = ge.Element.prototype.createIntersectionObserver;
  ge.Element.prototype.createIntersectionObserver = function (relative, margin, thresholds, listener) {
    const el = this;
    let initial = attaching ? attaching.initial : null;
    const marks = Array.isArray(thresholds) && thresholds.length ? thresholds : [0];
    return observe.call(this, relative, margin, thresholds, (entry) => {
      if (initial !== null) {
        const from = initial;
        const ratio = entry && entry.intersectionRatio;
        initial = null;
        if (ratio === from || !marks.some((t) => (from - t) * (ratio - t) <= 0)) return;
      }
      listener(Object.assign({ id: typeof el.id === 'string' ? el.id : '', dataset: Object.assign({}, el.dataset || {}) }, entry));
    });
  };
})();

/** Kept for the router, which calls it with each page it opens: the patches are made at load. */
function supportNodeQueries(_caller) {}
