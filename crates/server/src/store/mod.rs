//! Where the service keeps its records: the embedded SQLite file (the default: one process, one
//! file in the data directory, WAL mode, durable commits) or a PostgreSQL database shared by any
//! number of service processes.
//!
//! Both engines run the same SQL: every query is written once, in the dialect both accept (`$1`
//! parameters, `ON CONFLICT`, `RETURNING`), and compiled for each engine by [`on_pool!`] and
//! [`on_connection!`]. What only one engine has (PostgreSQL's row locks, sequences and
//! notifications) lives in [`postgres`]. The migrations are kept side by side
//! (`migrations/sqlite`, `migrations/postgres`, the same versions) and a test checks that they
//! give the same tables and columns.

pub mod postgres;

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use sqlx::{
    migrate::MigrateDatabase,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
};

pub const DATABASE_FILE: &str = "huiquan.sqlite3";
/// Connections each process's pool holds at most (readers and short writes; the ledger has its own).
const POOL_CONNECTIONS: u32 = 8;

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
    #[error(
        "the {name} given differs from the one this database was first used with: every instance sharing a database needs the same (see docs/DEPLOY.md)"
    )]
    KeyMismatch { name: &'static str },
    #[error("cannot check the {name} against the database: {source}")]
    KeyCheck { name: &'static str, source: sqlx::Error },
}

/// Which database: `--database` as given (a SQLite file's path, or a `postgres://` URL), or the
/// SQLite file in the data directory when not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn new(database: Option<&str>, data_dir: &Path) -> Location {
        match database {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Location::Postgres(url.to_owned()),
            Some(path) => Location::Sqlite(PathBuf::from(path.strip_prefix("sqlite://").unwrap_or(path))),
            None => Location::Sqlite(data_dir.join(DATABASE_FILE)),
        }
    }

    /// How the database is named in logs and errors (a URL without its password).
    pub fn shown(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => match PgConnectOptions::from_str(url) {
                Ok(options) => format!(
                    "postgres://{}@{}:{}/{}",
                    options.get_username(),
                    options.get_host(),
                    options.get_port(),
                    options.get_database().unwrap_or_default()
                ),
                Err(_) => "postgres://(unreadable URL)".to_owned(),
            },
        }
    }
}

/// The pool the request handlers read and write through.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How often the WAL is copied back into the database file, by the pool rather than by the
/// ledger (whose connection never does it, so no batch waits behind a checkpoint).
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// What one checkpoint did: WAL frames in the log and how many of them are now in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx_macros::FromRow)]
pub struct Checkpointed {
    /// 1 when a writer or reader kept it from finishing (it is tried again at the next tick).
    pub busy: i64,
    #[sqlx(rename = "log")]
    pub log_frames: i64,
    #[sqlx(rename = "checkpointed")]
    pub checkpointed_frames: i64,
}

impl Store {
    /// Copies what the WAL holds into the database file (SQLite's PASSIVE checkpoint: it never
    /// waits for the ledger, nor the ledger for it). `None` with PostgreSQL, which checkpoints
    /// itself.
    pub async fn checkpoint(&self) -> Result<Option<Checkpointed>, sqlx::Error> {
        match self {
            Store::Sqlite(pool) => sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await.map(Some),
            Store::Postgres(_) => Ok(None),
        }
    }
}

/// How the ledger opens its own connection.
#[derive(Clone, Debug)]
pub enum LedgerOptions {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
}

/// Runs `$body` with `$pool` bound to the store's pool, once compiled for each engine: the SQL
/// in it must be what both engines accept.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A connection (or transaction) of either engine, for code that runs the same SQL on both.
pub enum Connection<'c> {
    Sqlite(&'c mut sqlx::SqliteConnection),
    Postgres(&'c mut sqlx::PgConnection),
}

/// Runs `$body` with `$connection` bound to `&mut` the engine's connection, once compiled for
/// each engine.
macro_rules! on_connection {
    ($db:expr, $connection:ident => $body:expr) => {
        match $db {
            $crate::store::Connection::Sqlite($connection) => $body,
            $crate::store::Connection::Postgres($connection) => $body,
        }
    };
}
pub(crate) use on_connection;

/// How the SQLite ledger begins a batch: with the write lock taken at once, so that a batch never
/// fails half-way to upgrade a read lock. (With PostgreSQL a batch begins plainly and locks the
/// rows it decides on.)
pub const SQLITE_WRITE_BEGIN: &str = "BEGIN IMMEDIATE";

/// Which engine a connection or pool speaks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The few words the two engines say differently, for their connections and pools alike.
pub trait Dialect {
    const ENGINE: Engine;

    /// Appended to a `SELECT` whose rows the transaction will change: PostgreSQL locks them
    /// against other instances; SQLite has one writer, whose transaction holds the whole file.
    fn row_lock(&self) -> &'static str {
        match Self::ENGINE {
            Engine::Sqlite => "",
            Engine::Postgres => " FOR UPDATE",
        }
    }

    /// A `SELECT` of rows bound as one parameter (`$parameter`, made by [`json_rows`]): a JSON
    /// array with an array per row, its items in the order of `columns`. The statement's text
    /// is the same however many rows there are, so each engine prepares it once per connection;
    /// a multi-row `VALUES` or `IN (…)` list was a new text for each batch's count, prepared
    /// again every time: with PostgreSQL a round trip more per statement, with SQLite 3.3 % of
    /// the service's CPU under a crowd (reading the JSON now costs about as much).
    fn json_rows(&self, parameter: usize, columns: &[JsonColumn]) -> String {
        let selected: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(index, column)| match (Self::ENGINE, column) {
                (Engine::Postgres, JsonColumn::Int(name)) => format!("(value ->> {index})::int8 AS {name}"),
                // `->>` gives a JSON number as an INTEGER on SQLite, and a string as TEXT on both.
                (_, JsonColumn::Int(name) | JsonColumn::Text(name)) => format!("value ->> {index} AS {name}"),
            })
            .collect();
        match Self::ENGINE {
            Engine::Sqlite => format!("SELECT {} FROM json_each(${parameter})", selected.join(", ")),
            Engine::Postgres => format!("SELECT {} FROM jsonb_array_elements(${parameter}::jsonb)", selected.join(", ")),
        }
    }
}

/// A column of [`Dialect::json_rows`], by its type and the name it is selected as.
#[derive(Clone, Copy, Debug)]
pub enum JsonColumn {
    Int(&'static str),
    Text(&'static str),
}

/// The rows for [`Dialect::json_rows`]: each row a tuple, in the order of its columns.
pub fn json_rows<Row: serde::Serialize>(rows: &[Row]) -> Result<String, sqlx::Error> {
    serde_json::to_string(rows).map_err(|error| sqlx::Error::Encode(Box::new(error)))
}

impl Dialect for sqlx::SqliteConnection {
    const ENGINE: Engine = Engine::Sqlite;
}

impl Dialect for sqlx::SqlitePool {
    const ENGINE: Engine = Engine::Sqlite;
}

impl Dialect for sqlx::PgConnection {
    const ENGINE: Engine = Engine::Postgres;
}

impl Dialect for sqlx::PgPool {
    const ENGINE: Engine = Engine::Postgres;
}

/// Opens (creating on first start) the database and applies pending migrations. Returns the pool
/// for readers and short writes, and the options from which the ledger opens its own connection.
pub async fn open(location: &Location) -> Result<(Store, LedgerOptions), StoreError> {
    let shown = location.shown();
    let open_error = |source| StoreError::Open { path: shown.clone(), source };
    match location {
        Location::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir { path: dir.display().to_string(), source })?;
            }
            let options = SqliteConnectOptions::from_str("sqlite:")
                .map_err(open_error)?
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a claim acknowledged to a resident survives a power cut, not only a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let pool =
                SqlitePoolOptions::new().max_connections(POOL_CONNECTIONS).connect_with(options.clone()).await.map_err(open_error)?;
            sqlx_macros::migrate!("./migrations/sqlite").run(&pool).await?;
            // The ledger's commits never checkpoint (SQLite's default is every 1,000 pages, in
            // the commit that crosses it: a batch of claims then waited for megabytes of copying
            // and an fsync of the file); the upkeep task checkpoints through the pool instead.
            let ledger = options.pragma("wal_autocheckpoint", "0");
            Ok((Store::Sqlite(pool), LedgerOptions::Sqlite(ledger)))
        }
        Location::Postgres(url) => {
            let options = PgConnectOptions::from_str(url).map_err(open_error)?;
            // Created on first start, as the SQLite file is; two instances starting at once may
            // both try, and the second finds it there.
            if !sqlx::Postgres::database_exists(url).await.map_err(open_error)?
                && let Err(error) = sqlx::Postgres::create_database(url).await
                && !sqlx::Postgres::database_exists(url).await.unwrap_or(false)
            {
                return Err(open_error(error));
            }
            let pool = PgPoolOptions::new()
                .max_connections(POOL_CONNECTIONS)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options.clone())
                .await
                .map_err(open_error)?;
            // sqlx holds an advisory lock while migrating: instances starting together take turns.
            sqlx_macros::migrate!("./migrations/postgres").run(&pool).await?;
            Ok((Store::Postgres(pool), LedgerOptions::Postgres(options)))
        }
    }
}

/// Checks a shared secret against the check value the database was first started with (storing
/// it on first start): instances with different secrets on one database would disagree about
/// every resident and every till.
pub async fn check_key(store: &Store, name: &'static str, secret: &[u8]) -> Result<(), StoreError> {
    let check_value = crate::codes::DigestKey::new(secret).digest("huiquan key check");
    let key_error = |source| StoreError::KeyCheck { name, source };
    on_pool!(store, pool => sqlx::query("INSERT INTO key_checks (name, check_value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(&check_value)
        .execute(pool)
        .await
        .map(|_| ()))
    .map_err(key_error)?;
    let (stored,): (String,) = on_pool!(store, pool => sqlx::query_as("SELECT check_value FROM key_checks WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await)
    .map_err(key_error)?;
    if stored == check_value { Ok(()) } else { Err(StoreError::KeyMismatch { name }) }
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

    /// Regression: the ledger's commit that crossed SQLite's 1,000-page mark checkpointed the
    /// whole WAL while every claim of its batch waited (commits of 60 to 225 ms under a storm).
    #[tokio::test]
    async fn the_ledger_never_checkpoints_and_the_pool_does() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, ledger) = open(&Location::Sqlite(dir.path().join(DATABASE_FILE))).await.expect("opened");
        let LedgerOptions::Sqlite(options) = ledger else { panic!("a SQLite file") };
        let mut writer = sqlx::SqliteConnection::connect_with(&options).await.expect("the ledger's connection");
        let (autocheckpoint,): (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint").fetch_one(&mut writer).await.expect("read");
        assert_eq!(autocheckpoint, 0);
        sqlx::query("CREATE TABLE filler (text TEXT NOT NULL)").execute(&mut writer).await.expect("created");
        // 60 commits of about 30 pages each: past SQLite's default mark of 1,000 pages.
        for _ in 0..60 {
            let mut transaction = writer.begin().await.expect("begun");
            for _ in 0..30 {
                sqlx::query("INSERT INTO filler (text) VALUES ($1)")
                    .bind("x".repeat(4_000))
                    .execute(&mut *transaction)
                    .await
                    .expect("written");
            }
            transaction.commit().await.expect("committed");
        }
        let done = store.checkpoint().await.expect("checkpointed").expect("SQLite checkpoints");
        assert!(done.log_frames > 1_500, "every commit stayed in the WAL: {done:?}");
        assert_eq!((done.busy, done.checkpointed_frames), (0, done.log_frames), "the pool's checkpoint copied it all");
    }

    /// Rows bound as one JSON parameter come back as they went in, and any count of them is one
    /// statement: a multi-row VALUES list was a new statement, parsed again, for every count.
    #[tokio::test]
    async fn rows_bound_as_json_are_one_statement_whatever_their_count() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let (_store, ledger) = open(&Location::Sqlite(dir.path().join(DATABASE_FILE))).await.expect("opened");
        let LedgerOptions::Sqlite(options) = ledger else { panic!("a SQLite file") };
        let mut connection = sqlx::SqliteConnection::connect_with(&options).await.expect("connected");
        sqlx::query("CREATE TABLE rows_in (id INTEGER NOT NULL, name TEXT NOT NULL) STRICT")
            .execute(&mut connection)
            .await
            .expect("created");
        let columns = [JsonColumn::Int("id"), JsonColumn::Text("name")];
        let insert = format!("INSERT INTO rows_in (id, name) SELECT id, name FROM ({}) r", connection.json_rows(1, &columns));
        let mut sent = Vec::new();
        let mut statements = None;
        for count in [1_i64, 7, 300] {
            let rows: Vec<(i64, String)> =
                (0..count).map(|n| (i64::MAX - n, format!("第{n}张 \"quoted\" \\ {}", "x".repeat(n as usize % 5)))).collect();
            sqlx::query(&insert).bind(json_rows(&rows).expect("encoded")).execute(&mut connection).await.expect("inserted");
            sent.extend(rows);
            let cached = connection.cached_statements_size();
            assert_eq!(*statements.get_or_insert(cached), cached, "a new statement for {count} rows");
        }
        let mut read: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM rows_in").fetch_all(&mut connection).await.expect("read");
        read.sort();
        sent.sort();
        assert_eq!(read, sent, "every row, integers to the last digit and text as it was");
    }
}
