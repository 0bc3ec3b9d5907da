//! The service over real HTTP, against a real database file in a temporary data directory.

use crate::common::repo;
use std::path::PathBuf;

use huiquan_core::{
    Campaign,
    api::{ProblemDetails, ServerTime},
};
use huiquan_server::{Config, Service, Spawned};

async fn start(data_dir: PathBuf, dist: Option<PathBuf>) -> Running {
    let mut config = Config::local(&repo(), data_dir);
    config.dist = dist;
    let service = Service::start(&config).await.expect("service starts");
    let spawned = service.spawn().expect("bound");
    Running { base: spawned.base_url(), spawned }
}

struct Running {
    base: String,
    spawned: Spawned,
}

impl Running {
    async fn stop(self) {
        self.spawned.stop().await.expect("the service stops cleanly");
    }
}

#[tokio::test]
async fn time_is_the_servers_clock_and_never_cached() {
    let data = tempfile::tempdir().expect("temp dir");
    let service = start(data.path().to_owned(), None).await;
    let response = reqwest::get(format!("{}/api/v1/time", service.base)).await.expect("answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.headers().contains_key("date"));
    let time: ServerTime = response.json().await.expect("JSON");
    let local = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64;
    assert!((time.epoch_ms - local).abs() < 5_000, "server {} vs local {local}", time.epoch_ms);
    service.stop().await;
}

#[tokio::test]
async fn serves_tianjin_with_its_twelve_tiers_and_keeps_it_in_the_database() {
    let data = tempfile::tempdir().expect("temp dir");
    let service = start(data.path().to_owned(), None).await;
    let url = format!("{}/api/v1/campaigns/tianjin-2022-jinlegou", service.base);
    let campaign: Campaign = reqwest::get(&url).await.expect("answers").json().await.expect("a campaign");
    assert_eq!(campaign.city.zh_hans, "天津市");
    assert_eq!(campaign.tiers().count(), 12);
    let list: Vec<serde_json::Value> =
        reqwest::get(format!("{}/api/v1/campaigns", service.base)).await.expect("answers").json().await.expect("JSON");
    assert!(list.iter().any(|c| c["id"] == "tianjin-2022-jinlegou"));
    service.stop().await;

    // The database was created on first start (SQLite or PostgreSQL, as the run says), holds the
    // campaign, and a second start over it works.
    sqlx::any::install_default_drivers();
    let database = sqlx::AnyPool::connect(&Config::local(&repo(), data.path().to_owned()).database_url()).await.expect("created");
    let (kept,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM campaigns WHERE id = 'tianjin-2022-jinlegou'").fetch_one(&database).await.expect("read");
    assert_eq!(kept, 1);
    database.close().await;
    let service = start(data.path().to_owned(), None).await;
    let again: Campaign = reqwest::get(format!("{}/api/v1/campaigns/tianjin-2022-jinlegou", service.base))
        .await
        .expect("answers")
        .json()
        .await
        .expect("a campaign");
    assert_eq!(again, campaign);
    service.stop().await;
}

#[tokio::test]
async fn unknown_ids_and_paths_are_problems_with_stable_codes() {
    let data = tempfile::tempdir().expect("temp dir");
    let service = start(data.path().to_owned(), None).await;
    for (path, code) in [("/api/v1/campaigns/atlantis", "unknown_campaign"), ("/api/v1/nothing-here", "not_found")] {
        let response = reqwest::get(format!("{}{path}", service.base)).await.expect("answers");
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
        let problem: ProblemDetails = response.json().await.expect("problem JSON");
        assert_eq!(problem.code, code);
        assert_eq!(problem.status, 404);
    }
    service.stop().await;
}

#[tokio::test]
async fn the_app_is_served_precompressed_with_long_lives_for_hashed_files() {
    let data = tempfile::tempdir().expect("temp dir");
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>惠券</title>").expect("write");
    std::fs::write(dist.path().join("huiquan-0123456789abcdef.js"), "console.log(1)").expect("write");
    std::fs::write(dist.path().join("huiquan-0123456789abcdef.js.br"), "brotli bytes").expect("write");
    let service = start(data.path().to_owned(), Some(dist.path().to_owned())).await;
    let client = reqwest::Client::new();

    let script = client
        .get(format!("{}/huiquan-0123456789abcdef.js", service.base))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .expect("answers");
    assert_eq!(script.status(), 200);
    assert_eq!(script.headers()["content-encoding"], "br");
    assert_eq!(script.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(script.text().await.expect("body"), "brotli bytes");

    let plain = client.get(format!("{}/huiquan-0123456789abcdef.js", service.base)).send().await.expect("answers");
    assert!(!plain.headers().contains_key("content-encoding"));
    assert_eq!(plain.text().await.expect("body"), "console.log(1)");

    // An app route (the router's, not a file) gets the page, revalidated on every visit.
    let route = client.get(format!("{}/campaigns/tianjin-2022-jinlegou", service.base)).send().await.expect("answers");
    assert_eq!(route.status(), 200);
    assert_eq!(route.headers()["cache-control"], "no-cache");
    assert!(route.text().await.expect("body").contains("惠券"));
    service.stop().await;
}

#[tokio::test]
async fn a_campaign_page_comes_painted_and_compressed_and_an_unknown_one_plain() {
    let data = tempfile::tempdir().expect("temp dir");
    let dist = tempfile::tempdir().expect("temp dir");
    let index = "<!doctype html><title>惠券</title><div id=shell><main><h1>正在加载…</h1></main></div>";
    std::fs::write(dist.path().join("index.html"), index).expect("write");
    let service = start(data.path().to_owned(), Some(dist.path().to_owned())).await;
    let client = reqwest::Client::new();

    let painted = client
        .get(format!("{}/campaigns/tianjin-2022-jinlegou", service.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("answers");
    assert_eq!(painted.status(), 200);
    assert_eq!(painted.headers()["content-encoding"], "br", "a painted page is compressed like the API's answers");
    assert_eq!(painted.headers()["cache-control"], "no-cache");
    let page = client.get(format!("{}/campaigns/tianjin-2022-jinlegou", service.base)).send().await.expect("answers");
    let page = page.text().await.expect("body");
    assert!(page.contains("津乐购消费券") && !page.contains("正在加载"), "{page}");
    assert!(page.contains(r#"<script type="application/json" id="huiquan-stock">"#), "{page}");

    let unknown = client.get(format!("{}/campaigns/no-such-campaign", service.base)).send().await.expect("answers");
    assert_eq!(unknown.status(), 200);
    assert_eq!(unknown.text().await.expect("body"), index, "the page as it is: the app says the campaign is unknown");
    service.stop().await;
}

/// Every `$ref` in a JSON document, e.g. `#/components/schemas/Campaign`.
fn references(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, field) in fields {
                match (name.as_str(), field) {
                    ("$ref", serde_json::Value::String(target)) => found.push(target.clone()),
                    _ => references(field, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint_and_every_schema_it_names() {
    let data = tempfile::tempdir().expect("temp dir");
    let service = start(data.path().to_owned(), None).await;
    let document: serde_json::Value =
        reqwest::get(format!("{}/api/v1/openapi.json", service.base)).await.expect("answers").json().await.expect("JSON");
    assert!(document["openapi"].as_str().is_some_and(|version| version.starts_with("3.")), "{}", document["openapi"]);
    assert_eq!(document["servers"][0]["url"], "/api/v1");
    let expected = [
        ("get", "/time"),
        ("get", "/campaigns"),
        ("get", "/campaigns/{id}"),
        ("get", "/campaigns/{id}/boundary"),
        ("get", "/campaigns/{id}/stock"),
        ("get", "/campaigns/{id}/stock/events"),
        ("post", "/campaigns/{id}/claims"),
        ("get", "/campaigns/{id}/figures"),
        ("get", "/campaigns/{id}/merchants"),
        ("get", "/campaigns/{id}/merchants/map.svg"),
        ("post", "/sessions/otp"),
        ("post", "/sessions"),
        ("post", "/sessions/partner"),
        ("delete", "/sessions/current"),
        ("delete", "/sessions"),
        ("get", "/wallet"),
        ("post", "/links/code"),
        ("post", "/links"),
        ("get", "/links"),
        ("delete", "/links/{resident}"),
        ("post", "/till/redemptions"),
        ("post", "/till/refunds"),
        ("get", "/till/store-code"),
        ("get", "/hosts/wechat/config"),
        ("get", "/hosts/unionpay/config"),
    ];
    let paths = document["paths"].as_object().expect("paths");
    for (method, path) in expected {
        assert!(paths.get(path).is_some_and(|item| item.get(method).is_some()), "{method} {path} is not documented");
    }
    assert_eq!(paths.values().map(|item| item.as_object().map_or(0, |methods| methods.len())).sum::<usize>(), expected.len());
    // Each documented path is really served: none falls through to the API's 404.
    let detail = reqwest::get(format!("{}/api/v1/campaigns/tianjin-2022-jinlegou/stock", service.base)).await.expect("answers");
    assert_eq!(detail.status(), 200);

    // Every schema a path or schema refers to is defined, and the claim's refusals are documented.
    let mut targets = Vec::new();
    references(&document, &mut targets);
    let schemas = document["components"]["schemas"].as_object().expect("schemas");
    for target in &targets {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected reference {target}"));
        assert!(schemas.contains_key(name), "{target} is not defined");
    }
    for name in ["Campaign", "Tier", "Validity", "ClaimBody", "ClaimReceipt", "WalletVoucher", "ProblemDetails", "MerchantPage"] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    let claim = &document["paths"]["/campaigns/{id}/claims"]["post"];
    assert!(claim["parameters"].as_array().expect("parameters").iter().any(|parameter| parameter["name"] == "Idempotency-Key"));
    assert!(claim["responses"]["4XX"]["description"].as_str().is_some_and(|text| text.contains("sold_out")));
    assert!(document["components"]["securitySchemes"]["resident"].is_object());
    service.stop().await;
}

#[tokio::test]
async fn outlines_and_campaigns_are_compressed_for_phones_and_the_event_stream_is_not() {
    // Regression: every answer went out uncompressed (Tianjin's outline: 83,460 bytes on the
    // wire), and the outline was the full official one, drawn far finer than any fix.
    let data = tempfile::tempdir().expect("temp dir");
    let service = start(data.path().to_owned(), None).await;
    let client = reqwest::Client::new();
    let get = |path: &str, encoding: &str| client.get(format!("{}/api/v1{path}", service.base)).header("accept-encoding", encoding).send();
    let plain = get("/campaigns/tianjin-2022-jinlegou/boundary", "identity").await.expect("answers");
    assert!(plain.headers().get("content-encoding").is_none());
    let outline: serde_json::Value = plain.json().await.expect("GeoJSON");
    let margin = outline["properties"]["border_margin_m"].as_f64().expect("states its margin");
    assert!((1.0..150.0).contains(&margin), "{margin}");
    let plain_bytes = outline.to_string().len();
    assert!(plain_bytes < 50_000, "simplified: {plain_bytes} bytes (the full file is 83,460)");
    for encoding in ["br", "gzip"] {
        let compressed = get("/campaigns/tianjin-2022-jinlegou/boundary", encoding).await.expect("answers");
        assert_eq!(compressed.headers()["content-encoding"], encoding);
        let bytes = compressed.bytes().await.expect("body").len();
        assert!(bytes * 2 < plain_bytes, "{encoding}: {bytes} of {plain_bytes} bytes");
    }
    let campaign = get("/campaigns/tianjin-2022-jinlegou", "br").await.expect("answers");
    assert_eq!(campaign.headers()["content-encoding"], "br");
    let time = get("/time", "br").await.expect("answers");
    assert!(time.headers().get("content-encoding").is_none(), "too small to be worth it");
    let events = get("/campaigns/tianjin-2022-jinlegou/stock/events", "br, gzip").await.expect("answers");
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    assert!(events.headers().get("content-encoding").is_none(), "events are sent as they happen, not held by a compressor");
    drop(events);
    service.stop().await;
}
