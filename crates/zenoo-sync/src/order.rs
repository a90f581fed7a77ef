//! Purchase orders as the application sees them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One line of an application order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppLine {
    /// The product's reference (Odoo's `default_code`).
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S"))]
    pub product_code: String,
    /// Quantity, in the product's purchase unit.
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0))]
    pub quantity: f64,
    /// Unit price, in the order's currency.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub price_unit: f64,
    /// When the goods are expected (`YYYY-MM-DD HH:MM:SS`, UTC), if known.
    pub date_planned: Option<String>,
    /// The unit of measure the quantity is in (Odoo's `uom.uom` name, e.g.
    /// `Dozens`); `None` for the product's purchase unit, Odoo's default.
    #[serde(default)]
    pub uom: Option<String>,
}

/// An order the application is about to create.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrder {
    /// The supplier's reference (Odoo's partner `ref`, or its name).
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S"))]
    pub supplier_ref: String,
    /// ISO currency code, e.g. `EUR`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$"))]
    pub currency: String,
    /// The lines, in order (at least one: an order of nothing has nothing
    /// to buy, and Odoo would hold an empty request for quotation).
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub lines: Vec<AppLine>,
}

impl NewOrder {
    /// Checks what the store cannot: there is a line, quantities and
    /// prices are numbers that make sense, references are not empty.
    ///
    /// # Errors
    /// [`Error::InvalidOrder`](crate::Error::InvalidOrder) naming the field.
    pub fn validate(&self) -> crate::Result<()> {
        let bad = |what: String| Err(crate::Error::InvalidOrder(what));
        if self.supplier_ref.trim().is_empty() {
            return bad("the supplier reference is empty".into());
        }
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return bad(format!("{:?} is not an ISO currency code", self.currency));
        }
        if self.lines.is_empty() {
            return bad("the order has no lines".into());
        }
        for (i, l) in self.lines.iter().enumerate() {
            let n = i + 1;
            if l.product_code.trim().is_empty() {
                return bad(format!("line {n}: the product reference is empty"));
            }
            if !l.quantity.is_finite() || l.quantity <= 0.0 {
                return bad(format!(
                    "line {n}: quantity {} is not a positive number",
                    l.quantity
                ));
            }
            if !l.price_unit.is_finite() || l.price_unit < 0.0 {
                return bad(format!("line {n}: price {} is not a price", l.price_unit));
            }
        }
        Ok(())
    }
}

/// Where an order stands with Odoo.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderStatus {
    /// A change waits to be sent.
    Pending,
    /// Odoo holds what the application holds.
    Synced,
    /// Both sides changed the same field: waits for a resolution.
    Conflict,
    /// A job failed for good (its error is on the order).
    Failed,
}

impl std::fmt::Display for OrderStatus {
    /// `pending`, `synced`, `conflict` or `failed`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OrderStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Synced => "synced",
            Self::Conflict => "conflict",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> crate::Result<Self> {
        Ok(match s {
            "pending" => Self::Pending,
            "synced" => Self::Synced,
            "conflict" => Self::Conflict,
            "failed" => Self::Failed,
            other => {
                return Err(crate::Error::Corrupt {
                    what: "an order status",
                    source: format!("unexpected value {other:?}").into(),
                });
            }
        })
    }
}

/// An application order with its sync state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppOrder {
    /// The application's id for it.
    pub uuid: Uuid,
    /// The supplier's reference.
    pub supplier_ref: String,
    /// ISO currency code.
    pub currency: String,
    /// The application's state of the order (`draft`, `sent`, ...).
    pub state: String,
    /// The lines, in order.
    pub lines: Vec<AppLine>,
    /// Bumped by every change in the application.
    pub version: i64,
    /// Where it stands with Odoo.
    pub status: OrderStatus,
    /// Its `purchase.order` id, once Odoo has it.
    pub odoo_id: Option<i64>,
    /// The last error, when a job failed.
    pub last_error: Option<String>,
    /// When the application last changed it (ms since the Unix epoch).
    pub updated_at: i64,
}
