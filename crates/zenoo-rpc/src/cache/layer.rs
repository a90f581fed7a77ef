//! The cache layer: a read is answered from the cache when it can be, a
//! miss goes on down the stack and is stored; a write invalidates what it
//! may have changed (its model, and the models its x2many commands touch).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::Value;
use tower::{Service, ServiceExt};

use super::key::{Identity, Key};
use super::{Backend, CacheConfig, Entry, Invalidation};
use crate::call::Call;
use crate::error::{Error, Result};
use crate::response::Response;
use crate::transport::stack::{BoxFuture, BoxService};

/// What the cache layer does with one call.
enum Plan {
    /// A read cached for this long.
    Read(Duration),
    /// A call that may change data.
    Write(Invalidation),
    /// A read that is not cached.
    Pass,
}

/// The cache layer, between the span-and-metrics layer and the retries:
/// a hit never reaches the server, a miss is retried like any call.
#[derive(Clone)]
pub(crate) struct CacheLayer {
    inner: BoxService,
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) backend: Arc<dyn Backend>,
    who: Identity,
    url: Arc<str>,
    default_ttl: Option<Duration>,
    depends: HashMap<String, Vec<String>>,
    schemas: Arc<crate::schema::SchemaCache>,
    /// One cell per key being fetched: concurrent misses wait on it.
    inflight: Mutex<HashMap<[u8; 32], Arc<tokio::sync::OnceCell<Response>>>>,
}

impl CacheLayer {
    pub(crate) fn new(
        inner: BoxService,
        backend: Arc<dyn Backend>,
        config: &CacheConfig,
        who: Identity,
        schemas: Arc<crate::schema::SchemaCache>,
    ) -> Self {
        Self {
            inner,
            shared: Arc::new(Shared {
                backend,
                url: who.server.as_str().into(),
                who,
                default_ttl: config.default_ttl,
                depends: config.depends.clone(),
                schemas,
                inflight: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl Shared {
    fn plan(&self, call: &Call) -> Plan {
        let asked = call.cache_ttl();
        match crate::method::lookup(call.method()) {
            Some(m) if m.read_only => match asked.or(self.default_ttl) {
                Some(ttl) if !ttl.is_zero() => Plan::Read(ttl),
                _ => Plan::Pass,
            },
            Some(_) => Plan::Write(self.touched(call)),
            None => match asked {
                Some(ttl) if !ttl.is_zero() => Plan::Read(ttl),
                _ => Plan::Write(Invalidation::Everything),
            },
        }
    }

    /// The models a standard write changes: its own, the declared
    /// dependents, and the comodels of its x2many commands.
    fn touched(&self, call: &Call) -> Invalidation {
        let model = call.model();
        let mut models = vec![model.to_string()];
        if let Some(more) = self.depends.get(model) {
            models.extend(more.iter().cloned());
        }
        let mut fields = Vec::new();
        for v in call.positional().iter().chain(call.keywords().values()) {
            command_fields(v, 0, &mut fields);
        }
        if !fields.is_empty() {
            let Some(schema) = self.schemas.peek(model) else {
                return Invalidation::Everything;
            };
            for f in fields {
                match schema.field(f).and_then(|i| i.relation.as_deref()) {
                    Some(comodel) => models.push(comodel.to_string()),
                    None => return Invalidation::Everything,
                }
            }
        }
        models.sort_unstable();
        models.dedup();
        Invalidation::Models(models)
    }

    async fn invalidate(&self, what: &Invalidation) {
        match what {
            Invalidation::Models(models) => {
                for m in models {
                    metrics::counter!("zenoo_cache_invalidations_total", "model" => crate::transport::observe::model_label(m))
                        .increment(1);
                }
            }
            Invalidation::Everything => {
                metrics::counter!("zenoo_cache_invalidations_total", "model" => "*").increment(1);
            }
        }
        self.backend.invalidate(what).await;
    }

    async fn read(&self, inner: BoxService, call: Call, ttl: Duration) -> Result<Response> {
        let Some(key) = Key::new(&self.who, &call) else {
            return inner.oneshot(call).await;
        };
        let span = tracing::Span::current();
        let found = self.backend.lookup(&key).await;
        if let Some(entry) = found.entry {
            span.record("cache", "hit");
            return Ok(Response::from_encoded(
                entry.encoding,
                entry.body,
                call.label_arc(),
                self.url.clone(),
            ));
        }
        span.record("cache", "miss");
        let cell = self
            .inflight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key.digest)
            .or_default()
            .clone();
        let leave = Leave {
            inflight: &self.inflight,
            digest: key.digest,
            cell,
        };
        let token = found.token;
        leave
            .cell
            .get_or_try_init(|| async {
                let response = inner.oneshot(call).await?;
                let (encoding, body) = response.encoded();
                self.backend
                    .store(&key, token, Entry { encoding, body }, ttl)
                    .await;
                Ok::<_, Error>(response)
            })
            .await
            .cloned()
    }
}

/// Takes a key's in-flight cell out of the map when its fetch is over (or
/// given up), so that the map only holds keys being fetched.
struct Leave<'a> {
    inflight: &'a Mutex<HashMap<[u8; 32], Arc<tokio::sync::OnceCell<Response>>>>,
    digest: [u8; 32],
    cell: Arc<tokio::sync::OnceCell<Response>>,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        {
            let mut m = self
                .inflight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Other waiters hold the cell too: only the last one leaves
            // with it (the map's reference, this one's, and no other).
            if m.get(&self.digest)
                .is_some_and(|c| Arc::ptr_eq(c, &self.cell))
                && (self.cell.initialized() || Arc::strong_count(&self.cell) <= 2)
            {
                m.remove(&self.digest);
            }
        }
    }
}

/// The fields of vals objects (at the top of a call's arguments, or in a
/// list of them) whose values are x2many command lists: `[[0, 0, {...}], ...]`.
fn command_fields<'a>(v: &'a Value, depth: usize, out: &mut Vec<&'a str>) {
    match v {
        Value::Array(items) if depth == 0 => {
            for item in items {
                command_fields(item, depth + 1, out);
            }
        }
        Value::Object(m) if depth <= 1 => {
            for (field, value) in m {
                if is_command_list(value) {
                    out.push(field);
                }
            }
        }
        _ => {}
    }
}

fn is_command_list(v: &Value) -> bool {
    v.as_array().is_some_and(|items| {
        !items.is_empty()
            && items.iter().all(|c| {
                c.as_array()
                    .and_then(|c| c.first())
                    .and_then(Value::as_u64)
                    .is_some_and(|op| op <= 6)
            })
    })
}

impl Service<Call> for CacheLayer {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let inner = self.inner.clone();
        let shared = self.shared.clone();
        Box::pin(async move {
            match shared.plan(&call) {
                Plan::Pass => inner.oneshot(call).await,
                Plan::Read(ttl) => shared.read(inner, call, ttl).await,
                Plan::Write(what) => {
                    let result = inner.oneshot(call).await;
                    shared.invalidate(&what).await;
                    result
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn command_lists_are_told_from_plain_lists() {
        let mut out = Vec::new();
        let vals = json!([{"name": "x", "order_line": [[0, 0, {"name": "l"}], [4, 7]],
                           "category_id": [[6, 0, [1, 2]]], "tags": [1, 2]}]);
        command_fields(&vals, 0, &mut out);
        out.sort_unstable();
        assert_eq!(out, ["category_id", "order_line"]);
        let mut out = Vec::new();
        let args = json!([[5], {"line_ids": [[2, 9]]}]);
        command_fields(&args, 0, &mut out);
        assert_eq!(out, ["line_ids"]);
        assert!(!is_command_list(&json!([])));
        assert!(!is_command_list(&json!([[7, 1]])));
    }
}
