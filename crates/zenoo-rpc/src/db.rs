//! The database service: list, create, duplicate, drop, dump and restore,
//! over the `db` RPC service or, where that is gone, the database manager's
//! `/web/database/*` routes. Dumps are streamed to any `AsyncWrite` and
//! restores streamed from a file: never held whole in memory.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};
use struson::reader::{JsonReader, JsonStreamReader, ValueType};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::client::Client;
use crate::error::OdooError;
use crate::error::{Error, Result};
use crate::protocol::{
    ServiceParams, jsonrpc_decode_into, jsonrpc_encode, jsonrpc_error_of, service_call,
};
use crate::transport::http::{HttpReply, Transport, TransportConfig};

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
        return Error::status(status, url, "text/html", body);
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
    OdooError::new(
        name.into(),
        message,
        vec![Value::from(line.trim())],
        None,
        i64::from(status),
    )
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
    /// The same connections with the deadline of long operations: the
    /// wait for a dump's first byte (Odoo builds the dump whole before it
    /// answers) and a whole restore.
    slow: Transport,
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

/// Pieces in flight between two stages of a streamed dump: with the
/// parser's 192 KiB pieces, a dump holds well under 2 MiB whatever its size.
const PIPE_DEPTH: usize = 4;

/// The default of [`DbService::operation_timeout`].
const SLOW_OPERATIONS: std::time::Duration = std::time::Duration::from_secs(3600);

/// Odoo's `DEFAULT_MAX_CONTENT_LENGTH`: the largest request body it reads
/// on every route but the restore form.
const ODOO_REQUEST_LIMIT: u64 = 128 * 1024 * 1024;

/// What a `db.restore` request holds besides the file's base64.
const ENVELOPE_ROOM: u64 = 64 * 1024;

/// The placeholder a streamed restore's file takes in the encoded request.
const FILE_PLACEHOLDER: &str = "zenoo:restore-file-data";

impl DbService {
    /// A handle on the server at `url` with its master password, with the
    /// client's default timeouts (no login needed; see also
    /// [`Client::database_service`]).
    ///
    /// # Errors
    /// When `url` is not a URL or the HTTP client cannot be built.
    pub fn new(url: &str, master_password: &str) -> Result<Self> {
        let parsed = url::Url::parse(url).map_err(|e| {
            Error::config(
                "url",
                format!(
                    "{:?} is not a URL: {e}",
                    crate::transport::http::redact_str(url)
                ),
            )
        })?;
        let transport = Transport::new(&parsed, &TransportConfig::default())?;
        Ok(Self {
            slow: transport.with_timeout(SLOW_OPERATIONS),
            transport,
            master: SecretString::from(master_password.to_string()),
            route: Arc::new(AtomicU8::new(DbRoutes::Auto.code())),
        })
    }

    /// How long a dump may take to start and a restore to finish (default
    /// one hour): Odoo builds a dump whole before it sends a byte, and
    /// restores a large database for minutes. The pieces of a dump, and
    /// every other call, keep the client's timeout.
    #[must_use]
    pub fn operation_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.slow = self.transport.with_timeout(timeout);
        self
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

    fn form_body(&self, fields: &[(&str, &str)]) -> String {
        let master = self.master.expose_secret();
        let mut all: Vec<(&str, &str)> = vec![("master_pwd", master)];
        all.extend_from_slice(fields);
        serde_urlencoded_pairs(&all)
    }

    /// POSTs a form to `/web/database/<action>`; a redirect or 200 is success.
    async fn form(&self, action: &str, fields: &[(&str, &str)]) -> Result<HttpReply> {
        let reply = self
            .transport
            .post(
                &format!("/web/database/{action}"),
                "application/x-www-form-urlencoded",
                self.form_body(fields),
                Default::default(),
            )
            .await?;
        if (200..400).contains(&reply.status) {
            return Ok(reply);
        }
        Err(web_failure(reply.status, &reply.url, &reply.body))
    }

    async fn db<T: serde::de::DeserializeOwned>(&self, method: &str, args: Value) -> Result<T> {
        service_call(&self.transport, "db", method, args).await
    }

    /// Names of the databases the server lists.
    pub async fn list(&self) -> Result<Vec<String>> {
        if !self.uses_web() {
            match self.db("list", json!([])).await {
                Err(e) if self.falls_back(&e) => {}
                other => return other,
            }
        }
        let label = "web.database.list";
        let body = jsonrpc_encode(&Map::new(), 1, label)?;
        let reply = self
            .transport
            .post(
                "/web/database/list",
                "application/json",
                body,
                Default::default(),
            )
            .await?;
        jsonrpc_decode_into(reply, label)
    }

    /// `common.version`, or `GET /web/version` where `/jsonrpc` is gone.
    pub async fn server_version_info(&self) -> Result<Value> {
        match service_call::<Value>(&self.transport, "common", "version", json!([])).await {
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
    /// `progress` is called with the bytes written so far. Memory stays
    /// bounded whatever the dump's size: the JSON-RPC answer is read as a
    /// stream and its base64 decoded as it arrives.
    ///
    /// # Errors
    /// The server's error (a wrong master password is `AccessDenied`), or
    /// a transport or I/O error. What was written to `out` before an error
    /// is not a dump: [`DbService::dump_to_file`] never leaves one behind.
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
        let (url, mut resp) = self
            .slow
            .post_streamed(
                "/web/database/backup",
                "application/x-www-form-urlencoded",
                self.form_body(&[("name", name), ("backup_format", format.as_str())]),
            )
            .await?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let reply = self.transport.finish(url, resp).await?;
            return Err(web_failure(reply.status, &reply.url, &reply.body));
        }
        let mut written = 0u64;
        while let Some(chunk) = self.transport.next_chunk(&url, &mut resp).await? {
            out.write_all(&chunk).await?;
            written += chunk.len() as u64;
            progress(written);
        }
        out.flush().await?;
        Ok(written)
    }

    /// Dumps into the file `path` through a temporary file beside it,
    /// renamed over `path` only when the dump is complete: a failed dump
    /// (wrong master password, unknown database, a broken connection)
    /// leaves an existing file as it was.
    ///
    /// # Errors
    /// As [`DbService::dump`], and I/O errors naming the file.
    pub async fn dump_to_file(
        &self,
        name: &str,
        format: DumpFormat,
        path: &Path,
        progress: impl FnMut(u64),
    ) -> Result<u64> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".zenoo-dump-")
            .tempfile_in(&dir)
            .map_err(|e| Error::file(&dir, "create a temporary file in", e))?;
        let (std_file, temp_path) = temp.into_parts();
        let mut file = tokio::fs::File::from_std(std_file);
        let written = self.dump(name, format, &mut file, progress).await?;
        file.sync_all()
            .await
            .map_err(|e| Error::file(path, "write", e))?;
        drop(file);
        temp_path
            .persist(path)
            .map_err(|e| Error::file(path, "replace", e.error))?;
        Ok(written)
    }

    /// `db.dump`: the JSON-RPC answer read as a stream (any whitespace, any
    /// member order), the base64 of `result` decoded as it arrives; an
    /// `error` member becomes the Odoo error.
    async fn rpc_dump<W: AsyncWrite + Unpin>(
        &self,
        name: &str,
        format: DumpFormat,
        out: &mut W,
        progress: &mut impl FnMut(u64),
    ) -> Result<u64> {
        let label = "db.dump";
        let body = jsonrpc_encode(
            &ServiceParams {
                service: "db",
                method: "dump",
                args: (self.master.expose_secret(), name, format.as_str()),
            },
            1,
            label,
        )?;
        let (url, mut resp) = self
            .slow
            .post_streamed("/jsonrpc", "application/json", body)
            .await?;
        if resp.status().as_u16() != 200 {
            let reply = self.transport.finish(url, resp).await?;
            return Err(reply.status_error());
        }
        // Three stages run at once, each bounded: the network feeds the
        // parser (a blocking thread: struson reads a `Read`), the parser
        // feeds the writer. `feed` and `drain` are joined, not selected,
        // so a full channel on one side never stops the other from moving:
        // the pipeline cannot wait on itself. A stage that stops drops its
        // channel end, which stops the stage before it.
        let (in_tx, in_rx) = tokio::sync::mpsc::channel::<Bytes>(PIPE_DEPTH);
        let (out_tx, out_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(PIPE_DEPTH);
        let parse_url = url.clone();
        let parser = tokio::task::spawn_blocking(move || {
            parse_dump(ChannelReader::new(in_rx), &out_tx, &parse_url)
        });
        let transport = &self.transport;
        let chunk_url = &url;
        let feed = async move {
            while let Some(chunk) = transport.next_chunk(chunk_url, &mut resp).await? {
                if in_tx.send(chunk).await.is_err() {
                    break; // the parser is done (or failed): it says why
                }
            }
            Ok::<(), Error>(())
        };
        let drain = async move {
            let mut out_rx = out_rx;
            let mut written = 0u64;
            while let Some(bytes) = out_rx.recv().await {
                out.write_all(&bytes).await?;
                written += bytes.len() as u64;
                progress(written);
            }
            out.flush().await?;
            Ok::<u64, Error>(written)
        };
        let (fed, drained) = tokio::join!(feed, drain);
        let parsed = parser
            .await
            .map_err(|e| Error::malformed(&url, format!("the dump reader stopped: {e}"), b""))?;
        // An Odoo error in the envelope says most; then the network; then
        // the writer; then a malformed envelope.
        match parsed {
            Err(e) if e.odoo().is_some() => Err(e),
            parsed => {
                fed?;
                let written = drained?;
                parsed?;
                Ok(written)
            }
        }
    }

    /// Restores `file` (a dump) as database `name`, streaming it: through
    /// `db.restore` while its base64 fits Odoo's 128 MiB request limit,
    /// through the `/web/database/restore` upload (which has none) above it.
    ///
    /// # Errors
    /// The server's error, or an I/O error naming `file`.
    pub async fn restore(
        &self,
        name: &str,
        file: &Path,
        mut progress: impl FnMut(u64),
    ) -> Result<()> {
        let opened = tokio::fs::File::open(file)
            .await
            .map_err(|e| Error::file(file, "open", e))?;
        let len = opened
            .metadata()
            .await
            .map_err(|e| Error::file(file, "read", e))?
            .len();
        // Odoo reads at most 128 MiB of a `/jsonrpc` request; its restore
        // form has no limit, so a larger dump goes there directly.
        let fits_rpc = len.div_ceil(3).saturating_mul(4) < ODOO_REQUEST_LIMIT - ENVELOPE_ROOM;
        if !self.uses_web() && fits_rpc {
            match self.rpc_restore(name, opened, file, &mut progress).await {
                Err(e) if self.falls_back(&e) => {}
                other => return other,
            }
        }
        let f = tokio::fs::File::open(file)
            .await
            .map_err(|e| Error::file(file, "open", e))?;
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
        let content_type = format!("multipart/form-data; boundary={}", form.boundary());
        let reply = self
            .slow
            .post(
                "/web/database/restore",
                &content_type,
                reqwest::Body::wrap_stream(form.into_stream()),
                Default::default(),
            )
            .await?;
        if !(200..400).contains(&reply.status) {
            return Err(web_failure(reply.status, &reply.url, &reply.body));
        }
        progress(len);
        Ok(())
    }

    /// `db.restore`: the file base64-encoded into the JSON-RPC request as it
    /// is read. The envelope is the codec's, with the file in place of a
    /// placeholder.
    async fn rpc_restore(
        &self,
        name: &str,
        mut f: tokio::fs::File,
        path: &Path,
        progress: &mut impl FnMut(u64),
    ) -> Result<()> {
        let label = "db.restore";
        let encoded = jsonrpc_encode(
            &ServiceParams {
                service: "db",
                method: "restore",
                // `exp_restore(db_name, data, copy=False)` after the master
                // password: a fifth argument is a TypeError on Odoo 18/19.
                args: (self.master.expose_secret(), name, FILE_PLACEHOLDER, true),
            },
            1,
            label,
        )?;
        let marker = format!("\"{FILE_PLACEHOLDER}\"");
        let at = encoded
            .windows(marker.len())
            .position(|w| w == marker.as_bytes())
            .ok_or_else(|| Error::encode(label, "the request has no place for the file"))?;
        let head = encoded[..=at].to_vec();
        let tail = encoded[at + marker.len() - 1..].to_vec();
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
        let reader = tokio::spawn(async move {
            let _ = tx.send(Ok(head)).await;
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
                            return Err(sent);
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
                    return Ok(sent);
                }
                if filled < buf.len() {
                    break;
                }
            }
            let _ = tx.send(Ok(tail)).await;
            Ok(sent)
        });
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let reply = self
            .slow
            .post(
                "/jsonrpc",
                "application/json",
                reqwest::Body::wrap_stream(stream),
                Default::default(),
            )
            .await;
        match reader.await {
            Ok(Ok(sent)) => progress(sent),
            Ok(Err(_)) => {
                return Err(Error::file(
                    path,
                    "read",
                    std::io::Error::other("the file could not be read to the end"),
                ));
            }
            Err(_) => {}
        }
        let _: Value = jsonrpc_decode_into(reply?, label)?;
        Ok(())
    }
}

/// A blocking [`Read`] over the chunks of a streamed body.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl ChannelReader {
    fn new(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Self {
        Self {
            rx,
            current: Bytes::new(),
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(b) => self.current = b,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Reads a `db.dump` envelope from `input`, sending the decoded bytes of
/// its `result` to `out` in bounded pieces.
fn parse_dump(input: impl Read, out: &tokio::sync::mpsc::Sender<Vec<u8>>, url: &str) -> Result<()> {
    let bad = |why: String| Error::malformed(url, format!("invalid db.dump response: {why}"), b"");
    let mut json = JsonStreamReader::new(input);
    json.begin_object().map_err(|e| bad(e.to_string()))?;
    let mut found = false;
    while json.has_next().map_err(|e| bad(e.to_string()))? {
        let name = json.next_name_owned().map_err(|e| bad(e.to_string()))?;
        match name.as_str() {
            "result" if json.peek().map_err(|e| bad(e.to_string()))? == ValueType::String => {
                found = true;
                let mut text = json.next_string_reader().map_err(|e| bad(e.to_string()))?;
                let mut buf = vec![0u8; 256 * 1024];
                let mut carry: Vec<u8> = Vec::with_capacity(4);
                loop {
                    let n = text.read(&mut buf).map_err(|e| bad(e.to_string()))?;
                    if n == 0 {
                        break;
                    }
                    let mut clean = std::mem::take(&mut carry);
                    clean.extend(
                        buf[..n]
                            .iter()
                            .copied()
                            .filter(|b| !b.is_ascii_whitespace()),
                    );
                    let usable = clean.len() / 4 * 4;
                    carry = clean.split_off(usable);
                    let bytes = STANDARD
                        .decode(&clean)
                        .map_err(|e| bad(format!("the dump is not base64: {e}")))?;
                    if out.blocking_send(bytes).is_err() {
                        return Ok(());
                    }
                }
                if !carry.is_empty() {
                    let bytes = STANDARD
                        .decode(&carry)
                        .map_err(|e| bad(format!("the dump is not base64: {e}")))?;
                    let _ = out.blocking_send(bytes);
                }
            }
            "error" => {
                let err: crate::protocol::RpcError =
                    json.deserialize_next().map_err(|e| bad(e.to_string()))?;
                return Err(err.into_error());
            }
            _ => json.skip_value().map_err(|e| bad(e.to_string()))?,
        }
    }
    if !found {
        return Err(jsonrpc_error_of(b"{}", url));
    }
    Ok(())
}

impl DbService {
    /// The database service of `client`'s server, sharing its connections
    /// and timeouts, authorised by `master_password`.
    pub(crate) fn for_client(client: &Client, master_password: &str) -> Self {
        Self {
            slow: client.inner.transport.with_timeout(SLOW_OPERATIONS),
            transport: client.inner.transport.clone(),
            master: SecretString::from(master_password.to_string()),
            route: Arc::new(AtomicU8::new(DbRoutes::Auto.code())),
        }
    }
}
