//! `zenoo-sim`: serve an Odoo-compatible API from the built-in demo dataset
//! or a fixture directory.

use std::process::ExitCode;

use clap::Parser;
use zenoo_sim::{Dataset, OdooVersion, Sim, SimUser};

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
    /// Extra synthetic partners, products and orders (demo dataset).
    #[arg(long, default_value_t = 0)]
    scale: usize,
    /// Keep the databases in FILE between runs: loaded at start when it
    /// exists, saved on shutdown (Ctrl-C, SIGTERM) and on SIGUSR1.
    #[arg(long, value_name = "FILE")]
    state: Option<std::path::PathBuf>,
    /// Do not log each request.
    #[arg(long)]
    quiet: bool,
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
    let mut builder = Sim::builder()
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
