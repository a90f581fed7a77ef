//! The production layers against zenoo-sim's injected faults: retries, the
//! circuit breaker, limits, several servers, metrics.

use std::time::{Duration, Instant};

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use serde_json::{Value, json};
use zenoo_rpc::{
    Balance, BreakerPolicy, Call, CircuitState, Client, ClientBuilder, ErrorKind, ProtocolKind,
    RetryPolicy,
};
use zenoo_sim::{Fault, FaultPlan, Sim, SimHandle};

async fn sim() -> SimHandle {
    Sim::builder().start().await.expect("sim")
}

fn builder(url: &str) -> ClientBuilder {
    Client::builder(url)
        .database("demo")
        .password("admin", "admin")
        .protocol(ProtocolKind::JsonRpc)
}

/// Quick retries, so that the tests spend their time on calls.
fn quick() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(8)
        .delays(Duration::from_millis(1), Duration::from_millis(20))
}

/// Runs `body` on a current-thread runtime with a recorder of its own, so
/// that the metrics it reads are this test's only.
fn with_metrics<F: std::future::Future<Output = ()>>(body: impl FnOnce(Snapshotter) -> F) {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    metrics::with_local_recorder(&recorder, || rt.block_on(body(snapshotter)));
}

/// The metrics recorded so far (a snapshot takes the counters' values).
type Metrics = Vec<(
    metrics_util::CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
)>;

/// The sum of a counter over its label sets.
fn counter(m: &Metrics, name: &str) -> u64 {
    m.iter()
        .filter(|(k, ..)| k.key().name() == name)
        .map(|(.., v)| match v {
            DebugValue::Counter(n) => *n,
            _ => 0,
        })
        .sum()
}

fn writes_seen(sim: &SimHandle, method: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method.as_deref() == Some(method))
        .count()
}

#[test]
fn a_thousand_reads_survive_ten_percent_faults_and_every_retry_is_counted() {
    with_metrics(|metrics| async move {
        let sim = sim().await;
        let client = builder(&sim.url())
            .timeout(Duration::from_millis(150))
            .retry(quick())
            .circuit_breaker(None)
            .build()
            .await
            .expect("login");
        let kinds = vec![
            Fault::Status(503),
            Fault::Status(502),
            Fault::Reset,
            Fault::Latency(Duration::from_millis(400)),
            Fault::SerializationFailure,
            Fault::Truncate,
        ];
        let plan = || FaultPlan::random(0.1, kinds.clone(), 7);
        // The faults the 1,000 reads will meet, drawn from the same seed:
        // one retry for each fault before the 1,000th clean answer.
        let mut replay = plan();
        let (mut clean, mut expected_retries) = (0, 0u64);
        while clean < 1000 {
            match replay.next_fault() {
                None => clean += 1,
                Some(_) => expected_retries += 1,
            }
        }
        sim.set_faults(plan());
        let expected = client
            .search_count("res.partner", json!([]))
            .await
            .expect("first read");
        for i in 1..1000 {
            let n = client
                .search_count("res.partner", json!([]))
                .await
                .unwrap_or_else(|e| panic!("read {i} failed: {e}"));
            assert_eq!(n, expected);
        }
        assert!(expected_retries > 50, "the plan injects faults");
        let seen: Metrics = metrics.snapshot().into_vec();
        assert_eq!(counter(&seen, "zenoo_retries_total"), expected_retries);
        assert_eq!(
            counter(&seen, "zenoo_requests_total"),
            1000,
            "one per call, retries or not"
        );
    });
}

#[tokio::test]
async fn an_unmarked_write_that_fails_after_sending_is_not_repeated() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .retry(quick())
        .build()
        .await
        .expect("login");
    // The create is applied, then its answer is cut short.
    sim.set_faults(FaultPlan::script([Some(Fault::Truncate)]));
    let e = client
        .create("res.partner", json!({"name": "Sent once"}))
        .await
        .expect_err("the answer is cut");
    assert!(e.outcome_unknown(), "{e}");
    assert_eq!(e.attempts(), 1);
    assert!(e.to_string().contains("may have been applied"), "{e}");
    assert_eq!(writes_seen(&sim, "create"), 1, "sent once");
    let made = client
        .search_count("res.partner", json!([["name", "=", "Sent once"]]))
        .await
        .expect("count");
    assert_eq!(made, 1, "applied once, never duplicated");

    // A 503 says nothing about the outcome either.
    sim.clear_requests();
    sim.set_faults(FaultPlan::script([Some(Fault::Status(503))]));
    let e = client
        .write("res.partner", &[1], json!({"comment": "x"}))
        .await
        .expect_err("503");
    assert!(e.outcome_unknown() && e.status_code() == Some(503), "{e}");
}

#[tokio::test]
async fn a_marked_write_and_a_rolled_back_write_are_retried() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .retry(quick())
        .build()
        .await
        .expect("login");
    let id = client
        .create("res.partner", json!({"name": "Retried"}))
        .await
        .expect("create");
    sim.set_faults(FaultPlan::script([
        Some(Fault::Status(503)),
        Some(Fault::Reset),
    ]));
    let done: bool = client
        .call(
            Call::new("res.partner", "write")
                .arg(json!([id]))
                .arg(json!({"comment": "set twice is the same"}))
                .idempotent(true),
        )
        .await
        .expect("retried until it passes");
    assert!(done);
    // Odoo rolled the serialization failure back: safe to repeat unmarked.
    sim.set_faults(FaultPlan::script([Some(Fault::SerializationFailure)]));
    assert!(
        client
            .write("res.partner", &[id], json!({"comment": "again"}))
            .await
            .expect("rolled back, then retried")
    );
    // The per-method allow-list does what the mark does.
    let listed = builder(&sim.url())
        .retry(quick().idempotent_method("res.partner", "write"))
        .build()
        .await
        .expect("login");
    sim.set_faults(FaultPlan::script([Some(Fault::Status(502))]));
    assert!(
        listed
            .write("res.partner", &[id], json!({"comment": "listed"}))
            .await
            .expect("allowed by the policy")
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .retry(quick())
        .build()
        .await
        .expect("login");
    sim.set_faults(FaultPlan::script([Some(Fault::Throttle(
        Duration::from_secs(1),
    ))]));
    let started = Instant::now();
    client
        .search_count("res.partner", json!([]))
        .await
        .expect("after the wait");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(990) && waited < Duration::from_secs(3),
        "Retry-After: 1 asks for one second, waited {waited:?}"
    );
    // A wait beyond the policy's budget is not taken: the 429 is returned.
    let short = builder(&sim.url())
        .retry(quick().max_elapsed(Duration::from_millis(200)))
        .build()
        .await
        .expect("login");
    sim.set_faults(FaultPlan::script([Some(Fault::Throttle(
        Duration::from_secs(1),
    ))]));
    let e = short
        .search_count("res.partner", json!([]))
        .await
        .expect_err("over budget");
    assert_eq!(e.status_code(), Some(429));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
}

#[tokio::test]
async fn no_retries_when_turned_off() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .retry(RetryPolicy::none())
        .build()
        .await
        .expect("login");
    sim.set_faults(FaultPlan::script([Some(Fault::Status(503))]));
    let e = client
        .search_count("res.partner", json!([]))
        .await
        .expect_err("one attempt");
    assert_eq!((e.attempts(), e.outcome_unknown()), (1, false));
}

#[test]
fn the_breaker_opens_fails_fast_half_opens_and_closes() {
    with_metrics(|metrics| async move {
        let sim = sim().await;
        let cool_down = Duration::from_millis(400);
        let client = builder(&sim.url())
            .retry(RetryPolicy::none())
            .circuit_breaker(Some(
                BreakerPolicy::default()
                    .minimum_calls(4)
                    .window(10, Duration::from_secs(60))
                    .cool_down(cool_down)
                    .probes(1),
            ))
            .build()
            .await
            .expect("login");
        // The server dies: every request gets a 503.
        sim.set_faults(FaultPlan::random(1.0, vec![Fault::Status(503)], 1));
        for _ in 0..4 {
            let e = client
                .search_count("res.partner", json!([]))
                .await
                .expect_err("dead");
            assert_eq!(e.status_code(), Some(503));
        }
        sim.clear_requests();
        let started = Instant::now();
        let e = client
            .search_count("res.partner", json!([]))
            .await
            .expect_err("open");
        assert_eq!(e.kind(), ErrorKind::CircuitOpen, "{e}");
        assert_eq!(e.attempts(), 0);
        assert!(started.elapsed() < Duration::from_millis(50), "fails fast");
        assert!(sim.requests().is_empty(), "nothing was sent");
        let until = e.open_until().expect("until when");
        assert!(until > Instant::now() && until <= Instant::now() + cool_down);
        assert!(
            e.to_string().contains("4 of the last 4 calls failed"),
            "{e}"
        );
        let state = client.circuit_states()[0].1;
        assert!(matches!(state, CircuitState::Open { .. }));
        let gauge = metrics
            .snapshot()
            .into_vec()
            .into_iter()
            .find(|(k, ..)| k.key().name() == "zenoo_circuit_state")
            .map(|(.., v)| v);
        assert_eq!(gauge, Some(DebugValue::Gauge(2.0.into())));

        // Still dead after the cool-down: the probe fails and it opens again.
        tokio::time::sleep(cool_down).await;
        assert_eq!(client.circuit_states()[0].1, CircuitState::HalfOpen);
        let e = client
            .search_count("res.partner", json!([]))
            .await
            .expect_err("probe");
        assert_eq!(e.status_code(), Some(503));
        assert!(matches!(
            client.circuit_states()[0].1,
            CircuitState::Open { .. }
        ));

        // Back to life: after the cool-down the probe passes and it closes.
        sim.set_faults(FaultPlan::none());
        tokio::time::sleep(cool_down).await;
        client
            .search_count("res.partner", json!([]))
            .await
            .expect("probe passes");
        assert_eq!(client.circuit_states()[0].1, CircuitState::Closed);
        // Odoo's own exceptions are answers of a working server.
        for _ in 0..6 {
            let _ = client
                .search_count("no.such.model", json!([]))
                .await
                .expect_err("unknown model");
        }
        assert_eq!(client.circuit_states()[0].1, CircuitState::Closed);
    });
}

#[tokio::test]
async fn the_concurrency_limit_queues_calls() {
    let sim = Sim::builder()
        .faults(FaultPlan::none().with_latency(Duration::from_millis(100)))
        .start()
        .await
        .expect("sim");
    let client = builder(&sim.url())
        .max_concurrency(2)
        .build()
        .await
        .expect("login");
    let started = Instant::now();
    let calls = (0..6).map(|_| {
        let c = client.clone();
        async move { c.search_count("res.partner", json!([])).await }
    });
    for r in futures_util::future::join_all(calls).await {
        r.expect("count");
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(290),
        "6 calls of 100 ms, 2 at a time, take 3 rounds: {took:?}"
    );
}

#[tokio::test]
async fn the_rate_limit_spaces_calls() {
    let sim = sim().await;
    let client = builder(&sim.url())
        .rate_limit(5)
        .build()
        .await
        .expect("login");
    let started = Instant::now();
    for _ in 0..10 {
        client
            .search_count("res.partner", json!([]))
            .await
            .expect("count");
    }
    // Login's context_get and the first calls use the burst; the rest
    // come at 5 a second.
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn calls_are_shared_between_servers_and_a_dead_one_is_left_out() {
    let (a, b) = (sim().await, sim().await);
    let client = builder(&a.url())
        .server(b.url())
        .build()
        .await
        .expect("login on both");
    a.clear_requests();
    b.clear_requests();
    for _ in 0..10 {
        client
            .search_count("res.partner", json!([]))
            .await
            .expect("count");
    }
    let (on_a, on_b) = (
        writes_seen(&a, "search_count"),
        writes_seen(&b, "search_count"),
    );
    assert_eq!((on_a, on_b), (5, 5), "round-robin");

    // A server that stops answering is marked down; the retry goes to the
    // other one and the reads all succeed.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let c = sim().await;
    let client = builder(&c.url())
        .server(format!("http://127.0.0.1:{dead_port}"))
        .balance(Balance::LeastInFlight)
        .retry(quick())
        .build()
        .await;
    // It cannot be logged into yet: it starts marked down and is tried
    // again later; the client works from the first.
    let client = client.expect("one server is enough to start");
    for _ in 0..10 {
        client
            .search_count("res.partner", json!([]))
            .await
            .expect("count");
    }
    let servers = client.servers();
    assert!(servers[0].up && !servers[1].up, "{servers:?}");
}

#[tokio::test]
async fn a_server_that_dies_later_is_marked_down_and_reads_go_on() {
    let a = sim().await;
    let b = sim().await;
    let client = builder(&a.url())
        .server(b.url())
        .retry(quick())
        .down_for(Duration::from_secs(30))
        .build()
        .await
        .expect("login on both");
    b.set_faults(FaultPlan::random(1.0, vec![Fault::Reset], 3));
    for i in 0..20 {
        client
            .search_count("res.partner", json!([]))
            .await
            .unwrap_or_else(|e| panic!("read {i}: {e}"));
    }
    let servers = client.servers();
    assert!(servers[0].up);
    assert!(!servers[1].up, "{servers:?}");
    assert!(
        writes_seen(&b, "search_count") <= 1,
        "left out after its first failure"
    );
}

#[tokio::test]
async fn writes_go_to_the_primary_and_reads_to_the_replica() {
    let primary = sim().await;
    let replica = sim().await;
    let client = builder(&primary.url())
        .read_replica(replica.url())
        .build()
        .await
        .expect("login");
    primary.clear_requests();
    replica.clear_requests();
    for i in 0..4 {
        client
            .create("res.partner", json!({"name": format!("P{i}")}))
            .await
            .expect("create");
        client
            .search_read::<Value>("res.partner", json!([]), &["name"], Default::default())
            .await
            .expect("read");
    }
    assert_eq!(writes_seen(&primary, "create"), 4);
    assert_eq!(writes_seen(&replica, "create"), 0);
    assert_eq!(writes_seen(&replica, "search_read"), 4);
    assert_eq!(writes_seen(&primary, "search_read"), 0);
    // The replica goes down: reads fall back to the primary.
    replica.set_faults(FaultPlan::random(1.0, vec![Fault::Reset], 5));
    for _ in 0..3 {
        client
            .search_count("res.partner", json!([]))
            .await
            .expect("served by the primary");
    }
    assert!(writes_seen(&primary, "search_count") >= 2);
}

#[tokio::test]
async fn start_up_is_retried_on_every_protocol_and_step() {
    // Each start-up request in turn meets one fault: the version, the login
    // (the web session's authenticate, JSON-2's uid lookup) and the user's
    // context are repeated as any safe call is.
    for (version, protocol, api_key) in [
        (zenoo_sim::OdooVersion::V18, ProtocolKind::Auto, false),
        (zenoo_sim::OdooVersion::V18, ProtocolKind::JsonRpc, false),
        (zenoo_sim::OdooVersion::V18, ProtocolKind::XmlRpc, false),
        (zenoo_sim::OdooVersion::V19, ProtocolKind::Json2, true),
    ] {
        let sim = Sim::builder()
            .version(version)
            .user(
                "admin",
                "admin",
                Some("key-0123456789abcdef0123456789abcdef"),
            )
            .start()
            .await
            .expect("sim");
        for step in 0..3 {
            for fault in [Fault::Status(503), Fault::Reset] {
                let mut script = vec![None; step];
                script.push(Some(fault.clone()));
                sim.set_faults(FaultPlan::script(script));
                let b = Client::builder(&sim.url())
                    .database("demo")
                    .protocol(protocol)
                    .retry(quick());
                let b = if api_key {
                    b.api_key("admin", "key-0123456789abcdef0123456789abcdef")
                } else {
                    b.password("admin", "admin")
                };
                let c = b.build().await.unwrap_or_else(|e| {
                    panic!("{version:?} {protocol:?}: {fault:?} on start-up request {step}: {e}")
                });
                assert!(
                    c.search_count("res.partner", json!([]))
                        .await
                        .expect("count")
                        > 0
                );
            }
        }
        // Without retries the same fault fails the start-up: the test sees it.
        sim.set_faults(FaultPlan::script([None, Some(Fault::Status(503))]));
        let b = Client::builder(&sim.url())
            .database("demo")
            .protocol(protocol)
            .retry(RetryPolicy::none());
        let b = if api_key {
            b.api_key("admin", "key-0123456789abcdef0123456789abcdef")
        } else {
            b.password("admin", "admin")
        };
        assert!(b.build().await.is_err(), "{version:?} {protocol:?}");
        // Bad credentials are not repeated: one login, at once.
        sim.set_faults(FaultPlan::none());
        sim.clear_requests();
        let e = Client::builder(&sim.url())
            .database("demo")
            .protocol(protocol)
            .retry(quick())
            .password("admin", "wrong")
            .build()
            .await
            .expect_err("wrong password");
        assert!(e.odoo().is_some() || e.kind() == ErrorKind::Config, "{e}");
        assert!(sim.requests().len() <= 3, "{:?}", sim.requests().len());
    }
}

#[test]
fn model_and_method_labels_stay_bounded_whatever_names_callers_send() {
    with_metrics(|metrics| async move {
        let sim = sim().await;
        let client = builder(&sim.url())
            .retry(quick())
            .circuit_breaker(None)
            .build()
            .await
            .expect("login");
        // A service passing on its users' names: 400 invented models and
        // 400 invented methods, each refused by the server.
        for i in 0..400 {
            let e = client
                .search_count(&format!("x.invented.{i}"), json!([]))
                .await
                .expect_err("no such model");
            assert!(e.odoo().is_some(), "{e}");
            let _ = client
                .execute_kw::<Value>(
                    "res.partner",
                    &format!("invented_{i}"),
                    vec![json!([])],
                    serde_json::Map::new(),
                )
                .await;
        }
        let seen: Metrics = metrics.snapshot().into_vec();
        let values = |label: &str| {
            seen.iter()
                .filter(|(k, ..)| k.key().name() == "zenoo_requests_total")
                .filter_map(|(k, ..)| {
                    k.key()
                        .labels()
                        .find(|l| l.key() == label)
                        .map(|l| l.value().to_string())
                })
                .collect::<std::collections::HashSet<_>>()
        };
        let (models, methods) = (values("model"), values("method"));
        assert!(
            models.len() <= 257 && methods.len() <= 257,
            "{} model and {} method label values",
            models.len(),
            methods.len()
        );
        assert!(models.contains("_OTHER") && methods.contains("_OTHER"));
        assert!(models.contains("res.partner"), "early names keep their own");
        // Every call is still counted.
        assert!(counter(&seen, "zenoo_requests_total") >= 800);
    });
}
