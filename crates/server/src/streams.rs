//! Event streams open on this service: counted in all and per client, and capped, so that a
//! client (or a page that forgets to close its streams) cannot hold every connection.

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

/// The open streams.
#[derive(Clone, Default)]
pub struct EventStreams {
    limits: StreamLimits,
    counts: Arc<Mutex<Counts>>,
}

/// One open stream; closing it (dropping the guard) gives its place back.
pub struct StreamGuard {
    client: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl EventStreams {
    pub fn new(limits: StreamLimits) -> EventStreams {
        EventStreams { limits, counts: Arc::default() }
    }

    /// A place for one more stream from `client`, if the limits allow.
    pub fn open(&self, client: IpAddr) -> Option<StreamGuard> {
        let mut counts = self.counts.lock().ok()?;
        let mine = counts.per_client.get(&client).copied().unwrap_or(0);
        if counts.total >= self.limits.total || mine >= self.limits.per_client {
            return None;
        }
        counts.total += 1;
        counts.per_client.insert(client, mine + 1);
        Some(StreamGuard { client, counts: Arc::clone(&self.counts) })
    }

    /// How many streams are open now.
    pub fn open_count(&self) -> usize {
        self.counts.lock().map(|counts| counts.total).unwrap_or(0)
    }
}

impl Drop for StreamGuard {
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
        let streams = EventStreams::new(StreamLimits { per_client: 2, total: 3 });
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
    }
}
