//! A campaign as its organisers publish it: rounds, themes and tiers (满T减D).
//!
//! Times here are civil ("09:30", "2022-08-28T23:59"): they mean wall-clock time in the
//! campaign's own time zone, whatever zone the phone or the server is in.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use crate::{
    Fen, LocalizedText,
    civil::{DateTime, Time, UtcOffset},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    pub rounds: Vec<Round>,
    pub release: ReleaseSchedule,
    pub themes: Vec<Theme>,
}

/// Where the campaign's rules come from, and what had to be assumed because the text is silent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub document: String,
    #[serde(default)]
    pub assumptions: Vec<String>,
}

/// A batch, period or round (批次/期/轮): claims are possible only inside its window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub id: String,
    pub name: LocalizedText,
    pub opens: DateTime,
    pub closes: DateTime,
}

/// When stock is released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// A group of tiers with one budget (主题: 百货零售, 家电 …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    pub id: String,
    pub name: LocalizedText,
    /// What the theme's vouchers may buy, in plain words.
    pub scope: LocalizedText,
    pub budget: Fen,
    pub tiers: Vec<Tier>,
}

/// One voucher kind: spend at least `threshold`, get `discount` off (满T减D).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    pub id: String,
    pub threshold: Fen,
    pub discount: Fen,
    #[serde(default)]
    pub basis: ThresholdBasis,
    #[serde(default)]
    pub scope: Scope,
    /// Vouchers put on offer at each release.
    pub stock_per_release: u32,
}

/// What the threshold is measured against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdBasis {
    /// The whole order (满1000减100).
    #[default]
    OrderTotal,
    /// A single item (Liaocheng: 单件满2000元补贴300元).
    SingleItem,
}

/// What a tier's voucher may be spent on, beyond its theme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Whatever the theme covers.
    #[default]
    Theme,
    /// One product category only (Tianjin: gas stoves with flame-out protection).
    ProductCategory { name: LocalizedText },
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
            let slug = !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
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
        for theme in &self.themes {
            check_id(&theme.id)?;
            if theme.name.is_blank() || theme.scope.is_blank() {
                return Err(CampaignError::BlankText(format!("theme {:?}", theme.id)));
            }
            if theme.tiers.is_empty() {
                return Err(CampaignError::Empty("tiers in a theme"));
            }
            for tier in &theme.tiers {
                check_id(&tier.id)?;
                if tier.discount <= Fen::ZERO || tier.discount > tier.threshold && tier.threshold != Fen::ZERO {
                    return Err(CampaignError::BadTierAmounts(tier.id.clone()));
                }
                if let Scope::ProductCategory { name } = &tier.scope {
                    if name.is_blank() {
                        return Err(CampaignError::BlankText(format!("tier {:?}", tier.id)));
                    }
                }
            }
        }
        Ok(())
    }

    pub fn tiers(&self) -> impl Iterator<Item = &Tier> {
        self.themes.iter().flat_map(|theme| theme.tiers.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIANJIN: &str = include_str!("../../../data/campaigns/tianjin-2022-jinlegou.json");

    fn tianjin() -> Campaign {
        Campaign::from_json(TIANJIN).expect("the Tianjin campaign file is valid")
    }

    #[test]
    fn tianjin_has_two_themes_and_the_twelve_tiers_of_the_notice() {
        let campaign = tianjin();
        assert_eq!(campaign.themes.len(), 2);
        let offers: Vec<(i64, i64)> =
            campaign.tiers().map(|tier| (tier.threshold.0 / 100, tier.discount.0 / 100)).collect();
        assert_eq!(
            offers,
            [
                (1000, 100), (500, 50), (300, 30), (200, 20), (100, 10),
                (5000, 500), (4000, 400), (2000, 200), (500, 50), (300, 30), (200, 20), (400, 100),
            ]
        );
        let gas_stove = campaign.tiers().last().expect("twelve tiers");
        assert!(matches!(&gas_stove.scope, Scope::ProductCategory { name } if name.zh_hans.contains("燃气灶")));
    }

    #[test]
    fn tianjin_releases_at_1950_on_the_first_day_and_0930_after() {
        let campaign = tianjin();
        assert_eq!(
            campaign.release,
            ReleaseSchedule::Daily { at: Time::new(9, 30).expect("valid"), first_day_at: Time::new(19, 50) }
        );
        assert_eq!(campaign.rounds[0].opens.to_string(), "2022-08-20 19:50");
        assert_eq!(campaign.rounds[1].opens.to_string(), "2022-09-01 09:30");
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
