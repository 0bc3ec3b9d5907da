//! The JSON the service sends and the app reads, defined once so both sides agree.

use serde::{Deserialize, Serialize};

use crate::{Campaign, LocalizedText};

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_carries_its_code_in_the_type_and_as_a_member() {
        let json = serde_json::to_value(ProblemDetails::new(404, "unknown_campaign", "No such campaign", "x"))
            .expect("serialises");
        assert_eq!(json["type"], "urn:huiquan:problem:unknown_campaign");
        assert_eq!(json["code"], "unknown_campaign");
        assert_eq!(json["status"], 404);
    }
}
