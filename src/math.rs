//! The browser's trigonometry for the wasm build: `Math.sin`, `Math.cos` and `Math.hypot`.
//!
//! The geofence's GCJ-02 conversion and distances call `f64::sin`, `cos` and `hypot`, which
//! compile to libm's C symbols; the standard library ships them as weak definitions (5 KB of
//! range reduction and tables in the first visit), so these strong ones take their place and
//! hand the work to the JavaScript engine, which has it anyway. Native builds (the service,
//! core's tests) keep libm; both follow IEEE 754 to within an ulp, far below the metres the
//! geofence's margins are made of.

#[unsafe(no_mangle)]
pub extern "C" fn sin(x: f64) -> f64 {
    js_sys::Math::sin(x)
}

#[unsafe(no_mangle)]
pub extern "C" fn cos(x: f64) -> f64 {
    js_sys::Math::cos(x)
}

#[unsafe(no_mangle)]
pub extern "C" fn hypot(x: f64, y: f64) -> f64 {
    js_sys::Math::hypot(x, y)
}
