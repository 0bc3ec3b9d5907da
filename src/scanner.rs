//! Reading the till's QR code with the phone's camera, for an in-store claim (Shenyang's
//! appliance vouchers): the browser's `BarcodeDetector` on the camera's picture, where the browser
//! has one (Chrome on Android, among others); elsewhere the resident types the code, or the
//! phone's own camera or a partner app's 扫一扫 opens the page with the code in its address.
//!
//! The button and the camera's layer are a wasm module of their own in the size build
//! (`scan_button` is a split point), fetched only where an in-store field is shown in a browser
//! that reads QR codes. Every browser call the module makes beyond what the claim page already
//! makes goes through `Reflect` (`crate::js`): wasm-bindgen writes glue into the main module for
//! each browser method any module calls, so typed `web-sys` calls here would cost every first
//! visit. Leaving the layer, by a code, by cancelling or by the page going away, stops the camera.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use crate::{
    i18n::I18n,
    js::{call, construct, field, global, present},
};
use huiquan_core::Lang;
use leptos::{html, prelude::*, wasm_split::SplitLoaderError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Whether this browser can scan: a `BarcodeDetector` and a camera to ask for.
pub fn can_scan() -> bool {
    let window = window();
    present(&field(&window, "BarcodeDetector")) && present(&field(&window.navigator(), "mediaDevices"))
}

/// The camera's button for the store-code field `field` (an `<input>`'s id), drawn once its
/// module is here; nothing where the module cannot be fetched (the field is typed then).
pub fn scan_button(i18n: I18n, field: String) -> AnyView {
    Suspend::new(async move { camera_button(i18n, field).await.unwrap_or_else(|_| ().into_any()) }).into_any()
}

#[cfg(huiquan_split)]
#[leptos::wasm_split::wasm_split(scanner, wasm_split_path = ::leptos::wasm_split, fallible)]
fn camera_button(i18n: I18n, field: String) -> Result<AnyView, SplitLoaderError> {
    Ok(view_camera_button(i18n, field))
}

#[cfg(not(huiquan_split))]
async fn camera_button(i18n: I18n, field: String) -> Result<AnyView, SplitLoaderError> {
    Ok(view_camera_button(i18n, field))
}

/// The scanner's words in one language, kept here so that the claim page's download carries
/// none of them. Traditional Chinese is converted from the Simplified as the page is drawn.
struct ScannerWords {
    /// The button after the field.
    scan: &'static str,
    /// The camera layer's name, for screen readers.
    title: &'static str,
    help: &'static str,
    cancel: &'static str,
    /// Refused, missing or busy: what the resident does instead.
    no_camera: &'static str,
}

const ZH_HANS: ScannerWords = ScannerWords {
    scan: "扫码填写",
    title: "扫描门店二维码",
    help: "请把摄像头对准收银台的二维码。",
    cancel: "取消",
    no_camera: "没能打开摄像头，请输入收银台显示的领券码。",
};

const EN: ScannerWords = ScannerWords {
    scan: "Scan the code",
    title: "Scan the store's QR code",
    help: "Point the camera at the QR code at the till.",
    cancel: "Cancel",
    no_camera: "The camera could not be opened: please type the code the till shows.",
};

fn scanner_words(lang: Lang) -> &'static ScannerWords {
    match lang {
        Lang::En => &EN,
        _ => &ZH_HANS,
    }
}

fn view_camera_button(i18n: I18n, field: String) -> AnyView {
    let scanning = RwSignal::new(false);
    let no_camera = RwSignal::new(false);
    let button = NodeRef::<html::Button>::new();
    let words = move || scanner_words(i18n.lang());
    let layer = move || {
        let field = field.clone();
        scanning.get().then(|| camera_layer(i18n, field, scanning, no_camera, button))
    };
    let start = move |_| {
        no_camera.set(false);
        scanning.set(true);
    };
    view! {
        <button type="button" class="button secondary scan" node_ref=button on:click=start>
            {move || words().scan}
        </button>
        {move || no_camera.get().then(|| view! { <p class="claim-hint" role="alert">{move || words().no_camera}</p> })}
        {move || layer()}
    }
    .into_any()
}

/// How often the picture is read: often enough to feel at once, rarely enough for a cheap phone.
const READ_EVERY_MS: f64 = 200.0;

/// The camera's full-screen layer: the picture, a line of help and a cancel button (Escape too).
/// It reads until a code is found, which goes into the field as if typed (its `input` event
/// tells the page), or until it is closed; either way the camera stops and the focus returns to
/// the scan button. A camera that cannot be opened closes it with `no_camera` set.
fn camera_layer(
    i18n: I18n,
    field: String,
    scanning: RwSignal<bool>,
    no_camera: RwSignal<bool>,
    scan_button: NodeRef<html::Button>,
) -> impl IntoView {
    let layer = NodeRef::<html::Div>::new();
    let video = NodeRef::<html::Video>::new();
    let cancel = NodeRef::<html::Button>::new();
    let closed = Arc::new(AtomicBool::new(false));
    on_cleanup({
        let closed = Arc::clone(&closed);
        move || closed.store(true, Ordering::Relaxed)
    });
    leptos::task::spawn_local(async move {
        // Styled here rather than in the page's stylesheet, which every first visit downloads.
        if let (Some(layer), Some(video)) = (layer.get_untracked(), video.get_untracked()) {
            set_style(
                &layer,
                "position:fixed;inset:0;z-index:10;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:1rem;padding:1rem;background:#000;color:#fff",
            );
            set_style(&video, "max-width:100%;max-height:70vh");
        }
        let read = read_code(video, cancel, &closed).await;
        no_camera.set(read.is_err());
        if let Ok(Some(text)) = read
            && let Some(input) = document().get_element_by_id(&field)
        {
            let code = crate::components::claim_code_in(&text);
            let _ = js_sys::Reflect::set(&input, &"value".into(), &code.as_str().into());
            if let Ok(typed) = construct(&global("Event"), &["input".into()]) {
                let _ = call(&input, "dispatchEvent", &[typed]);
            }
        }
        scanning.set(false);
        if let Some(button) = scan_button.get_untracked() {
            let _ = call(&button, "focus", &[]);
        }
    });
    let words = move || scanner_words(i18n.lang());
    view! {
        <div
            node_ref=layer
            class="scanner"
            role="dialog"
            aria-modal="true"
            aria-label=move || words().title
            on:keydown=move |event| if event.key() == "Escape" { scanning.set(false) }
        >
            <video node_ref=video prop:muted=true autoplay playsinline aria-hidden="true"></video>
            <p>{move || words().help}</p>
            <button type="button" class="button" node_ref=cancel on:click=move |_| scanning.set(false)>
                {move || words().cancel}
            </button>
        </div>
    }
}

/// The camera could not be opened or read: refused by the resident, missing, or busy.
struct NoCamera;

/// The text of the first QR code the camera sees, or `None` once `closed`.
async fn read_code(video: NodeRef<html::Video>, cancel: NodeRef<html::Button>, closed: &AtomicBool) -> Result<Option<String>, NoCamera> {
    let window = window();
    let constraints = js_sys::Object::new();
    let facing = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&facing, &"facingMode".into(), &"environment".into());
    let _ = js_sys::Reflect::set(&constraints, &"video".into(), &facing);
    let devices = field(&window.navigator(), "mediaDevices");
    let asked = call(&devices, "getUserMedia", &[constraints.into()]).map_err(|_| NoCamera)?;
    let camera = Camera(JsFuture::from(asked.unchecked_into::<js_sys::Promise>()).await.map_err(|_| NoCamera)?);
    let Some(video) = video.get_untracked().filter(|_| !closed.load(Ordering::Relaxed)) else { return Ok(None) };
    js_sys::Reflect::set(&video, &"srcObject".into(), &camera.0).map_err(|_| NoCamera)?;
    // Playing needs no wait: the detector reads whatever picture there is.
    let _ = call(&video, "play", &[]);
    if let Some(cancel) = cancel.get_untracked() {
        let _ = call(&cancel, "focus", &[]);
    }
    let formats = js_sys::Array::new();
    formats.push(&"qr_code".into());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"formats".into(), &formats);
    let detector = construct(&field(&window, "BarcodeDetector"), &[options.into()]).map_err(|_| NoCamera)?;
    while !closed.load(Ordering::Relaxed) {
        // Before the first picture the detector refuses: read again at the next turn.
        if let Ok(reading) = call(&detector, "detect", &[video.clone().into()])
            && let Ok(found) = JsFuture::from(reading.unchecked_into::<js_sys::Promise>()).await
            && let Some(text) = field(&field(&found, "0"), "rawValue").as_string()
        {
            return Ok(Some(text));
        }
        crate::scoped::sleep_ms(READ_EVERY_MS).await;
    }
    Ok(None)
}

/// Styles `element` through the CSSOM, which the page's CSP allows where it refuses inline
/// `style` attributes.
fn set_style(element: &JsValue, css: &str) {
    let _ = js_sys::Reflect::set(&field(element, "style"), &"cssText".into(), &css.into());
}

/// The camera's stream; dropped, it stops the camera.
struct Camera(JsValue);

impl Drop for Camera {
    fn drop(&mut self) {
        if let Ok(tracks) = call(&self.0, "getTracks", &[]) {
            for track in js_sys::Array::unchecked_from_js(tracks).iter() {
                let _ = call(&track, "stop", &[]);
            }
        }
    }
}
