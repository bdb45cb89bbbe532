// `wx.*`: every method is declared here with how it is served: by Rust natives (storage,
// files, network), in JS (routing, UI messages, system info), by the host (anything that
// needs a person or a device), or not at all ("<name>:fail not supported", as WeChat does
// for APIs a client lacks). `__cove.apis` exposes the table for `cove apis`.

const wx = {};
/** name -> 'native' | 'js' | 'host' | 'unsupported' */
const apiKinds = {};

class WxFail extends Error {
  /** @param {string} tail e.g. "fail data not found" */
  constructor(tail) {
    super(tail);
    this.tail = tail;
  }
}

// ---- natives: JSON across, binary as {$bytes: base64} ---------------------------------------------
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));
function bytesToBase64(u8) {
  let out = '';
  let i = 0;
  for (; i + 2 < u8.length; i += 3) {
    const n = (u8[i] << 16) | (u8[i + 1] << 8) | u8[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = u8.length - i;
  if (rest === 1) {
    const n = u8[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (u8[i] << 16) | (u8[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
  }
  return out;
}
function base64ToBytes(s) {
  const clean = String(s).replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const a = B64_INDEX.get(clean[i]) || 0;
    const b = B64_INDEX.get(clean[i + 1]) || 0;
    const c = B64_INDEX.get(clean[i + 2]);
    const d = B64_INDEX.get(clean[i + 3]);
    const n = (a << 18) | (b << 12) | ((c || 0) << 6) | (d || 0);
    out[o++] = n >> 16;
    if (c !== undefined) out[o++] = (n >> 8) & 255;
    if (d !== undefined) out[o++] = n & 255;
  }
  return out.slice(0, o);
}
function encodeBinary(v) {
  if (v instanceof ArrayBuffer) return { $bytes: bytesToBase64(new Uint8Array(v)) };
  if (ArrayBuffer.isView(v)) return { $bytes: bytesToBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  if (Array.isArray(v)) return v.map(encodeBinary);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o = {};
    for (const k of Object.keys(v)) if (typeof v[k] !== 'function') o[k] = encodeBinary(v[k]);
    return o;
  }
  return v;
}
function decodeBinary(v) {
  if (Array.isArray(v)) return v.map(decodeBinary);
  if (v && typeof v === 'object') {
    if (typeof v.$bytes === 'string' && Object.keys(v).length === 1) return base64ToBytes(v.$bytes).buffer;
    for (const k of Object.keys(v)) v[k] = decodeBinary(v[k]);
  }
  return v;
}

/** A synchronous native call; throws WxFail with WeChat's errMsg tail. */
function nativeCall(name, args) {
  const r = JSON.parse(native.call(name, JSON.stringify(encodeBinary(args === undefined ? null : args))));
  if (r.err !== undefined) throw new WxFail(r.err);
  return decodeBinary(r.ok);
}

/** Native tasks by id: `events(kind, payload)` for progress etc., then `done`. */
const tasks = new Map();
function nativeStart(name, args, handlers) {
  const id = native.start(name, JSON.stringify(encodeBinary(args)));
  tasks.set(id, handlers);
  return id;
}
/** Called by Rust with a task's event; `complete`/`fail` end it. */
function deliver(id, kind, json) {
  const h = tasks.get(id);
  if (!h) return;
  const payload = decodeBinary(JSON.parse(json));
  if (kind === 'complete' || kind === 'fail' || kind === 'close') tasks.delete(id);
  safe(() => h(kind, payload));
}

/** Ask the host (a person or a device) and get a promise of its answer. */
function hostRequest(api, args) {
  return new Promise((resolve, reject) => {
    nativeStart('host', { api, args: args === undefined ? {} : args }, (kind, payload) => {
      if (kind === 'complete') resolve(payload);
      else if (kind === 'fail') reject(new WxFail(String(payload)));
    });
  });
}

function post(msg) {
  native.post(JSON.stringify(msg));
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
    if (opts && typeof opts === 'object' && (opts.fail || opts.complete || opts.success)) {
      if (typeof opts.fail === 'function') safe(() => opts.fail(r));
      if (typeof opts.complete === 'function') safe(() => opts.complete(r));
      return undefined;
    }
    if (/Sync$/.test(name) || /^(create|get.*Manager|on|off)/.test(name)) throw new Error(r.errMsg);
    return Promise.reject(r);
  };
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
  wx.batchSetStorageSync(o.kvList);
});
asyncApi('batchGetStorage', 'native', (o) => ({ dataList: wx.batchGetStorageSync(o.keyList) }));

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
  return o;
}
function windowInfo() {
  const w = pick(['pixelRatio', 'screenWidth', 'screenHeight', 'windowWidth', 'windowHeight', 'statusBarHeight']);
  w.safeArea = { left: 0, right: w.screenWidth, top: w.statusBarHeight, bottom: w.screenHeight, width: w.screenWidth, height: w.screenHeight - w.statusBarHeight };
  w.screenTop = 0;
  return w;
}
function fullSystemInfo() {
  return Object.assign({}, systemInfo, windowInfo());
}
syncApi('getSystemInfoSync', 'js', fullSystemInfo);
asyncApi('getSystemInfo', 'js', fullSystemInfo);
asyncApi('getSystemInfoAsync', 'js', fullSystemInfo);
syncApi('getWindowInfo', 'js', windowInfo);
syncApi('getDeviceInfo', 'js', () => pick(['brand', 'model', 'system', 'platform', 'benchmarkLevel', 'pixelRatio']));
syncApi('getAppBaseInfo', 'js', () => pick(['SDKVersion', 'enableDebug', 'host', 'language', 'version', 'theme', 'fontSizeSetting']));
syncApi('getSystemSetting', 'js', () => ({ bluetoothEnabled: false, locationEnabled: false, wifiEnabled: true, deviceOrientation: systemInfo.deviceOrientation }));
syncApi('getAppAuthorizeSetting', 'js', () => ({ albumAuthorized: 'not determined', cameraAuthorized: 'not determined', locationAuthorized: 'not determined', microphoneAuthorized: 'not determined', notificationAuthorized: 'not determined' }));
syncApi('getLaunchOptionsSync', 'js', () => copy(launchOptions));
syncApi('getEnterOptionsSync', 'js', () => copy(launchOptions));
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
syncApi('arrayBufferToBase64', 'js', (buf) => bytesToBase64(new Uint8Array(buf)));
syncApi('base64ToArrayBuffer', 'js', (s) => base64ToBytes(s).buffer);

syncApi('getUpdateManager', 'js', () => ({
  onCheckForUpdate(cb) {
    setTimeout(() => safe(() => cb({ hasUpdate: false })), 0);
  },
  onUpdateReady(_cb) {},
  onUpdateFailed(_cb) {},
  applyUpdate() {},
}));

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
syncApi('createIntersectionObserver', 'js', (component, options) => (component && component.createIntersectionObserver ? component : topCaller()).createIntersectionObserver(options || (component && !component.createIntersectionObserver ? component : undefined)));

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
      const r = nativeCall('fs', { method: m, args: fsArgs(m, args) });
      return fsSyncValue(m, fsResult(m, r));
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
for (const m of ['saveFile', 'removeSavedFile', 'getSavedFileList', 'getFileInfo']) {
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
  const call = (method, args) => {
    try {
      nativeTaskCall(id, method, args);
      return { errMsg: `${method === 'send' ? 'sendSocketMessage' : 'closeSocket'}:ok` };
    } catch (e) {
      throw failure(method === 'send' ? 'sendSocketMessage' : 'closeSocket', e);
    }
  };
  task.send = (so) => settle('SocketTask.send', so || {}, new Promise((res) => res(call('send', { data: (so || {}).data }))));
  task.close = (co) => settle('SocketTask.close', co || {}, new Promise((res) => res(call('close', { code: (co || {}).code, reason: (co || {}).reason }))));
  delete task.abort;
  settle('connectSocket', o, Promise.resolve({})).catch?.(() => {});
  legacySocket = task;
  for (const k of Object.keys(legacySocketListeners)) task['on' + k]((v) => legacySocketListeners[k].forEach((fn) => safe(() => fn(v))));
  return task;
};
function nativeTaskCall(id, method, args) {
  const r = JSON.parse(native.taskCall(id, method, JSON.stringify(encodeBinary(args))));
  if (r.err !== undefined) throw new WxFail(r.err);
  return decodeBinary(r.ok);
}
asyncApi('sendSocketMessage', 'native', (o) => {
  if (!legacySocket) throw new WxFail('fail WebSocket is not connected');
  return new Promise((res, rej) => legacySocket.send({ data: o.data, success: res, fail: (e) => rej(new WxFail(e.errMsg.replace(/^[^:]*:/, ''))) }));
});
asyncApi('closeSocket', 'native', (o) => {
  if (!legacySocket) throw new WxFail('fail WebSocket is not connected');
  return new Promise((res, rej) => legacySocket.close({ code: o.code, reason: o.reason, success: res, fail: (e) => rej(new WxFail(e.errMsg.replace(/^[^:]*:/, ''))) }));
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
