//! `Query<M>`: a lazy, typed description of a search, run by its terminal
//! methods (`all`, `first`, `get`, `count`, `stream`, ...).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::marker::PhantomData;

use futures_util::Stream;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::client::{Client, SearchOptions};
use crate::context::Context;
use crate::domain::{Domain, Operator};
use crate::error::{Error, Result};
use crate::model::Record;
use crate::record::DynamicRecord;

/// The first mistake made while building a query, kept typed until a
/// terminal method reports it.
#[derive(Debug, Clone)]
pub(crate) enum BuildError {
    /// A domain text that does not parse (with its position).
    Parse(crate::domain::ParseError),
    /// Anything else (a malformed `order_by`).
    Invalid(String),
}

impl From<BuildError> for Error {
    fn from(e: BuildError) -> Self {
        match e {
            BuildError::Parse(p) => p.into(),
            BuildError::Invalid(why) => Error::invalid_query(why),
        }
    }
}

/// A filtered search on one model, decoded into `M`: reads, counts,
/// streams, grouped reads, and `update`/`delete` of what it matches.
///
/// Start one from the model's [`Records`](crate::Records) handle
/// (`client.model::<M>().filter(..)`); every builder method returns a new
/// query and nothing is sent until a terminal method runs. Builder
/// mistakes (a malformed `order_by`, a domain text that does not parse) are
/// reported by the terminal method as a typed [`Error`] (a parse error keeps
/// its position as the error's source), like reqwest's `RequestBuilder`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zenoo_rpc::Result<()> {
/// # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
/// use zenoo_rpc::{Client, Many2one, Model, Q};
///
/// #[derive(Model, Debug)]
/// #[odoo(model = "res.partner")]
/// struct Partner {
///     id: i64,
///     name: String,
///     email: Option<String>,
///     is_company: bool,
///     country_id: Option<Many2one>,
/// }
///
/// let client = Client::builder(&sim.url()).database("demo").password("admin", "admin").build().await?;
/// let companies = client
///     .model::<Partner>()
///     .filter(Partner::is_company().eq(true) & Partner::email().is_set())
///     .exclude(Q::new().field("name__istartswith", "z"))
///     .order_by("-name")
///     .limit(5)
///     .all()
///     .await?;
/// assert!(!companies.is_empty() && companies.iter().all(|p| p.is_company && p.email.is_some()));
///
/// let n = client.model_named("res.partner").filter(Q::eq("is_company", true)).count().await?;
/// assert!(n >= companies.len() as u64);
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until a terminal method such as `all` runs"]
pub struct Query<M> {
    pub(crate) client: Client,
    pub(crate) model: Cow<'static, str>,
    pub(crate) domain: Domain,
    pub(crate) order: Option<String>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    /// `None`: the type's fields (all but binary/html for untyped rows).
    pub(crate) fields: Option<Vec<String>>,
    pub(crate) context: Option<Context>,
    pub(crate) prefetch: Vec<String>,
    pub(crate) extra_fields: Vec<String>,
    pub(crate) error: Option<BuildError>,
    pub(crate) typed_fields: Option<&'static [&'static str]>,
    pub(crate) cache: Option<std::time::Duration>,
    _rows: PhantomData<fn() -> M>,
}

impl<M> Clone for Query<M> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            model: self.model.clone(),
            domain: self.domain.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            fields: self.fields.clone(),
            context: self.context.clone(),
            prefetch: self.prefetch.clone(),
            extra_fields: self.extra_fields.clone(),
            error: self.error.clone(),
            typed_fields: self.typed_fields,
            cache: self.cache,
            _rows: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for Query<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("model", &self.model)
            .field("domain", &self.domain.to_string())
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

/// Turns `"-date_order, name"` into Odoo's `"date_order desc, name"`.
fn order_clause(spec: &str) -> std::result::Result<String, String> {
    let mut keys = Vec::new();
    for key in spec.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let (desc, rest) = match key.strip_prefix('-') {
            Some(r) => (true, r.trim_start()),
            None => (false, key),
        };
        let mut words = rest.split_whitespace();
        let field = words.next().unwrap_or_default();
        if field.is_empty()
            || !field
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            return Err(format!(
                "order_by: {key:?} does not start with a field name"
            ));
        }
        let tail: Vec<String> = words.map(str::to_ascii_lowercase).collect();
        let valid_tail = matches!(
            tail.iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
            [] | ["asc" | "desc"]
                | ["nulls", "first" | "last"]
                | ["asc" | "desc", "nulls", "first" | "last"]
        );
        if !valid_tail || (desc && tail.first().is_some_and(|t| t == "asc" || t == "desc")) {
            return Err(format!(
                "order_by: {key:?} is not `field`, `-field` or `field asc|desc [nulls first|last]`"
            ));
        }
        let mut out = field.to_string();
        if desc {
            out.push_str(" desc");
        }
        for t in tail {
            out.push(' ');
            out.push_str(&t);
        }
        keys.push(out);
    }
    if keys.is_empty() {
        return Err("order_by: no field given".into());
    }
    Ok(keys.join(", "))
}

impl<M> Query<M> {
    pub(crate) fn new(
        client: Client,
        model: Cow<'static, str>,
        typed_fields: Option<&'static [&'static str]>,
    ) -> Self {
        Self {
            client,
            model,
            domain: Domain::True,
            order: None,
            limit: None,
            offset: None,
            fields: None,
            context: None,
            prefetch: Vec::new(),
            extra_fields: Vec::new(),
            error: None,
            typed_fields,
            cache: None,
            _rows: PhantomData,
        }
    }

    /// Keeps the records that match `domain` too (AND).
    pub fn filter(mut self, domain: impl Into<Domain>) -> Self {
        self.domain = std::mem::take(&mut self.domain) & domain.into();
        self
    }

    /// Keeps the records that match the domain `text` too (see
    /// [`Domain`]'s text syntax); a parse error is reported when the query runs.
    pub fn filter_text(self, text: &str) -> Self {
        match text.parse::<Domain>() {
            Ok(d) => self.filter(d),
            Err(e) => self.fail(BuildError::Parse(e)),
        }
    }

    /// Drops the records that match `domain` (AND NOT).
    pub fn exclude(mut self, domain: impl Into<Domain>) -> Self {
        self.domain = std::mem::take(&mut self.domain) & !domain.into();
        self
    }

    /// Orders by comma-separated keys: `"name"`, `"-date_order"` (descending),
    /// `"partner_id, -id"`, `"date nulls last"`.
    pub fn order_by(mut self, keys: &str) -> Self {
        match order_clause(keys) {
            Ok(o) => self.order = Some(o),
            Err(e) => self = self.fail(BuildError::Invalid(e)),
        }
        self
    }

    /// At most `n` records.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` records.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Reads only these fields (`id` is always read). Fields of a typed
    /// model left out decode as `None` when they are `Option`s; any other
    /// left-out field is a decode error naming it.
    pub fn only(mut self, fields: &[&str]) -> Self {
        self.fields = Some(fields.iter().map(|f| (*f).to_string()).collect());
        self
    }

    /// Reads these fields on top of the default ones: the way to read a
    /// model's `#[odoo(lazy)]` fields (binaries, big html).
    pub fn also(mut self, fields: &[&str]) -> Self {
        self.extra_fields
            .extend(fields.iter().map(|f| (*f).to_string()));
        self
    }

    /// Lets the client's [cache](crate::cache) keep this query's results
    /// (its searches, reads and prefetches) for `ttl`.
    pub fn cache(mut self, ttl: std::time::Duration) -> Self {
        self.cache = Some(ttl);
        self
    }

    /// Adds `context` over the client's for this query's calls.
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = Some(match self.context {
            Some(c) => c.merged(&context),
            None => context,
        });
        self
    }

    /// The domain built so far.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The model name.
    pub fn model_name(&self) -> &str {
        &self.model
    }

    fn fail(mut self, error: BuildError) -> Self {
        self.error.get_or_insert(error);
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        match &self.error {
            Some(e) => Err(e.clone().into()),
            None => Ok(()),
        }
    }

    pub(crate) fn options(&self) -> SearchOptions {
        let mut opts = SearchOptions::new();
        opts.offset = self.offset;
        opts.limit = self.limit;
        opts.order = self.order.clone();
        opts.context = self.context.clone();
        opts.cache = self.cache;
        opts
    }

    /// `call` with this query's context and cache setting.
    pub(crate) fn scoped(&self, mut call: Call) -> Call {
        if let Some(c) = &self.context {
            call = call.context(c.clone());
        }
        if let Some(ttl) = self.cache {
            call = call.cache(ttl);
        }
        call
    }

    /// The field list a read sends.
    pub(crate) async fn field_list(&self) -> Result<Vec<String>> {
        let mut fields = if let Some(f) = &self.fields {
            f.clone()
        } else if let Some(f) = self.typed_fields {
            f.iter().map(|s| (*s).to_string()).collect()
        } else {
            self.client
                .schema(&self.model)
                .await?
                .default_fields()
                .to_vec()
        };
        for extra in &self.extra_fields {
            if !fields.contains(extra) {
                fields.push(extra.clone());
            }
        }
        Ok(fields)
    }

    /// `search_read` of this query with `extra` paging, decoded into `T`.
    pub(crate) async fn search_read_as<T: DeserializeOwned>(
        &self,
        domain: &Domain,
        opts: SearchOptions,
    ) -> Result<Vec<T>> {
        self.check()?;
        let fields = self.field_list().await?;
        let mut call = Call::new(self.model.as_ref(), "search_read").arg(domain.to_json());
        // The names move into the list: no copy of each.
        let fields = Value::Array(fields.into_iter().map(Value::String).collect());
        call.kwargs_mut().insert("fields".into(), fields);
        if let Some(o) = opts.offset.filter(|o| *o > 0) {
            call.kwargs_mut().insert("offset".into(), json!(o));
        }
        if let Some(l) = opts.limit {
            call.kwargs_mut().insert("limit".into(), json!(l));
        }
        if let Some(o) = &opts.order {
            call.kwargs_mut().insert("order".into(), json!(o));
        }
        if let Some(c) = opts.context {
            call = call.context(c);
        }
        if let Some(ttl) = opts.cache {
            call = call.cache(ttl);
        }
        self.client.call(call).await
    }

    /// The ids of the matching records, in order.
    pub async fn ids(&self) -> Result<Vec<i64>> {
        self.check()?;
        self.client
            .search(&self.model, &self.domain, self.options())
            .await
    }

    /// How many records match (limit and offset are ignored).
    pub async fn count(&self) -> Result<u64> {
        self.check()?;
        let mut call = Call::new(self.model.as_ref(), "search_count").arg(self.domain.to_json());
        call = self.scoped(call);
        self.client.call(call).await
    }

    /// Whether any record matches.
    pub async fn exists(&self) -> Result<bool> {
        let probe = self.clone().limit(1);
        Ok(!probe.ids().await?.is_empty())
    }

    /// The matching records as [`DynamicRecord`]s (the same fields as `all`).
    pub async fn values(&self) -> Result<Vec<DynamicRecord>> {
        self.search_read_as(&self.domain, self.options()).await
    }

    /// Writes `vals` on every matching record; the number of records written.
    pub async fn update(&self, vals: impl Serialize) -> Result<usize> {
        let ids = self.ids().await?;
        if !ids.is_empty() {
            self.client.write(&self.model, &ids, vals).await?;
        }
        Ok(ids.len())
    }

    /// Deletes every matching record; the number of records deleted.
    pub async fn delete(&self) -> Result<usize> {
        let ids = self.ids().await?;
        if !ids.is_empty() {
            self.client.unlink(&self.model, &ids).await?;
        }
        Ok(ids.len())
    }

    /// Groups the matching records by `fields` (`"date_order:month"` for a
    /// date granularity); add aggregates with [`GroupBy::aggregate`].
    pub fn group_by(self, fields: &[&str]) -> GroupBy<M> {
        GroupBy {
            query: self,
            groupby: fields.iter().map(|f| (*f).to_string()).collect(),
            aggregates: Vec::new(),
        }
    }
}

impl<M: Record> Query<M> {
    /// The matching records. With [`prefetch`](Query::prefetch) paths the
    /// records come from the same single call as [`Query::fetch`], but the
    /// related records are only handed back by `fetch`.
    pub async fn all(&self) -> Result<Vec<M>> {
        if !self.prefetch.is_empty() {
            return Ok(self.fetch().await?.records);
        }
        self.search_read_as(&self.domain, self.options()).await
    }

    /// The first matching record, if any.
    pub async fn first(&self) -> Result<Option<M>> {
        let mut opts = self.options();
        opts.limit = Some(1);
        Ok(self
            .search_read_as::<M>(&self.domain, opts)
            .await?
            .into_iter()
            .next())
    }

    /// The one matching record: an [`ErrorKind::NoRecord`](crate::ErrorKind::NoRecord)
    /// error when none matches, [`ErrorKind::MultipleRecords`](crate::ErrorKind::MultipleRecords)
    /// when several do.
    pub async fn get(&self) -> Result<M> {
        let mut opts = self.options();
        opts.limit = Some(2);
        let mut rows = self.search_read_as::<M>(&self.domain, opts).await?;
        match rows.len() {
            0 => Err(Error::no_record(&self.model, self.domain.to_string())),
            1 => rows
                .pop()
                .ok_or_else(|| Error::no_record(&self.model, self.domain.to_string())),
            _ => Err(Error::multiple_records(
                &self.model,
                self.domain.to_string(),
            )),
        }
    }

    /// The matching records as a stream, read `batch_size` at a time.
    ///
    /// Pages walk the ids upwards (`id > last seen id`, ordered by id), not
    /// by offset, so records created or deleted while the stream runs are
    /// neither skipped nor repeated, and memory holds one page. The stream
    /// is in id order: a query with `order_by` is refused. `limit` and
    /// `offset` apply to the whole stream.
    pub fn stream(&self, batch_size: usize) -> impl Stream<Item = Result<M>> + Send + 'static
    where
        M: Send,
    {
        struct State<M> {
            query: Query<M>,
            last_id: Option<i64>,
            remaining: Option<u64>,
            skip: u64,
            page: VecDeque<M>,
            done: bool,
        }
        let query = self.clone();
        let state = State {
            remaining: query.limit,
            skip: query.offset.unwrap_or(0),
            query,
            last_id: None,
            page: VecDeque::new(),
            done: false,
        };
        let batch = batch_size.max(1) as u64;
        futures_util::stream::try_unfold(state, move |mut st| async move {
            loop {
                if let Some(row) = st.page.pop_front() {
                    return Ok(Some((row, st)));
                }
                if st.done || st.remaining == Some(0) {
                    return Ok(None);
                }
                if st.query.order.is_some() {
                    return Err(Error::invalid_query(
                        "stream() pages in id order: remove order_by",
                    ));
                }
                let mut domain = st.query.domain.clone();
                if let Some(last) = st.last_id {
                    domain = domain & Domain::leaf("id", Operator::Gt, last);
                }
                let want = st.remaining.map_or(batch, |r| r.min(batch));
                let mut opts = SearchOptions::new()
                    .offset(std::mem::take(&mut st.skip))
                    .limit(want)
                    .order("id");
                opts.context = st.query.context.clone();
                let rows: Vec<M> = st.query.search_read_as(&domain, opts).await?;
                if (rows.len() as u64) < want {
                    st.done = true;
                }
                if let Some(last) = rows.last() {
                    st.last_id = Some(last.record_id());
                }
                if let Some(r) = st.remaining.as_mut() {
                    *r = r.saturating_sub(rows.len() as u64);
                }
                st.page = rows.into();
            }
        })
    }
}

/// A grouped read: [`Query::group_by`] with aggregates, decoded into rows.
#[derive(Debug, Clone)]
#[must_use = "a grouped query does nothing until `all` runs"]
pub struct GroupBy<M> {
    query: Query<M>,
    groupby: Vec<String>,
    aggregates: Vec<String>,
}

impl<M> GroupBy<M> {
    /// Adds aggregates: `"amount_total:sum"`, `"partner_id:count_distinct"`, ...
    pub fn aggregate(mut self, specs: &[&str]) -> Self {
        self.aggregates
            .extend(specs.iter().map(|s| (*s).to_string()));
        self
    }

    /// The groups as rows of `T`: each group key under its field name
    /// (`"date_order:month"` keeps its granularity suffix), each aggregate
    /// under its spec (`"amount_total:sum"`) and the record count under
    /// `__count`, on every Odoo version (`read_group` up to 18,
    /// `formatted_read_group` on 19).
    pub async fn all<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        self.query.check()?;
        let groupby: Vec<&str> = self.groupby.iter().map(String::as_str).collect();
        let aggs: Vec<&str> = self.aggregates.iter().map(String::as_str).collect();
        let rows: Vec<Map<String, Value>> = self
            .query
            .client
            .read_group_in(
                &self.query.model,
                &self.query.domain,
                &groupby,
                &aggs,
                self.query.context.as_ref(),
            )
            .await?;
        let label = format!("{}.read_group", self.query.model);
        rows.into_iter()
            .enumerate()
            .map(|(i, row)| {
                serde_json::from_value(Value::Object(row))
                    .map_err(|e| Error::decode(&label, format!("[{i}]"), e))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::order_clause;

    #[test]
    fn order_keys() {
        assert_eq!(
            order_clause("-date_order").as_deref(),
            Ok("date_order desc")
        );
        assert_eq!(
            order_clause("partner_id, -id , name desc nulls last").as_deref(),
            Ok("partner_id, id desc, name desc nulls last")
        );
        assert!(order_clause("name; drop").is_err());
        assert!(order_clause("-name desc").is_err());
        assert!(order_clause("").is_err());
    }
}
