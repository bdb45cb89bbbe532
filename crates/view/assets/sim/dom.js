// DOM helpers for the simulator. Everything the mini-program sends is untrusted, so nodes
// are only ever built with createElement and text nodes, never parsed from HTML.

/**
 * An element: `opts` may hold `class`, `text`, `title`, `attrs` (our own constant
 * attributes), `on` (event listeners); `children` are nodes or strings (text nodes).
 */
export function h(tag, opts = {}, children = []) {
  const el = document.createElement(tag);
  if (opts.class) el.className = opts.class;
  if (opts.text !== undefined && opts.text !== null) el.textContent = String(opts.text);
  if (opts.title !== undefined && opts.title !== null) el.title = String(opts.title);
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) el.setAttribute(k, v);
  if (opts.on) for (const [k, f] of Object.entries(opts.on)) el.addEventListener(k, f);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A `<button>` with a label and a click handler. */
export function button(label, onClick, opts = {}) {
  return h('button', { ...opts, text: label, attrs: { type: 'button', ...(opts.attrs || {}) }, on: { click: onClick } });
}

/** A `<select>` of `[value, label]` pairs. */
export function select(options, value, onChange, opts = {}) {
  const el = h('select', opts);
  for (const [v, label] of options) {
    const o = h('option', { text: label });
    o.value = v;
    el.append(o);
  }
  el.value = value;
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

/** Remove every child. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}

/** localStorage that survives being unavailable (private mode, file URLs). */
export const prefs = {
  get(key, d) {
    try {
      const v = localStorage.getItem('cove.sim.' + key);
      return v === null ? d : v;
    } catch {
      return d;
    }
  },
  set(key, v) {
    try {
      localStorage.setItem('cove.sim.' + key, String(v));
    } catch {
      // not persisted; the choice still applies to this session
    }
  },
};
