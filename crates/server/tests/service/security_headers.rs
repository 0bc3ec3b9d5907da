//! Security headers over real HTTP: every response (the app, its files, the API, a problem) has
//! them, and the Content-Security-Policy allows the inline blocks of the `index.html` being
//! served, by hash, and nothing inline besides.

use crate::common::repo;
use std::path::{Path, PathBuf};

use base64::{Engine, engine::general_purpose::STANDARD};
use huiquan_server::{Config, Service, Spawned};
use sha2::{Digest, Sha256};

/// The kind of page Trunk writes: the CSS inlined, a module loader inlined, a script of our own.
const MODULE_LOADER: &str = "\nimport init, * as bindings from '/huiquan-0123456789abcdef.js';\nconst wasm = await init({ module_or_path: '/huiquan-0123456789abcdef_bg.wasm' });\nwindow.wasmBindings = bindings;\n";
const REGISTER_WORKER: &str =
    "\n    if (\"serviceWorker\" in navigator) { navigator.serviceWorker.register(\"/sw.js\").catch(() => {}); }\n  ";
const STYLE: &str = ":root{--red:#b3121f}body{margin:0}";

fn write_dist(dist: &Path) {
    let index = format!(
        "<!doctype html><html lang=\"zh-Hans\"><head><meta charset=\"utf-8\"><title>惠券</title>\
         <style>{STYLE}</style>\
         <link rel=\"modulepreload\" href=\"/huiquan-0123456789abcdef.js\">\
         <script type=\"module\">{MODULE_LOADER}</script></head>\
         <body><!-- the first paint --><div id=\"shell\"></div><script>{REGISTER_WORKER}</script></body></html>"
    );
    std::fs::write(dist.join("index.html"), index).expect("index.html");
    std::fs::write(dist.join("huiquan-0123456789abcdef.js"), "export default function init() {}").expect("js");
}

async fn start(data_dir: PathBuf, dist: PathBuf, frame_ancestors: &str) -> Spawned {
    let mut config = Config::local(&repo(), data_dir);
    config.dist = Some(dist);
    config.frame_ancestors = frame_ancestors.parse().expect("origins");
    Service::start(&config).await.expect("service starts").spawn().expect("bound")
}

fn sha256_source(text: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text.as_bytes())))
}

/// The sources a directive of `policy` lists.
fn directive<'a>(policy: &'a str, name: &str) -> Vec<&'a str> {
    policy
        .split(';')
        .map(str::trim)
        .find_map(|part| part.strip_prefix(name).filter(|rest| rest.starts_with(' ')))
        .map(|rest| rest.split_whitespace().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_response_has_the_security_headers_and_the_policy_hashes_the_served_page() {
    let (data, dist) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
    write_dist(dist.path());
    let service = start(data.path().to_owned(), dist.path().to_owned(), "").await;
    let base = service.base_url();

    let page = reqwest::get(format!("{base}/campaigns/tianjin-2022-jinlegou")).await.expect("answers");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
    assert_eq!(directive(&policy, "default-src"), ["'self'"]);
    assert_eq!(
        directive(&policy, "script-src"),
        [
            "'self'",
            "'wasm-unsafe-eval'",
            "https://appx",
            "https://open.95516.com/s/open/js/upsdk.js",
            &sha256_source(MODULE_LOADER),
            &sha256_source(REGISTER_WORKER)
        ],
        "the inline module loader and the worker's registration, by hash; Alipay's own host for its mini-program bridge; \
         UnionPay's SDK by its one address"
    );
    assert_eq!(directive(&policy, "style-src"), ["'self'", &sha256_source(STYLE)]);
    assert_eq!(directive(&policy, "img-src"), ["'self'", "data:"]);
    assert_eq!(directive(&policy, "connect-src"), ["'self'"]);
    assert_eq!(directive(&policy, "object-src"), ["'none'"]);
    assert_eq!(directive(&policy, "base-uri"), ["'self'"]);
    assert_eq!(directive(&policy, "form-action"), ["'self'"]);
    assert_eq!(directive(&policy, "frame-ancestors"), ["'self'"]);
    assert_eq!(page.headers()["cache-control"], "no-cache", "the page's own caching is unchanged");

    // The same headers on a hashed file, the API (whose Cache-Control is its own), and a problem.
    for (path, cache_control) in [
        ("/huiquan-0123456789abcdef.js", "public, max-age=31536000, immutable"),
        ("/api/v1/time", "no-store"),
        ("/api/v1/campaigns/atlantis", ""),
    ] {
        let response = reqwest::get(format!("{base}{path}")).await.expect("answers");
        let headers = response.headers();
        assert_eq!(headers["content-security-policy"], policy.as_str(), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        assert_eq!(headers["permissions-policy"], "geolocation=(self), camera=(self), microphone=()", "{path}");
        assert_eq!(headers["x-frame-options"], "SAMEORIGIN", "{path}");
        if !cache_control.is_empty() {
            assert_eq!(headers["cache-control"], cache_control, "{path}");
        }
    }
    service.stop().await.expect("stops");
}

#[tokio::test]
async fn partner_origins_may_frame_the_app_when_configured() {
    let (data, dist) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
    write_dist(dist.path());
    let service = start(data.path().to_owned(), dist.path().to_owned(), "https://m.jd.com https://*.unionpay.com").await;
    let response = reqwest::get(format!("{}/", service.base_url())).await.expect("answers");
    let policy = response.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert_eq!(directive(&policy, "frame-ancestors"), ["'self'", "https://m.jd.com", "https://*.unionpay.com"]);
    // X-Frame-Options cannot name them: browsers that know frame-ancestors use it instead.
    assert!(!response.headers().contains_key("x-frame-options"));
    service.stop().await.expect("stops");
}

#[test]
fn a_frame_ancestor_that_is_not_an_origin_is_refused_at_start() {
    use clap::Parser;
    let refused = Config::try_parse_from(["huiquan-server", "--frame-ancestors", "https://m.jd.com 'unsafe-inline'"]);
    assert!(refused.is_err(), "a keyword is not an origin");
    let accepted = Config::try_parse_from(["huiquan-server", "--frame-ancestors", "https://m.jd.com"]).expect("an origin");
    assert_eq!(accepted.frame_ancestors.origins(), ["https://m.jd.com"]);
}
