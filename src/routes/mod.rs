//! One page per file.

pub mod campaign;
pub mod family;
pub mod home;
pub mod voucher;
pub mod wallet;
pub mod wallet_words;

use crate::i18n::use_i18n;
use leptos::prelude::*;

/// The wallet (`/wallet`): its page comes with the voucher page's module (see [`wallet_pages`]).
pub fn wallet_route() -> impl IntoView {
    Suspend::new(async { wallet_pages::wallet().await.unwrap_or_else(|_| not_loaded()) })
}

/// A voucher's page (`/wallet/:id`), with the wallet's module.
pub fn voucher_route() -> impl IntoView {
    Suspend::new(async { wallet_pages::voucher().await.unwrap_or_else(|_| not_loaded()) })
}

/// The wallet pages' own stylesheet (`style/wallet.css`), which the first visit does not carry:
/// linked with either page, so only their module holds this. Until it has loaded the page is
/// hidden, not unstyled: `.wallet-page` is hidden by style/main.css and shown by wallet.css, or
/// after 3 s without it (offline before it was ever fetched).
#[component]
fn WalletStyle(children: Children) -> impl IntoView {
    view! {
        <link rel="stylesheet" href="wallet.css" />
        <div class="wallet-page">{children()}</div>
    }
}

/// A page whose module could not be fetched (offline before it was ever opened): said as a
/// network failure, and trying again reloads the page.
fn not_loaded() -> AnyView {
    let error = crate::api::ApiError::Network;
    view! { <crate::components::ErrorView error on_retry=move || { let _ = window().location().reload(); } /> }.into_any()
}

/// The wallet and voucher pages, which the claim page never shows. The size build
/// (`--cfg huiquan_split`, scripts/build.sh) splits them into a wasm module of their own that is
/// fetched the first time either is opened or [`load`](wallet_pages::load)ed, so the first visit
/// does not carry them; everywhere else (tests, lints) they are ordinary async functions. A
/// module that cannot be fetched is an error, never a crash (`fallible`).
pub mod wallet_pages {
    use leptos::prelude::*;
    use leptos::wasm_split::SplitLoaderError;

    #[cfg(huiquan_split)]
    #[leptos::wasm_split::wasm_split(wallet_pages, wasm_split_path = ::leptos::wasm_split, preload(load), fallible)]
    pub fn wallet() -> Result<AnyView, SplitLoaderError> {
        Ok(view! { <super::WalletStyle><super::wallet::Wallets /></super::WalletStyle> }.into_any())
    }

    #[cfg(huiquan_split)]
    #[leptos::wasm_split::wasm_split(wallet_pages, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn voucher() -> Result<AnyView, SplitLoaderError> {
        Ok(view! { <super::WalletStyle><super::voucher::VoucherPage /></super::WalletStyle> }.into_any())
    }

    #[cfg(not(huiquan_split))]
    pub async fn wallet() -> Result<AnyView, SplitLoaderError> {
        Ok(view! { <super::WalletStyle><super::wallet::Wallets /></super::WalletStyle> }.into_any())
    }

    #[cfg(not(huiquan_split))]
    pub async fn voucher() -> Result<AnyView, SplitLoaderError> {
        Ok(view! { <super::WalletStyle><super::voucher::VoucherPage /></super::WalletStyle> }.into_any())
    }

    /// Fetches the module ahead of need (after a claim, so the wallet also opens offline).
    #[cfg(not(huiquan_split))]
    pub async fn load() -> Result<(), SplitLoaderError> {
        Ok(())
    }
}

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
