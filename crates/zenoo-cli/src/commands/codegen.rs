//! `zenoo codegen MODEL... [--out FILE]`.

use crate::stdout::out;
use std::process::ExitCode;

use anyhow::Context as _;
use zenoo_rpc::ProtocolKind;

use crate::cli::{CodegenArgs, Connection};
use crate::codegen::{ModelSource, generate, rustfmt};
use crate::settings::Target;

/// Reads the models' fields (and, on JSON-2, their documentation) and writes Rust.
pub async fn run(
    target: &Target,
    conn: &Connection,
    args: &CodegenArgs,
) -> anyhow::Result<ExitCode> {
    let client = target.connect(conn).await?;
    let with_methods = client.protocol() == ProtocolKind::Json2;
    if !with_methods && client.server_version().has_json2() {
        eprintln!(
            "note: methods are generated from /doc-bearer, which needs JSON-2 (pass --api-key)"
        );
    }
    let mut sources = Vec::new();
    for model in &args.models {
        let fields = client
            .schema(model)
            .await
            .with_context(|| format!("reading the fields of {model}"))?;
        let doc = if with_methods {
            Some(
                client
                    .model_doc(model)
                    .await
                    .with_context(|| format!("reading /doc-bearer/{model}.json"))?,
            )
        } else {
            None
        };
        sources.push(ModelSource {
            model: model.clone(),
            fields,
            doc,
        });
    }
    let version = client.server_version().server_version.clone();
    let code = rustfmt(generate(&sources, &version));
    match &args.out {
        Some(path) => {
            std::fs::write(path, code).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} model(s) to {}", sources.len(), path.display());
        }
        None => out!("{code}")?,
    }
    Ok(ExitCode::SUCCESS)
}
