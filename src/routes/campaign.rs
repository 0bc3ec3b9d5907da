//! A campaign: when it runs, how stock is released, and every tier by theme.

use std::sync::Arc;

use huiquan_core::{Campaign, Figure, ReleaseSchedule, RoundStock};
use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    clock::use_server_clock,
    components::{CardFigures, ClaimButton, ErrorView, OfferStatus, PackCard, SignIn, TierCard, When, use_offer_state},
    fetched::Fetched,
    i18n::use_i18n,
    location::{CurrentLocation, Geofence, LocationGate, UseLocationOptions, use_location},
    pieces::Later,
    routes::Loading,
    scoped::spawn_scoped,
    session::use_session,
    stock::{StockMap, UseStockOptions, use_stock},
};

/// Fetches one campaign and shows it.
#[component]
pub fn CampaignView(id: String) -> impl IntoView {
    let campaign = Fetched::new(move || {
        let id = id.clone();
        // The page the service painted carries the campaign: no round trip for it.
        async move {
            // A task of its own: decoding the painted campaign is not part of the frame's.
            crate::scoped::sleep_ms(0.0).await;
            match crate::boot::take_campaign(&id) {
                Some(campaign) => Ok(Arc::new(campaign)),
                None => api::campaign(&id).await.map(Arc::new),
            }
        }
    });
    // The answer read as it stands (no `Suspense`: nothing else on the page waits with it).
    view! {
        {
            move || match campaign.get() {
                None => view! { <Loading /> }.into_any(),
                // Everything that lives as long as the page (the stock stream, the location watch) is
                // made inside a component, whose owner lasts as long as its view.
                Some(Ok(campaign)) => view! { <CampaignLocation campaign /> }.into_any(),
                // A piece too: the last to be built shows the app, in place of the first paint.
                Some(Err(error)) => view! { <Later><ErrorView error on_retry=move || campaign.refetch() /></Later> }.into_any(),
            }
        }
    }
}

/// The claim page around a campaign: the location gate (its state shared with every claim
/// button), sign-in, and the campaign with its live tiers.
#[component]
fn CampaignLocation(campaign: Arc<Campaign>) -> impl IntoView {
    let stock = use_stock(campaign.id.clone(), UseStockOptions::default());
    crate::history::provide_resident_history(Arc::clone(&campaign));
    let clock = use_server_clock();
    let session = use_session();
    let (id, crs, city) = (campaign.id.clone(), campaign.boundary.crs, campaign.city.clone());
    // The outline (and the geofence's module) comes when the resident first asks where they are,
    // beside the position itself: not on every visit. Fetched by the tap, as a claim is sent by
    // one: the answer in a signal, the fetch dropped with the page (a resource keyed on "asked"
    // cost 1.5 KB of the first visit for the same).
    let outline = RwSignal::new(None::<Result<Arc<dyn Geofence>, ApiError>>);
    let fetching = RwSignal::new(false);
    let fetch_outline = move || {
        if fetching.get_untracked() || outline.with_untracked(|outline| matches!(outline, Some(Ok(_)))) {
            return;
        }
        fetching.set(true);
        let id = id.clone();
        spawn_scoped(async move {
            outline.set(Some(api::geofence(&id, crs).await));
            fetching.set(false);
        });
    };
    let geofence = Signal::derive(move || outline.with(|outline| outline.as_ref().and_then(|outline| outline.as_ref().ok()).cloned()));
    let location = use_location(geofence, UseLocationOptions::default());
    provide_context(CurrentLocation(location.state));
    let ask = location.ask;
    // What the claim needs (where the resident is, who they are) sits between the campaign's
    // name and its offers, so the first screen holds the offers and their buttons.
    view! {
        <CampaignDetails campaign stock>
            <crate::family::ClaimingForNote />
            <LocationGate state=location.state city on_ask={
                let fetch_outline = fetch_outline.clone();
                move |()| { fetch_outline(); ask() }
            } />
            {move || match outline.get() {
                Some(Err(error)) => {
                    let fetch_outline = fetch_outline.clone();
                    Some(view! { <ErrorView error on_retry=move || fetch_outline() /> }.into_any())
                }
                _ => None,
            }}
            <When when=move || !session.is_signed_in(clock.now_ms())>
                <SignIn />
            </When>
        </CampaignDetails>
    }
}

/// A campaign as the resident reads it: its name, then `children` (what claiming needs), then
/// its offers, first-come on the first screen; the rounds and release times follow, folded.
/// Times are the campaign's own local times.
#[component]
pub fn CampaignDetails(
    #[prop(into)] campaign: Arc<Campaign>,
    /// The campaign's live stock; without it each tier shows its state from the schedule alone.
    #[prop(optional)]
    stock: Option<RwSignal<StockMap>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let Campaign { id, name, city, channel, time_zone, rounds, release, .. } = &*campaign;
    let (id, name, city, channel, time_zone) = (id.clone(), name.clone(), city.clone(), channel.clone(), time_zone.clone());
    let (rounds, release) = (rounds.clone(), release.clone());
    let shared = campaign;

    let release_text = move || {
        let t = i18n.t();
        match &release {
            ReleaseSchedule::Daily { at, first_day_at: Some(first) } => (t.release_daily_first_day)(&first.to_string(), &at.to_string()),
            ReleaseSchedule::Daily { at, first_day_at: None } => (t.release_daily)(&at.to_string()),
            ReleaseSchedule::OncePerRound => t.release_once.to_owned(),
        }
    };
    let zone_note = {
        let city = city.clone();
        move || (i18n.t().times_in_zone)(city.get(i18n.lang()), &time_zone)
    };

    view! {
        <article class="campaign">
            <header class="campaign-header">
                <p class="campaign-city">{move || city.get(i18n.lang()).to_owned()}</p>
                <h1>{move || name.get(i18n.lang()).to_owned()}</h1>
                <p class="campaign-channel">{move || (i18n.t().campaign_channel)(channel.get(i18n.lang()))}</p>
            </header>
            {children.map(|children| view! { <Later>{children()}</Later> }.into_any())}
            {(0..shared.themes.len()).map(|theme_index| {
                let shared = Arc::clone(&shared);
                view! { <Later>{theme_section(shared, theme_index, stock)}</Later> }
            }).collect_view()}
            <Later>
            <details class="campaign-when">
                <summary><h2>{move || i18n.t().campaign_rounds}</h2></summary>
                <ul class="rounds">
                    {rounds.into_iter().map(|round| {
                        let (opens, closes) = (round.opens.to_string(), round.closes.to_string());
                        let assumed = shared.is_assumed(Figure::RoundTimes, &round.id);
                        view! {
                            <li>
                                <strong>{move || round.name.get(i18n.lang()).to_owned()}</strong>" "
                                {move || (i18n.t().round_window)(&opens, &closes)}
                                {move || if assumed { i18n.t().assumed_mark } else { "" }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p>{move || release_text()}</p>
                <p class="note">{move || zone_note()}</p>
            </details>
            // A page the service draws (no wasm): the router must let the browser load it.
            <p class="campaign-figures">
                <a href=format!("campaigns/{id}/figures") rel="external">{move || i18n.t().open_figures}</a>
            </p>
            </Later>
        </article>
    }
}

/// One theme of `campaign` (the `theme_index`th): its name, what its vouchers buy, and its offers,
/// each with its live state and claim button.
fn theme_section(campaign: Arc<Campaign>, theme_index: usize, stock: Option<RwSignal<StockMap>>) -> AnyView {
    let i18n = use_i18n();
    let shared = campaign;
    let theme = &shared.themes[theme_index];
    let heading_id = format!("theme-{}", theme.id);
    let labelled_by = heading_id.clone();
    let later_rounds_leftover = shared.theme_rounds(theme).any(|round| round.stock == RoundStock::LeftoverOnly);
    let window_assumed = shared.is_assumed(Figure::ClaimWindow, &theme.id);
    let fair_start_s = theme.rules.fair_start_s;
    let (theme_name, theme_scope) = (theme.name.clone(), theme.scope.clone());
    let tiers = theme
        .tiers
        .iter()
        .map(|tier| {
            let figures = CardFigures {
                stock_assumed: shared.is_assumed(Figure::Stock, &tier.id),
                amounts_assumed: shared.is_assumed(Figure::Amounts, &tier.id),
                later_rounds_leftover,
            };
            let (shared, tier) = (Arc::clone(&shared), tier.clone());
            // Each card a piece of its own: a theme's cards built at once were one long task.
            view! {
                <Later>
                    {
                        // Tiers handed out only in packs have no state of their own.
                        let controls = (tier.stock_per_release > 0)
                            .then(|| offer_controls(&shared, theme_index, &tier.id, tier.stock_per_release, stock));
                        view! { <TierCard tier figures>{controls}</TierCard> }
                    }
                </Later>
            }
        })
        .collect_view();
    let packs = theme
        .packs
        .iter()
        .map(|pack| {
            let controls = offer_controls(&shared, theme_index, &pack.id, pack.stock_per_release, stock);
            let figures =
                CardFigures { stock_assumed: shared.is_assumed(Figure::Stock, &pack.id), later_rounds_leftover, ..CardFigures::default() };
            view! {
                <PackCard pack=pack.clone() tiers=theme.tiers.clone() categories=shared.categories.clone() figures>
                    {controls}
                </PackCard>
            }
        })
        .collect_view();
    view! {
        <section class="theme" aria-labelledby=labelled_by>
            <h2 id=heading_id>{move || theme_name.get(i18n.lang()).to_owned()}</h2>
            <p class="theme-scope">{move || theme_scope.get(i18n.lang()).to_owned()}</p>
            {window_assumed.then(|| view! { <p class="note">{move || i18n.t().claim_window_assumed}</p> }.into_any())}
            {(fair_start_s > 0).then(|| view! { <p class="note fair-start">{move || (i18n.t().fair_start_note)(fair_start_s)}</p> }.into_any())}
            <ul class="tiers">{tiers}{packs}</ul>
        </section>
    }
    .into_any()
}

/// An offer's live state in words and its claim button, which share one state (its stock from
/// `stock`, the campaign's live stock, when there is one).
fn offer_controls(
    campaign: &Arc<Campaign>,
    theme_index: usize,
    offer_id: &str,
    stock_per_release: u32,
    stock: Option<RwSignal<StockMap>>,
) -> impl IntoView + use<> {
    let live = {
        let offer_id = offer_id.to_owned();
        Signal::derive(move || stock.and_then(|stock| stock.with(|map| map.get(&offer_id).copied())))
    };
    let offer_state = use_offer_state(Arc::clone(campaign), theme_index, stock_per_release, live);
    view! {
        <OfferStatus campaign=Arc::clone(campaign) offer_id=offer_id.to_owned() offer_state />
        <ClaimButton campaign=Arc::clone(campaign) theme=theme_index offer_id=offer_id.to_owned() offer_state />
    }
}
