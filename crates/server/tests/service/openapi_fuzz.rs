//! Every operation of `/api/v1/openapi.json` driven by a schema-driven fuzzer (schemathesis, from
//! PyPI, installed by `scripts/setup.sh`) with generated valid and invalid input, signed in as a
//! resident and as a till: no 5xx, no crash, every answer as the document says (status, media
//! type, body schema, headers, every refusal a problem+json with a documented `code`), every
//! schema-valid request accepted or refused by state alone (never as malformed), and every
//! schema-invalid one refused. The document is therefore as strict as the service, no stricter.
//!
//! `HUIQUAN_FUZZ_EXAMPLES` (default 25) sets the examples per operation, `HUIQUAN_FUZZ_SEED` the
//! seed (default fixed, so CI is repeatable; any other finds other input).

use crate::common::repo;
use std::{process::Command, time::Duration};

use huiquan_server::{Config, PartnerClaims, Service, sign_partner_token, till_key};

const PARTNER_SECRET: &str = "fuzz-test-partner-secret-0123456";
const TILL_SECRET: &str = "fuzz-test-till-secret-0123456789";
const DEFAULT_SEED: &str = "20261201";

/// A merchant's till credentials, from the test's till secret.
fn till(campaign: &str, merchant: &str) -> String {
    format!("Till {campaign}/{merchant}:{}", till_key(TILL_SECRET.as_bytes(), campaign, merchant))
}

async fn partner_session(client: &reqwest::Client, base: &str, account: &str) -> String {
    let token = sign_partner_token(PARTNER_SECRET.as_bytes(), &PartnerClaims::verified("jd", account, 600));
    let response =
        client.post(format!("{base}/api/v1/sessions/partner")).json(&serde_json::json!({ "token": token })).send().await.expect("answers");
    assert_eq!(response.status(), 201, "the fuzzing resident signs in");
    let body: serde_json::Value = response.json().await.expect("json");
    body["token"].as_str().expect("a session token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_as_its_document_says_to_generated_input() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = Config::local(&repo(), data.path().to_owned());
    // A release opened a minute ago, so that claims reach the rules and the ledger.
    config.demo = true;
    config.demo_release_in = -1;
    config.partner_secrets = format!("jd={PARTNER_SECRET}").parse().expect("valid");
    config.till_secret = Some(TILL_SECRET.into());
    // The fuzzer is one client sending as fast as it can: the rate limits are tested elsewhere,
    // and here would answer most requests 429 before any input is read.
    config.rate_per_address = 1_000_000;
    config.rate_per_resident = 1_000_000;
    let spawned = Service::start(&config).await.expect("starts").spawn().expect("bound");
    let base = spawned.base_url();
    let client = reqwest::Client::new();
    let resident = partner_session(&client, &base, "jd-fuzzing-resident").await;
    // Signing out ends sessions: each way of signing out gets a resident of its own.
    let leaving = partner_session(&client, &base, "jd-fuzzing-leaver").await;
    let leaving_everywhere = partner_session(&client, &base, "jd-fuzzing-leaver-everywhere").await;

    let work = tempfile::tempdir().expect("temp dir");
    let settings = format!(
        r#"
[auth.openapi.resident]
bearer = "{resident}"

# An event stream never ends by itself: read its first event (the snapshot) and judge that.
[[operations]]
include-path-regex = "/stock/events$"
max-stream-events = 1

[[operations]]
include-path-regex = "/sessions/current$"
headers = {{ Authorization = "Bearer {leaving}" }}

[[operations]]
include-path-regex = "/sessions$"
headers = {{ Authorization = "Bearer {leaving_everywhere}" }}

[[operations]]
include-path-regex = "^/till/"
headers = {{ Authorization = "{till}" }}
"#,
        till = till("tianjin-2022-jinlegou", "jd-app-retail"),
    );
    let settings_path = work.path().join("schemathesis.toml");
    std::fs::write(&settings_path, settings).expect("settings written");

    let examples = std::env::var("HUIQUAN_FUZZ_EXAMPLES").unwrap_or_else(|_| "25".into());
    let seed = std::env::var("HUIQUAN_FUZZ_SEED").unwrap_or_else(|_| DEFAULT_SEED.into());
    let schema_url = format!("{base}/api/v1/openapi.json");
    let api_url = format!("{base}/api/v1");
    let work_dir = work.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("schemathesis")
            .current_dir(&work_dir)
            .env("NO_COLOR", "1")
            .env("SCHEMATHESIS_HOOKS", "")
            .args(["--config-file"])
            .arg(&settings_path)
            .args(["run", &schema_url, "--url", &api_url, "--checks", "all", "--max-examples", &examples, "--seed", &seed])
            .args(["--request-timeout", "10", "--no-color"])
            // More flags for a closer look (`--include-path-regex claims --report har` …).
            .args(std::env::var("HUIQUAN_FUZZ_ARGS").unwrap_or_default().split_whitespace())
            .output()
    })
    .await
    .expect("joined")
    .expect("schemathesis runs (installed by scripts/setup.sh; on PATH from scripts/lib.sh)");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}\n{}", String::from_utf8_lossy(&output.stderr));

    // Whatever the fuzzer sent, the service still answers and closes cleanly.
    let time = tokio::time::timeout(Duration::from_secs(5), client.get(format!("{base}/api/v1/time")).send())
        .await
        .expect("answers in time")
        .expect("answers");
    assert_eq!(time.status(), 200);
    // The fuzzer signed in as intended: the two leavers signed out, the resident did not.
    let wallet_status = |token: String| {
        let request = client.get(format!("{base}/api/v1/wallet")).bearer_auth(token);
        async move { request.send().await.expect("answers").status().as_u16() }
    };
    let statuses = (wallet_status(resident).await, wallet_status(leaving).await, wallet_status(leaving_everywhere).await);
    assert_eq!(statuses, (200, 401, 401), "wallet of the resident, the leaver, the leaver everywhere");
    spawned.stop().await.expect("the service stops cleanly");

    assert!(output.status.success(), "schemathesis found failures (exit {:?}); its report is above", output.status.code());
    // Operations that answer only 401 were never reached with working credentials. (A claim may
    // be refused 403 every time, and a guessed sign-in code 401: those two are not counted.)
    if let Some(warning) = report.split("Authentication failed").nth(1) {
        let listed: Vec<&str> = warning.lines().take_while(|line| !line.trim().is_empty() || line.contains("  - ")).collect();
        for operation in ["GET /wallet", "DELETE /sessions", "GET /till/store-code", "POST /till/redemptions", "POST /till/refunds"] {
            assert!(!listed.iter().any(|line| line.trim() == format!("- {operation}")), "{operation} was never reached signed in");
        }
    }
}
