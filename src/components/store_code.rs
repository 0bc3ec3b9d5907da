//! The store's claim code of an in-store claim (Shenyang's appliance vouchers, 到店领取). The
//! notice's own way is the partner app's 扫一扫 on the QR code in the store: the till's QR code
//! holds the claim page's address with `?store=<claim code>`, so any scanner (the phone's camera,
//! UnionPay's or JD's 扫一扫) opens the page with the code filled in; otherwise the resident types
//! the code the till shows.

use leptos::prelude::window;

/// The claim code in what a QR code holds: a page address's `store` parameter, or the text.
pub fn claim_code_in(scanned: &str) -> String {
    store_parameter(scanned).unwrap_or_else(|| scanned.trim().to_owned())
}

/// The claim code the page's address brought (`?store=…`), if any.
pub fn claim_code_from_address() -> Option<String> {
    store_parameter(&window().location().href().ok()?).filter(|code| !code.is_empty())
}

/// The `store` parameter of an address, read by the browser's own URL parser (the router's).
fn store_parameter(address: &str) -> Option<String> {
    web_sys::Url::new(address).ok()?.search_params().get("store")
}
