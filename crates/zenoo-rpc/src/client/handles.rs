//! What a [`Client`] hands out: typed and untyped record sets, batches,
//! units of work, the database service, the model schema, and the calls
//! built on them (keyed creates, "did you mean"). Each is defined in its
//! own module; this is the one place the client names them.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use super::Client;
use crate::batch::Batch;
use crate::db::DbService;
use crate::error::{Error, Result};
use crate::external_id::IdempotencyKey;
use crate::model::Model;
use crate::record::DynamicRecord;
use crate::records::Records;
use crate::schema::ModelSchema;
use crate::unit::UnitOfWork;

impl Client {
    /// The records of the model `M` (derived with `#[derive(Model)]`).
    pub fn model<M: Model>(&self) -> Records<M> {
        Records::new(self.clone(), Cow::Borrowed(M::MODEL), Some(M::FIELDS))
    }

    /// The records of `model`, untyped: [`DynamicRecord`] rows.
    pub fn model_named(&self, model: &str) -> Records<DynamicRecord> {
        Records::new(self.clone(), Cow::Owned(model.to_string()), None)
    }

    /// A batch of creates, writes or unlinks over this client (see
    /// [`crate::batch`]).
    pub fn batch(&self) -> Batch {
        Batch::new(self.clone())
    }

    /// A [unit of work](crate::unit) on this client.
    pub fn unit_of_work(&self) -> UnitOfWork {
        UnitOfWork::new(self.clone())
    }

    /// The database service of this client's server, sharing its
    /// connections and timeouts, authorised by the master password.
    pub fn database_service(&self, master_password: &str) -> DbService {
        DbService::for_client(self, master_password)
    }

    /// The fields of `model` ([`ModelSchema`]), read with one `fields_get`
    /// the first time and kept for the client's lifetime (its clones share
    /// it).
    ///
    /// # Errors
    /// Odoo's error (an unknown model:
    /// [`OdooErrorKind::UnknownModel`](crate::OdooErrorKind::UnknownModel)),
    /// or a description that does not decode.
    pub async fn schema(&self, model: &str) -> Result<Arc<ModelSchema>> {
        let read = |attributes| self.fields_get(model, &[], attributes);
        self.inner.schemas.get(model, read).await
    }

    /// Creates a record of `model` unless the record `key` names exists,
    /// and returns its id either way: a create that is retried after its
    /// answer was lost does not make a second record. See
    /// [`IdempotencyKey`] for what each kind of key guarantees.
    ///
    /// # Errors
    /// The create's error; [`ErrorKind::MultipleRecords`](crate::ErrorKind::MultipleRecords)
    /// when several records hold the key.
    pub async fn create_idempotent(
        &self,
        model: &str,
        key: &IdempotencyKey,
        vals: impl Serialize,
    ) -> Result<i64> {
        crate::external_id::create_idempotent(self, model, key, vals).await
    }

    /// For an error that names an unknown model or field, the nearest name
    /// the server has ("did you mean `res.partner`?"), read from `ir.model`
    /// or the model's schema; `None` for other errors, when nothing is
    /// near, or when the user may not read the names.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> zenoo_rpc::Result<()> {
    /// # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    /// # let client = zenoo_rpc::Client::builder(&sim.url())
    /// #     .database("demo").password("admin", "admin").build().await?;
    /// let e = client.search_count("res.partners", serde_json::json!([])).await.unwrap_err();
    /// assert_eq!(client.did_you_mean(&e).await.as_deref(), Some("res.partner"));
    /// # Ok(()) }
    /// ```
    pub async fn did_you_mean(&self, e: &Error) -> Option<String> {
        crate::suggest::did_you_mean(self, e).await
    }
}
