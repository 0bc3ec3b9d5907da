//! The wallet end to end: claim, see it, have the till redeem it, see it used; a full refund
//! makes it usable again with the same expiry; with the network cut the kept wallet is shown.

use huiquan_e2e::{BrowserOptions, Harness, thirtyfour::By};
use serde_json::json;

const TIANJIN: &str = "tianjin-2022-jinlegou";
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claimed_redeemed_refunded_and_offline_the_wallet_tells_the_truth() {
    let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), ..BrowserOptions::default() }).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13400134000").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("gate").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    let code = harness.wait_for_all(".tier-card .claimed-vouchers code").await[0].text().await.expect("code");

    // The wallet, reached from the claim.
    harness.wait_for_all(".tier-card .claim a[href='wallet']").await[0].click().await.expect("to the wallet");
    let card = harness.wait_for_text("[data-group=Usable] [data-voucher]", &code).await;
    assert!(card.contains("满1000元减100元") && card.contains("有效期至") && card.contains("24:00"), "{card}");
    let expiry = harness.driver.find(By::Css("[data-group=Usable] .voucher-expiry")).await.expect("expiry").text().await.expect("text");
    // The wallet pages' own stylesheet (wallet.css, not in the first visit) came with them.
    assert_eq!(card_corner(&harness).await, "12px", "the card drawn as wallet.css says");
    harness.screenshot_at("[data-group=Usable]", "wallet-usable").await;

    // The till redeems it on a 1,200-yuan order at a retail merchant.
    let merchants = harness.api_json(&format!("/campaigns/{TIANJIN}/merchants?category=retail&limit=1")).await;
    let merchant = merchants["merchants"][0]["id"].as_str().expect("a retail merchant").to_owned();
    let redeemed =
        harness.till(TIANJIN, &merchant, "redemptions", json!({ "voucher_code": code, "order_id": "order-1", "total": 120_000 })).await;
    assert_eq!(redeemed["amount_off"], 10_000, "{redeemed}");
    harness.driver.refresh().await.expect("reload");
    let used = harness.wait_for_text("[data-group=Used] [data-voucher]", &code).await;
    assert!(used.contains("使用于"), "{used}");
    harness.screenshot_at("[data-group=Used]", "wallet-used").await;

    // A full refund inside validity restores it, with the same expiry.
    let refunded = harness.till(TIANJIN, &merchant, "refunds", json!({ "order_id": "order-1", "kind": "full" })).await;
    assert!(refunded.to_string().contains("restored"), "{refunded}");
    harness.driver.refresh().await.expect("reload");
    harness.wait_for_text("[data-group=Usable] [data-voucher]", &code).await;
    let again = harness.driver.find(By::Css("[data-group=Usable] .voucher-expiry")).await.expect("expiry").text().await.expect("text");
    assert_eq!(again, expiry, "the original expiry");

    // The voucher's page: its rules, its code as a QR code, and the merchants that take it.
    harness.wait_for_all("[data-group=Usable] a[href^='wallet/']").await[0].click().await.expect("to the voucher");
    harness.wait_for_all(".voucher-qr svg").await;
    let rules = harness.driver.find(By::Css(".voucher-rules")).await.expect("rules").text().await.expect("text");
    assert!(rules.contains("满1000元减100元") && rules.contains("有效期至"), "{rules}");
    // Where to use it, as Tianjin's notice says: on JD, online, for orders delivered in Tianjin.
    harness.wait_for_text(".merchant-search [role=status]", "共 2 家商户").await;
    let listed = harness.wait_for_all(".merchant").await;
    assert_eq!(listed.len(), 2, "the JD app and JD Hourly Delivery");
    let first = listed[0].text().await.expect("text");
    assert!(first.contains("京东") && first.contains("收货地址为天津市"), "{first}");
    harness.driver.find(By::Id("merchant-words")).await.expect("search box").send_keys("小时购").await.expect("typed");
    harness.wait_for_text(".merchant-search [role=status]", "共 1 家商户").await;
    harness.screenshot_at(".voucher-code-section", "voucher-page").await;

    // The network cut: the app, moving to the wallet, shows the kept one and says how old it is.
    let devtools = harness.driver.cdp();
    devtools.send_raw("Network.enable", json!({})).await.expect("network domain");
    devtools
        .send_raw(
            "Network.emulateNetworkConditions",
            json!({ "offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await
        .expect("offline");
    harness.driver.find(By::Css("a.bar-title")).await.expect("home link").click().await.expect("home");
    harness.wait_for_all("a.bar-link[href='wallet']").await[0].click().await.expect("wallet link");
    harness.wait_for_text("[data-testid=wallet-synced]", "现在没有网络").await;
    let kept = harness.wait_for_text("[data-group=UsableWhenSynced] [data-voucher]", &code).await;
    assert!(kept.contains("满1000元减100元"), "{kept}");
    harness.screenshot("wallet-offline").await;

    // Still offline, the page is reloaded: the kept app shell opens the kept wallet.
    harness.driver.refresh().await.expect("reload offline");
    harness.wait_for_text("[data-testid=wallet-synced]", "现在没有网络").await;
    harness.wait_for_text("[data-group=UsableWhenSynced] [data-voucher]", &code).await;
    assert_eq!(card_corner(&harness).await, "12px", "wallet.css kept offline too");
    harness.stop().await;
}

/// The corner of the first voucher card, as drawn (0.75 rem in wallet.css).
async fn card_corner(harness: &Harness) -> String {
    let width = harness
        .driver
        .execute("return getComputedStyle(document.querySelector('.voucher-card')).borderTopLeftRadius", Vec::new())
        .await
        .expect("read");
    width.json().as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_page_fetches_the_geofence_on_the_tap_and_the_wallet_pages_after_a_granted_claim() {
    let built: Vec<String> = std::fs::read_dir(huiquan_e2e::dist_dir().join("later"))
        .expect("dist/later: the size build splits the wallet pages off")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".wasm"))
        .collect();
    assert!(built.iter().any(|name| name.starts_with("split_wallet_pages-")), "{built:?}");

    let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), ..BrowserOptions::default() }).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13400134001").await;
    harness.wait_for_all(".tier-card .claim-button").await;
    assert_eq!(harness.later_modules_fetched().await, Vec::<String>::new(), "the claim page fetched a module it does not show");
    // Nor the city's outline: it and the geofence's module come with the resident's first tap.
    // (Both were downloaded on every visit, by residents who never asked where they are too.)
    let script = "return performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname);";
    let paths = || async {
        serde_json::from_value::<Vec<String>>(harness.driver.execute(script, vec![]).await.expect("requests").json().clone())
            .expect("paths")
    };
    let before = paths().await;
    assert!(!before.iter().any(|path| path.ends_with("/boundary")), "{before:?}");

    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("gate").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    let after = paths().await;
    assert!(after.iter().any(|path| path.ends_with(&format!("/api/v1/campaigns/{TIANJIN}/boundary"))), "{after:?}");
    assert!(after.iter().any(|path| path.contains("/later/split_geofence-")), "{after:?}");
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    let code = harness.wait_for_all(".tier-card .claimed-vouchers code").await[0].text().await.expect("code");
    // Regression: this waited for the first module fetched, and a shared chunk can come before the
    // wallet pages. Wait for the wallet pages, then until nothing more comes for half a second.
    let has_wallet_pages = |fetched: &[String]| fetched.iter().any(|path| path.contains("/later/split_wallet_pages-"));
    let mut fetched = harness.later_modules_fetched().await;
    let mut unchanged_polls = 0;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let now = harness.later_modules_fetched().await;
        unchanged_polls = if now == fetched { unchanged_polls + 1 } else { 0 };
        fetched = now;
        if has_wallet_pages(&fetched) && unchanged_polls >= 5 {
            break;
        }
    }
    assert!(has_wallet_pages(&fetched), "after a granted claim: {fetched:?}");
    assert!(!fetched.iter().any(|path| path.contains("/later/split_english-")), "a Chinese reader fetched English: {fetched:?}");

    harness.wait_for_all(".tier-card .claim a[href='wallet']").await[0].click().await.expect("to the wallet");
    harness.wait_for_text("[data-group=Usable] [data-voucher]", &code).await;
    harness.wait_for_all("[data-group=Usable] [data-voucher] a").await[0].click().await.expect("to the voucher");
    harness.wait_for_all(".voucher-qr svg").await;
    assert_eq!(harness.later_modules_fetched().await, fetched, "the wallet and voucher pages come from the module fetched already");
    harness.stop().await;
}
