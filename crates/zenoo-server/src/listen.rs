//! The accept loop: HTTP/1.1 connections served by hyper with a bound on
//! how many are open at once, in all and from one address, on the size of
//! a request's headers, and on how long a client may take to send them
//! (idle kept-alive connections included), so stalled or greedy clients
//! cannot hold the server's resources; WebSocket upgrades; and a graceful
//! stop that lets requests in flight finish.
//!
//! A connection from an address that already holds its share is answered
//! `429` (with a problem body) and closed, without taking one of the
//! places other addresses wait for; at most [`REFUSING`] such answers are
//! in progress at once, and beyond that the connection is closed at once.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::slots::Slots;

/// Refusals (`429` to an address over its share) answered at once; more
/// are closed without an answer.
pub const REFUSING: usize = 64;

/// How long a refused connection has to send its request and read the
/// `429`.
const REFUSAL_TIME: Duration = Duration::from_secs(2);

/// Bounds on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Connections open at once from one address (an IPv6 address counts
    /// with its whole /64, which one host usually holds).
    pub max_connections_per_ip: usize,
    /// The largest request head (request line and headers) in bytes; a
    /// larger one is answered `431` (at least 8192).
    pub max_header_bytes: usize,
    /// Time to send a request's headers, counted from the first byte of a
    /// request or from the end of the previous answer on a kept-alive
    /// connection.
    pub header_timeout: Duration,
    /// How long a stop waits for requests in flight.
    pub drain: Duration,
}

/// The address a connection counts against: the IP, or an IPv6 /64.
fn address_of(peer: &SocketAddr) -> IpAddr {
    match peer.ip().to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

fn http1(limits: &ConnectionLimits) -> hyper::server::conn::http1::Builder {
    let mut b = hyper::server::conn::http1::Builder::new();
    b.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192));
    b
}

/// Answers every request on `stream` with `429` and closes it.
async fn refuse(stream: TcpStream, limits: ConnectionLimits) {
    let service = hyper::service::service_fn(|_req| async {
        let problem = crate::problem::Problem::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too-many-connections",
            "Too many connections",
            "this address holds as many connections as it may; close one, or retry",
        );
        let mut r = axum::response::IntoResponse::into_response(problem);
        r.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("1"),
        );
        Ok::<_, std::convert::Infallible>(r)
    });
    let mut b = http1(&limits);
    b.keep_alive(false).header_read_timeout(REFUSAL_TIME);
    let conn = b.serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(REFUSAL_TIME.saturating_mul(2), conn).await;
}

/// Serves `app` on `listener` until `shutdown` completes, then stops
/// accepting, lets each connection finish the request it is serving
/// (within `limits.drain`) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let refusing = Arc::new(Semaphore::new(REFUSING));
    let per_address = Slots::new(limits.max_connections_per_ip);
    let (stopping, stop_seen) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut refusals = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Finished connections are reaped as we go: the sets stay bounded.
        while connections.try_join_next().is_some() {}
        while refusals.try_join_next().is_some() {}
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                // Out of descriptors and the like: wait, then go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Some(slot) = per_address.take(address_of(&peer)) else {
            // Over its address's share: the place goes back at once.
            drop(permit);
            metrics::counter!("zenoo_server_connections_refused_total").increment(1);
            if let Ok(turn) = refusing.clone().try_acquire_owned() {
                refusals.spawn(async move {
                    refuse(stream, limits).await;
                    drop(turn);
                });
            }
            continue;
        };
        let app = app.clone();
        let mut stop_seen = stop_seen.clone();
        connections.spawn(async move {
            let service = TowerToHyperService::new(app.map_request(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                    req.map(axum::body::Body::new)
                },
            ));
            let conn = http1(&limits)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = async {
                    // The guard `wait_for` gives is dropped here, not held.
                    let _ = stop_seen.wait_for(|stop| *stop).await;
                } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
            drop(permit);
        });
    }
    let _ = stopping.send(true);
    refusals.abort_all();
    let drained = tokio::time::timeout(limits.drain, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}
