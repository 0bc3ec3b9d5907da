//! Rate limits per address and per resident (GCRA, by `governor`), answered with 429 and
//! Retry-After so that a well-behaved client knows when to come back.

use std::{net::IpAddr, num::NonZeroU32, str::FromStr, time::Duration};

use axum::http::HeaderMap;
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

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
        RateLimits { per_address: RateLimiter::keyed(quota(per_address, 10)), per_resident: RateLimiter::keyed(quota(per_resident, 5)) }
    }

    /// Forgets clients whose allowance is full again: the tables hold only those seen lately.
    pub fn prune(&self) {
        self.per_address.retain_recent();
        self.per_address.shrink_to_fit();
        self.per_resident.retain_recent();
        self.per_resident.shrink_to_fit();
    }

    /// How many clients and residents are held.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.per_address.len() + self.per_resident.len()
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

/// The client address a request speaks for, as the rate limits and caps key it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Networks whose connections come from proxies this service trusts to say who the client is
/// (`X-Forwarded-For`, `Forwarded: for=`): `10.0.0.0/8,127.0.0.1`. Empty: no proxy is trusted and
/// every connection's own address is the client, whatever headers it sends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl FromStr for TrustedProxies {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for entry in text.split([',', ' ']).map(str::trim).filter(|entry| !entry.is_empty()) {
            let (address, bits) = entry.split_once('/').map_or((entry, None), |(address, bits)| (address, Some(bits)));
            let address: IpAddr = address.parse().map_err(|_| format!("{entry:?} is not an address or network"))?;
            let most = if address.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => most,
                Some(bits) => {
                    bits.parse::<u8>().ok().filter(|bits| *bits <= most).ok_or_else(|| format!("{entry:?}: bad prefix length"))?
                }
            };
            networks.push((address, bits));
        }
        Ok(TrustedProxies(networks))
    }
}

fn prefix_bits(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl TrustedProxies {
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|(network, bits)| {
            network.is_ipv4() == address.is_ipv4() && {
                let shift = if network.is_ipv4() { 32 - u32::from(*bits) + 96 } else { 128 - u32::from(*bits) };
                let mask = if shift >= 128 { 0 } else { u128::MAX << shift };
                prefix_bits(*network) & mask == prefix_bits(address) & mask
            }
        })
    }

    /// Who the client is: the connection's peer, unless the peer is a trusted proxy; then the
    /// nearest address in the forwarding chain that no trusted proxy added (a client can write
    /// anything at the far end of the chain, so it is read from our side).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let mut chain = forwarded_for(headers);
        while let Some(address) = chain.pop() {
            if !self.contains(address) {
                return address;
            }
        }
        peer
    }
}

/// The addresses of the forwarding chain, client first: `Forwarded` (RFC 7239) if sent, else
/// `X-Forwarded-For`. Unreadable entries end the chain there (nothing beyond them is trusted).
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let forwarded: Vec<String> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"').to_owned())
            })
        })
        .collect();
    let entries: Vec<String> = if forwarded.is_empty() {
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|entry| entry.trim().to_owned())
            .collect()
    } else {
        forwarded
    };
    let parse = |entry: &str| -> Option<IpAddr> {
        // `[2001:db8::1]:443`, `192.0.2.1:443`, or a bare address.
        let bare = entry.strip_prefix('[').and_then(|rest| rest.split_once(']')).map_or(entry, |(inside, _)| inside);
        bare.parse().ok().or_else(|| bare.rsplit_once(':').and_then(|(host, _)| host.parse().ok()))
    };
    let mut chain = Vec::new();
    for entry in entries.iter().rev() {
        match parse(entry) {
            Some(address) => chain.push(address),
            None => break,
        }
    }
    chain.reverse();
    chain
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
    fn clients_whose_allowance_is_full_again_are_forgotten() {
        let limits = RateLimits::new(1_000, 1_000);
        for n in 0..100u8 {
            assert!(limits.check_address(IpAddr::from([192, 0, 2, n])).is_ok());
        }
        assert_eq!(limits.held(), 100);
        std::thread::sleep(Duration::from_millis(20));
        limits.prune();
        assert_eq!(limits.held(), 0, "a millisecond's allowance is back after 20 ms");
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_read_from_our_side_of_the_chain() {
        let proxies: TrustedProxies = "10.0.0.0/8, 2001:db8:ffff::/48".parse().expect("valid");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.66, 203.0.113.9, 10.1.2.3".parse().expect("header"));
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let stranger: IpAddr = "192.0.2.5".parse().expect("ip");
        // The proxy's own hop (10.1.2.3) is skipped; 203.0.113.9 is who connected to it. What
        // the client wrote before it (198.51.100.66) is not believed.
        assert_eq!(proxies.client(proxy, &headers), "203.0.113.9".parse::<IpAddr>().expect("ip"));
        assert_eq!(proxies.client(stranger, &headers), stranger, "headers from anyone else are ignored");
        let mut forwarded = HeaderMap::new();
        forwarded.insert("forwarded", r#"for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711""#.parse().expect("header"));
        assert_eq!(proxies.client(proxy, &forwarded), "2001:db8:cafe::17".parse::<IpAddr>().expect("ip"));
        assert_eq!(proxies.client(proxy, &HeaderMap::new()), proxy, "no chain: the proxy itself");
        assert!(proxies.contains("2001:db8:ffff:1::1".parse().expect("ip")));
        assert!(!proxies.contains("2001:db8:fffe::1".parse().expect("ip")));
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!(TrustedProxies::default().client(proxy, &headers) == proxy, "no proxy trusted by default");
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
