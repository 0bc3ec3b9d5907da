//! Live stock of a campaign's offers.
//!
//! [`use_stock`] follows `…/stock/events` (server-sent events: a `snapshot`, then a `stock`
//! event after every claim that changed a release; the browser reconnects by itself and gets a
//! new snapshot). When events fail for good (a proxy that buffers them, a partner webview without
//! EventSource), it polls `GET …/stock` instead, with jitter so that a crowd does not poll in step.

use futures_util::{StreamExt, stream::select_all};
use gloo_net::eventsource::futures::EventSource;
use huiquan_core::api::{OfferStock, StockUpdate};
use leptos::prelude::*;

use crate::{
    api,
    scoped::{sleep_ms, spawn_scoped},
};

/// What the app knows of one offer's stock: the release it is about and what is left of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveStock {
    pub release_opens_ms: i64,
    pub left: u32,
    /// The release's size, when the service said (rollover may make it larger than the tier's).
    pub stock: Option<u32>,
    /// When its last unit was claimed, once it has been.
    pub sold_out_at_ms: Option<i64>,
}

/// Offer id → its live stock. A campaign has a dozen offers at most: a list searched in order,
/// which downloads less code than a map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StockMap(Vec<(String, LiveStock)>);

impl StockMap {
    pub fn new() -> StockMap {
        StockMap::default()
    }

    pub fn get(&self, offer: &str) -> Option<&LiveStock> {
        self.0.iter().find(|(id, _)| id == offer).map(|(_, stock)| stock)
    }

    fn get_mut(&mut self, offer: &str) -> Option<&mut LiveStock> {
        self.0.iter_mut().find(|(id, _)| id == offer).map(|(_, stock)| stock)
    }

    /// Sets an offer's stock, replacing what was known of it.
    pub fn insert(&mut self, offer: String, stock: LiveStock) {
        match self.get_mut(&offer) {
            Some(known) => *known = stock,
            None => self.0.push((offer, stock)),
        }
    }
}

/// Applies one event of the stream (`snapshot`, `stock` or `resync`) to `map`; returns whether the
/// reader should read the whole stock again (a `resync`, or data it could not read).
pub fn apply_event(map: &mut StockMap, event_type: &str, data: &str) -> bool {
    match event_type {
        "snapshot" => match crate::json::from_str::<Vec<OfferStock>>(data) {
            Ok(offers) => {
                replace(map, &offers);
                false
            }
            Err(_) => true,
        },
        "stock" => match crate::json::from_str::<StockUpdate>(data) {
            Ok(update) => {
                let fresh = LiveStock {
                    release_opens_ms: update.release_opens_ms,
                    left: update.left,
                    stock: update.stock,
                    sold_out_at_ms: update.sold_out_at_ms,
                };
                match map.get_mut(&update.offer) {
                    Some(known) if known.release_opens_ms == update.release_opens_ms => {
                        known.left = update.left;
                        known.sold_out_at_ms = update.sold_out_at_ms;
                    }
                    // A new release (or offer): its size comes with the event.
                    _ => map.insert(update.offer, fresh),
                }
                false
            }
            Err(_) => true,
        },
        _ => true,
    }
}

/// Replaces `map` with the stock as `GET …/stock` gives it.
pub fn replace(map: &mut StockMap, offers: &[OfferStock]) {
    map.0.clear();
    for offer in offers {
        if let (Some(release_opens_ms), Some(left)) = (offer.release_opens_ms, offer.left) {
            map.insert(offer.offer.clone(), LiveStock { release_opens_ms, left, stock: offer.stock, sold_out_at_ms: offer.sold_out_at_ms });
        }
    }
}

/// Options of [`use_stock`].
#[derive(Clone, Copy, Debug)]
pub struct UseStockOptions {
    /// Poll this often when events fail, in milliseconds. Default 5 000.
    pub poll_ms: u32,
    /// Plus a random wait up to this. Default 3 000.
    pub poll_jitter_ms: u32,
    /// Follow the service at all. Default `true`; component tests pass stock in directly.
    pub live: bool,
}

impl Default for UseStockOptions {
    fn default() -> Self {
        UseStockOptions { poll_ms: 5_000, poll_jitter_ms: 3_000, live: true }
    }
}

/// The campaign's stock, kept current for as long as the current owner (the page) lives: the
/// event stream, a poll's wait and a read under way all end when it is cleaned up.
pub fn use_stock(campaign_id: String, options: UseStockOptions) -> RwSignal<StockMap> {
    // From the stock the service put in the page, until the event stream's snapshot arrives.
    let mut first = StockMap::new();
    if let Some(offers) = crate::boot::take_stock(&campaign_id) {
        replace(&mut first, &offers);
    }
    let stock = RwSignal::new(first);
    if options.live {
        spawn_scoped(follow(campaign_id, options, stock));
    }
    stock
}

/// Follows the event stream while it lasts, then polls. Runs until dropped with its page; the
/// stream is closed by that drop, not by the next event (which may be hours away).
async fn follow(campaign_id: String, options: UseStockOptions, stock: RwSignal<StockMap>) {
    let url = format!("api/v1/campaigns/{}/stock/events", api::encode_path_segment(&campaign_id));
    if let Ok(mut events) = EventSource::new(&url) {
        // Every event is applied as it arrives (a channel, not "the last message"), so two
        // offers' updates in the same tick are both kept.
        let subscriptions: Vec<_> = ["snapshot", "stock", "resync"].into_iter().filter_map(|name| events.subscribe(name).ok()).collect();
        let mut stream = select_all(subscriptions);
        // An error ends the loop: closed for good (the browser reconnects by itself otherwise).
        while let Some(Ok((event_type, message))) = stream.next().await {
            let data = message.data().as_string().unwrap_or_default();
            let mut resync = false;
            if stock.try_update(|map| resync = apply_event(map, &event_type, &data)).is_none() {
                return; // The page is gone.
            }
            if resync {
                read_all(&campaign_id, stock).await;
            }
        }
        drop(stream);
        events.close();
    }
    loop {
        read_all(&campaign_id, stock).await;
        sleep_ms(f64::from(options.poll_ms) + js_sys::Math::random() * f64::from(options.poll_jitter_ms)).await;
    }
}

/// Reads the whole stock once (a failed read leaves it as it was).
async fn read_all(campaign_id: &str, stock: RwSignal<StockMap>) {
    if let Ok(offers) = api::stock(campaign_id).await {
        stock.try_update(|map| replace(map, &offers));
    }
}
