// The app model: App(), pages and their stack, routing, lifecycles, events from the view,
// and where errors go. glass-easel's adapter provides Page/Component/Behavior; this adds
// what the adapter leaves to the host.

ge.globalOptions.writeIdToDOM = true;
// Mini-program code reaches properties through `this.data`/`this.properties`, never as
// fields of the node; writing them there breaks components with a property named like a
// node field (wux's `<wux-app shadowRoot>` shadows `shadowRoot`).
ge.globalOptions.writeFieldsToNode = false;
const env = new adapter.MiniProgramEnv();
const codeSpace = env.createCodeSpace('', true);
const associated = env.associateBackend(backend);

// WeChat refuses a setData whose data is longer than 1 MB once serialized: nothing is
// applied, the console says why, and the call throws. Every data update glass-easel
// applies passes through its DataGroup's `applyDataUpdates`: `setData`, and also
// `updateData`, `replaceDataOnPath`, `spliceArrayDataOnPath` and `groupUpdates`, which the
// adapter offers too, and automation's `Page.setData`. Rust measures the pending changes
// (`native.dataSize`, src/data_size.rs), so a replaced `JSON.stringify` or a `toJSON` on a
// prototype does not change the count; the method is fixed on the prototype, and the
// original is kept here only. Code that goes below the data layer (glass-easel's template
// engine, the backend nodes) still cannot send the view a value over the limit: the bridge
// refuses those (src/pacer.rs).
const SET_DATA_LIMIT = 1024 * 1024;
/** How far the count goes before it stops: enough for WeChat's message to give the length. */
const SET_DATA_COUNT_UP_TO = 16 * SET_DATA_LIMIT;
const warnConsole = console.warn;
const dataGroupProto = ge.DataGroup.prototype;
const applyDataUpdates = dataGroupProto.applyDataUpdates;
$defineProperty(dataGroupProto, 'applyDataUpdates', {
  value: function limitedApplyDataUpdates(...args) {
    const changes = this._$pendingChanges;
    const length = native.dataSize(changes, SET_DATA_COUNT_UP_TO);
    if (length > SET_DATA_LIMIT) {
      this._$pendingChanges = [];
      const message = `invokeWebviewMethod 数据传输长度为 ${length} 已经超过最大长度 ${SET_DATA_LIMIT}`;
      warnConsole(`setData: ${message} (nothing was set)`);
      throw new $Error(message);
    }
    // What was counted is what is applied, whatever accessor app code put there.
    $defineProperty(this, '_$pendingChanges', { value: changes, writable: true, enumerable: true, configurable: true });
    return $apply(applyDataUpdates, this, args);
  },
  writable: false,
  enumerable: false,
  configurable: false,
});

// glass-easel leaves the `ready` lifetime to the host. Every component joins a queue when
// attached, and the queue runs after the page's first render (before onReady) and at the
// end of every turn, for components a later setData creates.
let readyQueue = opList();
codeSpace.setOverallBehavior(
  codeSpace
    .behavior()
    .definition({
      lifetimes: {
        attached() {
          append(readyQueue, this);
        },
      },
    })
    .register()._$,
);
function flushReady() {
  // Taken whole, in order: components attached meanwhile join a fresh queue, run next.
  while (readyQueue.length) {
    const batch = readyQueue;
    readyQueue = opList();
    for (let i = 0; i < batch.length; i++) {
      const c = batch[i];
      safe(() => c._$.triggerLifetime('ready', []));
    }
  }
}

/** Set by `load`: app.json, the manifest's `cove` section and every unit's config. */
let appJson = {};
let units = {};
let tabPaths = [];
let allPages = new Set();
let appOptions = {};
/** What getApp() returns: the object passed to App(), as WeChat does. */
let appInstance = null;
let launchOptions = { path: '', query: {}, scene: 1001, referrerInfo: {}, apiCategory: 'default' };
/** The options of the latest entry (a return from another mini-program changes them). */
let enterOptions = null;
let appShown = false;
const appListeners = { show: [], hide: [], error: [], pageNotFound: [], unhandledRejection: [] };

/** @type {{id: number, path: string, query: Record<string,string>, root: any, caller: any, node: any, opener: EventChannel|null}[]} */
const stack = [];
/** Tab pages stay alive after switchTab moves away from them, as in WeChat. */
const tabPages = new Map();
let nextPageId = 1;
const MAX_PAGES = 10;

global.App = function App(options) {
  if (appInstance) throw new Error('App() has already been called');
  appOptions = options || {};
  appInstance = appOptions;
  if (!appInstance.globalData) appInstance.globalData = {};
};
global.getApp = (_opts) => appInstance || { globalData: {} };
global.getCurrentPages = () => stack.map((p) => p.caller);

// ---- built-in behaviors ---------------------------------------------------------------------
let builtinBehaviors = null;
function builtin(name) {
  if (!builtinBehaviors) {
    const B = (def) => codeSpace.behavior().definition(def).register();
    builtinBehaviors = {
      'wx://form-field': B({ properties: { name: { type: String, value: '' }, value: { type: null, value: null } } }),
      'wx://form-field-group': B({}),
      'wx://form-field-button': B({}),
      'wx://component-export': B({}),
    };
  }
  const b = builtinBehaviors[name];
  if (!b) throw new Error(`unknown built-in behavior "${name}"`);
  return b;
}
function withBuiltins(def) {
  def = lenientObservers(def);
  if (def && Array.isArray(def.behaviors) && def.behaviors.some((b) => typeof b === 'string')) {
    return { ...def, behaviors: def.behaviors.map((b) => (typeof b === 'string' ? builtin(b) : b)) };
  }
  return def;
}
/**
 * A property `observer` given as a method name is looked up when the property changes, as
 * WeChat does: a name the component does not define does nothing (the adapter refuses the
 * whole definition, and the component never renders).
 */
function lenientObservers(def) {
  const props = def && def.properties;
  if (!props || typeof props !== 'object') return def;
  let out = null;
  for (const key of Object.keys(props)) {
    const prop = props[key];
    if (!prop || typeof prop !== 'object' || typeof prop.observer !== 'string') continue;
    const name = prop.observer;
    out = out || { ...props };
    out[key] = {
      ...prop,
      observer(...args) {
        const f = this[name];
        return typeof f === 'function' ? f.apply(this, args) : undefined;
      },
    };
  }
  return out ? { ...def, properties: out } : def;
}

/**
 * `options.addGlobalClass` / `options.styleIsolation` in Component(): WeChat takes them from JS
 * as well as JSON, the adapter only from the static config, which it reads at registration.
 * JSON wins where both are set.
 */
function styleOptionsFromJs(path, def) {
  const o = def && def.options;
  const config = units[path];
  if (!o || !config) return;
  if (o.styleIsolation !== undefined && config.styleIsolation === undefined) config.styleIsolation = o.styleIsolation;
  if (o.addGlobalClass !== undefined && config.addGlobalClass === undefined) config.addGlobalClass = !!o.addGlobalClass;
}

/**
 * The unit whose script is running: `Page`/`Component`/`Behavior` act for it, as the adapter
 * requires. The globals stay the same functions throughout, because libraries capture or
 * wrap them when `app.js` loads (umeng's polyfill, store libraries), and WeChat lets them.
 */
let unitEnv = null;
function inUnitEnv(path, fn) {
  return codeSpace.componentEnv(path, ({ Page, Component, Behavior }) => {
    const saved = unitEnv;
    unitEnv = { path, Page, Component, Behavior };
    try {
      return fn();
    } finally {
      unitEnv = saved;
    }
  });
}
global.Page = function Page(def) {
  if (!unitEnv) throw new Error('Page() may only be called in a page file');
  return unitEnv.Page(def);
};
global.Component = function Component(def) {
  if (!unitEnv) throw new Error('Component() may only be called in a component file');
  styleOptionsFromJs(unitEnv.path, def);
  return unitEnv.Component(withBuiltins(def));
};
// Outside any unit (app.js, shared modules), Behavior() still works.
global.Behavior = function Behavior(def) {
  if (unitEnv) return unitEnv.Behavior(withBuiltins(def));
  return codeSpace.behavior().definition(withBuiltins(def)).register();
};

// ---- errors -------------------------------------------------------------------------------------
/** Units whose script threw when the app loaded: why their pages cannot be created. */
const unitErrors = new Map();
let reporting = false;
/** The page `openPage` is creating: until it is on the stack, errors are its own. */
let openingPage = null;
/** The page `unloadPage` is closing: its errors are its own too. */
let closingPage = null;
/** An error no one caught: App.onError and wx.onError listeners, then the host. */
function reportError(err) {
  const message = err instanceof Error ? `${err.message}\n${err.stack || ''}` : String(err);
  // The page it happened on, so that a view shows it there and not over later pages.
  const top = stack[stack.length - 1];
  const closing = openingPage === null && closingPage !== null;
  post({ t: 'error', message, page: openingPage !== null ? openingPage : closing ? closingPage : top ? top.id : null, closing });
  if (reporting) return;
  reporting = true;
  try {
    if (appInstance && typeof appInstance.onError === 'function') appInstance.onError(message);
    for (const l of appListeners.error) {
      try {
        l(message);
      } catch (e) {
        console.error('error in an onError listener:', e);
      }
    }
  } catch (e) {
    console.error('error in onError:', e);
  } finally {
    reporting = false;
  }
  if (!(appInstance && appInstance.onError) && appListeners.error.length === 0) console.error(message);
}
ge.addGlobalErrorListener((err) => {
  reportError(err);
  return false;
});
ge.addGlobalWarningListener((msg) => {
  console.warn(msg);
  return false;
});
/** Called by Rust for a promise rejected with no handler. */
function unhandledRejection(reason, promise) {
  const res = { reason, promise };
  const handlers = appListeners.unhandledRejection.slice();
  if (appInstance && typeof appInstance.onUnhandledRejection === 'function') handlers.unshift((r) => appInstance.onUnhandledRejection(r));
  if (handlers.length === 0) {
    console.error('Unhandled promise rejection', reason);
    return;
  }
  for (const h of handlers) safe(() => h(res));
}

function safe(fn) {
  try {
    return fn();
  } catch (e) {
    reportError(e);
    return undefined;
  }
}

// ---- loading ---------------------------------------------------------------------------------------
/**
 * Register every unit of a compiled app and run app.js.
 * @param {Record<string, any>} templateGroup the `G` object of wxml.js
 * @param {Record<string, any>} unitConfigs unit path -> its `<unit>.json` config
 * @param {any} app app.json
 */
function load(templateGroup, unitConfigs, app) {
  units = unitConfigs;
  appJson = app || {};
  tabPaths = ((appJson.tabBar && appJson.tabBar.list) || []).map((i) => stripSlash(i.pagePath));
  allPages = new Set(appJson.pages || []);
  for (const sp of appJson.subPackages || appJson.subpackages || []) {
    for (const p of sp.pages || []) allPages.add(`${sp.root.replace(/\/$/, '')}/${p}`);
  }
  const paths = Object.keys(units);
  let emptyNeeded = false;
  for (const path of paths) {
    const config = units[path];
    // A generic with no default that the user does not give renders nothing in WeChat;
    // glass-easel refuses to create the component, so it gets an empty default.
    for (const [name, g] of Object.entries(config.componentGenerics || {})) {
      if (g === true || (g && typeof g === 'object' && !g.default)) {
        config.componentGenerics[name] = { default: '/' + EMPTY_COMPONENT };
        emptyNeeded = true;
      }
    }
    codeSpace.addComponentStaticConfig(path, config);
    if (config.style || config.styleScope) codeSpace.addStyleSheet(path, config.style, config.styleScope);
    if (templateGroup[path]) {
      codeSpace.addCompiledTemplate(path, {
        groupList: templateGroup,
        content: templateGroup[path],
        // The 0.12.1 template compiler only parses `bind:tap`; legacy `bindtap` reaches the
        // runtime as a plain attribute, and this makes glass-easel treat it as a listener.
        fallbackListenerOnNativeNode: true,
      });
    }
  }
  if (emptyNeeded) {
    codeSpace.addComponentStaticConfig(EMPTY_COMPONENT, { component: true });
    inUnitEnv(EMPTY_COMPONENT, () => global.Component({}));
  }
  if ($mapHas(modules, 'app.js')) safe(() => requireModule('app.js'));
  if (!appInstance) App({});
}
/** A component that renders nothing: the default of generics that have none. */
const EMPTY_COMPONENT = 'cove/empty';

/**
 * Run a unit's script the first time it is needed, as WeChat does: a page's script runs when
 * the page is first opened (after `App.onLaunch`: pages read what it set, at load), and the
 * components its tree uses run theirs first, so that their definitions are registered when
 * the page's template creates them. A unit whose script throws is reported once; its pages
 * then open blank with that error (`openPage`).
 */
const loadedUnits = new Set();
function ensureUnit(path) {
  if (loadedUnits.has(path) || !units[path]) return;
  loadedUnits.add(path);
  const config = units[path];
  const deps = Object.values(config.usingComponents || {});
  for (const g of Object.values(config.componentGenerics || {})) if (g && g.default) deps.push(g.default);
  for (const dep of deps) ensureUnit(stripSlash(dep));
  if (!$mapHas(modules, path + '.js')) return;
  try {
    inUnitEnv(path, () => requireModule(path + '.js'));
  } catch (e) {
    unitErrors.set(path, e);
    reportError(e);
  }
}


// ---- pages ---------------------------------------------------------------------------------------
function stripSlash(p) {
  return String(p || '').replace(/^\/+/, '');
}

function parseQuery(query) {
  const out = {};
  if (!query) return out;
  for (const part of String(query).split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = i < 0 ? part : part.slice(0, i);
    const v = i < 0 ? '' : part.slice(i + 1);
    out[decode(k)] = decode(v);
  }
  return out;
}
function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch (_e) {
    return s;
  }
}

/** Resolve `url` (absolute, or relative to the current page) into path and query. */
function resolveUrl(url) {
  const s = String(url || '');
  const q = s.indexOf('?');
  let path = q < 0 ? s : s.slice(0, q);
  const query = q < 0 ? '' : s.slice(q + 1);
  if (!path.startsWith('/')) {
    const base = stack.length ? stack[stack.length - 1].path.split('/').slice(0, -1) : [];
    const parts = base;
    for (const seg of path.split('/')) {
      if (seg === '..') parts.pop();
      else if (seg !== '.' && seg !== '') parts.push(seg);
    }
    path = parts.join('/');
  }
  path = stripSlash(path).replace(/\.(wxml|js|html)$/, '');
  return { path, query: parseQuery(query), search: query };
}

function windowOf(path) {
  const w = Object.assign({}, appJson.window || {});
  const u = units[path] || {};
  for (const k of Object.keys(u)) {
    if (/^(navigationBar|navigationStyle|background|enablePullDownRefresh|onReachBottomDistance|pageOrientation|disableScroll|backgroundColor)/.test(k)) w[k] = u[k];
  }
  return w;
}

function pageInfo(p) {
  return { id: p.id, path: p.path, query: p.query, node: p.node.__id };
}

function announce(action) {
  const top = stack[stack.length - 1];
  post({
    t: 'route',
    action,
    stack: stack.map(pageInfo),
    window: top ? windowOf(top.path) : {},
    tab: top && tabPaths.includes(top.path) ? top.path : null,
  });
}

function callPage(p, name, ...args) {
  const fn = p.caller[name];
  if (typeof fn === 'function') return safe(() => fn.apply(p.caller, args));
  return undefined;
}

function pageLifetime(p, name, args) {
  if (p.root) safe(() => p.root.getComponent().triggerPageLifetime(name, args || []));
}

function showPage(p) {
  callPage(p, 'onShow');
  pageLifetime(p, 'show');
}
function hidePage(p) {
  callPage(p, 'onHide');
  pageLifetime(p, 'hide');
}
function unloadPage(p) {
  // What its onUnload and its components' `detached` throw is this page's, not the next one's.
  closingPage = p.id;
  try {
    callPage(p, 'onUnload');
    if (p.root) safe(() => p.root.release());
    if (p.tabBar) safe(() => p.tabBar.release());
  } finally {
    closingPage = null;
  }
  tabPages.delete(p.path);
  post({ t: 'pageClosed', id: p.id, node: p.node.__id });
  // The closed page's tree is garbage with cycles: collect it when this turn ends.
  collectGarbage();
}
function collectGarbage() {
  try {
    nativeCall('gc');
  } catch (_e) {
    // Only the container's own natives answer `gc`; elsewhere (the oracle) nothing to do.
  }
}

class NotFound extends Error {}

/**
 * Open a page in WeChat's order: the component tree is created, the page is pushed (so
 * `getCurrentPages()` and `wx` APIs that act on the current page work in its components'
 * `created`/`attached`, as in WeChat), the tree is attached, then onLoad, onShow and onReady.
 *
 * A page that cannot be created (its module threw, so `Page()` never ran, or its template
 * failed) opens blank, as in WeChat: the error is reported once and the stack stays usable.
 */
function openPage(path, query, opener) {
  if (!allPages.has(path) || !units[path]) throw new NotFound(path);
  const id = nextPageId++;
  openingPage = id;
  reportMissingComponents(path);
  ensureUnit(path);
  const node = backend.createElement('page', 'page');
  pushOp(['page', node.__id, id, path]);
  let root = null;
  let caller;
  try {
    root = associated.createRoot('body', codeSpace, path);
    caller = root.get();
  } catch (e) {
    // QuickJS throws `null` when even the error for a failed allocation cannot be made.
    if (e === null) collectGarbage();
    // A page whose script threw at load has no definition; the script's error says why.
    const cause = unitErrors.get(path) || e;
    const why = unitErrors.has(path) ? `its script threw when the app loaded: ${cause && cause.message ? cause.message : cause}` : cause && cause.message ? cause.message : cause;
    const err = new Error(`page "${path}" cannot be created: ${why}`);
    if (cause && cause.stack) err.stack = cause.stack;
    reportError(err);
    caller = blankPage();
  }
  if (root) supportNodeQueries(caller);
  caller.route = path;
  caller.__route__ = path;
  caller.options = query;
  caller.__pageId__ = id;
  const p = { id, path, query, root, caller, node, opener };
  caller.getOpenerEventChannel = () => opener || new EventChannel();
  if (tabPaths.includes(path)) tabPages.set(path, p);
  stack.push(p);
  openingPage = null;
  if (root) {
    const placeholder = backend.createElement('placeholder', 'placeholder');
    node.appendChild(placeholder);
    root.attach(node, placeholder);
  }
  customTabBar(p);
  callPage(p, 'onLoad', query);
  showPage(p);
  flushReady();
  callPage(p, 'onReady');
  return p;
}

/**
 * `tabBar.custom`: on each tab page WeChat renders its own instance of the app's
 * `custom-tab-bar/index` component where the native tab bar would be, and the page's
 * `getTabBar()` returns it. Without that component there is no tab bar at all.
 */
const CUSTOM_TAB_BAR = 'custom-tab-bar/index';
function customTabBar(p) {
  p.caller.getTabBar = () => (p.tabBar ? p.tabBar.get() : null);
  const tb = appJson.tabBar;
  if (!tb || tb.custom !== true || !tabPaths.includes(p.path) || !units[CUSTOM_TAB_BAR]) return;
  ensureUnit(CUSTOM_TAB_BAR);
  const host = backend.createElement('view', 'view');
  // Fixed to the page's frame: the bottom of the screen, where the native bar would be.
  host.setStyle('position:fixed;left:0;right:0;bottom:0;z-index:9999');
  p.node.appendChild(host);
  const placeholder = backend.createElement('placeholder', 'placeholder');
  host.appendChild(placeholder);
  try {
    const root = associated.createRoot('custom-tab-bar', codeSpace, CUSTOM_TAB_BAR);
    root.attach(host, placeholder);
    p.tabBar = root;
  } catch (e) {
    reportError(e);
  }
}

/** What `getCurrentPages()` holds for a page that could not be created. */
function blankPage() {
  return {
    data: {},
    setData() {},
    selectComponent: () => null,
    selectAllComponents: () => [],
  };
}

/**
 * Components a page's tree declares but the build could not find: WeChat builds the app,
 * logs this when the page opens, and renders each such tag as an unknown element.
 */
function reportMissingComponents(page) {
  const seen = new Set();
  const todo = [page];
  while (todo.length) {
    const unit = todo.pop();
    if (seen.has(unit) || !units[unit]) continue;
    seen.add(unit);
    const config = units[unit];
    for (const path of Object.values(config.coveMissingComponents || {})) {
      console.error(`Component is not found in path "${stripSlash(path)}" (using by "${unit}")`);
    }
    for (const target of Object.values(config.usingComponents || {})) todo.push(stripSlash(target));
  }
}

function notFound(path, query, isEntryPage) {
  const res = { path, query, isEntryPage };
  let handled = false;
  if (appInstance && typeof appInstance.onPageNotFound === 'function') {
    handled = true;
    safe(() => appInstance.onPageNotFound(res));
  }
  for (const l of appListeners.pageNotFound) {
    handled = true;
    safe(() => l(res));
  }
  return handled;
}

class RouteError extends Error {}

/**
 * The router. Returns a result or throws RouteError with WeChat's errMsg tail.
 * @param {'navigateTo'|'redirectTo'|'navigateBack'|'switchTab'|'reLaunch'} action
 */
function route(action, opts) {
  if (action === 'navigateBack') {
    const delta = Math.max(1, Number(opts.delta) || 1);
    if (stack.length <= 1) throw new RouteError('cannot navigate back at first page.');
    const n = Math.min(delta, stack.length - 1);
    for (let i = 0; i < n; i++) unloadPage(stack.pop());
    showPage(stack[stack.length - 1]);
    announce(action);
    return {};
  }
  const { path, query, search } = resolveUrl(opts.url);
  const isTab = tabPaths.includes(path);
  if (!allPages.has(path)) {
    notFound(path, query, false);
    throw new RouteError(`page "${path}" is not found`);
  }
  if ((action === 'navigateTo' || action === 'redirectTo') && isTab) {
    throw new RouteError(`can not ${action} a tabbar page`);
  }
  if (action === 'switchTab' && !isTab) throw new RouteError(`can not switch to no-tabBar page`);
  if (action === 'navigateTo' && stack.length >= MAX_PAGES) throw new RouteError('webview count limit exceed');
  const top = stack[stack.length - 1];
  let channel = null;
  switch (action) {
    case 'navigateTo': {
      if (top) hidePage(top);
      const [mine, theirs] = EventChannel.pair(opts.events);
      channel = mine;
      try {
        openPage(path, query, theirs);
      } catch (e) {
        // The page could not be created: the one below stays on top and shown.
        if (top) showPage(top);
        throw e;
      }
      break;
    }
    case 'redirectTo': {
      if (top) unloadPage(stack.pop());
      openPage(path, query, null);
      break;
    }
    case 'reLaunch': {
      while (stack.length) unloadPage(stack.pop());
      for (const p of tabPages.values()) unloadPage(p);
      openPage(path, query, null);
      break;
    }
    case 'switchTab': {
      if (top && top.path === path) return {};
      // Non-tab pages close; the tab pages behind stay alive but hidden.
      while (stack.length) {
        const p = stack.pop();
        if (tabPaths.includes(p.path)) hidePage(p);
        else unloadPage(p);
      }
      const kept = tabPages.get(path);
      if (kept) {
        stack.push(kept);
        showPage(kept);
      } else {
        openPage(path, {}, null);
      }
      break;
    }
    default:
      throw new RouteError(`unknown route ${action}`);
  }
  void search;
  announce(action);
  return channel ? { eventChannel: channel } : {};
}

/** Start the app: onLaunch, onShow, then the entry (or requested) page. */
function launch(url, scene, referrerInfo) {
  const entry = url || appJson.entryPagePath || (appJson.pages || [])[0];
  const { path, query } = resolveUrl('/' + stripSlash(entry));
  launchOptions = { path, query, scene: scene || 1001, referrerInfo: referrerInfo || {}, apiCategory: 'default' };
  enterOptions = null;
  if (appInstance && typeof appInstance.onLaunch === 'function') safe(() => appInstance.onLaunch(copy(launchOptions)));
  appShow();
  let target = path;
  if (!allPages.has(path)) {
    const handled = notFound(path, query, true);
    if (!handled || stack.length) {
      if (stack.length) return;
      target = (appJson.pages || [])[0];
    } else {
      // onPageNotFound may have redirected; if not, fall back to the first page.
      if (stack.length) return;
      target = (appJson.pages || [])[0];
    }
  }
  openPage(target, target === path ? query : {}, null);
  announce('launch');
}

function appShow() {
  if (appShown) return;
  appShown = true;
  const opts = copy(enterOptions || launchOptions);
  if (appInstance && typeof appInstance.onShow === 'function') safe(() => appInstance.onShow(opts));
  for (const l of appListeners.show) safe(() => l(opts));
  const top = stack[stack.length - 1];
  if (top) showPage(top);
}

function appHide() {
  if (!appShown) return;
  appShown = false;
  const top = stack[stack.length - 1];
  if (top) hidePage(top);
  if (appInstance && typeof appInstance.onHide === 'function') safe(() => appInstance.onHide());
  for (const l of appListeners.hide) safe(() => l());
}

function copy(v) {
  return $parse($stringify(v));
}

// ---- EventChannel ----------------------------------------------------------------------------------
class EventChannel {
  constructor() {
    this.__listeners = new Map();
    this.__peer = null;
  }
  static pair(events) {
    const a = new EventChannel();
    const b = new EventChannel();
    a.__peer = b;
    b.__peer = a;
    if (events) for (const k of Object.keys(events)) a.on(k, events[k]);
    return [a, b];
  }
  on(name, fn) {
    if (!this.__listeners.has(name)) this.__listeners.set(name, []);
    this.__listeners.get(name).push({ fn, once: false });
  }
  once(name, fn) {
    if (!this.__listeners.has(name)) this.__listeners.set(name, []);
    this.__listeners.get(name).push({ fn, once: true });
  }
  off(name, fn) {
    const l = this.__listeners.get(name);
    if (!l) return;
    this.__listeners.set(name, fn ? l.filter((x) => x.fn !== fn) : []);
  }
  emit(name, ...args) {
    const peer = this.__peer;
    if (!peer) return;
    const l = peer.__listeners.get(name) || [];
    peer.__listeners.set(name, l.filter((x) => !x.once));
    for (const x of l) safe(() => x.fn(...args));
  }
}

// ---- events from the view ----------------------------------------------------------------------
const BUBBLING = new Set(['touchstart', 'touchmove', 'touchcancel', 'touchend', 'tap', 'longpress', 'longtap', 'transitionend', 'animationstart', 'animationiteration', 'animationend', 'touchforcechange']);

/** Deliver one inbound message from the view (docs/protocol.md). */
function inbound(msg) {
  const top = stack[stack.length - 1];
  switch (msg.t) {
    case 'event': {
      const target = $mapGet(elements, msg.node);
      if (!target) return { error: `no element with node id ${msg.node}` };
      const extraFields = {};
      for (const k of ['touches', 'changedTouches']) if (Array.isArray(msg[k])) extraFields[k] = msg[k];
      const bubbles = msg.bubbles !== undefined ? !!msg.bubbles : BUBBLING.has(msg.type);
      safe(() => ge.triggerEvent(target, msg.type, msg.detail === undefined ? {} : msg.detail, { bubbles, composed: bubbles, capturePhase: bubbles, extraFields }));
      return {};
    }
    case 'model': {
      const m = $mapGet(modelListeners, msg.node);
      const l = m && $mapGet(m, msg.name);
      if (!l) return { error: `node ${msg.node} has no model binding for ${msg.name}` };
      safe(() => l(msg.value));
      return {};
    }
    case 'intersection': {
      const l = $mapGet(intersectionListeners, msg.id);
      if (l) safe(() => l(msg.entry));
      return {};
    }
    case 'back':
      if (stack.length > 1) route('navigateBack', { delta: 1 });
      return {};
    case 'tab': {
      const path = stripSlash(msg.path);
      const i = tabPaths.indexOf(path);
      if (i < 0) return { error: `${path} is not a tab page` };
      const item = appJson.tabBar.list[i];
      if (top && top.path === path) callPage(top, 'onTabItemTap', { index: i, pagePath: path, text: item.text });
      else {
        route('switchTab', { url: '/' + path });
        const now = stack[stack.length - 1];
        callPage(now, 'onTabItemTap', { index: i, pagePath: path, text: item.text });
      }
      return {};
    }
    case 'show':
      // Back from another mini-program (navigateBackMiniProgram): its extraData arrives here.
      if (msg.referrerInfo) enterOptions = { ...launchOptions, scene: Number(msg.scene) || 1038, referrerInfo: msg.referrerInfo };
      appShow();
      return {};
    case 'hide':
      appHide();
      return {};
    case 'pageScroll':
      if (top) callPage(top, 'onPageScroll', { scrollTop: Number(msg.scrollTop) || 0 });
      return {};
    case 'reachBottom':
      if (top) callPage(top, 'onReachBottom');
      return {};
    case 'pullDownRefresh':
      if (top) callPage(top, 'onPullDownRefresh');
      return {};
    case 'resize': {
      Object.assign(systemInfo, msg.size || {});
      const size = { windowWidth: systemInfo.windowWidth, windowHeight: systemInfo.windowHeight };
      if (top) {
        callPage(top, 'onResize', { size });
        pageLifetime(top, 'resize', [{ size }]);
      }
      return {};
    }
    case 'share': {
      if (!top) return { result: null };
      const r = callPage(top, 'onShareAppMessage', { from: msg.from || 'menu' });
      return { result: r === undefined ? null : r };
    }
    default:
      return { error: `unknown inbound message ${$stringify(msg.t)}` };
  }
}

/** Call a method of the top page (tests, automator). */
function callTop(method, args) {
  const top = stack[stack.length - 1];
  if (!top) throw new Error('no page is open');
  if (typeof top.caller[method] !== 'function') throw new Error(`page ${top.path} has no method ${method}`);
  return top.caller[method](...(args || []));
}
