//! Signing in: a phone and a one-time code, or a partner app's signed token.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde::Deserialize;

use super::extract::ApiJson;
use crate::{AppState, Problem, identity::IdentityError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub phone: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSignIn {
    pub phone: String,
    pub code: String,
    /// An id the app keeps for this device (the "same user" rule counts devices).
    #[serde(default)]
    pub device: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerSignIn {
    pub token: String,
}

pub(crate) fn identity_problem(error: IdentityError) -> Problem {
    match error {
        IdentityError::Unauthenticated => Problem::unauthenticated(error.to_string()),
        IdentityError::BadIdentifier(_) => Problem::unprocessable("invalid_identifier", error.to_string()),
        IdentityError::WrongCode => Problem::new(StatusCode::UNAUTHORIZED, "wrong_code", "Wrong or expired code", error.to_string()),
        IdentityError::CodeTooSoon { retry_after_s } => Problem::rate_limited(retry_after_s, &error.to_string()),
        IdentityError::NoSmsGateway => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "sms_unavailable", "No text messages", error.to_string()),
        IdentityError::MalformedToken
        | IdentityError::UnknownPartner(_)
        | IdentityError::BadSignature
        | IdentityError::TokenExpired
        | IdentityError::WrongAudience => Problem::new(StatusCode::UNAUTHORIZED, "invalid_partner_token", "Partner token refused", error.to_string()),
        IdentityError::Database(_) | IdentityError::Ledger(_) => {
            tracing::error!(%error, "sign-in failed");
            Problem::busy("could not sign in; try again")
        }
    }
}

pub async fn send_code(State(state): State<AppState>, ApiJson(body): ApiJson<CodeRequest>) -> Result<impl IntoResponse, Problem> {
    state.identity.send_code(&body.phone).await.map_err(identity_problem)?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "expires_in_s": 300 }))))
}

pub async fn sign_in(State(state): State<AppState>, ApiJson(body): ApiJson<CodeSignIn>) -> Result<impl IntoResponse, Problem> {
    let signed_in = state.identity.sign_in_with_code(&body.phone, &body.code, body.device.as_deref()).await.map_err(identity_problem)?;
    Ok((StatusCode::CREATED, Json(signed_in)))
}

pub async fn partner(State(state): State<AppState>, ApiJson(body): ApiJson<PartnerSignIn>) -> Result<impl IntoResponse, Problem> {
    let signed_in = state.identity.sign_in_with_partner(&body.token).await.map_err(identity_problem)?;
    Ok((StatusCode::CREATED, Json(signed_in)))
}
