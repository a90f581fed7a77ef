//! Several servers behind one client: workers of one Odoo on different
//! hosts, or a primary and read replicas.
//!
//! Each server has its own session, its own [circuit breaker](crate::BreakerPolicy)
//! and its own rate limit. A call goes to a server that is up, picked
//! round-robin or by the fewest calls in flight ([`Balance`]); calls that
//! are safe to repeat prefer [read replicas](crate::ClientBuilder::read_replica),
//! writes go to primaries only.
//!
//! Health is passive: a server whose connection fails, or whose breaker
//! is open, is left out for [`ClientBuilder::down_for`](crate::ClientBuilder::down_for)
//! (10 s by default). With [`ClientBuilder::health_check`](crate::ClientBuilder::health_check)
//! a background task also asks each server for its version at an interval
//! and marks it up or down by the answer. When every candidate is down, the
//! call goes to the one that went down first, so that it fails with that
//! server's own error (or recovers).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tower::{Service, ServiceExt};

use crate::call::Call;
use crate::error::{Error, ErrorKind};
use crate::response::Response;
use crate::transport::breaker::{Breaker, CircuitState};
use crate::transport::http::Transport;
use crate::transport::stack::{BoxFuture, BoxService};

/// How a client with several servers picks one for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Balance {
    /// Each server in turn.
    #[default]
    RoundRobin,
    /// The server with the fewest calls in flight (ties in turn).
    LeastInFlight,
}

/// What a server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Primary,
    Replica,
}

/// One server: its stack (breaker, rate limit, protocol) and its health.
pub(crate) struct Endpoint {
    pub(crate) url: Arc<str>,
    pub(crate) role: Role,
    pub(crate) service: BoxService,
    pub(crate) breaker: Option<Arc<Breaker>>,
    pub(crate) transport: Transport,
    inflight: AtomicUsize,
    down_until: Mutex<Option<Instant>>,
}

impl Endpoint {
    pub(crate) fn new(
        url: Arc<str>,
        role: Role,
        service: BoxService,
        breaker: Option<Arc<Breaker>>,
        transport: Transport,
    ) -> Self {
        Self {
            url,
            role,
            service,
            breaker,
            transport,
            inflight: AtomicUsize::new(0),
            down_until: Mutex::new(None),
        }
    }

    fn down_until(&self) -> Option<Instant> {
        *self.down_until.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When it was marked down and until when, if it still is.
    fn is_down(&self, now: Instant) -> Option<Instant> {
        let passive = self.down_until().filter(|u| *u > now);
        let open = match self.breaker.as_ref().map(|b| b.state()) {
            Some(CircuitState::Open { until }) => Some(until),
            _ => None,
        };
        passive.max(open)
    }

    pub(crate) fn mark(&self, down_for: Option<Duration>) {
        let mut d = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        let was = d.is_some_and(|u| u > Instant::now());
        *d = down_for.map(|f| Instant::now() + f);
        match (was, down_for.is_some()) {
            (false, true) => {
                tracing::warn!(target: "zenoo_rpc::balance", server = %self.url, "server marked down")
            }
            (true, false) => {
                tracing::info!(target: "zenoo_rpc::balance", server = %self.url, "server marked up")
            }
            _ => {}
        }
    }

    /// Whether the server is taking calls now (for [`Client::servers`](crate::Client::servers)).
    pub(crate) fn is_up(&self) -> bool {
        self.is_down(Instant::now()).is_none()
    }

    pub(crate) fn inflight(&self) -> usize {
        self.inflight.load(Ordering::Relaxed)
    }
}

/// The state shared by the balancer's clones.
pub(crate) struct Pool {
    pub(crate) endpoints: Vec<Endpoint>,
    balance: Balance,
    down_for: Duration,
    next: AtomicUsize,
}

impl Pool {
    pub(crate) fn new(endpoints: Vec<Endpoint>, balance: Balance, down_for: Duration) -> Arc<Self> {
        Arc::new(Self {
            endpoints,
            balance,
            down_for,
            next: AtomicUsize::new(0),
        })
    }

    /// The index of the server for `call`.
    fn pick(&self, call: &Call) -> usize {
        let now = Instant::now();
        let read = call.is_idempotent();
        let has_replicas = self.endpoints.iter().any(|e| e.role == Role::Replica);
        let serves = |e: &Endpoint, replicas: bool| match e.role {
            Role::Primary => !replicas,
            Role::Replica => replicas,
        };
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.endpoints.len();
        // Reads try the replicas first, then the primaries; writes the
        // primaries only.
        let tiers: &[bool] = if read && has_replicas {
            &[true, false]
        } else {
            &[false]
        };
        for &replicas in tiers {
            let up = (0..n)
                .map(|k| (start.wrapping_add(k)) % n)
                .filter(|&i| serves(&self.endpoints[i], replicas))
                .filter(|&i| self.endpoints[i].is_down(now).is_none());
            let chosen = match self.balance {
                Balance::RoundRobin => up.into_iter().next(),
                Balance::LeastInFlight => up.min_by_key(|&i| self.endpoints[i].inflight()),
            };
            if let Some(i) = chosen {
                return i;
            }
        }
        // Everything is down: the candidate that comes back soonest.
        (0..n)
            .filter(|&i| serves(&self.endpoints[i], false) || read)
            .min_by_key(|&i| self.endpoints[i].is_down(now))
            .unwrap_or(0)
    }
}

/// The balancer over the servers' stacks.
#[derive(Clone)]
pub(crate) struct Balancer {
    pool: Arc<Pool>,
}

impl Balancer {
    pub(crate) fn new(pool: Arc<Pool>) -> Self {
        Self { pool }
    }
}

impl Service<Call> for Balancer {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let pool = self.pool.clone();
        Box::pin(async move {
            let i = pool.pick(&call);
            let Some(ep) = pool.endpoints.get(i) else {
                return Err(Error::config("servers", "the client has no server"));
            };
            ep.inflight.fetch_add(1, Ordering::Relaxed);
            let counted = Counted(&ep.inflight);
            let result = ep.service.clone().oneshot(call).await;
            drop(counted);
            if let Err(e) = &result
                && matches!(e.kind(), ErrorKind::Transport | ErrorKind::Timeout)
            {
                ep.mark(Some(pool.down_for));
            }
            result
        })
    }
}

/// Takes a call off the in-flight count, also when its caller gives up.
struct Counted<'a>(&'a AtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Asks every server for its version each `interval`, and marks it up or
/// down by the answer, for as long as the client lives.
pub(crate) fn spawn_health_check(pool: &Arc<Pool>, interval: Duration) {
    let weak = Arc::downgrade(pool);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(pool) = weak.upgrade() else {
                return;
            };
            for ep in &pool.endpoints {
                let ok = crate::protocol::service_call::<serde_json::Value>(
                    &ep.transport,
                    "common",
                    "version",
                    Vec::<serde_json::Value>::new(),
                )
                .await
                .is_ok();
                ep.mark((!ok).then_some(pool.down_for.max(interval)));
            }
        }
    });
}
