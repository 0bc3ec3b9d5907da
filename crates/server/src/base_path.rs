//! Serving the app under a path (`--base-path /vouchers/`), as partner gateways do.
//!
//! The app's addresses are all relative to its page's `<base href>` (`index.html`), so one build
//! serves anywhere: the service writes the base path into every page it sends, and answers under
//! that path. A gateway that passes the path on and one that strips it both work: requests with
//! the prefix have it removed, requests without it are served as they are.

use std::{fmt, str::FromStr};

use axum::Router;

use crate::FrameAncestors;

/// The path the app is served under: `/` (the default) or `/segment/…/`, always with both slashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasePath(String);

/// The longest base path accepted: a gateway's prefix, not a place for data.
const MAX_LEN: usize = 100;

#[derive(Debug, thiserror::Error)]
#[error(
    "{0:?} is not a base path: it must start with '/', be at most {MAX_LEN} characters, and have segments of letters, digits, '-', '_' or '.' (not '.' or '..' alone)"
)]
pub struct NotABasePath(String);

impl Default for BasePath {
    fn default() -> Self {
        BasePath("/".to_owned())
    }
}

impl FromStr for BasePath {
    type Err = NotABasePath;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = || NotABasePath(text.to_owned());
        let inner = text.strip_prefix('/').ok_or_else(refuse)?;
        let inner = inner.strip_suffix('/').unwrap_or(inner);
        if text.len() > MAX_LEN {
            return Err(refuse());
        }
        if inner.is_empty() {
            return Ok(BasePath::default());
        }
        let segment_ok = |segment: &str| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if !inner.split('/').all(segment_ok) {
            return Err(refuse());
        }
        Ok(BasePath(format!("/{inner}/")))
    }
}

impl fmt::Display for BasePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl BasePath {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// `page` with its `<base href=…>` set to this path (the page is Trunk's `index.html`,
    /// minified or not) and, after it, the partner origins a frame of the app may hear from
    /// (`host.rs`); a page without a base is returned as it is.
    pub fn written_into(&self, page: &str, partners: &FrameAncestors) -> String {
        let Some(start) = page.find("<base href=") else { return page.to_owned() };
        let value = start + "<base href=".len();
        let Some(end) = page[value..].find('>').map(|end| value + end) else { return page.to_owned() };
        let partners = match partners.origins() {
            [] => String::new(),
            // Origins as `FrameAncestors` parsed them: scheme, host and port, nothing to escape.
            _ => format!(r#"<meta name="huiquan-partners" content="{partners}">"#),
        };
        // `/>` closing a minified `<base href=/>` is part of the value: keep the tag closed.
        format!("{}\"{}\">{partners}{}", &page[..value], self.0, &page[end + 1..])
    }

    /// `router` answering under this path, and without it for a gateway that strips it.
    pub fn serve(&self, router: Router) -> Router {
        if self.is_root() {
            return router;
        }
        Router::new().nest_service(self.0.trim_end_matches('/'), router.clone()).fallback_service(router)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_path_is_a_few_plain_segments_between_slashes() {
        assert_eq!("/vouchers".parse::<BasePath>().expect("valid").as_str(), "/vouchers/");
        assert_eq!("/vouchers/".parse::<BasePath>().expect("valid").as_str(), "/vouchers/");
        assert_eq!("/partner/jd-2024/".parse::<BasePath>().expect("valid").as_str(), "/partner/jd-2024/");
        assert!("/".parse::<BasePath>().expect("valid").is_root());
        assert!("".parse::<BasePath>().is_err());
        for bad in ["vouchers", "/a//b", "/../etc", "/./", "/a b", "/a?b", "/a#b", "/\"><script>", "//evil.example"] {
            assert!(bad.parse::<BasePath>().is_err(), "{bad:?} accepted");
        }
        assert!(format!("/{}", "a".repeat(MAX_LEN)).parse::<BasePath>().is_err(), "a path longer than {MAX_LEN}");
    }

    #[test]
    fn the_page_gets_the_path_in_its_base_element() {
        let base: BasePath = "/vouchers".parse().expect("valid");
        let none = FrameAncestors::default();
        assert_eq!(
            base.written_into(r#"<head><base href="/"><link href=a.css>"#, &none),
            r#"<head><base href="/vouchers/"><link href=a.css>"#
        );
        // Trunk's minified page writes it unquoted and closed.
        assert_eq!(base.written_into("<head><base href=/><link href=a.css>", &none), r#"<head><base href="/vouchers/"><link href=a.css>"#);
        assert_eq!(base.written_into("<head><title>x</title>", &none), "<head><title>x</title>");
        // The partners a frame of the app may hear from follow the base.
        let partners: FrameAncestors = "https://m.jd.com https://pay.example.com:8443".parse().expect("origins");
        assert_eq!(
            BasePath::default().written_into("<head><base href=/><title>", &partners),
            r#"<head><base href="/"><meta name="huiquan-partners" content="https://m.jd.com https://pay.example.com:8443"><title>"#
        );
    }
}
