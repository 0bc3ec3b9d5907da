//! What the app needs from the service to use a host app's own SDK.

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::IntoResponse,
};
use huiquan_core::api::{ProblemDetails, WeChatJsConfig};
use rand::{Rng, distr::Alphanumeric};
use serde::Deserialize;

use crate::{AppState, Problem, wechat};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WeChatConfigParams {
    /// The page's address as the browser has it, without the `#` and what follows.
    #[param(max_length = 2048, pattern = "^https?://[!-\"$-~]*$")]
    pub url: String,
}

/// `wx.config`'s fields for one page address, when the service is configured with an official
/// account (`--wechat-app-id`, `--wechat-ticket-file`).
#[utoipa::path(get, path = "/hosts/wechat/config", tag = "hosts", params(WeChatConfigParams),
    responses((status = 200, description = "Signed for the address", body = WeChatJsConfig),
        (status = 400, description = "Not a page address", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No official account configured (`wechat_not_configured`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "No current ticket (`wechat_ticket_unavailable`)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn wechat_config(
    State(state): State<AppState>,
    params: Result<Query<WeChatConfigParams>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, Problem> {
    let Query(params) = params.map_err(|rejection| Problem::bad_request("invalid_query", rejection.body_text()))?;
    let Some(wechat) = state.wechat.as_deref() else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "wechat_not_configured",
            "WeChat's SDK is not set up",
            "this service signs for no official account",
        ));
    };
    if !wechat::signable_url(&params.url) {
        return Err(Problem::bad_request(
            "invalid_query",
            format!("`url` is an http(s) address of at most {} bytes, without `#`", wechat::MAX_URL_BYTES),
        ));
    }
    let ticket = wechat.ticket().map_err(|wechat::NoTicket| {
        tracing::error!("the WeChat ticket file gives no ticket");
        let mut problem =
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "wechat_ticket_unavailable", "WeChat's SDK is unavailable", "no current ticket");
        problem.retry_after = Some(60);
        problem
    })?;
    let nonce_str: String = rand::rng().sample_iter(Alphanumeric).take(16).map(char::from).collect();
    let timestamp = jiff::Timestamp::now().as_second();
    let signature = wechat::js_sdk_signature(&ticket, &nonce_str, timestamp, &params.url);
    let body = WeChatJsConfig { app_id: wechat.app_id.clone(), timestamp, nonce_str, signature };
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_signed_exactly_as_the_document_pattern_says() {
        use utoipa::IntoParams;
        let parameter = WeChatConfigParams::into_params(|| None).into_iter().find(|parameter| parameter.name == "url").expect("documented");
        let schema = serde_json::to_value(parameter.schema).expect("JSON");
        let pattern = regex::Regex::new(schema["pattern"].as_str().expect("a pattern")).expect("a regex");
        let max_length = schema["maxLength"].as_u64().expect("a length") as usize;
        for url in [
            "https://huiquan.example/campaigns/a?store=b.c",
            "http://h.example/",
            "https://h.example/#top",
            "https://h.example/a b",
            "https://h.example/\u{7f}",
            "https://h.example/店",
            "ftp://h.example/",
            "https:/h.example/",
            "",
        ] {
            assert_eq!(pattern.is_match(url), wechat::signable_url(url), "{url:?}");
        }
        assert_eq!(max_length, wechat::MAX_URL_BYTES);
    }
}
