//! `zenoo-bench`: Zenoo against the Odoo clients people use today, in one
//! run, against the same server, interleaved. See bench/README.md.
//!
//! - `zenoo-bench run`: starts `zenoo-bench serve` (or uses `--url`), runs
//!   every contender on every workload round by round (the order rotates each
//!   round), each run in its own process, and prints the table and the
//!   targets; the JSON goes to `--out`.
//! - `zenoo-bench serve --scale N`: a zenoo-sim with N synthetic records.
//! - `zenoo-bench contender NAME --spec JSON`: one run of a Rust contender.

mod models;
mod raw;
mod report;
mod spec;
mod zenoo;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use serde_json::json;
use zenoo_rpc::ProtocolKind;

use report::{Measured, Results};
use spec::{Output, Server, Spec, Workload};

/// The API key the spawned simulator gives admin, for JSON-2.
const SIM_API_KEY: &str = "zenoo-bench-admin-key-00000000000000000000";

#[derive(Parser)]
#[command(
    name = "zenoo-bench",
    about = "Zenoo against other Odoo clients, measured in one run"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the comparison and print the table.
    Run(Box<RunArgs>),
    /// Serve a simulator with synthetic records (prints its URL, stops when stdin closes).
    Serve {
        /// Extra partners, products and orders.
        #[arg(long, default_value_t = 20_000)]
        scale: usize,
        /// Close the connection after every answer, as Odoo's werkzeug does.
        #[arg(long)]
        connection_close: bool,
    },
    /// One run of a Rust contender (used by `run`).
    Contender {
        /// zenoo-auto, zenoo-jsonrpc, zenoo-xmlrpc, zenoo-json2, raw or raw-typed.
        name: String,
        /// The run's spec as JSON.
        #[arg(long)]
        spec: String,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// An Odoo server to measure instead of a spawned simulator.
    #[arg(long)]
    url: Option<String>,
    /// Database (with --url).
    #[arg(long, default_value = "demo")]
    db: String,
    /// Login (with --url).
    #[arg(long, default_value = "admin")]
    login: String,
    /// Password (with --url).
    #[arg(long, default_value = "admin")]
    password: String,
    /// API key for JSON-2 (with --url; the simulator gets its own).
    #[arg(long)]
    api_key: Option<String>,
    /// Synthetic records of the spawned simulator.
    #[arg(long, default_value_t = 20_000)]
    scale: usize,
    /// A second, larger simulator for the stream-memory check (0: skip).
    #[arg(long, default_value_t = 200_000)]
    flat_scale: usize,
    /// Rounds: every contender runs every workload once per round.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Serve like Odoo's own (werkzeug, threaded) HTTP server with no proxy
    /// in front: every answer closes its connection, so each call pays a
    /// new one, as against a real Odoo.
    #[arg(long)]
    odoo_like: bool,
    /// Python interpreter with odoorpc, odoo-client-lib and zenoo-rpc installed.
    #[arg(long)]
    python: Option<PathBuf>,
    /// The odoo-api contender binary (bench/odoo-api).
    #[arg(long)]
    odoo_api: Option<PathBuf>,
    /// Only these workloads.
    #[arg(long, value_enum, value_delimiter = ',')]
    workloads: Vec<Workload>,
    /// Only these contenders.
    #[arg(long, value_delimiter = ',')]
    contenders: Vec<String>,
    /// Few iterations, small data: checks the plumbing, measures nothing.
    #[arg(long)]
    quick: bool,
    /// Where to write the JSON results.
    #[arg(long, default_value = "target/bench/results.json")]
    out: PathBuf,
}

/// A contender: a name and the command that runs one spec.
struct Contender {
    name: String,
    program: PathBuf,
    args: Vec<String>,
}

impl Contender {
    fn run(&self, spec: &Spec) -> anyhow::Result<Output> {
        let spec_json = serde_json::to_string(spec)?;
        let out = Command::new(&self.program)
            .args(&self.args)
            .arg(&spec_json)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("starting {}", self.name))?;
        if !out.status.success() {
            bail!(
                "{} failed on {}: {}",
                self.name,
                spec.workload.name(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let line = String::from_utf8_lossy(&out.stdout);
        let line = line.lines().last().unwrap_or_default();
        serde_json::from_str(line)
            .with_context(|| format!("{} printed {line:?}, not a result", self.name))
    }
}

/// A spawned `zenoo-bench serve`; stopped when dropped.
struct SimProcess {
    child: Child,
    url: String,
}

impl SimProcess {
    fn start(scale: usize, connection_close: bool) -> anyhow::Result<Self> {
        let mut command = Command::new(std::env::current_exe()?);
        command.args(["serve", "--scale", &scale.to_string()]);
        if connection_close {
            command.arg("--connection-close");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut url = String::new();
        BufReader::new(stdout).read_line(&mut url)?;
        if url.trim().is_empty() {
            bail!("the simulator did not start");
        }
        Ok(Self {
            child,
            url: url.trim().to_string(),
        })
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn iterations(w: Workload, quick: bool) -> usize {
    match (w, quick) {
        (Workload::Simple, false) => 50,
        (Workload::ReadMany | Workload::Concurrent, false) => 5,
        (Workload::BatchCreate, false) => 3,
        (Workload::Simple, true) => 3,
        _ => 1,
    }
}

fn contenders(args: &RunArgs, server: &Server) -> anyhow::Result<Vec<Contender>> {
    let me = std::env::current_exe()?;
    let rust = |name: &str| Contender {
        name: name.to_string(),
        program: me.clone(),
        args: vec!["contender".into(), name.into(), "--spec".into()],
    };
    let mut all = vec![
        rust("zenoo-auto"),
        rust("zenoo-jsonrpc"),
        rust("zenoo-xmlrpc"),
    ];
    if server.api_key.is_some() {
        all.push(rust("zenoo-json2"));
    }
    all.push(rust("raw"));
    all.push(rust("raw-typed"));
    if let Some(bin) = &args.odoo_api {
        all.push(Contender {
            name: "odoo-api".into(),
            program: bin.clone(),
            args: Vec::new(),
        });
    }
    if let Some(py) = &args.python {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/contender.py");
        for (name, client) in [
            ("py-odoorpc", "odoorpc"),
            ("py-odoolib", "odoolib"),
            ("py-odooly", "odooly"),
            ("py-zenoo-rpc", "zenoo"),
        ] {
            all.push(Contender {
                name: name.into(),
                program: py.clone(),
                args: vec![script.display().to_string(), client.into()],
            });
        }
    }
    if !args.contenders.is_empty() {
        all.retain(|c| args.contenders.contains(&c.name));
    }
    Ok(all)
}

fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "kernel": kernel.trim(),
    })
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    let scale = if args.quick {
        args.scale.min(2_000)
    } else {
        args.scale
    };
    let flat_scale = if args.quick {
        args.flat_scale.min(4_000)
    } else {
        args.flat_scale
    };
    let rounds = if args.quick { 1 } else { args.rounds.max(1) };
    let sim = match &args.url {
        Some(_) => None,
        None => Some(SimProcess::start(scale, args.odoo_like)?),
    };
    let server = match (&args.url, &sim) {
        (Some(url), _) => Server {
            url: url.clone(),
            db: args.db.clone(),
            login: args.login.clone(),
            password: args.password.clone(),
            api_key: args.api_key.clone(),
        },
        (None, Some(s)) => Server {
            url: s.url.clone(),
            db: "demo".into(),
            login: "admin".into(),
            password: "admin".into(),
            api_key: Some(SIM_API_KEY.into()),
        },
        (None, None) => bail!("no server"),
    };
    let contenders = contenders(&args, &server)?;
    let workloads = if args.workloads.is_empty() {
        Workload::ALL.to_vec()
    } else {
        args.workloads.clone()
    };
    eprintln!(
        "server {} ({}), {} contenders, {} workloads, {rounds} rounds",
        server.url,
        if sim.is_some() {
            format!("zenoo-sim --scale {scale}")
        } else {
            "external".into()
        },
        contenders.len(),
        workloads.len()
    );
    let mut results = Results::new();
    for &w in &workloads {
        let spec = Spec::new(w, &server, iterations(w, args.quick));
        let by = results.entry(w.name()).or_default();
        for round in 0..rounds {
            // Rotate the order every round (A B C, B C A, ...) to cancel drift.
            for k in 0..contenders.len() {
                let c = &contenders[(k + round) % contenders.len()];
                eprint!(
                    "\r{:<13} round {}/{rounds}: {:<14}",
                    w.name(),
                    round + 1,
                    c.name
                );
                let _ = std::io::stderr().flush();
                let out = c.run(&spec)?;
                let m: &mut Measured = by.entry(c.name.clone()).or_default();
                m.client = out.client;
                m.samples_us.extend(out.samples_us);
                m.items += out.items;
                m.peak_rss_kib = m.peak_rss_kib.max(out.peak_rss_kib);
                m.cpu_us += out.cpu_us;
            }
        }
        eprintln!();
    }
    drop(sim);

    // Stream memory as the record count grows: zenoo at both scales.
    let mut flat = None;
    let mut flat_rows = BTreeMap::new();
    if args.url.is_none() && flat_scale > scale && workloads.contains(&Workload::Stream) {
        let big = SimProcess::start(flat_scale, args.odoo_like)?;
        let big_server = Server {
            url: big.url.clone(),
            ..server.clone()
        };
        let spec = Spec::new(Workload::Stream, &big_server, 1);
        for c in contenders
            .iter()
            .filter(|c| c.name == report::ZENOO || c.name.starts_with("py-"))
        {
            eprintln!("stream at scale {flat_scale}: {}", c.name);
            let out = c.run(&spec)?;
            flat_rows.insert(c.name.clone(), out.peak_rss_kib);
        }
        let small = results
            .get(Workload::Stream.name())
            .and_then(|b| b.get(report::ZENOO))
            .map(|m| m.peak_rss_kib);
        if let (Some(small), Some(large)) = (small, flat_rows.get(report::ZENOO)) {
            flat = Some((small, *large));
        }
    }

    let order: Vec<String> = contenders.iter().map(|c| c.name.clone()).collect();
    let targets = report::targets(&results, flat);
    let table = report::table(&results, &order);
    println!("{table}");
    for w in &workloads {
        println!("- {}: one sample is {}", w.name(), w.sample_unit());
    }
    println!();
    if !flat_rows.is_empty() {
        println!("Peak RSS streaming every partner at scale {scale} vs {flat_scale}:\n");
        for (name, large) in &flat_rows {
            let small = results
                .get(Workload::Stream.name())
                .and_then(|b| b.get(name))
                .map_or(0, |m| m.peak_rss_kib);
            println!(
                "- {name}: {:.1} MiB vs {:.1} MiB",
                small as f64 / 1024.0,
                *large as f64 / 1024.0
            );
        }
        println!();
    }
    if args.quick {
        println!(
            "Targets: not judged in --quick mode (one round on small data measures nothing).\n"
        );
    } else {
        println!(
            "The targets (client CPU, wall-clock medians and peak RSS):\n\n{}",
            report::target_lines(&targets)
        );
    }
    println!(
        "Client CPU per sample (user + system time of the client process inside the timed sections):\n\n{}",
        report::cpu_lines(&results)
    );
    let clients: BTreeMap<&String, &String> = results
        .values()
        .flat_map(|b| b.iter().map(|(n, m)| (n, &m.client)))
        .collect();
    let json = json!({
        "machine": machine(),
        "server": if args.url.is_some() { json!({"url": server.url}) } else { json!({"zenoo-sim": {"scale": scale, "version": "19.0", "connection_close": args.odoo_like}}) },
        "rounds": rounds,
        "quick": args.quick,
        "clients": clients,
        "results": results,
        "stats": results.iter().map(|(w, b)| (*w, b.iter().map(|(n, m)| (n.clone(), m.stats())).collect::<BTreeMap<_, _>>())).collect::<BTreeMap<_, _>>(),
        "stream_rss_kib_at_flat_scale": flat_rows,
        "flat_scale": flat_scale,
        "targets": targets,
    });
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&json)?)?;
    eprintln!("results written to {}", args.out.display());
    Ok(())
}

async fn serve(scale: usize, connection_close: bool) -> anyhow::Result<()> {
    let sim = zenoo_sim::Sim::builder()
        .version(zenoo_sim::OdooVersion::V19)
        .connection_close(connection_close)
        .user("admin", "admin", Some(SIM_API_KEY))
        .scale(scale)
        .start()
        .await?;
    println!("{}", sim.url());
    std::io::stdout().flush()?;
    // Serve until the parent closes stdin.
    tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await?;
    Ok(())
}

async fn contender(name: &str, spec: &str) -> anyhow::Result<()> {
    let spec: Spec = serde_json::from_str(spec).context("--spec is not a run spec")?;
    let out = match name {
        "zenoo-auto" => zenoo::run(&spec, ProtocolKind::Auto).await?,
        "zenoo-jsonrpc" => zenoo::run(&spec, ProtocolKind::JsonRpc).await?,
        "zenoo-xmlrpc" => zenoo::run(&spec, ProtocolKind::XmlRpc).await?,
        "zenoo-json2" => zenoo::run(&spec, ProtocolKind::Json2).await?,
        "raw" => raw::run(&spec, raw::Decode::No).await?,
        "raw-typed" => raw::run(&spec, raw::Decode::Typed).await?,
        other => bail!("unknown contender {other:?}"),
    };
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Run(args) => run(*args),
        Cmd::Serve {
            scale,
            connection_close,
        } => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(serve(scale, connection_close))),
        Cmd::Contender { name, spec } => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(contender(&name, &spec))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
