//! From Odoo: polling is the source of truth.
//!
//! Each pass reads the orders whose `write_date` is at or after the
//! cursor minus an overlap window (Odoo stamps `write_date` with its
//! transaction's start, so a long transaction can commit a row older than
//! one already seen; the window re-reads the last minutes), and the orders
//! whose *lines* changed (a line's description does not touch its order's
//! `write_date`). Each order is compared three ways, part by part: the
//! last synced snapshot, the application's version, Odoo's. What only Odoo
//! changed is taken into the application; what both changed is a conflict
//! decided by [`Policies`]. Changes the sync made itself match the
//! snapshot, so they are not echoed back.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value, json};
use uuid::Uuid;
use zenoo_rpc::{Client, Load, SearchOptions};

use crate::conflict::{Decided, Part, Policies, Policy, Take};
use crate::error::{Error, Result};
use crate::mapping::MappingRules;
use crate::merge::{merge, same_lines};
use crate::odoo::{OdooChange, OdooView, Snapshot};
use crate::order::{AppLine, AppOrder, OrderStatus};
use crate::store::Store;
use crate::store::cursors::EPOCH;

/// Odoo's `write_date` format.
const STAMP: &str = "%Y-%m-%d %H:%M:%S";

/// What one pass saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollReport {
    /// Orders of the sync read from Odoo.
    pub seen: usize,
    /// Orders whose Odoo changes were taken into the application.
    pub applied: usize,
    /// Conflicts found (decided by policy or left for a choice).
    pub conflicts: usize,
}

/// Reads Odoo's orders back into the application.
#[derive(Debug)]
pub struct Poller {
    store: Store,
    client: Client,
    policies: Policies,
    overlap: Duration,
    page: u64,
    rules: MappingRules,
    /// Application references of Odoo records read so far, by (model, id).
    references: Mutex<HashMap<(&'static str, i64), String>>,
}

impl Poller {
    /// A poller deciding conflicts by `policies`.
    pub fn new(store: Store, client: Client, policies: Policies) -> Self {
        Self {
            store,
            client,
            policies,
            overlap: Duration::from_secs(120),
            page: 200,
            rules: MappingRules::default(),
            references: Mutex::new(HashMap::new()),
        }
    }

    /// The rules application references are read back by (default:
    /// [`MappingRules::default`]); the same as the worker's.
    #[must_use]
    pub fn mapping(mut self, rules: MappingRules) -> Self {
        self.rules = rules;
        self
    }

    /// How far back each pass re-reads (default 2 minutes): longer than the
    /// longest transaction Odoo may run.
    #[must_use]
    pub fn overlap(mut self, d: Duration) -> Self {
        self.overlap = d;
        self
    }

    /// One pass: the orders and lines changed since the cursor (minus the
    /// overlap), each compared and applied; the cursors move forward.
    ///
    /// # Errors
    /// Odoo's or the store's error; the cursors stay where they were.
    pub async fn poll_once(&self) -> Result<PollReport> {
        let mut ids = BTreeSet::new();
        let (order_cursor, line_cursor) = (
            self.store.cursor("purchase.order").await?,
            self.store.cursor("purchase.order.line").await?,
        );
        let order_max = self
            .changed(
                "purchase.order",
                &order_cursor,
                json!([["origin", "=like", "zenoo:%"]]),
                "id",
                &mut ids,
            )
            .await?;
        let line_max = self
            .changed(
                "purchase.order.line",
                &line_cursor,
                json!([]),
                "order_id",
                &mut ids,
            )
            .await?;
        let mut report = PollReport::default();
        // Every order the window holds is compared again, by content: an
        // edit in the same second as the last one has the same
        // (whole-second) write_date, so the stamp cannot tell it was made.
        let ids: Vec<i64> = ids.into_iter().collect();
        self.sync_ids(&ids, &mut report).await?;
        self.store.set_cursor("purchase.order", &order_max).await?;
        self.store
            .set_cursor("purchase.order.line", &line_max)
            .await?;
        Ok(report)
    }

    /// Every synced order compared again, whatever the cursors say: what a
    /// cursor could have missed is found here.
    ///
    /// # Errors
    /// Odoo's or the store's error.
    pub async fn reconcile(&self) -> Result<PollReport> {
        let mut report = PollReport::default();
        let ids = self.store.synced_odoo_ids().await?;
        self.sync_ids(&ids, &mut report).await?;
        Ok(report)
    }

    /// The ids (`field`: the record's own, or its order's) of `model`'s
    /// records written since `cursor` minus the overlap, into `ids`; the
    /// newest (write_date, id) seen. The overlap (at least a second) also
    /// re-reads the cursor's own second, whose rows tie in whole seconds.
    async fn changed(
        &self,
        model: &str,
        cursor: &(String, i64),
        extra: Value,
        field: &str,
        ids: &mut BTreeSet<i64>,
    ) -> Result<(String, i64)> {
        let since = back(&cursor.0, self.overlap);
        let mut max = cursor.clone();
        // Paged by id under a fixed `write_date >= since`: Odoo keeps
        // microseconds but answers whole seconds, so `write_date = <a value
        // it answered>` matches nothing and cannot page a keyset; ids can.
        let mut last_id = 0i64;
        loop {
            let mut domain = vec![
                json!(["write_date", ">=", since]),
                json!(["id", ">", last_id]),
            ];
            domain.extend(extra.as_array().cloned().unwrap_or_default());
            let fields: Vec<&str> = if field == "id" {
                vec!["write_date"]
            } else {
                vec!["write_date", field]
            };
            let rows: Vec<Map<String, Value>> = self
                .client
                .search_read(
                    model,
                    Value::Array(domain),
                    &fields,
                    SearchOptions::new().order("id asc").limit(self.page),
                )
                .await?;
            let n = rows.len();
            for r in &rows {
                let id = r.get("id").and_then(Value::as_i64).unwrap_or(0);
                let wd = r
                    .get("write_date")
                    .and_then(Value::as_str)
                    .unwrap_or(EPOCH)
                    .to_string();
                let target = if field == "id" {
                    Some(id)
                } else {
                    r.get(field).and_then(|v| v.get(0)).and_then(Value::as_i64)
                };
                if let Some(t) = target {
                    ids.insert(t);
                }
                if (wd.as_str(), id) > (max.0.as_str(), max.1) {
                    max = (wd, id);
                }
                last_id = last_id.max(id);
            }
            if u64::try_from(n).unwrap_or(0) < self.page {
                return Ok(max);
            }
        }
    }

    /// The application references (`field`) of `model`'s records `ids`,
    /// each read once.
    async fn references(
        &self,
        model: &'static str,
        field: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>> {
        let poisoned = || Error::Corrupt {
            what: "the reference cache",
            detail: "poisoned".into(),
        };
        let missing: Vec<i64> = {
            let known = self.references.lock().map_err(|_| poisoned())?;
            let mut m: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| !known.contains_key(&(model, *id)))
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        if !missing.is_empty() {
            let rows: Vec<Map<String, Value>> = self
                .client
                .read(model, &missing, &[field], Load::Raw)
                .await?;
            let mut known = self.references.lock().map_err(|_| poisoned())?;
            for r in rows {
                if let (Some(id), Some(v)) = (
                    r.get("id").and_then(Value::as_i64),
                    r.get(field).and_then(Value::as_str),
                ) {
                    known.insert((model, id), v.to_string());
                }
            }
        }
        let known = self.references.lock().map_err(|_| poisoned())?;
        Ok(ids
            .iter()
            .filter_map(|id| Some((*id, known.get(&(model, *id))?.clone())))
            .collect())
    }

    /// Odoo's version of the orders `ids`, in two calls (the orders, then
    /// all their lines); a deleted order is absent.
    pub(crate) async fn views(&self, ids: &[i64]) -> Result<HashMap<i64, OdooView>> {
        let uom_field = crate::mapping::line_uom_field(&self.client);
        let rows: Vec<Map<String, Value>> = self
            .client
            .read(
                "purchase.order",
                ids,
                &["partner_id", "state", "write_date"],
                Load::Raw,
            )
            .await?;
        let lines: Vec<Map<String, Value>> = self
            .client
            .search_read(
                "purchase.order.line",
                json!([["order_id", "in", ids]]),
                &[
                    "order_id",
                    "product_id",
                    "product_qty",
                    "price_unit",
                    "date_planned",
                    uom_field,
                ],
                SearchOptions::new().order("id"),
            )
            .await?;
        let many2one = |r: &Map<String, Value>, f: &str| {
            r.get(f).and_then(|p| p.get(0)).and_then(Value::as_i64)
        };
        let products: Vec<i64> = lines
            .iter()
            .filter_map(|l| many2one(l, "product_id"))
            .collect();
        let codes = self
            .references("product.product", &self.rules.product_by, &products)
            .await?;
        let uoms: Vec<i64> = lines
            .iter()
            .filter_map(|l| many2one(l, uom_field))
            .collect();
        let uom_names = self
            .references("uom.uom", &self.rules.uom_by, &uoms)
            .await?;
        let mut views: HashMap<i64, OdooView> = rows
            .iter()
            .filter_map(|po| {
                let id = po.get("id")?.as_i64()?;
                Some((
                    id,
                    OdooView {
                        partner_id: many2one(po, "partner_id")
                            .or_else(|| po.get("partner_id").and_then(Value::as_i64))
                            .unwrap_or(0),
                        state: po.get("state").and_then(Value::as_str).map(str::to_string),
                        write_date: po
                            .get("write_date")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        lines: Vec::new(),
                    },
                ))
            })
            .collect();
        for l in &lines {
            let (Some(id), Some(order)) =
                (l.get("id").and_then(Value::as_i64), many2one(l, "order_id"))
            else {
                continue;
            };
            let Some(view) = views.get_mut(&order) else {
                continue;
            };
            view.lines.push((
                id,
                AppLine {
                    product_code: many2one(l, "product_id")
                        .and_then(|p| codes.get(&p).cloned())
                        .unwrap_or_default(),
                    quantity: l.get("product_qty").and_then(Value::as_f64).unwrap_or(0.0),
                    price_unit: l.get("price_unit").and_then(Value::as_f64).unwrap_or(0.0),
                    date_planned: l
                        .get("date_planned")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    uom: many2one(l, uom_field).and_then(|u| uom_names.get(&u).cloned()),
                },
            ));
        }
        Ok(views)
    }

    /// Before a push writes order `id`: `true` when Odoo still holds what
    /// the last sync left (`base`); otherwise the order is compared three
    /// ways now (merged, decided by policy or left in conflict) and `false`.
    pub(crate) async fn unchanged_or_compare(
        &self,
        uuid: Uuid,
        id: i64,
        base: &Snapshot,
    ) -> Result<bool> {
        let view = self.views(&[id]).await?.remove(&id);
        if let Some(v) = &view {
            let lines = tracked(&v.lines, &base.lines);
            let same = v.partner_id == base.partner_id
                && v.state == base.state
                && v.lines.len() == base.lines.len()
                && v.lines
                    .iter()
                    .zip(&lines)
                    .zip(&base.lines)
                    .all(|(((id, _), l), (bid, b))| id == bid && crate::merge::same_line(l, b));
            if same {
                return Ok(true);
            }
        }
        self.compare(uuid, id, view, None, &mut PollReport::default())
            .await?;
        Ok(false)
    }

    /// Compares the orders `ids` (those of this sync), a page at a time.
    /// An order whose Odoo version hashes as it did when it was last
    /// compared is skipped: nothing changed in Odoo since.
    async fn sync_ids(&self, ids: &[i64], report: &mut PollReport) -> Result<()> {
        let page = usize::try_from(self.page).unwrap_or(usize::MAX).max(1);
        for chunk in ids.chunks(page) {
            let mine = self.store.compared(chunk).await?;
            if mine.is_empty() {
                continue;
            }
            let odoo_ids: Vec<i64> = mine.keys().copied().collect();
            let mut views = self.views(&odoo_ids).await?;
            for (id, (uuid, known)) in mine {
                let view = views.remove(&id);
                let hash = view.as_ref().map(OdooView::hash);
                if hash.is_some() && hash == known {
                    report.seen += 1;
                    continue;
                }
                if self.compare(uuid, id, view, None, report).await?
                    && let Some(h) = hash
                {
                    self.store.set_compared(uuid, &h).await?;
                }
            }
        }
        Ok(())
    }

    /// Compares one order three ways and applies the outcome. With
    /// `settle`, the order is in conflict and every collision goes to that
    /// side (a resolution); without, an order in conflict waits. `true`
    /// when the application now reflects `odoo` (nothing waits on it).
    async fn compare(
        &self,
        uuid: Uuid,
        odoo_id: i64,
        odoo: Option<OdooView>,
        settle: Option<Take>,
        report: &mut PollReport,
    ) -> Result<bool> {
        let Some(app) = self.store.order(uuid).await? else {
            return Ok(false);
        };
        if app.status == OrderStatus::Conflict && settle.is_none() {
            return Ok(false); // waits for a resolution
        }
        let (base, _) = self.store.snapshot(uuid).await?;
        let Some(odoo) = odoo else {
            self.store.mark_gone(uuid).await?;
            return Ok(false);
        };
        report.seen += 1;
        let odoo_lines: Vec<AppLine> = tracked(&odoo.lines, &base.lines);
        let odoo_tracked: Vec<(i64, AppLine)> = odoo
            .lines
            .iter()
            .zip(&odoo_lines)
            .map(|((id, _), l)| (*id, l.clone()))
            .collect();
        let base_lines: Vec<AppLine> = base.lines.iter().map(|(_, l)| l.clone()).collect();
        // A line without a unit is in the unit Odoo gave it last time.
        let app_lines = crate::merge::fill_units(&app.lines, &base.lines);
        let state_changed = odoo.state != base.state;
        // Who decides a collision: the resolution, or the part's policy.
        let decide = |part: Part| -> (Policy, Option<Take>) {
            let policy = match settle {
                Some(_) => Policy::Manual,
                None => self.policies.for_part(part, odoo.state.as_deref()),
            };
            let take = match (settle, policy) {
                (Some(t), _) => Some(t),
                (None, Policy::OdooWins) => Some(Take::Odoo),
                (None, Policy::AppWins) => Some(Take::App),
                (None, Policy::NewestWins) => {
                    let odoo_newer = odoo
                        .write_date
                        .as_deref()
                        .and_then(|w| chrono::NaiveDateTime::parse_from_str(w, STAMP).ok())
                        .map(|w| w.and_utc().timestamp_millis())
                        .is_none_or(|w| w >= app_changed_at(&app));
                    Some(if odoo_newer { Take::Odoo } else { Take::App })
                }
                (None, _) => None,
            };
            (policy, take)
        };
        let mut push_again = false;
        let mut decided: Vec<Decided> = Vec::new();
        let mut manual: Vec<Part> = Vec::new();

        // The lines, merged field by field.
        let mut lines_to_app: Option<Vec<AppLine>> = None;
        if !same_lines(&odoo_lines, &base_lines) || settle.is_some() {
            let mut merged = merge(&base.lines, &app_lines, &odoo_tracked, Take::Odoo);
            let mut go = true;
            if !merged.collisions.is_empty() {
                report.conflicts += 1;
                match decide(Part::Lines) {
                    (policy, Some(take)) => {
                        merged = merge(&base.lines, &app_lines, &odoo_tracked, take);
                        decided.push(Decided {
                            part: Part::Lines,
                            policy,
                            take,
                            base: json!(base_lines),
                            app: json!(app_lines),
                            odoo: json!(odoo_lines),
                            at: json!(merged.collisions),
                        });
                    }
                    (_, None) => {
                        manual.push(Part::Lines);
                        go = false;
                    }
                }
            }
            if go {
                let to_odoo = !same_lines(&merged.lines, &odoo_lines);
                let to_app = !same_lines(&merged.lines, &app_lines);
                // What the application changed alone is already queued.
                push_again |= to_odoo && (to_app || !merged.collisions.is_empty());
                if to_app {
                    lines_to_app = Some(merged.lines);
                }
            }
        }

        // The supplier: one field.
        let supplier_odoo = odoo.partner_id != base.partner_id;
        let supplier_app = app.supplier_ref != base.supplier_ref;
        let mut take_supplier = false;
        let odoo_supplier = if supplier_odoo {
            Some(self.supplier_ref(odoo.partner_id).await?)
        } else {
            None
        };
        if let Some(theirs) = &odoo_supplier {
            if !supplier_app || *theirs == app.supplier_ref {
                take_supplier = true;
            } else {
                report.conflicts += 1;
                match decide(Part::Supplier) {
                    (policy, Some(take)) => {
                        decided.push(Decided {
                            part: Part::Supplier,
                            policy,
                            take,
                            base: json!(base.supplier_ref),
                            app: json!(app.supplier_ref),
                            odoo: json!(theirs),
                            at: json!([]),
                        });
                        take_supplier = take == Take::Odoo;
                        push_again |= take == Take::App;
                    }
                    (_, None) => manual.push(Part::Supplier),
                }
            }
        }

        let mut next = base.clone();
        next.state = odoo.state.clone();
        // What Odoo holds now is what the next push is computed against.
        next.lines = odoo_tracked;
        next.partner_id = odoo.partner_id;
        if take_supplier {
            next.supplier_ref = odoo_supplier.clone().unwrap_or_default();
        } else if supplier_odoo {
            next.supplier_ref = String::new();
        }
        if !manual.is_empty() {
            // Everything about this order waits for the one choice.
            for part in &manual {
                let (b, a, o) = match part {
                    Part::Lines => (json!(base_lines), json!(app_lines), json!(odoo_lines)),
                    Part::Supplier => (
                        json!(base.supplier_ref),
                        json!(app.supplier_ref),
                        json!(odoo_supplier),
                    ),
                };
                self.store
                    .open_conflict(uuid, *part, &b, &a, &o, &next)
                    .await?;
                metrics::counter!("zenoo_sync_conflicts_total", "part" => part.as_str(), "policy" => "manual").increment(1);
            }
            self.store.events.send(crate::event::SyncEvent::Conflict {
                order: uuid,
                parts: manual,
            });
            return Ok(false);
        }
        let take_lines = lines_to_app.is_some();
        let nothing = !take_lines && !take_supplier && !state_changed && !push_again;
        if settle.is_none()
            && nothing
            && odoo.write_date == self.store.base_write_date(uuid).await?
        {
            return Ok(true);
        }
        self.store
            .apply_odoo(
                uuid,
                &OdooChange {
                    supplier_ref: take_supplier.then_some(next.supplier_ref.as_str()),
                    lines: lines_to_app.as_deref(),
                    state: odoo.state.as_deref(),
                    snapshot: &next,
                    write_date: odoo.write_date.as_deref(),
                    push_again,
                    decided: &decided,
                    settles: settle,
                },
            )
            .await?;
        for d in &decided {
            metrics::counter!("zenoo_sync_conflicts_total", "part" => d.part.as_str(), "policy" => d.policy.as_str()).increment(1);
        }
        if take_lines || take_supplier || state_changed {
            report.applied += 1;
            self.store.events.send(crate::event::SyncEvent::Synced {
                order: uuid,
                odoo_id,
                direction: crate::event::Direction::FromOdoo,
            });
        }
        Ok(true)
    }

    /// The partner's supplier reference: the first of the rules' fields
    /// it has.
    async fn supplier_ref(&self, partner: i64) -> Result<String> {
        let fields: Vec<&str> = self.rules.supplier_by.iter().map(String::as_str).collect();
        let rows: Vec<Map<String, Value>> = self
            .client
            .read("res.partner", &[partner], &fields, Load::Raw)
            .await?;
        let r = rows.first();
        Ok(fields
            .iter()
            .find_map(|f| {
                r.and_then(|r| r.get(*f))
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
            })
            .unwrap_or_default()
            .to_string())
    }

    /// Settles the open conflicts of `order`: Odoo's order is read again
    /// and merged with the application's as it is now, every collision
    /// going to `take`; what only one side changed is kept either way.
    ///
    /// # Errors
    /// The store's or Odoo's error; [`Error::InvalidOrder`] when the order
    /// has no open conflict.
    pub async fn resolve(&self, order: Uuid, take: Take) -> Result<()> {
        let odoo_id = match self.store.order(order).await? {
            Some(o) if o.status == OrderStatus::Conflict => o.odoo_id,
            _ => None,
        };
        let Some(odoo_id) = odoo_id else {
            return Err(Error::InvalidOrder(format!(
                "order {order} has no open conflict"
            )));
        };
        let view = self.views(&[odoo_id]).await?.remove(&odoo_id);
        self.compare(order, odoo_id, view, Some(take), &mut PollReport::default())
            .await?;
        self.store
            .events
            .send(crate::event::SyncEvent::Resolved { order });
        Ok(())
    }
}

/// Odoo's lines as the application tracks them: planned dates only where
/// the application set one.
fn tracked(odoo: &[(i64, AppLine)], base: &[(i64, AppLine)]) -> Vec<AppLine> {
    odoo.iter()
        .map(|(id, l)| {
            let dated = base
                .iter()
                .find(|(b, _)| b == id)
                .is_some_and(|(_, b)| b.date_planned.is_some());
            AppLine {
                date_planned: if dated { l.date_planned.clone() } else { None },
                ..l.clone()
            }
        })
        .collect()
}

/// When the application last changed the order (its store time).
fn app_changed_at(app: &AppOrder) -> i64 {
    app.updated_at
}

/// `stamp` minus `d`, in Odoo's format (the epoch for what does not parse).
fn back(stamp: &str, d: Duration) -> String {
    chrono::NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .and_then(|t| t.checked_sub_signed(chrono::TimeDelta::from_std(d).ok()?))
        .map_or_else(|| EPOCH.to_string(), |t| t.format(STAMP).to_string())
}
