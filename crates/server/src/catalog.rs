//! The campaigns on offer: read from their data files at start, recorded in the database, and
//! held in memory for the API (they change only when the service restarts).

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use crate::store::{Store, on_pool};
use huiquan_core::{Campaign, CampaignError};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read the campaigns in {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the campaign file {path} is refused: {source}")]
    Invalid { path: PathBuf, source: CampaignError },
    #[error("the campaign {id:?} is defined twice (second time in {path})")]
    Duplicate { id: String, path: PathBuf },
    #[error("cannot record the campaigns in the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the campaign file {path} names the time zone {zone:?}, which the time-zone database does not know")]
    UnknownZone { path: PathBuf, zone: String },
    #[error("the campaign file {path} says utc_offset {declared}, but {zone} is at {actual} on {at}")]
    OffsetMismatch { path: PathBuf, zone: String, declared: String, actual: String, at: String },
    #[error("the campaign {id:?} stored in the database no longer reads: {source}")]
    Stored { id: String, source: CampaignError },
}

/// Every campaign the service offers, in a stable order (by id).
#[derive(Debug, Default)]
pub struct Catalog {
    campaigns: Vec<Campaign>,
    by_id: HashMap<String, usize>,
}

impl Catalog {
    pub fn new(mut campaigns: Vec<Campaign>) -> Catalog {
        campaigns.sort_by(|a, b| a.id.cmp(&b.id));
        let by_id = campaigns.iter().enumerate().map(|(index, c)| (c.id.clone(), index)).collect();
        Catalog { campaigns, by_id }
    }

    pub fn get(&self, id: &str) -> Option<&Campaign> {
        self.by_id.get(id).map(|&index| &self.campaigns[index])
    }

    pub fn iter(&self) -> impl Iterator<Item = &Campaign> {
        self.campaigns.iter()
    }

    pub fn len(&self) -> usize {
        self.campaigns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.campaigns.is_empty()
    }

    /// Every campaign moved in time for a demonstration (see `Campaign::shifted_for_demo`).
    pub fn shifted_for_demo(self, release_in_minutes: i64) -> Catalog {
        let now = huiquan_core::civil::Instant(jiff::Timestamp::now().as_millisecond());
        let campaigns = self
            .campaigns
            .into_iter()
            .map(|campaign| match campaign.shifted_for_demo(now, release_in_minutes) {
                Some(shifted) => shifted,
                None => {
                    tracing::warn!(campaign = %campaign.id, "cannot shift for the demo; kept on its real dates");
                    campaign
                }
            })
            .collect();
        Catalog::new(campaigns)
    }
}

/// Reads every `*.json` campaign in `dir`, records them in the database (a changed file replaces
/// its record), and returns the catalogue as the database holds it.
pub async fn load(store: &Store, dir: &Path) -> Result<Catalog, CatalogError> {
    let read_error = |source| CatalogError::Read { path: dir.to_owned(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            paths.push(path);
        }
    }
    paths.sort();

    let mut seen = HashMap::new();
    let mut definitions = Vec::new();
    for path in paths {
        let json = std::fs::read_to_string(&path).map_err(|source| CatalogError::Read { path: path.clone(), source })?;
        let campaign = Campaign::from_json(&json).map_err(|source| CatalogError::Invalid { path: path.clone(), source })?;
        check_offset(&campaign, &path)?;
        if seen.insert(campaign.id.clone(), path.clone()).is_some() {
            return Err(CatalogError::Duplicate { id: campaign.id, path });
        }
        let definition =
            serde_json::to_string(&campaign).map_err(|source| CatalogError::Invalid { path: path.clone(), source: source.into() })?;
        definitions.push((campaign.id, definition));
    }
    let loaded_at = jiff::Timestamp::now().to_string();
    on_pool!(store, pool => async {
        let mut transaction = pool.begin().await?;
        for (id, definition) in &definitions {
            sqlx::query(
                "INSERT INTO campaigns (id, definition, loaded_at) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, loaded_at = excluded.loaded_at",
            )
            .bind(id)
            .bind(definition)
            .bind(&loaded_at)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await
    }
    .await)?;
    if seen.is_empty() {
        tracing::warn!(dir = %dir.display(), "no campaign files found: the service offers the campaigns already in its database");
    }

    let rows: Vec<(String, String)> =
        on_pool!(store, pool => sqlx::query_as("SELECT id, definition FROM campaigns ORDER BY id").fetch_all(pool).await)?;
    let mut campaigns = Vec::with_capacity(rows.len());
    for (id, definition) in rows {
        let campaign = Campaign::from_json(&definition).map_err(|source| CatalogError::Stored { id, source })?;
        campaigns.push(campaign);
    }
    Ok(Catalog::new(campaigns))
}

/// The rules compute with the campaign's fixed `utc_offset`; make sure its IANA zone really is at
/// that offset whenever a round opens or closes (a zone with daylight saving would not be).
fn check_offset(campaign: &Campaign, path: &Path) -> Result<(), CatalogError> {
    let zone = jiff::tz::TimeZone::get(&campaign.time_zone)
        .map_err(|_| CatalogError::UnknownZone { path: path.to_owned(), zone: campaign.time_zone.clone() })?;
    let declared = i32::from(campaign.utc_offset.minutes()) * 60;
    for moment in campaign.rounds.iter().flat_map(|round| [round.opens, round.closes]) {
        let instant = moment.to_instant(campaign.utc_offset);
        let actual = jiff::Timestamp::from_millisecond(instant.0)
            .map(|timestamp| zone.to_offset(timestamp))
            .map_err(|_| CatalogError::UnknownZone { path: path.to_owned(), zone: campaign.time_zone.clone() })?;
        if actual.seconds() != declared {
            return Err(CatalogError::OffsetMismatch {
                path: path.to_owned(),
                zone: campaign.time_zone.clone(),
                declared: campaign.utc_offset.to_string(),
                actual: actual.to_string(),
                at: moment.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIANJIN: &str = include_str!("../../../data/campaigns/tianjin-2022-jinlegou.json");

    #[test]
    fn tianjin_is_at_plus_eight_throughout() {
        let campaign = Campaign::from_json(TIANJIN).expect("valid");
        assert!(check_offset(&campaign, Path::new("tianjin.json")).is_ok());
    }

    #[test]
    fn a_wrong_or_seasonal_offset_is_refused() {
        let mut campaign = Campaign::from_json(TIANJIN).expect("valid");
        campaign.utc_offset = "+09:00".parse().expect("an offset");
        assert!(matches!(check_offset(&campaign, Path::new("t.json")), Err(CatalogError::OffsetMismatch { .. })));

        // Berlin is at +01:00 in winter but +02:00 in August: a fixed offset cannot describe it.
        campaign.time_zone = "Europe/Berlin".into();
        campaign.utc_offset = "+01:00".parse().expect("an offset");
        assert!(matches!(check_offset(&campaign, Path::new("t.json")), Err(CatalogError::OffsetMismatch { .. })));

        campaign.time_zone = "Mars/Olympus_Mons".into();
        assert!(matches!(check_offset(&campaign, Path::new("t.json")), Err(CatalogError::UnknownZone { .. })));
    }
}
