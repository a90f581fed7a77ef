//! What the CLI tests share: a simulator of the test's own and the
//! `zenoo` binary pointed at it.

use std::process::{Command, Output};

use serde_json::Value;

/// A simulator, a runtime to talk to it and a folder for files.
pub struct Fixture {
    pub rt: tokio::runtime::Runtime,
    pub sim: zenoo_sim::SimHandle,
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// A fresh simulator with its demo data.
    pub fn new() -> Self {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let sim = rt.block_on(zenoo_sim::Sim::builder().start()).expect("sim");
        Self {
            rt,
            sim,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// `zenoo` with the connection flags for `db`, then `args`.
    pub fn zenoo(&self, db: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_zenoo"))
            .args(["--url", &self.sim.url(), "--db", db, "--login", "admin"])
            .args(["--password", "admin"])
            .args(args)
            .env_remove("ZENOO_URL")
            .output()
            .expect("zenoo runs")
    }

    /// A path in the fixture's folder.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `search_read` on the simulator, as a check from outside the CLI.
    pub fn read(&self, db: &str, model: &str, domain: Value, fields: &[&str]) -> Vec<Value> {
        let client = self.rt.block_on(
            zenoo_rpc::Client::builder(&self.sim.url())
                .database(db)
                .password("admin", "admin")
                .build(),
        );
        let client = client.expect("client");
        self.rt
            .block_on(client.search_read(
                model,
                domain,
                fields,
                zenoo_rpc::SearchOptions::new().order("id"),
            ))
            .expect("search_read")
    }
}

/// What a command printed on stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
