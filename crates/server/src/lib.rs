//! The reference voucher service: it owns the truth (campaigns, stock, limits, identity), answers
//! the app's JSON API under `/api/v1`, and serves the built app.

mod api;
mod base_path;
mod catalog;
mod codes;
mod figures;
mod figures_page;
mod first_paint;
mod host_sdk;
pub mod identity;
pub mod ledger;
mod limits;
mod map;
pub mod merchants;
pub mod outline;
mod problem;
mod security_headers;
mod serve;
mod session_reader;
mod static_files;
mod store;
mod streams;
mod token_file;

use std::{collections::HashMap, future::Future, net::SocketAddr, path::PathBuf, sync::Arc};

use axum::Router;
use huiquan_core::Boundary;
use tokio::net::TcpListener;

/// A merchant's till key (how a till authenticates: see `api::till`).
pub use api::till::till_key;
pub use base_path::BasePath;
pub use catalog::Catalog;
pub use identity::{OtpOutbox, PartnerClaims, PartnerSecrets, SignInLimits, sign_partner_token};
pub use ledger::RulesClock;
pub use problem::Problem;
pub use security_headers::FrameAncestors;
pub use serve::ConnectionLimits;
pub use streams::StreamLimits;

/// How the service is started. Every flag can also come from the environment.
#[derive(Clone, Debug, clap::Parser)]
#[command(version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "HUIQUAN_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Directory for the embedded SQLite database and the generated secrets; created on first start.
    #[arg(long, env = "HUIQUAN_DATA_DIR", default_value = ".huiquan/data")]
    pub data_dir: PathBuf,
    /// The database: a SQLite file's path, or a `postgres://` URL for a database that several
    /// instances share (created on first start if the server allows). Default: the SQLite file
    /// in the data directory.
    #[arg(long, env = "HUIQUAN_DATABASE")]
    pub database: Option<String>,
    /// Directory of campaign files (`*.json`), loaded into the database at start.
    #[arg(long, env = "HUIQUAN_CAMPAIGNS", default_value = "data/campaigns")]
    pub campaigns: PathBuf,
    /// The built app (Trunk's `dist/`) to serve at `/`. Without it only the API is served.
    #[arg(long, env = "HUIQUAN_DIST")]
    pub dist: Option<PathBuf>,
    /// The path the app and the API are served under, as a partner's gateway exposes them
    /// (`/vouchers/`). Requests are answered with and without it.
    #[arg(long, env = "HUIQUAN_BASE_PATH", default_value = "/")]
    pub base_path: BasePath,
    /// City boundaries named by the campaign files.
    #[arg(long, env = "HUIQUAN_GEO", default_value = "data/geo")]
    pub geo: PathBuf,
    /// Merchant lists, `<campaign-id>.json`.
    #[arg(long, env = "HUIQUAN_MERCHANTS", default_value = "data/merchants")]
    pub merchants: PathBuf,
    /// Allowlists, `<list>.txt` with one phone number a line.
    #[arg(long, env = "HUIQUAN_ALLOWLISTS", default_value = "data/allowlists")]
    pub allowlists: PathBuf,
    /// Demo mode: every campaign is shifted in time so that a round is live and a release is
    /// `demo_release_in` minutes away, and one-time sign-in codes are written to the log.
    #[arg(long, env = "HUIQUAN_DEMO", default_value_t = false)]
    pub demo: bool,
    /// Demo mode: minutes from start to the next release (negative: a release already open).
    #[arg(long, env = "HUIQUAN_DEMO_RELEASE_IN", default_value_t = 3, allow_hyphen_values = true)]
    pub demo_release_in: i64,
    /// Partner apps allowed to sign residents in: `jd=secret,unionpay=secret` (16+ characters each).
    #[arg(long, env = "HUIQUAN_PARTNER_SECRETS", default_value = "")]
    pub partner_secrets: PartnerSecrets,
    /// Secret from which each merchant's till key is derived (HMAC); generated into the data
    /// directory on first start when not given.
    #[arg(long, env = "HUIQUAN_TILL_SECRET")]
    pub till_secret: Option<String>,
    /// Key under which phones, identifiers and one-time codes are stored (HMAC); generated into
    /// the data directory (`identity-key`) on first start when not given. Every instance sharing a
    /// database needs the same one.
    #[arg(long, env = "HUIQUAN_IDENTITY_KEY")]
    pub identity_key: Option<String>,
    /// Requests per second allowed from one address (bursts of 10 times that).
    #[arg(long, env = "HUIQUAN_RATE_PER_ADDRESS", default_value_t = 50)]
    pub rate_per_address: u32,
    /// Proxies trusted to say who the client is (`X-Forwarded-For`, `Forwarded`), as addresses
    /// or networks: `10.0.0.0/8,::1`. None by default: each connection's address is the client.
    #[arg(long, env = "HUIQUAN_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: limits::TrustedProxies,
    /// Claims and sign-ins per second allowed for one resident (bursts of 5 times that).
    #[arg(long, env = "HUIQUAN_RATE_PER_RESIDENT", default_value_t = 2)]
    pub rate_per_resident: u32,
    /// Partner origins allowed to show the app in a frame, separated by spaces
    /// (`https://m.jd.com https://pay.example.com`). None: only the app's own pages.
    #[arg(long, env = "HUIQUAN_FRAME_ANCESTORS", default_value = "")]
    pub frame_ancestors: FrameAncestors,
    /// The WeChat official account whose JS-SDK the app uses inside WeChat's browser (its
    /// AppID); needs `--wechat-ticket-file`.
    #[arg(long, env = "HUIQUAN_WECHAT_APP_ID", requires = "wechat_ticket_file")]
    pub wechat_app_id: Option<String>,
    /// A file holding the official account's current `jsapi_ticket`, kept by its token server
    /// (中控服务器; docs/DEPLOY.md); read again whenever it changes.
    #[arg(long, env = "HUIQUAN_WECHAT_TICKET_FILE", requires = "wechat_app_id")]
    pub wechat_ticket_file: Option<PathBuf>,
    /// The UnionPay (云闪付) app id whose UPSDK the app uses inside 云闪付's own pages; needs
    /// `--unionpay-front-token-file`. Pages inside a UnionPay mini-program need neither.
    #[arg(long, env = "HUIQUAN_UNIONPAY_APP_ID", requires = "unionpay_front_token_file")]
    pub unionpay_app_id: Option<String>,
    /// A file holding that app's current `frontToken`, kept by its token server (docs/DEPLOY.md);
    /// read again when it changes.
    #[arg(long, env = "HUIQUAN_UNIONPAY_FRONT_TOKEN_FILE", requires = "unionpay_app_id")]
    pub unionpay_front_token_file: Option<PathBuf>,
    /// Where one-time codes also go (tests read them here).
    #[arg(skip)]
    pub otp_outbox: Option<OtpOutbox>,
    /// Every limit of signing in (code lifetimes, attempts, sends, sessions), with its default.
    #[arg(skip)]
    pub sign_in_limits: SignInLimits,
    /// How many event streams may be open, per client and in all.
    #[arg(skip)]
    pub stream_limits: StreamLimits,
    /// Connections open at once from one client address (IPv6: its /64); trusted proxies are
    /// held only to `--max-connections`.
    #[arg(long, env = "HUIQUAN_CONNECTIONS_PER_CLIENT", default_value_t = ConnectionLimits::default().per_client)]
    pub connections_per_client: usize,
    /// Connections open at once in all.
    #[arg(long, env = "HUIQUAN_MAX_CONNECTIONS", default_value_t = ConnectionLimits::default().total)]
    pub max_connections: usize,
    /// How long a request's head and body may take (the counts come from the two flags above).
    #[arg(skip)]
    pub connection_limits: ConnectionLimits,
    /// How often expired rows (sessions, codes, answers older than a day) are deleted.
    #[arg(skip = std::time::Duration::from_secs(60))]
    pub prune_every: std::time::Duration,
    /// How often the allowlist files are checked for changes.
    #[arg(skip = std::time::Duration::from_secs(30))]
    pub allowlist_recheck: std::time::Duration,
    /// The clock the rules apply at: the real one, except in tests that play a campaign's real
    /// dates (claims, stock, the wallet and `/time` follow it; sign-in does not).
    #[arg(skip)]
    pub rules_clock: ledger::RulesClock,
}

impl Config {
    /// Every default, with the data files of the repository at `repo`, a free port on
    /// localhost and the database in `data_dir`: how tests and tools start a service.
    ///
    /// With `HUIQUAN_TEST_POSTGRES` set to a server's URL (`postgres://user@host:port/`, as
    /// `scripts/postgres.sh` prints it), the database is instead a new one on that server, named
    /// after `data_dir`: the same tests then run against PostgreSQL.
    pub fn local(repo: &std::path::Path, data_dir: PathBuf) -> Config {
        use clap::Parser;
        let mut config = Config::parse_from(["huiquan-server"]);
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.database = std::env::var("HUIQUAN_TEST_POSTGRES").ok().filter(|url| !url.is_empty()).map(|server| {
            // Unique per test: data directories are fresh temporary directories.
            let name: String = data_dir.to_string_lossy().chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
            let tail = &name[name.len().saturating_sub(40)..];
            format!("{}/huiquan_{tail}", server.trim_end_matches('/'))
        });
        config.data_dir = data_dir;
        config.campaigns = repo.join("data/campaigns");
        config.geo = repo.join("data/geo");
        config.merchants = repo.join("data/merchants");
        config.allowlists = repo.join("data/allowlists");
        config
    }
}

impl Config {
    /// The database as a URL (`sqlite://…` or `postgres://…`), for tools and tests that read it.
    pub fn database_url(&self) -> String {
        match store::Location::new(self.database.as_deref(), &self.data_dir) {
            store::Location::Sqlite(path) => format!("sqlite://{}", path.display()),
            store::Location::Postgres(url) => url,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
    #[error("{path}: {detail}")]
    Data { path: PathBuf, detail: String },
    #[error(transparent)]
    Merchants(#[from] merchants::MerchantError),
    #[error("the ledger cannot start: {0}")]
    Ledger(#[from] sqlx::Error),
    #[error("--wechat-app-id and --wechat-ticket-file go together")]
    WeChatHalfConfigured,
    #[error("--unionpay-app-id and --unionpay-front-token-file go together")]
    UnionPayHalfConfigured,
}

/// The partner account to sign a host SDK's configuration for: both of its settings, or neither.
fn host_sdk_from(
    platform: host_sdk::Platform,
    app_id: &Option<String>,
    token_file: &Option<PathBuf>,
) -> Result<Option<Arc<host_sdk::HostSdk>>, StartError> {
    match (app_id, token_file) {
        (Some(app_id), Some(file)) => Ok(Some(Arc::new(host_sdk::HostSdk::new(platform, app_id.clone(), file.clone())))),
        (None, None) => Ok(None),
        _ => Err(match platform {
            host_sdk::Platform::WeChat => StartError::WeChatHalfConfigured,
            host_sdk::Platform::UnionPay => StartError::UnionPayHalfConfigured,
        }),
    }
}

/// What every request handler can reach: one allocation shared by all, so that handing it to a
/// handler is one reference count (perf put cloning each field at 1.5 % of the request threads'
/// time under a claim storm; the throughput it bought is within the benchmark's noise).
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub(crate) struct Shared {
    pub catalog: Arc<Catalog>,
    pub boundaries: Arc<HashMap<String, CityBoundary>>,
    pub merchants: Arc<merchants::Merchants>,
    pub ledger: ledger::Ledger,
    pub identity: identity::Identity,
    pub store: store::Store,
    pub limits: Arc<limits::RateLimits>,
    pub trusted_proxies: Arc<limits::TrustedProxies>,
    pub event_streams: streams::Places,
    pub till_secret: Arc<Vec<u8>>,
    /// The app's `index.html`, for campaign pages painted before the app loads.
    pub page_template: Option<Arc<first_paint::PageTemplate>>,
    /// Where the app is served (`/`, or a gateway's `/vouchers/`): the pages the service draws say so.
    pub base_path: BasePath,
    /// The WeChat official account the service signs `wx.config` for, if any.
    pub wechat: Option<Arc<host_sdk::HostSdk>>,
    /// The UnionPay app the service signs `upsdk.config` for, if any.
    pub unionpay: Option<Arc<host_sdk::HostSdk>>,
    /// Each campaign's open figures, counted at most every few seconds.
    pub figures: figures::FiguresCache,
    /// Turns true when the service begins to shut down: endless responses (server-sent
    /// events) end then, so that graceful shutdown does not wait on them for ever.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// A campaign's city outline: in full for the service's own location check, and simplified
/// (with its border margin) for the app.
pub(crate) struct CityBoundary {
    pub boundary: Boundary,
    pub phone_geojson: String,
    /// The outline simplified again for drawing the merchant map.
    pub map: map::CityMap,
}

/// A service ready to accept connections: bound, migrated and loaded.
pub struct Service {
    listener: TcpListener,
    router: Router,
    stopping: tokio::sync::watch::Sender<bool>,
    event_streams: streams::Places,
    connection_limits: ConnectionLimits,
    trusted_proxies: Arc<limits::TrustedProxies>,
    /// Held while the service runs on a SQLite file: no second process opens the same file.
    _data_dir_lock: Option<store::DataDirLock>,
}

impl Service {
    /// Opens the database, loads the campaigns and binds the address.
    pub async fn start(config: &Config) -> Result<Service, StartError> {
        let location = store::Location::new(config.database.as_deref(), &config.data_dir);
        // One process per SQLite file (its ledger decides alone); PostgreSQL is shared by design.
        let data_dir_lock = match &location {
            store::Location::Sqlite(path) => Some(store::lock_data_dir(path.parent().unwrap_or(&config.data_dir))?),
            store::Location::Postgres(_) => None,
        };
        let (pool, options) = store::open(&location).await?;
        let mut catalog = catalog::load(&pool, &config.campaigns).await?;
        if config.demo {
            catalog = catalog.shifted_for_demo(config.demo_release_in);
        }
        let catalog = Arc::new(catalog);
        let mut boundaries = HashMap::new();
        for campaign in catalog.iter() {
            let path = config.geo.join(&campaign.boundary.file);
            let json =
                std::fs::read_to_string(&path).map_err(|source| StartError::Data { path: path.clone(), detail: source.to_string() })?;
            let boundary = Boundary::from_geojson(&json, campaign.boundary.crs)
                .map_err(|error| StartError::Data { path: path.clone(), detail: error.to_string() })?;
            let polygons = huiquan_core::geofence::geojson::polygons(&json)
                .map_err(|error| StartError::Data { path: path.clone(), detail: error.to_string() })?;
            let phone_geojson = outline::for_phones(&polygons).geojson;
            let map = map::CityMap::new(&polygons, campaign.boundary.crs);
            boundaries.insert(campaign.id.clone(), CityBoundary { boundary, phone_geojson, map });
        }
        let merchants = merchants::load(&pool, &config.merchants, &catalog, |id| boundaries.get(id).map(|city| &city.boundary)).await?;
        let identity_secret = match &config.identity_key {
            Some(key) => key.clone().into_bytes(),
            None => store::data_secret(&config.data_dir, "identity-key")?,
        };
        store::check_key(&pool, "identity key", &identity_secret).await?;
        let identity_key = codes::DigestKey::new(&identity_secret);
        let mut allowlists = identity::Allowlists::new(&config.allowlists);
        let allowlisted = allowlists.refresh(&pool, &identity_key).await?;
        let ledger = ledger::Ledger::start(&options, Arc::clone(&catalog), config.rules_clock.clone()).await?;
        let identity = identity::Identity::new(
            pool.clone(),
            ledger.clone(),
            config.partner_secrets.clone(),
            identity_key.clone(),
            config.sign_in_limits.clone(),
            config.demo,
            config.otp_outbox.clone(),
        );
        if let store::LedgerOptions::Postgres(options) = &options {
            // One connection hears every instance's stock changes and sign-outs.
            store::postgres::listen(options, vec![ledger.stock_changes(), identity.sign_outs()]).await?;
        }
        let till_secret = match &config.till_secret {
            Some(secret) => secret.clone().into_bytes(),
            None => store::data_secret(&config.data_dir, "till-secret")?,
        };
        store::check_key(&pool, "till secret", &till_secret).await?;
        tracing::info!(
            campaigns = catalog.len(),
            merchants = catalog.iter().map(|campaign| merchants.count(&campaign.id)).sum::<usize>(),
            allowlisted,
            demo = config.demo,
            data_dir = %config.data_dir.display(),
            database = %location.shown(),
            "campaigns loaded"
        );
        let (stopping, stopping_receiver) = tokio::sync::watch::channel(false);
        let limits = Arc::new(limits::RateLimits::new(config.rate_per_address, config.rate_per_resident));
        let upkeep = Upkeep { identity: identity.clone(), allowlists, pool: pool.clone(), key: identity_key, limits: Arc::clone(&limits) };
        upkeep.spawn(config.allowlist_recheck, config.prune_every, stopping_receiver.clone());
        let event_streams = streams::Places::new(config.stream_limits.per_client, config.stream_limits.total);
        let trusted_proxies = Arc::new(config.trusted_proxies.clone());
        let figures = figures::FiguresCache::new(&catalog);
        let state = AppState(Arc::new(Shared {
            catalog,
            boundaries: Arc::new(boundaries),
            merchants: Arc::new(merchants),
            ledger,
            identity,
            store: pool,
            limits: Arc::clone(&limits),
            trusted_proxies: Arc::clone(&trusted_proxies),
            till_secret: Arc::new(till_secret),
            event_streams: event_streams.clone(),
            page_template: config
                .dist
                .as_deref()
                .and_then(|dist| first_paint::PageTemplate::read(dist, &config.base_path, &config.frame_ancestors))
                .map(Arc::new),
            base_path: config.base_path.clone(),
            wechat: host_sdk_from(host_sdk::Platform::WeChat, &config.wechat_app_id, &config.wechat_ticket_file)?,
            unionpay: host_sdk_from(host_sdk::Platform::UnionPay, &config.unionpay_app_id, &config.unionpay_front_token_file)?,
            figures,
            stopping: stopping_receiver,
        }));
        let template = state.page_template.clone();
        let router = Router::new().nest("/api/v1", api::router(state.clone())).merge(api::page_router(state));
        let router = match &config.dist {
            Some(dist) => router.merge(static_files::router(
                dist,
                template.filter(|_| !config.base_path.is_root() || !config.frame_ancestors.origins().is_empty()),
            )),
            None => router,
        };
        let router =
            security_headers::SecurityHeaders::new(config.dist.as_deref(), &config.frame_ancestors, config.wechat_app_id.is_some())
                .layer(router);
        let router = config.base_path.serve(router);
        let listener = TcpListener::bind(config.addr).await.map_err(|source| StartError::Listen { addr: config.addr, source })?;
        Ok(Service {
            listener,
            router,
            stopping,
            event_streams,
            connection_limits: ConnectionLimits {
                per_client: config.connections_per_client,
                total: config.max_connections,
                ..config.connection_limits
            },
            trusted_proxies,
            _data_dir_lock: data_dir_lock,
        })
    }

    /// Wraps the service's whole router in a host's own layer (embedding: the flash-crowd
    /// benchmark counts its claims' answers by status this way).
    pub fn map_router(mut self, wrap: impl FnOnce(Router) -> Router) -> Service {
        self.router = wrap(self.router);
        self
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets requests under way finish.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), StartError> {
        if let Ok(addr) = self.listener.local_addr() {
            tracing::info!("serving on http://{addr}");
        }
        let stopping = self.stopping;
        let _data_dir_lock = self._data_dir_lock;
        let shutdown = async move {
            shutdown.await;
            stopping.send_replace(true);
        };
        serve::serve(self.listener, self.router, self.connection_limits, self.trusted_proxies, shutdown).await.map_err(StartError::Serve)
    }

    /// Runs the service in a task until [`Spawned::stop`].
    pub fn spawn(self) -> std::io::Result<Spawned> {
        let addr = self.local_addr()?;
        let event_streams = self.event_streams.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run(async {
            let _ = stopped.await;
        }));
        Ok(Spawned { addr, stop, task, event_streams })
    }
}

/// A service running on the current tokio runtime (tests, embedding): stop it with [`Spawned::stop`].
pub struct Spawned {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), StartError>>,
    event_streams: streams::Places,
}

impl Spawned {
    /// The base URL, e.g. `http://127.0.0.1:39211`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many stock event streams are open on the service now.
    pub fn open_event_streams(&self) -> usize {
        self.event_streams.open_count()
    }

    /// Stops accepting, lets requests under way finish, and returns how the service ended.
    pub async fn stop(self) -> Result<(), StartError> {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(result) => result,
            Err(join) => Err(StartError::Serve(std::io::Error::other(join))),
        }
    }
}

/// What runs beside the requests until shutdown: allowlist files read again when they change,
/// what has run out (sessions, codes, used partner tokens) deleted, and rate-limit tables
/// cleared of clients not seen lately.
struct Upkeep {
    identity: identity::Identity,
    allowlists: identity::Allowlists,
    pool: store::Store,
    key: codes::DigestKey,
    limits: Arc<limits::RateLimits>,
}

impl Upkeep {
    fn spawn(
        mut self,
        allowlist_recheck: std::time::Duration,
        prune_every: std::time::Duration,
        mut stopping: tokio::sync::watch::Receiver<bool>,
    ) {
        tokio::spawn(async move {
            let mut recheck = tokio::time::interval(allowlist_recheck);
            let mut prune = tokio::time::interval(prune_every);
            let mut checkpoint = tokio::time::interval(store::CHECKPOINT_EVERY);
            checkpoint.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = async { stopping.wait_for(|stopping| *stopping).await.map(|_| ()) } => break,
                    _ = recheck.tick() => {
                        if let Err(error) = self.allowlists.refresh(&self.pool, &self.key).await {
                            tracing::error!(%error, "allowlists not read again; the lists read before stay in force");
                        }
                    }
                    _ = prune.tick() => self.prune().await,
                    _ = checkpoint.tick() => {
                        if let Err(error) = self.pool.checkpoint().await {
                            tracing::warn!(%error, "checkpoint failed; tried again at the next tick");
                        }
                    }
                }
            }
        });
    }

    async fn prune(&self) {
        self.limits.prune();
        self.identity.prune_limits();
        match ledger::prune_answers(&self.pool, jiff::Timestamp::now().as_millisecond()).await {
            Ok(pruned) if pruned > 0 => tracing::info!(pruned, "answers to Idempotency-Keys older than a day deleted"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "pruning answers failed; tried again later"),
        }
        match self.identity.prune().await {
            Ok(pruned) if pruned > 0 => tracing::info!(pruned, "expired sessions, codes and token ids deleted"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "pruning failed; tried again later"),
        }
    }
}

/// Starts the service and serves until `shutdown`.
pub async fn serve(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), StartError> {
    Service::start(&config).await?.run(shutdown).await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: letting requests under way finish");
}
