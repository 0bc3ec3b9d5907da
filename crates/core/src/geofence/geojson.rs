//! Just enough GeoJSON (RFC 7946) to read an outline: Polygon and MultiPolygon geometries, bare
//! or inside a Feature, FeatureCollection or GeometryCollection.
//!
//! Read with serde_json's `Value`, which the crate has anyway: a GeoJSON crate would add code to
//! the app's WebAssembly for geometry types the geofence never uses.

use serde_json::Value;

/// A closed ring (first position repeated last) of `[lon, lat]`, in the file's CRS.
pub type Ring = Vec<[f64; 2]>;

/// A polygon: its exterior ring, then its holes.
pub type Polygon = Vec<Ring>;

/// The name of the Feature property by which a simplified outline says how far its border may
/// lie from the true one, in metres: whoever locates with it adds that to the uncertain margin.
pub const BORDER_MARGIN_PROPERTY: &str = "border_margin_m";

/// Why an outline was refused. `at` is a path into the document, e.g.
/// `$.features[0].geometry.coordinates[0][12]`.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    #[error("the boundary is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the boundary is not GeoJSON of the expected shape: {at} should be {expected}")]
    Malformed { at: String, expected: &'static str },
    #[error("the boundary must be a Polygon or MultiPolygon, but {at} is a {found}")]
    NotAPolygon { at: String, found: String },
    #[error("{at} is not a position: it must be [longitude, latitude] within ±180 and ±90")]
    BadPosition { at: String },
    #[error("the ring at {at} has fewer than 4 positions")]
    ShortRing { at: String },
    #[error("the ring at {at} is not closed: its last position must repeat its first")]
    OpenRing { at: String },
    #[error("the boundary contains no polygon")]
    Empty,
}

/// Every polygon in `json`, in document order.
pub fn polygons(json: &str) -> Result<Vec<Polygon>, BoundaryError> {
    outline(json).map(|(polygons, _)| polygons)
}

/// Every polygon in `json`, and the border margin a simplified outline states (0 for one that
/// states none): a number of metres, 0 or more, in the root Feature's properties.
pub(super) fn outline(json: &str) -> Result<(Vec<Polygon>, f64), BoundaryError> {
    let value: Value = serde_json::from_str(json)?;
    let mut found = Vec::new();
    collect(&value, "$", &mut found)?;
    if found.is_empty() {
        return Err(BoundaryError::Empty);
    }
    let margin_m = match value.get("properties").and_then(|properties| properties.get(BORDER_MARGIN_PROPERTY)) {
        None => 0.0,
        Some(margin) => margin
            .as_f64()
            .filter(|margin| margin.is_finite() && *margin >= 0.0)
            .ok_or_else(|| malformed("$.properties.border_margin_m", "a number of metres, 0 or more"))?,
    };
    Ok((found, margin_m))
}

fn malformed(at: &str, expected: &'static str) -> BoundaryError {
    BoundaryError::Malformed { at: at.to_owned(), expected }
}

fn collect(value: &Value, at: &str, found: &mut Vec<Polygon>) -> Result<(), BoundaryError> {
    let kind = value.get("type").and_then(Value::as_str).ok_or_else(|| malformed(at, "a GeoJSON object with a \"type\""))?;
    let member = |name: &'static str| {
        let at = format!("{at}.{name}");
        match value.get(name) {
            Some(member) => Ok((member, at)),
            None => Err(malformed(&at, "present")),
        }
    };
    match kind {
        "FeatureCollection" => {
            let (features, at) = member("features")?;
            for (i, feature) in array(features, &at, "an array of Features")?.iter().enumerate() {
                collect(feature, &format!("{at}[{i}]"), found)?;
            }
        }
        "Feature" => {
            let (geometry, at) = member("geometry")?;
            // A Feature without a location is legal GeoJSON and simply adds no area.
            if !geometry.is_null() {
                collect(geometry, &at, found)?;
            }
        }
        "GeometryCollection" => {
            let (geometries, at) = member("geometries")?;
            for (i, geometry) in array(geometries, &at, "an array of geometries")?.iter().enumerate() {
                collect(geometry, &format!("{at}[{i}]"), found)?;
            }
        }
        "Polygon" => {
            let (coordinates, at) = member("coordinates")?;
            found.push(polygon(coordinates, &at)?);
        }
        "MultiPolygon" => {
            let (coordinates, at) = member("coordinates")?;
            let polygons = array(coordinates, &at, "an array of polygons")?;
            for (i, coordinates) in polygons.iter().enumerate() {
                found.push(polygon(coordinates, &format!("{at}[{i}]"))?);
            }
        }
        other => {
            return Err(BoundaryError::NotAPolygon { at: at.to_owned(), found: other.to_owned() });
        }
    }
    Ok(())
}

fn array<'v>(value: &'v Value, at: &str, expected: &'static str) -> Result<&'v Vec<Value>, BoundaryError> {
    value.as_array().ok_or_else(|| malformed(at, expected))
}

fn polygon(value: &Value, at: &str) -> Result<Polygon, BoundaryError> {
    let rings = array(value, at, "an array of rings")?;
    if rings.is_empty() {
        return Err(malformed(at, "a polygon with at least its exterior ring"));
    }
    rings.iter().enumerate().map(|(i, ring_value)| ring(ring_value, &format!("{at}[{i}]"))).collect()
}

fn ring(value: &Value, at: &str) -> Result<Ring, BoundaryError> {
    let positions = array(value, at, "an array of positions")?;
    let ring = positions
        .iter()
        .enumerate()
        .map(|(i, value)| position(value).ok_or_else(|| BoundaryError::BadPosition { at: format!("{at}[{i}]") }))
        .collect::<Result<Ring, _>>()?;
    // Four positions is the least a closed ring with an area can have (a triangle, closed).
    if ring.len() < 4 {
        return Err(BoundaryError::ShortRing { at: at.to_owned() });
    }
    // Strict, because an open ring is usually a truncated file, and guessing would hide that.
    if ring.first() != ring.last() {
        return Err(BoundaryError::OpenRing { at: at.to_owned() });
    }
    Ok(ring)
}

/// `[lon, lat]` or `[lon, lat, altitude…]`; the altitude is ignored.
fn position(value: &Value) -> Option<[f64; 2]> {
    let numbers = value.as_array()?;
    let lon = numbers.first()?.as_f64()?;
    let lat = numbers.get(1)?.as_f64()?;
    // Range checks catch the classic mistake of [lat, lon] order for most of China (lon > 90).
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some([lon, lat])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> BoundaryError {
        match polygons(json) {
            Ok(found) => panic!("expected an error, got {} polygons", found.len()),
            Err(error) => error,
        }
    }

    const SQUARE: &str = "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]";

    #[test]
    fn reads_every_container_of_polygons() {
        let polygon = format!(r#"{{"type":"Polygon","coordinates":{SQUARE}}}"#);
        let multi = format!(r#"{{"type":"MultiPolygon","coordinates":[{SQUARE},{SQUARE}]}}"#);
        let feature = format!(r#"{{"type":"Feature","properties":null,"geometry":{multi}}}"#);
        let empty_feature = r#"{"type":"Feature","properties":{},"geometry":null}"#;
        let collection = format!(r#"{{"type":"FeatureCollection","features":[{feature},{empty_feature}]}}"#);
        let geometries = format!(r#"{{"type":"GeometryCollection","geometries":[{polygon},{multi}]}}"#);
        assert_eq!(polygons(&polygon).map(|p| p.len()).ok(), Some(1));
        assert_eq!(polygons(&multi).map(|p| p.len()).ok(), Some(2));
        assert_eq!(polygons(&feature).map(|p| p.len()).ok(), Some(2));
        assert_eq!(polygons(&collection).map(|p| p.len()).ok(), Some(2));
        assert_eq!(polygons(&geometries).map(|p| p.len()).ok(), Some(3));
        let with_altitude = r#"{"type":"Polygon","coordinates":[[[0,0,5],[1,0,5],[1,1,5],[0,0,5]]]}"#;
        assert_eq!(polygons(with_altitude).ok(), Some(vec![vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]));
    }

    #[test]
    fn refuses_malformed_outlines_and_says_where() {
        assert!(matches!(error("{\"type\":\"Polygon\",\"coordinates\":"), BoundaryError::Json(_)));
        assert!(matches!(error("[1,2]"), BoundaryError::Malformed { at, .. } if at == "$"));
        assert!(matches!(
            error(r#"{"type":"Feature","properties":{}}"#),
            BoundaryError::Malformed { at, .. } if at == "$.geometry"
        ));
        assert!(matches!(
            error(r#"{"type":"Polygon","coordinates":{}}"#),
            BoundaryError::Malformed { at, .. } if at == "$.coordinates"
        ));
        assert!(matches!(
            error(r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[117.2,39.1]}}]}"#),
            BoundaryError::NotAPolygon { at, found } if at == "$.features[0].geometry" && found == "Point"
        ));
        assert!(matches!(
            error(r#"{"type":"Polygon","coordinates":[[[117,39],[117,40],["x",40],[117,39]]]}"#),
            BoundaryError::BadPosition { at } if at == "$.coordinates[0][2]"
        ));
        // [lat, lon] order: 117 is no latitude.
        assert!(matches!(
            error(r#"{"type":"Polygon","coordinates":[[[39,117],[40,117],[40,118],[39,117]]]}"#),
            BoundaryError::BadPosition { at } if at == "$.coordinates[0][0]"
        ));
        assert!(matches!(error(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#), BoundaryError::ShortRing { .. }));
        assert!(matches!(
            error(r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1]]]]}"#),
            BoundaryError::OpenRing { at } if at == "$.coordinates[0][0]"
        ));
        assert!(matches!(error(r#"{"type":"Polygon","coordinates":[]}"#), BoundaryError::Malformed { .. }));
        assert!(matches!(error(r#"{"type":"MultiPolygon","coordinates":[]}"#), BoundaryError::Empty));
        assert!(matches!(error(r#"{"type":"FeatureCollection","features":[]}"#), BoundaryError::Empty));
    }
}
