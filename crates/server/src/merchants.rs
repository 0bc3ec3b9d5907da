//! The merchants where vouchers are accepted: read from `data/merchants/<campaign>.json` at
//! start, recorded in the database, searched in memory (a city has thousands, not millions).

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use crate::store::{Store, on_pool};
pub use huiquan_core::api::{Merchant, MerchantHit, MerchantPage};
use huiquan_core::{Boundary, Campaign, Fix, LocateOptions, Verdict};
use serde::Deserialize;

use crate::catalog::Catalog;

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
    by_campaign: HashMap<String, Vec<Listed>>,
}

/// A merchant with the text a search looks in, normalised once at load.
#[derive(Debug)]
struct Listed {
    merchant: Merchant,
    haystack: String,
}

/// Limits of a search, so that a crafted query cannot make the service scan without end.
pub mod search_limits {
    /// Characters of search text. Longer is no shop's name.
    pub const TEXT_CHARS: usize = 64;
    /// Words of search text.
    pub const WORDS: usize = 8;
    /// How far into the results a page may start.
    pub const OFFSET: usize = 10_000;
    /// Results per page.
    pub const LIMIT: usize = 100;
}

/// Text as searches compare it: NFKC (so full-width `ＡＢＣ１` is `ABC1`), then lower case.
pub fn normalise(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().collect::<String>().to_lowercase()
}

impl Listed {
    fn new(merchant: Merchant) -> Listed {
        let haystack = normalise(&format!(
            "{} {} {} {} {} {}",
            merchant.name.zh_hans,
            merchant.name.en,
            merchant.address.zh_hans,
            merchant.address.en,
            merchant.district.zh_hans,
            merchant.district.en
        ));
        Listed { merchant, haystack }
    }
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

/// Great-circle distance in metres (haversine on the mean Earth radius): plenty for "nearest".
fn distance_m((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let (dphi, dlambda) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * a.sqrt().asin()
}

impl Merchants {
    pub fn get(&self, campaign: &str, id: &str) -> Option<&Merchant> {
        self.by_campaign.get(campaign)?.iter().map(|listed| &listed.merchant).find(|merchant| merchant.id == id)
    }

    pub fn count(&self, campaign: &str) -> usize {
        self.by_campaign.get(campaign).map_or(0, Vec::len)
    }

    pub fn search(&self, campaign: &str, query: &MerchantQuery) -> MerchantPage {
        let all = self.by_campaign.get(campaign).map(Vec::as_slice).unwrap_or_default();
        let text = normalise(query.text.as_deref().unwrap_or_default());
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut hits: Vec<MerchantHit> = all
            .iter()
            .filter(|listed| query.categories.is_empty() || query.categories.contains(&listed.merchant.category))
            .filter(|listed| words.iter().all(|word| listed.haystack.contains(word)))
            .map(|Listed { merchant, .. }| MerchantHit {
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

/// Reads `<dir>/<campaign-id>.json` for every campaign, checks it (every shop with a place lies
/// inside the campaign's boundary, as `boundary_of` gives it) and records it.
pub async fn load<'a>(
    store: &Store,
    dir: &Path,
    catalog: &Catalog,
    boundary_of: impl Fn(&str) -> Option<&'a Boundary>,
) -> Result<Merchants, MerchantError> {
    let mut by_campaign = HashMap::new();
    for campaign in catalog.iter() {
        let path = dir.join(format!("{}.json", campaign.id));
        if !path.exists() {
            tracing::warn!(campaign = %campaign.id, path = %path.display(), "no merchant list");
            continue;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|source| MerchantError::Read { path: path.clone(), detail: source.to_string() })?;
        let file: MerchantFile =
            serde_json::from_str(&text).map_err(|source| MerchantError::Read { path: path.clone(), detail: source.to_string() })?;
        if file.campaign != campaign.id {
            return Err(MerchantError::Read { path, detail: format!("names campaign {:?}", file.campaign) });
        }
        check(campaign, boundary_of(&campaign.id), &file.merchants, &path)?;
        // Instances starting together may load the same list at once: each row is written as an
        // upsert, so the second finds the first's rows rather than a conflict.
        on_pool!(store, pool => async {
            let mut transaction = pool.begin().await?;
            sqlx::query("DELETE FROM merchants WHERE campaign = $1").bind(&campaign.id).execute(&mut *transaction).await?;
            for merchant in &file.merchants {
                sqlx::query(
                    "INSERT INTO merchants (campaign, id, category, record) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (campaign, id) DO UPDATE SET category = excluded.category, record = excluded.record",
                )
                .bind(&campaign.id)
                .bind(&merchant.id)
                .bind(&merchant.category)
                .bind(serde_json::to_string(merchant).unwrap_or_default())
                .execute(&mut *transaction)
                .await?;
            }
            transaction.commit().await
        }
        .await)?;
        by_campaign.insert(campaign.id.clone(), file.merchants);
    }
    Ok(Merchants::from_lists(by_campaign))
}

impl Merchants {
    /// Every campaign's list, indexed for search.
    pub fn from_lists(lists: HashMap<String, Vec<Merchant>>) -> Merchants {
        Merchants {
            by_campaign: lists
                .into_iter()
                .map(|(campaign, merchants)| (campaign, merchants.into_iter().map(Listed::new).collect()))
                .collect(),
        }
    }
}

fn check(campaign: &Campaign, boundary: Option<&Boundary>, merchants: &[Merchant], path: &Path) -> Result<(), MerchantError> {
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
            (Some(lat), Some(lon), false) => {
                let fix = Fix::new(lat, lon, 0.0).map_err(|error| invalid(&error.to_string()))?;
                // A shop outside the city is a data error: residents would be sent out of town.
                let inside = match boundary.map(|boundary| boundary.locate(&fix, &LocateOptions::default())) {
                    Some(Verdict::Inside { .. } | Verdict::Uncertain { centre_inside: true, .. }) | None => true,
                    Some(_) => false,
                };
                if !inside {
                    return Err(invalid("lies outside the campaign's boundary"));
                }
            }
            (None, None, true) => {}
            _ => return Err(invalid("needs a latitude and longitude in range, or online: true and neither")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use huiquan_core::LocalizedText;

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
        let merchants = Merchants::from_lists(HashMap::from([(
            "c".to_owned(),
            vec![
                merchant("far", "fuel", Some((39.20, 117.30))),
                merchant("online", "fuel", None),
                merchant("near", "fuel", Some((39.12, 117.20))),
                merchant("diner", "dining", Some((39.12, 117.20))),
            ],
        )]));
        let query = MerchantQuery { categories: vec!["fuel".into()], near: Some((39.12, 117.2)), limit: 10, ..Default::default() };
        let page = merchants.search("c", &query);
        let order: Vec<&str> = page.merchants.iter().map(|hit| hit.merchant.id.as_str()).collect();
        assert_eq!(order, ["near", "far", "online"]);
        assert!(page.merchants[1].distance_m.is_some_and(|metres| (11_000.0..14_000.0).contains(&metres)));
        let page = merchants.search("c", &MerchantQuery { text: Some("DIN".into()), limit: 10, ..Default::default() });
        assert_eq!(page.total, 1);
        // Full-width letters, as Chinese keyboards type them, find the same shop.
        let page = merchants.search("c", &MerchantQuery { text: Some("ＤＩＮ".into()), limit: 10, ..Default::default() });
        assert_eq!(page.total, 1);
        let page = merchants.search("c", &MerchantQuery { limit: 2, offset: 3, ..Default::default() });
        assert_eq!((page.total, page.merchants.len()), (4, 1));
    }

    #[test]
    fn a_shop_outside_the_boundary_or_in_an_unknown_category_is_refused() {
        let square = r#"{"type":"Polygon","coordinates":[[[117.0,39.0],[117.4,39.0],[117.4,39.3],[117.0,39.3],[117.0,39.0]]]}"#;
        let boundary = Boundary::from_geojson(square, huiquan_core::Crs::Wgs84).expect("test boundary");
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/campaigns/tianjin-2022-jinlegou.json"))
            .expect("campaign file");
        let campaign: Campaign = serde_json::from_str(&text).expect("campaign");
        let path = Path::new("test.json");
        let inside = merchant("in", "retail", Some((39.12, 117.20)));
        assert!(check(&campaign, Some(&boundary), std::slice::from_ref(&inside), path).is_ok());
        let outside = merchant("out", "retail", Some((39.12, 117.50)));
        let error = check(&campaign, Some(&boundary), &[inside.clone(), outside], path).expect_err("outside the city");
        assert!(error.to_string().contains("\"out\": lies outside"), "{error}");
        let stray = merchant("stray", "dining", Some((39.12, 117.20)));
        assert!(check(&campaign, Some(&boundary), &[stray], path).is_err());
        assert!(check(&campaign, Some(&boundary), &[inside.clone(), inside], path).is_err(), "an id used twice");
    }

    #[test]
    fn every_shipped_shop_lies_inside_its_campaigns_city() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut checked = 0;
        for entry in std::fs::read_dir(repo.join("data/campaigns")).expect("campaign directory") {
            let path = entry.expect("directory entry").path();
            let campaign: Campaign = serde_json::from_str(&std::fs::read_to_string(&path).expect("campaign file")).expect("campaign");
            let geojson = std::fs::read_to_string(repo.join("data/geo").join(&campaign.boundary.file)).expect("boundary file");
            let boundary = Boundary::from_geojson(&geojson, campaign.boundary.crs).expect("boundary");
            let list = repo.join("data/merchants").join(format!("{}.json", campaign.id));
            let file: MerchantFile = serde_json::from_str(&std::fs::read_to_string(&list).expect("merchant list")).expect("merchant file");
            assert_eq!(file.campaign, campaign.id);
            check(&campaign, Some(&boundary), &file.merchants, &list).expect("every shop valid and inside the city");
            checked += file.merchants.len();
        }
        assert!(checked >= 2000, "only {checked} shops");
    }
}
