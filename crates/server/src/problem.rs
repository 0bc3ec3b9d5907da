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
    pub details: ProblemDetails,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem { status, details: ProblemDetails::new(status.as_u16(), code, title, detail) }
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found", "No such resource", detail)
    }

    pub fn unknown_campaign(id: &str) -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "unknown_campaign",
            "No such campaign",
            format!("there is no campaign with the id {id:?}"),
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.details).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}
