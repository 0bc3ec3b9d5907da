//! The app inside a host: a partner's webview, a native shell, or a frame on a partner's page.
//!
//! One interface ([`Host`]) with an adapter per kind of host, detected once at start: what the
//! app asks of a host is the position, a signed-in resident (a partner token handed over in
//! memory, never in the address), elder mode, and handing the resident back at the app's root.
//! Safe-area insets are CSS's `env(safe-area-inset-*)` (style/main.css), which every webview
//! fills. A host that offers none of this is the browser.
//!
//! The message hosts (a frame, the iOS and Android shells, an Alipay mini-program) speak one
//! protocol of JSON objects with a `huiquan` field. The app sends `ready`, `position` (a
//! request), `height` (a frame's content height) and `close`; the host sends `token` (`token`),
//! `position` (`latitude`, `longitude`, `accuracy`, WGS-84, or `code` as the Geolocation API's
//! errors; an Alipay mini-program forwards `my.getLocation`'s GCJ-02 answer or `error`) and
//! `elder` (`on`). A frame takes messages only from its parent, and only from the partner origins the
//! service lists in the page (`--frame-ancestors`); every other message changes nothing.

use leptos::prelude::*;
use wasm_bindgen::{JsValue, closure::Closure};

use crate::{
    js::{call, field, global, present},
    location::Reading,
};

/// The kinds of host the app knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    /// A browser: nothing to ask of it but the Geolocation API.
    Browser,
    /// A page or webview defining `window.huiquanHost` (`getLocation()` returning a Promise).
    Page,
    /// WeChat's own browser (an official account's page, a link opened in a chat). Its adapter
    /// is our script `hosts.js`, which the page's first script loads when the user agent names
    /// WeChat: it defines `huiquanHost` with `kind: "wechat"`, `getLocation()` and `close()`
    /// (`true` once WeChat closed the page) on WeChat's JS-SDK once the service has signed the
    /// page's address, and on the browser's geolocation otherwise.
    WeChat,
    /// 云闪付, UnionPay's app: the same (`kind: "unionpay"`) on UnionPay's
    /// UPSDK, whose positions are GCJ-02 (`gcj02: true`).
    UnionPay,
    /// A frame on a partner's page, spoken to with `postMessage`.
    Frame,
    /// Alipay's H5 container (`AlipayJSBridge`), whose positions are GCJ-02.
    Alipay,
    /// An Alipay mini-program's `web-view`, whose `web-view.min.js` gives the page `my`: the
    /// protocol's messages go through `my.postMessage` and come through `my.onMessage` (only the
    /// mini-program can send them); a position is `my.getLocation`'s answer forwarded as it is
    /// (GCJ-02, Alipay's error codes); `my.navigateBack` hands the resident back.
    AlipayMiniProgram,
    /// A WeChat mini-program's `web-view`: data comes in through the address; `wx.miniProgram`
    /// (when the mini-program loads its SDK) takes the resident back.
    WeChatMiniProgram,
    /// An iOS app's `WKWebView` with a `huiquan` script message handler.
    IosShell,
    /// An Android app's `WebView` with a `huiquanNative` web message listener (its origin
    /// allow-list is the app's `addWebMessageListener` rule).
    AndroidShell,
}

/// The host the app runs in, shared through context.
#[derive(Clone, Copy)]
pub struct Host {
    pub kind: HostKind,
    /// Where a position the host sends goes: the location's reading, once the resident asked.
    pending_position: StoredValue<Option<RwSignal<Reading>>>,
    /// A frame's partner origins, from the page.
    partners: StoredValue<Vec<String>>,
}

/// What a host told the app, besides positions (which go to the reading that asked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    /// A partner token, handed over in memory: signed in with, then forgotten.
    Token(String),
    /// Elder mode, as the host asks for it.
    Elder(bool),
}

/// The partner origins a frame may hear from, as the service wrote them into the page.
fn partner_origins() -> Vec<String> {
    document()
        .query_selector("meta[name=huiquan-partners]")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .map(|origins| origins.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Which host this is, from what it defines (bridges may be injected late: Alipay's and the
/// WeChat SDK's are looked up again when used).
pub fn detect_kind() -> HostKind {
    let agent = window().navigator().user_agent().unwrap_or_default();
    let page_host = global("huiquanHost");
    if present(&page_host) {
        match field(&page_host, "kind").as_string().as_deref() {
            Some("wechat") => HostKind::WeChat,
            Some("unionpay") => HostKind::UnionPay,
            _ => HostKind::Page,
        }
    } else if present(&field(&field(&global("webkit"), "messageHandlers"), "huiquan")) {
        HostKind::IosShell
    } else if present(&global("huiquanNative")) {
        HostKind::AndroidShell
    } else if present(&field(&global("my"), "postMessage")) {
        HostKind::AlipayMiniProgram
    } else if present(&global("AlipayJSBridge")) || agent.contains("AlipayClient") {
        HostKind::Alipay
    } else if global("__wxjs_environment").as_string().as_deref() == Some("miniprogram") || agent.contains("miniProgram") {
        HostKind::WeChatMiniProgram
    } else if window().parent().ok().flatten().is_some_and(|parent| parent != window()) {
        HostKind::Frame
    } else {
        HostKind::Browser
    }
}

impl Host {
    /// The host of `kind`, listening for its messages if it sends any; `heard` is told of each
    /// token and elder-mode message.
    pub fn new(kind: HostKind, heard: impl Fn(Heard) + 'static) -> Host {
        let host = Host {
            kind,
            pending_position: StoredValue::new(None),
            partners: StoredValue::new(if kind == HostKind::Frame { partner_origins() } else { Vec::new() }),
        };
        host.listen(heard);
        host.send("ready", None);
        host
    }

    /// Reads a message of the protocol; `from` is the sender's origin, or `None` when the
    /// transport has already vouched for it (the Android listener's allow-list). A position
    /// goes to the reading that asked; anything else the app should act on is returned.
    pub fn receive(&self, from: Option<&str>, from_parent: bool, data: &JsValue) -> Option<Heard> {
        let trusted = match self.kind {
            HostKind::Frame => {
                from_parent && from.is_some_and(|origin| self.partners.with_value(|partners| partners.iter().any(|p| p == origin)))
            }
            // Script messages from the native side come as the page's own.
            HostKind::IosShell => from == window().location().origin().ok().as_deref(),
            HostKind::AndroidShell | HostKind::AlipayMiniProgram => from.is_none(),
            _ => false,
        };
        if !trusted {
            return None;
        }
        // A shell's replies may come as JSON text.
        let data = match data.as_string() {
            Some(text) => js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED),
            None => data.clone(),
        };
        match field(&data, "huiquan").as_string().as_deref() {
            Some("token") => field(&data, "token").as_string().filter(|token| !token.is_empty() && token.len() <= 4096).map(Heard::Token),
            Some("position") => {
                if let Some(target) = self.pending_position.get_value() {
                    target.set(position_of(&data, self.kind == HostKind::AlipayMiniProgram));
                }
                None
            }
            Some("elder") => field(&data, "on").as_bool().map(Heard::Elder),
            _ => None,
        }
    }

    fn listen(&self, heard: impl Fn(Heard) + 'static) {
        let host = *self;
        let receive = move |from: Option<&str>, from_parent: bool, data: &JsValue| {
            if let Some(message) = host.receive(from, from_parent, data) {
                heard(message);
            }
        };
        match self.kind {
            HostKind::Frame | HostKind::IosShell => {
                let handle = window_event_listener(leptos::ev::message, move |event| {
                    let from_parent =
                        window().parent().ok().flatten().is_some_and(|parent| JsValue::from(parent) == field(&event, "source"));
                    receive(Some(&event.origin()), from_parent, &event.data());
                });
                // The app's whole life: never removed.
                std::mem::forget(handle);
            }
            HostKind::AndroidShell | HostKind::AlipayMiniProgram => {
                // Android hands over a MessageEvent; Alipay the object the mini-program sent.
                let android = self.kind == HostKind::AndroidShell;
                let on_message = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
                    receive(None, false, &if android { field(&event, "data") } else { event })
                });
                let (target, name) = if android { ("huiquanNative", "onmessage") } else { ("my", "onMessage") };
                let _ = js_sys::Reflect::set(&global(target), &JsValue::from_str(name), on_message.as_ref());
                on_message.forget();
            }
            _ => {}
        }
    }

    /// Sends a message of the protocol (`extra` is merged in) to a message host.
    fn send(&self, kind: &str, extra: Option<(&str, f64)>) {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &JsValue::from_str("huiquan"), &JsValue::from_str(kind));
        if let Some((name, value)) = extra {
            let _ = js_sys::Reflect::set(&message, &JsValue::from_str(name), &JsValue::from_f64(value));
        }
        match self.kind {
            HostKind::Frame => {
                if let Ok(Some(parent)) = window().parent() {
                    // Delivered only to a partner origin: one send for each.
                    self.partners.with_value(|partners| partners.iter().for_each(|origin| drop(parent.post_message(&message, origin))));
                }
            }
            HostKind::IosShell => {
                drop(call(&field(&field(&global("webkit"), "messageHandlers"), "huiquan"), "postMessage", &[message.into()]))
            }
            HostKind::AlipayMiniProgram => drop(call(&global("my"), "postMessage", &[message.into()])),
            HostKind::AndroidShell => {
                let text = js_sys::JSON::stringify(&message).map(JsValue::from).unwrap_or(JsValue::NULL);
                drop(call(&global("huiquanNative"), "postMessage", &[text]));
            }
            _ => {}
        }
    }

    /// Asks the host for the position into `reading`; `false` when the browser should be asked.
    pub fn ask_position(&self, reading: RwSignal<Reading>) -> bool {
        match self.kind {
            HostKind::Page | HostKind::WeChat | HostKind::UnionPay => match crate::location::host_get_location() {
                Some(get_location) => {
                    crate::scoped::spawn_scoped(async move { reading.set(crate::location::host_reading(&get_location).await) });
                    true
                }
                None => false,
            },
            HostKind::Alipay => {
                let bridge = global("AlipayJSBridge");
                if !present(&bridge) {
                    return false;
                }
                let answer = Closure::once_into_js(move |result: JsValue| reading.set(position_of(&result, true)));
                drop(call(&bridge, "call", &[JsValue::from_str("getLocation"), js_sys::Object::new().into(), answer]));
                true
            }
            HostKind::Frame | HostKind::IosShell | HostKind::AndroidShell | HostKind::AlipayMiniProgram => {
                self.pending_position.set_value(Some(reading));
                self.send("position", None);
                true
            }
            HostKind::Browser | HostKind::WeChatMiniProgram => false,
        }
    }

    /// Hands the resident back to the host (at the app's root); `false` when it cannot.
    pub fn close(&self) -> bool {
        match self.kind {
            HostKind::Alipay => drop(call(&global("AlipayJSBridge"), "call", &[JsValue::from_str("popWindow")])),
            HostKind::WeChatMiniProgram => drop(call(&field(&global("wx"), "miniProgram"), "navigateBack", &[])),
            HostKind::AlipayMiniProgram => drop(call(&global("my"), "navigateBack", &[])),
            HostKind::Frame | HostKind::IosShell | HostKind::AndroidShell => self.send("close", None),
            // Only once the app's SDK is ready; before that the app's own history goes back.
            HostKind::WeChat | HostKind::UnionPay => {
                return call(&global("huiquanHost"), "close", &[]).is_ok_and(|closed| closed.is_truthy());
            }
            HostKind::Browser | HostKind::Page => return false,
        }
        true
    }
}

/// A host's answer as a reading: a position, or an error code. `gcj02`: the host gives GCJ-02
/// positions (Alipay, H5 or mini-program; a host script saying `gcj02: true`), and errors in
/// Alipay's codes (11 for no permission, 13 for a timeout), where the protocol uses the
/// Geolocation API's.
pub(crate) fn position_of(answer: &JsValue, gcj02: bool) -> Reading {
    let number = |name| field(answer, name).as_f64();
    match (number("latitude"), number("longitude"), number("accuracy")) {
        (Some(latitude), Some(longitude), Some(accuracy)) if gcj02 => Reading::Gcj02(latitude, longitude, accuracy),
        (Some(latitude), Some(longitude), Some(accuracy)) => Reading::Position(latitude, longitude, accuracy),
        _ => Reading::Error(match (gcj02, number(if gcj02 { "error" } else { "code" })) {
            (true, Some(11.0)) | (false, Some(1.0)) => 1,
            (true, Some(13.0)) | (false, Some(3.0)) => 3,
            _ => 2,
        }),
    }
}

/// Detects the host and provides it to everything inside: a token it hands over signs in (or
/// asks before switching accounts, as a partner link does), elder mode follows it, and a frame's
/// partner page hears the app's height whenever it changes.
pub fn provide_host(
    session: crate::session::Session,
    pending: RwSignal<Option<crate::session::PartnerSwitch>>,
    now_ms: impl Fn() -> i64 + 'static,
) -> Host {
    let elder = crate::elder::use_elder_mode();
    let host = Host::new(detect_kind(), move |heard| match heard {
        Heard::Token(token) => crate::session::partner_token_arrived(session, token, now_ms(), pending),
        Heard::Elder(on) => {
            if let Some(elder) = elder {
                elder.set(on);
            }
        }
    });
    provide_context(host);
    if host.kind == HostKind::Frame {
        let reported = StoredValue::new(0);
        let _ = set_interval_with_handle(
            move || {
                let height = document().document_element().map_or(0, |html| html.scroll_height());
                if height != reported.get_value() {
                    reported.set_value(height);
                    // The partner page sizes the frame to it.
                    host.send("height", Some(("height", f64::from(height))));
                }
            },
            std::time::Duration::from_millis(500),
        );
    }
    host
}

/// The host, when provided (component tests may mount a piece without it: the browser then).
pub fn use_host() -> Option<Host> {
    use_context::<Host>()
}
