//! The resident's own history in a campaign, read from their wallet, so each tier can say
//! before any tap whether a limit already refuses them ("claimed today", "used before"): the
//! same rule the service applies (`Campaign::limit_refusal`), decided the same way.

use std::sync::Arc;

use huiquan_core::{Campaign, History, PastClaim, PastUse, api::WalletClaim, civil::Instant};
use leptos::prelude::*;

use crate::{api, clock::use_server_clock, scoped::spawn_scoped, session::use_session};

/// The round a moment belongs to: the one open then, else the last one opened before it.
fn round_at(campaign: &Campaign, at: Instant) -> usize {
    let offset = campaign.utc_offset;
    let opened: Vec<usize> = (0..campaign.rounds.len()).filter(|&index| campaign.rounds[index].opens.to_instant(offset) <= at).collect();
    opened.iter().copied().find(|&index| at < campaign.rounds[index].closes.to_instant(offset)).or(opened.last().copied()).unwrap_or(0)
}

/// The history of `campaign` in a wallet: one claim per claimed offer (a pack's vouchers share
/// theirs), one use per used voucher.
pub fn history_from_wallet(campaign: &Campaign, wallet: &[WalletClaim]) -> History {
    let mut history = History::default();
    for voucher in wallet.iter().filter(|voucher| voucher.campaign == campaign.id) {
        let claimed_at = Instant(voucher.claimed_at_ms);
        let claim = PastClaim { offer: voucher.offer.clone(), round: round_at(campaign, claimed_at), claimed_at };
        if !history.claims.contains(&claim) {
            history.claims.push(claim);
        }
        if let Some(used_at_ms) = voucher.used_at_ms {
            let used_at = Instant(used_at_ms);
            history.uses.push(PastUse { tier: voucher.tier.clone(), round: round_at(campaign, used_at), used_at });
        }
    }
    history
}

/// The signed-in resident's history, shared with every claim button of the page.
#[derive(Clone, Copy)]
pub struct ResidentHistory {
    pub history: RwSignal<History>,
    /// Bumped to read the wallet again (after a claim).
    pub refresh: RwSignal<u32>,
}

/// Reads the wallet whenever the resident signs in or a claim settles, and provides the history.
pub fn provide_resident_history(campaign: Arc<Campaign>) -> ResidentHistory {
    let session = use_session();
    let clock = use_server_clock();
    let resident = ResidentHistory { history: RwSignal::new(History::default()), refresh: RwSignal::new(0) };
    provide_context(resident);
    // Claiming for a relative (代领): their history, which their limits count.
    let claiming_for = crate::family::use_claiming_for();
    Effect::new(move |read_for: Option<Option<(i64, Option<i64>)>>| {
        resident.refresh.track();
        let signed_in = session.signed_in(clock.now_ms());
        let relative = claiming_for.relative(signed_in.as_ref().map(|signed_in| signed_in.resident)).map(|relative| relative.resident);
        let reading_for = signed_in.as_ref().map(|signed_in| (signed_in.resident, relative));
        // Signed out, or someone else: nothing of the last resident's history is shown meanwhile.
        if read_for.is_some_and(|read_for| read_for != reading_for) {
            resident.history.set(History::default());
        }
        let Some(token) = signed_in.map(|signed_in| signed_in.token) else { return reading_for };
        let campaign = Arc::clone(&campaign);
        // Scoped to the effect: a newer read (or the page leaving) drops this one.
        spawn_scoped(async move {
            match api::wallet(&token, relative).await {
                Ok(wallet) => resident.history.set(history_from_wallet(&campaign, &wallet)),
                Err(error) => {
                    // Without the wallet the service still decides; the tier just says less.
                    session.clear_if_refused(&error);
                }
            }
        });
        reading_for
    });
    resident
}
