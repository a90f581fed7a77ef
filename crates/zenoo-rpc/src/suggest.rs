//! "Did you mean": the nearest name the server has, for an unknown model
//! or field (see [`OdooErrorKind::UnknownModel`] and
//! [`OdooErrorKind::UnknownField`]).

use serde_json::{Value, json};

use crate::client::{Client, SearchOptions};
use crate::error::{Error, OdooErrorKind};

/// The name of `names` nearest to `wanted`, when one is near enough to be
/// a likely slip (a Jaro-Winkler similarity of at least 0.8, or `wanted`
/// with its dots and underscores swapped).
///
/// ```
/// use zenoo_rpc::suggest::closest;
/// let models = ["res.partner", "res.users", "sale.order"];
/// assert_eq!(closest("res.partners", models), Some("res.partner"));
/// assert_eq!(closest("res_partner", models), Some("res.partner"));
/// assert_eq!(closest("account.move", models), None);
/// ```
pub fn closest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let same = |c: char| if c == '_' { '.' } else { c };
    let wanted_norm: String = wanted.chars().map(same).collect();
    let mut best: Option<(f64, &str)> = None;
    for name in names {
        let norm: String = name.chars().map(same).collect();
        let score = if norm == wanted_norm {
            1.0
        } else {
            strsim::jaro_winkler(&wanted_norm, &norm)
        };
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, name));
        }
    }
    best.map(|(_, name)| name)
}

/// [`Client::did_you_mean`]: the nearest name to the one `e` says is
/// unknown.
pub(crate) async fn did_you_mean(client: &Client, e: &Error) -> Option<String> {
    let odoo = e.odoo()?;
    match odoo.kind() {
        OdooErrorKind::UnknownModel => {
            let wanted = odoo.unknown_model()?;
            let rows: Vec<Value> = client
                .search_read("ir.model", json!([]), &["model"], SearchOptions::new())
                .await
                .ok()?;
            let names = rows.iter().filter_map(|r| r["model"].as_str());
            closest(wanted, names).map(str::to_string)
        }
        OdooErrorKind::UnknownField => {
            let (field, model) = odoo.unknown_field()?;
            let schema = client.schema(model).await.ok()?;
            closest(field, schema.fields().iter().map(|f| f.name.as_str())).map(str::to_string)
        }
        _ => None,
    }
}
