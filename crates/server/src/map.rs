//! Where to spend a voucher, as a picture: the city's outline, the position the resident searched
//! from, and the merchants of that search, numbered in the list's order.
//!
//! Drawn by the service as a small SVG (`GET /campaigns/{id}/merchants/map.svg`, the merchant
//! search's own parameters), not by the app: the app would need the outline (Tianjin's is 26 KB
//! brotli even simplified for the geofence) and drawing code in every resident's first visit.
//! Drawn at the size of a phone's screen, the outline needs far fewer points than the geofence
//! does: simplified again to [`MAP_TOLERANCE_DEG`], a city is a few KB. No tile server is
//! involved, and nothing leaves the service: the position is the search's `near`, already sent.

use std::fmt::Write;

use geo::{LineString, Simplify};
use huiquan_core::{
    Crs, Fix,
    geofence::geojson::{Polygon, Ring},
};

/// Simplification of the drawn outline, in degrees (about 330 m: under a pixel of a phone's
/// screen for a city 100 km across).
pub const MAP_TOLERANCE_DEG: f64 = 0.003;
/// Simplification of the border drawn around places (a few km across), where the coarse
/// outline would be visibly off: about 56 m, and only the stretch near the frame is sent.
pub const NEAR_TOLERANCE_DEG: f64 = 0.0005;
/// The picture's width and height in its own units (4:3, a phone's width).
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 240.0;
/// Room around the drawing, in the picture's units, so that a marker at the edge shows whole.
const PADDING: f64 = 14.0;
/// The least a picture of places shows, in degrees of latitude (about 2.2 km): nearby shops are
/// told apart, and the streets' scale is plain from the border when it is in view.
const LEAST_SPAN_DEG: f64 = 0.02;

/// A city's outline ready to draw, in the CRS of its boundary file.
pub struct CityMap {
    rings: Vec<Ring>,
    /// The same border drawn finer, for pictures of places.
    near_rings: Vec<Ring>,
    crs: Crs,
}

/// A point to draw: longitude and latitude in the map's CRS.
#[derive(Clone, Copy)]
struct Point {
    lon: f64,
    lat: f64,
}

impl CityMap {
    pub fn new(polygons: &[Polygon], crs: Crs) -> CityMap {
        let simplified = |tolerance: f64| -> Vec<Ring> {
            polygons
                .iter()
                .flatten()
                .map(|ring| {
                    let line: LineString<f64> = ring.iter().copied().collect();
                    let kept: Ring = line.simplify(tolerance).coords().map(|coord| [coord.x, coord.y]).collect();
                    if kept.len() >= 4 { kept } else { ring.clone() }
                })
                .collect()
        };
        CityMap { rings: simplified(MAP_TOLERANCE_DEG), near_rings: simplified(NEAR_TOLERANCE_DEG), crs }
    }

    /// How many points the drawn outline has.
    #[cfg(test)]
    fn vertices(&self) -> usize {
        self.rings.iter().map(Vec::len).sum()
    }

    /// The SVG: the outline, `merchants` (WGS-84 latitude and longitude) as numbered blue dots,
    /// and `you` as a green dot ringed in white. The frame takes in the resident and the shops
    /// (at least [`LEAST_SPAN_DEG`] across), with the city's border as far as it is in view;
    /// with no places, the whole city.
    pub fn svg(&self, you: Option<(f64, f64)>, merchants: &[(f64, f64)]) -> String {
        // Positions are WGS-84; a GCJ-02 outline (Liaocheng's) is drawn in its own CRS, so they
        // are moved into it, as the geofence moves a fix.
        let to_map = |(lat, lon): (f64, f64)| {
            Fix::new(lat, lon, 1.0).ok().map(|fix| fix.position_in(self.crs)).map(|at| Point { lon: at.lon, lat: at.lat })
        };
        let you = you.and_then(to_map);
        let merchants: Vec<Point> = merchants.iter().copied().filter_map(to_map).collect();
        let places: Vec<Point> = you.into_iter().chain(merchants.iter().copied()).collect();
        let whole_city = places.is_empty();
        let framed: Vec<Point> =
            if whole_city { self.rings.iter().flatten().map(|&[lon, lat]| Point { lon, lat }).collect() } else { places };
        let (mut west, mut east, mut south, mut north) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for point in &framed {
            west = west.min(point.lon);
            east = east.max(point.lon);
            south = south.min(point.lat);
            north = north.max(point.lat);
        }
        if west > east || south > north {
            return String::new();
        }
        // Equirectangular, a degree of longitude shortened by the cosine of the middle latitude:
        // true to shape over a city. The frame is centred on what it takes in.
        let (middle_lat, middle_lon) = ((south + north) / 2.0, (west + east) / 2.0);
        let squeeze = middle_lat.to_radians().cos().max(0.01);
        let inner = (WIDTH - 2.0 * PADDING, HEIGHT - 2.0 * PADDING);
        let scale = (inner.0 / ((east - west) * squeeze).max(1e-9)).min(inner.1 / (north - south).max(1e-9)).min(inner.1 / LEAST_SPAN_DEG);
        let x = |lon: f64| WIDTH / 2.0 + (lon - middle_lon) * squeeze * scale;
        let y = |lat: f64| HEIGHT / 2.0 - (lat - middle_lat) * scale;
        let height = HEIGHT;

        let mut svg = String::with_capacity(8 * 1024);
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"><rect width="100%" height="100%" fill="#fbf8f1"/>"##
        );
        if whole_city {
            // The whole city, filled.
            svg.push_str(r##"<path fill="#f3e3cf" stroke="#b3121f" stroke-width="1.5" stroke-linejoin="round" fill-rule="evenodd" d=""##);
            for ring in &self.rings {
                for (index, &[lon, lat]) in ring.iter().enumerate() {
                    let _ = write!(svg, "{}{:.1} {:.1}", if index == 0 { "M" } else { "L" }, x(lon), y(lat));
                }
                svg.push('Z');
            }
        } else {
            // Around places: the finer border, only its stretches near the frame (a line
            // leaving it is drawn to its next point, which the picture's edge cuts off).
            svg.push_str(r##"<path fill="none" stroke="#b3121f" stroke-width="2" stroke-dasharray="6 3" stroke-linejoin="round" d=""##);
            let near = |(px, py): (f64, f64)| (-WIDTH..=2.0 * WIDTH).contains(&px) && (-HEIGHT..=2.0 * HEIGHT).contains(&py);
            for ring in &self.near_rings {
                let mut drawing = false;
                let mut previous: Option<(f64, f64)> = None;
                for &[lon, lat] in ring {
                    let point = (x(lon), y(lat));
                    let shown = near(point) || previous.is_some_and(near);
                    match (shown, drawing, previous) {
                        (true, false, Some((px, py))) => {
                            let _ = write!(svg, "M{px:.1} {py:.1}L{:.1} {:.1}", point.0, point.1);
                        }
                        (true, false, None) => {
                            let _ = write!(svg, "M{:.1} {:.1}", point.0, point.1);
                        }
                        (true, true, _) => {
                            let _ = write!(svg, "L{:.1} {:.1}", point.0, point.1);
                        }
                        (false, ..) => {}
                    }
                    drawing = shown;
                    previous = Some(point);
                }
            }
        }
        svg.push_str(r#""/>"#);
        // The resident: a green ring under the shops, so a shop next door shows inside it.
        if let Some(point) = you {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="13" fill="#1f7a3a" fill-opacity="0.25" stroke="#1f7a3a" stroke-width="3"/>"##,
                x(point.lon),
                y(point.lat)
            );
        }
        // A scale bar of a round length, at most a third of the width (1 km, 500 m …).
        let units_per_metre = scale / 111_320.0;
        if let Some(metres) = [100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0]
            .into_iter()
            .rev()
            .find(|metres: &f64| metres * units_per_metre <= WIDTH / 3.0)
        {
            let length = metres * units_per_metre;
            let label = if metres >= 1_000.0 { format!("{} km", metres / 1_000.0) } else { format!("{metres} m") };
            let _ = write!(
                svg,
                r##"<path d="M{PADDING} {bottom}h{length:.1}" stroke="#595959" stroke-width="2"/><text x="{PADDING}" y="{label_y}" font-family="sans-serif" font-size="10" fill="#595959">{label}</text>"##,
                bottom = HEIGHT - 6.0,
                label_y = HEIGHT - 10.0,
            );
        }
        // The farthest first, so the nearest (number 1) is drawn on top.
        for (index, point) in merchants.iter().enumerate().rev() {
            let (cx, cy) = (x(point.lon), y(point.lat));
            let _ = write!(
                svg,
                r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="8" fill="#1f5fa8" stroke="#fff" stroke-width="1.5"/><text x="{cx:.1}" y="{:.1}" font-family="sans-serif" font-size="10" font-weight="bold" fill="#fff" text-anchor="middle">{}</text>"##,
                cy + 3.5,
                index + 1
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A square city from (117, 39) to (118, 40), as a boundary file would give it.
    fn square() -> CityMap {
        let ring: Ring = vec![[117.0, 39.0], [118.0, 39.0], [118.0, 40.0], [117.0, 40.0], [117.0, 39.0]];
        CityMap::new(&[vec![ring]], Crs::Wgs84)
    }

    /// The centres of the circles of `svg`, in order.
    fn circles(svg: &str) -> Vec<(f64, f64)> {
        svg.split("<circle cx=\"")
            .skip(1)
            .map(|rest| {
                let cx: f64 = rest.split('"').next().and_then(|text| text.parse().ok()).expect("cx");
                let cy: f64 =
                    rest.split("cy=\"").nth(1).and_then(|rest| rest.split('"').next()).and_then(|text| text.parse().ok()).expect("cy");
                (cx, cy)
            })
            .collect()
    }

    #[test]
    fn the_resident_and_the_merchants_are_drawn_where_they_are_north_up() {
        let svg = square().svg(Some((39.5, 117.5)), &[(39.9, 117.1), (39.1, 117.9)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        // The resident first (underneath), then the merchants farthest first (number 1 on top).
        let drawn = circles(&svg);
        assert_eq!(drawn.len(), 3);
        let (you, second, first) = (drawn[0], drawn[1], drawn[2]);
        assert!(first.0 < you.0 && first.1 < you.1, "the first merchant is north-west of the resident: {first:?} {you:?}");
        assert!(second.0 > you.0 && second.1 > you.1, "the second is south-east: {second:?} {you:?}");
        assert!(svg.contains(">1</text>") && svg.contains(">2</text>"), "numbered as the list is");
        assert!(svg.contains(" km</text>") || svg.contains(" m</text>"), "a scale bar");
        // The outline's path: one ring of five points, closed.
        let path = svg.split(" d=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("the outline's path");
        // Around places the border is a line, not a filled shape: its four sides, not closed.
        assert_eq!((path.matches('M').count(), path.matches('L').count(), path.matches('Z').count()), (1, 4, 0), "{path}");
    }

    #[test]
    fn the_picture_frames_the_resident_and_the_shops_however_far_apart() {
        let near = square().svg(Some((39.5, 117.5)), &[(39.501, 117.501)]);
        let far = square().svg(Some((39.5, 120.0)), &[(39.5, 117.5), (39.9, 117.2)]);
        for svg in [&near, &far] {
            for (cx, cy) in circles(svg) {
                let inside = |at: f64, size: f64| (PADDING - 0.1..=size - PADDING + 0.1).contains(&at);
                assert!(inside(cx, WIDTH) && inside(cy, HEIGHT), "{cx},{cy}");
            }
        }
        // Two places 150 m apart are drawn apart (the least span), not on top of each other.
        let drawn = circles(&near);
        let apart = ((drawn[0].0 - drawn[1].0).powi(2) + (drawn[0].1 - drawn[1].1).powi(2)).sqrt();
        assert!(apart > 10.0, "{drawn:?}");
        // With no places, the whole city, its border within the frame.
        let city = square().svg(None, &[]);
        let path = city.split(" d=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("the outline's path");
        for pair in path.split(['M', 'L', 'Z']).filter(|pair| !pair.is_empty()) {
            let (cx, cy) = pair.split_once(' ').expect("x y");
            let (cx, cy): (f64, f64) = (cx.parse().expect("x"), cy.parse().expect("y"));
            assert!((0.0..=WIDTH).contains(&cx) && (0.0..=HEIGHT).contains(&cy), "{pair}");
        }
    }

    #[test]
    fn the_shipped_outlines_are_drawn_with_a_few_hundred_points() {
        let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        for file in ["tianjin.geojson", "liaocheng.geojson"] {
            let path = repo.join("data/geo").join(file);
            let Ok(json) = std::fs::read_to_string(&path) else { continue };
            let polygons = huiquan_core::geofence::geojson::polygons(&json).expect("an outline");
            let map = CityMap::new(&polygons, Crs::Wgs84);
            let svg = map.svg(None, &[]);
            assert!(map.vertices() < 2_000, "{file}: {} points", map.vertices());
            assert!(svg.len() < 30_000, "{file}: {} bytes", svg.len());
            // Around a place only the near stretch of the finer border is sent.
            let centre = polygons[0][0][0];
            let near = map.svg(Some((centre[1], centre[0])), &[]);
            assert!(near.len() < 12_000, "{file}: {} bytes around a place", near.len());
        }
    }
}
