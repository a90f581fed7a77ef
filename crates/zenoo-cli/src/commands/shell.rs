//! `zenoo shell`: the same commands at a prompt, against one kept
//! connection, with completion of commands, models, fields and methods
//! read from the server, a history, and psql's expanded view (`\x`).
//! Without a terminal it reads its commands from standard input, one per
//! line, so a script can drive it.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use reedline::{
    ColumnarMenu, Completer, CompletionResult, DefaultPrompt, DefaultPromptSegment, Emacs,
    FileBackedHistory, KeyCode, KeyModifiers, MenuBuilder, Reedline, ReedlineEvent, ReedlineMenu,
    Signal, Span, Suggestion, default_emacs_keybindings,
};
use serde::Deserialize;
use zenoo_rpc::Client;

use crate::cli::{Cli, Commands, Connection};
use crate::settings::Target;

/// Lines kept in the history file.
const HISTORY: usize = 10_000;

/// What the shell says to `help`.
const HELP: &str = "\
Commands are zenoo's own, without `zenoo` and the connection flags:
  search res.partner --where \"is_company = true\" --fields name,email
  count sale.order --where \"state = 'sale'\"
  call res.partner search_count '[[]]'
  version, db list, export, import, codegen, apply, sync ...
Tab completes commands, models, fields (after --fields) and methods (after `call MODEL`).
\\x turns the expanded view (one block per record) on and off; \\q, exit or Ctrl-D leaves.";

/// The commands of the shell's line that are not zenoo's.
enum Meta {
    Quit,
    Expanded,
    Help,
}

fn meta(line: &str) -> Option<Meta> {
    match line {
        "\\q" | "exit" | "quit" => Some(Meta::Quit),
        "\\x" => Some(Meta::Expanded),
        "help" | "\\?" => Some(Meta::Help),
        _ => None,
    }
}

/// Runs the shell until `\q`, Ctrl-D or the end of standard input.
pub async fn run(conn: &Connection, target: &Target) -> anyhow::Result<ExitCode> {
    let client = target.connect(conn).await?;
    let mut shell = Session {
        conn,
        target,
        expanded: false,
    };
    if !std::io::stdin().is_terminal() {
        let mut last = ExitCode::SUCCESS;
        for line in std::io::stdin().lock().lines() {
            match shell.line(line?.trim()).await {
                Some(code) => last = code,
                None => break,
            }
        }
        return Ok(last);
    }
    let names = Names::read(&client).await;
    let mut editor = editor(Completion {
        names,
        client,
        runtime: tokio::runtime::Handle::current(),
    })?;
    let prompt = DefaultPrompt {
        left_prompt: DefaultPromptSegment::Basic(format!(
            "{}@{}",
            conn.db.as_deref().unwrap_or("demo"),
            host(&target.url)
        )),
        right_prompt: DefaultPromptSegment::Empty,
    };
    eprintln!("zenoo shell: `help` for help, \\q to leave");
    loop {
        // Reading a line blocks: on a worker of its own, so the
        // connection's tasks go on.
        let signal = tokio::task::block_in_place(|| editor.read_line(&prompt))?;
        match signal {
            Signal::Success(line) => {
                if shell.line(line.trim()).await.is_none() {
                    break;
                }
            }
            Signal::CtrlC => continue,
            _ => break,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The host and port of a URL, for the prompt.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// What one shell keeps between its lines.
struct Session<'a> {
    conn: &'a Connection,
    target: &'a Target,
    expanded: bool,
}

impl Session<'_> {
    /// Runs one line; `None` when the shell should end.
    async fn line(&mut self, line: &str) -> Option<ExitCode> {
        if line.is_empty() || line.starts_with('#') {
            return Some(ExitCode::SUCCESS);
        }
        match meta(line) {
            Some(Meta::Quit) => return None,
            Some(Meta::Expanded) => {
                self.expanded = !self.expanded;
                eprintln!(
                    "expanded view is {}",
                    if self.expanded { "on" } else { "off" }
                );
                return Some(ExitCode::SUCCESS);
            }
            Some(Meta::Help) => {
                eprintln!("{HELP}");
                return Some(ExitCode::SUCCESS);
            }
            None => {}
        }
        let Some(words) = shlex::split(line) else {
            eprintln!("error: an unclosed quote in {line:?}");
            return Some(crate::exit::Exit::Usage.into());
        };
        let mut cli = match Cli::try_parse_from(std::iter::once("zenoo".to_string()).chain(words)) {
            Ok(cli) => cli,
            Err(e) => {
                let _ = e.print();
                return Some(crate::exit::Exit::Usage.into());
            }
        };
        if matches!(
            cli.command,
            Commands::Shell | Commands::Completions { .. } | Commands::Config(_)
        ) {
            eprintln!("error: not inside the shell");
            return Some(crate::exit::Exit::Usage.into());
        }
        // The shell's connection, whatever the line said.
        cli.conn = self.conn.clone();
        if let Commands::Search(args) = &mut cli.command {
            args.vertical |= self.expanded;
        }
        let done = match &cli.command {
            Commands::Sync(cmd) => match super::sync::run_offline(cmd).await {
                Some(done) => done,
                None => super::run_on(&cli, self.target).await,
            },
            _ => super::run_on(&cli, self.target).await,
        };
        Some(match done {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {}", crate::describe(&e));
                crate::exit::of_error(&e).into()
            }
        })
    }
}

/// A line editor with the completion menu on Tab and a history file.
fn editor(completion: Completion) -> anyhow::Result<Reedline> {
    let mut keys = default_emacs_keybindings();
    keys.add_binding(
        KeyModifiers::NONE,
        KeyCode::Tab,
        ReedlineEvent::UntilFound(vec![
            ReedlineEvent::Menu("completion_menu".to_string()),
            ReedlineEvent::MenuNext,
        ]),
    );
    let menu = ColumnarMenu::default().with_name("completion_menu");
    let mut editor = Reedline::create()
        .with_completer(Box::new(completion))
        .with_menu(ReedlineMenu::EngineCompleter(Box::new(menu)))
        .with_edit_mode(Box::new(Emacs::new(keys)))
        // https://no-color.org
        .with_ansi_colors(std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()));
    if let Some(dir) = dirs::data_dir().map(|d| d.join("zenoo")) {
        let history = std::fs::create_dir_all(&dir)
            .map_err(anyhow::Error::from)
            .and_then(|()| {
                FileBackedHistory::with_file(HISTORY, dir.join("history"))
                    .map_err(anyhow::Error::from)
            });
        match history {
            Ok(h) => editor = editor.with_history(Box::new(h)),
            Err(e) => eprintln!("(no history: {e})"),
        }
    }
    Ok(editor)
}

/// The names completion offers, read from the server once.
struct Names {
    commands: Vec<String>,
    models: Vec<String>,
    methods: Vec<String>,
}

impl Names {
    async fn read(client: &Client) -> Self {
        #[derive(Deserialize)]
        struct Model {
            model: String,
        }
        let models: Vec<Model> = client
            .search_read(
                "ir.model",
                serde_json::json!([]),
                &["model"],
                zenoo_rpc::SearchOptions::new().order("model"),
            )
            .await
            .unwrap_or_default();
        let mut commands: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .filter(|c| !matches!(c.as_str(), "shell" | "completions" | "config"))
            .collect();
        commands.extend(["help", "exit", "\\x", "\\q"].map(String::from));
        Self {
            commands,
            models: models.into_iter().map(|m| m.model).collect(),
            methods: zenoo_rpc::method::STANDARD
                .iter()
                .map(|m| m.name.to_string())
                .collect(),
        }
    }
}

/// Completion: commands first, then models after a command that takes
/// one, methods after `call MODEL`, and the model's fields after
/// `--fields` (read from the server the first time, then kept).
struct Completion {
    names: Names,
    client: Client,
    runtime: tokio::runtime::Handle,
}

/// The commands whose first argument is a model.
const TAKES_A_MODEL: &[&str] = &["search", "count", "call", "export", "import", "codegen"];

impl Completion {
    fn fields(&self, model: &str) -> Vec<String> {
        let schema =
            tokio::task::block_in_place(|| self.runtime.block_on(self.client.schema(model)));
        schema
            .map(|s| s.fields().iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default()
    }
}

/// The candidates of `candidates` that start with `prefix`, replacing
/// `span`.
fn matching(candidates: &[String], prefix: &str, span: Span) -> Vec<Suggestion> {
    candidates
        .iter()
        .filter(|c| c.starts_with(prefix))
        .map(|c| Suggestion {
            value: c.clone(),
            span,
            append_whitespace: true,
            ..Suggestion::default()
        })
        .collect()
}

impl Completer for Completion {
    fn complete(&mut self, line: &str, pos: usize) -> CompletionResult {
        let before = line.get(..pos).unwrap_or(line);
        let start = before.rfind(' ').map_or(0, |i| i + 1);
        let word = &before[start..];
        let span = Span::new(start, pos);
        let words: Vec<&str> = before[..start].split_whitespace().collect();
        let suggestions = match words.as_slice() {
            [] => matching(&self.names.commands, word, span),
            [command] if TAKES_A_MODEL.contains(command) => {
                matching(&self.names.models, word, span)
            }
            ["call", _model] => matching(&self.names.methods, word, span),
            [_, model, .., "--fields"] => {
                // `name,em` completes the last name of the list.
                let (done, last) = word.rsplit_once(',').map_or(("", word), |(d, l)| (d, l));
                let fields = self.fields(model);
                let head = if done.is_empty() {
                    String::new()
                } else {
                    format!("{done},")
                };
                fields
                    .iter()
                    .filter(|f| f.starts_with(last))
                    .map(|f| Suggestion {
                        value: format!("{head}{f}"),
                        span,
                        append_whitespace: false,
                        ..Suggestion::default()
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        CompletionResult::fresh(suggestions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            commands: vec!["search".into(), "count".into(), "call".into()],
            models: vec![
                "res.partner".into(),
                "res.users".into(),
                "sale.order".into(),
            ],
            methods: vec!["search_read".into(), "search_count".into(), "write".into()],
        }
    }

    fn values(r: &CompletionResult) -> Vec<String> {
        r.suggestions().iter().map(|s| s.value.clone()).collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn completion_offers_commands_models_and_methods() {
        let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
        let client = Client::builder(&sim.url())
            .database("demo")
            .password("admin", "admin")
            .build()
            .await
            .expect("client");
        let mut c = Completion {
            names: names(),
            client,
            runtime: tokio::runtime::Handle::current(),
        };
        assert_eq!(values(&c.complete("se", 2)), ["search"]);
        assert_eq!(
            values(&c.complete("search res.", 11)),
            ["res.partner", "res.users"]
        );
        assert_eq!(
            values(&c.complete("call res.partner search_", 24)),
            ["search_read", "search_count"]
        );
        let line = "search res.partner --fields name,em";
        let fields = values(&c.complete(line, line.len()));
        assert!(fields.contains(&"name,email".to_string()), "{fields:?}");
        assert!(
            fields.iter().all(|f| f.starts_with("name,em")),
            "{fields:?}"
        );
    }
}
