//! Component tests, run in headless Chrome and headless Firefox by wasm-bindgen-test.

use huiquan::{LanguageSwitch, TierCard, api::ApiError, i18n::I18nProvider};
use huiquan_core::{Campaign, Lang, api::ProblemCode};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

const TIANJIN: &str = include_str!("../../data/campaigns/tianjin-2022-jinlegou.json");

fn tianjin() -> Campaign {
    Campaign::from_json(TIANJIN).expect("the Tianjin campaign file is valid")
}

/// Mounts `view` in a fresh element, in `lang` whatever the browser prefers.
async fn mount<V: IntoView + 'static>(lang: Lang, view: impl FnOnce() -> V + Send + 'static) -> web_sys::HtmlElement {
    crate::support::mount(move || view! { <I18nProvider lang>{view()}</I18nProvider> }).await
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
    assert!(shown.contains("每次发放 3571 张"), "{shown}");
}

#[wasm_bindgen_test]
async fn tianjins_worked_out_stock_is_marked_and_its_given_amounts_are_not() {
    // The notice gives budgets, not daily stock: the page showed 3,500 as if the notice said it.
    let campaign = tianjin();
    let page = mount(Lang::ZhHans, move || view! { <huiquan::CampaignDetails campaign /> }).await;
    let card = text(&page.query_selector("[data-tier=retail-1000-100]").expect("selector").expect("a card").unchecked_into());
    assert!(card.contains("每次发放 3571 张（按公告推算）"), "{card}");
    assert!(card.contains("满1000元减100元") && !card.contains("满1000元减100元（按公告推算）"), "{card}");
}

#[wasm_bindgen_test]
async fn shenyangs_assumed_periods_and_housing_fair_window_are_marked() {
    let shenyang = Campaign::from_json(include_str!("../../data/campaigns/shenyang-2022-xiaoxia.json")).expect("valid");
    let page = mount(Lang::ZhHans, move || view! { <huiquan::CampaignDetails campaign=shenyang /> }).await;
    let rounds = text(&page.query_selector(".rounds").expect("selector").expect("the rounds").unchecked_into());
    assert_eq!(rounds.matches("（按公告推算）").count(), 4, "the schedule tables are missing from the text: {rounds}");
    let fair = text(&page.query_selector("[aria-labelledby=theme-housing-fair]").expect("selector").expect("the fair").unchecked_into());
    assert!(fair.contains("领取时间按公告推算"), "{fair}");
    let appliance = text(&page.query_selector("[data-tier=appliances-2000-200]").expect("selector").expect("a card").unchecked_into());
    assert!(appliance.contains("满2000元减200元（按公告推算）"), "the notice gives 200 yuan, not 2,000: {appliance}");
}

#[wasm_bindgen_test]
async fn liaocheng_says_later_rounds_hand_out_only_what_is_left() {
    // Rounds 2 and 3 bring no stock of their own; every card read "200 at each release".
    let liaocheng = Campaign::from_json(include_str!("../../data/campaigns/liaocheng-2024-spring-appliances.json")).expect("valid");
    let page = mount(Lang::ZhHans, move || view! { <huiquan::CampaignDetails campaign=liaocheng /> }).await;
    let card = text(&page.query_selector("[data-tier=single-8000-600]").expect("selector").expect("a card").unchecked_into());
    assert!(card.contains("每次发放 200 张（仅第一轮；之后各轮只发放上一轮剩余）"), "{card}");
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
    let switch: web_sys::HtmlSelectElement =
        page.query_selector("select.language-switch").expect("a selector").expect("the switch").unchecked_into();
    // Three languages, each named in itself and marked so, whatever the page's language.
    let names: Vec<(String, Option<String>)> = (0..switch.length())
        .filter_map(|index| switch.item(index))
        .map(|option| (option.text_content().unwrap_or_default(), option.get_attribute("lang")))
        .collect();
    assert_eq!(
        names,
        [("简体中文".into(), Some("zh-Hans".into())), ("繁體中文".into(), Some("zh-Hant".into())), ("English".into(), Some("en".into()))]
    );
    assert_eq!(switch.value(), "zh-Hans");
    switch.set_value("en");
    switch.dispatch_event(&web_sys::Event::new("change").expect("an event")).expect("dispatched");
    tick().await;
    let shown = text(&page);
    assert!(shown.contains("¥500 off orders of ¥5000 or more"), "{shown}");
    assert!(shown.contains("Home appliance vouchers"), "{shown}");
    assert!(!shown.contains("满5000元减500元"), "{shown}");
    assert_eq!(document().document_element().and_then(|html| html.get_attribute("lang")).as_deref(), Some("en"));
    // Traditional Chinese reads the Simplified catalogue (the page's script converts it) and
    // says so in `<html lang>`, which is what the conversion follows.
    switch.set_value("zh-Hant");
    switch.dispatch_event(&web_sys::Event::new("change").expect("an event")).expect("dispatched");
    tick().await;
    assert!(text(&page).contains("满5000元减500元"));
    assert_eq!(document().document_element().and_then(|html| html.get_attribute("lang")).as_deref(), Some("zh-Hant"));
    switch.set_value("zh-Hans");
    switch.dispatch_event(&web_sys::Event::new("change").expect("an event")).expect("dispatched");
    tick().await;
}

#[wasm_bindgen_test]
async fn the_elder_switch_turns_the_page_large_and_remembers_it() {
    let storage = window().local_storage().expect("storage").expect("storage");
    let page = mount(Lang::ZhHans, move || {
        huiquan::elder::provide_elder_mode();
        view! { <huiquan::elder::ElderSwitch /> }
    })
    .await;
    let html = document().document_element().expect("<html>");
    let button: web_sys::HtmlElement =
        page.query_selector("button.elder-switch").expect("a selector").expect("the switch").unchecked_into();
    assert_eq!(text(&button), "长辈模式");
    assert_eq!(button.get_attribute("aria-pressed").as_deref(), Some("false"));
    button.click();
    tick().await;
    assert_eq!(button.get_attribute("aria-pressed").as_deref(), Some("true"));
    assert_eq!(html.class_name(), "elder", "the style sheet's elder rules hang on <html class=elder>");
    assert_eq!(storage.get_item("huiquan.elder").ok().flatten().as_deref(), Some("1"));
    // The next page starts from the class the inline script set from that choice.
    let next = mount(Lang::ZhHans, move || {
        huiquan::elder::provide_elder_mode();
        view! { <huiquan::elder::ElderSwitch /> }
    })
    .await;
    let next_button = next.query_selector("button.elder-switch").expect("a selector").expect("the switch");
    assert_eq!(next_button.get_attribute("aria-pressed").as_deref(), Some("true"));
    button.click();
    tick().await;
    assert_eq!(html.class_name(), "");
    assert_eq!(storage.get_item("huiquan.elder").ok().flatten().as_deref(), Some("0"));
}

#[wasm_bindgen_test]
async fn a_failed_call_is_said_plainly_and_offers_a_retry() {
    let retried = RwSignal::new(0);
    let page = mount(Lang::ZhHans, move || {
        view! { <huiquan::ErrorView error=ApiError::Network on_retry=move || retried.update(|n| *n += 1) /> }
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
    let refused = ApiError::Refused { status: 404, problem: Some(ProblemCode { status: 404, code: "unknown_campaign".into() }) };
    assert_eq!(refused.code(), Some("unknown_campaign"));
    assert_eq!(ApiError::Network.code(), None);
}

#[wasm_bindgen_test]
async fn a_pack_says_what_it_holds_and_is_claimed_as_one() {
    let jincheng = Campaign::from_json(include_str!("../../data/campaigns/jincheng-2020-alipay.json")).expect("valid");
    let page = mount(Lang::ZhHans, move || view! { <huiquan::CampaignDetails campaign=jincheng /> }).await;
    let packs = page.query_selector_all("[data-pack]").expect("selector");
    assert_eq!(packs.length(), 1, "Jincheng's 50-yuan pack");
    let pack = text(&packs.item(0).expect("a pack").unchecked_into());
    assert!(pack.contains("50元消费券卡包") && pack.contains("¥50"), "{pack}");
    assert!(pack.contains("10元（无门槛） × 3 张"), "{pack}");
    // Regression: the fuel and dining vouchers read like the general ones.
    assert!(pack.contains("10元（无门槛），仅限加油 × 1 张"), "{pack}");
    assert!(pack.contains("10元（无门槛），仅限餐饮 × 1 张"), "{pack}");
    assert!(pack.contains("每次发放 60000 个券包（按公告推算）"), "{pack}");
    assert_eq!(page.query_selector_all("[data-pack] .claim-button").expect("selector").length(), 1, "one button for the whole pack");
    assert_eq!(page.query_selector_all("[data-tier] .claim-button").expect("selector").length(), 0, "its tiers are not claimed alone");
}

#[wasm_bindgen_test]
fn a_release_first_heard_of_through_an_event_has_its_size() {
    // Regression: a `stock` event for a new release left its size unknown until the next snapshot.
    use huiquan::stock::{StockMap, apply_event};
    let mut map = StockMap::new();
    let event = r#"{"campaign":"c","offer":"a","release_opens_ms":7,"left":36,"stock":37}"#;
    assert!(!apply_event(&mut map, "stock", event));
    assert_eq!(map.get("a").map(|live| (live.left, live.stock)), Some((36, Some(37))));
    let next = r#"{"campaign":"c","offer":"a","release_opens_ms":7,"left":35}"#;
    assert!(!apply_event(&mut map, "stock", next));
    assert_eq!(map.get("a").map(|live| (live.left, live.stock)), Some((35, Some(37))), "the same release keeps its size");
}
