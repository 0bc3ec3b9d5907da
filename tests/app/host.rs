//! Each host adapter against a shim that behaves as that host's documentation says: Alipay's
//! `AlipayJSBridge` (GCJ-02 positions, its error codes, `popWindow`), an Alipay mini-program's
//! `web-view` (`my`), the iOS and Android shells' message channels, a frame's partner origins, a
//! WeChat mini-program's `wx.miniProgram`, WeChat's JS-SDK in its own browser and
//! UnionPay's UPSDK in 云闪付 (both `public/hosts.js`).
//! Run in headless Chrome and Firefox.

use huiquan::{
    host::{Heard, Host, HostKind, detect_kind},
    location::{LocationState, Reading, judge},
};
use huiquan_core::{Boundary, Crs, LocateOptions, Verdict};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

/// Heping District, central Tianjin (WGS-84), and the same place as Alipay reports it (GCJ-02).
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);
const CENTRAL_TIANJIN_GCJ02: (f64, f64) = (39.118_035_551_655, 117.201_311_310_119);

fn run(script: &str) -> JsValue {
    js_sys::Function::new_no_args(script).call0(&JsValue::NULL).expect("the shim runs")
}

/// Mounting starts Leptos's task executor, which a host's position requests use.
fn start_executor() {
    let container: web_sys::HtmlElement = document().create_element("div").expect("a div").unchecked_into();
    leptos::mount::mount_to(container, || ()).forget();
}

/// A shim installed by `install`, taken away by `remove` when the test ends, passed or not (the
/// next test detects its own host).
struct Shim(&'static str);

impl Shim {
    fn new(install: &str, remove: &'static str) -> Shim {
        start_executor();
        run(install);
        Shim(remove)
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        run(self.0);
    }
}

async fn settle(reading: RwSignal<Reading>) -> Reading {
    for _ in 0..100 {
        if reading.get_untracked() != Reading::Nothing {
            break;
        }
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    reading.get_untracked()
}

fn tianjin() -> Boundary {
    Boundary::from_geojson(include_str!("../../data/geo/tianjin.geojson"), Crs::Wgs84).expect("valid")
}

#[wasm_bindgen_test]
async fn alipay_gives_a_gcj02_position_that_is_judged_where_the_resident_is() {
    let _owner = Owner::new();
    _owner.set();
    let _shim = Shim::new(
        &format!(
            "window.alipayCalls = [];
         window.AlipayJSBridge = {{ call(name, params, answer) {{
           alipayCalls.push(name);
           if (name === 'getLocation') setTimeout(() => answer(window.alipayDenies ? {{ error: 11, errorMessage: 'no permission' }}
             : {{ latitude: {}, longitude: {}, accuracy: 30 }}), 5);
         }} }};",
            CENTRAL_TIANJIN_GCJ02.0, CENTRAL_TIANJIN_GCJ02.1
        ),
        "delete window.AlipayJSBridge; delete window.alipayDenies;",
    );
    assert_eq!(detect_kind(), HostKind::Alipay);
    let host = Host::new(HostKind::Alipay, |_| {});
    let reading = RwSignal::new(Reading::Nothing);
    assert!(host.ask_position(reading), "Alipay is asked, not the browser");
    let answer = settle(reading).await;
    assert_eq!(answer, Reading::Gcj02(CENTRAL_TIANJIN_GCJ02.0, CENTRAL_TIANJIN_GCJ02.1, 30.0));
    // Judged as the same place as the browser's WGS-84 fix, not 500 m east of it.
    let LocationState::Judged { fix, verdict } = judge(true, answer, Some(&tianjin()), &LocateOptions::default()) else {
        panic!("judged");
    };
    assert!(matches!(verdict, Verdict::Inside { .. }), "{verdict:?}");
    assert!((fix.latitude() - CENTRAL_TIANJIN.0).abs() < 1e-6 && (fix.longitude() - CENTRAL_TIANJIN.1).abs() < 1e-6, "{fix:?}");

    // Alipay's "no permission" (11) is the Geolocation API's denied (1).
    run("window.alipayDenies = true;");
    let reading = RwSignal::new(Reading::Nothing);
    host.ask_position(reading);
    assert_eq!(settle(reading).await, Reading::Error(1));

    // At the app's root the resident is handed back: Alipay closes the page.
    assert!(host.close());
    assert_eq!(run("return alipayCalls.join(',')").as_string().as_deref(), Some("getLocation,getLocation,popWindow"));
}

#[wasm_bindgen_test]
async fn an_alipay_mini_program_web_view_speaks_through_my() {
    let owner = Owner::new();
    owner.set();
    // Alipay's `web-view.min.js` gives the page `my`: `my.postMessage(object)` reaches the
    // mini-program's `onMessage`, and what the mini-program sends with
    // `webViewContext.postMessage(object)` arrives at `my.onMessage(object)`. This mini-program
    // forwards `my.getLocation`'s answer as it is: GCJ-02, or Alipay's error 11 the second time.
    let _shim = Shim::new(
        &format!(
            "window.mySent = [];
         window.my = {{ postMessage(message) {{
           mySent.push(message.huiquan);
           const reply = (m) => setTimeout(() => my.onMessage(m), 5);
           if (message.huiquan === 'ready') {{ reply({{ huiquan: 'token', token: 'mini-program-token' }}); reply({{ huiquan: 'elder', on: true }}); }}
           if (message.huiquan === 'position') reply(mySent.length > 2 ? {{ huiquan: 'position', error: 11, errorMessage: 'no permission' }}
             : {{ huiquan: 'position', latitude: {}, longitude: {}, accuracy: 30 }});
         }}, navigateBack() {{ mySent.push('navigateBack'); }} }};",
            CENTRAL_TIANJIN_GCJ02.0, CENTRAL_TIANJIN_GCJ02.1
        ),
        "delete window.my;",
    );
    assert_eq!(detect_kind(), HostKind::AlipayMiniProgram);
    let heard = RwSignal::new(Vec::new());
    let host = Host::new(HostKind::AlipayMiniProgram, move |message| heard.update(|heard| heard.push(message)));
    let reading = RwSignal::new(Reading::Nothing);
    assert!(host.ask_position(reading), "the mini-program is asked, not the browser");
    let answer = settle(reading).await;
    assert_eq!(answer, Reading::Gcj02(CENTRAL_TIANJIN_GCJ02.0, CENTRAL_TIANJIN_GCJ02.1, 30.0));
    let LocationState::Judged { fix, .. } = judge(true, answer, Some(&tianjin()), &LocateOptions::default()) else {
        panic!("judged");
    };
    assert!((fix.latitude() - CENTRAL_TIANJIN.0).abs() < 1e-6 && (fix.longitude() - CENTRAL_TIANJIN.1).abs() < 1e-6, "{fix:?}");
    assert_eq!(heard.get_untracked(), [Heard::Token("mini-program-token".into()), Heard::Elder(true)]);
    let reading = RwSignal::new(Reading::Nothing);
    host.ask_position(reading);
    assert_eq!(settle(reading).await, Reading::Error(1), "Alipay's 11 is the Geolocation API's denied");
    // A message to the page's window is not the mini-program's channel: it changes nothing.
    run("window.postMessage({ huiquan: 'token', token: 'forged' }, '*');");
    tick().await;
    assert_eq!(heard.get_untracked().len(), 2);
    assert!(host.close());
    assert_eq!(run("return mySent.join(',')").as_string().as_deref(), Some("ready,position,position,navigateBack"));
}

#[wasm_bindgen_test]
async fn an_ios_shell_answers_through_its_message_handler() {
    let owner = Owner::new();
    owner.set();
    // The shell answers by evaluating `window.postMessage(…, location.origin)` in the page.
    let _shim = Shim::new(
        &format!(
        "window.iosSent = [];
         window.webkit = {{ messageHandlers: {{ huiquan: {{ postMessage(message) {{
           iosSent.push(message.huiquan);
           const reply = (m) => setTimeout(() => window.postMessage(m, location.origin), 5);
           if (message.huiquan === 'ready') {{ reply({{ huiquan: 'token', token: 'shell-token' }}); reply({{ huiquan: 'elder', on: true }}); }}
           if (message.huiquan === 'position') reply({{ huiquan: 'position', latitude: {}, longitude: {}, accuracy: 12 }});
         }} }} }} }};",
        CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1
    ),
        "delete window.webkit;",
    );
    assert_eq!(detect_kind(), HostKind::IosShell);
    let heard = RwSignal::new(Vec::new());
    let host = Host::new(HostKind::IosShell, move |message| heard.update(|heard| heard.push(message)));
    let reading = RwSignal::new(Reading::Nothing);
    assert!(host.ask_position(reading));
    assert_eq!(settle(reading).await, Reading::Position(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 12.0));
    assert_eq!(
        heard.get_untracked(),
        [Heard::Token("shell-token".into()), Heard::Elder(true)],
        "the token, handed over in memory, and elder mode"
    );
    assert!(host.close());
    tick().await;
    assert_eq!(run("return iosSent.join(',')").as_string().as_deref(), Some("ready,position,close"));
}

#[wasm_bindgen_test]
async fn an_android_shell_answers_through_its_web_message_listener() {
    let owner = Owner::new();
    owner.set();
    // `addWebMessageListener` gives the page `huiquanNative.postMessage(text)`, and replies
    // arrive at `huiquanNative.onmessage` as `{ data }` (the listener's origin rule vouches for them).
    let _shim = Shim::new(
        "window.androidSent = [];
         window.huiquanNative = { postMessage(text) {
           const message = JSON.parse(text);
           androidSent.push(message.huiquan);
           if (message.huiquan === 'position') setTimeout(() => this.onmessage({ data: JSON.stringify({ huiquan: 'position', code: 1 }) }), 5);
         } };",
        "delete window.huiquanNative;",
    );
    assert_eq!(detect_kind(), HostKind::AndroidShell);
    let heard = RwSignal::new(Vec::new());
    let host = Host::new(HostKind::AndroidShell, move |message| heard.update(|heard| heard.push(message)));
    let reading = RwSignal::new(Reading::Nothing);
    assert!(host.ask_position(reading));
    assert_eq!(settle(reading).await, Reading::Error(1), "the resident refused the app's location permission");
    // A message to the page's window is not the shell's channel: it changes nothing.
    run("window.postMessage({ huiquan: 'token', token: 'forged' }, '*');");
    tick().await;
    assert_eq!(heard.get_untracked(), []);
    assert_eq!(run("return androidSent.join(',')").as_string().as_deref(), Some("ready,position"));
}

#[wasm_bindgen_test]
async fn a_frame_hears_only_its_partner_parent() {
    start_executor();
    let owner = Owner::new();
    owner.set();
    // The service lists the partner origins in the page (`--frame-ancestors`).
    let meta = document().create_element("meta").expect("meta");
    meta.set_attribute("name", "huiquan-partners").expect("name");
    meta.set_attribute("content", "https://partner.example https://other.example").expect("content");
    document().head().expect("head").append_child(&meta).expect("added");
    let host = Host::new(HostKind::Frame, |_| {});
    let token = |token: &str| {
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"huiquan".into(), &"token".into()).expect("set");
        js_sys::Reflect::set(&message, &"token".into(), &token.into()).expect("set");
        JsValue::from(message)
    };
    assert_eq!(host.receive(Some("https://evil.example"), true, &token("from-a-stranger")), None, "an origin not listed");
    assert_eq!(
        host.receive(Some("https://partner.example"), false, &token("from-another-window")),
        None,
        "a listed origin, not the parent"
    );
    assert_eq!(
        host.receive(Some("https://partner.example"), true, &token("from-the-partner")),
        Some(Heard::Token("from-the-partner".into()))
    );
    meta.remove();
}

#[wasm_bindgen_test]
async fn a_wechat_mini_program_goes_back_through_its_sdk_and_leaves_positions_to_the_browser() {
    let owner = Owner::new();
    owner.set();
    let shim = Shim::new(
        "window.__wxjs_environment = 'miniprogram'; window.wxBack = 0; window.wx = { miniProgram: { navigateBack() { wxBack += 1; } } };",
        "delete window.__wxjs_environment; delete window.wx; delete window.wxBack;",
    );
    assert_eq!(detect_kind(), HostKind::WeChatMiniProgram);
    let host = Host::new(HostKind::WeChatMiniProgram, |_| {});
    assert!(!host.ask_position(RwSignal::new(Reading::Nothing)), "a web-view has the browser's geolocation");
    assert!(host.close());
    assert_eq!(run("return wxBack").as_f64(), Some(1.0));
    drop(shim);
    assert_eq!(detect_kind(), HostKind::Browser);
}

/// WeChat's JS-SDK as its documentation describes it: `config` checks the signature's fields,
/// then `ready` (or `error`) runs; `getLocation` answers WGS-84 with `type: "wgs84"` (or calls
/// `cancel` when the resident refuses); `closeWindow` closes the page. The service's answer to
/// `api/v1/hosts/wechat/config` comes from a stub of `fetch` (`status` 200 with a signature, or
/// the service's refusal).
fn shim_wechat_sdk(status: u16, refuses: bool) -> Shim {
    Shim::new(
        &format!(
            "window.wxCalls = [];
             Object.defineProperty(navigator, 'userAgent', {{ value: {WECHAT_BROWSER:?}, configurable: true }});
             window.realFetch = window.fetch;
             window.fetch = async (url) => {{
               wxCalls.push('fetch ' + new URL(url).pathname + ' ' + new URL(url).searchParams.get('url'));
               return new Response(JSON.stringify({status} === 200
                 ? {{ app_id: 'wx0123456789abcdef', timestamp: 1414587457, nonce_str: 'Wm3WZYTPz0wzccnW', signature: '0f9de62fce790f9a083d5c99e95740ceb90c27ed' }}
                 : {{ code: 'wechat_not_configured' }}), {{ status: {status} }});
             }};
             window.realGetCurrentPosition = navigator.geolocation.getCurrentPosition;
             navigator.geolocation.getCurrentPosition = (ok, fail, options) => {{
               wxCalls.push('browser ' + options.enableHighAccuracy);
               setTimeout(() => ok({{ coords: {{ latitude: {lat}, longitude: {lon}, accuracy: 40 }} }}), 5);
             }};
             let ready = [], failed = [];
             window.wx = {{
               config(c) {{
                 wxCalls.push('config ' + [c.appId, c.timestamp, c.nonceStr, c.signature, c.jsApiList.join('+')].join(' '));
                 setTimeout(() => (c.signature.length === 40 ? ready : failed).forEach((f) => f()), 5);
               }},
               ready(f) {{ ready.push(f); }},
               error(f) {{ failed.push(f); }},
               getLocation(o) {{
                 wxCalls.push('getLocation ' + o.type);
                 setTimeout(() => {refuses} ? o.cancel({{ errMsg: 'getLocation:cancel' }})
                   : o.success({{ latitude: {lat}, longitude: {lon}, speed: 0, accuracy: 25, errMsg: 'getLocation:ok' }}), 5);
               }},
               closeWindow() {{ wxCalls.push('closeWindow'); }},
             }};",
            lat = CENTRAL_TIANJIN.0,
            lon = CENTRAL_TIANJIN.1,
        ),
        "delete window.huiquanHost; delete window.wx; delete window.wxCalls; delete navigator.userAgent;
         window.fetch = window.realFetch; navigator.geolocation.getCurrentPosition = window.realGetCurrentPosition;",
    )
}

/// WeChat's own browser on Android.
const WECHAT_BROWSER: &str = "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";

fn wechat_calls() -> String {
    run("return wxCalls.join(' | ')").as_string().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn in_wechats_browser_the_position_comes_through_its_sdk_once_the_address_is_signed() {
    let owner = Owner::new();
    owner.set();
    let shim = shim_wechat_sdk(200, false);
    // What index.html loads inside WeChat's own browser (and 云闪付).
    run(include_str!("../../public/hosts.js"));
    assert_eq!(detect_kind(), HostKind::WeChat);
    let host = Host::new(HostKind::WeChat, |_| {});
    let reading = RwSignal::new(Reading::Nothing);
    assert!(host.ask_position(reading), "WeChat is asked, not the browser");
    assert_eq!(settle(reading).await, Reading::Position(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 25.0));
    let address = window().location().href().expect("href");
    let address = address.split('#').next().expect("the address");
    assert_eq!(
        wechat_calls(),
        format!(
            "fetch /api/v1/hosts/wechat/config {address} | config wx0123456789abcdef 1414587457 Wm3WZYTPz0wzccnW \
             0f9de62fce790f9a083d5c99e95740ceb90c27ed getLocation+closeWindow | getLocation wgs84"
        ),
        "the service signs the address without its fragment; WGS-84 asked"
    );
    // At the app's root the resident is handed back: WeChat closes the page.
    assert!(host.close());
    assert!(wechat_calls().ends_with("closeWindow"), "{}", wechat_calls());
    drop(shim);
}

#[wasm_bindgen_test]
async fn in_wechats_browser_a_refusal_is_a_refusal_and_without_a_signature_the_browser_answers() {
    let owner = Owner::new();
    owner.set();
    let shim = shim_wechat_sdk(200, true);
    run(include_str!("../../public/hosts.js"));
    let host = Host::new(detect_kind(), |_| {});
    let reading = RwSignal::new(Reading::Nothing);
    host.ask_position(reading);
    assert_eq!(settle(reading).await, Reading::Error(1), "WeChat's cancel is the resident's refusal");
    drop(shim);

    // The service has no official account: no SDK, the browser's geolocation, nothing to close.
    let shim = shim_wechat_sdk(404, false);
    run(include_str!("../../public/hosts.js"));
    let host = Host::new(detect_kind(), |_| {});
    assert_eq!(host.kind, HostKind::WeChat);
    let reading = RwSignal::new(Reading::Nothing);
    host.ask_position(reading);
    assert_eq!(settle(reading).await, Reading::Position(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 40.0));
    assert!(!host.close(), "the app's own history goes back");
    assert!(!wechat_calls().contains("| config"), "no SDK configured: {}", wechat_calls());
    assert!(wechat_calls().ends_with("browser true"), "{}", wechat_calls());
    drop(shim);
    assert_eq!(detect_kind(), HostKind::Browser);
}

/// UnionPay's UPSDK as its documentation describes it (6.2, 6.10, 6.13): `config` checks the
/// signature's fields, then `ready` (or `error`) runs; a page in a UnionPay mini-program is ready
/// at once (`pluginReady`); `getLocationGps` answers GCJ-02 (Android: as JSON text, iOS: as an
/// object) or calls `fail`; `closeWebApp` closes the page. `user_agent` is 云闪付's: an H5 page's
/// or a mini-program's. The service's answer to `api/v1/hosts/unionpay/config` comes from a stub
/// of `fetch` (`status` 200 with a signature, or the service's refusal).
fn shim_upsdk(user_agent: &str, status: u16, answer: &str) -> Shim {
    Shim::new(
        &format!(
            "window.upCalls = [];
             Object.defineProperty(navigator, 'userAgent', {{ value: {user_agent:?}, configurable: true }});
             window.realFetch = window.fetch;
             window.fetch = async (url) => {{
               upCalls.push('fetch ' + new URL(url).pathname + ' ' + new URL(url).searchParams.get('url'));
               return new Response(JSON.stringify({status} === 200
                 ? {{ app_id: 'a5949221470c4059b9b0b45a90c81527', timestamp: 1556096162, nonce_str: 'Wm3WZYTPz0wzccnW',
                      signature: '4b1159de0d4235d6e06a2a0fa16372ba51f5ac6692646394e059ce54b8bc970d' }}
                 : {{ code: 'unionpay_not_configured' }}), {{ status: {status} }});
             }};
             window.realGetCurrentPosition = navigator.geolocation.getCurrentPosition;
             navigator.geolocation.getCurrentPosition = (ok, fail, options) => {{
               upCalls.push('browser ' + options.enableHighAccuracy);
               setTimeout(() => ok({{ coords: {{ latitude: {lat}, longitude: {lon}, accuracy: 40 }} }}), 5);
             }};
             // UPSDK needs Zepto or jQuery: the page's own is used (the e2e test loads ours).
             window.$ = {{}};
             let ready = [], failed = [];
             window.upsdk = {{
               config(c) {{
                 upCalls.push('config ' + [c.appId, c.timestamp, c.nonceStr, c.signature].join(' '));
                 setTimeout(() => (c.signature.length === 64 ? ready : failed).forEach((f) => f()), 5);
               }},
               ready(f) {{ ready.push(f); }},
               error(f) {{ failed.push(f); }},
               pluginReady(f) {{ upCalls.push('pluginReady'); setTimeout(f, 5); }},
               getLocationGps(o) {{
                 upCalls.push('getLocationGps');
                 setTimeout(() => {answer}, 5);
               }},
               closeWebApp() {{ upCalls.push('closeWebApp'); }},
             }};",
            lat = CENTRAL_TIANJIN.0,
            lon = CENTRAL_TIANJIN.1,
        ),
        "delete window.huiquanHost; delete window.upsdk; delete window.upCalls; delete window.$; delete navigator.userAgent;
         window.fetch = window.realFetch; navigator.geolocation.getCurrentPosition = window.realGetCurrentPosition;",
    )
}

fn upsdk_calls() -> String {
    run("return upCalls.join(' | ')").as_string().unwrap_or_default()
}

const UNIONPAY_H5: &str = "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 (com.unionpay.chsp) (cordova 4.5.4) (updebug 0) (version 1010) (UnionPay/1.0 CloudPay) (clientVersion 310) (language zh_CN) (upHtml) (walletMode 00)";
const UNIONPAY_APPLET: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 (com.unionpay.chsp) (cordova 4.5.4) (updebug 0) (version 1010) (UnionPay/1.0 CloudPay) (clientVersion 310) (language zh_CN) (upApplet single) (walletMode 00)";

#[wasm_bindgen_test]
async fn in_unionpays_app_the_position_comes_through_upsdk_once_the_address_is_signed() {
    let owner = Owner::new();
    owner.set();
    // Android's answer: JSON text, in GCJ-02.
    let android =
        format!("o.success(JSON.stringify({{ latitude: '{}', longitude: '{}' }}))", CENTRAL_TIANJIN_GCJ02.0, CENTRAL_TIANJIN_GCJ02.1);
    let shim = shim_upsdk(UNIONPAY_H5, 200, &android);
    // What index.html loads inside 云闪付.
    run(include_str!("../../public/hosts.js"));
    assert_eq!(detect_kind(), HostKind::UnionPay);
    let host = Host::new(HostKind::UnionPay, |_| {});
    let reading = RwSignal::new(Reading::Nothing);
    assert!(host.ask_position(reading), "UnionPay is asked, not the browser");
    assert_eq!(
        settle(reading).await,
        Reading::Gcj02(CENTRAL_TIANJIN_GCJ02.0, CENTRAL_TIANJIN_GCJ02.1, 100.0),
        "GCJ-02, with the accuracy UPSDK does not give assumed"
    );
    let address = window().location().href().expect("href");
    let address = address.split('#').next().expect("the address");
    assert_eq!(
        upsdk_calls(),
        format!(
            "fetch /api/v1/hosts/unionpay/config {address} | config a5949221470c4059b9b0b45a90c81527 1556096162 Wm3WZYTPz0wzccnW \
             4b1159de0d4235d6e06a2a0fa16372ba51f5ac6692646394e059ce54b8bc970d | getLocationGps"
        ),
        "the service signs the address without its fragment"
    );
    assert!(host.close(), "at the app's root the resident is handed back");
    assert!(upsdk_calls().ends_with("closeWebApp"), "{}", upsdk_calls());
    drop(shim);
}

#[wasm_bindgen_test]
async fn in_a_unionpay_mini_program_upsdk_is_ready_without_a_signature_and_a_failure_is_no_position() {
    let owner = Owner::new();
    owner.set();
    // iOS's answer: an object.
    let ios = format!("o.success({{ latitude: {}, longitude: {} }})", CENTRAL_TIANJIN_GCJ02.0, CENTRAL_TIANJIN_GCJ02.1);
    let shim = shim_upsdk(UNIONPAY_APPLET, 404, &ios);
    run(include_str!("../../public/hosts.js"));
    let host = Host::new(detect_kind(), |_| {});
    let reading = RwSignal::new(Reading::Nothing);
    host.ask_position(reading);
    assert_eq!(settle(reading).await, Reading::Gcj02(CENTRAL_TIANJIN_GCJ02.0, CENTRAL_TIANJIN_GCJ02.1, 100.0));
    assert_eq!(upsdk_calls(), "pluginReady | getLocationGps", "a mini-program's page asks the service nothing");
    drop(shim);

    let shim = shim_upsdk(UNIONPAY_APPLET, 404, "o.fail({ msg: 'no permission' })");
    run(include_str!("../../public/hosts.js"));
    let host = Host::new(detect_kind(), |_| {});
    let reading = RwSignal::new(Reading::Nothing);
    host.ask_position(reading);
    assert_eq!(settle(reading).await, Reading::Error(2), "UPSDK's failure: no position, not an invented one");
    drop(shim);

    // An H5 page while the service signs for no UnionPay app: the browser's geolocation, and
    // nothing to close.
    let shim = shim_upsdk(UNIONPAY_H5, 404, "o.fail({})");
    run(include_str!("../../public/hosts.js"));
    let host = Host::new(detect_kind(), |_| {});
    let reading = RwSignal::new(Reading::Nothing);
    host.ask_position(reading);
    assert_eq!(settle(reading).await, Reading::Position(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 40.0));
    assert!(!host.close(), "the app's own history goes back");
    assert!(upsdk_calls().ends_with(" | browser true") && !upsdk_calls().contains("getLocationGps"), "{}", upsdk_calls());
    drop(shim);
    assert_eq!(detect_kind(), HostKind::Browser);
}
