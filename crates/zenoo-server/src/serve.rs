//! Starting the service from a [`Config`]: the store, the Odoo client, the
//! sync running in the background, the routes on the listening address,
//! and a graceful stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::sync::oneshot;
use zenoo_rpc::Client;
use zenoo_sync::{Policies, Store, SyncService};

use crate::app::{App, router};
use crate::config::Config;

/// A running service, until [`Running::stop`].
pub struct Running {
    /// Where it listens (the real port when the config said 0).
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    sync: tokio::task::JoinHandle<zenoo_sync::Result<()>>,
}

/// Opens the store, logs in to Odoo, starts the sync and the routes.
///
/// # Errors
/// The store's, Odoo's or the listener's error, saying which.
pub async fn start(config: &Config) -> anyhow::Result<Running> {
    use anyhow::Context;
    let store = Store::open(config.store.url.expose_secret())
        .await
        .context("the store (store.url)")?;
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
    let sync = Arc::new(
        SyncService::new(
            store.clone(),
            client.clone(),
            "zenoo-server",
            Policies::all(config.sync.policy),
        )
        .mapping(config.sync.mapping.clone())
        .poll_every(Duration::from_secs(config.sync.poll_every_seconds)),
    );
    let app = App {
        webhook: sync.webhook(config.sync.webhook_token.expose_secret()),
        sync: sync.clone(),
        store,
        client,
        max_lag_seconds: 300.0,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {} (listen)", config.listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let (stop_sync, sync_stopped) = oneshot::channel::<()>();
    let routes = router(app, config.limits.body_bytes);
    let http = tokio::spawn(async move {
        let r = axum::serve(listener, routes)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        let _ = stop_sync.send(());
        r
    });
    let sync = tokio::spawn(async move {
        sync.run(async {
            let _ = sync_stopped.await;
        })
        .await
    });
    Ok(Running {
        addr,
        stop,
        http,
        sync,
    })
}

impl Running {
    /// Stops taking requests, finishes those in flight, then stops the
    /// sync after its current round.
    ///
    /// # Errors
    /// The server's or the sync's error.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.http.await??;
        self.sync.await??;
        Ok(())
    }
}
