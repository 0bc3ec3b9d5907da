//! The JSON API under `/api/v1`.

mod campaigns;
mod claims;
mod extract;
mod hosts;
mod links;
mod merchants;
mod sessions;
pub(crate) mod till;
mod wallet;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Json, Router,
    extract::{ConnectInfo, DefaultBodyLimit, Request, State},
    http::{StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::compression::{
    CompressionLayer, CompressionLevel,
    predicate::{NotForContentType, Predicate, SizeAbove},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState, Problem,
    limits::{ClientAddress, client_key},
};

/// The largest request body the API reads: a claim or a till order is far smaller.
const BODY_LIMIT: usize = 16 * 1024;

/// What the OpenAPI document says beyond the handlers' own annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Huiquan voucher service",
        description = "Consumption vouchers (消费券): campaigns, live stock, claims, the resident's wallet, \
            merchants, and the till. Errors are RFC 9457 problem+json with a stable `code`. Money is in fen; \
            instants are milliseconds since the Unix epoch, UTC; a campaign's civil times are in its own time zone.",
        license(name = "MIT OR Apache-2.0")
    ),
    servers((url = "/api/v1")),
    modifiers(&SecuritySchemes),
    tags(
        (name = "campaigns", description = "Campaigns, boundaries, stock"),
        (name = "claims", description = "Claiming vouchers"),
        (name = "sessions", description = "Signing in"),
        (name = "wallet", description = "The resident's vouchers"),
        (name = "links", description = "Claiming for a relative (代领)"),
        (name = "merchants", description = "Where vouchers are accepted"),
        (name = "till", description = "Redemption and refunds, as a merchant's till calls them"),
        (name = "hosts", description = "What the app needs to use a host app's own SDK"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("resident", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components.add_security_scheme(
            "till",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Till <campaign>/<merchant>:<key>`, the key being hex HMAC-SHA-256(till secret, `<campaign>/<merchant>`)",
            ))),
        );
    }
}

/// The routes and the OpenAPI document describing them, both from the handlers' annotations.
fn documented_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(campaigns::time))
        .routes(routes!(campaigns::list))
        .routes(routes!(campaigns::detail))
        .routes(routes!(campaigns::boundary))
        .routes(routes!(campaigns::stock))
        .routes(routes!(campaigns::stock_events))
        .routes(routes!(campaigns::figures))
        .routes(routes!(claims::claim))
        .routes(routes!(merchants::search))
        .routes(routes!(merchants::map))
        .routes(routes!(sessions::send_code))
        .routes(routes!(sessions::sign_in))
        .routes(routes!(sessions::partner))
        .routes(routes!(sessions::sign_out))
        .routes(routes!(sessions::sign_out_everywhere))
        .routes(routes!(wallet::wallet))
        .routes(routes!(links::send_link_code))
        .routes(routes!(links::link, links::links))
        .routes(routes!(links::unlink))
        .routes(routes!(till::redeem))
        .routes(routes!(till::refund))
        .routes(routes!(till::store_code))
        .routes(routes!(hosts::wechat_config))
        .routes(routes!(hosts::unionpay_config))
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let (routes, document) = documented_routes();
    // Built once; served as it is on every request.
    let document = Arc::new(document);
    routes
        .route("/openapi.json", get(move || async move { Json(Arc::clone(&document)) }))
        .fallback(|| async { Problem::not_found("no such API endpoint") })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                "this endpoint does not take this method",
            )
        })
        .layer(middleware::from_fn_with_state(state.clone(), limit_address))
        .layer(compression())
        // Enforced by the body extractors, so an oversized body gets problem+json like any other.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// The pages the service draws: the app's campaign pages, painted with the campaign before the
/// app loads (`first_paint`), and the open figures pages (`figures_page`); limited per client
/// like the API (each reads the database), and compressed like it.
pub fn page_router(state: AppState) -> Router {
    let mut pages = Router::new().route("/campaigns/{id}/figures", get(crate::figures_page::figures_page)).route(
        "/figures.css",
        get(|| async {
            (
                [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
                crate::figures_page::STYLESHEET,
            )
        }),
    );
    // Campaign pages are painted when the app's page has a first paint to fill; otherwise
    // they are the page as it is, like every other app route.
    if state.page_template.is_some() {
        pages = pages.route("/campaigns/{id}", get(crate::first_paint::campaign_page));
    }
    pages.layer(middleware::from_fn_with_state(state.clone(), limit_address)).layer(compression()).with_state(state)
}

/// Answers of 1 KiB or more go out brotli- or gzip-compressed to clients that accept it (a
/// campaign, an outline, a merchant page); smaller ones (a claim's answer) are not worth the
/// CPU under a crowd, and the event stream's framing is never buffered by a compressor. Level 5:
/// most of brotli's gain at a small part of its top level's cost.
pub(crate) fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(5))
        .compress_when(SizeAbove::new(1024).and(NotForContentType::SSE).and(NotForContentType::IMAGES))
}

/// Works out who the client is (behind trusted proxies, from the forwarding chain), and refuses
/// one that sends more than its share before any work is done. Handlers read the client as a
/// `ClientAddress` extension.
async fn limit_address(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() else {
        return Problem::bad_request("no_client_address", "the connection has no address").into_response();
    };
    let client = client_key(state.trusted_proxies.client(peer.ip(), request.headers()));
    if let Err(problem) = state.limits.check_address(client) {
        return problem.into_response();
    }
    request.extensions_mut().insert(ClientAddress(client));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use huiquan_core::api::{DEVICE_MAX_CHARS, PHONE_MAX_CHARS, PHONE_PATTERN, PROBLEM_CODES, SIGN_IN_CODE_PATTERN};
    use serde_json::{Value, json};

    fn document() -> Value {
        serde_json::to_value(super::documented_routes().1).expect("JSON")
    }

    #[test]
    fn the_document_states_the_formats_the_code_applies() {
        // The patterns in the annotations are literals: they must be the ones the code checks.
        let schemas = &document()["components"]["schemas"];
        for body in ["CodeRequest", "CodeSignIn"] {
            assert_eq!(schemas[body]["properties"]["phone"]["pattern"], PHONE_PATTERN, "{body}");
            assert_eq!(schemas[body]["properties"]["phone"]["maxLength"], json!(PHONE_MAX_CHARS), "{body}");
        }
        assert_eq!(schemas["CodeSignIn"]["properties"]["code"]["pattern"], SIGN_IN_CODE_PATTERN);
        let device = &schemas["CodeSignIn"]["properties"]["device"];
        assert_eq!(device["maxLength"], json!(DEVICE_MAX_CHARS), "{device}");
        let codes: Vec<&str> =
            schemas["ProblemDetails"]["properties"]["code"]["enum"].as_array().expect("listed").iter().filter_map(Value::as_str).collect();
        assert_eq!(codes, PROBLEM_CODES);
    }

    #[test]
    fn the_event_stream_is_described_event_by_event() {
        let document = document();
        let stream = &document["paths"]["/campaigns/{id}/stock/events"]["get"]["responses"]["200"]["content"]["text/event-stream"];
        let schema = &document["components"]["schemas"]["StockEvent"];
        assert_eq!(stream["schema"]["$ref"], "#/components/schemas/StockEvent", "{stream}");
        let events: Vec<&Value> =
            schema["oneOf"].as_array().expect("one of").iter().map(|event| &event["properties"]["event"]["enum"][0]).collect();
        assert_eq!(events, [&json!("snapshot"), &json!("stock"), &json!("resync")]);
        assert_eq!(schema["oneOf"][1]["properties"]["data"]["contentSchema"]["$ref"], "#/components/schemas/StockUpdate");
    }
}
