//! Claim storms over real HTTP against a real database (a SQLite file, or PostgreSQL when
//! `HUIQUAN_TEST_POSTGRES` names a server): no oversell, no double claim, the same answer for
//! every retry, and nothing lost or doubled when the service is killed mid-storm. The `postgres_`
//! tests run several instances on one PostgreSQL database (a throwaway server of their own when
//! none is named).

use crate::common::{PostgresServer, repo};
use std::{
    collections::{HashMap, HashSet},
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use huiquan_server::{Config, PartnerClaims, Service, sign_partner_token};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

const SECRET: &str = "storm-partner-secret-0123456789";
/// Shared by every instance on one database (each would otherwise generate its own).
const IDENTITY_KEY: &str = "storm-identity-key-0123456789";
const TILL_SECRET: &str = "storm-till-secret-0123456789ab";
const RESIDENTS: usize = 2_000;
const STOCK: u32 = 500;
/// Requests in flight at once: enough for a crowd, within a process's file-descriptor limit.
const IN_FLIGHT: usize = 400;
/// The Liaocheng tier under storm.
const TIER: &str = "single-2000-300";
/// A position in central Liaocheng (WGS-84).
const LIAOCHENG_AT: (f64, f64) = (36.456, 115.985);

/// Liaocheng's campaign with its first round open since a minute ago and 500 of one tier.
fn storm_campaigns() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(repo().join("data/campaigns/liaocheng-2024-spring-appliances.json")).expect("readable");
    let mut campaign: Value = serde_json::from_str(&text).expect("json");
    let civil = |offset: jiff::SignedDuration| {
        let at = jiff::Timestamp::now().checked_add(offset).expect("in range").to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
        at.strftime("%Y-%m-%dT%H:%M").to_string()
    };
    let day = jiff::SignedDuration::from_hours(24);
    campaign["rounds"][0]["opens"] = json!(civil(jiff::SignedDuration::from_mins(-1)));
    campaign["rounds"][0]["closes"] = json!(civil(day));
    campaign["rounds"][0]["vouchers_expire"] = json!(civil(day));
    for (index, round) in [1, 2].into_iter().enumerate() {
        let start = day * (2 * index as i32 + 2);
        campaign["rounds"][round]["opens"] = json!(civil(start));
        campaign["rounds"][round]["closes"] = json!(civil(start + day));
        campaign["rounds"][round]["vouchers_expire"] = json!(civil(start + day));
    }
    for tier in campaign["themes"][0]["tiers"].as_array_mut().expect("tiers") {
        if tier["id"] == TIER {
            tier["stock_per_release"] = json!(STOCK);
        }
    }
    std::fs::write(dir.path().join("liaocheng.json"), serde_json::to_string(&campaign).expect("json")).expect("writable");
    dir
}

fn config(campaigns: &Path, data_dir: &Path) -> Config {
    let mut config = Config::local(&repo(), data_dir.to_owned());
    config.campaigns = campaigns.to_owned();
    config.partner_secrets = format!("storm={SECRET}").parse().expect("valid secrets");
    config.identity_key = Some(IDENTITY_KEY.into());
    config.till_secret = Some(TILL_SECRET.into());
    // One address (this test) speaks for 2,000 residents.
    config.rate_per_address = 1_000_000;
    config.connections_per_client = 5_000;
    config
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(IN_FLIGHT).timeout(Duration::from_secs(60)).build().expect("client")
}

/// Signs every resident in through the partner, as a partner app's webview would.
async fn sign_in_all(client: &reqwest::Client, base: &str) -> Vec<String> {
    let limit = Arc::new(Semaphore::new(64));
    let mut tasks = Vec::new();
    for resident in 0..RESIDENTS {
        let (client, base, limit) = (client.clone(), base.to_owned(), Arc::clone(&limit));
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.expect("open");
            let claims = PartnerClaims {
                device: Some(format!("device-{resident}")),
                ..PartnerClaims::verified("storm", &format!("resident-{resident}"), 600)
            };
            let token = sign_partner_token(SECRET.as_bytes(), &claims);
            let response =
                client.post(format!("{base}/api/v1/sessions/partner")).json(&json!({ "token": token })).send().await.expect("answers");
            assert_eq!(response.status(), 201);
            let body: Value = response.json().await.expect("json");
            body["token"].as_str().expect("a token").to_owned()
        }));
    }
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.expect("signed in"));
    }
    tokens
}

/// One claim: `(status, body)`, or `None` if the connection failed (the service was killed).
async fn claim(client: &reqwest::Client, base: &str, token: &str, key: &str) -> Option<(u16, String)> {
    let response = client
        .post(format!("{base}/api/v1/campaigns/liaocheng-2024-spring-appliances/claims"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({ "offer": TIER, "location": { "latitude": LIAOCHENG_AT.0, "longitude": LIAOCHENG_AT.1, "accuracy": 20.0 } }))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.ok()?))
}

/// Everyone at once; returns each resident's answer.
async fn storm(client: &reqwest::Client, base: &str, tokens: &[String], key_prefix: &str) -> Vec<Option<(u16, String)>> {
    storm_across(client, &[base.to_owned()], tokens, key_prefix).await
}

fn code_of(body: &str) -> String {
    serde_json::from_str::<Value>(body).ok().and_then(|value| value["code"].as_str().map(str::to_owned)).unwrap_or_default()
}

/// Counts in the database itself (SQLite or PostgreSQL): claims, vouchers, the release's own
/// tally, and the most claims any one resident holds.
async fn database_counts(database_url: &str) -> (i64, i64, i64, i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.expect("database opens");
    let (claims,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM claims").fetch_one(&pool).await.expect("counted");
    let (vouchers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM vouchers").fetch_one(&pool).await.expect("counted");
    let (stock, claimed): (i64, i64) =
        sqlx::query_as("SELECT stock, claimed FROM releases WHERE offer = $1").bind(TIER).fetch_one(&pool).await.expect("the release row");
    let (most,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM claims GROUP BY resident, offer) AS per_resident")
            .fetch_one(&pool)
            .await
            .expect("counted");
    pool.close().await;
    (claims, vouchers, stock, claimed, most)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_residents_five_hundred_vouchers_exactly_five_hundred_claimed() {
    let campaigns = storm_campaigns();
    let data = tempfile::tempdir().expect("temp dir");
    let service = Service::start(&config(campaigns.path(), data.path())).await.expect("starts").spawn().expect("bound");
    let base = service.base_url();
    let client = client();
    let tokens = sign_in_all(&client, &base).await;

    let storm_started = jiff::Timestamp::now().as_millisecond();
    let first = storm(&client, &base, &tokens, "first").await;
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    let mut codes: HashMap<String, usize> = HashMap::new();
    for (status, body) in first.iter().flatten() {
        *statuses.entry(*status).or_default() += 1;
        if *status != 201 {
            *codes.entry(code_of(body)).or_default() += 1;
        }
    }
    assert_eq!(statuses.get(&201), Some(&(STOCK as usize)), "statuses {statuses:?}, refusals {codes:?}");
    assert_eq!(codes.get("sold_out"), Some(&(RESIDENTS - STOCK as usize)), "every other resident is told sold_out: {codes:?}");

    // Every retry with the same key gets the same answer: grants replayed, refusals decided again.
    let again = storm(&client, &base, &tokens, "first").await;
    assert_eq!(first, again, "a retry with the same Idempotency-Key gets the same answer");

    // A new key is a new claim: those who have one are refused by the limit, not given another.
    let second = storm(&client, &base, &tokens, "second").await;
    let mut second_codes: HashMap<String, usize> = HashMap::new();
    for ((status, body), (first_status, _)) in second.iter().flatten().zip(first.iter().flatten()) {
        assert_ne!(*status, 201, "nobody gets a second voucher");
        let code = code_of(body);
        if *first_status == 201 {
            assert_eq!(code, "already_claimed");
        }
        *second_codes.entry(code).or_default() += 1;
    }
    assert_eq!(second_codes.get("already_claimed"), Some(&(STOCK as usize)), "{second_codes:?}");

    let stock: Value = client
        .get(format!("{base}/api/v1/campaigns/liaocheng-2024-spring-appliances/stock"))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let tier = stock.as_array().expect("a list").iter().find(|offer| offer["offer"] == TIER).cloned().expect("the tier");
    assert_eq!(tier["left"], json!(0));
    // When the last voucher went: during the storm, before the second one began.
    let sold_out_at = tier["sold_out_at_ms"].as_i64().expect("when it sold out");
    assert!((storm_started..=jiff::Timestamp::now().as_millisecond()).contains(&sold_out_at), "{sold_out_at}");
    service.stop().await.expect("stops cleanly");

    let (claims, vouchers, stock, claimed, most) = database_counts(&config(campaigns.path(), data.path()).database_url()).await;
    assert_eq!((claims, vouchers, stock, claimed, most), (500, 500, 500, 500, 1));
}

/// Waits until the service reports at least `claimed` vouchers of the tier gone.
async fn until_claimed(client: &reqwest::Client, base: &str, claimed: u64) {
    let stock_url = format!("{base}/api/v1/campaigns/liaocheng-2024-spring-appliances/stock");
    loop {
        let left = match client.get(&stock_url).send().await {
            Ok(response) => response
                .json::<Value>()
                .await
                .ok()
                .and_then(|stock| stock.as_array()?.iter().find(|offer| offer["offer"] == TIER)?["left"].as_u64()),
            Err(_) => None,
        };
        if left.is_some_and(|left| left <= u64::from(STOCK) - claimed) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Runs the service binary, as the README's command does, so that it can be killed with SIGKILL.
struct Process {
    child: tokio::process::Child,
    base: String,
}

async fn spawn_binary(campaigns: &Path, data_dir: &Path) -> Process {
    let database = config(campaigns, data_dir).database_url();
    spawn_binary_on(campaigns, data_dir, &database).await
}

/// The service binary on `database`, with the secrets every instance of a shared database holds.
async fn spawn_binary_on(campaigns: &Path, data_dir: &Path, database: &str) -> Process {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).expect("a free port").port();
    let repo = repo();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_huiquan-server"))
        .env("HUIQUAN_ADDR", format!("127.0.0.1:{port}"))
        .env("HUIQUAN_DATABASE", database)
        .env("HUIQUAN_IDENTITY_KEY", IDENTITY_KEY)
        .env("HUIQUAN_TILL_SECRET", TILL_SECRET)
        .env("HUIQUAN_DATA_DIR", data_dir)
        .env("HUIQUAN_CAMPAIGNS", campaigns)
        .env("HUIQUAN_GEO", repo.join("data/geo"))
        .env("HUIQUAN_MERCHANTS", repo.join("data/merchants"))
        .env("HUIQUAN_ALLOWLISTS", repo.join("data/allowlists"))
        .env("HUIQUAN_PARTNER_SECRETS", format!("storm={SECRET}"))
        .env("HUIQUAN_RATE_PER_ADDRESS", "1000000")
        .env("HUIQUAN_CONNECTIONS_PER_CLIENT", "5000")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("the service binary starts");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/api/v1/time")).await.is_ok_and(|response| response.status() == 200) {
            return Process { child, base };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service did not come up on {base}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_in_the_middle_of_a_storm_nothing_acknowledged_is_lost_nothing_is_doubled() {
    let campaigns = storm_campaigns();
    let data = tempfile::tempdir().expect("temp dir");
    let mut process = spawn_binary(campaigns.path(), data.path()).await;
    let client = client();
    let tokens = sign_in_all(&client, &process.base).await;

    // Storm, and kill -9 as soon as a hundred vouchers have been acknowledged.
    let storm_task = {
        let (client, base, tokens) = (client.clone(), process.base.clone(), tokens.clone());
        tokio::spawn(async move { storm(&client, &base, &tokens, "crash").await })
    };
    until_claimed(&client, &process.base, 100).await;
    process.child.start_kill().expect("SIGKILL sent");
    let _ = process.child.wait().await;
    let answers = storm_task.await.expect("storm ends");
    let acknowledged = acknowledged(&answers);
    let cut_off = answers.iter().filter(|answer| answer.is_none()).count();
    println!("killed with {} claims acknowledged and {cut_off} requests cut off", acknowledged.len());
    // Regression: this asked for at least the 100 claims the stock showed committed, but a claim
    // committed just before the kill may never have had its answer delivered (94 in one CI run).
    assert!(!acknowledged.is_empty(), "some claims were acknowledged before the kill");
    assert!(answers.iter().any(Option::is_none), "the kill cut some requests off");

    // Restart on the same data directory.
    let process = spawn_binary(campaigns.path(), data.path()).await;
    let (claims, vouchers, stock, claimed, most) = database_counts(&config(campaigns.path(), data.path()).database_url()).await;
    assert_eq!(claims, vouchers, "one voucher per claim");
    assert_eq!(claims, claimed, "the release's tally matches the claims written");
    assert_eq!(stock, i64::from(STOCK));
    assert_eq!(most, 1, "nobody holds two");
    assert!(claims >= acknowledged.len() as i64, "every acknowledged claim survived: {claims} < {}", acknowledged.len());

    // Every resident retries with the same key: acknowledged claims are replayed unchanged, and
    // the rest are decided now. In the end the whole stock is claimed, once each.
    let retried = storm(&client, &process.base, &tokens, "crash").await;
    let holders = holders_after_retry(&retried, &acknowledged);
    assert_eq!(holders.len(), STOCK as usize, "all 500 vouchers claimed, none twice");
    drop(process);
    let (claims, vouchers, stock, claimed, most) = database_counts(&config(campaigns.path(), data.path()).database_url()).await;
    assert_eq!((claims, vouchers, stock, claimed, most), (500, 500, 500, 500, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_in_the_middle_of_a_storm_lets_claims_under_way_finish() {
    let campaigns = storm_campaigns();
    let data = tempfile::tempdir().expect("temp dir");
    let mut process = spawn_binary(campaigns.path(), data.path()).await;
    let client = client();
    let tokens = sign_in_all(&client, &process.base).await;

    // Each answer with the moment it arrived.
    let limit = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = Vec::new();
    for (resident, token) in tokens.iter().enumerate() {
        let (client, base, token, limit) = (client.clone(), process.base.clone(), token.clone(), Arc::clone(&limit));
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.expect("open");
            let answer = claim(&client, &base, &token, &format!("term-{resident:05}")).await;
            (answer, std::time::Instant::now())
        }));
    }
    until_claimed(&client, &process.base, 100).await;
    let pid = process.child.id().expect("running");
    let signalled = std::time::Instant::now();
    let sent = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill runs");
    assert!(sent.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), process.child.wait()).await.expect("exits in time").expect("exit status");
    assert!(exit.success(), "a graceful shutdown exits 0: {exit}");

    let mut acknowledged = 0;
    let mut answered_after_signal = 0;
    for task in tasks {
        let (answer, at) = task.await.expect("task");
        if let Some((status, _)) = answer {
            acknowledged += usize::from(status == 201);
            answered_after_signal += usize::from(at > signalled);
        }
    }
    println!("SIGTERM: {acknowledged} claims acknowledged, {answered_after_signal} answers after the signal");
    assert!(answered_after_signal > 0, "requests under way at the signal were answered");
    // Nothing was written that was not answered, and nothing answered was lost.
    let (claims, vouchers, stock, claimed, most) = database_counts(&config(campaigns.path(), data.path()).database_url()).await;
    assert_eq!((claims, vouchers, claimed), (acknowledged as i64, acknowledged as i64, acknowledged as i64));
    assert_eq!((stock, most), (i64::from(STOCK), 1));
}

/// A partner sign-in for `account`, as a webview would send it.
fn partner_sign_in(client: &reqwest::Client, base: &str, account: &str) -> reqwest::RequestBuilder {
    let token = sign_partner_token(SECRET.as_bytes(), &PartnerClaims::verified("storm", account, 600));
    client.post(format!("{base}/api/v1/sessions/partner")).json(&json!({ "token": token }))
}

/// Signs `account` in through its partner at `base`; the session's bearer token.
async fn session_token(client: &reqwest::Client, base: &str, account: &str) -> String {
    let answer: Value = partner_sign_in(client, base, account).send().await.expect("answers").json().await.expect("json");
    answer["token"].as_str().expect("a token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_cut_off_mid_way_during_a_storm_stall_nothing() {
    // Regression: 400 partner sign-ins whose clients hung up within 4 ms, during a claim storm,
    // left pooled connections inside BEGIN IMMEDIATE ("cannot start a transaction within a
    // transaction"); then the ledger's batch met "database is locked", answered 503 and every
    // later sign-in and claim failed.
    let campaigns = storm_campaigns();
    let data = tempfile::tempdir().expect("temp dir");
    let service = Service::start(&config(campaigns.path(), data.path())).await.expect("starts").spawn().expect("bound");
    let base = service.base_url();
    let client = client();
    let tokens = sign_in_all(&client, &base).await;
    // The storm: every resident claims again and again, new keys each wave, until every sign-in
    // below has been answered or cut off, so that all of them meet it (about 4 s). It takes both
    // cores while it lasts: a fixed 10 s was 23 CPU-seconds on SQLite.
    let signing_in = Arc::new(AtomicBool::new(true));
    let storm_task = {
        let (client, base, tokens, signing_in) = (client.clone(), base.clone(), tokens.clone(), signing_in.clone());
        tokio::spawn(async move {
            let mut answered = 0usize;
            let mut wave = 0;
            while signing_in.load(Ordering::Relaxed) {
                answered += storm(&client, &base, &tokens[..400], &format!("wave-{wave}")).await.iter().flatten().count();
                wave += 1;
            }
            answered
        })
    };
    // Sign-ins whose clients give up after 0 to 10 ms, at every stage of the sign-in.
    let cut_off = {
        let base = base.clone();
        tokio::spawn(async move {
            let impatient = reqwest::Client::new();
            let mut tasks = Vec::new();
            for n in 0..400 {
                let wait = Duration::from_micros(rand::random_range(0..10_000));
                let request = partner_sign_in(&impatient, &base, &format!("impatient-{n}")).timeout(wait);
                tasks.push(tokio::spawn(async move { request.send().await.is_ok() }));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            for task in tasks {
                let _ = task.await;
            }
        })
    };
    // Fifty patient residents signing in during the storm: every one gets in.
    let mut patient = Vec::new();
    for n in 0..50 {
        let (client, base) = (client.clone(), base.clone());
        patient.push(tokio::spawn(async move {
            partner_sign_in(&client, &base, &format!("patient-{n}")).send().await.map(|response| response.status().as_u16())
        }));
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
    for task in patient {
        assert_eq!(task.await.expect("task").expect("answered"), 201, "a sign-in during the storm");
    }
    cut_off.await.expect("cut-off sign-ins sent");
    signing_in.store(false, Ordering::Relaxed);
    let answered = storm_task.await.expect("storm");
    assert!(answered > 0);

    // After it all, a new resident signs in and claims at once.
    let response = partner_sign_in(&client, &base, "after-the-storm").send().await.expect("answers");
    assert_eq!(response.status(), 201);
    let token = response.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_owned();
    let asked = std::time::Instant::now();
    let claimed = client
        .post(format!("{base}/api/v1/campaigns/liaocheng-2024-spring-appliances/claims"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "after-the-storm-1")
        .json(&json!({ "offer": "single-5000-500", "location": { "latitude": LIAOCHENG_AT.0, "longitude": LIAOCHENG_AT.1, "accuracy": 20.0 } }))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .expect("answered within 2 s");
    assert_eq!(claimed.status(), 201, "{:?}", claimed.text().await);
    assert!(asked.elapsed() < Duration::from_secs(2));
    service.stop().await.expect("stops cleanly");
}

/// Two services in this process on one PostgreSQL database, each with a data directory of its own
/// (kept alive by the third value).
async fn two_instances(campaigns: &Path, database: &str) -> (huiquan_server::Spawned, huiquan_server::Spawned, [tempfile::TempDir; 2]) {
    let data = [tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir")];
    let start = |data_dir: &Path| {
        let mut config = config(campaigns, data_dir);
        config.database = Some(database.to_owned());
        config
    };
    let a = Service::start(&start(data[0].path())).await.expect("A starts").spawn().expect("bound");
    let b = Service::start(&start(data[1].path())).await.expect("B starts on the same database").spawn().expect("bound");
    (a, b, data)
}

/// Each resident whose claim was acknowledged (201), with the answer.
fn acknowledged(answers: &[Option<(u16, String)>]) -> HashMap<usize, String> {
    answers
        .iter()
        .enumerate()
        .filter_map(|(resident, answer)| match answer {
            Some((201, body)) => Some((resident, body.clone())),
            _ => None,
        })
        .collect()
}

/// After everyone retried with the same key: checks that every acknowledged claim was replayed
/// as it was, and returns who holds a voucher now.
fn holders_after_retry(retried: &[Option<(u16, String)>], acknowledged: &HashMap<usize, String>) -> HashSet<usize> {
    let mut holders = HashSet::new();
    for (resident, answer) in retried.iter().enumerate() {
        let (status, body) = answer.as_ref().expect("the service answers every retry");
        if let Some(before) = acknowledged.get(&resident) {
            assert_eq!((*status, body), (201, before), "resident {resident}: the acknowledged claim is replayed as it was");
        }
        if *status == 201 {
            holders.insert(resident);
        }
    }
    holders
}

/// The Idempotency-Key resident `resident` (an index into the storm's tokens) sends in the storm
/// named `prefix`, the same on every retry.
fn claim_key(prefix: &str, resident: usize) -> String {
    format!("{prefix}-{resident:05}")
}

/// Every resident claims at instance `resident % 2` of `bases`.
async fn storm_across(client: &reqwest::Client, bases: &[String], tokens: &[String], key_prefix: &str) -> Vec<Option<(u16, String)>> {
    let limit = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = Vec::new();
    for (resident, token) in tokens.iter().enumerate() {
        let (client, base, token, limit) = (client.clone(), bases[resident % bases.len()].clone(), token.clone(), Arc::clone(&limit));
        let key = claim_key(key_prefix, resident);
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.expect("open");
            claim(&client, &base, &token, &key).await
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_two_thousand_residents_five_hundred_vouchers_exactly_five_hundred_issued() {
    let server = PostgresServer::start();
    let database = server.new_database();
    let campaigns = storm_campaigns();
    let (a, b, _data) = two_instances(campaigns.path(), &database).await;
    let bases = [a.base_url(), b.base_url()];
    let client = client();
    // Signed in at A: sessions are shared, so each resident's token works at B as well.
    let tokens = sign_in_all(&client, &bases[0]).await;

    let first = storm_across(&client, &bases, &tokens, "first").await;
    let granted = first.iter().flatten().filter(|(status, _)| *status == 201).count();
    let sold_out = first.iter().flatten().filter(|(status, body)| *status == 409 && code_of(body) == "sold_out").count();
    assert_eq!(
        (granted, sold_out),
        (STOCK as usize, RESIDENTS - STOCK as usize),
        "{:?}",
        first.iter().flatten().find(|(status, _)| *status >= 500)
    );

    // The same key at the other instance: the same answer, replayed (the answers are shared).
    let swapped = [bases[1].clone(), bases[0].clone()];
    let again = storm_across(&client, &swapped, &tokens, "first").await;
    assert_eq!(first, again, "a retry at the other instance gets the same answer");

    // A new key at the other instance: nobody gets a second voucher (the limits are shared).
    let second = storm_across(&client, &swapped, &tokens, "second").await;
    let holders_refused = second.iter().flatten().filter(|(_, body)| code_of(body) == "already_claimed").count();
    assert!(second.iter().flatten().all(|(status, _)| *status != 201), "nobody gets a second voucher");
    assert_eq!(holders_refused, STOCK as usize);

    a.stop().await.expect("A stops");
    b.stop().await.expect("B stops");
    assert_eq!(database_counts(&database).await, (500, 500, 500, 500, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_claim_at_one_instance_reaches_the_other_instances_event_stream_within_a_second() {
    use futures_util::StreamExt;
    let server = PostgresServer::start();
    let database = server.new_database();
    let campaigns = storm_campaigns();
    let (a, b, _data) = two_instances(campaigns.path(), &database).await;
    let client = client();
    let events = client
        .get(format!("{}/api/v1/campaigns/liaocheng-2024-spring-appliances/stock/events", b.base_url()))
        .send()
        .await
        .expect("B streams");
    assert_eq!(events.status(), 200);
    let mut events = events.bytes_stream();
    let token = session_token(&client, &a.base_url(), "one-resident").await;
    let (status, _) = claim(&client, &a.base_url(), &token, "one-claim").await.expect("A answers");
    assert_eq!(status, 201);
    let claimed_at = std::time::Instant::now();
    let mut seen = String::new();
    let wanted = format!("\"left\":{}", STOCK - 1);
    while !seen.contains(&wanted) {
        let chunk = tokio::time::timeout(Duration::from_secs(1).saturating_sub(claimed_at.elapsed()), events.next())
            .await
            .unwrap_or_else(|_| panic!("B's stream did not say {wanted} within a second; it said {seen}"))
            .expect("the stream goes on")
            .expect("bytes");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(events);
    a.stop().await.expect("A stops");
    b.stop().await.expect("B stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_sign_out_at_one_instance_ends_the_session_at_the_other_within_a_second() {
    // Regression: instance B kept a session it had read for 10 s (`session_recheck`), so a token
    // signed out at A still opened the wallet at B until then.
    let server = PostgresServer::start();
    let database = server.new_database();
    let campaigns = storm_campaigns();
    let (a, b, _data) = two_instances(campaigns.path(), &database).await;
    // Each instance hears stock changes and sign-outs on one connection (there were two).
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&database).await.expect("the database opens");
    let (listening,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%huiquan_stock%huiquan_sign_out%'",
    )
    .fetch_one(&pool)
    .await
    .expect("read");
    assert_eq!(listening, 2, "one listening connection per instance, for both channels");
    let client = client();
    let mut tokens = Vec::new();
    for _ in 0..2 {
        tokens.push(session_token(&client, &a.base_url(), "signs-out").await);
    }
    let wallet_at_b = |token: &str| {
        let request = client.get(format!("{}/api/v1/wallet", b.base_url())).bearer_auth(token);
        async move { request.send().await.expect("B answers").status().as_u16() }
    };
    // B reads both sessions, and keeps them.
    assert_eq!((wallet_at_b(&tokens[0]).await, wallet_at_b(&tokens[1]).await), (200, 200));
    let until_refused = |token: String| async move {
        let signed_out_at = std::time::Instant::now();
        while wallet_at_b(&token).await != 401 {
            assert!(signed_out_at.elapsed() < Duration::from_secs(1), "B still opens the wallet a second after the sign-out at A");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };

    let out = client.delete(format!("{}/api/v1/sessions/current", a.base_url())).bearer_auth(&tokens[0]).send().await.expect("A answers");
    assert_eq!(out.status(), 204);
    until_refused(tokens[0].clone()).await;
    assert_eq!(wallet_at_b(&tokens[1]).await, 200, "the account's other session goes on");

    let everywhere = client.delete(format!("{}/api/v1/sessions", a.base_url())).bearer_auth(&tokens[1]).send().await.expect("A answers");
    assert_eq!(everywhere.status(), 200);
    until_refused(tokens[1].clone()).await;
    a.stop().await.expect("A stops");
    b.stop().await.expect("B stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_instance_with_another_identity_key_does_not_start() {
    // Regression guard: two instances with different keys would each file the same phone under a
    // different digest, and a resident would find an empty wallet at one of them.
    let server = PostgresServer::start();
    let database = server.new_database();
    let campaigns = storm_campaigns();
    let (data_a, data_b) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
    let mut first = config(campaigns.path(), data_a.path());
    first.database = Some(database.clone());
    let a = Service::start(&first).await.expect("A starts");
    let mut other = config(campaigns.path(), data_b.path());
    other.database = Some(database.clone());
    other.identity_key = Some("another-identity-key-entirely".into());
    let refused = Service::start(&other).await.err().expect("B is refused");
    assert!(refused.to_string().contains("identity key"), "{refused}");
    drop(a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_kill_9_one_of_two_instances_mid_storm_the_other_answers_and_nothing_is_lost_or_doubled() {
    let server = PostgresServer::start();
    let database = server.new_database();
    let campaigns = storm_campaigns();
    let (data_a, data_b) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
    let mut a = spawn_binary_on(campaigns.path(), data_a.path(), &database).await;
    let b = spawn_binary_on(campaigns.path(), data_b.path(), &database).await;
    let client = client();
    let tokens = sign_in_all(&client, &b.base).await;
    let bases = [a.base.clone(), b.base.clone()];

    let storm_task = {
        let (client, bases, tokens) = (client.clone(), bases.clone(), tokens.clone());
        tokio::spawn(async move { storm_across(&client, &bases, &tokens, "crash").await })
    };
    // B's stock shows A's claims too (notifications): kill A once a hundred are gone.
    until_claimed(&client, &b.base, 100).await;
    a.child.start_kill().expect("SIGKILL sent");
    let _ = a.child.wait().await;
    let answers = storm_task.await.expect("storm ends");
    let acknowledged = acknowledged(&answers);
    println!("A killed; {} claims acknowledged by the two", acknowledged.len());
    assert!(
        answers.iter().enumerate().filter(|(resident, _)| resident % 2 == 1).all(|(_, answer)| answer.is_some()),
        "B answered every request sent to it"
    );
    assert!(
        answers.iter().enumerate().any(|(resident, answer)| resident % 2 == 0 && answer.is_none()),
        "the kill cut some of A's requests off"
    );
    let (claims, vouchers, stock, claimed, most) = database_counts(&database).await;
    assert_eq!((claims, vouchers, stock, most), (claimed, claimed, i64::from(STOCK), 1), "the tally matches the claims written");
    assert!(claims >= acknowledged.len() as i64, "every acknowledged claim is in the database: {claims} < {}", acknowledged.len());

    // A restarts; every resident retries with the same key at the same instance.
    let a = spawn_binary_on(campaigns.path(), data_a.path(), &database).await;
    let bases = [a.base.clone(), b.base.clone()];
    let retried = storm_across(&client, &bases, &tokens, "crash").await;
    let holders = holders_after_retry(&retried, &acknowledged);
    assert_eq!(holders.len(), STOCK as usize, "all 500 vouchers claimed, none twice");
    drop((a, b));
    assert_eq!(database_counts(&database).await, (500, 500, 500, 500, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_at_both_instances_at_once_give_one_voucher_per_resident_and_per_same_user_group() {
    const OFFER: &str = "single-5000-500";
    let server = PostgresServer::start();
    let database = server.new_database();
    let campaigns = storm_campaigns();
    let (a, b, _data) = two_instances(campaigns.path(), &database).await;
    let bases = [a.base_url(), b.base_url()];
    let client = client();
    // 200 residents alone, then 100 pairs of accounts on one phone (one "same user" group each in
    // Liaocheng, whose notice counts them as one).
    let mut tokens = Vec::new();
    for n in 0..400 {
        let device = if n < 200 { format!("solo-{n}") } else { format!("pair-{}", n / 2) };
        let claims = PartnerClaims { device: Some(device), ..PartnerClaims::verified("storm", &format!("both-{n}"), 600) };
        let response = client
            .post(format!("{}/api/v1/sessions/partner", bases[n % 2]))
            .json(&json!({ "token": sign_partner_token(SECRET.as_bytes(), &claims) }))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 201);
        tokens.push(response.json::<Value>().await.expect("json")["token"].as_str().expect("a token").to_owned());
    }
    let claim_at = |base: String, token: String, key: String| {
        let client = client.clone();
        tokio::spawn(async move {
            let response = client
                .post(format!("{base}/api/v1/campaigns/liaocheng-2024-spring-appliances/claims"))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&json!({ "offer": OFFER, "location": { "latitude": LIAOCHENG_AT.0, "longitude": LIAOCHENG_AT.1, "accuracy": 20.0 } }))
                .send()
                .await
                .expect("answers");
            let status = response.status().as_u16();
            (status, code_of(&response.text().await.expect("a body")))
        })
    };
    // Solo residents: the same account at A and at B at once. Pairs: one account at each.
    let mut asked = Vec::new();
    for (n, token) in tokens.iter().enumerate().take(200) {
        asked.push((n, claim_at(bases[0].clone(), token.clone(), format!("solo-a-{n}"))));
        asked.push((n, claim_at(bases[1].clone(), token.clone(), format!("solo-b-{n}"))));
    }
    for n in (200..400).step_by(2) {
        asked.push((n, claim_at(bases[0].clone(), tokens[n].clone(), format!("pair-a-{n}"))));
        asked.push((n, claim_at(bases[1].clone(), tokens[n + 1].clone(), format!("pair-b-{n}"))));
    }
    let mut granted: HashMap<usize, usize> = HashMap::new();
    for (who, task) in asked {
        let (status, code) = task.await.expect("task");
        match status {
            201 => *granted.entry(who).or_default() += 1,
            409 => assert_eq!(code, "already_claimed"),
            other => panic!("unexpected {other} {code}"),
        }
    }
    assert_eq!(granted.len(), 300, "every resident and every pair got a voucher");
    assert!(
        granted.values().all(|count| *count == 1),
        "nobody got two: {:?}",
        granted.iter().filter(|(_, count)| **count > 1).collect::<Vec<_>>()
    );
    a.stop().await.expect("A stops");
    b.stop().await.expect("B stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_storm_nothing_acknowledged_is_lost_and_the_service_carries_on() {
    // A restart (or failover) of PostgreSQL cuts every connection, the ledger's included: claims
    // in flight are answered 503 (not recorded), a retry with the same key is decided or replayed,
    // and the service works again without a restart of its own.
    let server = PostgresServer::start_own();
    let database = server.new_database();
    let campaigns = storm_campaigns();
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = config(campaigns.path(), data.path());
    config.database = Some(database.clone());
    let service = Service::start(&config).await.expect("starts").spawn().expect("bound");
    let base = service.base_url();
    let client = client();
    let tokens: Vec<String> = sign_in_all(&client, &base).await.into_iter().take(STOCK as usize).collect();

    let storm_task = {
        let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
        tokio::spawn(async move { storm(&client, &base, &tokens, "restart").await })
    };
    until_claimed(&client, &base, 50).await;
    server.restart();
    let first = storm_task.await.expect("storm ends");
    let not_recorded = first.iter().flatten().filter(|(status, _)| *status == 503).count();
    println!("PostgreSQL restarted mid-storm: {not_recorded} claims answered 503");

    // Each resident whose claim was not recorded retries with the same key until it is decided:
    // within 30 s of the restart, all are. Regression: everyone retried, the acknowledged too,
    // and on a slow machine the retries outran the resident's rate limit (2/s, burst 10): a 429
    // came back where the replay was expected. A 429 is retried like a 503, as the app does.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut answers = first;
    let undecided = |answer: &Option<(u16, String)>| !matches!(answer, Some((status, _)) if *status != 503 && *status != 429);
    while answers.iter().any(undecided) {
        assert!(std::time::Instant::now() < deadline, "the service did not recover: {:?}", answers.iter().find(|answer| undecided(answer)));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let waiting: Vec<usize> = (0..answers.len()).filter(|resident| undecided(&answers[*resident])).collect();
        let retries: Vec<_> = waiting
            .iter()
            .map(|resident| {
                let (client, base, token, key) = (client.clone(), base.clone(), tokens[*resident].clone(), claim_key("restart", *resident));
                tokio::spawn(async move { claim(&client, &base, &token, &key).await })
            })
            .collect();
        for (resident, retry) in waiting.into_iter().zip(retries) {
            answers[resident] = retry.await.expect("task");
        }
    }
    // An acknowledged claim is replayed unchanged, whenever it was acknowledged.
    let replayed = storm(&client, &base, &tokens, "restart").await;
    for (resident, (answer, again)) in answers.iter().zip(&replayed).enumerate() {
        assert_eq!(again, answer, "resident {resident}'s claim replayed");
    }
    assert!(answers.iter().flatten().all(|(status, _)| *status == 201), "each resident holds a voucher");
    service.stop().await.expect("stops");
    let (claims, vouchers, stock, claimed, most) = database_counts(&database).await;
    assert_eq!((claims, vouchers, stock, claimed, most), (i64::from(STOCK), i64::from(STOCK), i64::from(STOCK), i64::from(STOCK), 1));
}
