//! Who is signed in, and what the device keeps for them: the kept wallet belongs to one resident
//! (another one signing in, a 401, or signing out removes it), and a partner link asks before
//! it replaces a signed-in resident. The service is played by a stand-in for `window.fetch`.
//! Run in headless Chrome and Firefox.

use huiquan::{
    Header, PartnerSwitchPrompt, WalletPage,
    i18n::I18nProvider,
    session::{KeptSession, SignedInAs, base64url_decode, partner_token_claims, provide_session, sign_in_from_partner_link},
    wallet::{KeptWallet, kept_for},
};
use huiquan_core::{
    Fen, Lang,
    api::{SignedIn, VoucherStatus, WalletVoucher},
};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

const SESSION_KEY: &str = "huiquan.session";
const WALLET_KEY: &str = "huiquan.wallet";
/// The first resident's voucher code: it must never be shown to anyone else.
const FIRST_RESIDENTS_CODE: &str = "FRST-RSDT-CODE-0001";
/// `{"partner":"jd","account":"jd-user-7",…}`, signed with nothing (only the service verifies).
const JD_TOKEN: &str = "eyJwYXJ0bmVyIjoiamQiLCJhY2NvdW50IjoiamQtdXNlci03IiwiYXVkIjoiaHVpcXVhbiIsImV4cCI6NDEwMjQ0NDgwMCwicmVhbF9uYW1lIjp0cnVlLCJlbnRlcnByaXNlIjpmYWxzZX0.c2lnbmF0dXJl";

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
    let wallet = KeptWallet::new(1, vec![voucher], now, Vec::new());
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
    crate::support::mount(move || {
        provide_session();
        view! { <I18nProvider lang=Lang::ZhHans>{view()}</I18nProvider> }
    })
    .await
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

#[wasm_bindgen_test]
fn a_partner_tokens_claims_are_read_without_its_signature() {
    assert_eq!(base64url_decode("aHVpcXVhbg").as_deref(), Some(&b"huiquan"[..]));
    assert_eq!(base64url_decode("5Lqs5Lic").map(String::from_utf8), Some(Ok("京东".to_owned())));
    assert_eq!(base64url_decode("a"), None, "one character is not a byte");
    assert_eq!(base64url_decode("a+b/"), None, "base64url, not base64");
    let claims = partner_token_claims(JD_TOKEN).expect("readable");
    assert_eq!((claims.partner.as_str(), claims.account.as_str()), ("jd", "jd-user-7"));
    assert_eq!(partner_token_claims("not a token"), None);
    // A "partner" of a paragraph or of control characters is not shown to anyone.
    assert_eq!(partner_token_claims("eyJwYXJ0bmVyIjoiXG5cdTAwMDciLCJhY2NvdW50IjoieCJ9.x"), None);
}

/// Opens this page as a partner app would, with `token` in the fragment.
fn arrive_with_partner_token(token: &str) {
    let history = window().history().expect("history");
    history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("#partner_token={token}"))).expect("address");
}

/// The app as it starts on a partner link: the link is read, and the question shown if one is due.
async fn mount_partner_link() -> web_sys::HtmlElement {
    mount(|| {
        let session = huiquan::session::use_session();
        let pending = sign_in_from_partner_link(session, js_sys::Date::now() as i64);
        view! { <PartnerSwitchPrompt pending /> }
    })
    .await
}

#[wasm_bindgen_test]
async fn a_partner_link_asks_before_it_replaces_a_signed_in_resident() {
    forget_everything();
    keep_session(1, "first-residents-token");
    keep_first_residents_wallet();
    stub_fetch(
        "return new Response(JSON.stringify({ token: 'jd-residents-token', resident: 2, expires_at_ms: Date.now() + 3600000 }), { status: 200, headers: { 'content-type': 'application/json' } });",
    );

    // Keep: nothing changes, and the token is gone from the address, the storage and the page.
    arrive_with_partner_token(JD_TOKEN);
    let prompt = mount_partner_link().await;
    assert!(!window().location().href().expect("address").contains("partner_token"), "the token leaves the address at once");
    assert_eq!(
        text(&prompt).trim(),
        "你已登录为手机号 138****8000。要切换到来自京东的账号吗？切换保留",
        "the question names who is signed in and the partner"
    );
    assert!(calls().is_empty(), "nothing is sent before the resident chooses");
    click(&prompt, "[data-testid=partner-switch] button.secondary");
    until("the question has gone", || prompt.query_selector("[data-testid=partner-switch]").ok().flatten().is_none()).await;
    assert!(calls().is_empty(), "Keep sends nothing");
    let stored: Vec<String> = (0..storage().length().unwrap_or(0))
        .filter_map(|index| storage().key(index).ok().flatten())
        .filter_map(|key| storage().get_item(&key).ok().flatten())
        .collect();
    assert!(stored.iter().all(|value| !value.contains(JD_TOKEN)), "the token is never stored: {stored:?}");
    assert!(stored.iter().any(|value| value.contains("first-residents-token")), "still signed in as before");

    // Switch: signed in with the token, as the other resident, with nothing of the first kept.
    arrive_with_partner_token(JD_TOKEN);
    let prompt = mount_partner_link().await;
    click(&prompt, "[data-testid=partner-switch] button:not(.secondary)");
    until("switched", || text(&prompt).contains("已切换到来自京东的账号。")).await;
    let sent = calls();
    assert_eq!((sent[0].0.as_str(), sent[0].1.as_str()), ("POST", "/api/v1/sessions/partner"));
    assert!(sent[0].3.contains(JD_TOKEN), "{sent:?}");
    let session = storage().get_item(SESSION_KEY).ok().flatten().unwrap_or_default();
    assert!(session.contains("jd-residents-token") && !session.contains(JD_TOKEN), "{session}");
    assert!(storage().get_item(WALLET_KEY).expect("read").is_none(), "the first resident's wallet is gone");
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_same_partner_account_again_renews_its_session_without_asking() {
    forget_everything();
    let kept = KeptSession {
        signed_in: signed_in(2, "jd-residents-token"),
        signed_in_as: Some(SignedInAs::Partner { partner: "jd".into(), account: "jd-user-7".into() }),
    };
    storage().set_item(SESSION_KEY, &serde_json::to_string(&kept).expect("json")).expect("stored");
    stub_fetch(
        "return new Response(JSON.stringify({ token: 'jd-residents-new-token', resident: 2, expires_at_ms: Date.now() + 3600000 }), { status: 200, headers: { 'content-type': 'application/json' } });",
    );
    arrive_with_partner_token(JD_TOKEN);
    let prompt = mount_partner_link().await;
    until("renewed", || storage().get_item(SESSION_KEY).ok().flatten().is_some_and(|session| session.contains("jd-residents-new-token")))
        .await;
    assert!(prompt.query_selector("[data-testid=partner-switch]").ok().flatten().is_none(), "no question for the same account");
    restore_fetch();
}

#[wasm_bindgen_test]
fn a_kept_session_is_stored_flat_as_before_and_read_back() {
    // The stored form must not change when the decoder does (no `flatten`, no internal tag):
    // sessions kept by earlier versions still open.
    let stored =
        r#"{"token":"t-1","resident":7,"expires_at_ms":99,"signed_in_as":{"kind":"partner","partner":"jd","account":"jd-user-7"}}"#;
    let kept: KeptSession = serde_json::from_str(stored).expect("read");
    assert_eq!(kept.signed_in, SignedIn { token: "t-1".into(), resident: 7, expires_at_ms: 99 });
    assert_eq!(kept.signed_in_as, Some(SignedInAs::Partner { partner: "jd".into(), account: "jd-user-7".into() }));
    assert_eq!(serde_json::to_string(&kept).expect("json"), stored);
    let phone = KeptSession { signed_in: kept.signed_in.clone(), signed_in_as: Some(SignedInAs::Phone { masked: "138****8000".into() }) };
    let json = serde_json::to_string(&phone).expect("json");
    assert_eq!(json, r#"{"token":"t-1","resident":7,"expires_at_ms":99,"signed_in_as":{"kind":"phone","masked":"138****8000"}}"#);
    assert_eq!(serde_json::from_str::<KeptSession>(&json).expect("read"), phone);
    let bare = KeptSession { signed_in_as: None, ..phone };
    assert_eq!(serde_json::from_str::<KeptSession>(r#"{"token":"t-1","resident":7,"expires_at_ms":99}"#).expect("read"), bare);
    assert!(
        serde_json::from_str::<KeptSession>(r#"{"token":"t","resident":7,"expires_at_ms":9,"signed_in_as":{"kind":"phone"}}"#).is_err()
    );
}
