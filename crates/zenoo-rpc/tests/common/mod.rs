//! Shared by the integration tests: a simulator and a client logged in to
//! it, and checks more than one test binary makes. (Each binary uses some.)
#![allow(dead_code)]

use zenoo_rpc::Client;
use zenoo_sim::{OdooVersion, Sim, SimHandle};

/// A simulator of `version` with `scale` extra records, and admin's client.
pub async fn start(version: OdooVersion, scale: usize) -> (SimHandle, Client) {
    let sim = Sim::builder()
        .version(version)
        .scale(scale)
        .start()
        .await
        .expect("sim starts");
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect("login");
    (sim, client)
}

/// An unknown model and an unknown field, asked of `c`: each typed,
/// named, and the server's nearest name found for it.
pub async fn check_unknown_names(label: &str, c: &Client) {
    use serde_json::{Value, json};
    use zenoo_rpc::OdooErrorKind;
    let e = c
        .search_count("res.partners", json!([]))
        .await
        .expect_err("no such model");
    assert_eq!(
        e.odoo_kind(),
        Some(OdooErrorKind::UnknownModel),
        "{label}: {e}"
    );
    assert_eq!(
        e.odoo().and_then(|o| o.unknown_model()),
        Some("res.partners"),
        "{label}"
    );
    assert_eq!(
        c.did_you_mean(&e).await.as_deref(),
        Some("res.partner"),
        "{label}"
    );
    let e = c
        .search_read::<Value>(
            "res.partner",
            json!([]),
            &["name", "emial"],
            zenoo_rpc::SearchOptions::new().limit(1),
        )
        .await
        .expect_err("no such field");
    assert_eq!(
        e.odoo_kind(),
        Some(OdooErrorKind::UnknownField),
        "{label}: {e}"
    );
    assert_eq!(
        e.odoo().and_then(|o| o.unknown_field()),
        Some(("emial", "res.partner")),
        "{label}"
    );
    assert_eq!(
        c.did_you_mean(&e).await.as_deref(),
        Some("email"),
        "{label}"
    );
}
