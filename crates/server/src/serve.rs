//! Accepting connections with limits a crowd cannot exhaust: a cap on connections (in all and
//! per client), a deadline for each request's head and body, and graceful shutdown.
//!
//! `axum::serve` takes any connection and waits for its request head without end: 2,000 sockets
//! that connect and say nothing would each hold a task and a descriptor for ever. Here each
//! connection gets a place or is closed at once, and its head must arrive in time.

use std::{convert::Infallible, future::Future, sync::Arc, time::Duration};

use axum::{Router, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::{
    limits::{TrustedProxies, client_key},
    streams::Places,
};

/// Every limit on connections, with its default.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections open at once. Default 10,000 (each is a descriptor and a task).
    pub total: usize,
    /// Connections from one client address (IPv6: its /64); trusted proxies are not held to
    /// it. Default 256: a carrier's NAT puts many phones behind one address.
    pub per_client: usize,
    /// Time for a request's head to arrive, from when the connection is ready for one (after
    /// connecting, or after the previous response). Default 10 s.
    pub header_read: Duration,
    /// Time for a request's whole body to arrive. Default 10 s.
    pub body_read: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits { total: 10_000, per_client: 256, header_read: Duration::from_secs(10), body_read: Duration::from_secs(10) }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests under way finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    trusted_proxies: Arc<TrustedProxies>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.body_read));
    let places = Places::new(limits.per_client, limits.total);
    // Each connection task holds a receiver; when all are gone, every connection has ended.
    let (shutting_down, shutdown_seen) = tokio::sync::watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (socket, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, or a connection reset before it was accepted: wait a
                    // moment rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let client = client_key(peer.ip());
        let place = if trusted_proxies.contains(peer.ip()) { places.open_within_total(client) } else { places.open(client) };
        let Some(place) = place else {
            // Over a cap: closed at once, before a byte is read.
            drop(socket);
            continue;
        };
        // No TCP_NODELAY: hyper writes a response in one go, and setting it cost the flash-crowd
        // benchmark 15 % of its claims/s (2,653 against 3,100 on 2026-12-01).
        let router = router.clone();
        let mut shutdown_seen = shutdown_seen.clone();
        tokio::spawn(async move {
            let _place = place;
            let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let router = router.clone();
                async move {
                    Ok::<_, Infallible>(router.oneshot(request.map(axum::body::Body::new)).await.unwrap_or_else(|never| match never {}))
                }
            });
            // HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a proxy in front ends;
            // and guessing the protocol first would read without the head's deadline.
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read)
                .serve_connection(TokioIo::new(socket), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = shutdown_seen.changed() => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
    }
    drop(listener);
    // Tell every connection to finish its request under way and close, then wait for them.
    let _ = shutting_down.send(());
    drop(shutdown_seen);
    shutting_down.closed().await;
    Ok(())
}
