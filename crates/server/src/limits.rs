//! Rate limits per address and per resident (GCRA, by `governor`), answered with 429 and
//! Retry-After so that a well-behaved client knows when to come back.

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::{Clock, DefaultClock}};

use crate::{Problem, ledger::ResidentId};

pub struct RateLimits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_resident: DefaultKeyedRateLimiter<ResidentId>,
}

fn quota(per_second: u32, burst_factor: u32) -> Quota {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(per_second.max(1).saturating_mul(burst_factor)).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(burst)
}

impl RateLimits {
    pub fn new(per_address: u32, per_resident: u32) -> RateLimits {
        RateLimits {
            per_address: RateLimiter::keyed(quota(per_address, 10)),
            per_resident: RateLimiter::keyed(quota(per_resident, 5)),
        }
    }

    pub fn check_address(&self, address: IpAddr) -> Result<(), Problem> {
        self.per_address.check_key(&address).map_err(|not_until| {
            rate_limited(not_until.wait_time_from(DefaultClock::default().now()), "too many requests from this address")
        })
    }

    pub fn check_resident(&self, resident: ResidentId) -> Result<(), Problem> {
        self.per_resident.check_key(&resident).map_err(|not_until| {
            rate_limited(not_until.wait_time_from(DefaultClock::default().now()), "too many requests from this resident")
        })
    }
}

/// The key a client is limited under: its address, or for IPv6 its /64 (one subscriber's
/// prefix; a phone can take any address inside it).
pub fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let segments = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

fn rate_limited(wait: Duration, detail: &str) -> Problem {
    // Retry-After is in whole seconds; round up so the retry is not refused again.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Problem::rate_limited(seconds.max(1), detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_quota_is_told_when_to_retry() {
        let limits = RateLimits::new(1, 1);
        let resident = 7;
        for _ in 0..5 {
            assert!(limits.check_resident(resident).is_ok());
        }
        let refused = limits.check_resident(resident).expect_err("the sixth in a second is refused");
        assert_eq!(refused.details.code, "rate_limited");
        assert_eq!(refused.retry_after, Some(1));
        assert!(limits.check_resident(8).is_ok(), "another resident has their own allowance");
    }

    #[test]
    fn an_ipv6_client_is_limited_by_its_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(client_key(a), client_key(b), "one subscriber's prefix is one client");
        assert_ne!(client_key(a), client_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().expect("ip"));
    }
}
