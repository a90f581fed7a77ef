//! [`Response`]: the result of a call as it came off the wire, checked to
//! be a result (not an Odoo error) and decoded into the caller's type only
//! when asked, straight from the bytes.

use std::sync::Arc;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};

/// The undecoded result of one call: the response type of the client's
/// layer stack.
///
/// The protocol has already turned an Odoo error into an [`Error`]; what
/// is left is the result's bytes (JSON or XML-RPC), which
/// [`Response::decode`] decodes into any type without an intermediate
/// tree. Cloning is cheap (the bytes are shared), so a caching layer can
/// keep responses and decode them again.
#[derive(Clone)]
pub struct Response {
    body: Bytes,
    start: usize,
    encoding: Encoding,
    label: Arc<str>,
    url: Arc<str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Json,
    Xml,
    /// No result at all (JSON-RPC leaves `result` out for `None`).
    Absent,
}

impl Encoding {
    /// One byte, for a cache entry.
    #[cfg(feature = "redis")]
    pub(crate) fn tag(self) -> u8 {
        match self {
            Self::Json => b'j',
            Self::Xml => b'x',
            Self::Absent => b'n',
        }
    }

    /// The encoding a [`tag`](Self::tag) stands for.
    #[cfg(feature = "redis")]
    pub(crate) fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            b'j' => Some(Self::Json),
            b'x' => Some(Self::Xml),
            b'n' => Some(Self::Absent),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("call", &self.label)
            .field("url", &self.url)
            .field("encoding", &self.encoding)
            .field("bytes", &self.len())
            .finish()
    }
}

impl Response {
    /// A JSON result at `body[start..]` (what follows the value is ignored).
    pub(crate) fn json(body: Bytes, start: usize, label: Arc<str>, url: Arc<str>) -> Self {
        Self {
            body,
            start,
            encoding: Encoding::Json,
            label,
            url,
        }
    }

    /// An XML-RPC `<value>` at `body[start..]`.
    pub(crate) fn xml(body: Bytes, start: usize, label: Arc<str>, url: Arc<str>) -> Self {
        Self {
            body,
            start,
            encoding: Encoding::Xml,
            label,
            url,
        }
    }

    /// A call that returned nothing (Python's `None`): decodes as `null`.
    pub(crate) fn absent(label: Arc<str>, url: Arc<str>) -> Self {
        Self {
            body: Bytes::new(),
            start: 0,
            encoding: Encoding::Absent,
            label,
            url,
        }
    }

    /// The result's encoding and bytes, for a cache to keep.
    pub(crate) fn encoded(&self) -> (Encoding, Bytes) {
        (
            self.encoding,
            self.body.slice(self.start.min(self.body.len())..),
        )
    }

    /// A result a cache kept, answered for the call `label` to `url`.
    pub(crate) fn from_encoded(
        encoding: Encoding,
        body: Bytes,
        label: Arc<str>,
        url: Arc<str>,
    ) -> Self {
        Self {
            body,
            start: 0,
            encoding,
            label,
            url,
        }
    }

    /// `model.method` of the call.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The size of the encoded result in bytes.
    pub fn len(&self) -> usize {
        self.body.len().saturating_sub(self.start)
    }

    /// Whether the call returned nothing (Python's `None`).
    pub fn is_empty(&self) -> bool {
        self.encoding == Encoding::Absent
    }

    /// Decodes the result into `T`.
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) naming the path that
    /// failed and, where the path runs through records, the record's id.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        let bytes = self.body.get(self.start..).unwrap_or_default();
        match self.encoding {
            Encoding::Json => decode_json(bytes, &self.label, &self.url),
            Encoding::Xml => crate::codec::xml::from_slice(bytes, &self.label, &self.url),
            Encoding::Absent => decode_json(b"null", &self.label, &self.url),
        }
    }
}

/// Decodes the JSON value at the start of `bytes` into `T`, naming the path
/// that failed and, when the path runs through records, the innermost
/// record's id.
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8], label: &str, url: &str) -> Result<T> {
    // Fast path: plain serde. Tracking the path costs on every value, so it
    // is only done again when decoding fails, to say where.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    if let Ok(v) = T::deserialize(&mut de) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                // Not a value of the wrong shape: bytes that are not JSON.
                return Err(Error::malformed(
                    url,
                    format!("the result of {label} is not valid JSON: {inner}"),
                    bytes,
                ));
            }
            let err = Error::decode(label, path.clone(), inner);
            let mut de = serde_json::Deserializer::from_slice(bytes);
            match Value::deserialize(&mut de) {
                Ok(v) => Err(crate::codec::with_record_at(err, &v, &path)),
                Err(_) => Err(err),
            }
        }
    }
}

/// Decodes an already parsed value into `T`, naming the path that failed.
pub(crate) fn decode_value<T: DeserializeOwned>(v: Value, label: &str) -> Result<T> {
    if let Ok(t) = T::deserialize(&v) {
        return Ok(t);
    }
    serde_path_to_error::deserialize(&v).map_err(|e| {
        let path = e.path().to_string();
        crate::codec::with_record_at(
            Error::decode(label, path.clone(), e.into_inner()),
            &v,
            &path,
        )
    })
}
