//! Places for long-lived things (connections, event streams): counted in all and per client, and
//! capped, so that one client (or a page that forgets to close its streams) cannot hold them all.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// How many event streams may be open. Each is one long-lived connection.
#[derive(Clone, Copy, Debug)]
pub struct StreamLimits {
    /// From one client address (a carrier's NAT puts many phones behind one). Default 32.
    pub per_client: usize,
    /// On the whole service. Default 20,000.
    pub total: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits { per_client: 32, total: 20_000 }
    }
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// The places taken, and how many there are.
#[derive(Clone, Default)]
pub struct Places {
    per_client: usize,
    total: usize,
    counts: Arc<Mutex<Counts>>,
}

/// One place taken; dropping it (the stream or connection ended) gives it back.
pub struct Place {
    client: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl Places {
    pub fn new(per_client: usize, total: usize) -> Places {
        Places { per_client, total, counts: Arc::default() }
    }

    /// A place for `client`, if neither its share nor the total is used up.
    pub fn open(&self, client: IpAddr) -> Option<Place> {
        self.take(client, true)
    }

    /// A place for `client` within the total only (a trusted proxy speaks for many clients).
    pub fn open_within_total(&self, client: IpAddr) -> Option<Place> {
        self.take(client, false)
    }

    fn take(&self, client: IpAddr, capped_per_client: bool) -> Option<Place> {
        let mut counts = self.counts.lock().ok()?;
        let mine = counts.per_client.get(&client).copied().unwrap_or(0);
        if counts.total >= self.total || (capped_per_client && mine >= self.per_client) {
            return None;
        }
        counts.total += 1;
        counts.per_client.insert(client, mine + 1);
        Some(Place { client, counts: Arc::clone(&self.counts) })
    }

    /// How many places are taken now.
    pub fn open_count(&self) -> usize {
        self.counts.lock().map(|counts| counts.total).unwrap_or(0)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.total = counts.total.saturating_sub(1);
            if let Some(mine) = counts.per_client.get_mut(&self.client) {
                *mine = mine.saturating_sub(1);
                if *mine == 0 {
                    counts.per_client.remove(&self.client);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_share_and_a_closed_stream_gives_its_place_back() {
        let streams = Places::new(2, 3);
        let (one, two): (IpAddr, IpAddr) = ("192.0.2.1".parse().expect("ip"), "192.0.2.2".parse().expect("ip"));
        let first = streams.open(one).expect("first");
        let _second = streams.open(one).expect("second");
        assert!(streams.open(one).is_none(), "a third from the same client is refused");
        let _other = streams.open(two).expect("another client has its own share");
        assert!(streams.open(two).is_none(), "the service's total is reached");
        assert_eq!(streams.open_count(), 3);
        drop(first);
        assert_eq!(streams.open_count(), 2);
        assert!(streams.open(one).is_some(), "the closed stream's place is free again");
        let proxy: IpAddr = "192.0.2.9".parse().expect("ip");
        let crowd = Places::new(1, 3);
        let _first = crowd.open_within_total(proxy).expect("first");
        assert!(crowd.open_within_total(proxy).is_some(), "a proxy is held to the total only");
    }
}
