// WeChat's keyframe animations on every page and component (`this.animate`,
// `this.clearAnimation`, base library 2.9.0). The selector is resolved in the caller's own
// shadow tree, as `createSelectorQuery().in(this)` does; the keyframes are turned into CSS
// values here and played by the view with the Web Animations API (host request `animate`,
// docs/protocol.md). The view answers when the animation has finished; a host without a view
// fails the request (or answers null), and the callback then runs on the app's own clock.

/** Keyframe fields that are CSS transform functions, composed in the order the keyframe lists them. */
const KF_TRANSFORMS = new Set([
  'matrix', 'matrix3d', 'rotate', 'rotate3d', 'rotateX', 'rotateY', 'rotateZ', 'scale', 'scale3d',
  'scaleX', 'scaleY', 'scaleZ', 'skew', 'skewX', 'skewY', 'translate', 'translate3d', 'translateX',
  'translateY', 'translateZ',
]);
/** CSS properties whose numbers have no unit; any other number is a length in px. */
const KF_UNITLESS = new Set(['opacity', 'zIndex', 'fontWeight', 'lineHeight', 'flex', 'flexGrow', 'flexShrink', 'order', 'zoom', 'fillOpacity', 'strokeOpacity']);
/** Keyframe fields that are not animated properties. */
const KF_META = new Set(['offset', 'ease', 'easing', 'composite']);
// The runtime's own timer: app code may replace the global one.
const kfTimer = global.setTimeout;

/** `v` with `unit` when it is a bare number (or a numeric string), else as written. */
function kfUnit(v, unit) {
  if (typeof v === 'number') return Number.isFinite(v) ? `${v}${unit}` : `0${unit}`;
  const s = String(v).trim();
  return s !== '' && Number.isFinite(Number(s)) ? `${Number(s)}${unit}` : s;
}

/** A CSS transform function for one keyframe field, or null when the value makes no sense. */
function kfTransform(key, v) {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || list.some((x) => (typeof x !== 'number' && typeof x !== 'string'))) return null;
  const nums = (xs) => xs.map((x) => kfUnit(x, '')).join(', ');
  const lens = (xs) => xs.map((x) => kfUnit(x, 'px')).join(', ');
  const degs = (xs) => xs.map((x) => kfUnit(x, 'deg')).join(', ');
  switch (key) {
    case 'matrix':
    case 'matrix3d':
    case 'scale':
    case 'scale3d':
    case 'scaleX':
    case 'scaleY':
    case 'scaleZ':
      return `${key}(${nums(list)})`;
    case 'rotate3d':
      return `rotate3d(${nums(list.slice(0, 3))}, ${kfUnit(list[3] === undefined ? 0 : list[3], 'deg')})`;
    case 'rotate':
    case 'rotateX':
    case 'rotateY':
    case 'rotateZ':
    case 'skew':
    case 'skewX':
    case 'skewY':
      return `${key}(${degs(list)})`;
    default:
      return `${key}(${lens(list)})`;
  }
}

/**
 * WeChat keyframes -> what the view plays: `{offset?, easing?, props: {field: css}}` per frame,
 * fields keyed as the app wrote them (the view composes the transform functions in that order,
 * and `clearAnimation` names fields the same way).
 */
function kfFrames(keyframes) {
  if (!Array.isArray(keyframes)) return [];
  return keyframes.map((k) => {
    const frame = { props: {} };
    if (!k || typeof k !== 'object') return frame;
    const offset = k.offset;
    if (typeof offset === 'number' && Number.isFinite(offset)) frame.offset = offset;
    const easing = k.ease !== undefined ? k.ease : k.easing;
    if (typeof easing === 'string' && easing) frame.easing = easing;
    for (const key of Object.keys(k)) {
      if (KF_META.has(key) || !/^[A-Za-z][A-Za-z0-9]*$/.test(key)) continue;
      const v = k[key];
      if (v === undefined || v === null) continue;
      let css;
      if (KF_TRANSFORMS.has(key)) css = kfTransform(key, v);
      else if (typeof v === 'number') css = KF_UNITLESS.has(key) ? String(v) : kfUnit(v, 'px');
      else if (typeof v === 'string') css = v;
      if (css !== null && css !== undefined) frame.props[key] = css;
    }
    return frame;
  });
}

/** Backend node ids of the elements `selector` matches in `caller`'s own shadow tree. */
function kfNodes(caller, selector) {
  const comp = caller && caller._$;
  const root = comp && typeof comp.getShadowRoot === 'function' ? comp.getShadowRoot() : null;
  if (!root || typeof selector !== 'string' || selector === '') return [];
  let found;
  try {
    found = root.querySelectorAll(selector);
  } catch (_e) {
    return [];
  }
  const ids = [];
  for (const el of found || []) {
    const b = el && el._$backendElement;
    if (b && typeof b.__id === 'number') ids.push(b.__id);
  }
  return ids;
}

/** A view answered: `{}` once played to the end, `{cancelled: true}` when cleared first. */
function kfAnswered(r) {
  return r !== null && r !== undefined && typeof r === 'object';
}

const kfCallerProto = adapter.component.ComponentCaller.prototype;

/**
 * `this.animate(selector, keyframes, duration, callback)`, and the scroll-driven form whose
 * fourth argument is `{scrollSource, orientation, startScrollOffset, endScrollOffset,
 * timeRange}`: the view then ties the animation's progress to that scroll-view's offset.
 */
kfCallerProto.animate = function animate(selector, keyframes, duration, callback) {
  const caller = this;
  const nodes = kfNodes(caller, selector);
  const ms = Math.max(0, Number(duration) || 0);
  const keyframesOut = kfFrames(keyframes);
  if (callback && typeof callback === 'object') {
    const t = callback;
    const source = kfNodes(caller, t.scrollSource)[0];
    if (!nodes.length || source === undefined) return;
    const num = (x, d) => (Number.isFinite(Number(x)) ? Number(x) : d);
    const scroll = {
      source,
      orientation: t.orientation === 'horizontal' ? 'horizontal' : 'vertical',
      startScrollOffset: num(t.startScrollOffset, 0),
      endScrollOffset: num(t.endScrollOffset, 0),
      timeRange: num(t.timeRange, ms),
    };
    hostRequest('animate', { nodes, keyframes: keyframesOut, duration: ms, scroll }).catch(() => {});
    return;
  }
  const done = () => {
    if (typeof callback === 'function') safe(() => callback.call(caller));
  };
  const onClock = () => kfTimer(done, ms);
  if (!nodes.length) {
    onClock();
    return;
  }
  hostRequest('animate', { nodes, keyframes: keyframesOut, duration: ms, scroll: null }).then(
    (r) => {
      if (!kfAnswered(r)) onClock();
      else if (!r.cancelled) done();
    },
    onClock,
  );
};

/**
 * `this.clearAnimation(selector, options?, callback?)`: stops the animations on the matched
 * elements and drops the styles they left; with `options` ({opacity: true, rotate: true}) only
 * those fields, the others keep playing or holding their end values.
 */
kfCallerProto.clearAnimation = function clearAnimation(selector, options, callback) {
  const caller = this;
  if (typeof options === 'function') {
    callback = options;
    options = undefined;
  }
  const props = options && typeof options === 'object' ? Object.keys(options).filter((k) => options[k]) : null;
  const done = () => {
    if (typeof callback === 'function') safe(() => callback.call(caller));
  };
  const nodes = kfNodes(caller, selector);
  if (!nodes.length) {
    kfTimer(done, 0);
    return;
  }
  hostRequest('clearAnimation', { nodes, props }).then(done, done);
};

// ---- Skyline's worklet styles, on the WebView-style view ----------------------------------------------------
// `applyAnimatedStyle(selector, updater)` binds a style to shared values on Skyline's UI thread.
// Here the updater runs once on the logic thread and its style goes to the elements' animation
// segment (glass-easel's, kept apart from the template's style): the element shows the style
// the worklet computes at first, which is what a page that falls back to the WebView renderer
// shows in WeChat until a gesture drives it.
const UNITLESS = new Set(['opacity', 'zIndex', 'flex', 'flexGrow', 'flexShrink', 'fontWeight', 'lineHeight', 'order', 'scale']);
function animatedStyleText(style) {
  if (!style || typeof style !== 'object') return '';
  const parts = [];
  for (const key of Object.keys(style)) {
    const v = style[key];
    if (v === undefined || v === null || v === '') continue;
    const name = key.startsWith('--') ? key : key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    parts.push(`${name}:${typeof v === 'number' && !UNITLESS.has(key) ? `${v}px` : String(v)}`);
  }
  return parts.join(';');
}
function animatedElements(caller, selector) {
  const comp = caller && caller._$;
  const root = comp && typeof comp.getShadowRoot === 'function' ? comp.getShadowRoot() : null;
  if (!root || typeof selector !== 'string' || selector === '') return [];
  try {
    return root.querySelectorAll(selector) || [];
  } catch (_e) {
    return [];
  }
}
let animatedStyleIds = 0;
kfCallerProto.applyAnimatedStyle = function applyAnimatedStyle(selector, updater, _config, callback) {
  let text = '';
  try {
    text = animatedStyleText(typeof updater === 'function' ? updater() : null);
  } catch (e) {
    // Skyline runs the updater on its UI thread, where a failure is a warning there and never
    // reaches the app's onError; here it most often reads a route context Cove does not have.
    console.warn(`applyAnimatedStyle('${selector}'): ${e && e.message ? e.message : e}`);
  }
  for (const el of animatedElements(this, selector)) {
    if (typeof el.setNodeStyle === 'function') el.setNodeStyle(text, 2);
  }
  const result = { styleId: ++animatedStyleIds };
  if (typeof callback === 'function') Promise.resolve().then(() => safe(() => callback(result)));
  return Promise.resolve(result);
};
kfCallerProto.clearAnimatedStyle = function clearAnimatedStyle(selector, _styleIds, callback) {
  for (const el of animatedElements(this, selector)) {
    if (typeof el.setNodeStyle === 'function') el.setNodeStyle('', 2);
  }
  if (typeof callback === 'function') Promise.resolve().then(() => safe(() => callback()));
  return Promise.resolve();
};

/** `this.getPageId()`: the page the component is in (a page's own is its own id). */
kfCallerProto.getPageId = function getPageId() {
  let comp = this && this._$;
  for (let i = 0; comp && comp.ownerShadowRoot && i < 10000; i++) comp = comp.ownerShadowRoot.getHostNode();
  const caller = comp && typeof comp.getMethodCaller === 'function' ? comp.getMethodCaller() : null;
  const id = caller && caller.__pageId__;
  return `pageId:${id === undefined ? 0 : id}`;
};
