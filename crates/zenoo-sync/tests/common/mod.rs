//! What the sync tests share: a client of a simulator, the stores to run on
//! (a SQLite file always, PostgreSQL when `ZENOO_TEST_POSTGRES_URL` names a
//! server the tests may create databases on), and a running service.

#![allow(dead_code)]

use zenoo_rpc::{Client, ProtocolKind, RetryPolicy};
use zenoo_sync::Store;

/// The database a test runs its store on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh database on the server `ZENOO_TEST_POSTGRES_URL` names.
    Postgres,
}

/// Runs each named `async fn(Db)` as two tests, `name::sqlite` and
/// `name::postgres`, so nextest runs and reports them apart.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::common::Db::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::common::Db::Postgres).await
            }
        }
    )*};
}

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

/// What keeps a store's database alive for the test: the SQLite file's
/// folder (PostgreSQL databases are left to the server, which the test setup
/// throws away).
pub struct Keep {
    dir: Option<tempfile::TempDir>,
    /// The URL the store was opened with, for a second store or a process.
    pub url: String,
}

/// A fresh store on `db`, or `None` (with the reason printed) when `db` is
/// PostgreSQL and no server is configured.
pub async fn store(db: Db) -> Option<(Store, Keep)> {
    let (url, dir) = match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("sync.db").display());
            (url, Some(dir))
        }
        Db::Postgres => match std::env::var("ZENOO_TEST_POSTGRES_URL") {
            Ok(base) if !base.is_empty() => (postgres_database(&base).await, None),
            _ => {
                zenoo_sim::skip::missing("PostgreSQL: ZENOO_TEST_POSTGRES_URL is not set");
                return None;
            }
        },
    };
    let store = Store::open(&url).await.expect("store");
    Some((store, Keep { dir, url }))
}

/// Creates an empty database on the PostgreSQL server at `base` and returns
/// its URL.
async fn postgres_database(base: &str) -> String {
    use sqlx::Executor;
    let admin = sqlx::PgPool::connect(base).await.expect("postgres");
    let name = format!("zenoo_sync_test_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create database");
    admin.close().await;
    let mut url = url::Url::parse(base).expect("ZENOO_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

/// A simulator, a client without retries, and a store on `db`; `None` when
/// `db` is not available (the reason is printed).
pub async fn setup(db: Db) -> Option<(zenoo_sim::SimHandle, Client, Store, Keep)> {
    let (store, keep) = store(db).await?;
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let client = client(&sim.url(), RetryPolicy::none()).await;
    Some((sim, client, store, keep))
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
