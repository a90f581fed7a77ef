//! `zenoo version`.

use std::process::ExitCode;

use crate::cli::Format;
use crate::settings::Target;

/// Prints the server's version information (`common.version`, or
/// `GET /web/webclient/version_info`).
pub async fn run(target: &Target, format: Format) -> anyhow::Result<ExitCode> {
    let dbs = zenoo_rpc::db::DbService::new(&target.url, "")?;
    let info = dbs.server_version_info().await?;
    crate::output::object(format, &info)?;
    Ok(ExitCode::SUCCESS)
}
