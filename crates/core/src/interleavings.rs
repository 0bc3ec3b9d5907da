//! Property tests: whatever order residents' claims, uses and refunds arrive in, no release is
//! oversold and no resident exceeds a claim, use or till limit.

use std::collections::HashMap;

use proptest::prelude::*;

use crate::{
    Campaign, ClaimRequest, Claimant, History, PastClaim, PastUse, Period, Verdict,
    civil::Instant,
    fixtures::{JINCHENG, LIAOCHENG, TIANJIN, at, load},
    redemption::{HeldVoucher, Order, OrderItem, RefundKind, RefundOutcome, TillContext, refund_outcome},
};

const STOCK: u32 = 3;

struct Voucher {
    resident: usize,
    tier: String,
    round: usize,
    expires: Instant,
    used_at: Option<Instant>,
}

/// A minimal service: the same decisions, applied one operation at a time.
struct Ledger {
    campaign: Campaign,
    claims: Vec<(usize, PastClaim)>,
    issued: HashMap<(String, Instant), u32>,
    vouchers: Vec<Voucher>,
}

impl Ledger {
    fn history(&self, resident: usize) -> History {
        History {
            claims: self.claims.iter().filter(|(who, _)| *who == resident).map(|(_, claim)| claim.clone()).collect(),
            uses: self
                .vouchers
                .iter()
                .filter(|voucher| voucher.resident == resident)
                .filter_map(|voucher| voucher.used_at.map(|used_at| PastUse { tier: voucher.tier.clone(), round: voucher.round, used_at }))
                .collect(),
        }
    }

    fn claim(&mut self, resident: usize, offer: &str, now: Instant) {
        let Some((theme, _)) = self.campaign.offer(offer) else { return };
        let Some(release) = self.campaign.open_release(theme, now) else { return };
        let key = (offer.to_owned(), release.opens);
        let left = STOCK - self.issued.get(&key).copied().unwrap_or(0);
        let request = ClaimRequest { offer, now, location: Some(Verdict::Inside { border_m: 1e4 }), store_category: None };
        let claimant = Claimant { real_name_verified: true, ..Claimant::default() };
        if let Ok(grant) = self.campaign.decide_claim(&claimant, &request, &self.history(resident), left) {
            *self.issued.entry(key).or_default() += 1;
            self.claims.push((resident, PastClaim { offer: grant.offer, round: grant.round, claimed_at: now }));
            for voucher in grant.vouchers {
                self.vouchers.push(Voucher { resident, tier: voucher.tier, round: grant.round, expires: voucher.expires, used_at: None });
            }
        }
    }

    fn spend(&mut self, resident: usize, now: Instant) {
        let today = |instant: Instant| instant.to_civil(self.campaign.utc_offset).map(|civil| civil.date);
        let used_here_today = self
            .vouchers
            .iter()
            .filter(|voucher| voucher.resident == resident && voucher.used_at.is_some_and(|used| today(used) == today(now)))
            .count() as u32;
        let Some(index) =
            self.vouchers.iter().position(|voucher| voucher.resident == resident && voucher.used_at.is_none() && now < voucher.expires)
        else {
            return;
        };
        let voucher = &self.vouchers[index];
        let (theme, tier) = self.campaign.tier(&voucher.tier).expect("issued from the campaign");
        let category = self.campaign.accepting_categories(theme, tier).first().cloned().unwrap_or_else(|| "any".into());
        let big = Order {
            merchant_category: category,
            total: crate::Fen::from_yuan(9_000),
            items: vec![OrderItem { amount: crate::Fen::from_yuan(9_000), product_category: None }],
        };
        let held = HeldVoucher { tier: &voucher.tier, expires: voucher.expires, used: false };
        let context = TillContext { vouchers_on_order: 0, used_here_today };
        if self.campaign.redeem(held, &big, context, now).is_ok() {
            self.vouchers[index].used_at = Some(now);
        }
    }

    fn refund(&mut self, resident: usize, kind: RefundKind, now: Instant) {
        if let Some(voucher) = self.vouchers.iter_mut().rev().find(|voucher| voucher.resident == resident && voucher.used_at.is_some())
            && refund_outcome(kind, voucher.expires, now) == RefundOutcome::Restored
        {
            voucher.used_at = None;
        }
    }

    fn period_key(&self, period: Period, round: usize, instant: Instant) -> i64 {
        match period {
            Period::Day => instant.to_civil(self.campaign.utc_offset).map_or(-1, |civil| civil.date.days_since_epoch()),
            Period::Round => round as i64,
            Period::Campaign => 0,
        }
    }

    fn check(&self) -> Result<(), TestCaseError> {
        for (key, issued) in &self.issued {
            prop_assert!(*issued <= STOCK, "release {key:?} oversold: {issued}");
        }
        let mut claims = HashMap::new();
        for (resident, claim) in &self.claims {
            let (theme, _) = self.campaign.offer(&claim.offer).expect("known offer");
            let limit = theme.rules.claim_limit;
            let count = claims.entry((resident, &claim.offer, self.period_key(limit.per, claim.round, claim.claimed_at))).or_insert(0);
            *count += 1;
            prop_assert!(*count <= limit.count, "resident {resident} claimed {} too often", claim.offer);
        }
        let mut uses = HashMap::new();
        let mut per_day = HashMap::new();
        for voucher in &self.vouchers {
            let Some(used_at) = voucher.used_at else { continue };
            prop_assert!(used_at < voucher.expires, "used after expiry");
            let (theme, _) = self.campaign.tier(&voucher.tier).expect("known tier");
            if let Some(limit) = theme.rules.use_limit {
                let count = uses.entry((voucher.resident, &voucher.tier, self.period_key(limit.per, voucher.round, used_at))).or_insert(0);
                *count += 1;
                prop_assert!(*count <= limit.count, "resident {} used {} too often", voucher.resident, voucher.tier);
            }
            if let Some(limit) = self.campaign.redemption.per_merchant_per_day {
                let count = per_day.entry((voucher.resident, self.period_key(Period::Day, 0, used_at))).or_insert(0);
                *count += 1;
                prop_assert!(*count <= limit, "resident {} over the per-merchant daily limit", voucher.resident);
            }
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
enum Step {
    Claim { resident: usize, offer: usize },
    Spend { resident: usize },
    Refund { resident: usize, full: bool },
}

fn steps() -> impl Strategy<Value = Vec<(Step, i64)>> {
    let step = prop_oneof![
        4 => (0..6usize, 0..3usize).prop_map(|(resident, offer)| Step::Claim { resident, offer }),
        2 => (0..6usize).prop_map(|resident| Step::Spend { resident }),
        1 => (0..6usize, any::<bool>()).prop_map(|(resident, full)| Step::Refund { resident, full }),
    ];
    // Each step comes 0 to 12 hours after the one before.
    proptest::collection::vec((step, 0..720i64), 1..80)
}

fn run(json: &str, offers: &[&str], start: &str, steps: Vec<(Step, i64)>) -> Result<(), TestCaseError> {
    let mut campaign = load(json);
    for theme in &mut campaign.themes {
        for tier in theme.tiers.iter_mut().filter(|tier| tier.stock_per_release > 0) {
            tier.stock_per_release = STOCK;
        }
        for pack in &mut theme.packs {
            pack.stock_per_release = STOCK;
        }
    }
    let mut ledger = Ledger { campaign, claims: vec![], issued: HashMap::new(), vouchers: vec![] };
    let mut now = at(start);
    for (step, minutes) in steps {
        now = Instant(now.0 + minutes * 60_000);
        match step {
            Step::Claim { resident, offer } => ledger.claim(resident, offers[offer % offers.len()], now),
            Step::Spend { resident } => ledger.spend(resident, now),
            Step::Refund { resident, full } => ledger.refund(resident, if full { RefundKind::Full } else { RefundKind::Partial }, now),
        }
        ledger.check()?;
    }
    Ok(())
}

proptest! {
    #[test]
    fn tianjin_limits_hold_in_every_interleaving(steps in steps()) {
        run(TIANJIN, &["retail-100-10", "appliances-200-20", "appliances-gas-stove-400-100"], "2022-08-20T19:50", steps)?;
    }

    #[test]
    fn liaocheng_limits_hold_in_every_interleaving(steps in steps()) {
        run(LIAOCHENG, &["single-2000-300", "single-5000-500", "single-8000-600"], "2024-01-27T10:00", steps)?;
    }

    #[test]
    fn jincheng_limits_hold_in_every_interleaving(steps in steps()) {
        run(JINCHENG, &["pack-50"], "2020-04-22T10:00", steps)?;
    }
}
