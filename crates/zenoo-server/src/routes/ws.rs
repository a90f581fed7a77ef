//! `GET /ws`: the sync's events for the orders the caller may see, as JSON
//! text messages ([`Envelope`]s). Authenticated like every route (a
//! browser, which cannot set headers on a WebSocket, may pass its token as
//! `?access_token=`). The server pings every `events.heartbeat_seconds`; a
//! client silent for two heartbeats is closed (1001). A client that lets
//! `events.queue` events waiting for `events.grace_ms` is closed with 1008
//! "slow consumer" (as is one that falls more than the hub's capacity
//! behind): nothing is ever buffered for it without bound.
//!
//! A session lasts no longer than the authority that opened it: it is
//! closed with [`EXPIRED`] when its token expires and with [`REVOKED`] when
//! its key or token is revoked (on any instance sharing the store).
//! WebSockets are counted: at most `events.max_sockets` at once, and
//! `events.max_sockets_per_principal` per key or user; an upgrade over
//! either is refused with 429. Each socket's buffers are small (the
//! messages are), so that thousands of them stay cheap.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::events::Envelope;
use crate::extract::Caller;
use crate::principal::{Principal, Scope};
use crate::problem::Problem;
use crate::revocation::Revoked;
use crate::state::App;

/// The close code of a client dropped for being too slow.
pub const SLOW_CONSUMER: u16 = 1008;

/// The close code of a session whose token expired.
pub const EXPIRED: u16 = 4001;

/// The close code of a session whose key or token was revoked.
pub const REVOKED: u16 = 4003;

/// The largest message a client may send (it sends only pongs and closes).
const MAX_MESSAGE: usize = 64 * 1024;

/// The read buffer of each socket (tungstenite's default is 128 KiB, kept
/// for the socket's whole life).
const READ_BUFFER: usize = 4 * 1024;

/// Upgrades to a WebSocket of events.
#[utoipa::path(get, path = "/ws", tag = "events",
    params(
        ("connection" = String, Header, description = "`Upgrade`"),
        ("upgrade" = String, Header, description = "`websocket`"),
        ("sec-websocket-version" = String, Header, description = "`13`"),
        ("sec-websocket-key" = String, Header, description = "The client's nonce"),
        ("access_token" = Option<String>, Query, description = "The key or token, for browsers (which cannot set headers on a WebSocket)"),
    ),
    responses(
        (status = 101, description = "Switching to a WebSocket; each message is an Envelope"),
        (status = 426, description = "Not a WebSocket upgrade request", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many WebSockets open, in all or with this key or user; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn ws(
    State(app): State<App>,
    caller: Caller,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if let Err(p) = caller.require(Scope::OrdersRead) {
        return p.into_response();
    }
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(e) => {
            return Problem::new(
                axum::http::StatusCode::UPGRADE_REQUIRED,
                "upgrade-required",
                "This route is a WebSocket",
                e.body_text(),
            )
            .into_response();
        }
    };
    let principal = caller.0;
    let slot = match app.sockets.take(&principal) {
        Ok(slot) => slot,
        Err(p) => {
            metrics::counter!("zenoo_server_ws_refused_total").increment(1);
            let mut r = p.into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return r;
        }
    };
    if let Some(why) = ended(&principal, &app) {
        drop(slot);
        return crate::problem::unauthenticated(why);
    }
    upgrade
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        // Each message is written at once; the queue bounds what waits.
        .write_buffer_size(0)
        .max_write_buffer_size(4 * MAX_MESSAGE)
        .on_upgrade(move |socket| session(socket, app, principal, slot))
}

/// Why `principal`'s authority is over already, if it is.
fn ended(principal: &Principal, app: &App) -> Option<&'static str> {
    if principal
        .token_id
        .as_deref()
        .is_some_and(|jti| app.tokens.revocations().is_revoked(jti))
    {
        return Some("the token is revoked");
    }
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    if principal.expires_at.is_some_and(|exp| exp <= now) {
        return Some("the token has expired");
    }
    None
}

/// When `principal`'s authority ends, on tokio's clock.
fn deadline(principal: &Principal) -> Option<tokio::time::Instant> {
    let exp = principal.expires_at?;
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let left = Duration::from_secs(exp.saturating_sub(now));
    tokio::time::Instant::now().checked_add(left)
}

/// Whether `revoked` ends `principal`'s authority.
fn revokes(revoked: &Revoked, principal: &Principal) -> bool {
    match revoked {
        Revoked::Key(id) => principal.key_id() == Some(id.as_str()),
        Revoked::Token(jti) => principal.token_id.as_deref() == Some(jti.as_str()),
    }
}

enum Out {
    Event(Arc<Envelope>),
    Ping,
}

async fn session(
    socket: WebSocket,
    app: App,
    principal: Principal,
    slot: crate::slots::SocketSlot,
) {
    metrics::gauge!("zenoo_server_ws_clients").increment(1.0);
    let mut revocations = app.tokens.revocations().subscribe();
    let expiry = deadline(&principal);
    let (mut sink, mut stream) = socket.split();
    let queue = app.settings.ws_queue;
    let heartbeat = Duration::from_secs(app.settings.heartbeat_seconds);
    let grace = app.settings.ws_grace;
    let (out, mut pending) = mpsc::channel::<Out>(queue);
    let (close_tx, close_rx) = oneshot::channel::<CloseFrame>();
    // The writer: the only task touching the sink.
    let writer = tokio::spawn(async move {
        tokio::pin!(close_rx);
        loop {
            let item = tokio::select! {
                biased;
                frame = &mut close_rx => {
                    if let Ok(frame) = frame {
                        let _ = tokio::time::timeout(
                            Duration::from_secs(1),
                            sink.send(Message::Close(Some(frame))),
                        )
                        .await;
                    }
                    return;
                }
                item = pending.recv() => item,
            };
            let message = match item {
                Some(Out::Event(e)) => match serde_json::to_string(&*e) {
                    Ok(text) => Message::Text(Utf8Bytes::from(text)),
                    Err(_) => continue,
                },
                Some(Out::Ping) => Message::Ping(Default::default()),
                None => return,
            };
            if sink.send(message).await.is_err() {
                return;
            }
        }
    });
    let mut events = app.hub.subscribe();
    let mut ticker = tokio::time::interval(heartbeat);
    ticker.tick().await;
    let mut last_heard = tokio::time::Instant::now();
    let close = loop {
        tokio::select! {
            () = async {
                match expiry {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => break Some(frame(EXPIRED, "token expired")),
            revoked = revocations.recv() => match revoked {
                Ok(r) if revokes(&r, &principal) => break Some(frame(REVOKED, "credentials revoked")),
                Ok(_) => {}
                // Fell behind the revocations: ask the source again.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if !still_valid(&app, &principal).await {
                        break Some(frame(REVOKED, "credentials revoked"));
                    }
                }
                Err(broadcast::error::RecvError::Closed) => {}
            },
            event = events.recv() => match event {
                Ok(e) => {
                    if !visible(&principal, &e) {
                        continue;
                    }
                    // A burst may fill the queue for a moment; a client
                    // that leaves it full for the grace period is too slow.
                    let sent = tokio::time::timeout(grace, out.send(Out::Event(e))).await;
                    if !matches!(sent, Ok(Ok(()))) {
                        break Some(frame(SLOW_CONSUMER, "slow consumer"));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    break Some(frame(SLOW_CONSUMER, "slow consumer"));
                }
                Err(broadcast::error::RecvError::Closed) => break Some(frame(1001, "server stopping")),
            },
            message = stream.next() => match message {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                Some(Ok(_)) => last_heard = tokio::time::Instant::now(),
            },
            _ = ticker.tick() => {
                if last_heard.elapsed() > heartbeat * 2 {
                    break Some(frame(1001, "no answer to pings"));
                }
                if out.try_send(Out::Ping).is_err() {
                    break Some(frame(SLOW_CONSUMER, "slow consumer"));
                }
            }
        }
    };
    if let Some(f) = close {
        if f.code == SLOW_CONSUMER {
            metrics::counter!("zenoo_server_ws_dropped_total").increment(1);
            tracing::info!(principal = %principal.subject, "a WebSocket client was too slow: dropped");
        }
        let _ = close_tx.send(f);
    }
    drop(out);
    // A writer stuck on a full socket is stopped: the connection drops.
    let mut writer = writer;
    if tokio::time::timeout(Duration::from_secs(2), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    drop(slot);
    metrics::gauge!("zenoo_server_ws_clients").decrement(1.0);
}

/// Whether `principal`'s key is still live and its token not revoked (a
/// store that does not answer counts as live: the next check will tell).
async fn still_valid(app: &App, principal: &Principal) -> bool {
    if ended(principal, app).is_some() {
        return false;
    }
    match principal.key_id() {
        Some(id) => app.keys.is_live(id).await.unwrap_or(true),
        None => true,
    }
}

fn frame(code: u16, reason: &'static str) -> CloseFrame {
    CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }
}

/// Whether `principal` may see the event's order.
fn visible(principal: &Principal, e: &Envelope) -> bool {
    match (&principal.suppliers, &e.supplier_ref) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(_), Some(s)) => principal.may_see(s),
    }
}
