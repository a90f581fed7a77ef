//! Retries: a layer that repeats a failed call when repeating it is safe,
//! with exponential backoff and full jitter.
//!
//! A call is repeated when its error [is retryable](crate::Error::is_retryable)
//! (a broken connection, a timeout, 429/502/503/504, Odoo's serialization
//! failure) **and** one of these holds:
//! - the call is safe to repeat: a read or metadata call by the
//!   [method table](crate::method), a call marked
//!   [`idempotent`](crate::Call::idempotent), or a method on the policy's
//!   allow-list ([`RetryPolicy::idempotent_method`]);
//! - the server provably did not apply it: the connection could not be made
//!   ([`Error::is_connect`](crate::Error::is_connect)), or Odoo reported a
//!   serialization failure, which rolls its transaction back.
//!
//! A call that is safe to repeat is also repeated when its answer came back
//! cut or malformed (a proxy, or a worker that died mid-body).
//!
//! Any other write that failed after it was sent is not repeated: its error
//! says the outcome is unknown ([`Error::outcome_unknown`](crate::Error::outcome_unknown)).
//!
//! The schedule is [`backon`]'s capped exponential backoff (its delays,
//! attempt count and total delay); the wait before each retry is drawn
//! uniformly from zero to that delay ("full jitter", which spreads clients
//! that failed together better than backon's additive jitter). A
//! `Retry-After` answer replaces the drawn wait. Each retry emits a
//! `tracing` event (`zenoo_rpc::retry`, with the call, the attempt, the wait
//! and the cause) and counts in the `zenoo_retries_total` metric.
//!
//! Session expiry is not a retry: the web-session protocol logs in again
//! once, inside the protocol, and repeats the call once.

use std::collections::HashSet;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use backon::BackoffBuilder;
use rand::Rng;
use tower::{Service, ServiceExt};

use crate::call::Call;
use crate::error::{Error, ErrorKind};
use crate::response::Response;
use crate::transport::stack::{BoxFuture, BoxService};

/// When and how often the client repeats a failed call.
///
/// The default: 4 attempts in all, waits drawn from up to 100 ms, 200 ms,
/// 400 ms (doubling to at most 5 s), and no retry that would start more
/// than 30 s after the first attempt.
///
/// ```
/// use std::time::Duration;
/// use zenoo_rpc::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(6)
///     .delays(Duration::from_millis(50), Duration::from_secs(2))
///     .max_elapsed(Duration::from_secs(10))
///     .idempotent_method("res.partner", "action_archive");
/// assert_eq!(policy.attempts(), 6);
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    min_delay: Duration,
    max_delay: Duration,
    max_elapsed: Duration,
    /// `model.method` or `*.method` allowed to repeat.
    allowed: HashSet<String>,
    writes: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
            allowed: HashSet::new(),
            writes: false,
        }
    }
}

impl RetryPolicy {
    /// No retries: every call is sent once.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first retry's delay bound and the largest (the bound doubles
    /// from `min` up to `max`).
    #[must_use]
    pub fn delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }

    /// No retry starts later than this after the first attempt.
    #[must_use]
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Allows retrying `model.method` although the method table does not
    /// call it a read (a method that is idempotent by design). `model` may
    /// be `"*"` for the method on every model.
    #[must_use]
    pub fn idempotent_method(mut self, model: &str, method: &str) -> Self {
        self.allowed.insert(format!("{model}.{method}"));
        self
    }

    /// With `true`, every call may be repeated, writes included: for a
    /// client whose writes are all safe to repeat (setting values, not
    /// adding them). Default `false`.
    #[must_use]
    pub fn writes(mut self, all: bool) -> Self {
        self.writes = all;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    fn allows(&self, call: &Call) -> bool {
        self.writes
            || call.is_idempotent()
            || (!self.allowed.is_empty()
                && (self
                    .allowed
                    .contains(&format!("{}.{}", call.model(), call.method()))
                    || self.allowed.contains(&format!("*.{}", call.method()))))
    }

    /// The capped exponential delay bounds, one per retry.
    fn schedule(&self) -> impl Iterator<Item = Duration> {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .build()
    }
}

/// What to do with a failed attempt.
#[derive(Debug, PartialEq)]
enum Verdict {
    Retry,
    GiveUp,
    /// A write that was sent and failed without a known outcome.
    Unknown,
}

/// `safe`: whether the call may be repeated whatever became of it.
fn verdict(safe: bool, e: &Error) -> Verdict {
    if e.is_retryable() && (safe || e.is_connect() || e.is_serialization_failure()) {
        return Verdict::Retry;
    }
    // An answer cut short (a proxy or a worker that died mid-body): safe
    // to ask again when the call is.
    if e.kind() == ErrorKind::MalformedResponse && safe {
        return Verdict::Retry;
    }
    if safe || e.is_connect() {
        return Verdict::GiveUp;
    }
    // A write that reached the server: an Odoo exception rolled its
    // transaction back, but a lost, cut or non-Odoo answer says nothing.
    match e.kind() {
        ErrorKind::Transport
        | ErrorKind::Timeout
        | ErrorKind::MalformedResponse
        | ErrorKind::ResponseTooLarge => Verdict::Unknown,
        ErrorKind::HttpStatus(s) if s >= 500 || s == 429 => Verdict::Unknown,
        _ => Verdict::GiveUp,
    }
}

/// The metric label of a retried error.
fn cause(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::Timeout => "timeout",
        ErrorKind::Transport if e.is_connect() => "connect",
        ErrorKind::Transport => "transport",
        ErrorKind::HttpStatus(429) => "http_429",
        ErrorKind::HttpStatus(502) => "http_502",
        ErrorKind::HttpStatus(503) => "http_503",
        ErrorKind::HttpStatus(504) => "http_504",
        ErrorKind::Odoo => "serialization",
        ErrorKind::MalformedResponse => "malformed",
        _ => "other",
    }
}

/// The retry layer (see the [module](self)); added by
/// [`ClientBuilder::retry`](crate::ClientBuilder::retry).
#[derive(Clone)]
pub(crate) struct Retry {
    inner: BoxService,
    policy: Arc<RetryPolicy>,
}

impl Retry {
    pub(crate) fn new(inner: BoxService, policy: Arc<RetryPolicy>) -> Self {
        Self { inner, policy }
    }
}

impl Service<Call> for Retry {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let inner = self.inner.clone();
        let policy = self.policy.clone();
        Box::pin(run(inner, policy, call))
    }
}

async fn run(inner: BoxService, policy: Arc<RetryPolicy>, call: Call) -> Result<Response, Error> {
    let what = Attempted {
        label: call.label(),
        model: call.model(),
        method: call.method(),
        safe: policy.allows(&call),
    };
    repeat(&policy, &what, || inner.clone().oneshot(call.clone())).await
}

/// What is being attempted, for the verdict, the log and the metric.
pub(crate) struct Attempted<'a> {
    /// `model.method`, or the service call's name.
    pub(crate) label: &'a str,
    /// The model (or `common`, `db`, `web` for the start-up calls).
    pub(crate) model: &'a str,
    /// The method.
    pub(crate) method: &'a str,
    /// Whether repeating it is safe whatever became of an attempt.
    pub(crate) safe: bool,
}

/// Runs `attempt` again under `policy` while its error says that is
/// possible and safe: the retry layer's loop, also used for the client's
/// start-up (version, login, the user's context), so a fault there is
/// treated as a fault on any other call.
pub(crate) async fn repeat<T, F, Fut>(
    policy: &RetryPolicy,
    what: &Attempted<'_>,
    mut attempt_once: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    let mut bounds = policy.schedule();
    let mut attempt: u32 = 1;
    loop {
        let e = match attempt_once().await {
            Ok(r) => {
                if attempt > 1 {
                    tracing::Span::current().record("attempts", attempt);
                }
                return Ok(r);
            }
            Err(e) => e,
        };
        let finish = |e: Error| {
            // An open circuit sent nothing this time.
            let sent = attempt - u32::from(e.kind() == ErrorKind::CircuitOpen);
            tracing::Span::current().record("attempts", sent);
            e.with_attempts(sent)
        };
        match verdict(what.safe, &e) {
            Verdict::GiveUp => return Err(finish(e)),
            Verdict::Unknown => return Err(finish(e).with_outcome_unknown()),
            Verdict::Retry => {}
        }
        let Some(bound) = bounds.next() else {
            return Err(finish(e));
        };
        let wait = match e.retry_after() {
            Some(asked) => asked,
            None => jitter(bound),
        };
        if started.elapsed().saturating_add(wait) > policy.max_elapsed {
            return Err(finish(e));
        }
        let cause = cause(&e);
        tracing::warn!(
            target: "zenoo_rpc::retry",
            call = %what.label,
            attempt,
            wait_ms = wait.as_millis() as u64,
            cause,
            error = %e,
            "retrying"
        );
        metrics::counter!(
            "zenoo_retries_total",
            "model" => crate::transport::observe::model_label(what.model),
            "method" => crate::transport::observe::method_label(what.method),
            "cause" => cause,
        )
        .increment(1);
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// A wait drawn uniformly from `[0, bound]`.
fn jitter(bound: Duration) -> Duration {
    let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_doubles_up_to_the_cap_and_stops() {
        let p = RetryPolicy::default()
            .max_attempts(5)
            .delays(Duration::from_millis(100), Duration::from_millis(300));
        let got: Vec<_> = p.schedule().map(|d| d.as_millis()).collect();
        assert_eq!(got, [100, 200, 300, 300]);
        assert_eq!(RetryPolicy::none().schedule().count(), 0);
    }

    #[test]
    fn jitter_stays_within_the_bound() {
        for _ in 0..1000 {
            assert!(jitter(Duration::from_millis(10)) <= Duration::from_millis(10));
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn writes_repeat_only_when_allowed() {
        let p = RetryPolicy::default().idempotent_method("*", "action_archive");
        assert!(p.allows(&Call::new("res.partner", "search_read")));
        assert!(!p.allows(&Call::new("res.partner", "write")));
        assert!(p.allows(&Call::new("res.partner", "write").idempotent(true)));
        assert!(p.allows(&Call::new("x.y", "action_archive")));
        let p = p.idempotent_method("sale.order", "action_confirm");
        assert!(p.allows(&Call::new("sale.order", "action_confirm")));
        assert!(!p.allows(&Call::new("purchase.order", "action_confirm")));
    }
}
