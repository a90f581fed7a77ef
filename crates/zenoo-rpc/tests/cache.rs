//! The cache layer against zenoo-sim, in memory and against a real
//! `redis-server` that each test starts on a port of its own (the test
//! skips, saying so, when there is no `redis-server`: `.ci/run` installs it).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use zenoo_rpc::{CacheConfig, Call, Client, ClientBuilder, Context, ProtocolKind, Q, RetryPolicy};
use zenoo_sim::{Fault, FaultPlan, Sim, SimHandle};

const TTL: Duration = Duration::from_secs(60);

async fn sim() -> SimHandle {
    Sim::builder().start().await.expect("sim")
}

fn builder(url: &str) -> ClientBuilder {
    Client::builder(url)
        .database("demo")
        .password("admin", "admin")
        .protocol(ProtocolKind::JsonRpc)
}

/// How many times the simulator served `model.method`.
fn served(sim: &SimHandle, model: &str, method: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.model.as_deref() == Some(model) && r.method.as_deref() == Some(method))
        .count()
}

fn count_call() -> Call {
    Call::new("res.partner", "search_count")
        .arg(json!([["is_company", "=", true]]))
        .cache(TTL)
}

async fn count(client: &Client) -> u64 {
    client.call(count_call()).await.expect("search_count")
}

#[tokio::test]
async fn marked_reads_are_served_once_until_their_ttl() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .cache(CacheConfig::memory(1 << 20))
        .build()
        .await
        .expect("client");
    let first = count(&client).await;
    assert_eq!(count(&client).await, first);
    assert_eq!(served(&sim, "res.partner", "search_count"), 1);
    // Unmarked reads are not cached without a default TTL.
    let _: u64 = client
        .search_count("res.partner", json!([]))
        .await
        .expect("count");
    let _: u64 = client
        .search_count("res.partner", json!([]))
        .await
        .expect("count");
    assert_eq!(served(&sim, "res.partner", "search_count"), 3);
    // A short TTL expires.
    let short = || {
        Call::new("res.country", "search_count")
            .arg(json!([]))
            .cache(Duration::from_millis(150))
    };
    let _: u64 = client.call(short()).await.expect("count");
    let _: u64 = client.call(short()).await.expect("count");
    assert_eq!(served(&sim, "res.country", "search_count"), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let _: u64 = client.call(short()).await.expect("count");
    assert_eq!(served(&sim, "res.country", "search_count"), 2);
    let stats = client.cache_stats();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].backend, "memory");
    assert_eq!((stats[0].hits, stats[0].misses), (2, 3));
    assert!(stats[0].entries.is_some_and(|n| n >= 1), "{stats:?}");
    assert!((stats[0].hit_rate() - 0.4).abs() < 1e-9);
}

#[tokio::test]
async fn queries_opt_in_and_a_default_ttl_caches_every_read() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .cache(CacheConfig::memory(1 << 20).default_ttl(TTL))
        .build()
        .await
        .expect("client");
    let names = async || {
        client
            .model_named("res.partner")
            .only(&["name"])
            .order_by("id")
            .limit(5)
            .values()
            .await
            .expect("read")
    };
    let a = names().await;
    let b = names().await;
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_eq!(served(&sim, "res.partner", "search_read"), 1);
    // `.cache(Duration::ZERO)` opts one call out.
    let _: u64 = client
        .call(count_call().cache(Duration::ZERO))
        .await
        .expect("count");
    let _: u64 = client
        .call(count_call().cache(Duration::ZERO))
        .await
        .expect("count");
    assert_eq!(served(&sim, "res.partner", "search_count"), 2);

    // A query marks its calls without a client default.
    let sim2 = self::sim().await;
    let plain = builder(&sim2.url())
        .cache(CacheConfig::memory(1 << 20))
        .build()
        .await
        .expect("client");
    for _ in 0..3 {
        plain
            .model_named("res.partner")
            .filter(Q::eq("is_company", true))
            .cache(TTL)
            .count()
            .await
            .expect("count");
    }
    assert_eq!(served(&sim2, "res.partner", "search_count"), 1);
}

/// A cached read of `model` that counts as one server call each time it
/// misses.
async fn read_names(client: &Client, model: &str) -> Vec<Value> {
    client
        .call(
            Call::new(model, "search_read")
                .arg(json!([]))
                .kwarg("fields", json!(["display_name"]))
                .kwarg("order", "id")
                .cache(TTL),
        )
        .await
        .expect("search_read")
}

#[tokio::test]
async fn every_write_path_invalidates_what_it_touches() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .cache(CacheConfig::memory(4 << 20))
        .build()
        .await
        .expect("client");
    let hits = |sim: &SimHandle, model: &str| served(sim, model, "search_read");
    let before = read_names(&client, "res.partner").await;
    read_names(&client, "res.partner").await;
    read_names(&client, "res.country").await;
    assert_eq!(hits(&sim, "res.partner"), 1);

    // create
    let id = client
        .create("res.partner", json!({"name": "Cache Test"}))
        .await
        .expect("create");
    let after = read_names(&client, "res.partner").await;
    assert_eq!(after.len(), before.len() + 1, "the new partner is seen");
    assert_eq!(hits(&sim, "res.partner"), 2);
    // ...and it did not touch other models' entries.
    read_names(&client, "res.country").await;
    assert_eq!(hits(&sim, "res.country"), 1);

    // write
    client
        .write("res.partner", &[id], json!({"name": "Cache Test 2"}))
        .await
        .expect("write");
    let after = read_names(&client, "res.partner").await;
    assert!(after.iter().any(|r| r["display_name"] == "Cache Test 2"));
    assert_eq!(hits(&sim, "res.partner"), 3);

    // unlink
    client.unlink("res.partner", &[id]).await.expect("unlink");
    assert_eq!(read_names(&client, "res.partner").await.len(), before.len());
    assert_eq!(hits(&sim, "res.partner"), 4);

    // batch
    let vals: Vec<Value> = (0..5).map(|i| json!({"name": format!("B{i}")})).collect();
    let report = client
        .batch()
        .chunk_size(2)
        .create_many("res.partner", &vals)
        .await;
    let ids = report.into_result().expect("batch");
    assert_eq!(
        read_names(&client, "res.partner").await.len(),
        before.len() + 5
    );
    assert_eq!(hits(&sim, "res.partner"), 5);
    client
        .batch()
        .unlink_many("res.partner", &ids)
        .await
        .into_result()
        .expect("unlink batch");

    // x2many commands invalidate the comodel once the client knows the
    // model's fields, and only it.
    client
        .model_named("sale.order")
        .limit(1)
        .values()
        .await
        .expect("loads sale.order's fields");
    let order: i64 = client
        .search(
            "sale.order",
            json!([]),
            zenoo_rpc::SearchOptions::new().limit(1),
        )
        .await
        .expect("an order")[0];
    let lines = read_names(&client, "sale.order.line").await;
    read_names(&client, "res.country").await;
    let product: Vec<i64> = client
        .search(
            "product.product",
            json!([]),
            zenoo_rpc::SearchOptions::new().limit(1),
        )
        .await
        .expect("a product");
    client
        .write(
            "sale.order",
            &[order],
            json!({"order_line": [[0, 0, {"product_id": product[0], "product_uom_qty": 2}]]}),
        )
        .await
        .expect("write with commands");
    assert_eq!(
        read_names(&client, "sale.order.line").await.len(),
        lines.len() + 1
    );
    let country_reads = hits(&sim, "res.country");
    read_names(&client, "res.country").await;
    assert_eq!(hits(&sim, "res.country"), country_reads, "not invalidated");

    // A method the client does not know may change anything.
    let _: Value = client
        .call(Call::new("sale.order", "action_confirm").arg(json!([order])))
        .await
        .expect("confirm");
    read_names(&client, "res.country").await;
    assert_eq!(hits(&sim, "res.country"), country_reads + 1);
}

#[tokio::test]
async fn contexts_users_and_databases_never_share_entries() {
    let sim = sim().await;
    sim.create_database("other", true).expect("second db");
    let config = CacheConfig::memory(1 << 20);
    let admin = builder(&sim.url())
        .cache(config.clone())
        .build()
        .await
        .expect("client");
    let fr = Call::new("res.partner", "search_count")
        .arg(json!([]))
        .context(Context::new().lang("fr_FR"))
        .cache(TTL);
    let _: u64 = admin.call(count_call()).await.expect("count");
    let _: u64 = admin.call(fr.clone()).await.expect("count");
    let _: u64 = admin.call(fr).await.expect("count");
    assert_eq!(
        served(&sim, "res.partner", "search_count"),
        2,
        "one per language"
    );
    // Keys with the same call differ by user and database: see the Redis
    // test, where clients share entries.
}

#[tokio::test]
async fn concurrent_misses_make_one_server_call() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .cache(CacheConfig::memory(1 << 20))
        .retry(RetryPolicy::none())
        .build()
        .await
        .expect("client");
    sim.set_faults(FaultPlan::none().with_latency(Duration::from_millis(200)));
    let calls = (0..20).map(|_| count(&client));
    let results = futures_util::future::join_all(calls).await;
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(served(&sim, "res.partner", "search_count"), 1);
    // A failing fetch is not shared as a result: the next waiter calls.
    sim.set_faults(FaultPlan::script([Some(Fault::Status(503))]));
    let call = || {
        client.call::<u64>(
            Call::new("res.partner", "search_count")
                .arg(json!([["id", ">", 1]]))
                .cache(TTL),
        )
    };
    let (a, b) = tokio::join!(call(), call());
    assert!(
        a.is_err() != b.is_err(),
        "one failed, one went on: {a:?} {b:?}"
    );
}

// --- Redis ---------------------------------------------------------------

/// A `redis-server` of this test's own, on a free loopback port, without
/// persistence; killed when dropped.
struct RedisServer {
    child: Option<Child>,
    port: u16,
    bin: String,
}

impl RedisServer {
    /// Starts one, or says why not (the caller skips).
    fn start() -> Option<Self> {
        let bin = std::env::var("ZENOO_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        if Command::new(&bin)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            zenoo_sim::skip::missing(format!(
                "no {bin} to run (install Debian's redis-server, as .ci/run does, or set ZENOO_REDIS_SERVER)"
            ));
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .ok()?;
        let mut me = Self {
            child: None,
            port,
            bin,
        };
        me.restart();
        Some(me)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn restart(&mut self) {
        let child = Command::new(&self.bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not listen on {}", self.port);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test]
async fn redis_entries_are_shared_and_invalidated_across_clients() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sim = sim().await;
    sim.create_database("other", true).expect("second db");
    let config = CacheConfig::redis(redis.url());
    let a = builder(&sim.url())
        .cache(config.clone())
        .build()
        .await
        .expect("client a");
    let b = builder(&sim.url())
        .cache(config.clone())
        .build()
        .await
        .expect("client b");
    let first = count(&a).await;
    assert_eq!(count(&b).await, first, "b is served a's entry");
    assert_eq!(served(&sim, "res.partner", "search_count"), 1);
    assert_eq!(b.cache_stats()[0].hits, 1);
    // A write through b invalidates a's entry too.
    b.create("res.partner", json!({"name": "Shared", "is_company": true}))
        .await
        .expect("create");
    assert_eq!(count(&a).await, first + 1);
    assert_eq!(served(&sim, "res.partner", "search_count"), 2);

    // Another user and another database sharing the Redis: own entries.
    let demo = Client::builder(&sim.url())
        .database("demo")
        .password("demo", "demo")
        .protocol(ProtocolKind::JsonRpc)
        .cache(config.clone())
        .build()
        .await
        .expect("demo");
    let _ = count(&demo).await;
    assert_eq!(served(&sim, "res.partner", "search_count"), 3);
    let other = Client::builder(&sim.url())
        .database("other")
        .password("admin", "admin")
        .protocol(ProtocolKind::JsonRpc)
        .cache(config)
        .build()
        .await
        .expect("other db");
    let _ = count(&other).await;
    assert_eq!(served(&sim, "res.partner", "search_count"), 4);
}

#[tokio::test]
async fn tiered_fills_memory_from_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sim = sim().await;
    let config = CacheConfig::tiered(1 << 20, redis.url());
    let a = builder(&sim.url())
        .cache(config.clone())
        .build()
        .await
        .expect("a");
    let b = builder(&sim.url()).cache(config).build().await.expect("b");
    let n = count(&a).await;
    assert_eq!(count(&b).await, n, "from Redis");
    assert_eq!(count(&b).await, n, "from b's memory");
    assert_eq!(served(&sim, "res.partner", "search_count"), 1);
    let stats = b.cache_stats();
    let memory = stats
        .iter()
        .find(|s| s.backend == "memory")
        .expect("memory");
    let far = stats.iter().find(|s| s.backend == "redis").expect("redis");
    assert_eq!((memory.hits, memory.misses), (1, 1));
    assert_eq!((far.hits, far.misses), (1, 0));
}

#[tokio::test]
async fn the_client_outlives_redis_and_recovers_when_it_returns() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let sim = sim().await;
    let config =
        CacheConfig::tiered(1 << 20, redis.url()).redis_timeout(Duration::from_millis(100));
    let a = builder(&sim.url())
        .cache(config.clone())
        .build()
        .await
        .expect("a");
    let n = count(&a).await;
    redis.kill();
    // Memory still answers; new keys go to the server.
    assert_eq!(count(&a).await, n);
    for i in 0..5 {
        let c: u64 = a
            .call(
                Call::new("res.partner", "search_count")
                    .arg(json!([["id", ">", i]]))
                    .cache(TTL),
            )
            .await
            .expect("served without Redis");
        assert!(c > 0);
    }
    let far = a
        .cache_stats()
        .into_iter()
        .find(|s| s.backend == "redis")
        .expect("redis");
    assert!(far.errors >= 1, "{far:?}");
    // A write while Redis is away is remembered...
    a.create(
        "res.partner",
        json!({"name": "During the outage", "is_company": true}),
    )
    .await
    .expect("create without Redis");
    redis.restart();
    // ...and once Redis is back (after the backoff) entries are shared again.
    let b = builder(&sim.url()).cache(config).build().await.expect("b");
    let before = served(&sim, "res.partner", "search_count");
    let mut shared = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let probe = Call::new("res.partner", "search_count")
            .arg(json!([["name", "ilike", "outage"]]))
            .cache(TTL);
        let x: u64 = a.call(probe.clone()).await.expect("a");
        let y: u64 = b.call(probe).await.expect("b");
        assert_eq!((x, y), (1, 1));
        let far = b
            .cache_stats()
            .into_iter()
            .find(|s| s.backend == "redis")
            .expect("redis");
        if far.hits >= 1 {
            shared = true;
            break;
        }
    }
    assert!(shared, "b never hit a's entry after the restart");
    assert!(served(&sim, "res.partner", "search_count") > before);
}
