//! Where the resident is, judged against the campaign's city outline.
//!
//! One capability: [`use_location`] asks the position source (the browser, or the host app that
//! embeds the page: `host`) only when the resident taps, and
//! turns what it answers into a [`LocationState`] the gate puts into words. The judging is core's
//! geofence (the fix is converted into the outline's CRS there); the service judges again.

mod gate;
mod host;

pub use gate::{LocationGate, distance_words};
pub use host::{host_get_location, host_reading};

use huiquan_core::{Boundary, Fix, LocateOptions, Verdict};
use leptos::prelude::*;
use leptos_use_geolocation::{UseGeolocationOptions, use_geolocation_with_options};

/// The resident's location on the current page, shared through context with every claim button.
#[derive(Clone, Copy)]
pub struct CurrentLocation(pub Signal<LocationState>);

/// Everything the gate can say about the resident's position.
#[derive(Clone, Debug, PartialEq)]
pub enum LocationState {
    /// Nothing asked yet: the app never asks on load.
    NotAsked,
    /// Waiting for the position (or for the city outline to arrive).
    Asking,
    /// The resident or the browser refused (`PERMISSION_DENIED`).
    Denied,
    /// The phone could not find itself (`POSITION_UNAVAILABLE`).
    Unavailable,
    /// No position in time (`TIMEOUT`).
    TimedOut,
    /// A position, and what the outline says of it.
    Judged { fix: Fix, verdict: Verdict },
}

impl LocationState {
    /// The fix to send with a claim: only one the service could accept.
    pub fn fix(&self) -> Option<Fix> {
        match self {
            LocationState::Judged { fix, .. } => Some(*fix),
            _ => None,
        }
    }
}

/// What a position source reported last, in the terms of the Geolocation API.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reading {
    Nothing,
    /// `latitude`, `longitude`, `accuracy` as `GeolocationCoordinates` gives them.
    Position(f64, f64, f64),
    /// A `GeolocationPositionError` code: 1 denied, 2 unavailable, 3 timeout.
    Error(u16),
}

/// The state for what the source reported; `asked` is whether the resident has tapped.
pub fn judge(asked: bool, reading: Reading, boundary: Option<&Boundary>, options: &LocateOptions) -> LocationState {
    if !asked {
        return LocationState::NotAsked;
    }
    match reading {
        Reading::Nothing => LocationState::Asking,
        Reading::Error(1) => LocationState::Denied,
        Reading::Error(3) => LocationState::TimedOut,
        Reading::Error(_) => LocationState::Unavailable,
        Reading::Position(latitude, longitude, accuracy) => match (Fix::new(latitude, longitude, accuracy), boundary) {
            // A browser that reports nonsense has, in effect, no position.
            (Err(_), _) => LocationState::Unavailable,
            (Ok(_), None) => LocationState::Asking,
            (Ok(fix), Some(boundary)) => LocationState::Judged { fix, verdict: boundary.locate(&fix, options) },
        },
    }
}

/// Options of [`use_location`].
#[derive(Clone, Debug)]
pub struct UseLocationOptions {
    /// Ask for GPS rather than a quick network position. Default `true`: near a border a
    /// cell-tower fix is too coarse to decide, and the resident has just asked.
    pub high_accuracy: bool,
    /// Give up after this many milliseconds. Default 20 000.
    pub timeout_ms: u32,
    /// Accept a position this old. Default 60 000: the resident is not moving far meanwhile.
    pub maximum_age_ms: u32,
    /// How fixes are judged. Default [`LocateOptions::default`].
    pub locate: LocateOptions,
}

impl Default for UseLocationOptions {
    fn default() -> Self {
        UseLocationOptions { high_accuracy: true, timeout_ms: 20_000, maximum_age_ms: 60_000, locate: LocateOptions::default() }
    }
}

/// What [`use_location`] returns.
pub struct UseLocationReturn<Ask: Fn() + Clone + Send + Sync> {
    pub state: Signal<LocationState>,
    /// Asks the source (again): call it from the resident's tap.
    pub ask: Ask,
}

/// The resident's position from the browser, judged against `boundary` once it has arrived.
pub fn use_location(
    boundary: Signal<Option<std::sync::Arc<Boundary>>>,
    options: UseLocationOptions,
) -> UseLocationReturn<impl Fn() + Clone + Send + Sync> {
    let geolocation = use_geolocation_with_options(
        UseGeolocationOptions::default()
            .immediate(false)
            .enable_high_accuracy(options.high_accuracy)
            .timeout(options.timeout_ms)
            .maximum_age(options.maximum_age_ms),
    );
    let asked = RwSignal::new(false);
    // The source's latest answer; cleared on each tap so that a second try shows "asking"
    // rather than the last failure.
    let reading = RwSignal::new(Reading::Nothing);
    let (coords, error) = (geolocation.coords, geolocation.error);
    Effect::new(move |_| {
        let position = coords.with(|coords| coords.as_ref().map(|c| (c.latitude(), c.longitude(), c.accuracy())));
        let code = error.with(|error| error.as_ref().map(|e| e.code()));
        reading.set(match (position, code) {
            (_, Some(code)) => Reading::Error(code),
            (Some((latitude, longitude, accuracy)), None) => Reading::Position(latitude, longitude, accuracy),
            (None, None) => Reading::Nothing,
        });
    });
    let locate = options.locate;
    let state = Signal::derive(move || boundary.with(|boundary| judge(asked.get(), reading.get(), boundary.as_deref(), &locate)));
    let resume = geolocation.resume;
    let ask = move || {
        asked.set(true);
        reading.set(Reading::Nothing);
        // A host app that gives positions is asked instead of the browser.
        match host_get_location() {
            Some(get_location) => crate::scoped::spawn_scoped(async move {
                let answer = host_reading(&get_location).await;
                reading.set(answer);
            }),
            None => resume(),
        }
    };
    UseLocationReturn { state, ask }
}
