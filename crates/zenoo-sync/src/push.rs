//! To Odoo: a worker claims outbox jobs and sends each order's state,
//! creating it once (its uuid is a key Odoo keeps) or writing the change
//! as x2many commands computed from the last synced snapshot.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use uuid::Uuid;
use zenoo_rpc::{Client, IdempotencyKey};

use crate::conflict::Policies;
use crate::error::{ErrorClass, JobError, Result};
use crate::mapping::{Mapping, MappingRules};
use crate::odoo::{OdooReader, Snapshot};
use crate::order::{AppLine, AppOrder};
use crate::poll::Comparer;
use crate::store::Store;
use crate::store::outbox::ClaimedJob;

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

/// Sends claimed jobs to Odoo.
#[derive(Debug)]
pub struct Worker {
    store: Store,
    client: Client,
    mapping: Mapping,
    name: String,
    lease: Duration,
    /// Compares an order Odoo changed since the last sync before a push
    /// would overwrite it, and reads back what Odoo holds after a push.
    comparer: Comparer,
}

impl Worker {
    /// A worker named `name` (unique among the workers sharing the store).
    pub fn new(store: Store, client: Client, name: impl Into<String>) -> Self {
        Self {
            mapping: Mapping::new(client.clone()),
            comparer: Comparer {
                store: store.clone(),
                reader: Arc::new(OdooReader::new(client.clone(), MappingRules::default())),
                policies: Policies::default(),
            },
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
        self.comparer.policies = policies;
        self
    }

    /// The rules application references are looked up by (default:
    /// [`MappingRules::default`]).
    #[must_use]
    pub fn mapping(mut self, rules: MappingRules) -> Self {
        self.mapping = Mapping::with_rules(self.client.clone(), rules.clone());
        self.comparer.reader = Arc::new(OdooReader::new(self.client.clone(), rules));
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
                .comparer
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
        let view = self
            .comparer
            .reader
            .views(&[id])
            .await?
            .remove(&id)
            .ok_or_else(|| {
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
