//! What the component tests share: mounting a view into the test page.

use leptos::{prelude::*, task::tick};
use wasm_bindgen::JsCast;

/// The attribute that marks an element a test mounted a view into.
const MOUNTED: &str = "data-test-mount";

/// Mounts `view` in a new element at the end of the page, lets it render, and returns the
/// element. Earlier tests' views stay (a test may mount a second view beside its first).
pub async fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + Send + 'static) -> web_sys::HtmlElement {
    let container: web_sys::HtmlElement = document().create_element("div").expect("a div").unchecked_into();
    container.set_attribute(MOUNTED, "").expect("marked");
    document().body().expect("a body").append_child(&container).expect("appended");
    leptos::mount::mount_to(container.clone(), view).forget();
    tick().await;
    // A view in pieces (`huiquan::pieces`) is drawn a task at a time.
    while !huiquan::pieces::all_built() {
        huiquan::scoped::sleep_ms(0.0).await;
    }
    container
}

/// As [`mount`], on a page holding nothing else a test mounted, as the app shows one page at a
/// time: the suite's tests share one document, and a view that finds its elements by id (the
/// scanner fills the store-code field it was opened for) must not find another test's.
pub async fn mount_alone<V: IntoView + 'static>(view: impl FnOnce() -> V + Send + 'static) -> web_sys::HtmlElement {
    let earlier = document().query_selector_all(&format!("[{MOUNTED}]")).expect("a selector");
    for index in 0..earlier.length() {
        if let Some(element) = earlier.item(index).and_then(|node| node.dyn_into::<web_sys::Element>().ok()) {
            element.remove();
        }
    }
    mount(view).await
}
