//! The ledger: the one writer of the database.
//!
//! Every change goes through one task that owns a dedicated SQLite connection: claims, stock,
//! redemptions, refunds and sign-ins (accounts, their evidence for the "same user" rule, sessions,
//! used partner tokens). It takes the commands waiting in its queue as a batch, decides each in
//! order with the rules of `huiquan_core` against its in-memory view (stock, histories, answers
//! given), writes the batch in one `BEGIN IMMEDIATE` transaction (sqlx's `Transaction`, so a
//! failure at any point rolls back) and answers only after the commit has returned: a claim is
//! acknowledged only once durable, and one fsync serves the whole batch (group commit). Serial
//! decisions make oversell and double claims impossible by construction; batching makes them
//! fast. Because a request handler only waits for an answer, a client that hangs up cannot leave
//! a transaction open. If a commit fails, nobody in the batch is told "yes", and the in-memory
//! view is dropped and reread from the database; until that reread succeeds, every command is
//! answered "not recorded" rather than decided against a view that may be wrong.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use huiquan_core::api::{ClaimReceipt, IssuedVoucher, OfferStock, StockUpdate};
use huiquan_core::{
    Campaign, ClaimRequest, Claimant, Fen, History, PastClaim, PastUse, Refusal, RoundStock, Theme, Verdict,
    api::ProblemDetails,
    civil::Instant,
    redemption::{HeldVoucher, Order, RefundKind, RefundOutcome, TillContext, refund_outcome},
    rollover::{Leftover, rolled_over_stock},
};
use serde::Serialize;
use sqlx::{Connection as _, PgConnection, QueryBuilder, SqliteConnection};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::{
    catalog::Catalog,
    codes,
    store::{Connection, Dialect, JsonColumn, LedgerOptions, json_rows, on_connection, postgres},
};

/// How many commands one transaction takes at most.
const MAX_BATCH: usize = 512;
/// How long the answer to an Idempotency-Key is kept: a retry within this gets the same answer;
/// after it, the same key is a new request (and the claim limits still refuse a second voucher).
pub const ANSWERS_KEPT_MS: i64 = 24 * 3600 * 1000;
/// How long an answer also stays in memory: retries come within seconds; older ones are read
/// from the database.
const ANSWERS_IN_MEMORY_MS: i64 = 5 * 60 * 1000;

/// An account: what a sign-in opens, what sessions and the wallet belong to.
pub type ResidentId = i64;

/// Whose history a campaign's limits count: the account, or (under the "same user" rule) every
/// account linked to it, named by the group's oldest account.
type Subject = i64;

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

/// A till's redemption: the merchant is named by its campaign and its id, as data.
#[derive(Clone, Debug)]
pub struct RedeemCommand {
    pub campaign: String,
    pub merchant: String,
    pub merchant_category: String,
    pub voucher_code: String,
    pub order_id: String,
    pub order: Order,
}

/// A sign-in whose credential has been checked (a one-time code, a partner's signature): find or
/// open the account, record its evidence, link it to every account sharing evidence, open a
/// session. Every key is already a keyed digest.
#[derive(Clone, Debug)]
pub struct SignInCommand {
    /// What signs this account in: `phone:…` checked by a code, or `account:<partner>:…`.
    pub credential: String,
    /// Everything presented, for the "same user" rule (the credential too).
    pub evidence: Vec<String>,
    /// Real name verified, enterprise account: as the partner says (never lowered).
    pub flags: Option<(bool, bool)>,
    /// A partner token's id and expiry: refused if already used.
    pub token_use: Option<(String, i64)>,
    /// The session to open (its token's digest and expiry); `None` finds or opens the account
    /// only (a relative a carer links, who is not signing in).
    pub session: Option<(String, i64)>,
}

/// A till's refund of an order.
#[derive(Clone, Debug)]
pub struct RefundCommand {
    pub campaign: String,
    pub merchant: String,
    pub order_id: String,
    pub kind: RefundKind,
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
    #[error("this partner token was already used")]
    TokenReplayed,
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

type Reply<T> = oneshot::Sender<Result<T, LedgerError>>;

enum Command {
    Claim(ClaimCommand, Reply<Answer>),
    Stock(String, Reply<Vec<OfferStock>>),
    Redeem(RedeemCommand, Reply<Redeemed>),
    Refund(RefundCommand, Reply<Vec<RefundedVoucher>>),
    SignIn(SignInCommand, Reply<ResidentId>),
}

impl Command {
    /// Answers "not recorded" (the batch was not written).
    fn fail(self, error: &str) {
        let failed = || LedgerError::Database(sqlx::Error::Protocol(error.to_owned()));
        match self {
            Command::Claim(_, to) => drop(to.send(Err(failed()))),
            Command::Stock(_, to) => drop(to.send(Err(failed()))),
            Command::Redeem(_, to) => drop(to.send(Err(failed()))),
            Command::Refund(_, to) => drop(to.send(Err(failed()))),
            Command::SignIn(_, to) => drop(to.send(Err(failed()))),
        }
    }

    /// Sends what was decided for this command, once the batch is durable.
    fn answer(self, outcome: Outcome) {
        match (self, outcome) {
            (Command::Claim(_, to), Outcome::Claim(answer)) => drop(to.send(Ok(answer))),
            (Command::Stock(_, to), Outcome::Stock(stock)) => drop(to.send(Ok(stock))),
            (Command::Redeem(_, to), Outcome::Redeem(result)) => drop(to.send(result.map_err(LedgerError::Refused))),
            (Command::Refund(_, to), Outcome::Refund(result)) => drop(to.send(result.map_err(LedgerError::Refused))),
            (Command::SignIn(_, to), Outcome::SignIn(result)) => drop(to.send(result)),
            (command, _) => command.fail("the ledger mismatched an answer"),
        }
    }
}

/// The handle the request handlers hold.
#[derive(Clone)]
pub struct Ledger {
    commands: mpsc::Sender<Command>,
    updates: broadcast::Sender<StockUpdate>,
    catalog: Arc<Catalog>,
    board: StockBoard,
    clock: RulesClock,
    draws: Draws,
}

/// Claims held for a fair start's draw, per offer and draw instant (see `huiquan_core::fair_start`).
type DrawKey = (String, String, i64);
/// A claim waiting for its draw, with where its answer goes.
type HeldClaim = (ClaimCommand, Reply<Answer>);

#[derive(Clone, Default)]
struct Draws(Arc<tokio::sync::Mutex<HashMap<DrawKey, Vec<HeldClaim>>>>);

impl Ledger {
    /// Opens the ledger's own connection and starts its task. The task ends, after finishing
    /// every queued command, when the last handle is dropped.
    pub async fn start(options: &LedgerOptions, catalog: Arc<Catalog>, clock: RulesClock) -> Result<Ledger, sqlx::Error> {
        let mut connection = match options {
            LedgerOptions::Sqlite(options) => LedgerConnection::Sqlite(SqliteConnection::connect_with(options).await?),
            LedgerOptions::Postgres(options) => LedgerConnection::Postgres(PgConnection::connect_with(options).await?),
        };
        let view = View::load(&mut connection.borrow()).await?;
        let (commands, queue) = mpsc::channel(16_384);
        let (updates, _) = broadcast::channel(4_096);
        let board = StockBoard::default();
        let decider = Decider { catalog: Arc::clone(&catalog), updates: updates.clone(), clock: clock.clone() };
        let writer = Writer { connection, options: options.clone(), view: Some(view), failed_last: false, decider, board: board.clone() };
        tokio::spawn(writer.run(queue));
        Ok(Ledger { commands, updates, catalog, board, clock, draws: Draws::default() })
    }

    /// With PostgreSQL, what the ledger hears from every instance: other instances change stock
    /// too, and every change, this one's included, comes back as a notification and goes to the
    /// board and to the event streams from there. The service listens for it (with the
    /// sign-outs, on one connection) right after start.
    pub(crate) fn stock_changes(&self) -> postgres::Hearing {
        postgres::stock_changes(self.board.clone(), self.updates.clone())
    }

    /// The clock the rules apply at (the wallet's statuses and the app's countdowns follow it).
    pub fn clock(&self) -> &RulesClock {
        &self.clock
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, LedgerError> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(make(reply)).await.map_err(|_| LedgerError::Stopped)?;
        answer.await.map_err(|_| LedgerError::Stopped)?
    }

    /// Decides a claim; inside a fair start's window, after the window's draw.
    pub async fn claim(&self, command: ClaimCommand) -> Result<Answer, LedgerError> {
        // Only a campaign with a fair start looks further: every claim passes here.
        let draw_at = self.catalog.get(&command.campaign).filter(|campaign| campaign.has_fair_start()).and_then(|campaign| {
            let (theme, _) = campaign.offer(&command.offer)?;
            campaign.draw_at(theme, self.clock.now())
        });
        match draw_at {
            Some(draw_at) => self.hold_for_draw(command, draw_at).await,
            None => self.ask(|reply| Command::Claim(command, reply)).await,
        }
    }

    /// Holds a claim until its window closes; the first claim held starts the draw. The draw
    /// sends the held claims to the writer in its random order while holding the lock, so a
    /// claim arriving after it is decided after all of them. A claim that took the lock just
    /// after the draw finds no list and starts a draw of its own, at once: first come.
    async fn hold_for_draw(&self, command: ClaimCommand, draw_at: Instant) -> Result<Answer, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let key: DrawKey = (command.campaign.clone(), command.offer.clone(), draw_at.0);
        let mut held = self.draws.0.lock().await;
        match held.get_mut(&key) {
            Some(claims) => claims.push((command, reply)),
            None => {
                held.insert(key.clone(), vec![(command, reply)]);
                let (draws, commands, clock) = (self.draws.clone(), self.commands.clone(), self.clock.clone());
                tokio::spawn(async move {
                    let wait_ms = u64::try_from(draw_at.0.saturating_sub(clock.now().0)).unwrap_or(0);
                    tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
                    let mut held = draws.0.lock().await;
                    let Some(claims) = held.remove(&key) else { return };
                    let residents: Vec<ResidentId> = claims.iter().map(|(command, _)| command.resident).collect();
                    let order = huiquan_core::fair_start::draw_order(&residents, |n| rand::random_range(0..n));
                    tracing::info!(campaign = %key.0, offer = %key.1, claims = claims.len(), "fair start: drawn");
                    let mut claims: Vec<Option<HeldClaim>> = claims.into_iter().map(Some).collect();
                    for index in order {
                        if let Some((command, reply)) = claims.get_mut(index).and_then(Option::take)
                            && commands.send(Command::Claim(command, reply)).await.is_err()
                        {
                            break;
                        }
                    }
                });
            }
        }
        drop(held);
        answer.await.map_err(|_| LedgerError::Stopped)?
    }

    /// Each offer's stock now, as last committed: read from the board without waiting behind the
    /// claims queued for the writer, unless a release has just opened and has no row yet.
    pub async fn stock(&self, campaign: &str) -> Result<Vec<OfferStock>, LedgerError> {
        if let Some(found) = self.catalog.get(campaign)
            && let Ok(rows) = self.board.0.read()
            && let Some(stock) = stock_of(found, self.clock.now(), |key| rows.get(key).copied())
        {
            return Ok(stock);
        }
        let campaign = campaign.to_owned();
        self.ask(|reply| Command::Stock(campaign, reply)).await
    }

    pub async fn redeem(&self, command: RedeemCommand) -> Result<Redeemed, LedgerError> {
        self.ask(|reply| Command::Redeem(command, reply)).await
    }

    pub async fn refund(&self, command: RefundCommand) -> Result<Vec<RefundedVoucher>, LedgerError> {
        self.ask(|reply| Command::Refund(command, reply)).await
    }

    /// Signs a checked credential in; the session is durable when this returns.
    pub async fn sign_in(&self, command: SignInCommand) -> Result<ResidentId, LedgerError> {
        self.ask(|reply| Command::SignIn(command, reply)).await
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StockUpdate> {
        self.updates.subscribe()
    }
}

/// Each offer's stock at `now`, from the release rows `row_of` gives; `None` if a release that is
/// open has no row yet (the ledger creates it, with its rollover).
fn stock_of(campaign: &Campaign, now: Instant, row_of: impl Fn(&ReleaseKey) -> Option<ReleaseRow>) -> Option<Vec<OfferStock>> {
    let mut stock = Vec::new();
    for (theme, offer) in campaign.offers() {
        let entry = match campaign.open_release(theme, now) {
            Some(release) => {
                let row = row_of(&(campaign.id.clone(), offer.id().to_owned(), release.opens.0))?;
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
    Some(stock)
}

/// The release rows as last committed, for stock reads that need not wait behind the claims
/// queued for the writer. Written after a commit: by this process's writer, and with PostgreSQL
/// also from every instance's notifications.
#[derive(Clone, Default)]
pub(crate) struct StockBoard(Arc<std::sync::RwLock<HashMap<ReleaseKey, ReleaseRow>>>);

impl StockBoard {
    /// Records a committed row. Claims only ever add to a release's count, so a row older than
    /// the one held (a notification overtaken by this process's own commit) is ignored.
    pub(crate) fn record(&self, key: ReleaseKey, row: ReleaseRow) {
        if let Ok(mut board) = self.0.write() {
            match board.get(&key) {
                Some(held) if held.claimed > row.claimed => {}
                _ => {
                    board.insert(key, row);
                }
            }
        }
    }
}

/// A release's stock as the ledger holds it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReleaseRow {
    pub stock: u32,
    pub claimed: u32,
    pub carried: Fen,
    /// When the last unit was claimed (milliseconds since the epoch).
    pub sold_out_at: Option<i64>,
}

/// Campaign, offer, and when the release opens (milliseconds since the epoch).
pub(crate) type ReleaseKey = (String, String, i64);

struct StoredAnswer {
    fingerprint: String,
    status: u16,
    body: String,
}

#[derive(sqlx_macros::FromRow)]
struct StoredAnswerRow {
    resident: i64,
    key: String,
    fingerprint: String,
    status: i64,
    body: String,
    created_at: i64,
}

#[derive(sqlx_macros::FromRow)]
struct StoredReleaseRow {
    stock: i64,
    claimed: i64,
    carried_fen: i64,
    sold_out_at: Option<i64>,
}

#[derive(sqlx_macros::FromRow)]
struct PastClaimRow {
    subject: i64,
    offer: String,
    round: i64,
    claimed_at: i64,
}

#[derive(sqlx_macros::FromRow)]
struct PastUseRow {
    subject: i64,
    tier: String,
    round: i64,
    used_at: i64,
}

#[derive(sqlx_macros::FromRow)]
struct VoucherRow {
    id: i64,
    campaign: String,
    tier: String,
    resident: i64,
    expires_at: i64,
    used_at: Option<i64>,
    round: i64,
}

#[derive(sqlx_macros::FromRow)]
struct RedeemedRow {
    redemption: i64,
    voucher: i64,
    code: String,
    tier: String,
    expires_at: i64,
    resident: i64,
}

/// The ledger's in-memory view of the database.
struct View {
    releases: HashMap<ReleaseKey, ReleaseRow>,
    /// Release rows read, created or changed since the last commit (to publish on the board).
    releases_touched: HashSet<ReleaseKey>,
    /// Histories by whose limits they are and campaign.
    histories: HashMap<(Subject, String), History>,
    /// Each account's "same user" group (its oldest linked account).
    groups: HashMap<ResidentId, Subject>,
    /// Answers given lately, by account and key digest; older ones are in the database only.
    answers: HashMap<(ResidentId, String), StoredAnswer>,
    /// The same keys, oldest first, to forget them in order.
    answers_by_age: std::collections::VecDeque<(i64, (ResidentId, String))>,
    claim_ids: Ids,
    voucher_ids: Ids,
}

/// Where a table's new ids come from: with one writer (SQLite), counting on from the largest;
/// with several (PostgreSQL), blocks taken from the table's sequence, so instances never collide.
struct Ids {
    table: &'static str,
    next: i64,
    /// The end of the block held (exclusive); `None`: counting, no block needed.
    block_end: Option<i64>,
}

impl Ids {
    async fn load(db: &mut Connection<'_>, table: &'static str) -> Result<Ids, sqlx::Error> {
        Ok(match db {
            Connection::Sqlite(connection) => {
                let (next,): (i64,) =
                    sqlx::query_as(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")).fetch_one(&mut **connection).await?;
                Ids { table, next, block_end: None }
            }
            Connection::Postgres(_) => Ids { table, next: 0, block_end: Some(0) },
        })
    }

    async fn take(&mut self, db: &mut Connection<'_>) -> Result<i64, sqlx::Error> {
        if let (Some(end), Connection::Postgres(connection)) = (self.block_end, &mut *db)
            && self.next >= end
        {
            let start = postgres::take_ids(connection, self.table).await?;
            self.next = start;
            self.block_end = Some(start + postgres::ID_BLOCK);
        }
        let id = self.next;
        self.next += 1;
        Ok(id)
    }
}

impl View {
    async fn load(db: &mut Connection<'_>) -> Result<View, sqlx::Error> {
        Ok(View {
            releases: HashMap::new(),
            releases_touched: HashSet::new(),
            histories: HashMap::new(),
            groups: HashMap::new(),
            answers: HashMap::new(),
            answers_by_age: std::collections::VecDeque::new(),
            claim_ids: Ids::load(db, "claims").await?,
            voucher_ids: Ids::load(db, "vouchers").await?,
        })
    }

    /// Forgets everything another instance may have changed (PostgreSQL): the batch reads it
    /// again, under its locks.
    fn forget_shared(&mut self) {
        self.releases.clear();
        self.histories.clear();
        self.groups.clear();
        self.answers.clear();
        self.answers_by_age.clear();
    }

    fn remember_answer(&mut self, key: (ResidentId, String), answer: StoredAnswer, at: i64) {
        self.answers_by_age.push_back((at, key.clone()));
        self.answers.insert(key, answer);
    }

    /// Forgets answers older than the memory window (they stay in the database).
    fn forget_old_answers(&mut self, now: i64) {
        while let Some((at, _)) = self.answers_by_age.front() {
            if *at > now - ANSWERS_IN_MEMORY_MS {
                break;
            }
            if let Some((_, key)) = self.answers_by_age.pop_front() {
                self.answers.remove(&key);
            }
        }
    }
}

#[derive(Clone)]
struct PendingClaim {
    id: i64,
    campaign: String,
    offer: String,
    round: i64,
    release_opens: i64,
    resident: ResidentId,
    claimed_at: i64,
}

#[derive(Clone)]
struct PendingVoucher {
    id: i64,
    code: String,
    claim: i64,
    campaign: String,
    tier: String,
    round: i64,
    resident: ResidentId,
    expires_at: i64,
}

#[derive(Clone)]
struct PendingAnswer {
    resident: ResidentId,
    key: String,
    fingerprint: String,
    status: u16,
    body: String,
    created_at: i64,
}

/// Rows a batch will write.
#[derive(Default)]
struct Pending {
    claims: Vec<PendingClaim>,
    vouchers: Vec<PendingVoucher>,
    answers: Vec<PendingAnswer>,
    releases: HashSet<ReleaseKey>,
    /// The refusals answered in this batch, each as problem+json: at a release minute most of a
    /// batch's claims get one of a few (each tier sold out, already claimed), written out once.
    refusals: Vec<(String, Refusal, (u16, String))>,
}

/// Refusals remembered a batch; the few that recur are among the first.
const REFUSALS_REMEMBERED: usize = 16;

impl Pending {
    fn refusal_answer(&mut self, campaign: &Campaign, refusal: Refusal) -> (u16, String) {
        let made = self.refusals.iter().find(|(id, made, _)| *made == refusal && *id == campaign.id);
        if let Some((_, _, answer)) = made {
            return answer.clone();
        }
        let answer = refusal_answer(campaign, &refusal);
        if self.refusals.len() < REFUSALS_REMEMBERED {
            self.refusals.push((campaign.id.clone(), refusal, answer.clone()));
        }
        answer
    }
}

/// What was decided for a command inside the batch, sent only once the batch is durable.
enum Outcome {
    Claim(Answer),
    Stock(Vec<OfferStock>),
    Redeem(Result<Redeemed, TillRefusal>),
    Refund(Result<Vec<RefundedVoucher>, TillRefusal>),
    SignIn(Result<ResidentId, LedgerError>),
}

/// The ledger's own connection.
enum LedgerConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl LedgerConnection {
    fn borrow(&mut self) -> Connection<'_> {
        match self {
            LedgerConnection::Sqlite(connection) => Connection::Sqlite(connection),
            LedgerConnection::Postgres(connection) => Connection::Postgres(connection),
        }
    }
}

/// How often a batch is tried when PostgreSQL ends it for a conflict with another instance (a
/// deadlock, or two instances creating the same row at once): each try decides afresh.
const TRIES: usize = 3;

struct Writer {
    connection: LedgerConnection,
    /// To connect again when PostgreSQL restarts or fails over (a SQLite file does not go away).
    options: LedgerOptions,
    board: StockBoard,
    /// `None` after a failed batch whose view could not be read again.
    view: Option<View>,
    /// Whether the last batch failed (always so while `view` is `None`): the next one checks
    /// the connection first.
    failed_last: bool,
    decider: Decider,
}

/// What decides each command: the rules, and where stock changes are announced.
struct Decider {
    catalog: Arc<Catalog>,
    updates: broadcast::Sender<StockUpdate>,
    clock: RulesClock,
}

/// The instant the rules apply at: the real clock moved by an offset, which is 0 except in
/// tests that play a campaign's real rounds (Liaocheng's rollover from round 1 to round 2).
/// Clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct RulesClock(Arc<std::sync::atomic::AtomicI64>);

impl RulesClock {
    pub fn now(&self) -> Instant {
        Instant(jiff::Timestamp::now().as_millisecond().saturating_add(self.0.load(std::sync::atomic::Ordering::Relaxed)))
    }

    /// Moves the clock so that it reads `at` now (and runs on from there).
    pub fn set(&self, at: Instant) {
        self.0.store(at.0.saturating_sub(jiff::Timestamp::now().as_millisecond()), std::sync::atomic::Ordering::Relaxed);
    }
}

impl Writer {
    /// After a failure, opens a new connection to PostgreSQL if the old one is gone (a restart
    /// or failover of the server); the next batch then works again once the server is back.
    async fn reconnect(&mut self) {
        let (LedgerConnection::Postgres(connection), LedgerOptions::Postgres(options)) = (&mut self.connection, &self.options) else {
            return;
        };
        if connection.ping().await.is_ok() {
            return;
        }
        match PgConnection::connect_with(options).await {
            Ok(fresh) => {
                tracing::info!("ledger: connected to PostgreSQL again");
                self.connection = LedgerConnection::Postgres(fresh);
            }
            Err(error) => tracing::error!(%error, "ledger: PostgreSQL cannot be reached; answering 503 until it can"),
        }
    }

    async fn run(mut self, mut queue: mpsc::Receiver<Command>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
            // A new buffer at full size: regrown from empty, it was reallocated a dozen times a batch.
            let commands = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
            self.process(commands).await;
        }
        tracing::info!("ledger: queue closed, every command answered");
    }

    async fn process(&mut self, commands: Vec<Command>) {
        let mut tries = 0;
        loop {
            tries += 1;
            if self.failed_last {
                // The connection that failed may have been kept (PostgreSQL was still shutting
                // down when the ledger tried to connect again): ping it, or connect afresh, so
                // the first batch after a restart does not fail on a dead connection.
                self.reconnect().await;
            }
            // Only a failed batch leaves no view, so the connection was checked just above.
            if self.view.is_none() {
                match View::load(&mut self.connection.borrow()).await {
                    Ok(view) => self.view = Some(view),
                    Err(error) => {
                        tracing::error!(%error, "ledger: still cannot read the database; answering 503");
                        let error = error.to_string();
                        commands.into_iter().for_each(|command| command.fail(&error));
                        return;
                    }
                }
            }
            let Some(view) = self.view.as_mut() else { return };
            let mut outcomes = Vec::with_capacity(commands.len());
            let mut pending = Pending::default();
            let decider = &self.decider;
            let outcome = match &mut self.connection {
                LedgerConnection::Sqlite(connection) => match connection.begin_with(crate::store::SQLITE_WRITE_BEGIN).await {
                    Ok(mut transaction) => {
                        let mut db = Connection::Sqlite(&mut transaction);
                        let applied = decider.apply(&mut db, view, &commands, &mut outcomes, &mut pending).await;
                        finish(transaction, applied).await
                    }
                    Err(error) => Err(error),
                },
                LedgerConnection::Postgres(connection) => match connection.begin().await {
                    Ok(mut transaction) => {
                        let mut db = Connection::Postgres(&mut transaction);
                        let applied = decider.apply(&mut db, view, &commands, &mut outcomes, &mut pending).await;
                        finish(transaction, applied).await
                    }
                    Err(error) => Err(error),
                },
            };
            match outcome {
                Ok(()) => {
                    for key in view.releases_touched.drain().chain(pending.releases.iter().cloned()) {
                        if let Some(row) = view.releases.get(&key) {
                            self.board.record(key, *row);
                        }
                    }
                    // With PostgreSQL the updates come back as notifications, to every instance.
                    if matches!(self.connection, LedgerConnection::Sqlite(_)) {
                        for key in &pending.releases {
                            if let Some(row) = view.releases.get(key) {
                                let _ = self.decider.updates.send(stock_update(key, row));
                            }
                        }
                    }
                    self.failed_last = false;
                    commands.into_iter().zip(outcomes).for_each(|(command, outcome)| command.answer(outcome));
                    return;
                }
                Err(error) => {
                    // What we held may include changes that were never written: read it all
                    // again, and decide nothing until that has worked.
                    self.failed_last = true;
                    self.reconnect().await;
                    self.view = match View::load(&mut self.connection.borrow()).await {
                        Ok(view) => Some(view),
                        Err(error) => {
                            tracing::error!(%error, "ledger: cannot reload its view; refusing commands until it can");
                            None
                        }
                    };
                    if tries < TRIES && postgres::is_conflict(&error) {
                        tracing::info!(%error, tries, "ledger: batch ended by a conflict with another instance; deciding it again");
                        continue;
                    }
                    tracing::error!(%error, "ledger: batch not written; every request in it is answered 503");
                    let message = error.to_string();
                    commands.into_iter().for_each(|command| command.fail(&message));
                    return;
                }
            }
        }
    }
}

/// Commits a batch that was applied, or rolls it back.
async fn finish<DB: sqlx::Database>(transaction: sqlx::Transaction<'_, DB>, applied: Result<(), sqlx::Error>) -> Result<(), sqlx::Error> {
    match applied {
        Ok(()) => transaction.commit().await,
        Err(error) => {
            let _ = transaction.rollback().await;
            Err(error)
        }
    }
}

/// A committed release row as an event for the streams.
pub(crate) fn stock_update(key: &ReleaseKey, row: &ReleaseRow) -> StockUpdate {
    StockUpdate {
        campaign: key.0.clone(),
        offer: key.1.clone(),
        release_opens_ms: key.2,
        left: row.stock - row.claimed,
        stock: Some(row.stock),
        sold_out_at_ms: row.sold_out_at,
    }
}

impl Decider {
    /// Decides every command of the batch inside one transaction. An error means nothing of the
    /// batch may be acknowledged.
    async fn apply(
        &self,
        db: &mut Connection<'_>,
        view: &mut View,
        commands: &[Command],
        outcomes: &mut Vec<Outcome>,
        pending: &mut Pending,
    ) -> Result<(), sqlx::Error> {
        let now = self.clock.now();
        let shared = matches!(db, Connection::Postgres(_));
        if shared {
            // Other instances write too: what this one held may be stale. The batch reads afresh,
            // under locks that make the database the one that decides.
            view.forget_shared();
            self.lock_accounts(db, view, commands).await?;
        }
        view.forget_old_answers(now.0);
        let keys: Vec<(ResidentId, String)> = commands
            .iter()
            .filter_map(|command| match command {
                Command::Claim(claim, _) if !view.answers.contains_key(&(claim.resident, claim.idempotency_key.clone())) => {
                    Some((claim.resident, claim.idempotency_key.clone()))
                }
                _ => None,
            })
            .collect();
        load_answers(db, view, &keys, now).await?;
        self.preload_histories(db, view, commands).await?;
        if shared {
            self.lock_releases(db, view, commands, now).await?;
        }
        for command in commands {
            match command {
                Command::Claim(claim, _) => {
                    let answer = self.claim(db, view, claim, now, pending).await?;
                    outcomes.push(Outcome::Claim(answer));
                }
                Command::Stock(campaign, _) => {
                    let stock = self.stock(db, view, campaign, now, pending).await?;
                    outcomes.push(Outcome::Stock(stock));
                }
                Command::Redeem(redeem, _) => {
                    flush(db, view, pending).await?;
                    let result = self.redeem(db, view, redeem, now).await?;
                    outcomes.push(Outcome::Redeem(result));
                }
                Command::Refund(refund, _) => {
                    flush(db, view, pending).await?;
                    let result = self.refund(db, view, refund, now).await?;
                    outcomes.push(Outcome::Refund(result));
                }
                Command::SignIn(sign_in, _) => {
                    flush(db, view, pending).await?;
                    let result = sign_in_account(db, view, sign_in, now).await?;
                    outcomes.push(Outcome::SignIn(result));
                }
            }
        }
        flush(db, view, pending).await?;
        if let Connection::Postgres(connection) = db {
            let changed: Vec<(ReleaseKey, ReleaseRow)> =
                pending.releases.iter().filter_map(|key| Some((key.clone(), *view.releases.get(key)?))).collect();
            postgres::notify_stock(connection, &changed).await?;
        }
        Ok(())
    }

    /// With several instances (PostgreSQL), the batch's locks come in two sets, each taken in
    /// one order by every instance, so two batches wait for each other rather than deadlock:
    /// first every account it claims for with its "same user" group (before their answers and
    /// histories are read), then every release row its claims and stock reads touch (last, as
    /// those are the rows every instance wants, so they are held only while deciding and
    /// writing). A later lock (a redemption, a sign-in's merge) can still meet another batch's;
    /// then PostgreSQL ends one of the two and it is decided again.
    async fn lock_accounts(&self, db: &mut Connection<'_>, view: &mut View, commands: &[Command]) -> Result<(), sqlx::Error> {
        let Connection::Postgres(connection) = db else { return Ok(()) };
        let accounts: Vec<ResidentId> = commands
            .iter()
            .filter_map(|command| match command {
                Command::Claim(claim, _) => Some(claim.resident),
                _ => None,
            })
            .collect();
        // The groups are read before the lock and again after it: a merge that came between
        // changed them, and its new groups are locked too.
        let groups = postgres::groups_of(connection, &accounts).await?;
        let mut locked: Vec<i64> = accounts.iter().copied().chain(groups.values().copied()).collect();
        postgres::lock_accounts(connection, &mut locked).await?;
        let settled = postgres::groups_of(connection, &accounts).await?;
        let mut late: Vec<i64> = settled.values().copied().filter(|group| locked.binary_search(group).is_err()).collect();
        postgres::lock_accounts(connection, &mut late).await?;
        view.groups.extend(settled);
        Ok(())
    }

    /// The second set of [`Self::lock_accounts`]: the open releases the batch touches, in order.
    async fn lock_releases(&self, db: &mut Connection<'_>, view: &mut View, commands: &[Command], now: Instant) -> Result<(), sqlx::Error> {
        let mut releases = Vec::new();
        for command in commands {
            let (campaign_id, offer_id) = match command {
                Command::Claim(claim, _) => (claim.campaign.as_str(), Some(claim.offer.as_str())),
                Command::Stock(campaign, _) => (campaign.as_str(), None),
                _ => continue,
            };
            let Some(campaign) = self.catalog.get(campaign_id) else { continue };
            for (theme, offer) in campaign.offers() {
                if offer_id.is_some_and(|wanted| wanted != offer.id()) {
                    continue;
                }
                if let Some(release) = campaign.open_release(theme, now) {
                    releases.push((campaign.id.clone(), offer.id().to_owned(), release.opens.0));
                }
            }
        }
        releases.sort();
        releases.dedup();
        for (campaign_id, offer_id, opens) in &releases {
            let Some(campaign) = self.catalog.get(campaign_id) else { continue };
            let Some((theme, _)) = campaign.offer(offer_id) else { continue };
            if let Some(release) = campaign.releases(theme).into_iter().find(|release| release.opens.0 == *opens) {
                release_row(db, view, campaign, theme, offer_id, release).await?;
            }
        }
        Ok(())
    }

    /// Whose history a claim or use of `campaign` by `resident` counts against.
    async fn subject(
        &self,
        db: &mut Connection<'_>,
        view: &mut View,
        campaign: &Campaign,
        resident: ResidentId,
    ) -> Result<Subject, sqlx::Error> {
        if !campaign.same_user {
            return Ok(resident);
        }
        if let Some(group) = view.groups.get(&resident) {
            return Ok(*group);
        }
        let group: Option<(i64,)> = on_connection!(db, connection => sqlx::query_as("SELECT user_group FROM residents WHERE id = $1")
            .bind(resident)
            .fetch_optional(&mut **connection)
            .await)?;
        let group = group.map_or(resident, |(group,)| group);
        view.groups.insert(resident, group);
        Ok(group)
    }

    /// Reads, in two queries per campaign, the histories of the batch's residents not yet held.
    async fn preload_histories(&self, db: &mut Connection<'_>, view: &mut View, commands: &[Command]) -> Result<(), sqlx::Error> {
        let ungrouped: Vec<ResidentId> = commands
            .iter()
            .filter_map(|command| match command {
                Command::Claim(claim, _) => Some(claim),
                _ => None,
            })
            .filter(|claim| self.catalog.get(&claim.campaign).is_some_and(|campaign| campaign.same_user))
            .map(|claim| claim.resident)
            .filter(|resident| !view.groups.contains_key(resident))
            .collect();
        load_groups(db, view, &ungrouped).await?;
        let mut missing: HashMap<&str, Vec<Subject>> = HashMap::new();
        for command in commands {
            let Command::Claim(claim, _) = command else { continue };
            let Some(campaign) = self.catalog.get(&claim.campaign) else { continue };
            let subject = self.subject(db, view, campaign, claim.resident).await?;
            if !view.histories.contains_key(&(subject, claim.campaign.clone())) {
                missing.entry(claim.campaign.as_str()).or_default().push(subject);
            }
        }
        for (campaign_id, mut subjects) in missing {
            let Some(campaign) = self.catalog.get(campaign_id) else { continue };
            subjects.sort_unstable();
            subjects.dedup();
            load_histories(db, view, campaign, &subjects).await?;
        }
        Ok(())
    }

    /// The history a claim is decided against, read from the database if not held (a batch's
    /// sign-in may have linked accounts after the batch's histories were read).
    async fn history<'v>(
        &self,
        db: &mut Connection<'_>,
        view: &'v mut View,
        campaign: &Campaign,
        subject: Subject,
        pending: &mut Pending,
    ) -> Result<&'v mut History, sqlx::Error> {
        if !view.histories.contains_key(&(subject, campaign.id.clone())) {
            // What the batch decided so far must be in the database before it is read back.
            flush(db, view, pending).await?;
            load_histories(db, view, campaign, &[subject]).await?;
        }
        Ok(view.histories.entry((subject, campaign.id.clone())).or_default())
    }

    async fn claim(
        &self,
        db: &mut Connection<'_>,
        view: &mut View,
        claim: &ClaimCommand,
        now: Instant,
        pending: &mut Pending,
    ) -> Result<Answer, sqlx::Error> {
        // Read in `apply` for the whole batch, if kept at all.
        let answer_key = (claim.resident, claim.idempotency_key.clone());
        if let Some(stored) = view.answers.get(&answer_key) {
            if stored.fingerprint != claim.fingerprint {
                // 409, not 422: the request is well-formed; it conflicts with the key's first use.
                let problem = ProblemDetails::new(
                    409,
                    "idempotency_key_reused",
                    "Idempotency-Key used for another request",
                    "this Idempotency-Key was first used for a different claim; use a new key for a new claim",
                );
                return Ok(Answer { status: 409, body: serde_json::to_string(&problem).unwrap_or_default(), replayed: false });
            }
            return Ok(Answer { status: stored.status, body: stored.body.clone(), replayed: true });
        }
        let (status, body) = match self.catalog.get(&claim.campaign) {
            None => problem_answer(404, "unknown_campaign", "No such campaign", format!("there is no campaign {:?}", claim.campaign)),
            Some(campaign) => self.decide(db, view, campaign, claim, now, pending).await?,
        };
        // Only a grant is kept for replay. A refusal changed nothing, so a retry with its key is
        // decided afresh (and may be granted, if stock came back): nothing can be claimed twice
        // either way, and at a release minute, when most answers are refusals, the batch writes
        // a third of the rows it wrote before.
        if !(200..300).contains(&status) {
            return Ok(Answer { status, body, replayed: false });
        }
        pending.answers.push(PendingAnswer {
            resident: claim.resident,
            key: claim.idempotency_key.clone(),
            fingerprint: claim.fingerprint.clone(),
            status,
            body: body.clone(),
            created_at: now.0,
        });
        view.remember_answer(answer_key, StoredAnswer { fingerprint: claim.fingerprint.clone(), status, body: body.clone() }, now.0);
        Ok(Answer { status, body, replayed: false })
    }

    async fn decide(
        &self,
        db: &mut Connection<'_>,
        view: &mut View,
        campaign: &Campaign,
        claim: &ClaimCommand,
        now: Instant,
        pending: &mut Pending,
    ) -> Result<(u16, String), sqlx::Error> {
        let Some((theme, offer)) = campaign.offer(&claim.offer) else {
            return Ok(pending.refusal_answer(campaign, Refusal::UnknownOffer));
        };
        let release = campaign.open_release(theme, now);
        let left = match release {
            Some(release) => {
                let row = release_row(db, view, campaign, theme, offer.id(), release).await?;
                row.stock - row.claimed
            }
            None => 0,
        };
        let subject = self.subject(db, view, campaign, claim.resident).await?;
        let history = self.history(db, view, campaign, subject, pending).await?;
        let request = ClaimRequest { offer: &claim.offer, now, location: claim.location, store_category: claim.store_category.as_deref() };
        let grant = match campaign.decide_claim(&claim.claimant, &request, history, left) {
            Ok(grant) => grant,
            Err(refusal) => return Ok(pending.refusal_answer(campaign, refusal)),
        };
        history.claims.push(PastClaim { offer: grant.offer.clone(), round: grant.round, claimed_at: now });
        let release_key = (campaign.id.clone(), grant.offer.clone(), grant.release_opens.0);
        if let Some(row) = view.releases.get_mut(&release_key) {
            row.claimed += 1;
            if row.claimed >= row.stock && row.sold_out_at.is_none() {
                row.sold_out_at = Some(now.0);
            }
        }
        pending.releases.insert(release_key);
        let claim_id = view.claim_ids.take(db).await?;
        pending.claims.push(PendingClaim {
            id: claim_id,
            campaign: campaign.id.clone(),
            offer: grant.offer.clone(),
            round: grant.round as i64,
            release_opens: grant.release_opens.0,
            resident: claim.resident,
            claimed_at: now.0,
        });
        let mut vouchers = Vec::with_capacity(grant.vouchers.len());
        for granted in &grant.vouchers {
            let id = view.voucher_ids.take(db).await?;
            let code = codes::voucher_code();
            pending.vouchers.push(PendingVoucher {
                id,
                code: code.clone(),
                claim: claim_id,
                campaign: campaign.id.clone(),
                tier: granted.tier.clone(),
                round: grant.round as i64,
                resident: claim.resident,
                expires_at: granted.expires.0,
            });
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

    async fn stock(
        &self,
        db: &mut Connection<'_>,
        view: &mut View,
        campaign_id: &str,
        now: Instant,
        pending: &mut Pending,
    ) -> Result<Vec<OfferStock>, sqlx::Error> {
        flush(db, view, pending).await?;
        let Some(campaign) = self.catalog.get(campaign_id) else { return Ok(Vec::new()) };
        // Every open release's row, read or created (with its rollover), then the answer from them.
        for (theme, offer) in campaign.offers() {
            if let Some(release) = campaign.open_release(theme, now) {
                release_row(db, view, campaign, theme, offer.id(), release).await?;
            }
        }
        Ok(stock_of(campaign, now, |key| view.releases.get(key).copied()).unwrap_or_default())
    }

    async fn redeem(
        &self,
        db: &mut Connection<'_>,
        view: &mut View,
        redeem: &RedeemCommand,
        now: Instant,
    ) -> Result<Result<Redeemed, TillRefusal>, sqlx::Error> {
        // Locked with PostgreSQL: two tills of two instances cannot both use one voucher.
        let found: Option<VoucherRow> = on_connection!(db, connection => sqlx::query_as(&format!(
            "SELECT id, campaign, tier, resident, expires_at, used_at, round FROM vouchers WHERE code = $1{}",
            connection.row_lock()
        ))
        .bind(&redeem.voucher_code)
        .fetch_optional(&mut **connection)
        .await)?;
        let Some(voucher) = found else {
            return Ok(Err(TillRefusal::UnknownVoucher));
        };
        // A till redeems its own campaign's vouchers only: another city's money is not its to give.
        if voucher.campaign != redeem.campaign {
            return Ok(Err(TillRefusal::WrongCampaign));
        }
        let Some(campaign) = self.catalog.get(&voucher.campaign) else { return Ok(Err(TillRefusal::WrongCampaign)) };
        if let Connection::Postgres(connection) = db {
            // The resident's uses today are counted next: no other instance may add one meanwhile.
            postgres::lock_accounts(connection, &mut vec![voucher.resident]).await?;
        }
        let merchant = merchant_key(&redeem.campaign, &redeem.merchant);
        let (vouchers_on_order,): (i64,) = on_connection!(db, connection => sqlx::query_as("SELECT COUNT(*) FROM vouchers WHERE merchant = $1 AND order_id = $2")
                .bind(&merchant)
                .bind(&redeem.order_id)
                .fetch_one(&mut **connection)
                .await)?;
        let day_start = now
            .to_civil(campaign.utc_offset)
            .map(|civil| civil.date.at(huiquan_core::civil::Time::MIDNIGHT).to_instant(campaign.utc_offset).0)
            .unwrap_or(now.0);
        let (used_here_today,): (i64,) = on_connection!(db, connection => sqlx::query_as(
            "SELECT COUNT(*) FROM vouchers WHERE resident = $1 AND merchant = $2 AND used_at >= $3"
        )
        .bind(voucher.resident)
        .bind(&merchant)
        .bind(day_start)
        .fetch_one(&mut **connection)
        .await)?;
        let held = HeldVoucher { tier: &voucher.tier, expires: Instant(voucher.expires_at), used: voucher.used_at.is_some() };
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
        on_connection!(db, connection => sqlx::query("UPDATE vouchers SET used_at = $1, merchant = $2, order_id = $3 WHERE id = $4")
            .bind(now.0)
            .bind(&merchant)
            .bind(&redeem.order_id)
            .bind(voucher.id)
            .execute(&mut **connection)
            .await
            .map(|_| ()))?;
        let (redemption_id,): (i64,) = on_connection!(db, connection => sqlx::query_as(
            "INSERT INTO redemptions (voucher, merchant, order_id, amount_off, at, order_total) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(voucher.id)
        .bind(&merchant)
        .bind(&redeem.order_id)
        .bind(amount_off.0)
        .bind(now.0)
        .bind(redeem.order.total.0)
        .fetch_one(&mut **connection)
        .await)?;
        let subject = self.subject(db, view, campaign, voucher.resident).await?;
        if let Some(history) = view.histories.get_mut(&(subject, voucher.campaign.clone())) {
            history.uses.push(PastUse { tier: voucher.tier.clone(), round: voucher.round as usize, used_at: now });
        }
        Ok(Ok(Redeemed { redemption_id, voucher: redeem.voucher_code.clone(), tier: voucher.tier, amount_off }))
    }

    async fn refund(
        &self,
        db: &mut Connection<'_>,
        view: &mut View,
        refund: &RefundCommand,
        now: Instant,
    ) -> Result<Result<Vec<RefundedVoucher>, TillRefusal>, sqlx::Error> {
        let (campaign_id, kind) = (refund.campaign.as_str(), refund.kind);
        // Locked with PostgreSQL: one refund of an order, whichever instance takes it.
        let rows: Vec<RedeemedRow> = on_connection!(db, connection => sqlx::query_as(&format!(
            "SELECT r.id AS redemption, v.id AS voucher, v.code, v.tier, v.expires_at, v.resident
             FROM redemptions r JOIN vouchers v ON r.voucher = v.id
             WHERE r.merchant = $1 AND r.order_id = $2 AND v.campaign = $3 AND r.refund IS NULL ORDER BY r.id{}",
            connection.row_lock()
        ))
        .bind(merchant_key(campaign_id, &refund.merchant))
        .bind(&refund.order_id)
        .bind(campaign_id)
        .fetch_all(&mut **connection)
        .await)?;
        let Some(campaign) = self.catalog.get(campaign_id).filter(|_| !rows.is_empty()) else {
            return Ok(Err(TillRefusal::UnknownOrder));
        };
        let mut refunded = Vec::with_capacity(rows.len());
        for row in rows {
            let outcome = refund_outcome(kind, Instant(row.expires_at), now);
            let label = match outcome {
                RefundOutcome::Restored => "restored",
                RefundOutcome::CountsAsUsed => "counts_as_used",
            };
            on_connection!(db, connection => sqlx::query("UPDATE redemptions SET refund = $1, refunded_at = $2 WHERE id = $3")
                .bind(label)
                .bind(now.0)
                .bind(row.redemption)
                .execute(&mut **connection)
                .await
                .map(|_| ()))?;
            if outcome == RefundOutcome::Restored {
                on_connection!(db, connection => sqlx::query("UPDATE vouchers SET used_at = NULL, merchant = NULL, order_id = NULL WHERE id = $1")
                    .bind(row.voucher)
                    .execute(&mut **connection)
                    .await
                    .map(|_| ()))?;
                let subject = self.subject(db, view, campaign, row.resident).await?;
                if let Some(history) = view.histories.get_mut(&(subject, campaign_id.to_owned()))
                    && let Some(position) = history.uses.iter().position(|used| used.tier == row.tier)
                {
                    history.uses.remove(position);
                }
            }
            refunded.push(RefundedVoucher { voucher: row.code, outcome });
        }
        Ok(Ok(refunded))
    }
}

/// How a merchant is written on a voucher it redeemed: its campaign and its id.
fn merchant_key(campaign: &str, merchant: &str) -> String {
    format!("{campaign}/{merchant}")
}

/// Reads the claims and uses of `subjects` in `campaign` into the view.
async fn load_histories(db: &mut Connection<'_>, view: &mut View, campaign: &Campaign, subjects: &[Subject]) -> Result<(), sqlx::Error> {
    // Under the "same user" rule a subject is a group: every account in it counts.
    let (subject, join) = if campaign.same_user { ("r.user_group", " JOIN residents r ON r.id = t.resident") } else { ("t.resident", "") };
    let wanted: Vec<(Subject,)> = subjects.iter().map(|subject| (*subject,)).collect();
    let wanted = json_rows(&wanted)?;
    let claimed: Vec<PastClaimRow> = on_connection!(db, connection => {
        let sql = format!(
            "SELECT {subject} AS subject, t.offer, t.round, t.claimed_at FROM claims t{join} WHERE t.campaign = $1 AND {subject} IN (SELECT id FROM ({}) w)",
            connection.json_rows(2, &[JsonColumn::Int("id")])
        );
        sqlx::query_as(&sql).bind(&campaign.id).bind(&wanted).fetch_all(&mut **connection).await
    })?;
    let used: Vec<PastUseRow> = on_connection!(db, connection => {
        let sql = format!(
            "SELECT {subject} AS subject, t.tier, t.round, t.used_at FROM vouchers t{join} WHERE t.used_at IS NOT NULL AND t.campaign = $1 AND {subject} IN (SELECT id FROM ({}) w)",
            connection.json_rows(2, &[JsonColumn::Int("id")])
        );
        sqlx::query_as(&sql).bind(&campaign.id).bind(&wanted).fetch_all(&mut **connection).await
    })?;
    for subject in subjects {
        view.histories.insert((*subject, campaign.id.clone()), History::default());
    }
    for row in claimed {
        if let Some(history) = view.histories.get_mut(&(row.subject, campaign.id.clone())) {
            history.claims.push(PastClaim { offer: row.offer, round: row.round as usize, claimed_at: Instant(row.claimed_at) });
        }
    }
    for row in used {
        if let Some(history) = view.histories.get_mut(&(row.subject, campaign.id.clone())) {
            history.uses.push(PastUse { tier: row.tier, round: row.round as usize, used_at: Instant(row.used_at) });
        }
    }
    Ok(())
}

/// Reads the stored answers (younger than [`ANSWERS_KEPT_MS`]) to these residents' keys into
/// the view, by the table's primary key (an index on the key alone cost a write to a random
/// page for every claim).
async fn load_answers(db: &mut Connection<'_>, view: &mut View, keys: &[(ResidentId, String)], now: Instant) -> Result<(), sqlx::Error> {
    if keys.is_empty() {
        return Ok(());
    }
    let wanted = json_rows(keys)?;
    let rows: Vec<StoredAnswerRow> = on_connection!(db, connection => {
        let sql = answers_sql(&**connection);
        sqlx::query_as(&sql).bind(&wanted).bind(now.0 - ANSWERS_KEPT_MS).fetch_all(&mut **connection).await
    })?;
    for row in rows {
        let answer = StoredAnswer { fingerprint: row.fingerprint, status: u16::try_from(row.status).unwrap_or(500), body: row.body };
        view.remember_answer((row.resident, row.key), answer, row.created_at.max(now.0 - ANSWERS_IN_MEMORY_MS / 2));
    }
    Ok(())
}

/// The stored answers to the keys bound as `$1` ([`json_rows`] of `(resident, key)`), younger
/// than `$2`: a join, not `(resident, key) IN (…)`, as SQLite searches the primary key only so.
fn answers_sql(dialect: &impl Dialect) -> String {
    format!(
        "SELECT i.resident, i.key, i.fingerprint, i.status, i.body, i.created_at FROM ({}) w
         JOIN idempotency i ON i.resident = w.resident AND i.key = w.key WHERE i.created_at > $2",
        dialect.json_rows(1, &[JsonColumn::Int("resident"), JsonColumn::Text("key")])
    )
}

/// Deletes answers older than [`ANSWERS_KEPT_MS`], a bounded number at a time; returns how many.
pub async fn prune_answers(store: &crate::store::Store, now_ms: i64) -> Result<u64, sqlx::Error> {
    let mut pruned = 0;
    loop {
        let deleted = crate::store::on_pool!(store, pool => sqlx::query(
            "DELETE FROM idempotency WHERE (resident, key) IN (SELECT resident, key FROM idempotency WHERE created_at <= $1 LIMIT 10000)"
        )
        .bind(now_ms - ANSWERS_KEPT_MS)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        pruned += deleted;
        if deleted < 10_000 {
            return Ok(pruned);
        }
    }
}

/// Ends an `IN (` list: binds each id, then closes the parenthesis.
fn push_ids<'a, DB: sqlx::Database>(query: &mut QueryBuilder<'a, DB>, ids: impl IntoIterator<Item = i64>)
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut separated = query.separated(", ");
    for id in ids {
        separated.push_bind(id);
    }
    query.push(")");
}

/// Reads the "same user" group of every account in `residents` not yet held.
async fn load_groups(db: &mut Connection<'_>, view: &mut View, residents: &[ResidentId]) -> Result<(), sqlx::Error> {
    if residents.is_empty() {
        return Ok(());
    }
    let wanted: Vec<(ResidentId,)> = residents.iter().map(|resident| (*resident,)).collect();
    let wanted = json_rows(&wanted)?;
    let rows: Vec<(i64, i64)> = on_connection!(db, connection => {
        let sql = format!(
            "SELECT id, user_group FROM residents WHERE id IN (SELECT id FROM ({}) w)",
            connection.json_rows(1, &[JsonColumn::Int("id")])
        );
        sqlx::query_as(&sql).bind(&wanted).fetch_all(&mut **connection).await
    })?;
    view.groups.extend(rows);
    Ok(())
}

/// The release row of an offer, read or created (with its rollover) on first use. With
/// PostgreSQL the row is locked until the batch commits: the stock it shows is the stock.
async fn release_row(
    db: &mut Connection<'_>,
    view: &mut View,
    campaign: &Campaign,
    theme: &Theme,
    offer: &str,
    release: huiquan_core::Release,
) -> Result<ReleaseRow, sqlx::Error> {
    let key = (campaign.id.clone(), offer.to_owned(), release.opens.0);
    if let Some(row) = view.releases.get(&key) {
        return Ok(*row);
    }
    let stored = read_release(db, &key).await?;
    let row = match stored {
        Some(row) => row,
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
                        let before = Box::pin(release_row(db, view, campaign, theme, offer, previous)).await?;
                        let leftover = Leftover {
                            unclaimed_units: before.stock - before.claimed,
                            expired_unused: unused_value(db, campaign, offer, previous.opens).await?,
                            remainder: before.carried,
                        };
                        rolled_over_stock(fresh, theme.value_of(offer_ref), leftover)
                    }
                    None => (fresh, Fen::ZERO),
                }
            } else {
                (fresh, Fen::ZERO)
            };
            // Another instance may create the same row at the same moment (from the same data,
            // so with the same stock): the first one written is the one read back.
            on_connection!(db, connection => sqlx::query(
                "INSERT INTO releases (campaign, offer, opens_at, round, stock, claimed, carried_fen) VALUES ($1, $2, $3, $4, $5, 0, $6)
                 ON CONFLICT (campaign, offer, opens_at) DO NOTHING",
            )
            .bind(&key.0)
            .bind(&key.1)
            .bind(key.2)
            .bind(release.round as i64)
            .bind(i64::from(stock))
            .bind(carried.0)
            .execute(&mut **connection)
            .await
            .map(|_| ()))?;
            if theme.rules.rollover && stock > fresh {
                tracing::info!(campaign = %campaign.id, offer, stock, fresh, "rollover: leftovers of the round before added");
            }
            read_release(db, &key).await?.unwrap_or(ReleaseRow { stock, claimed: 0, carried, sold_out_at: None })
        }
    };
    view.releases_touched.insert(key.clone());
    view.releases.insert(key, row);
    Ok(row)
}

/// A release's row as stored (locked with PostgreSQL).
async fn read_release(db: &mut Connection<'_>, key: &ReleaseKey) -> Result<Option<ReleaseRow>, sqlx::Error> {
    let stored: Option<StoredReleaseRow> = on_connection!(db, connection => sqlx::query_as(&format!(
        "SELECT stock, claimed, carried_fen, sold_out_at FROM releases WHERE campaign = $1 AND offer = $2 AND opens_at = $3{}",
        connection.row_lock()
    ))
    .bind(&key.0)
    .bind(&key.1)
    .bind(key.2)
    .fetch_optional(&mut **connection)
    .await)?;
    Ok(stored.map(|stored| ReleaseRow {
        stock: u32::try_from(stored.stock).unwrap_or(0),
        claimed: u32::try_from(stored.claimed).unwrap_or(0),
        carried: Fen(stored.carried_fen),
        sold_out_at: stored.sold_out_at,
    }))
}

/// The value of the vouchers of a release that were never used (they have expired by the time
/// the next round opens).
async fn unused_value(db: &mut Connection<'_>, campaign: &Campaign, offer: &str, release_opens: Instant) -> Result<Fen, sqlx::Error> {
    let rows: Vec<(String, i64)> = on_connection!(db, connection => sqlx::query_as(
        "SELECT v.tier, COUNT(*) FROM vouchers v JOIN claims c ON v.claim = c.id
         WHERE c.campaign = $1 AND c.offer = $2 AND c.release_opens = $3 AND v.used_at IS NULL GROUP BY v.tier",
    )
    .bind(&campaign.id)
    .bind(offer)
    .bind(release_opens.0)
    .fetch_all(&mut **connection)
    .await)?;
    Ok(Fen(rows.iter().map(|(tier, count)| campaign.tier(tier).map_or(0, |(_, tier)| tier.value().0) * count).sum()))
}

/// Opens a session for a checked credential: the account (created on first sign-in), its
/// evidence, the "same user" links that evidence makes, and a used partner token's id.
async fn sign_in_account(
    db: &mut Connection<'_>,
    view: &mut View,
    sign_in: &SignInCommand,
    now: Instant,
) -> Result<Result<ResidentId, LedgerError>, sqlx::Error> {
    if let Some((token_key, expires_at)) = &sign_in.token_use {
        let first_use = on_connection!(db, connection => sqlx::query(
            "INSERT INTO used_partner_tokens (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
        )
        .bind(token_key)
        .bind(expires_at)
        .execute(&mut **connection)
        .await
        .map(|done| done.rows_affected()))?;
        if first_use == 0 {
            return Ok(Err(LedgerError::TokenReplayed));
        }
    }
    let found: Option<(i64,)> = on_connection!(db, connection => sqlx::query_as("SELECT resident FROM credentials WHERE key = $1")
        .bind(&sign_in.credential)
        .fetch_optional(&mut **connection)
        .await)?;
    let resident = match found {
        Some((resident,)) => resident,
        None => {
            let (resident,): (i64,) = on_connection!(db, connection => sqlx::query_as("INSERT INTO residents (created_at, user_group) VALUES ($1, 0) RETURNING id")
                    .bind(now.0)
                    .fetch_one(&mut **connection)
                    .await)?;
            on_connection!(db, connection => sqlx::query("UPDATE residents SET user_group = id WHERE id = $1")
                .bind(resident)
                .execute(&mut **connection)
                .await
                .map(|_| ()))?;
            // With several instances, a first sign-in on two at once: the second's insert fails on
            // the key, its batch is tried again, and then it finds this account.
            on_connection!(db, connection => sqlx::query("INSERT INTO credentials (key, resident) VALUES ($1, $2)")
                .bind(&sign_in.credential)
                .bind(resident)
                .execute(&mut **connection)
                .await
                .map(|_| ()))?;
            resident
        }
    };
    for key in &sign_in.evidence {
        on_connection!(db, connection => sqlx::query("INSERT INTO evidence (key, resident) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(key)
            .bind(resident)
            .execute(&mut **connection)
            .await
            .map(|_| ()))?;
    }
    if let Some((real_name, enterprise)) = sign_in.flags {
        on_connection!(db, connection => sqlx::query(
            "UPDATE residents SET real_name_verified = (real_name_verified OR $1), enterprise = (enterprise OR $2) WHERE id = $3",
        )
        .bind(real_name)
        .bind(enterprise)
        .bind(resident)
        .execute(&mut **connection)
        .await
        .map(|_| ()))?;
    }
    // The "same user" rule: every account sharing any evidence with this one is one group,
    // named by its oldest account. Accounts stay apart; only campaigns with the rule count them
    // together.
    let groups: Vec<(i64,)> = on_connection!(db, connection => sqlx::query_as(
        "SELECT DISTINCT r.user_group FROM evidence e JOIN residents r ON r.id = e.resident
         WHERE e.key IN (SELECT key FROM evidence WHERE resident = $1)
         UNION SELECT user_group FROM residents WHERE id = $1 ORDER BY 1",
    )
    .bind(resident)
    .fetch_all(&mut **connection)
    .await)?;
    if let [(into,), others @ ..] = groups.as_slice()
        && !others.is_empty()
    {
        let merged: HashSet<i64> = others.iter().map(|(group,)| *group).collect();
        on_connection!(db, connection => {
            let mut update = QueryBuilder::new("UPDATE residents SET user_group = ");
            update.push_bind(*into).push(" WHERE user_group IN (");
            push_ids(&mut update, merged.iter().copied());
            update.build().execute(&mut **connection).await.map(|_| ())
        })?;
        tracing::info!(resident, group = into, merged = ?merged, "same user: accounts linked");
        for group in view.groups.values_mut() {
            if merged.contains(group) {
                *group = *into;
            }
        }
        // The group's history is now larger: read it again when next needed.
        view.histories.retain(|(subject, _), _| *subject != *into && !merged.contains(subject));
    }
    if let Some((session_hash, expires_at)) = &sign_in.session {
        on_connection!(db, connection => sqlx::query("INSERT INTO sessions (token_hash, resident, expires_at) VALUES ($1, $2, $3)")
            .bind(session_hash)
            .bind(resident)
            .bind(expires_at)
            .execute(&mut **connection)
            .await
            .map(|_| ()))?;
    }
    Ok(Ok(resident))
}

/// Writes the batch's buffered rows.
async fn flush(db: &mut Connection<'_>, view: &View, pending: &mut Pending) -> Result<(), sqlx::Error> {
    let claims: Vec<_> = pending
        .claims
        .drain(..)
        .map(|claim| (claim.id, claim.campaign, claim.offer, claim.round, claim.release_opens, claim.resident, claim.claimed_at))
        .collect();
    insert_rows(db, "claims", &CLAIM_COLUMNS, &claims).await?;
    let vouchers: Vec<_> = pending
        .vouchers
        .drain(..)
        .map(|voucher| {
            (voucher.id, voucher.code, voucher.claim, voucher.campaign, voucher.tier, voucher.round, voucher.resident, voucher.expires_at)
        })
        .collect();
    insert_rows(db, "vouchers", &VOUCHER_COLUMNS, &vouchers).await?;
    let answers: Vec<_> = pending
        .answers
        .drain(..)
        .map(|answer| (answer.resident, answer.key, answer.fingerprint, answer.status, answer.body, answer.created_at))
        .collect();
    insert_rows(db, "idempotency", &ANSWER_COLUMNS, &answers).await?;
    for key in pending.releases.iter() {
        if let Some(row) = view.releases.get(key) {
            on_connection!(db, connection => sqlx::query(
                "UPDATE releases SET claimed = $1, sold_out_at = $5 WHERE campaign = $2 AND offer = $3 AND opens_at = $4"
            )
            .bind(i64::from(row.claimed))
            .bind(&key.0)
            .bind(&key.1)
            .bind(key.2)
            .bind(row.sold_out_at)
            .execute(&mut **connection)
            .await
            .map(|_| ()))?;
        }
    }
    Ok(())
}

/// The columns a batch writes, in the order of its rows' tuples (see `flush`).
const CLAIM_COLUMNS: [JsonColumn; 7] = [
    JsonColumn::Int("id"),
    JsonColumn::Text("campaign"),
    JsonColumn::Text("offer"),
    JsonColumn::Int("round"),
    JsonColumn::Int("release_opens"),
    JsonColumn::Int("resident"),
    JsonColumn::Int("claimed_at"),
];
const VOUCHER_COLUMNS: [JsonColumn; 8] = [
    JsonColumn::Int("id"),
    JsonColumn::Text("code"),
    JsonColumn::Int("claim"),
    JsonColumn::Text("campaign"),
    JsonColumn::Text("tier"),
    JsonColumn::Int("round"),
    JsonColumn::Int("resident"),
    JsonColumn::Int("expires_at"),
];
const ANSWER_COLUMNS: [JsonColumn; 6] = [
    JsonColumn::Int("resident"),
    JsonColumn::Text("key"),
    JsonColumn::Text("fingerprint"),
    JsonColumn::Int("status"),
    JsonColumn::Text("body"),
    JsonColumn::Int("created_at"),
];

/// Inserts `rows` (tuples, items in the order of `columns`) into `table` in one statement of
/// one text whatever their count ([`Dialect::json_rows`]); nothing for no rows.
async fn insert_rows<Row: Serialize>(
    db: &mut Connection<'_>,
    table: &str,
    columns: &[JsonColumn],
    rows: &[Row],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows = json_rows(rows)?;
    let names: Vec<&str> = columns.iter().map(|(JsonColumn::Int(name) | JsonColumn::Text(name))| *name).collect();
    let names = names.join(", ");
    on_connection!(db, connection => {
        let sql = format!("INSERT INTO {table} ({names}) SELECT {names} FROM ({}) r", connection.json_rows(1, columns));
        sqlx::query(&sql).bind(&rows).execute(&mut **connection).await.map(|_| ())
    })
}

fn problem_answer(status: u16, code: &str, title: &str, detail: String) -> (u16, String) {
    (status, serde_json::to_string(&ProblemDetails::new(status, code, title, detail)).unwrap_or_default())
}

/// A refusal as problem+json: the code, words for a log, and the refusal's own fields (when the
/// next release opens, which period was used up …) for the app.
fn refusal_answer(campaign: &Campaign, refusal: &Refusal) -> (u16, String) {
    // 400 and 422 are kept for requests that are malformed (the API document says which); a
    // well-formed claim is refused as forbidden to this resident here and now (403), for an offer
    // that does not exist (404), or for the state of the campaign and the resident's history (409).
    let status = match refusal {
        Refusal::UnknownOffer => 404,
        Refusal::OutsideArea
        | Refusal::RealNameRequired
        | Refusal::EnterpriseExcluded
        | Refusal::NotOnAllowlist { .. }
        | Refusal::LocationRequired
        | Refusal::LocationUncertain
        | Refusal::LocationInaccurate
        | Refusal::StoreRequired => 403,
        _ => 409,
    };
    let problem = ProblemDetails::refusal(status, refusal.code(), &refusal.to_string(), format!("{} ({})", refusal, campaign.id), refusal);
    (status, serde_json::to_string(&problem).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUED: usize = 16_000;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stock_read_does_not_wait_behind_the_claims_queued_for_the_writer() {
        // Regression: every stock read (the page's first paint, each new event stream) was a
        // command queued behind every claim of a storm.
        let dir = tempfile::tempdir().expect("temp dir");
        let (pool, options) = crate::store::open(&crate::store::Location::new(None, dir.path())).await.expect("opens");
        let campaigns = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/campaigns");
        let catalog = crate::catalog::load(&pool, &campaigns).await.expect("loads").shifted_for_demo(-1);
        let ledger = Ledger::start(&options, Arc::new(catalog), RulesClock::default()).await.expect("starts");
        let campaign = "tianjin-2022-jinlegou";
        let first = ledger.stock(campaign).await.expect("the first read creates the release rows");
        assert!(first.iter().any(|offer| offer.left.is_some()), "a release is open");

        let mut answers = Vec::with_capacity(QUEUED);
        for n in 0..QUEUED {
            let (reply, answer) = oneshot::channel();
            // Refused (no location): decided and answered in order like any claim.
            let claim = ClaimCommand {
                resident: n as i64,
                claimant: Claimant::default(),
                campaign: campaign.into(),
                offer: "retail-100-10".into(),
                location: None,
                store_category: None,
                idempotency_key: format!("queued-{n}"),
                fingerprint: String::new(),
            };
            ledger.commands.send(Command::Claim(claim, reply)).await.expect("queued");
            answers.push(answer);
        }
        let stock = ledger.stock(campaign).await.expect("read");
        let answered_before = answers.iter_mut().map(|answer| answer.try_recv().is_ok()).filter(|answered| *answered).count();
        assert_eq!(stock, first, "the same stock: nothing was claimed");
        assert!(answered_before < QUEUED, "the read came back with {} claims still waiting", QUEUED - answered_before);
    }

    #[tokio::test]
    async fn a_refusal_made_once_a_batch_is_the_same_answer_as_one_made_afresh() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (pool, _) = crate::store::open(&crate::store::Location::new(None, dir.path())).await.expect("opens");
        let campaigns = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/campaigns");
        let catalog = crate::catalog::load(&pool, &campaigns).await.expect("loads");
        let tianjin = catalog.get("tianjin-2022-jinlegou").expect("Tianjin");
        let liaocheng = catalog.get("liaocheng-2024-spring-appliances").expect("Liaocheng");
        let refusals = [
            Refusal::SoldOut { next_release: Some(Instant(1_000)) },
            Refusal::SoldOut { next_release: Some(Instant(2_000)) },
            Refusal::SoldOut { next_release: None },
            Refusal::OutsideArea,
            Refusal::NotOnAllowlist { list: "buyers".into() },
        ];
        let mut pending = Pending::default();
        for _ in 0..2 {
            for campaign in [tianjin, liaocheng] {
                for refusal in &refusals {
                    assert_eq!(
                        pending.refusal_answer(campaign, refusal.clone()),
                        refusal_answer(campaign, refusal),
                        "{refusal:?} in {}",
                        campaign.id
                    );
                }
            }
        }
        assert_eq!(pending.refusals.len(), 10, "each made once");
        for n in 0..REFUSALS_REMEMBERED as i64 {
            let refusal = Refusal::NotOpenYet { opens: Instant(n) };
            assert_eq!(pending.refusal_answer(tianjin, refusal.clone()), refusal_answer(tianjin, &refusal));
        }
        assert_eq!(pending.refusals.len(), REFUSALS_REMEMBERED, "no more than the few that recur");
    }

    #[tokio::test]
    async fn a_batchs_answers_are_read_by_the_primary_key() {
        // Regression guard: read by the key alone, every claim cost a random page (migration
        // 0007); the rows bound as JSON must still be joined through (resident, key).
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let (_pool, options) = crate::store::open(&crate::store::Location::new(None, dir.path())).await.expect("opens");
        let LedgerOptions::Sqlite(options) = options else { panic!("SQLite") };
        let mut connection = SqliteConnection::connect_with(&options).await.expect("connected");
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {}", answers_sql(&connection)))
            .bind(json_rows(&[(1_i64, "key")]).expect("encoded"))
            .bind(0_i64)
            .fetch_all(&mut connection)
            .await
            .expect("planned");
        let steps: Vec<&str> = plan.iter().map(|(_, _, _, detail)| detail.as_str()).collect();
        assert!(
            steps.iter().any(|step| step.contains("SEARCH i USING INDEX sqlite_autoindex_idempotency_1 (resident=? AND key=?)")),
            "{steps:?}"
        );
        assert!(!steps.iter().any(|step| step.starts_with("SCAN i")), "{steps:?}");
    }
}
