//! `zenoo`: a command-line tool for people who script Odoo.

mod cli;
mod codegen;
mod commands;
mod exit;
mod output;
mod profile;
mod settings;
mod spinner;
mod stdout;
mod table;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

#[tokio::main]
async fn main() -> ExitCode {
    let matches = cli::Cli::command().get_matches();
    let mut cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let debug = cli.conn.debug;
    let sources = match settings::apply_profile(&mut cli.conn, &matches) {
        Ok(s) => s,
        Err(e) => {
            report(&e, debug);
            return exit::of_error(&e).into();
        }
    };
    match commands::run(cli, sources).await {
        Ok(code) => code,
        // `zenoo export ... | head`: the reader has all it wants.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, debug);
            exit::of_error(&e).into()
        }
    }
}

fn report(e: &anyhow::Error, debug: bool) {
    eprintln!("error: {}", describe(e));
    let rpc = e.downcast_ref::<zenoo_rpc::Error>();
    if let Some(odoo) = rpc.and_then(zenoo_rpc::Error::odoo) {
        if debug && let Some(tb) = &odoo.debug {
            eprintln!("{tb}");
        }
        return;
    }
    // An unexpected page (a proxy's 502) is summed up in one line; the
    // page itself only with --debug.
    match rpc.and_then(zenoo_rpc::Error::response_body) {
        Some(b) if debug => eprintln!("{}", String::from_utf8_lossy(b)),
        Some(_) => eprintln!("(run with --debug to see the response body)"),
        None => {}
    }
}

/// Whether `e` comes from writing to a pipe whose reader has gone.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                c.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            })
            .or_else(
                || match c.downcast_ref::<csv::Error>().map(csv::Error::kind) {
                    Some(csv::ErrorKind::Io(io)) => Some(io.kind()),
                    _ => None,
                },
            )
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// An error in one line: Odoo's kind and message, or the error and its
/// causes in the command line's terms.
pub fn describe(e: &anyhow::Error) -> String {
    match e
        .downcast_ref::<zenoo_rpc::Error>()
        .and_then(zenoo_rpc::Error::odoo)
    {
        Some(odoo) => format!("{:?} ({}): {}", odoo.kind(), odoo.name, odoo.message),
        None => cli_terms(&chain(e.as_ref())),
    }
}

/// The library's hints in the command line's terms.
fn cli_terms(message: &str) -> String {
    message
        .replace(".api_key(login, key)", "--login and --api-key")
        .replace(".password(login, pw)", "--login and --password")
        .replace("call .database(\"...\")", "pass --db NAME")
        .replace("ClientBuilder::max_response_size", "a smaller query")
}

/// The error and its causes, each said once.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut at = e.source();
    while let Some(s) = at {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        at = s.source();
    }
    out
}
