//! Signed outgoing webhooks: every event of this instance is POSTed to each
//! subscriber with three headers,
//!
//! - `Zenoo-Webhook-Id`: a fresh random id (the nonce),
//! - `Zenoo-Webhook-Timestamp`: seconds since the Unix epoch,
//! - `Zenoo-Webhook-Signature`: `v1=` and the hex HMAC-SHA256, under the
//!   shared secret, of `id.timestamp.body`;
//!
//! and the receiver checks them with a [`Verifier`], which refuses a
//! forged signature, a timestamp outside its window and an id it has seen.
//!
//! ```
//! use zenoo_server::subscribers::{sign, Verifier};
//! let secret = b"a-shared-secret-of-32-bytes-or-more";
//! let body = br#"{"event":"synced"}"#;
//! let now = 1_800_000_000;
//! let signature = sign(secret, "id-1", now, body);
//! let verifier = Verifier::new(secret.to_vec(), std::time::Duration::from_secs(300));
//! assert!(verifier.verify_at("id-1", now, &signature, body, now).is_ok());
//! // The same delivery again is a replay.
//! assert!(verifier.verify_at("id-1", now, &signature, body, now).is_err());
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::sync::broadcast;

use crate::config::SubscriberConfig;
use crate::events::{Envelope, EventHub};

/// The header with the delivery's id.
pub const ID_HEADER: &str = "zenoo-webhook-id";
/// The header with the delivery's time.
pub const TIMESTAMP_HEADER: &str = "zenoo-webhook-timestamp";
/// The header with the signature.
pub const SIGNATURE_HEADER: &str = "zenoo-webhook-signature";

/// `v1=` and the hex HMAC-SHA256 under `secret` of `id.timestamp.body`.
pub fn sign(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1={}", hex::encode(mac(secret, id, timestamp, body)))
}

fn mac(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length; were it ever refused, an empty MAC
    // matches no signature.
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return Vec::new();
    };
    m.update(id.as_bytes());
    m.update(b".");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A header is missing or malformed.
    #[error("the {0} header is missing or malformed")]
    Header(&'static str),
    /// The signature does not match.
    #[error("the signature does not match the body")]
    Signature,
    /// The timestamp is outside the window.
    #[error("the timestamp is {0} s from now, outside the window")]
    Stale(i64),
    /// This id was already accepted.
    #[error("this delivery was already received (replay)")]
    Replay,
}

/// The receiver's check: signature, time window and nonce.
#[derive(Debug)]
pub struct Verifier {
    secret: Vec<u8>,
    window: Duration,
    seen: Mutex<HashMap<String, i64>>,
}

/// Most ids a verifier remembers; older ones fall outside the window first.
const MAX_SEEN: usize = 100_000;

impl Verifier {
    /// A verifier for `secret`, accepting timestamps within `window` of
    /// its clock.
    pub fn new(secret: Vec<u8>, window: Duration) -> Self {
        Self {
            secret,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Checks a delivery by its headers, now.
    ///
    /// # Errors
    /// What is wrong with it; nothing is remembered then.
    pub fn verify(&self, headers: &axum::http::HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        let get = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(VerifyError::Header(name))
        };
        let id = get(ID_HEADER)?;
        let timestamp: i64 = get(TIMESTAMP_HEADER)?
            .parse()
            .map_err(|_| VerifyError::Header(TIMESTAMP_HEADER))?;
        let signature = get(SIGNATURE_HEADER)?;
        self.verify_at(
            id,
            timestamp,
            signature,
            body,
            chrono::Utc::now().timestamp(),
        )
    }

    /// Checks a delivery as of `now` (seconds since the Unix epoch).
    ///
    /// # Errors
    /// What is wrong with it; nothing is remembered then.
    pub fn verify_at(
        &self,
        id: &str,
        timestamp: i64,
        signature: &str,
        body: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        let given = signature
            .strip_prefix("v1=")
            .and_then(|h| hex::decode(h).ok())
            .ok_or(VerifyError::Header(SIGNATURE_HEADER))?;
        let expected = mac(&self.secret, id, timestamp, body);
        if !bool::from(given.as_slice().ct_eq(expected.as_slice())) {
            return Err(VerifyError::Signature);
        }
        let window = i64::try_from(self.window.as_secs()).unwrap_or(i64::MAX);
        let skew = now.saturating_sub(timestamp);
        if skew.saturating_abs() > window {
            return Err(VerifyError::Stale(skew));
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= MAX_SEEN {
            seen.retain(|_, t| now.saturating_sub(*t) <= window);
        }
        if seen.contains_key(id) {
            return Err(VerifyError::Replay);
        }
        seen.insert(id.to_string(), timestamp);
        Ok(())
    }
}

/// Starts one delivery task per subscriber: this instance's own events
/// (other instances deliver theirs), signed, with three tries.
pub(crate) fn start(
    hub: &EventHub,
    subscribers: &[SubscriberConfig],
) -> Vec<tokio::task::JoinHandle<()>> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    subscribers
        .iter()
        .map(|s| {
            let mut events = hub.subscribe();
            let instance = hub.instance().to_string();
            let sub = Arc::new(s.clone());
            let http = http.clone();
            tokio::spawn(async move {
                loop {
                    let envelope = match events.recv().await {
                        Ok(e) => e,
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!(url = %sub.url, missed = n, "a subscriber fell behind: events skipped");
                            metrics::counter!("zenoo_server_webhook_deliveries_total", "result" => "skipped").increment(n);
                            continue;
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    };
                    if envelope.instance != instance
                        || sub
                            .events
                            .as_ref()
                            .is_some_and(|names| !names.iter().any(|n| n == envelope.name()))
                    {
                        continue;
                    }
                    deliver(&http, &sub, &envelope).await;
                }
            })
        })
        .collect()
}

async fn deliver(http: &reqwest::Client, sub: &SubscriberConfig, envelope: &Envelope) {
    let Ok(body) = serde_json::to_vec(envelope) else {
        return;
    };
    let id = uuid::Uuid::new_v4().to_string();
    for attempt in 0..3u32 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
        }
        let ts = chrono::Utc::now().timestamp();
        let signature = sign(sub.secret.expose_secret().as_bytes(), &id, ts, &body);
        let sent = http
            .post(sub.url.clone())
            .header("content-type", "application/json")
            .header(ID_HEADER, &id)
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {
                metrics::counter!("zenoo_server_webhook_deliveries_total", "result" => "ok")
                    .increment(1);
                return;
            }
            Ok(r) => {
                tracing::warn!(url = %sub.url, status = %r.status(), attempt, "a subscriber refused an event")
            }
            Err(e) => {
                tracing::warn!(url = %sub.url, error = %e, attempt, "an event could not be delivered")
            }
        }
    }
    metrics::counter!("zenoo_server_webhook_deliveries_total", "result" => "failed").increment(1);
}
