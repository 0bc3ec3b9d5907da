//! The geofence on the real outlines in `data/geo/` (see its README for where they come from).

use super::*;
use core::ops::Range;

const TIANJIN: &str = include_str!("../../../../data/geo/tianjin.geojson");
const TIANJIN_GCJ02: &str = include_str!("../../../../data/geo/tianjin.gcj02.geojson");
const SHENYANG: &str = include_str!("../../../../data/geo/shenyang.geojson");
const SHENYANG_GCJ02: &str = include_str!("../../../../data/geo/shenyang.gcj02.geojson");
const LIAOCHENG: &str = include_str!("../../../../data/geo/liaocheng.geojson");
const LIAOCHENG_GCJ02: &str = include_str!("../../../../data/geo/liaocheng.gcj02.geojson");
const JINCHENG: &str = include_str!("../../../../data/geo/jincheng.geojson");
const JINCHENG_GCJ02: &str = include_str!("../../../../data/geo/jincheng.gcj02.geojson");

/// Tianjin railway station (天津站).
const STATION: (f64, f64) = (39.136, 117.210);
/// Tiananmen, Beijing.
const TIANANMEN: (f64, f64) = (39.9087, 116.3975);
/// Deep in the Tangshan enclave (the larger hole of Tianjin's outline, ~130 km²), found by a
/// grid search for the point of the hole farthest from its border (≈3.3 km).
const TANGSHAN_ENCLAVE: (f64, f64) = (39.3767, 117.6024);
/// In the smaller hole of the WGS-84 outline (≈1.1 km from its border).
const SMALL_HOLE: (f64, f64) = (39.2877, 117.8259);
/// In the largest of Tianjin's four small parts inside Hebei, ≈480 m from its border and
/// over 300 km from the rest of Tianjin.
const EXCLAVE: (f64, f64) = (36.5944, 113.7456);
/// In Liaocheng's hole, the enclave of Henan's 范县 (≈620 m from its border, WGS-84).
const FAN_COUNTY_ENCLAVE: (f64, f64) = (35.9052, 115.4871);
/// On the parallel 39.94°N the western border of Tianjin (towards Beijing) is at ≈117.1477°E.
/// These are ≈270 m inside, ≈200 m inside and ≈200 m outside it.
const NEAR_BORDER_INSIDE: (f64, f64) = (39.94, 117.1514);
const BORDER_INSIDE_200_M: (f64, f64) = (39.94, 117.1504);
const BORDER_OUTSIDE_200_M: (f64, f64) = (39.94, 117.1446);

fn boundary(json: &str, crs: Crs) -> Boundary {
    Boundary::from_geojson(json, crs).unwrap_or_else(|error| panic!("the outline loads: {error}"))
}

fn tianjin() -> Boundary {
    boundary(TIANJIN, Crs::Wgs84)
}

fn tianjin_gcj02() -> Boundary {
    boundary(TIANJIN_GCJ02, Crs::Gcj02)
}

fn fix((latitude, longitude): (f64, f64), accuracy_m: f64) -> Fix {
    Fix::new(latitude, longitude, accuracy_m).expect("a valid fix")
}

fn locate(boundary: &Boundary, at: (f64, f64), accuracy_m: f64) -> Verdict {
    boundary.locate(&fix(at, accuracy_m), &LocateOptions::default())
}

/// The same outline with every hole removed, to show a test would fail if holes were ignored.
fn without_holes(json: &str, crs: Crs) -> Boundary {
    let mut value: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let geometry = &mut value["geometry"];
    let polygons = match geometry["type"].as_str() {
        Some("Polygon") => vec![&mut geometry["coordinates"]],
        _ => geometry["coordinates"].as_array_mut().expect("polygons").iter_mut().collect(),
    };
    for rings in polygons {
        rings.as_array_mut().expect("rings").truncate(1);
    }
    boundary(&value.to_string(), crs)
}

#[track_caller]
fn assert_inside(verdict: Verdict, border_m: Range<f64>) {
    match verdict {
        Verdict::Inside { border_m: d } if border_m.contains(&d) => {}
        other => panic!("expected Inside with the border {border_m:?} m away, got {other:?}"),
    }
}

#[track_caller]
fn assert_outside(verdict: Verdict, border_m: Range<f64>) {
    match verdict {
        Verdict::Outside { border_m: d } if border_m.contains(&d) => {}
        other => panic!("expected Outside with the border {border_m:?} m away, got {other:?}"),
    }
}

#[test]
fn every_shipped_outline_loads_with_its_parts_and_holes() {
    let expected = [
        (TIANJIN, Crs::Wgs84, 5, 2),
        (TIANJIN_GCJ02, Crs::Gcj02, 1, 1),
        (SHENYANG, Crs::Wgs84, 1, 0),
        (SHENYANG_GCJ02, Crs::Gcj02, 1, 0),
        (LIAOCHENG, Crs::Wgs84, 1, 1),
        (LIAOCHENG_GCJ02, Crs::Gcj02, 1, 1),
        (JINCHENG, Crs::Wgs84, 1, 0),
        (JINCHENG_GCJ02, Crs::Gcj02, 1, 0),
    ];
    for (json, crs, parts, holes) in expected {
        let outline = boundary(json, crs);
        assert_eq!((outline.crs(), outline.parts(), outline.holes()), (crs, parts, holes));
    }
    let tianjin_gcj02 = tianjin_gcj02();
    assert_eq!(tianjin_gcj02.vertices(), 13_374);
    assert_eq!(format!("{tianjin_gcj02:?}"), "Boundary { crs: Gcj02, parts: 1, holes: 1, vertices: 13374 }");
}

#[test]
fn tianjin_station_is_inside_and_tiananmen_far_outside() {
    for outline in [tianjin(), tianjin_gcj02()] {
        // The station is in the city centre, about 25 km from the nearest border.
        assert_inside(locate(&outline, STATION, 20.0), 24_000.0..26_000.0);
        // Even a coarse cell-tower fix there is decisive.
        assert_inside(locate(&outline, STATION, 3_000.0), 24_000.0..26_000.0);
        // Beijing's centre is about 47 km from Tianjin's nearest corner (Wuqing).
        assert_outside(locate(&outline, TIANANMEN, 20.0), 45_000.0..48_000.0);
    }
    // Karney's geodesic (geographiclib, WGS-84) from Tiananmen to the nearest point of the
    // WGS-84 outline, near 39.6663°N 116.8439°E, is 46 759.5 m: within 0.1%.
    let far_m = tianjin().distance_to_border_m(fix(TIANANMEN, 0.0).position_in(Crs::Wgs84));
    assert!((far_m - 46_759.5).abs() < 47.0, "{far_m}");
}

#[test]
fn the_tangshan_enclave_is_outside_tianjin() {
    for (outline, crs, json) in [(tianjin(), Crs::Wgs84, TIANJIN), (tianjin_gcj02(), Crs::Gcj02, TIANJIN_GCJ02)] {
        assert_outside(locate(&outline, TANGSHAN_ENCLAVE, 50.0), 3_000.0..3_500.0);
        // It is within Tianjin's exterior ring: only the hole makes it outside.
        assert!(without_holes(json, crs).contains(fix(TANGSHAN_ENCLAVE, 0.0).position_in(crs)));
    }
    assert_outside(locate(&tianjin(), SMALL_HOLE, 50.0), 1_000.0..1_200.0);
    assert!(without_holes(TIANJIN, Crs::Wgs84).contains(fix(SMALL_HOLE, 0.0).position_in(Crs::Wgs84)));
}

#[test]
fn tianjins_exclave_in_hebei_is_inside() {
    let outline = tianjin();
    assert_inside(locate(&outline, EXCLAVE, 50.0), 400.0..550.0);
    // A few hundred metres off the exclave is Hebei again.
    assert!(!outline.contains(LonLat { lon: EXCLAVE.1 + 0.03, lat: EXCLAVE.0 }));
}

#[test]
fn the_fan_county_enclave_is_outside_liaocheng() {
    let wgs84 = boundary(LIAOCHENG, Crs::Wgs84);
    let gcj02 = boundary(LIAOCHENG_GCJ02, Crs::Gcj02);
    assert_outside(locate(&wgs84, FAN_COUNTY_ENCLAVE, 20.0), 550.0..700.0);
    // The GCJ-02 file draws the enclave slightly differently (≈350 m to its border here).
    assert_outside(locate(&gcj02, FAN_COUNTY_ENCLAVE, 20.0), 300.0..450.0);
    assert!(without_holes(LIAOCHENG, Crs::Wgs84).contains(fix(FAN_COUNTY_ENCLAVE, 0.0).position_in(Crs::Wgs84)));
    // Unconverted, the fix lands ≈530 m west in GCJ-02 terms: inside Liaocheng, wrongly.
    let raw = LonLat { lon: FAN_COUNTY_ENCLAVE.1, lat: FAN_COUNTY_ENCLAVE.0 };
    assert!(gcj02.contains(raw));
}

#[test]
fn a_fix_is_converted_before_testing_a_gcj02_outline() {
    let near = fix(NEAR_BORDER_INSIDE, 20.0);
    assert_inside(tianjin().locate(&near, &LocateOptions::default()), 250.0..300.0);
    assert_inside(tianjin_gcj02().locate(&near, &LocateOptions::default()), 250.0..300.0);

    // GCJ-02 moves Tianjin ≈540 m east and ≈110 m north, so the raw fix, tested against the
    // GCJ-02 outline as if it were GCJ-02, would be ≈280 m outside the city.
    let raw = near.position_in(Crs::Wgs84);
    let converted = near.position_in(Crs::Gcj02);
    let shift_m = tianjin_gcj02().distance_to_border_m(raw) + tianjin_gcj02().distance_to_border_m(converted);
    assert!(!tianjin_gcj02().contains(raw));
    assert!((500.0..600.0).contains(&shift_m), "{shift_m}");
    assert!((converted.lon - raw.lon - 0.0063).abs() < 0.0005 && (converted.lat - raw.lat - 0.0010).abs() < 0.0005);

    // Outside mainland China GCJ-02 is WGS-84: Hong Kong is not shifted.
    let hong_kong = fix((22.2819, 114.1582), 10.0);
    assert_eq!(hong_kong.position_in(Crs::Gcj02), hong_kong.position_in(Crs::Wgs84));
}

#[test]
fn a_circle_across_the_border_is_uncertain() {
    for outline in [tianjin(), tianjin_gcj02()] {
        // 200 m inside: a Wi-Fi fix of ±500 m could be either side; GPS's ±20 m cannot.
        match locate(&outline, BORDER_INSIDE_200_M, 500.0) {
            Verdict::Uncertain { centre_inside: true, border_m } => assert!((150.0..250.0).contains(&border_m)),
            other => panic!("expected Uncertain inside, got {other:?}"),
        }
        assert_inside(locate(&outline, BORDER_INSIDE_200_M, 20.0), 150.0..250.0);
        match locate(&outline, BORDER_OUTSIDE_200_M, 500.0) {
            Verdict::Uncertain { centre_inside: false, border_m } => assert!((150.0..250.0).contains(&border_m)),
            other => panic!("expected Uncertain outside, got {other:?}"),
        }
        assert_outside(locate(&outline, BORDER_OUTSIDE_200_M, 20.0), 150.0..250.0);
    }
    // A margin for an imprecise outline widens the uncertain band.
    let cautious = LocateOptions { border_margin_m: 300.0, ..LocateOptions::default() };
    let verdict = tianjin().locate(&fix(BORDER_INSIDE_200_M, 20.0), &cautious);
    assert!(matches!(verdict, Verdict::Uncertain { centre_inside: true, .. }), "{verdict:?}");
    // A margin that is not a number never makes an answer certain.
    let broken = LocateOptions { border_margin_m: f64::NAN, ..LocateOptions::default() };
    assert!(matches!(tianjin().locate(&fix(STATION, 5.0), &broken), Verdict::Uncertain { .. }));
}

#[test]
fn a_fix_coarser_than_the_limit_is_not_judged() {
    let outline = tianjin();
    assert_eq!(locate(&outline, STATION, 3_000.1), Verdict::TooInaccurate { accuracy_m: 3_000.1, max_accuracy_m: 3_000.0 });
    let lenient = LocateOptions { max_accuracy_m: 10_000.0, ..LocateOptions::default() };
    assert!(outline.locate(&fix(STATION, 5_000.0), &lenient).is_inside());
    let broken = LocateOptions { max_accuracy_m: f64::NAN, ..LocateOptions::default() };
    assert!(matches!(outline.locate(&fix(STATION, 5.0), &broken), Verdict::TooInaccurate { .. }));
    assert!(!Verdict::TooInaccurate { accuracy_m: 1.0, max_accuracy_m: 0.0 }.is_inside());
}

#[test]
fn invalid_fixes_are_refused_without_panicking() {
    assert_eq!(Fix::new(91.0, 117.2, 10.0), Err(FixError::Latitude(91.0)));
    assert_eq!(Fix::new(-90.5, 117.2, 10.0), Err(FixError::Latitude(-90.5)));
    assert_eq!(Fix::new(39.1, -181.0, 10.0), Err(FixError::Longitude(-181.0)));
    assert_eq!(Fix::new(39.1, f64::INFINITY, 10.0), Err(FixError::Longitude(f64::INFINITY)));
    assert_eq!(Fix::new(39.1, 117.2, -1.0), Err(FixError::Accuracy(-1.0)));
    assert_eq!(Fix::new(39.1, 117.2, f64::INFINITY), Err(FixError::Accuracy(f64::INFINITY)));
    assert!(matches!(Fix::new(f64::NAN, 117.2, 10.0), Err(FixError::Latitude(l)) if l.is_nan()));
    assert!(matches!(Fix::new(39.1, f64::NAN, 10.0), Err(FixError::Longitude(l)) if l.is_nan()));
    assert!(matches!(Fix::new(39.1, 117.2, f64::NAN), Err(FixError::Accuracy(a)) if a.is_nan()));
    // The edges of the ranges, and a perfect fix, are valid; and judged without panicking.
    for (latitude, longitude) in [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)] {
        let edge = Fix::new(latitude, longitude, 0.0).expect("valid");
        assert!(matches!(tianjin_gcj02().locate(&edge, &LocateOptions::default()), Verdict::Outside { .. }));
    }
    assert_eq!(FixError::Latitude(91.0).to_string(), "the latitude 91 is not a number of degrees between -90 and 90");
}

#[test]
fn fixes_options_and_verdicts_travel_as_json() {
    let fix: Fix = serde_json::from_str(r#"{"latitude":39.136,"longitude":117.21,"accuracy":15.5}"#).expect("valid");
    assert_eq!((fix.latitude(), fix.longitude(), fix.accuracy_m()), (39.136, 117.21, 15.5));
    assert_eq!(serde_json::to_string(&fix).expect("json"), r#"{"latitude":39.136,"longitude":117.21,"accuracy":15.5}"#);
    let refused = serde_json::from_str::<Fix>(r#"{"latitude":91,"longitude":117.21,"accuracy":15.5}"#);
    assert!(refused.is_err_and(|e| e.to_string().contains("latitude 91")));

    assert_eq!(serde_json::to_string(&Crs::Gcj02).expect("json"), r#""gcj02""#);
    assert_eq!(serde_json::from_str::<Crs>(r#""wgs84""#).expect("valid"), Crs::Wgs84);
    assert_eq!(serde_json::from_str::<LocateOptions>("{}").expect("valid"), LocateOptions::default());
    assert_eq!(
        serde_json::to_value(Verdict::Uncertain { centre_inside: true, border_m: 12.5 }).expect("json"),
        serde_json::json!({"verdict": "uncertain", "centre_inside": true, "border_m": 12.5})
    );
}

#[test]
fn malformed_outlines_are_refused() {
    let refused = |json: &str| Boundary::from_geojson(json, Crs::Wgs84).err();
    assert!(matches!(refused("not json"), Some(BoundaryError::Json(_))));
    assert!(matches!(refused(&TIANJIN[..TIANJIN.len() / 2]), Some(BoundaryError::Json(_))));
    assert!(matches!(refused(r#"{"type":"LineString","coordinates":[[117,39],[118,40]]}"#), Some(BoundaryError::NotAPolygon { .. })));
    assert!(matches!(refused(r#"{"type":"FeatureCollection","features":[]}"#), Some(BoundaryError::Empty)));
    assert!(matches!(refused(r#"{"type":"Feature","geometry":null,"properties":{}}"#), Some(BoundaryError::Empty)));
}

#[test]
fn clockwise_exteriors_give_the_same_answers() {
    // Many exports wind rings the other way from RFC 7946; the even-odd rule does not care.
    let mut value: serde_json::Value = serde_json::from_str(TIANJIN).expect("JSON");
    for polygon in value["geometry"]["coordinates"].as_array_mut().expect("polygons") {
        for ring in polygon.as_array_mut().expect("rings") {
            ring.as_array_mut().expect("positions").reverse();
        }
    }
    let reversed = boundary(&value.to_string(), Crs::Wgs84);
    let original = tianjin();
    for at in [STATION, TIANANMEN, TANGSHAN_ENCLAVE, SMALL_HOLE, EXCLAVE, BORDER_INSIDE_200_M, BORDER_OUTSIDE_200_M] {
        assert_eq!(locate(&reversed, at, 10.0), locate(&original, at, 10.0), "{at:?}");
    }
}

/// A small deterministic generator (xorshift64*), so the sampled tests need no dependency and
/// fail the same way every time.
struct Random(u64);

impl Random {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }
}

/// Every polygon of a GeoJSON Feature, as plain vectors, for the brute-force reference.
fn rings(json: &str) -> Vec<Vec<Vec<[f64; 2]>>> {
    let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let geometry = &value["geometry"];
    let polygons: Vec<serde_json::Value> = match geometry["type"].as_str() {
        Some("Polygon") => vec![geometry["coordinates"].clone()],
        _ => geometry["coordinates"].as_array().expect("polygons").clone(),
    };
    serde_json::from_value(serde_json::Value::Array(polygons)).expect("positions")
}

/// The textbook answers, edge by edge with no index.
fn brute_force(polygons: &[Vec<Vec<[f64; 2]>>], at: LonLat) -> (bool, f64) {
    let inside = polygons.iter().any(|rings| {
        let crossings = rings
            .iter()
            .flat_map(|ring| ring.windows(2))
            .filter(|edge| {
                let ([ax, ay], [bx, by]) = (edge[0], edge[1]);
                (ay > at.lat) != (by > at.lat) && at.lon < ax + (at.lat - ay) * (bx - ax) / (by - ay)
            })
            .count();
        crossings % 2 == 1
    });
    // Metres per degree from the textbook series for WGS-84, taken at the fix's latitude.
    let phi = at.lat.to_radians();
    let per_lon = 111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos();
    let per_lat = 111_132.92 - 559.82 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos();
    let distance = polygons
        .iter()
        .flatten()
        .flat_map(|ring| ring.windows(2))
        .map(|edge| {
            let (ax, ay) = ((edge[0][0] - at.lon) * per_lon, (edge[0][1] - at.lat) * per_lat);
            let (bx, by) = ((edge[1][0] - at.lon) * per_lon, (edge[1][1] - at.lat) * per_lat);
            let (dx, dy) = (bx - ax, by - ay);
            let t = if dx == 0.0 && dy == 0.0 { 0.0 } else { (-(ax * dx + ay * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0) };
            (ax + t * dx).hypot(ay + t * dy)
        })
        .fold(f64::INFINITY, f64::min);
    (inside, distance)
}

#[test]
fn the_index_agrees_with_brute_force_on_random_points() {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    for (json, crs) in [(TIANJIN, Crs::Wgs84), (TIANJIN_GCJ02, Crs::Gcj02), (LIAOCHENG, Crs::Wgs84)] {
        let outline = boundary(json, crs);
        let reference = rings(json);
        let (mut inside, mut total) = (0, 0);
        for _ in 0..400 {
            // Tianjin's and Liaocheng's boxes, and some way around them.
            let at = LonLat { lon: random.between(113.5, 118.5), lat: random.between(35.5, 40.5) };
            let (expected_inside, expected_m) = brute_force(&reference, at);
            assert_eq!(outline.contains(at), expected_inside, "{at:?}");
            let distance_m = outline.distance_to_border_m(at);
            // The reference's scale, fixed at the fix's latitude, drifts with distance (the
            // geofence measures the pair it found at their middle latitude, which matches
            // geodesics to a few metres in 200 km): 0.3% within 50 km, 1% beyond.
            let tolerance = if expected_m < 50_000.0 { 0.003 * expected_m + 0.01 } else { 0.01 * expected_m };
            assert!((distance_m - expected_m).abs() <= tolerance, "{at:?}: {distance_m} vs {expected_m}");
            inside += usize::from(expected_inside);
            total += 1;
        }
        assert!(inside > 5 && inside < total, "the sample must hit both sides ({inside} of {total})");
    }
}

#[test]
fn converted_fixes_get_the_same_answer_from_either_outline() {
    // Points scattered within ±600 m of Tianjin's WGS-84 border: the band where a missing
    // conversion goes wrong.
    let wgs84 = tianjin();
    let gcj02 = tianjin_gcj02();
    let exterior = &rings(TIANJIN)[4][0];
    let mut random = Random(42);
    let (mut raw_wrong, mut judged) = (0, 0);
    for _ in 0..400 {
        let [lon, lat] = exterior[(random.unit() * exterior.len() as f64) as usize % exterior.len()];
        let at = fix((lat + random.between(-0.0054, 0.0054), lon + random.between(-0.007, 0.007)), 0.0);
        let by_wgs84 = wgs84.locate(&at, &LocateOptions::default());
        // The two files are independent tracings; within ~150 m of the border they may differ.
        let (Verdict::Inside { border_m } | Verdict::Outside { border_m }) = by_wgs84 else {
            continue;
        };
        if border_m < 150.0 {
            continue;
        }
        judged += 1;
        assert_eq!(gcj02.contains(at.position_in(Crs::Gcj02)), by_wgs84.is_inside(), "{at:?}");
        raw_wrong += usize::from(gcj02.contains(at.position_in(Crs::Wgs84)) != by_wgs84.is_inside());
    }
    assert!(judged > 100, "{judged}");
    // Without the conversion a good share of these residents would get the wrong answer.
    assert!(raw_wrong * 5 > judged, "{raw_wrong} of {judged}");
}

#[test]
fn an_outline_that_states_its_margin_widens_the_uncertain_band_by_it() {
    let square = |properties: &str| {
        format!(
            r#"{{"type":"Feature","properties":{properties},"geometry":{{"type":"Polygon","coordinates":[[[117.0,39.0],[117.2,39.0],[117.2,39.2],[117.0,39.2],[117.0,39.0]]]}}}}"#
        )
    };
    let full = Boundary::from_geojson(&square("{}"), Crs::Wgs84).expect("reads");
    let simplified = Boundary::from_geojson(&square(r#"{"border_margin_m": 130}"#), Crs::Wgs84).expect("reads");
    assert_eq!((full.border_margin_m(), simplified.border_margin_m()), (0.0, 130.0));
    // 0.001 degrees of latitude inside the southern edge: about 111 m from the border.
    let near = fix((39.001, 117.1), 10.0);
    assert!(matches!(full.locate(&near, &LocateOptions::default()), Verdict::Inside { .. }));
    assert!(matches!(simplified.locate(&near, &LocateOptions::default()), Verdict::Uncertain { centre_inside: true, .. }));
    for bad in [r#"{"border_margin_m": -1}"#, r#"{"border_margin_m": "130"}"#] {
        assert!(Boundary::from_geojson(&square(bad), Crs::Wgs84).is_err(), "{bad}");
    }
}

#[test]
fn a_gcj02_fix_from_a_host_is_brought_back_to_wgs84() {
    let wgs84 = fix(NEAR_BORDER_INSIDE, 20.0);
    let shifted = wgs84.position_in(Crs::Gcj02);
    let back = Fix::from_gcj02(shifted.lat, shifted.lon, 20.0).expect("valid");
    assert!((back.latitude() - wgs84.latitude()).abs() < 1e-7 && (back.longitude() - wgs84.longitude()).abs() < 1e-7);
    // So Alipay's GCJ-02 position of a place inside Tianjin is inside, as the browser's is.
    assert_inside(tianjin().locate(&back, &LocateOptions::default()), 250.0..300.0);
    assert!(Fix::from_gcj02(91.0, 117.0, 20.0).is_err());
}
