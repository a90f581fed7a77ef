//! One module per subcommand.

mod call;
mod codegen;
mod db;
mod search;
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
        Commands::Search(args) => search::search(&target, &cli.conn, args).await,
        Commands::Count { model, domain } => search::count(&target, &cli.conn, model, domain).await,
        Commands::Codegen(args) => codegen::run(&target, &cli.conn, args).await,
    }
}
