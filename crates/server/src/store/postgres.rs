//! What only PostgreSQL does for the ledger: row locks taken in one order, ids from sequences,
//! and stock changes announced to every instance (`NOTIFY`, delivered only if the transaction
//! commits) and heard by each (`LISTEN`); sign-outs announced the same way.

use std::collections::HashMap;

use huiquan_core::{Fen, api::StockUpdate};
use serde::{Deserialize, Serialize};
use sqlx::{
    PgConnection, PgPool,
    postgres::{PgConnectOptions, PgListener, PgPoolOptions},
};
use tokio::sync::broadcast;

use crate::{
    identity::SignedOut,
    ledger::{ReleaseKey, ReleaseRow, StockBoard, stock_update},
};

/// The channel on which committed stock changes are announced.
const STOCK_CHANNEL: &str = "huiquan_stock";
/// The channel on which sign-outs are announced, once their sessions are deleted.
const SIGN_OUT_CHANNEL: &str = "huiquan_sign_out";

/// SQLSTATEs after which a batch is simply decided again: a deadlock, a serialisation failure,
/// and a unique key taken by another instance's commit (two first sign-ins of one phone at once).
const CONFLICTS: [&str; 3] = ["40P01", "40001", "23505"];

/// Whether `error` is another instance's write getting in the way, not a fault.
pub fn is_conflict(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(error) if error.code().is_some_and(|code| CONFLICTS.contains(&code.as_ref())))
}

/// Ids an instance takes at a time: the `INCREMENT BY` of the claims' and vouchers' sequences
/// (migrations/postgres/0002), so one `nextval` is a block no other instance can share.
pub const ID_BLOCK: i64 = 512;

/// Takes a block of [`ID_BLOCK`] ids from `table`'s sequence and returns the first. Sequences
/// never roll back, so a batch that fails leaves a gap, never a duplicate.
pub async fn take_ids(connection: &mut PgConnection, table: &str) -> Result<i64, sqlx::Error> {
    let (first,): (i64,) =
        sqlx::query_as("SELECT nextval(pg_get_serial_sequence($1, 'id'))").bind(table).fetch_one(&mut *connection).await?;
    Ok(first)
}

/// The "same user" group of each account.
pub async fn groups_of(connection: &mut PgConnection, accounts: &[i64]) -> Result<HashMap<i64, i64>, sqlx::Error> {
    if accounts.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, user_group FROM residents WHERE id = ANY($1)").bind(accounts).fetch_all(&mut *connection).await?;
    Ok(rows.into_iter().collect())
}

/// Locks these accounts' rows until the transaction ends, in ascending order (every instance
/// takes them in the same order). Sorts and dedups `accounts`.
pub async fn lock_accounts(connection: &mut PgConnection, accounts: &mut Vec<i64>) -> Result<(), sqlx::Error> {
    accounts.sort_unstable();
    accounts.dedup();
    if accounts.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT id FROM residents WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&accounts[..])
        .fetch_all(&mut *connection)
        .await?;
    Ok(())
}

/// A committed release row, as announced.
#[derive(Serialize, Deserialize)]
struct StockChange {
    campaign: String,
    offer: String,
    opens: i64,
    stock: u32,
    claimed: u32,
    sold_out_at: Option<i64>,
}

/// Announces the batch's changed release rows; PostgreSQL delivers them only if it commits.
pub async fn notify_stock(connection: &mut PgConnection, changed: &[(ReleaseKey, ReleaseRow)]) -> Result<(), sqlx::Error> {
    for ((campaign, offer, opens), row) in changed {
        let change = StockChange {
            campaign: campaign.clone(),
            offer: offer.clone(),
            opens: *opens,
            stock: row.stock,
            claimed: row.claimed,
            sold_out_at: row.sold_out_at,
        };
        let payload = serde_json::to_string(&change).map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
        sqlx::query("SELECT pg_notify($1, $2)").bind(STOCK_CHANNEL).bind(payload).execute(&mut *connection).await?;
    }
    Ok(())
}

/// What one instance hears from all: each channel's announcements, decoded and handed on.
pub struct Hearing {
    channel: &'static str,
    heard: Box<dyn Fn(&str) + Send>,
}

impl Hearing {
    fn of<T: serde::de::DeserializeOwned>(channel: &'static str, heard: impl Fn(T) + Send + 'static) -> Hearing {
        Hearing {
            channel,
            heard: Box::new(move |payload| match serde_json::from_str::<T>(payload) {
                Ok(announced) => heard(announced),
                Err(error) => tracing::warn!(%error, channel, "a notification that is not ours; ignored"),
            }),
        }
    }
}

/// Every instance's stock changes: each goes on `board` (stock reads) and to `updates` (the
/// event streams). Changes announced while the listener reconnects are missed, and the board
/// catches up at the next change of that release.
pub fn stock_changes(board: StockBoard, updates: broadcast::Sender<StockUpdate>) -> Hearing {
    Hearing::of(STOCK_CHANNEL, move |change: StockChange| {
        let key = (change.campaign, change.offer, change.opens);
        let row = ReleaseRow { stock: change.stock, claimed: change.claimed, carried: Fen::ZERO, sold_out_at: change.sold_out_at };
        let _ = updates.send(stock_update(&key, &row));
        board.record(key, row);
    })
}

/// Every instance's sign-outs, handed to `forget`. A sign-out announced while the listener
/// reconnects is missed; the session then ends here at its next recheck (`session_recheck`).
pub fn sign_outs(forget: impl Fn(SignedOut) + Send + 'static) -> Hearing {
    Hearing::of(SIGN_OUT_CHANNEL, forget)
}

/// Listens on every channel of `hearings` on one connection of its own (a `LISTEN` lasts for
/// a session). sqlx reconnects a listener that loses its connection; what is announced
/// meanwhile is missed.
pub async fn listen(options: &PgConnectOptions, hearings: Vec<Hearing>) -> Result<(), sqlx::Error> {
    let pool = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen_all(hearings.iter().map(|hearing| hearing.channel)).await?;
    tokio::spawn(async move {
        loop {
            match listener.recv().await {
                Ok(notification) => {
                    for hearing in hearings.iter().filter(|hearing| hearing.channel == notification.channel()) {
                        (hearing.heard)(notification.payload());
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "notifications interrupted; listening again");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
        }
    });
    Ok(())
}

/// Tells every instance (this one too) that sessions have ended, so none keeps them in memory.
pub async fn notify_sign_out(pool: &PgPool, signed_out: &SignedOut) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(signed_out).map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
    sqlx::query("SELECT pg_notify($1, $2)").bind(SIGN_OUT_CHANNEL).bind(payload).execute(pool).await?;
    Ok(())
}
