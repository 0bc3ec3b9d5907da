//! Signing in: a phone and a one-time code, or a partner app's signed token.

use axum::{Extension, Json, extract::State, http::StatusCode, response::IntoResponse};
use huiquan_core::api::{CodeRequest, CodeSent, CodeSignIn, PartnerSignIn, ProblemDetails, SignedOut};

use crate::identity::SignedIn;

use super::extract::{ApiJson, BearerToken, SignedIn as SignedInResident};
use crate::{
    AppState, Problem,
    identity::{CodePurpose, IdentityError},
    limits::ClientAddress,
};

pub(crate) fn identity_problem(error: IdentityError) -> Problem {
    match error {
        IdentityError::Unauthenticated => Problem::unauthenticated(error.to_string()),
        IdentityError::BadIdentifier(_) => Problem::unprocessable("invalid_identifier", error.to_string()),
        IdentityError::MalformedCode => Problem::unprocessable("invalid_code", error.to_string()),
        IdentityError::WrongCode => Problem::new(StatusCode::UNAUTHORIZED, "wrong_code", "Wrong or expired code", error.to_string()),
        IdentityError::TooManyAttempts { retry_after_s } => {
            Problem::too_many("too_many_attempts", retry_after_s, "too many wrong codes for this phone; try again later")
        }
        IdentityError::CodeTooSoon { retry_after_s } => Problem::rate_limited(retry_after_s, &error.to_string()),
        IdentityError::TooManyCodes { retry_after_s } => Problem::too_many("too_many_codes", retry_after_s, &error.to_string()),
        IdentityError::AddressBudget { retry_after_s } => Problem::rate_limited(retry_after_s, &error.to_string()),
        IdentityError::SmsPaused { retry_after_s } => {
            let mut problem = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "sms_paused", "Text messages paused", error.to_string());
            problem.retry_after = Some(retry_after_s);
            problem
        }
        IdentityError::NoSmsGateway => {
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "sms_unavailable", "No text messages", error.to_string())
        }
        IdentityError::TokenReplayed => {
            Problem::new(StatusCode::UNAUTHORIZED, "partner_token_replayed", "Partner token already used", error.to_string())
        }
        IdentityError::MalformedToken
        | IdentityError::UnknownPartner(_)
        | IdentityError::BadSignature
        | IdentityError::TokenExpired
        | IdentityError::TokenLifetimeTooLong { .. }
        | IdentityError::WrongAudience => {
            Problem::new(StatusCode::UNAUTHORIZED, "invalid_partner_token", "Partner token refused", error.to_string())
        }
        IdentityError::NotLinked => Problem::new(StatusCode::FORBIDDEN, "not_linked", "Not linked", error.to_string()),
        IdentityError::TooManyLinks => Problem::new(StatusCode::CONFLICT, "too_many_links", "Too many links", error.to_string()),
        IdentityError::CannotLinkSelf => Problem::unprocessable("cannot_link_self", error.to_string()),
        IdentityError::Database(_) | IdentityError::SessionsUnread(_) | IdentityError::Ledger(_) => {
            tracing::error!(%error, "sign-in failed");
            Problem::busy("could not sign in; try again")
        }
    }
}

/// Sends a one-time code to a phone (in demo mode, to the service log).
#[utoipa::path(post, path = "/sessions/otp", tag = "sessions", request_body = CodeRequest,
    responses((status = 202, description = "Sent", body = CodeSent), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn send_code(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<impl IntoResponse, Problem> {
    state.identity.send_code(&body.phone, client, CodePurpose::SignIn).await.map_err(identity_problem)?;
    Ok((StatusCode::ACCEPTED, Json(CodeSent { expires_in_s: state.identity.code_valid_s() })))
}

/// Signs in with the phone and its one-time code.
#[utoipa::path(post, path = "/sessions", tag = "sessions", request_body = CodeSignIn,
    responses((status = 201, description = "Signed in", body = SignedIn), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn sign_in(State(state): State<AppState>, ApiJson(body): ApiJson<CodeSignIn>) -> Result<impl IntoResponse, Problem> {
    let signed_in = state.identity.sign_in_with_code(&body.phone, &body.code, body.device.as_deref()).await.map_err(identity_problem)?;
    Ok((StatusCode::CREATED, Json(signed_in)))
}

/// Signs in with a partner app's token (HMAC-signed, with expiry and audience `huiquan`).
#[utoipa::path(post, path = "/sessions/partner", tag = "sessions", request_body = PartnerSignIn,
    responses((status = 201, description = "Signed in", body = SignedIn), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn partner(State(state): State<AppState>, ApiJson(body): ApiJson<PartnerSignIn>) -> Result<impl IntoResponse, Problem> {
    let signed_in = state.identity.sign_in_with_partner(&body.token).await.map_err(identity_problem)?;
    Ok((StatusCode::CREATED, Json(signed_in)))
}

/// Signs out on this device: the session of the bearer token ends at once.
#[utoipa::path(delete, path = "/sessions/current", tag = "sessions", security(("resident" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, description = "No such session (already signed out)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn sign_out(
    State(state): State<AppState>,
    SignedInResident(_): SignedInResident,
    BearerToken(token): BearerToken,
) -> Result<StatusCode, Problem> {
    state.identity.sign_out(&token).await.map_err(identity_problem)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs out everywhere: every session of the resident's account ends (a lost phone).
#[utoipa::path(delete, path = "/sessions", tag = "sessions", security(("resident" = [])),
    responses((status = 200, description = "Every session ended", body = SignedOut), (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedInResident(session): SignedInResident,
) -> Result<Json<SignedOut>, Problem> {
    let sessions_ended = state.identity.sign_out_everywhere(session.resident).await.map_err(identity_problem)?;
    Ok(Json(SignedOut { sessions_ended }))
}
