//! HTTP: one pooled `reqwest` client per [`Client`](crate::Client), a real
//! wall-clock deadline per request, a cap on what is buffered, and URLs
//! with their userinfo redacted wherever they are shown.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_TYPE, HeaderMap};

use crate::error::{Error, Result};

/// Default connect timeout: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default request timeout: 120 seconds (Odoo's own worker limit is 120 s CPU).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default cap on a response body read for decoding: 256 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 256 * 1024 * 1024;

/// An HTTP response whose body was read whole (within the size cap).
#[derive(Debug)]
pub(crate) struct HttpReply {
    /// Status code.
    pub(crate) status: u16,
    /// Media type of `Content-Type`, lowercase, without parameters.
    pub(crate) media_type: String,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// Body.
    pub(crate) body: Bytes,
    /// URL requested, userinfo redacted.
    pub(crate) url: Arc<str>,
}

impl HttpReply {
    /// The error for a status no protocol expected.
    pub(crate) fn status_error(&self) -> Error {
        let location = self
            .headers
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok());
        match location {
            Some(to) if (300..400).contains(&self.status) => Error::status(
                self.status,
                &self.url,
                &self.media_type,
                format!(
                    "redirects to {} (redirects are not followed: use that URL)",
                    redact_str(to)
                )
                .as_bytes(),
            ),
            _ => Error::status(self.status, &self.url, &self.media_type, &self.body)
                .with_retry_after(self.retry_after()),
        }
    }

    /// `Retry-After` as a wait: delay-seconds, or an HTTP date from now
    /// (RFC 9110 §10.2.3); a date in the past is no wait.
    fn retry_after(&self) -> Option<Duration> {
        let value = self
            .headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?;
        let value = value.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let at = httpdate::parse_http_date(value).ok()?;
        Some(
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    }

    /// Whether the body is JSON, or a malformed-response error saying what it is.
    pub(crate) fn expect_json(&self) -> Result<()> {
        if self.media_type.contains("json") {
            return Ok(());
        }
        Err(Error::malformed(
            &self.url,
            format!("expected JSON, got {:?}", self.media_type),
            &self.body,
        ))
    }
}

/// Settings of a [`Transport`].
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_response_size: usize,
    pub(crate) user_agent: String,
    pub(crate) headers: HeaderMap,
    pub(crate) pool_max_idle_per_host: usize,
    pub(crate) pool_idle_timeout: Option<Duration>,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            user_agent: concat!("zenoo-rpc/", env!("CARGO_PKG_VERSION")).into(),
            headers: HeaderMap::new(),
            pool_max_idle_per_host: usize::MAX,
            pool_idle_timeout: Some(Duration::from_secs(60)),
        }
    }
}

/// The HTTP layer shared by every protocol of a client (and its database
/// service): one connection pool.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    /// The base URL parsed once: every request URL is this with another
    /// path, so no request parses (and IDNA-maps) the host again.
    base_url: reqwest::Url,
    /// The base URL for messages: no trailing slash, userinfo redacted.
    shown_base: Arc<str>,
    /// The request URL and the shown URL of each path posted to (a few:
    /// `/jsonrpc`, `/web/dataset/call_kw`, JSON-2's per-method paths),
    /// made once; at most [`PATHS_KEPT`], the rest made per request.
    paths: Arc<RwLock<HashMap<Box<str>, PathUrls>>>,
    timeout: Duration,
    max_response_size: usize,
}

/// A path's request URL and its URL as shown in messages.
type PathUrls = (reqwest::Url, Arc<str>);

/// How many paths a transport keeps its URLs of.
const PATHS_KEPT: usize = 256;

impl Transport {
    /// Builds the pooled client.
    pub(crate) fn new(base: &url::Url, config: &TransportConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.as_str())
            .default_headers(config.headers.clone())
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            // An RPC endpoint that redirects is misconfigured (http -> https,
            // a proxy): following it would turn the POST into a GET and lose
            // the call. The 3xx is reported instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::config(
                    "tls",
                    format!("cannot build the HTTP client: {}", e.without_url()),
                )
            })?;
        let mut base_url = base.clone();
        let trimmed = base_url.path().trim_end_matches('/').to_string();
        base_url.set_path(&trimmed);
        let shown = redact(&base_url);
        Ok(Self {
            http,
            shown_base: shown.trim_end_matches('/').into(),
            base_url,
            paths: Arc::default(),
            timeout: config.timeout,
            max_response_size: config.max_response_size,
        })
    }

    /// The request URL and the shown URL of `path`: kept ones, or made
    /// (and kept while fewer than [`PATHS_KEPT`] are).
    fn urls(&self, path: &str) -> PathUrls {
        let kept = self.paths.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((url, shown)) = kept.get(path) {
            return (url.clone(), shown.clone());
        }
        let full = kept.len() >= PATHS_KEPT;
        drop(kept);
        let made = (self.url(path), self.shown(path));
        if !full {
            self.paths
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(path.into(), made.clone());
        }
        made
    }

    /// `base` + `path` (which may carry a query string).
    fn url(&self, path: &str) -> reqwest::Url {
        let mut url = self.base_url.clone();
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let prefix = self.base_url.path().trim_end_matches('/');
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(query);
        url
    }

    /// The URL of `path` as shown in messages (userinfo redacted).
    pub(crate) fn shown(&self, path: &str) -> Arc<str> {
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        format!("{}{path}", self.shown_base).into()
    }

    /// The same connections with another deadline (the database service's
    /// long operations).
    pub(crate) fn with_timeout(&self, timeout: Duration) -> Self {
        Self {
            timeout,
            ..self.clone()
        }
    }

    /// Base URL without a trailing slash, userinfo redacted.
    pub(crate) fn base(&self) -> &str {
        &self.shown_base
    }

    /// `POST base+path` with a body and content type; the body is read whole.
    pub(crate) async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        headers: HeaderMap,
    ) -> Result<HttpReply> {
        let (url, shown) = self.urls(path);
        let req = self
            .http
            .post(url)
            .header(CONTENT_TYPE, content_type)
            .headers(headers)
            .body(body);
        self.send(shown, req).await
    }

    /// `GET base+path`; the body is read whole.
    pub(crate) async fn get(&self, path: &str, headers: HeaderMap) -> Result<HttpReply> {
        let req = self.http.get(self.url(path)).headers(headers);
        self.send(self.shown(path), req).await
    }

    /// `POST base+path` whose response body is streamed by the caller (dumps):
    /// the deadline covers the response head; the body is not capped, and
    /// [`Transport::next_chunk`] gives each chunk the whole timeout.
    pub(crate) async fn post_streamed(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Result<(Arc<str>, reqwest::Response)> {
        let url = self.shown(path);
        let req = self
            .http
            .post(self.url(path))
            .header(CONTENT_TYPE, content_type)
            .body(body);
        let req = crate::transport::request_id::tag(req);
        match tokio::time::timeout(self.timeout, req.send()).await {
            Ok(Ok(resp)) => Ok((url, resp)),
            Ok(Err(e)) => Err(Error::transport(&url, e)),
            Err(_) => Err(Error::timeout(&url, self.timeout)),
        }
    }

    /// The next chunk of a streamed body, within the timeout.
    pub(crate) async fn next_chunk(
        &self,
        url: &str,
        resp: &mut reqwest::Response,
    ) -> Result<Option<Bytes>> {
        match tokio::time::timeout(self.timeout, resp.chunk()).await {
            Ok(r) => r.map_err(|e| Error::transport(url, e)),
            Err(_) => Err(Error::timeout(url, self.timeout)),
        }
    }

    /// Reads a streamed response whole (error pages of streamed routes), capped.
    pub(crate) async fn finish(&self, url: Arc<str>, resp: reqwest::Response) -> Result<HttpReply> {
        let fut = self.read(url.clone(), resp);
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::timeout(&url, self.timeout)),
        }
    }

    async fn send(&self, url: Arc<str>, req: reqwest::RequestBuilder) -> Result<HttpReply> {
        let req = crate::transport::request_id::tag(req);
        // One deadline for connecting, sending and reading the whole body:
        // the documented timeout is the real one.
        let fut = async {
            let resp = req.send().await.map_err(|e| Error::transport(&url, e))?;
            self.read(url.clone(), resp).await
        };
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::timeout(&url, self.timeout)),
        }
    }

    async fn read(&self, url: Arc<str>, mut resp: reqwest::Response) -> Result<HttpReply> {
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let media_type = media_type(&headers);
        let limit = self.max_response_size;
        let too_large = || Error::too_large(&url, limit);
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut first: Option<Bytes> = None;
        let mut rest = BytesMut::new();
        let mut total = 0usize;
        while let Some(chunk) = resp.chunk().await.map_err(|e| Error::transport(&url, e))? {
            total = total.saturating_add(chunk.len());
            if total > limit {
                return Err(too_large());
            }
            match &first {
                None => first = Some(chunk),
                Some(f) => {
                    if rest.is_empty() {
                        rest.extend_from_slice(f);
                    }
                    rest.extend_from_slice(&chunk);
                }
            }
        }
        let body = if rest.is_empty() {
            first.unwrap_or_default()
        } else {
            rest.freeze()
        };
        Ok(HttpReply {
            status,
            media_type,
            headers,
            body,
            url,
        })
    }
}

/// The media type of a response.
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// `url` with any userinfo replaced by `***`.
pub(crate) fn redact(url: &url::Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    // Both only fail for URLs that cannot have userinfo, which have none.
    let _ = shown.set_password(None);
    let _ = shown.set_username("***");
    shown.to_string()
}

/// A URL given as text, with any userinfo replaced by `***`, even when the
/// text does not parse as a URL.
pub(crate) fn redact_str(text: &str) -> String {
    if let Ok(url) = url::Url::parse(text) {
        return redact(&url);
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let host = &rest[at + 1..];
            match scheme {
                Some(s) => format!("{s}://***@{host}"),
                None => format!("***@{host}"),
            }
        }
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(
            redact_str("http://user:secret@host:8069/x"),
            "http://***@host:8069/x"
        );
        assert_eq!(redact_str("http://host:8069/"), "http://host:8069/");
        assert_eq!(redact_str("ht!tp://u:secret@h/p"), "ht!tp://***@h/p");
    }
}
