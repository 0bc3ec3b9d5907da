//! The till: redeem a voucher against an order, and refund an order.
//!
//! A till authenticates as its merchant: `Authorization: Till <campaign>/<merchant>:<key>`, the
//! key being HMAC-SHA-256(till secret, `<campaign>/<merchant>`) in hex, handed to the merchant when
//! it joins (see `till_key`).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::IntoResponse,
};
use hmac::{Hmac, Mac};
use huiquan_core::{
    Order, RefundKind,
    api::{ORDER_AMOUNT_MAX, ORDER_ITEMS_MAX, ProblemDetails, is_visible_ascii},
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::extract::ApiJson;
use crate::{
    AppState, Problem, codes,
    ledger::{LedgerError, RedeemCommand, Redeemed, RefundCommand, RefundedVoucher, TillRefusal},
    merchants::Merchant,
};

/// A till's order id: 1 to 64 visible ASCII characters, as the document's pattern says.
fn valid_order_id(id: &str) -> bool {
    is_visible_ascii(id, 1..=64)
}

/// The till key of a merchant.
pub fn till_key(secret: &[u8], campaign: &str, merchant: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(format!("{campaign}/{merchant}").as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// The merchant whose till sent the request.
fn till_merchant(state: &AppState, headers: &HeaderMap) -> Result<(String, Merchant), Problem> {
    let unauthenticated = || Problem::unauthenticated("send Authorization: Till <campaign>/<merchant>:<key>");
    let value = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).ok_or_else(unauthenticated)?;
    let (who, key) = value.strip_prefix("Till ").and_then(|rest| rest.split_once(':')).ok_or_else(unauthenticated)?;
    let (campaign, merchant) = who.split_once('/').ok_or_else(unauthenticated)?;
    let expected = till_key(&state.till_secret, campaign, merchant);
    // Compare through HMAC verification to keep it constant-time.
    let mut mac = Hmac::<Sha256>::new_from_slice(&state.till_secret).map_err(|_| unauthenticated())?;
    mac.update(format!("{campaign}/{merchant}").as_bytes());
    let given: Vec<u8> = (0..key.len() / 2).filter_map(|i| u8::from_str_radix(key.get(2 * i..2 * i + 2)?, 16).ok()).collect();
    if key.len() != expected.len() || mac.verify_slice(&given).is_err() {
        return Err(Problem::unauthenticated("the till key does not match"));
    }
    let merchant = state.merchants.get(campaign, merchant).cloned().ok_or_else(unauthenticated)?;
    Ok((campaign.to_owned(), merchant))
}

/// What a till shows for in-store claims: the resident scans it (or types `claim_code`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreCode {
    pub store: String,
    /// `<store>.<code>`: what the claim sends as `store`.
    pub claim_code: String,
    /// The claim page with the code in its address, for the till's QR code: scanned by the
    /// phone's camera or a partner app's 扫一扫, it opens the page with the code filled in.
    pub claim_path: String,
    /// The code is accepted until then (5 to 10 minutes after it is first shown).
    pub expires_at_ms: i64,
}

/// The store code the calling till shows now, for residents claiming in-store vouchers.
#[utoipa::path(get, path = "/till/store-code", tag = "till", security(("till" = [])),
    responses((status = 200, description = "The code to show", body = StoreCode),
        (status = 401, description = "Not a till", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn store_code(State(state): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, Problem> {
    let (campaign, merchant) = till_merchant(&state, &headers)?;
    let now = jiff::Timestamp::now().as_millisecond();
    let window = now.div_euclid(codes::STORE_CODE_WINDOW_MS);
    let code = codes::store_code(&state.till_secret, &campaign, &merchant.id, window);
    let claim_code = format!("{}.{code}", merchant.id);
    let body = StoreCode {
        // Campaign and store ids are slugs, the code base32: nothing to escape.
        claim_path: format!("/campaigns/{campaign}?store={claim_code}"),
        claim_code,
        store: merchant.id,
        expires_at_ms: (window + 2) * codes::STORE_CODE_WINDOW_MS,
    };
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(body)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemBody {
    /// As the resident's wallet shows it (case and surrounding spaces do not matter).
    #[schema(max_length = 64)]
    pub voucher_code: String,
    /// The till's own id of the order: 1 to 64 visible ASCII characters.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub order_id: String,
    /// `total` and `items` in fen; the merchant's category is the service's own record.
    #[schema(value_type = i64, minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub total: huiquan_core::Fen,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub items: Vec<huiquan_core::OrderItem>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    /// The order's id, as it was redeemed.
    #[schema(pattern = "^[!-~]{1,64}$")]
    pub order_id: String,
    pub kind: RefundKind,
}

fn till_problem(error: LedgerError) -> Problem {
    match error {
        LedgerError::Refused(TillRefusal::UnknownVoucher) => {
            Problem::new(StatusCode::NOT_FOUND, "unknown_voucher", "No such voucher", "no voucher has this code")
        }
        LedgerError::Refused(TillRefusal::UnknownOrder) => {
            Problem::new(StatusCode::NOT_FOUND, "unknown_order", "No such order", "no voucher was used on this order here")
        }
        LedgerError::Refused(TillRefusal::WrongCampaign) => {
            Problem::unprocessable("wrong_campaign", "the voucher is not of this merchant's campaign")
        }
        LedgerError::Refused(TillRefusal::Rule(refusal)) => {
            Problem::refusal(StatusCode::CONFLICT, refusal.code(), "Voucher refused", refusal.to_string(), &refusal)
        }
        other => {
            tracing::error!(error = %other, "till request not written");
            Problem::busy("nothing was recorded; try again")
        }
    }
}

/// Redeems a voucher against an order at the calling merchant's till.
#[utoipa::path(post, path = "/till/redemptions", tag = "till", security(("till" = [])), request_body = RedeemBody,
    responses((status = 201, description = "Redeemed: the amount off", body = Redeemed),
        (status = "4XX", description = "Refused: voucher_expired, voucher_used, not_accepted_here, threshold_not_met, one_voucher_per_order, merchant_daily_limit, …", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn redeem(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RedeemBody>,
) -> Result<impl IntoResponse, Problem> {
    let (campaign, merchant) = till_merchant(&state, &headers)?;
    let amount = |fen: huiquan_core::Fen| (0..=ORDER_AMOUNT_MAX).contains(&fen.0);
    let valid = valid_order_id(&body.order_id)
        && body.voucher_code.chars().count() <= 64
        && amount(body.total)
        && body.items.len() <= ORDER_ITEMS_MAX
        && body.items.iter().all(|item| amount(item.amount) && item.product_category.as_ref().is_none_or(|c| c.chars().count() <= 64));
    if !valid {
        return Err(Problem::unprocessable(
            "invalid_order",
            format!(
                "an order needs an id (1–64 visible ASCII characters), a voucher code of at most 64 characters, \
                 amounts from 0 to {ORDER_AMOUNT_MAX} fen and at most {ORDER_ITEMS_MAX} lines"
            ),
        ));
    }
    let code = body.voucher_code.trim().to_ascii_uppercase();
    let redeemed = state
        .ledger
        .redeem(RedeemCommand {
            campaign,
            merchant: merchant.id.clone(),
            merchant_category: merchant.category.clone(),
            voucher_code: code,
            order_id: body.order_id,
            order: Order { merchant_category: merchant.category, total: body.total, items: body.items },
        })
        .await
        .map_err(till_problem)?;
    Ok((StatusCode::CREATED, Json(redeemed)))
}

/// Refunds an order: a full refund inside validity restores the voucher, otherwise it stays used.
#[utoipa::path(post, path = "/till/refunds", tag = "till", security(("till" = [])), request_body = RefundBody,
    responses((status = 200, description = "What became of each voucher of the order", body = Vec<RefundedVoucher>), (status = "4XX", description = "Refused: `code` says why (unknown_campaign, …)", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn refund(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RefundBody>,
) -> Result<impl IntoResponse, Problem> {
    let (campaign, merchant) = till_merchant(&state, &headers)?;
    if !valid_order_id(&body.order_id) {
        return Err(Problem::unprocessable("invalid_order", "an order id is 1 to 64 visible ASCII characters"));
    }
    let refunded = state
        .ledger
        .refund(RefundCommand { campaign, merchant: merchant.id.clone(), order_id: body.order_id, kind: body.kind })
        .await
        .map_err(till_problem)?;
    Ok(Json(refunded))
}
