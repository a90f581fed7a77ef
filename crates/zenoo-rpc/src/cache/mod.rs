//! A cache of read results, as a layer of the client's stack: opt-in per
//! client ([`ClientBuilder::cache`](crate::ClientBuilder::cache)) and per
//! call or query (`.cache(ttl)`).
//!
//! ```no_run
//! # async fn run() -> zenoo_rpc::Result<()> {
//! use std::time::Duration;
//! use zenoo_rpc::{CacheConfig, Client};
//!
//! let client = Client::builder("http://localhost:8069")
//!     .database("demo")
//!     .password("admin", "admin")
//!     // 64 MB in this process; only calls marked `.cache(ttl)` use it.
//!     .cache(CacheConfig::memory(64 << 20))
//!     .build()
//!     .await?;
//! let companies = client
//!     .model_named("res.partner")
//!     .filter(zenoo_rpc::Q::eq("is_company", true))
//!     .cache(Duration::from_secs(30))
//!     .count()
//!     .await?;
//! # let _ = companies;
//! println!("{:?}", client.cache_stats());
//! # Ok(()) }
//! ```
//!
//! # Backends
//! - [`CacheConfig::memory`]: a size-bounded [`moka`] cache in this process
//!   (TTL per entry, optional time-to-idle, TinyLFU or LRU eviction).
//! - [`CacheConfig::redis`]: entries in Redis, shared by every process that
//!   talks to the same Odoo database (one round trip per lookup).
//! - [`CacheConfig::tiered`]: memory in front of Redis; a Redis hit fills
//!   memory for the entry's remaining TTL.
//!
//! Entries are the result's bytes as the server sent them (JSON, or XML
//! for XML-RPC) behind a 27-byte header: decoding a hit is decoding the
//! original response, with no second format in between (the `cache` bench
//! compares this with MessagePack).
//!
//! # What is cached
//! Calls the [method table](crate::method) marks read-only (`search_read`,
//! `read`, `search_count`, `fields_get`, ...), with the TTL they ask for
//! (`.cache(ttl)`) or the client's [`default_ttl`](CacheConfig::default_ttl).
//! A call of a method the table does not know is cached only when it is
//! marked `.cache(ttl)`. `.cache(Duration::ZERO)` opts a call out.
//!
//! # Keys
//! A SHA-256 digest of the server URL (without credentials), database,
//! uid, protocol, model, method, positional and keyword arguments and the
//! call's effective context, with object keys sorted: users, databases and
//! languages never share entries. Passwords and API keys are never part of
//! a key or a value.
//!
//! # Invalidation
//! Every call that is not a read invalidates, in every tier, the entries of
//! the models it touches, whatever its outcome (a write that failed may
//! have been applied):
//! - `create`, `write`, `unlink` and the table's other writes: their model,
//!   the models declared with [`CacheConfig::depends`], and the comodels of
//!   x2many commands in their values (when the client knows the model's
//!   fields; otherwise everything);
//! - any other method (a workflow button, a custom method): everything,
//!   since the client cannot know what it changes.
//!
//! Invalidation bumps a per-model generation counter (in Redis, `INCR` of
//! one key per model); entries of an older generation are never served.
//! Nothing scans keys.
//!
//! # Staleness
//! Changes made by other clients, by Odoo itself (scheduled actions,
//! stored computed fields on other models) or through another process's
//! memory tier are seen when the entry expires: the TTL is the bound on
//! staleness, choose it per query. With Redis (alone or tiered), writes
//! through any Zenoo client sharing the Redis invalidate everyone's Redis
//! entries at once; a tiered memory entry can still be served until its
//! own TTL, which is never longer than what the Redis entry had left.
//!
//! # Stampedes and outages
//! Concurrent misses for one key in one client make one server call; the
//! others wait for its result (if it fails, the next waiter calls).
//! Across processes each one makes its own call and the last store wins.
//! When Redis is unreachable or slow (each command has a timeout, 250 ms
//! by default), calls go on with the memory tier and the server; the outage
//! is logged once, Redis is tried again with backoff (100 ms doubling to
//! 30 s), and when it is back the epoch is bumped if invalidations were
//! lost meanwhile.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::error::Result;
use crate::response::Encoding;

mod key;
pub(crate) mod layer;
mod memory;
#[cfg(feature = "redis")]
mod redis;

pub(crate) use key::Identity;
use key::Key;
use memory::Memory;

/// How entries are chosen for eviction when the memory tier is full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Eviction {
    /// Admit by frequency, evict the least recently used (moka's default;
    /// resists scans that would flush hot entries).
    #[default]
    TinyLfu,
    /// Plain least recently used.
    Lru,
}

#[derive(Debug, Clone)]
enum Tiers {
    Memory,
    #[cfg(feature = "redis")]
    Redis(String),
    #[cfg(feature = "redis")]
    Tiered(String),
}

/// Which cache a client uses and how: see the [module docs](self).
#[derive(Debug, Clone)]
pub struct CacheConfig {
    tiers: Tiers,
    max_bytes: u64,
    default_ttl: Option<Duration>,
    time_to_idle: Option<Duration>,
    eviction: Eviction,
    redis_timeout: Duration,
    depends: HashMap<String, Vec<String>>,
}

impl CacheConfig {
    fn new(tiers: Tiers, max_bytes: u64) -> Self {
        Self {
            tiers,
            max_bytes,
            default_ttl: None,
            time_to_idle: None,
            eviction: Eviction::default(),
            redis_timeout: Duration::from_millis(250),
            depends: HashMap::new(),
        }
    }

    /// An in-memory cache of at most `max_bytes` of results.
    pub fn memory(max_bytes: u64) -> Self {
        Self::new(Tiers::Memory, max_bytes)
    }

    /// A Redis cache at `url` (`redis://host:6379/0`); nothing is connected
    /// until the first cached call.
    #[cfg(feature = "redis")]
    pub fn redis(url: impl Into<String>) -> Self {
        Self::new(Tiers::Redis(url.into()), 0)
    }

    /// At most `max_bytes` in memory in front of Redis at `url`.
    #[cfg(feature = "redis")]
    pub fn tiered(max_bytes: u64, url: impl Into<String>) -> Self {
        Self::new(Tiers::Tiered(url.into()), max_bytes)
    }

    /// Caches every read for `ttl`, not only the calls marked `.cache(ttl)`.
    #[must_use]
    pub fn default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = Some(ttl);
        self
    }

    /// Drops memory entries not read for `d` (before their TTL).
    #[must_use]
    pub fn time_to_idle(mut self, d: Duration) -> Self {
        self.time_to_idle = Some(d);
        self
    }

    /// The memory tier's eviction policy.
    #[must_use]
    pub fn eviction(mut self, eviction: Eviction) -> Self {
        self.eviction = eviction;
        self
    }

    /// How long one Redis command may take before Redis counts as down
    /// (default 250 ms).
    #[must_use]
    pub fn redis_timeout(mut self, d: Duration) -> Self {
        self.redis_timeout = d;
        self
    }

    /// Declares that writes to `model` change what reads of `others`
    /// return (stored computed or related fields, such as an order's total
    /// after its lines are written): they invalidate those models too.
    #[must_use]
    pub fn depends<'a>(
        mut self,
        model: impl Into<String>,
        others: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.depends
            .entry(model.into())
            .or_default()
            .extend(others.into_iter().map(str::to_string));
        self
    }
}

/// What one cache backend has done: [`Client::cache_stats`](crate::Client::cache_stats).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CacheStats {
    /// `memory` or `redis`.
    pub backend: &'static str,
    /// Lookups answered from this backend.
    pub hits: u64,
    /// Lookups this backend could not answer.
    pub misses: u64,
    /// Entries dropped to stay within the size bound.
    pub evictions: u64,
    /// Entries held now (memory only).
    pub entries: Option<u64>,
    /// Bytes held now, with bookkeeping (memory only).
    pub bytes: Option<u64>,
    /// Commands that failed or timed out (Redis only).
    pub errors: u64,
}

impl CacheStats {
    fn new(
        backend: &'static str,
        (hits, misses): (u64, u64),
        evictions: u64,
        entries: Option<u64>,
        bytes: Option<u64>,
    ) -> Self {
        Self {
            backend,
            hits,
            misses,
            evictions,
            entries,
            bytes,
            errors: 0,
        }
    }

    /// Hits over lookups, `0.0` before any lookup.
    pub fn hit_rate(&self) -> f64 {
        let total = self.hits.saturating_add(self.misses);
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

/// Hit and miss counts of one backend, also exported as
/// `zenoo_cache_requests_total{backend, result}`.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

impl Lookups {
    /// Counts one lookup of `backend`.
    pub(crate) fn record(&self, backend: &'static str, hit: bool) {
        use std::sync::atomic::Ordering;
        let (counter, result) = if hit {
            (&self.hits, "hit")
        } else {
            (&self.misses, "miss")
        };
        counter.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("zenoo_cache_requests_total", "backend" => backend, "result" => result)
            .increment(1);
    }

    /// (hits, misses) so far.
    pub(crate) fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering;
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// The generation an entry was read at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Version {
    /// Bumped when everything is invalidated.
    pub(crate) epoch: u64,
    /// Bumped when the entry's model is invalidated.
    pub(crate) generation: u64,
}

/// The versions a lookup saw, per tier: an entry filled after the lookup
/// is stored under them, so a write in between makes it stale at once.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Token {
    pub(crate) local: Option<Version>,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) remote: Option<Version>,
}

/// A result as a backend keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) encoding: Encoding,
    pub(crate) body: Bytes,
}

/// What a lookup found.
#[derive(Debug, Default)]
pub(crate) struct Lookup {
    pub(crate) entry: Option<Entry>,
    pub(crate) token: Token,
    /// How long the entry has left, when the backend knows.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) remaining: Option<Duration>,
}

/// What a call invalidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Invalidation {
    Models(Vec<String>),
    Everything,
}

/// The future of a backend operation.
pub(crate) type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One cache backend. Operations never fail: a backend that cannot answer
/// misses, and one that cannot store drops the entry.
pub(crate) trait Backend: Send + Sync {
    /// The entry under `key`, if it is of the current generation.
    fn lookup<'a>(&'a self, key: &'a Key) -> BackendFuture<'a, Lookup>;
    /// Keeps `entry` under `key` for `ttl`, at the versions of `token`.
    fn store<'a>(
        &'a self,
        key: &'a Key,
        token: Token,
        entry: Entry,
        ttl: Duration,
    ) -> BackendFuture<'a, ()>;
    /// Makes the entries `what` names stale.
    fn invalidate<'a>(&'a self, what: &'a Invalidation) -> BackendFuture<'a, ()>;
    /// Counters, one per tier.
    fn stats(&self) -> Vec<CacheStats>;
}

/// Memory in front of Redis.
#[cfg(feature = "redis")]
struct Tiered {
    l1: Memory,
    l2: redis::Redis,
}

#[cfg(feature = "redis")]
impl Backend for Tiered {
    fn lookup<'a>(&'a self, key: &'a Key) -> BackendFuture<'a, Lookup> {
        Box::pin(async move {
            let near = self.l1.get(key);
            if near.entry.is_some() {
                return near;
            }
            let far = self.l2.lookup(key).await;
            if let (Some(entry), Some(v), Some(left)) =
                (&far.entry, near.token.local, far.remaining)
            {
                self.l1.put(key, v, entry.clone(), left);
            }
            Lookup {
                entry: far.entry,
                token: Token {
                    local: near.token.local,
                    remote: far.token.remote,
                },
                remaining: far.remaining,
            }
        })
    }

    fn store<'a>(
        &'a self,
        key: &'a Key,
        token: Token,
        entry: Entry,
        ttl: Duration,
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            if let Some(v) = token.local {
                self.l1.put(key, v, entry.clone(), ttl);
            }
            self.l2.store(key, token, entry, ttl).await;
        })
    }

    fn invalidate<'a>(&'a self, what: &'a Invalidation) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            self.l1.bump(what);
            self.l2.invalidate(what).await;
        })
    }

    fn stats(&self) -> Vec<CacheStats> {
        vec![self.l1.stats(), self.l2.stats()]
    }
}

/// The backend `config` describes, for the client `who`.
pub(crate) fn backend(config: &CacheConfig, who: &Identity) -> Result<Arc<dyn Backend>> {
    #[cfg(not(feature = "redis"))]
    let _ = who;
    let memory = || Memory::new(config.max_bytes, config.time_to_idle, config.eviction);
    Ok(match &config.tiers {
        Tiers::Memory => Arc::new(memory()),
        #[cfg(feature = "redis")]
        Tiers::Redis(url) => Arc::new(redis::Redis::new(url, who.scope(), config.redis_timeout)?),
        #[cfg(feature = "redis")]
        Tiers::Tiered(url) => Arc::new(Tiered {
            l1: memory(),
            l2: redis::Redis::new(url, who.scope(), config.redis_timeout)?,
        }),
    })
}
