//! One page per file.

pub mod campaign;
pub mod home;
pub mod voucher;
pub mod wallet;

use leptos::prelude::*;

use crate::i18n::use_i18n;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="error" role="alert">
            <h1>{move || i18n.t().error_not_found}</h1>
            <a class="button" href="./">{move || i18n.t().back_to_campaigns}</a>
        </section>
    }
}

/// Shown while a page's data is on its way.
#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="loading" role="status">{move || i18n.t().loading}</p> }
}
