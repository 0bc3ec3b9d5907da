//! Who is signed in, and what the device keeps for them: the kept wallet belongs to one resident
//! (another one signing in, a 401, or signing out removes it). The service is played by a
//! stand-in for `window.fetch`.
//! Run in headless Chrome and Firefox.

#![cfg(target_arch = "wasm32")]

use huiquan::{
    Header, WalletPage,
    i18n::I18nProvider,
    session::{KeptSession, SignedInAs, provide_session},
    wallet::{KeptWallet, kept_for},
};
use huiquan_core::{
    Fen, Lang,
    api::{SignedIn, VoucherStatus, WalletVoucher},
};
use leptos::{prelude::*, task::tick};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SESSION_KEY: &str = "huiquan.session";
const WALLET_KEY: &str = "huiquan.wallet";
/// The first resident's voucher code: it must never be shown to anyone else.
const FIRST_RESIDENTS_CODE: &str = "FRST-RSDT-CODE-0001";
fn storage() -> web_sys::Storage {
    window().local_storage().ok().flatten().expect("local storage")
}

fn signed_in(resident: i64, token: &str) -> SignedIn {
    SignedIn { token: token.to_owned(), resident, expires_at_ms: js_sys::Date::now() as i64 + 3_600_000 }
}

/// A session kept on the device as the app keeps it (signed in by phone).
fn keep_session(resident: i64, token: &str) {
    let kept =
        KeptSession { signed_in: signed_in(resident, token), signed_in_as: Some(SignedInAs::Phone { masked: "138****8000".into() }) };
    storage().set_item(SESSION_KEY, &serde_json::to_string(&kept).expect("json")).expect("stored");
}

/// The first resident's wallet, kept on the device.
fn keep_first_residents_wallet() {
    let now = js_sys::Date::now() as i64;
    let voucher = WalletVoucher {
        id: 1,
        code: FIRST_RESIDENTS_CODE.into(),
        campaign: "tianjin-2022-jinlegou".into(),
        tier: "retail-100-10".into(),
        offer: "retail-100-10".into(),
        threshold: Fen(10_000),
        discount: Fen(1_000),
        claimed_at_ms: now - 3_600_000,
        expires_at_ms: now + 3_600_000,
        status: VoucherStatus::Unused,
        used_at_ms: None,
        accepted_categories: vec!["retail".into()],
    };
    let wallet = KeptWallet { resident: 1, vouchers: vec![voucher], synced_at_ms: now, campaigns: Vec::new() };
    storage().set_item(WALLET_KEY, &serde_json::to_string(&wallet).expect("json")).expect("stored");
}

fn forget_everything() {
    let _ = storage().clear();
}

/// Replaces `window.fetch` with `body` (a JS async function body over `request`, a `Request`):
/// each call is recorded in `window.huiquanCalls` as `{method, url, authorization, body}`.
fn stub_fetch(body: &str) {
    let window = window();
    let original = js_sys::Reflect::get(&window, &"fetch".into()).expect("fetch");
    if js_sys::Reflect::get(&window, &"huiquanRealFetch".into()).expect("get").is_undefined() {
        js_sys::Reflect::set(&window, &"huiquanRealFetch".into(), &original).expect("kept");
    }
    js_sys::Reflect::set(&window, &"huiquanCalls".into(), &js_sys::Array::new()).expect("calls");
    let stub = js_sys::Function::new_with_args(
        "input, init",
        &format!(
            "const request = new Request(input, init);
             return (async () => {{
               const text = await request.clone().text();
               window.huiquanCalls.push({{ method: request.method, url: new URL(request.url).pathname,
                 authorization: request.headers.get('authorization'), body: text }});
               {body}
             }})();"
        ),
    );
    js_sys::Reflect::set(&window, &"fetch".into(), &stub).expect("stubbed");
}

fn restore_fetch() {
    let window = window();
    let original = js_sys::Reflect::get(&window, &"huiquanRealFetch".into()).expect("get");
    if !original.is_undefined() {
        js_sys::Reflect::set(&window, &"fetch".into(), &original).expect("restored");
    }
}

/// `[method, path, authorization, body]` of every call the stand-in service received.
fn calls() -> Vec<(String, String, Option<String>, String)> {
    let calls: js_sys::Array = js_sys::Reflect::get(&window(), &"huiquanCalls".into()).expect("calls").unchecked_into();
    calls
        .iter()
        .map(|call| {
            let field = |name: &str| js_sys::Reflect::get(&call, &JsValue::from_str(name)).ok().and_then(|value| value.as_string());
            (
                field("method").unwrap_or_default(),
                field("url").unwrap_or_default(),
                field("authorization"),
                field("body").unwrap_or_default(),
            )
        })
        .collect()
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits up to three seconds for `condition`.
async fn until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..150 {
        if condition() {
            return;
        }
        sleep(20).await;
    }
    panic!("not within 3 s: {what}");
}

/// Mounts `view` in a fresh element, with the session kept on the device, in Chinese.
async fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + Send + 'static) -> web_sys::HtmlElement {
    let container: web_sys::HtmlElement = document().create_element("div").expect("a div").unchecked_into();
    document().body().expect("a body").append_child(&container).expect("appended");
    leptos::mount::mount_to(container.clone(), move || {
        provide_session();
        view! { <I18nProvider lang=Lang::ZhHans>{view()}</I18nProvider> }
    })
    .forget();
    tick().await;
    container
}

fn text(element: &web_sys::HtmlElement) -> String {
    element.text_content().unwrap_or_default()
}

fn click(container: &web_sys::HtmlElement, css: &str) {
    let element: web_sys::HtmlElement =
        container.query_selector(css).ok().flatten().unwrap_or_else(|| panic!("nothing matches {css}")).unchecked_into();
    element.click();
}

#[wasm_bindgen_test]
async fn a_wallet_kept_for_one_resident_is_never_shown_to_another() {
    forget_everything();
    // The first resident synced their wallet; then someone else signed in on this phone, and the
    // network is gone: the page may only fall back on what is kept for the second resident.
    keep_first_residents_wallet();
    keep_session(2, "second-residents-token");
    stub_fetch("throw new TypeError('offline');");
    let page = mount(|| view! { <WalletPage /> }).await;
    until("the wallet page has given up on the network", || text(&page).contains("网络")).await;
    assert!(!text(&page).contains(FIRST_RESIDENTS_CODE), "{}", text(&page));
    assert!(kept_for(2).is_none());
    assert!(storage().get_item(WALLET_KEY).expect("read").is_none(), "another resident's wallet is removed, not just hidden");
    restore_fetch();
}

#[wasm_bindgen_test]
async fn another_resident_signing_in_removes_the_wallet_kept_for_the_first() {
    forget_everything();
    keep_session(1, "first-residents-token");
    keep_first_residents_wallet();
    storage().set_item("huiquan.claim.tianjin-2022-jinlegou.retail-100-10", "{\"idempotency_key\":\"k\",\"fix\":null}").expect("stored");
    let owner = Owner::new();
    let session = owner.with(provide_session);
    assert_eq!(kept_for(1).map(|wallet| wallet.vouchers.len()), Some(1), "kept for its own resident");
    session.set(signed_in(1, "first-residents-new-token"), None);
    assert!(kept_for(1).is_some(), "the same resident signing in again keeps it");
    session.set(signed_in(2, "second-residents-token"), None);
    assert!(storage().get_item(WALLET_KEY).expect("read").is_none(), "nothing of the first resident stays");
    assert!(storage().get_item("huiquan.claim.tianjin-2022-jinlegou.retail-100-10").expect("read").is_none(), "nor their claim attempt");
}

#[wasm_bindgen_test]
async fn a_401_from_the_service_signs_out_and_removes_the_kept_wallet() {
    forget_everything();
    keep_session(1, "expired-on-the-service");
    keep_first_residents_wallet();
    stub_fetch(
        "return new Response(JSON.stringify({ type: 'about:blank', title: 'Unauthenticated', status: 401, detail: 'gone', code: 'unauthenticated' }),
           { status: 401, headers: { 'content-type': 'application/problem+json' } });",
    );
    let page = mount(|| view! { <WalletPage /> }).await;
    until("the session is forgotten", || storage().get_item(SESSION_KEY).ok().flatten().is_none()).await;
    assert!(storage().get_item(WALLET_KEY).expect("read").is_none(), "the kept wallet goes with it");
    until("the sign-in form is shown", || page.query_selector("[data-testid=sign-in] form").ok().flatten().is_some()).await;
    assert!(!text(&page).contains(FIRST_RESIDENTS_CODE));
    assert_eq!(calls()[0].2.as_deref(), Some("Bearer expired-on-the-service"));
    restore_fetch();
}

#[wasm_bindgen_test]
async fn signing_out_ends_the_session_on_the_service_and_removes_what_the_device_kept() {
    // 204: signed out; 401: the session was already gone, which is signed out too.
    for status in [204, 401] {
        forget_everything();
        keep_session(1, "first-residents-token");
        keep_first_residents_wallet();
        stub_fetch(&format!("return new Response(null, {{ status: {status} }});"));
        let header = mount(|| view! { <Header /> }).await;
        let button = header.query_selector("[data-testid=sign-out]").ok().flatten().expect("a sign-out button while signed in");
        assert_eq!(button.get_attribute("aria-label").as_deref(), Some("退出登录（手机号 138****8000）"), "it says who is signed out");
        click(&header, "[data-testid=sign-out]");
        until("the session is forgotten", || storage().get_item(SESSION_KEY).ok().flatten().is_none()).await;
        assert!(storage().get_item(WALLET_KEY).expect("read").is_none(), "{status}: the kept wallet goes too");
        assert_eq!(
            calls(),
            vec![(
                "DELETE".to_owned(),
                "/api/v1/sessions/current".to_owned(),
                Some("Bearer first-residents-token".to_owned()),
                String::new()
            )]
        );
        until("the button has gone", || header.query_selector("[data-testid=sign-out]").ok().flatten().is_none()).await;
        assert!(text(&header).contains("已退出登录"), "announced: {}", text(&header));
        restore_fetch();
    }
}
