//! `zenoo apply PLAN.json`: a list of writes run as one unit of work, rolled
//! back when a step fails; `zenoo recover JOURNAL` rolls back what a killed
//! `apply --journal` left.
//!
//! A plan is a JSON array of steps:
//!
//! ```json
//! [
//!   {"create": "res.partner", "vals": {"name": "Acme"}, "as": "acme"},
//!   {"write": "res.partner", "ids": ["$acme"], "vals": {"city": "Ghent"}},
//!   {"unlink": "sale.order.line", "ids": [9]},
//!   {"call": "sale.order", "method": "action_confirm", "ids": [4], "args": [],
//!    "undo": {"method": "action_cancel"}}
//! ]
//! ```
//!
//! `"$name"` anywhere in a later step's `ids`, `vals` or `args` is the id the
//! create named `name` returned. Exit status: 0 when every step succeeded (the
//! created ids are printed as JSON), 1 when a step failed and everything was
//! rolled back (or the plan was refused before anything was sent), 2 when the
//! rollback was partial (the report says what is left).

use crate::stdout::outln;
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde_json::{Map, Value, json};
use zenoo_rpc::{Call, UnitOfWork};

use crate::cli::{ApplyArgs, Connection};
use crate::settings::Target;

/// One step of a plan, checked.
#[derive(Debug)]
enum Step {
    Create {
        model: String,
        vals: Value,
        name: Option<String>,
    },
    Write {
        model: String,
        ids: Value,
        vals: Value,
    },
    Unlink {
        model: String,
        ids: Value,
    },
    Call {
        model: String,
        method: String,
        ids: Option<Value>,
        args: Vec<Value>,
        undo: Option<(String, Option<Value>, Vec<Value>)>,
    },
}

/// Reads and checks a plan: every step is one of the four kinds, and every
/// `$name` refers to an earlier create.
fn parse(path: &Path) -> anyhow::Result<Vec<Step>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let plan: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let Value::Array(items) = plan else {
        bail!("{}: a plan is a JSON array of steps", path.display());
    };
    let mut names: Vec<String> = Vec::new();
    let mut steps = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = format!("{} step {}", path.display(), i + 1);
        let Value::Object(mut m) = item else {
            bail!("{at}: a step is a JSON object");
        };
        let text = |m: &mut Map<String, Value>, k: &str| -> anyhow::Result<Option<String>> {
            match m.remove(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(other) => bail!("{at}: {k:?} must be a string, not {other}"),
            }
        };
        let kinds: Vec<&str> = ["create", "write", "unlink", "call"]
            .into_iter()
            .filter(|k| m.contains_key(*k))
            .collect();
        let step = match kinds.as_slice() {
            ["create"] => {
                let model = text(&mut m, "create")?.unwrap_or_default();
                let vals = m.remove("vals").unwrap_or_else(|| json!({}));
                let name = text(&mut m, "as")?;
                Step::Create { model, vals, name }
            }
            ["write"] => Step::Write {
                model: text(&mut m, "write")?.unwrap_or_default(),
                ids: m
                    .remove("ids")
                    .with_context(|| format!("{at}: a write needs \"ids\""))?,
                vals: m
                    .remove("vals")
                    .with_context(|| format!("{at}: a write needs \"vals\""))?,
            },
            ["unlink"] => Step::Unlink {
                model: text(&mut m, "unlink")?.unwrap_or_default(),
                ids: m
                    .remove("ids")
                    .with_context(|| format!("{at}: an unlink needs \"ids\""))?,
            },
            ["call"] => {
                let model = text(&mut m, "call")?.unwrap_or_default();
                let method = text(&mut m, "method")?
                    .with_context(|| format!("{at}: a call needs \"method\""))?;
                let args = match m.remove("args") {
                    None => Vec::new(),
                    Some(Value::Array(a)) => a,
                    Some(other) => bail!("{at}: \"args\" must be a list, not {other}"),
                };
                let ids = m.remove("ids");
                let undo = match m.remove("undo") {
                    None => None,
                    Some(Value::Object(mut u)) => {
                        let method = match u.remove("method") {
                            Some(Value::String(s)) => s,
                            _ => bail!("{at}: \"undo\" needs a \"method\""),
                        };
                        let args = match u.remove("args") {
                            None => Vec::new(),
                            Some(Value::Array(a)) => a,
                            Some(other) => bail!("{at}: \"undo.args\" must be a list, not {other}"),
                        };
                        Some((method, u.remove("ids"), args))
                    }
                    Some(other) => bail!("{at}: \"undo\" must be an object, not {other}"),
                };
                Step::Call {
                    model,
                    method,
                    ids,
                    args,
                    undo,
                }
            }
            [] => bail!("{at}: a step is one of create, write, unlink, call"),
            more => bail!("{at}: one kind per step, not {}", more.join(" and ")),
        };
        if let Some(k) = m.keys().next() {
            bail!("{at}: unknown key {k:?}");
        }
        let check = |v: &Value| refs(v).into_iter().find(|r| !names.contains(r));
        let unknown = match &step {
            Step::Create { vals, .. } => check(vals),
            Step::Write { ids, vals, .. } => check(ids).or_else(|| check(vals)),
            Step::Unlink { ids, .. } => check(ids),
            Step::Call { ids, args, .. } => ids
                .as_ref()
                .and_then(check)
                .or_else(|| args.iter().find_map(check)),
        };
        if let Some(name) = unknown {
            bail!("{at}: \"${name}\" is not the name of an earlier create (\"as\": {name:?})");
        }
        if let Step::Create { name: Some(n), .. } = &step {
            if names.contains(n) {
                bail!("{at}: the name {n:?} is given twice");
            }
            names.push(n.clone());
        }
        steps.push(step);
    }
    Ok(steps)
}

/// The `$name` strings in `v`.
fn refs(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                if let Some(n) = s.strip_prefix('$') {
                    out.push(n.to_string());
                }
            }
            Value::Array(a) => stack.extend(a),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    out
}

/// `v` with every `$name` replaced by its id.
fn resolve(v: &Value, ids: &HashMap<String, i64>) -> Value {
    match v {
        Value::String(s) => match s.strip_prefix('$').and_then(|n| ids.get(n)) {
            Some(id) => json!(id),
            None => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve(x, ids)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), resolve(x, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn id_list(v: &Value, at: usize) -> anyhow::Result<Vec<i64>> {
    let items = match v {
        Value::Array(a) => a.clone(),
        one => vec![one.clone()],
    };
    items
        .iter()
        .map(|x| {
            x.as_i64()
                .with_context(|| format!("step {at}: {x} is not a record id"))
        })
        .collect()
}

/// `zenoo apply`.
pub async fn run(target: &Target, conn: &Connection, args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let steps = parse(&args.plan)?;
    let client = target.connect(conn).await?;
    let mut unit = client.unit_of_work();
    if let Some(j) = &args.journal {
        unit = unit.with_journal(j)?;
    }
    let mut ids: HashMap<String, i64> = HashMap::new();
    let total = steps.len();
    for (i, step) in steps.into_iter().enumerate() {
        let n = i + 1;
        let done = run_step(&mut unit, step, &mut ids, n).await;
        if let Err(e) = done {
            eprintln!("step {n} of {total} failed: {}", crate::describe(&e));
            let report = unit.rollback().await;
            eprintln!("{report}");
            return Ok(if report.is_complete() {
                crate::exit::Exit::Error.into()
            } else {
                crate::exit::Exit::Partial.into()
            });
        }
    }
    unit.commit()?;
    outln!("{}", serde_json::to_string_pretty(&ids)?)?;
    eprintln!("{total} steps applied");
    Ok(ExitCode::SUCCESS)
}

async fn run_step(
    unit: &mut UnitOfWork,
    step: Step,
    ids: &mut HashMap<String, i64>,
    n: usize,
) -> anyhow::Result<()> {
    match step {
        Step::Create { model, vals, name } => {
            let id = unit.create(&model, resolve(&vals, ids)).await?;
            if let Some(name) = name {
                ids.insert(name, id);
            }
        }
        Step::Write {
            model,
            ids: which,
            vals,
        } => {
            let which = id_list(&resolve(&which, ids), n)?;
            unit.write(&model, &which, resolve(&vals, ids)).await?;
        }
        Step::Unlink { model, ids: which } => {
            let which = id_list(&resolve(&which, ids), n)?;
            unit.unlink(&model, &which).await?;
        }
        Step::Call {
            model,
            method,
            ids: which,
            args,
            undo,
        } => {
            let build =
                |method: &str, which: &Option<Value>, args: &[Value]| -> anyhow::Result<Call> {
                    let mut call = Call::new(model.as_str(), method);
                    if let Some(w) = which {
                        call = call.arg(json!(id_list(&resolve(w, ids), n)?));
                    }
                    for a in args {
                        call = call.arg(resolve(a, ids));
                    }
                    Ok(call)
                };
            let call = build(&method, &which, &args)?;
            let undo = match &undo {
                Some((m, w, a)) => Some(build(m, if w.is_some() { w } else { &which }, a)?),
                None => None,
            };
            unit.call(call, undo).await?;
        }
    }
    Ok(())
}

/// `zenoo recover`.
pub async fn recover(
    target: &Target,
    conn: &Connection,
    journal: &Path,
) -> anyhow::Result<ExitCode> {
    let client = target.connect(conn).await?;
    let report = UnitOfWork::recover(&client, journal).await?;
    eprintln!("{report}");
    Ok(if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        crate::exit::Exit::Partial.into()
    })
}
