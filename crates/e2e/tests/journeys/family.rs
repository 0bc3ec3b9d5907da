//! 代领 end to end: a resident links their mother's phone with the code she reads out, claims for
//! her from the campaign page, and the voucher is in her wallet, not theirs; then unlinks.

use std::time::Duration;

use huiquan_e2e::{BrowserOptions, Harness, thirtyfour::By};

const TIANJIN: &str = "tianjin-2022-jinlegou";
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);
const CARER: &str = "13500135000";
const MOTHER: &str = "13600136000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_links_their_mother_claims_for_her_and_the_voucher_is_in_her_wallet_only() {
    let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), ..BrowserOptions::default() }).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in(CARER).await;

    // On the wallet page: the mother's number, the code her phone got, linked.
    harness.wait_for_all("a.bar-link[href='wallet']").await[0].click().await.expect("the header's wallet link");
    harness.wait_for_all("[data-testid=family]").await;
    harness.driver.find(By::Id("family-phone")).await.expect("phone field").send_keys(MOTHER).await.expect("typed");
    harness.driver.find(By::Css("[data-testid=family] button[type=button]")).await.expect("send").click().await.expect("tap send");
    harness.wait_for_text("[data-testid=family-status]", "验证码已发到家人的手机").await;
    let code = harness.code_sent_to(MOTHER).await;
    harness.driver.find(By::Id("family-code")).await.expect("code field").send_keys(&code).await.expect("typed");
    harness.driver.find(By::Css("[data-testid=family] button[type=submit]")).await.expect("link").click().await.expect("tap link");
    harness.wait_for_text("[data-testid=family-status]", "已关联 136****6000").await;
    harness.wait_for_text("[data-testid=relatives]", "136****6000").await;
    harness.screenshot_at("[data-testid=family]", "family-linked").await;

    // Claiming for her: chosen on the wallet page, said on the campaign page.
    harness.wait_for_all("[data-testid=relatives] a.button").await[0].click().await.expect("claim for her");
    let first = harness.wait_for_all("[data-tier], a.campaign-link").await;
    if first[0].class_name().await.ok().flatten().is_some_and(|class| class.contains("campaign-link")) {
        harness.wait_for_all(&format!("a.campaign-link[href='campaigns/{TIANJIN}']")).await[0].click().await.expect("the campaign");
    }
    harness.wait_for_text("[data-testid=claiming-for]", "正在为家人 136****6000 代领").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("gate").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    harness.screenshot_at("[data-testid=claiming-for]", "family-claiming-for").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    let voucher = harness.wait_for_all(".tier-card .claimed-vouchers code").await[0].text().await.expect("code");

    // In her wallet, shown to the carer; not in the carer's own.
    harness.wait_for_all(".tier-card .claim a[href^='wallet?for=']").await[0].click().await.expect("to her wallet");
    let card = harness.wait_for_text("[data-group=Usable] [data-voucher]", &voucher).await;
    assert!(card.contains("满1000元减100元"), "{card}");
    harness.wait_for_text("h1", "家人的券包").await;
    harness.wait_for_all("[data-group=Usable] [data-voucher] a").await[0].click().await.expect("her voucher's page");
    harness.wait_for_all(".voucher-qr svg").await;
    harness.driver.back().await.expect("back to her wallet");
    harness.driver.back().await.expect("back to the campaign");
    harness.wait_for_all("a.bar-link[href='wallet']").await[0].click().await.expect("my own wallet");
    harness.wait_for_all("[data-testid=family]").await;
    let own = harness.driver.find(By::Css("main")).await.expect("main").text().await.expect("text");
    assert!(own.contains("券包是空的") && !own.contains(&voucher), "the carer's own wallet: {own}");

    // Either side may unlink: the carer does, and the link is gone.
    harness.wait_for_all("[data-testid=relatives] button").await[0].click().await.expect("unlink");
    harness.wait_for_text("[data-testid=family-status]", "已解除与 136****6000 的关联").await;
    for _ in 0..50 {
        if harness.driver.find_all(By::Css("[data-testid=relatives]")).await.unwrap_or_default().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(harness.driver.find_all(By::Css("[data-testid=relatives]")).await.unwrap_or_default().is_empty(), "still linked");
    harness.stop().await;
}
