//! The store's claim code of an in-store claim: brought by the page's address when a scanner
//! opened it from the till's QR code, typed otherwise. Run in headless Chrome and Firefox.

#![cfg(target_arch = "wasm32")]

use huiquan::{CampaignDetails, claim_code_in, i18n::I18nProvider};
use huiquan_core::{Campaign, Lang};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Shenyang's page; its appliance vouchers are claimed in a store. The field of the 200-yuan tier.
async fn mount_appliance_card() -> web_sys::HtmlElement {
    let shenyang = Campaign::from_json(include_str!("../data/campaigns/shenyang-2022-xiaoxia.json")).expect("valid");
    let container: web_sys::HtmlElement = document().create_element("div").expect("a div").unchecked_into();
    document().body().expect("a body").append_child(&container).expect("appended");
    leptos::mount::mount_to(container.clone(), move || {
        view! { <I18nProvider lang=Lang::ZhHans><CampaignDetails campaign=shenyang /></I18nProvider> }
    })
    .forget();
    tick().await;
    container.query_selector("[data-tier=appliances-2000-200]").expect("selector").expect("the card").unchecked_into()
}

fn field_of(card: &web_sys::HtmlElement) -> web_sys::HtmlInputElement {
    card.query_selector("input.store-code").expect("selector").expect("the store code field").unchecked_into()
}

#[wasm_bindgen_test]
fn a_scanned_page_address_gives_its_store_parameter() {
    assert_eq!(claim_code_in("https://huiquan.example/campaigns/shenyang-2022-xiaoxia?store=sy-00008.K7QX2M9D"), "sy-00008.K7QX2M9D");
    assert_eq!(claim_code_in("https://h.example/c?x=1&store=sy-00008.K7QX%202M9D#top"), "sy-00008.K7QX 2M9D");
    assert_eq!(claim_code_in(" sy-00008.K7QX2M9D "), "sy-00008.K7QX2M9D", "a bare code is the code");
}

#[wasm_bindgen_test]
async fn the_code_comes_with_the_address_a_scanner_opened_or_is_typed() {
    // Opened from the till's QR code by the phone's own camera: the address has the code.
    let before = window().location().href().expect("href");
    window().history().expect("history").replace_state_with_url(&JsValue::NULL, "", Some("?store=sy-00008.FROMLINK")).expect("address");
    let card = mount_appliance_card().await;
    window().history().expect("history").replace_state_with_url(&JsValue::NULL, "", Some(&before)).expect("address back");
    assert_eq!(field_of(&card).value(), "sy-00008.FROMLINK", "what the page's address brought");
    let typed = field_of(&card);
    typed.set_value("sy-00013.TYPED123");
    typed.dispatch_event(&web_sys::Event::new("input").expect("an event")).expect("dispatched");
    assert_eq!(field_of(&card).value(), "sy-00013.TYPED123");
}
