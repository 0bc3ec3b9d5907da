//! The service's API, as the app calls it. Every failure is an `ApiError`, which the pages turn
//! into a sentence in the resident's language.

use gloo_net::http::Request;
use huiquan_core::{
    Boundary, Campaign, Crs,
    api::{CampaignSummary, OfferStock, ProblemDetails, ServerTime},
};
use serde::de::DeserializeOwned;

/// Why a call to the service failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The request never got an answer (offline, DNS, connection reset…).
    #[error("network error: {0}")]
    Network(String),
    /// The service refused, with its problem details when it sent them.
    #[error("the service answered {status}{}", problem.as_ref().map(|p| format!(" ({})", p.code)).unwrap_or_default())]
    Refused { status: u16, problem: Option<ProblemDetails> },
    /// The answer was not what this version of the app can read.
    #[error("unreadable answer: {0}")]
    Unreadable(String),
}

impl ApiError {
    /// The service's stable refusal code, if it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { problem: Some(problem), .. } => Some(&problem.code),
            _ => None,
        }
    }
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|error| ApiError::Network(error.to_string()))?;
    if !response.ok() {
        let status = response.status();
        let problem = response.json::<ProblemDetails>().await.ok();
        return Err(ApiError::Refused { status, problem });
    }
    response.json::<T>().await.map_err(|error| ApiError::Unreadable(error.to_string()))
}

pub async fn server_time() -> Result<ServerTime, ApiError> {
    get_json("/api/v1/time").await
}

pub async fn campaigns() -> Result<Vec<CampaignSummary>, ApiError> {
    get_json("/api/v1/campaigns").await
}

pub async fn campaign(id: &str) -> Result<Campaign, ApiError> {
    get_json(&format!("/api/v1/campaigns/{}", encode_path_segment(id))).await
}

/// The campaign's city outline, in the CRS the campaign names.
pub async fn boundary(id: &str, crs: Crs) -> Result<Boundary, ApiError> {
    let path = format!("/api/v1/campaigns/{}/boundary", encode_path_segment(id));
    let response = Request::get(&path).send().await.map_err(|error| ApiError::Network(error.to_string()))?;
    if !response.ok() {
        let status = response.status();
        let problem = response.json::<ProblemDetails>().await.ok();
        return Err(ApiError::Refused { status, problem });
    }
    let text = response.text().await.map_err(|error| ApiError::Network(error.to_string()))?;
    Boundary::from_geojson(&text, crs).map_err(|error| ApiError::Unreadable(error.to_string()))
}

/// Each tier's and pack's state and what is left of its release under way.
pub async fn stock(id: &str) -> Result<Vec<OfferStock>, ApiError> {
    get_json(&format!("/api/v1/campaigns/{}/stock", encode_path_segment(id))).await
}

/// Ids come from the address bar: never let one reshape the request path.
pub fn encode_path_segment(segment: &str) -> String {
    js_sys::encode_uri_component(segment).into()
}
