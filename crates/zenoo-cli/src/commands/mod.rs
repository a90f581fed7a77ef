//! One module per subcommand.

mod apply;
mod call;
mod codegen;
mod db;
mod export;
mod import;
mod search;
mod shell;
mod sync;
mod version;

use std::process::ExitCode;

use crate::cli::{Cli, Commands, ConfigCommand, Connection};
use crate::settings::{Sources, Target};

/// Runs the parsed command line.
pub async fn run(cli: Cli, sources: Sources) -> anyhow::Result<ExitCode> {
    if let Commands::Config(ConfigCommand::Show(output)) = &cli.command {
        let rows = sources.rows(&cli.conn);
        let json: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|r| {
                (
                    r[0].clone(),
                    serde_json::json!({"value": r[1], "source": r[2]}),
                )
            })
            .collect();
        crate::output::rows(output.format, &["setting", "value", "source"], &rows, &json)?;
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
    let needs_login = !matches!(cli.command, Commands::Db(_) | Commands::Version(_));
    let target = Target::resolve(&cli.conn, needs_login).await?;
    if let Commands::Shell = &cli.command {
        return shell::run(&cli.conn, &target).await;
    }
    run_on(&cli, &target).await
}

/// Runs a command that talks to the server: an unknown model or field is
/// said with the server's nearest name.
pub(crate) async fn run_on(cli: &Cli, target: &Target) -> anyhow::Result<ExitCode> {
    let needs_login = !matches!(cli.command, Commands::Db(_) | Commands::Version(_));
    match run_online(cli, target).await {
        Err(e) if needs_login => Err(with_suggestion(e, target, &cli.conn).await),
        done => done,
    }
}

/// A model or field the server does not have, with the nearest name it
/// has: the same words whichever protocol or command met it.
#[derive(Debug)]
pub struct UnknownName {
    /// `model "x"` or `field "f" of m`.
    pub what: String,
    /// The nearest name the server has.
    pub nearest: Option<String>,
}

impl UnknownName {
    /// A field `field` that `model` does not have, among `known`.
    pub fn field<'a>(model: &str, field: &str, known: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            what: format!("{model} has no field {field:?}"),
            nearest: zenoo_rpc::suggest::closest(field, known).map(str::to_string),
        }
    }
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)?;
        if let Some(n) = &self.nearest {
            write!(f, "; did you mean {n:?}?")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownName {}

/// An unknown model or field from Odoo, said as [`UnknownName`] with the
/// server's nearest name; any other error as it is.
async fn with_suggestion(e: anyhow::Error, target: &Target, conn: &Connection) -> anyhow::Error {
    let Some(rpc) = e.downcast_ref::<zenoo_rpc::Error>() else {
        return e;
    };
    let Some(odoo) = rpc.odoo() else {
        return e;
    };
    let what = if let Some(model) = odoo.unknown_model() {
        format!("the server has no model {model:?}")
    } else if let Some((field, model)) = odoo.unknown_field() {
        format!("{model} has no field {field:?}")
    } else {
        return e;
    };
    let nearest = match target.connect(conn).await {
        Ok(client) => client.did_you_mean(rpc).await,
        Err(_) => None,
    };
    anyhow::Error::new(UnknownName { what, nearest })
}

async fn run_online(cli: &Cli, target: &Target) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Commands::Version(output) => version::run(target, output.format).await,
        Commands::Call(args) => call::run(target, &cli.conn, args).await,
        Commands::Db(cmd) => db::run(target, &cli.conn, cmd).await,
        Commands::Search(args) => search::search(target, &cli.conn, args).await,
        Commands::Count {
            model,
            domain,
            output,
        } => search::count(target, &cli.conn, model, domain, output.format).await,
        Commands::Codegen(args) => codegen::run(target, &cli.conn, args).await,
        Commands::Import(args) => import::run(target, &cli.conn, args).await,
        Commands::Apply(args) => apply::run(target, &cli.conn, args).await,
        Commands::Sync(cmd) => sync::run(target, &cli.conn, cmd).await,
        Commands::Recover { journal } => apply::recover(target, &cli.conn, journal).await,
        Commands::Export(args) => export::run(target, &cli.conn, args).await,
        Commands::Completions { .. } | Commands::Config(_) | Commands::Shell => {
            Ok(ExitCode::SUCCESS)
        }
    }
}
