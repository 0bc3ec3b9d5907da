//! Security headers on every response: a Content-Security-Policy without `'unsafe-inline'`, and
//! the headers that stop sniffing, leaking the address to other sites, and the use of devices
//! the app never needs.
//!
//! Trunk inlines the app's CSS and its module loader into `index.html`, so the policy allows
//! those inline blocks by their SHA-256 hashes, computed when the service starts from the
//! `index.html` it serves: a rebuilt app is covered after a restart, with nothing to edit.

use std::{fmt, path::Path, str::FromStr, sync::Arc};

use axum::{
    Router,
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::{self, Next},
    response::Response,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

/// Partner origins allowed to show the app in a frame (`--frame-ancestors`), space-separated
/// (`https://m.jd.com https://pay.unionpay.com`). None: only the app itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameAncestors(Vec<String>);

impl FrameAncestors {
    pub fn origins(&self) -> &[String] {
        &self.0
    }
}

/// Why a `--frame-ancestors` entry was refused.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an origin (scheme://host[:port], https or http, nothing after): --frame-ancestors takes origins separated by spaces")]
pub struct NotAnOrigin(String);

impl FromStr for FrameAncestors {
    type Err = NotAnOrigin;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split_whitespace()
            .map(|origin| parse_origin(origin).ok_or_else(|| NotAnOrigin(origin.to_owned())))
            .collect::<Result<_, _>>()
            .map(FrameAncestors)
    }
}

impl fmt::Display for FrameAncestors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// `https://host[:port]` (or `http://`), lowercased; `None` for anything else, so that nothing a
/// flag says can add a directive or a keyword to the policy.
fn parse_origin(text: &str) -> Option<String> {
    let text = text.to_ascii_lowercase();
    let (scheme, rest) = text.split_once("://")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    // `*.example.com`: a wildcard only as the whole first label.
    let bare = host.strip_prefix("*.").unwrap_or(host);
    let host_ok =
        !bare.is_empty() && bare.split('.').all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let port_ok = port.is_none_or(|port| !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()));
    (matches!(scheme, "https" | "http") && host_ok && port_ok).then_some(format!("{scheme}://{rest}"))
}

/// The inline `<script>` and `<style>` blocks of a page, as the browser hashes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InlineBlocks {
    pub scripts: Vec<String>,
    pub styles: Vec<String>,
}

/// Finds the inline scripts (no `src`) and styles of `html`. Comments are skipped; line breaks
/// are normalised as the HTML parser does before the browser hashes a block.
pub fn inline_blocks(html: &str) -> InlineBlocks {
    let html = html.replace("\r\n", "\n").replace('\r', "\n");
    let lower = html.to_ascii_lowercase();
    let mut blocks = InlineBlocks::default();
    let mut at = 0;
    while let Some(offset) = lower[at..].find('<') {
        let start = at + offset;
        if lower[start..].starts_with("<!--") {
            at = lower[start..].find("-->").map_or(lower.len(), |end| start + end + 3);
            continue;
        }
        let tag = ["script", "style"].into_iter().find(|tag| {
            lower[start + 1..].starts_with(tag)
                && lower[start + 1 + tag.len()..].starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        });
        let Some(tag) = tag else {
            at = start + 1;
            continue;
        };
        let Some(open_end) = lower[start..].find('>').map(|end| start + end + 1) else { break };
        let close = format!("</{tag}");
        let Some(close_start) = lower[open_end..].find(&close).map(|end| open_end + end) else { break };
        let content = html[open_end..close_start].to_owned();
        let attributes = &lower[start + 1 + tag.len()..open_end - 1];
        match tag {
            "script" if !has_attribute(attributes, "src") => blocks.scripts.push(content),
            "style" => blocks.styles.push(content),
            _ => {}
        }
        at = close_start + close.len();
    }
    blocks
}

/// Whether an opening tag's attribute text (lowercased) names `name` as an attribute.
fn has_attribute(attributes: &str, name: &str) -> bool {
    attributes.split(|c: char| c.is_ascii_whitespace()).any(|word| word == name || word.starts_with(&format!("{name}=")))
}

/// `'sha256-…'`, the CSP source matching a block with exactly this text.
pub fn hash_source(block: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(block.as_bytes())))
}

/// Where an Alipay mini-program's web-view serves its bridge script from (Alipay's web-view
/// documentation: `<script src="https://appx/web-view.min.js">`).
const ALIPAY_MINI_PROGRAM_BRIDGE: &str = "https://appx";

/// Where WeChat's JS-SDK is served from (its documentation: `https://res.wx.qq.com/open/js/jweixin-1.6.0.js`).
pub const WECHAT_JS_SDK: &str = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js";

/// Where UnionPay's UPSDK is served from (its documentation, 6.2:
/// `https://open.95516.com/s/open/js/upsdk.js`). Allowed whatever the configuration: a page in a
/// UnionPay mini-program uses it without any signature from the service.
pub const UNIONPAY_UPSDK: &str = "https://open.95516.com/s/open/js/upsdk.js";

/// The Content-Security-Policy for a page whose inline blocks are `blocks`; `wechat`: the page
/// may load WeChat's JS-SDK (an official account is configured).
pub fn content_security_policy(blocks: &InlineBlocks, frame_ancestors: &FrameAncestors, wechat: bool) -> String {
    let hashes = |blocks: &[String]| blocks.iter().map(|block| format!(" {}", hash_source(block))).collect::<String>();
    let ancestors = if frame_ancestors.origins().is_empty() { "'self'".to_owned() } else { format!("'self' {frame_ancestors}") };
    [
        "default-src 'self'".to_owned(),
        // The wasm module is compiled by the browser: allowed without allowing eval.
        // `https://appx` is the Alipay client's own: inside an Alipay mini-program's web-view it
        // serves the bridge (`web-view.min.js`, loaded by the page's first script there) and
        // resolves nowhere else.
        // UnionPay's SDK by its exact address; WeChat's, by its exact address, only where an
        // official account is configured.
        format!(
            "script-src 'self' 'wasm-unsafe-eval' {ALIPAY_MINI_PROGRAM_BRIDGE} {UNIONPAY_UPSDK}{}{}",
            if wechat { format!(" {WECHAT_JS_SDK}") } else { String::new() },
            hashes(&blocks.scripts)
        ),
        format!("style-src 'self'{}", hashes(&blocks.styles)),
        // The QR code is inline SVG markup, not an image; `data:` is for icons a build may inline.
        "img-src 'self' data:".to_owned(),
        "connect-src 'self'".to_owned(),
        "object-src 'none'".to_owned(),
        // The page's `<base href>` says where the app is served (`--base-path`); one pointing
        // elsewhere (an injected tag) is refused.
        "base-uri 'self'".to_owned(),
        "form-action 'self'".to_owned(),
        format!("frame-ancestors {ancestors}"),
    ]
    .join("; ")
}

/// The headers added to every response.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    /// The headers for the app in `dist` (its `index.html`), or for the API alone.
    pub fn new(dist: Option<&Path>, frame_ancestors: &FrameAncestors, wechat: bool) -> SecurityHeaders {
        let blocks = match dist.map(|dist| dist.join("index.html")) {
            Some(index) => match std::fs::read_to_string(&index) {
                Ok(html) => inline_blocks(&html),
                Err(error) => {
                    // Served all the same: every inline block is then refused by the browser.
                    tracing::warn!(path = %index.display(), %error, "cannot read the app's index.html: its inline blocks get no CSP hash");
                    InlineBlocks::default()
                }
            },
            None => InlineBlocks::default(),
        };
        let policy = content_security_policy(&blocks, frame_ancestors, wechat);
        let mut headers = vec![
            // Hashes are base64 and origins were checked, so the policy is always a valid value.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'")),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
            (HeaderName::from_static("permissions-policy"), HeaderValue::from_static("geolocation=(self), camera=(self), microphone=()")),
        ];
        // For browsers too old for `frame-ancestors`; it cannot name partners, so it is only sent
        // when none are allowed.
        if frame_ancestors.origins().is_empty() {
            headers.push((header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN")));
        }
        SecurityHeaders { headers }
    }

    /// `router` with these headers on every response it gives (Cache-Control and the rest are
    /// left as the handlers set them).
    pub fn layer(self, router: Router) -> Router {
        router.layer(middleware::from_fn_with_state(Arc::new(self), add_headers))
    }
}

async fn add_headers(State(security): State<Arc<SecurityHeaders>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    for (name, value) in &security.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_and_styles_but_not_external_scripts_or_comments() {
        let html = "<!doctype html><html><head>\r\n<style>body{color:red}</style>\n\
            <script type=\"module\" src=\"/app.js\"></script>\n\
            <!-- <script>not this</script> -->\n\
            <SCRIPT type=\"module\">import init from '/app.js';\r\ninit();</SCRIPT>\n\
            <link rel=\"stylesheet\" href=\"/x.css\"><scripted>no</scripted>\n\
            </head><body><script>\n  navigator.serviceWorker.register(\"/sw.js\");\n</script></body></html>";
        let blocks = inline_blocks(html);
        assert_eq!(blocks.styles, vec!["body{color:red}".to_owned()]);
        assert_eq!(
            blocks.scripts,
            vec!["import init from '/app.js';\ninit();".to_owned(), "\n  navigator.serviceWorker.register(\"/sw.js\");\n".to_owned()]
        );
    }

    #[test]
    fn a_hash_is_the_base64_sha256_of_the_block() {
        // echo -n "alert('Hello, world.');" | openssl sha256 -binary | openssl base64 (CSP3's example)
        assert_eq!(hash_source("alert('Hello, world.');"), "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='");
    }

    #[test]
    fn the_policy_never_allows_unsafe_inline_and_frames_only_what_is_configured() {
        let blocks = InlineBlocks { scripts: vec!["a".into()], styles: vec!["b".into()] };
        let policy = content_security_policy(&blocks, &FrameAncestors::default(), false);
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!policy.contains("res.wx.qq.com"), "WeChat's SDK only where configured: {policy}");
        assert!(
            policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' https://appx {UNIONPAY_UPSDK} {}", hash_source("a"))),
            "{policy}"
        );
        assert!(policy.contains(&format!("style-src 'self' {}", hash_source("b"))), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'self'"), "{policy}");
        let partners: FrameAncestors = "https://m.jd.com  HTTPS://*.unionpay.com:8443/".parse().expect("origins");
        let policy = content_security_policy(&blocks, &partners, true);
        assert!(policy.ends_with("frame-ancestors 'self' https://m.jd.com https://*.unionpay.com:8443"), "{policy}");
        assert!(
            policy.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' https://appx {UNIONPAY_UPSDK} {WECHAT_JS_SDK} {}",
                hash_source("a")
            )),
            "{policy}"
        );
    }

    #[test]
    fn frame_ancestors_takes_origins_only() {
        assert_eq!("".parse::<FrameAncestors>().expect("none"), FrameAncestors::default());
        for bad in [
            "m.jd.com",
            "https://m.jd.com/pay",
            "https://a;script-src *",
            "'unsafe-inline'",
            "*",
            "https://",
            "ftp://x.com",
            "https://a.*.com",
            "https://x.com:99999x",
        ] {
            assert!(bad.parse::<FrameAncestors>().is_err(), "{bad} accepted");
        }
    }
}
