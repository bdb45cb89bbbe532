// `wx.*`: every method is declared here with how it is served: by Rust natives (storage,
// files, network), in JS (routing, UI messages, system info), by the host (anything that
// needs a person or a device), or not at all ("<name>:fail not supported", as WeChat does
// for APIs a client lacks). `__cove.apis` exposes the table for `cove-devtools apis`.

const wx = {};
/** name -> 'native' | 'js' | 'host' | 'unsupported' */
const apiKinds = {};
/** Methods called for their return value (automation calls them directly, not with callbacks). */
const syncNames = new Set();

class WxFail extends Error {
  /** @param {string} tail e.g. "fail data not found" */
  constructor(tail) {
    super(tail);
    this.tail = tail;
  }
}

// ---- natives: JSON across, binary as bytes beside it ---------------------------------------------------------
// The names below are the typed table of `cove_protocol::bridge` (crates/protocol/src/bridge.rs);
// a test in crates/container/src/bridge.rs checks every one this runtime uses against it.
// An ArrayBuffer or typed array in the arguments does not go into the JSON: it crosses as
// bytes in `bufs`, and the JSON holds `{$buf: i}` where it was. Answers and task events
// come back the same way.

/** `v` for the JSON text, each ArrayBuffer or view in it replaced by `{$buf: i}`, its bytes `bufs[i]`. */
function packBinary(v, bufs) {
  if (v instanceof $ArrayBuffer || $isView(v)) {
    const i = bufs.length;
    bufs[i] = v instanceof $ArrayBuffer ? v : new $Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return { $buf: i };
  }
  if ($isArray(v)) {
    const out = [];
    for (let i = 0; i < v.length; i++) out[i] = packBinary(v[i], bufs);
    return out;
  }
  if (v && typeof v === 'object' && $getPrototypeOf(v) === $ObjectPrototype) {
    const o = {};
    const keys = $keys(v);
    for (let i = 0; i < keys.length; i++) if (typeof v[keys[i]] !== 'function') o[keys[i]] = packBinary(v[keys[i]], bufs);
    return o;
  }
  return v;
}
/** Parsed JSON with each `{$buf: i}` replaced by the ArrayBuffer `bufs[i]`. */
function unpackBinary(v, bufs) {
  if ($isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = unpackBinary(v[i], bufs);
  } else if (v && typeof v === 'object') {
    const keys = $keys(v);
    if (keys.length === 1 && keys[0] === '$buf') return bufs[v.$buf];
    for (let i = 0; i < keys.length; i++) v[keys[i]] = unpackBinary(v[keys[i]], bufs);
  }
  return v;
}
/** A native's answer: `{ok}`/`{err}` as text, or `[text, buf0, buf1...]` when it has binary parts. */
function readAnswer(r) {
  if (typeof r === 'string') return $parse(r);
  const bufs = [];
  for (let i = 1; i < r.length; i++) bufs[i - 1] = r[i];
  return unpackBinary($parse(r[0]), bufs);
}
/** The JSON text of `args`; binary parts go to `bufs`. */
function packArgs(args, bufs) {
  return $stringify(packBinary(args === undefined ? null : args, bufs));
}

/** A synchronous native call; throws WxFail with WeChat's errMsg tail. */
function nativeCall(name, args) {
  const bufs = [];
  const json = packArgs(args, bufs);
  const r = readAnswer(bufs.length ? native.call(name, json, bufs) : native.call(name, json));
  if (r.err !== undefined) throw new WxFail(r.err);
  return r.ok;
}

/** Native tasks by id: `events(kind, payload)` for progress etc., then `done`. */
const tasks = new $Map();
function nativeStart(name, args, handlers) {
  const bufs = [];
  const json = packArgs(args, bufs);
  const id = bufs.length ? native.start(name, json, bufs) : native.start(name, json);
  $mapSet(tasks, id, handlers);
  return id;
}
/** Called by Rust with a task's event; `complete`/`fail` end it. */
function deliver(id, kind, json, bufs) {
  const h = $mapGet(tasks, id);
  if (!h) return;
  const payload = bufs ? unpackBinary($parse(json), bufs) : $parse(json);
  if (kind === 'complete' || kind === 'fail' || kind === 'close') $mapDelete(tasks, id);
  safe(() => h(kind, payload));
}
/** A call on a running task; throws WxFail with WeChat's errMsg tail. */
function nativeTaskCall(id, method, args) {
  const bufs = [];
  const json = packArgs(args, bufs);
  const r = readAnswer(bufs.length ? native.taskCall(id, method, json, bufs) : native.taskCall(id, method, json));
  if (r.err !== undefined) throw new WxFail(r.err);
  return r.ok;
}

/** Ask the host (a person or a device) and get a promise of its answer. */
function hostRequest(api, args) {
  // The host may answer from the view, which must have the nodes this turn drew so far.
  flushOps();
  return new $Promise((resolve, reject) => {
    nativeStart('host', { api, args: args === undefined ? {} : args }, (kind, payload) => {
      if (kind === 'complete') resolve(payload);
      else if (kind === 'fail') reject(new WxFail(String(payload)));
    });
  });
}

/** A message for the view or host, built where the app's prototypes cannot rewrite it. */
function post(msg) {
  const t = msg.t;
  native.post($stringify($getPrototypeOf(msg) === null ? msg : sealed(msg)));
  if (t === 'route') routeAnnounced(msg);
}

// ---- calling conventions -------------------------------------------------------------------------------
function stripCallbacks(opts) {
  const o = {};
  if (opts && typeof opts === 'object') for (const k of Object.keys(opts)) if (typeof opts[k] !== 'function') o[k] = opts[k];
  return o;
}
function failure(name, e) {
  const tail = e instanceof WxFail ? e.tail : `fail ${e && e.message ? e.message : e}`;
  const r = { errMsg: `${name}:${tail}` };
  if (e && e.errno !== undefined) r.errno = e.errno;
  return r;
}
function settle(name, opts, p) {
  const hasCb = opts && (typeof opts.success === 'function' || typeof opts.fail === 'function' || typeof opts.complete === 'function');
  const out = p.then(
    (r) => Object.assign({ errMsg: `${name}:ok` }, r === undefined ? {} : r),
    (e) => {
      throw failure(name, e);
    },
  );
  if (!hasCb) return out;
  out.then(
    (r) => {
      if (typeof opts.success === 'function') safe(() => opts.success(r));
      if (typeof opts.complete === 'function') safe(() => opts.complete(r));
    },
    (e) => {
      if (typeof opts.fail === 'function') safe(() => opts.fail(e));
      if (typeof opts.complete === 'function') safe(() => opts.complete(e));
    },
  );
  return undefined;
}

/** An async API: callbacks when given, otherwise a Promise, as WeChat does. */
function asyncApi(name, kind, run) {
  apiKinds[name] = kind;
  wx[name] = function (opts) {
    const o = opts || {};
    let p;
    try {
      p = Promise.resolve(run(o));
    } catch (e) {
      p = Promise.reject(e);
    }
    return settle(name, o, p);
  };
}
function syncApi(name, kind, fn) {
  apiKinds[name] = kind;
  syncNames.add(name);
  wx[name] = function (...args) {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof WxFail) throw new Error(`${name}:${e.tail}`);
      throw e;
    }
  };
}
function hostApi(name) {
  asyncApi(name, 'host', (o) => hostRequest(name, stripCallbacks(o)));
}
/** Namespaces made for the host's own APIs (so a name cannot take over an app's global). */
const hostNamespaces = new Set();
/**
 * The host app's own APIs (`AppConfig.host_apis`): `name` becomes `wx.name`, `ns.name` a
 * method of a global `ns`. Each goes to the host as a request of that name, where the guard
 * checks the platform granted it. WeChat's own APIs cannot be replaced.
 */
function registerHostApis(names) {
  for (const full of names || []) {
    if (typeof full !== 'string' || !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/.test(full)) continue;
    const dot = full.indexOf('.');
    if (dot < 0) {
      if (!apiKinds[full] || apiKinds[full] === 'unsupported') hostApi(full);
      continue;
    }
    const ns = full.slice(0, dot);
    let obj = global[ns];
    if (obj === undefined) {
      obj = {};
      Object.defineProperty(global, ns, { value: obj, enumerable: false, writable: false, configurable: false });
      hostNamespaces.add(obj);
    } else if (!hostNamespaces.has(obj)) continue;
    apiKinds[full] = 'host';
    Object.defineProperty(obj, full.slice(dot + 1), {
      value: (opts) => {
        const o = opts || {};
        return settle(full, o, Promise.resolve().then(() => hostRequest(full, stripCallbacks(o))));
      },
      enumerable: true,
      writable: false,
      configurable: false,
    });
  }
}
/** `onX`/`offX` pairs over a listener list. */
function listenerApi(on, off, list) {
  apiKinds[on] = 'js';
  wx[on] = (fn) => {
    if (typeof fn === 'function') list.push(fn);
  };
  if (off) {
    apiKinds[off] = 'js';
    wx[off] = (fn) => {
      const i = fn ? list.indexOf(fn) : -1;
      if (fn === undefined) list.length = 0;
      else if (i >= 0) list.splice(i, 1);
    };
  }
}
function unsupported(name) {
  apiKinds[name] = 'unsupported';
  wx[name] = function (opts) {
    const r = { errMsg: `${name}:fail not supported` };
    post({ t: 'unsupported', api: name });
    // A listener for events that never come here: registered, never called (as a phone
    // without the hardware does). Libraries call these unguarded at load.
    if (/^(on|off)[A-Z]/.test(name)) return undefined;
    // A context or manager (`createVideoContext`, `createInterstitialAd`, `createWorker`):
    // the page still opens, and each call on it fails in WeChat's shape.
    if (/^create[A-Z]|^get.*Manager$/.test(name)) return stubObject(name);
    if (opts && typeof opts === 'object' && (opts.fail || opts.complete || opts.success)) {
      // Callbacks run later, as for every other API.
      Promise.resolve().then(() => {
        if (typeof opts.fail === 'function') safe(() => opts.fail(r));
        if (typeof opts.complete === 'function') safe(() => opts.complete(r));
      });
      return undefined;
    }
    if (/Sync$/.test(name)) throw new Error(r.errMsg);
    return Promise.reject(r);
  };
}

/**
 * What an unsupported `create…`/`get…Manager` returns: every method exists. Listener
 * methods (`onError`, `offLoad`) do nothing; a method given callbacks fails them with
 * `<api>.<method>:fail not supported`; others return a promise that fails the same way
 * (an ad's `show()`), with its rejection handled so that code that ignores it stays quiet.
 */
function stubObject(api) {
  return new Proxy(Object.create(null), {
    get(_t, key) {
      if (typeof key === 'symbol' || key === 'then') return undefined;
      return (opts) => {
        // A listener: never called; what it returns (`onCameraFrame()`'s frame listener)
        // is another such object.
        if (/^(on|off)[A-Z]/.test(key)) return stubObject(`${api}.${key}`);
        const r = { errMsg: `${api}.${key}:fail not supported`, errCode: -1 };
        if (opts && typeof opts === 'object' && (opts.fail || opts.complete || opts.success)) {
          Promise.resolve().then(() => {
            if (typeof opts.fail === 'function') safe(() => opts.fail(r));
            if (typeof opts.complete === 'function') safe(() => opts.complete(r));
          });
          return undefined;
        }
        const p = Promise.reject(r);
        p.catch(() => {});
        return p;
      };
    },
  });
}

// ---- storage ---------------------------------------------------------------------------------------------
function storageKey(k) {
  if (typeof k !== 'string') throw new WxFail('fail parameter error: parameter.key should be String');
  return k;
}
syncApi('setStorageSync', 'native', (key, data) => {
  nativeCall('storage.set', { key: storageKey(key), data });
});
syncApi('getStorageSync', 'native', (key) => {
  try {
    return nativeCall('storage.get', { key: storageKey(key) });
  } catch (e) {
    if (e instanceof WxFail && /not found/.test(e.tail)) return '';
    throw e;
  }
});
syncApi('removeStorageSync', 'native', (key) => {
  nativeCall('storage.remove', { key: storageKey(key) });
});
syncApi('clearStorageSync', 'native', () => {
  nativeCall('storage.clear', {});
});
syncApi('getStorageInfoSync', 'native', () => nativeCall('storage.info', {}));
syncApi('batchSetStorageSync', 'native', (kvList) => {
  nativeCall('storage.batchSet', { kvList: (kvList || []).map((kv) => ({ key: storageKey(kv.key), value: kv.value })) });
});
syncApi('batchGetStorageSync', 'native', (keyList) => nativeCall('storage.batchGet', { keyList: (keyList || []).map(storageKey) }));
asyncApi('setStorage', 'native', (o) => {
  nativeCall('storage.set', { key: storageKey(o.key), data: o.data });
});
asyncApi('getStorage', 'native', (o) => ({ data: nativeCall('storage.get', { key: storageKey(o.key) }) }));
asyncApi('removeStorage', 'native', (o) => {
  nativeCall('storage.remove', { key: storageKey(o.key) });
});
asyncApi('clearStorage', 'native', () => {
  nativeCall('storage.clear', {});
});
asyncApi('getStorageInfo', 'native', () => nativeCall('storage.info', {}));
asyncApi('batchSetStorage', 'native', (o) => {
  nativeCall('storage.batchSet', { kvList: (o.kvList || []).map((kv) => ({ key: storageKey(kv.key), value: kv.value })) });
});
asyncApi('batchGetStorage', 'native', (o) => ({ dataList: nativeCall('storage.batchGet', { keyList: (o.keyList || []).map(storageKey) }) }));

// ---- system ----------------------------------------------------------------------------------------------
/** Filled by `load` from the host's device description. */
const systemInfo = {
  brand: 'cove', model: 'simulator', pixelRatio: 2, screenWidth: 375, screenHeight: 667,
  windowWidth: 375, windowHeight: 667, statusBarHeight: 20, language: 'zh_CN', version: '8.0.50',
  system: 'Cove 0.1', platform: 'devtools', fontSizeSetting: 16, SDKVersion: '3.7.0',
  benchmarkLevel: 1, theme: 'light', host: { appId: '' }, enableDebug: false,
  deviceOrientation: 'portrait',
};
function pick(keys) {
  const o = {};
  for (const k of keys) if (systemInfo[k] !== undefined) o[k] = systemInfo[k];
  return copy(o);
}
function windowInfo() {
  const w = pick(['pixelRatio', 'screenWidth', 'screenHeight', 'windowWidth', 'windowHeight', 'statusBarHeight']);
  w.safeArea = { left: 0, right: w.screenWidth, top: w.statusBarHeight, bottom: w.screenHeight, width: w.screenWidth, height: w.screenHeight - w.statusBarHeight };
  w.screenTop = 0;
  return w;
}
function fullSystemInfo() {
  const o = Object.assign({}, systemInfo, windowInfo());
  // Settings the host states for getSystemSetting/getAppAuthorizeSetting are not system info.
  delete o.systemSetting;
  delete o.appAuthorizeSetting;
  return copy(withTheme(o));
}

// ---- DarkMode (docs/view.md, Themes) ---------------------------------------------------------------
// The host states the system theme (`system.theme`, then `themeChange` device events). As in
// WeChat, only an app with app.json `"darkmode": true` follows it: the others see no `theme`
// in the system info, run in `light`, and hear no theme change.
function darkmode() {
  return appJson.darkmode === true;
}
function systemTheme() {
  return systemInfo.theme === 'dark' ? 'dark' : 'light';
}
/** The theme the app runs in: the system's with darkmode, else light. */
function appTheme() {
  return darkmode() ? systemTheme() : 'light';
}
function withTheme(o) {
  if (darkmode()) o.theme = systemTheme();
  else delete o.theme;
  return o;
}
/** A `themeChange` from the host: the view restyles, the app hears of it (darkmode only). */
function themeChanged(data) {
  const theme = data.theme;
  if (theme !== 'light' && theme !== 'dark') return { error: `themeChange needs theme "light" or "dark", got ${JSON.stringify(theme)}` };
  if (theme === systemTheme()) return {};
  systemInfo.theme = theme;
  post({ t: 'theme', theme });
  if (!darkmode()) return {};
  const res = { theme };
  if (appInstance && typeof appInstance.onThemeChange === 'function') safe(() => appInstance.onThemeChange(copy(res)));
  deviceEvent('themeChange', res);
  return {};
}
syncApi('getSystemInfoSync', 'js', fullSystemInfo);
asyncApi('getSystemInfo', 'js', fullSystemInfo);
asyncApi('getSystemInfoAsync', 'js', fullSystemInfo);
syncApi('getWindowInfo', 'js', windowInfo);
syncApi('getDeviceInfo', 'js', () => pick(['brand', 'model', 'system', 'platform', 'benchmarkLevel', 'pixelRatio']));
syncApi('getAppBaseInfo', 'js', () => withTheme(pick(['SDKVersion', 'enableDebug', 'host', 'language', 'version', 'fontSizeSetting'])));
// Device settings are facts the host states in its device description (AppConfig.system);
// until it does, nothing is enabled or authorised.
syncApi('getSystemSetting', 'js', () => Object.assign({ bluetoothEnabled: false, locationEnabled: false, wifiEnabled: false, deviceOrientation: systemInfo.deviceOrientation }, systemInfo.systemSetting || {}));
syncApi('getAppAuthorizeSetting', 'js', () => Object.assign({ albumAuthorized: 'not determined', bluetoothAuthorized: 'not determined', cameraAuthorized: 'not determined', locationAuthorized: 'not determined', microphoneAuthorized: 'not determined', notificationAuthorized: 'not determined', phoneCalendarAuthorized: 'not determined' }, systemInfo.appAuthorizeSetting || {}));
syncApi('getLaunchOptionsSync', 'js', () => copy(launchOptions));
syncApi('getEnterOptionsSync', 'js', () => copy(enterOptions || launchOptions));
let accountInfo = { miniProgram: { appId: '', envVersion: 'develop', version: '' }, plugin: {} };
syncApi('getAccountInfoSync', 'js', () => copy(accountInfo));
syncApi('getMenuButtonBoundingClientRect', 'js', () => ({ width: 87, height: 32, top: systemInfo.statusBarHeight + 4, right: systemInfo.windowWidth - 7, bottom: systemInfo.statusBarHeight + 36, left: systemInfo.windowWidth - 94 }));
wx.env = { USER_DATA_PATH: 'wxfile://usr' };

syncApi('canIUse', 'js', (schema) => {
  const parts = String(schema || '').split('.');
  if (parts[0] === 'wx') parts.shift();
  const head = parts[0];
  if (!head) return false;
  if (apiKinds[head]) return apiKinds[head] !== 'unsupported';
  if (BUILTIN_COMPONENTS.has(head)) return true;
  return false;
});
const BUILTIN_COMPONENTS = new Set(['view', 'text', 'image', 'icon', 'rich-text', 'progress', 'button', 'input', 'textarea', 'checkbox', 'checkbox-group', 'radio', 'radio-group', 'switch', 'slider', 'picker', 'picker-view', 'picker-view-column', 'form', 'label', 'scroll-view', 'swiper', 'swiper-item', 'movable-area', 'movable-view', 'cover-view', 'cover-image', 'navigator', 'canvas', 'video', 'audio', 'web-view', 'map', 'block', 'slot', 'template', 'wxs', 'include', 'import']);

syncApi('nextTick', 'js', (fn) => {
  Promise.resolve().then(() => safe(fn));
});
// Base64 runs in Rust (the `base64` crate); the coercions of the argument stay JS's own.
syncApi('arrayBufferToBase64', 'js', (buf) => native.base64Encode(ArrayBuffer.isView(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : new Uint8Array(buf)));
syncApi('base64ToArrayBuffer', 'js', (s) => native.base64Decode(String(s)));

// ---- the update manager: the host (the SDK) asks the platform, and fetches in the background --------------------
const update = { checked: null, result: null, manager: null, listeners: { check: [], ready: [], failed: [] } };
function updateFire(kind, arg) {
  for (const l of update.listeners[kind].slice()) safe(() => (arg === undefined ? l() : l(copy(arg))));
}
/** `{"t": "update", "state": "ready" | "failed"}` from the host, once the new version is fetched (or not). */
function updateInbound(state) {
  if (update.result || (state !== 'ready' && state !== 'failed')) return;
  update.result = state;
  updateFire(state);
}
syncApi('getUpdateManager', 'js', () => {
  if (update.manager) return update.manager;
  const checked = (r) => {
    update.checked = { hasUpdate: !!(r && r.hasUpdate) };
    updateFire('check', update.checked);
  };
  // A host that cannot check (the simulator) answers no update, as WeChat DevTools does.
  hostRequest('updateManager.check', {}).then(checked, () => checked(null));
  const on = (kind, now) => (cb) => {
    if (typeof cb !== 'function') return;
    update.listeners[kind].push(cb);
    if (now()) setTimeout(() => safe(() => (kind === 'check' ? cb(copy(update.checked)) : cb())), 0);
  };
  update.manager = Object.freeze({
    onCheckForUpdate: on('check', () => update.checked),
    onUpdateReady: on('ready', () => update.result === 'ready'),
    onUpdateFailed: on('failed', () => update.result === 'failed'),
    /** Restart on the new version: only once it is ready, as in WeChat. */
    applyUpdate() {
      if (update.result === 'ready') hostRequest('updateManager.apply', {}).catch(() => {});
    },
  });
  return update.manager;
});

// App-level listeners.
listenerApi('onAppShow', 'offAppShow', appListeners.show);
listenerApi('onAppHide', 'offAppHide', appListeners.hide);
listenerApi('onError', 'offError', appListeners.error);
listenerApi('onPageNotFound', 'offPageNotFound', appListeners.pageNotFound);
listenerApi('onUnhandledRejection', 'offUnhandledRejection', appListeners.unhandledRejection);

// ---- routing ------------------------------------------------------------------------------------------------
for (const name of ['navigateTo', 'redirectTo', 'navigateBack', 'switchTab', 'reLaunch']) {
  asyncApi(name, 'js', (o) => {
    try {
      return route(name, o);
    } catch (e) {
      if (e instanceof RouteError) throw new WxFail(`fail ${e.message}`);
      throw e;
    }
  });
}

// ---- UI: messages for the view ------------------------------------------------------------------------------
/** A fire-and-forget UI change: the view shows it; the call succeeds at once. */
function uiApi(name, check) {
  asyncApi(name, 'js', (o) => {
    const args = stripCallbacks(o);
    if (check) check(args);
    const top = stack[stack.length - 1];
    post({ t: 'ui', api: name, args, page: top ? top.id : null });
  });
}
uiApi('showToast', (a) => {
  if (a.title === undefined) throw new WxFail('fail parameter error: parameter.title should be String');
});
uiApi('hideToast');
uiApi('showLoading', (a) => {
  if (a.title === undefined) throw new WxFail('fail parameter error: parameter.title should be String');
});
uiApi('hideLoading');
uiApi('setNavigationBarTitle');
uiApi('setNavigationBarColor');
uiApi('showNavigationBarLoading');
uiApi('hideNavigationBarLoading');
uiApi('setBackgroundColor');
uiApi('setBackgroundTextStyle');
uiApi('startPullDownRefresh');
uiApi('stopPullDownRefresh');
uiApi('pageScrollTo');
uiApi('hideHomeButton');
uiApi('hideKeyboard');
function tabIndex(a) {
  const i = Number(a.index);
  const n = tabPaths.length;
  if (!(i >= 0 && i < n)) throw new WxFail(`fail tabbar item index ${a.index} out of range`);
}
for (const n of ['setTabBarBadge', 'removeTabBarBadge', 'showTabBarRedDot', 'hideTabBarRedDot', 'setTabBarItem']) uiApi(n, tabIndex);
for (const n of ['setTabBarStyle', 'showTabBar', 'hideTabBar']) uiApi(n);
// Answers need a person: the view (through the host) replies.
hostApi('showModal');
hostApi('showActionSheet');

// ---- layout queries through the adapter ---------------------------------------------------------------------
function topCaller() {
  const top = stack[stack.length - 1];
  if (!top) throw new Error('no page is open');
  return top.caller;
}
syncApi('createSelectorQuery', 'js', () => topCaller().createSelectorQuery());

// ---- canvas (canvas.js): 2D nodes and legacy canvas-id contexts ----------------------------------------
/** An async canvas API whose second argument is the component to look in (`this`). */
function canvasApi(name, kind, run) {
  apiKinds[name] = kind;
  wx[name] = function (opts, component) {
    const o = opts || {};
    let p;
    try {
      p = Promise.resolve(run(o, component));
    } catch (e) {
      p = Promise.reject(e);
    }
    return settle(name, o, p);
  };
}
canvasApi('canvasToTempFilePath', 'host', canvasToTempFile);
canvasApi('canvasGetImageData', 'host', canvasGetImageData);
canvasApi('canvasPutImageData', 'host', canvasPutImageData);
canvasApi('drawCanvas', 'js', drawCanvas);
syncApi('createCanvasContext', 'js', createCanvasContext);
syncApi('createContext', 'js', createContext);

syncApi('createIntersectionObserver', 'js', (component, options) => {
  const owner = component && component.createIntersectionObserver ? component : topCaller();
  const ob = owner.createIntersectionObserver(owner === component ? options : component);
  // The adapter formats margins as `${top}px ${right}px ...`: give it all four, as WeChat
  // lets callers give only some (`relativeToViewport({bottom: 100})`).
  const full = (m) => Object.assign({ left: 0, top: 0, right: 0, bottom: 0 }, m || {});
  const relativeTo = ob.relativeTo.bind(ob);
  const relativeToViewport = ob.relativeToViewport.bind(ob);
  ob.relativeTo = (selector, margins) => {
    relativeTo(selector, full(margins));
    return ob;
  };
  ob.relativeToViewport = (margins) => {
    relativeToViewport(full(margins));
    return ob;
  };
  return ob;
});

// ---- files ------------------------------------------------------------------------------------------------
const FS_SYNC = ['access', 'appendFile', 'copyFile', 'getFileInfo', 'mkdir', 'readdir', 'readFile', 'rename', 'rmdir', 'stat', 'unlink', 'writeFile', 'saveFile', 'removeSavedFile', 'getSavedFileList', 'truncate'];
function fsResult(method, r) {
  if (method === 'stat') return { stats: statsOf(r.stats !== undefined ? r.stats : r) };
  return r;
}
function statsOf(s) {
  if (Array.isArray(s)) return s.map((e) => ({ path: e.path, stats: statsOf(e.stats) }));
  const dir = !!s.isDirectory;
  return Object.assign({}, s, { isDirectory: () => dir, isFile: () => !dir });
}
let fsManager = null;
syncApi('getFileSystemManager', 'native', () => {
  if (fsManager) return fsManager;
  fsManager = {};
  for (const m of FS_SYNC) {
    fsManager[m + 'Sync'] = (...args) => {
      try {
        const r = nativeCall('fs', { method: m, args: fsArgs(m, args) });
        return fsSyncValue(m, fsResult(m, r));
      } catch (e) {
        // WeChat: `Error: readFileSync:fail no such file or directory, open ...`
        if (e instanceof WxFail) throw new Error(`${m}Sync:${e.tail}`);
        throw e;
      }
    };
    fsManager[m] = (o) => settle(m, o || {}, new Promise((res) => res(fsResult(m, nativeCall('fs', { method: m, args: stripCallbacks(o) })))));
  }
  return fsManager;
});
/** Positional sync arguments to the option names of the async form. */
function fsArgs(m, a) {
  switch (m) {
    case 'access': case 'unlink': case 'readdir': case 'getFileInfo': return { path: a[0], filePath: a[0], dirPath: a[0] };
    case 'readFile': return { filePath: a[0], encoding: a[1], position: a[2], length: a[3] };
    case 'writeFile': case 'appendFile': return { filePath: a[0], data: a[1], encoding: a[2] };
    case 'copyFile': return { srcPath: a[0], destPath: a[1] };
    case 'rename': return { oldPath: a[0], newPath: a[1] };
    case 'mkdir': case 'rmdir': return { dirPath: a[0], recursive: a[1] };
    case 'stat': return { path: a[0], recursive: a[1] };
    case 'saveFile': return { tempFilePath: a[0], filePath: a[1] };
    case 'truncate': return { filePath: a[0], length: a[1] };
    case 'removeSavedFile': return { filePath: a[0] };
    default: return a[0] || {};
  }
}
function fsSyncValue(m, r) {
  switch (m) {
    case 'readFile': return r.data;
    case 'readdir': return r.files;
    case 'stat': return r.stats;
    case 'saveFile': return r.savedFilePath;
    default: return r === null || (typeof r === 'object' && Object.keys(r).length === 0) ? undefined : r;
  }
}
for (const m of ['saveFile', 'removeSavedFile', 'getSavedFileList', 'getSavedFileInfo', 'getFileInfo']) {
  asyncApi(m, 'native', (o) => fsResult(m, nativeCall('fs', { method: m, args: stripCallbacks(o) })));
}

// ---- network --------------------------------------------------------------------------------------------------
/** A task object with abort and the on/off pairs WeChat's tasks have. */
function makeTask(id, names) {
  const listeners = {};
  const task = {
    abort() {
      native.taskCall(id, 'abort', 'null');
    },
  };
  for (const n of names) {
    listeners[n] = [];
    task['on' + n] = (fn) => listeners[n].push(fn);
    task['off' + n] = (fn) => {
      const l = listeners[n];
      const i = l.indexOf(fn);
      if (fn === undefined) l.length = 0;
      else if (i >= 0) l.splice(i, 1);
    };
  }
  return { task, emit: (n, v) => (listeners[n] || []).slice().forEach((fn) => safe(() => fn(v))) };
}
function netTask(name, native_, args, opts, events, wrapResult) {
  let id = 0;
  const { task, emit } = makeTask(0, events.map((e) => e[1]));
  const hasCb = typeof opts.success === 'function' || typeof opts.fail === 'function' || typeof opts.complete === 'function';
  const p = new Promise((resolve, reject) => {
    id = nativeStart(native_, args, (kind, payload) => {
      if (kind === 'complete') resolve(wrapResult ? wrapResult(payload) : payload);
      else if (kind === 'fail') reject(new WxFail(String(payload)));
      else {
        const e = events.find((x) => x[0] === kind);
        if (e) emit(e[1], payload);
      }
    });
  });
  task.abort = () => native.taskCall(id, 'abort', 'null');
  const settled = settle(name, opts, p);
  // Without callbacks WeChat still returns the task; the promise is swallowed here.
  if (!hasCb) settled.catch(() => {});
  return task;
}
apiKinds.request = 'native';
wx.request = (opts) => {
  const o = opts || {};
  return netTask('request', 'request', stripCallbacks(o), o, [['headersReceived', 'HeadersReceived'], ['chunk', 'ChunkReceived']]);
};
apiKinds.uploadFile = 'native';
wx.uploadFile = (opts) => {
  const o = opts || {};
  return netTask('uploadFile', 'uploadFile', stripCallbacks(o), o, [['progress', 'ProgressUpdate'], ['headersReceived', 'HeadersReceived']]);
};
apiKinds.downloadFile = 'native';
wx.downloadFile = (opts) => {
  const o = opts || {};
  return netTask('downloadFile', 'downloadFile', stripCallbacks(o), o, [['progress', 'ProgressUpdate'], ['headersReceived', 'HeadersReceived']]);
};

// Sockets: a task per connection, plus the legacy single-socket globals.
let legacySocket = null;
const legacySocketListeners = { Open: [], Message: [], Error: [], Close: [] };
apiKinds.connectSocket = 'native';
wx.connectSocket = (opts) => {
  const o = opts || {};
  let id = 0;
  const { task, emit } = makeTask(0, ['Open', 'Message', 'Error', 'Close']);
  id = nativeStart('connectSocket', stripCallbacks(o), (kind, payload) => {
    if (kind === 'open') emit('Open', payload);
    else if (kind === 'message') emit('Message', { data: payload });
    else if (kind === 'error') emit('Error', { errMsg: String(payload) });
    else if (kind === 'complete' || kind === 'close') emit('Close', payload);
    else if (kind === 'fail') emit('Error', { errMsg: String(payload) });
  });
  // WeChat names these results after the legacy functions: `sendSocketMessage:ok`.
  task.send = (so) =>
    settle('sendSocketMessage', so || {}, new Promise((res) => {
      nativeTaskCall(id, 'send', { data: (so || {}).data });
      res({ errMsg: 'sendSocketMessage:ok' });
    }));
  task.close = (co) =>
    settle('closeSocket', co || {}, new Promise((res) => {
      nativeTaskCall(id, 'close', { code: (co || {}).code, reason: (co || {}).reason });
      res({ errMsg: 'closeSocket:ok' });
    }));
  delete task.abort;
  // The call itself succeeds once the task exists; connection errors come as onError.
  const settled = settle('connectSocket', o, Promise.resolve({}));
  if (settled) settled.catch(() => {});
  legacySocket = task;
  for (const k of Object.keys(legacySocketListeners)) task['on' + k]((v) => legacySocketListeners[k].forEach((fn) => safe(() => fn(v))));
  return task;
};
asyncApi('sendSocketMessage', 'native', (o) => {
  if (!legacySocket) throw new WxFail('fail WebSocket is not connected');
  return new Promise((res, rej) => legacySocket.send({ data: o.data, success: () => res({}), fail: (e) => rej(new WxFail(e.errMsg.replace(/^[^:]*:/, ''))) }));
});
asyncApi('closeSocket', 'native', (o) => {
  if (!legacySocket) throw new WxFail('fail WebSocket is not connected');
  return new Promise((res, rej) => legacySocket.close({ code: o.code, reason: o.reason, success: () => res({}), fail: (e) => rej(new WxFail(e.errMsg.replace(/^[^:]*:/, ''))) }));
});
for (const k of Object.keys(legacySocketListeners)) listenerApi('onSocket' + k, null, legacySocketListeners[k]);

// ---- the host: login and devices -------------------------------------------------------------------------------
for (const n of [
  'login', 'checkSession', 'getUserProfile', 'getUserInfo', 'authorize', 'getSetting', 'openSetting',
  'getLocation', 'chooseLocation', 'openLocation', 'chooseImage', 'chooseMedia', 'chooseVideo',
  'chooseMessageFile', 'previewImage', 'previewMedia', 'saveImageToPhotosAlbum', 'saveVideoToPhotosAlbum',
  'getImageInfo', 'compressImage', 'scanCode', 'makePhoneCall', 'setClipboardData', 'getClipboardData',
  'vibrateShort', 'vibrateLong', 'getNetworkType', 'setScreenBrightness', 'getScreenBrightness',
  'setKeepScreenOn', 'requestPayment', 'requestSubscribeMessage', 'chooseAddress', 'chooseInvoiceTitle',
  'openDocument', 'navigateToMiniProgram', 'navigateBackMiniProgram', 'exitMiniProgram', 'getBatteryInfo',
  'startSoterAuthentication', 'checkIsSupportSoterAuthentication', 'showShareMenu', 'hideShareMenu',
  'updateShareMenu', 'addPhoneContact', 'chooseContact', 'openCustomerServiceChat',
]) hostApi(n);

// ---- more host APIs: one-shot questions for a person or the device ----------------------------------------------
for (const n of [
  'addPhoneCalendar', 'addPhoneRepeatCalendar', 'getFuzzyLocation', 'choosePoi', 'chooseInvoice',
  'chooseLicensePlate', 'openAppAuthorizeSetting', 'openSystemBluetoothSetting', 'getScreenRecordingState',
  'setVisualEffectOnCapture', 'getPrivacySetting', 'requirePrivacyAuthorize', 'openPrivacyContract',
  'openEmbeddedMiniProgram', 'restartMiniProgram', 'sendSms', 'setEnableDebug',
]) hostApi(n);

// ---- randomness from the operating system -----------------------------------------------------------------------
asyncApi('getRandomValues', 'native', (o) => {
  const length = Number(o.length);
  if (!(Number.isInteger(length) && length > 0 && length <= 1048576)) throw new WxFail('fail parameter error: parameter.length should be an integer in [1, 1048576]');
  return { randomValues: nativeCall('random', { length }) };
});

syncApi('getApiCategory', 'js', () => launchOptions.apiCategory || 'default');

// ---- analytics and logs: to the host ------------------------------------------------------------------------------
/** Reports are messages for the host, which forwards them to its analytics. */
function reportApi(name, params, firstType) {
  syncApi(name, 'js', (...a) => {
    if (typeof a[0] !== firstType) throw new WxFail(`fail parameter error: parameter.${params[0]} should be ${firstType === 'number' ? 'Number' : 'String'}`);
    const args = {};
    params.forEach((p, i) => {
      if (a[i] !== undefined) args[p] = a[i];
    });
    post({ t: 'report', api: name, args: copy(args) });
  });
}
reportApi('reportAnalytics', ['eventName', 'data'], 'string');
reportApi('reportEvent', ['eventId', 'data'], 'string');
reportApi('reportMonitor', ['name', 'value'], 'string');
reportApi('reportPerformance', ['id', 'value', 'dimensions'], 'number');

/** LogManager: the user's log, here the host's console with a tag. */
syncApi('getLogManager', 'js', (o) => {
  const tag = '[LogManager]';
  return {
    debug: (...a) => console.debug(tag, ...a),
    info: (...a) => console.info(tag, ...a),
    log: (...a) => console.log(tag, ...a),
    warn: (...a) => console.warn(tag, ...a),
    level: (o && o.level) || 0,
  };
});
/** RealtimeLogManager: to the host's console, with WeChat's buffer accounting. */
const REALTIME_MAX_COUNT = 5000;
const REALTIME_MAX_SIZE = 5 * 1024 * 1024;
const realtime = { size: 0, count: 0, filters: [], page: '' };
function realtimeLog(level, tag, args) {
  const parts = ['[RealtimeLog]'];
  if (tag) parts.push(`[${tag}]`);
  if (realtime.page) parts.push(`[${realtime.page}]`);
  if (realtime.filters.length) parts.push(`[filter ${realtime.filters.join(',')}]`);
  const text = args.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ');
  if (realtime.count >= REALTIME_MAX_COUNT || realtime.size + text.length > REALTIME_MAX_SIZE) return;
  realtime.count += 1;
  realtime.size += text.length;
  console[level](...parts, text);
}
function realtimeManager(tag) {
  const m = {
    info: (...a) => realtimeLog('info', tag, a),
    warn: (...a) => realtimeLog('warn', tag, a),
    error: (...a) => realtimeLog('error', tag, a),
    setFilterMsg: (msg) => {
      realtime.filters = [String(msg)];
    },
    addFilterMsg: (msg) => {
      realtime.filters.push(String(msg));
    },
  };
  if (!tag) {
    m.in = (page) => {
      realtime.page = page && page.route ? page.route : '';
    };
    m.getCurrentState = () => ({ size: realtime.size, maxSize: REALTIME_MAX_SIZE, logCount: realtime.count, maxLogCount: REALTIME_MAX_COUNT });
    m.tag = (name) => realtimeManager(String(name));
  }
  return m;
}
syncApi('getRealtimeLogManager', 'js', () => realtimeManager(''));

// ---- createAnimation: the `animation` data WeChat's components take -----------------------------------------------
// `export()` gives `{actions: [{animates: [{type, args}], option: {transformOrigin, transition}}]}`;
// each step carries every transform and style set so far, as WeChat's base library does.
class Animation {
  constructor(o) {
    const opts = o || {};
    const pickOr = (v, d) => (v !== undefined ? v : d);
    this.actions = [];
    this.currentTransform = {};
    this.currentStepAnimates = [];
    this.option = {
      transition: { duration: pickOr(opts.duration, 400), timingFunction: pickOr(opts.timingFunction, 'linear'), delay: pickOr(opts.delay, 0) },
      transformOrigin: opts.transformOrigin || '50% 50% 0',
    };
  }
  export() {
    const actions = this.actions;
    this.actions = [];
    return { actions };
  }
  step(o) {
    const opts = o || {};
    for (const a of this.currentStepAnimates) this.currentTransform[a.type === 'style' ? `style.${a.args[0]}` : a.type] = a;
    const t = this.option.transition;
    this.actions.push({
      animates: Object.keys(this.currentTransform).map((k) => this.currentTransform[k]),
      option: {
        transformOrigin: opts.transformOrigin !== undefined ? opts.transformOrigin : this.option.transformOrigin,
        transition: {
          duration: opts.duration !== undefined ? opts.duration : t.duration,
          timingFunction: opts.timingFunction !== undefined ? opts.timingFunction : t.timingFunction,
          delay: opts.delay !== undefined ? opts.delay : t.delay,
        },
      },
    });
    this.currentStepAnimates = [];
    return this;
  }
}
/** Transform methods with their argument defaults. */
const ANIMATION_TRANSFORMS = {
  matrix: [1, 0, 0, 1, 0, 0],
  matrix3d: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
  rotate: [0], rotate3d: [0, 0, 0, 0], rotateX: [0], rotateY: [0], rotateZ: [0],
  scale: [1, undefined], scale3d: [1, 1, 1], scaleX: [1], scaleY: [1], scaleZ: [1],
  skew: [0, 0], skewX: [0], skewY: [0],
  translate: [0, 0], translate3d: [0, 0, 0], translateX: [0], translateY: [0], translateZ: [0],
};
for (const type of Object.keys(ANIMATION_TRANSFORMS)) {
  Animation.prototype[type] = function (...a) {
    const args = ANIMATION_TRANSFORMS[type].map((d, i) => (a[i] !== undefined ? a[i] : d));
    if (type === 'scale' && args[1] === undefined) args[1] = args[0];
    this.currentStepAnimates.push({ type, args });
    return this;
  };
}
for (const prop of ['opacity', 'backgroundColor', 'width', 'height', 'left', 'right', 'top', 'bottom']) {
  const length = prop !== 'opacity' && prop !== 'backgroundColor';
  Animation.prototype[prop] = function (v) {
    this.currentStepAnimates.push({ type: 'style', args: [prop, length && typeof v === 'number' ? `${v}px` : v] });
    return this;
  };
}
syncApi('createAnimation', 'js', (o) => new Animation(o));

// ---- route listeners: told of every route the router announces ---------------------------------------------------
const routeListeners = { route: [], done: [] };
listenerApi('onAppRoute', 'offAppRoute', routeListeners.route);
listenerApi('onAppRouteDone', 'offAppRouteDone', routeListeners.done);
/** Called by `post` for each `route` message: the new top page, and how it got there. */
function routeAnnounced(msg) {
  const top = msg.stack && msg.stack[msg.stack.length - 1];
  if (!top) return;
  const res = { path: top.path, query: copy(top.query || {}), openType: msg.action === 'launch' ? 'appLaunch' : msg.action, webviewId: top.id };
  for (const l of routeListeners.route.slice()) safe(() => l(copy(res)));
  for (const l of routeListeners.done.slice()) safe(() => l(copy(res)));
}

// ---- device events: the host tells them as `{"t": "device", "event": ..., "data": {...}}` ------------------------
// Sensors are started and stopped through the host (`startAccelerometer`...); their readings
// come back as device events.
const DEVICE_EVENTS = [
  'networkStatusChange', 'themeChange', 'memoryWarning', 'keyboardHeightChange', 'windowResize',
  'accelerometerChange', 'compassChange', 'gyroscopeChange', 'deviceMotionChange', 'locationChange',
  'locationChangeError', 'userCaptureScreen', 'screenRecordingStateChanged', 'batteryInfoChange',
  'audioInterruptionBegin', 'audioInterruptionEnd',
];
const deviceListeners = {};
for (const e of DEVICE_EVENTS) {
  const cap = e[0].toUpperCase() + e.slice(1);
  deviceListeners[e] = [];
  listenerApi('on' + cap, 'off' + cap, deviceListeners[e]);
}
for (const n of [
  'startAccelerometer', 'stopAccelerometer', 'startCompass', 'stopCompass', 'startGyroscope', 'stopGyroscope',
  'startDeviceMotionListening', 'stopDeviceMotionListening', 'startLocationUpdate', 'startLocationUpdateBackground',
  'stopLocationUpdate',
]) hostApi(n);
function deviceEvent(name, data) {
  for (const l of deviceListeners[name].slice()) safe(() => l(copy(data)));
}
// The router's inbound messages (app.js) gain `device`, and `resize` also reaches onWindowResize.
const routerInbound = inbound;
inbound = function (msg) {
  if (msg && msg.t === 'update') {
    updateInbound(msg.state);
    return {};
  }
  if (msg && msg.t === 'device') {
    const name = msg.event;
    if (!Object.prototype.hasOwnProperty.call(deviceListeners, name) || name === 'windowResize') return { error: `unknown device event ${$stringify(name)}` };
    const data = msg.data && typeof msg.data === 'object' ? msg.data : {};
    if (name === 'themeChange') return themeChanged(data);
    deviceEvent(name, data);
    return {};
  }
  const r = routerInbound(msg);
  if (msg && msg.t === 'resize' && !(r && r.error)) {
    deviceEvent('windowResize', { size: { windowWidth: systemInfo.windowWidth, windowHeight: systemInfo.windowHeight } });
  }
  return r;
};

// ---- third-party platform configuration (ext.json) ---------------------------------------------------------------
// A platform that builds one app for many merchants gives each its own `ext` object: in
// WeChat from `ext.json`, in Cove from the package's `ext.json` or the host's per-app
// configuration (`AppConfig.ext_config`), set before app.js runs.
let extConfig = {};
function setExtConfig(v) {
  extConfig = v && typeof v === 'object' ? v : {};
}
syncApi('getExtConfigSync', 'js', () => copy(extConfig));
asyncApi('getExtConfig', 'js', () => ({ extConfig: copy(extConfig) }));
