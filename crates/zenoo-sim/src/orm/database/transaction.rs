//! What PostgreSQL's snapshot isolation does to concurrent writers under
//! Odoo, as an opt-in: a request that writes a record another request
//! committed after this request began fails with Odoo's serialization
//! failure (first committer wins), instead of silently overwriting it.
//!
//! Requests are serialised by the simulator's write lock, so "concurrent"
//! means "began before the other one committed": each request takes a
//! [`snapshot`] when it arrives, and each committed write stamps the
//! records it touched with a new value of one process-wide clock.

use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashMap;

use crate::error::{OdooException, OdooResult};
use crate::orm::database::{Database, Env};

static CLOCK: AtomicU64 = AtomicU64::new(1);

/// The commit clock now: what a request that arrives now has seen.
pub fn snapshot() -> u64 {
    CLOCK.load(Ordering::Acquire)
}

/// Per-record commit stamps of one database, kept for the requests that
/// carry a snapshot (the switch is on).
#[derive(Debug, Clone, Default)]
pub struct Commits {
    stamps: FxHashMap<(String, i64), u64>,
}

impl Database {
    /// Fails with `psycopg2.errors.SerializationFailure` when a record in
    /// `ids` was committed by another request after `env`'s snapshot.
    pub(crate) fn check_conflicts(&self, model: &str, ids: &[i64], env: &Env) -> OdooResult<()> {
        let Some(seen) = env.snapshot else {
            return Ok(());
        };
        let conflict = ids.iter().any(|id| {
            self.commits
                .stamps
                .get(&(model.to_string(), *id))
                .is_some_and(|stamp| *stamp > seen)
        });
        if conflict {
            return Err(OdooException::new(
                "psycopg2.errors.SerializationFailure",
                "could not serialize access due to concurrent update",
            ));
        }
        Ok(())
    }

    /// Records that `ids` were just committed.
    pub(crate) fn stamp_writes(&mut self, model: &str, ids: &[i64], env: &Env) {
        if env.snapshot.is_none() || ids.is_empty() {
            return;
        }
        let stamp = CLOCK.fetch_add(1, Ordering::AcqRel) + 1;
        for id in ids {
            self.commits.stamps.insert((model.to_string(), *id), stamp);
        }
    }
}
