//! The resident's session on this device, and the device's own id (the "same user" rule counts
//! devices). Both live in local storage; private browsing may refuse it, and then the session
//! lasts as long as the page.

use huiquan_core::api::SignedIn;
use leptos::prelude::*;

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

/// The signed-in resident, shared through context.
#[derive(Clone, Copy, Debug)]
pub struct Session {
    signed_in: RwSignal<Option<SignedIn>>,
}

impl Session {
    /// The token, while the session has not expired (tracked).
    pub fn token(&self, now_ms: i64) -> Option<String> {
        self.signed_in.with(|signed_in| signed_in.as_ref().filter(|s| s.expires_at_ms > now_ms).map(|s| s.token.clone()))
    }

    pub fn is_signed_in(&self, now_ms: i64) -> bool {
        self.token(now_ms).is_some()
    }

    /// Keeps a new sign-in (and remembers it on the device).
    pub fn set(&self, signed_in: SignedIn) {
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(&signed_in)) {
            let _ = storage.set_item(SESSION_KEY, &json);
        }
        self.signed_in.set(Some(signed_in));
    }

    /// Forgets the session (the service said it is no longer valid).
    pub fn clear(&self) {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(SESSION_KEY);
        }
        self.signed_in.set(None);
    }
}

/// Provides the session stored on this device (if any) to everything inside.
pub fn provide_session() -> Session {
    let stored = storage()
        .and_then(|storage| storage.get_item(SESSION_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str::<SignedIn>(&json).ok());
    let session = Session { signed_in: RwSignal::new(stored) };
    provide_context(session);
    session
}

/// The session; a component mounted alone gets an empty one.
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| Session { signed_in: RwSignal::new(None) })
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
            session.set(signed_in);
        }
    });
}
