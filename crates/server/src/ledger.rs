//! The ledger: the one writer of stock, claims and vouchers.
//!
//! Every change goes through one task that owns a dedicated SQLite connection. It takes the
//! commands waiting in its queue as a batch, decides each in order with the rules of
//! `huiquan_core` against its in-memory view (stock, histories, answers given), writes the batch
//! in one `BEGIN IMMEDIATE` transaction and answers only after `COMMIT` has returned: a claim is
//! acknowledged only once durable, and one fsync serves the whole batch (group commit). Serial
//! decisions make oversell and double claims impossible by construction; batching makes them
//! fast. If a commit fails, nobody in the batch is told "yes", and the in-memory view is dropped
//! and reread from the database.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use huiquan_core::api::{ClaimReceipt, IssuedVoucher, OfferStock, StockUpdate};
use huiquan_core::{
    Campaign, Claimant, ClaimRequest, Fen, History, PastClaim, PastUse, Refusal, RoundStock, Theme, Verdict,
    api::ProblemDetails,
    civil::Instant,
    redemption::{HeldVoucher, Order, RefundKind, RefundOutcome, TillContext, refund_outcome},
    rollover::{Leftover, rolled_over_stock},
};
use serde::Serialize;
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection, sqlite::SqliteConnectOptions};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::{catalog::Catalog, codes};

/// How many commands one transaction takes at most.
const MAX_BATCH: usize = 512;
/// Rows per multi-row INSERT (SQLite allows 32,766 parameters; vouchers have 9 columns).
const ROWS_PER_INSERT: usize = 1_000;

pub type ResidentId = i64;

/// A stored answer to a request: what the client receives, the same on every retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}





/// A claim as the HTTP layer hands it over, already authenticated and located.
#[derive(Clone, Debug)]
pub struct ClaimCommand {
    pub resident: ResidentId,
    pub claimant: Claimant,
    pub campaign: String,
    pub offer: String,
    pub location: Option<Verdict>,
    pub store_category: Option<String>,
    pub idempotency_key: String,
    /// What was asked, so that a key reused for another request is refused.
    pub fingerprint: String,
}

#[derive(Clone, Debug)]
pub struct RedeemCommand {
    pub merchant: String,
    pub merchant_category: String,
    pub voucher_code: String,
    pub order_id: String,
    pub order: Order,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Redeemed {
    pub redemption_id: i64,
    pub voucher: String,
    pub tier: String,
    pub amount_off: Fen,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RefundedVoucher {
    pub voucher: String,
    pub outcome: RefundOutcome,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("the ledger could not write: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the ledger has stopped")]
    Stopped,
    #[error("{0}")]
    Refused(#[source] TillRefusal),
}

/// Why the till's request was refused.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TillRefusal {
    #[error("no voucher has this code")]
    UnknownVoucher,
    #[error("the voucher belongs to another campaign than this merchant's")]
    WrongCampaign,
    #[error(transparent)]
    Rule(#[from] huiquan_core::RedeemRefusal),
    #[error("no voucher was used on this order at this merchant")]
    UnknownOrder,
}

enum Command {
    Claim(ClaimCommand, oneshot::Sender<Result<Answer, LedgerError>>),
    Stock(String, oneshot::Sender<Result<Vec<OfferStock>, LedgerError>>),
    Redeem(RedeemCommand, oneshot::Sender<Result<Redeemed, LedgerError>>),
    Refund { merchant: String, order_id: String, kind: RefundKind, reply: oneshot::Sender<Result<Vec<RefundedVoucher>, LedgerError>> },
    /// The "same user" rule found that these residents are one: move everything onto `into`.
    Merge { into: ResidentId, from: Vec<ResidentId>, reply: oneshot::Sender<Result<(), LedgerError>> },
}

/// The handle the request handlers hold.
#[derive(Clone)]
pub struct Ledger {
    commands: mpsc::Sender<Command>,
    updates: broadcast::Sender<StockUpdate>,
}

impl Ledger {
    /// Opens the ledger's own connection and starts its task. The task ends, after finishing
    /// every queued command, when the last handle is dropped.
    pub async fn start(options: &SqliteConnectOptions, catalog: Arc<Catalog>) -> Result<Ledger, sqlx::Error> {
        let mut connection = SqliteConnection::connect_with(options).await?;
        let view = View::load(&mut connection).await?;
        let (commands, queue) = mpsc::channel(16_384);
        let (updates, _) = broadcast::channel(4_096);
        let writer = Writer { connection, catalog, view, updates: updates.clone() };
        tokio::spawn(writer.run(queue));
        Ok(Ledger { commands, updates })
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<Result<T, LedgerError>>) -> Command) -> Result<T, LedgerError> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(make(reply)).await.map_err(|_| LedgerError::Stopped)?;
        answer.await.map_err(|_| LedgerError::Stopped)?
    }

    pub async fn claim(&self, command: ClaimCommand) -> Result<Answer, LedgerError> {
        self.ask(|reply| Command::Claim(command, reply)).await
    }

    pub async fn stock(&self, campaign: &str) -> Result<Vec<OfferStock>, LedgerError> {
        let campaign = campaign.to_owned();
        self.ask(|reply| Command::Stock(campaign, reply)).await
    }

    pub async fn redeem(&self, command: RedeemCommand) -> Result<Redeemed, LedgerError> {
        self.ask(|reply| Command::Redeem(command, reply)).await
    }

    pub async fn refund(&self, merchant: String, order_id: String, kind: RefundKind) -> Result<Vec<RefundedVoucher>, LedgerError> {
        self.ask(|reply| Command::Refund { merchant, order_id, kind, reply }).await
    }

    pub async fn merge(&self, into: ResidentId, from: Vec<ResidentId>) -> Result<(), LedgerError> {
        self.ask(|reply| Command::Merge { into, from, reply }).await
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StockUpdate> {
        self.updates.subscribe()
    }
}

/// A release's stock as the ledger holds it.
#[derive(Clone, Copy, Debug)]
struct ReleaseRow {
    stock: u32,
    claimed: u32,
    carried: Fen,
    /// When the last unit was claimed (milliseconds since the epoch).
    sold_out_at: Option<i64>,
}

type ReleaseKey = (String, String, i64);

struct StoredAnswer {
    fingerprint: String,
    status: u16,
    body: String,
}

/// The ledger's in-memory view of the database.
struct View {
    releases: HashMap<ReleaseKey, ReleaseRow>,
    histories: HashMap<(ResidentId, String), History>,
    answers: HashMap<(ResidentId, String), StoredAnswer>,
    next_claim_id: i64,
    next_voucher_id: i64,
}

impl View {
    async fn load(connection: &mut SqliteConnection) -> Result<View, sqlx::Error> {
        let (next_claim_id,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) + 1 FROM claims").fetch_one(&mut *connection).await?;
        let (next_voucher_id,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(id), 0) + 1 FROM vouchers").fetch_one(&mut *connection).await?;
        let rows: Vec<(i64, String, String, i64, String)> =
            sqlx::query_as("SELECT resident, key, fingerprint, status, body FROM idempotency").fetch_all(&mut *connection).await?;
        let answers = rows
            .into_iter()
            .map(|(resident, key, fingerprint, status, body)| {
                ((resident, key), StoredAnswer { fingerprint, status: u16::try_from(status).unwrap_or(500), body })
            })
            .collect();
        Ok(View { releases: HashMap::new(), histories: HashMap::new(), answers, next_claim_id, next_voucher_id })
    }
}

/// Rows a batch will write.
#[derive(Default)]
struct Pending {
    claims: Vec<(i64, String, String, i64, i64, ResidentId, i64)>,
    vouchers: Vec<(i64, String, i64, String, String, i64, ResidentId, i64)>,
    answers: Vec<(ResidentId, String, String, u16, String, i64)>,
    releases: HashSet<ReleaseKey>,
}

enum Reply {
    Claim(oneshot::Sender<Result<Answer, LedgerError>>, Answer),
    Stock(oneshot::Sender<Result<Vec<OfferStock>, LedgerError>>, Vec<OfferStock>),
    Redeem(oneshot::Sender<Result<Redeemed, LedgerError>>, Result<Redeemed, TillRefusal>),
    Refund(oneshot::Sender<Result<Vec<RefundedVoucher>, LedgerError>>, Result<Vec<RefundedVoucher>, TillRefusal>),
    Merge(oneshot::Sender<Result<(), LedgerError>>),
}

struct Writer {
    connection: SqliteConnection,
    catalog: Arc<Catalog>,
    view: View,
    updates: broadcast::Sender<StockUpdate>,
}

fn now() -> Instant {
    Instant(jiff::Timestamp::now().as_millisecond())
}

impl Writer {
    async fn run(mut self, mut queue: mpsc::Receiver<Command>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let commands = std::mem::take(&mut batch);
            self.process(commands).await;
        }
        tracing::info!("ledger: queue closed, every command answered");
    }

    async fn process(&mut self, commands: Vec<Command>) {
        let mut replies = Vec::with_capacity(commands.len());
        let mut pending = Pending::default();
        let outcome = self.apply(commands, &mut replies, &mut pending).await;
        let outcome = match outcome {
            Ok(()) => match sqlx::query("COMMIT").execute(&mut self.connection).await {
                Ok(_) => Ok(()),
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => {
                for key in &pending.releases {
                    if let Some(row) = self.view.releases.get(key) {
                        let _ = self.updates.send(StockUpdate {
                            campaign: key.0.clone(),
                            offer: key.1.clone(),
                            release_opens_ms: key.2,
                            left: row.stock - row.claimed,
                            sold_out_at_ms: row.sold_out_at,
                        });
                    }
                }
                for reply in replies {
                    match reply {
                        Reply::Claim(to, answer) => drop(to.send(Ok(answer))),
                        Reply::Stock(to, stock) => drop(to.send(Ok(stock))),
                        Reply::Redeem(to, result) => drop(to.send(result.map_err(LedgerError::Refused))),
                        Reply::Refund(to, result) => drop(to.send(result.map_err(LedgerError::Refused))),
                        Reply::Merge(to) => drop(to.send(Ok(()))),
                    }
                }
            }
            Err(error) => {
                tracing::error!(%error, "ledger: batch not written; every request in it is answered 503");
                let _ = sqlx::query("ROLLBACK").execute(&mut self.connection).await;
                for reply in replies {
                    let failed = || LedgerError::Database(sqlx::Error::Protocol(error.to_string()));
                    match reply {
                        Reply::Claim(to, _) => drop(to.send(Err(failed()))),
                        Reply::Stock(to, _) => drop(to.send(Err(failed()))),
                        Reply::Redeem(to, _) => drop(to.send(Err(failed()))),
                        Reply::Refund(to, _) => drop(to.send(Err(failed()))),
                        Reply::Merge(to) => drop(to.send(Err(failed()))),
                    }
                }
                // What we held may include changes that were never written: read it all again.
                match View::load(&mut self.connection).await {
                    Ok(view) => self.view = view,
                    Err(error) => tracing::error!(%error, "ledger: cannot reload its view"),
                }
            }
        }
    }

    /// Decides every command of the batch inside one transaction. An error means nothing of the
    /// batch may be acknowledged.
    async fn apply(&mut self, commands: Vec<Command>, replies: &mut Vec<Reply>, pending: &mut Pending) -> Result<(), sqlx::Error> {
        sqlx::query("BEGIN IMMEDIATE").execute(&mut self.connection).await?;
        let now = now();
        self.preload_histories(&commands).await?;
        for command in commands {
            match command {
                Command::Claim(claim, reply) => {
                    let answer = self.claim(claim, now, pending).await?;
                    replies.push(Reply::Claim(reply, answer));
                }
                Command::Stock(campaign, reply) => {
                    let stock = self.stock(&campaign, now, pending).await?;
                    replies.push(Reply::Stock(reply, stock));
                }
                Command::Redeem(redeem, reply) => {
                    self.flush(pending).await?;
                    let result = self.redeem(redeem, now).await?;
                    replies.push(Reply::Redeem(reply, result));
                }
                Command::Refund { merchant, order_id, kind, reply } => {
                    self.flush(pending).await?;
                    let result = self.refund(&merchant, &order_id, kind, now).await?;
                    replies.push(Reply::Refund(reply, result));
                }
                Command::Merge { into, from, reply } => {
                    self.flush(pending).await?;
                    self.merge(into, &from).await?;
                    replies.push(Reply::Merge(reply));
                }
            }
        }
        self.flush(pending).await?;
        Ok(())
    }

    /// Reads, in one query per campaign, the histories of the batch's residents not yet held.
    async fn preload_histories(&mut self, commands: &[Command]) -> Result<(), sqlx::Error> {
        let mut missing: HashMap<&str, Vec<ResidentId>> = HashMap::new();
        for command in commands {
            if let Command::Claim(claim, _) = command
                && !self.view.histories.contains_key(&(claim.resident, claim.campaign.clone())) {
                    missing.entry(claim.campaign.as_str()).or_default().push(claim.resident);
                }
        }
        for (campaign, residents) in missing {
            for chunk in residents.chunks(ROWS_PER_INSERT) {
                let mut claims = QueryBuilder::<Sqlite>::new("SELECT resident, offer, round, claimed_at FROM claims WHERE campaign = ");
                claims.push_bind(campaign).push(" AND resident IN (");
                let mut separated = claims.separated(", ");
                for resident in chunk {
                    separated.push_bind(*resident);
                }
                claims.push(")");
                let rows: Vec<(i64, String, i64, i64)> = claims.build_query_as().fetch_all(&mut self.connection).await?;
                let mut uses = QueryBuilder::<Sqlite>::new(
                    "SELECT resident, tier, round, used_at FROM vouchers WHERE used_at IS NOT NULL AND campaign = ",
                );
                uses.push_bind(campaign).push(" AND resident IN (");
                let mut separated = uses.separated(", ");
                for resident in chunk {
                    separated.push_bind(*resident);
                }
                uses.push(")");
                let used: Vec<(i64, String, i64, i64)> = uses.build_query_as().fetch_all(&mut self.connection).await?;
                for resident in chunk {
                    self.view.histories.entry((*resident, campaign.to_owned())).or_default();
                }
                for (resident, offer, round, claimed_at) in rows {
                    if let Some(history) = self.view.histories.get_mut(&(resident, campaign.to_owned())) {
                        history.claims.push(PastClaim { offer, round: round as usize, claimed_at: Instant(claimed_at) });
                    }
                }
                for (resident, tier, round, used_at) in used {
                    if let Some(history) = self.view.histories.get_mut(&(resident, campaign.to_owned())) {
                        history.uses.push(PastUse { tier, round: round as usize, used_at: Instant(used_at) });
                    }
                }
            }
        }
        Ok(())
    }

    async fn claim(&mut self, claim: ClaimCommand, now: Instant, pending: &mut Pending) -> Result<Answer, sqlx::Error> {
        let answer_key = (claim.resident, claim.idempotency_key.clone());
        if let Some(stored) = self.view.answers.get(&answer_key) {
            if stored.fingerprint != claim.fingerprint {
                let problem = ProblemDetails::new(
                    422,
                    "idempotency_key_reused",
                    "Idempotency-Key used for another request",
                    "this Idempotency-Key was first used for a different claim; use a new key for a new claim",
                );
                return Ok(Answer { status: 422, body: serde_json::to_string(&problem).unwrap_or_default(), replayed: false });
            }
            return Ok(Answer { status: stored.status, body: stored.body.clone(), replayed: true });
        }
        let catalog = Arc::clone(&self.catalog);
        let (status, body) = match catalog.get(&claim.campaign) {
            None => problem_answer(404, "unknown_campaign", "No such campaign", format!("there is no campaign {:?}", claim.campaign)),
            Some(campaign) => self.decide(campaign, &claim, now, pending).await?,
        };
        pending.answers.push((claim.resident, claim.idempotency_key.clone(), claim.fingerprint.clone(), status, body.clone(), now.0));
        self.view.answers.insert(answer_key, StoredAnswer { fingerprint: claim.fingerprint, status, body: body.clone() });
        Ok(Answer { status, body, replayed: false })
    }

    async fn decide(&mut self, campaign: &Campaign, claim: &ClaimCommand, now: Instant, pending: &mut Pending) -> Result<(u16, String), sqlx::Error> {
        let Some((theme, offer)) = campaign.offer(&claim.offer) else {
            return Ok(refusal_answer(campaign, &Refusal::UnknownOffer));
        };
        let release = campaign.open_release(theme, now);
        let left = match release {
            Some(release) => {
                let row = self.release(campaign, theme, offer.id(), release).await?;
                row.stock - row.claimed
            }
            None => 0,
        };
        let history_key = (claim.resident, campaign.id.clone());
        let history = self.view.histories.entry(history_key.clone()).or_default();
        let request = ClaimRequest {
            offer: &claim.offer,
            now,
            location: claim.location,
            store_category: claim.store_category.as_deref(),
        };
        let grant = match campaign.decide_claim(&claim.claimant, &request, history, left) {
            Ok(grant) => grant,
            Err(refusal) => return Ok(refusal_answer(campaign, &refusal)),
        };
        history.claims.push(PastClaim { offer: grant.offer.clone(), round: grant.round, claimed_at: now });
        let release_key = (campaign.id.clone(), grant.offer.clone(), grant.release_opens.0);
        if let Some(row) = self.view.releases.get_mut(&release_key) {
            row.claimed += 1;
            if row.claimed >= row.stock && row.sold_out_at.is_none() {
                row.sold_out_at = Some(now.0);
            }
        }
        pending.releases.insert(release_key);
        let claim_id = self.view.next_claim_id;
        self.view.next_claim_id += 1;
        pending.claims.push((claim_id, campaign.id.clone(), grant.offer.clone(), grant.round as i64, grant.release_opens.0, claim.resident, now.0));
        let mut vouchers = Vec::with_capacity(grant.vouchers.len());
        for granted in &grant.vouchers {
            let id = self.view.next_voucher_id;
            self.view.next_voucher_id += 1;
            let code = codes::voucher_code();
            pending.vouchers.push((id, code.clone(), claim_id, campaign.id.clone(), granted.tier.clone(), grant.round as i64, claim.resident, granted.expires.0));
            vouchers.push(IssuedVoucher { id, code, tier: granted.tier.clone(), expires_at_ms: granted.expires.0 });
        }
        let receipt = ClaimReceipt {
            claim_id,
            campaign: campaign.id.clone(),
            offer: grant.offer,
            round: campaign.rounds.get(grant.round).map(|round| round.id.clone()).unwrap_or_default(),
            claimed_at_ms: now.0,
            vouchers,
        };
        Ok((201, serde_json::to_string(&receipt).unwrap_or_default()))
    }

    /// The release row of an offer, read or created (with its rollover) on first use.
    async fn release(&mut self, campaign: &Campaign, theme: &Theme, offer: &str, release: huiquan_core::Release) -> Result<ReleaseRow, sqlx::Error> {
        let key = (campaign.id.clone(), offer.to_owned(), release.opens.0);
        if let Some(row) = self.view.releases.get(&key) {
            return Ok(*row);
        }
        let stored: Option<(i64, i64, i64, i64, Option<i64>)> =
            sqlx::query_as("SELECT round, stock, claimed, carried_fen, sold_out_at FROM releases WHERE campaign = ?1 AND offer = ?2 AND opens_at = ?3")
                .bind(&key.0)
                .bind(&key.1)
                .bind(key.2)
                .fetch_optional(&mut self.connection)
                .await?;
        let row = match stored {
            Some((_round, stock, claimed, carried, sold_out_at)) => ReleaseRow {
                stock: u32::try_from(stock).unwrap_or(0),
                claimed: u32::try_from(claimed).unwrap_or(0),
                carried: Fen(carried),
                sold_out_at,
            },
            None => {
                let Some((_, offer_ref)) = campaign.offer(offer) else {
                    return Ok(ReleaseRow { stock: 0, claimed: 0, carried: Fen::ZERO, sold_out_at: None });
                };
                let fresh = match campaign.rounds.get(release.round).map(|round| round.stock) {
                    Some(RoundStock::LeftoverOnly) => 0,
                    _ => offer_ref.stock_per_release(),
                };
                let (stock, carried) = if theme.rules.rollover {
                    let previous = campaign.releases(theme).into_iter().rfind(|earlier| earlier.opens < release.opens);
                    match previous {
                        Some(previous) => {
                            let before = Box::pin(self.release(campaign, theme, offer, previous)).await?;
                            let leftover = Leftover {
                                unclaimed_units: before.stock - before.claimed,
                                expired_unused: self.unused_value(campaign, offer, previous.opens).await?,
                                remainder: before.carried,
                            };
                            rolled_over_stock(fresh, theme.value_of(offer_ref), leftover)
                        }
                        None => (fresh, Fen::ZERO),
                    }
                } else {
                    (fresh, Fen::ZERO)
                };
                let row = ReleaseRow { stock, claimed: 0, carried, sold_out_at: None };
                sqlx::query("INSERT INTO releases (campaign, offer, opens_at, round, stock, claimed, carried_fen) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)")
                    .bind(&key.0)
                    .bind(&key.1)
                    .bind(key.2)
                    .bind(release.round as i64)
                    .bind(i64::from(stock))
                    .bind(carried.0)
                    .execute(&mut self.connection)
                    .await?;
                if theme.rules.rollover && stock > fresh {
                    tracing::info!(campaign = %campaign.id, offer, stock, fresh, "rollover: leftovers of the round before added");
                }
                row
            }
        };
        self.view.releases.insert(key, row);
        Ok(row)
    }

    /// The value of the vouchers of a release that were never used (they have expired by the time
    /// the next round opens).
    async fn unused_value(&mut self, campaign: &Campaign, offer: &str, release_opens: Instant) -> Result<Fen, sqlx::Error> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT v.tier, COUNT(*) FROM vouchers v JOIN claims c ON v.claim = c.id
             WHERE c.campaign = ?1 AND c.offer = ?2 AND c.release_opens = ?3 AND v.used_at IS NULL GROUP BY v.tier",
        )
        .bind(&campaign.id)
        .bind(offer)
        .bind(release_opens.0)
        .fetch_all(&mut self.connection)
        .await?;
        Ok(Fen(rows
            .iter()
            .map(|(tier, count)| campaign.tier(tier).map_or(0, |(_, tier)| tier.value().0) * count)
            .sum()))
    }

    async fn stock(&mut self, campaign_id: &str, now: Instant, pending: &mut Pending) -> Result<Vec<OfferStock>, sqlx::Error> {
        self.flush(pending).await?;
        let catalog = Arc::clone(&self.catalog);
        let Some(campaign) = catalog.get(campaign_id) else { return Ok(Vec::new()) };
        let mut stock = Vec::new();
        for (theme, offer) in campaign.offers() {
            let entry = match campaign.open_release(theme, now) {
                Some(release) => {
                    let row = self.release(campaign, theme, offer.id(), release).await?;
                    let left = row.stock - row.claimed;
                    OfferStock {
                        offer: offer.id().to_owned(),
                        release_opens_ms: Some(release.opens.0),
                        stock: Some(row.stock),
                        left: Some(left),
                        sold_out_at_ms: row.sold_out_at,
                        state: campaign.offer_state(theme, now, left),
                    }
                }
                None => OfferStock {
                    offer: offer.id().to_owned(),
                    release_opens_ms: None,
                    stock: None,
                    left: None,
                    sold_out_at_ms: None,
                    state: campaign.offer_state(theme, now, 0),
                },
            };
            stock.push(entry);
        }
        Ok(stock)
    }

    async fn redeem(&mut self, redeem: RedeemCommand, now: Instant) -> Result<Result<Redeemed, TillRefusal>, sqlx::Error> {
        let found: Option<(i64, String, String, i64, i64, Option<i64>, i64)> = sqlx::query_as(
            "SELECT id, campaign, tier, resident, expires_at, used_at, round FROM vouchers WHERE code = ?1",
        )
        .bind(&redeem.voucher_code)
        .fetch_optional(&mut self.connection)
        .await?;
        let Some((voucher_id, campaign_id, tier, resident, expires_at, used_at, round)) = found else {
            return Ok(Err(TillRefusal::UnknownVoucher));
        };
        let catalog = Arc::clone(&self.catalog);
        let Some(campaign) = catalog.get(&campaign_id) else { return Ok(Err(TillRefusal::WrongCampaign)) };
        let (vouchers_on_order,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM vouchers WHERE merchant = ?1 AND order_id = ?2")
            .bind(&redeem.merchant)
            .bind(&redeem.order_id)
            .fetch_one(&mut self.connection)
            .await?;
        let day_start = now
            .to_civil(campaign.utc_offset)
            .map(|civil| civil.date.at(huiquan_core::civil::Time::MIDNIGHT).to_instant(campaign.utc_offset).0)
            .unwrap_or(now.0);
        let (used_here_today,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM vouchers WHERE resident = ?1 AND merchant = ?2 AND used_at >= ?3",
        )
        .bind(resident)
        .bind(&redeem.merchant)
        .bind(day_start)
        .fetch_one(&mut self.connection)
        .await?;
        let held = HeldVoucher { tier: &tier, expires: Instant(expires_at), used: used_at.is_some() };
        let context = TillContext {
            vouchers_on_order: u32::try_from(vouchers_on_order).unwrap_or(u32::MAX),
            used_here_today: u32::try_from(used_here_today).unwrap_or(u32::MAX),
        };
        let mut order = redeem.order.clone();
        order.merchant_category = redeem.merchant_category.clone();
        let amount_off = match campaign.redeem(held, &order, context, now) {
            Ok(amount) => amount,
            Err(refusal) => return Ok(Err(TillRefusal::Rule(refusal))),
        };
        sqlx::query("UPDATE vouchers SET used_at = ?1, merchant = ?2, order_id = ?3 WHERE id = ?4")
            .bind(now.0)
            .bind(&redeem.merchant)
            .bind(&redeem.order_id)
            .bind(voucher_id)
            .execute(&mut self.connection)
            .await?;
        let redemption_id = sqlx::query("INSERT INTO redemptions (voucher, merchant, order_id, amount_off, at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(voucher_id)
            .bind(&redeem.merchant)
            .bind(&redeem.order_id)
            .bind(amount_off.0)
            .bind(now.0)
            .execute(&mut self.connection)
            .await?
            .last_insert_rowid();
        if let Some(history) = self.view.histories.get_mut(&(resident, campaign_id)) {
            history.uses.push(PastUse { tier: tier.clone(), round: round as usize, used_at: now });
        }
        Ok(Ok(Redeemed { redemption_id, voucher: redeem.voucher_code, tier, amount_off }))
    }

    async fn refund(&mut self, merchant: &str, order_id: &str, kind: RefundKind, now: Instant) -> Result<Result<Vec<RefundedVoucher>, TillRefusal>, sqlx::Error> {
        let rows: Vec<(i64, i64, String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT r.id, v.id, v.code, v.tier, v.expires_at, v.campaign, v.resident FROM redemptions r JOIN vouchers v ON r.voucher = v.id
             WHERE r.merchant = ?1 AND r.order_id = ?2 AND r.refund IS NULL",
        )
        .bind(merchant)
        .bind(order_id)
        .fetch_all(&mut self.connection)
        .await?;
        if rows.is_empty() {
            return Ok(Err(TillRefusal::UnknownOrder));
        }
        let mut refunded = Vec::with_capacity(rows.len());
        for (redemption, voucher, code, tier, expires_at, campaign, resident) in rows {
            let outcome = refund_outcome(kind, Instant(expires_at), now);
            let label = match outcome {
                RefundOutcome::Restored => "restored",
                RefundOutcome::CountsAsUsed => "counts_as_used",
            };
            sqlx::query("UPDATE redemptions SET refund = ?1 WHERE id = ?2").bind(label).bind(redemption).execute(&mut self.connection).await?;
            if outcome == RefundOutcome::Restored {
                sqlx::query("UPDATE vouchers SET used_at = NULL, merchant = NULL, order_id = NULL WHERE id = ?1")
                    .bind(voucher)
                    .execute(&mut self.connection)
                    .await?;
                if let Some(history) = self.view.histories.get_mut(&(resident, campaign))
                    && let Some(position) = history.uses.iter().position(|used| used.tier == tier) {
                        history.uses.remove(position);
                    }
            }
            refunded.push(RefundedVoucher { voucher: code, outcome });
        }
        Ok(Ok(refunded))
    }

    async fn merge(&mut self, into: ResidentId, from: &[ResidentId]) -> Result<(), sqlx::Error> {
        for resident in from.iter().filter(|resident| **resident != into) {
            for statement in [
                "UPDATE identifiers SET resident = ?1 WHERE resident = ?2",
                "UPDATE sessions SET resident = ?1 WHERE resident = ?2",
                "UPDATE claims SET resident = ?1 WHERE resident = ?2",
                "UPDATE vouchers SET resident = ?1 WHERE resident = ?2",
            ] {
                sqlx::query(statement).bind(into).bind(resident).execute(&mut self.connection).await?;
            }
            sqlx::query(
                "UPDATE residents SET real_name_verified = MAX(real_name_verified, (SELECT real_name_verified FROM residents WHERE id = ?2)),
                 enterprise = MAX(enterprise, (SELECT enterprise FROM residents WHERE id = ?2)) WHERE id = ?1",
            )
            .bind(into)
            .bind(resident)
            .execute(&mut self.connection)
            .await?;
        }
        // Both histories are now one; read it again when next needed.
        self.view.histories.retain(|(resident, _), _| *resident != into && !from.contains(resident));
        Ok(())
    }

    /// Writes the batch's buffered rows.
    async fn flush(&mut self, pending: &mut Pending) -> Result<(), sqlx::Error> {
        for chunk in pending.claims.chunks(ROWS_PER_INSERT) {
            let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO claims (id, campaign, offer, round, release_opens, resident, claimed_at) ");
            insert.push_values(chunk, |mut row, claim| {
                row.push_bind(claim.0).push_bind(&claim.1).push_bind(&claim.2).push_bind(claim.3).push_bind(claim.4).push_bind(claim.5).push_bind(claim.6);
            });
            insert.build().execute(&mut self.connection).await?;
        }
        pending.claims.clear();
        for chunk in pending.vouchers.chunks(ROWS_PER_INSERT) {
            let mut insert =
                QueryBuilder::<Sqlite>::new("INSERT INTO vouchers (id, code, claim, campaign, tier, round, resident, expires_at) ");
            insert.push_values(chunk, |mut row, voucher| {
                row.push_bind(voucher.0)
                    .push_bind(&voucher.1)
                    .push_bind(voucher.2)
                    .push_bind(&voucher.3)
                    .push_bind(&voucher.4)
                    .push_bind(voucher.5)
                    .push_bind(voucher.6)
                    .push_bind(voucher.7);
            });
            insert.build().execute(&mut self.connection).await?;
        }
        pending.vouchers.clear();
        for chunk in pending.answers.chunks(ROWS_PER_INSERT) {
            let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO idempotency (resident, key, fingerprint, status, body, created_at) ");
            insert.push_values(chunk, |mut row, answer| {
                row.push_bind(answer.0).push_bind(&answer.1).push_bind(&answer.2).push_bind(i64::from(answer.3)).push_bind(&answer.4).push_bind(answer.5);
            });
            insert.build().execute(&mut self.connection).await?;
        }
        pending.answers.clear();
        for key in &pending.releases {
            if let Some(row) = self.view.releases.get(key) {
                sqlx::query("UPDATE releases SET claimed = ?1, sold_out_at = ?5 WHERE campaign = ?2 AND offer = ?3 AND opens_at = ?4")
                    .bind(i64::from(row.claimed))
                    .bind(&key.0)
                    .bind(&key.1)
                    .bind(key.2)
                    .bind(row.sold_out_at)
                    .execute(&mut self.connection)
                    .await?;
            }
        }
        Ok(())
    }
}

fn problem_answer(status: u16, code: &str, title: &str, detail: String) -> (u16, String) {
    (status, serde_json::to_string(&ProblemDetails::new(status, code, title, detail)).unwrap_or_default())
}

/// A refusal as problem+json: the code, words for a log, and the refusal's own fields (when the
/// next release opens, which period was used up …) for the app.
fn refusal_answer(campaign: &Campaign, refusal: &Refusal) -> (u16, String) {
    let status = match refusal {
        Refusal::UnknownOffer => 404,
        Refusal::OutsideArea
        | Refusal::RealNameRequired
        | Refusal::EnterpriseExcluded
        | Refusal::NotOnAllowlist { .. } => 403,
        Refusal::LocationRequired | Refusal::LocationUncertain | Refusal::LocationInaccurate | Refusal::StoreRequired => 422,
        _ => 409,
    };
    let mut problem = ProblemDetails::new(status, refusal.code(), &refusal.to_string(), format!("{} ({})", refusal, campaign.id));
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(refusal) {
        problem.extensions = fields.into_iter().filter(|(name, _)| name != "code").collect();
    }
    (status, serde_json::to_string(&problem).unwrap_or_default())
}
