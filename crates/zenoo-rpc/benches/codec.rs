//! Encoding a request and decoding a 1,000-record `search_read` response:
//! into a typed struct vs into `serde_json::Value`.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[allow(dead_code)]
struct Partner {
    id: i64,
    name: String,
    #[serde(deserialize_with = "false_as_none")]
    email: Option<String>,
    is_company: bool,
    country_id: Value,
}

/// Odoo sends `false` for an empty char field.
fn false_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Text;
    impl serde::de::Visitor<'_> for Text {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or false")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Text)
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Envelope<T> {
    result: T,
}

fn response() -> Vec<u8> {
    let rows: Vec<Value> = (0..1000)
        .map(|i| json!({"id": i, "name": format!("Partner {i}"), "email": if i % 3 == 0 { json!(false) } else { json!(format!("p{i}@example.com")) }, "is_company": i % 2 == 0, "country_id": [i % 250, "Country"]}))
        .collect();
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 1, "result": rows})).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let body = response();
    let typed: Envelope<Vec<Partner>> =
        serde_json::from_slice(&body).expect("the bench payload decodes into Partner");
    assert_eq!(typed.result.len(), 1000);
    c.bench_function("encode search_read request", |b| {
        b.iter(|| {
            let req = json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method": "execute_kw",
                "args": ["demo", 2, "admin", "res.partner", "search_read", [[["is_company", "=", true]]], {"fields": ["name", "email"], "limit": 80}]}, "id": 1});
            serde_json::to_vec(&req).map(|v| v.len()).unwrap_or(0)
        })
    });
    c.bench_function("decode 1000 rows into struct", |b| {
        b.iter(|| {
            serde_json::from_slice::<Envelope<Vec<Partner>>>(&body)
                .map(|e| e.result.len())
                .unwrap_or(0)
        })
    });
    c.bench_function("decode 1000 rows into Value", |b| {
        b.iter(|| {
            serde_json::from_slice::<Value>(&body)
                .map(|v| v["result"].as_array().map_or(0, Vec::len))
                .unwrap_or(0)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
