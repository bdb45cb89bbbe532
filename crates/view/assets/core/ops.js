// @ts-check
// Applies the container's op batches (docs/protocol.md) to the DOM. Nothing the mini-program
// sends is parsed as HTML: elements are `wx-<tag>`, text goes through Text nodes, attributes
// reach only the built-in components' `attr()` (plus `hidden` and the hover attributes).
//
// Ops reach only the app's own tree: a node id names a node an op created, and an op that
// would take a node out of a parent the app does not own (a page layer, the app root,
// `document.body`, the host's watermark) is refused. So no op can move, remove or cover the
// view's chrome or the watermark (core/watermark.js).
import { bool } from '../components/util.js';
import { makeCtx } from './ctx.js';

/** @typedef {import('../../types/protocol').Op} Op */

/**
 * A node record: what the container told us about one node.
 * @typedef {object} NodeRecord
 * @property {number} id
 * @property {any} node the DOM node: an element, a text or a fragment
 * @property {string} tag
 * @property {any} inst built-in component instance
 * @property {Map<string, {capture: boolean, mutLevel: number}> | null} listens
 * @property {Set<string> | null} models
 * @property {Set<string> | null} classes
 * @property {string | null} scope
 * @property {string | null} [extraScope]
 * @property {{cls?: string, start?: number, stay?: number, stop?: boolean} | null} hover
 * @property {{disabled?: boolean} | null} attrs
 * @property {Map<string, unknown> | null} props
 * @property {string} [hoverDefault]
 */

/**
 * @param {number} id @param {Node} node @param {string} tag
 * @returns {NodeRecord}
 */
function record(id, node, tag) {
  return {
    id, node, tag,
    inst: null,       // built-in component instance
    listens: null,    // Map type -> {capture, mutLevel}
    models: null,     // Set of model-bound attributes
    classes: null,    // Set of DOM classes the mini-program set
    scope: null,      // style scope prefix, for hover-class
    hover: null,      // {cls, start, stay, stop} from hover-* attributes
    attrs: null,      // a few attribute values the core needs (disabled)
    props: null,      // every attribute as the container set it, name -> value (automator)
  };
}

/** `wx-<tag>` for any WXML tag, never an HTML element's name. */
function elementName(tag) {
  const t = String(tag).toLowerCase();
  if (t.startsWith('wx-') && /^wx-[a-z0-9-]*$/.test(t)) return t;
  const clean = t.replace(/[^a-z0-9-]/g, '-');
  return 'wx-' + (clean || 'unknown');
}

const HOVER = new Set(['hover-class', 'hover-start-time', 'hover-stay-time', 'hover-stop-propagation']);

export class Ops {
  /** @param {import('../view.js').View} v */
  constructor(v) {
    this.v = v;
    /** @type {Map<number, NodeRecord>} */
    this.nodes = new Map();
  }

  /**
   * Apply one batch; a bad op is reported and skipped, the rest still apply.
   * @param {Op[]} batch
   */
  apply(batch) {
    if (!Array.isArray(batch)) return this.v.viewError('ops: the batch is not an array');
    for (const op of batch) {
      try {
        if (!Array.isArray(op) || typeof op[0] !== 'string' || !Object.hasOwn(OPS, op[0])) {
          this.v.viewError(`unknown op ${JSON.stringify(Array.isArray(op) ? op[0] : op)}`);
          continue;
        }
        /** @type {(this: Ops, ...fields: unknown[]) => void} */ (OPS[op[0]]).call(this, ...op.slice(1));
      } catch (e) {
        this.v.viewError(`op ${op[0]}: ${e && e.message ? e.message : e}`);
      }
    }
  }

  get(id) {
    const r = this.nodes.get(id);
    if (!r) throw new Error(`no node ${id}`);
    return r;
  }

  /** The element of a node that must be an element. */
  el(id) {
    const r = this.get(id);
    if (r.node.nodeType !== 1) throw new Error(`node ${id} is not an element`);
    return r;
  }

  /** Where children of a node go: a built-in's slot, else the node itself. */
  container(r) {
    return (r.inst && r.inst.slot) || r.node;
  }

  /** A node's current parent, which must be the app's (or none) for an op to take it out. */
  ownParent(n) {
    const p = n.parentNode;
    if (!p || owned(p)) return p;
    throw new Error(`node ${n.__coveId} is in a parent the app does not own`);
  }

  /** Whether `n` is a node an op created (not one that only sits among them). */
  isOwn(n) {
    const r = n.__coveId === undefined ? null : this.nodes.get(n.__coveId);
    return !!r && r.node === n;
  }
}

/**
 * Whether a parent belongs to the app: inside an element an op created (its own children or
 * a built-in's slot), or not in the document at all (a fragment, a detached subtree).
 */
function owned(p) {
  for (let n = p; n; n = n.parentNode) {
    if (n.__cove) return true;
  }
  return !p.isConnected;
}

/**
 * Every op (`Op`, docs/protocol.md) by name: an op renamed, added or removed in the protocol
 * fails `tsc` here until this table follows.
 * @type {import('../../types/view').OpTable<Ops>}
 */
const OPS = {
  create(id, tag, _stylingName) {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    const el = document.createElement(elementName(tag));
    const r = record(id, el, String(tag));
    el.__coveId = id;
    el.__cove = r;
    this.nodes.set(id, r);
    const comps = this.v.components;
    const comp = typeof tag === 'string' && Object.hasOwn(comps, tag) ? comps[tag] : null;
    if (comp) {
      if (typeof comp.hoverClass === 'string') r.hoverDefault = comp.hoverClass;
      try {
        r.inst = comp.create(makeCtx(this.v, r)) || null;
      } catch (e) {
        this.v.viewError(`<${tag}> create: ${e && e.message ? e.message : e}`);
      }
    }
  },
  createText(id, text) {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    const t = document.createTextNode(text == null ? '' : String(text));
    t.__coveId = id;
    this.nodes.set(id, record(id, t, '#text'));
  },
  createFragment(id) {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    this.nodes.set(id, record(id, document.createDocumentFragment(), '#fragment'));
  },
  append(parent, child) {
    const n = this.get(child).node;
    this.ownParent(n);
    this.container(this.get(parent)).appendChild(n);
  },
  insert(parent, child, before) {
    const c = this.container(this.get(parent));
    const b = before == null ? null : this.get(before).node;
    const n = this.get(child).node;
    this.ownParent(n);
    c.insertBefore(n, b && b.parentNode === c ? b : null);
  },
  remove(_parent, child) {
    const n = this.get(child).node;
    const p = this.ownParent(n);
    if (p) p.removeChild(n);
  },
  replace(parent, child, old) {
    const n = this.get(child).node;
    this.ownParent(n);
    const o = old == null ? null : this.get(old).node;
    const p = o ? this.ownParent(o) : null;
    if (p) p.replaceChild(n, o);
    else this.container(this.get(parent)).appendChild(n);
  },
  spliceBefore(parent, before, count, fragment) {
    const c = this.container(this.get(parent));
    const first = this.get(before).node;
    this.ownParent(first);
    const doomed = siblings(this, first, count);
    const at = doomed.length ? doomed[doomed.length - 1].nextSibling : first;
    c.insertBefore(this.get(fragment).node, at && at.parentNode === c ? at : null);
    for (const n of doomed) if (n.parentNode) n.parentNode.removeChild(n);
  },
  spliceAppend(parent, fragment) {
    this.container(this.get(parent)).appendChild(this.get(fragment).node);
  },
  spliceRemove(_parent, before, count) {
    const first = this.get(before).node;
    this.ownParent(first);
    for (const n of siblings(this, first, count)) if (n.parentNode) n.parentNode.removeChild(n);
  },
  text(id, text) {
    const r = this.get(id);
    if (r.node.nodeType !== 3) throw new Error(`node ${id} is not text`);
    r.node.data = text == null ? '' : String(text);
  },
  id(id, value) {
    this.el(id).node.id = value == null ? '' : String(value);
  },
  attr(id, name, value) {
    setAttr(this.v, this.el(id), String(name), value);
  },
  removeAttr(id, name) {
    setAttr(this.v, this.el(id), String(name), null);
  },
  class(id, name, scope) {
    const r = this.el(id);
    const cls = className(name, scope);
    if (!cls) return;
    r.node.classList.add(cls);
    (r.classes || (r.classes = new Set())).add(cls);
  },
  removeClass(id, name, scope) {
    const r = this.el(id);
    const cls = className(name, scope);
    if (!cls) return;
    r.node.classList.remove(cls);
    if (r.classes) r.classes.delete(cls);
  },
  clearClasses(id) {
    // Only the mini-program's classes: components and hover keep theirs.
    const r = this.el(id);
    if (r.classes) for (const c of r.classes) r.node.classList.remove(c);
    r.classes = null;
  },
  style(id, cssText) {
    this.el(id).node.style.cssText = cssText == null ? '' : wxfileUrls(rpxToVw(String(cssText)));
  },
  styleScope(id, scope, extra, hostScope) {
    const r = this.el(id);
    r.scope = scope || null;
    r.extraScope = extra || null;
    r.node.__coveScope = r.scope; // components scope their class-name attributes with it
    if (hostScope) r.node.setAttribute('wx-host', String(hostScope));
    else r.node.removeAttribute('wx-host');
  },
  styleSheet(path, scope, index) {
    this.v.styles.fromOp(String(path), scope == null ? null : String(scope), index);
  },
  disableStyleSheet(index) {
    this.v.styles.disable(index);
  },
  listen(id, type, capture, mutLevel) {
    const r = this.el(id);
    (r.listens || (r.listens = new Map())).set(String(type), { capture: !!capture, mutLevel: Number(mutLevel) || 0 });
  },
  model(id, attribute) {
    const r = this.el(id);
    (r.models || (r.models = new Set())).add(String(attribute));
  },
  observe(obsId, id, relativeTo, margin, thresholds) {
    this.v.layout.observe(obsId, this.el(id).node, relativeTo == null ? null : this.el(relativeTo).node, margin, thresholds);
  },
  unobserve(obsId) {
    this.v.layout.unobserve(obsId);
  },
  release(id) {
    const r = this.nodes.get(id);
    if (!r) return;
    this.nodes.delete(id);
    if (r.inst && typeof r.inst.destroy === 'function') {
      try {
        r.inst.destroy();
      } catch (e) {
        this.v.viewError(`<${r.tag}> destroy: ${e && e.message ? e.message : e}`);
      }
    }
    this.v.pages.released(r);
  },
  page(id, pageId, path) {
    this.v.pages.add(this.el(id).node, pageId, String(path));
  },
};

function className(name, scope) {
  const n = name == null ? '' : String(name).trim();
  if (!n || /\s/.test(n)) return '';
  return scope ? `${scope}--${n}` : n;
}

/** `count` of the app's nodes starting at `first`, in order; other nodes there are skipped. */
function siblings(ops, first, count) {
  const out = [];
  for (let n = first; n && out.length < count; n = n.nextSibling) if (ops.isOwn(n)) out.push(n);
  return out;
}

function setAttr(v, r, name, value) {
  if (value == null) {
    if (r.props) r.props.delete(name);
  } else (r.props || (r.props = new Map())).set(name, value);
  if (HOVER.has(name)) {
    const h = r.hover || (r.hover = {});
    if (name === 'hover-class') h.cls = value == null ? undefined : String(value);
    else if (name === 'hover-start-time') h.start = value == null ? undefined : Number(value);
    else if (name === 'hover-stay-time') h.stay = value == null ? undefined : Number(value);
    else h.stop = bool(value);
  } else if (name === 'hidden') {
    r.node.hidden = bool(value);
  } else if (name === 'disabled') {
    (r.attrs || (r.attrs = {})).disabled = bool(value);
  }
  // Everything reaches a built-in; other elements keep no attributes at all.
  if (r.inst && typeof r.inst.attr === 'function') {
    try {
      r.inst.attr(name, value);
    } catch (e) {
      v.viewError(`<${r.tag}> attr ${name}: ${e && e.message ? e.message : e}`);
    }
  }
}

/**
 * rpx in an inline style (often from data: `width: {{w}}rpx`): the compiler converted the
 * static ones, the rest are converted here, as WeChat's webview does (750rpx = the window).
 */
export function rpxToVw(css) {
  if (!css.includes('rpx')) return css;
  return css.replace(/(-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?)rpx\b/gi, (_, n) => `${+(Number(n) * 100 / 750).toFixed(6)}vw`);
}

/**
 * `url(wxfile://tmp_….png)` in an inline style (a canvas export as a watermark background):
 * the app's files are served at `/__cove/wxfile/`, like `<image src>`; other schemes stay
 * for the CSP to judge.
 */
export function wxfileUrls(css) {
  if (!css.includes('wxfile://')) return css;
  return css.replace(/url\(\s*(['"]?)wxfile:\/\/([^'")\s]+)\1\s*\)/gi, (all, _q, rest) => {
    if (rest.split('/').some((seg) => seg === '..' || seg === '.')) return 'none';
    return `url("/__cove/wxfile/${rest.split('/').map(encodeURIComponent).join('/')}")`;
  });
}
