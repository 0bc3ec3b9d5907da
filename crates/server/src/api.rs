//! The JSON API under `/api/v1`.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::IntoResponse,
    routing::get,
};
use huiquan_core::{
    Campaign,
    api::{CampaignSummary, ServerTime},
};

use crate::{AppState, Problem};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/time", get(time))
        .route("/campaigns", get(campaigns))
        .route("/campaigns/{id}", get(campaign))
        .fallback(|| async { Problem::not_found("no such API endpoint") })
        .with_state(state)
}

/// The service's clock. Never cached: a stale time would skew every countdown.
async fn time() -> impl IntoResponse {
    let now = ServerTime { epoch_ms: jiff::Timestamp::now().as_millisecond() };
    ([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(now))
}

async fn campaigns(State(state): State<AppState>) -> Json<Vec<CampaignSummary>> {
    Json(state.catalog.iter().map(CampaignSummary::from).collect())
}

async fn campaign(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Campaign>, Problem> {
    state.catalog.get(&id).cloned().map(Json).ok_or_else(|| Problem::unknown_campaign(&id))
}
