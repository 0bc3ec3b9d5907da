//! Huiquan, the resident's app: claim your city's consumption vouchers.
//!
//! A small router over one page per file in `routes/`; the service is reached through `api`;
//! every sentence comes from the catalogues in `i18n`.

pub mod api;
pub mod clock;
mod components;
pub mod i18n;
pub mod location;
mod routes;
pub mod stock;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::i18n::I18nProvider;
use crate::routes::{campaign::CampaignPage, home::HomePage};

pub use crate::components::{ErrorView, LanguageSwitch, OfferStatus, TierCard, countdown_announcement, countdown_words};
pub use crate::routes::campaign::CampaignDetails;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    clock::provide_server_clock(clock::ServerClockOptions::default());
    view! {
        <I18nProvider>
            <Router>
                <components::Header />
                <main id="content" tabindex="-1">
                    <Routes fallback=|| view! { <routes::NotFound /> }>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/campaigns/:id") view=CampaignPage />
                    </Routes>
                </main>
            </Router>
        </I18nProvider>
    }
}

/// Mounts the app and removes the static first paint that `index.html` shows until now.
pub fn mount() {
    leptos::mount::mount_to_body(App);
    if let Some(shell) = document().get_element_by_id("shell") {
        shell.remove();
    }
}
