//! Campaigns, their boundaries and their stock (read, and pushed as server-sent events).

use std::{convert::Infallible, time::Duration};

use axum::{
    Extension, Json,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures_util::{Stream, StreamExt};
use huiquan_core::{
    Campaign,
    api::{CampaignSummary, OfferStock, ProblemDetails, ServerTime, StockUpdate},
};
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};

use crate::{AppState, Problem, limits::ClientAddress};

/// How many waiting stock updates one subscriber's stream merges at a time.
const COALESCE_AT_MOST: usize = 1_024;

/// The events for updates that were waiting together: the newest of each of `campaign`'s offers,
/// in the order of their last change; a `resync` instead if the reader fell so far behind that
/// updates were lost (it reads the whole stock again).
fn coalesce(campaign: &str, waiting: Vec<Result<StockUpdate, BroadcastStreamRecvError>>) -> Vec<Event> {
    if waiting.iter().any(Result::is_err) {
        return vec![Event::default().event("resync").data("{}")];
    }
    let mut newest: Vec<StockUpdate> = Vec::new();
    for update in waiting.into_iter().flatten().filter(|update| update.campaign == campaign) {
        newest.retain(|kept| kept.offer != update.offer);
        newest.push(update);
    }
    newest.iter().map(|update| Event::default().event("stock").json_data(update).unwrap_or_default()).collect()
}

/// One event of `GET /campaigns/{id}/stock/events`, as OpenAPI 3.1 describes an event stream
/// (the schema of one event: its `event` name and its `data`, JSON of a known shape).
pub struct StockEvent;

impl utoipa::PartialSchema for StockEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::{
            ToSchema,
            openapi::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Ref, schema::Type},
        };
        let event = |name: &str, description: &str, data: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
            ObjectBuilder::new()
                .description(Some(description))
                .property("event", ObjectBuilder::new().schema_type(Type::String).enum_values(Some([name])))
                .required("event")
                .property(
                    "data",
                    ObjectBuilder::new().schema_type(Type::String).content_media_type("application/json").content_schema(Some(data)),
                )
                .required("data")
                .property("id", ObjectBuilder::new().schema_type(Type::String))
                .property("retry", ObjectBuilder::new().schema_type(Type::Integer))
        };
        OneOfBuilder::new()
            .item(event(
                "snapshot",
                "First: every offer's stock, as `GET …/stock` answers",
                ArrayBuilder::new().items(Ref::from_schema_name(OfferStock::name())).into(),
            ))
            .item(event("stock", "After each change: the offer's new count", Ref::from_schema_name(StockUpdate::name()).into()))
            .item(event(
                "resync",
                "The reader fell behind and updates were lost: read the stock again",
                ObjectBuilder::new().additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false))).into(),
            ))
            .into()
    }
}

impl utoipa::ToSchema for StockEvent {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push((OfferStock::name().into_owned(), OfferStock::schema()));
        OfferStock::schemas(schemas);
        schemas.push((StockUpdate::name().into_owned(), StockUpdate::schema()));
        StockUpdate::schemas(schemas);
    }
}

/// The service's clock: the app counts down to releases with it, not with the phone's.
#[utoipa::path(get, path = "/time", tag = "campaigns",
    responses((status = 200, description = "Now, never cached", body = ServerTime)))]
pub async fn time(State(state): State<AppState>) -> impl IntoResponse {
    let now = ServerTime { epoch_ms: state.ledger.clock().now().0 };
    ([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(now))
}

/// Every campaign the service runs.
#[utoipa::path(get, path = "/campaigns", tag = "campaigns",
    responses((status = 200, description = "The campaigns", body = Vec<CampaignSummary>)))]
pub async fn list(State(state): State<AppState>) -> Json<Vec<CampaignSummary>> {
    Json(state.catalog.iter().map(CampaignSummary::from).collect())
}

/// A campaign in full: rounds, themes, tiers and packs, and their rules.
#[utoipa::path(get, path = "/campaigns/{id}", tag = "campaigns", params(("id" = String, Path, description = "A campaign id", example = "tianjin-2022-jinlegou")),
    responses((status = 200, description = "The campaign", body = Campaign), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn detail(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Campaign>, Problem> {
    state.catalog.get(&id).cloned().map(Json).ok_or_else(|| Problem::unknown_campaign(&id))
}

/// The city's outline as GeoJSON, in the CRS the campaign names (also sent as `Huiquan-Crs`),
/// simplified for phones: its `border_margin_m` property says how far its border may lie from the
/// true one (a geofence adds it to a fix's reach). The service decides claims on the full outline.
#[utoipa::path(get, path = "/campaigns/{id}/boundary", tag = "campaigns", params(("id" = String, Path, description = "A campaign id", example = "tianjin-2022-jinlegou")),
    responses(
        (status = 200, description = "A GeoJSON Feature (MultiPolygon or Polygon)", body = serde_json::Value, content_type = "application/geo+json",
            headers(("Huiquan-Crs" = String, description = "`wgs84` or `gcj02`"))),
        (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn boundary(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Problem> {
    let campaign = state.catalog.get(&id).ok_or_else(|| Problem::unknown_campaign(&id))?;
    let boundary = state.boundaries.get(&id).ok_or_else(|| Problem::unknown_campaign(&id))?;
    let crs = match campaign.boundary.crs {
        huiquan_core::Crs::Wgs84 => "wgs84",
        huiquan_core::Crs::Gcj02 => "gcj02",
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
            (header::HeaderName::from_static("huiquan-crs"), HeaderValue::from_static(crs)),
        ],
        boundary.phone_geojson.clone(),
    )
        .into_response())
}

/// Each offer's state and what is left of its release under way.
#[utoipa::path(get, path = "/campaigns/{id}/stock", tag = "campaigns", params(("id" = String, Path, description = "A campaign id", example = "tianjin-2022-jinlegou")),
    responses((status = 200, description = "Stock per tier or pack", body = Vec<OfferStock>), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn stock(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Problem> {
    if state.catalog.get(&id).is_none() {
        return Err(Problem::unknown_campaign(&id));
    }
    let stock: Vec<OfferStock> = state.ledger.stock(&id).await.map_err(|error| {
        tracing::error!(%error, "stock read failed");
        Problem::busy("could not read the stock")
    })?;
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(stock)).into_response())
}

/// Stock, pushed: an `event: snapshot` (the list of `GET …/stock`), then an `event: stock`
/// (a `StockUpdate`) after every change, or `event: resync` when the reader fell behind and
/// should read the stock again. The stream ends when the service shuts down.
#[utoipa::path(get, path = "/campaigns/{id}/stock/events", tag = "campaigns", params(("id" = String, Path, description = "A campaign id", example = "tianjin-2022-jinlegou")),
    responses((status = 200, description = "Server-sent events", body = StockEvent, content_type = "text/event-stream"), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn stock_events(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    if state.catalog.get(&id).is_none() {
        return Err(Problem::unknown_campaign(&id));
    }
    // Held as long as the stream is: its place is given back when the client goes.
    let place = state.event_streams.open(client).ok_or_else(|| {
        Problem::too_many("too_many_streams", 5, "too many event streams are open from this address; poll the stock instead")
    })?;
    // Subscribe before reading the snapshot, so no change falls between them.
    let updates = state.ledger.subscribe();
    let snapshot = state.ledger.stock(&id).await.map_err(|_| Problem::busy("could not read the stock"))?;
    let first = Event::default().event("snapshot").json_data(&snapshot).unwrap_or_default();
    // Updates already waiting are merged per offer (only the newest count of each is sent), so
    // a slow phone catches up with one event an offer instead of falling behind.
    let changes = BroadcastStream::new(updates)
        .ready_chunks(COALESCE_AT_MOST)
        .map(move |waiting| futures_util::stream::iter(coalesce(&id, waiting).into_iter().map(Ok)))
        .flatten();
    let mut stopping = state.stopping.clone();
    // Ends at shutdown; the browser's EventSource reconnects to the next instance by itself.
    let stream = futures_util::stream::once(async move { Ok(first) })
        .chain(changes)
        .take_until(async move { stopping.wait_for(|stopping| *stopping).await.map(|_| ()).unwrap_or(()) })
        .inspect(move |_| {
            let _ = &place;
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(campaign: &str, offer: &str, left: u32) -> Result<StockUpdate, BroadcastStreamRecvError> {
        Ok(StockUpdate { campaign: campaign.into(), offer: offer.into(), release_opens_ms: 0, left, stock: None, sold_out_at_ms: None })
    }

    #[test]
    fn waiting_updates_are_merged_to_the_newest_of_each_offer() {
        let waiting = vec![update("c", "a", 10), update("c", "b", 5), update("other", "a", 1), update("c", "a", 8)];
        let events = coalesce("c", waiting);
        assert_eq!(events.len(), 2, "one event for b, one for a's newest count");
        let lost = vec![update("c", "a", 10), Err(BroadcastStreamRecvError::Lagged(3))];
        assert_eq!(coalesce("c", lost).len(), 1, "updates were lost: one resync instead");
        assert!(coalesce("c", vec![update("other", "a", 1)]).is_empty());
    }
}

/// The campaign's open figures: vouchers issued, claimed, used, expired and refunded (in count
/// and yuan, per tier and per day), the money spent at merchants against the subsidy, and each
/// release's stock and when it sold out. Public, counted at most every few seconds and cacheable
/// for as long (`Cache-Control: public, max-age`). The same figures as a page:
/// `/campaigns/{id}/figures`.
#[utoipa::path(get, path = "/campaigns/{id}/figures", tag = "campaigns", params(("id" = String, Path, description = "A campaign id", example = "tianjin-2022-jinlegou")),
    responses((status = 200, description = "The figures", body = huiquan_core::figures::CampaignFigures), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn figures(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Problem> {
    let campaign = state.catalog.get(&id).ok_or_else(|| Problem::unknown_campaign(&id))?;
    let now = state.ledger.clock().now();
    let counted = match state.figures.get(&state.store, campaign, now).await {
        Some(Ok(counted)) => counted,
        Some(Err(error)) => {
            tracing::error!(%error, "figures count failed");
            return Err(Problem::busy("could not count the figures"));
        }
        None => return Err(Problem::unknown_campaign(&id)),
    };
    Ok((
        [(header::CACHE_CONTROL, counted.cache_control()), (header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        counted.json.clone(),
    )
        .into_response())
}
