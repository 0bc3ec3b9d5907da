//! 长辈模式 (elder mode, as China's 适老化 rules ask of public services): larger text and tap
//! targets, stronger contrast, one column with the offers first, nothing that moves on its own,
//! and plainer words for refusals.
//!
//! The look is all CSS under `html.elder` (style/main.css). The page's inline script in
//! `index.html` sets that class before the first paint, from the choice remembered on this
//! device or a host app's `?elder=1`, so the page the service paints is already large and
//! nothing jumps when the app takes over. The app starts from that class and keeps it, and the
//! remembered choice, in step with its switch.

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// Where the choice is remembered (`"1"` on, `"0"` off); the inline script reads it too.
const STORAGE_KEY: &str = "huiquan.elder";
/// The class on `<html>` that the style sheet's elder rules hang on.
const CLASS: &str = "elder";

/// Whether elder mode is on, shared through context.
#[derive(Clone, Copy)]
pub struct ElderMode(RwSignal<bool>);

impl ElderMode {
    /// Whether it is on (tracked).
    pub fn on(&self) -> bool {
        self.0.get()
    }

    /// Turns it on or off for the page, and remembers the choice on this device.
    pub fn set(&self, on: bool) {
        self.0.set(on);
        set_class(on);
        if let Ok(Some(storage)) = window().local_storage() {
            // Private browsing may refuse storage: the switch still works for this visit.
            let _ = storage.set_item(STORAGE_KEY, if on { "1" } else { "0" });
        }
    }
}

fn set_class(on: bool) {
    if let Some(html) = document().document_element() {
        html.set_class_name(if on { CLASS } else { "" });
    }
}

/// Provides elder mode to everything inside, starting as the page's inline script left it.
pub fn provide_elder_mode() -> ElderMode {
    let on = document().document_element().is_some_and(|html| html.class_name() == CLASS);
    let mode = ElderMode(RwSignal::new(on));
    provide_context(mode);
    mode
}

/// Elder mode, when provided (component tests may mount a piece without it: then it is off).
pub fn use_elder_mode() -> Option<ElderMode> {
    use_context::<ElderMode>()
}

/// The switch on every page's bar: a toggle button whose pressed state screen readers announce.
#[component]
pub fn ElderSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let mode = use_elder_mode()?;
    Some(
        view! {
            <button
                class="elder-switch"
                type="button"
                aria-pressed=move || if mode.on() { "true" } else { "false" }
                on:click=move |_| mode.set(!mode.on())
            >
                {move || i18n.t().elder_mode}
            </button>
        }
        .into_any(),
    )
}
