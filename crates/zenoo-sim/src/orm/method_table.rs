//! The public model methods the simulator serves, in one static table.
//!
//! Each entry says everything the rest of the simulator asks about a
//! method: its parameters in order (for Python's arity errors and JSON-2's
//! named arguments), whether it is called without ids (`@api.model`), the
//! access operation Odoo checks before it, whether it changes data (which
//! decides the lock a request takes), and the versions and models that
//! have it. [`lookup`] is the only way in.

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

/// The access right Odoo checks before a method runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `read`: also every method that changes nothing.
    Read,
    /// `create`.
    Create,
    /// `write`.
    Write,
    /// `unlink`.
    Unlink,
}

impl Operation {
    /// The name `ir.model.access` and the error messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Create => "create",
            Self::Write => "write",
            Self::Unlink => "unlink",
        }
    }

    /// Whether the method may change stored data.
    pub fn changes_data(self) -> bool {
        self != Self::Read
    }
}

/// One public method.
#[derive(Debug)]
pub struct Method {
    /// Method name.
    pub name: &'static str,
    /// Parameters after `self`, in order.
    pub params: &'static [Param],
    /// `@api.model`: called without ids.
    pub model_level: bool,
    /// Accepts `**kwargs` beyond `params`.
    pub var_kwargs: bool,
    /// The access right checked before it runs.
    pub operation: Operation,
    /// Runs whatever the user's access rights on the model (it reports them).
    pub access_exempt: bool,
    /// First version that has it.
    pub since: OdooVersion,
    /// First version that no longer has it (or makes it private).
    pub until: Option<OdooVersion>,
    /// The models that have it; every model when empty.
    pub models: &'static [&'static str],
    /// Python class that defines it, for error messages.
    pub class: &'static str,
    /// One-line documentation.
    pub doc: &'static str,
}

/// The signature of a public method (its table entry).
pub type Signature = &'static Method;

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

/// A method of every model, in every version, checked as a read.
const fn base(name: &'static str, params: &'static [Param], doc: &'static str) -> Method {
    Method {
        name,
        params,
        model_level: false,
        var_kwargs: false,
        operation: Operation::Read,
        access_exempt: false,
        since: OdooVersion::V16,
        until: None,
        models: &[],
        class: "BaseModel",
        doc,
    }
}

impl Method {
    const fn model_level(mut self) -> Self {
        self.model_level = true;
        self
    }
    const fn var_kwargs(mut self) -> Self {
        self.var_kwargs = true;
        self
    }
    const fn op(mut self, operation: Operation) -> Self {
        self.operation = operation;
        self
    }
    const fn exempt(mut self) -> Self {
        self.access_exempt = true;
        self
    }
    const fn since(mut self, v: OdooVersion) -> Self {
        self.since = v;
        self
    }
    const fn until(mut self, v: OdooVersion) -> Self {
        self.until = Some(v);
        self
    }
    const fn on(mut self, models: &'static [&'static str], class: &'static str) -> Self {
        self.models = models;
        self.class = class;
        self
    }

    /// Whether `model` has this method in `version`.
    pub fn available(&self, model: &str, version: OdooVersion) -> bool {
        version >= self.since
            && self.until.is_none_or(|u| version < u)
            && (self.models.is_empty() || self.models.contains(&model))
    }
}

const SEARCH: &[Param] = &[
    req("domain"),
    opt("offset", "0"),
    opt("limit", "null"),
    opt("order", "null"),
];
const SEARCH_READ: &[Param] = &[
    opt("domain", "null"),
    opt("fields", "null"),
    opt("offset", "0"),
    opt("limit", "null"),
    opt("order", "null"),
];
const NAME_SEARCH_18: &[Param] = &[
    opt("name", "\"\""),
    opt("args", "null"),
    opt("operator", "\"ilike\""),
    opt("limit", "100"),
];
const NAME_SEARCH_19: &[Param] = &[
    opt("name", "\"\""),
    opt("domain", "null"),
    opt("operator", "\"ilike\""),
    opt("limit", "100"),
];
const READ_GROUP: &[Param] = &[
    req("domain"),
    req("fields"),
    req("groupby"),
    opt("offset", "0"),
    opt("limit", "null"),
    opt("orderby", "false"),
    opt("lazy", "true"),
];
const FORMATTED_READ_GROUP: &[Param] = &[
    opt("domain", "null"),
    opt("groupby", "[]"),
    opt("aggregates", "[]"),
    opt("having", "[]"),
    opt("offset", "0"),
    opt("limit", "null"),
    opt("order", "null"),
];
const WEB_SEARCH_READ: &[Param] = &[
    req("domain"),
    req("specification"),
    opt("offset", "0"),
    opt("limit", "null"),
    opt("order", "null"),
    opt("count_limit", "null"),
];
const OPERATION: &[Param] = &[req("operation")];
const STATE: &str = "Change the state of the orders.";
const SALE: &[&str] = &["sale.order"];
const PURCHASE: &[&str] = &["purchase.order"];
const USERS: &[&str] = &["res.users"];
const IR_MODEL: &[&str] = &["ir.model"];

use OdooVersion::{V17, V18, V19};
use Operation::{Create, Unlink, Write};

/// Every public method, in the order `/doc-bearer` lists them.
pub static METHODS: &[Method] = &[
    base("action_archive", &[], "Set `active` on the records.").op(Write),
    base("action_unarchive", &[], "Set `active` on the records.").op(Write),
    base("action_confirm", &[], STATE)
        .op(Write)
        .on(SALE, "BaseModel"),
    base("action_cancel", &[], STATE)
        .op(Write)
        .on(SALE, "BaseModel"),
    base("action_draft", &[], STATE)
        .op(Write)
        .on(SALE, "BaseModel"),
    base("button_confirm", &[], STATE)
        .op(Write)
        .on(PURCHASE, "BaseModel"),
    base("button_cancel", &[], STATE)
        .op(Write)
        .on(PURCHASE, "BaseModel"),
    base("button_draft", &[], STATE)
        .op(Write)
        .on(PURCHASE, "BaseModel"),
    base(
        "check_access_rights",
        &[req("operation"), opt("raise_exception", "true")],
        "Verify the access rights of the current user.",
    )
    .model_level()
    .exempt()
    .until(V19),
    base("context_get", &[], "The user's context.")
        .model_level()
        .exempt()
        .on(USERS, "Users"),
    base("copy", &[opt("default", "null")], "Duplicate the records.").op(Create),
    base(
        "create",
        &[req("vals_list")],
        "Create new records with the given values.",
    )
    .model_level()
    .op(Create),
    base(
        "default_get",
        &[req("fields_list")],
        "Return default values for the given fields.",
    )
    .model_level()
    .until(V19),
    base(
        "default_get",
        &[req("fields")],
        "Return default values for the given fields.",
    )
    .model_level()
    .since(V19),
    base("exists", &[], "The subset of records that exist.").until(V19),
    base(
        "fields_get",
        &[opt("allfields", "null"), opt("attributes", "null")],
        "Return the definition of each field.",
    )
    .model_level()
    .exempt(),
    base(
        "formatted_read_group",
        FORMATTED_READ_GROUP,
        "Get fields aggregations grouped by the given groupby fields.",
    )
    .model_level()
    .since(V19),
    base(
        "has_access",
        OPERATION,
        "Whether the user may perform the operation.",
    )
    .exempt()
    .since(V18),
    base(
        "check_access",
        OPERATION,
        "Raise if the operation is not allowed.",
    )
    .exempt()
    .since(V18)
    .until(V19),
    base(
        "get_available_models",
        &[],
        "The models the user may read, with their names.",
    )
    .model_level()
    .exempt()
    .on(IR_MODEL, "IrModel"),
    base(
        "has_group",
        &[req("group_ext_id")],
        "Whether the user belongs to the group.",
    )
    .on(USERS, "Users"),
    base(
        "name_create",
        &[req("name")],
        "Create a record from its display name.",
    )
    .model_level()
    .op(Create),
    base("name_get", &[], "Display names of the records.").until(V18),
    base(
        "name_search",
        NAME_SEARCH_18,
        "Search for records whose display name matches.",
    )
    .model_level()
    .until(V19),
    base(
        "name_search",
        NAME_SEARCH_19,
        "Search for records whose display name matches.",
    )
    .model_level()
    .since(V19),
    base(
        "read",
        &[opt("fields", "null"), opt("load", "\"_classic_read\"")],
        "Read the requested fields of the records.",
    ),
    base(
        "read_group",
        READ_GROUP,
        "Get the list of records in list view grouped by the given groupby fields.",
    )
    .model_level(),
    base(
        "search",
        SEARCH,
        "Search for the records that satisfy the given domain.",
    )
    .model_level(),
    base(
        "search_count",
        &[req("domain"), opt("limit", "null")],
        "Return the number of records matching the domain.",
    )
    .model_level(),
    base(
        "search_read",
        SEARCH_READ,
        "Search for records and read the given fields.",
    )
    .model_level()
    .var_kwargs(),
    base("unlink", &[], "Delete the records.").op(Unlink),
    base(
        "web_read",
        &[req("specification")],
        "Read records following a specification.",
    )
    .since(V17),
    base(
        "web_search_read",
        WEB_SEARCH_READ,
        "Search and read records following a specification.",
    )
    .model_level()
    .since(V17),
    base(
        "write",
        &[req("vals")],
        "Update the records with the given values.",
    )
    .op(Write),
];

/// The public method `method` of `model` in `version`, if there is one.
pub fn lookup(model: &str, method: &str, version: OdooVersion) -> Option<Signature> {
    METHODS
        .iter()
        .find(|m| m.name == method && m.available(model, version))
}

/// Every public method of `model` in `version`, in the table's order.
pub fn public_methods(model: &str, version: OdooVersion) -> impl Iterator<Item = Signature> + '_ {
    METHODS.iter().filter(move |m| m.available(model, version))
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

/// Whether `method` may change data; unknown methods count as writes, so a
/// request that cannot be classified takes the exclusive lock.
pub fn changes_data(model: &str, method: &str, version: OdooVersion) -> bool {
    lookup(model, method, version).is_none_or(|m| m.operation.changes_data())
}
