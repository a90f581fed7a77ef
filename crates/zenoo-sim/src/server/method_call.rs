//! An XML-RPC `<methodCall>` read into its method name and JSON params in
//! one pass over quick-xml's events, with an explicit stack: any nesting is
//! read without recursion (a recursive reader overflowed a 256 KiB stack at
//! 20 levels in a debug build). It reads what Python's `xmlrpc.client`
//! reads: element names without their namespace prefix, an untyped
//! `<value>` as a string, `<nil/>`, `i4`/`i8`/`int`, `boolean` as `0`/`1`,
//! `dateTime.iso8601` as `YYYYMMDDTHH:MM:SS`, `base64`.

use base64::Engine;
use quick_xml::events::Event;
use serde_json::{Map, Number, Value};

/// Why a body is not a method call; the caller words it as Odoo does.
#[derive(Debug)]
pub struct Malformed;

/// A container being filled.
enum Open {
    Array(Vec<Value>),
    /// A struct and the name of the member being read.
    Struct(Map<String, Value>, Option<String>),
}

/// The scalar types, by their element's local name.
fn is_scalar(tag: &str) -> bool {
    matches!(
        tag,
        "int" | "i4" | "i8" | "boolean" | "string" | "double" | "dateTime.iso8601" | "base64"
    )
}

/// A scalar's text as the JSON value the handlers take.
fn scalar(tag: &str, text: &str) -> Result<Value, Malformed> {
    Ok(match tag {
        "int" | "i4" | "i8" => Value::from(text.trim().parse::<i64>().map_err(|_| Malformed)?),
        "boolean" => match text.trim() {
            "0" => Value::Bool(false),
            "1" => Value::Bool(true),
            _ => return Err(Malformed),
        },
        "double" => {
            let f: f64 = text.trim().parse().map_err(|_| Malformed)?;
            Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        "dateTime.iso8601" => {
            let at = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y%m%dT%H:%M:%S")
                .map_err(|_| Malformed)?;
            Value::from(at.format("%Y-%m-%d %H:%M:%S").to_string())
        }
        "base64" => {
            let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|_| Malformed)?;
            Value::from(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        _ => Value::from(text),
    })
}

/// The method name and params of `body`.
pub fn parse(body: &str) -> Result<(String, Vec<Value>), Malformed> {
    let mut reader = quick_xml::Reader::from_str(body);
    reader.config_mut().check_end_names = true;
    let mut name: Option<String> = None;
    let mut params: Vec<Value> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    // Text since the last tag, and what the current `<value>` holds.
    let mut text = String::new();
    let mut done: Option<Value> = None;
    let mut in_value = 0usize;
    loop {
        let event = reader.read_event().map_err(|_| Malformed)?;
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                let tag = std::str::from_utf8(local.as_ref()).map_err(|_| Malformed)?;
                match tag {
                    "value" => {
                        in_value += 1;
                        done = None;
                    }
                    "array" => open.push(Open::Array(Vec::new())),
                    "struct" => open.push(Open::Struct(Map::new(), None)),
                    _ => {}
                }
                text.clear();
            }
            Event::Empty(e) => {
                let local = e.local_name();
                let tag = std::str::from_utf8(local.as_ref()).map_err(|_| Malformed)?;
                match tag {
                    "nil" => done = Some(Value::Null),
                    "array" => done = Some(Value::Array(Vec::new())),
                    "struct" => done = Some(Value::Object(Map::new())),
                    "value" => place(&mut open, &mut params, Value::from(""))?,
                    t if is_scalar(t) => done = Some(scalar(t, "")?),
                    _ => {}
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.unescape().map_err(|_| Malformed)?),
            Event::CData(t) => {
                text.push_str(std::str::from_utf8(&t.into_inner()).map_err(|_| Malformed)?)
            }
            Event::End(e) => {
                let local = e.local_name();
                let tag = std::str::from_utf8(local.as_ref()).map_err(|_| Malformed)?;
                match tag {
                    "methodName" => name = Some(std::mem::take(&mut text)),
                    "name" => {
                        if let Some(Open::Struct(_, member)) = open.last_mut() {
                            *member = Some(std::mem::take(&mut text));
                        }
                    }
                    "array" => match open.pop() {
                        Some(Open::Array(items)) => done = Some(Value::Array(items)),
                        _ => return Err(Malformed),
                    },
                    "struct" => match open.pop() {
                        Some(Open::Struct(map, _)) => done = Some(Value::Object(map)),
                        _ => return Err(Malformed),
                    },
                    "value" => {
                        in_value = in_value.checked_sub(1).ok_or(Malformed)?;
                        // An untyped value is its text, as a string.
                        let v = match done.take() {
                            Some(v) => v,
                            None => Value::from(std::mem::take(&mut text)),
                        };
                        place(&mut open, &mut params, v)?;
                    }
                    t if is_scalar(t) && in_value > 0 => {
                        done = Some(scalar(t, &std::mem::take(&mut text))?);
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !open.is_empty() || in_value != 0 {
        return Err(Malformed);
    }
    Ok((name.ok_or(Malformed)?, params))
}

/// Puts a finished value into the container it belongs to, or among the
/// params at the top.
fn place(open: &mut [Open], params: &mut Vec<Value>, v: Value) -> Result<(), Malformed> {
    match open.last_mut() {
        Some(Open::Array(items)) => items.push(v),
        Some(Open::Struct(map, member)) => {
            let key = member.take().ok_or(Malformed)?;
            map.insert(key, v);
        }
        None => params.push(v),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_type_nested_and_prefixed() {
        let body = "<?xml version='1.0'?><methodCall><methodName>execute_kw</methodName><params>\
            <param><value><string>demo</string></value></param>\
            <param><value><int>2</int></value></param>\
            <param><value>bare text</value></param>\
            <param><value><array><data><value><i4>1</i4></value><value><boolean>1</boolean></value>\
            <value><double>1.5</double></value><value><nil/></value><value/></data></array></value></param>\
            <param><value><struct><member><name>a</name><value><dateTime.iso8601>20250102T03:04:05</dateTime.iso8601></value></member>\
            <member><name>b</name><value><base64>aGk=\n</base64></value></member></struct></value></param>\
            <param><x:value><x:array><x:data><x:value><x:i8>9</x:i8></x:value></x:data></x:array></x:value></param>\
            <param><value><string>&lt;&amp;&gt;</string></value></param>\
            </params></methodCall>";
        let (name, params) = parse(body).expect("a call");
        assert_eq!(name, "execute_kw");
        assert_eq!(
            Value::Array(params),
            json!(["demo", 2, "bare text", [1, true, 1.5, null, ""],
                   {"a": "2025-01-02 03:04:05", "b": "aGk="}, [9], "<&>"])
        );
    }

    #[test]
    fn a_hundred_thousand_levels_are_read_without_recursion() {
        let n = 100_000;
        let body = format!(
            "<methodCall><methodName>m</methodName><params><param>{}<value><int>1</int></value>{}</param></params></methodCall>",
            "<value><array><data>".repeat(n),
            "</data></array></value>".repeat(n)
        );
        // On a small stack: nothing here recurses (dropping the value is
        // serde_json's own, done iteratively below).
        let (_, mut params) = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || parse(&body).expect("a call"))
            .expect("thread")
            .join()
            .expect("no overflow");
        let mut at = params.pop();
        let mut levels = 0;
        while let Some(Value::Array(mut items)) = at {
            levels += 1;
            at = items.pop();
        }
        assert_eq!(levels, n);
    }

    #[test]
    fn broken_calls_are_refused() {
        for body in [
            "<methodCall><params></params></methodCall>",
            "<methodCall><methodName>m</methodName><params><param><value><int>x</int></value></param></params></methodCall>",
            "<methodCall><methodName>m</methodName><params><param><value><boolean>2</boolean></value></param></params></methodCall>",
            "<methodCall><methodName>m</methodName><params><param><value><array><data></value></param></params></methodCall>",
        ] {
            assert!(parse(body).is_err(), "{body}");
        }
    }
}
