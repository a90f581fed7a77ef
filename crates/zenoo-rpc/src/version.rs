//! The server's version, parsed leniently (`18.0`, `saas~17.2`, `19.0+e`).

use serde::Deserialize;
use serde_json::Value;

/// What `common.version` (or `GET /web/version`) reports, and what the
/// server can do because of it: every version-dependent choice of the
/// client is one of the capabilities below, decided here only.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ServerVersion {
    /// e.g. `18.0`.
    pub server_version: String,
    /// e.g. `[18, 0, 0, "final", 0, ""]`; SaaS builds start with a string.
    #[serde(default)]
    pub server_version_info: Vec<Value>,
}

impl ServerVersion {
    /// The major version (`18` for `18.0`, `17` for `saas~17.2`), 0 if unknown.
    pub fn major(&self) -> u32 {
        if let Some(n) = self.server_version_info.first().and_then(Value::as_u64) {
            return n as u32;
        }
        let text = self
            .server_version_info
            .first()
            .and_then(Value::as_str)
            .unwrap_or(&self.server_version)
            .trim_start_matches("saas~");
        let text = if text.is_empty() {
            self.server_version.trim_start_matches("saas~")
        } else {
            text
        };
        text.split(|c: char| !c.is_ascii_digit())
            .find(|p| !p.is_empty())
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }
}

impl ServerVersion {
    /// A version from its text and `server_version_info`.
    pub fn new(server_version: impl Into<String>, server_version_info: Vec<Value>) -> Self {
        Self {
            server_version: server_version.into(),
            server_version_info,
        }
    }

    /// `POST /json/2/<model>/<method>` with API keys (19+).
    pub fn has_json2(&self) -> bool {
        self.major() >= 19
    }

    /// `web_search_read`/`web_read` with nested specifications (17+).
    pub fn has_web_read(&self) -> bool {
        self.major() >= 17
    }

    /// `formatted_read_group` replaces `read_group` (19+).
    pub fn has_formatted_read_group(&self) -> bool {
        self.major() >= 19
    }

    /// `has_access(operation)` replaces `check_access_rights` (18+).
    pub fn has_has_access(&self) -> bool {
        self.major() >= 18
    }

    /// The name of `name_search`'s domain parameter: `domain` in 19+, `args` before.
    pub fn name_search_domain_param(&self) -> &'static str {
        if self.major() >= 19 { "domain" } else { "args" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_release_and_saas_versions() {
        let v = |s: &str, info: Value| {
            ServerVersion::new(s, info.as_array().cloned().unwrap_or_default())
        };
        assert_eq!(v("18.0", json!([18, 0, 0, "final", 0, ""])).major(), 18);
        assert_eq!(
            v("saas~17.2", json!(["saas~17", 2, 0, "final", 0, ""])).major(),
            17
        );
        assert_eq!(v("19.0+e", json!([])).major(), 19);
        assert_eq!(v("", json!([])).major(), 0);
        let v19 = v("19.0", json!([19, 0]));
        assert!(v19.has_json2() && v19.has_formatted_read_group() && v19.has_web_read());
        let v16 = v("16.0", json!([16, 0]));
        assert!(!v16.has_web_read() && !v16.has_has_access());
        assert_eq!(v16.name_search_domain_param(), "args");
    }
}
