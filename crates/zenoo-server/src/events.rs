//! The event fan-out: the sync's events, with the supplier that decides
//! who may see them, to every WebSocket client and subscriber of this
//! instance; with a PostgreSQL store, to those of every instance sharing it
//! (`LISTEN/NOTIFY`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use zenoo_sync::{Backend, Store, SyncEvent};

/// The PostgreSQL channel instances tell each other's events on.
pub const CHANNEL: &str = "zenoo_sync_events";

/// One event as clients receive it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Envelope {
    /// What happened (tagged by `event`).
    #[serde(flatten)]
    pub event: SyncEvent,
    /// The order's supplier, when the order still exists.
    pub supplier_ref: Option<String>,
    /// The instance the event happened on.
    pub instance: String,
    /// When it was published (ms since the Unix epoch).
    pub at: i64,
}

impl Envelope {
    /// The order the event is about.
    pub fn order(&self) -> Option<uuid::Uuid> {
        order_of(&self.event)
    }

    /// The event's name (`created`, `synced`, ...).
    pub fn name(&self) -> &'static str {
        match &self.event {
            SyncEvent::Created { .. } => "created",
            SyncEvent::Updated { .. } => "updated",
            SyncEvent::Synced { .. } => "synced",
            SyncEvent::Conflict { .. } => "conflict",
            SyncEvent::Failed { .. } => "failed",
            SyncEvent::Resolved { .. } => "resolved",
            _ => "other",
        }
    }
}

/// The order `event` is about.
fn order_of(event: &SyncEvent) -> Option<uuid::Uuid> {
    match event {
        SyncEvent::Created { order }
        | SyncEvent::Updated { order }
        | SyncEvent::Synced { order, .. }
        | SyncEvent::Conflict { order, .. }
        | SyncEvent::Failed { order, .. }
        | SyncEvent::Resolved { order } => Some(*order),
        _ => None,
    }
}

/// This instance's events, local and (with PostgreSQL) remote.
#[derive(Debug, Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<Envelope>>,
    instance: Arc<str>,
}

impl EventHub {
    /// A hub for the instance `instance`, keeping up to `capacity` events
    /// for its slowest listener.
    pub fn new(instance: &str, capacity: usize) -> Self {
        Self {
            tx: broadcast::channel(capacity.max(16)).0,
            instance: Arc::from(instance),
        }
    }

    /// This instance's name.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// A listener, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.tx.subscribe()
    }

    /// Delivers `envelope` to this instance's listeners.
    pub fn publish(&self, envelope: Envelope) {
        let _ = self.tx.send(Arc::new(envelope));
    }

    /// Forwards the store's events to the hub (and, on PostgreSQL, to the
    /// other instances through `pool`), and those of other instances to
    /// the hub, until the store's event stream ends.
    pub(crate) fn start(
        &self,
        store: Store,
        pool: sqlx::AnyPool,
        postgres_url: Option<String>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        let hub = self.clone();
        let notify = store.backend() == Backend::Postgres;
        let mut events = store.events().subscribe();
        tasks.push(tokio::spawn(async move {
            loop {
                let event = match events.recv().await {
                    Ok(e) => e,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "the event fan-out fell behind the sync");
                        metrics::counter!("zenoo_server_events_missed_total").increment(n);
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let supplier_ref = match order_of(&event) {
                    Some(uuid) => store.supplier_of(uuid).await.ok().flatten(),
                    None => None,
                };
                let envelope = Envelope {
                    event,
                    supplier_ref,
                    instance: hub.instance.to_string(),
                    at: chrono::Utc::now().timestamp_millis(),
                };
                if notify
                    && let Ok(text) = serde_json::to_string(&envelope) {
                        // A payload over PostgreSQL's 8000 bytes is told
                        // locally only.
                        if text.len() < 7900 {
                            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                                .bind(CHANNEL)
                                .bind(text)
                                .execute(&pool)
                                .await;
                            if let Err(e) = sent {
                                tracing::warn!(error = %e, "could not tell the other instances an event");
                            }
                        }
                    }
                hub.publish(envelope);
            }
        }));
        if let Some(url) = postgres_url.filter(|_| notify) {
            let hub = self.clone();
            tasks.push(tokio::spawn(async move { hub.listen(&url).await }));
        }
        tasks
    }

    /// Receives other instances' events, reconnecting with a pause when
    /// the connection drops.
    async fn listen(&self, url: &str) {
        loop {
            match sqlx::postgres::PgListener::connect(url).await {
                Ok(mut listener) => {
                    if let Err(e) = listener.listen(CHANNEL).await {
                        tracing::warn!(error = %e, "LISTEN failed");
                    } else {
                        loop {
                            match listener.recv().await {
                                Ok(n) => match serde_json::from_str::<Envelope>(n.payload()) {
                                    Ok(env) if env.instance != *self.instance => self.publish(env),
                                    Ok(_) => {}
                                    Err(e) => {
                                        tracing::warn!(error = %e, "an event from another instance does not parse");
                                    }
                                },
                                Err(e) => {
                                    tracing::warn!(error = %e, "the event listener's connection failed");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot listen for other instances' events"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}
