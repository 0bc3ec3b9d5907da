//! The claim as a state machine, pure so every path is tested: what the button shows, and what
//! happens after each answer of the service.

use huiquan_core::{
    Refusal,
    api::{ClaimReceipt, ProblemCode},
    retry::{Backoff, is_retryable},
};

/// Where one claim stands.
#[derive(Clone, Debug, PartialEq)]
pub enum ClaimPhase {
    /// Nothing under way: the button claims.
    Ready,
    /// A request is on its way (the button is disabled: no double submit).
    Sending { retry: u32 },
    /// The service was busy or the network failed: trying again at `at_ms` (phone time) with
    /// the same Idempotency-Key, unless the resident stops.
    Waiting { retry: u32, at_ms: f64, busy: bool },
    /// The resident stopped retrying. The attempt is kept: the next tap resumes it.
    Stopped,
    /// Claimed: the vouchers.
    Claimed(ClaimReceipt),
    /// A rule refused the claim; the words say which and what to do.
    Refused(Refusal),
    /// The service refused for another reason, by its stable code (`unauthenticated`,
    /// `rate_limited` once retries are used up, …).
    Failed { code: String },
}

impl ClaimPhase {
    /// Whether a request is under way or planned: the button must not send another.
    pub fn in_flight(&self) -> bool {
        matches!(self, ClaimPhase::Sending { .. } | ClaimPhase::Waiting { .. })
    }

    /// Whether the attempt (its Idempotency-Key) is finished with: a new tap is a new claim.
    pub fn settled(&self) -> bool {
        matches!(self, ClaimPhase::Claimed(_) | ClaimPhase::Refused(_) | ClaimPhase::Failed { .. })
    }
}

/// What came back from `POST …/claims`.
#[derive(Clone, Debug, PartialEq)]
pub enum ClaimAnswer {
    Claimed(ClaimReceipt),
    Problem {
        status: u16,
        /// The problem+json body as the service sent it (empty if none could be read).
        body: String,
        retry_after_s: Option<u64>,
    },
    /// No answer at all (offline, reset, timeout).
    Network,
}

/// The phase after `answer` to attempt number `retry` (0 for the first send). `unit` is a
/// random number in [0, 1) for the jitter; `now_ms` the phone's clock.
pub fn after_answer(retry: u32, answer: ClaimAnswer, backoff: &Backoff, unit: f64, now_ms: f64) -> ClaimPhase {
    let wait = |retry_after_s: Option<u64>, busy: bool| match backoff.wait_ms(retry, retry_after_s.map(|s| s.saturating_mul(1_000)), unit) {
        Some(wait_ms) => ClaimPhase::Waiting { retry: retry + 1, at_ms: now_ms + wait_ms as f64, busy },
        None => ClaimPhase::Failed { code: if busy { "busy".to_owned() } else { "network".to_owned() } },
    };
    match answer {
        ClaimAnswer::Claimed(receipt) => ClaimPhase::Claimed(receipt),
        ClaimAnswer::Network => wait(None, false),
        ClaimAnswer::Problem { status, retry_after_s, .. } if is_retryable(status) => wait(retry_after_s, true),
        ClaimAnswer::Problem { status, body, .. } => {
            // A rule's refusal is the problem's code with its fields (when the next release
            // is …): read from the body as core's `Refusal`, so the words cover every rule and
            // nothing else. (Read from the text, not through a `serde_json::Value`: 1 KB less.)
            if let Ok(refusal) = crate::json::from_str::<Refusal>(&body) {
                ClaimPhase::Refused(refusal)
            } else if let Ok(problem) = crate::json::from_str::<ProblemCode>(&body) {
                ClaimPhase::Failed { code: problem.code }
            } else {
                ClaimPhase::Failed { code: format!("http_{status}") }
            }
        }
    }
}
