//! Sessions read in batches. At a release minute every resident's first claim needs their
//! session read from the database, and so does every claim once the cache's recheck time has
//! passed: one query per claim put a thread hand-off to SQLite's connection on each (a fifth of
//! the service's CPU under `flash_crowd`). One task reads the sessions asked for meanwhile in
//! two queries, however many there are, and answers each asker.

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};

use crate::store::{Dialect, JsonColumn, Store, json_rows, on_pool};

/// Most sessions read by one query (SQLite allows 32,766 bound values; PostgreSQL 65,535).
const READ_BATCH_MAX: usize = 512;
/// Lookups waiting for the reader before askers wait for room: more than a storm's in-flight
/// requests (the service's `max_connections`, 10,000 by default).
const QUEUE_MAX: usize = 16_384;

/// A session as stored, with the allowlists its account is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    pub resident: i64,
    pub real_name_verified: bool,
    pub enterprise: bool,
    pub expires_at: i64,
    pub allowlists: Vec<String>,
}

/// Why a session could not be read (the database's error, as text: it is sent to every asker of
/// the batch).
#[derive(Clone, Debug, thiserror::Error)]
#[error("the sessions could not be read: {0}")]
pub struct ReadFailed(String);

type Answer = Result<Option<StoredSession>, ReadFailed>;

struct Lookup {
    token_hash: String,
    now_ms: i64,
    reply: oneshot::Sender<Answer>,
}

#[derive(sqlx_macros::FromRow)]
struct SessionRow {
    token_hash: String,
    id: i64,
    real_name_verified: bool,
    enterprise: bool,
    expires_at: i64,
}

/// Hands lookups to the reading task; clones share it. The task ends when the last clone is
/// dropped, after answering what it holds.
#[derive(Clone)]
pub struct SessionReader {
    lookups: mpsc::Sender<Lookup>,
}

impl SessionReader {
    /// Starts the reading task on the current tokio runtime.
    pub fn start(store: Store) -> SessionReader {
        let (lookups, queue) = mpsc::channel(QUEUE_MAX);
        tokio::spawn(run(store, queue));
        SessionReader { lookups }
    }

    /// The unexpired session stored under `token_hash` at `now_ms`, if any.
    pub async fn read(&self, token_hash: String, now_ms: i64) -> Answer {
        let (reply, answer) = oneshot::channel();
        self.lookups.send(Lookup { token_hash, now_ms, reply }).await.map_err(|_| ReadFailed("the session reader has stopped".into()))?;
        answer.await.map_err(|_| ReadFailed("the session reader has stopped".into()))?
    }
}

async fn run(store: Store, mut queue: mpsc::Receiver<Lookup>) {
    let mut batch = Vec::with_capacity(READ_BATCH_MAX);
    while queue.recv_many(&mut batch, READ_BATCH_MAX).await > 0 {
        let lookups = std::mem::take(&mut batch);
        // The latest asker's clock: a session that expired before it is not handed to anyone.
        let now_ms = lookups.iter().map(|lookup| lookup.now_ms).max().unwrap_or_default();
        let mut hashes: Vec<&str> = lookups.iter().map(|lookup| lookup.token_hash.as_str()).collect();
        hashes.sort_unstable();
        hashes.dedup();
        match read_batch(&store, &hashes, now_ms).await {
            Ok(found) => {
                for lookup in lookups {
                    let _ = lookup.reply.send(Ok(found.get(&lookup.token_hash).cloned()));
                }
            }
            Err(error) => {
                let failed = ReadFailed(error.to_string());
                for lookup in lookups {
                    let _ = lookup.reply.send(Err(failed.clone()));
                }
            }
        }
    }
}

/// Reads the sessions of `hashes` (distinct) and their accounts' allowlists: two queries.
async fn read_batch(store: &Store, hashes: &[&str], now_ms: i64) -> Result<HashMap<String, StoredSession>, sqlx::Error> {
    // Each list bound as one JSON parameter: one statement text however many are asked for.
    let wanted: Vec<(&str,)> = hashes.iter().map(|hash| (*hash,)).collect();
    let wanted = json_rows(&wanted)?;
    let rows: Vec<SessionRow> = on_pool!(store, pool => {
        let sql = format!(
            "SELECT s.token_hash, r.id, r.real_name_verified, r.enterprise, s.expires_at FROM sessions s JOIN residents r ON r.id = s.resident
             WHERE s.expires_at > $1 AND s.token_hash IN (SELECT hash FROM ({}) w)",
            pool.json_rows(2, &[JsonColumn::Text("hash")])
        );
        sqlx::query_as(&sql).bind(now_ms).bind(&wanted).fetch_all(pool).await
    })?;
    let mut residents: Vec<i64> = rows.iter().map(|row| row.id).collect();
    residents.sort_unstable();
    residents.dedup();
    let mut allowlists: HashMap<i64, Vec<String>> = HashMap::new();
    if !residents.is_empty() {
        let wanted: Vec<(i64,)> = residents.iter().map(|resident| (*resident,)).collect();
        let wanted = json_rows(&wanted)?;
        let lists: Vec<(i64, String)> = on_pool!(store, pool => {
            let sql = format!(
                "SELECT DISTINCT e.resident, a.list FROM allowlist_entries a JOIN evidence e ON e.key = a.identifier_key
                 WHERE e.resident IN (SELECT id FROM ({}) w) ORDER BY e.resident, a.list",
                pool.json_rows(1, &[JsonColumn::Int("id")])
            );
            sqlx::query_as(&sql).bind(&wanted).fetch_all(pool).await
        })?;
        for (resident, list) in lists {
            allowlists.entry(resident).or_default().push(list);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let session = StoredSession {
                resident: row.id,
                real_name_verified: row.real_name_verified,
                enterprise: row.enterprise,
                expires_at: row.expires_at,
                allowlists: allowlists.get(&row.id).cloned().unwrap_or_default(),
            };
            (row.token_hash, session)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESIDENTS: i64 = 1_200;
    const NOW: i64 = 1_800_000_000_000;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lookups_asked_at_once_each_get_their_own_session_or_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = crate::store::open(&crate::store::Location::new(None, dir.path())).await.expect("opens");
        let crate::store::Store::Sqlite(pool) = &store else { panic!("the default store is SQLite") };
        for id in 1..=RESIDENTS {
            sqlx::query("INSERT INTO residents (id, created_at, real_name_verified, enterprise) VALUES ($1, 0, $2, $3)")
                .bind(id)
                .bind(id % 2 == 0)
                .bind(id % 3 == 0)
                .execute(pool)
                .await
                .expect("resident");
            // Odd residents' sessions have expired.
            let expires_at = if id % 2 == 0 { NOW + 60_000 } else { NOW - 1 };
            sqlx::query("INSERT INTO sessions (token_hash, resident, expires_at) VALUES ($1, $2, $3)")
                .bind(format!("token-{id}"))
                .bind(id)
                .bind(expires_at)
                .execute(pool)
                .await
                .expect("session");
        }
        // Resident 4 is on two lists through two identifiers, resident 8 on one through two.
        for (key, resident, list) in
            [("phone-4", 4, "teachers"), ("card-4", 4, "medics"), ("phone-8", 8, "medics"), ("card-8", 8, "medics")]
        {
            sqlx::query("INSERT INTO evidence (key, resident) VALUES ($1, $2)")
                .bind(key)
                .bind(resident)
                .execute(pool)
                .await
                .expect("evidence");
            sqlx::query("INSERT INTO allowlist_entries (list, identifier_key) VALUES ($1, $2)")
                .bind(list)
                .bind(key)
                .execute(pool)
                .await
                .expect("entry");
        }

        let reader = SessionReader::start(store.clone());
        // More lookups than one batch, each token asked for twice, and tokens nobody holds.
        let lookups = (1..=RESIDENTS).chain(1..=RESIDENTS).chain([RESIDENTS + 1, -1]).map(|id| {
            let reader = reader.clone();
            tokio::spawn(async move { (id, reader.read(format!("token-{id}"), NOW).await) })
        });
        for lookup in lookups.collect::<Vec<_>>() {
            let (id, answer) = lookup.await.expect("answered");
            let session = answer.expect("read");
            if id % 2 != 0 || !(1..=RESIDENTS).contains(&id) {
                assert_eq!(session, None, "token-{id}: expired or unknown");
                continue;
            }
            let session = session.unwrap_or_else(|| panic!("token-{id} opens its session"));
            let allowlists: Vec<String> = match id {
                4 => vec!["medics".into(), "teachers".into()],
                8 => vec!["medics".into()],
                _ => vec![],
            };
            assert_eq!(
                session,
                StoredSession { resident: id, real_name_verified: true, enterprise: id % 3 == 0, expires_at: NOW + 60_000, allowlists }
            );
        }
    }
}
