//! XML-RPC over `POST /xmlrpc/2/<service>` with Odoo's marshalling quirks:
//! no nil in results, dates as strings, i4 limits, fault codes 1–4.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::{Credentials, Protocol, denied};
use crate::call::Call;
use crate::codec::xml_encode::{push_array, push_members, push_str, push_struct, push_value};
use crate::codec::xml_scan::{Scanner, Token};
use crate::error::{Error, OdooError, Result};
use crate::response::Response;
use crate::transport::http::{HttpReply, Transport};

/// The `<methodCall>` of `method`, whose `<param>`s `params` writes.
fn encode(method: &str, params: impl FnOnce(&mut String) -> Result<()>) -> Result<String> {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\"?>\n<methodCall><methodName>");
    out.push_str(method);
    out.push_str("</methodName><params>");
    params(&mut out)?;
    out.push_str("</params></methodCall>\n");
    Ok(out)
}

/// One `<param>`.
fn param(out: &mut String, write: impl FnOnce(&mut String) -> Result<()>) -> Result<()> {
    out.push_str("<param>");
    write(out)?;
    out.push_str("</param>");
    Ok(())
}

/// Maps an Odoo fault to an exception: 1 server error (class from the
/// traceback), 2 user error, 3 access denied, 4 access error.
fn fault_error(code: i32, text: &str) -> OdooError {
    let (name, message) = match code {
        2 if text.starts_with("Record does not exist") => {
            ("odoo.exceptions.MissingError".to_string(), text.to_string())
        }
        2 => ("odoo.exceptions.UserError".to_string(), text.to_string()),
        3 => ("odoo.exceptions.AccessDenied".to_string(), text.to_string()),
        4 => ("odoo.exceptions.AccessError".to_string(), text.to_string()),
        _ => {
            // Last line of a traceback: "ValueError: message" or "odoo.x.Y: message".
            let last = text.trim_end().lines().last().unwrap_or(text);
            match last.split_once(": ") {
                Some((cls, msg)) if !cls.contains(' ') => {
                    let name = if cls.contains('.') {
                        cls.to_string()
                    } else {
                        format!("builtins.{cls}")
                    };
                    (name, msg.to_string())
                }
                _ => ("builtins.Exception".to_string(), last.to_string()),
            }
        }
    };
    OdooError {
        name,
        message,
        arguments: vec![Value::from(text)],
        debug: (code == 1).then(|| text.to_string()),
        code: i64::from(code),
    }
}

/// Where an XML-RPC reply's outcome is.
enum Outcome {
    /// The `<param>`'s value starts at this offset.
    Value(usize),
    /// `<params/>`: no value.
    Absent,
    /// The `<fault>`'s value starts at this offset.
    Fault(usize),
}

fn locate(body: &[u8]) -> std::result::Result<Outcome, String> {
    let mut scanner = Scanner::new(body);
    let mut depth = 0usize;
    loop {
        let token = scanner
            .next_token(true)
            .map_err(|e| format!("invalid XML: {e}"))?;
        match (depth, token) {
            (0, Token::Start(b"methodResponse")) | (1, Token::Start(b"params")) => depth += 1,
            (2, Token::Start(b"param")) => return Ok(Outcome::Value(scanner.position())),
            (1, Token::Start(b"fault")) => return Ok(Outcome::Fault(scanner.position())),
            (1, Token::Empty(b"params")) | (2, Token::End(_)) => return Ok(Outcome::Absent),
            (_, Token::Eof) => return Err("no <methodResponse>".into()),
            (_, Token::Start(name) | Token::Empty(name)) => {
                return Err(format!("unexpected <{}>", String::from_utf8_lossy(name)));
            }
            _ => return Err("unexpected content".into()),
        }
    }
}

/// Decodes an XML-RPC reply: the value stays undecoded in the response, a
/// fault becomes an [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error.
pub(crate) fn decode(reply: HttpReply, label: Arc<str>) -> Result<Response> {
    if reply.status != 200 {
        return Err(reply.status_error());
    }
    let malformed = |why: String| {
        Error::malformed(
            &reply.url,
            format!("invalid XML-RPC response: {why}"),
            &reply.body,
        )
    };
    match locate(&reply.body).map_err(malformed)? {
        Outcome::Value(at) => Ok(Response::xml(reply.body, at, label, reply.url)),
        Outcome::Absent => Ok(Response::absent(label, reply.url)),
        Outcome::Fault(at) => {
            let fault: Value = crate::codec::xml::from_slice(&reply.body[at..], &label, &reply.url)
                .map_err(|e| malformed(e.to_string()))?;
            let string = fault
                .get("faultString")
                .and_then(Value::as_str)
                .unwrap_or("");
            Err(match fault.get("faultCode") {
                // Legacy `/xmlrpc` faults have string codes.
                Some(Value::String(code)) => legacy_fault_error(code, string),
                Some(code) => fault_error(
                    code.as_i64()
                        .and_then(|c| i32::try_from(c).ok())
                        .unwrap_or(1),
                    string,
                ),
                None => return Err(malformed("a fault without faultCode".into())),
            }
            .into())
        }
    }
}

/// Maps a legacy `/xmlrpc` fault (`"warning -- AccessError\n\n<msg>"`, `"AccessDenied"`).
fn legacy_fault_error(code: &str, string: &str) -> OdooError {
    let (name, message) = match code
        .strip_prefix("warning -- ")
        .and_then(|r| r.split_once("\n\n"))
    {
        Some(("AccessError", msg)) => ("odoo.exceptions.AccessError", msg),
        Some(("MissingError", msg)) => ("odoo.exceptions.MissingError", msg),
        Some((_, msg)) => ("odoo.exceptions.UserError", msg),
        None if code == "AccessDenied" => ("odoo.exceptions.AccessDenied", string),
        None => ("builtins.Exception", code),
    };
    OdooError {
        name: name.into(),
        message: message.into(),
        arguments: vec![Value::from(code)],
        debug: None,
        code: 0,
    }
}

/// The XML-RPC protocol.
#[derive(Debug)]
pub(crate) struct XmlRpc {
    transport: Transport,
    db: String,
    uid: i64,
    secret: SecretString,
}

async fn post(transport: &Transport, service: &str, body: String) -> Result<HttpReply> {
    transport
        .post(
            &format!("/xmlrpc/2/{service}"),
            "text/xml",
            body,
            Default::default(),
        )
        .await
}

impl Protocol for XmlRpc {
    async fn login(transport: Transport, creds: &Credentials) -> Result<Self> {
        let label = "common.authenticate";
        let body = encode("authenticate", |out| {
            param(out, |o| push_str(o, &creds.db, label))?;
            param(out, |o| push_str(o, &creds.login, label))?;
            param(out, |o| push_str(o, creds.secret.expose_secret(), label))?;
            param(out, |o| push_struct(o, Map::new().iter(), label))
        })?;
        let reply = post(&transport, "common", body).await?;
        let uid: Value = decode(reply, label.into())?.decode()?;
        let uid = uid.as_i64().ok_or_else(|| denied(creds))?;
        Ok(Self {
            transport,
            db: creds.db.clone(),
            uid,
            secret: creds.secret.clone(),
        })
    }

    fn uid(&self) -> i64 {
        self.uid
    }

    async fn call(&self, call: &Call) -> Result<Response> {
        let label: Arc<str> = call.label_arc();
        let body = encode("execute_kw", |out| {
            param(out, |o| push_str(o, &self.db, &label))?;
            param(out, |o| push_value(o, &Value::from(self.uid), &label))?;
            param(out, |o| push_str(o, self.secret.expose_secret(), &label))?;
            param(out, |o| push_str(o, &call.model, &label))?;
            param(out, |o| push_str(o, &call.method, &label))?;
            param(out, |o| push_array(o, &call.args, &label))?;
            param(out, |o| {
                // The context goes in as one more member, written from the
                // call's map without copying it into a value first.
                o.push_str("<value><struct>");
                push_members(o, call.kwargs.iter(), &label)?;
                if !call.context.is_empty() {
                    o.push_str("<member><name>context</name>");
                    push_struct(o, call.context.as_map().iter(), &label)?;
                    o.push_str("</member>");
                }
                o.push_str("</struct></value>");
                Ok(())
            })
        })?;
        let reply = post(&self.transport, "object", body).await?;
        match decode(reply, label.clone()) {
            // Odoo cannot marshal None without allow_none: the call ran and returned nothing.
            Err(e)
                if e.odoo()
                    .is_some_and(|o| o.code == 1 && o.message.contains("cannot marshal None")) =>
            {
                Ok(Response::absent(
                    label,
                    self.transport.shown("/xmlrpc/2/object"),
                ))
            }
            other => other,
        }
    }

    async fn logout(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_written_as_xml_rpc() {
        let mut out = String::new();
        push_value(
            &mut out,
            &json!({"a<b": "x & y", "big": 1_099_511_627_776_i64, "f": 1.5, "n": null, "l": [1, true]}),
            "t",
        )
        .expect("encodes");
        assert_eq!(
            out,
            "<value><struct><member><name>a&lt;b</name><value><string>x &amp; y</string></value></member>\
             <member><name>big</name><value><i8>1099511627776</i8></value></member>\
             <member><name>f</name><value><double>1.5</double></value></member>\
             <member><name>n</name><value><nil/></value></member>\
             <member><name>l</name><value><array><data><value><int>1</int></value><value><boolean>1</boolean></value></data></array></value></member>\
             </struct></value>"
        );
        let e = push_value(
            &mut String::new(),
            &json!("bell \u{7}"),
            "res.partner.write",
        )
        .expect_err("not XML");
        assert!(e.to_string().contains("U+0007"), "{e}");
    }
}
