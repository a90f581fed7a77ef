//! Loading related records without N+1 reads: [`Query::prefetch`] loads
//! each relation level with one read per model for the whole result set
//! (one `web_search_read` with a nested specification on Odoo 17+), and
//! [`Many2one::fetch`] loads one target lazily.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::client::{Client, Load};
use crate::error::{Error, Result};
use crate::model::{Model, Record};
use crate::query::Query;
use crate::record::DynamicRecord;
use crate::value::{Many2one, X2many};

impl<M: Model> Many2one<M> {
    /// Reads the target record (archived ones included).
    pub async fn fetch(&self, client: &Client) -> Result<M> {
        client
            .read::<M>(M::MODEL, &[self.id], M::FIELDS, Load::Classic)
            .await?
            .pop()
            .ok_or_else(|| Error::no_record(M::MODEL, format!("id = {}", self.id)))
    }
}

impl<M: Model> X2many<M> {
    /// Reads the related records, in this value's order.
    pub async fn fetch(&self, client: &Client) -> Result<Vec<M>> {
        let mut rows: Vec<M> = client
            .read(M::MODEL, &self.ids, M::FIELDS, Load::Classic)
            .await?;
        rows.sort_by_key(|r| self.ids.iter().position(|i| *i == r.record_id()));
        Ok(rows)
    }
}

/// Records loaded by [`Query::fetch`]: the query's rows and the related
/// records its `prefetch` paths reached.
#[derive(Debug)]
pub struct Prefetched<M> {
    /// The query's records.
    pub records: Vec<M>,
    /// The related records, by model and id.
    pub related: Related,
}

/// Related records loaded by a prefetch, by model and id.
#[derive(Debug, Default, Clone)]
pub struct Related {
    by_model: HashMap<String, HashMap<i64, DynamicRecord>>,
}

impl Related {
    /// The record `id` of `model`, if it was loaded.
    pub fn get(&self, model: &str, id: i64) -> Option<&DynamicRecord> {
        self.by_model.get(model).and_then(|m| m.get(&id))
    }

    /// The loaded target of `m2o`, decoded as `T`.
    pub fn one<T: Model>(&self, m2o: &Many2one<T>) -> Result<Option<T>> {
        self.get(T::MODEL, m2o.id)
            .map(|r| decode::<T>(r))
            .transpose()
    }

    /// The loaded records of `x2m`, decoded as `T`, in its order (records
    /// that were not loaded are left out).
    pub fn many<T: Model>(&self, x2m: &X2many<T>) -> Result<Vec<T>> {
        x2m.ids
            .iter()
            .filter_map(|id| self.get(T::MODEL, *id))
            .map(decode::<T>)
            .collect()
    }

    /// How many records of `model` were loaded.
    pub fn count(&self, model: &str) -> usize {
        self.by_model.get(model).map_or(0, HashMap::len)
    }

    fn insert(&mut self, model: &str, row: Map<String, Value>) {
        let rec = DynamicRecord::from(row);
        self.by_model
            .entry(model.to_string())
            .or_default()
            .insert(rec.id(), rec);
    }
}

fn decode<T: Model>(r: &DynamicRecord) -> Result<T> {
    serde_json::from_value(Value::Object(r.as_map().clone())).map_err(|e| {
        Error::decode(&format!("{}.read", T::MODEL), String::new(), e).with_record(r.id())
    })
}

/// A boxed future, for the recursive walks over the relation tree.
type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Rows of one model still to expand along a subtree.
struct Pending {
    model: String,
    rows: Vec<Map<String, Value>>,
    tree: Tree,
}

/// Relation paths as a tree: `order_line.product_id` → {order_line: {product_id: {}}}.
#[derive(Debug, Default, Clone)]
struct Tree(BTreeMap<String, Tree>);

impl Tree {
    fn from_paths(paths: &[String]) -> Self {
        let mut root = Tree::default();
        for p in paths {
            let mut node = &mut root;
            for part in p.split('.').filter(|s| !s.is_empty()) {
                node = node.0.entry(part.to_string()).or_default();
            }
        }
        root
    }

    fn merge(&mut self, other: &Tree) {
        for (k, v) in &other.0 {
            self.0.entry(k.clone()).or_default().merge(v);
        }
    }
}

/// The ids a relation value holds: `[id, name]`, an id, a list of ids.
fn relation_ids(v: &Value) -> Vec<i64> {
    match v {
        Value::Number(n) => n.as_i64().into_iter().collect(),
        Value::Array(a) => match a.as_slice() {
            [Value::Number(id), Value::String(_)] => id.as_i64().into_iter().collect(),
            items => items.iter().filter_map(Value::as_i64).collect(),
        },
        _ => Vec::new(),
    }
}

impl<M> Query<M> {
    /// Loads the relations on `paths` (`"partner_id"`, `"order_line.product_id"`)
    /// with the query, one read per model and level for the whole result set;
    /// run it with [`Query::fetch`] to get them (related records are read
    /// with their model's fields except binary and html ones).
    pub fn prefetch(mut self, paths: &[&str]) -> Self {
        self.prefetch.extend(paths.iter().map(|p| (*p).to_string()));
        self
    }
}

impl<M: Record> Query<M> {
    /// Runs the query and its [`prefetch`](Query::prefetch) paths.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> zenoo_rpc::Result<()> {
    /// # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    /// # let client = zenoo_rpc::Client::builder(&sim.url()).database("demo").password("admin", "admin").build().await?;
    /// use zenoo_rpc::{Many2one, Model};
    ///
    /// #[derive(Model, Debug)]
    /// #[odoo(model = "res.country")]
    /// struct Country { id: i64, name: String, code: Option<String> }
    ///
    /// #[derive(Model, Debug)]
    /// #[odoo(model = "res.partner")]
    /// struct Partner { id: i64, name: String, country_id: Option<Many2one<Country>> }
    ///
    /// let page = client.model::<Partner>().filter(Partner::country_id().is_set())
    ///     .prefetch(&["country_id"]).fetch().await?;
    /// for p in &page.records {
    ///     let country = page.related.one(p.country_id.as_ref().unwrap())?.unwrap();
    ///     assert!(country.code.is_some());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch(&self) -> Result<Prefetched<M>> {
        self.check()?;
        let tree = Tree::from_paths(&self.prefetch);
        if self.client.server_version().has_web_read() {
            self.fetch_nested(&tree).await
        } else {
            self.fetch_by_level(&tree).await
        }
    }

    fn decode_rows(&self, rows: Vec<Value>, label: &str) -> Result<Vec<M>> {
        crate::response::decode_value(Value::Array(rows), label)
    }

    /// 16: a `search_read`, then one `read` per model and level.
    async fn fetch_by_level(&self, tree: &Tree) -> Result<Prefetched<M>> {
        let mut fields = self.field_list().await?;
        for k in tree.0.keys() {
            if !fields.contains(k) {
                fields.push(k.clone());
            }
        }
        let mut q = self.clone();
        q.fields = Some(fields);
        let rows: Vec<Value> = q.search_read_as(&self.domain, self.options()).await?;
        let mut related = Related::default();
        // (model, rows, tree) still to expand.
        let mut level = vec![Pending {
            model: self.model.to_string(),
            rows: rows.iter().filter_map(|r| r.as_object().cloned()).collect(),
            tree: tree.clone(),
        }];
        while !level.is_empty() {
            // comodel -> (ids, merged subtree)
            let mut wanted: BTreeMap<String, (BTreeSet<i64>, Tree)> = BTreeMap::new();
            for Pending { model, rows, tree } in &level {
                let schema = self.client.schema(model).await?;
                for (field, sub) in &tree.0 {
                    let comodel = schema.relation(field)?.to_string();
                    let entry = wanted.entry(comodel).or_default();
                    for row in rows {
                        entry
                            .0
                            .extend(row.get(field).map(relation_ids).unwrap_or_default());
                    }
                    entry.1.merge(sub);
                }
            }
            let mut next = Vec::new();
            for (comodel, (ids, sub)) in wanted {
                if ids.is_empty() {
                    continue;
                }
                let schema = self.client.schema(&comodel).await?;
                let mut fields: Vec<&str> =
                    schema.default_fields().iter().map(String::as_str).collect();
                for k in sub.0.keys() {
                    if !fields.contains(&k.as_str()) {
                        fields.push(k);
                    }
                }
                let ids: Vec<i64> = ids.into_iter().collect();
                let mut call = Call::new(comodel.as_str(), "read");
                call.set_args(vec![json!(ids), json!(fields)]);
                call = self.scoped(call);
                let read: Vec<Map<String, Value>> = self.client.call(call).await?;
                for row in &read {
                    related.insert(&comodel, row.clone());
                }
                if !sub.0.is_empty() {
                    next.push(Pending {
                        model: comodel,
                        rows: read,
                        tree: sub,
                    });
                }
            }
            level = next;
        }
        let records = self.decode_rows(rows, &format!("{}.search_read", self.model))?;
        Ok(Prefetched { records, related })
    }

    /// 17+: one `web_search_read` with a nested specification.
    async fn fetch_nested(&self, tree: &Tree) -> Result<Prefetched<M>> {
        let fields = self.field_list().await?;
        let spec = self.specification(&self.model, &fields, tree).await?;
        let mut call = Call::new(self.model.as_ref(), "web_search_read");
        call.kwargs_mut()
            .insert("domain".into(), self.domain.to_json());
        call.kwargs_mut()
            .insert("specification".into(), Value::Object(spec));
        if let Some(o) = self.offset {
            call.kwargs_mut().insert("offset".into(), json!(o));
        }
        if let Some(l) = self.limit {
            call.kwargs_mut().insert("limit".into(), json!(l));
        }
        if let Some(o) = &self.order {
            call.kwargs_mut().insert("order".into(), json!(o));
        }
        #[derive(serde::Deserialize)]
        struct Page {
            records: Vec<Value>,
        }
        call = self.scoped(call);
        let page: Page = self.client.call(call).await?;
        let mut related = Related::default();
        let schema_root = self.client.schema(&self.model).await?;
        for row in &page.records {
            let Some(obj) = row.as_object() else { continue };
            self.collect_nested(&schema_root, obj, tree, &mut related)
                .await?;
        }
        let records = self.decode_rows(page.records, &format!("{}.web_search_read", self.model))?;
        Ok(Prefetched { records, related })
    }

    fn collect_nested<'a>(
        &'a self,
        schema: &'a crate::schema::ModelSchema,
        row: &'a Map<String, Value>,
        tree: &'a Tree,
        related: &'a mut Related,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
        Box::pin(async move {
            for (field, sub) in &tree.0 {
                let comodel = schema.relation(field)?.to_string();
                let sub_schema = self.client.schema(&comodel).await?;
                let items: Vec<&Map<String, Value>> = match row.get(field) {
                    Some(Value::Object(o)) => vec![o],
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
                    _ => Vec::new(),
                };
                for item in items {
                    related.insert(&comodel, item.clone());
                    self.collect_nested(&sub_schema, item, sub, related).await?;
                }
            }
            Ok(())
        })
    }

    /// The `web_read` specification for `fields` of `model` plus `tree`.
    fn specification<'a>(
        &'a self,
        model: &'a str,
        fields: &'a [String],
        tree: &'a Tree,
    ) -> BoxFuture<'a, Result<Map<String, Value>>> {
        Box::pin(async move {
            let schema = self.client.schema(model).await?;
            let mut spec = Map::new();
            for f in fields {
                let many2one = schema
                    .field(f)
                    .is_some_and(|i| i.field_type == crate::schema::FieldType::Many2one);
                let v = if many2one {
                    json!({"fields": {"display_name": {}}})
                } else {
                    json!({})
                };
                spec.insert(f.clone(), v);
            }
            for (field, sub) in &tree.0 {
                let comodel = schema.relation(field)?.to_string();
                let co_schema = self.client.schema(&comodel).await?;
                let mut co_fields = co_schema.default_fields().to_vec();
                if !co_fields.iter().any(|f| f == "display_name") {
                    co_fields.push("display_name".into());
                }
                let inner = self.specification(&comodel, &co_fields, sub).await?;
                spec.insert(field.clone(), json!({ "fields": inner }));
            }
            Ok(spec)
        })
    }
}
