// Formatting of times, sizes and values for the panels (all output is plain text).

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** `HH:MM:SS.mmm` of an epoch-ms time; a string time is shown as given. */
export function clock(time) {
  if (typeof time === 'string' && time) return time.slice(0, 32);
  const d = new Date(typeof time === 'number' && Number.isFinite(time) ? time : Date.now());
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `512 B`, `1.4 kB`, `2.0 MB`; empty when unknown. */
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** `85 ms`, `1.25 s`; empty when unknown. */
export function millis(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '';
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`;
}

/** At most `max` characters, with a note of how many were cut. */
export function truncate(s, max) {
  s = String(s);
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

const encoder = new TextEncoder();

/** UTF-8 byte length. */
export function utf8(s) {
  return encoder.encode(String(s)).length;
}

/** A short one-line rendering of any JSON value. */
export function preview(v, max = 200) {
  let s;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (v === undefined) s = 'undefined';
  else {
    try {
      s = JSON.stringify(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A page query as a string without `?`: accepts a string or a `{key: value}` object. */
export function queryString(q) {
  if (typeof q === 'string') return q.replace(/^\?/, '');
  if (q && typeof q === 'object') {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) p.append(k, v === null || v === undefined ? '' : String(v));
    return p.toString();
  }
  return '';
}

/** `path?query` for display. */
export function pageUrl(path, query) {
  const q = queryString(query);
  return (path || '') + (q ? '?' + q : '');
}
