//! The store's claim code of an in-store claim (Shenyang's appliance vouchers, 到店领取). The
//! notice's own way is the partner app's 扫一扫 on the QR code in the store: the till's QR code
//! holds the claim page's address with `?store=<claim code>`, so any scanner (the phone's camera,
//! UnionPay's or JD's 扫一扫) opens the page with the code filled in; otherwise the resident types
//! the code the till shows.

use leptos::prelude::window;

/// The claim code in what a QR code holds: a page address's `store` parameter, or the text.
pub fn claim_code_in(scanned: &str) -> String {
    let query = scanned.split_once('?').map_or("", |(_, query)| query);
    query
        .split(['&', '#'])
        .find_map(|pair| pair.strip_prefix("store="))
        .and_then(|code| js_sys::decode_uri_component(code).ok())
        .map_or_else(|| scanned.trim().to_owned(), String::from)
}

/// The claim code the page's address brought (`?store=…`), if any.
pub fn claim_code_from_address() -> Option<String> {
    let search = window().location().search().ok()?;
    let code = claim_code_in(&format!("?{}", search.trim_start_matches('?')));
    (search.contains("store=") && !code.is_empty()).then_some(code)
}
