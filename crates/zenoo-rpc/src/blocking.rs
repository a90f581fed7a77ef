//! A blocking facade over the async [`Client`](crate::Client), like
//! `reqwest::blocking`: each call runs on a private current-thread runtime.
//! Do not use it inside an async runtime.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{ClientBuilder, Error, Result, SearchOptions};

/// A blocking client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    inner: crate::Client,
    rt: Arc<tokio::runtime::Runtime>,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::from)
}

impl Client {
    /// Builds (logs in) from an async builder.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`].
    pub fn connect(builder: ClientBuilder) -> Result<Self> {
        let rt = runtime()?;
        let inner = rt.block_on(builder.build())?;
        Ok(Self {
            inner,
            rt: Arc::new(rt),
        })
    }

    /// The async client underneath.
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    /// See [`crate::Client::execute_kw`].
    pub fn execute_kw<T: DeserializeOwned>(
        &self,
        model: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<T> {
        self.rt
            .block_on(self.inner.execute_kw(model, method, args, kwargs))
    }

    /// See [`crate::Client::search`].
    pub fn search(
        &self,
        model: &str,
        domain: impl Serialize,
        opts: SearchOptions,
    ) -> Result<Vec<i64>> {
        self.rt.block_on(self.inner.search(model, domain, opts))
    }

    /// See [`crate::Client::search_count`].
    pub fn search_count(&self, model: &str, domain: impl Serialize) -> Result<u64> {
        self.rt.block_on(self.inner.search_count(model, domain))
    }

    /// See [`crate::Client::search_read`].
    pub fn search_read<T: DeserializeOwned>(
        &self,
        model: &str,
        domain: impl Serialize,
        fields: &[&str],
        opts: SearchOptions,
    ) -> Result<Vec<T>> {
        self.rt
            .block_on(self.inner.search_read(model, domain, fields, opts))
    }

    /// See [`crate::Client::create`].
    pub fn create(&self, model: &str, vals: impl Serialize) -> Result<i64> {
        self.rt.block_on(self.inner.create(model, vals))
    }

    /// See [`crate::Client::write`].
    pub fn write(&self, model: &str, ids: &[i64], vals: impl Serialize) -> Result<bool> {
        self.rt.block_on(self.inner.write(model, ids, vals))
    }

    /// See [`crate::Client::unlink`].
    pub fn unlink(&self, model: &str, ids: &[i64]) -> Result<bool> {
        self.rt.block_on(self.inner.unlink(model, ids))
    }
}
