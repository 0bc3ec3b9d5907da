//! Extractors that turn bad input into problem+json: a JSON body, the signed-in resident.

use axum::{
    extract::{FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::{StatusCode, header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{AppState, Problem, identity::Session};

/// A JSON body; malformed, mistyped or oversized bodies are refused with problem+json and a
/// stable code before anything is read or written.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "JSON expected",
                    "send the body as application/json",
                ),
                JsonRejection::JsonSyntaxError(error) => Problem::bad_request("malformed_json", error.body_text()),
                JsonRejection::JsonDataError(error) => Problem::unprocessable("invalid_body", error.body_text()),
                JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "Request too large", error.body_text())
                }
                other => Problem::bad_request("bad_request", other.body_text()),
            }),
        }
    }
}

/// The bearer token itself (`Authorization: Bearer <token>`), for signing out.
pub struct BearerToken(pub String);

fn bearer_token(parts: &Parts) -> Result<String, Problem> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Problem::unauthenticated("send Authorization: Bearer <token> from a sign-in"))
}

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        bearer_token(parts).map(BearerToken)
    }
}

/// The signed-in resident (`Authorization: Bearer <token>`).
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = bearer_token(parts)?;
        match state.identity.session(&token).await {
            Ok(session) => Ok(SignedIn(session)),
            Err(crate::identity::IdentityError::Unauthenticated) => Err(Problem::unauthenticated("the session is unknown or has expired")),
            Err(error) => {
                tracing::error!(%error, "session lookup failed");
                Err(Problem::busy("could not check the session"))
            }
        }
    }
}
