//! To Odoo: a worker claims outbox jobs and sends each order's state,
//! creating it once (its uuid is a key Odoo keeps) or writing the change
//! as x2many commands computed from the last synced snapshot.

use std::time::Duration;

use serde_json::{Map, Value, json};
use sqlx::Row;
use uuid::Uuid;
use zenoo_rpc::{Client, IdempotencyKey, OdooErrorKind};

use crate::conflict::Policies;
use crate::error::Result;
use crate::mapping::Mapping;
use crate::mapping::MappingRules;
use crate::odoo::Snapshot;
use crate::order::{AppLine, AppOrder};
use crate::outbox::ClaimedJob;
use crate::store::{Store, now_ms};

/// How a failed job is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The network, a 5xx or 429, a serialization failure, a lost answer:
    /// tried again later, with backoff.
    Transient,
    /// Credentials, access rights, a constraint Odoo enforces: the order is
    /// failed until someone acts.
    Permanent,
    /// The order itself cannot go to Odoo as it is (an unknown supplier or
    /// product, an order Odoo already confirmed or cancelled).
    Business,
}

impl ErrorClass {
    /// The class's name, as stored and exported.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::Permanent => "permanent",
            Self::Business => "business",
        }
    }
}

/// What a worker's pass did with the jobs it ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushReport {
    /// Jobs Odoo took (or that needed nothing sent).
    pub pushed: usize,
    /// Jobs that failed for a passing reason and wait for another try.
    pub retrying: usize,
    /// Jobs failed for good: credentials, access rights, a constraint.
    pub failed_permanent: usize,
    /// Jobs failed for good: the order cannot go to Odoo as it is.
    pub failed_business: usize,
}

impl PushReport {
    /// Jobs run, whatever their outcome.
    pub fn ran(&self) -> usize {
        self.pushed + self.retrying + self.failed()
    }

    /// Jobs failed for good.
    pub fn failed(&self) -> usize {
        self.failed_permanent + self.failed_business
    }
}

impl std::ops::AddAssign for PushReport {
    fn add_assign(&mut self, other: Self) {
        self.pushed += other.pushed;
        self.retrying += other.retrying;
        self.failed_permanent += other.failed_permanent;
        self.failed_business += other.failed_business;
    }
}

/// Why a job failed, classed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    /// How it is treated.
    pub class: ErrorClass,
    /// What happened, shown on the order.
    pub message: String,
}

impl JobError {
    pub(crate) fn business(message: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::Business,
            message: message.into(),
        }
    }
}

impl From<zenoo_rpc::Error> for JobError {
    fn from(e: zenoo_rpc::Error) -> Self {
        let class = if e.is_retryable()
            || e.outcome_unknown()
            || matches!(
                e.kind(),
                zenoo_rpc::ErrorKind::Transport
                    | zenoo_rpc::ErrorKind::Timeout
                    | zenoo_rpc::ErrorKind::MalformedResponse
                    | zenoo_rpc::ErrorKind::CircuitOpen
            ) {
            ErrorClass::Transient
        } else {
            match e.odoo().map(zenoo_rpc::OdooError::kind) {
                Some(OdooErrorKind::UserError | OdooErrorKind::MissingError) => {
                    ErrorClass::Business
                }
                _ => ErrorClass::Permanent,
            }
        };
        Self {
            class,
            message: e.to_string(),
        }
    }
}

impl From<crate::Error> for JobError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Odoo(e) => e.into(),
            other => Self {
                class: ErrorClass::Transient,
                message: other.to_string(),
            },
        }
    }
}

/// Sends claimed jobs to Odoo.
#[derive(Debug)]
pub struct Worker {
    store: Store,
    client: Client,
    mapping: Mapping,
    name: String,
    lease: Duration,
    /// Compares an order Odoo changed since the last sync before a push
    /// would overwrite it.
    poller: crate::pull::Poller,
}

impl Worker {
    /// A worker named `name` (unique among the workers sharing the store).
    pub fn new(store: Store, client: Client, name: impl Into<String>) -> Self {
        Self {
            mapping: Mapping::new(client.clone()),
            poller: crate::pull::Poller::new(store.clone(), client.clone(), Policies::default()),
            store,
            client,
            name: name.into(),
            lease: Duration::from_secs(60),
        }
    }

    /// The policies that decide a conflict found when a push is about to
    /// write an order Odoo changed since the last sync (default: manual).
    #[must_use]
    pub fn policies(mut self, policies: Policies) -> Self {
        self.poller = crate::pull::Poller::new(self.store.clone(), self.client.clone(), policies)
            .mapping(self.mapping.rules().clone());
        self
    }

    /// The rules application references are looked up by (default:
    /// [`MappingRules::default`]).
    #[must_use]
    pub fn mapping(mut self, rules: MappingRules) -> Self {
        self.mapping = Mapping::with_rules(self.client.clone(), rules.clone());
        self.poller = self.poller.mapping(rules);
        self
    }

    /// How long a claimed job stays this worker's (default 60 s).
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Claims and runs jobs until none is ready; what became of them.
    ///
    /// # Errors
    /// The store's error (a job's own failure is recorded on its order).
    pub async fn run_until_idle(&self) -> Result<PushReport> {
        let mut report = PushReport::default();
        loop {
            let jobs = self.store.claim(&self.name, self.lease, 16).await?;
            if jobs.is_empty() {
                return Ok(report);
            }
            for job in jobs {
                match self.run(&job).await? {
                    None => report.pushed += 1,
                    Some(ErrorClass::Transient) => report.retrying += 1,
                    Some(ErrorClass::Permanent) => report.failed_permanent += 1,
                    Some(ErrorClass::Business) => report.failed_business += 1,
                }
            }
        }
    }

    /// Runs one job; the class of its failure, if it failed.
    async fn run(&self, job: &ClaimedJob) -> Result<Option<ErrorClass>> {
        let outcome = match self.store.order(job.order).await? {
            // Waits for a choice; resolving for the application queues a
            // new push, for Odoo none is needed.
            Some(order) if order.status == crate::order::OrderStatus::Conflict => Ok(()),
            Some(order) => self.push(&order).await,
            // Deleted in the application meanwhile: nothing to send.
            None => Ok(()),
        };
        let failed = outcome.as_ref().err().map(|e| e.class);
        match outcome {
            Ok(()) => {
                self.store.complete(job, &self.name).await?;
                metrics::counter!("zenoo_sync_jobs_total", "result" => "ok", "class" => "none")
                    .increment(1);
            }
            Err(e) if e.class == ErrorClass::Transient => {
                let wait = backoff(job.attempts);
                tracing::warn!(target: "zenoo_sync", order = %job.order, attempt = job.attempts, wait_ms = wait.as_millis() as u64, error = %e, "push failed; trying again later");
                self.store
                    .retry_later(job, &self.name, wait, &e.message)
                    .await?;
                self.store.mark_error(job.order, &e, false).await?;
            }
            Err(e) => {
                tracing::warn!(target: "zenoo_sync", order = %job.order, class = e.class.as_str(), error = %e, "push failed for good");
                self.store.mark_error(job.order, &e, true).await?;
                self.store.complete(job, &self.name).await?;
                metrics::counter!("zenoo_sync_jobs_total", "result" => "failed", "class" => e.class.as_str()).increment(1);
                self.store.events.send(crate::event::SyncEvent::Failed {
                    order: job.order,
                    error: e.message.clone(),
                });
            }
        }
        Ok(failed)
    }

    /// Sends `order` as it is now.
    async fn push(&self, order: &AppOrder) -> Result<(), JobError> {
        let (previous, odoo_id) = self.store.snapshot(order.uuid).await?;
        // A line without a unit is in the unit Odoo gave it last time.
        let lines = crate::merge::fill_units(&order.lines, &previous.lines);
        let partner = self.mapping.supplier(&order.supplier_ref).await?;
        let currency = self.mapping.currency(&order.currency).await?;
        // Per line: the product's id and the unit's, when the line has one.
        let mut products = Vec::with_capacity(lines.len());
        for l in &lines {
            let product = self.mapping.product(&l.product_code).await?;
            let uom = match &l.uom {
                Some(u) => Some(self.mapping.uom(u).await?),
                None => None,
            };
            products.push((product, uom));
        }
        let uom_field = crate::mapping::line_uom_field(&self.client);
        let line_vals = |l: &AppLine, &(product, uom): &(i64, Option<i64>)| {
            let mut v = Map::new();
            v.insert("product_id".into(), json!(product));
            v.insert("product_qty".into(), json!(l.quantity));
            v.insert("price_unit".into(), json!(l.price_unit));
            v.insert("name".into(), json!(l.product_code));
            if let Some(d) = &l.date_planned {
                v.insert("date_planned".into(), json!(d));
            }
            if let Some(u) = uom {
                v.insert(uom_field.into(), json!(u));
            }
            Value::Object(v)
        };
        if let Some(id) = odoo_id {
            // Odoo has no compare-and-set: read what it holds first, and if
            // someone changed it since the last sync, compare three ways
            // (a merge queues its own push; a collision waits or is decided
            // by policy) instead of overwriting their change.
            if !self
                .poller
                .unchanged_or_compare(order.uuid, id, &previous)
                .await?
            {
                return Ok(());
            }
        }
        let id = match odoo_id {
            None => {
                let commands: Vec<Value> = lines
                    .iter()
                    .zip(&products)
                    .map(|(l, p)| json!([0, 0, line_vals(l, p)]))
                    .collect();
                let key = key(order.uuid)?;
                self.client
                    .create_idempotent(
                        "purchase.order",
                        &key,
                        json!({"partner_id": partner, "currency_id": currency, "order_line": commands}),
                    )
                    .await?
            }
            Some(id) => {
                let mut commands = Vec::new();
                for (i, (l, p)) in lines.iter().zip(&products).enumerate() {
                    match previous.lines.get(i) {
                        Some((line_id, sent)) if sent == l => {
                            let _ = line_id;
                        }
                        Some((line_id, _)) => commands.push(json!([1, line_id, line_vals(l, p)])),
                        None => commands.push(json!([0, 0, line_vals(l, p)])),
                    }
                }
                for (line_id, _) in previous.lines.iter().skip(lines.len()) {
                    commands.push(json!([2, line_id]));
                }
                let mut vals = Map::new();
                if previous.supplier_ref != order.supplier_ref {
                    vals.insert("partner_id".into(), json!(partner));
                }
                if previous.currency != order.currency {
                    vals.insert("currency_id".into(), json!(currency));
                }
                if !commands.is_empty() {
                    vals.insert("order_line".into(), Value::Array(commands));
                }
                if !vals.is_empty() {
                    self.client.write("purchase.order", &[id], &vals).await?;
                }
                id
            }
        };
        // Read back what Odoo now holds: line ids in order, the unit it
        // gave each line, state, stamp.
        let view = self.poller.views(&[id]).await?.remove(&id).ok_or_else(|| {
            JobError::business(format!("purchase.order {id} disappeared from Odoo"))
        })?;
        let mut held = view.lines;
        held.sort_unstable_by_key(|(line_id, _)| *line_id);
        if held.len() != lines.len() {
            return Err(JobError {
                class: ErrorClass::Permanent,
                message: format!(
                    "Odoo holds {} lines for the order, the application {}",
                    held.len(),
                    lines.len()
                ),
            });
        }
        let snapshot = Snapshot {
            partner_id: partner,
            state: view.state.clone(),
            supplier_ref: order.supplier_ref.clone(),
            currency: order.currency.clone(),
            lines: held
                .into_iter()
                .zip(lines.iter().cloned())
                .map(|((line_id, odoo), sent)| {
                    (
                        line_id,
                        AppLine {
                            uom: odoo.uom.or(sent.uom.clone()),
                            ..sent
                        },
                    )
                })
                .collect(),
        };
        self.store
            .mark_synced(
                order.uuid,
                id,
                &snapshot,
                view.write_date.as_deref(),
                view.state.as_deref(),
            )
            .await?;
        self.store.events.send(crate::event::SyncEvent::Synced {
            order: order.uuid,
            odoo_id: id,
            direction: crate::event::Direction::ToOdoo,
        });
        Ok(())
    }
}

/// The key an order's create carries: its uuid in `origin` (sent with the
/// create, so a lost answer cannot make a second order) and as the
/// external id `zenoo_sync.po_<uuid>`.
fn key(uuid: Uuid) -> Result<IdempotencyKey, JobError> {
    IdempotencyKey::field("origin", format!("zenoo:{uuid}"))
        .with_external_id(&format!("zenoo_sync.po_{}", uuid.simple()))
        .map_err(JobError::from)
}

/// The wait before attempt `attempts + 1`: 1 s doubling to 5 min, with
/// full jitter.
fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    let cap = Duration::from_secs(1)
        .saturating_mul(2u32.saturating_pow(exp))
        .min(Duration::from_secs(300));
    let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::random::<u64>() % nanos.max(1))
}

impl Store {
    /// The last synced snapshot of `order` and its Odoo id.
    pub(crate) async fn snapshot(&self, order: Uuid) -> Result<(Snapshot, Option<i64>)> {
        let row = sqlx::query("SELECT snapshot, odoo_id FROM sync_state WHERE order_uuid = $1")
            .bind(order.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok((Snapshot::default(), None));
        };
        let text: Option<String> = row.try_get(0)?;
        let snapshot = match text {
            Some(t) => serde_json::from_str(&t).map_err(|e| crate::Error::Corrupt {
                what: "a sync snapshot",
                detail: e.to_string(),
            })?,
            None => Snapshot::default(),
        };
        Ok((snapshot, row.try_get(1)?))
    }

    /// Records that Odoo holds `snapshot` as order `odoo_id`.
    pub(crate) async fn mark_synced(
        &self,
        order: Uuid,
        odoo_id: i64,
        snapshot: &Snapshot,
        write_date: Option<&str>,
        state: Option<&str>,
    ) -> Result<()> {
        let text = serde_json::to_string(snapshot).unwrap_or_default();
        let hash = format!("{:016x}", fnv1a(text.as_bytes()));
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE sync_state SET odoo_id = $1, status = 'synced', attempts = 0, last_error = NULL, \
             error_class = NULL, snapshot = $2, snapshot_hash = $3, odoo_write_date = $4, odoo_state = $5, \
             odoo_hash = NULL, updated_at = $6 WHERE order_uuid = $7",
        )
        .bind(odoo_id)
        .bind(&text)
        .bind(hash)
        .bind(write_date.map(str::to_string))
        .bind(state.map(str::to_string))
        .bind(now)
        .bind(order.to_string())
        .execute(&mut *tx)
        .await?;
        crate::audit::record(
            &mut tx,
            &order.to_string(),
            crate::audit::Origin::Sync,
            "pushed",
            None,
            Some(text),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed push on the order (`for_good`: it is failed).
    pub(crate) async fn mark_error(&self, order: Uuid, e: &JobError, for_good: bool) -> Result<()> {
        sqlx::query(
            "UPDATE sync_state SET status = CASE WHEN $1 = 1 THEN 'failed' ELSE status END, \
             attempts = attempts + 1, last_error = $2, error_class = $3, updated_at = $4 WHERE order_uuid = $5",
        )
        .bind(i64::from(for_good))
        .bind(&e.message)
        .bind(e.class.as_str())
        .bind(now_ms())
        .bind(order.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// FNV-1a, 64 bits: a stable hash of a snapshot's text.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
