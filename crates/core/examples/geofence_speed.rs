//! How long the geofence takes per fix on each shipped outline: loading it, and judging a fix
//! (converting it to the outline's CRS, inside or not, metres to the border). The service judges
//! every claim that carries a position, so this is on the claim path. Run by `scripts/bench.sh`:
//!
//! ```text
//! cargo run --release -p huiquan-core --example geofence_speed
//! ```

use std::time::Instant;

use huiquan_core::{Boundary, Crs, Fix, LocateOptions};

const FIXES: usize = 200_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let geo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/geo");
    println!("{:<24} {:>9} {:>10} {:>12} {:>8}", "outline", "vertices", "load ms", "ns per fix", "inside");
    // Each city's centre (latitude, longitude), around which the fixes are spread.
    for (city, (lat0, lon0)) in
        [("tianjin", (39.13, 117.20)), ("shenyang", (41.80, 123.43)), ("liaocheng", (36.45, 115.98)), ("jincheng", (35.49, 112.85))]
    {
        for (file, crs) in [(format!("{city}.geojson"), Crs::Wgs84), (format!("{city}.gcj02.geojson"), Crs::Gcj02)] {
            let json = std::fs::read_to_string(format!("{geo}/{file}"))?;
            let started = Instant::now();
            let boundary = Boundary::from_geojson(&json, crs)?;
            let load_ms = started.elapsed().as_secs_f64() * 1e3;
            // Fixes spread over a square of 2° around the centre, the same every run (xorshift), so
            // that both sides of the border and the holes are visited.
            let mut state = 0x9e37_79b9_7f4a_7c15_u64;
            let mut unit = || {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
            };
            let fixes: Vec<Fix> =
                (0..FIXES).map(|_| Fix::new(lat0 - 1.0 + 2.0 * unit(), lon0 - 1.0 + 2.0 * unit(), 30.0)).collect::<Result<_, _>>()?;
            let options = LocateOptions::default();
            let started = Instant::now();
            let inside = fixes.iter().filter(|fix| boundary.locate(fix, &options).is_inside()).count();
            let per_fix_ns = started.elapsed().as_secs_f64() * 1e9 / FIXES as f64;
            println!(
                "{file:<24} {:>9} {load_ms:>10.1} {per_fix_ns:>12.0} {:>7.1}%",
                boundary.vertices(),
                100.0 * inside as f64 / FIXES as f64
            );
        }
    }
    Ok(())
}
