//! The campaigns on offer: read from their data files at start, recorded in the database, and
//! held in memory for the API (they change only when the service restarts).

use std::{collections::HashMap, path::{Path, PathBuf}};

use huiquan_core::{Campaign, CampaignError};
use sqlx::SqlitePool;

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
}

/// Reads every `*.json` campaign in `dir`, records them in the database (a changed file replaces
/// its record), and returns the catalogue as the database holds it.
pub async fn load(pool: &SqlitePool, dir: &Path) -> Result<Catalog, CatalogError> {
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
    let mut transaction = pool.begin().await?;
    for path in paths {
        let json = std::fs::read_to_string(&path)
            .map_err(|source| CatalogError::Read { path: path.clone(), source })?;
        let campaign = Campaign::from_json(&json)
            .map_err(|source| CatalogError::Invalid { path: path.clone(), source })?;
        if seen.insert(campaign.id.clone(), path.clone()).is_some() {
            return Err(CatalogError::Duplicate { id: campaign.id, path });
        }
        let definition = serde_json::to_string(&campaign)
            .map_err(|source| CatalogError::Invalid { path: path.clone(), source: source.into() })?;
        sqlx::query(
            "INSERT INTO campaigns (id, definition, loaded_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, loaded_at = excluded.loaded_at",
        )
        .bind(&campaign.id)
        .bind(definition)
        .bind(jiff::Timestamp::now().to_string())
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    if seen.is_empty() {
        tracing::warn!(dir = %dir.display(), "no campaign files found: the service offers the campaigns already in its database");
    }

    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, definition FROM campaigns ORDER BY id")
        .fetch_all(pool)
        .await?;
    let mut campaigns = Vec::with_capacity(rows.len());
    for (id, definition) in rows {
        let campaign = Campaign::from_json(&definition).map_err(|source| CatalogError::Stored { id, source })?;
        campaigns.push(campaign);
    }
    Ok(Catalog::new(campaigns))
}
