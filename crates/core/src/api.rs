//! The JSON the service sends and the app reads, defined once so both sides agree.

use serde::{Deserialize, Serialize};

use crate::{Campaign, Fen, LocalizedText};

/// `GET /api/v1/time`: the service's clock, for the app to correct the phone's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerTime {
    /// Milliseconds since the Unix epoch, UTC.
    pub epoch_ms: i64,
}

/// One entry of `GET /api/v1/campaigns`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignSummary {
    pub id: String,
    pub name: LocalizedText,
    pub city: LocalizedText,
    pub time_zone: String,
}

impl From<&Campaign> for CampaignSummary {
    fn from(campaign: &Campaign) -> Self {
        CampaignSummary {
            id: campaign.id.clone(),
            name: campaign.name.clone(),
            city: campaign.city.clone(),
            time_zone: campaign.time_zone.clone(),
        }
    }
}

/// An RFC 9457 problem, with the stable `code` by which the app chooses its words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemDetails {
    /// `urn:huiquan:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    /// Fields particular to the problem (RFC 9457 extension members), e.g. `opens` for
    /// `not_open_yet`: instants are milliseconds since the epoch, UTC.
    #[serde(flatten, default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl ProblemDetails {
    pub fn new(status: u16, code: &str, title: &str, detail: impl Into<String>) -> ProblemDetails {
        ProblemDetails {
            kind: format!("urn:huiquan:problem:{code}"),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            code: code.to_owned(),
            extensions: serde_json::Map::new(),
        }
    }

    /// A refusal by the rules, as the service sends it and the app reads it: the refusal's
    /// stable code, its words, and its own fields (when a release opens, which period was used
    /// up …) as extension members. The one encoder of refusals, for claims and tills alike.
    pub fn refusal<R: Serialize>(status: u16, code: &str, title: &str, detail: impl Into<String>, refusal: &R) -> ProblemDetails {
        let mut problem = ProblemDetails::new(status, code, title, detail);
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(refusal) {
            problem.extensions = fields.into_iter().filter(|(name, _)| name != "code").collect();
        }
        problem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_carries_its_code_in_the_type_and_as_a_member() {
        let json = serde_json::to_value(ProblemDetails::new(404, "unknown_campaign", "No such campaign", "x")).expect("serialises");
        assert_eq!(json["type"], "urn:huiquan:problem:unknown_campaign");
        assert_eq!(json["code"], "unknown_campaign");
        assert_eq!(json["status"], 404);
    }
}

/// What a successful claim returns (201).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimReceipt {
    pub claim_id: i64,
    pub campaign: String,
    pub offer: String,
    pub round: String,
    pub claimed_at_ms: i64,
    pub vouchers: Vec<IssuedVoucher>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedVoucher {
    pub id: i64,
    pub code: String,
    pub tier: String,
    pub expires_at_ms: i64,
}

/// The stock of one offer at an instant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferStock {
    pub offer: String,
    /// The release under way, if any, and what is left of it.
    pub release_opens_ms: Option<i64>,
    pub stock: Option<u32>,
    pub left: Option<u32>,
    /// When the release's last unit was claimed, if it has been (milliseconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_out_at_ms: Option<i64>,
    pub state: crate::TierState,
}

/// Pushed to stock subscribers after each commit that changed a release.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockUpdate {
    pub campaign: String,
    pub offer: String,
    pub release_opens_ms: i64,
    pub left: u32,
    /// When the release's last unit was claimed, once it has been.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_out_at_ms: Option<i64>,
}

/// Where a voucher stands, as of the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    Unused,
    Used,
    Expired,
}

/// One voucher of `GET /api/v1/wallet`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletVoucher {
    pub id: i64,
    /// What the till scans or types.
    pub code: String,
    pub campaign: String,
    pub tier: String,
    /// The tier or pack it was claimed as.
    pub offer: String,
    pub threshold: Fen,
    pub discount: Fen,
    pub claimed_at_ms: i64,
    pub expires_at_ms: i64,
    pub status: VoucherStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at_ms: Option<i64>,
    /// Merchant categories that accept it (empty: every participating merchant).
    pub accepted_categories: Vec<String>,
}

/// What a sign-in returns (`POST /api/v1/sessions`, `POST /api/v1/sessions/partner`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedIn {
    /// Sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// The resident's account number: the wallet and the sessions belong to it. (The "same
    /// user" rule links accounts for a campaign's limits; it never opens one account to another.)
    pub resident: i64,
    pub expires_at_ms: i64,
}

/// A merchant where a campaign's vouchers are accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Merchant {
    pub id: String,
    pub name: LocalizedText,
    /// An id of the campaign's categories.
    pub category: String,
    pub district: LocalizedText,
    pub address: LocalizedText,
    /// WGS-84; absent for an online shop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default)]
    pub online: bool,
}

/// One merchant of a search, with its distance when searched from a position.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantHit {
    #[serde(flatten)]
    pub merchant: Merchant,
    /// Metres from the position searched from, when one was given and the merchant has a place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

/// A page of `GET /api/v1/campaigns/{id}/merchants`: `total` matches, from `offset`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantPage {
    pub total: usize,
    pub offset: usize,
    pub merchants: Vec<MerchantHit>,
}
