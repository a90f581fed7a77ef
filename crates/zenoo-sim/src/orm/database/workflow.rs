//! The state changes of sale and purchase orders, with the checks Odoo's
//! `sale` and `purchase` modules make (18 and 19 alike):
//!
//! | call | from | otherwise |
//! |---|---|---|
//! | `sale.order.action_confirm` | draft, sent | UserError "Some orders are not in a state requiring confirmation." |
//! | `sale.order.action_cancel` | any | — |
//! | `sale.order.action_draft` | cancel, sent | left as they are |
//! | `purchase.order.button_confirm` | draft, sent | left as they are (Odoo `continue`s) |
//! | `purchase.order.button_cancel` | any | — |
//! | `purchase.order.button_draft` | any | — |
//! | `unlink` of a purchase order | cancel | UserError "In order to delete a purchase order, you must cancel it first." |
//!
//! A sale order line without a product blocks confirmation ("A line on
//! these orders missing a product, you cannot confirm it.").

use serde_json::Value;

use crate::error::{OdooException, OdooResult};
use crate::orm::database::{Database, Env};

impl Database {
    fn state_of(&self, model: &str, id: i64) -> String {
        self.value(model, id, "state")
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Runs a workflow button of `model` on `ids`.
    pub(crate) fn run_button(
        &mut self,
        model: &str,
        button: &str,
        ids: &[i64],
        env: &Env,
    ) -> OdooResult<()> {
        self.check_exist(model, ids, env)?;
        let quotation = |s: &str| matches!(s, "draft" | "sent");
        let mut changes = Vec::new();
        for &id in ids {
            let state = self.state_of(model, id);
            let target = match (model, button) {
                ("sale.order", "action_confirm") => {
                    if !quotation(&state) {
                        return Err(OdooException::user(
                            "Some orders are not in a state requiring confirmation.",
                        ));
                    }
                    if self.has_line_without_product(id) {
                        return Err(OdooException::user(
                            "A line on these orders missing a product, you cannot confirm it.",
                        ));
                    }
                    Some("sale")
                }
                ("sale.order", "action_draft") => {
                    matches!(state.as_str(), "cancel" | "sent").then_some("draft")
                }
                ("purchase.order", "button_confirm") => quotation(&state).then_some("purchase"),
                (_, "action_cancel" | "button_cancel") => Some("cancel"),
                (_, "button_draft") => Some("draft"),
                _ => None,
            };
            if let Some(target) = target {
                changes.push((id, target));
            }
        }
        for (id, state) in changes {
            if let Some(r) = self.record_mut(model, id) {
                r.insert("state".into(), Value::from(state));
            }
        }
        Ok(())
    }

    fn has_line_without_product(&self, order: i64) -> bool {
        let Some(lines) = self.tables.get("sale.order.line") else {
            return false;
        };
        lines.records.values().any(|l| {
            l.get_i64("order_id") == Some(order)
                && l.get("display_type")
                    .is_none_or(|d| d.is_null() || *d == Value::Bool(false))
                && l.get("product_id")
                    .is_none_or(|p| p.is_null() || *p == Value::Bool(false))
        })
    }

    /// Odoo's refusal to delete orders in their current state.
    pub(crate) fn check_unlink_state(&self, model: &str, ids: &[i64]) -> OdooResult<()> {
        for &id in ids {
            let state = self.state_of(model, id);
            match model {
                "sale.order" if matches!(state.as_str(), "sent" | "sale") => {
                    return Err(OdooException::user(
                        "You can not delete a sent quotation or a confirmed sales order. You must first cancel it.",
                    ));
                }
                "purchase.order" if state != "cancel" => {
                    return Err(OdooException::user(
                        "In order to delete a purchase order, you must cancel it first.",
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
