//! Starting the service from a [`Config`]: the store (and the server's own
//! tables in it), the Odoo client, the sync running in the background, the
//! event fan-out, the subscribers, and the routes on the listening
//! address; and a graceful stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zenoo_rpc::Client;
use zenoo_sync::{Backend, Policies, Store, SyncService};

use crate::actions::Actions;
use crate::audit::RequestAudit;
use crate::config::Config;
use crate::events::EventHub;
use crate::keys::ApiKeys;
use crate::ratelimit::Limits;
use crate::router::router;
use crate::state::{App, Settings};
use crate::tables::Tables;
use crate::tokens::Tokens;

/// A running service, until [`Running::stop`].
pub struct Running {
    /// Where it listens (the real port when the config said 0).
    pub addr: SocketAddr,
    /// Its API keys (to make the first one, say).
    pub keys: ApiKeys,
    /// Its token issuer.
    pub tokens: Tokens,
    /// Its events.
    pub hub: EventHub,
    /// Its store.
    pub store: Store,
    /// Its own tables, in the store's database.
    pub tables: Tables,
    /// Its instance name (the sync worker's name too).
    pub instance: String,
    stop: oneshot::Sender<()>,
    http: JoinHandle<std::io::Result<()>>,
    sync: JoinHandle<zenoo_sync::Result<()>>,
    audit: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
}

/// Opens the store at the configured URL with the server's tables beside
/// it.
///
/// # Errors
/// The store's error, naming the key.
pub async fn open_store(config: &Config) -> anyhow::Result<(Tables, Store)> {
    use anyhow::Context;
    Tables::open(config.store.url.expose_secret())
        .await
        .context("the store (store.url)")
}

fn instance_name(config: &Config) -> String {
    config.instance.clone().unwrap_or_else(|| {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "zenoo-server".into());
        let tag: u16 = rand::random();
        format!("{host}-{}-{tag:04x}", std::process::id())
    })
}

/// Opens the store, logs in to Odoo, starts the sync and the routes.
///
/// # Errors
/// The store's, Odoo's, the actions file's or the listener's error, saying
/// which.
pub async fn start(config: &Config) -> anyhow::Result<Running> {
    run(config, false).await
}

/// [`start`], with the demo's routes as well: `zenoo-server --sim`, where a
/// visitor plays the Odoo user's part against the embedded simulator.
///
/// # Errors
/// As [`start`].
pub async fn start_demo(config: &Config) -> anyhow::Result<Running> {
    run(config, true).await
}

async fn run(config: &Config, demo: bool) -> anyhow::Result<Running> {
    use anyhow::Context;
    crate::metrics::install();
    let actions = match &config.actions_file {
        Some(path) => Actions::load(path).context("actions_file")?,
        None => Actions::default(),
    };
    let (tables, store) = open_store(config).await?;
    let tokens = tables.tokens(&config.auth)?;
    let mut builder = Client::builder(config.odoo.url.as_str()).database(&config.odoo.database);
    builder = match (&config.odoo.password, &config.odoo.api_key) {
        (_, Some(key)) => builder.api_key(&config.odoo.login, key.expose_secret()),
        (Some(pw), None) => builder.password(&config.odoo.login, pw.expose_secret()),
        (None, None) => anyhow::bail!("configuration: `odoo.password`: missing"),
    };
    let client = builder
        .build()
        .await
        .with_context(|| format!("logging in to Odoo at {} (odoo.*)", config.odoo.url))?;
    let instance = instance_name(config);
    let sync = Arc::new(
        SyncService::new(
            store.clone(),
            client.clone(),
            &instance,
            Policies::all(config.sync.policy),
        )
        .mapping(config.sync.mapping.clone())
        .poll_every(Duration::from_secs(config.sync.poll_every_seconds)),
    );
    let hub = EventHub::new(&instance, 4096);
    let postgres_url = (store.backend() == Backend::Postgres)
        .then(|| config.store.url.expose_secret().to_string());
    let mut background = hub.start(store.clone(), tables.pool().clone(), postgres_url);
    background.extend(crate::subscribers::start(&hub, &config.subscribers));
    let retention = Duration::from_secs(config.audit_retention_days.saturating_mul(86_400));
    let (audit, audit_task) = RequestAudit::start(tables.pool().clone(), retention);
    let keys = tables.keys();
    background.push(tokens.revocations().start().await);
    // Expired refresh tokens and old finished jobs do not pile up.
    let pruning = tokens.clone();
    let outbox = store.clone();
    let keep_done = Duration::from_secs(config.sync.keep_done_jobs_days.saturating_mul(86_400));
    background.push(tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = pruning.prune_expired().await {
                tracing::warn!(error = %e, "expired refresh tokens could not be deleted");
            }
            if let Err(e) = outbox.prune_done(keep_done).await {
                tracing::warn!(error = %e, "old finished jobs could not be deleted");
            }
        }
    }));
    // Clients idle for a window are forgotten by the rate limiter.
    let limits = Arc::new(Limits::new(&config.limits));
    let idle = limits.clone();
    background.push(tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            idle.forget_idle();
        }
    }));
    let app = App {
        webhook: sync.webhook(config.sync.webhook_token.expose_secret()),
        sync: sync.clone(),
        store: store.clone(),
        client,
        keys: keys.clone(),
        tokens: tokens.clone(),
        limits: limits.clone(),
        hub: hub.clone(),
        actions: Arc::new(actions),
        audit,
        sockets: crate::slots::Sockets::new(
            config.events.max_sockets,
            config.events.max_sockets_per_principal,
        ),
        settings: Settings {
            max_lag_seconds: config.sync.max_lag_seconds as f64,
            heartbeat_seconds: config.events.heartbeat_seconds,
            ws_queue: config.events.queue,
            ws_grace: Duration::from_millis(config.events.grace_ms),
            body_bytes: config.limits.body_bytes,
            request_timeout: Duration::from_secs(config.limits.request_timeout_seconds),
            demo,
        },
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {} (listen)", config.listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let (stop_sync, sync_stopped) = oneshot::channel::<()>();
    let (routes, _) = router(app);
    let limits = crate::listen::ConnectionLimits {
        max_connections: config.limits.max_connections,
        max_connections_per_ip: config.limits.max_connections_per_ip,
        max_header_bytes: config.limits.max_header_bytes,
        header_timeout: Duration::from_secs(config.limits.header_timeout_seconds),
        drain: Duration::from_secs(config.limits.request_timeout_seconds.saturating_add(5)),
    };
    let http = tokio::spawn(async move {
        crate::listen::serve(listener, routes, limits, async {
            let _ = stopped.await;
        })
        .await;
        let _ = stop_sync.send(());
        Ok(())
    });
    let sync_task = {
        let store = store.clone();
        let instance = instance.clone();
        tokio::spawn(async move {
            let r = sync
                .run(async {
                    let _ = sync_stopped.await;
                })
                .await;
            // Whatever this instance still holds goes back to the others.
            if let Ok(n) = store.release_leases(&instance).await
                && n > 0
            {
                tracing::info!(jobs = n, "claimed jobs released for other instances");
            }
            r
        })
    };
    tracing::info!(%addr, %instance, "zenoo-server listening");
    Ok(Running {
        addr,
        keys,
        tokens,
        hub,
        store,
        tables,
        instance,
        stop,
        http,
        sync: sync_task,
        audit: audit_task,
        background,
    })
}

impl Running {
    /// Stops taking requests, finishes those in flight, then stops the
    /// sync after its current round and gives back its claimed jobs.
    ///
    /// # Errors
    /// The server's or the sync's error.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.http.await??;
        self.sync.await??;
        for task in self.background {
            task.abort();
        }
        // The audit writer ends once the routes are gone; what it still
        // holds is written first (WebSocket sessions may keep it a while).
        let mut audit = self.audit;
        if tokio::time::timeout(Duration::from_secs(5), &mut audit)
            .await
            .is_err()
        {
            audit.abort();
        }
        Ok(())
    }
}
