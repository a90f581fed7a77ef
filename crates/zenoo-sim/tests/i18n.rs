//! Translatable fields read in the context's language, from the values
//! exported from real Odoo (`../shared/odoo/fixtures/*/i18n/fr_FR.json`).

use serde_json::{Value, json};
use zenoo_sim::{OdooVersion, Sim};

/// One JSON-RPC call to `/jsonrpc` with `params`; the whole answer.
async fn rpc(url: &str, params: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{url}/jsonrpc"))
        .json(&json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json")
}

/// `execute_kw` as admin on the database `db`; its result.
async fn call_in(
    url: &str,
    db: &str,
    model: &str,
    method: &str,
    args: Value,
    kwargs: Value,
) -> Value {
    let v = rpc(
        url,
        json!({"service": "object", "method": "execute_kw",
            "args": [db, 2, "admin", model, method, args, kwargs]}),
    )
    .await;
    v.get("result")
        .cloned()
        .unwrap_or_else(|| panic!("{model}.{method}: {v}"))
}

async fn call(url: &str, model: &str, method: &str, args: Value, kwargs: Value) -> Value {
    call_in(url, "demo", model, method, args, kwargs).await
}

#[tokio::test]
async fn translatable_fields_read_in_the_context_language() {
    let shared = match zenoo_sim::shared_data::shared_dir() {
        Ok(d) => d,
        Err(e) => {
            zenoo_sim::skip::missing(e);
            return;
        }
    };
    for (name, version) in [
        ("odoo18-demo", OdooVersion::V18),
        ("odoo19-demo", OdooVersion::V19),
    ] {
        let dir = shared.join("odoo/fixtures").join(name);
        let fr: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("i18n/fr_FR.json")).expect("fr_FR.json"),
        )
        .expect("json");
        let fr = &fr["fr_FR"];
        let sim = Sim::builder()
            .fixture(&dir)
            .version(version)
            .database("demo")
            .start()
            .await
            .expect("sim");
        let url = sim.url();
        let french = json!({"context": {"lang": "fr_FR"}});
        // Countries: every translated name, and English without a lang.
        let countries = fr["res.country"].as_object().expect("countries");
        let ids: Vec<i64> = countries
            .keys()
            .filter_map(|k| k.parse().ok())
            .take(20)
            .collect();
        let rows = call(
            &url,
            "res.country",
            "read",
            json!([ids, ["name"]]),
            french.clone(),
        )
        .await;
        for row in rows.as_array().expect("rows") {
            let id = row["id"].to_string();
            assert_eq!(row["name"], countries[&id]["name"], "{name}: country {id}");
        }
        let english = call(
            &url,
            "res.country",
            "read",
            json!([[ids[0]], ["name"]]),
            json!({}),
        )
        .await;
        assert_ne!(
            english[0]["name"],
            countries[&ids[0].to_string()]["name"],
            "{name}"
        );
        // Searching a translated field compares the context language's
        // value, as PostgreSQL's COALESCE(name->>'fr_FR', name->>'en_US')
        // does (checked on a real Odoo 18: Allemagne/Germany).
        let local = countries[&ids[0].to_string()]["name"]
            .as_str()
            .expect("name");
        let english_name = english[0]["name"].as_str().expect("name");
        let count = |name: &str, ctx: Value| {
            let url = url.clone();
            let name = name.to_string();
            async move {
                call(
                    &url,
                    "res.country",
                    "search_count",
                    json!([[["name", "=", name]]]),
                    ctx,
                )
                .await
            }
        };
        assert_eq!(
            count(local, french.clone()).await,
            1,
            "{name}: {local} in French"
        );
        assert_eq!(
            count(english_name, french.clone()).await,
            0,
            "{name}: {english_name} in French"
        );
        assert_eq!(
            count(english_name, json!({})).await,
            1,
            "{name}: {english_name} in English"
        );
        assert_eq!(
            count(local, json!({})).await,
            0,
            "{name}: {local} in English"
        );
        let all = call(
            &url,
            "res.country",
            "search_count",
            json!([[]]),
            french.clone(),
        )
        .await;
        let others = call(
            &url,
            "res.country",
            "search_count",
            json!([[["name", "!=", local]]]),
            french.clone(),
        )
        .await;
        assert_eq!(
            others.as_i64(),
            all.as_i64().map(|n| n - 1),
            "{name}: != in French"
        );
        // A many2one shows the translated display name of what it points to.
        let partners = call(
            &url,
            "res.partner",
            "search_read",
            json!([[["country_id", "!=", false]], ["country_id"]]),
            json!({"context": {"lang": "fr_FR"}, "limit": 5}),
        )
        .await;
        for p in partners.as_array().expect("partners") {
            let country = p["country_id"][0].to_string();
            if let Some(local) = countries.get(&country) {
                assert_eq!(p["country_id"][1], local["name"], "{name}: {p}");
            }
        }
        // Products: the name translated, the display name keeps its code.
        let products = fr["product.product"].as_object().expect("products");
        let (pid, local) = products
            .iter()
            .find(|(_, v)| v.get("name").is_some())
            .expect("a translated product");
        let pid: i64 = pid.parse().expect("id");
        let row = &call(
            &url,
            "product.product",
            "read",
            json!([[pid], ["name", "display_name", "default_code"]]),
            french.clone(),
        )
        .await[0];
        assert_eq!(row["name"], local["name"], "{name}: {row}");
        let display = row["display_name"].as_str().unwrap_or("");
        assert!(
            display.contains(local["name"].as_str().unwrap_or("?")),
            "{name}: {row}"
        );
        if let Some(code) = row["default_code"].as_str() {
            assert!(display.contains(code), "{name}: {row}");
        }
    }
}

#[tokio::test]
async fn translations_survive_a_dump_and_a_restore() {
    let shared = match zenoo_sim::shared_data::shared_dir() {
        Ok(d) => d,
        Err(e) => {
            zenoo_sim::skip::missing(e);
            return;
        }
    };
    let dir = shared.join("odoo/fixtures/odoo18-demo");
    let sim = Sim::builder()
        .fixture(&dir)
        .version(OdooVersion::V18)
        .database("demo")
        .start()
        .await
        .expect("sim");
    let url = sim.url();
    let dump = rpc(
        &url,
        json!({"service": "db", "method": "dump", "args": ["admin", "demo", "zip"]}),
    )
    .await;
    let data = dump["result"].as_str().expect("a dump").to_string();
    let restored = rpc(
        &url,
        json!({"service": "db", "method": "restore", "args": ["admin", "copy", data]}),
    )
    .await;
    assert!(restored.get("error").is_none(), "{restored}");
    let read = |database: &'static str| {
        let url = url.clone();
        async move {
            let rows = call_in(
                &url,
                database,
                "res.country",
                "search_read",
                json!([[["code", "=", "DE"]]]),
                json!({"fields": ["name"], "context": {"lang": "fr_FR"}}),
            )
            .await;
            rows[0]["name"].clone()
        }
    };
    let original = read("demo").await;
    assert_eq!(original, "Allemagne");
    assert_eq!(
        read("copy").await,
        original,
        "the restored copy reads in French too"
    );
}
