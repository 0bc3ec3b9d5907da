//! Who is asking: residents, their identifiers, sign-in by phone and one-time code, partner
//! tokens, and sessions.
//!
//! The "same user" rule (`huiquan_core::identity`) is applied at every sign-in: the identifiers
//! presented (phone, device, partner account, card, ID number) are looked up, and if they belong
//! to several residents, those residents are merged into the oldest — their claims and vouchers
//! then count against one set of limits.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use huiquan_core::{Claimant, Identifier};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::{
    codes,
    ledger::{Ledger, ResidentId},
};

/// How long a session lasts.
const SESSION_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a one-time code is valid, and how often one may be asked for.
const OTP_MS: i64 = 5 * 60 * 1000;
const OTP_RESEND_MS: i64 = 30 * 1000;
const OTP_ATTEMPTS: i64 = 5;
/// The audience partner tokens must name.
pub const AUDIENCE: &str = "huiquan";

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("not signed in, or the session has expired")]
    Unauthenticated,
    #[error("{0}")]
    BadIdentifier(#[from] huiquan_core::identity::IdentifierError),
    #[error("the partner token is malformed")]
    MalformedToken,
    #[error("the partner {0:?} is not known to this service")]
    UnknownPartner(String),
    #[error("the partner token's signature does not match")]
    BadSignature,
    #[error("the partner token has expired")]
    TokenExpired,
    #[error("the partner token is for another audience")]
    WrongAudience,
    #[error("the code is wrong or has expired")]
    WrongCode,
    #[error("a code was sent less than 30 seconds ago")]
    CodeTooSoon { retry_after_s: u64 },
    #[error("sign-in by text message is not available: this service has no SMS gateway (demo mode writes codes to its log)")]
    NoSmsGateway,
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
}

/// What a partner app vouches for when it opens Huiquan in its webview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerClaims {
    /// The partner's name, e.g. `jd`, `unionpay`, `ccb`, `alipay`.
    pub partner: String,
    /// The resident's account in the partner app.
    pub account: String,
    /// Must be [`AUDIENCE`].
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// The partner has verified the resident's real name.
    #[serde(default)]
    pub real_name: bool,
    /// The account is an enterprise's.
    #[serde(default)]
    pub enterprise: bool,
}

impl PartnerClaims {
    /// What a partner vouches for in the common case: `account` of `partner`, real-name
    /// verified, not an enterprise, for this service, valid `ttl_s` seconds from now.
    pub fn verified(partner: &str, account: &str, ttl_s: i64) -> PartnerClaims {
        PartnerClaims {
            partner: partner.to_owned(),
            account: account.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: now_ms() / 1_000 + ttl_s,
            phone: None,
            device: None,
            card: None,
            id_number: None,
            real_name: true,
            enterprise: false,
        }
    }
}

/// Signs partner claims: `base64url(json).base64url(HMAC-SHA-256(secret, base64url(json)))`.
/// Partners do this on their side; tests and the benchmark use it to play a partner.
pub fn sign_partner_token(secret: &[u8], claims: &PartnerClaims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signature = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(payload.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{payload}.{signature}")
}

/// The per-partner secrets, from `name=secret,name=secret`.
#[derive(Clone, Debug, Default)]
pub struct PartnerSecrets(HashMap<String, Vec<u8>>);

impl std::str::FromStr for PartnerSecrets {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let mut secrets = HashMap::new();
        for entry in text.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let (name, secret) = entry.split_once('=').ok_or_else(|| format!("{entry:?} is not name=secret"))?;
            if secret.len() < 16 {
                return Err(format!("the secret for {name:?} is shorter than 16 characters"));
            }
            secrets.insert(name.trim().to_owned(), secret.as_bytes().to_vec());
        }
        Ok(PartnerSecrets(secrets))
    }
}

impl PartnerSecrets {
    pub fn insert(&mut self, partner: &str, secret: &[u8]) {
        self.0.insert(partner.to_owned(), secret.to_vec());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks a token's signature, audience and expiry.
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<PartnerClaims, IdentityError> {
        let (payload, signature) = token.split_once('.').ok_or(IdentityError::MalformedToken)?;
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| IdentityError::MalformedToken)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| IdentityError::MalformedToken)?;
        let claims: PartnerClaims = serde_json::from_slice(&json).map_err(|_| IdentityError::MalformedToken)?;
        let secret = self.0.get(&claims.partner).ok_or_else(|| IdentityError::UnknownPartner(claims.partner.clone()))?;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| IdentityError::BadSignature)?;
        mac.update(payload.as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&signature).map_err(|_| IdentityError::BadSignature)?;
        if claims.aud != AUDIENCE {
            return Err(IdentityError::WrongAudience);
        }
        if claims.exp.saturating_mul(1000) <= now_ms {
            return Err(IdentityError::TokenExpired);
        }
        Ok(claims)
    }
}

/// A signed-in resident, as the handlers see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub resident: ResidentId,
    pub claimant: Claimant,
    expires_at: i64,
}

pub use huiquan_core::api::SignedIn;

/// Sign-in, sessions and the "same user" rule.
#[derive(Clone)]
pub struct Identity {
    pool: SqlitePool,
    ledger: Ledger,
    partners: Arc<PartnerSecrets>,
    /// Demo mode: one-time codes go to the log (there is no SMS gateway).
    demo: bool,
    /// Sessions already read, by token digest: a claim storm must not cost two queries a claim.
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    /// Where one-time codes are "sent", for tests to read (demo mode also logs them).
    outbox: Option<OtpOutbox>,
}

/// The one-time codes sent, newest last (for tests).
#[derive(Clone, Debug, Default)]
pub struct OtpOutbox(pub Arc<Mutex<Vec<(String, String)>>>);

impl OtpOutbox {
    /// The latest code sent to `phone`.
    pub fn latest(&self, phone: &str) -> Option<String> {
        let sent = self.0.lock().ok()?;
        sent.iter().rev().find(|(to, _)| to == phone).map(|(_, code)| code.clone())
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl Identity {
    pub fn new(pool: SqlitePool, ledger: Ledger, partners: PartnerSecrets, demo: bool, outbox: Option<OtpOutbox>) -> Identity {
        Identity { pool, ledger, partners: Arc::new(partners), demo, sessions: Arc::default(), outbox }
    }

    /// Sends a one-time code to a phone (in demo mode: writes it to the log).
    pub async fn send_code(&self, phone: &str) -> Result<(), IdentityError> {
        let Identifier::Phone(phone) = Identifier::Phone(phone.to_owned()).normalized()? else {
            return Err(IdentityError::WrongCode);
        };
        if !self.demo && self.outbox.is_none() {
            return Err(IdentityError::NoSmsGateway);
        }
        let now = now_ms();
        let previous: Option<(i64,)> = sqlx::query_as("SELECT expires_at FROM otp_codes WHERE phone = ?1").bind(&phone).fetch_optional(&self.pool).await?;
        if let Some((expires_at,)) = previous {
            let sent_at = expires_at - OTP_MS;
            if now < sent_at + OTP_RESEND_MS {
                let retry_after_s = u64::try_from((sent_at + OTP_RESEND_MS - now + 999) / 1000).unwrap_or(30);
                return Err(IdentityError::CodeTooSoon { retry_after_s });
            }
        }
        let code = codes::one_time_code();
        sqlx::query(
            "INSERT INTO otp_codes (phone, code_hash, expires_at, attempts) VALUES (?1, ?2, ?3, 0)
             ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0",
        )
        .bind(&phone)
        .bind(codes::digest(&format!("{phone}:{code}")))
        .bind(now + OTP_MS)
        .execute(&self.pool)
        .await?;
        if self.demo {
            tracing::info!(phone = %phone, code = %code, "demo mode: one-time code (a real deployment sends it by SMS)");
        }
        if let Some(outbox) = &self.outbox
            && let Ok(mut sent) = outbox.0.lock() {
                sent.push((phone, code));
            }
        Ok(())
    }

    /// Checks a one-time code and opens a session.
    pub async fn sign_in_with_code(&self, phone: &str, code: &str, device: Option<&str>) -> Result<SignedIn, IdentityError> {
        let Identifier::Phone(phone) = Identifier::Phone(phone.to_owned()).normalized()? else {
            return Err(IdentityError::WrongCode);
        };
        let stored: Option<(String, i64, i64)> =
            sqlx::query_as("SELECT code_hash, expires_at, attempts FROM otp_codes WHERE phone = ?1").bind(&phone).fetch_optional(&self.pool).await?;
        let Some((code_hash, expires_at, attempts)) = stored else { return Err(IdentityError::WrongCode) };
        if expires_at <= now_ms() || attempts >= OTP_ATTEMPTS {
            return Err(IdentityError::WrongCode);
        }
        if codes::digest(&format!("{phone}:{}", code.trim())) != code_hash {
            sqlx::query("UPDATE otp_codes SET attempts = attempts + 1 WHERE phone = ?1").bind(&phone).execute(&self.pool).await?;
            return Err(IdentityError::WrongCode);
        }
        sqlx::query("DELETE FROM otp_codes WHERE phone = ?1").bind(&phone).execute(&self.pool).await?;
        let mut identifiers = vec![Identifier::Phone(phone)];
        if let Some(device) = device {
            identifiers.push(Identifier::Device(device.to_owned()).normalized()?);
        }
        let resident = self.resolve(&identifiers, None).await?;
        self.open_session(resident).await
    }

    /// Checks a partner's token and opens a session.
    pub async fn sign_in_with_partner(&self, token: &str) -> Result<SignedIn, IdentityError> {
        let claims = self.partners.verify(token, now_ms())?;
        let mut identifiers = vec![Identifier::Account(format!("{}:{}", claims.partner, claims.account)).normalized()?];
        if let Some(phone) = &claims.phone {
            identifiers.push(Identifier::Phone(phone.clone()).normalized()?);
        }
        if let Some(device) = &claims.device {
            identifiers.push(Identifier::Device(device.clone()).normalized()?);
        }
        if let Some(card) = &claims.card {
            identifiers.push(Identifier::Card(card.clone()).normalized()?);
        }
        if let Some(id_number) = &claims.id_number {
            identifiers.push(Identifier::IdNumber(id_number.clone()).normalized()?);
        }
        let resident = self.resolve(&identifiers, Some((claims.real_name, claims.enterprise))).await?;
        self.open_session(resident).await
    }

    /// The resident these identifiers name, created if new, merged if several.
    async fn resolve(&self, identifiers: &[Identifier], flags: Option<(bool, bool)>) -> Result<ResidentId, IdentityError> {
        let keys: Vec<String> = identifiers.iter().map(|identifier| codes::digest(&identifier.key())).collect();
        let mut connection = self.pool.acquire().await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *connection).await?;
        let result: Result<(ResidentId, Vec<ResidentId>), sqlx::Error> = async {
            let mut lookup = QueryBuilder::<Sqlite>::new("SELECT DISTINCT resident FROM identifiers WHERE key IN (");
            let mut separated = lookup.separated(", ");
            for key in &keys {
                separated.push_bind(key);
            }
            lookup.push(") ORDER BY resident");
            let found: Vec<(i64,)> = lookup.build_query_as().fetch_all(&mut *connection).await?;
            let resident = match found.first() {
                Some((oldest,)) => *oldest,
                None => sqlx::query("INSERT INTO residents (created_at) VALUES (?1)").bind(now_ms()).execute(&mut *connection).await?.last_insert_rowid(),
            };
            for key in &keys {
                sqlx::query("INSERT INTO identifiers (key, resident) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(resident)
                    .execute(&mut *connection)
                    .await?;
            }
            if let Some((real_name, enterprise)) = flags {
                sqlx::query("UPDATE residents SET real_name_verified = MAX(real_name_verified, ?1), enterprise = MAX(enterprise, ?2) WHERE id = ?3")
                    .bind(real_name)
                    .bind(enterprise)
                    .bind(resident)
                    .execute(&mut *connection)
                    .await?;
            }
            Ok((resident, found.iter().skip(1).map(|(other,)| *other).collect()))
        }
        .await;
        match result {
            Ok((resident, others)) => {
                sqlx::query("COMMIT").execute(&mut *connection).await?;
                drop(connection);
                if !others.is_empty() {
                    tracing::info!(resident, ?others, "same user: residents sharing an identifier merged");
                    self.ledger.merge(resident, others).await?;
                    // Cached sessions may name a merged-away resident.
                    if let Ok(mut sessions) = self.sessions.lock() {
                        sessions.clear();
                    }
                }
                Ok(resident)
            }
            Err(error) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut *connection).await;
                Err(error.into())
            }
        }
    }

    async fn open_session(&self, resident: ResidentId) -> Result<SignedIn, IdentityError> {
        let token = codes::token();
        let expires_at_ms = now_ms() + SESSION_MS;
        sqlx::query("INSERT INTO sessions (token_hash, resident, expires_at) VALUES (?1, ?2, ?3)")
            .bind(codes::digest(&token))
            .bind(resident)
            .bind(expires_at_ms)
            .execute(&self.pool)
            .await?;
        Ok(SignedIn { token, resident, expires_at_ms })
    }

    /// The session a bearer token opens.
    pub async fn session(&self, token: &str) -> Result<Session, IdentityError> {
        let hash = codes::digest(token);
        let now = now_ms();
        if let Some(session) = self.sessions.lock().ok().and_then(|sessions| sessions.get(&hash).cloned())
            && session.expires_at > now {
                return Ok(session);
            }
        let row: Option<(i64, bool, bool, i64)> = sqlx::query_as(
            "SELECT r.id, r.real_name_verified, r.enterprise, s.expires_at FROM sessions s JOIN residents r ON r.id = s.resident
             WHERE s.token_hash = ?1 AND s.expires_at > ?2",
        )
        .bind(&hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some((resident, real_name_verified, enterprise, expires_at)) = row else {
            return Err(IdentityError::Unauthenticated);
        };
        let lists: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT a.list FROM allowlist_entries a JOIN identifiers i ON i.key = a.identifier_key WHERE i.resident = ?1",
        )
        .bind(resident)
        .fetch_all(&self.pool)
        .await?;
        let session = Session {
            resident,
            claimant: Claimant { real_name_verified, enterprise, allowlists: lists.into_iter().map(|(list,)| list).collect() },
            expires_at,
        };
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(hash, session.clone());
        }
        Ok(session)
    }
}

/// Loads allowlists (`<dir>/<list>.txt`, one phone number per line, `#` comments) into the
/// database. A deployment replaces these files with the lists the organisers hand over.
pub async fn load_allowlists(pool: &SqlitePool, dir: &std::path::Path) -> Result<usize, crate::StartError> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(0) };
    let mut loaded = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(list) = path.file_stem().and_then(|stem| stem.to_str()).filter(|_| path.extension().is_some_and(|ext| ext == "txt")) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).map_err(|source| crate::StartError::Data { path: path.clone(), detail: source.to_string() })?;
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let phone = Identifier::Phone(line.to_owned())
                .normalized()
                .map_err(|error| crate::StartError::Data { path: path.clone(), detail: format!("line {}: {error}", number + 1) })?;
            sqlx::query("INSERT INTO allowlist_entries (list, identifier_key) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
                .bind(list)
                .bind(codes::digest(&phone.key()))
                .execute(pool)
                .await
                .map_err(|source| crate::StartError::Data { path: path.clone(), detail: source.to_string() })?;
            loaded += 1;
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> PartnerClaims {
        PartnerClaims { exp, ..PartnerClaims::verified("jd", "u-1", 0) }
    }

    #[test]
    fn partner_tokens_are_checked_for_signature_audience_and_expiry() {
        let secrets: PartnerSecrets = "jd=0123456789abcdef0123".parse().expect("valid");
        let secret = b"0123456789abcdef0123";
        let now_ms = 1_700_000_000_000;
        let good = sign_partner_token(secret, &claims(1_700_000_100));
        assert_eq!(secrets.verify(&good, now_ms).expect("valid").account, "u-1");
        assert!(matches!(secrets.verify(&good, 1_700_000_100_000), Err(IdentityError::TokenExpired)));
        let forged = sign_partner_token(b"not-the-secret-at-all", &claims(1_700_000_100));
        assert!(matches!(secrets.verify(&forged, now_ms), Err(IdentityError::BadSignature)));
        let mut elsewhere = claims(1_700_000_100);
        elsewhere.aud = "another-app".into();
        assert!(matches!(secrets.verify(&sign_partner_token(secret, &elsewhere), now_ms), Err(IdentityError::WrongAudience)));
        let mut stranger = claims(1_700_000_100);
        stranger.partner = "nobody".into();
        assert!(matches!(secrets.verify(&sign_partner_token(secret, &stranger), now_ms), Err(IdentityError::UnknownPartner(_))));
        assert!(matches!(secrets.verify("garbage", now_ms), Err(IdentityError::MalformedToken)));
        assert!("jd=short".parse::<PartnerSecrets>().is_err());
    }
}
