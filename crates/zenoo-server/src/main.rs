//! `zenoo-server`: for now, `zenoo-server config check --config FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The purchase-order sync as an HTTP service.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Reads the configuration (file, environment, secret files) and says
    /// what is wrong with it, naming the key; exit status 2 when anything is.
    Check {
        /// A TOML file.
        #[arg(long, env = "ZENOO_SERVER_CONFIG")]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Config(ConfigCommand::Check { config }) => {
            match zenoo_server::Config::load(config.as_deref()) {
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
            }
        }
    }
}
