//! Errors as RFC 9457 problem details, each with a stable machine code the app maps to words.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use huiquan_core::api::ProblemDetails;

/// A refusal or failure, as the client will see it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// Boxed: a `Result<_, Problem>` stays small on the happy path.
    pub details: Box<ProblemDetails>,
    /// Seconds, sent as Retry-After (429, 503).
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem { status, details: Box::new(ProblemDetails::new(status.as_u16(), code, title, detail)), retry_after: None }
    }

    /// A refusal by the rules (see [`ProblemDetails::refusal`]).
    pub fn refusal<R: serde::Serialize>(status: StatusCode, code: &str, title: &str, detail: impl Into<String>, refusal: &R) -> Problem {
        Problem { status, details: Box::new(ProblemDetails::refusal(status.as_u16(), code, title, detail, refusal)), retry_after: None }
    }

    pub fn rate_limited(retry_after_s: u64, detail: &str) -> Problem {
        let mut problem = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests", detail);
        problem.retry_after = Some(retry_after_s);
        problem
    }

    /// 429 with its own code: a limit that is not the request rate (codes per day, attempts).
    pub fn too_many(code: &str, retry_after_s: u64, detail: &str) -> Problem {
        let mut problem = Problem::new(StatusCode::TOO_MANY_REQUESTS, code, "Too many tries", detail);
        problem.retry_after = Some(retry_after_s);
        problem
    }

    pub fn bad_request(code: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    pub fn unprocessable(code: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, "Request refused", detail)
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Sign-in needed", detail)
    }

    /// The service could not finish the request; nothing was written. Retry shortly.
    pub fn busy(detail: impl Into<String>) -> Problem {
        let mut problem = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Busy, try again", detail);
        problem.retry_after = Some(1);
        problem
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found", "No such resource", detail)
    }

    pub fn unknown_campaign(id: &str) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "unknown_campaign", "No such campaign", format!("there is no campaign with the id {id:?}"))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.details).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
