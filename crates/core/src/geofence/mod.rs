//! The geofence: is a resident's browser fix inside the campaign city?
//!
//! A [`Boundary`] is the city's outline, read from GeoJSON together with the [`Crs`] it is drawn
//! in. A [`Fix`] is what `navigator.geolocation` reports: WGS-84 latitude and longitude and a 95%
//! accuracy radius. [`Boundary::locate`] converts the fix into the boundary's CRS and answers
//! with a [`Verdict`]: inside, outside, uncertain (the accuracy circle crosses the border), or too
//! inaccurate to judge at all.
//!
//! Everything here is pure arithmetic: no I/O, the same answer on wasm32 and native.
//!
//! ```
//! use huiquan_core::geofence::{Boundary, Crs, Fix, LocateOptions, Verdict};
//!
//! // A campaign ships its city's outline and says which CRS it is drawn in.
//! let outline = r#"{"type":"Polygon","coordinates":
//!     [[[117.0,39.0],[117.2,39.0],[117.2,39.2],[117.0,39.2],[117.0,39.0]]]}"#;
//! let city = Boundary::from_geojson(outline, Crs::Gcj02)?;
//! // From `navigator.geolocation.getCurrentPosition`: latitude, longitude, accuracy.
//! let fix = Fix::new(39.1, 117.1, 15.0)?;
//! match city.locate(&fix, &LocateOptions::default()) {
//!     Verdict::Inside { border_m } => assert!(border_m > 7_000.0),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod boundary;
pub mod geojson;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use boundary::Boundary;
pub use geojson::BoundaryError;

/// The coordinate reference system a boundary is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Crs {
    /// WGS-84 (EPSG:4326): GPS, `navigator.geolocation`, OpenStreetMap, RFC 7946 GeoJSON.
    #[serde(rename = "wgs84")]
    Wgs84,
    /// GCJ-02, the "Mars" coordinates of Chinese map vendors (Amap, Tencent) and most
    /// government GIS exports: WGS-84 shifted by an obfuscating offset of several hundred metres
    /// in mainland China, unshifted elsewhere.
    #[serde(rename = "gcj02")]
    Gcj02,
}
crate::wire::unit_enum_names!(Crs { "wgs84" => Crs::Wgs84, "gcj02" => Crs::Gcj02 });

/// A longitude and latitude in degrees, in GeoJSON's order, in whatever CRS the context says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

/// A position fix as the browser reports it: WGS-84, with the radius in metres within which the
/// true position lies with 95% confidence.
///
/// Only [`Fix::new`] (or deserialising, which calls it) makes one, so a `Fix` always holds finite
/// coordinates in range and a finite, non-negative accuracy.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "UncheckedFix")]
pub struct Fix {
    latitude: f64,
    longitude: f64,
    /// Named as in `GeolocationCoordinates`, so a fix passes through JSON unchanged.
    #[serde(rename = "accuracy")]
    accuracy_m: f64,
}

/// Why a fix was refused. Each variant carries the offending value.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum FixError {
    #[error("the latitude {0} is not a number of degrees between -90 and 90")]
    Latitude(f64),
    #[error("the longitude {0} is not a number of degrees between -180 and 180")]
    Longitude(f64),
    #[error("the accuracy {0} is not a finite, non-negative number of metres")]
    Accuracy(f64),
}

impl Fix {
    /// A fix from the browser's `coords.latitude`, `coords.longitude` and `coords.accuracy`.
    pub fn new(latitude: f64, longitude: f64, accuracy_m: f64) -> Result<Fix, FixError> {
        // Written as "not within" so that NaN, which fails every comparison, is refused too.
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(FixError::Latitude(latitude));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(FixError::Longitude(longitude));
        }
        if !accuracy_m.is_finite() || accuracy_m < 0.0 {
            return Err(FixError::Accuracy(accuracy_m));
        }
        Ok(Fix { latitude, longitude, accuracy_m })
    }

    /// A fix a host app reports in GCJ-02 (Alipay's `getLocation`, most Chinese map SDKs),
    /// brought back to WGS-84 (to well under a metre) so that it is judged like any other.
    pub fn from_gcj02(latitude: f64, longitude: f64, accuracy_m: f64) -> Result<Fix, FixError> {
        let checked = Fix::new(latitude, longitude, accuracy_m)?;
        let (longitude, latitude) = coordtransform::gcj02_to_wgs84(checked.longitude, checked.latitude);
        Fix::new(latitude, longitude, accuracy_m)
    }

    /// WGS-84 latitude in degrees.
    pub fn latitude(&self) -> f64 {
        self.latitude
    }

    /// WGS-84 longitude in degrees.
    pub fn longitude(&self) -> f64 {
        self.longitude
    }

    /// The 95% radius in metres.
    pub fn accuracy_m(&self) -> f64 {
        self.accuracy_m
    }

    /// Where the fix is in `crs`. GCJ-02 shifts only positions in mainland China; Hong Kong,
    /// Macau, Taiwan and abroad stay as they are (`coordtransform` decides with a simplified
    /// outline of the mainland, good away from those borders, which is where campaign cities are).
    pub fn position_in(&self, crs: Crs) -> LonLat {
        match crs {
            Crs::Wgs84 => LonLat { lon: self.longitude, lat: self.latitude },
            Crs::Gcj02 => {
                let (lon, lat) = coordtransform::wgs84_to_gcj02(self.longitude, self.latitude);
                LonLat { lon, lat }
            }
        }
    }
}

/// The browser's field names, before checking.
#[derive(Deserialize)]
struct UncheckedFix {
    latitude: f64,
    longitude: f64,
    accuracy: f64,
}

impl TryFrom<UncheckedFix> for Fix {
    type Error = FixError;

    fn try_from(raw: UncheckedFix) -> Result<Fix, FixError> {
        Fix::new(raw.latitude, raw.longitude, raw.accuracy)
    }
}

/// How strict [`Boundary::locate`] is.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocateOptions {
    /// A fix whose accuracy radius exceeds this many metres is [`Verdict::TooInaccurate`].
    ///
    /// Default 3000 m: cell-tower positioning reports 0.5–3 km, so a phone without GPS or Wi-Fi
    /// still qualifies; larger radii come from IP-address geolocation, which places a resident at
    /// the provider's gateway, possibly in another city, and whose radius is not a real 95% bound.
    pub max_accuracy_m: f64,
    /// Extra metres added to the accuracy radius before deciding that the circle clears the
    /// border, for an outline that is itself imprecise (a simplified or unofficial one).
    ///
    /// Default 0: the accuracy circle alone decides.
    pub border_margin_m: f64,
}

impl Default for LocateOptions {
    fn default() -> Self {
        LocateOptions { max_accuracy_m: 3000.0, border_margin_m: 0.0 }
    }
}

/// Where a fix is relative to a boundary. Distances are to the nearest point of the border
/// (exterior or hole), in metres.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The whole accuracy circle is inside.
    Inside { border_m: f64 },
    /// The whole accuracy circle is outside (or in a hole, an enclave of another city).
    Outside { border_m: f64 },
    /// The accuracy circle reaches the border (`border_m` ≤ accuracy + [`LocateOptions::border_margin_m`]):
    /// ask for a better fix. `centre_inside` tells on which side the reported position itself is.
    Uncertain { centre_inside: bool, border_m: f64 },
    /// The fix is too coarse to judge (see [`LocateOptions::max_accuracy_m`]).
    TooInaccurate { accuracy_m: f64, max_accuracy_m: f64 },
}

impl Verdict {
    /// True only for [`Verdict::Inside`]: the one answer that lets a resident claim.
    pub fn is_inside(&self) -> bool {
        matches!(self, Verdict::Inside { .. })
    }
}

impl Boundary {
    /// Judge `fix` against this boundary: convert it into the boundary's CRS, then compare the
    /// distance to the border with the accuracy radius.
    pub fn locate(&self, fix: &Fix, options: &LocateOptions) -> Verdict {
        let accuracy_m = fix.accuracy_m();
        // A NaN limit refuses every fix rather than accepting every one.
        if accuracy_m > options.max_accuracy_m || options.max_accuracy_m.is_nan() {
            return Verdict::TooInaccurate { accuracy_m, max_accuracy_m: options.max_accuracy_m };
        }
        let at = fix.position_in(self.crs());
        let centre_inside = self.contains(at);
        let border_m = self.distance_to_border_m(at);
        // A circle that just touches the border is uncertain too; and a NaN (a bad margin, or a
        // boundary without edges) must make the answer uncertain, never certain.
        let reach_m = accuracy_m + options.border_margin_m + self.border_margin_m();
        if border_m <= reach_m || border_m.is_nan() || reach_m.is_nan() {
            Verdict::Uncertain { centre_inside, border_m }
        } else if centre_inside {
            Verdict::Inside { border_m }
        } else {
            Verdict::Outside { border_m }
        }
    }
}
