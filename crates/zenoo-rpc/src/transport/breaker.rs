//! The circuit breaker: one per server, so that a dead or overloaded Odoo
//! gets no more calls for a while and callers fail at once instead of each
//! waiting for a timeout.
//!
//! - **Closed**: calls pass; each outcome enters a window bounded both by
//!   count and by time ([`BreakerPolicy::window`]). Once the window holds
//!   at least [`BreakerPolicy::minimum_calls`] outcomes and the share of
//!   failures reaches [`BreakerPolicy::failure_rate`], the circuit opens.
//! - **Open**: calls fail at once with [`ErrorKind::CircuitOpen`](crate::ErrorKind::CircuitOpen),
//!   whose [`Error::open_until`](crate::Error::open_until) says until when;
//!   nothing is sent.
//! - **Half-open**, after the [cool-down](BreakerPolicy::cool_down): at most
//!   [`BreakerPolicy::probes`] calls go through at once. As many successes
//!   close the circuit; one failure opens it again for another cool-down.
//!
//! A failure is what says the server is unwell: a broken connection, a
//! timeout, a 5xx answer, a body cut short. Odoo's own exceptions
//! (`UserError`, `AccessError`, ...) and 429 are answers from a working
//! server and count as successes. Transitions are logged (`tracing`, target
//! `zenoo_rpc::breaker`) and the `zenoo_circuit_state{server}` gauge holds
//! 0 (closed), 1 (half-open) or 2 (open).
//!
//! The state machine is written here rather than taken from a crate: the
//! tower breakers on crates.io are young (0.x, a few months old) and none
//! reports the instant a circuit closes again, which the error must say.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tower::{Service, ServiceExt};

use crate::call::Call;
use crate::error::{Error, ErrorKind};
use crate::response::Response;
use crate::transport::stack::{BoxFuture, BoxService};

/// When a server's circuit opens and how it recovers.
///
/// The default: open when at least half of the last 20 calls within 60 s
/// failed (and at least 10 calls were seen), stay open 30 s, then let 3
/// probe calls through.
///
/// ```
/// use std::time::Duration;
/// use zenoo_rpc::BreakerPolicy;
///
/// let policy = BreakerPolicy::default()
///     .failure_rate(0.25)
///     .window(50, Duration::from_secs(30))
///     .minimum_calls(5)
///     .cool_down(Duration::from_secs(10))
///     .probes(1);
/// # let _ = policy;
/// ```
#[derive(Debug, Clone)]
pub struct BreakerPolicy {
    failure_rate: f64,
    window_calls: usize,
    window_time: Duration,
    minimum_calls: usize,
    cool_down: Duration,
    probes: u32,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failure_rate: 0.5,
            window_calls: 20,
            window_time: Duration::from_secs(60),
            minimum_calls: 10,
            cool_down: Duration::from_secs(30),
            probes: 3,
        }
    }
}

impl BreakerPolicy {
    /// The share of failures (0 to 1) in the window that opens the circuit.
    #[must_use]
    pub fn failure_rate(mut self, rate: f64) -> Self {
        self.failure_rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            1.0
        };
        self
    }

    /// The window: at most the last `calls` outcomes, and only those of
    /// the last `time`.
    #[must_use]
    pub fn window(mut self, calls: usize, time: Duration) -> Self {
        self.window_calls = calls.max(1);
        self.window_time = time;
        self
    }

    /// Outcomes the window must hold before the rate is judged.
    #[must_use]
    pub fn minimum_calls(mut self, n: usize) -> Self {
        self.minimum_calls = n.max(1);
        self
    }

    /// How long the circuit stays open before it lets probes through.
    #[must_use]
    pub fn cool_down(mut self, d: Duration) -> Self {
        self.cool_down = d;
        self
    }

    /// Probe calls let through at once when half-open, and the successes
    /// that close the circuit.
    #[must_use]
    pub fn probes(mut self, n: u32) -> Self {
        self.probes = n.max(1);
        self
    }
}

/// The state of a circuit, as [`Client::circuit_states`](crate::Client::circuit_states) reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls pass.
    Closed,
    /// Calls fail fast until the instant.
    Open {
        /// When probes will be let through.
        until: Instant,
    },
    /// Probes are let through.
    HalfOpen,
}

impl CircuitState {
    fn gauge(self) -> f64 {
        match self {
            Self::Closed => 0.0,
            Self::HalfOpen => 1.0,
            Self::Open { .. } => 2.0,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::HalfOpen => "half-open",
            Self::Open { .. } => "open",
        }
    }
}

#[derive(Debug)]
struct State {
    circuit: CircuitState,
    /// (when, failed) of recent outcomes, oldest first.
    window: VecDeque<(Instant, bool)>,
    /// Probes in flight and successes so far, when half-open.
    probes_out: u32,
    probes_ok: u32,
    /// Why it last opened, for the error.
    why: String,
}

/// One server's breaker, shared by the clones of its layer.
#[derive(Debug)]
pub(crate) struct Breaker {
    server: Arc<str>,
    policy: BreakerPolicy,
    state: Mutex<State>,
}

/// What [`Breaker::admit`] decided.
enum Admit {
    Pass { probe: bool },
    Refuse(Error),
}

impl Breaker {
    pub(crate) fn new(server: Arc<str>, policy: BreakerPolicy) -> Arc<Self> {
        metrics::gauge!("zenoo_circuit_state", "server" => server.to_string()).set(0.0);
        Arc::new(Self {
            server,
            policy,
            state: Mutex::new(State {
                circuit: CircuitState::Closed,
                window: VecDeque::new(),
                probes_out: 0,
                probes_ok: 0,
                why: String::new(),
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a few counters: one left half-updated by a panic
        // elsewhere is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The state now (an open circuit whose cool-down is over reads as half-open).
    pub(crate) fn state(&self) -> CircuitState {
        match self.lock().circuit {
            CircuitState::Open { until } if Instant::now() >= until => CircuitState::HalfOpen,
            s => s,
        }
    }

    fn set(&self, st: &mut State, to: CircuitState) {
        if std::mem::discriminant(&st.circuit) != std::mem::discriminant(&to) {
            tracing::warn!(
                target: "zenoo_rpc::breaker",
                server = %self.server,
                from = st.circuit.name(),
                to = to.name(),
                reason = %st.why,
                "circuit state changed"
            );
            metrics::gauge!("zenoo_circuit_state", "server" => self.server.to_string())
                .set(to.gauge());
        }
        st.circuit = to;
    }

    fn admit(&self) -> Admit {
        let now = Instant::now();
        let mut st = self.lock();
        if let CircuitState::Open { until } = st.circuit {
            if now < until {
                return Admit::Refuse(Error::circuit_open(&self.server, until, st.why.clone()));
            }
            st.probes_out = 0;
            st.probes_ok = 0;
            self.set(&mut st, CircuitState::HalfOpen);
        }
        match st.circuit {
            CircuitState::HalfOpen if st.probes_out >= self.policy.probes => Admit::Refuse(
                Error::circuit_open(&self.server, now, format!("{}; probing", st.why)),
            ),
            CircuitState::HalfOpen => {
                st.probes_out += 1;
                Admit::Pass { probe: true }
            }
            _ => Admit::Pass { probe: false },
        }
    }

    fn record(&self, probe: bool, failed: bool) {
        let now = Instant::now();
        let mut st = self.lock();
        if probe {
            st.probes_out = st.probes_out.saturating_sub(1);
            if !matches!(st.circuit, CircuitState::HalfOpen) {
                return;
            }
            if failed {
                st.why = "a probe call failed".into();
                let until = now + self.policy.cool_down;
                self.set(&mut st, CircuitState::Open { until });
            } else {
                st.probes_ok += 1;
                if st.probes_ok >= self.policy.probes {
                    st.window.clear();
                    self.set(&mut st, CircuitState::Closed);
                }
            }
            return;
        }
        if !matches!(st.circuit, CircuitState::Closed) {
            return;
        }
        st.window.push_back((now, failed));
        while st.window.len() > self.policy.window_calls
            || st
                .window
                .front()
                .is_some_and(|(at, _)| now.duration_since(*at) > self.policy.window_time)
        {
            st.window.pop_front();
        }
        let seen = st.window.len();
        let failures = st.window.iter().filter(|(_, f)| *f).count();
        if failed
            && seen >= self.policy.minimum_calls
            && failures as f64 >= self.policy.failure_rate * seen as f64
        {
            st.why = format!("{failures} of the last {seen} calls failed");
            st.window.clear();
            let until = now + self.policy.cool_down;
            self.set(&mut st, CircuitState::Open { until });
        }
    }
}

/// Whether an error says the server is unwell.
fn is_failure(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::MalformedResponse => true,
        ErrorKind::HttpStatus(s) => s >= 500,
        _ => false,
    }
}

/// The breaker layer over one server's stack.
#[derive(Clone)]
pub(crate) struct CircuitBreaker {
    inner: BoxService,
    breaker: Arc<Breaker>,
}

impl CircuitBreaker {
    pub(crate) fn new(inner: BoxService, breaker: Arc<Breaker>) -> Self {
        Self { inner, breaker }
    }
}

impl Service<Call> for CircuitBreaker {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let breaker = self.breaker.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            let probe = match breaker.admit() {
                Admit::Refuse(e) => return Err(e),
                Admit::Pass { probe } => probe,
            };
            // A probe whose caller gives up (drops the future) must not
            // hold its slot forever.
            let mut guard = ProbeGuard {
                breaker: &breaker,
                probe,
                done: false,
            };
            let result = inner.oneshot(call).await;
            guard.done = true;
            breaker.record(probe, result.as_ref().err().is_some_and(is_failure));
            result
        })
    }
}

struct ProbeGuard<'a> {
    breaker: &'a Breaker,
    probe: bool,
    done: bool,
}

impl Drop for ProbeGuard<'_> {
    fn drop(&mut self) {
        if self.probe && !self.done {
            let mut st = self.breaker.lock();
            st.probes_out = st.probes_out.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(policy: BreakerPolicy) -> Arc<Breaker> {
        Breaker::new("http://test".into(), policy)
    }

    #[test]
    fn opens_on_the_failure_rate_and_not_before_the_minimum() {
        let b = breaker(
            BreakerPolicy::default()
                .minimum_calls(4)
                .window(10, Duration::from_secs(60)),
        );
        for _ in 0..3 {
            b.record(false, true);
        }
        assert_eq!(
            b.state(),
            CircuitState::Closed,
            "3 calls are under the minimum"
        );
        b.record(false, true);
        assert!(matches!(b.state(), CircuitState::Open { .. }));
        assert!(matches!(b.admit(), Admit::Refuse(e) if e.kind() == ErrorKind::CircuitOpen));
    }

    #[test]
    fn successes_keep_it_closed() {
        let b = breaker(BreakerPolicy::default().minimum_calls(4).failure_rate(0.5));
        for i in 0..100 {
            b.record(false, i % 3 == 1);
        }
        assert_eq!(
            b.state(),
            CircuitState::Closed,
            "a third failing is under half"
        );
    }

    #[test]
    fn half_open_lets_probes_through_and_closes_on_their_success() {
        let b = breaker(
            BreakerPolicy::default()
                .minimum_calls(1)
                .cool_down(Duration::ZERO)
                .probes(2),
        );
        b.record(false, true);
        assert!(matches!(b.admit(), Admit::Pass { probe: true }));
        assert!(matches!(b.admit(), Admit::Pass { probe: true }));
        assert!(
            matches!(b.admit(), Admit::Refuse(_)),
            "only two probes at once"
        );
        b.record(true, false);
        b.record(true, false);
        assert_eq!(b.state(), CircuitState::Closed);
    }

    #[test]
    fn a_failed_probe_opens_it_again() {
        let b = breaker(
            BreakerPolicy::default()
                .minimum_calls(1)
                .cool_down(Duration::ZERO)
                .probes(1),
        );
        b.record(false, true);
        assert!(matches!(b.admit(), Admit::Pass { probe: true }));
        b.record(true, true);
        assert!(matches!(b.lock().circuit, CircuitState::Open { .. }));
    }
}
