//! One module per subcommand.

mod call;
mod db;
mod version;

use std::process::ExitCode;

use crate::cli::{Cli, Commands};
use crate::settings::Target;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let target = Target::resolve(&cli.conn).await?;
    match &cli.command {
        Commands::Version => version::run(&target).await,
        Commands::Call(args) => call::run(&target, &cli.conn, args).await,
        Commands::Db(cmd) => db::run(&target, &cli.conn, cmd).await,
    }
}
