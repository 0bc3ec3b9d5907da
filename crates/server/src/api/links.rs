//! 代领: a resident links an elderly relative's account and claims and shows vouchers for them.
//! The relative confirms once by reading out a code sent to their phone; either side unlinks.

use axum::{
    Extension, Json,
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use huiquan_core::api::{CodeRequest, CodeSent, LinkRequest, Links, ProblemDetails, ProxyLink};

use super::{
    extract::{ApiJson, SignedIn},
    sessions::identity_problem,
};
use crate::{AppState, Problem, identity::CodePurpose, limits::ClientAddress};

/// Sends the relative's phone a code for linking to the signed-in resident (same limits as a
/// sign-in code). The code links only to this resident and signs no one in.
#[utoipa::path(post, path = "/links/code", tag = "links", security(("resident" = [])), request_body = CodeRequest,
    responses((status = 202, description = "Sent to the relative's phone", body = CodeSent), (status = "4XX", description = "Refused: `code` says why (invalid_identifier, rate_limited, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn send_link_code(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    SignedIn(session): SignedIn,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<impl IntoResponse, Problem> {
    let purpose = CodePurpose::Link { carer: session.resident };
    state.identity.send_code(&body.phone, client, purpose).await.map_err(identity_problem)?;
    Ok((StatusCode::ACCEPTED, Json(CodeSent { expires_in_s: state.identity.code_valid_s() })))
}

/// Links the relative whose phone received the code: from now on the signed-in resident may
/// claim for them (`for_resident` in a claim) and see their wallet (`GET /wallet?for=`).
#[utoipa::path(post, path = "/links", tag = "links", security(("resident" = [])), request_body = LinkRequest,
    responses((status = 201, description = "Linked", body = ProxyLink), (status = "4XX", description = "Refused: `code` says why (wrong_code, too_many_links, cannot_link_self, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn link(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    ApiJson(body): ApiJson<LinkRequest>,
) -> Result<impl IntoResponse, Problem> {
    let linked = state.identity.link_relative(session.resident, &body.phone, &body.code).await.map_err(identity_problem)?;
    Ok((StatusCode::CREATED, Json(linked)))
}

/// Whom the signed-in resident claims for, and who claims for them.
#[utoipa::path(get, path = "/links", tag = "links", security(("resident" = [])),
    responses((status = 200, description = "The links", body = Links), (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn links(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Json<Links>, Problem> {
    Ok(Json(state.identity.links(session.resident).await.map_err(identity_problem)?))
}

/// Ends a link, from either side: the carer lets go of a relative, or the relative of a carer.
#[utoipa::path(delete, path = "/links/{resident}", tag = "links", security(("resident" = [])),
    params(("resident" = i64, Path, description = "The other side's resident id")),
    responses((status = 204, description = "Unlinked"), (status = "4XX", description = "Refused: `code` says why (not_linked, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn unlink(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    other: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, Problem> {
    // Regression (found by schemathesis): an id out of range was refused in plain text.
    let Path(other) = other.map_err(|rejection| Problem::bad_request("bad_request", rejection.body_text()))?;
    state.identity.unlink(session.resident, other).await.map_err(identity_problem)?;
    Ok(StatusCode::NO_CONTENT)
}
