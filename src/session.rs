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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// A session as kept on the device: the service's answer, and how it was made. (Flattened, so
/// the stored JSON is still the service's `SignedIn` with one more field.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptSession {
    #[serde(flatten)]
    pub signed_in: SignedIn,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_in_as: Option<SignedInAs>,
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
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(&kept)) {
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
        .and_then(|json| serde_json::from_str::<KeptSession>(&json).ok());
    let session = Session { kept: RwSignal::new(stored) };
    provide_context(session);
    session
}

/// The session; a component mounted alone gets an empty one.
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| Session { kept: RwSignal::new(None) })
}

/// A partner app opens the page as `…#partner_token=<token>`: sign in with it, then take it out
/// of the address so it is neither bookmarked nor shared.
pub fn sign_in_from_partner_link(session: Session) {
    let location = window().location();
    let Ok(hash) = location.hash() else { return };
    let Some(token) = hash.strip_prefix("#partner_token=").map(str::to_owned) else { return };
    if let (Ok(history), Ok(path), Ok(search)) = (window().history(), location.pathname(), location.search()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
    spawn_scoped(async move {
        if let Ok(signed_in) = api::partner_sign_in(&token).await {
            session.set(signed_in, None);
        }
    });
}
