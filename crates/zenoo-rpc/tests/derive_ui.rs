//! The derives refuse what they cannot honour, with a message at the
//! offending token (pinned in `tests/ui/*.stderr`), and accept raw
//! identifiers.

use zenoo_rpc::{Model, Selection};

#[derive(Model, Debug)]
#[odoo(model = "ir.model.fields")]
#[allow(dead_code)]
struct Raw {
    id: i64,
    r#type: String,
    #[odoo(lazy)]
    r#ref: Option<String>,
}

#[derive(Selection, Debug, PartialEq)]
enum Kind {
    r#Type,
    #[odoo(value = "many2one")]
    ManyToOne,
}

#[test]
fn raw_identifiers_name_their_odoo_fields() {
    assert_eq!(Raw::FIELDS, &["id", "type"]);
    assert_eq!(Raw::r#type().name(), "type");
    assert_eq!(Raw::r#ref().name(), "ref");
    assert_eq!("type".parse::<Kind>(), Ok(Kind::r#Type));
    assert_eq!(Kind::ManyToOne.as_str(), "many2one");
    let e = "x2".parse::<Kind>().expect_err("not a value");
    assert_eq!(e.value(), "x2");
    assert!(e.to_string().contains("\"type\", \"many2one\""), "{e}");
}

#[test]
fn rejected_forms() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
