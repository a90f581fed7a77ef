//! Rust source for Odoo models: `#[derive(Model)]` structs from
//! `fields_get`, enums for selections, and (Odoo 19) typed methods from
//! `/doc-bearer/<model>.json`.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

use std::sync::Arc;

use serde_json::Value;
use zenoo_rpc::schema::{FieldInfo, FieldType, ModelSchema};

/// What the generator needs to know about one model.
pub struct ModelSource {
    /// Model name, e.g. `sale.order`.
    pub model: String,
    /// Its fields (the client's [`ModelSchema`]).
    pub fields: Arc<ModelSchema>,
    /// The `/doc-bearer` document (Odoo 19), for methods.
    pub doc: Option<Value>,
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// A Rust identifier for an Odoo name (`type` → `r#type`, `self` → `self_`).
fn ident(name: &str) -> String {
    match name {
        "self" | "Self" | "super" | "crate" => format!("{name}_"),
        n if KEYWORDS.contains(&n) => format!("r#{n}"),
        n => n.to_string(),
    }
}

fn valid_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// `sale.order.line` → `SaleOrderLine`; `en_US` → `EnUs`.
fn camel(s: &str) -> String {
    let mut out = String::new();
    for part in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(&chars.as_str().to_lowercase());
        }
    }
    if out.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// Struct name of a model.
pub fn struct_name(model: &str) -> String {
    camel(model)
}

fn doc_lines(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

/// Plain text of Odoo's HTML docstrings.
fn strip_html(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A field's label, or its name when it has none.
fn label_of(f: &FieldInfo) -> &str {
    Some(f.label.trim())
        .filter(|l| !l.is_empty())
        .unwrap_or(&f.name)
}

struct Ctx<'a> {
    generated: &'a HashSet<&'a str>,
    uses: BTreeSet<&'static str>,
}

impl Ctx<'_> {
    fn uses(&mut self, name: &'static str) -> &'static str {
        self.uses.insert(name);
        name
    }

    /// The field's Rust type, and the selection enum to emit, if any.
    fn field_type(
        &mut self,
        owner: &str,
        name: &str,
        f: &FieldInfo,
    ) -> Option<(String, Option<String>)> {
        let target = |ctx: &mut Self, wrapper: &'static str| {
            let w = ctx.uses(wrapper);
            match f.relation.as_deref() {
                Some(r) if ctx.generated.contains(r) => format!("{w}<{}>", struct_name(r)),
                _ => w.to_string(),
            }
        };
        let mut enum_src = None;
        let base = match f.field_type {
            FieldType::Char | FieldType::Text | FieldType::Html => "String".to_string(),
            FieldType::Integer | FieldType::Many2oneReference => "i64".to_string(),
            FieldType::Float => "f64".to_string(),
            FieldType::Monetary => self.uses("Decimal").to_string(),
            FieldType::Boolean => return Some(("bool".into(), None)),
            FieldType::Date => self.uses("Date").to_string(),
            FieldType::Datetime => self.uses("Datetime").to_string(),
            FieldType::Binary => self.uses("Binary").to_string(),
            FieldType::Reference => self.uses("Reference").to_string(),
            FieldType::Many2one => target(self, "Many2one"),
            FieldType::One2many | FieldType::Many2many => {
                return Some((target(self, "X2many"), None));
            }
            FieldType::Selection => match selection_enum(owner, name, f) {
                Some((enum_name, src)) => {
                    self.uses("Selection");
                    enum_src = Some(src);
                    enum_name
                }
                None => "String".to_string(),
            },
            _ => return None,
        };
        let lazy = matches!(f.field_type, FieldType::Binary | FieldType::Html);
        let ty = if f.required && !lazy {
            base
        } else {
            format!("Option<{base}>")
        };
        Some((ty, enum_src))
    }
}

/// Whether a selection's values depend on the installation rather than on
/// the code: languages (`res.lang` records), time zones (pytz's list), and
/// long lists read from data. An enum of today's values would fail to
/// decode tomorrow's, so these stay strings.
fn installation_dependent(field: &str, f: &FieldInfo) -> bool {
    const DATA_LIST: usize = 40;
    matches!(field, "lang" | "tz")
        || field.ends_with("_lang")
        || field.ends_with("_tz")
        || f.selection.len() > DATA_LIST
}

/// An enum for a selection whose values are strings and fixed by the code.
fn selection_enum(owner: &str, field: &str, f: &FieldInfo) -> Option<(String, String)> {
    if installation_dependent(field, f) {
        return None;
    }
    let mut variants = Vec::new();
    let mut seen = HashSet::new();
    for (value, label) in &f.selection {
        let mut v = camel(value);
        let base = v.clone();
        let mut n = 2;
        while !seen.insert(v.clone()) {
            v = format!("{base}{n}");
            n += 1;
        }
        variants.push((v, value.clone(), label.clone()));
    }
    if variants.is_empty() {
        return None;
    }
    let name = format!("{owner}{}", camel(field));
    let mut src = String::new();
    let label = label_of(f);
    let _ = writeln!(src, "/// {label}: the values of `{field}`.");
    let _ = writeln!(
        src,
        "#[derive(Selection, Debug, Clone, Copy, PartialEq, Eq, Hash)]"
    );
    let _ = writeln!(src, "pub enum {name} {{");
    for (v, value, label) in variants {
        let _ = writeln!(src, "    /// {label}");
        let _ = writeln!(src, "    #[odoo(value = {value:?})]");
        let _ = writeln!(src, "    {v},");
    }
    let _ = writeln!(src, "}}");
    Some((name, src))
}

fn methods(out: &mut String, model: &str, owner: &str, doc: &Value) {
    let Some(methods) = doc.get("methods").and_then(Value::as_object) else {
        return;
    };
    let mut names: Vec<&String> = methods
        .keys()
        .filter(|m| zenoo_rpc::method::lookup(m).is_none() && !m.starts_with('_') && valid_name(m))
        .filter(|m| methods[m.as_str()].get("model").and_then(Value::as_str) != Some("core"))
        .collect();
    names.sort();
    if names.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nimpl {owner} {{");
    for (k, name) in names.into_iter().enumerate() {
        let m = &methods[name.as_str()];
        let model_level = m
            .get("api")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x == "model"));
        if k > 0 {
            out.push('\n');
        }
        let summary = text(m.get("doc")).map(strip_html);
        match summary {
            Some(d) => doc_lines(out, "    ", &d),
            None => {
                let _ = writeln!(out, "    /// Calls `{model}.{name}`.");
            }
        }
        if let Some(sig) = text(m.get("signature")) {
            let _ = writeln!(out, "    ///\n    /// Odoo signature: `{name}{sig}`.");
        }
        let mut params = vec!["client: &zenoo_rpc::Client".to_string()];
        let mut body = Vec::new();
        if !model_level {
            params.push("ids: &[i64]".into());
            body.push(
                "        let args = vec![zenoo_rpc::value::Json::from(ids.to_vec())];".to_string(),
            );
        } else {
            body.push("        let args = Vec::new();".to_string());
        }
        let empty = serde_json::Map::new();
        let declared = m
            .get("parameters")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let binding = if declared.keys().any(|p| valid_name(p)) {
            "let mut kwargs"
        } else {
            "let kwargs"
        };
        body.push(format!(
            "        {binding} = zenoo_rpc::value::JsonMap::new();"
        ));
        for (p, spec) in declared {
            if !valid_name(p) {
                continue;
            }
            let mut var = ident(p);
            if var == "client" || var == "ids" || var == "args" || var == "kwargs" {
                var.push_str("_arg");
            }
            if spec.get("default").is_some() {
                params.push(format!("{var}: Option<zenoo_rpc::value::Json>"));
                body.push(format!(
                    "        if let Some(v) = {var} {{\n            kwargs.insert({p:?}.into(), v);\n        }}"
                ));
            } else {
                params.push(format!("{var}: impl Into<zenoo_rpc::value::Json>"));
                body.push(format!(
                    "        kwargs.insert({p:?}.into(), {var}.into());"
                ));
            }
        }
        let fn_name = ident(name);
        let _ = writeln!(
            out,
            "    pub async fn {fn_name}({}) -> zenoo_rpc::Result<zenoo_rpc::value::Json> {{",
            params.join(", ")
        );
        for line in body {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(
            out,
            "        client.execute_kw({model:?}, {name:?}, args, kwargs).await\n    }}"
        );
    }
    let _ = writeln!(out, "}}");
}

/// `src` formatted by `rustfmt` when it is installed (as bindgen does),
/// unchanged otherwise.
pub fn rustfmt(src: String) -> String {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return src };
    if let Some(mut stdin) = child.stdin.take()
        && stdin.write_all(src.as_bytes()).is_err()
    {
        return src;
    }
    match child.wait_with_output() {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {
            String::from_utf8(out.stdout).unwrap_or(src)
        }
        _ => src,
    }
}

/// The Rust source for `models`, generated from a server running `version`.
pub fn generate(models: &[ModelSource], version: &str) -> String {
    let generated: HashSet<&str> = models.iter().map(|m| m.model.as_str()).collect();
    let mut ctx = Ctx {
        generated: &generated,
        uses: BTreeSet::new(),
    };
    ctx.uses("Model");
    let mut body = String::new();
    for m in models {
        let owner = struct_name(&m.model);
        let mut enums = Vec::new();
        let mut fields = String::new();
        if m.fields.field("id").is_none() {
            fields.push_str("    /// ID\n    pub id: i64,\n");
        }
        let mut described: Vec<&FieldInfo> = m.fields.fields().iter().collect();
        described.sort_by_key(|f| f.name != "id");
        let mut skipped = Vec::new();
        for f in described {
            let name = &f.name;
            if !valid_name(name) {
                skipped.push(format!("{name} (not a Rust identifier)"));
                continue;
            }
            let (ty, enum_src) = if name == "id" {
                ("i64".to_string(), None)
            } else {
                match ctx.field_type(&owner, name, f) {
                    Some(t) => t,
                    None => {
                        skipped.push(format!("{name} ({})", f.field_type));
                        continue;
                    }
                }
            };
            enums.extend(enum_src);
            let _ = writeln!(fields, "    /// {}", label_of(f));
            if let Some(help) = f.help.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
                fields.push_str("    ///\n");
                doc_lines(&mut fields, "    ", help);
            }
            let rust = ident(name);
            let mut attrs = Vec::new();
            if rust.ends_with('_') && !name.ends_with('_') {
                attrs.push(format!("name = {name:?}"));
            }
            if matches!(f.field_type, FieldType::Binary | FieldType::Html) {
                attrs.push("lazy".into());
            }
            if !attrs.is_empty() {
                let _ = writeln!(fields, "    #[odoo({})]", attrs.join(", "));
            }
            let _ = writeln!(fields, "    pub {rust}: {ty},");
        }
        let description = m
            .doc
            .as_ref()
            .and_then(|d| text(d.get("name")))
            .map(str::to_string);
        let _ = writeln!(body);
        for e in enums {
            body.push_str(&e);
            body.push('\n');
        }
        match description {
            Some(d) => {
                let _ = writeln!(body, "/// {d} (`{}`).", m.model);
            }
            None => {
                let _ = writeln!(body, "/// The `{}` model.", m.model);
            }
        }
        if !skipped.is_empty() {
            let _ = writeln!(body, "///\n/// Not generated: {}.", skipped.join(", "));
        }
        let _ = writeln!(body, "#[derive(Model, Debug, Clone)]");
        let _ = writeln!(body, "#[odoo(model = {:?})]", m.model);
        let _ = writeln!(body, "pub struct {owner} {{");
        body.push_str(&fields);
        let _ = writeln!(body, "}}");
        if let Some(doc) = &m.doc {
            methods(&mut body, &m.model, &owner, doc);
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! Odoo models generated by `zenoo codegen` from Odoo {version}: {}.",
        models
            .iter()
            .map(|m| format!("`{}`", m.model))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "//! Regenerate this file rather than editing it.");
    let _ = writeln!(out);
    let uses: Vec<&str> = ctx.uses.into_iter().collect();
    let _ = writeln!(out, "use zenoo_rpc::{{{}}};", uses.join(", "));
    out.push_str(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_types() {
        assert_eq!(struct_name("sale.order.line"), "SaleOrderLine");
        assert_eq!(camel("en_US"), "EnUs");
        assert_eq!(camel("0"), "V0");
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("self"), "self_");
        let fields = json!({
            "name": {"type": "char", "string": "Name", "required": true},
            "type": {"type": "selection", "string": "Type", "selection": [["a", "A"], ["b-b", "B"]]},
            "parent_id": {"type": "many2one", "relation": "x.y", "string": "Parent"},
            "other_id": {"type": "many2one", "relation": "z.z", "string": "Other"},
            "data": {"type": "binary", "string": "File"},
            "props": {"type": "properties", "string": "Props"},
            "lang": {"type": "selection", "string": "Language", "selection": [["en_US", "English"], ["fr_FR", "French"]]},
        });
        let Value::Object(fields) = fields else {
            unreachable!()
        };
        let fields = Arc::new(ModelSchema::from_fields_get("x.y", fields).expect("schema"));
        let src = generate(
            &[ModelSource {
                model: "x.y".into(),
                fields,
                doc: None,
            }],
            "18.0",
        );
        assert!(src.contains("pub name: String,"), "{src}");
        assert!(src.contains("pub r#type: Option<XYType>,"), "{src}");
        assert!(src.contains("#[odoo(value = \"b-b\")]\n    BB,"), "{src}");
        assert!(
            src.contains("pub parent_id: Option<Many2one<XY>>,"),
            "{src}"
        );
        assert!(src.contains("pub other_id: Option<Many2one>,"), "{src}");
        assert!(
            src.contains("#[odoo(lazy)]\n    pub data: Option<Binary>,"),
            "{src}"
        );
        assert!(src.contains("Not generated: props (properties)"), "{src}");
        // Languages depend on the installation: a string, not a closed enum.
        assert!(src.contains("pub lang: Option<String>,"), "{src}");
        assert!(!src.contains("enum XYLang"), "{src}");
        assert!(
            src.contains("use zenoo_rpc::{Binary, Many2one, Model, Selection};"),
            "{src}"
        );
        assert_eq!(strip_html("<p>Set <tt>a</tt> &amp; b</p>"), "Set a & b");
    }

    #[test]
    fn methods_with_parameters() {
        let doc = json!({"name": "Purchase Order", "methods": {
            "button_approve": {"signature": "(force=False)", "parameters": {"force": {"default": false}},
                               "doc": "<p>Approve the order.</p>"},
            "action_create": {"signature": "(vals, type)", "parameters": {"vals": {}, "type": {}}, "api": ["model"]},
            "write": {"signature": "(vals)", "parameters": {"vals": {}}},
            "action_archive": {"signature": "()", "parameters": {}, "model": "core"},
        }});
        let src = generate(
            &[ModelSource {
                model: "purchase.order".into(),
                fields: Arc::default(),
                doc: Some(doc),
            }],
            "19.0",
        );
        assert!(src.contains("/// Approve the order."), "{src}");
        assert!(src.contains("pub async fn button_approve(client: &zenoo_rpc::Client, ids: &[i64], force: Option<zenoo_rpc::value::Json>)"), "{src}");
        assert!(src.contains("if let Some(v) = force {"), "{src}");
        assert!(src.contains("pub async fn action_create(client: &zenoo_rpc::Client, vals: impl Into<zenoo_rpc::value::Json>, r#type: impl Into<zenoo_rpc::value::Json>)"), "{src}");
        assert!(
            src.contains("kwargs.insert(\"type\".into(), r#type.into());"),
            "{src}"
        );
        assert!(
            src.contains("let args = Vec::new();"),
            "model-level: no ids\n{src}"
        );
        assert!(!src.contains("fn write("), "ORM methods are the client's");
        assert!(
            !src.contains("fn action_archive("),
            "core methods are the client's"
        );
    }
}
