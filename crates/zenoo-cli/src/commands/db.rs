//! `zenoo db list|create|drop|dump|restore`.

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use zenoo_rpc::db::{DbService, DumpFormat};

use crate::cli::{Connection, DbCommand};
use crate::settings::Target;

fn bar(len: Option<u64>) -> ProgressBar {
    let pb = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if let Ok(style) = ProgressStyle::with_template("{spinner} {bytes} {bytes_per_sec} {wide_bar}")
    {
        pb.set_style(style);
    }
    pb
}

/// Runs a database command.
pub async fn run(target: &Target, conn: &Connection, cmd: &DbCommand) -> anyhow::Result<ExitCode> {
    let needs_master = !matches!(cmd, DbCommand::List(_));
    let master = if needs_master {
        target.master_password(conn)?
    } else {
        String::new()
    };
    let dbs = DbService::new(&target.url, &master)?;
    match cmd {
        DbCommand::List(output) => {
            let names = dbs.list().await?;
            let cells: Vec<Vec<String>> = names.iter().map(|n| vec![n.clone()]).collect();
            crate::output::rows(output.format, &["database"], &cells, &names)?;
        }
        DbCommand::Create {
            name,
            demo,
            admin_login,
            admin_password,
            lang,
        } => {
            dbs.create(name, *demo, lang, admin_login, admin_password)
                .await?;
            eprintln!("created {name}");
        }
        DbCommand::Drop { name } => {
            if !dbs.drop(name).await? {
                anyhow::bail!("database {name:?} does not exist");
            }
            eprintln!("dropped {name}");
        }
        DbCommand::Dump {
            name,
            out,
            pg_dump,
            force,
        } => {
            if out.exists() && !*force {
                anyhow::bail!(
                    "{} exists: pass --force to replace it (it is only replaced once the dump is whole)",
                    out.display()
                );
            }
            let format = if *pg_dump {
                DumpFormat::Dump
            } else {
                DumpFormat::Zip
            };
            // Through a temporary file beside `out`, renamed only when the
            // dump is whole: a failed dump never truncates a good backup.
            let pb = bar(None);
            let n = dbs
                .dump_to_file(name, format, out, |b| pb.set_position(b))
                .await?;
            pb.finish_and_clear();
            eprintln!("wrote {n} bytes to {}", out.display());
        }
        DbCommand::Restore { name, file } => {
            let len = tokio::fs::metadata(file).await.ok().map(|m| m.len());
            let pb = bar(len);
            dbs.restore(name, file, |b| pb.set_position(b)).await?;
            pb.finish_and_clear();
            eprintln!("restored {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
