//! The resident's and the till's API over real HTTP against a real database file: sign-in, the
//! "same user" rule, claims and their refusals, bad input, the wallet, the till, merchants, stock
//! events and rate limits.

use std::{path::PathBuf, time::Duration};

use futures_util::StreamExt;
use huiquan_server::{Config, OtpOutbox, PartnerClaims, Service, Spawned, sign_partner_token};
use serde_json::{Value, json};

const SECRET: &str = "api-test-partner-secret-0123456";
const TILL_SECRET: &str = "api-test-till-secret-0123456789";
const TIANJIN: &str = "tianjin-2022-jinlegou";
/// Central Tianjin and central Beijing (WGS-84).
const IN_TIANJIN: (f64, f64) = (39.1256, 117.1909);
const IN_BEIJING: (f64, f64) = (39.9042, 116.4074);

struct Running {
    spawned: Spawned,
    base: String,
    outbox: OtpOutbox,
    client: reqwest::Client,
    _data: tempfile::TempDir,
}

async fn start() -> Running {
    let data = tempfile::tempdir().expect("temp dir");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut config = Config::local(&repo, data.path().to_owned());
    // A release opened a minute ago, whatever the date.
    config.demo = true;
    config.demo_release_in = -1;
    config.partner_secrets = format!("jd={SECRET}").parse().expect("valid");
    config.till_secret = Some(TILL_SECRET.into());
    let outbox = OtpOutbox::default();
    config.otp_outbox = Some(outbox.clone());
    let spawned = Service::start(&config).await.expect("starts").spawn().expect("bound");
    Running { base: spawned.base_url(), spawned, outbox, client: reqwest::Client::new(), _data: data }
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn sign_in_by_phone(&self, phone: &str, device: &str) -> (String, i64) {
        let sent = self.client.post(self.url("/sessions/otp")).json(&json!({ "phone": phone })).send().await.expect("answers");
        assert_eq!(sent.status(), 202);
        let code = self.outbox.latest(phone).expect("a code was sent");
        let response = self
            .client
            .post(self.url("/sessions"))
            .json(&json!({ "phone": phone, "code": code, "device": device }))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("json");
        (body["token"].as_str().expect("token").to_owned(), body["resident"].as_i64().expect("id"))
    }

    async fn sign_in_by_partner(&self, account: &str, device: Option<&str>) -> (String, i64) {
        let claims = PartnerClaims { device: device.map(str::to_owned), ..PartnerClaims::verified("jd", account, 600) };
        let token = sign_partner_token(SECRET.as_bytes(), &claims);
        let response = self.client.post(self.url("/sessions/partner")).json(&json!({ "token": token })).send().await.expect("answers");
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("json");
        (body["token"].as_str().expect("token").to_owned(), body["resident"].as_i64().expect("id"))
    }

    async fn claim(&self, token: &str, key: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(&format!("/campaigns/{TIANJIN}/claims")))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .expect("answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn wallet(&self, token: &str) -> Vec<Value> {
        let response = self.client.get(self.url("/wallet")).bearer_auth(token).send().await.expect("answers");
        assert_eq!(response.status(), 200);
        response.json::<Vec<Value>>().await.expect("json")
    }
}

fn at((latitude, longitude): (f64, f64)) -> Value {
    json!({ "latitude": latitude, "longitude": longitude, "accuracy": 25.0 })
}

#[tokio::test]
async fn sign_in_by_code_refuses_a_wrong_code_and_a_resend_too_soon() {
    let service = start().await;
    let sent = service.client.post(service.url("/sessions/otp")).json(&json!({ "phone": "13800138000" })).send().await.expect("answers");
    assert_eq!(sent.status(), 202);
    let again = service.client.post(service.url("/sessions/otp")).json(&json!({ "phone": "+86 138 0013 8000" })).send().await.expect("answers");
    assert_eq!(again.status(), 429);
    assert!(again.headers().get("retry-after").is_some(), "a resend too soon says when to retry");
    let wrong = service
        .client
        .post(service.url("/sessions"))
        .json(&json!({ "phone": "13800138000", "code": "000000x" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.json::<Value>().await.expect("json")["code"], "wrong_code");
    let bad_phone = service.client.post(service.url("/sessions/otp")).json(&json!({ "phone": "12345" })).send().await.expect("answers");
    assert_eq!(bad_phone.status(), 422);
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn the_same_device_makes_the_same_resident_and_merged_limits_hold() {
    let service = start().await;
    let (by_phone, resident) = service.sign_in_by_phone("13900000001", "device-shared").await;
    let (_, via_partner) = service.sign_in_by_partner("jd-user-1", Some("device-shared")).await;
    assert_eq!(resident, via_partner, "one device: one resident, however they signed in");

    // Two residents who have each claimed; then one signs in with the other's device.
    let (first, first_id) = service.sign_in_by_partner("jd-user-2", Some("device-a")).await;
    let (second, second_id) = service.sign_in_by_phone("13900000002", "device-b").await;
    assert_ne!(first_id, second_id);
    let offer = json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) });
    assert_eq!(service.claim(&second, "merge-key-0001", offer.clone()).await.0, 201);
    let (merged, merged_id) = service.sign_in_by_phone("13900000002", "device-a").await;
    assert_eq!(merged_id, first_id.min(second_id));
    let (status, body) = service.claim(&merged, "merge-key-0002", offer.clone()).await;
    assert_eq!((status, body["code"].clone()), (409, json!("already_claimed")), "the merged resident's claim counts");
    let (status, _) = service.claim(&first, "merge-key-0003", offer).await;
    assert_eq!(status, 409);
    assert!(!by_phone.is_empty());
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn claims_refuse_bad_input_and_outsiders_and_write_nothing() {
    let service = start().await;
    let (token, _) = service.sign_in_by_partner("jd-user-9", None).await;
    let claims_url = service.url(&format!("/campaigns/{TIANJIN}/claims"));
    let send = |body: String, key: Option<&'static str>| {
        let mut request = service.client.post(&claims_url).bearer_auth(&token).header("content-type", "application/json").body(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send()
    };
    let cases: Vec<(String, Option<&'static str>, u16, &str)> = vec![
        (r#"{"offer": "retail-100-10""#.into(), Some("bad-json-0001"), 400, "malformed_json"),
        (r#"{"offer": 7}"#.into(), Some("bad-type-0001"), 422, "invalid_body"),
        (r#"{"offer": "retail-100-10", "price": 1}"#.into(), Some("unknown-field-1"), 422, "invalid_body"),
        (r#"{"offer": "retail-100-10"}"#.into(), None, 400, "idempotency_key_missing"),
        (r#"{"offer": "retail-100-10"}"#.into(), Some("short"), 400, "idempotency_key_invalid"),
        (r#"{"offer": "retail-100-10", "location": {"latitude": 91.0, "longitude": 117.0, "accuracy": 10}}"#.into(), Some("out-of-range-1"), 422, "invalid_location"),
        (r#"{"offer": "retail-100-10", "location": {"latitude": 39.1, "longitude": 117.2, "accuracy": -1}}"#.into(), Some("negative-acc-1"), 422, "invalid_location"),
        (format!(r#"{{"offer": "{}"}}"#, "x".repeat(20_000)), Some("too-large-0001"), 413, "payload_too_large"),
        (r#"{"offer": "retail-100-10"}"#.into(), Some("no-location-01"), 422, "location_required"),
        (json!({ "offer": "retail-100-10", "location": at(IN_BEIJING) }).to_string(), Some("in-beijing-001"), 403, "outside_area"),
        (json!({ "offer": "no-such-tier", "location": at(IN_TIANJIN) }).to_string(), Some("unknown-tier-1"), 404, "unknown_offer"),
    ];
    for (body, key, status, code) in cases {
        let response = send(body.clone(), key).await.expect("answers");
        assert_eq!(response.status().as_u16(), status, "{code}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{code}");
        let problem: Value = response.json().await.expect("problem json");
        assert_eq!(problem["code"], code, "{problem}");
    }
    let unsigned = service.client.post(&claims_url).header("Idempotency-Key", "unsigned-0001").json(&json!({"offer": "retail-100-10"})).send().await.expect("answers");
    assert_eq!(unsigned.status(), 401);
    assert!(service.wallet(&token).await.is_empty(), "no refusal wrote a voucher");

    // A good claim, its replay, and the same key reused for another offer.
    let offer = json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) });
    let (status, receipt) = service.claim(&token, "good-claim-0001", offer.clone()).await;
    assert_eq!(status, 201);
    let replay = service
        .client
        .post(&claims_url)
        .bearer_auth(&token)
        .header("Idempotency-Key", "good-claim-0001")
        .json(&offer)
        .send()
        .await
        .expect("answers");
    assert_eq!(replay.headers()["idempotency-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.expect("json"), receipt);
    let (status, body) = service.claim(&token, "good-claim-0001", json!({ "offer": "retail-200-20", "location": at(IN_TIANJIN) })).await;
    assert_eq!((status, body["code"].clone()), (422, json!("idempotency_key_reused")));
    assert_eq!(service.wallet(&token).await.len(), 1);
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn the_wallet_and_the_till_redeem_and_a_full_refund_restores() {
    let service = start().await;
    let (token, _) = service.sign_in_by_partner("jd-user-till", None).await;
    let (status, receipt) = service.claim(&token, "till-claim-0001", json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) })).await;
    assert_eq!(status, 201, "{receipt}");
    let wallet = service.wallet(&token).await;
    assert_eq!(wallet[0]["status"], "unused");
    assert_eq!(wallet[0]["discount"], 1000);
    assert_eq!(wallet[0]["accepted_categories"], json!(["retail"]));
    // Valid until 24:00 in Tianjin: the expiry is a whole day boundary at +08:00.
    let expires = wallet[0]["expires_at_ms"].as_i64().expect("expiry");
    assert_eq!((expires + 8 * 3_600_000) % 86_400_000, 0, "expires at midnight, Tianjin time");

    // A merchant of the campaign's retail category, with its till key.
    let merchants: Value = service
        .client
        .get(service.url(&format!("/campaigns/{TIANJIN}/merchants?tier=retail-100-10&near={},{}&limit=3", IN_TIANJIN.0, IN_TIANJIN.1)))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let nearest = &merchants["merchants"][0];
    assert_eq!(nearest["category"], "retail");
    let distances: Vec<f64> = merchants["merchants"].as_array().expect("list").iter().filter_map(|hit| hit["distance_m"].as_f64()).collect();
    assert!(distances.windows(2).all(|pair| pair[0] <= pair[1]), "nearest first: {distances:?}");
    let merchant = nearest["id"].as_str().expect("id");
    let key = {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(TILL_SECRET.as_bytes()).expect("key");
        mac.update(format!("{TIANJIN}/{merchant}").as_bytes());
        mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect::<String>()
    };
    let till = format!("Till {TIANJIN}/{merchant}:{key}");
    let code = receipt["vouchers"][0]["code"].as_str().expect("code");
    let redeem = |order: &'static str, total: i64, till: String| {
        service
            .client
            .post(service.url("/till/redemptions"))
            .header("authorization", till)
            .json(&json!({ "voucher_code": code, "order_id": order, "total": total }))
            .send()
    };
    let forged = redeem("order-1", 20_000, format!("Till {TIANJIN}/{merchant}:{}", "0".repeat(64))).await.expect("answers");
    assert_eq!(forged.status(), 401);
    let short = redeem("order-1", 5_000, till.clone()).await.expect("answers");
    assert_eq!(short.status(), 409);
    assert_eq!(short.json::<Value>().await.expect("json")["code"], "threshold_not_met");
    let paid = redeem("order-1", 20_000, till.clone()).await.expect("answers");
    assert_eq!(paid.status(), 201);
    assert_eq!(paid.json::<Value>().await.expect("json")["amount_off"], 1000);
    let twice = redeem("order-2", 20_000, till.clone()).await.expect("answers");
    assert_eq!(twice.json::<Value>().await.expect("json")["code"], "voucher_used");
    assert_eq!(service.wallet(&token).await[0]["status"], "used");

    let refund = service
        .client
        .post(service.url("/till/refunds"))
        .header("authorization", till.clone())
        .json(&json!({ "order_id": "order-1", "kind": "full" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(refund.status(), 200);
    assert_eq!(refund.json::<Value>().await.expect("json")[0]["outcome"], "restored");
    let wallet = service.wallet(&token).await;
    assert_eq!((wallet[0]["status"].clone(), wallet[0]["expires_at_ms"].as_i64()), (json!("unused"), Some(expires)), "restored with the same expiry");
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn stock_is_pushed_as_server_sent_events() {
    let service = start().await;
    let (token, _) = service.sign_in_by_partner("jd-user-sse", None).await;
    let response = service.client.get(service.url(&format!("/campaigns/{TIANJIN}/stock/events"))).send().await.expect("answers");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.bytes_stream();
    let mut seen = String::new();
    let mut next_chunk = async || {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("in time").expect("open").expect("bytes");
        String::from_utf8_lossy(&chunk).into_owned()
    };
    while !seen.contains("event: snapshot") {
        seen.push_str(&next_chunk().await);
    }
    assert!(seen.contains("\"offer\":\"retail-100-10\""), "{seen}");
    assert_eq!(service.claim(&token, "sse-claim-00001", json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) })).await.0, 201);
    let mut update = String::new();
    while !update.contains("event: stock") {
        update.push_str(&next_chunk().await);
    }
    assert!(update.contains("\"offer\":\"retail-100-10\"") && update.contains("\"left\":3499"), "{update}");
    // Regression: graceful shutdown waited for ever on an open event stream.
    tokio::time::timeout(Duration::from_secs(10), service.spawned.stop()).await.expect("stops with a stream open").expect("stops");
}

#[tokio::test]
async fn a_resident_tapping_too_fast_is_told_when_to_retry() {
    let service = start().await;
    let (token, _) = service.sign_in_by_partner("jd-user-fast", None).await;
    let mut limited = None;
    for n in 0..30 {
        let response = service
            .client
            .post(service.url(&format!("/campaigns/{TIANJIN}/claims")))
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("fast-tapper-{n:04}"))
            .json(&json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) }))
            .send()
            .await
            .expect("answers");
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("the resident was limited");
    assert!(limited.headers()["retry-after"].to_str().expect("text").parse::<u64>().is_ok_and(|seconds| seconds >= 1));
    assert_eq!(limited.json::<Value>().await.expect("json")["code"], "rate_limited");
    service.spawned.stop().await.expect("stops");
}
