//! The service's API, as the app calls it. Every failure is an `ApiError`, which the pages turn
//! into a sentence in the resident's language.

use std::sync::Arc;

use gloo_net::http::{Request, RequestBuilder, Response};
use huiquan_core::{
    Campaign, Crs, Fix,
    api::{
        CampaignSummary, ClaimBody, ClaimReceipt, CodeRequest, CodeSent, CodeSignIn, LinkRequest, Links, MerchantPage, OfferStock,
        PartnerSignIn, ProblemCode, ProxyLink, ServerTime, SignedIn,
    },
};
use serde::{Serialize, de::DeserializeOwned};

use crate::{claim::ClaimAnswer, location::Geofence};

/// Why a call to the service failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The request never got an answer (offline, DNS, connection reset…). Which failure is not
    /// kept: the resident is told the same either way, and writing the browser's error out
    /// linked gloo-net's, serde_json's and std's I/O messages (about 2 KB).
    #[error("network error")]
    Network,
    /// The service refused, with its problem details when it sent them.
    #[error("the service answered {status}{}", problem.as_ref().map(|p| format!(" ({})", p.code)).unwrap_or_default())]
    Refused { status: u16, problem: Option<ProblemCode> },
    /// The answer was not what this version of the app can read. Why is not kept: the resident
    /// is told the same either way, and nothing logs it, while writing the reader's error out
    /// linked serde_json's and gloo-net's messages (about 1 KB).
    #[error("unreadable answer")]
    Unreadable,
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

/// A request under way, aborted when dropped: a call whose page has gone (its task dropped at
/// cleanup, `scoped.rs`) gives its connection back at once instead of when the answer comes.
struct InFlight(Option<web_sys::AbortController>);

impl InFlight {
    /// Gives `request` an abort signal that this guard fires when dropped.
    fn attach(request: RequestBuilder) -> (RequestBuilder, InFlight) {
        match web_sys::AbortController::new() {
            Ok(controller) => (request.abort_signal(Some(&controller.signal())), InFlight(Some(controller))),
            // No AbortController (a very old webview): the request just runs to its end.
            Err(_) => (request, InFlight(None)),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // After the answer has been read this changes nothing.
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

/// Sends `request`; a refusal becomes `ApiError::Refused` with the service's problem details.
async fn send(request: Request) -> Result<Response, ApiError> {
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    if !response.ok() {
        let status = response.status();
        let problem = response.text().await.ok().and_then(|text| crate::json::from_str::<ProblemCode>(&text).ok());
        return Err(ApiError::Refused { status, problem });
    }
    Ok(response)
}

async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let text = response.text().await.map_err(|_| ApiError::Unreadable)?;
    crate::json::from_str(&text).map_err(|_| ApiError::Unreadable)
}

/// A request that could not even be built (a body that does not serialise).
fn unbuildable(_: gloo_net::Error) -> ApiError {
    ApiError::Unreadable
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let (request, _in_flight) = InFlight::attach(Request::get(path).header("accept", "application/json"));
    read_json(send(request.build().map_err(unbuildable)?).await?).await
}

pub async fn server_time() -> Result<ServerTime, ApiError> {
    get_json("api/v1/time").await
}

pub async fn campaigns() -> Result<Vec<CampaignSummary>, ApiError> {
    get_json("api/v1/campaigns").await
}

pub async fn campaign(id: &str) -> Result<Campaign, ApiError> {
    get_json(&format!("api/v1/campaigns/{}", encode_path_segment(id))).await
}

/// A campaign as the service's JSON text, to keep on the device as it came.
pub async fn campaign_json(id: &str) -> Result<String, ApiError> {
    let path = format!("api/v1/campaigns/{}", encode_path_segment(id));
    let (request, _in_flight) = InFlight::attach(Request::get(&path).header("accept", "application/json"));
    let response = send(request.build().map_err(unbuildable)?).await?;
    response.text().await.map_err(|_| ApiError::Network)
}

/// The campaign's city outline, in the CRS the campaign names, ready to judge positions.
pub async fn geofence(id: &str, crs: Crs) -> Result<Arc<dyn Geofence>, ApiError> {
    let path = format!("api/v1/campaigns/{}/boundary", encode_path_segment(id));
    let (request, _in_flight) = InFlight::attach(Request::get(&path));
    let response = send(request.build().map_err(unbuildable)?).await?;
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    // The geofence's module not fetched is a network failure too: trying again fetches it.
    match crate::location::read_outline(text, crs).await {
        Ok(Some(geofence)) => Ok(geofence),
        Ok(None) => Err(ApiError::Unreadable),
        Err(_) => Err(ApiError::Network),
    }
}

/// Each tier's and pack's state and what is left of its release under way.
pub async fn stock(id: &str) -> Result<Vec<OfferStock>, ApiError> {
    get_json(&format!("api/v1/campaigns/{}/stock", encode_path_segment(id))).await
}

async fn post_json<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let (request, _in_flight) = InFlight::attach(Request::post(path).header("accept", "application/json"));
    read_json(send(with_json(request, body)?).await?).await
}

/// `request` with `body` as its JSON (written by [`crate::json::to_string`]).
fn with_json<B: Serialize + ?Sized>(request: RequestBuilder, body: &B) -> Result<Request, ApiError> {
    let body = crate::json::to_string(body).ok_or(ApiError::Unreadable)?;
    request.header("content-type", "application/json").body(body).map_err(unbuildable)
}

/// Asks for a one-time code by text message (in demo mode the service logs it).
pub async fn send_code(phone: &str) -> Result<CodeSent, ApiError> {
    post_json("api/v1/sessions/otp", &CodeRequest { phone: phone.to_owned() }).await
}

/// Signs in with the phone, its one-time code and this device's id.
pub async fn sign_in(phone: &str, code: &str, device: &str) -> Result<SignedIn, ApiError> {
    let body = CodeSignIn { phone: phone.to_owned(), code: code.to_owned(), device: Some(device.to_owned()) };
    post_json("api/v1/sessions", &body).await
}

/// Signs in with the token a partner app handed over.
pub async fn partner_sign_in(token: &str) -> Result<SignedIn, ApiError> {
    post_json("api/v1/sessions/partner", &PartnerSignIn { token: token.to_owned() }).await
}

/// The signed-in resident's vouchers, or (代领) those of a relative they are linked to: read as
/// [`WalletVoucher`](huiquan_core::api::WalletVoucher)s by the wallet pages, as [`WalletClaim`](huiquan_core::api::WalletClaim)s
/// by the claim page (whose download then carries no reader of the rest).
pub async fn wallet<Voucher: DeserializeOwned>(session_token: &str, for_resident: Option<i64>) -> Result<Vec<Voucher>, ApiError> {
    let path = match for_resident {
        Some(relative) => format!("api/v1/wallet?for={relative}"),
        None => "api/v1/wallet".to_owned(),
    };
    let (request, _in_flight) = InFlight::attach(
        Request::get(&path).header("accept", "application/json").header("authorization", &format!("Bearer {session_token}")),
    );
    read_json(send(request.build().map_err(unbuildable)?).await?).await
}

/// The signed-in resident's links (代领): whom they claim for, and who claims for them.
pub async fn links(session_token: &str) -> Result<Links, ApiError> {
    let (request, _in_flight) = InFlight::attach(
        Request::get("api/v1/links").header("accept", "application/json").header("authorization", &format!("Bearer {session_token}")),
    );
    read_json(send(request.build().map_err(unbuildable)?).await?).await
}

/// Sends a relative's phone the code that links them to the signed-in resident.
pub async fn send_link_code(session_token: &str, phone: &str) -> Result<CodeSent, ApiError> {
    let (request, _in_flight) = InFlight::attach(
        Request::post("api/v1/links/code").header("accept", "application/json").header("authorization", &format!("Bearer {session_token}")),
    );
    read_json(send(with_json(request, &CodeRequest { phone: phone.to_owned() })?).await?).await
}

/// Links the relative whose phone got the code.
pub async fn link(session_token: &str, phone: &str, code: &str) -> Result<ProxyLink, ApiError> {
    let (request, _in_flight) = InFlight::attach(
        Request::post("api/v1/links").header("accept", "application/json").header("authorization", &format!("Bearer {session_token}")),
    );
    let body = LinkRequest { phone: phone.to_owned(), code: code.to_owned() };
    read_json(send(with_json(request, &body)?).await?).await
}

/// Ends a link with the other side, whichever side this resident is.
pub async fn unlink(session_token: &str, other: i64) -> Result<(), ApiError> {
    let (request, _in_flight) =
        InFlight::attach(Request::delete(&format!("api/v1/links/{other}")).header("authorization", &format!("Bearer {session_token}")));
    send(request.build().map_err(unbuildable)?).await.map(|_| ())
}

/// Ends the session on the service. Already ended (401) is as good as ended: either way the
/// resident is signed out.
pub async fn sign_out(session_token: &str) -> Result<(), ApiError> {
    let (request, _in_flight) =
        InFlight::attach(Request::delete("api/v1/sessions/current").header("authorization", &format!("Bearer {session_token}")));
    match send(request.build().map_err(unbuildable)?).await {
        Ok(_) | Err(ApiError::Refused { status: 401, .. }) => Ok(()),
        Err(error) => Err(error),
    }
}

/// The address of a merchant search: the first `limit` merchants that take `tier`, matching
/// `words` and `category` (empty: any), nearest first from `near` (WGS-84) when given.
pub fn merchants_path(campaign: &str, tier: &str, words: &str, category: &str, near: Option<(f64, f64)>, limit: usize) -> String {
    let mut path = format!("api/v1/campaigns/{}/merchants?tier={}&limit={limit}", encode_path_segment(campaign), encode_path_segment(tier));
    if !words.trim().is_empty() {
        path.push_str(&format!("&q={}", encode_path_segment(words.trim())));
    }
    if !category.is_empty() {
        path.push_str(&format!("&category={}", encode_path_segment(category)));
    }
    if let Some((latitude, longitude)) = near {
        path.push_str(&format!("&near={latitude:.6},{longitude:.6}"));
    }
    path
}

/// A merchant search, at the address [`merchants_path`] gives.
pub async fn merchants(path: &str) -> Result<MerchantPage, ApiError> {
    get_json(path).await
}

/// One claim attempt. Never an error: every outcome is an answer the claim flow decides on.
pub async fn claim(
    campaign: &str,
    offer: &str,
    idempotency_key: &str,
    session_token: &str,
    fix: Option<Fix>,
    store: Option<String>,
    for_resident: Option<i64>,
) -> ClaimAnswer {
    let path = format!("api/v1/campaigns/{}/claims", encode_path_segment(campaign));
    let body = ClaimBody { offer: offer.to_owned(), location: fix.map(Into::into), store, for_resident };
    let (request, _in_flight) = InFlight::attach(
        Request::post(&path)
            .header("accept", "application/json")
            .header("authorization", &format!("Bearer {session_token}"))
            .header("idempotency-key", idempotency_key),
    );
    let Ok(request) = with_json(request, &body) else { return ClaimAnswer::Network };
    let Ok(response) = request.send().await else { return ClaimAnswer::Network };
    let status = response.status();
    if response.ok() {
        return match response.text().await.ok().and_then(|text| crate::json::from_str::<ClaimReceipt>(&text).ok()) {
            Some(receipt) => ClaimAnswer::Claimed(receipt),
            // Claimed, but the answer was cut: retrying with the same key replays it.
            None => ClaimAnswer::Network,
        };
    }
    let retry_after_s = response.headers().get("retry-after").and_then(|value| value.trim().parse().ok());
    let body = response.text().await.unwrap_or_default();
    ClaimAnswer::Problem { status, body, retry_after_s }
}

/// Ids come from the address bar: never let one reshape the request path.
pub fn encode_path_segment(segment: &str) -> String {
    js_sys::encode_uri_component(segment).into()
}
