//! Odoo's context: layered (client default ← user context ← per call),
//! with typed helpers for the keys that matter.

use std::sync::Arc;

use serde_json::{Map, Value};

/// A context dictionary (`lang`, `tz`, `active_test`, `allowed_company_ids`, ...).
///
/// ```
/// use zenoo_rpc::Context;
/// let ctx = Context::new().lang("fr_FR").active_test(false).allowed_company_ids([2, 1]);
/// assert_eq!(ctx.get("lang").and_then(|v| v.as_str()), Some("fr_FR"));
/// ```
///
/// Cheap to clone: the dictionary is shared until one of the clones
/// changes it, so the context every call carries costs no copy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context(Arc<Map<String, Value>>);

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets any key.
    #[must_use]
    pub fn set(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        Arc::make_mut(&mut self.0).insert(key.into(), value.into());
        self
    }

    /// Language code, e.g. `en_US`.
    #[must_use]
    pub fn lang(self, lang: &str) -> Self {
        self.set("lang", lang)
    }

    /// Time zone, e.g. `Europe/Brussels`.
    #[must_use]
    pub fn tz(self, tz: &str) -> Self {
        self.set("tz", tz)
    }

    /// Whether archived records are hidden (Odoo's default: true).
    #[must_use]
    pub fn active_test(self, on: bool) -> Self {
        self.set("active_test", on)
    }

    /// Companies the call may see; the first is the current company.
    #[must_use]
    pub fn allowed_company_ids(self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.set("allowed_company_ids", ids.into_iter().collect::<Vec<_>>())
    }

    /// A key's value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// This context with `over`'s keys on top.
    #[must_use]
    pub fn merged(&self, over: &Context) -> Context {
        if over.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return over.clone();
        }
        let mut m = (*self.0).clone();
        for (k, v) in over.0.iter() {
            m.insert(k.clone(), v.clone());
        }
        Context(Arc::new(m))
    }

    /// The dictionary.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The dictionary, owned.
    pub fn into_map(self) -> Map<String, Value> {
        Arc::unwrap_or_clone(self.0)
    }
}

impl From<Map<String, Value>> for Context {
    fn from(m: Map<String, Value>) -> Self {
        Self(Arc::new(m))
    }
}
