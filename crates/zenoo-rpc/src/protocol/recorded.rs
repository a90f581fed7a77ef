//! Every response recorded from real Odoo 18 and 19 (`../shared/odoo/cases`)
//! through the client's decoders: values come out as recorded, errors with
//! the right kind, name, message and code.

use std::path::PathBuf;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::{Error, OdooErrorKind};
use crate::transport::http::HttpReply as Reply;

/// The kind each Python class (or message, for an unknown model or field)
/// must map to, written out independently of `OdooError::kind`.
fn expected_kind(name: &str, message: &str) -> OdooErrorKind {
    let words: Vec<&str> = message.split(' ').collect();
    match words.as_slice() {
        ["Object", _, "doesn't", "exist"] | ["the", "model", _, "does", "not", "exist"] => {
            return OdooErrorKind::UnknownModel;
        }
        ["Invalid", "field", ..] => return OdooErrorKind::UnknownField,
        _ => {}
    }
    match name {
        "odoo.exceptions.AccessDenied" => OdooErrorKind::AccessDenied,
        "odoo.exceptions.AccessError" => OdooErrorKind::AccessError,
        "odoo.exceptions.UserError" => OdooErrorKind::UserError,
        "odoo.exceptions.ValidationError" => OdooErrorKind::ValidationError,
        "odoo.exceptions.MissingError" => OdooErrorKind::MissingError,
        "odoo.exceptions.RedirectWarning" => OdooErrorKind::RedirectWarning,
        "odoo.http.SessionExpiredException" => OdooErrorKind::SessionExpired,
        "werkzeug.exceptions.NotFound" => OdooErrorKind::NotFound,
        _ => OdooErrorKind::ServerError,
    }
}

fn reply(response: &Value) -> Reply {
    let body = match &response["body"] {
        Value::String(s) => s.clone().into_bytes(),
        v => serde_json::to_vec(v).unwrap_or_default(),
    };
    let media_type = response["headers"]["Content-Type"]
        .as_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .to_string();
    Reply {
        status: response["status"].as_u64().unwrap_or(0) as u16,
        media_type,
        headers: HeaderMap::new(),
        body: Bytes::from(body),
        url: "http://recorded".into(),
    }
}

fn xml_field<'a>(text: &'a str, name: &str) -> &'a str {
    let after = text
        .split(&format!("<name>{name}</name>"))
        .nth(1)
        .unwrap_or("");
    let inner = after.split("</value>").next().unwrap_or("");
    inner
        .trim_start_matches(|c: char| c.is_whitespace())
        .trim_start_matches("<value>")
}

fn xml_text(v: &str) -> String {
    let s = v
        .trim_start_matches("<string>")
        .trim_start_matches("<int>")
        .trim_start_matches("<i4>");
    let s = s.split("</").next().unwrap_or("");
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn check_case(case: &Value) -> Result<(), String> {
    let path = case["request"]["path"].as_str().unwrap_or("");
    let resp = &case["response"];
    let r = reply(resp);
    let body = &resp["body"];
    if r.media_type == "text/xml" {
        let text = body.as_str().unwrap_or("");
        let got = super::xmlrpc::decode(r, "case".into()).and_then(|r| r.decode::<Value>());
        if !text.contains("<fault>") {
            return match got {
                Ok(v) if !v.is_null() => Ok(()),
                other => Err(format!("expected a value, got {other:?}")),
            };
        }
        let code = xml_text(xml_field(text, "faultCode"));
        let string = xml_text(xml_field(text, "faultString"));
        let Some(e) = got.as_ref().err().and_then(Error::odoo) else {
            return Err(format!("expected an Odoo error, got {got:?}"));
        };
        let want = match code.as_str() {
            "1" => {
                let last = string.trim_end().lines().last().unwrap_or("");
                let cls = last.split(": ").next().unwrap_or("");
                if !e.name.ends_with(cls) {
                    return Err(format!("fault 1 class {cls:?} but name {:?}", e.name));
                }
                OdooErrorKind::ServerError
            }
            "2" if string.starts_with("Record does not exist") => OdooErrorKind::MissingError,
            "2" => OdooErrorKind::UserError,
            "3" => OdooErrorKind::AccessDenied,
            "4" => OdooErrorKind::AccessError,
            legacy if legacy.starts_with("warning -- AccessError") => OdooErrorKind::AccessError,
            other => return Err(format!("unexpected fault code {other:?}")),
        };
        // An unknown model or field is one kind whatever the fault code.
        let last = string.trim_end().lines().last().unwrap_or("");
        let said = last.split_once(": ").map_or(last, |(_, m)| m);
        let want = match (expected_kind("", last), expected_kind("", said)) {
            (k @ (OdooErrorKind::UnknownModel | OdooErrorKind::UnknownField), _)
            | (_, k @ (OdooErrorKind::UnknownModel | OdooErrorKind::UnknownField)) => k,
            _ => want,
        };
        if e.kind() != want {
            return Err(format!("fault {code}: kind {:?}, want {want:?}", e.kind()));
        }
        if code != "1" && !e.message.is_empty() && !string.is_empty() && e.message != string {
            return Err(format!("message {:?}, want {string:?}", e.message));
        }
        return Ok(());
    }
    let json_rpc = body.get("jsonrpc").is_some();
    let status = r.status;
    let got: crate::error::Result<Value> = if json_rpc
        || (r.status != 200 && !path.starts_with("/json/2") && !path.starts_with("/doc-bearer"))
    {
        super::jsonrpc::decode(r, "case".into()).and_then(|r| r.decode())
    } else {
        super::json2::decode(r, "case".into()).and_then(|r| r.decode())
    };
    let (want_error, code) = if json_rpc {
        (
            body.get("error").and_then(|e| e.get("data")).cloned(),
            body["error"]["code"].as_i64().unwrap_or(0),
        )
    } else if status != 200 && body.get("name").is_some() {
        (Some(body.clone()), i64::from(status))
    } else {
        (None, 0)
    };
    match (want_error, got) {
        (Some(data), Err(err)) if err.odoo().is_some() => {
            let Some(e) = err.odoo() else {
                return Err("unreachable".into());
            };
            let name = data["name"].as_str().unwrap_or("");
            if e.name != name
                || e.message != data["message"].as_str().unwrap_or("")
                || e.code != code
            {
                return Err(format!(
                    "got {e:?}, want name {name:?} code {code} message {:?}",
                    data["message"]
                ));
            }
            let want = expected_kind(name, data["message"].as_str().unwrap_or(""));
            if e.kind() != want {
                return Err(format!("{name}: kind {:?}, want {want:?}", e.kind()));
            }
            Ok(())
        }
        (None, Ok(v)) if status == 200 => {
            let want = if json_rpc {
                body.get("result").cloned().unwrap_or(Value::Null)
            } else {
                body.clone()
            };
            if v == want {
                Ok(())
            } else {
                Err("value differs from the recorded result".into())
            }
        }
        (None, Err(e)) if e.status_code() == Some(status) => Ok(()),
        (w, got) => Err(format!("want error {w:?}, got {got:?}")),
    }
}

#[test]
fn every_recorded_response_maps_to_the_right_value_or_error() {
    let dir = match zenoo_sim::shared_data::shared_dir() {
        Ok(d) => d.join("odoo/cases"),
        Err(e) => {
            println!("skipped every_recorded_response_maps_to_the_right_value_or_error: {e}");
            return;
        }
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for set in ["odoo18", "odoo19"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(set))
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let Ok(case) = serde_json::from_str::<Value>(line) else {
                    failures.push(format!("{}: unparsable line", file.display()));
                    continue;
                };
                checked += 1;
                if let Err(why) = check_case(&case) {
                    failures.push(format!(
                        "{set}/{}: {why}",
                        case["id"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
    }
    assert!(checked > 400, "only {checked} cases found");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases mis-mapped:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
