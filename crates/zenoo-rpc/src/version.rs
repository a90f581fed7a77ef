//! The server's version, parsed leniently (`18.0`, `saas~17.2`, `19.0+e`).

use serde::Deserialize;
use serde_json::Value;

/// What `common.version` (or `GET /web/version`) reports.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_release_and_saas_versions() {
        let v = |s: &str, info: Value| ServerVersion {
            server_version: s.into(),
            server_version_info: info.as_array().cloned().unwrap_or_default(),
        };
        assert_eq!(v("18.0", json!([18, 0, 0, "final", 0, ""])).major(), 18);
        assert_eq!(
            v("saas~17.2", json!(["saas~17", 2, 0, "final", 0, ""])).major(),
            17
        );
        assert_eq!(v("19.0+e", json!([])).major(), 19);
        assert_eq!(v("", json!([])).major(), 0);
    }
}
