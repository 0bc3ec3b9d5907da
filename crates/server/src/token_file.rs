//! A token that a partner's token server keeps in a file: WeChat's `jsapi_ticket`, UnionPay's
//! `frontToken`. Both platforms allow one live token per account and limit how often a new one
//! may be fetched, so one server (中控服务器) renews it and writes it to a file that every
//! instance reads again when it changes (docs/DEPLOY.md).

use std::{
    path::PathBuf,
    sync::Mutex,
    time::{Duration, SystemTime},
};

/// How often the file's modification time is looked at (the tokens live 7,200 s, and the token
/// server renews them ahead of that).
const RECHECK_EVERY: Duration = Duration::from_secs(5);

/// The longest token taken: both platforms' are far shorter.
const MAX_TOKEN_BYTES: usize = 512;

/// A token file, read when it has changed.
pub struct TokenFile {
    path: PathBuf,
    /// The token as last read, with the file's modification time then and when it was checked.
    read: Mutex<Option<ReadToken>>,
}

struct ReadToken {
    token: String,
    modified: SystemTime,
    checked: SystemTime,
}

/// The file cannot give a token: missing, unreadable, empty or not a token.
#[derive(Debug)]
pub struct NoToken;

impl TokenFile {
    pub fn new(path: PathBuf) -> TokenFile {
        TokenFile { path, read: Mutex::new(None) }
    }

    /// The current token: read again when the file has changed since it was last read.
    pub fn token(&self) -> Result<String, NoToken> {
        let now = SystemTime::now();
        let mut read = self.read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(last) = read.as_mut()
            && now.duration_since(last.checked).is_ok_and(|since| since < RECHECK_EVERY)
        {
            return Ok(last.token.clone());
        }
        let modified = std::fs::metadata(&self.path).and_then(|metadata| metadata.modified()).map_err(|_| NoToken)?;
        if let Some(last) = read.as_mut()
            && last.modified == modified
        {
            last.checked = now;
            return Ok(last.token.clone());
        }
        let text = std::fs::read_to_string(&self.path).map_err(|_| NoToken)?;
        let token = text.trim();
        // A token is a short string of visible ASCII; anything else is not one.
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES || !token.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(NoToken);
        }
        *read = Some(ReadToken { token: token.to_owned(), modified, checked: now });
        Ok(token.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Makes the next read look at the file again, as if `RECHECK_EVERY` had passed.
    fn recheck_now(file: &TokenFile) {
        if let Some(read) = file.read.lock().unwrap().as_mut() {
            read.checked -= RECHECK_EVERY;
        }
    }

    #[test]
    fn a_new_token_in_the_file_is_read_and_a_bad_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let file = TokenFile::new(path.clone());
        assert!(file.token().is_err(), "no file yet");
        std::fs::write(&path, "first-token\n").unwrap();
        assert_eq!(file.token().unwrap(), "first-token");
        std::fs::write(&path, "second-token").unwrap();
        // Renewed: seen once the file's time has moved and the recheck is due.
        let later = SystemTime::now() + Duration::from_secs(60);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(later).unwrap();
        assert_eq!(file.token().unwrap(), "first-token", "not looked at again within {RECHECK_EVERY:?}");
        recheck_now(&file);
        assert_eq!(file.token().unwrap(), "second-token");
        for (step, bad) in ["  \n", "a token with spaces", &"t".repeat(MAX_TOKEN_BYTES + 1)].into_iter().enumerate() {
            std::fs::write(&path, bad).unwrap();
            let later = later + Duration::from_secs(60 * (step as u64 + 1));
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(later).unwrap();
            recheck_now(&file);
            assert!(file.token().is_err(), "{bad:?} is no token");
        }
    }
}
