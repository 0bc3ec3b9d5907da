//! The claim page end to end: a phone-sized headless Chromium whose position is set through the
//! DevTools protocol, against the real service in demo mode (a Tianjin release open now).

use huiquan_e2e::{BrowserOptions, Harness, thirtyfour::By};

const TIANJIN: &str = "tianjin-2022-jinlegou";
/// Heping District, central Tianjin (WGS-84).
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);
/// Deep in the Tangshan enclave that Tianjin's outline surrounds.
const TANGSHAN_ENCLAVE: (f64, f64) = (39.3767, 117.6024);

fn demo() -> BrowserOptions {
    BrowserOptions { demo_release_in: Some(-1), ..BrowserOptions::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_tianjin_a_resident_claims_once_and_is_told_when_they_may_claim_again() {
    let harness = Harness::start(demo()).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.wait_for_text("[data-testid=location-words]", "点按下方按钮").await;
    harness.sign_in("13800138000").await;

    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在天津市").await;
    let status = harness.wait_for_text(".offer-status", "正在发放").await;
    assert!(status.contains("剩余"), "{status}");
    harness.screenshot("claim-ready").await;

    let button = harness.wait_for_all(".tier-card .claim-button").await;
    button[0].click().await.expect("tap claim");
    let said = harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    assert!(said.contains("1 张消费券"), "{said}");
    let code = harness.wait_for_all(".tier-card .claimed-vouchers code").await[0].text().await.expect("text");
    assert_eq!(code.len(), 19, "a voucher code of four groups: {code}");
    // The stock, pushed by the service, counts the voucher just claimed.
    harness.wait_for_text(".tier-card .offer-words", "剩余 3570 / 3571 张").await;
    harness.screenshot_at(".tier-card .claim", "claim-success").await;

    // The same tier again the same day: the card says so (from the resident's wallet, by the
    // service's own rule) and the button is off, before any tap and after a reload.
    harness.wait_for_text(".tier-card .claim-hint", "你今天已经领过这种消费券了").await;
    assert!(!button[0].is_enabled().await.expect("state"), "no second claim today");
    harness.driver.refresh().await.expect("reload");
    let hint = harness.wait_for_text(".tier-card .claim-hint", "你今天已经领过这种消费券了").await;
    assert!(hint.contains("起可以再领"), "when they may claim again: {hint}");
    assert!(!harness.wait_for_all(".tier-card .claim-button").await[0].is_enabled().await.expect("state"));
    harness.screenshot_at(".tier-card .claim", "claim-refused-today").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_enclave_tianjin_surrounds_the_resident_is_told_they_are_outside() {
    let harness = Harness::start(demo()).await;
    harness.set_location(TANGSHAN_ENCLAVE.0, TANGSHAN_ENCLAVE.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13900139000").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    let said = harness.wait_for_text("[data-testid=location-words]", "你现在不在天津市").await;
    assert!(said.contains("公里"), "{said}");
    let button = harness.wait_for_all(".tier-card .claim-button").await;
    assert!(!button[0].is_enabled().await.expect("state"), "no claim from outside the city");
    harness.wait_for_text(".tier-card .claim-hint", "请先确认你的位置").await;
    harness.screenshot_at("[data-testid=location-gate]", "claim-outside").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_in_the_middle_of_a_claim_resumes_it_and_never_claims_twice() {
    let harness = Harness::start(demo()).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13700137000").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;

    // The claim cannot get through: the app keeps the attempt and retries.
    let devtools = harness.driver.cdp();
    devtools.send_raw("Network.enable", serde_json::json!({})).await.expect("network domain");
    devtools.send_raw("Network.setBlockedURLs", serde_json::json!({ "urls": ["*/claims"] })).await.expect("claims blocked");
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "秒后自动重试").await;
    harness.screenshot_at(".tier-card .claim", "claim-retrying").await;

    // The webview is reloaded (claims still blocked, so the old page's retry cannot finish it
    // first): the reloaded page takes the kept attempt up by itself, and retries it.
    harness.driver.refresh().await.expect("reload");
    harness.wait_for_text(".tier-card .claim-words", "秒后自动重试").await;
    // The network back: the same attempt goes through.
    devtools.send_raw("Network.setBlockedURLs", serde_json::json!({ "urls": [] })).await.expect("unblocked");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;

    // And the service holds exactly one claim for this resident.
    let session = harness.driver.execute("return localStorage.getItem('huiquan.session')", Vec::new()).await.expect("script");
    let session: serde_json::Value = serde_json::from_str(session.json().as_str().expect("stored session")).expect("json");
    let wallet: Vec<serde_json::Value> = reqwest::Client::new()
        .get(format!("{}/api/v1/wallet", harness.base))
        .bearer_auth(session["token"].as_str().expect("token"))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    assert_eq!(wallet.len(), 1, "one claim, one voucher: {wallet:?}");
    harness.stop().await;
}

/// Liaocheng's outline is in GCJ-02: the browser's WGS-84 fix must be converted before it is
/// tested. In the enclave of Henan's 范县, ≈350 m from its edge, an unconverted fix lands inside.
const LIAOCHENG: &str = "liaocheng-2024-spring-appliances";
const FAN_COUNTY_ENCLAVE: (f64, f64) = (35.9052, 115.4871);
const CENTRAL_LIAOCHENG: (f64, f64) = (36.456, 115.985);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gcj02_outline_decides_right_near_its_border_in_the_app_and_the_service() {
    let harness = Harness::start(demo()).await;
    harness.set_location(FAN_COUNTY_ENCLAVE.0, FAN_COUNTY_ENCLAVE.1, 20.0).await;
    harness.open_campaign(LIAOCHENG).await;
    harness.sign_in("13600136000").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    let said = harness.wait_for_text("[data-testid=location-words]", "你现在不在聊城市").await;
    assert!(said.contains(" 米"), "a few hundred metres from the border: {said}");

    // Moved into the city: inside, and the service (on the same GCJ-02 outline) grants the claim.
    harness.set_location(CENTRAL_LIAOCHENG.0, CENTRAL_LIAOCHENG.1, 20.0).await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在聊城市").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_voucher_claimed_the_tier_shows_sold_out_and_when_the_next_release_is() {
    // Liaocheng with a single voucher of its first tier.
    let campaigns =
        huiquan_e2e::campaign_edited(LIAOCHENG, |campaign| campaign["themes"][0]["tiers"][0]["stock_per_release"] = serde_json::json!(1));

    let harness = Harness::start(BrowserOptions { campaigns: Some(campaigns.path().to_owned()), ..demo() }).await;
    harness.set_location(CENTRAL_LIAOCHENG.0, CENTRAL_LIAOCHENG.1, 20.0).await;
    harness.open_campaign(LIAOCHENG).await;
    harness.wait_for_text(".tier-card .offer-words", "剩余 1 / 1 张").await;
    harness.sign_in("13500135000").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    let said = harness.wait_for_text(".tier-card .offer-words", "抢完").await;
    assert!(said.starts_with("本场已于 ") && said.contains("下次发放"), "when it sold out and when the next release is: {said}");
    let button = harness.wait_for_all(".tier-card .claim-button").await;
    assert!(!button[0].is_enabled().await.expect("state"), "nothing left to claim");
    harness.screenshot_at(".tier-card", "claim-sold-out").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_the_release_each_tier_counts_down_and_cannot_be_claimed() {
    let harness = Harness::start(BrowserOptions { demo_release_in: Some(3), ..BrowserOptions::default() }).await;
    harness.open_campaign(TIANJIN).await;
    harness.screenshot("claim-page-top").await;
    let said = harness.wait_for_text(".tier-card .offer-words", "距开抢 00:0").await;
    assert!(said.contains("开始）"), "the release time on the campaign's clock: {said}");
    let button = harness.wait_for_all(".tier-card .claim-button").await;
    assert!(!button[0].is_enabled().await.expect("state"), "not before the release");
    harness.screenshot_at(".tier-card", "claim-countdown").await;
    harness.stop().await;
}

/// The height of the smallest button or button-like link.
async fn smallest_tap_target(harness: &Harness) -> f64 {
    harness
        .driver
        .execute(
            "return Math.min(...[...document.querySelectorAll('button, a.button')].map(e => e.getBoundingClientRect().height).filter(h => h > 0))",
            Vec::new(),
        )
        .await
        .expect("sizes")
        .json()
        .as_f64()
        .expect("a height")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_320_px_with_text_at_200_percent_nothing_is_cut_off_and_taps_stay_large() {
    let harness = Harness::start(BrowserOptions { window: (320, 640), ..demo() }).await;
    harness.open_campaign(TIANJIN).await;
    // The resident's browser text size at 200 %.
    harness.driver.execute("document.documentElement.style.fontSize = '200%'", Vec::new()).await.expect("text at 200 %");
    harness.wait_for_all(".tier-card .claim-button").await;
    let (scroll, width, wider) = harness.sideways().await;
    assert!(scroll <= width, "no sideways scrolling: the page is {scroll} px wide in a {width} px viewport; too wide: {wider:?}");
    // Every button and link is at least 44 CSS px tall (the rem sizes grow with the text).
    let smallest = smallest_tap_target(&harness).await;
    assert!(smallest >= 44.0, "a tap target {smallest} px tall");
    harness.screenshot_at(".tier-card", "claim-320px-200-percent").await;

    // Signed in, the header also holds the sign-out button: still nothing sideways, still large.
    harness.sign_in("13000130000").await;
    harness.wait_for_all("[data-testid=sign-out]").await;
    let (scroll, width, wider) = harness.sideways().await;
    assert!(scroll <= width, "signed in: the page is {scroll} px wide in a {width} px viewport; too wide: {wider:?}");
    let smallest = smallest_tap_target(&harness).await;
    assert!(smallest >= 44.0, "signed in: a tap target {smallest} px tall");
    harness.driver.execute("window.scrollTo(0, 0)", Vec::new()).await.expect("to the top");
    harness.screenshot("header-320px-200-percent-signed-in").await;
    harness.stop().await;
}

/// Jincheng hands out a pack of five vouchers through Alipay, to real-name verified accounts.
const JINCHENG: &str = "jincheng-2020-alipay";
const CENTRAL_JINCHENG: (f64, f64) = (35.4906, 112.8519);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arriving_from_a_partner_app_a_resident_claims_a_whole_pack_in_one_tap() {
    let harness = Harness::start(demo()).await;
    harness.set_location(CENTRAL_JINCHENG.0, CENTRAL_JINCHENG.1, 20.0).await;
    harness.driver.goto(&harness.partner_link(JINCHENG, "alipay-user-1")).await.expect("the partner opens the page");
    harness.wait_for_all("[data-pack]").await;
    // Signed in by the partner's token: no sign-in form, and the token is gone from the address.
    for _ in 0..50 {
        if harness.driver.find_all(By::Css("[data-testid=sign-in]")).await.expect("query").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(harness.driver.find_all(By::Css("[data-testid=sign-in]")).await.expect("query").is_empty(), "signed in by the partner");
    assert!(!harness.driver.current_url().await.expect("url").as_str().contains("partner_token"), "the token is not left in the address");

    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在晋城市").await;
    harness.wait_for_all("[data-pack] .claim-button").await[0].click().await.expect("tap claim");
    let said = harness.wait_for_text("[data-pack] .claim-words", "领取成功").await;
    assert!(said.contains("5 张消费券"), "the whole pack: {said}");
    assert_eq!(harness.wait_for_all("[data-pack] .claimed-vouchers code").await.len(), 5);
    harness.screenshot_at("[data-pack]", "claim-pack").await;
    harness.stop().await;
}

/// Shenyang's appliance vouchers are claimed in a participating store (到店领取).
const SHENYANG: &str = "shenyang-2022-xiaoxia";
const CENTRAL_SHENYANG: (f64, f64) = (41.816852, 123.301673);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_shenyang_appliance_store_a_resident_claims_with_the_code_the_till_shows() {
    // Regression: the app had no way to present a store, so every in-store claim (18 M yuan of
    // Shenyang's appliance vouchers) was refused `store_required`.
    let harness = Harness::start(demo()).await;
    harness.set_location(CENTRAL_SHENYANG.0, CENTRAL_SHENYANG.1, 20.0).await;
    harness.driver.goto(&harness.partner_link(SHENYANG, "jd-user-in-store")).await.expect("the partner opens the page");
    harness.wait_for_all("[data-tier=appliances-2000-200] .claim-button").await;
    harness.wait_for_all("[data-testid=location-gate] button").await[0].click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在沈阳市").await;
    let card = "[data-tier=appliances-2000-200]";
    let hint = harness.wait_for_text(&format!("{card} .claim-hint"), "门店收银台显示的领券码").await;
    assert!(hint.contains("再点领取"), "{hint}");
    let button = harness.driver.find(By::Css(format!("{card} .claim-button"))).await.expect("the button");
    assert!(!button.is_enabled().await.expect("state"), "no claim without a store's code");

    // The store's till shows its code; the resident types it as they read it.
    let shown = harness.till_get(SHENYANG, "sy-00008", "store-code").await;
    let claim_code = shown["claim_code"].as_str().expect("a code to show").to_owned();
    let (store, code) = claim_code.rsplit_once('.').expect("store.code");
    let typed = format!("{}.{} {}", store.to_uppercase(), &code[..4].to_lowercase(), &code[4..]);
    let field = harness.driver.find(By::Id("store-code-appliances-2000-200")).await.expect("the store code field");
    field.send_keys(&typed).await.expect("typed");
    harness.wait_for_all(&format!("{card} .claim-button:enabled")).await[0].click().await.expect("tap claim");
    harness.wait_for_text(&format!("{card} .claim-words"), "领取成功").await;
    harness.screenshot_at(card, "claim-in-store").await;

    // The notice's way: the partner app's 扫一扫 on the till's QR code opens its address, which
    // brings the code; the resident only taps.
    let claim_path = shown["claim_path"].as_str().expect("the QR code's address");
    harness.driver.goto(&format!("{}{claim_path}", harness.base)).await.expect("opened from the QR code");
    let card = "[data-tier=appliances-5000-500]";
    harness.wait_for_all(&format!("{card} .claim-button")).await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在沈阳市").await;
    let filled = harness.driver.find(By::Id("store-code-appliances-5000-500")).await.expect("the field");
    assert_eq!(filled.prop("value").await.expect("value").as_deref(), Some(claim_code.as_str()), "filled in from the address");
    harness.wait_for_all(&format!("{card} .claim-button:enabled")).await[0].click().await.expect("tap claim");
    harness.wait_for_text(&format!("{card} .claim-words"), "领取成功").await;

    // The voucher's page lists Shenyang's appliance shops, nearest first once asked.
    harness.wait_for_all(&format!("{card} .claim a[href='wallet']")).await[0].click().await.expect("to the wallet");
    harness.wait_for_all("[data-group=Usable] a[href^='wallet/']").await[0].click().await.expect("to the voucher");
    harness.wait_for_text(".merchant-search [role=status]", "共 ").await;
    harness.driver.find(By::Css(".merchant-search button.secondary")).await.expect("nearest first").click().await.expect("tap");
    harness.wait_for_all(".merchant-distance").await;
    let mut metres = Vec::new();
    for distance in harness.driver.find_all(By::Css(".merchant-distance")).await.expect("distances") {
        let text = distance.text().await.expect("text");
        let number: f64 = text.trim_start_matches("约 ").split(' ').next().and_then(|n| n.parse().ok()).expect("a number");
        metres.push(if text.ends_with("公里") { number * 1_000.0 } else { number });
    }
    assert!(metres.len() >= 2 && metres.windows(2).all(|pair| pair[0] <= pair[1] + 100.0), "nearest first: {metres:?}");

    // Where to spend it, as a picture: the service draws the same search (no tile server).
    let map = harness.wait_for_all("img.merchant-map").await.remove(0);
    let alt = map.attr("alt").await.expect("alt").unwrap_or_default();
    assert!(alt.contains("绿点是你的位置") && alt.contains(&format!("前 {} 家商户", metres.len())), "{alt}");
    let src = map.attr("src").await.expect("src").expect("an address");
    assert!(src.contains("/merchants/map.svg?") && src.contains("&near="), "{src}");
    let loaded = harness
        .driver
        .execute("const img = arguments[0]; return img.complete && img.naturalWidth > 0", vec![map.to_json().expect("element")])
        .await
        .expect("state")
        .json()
        .as_bool();
    assert_eq!(loaded, Some(true), "the map loaded (an image the CSP allows)");
    let svg = reqwest::get(format!("{}/{src}", harness.base)).await.expect("the map").text().await.expect("svg");
    assert_eq!(svg.matches("<circle").count(), metres.len() + 1, "each shop of the list and the resident");
    assert!(!harness.driver.find_all(By::Css("ol.merchants > li")).await.expect("query").is_empty(), "the list numbered as the map is");
    harness.screenshot_at("img.merchant-map", "voucher-map").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_the_browser_reads_qr_codes_the_camera_reads_the_tills_code_into_the_field() {
    let harness = Harness::start(demo()).await;
    harness.set_location(CENTRAL_SHENYANG.0, CENTRAL_SHENYANG.1, 20.0).await;
    let shown = harness.till_get(SHENYANG, "sy-00008", "store-code").await;
    let claim_code = shown["claim_code"].as_str().expect("a code to show").to_owned();
    let qr_code = format!("{}{}", harness.base, shown["claim_path"].as_str().expect("the QR code's address"));
    // A phone whose browser reads QR codes (Chrome on Android): `BarcodeDetector` and a camera,
    // in place before the page's scripts, the camera pointed at the till's QR code.
    let shim = format!(
        r#"
        navigator.mediaDevices.getUserMedia = async () => {{
            const canvas = document.createElement("canvas");
            canvas.getContext("2d").fillRect(0, 0, 10, 10);
            return canvas.captureStream();
        }};
        window.BarcodeDetector = class {{
            constructor(options) {{ this.formats = options.formats; this.readings = 0; }}
            async detect(source) {{
                // Seen from the eighth reading on (1.6 s): the layer keeps reading until then.
                this.readings += 1;
                const seen = source instanceof HTMLVideoElement && this.formats.includes("qr_code") && this.readings >= 8;
                return seen ? [{{ rawValue: {qr_code:?}, format: "qr_code" }}] : [];
            }}
        }};
        "#
    );
    harness.driver.cdp().send_raw("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": shim })).await.expect("shimmed");
    harness.driver.goto(&harness.partner_link(SHENYANG, "jd-user-with-camera")).await.expect("the partner opens the page");
    // Regression: the service's `Permissions-Policy` said `camera=()`, which refuses the camera
    // to the page whatever the resident answers.
    let allowed = harness.driver.execute("return document.featurePolicy.allowsFeature('camera')", Vec::new()).await.expect("asked");
    assert_eq!(allowed.json(), &serde_json::json!(true), "the page's policy lets it ask for the camera");
    harness.wait_for_all("[data-testid=location-gate] button").await[0].click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在沈阳市").await;

    // The camera's button comes with its own module, fetched only for an in-store field.
    let card = "[data-tier=appliances-2000-200]";
    let scan = harness.wait_for_all(&format!("{card} button.scan")).await.remove(0);
    assert_eq!(scan.text().await.expect("text"), "扫码填写");
    let fetched = harness.later_modules_fetched().await;
    assert!(fetched.iter().any(|path| path.contains("/later/split_scanner-")), "{fetched:?}");
    harness.screenshot_at(card, "claim-in-store-scan-button").await;
    scan.click().await.expect("tap scan");
    harness.wait_for_all(".scanner[role=dialog] video").await;
    let field = harness.driver.find(By::Id("store-code-appliances-2000-200")).await.expect("the store code field");
    for _ in 0..100 {
        if field.prop("value").await.expect("value").as_deref() == Some(claim_code.as_str()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(field.prop("value").await.expect("value").as_deref(), Some(claim_code.as_str()), "the QR code's claim code");
    assert!(harness.driver.find_all(By::Css(".scanner")).await.expect("query").is_empty(), "the camera's layer is gone");
    harness.wait_for_all(&format!("{card} .claim-button:enabled")).await[0].click().await.expect("tap claim");
    harness.wait_for_text(&format!("{card} .claim-words"), "领取成功").await;
    assert!(harness.csp_violations().await.is_empty(), "{:?}", harness.csp_violations().await);
    harness.stop().await;
}

/// Guards the outline fetched by the resident's tap (it was a resource keyed on the tap until
/// 2026-12-04): a fetch that fails says so with a retry, and the retry fetches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outline_that_could_not_be_fetched_comes_with_the_retry() {
    let harness = Harness::start(demo()).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    let devtools = harness.driver.cdp();
    devtools.send_raw("Network.enable", serde_json::json!({})).await.expect("network domain");
    devtools.send_raw("Network.setBlockedURLs", serde_json::json!({ "urls": ["*/boundary"] })).await.expect("outline blocked");
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text(".campaign .error", "网络不通").await;
    assert!(!harness.wait_for_text("[data-testid=location-words]", "").await.contains("已确认"), "confirmed without an outline");

    devtools.send_raw("Network.setBlockedURLs", serde_json::json!({ "urls": [] })).await.expect("unblocked");
    harness.driver.find(By::Css(".campaign .error button")).await.expect("retry").click().await.expect("tap retry");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    assert!(harness.driver.find_all(By::Css(".campaign .error")).await.expect("query").is_empty(), "the error stays after the retry");
}
