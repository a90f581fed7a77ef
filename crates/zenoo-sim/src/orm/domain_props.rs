//! Property tests (unit tests of the ORM): random domains over the built-in dataset never panic,
//! and logically equivalent domains select the same records.

use crate::OdooVersion;
use crate::orm::{Database, Env};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn db() -> Database {
    crate::dataset::demo("demo", OdooVersion::V18, 0)
}

fn env() -> Env {
    Env::new(2, Map::new())
}

/// Leaves over res.partner fields of every type, with Odoo's operators.
fn leaf() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        Just("name"),
        Just("email"),
        Just("is_company"),
        Just("active"),
        Just("type"),
        Just("city"),
        Just("country_id"),
        Just("parent_id"),
        Just("category_id"),
        Just("child_ids"),
        Just("credit_limit"),
        Just("id"),
        Just("country_id.code"),
        Just("parent_id.name"),
        Just("write_date"),
    ];
    let op = prop_oneof![
        Just("="),
        Just("!="),
        Just("<"),
        Just("<="),
        Just(">"),
        Just(">="),
        Just("=?"),
        Just("like"),
        Just("not like"),
        Just("ilike"),
        Just("not ilike"),
        Just("=like"),
        Just("=ilike"),
        Just("in"),
        Just("not in"),
        Just("child_of"),
        Just("parent_of"),
    ];
    let value = prop_oneof![
        Just(json!(false)),
        Just(json!(true)),
        Just(json!(null)),
        (0i64..40).prop_map(Value::from),
        Just(json!("")),
        Just(json!("a")),
        Just(json!("Copper%")),
        Just(json!("_o")),
        Just(json!("BE")),
        Just(json!([10, 11])),
        Just(json!([])),
        Just(json!([false, 13])),
        Just(json!(["Alpenrose Dairy"])),
        Just(json!(2500.5)),
        Just(json!("2026-01-01")),
    ];
    (field, op, value).prop_map(|(f, o, v)| json!([f, o, v]))
}

/// A domain tree, rendered to prefix notation.
#[derive(Debug, Clone)]
enum Tree {
    Leaf(Value),
    And(Box<Tree>, Box<Tree>),
    Or(Box<Tree>, Box<Tree>),
    Not(Box<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    leaf()
        .prop_map(Tree::Leaf)
        .prop_recursive(4, 16, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Tree::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Tree::Or(Box::new(a), Box::new(b))),
                inner.prop_map(|a| Tree::Not(Box::new(a))),
            ]
        })
}

fn prefix(t: &Tree, out: &mut Vec<Value>) {
    match t {
        Tree::Leaf(l) => out.push(l.clone()),
        Tree::And(a, b) => {
            out.push(json!("&"));
            prefix(a, out);
            prefix(b, out);
        }
        Tree::Or(a, b) => {
            out.push(json!("|"));
            prefix(a, out);
            prefix(b, out);
        }
        Tree::Not(a) => {
            out.push(json!("!"));
            prefix(a, out);
        }
    }
}

fn domain(t: &Tree) -> Value {
    let mut out = Vec::new();
    prefix(t, &mut out);
    Value::Array(out)
}

fn ids_in(db: &Database, d: &Value, env: &Env) -> Result<Vec<i64>, String> {
    db.search("res.partner", d, 0, None, Some("id"), env)
        .map_err(|e| format!("{}: {}", e.name, e.message))
}

fn ids(db: &Database, d: &Value) -> Result<Vec<i64>, String> {
    ids_in(db, d, &env())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_domains_never_panic(t in tree(), junk in prop::collection::vec(any::<i8>(), 0..3)) {
        let db = db();
        let _ = ids(&db, &domain(&t));
        // Malformed shapes are errors, never panics.
        let mut broken = domain(&t).as_array().cloned().unwrap_or_default();
        for j in junk {
            broken.insert(0, if j % 2 == 0 { json!("|") } else { json!([j]) });
        }
        let _ = ids(&db, &Value::Array(broken));
    }

    #[test]
    fn de_morgan_holds(a in tree(), b in tree()) {
        let db = db();
        let not_and = domain(&Tree::Not(Box::new(Tree::And(Box::new(a.clone()), Box::new(b.clone())))));
        let or_not = domain(&Tree::Or(Box::new(Tree::Not(Box::new(a.clone()))), Box::new(Tree::Not(Box::new(b.clone())))));
        prop_assert_eq!(ids(&db, &not_and), ids(&db, &or_not));
        let not_or = domain(&Tree::Not(Box::new(Tree::Or(Box::new(a.clone()), Box::new(b.clone())))));
        let and_not = domain(&Tree::And(Box::new(Tree::Not(Box::new(a))), Box::new(Tree::Not(Box::new(b)))));
        prop_assert_eq!(ids(&db, &not_or), ids(&db, &and_not));
    }

    #[test]
    fn double_negation_and_implicit_and(a in tree(), b in tree()) {
        let db = db();
        prop_assert_eq!(ids(&db, &domain(&Tree::Not(Box::new(Tree::Not(Box::new(a.clone())))))), ids(&db, &domain(&a)));
        let explicit = domain(&Tree::And(Box::new(a.clone()), Box::new(b.clone())));
        let mut implicit = domain(&a).as_array().cloned().unwrap_or_default();
        implicit.extend(domain(&b).as_array().cloned().unwrap_or_default());
        prop_assert_eq!(ids(&db, &explicit), ids(&db, &Value::Array(implicit)));
    }

    #[test]
    fn a_negative_operator_is_the_complement(l in leaf()) {
        // For every leaf, `!leaf` and the leaf partition the records
        // (archived ones included, since a leaf on `active` disables the filter).
        let db = db();
        let env = env().with_active_test(false);
        let (Ok(pos), Ok(neg)) = (ids_in(&db, &json!([l.clone()]), &env), ids_in(&db, &json!(["!", l]), &env)) else { return Ok(()); };
        let all = ids_in(&db, &json!([]), &env).unwrap_or_default();
        let mut union: Vec<i64> = pos.iter().chain(neg.iter()).copied().collect();
        union.sort_unstable();
        prop_assert!(pos.iter().all(|p| !neg.contains(p)));
        prop_assert_eq!(union, all);
    }
}
