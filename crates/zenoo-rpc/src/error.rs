//! One error type for everything a call can run into.

use serde_json::Value;

/// Result alias with Zenoo's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, as one small value (a pointer): ask it questions with
/// [`Error::kind`], [`Error::odoo`], [`Error::status_code`], [`Error::is_timeout`],
/// [`Error::is_retryable`] ...; never parse its message.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    /// URL requested, call label (`model.method`) or setting, by kind.
    context: Option<Box<str>>,
    /// What is wrong, the JSON path that failed, or the start of a body.
    detail: Option<String>,
    odoo: Option<OdooError>,
    /// The record whose value failed to decode.
    record_id: Option<i64>,
    /// The start of an unexpected response body (at most [`BODY_KEPT`] bytes).
    body: Option<bytes::Bytes>,
    /// What a 429 or 503 answer's `Retry-After` asked for.
    retry_after: Option<std::time::Duration>,
    /// Until when an open circuit fails calls fast.
    open_until: Option<std::time::Instant>,
    /// How many times the call was sent (0: never, when the circuit was open).
    attempts: u32,
    /// The call may have been applied by the server: it was sent, no answer
    /// says it was not, and it was not repeated because it is not idempotent.
    outcome_unknown: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Odoo raised an exception (JSON-RPC error, XML-RPC fault or JSON-2
    /// error body): see [`Error::odoo`].
    Odoo,
    /// The connection could not be made or broke (DNS, refused, reset, TLS).
    Transport,
    /// The connect or request timeout elapsed.
    Timeout,
    /// The server answered with an HTTP status that carries no Odoo error.
    HttpStatus(u16),
    /// The body is not what the protocol promises (HTML, truncated JSON, ...).
    MalformedResponse,
    /// The result does not fit the requested Rust type: see [`Error::decode_path`].
    Decode,
    /// An argument cannot be encoded for the wire (NaN, a non-string map key).
    Encode,
    /// The client configuration is invalid: see [`Error::config_field`].
    Config,
    /// An I/O error while streaming a dump or restore file.
    Io,
    /// A query that must find exactly one record found none.
    NoRecord,
    /// A query that must find exactly one record found several.
    MultipleRecords,
    /// The response body is larger than the client's
    /// [`max_response_size`](crate::ClientBuilder::max_response_size).
    ResponseTooLarge,
    /// A query cannot be sent as built: a domain text that does not parse,
    /// a malformed `order_by`, `stream` with an order, a prefetch path that
    /// is not a relation.
    InvalidQuery,
    /// The server's circuit breaker is open: the call was not sent. See
    /// [`Error::open_until`].
    CircuitOpen,
}

impl Error {
    fn new(kind: ErrorKind) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                context: None,
                detail: None,
                odoo: None,
                record_id: None,
                body: None,
                retry_after: None,
                open_until: None,
                attempts: 1,
                outcome_unknown: false,
                source: None,
            }),
        }
    }

    fn with(mut self, context: Option<&str>, detail: Option<String>) -> Self {
        self.inner.context = context.map(Into::into);
        self.inner.detail = detail;
        self
    }

    /// An invalid query whose cause is `e` (a domain that does not parse).
    pub(crate) fn invalid_query_caused_by(
        e: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::new(ErrorKind::InvalidQuery)
            .with(None, Some(e.to_string()))
            .with_source(e)
    }

    fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config).with(Some(field), Some(reason.into()))
    }

    pub(crate) fn malformed(url: &str, reason: impl Into<String>, body: &[u8]) -> Self {
        Self::new(ErrorKind::MalformedResponse).with(
            Some(url),
            Some(format!(
                "{}; body starts with {:?}",
                reason.into(),
                snippet(body)
            )),
        )
    }

    pub(crate) fn encode(call: &str, reason: impl std::fmt::Display) -> Self {
        Self::new(ErrorKind::Encode).with(Some(call), Some(reason.to_string()))
    }

    pub(crate) fn transport(url: &str, e: reqwest::Error) -> Self {
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else {
            ErrorKind::Transport
        };
        // reqwest's message repeats the URL, userinfo and all: the redacted
        // one is in `context`.
        Self::new(kind)
            .with(Some(url), None)
            .with_source(e.without_url())
    }

    pub(crate) fn timeout(url: &str, after: std::time::Duration) -> Self {
        Self::new(ErrorKind::Timeout).with(
            Some(url),
            Some(format!("no complete response within {:?}", after)),
        )
    }

    pub(crate) fn too_large(url: &str, limit: usize) -> Self {
        Self::new(ErrorKind::ResponseTooLarge).with(
            Some(url),
            Some(format!(
                "the response is larger than the limit of {limit} bytes (ClientBuilder::max_response_size)"
            )),
        )
    }

    /// An unexpected status: a one-line summary of the body (an HTML page's
    /// title, or its first line); the start of the body is kept for
    /// [`Error::response_body`].
    pub(crate) fn status(status: u16, url: &str, media_type: &str, body: &[u8]) -> Self {
        let mut e = Self::new(ErrorKind::HttpStatus(status))
            .with(Some(url), Some(summary(media_type, body)));
        if !body.is_empty() {
            let kept = body.len().min(BODY_KEPT);
            e.inner.body = Some(bytes::Bytes::copy_from_slice(&body[..kept]));
        }
        e
    }

    /// An I/O error on `path`, named once.
    pub(crate) fn file(path: &std::path::Path, action: &str, e: std::io::Error) -> Self {
        Self::new(ErrorKind::Io)
            .with(None, Some(format!("cannot {action} {}", path.display())))
            .with_source(e)
    }

    /// A unit-of-work journal that cannot be read back.
    pub(crate) fn journal(path: &std::path::Path, reason: impl std::fmt::Display) -> Self {
        Self::new(ErrorKind::Io).with(
            None,
            Some(format!(
                "the unit-of-work journal {}: {reason}",
                path.display()
            )),
        )
    }

    pub(crate) fn decode(
        call: &str,
        path: String,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::new(ErrorKind::Decode)
            .with(Some(call), Some(path))
            .with_source(source)
    }

    /// Names the record whose value failed to decode.
    pub(crate) fn with_record(mut self, id: i64) -> Self {
        self.inner.record_id = Some(id);
        self
    }

    pub(crate) fn no_record(model: &str, domain: String) -> Self {
        Self::new(ErrorKind::NoRecord).with(Some(model), Some(domain))
    }

    pub(crate) fn multiple_records(model: &str, domain: String) -> Self {
        Self::new(ErrorKind::MultipleRecords).with(Some(model), Some(domain))
    }

    pub(crate) fn invalid_query(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidQuery).with(None, Some(reason.into()))
    }

    /// Calls to `server` fail fast until `until`: its circuit is open.
    pub(crate) fn circuit_open(server: &str, until: std::time::Instant, why: String) -> Self {
        let mut e = Self::new(ErrorKind::CircuitOpen).with(Some(server), Some(why));
        e.inner.open_until = Some(until);
        e.inner.attempts = 0;
        e
    }

    pub(crate) fn with_retry_after(mut self, wait: Option<std::time::Duration>) -> Self {
        self.inner.retry_after = wait;
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn with_outcome_unknown(mut self) -> Self {
        self.inner.outcome_unknown = true;
        self
    }

    /// What the server's `Retry-After` header asked for (429 and 503
    /// answers), in seconds or as an HTTP date turned into a wait.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.inner.retry_after
    }

    /// Until when the circuit breaker fails calls to this server fast
    /// ([`ErrorKind::CircuitOpen`]).
    pub fn open_until(&self) -> Option<std::time::Instant> {
        self.inner.open_until
    }

    /// How many times the call was sent: 1 without retries, more when the
    /// retry layer repeated it, 0 when it was never sent (open circuit).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Whether the call may have been applied although it failed: it was
    /// sent, the answer was lost or says nothing about the outcome (a reset
    /// connection, a timeout, a 502/503/504), and it was not repeated
    /// because it is a write that is not marked idempotent. Read the
    /// records back before doing it again.
    pub fn outcome_unknown(&self) -> bool {
        self.inner.outcome_unknown
    }

    /// Whether the connection could not be made, so nothing was sent (a
    /// refused connection, DNS, TLS handshake): repeating any call is safe.
    pub fn is_connect(&self) -> bool {
        self.inner.kind == ErrorKind::Transport
            && self
                .inner
                .source
                .as_deref()
                .and_then(|s| s.downcast_ref::<reqwest::Error>())
                .is_some_and(reqwest::Error::is_connect)
    }

    /// Whether Odoo reported a serialization failure: its transaction was
    /// rolled back, so the call had no effect and may be repeated.
    pub fn is_serialization_failure(&self) -> bool {
        self.inner.kind == ErrorKind::Odoo
            && self
                .odoo()
                .is_some_and(|e| e.name.ends_with("SerializationFailure"))
    }

    /// The start of the response body of an [`ErrorKind::HttpStatus`] error
    /// (at most 64 KiB), for debugging: the message only shows its summary.
    pub fn response_body(&self) -> Option<&[u8]> {
        self.inner.body.as_deref()
    }

    /// The id of the record whose value failed to decode, when known.
    pub fn record_id(&self) -> Option<i64> {
        self.inner.record_id
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The Odoo exception, if Odoo raised one.
    pub fn odoo(&self) -> Option<&OdooError> {
        self.inner.odoo.as_ref()
    }

    /// The kind of Odoo exception, if Odoo raised one.
    pub fn odoo_kind(&self) -> Option<OdooErrorKind> {
        self.odoo().map(OdooError::kind)
    }

    /// The HTTP status of an [`ErrorKind::HttpStatus`] error.
    pub fn status_code(&self) -> Option<u16> {
        match self.inner.kind {
            ErrorKind::HttpStatus(s) => Some(s),
            _ => None,
        }
    }

    /// The URL requested, for transport, status and malformed-response errors.
    pub fn url(&self) -> Option<&str> {
        match self.inner.kind {
            ErrorKind::Transport
            | ErrorKind::Timeout
            | ErrorKind::HttpStatus(_)
            | ErrorKind::MalformedResponse
            | ErrorKind::ResponseTooLarge => self.inner.context.as_deref(),
            _ => None,
        }
    }

    /// The JSON path of the value that failed to decode (`[3].partner_id`).
    pub fn decode_path(&self) -> Option<&str> {
        self.inner
            .detail
            .as_deref()
            .filter(|_| self.inner.kind == ErrorKind::Decode)
    }

    /// The setting a configuration error is about (`url`, `database`, ...).
    pub fn config_field(&self) -> Option<&str> {
        self.inner
            .context
            .as_deref()
            .filter(|_| self.inner.kind == ErrorKind::Config)
    }

    /// Whether a connect or request timeout elapsed.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// Whether the server could not be reached or the connection broke.
    pub fn is_transport(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Transport | ErrorKind::Timeout)
    }

    /// Whether repeating the same call may succeed (network trouble, 429/502/503/504,
    /// serialization failures). Writes are still only retried when the caller opts in.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Transport | ErrorKind::Timeout => true,
            ErrorKind::HttpStatus(s) => matches!(s, 429 | 502 | 503 | 504),
            ErrorKind::Odoo => self.is_serialization_failure(),
            _ => false,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.fmt_kind(f)?;
        if self.inner.attempts > 1 {
            write!(f, " (after {} attempts)", self.inner.attempts)?;
        }
        if self.inner.outcome_unknown {
            f.write_str(
                "; the call was sent and may have been applied: it was not repeated because it is not marked idempotent",
            )?;
        }
        Ok(())
    }
}

impl Error {
    fn fmt_kind(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let context = self.inner.context.as_deref().unwrap_or("?");
        let detail = self.inner.detail.as_deref().unwrap_or("");
        match self.inner.kind {
            ErrorKind::Odoo => match self.odoo() {
                Some(e) => write!(f, "{e}"),
                None => f.write_str("Odoo error"),
            },
            // The cause is the error's `source()`, not repeated here.
            ErrorKind::Transport => write!(f, "cannot reach {context}"),
            ErrorKind::Timeout => match &self.inner.detail {
                Some(d) => write!(f, "request to {context} timed out: {d}"),
                None => write!(f, "request to {context} timed out"),
            },
            ErrorKind::HttpStatus(s) => write!(f, "HTTP {s} from {context}: {detail}"),
            ErrorKind::MalformedResponse => {
                write!(f, "malformed response from {context}: {detail}")
            }
            ErrorKind::ResponseTooLarge => write!(f, "response from {context}: {detail}"),
            ErrorKind::Decode => {
                write!(f, "cannot decode the result of {context} at {detail}")?;
                if let Some(id) = self.inner.record_id {
                    write!(f, " (record id {id})")?;
                }
                // Serde's message is the whole cause, so it is shown here
                // and not also returned by `source()`.
                match &self.inner.source {
                    Some(s) => write!(f, ": {s}"),
                    None => Ok(()),
                }
            }
            ErrorKind::NoRecord => write!(f, "no {context} record matches {}", cut(detail)),
            ErrorKind::MultipleRecords => {
                write!(f, "more than one {context} record matches {}", cut(detail))
            }
            ErrorKind::InvalidQuery => write!(f, "{detail}"),
            ErrorKind::Encode => write!(f, "cannot encode the arguments of {context}: {detail}"),
            ErrorKind::Config => write!(f, "invalid configuration: {context}: {detail}"),
            ErrorKind::CircuitOpen => {
                let left = self
                    .inner
                    .open_until
                    .map(|u| u.saturating_duration_since(std::time::Instant::now()))
                    .unwrap_or_default();
                write!(
                    f,
                    "circuit open for {context}: {detail}; calls fail fast for another {:.1} s",
                    left.as_secs_f64()
                )
            }
            ErrorKind::Io => match &self.inner.detail {
                Some(d) => f.write_str(d),
                None => f.write_str("I/O error"),
            },
        }
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind);
        if let Some(c) = &self.inner.context {
            d.field("context", c);
        }
        if let Some(x) = &self.inner.detail {
            d.field("detail", x);
        }
        if let Some(o) = &self.inner.odoo {
            d.field("odoo", o);
        }
        if self.inner.attempts != 1 {
            d.field("attempts", &self.inner.attempts);
        }
        if self.inner.outcome_unknown {
            d.field("outcome_unknown", &true);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        if self.inner.kind == ErrorKind::Decode {
            return None;
        }
        match (&self.inner.odoo, &self.inner.source) {
            (Some(o), _) => Some(o),
            (None, Some(s)) => Some(s.as_ref()),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::new(ErrorKind::Io).with_source(e)
    }
}

/// An exception raised by Odoo, with everything Odoo sent about it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OdooError {
    /// Python class, e.g. `odoo.exceptions.ValidationError`.
    pub name: String,
    /// The message (`data.message`, the fault string or JSON-2's `message`).
    pub message: String,
    /// The exception's arguments.
    pub arguments: Vec<Value>,
    /// The server traceback, when sent.
    pub debug: Option<String>,
    /// JSON-RPC `error.code` (200/0, 100 for session expiry, 404), the XML-RPC
    /// fault code, or the JSON-2 HTTP status.
    pub code: i64,
}

impl std::fmt::Display for OdooError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind(), self.message)
    }
}

impl std::error::Error for OdooError {}

/// The kinds of Odoo exceptions a client acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OdooErrorKind {
    /// Bad credentials (`odoo.exceptions.AccessDenied`).
    AccessDenied,
    /// Missing rights, private method, bad `allowed_company_ids`.
    AccessError,
    /// A business error (`odoo.exceptions.UserError`).
    UserError,
    /// A constraint failed (`odoo.exceptions.ValidationError`).
    ValidationError,
    /// The record does not exist (`odoo.exceptions.MissingError`).
    MissingError,
    /// A warning that proposes an action (`odoo.exceptions.RedirectWarning`).
    RedirectWarning,
    /// The web session is gone (code 100).
    SessionExpired,
    /// Unknown method or route (`werkzeug.exceptions.NotFound`).
    NotFound,
    /// The model does not exist on this server, however the protocol says
    /// it (`Object x doesn't exist` over JSON-RPC and XML-RPC, JSON-2's
    /// `the model 'x' does not exist`, the web session's bare 404): see
    /// [`OdooError::unknown_model`].
    UnknownModel,
    /// The model has no such field (`Invalid field 'f' on 'm'`): see
    /// [`OdooError::unknown_field`].
    UnknownField,
    /// Anything else (`builtins.ValueError`, `psycopg2...`, ...): see [`OdooError::name`].
    ServerError,
}

impl OdooError {
    pub(crate) fn new(
        name: String,
        message: String,
        arguments: Vec<Value>,
        debug: Option<String>,
        code: i64,
    ) -> Self {
        Self {
            name,
            message,
            arguments,
            debug,
            code,
        }
    }

    /// The model a call named that the server does not have.
    pub fn unknown_model(&self) -> Option<&str> {
        let m = self.message.as_str();
        m.strip_prefix("Object ")
            .and_then(|r| r.strip_suffix(" doesn't exist"))
            .or_else(|| {
                m.strip_prefix("the model '")
                    .and_then(|r| r.strip_suffix("' does not exist"))
            })
            .filter(|model| !model.is_empty() && !model.contains(char::is_whitespace))
    }

    /// The field (and its model) a call named that the model does not have:
    /// `(field, model)`.
    pub fn unknown_field(&self) -> Option<(&str, &str)> {
        // In a domain: "Invalid field res.partner.x in leaf ('x', '=', 1)".
        if let Some(path) = self
            .message
            .strip_prefix("Invalid field ")
            .and_then(|r| r.split_once(" in leaf "))
            .map(|(path, _)| path)
            .filter(|p| !p.starts_with('\''))
        {
            let (model, field) = path.rsplit_once('.')?;
            return Some((field, model));
        }
        let rest = self.message.strip_prefix("Invalid field '")?;
        let (field, rest) = rest.split_once('\'')?;
        // 18: "on model 'm'", 19's read: "on 'm'", 19's write: "in 'm'".
        let rest = rest
            .strip_prefix(" on ")
            .or_else(|| rest.strip_prefix(" in "))?;
        let rest = rest.strip_prefix("model ").unwrap_or(rest);
        let model = rest.strip_prefix('\'')?.strip_suffix('\'')?;
        Some((field, model))
    }

    /// Classifies the exception: by what it says when that names an unknown
    /// model or field (the same meaning on every protocol), else by its
    /// Python class name.
    pub fn kind(&self) -> OdooErrorKind {
        if self.unknown_model().is_some() {
            return OdooErrorKind::UnknownModel;
        }
        if self.unknown_field().is_some() {
            return OdooErrorKind::UnknownField;
        }
        let short = self.name.rsplit('.').next().unwrap_or("");
        match short {
            "AccessDenied" => OdooErrorKind::AccessDenied,
            "AccessError" => OdooErrorKind::AccessError,
            "UserError" | "Warning" | "except_orm" => OdooErrorKind::UserError,
            "ValidationError" => OdooErrorKind::ValidationError,
            "MissingError" => OdooErrorKind::MissingError,
            "RedirectWarning" => OdooErrorKind::RedirectWarning,
            "SessionExpiredException" => OdooErrorKind::SessionExpired,
            "NotFound" => OdooErrorKind::NotFound,
            _ => OdooErrorKind::ServerError,
        }
    }
}

impl From<OdooError> for Error {
    fn from(e: OdooError) -> Self {
        let mut err = Self::new(ErrorKind::Odoo);
        err.inner.odoo = Some(e);
        err
    }
}

/// How much of an unexpected response body an error keeps.
const BODY_KEPT: usize = 64 * 1024;

/// Longest text an error message echoes (a domain, an argument).
const ECHO_MAX: usize = 300;

/// `text` cut to [`ECHO_MAX`] characters.
pub(crate) fn cut(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(ECHO_MAX) {
        Some((at, _)) => format!("{}… ({} bytes in all)", &text[..at], text.len()).into(),
        None => text.into(),
    }
}

/// One line that says what a body is: an HTML page's `<title>`, or the
/// first non-empty line, cut to 120 characters.
fn summary(media_type: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(BODY_KEPT)]);
    let lower = text.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let from = start + "<title>".len();
        lower[from..].find("</title>").map(|len| {
            text[from..from + len]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
    });
    let line = match title.filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => text
            .lines()
            .map(str::trim)
            .find(|l| !(l.is_empty() || (media_type.contains("html") && l.starts_with('<'))))
            .unwrap_or("")
            .to_string(),
    };
    let mut out: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        out.push('…');
    }
    if out.is_empty() {
        out = format!(
            "{} bytes of {}",
            body.len(),
            if media_type.is_empty() {
                "body"
            } else {
                media_type
            }
        );
    }
    out
}

/// The first 200 characters of a body, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        assert_eq!(
            std::mem::size_of::<Error>(),
            std::mem::size_of::<usize>(),
            "Error must stay one pointer"
        );
    }

    #[test]
    fn kinds_follow_python_class_names() {
        let e = |name: &str| OdooError {
            name: name.into(),
            message: String::new(),
            arguments: vec![],
            debug: None,
            code: 200,
        };
        assert_eq!(
            e("odoo.exceptions.AccessDenied").kind(),
            OdooErrorKind::AccessDenied
        );
        assert_eq!(
            e("odoo.exceptions.ValidationError").kind(),
            OdooErrorKind::ValidationError
        );
        assert_eq!(
            e("odoo.http.SessionExpiredException").kind(),
            OdooErrorKind::SessionExpired
        );
        assert_eq!(
            e("werkzeug.exceptions.NotFound").kind(),
            OdooErrorKind::NotFound
        );
        assert_eq!(e("builtins.ValueError").kind(), OdooErrorKind::ServerError);
    }
}
