//! Host apps' JavaScript SDKs that a page may use only once the service has signed its address
//! with a token the platform issued to the partner's account:
//! - WeChat's JS-SDK inside WeChat's own browser (an official account's menu, a link shared in a
//!   chat): `wx.config`, SHA-1 with the official account's `jsapi_ticket` (its documentation,
//!   appendix 1);
//! - UnionPay's UPSDK inside 云闪付: `upsdk.config`, SHA-256 with the app's `frontToken` (its
//!   documentation, 6.2 and the appendix on signatures). A page inside a UnionPay mini-program
//!   needs no signature (`upsdk.pluginReady`).
//!
//! The tokens come from files kept by the partner's token server ([`crate::token_file`]).

use huiquan_core::api::HostSdkConfig;
use rand::{Rng, distr::Alphanumeric};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::token_file::{NoToken, TokenFile};

/// The longest page address signed: the hosts' pages are far shorter.
pub const MAX_URL_BYTES: usize = 2048;

/// The host apps whose SDK the service signs for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    WeChat,
    UnionPay,
}

impl Platform {
    /// How the platform is named in the API's paths and problem codes.
    pub fn name(self) -> &'static str {
        match self {
            Platform::WeChat => "wechat",
            Platform::UnionPay => "unionpay",
        }
    }
}

/// One partner account on one platform: its id there, and where its current token is.
pub struct HostSdk {
    pub platform: Platform,
    pub app_id: String,
    token: TokenFile,
}

impl HostSdk {
    pub fn new(platform: Platform, app_id: String, token_file: std::path::PathBuf) -> HostSdk {
        HostSdk { platform, app_id, token: TokenFile::new(token_file) }
    }

    /// The SDK's configuration for the page at `url` (a [`signable_url`]), with a new nonce and
    /// the current time.
    pub fn configure(&self, url: &str) -> Result<HostSdkConfig, NoToken> {
        let token = self.token.token()?;
        let nonce_str: String = rand::rng().sample_iter(Alphanumeric).take(16).map(char::from).collect();
        let timestamp = jiff::Timestamp::now().as_second();
        let signature = match self.platform {
            Platform::WeChat => wechat_signature(&token, &nonce_str, timestamp, url),
            Platform::UnionPay => unionpay_signature(&self.app_id, &token, &nonce_str, timestamp, url),
        };
        Ok(HostSdkConfig { app_id: self.app_id.clone(), timestamp, nonce_str, signature })
    }
}

/// `wx.config`'s signature: SHA-1 of the four fields in the order of their names, as
/// `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, in lower-case hex.
pub fn wechat_signature(ticket: &str, nonce: &str, timestamp: i64, url: &str) -> String {
    let signed = format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}");
    hex::encode(Sha1::digest(signed.as_bytes()))
}

/// `upsdk.config`'s signature: SHA-256 of the five fields in the ASCII order of their names, as
/// `appId=…&frontToken=…&nonceStr=…&timestamp=…&url=…`, in lower-case hex. (Unlike UnionPay's
/// back-end calls, the secret is not among them.)
pub fn unionpay_signature(app_id: &str, front_token: &str, nonce: &str, timestamp: i64, url: &str) -> String {
    let signed = format!("appId={app_id}&frontToken={front_token}&nonceStr={nonce}&timestamp={timestamp}&url={url}");
    hex::encode(Sha256::digest(signed.as_bytes()))
}

/// Whether `url` is a page address a host would ask a signature for: http(s), without the
/// fragment (WeChat's rule; UnionPay signs the page's address too), not over
/// [`MAX_URL_BYTES`], no spaces or controls.
pub fn signable_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= MAX_URL_BYTES
        && !url.contains('#')
        && url.bytes().all(|byte| byte.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wechat_signature_is_the_documentations_own_example() {
        // WeChat's JS-SDK documentation, appendix 1.
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        let signature = wechat_signature(ticket, "Wm3WZYTPz0wzccnW", 1_414_587_457, "http://mp.weixin.qq.com?params=value");
        assert_eq!(signature, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
    }

    #[test]
    fn the_unionpay_signature_is_sha256_of_the_sorted_fields() {
        // UnionPay publishes no worked example; this one was computed apart, with Python's
        // hashlib.sha256 over the string its documentation describes.
        let signature = unionpay_signature(
            "a5949221470c4059b9b0b45a90c81527",
            "ZnJvbnRUb2tlbi1leGFtcGxl",
            "Wm3WZYTPz0wzccnW",
            1_556_096_162,
            "https://huiquan.example/campaigns/tianjin-2022-jinlegou",
        );
        assert_eq!(signature, "4b1159de0d4235d6e06a2a0fa16372ba51f5ac6692646394e059ce54b8bc970d");
    }

    #[test]
    fn only_a_page_address_without_its_fragment_is_signed() {
        assert!(signable_url("https://huiquan.example/campaigns/tianjin-2022-jinlegou?store=a.b"));
        for refused in ["", "javascript:alert(1)", "https://a.example/#top", "https://a.example/a b", "ftp://a.example/"] {
            assert!(!signable_url(refused), "{refused:?}");
        }
        assert!(!signable_url(&format!("https://a.example/{}", "a".repeat(MAX_URL_BYTES))));
    }

    #[test]
    fn each_configuration_has_a_new_nonce_and_the_platforms_signature() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "front-token\n").unwrap();
        let sdk = HostSdk::new(Platform::UnionPay, "up-app".into(), file);
        let url = "https://huiquan.example/";
        let (first, second) = (sdk.configure(url).unwrap(), sdk.configure(url).unwrap());
        assert_ne!(first.nonce_str, second.nonce_str);
        assert_eq!(first.signature, unionpay_signature("up-app", "front-token", &first.nonce_str, first.timestamp, url));
        assert_eq!(first.app_id, "up-app");
    }
}
