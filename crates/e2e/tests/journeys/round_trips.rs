//! Nothing the app opens outlives its page: a resident going back and forth between a campaign
//! and their wallet leaves no event stream open behind them.

use huiquan_e2e::{BrowserOptions, Harness, thirtyfour::By};

const TIANJIN: &str = "tianjin-2022-jinlegou";
const CENTRAL_TIANJIN: (f64, f64) = (39.1170, 117.1950);

// Each campaign visit left its stock event stream open (closed only at its next event), so after a few trips to the wallet the browser's six connections were taken and every call hung.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_round_trips_to_the_wallet_leave_one_event_stream_and_a_claim_still_goes_through() {
    let harness = Harness::start(BrowserOptions { demo_release_in: Some(-1), ..BrowserOptions::default() }).await;
    harness.set_location(CENTRAL_TIANJIN.0, CENTRAL_TIANJIN.1, 20.0).await;
    harness.open_campaign(TIANJIN).await;
    harness.sign_in("13300133000").await;

    for trip in 1..=8 {
        harness.wait_for_all("[data-tier]").await;
        harness.wait_until(10, &format!("trip {trip}: the campaign page follows its stock"), || harness.open_event_streams() == 1).await;
        harness.wait_for_all("a.bar-link[href='wallet']").await[0].click().await.expect("the header's wallet link");
        harness.wait_for_all("[data-testid=wallet-synced]").await;
        // Closed when the page went, not at the stream's next event or keep-alive.
        harness.wait_until(5, &format!("trip {trip}: no stream left open on the wallet page"), || harness.open_event_streams() == 0).await;
        harness.driver.back().await.expect("back to the campaign");
    }

    harness.wait_for_all("[data-tier]").await;
    harness.driver.find(By::Css("[data-testid=location-gate] button")).await.expect("the gate's button").click().await.expect("tap");
    harness.wait_for_text("[data-testid=location-words]", "已确认").await;
    harness.wait_for_all(".tier-card .claim-button").await[0].click().await.expect("tap claim");
    harness.wait_for_text(".tier-card .claim-words", "领取成功").await;
    assert!(harness.open_event_streams() <= 1, "{} stock event streams open for one page", harness.open_event_streams());
    harness.stop().await;
}

// The skip link (`href="#content"`) resolved against the page's `<base href>`, so on a campaign's
// page it left for the first page instead of moving to the page's content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_skip_link_moves_to_the_content_of_the_page_it_is_on() {
    let harness = Harness::start(BrowserOptions::default()).await;
    harness.open_campaign(TIANJIN).await;
    harness.wait_for_all("[data-tier]").await;
    let before = harness.driver.current_url().await.expect("address");
    harness.driver.execute("document.querySelector('a.skip-link').click()", Vec::new()).await.expect("the skip link");
    let focused = harness.driver.execute("return document.activeElement.id", Vec::new()).await.expect("focus");
    assert_eq!(focused.json().as_str(), Some("content"), "the page's content has the focus");
    assert_eq!(harness.driver.current_url().await.expect("address"), before, "still on the campaign's page");
    harness.wait_for_all("[data-tier]").await;
    harness.stop().await;
}

// A link followed inside the app left the focus on the link, on a page that had gone: a screen
// reader went on reading from nowhere, where a page load starts it at the new page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_followed_in_the_app_starts_the_reader_at_the_new_pages_content() {
    let harness = Harness::start(BrowserOptions::default()).await;
    harness.open_campaign(TIANJIN).await;
    harness.wait_for_all("[data-tier]").await;
    harness.driver.execute("window.scrollTo(0, 400)", Vec::new()).await.expect("scrolled down");
    harness.wait_for_all("a.bar-link[href='wallet']").await[0].click().await.expect("the header's wallet link");
    harness.wait_for_all(".wallet-page").await;
    let focused = harness.driver.execute("return document.activeElement.id", Vec::new()).await.expect("focus");
    assert_eq!(focused.json().as_str(), Some("content"), "the new page's content has the focus");
    let scrolled = harness.driver.execute("return window.scrollY", Vec::new()).await.expect("scroll");
    assert_eq!(scrolled.json().as_f64(), Some(0.0), "the new page shows from its top");
    harness.stop().await;
}
