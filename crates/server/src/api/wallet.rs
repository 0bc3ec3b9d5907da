//! `GET /wallet`: the resident's vouchers, with status and exact expiry.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::IntoResponse,
};
use huiquan_core::api::{ProblemDetails, VoucherStatus, WalletVoucher};

use super::extract::SignedIn;
use crate::{AppState, Problem, store::on_pool};

/// One voucher of the wallet as stored.
#[derive(sqlx::FromRow)]
struct WalletRow {
    id: i64,
    code: String,
    campaign: String,
    tier: String,
    offer: String,
    claimed_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

/// The signed-in resident's vouchers, newest first.
#[utoipa::path(get, path = "/wallet", tag = "wallet", security(("resident" = [])),
    responses((status = 200, description = "The vouchers", body = Vec<WalletVoucher>), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn wallet(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<impl IntoResponse, Problem> {
    let rows: Vec<WalletRow> = on_pool!(&state.store, pool => sqlx::query_as(
        "SELECT v.id, v.code, v.campaign, v.tier, c.offer, c.claimed_at, v.expires_at, v.used_at
         FROM vouchers v JOIN claims c ON c.id = v.claim WHERE v.resident = $1 ORDER BY v.id DESC",
    )
    .bind(session.resident)
    .fetch_all(pool).await)
    .map_err(|error| {
        tracing::error!(%error, "wallet read failed");
        Problem::busy("could not read the wallet")
    })?;
    let now = state.ledger.clock().now().0;
    let vouchers: Vec<WalletVoucher> = rows
        .into_iter()
        .filter_map(|row| {
            let campaign = state.catalog.get(&row.campaign)?;
            let (theme, tier) = campaign.tier(&row.tier)?;
            let status = match row.used_at {
                Some(_) => VoucherStatus::Used,
                None if now >= row.expires_at => VoucherStatus::Expired,
                None => VoucherStatus::Unused,
            };
            Some(WalletVoucher {
                id: row.id,
                code: row.code,
                accepted_categories: campaign.accepting_categories(theme, tier).to_vec(),
                campaign: row.campaign,
                threshold: tier.threshold,
                discount: tier.discount,
                tier: row.tier,
                offer: row.offer,
                claimed_at_ms: row.claimed_at,
                expires_at_ms: row.expires_at,
                status,
                used_at_ms: row.used_at,
            })
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(vouchers)))
}
