//! `GET /campaigns/{id}/merchants?q=&category=&tier=&near=lat,lon&limit=&offset=`

use axum::{
    Json,
    extract::{Path, Query, State},
};
use huiquan_core::api::ProblemDetails;
use serde::Deserialize;

use crate::{
    AppState, Problem,
    merchants::{MerchantPage, MerchantQuery, search_limits},
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words that must all appear in the name, district or address.
    pub q: Option<String>,
    /// One category id.
    pub category: Option<String>,
    /// Only merchants that accept this tier's vouchers.
    pub tier: Option<String>,
    /// `lat,lon` (WGS-84): nearest first.
    pub near: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// Where a campaign's vouchers are accepted: search by words, category or tier, nearest first.
#[utoipa::path(get, path = "/campaigns/{id}/merchants", tag = "merchants", params(("id" = String, Path, description = "A campaign id, e.g. `tianjin-2022-jinlegou`"), SearchParams),
    responses((status = 200, description = "A page of merchants", body = MerchantPage), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MerchantPage>, Problem> {
    let Query(params) = params.map_err(|rejection| Problem::bad_request("invalid_query", rejection.body_text()))?;
    let campaign = state.catalog.get(&id).ok_or_else(|| Problem::unknown_campaign(&id))?;
    let mut categories: Vec<String> = params.category.into_iter().collect();
    if let Some(tier_id) = &params.tier {
        let (theme, tier) = campaign.tier(tier_id).ok_or_else(|| Problem::unprocessable("unknown_tier", format!("no tier {tier_id:?}")))?;
        let accepting = campaign.accepting_categories(theme, tier);
        if !accepting.is_empty() {
            categories = if categories.is_empty() {
                accepting.to_vec()
            } else {
                categories.into_iter().filter(|category| accepting.contains(category)).collect()
            };
            if categories.is_empty() {
                return Ok(Json(MerchantPage { total: 0, offset: 0, merchants: vec![] }));
            }
        }
    }
    let near = match params.near.as_deref() {
        None => None,
        Some(text) => {
            let parsed =
                text.split_once(',').and_then(|(lat, lon)| Some((lat.trim().parse::<f64>().ok()?, lon.trim().parse::<f64>().ok()?)));
            match parsed {
                Some((lat, lon))
                    if lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
                {
                    Some((lat, lon))
                }
                _ => return Err(Problem::unprocessable("invalid_location", "near must be lat,lon in degrees")),
            }
        }
    };
    let text = params.q.unwrap_or_default();
    if text.chars().count() > search_limits::TEXT_CHARS || text.split_whitespace().count() > search_limits::WORDS {
        return Err(Problem::unprocessable(
            "invalid_query",
            format!("search text is at most {} characters in {} words", search_limits::TEXT_CHARS, search_limits::WORDS),
        ));
    }
    let offset = params.offset.unwrap_or(0);
    if offset > search_limits::OFFSET {
        return Err(Problem::unprocessable("invalid_query", format!("offset is at most {}", search_limits::OFFSET)));
    }
    let query =
        MerchantQuery { text: Some(text), categories, near, limit: params.limit.unwrap_or(20).clamp(1, search_limits::LIMIT), offset };
    Ok(Json(state.merchants.search(&id, &query)))
}
