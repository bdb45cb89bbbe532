// The rich-text sanitiser. Both input forms (WeChat's node array and an HTML string) end up
// as plain {name, attrs, children} / {type: 'text', text} objects, and only this file turns
// those into DOM, through an allow-list: WeChat's trusted tags and their per-tag attributes,
// `class` and `style` everywhere, never `id`, never event handlers, never a navigation.
// An untrusted tag is removed with all its children, as WeChat does.

const GLOBAL = ['class', 'style'];
const TAGS = {
  a: [], abbr: [], address: [], article: [], aside: [], b: [], bdi: ['dir'], bdo: ['dir'],
  big: [], blockquote: [], br: [], caption: [], center: [], cite: [], code: [],
  col: ['span', 'width'], colgroup: ['span', 'width'], dd: [], del: [], div: [], dl: [], dt: [],
  em: [], fieldset: [], font: [], footer: [], h1: [], h2: [], h3: [], h4: [], h5: [], h6: [],
  header: [], hr: [], i: [], img: ['alt', 'src', 'height', 'width'], ins: [], label: [],
  legend: [], li: [], mark: [], nav: [], ol: ['start', 'type'], p: [], pre: [], q: [], rt: [],
  ruby: [], s: [], section: [], small: [], span: [], strong: [], sub: [], sup: [],
  table: ['width'], tbody: [], td: ['colspan', 'height', 'rowspan', 'width'], tfoot: [],
  th: ['colspan', 'height', 'rowspan', 'width'], thead: [],
  tr: ['colspan', 'height', 'rowspan', 'width'], tt: [], u: [], ul: [],
};
// Attribute values are checked by kind so that no value can become a URL or script.
const NUMERIC = new Set(['span', 'width', 'height', 'colspan', 'rowspan', 'start']);
const ENUMS = { dir: /^(ltr|rtl|auto)$/i, type: /^(1|a|A|i|I|disc|circle|square)$/ };
const MAX_DEPTH = 64;
const MAX_NODES = 20000;

const SPACES = { ensp: '\u2002', emsp: '\u2003', nbsp: '\u00a0' };
const ENTITIES = {
  nbsp: '\u00a0', lt: '<', gt: '>', amp: '&', apos: "'", quot: '"', ensp: '\u2002',
  emsp: '\u2003', thinsp: '\u2009', copy: '\u00a9', reg: '\u00ae', trade: '\u2122',
  middot: '\u00b7', hellip: '\u2026', mdash: '\u2014', ndash: '\u2013', lsquo: '\u2018',
  rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', laquo: '\u00ab', raquo: '\u00bb',
  times: '\u00d7', divide: '\u00f7', yen: '\u00a5', euro: '\u20ac', deg: '\u00b0',
};

/**
 * Decode character references in text without any HTML parser: named ones from a fixed
 * table, numeric ones (`&#38;`, `&#x26;`) when they name a valid code point.
 * `names` limits the named ones (the text component decodes only a few).
 */
export function decodeEntities(s, names = ENTITIES) {
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (m, ref) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return String.fromCodePoint(cp);
      return m;
    }
    return Object.prototype.hasOwnProperty.call(names, ref) ? names[ref] : m;
  });
}

/** Replace ASCII spaces by the `space` attribute's kind (ensp, emsp, nbsp). */
export function applySpace(s, space) {
  const ch = SPACES[space];
  return ch ? s.replace(/ /g, ch) : s;
}

/**
 * Copy a style through the browser's CSS parser and keep only declarations that cannot
 * load anything or run anything: no url(), image-set(), element(), expression, javascript:.
 */
export function safeStyle(target, cssText) {
  if (typeof cssText !== 'string' || !cssText) return;
  const scratch = document.createElement('span').style;
  scratch.cssText = cssText;
  for (let i = 0; i < scratch.length; i++) {
    const name = scratch[i];
    const value = scratch.getPropertyValue(name);
    if (/url\s*\(|image-set|image\s*\(|element\s*\(|expression|javascript:|\\/i.test(value)) continue;
    if (/^(behavior|-moz-binding)$/i.test(name)) continue;
    target.style.setProperty(name, value, scratch.getPropertyPriority(name));
  }
}

/** An HTML string to WeChat's node array, reading an inert document (no scripts, no loads). */
export function htmlToNodes(html) {
  const doc = new DOMParser().parseFromString(String(html), 'text/html');
  const count = { n: 0 };
  return convertChildren(doc.body, 0, count);
}

function convertChildren(parent, depth, count) {
  const out = [];
  if (depth > MAX_DEPTH) return out;
  for (let c = parent.firstChild; c; c = c.nextSibling) {
    if (++count.n > MAX_NODES) break;
    if (c.nodeType === 3) out.push({ type: 'text', text: c.data, raw: true });
    else if (c.nodeType === 1) {
      const attrs = {};
      for (const a of c.attributes) attrs[a.name] = a.value;
      out.push({ name: c.localName, attrs, children: convertChildren(c, depth + 1, count) });
    }
  }
  return out;
}

/**
 * Build the sanitised DOM for rich-text `nodes` (array or HTML string) into a fragment.
 * `opts.url(src)` vets image sources (null drops the image); `opts.space` as the attribute;
 * `opts.scope` the style scope classes are also given in.
 */
export function buildRichText(nodes, opts = {}) {
  const frag = document.createDocumentFragment();
  let list = nodes;
  if (typeof nodes === 'string') list = htmlToNodes(nodes);
  else if (nodes && !Array.isArray(nodes) && typeof nodes === 'object') list = [nodes];
  if (!Array.isArray(list)) return frag;
  const count = { n: 0 };
  for (const n of list) appendNode(frag, n, 0, opts, count);
  return frag;
}

function appendNode(parent, node, depth, opts, count) {
  if (!node || typeof node !== 'object' || depth > MAX_DEPTH || ++count.n > MAX_NODES) return;
  if (node.type === 'text') {
    let text = typeof node.text === 'string' ? node.text : node.text == null ? '' : String(node.text);
    // Text from the HTML form is already decoded by the parser; node text "supports entities".
    if (!node.raw) text = decodeEntities(text);
    parent.appendChild(document.createTextNode(applySpace(text, opts.space)));
    return;
  }
  if (node.type !== undefined && node.type !== 'node') return;
  const name = typeof node.name === 'string' ? node.name.toLowerCase() : '';
  if (!Object.prototype.hasOwnProperty.call(TAGS, name)) return; // untrusted: drop the subtree
  const el = document.createElement(name);
  const attrs = node.attrs && typeof node.attrs === 'object' ? node.attrs : {};
  const allowed = TAGS[name];
  for (const key of Object.keys(attrs)) {
    const lower = key.toLowerCase();
    const value = attrs[key];
    if (value === null || value === undefined || typeof value === 'object') continue;
    const v = String(value);
    if (lower === 'class') {
      // Plain, and in the rich-text's own style scope (`<scope>--name`) like any element's class.
      for (const c of v.split(/\s+/)) {
        if (!c) continue;
        el.classList.add(c);
        if (typeof opts.scope === 'string' && /^[\w-]+$/.test(opts.scope)) el.classList.add(`${opts.scope}--${c}`);
      }
    } else if (lower === 'style') {
      safeStyle(el, v);
    } else if (allowed.includes(lower)) {
      if (lower === 'src') continue; // below
      if (NUMERIC.has(lower)) {
        if (/^\s*\d+(\.\d+)?(px|%)?\s*$/.test(v)) el.setAttribute(lower, v.trim());
      } else if (ENUMS[lower]) {
        if (ENUMS[lower].test(v)) el.setAttribute(lower, v);
      } else if (lower === 'alt') {
        el.setAttribute('alt', v);
      }
    }
  }
  if (name === 'img') {
    const src = typeof attrs.src === 'string' && opts.url ? opts.url(attrs.src) : null;
    if (!src) return; // nothing to show, and nothing may load
    el.setAttribute('src', src);
    el.setAttribute('referrerpolicy', 'no-referrer');
    el.draggable = false;
  }
  if (Array.isArray(node.children)) {
    for (const c of node.children) appendNode(el, c, depth + 1, opts, count);
  }
  parent.appendChild(el);
}
