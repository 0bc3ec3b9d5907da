//! Who is asking: accounts, sign-in by phone and one-time code, partner tokens, sessions, and the
//! evidence the "same user" rule links accounts by.
//!
//! An account is opened only by a credential the service can check: a phone proved by a code it
//! sent, or a partner account proved by the partner's signature. Everything else a sign-in
//! presents (a device id the client chose, a card, an ID number, a partner-vouched phone) is only
//! evidence: it links accounts into a "same user" group, which campaigns with that rule
//! (Liaocheng) count their limits against, and it never opens another account's wallet. Every
//! write of a sign-in is done by the ledger, the database's one writer, so a client that hangs up
//! mid-way cannot leave a transaction open.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime},
};

use crate::store::{Store, on_pool};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use governor::{
    DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use hmac::{Hmac, Mac};
use huiquan_core::{
    Claimant, Identifier,
    api::{Links, ProxyLink},
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{
    codes::{self, DigestKey},
    ledger::{Ledger, LedgerError, ResidentId, SignInCommand},
    session_reader::{ReadFailed, SessionReader},
};

/// The audience partner tokens must name.
pub const AUDIENCE: &str = "huiquan";
/// Who vouches for what the app itself sends (a device id).
const APP: &str = "app";

/// Every limit of signing in, with its default. Tests shorten the times.
#[derive(Clone, Debug)]
pub struct SignInLimits {
    /// How long a session lasts. Default 7 days.
    pub session: Duration,
    /// How long a cached session is trusted before it is read again, so that a sign-out
    /// elsewhere or an allowlist change takes effect. Default 10 s.
    pub session_recheck: Duration,
    /// How long a one-time code is valid. Default 5 minutes.
    pub code_valid: Duration,
    /// How soon another code may be sent to the same phone. Default 30 s.
    pub resend_after: Duration,
    /// Wrong codes allowed per phone in one `attempt_window`, resends included. Default 5.
    pub attempts: u32,
    /// Default 1 hour.
    pub attempt_window: Duration,
    /// Codes sent to one phone per day. Default 10.
    pub sends_per_phone_per_day: u32,
    /// Codes asked for from one client address per hour. Default 20.
    pub sends_per_address_per_hour: u32,
    /// Codes sent by the whole service per minute: past it the SMS gateway is protected and
    /// every request is told to come back later (a circuit breaker). Default 600.
    pub sends_per_minute: u32,
    /// The longest a partner token may be valid for, from now. Default 15 minutes.
    pub partner_token_lifetime: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            session: Duration::from_secs(7 * 24 * 3600),
            session_recheck: Duration::from_secs(10),
            code_valid: Duration::from_secs(5 * 60),
            resend_after: Duration::from_secs(30),
            attempts: 5,
            attempt_window: Duration::from_secs(3600),
            sends_per_phone_per_day: 10,
            sends_per_address_per_hour: 20,
            sends_per_minute: 600,
            partner_token_lifetime: Duration::from_secs(15 * 60),
        }
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

const DAY_MS: i64 = 24 * 3600 * 1000;

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
    #[error("the partner token is valid for longer than this service accepts ({max_s} s)")]
    TokenLifetimeTooLong { max_s: u64 },
    #[error("the partner token was already used")]
    TokenReplayed,
    #[error("the partner token is for another audience")]
    WrongAudience,
    #[error("the code is wrong or has expired")]
    WrongCode,
    #[error("a sign-in code is six digits")]
    MalformedCode,
    #[error("too many wrong codes for this phone; try again later")]
    TooManyAttempts { retry_after_s: u64 },
    #[error("a code was sent to this phone a moment ago")]
    CodeTooSoon { retry_after_s: u64 },
    #[error("no more codes for this phone today")]
    TooManyCodes { retry_after_s: u64 },
    #[error("too many codes asked for from this address")]
    AddressBudget { retry_after_s: u64 },
    #[error("text messages are paused for a moment: too many are being sent")]
    SmsPaused { retry_after_s: u64 },
    #[error("sign-in by text message is not available: this service has no SMS gateway (demo mode writes codes to its log)")]
    NoSmsGateway,
    #[error("this resident is not linked to that one (代领 needs the relative's code once)")]
    NotLinked,
    #[error("a carer claims for at most {RELATIVES_MAX} relatives, and a relative has at most {CARERS_MAX} carers")]
    TooManyLinks,
    #[error("that phone is this resident's own")]
    CannotLinkSelf,
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    SessionsUnread(#[from] ReadFailed),
    #[error(transparent)]
    Ledger(LedgerError),
}

impl From<LedgerError> for IdentityError {
    fn from(error: LedgerError) -> Self {
        match error {
            LedgerError::TokenReplayed => IdentityError::TokenReplayed,
            other => IdentityError::Ledger(other),
        }
    }
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
    /// Expiry, seconds since the epoch; at most [`SignInLimits::partner_token_lifetime`] ahead.
    pub exp: i64,
    /// The token's own id (1 to 128 characters), refused when seen again.
    pub jti: String,
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
    /// verified, not an enterprise, for this service, valid `ttl_s` seconds from now, with a
    /// fresh token id.
    pub fn verified(partner: &str, account: &str, ttl_s: i64) -> PartnerClaims {
        PartnerClaims {
            partner: partner.to_owned(),
            account: account.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: now_ms() / 1_000 + ttl_s,
            jti: codes::token(),
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
            if name.trim() == APP {
                return Err(format!("{APP:?} names the app itself, not a partner"));
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

    /// Checks a token's signature, audience, expiry, lifetime and id.
    pub fn verify(&self, token: &str, now_ms: i64, max_lifetime: Duration) -> Result<PartnerClaims, IdentityError> {
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
        let expires_ms = claims.exp.saturating_mul(1000);
        if expires_ms <= now_ms {
            return Err(IdentityError::TokenExpired);
        }
        if expires_ms - now_ms > millis(max_lifetime) {
            return Err(IdentityError::TokenLifetimeTooLong { max_s: max_lifetime.as_secs() });
        }
        if claims.jti.is_empty() || claims.jti.len() > 128 {
            return Err(IdentityError::MalformedToken);
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

/// Sessions that have ended, as announced to every instance (PostgreSQL).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedOut {
    /// One session, by its token's digest.
    Session(String),
    /// Every session of an account.
    Account(ResidentId),
}

#[derive(Clone, Debug)]
struct CachedSession {
    session: Session,
    read_at: i64,
}

pub use huiquan_core::api::SignedIn;

/// The most sessions held in memory; past it the cache starts again (each is reread on use).
const SESSION_CACHE_MAX: usize = 200_000;

/// Sign-in, sessions and the "same user" rule.
#[derive(Clone)]
pub struct Identity {
    store: Store,
    ledger: Ledger,
    partners: Arc<PartnerSecrets>,
    /// Identifiers, phones and codes are stored under this key's digests.
    key: DigestKey,
    limits: Arc<SignInLimits>,
    /// Demo mode: one-time codes go to the log (there is no SMS gateway).
    demo: bool,
    /// Sessions already read, by token digest: a claim storm must not cost two queries a claim.
    sessions: Arc<Mutex<HashMap<String, CachedSession>>>,
    /// Reads the sessions not in `sessions`, many in one query.
    session_reader: SessionReader,
    /// Sign-outs done by this instance, counted once their rows are deleted: a session read
    /// that a sign-out overtook may hold a session that has ended, and is not cached.
    sign_outs: Arc<AtomicU64>,
    /// Where one-time codes are "sent", for tests to read (demo mode also logs them).
    outbox: Option<OtpOutbox>,
    sends_per_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    sends_overall: Arc<DefaultDirectRateLimiter>,
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

    /// How many codes were sent in all.
    pub fn len(&self) -> usize {
        self.0.lock().map(|sent| sent.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn seconds_until(now: i64, then: i64) -> u64 {
    u64::try_from((then - now + 999) / 1000).unwrap_or(1).max(1)
}

fn wait_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[derive(sqlx_macros::FromRow)]
struct CodeWindow {
    sent_at: i64,
    sends: i64,
    sends_since: i64,
    attempts: i64,
    attempts_since: i64,
}

/// One link between a carer and a relative, as stored.
#[derive(sqlx_macros::FromRow)]
struct LinkRow {
    carer: i64,
    relative: i64,
    hint: String,
    linked_at: i64,
}

/// What a one-time code is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodePurpose {
    /// Signing in on the phone's account.
    SignIn,
    /// The phone's owner letting `carer` claim for them (代领).
    Link { carer: ResidentId },
}

/// Most relatives one carer claims for (a household's elders), and most carers one relative has.
pub const RELATIVES_MAX: usize = 5;
pub const CARERS_MAX: usize = 3;

impl Identity {
    pub fn new(
        store: Store,
        ledger: Ledger,
        partners: PartnerSecrets,
        key: DigestKey,
        limits: SignInLimits,
        demo: bool,
        outbox: Option<OtpOutbox>,
    ) -> Identity {
        let per_address = Quota::with_period(Duration::from_secs(3600) / limits.sends_per_address_per_hour.max(1))
            .unwrap_or_else(|| Quota::per_hour(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(limits.sends_per_address_per_hour).unwrap_or(NonZeroU32::MIN));
        let overall = Quota::with_period(Duration::from_secs(60) / limits.sends_per_minute.max(1))
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(limits.sends_per_minute).unwrap_or(NonZeroU32::MIN));
        Identity {
            session_reader: SessionReader::start(store.clone()),
            sign_outs: Arc::default(),
            store,
            ledger,
            partners: Arc::new(partners),
            key,
            limits: Arc::new(limits),
            demo,
            sessions: Arc::default(),
            outbox,
            sends_per_address: Arc::new(RateLimiter::keyed(per_address)),
            sends_overall: Arc::new(RateLimiter::direct(overall)),
        }
    }

    /// How long a code sent now stays valid, in seconds.
    pub fn code_valid_s(&self) -> u32 {
        u32::try_from(self.limits.code_valid.as_secs()).unwrap_or(u32::MAX)
    }

    fn phone_key(&self, phone: &str) -> Result<(String, String), IdentityError> {
        let Identifier::Phone(phone) = Identifier::Phone(phone.to_owned()).normalized()? else {
            return Err(IdentityError::WrongCode);
        };
        let key = self.key.digest(&Identifier::Phone(phone.clone()).key());
        Ok((phone, key))
    }

    /// What a code is stored as: bound to its purpose, so a code sent for a link (read out to a
    /// carer) does not sign anyone in, and is good for that carer only.
    fn code_digest(&self, purpose: CodePurpose, phone: &str, code: &str) -> String {
        match purpose {
            CodePurpose::SignIn => self.key.digest(&format!("otp:{phone}:{code}")),
            CodePurpose::Link { carer } => self.key.digest(&format!("link:{carer}:{phone}:{code}")),
        }
    }

    /// Sends a one-time code to a phone (in demo mode: writes it to the log). `client` is the
    /// address the request came from (its rate-limit key).
    pub async fn send_code(&self, phone: &str, client: IpAddr, purpose: CodePurpose) -> Result<(), IdentityError> {
        let (phone, phone_key) = self.phone_key(phone)?;
        if !self.demo && self.outbox.is_none() {
            return Err(IdentityError::NoSmsGateway);
        }
        let clock = DefaultClock::default();
        self.sends_per_address
            .check_key(&client)
            .map_err(|not_until| IdentityError::AddressBudget { retry_after_s: wait_seconds(not_until.wait_time_from(clock.now())) })?;
        self.sends_overall
            .check()
            .map_err(|not_until| IdentityError::SmsPaused { retry_after_s: wait_seconds(not_until.wait_time_from(clock.now())) })?;
        let now = now_ms();
        let code = codes::one_time_code();
        let limits = &self.limits;
        // One statement decides and records the send, so two requests at once cannot both pass
        // the checks. A resend keeps the count of wrong attempts: only a new window clears it.
        let sent: Option<(i64,)> = on_pool!(&self.store, pool => sqlx::query_as(
            "INSERT INTO otp_codes (phone_key, code_hash, expires_at, sent_at, sends, sends_since, attempts, attempts_since)
             VALUES ($1, $2, $3, $4, 1, $4, 0, $4)
             ON CONFLICT (phone_key) DO UPDATE SET
               code_hash = excluded.code_hash, expires_at = excluded.expires_at, sent_at = excluded.sent_at,
               sends = CASE WHEN otp_codes.sends_since <= $4 - $6 THEN 1 ELSE otp_codes.sends + 1 END,
               sends_since = CASE WHEN otp_codes.sends_since <= $4 - $6 THEN $4 ELSE otp_codes.sends_since END,
               attempts = CASE WHEN otp_codes.attempts_since <= $4 - $8 THEN 0 ELSE otp_codes.attempts END,
               attempts_since = CASE WHEN otp_codes.attempts_since <= $4 - $8 THEN $4 ELSE otp_codes.attempts_since END
             WHERE otp_codes.sent_at <= $4 - $5 AND (otp_codes.sends < $7 OR otp_codes.sends_since <= $4 - $6)
             RETURNING sends",
        )
        .bind(&phone_key)
        .bind(self.code_digest(purpose, &phone, &code))
        .bind(now + millis(limits.code_valid))
        .bind(now)
        .bind(millis(limits.resend_after))
        .bind(DAY_MS)
        .bind(i64::from(limits.sends_per_phone_per_day))
        .bind(millis(limits.attempt_window))
        .fetch_optional(pool).await)?;
        if sent.is_none() {
            let window: Option<CodeWindow> = on_pool!(&self.store, pool => sqlx::query_as("SELECT sent_at, sends, sends_since, attempts, attempts_since FROM otp_codes WHERE phone_key = $1")
                    .bind(&phone_key)
                    .fetch_optional(pool).await)?;
            let Some(window) = window else { return Err(IdentityError::WrongCode) };
            let cap_reached = window.sends >= i64::from(limits.sends_per_phone_per_day) && window.sends_since > now - DAY_MS;
            return Err(if cap_reached {
                IdentityError::TooManyCodes { retry_after_s: seconds_until(now, window.sends_since + DAY_MS) }
            } else {
                IdentityError::CodeTooSoon { retry_after_s: seconds_until(now, window.sent_at + millis(limits.resend_after)) }
            });
        }
        if self.demo {
            let purpose = match purpose {
                CodePurpose::SignIn => "signing in",
                CodePurpose::Link { .. } => "letting a relative claim for this phone's owner (代领)",
            };
            tracing::info!(phone = %phone, code = %code, purpose, "demo mode: one-time code (a real deployment sends it by SMS)");
        }
        if let Some(outbox) = &self.outbox
            && let Ok(mut sent) = outbox.0.lock()
        {
            sent.push((phone, code));
        }
        Ok(())
    }

    /// Checks a one-time code and opens a session on the phone's account. `device` is the id the
    /// app keeps: evidence for the "same user" rule, never a way into an account.
    pub async fn sign_in_with_code(&self, phone: &str, code: &str, device: Option<&str>) -> Result<SignedIn, IdentityError> {
        let device = device.map(|device| Identifier::Device(device.to_owned()).normalized()).transpose()?;
        let phone = self.use_code(phone, code, CodePurpose::SignIn).await?;
        let credential = Identifier::Phone(phone);
        let mut evidence = vec![credential.evidence_key(APP)];
        evidence.extend(device.map(|device| device.evidence_key(APP)));
        self.open_session(credential.key(), evidence, None, None).await
    }

    /// Checks a phone's one-time code and uses it up; the phone as normalised.
    async fn use_code(&self, phone: &str, code: &str, purpose: CodePurpose) -> Result<String, IdentityError> {
        let (phone, phone_key) = self.phone_key(phone)?;
        // Malformed input is refused before an attempt is counted: a typo costs the resident nothing.
        if code.len() != 6 || !code.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(IdentityError::MalformedCode);
        }
        let now = now_ms();
        let window = millis(self.limits.attempt_window);
        // Counting the attempt and reading the code are one statement: a hundred guesses at
        // once use a hundred attempts, and all but the first few find none left.
        let counted: Option<(String,)> = on_pool!(&self.store, pool => sqlx::query_as(
            "UPDATE otp_codes SET
               attempts = CASE WHEN attempts_since <= $2 - $3 THEN 1 ELSE attempts + 1 END,
               attempts_since = CASE WHEN attempts_since <= $2 - $3 THEN $2 ELSE attempts_since END
             WHERE phone_key = $1 AND code_hash IS NOT NULL AND expires_at > $2 AND (attempts < $4 OR attempts_since <= $2 - $3)
             RETURNING code_hash",
        )
        .bind(&phone_key)
        .bind(now)
        .bind(window)
        .bind(i64::from(self.limits.attempts))
        .fetch_optional(pool).await)?;
        let Some((code_hash,)) = counted else {
            let window_row: Option<CodeWindow> = on_pool!(&self.store, pool => sqlx::query_as("SELECT sent_at, sends, sends_since, attempts, attempts_since FROM otp_codes WHERE phone_key = $1")
                    .bind(&phone_key)
                    .fetch_optional(pool).await)?;
            return Err(match window_row {
                Some(row) if row.attempts >= i64::from(self.limits.attempts) && row.attempts_since > now - window => {
                    IdentityError::TooManyAttempts { retry_after_s: seconds_until(now, row.attempts_since + window) }
                }
                _ => IdentityError::WrongCode,
            });
        };
        if self.code_digest(purpose, &phone, code) != code_hash {
            return Err(IdentityError::WrongCode);
        }
        // Used once: of two right answers at once, only one clears it.
        let used = on_pool!(&self.store, pool => sqlx::query("UPDATE otp_codes SET code_hash = NULL, attempts = 0 WHERE phone_key = $1 AND code_hash = $2")
            .bind(&phone_key)
            .bind(&code_hash)
            .execute(pool).await.map(|done| done.rows_affected()))?;
        if used == 0 {
            return Err(IdentityError::WrongCode);
        }
        Ok(phone)
    }

    /// Links `carer` to the account of the relative whose phone received `code` (代领): the
    /// relative read the code out, which is their consent. The relative's account is opened if
    /// they never signed in; linking again changes nothing.
    pub async fn link_relative(&self, carer: ResidentId, phone: &str, code: &str) -> Result<ProxyLink, IdentityError> {
        let phone = self.use_code(phone, code, CodePurpose::Link { carer }).await?;
        let credential = Identifier::Phone(phone.clone());
        let relative = self
            .ledger
            .sign_in(SignInCommand {
                credential: self.key.digest(&credential.key()),
                evidence: vec![self.key.digest(&credential.evidence_key(APP))],
                flags: None,
                token_use: None,
                session: None,
            })
            .await?;
        if relative == carer {
            return Err(IdentityError::CannotLinkSelf);
        }
        let hint = huiquan_core::api::phone_hint(&phone);
        let now = now_ms();
        // One statement decides and records the link, so two links at once cannot pass the caps.
        let linked = on_pool!(&self.store, pool => sqlx::query(
            "INSERT INTO proxy_links (carer, relative, hint, linked_at)
             SELECT $1, $2, $3, $4
             WHERE (SELECT COUNT(*) FROM proxy_links WHERE carer = $1) < $5
               AND (SELECT COUNT(*) FROM proxy_links WHERE relative = $2) < $6
             ON CONFLICT (carer, relative) DO NOTHING",
        )
        .bind(carer)
        .bind(relative)
        .bind(&hint)
        .bind(now)
        .bind(RELATIVES_MAX as i64)
        .bind(CARERS_MAX as i64)
        .execute(pool).await.map(|done| done.rows_affected()))?;
        if linked == 0 {
            // Linked before (nothing to do), or a cap reached.
            let links = self.links(carer).await?;
            return links.relatives.into_iter().find(|link| link.resident == relative).ok_or(IdentityError::TooManyLinks);
        }
        Ok(ProxyLink { resident: relative, hint, linked_at_ms: now })
    }

    /// Whom `resident` claims for, and who claims for them.
    pub async fn links(&self, resident: ResidentId) -> Result<Links, IdentityError> {
        let rows: Vec<LinkRow> = on_pool!(&self.store, pool => sqlx::query_as(
            "SELECT carer, relative, hint, linked_at FROM proxy_links WHERE carer = $1 OR relative = $1 ORDER BY linked_at, carer, relative",
        )
        .bind(resident)
        .fetch_all(pool).await)?;
        let mut links = Links::default();
        for row in rows {
            if row.carer == resident {
                links.relatives.push(ProxyLink { resident: row.relative, hint: row.hint, linked_at_ms: row.linked_at });
            } else {
                // The carer may have no phone on record: the relative sees their account number.
                links.carers.push(ProxyLink { resident: row.carer, hint: format!("#{}", row.carer), linked_at_ms: row.linked_at });
            }
        }
        Ok(links)
    }

    /// Ends the link between `resident` and `other`, whichever side either is.
    pub async fn unlink(&self, resident: ResidentId, other: ResidentId) -> Result<(), IdentityError> {
        let ended = on_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM proxy_links WHERE (carer = $1 AND relative = $2) OR (carer = $2 AND relative = $1)",
        )
        .bind(resident)
        .bind(other)
        .execute(pool).await.map(|done| done.rows_affected()))?;
        if ended == 0 { Err(IdentityError::NotLinked) } else { Ok(()) }
    }

    /// Refused unless `carer` is linked to `relative`.
    pub async fn check_linked(&self, carer: ResidentId, relative: ResidentId) -> Result<(), IdentityError> {
        self.linked_flags(carer, relative).await.map(drop)
    }

    /// The relative `carer` acts for, as a claimant (their own flags and allowlists), if linked.
    pub async fn relative(&self, carer: ResidentId, relative: ResidentId) -> Result<Claimant, IdentityError> {
        let (real_name_verified, enterprise) = self.linked_flags(carer, relative).await?;
        Ok(Claimant { real_name_verified, enterprise, allowlists: self.allowlists_of(relative).await? })
    }

    /// The relative's flags, read through the link: nothing unless `carer` is linked to them.
    async fn linked_flags(&self, carer: ResidentId, relative: ResidentId) -> Result<(bool, bool), IdentityError> {
        let flags: Option<(bool, bool)> = on_pool!(&self.store, pool => sqlx::query_as(
            "SELECT r.real_name_verified, r.enterprise FROM proxy_links l JOIN residents r ON r.id = l.relative
             WHERE l.carer = $1 AND l.relative = $2",
        )
        .bind(carer)
        .bind(relative)
        .fetch_optional(pool).await)?;
        flags.ok_or(IdentityError::NotLinked)
    }

    /// The allowlists a resident's evidence is on.
    async fn allowlists_of(&self, resident: ResidentId) -> Result<Vec<String>, IdentityError> {
        let lists: Vec<(String,)> = on_pool!(&self.store, pool => sqlx::query_as(
            "SELECT DISTINCT a.list FROM allowlist_entries a JOIN evidence e ON e.key = a.identifier_key WHERE e.resident = $1",
        )
        .bind(resident)
        .fetch_all(pool).await)?;
        Ok(lists.into_iter().map(|(list,)| list).collect())
    }

    /// Checks a partner's token and opens a session on the partner account's account.
    pub async fn sign_in_with_partner(&self, token: &str) -> Result<SignedIn, IdentityError> {
        let claims = self.partners.verify(token, now_ms(), self.limits.partner_token_lifetime)?;
        let partner = claims.partner.as_str();
        let credential = Identifier::Account(format!("{partner}:{}", claims.account)).normalized()?;
        let mut evidence = vec![credential.evidence_key(partner)];
        let presented = [
            claims.phone.clone().map(Identifier::Phone),
            claims.device.clone().map(Identifier::Device),
            claims.card.clone().map(Identifier::Card),
            claims.id_number.clone().map(Identifier::IdNumber),
        ];
        for identifier in presented.into_iter().flatten() {
            evidence.push(identifier.normalized()?.evidence_key(partner));
        }
        let token_use = (self.key.digest(&format!("jti:{partner}:{}", claims.jti)), claims.exp.saturating_mul(1000));
        self.open_session(credential.key(), evidence, Some((claims.real_name, claims.enterprise)), Some(token_use)).await
    }

    async fn open_session(
        &self,
        credential: String,
        evidence: Vec<String>,
        flags: Option<(bool, bool)>,
        token_use: Option<(String, i64)>,
    ) -> Result<SignedIn, IdentityError> {
        let token = codes::token();
        let expires_at_ms = now_ms() + millis(self.limits.session);
        let resident = self
            .ledger
            .sign_in(SignInCommand {
                credential: self.key.digest(&credential),
                evidence: evidence.iter().map(|key| self.key.digest(key)).collect(),
                flags,
                token_use,
                session: Some((codes::digest(&token), expires_at_ms)),
            })
            .await?;
        Ok(SignedIn { token, resident, expires_at_ms })
    }

    /// The session a bearer token opens.
    pub async fn session(&self, token: &str) -> Result<Session, IdentityError> {
        let hash = codes::digest(token);
        let now = now_ms();
        let recheck = millis(self.limits.session_recheck);
        if let Some(cached) = self.sessions.lock().ok().and_then(|sessions| sessions.get(&hash).cloned())
            && cached.session.expires_at > now
            && cached.read_at + recheck > now
        {
            return Ok(cached.session);
        }
        let sign_outs_before = self.sign_outs.load(Ordering::SeqCst);
        let Some(stored) = self.session_reader.read(hash.clone(), now).await? else {
            if let Ok(mut sessions) = self.sessions.lock() {
                sessions.remove(&hash);
            }
            return Err(IdentityError::Unauthenticated);
        };
        let session = Session {
            resident: stored.resident,
            claimant: Claimant {
                real_name_verified: stored.real_name_verified,
                enterprise: stored.enterprise,
                allowlists: stored.allowlists,
            },
            expires_at: stored.expires_at,
        };
        if let Ok(mut sessions) = self.sessions.lock()
            && self.sign_outs.load(Ordering::SeqCst) == sign_outs_before
        {
            if sessions.len() >= SESSION_CACHE_MAX {
                sessions.clear();
            }
            sessions.insert(hash, CachedSession { session: session.clone(), read_at: now });
        }
        Ok(session)
    }

    /// Ends the session of this token (signing out on this device).
    pub async fn sign_out(&self, token: &str) -> Result<(), IdentityError> {
        let hash = codes::digest(token);
        on_pool!(&self.store, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&hash).execute(pool).await.map(|done| done.rows_affected()))?;
        self.announce(SignedOut::Session(hash)).await;
        Ok(())
    }

    /// Ends every session of an account (signing out everywhere); returns how many ended.
    pub async fn sign_out_everywhere(&self, resident: ResidentId) -> Result<u64, IdentityError> {
        let ended = on_pool!(&self.store, pool => sqlx::query("DELETE FROM sessions WHERE resident = $1").bind(resident).execute(pool).await.map(|done| done.rows_affected()))?;
        self.announce(SignedOut::Account(resident)).await;
        Ok(ended)
    }

    /// After the sessions' rows are deleted: forgets them here, then tells the other instances.
    async fn announce(&self, signed_out: SignedOut) {
        forget_signed_out(&self.sessions, &self.sign_outs, &signed_out);
        if let Store::Postgres(pool) = &self.store
            && let Err(error) = crate::store::postgres::notify_sign_out(pool, &signed_out).await
        {
            // Signed out here and in the database; the other instances reread within `session_recheck`.
            tracing::warn!(%error, "a sign-out could not be announced to the other instances");
        }
    }

    /// With PostgreSQL, what forgets the sessions every instance signs out, as soon as it is told.
    pub(crate) fn sign_outs(&self) -> crate::store::postgres::Hearing {
        let (sessions, sign_outs) = (Arc::clone(&self.sessions), Arc::clone(&self.sign_outs));
        crate::store::postgres::sign_outs(move |signed_out| forget_signed_out(&sessions, &sign_outs, &signed_out))
    }

    /// Forgets addresses whose allowance of codes is full again.
    pub fn prune_limits(&self) {
        self.sends_per_address.retain_recent();
        self.sends_per_address.shrink_to_fit();
    }

    /// Deletes what has run out: sessions, codes whose windows have passed, used token ids.
    pub async fn prune(&self) -> Result<u64, sqlx::Error> {
        let now = now_ms();
        let mut pruned = on_pool!(&self.store, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await.map(|done| done.rows_affected()))?;
        pruned += on_pool!(&self.store, pool => sqlx::query("DELETE FROM used_partner_tokens WHERE expires_at <= $1").bind(now).execute(pool).await.map(|done| done.rows_affected()))?;
        pruned += on_pool!(&self.store, pool => sqlx::query("DELETE FROM otp_codes WHERE expires_at <= $1 AND sends_since <= $2 AND attempts_since <= $3")
            .bind(now)
            .bind(now - DAY_MS)
            .bind(now - millis(self.limits.attempt_window))
            .execute(pool).await.map(|done| done.rows_affected()))?;
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.retain(|_, cached| cached.session.expires_at > now);
        }
        Ok(pruned)
    }
}

/// Forgets ended sessions, in this order: a read that began before the count is not cached
/// (`Identity::session`), and what an earlier read cached is removed.
fn forget_signed_out(sessions: &Mutex<HashMap<String, CachedSession>>, sign_outs: &AtomicU64, signed_out: &SignedOut) {
    sign_outs.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut sessions) = sessions.lock() {
        match signed_out {
            SignedOut::Session(hash) => {
                sessions.remove(hash);
            }
            SignedOut::Account(resident) => sessions.retain(|_, cached| cached.session.resident != *resident),
        }
    }
}

/// The allowlists as last read: `<dir>/<list>.txt`, one phone number a line, `#` comments. A
/// deployment replaces these files with the lists the organisers hand over; the service reads
/// them again when they change, so a removal takes effect without a restart.
pub struct Allowlists {
    dir: PathBuf,
    seen: HashMap<PathBuf, (SystemTime, u64)>,
}

impl Allowlists {
    pub fn new(dir: &Path) -> Allowlists {
        Allowlists { dir: dir.to_owned(), seen: HashMap::new() }
    }

    /// Reads every list whose file changed (or vanished) since the last call into the database.
    /// Returns how many numbers the lists read now hold.
    pub async fn refresh(&mut self, pool: &Store, key: &DigestKey) -> Result<usize, crate::StartError> {
        let mut files = HashMap::new();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "txt")
                    && let Ok(metadata) = entry.metadata()
                {
                    files.insert(path, (metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH), metadata.len()));
                }
            }
        }
        let mut loaded = 0;
        for (path, stamp) in &files {
            if self.seen.get(path) == Some(stamp) {
                continue;
            }
            loaded += replace_list(pool, key, path).await?;
        }
        for gone in self.seen.keys().filter(|path| !files.contains_key(*path)) {
            if let Some(list) = list_name(gone) {
                on_pool!(pool, pool => sqlx::query("DELETE FROM allowlist_entries WHERE list = $1")
                    .bind(list)
                    .execute(pool).await.map(|done| done.rows_affected()))
                .map_err(|source| crate::StartError::Data { path: gone.clone(), detail: source.to_string() })?;
                tracing::info!(list, "allowlist removed: its file is gone");
            }
        }
        self.seen = files;
        Ok(loaded)
    }
}

fn list_name(path: &Path) -> Option<&str> {
    path.file_stem().and_then(|stem| stem.to_str())
}

/// Replaces one list's entries with its file's, in one transaction.
async fn replace_list(pool: &Store, key: &DigestKey, path: &Path) -> Result<usize, crate::StartError> {
    let data_error = |detail: String| crate::StartError::Data { path: path.to_owned(), detail };
    let Some(list) = list_name(path) else { return Ok(0) };
    let text = std::fs::read_to_string(path).map_err(|source| data_error(source.to_string()))?;
    let mut keys = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let phone = Identifier::Phone(line.to_owned()).normalized().map_err(|error| data_error(format!("line {}: {error}", number + 1)))?;
        keys.push(key.digest(&phone.key()));
    }
    let replaced = on_pool!(pool, pool => async {
        // Its first statement writes, so SQLite takes the write lock at once (no upgrade to fail).
        let mut transaction = pool.begin().await?;
        sqlx::query("DELETE FROM allowlist_entries WHERE list = $1").bind(list).execute(&mut *transaction).await?;
        for phone_key in &keys {
            sqlx::query("INSERT INTO allowlist_entries (list, identifier_key) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(list)
                .bind(phone_key)
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await
    }
    .await);
    replaced.map_err(|source: sqlx::Error| data_error(source.to_string()))?;
    tracing::info!(list, numbers = keys.len(), "allowlist read");
    Ok(keys.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> PartnerClaims {
        PartnerClaims { exp, ..PartnerClaims::verified("jd", "u-1", 0) }
    }

    #[test]
    fn partner_tokens_are_checked_for_signature_audience_expiry_and_lifetime() {
        let secrets: PartnerSecrets = "jd=0123456789abcdef0123".parse().expect("valid");
        let secret = b"0123456789abcdef0123";
        let now_ms = 1_700_000_000_000;
        let lifetime = Duration::from_secs(900);
        let good = sign_partner_token(secret, &claims(1_700_000_100));
        assert_eq!(secrets.verify(&good, now_ms, lifetime).expect("valid").account, "u-1");
        assert!(matches!(secrets.verify(&good, 1_700_000_100_000, lifetime), Err(IdentityError::TokenExpired)));
        // A token valid for a year is a password in a link: refused.
        let long = sign_partner_token(secret, &claims(1_700_000_000 + 365 * 86_400));
        assert!(matches!(secrets.verify(&long, now_ms, lifetime), Err(IdentityError::TokenLifetimeTooLong { max_s: 900 })));
        let forged = sign_partner_token(b"not-the-secret-at-all", &claims(1_700_000_100));
        assert!(matches!(secrets.verify(&forged, now_ms, lifetime), Err(IdentityError::BadSignature)));
        let mut elsewhere = claims(1_700_000_100);
        elsewhere.aud = "another-app".into();
        assert!(matches!(secrets.verify(&sign_partner_token(secret, &elsewhere), now_ms, lifetime), Err(IdentityError::WrongAudience)));
        let mut stranger = claims(1_700_000_100);
        stranger.partner = "nobody".into();
        assert!(matches!(secrets.verify(&sign_partner_token(secret, &stranger), now_ms, lifetime), Err(IdentityError::UnknownPartner(_))));
        let mut anonymous = claims(1_700_000_100);
        anonymous.jti = String::new();
        assert!(matches!(secrets.verify(&sign_partner_token(secret, &anonymous), now_ms, lifetime), Err(IdentityError::MalformedToken)));
        assert!(matches!(secrets.verify("garbage", now_ms, lifetime), Err(IdentityError::MalformedToken)));
        assert!("jd=short".parse::<PartnerSecrets>().is_err());
        assert!("app=0123456789abcdef0123".parse::<PartnerSecrets>().is_err(), "the app's own namespace is no partner's");
    }
}
