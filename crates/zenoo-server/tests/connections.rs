//! Stalled clients cannot hold the server: a connection that sends no
//! headers is closed after the header timeout, and the connection cap
//! keeps the rest waiting in the backlog instead of exhausting the server.

mod common;

use std::time::{Duration, Instant};

use common::Server;
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn silent_connections_are_closed_and_the_cap_holds() {
    let s = Server::start("[limits]\nmax_connections = 2\nheader_timeout_seconds = 1\n").await;
    // Two clients connect and say nothing: they take both places.
    let mut silent = Vec::new();
    for _ in 0..2 {
        silent.push(
            tokio::net::TcpStream::connect(s.running().addr)
                .await
                .expect("connect"),
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A real client waits for a place, and gets one once the silent ones
    // are closed.
    let started = Instant::now();
    let r = reqwest::Client::new()
        .get(s.url("/healthz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("served once a place is free");
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "the cap let a third connection in at once ({:?})",
        started.elapsed()
    );
    // The silent ones were closed by the server (read to the end: EOF or
    // a reset, whatever hyper wrote before).
    for mut c in silent {
        let closed = tokio::time::timeout(Duration::from_secs(3), async {
            let mut buf = [0u8; 256];
            loop {
                match c.read(&mut buf).await {
                    Ok(0) | Err(_) => return true,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert_eq!(closed, Ok(true), "a silent connection was left open");
    }
    s.stop().await;
}
