//! An offer's state on the service's clock: the countdown follows the service, not the phone,
//! and the offer opens at the service's release instant. Run in headless Chrome and Firefox.

use std::sync::Arc;

use huiquan::{
    OfferStatus,
    clock::{ServerClock, phone_now_ms},
    countdown_announcement, countdown_words,
    i18n::{I18nProvider, messages},
    stock::LiveStock,
    use_offer_state,
};
use huiquan_core::{Campaign, Lang, civil::Instant};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

const TIANJIN: &str = include_str!("../../data/campaigns/tianjin-2022-jinlegou.json");
const MINUTE_MS: i64 = 60_000;

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Tianjin's campaign with its 09:30 release moved to `release_at` (a minute boundary).
fn tianjin_releasing_at(release_at: i64) -> Arc<Campaign> {
    let campaign = Campaign::from_json(TIANJIN).expect("valid");
    Arc::new(campaign.shifted_for_demo(Instant(release_at), 0).expect("shifted"))
}

async fn mount_status(clock: ServerClock, campaign: Arc<Campaign>, stock: RwSignal<Option<LiveStock>>) -> web_sys::HtmlElement {
    mount_offer(clock, campaign, "retail-1000-100", 3500, stock).await
}

/// The status of `offer_id` (of the campaign's first theme, `stock_per_release` a release).
async fn mount_offer(
    clock: ServerClock,
    campaign: Arc<Campaign>,
    offer_id: &'static str,
    stock_per_release: u32,
    stock: RwSignal<Option<LiveStock>>,
) -> web_sys::HtmlElement {
    crate::support::mount(move || {
        provide_context(clock);
        let offer_state = use_offer_state(Arc::clone(&campaign), 0, stock_per_release, stock.into());
        view! {
            <I18nProvider lang=Lang::ZhHans>
                <OfferStatus campaign offer_id=offer_id.to_owned() offer_state />
            </I18nProvider>
        }
    })
    .await
}

fn shown(element: &web_sys::HtmlElement) -> String {
    element.query_selector(".offer-words").ok().flatten().and_then(|words| words.text_content()).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_phone_three_minutes_slow_counts_down_to_the_services_release_and_opens_on_time() {
    // The service is three minutes (and some seconds) ahead of the phone, and 1.5 s before a release.
    let server_now = phone_now_ms() as i64 + 3 * MINUTE_MS;
    let release_at = (server_now / MINUTE_MS + 1) * MINUTE_MS + MINUTE_MS;
    let offset = (release_at - 1_500) as f64 - phone_now_ms();
    let clock = ServerClock::with_offset(offset);
    let status = mount_status(clock, tianjin_releasing_at(release_at), RwSignal::new(None)).await;
    assert!(shown(&status).starts_with("距开抢 00:00:0"), "a countdown of seconds, not minutes: {}", shown(&status));

    // Watch (every 10 ms) until it opens: within 100 ms of the service's release instant.
    let mut opened_at = None;
    for _ in 0..400 {
        sleep(10).await;
        if shown(&status).starts_with("正在发放") {
            opened_at = Some(clock.now_ms());
            break;
        }
    }
    let opened_at = opened_at.expect("the offer opened");
    assert!(opened_at >= release_at, "never before the release: {} ms early", release_at - opened_at);
    assert!(opened_at - release_at <= 100, "opened {} ms after the release", opened_at - release_at);
    assert_eq!(shown(&status), "正在发放：剩余 3500 / 3500 张");
}

#[wasm_bindgen_test]
async fn live_stock_is_shown_and_sold_out_says_when_the_next_release_is() {
    // A release opened a minute ago, at 12:00 in Tianjin whatever the time here. Regression: with
    // the real clock, from 00:00 to 00:01 in Tianjin (16:00 UTC) the release a minute before was
    // the day before's, closed at midnight, and the card rightly counted down to the next one.
    let phone_now = phone_now_ms() as i64;
    let release_at = phone_now / 86_400_000 * 86_400_000 + 4 * 3_600_000;
    let clock = ServerClock::with_offset((release_at + MINUTE_MS + phone_now % MINUTE_MS - phone_now) as f64);
    let stock = RwSignal::new(Some(LiveStock { release_opens_ms: release_at, left: 1234, stock: Some(3500), sold_out_at_ms: None }));
    let status = mount_status(clock, tianjin_releasing_at(release_at), stock).await;
    assert_eq!(shown(&status), "正在发放：剩余 1234 / 3500 张");
    let meter: web_sys::HtmlMeterElement = status.query_selector("meter").ok().flatten().expect("a stock bar").unchecked_into();
    assert_eq!((meter.value(), meter.max()), (1234.0, 3500.0));

    // Sold out 7 s after the release: said to the second, on the campaign's clock.
    stock.set(Some(LiveStock { release_opens_ms: release_at, left: 0, stock: Some(3500), sold_out_at_ms: Some(release_at + 7_000) }));
    tick().await;
    let opened = huiquan::i18n::campaign_time(Instant(release_at), huiquan_core::civil::UtcOffset::from_minutes(480).expect("valid"));
    let sold_out_at = format!("{}:07", &opened[6..]);
    assert!(shown(&status).starts_with(&format!("本场已于 {sold_out_at} 抢完，下次发放 ")), "{}", shown(&status));
    assert!(status.query_selector("meter").ok().flatten().is_none(), "no bar when sold out");
    // Regression: stock of an earlier release was shown as what is left of the open one.
    stock.set(Some(LiveStock { release_opens_ms: release_at - 86_400_000, left: 0, stock: Some(3500), sold_out_at_ms: None }));
    tick().await;
    assert_eq!(shown(&status), "正在发放：剩余 3500 / 3500 张");
}

#[wasm_bindgen_test]
fn countdowns_round_up_and_announce_only_now_and_then() {
    let t = messages(Lang::ZhHans);
    assert_eq!(countdown_words(t, 1), "00:00:01", "never 00:00:00 before it opens");
    assert_eq!(countdown_words(t, 3_600_000), "01:00:00");
    assert_eq!(countdown_words(t, 2 * 86_400_000 + 61_000), "2 天 00:01:01");
    let announced: Vec<String> = [7_200_000, 3_000_000, 1_700_000, 540_000, 200_000, 59_000, 30_000, 0]
        .into_iter()
        .map(|remaining| countdown_announcement(t, remaining))
        .collect();
    assert_eq!(
        announced,
        [
            "约 2 小时后开抢",
            "60 分钟内开抢",
            "30 分钟内开抢",
            "10 分钟内开抢",
            "5 分钟内开抢",
            "不到 1 分钟开抢",
            "不到 1 分钟开抢",
            "现在可以领取了"
        ]
    );
    // The same words for a whole minute: a screen reader is not told every second.
    assert_eq!(countdown_announcement(t, 250_000), countdown_announcement(t, 241_000));
}

#[wasm_bindgen_test]
async fn stock_that_arrives_after_the_release_opened_is_shown() {
    // The service is 1.2 s before a release when the card appears; the stock comes after it opened.
    let server_now = phone_now_ms() as i64;
    let release_at = (server_now / MINUTE_MS + 1) * MINUTE_MS;
    let clock = ServerClock::with_offset((release_at - 1_200) as f64 - phone_now_ms());
    let stock = RwSignal::new(None);
    let status = mount_status(clock, tianjin_releasing_at(release_at), stock).await;
    assert!(shown(&status).starts_with("距开抢"), "{}", shown(&status));
    sleep(1_500).await;
    assert_eq!(shown(&status), "正在发放：剩余 3500 / 3500 张");
    stock.set(Some(LiveStock { release_opens_ms: release_at, left: 3499, stock: Some(3500), sold_out_at_ms: None }));
    tick().await;
    assert_eq!(shown(&status), "正在发放：剩余 3499 / 3500 张");
}

#[wasm_bindgen_test]
async fn a_round_of_leftovers_shows_what_is_left_not_the_first_rounds_counts() {
    // Regression: in Liaocheng's round 2 (only round 1's leftovers) the page said
    // "剩余 200 / 200 张", the first round's stock, until the service spoke.
    let liaocheng = Campaign::from_json(include_str!("../../data/campaigns/liaocheng-2024-spring-appliances.json")).expect("valid");
    let round_two = liaocheng.rounds[1].opens.to_instant(liaocheng.utc_offset).0;
    let clock = ServerClock::with_offset((round_two + 3_600_000) as f64 - phone_now_ms());
    let stock = RwSignal::new(None);
    let container = mount_offer(clock, Arc::new(liaocheng), "single-8000-600", 200, stock).await;
    assert_eq!(shown(&container), "正在发放上一轮剩余的消费券");
    // The service's snapshot: 37 left of round 1, all still there.
    stock.set(Some(LiveStock { release_opens_ms: round_two, left: 37, stock: Some(37), sold_out_at_ms: None }));
    tick().await;
    assert_eq!(shown(&container), "正在发放：剩余 37 / 37 张");
    // A claim's event for the release carries no size: what is left, without a made-up total.
    stock.set(Some(LiveStock { release_opens_ms: round_two, left: 36, stock: None, sold_out_at_ms: None }));
    tick().await;
    assert_eq!(shown(&container), "正在发放：剩余 36 张");
}
