//! Demo mode: a campaign moved in time so that, whenever the service starts, there is something
//! to see — a live round and a release a few minutes away.
//!
//! The campaign's files keep their real dates; the service shifts a copy when it starts in demo
//! mode. Dates move by whole days (weekdays of weekly validity move with them), and the release
//! that is to come "in a few minutes" gets that time of day.

use crate::{
    Campaign, ReleaseSchedule, Validity,
    civil::{DateTime, Instant},
};

const MS_PER_MINUTE: i64 = 60_000;

impl Campaign {
    /// A copy of the campaign in which a release opens `release_in_minutes` after `now` (a
    /// negative value puts it in the past, so claims are open at once). For a daily schedule the
    /// release is the second day's, so the first round is already live; for a once-per-round
    /// schedule it is the first round's opening.
    pub fn shifted_for_demo(&self, now: Instant, release_in_minutes: i64) -> Option<Campaign> {
        let offset = self.utc_offset;
        let target_ms = now.0.checked_add(release_in_minutes.checked_mul(MS_PER_MINUTE)?)?;
        // Round up to the minute: the rules are to the minute.
        let target = Instant(
            target_ms.div_euclid(MS_PER_MINUTE) * MS_PER_MINUTE + if target_ms.rem_euclid(MS_PER_MINUTE) > 0 { MS_PER_MINUTE } else { 0 },
        );
        let DateTime { date: target_date, time: target_time } = target.to_civil(offset)?;
        let first = self.rounds.first()?;
        let daily = matches!(self.release, ReleaseSchedule::Daily { .. });
        let anchor = match first.opens.date.add_days(1) {
            Some(second_day) if daily && second_day <= first.closes.date => second_day,
            _ => first.opens.date,
        };
        let days = target_date.days_since_epoch() - anchor.days_since_epoch();
        let shift = |at: DateTime| at.date.add_days(days).map(|date| DateTime { date, time: at.time });

        let mut shifted = self.clone();
        for round in &mut shifted.rounds {
            round.opens = shift(round.opens)?;
            round.closes = shift(round.closes)?;
            round.vouchers_expire = match round.vouchers_expire {
                Some(expires) => Some(shift(expires)?),
                None => None,
            };
        }
        let retime = |schedule: &mut ReleaseSchedule| {
            if let ReleaseSchedule::Daily { at, .. } = schedule {
                *at = target_time;
            }
        };
        retime(&mut shifted.release);
        if !daily && let Some(first) = shifted.rounds.first_mut() {
            first.opens.time = target_time;
        }
        for theme in &mut shifted.themes {
            if let Some(schedule) = theme.release.as_mut() {
                retime(schedule);
            }
            if let Validity::EndOfWeek { weekday } = &mut theme.rules.validity {
                *weekday = ((i64::from(*weekday) - 1 + days).rem_euclid(7) + 1) as u8;
            }
        }
        shifted.demo = true;
        Some(shifted)
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{JINCHENG, LIAOCHENG, SHENYANG, TIANJIN};
    use crate::{Campaign, ReleaseSchedule, TierState, civil::Instant};

    #[test]
    fn whenever_it_starts_a_release_is_minutes_away() {
        // A few start instants: morning, just before midnight, and across a month end (UTC ms).
        let starts = [Instant(1_763_800_000_000), Instant(1_764_547_140_000), Instant(1_767_225_540_000)];
        for json in [TIANJIN, SHENYANG, LIAOCHENG, JINCHENG] {
            let campaign = Campaign::from_json(json).expect("valid");
            for now in starts {
                let shifted = campaign.shifted_for_demo(now, 3).expect("shiftable");
                shifted.validate().expect("still a valid campaign");
                assert!(shifted.demo);
                let in_three = shifted
                    .themes
                    .iter()
                    .flat_map(|theme| shifted.releases(theme))
                    .filter(|release| release.opens > now)
                    .map(|release| release.opens.0 - now.0)
                    .min();
                assert!(in_three.is_some_and(|ms| (120_000..=240_000).contains(&ms)), "{}: next release in {in_three:?} ms", campaign.id);
                if matches!(campaign.release, ReleaseSchedule::Daily { .. }) {
                    let live = shifted.rounds[0].opens.to_instant(shifted.utc_offset) <= now;
                    assert!(live, "{}: the first round is live", campaign.id);
                }
                // Started with a release a minute ago, claims are open at once.
                let open_now = campaign.shifted_for_demo(now, -1).expect("shiftable");
                let theme = &open_now.themes[0];
                assert!(matches!(open_now.offer_state(theme, now, 1), TierState::Open { .. }), "{}", campaign.id);
            }
        }
    }
}
