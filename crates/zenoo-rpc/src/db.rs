//! The database service: list, create, duplicate, drop, dump and restore,
//! over the `db` RPC service or, where that is gone, the database manager's
//! `/web/database/*` routes. Dumps are streamed to any `AsyncWrite` and
//! restores streamed from a file: never held whole in memory.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::protocol::JsonRpc;
use crate::transport::Transport;
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, OdooError};

/// A form body (`application/x-www-form-urlencoded`).
fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The error of a failed database-manager action: Odoo renders its page
/// with "Could not <verb> database. <message>".
fn web_failure(status: u16, url: &str, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let Some(start) = text.find("Could not ") else {
        return Error::status(status, url, body);
    };
    let rest = &text[start..];
    let end = rest.find('<').unwrap_or(rest.len());
    let line = rest[..end]
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let message = line
        .split_once("database. ")
        .map_or(line.as_str(), |(_, m)| m)
        .trim()
        .to_string();
    let name = if message == "Access Denied" {
        "odoo.exceptions.AccessDenied"
    } else {
        "builtins.Exception"
    };
    OdooError {
        name: name.into(),
        message,
        arguments: vec![Value::from(line.trim())],
        debug: None,
        code: i64::from(status),
    }
    .into()
}

/// Format of a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DumpFormat {
    /// A zip with the SQL dump and the filestore.
    #[default]
    Zip,
    /// `pg_dump` custom format, without the filestore.
    Dump,
}

impl DumpFormat {
    fn as_str(self) -> &'static str {
        match self {
            Self::Zip => "zip",
            Self::Dump => "dump",
        }
    }
}

/// The `db` service of a server, authorised by its master password.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zenoo_rpc::Result<()> {
/// # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
/// use zenoo_rpc::db::DbService;
/// let dbs = DbService::new(&sim.url(), "admin")?;
/// assert!(dbs.list().await?.contains(&"demo".to_string()));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DbService {
    transport: Transport,
    /// For the form routes, which answer with redirects.
    web: reqwest::Client,
    master: SecretString,
    route: Arc<AtomicU8>,
}

/// Which routes a [`DbService`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbRoutes {
    /// The `db` RPC service, switching to the web routes for good when the
    /// server has no `/jsonrpc` (HTTP 404).
    Auto,
    /// Only the `db` RPC service.
    Rpc,
    /// Only the `/web/database/*` routes.
    Web,
}

impl DbRoutes {
    fn code(self) -> u8 {
        match self {
            Self::Auto => 0,
            Self::Rpc => 1,
            Self::Web => 2,
        }
    }
}

impl DbService {
    /// A handle on the server at `url` with its master password.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(url: &str, master_password: &str) -> Result<Self> {
        let transport = Transport::new(
            url,
            DEFAULT_CONNECT_TIMEOUT,
            DEFAULT_TIMEOUT,
            concat!("zenoo-rpc/", env!("CARGO_PKG_VERSION")),
            Default::default(),
        )?;
        let web = reqwest::Client::builder()
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .timeout(DEFAULT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("zenoo-rpc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config("tls", format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            transport,
            web,
            master: SecretString::from(master_password.to_string()),
            route: Arc::new(AtomicU8::new(DbRoutes::Auto.code())),
        })
    }

    /// Chooses the routes (default [`DbRoutes::Auto`]).
    #[must_use]
    pub fn routes(self, routes: DbRoutes) -> Self {
        self.route.store(routes.code(), Ordering::Relaxed);
        self
    }

    fn uses_web(&self) -> bool {
        self.route.load(Ordering::Relaxed) == DbRoutes::Web.code()
    }

    /// Whether an RPC failure means "no `/jsonrpc` here": then switch to the
    /// web routes (in `Auto` mode) and say so.
    fn falls_back(&self, e: &Error) -> bool {
        let auto = self.route.load(Ordering::Relaxed) == DbRoutes::Auto.code();
        if auto && e.status_code() == Some(404) {
            tracing::debug!("no db RPC service; using /web/database/*");
            self.route.store(DbRoutes::Web.code(), Ordering::Relaxed);
            return true;
        }
        false
    }

    /// POSTs a form to `/web/database/<action>`; a redirect or 200 is success.
    async fn form(&self, action: &str, fields: &[(&str, &str)]) -> Result<reqwest::Response> {
        let url = format!("{}/web/database/{action}", self.transport.base());
        let master = self.master.expose_secret();
        let mut all: Vec<(&str, &str)> = vec![("master_pwd", master)];
        all.extend_from_slice(fields);
        let body = serde_urlencoded_pairs(&all);
        let resp = self
            .web
            .post(&url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| Error::transport(&url, e))?;
        self.checked(resp, &url).await
    }

    async fn checked(&self, resp: reqwest::Response, url: &str) -> Result<reqwest::Response> {
        let status = resp.status().as_u16();
        if (200..400).contains(&status) {
            return Ok(resp);
        }
        let body = resp.bytes().await.map_err(|e| Error::transport(url, e))?;
        Err(web_failure(status, url, &body))
    }

    fn rpc(&self) -> JsonRpc {
        JsonRpc::new(
            self.transport.clone(),
            "",
            0,
            SecretString::from(String::new()),
        )
    }

    async fn db<T: serde::de::DeserializeOwned>(&self, method: &str, args: Value) -> Result<T> {
        self.rpc().rpc("db", method, args).await
    }

    /// Names of the databases the server lists.
    pub async fn list(&self) -> Result<Vec<String>> {
        if !self.uses_web() {
            match self.db("list", json!([])).await {
                Err(e) if self.falls_back(&e) => {}
                other => return other,
            }
        }
        let reply = self
            .transport
            .post(
                "/web/database/list",
                "application/json",
                json!({"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}).to_string(),
                Default::default(),
            )
            .await?;
        crate::protocol::decode_envelope_public(&reply, "web.database.list")
    }

    /// `common.version`, or `GET /web/version` where `/jsonrpc` is gone.
    pub async fn server_version_info(&self) -> Result<Value> {
        match self
            .rpc()
            .rpc::<Value>("common", "version", json!([]))
            .await
        {
            Ok(v) => Ok(v),
            Err(e) if e.is_transport() => Err(e),
            Err(first) => {
                let reply = self
                    .transport
                    .get("/web/version", Default::default())
                    .await?;
                match serde_json::from_slice::<Value>(&reply.body) {
                    Ok(v) if reply.status == 200 => Ok(v),
                    _ => Err(first),
                }
            }
        }
    }

    /// Whether a database exists.
    pub async fn exists(&self, name: &str) -> Result<bool> {
        if !self.uses_web() {
            match self.db("db_exist", json!([name])).await {
                Err(e) if self.falls_back(&e) => {}
                other => return other,
            }
        }
        Ok(self.list().await?.iter().any(|n| n == name))
    }

    /// Creates a database (with demo data or not) and its admin user.
    pub async fn create(
        &self,
        name: &str,
        demo: bool,
        lang: &str,
        admin_login: &str,
        admin_password: &str,
    ) -> Result<()> {
        if !self.uses_web() {
            match self
                .db::<Value>(
                    "create_database",
                    json!([
                        self.master.expose_secret(),
                        name,
                        demo,
                        lang,
                        admin_password,
                        admin_login
                    ]),
                )
                .await
            {
                Err(e) if self.falls_back(&e) => {}
                other => return other.map(|_| ()),
            }
        }
        let demo = if demo { "true" } else { "false" };
        let fields = [
            ("name", name),
            ("lang", lang),
            ("login", admin_login),
            ("password", admin_password),
            ("demo", demo),
            ("phone", ""),
        ];
        self.form("create", &fields).await.map(|_| ())
    }

    /// Copies a database.
    pub async fn duplicate(&self, from: &str, to: &str) -> Result<()> {
        if !self.uses_web() {
            match self
                .db::<Value>(
                    "duplicate_database",
                    json!([self.master.expose_secret(), from, to]),
                )
                .await
            {
                Err(e) if self.falls_back(&e) => {}
                other => return other.map(|_| ()),
            }
        }
        self.form("duplicate", &[("name", from), ("new_name", to)])
            .await
            .map(|_| ())
    }

    /// Drops a database; false when it did not exist.
    pub async fn drop(&self, name: &str) -> Result<bool> {
        if !self.uses_web() {
            match self
                .db("drop", json!([self.master.expose_secret(), name]))
                .await
            {
                Err(e) if self.falls_back(&e) => {}
                other => return other,
            }
        }
        if !self.list().await?.iter().any(|n| n == name) {
            return Ok(false);
        }
        self.form("drop", &[("name", name)]).await.map(|_| true)
    }

    /// Changes the master password.
    pub async fn change_admin_password(&self, new_password: &str) -> Result<()> {
        if !self.uses_web() {
            match self
                .db::<Value>(
                    "change_admin_password",
                    json!([self.master.expose_secret(), new_password]),
                )
                .await
            {
                Err(e) if self.falls_back(&e) => {}
                other => return other.map(|_| ()),
            }
        }
        self.form("change_password", &[("master_pwd_new", new_password)])
            .await
            .map(|_| ())
    }

    /// Streams a dump into `out`; returns the number of bytes written.
    /// `progress` is called with the bytes written so far.
    pub async fn dump<W: AsyncWrite + Unpin>(
        &self,
        name: &str,
        format: DumpFormat,
        out: &mut W,
        mut progress: impl FnMut(u64),
    ) -> Result<u64> {
        if !self.uses_web() {
            match self.rpc_dump(name, format, out, &mut progress).await {
                Err(e) if self.falls_back(&e) => {}
                other => return other,
            }
        }
        let mut resp = self
            .form(
                "backup",
                &[("name", name), ("backup_format", format.as_str())],
            )
            .await?;
        let url = format!("{}/web/database/backup", self.transport.base());
        let mut written = 0u64;
        while let Some(chunk) = resp.chunk().await.map_err(|e| Error::transport(&url, e))? {
            out.write_all(&chunk).await?;
            written += chunk.len() as u64;
            progress(written);
        }
        out.flush().await?;
        Ok(written)
    }

    /// `db.dump`: the base64 text in the JSON-RPC answer, decoded as it arrives.
    async fn rpc_dump<W: AsyncWrite + Unpin>(
        &self,
        name: &str,
        format: DumpFormat,
        out: &mut W,
        progress: &mut impl FnMut(u64),
    ) -> Result<u64> {
        let body = json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "db", "method": "dump", "args": [self.master.expose_secret(), name, format.as_str()]}, "id": 1});
        let url = format!("{}/jsonrpc", self.transport.base());
        let resp = self
            .transport
            .http()
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| Error::transport(&url, e))?;
        if !resp.status().is_success() {
            return Err(Error::status(resp.status().as_u16(), &url, b""));
        }
        let mut stream = resp.bytes_stream();
        let mut head = Vec::new();
        let marker = b"\"result\":\"";
        let mut pending: Vec<u8> = Vec::new();
        let mut written = 0u64;
        let mut in_result = false;
        let mut done = false;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::transport(&url, e))?;
            let mut data: &[u8] = &chunk;
            if !in_result {
                head.extend_from_slice(data);
                match head.windows(marker.len()).position(|w| w == marker) {
                    Some(pos) => {
                        in_result = true;
                        let rest = head.split_off(pos + marker.len());
                        pending.extend_from_slice(&rest);
                        data = &[];
                    }
                    None => continue,
                }
            }
            if done {
                continue;
            }
            pending.extend_from_slice(data);
            if let Some(end) = pending.iter().position(|b| *b == b'"') {
                pending.truncate(end);
                done = true;
            }
            let usable = if done {
                pending.len()
            } else {
                pending.len() / 4 * 4
            };
            let clean: Vec<u8> = pending[..usable].to_vec();
            let bytes = STANDARD
                .decode(&clean)
                .map_err(|e| Error::malformed(&url, format!("dump is not base64: {e}"), &clean))?;
            out.write_all(&bytes).await?;
            written += bytes.len() as u64;
            progress(written);
            pending.drain(..usable);
        }
        if !in_result {
            // An error envelope: decode it for the Odoo error.
            let reply = crate::transport::Reply {
                status: 200,
                media_type: "application/json".into(),
                headers: Default::default(),
                body: head.into(),
                url: url.clone(),
            };
            let _: Value = crate::protocol::decode_envelope_public(&reply, "db.dump")?;
            return Err(Error::malformed(
                &url,
                "the dump response holds no result",
                b"",
            ));
        }
        out.flush().await?;
        Ok(written)
    }

    /// Restores `file` (a dump) as database `name`, streaming it.
    pub async fn restore(
        &self,
        name: &str,
        file: &Path,
        mut progress: impl FnMut(u64),
    ) -> Result<()> {
        if !self.uses_web() {
            match self.rpc_restore(name, file, &mut progress).await {
                Err(e) if self.falls_back(&e) => {}
                other => return other,
            }
        }
        let f = tokio::fs::File::open(file).await?;
        let len = f.metadata().await?.len();
        let part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(f)),
            len,
        )
        .file_name(
            file.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "backup.zip".into()),
        );
        let form = reqwest::multipart::Form::new()
            .text("master_pwd", self.master.expose_secret().to_string())
            .text("name", name.to_string())
            .text("copy", "true")
            .part("backup_file", part);
        let url = format!("{}/web/database/restore", self.transport.base());
        let resp = self
            .web
            .post(&url)
            .multipart(form)
            .send()
            .await
            .map_err(|e| Error::transport(&url, e))?;
        self.checked(resp, &url).await?;
        progress(len);
        Ok(())
    }

    /// `db.restore`: the file base64-encoded into the JSON-RPC request as it is read.
    async fn rpc_restore(
        &self,
        name: &str,
        file: &Path,
        progress: &mut impl FnMut(u64),
    ) -> Result<()> {
        let mut f = tokio::fs::File::open(file).await?;
        let head = format!(
            "{{\"jsonrpc\":\"2.0\",\"method\":\"call\",\"id\":1,\"params\":{{\"service\":\"db\",\"method\":\"restore\",\"args\":[{},{},\"",
            serde_json::to_string(self.master.expose_secret()).unwrap_or_default(),
            serde_json::to_string(name).unwrap_or_default()
        );
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
        let reader = tokio::spawn(async move {
            let _ = tx.send(Ok(head.into_bytes())).await;
            let mut buf = vec![0u8; 3 * 64 * 1024];
            let mut sent = 0u64;
            loop {
                let mut filled = 0;
                while filled < buf.len() {
                    match f.read(&mut buf[filled..]).await {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) => {
                            let _ = tx.send(Err(e)).await;
                            return sent;
                        }
                    }
                }
                if filled == 0 {
                    break;
                }
                sent += filled as u64;
                if tx
                    .send(Ok(STANDARD.encode(&buf[..filled]).into_bytes()))
                    .await
                    .is_err()
                {
                    return sent;
                }
                if filled < buf.len() {
                    break;
                }
            }
            let _ = tx.send(Ok(b"\",true,false]}}".to_vec())).await;
            sent
        });
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let reply = self
            .transport
            .post(
                "/jsonrpc",
                "application/json",
                reqwest::Body::wrap_stream(stream),
                Default::default(),
            )
            .await;
        let sent = reader.await.unwrap_or(0);
        progress(sent);
        let reply = reply?;
        let _: Value = crate::protocol::decode_envelope_public(&reply, "db.restore")?;
        Ok(())
    }
}
