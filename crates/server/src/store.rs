//! The embedded database: one SQLite file in the data directory, in WAL mode with durable
//! commits. Queries go through sqlx so that a PostgreSQL store stays a driver change away.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub const DATABASE_FILE: &str = "huiquan.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating on first start) the database in `data_dir` and applies pending migrations.
/// Returns the pool for readers and short writes, and the options from which the ledger opens
/// its own connection.
pub async fn open(data_dir: &Path) -> Result<(SqlitePool, SqliteConnectOptions), StoreError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|source| StoreError::DataDir { path: data_dir.display().to_string(), source })?;
    let path = data_dir.join(DATABASE_FILE);
    let shown = path.display().to_string();
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|source| StoreError::Open { path: shown.clone(), source })?
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a claim acknowledged to a resident survives a power cut, not only a crash.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options.clone())
        .await
        .map_err(|source| StoreError::Open { path: shown, source })?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok((pool, options))
}

/// The till secret kept in the data directory, created (256 random bits) on first start.
pub fn till_secret(data_dir: &Path) -> Result<Vec<u8>, StoreError> {
    let path = data_dir.join("till-secret");
    let io = |source| StoreError::DataDir { path: path.display().to_string(), source };
    match std::fs::read_to_string(&path) {
        Ok(secret) if secret.trim().len() >= 16 => Ok(secret.trim().as_bytes().to_vec()),
        _ => {
            let secret = crate::codes::token();
            std::fs::write(&path, &secret).map_err(io)?;
            Ok(secret.into_bytes())
        }
    }
}
