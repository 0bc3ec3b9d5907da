//! Just enough GeoJSON (RFC 7946) to read an outline: Polygon and MultiPolygon geometries, bare
//! or inside a Feature, FeatureCollection or GeometryCollection.
//!
//! Read into a small JSON tree of its own ([`Value`]): a GeoJSON crate would add code to the
//! app's WebAssembly for geometry types the geofence never uses, and serde_json's `Value` keeps
//! objects in a `BTreeMap` whose code nothing else in the app needs (about 1.5 KB of the first
//! visit, with the two other uses of `Value` in `api` gone too).

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value as the outline needs it: objects keep their members in order, in a `Vec`.
enum Value {
    Null,
    Other,
    Number(f64),
    Text(String),
    List(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(key, _)| key == name).map(|(_, value)| value),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        if let Value::Text(text) = self { Some(text) } else { None }
    }

    fn as_f64(&self) -> Option<f64> {
        if let Value::Number(number) = self { Some(*number) } else { None }
    }

    fn as_array(&self) -> Option<&Vec<Value>> {
        if let Value::List(items) = self { Some(items) } else { None }
    }

    fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Value, E> {
                Ok(Value::Other)
            }
            fn visit_i64<E>(self, number: i64) -> Result<Value, E> {
                Ok(Value::Number(number as f64))
            }
            fn visit_u64<E>(self, number: u64) -> Result<Value, E> {
                Ok(Value::Number(number as f64))
            }
            fn visit_f64<E>(self, number: f64) -> Result<Value, E> {
                Ok(Value::Number(number))
            }
            fn visit_str<E>(self, text: &str) -> Result<Value, E> {
                Ok(Value::Text(text.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
                let mut list = Vec::new();
                while let Some(item) = items.next_element()? {
                    list.push(item);
                }
                Ok(Value::List(list))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
                let mut object = Vec::new();
                while let Some(member) = members.next_entry()? {
                    object.push(member);
                }
                Ok(Value::Object(object))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

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
