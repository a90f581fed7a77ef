//! `zenoo version`.

use crate::stdout::outln;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::Value;

use crate::settings::Target;

/// Prints `common.version` (or `GET /web/version`) as JSON.
pub async fn run(target: &Target) -> anyhow::Result<ExitCode> {
    let http = reqwest_like(&target.url).await?;
    outln!(
        "{}",
        serde_json::to_string_pretty(&http).context("cannot print the version")?
    )?;
    Ok(ExitCode::SUCCESS)
}

async fn reqwest_like(url: &str) -> anyhow::Result<Value> {
    let dbs = zenoo_rpc::db::DbService::new(url, "")?;
    Ok(dbs.server_version_info().await?)
}
