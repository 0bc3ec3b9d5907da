//! The two engines' migrations (`migrations/sqlite`, `migrations/postgres`) give the same schema:
//! the same versions, tables, columns and named indexes.

use std::collections::BTreeSet;

use crate::common::{PostgresServer, repo};
use huiquan_server::{Config, Service};

/// Starts a service on `database` (which migrates it), stops it, and reads the schema.
async fn schema_of(database: String) -> (BTreeSet<(i64, String)>, BTreeSet<(String, String)>, BTreeSet<String>) {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = Config::local(&repo(), data.path().to_owned());
    config.database = Some(database);
    let url = config.database_url();
    Service::start(&config).await.expect("starts and migrates").spawn().expect("bound").stop().await.expect("stops");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("opens");
    let versions: Vec<(i64, String)> = sqlx::query_as("SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&pool)
        .await
        .expect("read");
    let sqlite = url.starts_with("sqlite:");
    let columns: Vec<(String, String)> = sqlx::query_as(if sqlite {
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
    } else {
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'"
    })
    .fetch_all(&pool)
    .await
    .expect("read");
    // Indexes made for keys are named by each engine its own way; the ones the migrations name count.
    let indexes: Vec<(String,)> = sqlx::query_as(if sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'"
    } else {
        "SELECT CAST(indexname AS TEXT) FROM pg_indexes
         WHERE schemaname = 'public' AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    })
    .fetch_all(&pool)
    .await
    .expect("read");
    pool.close().await;
    (versions.into_iter().collect(), columns.into_iter().collect(), indexes.into_iter().map(|(name,)| name).collect())
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_give_the_same_tables_and_columns() {
    let data = tempfile::tempdir().expect("temp dir");
    let sqlite = schema_of(data.path().join("schema.sqlite3").display().to_string()).await;
    let server = PostgresServer::start();
    let postgres = schema_of(server.new_database()).await;
    assert_eq!(sqlite.0, postgres.0, "the same migrations, in the same order");
    assert_eq!(sqlite.1, postgres.1, "the same tables and columns");
    assert_eq!(sqlite.2, postgres.2, "the same named indexes");
    assert!(sqlite.1.contains(&("key_checks".to_owned(), "check_value".to_owned())), "and it is the whole schema, not an empty one");
}
