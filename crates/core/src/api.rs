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

/// Every `code` a problem of the service may carry: the API document lists them, and the service
/// checks (in debug builds, so in every test) that it sends no other.
pub const PROBLEM_CODES: &[&str] = &[
    // Malformed requests (400, 405, 413, 415, 422).
    "bad_request",
    "method_not_allowed",
    "malformed_json",
    "invalid_body",
    "unsupported_media_type",
    "payload_too_large",
    "invalid_query",
    "invalid_location",
    "invalid_identifier",
    "invalid_code",
    "invalid_store_code",
    "invalid_order",
    "idempotency_key_missing",
    "idempotency_key_invalid",
    "no_client_address",
    // Who is asking (401).
    "unauthenticated",
    "wrong_code",
    "invalid_partner_token",
    "partner_token_replayed",
    // What does not exist (404).
    "not_found",
    "unknown_campaign",
    "unknown_offer",
    "unknown_tier",
    "unknown_store",
    "unknown_voucher",
    "unknown_order",
    "wechat_not_configured",
    "unionpay_not_configured",
    // A claim refused by the campaign's rules (403, 409).
    "not_open_yet",
    "round_over",
    "campaign_over",
    "sold_out",
    "real_name_required",
    "enterprise_excluded",
    "not_on_allowlist",
    "store_required",
    "store_code_expired",
    "location_required",
    "outside_area",
    "location_uncertain",
    "location_inaccurate",
    "already_claimed",
    "used_before",
    "idempotency_key_reused",
    // Claiming for a relative (代领) (403, 404, 409, 422).
    "not_linked",
    "proxy_not_allowed",
    "too_many_links",
    "cannot_link_self",
    // A voucher refused at a till (409, 422).
    "wrong_campaign",
    "voucher_expired",
    "voucher_used",
    "not_accepted_here",
    "threshold_not_met",
    "one_voucher_per_order",
    "merchant_daily_limit",
    // Too much, too often (429).
    "rate_limited",
    "too_many_attempts",
    "too_many_codes",
    "too_many_streams",
    // Nothing was done; try again (503).
    "busy",
    "sms_paused",
    "sms_unavailable",
    "wechat_ticket_unavailable",
    "unionpay_token_unavailable",
];

#[cfg(feature = "openapi")]
fn problem_code_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(PROBLEM_CODES.iter().copied()))
        .description(Some("The stable machine code: what the client shows or does depends on it, never on `detail`."))
        .build()
}

/// An RFC 9457 problem, with the stable `code` by which the app chooses its words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemDetails {
    /// `urn:huiquan:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = problem_code_schema))]
    pub code: String,
    /// Fields particular to the problem (RFC 9457 extension members), e.g. `opens` for
    /// `not_open_yet`: instants are milliseconds since the epoch, UTC.
    #[serde(flatten, default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// Decoded from the object's members directly: serde's `flatten` would buffer the whole problem
/// through its private `Content` tree (see `wire`).
impl<'de> Deserialize<'de> for ProblemDetails {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ProblemDetails, D::Error> {
        use serde::de::Error;
        let mut members = serde_json::Map::deserialize(deserializer)?;
        let mut member = |name: &'static str| members.remove(name).ok_or_else(|| D::Error::missing_field(name));
        let text = |value: serde_json::Value| String::deserialize(value).map_err(D::Error::custom);
        let kind = text(member("type")?)?;
        let title = text(member("title")?)?;
        let status = u16::deserialize(member("status")?).map_err(D::Error::custom)?;
        let detail = text(member("detail")?)?;
        let code = text(member("code")?)?;
        Ok(ProblemDetails { kind, title, status, detail, code, extensions: members })
    }
}

/// The part of a problem the app acts on: its status and stable code (the words are for people
/// and logs, a refusal's fields are read as a `Refusal`). Read without `ProblemDetails`'s map of
/// extension members, whose JSON tree the app's download would otherwise carry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ProblemCode {
    pub status: u16,
    pub code: String,
}

impl ProblemDetails {
    pub fn new(status: u16, code: &str, title: &str, detail: impl Into<String>) -> ProblemDetails {
        debug_assert!(PROBLEM_CODES.contains(&code), "{code} is not a documented problem code");
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
    fn a_merchant_hit_reads_back_with_or_without_its_distance() {
        let text = |zh: &str| LocalizedText { zh_hans: zh.into(), en: zh.into() };
        let merchant = Merchant {
            id: "m1".into(),
            name: text("店"),
            category: "retail".into(),
            district: text("和平区"),
            address: text("路"),
            lat: Some(39.1),
            lon: Some(117.2),
            online: false,
        };
        for distance_m in [Some(812.5), None] {
            let hit = MerchantHit { merchant: merchant.clone(), distance_m };
            let json = serde_json::to_string(&hit).unwrap();
            assert_eq!(serde_json::from_str::<MerchantHit>(&json).unwrap(), hit, "{json}");
        }
        assert!(serde_json::from_str::<MerchantHit>(r#"{"id":"m1","distance_m":3}"#).is_err());
        assert!(serde_json::from_str::<MerchantHit>(r#"{"distance_m":"far"}"#).is_err());
    }

    #[test]
    fn a_store_code_is_read_as_the_document_pattern_says() {
        // `^[!-~]+\.[!-~]+$`: visible ASCII with something on both sides of a dot.
        assert_eq!(parse_store_code("sy-00008.K7QX2M9D"), Some(("sy-00008", "K7QX2M9D")));
        assert_eq!(parse_store_code("a.b.c"), Some(("a.b", "c")));
        assert_eq!(parse_store_code("a.."), Some(("a", ".")));
        assert_eq!(parse_store_code("a.bc."), Some(("a", "bc.")));
        for malformed in ["", ".", "a.", ".a", "ab", "a .b", "店.1", &format!("{}.b", "a".repeat(95))] {
            assert_eq!(parse_store_code(malformed), None, "{malformed:?}");
        }
    }

    #[test]
    fn a_wallet_voucher_reads_as_the_claim_it_records() {
        let voucher = WalletVoucher {
            id: 7,
            code: "CODE-7".into(),
            campaign: "jincheng-2020-alipay".into(),
            tier: "fuel-10".into(),
            offer: "pack".into(),
            threshold: Fen(0),
            discount: Fen(1_000),
            claimed_at_ms: 1_000,
            expires_at_ms: 2_000,
            status: VoucherStatus::Used,
            used_at_ms: Some(1_500),
            accepted_categories: vec!["fuel".into()],
        };
        let claim = WalletClaim {
            campaign: "jincheng-2020-alipay".into(),
            tier: "fuel-10".into(),
            offer: "pack".into(),
            claimed_at_ms: 1_000,
            used_at_ms: Some(1_500),
        };
        assert_eq!(serde_json::from_str::<WalletClaim>(&serde_json::to_string(&voucher).unwrap()).unwrap(), claim);
        let unused = WalletVoucher { status: VoucherStatus::Unused, used_at_ms: None, ..voucher };
        let read = serde_json::from_str::<WalletClaim>(&serde_json::to_string(&unused).unwrap()).unwrap();
        assert_eq!(read.used_at_ms, None, "an unused voucher's `used_at_ms` is left out");
    }

    #[test]
    fn a_relatives_phone_is_shown_with_its_middle_hidden() {
        assert_eq!(phone_hint("13800138000"), "138****8000");
        assert_eq!(phone_hint("+86 138 0013 8000"), "138****8000");
        assert_eq!(phone_hint("12345"), "*****");
    }

    #[test]
    fn a_problem_reads_back_with_its_extension_members() {
        let problem = ProblemDetails::refusal(
            409,
            "already_claimed",
            "Already claimed",
            "once a day",
            &crate::Refusal::AlreadyClaimed { period: crate::Period::Day, again_at: Some(crate::civil::Instant(7)) },
        );
        let json = serde_json::to_string(&problem).unwrap();
        assert_eq!(serde_json::from_str::<ProblemDetails>(&json).unwrap(), problem);
        assert_eq!(problem.extensions["again_at"], 7);
        // Each standard member is required and typed; anything else is an extension.
        let bare = r#"{"type":"urn:huiquan:problem:sold_out","title":"t","status":409,"detail":"d","code":"sold_out"}"#;
        assert!(serde_json::from_str::<ProblemDetails>(bare).unwrap().extensions.is_empty());
        assert!(serde_json::from_str::<ProblemDetails>(&bare.replace(r#","code":"sold_out""#, "")).is_err());
        assert!(serde_json::from_str::<ProblemDetails>(&bare.replace("409", "\"409\"")).is_err());
        assert!(serde_json::from_str::<ProblemDetails>(&bare.replace("409", "70000")).is_err());
        // What the app reads of the same problem: its status and code.
        assert_eq!(serde_json::from_str::<ProblemCode>(&json).unwrap(), ProblemCode { status: 409, code: "already_claimed".into() });
        assert!(serde_json::from_str::<ProblemCode>(r#"{"status":409}"#).is_err());
    }

    #[test]
    fn every_refusal_of_the_rules_has_a_documented_code() {
        use crate::{Period, RedeemRefusal, Refusal, ThresholdBasis};
        let never = crate::civil::Instant(0);
        let claims = [
            Refusal::UnknownOffer,
            Refusal::NotOpenYet { opens: never },
            Refusal::RoundOver { next_round_opens: None },
            Refusal::CampaignOver,
            Refusal::SoldOut { next_release: None },
            Refusal::RealNameRequired,
            Refusal::EnterpriseExcluded,
            Refusal::NotOnAllowlist { list: String::new() },
            Refusal::StoreRequired,
            Refusal::LocationRequired,
            Refusal::OutsideArea,
            Refusal::LocationUncertain,
            Refusal::LocationInaccurate,
            Refusal::AlreadyClaimed { period: Period::Day, again_at: None },
            Refusal::UsedBefore { period: Period::Campaign, again_at: None },
        ];
        let tills = [
            RedeemRefusal::UnknownTier,
            RedeemRefusal::Expired { expired_at: never },
            RedeemRefusal::AlreadyUsed,
            RedeemRefusal::NotAccepted,
            RedeemRefusal::ThresholdNotMet { threshold: Fen(0), basis: ThresholdBasis::OrderTotal },
            RedeemRefusal::OneVoucherPerOrder,
            RedeemRefusal::MerchantDailyLimit,
        ];
        for code in claims.iter().map(Refusal::code).chain(tills.iter().map(RedeemRefusal::code)) {
            assert!(PROBLEM_CODES.contains(&code), "{code} is not in PROBLEM_CODES");
        }
        let mut sorted = PROBLEM_CODES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), PROBLEM_CODES.len(), "listed once each");
    }

    #[test]
    fn a_problem_carries_its_code_in_the_type_and_as_a_member() {
        let json = serde_json::to_value(ProblemDetails::new(404, "unknown_campaign", "No such campaign", "x")).expect("serialises");
        assert_eq!(json["type"], "urn:huiquan:problem:unknown_campaign");
        assert_eq!(json["code"], "unknown_campaign");
        assert_eq!(json["status"], 404);
    }
}

/// A mainland mobile number as a resident may type it: 11 digits starting with 1, spaces or
/// dashes between them, `+86` or `0086` before them. [`crate::identity::Identifier::normalized`]
/// accepts exactly this; the OpenAPI document states it, and a test checks the two agree.
pub const PHONE_PATTERN: &str = r"^[ -]*(?:(?:\+86|0086)[ -]*)?1(?:[ -]*[0-9]){10}[ -]*$";
/// The longest phone text read (characters).
pub const PHONE_MAX_CHARS: usize = 32;
/// A one-time sign-in code: six digits.
pub const SIGN_IN_CODE_PATTERN: &str = "^[0-9]{6}$";
/// Ids chosen by clients (device ids, Idempotency-Keys, a till's order ids): visible ASCII only,
/// so that what is stored, logged and compared has one spelling.
pub const VISIBLE_ASCII_PATTERN: &str = "^[!-~]+$";
/// The longest device id.
pub const DEVICE_MAX_CHARS: usize = 128;

/// Whether `text` is visible ASCII (no spaces, no controls) of a length in `lengths`: the one
/// check of ids chosen by clients ([`VISIBLE_ASCII_PATTERN`] with its length bounds).
/// The longest store claim code a claim carries.
pub const STORE_CODE_MAX_CHARS: usize = 96;

/// A store claim code `<store>.<code>` split in two, if it is one (visible ASCII, at most
/// [`STORE_CODE_MAX_CHARS`], something on both sides of a dot): as the service reads a claim's
/// `store` (the API document's pattern says the same) and as the app checks what was typed.
pub fn parse_store_code(text: &str) -> Option<(&str, &str)> {
    if !is_visible_ascii(text, 3..=STORE_CODE_MAX_CHARS) {
        return None;
    }
    // The last dot with something on both sides splits, so a store id may hold dots.
    let split = text[1..text.len() - 1].rfind('.')? + 1;
    Some((&text[..split], &text[split + 1..]))
}

pub fn is_visible_ascii(text: &str, lengths: core::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_graphic())
}

// The schemas of the formats above, built from the constants the code checks, so the document
// cannot state one thing while the code applies another.
#[cfg(feature = "openapi")]
fn text_schema(pattern: &str, lengths: (Option<usize>, Option<usize>), example: Option<&str>) -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(pattern))
        .min_length(lengths.0)
        .max_length(lengths.1)
        .examples(example)
}

#[cfg(feature = "openapi")]
fn phone_schema() -> utoipa::openapi::Object {
    text_schema(PHONE_PATTERN, (None, Some(PHONE_MAX_CHARS)), Some("138 0013 8000")).build()
}

#[cfg(feature = "openapi")]
fn sign_in_code_schema() -> utoipa::openapi::Object {
    text_schema(SIGN_IN_CODE_PATTERN, (None, None), Some("042917")).build()
}

#[cfg(feature = "openapi")]
fn device_schema() -> utoipa::openapi::Object {
    text_schema(VISIBLE_ASCII_PATTERN, (Some(1), Some(DEVICE_MAX_CHARS)), None)
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::schema::Type::String,
            utoipa::openapi::schema::Type::Null,
        ]))
        .description(Some("An id the app keeps for this device (the \"same user\" rule counts devices)."))
        .build()
}

/// The largest amount an order or one of its lines may state: 10 billion yuan, in fen. Far
/// above any purchase, and far below where a JSON number stops being an exact integer.
pub const ORDER_AMOUNT_MAX: i64 = 1_000_000_000_000;
/// Lines of one order.
pub const ORDER_ITEMS_MAX: usize = 100;

/// `POST /api/v1/sessions/otp`: send a one-time code to this phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = phone_schema))]
    pub phone: String,
}

/// A code was sent (202).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeSent {
    /// How long the code stays valid.
    pub expires_in_s: u32,
}

/// `POST /api/v1/links`: link a relative's account, confirmed by the code sent to their phone
/// (`POST /api/v1/links/code`), which the relative reads out to the carer once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = phone_schema))]
    pub phone: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = sign_in_code_schema))]
    pub code: String,
}

/// One link between a carer and a relative, seen from either side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProxyLink {
    /// The other side's resident id.
    pub resident: i64,
    /// The relative's phone with its middle hidden (`138****0000`); the carer's own account
    /// number when seen by the relative (the carer may have no phone on record).
    pub hint: String,
    pub linked_at_ms: i64,
}

/// `GET /api/v1/links`: whom this resident claims for, and who claims for them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Links {
    pub relatives: Vec<ProxyLink>,
    pub carers: Vec<ProxyLink>,
}

/// A phone number with its middle hidden, as a link shows a relative's: `138****0000`.
pub fn phone_hint(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let national = if digits.len() > 11 { &digits[digits.len() - 11..] } else { &digits[..] };
    if national.len() < 7 {
        return "*".repeat(national.len());
    }
    let (head, rest) = national.split_at(3);
    let tail = &rest[rest.len() - 4..];
    format!("{}****{}", head.iter().collect::<String>(), tail.iter().collect::<String>())
}

/// `POST /api/v1/sessions`: sign in with the phone and its one-time code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeSignIn {
    #[cfg_attr(feature = "openapi", schema(schema_with = phone_schema))]
    pub phone: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = sign_in_code_schema))]
    pub code: String,
    /// An id the app keeps for this device (the "same user" rule counts devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = device_schema))]
    pub device: Option<String>,
}

/// `POST /api/v1/sessions/partner`: sign in with a partner app's signed token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartnerSignIn {
    /// `<claims as base64url JSON>.<HMAC-SHA-256 as base64url>`, as the partner signed it.
    pub token: String,
}

/// `DELETE /api/v1/sessions`: how many sessions a sign-out everywhere ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedOut {
    pub sessions_ended: u64,
}

/// The body of `POST /api/v1/campaigns/{id}/claims`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"offer": "retail-100-10", "location": {"latitude": 39.1256, "longitude": 117.1909, "accuracy": 30.0}})))]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    /// A tier or pack id of the campaign.
    #[cfg_attr(feature = "openapi", schema(example = "retail-100-10"))]
    pub offer: String,
    /// The browser's fix (WGS-84), if the resident shared it. The service locates it itself.
    #[serde(default)]
    pub location: Option<ClaimLocation>,
    /// For in-store claims: the store's claim code as its till shows it (`<store>.<code>`, from
    /// `GET /till/store-code`), scanned or typed in the store. A store's id alone is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[!-~]+\.[!-~]+$", max_length = 96))]
    pub store: Option<String>,
    /// Claiming for a linked relative (代领): their resident id. The claim counts against their
    /// limits and the vouchers go to their wallet; the location is still this phone's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_resident: Option<i64>,
}

/// Where the phone is, as the browser's Geolocation API reports it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimLocation {
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub latitude: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub longitude: f64,
    /// The 95% radius in metres, as `GeolocationCoordinates.accuracy`.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub accuracy: f64,
}

impl From<crate::Fix> for ClaimLocation {
    fn from(fix: crate::Fix) -> ClaimLocation {
        ClaimLocation { latitude: fix.latitude(), longitude: fix.longitude(), accuracy: fix.accuracy_m() }
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

/// What the service writes into a campaign's page for the app to start from: the campaign as
/// `GET /campaigns/{id}` gives it, in `<script type="application/json" id="huiquan-campaign">`,
/// and its stock when the page was made, as `GET /campaigns/{id}/stock` gives it, in
/// `id="huiquan-stock"`. Two blocks of the API's own answers, so the app reads them with the
/// decoders it has anyway.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirstPaint<'a> {
    pub campaign: &'a Campaign,
    pub stock: Option<&'a [OfferStock]>,
}

impl FirstPaint<'_> {
    /// The id of the page element holding the campaign.
    pub const CAMPAIGN_ELEMENT: &'static str = "huiquan-campaign";
    /// The id of the page element holding the stock.
    pub const STOCK_ELEMENT: &'static str = "huiquan-stock";
}

/// Pushed to stock subscribers after each commit that changed a release.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockUpdate {
    pub campaign: String,
    pub offer: String,
    pub release_opens_ms: i64,
    pub left: u32,
    /// The release's size (with rollover, larger than the tier's own stock), so a release first
    /// heard of through an event is shown as "left / size" at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<u32>,
    /// When the release's last unit was claimed, once it has been.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sold_out_at_ms: Option<i64>,
}

/// Where a voucher stands, as of the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    Unused,
    Used,
    Expired,
}
crate::wire::unit_enum_names!(VoucherStatus { "unused" => VoucherStatus::Unused, "used" => VoucherStatus::Used, "expired" => VoucherStatus::Expired });

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

/// What a claim page reads of a wallet's voucher (`GET /api/v1/wallet`): which offer was claimed
/// when, and which tier used when, for the limits. The voucher's other fields are skipped as it is
/// read, so a page that shows no wallet carries no reader of them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WalletClaim {
    pub campaign: String,
    pub tier: String,
    pub offer: String,
    pub claimed_at_ms: i64,
    #[serde(default)]
    pub used_at_ms: Option<i64>,
}

/// What a host app's SDK needs to let a page use it, signed for one page address
/// (`GET /api/v1/hosts/{wechat,unionpay}/config`): the partner's account on that platform, and
/// the signature of the address with the platform's token, `nonce_str` and `timestamp`
/// (`wx.config`: WeChat's JS-SDK documentation, appendix 1; `upsdk.config`: UnionPay's UPSDK
/// documentation, 6.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HostSdkConfig {
    pub app_id: String,
    /// Seconds since the Unix epoch.
    pub timestamp: i64,
    pub nonce_str: String,
    /// Lower-case hex: SHA-1 for WeChat, SHA-256 for UnionPay.
    pub signature: String,
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
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantHit {
    #[serde(flatten)]
    pub merchant: Merchant,
    /// Metres from the position searched from, when one was given and the merchant has a place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

/// Decoded without serde's `flatten` buffering (see `wire`): every member read into one flat
/// struct, then split.
impl<'de> Deserialize<'de> for MerchantHit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<MerchantHit, D::Error> {
        #[derive(Deserialize)]
        struct Flat {
            id: String,
            name: LocalizedText,
            category: String,
            district: LocalizedText,
            address: LocalizedText,
            #[serde(default)]
            lat: Option<f64>,
            #[serde(default)]
            lon: Option<f64>,
            #[serde(default)]
            online: bool,
            #[serde(default)]
            distance_m: Option<f64>,
        }
        let Flat { id, name, category, district, address, lat, lon, online, distance_m } = Flat::deserialize(deserializer)?;
        Ok(MerchantHit { merchant: Merchant { id, name, category, district, address, lat, lon, online }, distance_m })
    }
}

/// A page of `GET /api/v1/campaigns/{id}/merchants`: `total` matches, from `offset`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantPage {
    pub total: usize,
    pub offset: usize,
    pub merchants: Vec<MerchantHit>,
}
