//! One module per subcommand.

mod apply;
mod call;
mod codegen;
mod db;
mod export;
mod import;
mod search;
mod sync;
mod version;

use crate::stdout::out;
use std::process::ExitCode;

use crate::cli::{Cli, Commands, ConfigCommand};
use crate::settings::{Sources, Target};

/// Runs the parsed command line.
pub async fn run(cli: Cli, sources: Sources) -> anyhow::Result<ExitCode> {
    if let Commands::Config(ConfigCommand::Show) = &cli.command {
        out!("{}", sources.show(&cli.conn))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Commands::Completions { shell } = &cli.command {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        // Written whole, then sent: clap_complete panics on a failed write.
        let mut script = Vec::new();
        clap_complete::generate(*shell, &mut cmd, "zenoo", &mut script);
        std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Commands::Sync(cmd) = &cli.command
        && let Some(done) = sync::run_offline(cmd).await
    {
        return done;
    }
    let needs_login = !matches!(cli.command, Commands::Db(_) | Commands::Version);
    let target = Target::resolve(&cli.conn, needs_login).await?;
    match &cli.command {
        Commands::Version => version::run(&target).await,
        Commands::Call(args) => call::run(&target, &cli.conn, args).await,
        Commands::Db(cmd) => db::run(&target, &cli.conn, cmd).await,
        Commands::Search(args) => search::search(&target, &cli.conn, args).await,
        Commands::Count { model, domain } => search::count(&target, &cli.conn, model, domain).await,
        Commands::Codegen(args) => codegen::run(&target, &cli.conn, args).await,
        Commands::Import(args) => import::run(&target, &cli.conn, args).await,
        Commands::Apply(args) => apply::run(&target, &cli.conn, args).await,
        Commands::Sync(cmd) => sync::run(&target, &cli.conn, cmd).await,
        Commands::Recover { journal } => apply::recover(&target, &cli.conn, journal).await,
        Commands::Export(args) => export::run(&target, &cli.conn, args).await,
        Commands::Completions { .. } | Commands::Config(_) => Ok(ExitCode::SUCCESS),
    }
}
