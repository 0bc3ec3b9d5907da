//! Connections a crowd (or an attacker) opens and never uses cannot starve the service.

use std::time::Duration;

use huiquan_server::{Config, ConnectionLimits, Service};
use tokio::{io::AsyncReadExt, net::TcpSocket};

/// Lets this process hold a few thousand sockets (both ends of each are in it).
fn raise_descriptor_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max.min(65_536);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_half_open_sockets_and_the_clock_still_answers_within_a_second() {
    // Regression: axum::serve took every connection and waited for its request head for ever.
    raise_descriptor_limit();
    let data = tempfile::tempdir().expect("temp dir");
    let repo = crate::common::repo();
    let mut config = Config::local(&repo, data.path().to_owned());
    config.connection_limits = ConnectionLimits { header_read: Duration::from_millis(500), ..ConnectionLimits::default() };
    let per_client = config.connection_limits.per_client;
    let service = Service::start(&config).await.expect("starts").spawn().expect("bound");

    // An attacker at 127.0.0.2 opens 2,000 connections and sends nothing.
    let mut silent = Vec::new();
    for _ in 0..2_000 {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.bind("127.0.0.2:0".parse().expect("address")).expect("bound");
        silent.push(socket.connect(service.addr).await.expect("connected"));
    }
    // A resident elsewhere asks the time.
    let client = reqwest::Client::new();
    let asked = std::time::Instant::now();
    let time =
        client.get(format!("{}/api/v1/time", service.base_url())).timeout(Duration::from_secs(1)).send().await.expect("answered in time");
    assert_eq!(time.status(), 200);
    assert!(asked.elapsed() < Duration::from_secs(1));

    // Past the attacker's share, connections were closed at once; the rest when no request
    // head came in time.
    let mut closed_at_once = 0;
    let mut buffer = [0u8; 1];
    for stream in &mut silent {
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buffer)).await {
            closed_at_once += 1;
        }
    }
    assert!(closed_at_once >= 2_000 - per_client - 8, "{closed_at_once} closed before the head deadline");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    for stream in &mut silent {
        let read = tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buffer)).await;
        assert!(matches!(read, Ok(Ok(0) | Err(_))), "every silent connection is closed once its head is late");
    }
    service.stop().await.expect("stops");
}
