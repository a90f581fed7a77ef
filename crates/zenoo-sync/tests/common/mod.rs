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
