//! `GET /campaigns/{id}/merchants?q=&category=&tier=&near=lat,lon&limit=&offset=`

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
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
    /// Words that must all appear in the name, district or address: at most 64 characters in
    /// at most 8 words (separated by spaces, tabs, line breaks or the ideographic space).
    #[param(max_length = 64, pattern = "^[ \t\r\n\u{3000}]*(?:[^ \t\r\n\u{3000}]+[ \t\r\n\u{3000}]*){0,8}$")]
    pub q: Option<String>,
    /// One category id.
    pub category: Option<String>,
    /// Only merchants that accept this tier's vouchers.
    pub tier: Option<String>,
    /// `lat,lon` in decimal degrees (WGS-84, up to 12 decimals): nearest first.
    #[param(
        pattern = "^-?(?:90(?:\\.0{1,12})?|[1-8]?[0-9](?:\\.[0-9]{1,12})?),-?(?:180(?:\\.0{1,12})?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\\.[0-9]{1,12})?)$",
        example = "39.1256,117.1909"
    )]
    pub near: Option<String>,
    /// Merchants per page (20 when not given).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// How many matches to skip.
    #[param(minimum = 0, maximum = 10000)]
    pub offset: Option<u64>,
}

/// Characters that separate the words of a search (the document's pattern names the same).
fn separates_words(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{3000}')
}

/// One coordinate of `near` in the grammar the document states: an optional minus, a whole
/// part without leading zeros up to `max` degrees, up to 12 decimals (only zeros at `max`).
fn coordinate(text: &str, max: u32) -> Option<f64> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    if !digits(whole) || whole.len() > 3 || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    let degrees: u32 = whole.parse().ok()?;
    if let Some(fraction) = fraction
        && (!digits(fraction) || fraction.len() > 12 || (degrees == max && fraction.bytes().any(|byte| byte != b'0')))
    {
        return None;
    }
    (degrees <= max).then(|| text.parse().ok()).flatten()
}

/// `near` as (latitude, longitude), if it is one.
fn parse_near(text: &str) -> Option<(f64, f64)> {
    let (lat, lon) = text.split_once(',')?;
    Some((coordinate(lat, 90)?, coordinate(lon, 180)?))
}

/// Where a campaign's vouchers are accepted: search by words, category or tier, nearest first.
#[utoipa::path(get, path = "/campaigns/{id}/merchants", tag = "merchants", params(("id" = String, Path, description = "A campaign id", example = "tianjin-2022-jinlegou"), SearchParams),
    responses((status = 200, description = "A page of merchants", body = MerchantPage), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MerchantPage>, Problem> {
    let Query(params) = params.map_err(|rejection| Problem::bad_request("invalid_query", rejection.body_text()))?;
    let page = match checked_query(&state, &id, params)? {
        Some(query) => state.merchants.search(&id, &query),
        None => MerchantPage { total: 0, offset: 0, merchants: vec![] },
    };
    Ok(Json(page))
}

/// The same search as a picture: the city's outline, the position searched from (`near`) and
/// the page's merchants that have a place, numbered in the page's order (see `map`).
#[utoipa::path(get, path = "/campaigns/{id}/merchants/map.svg", tag = "merchants", params(("id" = String, Path, description = "A campaign id", example = "tianjin-2022-jinlegou"), SearchParams),
    responses((status = 200, description = "The map", body = String, content_type = "image/svg+xml"), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn map(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Query(params) = params.map_err(|rejection| Problem::bad_request("invalid_query", rejection.body_text()))?;
    let city = state.boundaries.get(&id).ok_or_else(|| Problem::unknown_campaign(&id))?;
    let near = params.near.as_deref().and_then(parse_near);
    let places: Vec<(f64, f64)> = match checked_query(&state, &id, params)? {
        Some(query) => {
            state.merchants.search(&id, &query).merchants.iter().filter_map(|hit| Some((hit.merchant.lat?, hit.merchant.lon?))).collect()
        }
        None => Vec::new(),
    };
    // Drawn from the resident's position: theirs alone, and never kept by a proxy.
    let headers = [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=60")];
    Ok((headers, city.map.svg(near, &places)).into_response())
}

/// The search `params` ask for, checked; `None` when nothing can match (a tier whose categories
/// exclude the category asked for).
fn checked_query(state: &AppState, id: &str, params: SearchParams) -> Result<Option<MerchantQuery>, Problem> {
    let campaign = state.catalog.get(id).ok_or_else(|| Problem::unknown_campaign(id))?;
    let mut categories: Vec<String> = params.category.into_iter().collect();
    if let Some(tier_id) = &params.tier {
        let (theme, tier) = campaign
            .tier(tier_id)
            .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "unknown_tier", "No such tier", format!("no tier {tier_id:?}")))?;
        let accepting = campaign.accepting_categories(theme, tier);
        if !accepting.is_empty() {
            categories = if categories.is_empty() {
                accepting.to_vec()
            } else {
                categories.into_iter().filter(|category| accepting.contains(category)).collect()
            };
            if categories.is_empty() {
                return Ok(None);
            }
        }
    }
    let near = match params.near.as_deref() {
        None => None,
        Some(text) => Some(parse_near(text).ok_or_else(|| Problem::unprocessable("invalid_location", "near must be lat,lon in degrees"))?),
    };
    let text = params.q.unwrap_or_default();
    if text.chars().count() > search_limits::TEXT_CHARS
        || text.split(separates_words).filter(|word| !word.is_empty()).count() > search_limits::WORDS
    {
        return Err(Problem::unprocessable(
            "invalid_query",
            format!("search text is at most {} characters in {} words", search_limits::TEXT_CHARS, search_limits::WORDS),
        ));
    }
    let offset = params.offset.unwrap_or(0);
    if offset > search_limits::OFFSET as u64 {
        return Err(Problem::unprocessable("invalid_query", format!("offset is at most {}", search_limits::OFFSET)));
    }
    let limit = params.limit.unwrap_or(20);
    if !(1..=search_limits::LIMIT as u64).contains(&limit) {
        return Err(Problem::unprocessable("invalid_query", format!("limit is 1 to {}", search_limits::LIMIT)));
    }
    // Both at most 10,000: they fit a usize on every target.
    let (limit, offset) = (limit as usize, offset as usize);
    Ok(Some(MerchantQuery { text: Some(text), categories, near, limit, offset }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_is_read_exactly_as_the_document_pattern_says() {
        // Regression: `near` was any string to the document, and the service refused most.
        let pattern = regex::Regex::new(&param_pattern("near")).expect("a regex");
        let mut texts: Vec<String> = ["39.1256,117.1909", "-90,-180", "90.000,180.0", "0,0", "-0.5,179.999999999999"]
            .iter()
            .chain(&[
                "90.1,0",
                "0,180.5",
                "91,0",
                "05,1",
                "1.,2",
                ".5,1",
                "1e2,3",
                "inf,0",
                "NaN,1",
                " 1,2",
                "1,2,3",
                "+1,2",
                "1,2.1234567890123",
            ])
            .map(|text| text.to_string())
            .collect();
        for lat in ["-90", "90", "89.99", "0", "00", "9", "100", "-0", "1.0000000000000"] {
            for lon in ["180", "-180.0", "179.5", "99", "099", "0.1", "181", "1800"] {
                texts.push(format!("{lat},{lon}"));
            }
        }
        for text in texts {
            assert_eq!(parse_near(&text).is_some(), pattern.is_match(&text), "{text:?}");
        }
        assert_eq!(parse_near("39.1256,117.1909"), Some((39.1256, 117.1909)));
    }

    #[test]
    fn search_words_are_counted_as_the_document_pattern_says() {
        let pattern = regex::Regex::new(&param_pattern("q")).expect("a regex");
        for text in [
            "",
            "a",
            " a b c d e f g h ",
            "a b c d e f g h i",
            "一\u{3000}二\u{3000}三",
            "a\u{a0}b",
            "a\tb\nc\rd",
            "a b c d e f g h\u{3000}i",
        ] {
            let words = text.split(separates_words).filter(|word| !word.is_empty()).count();
            assert_eq!(words <= search_limits::WORDS, pattern.is_match(text), "{text:?}");
        }
    }

    /// The pattern the document states for the query parameter `name`.
    fn param_pattern(name: &str) -> String {
        use utoipa::IntoParams;
        let parameter = SearchParams::into_params(|| None).into_iter().find(|parameter| parameter.name == name).expect("documented");
        let schema = serde_json::to_value(parameter.schema).expect("JSON");
        schema["pattern"].as_str().expect("a pattern").to_owned()
    }
}
