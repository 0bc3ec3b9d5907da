//! JavaScript values read and called by name, through `Reflect`: for objects that differ per
//! host (partner bridges) or per browser (`BarcodeDetector`), and for browser methods that a
//! split-off module calls. A typed `web-sys` method costs glue in the main module's JS wherever
//! it is called from; these few functions are that glue, paid for once.

use leptos::prelude::window;
use wasm_bindgen::{JsCast, JsValue};

/// `window[name]`, or `undefined`.
pub fn global(name: &str) -> JsValue {
    field(&window(), name)
}

/// `value[name]`, or `undefined`.
pub fn field(value: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Neither `undefined` nor `null`.
pub fn present(value: &JsValue) -> bool {
    !value.is_undefined() && !value.is_null()
}

/// `target[method](...args)`: what it returns, or what it threw (also when there is no such
/// method).
pub fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    field(target, method).dyn_into::<js_sys::Function>()?.apply(target, &args.iter().collect())
}

/// `new constructor(...args)`, or what it threw (also when `constructor` is not a function).
pub fn construct(constructor: &JsValue, args: &[JsValue]) -> Result<JsValue, JsValue> {
    js_sys::Reflect::construct(constructor.dyn_ref::<js_sys::Function>().ok_or(JsValue::UNDEFINED)?, &args.iter().collect())
}
