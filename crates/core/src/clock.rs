//! The service's clock as the app sees it: the phone's clock may be minutes off, so every
//! countdown and every "is it open" decision uses the phone's clock corrected by an offset
//! measured against `GET /api/v1/time`.
//!
//! Each sample is one exchange: the phone's clock when the request left, the service's instant
//! in the answer, and the phone's clock when the answer arrived. The service read its clock
//! somewhere in between, so the offset is known to within half the round trip; the sample with
//! the shortest round trip is the most exact (the NTP rule, without its filtering).

/// One exchange with the service's clock. Phone times are from a clock that does not jump
/// (`performance.now()` plus a fixed origin), in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockSample {
    /// The phone's clock when the request was sent.
    pub sent_ms: f64,
    /// The service's clock in the answer (milliseconds since the Unix epoch, UTC).
    pub server_ms: i64,
    /// The phone's clock when the answer arrived.
    pub received_ms: f64,
}

impl ClockSample {
    pub fn round_trip_ms(&self) -> f64 {
        self.received_ms - self.sent_ms
    }

    /// Service minus phone, assuming the service read its clock halfway through the exchange.
    pub fn offset_ms(&self) -> f64 {
        self.server_ms as f64 - (self.sent_ms + self.received_ms) / 2.0
    }
}

/// How far the phone's clock is behind the service's, and how sure that is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockOffset {
    /// Add this to the phone's clock to get the service's.
    pub offset_ms: f64,
    /// The true offset is within this many milliseconds of `offset_ms`: half the best round
    /// trip, plus the service's millisecond rounding.
    pub uncertainty_ms: f64,
}

impl ClockOffset {
    /// No correction: what the app uses until a first sample has come back.
    pub const NONE: ClockOffset = ClockOffset { offset_ms: 0.0, uncertainty_ms: f64::INFINITY };

    /// The service's time, in milliseconds since the epoch, for the phone's `phone_ms`.
    pub fn server_time_ms(&self, phone_ms: f64) -> i64 {
        (phone_ms + self.offset_ms).round() as i64
    }
}

/// The estimate from the sample with the shortest round trip; `None` when no sample is usable
/// (a negative or non-finite round trip means the phone's clock was changed meanwhile).
pub fn estimate(samples: &[ClockSample]) -> Option<ClockOffset> {
    samples
        .iter()
        .filter(|sample| sample.round_trip_ms().is_finite() && sample.round_trip_ms() >= 0.0)
        .min_by(|a, b| a.round_trip_ms().total_cmp(&b.round_trip_ms()))
        .map(|best| ClockOffset { offset_ms: best.offset_ms(), uncertainty_ms: best.round_trip_ms() / 2.0 + 1.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A phone whose clock is `skew` ms behind, asking a service whose answer takes `out` ms to
    /// arrive and `back` ms to return.
    fn exchange(at: f64, skew: f64, out: f64, back: f64) -> ClockSample {
        let sent_ms = at;
        let server_ms = (at + skew + out).round() as i64;
        ClockSample { sent_ms, server_ms, received_ms: at + out + back }
    }

    #[test]
    fn a_phone_three_minutes_slow_is_corrected_to_within_half_the_best_round_trip() {
        let skew = 180_000.0; // the service is three minutes ahead: the phone is slow
        let samples = [exchange(1_000.0, skew, 400.0, 900.0), exchange(3_000.0, skew, 20.0, 30.0), exchange(5_000.0, skew, 700.0, 80.0)];
        let estimate = estimate(&samples).expect("an estimate");
        assert!((estimate.offset_ms - skew).abs() <= 15.0, "{estimate:?}");
        assert_eq!(estimate.uncertainty_ms, 26.0);
        // The release at service time T is seen at phone time T - offset, within the uncertainty.
        let release_ms = 1_700_000_000_000_i64;
        let phone_sees_open_at = release_ms as f64 - estimate.offset_ms;
        assert!((estimate.server_time_ms(phone_sees_open_at) - release_ms).abs() <= 1);
    }

    #[test]
    fn the_shortest_round_trip_wins_even_if_it_came_last() {
        let samples = [exchange(0.0, 5_000.0, 800.0, 100.0), exchange(2_000.0, 5_000.0, 10.0, 10.0)];
        let best = estimate(&samples).expect("an estimate");
        assert!((best.offset_ms - 5_000.0).abs() <= 1.0, "{best:?}");
    }

    #[test]
    fn samples_spoiled_by_a_clock_change_are_ignored() {
        let spoiled = ClockSample { sent_ms: 10_000.0, server_ms: 0, received_ms: 9_000.0 };
        assert_eq!(estimate(&[spoiled]), None);
        assert_eq!(estimate(&[]), None);
        let good = exchange(0.0, 0.0, 50.0, 50.0);
        assert_eq!(estimate(&[spoiled, good]).map(|offset| offset.offset_ms), Some(0.0));
    }
}
