//! A fair start (公平起跑) end to end: the page says so before the release; a resident tapping at
//! the opening second is told they are in the draw and when its result comes; several residents
//! claiming in the window share exactly the stock, one voucher each at most.

use huiquan_core::civil::{DateTime, Instant, UtcOffset};
use huiquan_e2e::{BrowserOptions, Harness, campaign_edited, thirtyfour::By};
use serde_json::json;

const TIANJIN: &str = "tianjin-2022-jinlegou";
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);
const STOCK: u64 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_fair_start_residents_claiming_in_its_first_seconds_are_drawn_and_share_exactly_the_stock() {
    // Tianjin's campaign with a 5-second fair start and 3 vouchers of its first tier.
    let campaigns = campaign_edited(TIANJIN, |campaign| {
        campaign["themes"][0]["rules"]["fair_start_s"] = json!(5);
        campaign["themes"][0]["tiers"][0]["stock_per_release"] = json!(STOCK);
    });
    // Played on the campaign's second morning, 20 s before its 09:30 release.
    let opens: DateTime = "2022-08-21T09:30".parse().expect("a date and time");
    let opens = opens.to_instant(UtcOffset::from_minutes(480).expect("in range"));
    let clock = huiquan_server::RulesClock::default();
    clock.set(Instant(opens.0 - 20_000));
    let harness = Harness::start(BrowserOptions {
        campaigns: Some(campaigns.path().to_owned()),
        rules_clock: Some(clock.clone()),
        ..BrowserOptions::default()
    })
    .await;
    let others = {
        let mut tokens = Vec::new();
        for n in 0..5 {
            tokens.push(harness.partner_session(&format!("fair-start-{n}")).await);
        }
        tokens
    };
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    let note = harness.wait_for_text(".theme .fair-start", "公平起跑").await;
    assert!(note.contains("开抢后 5 秒内的领取一起抽签"), "{note}");
    harness.sign_in("13400134002").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("gate").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    harness.screenshot_at(".theme .fair-start", "fair-start-notice").await;

    // The release opens: the resident taps at once, and five others claim through the API.
    let button = harness.driver.find(By::Css(".tier-card .claim-button")).await.expect("the first tier's button");
    for _ in 0..300 {
        if button.is_enabled().await.expect("state") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    button.click().await.expect("tap claim");
    let in_draw = harness.wait_for_text(".tier-card .claim-words", "抽签中").await;
    assert!(in_draw.contains("09:30:05 出结果"), "the result's second on Tianjin's clock: {in_draw}");
    harness.screenshot_at(".tier-card", "fair-start-in-draw").await;
    let client = reqwest::Client::new();
    let claims = others.iter().enumerate().map(|(n, token)| {
        let client = client.clone();
        let url = format!("{}/api/v1/campaigns/{TIANJIN}/claims", harness.base);
        async move {
            let body = json!({ "offer": "retail-1000-100", "location": { "latitude": CENTRAL_TIANJIN.0, "longitude": CENTRAL_TIANJIN.1, "accuracy": 20.0 } });
            let answer = client
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", format!("fair-start-e2e-{n:04}"))
                .json(&body)
                .send()
                .await
                .expect("answers");
            answer.status().as_u16()
        }
    });
    let statuses = futures_util::future::join_all(claims).await;
    assert!(statuses.iter().all(|status| *status == 201 || *status == 409), "{statuses:?}");

    // The draw's outcome, for the resident in the browser: claimed, or gone to the others.
    let mut said = String::new();
    for _ in 0..150 {
        said = harness.driver.find(By::Css(".tier-card .claim-words")).await.expect("words").text().await.expect("text");
        if said.contains("领取成功") || said.contains("抢完") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let browser_won = said.contains("领取成功");
    assert!(browser_won || said.contains("抢完"), "an outcome after the draw: {said}");
    let others_won = statuses.iter().filter(|status| **status == 201).count() as u64;
    assert_eq!(others_won + u64::from(browser_won), STOCK, "exactly the stock among six residents: {statuses:?}, browser {said}");
    harness.stop().await;
}
