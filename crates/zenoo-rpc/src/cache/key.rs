//! Cache keys: a SHA-256 digest of everything that decides a call's result.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::call::Call;

/// Values nested deeper than this are not cached (the key would need
/// unbounded recursion to compute).
const MAX_DEPTH: usize = 64;

/// Who asks, where: the part of every key that is fixed per client.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// The server's base URL, credentials removed.
    pub(crate) server: String,
    pub(crate) db: String,
    pub(crate) uid: i64,
    pub(crate) protocol: &'static str,
}

impl Identity {
    /// The scope of the generation counters: one per server and database
    /// (a write by any user changes what every user reads).
    #[cfg(feature = "redis")]
    pub(crate) fn scope(&self) -> String {
        let mut h = Sha256::new();
        field(&mut h, self.server.as_bytes());
        field(&mut h, self.db.as_bytes());
        hex(&h.finalize()[..8])
    }
}

/// The key of one cacheable call.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub(crate) digest: [u8; 32],
    pub(crate) model: String,
}

impl Key {
    /// The key of `call` as `who` sends it, or `None` when its arguments
    /// nest too deep to be keyed.
    pub(crate) fn new(who: &Identity, call: &Call) -> Option<Self> {
        let mut h = Sha256::new();
        field(&mut h, b"zenoo-cache/1");
        field(&mut h, who.server.as_bytes());
        field(&mut h, who.db.as_bytes());
        field(&mut h, &who.uid.to_le_bytes());
        field(&mut h, who.protocol.as_bytes());
        field(&mut h, call.model().as_bytes());
        field(&mut h, call.method().as_bytes());
        h.update((call.positional().len() as u64).to_le_bytes());
        for v in call.positional() {
            canonical(&mut h, v, 0)?;
        }
        object(&mut h, call.keywords().iter(), 0)?;
        object(&mut h, call.effective_context().as_map().iter(), 0)?;
        Some(Self {
            digest: h.finalize().into(),
            model: call.model().to_string(),
        })
    }

    /// The digest in hex, for Redis.
    #[cfg(feature = "redis")]
    pub(crate) fn hex(&self) -> String {
        hex(&self.digest)
    }
}

/// A length-prefixed byte field, so that `("ab", "c")` and `("a", "bc")`
/// differ.
fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Feeds `v` with object keys sorted: the same value always gives the same
/// bytes, whatever order its maps were built in.
fn canonical(h: &mut Sha256, v: &Value, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    match v {
        Value::Null => h.update([0]),
        Value::Bool(b) => h.update([1, u8::from(*b)]),
        Value::Number(n) => {
            h.update([2]);
            field(h, n.to_string().as_bytes());
        }
        Value::String(s) => {
            h.update([3]);
            field(h, s.as_bytes());
        }
        Value::Array(items) => {
            h.update([4]);
            h.update((items.len() as u64).to_le_bytes());
            for item in items {
                canonical(h, item, depth + 1)?;
            }
        }
        Value::Object(m) => object(h, m.iter(), depth + 1)?,
    }
    Some(())
}

fn object<'a>(
    h: &mut Sha256,
    entries: impl Iterator<Item = (&'a String, &'a Value)>,
    depth: usize,
) -> Option<()> {
    let mut entries: Vec<_> = entries.collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    h.update([5]);
    h.update((entries.len() as u64).to_le_bytes());
    for (k, v) in entries {
        field(h, k.as_bytes());
        canonical(h, v, depth)?;
    }
    Some(())
}

#[cfg(feature = "redis")]
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::context::Context;

    fn who(db: &str, uid: i64) -> Identity {
        Identity {
            server: "http://odoo".into(),
            db: db.into(),
            uid,
            protocol: "json-rpc",
        }
    }

    #[test]
    fn map_order_does_not_matter_but_everything_else_does() {
        let a = Call::new("res.partner", "search_read")
            .arg(json!([["name", "=", "x"]]))
            .kwarg("fields", json!(["name"]))
            .kwarg("limit", 3)
            .context(Context::new().lang("fr_FR").tz("UTC"));
        let b = Call::new("res.partner", "search_read")
            .arg(json!([["name", "=", "x"]]))
            .kwarg("limit", 3)
            .kwarg("fields", json!(["name"]))
            .context(Context::new().tz("UTC").lang("fr_FR"));
        let k = |c: &Call, w: &Identity| Key::new(w, c).map(|k| k.digest);
        assert_eq!(k(&a, &who("d", 2)), k(&b, &who("d", 2)));
        assert_ne!(k(&a, &who("d", 2)), k(&a, &who("e", 2)));
        assert_ne!(k(&a, &who("d", 2)), k(&a, &who("d", 6)));
        let c = a.clone().context(Context::new().lang("en_US"));
        assert_ne!(k(&a, &who("d", 2)), k(&c, &who("d", 2)));
    }

    #[test]
    fn values_too_deep_are_not_keyed() {
        let mut v = json!(1);
        for _ in 0..100 {
            v = json!([v]);
        }
        let call = Call::new("res.partner", "search").arg(v);
        assert!(Key::new(&who("d", 2), &call).is_none());
    }
}
