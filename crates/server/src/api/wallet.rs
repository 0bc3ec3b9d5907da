//! `GET /wallet`: the resident's vouchers, with status and exact expiry.

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderValue, header},
    response::IntoResponse,
};
use huiquan_core::api::{ProblemDetails, VoucherStatus, WalletVoucher};

use super::extract::SignedIn;
use crate::{AppState, Problem, store::on_pool};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WalletParams {
    /// A linked relative's resident id (代领): their wallet instead of one's own.
    #[serde(rename = "for")]
    #[param(rename = "for")]
    pub for_resident: Option<i64>,
}

/// One voucher of the wallet as stored.
#[derive(sqlx_macros::FromRow)]
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
#[utoipa::path(get, path = "/wallet", tag = "wallet", security(("resident" = [])), params(WalletParams),
    responses((status = 200, description = "The vouchers", body = Vec<WalletVoucher>), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn wallet(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    params: Result<Query<WalletParams>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, Problem> {
    let Query(params) = params.map_err(|rejection| Problem::bad_request("invalid_query", rejection.body_text()))?;
    // A carer sees a linked relative's wallet (代领: to show a voucher at the till for them).
    let resident = match params.for_resident {
        Some(relative) if relative != session.resident => {
            state.identity.check_linked(session.resident, relative).await.map_err(super::sessions::identity_problem)?;
            relative
        }
        _ => session.resident,
    };
    let rows: Vec<WalletRow> = on_pool!(&state.store, pool => sqlx::query_as(
        "SELECT v.id, v.code, v.campaign, v.tier, c.offer, c.claimed_at, v.expires_at, v.used_at
         FROM vouchers v JOIN claims c ON c.id = v.claim WHERE v.resident = $1 ORDER BY v.id DESC",
    )
    .bind(resident)
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
