//! Encoding a request, and decoding 10,000 `search_read` rows (a JSON-RPC
//! response body) into a `#[derive(Model)]` struct, into `DynamicRecord`s
//! and into `serde_json::Value`, with allocation counts.
//!
//! `cargo bench -p zenoo-rpc --bench decode`
#![allow(missing_docs)]

use divan::counter::{BytesCount, ItemsCount};
use divan::{AllocProfiler, Bencher, black_box};
use serde::Deserialize;
use serde_json::{Value, json};
use zenoo_rpc::{Datetime, DynamicRecord, Many2one, Model, X2many};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const ROWS: usize = 10_000;

#[derive(Model, Debug)]
#[odoo(model = "res.partner")]
#[allow(dead_code)]
struct Partner {
    id: i64,
    name: String,
    email: Option<String>,
    is_company: bool,
    country_id: Option<Many2one>,
    parent_id: Option<Many2one>,
    category_id: X2many,
    credit_limit: f64,
    write_date: Datetime,
}

#[derive(Deserialize)]
struct Envelope<T> {
    result: T,
}

/// A response as Odoo sends it: `false` for empty values, many2one pairs.
fn body() -> Vec<u8> {
    let rows: Vec<Value> = (0..ROWS)
        .map(|i| {
            json!({
                "id": i + 1,
                "name": format!("Partner {i:05}"),
                "email": if i % 3 == 0 { json!(false) } else { json!(format!("p{i}@example.com")) },
                "is_company": i % 10 == 0,
                "country_id": [i % 250 + 1, "Belgium"],
                "parent_id": if i % 10 == 0 { json!(false) } else { json!([i - i % 10 + 1, format!("Partner {:05}", i - i % 10)]) },
                "category_id": [1, 2],
                "credit_limit": (i % 100) as f64 * 10.5,
                "write_date": "2026-11-20 08:15:00",
            })
        })
        .collect();
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 1, "result": rows})).unwrap_or_default()
}

fn main() {
    let body = body();
    let check: Envelope<Vec<Partner>> =
        serde_json::from_slice(&body).expect("the bench payload decodes into Partner");
    assert_eq!(check.result.len(), ROWS);
    divan::main();
}

fn decode<T: for<'de> Deserialize<'de>>(bencher: Bencher) {
    let body = body();
    bencher
        .counter(ItemsCount::new(ROWS))
        .counter(BytesCount::new(body.len()))
        .bench(|| {
            serde_json::from_slice::<Envelope<T>>(black_box(&body))
                .map(|e| e.result)
                .ok()
        });
}

#[divan::bench(sample_count = 30)]
fn decode_10k_into_derived_struct(bencher: Bencher) {
    decode::<Vec<Partner>>(bencher);
}

#[divan::bench(sample_count = 30)]
fn decode_10k_into_dynamic_record(bencher: Bencher) {
    decode::<Vec<DynamicRecord>>(bencher);
}

#[divan::bench(sample_count = 30)]
fn decode_10k_into_value(bencher: Bencher) {
    decode::<Value>(bencher);
}

#[divan::bench]
fn encode_search_read_request() -> usize {
    let domain = zenoo_rpc::Q::eq("is_company", true) & zenoo_rpc::Q::ilike("name", "az");
    let req = json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method": "execute_kw",
        "args": ["demo", 2, "admin", "res.partner", "search_read", [black_box(&domain)], {"fields": Partner::FIELDS, "limit": 80}]}, "id": 1});
    serde_json::to_vec(&req).map(|v| v.len()).unwrap_or(0)
}
