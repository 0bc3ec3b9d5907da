//! The outline the app downloads: a city's boundary simplified for phones.
//!
//! Tianjin's official outline is 83 KB of GeoJSON, drawn to a precision no phone's fix has. The
//! app gets it simplified (Ramer–Douglas–Peucker with [`TOLERANCE_DEG`]) and rounded to
//! [`DECIMALS`], and the outline says how far its border may be from the true one
//! (`border_margin_m`), which the app's geofence adds to every fix's reach. So the simplified
//! outline can say "inside" or "outside" only where the full one says the same: RDP moves each
//! point of the border by at most the tolerance along a continuous deformation, so a fix farther
//! than twice that from the simplified border is on the same side of both. The service itself
//! always decides claims on the full outline.

use geo::{LineString, Simplify};
use huiquan_core::geofence::geojson::{BORDER_MARGIN_PROPERTY, Polygon, Ring};

/// Simplification tolerance in degrees (about 56 m of latitude).
pub const TOLERANCE_DEG: f64 = 0.0005;
/// Decimals kept of each coordinate (1e-4 degrees: about 11 m).
pub const DECIMALS: i32 = 4;
/// At most this many metres to a degree, in any direction, anywhere in China (a degree of
/// latitude is 110.6–111.7 km; of longitude, less), with the geofence's own distance measure.
const METRES_PER_DEGREE_AT_MOST: f64 = 111_700.0;

/// A simplified outline and what it cost.
pub struct PhoneOutline {
    pub geojson: String,
    pub border_margin_m: f64,
    pub vertices_before: usize,
    pub vertices_after: usize,
}

/// How far the simplified border may lie from the full one: twice the tolerance plus the
/// rounding (half a unit of the last decimal in each axis), in metres, with 2% to spare for the
/// GCJ-02 offset's stretch, rounded up.
pub fn border_margin_m() -> f64 {
    let rounding_deg = 0.5 * 10f64.powi(-DECIMALS) * std::f64::consts::SQRT_2;
    (2.0 * (TOLERANCE_DEG + rounding_deg) * METRES_PER_DEGREE_AT_MOST * 1.02).ceil()
}

/// The outline of `polygons`, simplified and rounded, as a GeoJSON Feature whose properties
/// state its border margin.
pub fn for_phones(polygons: &[Polygon]) -> PhoneOutline {
    let scale = 10f64.powi(DECIMALS);
    let round = |value: f64| (value * scale).round() / scale;
    let vertices_before = polygons.iter().flatten().map(Vec::len).sum();
    let simplified: Vec<Vec<Ring>> = polygons
        .iter()
        .map(|rings| {
            rings
                .iter()
                .map(|ring| {
                    let line: LineString<f64> = ring.iter().copied().collect();
                    let kept: Ring = line.simplify(TOLERANCE_DEG).coords().map(|coord| [round(coord.x), round(coord.y)]).collect();
                    // A ring needs four positions to stay a ring; a ring that small costs little kept whole.
                    if kept.len() >= 4 { kept } else { ring.iter().map(|&[lon, lat]| [round(lon), round(lat)]).collect() }
                })
                .collect()
        })
        .collect();
    let vertices_after = simplified.iter().flatten().map(Vec::len).sum();
    let border_margin_m = border_margin_m();
    let feature = serde_json::json!({
        "type": "Feature",
        "properties": { BORDER_MARGIN_PROPERTY: border_margin_m, "simplified_from_vertices": vertices_before },
        "geometry": { "type": "MultiPolygon", "coordinates": simplified },
    });
    PhoneOutline { geojson: feature.to_string(), border_margin_m, vertices_before, vertices_after }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use huiquan_core::{Boundary, Campaign, Fix, LocateOptions, Verdict};

    use super::*;

    /// Each seed campaign's id, full outline (as read and as GeoJSON) and simplified outline.
    fn shipped() -> Vec<(String, Boundary, String, PhoneOutline, Boundary)> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(repo.join("data/campaigns")).expect("campaigns") {
            let path = entry.expect("entry").path();
            let campaign: Campaign = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("a campaign");
            let json = std::fs::read_to_string(repo.join("data/geo").join(&campaign.boundary.file)).expect("boundary file");
            let full = Boundary::from_geojson(&json, campaign.boundary.crs).expect("full outline");
            let outline = for_phones(&huiquan_core::geofence::geojson::polygons(&json).expect("polygons"));
            let phone = Boundary::from_geojson(&outline.geojson, campaign.boundary.crs).expect("the simplified outline reads");
            found.push((campaign.id, full, json, outline, phone));
        }
        assert!(found.len() >= 4, "every seed campaign");
        found
    }

    #[test]
    fn a_simplified_outline_never_says_inside_or_outside_where_the_full_one_disagrees() {
        for (campaign, full, json, outline, phone) in shipped() {
            assert_eq!(phone.border_margin_m(), outline.border_margin_m);
            assert_eq!((phone.parts(), phone.holes()), (full.parts(), full.holes()), "{campaign}: every island and enclave kept");
            // A grid over the city and 3 km around it, and points just off every vertex of the
            // full border, where the two outlines differ most.
            let (mut west, mut south, mut east, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            let polygons = huiquan_core::geofence::geojson::polygons(&json).expect("polygons");
            let vertices: Vec<[f64; 2]> = polygons.iter().flatten().flatten().copied().collect();
            for [lon, lat] in &vertices {
                (west, south, east, north) = (west.min(*lon), south.min(*lat), east.max(*lon), north.max(*lat));
            }
            let pad = 0.03;
            let mut points: Vec<(f64, f64)> = Vec::new();
            let grid = 121 * 121;
            for i in 0..=120 {
                for j in 0..=120 {
                    let lon = west - pad + (east - west + 2.0 * pad) * f64::from(i) / 120.0;
                    let lat = south - pad + (north - south + 2.0 * pad) * f64::from(j) / 120.0;
                    points.push((lat, lon));
                }
            }
            for (k, [lon, lat]) in vertices.iter().enumerate().step_by(3) {
                let offset = [0.0002, 0.0005, 0.001, 0.003][k % 4];
                for (dlon, dlat) in [(offset, 0.0), (-offset, 0.0), (0.0, offset), (0.0, -offset)] {
                    points.push((lat + dlat, lon + dlon));
                }
            }
            // On the grid, how often the margin costs a decision the full outline makes.
            let mut lost_on_grid = 0;
            for (index, (lat, lon)) in points.into_iter().enumerate() {
                // A fix in the outline's own CRS: for GCJ-02 outlines, `position_in` converts the
                // WGS-84 fix first, the same way for both outlines.
                let Ok(fix) = Fix::new(lat, lon, 0.0) else { continue };
                let options = LocateOptions::default();
                match (phone.locate(&fix, &options), full.locate(&fix, &options)) {
                    (Verdict::Inside { .. }, Verdict::Inside { .. }) | (Verdict::Outside { .. }, Verdict::Outside { .. }) => {}
                    (Verdict::Uncertain { .. }, Verdict::Uncertain { .. }) => {}
                    (Verdict::Uncertain { .. }, _) => lost_on_grid += usize::from(index < grid),
                    (simplified, whole) => {
                        panic!("{campaign}: at {lat},{lon} the simplified outline says {simplified:?}, the full one {whole:?}")
                    }
                }
            }
            assert!(lost_on_grid * 50 < grid, "{campaign}: the margin leaves all but 2% of places decided ({lost_on_grid} of {grid})");
            println!(
                "{campaign}: {} of {} vertices kept, {} bytes",
                outline.vertices_after,
                outline.vertices_before,
                outline.geojson.len()
            );
            assert!(outline.vertices_after <= outline.vertices_before);
        }
    }

    #[test]
    fn the_margin_covers_twice_the_tolerance_and_the_rounding() {
        let margin = border_margin_m();
        assert!(margin >= 2.0 * TOLERANCE_DEG * 111_700.0, "{margin}");
        assert!(margin < 150.0, "a resident 150 m inside is told so: {margin}");
    }
}
