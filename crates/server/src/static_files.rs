//! Serving the built app: precompressed files (brotli, gzip) when the browser accepts them,
//! long cache lifetimes for content-hashed files, and `index.html` for every app route.

use std::{path::Path, sync::Arc};

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::{self, Next},
    response::Response,
    routing::get,
};
use tower_http::services::{ServeDir, ServeFile};

use crate::first_paint::PageTemplate;

/// The files of `dist`, and the app's page for every other path: the file itself, or `page`
/// when the service rewrites it (served under a base path, the page carries that path, so its
/// precompressed copies on disk are not the page to send).
pub fn router(dist: &Path, page: Option<Arc<PageTemplate>>) -> Router {
    let files = ServeDir::new(dist).precompressed_br().precompressed_gzip();
    let router = match page {
        None => {
            Router::new().fallback_service(files.fallback(ServeFile::new(dist.join("index.html")).precompressed_br().precompressed_gzip()))
        }
        Some(page) => {
            let app_page = get(move || {
                let page = Arc::clone(&page);
                async move { page.plain_page() }
            });
            Router::new()
                .route("/", app_page.clone())
                .route("/index.html", app_page.clone())
                .fallback_service(files.fallback(app_page))
                .layer(crate::api::compression())
        }
    };
    router.layer(middleware::from_fn(cache_headers))
}

/// A hashed file never changes under its name, so it is cached for a year; anything else
/// (`index.html` above all) is revalidated so a new release reaches residents at once.
async fn cache_headers(request: Request, next: Next) -> Response {
    let immutable = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let policy = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// How many hex digits a content hash has. Trunk writes its 64-bit hash in hex without leading
/// zeros: 16 digits in 15 builds of 16, 15 in most of the rest, each digit fewer 16 times rarer;
/// below 10 (one build in 268 million) a file is sent `no-cache`, which is only slower. No
/// unhashed file of the app ends in `-` and ten or more hex digits.
const HASH_DIGITS: std::ops::RangeInclusive<usize> = 10..=16;

/// Hashed files are named `name-<hex digits>.ext` (or `…_bg.wasm`): in the release build after
/// their content (scripts/content-names.py, 16 digits), in a development build by Trunk.
fn is_content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| HASH_DIGITS.contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    // Regression: Trunk wrote the app's wasm as `huiquan-d5abf07903f30a9_bg.wasm` (a hash of 15
    // digits, its leading zero dropped) and the service sent it `no-cache`, so a returning
    // resident asked for the 200 KB file again.
    #[test]
    fn a_hash_without_its_leading_zeros_is_still_a_hash() {
        assert!(is_content_hashed("/huiquan-d5abf07903f30a9_bg.wasm"));
        assert!(is_content_hashed("/huiquan-febdb6271678213.js"));
    }

    #[test]
    fn recognises_trunk_hashed_names_only() {
        assert!(is_content_hashed("/huiquan-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_content_hashed("/huiquan-1a2b3c4d5e6f7a8b.js"));
        assert!(is_content_hashed("/main-0123456789abcdef.css"));
        assert!(is_content_hashed("/later/split_english-f918e631070af56c.wasm"));
        assert!(!is_content_hashed("/huiquan-1a2b3c4d5e6f7a8b9_bg.wasm"), "17 digits is no hash of Trunk's");
        assert!(!is_content_hashed("/huiquan-1a2b3c4d5_bg.wasm"));
        assert!(!is_content_hashed("/"));
        assert!(!is_content_hashed("/index.html"));
        assert!(!is_content_hashed("/campaigns/tianjin-2022-jinlegou"));
        assert!(!is_content_hashed("/icon-192.png"));
    }
}
