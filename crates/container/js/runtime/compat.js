// What WeChat's base library puts in a mini-program's scope besides `wx`, which real apps and
// the frameworks they are built with read at load: `__wxConfig`, `requirePlugin`, the
// worklet API of the Skyline renderer (pages that ask for Skyline run in Cove's WebView-style
// view, as in WeChat where Skyline is unavailable), and the XR-frame system object.

/**
 * `__wxConfig`: the app's configuration as the base library holds it. Apps read
 * `envVersion` and `accountInfo` (which server to call), `pages` and `global.window`.
 */
function wxConfig() {
  const window = (appJson && appJson.window) || {};
  return {
    envVersion: accountInfo.miniProgram.envVersion,
    accountInfo: copy(accountInfo),
    platform: systemInfo.platform,
    pages: (appJson && appJson.pages) || [],
    entryPagePath: (appJson && appJson.entryPagePath) || ((appJson && appJson.pages) || [])[0] || '',
    subPackages: (appJson && (appJson.subPackages || appJson.subpackages)) || [],
    tabBar: (appJson && appJson.tabBar) || undefined,
    global: { window },
    window,
    debug: false,
  };
}
Object.defineProperty(global, '__wxConfig', { get: wxConfig, enumerable: false, configurable: true });

/**
 * A value that stands for something Cove does not have (a plugin's exports, the XR engine):
 * any property is another such value, it can be called and extended (`class X extends
 * xr.Component`), and it turns into nothing when printed. Code that only sets things up at
 * load runs; what would need the real thing does nothing.
 */
function absent(name) {
  const target = function () {};
  return new Proxy(target, {
    get(t, key) {
      if (key === 'prototype') return t.prototype;
      if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
      if (key === 'toString' || key === 'valueOf') return () => '';
      return absent(`${name}.${String(key)}`);
    },
    apply() {
      return absent(`${name}()`);
    },
    construct() {
      return {};
    },
  });
}

/** `requirePlugin(name)`: Cove has no plugin store; the page loads, the plugin does nothing. */
const pluginsWarned = new Set();
global.requirePlugin = function requirePlugin(name) {
  const id = String(name);
  if (!pluginsWarned.has(id)) {
    pluginsWarned.add(id);
    console.warn(`requirePlugin('${id}'): mini-program plugins are not supported by Cove; the plugin does nothing`);
  }
  return absent(`requirePlugin('${id}')`);
};

// The XR engine (xr-frame pages): absent, but its scripts, which extend its classes at load,
// still run.
apiKinds.getXrFrameSystem = 'unsupported';
wx.getXrFrameSystem = () => {
  post({ t: 'unsupported', api: 'getXrFrameSystem' });
  return absent('xrFrameSystem');
};

// ---- worklets (the Skyline renderer's animation API), run on the logic thread ----------------------------------
const easing = {
  linear: (t) => t,
  ease: (t) => cubicBezier(0.42, 0, 1, 1)(t),
  quad: (t) => t * t,
  cubic: (t) => t * t * t,
  poly: (n) => (t) => Math.pow(t, n),
  sin: (t) => 1 - Math.cos((t * Math.PI) / 2),
  circle: (t) => 1 - Math.sqrt(1 - t * t),
  exp: (t) => Math.pow(2, 10 * (t - 1)),
  elastic: (b = 1) => (t) => 1 - Math.pow(Math.cos((t * Math.PI) / 2), 3) * Math.cos(t * b * Math.PI),
  back: (s = 1.70158) => (t) => t * t * ((s + 1) * t - s),
  bounce: (t) => {
    if (t < 1 / 2.75) return 7.5625 * t * t;
    if (t < 2 / 2.75) return 7.5625 * (t -= 1.5 / 2.75) * t + 0.75;
    if (t < 2.5 / 2.75) return 7.5625 * (t -= 2.25 / 2.75) * t + 0.9375;
    return 7.5625 * (t -= 2.625 / 2.75) * t + 0.984375;
  },
  // Skyline's `Easing.bezier(...)` is a factory (`.factory()` gives the function).
  bezier: (x1, y1, x2, y2) => withFactory(cubicBezier(x1, y1, x2, y2)),
  cubicBezier: (x1, y1, x2, y2) => withFactory(cubicBezier(x1, y1, x2, y2)),
  in: (f) => f,
  out: (f) => (t) => 1 - f(1 - t),
  inOut: (f) => (t) => (t < 0.5 ? f(t * 2) / 2 : 1 - f((1 - t) * 2) / 2),
  step0: (t) => (t > 0 ? 1 : 0),
  step1: (t) => (t >= 1 ? 1 : 0),
};
/** A CSS-style cubic Bézier easing: y for x, by bisection (exact enough for a curve). */
function cubicBezier(x1, y1, x2, y2) {
  const at = (a, b, t) => 3 * a * t * (1 - t) * (1 - t) + 3 * b * t * t * (1 - t) + t * t * t;
  return (x) => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 30; i++) {
      const mid = (lo + hi) / 2;
      if (at(x1, x2, mid) < x) lo = mid;
      else hi = mid;
    }
    return at(y1, y2, (lo + hi) / 2);
  };
}
function withFactory(f) {
  f.factory = () => f;
  return f;
}
/** An animation ends at its target at once; its callback hears that it finished. */
function settleTo(value, callback) {
  if (typeof callback === 'function') Promise.resolve().then(() => safe(() => callback(true)));
  return value;
}
wx.worklet = {
  shared: (value) => ({ value }),
  derived: (fn) => ({
    get value() {
      return fn();
    },
  }),
  timing: (to, options, callback) => settleTo(to, typeof options === 'function' ? options : callback),
  spring: (to, options, callback) => settleTo(to, typeof options === 'function' ? options : callback),
  decay: (options, callback) => settleTo(options && options.clamp ? options.clamp[0] : 0, callback),
  sequence: (...animations) => animations[animations.length - 1],
  repeat: (animation) => animation,
  delay: (_ms, animation) => animation,
  cancelAnimation: () => {},
  runOnUI: (fn) => (...args) => fn(...args),
  runOnJS: (fn) => fn,
  Easing: easing,
};

// Skyline's custom routes: builders are kept for nothing (pages change without them, as on
// the WebView renderer), and a page has no route context.
const routeBuilders = new Map();
wx.router = {
  addRouteBuilder: (name, builder) => void routeBuilders.set(name, builder),
  removeRouteBuilder: (name) => void routeBuilders.delete(name),
  getRouteContext: () => null,
};

// Experiments (WeChat's A/B platform): none are running here.
syncApi('getExptInfoSync', 'js', () => ({}));

// Background fetch (data WeChat's servers prefetch before launch): the token is kept, as in
// WeChat DevTools' simulator; no data was ever prefetched here, so reading it fails.
let backgroundFetchToken = '';
asyncApi('setBackgroundFetchToken', 'js', (o) => {
  if (typeof o.token !== 'string') throw new WxFail('fail parameter error: parameter.token should be String');
  backgroundFetchToken = o.token;
  return {};
});
asyncApi('getBackgroundFetchToken', 'js', () => ({ token: backgroundFetchToken }));
asyncApi('getBackgroundFetchData', 'js', () => {
  throw new WxFail('fail no background fetch data');
});
listenerApi('onBackgroundFetchData', null, []);
