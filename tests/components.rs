//! Component tests, run in headless Chrome and headless Firefox by wasm-bindgen-test.

#![cfg(target_arch = "wasm32")]

use huiquan::{LanguageSwitch, TierCard, api::ApiError, i18n::I18nProvider};
use huiquan_core::{Campaign, Lang, api::ProblemDetails};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TIANJIN: &str = include_str!("../data/campaigns/tianjin-2022-jinlegou.json");

fn tianjin() -> Campaign {
    Campaign::from_json(TIANJIN).expect("the Tianjin campaign file is valid")
}

/// Mounts `view` in a fresh element, in `lang` whatever the browser prefers.
async fn mount<V: IntoView + 'static>(lang: Lang, view: impl FnOnce() -> V + Send + 'static) -> web_sys::HtmlElement {
    let container: web_sys::HtmlElement = document().create_element("div").expect("a div").unchecked_into();
    document().body().expect("a body").append_child(&container).expect("appended");
    leptos::mount::mount_to(container.clone(), move || {
        view! { <I18nProvider lang>{view()}</I18nProvider> }
    })
    .forget();
    tick().await;
    container
}

fn text(element: &web_sys::HtmlElement) -> String {
    element.text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_tier_reads_as_man_t_jian_d_in_chinese() {
    let tier = tianjin().themes[0].tiers[0].clone();
    let card = mount(Lang::ZhHans, move || view! { <ul><TierCard tier /></ul> }).await;
    let shown = text(&card);
    assert!(shown.contains("满1000元减100元"), "{shown}");
    assert!(shown.contains("每次发放 3500 张"), "{shown}");
}

#[wasm_bindgen_test]
async fn a_tier_reads_in_english_when_english_is_chosen() {
    let tier = tianjin().themes[0].tiers[4].clone();
    let card = mount(Lang::En, move || view! { <ul><TierCard tier /></ul> }).await;
    let shown = text(&card);
    assert!(shown.contains("¥10 off orders of ¥100 or more"), "{shown}");
    assert!(!shown.contains("满"), "{shown}");
}

#[wasm_bindgen_test]
async fn the_gas_stove_tier_says_what_it_is_limited_to() {
    let gas_stove = tianjin().tiers().last().cloned().expect("twelve tiers");
    let card = mount(Lang::ZhHans, move || view! { <ul><TierCard tier=gas_stove /></ul> }).await;
    let shown = text(&card);
    assert!(shown.contains("满400元减100元"), "{shown}");
    assert!(shown.contains("仅限具有熄火保护功能的燃气灶"), "{shown}");
}

#[wasm_bindgen_test]
async fn the_campaign_shows_both_themes_and_all_twelve_tiers() {
    let campaign = tianjin();
    let page = mount(Lang::ZhHans, move || view! { <huiquan::CampaignDetails campaign /> }).await;
    let tiers = page.query_selector_all("[data-tier]").expect("a selector");
    assert_eq!(tiers.length(), 12);
    let headings = page.query_selector_all("section.theme h2").expect("a selector");
    assert_eq!(headings.length(), 2);
    let shown = text(&page);
    assert!(shown.contains("百货零售消费券") && shown.contains("家电消费券"), "{shown}");
    assert!(shown.contains("首日 19:50 发放，之后每日 09:30 发放"), "{shown}");
    assert!(shown.contains("天津市当地时间（Asia/Shanghai）"), "{shown}");
}

#[wasm_bindgen_test]
async fn the_language_switch_changes_every_sentence() {
    let campaign = tianjin();
    let page = mount(Lang::ZhHans, move || {
        view! { <LanguageSwitch /><huiquan::CampaignDetails campaign /> }
    })
    .await;
    assert!(text(&page).contains("满5000元减500元"));
    let button: web_sys::HtmlElement =
        page.query_selector("button.language-switch").expect("a selector").expect("the switch").unchecked_into();
    assert_eq!(button.get_attribute("lang").as_deref(), Some("en"));
    button.click();
    tick().await;
    let shown = text(&page);
    assert!(shown.contains("¥500 off orders of ¥5000 or more"), "{shown}");
    assert!(shown.contains("Home appliance vouchers"), "{shown}");
    assert!(!shown.contains("满5000元减500元"), "{shown}");
    assert_eq!(button.get_attribute("lang").as_deref(), Some("zh-Hans"));
}

#[wasm_bindgen_test]
async fn a_failed_call_is_said_plainly_and_offers_a_retry() {
    let retried = RwSignal::new(0);
    let page = mount(Lang::ZhHans, move || {
        view! { <huiquan::ErrorView error=ApiError::Network("offline".into()) on_retry=move || retried.update(|n| *n += 1) /> }
    })
    .await;
    let alert = page.query_selector("[role=alert]").expect("a selector").expect("an alert");
    assert!(alert.text_content().unwrap_or_default().contains("网络不通"));
    let button: web_sys::HtmlElement = alert.query_selector("button").expect("a selector").expect("retry").unchecked_into();
    button.click();
    assert_eq!(retried.get_untracked(), 1);
}

#[wasm_bindgen_test]
fn a_refusal_keeps_the_services_code() {
    let refused =
        ApiError::Refused { status: 404, problem: Some(ProblemDetails::new(404, "unknown_campaign", "No such campaign", "none")) };
    assert_eq!(refused.code(), Some("unknown_campaign"));
    assert_eq!(ApiError::Network("x".into()).code(), None);
}

#[wasm_bindgen_test]
async fn a_pack_says_what_it_holds_and_is_claimed_as_one() {
    let jincheng = Campaign::from_json(include_str!("../data/campaigns/jincheng-2020-alipay.json")).expect("valid");
    let page = mount(Lang::ZhHans, move || view! { <huiquan::CampaignDetails campaign=jincheng /> }).await;
    let packs = page.query_selector_all("[data-pack]").expect("selector");
    assert_eq!(packs.length(), 1, "Jincheng's 50-yuan pack");
    let pack = text(&packs.item(0).expect("a pack").unchecked_into());
    assert!(pack.contains("50元消费券卡包") && pack.contains("¥50"), "{pack}");
    assert!(pack.contains("10元（无门槛） × 3 张"), "{pack}");
    assert!(pack.contains("每次发放 60000 个券包"), "{pack}");
    assert_eq!(page.query_selector_all("[data-pack] .claim-button").expect("selector").length(), 1, "one button for the whole pack");
    assert_eq!(page.query_selector_all("[data-tier] .claim-button").expect("selector").length(), 0, "its tiers are not claimed alone");
}
