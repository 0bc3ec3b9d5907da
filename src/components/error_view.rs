use leptos::prelude::*;

use crate::{api::ApiError, i18n::use_i18n};

/// A failed call to the service, said plainly, with a way to try again.
#[component]
pub fn ErrorView(error: ApiError, #[prop(into)] on_retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let sentence = move || match &error {
        ApiError::Network => i18n.t().error_network.to_owned(),
        ApiError::Refused { status: 404, .. } => i18n.t().error_not_found.to_owned(),
        ApiError::Refused { .. } => i18n.t().error_server.to_owned(),
        ApiError::Unreadable => i18n.t().error_unreadable.to_owned(),
    };
    view! {
        <section class="error" role="alert">
            <h2>{move || i18n.t().error_title}</h2>
            <p>{move || sentence()}</p>
            <button type="button" class="button" on:click=move |_| on_retry.run(())>
                {move || i18n.t().retry}
            </button>
        </section>
    }
}
