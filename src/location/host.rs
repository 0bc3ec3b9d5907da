//! A position given by the app that embeds the page (a partner's webview), behind the same
//! interface as the browser's: the host defines `window.huiquanHost.getLocation()`, returning a
//! Promise of `{latitude, longitude, accuracy}` (WGS-84, metres; GCJ-02 when it adds
//! `gcj02: true`, as UnionPay's UPSDK gives them), or rejected with `{code}` as the
//! Geolocation API's errors (1 denied, 2 unavailable, 3 timeout). Hosts whose own location
//! permission the resident already granted spare them a second browser prompt.

use wasm_bindgen::{JsCast, JsValue};

use super::Reading;
use crate::js::{field, global, present};

/// The host's `getLocation`, when the page is embedded by a host that offers one.
pub fn host_get_location() -> Option<js_sys::Function> {
    let host = global("huiquanHost");
    if !present(&host) {
        return None;
    }
    let get: js_sys::Function = field(&host, "getLocation").dyn_into().ok()?;
    // Called as a method, so a host object that uses `this` works.
    Some(get.bind0(&host))
}

/// Asks the host once and reads its answer as the browser's would be read.
pub async fn host_reading(get_location: &js_sys::Function) -> Reading {
    let Ok(answer) = get_location.call0(&JsValue::NULL) else { return Reading::Error(2) };
    let answer = match answer.dyn_into::<js_sys::Promise>() {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
        Err(value) => Ok(value),
    };
    match answer {
        // Read as a message host's position is (GCJ-02 only when the host says so).
        Ok(position) => crate::host::position_of(&position, field(&position, "gcj02").is_truthy()),
        Err(error) => Reading::Error(field(&error, "code").as_f64().map_or(2, |code| code as u16)),
    }
}
