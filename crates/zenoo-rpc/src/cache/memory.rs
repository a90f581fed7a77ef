//! The in-memory backend: a size-bounded `moka` cache in this process.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::notification::RemovalCause;

use super::{
    Backend, BackendFuture, CacheStats, Entry, Eviction, Invalidation, Key, Lookup, Lookups, Token,
    Version,
};

/// What the memory backend keeps per key.
struct Stored {
    version: Version,
    entry: Entry,
    expires: Instant,
}

/// Per-entry expiry: each entry lives for the TTL its call asked for.
struct PerEntryTtl;

impl moka::Expiry<[u8; 32], Arc<Stored>> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _: &[u8; 32],
        value: &Arc<Stored>,
        created_at: Instant,
    ) -> Option<Duration> {
        Some(value.expires.saturating_duration_since(created_at))
    }
}

#[derive(Default)]
struct Counters {
    lookups: Lookups,
    evictions: AtomicU64,
}

/// The in-memory backend. Its generation counters are this process's own:
/// writes made by other processes reach it only through its entries' TTL.
pub(crate) struct Memory {
    entries: moka::sync::Cache<[u8; 32], Arc<Stored>>,
    /// Per-model generations, bumped by writes through this client.
    generations: Mutex<HashMap<String, u64>>,
    /// Bumped by calls whose effects the client cannot bound to models.
    epoch: AtomicU64,
    counters: Arc<Counters>,
}

impl Memory {
    pub(crate) fn new(max_bytes: u64, tti: Option<Duration>, eviction: Eviction) -> Self {
        let counters = Arc::new(Counters::default());
        let evicted = counters.clone();
        let mut builder = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_: &[u8; 32], v: &Arc<Stored>| {
                // The key, the bookkeeping and the bytes.
                u32::try_from(v.entry.body.len().saturating_add(96)).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .eviction_policy(match eviction {
                Eviction::TinyLfu => moka::policy::EvictionPolicy::tiny_lfu(),
                Eviction::Lru => moka::policy::EvictionPolicy::lru(),
            })
            .eviction_listener(move |_, _, cause| {
                if cause == RemovalCause::Size {
                    evicted.evictions.fetch_add(1, Ordering::Relaxed);
                }
            });
        if let Some(d) = tti {
            builder = builder.time_to_idle(d);
        }
        Self {
            entries: builder.build(),
            generations: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            counters,
        }
    }

    /// The current version of `model`'s entries.
    pub(crate) fn version(&self, model: &str) -> Version {
        let generation = self
            .generations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(model)
            .copied()
            .unwrap_or(0);
        Version {
            epoch: self.epoch.load(Ordering::Acquire),
            generation,
        }
    }

    pub(crate) fn get(&self, key: &Key) -> Lookup {
        let current = self.version(&key.model);
        let found = self
            .entries
            .get(&key.digest)
            .filter(|s| s.version == current && s.expires > Instant::now());
        self.counters.lookups.record("memory", found.is_some());
        Lookup {
            entry: found.map(|s| s.entry.clone()),
            token: Token {
                local: Some(current),
                remote: None,
            },
            remaining: None,
        }
    }

    pub(crate) fn put(&self, key: &Key, version: Version, entry: Entry, ttl: Duration) {
        let expires = Instant::now() + ttl;
        self.entries.insert(
            key.digest,
            Arc::new(Stored {
                version,
                entry,
                expires,
            }),
        );
    }

    pub(crate) fn bump(&self, what: &Invalidation) {
        match what {
            Invalidation::Models(models) => {
                let mut g = self
                    .generations
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                for m in models {
                    let n = g.entry(m.clone()).or_insert(0);
                    *n = n.wrapping_add(1);
                }
            }
            Invalidation::Everything => {
                self.epoch.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    pub(crate) fn stats(&self) -> CacheStats {
        self.entries.run_pending_tasks();
        CacheStats::new(
            "memory",
            self.counters.lookups.counts(),
            self.counters.evictions.load(Ordering::Relaxed),
            Some(self.entries.entry_count()),
            Some(self.entries.weighted_size()),
        )
    }
}

impl Backend for Memory {
    fn lookup<'a>(&'a self, key: &'a Key) -> BackendFuture<'a, Lookup> {
        Box::pin(async move { self.get(key) })
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
                self.put(key, v, entry, ttl);
            }
        })
    }

    fn invalidate<'a>(&'a self, what: &'a Invalidation) -> BackendFuture<'a, ()> {
        Box::pin(async move { self.bump(what) })
    }

    fn stats(&self) -> Vec<CacheStats> {
        vec![Memory::stats(self)]
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::response::Encoding;

    fn key(i: u32) -> Key {
        let mut digest = [0; 32];
        digest[..4].copy_from_slice(&i.to_le_bytes());
        Key {
            digest,
            model: "res.partner".into(),
        }
    }

    #[test]
    fn the_size_bound_evicts_and_a_bump_makes_entries_stale() {
        let m = Memory::new(16 * 1024, None, Eviction::Lru);
        let v = m.version("res.partner");
        for i in 0..100 {
            let entry = Entry {
                encoding: Encoding::Json,
                body: Bytes::from(vec![b'1'; 1000]),
            };
            m.put(&key(i), v, entry, Duration::from_secs(60));
        }
        let s = m.stats();
        assert!(s.evictions > 0, "{s:?}");
        assert!(s.bytes.is_some_and(|b| b <= 16 * 1024), "{s:?}");
        assert!(m.get(&key(99)).entry.is_some(), "the newest entry stays");
        m.bump(&Invalidation::Models(vec!["res.country".into()]));
        assert!(m.get(&key(99)).entry.is_some(), "another model's bump");
        m.bump(&Invalidation::Models(vec!["res.partner".into()]));
        assert!(m.get(&key(99)).entry.is_none());
    }
}
