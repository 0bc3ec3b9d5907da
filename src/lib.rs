//! Huiquan, the resident's app: claim your city's consumption vouchers.
//!
//! A small router over one page per file in `routes/`; the service is reached through `api`;
//! every sentence comes from the catalogues in `i18n`.

pub mod api;
pub mod boot;
pub mod claim;
pub mod clock;
mod components;
pub mod elder;
pub mod family;
pub mod fetched;
pub mod history;
pub mod host;
pub mod i18n;
mod js;
mod json;
pub mod location;
#[cfg(target_arch = "wasm32")]
mod math;
pub mod pieces;
pub mod router;
mod routes;
pub mod scanner;
pub mod scoped;
pub mod session;
pub mod stock;
pub mod wallet;

use leptos::prelude::*;

use crate::i18n::I18nProvider;
use crate::pieces::Later;
use crate::router::Page;
use crate::routes::home::HomePage;

pub use crate::components::{
    ClaimButton, ErrorView, Header, LanguageSwitch, OfferState, OfferStatus, PartnerSwitchPrompt, SignIn, SignOut, TierCard, claim_code_in,
    countdown_announcement, countdown_words, normalized_phone, signed_in_as_words, use_offer_state,
};
pub use crate::routes::campaign::{CampaignDetails, CampaignView};
pub use crate::routes::voucher::{VoucherDetails, qr_svg, rule_words};
pub use crate::routes::wallet::{WalletPage, WalletView, expiry_countdown};
pub use crate::routes::wallet_words::{WalletWords, wallet_words};

/// The whole app. Its start is in pieces (see [`pieces`]): the first task only starts the wasm and
/// reads the language, and the frame follows in a task of its own.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nProvider>
            <Later><Frame /></Later>
        </I18nProvider>
    }
}

/// What every page shares: the service's clock, the resident's session, the host app, the
/// router with the header and the foot, each a piece of its own.
#[component]
fn Frame() -> impl IntoView {
    elder::provide_elder_mode();
    let clock = clock::provide_server_clock(clock::ServerClockOptions::default());
    let session = session::provide_session();
    family::provide_claiming_for();
    let partner_switch = session::sign_in_from_partner_link(session, clock.now_ms());
    host::provide_host(session, partner_switch, move || clock.now_ms());
    let page = router::provide_address().page;
    view! {
        <Later><components::Header /></Later>
        <main id="content" tabindex="-1">
            <Later>
                <components::PartnerSwitchArea pending=partner_switch />
                {move || match page.get() {
                    Page::Home => view! { <HomePage /> }.into_any(),
                    Page::Campaign(id) => view! { <CampaignView id /> }.into_any(),
                    Page::Wallet => routes::wallet_route().into_any(),
                    Page::Voucher(_) => routes::voucher_route().into_any(),
                    Page::NotFound => view! { <routes::NotFound /> }.into_any(),
                }}
            </Later>
        </main>
        <Later><components::HostFooter /></Later>
    }
}

/// The path the page is served under, for the router: `/vouchers` behind a partner's gateway,
/// empty at the root. It is the page's `<base href>`, which the service sets (`--base-path`);
/// every link and API address in the app is relative, so the browser resolves them against it.
pub(crate) fn served_under() -> String {
    let base = document().base_uri().ok().flatten().unwrap_or_default();
    let path = base.split_once("://").and_then(|(_, rest)| rest.find('/').map(|slash| &rest[slash..])).unwrap_or("/");
    path.trim_end_matches('/').to_owned()
}

/// Mounts the app behind the static first paint that `index.html` (or the service's painted
/// campaign) shows until now, which goes once the app is built (see [`pieces`]); for a resident
/// reading English, once its catalogue is here too (`I18nProvider`).
pub fn mount() {
    boot::read_from_page();
    leptos::mount::mount_to_body(App);
}
