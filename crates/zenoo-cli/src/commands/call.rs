//! `zenoo call MODEL METHOD [ARGS] [--kwargs] [--context]`.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde_json::{Map, Value};

use crate::cli::{CallArgs, Connection};
use crate::settings::Target;

/// Runs one `execute_kw` and prints the result (JSON by default).
pub async fn run(target: &Target, conn: &Connection, args: &CallArgs) -> anyhow::Result<ExitCode> {
    let positional: Value = serde_json::from_str(&args.args)
        .with_context(|| format!("ARGS must be a JSON list, got {:?}", args.args))?;
    let Value::Array(positional) = positional else {
        bail!("ARGS must be a JSON list, e.g. '[[[\"is_company\",\"=\",true]]]'")
    };
    let kwargs: Value = serde_json::from_str(&args.kwargs)
        .with_context(|| format!("--kwargs must be a JSON object, got {:?}", args.kwargs))?;
    let Value::Object(mut kwargs) = kwargs else {
        bail!("--kwargs must be a JSON object")
    };
    if let Some(ctx) = &args.context {
        let ctx: Value = serde_json::from_str(ctx)
            .with_context(|| format!("--context must be a JSON object, got {ctx:?}"))?;
        let Value::Object(ctx) = ctx else {
            bail!("--context must be a JSON object")
        };
        kwargs.insert("context".into(), Value::Object(ctx));
    }
    let client = target.connect(conn).await?;
    let result: Value = client
        .execute_kw(
            &args.model,
            &args.method,
            positional,
            kwargs.into_iter().collect::<Map<_, _>>(),
        )
        .await?;
    crate::output::any(args.format, &result)?;
    Ok(ExitCode::SUCCESS)
}
