// Small helpers shared by the built-in components.

/** WXML booleans: `true`, a bare attribute (`""`), or a string; `"false"` and `0` are false. */
export function bool(v) {
  if (v === null || v === undefined || v === false || v === 0) return false;
  if (typeof v === 'string') return v !== 'false' && v !== '0';
  return true;
}

/** A number, or `d` when `v` is not one. */
export function num(v, d = 0) {
  const n = typeof v === 'number' ? v : parseFloat(v);
  return Number.isFinite(n) ? n : d;
}

/** A string for display; `null`/`undefined` become empty. */
export function str(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Create an element with classes, never from HTML. */
export function h(tag, cls, parent) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (parent) parent.appendChild(el);
  return el;
}

/** A length as WeChat takes it in attributes: `12` (px), `"12px"`, `"24rpx"`. */
export function px(v, d = 0) {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return d;
  const n = parseFloat(v);
  if (!Number.isFinite(n)) return d;
  if (v.trim().endsWith('rpx')) return (n * window.innerWidth) / 750;
  return n;
}
