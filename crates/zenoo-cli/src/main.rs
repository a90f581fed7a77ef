//! `zenoo`: a command-line tool for people who script Odoo.

mod cli;
mod codegen;
mod commands;
mod settings;
mod table;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let debug = cli.conn.debug;
    match commands::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            report(&e, debug);
            ExitCode::from(1)
        }
    }
}

fn report(e: &anyhow::Error, debug: bool) {
    if let Some(rpc) = e.downcast_ref::<zenoo_rpc::Error>() {
        if let Some(odoo) = rpc.odoo() {
            eprintln!("error: {:?} ({}): {}", odoo.kind(), odoo.name, odoo.message);
            if debug {
                if let Some(tb) = &odoo.debug {
                    eprintln!("{tb}");
                }
            }
            return;
        }
    }
    eprintln!("error: {e:#}");
}
