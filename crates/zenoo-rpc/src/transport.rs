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
        Error::status(self.status, &self.url, &self.body)
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
            .build()
            .map_err(|e| Error::config("tls", format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
        })
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
        let url = format!("{}{}", self.base, path);
        let req = self
            .http
            .post(&url)
            .header(CONTENT_TYPE, content_type)
            .headers(headers)
            .body(body);
        self.send(url, req).await
    }

    /// `GET base+path`.
    pub async fn get(&self, path: &str, headers: HeaderMap) -> Result<Reply> {
        let url = format!("{}{}", self.base, path);
        let req = self.http.get(&url).headers(headers);
        self.send(url, req).await
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
