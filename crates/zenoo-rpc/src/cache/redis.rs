//! The Redis backend: entries shared by every process that talks to the
//! same Odoo database, with per-model generation counters in Redis.
//!
//! Keys (`<scope>` is a hash of the server URL and database):
//! - `zenoo:c:<digest>`: an entry, with the generation it was read at,
//!   its expiry and its bytes; Redis expires it (`PX`) at its TTL;
//! - `zenoo:g:<scope>:<model>`: the model's generation, `INCR`ed by writes;
//! - `zenoo:e:<scope>`: the epoch, `INCR`ed by calls the client cannot
//!   bound to models, and after an outage during which invalidations were
//!   lost.
//!
//! A lookup is one round trip (a pipeline of three `GET`s); nothing on the
//! hot path scans keys.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{
    Backend, BackendFuture, CacheStats, Entry, Invalidation, Key, Lookup, Lookups, Token, Version,
};
use crate::error::{Error, Result};
use crate::response::Encoding;

const MAGIC: [u8; 2] = [b'Z', 1];
const HEADER: usize = 2 + 8 + 8 + 8 + 1;
/// The longest wait after a failure before Redis is tried again.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const MIN_BACKOFF: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Counters {
    lookups: Lookups,
    errors: AtomicU64,
}

/// The connection and what is known about Redis's health.
struct Link {
    conn: Option<ConnectionManager>,
    /// Not tried again before this instant.
    retry_at: Option<Instant>,
    backoff: Duration,
    /// Invalidations were lost while Redis was unreachable: the epoch is
    /// bumped as soon as it is back.
    lost_invalidations: bool,
    /// Whether the outage has been logged (once per outage).
    down_logged: bool,
    connecting: bool,
}

pub(crate) struct Redis {
    client: redis::Client,
    scope: String,
    op_timeout: Duration,
    link: Mutex<Link>,
    counters: Counters,
    /// Shown in logs: the URL without its password.
    shown: String,
}

impl Redis {
    /// A backend for `url`; nothing is connected until the first call.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `url` is not a Redis URL.
    pub(crate) fn new(url: &str, scope: String, op_timeout: Duration) -> Result<Self> {
        let client = redis::Client::open(url).map_err(|e| {
            Error::config(
                "cache",
                format!(
                    "{} is not a Redis URL: {e}",
                    crate::transport::http::redact_str(url)
                ),
            )
        })?;
        Ok(Self {
            client,
            scope,
            op_timeout,
            link: Mutex::new(Link {
                conn: None,
                retry_at: None,
                backoff: MIN_BACKOFF,
                lost_invalidations: false,
                down_logged: false,
                connecting: false,
            }),
            counters: Counters::default(),
            shown: crate::transport::http::redact_str(url),
        })
    }

    /// A connection, or `None` while Redis is down (then the caller goes on
    /// without it). One caller at a time tries to reconnect.
    async fn conn(&self) -> Option<ConnectionManager> {
        {
            let mut link = self
                .link
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(c) = &link.conn {
                return Some(c.clone());
            }
            if link.connecting || link.retry_at.is_some_and(|t| Instant::now() < t) {
                return None;
            }
            link.connecting = true;
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.op_timeout)
            .set_response_timeout(self.op_timeout)
            .set_number_of_retries(1);
        let made = tokio::time::timeout(
            self.op_timeout.saturating_mul(3),
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await;
        let conn = match made {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                self.down(&e.to_string(), true);
                return None;
            }
            Err(_) => {
                self.down("connecting timed out", true);
                return None;
            }
        };
        let lost = {
            let mut link = self
                .link
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            link.connecting = false;
            link.conn = Some(conn.clone());
            link.retry_at = None;
            link.backoff = MIN_BACKOFF;
            if link.down_logged {
                tracing::info!(target: "zenoo_rpc::cache", redis = %self.shown, "the Redis cache is reachable again");
            }
            link.down_logged = false;
            std::mem::take(&mut link.lost_invalidations)
        };
        if lost {
            // Writes went unrecorded while Redis was away: entries written
            // before them must not be served.
            let mut c = conn.clone();
            let bumped: Result<(), ()> = self
                .timed(
                    redis::cmd("INCR")
                        .arg(self.epoch_key())
                        .query_async::<u64>(&mut c),
                )
                .await
                .map(|_| ());
            if bumped.is_err() {
                self.lose_invalidations();
                return None;
            }
        }
        Some(conn)
    }

    /// Records a failure: Redis is left alone for a growing while, and the
    /// first failure of an outage is logged.
    fn down(&self, why: &str, was_connecting: bool) {
        self.counters.errors.fetch_add(1, Ordering::Relaxed);
        let mut link = self
            .link
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if was_connecting {
            link.connecting = false;
        }
        link.conn = None;
        link.retry_at = Some(Instant::now() + link.backoff);
        link.backoff = link.backoff.saturating_mul(2).min(MAX_BACKOFF);
        if !link.down_logged {
            link.down_logged = true;
            tracing::warn!(target: "zenoo_rpc::cache", redis = %self.shown, error = why,
                "the Redis cache is unreachable; calls go on without it and it is tried again with backoff");
        }
    }

    fn lose_invalidations(&self) {
        self.link
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .lost_invalidations = true;
    }

    async fn timed<T>(
        &self,
        fut: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, ()> {
        match tokio::time::timeout(self.op_timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                self.down(&e.to_string(), false);
                Err(())
            }
            Err(_) => {
                self.down("a command timed out", false);
                Err(())
            }
        }
    }

    fn epoch_key(&self) -> String {
        format!("zenoo:e:{}", self.scope)
    }

    fn generation_key(&self, model: &str) -> String {
        format!("zenoo:g:{}:{model}", self.scope)
    }

    async fn get(&self, key: &Key) -> Lookup {
        let miss = Lookup::default();
        let Some(mut conn) = self.conn().await else {
            return miss;
        };
        let mut pipe = redis::pipe();
        pipe.get(self.epoch_key())
            .get(self.generation_key(&key.model))
            .get(format!("zenoo:c:{}", key.hex()));
        let Ok((epoch, generation, raw)) = self
            .timed(pipe.query_async::<(Option<u64>, Option<u64>, Option<Vec<u8>>)>(&mut conn))
            .await
        else {
            return miss;
        };
        let version = Version {
            epoch: epoch.unwrap_or(0),
            generation: generation.unwrap_or(0),
        };
        let found = raw.and_then(|r| decode(r, version));
        self.counters.lookups.record("redis", found.is_some());
        let (entry, remaining) = found.unzip();
        Lookup {
            entry,
            token: Token {
                local: None,
                remote: Some(version),
            },
            remaining,
        }
    }

    async fn put(&self, key: &Key, version: Version, entry: &Entry, ttl: Duration) {
        let Some(mut conn) = self.conn().await else {
            return;
        };
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let value = encode(version, entry, ttl);
        let _ = self
            .timed(
                redis::cmd("SET")
                    .arg(format!("zenoo:c:{}", key.hex()))
                    .arg(value)
                    .arg("PX")
                    .arg(ms)
                    .query_async::<()>(&mut conn),
            )
            .await;
    }

    async fn bump(&self, what: &Invalidation) {
        let Some(mut conn) = self.conn().await else {
            self.lose_invalidations();
            return;
        };
        let mut pipe = redis::pipe();
        match what {
            Invalidation::Models(models) => {
                for m in models {
                    pipe.incr(self.generation_key(m), 1).ignore();
                }
            }
            Invalidation::Everything => {
                pipe.incr(self.epoch_key(), 1).ignore();
            }
        }
        if self.timed(pipe.query_async::<()>(&mut conn)).await.is_err() {
            self.lose_invalidations();
        }
    }

    pub(crate) fn stats(&self) -> CacheStats {
        let mut s = CacheStats::new("redis", self.counters.lookups.counts(), 0, None, None);
        s.errors = self.counters.errors.load(Ordering::Relaxed);
        s
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// `MAGIC`, the version, the expiry (Unix ms), the encoding, the bytes.
fn encode(version: Version, entry: &Entry, ttl: Duration) -> Vec<u8> {
    let expires = now_ms().saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
    let mut v = Vec::with_capacity(HEADER + entry.body.len());
    v.extend_from_slice(&MAGIC);
    v.extend_from_slice(&version.epoch.to_le_bytes());
    v.extend_from_slice(&version.generation.to_le_bytes());
    v.extend_from_slice(&expires.to_le_bytes());
    v.push(entry.encoding.tag());
    v.extend_from_slice(&entry.body);
    v
}

/// The entry in `raw` and how long it has left, when it was stored at
/// `current` (otherwise a write has made it stale). Anything that is not
/// an entry of this format is a miss.
fn decode(raw: Vec<u8>, current: Version) -> Option<(Entry, Duration)> {
    let header = raw.get(..HEADER)?;
    if header.get(..2)? != MAGIC {
        return None;
    }
    let word = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(header.get(at..at + 8)?.try_into().ok()?))
    };
    let version = Version {
        epoch: word(2)?,
        generation: word(10)?,
    };
    if version != current {
        return None;
    }
    let left = word(18)?.checked_sub(now_ms()).filter(|l| *l > 0)?;
    let encoding = Encoding::from_tag(*header.get(26)?)?;
    let body = Bytes::from(raw).slice(HEADER..);
    Some((Entry { encoding, body }, Duration::from_millis(left)))
}

impl Backend for Redis {
    fn lookup<'a>(&'a self, key: &'a Key) -> BackendFuture<'a, Lookup> {
        Box::pin(self.get(key))
    }

    fn store<'a>(
        &'a self,
        key: &'a Key,
        token: Token,
        entry: Entry,
        ttl: Duration,
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            if let Some(v) = token.remote {
                self.put(key, v, &entry, ttl).await;
            }
        })
    }

    fn invalidate<'a>(&'a self, what: &'a Invalidation) -> BackendFuture<'a, ()> {
        Box::pin(self.bump(what))
    }

    fn stats(&self) -> Vec<CacheStats> {
        vec![Redis::stats(self)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_stale_or_foreign_bytes_are_misses() {
        let v = Version {
            epoch: 3,
            generation: 9,
        };
        let entry = Entry {
            encoding: Encoding::Json,
            body: Bytes::from_static(b"[1,2,3]"),
        };
        let raw = encode(v, &entry, Duration::from_secs(60));
        let (back, left) = decode(raw.clone(), v).expect("a fresh entry");
        assert_eq!(&back.body[..], b"[1,2,3]");
        assert_eq!(back.encoding, Encoding::Json);
        assert!(left > Duration::from_secs(58));
        let newer = Version {
            epoch: 3,
            generation: 10,
        };
        assert!(decode(raw.clone(), newer).is_none());
        assert!(decode(raw[..10].to_vec(), v).is_none());
        assert!(decode(b"not an entry at all, just bytes".to_vec(), v).is_none());
    }
}
