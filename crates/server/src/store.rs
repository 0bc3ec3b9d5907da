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
    #[error("the secret {path} cannot be used: {detail} (fix or remove the file; it is never replaced silently)")]
    Secret { path: String, detail: String },
    #[error("the data directory {path} is in use by another huiquan-server process")]
    Locked { path: String },
}

/// Opens (creating on first start) the database in `data_dir` and applies pending migrations.
/// Returns the pool for readers and short writes, and the options from which the ledger opens
/// its own connection.
pub async fn open(data_dir: &Path) -> Result<(SqlitePool, SqliteConnectOptions), StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir { path: data_dir.display().to_string(), source })?;
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

/// A secret kept in the data directory (`till-secret`, `identity-key`), created (256 random
/// bits) on first start. It is written to a temporary file with mode 600 and renamed into place,
/// so a crash never leaves half a secret; a file that exists but cannot be read, or is too short,
/// stops the start rather than being replaced (every till key or stored digest would change).
pub fn data_secret(data_dir: &Path, name: &str) -> Result<Vec<u8>, StoreError> {
    let path = data_dir.join(name);
    let shown = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(secret) if secret.trim().len() >= 16 => Ok(secret.trim().as_bytes().to_vec()),
        Ok(_) => Err(StoreError::Secret { path: shown, detail: "shorter than 16 characters".into() }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let secret = crate::codes::token();
            write_private(&path, secret.as_bytes()).map_err(|error| StoreError::Secret { path: shown, detail: error.to_string() })?;
            Ok(secret.into_bytes())
        }
        Err(error) => Err(StoreError::Secret { path: shown, detail: error.to_string() }),
    }
}

/// Writes a file only its owner can read, atomically (temporary file, fsync, rename).
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)?;
    if let Some(dir) = path.parent() {
        // The rename itself is durable once the directory is synced.
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Holds the data directory for one process: two services on one database file would run two
/// ledgers, each deciding stock against its own view. Released when dropped (or the process ends).
#[derive(Debug)]
pub struct DataDirLock {
    _file: std::fs::File,
}

pub const LOCK_FILE: &str = "huiquan.lock";

/// Takes the data directory's lock, or says which directory another process holds.
pub fn lock_data_dir(data_dir: &Path) -> Result<DataDirLock, StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir { path: data_dir.display().to_string(), source })?;
    let path = data_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StoreError::DataDir { path: path.display().to_string(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(DataDirLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked { path: data_dir.display().to_string() }),
        Err(std::fs::TryLockError::Error(source)) => Err(StoreError::DataDir { path: path.display().to_string(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_process_cannot_open_the_same_data_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let held = lock_data_dir(dir.path()).expect("the first takes it");
        assert!(matches!(lock_data_dir(dir.path()), Err(StoreError::Locked { .. })), "the second is refused");
        drop(held);
        assert!(lock_data_dir(dir.path()).is_ok(), "free again once the first has gone");
    }

    #[test]
    fn a_secret_is_created_private_and_never_silently_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = data_secret(dir.path(), "till-secret").expect("created");
        assert_eq!(data_secret(dir.path(), "till-secret").expect("read"), first, "read back the same");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("till-secret")).expect("exists").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "only the service's user can read it");
        }
        // Regression: a secret that could not be read was replaced by a new one, changing every
        // merchant's till key. Now the start stops instead.
        std::fs::write(dir.path().join("till-secret"), "short").expect("written");
        assert!(matches!(data_secret(dir.path(), "till-secret"), Err(StoreError::Secret { .. })));
        assert_eq!(std::fs::read_to_string(dir.path().join("till-secret")).expect("kept"), "short", "left as it was");
        std::fs::remove_file(dir.path().join("till-secret")).expect("removed");
        std::fs::create_dir(dir.path().join("till-secret")).expect("a directory where the file was");
        assert!(matches!(data_secret(dir.path(), "till-secret"), Err(StoreError::Secret { .. })), "unreadable: refused, not replaced");
    }
}
