//! The resident's session on this device, and the device's own id (the "same user" rule counts
//! devices). Both live in local storage; private browsing may refuse it, and then the session
//! lasts as long as the page.
//!
//! What the device keeps of a resident (the wallet, claim attempts under way) belongs to the
//! resident signed in: it goes when they sign out, when the service says the session is no longer
//! valid, and when someone else signs in.

use huiquan_core::api::SignedIn;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{api, scoped::spawn_scoped};

const SESSION_KEY: &str = "huiquan.session";
const DEVICE_KEY: &str = "huiquan.device";

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// A random id, from the browser's cryptographic generator.
pub fn random_id() -> String {
    window().crypto().map(|crypto| crypto.random_uuid()).unwrap_or_else(|_| format!("{:016x}", (js_sys::Math::random() * 1e16) as u64))
}

/// This device's id, made once and kept.
pub fn device_id() -> String {
    let stored = storage().and_then(|storage| storage.get_item(DEVICE_KEY).ok().flatten());
    stored.unwrap_or_else(|| {
        let id = random_id();
        if let Some(storage) = storage() {
            let _ = storage.set_item(DEVICE_KEY, &id);
        }
        id
    })
}

/// How the resident signed in, as they would recognise it ("signed in as …").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignedInAs {
    /// With a mobile number, kept masked (`138****8000`).
    Phone { masked: String },
    /// Through a partner app's link: the partner and the account the token named.
    Partner { partner: String, account: String },
}

/// `13800138000` → `138****8000`: enough for its owner to recognise, not enough to reuse.
pub fn masked_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    if digits.len() < 8 {
        return "*".repeat(digits.len());
    }
    let (head, tail) = (&digits[..3], &digits[digits.len() - 4..]);
    format!("{}{}{}", head.iter().collect::<String>(), "*".repeat(digits.len() - 7), tail.iter().collect::<String>())
}

/// A session as kept on the device: the service's answer, and how it was made. Kept flat, as the
/// service's `SignedIn` with one more field, and read without serde's `flatten` and internal tags,
/// which buffer everything (their decoder was 10 KB of the wasm).
#[derive(Clone, Debug, PartialEq)]
pub struct KeptSession {
    pub signed_in: SignedIn,
    pub signed_in_as: Option<SignedInAs>,
}

/// [`KeptSession`] as stored: every field at the top, `signed_in_as` with its `kind`.
#[derive(Serialize, Deserialize)]
struct KeptSessionWire {
    token: String,
    resident: i64,
    expires_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed_in_as: Option<SignedInAsWire>,
}

#[derive(Serialize, Deserialize)]
struct SignedInAsWire {
    kind: SignedInAsKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    masked: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<String>,
}

#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum SignedInAsKind {
    Phone,
    Partner,
}

/// Read through core's one reader of unit variants (a derived reader is 1 KB of wasm).
impl<'de> Deserialize<'de> for SignedInAsKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok([SignedInAsKind::Phone, SignedInAsKind::Partner][huiquan_core::variant_index(deserializer, &["phone", "partner"])?])
    }
}

impl Serialize for KeptSession {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let SignedIn { token, resident, expires_at_ms } = self.signed_in.clone();
        let signed_in_as = self.signed_in_as.clone().map(|how| match how {
            SignedInAs::Phone { masked } => {
                SignedInAsWire { kind: SignedInAsKind::Phone, masked: Some(masked), partner: None, account: None }
            }
            SignedInAs::Partner { partner, account } => {
                SignedInAsWire { kind: SignedInAsKind::Partner, masked: None, partner: Some(partner), account: Some(account) }
            }
        });
        KeptSessionWire { token, resident, expires_at_ms, signed_in_as }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for KeptSession {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<KeptSession, D::Error> {
        let wire = KeptSessionWire::deserialize(deserializer)?;
        let signed_in_as = match wire.signed_in_as {
            None => None,
            Some(SignedInAsWire { kind: SignedInAsKind::Phone, masked: Some(masked), .. }) => Some(SignedInAs::Phone { masked }),
            Some(SignedInAsWire { kind: SignedInAsKind::Partner, partner: Some(partner), account: Some(account), .. }) => {
                Some(SignedInAs::Partner { partner, account })
            }
            Some(_) => return Err(serde::de::Error::custom("signed_in_as lacks a field of its kind")),
        };
        Ok(KeptSession {
            signed_in: SignedIn { token: wire.token, resident: wire.resident, expires_at_ms: wire.expires_at_ms },
            signed_in_as,
        })
    }
}

/// The signed-in resident, shared through context.
#[derive(Clone, Copy, Debug)]
pub struct Session {
    kept: RwSignal<Option<KeptSession>>,
}

impl Session {
    /// The token, while the session has not expired (tracked).
    pub fn token(&self, now_ms: i64) -> Option<String> {
        self.signed_in(now_ms).map(|signed_in| signed_in.token)
    }

    /// The service's sign-in, while it has not expired (tracked).
    pub fn signed_in(&self, now_ms: i64) -> Option<SignedIn> {
        self.kept.with(|kept| kept.as_ref().map(|kept| &kept.signed_in).filter(|s| s.expires_at_ms > now_ms).cloned())
    }

    pub fn is_signed_in(&self, now_ms: i64) -> bool {
        self.signed_in(now_ms).is_some()
    }

    /// The resident whose session this is, expired or not (tracked): what the device keeps
    /// belongs to them until someone else signs in.
    pub fn resident(&self) -> Option<i64> {
        self.kept.with(|kept| kept.as_ref().map(|kept| kept.signed_in.resident))
    }

    /// [`Session::resident`], not tracked.
    pub fn resident_untracked(&self) -> Option<i64> {
        self.kept.with_untracked(|kept| kept.as_ref().map(|kept| kept.signed_in.resident))
    }

    /// How the resident signed in, when known (tracked).
    pub fn signed_in_as(&self) -> Option<SignedInAs> {
        self.kept.with(|kept| kept.as_ref().and_then(|kept| kept.signed_in_as.clone()))
    }

    /// Keeps a new sign-in (and remembers it on the device). Another resident's kept wallet and
    /// claim attempts go first: nothing of theirs is ever shown to this one.
    pub fn set(&self, signed_in: SignedIn, signed_in_as: Option<SignedInAs>) {
        let previous = self.kept.with_untracked(|kept| kept.as_ref().map(|kept| kept.signed_in.resident));
        if previous != Some(signed_in.resident) {
            forget_resident_data();
        }
        let kept = KeptSession { signed_in, signed_in_as };
        if let (Some(storage), Some(json)) = (storage(), crate::json::to_string(&kept)) {
            let _ = storage.set_item(SESSION_KEY, &json);
        }
        self.kept.set(Some(kept));
    }

    /// Forgets the session and everything kept for its resident (signed out, or the service
    /// answered 401: the session is no longer valid).
    pub fn clear(&self) {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(SESSION_KEY);
        }
        forget_resident_data();
        self.kept.try_set(None);
    }

    /// Clears the session when `error` is the service saying it is no longer valid (401 to a call
    /// made with its token). Returns whether it did.
    pub fn clear_if_refused(&self, error: &api::ApiError) -> bool {
        let refused = matches!(error, api::ApiError::Refused { status: 401, .. });
        if refused {
            self.clear();
        }
        refused
    }

    /// Signs out: ends the session on the service (`DELETE /api/v1/sessions/current`), then
    /// forgets it here. It is forgotten here even when the service cannot be reached, since the
    /// resident asked to leave this device; the service's copy then simply expires.
    pub async fn sign_out(&self, now_ms: i64) {
        if let Some(token) = self.token(now_ms) {
            let _ = api::sign_out(&token).await;
        }
        self.clear();
    }
}

/// Removes what the device keeps for the signed-in resident: the wallet and claim attempts.
fn forget_resident_data() {
    crate::wallet::forget();
    crate::claim::forget_kept_attempts();
}

/// Provides the session stored on this device (if any) to everything inside.
pub fn provide_session() -> Session {
    let stored = storage()
        .and_then(|storage| storage.get_item(SESSION_KEY).ok().flatten())
        .and_then(|json| crate::json::from_str::<KeptSession>(&json).ok());
    let session = Session { kept: RwSignal::new(stored) };
    provide_context(session);
    session
}

/// The session; a component mounted alone gets an empty one.
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| Session { kept: RwSignal::new(None) })
}

/// A partner link that arrived while a resident was signed in on this device: held in memory
/// (never in storage, never in the address) until the resident chooses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerSwitch {
    pub token: String,
    /// Who the token says it is from and for: read without verifying (the service verifies).
    pub claims: PartnerTokenClaims,
}

/// The parts of a partner token's claims the app reads before the service has verified it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PartnerTokenClaims {
    pub partner: String,
    #[serde(default)]
    pub account: String,
}

/// The claims in a partner token's first segment (`base64url(json) "." signature`), unverified.
pub fn partner_token_claims(token: &str) -> Option<PartnerTokenClaims> {
    let payload = token.split('.').next()?;
    let json = base64url_decode(payload)?;
    // Read as text: `from_slice` would link serde_json's second reader (9 KB of raw wasm).
    let claims: PartnerTokenClaims = crate::json::from_str(std::str::from_utf8(&json).ok()?).ok()?;
    // Shown to the resident: a name, not a paragraph, and no control characters.
    let readable = !claims.partner.is_empty() && claims.partner.chars().count() <= 40 && !claims.partner.chars().any(char::is_control);
    readable.then_some(claims)
}

/// Base64url without padding (padding tolerated), as RFC 7515 writes it.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0_u32, 0_u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // One character left over cannot be a whole byte.
    (bits < 6).then_some(bytes)
}

/// A partner app opens the page as `…#partner_token=<token>`. The token is taken out of the
/// address at once (so it is neither bookmarked nor shared). With nobody signed in, it signs in;
/// with the same partner account signed in, it renews that session; with anyone else signed in,
/// nothing happens until the resident chooses: the returned signal holds the question (see
/// [`PartnerSwitch`]) for the page to ask.
pub fn sign_in_from_partner_link(session: Session, now_ms: i64) -> RwSignal<Option<PartnerSwitch>> {
    let pending = RwSignal::new(None);
    let location = window().location();
    let Ok(hash) = location.hash() else { return pending };
    let Some(token) = hash.strip_prefix("#partner_token=").map(str::to_owned) else { return pending };
    if let (Ok(history), Ok(path), Ok(search)) = (window().history(), location.pathname(), location.search()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
    partner_token_arrived(session, token, now_ms, pending);
    pending
}

/// A partner's token, from the page's address or handed over by the host app (`host`): signs
/// in, renews, or puts the question of switching accounts into `pending`.
pub fn partner_token_arrived(session: Session, token: String, now_ms: i64, pending: RwSignal<Option<PartnerSwitch>>) {
    let claims = partner_token_claims(&token);
    let signed_in = session.kept.with_untracked(|kept| kept.as_ref().filter(|kept| kept.signed_in.expires_at_ms > now_ms).cloned());
    match (signed_in, claims) {
        // Unreadable: the service would refuse it; whoever is signed in stays.
        (Some(_), None) => {}
        (None, claims) => sign_in_with_partner_token(session, token, claims),
        (Some(kept), Some(claims)) => {
            let same_account =
                kept.signed_in_as == Some(SignedInAs::Partner { partner: claims.partner.clone(), account: claims.account.clone() });
            if same_account {
                sign_in_with_partner_token(session, token, Some(claims));
            } else {
                pending.set(Some(PartnerSwitch { token, claims }));
            }
        }
    }
}

/// Signs in with a partner's token; `Err` is the service's refusal (the token forged, expired…).
pub async fn partner_sign_in(session: Session, token: &str, claims: Option<PartnerTokenClaims>) -> Result<(), api::ApiError> {
    let signed_in = api::partner_sign_in(token).await?;
    let signed_in_as = claims.map(|claims| SignedInAs::Partner { partner: claims.partner, account: claims.account });
    session.set(signed_in, signed_in_as);
    Ok(())
}

fn sign_in_with_partner_token(session: Session, token: String, claims: Option<PartnerTokenClaims>) {
    spawn_scoped(async move {
        let _ = partner_sign_in(session, &token, claims).await;
    });
}
