//! Where the resident is, judged against the campaign's city outline.
//!
//! One capability: [`use_location`] asks the position source (the browser, or the host app that
//! embeds the page: `host`) only when the resident taps, and
//! turns what it answers into a [`LocationState`] the gate puts into words. The judging is core's
//! geofence (the fix is converted into the outline's CRS there); the service judges again.
//!
//! The geofence (geo's algorithms, the GCJ-02 conversion, the outline's GeoJSON reader) is a wasm
//! module of its own in the size build, fetched with the outline when the resident first asks
//! where they are ([`read_outline`]): a resident who never asks downloads neither, and one who
//! does waits for them beside the position itself. The app holds the outline as a [`Geofence`].

mod gate;
mod host;

pub use gate::{LocationGate, distance_words};
pub use host::{host_get_location, host_reading};

use std::sync::Arc;

use huiquan_core::{Boundary, Crs, Fix, LocateOptions, Verdict};
use leptos::{prelude::*, wasm_split::SplitLoaderError};
use wasm_bindgen::{JsCast, closure::Closure};

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
    /// The same in GCJ-02, as a host app may give them (Alipay).
    Gcj02(f64, f64, f64),
    /// A `GeolocationPositionError` code: 1 denied, 2 unavailable, 3 timeout.
    Error(u16),
}

/// A city outline that judges positions: core's [`Boundary`], whose code is in the geofence's
/// module (the app's own code reaches it only through this trait's table).
pub trait Geofence: Send + Sync {
    /// The fix for `reading` (a position), and what the outline says of it; `None` when the
    /// reading is no position at all (a browser that reports nonsense).
    fn judge_position(&self, reading: Reading, options: &LocateOptions) -> Option<(Fix, Verdict)>;
}

impl Geofence for Boundary {
    fn judge_position(&self, reading: Reading, options: &LocateOptions) -> Option<(Fix, Verdict)> {
        let fix = match reading {
            Reading::Gcj02(latitude, longitude, accuracy) => Fix::from_gcj02(latitude, longitude, accuracy),
            Reading::Position(latitude, longitude, accuracy) => Fix::new(latitude, longitude, accuracy),
            Reading::Nothing | Reading::Error(_) => return None,
        }
        .ok()?;
        Some((fix, self.locate(&fix, options)))
    }
}

/// The outline in `geojson` (as the service sends it) as a geofence in `crs`; `None` when it
/// does not read. Its code, and the geofence's, is fetched on the first call in the size build.
#[cfg(huiquan_split)]
#[leptos::wasm_split::wasm_split(geofence, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn read_outline(geojson: String, crs: Crs) -> Result<Option<Arc<dyn Geofence>>, SplitLoaderError> {
    Ok(outline_of(&geojson, crs))
}

/// The outline in `geojson` (as the service sends it) as a geofence in `crs`; `None` when it
/// does not read. Its code, and the geofence's, is fetched on the first call in the size build.
#[cfg(not(huiquan_split))]
pub async fn read_outline(geojson: String, crs: Crs) -> Result<Option<Arc<dyn Geofence>>, SplitLoaderError> {
    Ok(outline_of(&geojson, crs))
}

fn outline_of(geojson: &str, crs: Crs) -> Option<Arc<dyn Geofence>> {
    Boundary::from_geojson(geojson, crs).ok().map(|boundary| Arc::new(boundary) as Arc<dyn Geofence>)
}

/// The state for what the source reported; `asked` is whether the resident has tapped.
pub fn judge(asked: bool, reading: Reading, geofence: Option<&dyn Geofence>, options: &LocateOptions) -> LocationState {
    if !asked {
        return LocationState::NotAsked;
    }
    match reading {
        Reading::Nothing => LocationState::Asking,
        Reading::Error(1) => LocationState::Denied,
        Reading::Error(3) => LocationState::TimedOut,
        Reading::Error(_) => LocationState::Unavailable,
        Reading::Position(..) | Reading::Gcj02(..) => match geofence {
            // The outline (and the geofence's code) is still on its way.
            None => LocationState::Asking,
            Some(geofence) => match geofence.judge_position(reading, options) {
                Some((fix, verdict)) => LocationState::Judged { fix, verdict },
                // A browser that reports nonsense has, in effect, no position.
                None => LocationState::Unavailable,
            },
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
    /// Accept a position this old when first asked. Default 60 000: the resident is not moving
    /// far meanwhile. Asking again always wants a new one.
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

/// Asks the browser once for its position (`getCurrentPosition`), into `reading`: one answer
/// for one tap is all the app needs, so there is no watch to stop. (leptos-use's
/// `use_geolocation`, a watch behind signals, cost 2 KB of the first visit for this.) An answer
/// that comes after its page has gone sets a disposed signal, which does nothing.
pub fn ask_browser(reading: RwSignal<Reading>, high_accuracy: bool, timeout_ms: u32, maximum_age_ms: u32) {
    let Ok(geolocation) = window().navigator().geolocation() else {
        reading.set(Reading::Error(2));
        return;
    };
    let found = Closure::once_into_js(move |position: web_sys::Position| {
        let coords = position.coords();
        reading.set(Reading::Position(coords.latitude(), coords.longitude(), coords.accuracy()));
    });
    let failed = Closure::once_into_js(move |error: web_sys::PositionError| reading.set(Reading::Error(error.code())));
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(high_accuracy);
    options.set_timeout(timeout_ms);
    options.set_maximum_age(maximum_age_ms);
    let _ = geolocation.get_current_position_with_error_callback_and_options(found.unchecked_ref(), Some(failed.unchecked_ref()), &options);
}

/// The resident's position from the browser, judged against `geofence` once it has arrived.
pub fn use_location(
    geofence: Signal<Option<Arc<dyn Geofence>>>,
    options: UseLocationOptions,
) -> UseLocationReturn<impl Fn() + Clone + Send + Sync> {
    let asked = RwSignal::new(false);
    // The source's latest answer; cleared on each tap so that a second try shows "asking"
    // rather than the last failure.
    let reading = RwSignal::new(Reading::Nothing);
    let locate = options.locate;
    let state = Signal::derive(move || geofence.with(|geofence| judge(asked.get(), reading.get(), geofence.as_deref(), &locate)));
    let (high_accuracy, timeout_ms, maximum_age_ms) = (options.high_accuracy, options.timeout_ms, options.maximum_age_ms);
    // Asked again, the resident has moved or wants a better fix: only a new position will do.
    let resume = move |again: bool| ask_browser(reading, high_accuracy, timeout_ms, if again { 0 } else { maximum_age_ms });
    let host = crate::host::use_host();
    let ask = move || {
        let again = asked.get_untracked();
        asked.set(true);
        reading.set(Reading::Nothing);
        // A host app that gives positions is asked instead of the browser (without a host in
        // context, a component mounted alone, the browser is).
        if !host.is_some_and(|host| host.ask_position(reading)) {
            resume(again);
        }
    };
    UseLocationReturn { state, ask }
}
