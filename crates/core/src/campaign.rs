//! A campaign as its organisers publish it: rounds, themes and tiers (满T减D).
//!
//! Times here are civil ("09:30", "2022-08-28T23:59"): they mean wall-clock time in the
//! campaign's own time zone, whatever zone the phone or the server is in.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use crate::{
    Fen, LocalizedText,
    civil::{DateTime, Time, UtcOffset},
    wire::required,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    /// Stable, URL-safe identifier, e.g. `tianjin-2022-jinlegou`.
    pub id: String,
    pub name: LocalizedText,
    pub city: LocalizedText,
    /// IANA zone in which every civil time of the campaign is meant, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// The zone's offset from UTC for the whole campaign (`+08:00`). The rules compute with it;
    /// the service checks it against the time-zone database when it loads the campaign.
    pub utc_offset: UtcOffset,
    /// Where residents claim, e.g. the JD app.
    pub channel: LocalizedText,
    pub source: Source,
    /// The city's outline, for the location check.
    pub boundary: BoundaryRef,
    /// The merchant categories the campaign's scopes name (Shenyang lists 5 catering and 9 retail
    /// categories). Empty when every participating merchant takes every voucher.
    #[serde(default)]
    pub categories: Vec<Category>,
    pub rounds: Vec<Round>,
    /// When stock is released, unless a theme says otherwise.
    pub release: ReleaseSchedule,
    /// Rules at the till, for every voucher of the campaign.
    #[serde(default)]
    pub redemption: RedemptionRules,
    pub themes: Vec<Theme>,
    /// The "same user" rule (Liaocheng's notice: any shared device, phone, card, ID number or app
    /// account makes one user): limits count across every account linked that way. Off, limits
    /// count per account, as the other notices say nothing of it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub same_user: bool,
    /// Set when the service shifted the campaign's dates for a demonstration.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
}

/// Where the campaign's rules come from, and what had to be assumed because the text is silent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    pub document: String,
    #[serde(default)]
    pub assumptions: Vec<String>,
    /// The figures the app shows that the notice does not give: the app marks each one
    /// "按公告推算" (worked out from the notice), and the line of `assumptions` says how.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<Assumed>,
}

/// Figures of one kind, for some offers, rounds or themes, that an assumption sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assumed {
    pub figure: Figure,
    /// Ids of offers (tiers, packs) for `stock` and `amounts`, of rounds for `round_times`, of
    /// themes for `claim_window`.
    pub of: Vec<String>,
    /// The index in [`Source::assumptions`] of the line that says how it was worked out.
    pub line: usize,
}

/// A kind of figure a campaign shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// How many are released each time.
    Stock,
    /// The threshold and discount (满T减D).
    Amounts,
    /// When a round opens and closes.
    RoundTimes,
    /// Which rounds a theme can be claimed in.
    ClaimWindow,
}
crate::wire::unit_enum_names!(Figure { "stock" => Figure::Stock, "amounts" => Figure::Amounts, "round_times" => Figure::RoundTimes, "claim_window" => Figure::ClaimWindow });

/// A boundary file shipped in `data/geo/`, and the coordinate system its vertices are in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoundaryRef {
    /// File name inside the geo directory, e.g. `liaocheng.gcj02.geojson`.
    pub file: String,
    pub crs: crate::Crs,
}

/// A merchant category (正餐, 超市, 加油 …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub id: String,
    pub name: LocalizedText,
}

/// A batch, period or round (批次/期/轮): claims are possible only inside its window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Round {
    pub id: String,
    pub name: LocalizedText,
    pub opens: DateTime,
    pub closes: DateTime,
    /// When vouchers claimed in this round expire, for themes whose validity is
    /// [`Validity::RoundDeadline`] (Liaocheng: "本轮消费券有效期至 2024 年 2 月 1 日 24 点").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vouchers_expire: Option<DateTime>,
    /// Whether the round brings stock of its own or only what the round before left.
    #[serde(default)]
    pub stock: RoundStock,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundStock {
    /// Each release brings the offer's `stock_per_release` (plus any rollover).
    #[default]
    Fresh,
    /// Only the leftovers of the round before (Liaocheng: "如有剩余资金转入第二轮发放").
    LeftoverOnly,
}
crate::wire::unit_enum_names!(RoundStock { "fresh" => RoundStock::Fresh, "leftover_only" => RoundStock::LeftoverOnly });

/// When stock is released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReleaseSchedule {
    /// Every day of a round at `at`; the campaign's very first day may start at another time
    /// (Tianjin: 19:50 on the first evening, 09:30 every day after).
    Daily {
        at: Time,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_day_at: Option<Time>,
    },
    /// All of a round's stock at the moment the round opens (Liaocheng).
    OncePerRound,
}

/// A group of tiers with one budget and one set of rules (主题: 百货零售, 家电 …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Theme {
    pub id: String,
    pub name: LocalizedText,
    /// What the theme's vouchers may buy, in plain words.
    pub scope: LocalizedText,
    pub budget: Fen,
    /// This theme's release schedule, when it differs from the campaign's (Shenyang's appliance
    /// vouchers are daily at 10:00, its general vouchers once per period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseSchedule>,
    /// The rounds the theme runs in, by id; all of them when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<Vec<String>>,
    /// Merchant categories (ids of [`Campaign::categories`]) where the theme's vouchers are
    /// accepted; empty means every participating merchant.
    #[serde(default)]
    pub merchant_categories: Vec<String>,
    pub rules: Rules,
    pub tiers: Vec<Tier>,
    /// Packs (券包): several of the theme's tiers claimed as one unit. When a theme has packs,
    /// only its packs are claimed and its tiers have no stock of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packs: Vec<Pack>,
}

/// One voucher kind: spend at least `threshold`, get `discount` off (满T减D).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tier {
    pub id: String,
    pub threshold: Fen,
    pub discount: Fen,
    #[serde(default)]
    pub basis: ThresholdBasis,
    #[serde(default)]
    pub scope: Scope,
    /// Vouchers put on offer at each release; 0 for a tier handed out only in packs.
    #[serde(default)]
    pub stock_per_release: u32,
}

/// Several vouchers claimed, and counted against stock and limits, as one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pack {
    pub id: String,
    pub name: LocalizedText,
    pub contents: Vec<PackItem>,
    pub stock_per_release: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackItem {
    /// A tier of the same theme.
    pub tier: String,
    pub count: u32,
}

/// What the threshold is measured against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ThresholdBasis {
    /// The whole order (满1000减100).
    #[default]
    OrderTotal,
    /// A single item (Liaocheng: 单件满2000元补贴300元).
    SingleItem,
}
crate::wire::unit_enum_names!(ThresholdBasis { "order_total" => ThresholdBasis::OrderTotal, "single_item" => ThresholdBasis::SingleItem });

/// What a tier's voucher may be spent on, beyond its theme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Whatever the theme covers.
    #[default]
    Theme,
    /// One product category only (Tianjin: gas stoves with flame-out protection), sold by
    /// merchants of `categories` (Tianjin: JD self-operated only); empty, the theme's merchants.
    ProductCategory {
        id: String,
        name: LocalizedText,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        categories: Vec<String>,
    },
    /// Only merchants of these categories (Jincheng's fuel and dining vouchers).
    MerchantCategories { categories: Vec<String> },
}

/// The limits and lifetimes of a theme's vouchers.
///
/// The re-claim rules of the texts are combinations of these: Tianjin's appliance vouchers are
/// one claim per day, valid to the end of the day, used at most once per campaign — so an unused
/// voucher may be claimed again tomorrow, and a used one never again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rules {
    /// How many times a resident may claim each offer (tier or pack).
    pub claim_limit: Limit,
    /// How many vouchers of each tier a resident may use; once reached, the tier can't be claimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_limit: Option<Limit>,
    pub validity: Validity,
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Whether unclaimed stock and the money of expired, unused vouchers go into the next round.
    #[serde(default)]
    pub rollover: bool,
    /// A fair start (公平起跑): claims in the first `fair_start_s` seconds of each release are
    /// drawn at random when that window closes instead of being served in arrival order (see
    /// `fair_start`); 0, the default, is first come, first served from the first second.
    #[serde(default, skip_serializing_if = "crate::fair_start::is_off")]
    pub fair_start_s: u32,
    /// Whether a linked carer may claim for a relative (代领); on unless a campaign says no.
    #[serde(default = "proxy_claims_allowed", skip_serializing_if = "is_allowed")]
    pub proxy_claims: bool,
}

fn proxy_claims_allowed() -> bool {
    true
}

fn is_allowed(allowed: &bool) -> bool {
    *allowed
}

/// At most `count` per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limit {
    pub count: u32,
    pub per: Period,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// A calendar day in the campaign's time zone.
    Day,
    /// A round (批次/期/轮).
    Round,
    /// The whole campaign.
    Campaign,
}
crate::wire::unit_enum_names!(Period { "day" => Period::Day, "round" => Period::Round, "campaign" => Period::Campaign });

/// Until when a claimed voucher may be used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Validity {
    /// Until 24:00 of the day it was claimed (当日有效).
    EndOfDay,
    /// Until 24:00 of the first `weekday` on or after the claim day (Shenyang: "当期有效，至下一个
    /// 周四24:00前"). ISO numbering: Monday 1 … Sunday 7.
    EndOfWeek { weekday: u8 },
    /// Until the round's `vouchers_expire` (Liaocheng).
    RoundDeadline,
    /// Until the next round opens; in the last round, until it closes (Jincheng).
    UntilNextRound,
}

/// Who may claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Eligibility {
    #[serde(default)]
    pub area: Area,
    /// Only real-name-verified accounts (Shenyang, Jincheng).
    #[serde(default)]
    pub real_name: bool,
    /// Enterprise accounts may not take part (Shenyang: "企业用户不可参与").
    #[serde(default)]
    pub exclude_enterprise: bool,
    /// Only residents on this list (Shenyang: home buyers of the June housing fair).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlist: Option<String>,
    /// Claimed by scanning a code in a participating store of the theme (Shenyang appliances).
    #[serde(default)]
    pub in_store: bool,
}

impl Default for Eligibility {
    fn default() -> Self {
        Eligibility { area: Area::City, real_name: false, exclude_enterprise: false, allowlist: None, in_store: false }
    }
}

/// Where the resident must be when claiming.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Located inside the city's boundary at the moment of the claim.
    #[default]
    City,
    /// Anywhere (Shenyang's specialty vouchers: "面向全国所有京东用户").
    Nationwide,
}
crate::wire::unit_enum_names!(Area { "city" => Area::City, "nationwide" => Area::Nationwide });

/// Rules at the till.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedemptionRules {
    /// At most one voucher per order (Liaocheng: "每单…使用对应面额消费券一张").
    #[serde(default)]
    pub one_voucher_per_order: bool,
    /// At most this many vouchers per resident per merchant per day (Jincheng: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_merchant_per_day: Option<u32>,
}

/// Something a resident claims as one unit: a single tier, or a pack.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Offer<'a> {
    Tier(&'a Tier),
    Pack(&'a Pack),
}

impl<'a> Offer<'a> {
    pub fn id(&self) -> &'a str {
        match self {
            Offer::Tier(tier) => &tier.id,
            Offer::Pack(pack) => &pack.id,
        }
    }

    pub fn stock_per_release(&self) -> u32 {
        match self {
            Offer::Tier(tier) => tier.stock_per_release,
            Offer::Pack(pack) => pack.stock_per_release,
        }
    }
}

/// Why a campaign file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("the campaign is not valid JSON of the expected shape: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("the id {0:?} is used twice")]
    DuplicateId(String),
    #[error("the id {0:?} is not a lowercase slug (a-z, 0-9 and -)")]
    BadId(String),
    #[error("{0} has a blank name or text in one of its languages")]
    BlankText(String),
    #[error("round {0:?} closes before it opens")]
    RoundBackwards(String),
    #[error("round {0:?} overlaps the round before it")]
    RoundsOverlap(String),
    #[error("tier {0:?} must have a positive discount no larger than its threshold")]
    BadTierAmounts(String),
    #[error("the campaign has no {0}")]
    Empty(&'static str),
    #[error("{0} refers to {1:?}, which the campaign does not define")]
    UnknownReference(String, String),
    #[error("theme {0:?}: {1}")]
    BadRules(String, &'static str),
    #[error("round {0:?} needs vouchers_expire, after it opens, for its round-deadline validity")]
    BadDeadline(String),
    #[error("an assumed figure names line {0} of the assumptions, which has no such line")]
    UnknownAssumption(usize),
}

impl Campaign {
    /// Reads and checks a campaign file.
    pub fn from_json(json: &str) -> Result<Campaign, CampaignError> {
        let campaign: Campaign = serde_json::from_str(json)?;
        campaign.validate()?;
        Ok(campaign)
    }

    /// The checks a campaign must pass before anyone may claim from it.
    pub fn validate(&self) -> Result<(), CampaignError> {
        let mut ids = HashSet::new();
        let mut check_id = |id: &str| {
            let slug = !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !slug {
                return Err(CampaignError::BadId(id.to_owned()));
            }
            if !ids.insert(id.to_owned()) {
                return Err(CampaignError::DuplicateId(id.to_owned()));
            }
            Ok(())
        };
        check_id(&self.id)?;
        for (what, text) in [("the campaign name", &self.name), ("the city", &self.city), ("the channel", &self.channel)] {
            if text.is_blank() {
                return Err(CampaignError::BlankText(what.to_owned()));
            }
        }
        if self.rounds.is_empty() {
            return Err(CampaignError::Empty("rounds"));
        }
        if self.themes.is_empty() {
            return Err(CampaignError::Empty("themes"));
        }
        // Categories have their own namespace: a theme and a category may both be "appliances".
        let mut category_ids = HashSet::new();
        for category in &self.categories {
            if !category_ids.insert(category.id.as_str()) {
                return Err(CampaignError::DuplicateId(category.id.clone()));
            }
            if category.name.is_blank() {
                return Err(CampaignError::BlankText(format!("category {:?}", category.id)));
            }
        }
        let mut previous_close = None;
        for round in &self.rounds {
            check_id(&round.id)?;
            if round.name.is_blank() {
                return Err(CampaignError::BlankText(format!("round {:?}", round.id)));
            }
            if round.closes <= round.opens {
                return Err(CampaignError::RoundBackwards(round.id.clone()));
            }
            if previous_close.is_some_and(|closed| round.opens < closed) {
                return Err(CampaignError::RoundsOverlap(round.id.clone()));
            }
            previous_close = Some(round.closes);
        }
        let known_category = |id: &String, whose: String| {
            if self.categories.iter().any(|category| &category.id == id) {
                Ok(())
            } else {
                Err(CampaignError::UnknownReference(whose, id.clone()))
            }
        };
        for theme in &self.themes {
            check_id(&theme.id)?;
            let whose = || format!("theme {:?}", theme.id);
            if theme.name.is_blank() || theme.scope.is_blank() {
                return Err(CampaignError::BlankText(whose()));
            }
            if theme.tiers.is_empty() {
                return Err(CampaignError::Empty("tiers in a theme"));
            }
            for id in theme.rounds.iter().flatten() {
                if !self.rounds.iter().any(|round| &round.id == id) {
                    return Err(CampaignError::UnknownReference(whose(), id.clone()));
                }
            }
            for id in &theme.merchant_categories {
                known_category(id, whose())?;
            }
            let rules = &theme.rules;
            if rules.claim_limit.count == 0 || rules.use_limit.is_some_and(|limit| limit.count == 0) {
                return Err(CampaignError::BadRules(theme.id.clone(), "a limit of 0 would refuse everyone"));
            }
            if let Validity::EndOfWeek { weekday } = rules.validity
                && !(1..=7).contains(&weekday)
            {
                return Err(CampaignError::BadRules(theme.id.clone(), "weekday must be 1 (Monday) to 7 (Sunday)"));
            }
            if rules.validity == Validity::RoundDeadline {
                for round in self.theme_rounds(theme) {
                    if round.vouchers_expire.is_none_or(|expires| expires <= round.opens) {
                        return Err(CampaignError::BadDeadline(round.id.clone()));
                    }
                }
            }
            if rules.rollover && self.theme_release(theme) != &ReleaseSchedule::OncePerRound {
                return Err(CampaignError::BadRules(theme.id.clone(), "rollover needs a once-per-round release"));
            }
            if theme.rules.fair_start_s > crate::fair_start::FAIR_START_MAX_S {
                return Err(CampaignError::BadRules(theme.id.clone(), "a fair start's window is at most 10 seconds"));
            }
            for tier in &theme.tiers {
                check_id(&tier.id)?;
                if tier.discount <= Fen::ZERO || tier.discount > tier.threshold && tier.threshold != Fen::ZERO {
                    return Err(CampaignError::BadTierAmounts(tier.id.clone()));
                }
                match &tier.scope {
                    Scope::Theme => {}
                    Scope::ProductCategory { id, name, categories } => {
                        if id.is_empty() || name.is_blank() {
                            return Err(CampaignError::BlankText(format!("tier {:?}", tier.id)));
                        }
                        for id in categories {
                            known_category(id, format!("tier {:?}", tier.id))?;
                        }
                    }
                    Scope::MerchantCategories { categories } => {
                        if categories.is_empty() {
                            return Err(CampaignError::Empty("categories in a tier's scope"));
                        }
                        for id in categories {
                            known_category(id, format!("tier {:?}", tier.id))?;
                        }
                    }
                }
                if !theme.packs.is_empty() && tier.stock_per_release != 0 {
                    return Err(CampaignError::BadRules(theme.id.clone(), "a theme with packs gives its tiers no stock of their own"));
                }
            }
            for pack in &theme.packs {
                check_id(&pack.id)?;
                if pack.name.is_blank() {
                    return Err(CampaignError::BlankText(format!("pack {:?}", pack.id)));
                }
                if pack.contents.is_empty() || pack.contents.iter().any(|item| item.count == 0) {
                    return Err(CampaignError::Empty("vouchers in a pack"));
                }
                for item in &pack.contents {
                    if !theme.tiers.iter().any(|tier| tier.id == item.tier) {
                        return Err(CampaignError::UnknownReference(format!("pack {:?}", pack.id), item.tier.clone()));
                    }
                }
            }
        }
        for assumed in &self.source.assumed {
            if assumed.line >= self.source.assumptions.len() {
                return Err(CampaignError::UnknownAssumption(assumed.line));
            }
            if assumed.of.is_empty() {
                return Err(CampaignError::Empty("ids in an assumed figure"));
            }
            for id in &assumed.of {
                let known = match assumed.figure {
                    Figure::Stock => self.offer(id).is_some(),
                    Figure::Amounts => self.tier(id).is_some(),
                    Figure::RoundTimes => self.rounds.iter().any(|round| &round.id == id),
                    Figure::ClaimWindow => self.themes.iter().any(|theme| &theme.id == id),
                };
                if !known {
                    return Err(CampaignError::UnknownReference("an assumed figure".to_owned(), id.clone()));
                }
            }
        }
        Ok(())
    }

    /// Whether `figure` of the offer, round or theme `id` is worked out rather than given by
    /// the notice (the app marks it "按公告推算").
    pub fn is_assumed(&self, figure: Figure, id: &str) -> bool {
        self.source.assumed.iter().any(|assumed| assumed.figure == figure && assumed.of.iter().any(|of| of == id))
    }

    pub fn tiers(&self) -> impl Iterator<Item = &Tier> {
        self.themes.iter().flat_map(|theme| theme.tiers.iter())
    }

    /// Every offer of the campaign with the theme it belongs to: a theme's packs if it has any,
    /// otherwise its tiers.
    pub fn offers(&self) -> impl Iterator<Item = (&Theme, Offer<'_>)> {
        self.themes.iter().flat_map(|theme| theme.offers().into_iter().map(move |offer| (theme, offer)))
    }

    /// The offer with this id, and its theme.
    pub fn offer(&self, id: &str) -> Option<(&Theme, Offer<'_>)> {
        self.offers().find(|(_, offer)| offer.id() == id)
    }

    /// The tier with this id, and its theme.
    pub fn tier(&self, id: &str) -> Option<(&Theme, &Tier)> {
        self.themes.iter().find_map(|theme| theme.tiers.iter().find(|tier| tier.id == id).map(|tier| (theme, tier)))
    }

    /// The release schedule a theme follows.
    pub fn theme_release<'a>(&'a self, theme: &'a Theme) -> &'a ReleaseSchedule {
        theme.release.as_ref().unwrap_or(&self.release)
    }

    /// The rounds a theme runs in, in order.
    pub fn theme_rounds<'a>(&'a self, theme: &'a Theme) -> impl Iterator<Item = &'a Round> + 'a {
        self.rounds.iter().filter(move |round| theme.rounds.as_ref().is_none_or(|ids| ids.contains(&round.id)))
    }

    /// The merchant categories where a tier's voucher is accepted; empty means any merchant.
    pub fn accepting_categories<'a>(&'a self, theme: &'a Theme, tier: &'a Tier) -> &'a [String] {
        match &tier.scope {
            Scope::MerchantCategories { categories } => categories,
            Scope::ProductCategory { categories, .. } if !categories.is_empty() => categories,
            Scope::Theme | Scope::ProductCategory { .. } => &theme.merchant_categories,
        }
    }
}

impl Tier {
    /// The face value of one voucher.
    pub fn value(&self) -> Fen {
        self.discount
    }
}

impl Theme {
    /// The theme's offers: its packs if it has any, otherwise its tiers.
    pub fn offers(&self) -> Vec<Offer<'_>> {
        if self.packs.is_empty() { self.tiers.iter().map(Offer::Tier).collect() } else { self.packs.iter().map(Offer::Pack).collect() }
    }

    /// The vouchers one claim of `offer` hands out: one tier, or a pack's contents.
    pub fn vouchers_of<'a>(&'a self, offer: Offer<'a>) -> Vec<&'a Tier> {
        match offer {
            Offer::Tier(tier) => vec![tier],
            Offer::Pack(pack) => pack
                .contents
                .iter()
                .flat_map(|item| {
                    let tier = self.tiers.iter().find(|tier| tier.id == item.tier);
                    std::iter::repeat_n(tier, item.count as usize).flatten()
                })
                .collect(),
        }
    }

    /// The value of one claim of `offer`, in fen.
    pub fn value_of(&self, offer: Offer<'_>) -> Fen {
        Fen(self.vouchers_of(offer).iter().map(|tier| tier.discount.0).sum())
    }
}

/// Decoded flat, without serde's buffering (see `wire`).
impl<'de> Deserialize<'de> for ReleaseSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ReleaseSchedule, D::Error> {
        #[derive(Clone, Copy)]
        enum Kind {
            Daily,
            OncePerRound,
        }
        crate::wire::unit_enum_names!(Kind { "daily" => Kind::Daily, "once_per_round" => Kind::OncePerRound });
        #[derive(Deserialize)]
        struct Wire {
            kind: Kind,
            at: Option<Time>,
            first_day_at: Option<Time>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(match wire.kind {
            Kind::Daily => ReleaseSchedule::Daily { at: required(wire.at, "at")?, first_day_at: wire.first_day_at },
            Kind::OncePerRound => ReleaseSchedule::OncePerRound,
        })
    }
}

/// Decoded flat, without serde's buffering (see `wire`).
impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Scope, D::Error> {
        #[derive(Clone, Copy)]
        enum Kind {
            Theme,
            ProductCategory,
            MerchantCategories,
        }
        crate::wire::unit_enum_names!(Kind { "theme" => Kind::Theme, "product_category" => Kind::ProductCategory, "merchant_categories" => Kind::MerchantCategories });
        #[derive(Deserialize)]
        struct Wire {
            kind: Kind,
            id: Option<String>,
            name: Option<LocalizedText>,
            categories: Option<Vec<String>>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(match wire.kind {
            Kind::Theme => Scope::Theme,
            Kind::ProductCategory => Scope::ProductCategory {
                id: required(wire.id, "id")?,
                name: required(wire.name, "name")?,
                categories: wire.categories.unwrap_or_default(),
            },
            Kind::MerchantCategories => Scope::MerchantCategories { categories: required(wire.categories, "categories")? },
        })
    }
}

/// Decoded flat, without serde's buffering (see `wire`).
impl<'de> Deserialize<'de> for Validity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Validity, D::Error> {
        #[derive(Clone, Copy)]
        enum Kind {
            EndOfDay,
            EndOfWeek,
            RoundDeadline,
            UntilNextRound,
        }
        crate::wire::unit_enum_names!(Kind { "end_of_day" => Kind::EndOfDay, "end_of_week" => Kind::EndOfWeek, "round_deadline" => Kind::RoundDeadline, "until_next_round" => Kind::UntilNextRound });
        #[derive(Deserialize)]
        struct Wire {
            kind: Kind,
            weekday: Option<u8>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(match wire.kind {
            Kind::EndOfDay => Validity::EndOfDay,
            Kind::EndOfWeek => Validity::EndOfWeek { weekday: required(wire.weekday, "weekday")? },
            Kind::RoundDeadline => Validity::RoundDeadline,
            Kind::UntilNextRound => Validity::UntilNextRound,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::TIANJIN;

    fn tianjin() -> Campaign {
        Campaign::from_json(TIANJIN).expect("the Tianjin campaign file is valid")
    }

    #[test]
    fn tianjin_has_two_themes_and_the_twelve_tiers_of_the_notice() {
        let campaign = tianjin();
        assert_eq!(campaign.themes.len(), 2);
        let offers: Vec<(i64, i64)> = campaign.tiers().map(|tier| (tier.threshold.0 / 100, tier.discount.0 / 100)).collect();
        assert_eq!(
            offers,
            [
                (1000, 100),
                (500, 50),
                (300, 30),
                (200, 20),
                (100, 10),
                (5000, 500),
                (4000, 400),
                (2000, 200),
                (500, 50),
                (300, 30),
                (200, 20),
                (400, 100),
            ]
        );
        let gas_stove = campaign.tiers().last().expect("twelve tiers");
        assert!(matches!(&gas_stove.scope, Scope::ProductCategory { name, .. } if name.zh_hans.contains("燃气灶")));
    }

    #[test]
    fn tianjin_releases_at_1950_on_the_first_day_and_0930_after() {
        let campaign = tianjin();
        assert_eq!(campaign.release, ReleaseSchedule::Daily { at: Time::new(9, 30).expect("valid"), first_day_at: Time::new(19, 50) });
        assert_eq!(campaign.rounds[0].opens.to_string(), "2022-08-20 19:50");
        assert_eq!(campaign.rounds[1].opens.to_string(), "2022-09-01 09:30");
    }

    #[test]
    fn tianjin_daily_stock_is_each_budget_over_its_twenty_release_days_as_the_file_says() {
        // The file's own method (budget / 20 release days / one voucher of every tier, rounded
        // down) gives 3,571 and 769; the file said 3,500 and 760, and showed them as the notice's.
        let campaign = tianjin();
        for theme in &campaign.themes {
            let days = campaign.releases(theme).len() as i64;
            let one_of_each: i64 = theme.tiers.iter().map(|tier| tier.discount.0).sum();
            let expected = u32::try_from(theme.budget.0 / days / one_of_each).expect("fits");
            assert_eq!(days, 20);
            for tier in &theme.tiers {
                assert_eq!(tier.stock_per_release, expected, "{}", tier.id);
                assert!(campaign.is_assumed(Figure::Stock, &tier.id), "{} is worked out, not the notice's", tier.id);
                assert!(!campaign.is_assumed(Figure::Amounts, &tier.id), "the notice gives {}'s amounts", tier.id);
            }
        }
        assert_eq!(campaign.themes[0].tiers[0].stock_per_release, 3_571);
        assert_eq!(campaign.themes[1].tiers[0].stock_per_release, 769);
    }

    #[test]
    fn every_campaigns_assumed_figures_name_a_line_that_says_how() {
        use crate::fixtures::{JINCHENG, LIAOCHENG, SHENYANG};
        for json in [TIANJIN, SHENYANG, LIAOCHENG, JINCHENG] {
            let campaign = Campaign::from_json(json).expect("valid");
            assert!(!campaign.source.assumed.is_empty(), "{}: every seed assumes some figure", campaign.id);
        }
        let mut campaign = tianjin();
        campaign.source.assumed[0].line = 99;
        assert!(matches!(campaign.validate(), Err(CampaignError::UnknownAssumption(99))));
        let mut campaign = tianjin();
        campaign.source.assumed[0].of.push("retail-9-1".into());
        assert!(matches!(campaign.validate(), Err(CampaignError::UnknownReference(_, id)) if id == "retail-9-1"));
    }

    #[test]
    fn refuses_a_tier_that_gives_more_than_it_asks() {
        let mut campaign = tianjin();
        campaign.themes[0].tiers[0].discount = Fen::from_yuan(2000);
        assert!(matches!(campaign.validate(), Err(CampaignError::BadTierAmounts(id)) if id == campaign.themes[0].tiers[0].id));
    }

    #[test]
    fn refuses_duplicate_ids_and_overlapping_rounds() {
        let mut campaign = tianjin();
        campaign.themes[1].tiers[0].id = campaign.themes[0].tiers[0].id.clone();
        assert!(matches!(campaign.validate(), Err(CampaignError::DuplicateId(_))));

        let mut campaign = tianjin();
        campaign.rounds[1].opens = "2022-08-28T22:59".parse().expect("valid");
        assert!(matches!(campaign.validate(), Err(CampaignError::RoundsOverlap(_))));
    }

    #[test]
    fn refuses_malformed_json_with_a_reason() {
        let error = Campaign::from_json(r#"{"id": 3}"#).unwrap_err();
        assert!(error.to_string().contains("expected"), "{error}");
    }
}
