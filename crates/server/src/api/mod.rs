//! The JSON API under `/api/v1`.

mod campaigns;
mod claims;
mod extract;
mod merchants;
mod sessions;
mod till;
mod wallet;

use std::net::SocketAddr;

use axum::{
    Router,
    extract::{ConnectInfo, DefaultBodyLimit, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};

use crate::{AppState, Problem};

/// The largest request body the API reads: a claim or a till order is far smaller.
const BODY_LIMIT: usize = 16 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/time", get(campaigns::time))
        .route("/campaigns", get(campaigns::list))
        .route("/campaigns/{id}", get(campaigns::detail))
        .route("/campaigns/{id}/boundary", get(campaigns::boundary))
        .route("/campaigns/{id}/stock", get(campaigns::stock))
        .route("/campaigns/{id}/stock/events", get(campaigns::stock_events))
        .route("/campaigns/{id}/claims", post(claims::claim))
        .route("/campaigns/{id}/merchants", get(merchants::search))
        .route("/sessions/otp", post(sessions::send_code))
        .route("/sessions", post(sessions::sign_in))
        .route("/sessions/partner", post(sessions::partner))
        .route("/wallet", get(wallet::wallet))
        .route("/till/redemptions", post(till::redeem))
        .route("/till/refunds", post(till::refund))
        .fallback(|| async { Problem::not_found("no such API endpoint") })
        .layer(middleware::from_fn_with_state(state.clone(), limit_address))
        // Enforced by the body extractors, so an oversized body gets problem+json like any other.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Refuses an address that sends more than its share, before any work is done.
async fn limit_address(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip());
    if let Some(address) = address
        && let Err(problem) = state.limits.check_address(address) {
            return problem.into_response();
        }
    next.run(request).await
}
