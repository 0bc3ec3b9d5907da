//! WeChat's JS-SDK for the app opened in WeChat's own browser (an official account's menu, or a
//! link shared in a chat). A page may use the SDK (the position through WeChat, closing the page)
//! only after `wx.config` with a signature of its address, made with the official account's
//! `jsapi_ticket` (WeChat's JS-SDK documentation, appendix 1).
//!
//! The ticket comes from a file, not from WeChat's API: an official account's `access_token` is
//! one for the whole account, and each fetch of a new one ends the last, so WeChat asks that a
//! single token server (中控服务器) keep it and the ticket (7,200 s each). That server writes the
//! current ticket into `--wechat-ticket-file`; every instance reads it again when it changes.

use std::{
    path::PathBuf,
    sync::Mutex,
    time::{Duration, SystemTime},
};

use sha1::{Digest, Sha1};

/// The longest page address signed: WeChat's pages are far shorter.
pub const MAX_URL_BYTES: usize = 2048;

/// How often the ticket file's modification time is looked at (a ticket lives 7,200 s, and the
/// token server renews it ahead of that).
const RECHECK_EVERY: Duration = Duration::from_secs(5);

/// The official account the service signs for, and where its current ticket is.
pub struct WeChat {
    pub app_id: String,
    ticket_file: PathBuf,
    /// The ticket as last read, with the file's modification time then and when it was checked.
    read: Mutex<Option<ReadTicket>>,
}

struct ReadTicket {
    ticket: String,
    modified: SystemTime,
    checked: SystemTime,
}

/// The ticket file cannot give a ticket: missing, unreadable, or empty.
#[derive(Debug)]
pub struct NoTicket;

impl WeChat {
    pub fn new(app_id: String, ticket_file: PathBuf) -> WeChat {
        WeChat { app_id, ticket_file, read: Mutex::new(None) }
    }

    /// The current ticket: read again when the file has changed since it was last read.
    pub fn ticket(&self) -> Result<String, NoTicket> {
        let now = SystemTime::now();
        let mut read = self.read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(last) = read.as_mut()
            && now.duration_since(last.checked).is_ok_and(|since| since < RECHECK_EVERY)
        {
            return Ok(last.ticket.clone());
        }
        let modified = std::fs::metadata(&self.ticket_file).and_then(|metadata| metadata.modified()).map_err(|_| NoTicket)?;
        if let Some(last) = read.as_mut()
            && last.modified == modified
        {
            last.checked = now;
            return Ok(last.ticket.clone());
        }
        let text = std::fs::read_to_string(&self.ticket_file).map_err(|_| NoTicket)?;
        let ticket = text.trim();
        // A ticket is a short token of visible ASCII; anything else is not one.
        if ticket.is_empty() || ticket.len() > 512 || !ticket.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(NoTicket);
        }
        *read = Some(ReadTicket { ticket: ticket.to_owned(), modified, checked: now });
        Ok(ticket.to_owned())
    }
}

/// `wx.config`'s signature: SHA-1 of the four fields in the order of their names, as
/// `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, in lower-case hex.
pub fn js_sdk_signature(ticket: &str, nonce: &str, timestamp: i64, url: &str) -> String {
    let signed = format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}");
    hex::encode(Sha1::digest(signed.as_bytes()))
}

/// Whether `url` is a page address WeChat would ask a signature for: http(s), without the
/// fragment (the documentation's rule), not over [`MAX_URL_BYTES`], no spaces or controls.
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
    fn the_signature_is_the_documentations_own_example() {
        // WeChat's JS-SDK documentation, appendix 1.
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        let signature = js_sdk_signature(ticket, "Wm3WZYTPz0wzccnW", 1_414_587_457, "http://mp.weixin.qq.com?params=value");
        assert_eq!(signature, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
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
    fn a_new_ticket_in_the_file_is_read_and_a_bad_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ticket");
        let wechat = WeChat::new("wx0123456789abcdef".into(), file.clone());
        assert!(wechat.ticket().is_err(), "no file yet");
        std::fs::write(&file, "first-ticket\n").unwrap();
        assert_eq!(wechat.ticket().unwrap(), "first-ticket");
        std::fs::write(&file, "second-ticket").unwrap();
        // Renewed: seen once the file's time has moved and the recheck is due.
        let later = SystemTime::now() + Duration::from_secs(60);
        std::fs::File::options().write(true).open(&file).unwrap().set_modified(later).unwrap();
        if let Some(read) = wechat.read.lock().unwrap().as_mut() {
            read.checked -= RECHECK_EVERY;
        }
        assert_eq!(wechat.ticket().unwrap(), "second-ticket");
        std::fs::write(&file, "  \n").unwrap();
        std::fs::File::options().write(true).open(&file).unwrap().set_modified(later + Duration::from_secs(60)).unwrap();
        if let Some(read) = wechat.read.lock().unwrap().as_mut() {
            read.checked -= RECHECK_EVERY;
        }
        assert!(wechat.ticket().is_err(), "an empty file is no ticket");
    }
}
