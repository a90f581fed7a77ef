//! The database service: list, create, duplicate, drop, dump and restore.
//! Dumps are streamed to any `AsyncWrite` and restores streamed from a file:
//! the base64 payload is decoded/encoded chunk by chunk, never held whole.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::protocol::JsonRpc;
use crate::transport::Transport;
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};

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
    master: SecretString,
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
        Ok(Self {
            transport,
            master: SecretString::from(master_password.to_string()),
        })
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
        self.db("list", json!([])).await
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
        self.db("db_exist", json!([name])).await
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
        let _: Value = self
            .db(
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
            .await?;
        Ok(())
    }

    /// Copies a database.
    pub async fn duplicate(&self, from: &str, to: &str) -> Result<()> {
        let _: Value = self
            .db(
                "duplicate_database",
                json!([self.master.expose_secret(), from, to]),
            )
            .await?;
        Ok(())
    }

    /// Drops a database; false when it did not exist.
    pub async fn drop(&self, name: &str) -> Result<bool> {
        self.db("drop", json!([self.master.expose_secret(), name]))
            .await
    }

    /// Changes the master password.
    pub async fn change_admin_password(&self, new_password: &str) -> Result<()> {
        let _: Value = self
            .db(
                "change_admin_password",
                json!([self.master.expose_secret(), new_password]),
            )
            .await?;
        Ok(())
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
