//! `/xmlrpc/2/<service>` and legacy `/xmlrpc/<service>`, with Odoo's fault
//! codes and marshalling rules.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::Response;
use axum::routing::any;
use serde_json::Value;

use super::response::raw;
use super::state::Shared;
use super::{Incoming, jsonrpc};

use crate::error::OdooException;

/// `/xmlrpc/2/<service>`, and the legacy `/xmlrpc/<service>` whose faults
/// carry only the message.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/xmlrpc/2/{service}",
            any(
                |State(shared): State<Shared>, Path(service): Path<String>, req: Incoming| async move {
                    route(&shared, &req, &service, false)
                },
            ),
        )
        .route(
            "/xmlrpc/{service}",
            any(
                |State(shared): State<Shared>, Path(service): Path<String>, req: Incoming| async move {
                    route(&shared, &req, &service, true)
                },
            ),
        )
}

fn route(shared: &Shared, req: &Incoming, service: &str, legacy: bool) -> Response<Body> {
    let text = String::from_utf8_lossy(&req.body);
    let xml = |s: String| raw(200, "text/xml; charset=utf-8", s);
    let (method, params) = match parse_call(&text) {
        Ok(c) => c,
        Err(e) => return xml(fault_xml(Value::from(1), &e.traceback())),
    };
    shared.log(jsonrpc::logged(&req.path, service, &method, &params));
    let writes = jsonrpc::changes_data(shared.version, service, &method, &params);
    let mut state = shared.lock(writes);
    let result = jsonrpc::dispatch(&mut state, service, &method, &params, req.ip, req.snapshot);
    let _held = shared.release(state);
    match result {
        Ok(result) => xml(response_xml(result)),
        Err(e) if legacy => xml(legacy_fault_for(&e)),
        Err(e) => xml(fault_for(&e)),
    }
}

/// Marshals JSON as Python's `xmlrpc.client` does with `allow_none=False`,
/// byte for byte: one element per line, `<int>` for ints, `<string>` for
/// text, `repr()` for floats.
pub fn marshal(v: &Value, out: &mut String) -> Result<(), &'static str> {
    match v {
        Value::Null => return Err("cannot marshal None unless allow_none is enabled"),
        Value::Bool(b) => {
            out.push_str(if *b {
                "<value><boolean>1</boolean></value>\n"
            } else {
                "<value><boolean>0</boolean></value>\n"
            });
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if i32::try_from(i).is_err() {
                    return Err("int exceeds XML-RPC limits");
                }
                out.push_str(&format!("<value><int>{i}</int></value>\n"));
            } else {
                out.push_str(&format!(
                    "<value><double>{}</double></value>\n",
                    python_float(n.as_f64().unwrap_or(0.0))
                ));
            }
        }
        Value::String(s) => {
            out.push_str("<value><string>");
            out.push_str(&escape(&strip_control(s)));
            out.push_str("</string></value>\n");
        }
        Value::Array(a) => {
            out.push_str("<value><array><data>\n");
            for x in a {
                marshal(x, out)?;
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Object(m) => {
            out.push_str("<value><struct>\n");
            for (k, x) in m {
                out.push_str("<member>\n<name>");
                out.push_str(&escape(k));
                out.push_str("</name>\n");
                marshal(x, out)?;
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
    }
    Ok(())
}

/// Python's `repr(float)`: the shortest text that reads back, with `.0`
/// on whole numbers below 1e16.
fn python_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

fn strip_control(s: &str) -> String {
    s.chars()
        .filter(|c| !('\0'..' ').contains(c) || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// How deeply elements may nest in a call: 100 levels of arrays or structs
/// (three elements each: `value`, `array`, `data`) under `methodCall`,
/// `params` and `param`, and the innermost value with its type. The reader does not recurse, but what takes the
/// params (Python reprs, the answer's marshalling) walks them: deeper
/// bodies get Python's RecursionError as a fault.
const MAX_ELEMENT_DEPTH: usize = 3 * 100 + 5;

/// Whether elements in `body` nest deeper than `limit`, whatever their
/// names (`<a:array>` counts as much as `<array>`), counted in one pass
/// without recursion. A body that is not well-formed stops the count: the
/// parser then says where it is broken.
fn nests_deeper_than(body: &str, limit: usize) -> bool {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(body);
    reader.config_mut().check_end_names = false;
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Parses a method call.
pub fn parse_call(body: &str) -> Result<(String, Vec<Value>), OdooException> {
    if nests_deeper_than(body, MAX_ELEMENT_DEPTH) {
        return Err(OdooException::new(
            "builtins.RecursionError",
            "maximum recursion depth exceeded while decoding the call".to_string(),
        ));
    }
    super::method_call::parse(body).map_err(|_| match super::expat::error(body) {
        // Not well-formed: expat's message and position.
        Some(message) => OdooException::new("xml.parsers.expat.ExpatError", message),
        // Well-formed, but not a method call xmlrpc.client can read.
        None => OdooException::new("xmlrpc.client.ResponseError", "ResponseError()"),
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A fault response with an integer or string code.
pub fn fault_xml(code: Value, message: &str) -> String {
    let code = match code {
        Value::Number(n) => format!("<int>{n}</int>"),
        Value::String(s) => format!("<string>{}</string>", escape(&s)),
        _ => "<int>1</int>".to_string(),
    };
    format!(
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value>{code}</value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>{}</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n",
        escape(&strip_control(message))
    )
}

/// The fault for an exception on `/xmlrpc/2` (numeric codes).
pub fn fault_for(e: &OdooException) -> String {
    let short = e.name.rsplit('.').next().unwrap_or("");
    let (code, msg) = match short {
        "RedirectWarning" => (2, e.message.clone()),
        "AccessError" => (4, e.message.clone()),
        "AccessDenied" => (3, "Access Denied".to_string()),
        "UserError" | "MissingError" | "ValidationError" => (2, e.message.clone()),
        _ => (1, e.traceback()),
    };
    fault_xml(Value::from(code), &msg)
}

/// The fault for an exception on legacy `/xmlrpc` (string codes).
pub fn legacy_fault_for(e: &OdooException) -> String {
    let short = e.name.rsplit('.').next().unwrap_or("");
    match short {
        "RedirectWarning" => fault_xml(
            Value::from(format!("warning -- Warning\n\n{}", e.message)),
            "",
        ),
        "MissingError" | "AccessError" | "UserError" | "ValidationError" => {
            let kind = if short == "ValidationError" {
                "UserError"
            } else {
                short
            };
            fault_xml(
                Value::from(format!("warning -- {kind}\n\n{}", e.message)),
                "",
            )
        }
        "AccessDenied" => fault_xml(Value::from("AccessDenied"), &e.message),
        _ => fault_xml(Value::from(e.message.clone()), &e.traceback()),
    }
}

/// A success response, or fault 1 when the value cannot be marshalled.
pub fn response_xml(result: Option<Value>) -> String {
    let value = result.unwrap_or(Value::Null);
    let mut body = String::from("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n");
    match marshal(&value, &mut body) {
        Ok(()) => {
            body.push_str("</param>\n</params>\n</methodResponse>\n");
            body
        }
        Err(msg) => {
            let kind = if msg.starts_with("int") {
                "OverflowError"
            } else {
                "TypeError"
            };
            fault_xml(
                Value::from(1),
                &format!(
                    "Traceback (most recent call last):\n  File \"xmlrpc/client.py\", in dump\n{kind}: {msg}\n"
                ),
            )
        }
    }
}
