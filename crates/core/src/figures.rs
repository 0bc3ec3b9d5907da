//! A campaign's open figures (公开透明): vouchers issued, claimed, used, expired and refunded, per
//! tier and per day; the money spent at merchants against the subsidy; when each release sold
//! out. The service counts its records (grouped by day in SQL); what counts as what is decided
//! here, once, so the JSON and the public page say the same.
//!
//! - *Issued* is new money put up: each release's `stock_per_release` (none in a round of
//!   leftovers), counted on the day the release opens, for every release opened so far. Vouchers a
//!   round hands on to the next (Liaocheng, Jincheng) are not issued twice; each release's own
//!   stock, leftovers included, is in `releases`.
//! - *Claimed* on the day of the claim, *used* on the day of the redemption (a voucher whose order
//!   was refunded in full is unused again), *expired* on the day it expired unused, *refunded* on
//!   the day of the refund. Values are face values.
//! - *Spent* is the orders' totals as the tills sent them, each order once, refunded orders left
//!   out; the *subsidy* is what the vouchers took off those orders.

use serde::{Deserialize, Serialize};

use crate::{
    Campaign, Fen, RoundStock,
    civil::{Date, Instant},
};

const MS_PER_DAY: i64 = 86_400_000;

/// A number of vouchers and their face value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    pub count: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub value: Fen,
}

impl Tally {
    fn add(&mut self, count: u64, face_value: Fen) {
        self.count = self.count.saturating_add(count);
        let value = i64::try_from(count).unwrap_or(i64::MAX).saturating_mul(face_value.0);
        self.value = Fen(self.value.0.saturating_add(value));
    }

    fn add_tally(&mut self, other: Tally) {
        self.count = self.count.saturating_add(other.count);
        self.value = Fen(self.value.0.saturating_add(other.value.0));
    }
}

/// What happened to vouchers, each kind counted apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    pub issued: Tally,
    pub claimed: Tally,
    pub used: Tally,
    pub expired: Tally,
    pub refunded: Tally,
}

/// The kinds of [`Counts`], in the order the page shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    Issued,
    Claimed,
    Used,
    Expired,
    Refunded,
}

impl Event {
    pub const ALL: [Event; 5] = [Event::Issued, Event::Claimed, Event::Used, Event::Expired, Event::Refunded];
}

impl Counts {
    pub fn get(&self, event: Event) -> Tally {
        match event {
            Event::Issued => self.issued,
            Event::Claimed => self.claimed,
            Event::Used => self.used,
            Event::Expired => self.expired,
            Event::Refunded => self.refunded,
        }
    }

    fn get_mut(&mut self, event: Event) -> &mut Tally {
        match event {
            Event::Issued => &mut self.issued,
            Event::Claimed => &mut self.claimed,
            Event::Used => &mut self.used,
            Event::Expired => &mut self.expired,
            Event::Refunded => &mut self.refunded,
        }
    }

    fn add_counts(&mut self, other: &Counts) {
        for event in Event::ALL {
            self.get_mut(event).add_tally(other.get(event));
        }
    }
}

/// One day's counts, the day being the campaign's own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCounts {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Date,
    pub counts: Counts,
}

/// One tier's counts in all and per day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierFigures {
    pub tier: String,
    pub totals: Counts,
    pub days: Vec<DayCounts>,
}

/// One release of stock and how it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseFigures {
    pub offer: String,
    pub round: u32,
    pub opens_at_ms: i64,
    /// Units put up, leftovers of the round before included.
    pub stock: u32,
    pub claimed: u32,
    /// When the last unit was claimed, if it was.
    pub sold_out_at_ms: Option<i64>,
}

/// Money spent at merchants in orders that used vouchers, against what the vouchers took off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spending {
    pub orders: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub spent: Fen,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub subsidy: Fen,
}

impl Spending {
    /// Yuan spent per yuan of subsidy, in tenths (Jincheng's notice reports about 12×: 120);
    /// `None` before any subsidy.
    pub fn leverage_tenths(&self) -> Option<i64> {
        (self.subsidy.0 > 0).then(|| self.spent.0.saturating_mul(10) / self.subsidy.0)
    }
}

/// `GET /campaigns/{id}/figures`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignFigures {
    pub campaign: String,
    /// When they were counted.
    pub as_of_ms: i64,
    /// They are served as counted for this long, then counted again (longer for a campaign whose
    /// records take long to count).
    pub fresh_for_s: u32,
    pub totals: Counts,
    /// Every tier of the campaign, in its order, even those with nothing yet.
    pub tiers: Vec<TierFigures>,
    /// The campaign's days with anything counted, all tiers together, oldest first.
    pub days: Vec<DayCounts>,
    pub spending: Spending,
    /// Releases that have opened, oldest first.
    pub releases: Vec<ReleaseFigures>,
}

/// Vouchers of one tier that something happened to on one day (a row of the service's count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayCount {
    pub event: Event,
    pub tier: String,
    /// The campaign's day, as [`Campaign::day_number`] gives it.
    pub day: i64,
    pub count: u64,
}

impl Campaign {
    /// The campaign's own day of an instant, as a number of days since 1970-01-01: the service
    /// groups its records by `(at + offset) / 86400000` with [`Campaign::offset_ms`].
    pub fn day_number(&self, at: Instant) -> i64 {
        at.0.saturating_add(self.offset_ms()).div_euclid(MS_PER_DAY)
    }

    /// The campaign's UTC offset in milliseconds.
    pub fn offset_ms(&self) -> i64 {
        i64::from(self.utc_offset.minutes()) * 60_000
    }

    /// The open figures at `now`, from what the service counted.
    pub fn figures(&self, now: Instant, counted: &[DayCount], spending: Spending, releases: Vec<ReleaseFigures>) -> CampaignFigures {
        // (tier index, day) → counts; tiers in the campaign's order.
        let tiers: Vec<&crate::Tier> = self.tiers().collect();
        let mut cells: std::collections::BTreeMap<(usize, i64), Counts> = std::collections::BTreeMap::new();
        let mut add = |tier: &str, day: i64, event: Event, count: u64| {
            if let Some(index) = tiers.iter().position(|known| known.id == tier) {
                cells.entry((index, day)).or_default().get_mut(event).add(count, tiers[index].discount);
            }
        };
        for theme in &self.themes {
            for release in self.releases(theme).into_iter().filter(|release| release.opens <= now) {
                if self.rounds.get(release.round).is_some_and(|round| round.stock == RoundStock::LeftoverOnly) {
                    continue;
                }
                for offer in theme.offers() {
                    for tier in theme.vouchers_of(offer) {
                        add(&tier.id, self.day_number(release.opens), Event::Issued, u64::from(offer.stock_per_release()));
                    }
                }
            }
        }
        for row in counted {
            add(&row.tier, row.day, row.event, row.count);
        }
        let mut totals = Counts::default();
        let mut per_day: std::collections::BTreeMap<i64, Counts> = std::collections::BTreeMap::new();
        let mut tier_figures: Vec<TierFigures> =
            tiers.iter().map(|tier| TierFigures { tier: tier.id.clone(), totals: Counts::default(), days: Vec::new() }).collect();
        for ((index, day), counts) in cells {
            let Some(date) = Date::from_days_since_epoch(day) else { continue };
            totals.add_counts(&counts);
            per_day.entry(day).or_default().add_counts(&counts);
            tier_figures[index].totals.add_counts(&counts);
            tier_figures[index].days.push(DayCounts { date, counts });
        }
        let days =
            per_day.into_iter().filter_map(|(day, counts)| Some(DayCounts { date: Date::from_days_since_epoch(day)?, counts })).collect();
        CampaignFigures {
            campaign: self.id.clone(),
            as_of_ms: now.0,
            fresh_for_s: 0,
            totals,
            tiers: tier_figures,
            days,
            spending,
            releases,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn count(event: Event, tier: &str, day: i64, count: u64) -> DayCount {
        DayCount { event, tier: tier.into(), day, count }
    }

    #[test]
    fn tianjin_issues_each_days_stock_once_the_release_has_opened() {
        let campaign = fixtures::load(fixtures::TIANJIN);
        let first = campaign.themes[0].tiers[0].clone();
        let opens = campaign.releases(&campaign.themes[0])[0].opens;
        let before = campaign.figures(Instant(opens.0 - 1), &[], Spending::default(), Vec::new());
        assert_eq!(before.totals, Counts::default(), "nothing is issued before the first release");
        let after = campaign.figures(opens, &[], Spending::default(), Vec::new());
        let tier = after.tiers.iter().find(|figures| figures.tier == first.id).expect("the tier");
        assert_eq!(tier.totals.issued.count, u64::from(first.stock_per_release));
        assert_eq!(tier.totals.issued.value, Fen(i64::from(first.stock_per_release) * first.discount.0));
        assert_eq!(tier.days.len(), 1);
        assert_eq!(tier.days[0].date, opens.to_civil(campaign.utc_offset).expect("a date").date);
        assert_eq!(after.tiers.len(), campaign.tiers().count(), "every tier is listed");
        assert_eq!(after.days.len(), 1);
    }

    #[test]
    fn counts_land_on_their_tier_and_day_at_face_value_and_unknown_tiers_are_ignored() {
        let campaign = fixtures::load(fixtures::TIANJIN);
        let tier = campaign.themes[0].tiers[0].clone();
        let day = campaign.day_number(Instant(1_660_000_000_000));
        let counted = [
            count(Event::Claimed, &tier.id, day, 3),
            count(Event::Used, &tier.id, day + 1, 2),
            count(Event::Refunded, &tier.id, day + 1, 1),
            count(Event::Expired, &tier.id, day + 2, 1),
            count(Event::Claimed, "no-such-tier", day, 100),
        ];
        let spending = Spending { orders: 2, spent: Fen(24_000), subsidy: Fen(2_000) };
        let figures = campaign.figures(Instant(0), &counted, spending, Vec::new());
        assert_eq!(figures.totals.claimed, Tally { count: 3, value: Fen(3 * tier.discount.0) });
        assert_eq!(figures.totals.used.count, 2);
        assert_eq!(figures.totals.refunded.count, 1);
        assert_eq!(figures.totals.expired.count, 1);
        let dates: Vec<i64> = figures.days.iter().map(|day| day.date.days_since_epoch()).collect();
        assert_eq!(dates, [day, day + 1, day + 2]);
        assert_eq!(figures.days[1].counts.used.count, 2);
        assert_eq!(figures.spending.leverage_tenths(), Some(120), "12×, as Jincheng reports its own");
        assert_eq!(Spending::default().leverage_tenths(), None);
    }

    #[test]
    fn a_round_of_leftovers_issues_nothing_new() {
        let campaign = fixtures::load(fixtures::LIAOCHENG);
        let theme = &campaign.themes[0];
        let releases = campaign.releases(theme);
        let last = releases.last().expect("releases");
        let figures = campaign.figures(last.opens, &[], Spending::default(), Vec::new());
        let fresh: u64 = releases
            .iter()
            .filter(|release| campaign.rounds[release.round].stock == RoundStock::Fresh)
            .map(|_| theme.tiers.iter().map(|tier| u64::from(tier.stock_per_release)).sum::<u64>())
            .sum();
        assert!(releases.len() > 1 && fresh > 0);
        assert_eq!(figures.totals.issued.count, fresh, "only the first round's stock is new money");
    }

    #[test]
    fn the_campaigns_day_is_its_own_not_utcs() {
        let campaign = fixtures::load(fixtures::TIANJIN);
        // 2022-08-20 23:30 UTC is already the 21st in Tianjin (+08:00).
        let late = Instant(Date::new(2022, 8, 20).expect("date").days_since_epoch() * MS_PER_DAY + 23 * 3_600_000 + 1_800_000);
        assert_eq!(campaign.day_number(late), Date::new(2022, 8, 21).expect("date").days_since_epoch());
    }
}
