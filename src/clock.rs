//! The service's clock, for every countdown and every "is it open" decision.
//!
//! The phone's clock may be minutes off. [`provide_server_clock`] measures the offset against
//! `GET /api/v1/time` (several exchanges, keeping the shortest round trip: `huiquan_core::clock`)
//! when the app starts and again whenever the page becomes visible, since a phone asleep in a
//! pocket may have had its clock changed. Phone time is `performance.timeOrigin + now()`, which
//! does not jump when the phone's wall clock is set.

use huiquan_core::clock::{ClockOffset, ClockSample, estimate};
use leptos::prelude::*;

use crate::{api, scoped::spawn_scoped};

/// Options of [`provide_server_clock`].
#[derive(Clone, Copy, Debug)]
pub struct ServerClockOptions {
    /// Exchanges per measurement. Default 5: enough for one to be quick on a busy network.
    pub samples: usize,
    /// Measure at all. Default `true`; component tests, which have no service, turn it off.
    pub measure: bool,
}

impl Default for ServerClockOptions {
    fn default() -> Self {
        ServerClockOptions { samples: 5, measure: true }
    }
}

/// The corrected clock, shared through context.
#[derive(Clone, Copy, Debug)]
pub struct ServerClock {
    offset: RwSignal<ClockOffset>,
}

impl ServerClock {
    /// A clock with a given offset (tests, and a host app that knows the time).
    pub fn with_offset(offset_ms: f64) -> ServerClock {
        ServerClock { offset: RwSignal::new(ClockOffset { offset_ms, uncertainty_ms: 0.0 }) }
    }

    /// The service's time now, in milliseconds since the epoch (not tracked).
    pub fn now_ms(&self) -> i64 {
        self.offset.get_untracked().server_time_ms(phone_now_ms())
    }

    /// The current estimate (tracked: countdowns re-plan when it changes).
    pub fn offset(&self) -> ClockOffset {
        self.offset.get()
    }
}

/// The phone's monotonic clock as milliseconds since the epoch.
pub fn phone_now_ms() -> f64 {
    match window().performance() {
        Some(performance) => performance.time_origin() + performance.now(),
        None => js_sys::Date::now(),
    }
}

/// Measures once: `samples` exchanges one after another.
pub async fn measure(samples: usize) -> Option<ClockOffset> {
    let mut taken = Vec::with_capacity(samples);
    for _ in 0..samples {
        let sent_ms = phone_now_ms();
        // A failed exchange is skipped: the others may do.
        if let Ok(time) = api::server_time().await {
            taken.push(ClockSample { sent_ms, server_ms: time.epoch_ms, received_ms: phone_now_ms() });
        }
    }
    estimate(&taken)
}

/// Provides the service's clock to everything inside, measuring it now and on every return
/// to the page.
pub fn provide_server_clock(options: ServerClockOptions) -> ServerClock {
    let clock = ServerClock { offset: RwSignal::new(ClockOffset::NONE) };
    provide_context(clock);
    if options.measure {
        let visible = RwSignal::new(true);
        let listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
            visible.set(document().visibility_state() == web_sys::VisibilityState::Visible);
        });
        on_cleanup(move || listener.remove());
        Effect::new(move |_| {
            // Scoped to the effect: hidden again (or the app unmounted) before it is done, the
            // measurement under way is dropped with its requests.
            if visible.get() {
                spawn_scoped(async move {
                    // In a task of its own, not the app's first (`pieces`).
                    crate::scoped::sleep_ms(0.0).await;
                    if let Some(offset) = measure(options.samples).await {
                        clock.offset.try_set(offset);
                    }
                });
            }
        });
    }
    clock
}

/// The service's clock; without a provider (a component mounted alone), the phone's own.
pub fn use_server_clock() -> ServerClock {
    use_context::<ServerClock>().unwrap_or_else(|| ServerClock::with_offset(0.0))
}
