//! `GET /wallet`: the resident's vouchers, with status and exact expiry.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::IntoResponse,
};
use huiquan_core::api::{ProblemDetails, VoucherStatus, WalletVoucher};

use super::extract::SignedIn;
use crate::{AppState, Problem};


/// The signed-in resident's vouchers, newest first.
#[utoipa::path(get, path = "/wallet", tag = "wallet", security(("resident" = [])),
    responses((status = 200, description = "The vouchers", body = Vec<WalletVoucher>), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn wallet(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<impl IntoResponse, Problem> {
    let rows: Vec<(i64, String, String, String, String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT v.id, v.code, v.campaign, v.tier, c.offer, c.claimed_at, v.expires_at, v.used_at
         FROM vouchers v JOIN claims c ON c.id = v.claim WHERE v.resident = ?1 ORDER BY v.id DESC",
    )
    .bind(session.resident)
    .fetch_all(&state.pool)
    .await
    .map_err(|error| {
        tracing::error!(%error, "wallet read failed");
        Problem::busy("could not read the wallet")
    })?;
    let now = jiff::Timestamp::now().as_millisecond();
    let vouchers: Vec<WalletVoucher> = rows
        .into_iter()
        .filter_map(|(id, code, campaign_id, tier_id, offer, claimed_at_ms, expires_at_ms, used_at_ms)| {
            let campaign = state.catalog.get(&campaign_id)?;
            let (theme, tier) = campaign.tier(&tier_id)?;
            let status = match used_at_ms {
                Some(_) => VoucherStatus::Used,
                None if now >= expires_at_ms => VoucherStatus::Expired,
                None => VoucherStatus::Unused,
            };
            Some(WalletVoucher {
                id,
                code,
                accepted_categories: campaign.accepting_categories(theme, tier).to_vec(),
                campaign: campaign_id,
                threshold: tier.threshold,
                discount: tier.discount,
                tier: tier_id,
                offer,
                claimed_at_ms,
                expires_at_ms,
                status,
                used_at_ms,
            })
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(vouchers)))
}
