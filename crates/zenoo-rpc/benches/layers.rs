//! What the production layers cost and save, against zenoo-sim on
//! loopback: cache hits (memory, Redis) against an uncached call, a cache
//! entry as raw JSON against MessagePack, `create_many` against one create
//! per record, and calls per second at concurrency 1/8/32 with the layers
//! off and on.
//!
//! `cargo bench -p zenoo-rpc --bench layers` (the Redis benches need a
//! `redis-server` on the PATH; they are left out, said, without one).
#![allow(missing_docs)]

use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use futures_util::StreamExt;
use serde_json::{Value, json};
use zenoo_rpc::{CacheConfig, Call, Client, DynamicRecord, ProtocolKind, RetryPolicy};
use zenoo_sim::SimHandle;

fn main() {
    divan::main();
    if let Some(w) = WORLD.get()
        && let Some((child, _)) = &w.redis
        && let Ok(mut c) = child.lock()
    {
        let _ = c.kill();
        let _ = c.wait();
    }
}

static WORLD: OnceLock<World> = OnceLock::new();

struct World {
    rt: tokio::runtime::Runtime,
    sim: SimHandle,
    redis: Option<(std::sync::Mutex<Child>, String)>,
}

fn world() -> &'static World {
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        let sim = rt
            .block_on(zenoo_sim::Sim::builder().scale(2_000).start())
            .unwrap_or_else(|e| panic!("sim: {e}"));
        World {
            rt,
            sim,
            redis: redis(),
        }
    })
}

fn redis() -> Option<(std::sync::Mutex<Child>, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .stdout(Stdio::null())
        .spawn();
    let Ok(child) = child else {
        eprintln!("no redis-server: the Redis benches are left out");
        return None;
    };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((
                std::sync::Mutex::new(child),
                format!("redis://127.0.0.1:{port}/"),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

fn client(configure: impl FnOnce(zenoo_rpc::ClientBuilder) -> zenoo_rpc::ClientBuilder) -> Client {
    let w = world();
    let b = Client::builder(&w.sim.url())
        .database("demo")
        .password("admin", "admin")
        .protocol(ProtocolKind::JsonRpc);
    w.rt.block_on(configure(b).build())
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// A page of 80 partners with ten fields: a typical cached read.
fn page() -> Call {
    Call::new("res.partner", "search_read")
        .arg(json!([]))
        .kwarg(
            "fields",
            json!([
                "name",
                "email",
                "phone",
                "is_company",
                "city",
                "country_id",
                "parent_id",
                "category_id",
                "credit_limit",
                "write_date"
            ]),
        )
        .kwarg("limit", 80)
        .kwarg("order", "id")
}

fn read_page(b: Bencher, client: Client, call: Call) {
    let rt = &world().rt;
    // Fill the cache first.
    let _: Vec<DynamicRecord> = rt.block_on(client.call(call.clone())).unwrap_or_default();
    b.bench_local(|| {
        let rows: Vec<DynamicRecord> = rt.block_on(client.call(call.clone())).unwrap_or_default();
        black_box(rows)
    });
}

mod cache {
    use super::*;

    #[divan::bench]
    fn uncached(b: Bencher) {
        read_page(b, client(|c| c), page());
    }

    #[divan::bench]
    fn memory_hit(b: Bencher) {
        let c = client(|c| c.cache(CacheConfig::memory(64 << 20)));
        read_page(b, c, page().cache(Duration::from_secs(600)));
    }

    #[divan::bench]
    fn redis_hit(b: Bencher) {
        let Some((_, url)) = &world().redis else {
            return;
        };
        let c = client(|c| c.cache(CacheConfig::redis(url.clone())));
        read_page(b, c, page().cache(Duration::from_secs(600)));
    }

    #[divan::bench]
    fn tiered_hit(b: Bencher) {
        let Some((_, url)) = &world().redis else {
            return;
        };
        let c = client(|c| c.cache(CacheConfig::tiered(64 << 20, url.clone())));
        read_page(b, c, page().cache(Duration::from_secs(600)));
    }
}

/// A cache entry's format: the response's JSON bytes as they came, or the
/// same value as MessagePack.
mod entry {
    use super::*;

    fn json_bytes() -> Vec<u8> {
        let c = client(|c| c);
        let rows: Value = world().rt.block_on(c.call(page())).unwrap_or_default();
        serde_json::to_vec(&rows).unwrap_or_default()
    }

    #[divan::bench]
    fn decode_json(b: Bencher) {
        let bytes = json_bytes();
        b.counter(BytesCount::new(bytes.len()))
            .bench_local(|| black_box(serde_json::from_slice::<Vec<DynamicRecord>>(&bytes).ok()));
    }

    #[divan::bench]
    fn decode_msgpack(b: Bencher) {
        let v: Value = serde_json::from_slice(&json_bytes()).unwrap_or_default();
        let bytes = rmp_serde::to_vec(&v).unwrap_or_default();
        b.counter(BytesCount::new(bytes.len()))
            .bench_local(|| black_box(rmp_serde::from_slice::<Vec<DynamicRecord>>(&bytes).ok()));
    }

    #[divan::bench]
    fn encode_msgpack(b: Bencher) {
        let bytes = json_bytes();
        b.counter(BytesCount::new(bytes.len())).bench_local(|| {
            let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            black_box(rmp_serde::to_vec(&v).ok())
        });
    }
}

mod create {
    use super::*;

    const N: usize = 1_000;

    fn vals() -> Vec<Value> {
        (0..N)
            .map(|i| json!({"name": format!("Bench {i}")}))
            .collect()
    }

    #[divan::bench(sample_count = 10)]
    fn create_many_1000(b: Bencher) {
        let c = client(|c| c);
        let rt = &world().rt;
        let vals = vals();
        b.counter(ItemsCount::new(N)).bench_local(|| {
            let report = rt.block_on(c.batch().chunk_size(250).create_many("res.partner", &vals));
            black_box(report.ids().len())
        });
    }

    #[divan::bench(sample_count = 10)]
    fn one_by_one_1000(b: Bencher) {
        let c = client(|c| c);
        let rt = &world().rt;
        let vals = vals();
        b.counter(ItemsCount::new(N)).bench_local(|| {
            rt.block_on(async {
                for v in &vals {
                    black_box(c.create("res.partner", v).await.ok());
                }
            });
        });
    }
}

/// 256 `search_count` calls, `n` at a time: with every layer off (no
/// retries, no breaker, no metrics recorder) and with the defaults and a
/// Prometheus recorder installed.
mod throughput {
    use super::*;

    const CALLS: usize = 256;

    fn run(b: Bencher, c: Client, n: usize, recorder: bool) {
        let rt = &world().rt;
        let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let go = || {
            rt.block_on(async {
                futures_util::stream::iter(0..CALLS)
                    .map(|_| {
                        let c = c.clone();
                        async move {
                            c.search_count("res.partner", json!([["is_company", "=", true]]))
                                .await
                        }
                    })
                    .buffer_unordered(n)
                    .for_each(|r| {
                        black_box(r.ok());
                        async {}
                    })
                    .await;
            });
        };
        b.counter(ItemsCount::new(CALLS)).bench_local(|| {
            if recorder {
                metrics::with_local_recorder(&prometheus, go);
            } else {
                go();
            }
        });
    }

    #[divan::bench(args = [1, 8, 32], sample_count = 20)]
    fn layers_off(b: Bencher, n: usize) {
        let c = client(|c| c.retry(RetryPolicy::none()).circuit_breaker(None));
        run(b, c, n, false);
    }

    #[divan::bench(args = [1, 8, 32], sample_count = 20)]
    fn layers_on(b: Bencher, n: usize) {
        run(b, client(|c| c), n, true);
    }
}
