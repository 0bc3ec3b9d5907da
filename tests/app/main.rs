//! The app's components in a real browser, in one test binary: each browser starts once and
//! wasm-bindgen prepares one module for the whole suite (as nine binaries they took 23 s in Chrome
//! and 43 s in Firefox, as one 10 s and 11 s). The tests share the page and run one at a time.

#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod claim;
mod components;
mod family;
mod fetched;
mod host;
mod location;
mod offer_status;
mod pieces;
mod session;
mod store_code;
mod support;
mod wallet;
