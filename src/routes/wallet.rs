//! The wallet: every voucher of the resident, grouped as usable, used and expired, each with
//! its amount, campaign, exact expiry on the campaign's clock and a countdown in its last day.
//! Kept on the device, so it opens offline, marked with when it was synced.

use huiquan_core::{
    Campaign,
    api::{SignedIn, WalletVoucher},
    civil::{Instant, UtcOffset},
};
use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    clock::use_server_clock,
    components::SignIn,
    i18n::{campaign_deadline, campaign_time, use_i18n},
    routes::{
        Loading,
        family::{FamilySection, family_words},
        wallet_words::{WalletWords, wallet_words},
    },
    scoped::until_cleanup,
    session::{Session, use_session},
    wallet::{Group, KeptWallet, group_of, keep, kept_for},
};

/// "5 小时 12 分钟" left, for a voucher in its last 24 hours; `None` otherwise.
pub fn expiry_countdown(w: &WalletWords, expires_ms: i64, now_ms: i64) -> Option<String> {
    let left = expires_ms - now_ms;
    (0 < left && left < 86_400_000).then(|| {
        let minutes = (left + 59_999) / 60_000;
        (w.wallet_expires_in)((minutes / 60) as u32, (minutes % 60) as u32)
    })
}

/// The wallet as shown: fresh from the service, or kept from the last sync.
#[derive(Clone, Debug, PartialEq)]
struct ShownWallet {
    wallet: KeptWallet,
    fresh: bool,
}

/// A wallet as the service sent it, with the campaigns of its vouchers.
async fn with_campaigns(resident: i64, vouchers: Vec<WalletVoucher>, now_ms: i64) -> KeptWallet {
    // Each campaign once, in the order first met (a wallet holds a few: a list will do).
    let mut ids: Vec<&str> = Vec::new();
    for voucher in &vouchers {
        if !ids.contains(&voucher.campaign.as_str()) {
            ids.push(&voucher.campaign);
        }
    }
    let mut campaigns = Vec::new();
    for id in ids {
        if let Ok(json) = api::campaign_json(id).await {
            campaigns.push(json);
        }
    }
    KeptWallet::new(resident, vouchers, now_ms, campaigns)
}

/// A linked relative's wallet (代领), read for the carer signed in; never kept on the device.
pub async fn relative_wallet(token: &str, relative: i64, now_ms: i64) -> Result<KeptWallet, ApiError> {
    let vouchers = api::wallet(token, Some(relative)).await?;
    Ok(with_campaigns(relative, vouchers, now_ms).await)
}

/// Reads the wallet and the campaigns of its vouchers, keeping both for the resident; offline, the
/// ones kept for them.
async fn load_wallet(session: Session, signed_in: SignedIn, now_ms: i64) -> Result<ShownWallet, ApiError> {
    let resident = signed_in.resident;
    match api::wallet(&signed_in.token, None).await {
        Ok(vouchers) => {
            let wallet = with_campaigns(resident, vouchers, now_ms).await;
            // Signed out (or someone else signed in) while it was read: shown to nobody, kept for nobody.
            if session.resident_untracked() == Some(resident) {
                keep(&wallet);
            }
            Ok(ShownWallet { wallet, fresh: true })
        }
        Err(ApiError::Network) => kept_for(resident).map(|wallet| ShownWallet { wallet, fresh: false }).ok_or(ApiError::Network),
        Err(error) => Err(error),
    }
}

/// The wallet route: the resident's own wallet and their links (代领), or with `?for=` in the
/// address the wallet of a relative they claim for.
#[component]
pub fn Wallets() -> impl IntoView {
    let address = crate::router::use_address();
    let relative = Memo::new(move |_| address.query_value("for").and_then(|id| id.parse::<i64>().ok()));
    let session = use_session();
    let clock = use_server_clock();
    view! {
        {
            move || match relative.get() {
                Some(relative) => view! { <RelativeWallet relative /> }.into_any(),
                None => view! {
                    <WalletPage />
                    <Show when=move || session.is_signed_in(clock.now_ms())>
                        <FamilySection />
                    </Show>
                }
                .into_any(),
            }
        }
    }
}

/// A relative's wallet, for the carer: online only, with the way back to their own.
#[component]
fn RelativeWallet(relative: i64) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let clock = use_server_clock();
    let wallet = LocalResource::new(move || {
        let token = session.token(clock.now_ms());
        until_cleanup(async move {
            let token = token?;
            Some(relative_wallet(&token, relative, clock.now_ms()).await)
        })
    });
    view! {
        <h1>{move || family_words(i18n.lang()).relative_wallet}</h1>
        <p><a href="wallet">{move || wallet_words(i18n.lang()).wallet_title}</a></p>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match wallet.await {
                    None => view! { <SignIn /> }.into_any(),
                    Some(Err(error)) if session.clear_if_refused(&error) => view! { <SignIn /> }.into_any(),
                    Some(Err(error)) => view! { <crate::components::ErrorView error on_retry=move || wallet.refetch() /> }.into_any(),
                    Some(Ok(shown)) => view! { <WalletView shown fresh=true for_resident=relative /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn WalletPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let clock = use_server_clock();
    let signed_in = move || session.signed_in(clock.now_ms());
    let wallet = LocalResource::new(move || {
        let signed_in = signed_in();
        // Dropped, its request aborted, when the page goes.
        until_cleanup(async move {
            match signed_in {
                Some(signed_in) => Some(load_wallet(session, signed_in, clock.now_ms()).await),
                None => None,
            }
        })
    });
    view! {
        <h1>{move || wallet_words(i18n.lang()).wallet_title}</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match wallet.await {
                    None => view! { <SignIn /> }.into_any(),
                    Some(Err(error)) if session.clear_if_refused(&error) => view! { <SignIn /> }.into_any(),
                    Some(Err(error)) => view! { <crate::components::ErrorView error on_retry=move || wallet.refetch() /> }.into_any(),
                    // Read for a resident who has since signed out: never shown to the next one.
                    Some(Ok(shown)) if session.resident_untracked() != Some(shown.wallet.resident) => view! { <SignIn /> }.into_any(),
                    Some(Ok(shown)) => view! { <WalletView shown=shown.wallet fresh=shown.fresh /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The vouchers of a wallet in their groups.
#[component]
pub fn WalletView(
    shown: KeptWallet,
    fresh: bool,
    /// 代领: the relative whose wallet this is (their vouchers' pages carry it).
    #[prop(optional)]
    for_resident: Option<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let clock = use_server_clock();
    // Countdowns and expiries move with the clock; a minute is fine for "hours and minutes left".
    let now_ms = RwSignal::new(clock.now_ms());
    if let Ok(handle) = set_interval_with_handle(move || now_ms.set(clock.now_ms()), std::time::Duration::from_secs(30)) {
        on_cleanup(move || handle.clear());
    }
    let synced_at = shown.synced_at_ms;
    let offset_of = {
        let campaigns = shown.campaigns.clone();
        move |id: &str| campaigns.iter().find(|campaign| campaign.id == id).map(|campaign| campaign.utc_offset)
    };
    let first_offset = shown.campaigns.first().map(|campaign| campaign.utc_offset);
    let synced_words = move || {
        let at = first_offset.map(|offset| campaign_time(Instant(synced_at), offset)).unwrap_or_default();
        if fresh { (wallet_words(i18n.lang()).wallet_synced)(&at) } else { (wallet_words(i18n.lang()).wallet_offline)(&at) }
    };
    let vouchers = shown.vouchers.clone();
    let campaigns = shown.campaigns.clone();
    let section = move |group: Group| {
        let vouchers = vouchers.clone();
        let campaigns = campaigns.clone();
        let offset_of = offset_of.clone();
        move || {
            let now = now_ms.get();
            let in_group: Vec<WalletVoucher> = vouchers.iter().filter(|voucher| group_of(voucher, now, fresh) == group).cloned().collect();
            (!in_group.is_empty()).then(|| {
                let w = wallet_words(i18n.lang());
                let (title, class) = match group {
                    Group::Usable => (w.wallet_usable, "wallet-group usable"),
                    Group::UsableWhenSynced => (w.wallet_usable_when_synced, "wallet-group usable-when-synced"),
                    Group::Used => (w.wallet_used, "wallet-group used"),
                    Group::Expired => (w.wallet_expired, "wallet-group expired"),
                };
                let campaigns = campaigns.clone();
                let offset_of = offset_of.clone();
                view! {
                    <section class=class data-group=group.name()>
                        <h2>{title}</h2>
                        <ul class="vouchers">
                            {in_group.into_iter().map(|voucher| {
                                let campaign = campaigns.iter().find(|campaign| campaign.id == voucher.campaign).cloned();
                                let offset = offset_of(&voucher.campaign);
                                view! { <VoucherCard voucher campaign offset now_ms for_resident /> }
                            }).collect_view()}
                        </ul>
                    </section>
                }
            })
        }
    };
    let empty = shown.vouchers.is_empty();
    view! {
        <p class="note" role="status" data-testid="wallet-synced">{move || synced_words()}</p>
        {empty.then(|| view! { <p class="empty">{move || wallet_words(i18n.lang()).wallet_empty}</p> })}
        {section(Group::Usable)}
        {section(Group::UsableWhenSynced)}
        {section(Group::Used)}
        {section(Group::Expired)}
    }
}

/// One voucher: what it is worth, where from, until when, and its code.
#[component]
fn VoucherCard(
    voucher: WalletVoucher,
    campaign: Option<Campaign>,
    offset: Option<UtcOffset>,
    now_ms: RwSignal<i64>,
    for_resident: Option<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = campaign.as_ref().map(|campaign| campaign.name.clone());
    let offer = {
        let (threshold, discount) = (voucher.threshold, voucher.discount);
        move || {
            let t = i18n.t();
            if threshold.0 == 0 {
                (t.tier_offer_no_threshold)(&discount.to_string())
            } else {
                (t.tier_offer)(&threshold.to_string(), &discount.to_string())
            }
        }
    };
    let expires_ms = voucher.expires_at_ms;
    let used_at_ms = voucher.used_at_ms;
    let when = move || {
        let w = wallet_words(i18n.lang());
        let Some(offset) = offset else { return String::new() };
        match used_at_ms {
            Some(used) => (w.wallet_used_at)(&campaign_time(Instant(used), offset)),
            None => (w.wallet_expires)(&campaign_deadline(Instant(expires_ms), offset)),
        }
    };
    let countdown = move || used_at_ms.is_none().then(|| expiry_countdown(wallet_words(i18n.lang()), expires_ms, now_ms.get())).flatten();
    let claimed_at_ms = voucher.claimed_at_ms;
    let claimed =
        move || offset.map(|offset| (wallet_words(i18n.lang()).wallet_claimed_at)(&campaign_time(Instant(claimed_at_ms), offset)));
    view! {
        <li class="voucher-card" data-voucher=voucher.id>
            <p class="tier-discount" aria-hidden="true">{format!("¥{}", voucher.discount)}</p>
            <h3 class="tier-offer">{move || offer()}</h3>
            {name.map(|name| view! { <p class="voucher-campaign">{move || name.get(i18n.lang()).to_owned()}</p> })}
            <p class="voucher-claimed">{move || claimed()}</p>
            <p class="voucher-expiry">{move || when()}</p>
            {move || countdown().map(|left| view! { <p class="voucher-countdown">{left}</p> })}
            <p class="voucher-code-label">{move || wallet_words(i18n.lang()).wallet_code}</p>
            <p class="voucher-code"><code>{voucher.code.clone()}</code></p>
            <a class="button secondary" href=voucher_href(voucher.id, for_resident)>{move || wallet_words(i18n.lang()).voucher_details}</a>
        </li>
    }
}

/// A voucher's page; a relative's voucher carries whose it is (`?for=`).
fn voucher_href(voucher: i64, for_resident: Option<i64>) -> String {
    match for_resident {
        Some(relative) => format!("wallet/{voucher}?for={relative}"),
        None => format!("wallet/{voucher}"),
    }
}
