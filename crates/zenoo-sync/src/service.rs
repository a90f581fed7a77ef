//! The whole loop: push what the application changed, poll what Odoo
//! changed, again and again; webhooks only make the next poll come sooner.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tokio::sync::Notify;
use zenoo_rpc::Client;

use crate::conflict::Policies;
use crate::error::Result;
use crate::event::SyncEvent;
use crate::poll::{PollReport, Poller};
use crate::push::Worker;
use crate::store::{Store, now_ms};

/// A sync of one store with one Odoo database.
#[derive(Debug)]
pub struct SyncService {
    store: Store,
    worker: Worker,
    poller: Poller,
    wake: Arc<Notify>,
    every: Duration,
    last_push: AtomicI64,
    last_pull: AtomicI64,
    reconcile_every: Duration,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Round {
    /// What became of the jobs run to Odoo.
    pub push: crate::push::PushReport,
    /// What the poll saw.
    pub polled: PollReport,
}

/// Where the sync stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Status {
    /// Jobs waiting to go to Odoo.
    pub backlog: i64,
    /// Age of the oldest waiting job, in seconds (0 when none waits).
    pub lag_seconds: f64,
    /// Orders failed for good.
    pub failed: i64,
    /// Orders waiting for a conflict to be resolved.
    pub conflicts: i64,
    /// When a push last succeeded (ms since the epoch; 0: never).
    pub last_push_ms: i64,
    /// When a poll last succeeded (ms since the epoch; 0: never).
    pub last_pull_ms: i64,
}

impl SyncService {
    /// A sync named `worker` (unique among the instances sharing the store).
    pub fn new(store: Store, client: Client, worker: &str, policies: Policies) -> Self {
        Self {
            worker: Worker::new(store.clone(), client.clone(), worker).policies(policies.clone()),
            poller: Poller::new(store.clone(), client, policies),
            store,
            wake: Arc::new(Notify::new()),
            every: Duration::from_secs(30),
            last_push: AtomicI64::new(0),
            last_pull: AtomicI64::new(0),
            reconcile_every: Duration::from_secs(600),
        }
    }

    /// How often every synced order is compared again, whatever the
    /// cursors say (default 10 minutes).
    #[must_use]
    pub fn reconcile_every(mut self, d: Duration) -> Self {
        self.reconcile_every = d;
        self
    }

    /// How often Odoo is polled without a webhook (default 30 s).
    #[must_use]
    pub fn poll_every(mut self, d: Duration) -> Self {
        self.every = d;
        self
    }

    /// The rules application references are looked up and read back by
    /// (default: [`MappingRules::default`](crate::MappingRules::default)).
    #[must_use]
    pub fn mapping(mut self, rules: crate::MappingRules) -> Self {
        self.worker = self.worker.mapping(rules.clone());
        self.poller = self.poller.mapping(rules);
        self
    }

    /// How long the worker's claimed jobs stay its own (default 60 s).
    #[must_use]
    pub fn lease(mut self, d: Duration) -> Self {
        self.worker = self.worker.lease(d);
        self
    }

    /// The poller, to resolve conflicts or reconcile.
    pub fn poller(&self) -> &Poller {
        &self.poller
    }

    /// One round: push until idle, poll, and push what the poll queued.
    ///
    /// # Errors
    /// Odoo's or the store's error (the next round tries again).
    pub async fn round(&self) -> Result<Round> {
        let mut push = self.worker.run_until_idle().await?;
        self.last_push.store(now_ms(), Ordering::Relaxed);
        let mut polled = self.poller.poll_once().await?;
        let every = i64::try_from(self.reconcile_every.as_millis()).unwrap_or(i64::MAX);
        // When the last reconcile ran is kept in the store, so that a sync
        // run from cron (`--once`) reconciles on schedule too, and
        // instances sharing a store do not each reconcile.
        let last = self.store.last_reconcile().await?;
        if now_ms().saturating_sub(last) >= every {
            let full = self.poller.reconcile().await?;
            polled.applied += full.applied;
            polled.conflicts += full.conflicts;
            self.store.set_last_reconcile(now_ms()).await?;
        }
        self.last_pull.store(now_ms(), Ordering::Relaxed);
        push += self.worker.run_until_idle().await?;
        let status = self.status().await?;
        metrics::gauge!("zenoo_sync_backlog").set(status.backlog as f64);
        metrics::gauge!("zenoo_sync_lag_seconds").set(status.lag_seconds);
        Ok(Round { push, polled })
    }

    /// Runs rounds until `shutdown` completes: one every
    /// [`poll_every`](Self::poll_every), or sooner when a webhook arrives;
    /// a change the application makes through the store is pushed at once.
    /// A failed round is logged and the next one tries again.
    ///
    /// # Errors
    /// None so far: failures are logged; the signature leaves room.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) -> Result<()> {
        tokio::pin!(shutdown);
        // A change made in the application through this store is pushed at
        // once, without waiting for the next poll.
        let mut changes = self.store.events().subscribe();
        let mut next_round = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_round {
                if let Err(e) = self.round().await {
                    tracing::warn!(target: "zenoo_sync", error = &e as &dyn std::error::Error, "a sync round failed; the next one tries again");
                }
                next_round = tokio::time::Instant::now() + self.every;
            }
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = self.wake.notified() => next_round = tokio::time::Instant::now(),
                () = tokio::time::sleep_until(next_round) => {}
                event = changes.recv() => {
                    let app_change = matches!(
                        event,
                        Ok(SyncEvent::Created { .. } | SyncEvent::Updated { .. })
                            | Err(tokio::sync::broadcast::error::RecvError::Lagged(_))
                    );
                    if app_change
                        && let Err(e) = self.worker.run_until_idle().await {
                            tracing::warn!(target: "zenoo_sync", error = &e as &dyn std::error::Error, "a push failed; the next round tries again");
                        }
                }
            }
        }
    }

    /// The endpoint's side of Odoo's webhooks, with `token` as the
    /// installation's secret.
    pub fn webhook(&self, token: impl Into<String>) -> Webhook {
        Webhook {
            token: Arc::from(token.into()),
            wake: self.wake.clone(),
        }
    }

    /// Backlog, lag, failures and conflicts.
    ///
    /// # Errors
    /// The store's error.
    pub async fn status(&self) -> Result<Status> {
        self.status_of(None).await
    }

    /// Backlog, lag, failures and conflicts of the orders of `suppliers`
    /// (all orders when `None`): what a caller limited to some suppliers
    /// may know.
    ///
    /// # Errors
    /// The store's error.
    pub async fn status_of(&self, suppliers: Option<&[String]>) -> Result<Status> {
        let f = self.store.figures(suppliers).await?;
        Ok(Status {
            backlog: f.backlog,
            lag_seconds: if f.backlog == 0 {
                0.0
            } else {
                (now_ms().saturating_sub(f.oldest_job_ms)) as f64 / 1000.0
            },
            failed: f.failed,
            conflicts: f.conflicts,
            last_push_ms: self.last_push.load(Ordering::Relaxed),
            last_pull_ms: self.last_pull.load(Ordering::Relaxed),
        })
    }
}

/// Accepts Odoo's automation webhooks ("Send Webhook Notification"):
/// the token in the URL must match, and the only effect is an earlier
/// poll. A lost webhook costs latency (the next scheduled poll finds the
/// change), a duplicated or phantom one (posted for a transaction that then
/// rolled back) costs one poll that finds nothing: never data.
#[derive(Debug, Clone)]
pub struct Webhook {
    token: Arc<str>,
    wake: Arc<Notify>,
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The token does not match: nothing was done.
    #[error("the webhook token is not this installation's")]
    BadToken,
    /// The body is not Odoo's payload (`_model`, `_id`).
    #[error("the webhook body is not an Odoo automation payload: {0}")]
    BadPayload(String),
}

/// Odoo's payload: the record that changed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Payload {
    /// The model, e.g. `purchase.order`.
    #[serde(rename = "_model")]
    pub model: String,
    /// The record's id.
    #[serde(rename = "_id")]
    pub id: i64,
    /// What the automation says happened, when it says.
    #[serde(rename = "_action", default)]
    pub action: Option<String>,
}

impl Webhook {
    /// Checks `token` (in constant time) and `body`, then asks for an
    /// early poll.
    ///
    /// # Errors
    /// [`WebhookError::BadToken`] or [`WebhookError::BadPayload`]; nothing
    /// happens then.
    pub fn accept(&self, token: &str, body: &[u8]) -> Result<Payload, WebhookError> {
        if !bool::from(token.as_bytes().ct_eq(self.token.as_bytes())) {
            return Err(WebhookError::BadToken);
        }
        let payload: Payload =
            serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        self.wake.notify_one();
        Ok(payload)
    }

    /// Asks for an early poll, as a webhook does (after the application
    /// changed something in Odoo itself, say).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}
