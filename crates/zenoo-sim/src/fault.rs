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
}

/// Which faults to inject.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    script: VecDeque<Option<Fault>>,
    rate: f64,
    kinds: Vec<Fault>,
    rng: SmallRng,
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
        }
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
