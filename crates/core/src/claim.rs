//! The claim decision: may this resident claim this offer now, and what do they get?
//!
//! The service calls [`Campaign::decide_claim`] inside the transaction that takes the stock, with
//! the resident's whole history in the campaign; the app calls it to explain a refusal before a
//! tap is wasted. The order of the checks is the order a resident would want to hear them: is it
//! open at all, may I take part, am I in the city, have I had mine, is any left.

use serde::{Deserialize, Serialize};

use crate::{Area, Campaign, Offer, Period, Theme, Verdict, civil::Instant, wire::required};

/// What the service knows about the resident, beyond their history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claimant {
    pub real_name_verified: bool,
    pub enterprise: bool,
    /// The allowlists the resident is on (e.g. `housing-fair-2022`).
    #[serde(default)]
    pub allowlists: Vec<String>,
}

/// A claim being asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimRequest<'a> {
    pub offer: &'a str,
    pub now: Instant,
    /// Where the resident is, as the service located the fix they sent; `None` without a fix.
    pub location: Option<Verdict>,
    /// For in-store claims: the category of the store whose claim code was scanned.
    pub store_category: Option<&'a str>,
}

/// A claim made earlier, by this resident or anyone the "same user" rule makes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastClaim {
    pub offer: String,
    /// Index into [`Campaign::rounds`].
    pub round: usize,
    pub claimed_at: Instant,
}

/// A voucher that counts as used: redeemed, and not restored by a full refund.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastUse {
    pub tier: String,
    pub round: usize,
    pub used_at: Instant,
}

/// A resident's history in one campaign.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub claims: Vec<PastClaim>,
    pub uses: Vec<PastUse>,
}

/// What a successful claim hands out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub offer: String,
    pub round: usize,
    /// The release the stock comes from: stock is counted per offer and release.
    pub release_opens: Instant,
    pub vouchers: Vec<GrantedVoucher>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedVoucher {
    pub tier: String,
    pub expires: Instant,
}

/// Why a claim is refused. [`Refusal::code`] is the stable code of the service's problem+json.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
    #[error("the campaign has no such offer")]
    UnknownOffer,
    #[error("not open yet")]
    NotOpenYet { opens: Instant },
    #[error("between rounds")]
    RoundOver { next_round_opens: Option<Instant> },
    #[error("the campaign is over")]
    CampaignOver,
    #[error("sold out")]
    SoldOut { next_release: Option<Instant> },
    #[error("a real-name verified account is required")]
    RealNameRequired,
    #[error("enterprise accounts may not take part")]
    EnterpriseExcluded,
    #[error("only for residents on the {list} list")]
    NotOnAllowlist { list: String },
    #[error("claimed by scanning the code in a participating store")]
    StoreRequired,
    #[error("the location is needed to claim")]
    LocationRequired,
    #[error("outside the city")]
    OutsideArea,
    #[error("too close to the city's border to tell")]
    LocationUncertain,
    #[error("the location is not precise enough")]
    LocationInaccurate,
    #[error("already claimed in this {period:?}")]
    AlreadyClaimed { period: Period, again_at: Option<Instant> },
    /// The use limit is reached: for good (`period` Campaign), or until the next day or round
    /// brings a claim again (`again_at`, Tianjin retail: one use per tier per day).
    #[error("used before in this {period:?}")]
    UsedBefore { period: Period, again_at: Option<Instant> },
}

/// Decoded flat, without serde's buffering (see `wire`).
impl<'de> Deserialize<'de> for Refusal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Refusal, D::Error> {
        #[derive(Clone, Copy)]
        enum Code {
            UnknownOffer,
            NotOpenYet,
            RoundOver,
            CampaignOver,
            SoldOut,
            RealNameRequired,
            EnterpriseExcluded,
            NotOnAllowlist,
            StoreRequired,
            LocationRequired,
            OutsideArea,
            LocationUncertain,
            LocationInaccurate,
            AlreadyClaimed,
            UsedBefore,
        }
        crate::wire::unit_enum_names!(Code { "unknown_offer" => Code::UnknownOffer, "not_open_yet" => Code::NotOpenYet, "round_over" => Code::RoundOver, "campaign_over" => Code::CampaignOver, "sold_out" => Code::SoldOut, "real_name_required" => Code::RealNameRequired, "enterprise_excluded" => Code::EnterpriseExcluded, "not_on_allowlist" => Code::NotOnAllowlist, "store_required" => Code::StoreRequired, "location_required" => Code::LocationRequired, "outside_area" => Code::OutsideArea, "location_uncertain" => Code::LocationUncertain, "location_inaccurate" => Code::LocationInaccurate, "already_claimed" => Code::AlreadyClaimed, "used_before" => Code::UsedBefore });
        #[derive(Deserialize)]
        struct Wire {
            code: Code,
            opens: Option<Instant>,
            next_round_opens: Option<Instant>,
            next_release: Option<Instant>,
            list: Option<String>,
            period: Option<Period>,
            again_at: Option<Instant>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(match wire.code {
            Code::UnknownOffer => Refusal::UnknownOffer,
            Code::NotOpenYet => Refusal::NotOpenYet { opens: required(wire.opens, "opens")? },
            Code::RoundOver => Refusal::RoundOver { next_round_opens: wire.next_round_opens },
            Code::CampaignOver => Refusal::CampaignOver,
            Code::SoldOut => Refusal::SoldOut { next_release: wire.next_release },
            Code::RealNameRequired => Refusal::RealNameRequired,
            Code::EnterpriseExcluded => Refusal::EnterpriseExcluded,
            Code::NotOnAllowlist => Refusal::NotOnAllowlist { list: required(wire.list, "list")? },
            Code::StoreRequired => Refusal::StoreRequired,
            Code::LocationRequired => Refusal::LocationRequired,
            Code::OutsideArea => Refusal::OutsideArea,
            Code::LocationUncertain => Refusal::LocationUncertain,
            Code::LocationInaccurate => Refusal::LocationInaccurate,
            Code::AlreadyClaimed => Refusal::AlreadyClaimed { period: required(wire.period, "period")?, again_at: wire.again_at },
            Code::UsedBefore => Refusal::UsedBefore { period: required(wire.period, "period")?, again_at: wire.again_at },
        })
    }
}

impl Refusal {
    /// The stable machine code (`sold_out`, `already_claimed` …).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownOffer => "unknown_offer",
            Refusal::NotOpenYet { .. } => "not_open_yet",
            Refusal::RoundOver { .. } => "round_over",
            Refusal::CampaignOver => "campaign_over",
            Refusal::SoldOut { .. } => "sold_out",
            Refusal::RealNameRequired => "real_name_required",
            Refusal::EnterpriseExcluded => "enterprise_excluded",
            Refusal::NotOnAllowlist { .. } => "not_on_allowlist",
            Refusal::StoreRequired => "store_required",
            Refusal::LocationRequired => "location_required",
            Refusal::OutsideArea => "outside_area",
            Refusal::LocationUncertain => "location_uncertain",
            Refusal::LocationInaccurate => "location_inaccurate",
            Refusal::AlreadyClaimed { .. } => "already_claimed",
            Refusal::UsedBefore { .. } => "used_before",
        }
    }
}

impl Campaign {
    /// Decides a claim. `stock_left` is what is left of the offer in the release open at
    /// `request.now` (ask [`Campaign::open_release`] which one that is).
    pub fn decide_claim(
        &self,
        claimant: &Claimant,
        request: &ClaimRequest<'_>,
        history: &History,
        stock_left: u32,
    ) -> Result<Grant, Refusal> {
        let (theme, offer) = self.offer(request.offer).ok_or(Refusal::UnknownOffer)?;
        let now = request.now;
        let Some(release) = self.open_release(theme, now) else {
            return Err(match self.offer_state(theme, now, 0) {
                crate::schedule::TierState::Upcoming { opens } => Refusal::NotOpenYet { opens },
                crate::schedule::TierState::RoundOver { next_round_opens } => Refusal::RoundOver { next_round_opens },
                _ => Refusal::CampaignOver,
            });
        };
        self.check_eligibility(theme, claimant, request)?;
        self.check_limits(theme, offer, release.round, now, history)?;
        if stock_left == 0 {
            let next_release = self.releases(theme).into_iter().find(|next| next.opens > now).map(|next| next.opens);
            return Err(Refusal::SoldOut { next_release });
        }
        let vouchers = theme
            .vouchers_of(offer)
            .into_iter()
            .map(|tier| {
                // Validation guarantees a deadline for every round; a missing one is the round's close.
                let expires = self
                    .voucher_expiry(theme, release.round, now)
                    .unwrap_or_else(|| self.rounds[release.round].closes.to_instant(self.utc_offset));
                GrantedVoucher { tier: tier.id.clone(), expires }
            })
            .collect();
        Ok(Grant { offer: offer.id().to_owned(), round: release.round, release_opens: release.opens, vouchers })
    }

    /// The resident's own standing with an offer at `now`, from their history alone: whether
    /// a limit already refuses them (`AlreadyClaimed` with when they may claim again, or
    /// `UsedBefore`). The app shows it on each tier before any tap; `None` when no limit refuses.
    /// Between releases it answers for the round the next release belongs to.
    pub fn limit_refusal(&self, offer_id: &str, now: Instant, history: &History) -> Option<Refusal> {
        let (theme, offer) = self.offer(offer_id)?;
        let releases = self.releases(theme);
        let round = releases.iter().find(|release| now < release.closes).or(releases.last()).map(|release| release.round)?;
        self.check_limits(theme, offer, round, now, history).err()
    }

    fn check_eligibility(&self, theme: &Theme, claimant: &Claimant, request: &ClaimRequest<'_>) -> Result<(), Refusal> {
        let rules = &theme.rules.eligibility;
        if rules.real_name && !claimant.real_name_verified {
            return Err(Refusal::RealNameRequired);
        }
        if rules.exclude_enterprise && claimant.enterprise {
            return Err(Refusal::EnterpriseExcluded);
        }
        if let Some(list) = &rules.allowlist
            && !claimant.allowlists.contains(list)
        {
            return Err(Refusal::NotOnAllowlist { list: list.clone() });
        }
        if rules.in_store {
            let accepted = request
                .store_category
                .is_some_and(|category| theme.merchant_categories.is_empty() || theme.merchant_categories.iter().any(|id| id == category));
            if !accepted {
                return Err(Refusal::StoreRequired);
            }
        }
        if rules.area == Area::City {
            match request.location {
                None => return Err(Refusal::LocationRequired),
                Some(Verdict::Inside { .. }) => {}
                Some(Verdict::Outside { .. }) => return Err(Refusal::OutsideArea),
                Some(Verdict::Uncertain { .. }) => return Err(Refusal::LocationUncertain),
                Some(Verdict::TooInaccurate { .. }) => return Err(Refusal::LocationInaccurate),
            }
        }
        Ok(())
    }

    fn check_limits(&self, theme: &Theme, offer: Offer<'_>, round: usize, now: Instant, history: &History) -> Result<(), Refusal> {
        let offset = self.utc_offset;
        let today = now.to_civil(offset).map(|civil| civil.date);
        let same_period = |period: Period, other_round: usize, other_at: Instant| match period {
            Period::Day => today.is_some() && other_at.to_civil(offset).map(|civil| civil.date) == today,
            Period::Round => other_round == round,
            Period::Campaign => true,
        };
        if let Some(limit) = theme.rules.use_limit {
            for tier in theme.vouchers_of(offer) {
                let used =
                    history.uses.iter().filter(|past| past.tier == tier.id && same_period(limit.per, past.round, past.used_at)).count();
                if used >= limit.count as usize {
                    return Err(Refusal::UsedBefore {
                        period: limit.per,
                        again_at: self.next_period_release(theme, limit.per, round, now),
                    });
                }
            }
        }
        let limit = theme.rules.claim_limit;
        let claimed =
            history.claims.iter().filter(|past| past.offer == offer.id() && same_period(limit.per, past.round, past.claimed_at)).count();
        if claimed >= limit.count as usize {
            return Err(Refusal::AlreadyClaimed { period: limit.per, again_at: self.next_period_release(theme, limit.per, round, now) });
        }
        Ok(())
    }

    /// The first release of the theme in the next `period` (tomorrow's, the next round's): when
    /// a limit counted per that period allows a claim again. `None` for the whole campaign, or
    /// when no such release is left.
    fn next_period_release(&self, theme: &Theme, period: Period, round: usize, now: Instant) -> Option<Instant> {
        let offset = self.utc_offset;
        let today = now.to_civil(offset).map(|civil| civil.date)?;
        let releases = self.releases(theme).into_iter().filter(|next| next.opens > now);
        match period {
            Period::Day => {
                releases.into_iter().find(|next| next.opens.to_civil(offset).is_some_and(|civil| civil.date > today)).map(|next| next.opens)
            }
            Period::Round => releases.into_iter().find(|next| next.round != round).map(|next| next.opens),
            Period::Campaign => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{JINCHENG, LIAOCHENG, SHENYANG, TIANJIN, at, load};

    const INSIDE: Option<Verdict> = Some(Verdict::Inside { border_m: 5_000.0 });

    fn request(offer: &str, now: &str) -> ClaimRequest<'static> {
        let offer: &'static str = Box::leak(offer.to_owned().into_boxed_str());
        ClaimRequest { offer, now: at(now), location: INSIDE, store_category: None }
    }

    fn verified() -> Claimant {
        Claimant { real_name_verified: true, enterprise: false, allowlists: vec![] }
    }

    /// Claims in order, recording each grant in the history as the service would.
    fn claim(campaign: &Campaign, claimant: &Claimant, history: &mut History, request: &ClaimRequest<'_>) -> Result<Grant, Refusal> {
        let grant = campaign.decide_claim(claimant, request, history, 10)?;
        history.claims.push(PastClaim { offer: grant.offer.clone(), round: grant.round, claimed_at: request.now });
        Ok(grant)
    }

    #[test]
    fn tianjin_one_claim_per_tier_per_day_and_an_unused_one_again_tomorrow() {
        let campaign = load(TIANJIN);
        let mut history = History::default();
        let grant = claim(&campaign, &verified(), &mut history, &request("appliances-200-20", "2022-08-21T09:30")).expect("claimed");
        assert_eq!(grant.vouchers, [GrantedVoucher { tier: "appliances-200-20".into(), expires: at("2022-08-22T00:00") }]);
        assert_eq!(
            claim(&campaign, &verified(), &mut history, &request("appliances-200-20", "2022-08-21T18:00")),
            Err(Refusal::AlreadyClaimed { period: Period::Day, again_at: Some(at("2022-08-22T09:30")) })
        );
        // Another tier the same day is its own limit.
        assert!(claim(&campaign, &verified(), &mut history, &request("appliances-300-30", "2022-08-21T18:00")).is_ok());
        // Unused today: claimable again tomorrow (当日已领取未使用的消费券次日可重新领取).
        assert!(claim(&campaign, &verified(), &mut history, &request("appliances-200-20", "2022-08-22T09:30")).is_ok());
    }

    #[test]
    fn tianjin_an_appliance_voucher_used_once_is_never_claimed_again_but_retail_is_daily() {
        let campaign = load(TIANJIN);
        let mut history = History::default();
        claim(&campaign, &verified(), &mut history, &request("appliances-200-20", "2022-08-21T09:30")).expect("claimed");
        claim(&campaign, &verified(), &mut history, &request("retail-100-10", "2022-08-21T09:30")).expect("claimed");
        history.uses.push(PastUse { tier: "appliances-200-20".into(), round: 0, used_at: at("2022-08-21T12:00") });
        history.uses.push(PastUse { tier: "retail-100-10".into(), round: 0, used_at: at("2022-08-21T12:00") });
        assert_eq!(
            claim(&campaign, &verified(), &mut history, &request("appliances-200-20", "2022-09-05T09:30")),
            Err(Refusal::UsedBefore { period: Period::Campaign, again_at: None })
        );
        assert!(claim(&campaign, &verified(), &mut history, &request("retail-100-10", "2022-08-22T09:30")).is_ok());
    }

    #[test]
    fn tianjin_retail_used_today_says_it_is_claimed_again_tomorrow_at_0930() {
        // 同一用户每日每种面额消费券均可领取并使用一张: a use today is no ban for good. The
        // refusal used to carry no time, and the app read it as "never again".
        let campaign = load(TIANJIN);
        let mut history = History::default();
        claim(&campaign, &verified(), &mut history, &request("retail-100-10", "2022-08-21T09:30")).expect("claimed");
        history.uses.push(PastUse { tier: "retail-100-10".into(), round: 0, used_at: at("2022-08-21T12:00") });
        let refusal = Err(Refusal::UsedBefore { period: Period::Day, again_at: Some(at("2022-08-22T09:30")) });
        assert_eq!(claim(&campaign, &verified(), &mut history, &request("retail-100-10", "2022-08-21T13:00")), refusal);
        assert_eq!(campaign.limit_refusal("retail-100-10", at("2022-08-21T13:00"), &history), refusal.err());
        // The last day of round 1: the next day's release is round 2's first, four days later.
        let mut history = History::default();
        history.uses.push(PastUse { tier: "retail-100-10".into(), round: 0, used_at: at("2022-08-28T12:00") });
        assert_eq!(
            campaign.limit_refusal("retail-100-10", at("2022-08-28T13:00"), &history),
            Some(Refusal::UsedBefore { period: Period::Day, again_at: Some(at("2022-09-01T09:30")) })
        );
    }

    #[test]
    fn the_location_must_be_certainly_inside() {
        let campaign = load(TIANJIN);
        let history = History::default();
        let mut asking = request("retail-100-10", "2022-08-21T10:00");
        let mut decide = |location| {
            asking.location = location;
            campaign.decide_claim(&verified(), &asking, &history, 10).map(|_| ())
        };
        assert_eq!(decide(None), Err(Refusal::LocationRequired));
        assert_eq!(decide(Some(Verdict::Outside { border_m: 900.0 })), Err(Refusal::OutsideArea));
        assert_eq!(decide(Some(Verdict::Uncertain { centre_inside: true, border_m: 10.0 })), Err(Refusal::LocationUncertain));
        assert_eq!(decide(Some(Verdict::TooInaccurate { accuracy_m: 9_000.0, max_accuracy_m: 3_000.0 })), Err(Refusal::LocationInaccurate));
        assert_eq!(decide(INSIDE), Ok(()));
    }

    #[test]
    fn outside_the_windows_the_refusal_says_when() {
        let campaign = load(TIANJIN);
        let history = History::default();
        let decide = |now: &str| campaign.decide_claim(&verified(), &request("retail-100-10", now), &history, 10).map(|_| ());
        assert_eq!(decide("2022-08-21T09:29"), Err(Refusal::NotOpenYet { opens: at("2022-08-21T09:30") }));
        assert_eq!(decide("2022-08-30T12:00"), Err(Refusal::RoundOver { next_round_opens: Some(at("2022-09-01T09:30")) }));
        assert_eq!(decide("2022-09-12T00:00"), Err(Refusal::CampaignOver));
        assert_eq!(
            campaign.decide_claim(&verified(), &request("retail-100-10", "2022-08-21T10:00"), &history, 0).map(|_| ()),
            Err(Refusal::SoldOut { next_release: Some(at("2022-08-22T09:30")) })
        );
        assert_eq!(
            campaign.decide_claim(&verified(), &request("no-such-tier", "2022-08-21T10:00"), &history, 1).map(|_| ()),
            Err(Refusal::UnknownOffer)
        );
    }

    #[test]
    fn shenyang_general_vouchers_once_per_period_valid_to_next_thursday() {
        let campaign = load(SHENYANG);
        let mut history = History::default();
        // Saturday 2022-06-11, in period 1 (Friday 6/10 – Thursday 6/16).
        let grant = claim(&campaign, &verified(), &mut history, &request("general-200-50", "2022-06-11T08:00")).expect("claimed");
        assert_eq!(grant.vouchers[0].expires, at("2022-06-17T00:00"));
        assert!(matches!(
            claim(&campaign, &verified(), &mut history, &request("general-200-50", "2022-06-16T23:00")),
            Err(Refusal::AlreadyClaimed { period: Period::Round, again_at: Some(opens) }) if opens == at("2022-06-17T10:00")
        ));
        assert!(claim(&campaign, &verified(), &mut history, &request("general-200-50", "2022-06-17T10:00")).is_ok());
    }

    #[test]
    fn shenyang_excludes_enterprises_and_unverified_accounts() {
        let campaign = load(SHENYANG);
        let history = History::default();
        let general = request("general-30-10", "2022-06-11T10:00");
        let enterprise = Claimant { enterprise: true, ..verified() };
        assert_eq!(campaign.decide_claim(&enterprise, &general, &history, 1).map(|_| ()), Err(Refusal::EnterpriseExcluded));
        assert_eq!(campaign.decide_claim(&Claimant::default(), &general, &history, 1).map(|_| ()), Err(Refusal::RealNameRequired));
        // Specialty vouchers: nationwide JD users, no location needed, but still no enterprises.
        let mut specialty = request("specialty-100-15", "2022-06-11T10:00");
        specialty.location = None;
        assert!(campaign.decide_claim(&Claimant::default(), &specialty, &history, 1).is_ok());
        assert_eq!(campaign.decide_claim(&enterprise, &specialty, &history, 1).map(|_| ()), Err(Refusal::EnterpriseExcluded));
    }

    #[test]
    fn shenyang_housing_fair_pack_only_for_the_allowlist_and_once() {
        let campaign = load(SHENYANG);
        let mut history = History::default();
        let mut fair = request("fair-pack-2000", "2022-06-18T10:00");
        fair.location = None;
        assert_eq!(
            campaign.decide_claim(&verified(), &fair, &history, 1).map(|_| ()),
            Err(Refusal::NotOnAllowlist { list: "shenyang-housing-fair-2022".into() })
        );
        let buyer = Claimant { allowlists: vec!["shenyang-housing-fair-2022".into()], ..verified() };
        let grant = claim(&campaign, &buyer, &mut history, &fair).expect("a buyer on the list");
        let tiers: Vec<&str> = grant.vouchers.iter().map(|voucher| voucher.tier.as_str()).collect();
        assert_eq!(tiers, ["fair-1000", "fair-500", "fair-500"], "one pack, three vouchers, 2,000 yuan");
        assert!(grant.vouchers.iter().all(|voucher| voucher.expires == at("2022-09-01T00:00")));
        fair.now = at("2022-06-20T10:00");
        assert!(matches!(claim(&campaign, &buyer, &mut history, &fair), Err(Refusal::AlreadyClaimed { period: Period::Campaign, .. })));
    }

    #[test]
    fn shenyang_appliance_vouchers_are_claimed_in_an_appliance_store() {
        let campaign = load(SHENYANG);
        let history = History::default();
        let mut asking = request("appliances-2000-200", "2022-06-12T10:30");
        assert_eq!(campaign.decide_claim(&verified(), &asking, &history, 1).map(|_| ()), Err(Refusal::StoreRequired));
        asking.store_category = Some("supermarket");
        assert_eq!(campaign.decide_claim(&verified(), &asking, &history, 1).map(|_| ()), Err(Refusal::StoreRequired));
        asking.store_category = Some("electronics");
        assert!(campaign.decide_claim(&verified(), &asking, &history, 1).is_ok());
        // Only in periods 1–3 (6/10–6/30).
        asking.now = at("2022-07-02T10:30");
        assert!(matches!(campaign.decide_claim(&verified(), &asking, &history, 1), Err(Refusal::CampaignOver)));
    }

    #[test]
    fn liaocheng_one_of_each_tier_per_round_with_the_rounds_own_deadline() {
        let campaign = load(LIAOCHENG);
        let mut history = History::default();
        let grant = claim(&campaign, &verified(), &mut history, &request("single-2000-300", "2024-01-27T10:00")).expect("claimed");
        assert_eq!(grant.vouchers[0].expires, at("2024-02-02T00:00"));
        assert!(claim(&campaign, &verified(), &mut history, &request("single-5000-500", "2024-01-27T10:00")).is_ok());
        assert!(matches!(
            claim(&campaign, &verified(), &mut history, &request("single-2000-300", "2024-01-28T10:00")),
            Err(Refusal::AlreadyClaimed { period: Period::Round, again_at: Some(opens) }) if opens == at("2024-02-03T10:00")
        ));
        let grant = claim(&campaign, &verified(), &mut history, &request("single-2000-300", "2024-02-07T11:00")).expect("round 3");
        assert_eq!(grant.vouchers[0].expires, at("2024-02-09T12:00"));
        assert_eq!(grant.round, 2);
    }

    #[test]
    fn jincheng_a_pack_of_five_once_per_round_valid_to_the_rounds_24_00() {
        // 到4月28日24时，本轮领取还未使用的电子消费券自动失效: the vouchers end with the round.
        let campaign = load(JINCHENG);
        let mut history = History::default();
        let grant = claim(&campaign, &verified(), &mut history, &request("pack-50", "2020-04-22T10:00")).expect("claimed");
        assert_eq!(grant.vouchers.len(), 5);
        assert!(grant.vouchers.iter().all(|voucher| voucher.expires == at("2020-04-29T00:00")));
        assert_eq!(
            claim(&campaign, &verified(), &mut history, &request("pack-50", "2020-04-28T23:00")),
            Err(Refusal::AlreadyClaimed { period: Period::Round, again_at: Some(at("2020-05-06T10:00")) })
        );
        assert!(claim(&campaign, &verified(), &mut history, &request("pack-50", "2020-05-06T10:00")).is_ok());
        assert_eq!(
            campaign.decide_claim(&Claimant::default(), &request("pack-50", "2020-05-07T00:00"), &history, 1).map(|_| ()),
            Err(Refusal::RealNameRequired)
        );
    }

    #[test]
    fn jincheng_rounds_run_into_june_and_open_at_ten_not_midnight() {
        // 从本周开始到6月份结束: the rounds were five weeks back to back, ending in May, and
        // rounds 2-5 opened at 00:00.
        let campaign = load(JINCHENG);
        assert_eq!(campaign.rounds.len(), 5);
        assert_eq!(campaign.rounds.last().map(|round| round.closes.date.month()), Some(6));
        for round in &campaign.rounds {
            assert_eq!(round.opens.time.to_string(), "10:00", "{}", round.id);
            assert_eq!(round.vouchers_expire, Some(round.closes), "{}: the vouchers end with the round", round.id);
            assert!(campaign.is_assumed(crate::Figure::RoundTimes, &round.id), "{}: the notice gives round 1 only", round.id);
        }
        // Between rounds nothing can be claimed, and the page says when the next one opens.
        assert_eq!(
            claim(&campaign, &verified(), &mut History::default(), &request("pack-50", "2020-05-01T12:00")),
            Err(Refusal::RoundOver { next_round_opens: Some(at("2020-05-06T10:00")) })
        );
    }

    #[test]
    fn refusal_codes_are_stable() {
        let json = serde_json::to_value(Refusal::AlreadyClaimed { period: Period::Day, again_at: None }).expect("serialises");
        assert_eq!(json["code"], "already_claimed");
        assert_eq!(Refusal::OutsideArea.code(), "outside_area");
        assert_eq!(Refusal::SoldOut { next_release: None }.code(), "sold_out");
    }

    #[test]
    fn a_residents_own_standing_shows_before_any_tap() {
        let tianjin = load(TIANJIN);
        let offer = tianjin.tiers().next().map(|tier| tier.id.clone()).expect("a tier");
        let morning = "2022-08-22T10:00";
        let mut history = History::default();
        assert_eq!(tianjin.limit_refusal(&offer, at(morning), &history), None, "nothing claimed yet");
        let grant = tianjin.decide_claim(&verified(), &request(&offer, morning), &history, 10).expect("granted");
        history.claims.push(PastClaim { offer: offer.clone(), round: grant.round, claimed_at: at(morning) });
        match tianjin.limit_refusal(&offer, at("2022-08-22T15:00"), &history) {
            Some(Refusal::AlreadyClaimed { period: Period::Day, again_at: Some(again) }) => assert_eq!(again, at("2022-08-23T09:30")),
            other => panic!("claimed today, again tomorrow at 09:30: {other:?}"),
        }
        assert_eq!(tianjin.limit_refusal(&offer, at("2022-08-23T09:31"), &history), None, "a new day");
        assert_eq!(tianjin.limit_refusal("no-such-offer", at(morning), &history), None);
    }
}
