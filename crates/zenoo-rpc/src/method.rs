//! The one table of model methods the client treats specially: whether a
//! call of them is safe to repeat, their parameter names in order (JSON-2
//! sends arguments by name only) and whether they take ids.
//!
//! ```
//! use zenoo_rpc::method;
//!
//! let read = method::lookup("search_read").expect("a standard method");
//! assert!(read.read_only && read.model_level);
//! assert_eq!(read.params, ["domain", "fields", "offset", "limit", "order"]);
//! assert!(method::lookup("button_confirm").is_none());
//! ```

/// What the client knows about one standard ORM method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MethodInfo {
    /// The method name, e.g. `search_read`.
    pub name: &'static str,
    /// A call cannot change data, so repeating it is safe (reads, metadata).
    pub read_only: bool,
    /// `@api.model`: takes no ids.
    pub model_level: bool,
    /// The parameters after `ids` (or all of them when `model_level`), in
    /// order, as Odoo 19 names them.
    pub params: &'static [&'static str],
}

const fn m(
    name: &'static str,
    read_only: bool,
    model_level: bool,
    params: &'static [&'static str],
) -> MethodInfo {
    MethodInfo {
        name,
        read_only,
        model_level,
        params,
    }
}

/// Every standard method: the client offers each one (so code generators
/// skip them), sorted by name.
pub const STANDARD: &[MethodInfo] = &[
    m("action_archive", false, false, &[]),
    m("action_unarchive", false, false, &[]),
    m(
        "check_access_rights",
        true,
        true,
        &["operation", "raise_exception"],
    ),
    m("context_get", true, true, &[]),
    m("copy", false, false, &["default"]),
    m("create", false, true, &["vals_list"]),
    m("default_get", true, true, &["fields"]),
    m("exists", true, false, &[]),
    m("fields_get", true, true, &["allfields", "attributes"]),
    m(
        "formatted_read_group",
        true,
        true,
        &[
            "domain",
            "groupby",
            "aggregates",
            "having",
            "offset",
            "limit",
            "order",
        ],
    ),
    m("has_access", true, false, &["operation"]),
    m("has_group", true, false, &["group_ext_id"]),
    m("name_create", false, true, &["name"]),
    m(
        "name_search",
        true,
        true,
        &["name", "domain", "operator", "limit"],
    ),
    m("read", true, false, &["fields", "load"]),
    m(
        "read_group",
        true,
        true,
        &[
            "domain", "fields", "groupby", "offset", "limit", "orderby", "lazy",
        ],
    ),
    m(
        "search",
        true,
        true,
        &["domain", "offset", "limit", "order"],
    ),
    m("search_count", true, true, &["domain", "limit"]),
    m(
        "search_fetch",
        true,
        true,
        &["domain", "field_names", "offset", "limit", "order"],
    ),
    m(
        "search_read",
        true,
        true,
        &["domain", "fields", "offset", "limit", "order"],
    ),
    m("unlink", false, false, &[]),
    m("web_read", true, false, &["specification"]),
    m("web_save", false, false, &["vals", "specification"]),
    m(
        "web_search_read",
        true,
        true,
        &[
            "domain",
            "specification",
            "offset",
            "limit",
            "order",
            "count_limit",
        ],
    ),
    m("write", false, false, &["vals"]),
];

/// The standard method `name`, if it is one.
pub fn lookup(name: &str) -> Option<&'static MethodInfo> {
    STANDARD
        .binary_search_by(|m| m.name.cmp(name))
        .ok()
        .and_then(|i| STANDARD.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_found() {
        assert!(STANDARD.windows(2).all(|w| w[0].name < w[1].name));
        for info in STANDARD {
            assert_eq!(lookup(info.name), Some(info));
        }
        assert!(!lookup("write").is_some_and(|m| m.read_only));
    }
}
