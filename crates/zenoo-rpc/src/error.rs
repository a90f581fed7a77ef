//! One error type for everything a call can run into.

use serde_json::Value;

/// Result alias with Zenoo's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong. Match on the variant or use the predicates
/// ([`Error::is_timeout`], [`Error::odoo`], ...); never parse messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Odoo raised an exception (JSON-RPC error, XML-RPC fault or JSON-2 error body).
    #[error("{0}")]
    Odoo(Box<OdooError>),
    /// The connection could not be made or broke (DNS, refused, reset, TLS).
    #[error("cannot reach {url}: {source}")]
    Transport {
        /// The URL requested.
        url: Box<str>,
        /// The underlying error.
        #[source]
        source: Box<reqwest::Error>,
    },
    /// The connect or request timeout elapsed.
    #[error("request to {url} timed out")]
    Timeout {
        /// The URL requested.
        url: Box<str>,
    },
    /// The server answered with an HTTP status that carries no Odoo error.
    #[error("HTTP {status} from {url}: {snippet}")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The URL requested.
        url: Box<str>,
        /// The start of the body.
        snippet: Box<str>,
    },
    /// The body is not what the protocol promises (HTML, truncated JSON, ...).
    #[error("malformed response from {url}: {reason}; body starts with {snippet:?}")]
    MalformedResponse {
        /// The URL requested.
        url: Box<str>,
        /// What is wrong.
        reason: Box<str>,
        /// The start of the body.
        snippet: Box<str>,
    },
    /// The result does not fit the requested Rust type.
    #[error("cannot decode the result of {call} at {path}: {source}")]
    Decode {
        /// `model.method` that returned it.
        call: Box<str>,
        /// JSON path of the value that failed (`[3].partner_id`).
        path: Box<str>,
        /// The serde error.
        #[source]
        source: Box<serde_json::Error>,
    },
    /// An argument cannot be encoded for the wire (e.g. NaN, a non-string map key).
    #[error("cannot encode the arguments of {call}: {reason}")]
    Encode {
        /// `model.method` being called.
        call: Box<str>,
        /// What is wrong.
        reason: Box<str>,
    },
    /// The client configuration is invalid.
    #[error("invalid configuration: {field}: {reason}")]
    Config {
        /// The setting.
        field: &'static str,
        /// What is wrong and how to fix it.
        reason: Box<str>,
    },
    /// An I/O error while streaming a dump or restore file.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Config {
            field,
            reason: reason.into().into_boxed_str(),
        }
    }

    pub(crate) fn malformed(url: &str, reason: impl Into<String>, body: &[u8]) -> Self {
        Self::MalformedResponse {
            url: url.into(),
            reason: reason.into().into_boxed_str(),
            snippet: snippet(body).into(),
        }
    }

    pub(crate) fn encode(call: &str, reason: impl std::fmt::Display) -> Self {
        Self::Encode {
            call: call.into(),
            reason: reason.to_string().into_boxed_str(),
        }
    }

    pub(crate) fn transport(url: &str, e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::Timeout { url: url.into() }
        } else {
            Self::Transport {
                url: url.into(),
                source: Box::new(e),
            }
        }
    }

    /// The Odoo exception, if Odoo raised one.
    pub fn odoo(&self) -> Option<&OdooError> {
        match self {
            Self::Odoo(e) => Some(e),
            _ => None,
        }
    }

    /// The kind of Odoo exception, if Odoo raised one.
    pub fn odoo_kind(&self) -> Option<OdooErrorKind> {
        self.odoo().map(OdooError::kind)
    }

    /// Whether a connect or request timeout elapsed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether the server could not be reached or the connection broke.
    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Transport { .. } | Self::Timeout { .. })
    }

    /// Whether repeating the same call may succeed (network trouble, 502/503/504,
    /// serialization failures). Writes are still only retried when the caller opts in.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { .. } | Self::Timeout { .. } => true,
            Self::HttpStatus { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            Self::Odoo(e) => e.name.ends_with("SerializationFailure"),
            _ => false,
        }
    }
}

/// An exception raised by Odoo, with everything Odoo sent about it.
#[derive(Debug, Clone, PartialEq)]
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
    /// Unknown model/method/route (`werkzeug.exceptions.NotFound`).
    NotFound,
    /// Anything else (`builtins.ValueError`, `psycopg2...`, ...): see [`OdooError::name`].
    ServerError,
}

impl OdooError {
    /// Classifies the exception by its Python class name.
    pub fn kind(&self) -> OdooErrorKind {
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
        Self::Odoo(Box::new(e))
    }
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
        assert!(
            std::mem::size_of::<Error>() <= 56, // boxed payloads; a one-word Error (boxed inner) is still to do
            "Error is {} bytes",
            std::mem::size_of::<Error>()
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
