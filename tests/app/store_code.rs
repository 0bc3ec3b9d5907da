//! The store's claim code of an in-store claim: brought by the page's address when a scanner
//! opened it from the till's QR code, read by the camera where the browser reads QR codes
//! (against shims of `getUserMedia` and `BarcodeDetector`), typed otherwise. Run in headless
//! Chrome and Firefox.

use huiquan::{CampaignDetails, claim_code_in, i18n::I18nProvider};
use huiquan_core::{Campaign, Lang};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

/// Shenyang's page; its appliance vouchers are claimed in a store. The field of the 200-yuan tier.
async fn mount_appliance_card() -> web_sys::HtmlElement {
    let shenyang = Campaign::from_json(include_str!("../../data/campaigns/shenyang-2022-xiaoxia.json")).expect("valid");
    // Alone on the page, as in the app: the scanner fills the field by its id.
    let container = crate::support::mount_alone(move || {
        view! { <I18nProvider lang=Lang::ZhHans><CampaignDetails campaign=shenyang /></I18nProvider> }
    })
    .await;
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

/// A camera and a QR code reader as the browsers document them: `getUserMedia` gives a real
/// video track (a canvas's), and `BarcodeDetector` finds `found` from its third reading on
/// (none before: the first pictures show nothing), or never when `found` is null.
fn shim_camera(found: Option<&str>) {
    let found = found.map_or("null".to_owned(), |text| format!("{text:?}"));
    let script = format!(
        r#"
        window.__cameraTracks = [];
        navigator.mediaDevices.getUserMedia = async (constraints) => {{
            if (!constraints.video) throw new DOMException("no video asked", "TypeError");
            const canvas = document.createElement("canvas");
            canvas.getContext("2d").fillRect(0, 0, 10, 10);
            const stream = canvas.captureStream();
            window.__cameraTracks.push(...stream.getTracks());
            return stream;
        }};
        window.BarcodeDetector = class {{
            constructor(options) {{ this.readings = 0; this.formats = options.formats; }}
            async detect(source) {{
                if (!(source instanceof HTMLVideoElement) || !this.formats.includes("qr_code")) throw new TypeError("bad use");
                this.readings += 1;
                const found = {found};
                return found !== null && this.readings >= 3 ? [{{ rawValue: found, format: "qr_code" }}] : [];
            }}
        }};
        "#
    );
    js_sys::Function::new_no_args(&script).call0(&JsValue::NULL).expect("the shim runs");
}

/// A camera the resident refuses (or another app holds): `getUserMedia` rejects.
fn shim_refused_camera() {
    shim_camera(None);
    js_sys::Function::new_no_args(
        "navigator.mediaDevices.getUserMedia = async () => { throw new DOMException('refused', 'NotAllowedError'); };",
    )
    .call0(&JsValue::NULL)
    .expect("the shim runs");
}

fn unshim_camera() {
    js_sys::Function::new_no_args("delete window.BarcodeDetector;").call0(&JsValue::NULL).expect("removed");
}

/// Whether every camera track the shim gave out has been stopped.
fn cameras_stopped() -> bool {
    js_sys::Function::new_no_args("return window.__cameraTracks.length > 0 && window.__cameraTracks.every((t) => t.readyState === 'ended')")
        .call0(&JsValue::NULL)
        .ok()
        .and_then(|stopped| stopped.as_bool())
        .unwrap_or(false)
}

async fn until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..100 {
        if condition() {
            return;
        }
        huiquan::scoped::sleep_ms(50.0).await;
    }
    panic!("{what} did not happen within 5 s");
}

#[wasm_bindgen_test]
async fn without_a_qr_reader_there_is_no_scan_button() {
    unshim_camera();
    let card = mount_appliance_card().await;
    tick().await;
    assert!(card.query_selector(".claim button.scan").expect("selector").is_none(), "a scan button without BarcodeDetector");
}

#[wasm_bindgen_test]
async fn the_camera_reads_the_tills_code_into_the_field_and_stops() {
    shim_camera(Some("https://huiquan.example/campaigns/shenyang-2022-xiaoxia?store=sy-00008.SCANNED1"));
    let card = mount_appliance_card().await;
    until("the scan button", || card.query_selector(".claim button.scan").ok().flatten().is_some()).await;
    let scan: web_sys::HtmlElement =
        card.query_selector(".claim button.scan").expect("selector").expect("the scan button").unchecked_into();
    assert_eq!(scan.text_content().as_deref(), Some("扫码填写"));
    let after_field = field_of(&card).next_element_sibling().expect("after the field");
    assert!(after_field.class_list().contains("scan"), "the button comes right after the field");
    scan.click();
    until("the camera's layer", || document().query_selector(".scanner[role=dialog] video").ok().flatten().is_some()).await;
    let layer = document().query_selector(".scanner").expect("selector").expect("the layer");
    let position = window().get_computed_style(&layer).expect("a style").expect("computed").get_property_value("position");
    assert_eq!(position.as_deref(), Ok("fixed"), "the layer covers the screen, whatever the page's CSP");
    until("the code in the field", || field_of(&card).value() == "sy-00008.SCANNED1").await;
    assert!(document().query_selector(".scanner").expect("selector").is_none(), "the layer is gone");
    assert!(cameras_stopped(), "the camera is stopped");
    unshim_camera();
}

#[wasm_bindgen_test]
async fn cancelling_the_camera_stops_it_and_leaves_the_field_as_it_was() {
    shim_camera(None);
    let card = mount_appliance_card().await;
    let field = field_of(&card);
    field.set_value("sy-00013.TYPED123");
    until("the scan button", || card.query_selector(".claim button.scan").ok().flatten().is_some()).await;
    let scan: web_sys::HtmlElement =
        card.query_selector(".claim button.scan").expect("selector").expect("the scan button").unchecked_into();
    scan.click();
    until("the camera's picture", || {
        document()
            .query_selector(".scanner video")
            .ok()
            .flatten()
            .is_some_and(|video| js_sys::Reflect::get(&video, &"srcObject".into()).is_ok_and(|stream| !stream.is_null()))
    })
    .await;
    let cancel: web_sys::HtmlElement = document().query_selector(".scanner button").expect("selector").expect("cancel").unchecked_into();
    assert_eq!(cancel.text_content().as_deref(), Some("取消"));
    assert_eq!(document().active_element().as_ref(), Some(cancel.as_ref()), "the focus on cancel");
    cancel.click();
    until("the layer's end", || document().query_selector(".scanner").ok().flatten().is_none()).await;
    until("the camera's end", cameras_stopped).await;
    assert_eq!(field.value(), "sy-00013.TYPED123", "a cancelled scan changes nothing");
    until("the focus back on the scan button", || document().active_element().as_ref() == Some(scan.as_ref())).await;
    unshim_camera();
}

#[wasm_bindgen_test]
async fn a_camera_that_cannot_be_opened_says_to_type_the_code() {
    shim_refused_camera();
    let card = mount_appliance_card().await;
    until("the scan button", || card.query_selector(".claim button.scan").ok().flatten().is_some()).await;
    let scan: web_sys::HtmlElement =
        card.query_selector(".claim button.scan").expect("selector").expect("the scan button").unchecked_into();
    scan.click();
    until("the words", || card.query_selector(".claim [role=alert]").ok().flatten().is_some()).await;
    let said = card.query_selector(".claim [role=alert]").expect("selector").expect("the words").text_content().unwrap_or_default();
    assert_eq!(said, "没能打开摄像头，请输入收银台显示的领券码。");
    assert!(document().query_selector(".scanner").expect("selector").is_none(), "no layer left over");
    assert_eq!(document().active_element().as_ref(), Some(scan.as_ref()), "the focus back on the scan button");
    unshim_camera();
}
