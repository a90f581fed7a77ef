//! Typed models, `Query<M>`, relations and x2many commands against
//! `zenoo-sim` over real HTTP.

mod common;

use std::collections::{BTreeSet, HashSet};

use common::start;
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::json;
use zenoo_rpc::{
    Client, Command, Datetime, Decimal, ErrorKind, Many2one, Model, Q, Selection, X2many,
};
use zenoo_sim::{OdooVersion, SimHandle};

#[derive(Model, Debug, Clone, PartialEq)]
#[odoo(model = "res.country")]
struct Country {
    id: i64,
    name: String,
    code: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    name: String,
    email: Option<String>,
    is_company: bool,
    country_id: Option<Many2one<Country>>,
    child_ids: X2many<Partner>,
}

#[derive(Selection, Debug, Clone, Copy, PartialEq, Eq)]
enum OrderState {
    Draft,
    Sent,
    Sale,
    #[odoo(value = "cancel")]
    Cancelled,
}

#[derive(Model, Debug)]
#[odoo(model = "product.product")]
struct Product {
    id: i64,
    #[odoo(name = "default_code")]
    code: Option<String>,
}

#[derive(Model, Debug)]
#[odoo(model = "sale.order.line")]
struct OrderLine {
    id: i64,
    product_id: Option<Many2one<Product>>,
    product_uom_qty: f64,
}

#[derive(Model, Debug)]
#[odoo(model = "sale.order")]
struct SaleOrder {
    id: i64,
    name: String,
    state: OrderState,
    date_order: Datetime,
    amount_total: Decimal,
    partner_id: Many2one<Partner>,
    order_line: X2many<OrderLine>,
}

#[tokio::test]
async fn typed_queries_decode_every_value_type() {
    let (_sim, client) = start(OdooVersion::V18, 0).await;
    let orders = client
        .model::<SaleOrder>()
        .order_by("id")
        .all()
        .await
        .expect("orders");
    assert!(orders.len() >= 5);
    let first = &orders[0];
    assert_eq!(first.name, "S00001");
    assert_eq!(first.state, OrderState::Sale);
    assert_eq!(first.date_order.to_string(), "2026-10-05 09:30:00");
    assert!(first.amount_total > Decimal::ZERO);
    assert!(!first.order_line.ids.is_empty());
    assert!(!first.partner_id.display_name().is_empty());

    // Selection values filter like strings.
    let drafts = client
        .model::<SaleOrder>()
        .filter(SaleOrder::state().eq(OrderState::Draft))
        .all()
        .await
        .expect("drafts");
    assert!(!drafts.is_empty() && drafts.iter().all(|o| o.state == OrderState::Draft));
    assert_eq!(OrderState::Cancelled.as_str(), "cancel");
    assert!("nope".parse::<OrderState>().is_err());

    // Relation paths from the derive's handles.
    let in_be = client
        .model::<Partner>()
        .filter(Partner::country_id().code().eq("BE"))
        .all()
        .await
        .expect("by country code");
    assert!(!in_be.is_empty(), "the demo data has partners in Belgium");
    for p in &in_be {
        let c = p
            .country_id
            .as_ref()
            .expect("has a country")
            .fetch(&client)
            .await
            .expect("lazy load");
        assert_eq!(c.code.as_deref(), Some("BE"));
    }
}

#[tokio::test]
async fn terminal_methods_and_their_errors() {
    let (_sim, client) = start(OdooVersion::V18, 0).await;
    let companies = client
        .model::<Partner>()
        .filter(Partner::is_company().eq(true));
    let n = companies.count().await.expect("count");
    let all = companies.all().await.expect("all");
    assert_eq!(all.len() as u64, n);
    assert!(all.iter().all(|p| p.is_company));
    assert!(
        all.iter().any(|p| !p.child_ids.ids.is_empty()),
        "companies have contacts"
    );
    assert!(companies.exists().await.expect("exists"));
    assert_eq!(
        companies.ids().await.expect("ids"),
        all.iter().map(|p| p.id).collect::<Vec<_>>()
    );

    // Ordering, limit, offset.
    let by_name = companies.clone().order_by("-name").limit(2).offset(1);
    let page = by_name.all().await.expect("page");
    let mut names: Vec<String> = all.iter().map(|p| p.name.clone()).collect();
    names.sort_by(|a, b| b.cmp(a));
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].name, names[1], "descending by name, offset 1");

    // first / get.
    let first = companies
        .clone()
        .order_by("id")
        .first()
        .await
        .expect("first");
    assert_eq!(first.map(|p| p.id), all.iter().map(|p| p.id).min());
    let one = client
        .model::<Partner>()
        .filter(Partner::id().eq(all[0].id))
        .get()
        .await
        .expect("exactly one");
    assert_eq!(one.id, all[0].id);
    let none = client
        .model::<Partner>()
        .filter(Q::eq("name", "no such partner"))
        .get()
        .await
        .expect_err("none");
    assert_eq!(none.kind(), ErrorKind::NoRecord);
    assert!(none.to_string().contains("no such partner"), "{none}");
    let many = companies.get().await.expect_err("many");
    assert_eq!(many.kind(), ErrorKind::MultipleRecords);
    assert!(
        !client
            .model::<Partner>()
            .filter(Q::eq("name", "no such partner"))
            .exists()
            .await
            .expect("exists")
    );

    // Builder mistakes are reported when the query runs.
    let bad = companies.clone().order_by("name; drop table").all().await;
    assert_eq!(bad.expect_err("bad order").kind(), ErrorKind::InvalidQuery);
    let bad = client
        .model_named("res.partner")
        .filter_text("name = 'x' and")
        .count()
        .await
        .expect_err("bad text");
    assert!(bad.to_string().contains("column 15"), "{bad}");

    // exclude, only, values, context.
    let people = client
        .model::<Partner>()
        .exclude(Partner::is_company().eq(true))
        .only(&["name", "is_company", "child_ids"])
        .all()
        .await
        .expect("people");
    assert!(people.iter().all(|p| !p.is_company && p.email.is_none()));
    let rows = client
        .model_named("res.partner")
        .filter_text("is_company = true")
        .values()
        .await
        .expect("values");
    assert_eq!(rows.len() as u64, n);
    assert!(rows[0].get("name").is_some() && rows[0].get("email").is_some());
    let archived = client
        .model_named("res.partner")
        .with_context(zenoo_rpc::Context::new().active_test(false))
        .count()
        .await
        .expect("count all");
    assert!(
        archived
            > client
                .model_named("res.partner")
                .query()
                .count()
                .await
                .expect("count")
    );
}

#[tokio::test]
async fn decode_errors_name_the_model_field_and_record() {
    #[derive(Model, Debug)]
    #[odoo(model = "res.partner")]
    struct Strict {
        id: i64,
        email: String,
    }
    let (_sim, client) = start(OdooVersion::V18, 0).await;
    let without_email = client
        .create("res.partner", json!({"name": "No Mail Ltd"}))
        .await
        .expect("create");
    let err = client
        .model::<Strict>()
        .order_by("id")
        .all()
        .await
        .expect_err("a partner has no email");
    assert!(
        client
            .model::<Strict>()
            .filter(Strict::email().is_set())
            .all()
            .await
            .expect("the others decode")
            .iter()
            .all(|p| !p.email.is_empty())
    );
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.record_id(), Some(without_email));
    let msg = err.to_string();
    assert!(msg.contains("res.partner.search_read"), "{msg}");
    assert!(msg.contains(".email"), "{msg}");
    assert!(msg.contains(&format!("record id {without_email}")), "{msg}");

    // A field left out by `only` that the type requires names its record too.
    let err = client
        .model::<Strict>()
        .filter(Strict::id().eq(without_email))
        .only(&["id"])
        .all()
        .await
        .expect_err("email was not read");
    assert_eq!(err.record_id(), Some(without_email));
    assert!(err.to_string().contains("missing field `email`"), "{err}");
}

#[tokio::test]
async fn writes_through_the_query() {
    let (_sim, client) = start(OdooVersion::V18, 0).await;
    let created = client
        .model::<Partner>()
        .create_many(&[
            json!({"name": "Zq One"}),
            json!({"name": "Zq Two", "email": "two@zq.test"}),
        ])
        .await
        .expect("create_many");
    assert_eq!(
        created.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Zq One", "Zq Two"]
    );
    let single = client
        .model::<Partner>()
        .create(json!({"name": "Zq Three", "is_company": true}))
        .await
        .expect("create");
    assert!(single.is_company);
    let zq = client
        .model::<Partner>()
        .filter(Partner::name().startswith("Zq "));
    assert_eq!(
        zq.update(json!({"email": "all@zq.test"}))
            .await
            .expect("update"),
        3
    );
    assert!(
        zq.all()
            .await
            .expect("read")
            .iter()
            .all(|p| p.email.as_deref() == Some("all@zq.test"))
    );
    assert_eq!(zq.delete().await.expect("delete"), 3);
    assert_eq!(zq.count().await.expect("count"), 0);
}

#[tokio::test]
async fn x2many_commands_change_order_lines() {
    let (_sim, client) = start(OdooVersion::V18, 0).await;
    let products = client
        .model::<Product>()
        .order_by("id")
        .limit(3)
        .all()
        .await
        .expect("products");
    let partner = client
        .model::<Partner>()
        .filter(Partner::is_company().eq(true))
        .first()
        .await
        .expect("partner")
        .expect("a company");
    let order = client
        .model::<SaleOrder>()
        .create(json!({
            "partner_id": partner.id,
            "order_line": [
                Command::create(json!({"product_id": products[0].id, "product_uom_qty": 1})),
                Command::create(json!({"product_id": products[1].id, "product_uom_qty": 2})),
            ],
        }))
        .await
        .expect("order with lines");
    assert_eq!(order.order_line.ids.len(), 2);
    let lines = order.order_line.fetch(&client).await.expect("lines");
    assert_eq!(lines[1].product_uom_qty, 2.0);

    let (l1, l2) = (order.order_line.ids[0], order.order_line.ids[1]);
    client
        .write(
            "sale.order",
            &[order.id],
            json!({"order_line": [
                Command::update(l1, json!({"product_uom_qty": 7})),
                Command::delete(l2),
                Command::create(json!({"product_id": products[2].id, "product_uom_qty": 3})),
            ]}),
        )
        .await
        .expect("commands");
    let again = client
        .model::<SaleOrder>()
        .filter(SaleOrder::id().eq(order.id))
        .get()
        .await
        .expect("order");
    assert_eq!(again.order_line.ids.len(), 2);
    assert!(!again.order_line.ids.contains(&l2));
    let lines = again.order_line.fetch(&client).await.expect("lines");
    assert_eq!(lines[0].product_uom_qty, 7.0);
    let deleted = client
        .model::<OrderLine>()
        .filter(OrderLine::id().eq(l2))
        .exists()
        .await
        .expect("exists");
    assert!(!deleted, "delete removes the line itself");

    // many2many on partner categories: link, unlink, set, clear.
    let cats: Vec<i64> = client
        .model_named("res.partner.category")
        .query()
        .ids()
        .await
        .expect("categories");
    assert!(cats.len() >= 2);
    let tags = |client: Client, id: i64| async move {
        client
            .model_named("res.partner")
            .filter(Q::eq("id", id))
            .only(&["category_id"])
            .get()
            .await
            .expect("partner")
            .get_as::<Vec<i64>>("category_id")
            .expect("ids")
            .unwrap_or_default()
    };
    let write = |cmds: Vec<Command>| {
        let client = client.clone();
        async move {
            client
                .write("res.partner", &[partner.id], json!({"category_id": cmds}))
                .await
                .expect("write")
        }
    };
    write(vec![Command::set(cats[..2].iter().copied())]).await;
    assert_eq!(tags(client.clone(), partner.id).await, cats[..2].to_vec());
    write(vec![Command::unlink(cats[0])]).await;
    assert_eq!(tags(client.clone(), partner.id).await, vec![cats[1]]);
    write(vec![Command::link(cats[0])]).await;
    assert_eq!(
        tags(client.clone(), partner.id)
            .await
            .into_iter()
            .collect::<BTreeSet<_>>(),
        cats[..2].iter().copied().collect()
    );
    write(vec![Command::clear()]).await;
    assert!(tags(client.clone(), partner.id).await.is_empty());
}

#[tokio::test]
async fn grouped_reads_decode_into_rows_on_every_version() {
    #[derive(Debug, Deserialize)]
    struct ByState {
        state: String,
        #[serde(rename = "amount_total:sum")]
        total: f64,
        #[serde(rename = "__count")]
        count: u64,
    }
    for version in [OdooVersion::V16, OdooVersion::V18, OdooVersion::V19] {
        let (_sim, client) = start(version, 0).await;
        let rows: Vec<ByState> = client
            .model::<SaleOrder>()
            .group_by(&["state"])
            .aggregate(&["amount_total:sum"])
            .all()
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e}"));
        let orders = client
            .model::<SaleOrder>()
            .query()
            .all()
            .await
            .expect("orders");
        for row in &rows {
            let mine: Vec<&SaleOrder> = orders
                .iter()
                .filter(|o| o.state.as_str() == row.state)
                .collect();
            assert_eq!(row.count as usize, mine.len(), "{version:?} {}", row.state);
            let sum: f64 = mine
                .iter()
                .map(|o| o.amount_total.to_string().parse::<f64>().unwrap_or(0.0))
                .sum();
            assert!((row.total - sum).abs() < 0.01, "{version:?} {}", row.state);
        }
        assert_eq!(
            rows.iter().map(|r| r.count).sum::<u64>() as usize,
            orders.len()
        );
        // The query's context reaches the grouped read: with a company the
        // orders are not in, nothing is grouped.
        let other_company: Vec<ByState> = client
            .model::<SaleOrder>()
            .with_context(zenoo_rpc::Context::new().allowed_company_ids([999]))
            .group_by(&["state"])
            .aggregate(&["amount_total:sum"])
            .all()
            .await
            // Odoo refuses unknown companies (AccessError): that too shows
            // the context arrived.
            .unwrap_or_default();
        assert!(
            other_company.iter().map(|r| r.count).sum::<u64>() < orders.len() as u64,
            "{version:?}: the context was not sent"
        );
    }
}

#[tokio::test]
async fn stream_is_consistent_while_another_task_inserts_and_deletes() {
    let (_sim, client) = start(OdooVersion::V18, 3000).await;
    let scope = Q::new().field("name__startswith", "Scale Partner");
    let before: Vec<i64> = client
        .model_named("res.partner")
        .filter(scope.clone())
        .order_by("id")
        .ids()
        .await
        .expect("ids");
    assert_eq!(before.len(), 3000);

    // Another task deletes the highest existing ids (not yet reached) and
    // inserts new ones while the stream runs.
    let writer = client.clone();
    let doomed: Vec<i64> = before[before.len() - 300..].to_vec();
    let doomed_for_task = doomed.clone();
    let task = tokio::spawn(async move {
        let mut inserted = Vec::new();
        for (k, chunk) in doomed_for_task.chunks(30).enumerate() {
            writer.unlink("res.partner", chunk).await.expect("unlink");
            let id = writer
                .create(
                    "res.partner",
                    json!({"name": format!("Scale Partner new {k}")}),
                )
                .await
                .expect("create");
            inserted.push(id);
            tokio::task::yield_now().await;
        }
        inserted
    });

    let stream = client.model::<Partner>().filter(scope).stream(50);
    let seen: Vec<Partner> = stream.try_collect().await.expect("stream");
    let inserted = task.await.expect("writer task");

    let ids: Vec<i64> = seen.iter().map(|p| p.id).collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no record is repeated");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "id order");
    let survivors = before.iter().filter(|i| !doomed.contains(i));
    for id in survivors {
        assert!(
            unique.contains(id),
            "record {id} existed throughout and was skipped"
        );
    }
    for id in &inserted {
        assert!(
            unique.contains(id),
            "record {id} inserted above the cursor was skipped"
        );
    }
    for id in &unique {
        assert!(
            before.contains(id) || inserted.contains(id),
            "record {id} comes from nowhere"
        );
    }

    // limit and offset apply to the whole stream; order_by is refused.
    let limited: Vec<Partner> = client
        .model::<Partner>()
        .offset(10)
        .limit(120)
        .stream(50)
        .try_collect()
        .await
        .expect("limited");
    let direct = client
        .model::<Partner>()
        .order_by("id")
        .offset(10)
        .limit(120)
        .ids()
        .await
        .expect("ids");
    assert_eq!(limited.iter().map(|p| p.id).collect::<Vec<_>>(), direct);
    let refused: Result<Vec<Partner>, _> = client
        .model::<Partner>()
        .order_by("name")
        .stream(10)
        .try_collect()
        .await;
    assert!(refused.is_err());
}

fn reads(sim: &SimHandle) -> Vec<(String, String)> {
    sim.requests()
        .into_iter()
        .filter_map(|r| Some((r.model?, r.method?)))
        .filter(|(_, m)| m != "fields_get")
        .collect()
}

#[tokio::test]
async fn prefetch_reads_each_relation_level_once() {
    let mut related_by_version = Vec::new();
    for version in [OdooVersion::V16, OdooVersion::V18] {
        let (sim, client) = start(version, 0).await;
        sim.clear_requests();
        let page = client
            .model::<SaleOrder>()
            .order_by("id")
            .prefetch(&["partner_id", "order_line.product_id"])
            .fetch()
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e}"));
        let calls = reads(&sim);
        if version == OdooVersion::V16 {
            let mut got = calls.clone();
            got.sort();
            assert_eq!(
                got,
                vec![
                    ("product.product".to_string(), "read".to_string()),
                    ("res.partner".into(), "read".into()),
                    ("sale.order".into(), "search_read".into()),
                    ("sale.order.line".into(), "read".into()),
                ],
                "one search_read, then one read per model and level"
            );
        } else {
            assert_eq!(
                calls,
                vec![("sale.order".to_string(), "web_search_read".to_string())],
                "one call with a nested specification"
            );
        }
        assert!(page.records.len() >= 5);
        let mut summary = Vec::new();
        for order in &page.records {
            let partner = page
                .related
                .one(&order.partner_id)
                .expect("decodes")
                .expect("partner loaded");
            assert_eq!(partner.id, order.partner_id.id);
            let lines = page.related.many(&order.order_line).expect("lines decode");
            assert_eq!(lines.len(), order.order_line.ids.len(), "{version:?}");
            for line in &lines {
                let product = line.product_id.as_ref().expect("line has a product");
                let p = page
                    .related
                    .one(product)
                    .expect("decodes")
                    .expect("product loaded");
                summary.push((order.id, line.id, p.id, p.code.clone()));
            }
            summary.push((order.id, 0, partner.id, Some(partner.name.clone())));
        }
        // No further requests were needed to use the relations.
        assert_eq!(reads(&sim).len(), calls.len());
        related_by_version.push(summary);
    }
    assert_eq!(
        related_by_version[0], related_by_version[1],
        "both paths load the same records"
    );
}

/// One typed description of a model's fields, read once per client and
/// shared by its clones; the same on every version.
#[tokio::test]
async fn the_schema_describes_fields_once_per_client() {
    use zenoo_rpc::schema::FieldType;
    for version in [OdooVersion::V17, OdooVersion::V18, OdooVersion::V19] {
        let (_sim, client) = start(version, 0).await;
        let orders = client.schema("purchase.order").await.expect("schema");
        assert_eq!(orders.model(), "purchase.order");
        let state = orders.field("state").expect("state");
        assert_eq!(state.field_type, FieldType::Selection);
        assert!(state.stored, "{version:?}");
        assert!(
            state.selection.iter().any(|(v, _)| v == "purchase"),
            "{:?}",
            state.selection
        );
        let lines = orders.field("order_line").expect("order_line");
        assert_eq!(lines.field_type, FieldType::One2many);
        assert!(lines.field_type.is_x2many());
        assert_eq!(lines.relation.as_deref(), Some("purchase.order.line"));
        assert_eq!(lines.inverse.as_deref(), Some("order_id"));
        let partner = orders.field("partner_id").expect("partner_id");
        assert_eq!(partner.field_type, FieldType::Many2one);
        assert!(partner.required, "{version:?}");
        assert!(!partner.label.is_empty());
        assert!(orders.field("no_such_field").is_none());
        // Every field once, in the answer's order; binary and html fields
        // are not read by default.
        let names: HashSet<&str> = orders.fields().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names.len(), orders.fields().len());
        for f in orders.fields() {
            let lazy = matches!(f.field_type, FieldType::Binary | FieldType::Html);
            assert_eq!(
                !lazy,
                orders.default_fields().contains(&f.name),
                "{}",
                f.name
            );
            assert_eq!(FieldType::parse(f.field_type.as_str()), f.field_type);
        }
        // Kept: a clone of the client gets the same description.
        let again = client
            .clone()
            .schema("purchase.order")
            .await
            .expect("schema");
        assert!(std::sync::Arc::ptr_eq(&orders, &again));
        // An unknown model is Odoo's error, typed.
        let e = client.schema("no.such.model").await.expect_err("unknown");
        assert!(e.odoo().is_some_and(|o| o.unknown_model().is_some()), "{e}");
    }
}
