//! `zenoo import` and `zenoo export` against a simulator of the test's own.

use std::io::Write;

use serde_json::{Value, json};

mod common;
use common::{Fixture, stderr};

#[test]
fn ten_thousand_rows_with_three_bad_ones() {
    let fx = Fixture::new();
    let file = fx.path("partners.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file).expect("file"));
        writeln!(w, "name,is_company,credit_limit,country_id/id,type").expect("write");
        for i in 0..10_000 {
            let limit = if i == 17 {
                "seven".to_string()
            } else {
                (i % 10).to_string()
            };
            let country = if i == 5000 { "base.nowhere" } else { "base.be" };
            let kind = if i == 9001 { "bogus" } else { "contact" };
            writeln!(w, "Imported {i},{},{limit},{country},{kind}", i % 2 == 1).expect("write");
        }
    }
    // A dry run converts and resolves, and creates nothing.
    let out = fx.zenoo("demo", &["import", "res.partner", &file, "--dry-run"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("9998 of 10000 rows would be imported, 2 rejected"),
        "{}",
        stderr(&out)
    );
    assert!(
        fx.read(
            "demo",
            "res.partner",
            json!([["name", "=like", "Imported %"]]),
            &["id"]
        )
        .is_empty()
    );

    let out = fx.zenoo("demo", &["import", "res.partner", &file, "--chunk", "500"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("9997 of 10000 rows imported, 3 rejected"),
        "{text}"
    );
    let made = fx.read(
        "demo",
        "res.partner",
        json!([["name", "=like", "Imported %"]]),
        &["name", "country_id", "credit_limit", "is_company"],
    );
    assert_eq!(made.len(), 9_997);
    // Each good row once, none of the bad ones.
    let names: std::collections::BTreeSet<&str> =
        made.iter().filter_map(|r| r["name"].as_str()).collect();
    let good: Vec<String> = (0..10_000)
        .filter(|i| ![17, 5000, 9001].contains(i))
        .map(|i| format!("Imported {i}"))
        .collect();
    assert_eq!(names.len(), 9_997, "no row was created twice");
    assert!(good.iter().all(|n| names.contains(n.as_str())));
    let r3 = made
        .iter()
        .find(|r| r["name"] == "Imported 3")
        .expect("row 3");
    assert_eq!(
        (r3["credit_limit"].as_f64(), &r3["is_company"]),
        (Some(3.0), &json!(true))
    );
    assert_eq!(r3["country_id"][0], 1, "base.be resolved");

    let rejects = std::fs::read_to_string(fx.path("partners.rejects.csv")).expect("reject file");
    let mut reader = csv::Reader::from_reader(rejects.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3, "{rejects}");
    let line_and_error: Vec<(&str, &str)> = rows.iter().map(|r| (&r[0], &r[1])).collect();
    assert_eq!(line_and_error[0].0, "19");
    assert!(line_and_error[0].1.contains("\"seven\" is not a number"));
    assert_eq!(line_and_error[1].0, "5002");
    assert!(line_and_error[1].1.contains("base.nowhere"));
    assert_eq!(line_and_error[2].0, "9003");
    assert!(
        line_and_error[2]
            .1
            .contains("Wrong value for res.partner.type: 'bogus'"),
        "{rejects}"
    );
    // The rows themselves, ready to fix and import again.
    assert_eq!(&rows[2][2], "Imported 9001");
}

#[test]
fn bad_files_and_columns_are_named() {
    let fx = Fixture::new();
    let file = fx.path("bad.csv");
    std::fs::write(&file, "name,nonsense\nA,1\n").expect("file");
    let out = fx.zenoo("demo", &["import", "res.partner", &file]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(
        text.contains("column 2") && text.contains("\"nonsense\" is not a field of res.partner"),
        "{text}"
    );
    let out = fx.zenoo("demo", &["import", "res.partner", &fx.path("rows.txt")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--format"), "{}", stderr(&out));
    std::fs::write(fx.path("one2many.csv"), "name,child_ids\nA,1\n").expect("file");
    let out = fx.zenoo("demo", &["import", "res.partner", &fx.path("one2many.csv")]);
    assert!(
        stderr(&out).contains("child_ids is a one2many"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_export_imports_into_another_database() {
    let fx = Fixture::new();
    fx.sim
        .create_database("copy", true)
        .expect("second database");
    let csv_file = fx.path("companies.csv");
    let out = fx.zenoo(
        "demo",
        &[
            "export",
            "res.partner",
            "--where",
            "is_company = true",
            "--fields",
            "name,country_id,is_company,credit_limit",
            "--out",
            &csv_file,
            "--batch",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let companies = fx.read(
        "demo",
        "res.partner",
        json!([["is_company", "=", true]]),
        &["name", "country_id"],
    );
    assert!(
        stderr(&out).contains(&format!("{} records exported", companies.len())),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&csv_file).expect("csv");
    assert_eq!(
        text.lines().next(),
        Some("id,name,country_id,is_company,credit_limit")
    );
    assert_eq!(text.lines().count(), companies.len() + 1);

    let before = fx
        .read(
            "copy",
            "res.partner",
            json!([["is_company", "=", true]]),
            &["id"],
        )
        .len();
    let out = fx.zenoo("copy", &["import", "res.partner", &csv_file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("the id column was ignored"));
    let copied = fx.read(
        "copy",
        "res.partner",
        json!([["is_company", "=", true]]),
        &["name", "country_id"],
    );
    assert_eq!(copied.len(), before + companies.len());
    let last: Vec<&Value> = copied.iter().rev().take(companies.len()).collect();
    for (a, b) in companies.iter().rev().zip(last) {
        assert_eq!(
            (&a["name"], &a["country_id"][0]),
            (&b["name"], &b["country_id"][0])
        );
    }

    // JSON Lines keeps Odoo's values, one record per line.
    let out = fx.zenoo(
        "demo",
        &[
            "export",
            "res.partner",
            "--fields",
            "name,country_id",
            "--format",
            "jsonl",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let all = fx.read("demo", "res.partner", json!([]), &["name", "country_id"]);
    assert_eq!(lines.len(), all.len());
    assert_eq!(lines[0]["country_id"], all[0]["country_id"]);
}

#[test]
fn json_lines_resolve_external_ids_and_reject_bad_lines() {
    let fx = Fixture::new();
    let file = fx.path("rows.jsonl");
    std::fs::write(
        &file,
        concat!(
            "{\"name\": \"J1\", \"country_id/id\": \"base.be\", \"category_id\": [1]}\n",
            "{\"name\": \"J2\", \"bogus\": 1}\n",
            "not json\n",
            "\n",
            "{\"name\": \"J3\", \"country_id\": [1, \"Belgium\"]}\n",
        ),
    )
    .expect("file");
    let out = fx.zenoo(
        "demo",
        &[
            "import",
            "res.partner",
            &file,
            "--reject",
            &fx.path("bad.jsonl"),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let made = fx.read(
        "demo",
        "res.partner",
        json!([["name", "in", ["J1", "J3"]]]),
        &["country_id", "category_id"],
    );
    assert_eq!(made.len(), 2);
    assert!(made.iter().all(|r| r["country_id"][0] == 1));
    assert_eq!(made[0]["category_id"], json!([1]));
    let rejects: Vec<Value> = std::fs::read_to_string(fx.path("bad.jsonl"))
        .expect("rejects")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(rejects.len(), 2);
    assert_eq!(
        (rejects[0]["line"].as_u64(), rejects[1]["line"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(rejects[0]["row"]["name"], "J2");
}
