//! [`ProtocolKind`]: which wire encoding a client speaks.

/// Which protocol a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProtocolKind {
    /// The fastest path the credentials allow: with a password, a web
    /// session (one login, then each call checks only the session cookie);
    /// with an API key, JSON-2 on Odoo 19+ and JSON-RPC below. Where Odoo
    /// refuses the session (two-factor authentication), JSON-RPC.
    #[default]
    Auto,
    /// `POST /jsonrpc` (Odoo 8+; deprecated in 19, removed in 22).
    JsonRpc,
    /// `POST /xmlrpc/2/*` (deprecated in 19, removed in 22).
    XmlRpc,
    /// `/web/session/authenticate` + cookie + `/web/dataset/call_kw`.
    WebSession,
    /// `POST /json/2/<model>/<method>` with a bearer API key (Odoo 19+).
    Json2,
}

impl ProtocolKind {
    /// The name [`ProtocolKind::parse`] takes (`auto`, `jsonrpc`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::JsonRpc => "jsonrpc",
            Self::XmlRpc => "xmlrpc",
            Self::WebSession => "web",
            Self::Json2 => "json2",
        }
    }

    /// Parses `auto`, `jsonrpc`, `xmlrpc`, `web` or `json2`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "auto" => Self::Auto,
            "jsonrpc" | "json-rpc" => Self::JsonRpc,
            "xmlrpc" | "xml-rpc" => Self::XmlRpc,
            "web" | "websession" | "web-session" => Self::WebSession,
            "json2" | "json-2" => Self::Json2,
            _ => return None,
        })
    }
}
