//! Flash-crowd benchmark: many residents claiming at once over loopback HTTP against the real
//! service and a real database file. Prints claims per second, latency percentiles, and the
//! oversell (issued beyond stock), which must be 0.
//!
//! `cargo run --release -p huiquan-server --example flash_crowd -- [concurrency] [residents] [rate] [instances]`
//! (defaults 1000, 20000, 5000 and 1). Run by `scripts/bench.sh`.
//!
//! With `HUIQUAN_BENCH_POSTGRES` set to a PostgreSQL server's URL, the service runs on a new
//! database there, as `instances` service instances sharing it (in this process, each with its own
//! pool, ledger and listener, as separate processes would have); residents are dealt to the
//! instances in turn. Otherwise it is one instance on a SQLite file.
//!
//! The load is open-loop, as a crowd is: `concurrency` residents each tap on their own schedule so
//! that together they send `rate` claims a second, whether or not earlier ones were answered.
//! Latency is measured from the moment a claim was due, so a service that falls behind is
//! charged for the wait (no coordinated omission). A rate of 0 runs closed-loop instead: each
//! resident sends the next claim as soon as the last is answered, which finds the ceiling. A
//! rate of `wrk` hands the load to wrk (`scripts/wrk-claims.lua`) for 15 s with `concurrency`
//! connections: a load generator in C takes less of the two cores than this process's client.

/// The service binary's allocator, so that the service measured here is the one deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use huiquan_server::{Config, PartnerClaims, Service, sign_partner_token};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const SECRET: &str = "flash-crowd-partner-secret-0123";
const CAMPAIGN: &str = "liaocheng-2024-spring-appliances";
const TIERS: [&str; 3] = ["single-2000-300", "single-5000-500", "single-8000-600"];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Liaocheng with round 1 open now and `stock` of each tier.
fn campaign_dir(stock: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(repo_root().join("data/campaigns/liaocheng-2024-spring-appliances.json")).expect("readable");
    let mut campaign: Value = serde_json::from_str(&text).expect("json");
    let civil = |hours: i64| {
        jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_mins(hours * 60 - 1))
            .expect("in range")
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
            .strftime("%Y-%m-%dT%H:%M")
            .to_string()
    };
    campaign["rounds"][0]["opens"] = json!(civil(0));
    campaign["rounds"][0]["closes"] = json!(civil(24));
    campaign["rounds"][0]["vouchers_expire"] = json!(civil(24));
    for (index, round) in [1usize, 2].into_iter().enumerate() {
        let start = 48 + 48 * index as i64;
        campaign["rounds"][round]["opens"] = json!(civil(start));
        campaign["rounds"][round]["closes"] = json!(civil(start + 24));
        campaign["rounds"][round]["vouchers_expire"] = json!(civil(start + 24));
    }
    for tier in campaign["themes"][0]["tiers"].as_array_mut().expect("tiers") {
        tier["stock_per_release"] = json!(stock);
    }
    std::fs::write(dir.path().join("bench.json"), serde_json::to_string(&campaign).expect("json")).expect("writable");
    dir
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// The claims' answers by status, counted where the service sends them: wrk then needs no
/// script of its own per response, which cost it a third of its CPU (a Lua table of every
/// answer's headers).
#[derive(Clone)]
struct AnswerCounts(Arc<Vec<AtomicUsize>>);

impl AnswerCounts {
    fn new() -> AnswerCounts {
        AnswerCounts(Arc::new((0..600).map(|_| AtomicUsize::new(0)).collect()))
    }

    fn layer(&self, router: axum::Router) -> axum::Router {
        let counts = self.clone();
        router.layer(axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counts = counts.clone();
            async move {
                let claim = request.method() == axum::http::Method::POST && request.uri().path().ends_with("/claims");
                let response = next.run(request).await;
                if claim && let Some(count) = counts.0.get(usize::from(response.status().as_u16())) {
                    count.fetch_add(1, Ordering::Relaxed);
                }
                response
            }
        }))
    }

    fn snapshot(&self) -> BTreeMap<u16, usize> {
        (0u16..).zip(self.0.iter()).map(|(status, count)| (status, count.load(Ordering::Relaxed))).filter(|(_, count)| *count > 0).collect()
    }
}

/// Where resident `n` connects from, as the proxy says: one address each.
fn resident_address(resident: usize) -> String {
    let n = resident as u32;
    std::net::Ipv4Addr::from(0x0A00_0000 | (n & 0x00FF_FFFF)).to_string()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let concurrency: usize = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(1_000);
    let residents: usize = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(20_000);
    let rate_arg = args.next().unwrap_or_else(|| "5000".into());
    // `wrk`: the load comes from wrk (scripts/wrk-claims.lua), for `concurrency` connections.
    let use_wrk = rate_arg == "wrk";
    let rate: f64 = if use_wrk { 0.0 } else { rate_arg.parse().unwrap_or(5_000.0) };
    let instances: usize = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(1).max(1);
    let postgres = std::env::var("HUIQUAN_BENCH_POSTGRES").ok().filter(|url| !url.is_empty());
    // A little less stock than claims: the run ends in a sell-out, where oversell would show.
    let stock = u32::try_from(residents * 49 / 50).unwrap_or(u32::MAX);

    let campaigns = campaign_dir(stock);
    let database = postgres.as_ref().map(|server| format!("{}/flash_crowd_{:016x}", server.trim_end_matches('/'), rand::random::<u64>()));
    let mut data_dirs = Vec::new();
    let mut services = Vec::new();
    let mut database_url = String::new();
    let answers = AnswerCounts::new();
    for _ in 0..instances {
        let data = tempfile::tempdir().expect("temp dir");
        let mut config = Config::local(&repo_root(), data.path().to_owned());
        config.database = database.clone();
        config.campaigns = campaigns.path().to_owned();
        config.partner_secrets = format!("bench={SECRET}").parse().expect("valid");
        config.identity_key = Some("flash-crowd-identity-key-0123456".into());
        config.till_secret = Some("flash-crowd-till-secret-01234567".into());
        // The real rate limits stay on: the load generator plays the proxy in front of the
        // service, and each resident comes from an address of their own (X-Forwarded-For).
        config.trusted_proxies = "127.0.0.1".parse().expect("valid");
        database_url = config.database_url();
        let service = Service::start(&config).await.expect("starts").map_router(|router| answers.layer(router));
        services.push(service.spawn().expect("bound"));
        data_dirs.push(data);
    }
    let engine = match &database {
        Some(_) => format!("PostgreSQL, {instances} instance{}", if instances == 1 { "" } else { "s" }),
        None => "SQLite".to_owned(),
    };
    let bases: Arc<Vec<String>> = Arc::new(services.iter().map(|service| service.base_url()).collect());
    let base = bases[0].clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");

    eprintln!("signing in {residents} residents …");
    let queue = Arc::new(Mutex::new((0..residents).collect::<Vec<_>>()));
    let tokens = Arc::new(Mutex::new(vec![String::new(); residents]));
    let mut workers = Vec::new();
    for _ in 0..64 {
        let (client, base, queue, tokens) = (client.clone(), base.clone(), Arc::clone(&queue), Arc::clone(&tokens));
        workers.push(tokio::spawn(async move {
            while let Some(resident) = queue.lock().await.pop() {
                let claims = PartnerClaims::verified("bench", &format!("r{resident}"), 600);
                let token = sign_partner_token(SECRET.as_bytes(), &claims);
                let response = client
                    .post(format!("{base}/api/v1/sessions/partner"))
                    .header("x-forwarded-for", resident_address(resident))
                    .json(&json!({ "token": token }))
                    .send()
                    .await;
                let body: Value = match response {
                    Ok(response) => response.json().await.unwrap_or_default(),
                    Err(_) => Value::Null,
                };
                tokens.lock().await[resident] = body["token"].as_str().unwrap_or_default().to_owned();
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let tokens: Arc<Vec<String>> = Arc::new(std::mem::take(&mut *tokens.lock().await));

    let load = if use_wrk {
        wrk_load(&base, &tokens, concurrency, 15, campaigns.path(), &answers)
    } else {
        reqwest_load(&client, &bases, &tokens, residents, concurrency, rate).await
    };
    for service in services {
        service.stop().await.expect("stops");
    }

    sqlx::any::install_default_drivers();
    let connection = sqlx::AnyPool::connect(&database_url).await.expect("opens");
    let rows: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT offer, stock, claimed FROM releases").fetch_all(&connection).await.expect("read");
    let (claims,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM claims").fetch_one(&connection).await.expect("read");
    let (doubled,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM (SELECT 1 FROM claims GROUP BY resident, offer HAVING COUNT(*) > 1) AS doubled")
            .fetch_one(&connection)
            .await
            .expect("read");
    // Oversell is counted from the claims themselves, not from the release's own tally.
    let per_offer: Vec<(String, i64)> =
        sqlx::query_as("SELECT offer, COUNT(*) FROM claims GROUP BY offer").fetch_all(&connection).await.expect("read");
    let oversell: i64 = per_offer
        .iter()
        .map(|(offer, issued)| {
            let stock = rows.iter().find(|(name, _, _)| name == offer).map_or(0, |(_, stock, _)| *stock);
            (issued - stock).max(0)
        })
        .sum();
    let issued: i64 = rows.iter().map(|(_, _, claimed)| claimed).sum();

    let seconds = load.seconds;
    println!(
        "flash crowd on {engine}, {}: {} claim requests from {concurrency} concurrent residents ({residents} residents × {} tiers, stock {stock} each)",
        load.mode,
        load.total,
        TIERS.len()
    );
    println!("  statuses            {:?}", load.statuses);
    println!("  duration            {seconds:.2} s");
    println!("  requests/s          {:.0}", load.total as f64 / seconds);
    println!("  claims decided/s    {:.0}", load.decided() as f64 / seconds);
    println!("  claims granted/s    {:.0}", issued as f64 / seconds);
    println!("  latency p50         {:.1} ms", load.p50.as_secs_f64() * 1e3);
    println!("  latency p99         {:.1} ms", load.p99.as_secs_f64() * 1e3);
    println!("  latency max         {:.1} ms", load.max.as_secs_f64() * 1e3);
    println!("  vouchers issued     {issued} (claims table: {claims})");
    println!("  oversell            {oversell}");
    println!("  double claims       {doubled}");
    // One line for bench.sh's table. The share granted says what the rate is made of: a refusal
    // (sold out, already claimed) writes nothing and costs a fraction of a grant.
    let granted_percent = if load.decided() == 0 { 0.0 } else { issued as f64 * 100.0 / load.decided() as f64 };
    println!(
        "  summary | {engine} | {} | {:.0} claims decided/s | p50 {:.1} ms | p99 {:.1} ms | oversell {oversell} | {granted_percent:.0} % granted",
        load.mode,
        load.decided() as f64 / seconds,
        load.p50.as_secs_f64() * 1e3,
        load.p99.as_secs_f64() * 1e3
    );
    if oversell != 0 || doubled != 0 || issued != claims {
        eprintln!("FAILED: oversell or double claims");
        std::process::exit(1);
    }
}

/// What a load run measured.
struct Load {
    mode: String,
    total: usize,
    statuses: BTreeMap<u16, usize>,
    seconds: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Load {
    /// Claims the service decided (granted or refused by a rule), not those turned away unread
    /// (rate limited, busy) or lost.
    fn decided(&self) -> usize {
        self.statuses.iter().filter(|(status, _)| matches!(**status, 200..=299 | 400..=428 | 430..=499)).map(|(_, count)| count).sum()
    }
}

/// The load from this process (reqwest): every resident claims every tier, residents × 3
/// claims, dealt round-robin to `concurrency` workers; open loop at `rate`, or closed loop.
async fn reqwest_load(
    client: &reqwest::Client,
    bases: &Arc<Vec<String>>,
    tokens: &Arc<Vec<String>>,
    residents: usize,
    concurrency: usize,
    rate: f64,
) -> Load {
    let jobs: Vec<(usize, usize)> = (0..residents).flat_map(|resident| (0..TIERS.len()).map(move |tier| (resident, tier))).collect();
    let total = jobs.len();
    let mut dealt: Vec<Vec<(usize, usize)>> = vec![Vec::new(); concurrency];
    for (index, job) in jobs.into_iter().enumerate() {
        dealt[index % concurrency].push(job);
    }
    let mode = if rate > 0.0 { format!("open loop at {rate:.0} claims/s") } else { "closed loop".to_owned() };
    eprintln!("{total} claims from {concurrency} concurrent residents, {mode} …");
    // Each worker's interval between its own taps, and a stagger so they do not tap in step.
    let interval = (rate > 0.0).then(|| Duration::from_secs_f64(concurrency as f64 / rate));
    let started = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut workers = Vec::new();
    for (worker, jobs) in dealt.into_iter().enumerate() {
        let (client, bases, tokens) = (client.clone(), Arc::clone(bases), Arc::clone(tokens));
        let offset = interval.map_or(Duration::ZERO, |interval| interval.mul_f64(worker as f64 / concurrency as f64));
        workers.push(tokio::spawn(async move {
            let mut results = Vec::new();
            for (n, (resident, tier)) in jobs.into_iter().enumerate() {
                let due = match interval {
                    Some(interval) => {
                        let due = started + offset + interval * n as u32;
                        tokio::time::sleep_until(due).await;
                        due
                    }
                    None => tokio::time::Instant::now(),
                };
                let base = &bases[resident % bases.len()];
                let response = client
                    .post(format!("{base}/api/v1/campaigns/{CAMPAIGN}/claims"))
                    .bearer_auth(&tokens[resident])
                    .header("x-forwarded-for", resident_address(resident))
                    .header("Idempotency-Key", format!("bench-{resident}-{tier}"))
                    .json(&json!({ "offer": TIERS[tier], "location": { "latitude": 36.456, "longitude": 115.985, "accuracy": 20.0 } }))
                    .send()
                    .await;
                let status = match response {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                results.push((status, due.elapsed()));
            }
            results
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut statuses = BTreeMap::new();
    for worker in workers {
        for (status, latency) in worker.await.unwrap_or_default() {
            *statuses.entry(status).or_insert(0usize) += 1;
            latencies.push(latency);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Load {
        mode,
        total,
        statuses,
        seconds: elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
    }
}

/// The load from wrk (`scripts/wrk-claims.lua`): `concurrency` connections for `seconds`, each
/// request a new claim by the next resident; wrk measures the latency, the service counts the
/// answers.
fn wrk_load(base: &str, tokens: &[String], concurrency: usize, seconds: u32, scratch: &std::path::Path, answers: &AnswerCounts) -> Load {
    let residents_file = scratch.join("residents.txt");
    let lines: String = tokens.iter().enumerate().map(|(resident, token)| format!("{token} {}\n", resident_address(resident))).collect();
    std::fs::write(&residents_file, lines).expect("writable");
    let before = answers.snapshot();
    let output = std::process::Command::new("wrk")
        .arg("--threads=2")
        .arg(format!("--connections={concurrency}"))
        .arg(format!("--duration={seconds}s"))
        .arg("--latency")
        .arg("--timeout=10s")
        .arg("--script")
        .arg(repo_root().join("scripts/wrk-claims.lua"))
        .arg(base)
        .arg("--")
        .arg(&residents_file)
        .arg(format!("/api/v1/campaigns/{CAMPAIGN}/claims"))
        .output()
        .expect("wrk runs (scripts/setup.sh installs it)");
    let report = String::from_utf8_lossy(&output.stdout);
    eprintln!("{report}");
    let mut statuses = answers.snapshot();
    for (status, count) in before {
        statuses.entry(status).and_modify(|after| *after -= count);
    }
    let (mut p50, mut p99, mut max) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for line in report.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => p50 = wrk_duration(value),
            ["99%", value] => p99 = wrk_duration(value),
            ["Latency", _, _, value, ..] => max = wrk_duration(value),
            _ => {}
        }
    }
    let total = statuses.values().sum();
    Load { mode: format!("wrk, {concurrency} connections"), total, statuses, seconds: f64::from(seconds), p50, p99, max }
}

/// wrk's "1.23ms", "456.78us", "2.01s".
fn wrk_duration(text: &str) -> Duration {
    let (number, scale) = if let Some(number) = text.strip_suffix("us") {
        (number, 1e-6)
    } else if let Some(number) = text.strip_suffix("ms") {
        (number, 1e-3)
    } else if let Some(number) = text.strip_suffix('m') {
        (number, 60.0)
    } else if let Some(number) = text.strip_suffix('s') {
        (number, 1.0)
    } else {
        (text, 1.0)
    };
    Duration::from_secs_f64(number.parse::<f64>().unwrap_or(0.0) * scale)
}
