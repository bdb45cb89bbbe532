// @ts-check
// URLs a component may load: package files and allowed web origins only (docs/view.md, `ctx.url`).

/** The package path of a file as the simulator serves it. */
export function pkgUrl(path) {
  return '/__cove/pkg/' + path.split('/').map(encodeURIComponent).join('/');
}

/** Resolve `src` against the folder of `from` (a package path), clamped at the root. */
export function resolvePath(src, from) {
  const parts = src.startsWith('/') ? [] : (from || '').split('/').slice(0, -1);
  for (const seg of src.split(/[/\\]+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

function domainAllowed(list, url) {
  return list.some((d) => {
    const s = String(d).trim().toLowerCase().replace(/\/+$/, '');
    if (!s) return false;
    if (/^[a-z]+:\/\//.test(s)) return url.origin === s;
    return url.host === s;
  });
}

/**
 * A safe URL for `src`, or null. `kind` is 'image', 'media' or 'webView'; `pagePath` is the page
 * the element is on (relative paths are resolved against it, as WeChat does for page templates).
 */
export function safeUrl(v, src, kind, pagePath) {
  if (typeof src !== 'string') return null;
  const s = src.trim();
  if (!s) return null;
  if (/^https?:\/\//i.test(s)) {
    let url;
    try {
      url = new URL(s);
    } catch {
      return null;
    }
    const cfg = v.config || {};
    const list = (cfg.domains && Array.isArray(cfg.domains[kind]) && cfg.domains[kind]) || [];
    const dev = cfg.dev !== false;
    if (domainAllowed(list, url)) return url.href;
    if (dev && list.length === 0 && url.protocol === 'https:') return url.href;
    return null;
  }
  if (/^data:image\/(png|jpe?g|gif|webp|bmp|svg\+xml)[;,]/i.test(s) && kind === 'image') return s;
  // The app's own files (temp, saved, usr): the host serves them from the app's sandbox.
  if (/^wxfile:\/\//i.test(s) && kind !== 'webView') {
    const rest = s.slice('wxfile://'.length).split(/[?#]/)[0];
    if (!rest || rest.split('/').some((seg) => seg === '..' || seg === '.')) return null;
    return '/__cove/wxfile/' + rest.split('/').map(encodeURIComponent).join('/');
  }
  // Any other scheme (javascript:, blob:, //host) is refused.
  if (/^[a-z][a-z0-9+.-]*:/i.test(s) || s.startsWith('//')) return null;
  const path = resolvePath(s.split(/[?#]/)[0], pagePath);
  return path ? pkgUrl(path) : null;
}
