//! The claim button of one offer: enabled only when a claim can succeed as far as the app can
//! tell (open, located inside the city, signed in), never twice at once, with every outcome in
//! words announced to screen readers.

use std::sync::Arc;

use huiquan_core::{Area, Campaign, TierState, Verdict, civil::Instant, retry::Backoff};
use leptos::prelude::*;

use crate::{
    claim::{ClaimPhase, claim_words, refusal_words, store_claim_code, use_claim},
    clock::{phone_now_ms, use_server_clock},
    components::{offer_status::OfferState, store_code::claim_code_from_address},
    history::ResidentHistory,
    i18n::use_i18n,
    location::{CurrentLocation, LocationState},
    session::use_session,
};

#[component]
pub fn ClaimButton(
    campaign: Arc<Campaign>,
    theme: usize,
    offer_id: String,
    /// The offer's state ([`use_offer_state`](crate::components::offer_status::use_offer_state)), shared with its status.
    offer_state: OfferState,
) -> impl IntoView {
    let i18n = use_i18n();
    // Elder mode says refusals in plainer words.
    let elder = crate::elder::use_elder_mode();
    let plain = move || elder.is_some_and(|mode| mode.on());
    let session = use_session();
    let clock = use_server_clock();
    let location = use_context::<CurrentLocation>().map(|current| current.0);
    let eligibility = &campaign.themes[theme].rules.eligibility;
    let anywhere = eligibility.area == Area::Nationwide;
    // Claimed in a store (Shenyang's appliance vouchers): with the code its till shows.
    let in_store = eligibility.in_store;
    let store_text = RwSignal::new(if in_store { claim_code_from_address().unwrap_or_default() } else { String::new() });
    let store = move || store_text.with(|text| store_claim_code(text));
    let fix = Signal::derive(move || location.and_then(|state| state.with(LocationState::fix)));
    let claim = use_claim(campaign.id.clone(), offer_id.clone(), Backoff::default());
    let phase = claim.phase;
    let offset = campaign.utc_offset;

    let located = move || {
        anywhere
            || location
                .is_some_and(|state| state.with(|state| matches!(state, LocationState::Judged { verdict: Verdict::Inside { .. }, .. })))
    };
    let signed_in = move || {
        offer_state.now_ms.track();
        session.is_signed_in(clock.now_ms())
    };
    let open = move || matches!(offer_state.state.get(), TierState::Open { .. });
    // A limit that already refuses this resident (claimed today, used before), from their wallet.
    let resident = use_context::<ResidentHistory>();
    let own_refusal = {
        let (campaign, offer_id) = (Arc::clone(&campaign), offer_id.clone());
        Memo::new(move |_| {
            let now = Instant(offer_state.now_ms.get());
            resident.and_then(|resident| resident.history.with(|history| campaign.limit_refusal(&offer_id, now, history)))
        })
    };
    let enabled = move || {
        open()
            && located()
            && signed_in()
            && (!in_store || store().is_some())
            && own_refusal.with(Option::is_none)
            && !phase.with(ClaimPhase::in_flight)
    };
    let hint = move || {
        if phase.with(ClaimPhase::in_flight) {
            None
        } else if let Some(refusal) = own_refusal.get() {
            Some(refusal_words(i18n.t(), &refusal, offset, Instant(offer_state.now_ms.get()), plain()))
        } else if !open() || phase.with(|phase| *phase != ClaimPhase::Ready) {
            None
        } else if !signed_in() {
            Some(i18n.t().claim_needs_sign_in.to_owned())
        } else if !located() {
            Some(i18n.t().claim_needs_location.to_owned())
        } else if in_store && store().is_none() {
            Some(i18n.t().claim_needs_store_code.to_owned())
        } else {
            None
        }
    };
    // A settled claim changes the resident's history: read the wallet again. A granted one is
    // soon shown at a till: the wallet pages' module is fetched now (and kept for offline use).
    Effect::new(move |_| {
        if phase.with(ClaimPhase::settled)
            && let Some(resident) = resident
        {
            resident.refresh.update(|n| *n += 1);
        }
        if phase.with(|phase| matches!(phase, ClaimPhase::Claimed(_))) {
            leptos::task::spawn_local(async {
                let _ = crate::routes::wallet_pages::load().await;
            });
        }
    });
    let label = move || match phase.get() {
        ClaimPhase::Sending { .. } | ClaimPhase::Waiting { .. } => i18n.t().claim_sending,
        ClaimPhase::Stopped => i18n.t().claim_resume,
        _ => i18n.t().claim_button,
    };
    let words = {
        let campaign = Arc::clone(&campaign);
        move || {
            let now = Instant(offer_state.now_ms.get()); // "retrying in N s" counts down
            phase.with(|phase| match (phase, campaign.draw_at(&campaign.themes[theme], now)) {
                // Held for a fair start's draw: said with the second of its result.
                (ClaimPhase::Sending { .. }, Some(draw)) => {
                    let minute = draw.to_civil(offset).map(|civil| civil.time.to_string()).unwrap_or_default();
                    (i18n.t().claim_in_draw)(&format!("{minute}:{:02}", draw.second()))
                }
                _ => claim_words(i18n.t(), phase, offset, phone_now_ms(), plain()),
            })
        }
    };
    // Claimed for a relative (代领): the vouchers are in their wallet.
    let claiming_for = crate::family::use_claiming_for();
    let for_relative = move || claiming_for.relative_untracked(session.resident_untracked()).map(|relative| relative.resident);
    let wallet_href = move || for_relative().map_or_else(|| "wallet".to_owned(), |relative| format!("wallet?for={relative}"));
    let wallet_words = move || if for_relative().is_some() { i18n.t().claim_to_their_wallet } else { i18n.t().claim_to_wallet };
    let receipt = move || match phase.get() {
        ClaimPhase::Claimed(receipt) => Some(
            view! {
                <ul class="claimed-vouchers">
                    {receipt.vouchers.into_iter().map(|voucher| view! { <li><code>{voucher.code}</code></li> }).collect_view()}
                </ul>
                <a class="button secondary" href=wallet_href()>{move || wallet_words()}</a>
            }
            .into_any(),
        ),
        _ => None,
    };
    let stop = claim.stop;
    let send = claim.claim;
    let store_field = in_store.then(|| {
        let id = format!("store-code-{offer_id}");
        // The camera, where the browser reads QR codes: a module of its own (`scanner.rs`).
        let scan = crate::scanner::can_scan().then(|| crate::scanner::scan_button(i18n, id.clone()));
        view! {
            <label class="store-code" for=id.clone()>{move || i18n.t().store_code_label}</label>
            <input
                id=id
                class="store-code"
                type="text"
                autocomplete="off"
                autocapitalize="characters"
                spellcheck="false"
                maxlength="96"
                placeholder="sy-00008.K7QX2M9D"
                value=store_text.get_untracked()
                on:input=move |event| store_text.set(event_target_value(&event))
            />
            {scan}
        }
        .into_any()
    });
    view! {
        <div class="claim" data-offer=offer_id>
            {store_field}
            <button
                type="button"
                class="button claim-button"
                disabled=move || !enabled()
                aria-busy=move || phase.with(ClaimPhase::in_flight).to_string()
                on:click=move |_| send.run((fix.get_untracked(), untrack(store)))
            >
                {move || label()}
            </button>
            {move || hint().map(|hint| view! { <p class="claim-hint">{hint}</p> }.into_any())}
            <p class="claim-words" role="status" aria-live="polite">{move || words()}</p>
            {move || receipt()}
            {move || matches!(phase.get(), ClaimPhase::Waiting { .. }).then(|| view! {
                <button type="button" class="button secondary" on:click=move |_| stop.run(())>{move || i18n.t().claim_stop}</button>
            }.into_any())}
        </div>
    }
}
