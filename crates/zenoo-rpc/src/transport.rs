//! HTTP: one pooled `reqwest` client per `Client`, timeouts, headers.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap};

use crate::error::{Error, Result};

/// An HTTP response's parts that protocols look at.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Media type of `Content-Type`, lowercase, without parameters.
    pub media_type: String,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// URL requested.
    pub url: String,
}

impl Reply {
    /// The error for a status no protocol expected.
    pub fn status_error(&self) -> Error {
        let location = self
            .headers
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok());
        match location {
            Some(to) if (300..400).contains(&self.status) => Error::status(
                self.status,
                &self.url,
                format!("redirects to {to} (redirects are not followed: use that URL)").as_bytes(),
            ),
            _ => Error::status(self.status, &self.url, &self.body),
        }
    }

    /// The body as text, or a malformed-response error.
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body)
            .map_err(|_| Error::malformed(&self.url, "the body is not UTF-8", &self.body))
    }
}

/// The HTTP layer shared by every protocol.
#[derive(Debug, Clone)]
pub struct Transport {
    http: reqwest::Client,
    base: String,
    /// `base` parsed once: every request URL is this with another path, so
    /// no request parses (and IDNA-maps) the host again.
    base_url: reqwest::Url,
}

impl Transport {
    /// Builds the pooled client.
    pub fn new(
        base: &str,
        connect_timeout: Duration,
        timeout: Duration,
        user_agent: &str,
        headers: HeaderMap,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .user_agent(user_agent)
            .default_headers(headers)
            .pool_idle_timeout(Duration::from_secs(60))
            // An RPC endpoint that redirects is misconfigured (http -> https,
            // a proxy): following it would turn the POST into a GET and lose
            // the call. The 3xx is reported instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config("tls", format!("cannot build the HTTP client: {e}")))?;
        let base = base.trim_end_matches('/').to_string();
        let base_url = reqwest::Url::parse(&base)
            .map_err(|e| Error::config("url", format!("{base:?} is not a valid URL: {e}")))?;
        Ok(Self {
            http,
            base,
            base_url,
        })
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

    /// Base URL without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The underlying client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `POST base+path` with a body and content type.
    pub async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        headers: HeaderMap,
    ) -> Result<Reply> {
        let url = self.url(path);
        let label = url.as_str().to_string();
        let req = self
            .http
            .post(url)
            .header(CONTENT_TYPE, content_type)
            .headers(headers)
            .body(body);
        self.send(label, req).await
    }

    /// `GET base+path`.
    pub async fn get(&self, path: &str, headers: HeaderMap) -> Result<Reply> {
        let url = self.url(path);
        let label = url.as_str().to_string();
        let req = self.http.get(url).headers(headers);
        self.send(label, req).await
    }

    async fn send(&self, url: String, req: reqwest::RequestBuilder) -> Result<Reply> {
        let resp = req.send().await.map_err(|e| Error::transport(&url, e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let media_type = media_type(&headers);
        let body = resp.bytes().await.map_err(|e| Error::transport(&url, e))?;
        Ok(Reply {
            status,
            media_type,
            headers,
            body,
            url,
        })
    }
}

/// The media type of a response.
pub fn media_type(headers: &HeaderMap) -> String {
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
