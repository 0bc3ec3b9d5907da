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
/// The picture's width in its own units; the height follows the city's shape.
const WIDTH: f64 = 320.0;
/// Room around the drawing, in the picture's units, so that a marker at the edge shows whole.
const PADDING: f64 = 10.0;

/// A city's outline ready to draw, in the CRS of its boundary file.
pub struct CityMap {
    rings: Vec<Ring>,
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
        let rings = polygons
            .iter()
            .flatten()
            .map(|ring| {
                let line: LineString<f64> = ring.iter().copied().collect();
                let kept: Ring = line.simplify(MAP_TOLERANCE_DEG).coords().map(|coord| [coord.x, coord.y]).collect();
                if kept.len() >= 4 { kept } else { ring.clone() }
            })
            .collect();
        CityMap { rings, crs }
    }

    /// How many points the drawn outline has.
    #[cfg(test)]
    fn vertices(&self) -> usize {
        self.rings.iter().map(Vec::len).sum()
    }

    /// The SVG: the outline, `merchants` (WGS-84 latitude and longitude) as numbered blue dots,
    /// and `you` as a green dot ringed in white. Everything shown is inside the picture: the
    /// frame is the outline's, grown to take in points outside the city.
    pub fn svg(&self, you: Option<(f64, f64)>, merchants: &[(f64, f64)]) -> String {
        // Positions are WGS-84; a GCJ-02 outline (Liaocheng's) is drawn in its own CRS, so they
        // are moved into it, as the geofence moves a fix.
        let to_map = |(lat, lon): (f64, f64)| {
            Fix::new(lat, lon, 1.0).ok().map(|fix| fix.position_in(self.crs)).map(|at| Point { lon: at.lon, lat: at.lat })
        };
        let you = you.and_then(to_map);
        let merchants: Vec<Point> = merchants.iter().copied().filter_map(to_map).collect();
        let all = self.rings.iter().flatten().map(|&[lon, lat]| Point { lon, lat }).chain(you).chain(merchants.iter().copied());
        let (mut west, mut east, mut south, mut north) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for point in all {
            west = west.min(point.lon);
            east = east.max(point.lon);
            south = south.min(point.lat);
            north = north.max(point.lat);
        }
        if west > east || south > north {
            return String::new();
        }
        // Equirectangular, a degree of longitude shortened by the cosine of the middle latitude:
        // true to shape over a city.
        let squeeze = ((south + north) / 2.0).to_radians().cos().max(0.01);
        let span = ((east - west) * squeeze).max(north - south).max(1e-6);
        let scale = (WIDTH - 2.0 * PADDING) / span;
        let height = ((north - south) * scale + 2.0 * PADDING).ceil();
        let x = |lon: f64| PADDING + (lon - west) * squeeze * scale;
        let y = |lat: f64| PADDING + (north - lat) * scale;

        let mut svg = String::with_capacity(8 * 1024);
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"><rect width="100%" height="100%" fill="#fbf8f1"/><path fill="#f3e3cf" stroke="#b3121f" stroke-width="1.5" stroke-linejoin="round" fill-rule="evenodd" d=""##
        );
        for ring in &self.rings {
            for (index, &[lon, lat]) in ring.iter().enumerate() {
                let _ = write!(svg, "{}{:.1} {:.1}", if index == 0 { "M" } else { "L" }, x(lon), y(lat));
            }
            svg.push('Z');
        }
        svg.push_str(r#""/>"#);
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
        if let Some(point) = you {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="7" fill="#1f7a3a" stroke="#fff" stroke-width="3"/>"##,
                x(point.lon),
                y(point.lat)
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
        // Merchants farthest first (so number 1 is on top), then the resident last.
        let drawn = circles(&svg);
        assert_eq!(drawn.len(), 3);
        let (second, first, you) = (drawn[0], drawn[1], drawn[2]);
        assert!(first.0 < you.0 && first.1 < you.1, "the first merchant is north-west of the resident: {first:?} {you:?}");
        assert!(second.0 > you.0 && second.1 > you.1, "the second is south-east: {second:?} {you:?}");
        assert!(svg.contains(">1</text>") && svg.contains(">2</text>"), "numbered as the list is");
        // The outline's path: one ring of five points, closed.
        let path = svg.split(" d=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("the outline's path");
        assert_eq!((path.matches('M').count(), path.matches('L').count(), path.matches('Z').count()), (1, 4, 1), "{path}");
    }

    #[test]
    fn a_position_outside_the_city_widens_the_picture_to_show_it() {
        let inside = square().svg(None, &[(39.5, 117.5)]);
        let outside = square().svg(Some((39.5, 120.0)), &[(39.5, 117.5)]);
        for svg in [&inside, &outside] {
            for (cx, cy) in circles(svg) {
                let height: f64 = svg
                    .split(" height=\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .and_then(|text| text.parse().ok())
                    .expect("height");
                assert!((0.0..=WIDTH).contains(&cx) && (0.0..=height).contains(&cy), "{cx},{cy} in 320×{height}");
            }
        }
        let merchant_x = |svg: &str| circles(svg)[0].0;
        assert!(merchant_x(&outside) < merchant_x(&inside), "the city shrinks to the left to make room");
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
        }
    }
}
