//! Until when a claimed voucher may be used, always computed in the campaign's time zone.

use crate::{
    Campaign, Theme, Validity,
    civil::{DateTime, Instant, Time},
};

impl Campaign {
    /// The instant a voucher of `theme`, claimed at `claimed_at` in round `round` (an index of
    /// [`Campaign::rounds`]), stops being usable. `None` only for an instant outside the calendar.
    pub fn voucher_expiry(&self, theme: &Theme, round: usize, claimed_at: Instant) -> Option<Instant> {
        let offset = self.utc_offset;
        let end_of = |date: crate::civil::Date| DateTime { date, time: Time::END_OF_DAY }.to_instant(offset);
        let this_round = self.rounds.get(round)?;
        match theme.rules.validity {
            Validity::EndOfDay => Some(end_of(claimed_at.to_civil(offset)?.date)),
            Validity::EndOfWeek { weekday } => {
                let date = claimed_at.to_civil(offset)?.date;
                let days_ahead = (i64::from(weekday) - i64::from(date.iso_weekday())).rem_euclid(7);
                Some(end_of(date.add_days(days_ahead)?))
            }
            Validity::RoundDeadline => Some(this_round.vouchers_expire?.to_instant(offset)),
            Validity::UntilNextRound => {
                let next = self.theme_rounds(theme).find(|candidate| candidate.opens > this_round.opens);
                Some(next.map_or(this_round.closes, |next| next.opens).to_instant(offset))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limit, Period, Round, Rules};

    use crate::fixtures::{TIANJIN, at};

    fn campaign_with(validity: Validity) -> Campaign {
        let mut campaign = Campaign::from_json(TIANJIN).expect("valid");
        campaign.themes[0].rules = Rules {
            claim_limit: Limit { count: 1, per: Period::Day },
            use_limit: None,
            validity,
            eligibility: Default::default(),
            rollover: false,
            fair_start_s: 0,
            proxy_claims: true,
        };
        campaign
    }

    #[test]
    fn end_of_day_is_the_campaigns_midnight_whatever_the_phone_says() {
        let campaign = campaign_with(Validity::EndOfDay);
        let theme = &campaign.themes[0];
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-08-21T09:30")), Some(at("2022-08-22T00:00")));
        // 23:59:59.999 in Tianjin is still the same day.
        assert_eq!(campaign.voucher_expiry(theme, 0, Instant(at("2022-08-22T00:00").0 - 1)), Some(at("2022-08-22T00:00")));
        // A claim at 16:30 UTC (00:30 in Tianjin) belongs to the new day, though a phone in London says the 21st.
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-08-22T00:30")), Some(at("2022-08-23T00:00")));
    }

    #[test]
    fn end_of_day_across_month_and_year_ends() {
        let mut campaign = campaign_with(Validity::EndOfDay);
        campaign.rounds[1].closes = "2025-01-10T23:59".parse().expect("valid");
        let theme = &campaign.themes[0];
        assert_eq!(campaign.voucher_expiry(theme, 1, at("2022-08-31T10:00")), Some(at("2022-09-01T00:00")));
        assert_eq!(campaign.voucher_expiry(theme, 1, at("2024-02-29T10:00")), Some(at("2024-03-01T00:00")));
        assert_eq!(campaign.voucher_expiry(theme, 1, at("2024-12-31T23:00")), Some(at("2025-01-01T00:00")));
    }

    #[test]
    fn next_thursday_24_00_and_a_thursday_claim_lasts_that_day() {
        // Shenyang: "领取后当期有效(至下一个周四24:00前有效)"; 2022-06-10 was a Friday.
        let campaign = campaign_with(Validity::EndOfWeek { weekday: 4 });
        let theme = &campaign.themes[0];
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-06-10T10:00")), Some(at("2022-06-17T00:00")));
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-06-15T23:00")), Some(at("2022-06-17T00:00")));
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-06-16T10:00")), Some(at("2022-06-17T00:00")));
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-06-17T00:00")), Some(at("2022-06-24T00:00")));
        // Across a month end: Friday 2022-06-24 → Thursday 2022-06-30, 24:00 = 07-01 00:00.
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-06-24T10:00")), Some(at("2022-07-01T00:00")));
    }

    #[test]
    fn a_round_deadline_is_the_rounds_own() {
        let mut campaign = campaign_with(Validity::RoundDeadline);
        campaign.rounds[0].vouchers_expire = Some("2022-08-30T12:00".parse().expect("valid"));
        let theme = &campaign.themes[0];
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-08-21T10:00")), Some(at("2022-08-30T12:00")));
        assert_eq!(campaign.voucher_expiry(theme, 1, at("2022-09-02T10:00")), None);
    }

    #[test]
    fn until_the_next_round_opens_or_the_last_round_closes() {
        let mut campaign = campaign_with(Validity::UntilNextRound);
        campaign.rounds.push(Round {
            id: "round-3".into(),
            name: campaign.rounds[1].name.clone(),
            opens: "2022-09-20T10:00".parse().expect("valid"),
            closes: "2022-09-27T00:00".parse().expect("valid"),
            vouchers_expire: None,
            stock: Default::default(),
        });
        let theme = &campaign.themes[0];
        assert_eq!(campaign.voucher_expiry(theme, 0, at("2022-08-21T10:00")), Some(at("2022-09-01T09:30")));
        assert_eq!(campaign.voucher_expiry(theme, 1, at("2022-09-02T10:00")), Some(at("2022-09-20T10:00")));
        assert_eq!(campaign.voucher_expiry(theme, 2, at("2022-09-21T10:00")), Some(at("2022-09-27T00:00")));
    }
}
