//! What the sync tests share: a client of a simulator, and a SQLite store.

#![allow(dead_code)]

use zenoo_rpc::{Client, ProtocolKind, RetryPolicy};
use zenoo_sync::Store;

/// A JSON-RPC client of the simulator at `url` as admin, with `retry`.
pub async fn client(url: &str, retry: RetryPolicy) -> Client {
    Client::builder(url)
        .database("demo")
        .password("admin", "admin")
        .protocol(ProtocolKind::JsonRpc)
        .retry(retry)
        .build()
        .await
        .expect("client")
}

/// A SQLite store in `dir`.
pub async fn store(dir: &tempfile::TempDir) -> Store {
    Store::open(&format!("sqlite://{}", dir.path().join("s.db").display()))
        .await
        .expect("store")
}

/// A simulator, a client without retries, and a store in a folder of its own.
pub async fn setup() -> (zenoo_sim::SimHandle, Client, Store, tempfile::TempDir) {
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let client = client(&sim.url(), RetryPolicy::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir).await;
    (sim, client, store, dir)
}

/// A sync running as a service on the test's runtime, until [`Running::stop`].
pub struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<zenoo_sync::Result<()>>,
}

impl Running {
    /// Starts `sync.run` and waits for its first round (a push and a poll).
    pub async fn start(sync: std::sync::Arc<zenoo_sync::SyncService>) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = {
            let sync = sync.clone();
            tokio::spawn(async move {
                sync.run(async {
                    let _ = stopped.await;
                })
                .await
            })
        };
        let started = std::time::Instant::now();
        while sync.status().await.expect("status").last_pull_ms == 0 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "no first round"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Self { stop, handle }
    }

    /// Stops the service and checks it ended cleanly.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.handle.await.expect("joined").expect("run");
    }
}
