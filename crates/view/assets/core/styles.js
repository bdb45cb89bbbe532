// @ts-check
// The package's compiled stylesheets: parsed by the browser (constructed CSSStyleSheets), type
// selectors renamed to our elements (`view` -> `wx-view`), page sheets confined to their page
// and every other sheet to the pages (never the document, the view's chrome or the host's
// watermark), adopted in the order the `config` message lists them (after the built-ins'
// <link> sheets).
import { pkgUrl } from './url.js';

// Pseudo-classes whose argument is a selector list (type selectors inside are renamed too).
const LIST_PSEUDOS = new Set(['is', 'not', 'where', 'has', 'matches', '-webkit-any', 'any']);

function isIdentStart(c) {
  return /[a-zA-Z_]/.test(c) || c > '\x7f' || c === '\\';
}
function isIdent(c) {
  return /[a-zA-Z0-9_-]/.test(c) || c > '\x7f';
}

/** End index of the string starting at `i` (a quote). */
function skipString(s, i) {
  const q = s[i];
  let j = i + 1;
  while (j < s.length && s[j] !== q) j += s[j] === '\\' ? 2 : 1;
  return Math.min(j + 1, s.length);
}

/** Index just after the bracket matching the one at `i` (`[` or `(`), skipping strings. */
function skipBlock(s, i) {
  const open = s[i];
  const close = open === '[' ? ']' : ')';
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === '"' || c === "'") j = skipString(s, j) - 1;
    else if (c === '\\') j++;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return j + 1;
  }
  return s.length;
}

/** Index after the identifier starting at `i` (escapes included). */
function skipIdent(s, i) {
  let j = i;
  while (j < s.length) {
    if (s[j] === '\\') j += 2;
    else if (isIdent(s[j])) j++;
    else break;
  }
  return j;
}

/** Split at top-level commas. */
function splitList(s) {
  const out = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") i = skipString(s, i) - 1;
    else if (c === '[' || c === '(') i = skipBlock(s, i) - 1;
    else if (c === '\\') i++;
    else if (c === ',') {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter(Boolean);
}

/**
 * Rename type selectors in one complex selector. `pageSel` replaces `page` (for page sheets);
 * returns [text, startsWithPage].
 */
function rewriteComplex(s, pageSel) {
  let out = '';
  let atStart = true;
  let first = true;
  let startsWithPage = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '"' || c === "'") {
      const j = skipString(s, i);
      out += s.slice(i, j);
      i = j;
      atStart = false;
    } else if (c === '[') {
      const j = skipBlock(s, i);
      out += s.slice(i, j);
      i = j;
      atStart = false;
    } else if (c === ' ' || c === '>' || c === '+' || c === '~' || c === '\n' || c === '\t') {
      out += c;
      i++;
      atStart = true;
      first = false;
    } else if (c === '.' || c === '#') {
      const j = skipIdent(s, i + 1);
      out += s.slice(i, j);
      i = j;
      atStart = false;
    } else if (c === ':') {
      let j = i + 1;
      if (s[j] === ':') j++;
      const k = skipIdent(s, j);
      const name = s.slice(j, k).toLowerCase();
      if (name === 'root' && j === i + 1 && first && out.trim() === '') {
        // The app's root is its page (`:root { --brand: … }` reaches the page's elements).
        out += pageSel || 'wx-page';
        startsWithPage = true;
        i = k;
      } else if (s[k] === '(') {
        const end = skipBlock(s, k);
        const inner = s.slice(k + 1, end - 1);
        out += s.slice(i, k) + '(' + (LIST_PSEUDOS.has(name) ? rewriteList(inner, pageSel, false) : inner) + ')';
        i = end;
      } else {
        out += s.slice(i, k);
        i = k;
      }
      atStart = false;
    } else if (atStart && isIdentStart(c)) {
      const j = skipIdent(s, i);
      const name = s.slice(i, j);
      if (s[j] === '|') {
        out += s.slice(i, j); // a namespace prefix: leave it alone
      } else {
        const lower = name.toLowerCase();
        if (lower === 'page' && first) startsWithPage = true;
        if (lower === 'page' && pageSel) out += pageSel;
        else if (lower.startsWith('wx-')) out += name;
        else out += 'wx-' + name;
      }
      i = j;
      atStart = false;
    } else {
      out += c;
      i++;
      atStart = false;
    }
  }
  return [out, startsWithPage];
}

/**
 * Rewrite a selector list. For a page sheet (`scope` set and `top`), selectors that do not start
 * with `page` are confined to that page; `:where()` keeps the original specificity.
 */
export function rewriteList(selector, pageSel, top, confine) {
  return splitList(selector)
    .map((one) => {
      const [text, startsWithPage] = rewriteComplex(one, pageSel);
      return top && confine && !startsWithPage ? `${confine} ${text}` : text;
    })
    .join(', ');
}

/** Rewrite every style rule of a rule list, recursing into grouping rules. */
function rewriteRules(rules, pageSel, confine, top) {
  for (const rule of Array.from(rules)) {
    if (rule instanceof CSSStyleRule) {
      const before = rule.selectorText;
      const after = rewriteList(before, pageSel, top, confine);
      if (after !== before) rule.selectorText = after;
      // Nested style rules (CSS nesting) are relative to this one: rename only.
      if (rule.cssRules && rule.cssRules.length) rewriteRules(rule.cssRules, pageSel, null, false);
    } else if (rule.cssRules && !(typeof CSSKeyframesRule !== 'undefined' && rule instanceof CSSKeyframesRule)) {
      rewriteRules(rule.cssRules, pageSel, confine, top);
    }
  }
}

// Keyframes are global to the document, and the view adopts every sheet of the package at once,
// where WeChat loads only the page's own sheet and its components' sheets: a page or component
// defining `@keyframes loading` would animate every other sheet's `loading`. Each sheet gets
// private names for its keyframes, and its own animations use them. The global name stays
// (other sheets may use app.wxss's keyframes), except for a page sheet, whose keyframes exist
// only on its page.
let keyframesSerial = 0;
const PLAIN_NAME = /^-?[_a-zA-Z][-_a-zA-Z0-9]*$/;

function aliasKeyframes(group, names, suffix, keepGlobal) {
  const rules = group.cssRules;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r instanceof CSSKeyframesRule) {
      if (!PLAIN_NAME.test(r.name)) continue;
      const alias = r.name + suffix;
      names.set(r.name, alias);
      if (keepGlobal) {
        group.insertRule(r.cssText, i + 1);
        rules[++i].name = alias;
      } else {
        r.name = alias;
      }
    } else if (r.cssRules && !(r instanceof CSSStyleRule) && typeof group.insertRule === 'function') {
      aliasKeyframes(r, names, suffix, keepGlobal);
    }
  }
}

function pointAnimations(rules, names) {
  for (const r of Array.from(rules)) {
    if (r instanceof CSSKeyframesRule) continue;
    const v = r.style ? r.style.getPropertyValue('animation-name') : '';
    if (v) {
      let changed = false;
      const next = v.split(',').map((n) => {
        const alias = names.get(n.trim());
        if (alias) changed = true;
        return alias || n.trim();
      });
      if (changed) r.style.setProperty('animation-name', next.join(', '), r.style.getPropertyPriority('animation-name'));
    }
    if (r.cssRules && r.cssRules.length) pointAnimations(r.cssRules, names);
  }
}

function localizeKeyframes(sheet, keepGlobal) {
  const names = new Map();
  aliasKeyframes(sheet, names, `--cove${++keyframesSerial}`, keepGlobal);
  if (names.size) pointAnimations(sheet.cssRules, names);
}

/** Parse and rewrite one compiled sheet. `page` confines it to pages whose root has `scope`. */
export function buildSheet(text, { path, scope, page }) {
  const sheet = new CSSStyleSheet({ baseURL: new URL(pkgUrl(path), location.href).href });
  sheet.replaceSync(text);
  const attr = page && scope ? `[wx-page="${String(scope).replace(/["\\]/g, '\\$&')}"]` : null;
  // Every rule matches inside a page only (`page` rules match the page root itself): `*`,
  // `:not(…)` or `[style]` in app.wxss cannot reach the chrome, the document or the watermark.
  rewriteRules(sheet.cssRules, attr ? `wx-page:where(${attr})` : null, attr ? `:where(wx-page${attr})` : ':where(wx-page)', true);
  localizeKeyframes(sheet, !attr);
  return sheet;
}

export class Styles {
  constructor(v) {
    this.v = v;
    /** path -> {sheet, entry} */
    this.loaded = new Map();
    /** entries of page sheets, by page path (without .css) */
    this.pageScopes = new Map();
    this.byIndex = new Map();
    this.order = [];
  }

  /** The scope of a page's own sheet (`pages/a/a` -> `a-1f2e3d`), or null. */
  scopeOf(pagePath) {
    return this.pageScopes.get(pagePath) || null;
  }

  note(entry) {
    const p = String(entry.path);
    if (entry.scope && p.endsWith('.css')) this.pageScopes.set(p.slice(0, -4), String(entry.scope));
  }

  /** Load the `config` message's sheets, in order; resolves when all are adopted. */
  async loadAll(list) {
    if (!Array.isArray(list)) return;
    const t0 = performance.now();
    for (const e of list) this.note(e);
    // The server may inline the text (`css`), saving a request per sheet.
    const texts = await Promise.all(list.map((e) => (typeof e.css === 'string' ? e.css : this.fetchText(e.path))));
    let rules = 0;
    list.forEach((e, i) => {
      if (texts[i] == null || this.loaded.has(e.path)) return;
      const sheet = this.build(texts[i], e);
      if (sheet) rules += sheet.cssRules.length;
    });
    this.adopt();
    this.stats = { sheets: list.length, rules, ms: Math.round(performance.now() - t0) };
    this.v.pages.rescope();
  }

  async fetchText(path) {
    try {
      const r = await fetch(pkgUrl(String(path)));
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return await r.text();
    } catch (e) {
      this.v.viewError(`stylesheet ${path}: ${e && e.message ? e.message : e}`);
      return null;
    }
  }

  build(text, entry) {
    try {
      const sheet = buildSheet(text, entry);
      // `prefers-color-scheme` follows the theme the host states (core/theme.js).
      if (this.v.theme) this.v.theme.addSheet(sheet);
      this.loaded.set(entry.path, { sheet, entry });
      this.order.push(sheet);
      return sheet;
    } catch (e) {
      this.v.viewError(`stylesheet ${entry.path}: ${e && e.message ? e.message : e}`);
      return null;
    }
  }

  adopt() {
    const others = document.adoptedStyleSheets.filter((s) => !this.order.includes(s));
    document.adoptedStyleSheets = [...others, ...this.order];
  }

  /** A `styleSheet` op: the sheet is normally in `config`; load it if it is not. */
  fromOp(path, scope, index) {
    const entry = { path, scope, page: this.v.pages.isPagePath(path.replace(/\.css$/, '')) };
    this.note(entry);
    this.v.pages.rescope();
    const known = this.loaded.get(path);
    if (known) {
      this.byIndex.set(index, known.sheet);
      return;
    }
    this.loaded.set(path, { sheet: null, entry });
    this.fetchText(path).then((text) => {
      if (text == null) return;
      this.loaded.delete(path);
      const sheet = this.build(text, entry);
      if (!sheet) return;
      this.byIndex.set(index, sheet);
      this.adopt();
    });
  }

  disable(index) {
    const s = this.byIndex.get(index);
    if (s) s.disabled = true;
  }
}
