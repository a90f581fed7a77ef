//! The three-way comparison of one order: the last synced snapshot, the
//! application's version and Odoo's, part by part; what only Odoo changed
//! is taken in, what both changed is merged or decided by policy, or left
//! for a choice. The poll runs it on what changed, the push before it
//! writes over an order Odoo may have changed, a resolution with a side.

use std::sync::Arc;

use serde_json::{Value, json};
use uuid::Uuid;

use super::PollReport;
use super::read::STAMP;
use crate::conflict::{Decided, Part, Policies, Policy, Take};
use crate::error::Result;
use crate::merge::{merge, same_lines};
use crate::odoo::{OdooChange, OdooReader, OdooView, Snapshot};
use crate::order::{AppLine, AppOrder, OrderStatus};
use crate::store::Store;

/// Compares orders three ways and applies the outcome.
#[derive(Debug)]
pub(crate) struct Comparer {
    pub(crate) store: Store,
    pub(crate) reader: Arc<OdooReader>,
    pub(crate) policies: Policies,
}

impl Comparer {
    /// Before a push writes order `id`: `true` when Odoo still holds what
    /// the last sync left (`base`); otherwise the order is compared three
    /// ways now (merged, decided by policy or left in conflict) and `false`.
    pub(crate) async fn unchanged_or_compare(
        &self,
        uuid: Uuid,
        id: i64,
        base: &Snapshot,
    ) -> Result<bool> {
        let view = self.reader.views(&[id]).await?.remove(&id);
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

    /// Compares one order three ways and applies the outcome. With
    /// `settle`, the order is in conflict and every collision goes to that
    /// side (a resolution); without, an order in conflict waits. `true`
    /// when the application now reflects `odoo` (nothing waits on it).
    pub(crate) async fn compare(
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
        let sides = Sides::new(&base, &app, &odoo);
        let judge = Judge {
            settle,
            policies: &self.policies,
            odoo: &odoo,
            app: &app,
        };
        let mut outcome = Outcome::default();
        let lines_to_app = compare_lines(&base, &sides, &judge, &mut outcome, report);
        let supplier = self
            .compare_supplier(&base, &app, &odoo, &judge, &mut outcome, report)
            .await?;
        let next = next_snapshot(&base, &odoo, &sides, &supplier);
        if !outcome.manual.is_empty() {
            // Everything about this order waits for the one choice.
            let open: Vec<(Part, [Value; 3])> = outcome
                .manual
                .iter()
                .map(|part| (*part, versions(*part, &sides, &supplier, &base, &app)))
                .collect();
            self.open_conflicts(uuid, &next, open).await?;
            return Ok(false);
        }
        let state_changed = odoo.state != base.state;
        let take_lines = lines_to_app.is_some();
        let nothing = !take_lines && !supplier.take && !state_changed && !outcome.push_again;
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
                    supplier_ref: supplier.take.then_some(next.supplier_ref.as_str()),
                    lines: lines_to_app.as_deref(),
                    state: odoo.state.as_deref(),
                    snapshot: &next,
                    write_date: odoo.write_date.as_deref(),
                    push_again: outcome.push_again,
                    decided: &outcome.decided,
                    settles: settle,
                },
            )
            .await?;
        for d in &outcome.decided {
            metrics::counter!("zenoo_sync_conflicts_total", "part" => d.part.as_str(), "policy" => d.policy.as_str()).increment(1);
        }
        if take_lines || supplier.take || state_changed {
            report.applied += 1;
            self.store.events.send(crate::event::SyncEvent::Synced {
                order: uuid,
                odoo_id,
                direction: crate::event::Direction::FromOdoo,
            });
        }
        Ok(true)
    }

    /// The supplier, one field: taken from Odoo when only Odoo changed it
    /// (or both to the same), else a collision decided or left manual.
    async fn compare_supplier(
        &self,
        base: &Snapshot,
        app: &AppOrder,
        odoo: &OdooView,
        judge: &Judge<'_>,
        outcome: &mut Outcome,
        report: &mut PollReport,
    ) -> Result<SupplierOutcome> {
        let changed_in_odoo = odoo.partner_id != base.partner_id;
        let changed_in_app = app.supplier_ref != base.supplier_ref;
        let theirs = if changed_in_odoo {
            Some(self.reader.supplier_ref(odoo.partner_id).await?)
        } else {
            None
        };
        let mut take = false;
        if let Some(theirs) = &theirs {
            if !changed_in_app || *theirs == app.supplier_ref {
                take = true;
            } else {
                report.conflicts += 1;
                match judge.decide(Part::Supplier) {
                    (policy, Some(side)) => {
                        outcome.decided.push(Decided {
                            part: Part::Supplier,
                            policy,
                            take: side,
                            base: json!(base.supplier_ref),
                            app: json!(app.supplier_ref),
                            odoo: json!(theirs),
                            at: json!([]),
                        });
                        take = side == Take::Odoo;
                        outcome.push_again |= side == Take::App;
                    }
                    (_, None) => outcome.manual.push(Part::Supplier),
                }
            }
        }
        Ok(SupplierOutcome {
            changed_in_odoo,
            theirs,
            take,
        })
    }

    /// Opens a conflict for each part left for a choice (with its base,
    /// application and Odoo versions), and tells it.
    async fn open_conflicts(
        &self,
        uuid: Uuid,
        next: &Snapshot,
        open: Vec<(Part, [Value; 3])>,
    ) -> Result<()> {
        let mut manual = Vec::with_capacity(open.len());
        for (part, [b, a, o]) in open {
            self.store
                .open_conflict(uuid, part, &b, &a, &o, next)
                .await?;
            metrics::counter!("zenoo_sync_conflicts_total", "part" => part.as_str(), "policy" => "manual").increment(1);
            manual.push(part);
        }
        self.store.events.send(crate::event::SyncEvent::Conflict {
            order: uuid,
            parts: manual,
        });
        Ok(())
    }
}

/// Odoo's lines as the application tracks them: planned dates only where
/// the application set one.
pub(crate) fn tracked(odoo: &[(i64, AppLine)], base: &[(i64, AppLine)]) -> Vec<AppLine> {
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

/// The order's lines on each side, as the comparison sees them.
struct Sides {
    /// Odoo's lines as the application tracks them.
    odoo_lines: Vec<AppLine>,
    /// The same with their Odoo ids.
    odoo_tracked: Vec<(i64, AppLine)>,
    /// The last synced lines.
    base_lines: Vec<AppLine>,
    /// The application's lines (a line without a unit is in the unit Odoo
    /// gave it last time).
    app_lines: Vec<AppLine>,
}

impl Sides {
    fn new(base: &Snapshot, app: &AppOrder, odoo: &OdooView) -> Self {
        let odoo_lines: Vec<AppLine> = tracked(&odoo.lines, &base.lines);
        let odoo_tracked = odoo
            .lines
            .iter()
            .zip(&odoo_lines)
            .map(|((id, _), l)| (*id, l.clone()))
            .collect();
        Self {
            odoo_tracked,
            odoo_lines,
            base_lines: base.lines.iter().map(|(_, l)| l.clone()).collect(),
            app_lines: crate::merge::fill_units(&app.lines, &base.lines),
        }
    }
}

/// Who decides a collision: the resolution, or the part's policy.
struct Judge<'a> {
    settle: Option<Take>,
    policies: &'a Policies,
    odoo: &'a OdooView,
    app: &'a AppOrder,
}

impl Judge<'_> {
    /// The policy for `part` and the side it takes (`None`: a choice waits).
    fn decide(&self, part: Part) -> (Policy, Option<Take>) {
        let policy = match self.settle {
            Some(_) => Policy::Manual,
            None => self.policies.for_part(part, self.odoo.state.as_deref()),
        };
        let take = match (self.settle, policy) {
            (Some(t), _) => Some(t),
            (None, Policy::OdooWins) => Some(Take::Odoo),
            (None, Policy::AppWins) => Some(Take::App),
            (None, Policy::NewestWins) => {
                let odoo_newer = self
                    .odoo
                    .write_date
                    .as_deref()
                    .and_then(|w| chrono::NaiveDateTime::parse_from_str(w, STAMP).ok())
                    .map(|w| w.and_utc().timestamp_millis())
                    .is_none_or(|w| w >= app_changed_at(self.app));
                Some(if odoo_newer { Take::Odoo } else { Take::App })
            }
            (None, _) => None,
        };
        (policy, take)
    }
}

/// What a comparison decided so far.
#[derive(Default)]
struct Outcome {
    /// The application's version (or a merge) must go to Odoo again.
    push_again: bool,
    /// Collisions decided by policy or resolution.
    decided: Vec<Decided>,
    /// Parts left for a choice.
    manual: Vec<Part>,
}

/// What the comparison of the supplier found.
struct SupplierOutcome {
    /// Odoo's partner is not the last synced one.
    changed_in_odoo: bool,
    /// Odoo's supplier reference, when it changed there.
    theirs: Option<String>,
    /// The application takes Odoo's supplier.
    take: bool,
}

/// The lines, merged field by field: the lines the application takes, if
/// any.
fn compare_lines(
    base: &Snapshot,
    sides: &Sides,
    judge: &Judge<'_>,
    outcome: &mut Outcome,
    report: &mut PollReport,
) -> Option<Vec<AppLine>> {
    if same_lines(&sides.odoo_lines, &sides.base_lines) && judge.settle.is_none() {
        return None;
    }
    let mut merged = merge(
        &base.lines,
        &sides.app_lines,
        &sides.odoo_tracked,
        Take::Odoo,
    );
    if !merged.collisions.is_empty() {
        report.conflicts += 1;
        match judge.decide(Part::Lines) {
            (policy, Some(take)) => {
                merged = merge(&base.lines, &sides.app_lines, &sides.odoo_tracked, take);
                outcome.decided.push(Decided {
                    part: Part::Lines,
                    policy,
                    take,
                    base: json!(sides.base_lines),
                    app: json!(sides.app_lines),
                    odoo: json!(sides.odoo_lines),
                    at: json!(merged.collisions),
                });
            }
            (_, None) => {
                outcome.manual.push(Part::Lines);
                return None;
            }
        }
    }
    let to_odoo = !same_lines(&merged.lines, &sides.odoo_lines);
    let to_app = !same_lines(&merged.lines, &sides.app_lines);
    // What the application changed alone is already queued.
    outcome.push_again |= to_odoo && (to_app || !merged.collisions.is_empty());
    to_app.then_some(merged.lines)
}

/// What the next push and comparison are computed against: what Odoo
/// holds now.
fn next_snapshot(
    base: &Snapshot,
    odoo: &OdooView,
    sides: &Sides,
    supplier: &SupplierOutcome,
) -> Snapshot {
    let mut next = base.clone();
    next.state = odoo.state.clone();
    next.lines = sides.odoo_tracked.clone();
    next.partner_id = odoo.partner_id;
    if supplier.take {
        next.supplier_ref = supplier.theirs.clone().unwrap_or_default();
    } else if supplier.changed_in_odoo {
        next.supplier_ref = String::new();
    }
    next
}

/// The base, application and Odoo versions of `part`.
fn versions(
    part: Part,
    sides: &Sides,
    supplier: &SupplierOutcome,
    base: &Snapshot,
    app: &AppOrder,
) -> [Value; 3] {
    match part {
        Part::Lines => [
            json!(sides.base_lines),
            json!(sides.app_lines),
            json!(sides.odoo_lines),
        ],
        Part::Supplier => [
            json!(base.supplier_ref),
            json!(app.supplier_ref),
            json!(supplier.theirs),
        ],
    }
}
