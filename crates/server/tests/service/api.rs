//! The resident's and the till's API over real HTTP against a real database file: sign-in, the
//! "same user" rule, claims and their refusals, bad input, the wallet, the till, merchants, stock
//! events and rate limits.

use crate::common::repo;
use std::time::Duration;

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
    /// The service's database (SQLite or PostgreSQL), for the tests that look inside.
    database_url: String,
    base: String,
    outbox: OtpOutbox,
    client: reqwest::Client,
    _data: tempfile::TempDir,
}

async fn start() -> Running {
    start_with(|_| {}).await
}

/// A service whose rules' clock reads `at` now (and runs on from there), on the campaigns' real
/// dates; the clock, to move it.
async fn start_on(at: huiquan_core::civil::Instant) -> (Running, huiquan_server::RulesClock) {
    let clock = huiquan_server::RulesClock::default();
    clock.set(at);
    let service = start_with(|config| {
        config.demo = false;
        config.rules_clock = clock.clone();
    })
    .await;
    (service, clock)
}

/// A campaigns directory holding only `id`'s file, changed by `edit`.
fn campaign_edited(id: &str, edit: impl FnOnce(&mut Value)) -> tempfile::TempDir {
    let campaigns = tempfile::tempdir().expect("temp dir");
    let file = format!("{id}.json");
    let mut campaign: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("data/campaigns").join(&file)).expect("read")).expect("json");
    edit(&mut campaign);
    std::fs::write(campaigns.path().join(file), campaign.to_string()).expect("write");
    campaigns
}

/// A wall-clock time in China (+08:00), as the notices write them.
fn china(text: &str) -> huiquan_core::civil::Instant {
    let at: huiquan_core::civil::DateTime = text.parse().expect("a date and time");
    at.to_instant(huiquan_core::civil::UtcOffset::from_minutes(480).expect("in range"))
}

/// A service as `start` makes it, with `configure` applied last.
async fn start_with(configure: impl FnOnce(&mut Config)) -> Running {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = Config::local(&repo(), data.path().to_owned());
    // A release opened a minute ago, whatever the date.
    config.demo = true;
    config.demo_release_in = -1;
    config.partner_secrets = format!("jd={SECRET}").parse().expect("valid");
    config.till_secret = Some(TILL_SECRET.into());
    let outbox = OtpOutbox::default();
    config.otp_outbox = Some(outbox.clone());
    configure(&mut config);
    let spawned = Service::start(&config).await.expect("starts").spawn().expect("bound");
    Running { base: spawned.base_url(), spawned, database_url: config.database_url(), outbox, client: reqwest::Client::new(), _data: data }
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
        self.claim_in(TIANJIN, token, key, body).await
    }

    async fn claim_in(&self, campaign: &str, token: &str, key: &str, body: Value) -> (u16, Value) {
        let response = self.claim_response(campaign, token, key, &body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A claim's whole answer, headers included (`Idempotency-Replayed`).
    async fn claim_response(&self, campaign: &str, token: &str, key: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/campaigns/{campaign}/claims")))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("answers")
    }

    async fn send_code(&self, phone: &str) -> (u16, Value) {
        let response = self.client.post(self.url("/sessions/otp")).json(&json!({ "phone": phone })).send().await.expect("answers");
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    async fn try_code(&self, phone: &str, code: &str) -> (u16, Value) {
        let response =
            self.client.post(self.url("/sessions")).json(&json!({ "phone": phone, "code": code })).send().await.expect("answers");
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    async fn partner_token_answer(&self, token: &str) -> (u16, Value) {
        let response = self.client.post(self.url("/sessions/partner")).json(&json!({ "token": token })).send().await.expect("answers");
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    async fn wallet_status(&self, token: &str) -> u16 {
        self.client.get(self.url("/wallet")).bearer_auth(token).send().await.expect("answers").status().as_u16()
    }

    /// A GET under `/api/v1` that must answer JSON.
    async fn get_json(&self, path: &str) -> Value {
        self.client.get(self.url(path)).send().await.expect("answers").json().await.expect("json")
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
    let again =
        service.client.post(service.url("/sessions/otp")).json(&json!({ "phone": "+86 138 0013 8000" })).send().await.expect("answers");
    assert_eq!(again.status(), 429);
    assert!(again.headers().get("retry-after").is_some(), "a resend too soon says when to retry");
    let wrong = service
        .client
        .post(service.url("/sessions"))
        .json(&json!({ "phone": "13800138000", "code": another_code(&service.outbox.latest("13800138000").expect("sent")) }))
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
async fn a_device_id_opens_no_one_elses_wallet() {
    // Regression: a stranger who signed in with their own phone and the victim's device id got
    // the victim's resident number, and its wallet listed the victim's voucher code.
    let service = start_with(quick_resend).await;
    let (victim, victim_id) = service.sign_in_by_phone("13900000011", "device-of-the-victim").await;
    let (status, receipt) =
        service.claim(&victim, "victim-claim-01", json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) })).await;
    assert_eq!(status, 201, "{receipt}");
    let (stranger, stranger_id) = service.sign_in_by_phone("13900000012", "device-of-the-victim").await;
    assert_ne!(stranger_id, victim_id, "a device id is no way into an account");
    assert!(service.wallet(&stranger).await.is_empty(), "the victim's codes stay the victim's");
    let (_, partner_id) = service.sign_in_by_partner("jd-stranger", Some("device-of-the-victim")).await;
    assert_ne!(partner_id, victim_id);
    // The victim's own account is unchanged, whatever signed in since.
    let (again, again_id) = service.sign_in_by_phone("13900000011", "another-device").await;
    assert_eq!(again_id, victim_id, "the phone, proved by its code, is the account");
    assert_eq!(service.wallet(&again).await.len(), 1);
    service.spawned.stop().await.expect("stops");
}

const LIAOCHENG: &str = "liaocheng-2024-spring-appliances";
/// A shop in central Liaocheng (WGS-84), at least a kilometre inside the city.
const IN_LIAOCHENG: (f64, f64) = (36.487785, 116.019302);

#[tokio::test]
async fn liaocheng_same_user_rule_links_accounts_only_where_the_campaign_says_so() {
    let service = start().await;
    let (first, first_id) = service.sign_in_by_phone("13900000001", "shared-device").await;
    let (second, second_id) = service.sign_in_by_phone("13900000002", "shared-device").await;
    assert_ne!(first_id, second_id, "two phones are two accounts, whatever device");
    let liaocheng = json!({ "offer": "single-2000-300", "location": at(IN_LIAOCHENG) });
    let (status, body) = service.claim_in(LIAOCHENG, &first, "same-user-0001", liaocheng.clone()).await;
    assert_eq!(status, 201, "{body}");
    // Liaocheng's notice: one device is one user, so the second account's claim counts the first's.
    let (status, body) = service.claim_in(LIAOCHENG, &second, "same-user-0002", liaocheng.clone()).await;
    assert_eq!((status, body["code"].clone()), (409, json!("already_claimed")), "{body}");
    // Tianjin's notice says nothing of it: each account has its own limit.
    let tianjin = json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) });
    assert_eq!(service.claim(&first, "same-user-0003", tianjin.clone()).await.0, 201);
    assert_eq!(service.claim(&second, "same-user-0004", tianjin).await.0, 201);
    // A device id a partner vouches for is the partner's device, not the one typed into the app.
    let (partner, _) = service.sign_in_by_partner("jd-user-elsewhere", Some("shared-device")).await;
    let (status, body) = service.claim_in(LIAOCHENG, &partner, "same-user-0005", liaocheng).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(service.wallet(&second).await.len(), 1, "linked for limits, never for wallets");
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn a_partner_link_signs_in_once_and_only_for_a_short_while() {
    let service = start().await;
    let token = sign_partner_token(SECRET.as_bytes(), &PartnerClaims::verified("jd", "jd-user-link", 600));
    assert_eq!(service.partner_token_answer(&token).await.0, 201);
    // A link copied from a shared screen, a log or a browser history signs nobody in again.
    let (status, body) = service.partner_token_answer(&token).await;
    assert_eq!((status, body["code"].clone()), (401, json!("partner_token_replayed")), "{body}");
    let year = sign_partner_token(SECRET.as_bytes(), &PartnerClaims::verified("jd", "jd-user-link", 365 * 86_400));
    let (status, body) = service.partner_token_answer(&year).await;
    assert_eq!((status, body["code"].clone()), (401, json!("invalid_partner_token")), "{body}");
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn signing_out_ends_the_session_at_once_here_or_everywhere() {
    let service = start_with(quick_resend).await;
    let (token, _) = service.sign_in_by_phone("13900000021", "device-out").await;
    let (other, _) = service.sign_in_by_phone("13900000021", "device-out").await;
    assert_eq!(service.wallet_status(&token).await, 200);
    let out = service.client.delete(service.url("/sessions/current")).bearer_auth(&token).send().await.expect("answers");
    assert_eq!(out.status(), 204);
    assert_eq!(service.wallet_status(&token).await, 401, "signed out here");
    assert_eq!(service.wallet_status(&other).await, 200, "the other device is still signed in");
    let (third, _) = service.sign_in_by_phone("13900000021", "device-out").await;
    let everywhere = service.client.delete(service.url("/sessions")).bearer_auth(&third).send().await.expect("answers");
    assert_eq!(everywhere.status(), 200);
    assert_eq!(everywhere.json::<Value>().await.expect("json")["sessions_ended"], 2);
    assert_eq!(service.wallet_status(&other).await, 401, "signed out everywhere");
    assert_eq!(service.wallet_status(&third).await, 401);
    service.spawned.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_read_while_signing_out_does_not_outlive_the_sign_out() {
    // Regression: a session read that began before a sign-out and ended after it put the session
    // back into the service's cache, and the signed-out token kept working for up to 10 s.
    let service = start_with(|config| {
        quick_resend(config);
        config.sign_in_limits.sends_per_address_per_hour = 1_000;
        config.rate_per_address = 10_000;
        config.rate_per_resident = 10_000;
    })
    .await;
    for round in 0..ROUNDS {
        let phone = format!("1390000{round:04}");
        let (token, _) = service.sign_in_by_phone(&phone, "device-race").await;
        let reads = futures_util::future::join_all((0..READS).map(|_| service.wallet_status(&token)));
        let sign_out = async {
            tokio::task::yield_now().await;
            service.client.delete(service.url("/sessions/current")).bearer_auth(&token).send().await.expect("answers").status()
        };
        let (_, signed_out) = tokio::join!(reads, sign_out);
        assert_eq!(signed_out, 204);
        assert_eq!(service.wallet_status(&token).await, 401, "round {round}: the token after signing out");
    }
    service.spawned.stop().await.expect("stops");
}

/// Rounds of reads racing a sign-out, and reads in each.
const ROUNDS: usize = 40;
const READS: usize = 12;

/// Codes as fast as a test wants them: no wait between two sends to one phone.
fn quick_resend(config: &mut Config) {
    config.sign_in_limits.resend_after = Duration::ZERO;
}

#[tokio::test]
async fn a_hundred_guesses_at_once_use_no_more_than_five_attempts() {
    // Regression: the attempt check and its increment were two statements, so parallel guesses
    // all passed the check before any was counted.
    let service = start_with(quick_resend).await;
    let phone = "13900000031";
    assert_eq!(service.send_code(phone).await.0, 202);
    let code = service.outbox.latest(phone).expect("sent");
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let guesses = futures_util::future::join_all((0..100).map(|_| service.try_code(phone, wrong))).await;
    let counted = guesses.iter().filter(|(status, body)| *status == 401 && body["code"] == "wrong_code").count();
    let locked = guesses.iter().filter(|(status, body)| *status == 429 && body["code"] == "too_many_attempts").count();
    assert!(counted <= 5, "{counted} guesses were judged");
    assert_eq!(counted + locked, 100);
    let (status, body) = service.try_code(phone, &code).await;
    assert_eq!((status, body["code"].clone()), (429, json!("too_many_attempts")), "the right code after the attempts ran out");
    service.spawned.stop().await.expect("stops");
}

/// A well-formed code that is not `code`.
fn another_code(code: &str) -> String {
    let first = code.as_bytes()[0];
    format!("{}{}", if first == b'9' { '0' } else { char::from(first + 1) }, &code[1..])
}

#[tokio::test]
async fn a_mistyped_code_is_refused_without_using_an_attempt() {
    // Regression: "12345x" counted as one of the five attempts, and so did a code sent with a
    // device id the service refuses: a typo could lock a resident out for an hour.
    let service = start().await;
    let phone = "13900000033";
    assert_eq!(service.send_code(phone).await.0, 202);
    for typo in ["12345x", "1234567", "", "１２３４５６"] {
        let (status, body) = service.try_code(phone, typo).await;
        assert_eq!((status, body["code"].clone()), (422, json!("invalid_code")), "{typo:?}: {body}");
    }
    let code = service.outbox.latest(phone).expect("sent");
    for _ in 0..3 {
        let response = service
            .client
            .post(service.url("/sessions"))
            .json(&json!({ "phone": phone, "code": code, "device": "a device id with spaces" }))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 422);
    }
    let (status, body) = service.try_code(phone, &code).await;
    assert_eq!(status, 201, "the right code still works: {body}");
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn five_wrong_codes_then_a_resend_then_the_right_code_is_still_locked() {
    // Regression: a resend set attempts back to zero, so guessing went on five codes at a time.
    let service = start_with(quick_resend).await;
    let phone = "13900000032";
    assert_eq!(service.send_code(phone).await.0, 202);
    let first = service.outbox.latest(phone).expect("sent");
    for _ in 0..5 {
        assert_eq!(service.try_code(phone, &another_code(&first)).await.0, 401);
    }
    assert_eq!(service.send_code(phone).await.0, 202);
    let code = service.outbox.latest(phone).expect("sent again");
    let (status, body) = service.try_code(phone, &code).await;
    assert_eq!((status, body["code"].clone()), (429, json!("too_many_attempts")), "{body}");
    assert!(body["detail"].as_str().is_some());
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn codes_are_capped_per_phone_per_address_and_for_the_whole_service() {
    let service = start_with(|config| {
        quick_resend(config);
        config.sign_in_limits.sends_per_phone_per_day = 3;
        config.sign_in_limits.sends_per_address_per_hour = 6;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(service.send_code("13900000041").await.0, 202);
    }
    let (status, body) = service.send_code("13900000041").await;
    assert_eq!((status, body["code"].clone()), (429, json!("too_many_codes")), "a fourth code today to one phone");
    assert_eq!(service.send_code("13900000042").await.0, 202);
    assert_eq!(service.send_code("13900000043").await.0, 202);
    let (status, body) = service.send_code("13900000044").await;
    assert_eq!((status, body["code"].clone()), (429, json!("rate_limited")), "a seventh from one address within the hour");
    service.spawned.stop().await.expect("stops");

    let breaker = start_with(|config| config.sign_in_limits.sends_per_minute = 2).await;
    assert_eq!(breaker.send_code("13900000045").await.0, 202);
    assert_eq!(breaker.send_code("13900000046").await.0, 202);
    let (status, body) = breaker.send_code("13900000047").await;
    assert_eq!((status, body["code"].clone()), (503, json!("sms_paused")), "the gateway is protected");
    let sent = breaker.outbox.len();
    assert_eq!(sent, 2, "nothing sent past the breaker");
    breaker.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn shenyang_housing_fair_allowlist_changes_take_effect_without_a_restart() {
    // The fair's buyers are listed as their contracts are filed: a number added later must be
    // able to claim, and one removed must not, while the service runs.
    let lists = tempfile::tempdir().expect("temp dir");
    let list = lists.path().join("shenyang-housing-fair-2022.txt");
    std::fs::write(&list, "17000000001\n17000000002\n").expect("written");
    let lists_dir = lists.path().to_owned();
    let service = start_with(move |config| {
        config.allowlists = lists_dir;
        // The housing fair's vouchers are handed out in Shenyang's second period, a week after the
        // first: shift the demo so that the first opened eight days ago.
        config.demo_release_in = -8 * 24 * 60;
        config.allowlist_recheck = Duration::from_millis(100);
        config.sign_in_limits.session_recheck = Duration::from_millis(100);
    })
    .await;
    let sign_in = |account: &str, phone: &str| {
        let claims = PartnerClaims { phone: Some(phone.into()), ..PartnerClaims::verified("jd", account, 600) };
        sign_partner_token(SECRET.as_bytes(), &claims)
    };
    let (_, removed) = service.partner_token_answer(&sign_in("jd-fair-1", "17000000001")).await;
    let (_, kept) = service.partner_token_answer(&sign_in("jd-fair-2", "17000000002")).await;
    let (_, added) = service.partner_token_answer(&sign_in("jd-fair-3", "17000000003")).await;
    let token = |answer: &Value| answer["token"].as_str().expect("token").to_owned();
    let (removed, kept, added) = (token(&removed), token(&kept), token(&added));
    let pack = json!({ "offer": "fair-pack-2000" });
    let shenyang = "shenyang-2022-xiaoxia";
    // Read once while both are listed, so the sessions are cached with the list.
    assert_eq!(service.wallet_status(&removed).await, 200);
    let (status, body) = service.claim_in(shenyang, &added, "fair-claim-0003", pack.clone()).await;
    assert_eq!((status, body["code"].clone()), (403, json!("not_on_allowlist")), "not listed yet: {body}");
    std::fs::write(&list, "17000000002\n17000000003\n").expect("rewritten");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, body) = service.claim_in(shenyang, &removed, "fair-claim-0001", pack.clone()).await;
    assert_eq!((status, body["code"].clone()), (403, json!("not_on_allowlist")), "{body}");
    let (_, body) = service.claim_in(shenyang, &kept, "fair-claim-0002", pack.clone()).await;
    assert_ne!(body["code"], "not_on_allowlist", "the number still listed still counts: {body}");
    let (status, body) = service.claim_in(shenyang, &added, "fair-claim-0004", pack).await;
    assert_eq!(status, 201, "the number added while the service runs may claim: {body}");
    service.spawned.stop().await.expect("stops");
}

/// A merchant's till credentials, from the test's till secret.
fn till(campaign: &str, merchant: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(TILL_SECRET.as_bytes()).expect("key");
    mac.update(format!("{campaign}/{merchant}").as_bytes());
    let key: String = mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
    format!("Till {campaign}/{merchant}:{key}")
}

#[tokio::test]
async fn a_voucher_is_redeemed_only_at_its_own_campaigns_tills() {
    // Regression: a Liaocheng till redeemed a Tianjin appliances voucher (201, 500 yuan off).
    let service = start().await;
    let (token, _) = service.sign_in_by_partner("jd-user-cross", None).await;
    let (status, receipt) =
        service.claim(&token, "cross-claim-01", json!({ "offer": "appliances-2000-200", "location": at(IN_TIANJIN) })).await;
    assert_eq!(status, 201, "{receipt}");
    let code = receipt["vouchers"][0]["code"].as_str().expect("code");
    let redeem = |till: String, order: &'static str| {
        service
            .client
            .post(service.url("/till/redemptions"))
            .header("authorization", till)
            .json(&json!({ "voucher_code": code, "order_id": order, "total": 300_000 }))
            .send()
    };
    let elsewhere = redeem(till("shenyang-2022-xiaoxia", "sy-00008"), "cross-order-1").await.expect("answers");
    assert_eq!(elsewhere.status(), 422);
    assert_eq!(elsewhere.json::<Value>().await.expect("json")["code"], "wrong_campaign");
    assert_eq!(service.wallet(&token).await[0]["status"], "unused", "nothing was taken off the voucher");
    let merchants: Value = service.get_json(&format!("/campaigns/{TIANJIN}/merchants?tier=appliances-2000-200&limit=1")).await;
    let home = merchants["merchants"][0]["id"].as_str().expect("a Tianjin appliances shop");
    let at_home = redeem(till(TIANJIN, home), "cross-order-2").await.expect("answers");
    assert_eq!(at_home.status(), 201, "its own campaign's till takes it");
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
        (
            r#"{"offer": "retail-100-10", "location": {"latitude": 91.0, "longitude": 117.0, "accuracy": 10}}"#.into(),
            Some("out-of-range-1"),
            422,
            "invalid_location",
        ),
        (
            r#"{"offer": "retail-100-10", "location": {"latitude": 39.1, "longitude": 117.2, "accuracy": -1}}"#.into(),
            Some("negative-acc-1"),
            422,
            "invalid_location",
        ),
        (format!(r#"{{"offer": "{}"}}"#, "x".repeat(20_000)), Some("too-large-0001"), 413, "payload_too_large"),
        (r#"{"offer": "retail-100-10"}"#.into(), Some("no-location-01"), 403, "location_required"),
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
    let unsigned = service
        .client
        .post(&claims_url)
        .header("Idempotency-Key", "unsigned-0001")
        .json(&json!({"offer": "retail-100-10"}))
        .send()
        .await
        .expect("answers");
    assert_eq!(unsigned.status(), 401);
    assert!(service.wallet(&token).await.is_empty(), "no refusal wrote a voucher");

    // A good claim, its replay, and the same key reused for another offer.
    let offer = json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) });
    let (status, receipt) = service.claim(&token, "good-claim-0001", offer.clone()).await;
    assert_eq!(status, 201);
    let replay = service.claim_response(TIANJIN, &token, "good-claim-0001", &offer).await;
    assert_eq!(replay.headers()["idempotency-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.expect("json"), receipt);
    let (status, body) = service.claim(&token, "good-claim-0001", json!({ "offer": "retail-200-20", "location": at(IN_TIANJIN) })).await;
    assert_eq!((status, body["code"].clone()), (409, json!("idempotency_key_reused")));
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

    // Where it is used, as Tianjin's notice says: JD's app and JD Hourly Delivery, online, for
    // orders delivered in Tianjin; no distance to an online channel.
    let merchants: Value = service
        .get_json(&format!("/campaigns/{TIANJIN}/merchants?tier=retail-100-10&near={},{}&limit=3", IN_TIANJIN.0, IN_TIANJIN.1))
        .await;
    let listed = merchants["merchants"].as_array().expect("list");
    assert_eq!(listed.len(), 2, "{merchants}");
    for hit in listed {
        assert!(hit["category"] == "retail" && hit["online"] == true && hit["distance_m"].is_null(), "{hit}");
        assert!(hit["address"]["zh-Hans"].as_str().is_some_and(|words| words.contains("收货地址为天津市")), "{hit}");
    }
    let merchant = listed[0]["id"].as_str().expect("id");
    // Shops with a place come nearest first (Liaocheng's appliance shops).
    let shops: Value = service.get_json("/campaigns/liaocheng-2024-spring-appliances/merchants?near=36.4567,115.9854&limit=5").await;
    let distances: Vec<f64> = shops["merchants"].as_array().expect("list").iter().filter_map(|hit| hit["distance_m"].as_f64()).collect();
    assert_eq!(distances.len(), 5, "{shops}");
    assert!(distances.windows(2).all(|pair| pair[0] <= pair[1]), "nearest first: {distances:?}");
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
    assert_eq!(
        (wallet[0]["status"].clone(), wallet[0]["expires_at_ms"].as_i64()),
        (json!("unused"), Some(expires)),
        "restored with the same expiry"
    );
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
    assert!(update.contains("\"offer\":\"retail-100-10\"") && update.contains("\"left\":3570"), "{update}");
    // Regression: a release first heard of through an event had no size ("left / size" needs it).
    assert!(update.contains("\"stock\":3571"), "{update}");
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

#[tokio::test]
async fn merchant_search_is_bounded_and_reads_full_width_text() {
    let service = start().await;
    let service = &service;
    let search = |query: String| {
        let url = service.url(&format!("/campaigns/liaocheng-2024-spring-appliances/merchants?{query}"));
        async move {
            let response = service.client.get(url).send().await.expect("answers");
            (response.status().as_u16(), response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = search(format!("q={}", "a".repeat(65))).await;
    assert_eq!((status, body["code"].clone()), (422, json!("invalid_query")), "too long");
    let (status, body) = search(format!("q={}", ["a"; 9].join("%20"))).await;
    assert_eq!((status, body["code"].clone()), (422, json!("invalid_query")), "too many words");
    let (status, body) = search("offset=10001".into()).await;
    assert_eq!((status, body["code"].clone()), (422, json!("invalid_query")), "too far");
    let (status, plain) = search("q=road&limit=1".into()).await;
    assert_eq!(status, 200);
    assert!(plain["total"].as_u64().is_some_and(|total| total > 0), "{plain}");
    // Full-width "ＲＯＡＤ", as a Chinese keyboard may type it, finds the same shops.
    let (status, wide) = search("q=%EF%BC%B2%EF%BC%AF%EF%BC%A1%EF%BC%A4&limit=1".into()).await;
    assert_eq!(status, 200);
    assert_eq!(wide["total"], plain["total"]);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_allowance() {
    let service = start_with(|config| {
        config.trusted_proxies = "127.0.0.1".parse().expect("valid");
        config.rate_per_address = 1;
    })
    .await;
    let time = |client: &'static str| service.client.get(service.url("/time")).header("x-forwarded-for", client).send();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(time("203.0.113.1").await.expect("answers").status().as_u16());
    }
    assert!(statuses.contains(&429), "one client past its burst is limited: {statuses:?}");
    assert_eq!(time("203.0.113.2").await.expect("answers").status(), 200, "another client behind the same proxy is not");
    assert_eq!(
        time("2001:db8:1:2::1, 203.0.113.1").await.expect("answers").status(),
        429,
        "what the client wrote at the far end is not believed"
    );
    service.spawned.stop().await.expect("stops");
}

/// A refusal changed nothing, so it is not kept for replay: a retry with its key is decided
/// again, while a grant is replayed and never issued twice.
#[tokio::test]
async fn a_refused_claim_is_decided_again_under_its_key_and_only_a_grant_is_kept() {
    let service = start().await;
    let (token, _) = service.sign_in_by_partner("jd-user-refused-first", None).await;
    // Refused: the resident was outside the city.
    let (status, body) = service.claim(&token, "refused-then-0001", json!({ "offer": "retail-100-10", "location": at(IN_BEIJING) })).await;
    assert_eq!((status, body["code"].clone()), (403, json!("outside_area")), "{body}");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&service.database_url).await.expect("the database opens");
    let (kept,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM idempotency").fetch_one(&pool).await.expect("read");
    assert_eq!(kept, 0, "no answer is stored for a refusal");
    // The retry, now inside: decided afresh and granted.
    let inside = json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) });
    let (status, receipt) = service.claim(&token, "refused-then-0001", inside.clone()).await;
    assert_eq!(status, 201, "{receipt}");
    // Its retry is the grant, replayed: one voucher.
    let replay = service.claim_response(TIANJIN, &token, "refused-then-0001", &inside).await;
    assert_eq!(replay.headers()["idempotency-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.expect("json"), receipt);
    assert_eq!(service.wallet(&token).await.len(), 1);
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn answers_to_idempotency_keys_are_kept_a_day_under_a_digest_then_deleted() {
    let service = start_with(|config| config.prune_every = Duration::from_millis(100)).await;
    let (token, _) = service.sign_in_by_partner("jd-user-keys", None).await;
    let offer = json!({ "offer": "retail-100-10", "location": at(IN_TIANJIN) });
    assert_eq!(service.claim(&token, "kept-for-a-day-1", offer.clone()).await.0, 201);
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&service.database_url).await.expect("the database opens");
    let keys: Vec<(String,)> = sqlx::query_as("SELECT key FROM idempotency").fetch_all(&pool).await.expect("read");
    assert_eq!(keys.len(), 1);
    assert_ne!(keys[0].0, "kept-for-a-day-1", "stored as a digest, not as the client sent it");
    assert_eq!(keys[0].0.len(), 64);
    // A day and a minute later, the answer is deleted.
    sqlx::query("UPDATE idempotency SET created_at = created_at - 86460000").execute(&pool).await.expect("aged");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM idempotency").fetch_one(&pool).await.expect("read");
    assert_eq!(left, 0, "pruned");
    // Whatever is forgotten, no second voucher: the limit still refuses a repeat.
    let (status, body) = service.claim(&token, "kept-for-a-day-2", offer).await;
    assert_eq!((status, body["code"].clone()), (409, json!("already_claimed")));
    assert_eq!(service.wallet(&token).await.len(), 1);
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn an_in_store_claim_needs_the_code_the_stores_till_shows_not_its_public_id() {
    // Regression: the in-store rule took any merchant id from the public merchant list, so a
    // resident at home could claim Shenyang's in-store appliance vouchers.
    let service = start().await;
    let shenyang = "shenyang-2022-xiaoxia";
    let (token, _) = service.sign_in_by_partner("jd-user-in-store", None).await;
    let in_store = |store: &str| json!({ "offer": "appliances-2000-200", "location": at((41.816852, 123.301673)), "store": store });
    let (status, body) = service.claim_in(shenyang, &token, "in-store-00001", in_store("sy-00008")).await;
    assert_eq!((status, body["code"].clone()), (422, json!("invalid_store_code")), "{body}");
    let (status, body) = service.claim_in(shenyang, &token, "in-store-00002", in_store("sy-00008.AAAAAAAA")).await;
    assert_eq!((status, body["code"].clone()), (403, json!("store_code_expired")), "a guessed code: {body}");
    let shown: Value = service
        .client
        .get(service.url("/till/store-code"))
        .header("authorization", till(shenyang, "sy-00008"))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let claim_code = shown["claim_code"].as_str().expect("a code to show");
    assert!(claim_code.starts_with("sy-00008."), "{shown}");
    assert_eq!(shown["claim_path"], format!("/campaigns/{shenyang}?store={claim_code}"), "the QR code's address: {shown}");
    let (status, body) = service.claim_in(shenyang, &token, "in-store-00003", in_store(claim_code)).await;
    assert_eq!(status, 201, "claimed in the store with its code: {body}");
    let (status, body) = service.claim_in(shenyang, &token, "in-store-00004", in_store(&claim_code.replace("sy-00008", "sy-00013"))).await;
    assert_eq!((status, body["code"].clone()), (403, json!("store_code_expired")), "another store's id with this code: {body}");
    service.spawned.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liaocheng_round_two_receives_round_ones_unclaimed_and_expired_vouchers() {
    // 如有剩余资金转入第二轮发放: round 2 brings no stock of its own, only what round 1 left
    // (unclaimed vouchers and claimed ones that expired unused). Played on the notice's own dates.
    let (service, clock) = start_on(china("2024-01-27T10:05")).await;
    let stock = |body: Value, offer: &str| {
        let found = body.as_array().expect("offers").iter().find(|entry| entry["offer"] == offer).cloned().expect("the offer");
        (found["stock"].as_u64(), found["left"].as_u64())
    };

    // Round 1: three residents claim the 8,000-yuan tier; one voucher is used at a till.
    let mut codes = Vec::new();
    for n in 0..3 {
        let (token, _) = service.sign_in_by_partner(&format!("ccb-user-{n}"), None).await;
        let body = json!({ "offer": "single-8000-600", "location": at(IN_LIAOCHENG) });
        let (status, receipt) = service.claim_in(LIAOCHENG, &token, &format!("liaocheng-r1-{n:04}"), body).await;
        assert_eq!(status, 201, "{receipt}");
        codes.push(receipt["vouchers"][0]["code"].as_str().expect("code").to_owned());
    }
    let redeemed = service
        .client
        .post(service.url("/till/redemptions"))
        .header("authorization", till(LIAOCHENG, "lc-00001"))
        .json(&json!({ "voucher_code": codes[0], "order_id": "lc-order-1", "total": 900_000, "items": [{ "amount": 900_000 }] }))
        .send()
        .await
        .expect("answers");
    assert_eq!(redeemed.status(), 201, "{}", redeemed.text().await.unwrap_or_default());
    let round_one = service.get_json(&format!("/campaigns/{LIAOCHENG}/stock")).await;
    assert_eq!(stock(round_one.clone(), "single-8000-600"), (Some(200), Some(197)), "{round_one}");

    // Round 2, a week later: 197 never claimed and 2 claimed but expired unused.
    clock.set(china("2024-02-03T10:05"));
    let round_two = service.get_json(&format!("/campaigns/{LIAOCHENG}/stock")).await;
    assert_eq!(stock(round_two.clone(), "single-8000-600"), (Some(199), Some(199)), "{round_two}");
    assert_eq!(stock(round_two.clone(), "single-5000-500"), (Some(400), Some(400)), "nothing claimed: all of it: {round_two}");
    // The used voucher's money stays spent; a claim in round 2 comes from the leftovers.
    let (token, _) = service.sign_in_by_partner("ccb-user-0", None).await;
    let body = json!({ "offer": "single-8000-600", "location": at(IN_LIAOCHENG) });
    let (status, receipt) = service.claim_in(LIAOCHENG, &token, "liaocheng-r2-0000", body).await;
    assert_eq!(status, 201, "one claim per round: round 2 is a new one: {receipt}");
    let after = service.get_json(&format!("/campaigns/{LIAOCHENG}/stock")).await;
    assert_eq!(stock(after.clone(), "single-8000-600"), (Some(199), Some(198)), "{after}");
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn liaocheng_open_figures_count_claims_uses_refunds_expiries_and_the_spending_they_brought() {
    // 公开透明页: what a campaign issued and what became of it, for anyone, from the records.
    let (service, clock) = start_on(china("2024-01-27T10:05")).await;
    let mut codes = Vec::new();
    for n in 0..3 {
        let (token, _) = service.sign_in_by_partner(&format!("ccb-figures-{n}"), None).await;
        let body = json!({ "offer": "single-8000-600", "location": at(IN_LIAOCHENG) });
        let (status, receipt) = service.claim_in(LIAOCHENG, &token, &format!("figures-r1-{n:04}"), body).await;
        assert_eq!(status, 201, "{receipt}");
        codes.push(receipt["vouchers"][0]["code"].as_str().expect("code").to_owned());
    }
    let till_post = |path: &'static str, body: Value| {
        service.client.post(service.url(path)).header("authorization", till(LIAOCHENG, "lc-00001")).json(&body).send()
    };
    // One order of 9,000 yuan kept; one of 8,800 yuan refunded in full (the voucher is restored).
    for (code, order, total) in [(&codes[0], "figures-order-1", 900_000), (&codes[1], "figures-order-2", 880_000)] {
        let body = json!({ "voucher_code": code, "order_id": order, "total": total, "items": [{ "amount": total }] });
        let redeemed = till_post("/till/redemptions", body).await.expect("answers");
        assert_eq!(redeemed.status(), 201, "{}", redeemed.text().await.unwrap_or_default());
    }
    let refunded = till_post("/till/refunds", json!({ "order_id": "figures-order-2", "kind": "full" })).await.expect("answers");
    assert_eq!(refunded.status(), 200);

    // A week later, round 2 (leftovers only): the two unused vouchers have expired.
    clock.set(china("2024-02-03T10:05"));
    let response = service.client.get(service.url(&format!("/campaigns/{LIAOCHENG}/figures"))).send().await.expect("answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=10");
    let figures: Value = response.json().await.expect("json");
    assert_eq!(figures["fresh_for_s"], 10, "a small campaign is counted again after 10 s");
    let tier =
        figures["tiers"].as_array().expect("tiers").iter().find(|tier| tier["tier"] == "single-8000-600").cloned().expect("the tier");
    let totals = &tier["totals"];
    assert_eq!(totals["issued"], json!({ "count": 200, "value": 200 * 60_000 }), "round 2's leftovers are not new: {tier}");
    assert_eq!(totals["claimed"], json!({ "count": 3, "value": 3 * 60_000 }), "{tier}");
    assert_eq!(totals["used"]["count"], 1, "{tier}");
    assert_eq!(totals["refunded"]["count"], 1, "{tier}");
    assert_eq!(totals["expired"]["count"], 2, "{tier}");
    let days: Vec<&str> = tier["days"].as_array().expect("days").iter().filter_map(|day| day["date"].as_str()).collect();
    assert!(days.contains(&"2024-01-27"), "counted on Liaocheng's own day: {days:?}");
    assert_eq!(figures["spending"], json!({ "orders": 1, "spent": 900_000, "subsidy": 60_000 }), "the refunded order is left out");
    let release = figures["releases"].as_array().expect("releases").iter().find(|release| release["offer"] == "single-8000-600").cloned();
    assert_eq!(release.map(|release| (release["stock"].clone(), release["claimed"].clone())), Some((json!(200), json!(3))));

    // Counted once per ten seconds, whoever asks: a second reader gets the same count.
    let again: Value = service.get_json(&format!("/campaigns/{LIAOCHENG}/figures")).await;
    assert_eq!(again["as_of_ms"], figures["as_of_ms"]);
    let unknown = service.client.get(service.url("/campaigns/nowhere/figures")).send().await.expect("answers");
    assert_eq!((unknown.status().as_u16(), unknown.json::<Value>().await.expect("json")["code"].clone()), (404, json!("unknown_campaign")));

    // The same figures as a page, in the reader's language, with a table for each chart.
    let page = |lang: &'static str| {
        service.client.get(format!("{}/campaigns/{LIAOCHENG}/figures", service.base)).header("accept-language", lang).send()
    };
    let english = page("en-GB,en;q=0.9").await.expect("answers");
    assert_eq!(english.status(), 200);
    assert!(english.headers()["content-security-policy"].to_str().is_ok_and(|policy| !policy.contains("unsafe-inline")));
    let english = english.text().await.expect("html");
    assert!(english.contains(r#"<html lang="en">"#) && english.contains("Open figures"), "{english}");
    assert!(english.contains("1 order with vouchers came to ¥9,000, of which the vouchers paid ¥600"), "{english}");
    assert!(english.contains("Each yuan of subsidy went with ¥15.0 of spending."), "{english}");
    assert!(english.contains(r#"<tr><th scope="row">Expired unused</th><td>2</td><td>1,200</td></tr>"#), "{english}");
    assert_eq!(english.matches(r#"role="img""#).count(), 2, "two charts");
    let chinese = page("zh-CN,zh;q=0.9").await.expect("answers").text().await.expect("html");
    assert!(chinese.contains("公开数据") && chinese.contains("每 1 元补贴带动 15.0 元消费"), "{chinese}");
    let stylesheet = service.client.get(format!("{}/figures.css", service.base)).send().await.expect("answers");
    assert_eq!(stylesheet.headers()["content-type"], "text/css; charset=utf-8");
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn a_fair_start_draws_the_claims_of_its_first_seconds_at_random_and_issues_exactly_the_stock() {
    // 公平起跑: claims in the first 3 s of a release wait for a draw; the stock and the limits are
    // exact whatever the order, and a resident sending many requests still holds one chance.
    let campaigns = campaign_edited(TIANJIN, |campaign| {
        campaign["themes"][0]["rules"]["fair_start_s"] = json!(3);
        campaign["themes"][0]["tiers"][0]["stock_per_release"] = json!(3);
    });
    let opens = china("2022-08-21T09:30");
    let clock = huiquan_server::RulesClock::default();
    clock.set(huiquan_core::civil::Instant(opens.0 - 60_000));
    let service = start_with(|config| {
        config.demo = false;
        config.rules_clock = clock.clone();
        config.campaigns = campaigns.path().to_owned();
    })
    .await;
    let mut tokens = Vec::new();
    for n in 0..8 {
        tokens.push(service.sign_in_by_partner(&format!("jd-fair-{n}"), None).await.0);
    }
    let before = service.claim(&tokens[0], "fair-early-0001", json!({ "offer": "retail-1000-100", "location": at(IN_TIANJIN) })).await;
    assert_eq!((before.0, before.1["code"].clone()), (409, json!("not_open_yet")), "{}", before.1);

    // The release opens; eight residents claim at once, the first of them with five requests.
    clock.set(huiquan_core::civil::Instant(opens.0 + 100));
    let sent = std::time::Instant::now();
    let mut claims = Vec::new();
    for (n, token) in tokens.iter().enumerate() {
        for attempt in 0..if n == 0 { 5 } else { 1 } {
            let body = json!({ "offer": "retail-1000-100", "location": at(IN_TIANJIN) });
            let service = &service;
            claims.push(async move { (n, service.claim(token, &format!("fair-{n}-{attempt:04}"), body).await) });
        }
    }
    let answers = futures_util::future::join_all(claims).await;
    let waited = sent.elapsed();
    assert!(waited >= Duration::from_millis(2_500), "decided at the draw, 3 s after the opening, not on arrival: {waited:?}");
    let granted: Vec<usize> = answers.iter().filter(|(_, (status, _))| *status == 201).map(|(n, _)| *n).collect();
    assert_eq!(granted.len(), 3, "exactly the stock: {answers:?}");
    let mut winners = granted.clone();
    winners.sort_unstable();
    winners.dedup();
    assert_eq!(winners.len(), 3, "one voucher per resident, however many requests: {granted:?}");
    for (_, (status, body)) in &answers {
        assert!(*status == 201 || (*status == 409 && (body["code"] == "sold_out" || body["code"] == "already_claimed")), "{status} {body}");
    }

    // After the window: first come, first served, at once.
    let (token, _) = service.sign_in_by_partner("jd-fair-late", None).await;
    let late_sent = std::time::Instant::now();
    let late = service.claim(&token, "fair-late-0001", json!({ "offer": "retail-500-50", "location": at(IN_TIANJIN) })).await;
    assert_eq!(late.0, 201, "{}", late.1);
    assert!(late_sent.elapsed() < Duration::from_millis(2_000), "not held: {:?}", late_sent.elapsed());
    let stock = service.get_json(&format!("/campaigns/{TIANJIN}/stock")).await;
    let first = stock.as_array().expect("offers").iter().find(|offer| offer["offer"] == "retail-1000-100").cloned().expect("the tier");
    assert_eq!(first["left"], 0, "{first}");
    service.spawned.stop().await.expect("stops");
}

#[tokio::test]
async fn a_carer_claims_for_a_linked_relative_within_the_relatives_limits_until_either_side_unlinks() {
    // 代领: an elderly relative reads out a code once; their child then claims for them.
    // Tianjin's appliance vouchers claimed in person only, to see a campaign switch it off.
    let campaigns = campaign_edited(TIANJIN, |campaign| campaign["themes"][1]["rules"]["proxy_claims"] = json!(false));
    let service = start_with(|config| {
        config.campaigns = campaigns.path().to_owned();
        quick_resend(config);
    })
    .await;
    let send_link_code = |token: String, phone: &'static str| {
        service.client.post(service.url("/links/code")).bearer_auth(token).json(&json!({ "phone": phone })).send()
    };
    let link = |token: String, phone: &'static str, code: String| {
        service.client.post(service.url("/links")).bearer_auth(token).json(&json!({ "phone": phone, "code": code })).send()
    };
    const MOTHER: &str = "13900000070";
    let (carer, carer_id) = service.sign_in_by_phone("13900000071", "carer-phone").await;

    // The code sent for a link signs no one in: it only links, and only for this carer.
    assert_eq!(send_link_code(carer.clone(), MOTHER).await.expect("answers").status(), 202);
    let code = service.outbox.latest(MOTHER).expect("a code to read out");
    assert_eq!(service.try_code(MOTHER, &code).await.0, 401, "a link code is no sign-in code");
    let (stranger, _) = service.sign_in_by_partner("jd-stranger", None).await;
    assert_eq!(link(stranger.clone(), MOTHER, code.clone()).await.expect("answers").status(), 401, "nor another carer's");
    let linked = link(carer.clone(), MOTHER, code).await.expect("answers");
    assert_eq!(linked.status(), 201);
    let linked: Value = linked.json().await.expect("json");
    assert_eq!(linked["hint"], "139****0070");
    let mother = linked["resident"].as_i64().expect("the relative's id");

    // Claimed for her: her limits, her wallet; the carer's own are untouched.
    let body = |offer: &str, for_resident: Option<i64>| {
        let mut body = json!({ "offer": offer, "location": at(IN_TIANJIN) });
        if let Some(resident) = for_resident {
            body["for_resident"] = json!(resident);
        }
        body
    };
    let (status, receipt) = service.claim(&carer, "proxy-claim-0001", body("retail-1000-100", Some(mother))).await;
    assert_eq!(status, 201, "{receipt}");
    let (status, again) = service.claim(&carer, "proxy-claim-0002", body("retail-1000-100", Some(mother))).await;
    assert_eq!((status, again["code"].clone()), (409, json!("already_claimed")), "her daily limit");
    let (status, own) = service.claim(&carer, "proxy-claim-0003", body("retail-1000-100", None)).await;
    assert_eq!(status, 201, "the carer's own claim is theirs: {own}");
    let hers = service.client.get(service.url(&format!("/wallet?for={mother}"))).bearer_auth(&carer).send().await.expect("answers");
    let hers: Vec<Value> = hers.json().await.expect("json");
    assert_eq!(hers.len(), 1);
    assert_eq!(hers[0]["code"], receipt["vouchers"][0]["code"]);
    assert_eq!(service.wallet(&carer).await.len(), 1, "the carer's wallet holds only their own");
    let (status, refused) = service.claim(&carer, "proxy-claim-0004", body("appliances-2000-200", Some(mother))).await;
    assert_eq!((status, refused["code"].clone()), (403, json!("proxy_not_allowed")), "where a campaign says in person only");

    // She signs in herself: the voucher is in her wallet, and she sees who claims for her.
    let (mother_token, mother_id) = service.sign_in_by_phone(MOTHER, "mother-phone").await;
    assert_eq!(mother_id, mother);
    assert_eq!(service.wallet(&mother_token).await.len(), 1);
    let links: Value =
        service.client.get(service.url("/links")).bearer_auth(&mother_token).send().await.expect("answers").json().await.expect("json");
    assert_eq!(links["carers"][0]["resident"], carer_id, "{links}");
    assert_eq!(links["relatives"], json!([]));

    // No one else acts for her; she ends the link, and then neither does her child.
    let (status, body_of) = service.claim(&stranger, "proxy-claim-0005", body("retail-500-50", Some(mother))).await;
    assert_eq!((status, body_of["code"].clone()), (403, json!("not_linked")));
    let peek = service.client.get(service.url(&format!("/wallet?for={mother}"))).bearer_auth(&stranger).send().await.expect("answers");
    assert_eq!(peek.status(), 403, "a stranger cannot open her wallet");
    let unlinked =
        service.client.delete(service.url(&format!("/links/{carer_id}"))).bearer_auth(&mother_token).send().await.expect("answers");
    assert_eq!(unlinked.status(), 204);
    let (status, after) = service.claim(&carer, "proxy-claim-0006", body("retail-500-50", Some(mother))).await;
    assert_eq!((status, after["code"].clone()), (403, json!("not_linked")));
    let again = service.client.delete(service.url(&format!("/links/{carer_id}"))).bearer_auth(&mother_token).send().await.expect("answers");
    assert_eq!(again.status(), 403, "nothing left to unlink");
    let out_of_range = service.client.delete(service.url("/links/9223372036854775808")).bearer_auth(&carer).send().await.expect("answers");
    assert_eq!(out_of_range.status(), 400);
    assert_eq!(out_of_range.headers()["content-type"], "application/problem+json", "a problem, not plain text");

    // Limits: no linking oneself; at most 5 relatives a carer.
    assert_eq!(send_link_code(carer.clone(), "13900000071").await.expect("answers").status(), 202);
    let own_code = service.outbox.latest("13900000071").expect("code");
    let own = link(carer.clone(), "13900000071", own_code).await.expect("answers");
    assert_eq!((own.status().as_u16(), own.json::<Value>().await.expect("json")["code"].clone()), (422, json!("cannot_link_self")));
    for phone in ["13900000080", "13900000081", "13900000082", "13900000083", "13900000084", "13900000085"] {
        assert_eq!(send_link_code(carer.clone(), phone).await.expect("answers").status(), 202);
        let code = service.outbox.latest(phone).expect("code");
        let answer = link(carer.clone(), phone, code).await.expect("answers");
        let status = answer.status().as_u16();
        if phone.ends_with('5') {
            assert_eq!((status, answer.json::<Value>().await.expect("json")["code"].clone()), (409, json!("too_many_links")));
        } else {
            assert_eq!(status, 201, "{phone}");
        }
    }
    service.spawned.stop().await.expect("stops");
}
