//! XML-RPC over `POST /xmlrpc/2/<service>` with Odoo's marshalling quirks:
//! no nil in results, dates as strings, i4 limits, fault codes 1–4.

use std::collections::BTreeMap;

use std::sync::Arc;

use dxr::{MethodCall, Value as Xml};
use quick_xml::Reader;
use quick_xml::events::Event;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{Credentials, Protocol, denied};
use crate::call::Call;
use crate::error::{Error, OdooError, Result};
use crate::response::Response;
use crate::transport::{HttpReply, Transport};

/// Encodes JSON as XML-RPC. Integers beyond i32 travel as `<i8>` (Python
/// reads them), `null` as `<nil/>`, non-finite numbers are refused.
pub(crate) fn to_xml(v: &Value, label: &str) -> Result<Xml> {
    Ok(match v {
        Value::Null => Xml::Nil,
        Value::Bool(b) => Xml::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i32::try_from(i).map(Xml::Integer).unwrap_or(Xml::Long(i)),
            None => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if !f.is_finite() {
                    return Err(Error::encode(label, "a number is not finite"));
                }
                Xml::Double(f)
            }
        },
        Value::String(s) => Xml::String(s.clone()),
        Value::Array(a) => Xml::Array(a.iter().map(|x| to_xml(x, label)).collect::<Result<_>>()?),
        Value::Object(m) => {
            let mut out = BTreeMap::new();
            for (k, x) in m {
                out.insert(k.clone(), to_xml(x, label)?);
            }
            Xml::Struct(out)
        }
    })
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
    let mut reader = Reader::from_reader(body);
    let mut path: Vec<Vec<u8>> = Vec::new();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("invalid XML: {e}"))?;
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match ev {
            Event::Start(e) => {
                let name = e.name().as_ref().to_vec();
                match (path.as_slice(), name.as_slice()) {
                    ([], b"methodResponse") | ([_], b"params") => path.push(name),
                    ([_, _], b"param") => return Ok(Outcome::Value(at)),
                    ([_], b"fault") => return Ok(Outcome::Fault(at)),
                    _ => {
                        return Err(format!("unexpected <{}>", String::from_utf8_lossy(&name)));
                    }
                }
            }
            Event::Empty(e) if path.len() == 1 && e.name().as_ref() == b"params" => {
                return Ok(Outcome::Absent);
            }
            Event::End(_) if path.len() == 2 => return Ok(Outcome::Absent),
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => return Err("no <methodResponse>".into()),
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
            let fault: Value = super::xml::from_slice(&reply.body[at..], &label, &reply.url)
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

/// The `<methodCall>` of `method(*params)`.
fn encode(method: &str, params: Vec<Xml>, label: &str) -> Result<String> {
    let call = MethodCall {
        name: method.into(),
        params,
    };
    let xml = call.to_xml().map_err(|e| Error::encode(label, e))?;
    Ok(format!("<?xml version=\"1.0\"?>\n{xml}"))
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
        let params = vec![
            Xml::String(creds.db.clone()),
            Xml::String(creds.login.clone()),
            Xml::String(creds.secret.expose_secret().to_string()),
            Xml::Struct(Default::default()),
        ];
        let reply = post(&transport, "common", encode("authenticate", params, label)?).await?;
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
        let label: Arc<str> = call.label().into();
        let mut kwargs = std::collections::BTreeMap::new();
        for (k, v) in &call.kwargs {
            kwargs.insert(k.clone(), to_xml(v, &label)?);
        }
        if !call.context.is_empty() {
            let ctx = Value::Object(call.context.as_map().clone());
            kwargs.insert("context".to_string(), to_xml(&ctx, &label)?);
        }
        let params = vec![
            Xml::String(self.db.clone()),
            to_xml(&Value::from(self.uid), &label)?,
            Xml::String(self.secret.expose_secret().to_string()),
            Xml::String(call.model.clone()),
            Xml::String(call.method.clone()),
            Xml::Array(
                call.args
                    .iter()
                    .map(|a| to_xml(a, &label))
                    .collect::<Result<_>>()?,
            ),
            Xml::Struct(kwargs),
        ];
        let reply = post(
            &self.transport,
            "object",
            encode("execute_kw", params, &label)?,
        )
        .await?;
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
