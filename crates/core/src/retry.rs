//! When to try again after a network error, a 429 or a 503: exponential backoff with full
//! jitter (each wait drawn uniformly from zero to the exponential cap, so a crowd that failed
//! together does not come back together), never sooner than the service's Retry-After.

/// The retry policy. `Default` gives the claim's policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The cap of the first wait. Default 500 ms.
    pub base_ms: u64,
    /// No wait is capped above this. Default 30 s.
    pub max_ms: u64,
    /// Retries after the first attempt before giving up. Default 8 (about two minutes in all
    /// at the caps, long enough for a flash crowd to pass, short enough to tell the resident).
    pub max_retries: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base_ms: 500, max_ms: 30_000, max_retries: 8 }
    }
}

impl Backoff {
    /// The wait before retry number `retry` (0 for the first retry), or `None` when the retries
    /// are used up. `unit` is a random number in [0, 1); `retry_after_ms` is the service's
    /// Retry-After, which is a floor, not a suggestion.
    pub fn wait_ms(&self, retry: u32, retry_after_ms: Option<u64>, unit: f64) -> Option<u64> {
        if retry >= self.max_retries {
            return None;
        }
        let cap = self.base_ms.saturating_mul(1_u64.checked_shl(retry).unwrap_or(u64::MAX)).min(self.max_ms);
        let unit = if unit.is_finite() { unit.clamp(0.0, 1.0) } else { 1.0 };
        let jittered = (cap as f64 * unit).round() as u64;
        Some(jittered.max(retry_after_ms.unwrap_or(0)))
    }
}

/// Whether an HTTP status is worth retrying with the same request: the service was busy or
/// limiting, not refusing. (A network error, with no status at all, is retried too.)
pub fn is_retryable(status: u16) -> bool {
    matches!(status, 408 | 429 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_the_cap_and_stay_under_it() {
        let backoff = Backoff::default();
        let caps: Vec<u64> = (0..8).map(|retry| backoff.wait_ms(retry, None, 0.999_999).expect("a retry left")).collect();
        assert_eq!(caps, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
        assert_eq!(backoff.wait_ms(8, None, 0.5), None, "retries used up");
        assert_eq!(backoff.wait_ms(3, None, 0.0), Some(0), "full jitter reaches zero");
        assert_eq!(backoff.wait_ms(3, None, 0.25), Some(1_000));
    }

    #[test]
    fn retry_after_is_a_floor() {
        let backoff = Backoff::default();
        assert_eq!(backoff.wait_ms(0, Some(5_000), 0.1), Some(5_000));
        assert_eq!(backoff.wait_ms(6, Some(5_000), 0.9), Some(27_000));
    }

    #[test]
    fn a_bad_random_number_or_a_huge_retry_count_cannot_break_it() {
        let backoff = Backoff { base_ms: 500, max_ms: 30_000, max_retries: 100 };
        assert_eq!(backoff.wait_ms(90, None, f64::NAN), Some(30_000));
        assert_eq!(backoff.wait_ms(70, None, 2.0), Some(30_000));
    }

    #[test]
    fn only_busy_answers_are_retried() {
        assert!(is_retryable(429) && is_retryable(503));
        assert!(!is_retryable(403) && !is_retryable(409) && !is_retryable(422) && !is_retryable(201));
    }
}
