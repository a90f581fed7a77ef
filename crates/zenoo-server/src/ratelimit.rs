//! Rate limits per IP address, per user and per API key (GCRA, from
//! `governor`), with the `RateLimit-*` headers of the IETF draft on every
//! answer, `Retry-After` on a 429, and a temporary ban for a client that
//! keeps going after being refused.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::config::LimitsConfig;
use crate::problem::Problem;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Which limit a request is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The client's IP address (every request, before authentication).
    Ip,
    /// A user's JWT subject.
    User,
    /// An API key.
    Key,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead; for the headers.
    Allowed {
        /// Requests per window.
        limit: u32,
        /// Left in the window.
        remaining: u32,
        /// Seconds until the window is full again.
        reset: u64,
    },
    /// Too many: wait this long.
    Limited {
        /// Requests per window.
        limit: u32,
        /// How long to wait.
        retry_after: Duration,
    },
    /// Banned for repeated violations, for this long.
    Banned {
        /// How long the ban still lasts.
        retry_after: Duration,
    },
}

struct Strikes {
    count: u32,
    since: Instant,
    banned_until: Option<Instant>,
}

/// The limits of one server.
pub struct Limits {
    ip: (Keyed, u32),
    user: (Keyed, u32),
    key: (Keyed, u32),
    strikes: Mutex<HashMap<String, Strikes>>,
    ban_after: u32,
    ban_for: Duration,
    clock: DefaultClock,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("per_ip", &self.ip.1)
            .field("per_user", &self.user.1)
            .field("per_key", &self.key.1)
            .finish_non_exhaustive()
    }
}

/// Most clients a ban table tracks; past it, entries without a live ban
/// are forgotten first.
const MAX_TRACKED: usize = 100_000;

fn limiter(per_minute: u32) -> (Keyed, u32) {
    let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    (
        RateLimiter::keyed(Quota::per_minute(n)).with_middleware::<StateInformationMiddleware>(),
        n.get(),
    )
}

impl Limits {
    /// Limits from the configuration.
    pub fn new(config: &LimitsConfig) -> Self {
        Self {
            ip: limiter(config.per_ip_per_minute),
            user: limiter(config.per_user_per_minute),
            key: limiter(config.per_key_per_minute),
            strikes: Mutex::new(HashMap::new()),
            ban_after: config.ban_after,
            ban_for: Duration::from_secs(config.ban_seconds),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request of `who` against the `class` limit.
    pub fn check(&self, class: Class, who: &str) -> Verdict {
        let strike_key = format!("{class:?}:{who}");
        let now = Instant::now();
        if let Some(until) = self.banned_until(&strike_key, now) {
            return Verdict::Banned {
                retry_after: until.saturating_duration_since(now),
            };
        }
        let (limiter, limit) = match class {
            Class::Ip => &self.ip,
            Class::User => &self.user,
            Class::Key => &self.key,
        };
        match limiter.check_key(&who.to_string()) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                let per_request = 60.0 / f64::from(*limit);
                let missing = limit.saturating_sub(remaining);
                Verdict::Allowed {
                    limit: *limit,
                    remaining,
                    reset: (f64::from(missing) * per_request).ceil() as u64,
                }
            }
            Err(not_until) => {
                let retry_after = not_until.wait_time_from(self.clock.now());
                if self.strike(strike_key, now) {
                    metrics::counter!("zenoo_server_bans_total").increment(1);
                    return Verdict::Banned {
                        retry_after: self.ban_for,
                    };
                }
                Verdict::Limited {
                    limit: *limit,
                    retry_after,
                }
            }
        }
    }

    fn banned_until(&self, key: &str, now: Instant) -> Option<Instant> {
        let strikes = self.strikes.lock().unwrap_or_else(|e| e.into_inner());
        strikes
            .get(key)
            .and_then(|s| s.banned_until)
            .filter(|until| *until > now)
    }

    /// Records a refused request; whether it earns a ban.
    fn strike(&self, key: String, now: Instant) -> bool {
        let mut strikes = self.strikes.lock().unwrap_or_else(|e| e.into_inner());
        if strikes.len() >= MAX_TRACKED {
            strikes.retain(|_, s| s.banned_until.is_some_and(|u| u > now));
        }
        let entry = strikes.entry(key).or_insert(Strikes {
            count: 0,
            since: now,
            banned_until: None,
        });
        if now.duration_since(entry.since) > Duration::from_secs(60) {
            entry.count = 0;
            entry.since = now;
        }
        entry.count = entry.count.saturating_add(1);
        if entry.count >= self.ban_after {
            entry.banned_until = Some(now + self.ban_for);
            entry.count = 0;
            entry.since = now;
            return true;
        }
        false
    }

    /// Forgets clients idle for a window (call now and then).
    pub fn forget_idle(&self) {
        self.ip.0.retain_recent();
        self.user.0.retain_recent();
        self.key.0.retain_recent();
        let now = Instant::now();
        let mut strikes = self.strikes.lock().unwrap_or_else(|e| e.into_inner());
        strikes.retain(|_, s| {
            s.banned_until.is_some_and(|u| u > now)
                || now.duration_since(s.since) <= Duration::from_secs(60)
        });
    }
}

impl Verdict {
    /// The `RateLimit-*` headers of an allowed request.
    pub fn headers(&self, headers: &mut HeaderMap) {
        if let Verdict::Allowed {
            limit,
            remaining,
            reset,
        } = *self
        {
            headers.insert("ratelimit-limit", HeaderValue::from(limit));
            headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
            headers.insert("ratelimit-reset", HeaderValue::from(reset));
            if let Ok(policy) = HeaderValue::from_str(&format!("{limit};w=60")) {
                headers.insert("ratelimit-policy", policy);
            }
        }
    }

    /// The 429 answer of a refused request (`None` when allowed).
    pub fn refusal(&self) -> Option<Response> {
        let (retry, limit, detail) = match *self {
            Verdict::Allowed { .. } => return None,
            Verdict::Limited { limit, retry_after } => (
                retry_after,
                Some(limit),
                format!("more than {limit} requests a minute"),
            ),
            Verdict::Banned { retry_after } => (
                retry_after,
                None,
                "banned for a while after repeated refused requests".to_string(),
            ),
        };
        let seconds = retry.as_secs() + u64::from(retry.subsec_nanos() > 0);
        let seconds = seconds.max(1);
        let mut response = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            detail,
        )
        .into_response();
        let h = response.headers_mut();
        h.insert("retry-after", HeaderValue::from(seconds));
        if let Some(limit) = limit {
            h.insert("ratelimit-limit", HeaderValue::from(limit));
            h.insert("ratelimit-remaining", HeaderValue::from(0u32));
            h.insert("ratelimit-reset", HeaderValue::from(seconds));
        }
        metrics::counter!("zenoo_server_rate_limited_total").increment(1);
        Some(response)
    }
}
