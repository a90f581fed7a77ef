//! `zenoo-server`: the purchase-order sync as an HTTP service.
//!
//! - `zenoo-server --config FILE [--port N]`: serve;
//! - `zenoo-server --sim [--port N]`: the whole service against an embedded
//!   simulated Odoo, with a SQLite store in a temporary directory; prints
//!   the page's URL and a fresh admin API key;
//! - `zenoo-server config check`, `keys create|list|revoke`, `users add`.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use zenoo_server::Config;
use zenoo_server::principal::Scope;

/// The purchase-order sync as an HTTP service.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// A TOML file (then `ZENOO_SERVER__…` variables and `…_FILE` secret
    /// files).
    #[arg(long, env = "ZENOO_SERVER_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Listen on this port (on the configured address).
    #[arg(long)]
    port: Option<u16>,
    /// Run against an embedded simulated Odoo with a temporary SQLite
    /// store, and print the page's URL with a fresh admin key.
    #[arg(long, conflicts_with = "config")]
    sim: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// API keys: shown once at creation, stored hashed.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// People who log in with a password for a JWT.
    #[command(subcommand)]
    Users(UsersCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Reads the configuration (file, environment, secret files) and says
    /// what is wrong with it, naming the key; exit status 2 when anything is.
    Check,
}

#[derive(Args)]
struct Grant {
    /// A scope: orders:read, orders:write, conflicts:resolve, admin
    /// (repeat for several).
    #[arg(long = "scope", required = true, value_parser = Scope::parse)]
    scopes: Vec<Scope>,
    /// Only this supplier's orders (repeat for several; none: all orders).
    #[arg(long = "supplier")]
    suppliers: Vec<String>,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Makes a key and prints it (the only time it is shown).
    Create {
        /// What the key is for.
        #[arg(long, default_value = "unnamed")]
        name: String,
        #[command(flatten)]
        grant: Grant,
    },
    /// Lists the keys (never their secrets).
    List,
    /// Revokes a key by its id.
    Revoke {
        /// The key's id (the part after `zk_`, before the next `_`).
        id: String,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Adds (or replaces) a user; the password is read from standard input.
    Add {
        /// The user's name.
        name: String,
        #[command(flatten)]
        grant: Grant,
    },
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Structured JSON for log collectors; readable lines on a terminal,
    // coloured unless NO_COLOR is set (https://no-color.org).
    if std::io::stderr().is_terminal() {
        builder
            .with_ansi(std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
            .init();
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs();
    let result = match cli.command {
        Some(Command::Config(ConfigCommand::Check)) => {
            if let Err(e) = configured(cli.config.as_deref()) {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            return match Config::load(cli.config.as_deref()) {
                Ok(c) => {
                    println!(
                        "configuration OK: listening on {}, Odoo {} (database {:?}, as {:?})",
                        c.listen, c.odoo.url, c.odoo.database, c.odoo.login
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            };
        }
        Some(Command::Keys(k)) => keys(cli.config, k).await,
        Some(Command::Users(u)) => users(cli.config, u).await,
        None if cli.sim => sim(cli.port).await,
        None => serve(cli.config, cli.port).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if port_taken(&e) {
                eprintln!(
                    "the port is taken by another program: pass --port N (or set listen in the configuration)"
                );
            }
            if e.downcast_ref::<zenoo_server::ConfigError>().is_some()
                || e.downcast_ref::<NoConfiguration>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Neither a file nor a variable configures the service.
#[derive(Debug)]
struct NoConfiguration;

impl std::fmt::Display for NoConfiguration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "no configuration: pass --config FILE or set ZENOO_SERVER_CONFIG (or ZENOO_SERVER__… variables)",
        )
    }
}

impl std::error::Error for NoConfiguration {}

/// Whether anything configures the service: a file, or at least one
/// `ZENOO_SERVER__…` variable.
fn configured(file: Option<&std::path::Path>) -> Result<(), NoConfiguration> {
    let any_variable = std::env::vars_os().any(|(k, _)| {
        k.to_str()
            .is_some_and(|k| k.starts_with(zenoo_server::config::ENV_PREFIX))
    });
    if file.is_some() || any_variable {
        Ok(())
    } else {
        Err(NoConfiguration)
    }
}

/// Whether `e` comes from a listening address another program holds.
fn port_taken(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::AddrInUse)
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn serve(config: Option<PathBuf>, port: Option<u16>) -> anyhow::Result<()> {
    configured(config.as_deref())?;
    let mut config = Config::load(config.as_deref())?;
    if let Some(p) = port {
        config.listen.set_port(p);
    }
    let running = zenoo_server::start(&config).await?;
    eprintln!("zenoo-server listening on http://{}", running.addr);
    shutdown_signal().await;
    eprintln!("stopping: finishing requests in flight and the sync's round");
    running.stop().await
}

/// Without the `sim` feature there is no simulator to run against.
#[cfg(not(feature = "sim"))]
async fn sim(_port: Option<u16>) -> anyhow::Result<()> {
    anyhow::bail!("this zenoo-server was built without the `sim` feature: --sim is not available")
}

#[cfg(feature = "sim")]
async fn sim(port: Option<u16>) -> anyhow::Result<()> {
    use anyhow::Context;
    let sim = zenoo_sim::Sim::builder()
        .start()
        .await
        .context("starting the simulated Odoo")?;
    let dir = tempfile::tempdir().context("a temporary directory for the store")?;
    let token = zenoo_server::keys::random_token(24);
    let secret = zenoo_server::keys::random_token(32);
    let toml = format!(
        r#"
listen = "127.0.0.1:{port}"
[odoo]
url = "{url}"
database = "demo"
login = "admin"
password = "admin"
[store]
url = "sqlite://{db}"
[sync]
webhook_token = "{token}"
poll_every_seconds = 5
[auth]
jwt_secret = "{secret}"
[limits]
per_ip_per_minute = 6000
per_key_per_minute = 6000
"#,
        port = port.unwrap_or(8080),
        url = sim.url(),
        db = dir.path().join("zenoo-server.db").display(),
    );
    let config = Config::from_toml(&toml)?;
    let running = zenoo_server::start_demo(&config).await?;
    let key = running
        .keys
        .create("sim admin", &[Scope::Admin], None)
        .await?;
    // A few orders, so that the page has something to show.
    for (qty, price) in [(2.0, 80.0), (5.0, 20.0), (1.0, 120.0)] {
        running
            .store
            .add_order(&zenoo_sync::NewOrder {
                supplier_ref: "Alpenrose Dairy".into(),
                currency: "EUR".into(),
                lines: vec![zenoo_sync::AppLine {
                    product_code: "ZL-100".into(),
                    quantity: qty,
                    price_unit: price,
                    date_planned: None,
                    uom: None,
                }],
            })
            .await?;
    }
    // The page opens on orders already in Odoo: the first sync is done
    // before its address is printed.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let orders = running.store.list_orders().await?;
        if orders
            .iter()
            .all(|o| o.status == zenoo_sync::OrderStatus::Synced)
            || tokio::time::Instant::now() > deadline
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let base = format!("http://{}", running.addr);
    println!(
        "zenoo-server against a simulated Odoo at {} (database demo)",
        sim.url()
    );
    println!("open      {base}/#key={}", key.key.expose_secret());
    println!("admin key {} (shown once)", key.key.expose_secret());
    println!("API       {base}/openapi.json");
    println!("Ctrl-C stops it; the store is deleted then.");
    shutdown_signal().await;
    running.stop().await?;
    drop(dir);
    Ok(())
}

async fn keys(config: Option<PathBuf>, command: KeysCommand) -> anyhow::Result<()> {
    configured(config.as_deref())?;
    let config = Config::load(config.as_deref())?;
    let (tables, _) = zenoo_server::open_store(&config).await?;
    let keys = tables.keys();
    match command {
        KeysCommand::Create { name, grant } => {
            let suppliers = (!grant.suppliers.is_empty()).then_some(grant.suppliers);
            let key = keys
                .create(&name, &grant.scopes, suppliers.as_deref())
                .await?;
            eprintln!("key {} made; it is shown this once:", key.id);
            println!("{}", key.key.expose_secret());
        }
        KeysCommand::List => {
            for k in keys.list().await? {
                let scopes: Vec<&str> = k.scopes.iter().map(|s| s.as_str()).collect();
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "live"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    k.id,
                    state,
                    scopes.join(" "),
                    k.suppliers.map_or_else(|| "*".to_string(), |s| s.join(",")),
                    k.name
                );
            }
        }
        KeysCommand::Revoke { id } => {
            if keys.revoke(&id).await? {
                println!("key {id} revoked");
            } else {
                anyhow::bail!("no live key {id:?}");
            }
        }
    }
    tables.close().await;
    Ok(())
}

async fn users(config: Option<PathBuf>, command: UsersCommand) -> anyhow::Result<()> {
    configured(config.as_deref())?;
    let config = Config::load(config.as_deref())?;
    let (tables, _) = zenoo_server::open_store(&config).await?;
    let tokens = tables.tokens(&config.auth)?;
    match command {
        UsersCommand::Add { name, grant } => {
            let mut line = String::new();
            if std::io::stdin().is_terminal() {
                eprint!("password for {name}: ");
            }
            std::io::stdin().read_line(&mut line)?;
            let password = SecretString::from(line.trim_end_matches(['\r', '\n']).to_string());
            let suppliers = (!grant.suppliers.is_empty()).then_some(grant.suppliers);
            tokens
                .add_user(&name, &password, &grant.scopes, suppliers.as_deref())
                .await?;
            println!("user {name} added");
        }
    }
    tables.close().await;
    Ok(())
}
