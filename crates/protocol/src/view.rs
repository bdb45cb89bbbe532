//! The container <-> view protocol as types (`docs/protocol.md`).
//!
//! Four directions share one transport, each a JSON object with a `t` field:
//! - [`AppMessage`]: what the container's runtime posts (`Host::send`): ops, routes, UI...
//! - [`HostMessage`]: what a host (the simulator) adds for its view: config, requests...
//! - [`ViewMessage`]: what the view (or the host) delivers to the app (`App::send`).
//! - [`ViewToHost`]: what the view says to its host only: replies, its own errors.
//!
//! Every struct refuses unknown fields, so a field renamed on one side is an error where
//! the message is parsed, not a value silently missing. Payloads whose shape the app or
//! WeChat's API defines (`detail`, `args`, `data`) stay [`Value`]s.
//!
//! The view's JS is checked against the same types: `typescript()` (feature `typescript`)
//! renders them as TypeScript declarations, checked in at `crates/view/types/protocol.d.ts`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
#[cfg(feature = "typescript")]
use ts_rs::TS;

/// The protocol's version, sent in [`Hello`]. It changes on any incompatible change to a
/// message or an op; a view that does not know it refuses to render.
pub const PROTOCOL_VERSION: u32 = 1;

/// A node of the app's tree: unique within an app; `0` is the app root.
pub type NodeId = u64;
/// A page, numbered from 1 in the order pages were opened.
pub type PageId = u64;

// ---- container -> view ------------------------------------------------------------------

/// A message of the app for its view (or, for `automator`, its host).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(
    tag = "t",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum AppMessage {
    /// The first message of every app.
    Hello(Hello),
    /// A batch of DOM operations: one per turn of the container's event loop.
    Ops { ops: Vec<Op> },
    /// The page stack changed.
    Route(Route),
    /// A page was unloaded; follows its `route`.
    PageClosed { id: PageId, node: NodeId },
    /// Feedback and chrome that need no answer.
    Ui {
        api: UiApi,
        /// WeChat's arguments without the callbacks.
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        args: Value,
        page: Option<PageId>,
    },
    /// Drawing for one canvas: `[method, ...args]` calls (`docs/protocol.md`, `canvas`).
    Canvas {
        node: NodeId,
        #[cfg_attr(feature = "typescript", ts(type = "Array<Array<any>>"))]
        calls: Vec<Vec<Value>>,
    },
    /// The system theme changed.
    Theme { theme: ThemeName },
    /// Analytics and monitoring the app reports (`reportEvent`...), for the host.
    Report {
        api: String,
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        args: Value,
    },
    /// The app called a `wx` method Cove does not provide.
    Unsupported { api: String },
    /// An error no mini-program code caught.
    Error {
        message: String,
        page: Option<PageId>,
        closing: bool,
    },
    /// An automator event (`App.bindingCalled`) for the host's automator clients; a view
    /// never receives it.
    Automator {
        method: String,
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        params: Value,
    },
}

/// `hello`: the protocol version, the app and the system theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Hello {
    pub protocol: u32,
    pub app_id: String,
    pub app: HelloApp,
    /// The system theme the host states.
    pub theme: ThemeName,
}

/// The parts of `app.json` the view draws with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HelloApp {
    /// `app.json`'s `window`.
    #[cfg_attr(feature = "typescript", ts(type = "Record<string, any>"))]
    pub window: Value,
    #[cfg_attr(feature = "typescript", ts(type = "Record<string, any> | null"))]
    pub tab_bar: Option<Value>,
    pub pages: Vec<String>,
    pub darkmode: bool,
    /// `themeLocation`'s variables: `{light: {...}, dark: {...}}`.
    #[cfg_attr(feature = "typescript", ts(type = "Record<string, any> | null"))]
    pub theme: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase")]
pub enum ThemeName {
    Light,
    Dark,
}

/// `route`: the page stack, bottom first; the last entry is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    pub action: RouteAction,
    pub stack: Vec<PageEntry>,
    /// `app.json`'s window merged with the top page's JSON.
    #[cfg_attr(feature = "typescript", ts(type = "Record<string, any>"))]
    pub window: Value,
    /// The selected tab, when the top page is a tab page.
    pub tab: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase")]
pub enum RouteAction {
    Launch,
    NavigateTo,
    RedirectTo,
    NavigateBack,
    SwitchTab,
    ReLaunch,
}

/// One page of the stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageEntry {
    pub id: PageId,
    pub path: String,
    /// The page's query, decoded.
    pub query: BTreeMap<String, String>,
    /// The page's host node (`page` op).
    pub node: NodeId,
}

/// The `wx` methods that reach the view as `ui` messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase")]
pub enum UiApi {
    ShowToast,
    HideToast,
    ShowLoading,
    HideLoading,
    SetNavigationBarTitle,
    SetNavigationBarColor,
    ShowNavigationBarLoading,
    HideNavigationBarLoading,
    SetBackgroundColor,
    SetBackgroundTextStyle,
    StartPullDownRefresh,
    StopPullDownRefresh,
    PageScrollTo,
    HideHomeButton,
    HideKeyboard,
    SetTabBarBadge,
    RemoveTabBarBadge,
    ShowTabBarRedDot,
    HideTabBarRedDot,
    SetTabBarItem,
    SetTabBarStyle,
    ShowTabBar,
    HideTabBar,
}

// ---- ops ----------------------------------------------------------------------------------------

/// Declares [`Op`]: each variant travels as the JSON array `[name, ...fields]`, in order.
macro_rules! ops {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $name:literal { $($field:ident : $ty:ty),* $(,)? }
    ),* $(,)?) => {
        /// One DOM operation of an `ops` batch. It travels as a JSON array, the op's name
        /// first: `Op::Create { id: 5, tag: "view", styling_name: "view" }` is
        /// `["create", 5, "view", "view"]`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Op {
            $( $(#[doc = $doc])* $variant { $($field: $ty),* }, )*
        }

        impl Op {
            /// Every op's name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The op's name: the array's first element.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Op::$variant { .. } => $name, )*
                }
            }
        }

        impl Serialize for Op {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Op::$variant { $($field),* } => {
                        let len = 1 + [$(stringify!($field)),*].len();
                        let mut seq = s.serialize_seq(Some(len))?;
                        seq.serialize_element($name)?;
                        $( seq.serialize_element($field)?; )*
                        seq.end()
                    } )*
                }
            }
        }

        impl<'de> Deserialize<'de> for Op {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct OpVisitor;
                impl<'de> Visitor<'de> for OpVisitor {
                    type Value = Op;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("an op: an array whose first element is the op's name")
                    }
                    #[allow(unused_assignments, unused_mut)]
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Op, A::Error> {
                        let name: String = seq
                            .next_element()?
                            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                        match name.as_str() {
                            $( $name => {
                                let mut at = 1;
                                $(
                                    let $field: $ty = seq.next_element()?.ok_or_else(|| {
                                        de::Error::custom(format_args!(
                                            "op {} has {} fields, expected {}",
                                            $name, at - 1, Op::arity($name)
                                        ))
                                    })?;
                                    at += 1;
                                )*
                                if seq.next_element::<IgnoredAny>()?.is_some() {
                                    return Err(de::Error::custom(format_args!(
                                        "op {} has more than {} fields",
                                        $name, at - 1
                                    )));
                                }
                                Ok(Op::$variant { $($field),* })
                            } )*
                            other => Err(de::Error::unknown_variant(other, Op::NAMES)),
                        }
                    }
                }
                d.deserialize_seq(OpVisitor)
            }
        }

        impl Op {
            fn arity(name: &str) -> usize {
                match name {
                    $( $name => [$(stringify!($field)),*].len(), )*
                    _ => 0,
                }
            }
        }

        /// The TypeScript type of [`Op`]: a union of labelled tuples.
        #[cfg(feature = "typescript")]
        impl TS for Op {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;

            fn docs() -> Option<String> {
                Some(
                    "/**\n * One DOM operation of an `ops` batch: a JSON array, the op's name first.\n */\n"
                        .into(),
                )
            }

            fn name(_: &ts_rs::Config) -> String {
                "Op".into()
            }

            fn inline(cfg: &ts_rs::Config) -> String {
                let variants: Vec<String> = vec![$({
                    let fields: Vec<String> = vec![$(
                        format!("{}: {}", camel(stringify!($field)), <$ty as TS>::name(cfg))
                    ),*];
                    let mut t = format!("[op: \"{}\"", $name);
                    for f in fields {
                        t.push_str(", ");
                        t.push_str(&f);
                    }
                    t.push(']');
                    t
                }),*];
                variants.join(" | ")
            }

            fn decl(cfg: &ts_rs::Config) -> String {
                format!("type Op = {};", Self::inline(cfg))
            }

            fn decl_concrete(cfg: &ts_rs::Config) -> String {
                Self::decl(cfg)
            }
        }
    };
}

ops! {
    /// `node` (created just before) hosts page `page`; the view keeps it as a page layer.
    Page = "page" { node: NodeId, page: PageId, path: String },
    /// An element: `tag` is the WXML tag (`wx-x` for a custom component's host).
    Create = "create" { id: NodeId, tag: String, styling_name: String },
    CreateText = "createText" { id: NodeId, text: String },
    /// A temporary list of nodes, consumed by `spliceBefore`/`spliceAppend`.
    CreateFragment = "createFragment" { id: NodeId },
    Append = "append" { parent: NodeId, child: NodeId },
    Insert = "insert" { parent: NodeId, child: NodeId, before: Option<NodeId> },
    Remove = "remove" { parent: NodeId, child: NodeId },
    Replace = "replace" { parent: NodeId, child: NodeId, old: Option<NodeId> },
    /// Remove `delete_count` nodes from `before` on and insert the fragment's nodes there.
    SpliceBefore = "spliceBefore" { parent: NodeId, before: NodeId, delete_count: u32, fragment: NodeId },
    SpliceAppend = "spliceAppend" { parent: NodeId, fragment: NodeId },
    SpliceRemove = "spliceRemove" { parent: NodeId, before: NodeId, delete_count: u32 },
    /// A text node's content.
    Text = "text" { id: NodeId, text: String },
    /// The element's `id`.
    Id = "id" { id: NodeId, value: String },
    /// An attribute or a built-in's property; the value keeps its JSON type.
    Attr = "attr" { id: NodeId, name: String, value: Value },
    RemoveAttr = "removeAttr" { id: NodeId, name: String },
    /// The DOM class is `<prefix>--<name>`, or `name` for the shared scope (`null`).
    Class = "class" { id: NodeId, name: String, prefix: Option<String> },
    RemoveClass = "removeClass" { id: NodeId, name: String, prefix: Option<String> },
    ClearClasses = "clearClasses" { id: NodeId },
    /// Inline style; the view converts `rpx`.
    Style = "style" { id: NodeId, css_text: String },
    /// The element's style scopes, by their class prefix.
    StyleScope = "styleScope" { id: NodeId, prefix: Option<String>, extra_prefix: Option<String>, host_prefix: Option<String> },
    /// A stylesheet glass-easel asked for.
    StyleSheet = "styleSheet" { path: String, prefix: Option<String>, index: u32 },
    DisableStyleSheet = "disableStyleSheet" { index: u32 },
    /// The element has a listener for `event_type`; `mut_level`: 0 none, 1 mut-bind, 2 catch.
    Listen = "listen" { id: NodeId, event_type: String, capture: bool, mut_level: u8 },
    /// A two-way `model:` binding on that attribute.
    Model = "model" { id: NodeId, attribute: String },
    /// An intersection observer; the view answers with `intersection` messages.
    Observe = "observe" { observer: u64, id: NodeId, relative_to: Option<NodeId>, margin: String, thresholds: Vec<f64> },
    Unobserve = "unobserve" { observer: u64 },
    /// The node is gone for good.
    Release = "release" { id: NodeId },
}

/// `snake_case` to `camelCase`, for the TypeScript tuple labels.
#[cfg(feature = "typescript")]
fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

// ---- host -> view -------------------------------------------------------------------------------

/// What a host says to its view besides the app's messages (the simulator's transport).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(
    tag = "t",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum HostMessage {
    /// The view's settings, before anything of the app.
    Config(Config),
    /// The app stopped for good; the view says why instead of a blank phone.
    Fatal {
        code: String,
        title: String,
        message: String,
        help: String,
    },
    /// A host request the view answers with a `reply` (`showModal`, `layout`...).
    Request {
        id: u64,
        api: String,
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        args: Value,
    },
    /// The answer to the view's `host` call: `ok` or `fail`.
    HostReply {
        id: u64,
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        ok: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "typescript", ts(optional))]
        fail: Option<String>,
    },
    /// The app refused one of the view's messages.
    ViewRefused { message: String },
    /// Reload the view (a rebuild), at `path` or the page shown now.
    Reload {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "typescript", ts(optional))]
        path: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        query: Option<Value>,
    },
    /// The app does not compile: the compiler's diagnostics.
    CompileError {
        #[cfg_attr(feature = "typescript", ts(type = "Array<any>"))]
        diagnostics: Vec<Value>,
    },
    /// It compiles again.
    CompileOk {},
}

/// `config`: how the view is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// A development host (the simulator): the view shows dev-only help.
    pub dev: bool,
    /// The package's stylesheets, loaded by the view itself.
    pub styles: Vec<StyleSheet>,
    /// The `https` origins media may come from.
    pub domains: Domains,
    pub device: Device,
    /// The host's watermark over every page, if any.
    #[cfg_attr(feature = "typescript", ts(type = "any"))]
    pub watermark: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StyleSheet {
    pub path: String,
    /// The class prefix of its scope; `null` for the shared one.
    pub scope: Option<String>,
    /// A page's sheet (shown with its page only).
    pub page: bool,
    /// The sheet's text, when the host inlines it (saving the view a request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub css: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Domains {
    pub image: Vec<String>,
    pub media: Vec<String>,
    pub web_view: Vec<String>,
}

/// The phone the view draws, as the view's URL gave it (strings, unparsed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Device {
    pub width: Option<String>,
    pub height: Option<String>,
    pub ratio: Option<String>,
    pub name: Option<String>,
}

/// Everything a view receives: the app's messages and its host's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(untagged)]
pub enum ToView {
    App(AppMessage),
    Host(HostMessage),
}

// ---- view -> container --------------------------------------------------------------------------

/// A message for the app (`App::send`): what the user did, from the view, or what the
/// device did, from the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(
    tag = "t",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum ViewMessage {
    /// An event on a node, dispatched with glass-easel in WeChat's event shape.
    Event(Event),
    /// The user changed a `model:` bound attribute.
    Model {
        node: NodeId,
        name: String,
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        value: Value,
    },
    /// An intersection observer (`observe` op) fired.
    Intersection {
        id: u64,
        entry: IntersectionEntry,
    },
    /// The back button.
    Back {},
    /// A tabBar item.
    Tab {
        path: String,
    },
    /// The app went to the background.
    Hide {},
    /// The app came back; from another mini-program, with its `referrerInfo` and scene.
    Show {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        referrer_info: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "typescript", ts(optional))]
        scene: Option<u32>,
    },
    /// The top page scrolled.
    PageScroll {
        scroll_top: f64,
    },
    ReachBottom {},
    PullDownRefresh {},
    /// The window's size changed.
    Resize {
        size: WindowSize,
    },
    /// The share menu (`from: "menu"`) or a share button; the reply is what
    /// `onShareAppMessage` returned.
    Share {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "typescript", ts(optional))]
        from: Option<String>,
    },
    /// A device event for the app's `wx.on<Event>` listeners (`wx.js` lists them).
    Device {
        event: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        data: Option<Value>,
    },
    /// From the host: the app's update is `ready` or `failed` (`wx.getUpdateManager`).
    Update {
        state: String,
    },
}

/// `event`: `type` on `node`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    pub node: NodeId,
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's `detail` (`{}` when absent).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "typescript", ts(type = "any"))]
    pub detail: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(type = "Array<any>"))]
    pub touches: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(type = "Array<any>"))]
    pub changed_touches: Option<Vec<Value>>,
    /// Overrides whether the event bubbles (touch and tap types do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub bubbles: Option<bool>,
    /// Milliseconds since the page opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub time_stamp: Option<f64>,
}

/// What an intersection observer reports; rects are relative to the page viewport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntersectionEntry {
    pub intersection_ratio: f64,
    pub intersection_rect: Rect,
    pub bounding_client_rect: Rect,
    pub relative_rect: Rect,
    /// Milliseconds since the epoch.
    pub time: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub right: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub bottom: Option<f64>,
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowSize {
    pub window_width: f64,
    pub window_height: f64,
}

// ---- view -> host -------------------------------------------------------------------------------

/// What the view says to its host only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(
    tag = "t",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum ViewToHost {
    /// The answer to a `request`: `ok` or `fail` (`"fail cancel"`).
    Reply {
        id: u64,
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        ok: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "typescript", ts(optional))]
        fail: Option<String>,
    },
    /// Something went wrong in the view itself.
    ViewError { message: String },
    /// A call into the host (`navigate`, `openType`), answered with `hostReply`.
    Host {
        id: u64,
        api: String,
        #[cfg_attr(feature = "typescript", ts(type = "any"))]
        args: Value,
    },
}

/// Everything a view sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[serde(untagged)]
pub enum FromView {
    App(ViewMessage),
    Host(ViewToHost),
}

/// `Some` for a value that is there, `null` included: `"ok": null` is an answer (a layout
/// query for a node the view does not have), unlike no `ok` at all.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

// ---- TypeScript -----------------------------------------------------------------------------

/// The view protocol as TypeScript declarations: what `crates/view/types/protocol.d.ts`
/// holds (a test of `cove-view` fails when that file is stale).
#[cfg(feature = "typescript")]
pub fn typescript() -> String {
    let cfg = ts_rs::Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from crates/protocol/src/view.rs by `UPDATE_PROTOCOL_TS=1 cargo test -p cove-view --test protocol`.\n\
         // Do not edit: change the Rust types and regenerate.\n\n",
    );
    out.push_str(&format!(
        "/** The protocol version (`hello`'s `protocol`). */\nexport type ProtocolVersion = {PROTOCOL_VERSION};\n\n"
    ));
    out.push_str("/** A JSON value whose shape the app or WeChat's API defines. */\nexport type JsonValue = any;\n\n");
    macro_rules! decls {
        ($($t:ty),* $(,)?) => {$(
            if let Some(docs) = <$t as TS>::docs() {
                out.push_str(&docs);
            }
            out.push_str("export ");
            out.push_str(&<$t as TS>::decl(&cfg));
            out.push_str("\n\n");
        )*};
    }
    decls!(
        ToView,
        AppMessage,
        Hello,
        HelloApp,
        ThemeName,
        Route,
        RouteAction,
        PageEntry,
        UiApi,
        Op,
        HostMessage,
        Config,
        StyleSheet,
        Domains,
        Device,
        FromView,
        ViewMessage,
        Event,
        IntersectionEntry,
        Rect,
        WindowSize,
        ViewToHost,
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
