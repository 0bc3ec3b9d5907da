//! What the app needs from the service to use a host app's own SDK: WeChat's JS-SDK and
//! UnionPay's UPSDK, each usable by a page only with a signature of its address
//! ([`crate::host_sdk`]).

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::IntoResponse,
};
use huiquan_core::api::{HostSdkConfig, ProblemDetails};
use serde::Deserialize;

use crate::{
    AppState, Problem,
    host_sdk::{self, HostSdk, Platform},
    token_file::NoToken,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HostSdkParams {
    /// The page's address as the browser has it, without the `#` and what follows.
    #[param(max_length = 2048, pattern = "^https?://[!-\"$-~]*$")]
    pub url: String,
}

type ConfigQuery = Result<Query<HostSdkParams>, axum::extract::rejection::QueryRejection>;

/// `wx.config`'s fields for one page address, when the service is configured with an official
/// account (`--wechat-app-id`, `--wechat-ticket-file`).
#[utoipa::path(get, path = "/hosts/wechat/config", tag = "hosts", params(HostSdkParams),
    responses((status = 200, description = "Signed for the address (SHA-1)", body = HostSdkConfig),
        (status = 400, description = "Not a page address", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No official account configured (`wechat_not_configured`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "No current ticket (`wechat_ticket_unavailable`)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn wechat_config(State(state): State<AppState>, params: ConfigQuery) -> Result<impl IntoResponse, Problem> {
    configure(Platform::WeChat, state.wechat.as_deref(), params)
}

/// `upsdk.config`'s fields for one page address, when the service is configured with a UnionPay
/// app (`--unionpay-app-id`, `--unionpay-front-token-file`).
#[utoipa::path(get, path = "/hosts/unionpay/config", tag = "hosts", params(HostSdkParams),
    responses((status = 200, description = "Signed for the address (SHA-256)", body = HostSdkConfig),
        (status = 400, description = "Not a page address", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No UnionPay app configured (`unionpay_not_configured`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "No current front token (`unionpay_token_unavailable`)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn unionpay_config(State(state): State<AppState>, params: ConfigQuery) -> Result<impl IntoResponse, Problem> {
    configure(Platform::UnionPay, state.unionpay.as_deref(), params)
}

/// The platform's SDK configuration for the page, or a refusal in words.
fn configure(platform: Platform, sdk: Option<&HostSdk>, params: ConfigQuery) -> Result<impl IntoResponse + use<>, Problem> {
    let Query(params) = params.map_err(|rejection| Problem::bad_request("invalid_query", rejection.body_text()))?;
    let name = platform.name();
    // Stable codes, one pair per platform.
    let (not_configured, unavailable) = match platform {
        Platform::WeChat => ("wechat_not_configured", "wechat_ticket_unavailable"),
        Platform::UnionPay => ("unionpay_not_configured", "unionpay_token_unavailable"),
    };
    let Some(sdk) = sdk else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            not_configured,
            "This host app's SDK is not set up",
            format!("this service signs for no {name} account"),
        ));
    };
    if !host_sdk::signable_url(&params.url) {
        return Err(Problem::bad_request(
            "invalid_query",
            format!("`url` is an http(s) address of at most {} bytes, without `#`", host_sdk::MAX_URL_BYTES),
        ));
    }
    let config = sdk.configure(&params.url).map_err(|NoToken| {
        tracing::error!(platform = name, "the token file gives no token");
        let mut problem =
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, unavailable, "This host app's SDK is unavailable", "no current token");
        problem.retry_after = Some(60);
        problem
    })?;
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_signed_exactly_as_the_document_pattern_says() {
        use utoipa::IntoParams;
        let parameter = HostSdkParams::into_params(|| None).into_iter().find(|parameter| parameter.name == "url").expect("documented");
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
            assert_eq!(pattern.is_match(url), host_sdk::signable_url(url), "{url:?}");
        }
        assert_eq!(max_length, host_sdk::MAX_URL_BYTES);
    }
}
