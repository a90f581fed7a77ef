//! The live suite: protocol, query and database checks against a real Odoo
//! 16–19, configured by `ZENOO_LIVE_URL`, `ZENOO_LIVE_DB`,
//! `ZENOO_LIVE_LOGIN`, `ZENOO_LIVE_PASSWORD` and optionally
//! `ZENOO_LIVE_API_KEY` and `ZENOO_LIVE_MASTER_PASSWORD`. Run just these with
//! `cargo nextest run --workspace -E 'test(/live/)'`. Without the variables
//! every test prints why it is skipped. What a test creates it deletes
//! again, also when a check fails.

use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use zenoo_rpc::{Client, Model, OdooErrorKind, ProtocolKind, Q, SearchOptions};

struct Live {
    url: String,
    db: String,
    login: String,
    password: String,
    api_key: Option<String>,
    master: Option<String>,
}

/// The live server's settings, or `None` after printing why not.
fn live(test: &str) -> Option<Live> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let missing: Vec<&str> = [
        "ZENOO_LIVE_URL",
        "ZENOO_LIVE_DB",
        "ZENOO_LIVE_LOGIN",
        "ZENOO_LIVE_PASSWORD",
    ]
    .into_iter()
    .filter(|k| var(k).is_none())
    .collect();
    if !missing.is_empty() {
        println!(
            "skipped {test}: no live Odoo configured ({} not set)",
            missing.join(", ")
        );
        return None;
    }
    Some(Live {
        url: var("ZENOO_LIVE_URL")?,
        db: var("ZENOO_LIVE_DB")?,
        login: var("ZENOO_LIVE_LOGIN")?,
        password: var("ZENOO_LIVE_PASSWORD")?,
        api_key: var("ZENOO_LIVE_API_KEY"),
        master: var("ZENOO_LIVE_MASTER_PASSWORD"),
    })
}

impl Live {
    async fn client(&self, protocol: ProtocolKind) -> zenoo_rpc::Result<Client> {
        Client::builder(&self.url)
            .database(&self.db)
            .password(&self.login, &self.password)
            .protocol(protocol)
            .build()
            .await
    }

    async fn key_client(&self, protocol: ProtocolKind) -> Option<zenoo_rpc::Result<Client>> {
        let key = self.api_key.as_ref()?;
        Some(
            Client::builder(&self.url)
                .database(&self.db)
                .api_key(&self.login, key)
                .protocol(protocol)
                .build()
                .await,
        )
    }
}

/// A name no other run uses.
fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("zenoo-live-{what}-{}-{nanos}", std::process::id())
}

#[derive(Model, Debug)]
#[odoo(model = "res.partner.category")]
struct Tag {
    id: i64,
    name: String,
    color: Option<i64>,
}

#[derive(Model, Debug)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    name: String,
    email: Option<String>,
    is_company: bool,
    category_id: zenoo_rpc::X2many<Tag>,
}

#[tokio::test]
async fn live_every_protocol_reads_the_same_records() {
    let Some(live) = live("live_every_protocol_reads_the_same_records") else {
        return;
    };
    let auto = live.client(ProtocolKind::Auto).await.expect("Auto login");
    let version = auto.server_version().clone();
    println!(
        "live Odoo {} at {}: Auto picked {:?}",
        version.server_version,
        live.url,
        auto.protocol()
    );
    assert_eq!(
        auto.protocol(),
        ProtocolKind::WebSession,
        "password → web session"
    );
    let opts = || SearchOptions::new().order("id").limit(5);
    let want: Vec<Value> = auto
        .search_read("res.partner", json!([]), &["name", "is_company"], opts())
        .await
        .expect("search_read");
    assert!(!want.is_empty(), "the database has partners");
    let mut clients = vec![
        ("jsonrpc", live.client(ProtocolKind::JsonRpc).await),
        ("xmlrpc", live.client(ProtocolKind::XmlRpc).await),
        ("web", live.client(ProtocolKind::WebSession).await),
    ];
    if let Some(c) = live.key_client(ProtocolKind::Auto).await {
        clients.push(("auto with a key", c));
    }
    for (label, client) in clients {
        let c = client.unwrap_or_else(|e| panic!("{label}: login: {e}"));
        assert_eq!(c.uid(), auto.uid(), "{label}: the same user");
        let got: Vec<Value> = c
            .search_read("res.partner", json!([]), &["name", "is_company"], opts())
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(got, want, "{label}");
        let n = c
            .search_count("res.partner", json!([["is_company", "=", true]]))
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(
            n <= c
                .search_count("res.partner", json!([]))
                .await
                .expect("count")
        );
        let fields = c
            .fields_get("res.partner", &["name"], &["type"])
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(fields["name"]["type"], "char", "{label}");
        let e = c
            .write("res.partner", &[2_000_000_000], json!({"name": "x"}))
            .await
            .expect_err("a missing record");
        assert_eq!(
            e.odoo_kind(),
            Some(OdooErrorKind::MissingError),
            "{label}: {e}"
        );
        c.logout()
            .await
            .unwrap_or_else(|e| panic!("{label}: logout: {e}"));
    }
    let e = Client::builder(&live.url)
        .database(&live.db)
        .password(&live.login, "certainly not the password")
        .build()
        .await
        .expect_err("a wrong password");
    assert_eq!(e.odoo_kind(), Some(OdooErrorKind::AccessDenied), "{e}");
}

/// Runs `body`, then deletes the tags named `name` whatever happened.
async fn with_cleanup<F: std::future::Future<Output = ()>>(client: &Client, name: &str, body: F) {
    // Caught, so that the cleanup runs after a failed check too.
    let outcome = {
        use futures_util::FutureExt;
        std::panic::AssertUnwindSafe(body).catch_unwind().await
    };
    let left = client
        .model::<Tag>()
        .filter(Q::new().field("name__startswith", name))
        .delete()
        .await;
    if let Err(e) = left {
        eprintln!("cleanup of {name:?} failed: {e}");
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[tokio::test]
async fn live_queries_create_read_update_stream_and_delete() {
    let Some(live) = live("live_queries_create_read_update_stream_and_delete") else {
        return;
    };
    for protocol in [
        ProtocolKind::Auto,
        ProtocolKind::JsonRpc,
        ProtocolKind::XmlRpc,
    ] {
        let client = live.client(protocol).await.expect("login");
        let name = unique("tag");
        let body = async {
            let tags = client.model::<Tag>();
            let created = tags
                .create_many(&[
                    json!({"name": format!("{name}-a"), "color": 1}),
                    json!({"name": format!("{name}-b"), "color": 2}),
                    json!({"name": format!("{name}-c")}),
                ])
                .await
                .expect("create_many");
            assert_eq!(created.len(), 3);
            let mine = || tags.filter(Q::new().field("name__startswith", &name));
            assert_eq!(mine().count().await.expect("count"), 3);
            let text = format!("name = '{name}-b'");
            let b = tags.filter_text(&text).get().await.expect("get by text");
            assert_eq!(b.color, Some(2));
            assert_eq!(
                mine()
                    .order_by("-name")
                    .first()
                    .await
                    .expect("first")
                    .map(|t| t.name),
                Some(format!("{name}-c"))
            );
            assert_eq!(
                mine()
                    .filter(Tag::name().eq(format!("{name}-c")))
                    .update(json!({"color": 5}))
                    .await
                    .expect("update"),
                1
            );
            let streamed: Vec<Tag> = mine().stream(2).try_collect().await.expect("stream");
            let mut ids: Vec<i64> = streamed.iter().map(|t| t.id).collect();
            ids.sort_unstable();
            let mut want: Vec<i64> = created.iter().map(|t| t.id).collect();
            want.sort_unstable();
            assert_eq!(ids, want);
            assert_eq!(
                streamed
                    .iter()
                    .find(|t| t.name.ends_with("-c"))
                    .and_then(|t| t.color),
                Some(5)
            );
            #[derive(Deserialize)]
            struct ByColor {
                color: Option<Value>,
                #[serde(rename = "__count")]
                count: u64,
            }
            let groups: Vec<ByColor> = mine().group_by(&["color"]).all().await.expect("group_by");
            assert_eq!(groups.iter().map(|g| g.count).sum::<u64>(), 3);
            assert!(groups.iter().all(|g| g.color.is_some()));
            // A relation read through a partner, without N+1 reads.
            let partners = client
                .model::<Partner>()
                .query()
                .limit(3)
                .prefetch(&["category_id"])
                .fetch()
                .await
                .expect("prefetch");
            for p in &partners.records {
                let _ = partners.related.many(&p.category_id).expect("tags decode");
                assert!(!p.name.is_empty() || p.email.is_some() || !p.is_company);
            }
            assert_eq!(mine().delete().await.expect("delete"), 3);
            assert_eq!(mine().count().await.expect("count"), 0);
        };
        with_cleanup(&client, &name, body).await;
    }
}

#[tokio::test]
async fn live_database_service_lists_and_dumps() {
    let Some(live) = live("live_database_service_lists_and_dumps") else {
        return;
    };
    let client = live.client(ProtocolKind::Auto).await.expect("login");
    let master = live.master.clone().unwrap_or_default();
    let dbs = client.database_service(&master);
    match dbs.list().await {
        Ok(names) => assert!(names.contains(&live.db), "{names:?}"),
        // `list_db = False` hides the list: Odoo says so with AccessDenied.
        Err(e) if e.odoo_kind() == Some(OdooErrorKind::AccessDenied) => {
            println!("the server does not list its databases: {e}");
        }
        Err(e) => panic!("list: {e}"),
    }
    if live.master.is_none() {
        println!("dump skipped: ZENOO_LIVE_MASTER_PASSWORD is not set");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("live.zip");
    let n = dbs
        .dump_to_file(&live.db, zenoo_rpc::db::DumpFormat::Zip, &path, |_| {})
        .await
        .expect("dump");
    let head = std::fs::read(&path).expect("read");
    assert_eq!(head.len() as u64, n);
    assert!(head.starts_with(b"PK"), "a zip");
    let wrong = client.database_service("certainly not the master password");
    let e = wrong
        .dump_to_file(&live.db, zenoo_rpc::db::DumpFormat::Zip, &path, |_| {})
        .await
        .expect_err("wrong master password");
    assert!(e.odoo().is_some(), "{e}");
    assert_eq!(std::fs::metadata(&path).expect("kept").len(), n);
}

/// Deletes the partners whose name starts with `name` (children first).
async fn delete_partners(client: &Client, name: &str) {
    let ids = client
        .search(
            "res.partner",
            json!([["name", "=like", format!("{name}%")]]),
            SearchOptions::new()
                .order("id desc")
                .context(zenoo_rpc::Context::new().active_test(false)),
        )
        .await
        .unwrap_or_default();
    if !ids.is_empty()
        && let Err(e) = client.unlink("res.partner", &ids).await
    {
        eprintln!("cleanup of {name:?} failed: {e}");
    }
}

#[tokio::test]
async fn live_a_unit_of_work_rolls_back_and_keyed_creates_happen_once() {
    let Some(live) = live("live_a_unit_of_work_rolls_back_and_keyed_creates_happen_once") else {
        return;
    };
    let client = live.client(ProtocolKind::Auto).await.expect("login");
    let name = unique("unit");
    let body = async {
        let base = client
            .create(
                "res.partner",
                json!({"name": format!("{name} base"), "city": "Before"}),
            )
            .await
            .expect("base partner");
        let mut unit = client.unit_of_work();
        unit.write(
            "res.partner",
            &[base],
            json!({"city": "During", "child_ids": [[0, 0, {"name": format!("{name} child")}]]}),
        )
        .await
        .expect("write with a command");
        let made = unit
            .create("res.partner", json!({"name": format!("{name} made")}))
            .await
            .expect("create");
        let doomed = client
            .create(
                "res.partner",
                json!({"name": format!("{name} doomed"), "parent_id": base}),
            )
            .await
            .expect("a contact to delete");
        unit.unlink("res.partner", &[doomed]).await.expect("unlink");
        // Orders and their lines, when the sale app is installed.
        let product = client
            .search(
                "product.product",
                json!([["sale_ok", "=", true]]),
                SearchOptions::new().limit(1),
            )
            .await
            .ok()
            .and_then(|p| p.first().copied());
        let mut order = None;
        if let Some(product) = product {
            let o = unit
                .create(
                    "sale.order",
                    json!({"partner_id": base, "order_line": [[0, 0, {"product_id": product, "product_uom_qty": 2}]]}),
                )
                .await
                .expect("order");
            unit.write(
                "sale.order",
                &[o],
                json!({"order_line": [[0, 0, {"product_id": product, "product_uom_qty": 1}]]}),
            )
            .await
            .expect("a second line");
            order = Some(o);
        }
        let report = unit.rollback().await;
        assert!(report.is_complete(), "{report}");
        let rows: Vec<serde_json::Map<String, Value>> = client
            .search_read(
                "res.partner",
                json!([["name", "=like", format!("{name}%")]]),
                &["name", "city", "parent_id"],
                SearchOptions::new().order("id"),
            )
            .await
            .expect("read back");
        let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
        assert_eq!(
            names,
            [format!("{name} base"), format!("{name} doomed")],
            "{report}"
        );
        assert_eq!(rows[0]["city"], "Before");
        assert_eq!(rows[1]["parent_id"][0], base, "made again under its parent");
        let _ = made;
        if let Some(o) = order {
            let left = client
                .search_count("sale.order", json!([["id", "=", o]]))
                .await
                .expect("count");
            assert_eq!(left, 0, "the order and its lines are gone: {report}");
        }

        let key = zenoo_rpc::IdempotencyKey::field("ref", name.clone());
        let a = client
            .create_idempotent(
                "res.partner",
                &key,
                json!({"name": format!("{name} keyed")}),
            )
            .await
            .expect("keyed create");
        let b = client
            .create_idempotent(
                "res.partner",
                &key,
                json!({"name": format!("{name} keyed")}),
            )
            .await
            .expect("keyed again");
        assert_eq!(a, b);
    };
    let outcome = {
        use futures_util::FutureExt;
        std::panic::AssertUnwindSafe(body).catch_unwind().await
    };
    delete_partners(&client, &name).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
