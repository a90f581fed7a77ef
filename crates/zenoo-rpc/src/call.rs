//! One call of a model method: what goes into the client's layer stack.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::context::Context;

/// A model method call, `model.method(*args, **kwargs)`, with its context.
///
/// It is the request type of the client's layer stack (see
/// [`ClientBuilder::layer`](crate::ClientBuilder::layer)): a layer sees the
/// model, the method, whether the call is safe to repeat and its effective
/// context. [`Client::call`](crate::Client::call) layers the client's
/// contexts under the call's own before the call enters the stack.
///
/// ```
/// use serde_json::json;
/// use zenoo_rpc::{Call, Context};
///
/// let call = Call::new("res.partner", "search_count")
///     .arg(json!([["is_company", "=", true]]))
///     .context(Context::new().active_test(false));
/// assert!(call.is_idempotent());
/// assert!(!Call::new("res.partner", "write").is_idempotent());
/// assert!(Call::new("res.partner", "write").idempotent(true).is_idempotent());
/// ```
///
/// Cheap to clone (the retry layer keeps one per attempt): the name, the
/// arguments and the context are shared until a clone changes them.
#[derive(Debug, Clone)]
pub struct Call {
    pub(crate) model: Arc<str>,
    pub(crate) method: Arc<str>,
    /// `model.method`, made once.
    label: Arc<str>,
    pub(crate) args: Arc<Vec<Value>>,
    pub(crate) kwargs: Arc<Map<String, Value>>,
    pub(crate) context: Context,
    idempotent: Option<bool>,
    cache: Option<std::time::Duration>,
}

impl Call {
    /// A call with no arguments yet.
    pub fn new(model: impl AsRef<str>, method: impl AsRef<str>) -> Self {
        let (model, method) = (model.as_ref(), method.as_ref());
        Self {
            label: format!("{model}.{method}").into(),
            model: model.into(),
            method: method.into(),
            args: Arc::default(),
            kwargs: Arc::default(),
            context: Context::new(),
            idempotent: None,
            cache: None,
        }
    }

    /// Adds a positional argument (for record methods the first is the ids).
    #[must_use]
    pub fn arg(mut self, value: impl Into<Value>) -> Self {
        Arc::make_mut(&mut self.args).push(value.into());
        self
    }

    /// Sets the positional arguments.
    #[must_use]
    pub fn args(mut self, args: Vec<Value>) -> Self {
        self.args = Arc::new(args);
        self
    }

    /// Adds a keyword argument. A `context` keyword is layered into the
    /// call's [`context`](Call::context) instead.
    #[must_use]
    pub fn kwarg(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let name = name.into();
        match (name.as_str(), value.into()) {
            ("context", Value::Object(m)) => self.context = self.context.merged(&Context::from(m)),
            (_, v) => {
                Arc::make_mut(&mut self.kwargs).insert(name, v);
            }
        }
        self
    }

    /// Layers `context` over the call's context.
    #[must_use]
    pub fn context(mut self, context: Context) -> Self {
        self.context = self.context.merged(&context);
        self
    }

    /// Marks the call as safe (or not) to repeat, overriding the method
    /// table: a write that is idempotent by design may then be retried.
    #[must_use]
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    /// Lets the client's [cache](crate::cache) keep the result for `ttl`
    /// (a read, or a method the client does not know that the caller
    /// knows to be one); `Duration::ZERO` keeps this call out of it.
    #[must_use]
    pub fn cache(mut self, ttl: std::time::Duration) -> Self {
        self.cache = Some(ttl);
        self
    }

    /// What [`Call::cache`] asked for.
    pub fn cache_ttl(&self) -> Option<std::time::Duration> {
        self.cache
    }

    /// The model, e.g. `res.partner`.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The method, e.g. `search_read`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The positional arguments.
    pub fn positional(&self) -> &[Value] {
        &self.args
    }

    /// The keyword arguments (the context is apart: [`Call::effective_context`]).
    pub fn keywords(&self) -> &Map<String, Value> {
        &self.kwargs
    }

    /// The context the call is sent with.
    pub fn effective_context(&self) -> &Context {
        &self.context
    }

    /// `model.method`, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `model.method`, shared.
    pub(crate) fn label_arc(&self) -> Arc<str> {
        self.label.clone()
    }

    /// The keyword arguments, to change.
    pub(crate) fn kwargs_mut(&mut self) -> &mut Map<String, Value> {
        Arc::make_mut(&mut self.kwargs)
    }

    /// Sets the positional arguments.
    pub(crate) fn set_args(&mut self, args: Vec<Value>) {
        self.args = Arc::new(args);
    }

    /// Whether repeating the call cannot change data: reads and metadata by
    /// the [method table](crate::method), or what [`Call::idempotent`] says.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
            .unwrap_or_else(|| crate::method::lookup(&self.method).is_some_and(|m| m.read_only))
    }

    /// The keyword arguments with the context in `context`, serialised
    /// without building a new map.
    pub(crate) fn kwargs_with_context(&self) -> KwargsWithContext<'_> {
        KwargsWithContext(self)
    }
}

/// `kwargs` plus `context` (when not empty), as one JSON object.
pub(crate) struct KwargsWithContext<'a>(&'a Call);

impl Serialize for KwargsWithContext<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let call = self.0;
        let with_ctx = !call.context.is_empty();
        let mut map = s.serialize_map(Some(call.kwargs.len() + usize::from(with_ctx)))?;
        for (k, v) in call.kwargs.iter() {
            map.serialize_entry(k, v)?;
        }
        if with_ctx {
            map.serialize_entry("context", call.context.as_map())?;
        }
        map.end()
    }
}
