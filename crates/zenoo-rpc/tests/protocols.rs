//! The client against `zenoo-sim` over real HTTP on 127.0.0.1, through all
//! four protocols.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use zenoo_rpc::{Client, Context, ErrorKind, Load, OdooErrorKind, ProtocolKind, SearchOptions};
use zenoo_sim::{Fault, FaultPlan, OdooVersion, Sim, SimHandle};

const KEY: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

async fn sim(version: OdooVersion) -> SimHandle {
    Sim::builder()
        .version(version)
        .user("admin", "admin", Some(KEY))
        .start()
        .await
        .expect("simulator starts")
}

async fn client(sim: &SimHandle, protocol: ProtocolKind) -> Client {
    let b = Client::builder(&sim.url())
        .database("demo")
        .protocol(protocol);
    let b = if protocol == ProtocolKind::Json2 {
        b.api_key("admin", KEY)
    } else {
        b.password("admin", "admin")
    };
    b.build().await.expect("login")
}

const ALL: [(ProtocolKind, OdooVersion); 4] = [
    (ProtocolKind::JsonRpc, OdooVersion::V18),
    (ProtocolKind::XmlRpc, OdooVersion::V18),
    (ProtocolKind::WebSession, OdooVersion::V18),
    (ProtocolKind::Json2, OdooVersion::V19),
];

#[derive(Debug, Deserialize, PartialEq)]
struct Partner {
    id: i64,
    name: String,
    #[serde(deserialize_with = "m2o")]
    parent_id: Option<(i64, String)>,
}

fn m2o<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<(i64, String)>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(a) if a.len() == 2 => Ok(Some((
            a[0].as_i64().unwrap_or(0),
            a[1].as_str().unwrap_or("").to_string(),
        ))),
        _ => Ok(None),
    }
}

#[tokio::test]
async fn every_call_works_over_every_protocol() {
    for (protocol, version) in ALL {
        let sim = sim(version).await;
        let c = client(&sim, protocol).await;
        let label = format!("{protocol:?}");
        assert_eq!(c.protocol(), protocol, "{label}");
        assert_eq!(c.uid(), 2, "{label}");
        assert_eq!(c.server_version().major(), version.major(), "{label}");
        assert_eq!(
            c.user_context().get("lang"),
            Some(&json!("en_US")),
            "{label}: user context loaded"
        );

        let companies = c
            .search(
                "res.partner",
                json!([["is_company", "=", true]]),
                SearchOptions::new().order("id"),
            )
            .await
            .expect("search");
        assert_eq!(companies, vec![1, 10, 11, 12, 13, 14], "{label}");
        assert_eq!(
            c.search_count("res.partner", json!([["is_company", "=", true]]))
                .await
                .expect("count"),
            6,
            "{label}"
        );

        let rows: Vec<Partner> = c
            .search_read(
                "res.partner",
                json!([["parent_id", "=", 13]]),
                &["name", "parent_id"],
                SearchOptions::new().order("name").limit(5),
            )
            .await
            .expect("search_read");
        assert_eq!(rows.len(), 2, "{label}");
        assert_eq!(rows[0].name, "Jonas Frei", "{label}");
        assert_eq!(
            rows[0].parent_id,
            Some((13, "Alpenrose Dairy".to_string())),
            "{label}"
        );

        let raw: Vec<Map<String, Value>> = c
            .read("res.partner", &[20, 999_999], &["parent_id"], Load::Raw)
            .await
            .expect("read");
        assert_eq!(raw.len(), 1, "{label}: missing ids dropped");
        assert_eq!(
            raw[0]["parent_id"],
            json!(10),
            "{label}: load=None gives the bare id"
        );

        let id = c
            .create(
                "res.partner",
                json!({"name": "Zenoo Test Co", "is_company": true}),
            )
            .await
            .expect("create");
        let many = c
            .create_many("res.partner", &[json!({"name": "A"}), json!({"name": "B"})])
            .await
            .expect("create many");
        assert_eq!(many, vec![id + 1, id + 2], "{label}: ids in input order");
        assert!(
            c.write("res.partner", &[id], json!({"city": "Namur"}))
                .await
                .expect("write"),
            "{label}"
        );
        let copy = c.copy("res.partner", id, None).await.expect("copy");
        assert!(copy > id + 2, "{label}");
        let names = c
            .name_search("res.partner", "Zenoo Test", json!([]), Some(10))
            .await
            .expect("name_search");
        assert!(
            names.iter().any(|(i, n)| *i == id && n == "Zenoo Test Co"),
            "{label}: {names:?}"
        );
        let (nc, nc_name) = c
            .name_create("res.partner", "Nora Created")
            .await
            .expect("name_create");
        assert_eq!(nc_name, "Nora Created", "{label}");
        let fields = c
            .fields_get("res.partner", &["name", "parent_id"], &["type", "relation"])
            .await
            .expect("fields_get");
        assert_eq!(
            fields["parent_id"]["relation"],
            json!("res.partner"),
            "{label}"
        );
        let defaults = c
            .default_get("res.partner", &["active", "type"])
            .await
            .expect("default_get");
        assert_eq!(defaults.get("type"), Some(&json!("contact")), "{label}");
        assert!(
            c.has_access("res.partner", "write")
                .await
                .expect("has_access"),
            "{label}"
        );
        c.archive("res.partner", &[nc]).await.expect("archive");
        assert_eq!(
            c.search_count("res.partner", json!([["id", "=", nc]]))
                .await
                .expect("count"),
            0,
            "{label}: archived is hidden"
        );
        assert_eq!(
            c.exists("res.partner", &[nc, 999_999])
                .await
                .expect("exists"),
            vec![nc],
            "{label}"
        );
        c.unarchive("res.partner", &[nc]).await.expect("unarchive");
        let groups = c
            .read_group("sale.order", json!([]), &["state"], &["amount_total:sum"])
            .await
            .expect("grouped read");
        let draft = groups
            .iter()
            .find(|g| g["state"] == json!("draft"))
            .expect("draft group");
        assert_eq!(draft["__count"], json!(2), "{label}: {groups:?}");
        assert!(
            draft["amount_total:sum"].as_f64().unwrap_or(0.0) > 0.0,
            "{label}: {groups:?}"
        );
        assert!(
            c.unlink("res.partner", &[id, copy]).await.expect("unlink"),
            "{label}"
        );
        assert_eq!(
            c.exists("res.partner", &[id]).await.expect("exists"),
            Vec::<i64>::new(),
            "{label}"
        );

        // Errors map to the same kinds whatever the protocol.
        let e = c
            .write("res.partner", &[999_999], json!({"name": "x"}))
            .await
            .expect_err("missing");
        assert_eq!(
            e.odoo_kind(),
            Some(OdooErrorKind::MissingError),
            "{label}: {e}"
        );
        let e = c
            .create("res.partner", json!({"email": "no-name@example.com"}))
            .await
            .expect_err("no name");
        // XML-RPC's fault 2 carries every UserError subclass alike.
        let want = if protocol == ProtocolKind::XmlRpc {
            OdooErrorKind::UserError
        } else {
            OdooErrorKind::ValidationError
        };
        assert_eq!(e.odoo_kind(), Some(want), "{label}: {e}");
        let e = c
            .execute_kw::<Value>("res.partner", "_search", vec![json!([])], Map::new())
            .await
            .expect_err("private");
        assert_eq!(
            e.odoo_kind(),
            Some(OdooErrorKind::AccessError),
            "{label}: {e}"
        );
        let e = c
            .search(
                "res.partner",
                json!([["no_such_field", "=", 1]]),
                Default::default(),
            )
            .await
            .expect_err("bad field");
        assert_eq!(
            e.odoo_kind(),
            Some(OdooErrorKind::UnknownField),
            "{label}: {e}"
        );
        assert!(
            e.odoo()
                .is_some_and(|o| o.message.contains("no_such_field")),
            "{label}: {e}"
        );
        let e = c
            .search("no.such.model", json!([]), Default::default())
            .await
            .expect_err("unknown model");
        assert!(
            matches!(e.odoo_kind(), Some(OdooErrorKind::UnknownModel)),
            "{label}: {e}"
        );
    }
}

#[tokio::test]
async fn context_is_layered_and_sent_in_kwargs() {
    let sim = sim(OdooVersion::V18).await;
    let c = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .context(Context::new().active_test(false))
        .build()
        .await
        .expect("login");
    // client default active_test=false shows the archived partner.
    let all = c
        .search(
            "res.partner",
            json!([["name", "=", "Old Supplier"]]),
            Default::default(),
        )
        .await
        .expect("search");
    assert_eq!(all, vec![30]);
    // the per-call context wins over the client default.
    let opts = SearchOptions::new().context(Context::new().active_test(true));
    assert!(
        c.search("res.partner", json!([["name", "=", "Old Supplier"]]), opts)
            .await
            .expect("search")
            .is_empty()
    );
    // a bad language in the call context is Odoo's UserError.
    let opts = SearchOptions::new().context(Context::new().lang("xx_XX"));
    let e = c
        .search("res.partner", json!([]), opts)
        .await
        .expect_err("bad lang");
    assert_eq!(e.odoo_kind(), Some(OdooErrorKind::UserError));
    let opts = SearchOptions::new().context(Context::new().allowed_company_ids([999]));
    let e = c
        .search("res.partner", json!([]), opts)
        .await
        .expect_err("bad company");
    assert_eq!(e.odoo_kind(), Some(OdooErrorKind::AccessError));
}

#[tokio::test]
async fn web_session_logs_in_again_once_when_expired() {
    let sim = sim(OdooVersion::V18).await;
    let c = client(&sim, ProtocolKind::WebSession).await;
    sim.expire_sessions();
    assert_eq!(
        c.search_count("res.partner", json!([["is_company", "=", true]]))
            .await
            .expect("re-login"),
        6
    );
    let logins = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/web/session/authenticate")
        .count();
    assert_eq!(logins, 0, "authenticate is not logged as a model call");
    c.logout().await.expect("logout");
}

#[tokio::test]
async fn bad_credentials_and_configuration_are_clear() {
    let sim = sim(OdooVersion::V18).await;
    for protocol in [
        ProtocolKind::JsonRpc,
        ProtocolKind::XmlRpc,
        ProtocolKind::WebSession,
    ] {
        let e = Client::builder(&sim.url())
            .database("demo")
            .password("admin", "wrong")
            .protocol(protocol)
            .build()
            .await
            .expect_err("wrong password");
        assert_eq!(
            e.odoo_kind(),
            Some(OdooErrorKind::AccessDenied),
            "{protocol:?}: {e}"
        );
        let text = e.to_string();
        assert!(
            text.contains("\"admin\"") && text.contains("\"demo\"") && !text.contains("wrong"),
            "{text}"
        );
    }
    let e = Client::builder(&sim.url())
        .database("nope")
        .password("admin", "admin")
        .build()
        .await
        .expect_err("unknown db");
    assert!(
        e.odoo()
            .is_some_and(|o| o.message.contains("database \"nope\" does not exist")),
        "{e}"
    );
    let e = Client::builder("not a url")
        .database("demo")
        .password("a", "b")
        .build()
        .await
        .expect_err("bad url");
    assert!(e.config_field() == Some("url"), "{e}");
    let e = Client::builder(&sim.url())
        .password("a", "b")
        .build()
        .await
        .expect_err("no db");
    assert!(e.config_field() == Some("database"), "{e}");
    let e = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .protocol(ProtocolKind::Json2)
        .build()
        .await
        .expect_err("json2 needs a key");
    assert!(e.config_field() == Some("protocol"), "{e}");
}

#[tokio::test]
async fn unreachable_host_fails_fast() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let started = std::time::Instant::now();
    let e = Client::builder(&format!("http://127.0.0.1:{port}"))
        .database("demo")
        .password("a", "b")
        .build()
        .await
        .expect_err("refused");
    assert!(e.is_transport() && e.is_retryable(), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test]
async fn broken_responses_are_reported_not_panicked() {
    let sim = sim(OdooVersion::V18).await;
    let c = Client::builder(&sim.url())
        .database("demo")
        .protocol(ProtocolKind::JsonRpc)
        .password("admin", "admin")
        .retry(zenoo_rpc::RetryPolicy::none())
        .build()
        .await
        .expect("login");
    sim.set_faults(FaultPlan::script([Some(Fault::Status(502))]));
    let e = c
        .search_count("res.partner", json!([]))
        .await
        .expect_err("502");
    assert!(e.status_code() == Some(502) && e.is_retryable(), "{e}");
    sim.set_faults(FaultPlan::script([Some(Fault::Truncate)]));
    let e = c
        .search("res.partner", json!([]), Default::default())
        .await
        .expect_err("truncated");
    assert!(e.kind() == ErrorKind::MalformedResponse, "{e}");
    sim.set_faults(FaultPlan::script([Some(Fault::SerializationFailure)]));
    let e = c
        .search_count("res.partner", json!([]))
        .await
        .expect_err("serialization");
    assert!(e.is_retryable(), "{e}");
    // HTML instead of JSON (the server's 404 page).
    let bad = Client::builder(&format!("{}/nothing-here", sim.url()))
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect_err("html");
    assert!(bad.status_code() == Some(404), "{bad}");
    // A result that does not fit the type names the path.
    let e = c
        .search_read::<Partner>(
            "res.partner",
            json!([["id", "=", 10]]),
            &["name"],
            Default::default(),
        )
        .await
        .expect_err("decode");
    let path = e
        .decode_path()
        .unwrap_or_else(|| panic!("expected a decode error, got {e}"));
    assert!(path.contains('0'), "{path}");
    // An argument that cannot be encoded is an input error, not a connection error.
    let mut vals = Map::new();
    vals.insert(
        "credit_limit".into(),
        Value::Number(serde_json::Number::from_f64(1.5).expect("finite")),
    );
    let nan = c.create(
        "res.partner",
        json!({"name": "x", "credit_limit": f64::NAN}),
    );
    let e = nan.await;
    assert!(
        e.is_ok() || e.as_ref().is_err_and(|e| e.kind() == ErrorKind::Encode),
        "NaN becomes null in serde_json or an encode error"
    );
    let e = c
        .create(
            "res.partner",
            std::collections::HashMap::from([((1, 2), 3)]),
        )
        .await
        .expect_err("bad key");
    assert!(e.kind() == ErrorKind::Encode, "{e}");
    let _ = vals;
}

#[tokio::test]
async fn json2_names_positional_arguments_from_the_documentation() {
    let sim = sim(OdooVersion::V19).await;
    let c = client(&sim, ProtocolKind::Json2).await;
    // action_confirm is not in the built-in table: its parameters come from /doc-bearer.
    let ok: bool = c
        .execute_kw("sale.order", "action_confirm", vec![json!([3])], Map::new())
        .await
        .expect("confirm");
    assert!(ok);
    let state: Vec<Map<String, Value>> = c
        .read("sale.order", &[3], &["state"], Load::Classic)
        .await
        .expect("read");
    assert_eq!(state[0]["state"], json!("sale"));
    let docs = sim.requests();
    assert!(
        docs.iter()
            .any(|r| r.method.as_deref() == Some("action_confirm"))
    );
}

#[tokio::test]
async fn auto_picks_the_fastest_path_the_credentials_allow() {
    let s19 = sim(OdooVersion::V19).await;
    let c = Client::builder(&s19.url())
        .database("demo")
        .api_key("admin", KEY)
        .build()
        .await
        .expect("login");
    assert_eq!(c.protocol(), ProtocolKind::Json2);
    let c = Client::builder(&s19.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect("login");
    assert_eq!(c.protocol(), ProtocolKind::WebSession);
    let s18 = sim(OdooVersion::V18).await;
    let c = Client::builder(&s18.url())
        .database("demo")
        .api_key("admin", KEY)
        .build()
        .await
        .expect("login with a key as password");
    assert_eq!(c.protocol(), ProtocolKind::JsonRpc);
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(KEY), "secrets never in Debug: {dbg}");
}

#[test]
fn one_blocking_client_serves_many_threads_and_typed_queries() {
    #[derive(zenoo_rpc::Model, Debug)]
    #[odoo(model = "res.partner")]
    struct Partner {
        id: i64,
        name: String,
        is_company: bool,
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt.block_on(sim(OdooVersion::V18));
    let c = zenoo_rpc::blocking::Client::connect(
        Client::builder(&sim.url())
            .database("demo")
            .password("admin", "admin"),
    )
    .expect("login");
    let counts: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let c = c.clone();
                scope.spawn(move || {
                    c.model::<Partner>()
                        .filter(Partner::is_company().eq(true))
                        .count()
                        .expect("count")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert_eq!(counts, vec![6; 8]);
    let tags = c.model_named("res.partner.category");
    let made = tags
        .create(json!({"name": "Blocking tag"}))
        .expect("create");
    let q = tags.browse(&[made.id()]);
    assert_eq!(q.update(json!({"name": "Renamed"})).expect("update"), 1);
    assert_eq!(q.get().expect("get").get("name"), Some(&json!("Renamed")));
    assert_eq!(q.delete().expect("delete"), 1);
    let first = c
        .model::<Partner>()
        .filter(Partner::is_company().eq(true))
        .order_by("name")
        .first()
        .expect("first")
        .expect("a company");
    assert!(first.is_company && !first.name.is_empty());
}

#[test]
fn blocking_facade_works_outside_a_runtime() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt.block_on(sim(OdooVersion::V18));
    let c = zenoo_rpc::blocking::Client::connect(
        Client::builder(&sim.url())
            .database("demo")
            .password("admin", "admin"),
    )
    .expect("login");
    assert_eq!(
        c.search_count("res.partner", json!([["is_company", "=", true]]))
            .expect("count"),
        6
    );
    let id = c
        .create("res.partner", json!({"name": "Blocking"}))
        .expect("create");
    assert!(c.unlink("res.partner", &[id]).expect("unlink"));
}

#[tokio::test]
async fn database_service_lists_creates_dumps_restores_and_drops() {
    let sim = sim(OdooVersion::V18).await;
    let dbs = zenoo_rpc::db::DbService::new(&sim.url(), "admin").expect("service");
    assert_eq!(dbs.list().await.expect("list"), vec!["demo".to_string()]);
    assert!(dbs.exists("demo").await.expect("exists"));
    dbs.create("fresh", false, "en_US", "boss", "pw")
        .await
        .expect("create");
    let c = Client::builder(&sim.url())
        .database("fresh")
        .password("boss", "pw")
        .build()
        .await
        .expect("login on the new db");
    assert_eq!(
        c.search_count("sale.order", json!([]))
            .await
            .expect("count"),
        0
    );
    let dir = std::env::temp_dir().join(format!("zenoo-dump-{}", std::process::id()));
    let mut file = tokio::fs::File::create(&dir).await.expect("file");
    let mut seen = 0;
    let n = dbs
        .dump("demo", zenoo_rpc::db::DumpFormat::Zip, &mut file, |b| {
            seen = b
        })
        .await
        .expect("dump");
    assert!(n > 1000 && seen == n, "{n} {seen}");
    let bytes = std::fs::read(&dir).expect("dump file");
    assert!(bytes.starts_with(b"PK"), "a zip, as Odoo's zip dumps are");
    dbs.restore("restored", &dir, |_| {})
        .await
        .expect("restore");
    let r = Client::builder(&sim.url())
        .database("restored")
        .password("admin", "admin")
        .build()
        .await
        .expect("login restored");
    assert_eq!(
        r.search_count("sale.order", json!([]))
            .await
            .expect("count"),
        5
    );
    dbs.duplicate("restored", "copy").await.expect("duplicate");
    assert!(dbs.drop("copy").await.expect("drop"));
    let bad = zenoo_rpc::db::DbService::new(&sim.url(), "wrong").expect("service");
    let e = bad.drop("demo").await.expect_err("master password");
    assert_eq!(e.odoo_kind(), Some(OdooErrorKind::AccessDenied));
    let _ = std::fs::remove_file(dir);
}

#[tokio::test]
async fn database_manager_web_routes_when_the_rpc_service_is_gone() {
    // A server without /jsonrpc (Odoo 22, or a proxy that blocks it): Auto falls back to /web/database/*.
    let sim = Sim::builder()
        .version(OdooVersion::V19)
        .legacy_rpc(false)
        .start()
        .await
        .expect("sim");
    let dbs = zenoo_rpc::db::DbService::new(&sim.url(), "admin").expect("service");
    assert_eq!(dbs.list().await.expect("list"), vec!["demo".to_string()]);
    dbs.create("web_made", false, "en_US", "boss", "pw")
        .await
        .expect("create");
    assert!(dbs.exists("web_made").await.expect("exists"));
    let path = std::env::temp_dir().join(format!("zenoo-web-dump-{}", std::process::id()));
    let mut file = tokio::fs::File::create(&path).await.expect("file");
    let mut seen = 0;
    let n = dbs
        .dump("demo", zenoo_rpc::db::DumpFormat::Zip, &mut file, |b| {
            seen = b
        })
        .await
        .expect("backup");
    assert!(n > 1000 && seen == n, "{n} {seen}");
    dbs.restore("web_restored", &path, |_| {})
        .await
        .expect("restore");
    dbs.duplicate("web_restored", "web_copy")
        .await
        .expect("duplicate");
    let mut names = dbs.list().await.expect("list");
    names.sort();
    assert_eq!(names, vec!["demo", "web_copy", "web_made", "web_restored"]);
    assert!(dbs.drop("web_copy").await.expect("drop"));
    assert!(!dbs.drop("web_copy").await.expect("drop again"));
    // The restored database is usable over JSON-2 (the only API left there).
    sim.add_api_key("web_restored", "admin", KEY);
    let c = Client::builder(&sim.url())
        .database("web_restored")
        .api_key("admin", KEY)
        .build()
        .await
        .expect("login");
    assert_eq!(
        c.search_count("sale.order", json!([]))
            .await
            .expect("count"),
        5
    );
    // A wrong master password is Odoo's AccessDenied, read from the manager page.
    let bad = zenoo_rpc::db::DbService::new(&sim.url(), "wrong")
        .expect("service")
        .routes(zenoo_rpc::db::DbRoutes::Web);
    let e = bad.drop("demo").await.expect_err("master password");
    assert_eq!(e.odoo_kind(), Some(OdooErrorKind::AccessDenied), "{e}");
    dbs.change_admin_password("new-master")
        .await
        .expect("change");
    let renewed = zenoo_rpc::db::DbService::new(&sim.url(), "new-master").expect("service");
    assert!(
        renewed
            .drop("web_made")
            .await
            .expect("drop with the new password")
    );
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn timeouts_and_resets_are_transport_errors() {
    let sim = sim(OdooVersion::V18).await;
    let c = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .timeout(std::time::Duration::from_millis(300))
        .retry(zenoo_rpc::RetryPolicy::none())
        .build()
        .await
        .expect("login");
    sim.set_faults(FaultPlan::script([Some(Fault::Latency(
        std::time::Duration::from_secs(2),
    ))]));
    let started = std::time::Instant::now();
    let e = c
        .search_count("res.partner", json!([]))
        .await
        .expect_err("slow");
    assert!(e.is_timeout() && e.is_retryable(), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    sim.set_faults(FaultPlan::script([Some(Fault::Reset)]));
    let e = c
        .search_count("res.partner", json!([]))
        .await
        .expect_err("reset");
    assert!(
        e.is_transport() || e.kind() == ErrorKind::MalformedResponse,
        "{e}"
    );
    // The client works again afterwards.
    assert_eq!(
        c.search_count("res.partner", json!([["is_company", "=", true]]))
            .await
            .expect("count"),
        6
    );
}

#[tokio::test]
async fn repeated_failed_logins_start_a_cooldown() {
    let sim = sim(OdooVersion::V18).await;
    for _ in 0..5 {
        let e = Client::builder(&sim.url())
            .database("demo")
            .password("admin", "nope")
            .build()
            .await
            .expect_err("wrong");
        assert_eq!(e.odoo_kind(), Some(OdooErrorKind::AccessDenied));
    }
    // Even the right password is refused during the cooldown.
    let e = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect_err("cooldown");
    assert_eq!(e.odoo_kind(), Some(OdooErrorKind::AccessDenied));
    // A simulator configured without cooldown keeps accepting the right password.
    let relaxed = Sim::builder()
        .login_cooldown_after(0)
        .start()
        .await
        .expect("sim");
    for _ in 0..6 {
        let _ = Client::builder(&relaxed.url())
            .database("demo")
            .password("admin", "nope")
            .build()
            .await;
    }
    Client::builder(&relaxed.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect("no cooldown");
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A server that answers every request with a redirect to HTTPS.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://odoo.example.com/jsonrpc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    let e = Client::builder(&format!("http://{addr}"))
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect_err("a redirect is not an Odoo answer");
    assert_eq!(e.status_code(), Some(301), "{e}");
    assert!(
        e.to_string()
            .contains("redirects to https://odoo.example.com/jsonrpc"),
        "{e}"
    );
}
