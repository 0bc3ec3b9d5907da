//! The app behind a partner's gateway, served under `/vouchers/` (`--base-path`): every page,
//! call, stream and the service worker stay under that path, and a reload of any page works.

use huiquan_e2e::{BrowserOptions, Harness, thirtyfour::By};

const TIANJIN: &str = "tianjin-2022-jinlegou";
/// Heping District, central Tianjin (WGS-84).
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);

async fn path_now(harness: &Harness) -> String {
    let url = harness.driver.current_url().await.expect("the address");
    url.path().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_gateways_path_a_resident_claims_and_every_page_survives_a_reload() {
    let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), base_path: "/vouchers/", ..BrowserOptions::default() }).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    assert_eq!(path_now(&harness).await, format!("/vouchers/campaigns/{TIANJIN}"));

    harness.sign_in("13700137000").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认：你在天津市").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    // The stock stream, under the path too, counts the voucher.
    harness.wait_for_text(".tier-card .offer-words", "剩余 3570 / 3571 张").await;

    // A reload: the service paints the campaign under the path and the app takes over.
    harness.driver.refresh().await.expect("reload");
    harness.wait_for_text(".tier-card .claim-hint", "你今天已经领过这种消费券了").await;

    harness.wait_for_all("a.bar-link[href='wallet']").await[0].click().await.expect("the wallet link");
    harness.wait_for_all(".voucher-card").await;
    assert_eq!(path_now(&harness).await, "/vouchers/wallet");
    harness.driver.refresh().await.expect("reload");
    harness.wait_for_all(".voucher-card").await;
    harness.wait_for_all("[data-group=Usable] a[href^='wallet/']").await[0].click().await.expect("to the voucher");
    harness.wait_for_all(".voucher-qr svg").await;
    assert!(path_now(&harness).await.starts_with("/vouchers/wallet/"));
    harness.driver.refresh().await.expect("reload");
    harness.wait_for_all(".voucher-qr svg").await;

    // Everything the pages asked for was under the path, and the service worker's scope is it.
    let outside = harness
        .driver
        .execute(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name)).filter(u => u.origin === location.origin && !u.pathname.startsWith('/vouchers/')).map(u => u.pathname)",
            Vec::new(),
        )
        .await
        .expect("resources")
        .json()
        .clone();
    assert_eq!(outside, serde_json::json!([]), "requests outside /vouchers/");
    let scope = harness
        .driver
        .execute_async(
            "const done = arguments[0]; navigator.serviceWorker.ready.then(r => done(new URL(r.scope).pathname)).catch(e => done(String(e)))",
            Vec::new(),
        )
        .await
        .expect("the service worker")
        .json()
        .clone();
    assert_eq!(scope.as_str(), Some("/vouchers/"));

    // The open figures page, drawn by the service, links and styles under the path as well.
    harness.driver.goto(&format!("{}/campaigns/{TIANJIN}", harness.base)).await.expect("the campaign");
    harness.wait_for_all(".campaign-figures a").await[0].click().await.expect("to the figures");
    harness.wait_for_all("table").await;
    assert_eq!(path_now(&harness).await, format!("/vouchers/campaigns/{TIANJIN}/figures"));
    let styled = harness.driver.execute("return document.styleSheets.length", Vec::new()).await.expect("sheets").json().as_i64();
    assert_eq!(styled, Some(1), "figures.css loaded under the path");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_strips_the_path_is_served_the_same() {
    let harness = Harness::start(BrowserOptions { base_path: "/vouchers/", ..BrowserOptions::default() }).await;
    for prefix in ["/vouchers", ""] {
        let page = reqwest::get(format!("{}{prefix}/", harness.origin)).await.expect("the page").text().await.expect("html");
        assert!(page.contains(r#"<base href="/vouchers/">"#), "{prefix}/: {page}");
        let time = reqwest::get(format!("{}{prefix}/api/v1/time", harness.origin)).await.expect("the API");
        assert!(time.status().is_success(), "{prefix}/api/v1/time: {}", time.status());
        let painted =
            reqwest::get(format!("{}{prefix}/campaigns/{TIANJIN}", harness.origin)).await.expect("a page").text().await.expect("html");
        assert!(painted.contains(r#"<base href="/vouchers/">"#) && painted.contains("class=\"tier-card\""), "{prefix}: painted");
    }
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_a_host_under_a_gateways_path_back_at_the_first_page_hands_back() {
    // The app's first page is the base path itself: inside a host, back there hands the
    // resident back to the host, under a gateway's path as at the root.
    let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), base_path: "/vouchers/", ..BrowserOptions::default() }).await;
    // An iOS shell (its `huiquan` message handler), keeping what it was sent across pages.
    let shell = "window.webkit = { messageHandlers: { huiquan: { postMessage(message) {
        sessionStorage.setItem('sent', (sessionStorage.getItem('sent') || '') + message.huiquan + ',');
    } } } };";
    harness
        .driver
        .cdp()
        .send_raw("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": shell }))
        .await
        .expect("the shell");
    harness.open_campaign(TIANJIN).await;
    harness.driver.find(By::Css("button.host-back")).await.expect("the back button").click().await.expect("tap back");
    harness.wait_for_all("a.campaign-link").await;
    assert_eq!(path_now(&harness).await, "/vouchers/");
    harness.driver.find(By::Css("button.host-back")).await.expect("the back button").click().await.expect("tap back");
    let mut sent = String::new();
    for _ in 0..50 {
        sent = harness
            .driver
            .execute("return sessionStorage.getItem('sent')", Vec::new())
            .await
            .expect("sent")
            .json()
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if sent.contains("close") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(sent.contains("close"), "handed back at /vouchers/: {sent}");
    harness.stop().await;
}
