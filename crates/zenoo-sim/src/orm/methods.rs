//! The public model methods: signatures (for arity errors and JSON-2's
//! named arguments) and dispatch of `execute_kw`.

use serde_json::{Map, Value, json};

use super::database::{Database, Env};
use super::domain::falsy;
use super::read::{FieldError, Load};
use crate::error::{OdooException, OdooResult};
use crate::version::OdooVersion;

/// One parameter of a method.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Name.
    pub name: &'static str,
    /// Whether it has no default.
    pub required: bool,
    /// Default value as JSON text (documentation only).
    pub default: &'static str,
}

/// The signature of a public method.
#[derive(Debug, Clone)]
pub struct Signature {
    /// Method name.
    pub name: &'static str,
    /// Parameters after `self`, in order.
    pub params: Vec<Param>,
    /// `@api.model`: called without ids.
    pub model_level: bool,
    /// Accepts `**kwargs` beyond `params`.
    pub var_kwargs: bool,
    /// Python class that defines it, for error messages.
    pub class: &'static str,
    /// One-line documentation.
    pub doc: &'static str,
}

const fn req(name: &'static str) -> Param {
    Param {
        name,
        required: true,
        default: "",
    }
}
const fn opt(name: &'static str, default: &'static str) -> Param {
    Param {
        name,
        required: false,
        default,
    }
}

/// The signature of `method` on `model` for `version`, if it is public.
pub fn signature(model: &str, method: &str, version: OdooVersion) -> Option<Signature> {
    let v19 = version >= OdooVersion::V19;
    let (params, model_level, var_kwargs, doc): (Vec<Param>, bool, bool, &'static str) =
        match method {
            "search" => (
                vec![
                    req("domain"),
                    opt("offset", "0"),
                    opt("limit", "null"),
                    opt("order", "null"),
                ],
                true,
                false,
                "Search for the records that satisfy the given domain.",
            ),
            "search_count" => (
                vec![req("domain"), opt("limit", "null")],
                true,
                false,
                "Return the number of records matching the domain.",
            ),
            "search_read" => (
                vec![
                    opt("domain", "null"),
                    opt("fields", "null"),
                    opt("offset", "0"),
                    opt("limit", "null"),
                    opt("order", "null"),
                ],
                true,
                true,
                "Search for records and read the given fields.",
            ),
            "read" => (
                vec![opt("fields", "null"), opt("load", "\"_classic_read\"")],
                false,
                false,
                "Read the requested fields of the records.",
            ),
            "create" => (
                vec![req("vals_list")],
                true,
                false,
                "Create new records with the given values.",
            ),
            "write" => (
                vec![req("vals")],
                false,
                false,
                "Update the records with the given values.",
            ),
            "unlink" => (vec![], false, false, "Delete the records."),
            "copy" => (
                vec![opt("default", "null")],
                false,
                false,
                "Duplicate the records.",
            ),
            "name_search" => (
                vec![
                    opt("name", "\"\""),
                    opt(if v19 { "domain" } else { "args" }, "null"),
                    opt("operator", "\"ilike\""),
                    opt("limit", "100"),
                ],
                true,
                false,
                "Search for records whose display name matches.",
            ),
            "name_create" => (
                vec![req("name")],
                true,
                false,
                "Create a record from its display name.",
            ),
            "fields_get" => (
                vec![opt("allfields", "null"), opt("attributes", "null")],
                true,
                false,
                "Return the definition of each field.",
            ),
            "default_get" => (
                vec![req(if v19 { "fields" } else { "fields_list" })],
                true,
                false,
                "Return default values for the given fields.",
            ),
            "read_group" => (
                vec![
                    req("domain"),
                    req("fields"),
                    req("groupby"),
                    opt("offset", "0"),
                    opt("limit", "null"),
                    opt("orderby", "false"),
                    opt("lazy", "true"),
                ],
                true,
                false,
                "Get the list of records in list view grouped by the given groupby fields.",
            ),
            "formatted_read_group" if v19 => (
                vec![
                    opt("domain", "null"),
                    opt("groupby", "[]"),
                    opt("aggregates", "[]"),
                    opt("having", "[]"),
                    opt("offset", "0"),
                    opt("limit", "null"),
                    opt("order", "null"),
                ],
                true,
                false,
                "Get fields aggregations grouped by the given groupby fields.",
            ),
            "web_search_read" if version >= OdooVersion::V17 => (
                vec![
                    req("domain"),
                    req("specification"),
                    opt("offset", "0"),
                    opt("limit", "null"),
                    opt("order", "null"),
                    opt("count_limit", "null"),
                ],
                true,
                false,
                "Search and read records following a specification.",
            ),
            "web_read" if version >= OdooVersion::V17 => (
                vec![req("specification")],
                false,
                false,
                "Read records following a specification.",
            ),
            "check_access_rights" if !v19 => (
                vec![req("operation"), opt("raise_exception", "true")],
                true,
                false,
                "Verify the access rights of the current user.",
            ),
            "has_access" if version >= OdooVersion::V18 => (
                vec![req("operation")],
                false,
                false,
                "Whether the user may perform the operation.",
            ),
            "check_access" if !v19 && version >= OdooVersion::V18 => (
                vec![req("operation")],
                false,
                false,
                "Raise if the operation is not allowed.",
            ),
            "exists" if !v19 => (vec![], false, false, "The subset of records that exist."),
            "name_get" if version < OdooVersion::V18 => {
                (vec![], false, false, "Display names of the records.")
            }
            "action_archive" | "action_unarchive" => {
                (vec![], false, false, "Set `active` on the records.")
            }
            "context_get" if model == "res.users" => (vec![], true, false, "The user's context."),
            "has_group" if model == "res.users" => (
                vec![req("group_ext_id")],
                false,
                false,
                "Whether the user belongs to the group.",
            ),
            "action_confirm" | "action_cancel" | "action_draft" if model == "sale.order" => {
                (vec![], false, false, "Change the state of the orders.")
            }
            "button_confirm" | "button_cancel" | "button_draft" if model == "purchase.order" => {
                (vec![], false, false, "Change the state of the orders.")
            }
            _ => return None,
        };
    let class = match method {
        "context_get" | "has_group" => "Users",
        _ => "BaseModel",
    };
    Some(Signature {
        name: method_static(method),
        params,
        model_level,
        var_kwargs,
        class,
        doc,
    })
}

fn method_static(m: &str) -> &'static str {
    const ALL: &[&str] = &[
        "search",
        "search_count",
        "search_read",
        "read",
        "create",
        "write",
        "unlink",
        "copy",
        "name_search",
        "name_create",
        "fields_get",
        "default_get",
        "read_group",
        "formatted_read_group",
        "web_search_read",
        "web_read",
        "check_access_rights",
        "has_access",
        "check_access",
        "exists",
        "name_get",
        "action_archive",
        "action_unarchive",
        "context_get",
        "has_group",
        "action_confirm",
        "action_cancel",
        "action_draft",
        "button_confirm",
        "button_cancel",
        "button_draft",
    ];
    ALL.iter().copied().find(|a| *a == m).unwrap_or("method")
}

/// Names of every public method of `model`, in a stable order.
pub fn public_methods(model: &str, version: OdooVersion) -> Vec<Signature> {
    [
        "action_archive",
        "action_unarchive",
        "action_confirm",
        "action_cancel",
        "action_draft",
        "button_confirm",
        "button_cancel",
        "button_draft",
        "check_access_rights",
        "context_get",
        "copy",
        "create",
        "default_get",
        "exists",
        "fields_get",
        "formatted_read_group",
        "has_access",
        "has_group",
        "name_create",
        "name_search",
        "read",
        "read_group",
        "search",
        "search_count",
        "search_read",
        "unlink",
        "web_read",
        "web_search_read",
        "write",
    ]
    .iter()
    .filter_map(|m| signature(model, m, version))
    .collect()
}

/// Whether a method name is private (leading `_`, `init`, or private in 19).
pub fn is_private(method: &str, version: OdooVersion) -> bool {
    method.starts_with('_')
        || method == "init"
        || (version >= OdooVersion::V19
            && matches!(
                method,
                "check_access"
                    | "exists"
                    | "browse"
                    | "sudo"
                    | "search_fetch"
                    | "with_context"
                    | "with_user"
            ))
}

/// Arguments bound to parameter names, plus the record ids.
#[derive(Debug, Default)]
pub struct Bound {
    /// Record ids (record methods only).
    pub ids: Vec<i64>,
    /// Named arguments.
    pub named: Map<String, Value>,
}

impl Bound {
    fn get(&self, name: &str) -> Option<&Value> {
        self.named.get(name).filter(|v| !v.is_null())
    }
}

/// Binds positional and keyword arguments like Python does, with its
/// `TypeError` messages.
pub fn bind(sig: &Signature, args: &[Value], kwargs: &Map<String, Value>) -> OdooResult<Bound> {
    let fname = format!("{}.{}()", sig.class, sig.name);
    let mut bound = Bound::default();
    let mut positional = args;
    if !sig.model_level {
        match args.first() {
            Some(ids) => {
                bound.ids = ids_of(ids);
                positional = &args[1..];
            }
            None => {
                return Err(OdooException::type_error(format!(
                    "{fname} missing 1 required positional argument: 'self'"
                )));
            }
        }
    }
    let max = sig.params.len();
    if positional.len() > max {
        let min = sig.params.iter().filter(|p| p.required).count();
        let given = positional.len() + 1;
        let msg = if min == max {
            format!(
                "{fname} takes {} positional argument{} but {given} were given",
                max + 1,
                if max == 0 { "" } else { "s" }
            )
        } else {
            format!(
                "{fname} takes from {} to {} positional arguments but {given} were given",
                min + 1,
                max + 1
            )
        };
        return Err(OdooException::type_error(msg));
    }
    for (p, v) in sig.params.iter().zip(positional) {
        bound.named.insert(p.name.to_string(), v.clone());
    }
    for (k, v) in kwargs {
        if sig.params.iter().any(|p| p.name == k) {
            if bound.named.contains_key(k) {
                return Err(OdooException::type_error(format!(
                    "{fname} got multiple values for argument '{k}'"
                )));
            }
        } else if !sig.var_kwargs {
            return Err(OdooException::type_error(format!(
                "{fname} got an unexpected keyword argument '{k}'"
            )));
        }
        bound.named.insert(k.clone(), v.clone());
    }
    let missing: Vec<&str> = sig
        .params
        .iter()
        .filter(|p| p.required && !bound.named.contains_key(p.name))
        .map(|p| p.name)
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
        let list = match names.len() {
            1 => names[0].clone(),
            _ => format!(
                "{} and {}",
                names[..names.len() - 1].join(", "),
                names[names.len() - 1]
            ),
        };
        return Err(OdooException::type_error(format!(
            "{fname} missing {} required positional argument{}: {list}",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" }
        )));
    }
    Ok(bound)
}

/// Ids from an `ids` argument (an id, a list of ids, or false).
pub fn ids_of(v: &Value) -> Vec<i64> {
    match v {
        Value::Number(n) => n.as_i64().into_iter().collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        ),
        Value::String(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

/// A limit/offset argument; Python treats 0 like None (`if limit:`).
fn usize_arg(v: Option<&Value>) -> Option<usize> {
    v.and_then(Value::as_i64)
        .filter(|n| *n > 0)
        .map(|n| n as usize)
}

impl Database {
    /// Runs a bound public method. `Ok(None)` means Python returned `None`.
    pub fn dispatch(
        &mut self,
        model: &str,
        sig: &Signature,
        b: &Bound,
        env: &Env,
    ) -> OdooResult<Option<Value>> {
        let v19 = self.version >= OdooVersion::V19;
        let empty = Value::Array(Vec::new());
        if Self::operation_of(sig.name) != "read" {
            self.order_cache.invalidate();
        }
        let result = match sig.name {
            "search" => {
                let domain = b.get("domain").unwrap_or(&empty);
                let order = b.get("order").and_then(Value::as_str);
                Value::from(self.search(
                    model,
                    domain,
                    usize_arg(b.get("offset")).unwrap_or(0),
                    usize_arg(b.get("limit")),
                    order,
                    env,
                )?)
            }
            "search_count" => {
                let domain = b.get("domain").unwrap_or(&empty);
                let n = self.search_set(model, domain, env)?.len();
                Value::from(usize_arg(b.get("limit")).map_or(n, |l| n.min(l)))
            }
            "search_read" => {
                let domain = b.get("domain").unwrap_or(&empty);
                let order = b.get("order").and_then(Value::as_str);
                let fields = strings(b.get("fields"));
                let fields =
                    self.read_fields(model, fields.as_deref(), self.field_error_style())?;
                let ids = self.search(
                    model,
                    domain,
                    usize_arg(b.get("offset")).unwrap_or(0),
                    usize_arg(b.get("limit")),
                    order,
                    env,
                )?;
                let load = load_of(b);
                Value::from(self.read(model, &ids, &fields, load, env)?)
            }
            "read" => {
                let fields = strings(b.get("fields"));
                let fields =
                    self.read_fields(model, fields.as_deref(), self.field_error_style())?;
                Value::from(self.read(model, &b.ids, &fields, load_of(b), env)?)
            }
            "create" => {
                let vals = b.get("vals_list").cloned().unwrap_or(Value::Null);
                match vals {
                    Value::Object(map) => {
                        let id = self.create_one(model, &map, env)?;
                        if v19 {
                            Value::from(vec![id])
                        } else {
                            Value::from(id)
                        }
                    }
                    Value::Array(items) => {
                        let mut ids = Vec::with_capacity(items.len());
                        for item in items {
                            let map = item.as_object().cloned().unwrap_or_default();
                            ids.push(self.create_one(model, &map, env)?);
                        }
                        Value::from(ids)
                    }
                    _ => {
                        return Err(OdooException::type_error(
                            "create() vals_list must be a dict or a list of dicts",
                        ));
                    }
                }
            }
            "write" => {
                let vals = b
                    .get("vals")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                self.write(model, &b.ids, &vals, env)?;
                Value::Bool(true)
            }
            "unlink" => {
                self.unlink(model, &b.ids, env)?;
                Value::Bool(true)
            }
            "copy" => {
                let default = b
                    .get("default")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let mut new = Vec::new();
                for id in b.ids.clone() {
                    new.push(self.copy(model, id, &default, env)?);
                }
                if self.version >= OdooVersion::V18 {
                    Value::from(new)
                } else {
                    new.first()
                        .map(|i| Value::from(*i))
                        .unwrap_or(Value::Bool(false))
                }
            }
            "name_search" => {
                let name = b
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let domain = b
                    .get(if v19 { "domain" } else { "args" })
                    .cloned()
                    .unwrap_or(empty.clone());
                let operator = b
                    .get("operator")
                    .and_then(Value::as_str)
                    .unwrap_or("ilike")
                    .to_string();
                let limit = usize_arg(b.get("limit")).or(
                    if b.named.get("limit").is_some_and(Value::is_null) {
                        None
                    } else {
                        Some(100)
                    },
                );
                self.name_search(model, &name, &domain, &operator, limit, env)?
            }
            "name_create" => {
                let name = b
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let (id, display) = self.name_create(model, &name, env)?;
                json!([id, display])
            }
            "fields_get" => {
                let all = strings(b.get("allfields"));
                let attrs = strings(b.get("attributes"));
                self.fields_get(
                    model,
                    all.as_deref(),
                    attrs.as_deref(),
                    env.context.get("lang").and_then(Value::as_str),
                )?
            }
            "default_get" => {
                let fields =
                    strings(b.get(if v19 { "fields" } else { "fields_list" })).unwrap_or_default();
                Value::Object(self.defaults(model, &fields, env)?)
            }
            "read_group" => self.read_group(model, b, env)?,
            "formatted_read_group" => self.formatted_read_group(model, b, env)?,
            "web_search_read" => self.web_search_read(model, b, env)?,
            "web_read" => {
                let spec = b
                    .get("specification")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                Value::from(self.web_read(model, &b.ids, &spec, env)?)
            }
            "check_access_rights" => {
                let op = b
                    .get("operation")
                    .and_then(Value::as_str)
                    .unwrap_or("read")
                    .to_string();
                let allowed = self.allowed(model, &op, env);
                let raise = !b.named.get("raise_exception").is_some_and(falsy);
                if raise {
                    if !allowed {
                        return Err(self.access_error(model, &op));
                    }
                    return Ok(if self.version >= OdooVersion::V18 {
                        None
                    } else {
                        Some(Value::Bool(true))
                    });
                }
                Value::Bool(allowed)
            }
            "has_access" => {
                let op = b
                    .get("operation")
                    .and_then(Value::as_str)
                    .unwrap_or("read")
                    .to_string();
                Value::Bool(self.allowed(model, &op, env))
            }
            "check_access" => {
                let op = b
                    .get("operation")
                    .and_then(Value::as_str)
                    .unwrap_or("read")
                    .to_string();
                if !self.allowed(model, &op, env) {
                    return Err(self.access_error(model, &op));
                }
                return Ok(None);
            }
            "exists" => Value::from(
                b.ids
                    .iter()
                    .copied()
                    .filter(|i| self.exists(model, *i))
                    .collect::<Vec<_>>(),
            ),
            "name_get" => Value::from(
                b.ids
                    .iter()
                    .filter(|i| self.exists(model, **i))
                    .map(|i| json!([i, self.display_name(model, *i)]))
                    .collect::<Vec<_>>(),
            ),
            "action_archive" | "action_unarchive" => {
                let mut vals = Map::new();
                vals.insert("active".into(), Value::Bool(sig.name == "action_unarchive"));
                self.write(model, &b.ids, &vals, env)?;
                return Ok(None);
            }
            "context_get" => self.context_of(env.uid),
            "has_group" => {
                let group = b.get("group_ext_id").and_then(Value::as_str).unwrap_or("");
                let uid = b.ids.first().copied().unwrap_or(env.uid);
                let share = self
                    .value("res.users", uid, "share")
                    .as_bool()
                    .unwrap_or(false);
                Value::Bool(match group {
                    "base.group_system" | "base.group_erp_manager" => uid == 2 || uid == 1,
                    "base.group_user" => !share,
                    "base.group_portal" => share && uid != 4,
                    _ => false,
                })
            }
            "action_confirm" | "button_confirm" => {
                let state = if model == "purchase.order" {
                    "purchase"
                } else {
                    "sale"
                };
                self.set_state(model, &b.ids, state, env)?;
                Value::Bool(true)
            }
            "action_cancel" | "button_cancel" => {
                self.set_state(model, &b.ids, "cancel", env)?;
                Value::Bool(true)
            }
            "action_draft" | "button_draft" => {
                self.set_state(model, &b.ids, "draft", env)?;
                Value::Bool(true)
            }
            other => {
                return Err(OdooException::attribute_error(format!(
                    "The method '{model}.{other}' does not exist"
                )));
            }
        };
        Ok(Some(result))
    }

    fn set_state(&mut self, model: &str, ids: &[i64], state: &str, env: &Env) -> OdooResult<()> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !self.exists(model, *i))
            .collect();
        if !missing.is_empty() {
            return Err(OdooException::missing(model, &missing, env.uid));
        }
        for id in ids {
            if let Some(r) = self
                .tables
                .get_mut(model)
                .and_then(|t| t.records.get_mut(id))
            {
                r.insert("state".into(), Value::from(state));
            }
        }
        Ok(())
    }

    fn field_error_style(&self) -> FieldError {
        if self.version >= OdooVersion::V19 {
            FieldError::On
        } else {
            FieldError::OnModel
        }
    }

    /// `res.users.context_get()` for `uid`.
    pub fn context_of(&self, uid: i64) -> Value {
        let partner = self.value("res.users", uid, "partner_id").as_i64();
        let lang = partner
            .map(|p| self.value("res.partner", p, "lang"))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "en_US".into());
        let tz = partner
            .map(|p| self.value("res.partner", p, "tz"))
            .unwrap_or(Value::Bool(false));
        json!({"lang": lang, "tz": tz, "uid": uid})
    }

    /// `name_search`.
    pub fn name_search(
        &self,
        model: &str,
        name: &str,
        domain: &Value,
        operator: &str,
        limit: Option<usize>,
        env: &Env,
    ) -> OdooResult<Value> {
        let def = self.def(model)?;
        let mut full = Vec::new();
        if !name.is_empty() || !matches!(operator, "ilike" | "like" | "=ilike" | "=like") {
            let fields = def.rec_names_search();
            for _ in 1..fields.len() {
                full.push(Value::from("|"));
            }
            for f in fields {
                full.push(json!([f, operator, name]));
            }
        }
        if let Value::Array(items) = domain {
            if !items.is_empty() {
                if !full.is_empty() {
                    full.insert(0, Value::from("&"));
                }
                full.extend(items.iter().cloned());
            }
        }
        let mut ids = Vec::new();
        if model == "res.country" && name.chars().count() == 2 {
            // Countries match their ISO code first.
            let mut by_code = vec![json!(["code", "=ilike", name])];
            if let Value::Array(items) = domain {
                by_code.extend(items.iter().cloned());
            }
            ids = self.search(model, &Value::Array(by_code), 0, limit, None, env)?;
        }
        for id in self.search(
            model,
            &Value::Array(full),
            0,
            limit.map(|l| l + ids.len()),
            None,
            env,
        )? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if let Some(l) = limit {
            ids.truncate(l);
        }
        Ok(Value::from(
            ids.iter()
                .map(|i| json!([i, self.display_name(model, *i)]))
                .collect::<Vec<_>>(),
        ))
    }

    /// `name_create`.
    pub fn name_create(&mut self, model: &str, name: &str, env: &Env) -> OdooResult<(i64, String)> {
        let def = self.def(model)?;
        let rec_name = def.rec_name.clone();
        let mut vals = Map::new();
        if model == "res.partner" {
            let (n, email) = split_email(name);
            vals.insert("name".into(), Value::from(n));
            if let Some(e) = email {
                vals.insert("email".into(), Value::from(e));
            }
        } else {
            vals.insert(rec_name, Value::from(name));
        }
        let id = self.create_one(model, &vals, env)?;
        Ok((id, self.display_name(model, id)))
    }
}

fn load_of(b: &Bound) -> Load {
    match b.named.get("load") {
        Some(Value::Null) => Load::Raw,
        Some(Value::String(s)) if s != "_classic_read" => Load::Raw,
        _ => Load::Classic,
    }
}

fn split_email(text: &str) -> (String, Option<String>) {
    if let (Some(start), Some(end)) = (text.rfind('<'), text.rfind('>')) {
        if start < end {
            let email = text[start + 1..end].trim().to_string();
            let name = text[..start].trim().trim_matches('"').to_string();
            return (
                if name.is_empty() { email.clone() } else { name },
                Some(email),
            );
        }
    }
    if text.contains('@') && !text.contains(' ') {
        return (text.to_string(), Some(text.to_string()));
    }
    (text.to_string(), None)
}
