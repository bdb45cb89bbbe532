// Generated from crates/protocol/src/view.rs by `UPDATE_PROTOCOL_TS=1 cargo test -p cove-view --test protocol`.
// Do not edit: change the Rust types and regenerate.

/** The protocol version (`hello`'s `protocol`). */
export type ProtocolVersion = 1;

/** A JSON value whose shape the app or WeChat's API defines. */
export type JsonValue = any;

/**
 * Everything a view receives: the app's messages and its host's.
 */
export type ToView = AppMessage | HostMessage;

/**
 * A message of the app for its view (or, for `automator`, its host).
 */
export type AppMessage = { "t": "hello" } & Hello | { "t": "ops", ops: Array<Op>, } | { "t": "route" } & Route | { "t": "pageClosed", id: number, node: number, } | { "t": "ui", api: UiApi, 
/**
 * WeChat's arguments without the callbacks.
 */
args: any, page: number | null, } | { "t": "canvas", node: number, calls: Array<Array<any>>, } | { "t": "theme", theme: ThemeName, } | { "t": "report", api: string, args: any, } | { "t": "unsupported", api: string, } | { "t": "error", message: string, page: number | null, closing: boolean, } | { "t": "automator", method: string, params: any, };

/**
 * `hello`: the protocol version, the app and the system theme.
 */
export type Hello = { protocol: number, appId: string, app: HelloApp, 
/**
 * The system theme the host states.
 */
theme: ThemeName, };

/**
 * The parts of `app.json` the view draws with.
 */
export type HelloApp = { 
/**
 * `app.json`'s `window`.
 */
window: Record<string, any>, tabBar: Record<string, any> | null, pages: Array<string>, darkmode: boolean, 
/**
 * `themeLocation`'s variables: `{light: {...}, dark: {...}}`.
 */
theme: Record<string, any> | null, };

export type ThemeName = "light" | "dark";

/**
 * `route`: the page stack, bottom first; the last entry is shown.
 */
export type Route = { action: RouteAction, stack: Array<PageEntry>, 
/**
 * `app.json`'s window merged with the top page's JSON.
 */
window: Record<string, any>, 
/**
 * The selected tab, when the top page is a tab page.
 */
tab: string | null, };

export type RouteAction = "launch" | "navigateTo" | "redirectTo" | "navigateBack" | "switchTab" | "reLaunch";

/**
 * One page of the stack.
 */
export type PageEntry = { id: number, path: string, 
/**
 * The page's query, decoded.
 */
query: { [key in string]: string }, 
/**
 * The page's host node (`page` op).
 */
node: number, };

/**
 * The `wx` methods that reach the view as `ui` messages.
 */
export type UiApi = "showToast" | "hideToast" | "showLoading" | "hideLoading" | "setNavigationBarTitle" | "setNavigationBarColor" | "showNavigationBarLoading" | "hideNavigationBarLoading" | "setBackgroundColor" | "setBackgroundTextStyle" | "startPullDownRefresh" | "stopPullDownRefresh" | "pageScrollTo" | "hideHomeButton" | "hideKeyboard" | "setTabBarBadge" | "removeTabBarBadge" | "showTabBarRedDot" | "hideTabBarRedDot" | "setTabBarItem" | "setTabBarStyle" | "showTabBar" | "hideTabBar";

/**
 * One DOM operation of an `ops` batch: a JSON array, the op's name first.
 */
export type Op = [op: "page", node: number, page: number, path: string] | [op: "create", id: number, tag: string, stylingName: string] | [op: "createText", id: number, text: string] | [op: "createFragment", id: number] | [op: "append", parent: number, child: number] | [op: "insert", parent: number, child: number, before: number | null] | [op: "remove", parent: number, child: number] | [op: "replace", parent: number, child: number, old: number | null] | [op: "spliceBefore", parent: number, before: number, deleteCount: number, fragment: number] | [op: "spliceAppend", parent: number, fragment: number] | [op: "spliceRemove", parent: number, before: number, deleteCount: number] | [op: "text", id: number, text: string] | [op: "id", id: number, value: string] | [op: "attr", id: number, name: string, value: JsonValue] | [op: "removeAttr", id: number, name: string] | [op: "class", id: number, name: string, prefix: string | null] | [op: "removeClass", id: number, name: string, prefix: string | null] | [op: "clearClasses", id: number] | [op: "style", id: number, cssText: string] | [op: "styleScope", id: number, prefix: string | null, extraPrefix: string | null, hostPrefix: string | null] | [op: "styleSheet", path: string, prefix: string | null, index: number] | [op: "disableStyleSheet", index: number] | [op: "listen", id: number, eventType: string, capture: boolean, mutLevel: number] | [op: "model", id: number, attribute: string] | [op: "observe", observer: number, id: number, relativeTo: number | null, margin: string, thresholds: Array<number>] | [op: "unobserve", observer: number] | [op: "release", id: number];

/**
 * What a host says to its view besides the app's messages (the simulator's transport).
 */
export type HostMessage = { "t": "config" } & Config | { "t": "fatal", code: string, title: string, message: string, help: string, } | { "t": "request", id: number, api: string, args: any, } | { "t": "hostReply", id: number, ok?: any, fail?: string, } | { "t": "viewRefused", message: string, } | { "t": "reload", path?: string, query?: any, } | { "t": "compileError", diagnostics: Array<any>, } | { "t": "compileOk", };

/**
 * `config`: how the view is set up.
 */
export type Config = { 
/**
 * A development host (the simulator): the view shows dev-only help.
 */
dev: boolean, 
/**
 * The package's stylesheets, loaded by the view itself.
 */
styles: Array<StyleSheet>, 
/**
 * The `https` origins media may come from.
 */
domains: Domains, device: Device, 
/**
 * The host's watermark over every page, if any.
 */
watermark: any, };

export type StyleSheet = { path: string, 
/**
 * The class prefix of its scope; `null` for the shared one.
 */
scope: string | null, 
/**
 * A page's sheet (shown with its page only).
 */
page: boolean, 
/**
 * The sheet's text, when the host inlines it (saving the view a request).
 */
css?: string, };

export type Domains = { image: Array<string>, media: Array<string>, webView: Array<string>, };

/**
 * The phone the view draws, as the view's URL gave it (strings, unparsed).
 */
export type Device = { width: string | null, height: string | null, ratio: string | null, name: string | null, };

/**
 * Everything a view sends.
 */
export type FromView = ViewMessage | ViewToHost;

/**
 * A message for the app (`App::send`): what the user did, from the view, or what the
 * device did, from the host.
 */
export type ViewMessage = { "t": "event" } & Event | { "t": "model", node: number, name: string, value: any, } | { "t": "intersection", id: number, entry: IntersectionEntry, } | { "t": "back", } | { "t": "tab", path: string, } | { "t": "hide", } | { "t": "show", referrerInfo?: any, scene?: number, } | { "t": "pageScroll", scrollTop: number, } | { "t": "reachBottom", } | { "t": "pullDownRefresh", } | { "t": "resize", size: WindowSize, } | { "t": "share", from?: string, } | { "t": "device", event: string, data?: any, } | { "t": "update", state: string, };

/**
 * `event`: `type` on `node`.
 */
export type Event = { node: number, type: string, 
/**
 * The event's `detail` (`{}` when absent).
 */
detail?: any, touches?: Array<any>, changedTouches?: Array<any>, 
/**
 * Overrides whether the event bubbles (touch and tap types do).
 */
bubbles?: boolean, 
/**
 * Milliseconds since the page opened.
 */
timeStamp?: number, };

/**
 * What an intersection observer reports; rects are relative to the page viewport.
 */
export type IntersectionEntry = { intersectionRatio: number, intersectionRect: Rect, boundingClientRect: Rect, relativeRect: Rect, 
/**
 * Milliseconds since the epoch.
 */
time: number, };

export type Rect = { left: number, top: number, right?: number, bottom?: number, width: number, height: number, };

export type WindowSize = { windowWidth: number, windowHeight: number, };

/**
 * What the view says to its host only.
 */
export type ViewToHost = { "t": "reply", id: number, ok?: any, fail?: string, } | { "t": "viewError", message: string, } | { "t": "host", id: number, api: string, args: any, };
