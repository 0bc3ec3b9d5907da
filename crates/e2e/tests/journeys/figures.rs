//! The open figures page (公开透明页): after a claim and a redemption, anyone reaches it from the
//! campaign and reads the same numbers as a chart and a table, with no sign-in.

use huiquan_e2e::{BrowserOptions, Harness, thirtyfour::By};
use serde_json::json;

const TIANJIN: &str = "tianjin-2022-jinlegou";
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_claim_and_a_redemption_the_open_figures_show_them_and_the_spending() {
    let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), ..BrowserOptions::default() }).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13400134001").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("gate").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    let code = harness.wait_for_all(".tier-card .claimed-vouchers code").await[0].text().await.expect("code");

    // A till redeems it on a 1,200-yuan order.
    let merchants = harness.api_json(&format!("/campaigns/{TIANJIN}/merchants?category=retail&limit=1")).await;
    let merchant = merchants["merchants"][0]["id"].as_str().expect("a retail merchant");
    let redeemed =
        harness.till(TIANJIN, merchant, "redemptions", json!({ "voucher_code": code, "order_id": "figures-1", "total": 120_000 })).await;
    assert_eq!(redeemed["amount_off"], 10_000, "{redeemed}");

    // From the campaign page, signed out or not, the link opens the service's page.
    harness.wait_for_all(".campaign-figures a").await[0].click().await.expect("to the figures");
    let heading = harness.wait_for_text("main h1", "公开数据").await;
    assert!(heading.contains("津乐购"), "{heading}");
    // The totals table, row by row: its words split at whitespace.
    let mut totals = Vec::new();
    for row in harness.driver.find_all(By::Css("section[aria-labelledby=totals] tbody tr")).await.expect("rows") {
        totals.push(row.text().await.expect("text").split_whitespace().map(str::to_owned).collect::<Vec<_>>());
    }
    assert!(totals.contains(&vec!["领取".to_owned(), "1".to_owned(), "100".to_owned()]), "{totals:?}");
    assert!(totals.contains(&vec!["使用".to_owned(), "1".to_owned(), "100".to_owned()]), "{totals:?}");
    let spending = harness.driver.find(By::Css("section[aria-labelledby=spending]")).await.expect("spending").text().await.expect("text");
    assert!(
        spending.contains("用券的 1 笔订单共消费 1,200 元，其中消费券补贴 100 元") && spending.contains("每 1 元补贴带动 12.0 元消费"),
        "{spending}"
    );
    // Each chart is an image with a name, its numbers a table; nothing wider than the phone.
    let charts = harness.driver.find_all(By::Css("svg.chart[role=img][aria-label]")).await.expect("charts");
    assert_eq!(charts.len(), 2);
    let (scroll_width, width): (f64, f64) = {
        let found = harness
            .driver
            .execute("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]", Vec::new())
            .await
            .expect("widths")
            .json()
            .clone();
        (found[0].as_f64().expect("scroll width"), found[1].as_f64().expect("width"))
    };
    assert!(scroll_width <= width, "no sideways scrolling at 390 px: {scroll_width} > {width}");
    harness.screenshot("figures-page").await;
    harness.screenshot_at("section[aria-labelledby=releases]", "figures-releases").await;
    harness.stop().await;
}
