//! When stock is released, and the state of the campaign's tiers at an instant.
//!
//! A release is claimable from its instant until the end of its local day or the round's close,
//! whichever comes first: "每日消费券数量有限，先到先得，领完为止" is a daily batch, and an
//! unclaimed batch does not carry into the next morning. A once-per-round release (Liaocheng)
//! lasts the whole round.

use serde::{Deserialize, Serialize};

use crate::{
    Campaign, ReleaseSchedule, Theme,
    civil::{DateTime, Instant, Time},
    wire::required,
};

/// One release of stock: when it opens and when its window closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    pub round: usize,
    pub opens: Instant,
    pub closes: Instant,
}

/// What a resident can do with a tier at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TierState {
    /// Nothing to claim yet; the next release opens at `opens`.
    Upcoming { opens: Instant },
    /// A release is open until `closes`.
    Open { opened: Instant, closes: Instant },
    /// The open release is gone; `next_release` is the next chance, if any.
    SoldOut { next_release: Option<Instant> },
    /// Between rounds; the next round's first release, if any.
    RoundOver { next_round_opens: Option<Instant> },
    /// The last round has closed.
    CampaignOver,
}

/// Decoded flat, without serde's buffering (see `wire`).
impl<'de> Deserialize<'de> for TierState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TierState, D::Error> {
        #[derive(Clone, Copy)]
        enum State {
            Upcoming,
            Open,
            SoldOut,
            RoundOver,
            CampaignOver,
        }
        crate::wire::unit_enum_names!(State { "upcoming" => State::Upcoming, "open" => State::Open, "sold_out" => State::SoldOut, "round_over" => State::RoundOver, "campaign_over" => State::CampaignOver });
        #[derive(Deserialize)]
        struct Wire {
            state: State,
            opens: Option<Instant>,
            opened: Option<Instant>,
            closes: Option<Instant>,
            next_release: Option<Instant>,
            next_round_opens: Option<Instant>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(match wire.state {
            State::Upcoming => TierState::Upcoming { opens: required(wire.opens, "opens")? },
            State::Open => TierState::Open { opened: required(wire.opened, "opened")?, closes: required(wire.closes, "closes")? },
            State::SoldOut => TierState::SoldOut { next_release: wire.next_release },
            State::RoundOver => TierState::RoundOver { next_round_opens: wire.next_round_opens },
            State::CampaignOver => TierState::CampaignOver,
        })
    }
}

impl Campaign {
    /// Every release of a theme, in order. `Release::round` indexes [`Campaign::rounds`].
    pub fn releases(&self, theme: &Theme) -> Vec<Release> {
        let offset = self.utc_offset;
        let first_day = self.theme_rounds(theme).next().map(|round| round.opens.date);
        let mut releases = Vec::new();
        for (index, round) in self.rounds.iter().enumerate() {
            if theme.rounds.as_ref().is_some_and(|ids| !ids.contains(&round.id)) {
                continue;
            }
            let (round_opens, round_closes) = (round.opens.to_instant(offset), round.closes.to_instant(offset));
            match self.theme_release(theme) {
                ReleaseSchedule::OncePerRound => releases.push(Release { round: index, opens: round_opens, closes: round_closes }),
                ReleaseSchedule::Daily { at, first_day_at } => {
                    let mut day = round.opens.date;
                    while day <= round.closes.date {
                        let time = match first_day_at {
                            Some(first) if Some(day) == first_day => *first,
                            _ => *at,
                        };
                        // A release before the round opens (its first day) waits for the opening.
                        let opens = DateTime { date: day, time }.to_instant(offset).max(round_opens);
                        let end_of_day = DateTime { date: day, time: Time::END_OF_DAY }.to_instant(offset);
                        let closes = end_of_day.min(round_closes);
                        if opens < closes {
                            releases.push(Release { round: index, opens, closes });
                        }
                        match day.add_days(1) {
                            Some(next) => day = next,
                            None => break,
                        }
                    }
                }
            }
        }
        releases
    }

    /// The release of a theme open at `now`, if any.
    pub fn open_release(&self, theme: &Theme, now: Instant) -> Option<Release> {
        self.releases(theme).into_iter().find(|release| release.opens <= now && now < release.closes)
    }

    /// The state of a theme's offer at `now`, given the stock left in the release under way.
    pub fn offer_state(&self, theme: &Theme, now: Instant, stock_left: u32) -> TierState {
        let releases = self.releases(theme);
        let next_after = |instant: Instant| releases.iter().find(|release| release.opens > instant).map(|release| release.opens);
        if let Some(open) = releases.iter().find(|release| release.opens <= now && now < release.closes) {
            return if stock_left == 0 {
                TierState::SoldOut { next_release: next_after(now) }
            } else {
                TierState::Open { opened: open.opens, closes: open.closes }
            };
        }
        let offset = self.utc_offset;
        let rounds: Vec<&crate::Round> = self.theme_rounds(theme).collect();
        let (Some(first), Some(last)) = (rounds.first(), rounds.last()) else { return TierState::CampaignOver };
        if now >= last.closes.to_instant(offset) {
            return TierState::CampaignOver;
        }
        let inside_round = rounds.iter().any(|round| round.opens.to_instant(offset) <= now && now < round.closes.to_instant(offset));
        match next_after(now) {
            Some(opens) if inside_round || first.opens.to_instant(offset) > now => TierState::Upcoming { opens },
            next_round_opens => TierState::RoundOver { next_round_opens },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::civil::UtcOffset;

    use crate::fixtures::{TIANJIN, at, load};

    fn tianjin() -> Campaign {
        load(TIANJIN)
    }

    #[test]
    fn tianjin_releases_at_1950_on_the_first_evening_then_0930_daily() {
        let releases = {
            let campaign = tianjin();
            campaign.releases(&campaign.themes[0])
        };
        // Round 1: 8/20–8/28 (9 days); round 2: 9/1–9/11 (11 days).
        assert_eq!(releases.len(), 20);
        assert_eq!(releases[0].opens, at("2022-08-20T19:50"));
        assert_eq!(releases[0].closes, at("2022-08-21T00:00"));
        assert_eq!(releases[1].opens, at("2022-08-21T09:30"));
        // The last day of round 1 closes with the round, at 24:00: the notice's "23:59" is the
        // whole of that minute, so a claim at 23:59:30 counts (it was refused before).
        assert_eq!(releases[8].closes, at("2022-08-28T24:00"));
        let campaign = tianjin();
        let last_half_minute = Instant(at("2022-08-28T23:59").0 + 30_000);
        assert!(matches!(campaign.offer_state(&campaign.themes[0], last_half_minute, 10), TierState::Open { .. }));
        assert_eq!(releases[9], Release { round: 1, opens: at("2022-09-01T09:30"), closes: at("2022-09-02T00:00") });
    }

    #[test]
    fn a_tier_counts_down_opens_sells_out_and_waits_for_tomorrow() {
        let campaign = tianjin();
        assert_eq!(
            campaign.offer_state(&campaign.themes[0], at("2022-08-20T19:49"), 10),
            TierState::Upcoming { opens: at("2022-08-20T19:50") }
        );
        assert_eq!(
            campaign.offer_state(&campaign.themes[0], at("2022-08-20T19:50"), 10),
            TierState::Open { opened: at("2022-08-20T19:50"), closes: at("2022-08-21T00:00") }
        );
        assert_eq!(
            campaign.offer_state(&campaign.themes[0], at("2022-08-20T20:00"), 0),
            TierState::SoldOut { next_release: Some(at("2022-08-21T09:30")) }
        );
        // After midnight the evening's batch is over; the countdown is to 09:30.
        assert_eq!(
            campaign.offer_state(&campaign.themes[0], at("2022-08-21T00:00"), 10),
            TierState::Upcoming { opens: at("2022-08-21T09:30") }
        );
    }

    #[test]
    fn between_rounds_and_after_the_last() {
        let campaign = tianjin();
        assert_eq!(
            campaign.offer_state(&campaign.themes[0], at("2022-08-30T12:00"), 10),
            TierState::RoundOver { next_round_opens: Some(at("2022-09-01T09:30")) }
        );
        assert_eq!(
            campaign.offer_state(&campaign.themes[0], at("2022-08-29T00:00"), 10),
            TierState::RoundOver { next_round_opens: Some(at("2022-09-01T09:30")) }
        );
        assert_eq!(campaign.offer_state(&campaign.themes[0], at("2022-09-12T00:00"), 10), TierState::CampaignOver);
        assert_eq!(campaign.offer_state(&campaign.themes[0], at("2022-09-11T23:58"), 0), TierState::SoldOut { next_release: None });
    }

    #[test]
    fn the_answer_depends_on_the_instant_only_never_on_the_phones_zone() {
        // 01:30 UTC is 09:30 in Tianjin: open, whatever zone the phone shows it in.
        let campaign = tianjin();
        let utc_0130 = UtcOffset::from_minutes(0).map(|utc| "2022-08-22T01:30".parse::<DateTime>().expect("valid").to_instant(utc));
        assert_eq!(utc_0130, Some(at("2022-08-22T09:30")));
        assert!(matches!(campaign.offer_state(&campaign.themes[0], at("2022-08-22T09:30"), 5), TierState::Open { .. }));
        assert!(matches!(campaign.offer_state(&campaign.themes[0], Instant(at("2022-08-22T09:30").0 - 1), 5), TierState::Upcoming { .. }));
    }

    #[test]
    fn once_per_round_releases_all_stock_when_the_round_opens() {
        let mut campaign = tianjin();
        campaign.release = ReleaseSchedule::OncePerRound;
        let releases = campaign.releases(&campaign.themes[0]);
        assert_eq!(releases.len(), 2);
        assert_eq!(releases[0], Release { round: 0, opens: at("2022-08-20T19:50"), closes: at("2022-08-28T24:00") });
        assert!(matches!(campaign.offer_state(&campaign.themes[0], at("2022-08-25T03:00"), 1), TierState::Open { .. }));
    }
}
