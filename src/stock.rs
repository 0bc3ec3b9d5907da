//! Live stock of a campaign's offers.
//!
//! [`use_stock`] follows `…/stock/events` (server-sent events: a `snapshot`, then a `stock`
//! event after every claim that changed a release; the browser reconnects by itself and gets a
//! new snapshot). When events fail for good (a proxy that buffers them, a partner webview without
//! EventSource), it polls `GET …/stock` instead, with jitter so that a crowd does not poll in step.

use std::collections::HashMap;

use futures_util::{StreamExt, stream::select_all};
use gloo_net::eventsource::futures::EventSource;
use huiquan_core::api::{OfferStock, StockUpdate};
use leptos::prelude::*;

use crate::api;

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

/// Offer id → its live stock.
pub type StockMap = HashMap<String, LiveStock>;

/// Applies one event of the stream (`snapshot`, `stock` or `resync`) to `map`; returns whether the
/// reader should read the whole stock again (a `resync`, or data it could not read).
pub fn apply_event(map: &mut StockMap, event_type: &str, data: &str) -> bool {
    match event_type {
        "snapshot" => match serde_json::from_str::<Vec<OfferStock>>(data) {
            Ok(offers) => {
                replace(map, &offers);
                false
            }
            Err(_) => true,
        },
        "stock" => match serde_json::from_str::<StockUpdate>(data) {
            Ok(update) => {
                let fresh = LiveStock { release_opens_ms: update.release_opens_ms, left: update.left, stock: None, sold_out_at_ms: update.sold_out_at_ms };
                let entry = map.entry(update.offer).or_insert(fresh);
                if entry.release_opens_ms != update.release_opens_ms {
                    // A new release: its size is not in the event.
                    *entry = fresh;
                } else {
                    entry.left = update.left;
                    entry.sold_out_at_ms = update.sold_out_at_ms;
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
    map.clear();
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

/// The campaign's stock, kept current.
pub fn use_stock(campaign_id: String, options: UseStockOptions) -> RwSignal<StockMap> {
    let stock = RwSignal::new(StockMap::new());
    if !options.live {
        return stock;
    }
    let read_all = {
        let campaign_id = campaign_id.clone();
        move || {
            let campaign_id = campaign_id.clone();
            leptos::task::spawn_local(async move {
                if let Ok(offers) = api::stock(&campaign_id).await {
                    stock.update(|map| replace(map, &offers));
                }
            });
        }
    };
    let url = format!("/api/v1/campaigns/{}/stock/events", api::encode_path_segment(&campaign_id));
    let stopped = StoredValue::new(false);
    on_cleanup(move || stopped.set_value(true));
    match EventSource::new(&url) {
        Ok(mut events) => {
            // Every event is applied as it arrives (a channel, not "the last message"), so two
            // offers' updates in the same tick are both kept.
            let subscriptions: Vec<_> = ["snapshot", "stock", "resync"].into_iter().filter_map(|name| events.subscribe(name).ok()).collect();
            leptos::task::spawn_local(async move {
                let mut stream = select_all(subscriptions);
                while let Some(item) = stream.next().await {
                    if stopped.try_get_value().unwrap_or(true) {
                        break;
                    }
                    match item {
                        Ok((event_type, message)) => {
                            let data = message.data().as_string().unwrap_or_default();
                            let mut resync = false;
                            stock.update(|map| resync = apply_event(map, &event_type, &data));
                            if resync {
                                read_all();
                            }
                        }
                        // Closed for good (the browser reconnects by itself otherwise): poll.
                        Err(_) => {
                            poll(read_all, options, stopped);
                            break;
                        }
                    }
                }
                events.close();
            });
        }
        Err(_) => poll(read_all, options, stopped),
    }
    stock
}

fn poll(read_all: impl Fn() + Clone + 'static, options: UseStockOptions, stopped: StoredValue<bool>) {
    if stopped.try_get_value().unwrap_or(true) {
        return;
    }
    read_all();
    let wait = f64::from(options.poll_ms) + js_sys::Math::random() * f64::from(options.poll_jitter_ms);
    let again = read_all.clone();
    set_timeout(move || poll(again, options, stopped), std::time::Duration::from_millis(wait as u64));
}
