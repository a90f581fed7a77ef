//! A blocking facade over the async [`Client`](crate::Client), built the
//! way `reqwest::blocking` is: one dedicated thread runs a Tokio runtime,
//! and every call is sent to it through a channel. Many threads can share
//! one blocking client (clone it), and their calls run concurrently on
//! that thread.
//!
//! Use it from synchronous code only: inside an async runtime, call the
//! async client instead (a blocking call there stalls the runtime's thread).
//!
//! ```
//! # let sim_rt = tokio::runtime::Runtime::new().expect("rt");
//! # let sim = sim_rt.block_on(zenoo_sim::Sim::builder().start()).expect("sim");
//! use zenoo_rpc::{Model, blocking};
//!
//! #[derive(Model, Debug)]
//! #[odoo(model = "res.partner")]
//! struct Partner {
//!     id: i64,
//!     name: String,
//!     is_company: bool,
//! }
//!
//! let client = blocking::Client::connect(
//!     zenoo_rpc::Client::builder(&sim.url()).database("demo").password("admin", "admin"),
//! )?;
//! let companies = client
//!     .model::<Partner>()
//!     .filter(Partner::is_company().eq(true))
//!     .limit(3)
//!     .all()?;
//! assert!(!companies.is_empty() && companies.iter().all(|p| p.is_company));
//! # Ok::<(), zenoo_rpc::Error>(())
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::thread::JoinHandle;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::builder::ClientBuilder;
use crate::client::SearchOptions;
use crate::context::Context;
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::model::{Model, Record};
use crate::record::DynamicRecord;

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The runtime thread and the channel that feeds it.
struct Runtime {
    jobs: Option<tokio::sync::mpsc::UnboundedSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Runtime {
    fn start() -> Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("zenoo-rpc-blocking".into())
            .spawn(move || {
                rt.block_on(async move {
                    while let Some(job) = rx.recv().await {
                        tokio::spawn(job);
                    }
                });
            })?;
        Ok(Self {
            jobs: Some(tx),
            thread: Some(thread),
        })
    }

    /// Runs `fut` on the runtime thread and waits for its result.
    fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let job: Job = Box::pin(async move {
            let _ = tx.send(fut.await);
        });
        let stopped = || {
            Error::from(std::io::Error::other(
                "the blocking client's runtime thread has stopped",
            ))
        };
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())?;
        rx.recv().map_err(|_| stopped())?
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop.
        self.jobs = None;
        if let Some(t) = self.thread.take()
            && t.thread().id() != std::thread::current().id()
        {
            let _ = t.join();
        }
    }
}

/// A blocking client: the async [`Client`](crate::Client) driven by a
/// runtime thread of its own. Cheap to clone; clones share the thread.
#[derive(Clone)]
pub struct Client {
    inner: crate::client::Client,
    rt: Arc<Runtime>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.inner)
            .finish()
    }
}

fn to_value(v: impl Serialize, label: &str) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::encode(label, e))
}

impl Client {
    /// Builds (logs in) from an async builder.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`], or an I/O error when the runtime
    /// thread cannot start.
    pub fn connect(builder: ClientBuilder) -> Result<Self> {
        let rt = Runtime::start()?;
        let inner = rt.run(builder.build())?;
        Ok(Self {
            inner,
            rt: Arc::new(rt),
        })
    }

    /// The async client underneath.
    pub fn async_client(&self) -> &crate::client::Client {
        &self.inner
    }

    /// Runs any future on the client's runtime thread and waits for it:
    /// the way to reach the rest of the async API.
    ///
    /// # Errors
    /// What the future returns.
    pub fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        self.rt.run(fut)
    }

    /// See [`crate::Client::execute_kw`].
    pub fn execute_kw<T: DeserializeOwned + Send + 'static>(
        &self,
        model: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<T> {
        let (c, model, method) = (self.inner.clone(), model.to_string(), method.to_string());
        self.run(async move { c.execute_kw(&model, &method, args, kwargs).await })
    }

    /// See [`crate::Client::search`].
    pub fn search(
        &self,
        model: &str,
        domain: impl Serialize,
        opts: SearchOptions,
    ) -> Result<Vec<i64>> {
        let domain = to_value(domain, model)?;
        let (c, model) = (self.inner.clone(), model.to_string());
        self.run(async move { c.search(&model, domain, opts).await })
    }

    /// See [`crate::Client::search_count`].
    pub fn search_count(&self, model: &str, domain: impl Serialize) -> Result<u64> {
        let domain = to_value(domain, model)?;
        let (c, model) = (self.inner.clone(), model.to_string());
        self.run(async move { c.search_count(&model, domain).await })
    }

    /// See [`crate::Client::search_read`].
    pub fn search_read<T: DeserializeOwned + Send + 'static>(
        &self,
        model: &str,
        domain: impl Serialize,
        fields: &[&str],
        opts: SearchOptions,
    ) -> Result<Vec<T>> {
        let domain = to_value(domain, model)?;
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_string()).collect();
        let (c, model) = (self.inner.clone(), model.to_string());
        self.run(async move {
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            c.search_read(&model, domain, &fields, opts).await
        })
    }

    /// See [`crate::Client::create`].
    pub fn create(&self, model: &str, vals: impl Serialize) -> Result<i64> {
        let vals = to_value(vals, model)?;
        let (c, model) = (self.inner.clone(), model.to_string());
        self.run(async move { c.create(&model, vals).await })
    }

    /// See [`crate::Client::write`].
    pub fn write(&self, model: &str, ids: &[i64], vals: impl Serialize) -> Result<bool> {
        let vals = to_value(vals, model)?;
        let (c, model, ids) = (self.inner.clone(), model.to_string(), ids.to_vec());
        self.run(async move { c.write(&model, &ids, vals).await })
    }

    /// See [`crate::Client::unlink`].
    pub fn unlink(&self, model: &str, ids: &[i64]) -> Result<bool> {
        let (c, model, ids) = (self.inner.clone(), model.to_string(), ids.to_vec());
        self.run(async move { c.unlink(&model, &ids).await })
    }

    /// The records of the model `M`, as [`crate::Client::model`].
    pub fn model<M: Model>(&self) -> Records<M> {
        Records {
            inner: self.inner.model::<M>(),
            rt: self.rt.clone(),
        }
    }

    /// The records of `model`, untyped, as [`crate::Client::model_named`].
    pub fn model_named(&self, model: &str) -> Records<DynamicRecord> {
        Records {
            inner: self.inner.model_named(model),
            rt: self.rt.clone(),
        }
    }
}

/// The blocking [`Records`](crate::Records): creates and query starters.
pub struct Records<M> {
    inner: crate::records::Records<M>,
    rt: Arc<Runtime>,
}

impl<M> std::fmt::Debug for Records<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Records")
            .field(&self.inner)
            .finish()
    }
}

impl<M> Records<M> {
    fn wrap(&self, q: crate::query::Query<M>) -> Query<M> {
        Query {
            inner: q,
            rt: self.rt.clone(),
        }
    }

    /// Every record; see [`crate::Records::query`].
    pub fn query(&self) -> Query<M> {
        self.wrap(self.inner.query())
    }

    /// See [`crate::Records::browse`].
    pub fn browse(&self, ids: &[i64]) -> Query<M> {
        self.wrap(self.inner.browse(ids))
    }

    /// See [`crate::Records::filter`].
    pub fn filter(&self, domain: impl Into<Domain>) -> Query<M> {
        self.wrap(self.inner.filter(domain))
    }

    /// See [`crate::Records::filter_text`].
    pub fn filter_text(&self, text: &str) -> Query<M> {
        self.wrap(self.inner.filter_text(text))
    }
}

impl<M: Record> Records<M> {
    /// See [`crate::Records::create`].
    pub fn create(&self, vals: impl Serialize) -> Result<M> {
        let vals = to_value(vals, self.inner.model_name())?;
        let r = self.inner.clone();
        self.rt.run(async move { r.create(vals).await })
    }

    /// See [`crate::Records::create_many`].
    pub fn create_many<V: Serialize>(&self, vals: &[V]) -> Result<Vec<M>> {
        let vals = vals
            .iter()
            .map(|v| to_value(v, self.inner.model_name()))
            .collect::<Result<Vec<_>>>()?;
        let r = self.inner.clone();
        self.rt.run(async move { r.create_many(&vals).await })
    }
}

/// The blocking [`Query`](crate::Query): the same builders and terminal
/// methods, each terminal method waiting for its result.
pub struct Query<M> {
    inner: crate::query::Query<M>,
    rt: Arc<Runtime>,
}

impl<M> std::fmt::Debug for Query<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Query").field(&self.inner).finish()
    }
}

impl<M> Query<M> {
    fn map(self, f: impl FnOnce(crate::query::Query<M>) -> crate::query::Query<M>) -> Self {
        Self {
            inner: f(self.inner),
            rt: self.rt,
        }
    }

    /// See [`crate::Query::filter`].
    #[must_use]
    pub fn filter(self, domain: impl Into<Domain>) -> Self {
        self.map(|q| q.filter(domain))
    }

    /// See [`crate::Query::exclude`].
    #[must_use]
    pub fn exclude(self, domain: impl Into<Domain>) -> Self {
        self.map(|q| q.exclude(domain))
    }

    /// See [`crate::Query::order_by`].
    #[must_use]
    pub fn order_by(self, keys: &str) -> Self {
        self.map(|q| q.order_by(keys))
    }

    /// See [`crate::Query::limit`].
    #[must_use]
    pub fn limit(self, n: u64) -> Self {
        self.map(|q| q.limit(n))
    }

    /// See [`crate::Query::offset`].
    #[must_use]
    pub fn offset(self, n: u64) -> Self {
        self.map(|q| q.offset(n))
    }

    /// See [`crate::Query::only`].
    #[must_use]
    pub fn only(self, fields: &[&str]) -> Self {
        self.map(|q| q.only(fields))
    }

    /// See [`crate::Query::with_context`].
    #[must_use]
    pub fn with_context(self, context: Context) -> Self {
        self.map(|q| q.with_context(context))
    }

    /// See [`crate::Query::count`].
    pub fn count(&self) -> Result<u64>
    where
        M: 'static,
    {
        let q = self.inner.clone();
        self.rt.run(async move { q.count().await })
    }

    /// See [`crate::Query::ids`].
    pub fn ids(&self) -> Result<Vec<i64>>
    where
        M: 'static,
    {
        let q = self.inner.clone();
        self.rt.run(async move { q.ids().await })
    }

    /// See [`crate::Query::update`].
    pub fn update(&self, vals: impl Serialize) -> Result<usize>
    where
        M: 'static,
    {
        let vals = to_value(vals, self.inner.model_name())?;
        let q = self.inner.clone();
        self.rt.run(async move { q.update(vals).await })
    }

    /// See [`crate::Query::delete`].
    pub fn delete(&self) -> Result<usize>
    where
        M: 'static,
    {
        let q = self.inner.clone();
        self.rt.run(async move { q.delete().await })
    }
}

impl<M: Record> Query<M> {
    /// See [`crate::Query::all`].
    pub fn all(&self) -> Result<Vec<M>> {
        let q = self.inner.clone();
        self.rt.run(async move { q.all().await })
    }

    /// See [`crate::Query::first`].
    pub fn first(&self) -> Result<Option<M>> {
        let q = self.inner.clone();
        self.rt.run(async move { q.first().await })
    }

    /// See [`crate::Query::get`].
    pub fn get(&self) -> Result<M> {
        let q = self.inner.clone();
        self.rt.run(async move { q.get().await })
    }
}
