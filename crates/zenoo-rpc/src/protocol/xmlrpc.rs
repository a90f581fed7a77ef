//! XML-RPC over `POST /xmlrpc/2/<service>` with Odoo's marshalling quirks:
//! no nil in results, dates as strings, i4 limits, fault codes 1–4.

use std::collections::BTreeMap;

use dxr::{FaultResponse, MethodCall, MethodResponse, Value as Xml};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value, json};

use super::{Protocol, decode_value};
use crate::call::Call;
use crate::error::{Error, OdooError, Result};
use crate::transport::{Reply, Transport};

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

/// Decodes XML-RPC into JSON (dates and base64 become strings).
pub(crate) fn to_json(v: Xml) -> Value {
    match v {
        Xml::Integer(i) => Value::from(i),
        Xml::Long(i) => Value::from(i),
        Xml::Boolean(b) => Value::Bool(b),
        Xml::String(s) => Value::String(s),
        Xml::Double(d) => Number::from_f64(d)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Xml::DateTime(dt) => Value::String(format!("{dt:?}")),
        Xml::Base64(b) => Value::String(String::from_utf8_lossy(&b).into_owned()),
        Xml::Struct(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, to_json(v)))
                .collect::<Map<_, _>>(),
        ),
        Xml::Array(a) => Value::Array(a.into_iter().map(to_json).collect()),
        Xml::Nil => Value::Null,
    }
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

/// Decodes an XML-RPC reply: the value into `T`, a fault into an [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error.
pub(crate) fn decode_reply<T: DeserializeOwned>(reply: &Reply, label: &str) -> Result<T> {
    if reply.status != 200 {
        return Err(reply.status_error());
    }
    let text = reply.text()?;
    let malformed = |e: dxr::Error| {
        Error::malformed(
            &reply.url,
            format!("invalid XML-RPC response: {e}"),
            &reply.body,
        )
    };
    if text.contains("<fault>") {
        if let Ok(fault) = FaultResponse::from_xml(text) {
            return Err(fault_error(fault.fault.code(), fault.fault.string()).into());
        }
        // Legacy `/xmlrpc` faults have string codes, which dxr's Fault cannot
        // hold: read the fault struct as a plain value instead.
        let as_value = text
            .replace("<fault>", "<params><param>")
            .replace("</fault>", "</param></params>");
        let value = to_json(
            MethodResponse::from_xml(&as_value)
                .map_err(malformed)?
                .value,
        );
        let string = value
            .get("faultString")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(match value.get("faultCode") {
            Some(Value::String(code)) => legacy_fault_error(code, string),
            Some(code) => fault_error(
                code.as_i64()
                    .and_then(|c| i32::try_from(c).ok())
                    .unwrap_or(1),
                string,
            ),
            None => {
                return Err(Error::malformed(
                    &reply.url,
                    "XML-RPC fault without faultCode",
                    &reply.body,
                ));
            }
        }
        .into());
    }
    let resp = MethodResponse::from_xml(text).map_err(malformed)?;
    decode_value(to_json(resp.value), label)
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
pub struct XmlRpc {
    transport: Transport,
    db: String,
    uid: i64,
    secret: SecretString,
}

impl XmlRpc {
    /// A protocol for `uid`.
    pub fn new(transport: Transport, db: &str, uid: i64, secret: SecretString) -> Self {
        Self {
            transport,
            db: db.to_string(),
            uid,
            secret,
        }
    }

    /// Calls `service.method(*args)` on `/xmlrpc/2/<service>`.
    pub async fn rpc<T: DeserializeOwned>(
        &self,
        service: &str,
        method: &str,
        args: &[Value],
    ) -> Result<T> {
        let label = format!("{service}.{method}");
        let params = args
            .iter()
            .map(|a| to_xml(a, &label))
            .collect::<Result<Vec<_>>>()?;
        let call = MethodCall {
            name: method.into(),
            params,
        };
        let xml = call.to_xml().map_err(|e| Error::encode(&label, e))?;
        let body = format!("<?xml version=\"1.0\"?>\n{xml}");
        let reply = self
            .transport
            .post(
                &format!("/xmlrpc/2/{service}"),
                "text/xml",
                body,
                Default::default(),
            )
            .await?;
        decode_reply(&reply, &label)
    }
}

impl Protocol for XmlRpc {
    async fn call<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
        let args = [
            json!(self.db),
            json!(self.uid),
            json!(self.secret.expose_secret()),
            json!(call.model),
            json!(call.method),
            Value::Array(call.args.clone()),
            Value::Object(call.kwargs.clone()),
        ];
        match self.rpc::<T>("object", "execute_kw", &args).await {
            // Odoo cannot marshal None without allow_none: the call ran and returned nothing.
            Err(e)
                if e.odoo()
                    .is_some_and(|o| o.code == 1 && o.message.contains("cannot marshal None")) =>
            {
                decode_value(Value::Null, &call.label())
            }
            other => other,
        }
    }
}
