//! Writing XML-RPC values straight into a request body: JSON values as
//! `<value>`s, strings escaped (control characters XML cannot carry are
//! refused, not dropped).

use std::fmt::Write as _;

use serde_json::Value;

use crate::error::{Error, Result};

/// Writes `s` as an XML-RPC `<string>`.
pub(crate) fn push_str(out: &mut String, s: &str, label: &str) -> Result<()> {
    out.push_str("<value><string>");
    push_escaped(out, s, label)?;
    out.push_str("</string></value>");
    Ok(())
}

/// Writes `s` escaped; control characters that XML cannot carry are
/// refused rather than dropped.
pub(crate) fn push_escaped(out: &mut String, s: &str, label: &str) -> Result<()> {
    let mut from = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\t' | '\n' | '\r' => continue,
            c if (c as u32) < 0x20 => {
                return Err(Error::encode(
                    label,
                    format!(
                        "a string holds the control character U+{:04X}, which XML cannot carry",
                        c as u32
                    ),
                ));
            }
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(esc);
        from = i + c.len_utf8();
    }
    out.push_str(&s[from..]);
    Ok(())
}

/// Writes JSON as XML-RPC. Integers beyond i32 travel as `<i8>` (Python
/// reads them), `null` as `<nil/>`.
pub(crate) fn push_value(out: &mut String, v: &Value, label: &str) -> Result<()> {
    match v {
        Value::Null => out.push_str("<value><nil/></value>"),
        Value::Bool(b) => out.push_str(if *b {
            "<value><boolean>1</boolean></value>"
        } else {
            "<value><boolean>0</boolean></value>"
        }),
        Value::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => {
                let _ = write!(out, "<value><int>{i}</int></value>");
            }
            Some(i) => {
                let _ = write!(out, "<value><i8>{i}</i8></value>");
            }
            None => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if !f.is_finite() {
                    return Err(Error::encode(label, "a number is not finite"));
                }
                let _ = write!(out, "<value><double>{f}</double></value>");
            }
        },
        Value::String(s) => push_str(out, s, label)?,
        Value::Array(a) => push_array(out, a, label)?,
        Value::Object(m) => push_struct(out, m.iter(), label)?,
    }
    Ok(())
}

pub(crate) fn push_array(out: &mut String, items: &[Value], label: &str) -> Result<()> {
    out.push_str("<value><array><data>");
    for x in items {
        push_value(out, x, label)?;
    }
    out.push_str("</data></array></value>");
    Ok(())
}

pub(crate) fn push_struct<'a>(
    out: &mut String,
    members: impl Iterator<Item = (&'a String, &'a Value)>,
    label: &str,
) -> Result<()> {
    out.push_str("<value><struct>");
    push_members(out, members, label)?;
    out.push_str("</struct></value>");
    Ok(())
}

/// The `<member>`s of a struct.
pub(crate) fn push_members<'a>(
    out: &mut String,
    members: impl Iterator<Item = (&'a String, &'a Value)>,
    label: &str,
) -> Result<()> {
    for (k, x) in members {
        out.push_str("<member><name>");
        push_escaped(out, k, label)?;
        out.push_str("</name>");
        push_value(out, x, label)?;
        out.push_str("</member>");
    }
    Ok(())
}
