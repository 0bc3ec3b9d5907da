//! `POST /campaigns/{id}/claims`: one tap, one idempotent claim.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use huiquan_core::{
    Fix, LocateOptions,
    api::{ClaimBody, ClaimReceipt, ProblemDetails, is_visible_ascii, parse_store_code},
};

use super::extract::{ApiJson, SignedIn};
use crate::{AppState, Problem, ledger::ClaimCommand};

/// The longest store claim code read.
/// Keys are client-chosen: 8 to 64 visible ASCII characters (a UUID fits).
fn idempotency_key(headers: &HeaderMap) -> Result<String, Problem> {
    let key = headers
        .get("idempotency-key")
        .ok_or_else(|| Problem::bad_request("idempotency_key_missing", "send an Idempotency-Key header with every claim"))?
        .to_str()
        .map_err(|_| Problem::bad_request("idempotency_key_invalid", "the Idempotency-Key must be visible ASCII"))?;
    if !is_visible_ascii(key, 8..=64) {
        return Err(Problem::bad_request("idempotency_key_invalid", "the Idempotency-Key must be 8 to 64 visible ASCII characters"));
    }
    Ok(key.to_owned())
}

/// Claims a tier or pack for the signed-in resident. Retrying a granted claim with the same
/// Idempotency-Key returns the first answer (with `Idempotency-Replayed: true`) and never claims
/// twice; a refusal is not kept, so its retry is decided again. A 201 is sent only once the
/// claim is durable.
#[utoipa::path(post, path = "/campaigns/{id}/claims", tag = "claims", security(("resident" = [])),
    params(("id" = String, Path, description = "A campaign id", example = "tianjin-2022-jinlegou"),
        ("Idempotency-Key" = String, Header, description = "8 to 64 visible ASCII characters, one per tap", pattern = "^[!-~]{8,64}$")),
    request_body = ClaimBody,
    responses(
        (status = 201, description = "Claimed: the vouchers issued", body = ClaimReceipt),
        (status = "4XX", description = "Refused: outside_area, sold_out, already_claimed, used_before, not_open_yet, round_over, rate_limited, …", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "Not recorded; retry with the same key", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn claim(
    State(state): State<AppState>,
    Path(campaign_id): Path<String>,
    SignedIn(session): SignedIn,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ClaimBody>,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    state.limits.check_resident(session.resident)?;
    let campaign = state.catalog.get(&campaign_id).ok_or_else(|| Problem::unknown_campaign(&campaign_id))?;
    // 代领: a linked carer claims for their relative, counted against the relative's limits and
    // flags and into their wallet. The carer's own limits are untouched.
    let (resident, claimant) = match body.for_resident {
        Some(relative) if relative != session.resident => {
            let claimant = state.identity.relative(session.resident, relative).await.map_err(super::sessions::identity_problem)?;
            if campaign.offer(&body.offer).is_some_and(|(theme, _)| !theme.rules.proxy_claims) {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    "proxy_not_allowed",
                    "Claimed in person only",
                    "this campaign's vouchers are claimed by each resident for themselves",
                ));
            }
            (relative, claimant)
        }
        _ => (session.resident, session.claimant),
    };
    // Never trust the client: the service locates the fix against the campaign's own outline.
    let location = match &body.location {
        None => None,
        Some(location) => {
            let fix = Fix::new(location.latitude, location.longitude, location.accuracy)
                .map_err(|error| Problem::unprocessable("invalid_location", error.to_string()))?;
            state.boundaries.get(&campaign_id).map(|city| city.boundary.locate(&fix, &LocateOptions::default()))
        }
    };
    let store_category = match &body.store {
        None => None,
        Some(claim_code) => {
            // Only a code the store's till shows now proves the resident is in the store: a
            // store's id is public, on every merchant list.
            let (store, code) = parse_store_code(claim_code)
                .ok_or_else(|| Problem::unprocessable("invalid_store_code", "scan the code the store's till shows (store.code)"))?;
            let merchant = state.merchants.get(&campaign_id, store).ok_or_else(|| {
                Problem::new(
                    StatusCode::NOT_FOUND,
                    "unknown_store",
                    "No such store",
                    format!("no participating store {store:?} in this campaign"),
                )
            })?;
            let now = jiff::Timestamp::now().as_millisecond();
            if !crate::codes::store_code_valid(&state.till_secret, &campaign_id, store, code, now) {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    "store_code_expired",
                    "Store code not valid",
                    "the store code is wrong or has expired: scan the one the till shows now",
                ));
            }
            Some(merchant.category.clone())
        }
    };
    // What was asked, so that the same key sent with another request is caught.
    let mut fingerprint = format!("{}|{}|{}", campaign.id, body.offer, body.store.as_deref().unwrap_or_default());
    if resident != session.resident {
        fingerprint.push_str(&format!("|for:{resident}"));
    }
    let command = ClaimCommand {
        resident,
        claimant,
        campaign: campaign.id.clone(),
        offer: body.offer,
        location,
        store_category,
        // Stored as a digest: fixed length whatever the client sent, and not the client's text.
        idempotency_key: crate::codes::digest(&key),
        fingerprint,
    };
    let answer = state.ledger.claim(command).await.map_err(|error| {
        tracing::error!(%error, "claim not written");
        Problem::busy("the claim was not recorded; try again with the same Idempotency-Key")
    })?;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
    let mut response = (status, [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], answer.body).into_response();
    if answer.replayed {
        response.headers_mut().insert("idempotency-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}
