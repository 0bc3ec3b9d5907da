//! A resident opens the served app in a phone-sized headless Chromium and finds Tianjin's tiers.

use huiquan_e2e::{BrowserOptions, Harness};

const TIANJIN: &str = "tianjin-2022-jinlegou";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chinese_phone_sees_the_tianjin_tiers_in_chinese() {
    let harness = Harness::start(BrowserOptions::default()).await;
    harness.open_campaign(TIANJIN).await;

    let tiers = harness.wait_for_all("[data-tier]").await;
    assert_eq!(tiers.len(), 12, "Tianjin has 12 tiers");
    let first = tiers[0].text().await.expect("text");
    assert!(first.contains("满1000元减100元"), "{first}");
    let body = harness.driver.find(huiquan_e2e::thirtyfour::By::Tag("body")).await.expect("body").text().await.expect("text");
    for expected in ["津乐购消费券", "百货零售消费券", "家电消费券", "仅限具有熄火保护功能的燃气灶"] {
        assert!(body.contains(expected), "{expected} missing from:\n{body}");
    }
    // The static first paint is gone once the app has mounted.
    assert!(harness.driver.find_all(huiquan_e2e::thirtyfour::By::Id("shell")).await.expect("query").is_empty());
    let lang = harness.driver.find(huiquan_e2e::thirtyfour::By::Tag("html")).await.expect("html").attr("lang").await.expect("attr");
    assert_eq!(lang.as_deref(), Some("zh-Hans"));
    harness.screenshot("tianjin-zh").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_browser_gets_english_and_can_switch_to_chinese() {
    let harness = Harness::start(BrowserOptions { languages: "en-US,en", ..BrowserOptions::default() }).await;
    harness.open_campaign(TIANJIN).await;

    let tiers = harness.wait_for_all("[data-tier]").await;
    let first = tiers[0].text().await.expect("text");
    assert!(first.contains("¥100 off orders of ¥1000 or more"), "{first}");

    let switch = harness.wait_for_all("button.language-switch").await;
    switch[0].click().await.expect("click");
    let first = harness.wait_for_all("[data-tier]").await[0].text().await.expect("text");
    assert!(first.contains("满1000元减100元"), "{first}");
    harness.stop().await;
}
