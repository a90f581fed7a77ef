//! `zenoo codegen`: its output (checked in under tests/generated/) is
//! exactly what the simulator produces today, compiles here, and reads
//! records and calls methods against the simulator.

use std::process::Command;

use zenoo_rpc::{Client, ProtocolKind};
use zenoo_sim::{OdooVersion, Sim};

#[allow(dead_code)]
#[path = "generated/models18.rs"]
mod models18;

#[allow(dead_code)]
#[path = "generated/models19.rs"]
mod models19;

const CASES: [(&str, &[&str]); 2] = [
    (
        "generated/models18.rs",
        &[
            "--sim",
            "codegen",
            "res.country",
            "res.partner",
            "product.product",
            "sale.order",
            "sale.order.line",
        ],
    ),
    (
        "generated/models19.rs",
        &[
            "--sim",
            "--sim-version",
            "19",
            "codegen",
            "res.partner",
            "purchase.order",
            "purchase.order.line",
        ],
    ),
];

/// Set ZENOO_BLESS=1 to rewrite the checked-in files after a deliberate change.
#[test]
fn checked_in_models_are_the_current_output() {
    for (file, args) in CASES {
        let out = Command::new(env!("CARGO_BIN_EXE_zenoo"))
            .args(args)
            .env_remove("ZENOO_URL")
            .output()
            .expect("zenoo runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(file);
        let generated = String::from_utf8(out.stdout).expect("UTF-8");
        if std::env::var_os("ZENOO_BLESS").is_some() {
            std::fs::write(&path, &generated).expect("write");
            continue;
        }
        let checked_in = std::fs::read_to_string(&path).expect("checked-in file");
        assert!(
            generated == checked_in,
            "{file} differs from `zenoo {}`; rerun with ZENOO_BLESS=1 if the change is intended",
            args.join(" ")
        );
    }
}

#[tokio::test]
async fn generated_models_read_records() {
    use models18::{ResPartner, SaleOrder, SaleOrderLine, SaleOrderState};
    let sim = Sim::builder().start().await.expect("sim");
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect("login");
    let orders = client
        .model::<SaleOrder>()
        .filter(SaleOrder::state().eq(SaleOrderState::Sale))
        .prefetch(&["partner_id", "order_line"])
        .fetch()
        .await
        .expect("orders");
    assert!(!orders.records.is_empty());
    for o in &orders.records {
        assert_eq!(o.state, Some(SaleOrderState::Sale));
        let partner: ResPartner = orders
            .related
            .one(&o.partner_id)
            .expect("decodes")
            .expect("loaded");
        assert_eq!(partner.id, o.partner_id.id);
        let lines: Vec<SaleOrderLine> = orders.related.many(&o.order_line).expect("lines");
        assert_eq!(lines.len(), o.order_line.ids.len());
    }
    // Lazy fields are not read by default, and are when asked for.
    let noted = orders.records[0].partner_id.id;
    client
        .write(
            "res.partner",
            &[noted],
            serde_json::json!({"comment": "<p>VIP</p>"}),
        )
        .await
        .expect("write a note");
    let default_read = client
        .model::<ResPartner>()
        .filter(ResPartner::id().eq(noted))
        .get()
        .await
        .expect("partner");
    assert_eq!(default_read.comment, None, "not read by default");
    let with_notes = client
        .model::<ResPartner>()
        .filter(ResPartner::comment().is_set())
        .also(&["comment"])
        .all()
        .await
        .expect("partners");
    assert_eq!(with_notes.len(), 1);
    assert_eq!(with_notes[0].comment.as_deref(), Some("<p>VIP</p>"));
    assert!(!<ResPartner as zenoo_rpc::Model>::FIELDS.contains(&"comment"));
}

#[tokio::test]
async fn generated_methods_call_the_server() {
    use models19::{PurchaseOrder, PurchaseOrderState};
    const KEY: &str = "codegen-test-key-0123456789abcdef0123456789";
    let sim = Sim::builder()
        .version(OdooVersion::V19)
        .user("admin", "admin", Some(KEY))
        .start()
        .await
        .expect("sim");
    let client = Client::builder(&sim.url())
        .database("demo")
        .api_key("admin", KEY)
        .build()
        .await
        .expect("login");
    assert_eq!(client.protocol(), ProtocolKind::Json2);
    let rfq = client
        .model::<PurchaseOrder>()
        .filter(PurchaseOrder::state().eq(PurchaseOrderState::Draft))
        .first()
        .await
        .expect("query")
        .expect("a draft RFQ");
    PurchaseOrder::button_confirm(&client, &[rfq.id])
        .await
        .expect("button_confirm");
    let confirmed = client
        .model::<PurchaseOrder>()
        .filter(PurchaseOrder::id().eq(rfq.id))
        .get()
        .await
        .expect("order");
    assert_eq!(confirmed.state, Some(PurchaseOrderState::Purchase));
    assert!(
        confirmed
            .amount_total
            .is_some_and(|t| t > zenoo_rpc::Decimal::ZERO)
    );
}
