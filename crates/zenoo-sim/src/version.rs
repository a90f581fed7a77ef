//! The Odoo version the simulator behaves as.

use std::fmt;

/// A major Odoo version, 16 to 19.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum OdooVersion {
    /// Odoo 16.0
    V16,
    /// Odoo 17.0
    V17,
    /// Odoo 18.0
    #[default]
    V18,
    /// Odoo 19.0
    V19,
}

impl OdooVersion {
    /// The major number.
    pub fn major(self) -> u32 {
        match self {
            Self::V16 => 16,
            Self::V17 => 17,
            Self::V18 => 18,
            Self::V19 => 19,
        }
    }

    /// Parses `16`, `17.0`, `saas~18.2`, ...
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().trim_start_matches("saas~");
        match s.split('.').next()? {
            "16" => Some(Self::V16),
            "17" => Some(Self::V17),
            "18" => Some(Self::V18),
            "19" => Some(Self::V19),
            _ => None,
        }
    }

    /// `common.version`'s answer.
    pub fn version_info(self) -> serde_json::Value {
        let serie = format!("{}.0", self.major());
        serde_json::json!({
            "server_version": serie,
            "server_version_info": [self.major(), 0, 0, "final", 0, ""],
            "server_serie": serie,
            "protocol_version": 1,
        })
    }

    /// `error.code` of a JSON-RPC server error (200 up to 18, 0 in 19).
    pub fn error_code(self) -> i64 {
        if self >= Self::V19 { 0 } else { 200 }
    }
}

impl fmt::Display for OdooVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.0", self.major())
    }
}
