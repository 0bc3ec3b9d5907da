//! The merchants where vouchers are accepted: read from `data/merchants/<campaign>.json` at
//! start, recorded in the database, searched in memory (a city has thousands, not millions).

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use huiquan_core::{Campaign, LocalizedText};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use crate::catalog::Catalog;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Deserialize)]
struct MerchantFile {
    campaign: String,
    merchants: Vec<Merchant>,
}

#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    #[error("cannot read {path}: {detail}")]
    Read { path: PathBuf, detail: String },
    #[error("{path}: merchant {id:?}: {detail}")]
    Invalid { path: PathBuf, id: String, detail: String },
    #[error("cannot record merchants: {0}")]
    Database(#[from] sqlx::Error),
}

/// Every campaign's merchants.
#[derive(Debug, Default)]
pub struct Merchants {
    by_campaign: HashMap<String, Vec<Merchant>>,
}

/// A search: words in the name or address, categories, a position for nearest-first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MerchantQuery {
    pub text: Option<String>,
    /// Only these categories (empty: all).
    pub categories: Vec<String>,
    pub near: Option<(f64, f64)>,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MerchantHit {
    #[serde(flatten)]
    pub merchant: Merchant,
    /// Metres from the position searched from, when one was given and the merchant has a place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MerchantPage {
    pub total: usize,
    pub offset: usize,
    pub merchants: Vec<MerchantHit>,
}

/// Great-circle distance in metres (haversine on the mean Earth radius): plenty for "nearest".
fn distance_m((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let (dphi, dlambda) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * a.sqrt().asin()
}

impl Merchants {
    pub fn get(&self, campaign: &str, id: &str) -> Option<&Merchant> {
        self.by_campaign.get(campaign)?.iter().find(|merchant| merchant.id == id)
    }

    pub fn count(&self, campaign: &str) -> usize {
        self.by_campaign.get(campaign).map_or(0, Vec::len)
    }

    pub fn search(&self, campaign: &str, query: &MerchantQuery) -> MerchantPage {
        let all = self.by_campaign.get(campaign).map(Vec::as_slice).unwrap_or_default();
        let words: Vec<String> = query
            .text
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut hits: Vec<MerchantHit> = all
            .iter()
            .filter(|merchant| query.categories.is_empty() || query.categories.contains(&merchant.category))
            .filter(|merchant| {
                let haystack = format!(
                    "{} {} {} {} {} {}",
                    merchant.name.zh_hans, merchant.name.en, merchant.address.zh_hans, merchant.address.en, merchant.district.zh_hans, merchant.district.en
                )
                .to_lowercase();
                words.iter().all(|word| haystack.contains(word))
            })
            .map(|merchant| MerchantHit {
                distance_m: match (query.near, merchant.lat, merchant.lon) {
                    (Some(from), Some(lat), Some(lon)) => Some(distance_m(from, (lat, lon))),
                    _ => None,
                },
                merchant: merchant.clone(),
            })
            .collect();
        if query.near.is_some() {
            // Nearest first; online shops (no place) after every shop with one.
            hits.sort_by(|a, b| a.distance_m.unwrap_or(f64::INFINITY).total_cmp(&b.distance_m.unwrap_or(f64::INFINITY)));
        }
        let total = hits.len();
        let merchants = hits.into_iter().skip(query.offset).take(query.limit).collect();
        MerchantPage { total, offset: query.offset, merchants }
    }
}

/// Reads `<dir>/<campaign-id>.json` for every campaign, checks it and records it.
pub async fn load(pool: &SqlitePool, dir: &Path, catalog: &Catalog) -> Result<Merchants, MerchantError> {
    let mut by_campaign = HashMap::new();
    for campaign in catalog.iter() {
        let path = dir.join(format!("{}.json", campaign.id));
        if !path.exists() {
            tracing::warn!(campaign = %campaign.id, path = %path.display(), "no merchant list");
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| MerchantError::Read { path: path.clone(), detail: source.to_string() })?;
        let file: MerchantFile =
            serde_json::from_str(&text).map_err(|source| MerchantError::Read { path: path.clone(), detail: source.to_string() })?;
        if file.campaign != campaign.id {
            return Err(MerchantError::Read { path, detail: format!("names campaign {:?}", file.campaign) });
        }
        check(campaign, &file.merchants, &path)?;
        let mut transaction = pool.begin().await?;
        sqlx::query("DELETE FROM merchants WHERE campaign = ?1").bind(&campaign.id).execute(&mut *transaction).await?;
        for merchant in &file.merchants {
            sqlx::query("INSERT INTO merchants (campaign, id, category, record) VALUES (?1, ?2, ?3, ?4)")
                .bind(&campaign.id)
                .bind(&merchant.id)
                .bind(&merchant.category)
                .bind(serde_json::to_string(merchant).unwrap_or_default())
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        by_campaign.insert(campaign.id.clone(), file.merchants);
    }
    Ok(Merchants { by_campaign })
}

fn check(campaign: &Campaign, merchants: &[Merchant], path: &Path) -> Result<(), MerchantError> {
    let mut ids = std::collections::HashSet::new();
    for merchant in merchants {
        let invalid = |detail: &str| MerchantError::Invalid { path: path.to_owned(), id: merchant.id.clone(), detail: detail.to_owned() };
        if !ids.insert(merchant.id.as_str()) {
            return Err(invalid("id used twice"));
        }
        if !campaign.categories.iter().any(|category| category.id == merchant.category) {
            return Err(invalid("category not defined by the campaign"));
        }
        match (merchant.lat, merchant.lon, merchant.online) {
            (Some(lat), Some(lon), false) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
            (None, None, true) => {}
            _ => return Err(invalid("needs a latitude and longitude in range, or online: true and neither")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merchant(id: &str, category: &str, at: Option<(f64, f64)>) -> Merchant {
        let text = |zh: &str| LocalizedText { zh_hans: zh.to_owned(), en: zh.to_owned() };
        Merchant {
            id: id.into(),
            name: text(id),
            category: category.into(),
            district: text("和平区"),
            address: text("南京路"),
            lat: at.map(|(lat, _)| lat),
            lon: at.map(|(_, lon)| lon),
            online: at.is_none(),
        }
    }

    #[test]
    fn nearest_first_then_online_shops_and_filters_combine() {
        let merchants = Merchants {
            by_campaign: HashMap::from([(
                "c".to_owned(),
                vec![
                    merchant("far", "fuel", Some((39.20, 117.30))),
                    merchant("online", "fuel", None),
                    merchant("near", "fuel", Some((39.12, 117.20))),
                    merchant("diner", "dining", Some((39.12, 117.20))),
                ],
            )]),
        };
        let query = MerchantQuery { categories: vec!["fuel".into()], near: Some((39.12, 117.2)), limit: 10, ..Default::default() };
        let page = merchants.search("c", &query);
        let order: Vec<&str> = page.merchants.iter().map(|hit| hit.merchant.id.as_str()).collect();
        assert_eq!(order, ["near", "far", "online"]);
        assert!(page.merchants[1].distance_m.is_some_and(|metres| (11_000.0..14_000.0).contains(&metres)));
        let page = merchants.search("c", &MerchantQuery { text: Some("DIN".into()), limit: 10, ..Default::default() });
        assert_eq!(page.total, 1);
        let page = merchants.search("c", &MerchantQuery { limit: 2, offset: 3, ..Default::default() });
        assert_eq!((page.total, page.merchants.len()), (4, 1));
    }
}
