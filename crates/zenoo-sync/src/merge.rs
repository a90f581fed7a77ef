//! The three-way merge of an order's lines: the last synced snapshot
//! against the application's lines and Odoo's, field by field.
//!
//! Lines are matched as the push sends them: an application line by its
//! position in the snapshot, an Odoo line by its id. A change made on one
//! side only is kept; the same change on both sides is one change; only a
//! field both sides changed to different values (or a line one side removed
//! and the other changed) collides, and there the side a [`Take`] names wins.

use serde::Serialize;

use crate::conflict::Take;
use crate::order::AppLine;

/// One place where both sides changed the same thing differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collision {
    /// The line's position in the last synced order, from 1.
    pub line: usize,
    /// The field (`product_code`, `quantity`, `price_unit`,
    /// `date_planned`, `uom`), or `line` when one side removed the line.
    pub field: &'static str,
}

/// What a merge gives.
#[derive(Debug, Clone)]
pub(crate) struct Merged {
    /// The lines: Odoo's in Odoo's order, then the application's new ones.
    pub lines: Vec<AppLine>,
    /// Where the sides collided (decided for the preferred side).
    pub collisions: Vec<Collision>,
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Two lines are the same line content.
pub(crate) fn same_line(a: &AppLine, b: &AppLine) -> bool {
    a.product_code == b.product_code
        && close(a.quantity, b.quantity)
        && close(a.price_unit, b.price_unit)
        && a.date_planned == b.date_planned
        && a.uom == b.uom
}

/// Two lists hold the same lines in the same order.
pub(crate) fn same_lines(a: &[AppLine], b: &[AppLine]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_line(x, y))
}

/// The application's lines with each missing unit of measure taken from
/// the line at the same position in the last synced version (the unit Odoo
/// gave it): an application that does not track units changes none.
pub(crate) fn fill_units(app: &[AppLine], base: &[(i64, AppLine)]) -> Vec<AppLine> {
    app.iter()
        .enumerate()
        .map(|(i, l)| match (&l.uom, base.get(i)) {
            (None, Some((_, b))) if b.product_code == l.product_code => AppLine {
                uom: b.uom.clone(),
                ..l.clone()
            },
            _ => l.clone(),
        })
        .collect()
}

/// One field, three ways: `None` when both sides changed it differently.
fn pick<T: Clone>(base: &T, app: &T, odoo: &T, eq: impl Fn(&T, &T) -> bool) -> Option<T> {
    if eq(app, base) || eq(app, odoo) {
        Some(odoo.clone())
    } else if eq(odoo, base) {
        Some(app.clone())
    } else {
        None
    }
}

/// One line changed on both sides, field by field.
fn merge_line(
    line: usize,
    base: &AppLine,
    app: &AppLine,
    odoo: &AppLine,
    prefer: Take,
    collisions: &mut Vec<Collision>,
) -> AppLine {
    let mut side = |field: &'static str| {
        collisions.push(Collision { line, field });
        prefer
    };
    let choose = |taken: Take| if taken == Take::App { app } else { odoo };
    let product_code = pick(
        &base.product_code,
        &app.product_code,
        &odoo.product_code,
        |x, y| x == y,
    )
    .unwrap_or_else(|| choose(side("product_code")).product_code.clone());
    let quantity = pick(&base.quantity, &app.quantity, &odoo.quantity, |x, y| {
        close(*x, *y)
    })
    .unwrap_or_else(|| choose(side("quantity")).quantity);
    let price_unit = pick(
        &base.price_unit,
        &app.price_unit,
        &odoo.price_unit,
        |x, y| close(*x, *y),
    )
    .unwrap_or_else(|| choose(side("price_unit")).price_unit);
    let date_planned = pick(
        &base.date_planned,
        &app.date_planned,
        &odoo.date_planned,
        |x, y| x == y,
    )
    .unwrap_or_else(|| choose(side("date_planned")).date_planned.clone());
    let uom = pick(&base.uom, &app.uom, &odoo.uom, |x, y| x == y)
        .unwrap_or_else(|| choose(side("uom")).uom.clone());
    AppLine {
        product_code,
        quantity,
        price_unit,
        date_planned,
        uom,
    }
}

/// Merges `app` and `odoo` (lines with their Odoo ids) against `base` (the
/// last synced lines with their ids); collisions go to `prefer`.
pub(crate) fn merge(
    base: &[(i64, AppLine)],
    app: &[AppLine],
    odoo: &[(i64, AppLine)],
    prefer: Take,
) -> Merged {
    let mut collisions = Vec::new();
    let mut lines = Vec::with_capacity(odoo.len().max(app.len()));
    for (id, o) in odoo {
        let Some(i) = base.iter().position(|(b, _)| b == id) else {
            lines.push(o.clone()); // added in Odoo
            continue;
        };
        let b = &base[i].1;
        match app.get(i) {
            Some(a) => lines.push(merge_line(i + 1, b, a, o, prefer, &mut collisions)),
            // Removed in the application: gone, unless Odoo changed it.
            None if same_line(o, b) => {}
            None => {
                collisions.push(Collision {
                    line: i + 1,
                    field: "line",
                });
                if prefer == Take::Odoo {
                    lines.push(o.clone());
                }
            }
        }
    }
    // Removed in Odoo: gone, unless the application changed it.
    for (i, (id, b)) in base.iter().enumerate() {
        if odoo.iter().any(|(o, _)| o == id) {
            continue;
        }
        if let Some(a) = app.get(i).filter(|a| !same_line(a, b)) {
            collisions.push(Collision {
                line: i + 1,
                field: "line",
            });
            if prefer == Take::App {
                lines.push(a.clone());
            }
        }
    }
    lines.extend(app.iter().skip(base.len()).cloned()); // added in the application
    Merged { lines, collisions }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(code: &str, q: f64, p: f64) -> AppLine {
        AppLine {
            product_code: code.into(),
            quantity: q,
            price_unit: p,
            date_planned: None,
            uom: None,
        }
    }

    fn base() -> Vec<(i64, AppLine)> {
        vec![(7, l("A", 1.0, 10.0)), (8, l("B", 2.0, 20.0))]
    }

    #[test]
    fn changes_to_different_fields_and_lines_both_survive() {
        let app = [l("A", 5.0, 10.0), l("B", 2.0, 20.0)];
        let odoo = [(7, l("A", 1.0, 11.0)), (8, l("B", 3.0, 20.0))];
        let m = merge(&base(), &app, &odoo, Take::Odoo);
        assert!(m.collisions.is_empty(), "{:?}", m.collisions);
        assert!(same_lines(
            &m.lines,
            &[l("A", 5.0, 11.0), l("B", 3.0, 20.0)]
        ));
    }

    #[test]
    fn the_same_field_changed_twice_collides_and_the_preferred_side_wins() {
        let app = [l("A", 5.0, 10.0), l("B", 2.0, 20.0)];
        let odoo = [(7, l("A", 6.0, 10.0)), (8, l("B", 2.0, 20.0))];
        for (prefer, q) in [(Take::Odoo, 6.0), (Take::App, 5.0)] {
            let m = merge(&base(), &app, &odoo, prefer);
            assert_eq!(
                m.collisions,
                [Collision {
                    line: 1,
                    field: "quantity"
                }]
            );
            assert!(close(m.lines[0].quantity, q));
        }
    }

    #[test]
    fn additions_on_both_sides_are_kept_and_removals_of_unchanged_lines_apply() {
        // The application removed B and added C; Odoo added D.
        let app = [l("A", 1.0, 10.0)];
        let app_added = [l("A", 1.0, 10.0), l("B", 2.0, 20.0), l("C", 1.0, 1.0)];
        let odoo = [
            (7, l("A", 1.0, 10.0)),
            (8, l("B", 2.0, 20.0)),
            (9, l("D", 4.0, 4.0)),
        ];
        let m = merge(&base(), &app, &odoo, Take::Odoo);
        assert!(m.collisions.is_empty());
        assert!(same_lines(&m.lines, &[l("A", 1.0, 10.0), l("D", 4.0, 4.0)]));
        let m = merge(&base(), &app_added, &odoo, Take::Odoo);
        assert!(same_lines(
            &m.lines,
            &[
                l("A", 1.0, 10.0),
                l("B", 2.0, 20.0),
                l("D", 4.0, 4.0),
                l("C", 1.0, 1.0)
            ]
        ));
    }

    #[test]
    fn a_line_removed_on_one_side_and_changed_on_the_other_collides() {
        // Odoo removed B, the application changed it.
        let app = [l("A", 1.0, 10.0), l("B", 9.0, 20.0)];
        let odoo = [(7, l("A", 1.0, 10.0))];
        let m = merge(&base(), &app, &odoo, Take::Odoo);
        assert_eq!(
            m.collisions,
            [Collision {
                line: 2,
                field: "line"
            }]
        );
        assert_eq!(m.lines.len(), 1);
        let m = merge(&base(), &app, &odoo, Take::App);
        assert!(same_lines(&m.lines, &app));
        // The application removed B, Odoo changed it.
        let odoo = [(7, l("A", 1.0, 10.0)), (8, l("B", 2.0, 25.0))];
        let m = merge(&base(), &app[..1], &odoo, Take::Odoo);
        assert_eq!(m.collisions.len(), 1);
        assert!(same_lines(
            &m.lines,
            &[l("A", 1.0, 10.0), l("B", 2.0, 25.0)]
        ));
        let m = merge(&base(), &app[..1], &odoo, Take::App);
        assert!(same_lines(&m.lines, &app[..1]));
    }
}
