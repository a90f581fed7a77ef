//! The three-way comparison of one order: the last synced snapshot, the
//! application's version and Odoo's, part by part; what only Odoo changed
//! is taken in, what both changed is merged or decided by policy, or left
//! for a choice. The poll runs it on what changed, the push before it
//! writes over an order Odoo may have changed, a resolution with a side.

use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;

use super::PollReport;
use super::read::STAMP;
use crate::conflict::{Decided, Part, Policies, Policy, Take};
use crate::error::{Error, Result};
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
            Some(self.reader.supplier_ref(odoo.partner_id).await?)
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
        let view = self.reader.views(&[odoo_id]).await?.remove(&odoo_id);
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
