//! The app inside a partner's web page: an `<iframe>` on another origin whose page speaks the
//! app's postMessage protocol (src/host.rs), handing over the resident's position and a signed
//! partner token, and a stranger's frame on a third origin sending forged ones, which change
//! nothing.

use huiquan_e2e::{BrowserOptions, Harness, thirtyfour::By};

const TIANJIN: &str = "tianjin-2022-jinlegou";

/// The partner's page: the app in a frame; it answers the app's `ready` with a token and its
/// `position` requests with central Tianjin, and keeps what else it hears.
fn partner_page(app: &str, app_origin: &str, token: &str, stranger: &str) -> String {
    format!(
        r#"<!doctype html><meta charset=utf-8><title>Partner</title><h1>Partner</h1>
<iframe id=app src="{app}" style="width:390px;height:700px;border:0"></iframe>
<iframe src="{stranger}" style="display:none"></iframe>
<script>
const app = document.getElementById("app");
window.heard = [];
addEventListener("message", (event) => {{
  if (event.source !== app.contentWindow) return;
  const message = event.data || {{}};
  heard.push(message.huiquan);
  const reply = (answer) => app.contentWindow.postMessage(answer, "{app_origin}");
  if (message.huiquan === "ready") reply({{ huiquan: "token", token: "{token}" }});
  if (message.huiquan === "position") reply({{ huiquan: "position", latitude: 39.117, longitude: 117.195, accuracy: 15 }});
}});
</script>"#
    )
}

/// A stranger's page framed beside the app: it keeps sending the app a forged token and a
/// position in Beijing.
const STRANGER_PAGE: &str = r#"<!doctype html><meta charset=utf-8><script>
setInterval(() => {
  const app = parent.frames[0];
  app.postMessage({ huiquan: "token", token: "forged.token" }, "*");
  app.postMessage({ huiquan: "position", latitude: 39.9087, longitude: 116.3975, accuracy: 5 }, "*");
  app.postMessage({ huiquan: "elder", on: true }, "*");
}, 50);
</script>"#;

/// Serves `page` at `/` on a new port of `host`; returns the origin.
async fn serve(host: &str, page: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("address").port();
    let router = axum::Router::new().route("/", axum::routing::get(move || async move { axum::response::Html(page) }));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{host}:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_partners_frame_the_app_claims_with_the_partners_position_and_token_and_ignores_a_stranger() {
    // The partner's origin is known before the app starts: the service must allow it to frame.
    let partner_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let partner_origin = format!("http://127.0.0.1:{}", partner_listener.local_addr().expect("address").port());
    let harness = Harness::start(BrowserOptions {
        demo_release_in: Some(-1),
        frame_ancestors: partner_origin.clone(),
        window: (500, 900),
        ..BrowserOptions::default()
    })
    .await;
    // The stranger is on a third origin ("localhost" is not "127.0.0.1").
    let stranger = serve("localhost", STRANGER_PAGE.to_owned()).await;
    let page = partner_page(
        &format!("{}/campaigns/{TIANJIN}", harness.base),
        &harness.origin,
        &harness.partner_token("frame-resident"),
        &stranger,
    );
    let router = axum::Router::new().route("/", axum::routing::get(move || async move { axum::response::Html(page) }));
    tokio::spawn(async move { axum::serve(partner_listener, router).await });

    harness.driver.goto(&format!("{partner_origin}/")).await.expect("the partner's page");
    let frame = harness.wait_for_all("iframe#app").await.remove(0);
    frame.enter_frame().await.expect("into the app's frame");
    // Signed in by the partner's token, handed over in memory: the header offers signing out.
    harness.wait_for_all("[data-testid=sign-out]").await;
    let footer = harness.wait_for_text(".host-footer", "在合作方网页中打开").await;
    assert_eq!(footer, "在合作方网页中打开");

    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    // The partner's position (Tianjin), not the stranger's (Beijing).
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在天津市").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    let class = harness.driver.execute("return document.documentElement.className", Vec::new()).await.expect("class");
    assert_eq!(class.json().as_str(), Some(""), "the stranger's elder mode was not taken");
    harness.screenshot("host-frame-claimed").await;

    // Back: from the campaign to the app's first page, and from there to the partner.
    harness.driver.find(By::Css("button.host-back")).await.expect("the back button").click().await.expect("tap back");
    harness.wait_for_all(&format!("a.campaign-link[href='campaigns/{TIANJIN}']")).await[0].click().await.expect("into the campaign again");
    harness.wait_for_all("[data-tier]").await;
    // This time the campaign is a page of the app's own history: back goes back through it.
    harness.driver.find(By::Css("button.host-back")).await.expect("the back button").click().await.expect("tap back");
    harness.wait_for_all("a.campaign-link").await;
    harness.driver.find(By::Css("button.host-back")).await.expect("the back button").click().await.expect("tap back");

    harness.driver.enter_parent_frame().await.expect("back to the partner's page");
    let mut heard = serde_json::Value::Null;
    for _ in 0..50 {
        heard = harness.driver.execute("return heard", Vec::new()).await.expect("what the partner heard").json().clone();
        if heard.as_array().is_some_and(|heard| heard.iter().any(|kind| kind == "close")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let heard: Vec<&str> = heard.as_array().expect("a list").iter().filter_map(|kind| kind.as_str()).collect();
    assert_eq!(heard.first(), Some(&"ready"), "{heard:?}");
    assert!(heard.contains(&"position") && heard.contains(&"height"), "{heard:?}");
    assert!(heard.contains(&"close"), "handed back at the app's root: {heard:?}");
    // The claim was the partner's resident's, in their wallet on the service.
    harness.stop().await;
}

/// Each host kind as its documentation describes it, injected before the page loads: what the
/// foot says, and (where the host gives positions) the position the app judges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_host_kind_is_named_at_the_foot_of_the_page() {
    // Central Tianjin as Alipay reports it (GCJ-02, also forwarded by a mini-program from
    // `my.getLocation`), and as the shells do (WGS-84).
    let shims = [
        (
            "alipay",
            "window.AlipayJSBridge = { call(name, params, answer) { if (name === 'getLocation') answer({ latitude: 39.118035551655, longitude: 117.201311310119, accuracy: 30 }); } };",
            "在支付宝中打开",
        ),
        (
            "alipay-mini-program",
            "window.my = { postMessage(message) { if (message.huiquan === 'position') setTimeout(() => my.onMessage({ huiquan: 'position', latitude: 39.118035551655, longitude: 117.201311310119, accuracy: 30 }), 5); }, navigateBack() {} };",
            "在支付宝中打开",
        ),
        ("wechat", "window.__wxjs_environment = 'miniprogram'; window.wx = { miniProgram: { navigateBack() {} } };", "在微信小程序中打开"),
        (
            "ios",
            "window.webkit = { messageHandlers: { huiquan: { postMessage(message) { if (message.huiquan === 'position') setTimeout(() => window.postMessage({ huiquan: 'position', latitude: 39.117, longitude: 117.195, accuracy: 12 }, location.origin), 5); } } } };",
            "在合作方App中打开",
        ),
        (
            "android",
            "window.huiquanNative = { postMessage(text) { if (JSON.parse(text).huiquan === 'position') setTimeout(() => this.onmessage({ data: JSON.stringify({ huiquan: 'position', latitude: 39.117, longitude: 117.195, accuracy: 12 }) }), 5); } };",
            "在合作方App中打开",
        ),
    ];
    for (kind, shim, foot) in shims {
        let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), ..BrowserOptions::default() }).await;
        harness
            .driver
            .cdp()
            .send_raw("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": shim }))
            .await
            .expect("the host's bridge, before the page");
        harness.open_campaign(TIANJIN).await;
        let said = harness.wait_for_text(".host-footer", "打开").await;
        assert_eq!(said, foot, "{kind}");
        if kind != "wechat" {
            // The host is asked, not the browser (which was never given a position here).
            harness
                .driver
                .find(By::Css("[data-testid=location-gate] button"))
                .await
                .expect("the gate's button")
                .click()
                .await
                .expect("tap");
            harness.wait_for_text("[data-testid=location-words]", "已确认：你在天津市").await;
        }
        harness.screenshot_at(".host-footer", &format!("host-footer-{kind}")).await;
        harness.stop().await;
    }
}

/// WeChat's own browser with an official account configured: the page loads `hosts.js`, the
/// service signs the page's address, and a shim of WeChat's JS-SDK checks that signature as
/// WeChat does (SHA-1 of ticket, nonce, timestamp and the address without its fragment) before
/// it gives a position.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_wechats_browser_the_signed_sdk_gives_the_position() {
    const TICKET: &str = "bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA";
    let harness =
        Harness::start(BrowserOptions { demo_release_in: Some(-1), wechat_ticket: Some(TICKET), ..BrowserOptions::default() }).await;
    let devtools = harness.driver.cdp();
    devtools
        .send_raw(
            "Emulation.setUserAgentOverride",
            serde_json::json!({ "userAgent": "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64" }),
        )
        .await
        .expect("WeChat's user agent");
    let shim = format!(
        r##"
        const hex = async (text) => [...new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)))]
            .map((byte) => byte.toString(16).padStart(2, "0")).join("");
        let ready = [], failed = [];
        window.wx = {{
            async config(c) {{
                const signed = `jsapi_ticket={TICKET}&noncestr=${{c.nonceStr}}&timestamp=${{c.timestamp}}&url=${{location.href.split("#")[0]}}`;
                const good = c.appId === "{app_id}" && c.jsApiList.includes("getLocation") && (await hex(signed)) === c.signature;
                sessionStorage.setItem("wx.config", good ? "ok" : "refused");
                (good ? ready : failed).forEach((f) => f());
            }},
            ready(f) {{ ready.push(f); }},
            error(f) {{ failed.push(f); }},
            getLocation(o) {{
                if (sessionStorage.getItem("wx.config") !== "ok") return o.fail({{ errMsg: "getLocation:permission denied" }});
                setTimeout(() => o.success({{ latitude: 39.117, longitude: 117.195, accuracy: 15, speed: 0, errMsg: "getLocation:ok" }}), 5);
            }},
            closeWindow() {{}},
        }};
        "##,
        app_id = huiquan_e2e::WECHAT_APP_ID
    );
    devtools.send_raw("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": shim })).await.expect("WeChat's SDK");
    harness.open_campaign(TIANJIN).await;
    assert_eq!(harness.wait_for_text(".host-footer", "打开").await, "在微信中打开");
    // Never given a position by the browser: WeChat's SDK answers, once the signature holds.
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在天津市").await;
    let checked = harness.driver.execute("return sessionStorage.getItem('wx.config')", Vec::new()).await.expect("read");
    assert_eq!(checked.json(), &serde_json::json!("ok"), "the shim found the service's signature good");
    assert!(harness.csp_violations().await.is_empty(), "{:?}", harness.csp_violations().await);
    harness.screenshot_at(".host-footer", "host-footer-wechat-browser").await;
    harness.stop().await;
}

/// 云闪付 (UnionPay's app) with a UnionPay app configured: the page loads `hosts.js`, which
/// loads the Zepto the build serves (UPSDK needs it), the service signs the page's address, and
/// a shim of UPSDK checks that signature as its documentation says (SHA-256 of app id, front
/// token, nonce, timestamp and the address, in the order of their names) before it gives a
/// position, in GCJ-02 and as Android's JSON text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_unionpays_app_the_signed_upsdk_gives_the_position() {
    const FRONT_TOKEN: &str = "ZnJvbnRUb2tlbi1mcm9tLXRoZS10b2tlbi1zZXJ2ZXI";
    let harness =
        Harness::start(BrowserOptions { demo_release_in: Some(-1), unionpay_front_token: Some(FRONT_TOKEN), ..BrowserOptions::default() })
            .await;
    let devtools = harness.driver.cdp();
    devtools
        .send_raw(
            "Emulation.setUserAgentOverride",
            serde_json::json!({ "userAgent": "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 (com.unionpay.chsp) (cordova 4.5.4) (updebug 0) (version 1010) (UnionPay/1.0 CloudPay) (clientVersion 310) (language zh_CN) (upHtml) (walletMode 00)" }),
        )
        .await
        .expect("UnionPay's user agent");
    let shim = format!(
        r##"
        const hex = async (text) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
            .map((byte) => byte.toString(16).padStart(2, "0")).join("");
        let ready = [], failed = [];
        window.upsdk = {{
            async config(c) {{
                const signed = `appId=${{c.appId}}&frontToken={FRONT_TOKEN}&nonceStr=${{c.nonceStr}}&timestamp=${{c.timestamp}}&url=${{location.href.split("#")[0]}}`;
                // UPSDK runs on Zepto or jQuery, which must be on the page by now.
                const good = c.appId === "{app_id}" && typeof window.$ === "function" && (await hex(signed)) === c.signature;
                sessionStorage.setItem("upsdk.config", good ? "ok" : "refused");
                (good ? ready : failed).forEach((f) => f());
            }},
            ready(f) {{ ready.push(f); }},
            error(f) {{ failed.push(f); }},
            getLocationGps(o) {{
                if (sessionStorage.getItem("upsdk.config") !== "ok") return o.fail({{ msg: "not configured" }});
                setTimeout(() => o.success(JSON.stringify({{ latitude: "39.118035551655", longitude: "117.201311310119" }})), 5);
            }},
            closeWebApp() {{}},
        }};
        "##,
        app_id = huiquan_e2e::UNIONPAY_APP_ID
    );
    devtools.send_raw("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": shim })).await.expect("UnionPay's SDK");
    harness.open_campaign(TIANJIN).await;
    assert_eq!(harness.wait_for_text(".host-footer", "打开").await, "在云闪付中打开");
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在天津市").await;
    let checked = harness.driver.execute("return [sessionStorage.getItem('upsdk.config'), typeof Zepto]", Vec::new()).await.expect("read");
    assert_eq!(checked.json(), &serde_json::json!(["ok", "function"]), "the build's Zepto loaded, and the shim found the signature good");
    assert!(harness.csp_violations().await.is_empty(), "{:?}", harness.csp_violations().await);
    harness.screenshot_at(".host-footer", "host-footer-unionpay").await;
    harness.stop().await;
}
