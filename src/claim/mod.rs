//! One tap, one claim: [`use_claim`] sends it with an Idempotency-Key kept on the device, retries
//! a busy service with backoff and jitter (never sooner than its Retry-After), and resumes an
//! attempt a reload or a killed webview interrupted, so a resident never claims twice by accident.

mod flow;
mod words;

pub use flow::{ClaimAnswer, ClaimPhase, after_answer};
pub use words::{claim_words, refusal_words};

use huiquan_core::{Fix, retry::Backoff};
use leptos::prelude::*;

use crate::{
    api,
    clock::{phone_now_ms, use_server_clock},
    scoped::{sleep_ms, spawn_owned},
    session::{random_id, use_session},
};

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

const ATTEMPT_KEY_PREFIX: &str = "huiquan.claim.";

/// Where the attempt is kept until it is settled.
pub fn attempt_storage_key(campaign: &str, offer: &str) -> String {
    format!("{ATTEMPT_KEY_PREFIX}{campaign}.{offer}")
}

/// An attempt as kept on the device: its key, and the position and store code it was made with,
/// so that a resumed attempt is the same request even before the resident shares their position
/// again (the service refuses a key sent with another request).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeptAttempt {
    pub idempotency_key: String,
    #[serde(with = "kept_fix")]
    pub fix: Option<Fix>,
    #[serde(default)]
    pub store: Option<String>,
    /// 代领: the relative the claim is for.
    #[serde(default)]
    pub for_resident: Option<i64>,
}

/// A kept attempt's fix, written as its three numbers' bits: read back, it is exactly the fix
/// that was sent, and reading it needs no decimal reader of floats (core's `dec2flt`, whose
/// tables were 10 KB of the first visit for this one read). An attempt kept in the earlier
/// form (decimals) reads as none kept, and the next tap makes a new one.
mod kept_fix {
    use huiquan_core::Fix;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct FixBits {
        latitude: u64,
        longitude: u64,
        accuracy: u64,
    }

    pub fn serialize<S: Serializer>(fix: &Option<Fix>, serializer: S) -> Result<S::Ok, S::Error> {
        fix.map(|fix| FixBits {
            latitude: fix.latitude().to_bits(),
            longitude: fix.longitude().to_bits(),
            accuracy: fix.accuracy_m().to_bits(),
        })
        .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Fix>, D::Error> {
        let Some(bits) = Option::<FixBits>::deserialize(deserializer)? else { return Ok(None) };
        Fix::new(f64::from_bits(bits.latitude), f64::from_bits(bits.longitude), f64::from_bits(bits.accuracy))
            .map(Some)
            .map_err(|_| serde::de::Error::custom("not a fix"))
    }
}

/// A store claim code as typed or scanned (`sy-00008.K7QX 2M9D`), as the service reads it: no
/// spaces, the store's id in lower case; `None` unless core's rule reads a store and a code.
pub fn store_claim_code(text: &str) -> Option<String> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (store, code) = huiquan_core::api::parse_store_code(&text)?;
    Some(format!("{}.{code}", store.to_ascii_lowercase()))
}

fn kept(name: &str) -> Option<KeptAttempt> {
    let text = storage()?.get_item(name).ok().flatten()?;
    crate::json::from_str(&text).ok()
}

/// Forgets every claim attempt kept on the device (its resident signed out, or someone else
/// signed in: an attempt is never resumed for anyone but the resident who tapped).
pub fn forget_kept_attempts() {
    let Some(storage) = storage() else { return };
    let count = storage.length().unwrap_or(0);
    let names: Vec<String> =
        (0..count).filter_map(|index| storage.key(index).ok().flatten()).filter(|name| name.starts_with(ATTEMPT_KEY_PREFIX)).collect();
    for name in names {
        let _ = storage.remove_item(&name);
    }
}

/// What [`use_claim`] returns.
#[derive(Clone, Copy)]
pub struct UseClaimReturn {
    pub phase: RwSignal<ClaimPhase>,
    /// Claims (or resumes the kept attempt) with the fix and, in a store, the store's claim code.
    pub claim: Callback<(Option<Fix>, Option<String>)>,
    /// Stops retrying; the attempt is kept for the next tap.
    pub stop: Callback<()>,
}

/// The claim of one offer. If an attempt of this offer is kept on the device, it is resumed at
/// once, as it was made. The attempt's requests and waits end with the current owner (the page);
/// the attempt stays kept, so the page opened again resumes it.
pub fn use_claim(campaign: String, offer: String, backoff: Backoff) -> UseClaimReturn {
    let phase = RwSignal::new(ClaimPhase::Ready);
    let session = use_session();
    let clock = use_server_clock();
    // Taps and the resume below run outside the reactive tree: the task is scoped to this owner.
    let owner = Owner::current();
    let key_name = attempt_storage_key(&campaign, &offer);
    let claiming_for = crate::family::use_claiming_for();
    let run = {
        let (campaign, offer, key_name) = (campaign.clone(), offer.clone(), key_name.clone());
        move |(fix, store): (Option<Fix>, Option<String>)| {
            if phase.with_untracked(ClaimPhase::in_flight) {
                return; // No double submit, whatever the button's state.
            }
            let Some(token) = session.token(clock.now_ms()) else {
                phase.set(ClaimPhase::Failed { code: "unauthenticated".to_owned() });
                return;
            };
            // The kept attempt, or a new one kept before it is sent.
            let KeptAttempt { idempotency_key, fix, store, for_resident } = kept(&key_name).unwrap_or_else(|| {
                let for_resident = claiming_for.relative_untracked(session.resident_untracked()).map(|relative| relative.resident);
                let attempt = KeptAttempt { idempotency_key: random_id(), fix, store, for_resident };
                if let (Some(storage), Some(json)) = (storage(), crate::json::to_string(&attempt)) {
                    let _ = storage.set_item(&key_name, &json);
                }
                attempt
            });
            let (campaign, offer, key_name) = (campaign.clone(), offer.clone(), key_name.clone());
            let resident = session.resident_untracked();
            // Signed out, or someone else signed in, meanwhile: the attempt went with its resident.
            let still_theirs = move || session.resident_untracked() == resident;
            phase.set(ClaimPhase::Sending { retry: 0 });
            spawn_owned(owner.as_ref(), async move {
                let mut retry = 0;
                loop {
                    phase.set(ClaimPhase::Sending { retry });
                    let answer = api::claim(&campaign, &offer, &idempotency_key, &token, fix, store.clone(), for_resident).await;
                    if !still_theirs() {
                        return;
                    }
                    let signed_out = matches!(answer, ClaimAnswer::Problem { status: 401, .. });
                    let next = after_answer(retry, answer, &backoff, js_sys::Math::random(), phone_now_ms());
                    if let ClaimPhase::Waiting { retry: next_retry, at_ms, .. } = next {
                        phase.set(next);
                        sleep_ms(at_ms - phone_now_ms()).await;
                        if !still_theirs() || !matches!(phase.get_untracked(), ClaimPhase::Waiting { .. }) {
                            return; // Stopped meanwhile.
                        }
                        retry = next_retry;
                        continue;
                    }
                    if next.settled()
                        && let Some(storage) = storage()
                    {
                        let _ = storage.remove_item(&key_name);
                    }
                    phase.set(next);
                    if signed_out {
                        // The service no longer knows the session: forget it and what it kept.
                        session.clear();
                    }
                    return;
                }
            });
        }
    };
    // An attempt a reload interrupted is resumed, not made again.
    if kept(&key_name).is_some() && session.is_signed_in(clock.now_ms()) {
        let run = run.clone();
        if let Ok(frame) = request_animation_frame_with_handle(move || run((None, None))) {
            // Gone before the next frame: nothing to resume here.
            on_cleanup(move || frame.cancel());
        }
    }
    // A receipt (its voucher codes) or a refusal is the resident's own: gone when they are.
    Effect::new(move |shown_for: Option<Option<i64>>| {
        let resident = session.resident();
        if shown_for.is_some_and(|shown_for| shown_for != resident) {
            phase.set(ClaimPhase::Ready);
        }
        resident
    });
    let stop = Callback::new(move |()| {
        if matches!(phase.get_untracked(), ClaimPhase::Waiting { .. }) {
            phase.set(ClaimPhase::Stopped);
        }
    });
    UseClaimReturn { phase, claim: Callback::new(run), stop }
}

#[cfg(test)]
mod tests {
    use super::KeptAttempt;
    use huiquan_core::Fix;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_kept_attempt_reads_back_with_exactly_its_fix() {
        // Decimals that no short decimal writes exactly: the bits must come back as they were.
        let fix = Fix::new(39.084_158_123_456_79, 117.200_983_000_000_01, 0.1 + 0.2).expect("a fix");
        let attempt =
            KeptAttempt { idempotency_key: "k".into(), fix: Some(fix), store: Some("sy-00008.K7QX2M9D".into()), for_resident: Some(7) };
        let kept = crate::json::to_string(&attempt).expect("written");
        assert_eq!(crate::json::from_str::<KeptAttempt>(&kept).expect("read"), attempt);
        let without = KeptAttempt { fix: None, store: None, for_resident: None, ..attempt };
        assert_eq!(crate::json::from_str::<KeptAttempt>(&crate::json::to_string(&without).expect("written")).expect("read"), without);
    }

    #[wasm_bindgen_test]
    fn a_kept_fix_out_of_range_or_in_the_earlier_form_is_no_attempt() {
        let bits = |value: f64| value.to_bits();
        let out_of_range = format!(
            r#"{{"idempotency_key":"k","fix":{{"latitude":{},"longitude":{},"accuracy":{}}}}}"#,
            bits(91.0),
            bits(117.0),
            bits(5.0)
        );
        assert!(crate::json::from_str::<KeptAttempt>(&out_of_range).is_err());
        let decimals = r#"{"idempotency_key":"k","fix":{"latitude":39.08,"longitude":117.2,"accuracy":5.0}}"#;
        assert!(crate::json::from_str::<KeptAttempt>(decimals).is_err());
    }
}
