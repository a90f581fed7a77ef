//! `zenoo-sim`: serve an Odoo-compatible API from the built-in demo dataset
//! or a fixture directory.

use std::process::ExitCode;

// glibc's malloc serialises the parallel readers on its arena locks
// (measured: reads at concurrency 8 go from 4.1k to 9.7k req/s).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::time::Duration;
use zenoo_sim::{Dataset, Fault, FaultPlan, Limits, OdooVersion, Sim, SimUser};

/// An Odoo-compatible server for tests and demos.
#[derive(Debug, Parser)]
#[command(name = "zenoo-sim", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8069)]
    port: u16,
    /// `demo` (built in) or a directory of `<model>.json` fixtures.
    #[arg(long, default_value = "demo")]
    dataset: String,
    /// Odoo version to behave as: 16, 17, 18 or 19.
    #[arg(long = "odoo-version", default_value = "18")]
    odoo_version: String,
    /// Database name.
    #[arg(long, default_value = "demo")]
    db: String,
    /// A user's credentials, `LOGIN:PASSWORD[:APIKEY]` (repeatable).
    #[arg(long = "user")]
    users: Vec<String>,
    /// Extra synthetic partners, products, sale orders and purchase orders
    /// with lines (demo dataset).
    #[arg(long, default_value_t = 0)]
    scale: usize,
    /// Keep the databases in FILE between runs: loaded at start when it
    /// exists, saved on shutdown (Ctrl-C, SIGTERM) and on SIGUSR1.
    #[arg(long, value_name = "FILE")]
    state: Option<std::path::PathBuf>,
    /// Do not log each request.
    #[arg(long)]
    quiet: bool,
    /// Share of requests that get an injected fault, 0 to 1.
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    fault_rate: f64,
    /// The faults drawn from, comma-separated: 500, 502, 503, 504, 429
    /// (with Retry-After), reset, timeout, truncate, serialization,
    /// session-expiry, panic.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "503,reset,timeout",
        help_heading = "Faults"
    )]
    faults: Vec<String>,
    /// Seed of the fault draws: the same seed injects the same faults into
    /// the same sequence of requests.
    #[arg(long, default_value_t = 1, help_heading = "Faults")]
    fault_seed: u64,
    /// How long a `timeout` fault holds its answer, in milliseconds.
    #[arg(long, default_value_t = 30_000, help_heading = "Faults")]
    fault_timeout_ms: u64,
    /// Answer every request after this many milliseconds.
    #[arg(long, default_value_t = 0, help_heading = "Faults")]
    latency_ms: u64,
    /// Fail a write to a record another request committed since this one
    /// arrived with Odoo's serialization failure, as PostgreSQL does.
    #[arg(long, help_heading = "Faults")]
    serialization_conflicts: bool,
    /// Close the connection after every answer, as Odoo's own werkzeug
    /// server does.
    #[arg(long, help_heading = "Server")]
    connection_close: bool,
    /// The largest request body in bytes (Odoo's own limit: 128 MiB).
    #[arg(long, default_value_t = 128 * 1024 * 1024, help_heading = "Server")]
    max_body: usize,
    /// The largest database upload to `/web/database/restore` in bytes
    /// (Odoo sets none).
    #[arg(long, default_value_t = 1024 * 1024 * 1024, help_heading = "Server")]
    max_restore: usize,
    /// Seconds a client may take to send a request's headers (and may keep
    /// an idle connection open).
    #[arg(long, default_value_t = 30, help_heading = "Server")]
    header_timeout: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, default_value_t = 60, help_heading = "Server")]
    body_timeout: u64,
    /// Connections served at once.
    #[arg(long, default_value_t = 1024, help_heading = "Server")]
    max_connections: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let Some(version) = OdooVersion::parse(&args.odoo_version) else {
        eprintln!(
            "zenoo-sim: --odoo-version must be 16, 17, 18 or 19, not {:?}",
            args.odoo_version
        );
        return ExitCode::from(2);
    };
    let dataset = if args.dataset == "demo" {
        Dataset::Demo
    } else {
        Dataset::Dir(args.dataset.clone().into())
    };
    let plan = match fault_plan(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("zenoo-sim: --faults: {e}");
            return ExitCode::from(2);
        }
    };
    let mut builder = Sim::builder()
        .faults(plan)
        .connection_close(args.connection_close)
        .limits(Limits {
            max_body: args.max_body,
            max_restore: args.max_restore,
            header_timeout: Duration::from_secs(args.header_timeout),
            body_timeout: Duration::from_secs(args.body_timeout),
            max_connections: args.max_connections,
        })
        .dataset(dataset)
        .version(version)
        .database(&args.db)
        .scale(args.scale)
        .port(args.port)
        .verbose(!args.quiet);
    let mut users = Vec::new();
    for spec in &args.users {
        let Some(u) = SimUser::parse(spec) else {
            eprintln!("zenoo-sim: --user expects LOGIN:PASSWORD[:APIKEY], got {spec:?}");
            return ExitCode::from(2);
        };
        builder = builder.user(&u.login, &u.password, u.api_key.as_deref());
        users.push(u.login);
    }
    let sim = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("zenoo-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The saved state is in place before the address is announced.
    if let Some(state) = args.state.as_ref().filter(|s| s.exists()) {
        match sim.load_state(state) {
            Ok(()) => eprintln!("zenoo-sim: loaded {}", state.display()),
            Err(e) => {
                eprintln!("zenoo-sim: cannot load {}: {e}", state.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let who = if users.is_empty() {
        "every dataset user with password = login (admin/admin)".to_string()
    } else {
        users.join(", ")
    };
    let banner = format!(
        "zenoo-sim: Odoo {version} at {} — database {:?}, users: {who}",
        sim.url(),
        args.db
    );
    let Some(state) = &args.state else {
        eprintln!("{banner}");
        let _ = tokio::signal::ctrl_c().await;
        return ExitCode::SUCCESS;
    };
    serve_with_state(&sim, state, &banner).await
}

fn fault_plan(args: &Args) -> Result<FaultPlan, String> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(format!(
            "--fault-rate must be between 0 and 1, not {}",
            args.fault_rate
        ));
    }
    let timeout = Duration::from_millis(args.fault_timeout_ms);
    let kinds = args
        .faults
        .iter()
        .filter(|k| !k.trim().is_empty())
        .map(|k| Fault::parse(k, timeout))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FaultPlan::random(args.fault_rate, kinds, args.fault_seed)
        .with_latency(Duration::from_millis(args.latency_ms))
        .with_serialization_conflicts(args.serialization_conflicts))
}

/// Waits for shutdown, saving `state` on SIGUSR1 and at the end.
#[cfg(unix)]
async fn serve_with_state(
    sim: &zenoo_sim::SimHandle,
    state: &std::path::Path,
    banner: &str,
) -> ExitCode {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut usr1), Ok(mut term)) = (
        signal(SignalKind::user_defined1()),
        signal(SignalKind::terminate()),
    ) else {
        eprintln!("zenoo-sim: cannot listen for signals");
        return ExitCode::FAILURE;
    };
    // Announced once the signals are ours: a SIGUSR1 sent at once saves.
    eprintln!("{banner}");
    loop {
        tokio::select! {
            _ = usr1.recv() => save(sim, state),
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    save(sim, state);
    ExitCode::SUCCESS
}

#[cfg(not(unix))]
async fn serve_with_state(
    sim: &zenoo_sim::SimHandle,
    state: &std::path::Path,
    banner: &str,
) -> ExitCode {
    eprintln!("{banner}");
    let _ = tokio::signal::ctrl_c().await;
    save(sim, state);
    ExitCode::SUCCESS
}

fn save(sim: &zenoo_sim::SimHandle, state: &std::path::Path) {
    match sim.save_state(state) {
        Ok(()) => eprintln!("zenoo-sim: saved {}", state.display()),
        Err(e) => eprintln!("zenoo-sim: cannot save {}: {e}", state.display()),
    }
}
