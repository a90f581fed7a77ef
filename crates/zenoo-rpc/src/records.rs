//! [`Records<M>`]: the handle on one model's records, like kube's `Api<K>`:
//! creates, and the starting points of queries.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::Serialize;

use crate::client::{Client, Load};
use crate::context::Context;
use crate::domain::{Domain, Operator};
use crate::error::{Error, Result};
use crate::model::Record;
use crate::query::Query;

/// The records of one model: `client.model::<Partner>()` (typed) or
/// `client.model_named("res.partner")` ([`DynamicRecord`](crate::DynamicRecord) rows).
///
/// It creates records and starts [`Query`]s; reads, counts, streams,
/// `update` and `delete` belong to the query, so that what they act on is
/// always said (`.query()` for every record). A handle owns a clone of the
/// client: cheap to make, cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zenoo_rpc::Result<()> {
/// # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
/// use zenoo_rpc::{Client, Model};
///
/// #[derive(Model, Debug)]
/// #[odoo(model = "res.partner.category")]
/// struct Tag {
///     id: i64,
///     name: String,
/// }
///
/// let client = Client::builder(&sim.url()).database("demo").password("admin", "admin").build().await?;
/// let tags = client.model::<Tag>();
/// let tag = tags.create(serde_json::json!({"name": "Zenoo"})).await?;
/// assert_eq!(tags.browse(&[tag.id]).get().await?.name, "Zenoo");
/// assert_eq!(tags.filter(Tag::name().eq("Zenoo")).delete().await?, 1);
/// # Ok(()) }
/// ```
///
/// A create on a filtered query does not compile: the filter would mean
/// nothing.
///
/// ```compile_fail
/// # async fn f(client: zenoo_rpc::Client) {
/// let q = client.model_named("res.partner").filter(zenoo_rpc::Q::eq("name", "x"));
/// q.create(serde_json::json!({"name": "y"})).await;
/// # }
/// ```
#[must_use = "a handle does nothing until a query or create runs"]
pub struct Records<M> {
    client: Client,
    model: Cow<'static, str>,
    typed_fields: Option<&'static [&'static str]>,
    _rows: PhantomData<fn() -> M>,
}

impl<M> Clone for Records<M> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            model: self.model.clone(),
            typed_fields: self.typed_fields,
            _rows: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for Records<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            client: _,
            model,
            typed_fields,
            _rows,
        } = self;
        f.debug_struct("Records")
            .field("client", &"...")
            .field("model", model)
            .field("fields", typed_fields)
            .finish()
    }
}

impl<M> Records<M> {
    /// The model name.
    pub fn model_name(&self) -> &str {
        &self.model
    }

    /// A query on every record of the model.
    pub fn query(&self) -> Query<M> {
        Query::new(self.client.clone(), self.model.clone(), self.typed_fields)
    }

    /// A query on the records with these ids (archived ones included).
    pub fn browse(&self, ids: &[i64]) -> Query<M> {
        self.query()
            .filter(Domain::leaf("id", Operator::In, ids.to_vec()))
            .with_context(Context::new().active_test(false))
    }

    /// A query on the records that match `domain`.
    pub fn filter(&self, domain: impl Into<Domain>) -> Query<M> {
        self.query().filter(domain)
    }

    /// A query on the records that match the domain `text` (see [`Domain`]).
    pub fn filter_text(&self, text: &str) -> Query<M> {
        self.query().filter_text(text)
    }

    /// A query on the records that do not match `domain`.
    pub fn exclude(&self, domain: impl Into<Domain>) -> Query<M> {
        self.query().exclude(domain)
    }

    /// A query on every record, ordered (see [`Query::order_by`]).
    pub fn order_by(&self, keys: &str) -> Query<M> {
        self.query().order_by(keys)
    }

    /// A query on at most `n` records.
    pub fn limit(&self, n: u64) -> Query<M> {
        self.query().limit(n)
    }

    /// A query skipping the first `n` records.
    pub fn offset(&self, n: u64) -> Query<M> {
        self.query().offset(n)
    }

    /// A query reading these fields on top of the default ones (see [`Query::also`]).
    pub fn also(&self, fields: &[&str]) -> Query<M> {
        self.query().also(fields)
    }

    /// A grouped read of every record (see [`Query::group_by`]).
    pub fn group_by(&self, fields: &[&str]) -> crate::query::GroupBy<M> {
        self.query().group_by(fields)
    }

    /// A query reading only these fields (see [`Query::only`]).
    pub fn only(&self, fields: &[&str]) -> Query<M> {
        self.query().only(fields)
    }

    /// A query with `context` over the client's.
    pub fn with_context(&self, context: Context) -> Query<M> {
        self.query().with_context(context)
    }
}

impl<M: Record> Records<M> {
    /// Creates a record from `vals` and reads it back as `M`.
    pub async fn create(&self, vals: impl Serialize) -> Result<M> {
        let id = self.client.create(&self.model, vals).await?;
        self.read_back(&[id])
            .await?
            .pop()
            .ok_or_else(|| Error::no_record(&self.model, format!("id = {id} (just created)")))
    }

    /// Creates a record unless the one `key` names exists, and reads it
    /// back: a create retried after its answer was lost makes no second
    /// record. See [`IdempotencyKey`](crate::external_id::IdempotencyKey).
    pub async fn create_idempotent(
        &self,
        key: &crate::external_id::IdempotencyKey,
        vals: impl Serialize,
    ) -> Result<M> {
        let id = self
            .client
            .create_idempotent(&self.model, key, vals)
            .await?;
        self.read_back(&[id])
            .await?
            .pop()
            .ok_or_else(|| Error::no_record(&self.model, format!("id = {id} (just created)")))
    }

    /// Creates records in one call and reads them back, in input order.
    pub async fn create_many<V: Serialize>(&self, vals: &[V]) -> Result<Vec<M>> {
        let ids = self.client.create_many(&self.model, vals).await?;
        let mut rows = self.read_back(&ids).await?;
        rows.sort_by_key(|r| ids.iter().position(|i| *i == r.record_id()));
        Ok(rows)
    }

    async fn read_back(&self, ids: &[i64]) -> Result<Vec<M>> {
        let fields = self.query().field_list().await?;
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        self.client
            .read(&self.model, ids, &fields, Load::Classic)
            .await
    }
}

impl<R> Records<R> {
    /// The records of `model`; `typed_fields` are the fields a typed model
    /// reads (`None`: the schema's default fields).
    pub(crate) fn new(
        client: Client,
        model: Cow<'static, str>,
        typed_fields: Option<&'static [&'static str]>,
    ) -> Self {
        Self {
            client,
            model,
            typed_fields,
            _rows: PhantomData,
        }
    }
}
