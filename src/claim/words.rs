//! Every outcome of a claim as a sentence: which rule refused, and what to do.

use huiquan_core::{
    Period, Refusal,
    civil::{Instant, UtcOffset},
};

use super::ClaimPhase;
use crate::i18n::{Messages, campaign_time as at, campaign_time_from};

/// The sentence for a refusal; times are in the campaign's zone (`offset`), and a claim possible
/// again the day after `now` is said to be "tomorrow". `plain` (elder mode) picks the plainer
/// words where a refusal has them.
pub fn refusal_words(t: &Messages, refusal: &Refusal, offset: UtcOffset, now: Instant, plain: bool) -> String {
    let pick = |usual: &'static str, plainer: &'static str| if plain { plainer } else { usual }.to_owned();
    let again = |again_at: &Option<Instant>| {
        again_at.map(|again| (t.claim_again_at)(&campaign_time_from(t, again, offset, now))).unwrap_or_default()
    };
    match refusal {
        Refusal::UnknownOffer => t.refused_unknown_offer.to_owned(),
        Refusal::NotOpenYet { opens } => (t.refused_not_open_yet)(&at(*opens, offset)),
        Refusal::RoundOver { next_round_opens: Some(next) } => (t.refused_round_over)(&at(*next, offset)),
        Refusal::RoundOver { next_round_opens: None } | Refusal::CampaignOver => t.refused_campaign_over.to_owned(),
        Refusal::SoldOut { next_release: Some(next) } => (t.refused_sold_out)(&at(*next, offset)),
        Refusal::SoldOut { next_release: None } => t.refused_sold_out_final.to_owned(),
        Refusal::RealNameRequired => pick(t.refused_real_name, t.plain_real_name),
        Refusal::EnterpriseExcluded => pick(t.refused_enterprise, t.plain_enterprise),
        Refusal::NotOnAllowlist { .. } => pick(t.refused_allowlist, t.plain_allowlist),
        Refusal::StoreRequired => pick(t.refused_store, t.plain_store),
        Refusal::LocationRequired => t.refused_location_required.to_owned(),
        Refusal::OutsideArea => t.refused_outside.to_owned(),
        Refusal::LocationUncertain => pick(t.refused_uncertain, t.plain_uncertain),
        Refusal::LocationInaccurate => pick(t.refused_inaccurate, t.plain_inaccurate),
        Refusal::AlreadyClaimed { period: Period::Campaign, .. } => t.refused_claimed_campaign.to_owned(),
        Refusal::AlreadyClaimed { period, again_at } => {
            let first = if *period == Period::Day { t.refused_claimed_today } else { t.refused_claimed_round };
            format!("{first}{}", again(again_at))
        }
        // Tianjin's retail vouchers: one use a day, so a use today is not a ban for good.
        Refusal::UsedBefore { period: Period::Campaign, .. } => pick(t.refused_used_before, t.plain_used_before),
        Refusal::UsedBefore { period, again_at } => {
            let first = if *period == Period::Day { t.refused_used_today } else { t.refused_used_round };
            format!("{first}{}", again(again_at))
        }
    }
}

/// The sentence for where a claim stands; `now_ms` is the phone's clock (for "retrying in N s");
/// `plain` as for [`refusal_words`].
pub fn claim_words(t: &Messages, phase: &ClaimPhase, offset: UtcOffset, now_ms: f64, plain: bool) -> String {
    match phase {
        ClaimPhase::Ready => String::new(),
        ClaimPhase::Sending { .. } => t.claim_sending.to_owned(),
        ClaimPhase::Waiting { at_ms, busy, .. } => {
            let seconds = ((at_ms - now_ms) / 1_000.0).ceil().max(0.0) as u32;
            if *busy { (t.claim_waiting_busy)(seconds) } else { (t.claim_waiting_network)(seconds) }
        }
        ClaimPhase::Stopped => t.claim_stopped.to_owned(),
        ClaimPhase::Claimed(receipt) => (t.claim_success)(receipt.vouchers.len() as u32),
        ClaimPhase::Refused(refusal) => refusal_words(t, refusal, offset, Instant(now_ms as i64), plain),
        ClaimPhase::Failed { code } => match code.as_str() {
            "unauthenticated" => t.failed_signed_out.to_owned(),
            "busy" => t.failed_busy.to_owned(),
            "network" => t.failed_network.to_owned(),
            "rate_limited" => t.failed_rate_limited.to_owned(),
            "store_code_expired" | "unknown_store" | "invalid_store_code" => t.failed_store_code.to_owned(),
            other => (t.failed_other)(other),
        },
    }
}
