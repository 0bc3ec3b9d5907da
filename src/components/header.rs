use huiquan_core::Lang;
use leptos::prelude::*;

use crate::{
    components::SignOut,
    elder::ElderSwitch,
    i18n::{tag, use_i18n},
};

/// The bar at the top of every page: the app's name, the wallet, the language and elder-mode
/// switches and, while someone is signed in, signing out.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#content">{move || i18n.t().skip_to_content}</a>
        <header class="bar">
            <a class="bar-title" href="./">{move || i18n.t().app_name}</a>
            <nav class="bar-links">
                <a class="bar-link" href="wallet">{move || i18n.t().wallet_link}</a>
                <LanguageSwitch />
                <ElderSwitch />
                <SignOut />
            </nav>
        </header>
    }
}

/// Switches between Simplified Chinese and English; the choice is remembered on the device.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let other = move || match i18n.lang() {
        Lang::ZhHans => Lang::En,
        Lang::En => Lang::ZhHans,
    };
    // The label is in the language it switches to, so a resident who cannot read the current
    // one still finds it; `lang` makes screen readers pronounce it right.
    view! {
        <button
            class="language-switch"
            type="button"
            lang=move || tag(other())
            aria-label=move || i18n.t().switch_language_label
            on:click=move |_| i18n.set_lang(other())
        >
            {move || i18n.t().switch_language}
        </button>
    }
}
