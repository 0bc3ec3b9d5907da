//! The reference voucher service: it owns the truth (campaigns, stock, limits, identity), answers
//! the app's JSON API under `/api/v1`, and serves the built app.

mod api;
mod catalog;
mod problem;
mod static_files;
mod store;

use std::{future::Future, net::SocketAddr, path::PathBuf, sync::Arc};

use axum::Router;
use tokio::net::TcpListener;

pub use catalog::Catalog;
pub use problem::Problem;

/// How the service is started. Every flag can also come from the environment.
#[derive(Clone, Debug, clap::Parser)]
#[command(version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "HUIQUAN_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Directory for the embedded SQLite database; created on first start.
    #[arg(long, env = "HUIQUAN_DATA_DIR", default_value = ".huiquan/data")]
    pub data_dir: PathBuf,
    /// Directory of campaign files (`*.json`), loaded into the database at start.
    #[arg(long, env = "HUIQUAN_CAMPAIGNS", default_value = "data/campaigns")]
    pub campaigns: PathBuf,
    /// The built app (Trunk's `dist/`) to serve at `/`. Without it only the API is served.
    #[arg(long, env = "HUIQUAN_DIST")]
    pub dist: Option<PathBuf>,
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
}

/// What every request handler can reach.
#[derive(Clone)]
pub(crate) struct AppState {
    pub catalog: Arc<Catalog>,
}

/// A service ready to accept connections: bound, migrated and loaded.
pub struct Service {
    listener: TcpListener,
    router: Router,
}

impl Service {
    /// Opens the database, loads the campaigns and binds the address.
    pub async fn start(config: &Config) -> Result<Service, StartError> {
        let pool = store::open(&config.data_dir).await?;
        let catalog = catalog::load(&pool, &config.campaigns).await?;
        tracing::info!(
            campaigns = catalog.len(),
            data_dir = %config.data_dir.display(),
            "campaigns loaded"
        );
        let state = AppState { catalog: Arc::new(catalog) };
        let mut router = Router::new().nest("/api/v1", api::router(state));
        if let Some(dist) = &config.dist {
            router = router.merge(static_files::router(dist));
        }
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Listen { addr: config.addr, source })?;
        Ok(Service { listener, router })
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
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(StartError::Serve)
    }

    /// Runs the service in a task until [`Spawned::stop`].
    pub fn spawn(self) -> std::io::Result<Spawned> {
        let addr = self.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run(async {
            let _ = stopped.await;
        }));
        Ok(Spawned { addr, stop, task })
    }
}

/// A service running on the current tokio runtime (tests, embedding): stop it with [`Spawned::stop`].
pub struct Spawned {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), StartError>>,
}

impl Spawned {
    /// The base URL, e.g. `http://127.0.0.1:39211`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
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
