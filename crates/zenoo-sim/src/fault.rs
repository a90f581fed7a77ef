//! Faults injected into responses, by rate or by script, deterministic
//! with a seed.

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// One injected fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer after this delay (then normally).
    Latency(Duration),
    /// Answer with this HTTP status and an HTML body.
    Status(u16),
    /// Close the connection without an answer.
    Reset,
    /// Send only the first half of the JSON body.
    Truncate,
    /// Answer JSON-RPC calls with code 100 "Odoo Session Expired" and drop web sessions.
    SessionExpired,
    /// Raise `psycopg2.errors.SerializationFailure`.
    SerializationFailure,
    /// Panic inside the handler: checks that the simulator survives its own
    /// bugs (the request gets a 500, the next one is served).
    Panic,
    /// Answer 429 Too Many Requests with `Retry-After` in whole seconds, as
    /// a throttling proxy in front of a hosted Odoo does.
    Throttle(Duration),
}

impl Fault {
    /// The names `--faults` takes: an HTTP status (`502`, `503`, `504`,
    /// `500`, or `429` with `Retry-After: 1`), `reset`, `timeout` (an answer
    /// held for `timeout`), `truncate`, `serialization`, `session-expiry`,
    /// `panic`.
    ///
    /// # Errors
    /// The name that is not one of those, in a sentence.
    pub fn parse(name: &str, timeout: Duration) -> Result<Self, String> {
        Ok(match name.trim() {
            "429" => Self::Throttle(Duration::from_secs(1)),
            "reset" => Self::Reset,
            "timeout" => Self::Latency(timeout),
            "truncate" => Self::Truncate,
            "serialization" => Self::SerializationFailure,
            "session-expiry" => Self::SessionExpired,
            "panic" => Self::Panic,
            code => match code.parse::<u16>() {
                Ok(c @ (500 | 502 | 503 | 504)) => Self::Status(c),
                _ => {
                    return Err(format!(
                        "unknown fault {code:?}: expected 500, 502, 503, 504, 429, reset, timeout, truncate, serialization, session-expiry or panic"
                    ));
                }
            },
        })
    }
}

/// Which faults to inject.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    script: VecDeque<Option<Fault>>,
    rate: f64,
    kinds: Vec<Fault>,
    rng: SmallRng,
    conflicts: bool,
    latency: Duration,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self::none()
    }
}

impl FaultPlan {
    /// No faults.
    pub fn none() -> Self {
        Self {
            script: VecDeque::new(),
            rate: 0.0,
            kinds: Vec::new(),
            rng: SmallRng::seed_from_u64(0),
            conflicts: false,
            latency: Duration::ZERO,
        }
    }

    /// Faults in order: the n-th request gets the n-th entry (`None` = normal);
    /// after the script, requests are served normally.
    pub fn script(steps: impl IntoIterator<Item = Option<Fault>>) -> Self {
        Self {
            script: steps.into_iter().collect(),
            ..Self::none()
        }
    }

    /// Each request gets one of `kinds` with probability `rate`, drawn from a
    /// generator seeded with `seed`.
    pub fn random(rate: f64, kinds: Vec<Fault>, seed: u64) -> Self {
        Self {
            script: VecDeque::new(),
            rate,
            kinds,
            rng: SmallRng::seed_from_u64(seed),
            conflicts: false,
            latency: Duration::ZERO,
        }
    }

    /// With `on`, a request that writes a record another request committed
    /// after it arrived fails with `psycopg2.errors.SerializationFailure`
    /// ("could not serialize access due to concurrent update"), as
    /// PostgreSQL's repeatable-read snapshots make Odoo answer once its own
    /// retries are spent. Off (the default), the last writer wins.
    #[must_use]
    pub fn with_serialization_conflicts(mut self, on: bool) -> Self {
        self.conflicts = on;
        self
    }

    /// Every request is answered after `latency` (plus any fault's), like a
    /// server across a network.
    #[must_use]
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// The latency every request gets.
    pub fn latency(&self) -> Duration {
        self.latency
    }

    /// Whether concurrent writes to one record fail (see
    /// [`with_serialization_conflicts`](Self::with_serialization_conflicts)).
    pub fn serialization_conflicts(&self) -> bool {
        self.conflicts
    }

    /// The fault for the next request, if any.
    pub fn next_fault(&mut self) -> Option<Fault> {
        if let Some(step) = self.script.pop_front() {
            return step;
        }
        if self.kinds.is_empty() || self.rate <= 0.0 {
            return None;
        }
        if self.rng.gen_bool(self.rate.min(1.0)) {
            let i = self.rng.gen_range(0..self.kinds.len());
            return Some(self.kinds[i].clone());
        }
        None
    }
}
