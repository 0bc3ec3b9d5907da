//! One voucher: its rules in plain words, its code as digits and as a QR code for the till, and
//! the merchants that take it (search, category, nearest first, a page at a time).

use huiquan_core::{
    Campaign, ThresholdBasis,
    api::{MerchantPage, WalletVoucher},
    civil::Instant,
};
use leptos::prelude::*;

use crate::{
    api,
    i18n::{Messages, campaign_deadline, use_i18n},
    routes::{NotFound, wallet_words::wallet_words},
    scoped::until_cleanup,
    session::use_session,
    wallet::kept_for,
};

/// Merchants per page: enough to scroll, small enough for a slow network.
const PAGE: usize = 20;

/// The code as an SVG QR code (medium error correction survives a scratched screen).
pub fn qr_svg(code: &str) -> Option<String> {
    let qr = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(qr.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build())
}

/// The voucher's rules as sentences, in the resident's language.
pub fn rule_words(t: &Messages, voucher: &WalletVoucher, campaign: &Campaign, lang: huiquan_core::Lang) -> Vec<String> {
    let w = wallet_words(lang);
    let mut rules = Vec::new();
    let tier = campaign.tier(&voucher.tier).map(|(_, tier)| tier);
    rules.push(match (voucher.threshold.0, tier.map(|tier| tier.basis)) {
        (0, _) => (t.tier_offer_no_threshold)(&voucher.discount.to_string()),
        (_, Some(ThresholdBasis::SingleItem)) => (t.tier_single_item)(&voucher.threshold.to_string()),
        _ => (t.tier_offer)(&voucher.threshold.to_string(), &voucher.discount.to_string()),
    });
    let names: Vec<&str> = voucher
        .accepted_categories
        .iter()
        .filter_map(|id| campaign.categories.iter().find(|category| &category.id == id).map(|category| category.name.get(lang)))
        .collect();
    if !names.is_empty() {
        rules.push((w.rule_categories)(&names.join(t.list_separator)));
    }
    if let Some(huiquan_core::Scope::ProductCategory { name, .. }) = tier.map(|tier| &tier.scope) {
        rules.push((t.tier_only_for)(name.get(lang)));
    }
    rules.push((w.wallet_expires)(&campaign_deadline(Instant(voucher.expires_at_ms), campaign.utc_offset)));
    if campaign.redemption.one_voucher_per_order {
        rules.push(w.rule_one_per_order.to_owned());
    }
    if let Some(count) = campaign.redemption.per_merchant_per_day {
        rules.push((w.rule_per_merchant_per_day)(count));
    }
    rules
}

#[component]
pub fn VoucherPage() -> impl IntoView {
    let address = crate::router::use_address();
    let session = use_session();
    view! {
        {
            move || {
                let id: Option<i64> = match address.page.get() {
                    crate::router::Page::Voucher(id) => id.parse().ok(),
                    _ => None,
                };
                // 代领: a relative's voucher, read from their wallet for the carer (online only).
                if let Some(relative) = address.query_value("for").and_then(|relative| relative.parse::<i64>().ok()) {
                    return view! { <RelativeVoucher relative id /> }.into_any();
                }
                // The wallet page keeps the wallet and its campaigns on the device: read from there, only
                // ever for the resident signed in.
                match session.resident().and_then(kept_for).and_then(|wallet| voucher_in(&wallet, id)) {
                    Some((voucher, campaign)) => view! { <VoucherDetails voucher campaign /> }.into_any(),
                    None => view! { <NotFound /> }.into_any(),
                }
            }
        }
    }
}

/// The voucher `id` of a wallet, with its campaign.
fn voucher_in(wallet: &crate::wallet::KeptWallet, id: Option<i64>) -> Option<(WalletVoucher, Campaign)> {
    let voucher = wallet.vouchers.iter().find(|voucher| Some(voucher.id) == id)?.clone();
    let campaign = wallet.campaigns.iter().find(|campaign| campaign.id == voucher.campaign)?.clone();
    Some((voucher, campaign))
}

/// A voucher of a relative the carer claims for, with its code to show at the till for them.
#[component]
fn RelativeVoucher(relative: i64, id: Option<i64>) -> impl IntoView {
    let session = use_session();
    let clock = crate::clock::use_server_clock();
    let found = LocalResource::new(move || {
        let token = session.token(clock.now_ms());
        until_cleanup(async move {
            let wallet = crate::routes::wallet::relative_wallet(&token?, relative, clock.now_ms()).await.ok()?;
            voucher_in(&wallet, id)
        })
    });
    view! {
        <Suspense fallback=crate::routes::Loading>
            {move || Suspend::new(async move {
                match found.await {
                    Some((voucher, campaign)) => view! { <VoucherDetails voucher campaign /> }.into_any(),
                    None => view! { <NotFound /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn VoucherDetails(voucher: WalletVoucher, campaign: Campaign) -> impl IntoView {
    let i18n = use_i18n();
    let rules = {
        let (voucher, campaign) = (voucher.clone(), campaign.clone());
        move || rule_words(i18n.t(), &voucher, &campaign, i18n.lang()).into_iter().map(|rule| view! { <li>{rule}</li> }).collect_view()
    };
    let qr = qr_svg(&voucher.code).unwrap_or_default();
    let code = voucher.code.clone();
    let qr_label = move || (wallet_words(i18n.lang()).voucher_qr_label)(&code);
    view! {
        <article class="voucher-page">
            <h1>{format!("¥{}", voucher.discount)}</h1>
            <ul class="voucher-rules">{move || rules()}</ul>
            <section class="voucher-code-section" aria-labelledby="code-title">
                <h2 id="code-title">{move || wallet_words(i18n.lang()).wallet_code}</h2>
                <div class="voucher-qr" role="img" aria-label=qr_label inner_html=qr></div>
                <p class="voucher-code"><code>{voucher.code.clone()}</code></p>
            </section>
            <MerchantSearch campaign tier=voucher.tier.clone() />
        </article>
    }
}

/// The merchants that take a tier: words, category, nearest first once the resident shares
/// their position, a page at a time.
#[component]
fn MerchantSearch(campaign: Campaign, tier: String) -> impl IntoView {
    let i18n = use_i18n();
    let words = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let shown = RwSignal::new(PAGE);
    let position = RwSignal::new(crate::location::Reading::Nothing);
    let near = Signal::derive(move || match position.get() {
        crate::location::Reading::Position(latitude, longitude, _) => Some((latitude, longitude)),
        _ => None,
    });
    let campaign_id = campaign.id.clone();
    let page = LocalResource::new(move || {
        let (campaign_id, tier) = (campaign_id.clone(), tier.clone());
        let (q, category, near, limit) = (words.get(), category.get(), near.get(), shown.get());
        let path = api::merchants_path(&campaign_id, &tier, &q, &category, near, limit);
        // With a position, the same search drawn as a map by the service (no outline or drawing
        // code in the app): the merchants numbered as the list is.
        let map = near.and_then(|_| path.split_once('?')).map(|(search, query)| format!("{search}/map.svg?{query}"));
        until_cleanup(async move { api::merchants(&path).await.map(|page| (page, map)) })
    });
    let accepted: Vec<(String, huiquan_core::LocalizedText)> =
        campaign.categories.iter().map(|category| (category.id.clone(), category.name.clone())).collect();
    // A quick network position is enough to sort shops by distance.
    let resume = move || crate::location::ask_browser(position, false, 27_000, 30_000);
    let list = move || {
        page.get().map(|result| match result {
            Ok((MerchantPage { total, merchants, .. }, map)) => {
                let more = total > merchants.len();
                let placed = merchants.iter().filter(|hit| hit.distance_m.is_some()).count() as u32;
                let map = map.filter(|_| placed > 0);
                view! {
                    <p class="note" role="status">{move || (wallet_words(i18n.lang()).merchants_found)(total as u32)}</p>
                    {map.map(|src| view! { <img class="merchant-map" src=src alt=move || (wallet_words(i18n.lang()).merchants_map)(placed) /> })}
                    <ol class="merchants">
                        {merchants.into_iter().map(|hit| {
                            let merchant = hit.merchant;
                            let distance = hit.distance_m.map(|metres| crate::location::distance_words(i18n.t(), metres));
                            view! {
                                <li class="merchant" data-merchant=merchant.id.clone()>
                                    <strong>{move || merchant.name.get(i18n.lang()).to_owned()}</strong>
                                    <span class="merchant-address">{move || merchant.address.get(i18n.lang()).to_owned()}</span>
                                    {distance.map(|distance| view! { <span class="merchant-distance">{distance}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    {more.then(|| view! {
                        <button type="button" class="button secondary" on:click=move |_| shown.update(|n| *n += PAGE)>
                            {move || wallet_words(i18n.lang()).merchants_more}
                        </button>
                    })}
                }
                .into_any()
            }
            Err(error) => view! { <crate::components::ErrorView error on_retry=move || page.refetch() /> }.into_any(),
        })
    };
    view! {
        <section class="merchant-search" aria-labelledby="merchants-title">
            <h2 id="merchants-title">{move || wallet_words(i18n.lang()).merchants_title}</h2>
            <label for="merchant-words">{move || wallet_words(i18n.lang()).merchants_search}</label>
            <input id="merchant-words" type="search" bind:value=words on:input=move |_| shown.set(PAGE) />
            <label for="merchant-category">{move || wallet_words(i18n.lang()).merchants_category}</label>
            <select id="merchant-category" bind:value=category>
                <option value="">{move || wallet_words(i18n.lang()).merchants_all}</option>
                {accepted.into_iter().map(|(id, name)| view! { <option value=id>{move || name.get(i18n.lang()).to_owned()}</option> }).collect_view()}
            </select>
            <button type="button" class="button secondary" on:click=move |_| resume()>{move || wallet_words(i18n.lang()).merchants_nearest}</button>
            <Transition fallback=crate::routes::Loading>{move || list()}</Transition>
        </section>
    }
}
