//! Who is signed in on the phone: signing out ends the session on the service and leaves nothing
//! of the resident on the device; a partner link never silently replaces a signed-in resident.

use huiquan_e2e::{BrowserOptions, Harness, thirtyfour::By};
use serde_json::Value;

const TIANJIN: &str = "tianjin-2022-jinlegou";
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);

fn demo() -> BrowserOptions {
    BrowserOptions { demo_release_in: Some(-1), ..BrowserOptions::default() }
}

/// What the page keeps in local storage under `key`.
async fn stored(harness: &Harness, key: &str) -> Option<String> {
    let value = harness.driver.execute(&format!("return localStorage.getItem('{key}')"), Vec::new()).await.expect("script");
    value.json().as_str().map(str::to_owned)
}

/// The session the page keeps, as JSON.
async fn kept_session(harness: &Harness) -> Option<Value> {
    stored(harness, "huiquan.session").await.and_then(|json| serde_json::from_str(&json).ok())
}

/// Opens the partner's link for `account` as a fresh page (from the same page, only the fragment
/// would change and nothing would load).
async fn open_partner_link(harness: &Harness, account: &str) {
    harness.driver.goto("about:blank").await.expect("away");
    harness.driver.goto(&harness.partner_link(TIANJIN, account)).await.expect("the partner opens the page");
}

/// `GET /api/v1/wallet` with `token`: its status.
async fn wallet_status(harness: &Harness, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/v1/wallet", harness.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("answers")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_and_leaves_nothing_of_the_resident_on_the_phone() {
    let harness = Harness::start(demo()).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13200132000").await;
    let first_token = kept_session(&harness).await.and_then(|session| session["token"].as_str().map(str::to_owned)).expect("a session");
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("gate").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    let code = harness.wait_for_all(".tier-card .claimed-vouchers code").await[0].text().await.expect("code");
    harness.wait_for_text(".tier-card .claim-hint", "你今天已经领过").await;

    // The control: in the header, named for screen readers, a full tap target.
    let sign_out = harness.wait_for_all("[data-testid=sign-out]").await.remove(0);
    let label = sign_out.attr("aria-label").await.expect("attr").unwrap_or_default();
    assert_eq!(label, "退出登录（手机号 132****2000）");
    let height = sign_out.rect().await.expect("rect").height;
    assert!(height >= 44.0, "a tap target {height} px tall");
    harness.driver.execute("window.scrollTo(0, 0)", Vec::new()).await.expect("to the top");
    harness.screenshot("signed-in-header").await;

    // Signed out on the claim page: their receipt and what their history said go with them, and
    // the session is ended on the service.
    sign_out.click().await.expect("tap sign out");
    harness.wait_for_all("[data-testid=sign-in] form").await;
    let page = harness.driver.find(By::Tag("body")).await.expect("body").text().await.expect("text");
    assert!(!page.contains(&code) && !page.contains("你今天已经领过"), "nothing of theirs shown: {page}");
    assert!(harness.driver.find_all(By::Css("[data-testid=sign-out]")).await.expect("query").is_empty());
    assert_eq!(kept_session(&harness).await, None);
    assert_eq!(wallet_status(&harness, &first_token).await, 401, "the session is ended on the service too");

    // The next resident on this phone sees none of it either, and gets a wallet of their own.
    harness.sign_in("13200132001").await;
    assert!(!harness.driver.find(By::Tag("body")).await.expect("body").text().await.expect("text").contains("你今天已经领过"));
    harness.wait_for_all("a.bar-link[href='wallet']").await[0].click().await.expect("wallet link");
    harness.wait_for_all("[data-testid=wallet-synced]").await;
    let second = kept_session(&harness).await.expect("signed in");
    let kept: Value =
        serde_json::from_str(&stored(&harness, "huiquan.wallet").await.expect("the wallet is kept for offline")).expect("json");
    assert_eq!(kept["resident"], second["resident"], "kept as theirs");
    assert!(!kept.to_string().contains(&code));

    // Signed out on the wallet page: the kept wallet goes too, and a reload shows nothing of theirs.
    harness.wait_for_all("[data-testid=sign-out]").await[0].click().await.expect("tap sign out");
    harness.wait_for_all("[data-testid=sign-in] form").await;
    assert_eq!(kept_session(&harness).await, None);
    assert_eq!(stored(&harness, "huiquan.wallet").await, None, "the kept wallet is gone");
    assert_eq!(wallet_status(&harness, second["token"].as_str().expect("token")).await, 401);
    harness.driver.refresh().await.expect("reload");
    harness.wait_for_all("[data-testid=sign-in] form").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_link_asks_before_it_replaces_the_resident_signed_in() {
    let harness = Harness::start(demo()).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13100131000").await;
    let phone_session = kept_session(&harness).await.expect("signed in by phone");

    // Keep: the token is dropped; the resident signed in stays, and the token is nowhere.
    open_partner_link(&harness, "e2e-user-9").await;
    let question = harness.wait_for_text("[data-testid=partner-switch]", "要切换到").await;
    assert!(question.contains("你已登录为手机号 131****1000。要切换到来自e2e的账号吗？"), "{question}");
    harness.screenshot_at("[data-testid=partner-switch]", "partner-switch").await;
    // The question is a module of its own, fetched when it is first asked.
    let fetched = harness.later_modules_fetched().await;
    assert!(fetched.iter().any(|path| path.contains("/later/split_partner_switch-")), "{fetched:?}");
    assert!(!harness.driver.current_url().await.expect("url").as_str().contains("partner_token"), "not in the address");
    harness.driver.find(By::Css("[data-testid=partner-switch] button.secondary")).await.expect("Keep").click().await.expect("tap");
    for _ in 0..50 {
        if harness.driver.find_all(By::Css("[data-testid=partner-switch]")).await.expect("query").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(harness.driver.find_all(By::Css("[data-testid=partner-switch]")).await.expect("query").is_empty(), "the question has gone");
    assert_eq!(kept_session(&harness).await.as_ref(), Some(&phone_session), "still the resident who signed in by phone");
    let storage = harness
        .driver
        .execute("return JSON.stringify(Object.assign({}, localStorage)) + JSON.stringify(Object.assign({}, sessionStorage))", Vec::new())
        .await
        .expect("storage")
        .json()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!storage.contains("partner_token") && !storage.contains("e2e-user-9"), "the token is never stored: {storage}");

    // Switch: the partner's account replaces the one signed in.
    open_partner_link(&harness, "e2e-user-9").await;
    harness.wait_for_text("[data-testid=partner-switch]", "要切换到").await;
    harness.driver.find(By::Css("[data-testid=partner-switch] button:not(.secondary)")).await.expect("Switch").click().await.expect("tap");
    harness.wait_for_text("[data-testid=partner-switch-outcome]", "已切换到来自e2e的账号").await;
    let partner_session = kept_session(&harness).await.expect("signed in through the partner");
    assert_ne!(partner_session["resident"], phone_session["resident"], "another resident");
    assert_eq!(partner_session["signed_in_as"]["kind"], "partner");

    // The same partner account again: its session is renewed without a question.
    open_partner_link(&harness, "e2e-user-9").await;
    harness.wait_for_all("[data-tier]").await;
    for _ in 0..50 {
        if kept_session(&harness).await.is_some_and(|session| session["token"] != partner_session["token"]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let renewed = kept_session(&harness).await.expect("signed in");
    assert_ne!(renewed["token"], partner_session["token"], "a new session");
    assert_eq!(renewed["resident"], partner_session["resident"], "for the same resident");
    assert!(harness.driver.find_all(By::Css("[data-testid=partner-switch]")).await.expect("query").is_empty(), "no question");
    harness.stop().await;
}

/// Guards the question's own module (split off on 2026-12-04): when it cannot be fetched, the
/// page says so where the question goes, and the retry brings the question for the link that
/// arrived; the link's token is not lost meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_question_whose_module_could_not_be_fetched_comes_with_the_retry() {
    let harness = Harness::start(demo()).await;
    // The service worker fetches on its own, where the page's blocking does not reach: without it
    // the page fetches the module itself.
    let devtools = harness.driver.cdp();
    devtools.send_raw("Network.enable", serde_json::json!({})).await.expect("network domain");
    let block = |urls: &[&str]| serde_json::json!({ "urls": urls });
    devtools.send_raw("Network.setBlockedURLs", block(&["*/sw.js"])).await.expect("no service worker");
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13100131001").await;
    let phone_session = kept_session(&harness).await.expect("signed in by phone");
    assert!(harness.later_modules_fetched().await.iter().all(|path| !path.contains("split_partner_switch")), "fetched before it was asked");

    devtools.send_raw("Network.setBlockedURLs", block(&["*/sw.js", "*/later/split_partner_switch-*"])).await.expect("module blocked");
    open_partner_link(&harness, "e2e-user-10").await;
    harness.wait_for_text("[data-testid=partner-switch-unavailable]", "网络不通").await;
    assert_eq!(kept_session(&harness).await.as_ref(), Some(&phone_session), "nothing replaced while it could not ask");

    devtools.send_raw("Network.setBlockedURLs", block(&["*/sw.js"])).await.expect("module unblocked");
    harness.driver.find(By::Css("[data-testid=partner-switch-unavailable] button")).await.expect("retry").click().await.expect("tap retry");
    let question = harness.wait_for_text("[data-testid=partner-switch]", "要切换到").await;
    assert!(question.contains("你已登录为手机号 131****1001。要切换到来自e2e的账号吗？"), "{question}");
    assert!(
        harness.driver.find_all(By::Css("[data-testid=partner-switch-unavailable]")).await.expect("query").is_empty(),
        "the error stays"
    );
    harness.driver.find(By::Css("[data-testid=partner-switch] button:not(.secondary)")).await.expect("Switch").click().await.expect("tap");
    harness.wait_for_text("[data-testid=partner-switch-outcome]", "已切换到来自e2e的账号").await;
    harness.stop().await;
}
