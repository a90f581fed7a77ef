//! `Client`: a cheap-to-clone handle on one logged-in Odoo connection.

mod handles;

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use tower::ServiceExt;

use crate::builder::ClientBuilder;
use crate::call::Call;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::protocol::{ProtocolKind, Wire};
use crate::response::Response;
use crate::transport::http::Transport;
use crate::transport::stack::BoxService;
use crate::version::ServerVersion;

pub(crate) struct ClientInner {
    pub(crate) transport: Transport,
    pub(crate) wire: Arc<Wire>,
    /// The layer stack; its innermost service is `wire`.
    pub(crate) service: BoxService,
    pub(crate) db: String,
    pub(crate) login: String,
    pub(crate) uid: i64,
    pub(crate) version: ServerVersion,
    pub(crate) user_context: Context,
    /// `default_context` with `user_context` over it: what every call's
    /// own context is layered on (shared, not copied, per call).
    pub(crate) base_context: Context,
    pub(crate) schemas: Arc<crate::schema::SchemaCache>,
    /// The cache backend, when the client has one.
    pub(crate) cache: Option<Arc<dyn crate::cache::Backend>>,
    /// The servers and their health.
    pub(crate) pool: Arc<crate::transport::balance::Pool>,
}

/// A logged-in connection to one Odoo database.
///
/// Create one with [`Client::builder`] and **reuse** it: it holds a
/// connection pool and the session. Cloning is cheap (an `Arc` inside), so
/// share clones between tasks instead of wrapping it in another `Arc`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zenoo_rpc::Result<()> {
/// # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
/// # let url = sim.url();
/// use serde::Deserialize;
/// use serde_json::json;
/// use zenoo_rpc::Client;
///
/// #[derive(Deserialize)]
/// struct Partner { id: i64, name: String }
///
/// let client = Client::builder(&url).database("demo").password("admin", "admin").build().await?;
/// let companies: Vec<Partner> = client
///     .search_read("res.partner", json!([["is_company", "=", true]]), &["name"], Default::default())
///     .await?;
/// assert!(!companies.is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.transport.base())
            .field("db", &self.inner.db)
            .field("login", &self.inner.login)
            .field("uid", &self.inner.uid)
            .field("protocol", &self.inner.wire.kind())
            .finish_non_exhaustive()
    }
}

/// Paging, ordering and context of a [`Client::search`] or
/// [`Client::search_read`]: `SearchOptions::new().limit(10).order("name")`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SearchOptions {
    /// Records to skip.
    pub offset: Option<u64>,
    /// Maximum number of records.
    pub limit: Option<u64>,
    /// Order, e.g. `"name asc, id desc"`.
    pub order: Option<String>,
    /// Context for this call only.
    pub context: Option<Context>,
    /// How long the client's [cache](crate::cache) may keep the result.
    pub cache: Option<std::time::Duration>,
}

impl SearchOptions {
    /// No paging, the server's order, no extra context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Skips the first `n` records.
    #[must_use]
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// At most `n` records.
    #[must_use]
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Odoo's order clause, e.g. `"name asc, id desc"`.
    #[must_use]
    pub fn order(mut self, order: impl Into<String>) -> Self {
        self.order = Some(order.into());
        self
    }

    /// Context for this call only, over the client's.
    #[must_use]
    pub fn context(mut self, context: Context) -> Self {
        self.context = Some(context);
        self
    }

    /// Lets the client's [cache](crate::cache) keep the result for `ttl`.
    #[must_use]
    pub fn cache(mut self, ttl: std::time::Duration) -> Self {
        self.cache = Some(ttl);
        self
    }
}

/// One server of a client, as [`Client::servers`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStatus {
    /// Its URL, userinfo redacted.
    pub url: String,
    /// Whether it takes calls now (not marked down, circuit not open).
    pub up: bool,
    /// Calls in flight on it.
    pub inflight: usize,
    /// Whether it is a read replica.
    pub replica: bool,
}

/// How `read` returns many2one values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Load {
    /// `[id, display_name]` (Odoo's `_classic_read`).
    #[default]
    Classic,
    /// The bare id.
    Raw,
}

fn to_value(v: impl Serialize, label: &str) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::encode(label, e))
}

impl Client {
    /// A builder for a client of the Odoo server at `url`.
    pub fn builder(url: &str) -> ClientBuilder {
        ClientBuilder::new(url)
    }

    /// The logged-in user's id.
    pub fn uid(&self) -> i64 {
        self.inner.uid
    }

    /// The database name.
    pub fn database(&self) -> &str {
        &self.inner.db
    }

    /// The server version detected at login.
    pub fn server_version(&self) -> &ServerVersion {
        &self.inner.version
    }

    /// The protocol in use.
    pub fn protocol(&self) -> ProtocolKind {
        self.inner.wire.kind()
    }

    /// The state of each server's circuit breaker, by URL (userinfo
    /// redacted); empty when breakers are off.
    pub fn circuit_states(&self) -> Vec<(String, crate::transport::breaker::CircuitState)> {
        self.inner
            .pool
            .endpoints
            .iter()
            .filter_map(|e| Some((e.url.to_string(), e.breaker.as_ref()?.state())))
            .collect()
    }

    /// The client's servers: URL (userinfo redacted), whether it takes
    /// calls now, and its calls in flight.
    pub fn servers(&self) -> Vec<ServerStatus> {
        self.inner
            .pool
            .endpoints
            .iter()
            .map(|e| ServerStatus {
                url: e.url.to_string(),
                up: e.is_up(),
                inflight: e.inflight(),
                replica: e.role == crate::transport::balance::Role::Replica,
            })
            .collect()
    }

    /// The user's context loaded at login (`lang`, `tz`).
    pub fn user_context(&self) -> &Context {
        &self.inner.user_context
    }

    /// The context a call gets: client default ← user context ← `call`.
    pub fn effective_context(&self, call: Option<&Context>) -> Context {
        match call {
            Some(c) => self.inner.base_context.merged(c),
            None => self.inner.base_context.clone(),
        }
    }

    /// Runs a call through the client's layer stack and decodes its result
    /// into `T`. The call's context is layered over the client's default
    /// and the user's context.
    ///
    /// # Errors
    /// What the protocol or a layer reports, or a decode error naming the
    /// path that did not fit `T`.
    pub async fn call<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        self.send(call).await?.decode()
    }

    /// Runs a call through the layer stack; the result stays undecoded.
    pub async fn send(&self, mut call: Call) -> Result<Response> {
        let own = std::mem::take(&mut call.context);
        call.context = self.effective_context(Some(&own));
        self.inner.service.clone().oneshot(call).await
    }

    /// What the client's cache has done, one entry per backend (memory,
    /// Redis); empty without a cache.
    pub fn cache_stats(&self) -> Vec<crate::cache::CacheStats> {
        self.inner
            .cache
            .as_ref()
            .map(|c| c.stats())
            .unwrap_or_default()
    }

    /// `execute_kw(model, method, args, kwargs)` for any method. A `kwargs.context`
    /// is layered over the client's and the user's context.
    pub async fn execute_kw<T: DeserializeOwned>(
        &self,
        model: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<T> {
        let mut call = Call::new(model, method).args(args);
        for (k, v) in kwargs {
            call = call.kwarg(k, v);
        }
        self.call(call).await
    }

    /// `opts` on `call`: paging, context and caching.
    fn with_options(mut call: Call, opts: SearchOptions) -> Call {
        let kwargs = call.kwargs_mut();
        if let Some(o) = opts.offset {
            kwargs.insert("offset".into(), json!(o));
        }
        if let Some(l) = opts.limit {
            kwargs.insert("limit".into(), json!(l));
        }
        if let Some(o) = &opts.order {
            kwargs.insert("order".into(), json!(o));
        }
        if let Some(c) = opts.context {
            call = call.context(c);
        }
        if let Some(ttl) = opts.cache {
            call = call.cache(ttl);
        }
        call
    }

    /// `search`: ids of the records matching `domain`.
    pub async fn search(
        &self,
        model: &str,
        domain: impl Serialize,
        opts: SearchOptions,
    ) -> Result<Vec<i64>> {
        let mut call = Call::new(model, "search");
        call.set_args(vec![to_value(domain, call.label())?]);
        self.call(Self::with_options(call, opts)).await
    }

    /// `search_count`.
    pub async fn search_count(&self, model: &str, domain: impl Serialize) -> Result<u64> {
        let mut call = Call::new(model, "search_count");
        call.set_args(vec![to_value(domain, call.label())?]);
        self.call(call).await
    }

    /// `search_read`, decoded straight into `T`.
    pub async fn search_read<T: DeserializeOwned>(
        &self,
        model: &str,
        domain: impl Serialize,
        fields: &[&str],
        opts: SearchOptions,
    ) -> Result<Vec<T>> {
        let mut call = Call::new(model, "search_read");
        call.set_args(vec![to_value(domain, call.label())?]);
        call.kwargs_mut().insert("fields".into(), json!(fields));
        self.call(Self::with_options(call, opts)).await
    }

    /// `read` of `ids` (missing ids are dropped by Odoo).
    pub async fn read<T: DeserializeOwned>(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[&str],
        load: Load,
    ) -> Result<Vec<T>> {
        let mut call = Call::new(model, "read");
        call.set_args(vec![json!(ids), json!(fields)]);
        if load == Load::Raw {
            call.kwargs_mut().insert("load".into(), Value::Null);
        }
        self.call(call).await
    }

    /// `create` of one record; its id.
    pub async fn create(&self, model: &str, vals: impl Serialize) -> Result<i64> {
        let mut call = Call::new(model, "create");
        call.set_args(vec![to_value(vals, call.label())?]);
        let v: Value = self.call(call).await?;
        self.first_id(&v, "create")
    }

    /// `create` of several records in one call; ids in input order.
    pub async fn create_many<V: Serialize>(&self, model: &str, vals: &[V]) -> Result<Vec<i64>> {
        let mut call = Call::new(model, "create");
        call.set_args(vec![to_value(vals, call.label())?]);
        self.call(call).await
    }

    /// The id in a result that is an id or a list of ids (16/17 vs 18/19).
    fn first_id(&self, v: &Value, method: &str) -> Result<i64> {
        let id = match v {
            Value::Number(n) => n.as_i64(),
            Value::Array(a) => a.first().and_then(Value::as_i64),
            _ => None,
        };
        id.ok_or_else(|| {
            Error::malformed(
                self.inner.transport.base(),
                format!("{method} returned no id"),
                crate::error::cut(&v.to_string()).as_bytes(),
            )
        })
    }

    /// `write` of `vals` on `ids`.
    pub async fn write(&self, model: &str, ids: &[i64], vals: impl Serialize) -> Result<bool> {
        let mut call = Call::new(model, "write");
        call.set_args(vec![json!(ids), to_value(vals, call.label())?]);
        self.call(call).await
    }

    /// `unlink` of `ids`.
    pub async fn unlink(&self, model: &str, ids: &[i64]) -> Result<bool> {
        let mut call = Call::new(model, "unlink");
        call.set_args(vec![json!(ids)]);
        self.call(call).await
    }

    /// `copy` of one record; the new id (16/17 return an int, 18/19 a list).
    pub async fn copy(&self, model: &str, id: i64, default: Option<Value>) -> Result<i64> {
        let mut call = Call::new(model, "copy");
        call.set_args(vec![json!([id])]);
        if let Some(d) = default {
            call.kwargs_mut().insert("default".into(), d);
        }
        let v: Value = self.call(call).await?;
        self.first_id(&v, "copy")
    }

    /// `name_search`: `(id, display_name)` pairs (`args` is called `domain` in 19).
    pub async fn name_search(
        &self,
        model: &str,
        name: &str,
        domain: impl Serialize,
        limit: Option<u64>,
    ) -> Result<Vec<(i64, String)>> {
        let mut call = Call::new(model, "name_search");
        let key = self.inner.version.name_search_domain_param();
        call.kwargs_mut().insert("name".into(), json!(name));
        let domain = to_value(domain, call.label())?;
        call.kwargs_mut().insert(key.into(), domain);
        call.kwargs_mut()
            .insert("limit".into(), json!(limit.unwrap_or(100)));
        self.call(call).await
    }

    /// `name_create`: `(id, display_name)`.
    pub async fn name_create(&self, model: &str, name: &str) -> Result<(i64, String)> {
        let mut call = Call::new(model, "name_create");
        call.set_args(vec![json!(name)]);
        self.call(call).await
    }

    /// `fields_get` restricted to `fields` (all when empty) and `attributes`.
    pub async fn fields_get(
        &self,
        model: &str,
        fields: &[&str],
        attributes: &[&str],
    ) -> Result<Map<String, Value>> {
        let mut call = Call::new(model, "fields_get");
        if !fields.is_empty() {
            call.kwargs_mut().insert("allfields".into(), json!(fields));
        }
        if !attributes.is_empty() {
            call.kwargs_mut()
                .insert("attributes".into(), json!(attributes));
        }
        self.call(call).await
    }

    /// Which of `ids` of `model` exist (archived ones included). A search,
    /// not a read: Odoo answers a `read` of `id` alone for missing records
    /// too.
    pub(crate) async fn existing(&self, model: &str, ids: &[i64]) -> Result<Vec<i64>> {
        self.search(
            model,
            json!([["id", "in", ids]]),
            SearchOptions::new().context(Context::new().active_test(false)),
        )
        .await
    }

    /// `default_get` for `fields`.
    pub async fn default_get(&self, model: &str, fields: &[&str]) -> Result<Map<String, Value>> {
        let mut call = Call::new(model, "default_get");
        call.set_args(vec![json!(fields)]);
        self.call(call).await
    }

    /// Grouped read: `read_group` (16–18) or `formatted_read_group` (19),
    /// rows with the group keys, the aggregates (`"amount_total:sum"`) and `__count`.
    pub async fn read_group(
        &self,
        model: &str,
        domain: impl Serialize,
        groupby: &[&str],
        aggregates: &[&str],
    ) -> Result<Vec<Map<String, Value>>> {
        self.read_group_in(model, domain, groupby, aggregates, None)
            .await
    }

    /// [`Client::read_group`] with a context for this call.
    pub(crate) async fn read_group_in(
        &self,
        model: &str,
        domain: impl Serialize,
        groupby: &[&str],
        aggregates: &[&str],
        context: Option<&Context>,
    ) -> Result<Vec<Map<String, Value>>> {
        let domain = to_value(domain, model)?;
        if self.inner.version.has_formatted_read_group() {
            let mut call = Call::new(model, "formatted_read_group");
            let mut aggs: Vec<&str> = aggregates.to_vec();
            if !aggs.contains(&"__count") {
                aggs.push("__count");
            }
            call.kwargs_mut().insert("domain".into(), domain);
            call.kwargs_mut().insert("groupby".into(), json!(groupby));
            call.kwargs_mut().insert("aggregates".into(), json!(aggs));
            if let Some(c) = context {
                call = call.context(c.clone());
            }
            return self.call(call).await;
        }
        let mut call = Call::new(model, "read_group");
        call.set_args(vec![domain, json!(aggregates), json!(groupby)]);
        call.kwargs_mut().insert("lazy".into(), Value::Bool(false));
        if let Some(c) = context {
            call = call.context(c.clone());
        }
        let rows: Vec<Map<String, Value>> = self.call(call).await?;
        Ok(rows
            .into_iter()
            .map(|mut row| {
                for agg in aggregates {
                    if let Some((field, _)) = agg.split_once(':')
                        && let Some(v) = row.remove(field)
                    {
                        row.insert((*agg).to_string(), v);
                    }
                }
                row
            })
            .collect())
    }

    /// Whether the user may perform `operation` (`read`, `write`, `create`,
    /// `unlink`) on `model`.
    pub async fn has_access(&self, model: &str, operation: &str) -> Result<bool> {
        let modern = self.inner.version.has_has_access();
        let mut call = Call::new(
            model,
            if modern {
                "has_access"
            } else {
                "check_access_rights"
            },
        );
        if modern {
            call.set_args(vec![json!([]), json!(operation)]);
        } else {
            call.set_args(vec![json!(operation)]);
            call.kwargs_mut()
                .insert("raise_exception".into(), Value::Bool(false));
        }
        self.call(call).await
    }

    /// The subset of `ids` that exist (archived ones included).
    pub async fn exists(&self, model: &str, ids: &[i64]) -> Result<Vec<i64>> {
        let opts = SearchOptions::new()
            .context(Context::new().active_test(false))
            .order("id");
        self.search(model, json!([["id", "in", ids]]), opts).await
    }

    /// `action_archive` on `ids`.
    pub async fn archive(&self, model: &str, ids: &[i64]) -> Result<()> {
        let mut call = Call::new(model, "action_archive");
        call.set_args(vec![json!(ids)]);
        let _: Value = self.call(call).await?;
        Ok(())
    }

    /// `action_unarchive` on `ids`.
    pub async fn unarchive(&self, model: &str, ids: &[i64]) -> Result<()> {
        let mut call = Call::new(model, "action_unarchive");
        call.set_args(vec![json!(ids)]);
        let _: Value = self.call(call).await?;
        Ok(())
    }

    /// The model's documentation from `GET /doc-bearer/<model>.json`
    /// (Odoo 19+): fields, and public methods with their parameters. It
    /// needs the JSON-2 protocol (an API key).
    pub async fn model_doc(&self, model: &str) -> Result<Value> {
        match self.inner.wire.json2() {
            Some(j) => j.model_doc(model).await,
            None => Err(Error::config(
                "protocol",
                "the model documentation (/doc-bearer) needs JSON-2: an API key on Odoo 19+",
            )),
        }
    }

    /// Ends the session on the server, where the protocol holds one (the
    /// web session); other protocols hold none.
    pub async fn logout(&self) -> Result<()> {
        self.inner.wire.logout().await
    }
}
