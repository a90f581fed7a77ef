//! What one contender run does, passed to every contender process as JSON
//! (the Rust ones, the odoo-api one and the Python ones read the same
//! fields), and what it prints back.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// `search_read` of 10 partners with 5 fields, sequential.
    Simple,
    /// `search_read` of 2,000 records with 10 fields.
    ReadMany,
    /// Create 100 partners (one `create` with a list), then clean up.
    BatchCreate,
    /// 50 `search_read` calls in flight at once.
    Concurrent,
    /// Read every record of the model in pages.
    Stream,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 5] = [
        Workload::Simple,
        Workload::ReadMany,
        Workload::BatchCreate,
        Workload::Concurrent,
        Workload::Stream,
    ];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Simple => "simple",
            Workload::ReadMany => "read-many",
            Workload::BatchCreate => "batch-create",
            Workload::Concurrent => "concurrent",
            Workload::Stream => "stream",
        }
    }

    /// What one sample measures.
    pub fn sample_unit(self) -> &'static str {
        match self {
            Workload::Simple | Workload::ReadMany => "one call",
            Workload::BatchCreate => "one create of 100 records",
            Workload::Concurrent => "50 calls in flight",
            Workload::Stream => "the whole model",
        }
    }
}

/// Fields read by `simple` and `concurrent`.
pub const SIMPLE_FIELDS: [&str; 5] = ["name", "email", "phone", "city", "country_id"];
/// Fields read by `read-many`.
pub const MANY_FIELDS: [&str; 10] = [
    "name",
    "email",
    "phone",
    "street",
    "city",
    "zip",
    "country_id",
    "is_company",
    "credit_limit",
    "active",
];
/// Fields read by `stream`.
pub const STREAM_FIELDS: [&str; 5] = ["name", "email", "is_company", "country_id", "city"];

/// One contender run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    /// Workload.
    pub workload: Workload,
    /// Server base URL.
    pub url: String,
    /// Database.
    pub db: String,
    /// Login.
    pub login: String,
    /// Password.
    pub password: String,
    /// API key (JSON-2), when the server has one for the login.
    pub api_key: Option<String>,
    /// Samples to take in this run.
    pub iterations: usize,
    /// The model.
    pub model: String,
    /// The search domain, Odoo's JSON form.
    pub domain: Value,
    /// Fields to read.
    pub fields: Vec<String>,
    /// `limit` of each `search_read` (simple, read-many, concurrent).
    pub limit: usize,
    /// Records per `create` (batch-create).
    pub create_count: usize,
    /// Calls in flight (concurrent).
    pub concurrency: usize,
    /// Page size (stream).
    pub page_size: usize,
}

impl Spec {
    /// The spec of `workload` against a server.
    pub fn new(workload: Workload, server: &Server, iterations: usize) -> Self {
        let (domain, fields, limit): (Value, &[&str], usize) = match workload {
            Workload::Simple | Workload::Concurrent => {
                (json!([["is_company", "=", true]]), &SIMPLE_FIELDS, 10)
            }
            Workload::ReadMany => (json!([]), &MANY_FIELDS, 2000),
            Workload::BatchCreate => (json!([]), &[], 0),
            Workload::Stream => (json!([]), &STREAM_FIELDS, 0),
        };
        Self {
            workload,
            url: server.url.clone(),
            db: server.db.clone(),
            login: server.login.clone(),
            password: server.password.clone(),
            api_key: server.api_key.clone(),
            iterations,
            model: "res.partner".into(),
            domain,
            fields: fields.iter().map(|f| (*f).to_string()).collect(),
            limit,
            create_count: 100,
            concurrency: 50,
            page_size: 1000,
        }
    }

    /// The values of the `i`th record a batch creates.
    pub fn create_values(&self, batch: usize, i: usize) -> Value {
        json!({"name": format!("Bench Partner {batch}-{i}"), "email": format!("bench{batch}.{i}@example.com"), "is_company": false})
    }
}

/// Where the contenders connect.
#[derive(Debug, Clone)]
pub struct Server {
    /// Base URL.
    pub url: String,
    /// Database.
    pub db: String,
    /// Login.
    pub login: String,
    /// Password.
    pub password: String,
    /// API key, if any.
    pub api_key: Option<String>,
}

/// What a contender run prints (one JSON line on stdout).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Output {
    /// One duration per sample, in microseconds.
    pub samples_us: Vec<u64>,
    /// Records read or created over the run.
    pub items: u64,
    /// Peak resident set size of the process, KiB.
    pub peak_rss_kib: u64,
    /// CPU time the client process spent inside the timed sections
    /// (user + system, all threads), microseconds.
    #[serde(default)]
    pub cpu_us: u64,
    /// Client name and version.
    pub client: String,
}

/// Times the sections a run measures: wall time per sample, and the
/// process's CPU time summed over them.
#[derive(Debug, Default)]
pub struct Clock {
    /// Wall time per sample, microseconds.
    pub samples_us: Vec<u64>,
    /// CPU time over all samples, microseconds.
    pub cpu_us: u64,
    started: Option<(std::time::Instant, cpu_time::ProcessTime)>,
}

impl Clock {
    /// Starts a sample.
    pub fn start(&mut self) {
        self.started = Some((std::time::Instant::now(), cpu_time::ProcessTime::now()));
    }

    /// Ends the sample started last.
    pub fn stop(&mut self) {
        if let Some((wall, cpu)) = self.started.take() {
            self.samples_us
                .push(u64::try_from(wall.elapsed().as_micros()).unwrap_or(u64::MAX));
            self.cpu_us += u64::try_from(cpu.elapsed().as_micros()).unwrap_or(u64::MAX);
        }
    }
}

/// Peak resident set size of this process in KiB (Linux `VmHWM`).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
