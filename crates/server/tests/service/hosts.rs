//! `GET /api/v1/hosts/wechat/config` and `…/unionpay/config` over real HTTP: `wx.config`'s and
//! `upsdk.config`'s fields for a page address, signed with the partner account's current token as
//! each platform's documentation says, and clear refusals when the service has no account or no
//! token.

use crate::common::repo;
use std::path::Path;

use huiquan_server::{Config, Service, Spawned, StartError};
use sha1::{Digest, Sha1};
use sha2::Sha256;

const APP_ID: &str = "wx0123456789abcdef";
const UNIONPAY_APP_ID: &str = "a5949221470c4059b9b0b45a90c81527";

/// The service with an official account whose ticket is in `ticket_file`, and a UnionPay app
/// whose front token is in `front_token_file`, each when given.
fn config(data_dir: &Path, ticket_file: Option<&Path>, front_token_file: Option<&Path>) -> Config {
    let mut config = Config::local(&repo(), data_dir.to_owned());
    if let Some(file) = ticket_file {
        config.wechat_app_id = Some(APP_ID.to_owned());
        config.wechat_ticket_file = Some(file.to_owned());
    }
    if let Some(file) = front_token_file {
        config.unionpay_app_id = Some(UNIONPAY_APP_ID.to_owned());
        config.unionpay_front_token_file = Some(file.to_owned());
    }
    config
}

async fn start(data_dir: &Path, ticket_file: Option<&Path>, front_token_file: Option<&Path>) -> Spawned {
    Service::start(&config(data_dir, ticket_file, front_token_file)).await.expect("service starts").spawn().expect("bound")
}

async fn ask(service: &Spawned, url: Option<&str>) -> (u16, serde_json::Value) {
    ask_host(service, "wechat", url).await
}

async fn ask_host(service: &Spawned, platform: &str, url: Option<&str>) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new().get(format!("{}/api/v1/hosts/{platform}/config", service.base_url()));
    if let Some(url) = url {
        request = request.query(&[("url", url)]);
    }
    let response = request.send().await.expect("answered");
    (response.status().as_u16(), response.json().await.expect("json"))
}

#[tokio::test]
async fn a_page_address_is_signed_with_the_current_ticket() {
    let (data, tickets) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
    let ticket_file = tickets.path().join("jsapi_ticket");
    std::fs::write(&ticket_file, "kgt8ON7yVITDhtdwci0qeZ-TICKET\n").expect("written");
    let service = start(data.path(), Some(&ticket_file), None).await;
    let page = "https://huiquan.example/vouchers/campaigns/tianjin-2022-jinlegou?from=menu";
    let (status, config) = ask(&service, Some(page)).await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["app_id"], APP_ID);
    let nonce = config["nonce_str"].as_str().expect("a nonce");
    let timestamp = config["timestamp"].as_i64().expect("seconds");
    assert!(nonce.len() == 16 && nonce.bytes().all(|byte| byte.is_ascii_alphanumeric()), "{nonce}");
    assert!((jiff::Timestamp::now().as_second() - timestamp).abs() < 60, "now, in seconds: {timestamp}");
    let signed = format!("jsapi_ticket=kgt8ON7yVITDhtdwci0qeZ-TICKET&noncestr={nonce}&timestamp={timestamp}&url={page}");
    assert_eq!(config["signature"].as_str(), Some(hex::encode(Sha1::digest(signed.as_bytes()))).as_deref());
    let (_, again) = ask(&service, Some(page)).await;
    assert_ne!(again["nonce_str"], config["nonce_str"], "a new nonce for each signature");
    service.stop().await.expect("stopped");
}

#[tokio::test]
async fn what_cannot_be_signed_is_refused_in_words() {
    let (data, tickets) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
    let ticket_file = tickets.path().join("jsapi_ticket");
    std::fs::write(&ticket_file, "").expect("written");
    let service = start(data.path(), Some(&ticket_file), None).await;
    for (url, status, code) in [
        (None, 400, "invalid_query"),
        (Some("https://huiquan.example/#/campaigns"), 400, "invalid_query"),
        (Some("javascript:alert(1)"), 400, "invalid_query"),
        // Configured, but the token server has not written a ticket yet.
        (Some("https://huiquan.example/"), 503, "wechat_ticket_unavailable"),
    ] {
        let (answered, problem) = ask(&service, url).await;
        assert_eq!((answered, problem["code"].as_str()), (status, Some(code)), "{url:?}: {problem}");
    }
    service.stop().await.expect("stopped");

    // No official account: the app in WeChat's browser uses the browser's own location.
    let data = tempfile::tempdir().expect("temp dir");
    let service = start(data.path(), None, None).await;
    let (status, problem) = ask(&service, Some("https://huiquan.example/")).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("wechat_not_configured")), "{problem}");
    service.stop().await.expect("stopped");
}

#[tokio::test]
async fn an_app_id_without_its_ticket_file_does_not_start() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = config(data.path(), None, None);
    config.wechat_app_id = Some(APP_ID.to_owned());
    assert!(matches!(Service::start(&config).await, Err(StartError::WeChatHalfConfigured)));
}

#[tokio::test]
async fn a_unionpay_page_address_is_signed_with_the_current_front_token() {
    let (data, tokens) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
    let token_file = tokens.path().join("front_token");
    std::fs::write(&token_file, "ZnJvbnRUb2tlbi1leGFtcGxl\n").expect("written");
    let service = start(data.path(), None, Some(&token_file)).await;
    let page = "https://huiquan.example/vouchers/campaigns/tianjin-2022-jinlegou";
    let (status, config) = ask_host(&service, "unionpay", Some(page)).await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["app_id"], UNIONPAY_APP_ID);
    let nonce = config["nonce_str"].as_str().expect("a nonce");
    let timestamp = config["timestamp"].as_i64().expect("seconds");
    assert!(nonce.len() == 16 && nonce.bytes().all(|byte| byte.is_ascii_alphanumeric()), "{nonce}");
    assert!((jiff::Timestamp::now().as_second() - timestamp).abs() < 60, "now, in seconds: {timestamp}");
    // UPSDK's documentation: SHA-256 of the fields in the ASCII order of their names.
    let signed = format!("appId={UNIONPAY_APP_ID}&frontToken=ZnJvbnRUb2tlbi1leGFtcGxl&nonceStr={nonce}&timestamp={timestamp}&url={page}");
    assert_eq!(config["signature"].as_str(), Some(hex::encode(Sha256::digest(signed.as_bytes()))).as_deref());
    // One platform's account signs nothing for the other.
    let (status, problem) = ask_host(&service, "wechat", Some(page)).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("wechat_not_configured")), "{problem}");
    std::fs::write(&token_file, "").expect("emptied");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(&token_file).expect("open").set_modified(later).expect("touched");
    // Noticed within the five seconds between looks at the file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, problem) = ask_host(&service, "unionpay", Some(page)).await;
        if status == 503 {
            assert_eq!(problem["code"], "unionpay_token_unavailable", "{problem}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "an emptied token file is noticed");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    service.stop().await.expect("stopped");

    let data = tempfile::tempdir().expect("temp dir");
    let service = start(data.path(), None, None).await;
    let (status, problem) = ask_host(&service, "unionpay", Some(page)).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("unionpay_not_configured")), "{problem}");
    service.stop().await.expect("stopped");
}

#[tokio::test]
async fn a_unionpay_app_id_without_its_front_token_file_does_not_start() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = config(data.path(), None, None);
    config.unionpay_app_id = Some(UNIONPAY_APP_ID.to_owned());
    assert!(matches!(Service::start(&config).await, Err(StartError::UnionPayHalfConfigured)));
}
