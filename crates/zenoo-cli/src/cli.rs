//! Command-line arguments (clap types only).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The version `--version` prints: the release and the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("ZENOO_COMMIT"), ")");

/// zenoo: script Odoo from a shell.
#[derive(Debug, Parser)]
#[command(name = "zenoo", version = VERSION, about)]
pub struct Cli {
    /// Connection settings.
    #[command(flatten)]
    pub conn: Connection,
    /// What to do.
    #[command(subcommand)]
    pub command: Commands,
}

/// How to reach Odoo.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connection")]
pub struct Connection {
    /// A named connection from the config file (`zenoo config show` says where it is).
    #[arg(long, global = true, env = "ZENOO_PROFILE", hide_env_values = true)]
    pub profile: Option<String>,
    /// Odoo base URL.
    #[arg(
        long,
        global = true,
        env = "ZENOO_URL",
        hide_env_values = true,
        conflicts_with = "sim"
    )]
    pub url: Option<String>,
    /// Database name.
    #[arg(long, global = true, env = "ZENOO_DB", hide_env_values = true)]
    pub db: Option<String>,
    /// Login.
    #[arg(long, global = true, env = "ZENOO_LOGIN", hide_env_values = true)]
    pub login: Option<String>,
    /// Password.
    #[arg(long, global = true, env = "ZENOO_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// API key (instead of a password; required for JSON-2).
    #[arg(
        long = "api-key",
        global = true,
        env = "ZENOO_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,
    /// Protocol.
    #[arg(long, global = true, value_enum, default_value_t = Protocol::Auto)]
    pub protocol: Protocol,
    /// Master password for `db` commands.
    #[arg(
        long = "master-password",
        global = true,
        env = "ZENOO_MASTER_PASSWORD",
        hide_env_values = true
    )]
    pub master_password: Option<String>,
    /// Start a fresh in-process zenoo-sim for this command, with its demo dataset (admin/admin); nothing is kept between runs.
    #[arg(long, global = true)]
    pub sim: bool,
    /// Odoo version the embedded simulator behaves as (19 also gives admin an API key).
    #[arg(long = "sim-version", global = true, default_value_t = 18, value_parser = clap::value_parser!(u8).range(16..=19))]
    pub sim_version: u8,
    /// Whole-request timeout: `30`, `1.5s`, `500ms`, `2m` (default 120 s).
    #[arg(long, global = true, env = "ZENOO_TIMEOUT", hide_env_values = true, value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Connect timeout, same forms (default 10 s).
    #[arg(long = "connect-timeout", global = true, env = "ZENOO_CONNECT_TIMEOUT", hide_env_values = true, value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,
    /// Retries of a read that fails with a broken connection, a timeout, 429/502/503/504 or a serialization failure (0: none). Writes are retried only with --idempotent.
    #[arg(
        long,
        global = true,
        env = "ZENOO_RETRIES",
        hide_env_values = true,
        default_value_t = 3
    )]
    pub retries: u32,
    /// Retry writes too: only for writes that are safe to repeat (setting the same values again).
    #[arg(long, global = true)]
    pub idempotent: bool,
    /// Show Odoo's traceback, and the body of an unexpected response, on errors.
    #[arg(long, global = true)]
    pub debug: bool,
}

/// `30`, `1.5`, `1.5s`, `500ms`, `2m`: a duration (seconds without a unit).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (examples: 30, 1.5s, 500ms, 2m, 1h)"))?;
    let secs = value * scale;
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        return Err(format!("{text:?} is not between 1 ms and 24 h"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Wire protocol.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Protocol {
    /// The fastest the credentials allow: a web session with a password; JSON-2 (19+) or JSON-RPC with an API key.
    Auto,
    /// JSON-RPC (/jsonrpc).
    Jsonrpc,
    /// XML-RPC (/xmlrpc/2).
    Xmlrpc,
    /// Web session (cookie + /web/dataset/call_kw).
    Web,
    /// JSON-2 (/json/2, Odoo 19+).
    Json2,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Print the server's version information as JSON.
    #[command(
        after_help = "Examples:\n  zenoo --url https://odoo.example.com version\n  zenoo --sim --sim-version 19 version"
    )]
    Version(OutputArgs),
    /// Call any model method and print the result as JSON.
    #[command(
        after_help = "Examples:\n  zenoo call res.partner search_count '[[[\"is_company\",\"=\",true]]]'\n  zenoo call res.partner read '[[1,2],[\"name\"]]' --context '{\"lang\":\"fr_FR\"}'\n  zenoo call sale.order action_confirm '[[7]]'"
    )]
    Call(CallArgs),
    /// Manage databases.
    #[command(
        subcommand,
        after_help = "Examples:\n  zenoo db list\n  zenoo --master-password … db dump prod prod.zip\n  zenoo --master-password … db restore copy prod.zip"
    )]
    Db(DbCommand),
    /// Search records and print them as a table, JSON or CSV.
    #[command(
        after_help = "Examples:\n  zenoo search res.partner --where \"is_company = true\" --fields name,email\n  zenoo search sale.order --where \"state = 'sale'\" --order -amount_total --limit 10\n  zenoo search res.partner --domain '[[\"email\",\"=ilike\",\"%@example.com\"]]' --format csv"
    )]
    Search(SearchArgs),
    /// Count the records that match a domain.
    #[command(
        after_help = "Examples:\n  zenoo count res.partner --where \"is_company = true\"\n  zenoo count sale.order --domain '[[\"state\",\"=\",\"sale\"]]'"
    )]
    Count {
        /// Model, e.g. res.partner.
        model: String,
        /// The domain.
        #[command(flatten)]
        domain: DomainArgs,
        /// How to print.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Create records from a CSV or JSON Lines file, in chunks; rows that fail go to a reject file.
    ///
    /// Columns are field names; `field/id` holds external ids (`module.name`), `field/.id` database ids.
    /// Exit status 0: every row imported; 2: some rows rejected; 1: nothing could be done.
    #[command(after_help = "Example: zenoo import res.partner partners.csv --chunk 500 --dry-run")]
    Import(ImportArgs),
    /// Write the records that match a domain as CSV or JSON Lines, streamed in id order.
    #[command(
        after_help = "Example: zenoo export res.partner --where \"is_company = true\" --fields name,country_id --out partners.csv"
    )]
    Export(ExportArgs),
    /// Run a plan of writes (a JSON array of steps) as one unit of work, rolled back if a step fails.
    ///
    /// Steps: {"create": MODEL, "vals": {...}, "as": NAME}, {"write": MODEL, "ids": [...], "vals": {...}},
    /// {"unlink": MODEL, "ids": [...]}, {"call": MODEL, "method": M, "ids": [...], "args": [...], "undo": {"method": M2}};
    /// "$NAME" in a later step is the id that create returned.
    /// Exit status 0: applied (the named ids are printed); 1: rolled back, nothing left; 2: rolled back in part (see the report).
    #[command(after_help = "Example: zenoo apply plan.json --journal plan.journal")]
    Apply(ApplyArgs),
    /// Roll back what an interrupted `zenoo apply --journal FILE` left.
    Recover {
        /// The journal file.
        journal: PathBuf,
    },
    /// Two-way purchase-order sync between a store (SQLite or PostgreSQL) and Odoo.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Generate Rust models (#[derive(Model)]) from a live server.
    #[command(
        after_help = "Examples:\n  zenoo codegen res.partner sale.order --out src/models.rs\n  zenoo --api-key … codegen purchase.order   # on Odoo 19 also its business methods"
    )]
    Codegen(CodegenArgs),
    /// An interactive prompt: the same commands against one kept connection, with completion
    /// of models, fields and methods read from the server, a history, and `\x` for one block per
    /// record. Without a terminal, reads one command per line from standard input.
    #[command(
        after_help = "Examples:\n  zenoo --profile prod shell\n  zenoo --sim shell\n  printf 'count res.partner\\nversion\\n' | zenoo --sim shell"
    )]
    Shell,
    /// Show the effective connection settings and where each comes from (secrets masked).
    #[command(
        subcommand,
        after_help = "Examples:\n  zenoo config show\n  zenoo --profile prod config show"
    )]
    Config(ConfigCommand),
    /// Print a shell completion script: `zenoo completions bash > ~/.local/share/bash-completion/completions/zenoo`.
    #[command(
        after_help = "Examples:\n  zenoo completions bash > ~/.local/share/bash-completion/completions/zenoo\n  zenoo completions zsh > ~/.zfunc/_zenoo\n  zenoo completions fish > ~/.config/fish/completions/zenoo.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `zenoo config`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// The settings a command would use: flags, then environment, then the profile.
    Show(OutputArgs),
}

/// A domain, as text or JSON.
#[derive(Debug, Args)]
pub struct DomainArgs {
    /// Domain in text form: "is_company = true and (name ilike 'az' or not email = null)".
    #[arg(long = "where", conflicts_with = "domain")]
    pub r#where: Option<String>,
    /// Domain in Odoo's JSON form: '[["is_company","=",true]]'.
    #[arg(long)]
    pub domain: Option<String>,
}

/// How a command prints its data.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format: a table for people, JSON or CSV for programs.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Output format of the commands that print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table that fits the terminal width.
    Table,
    /// The server's result as JSON.
    Json,
    /// CSV with a header line.
    Csv,
}

/// `zenoo search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Model, e.g. res.partner.
    pub model: String,
    /// The domain.
    #[command(flatten)]
    pub domain: DomainArgs,
    /// Comma-separated fields (default: display_name; `*`: all but binary and html).
    #[arg(long)]
    pub fields: Option<String>,
    /// Order: "name", "-date_order", "partner_id, -id".
    #[arg(long, allow_hyphen_values = true)]
    pub order: Option<String>,
    /// At most N records (0: all). The default, 80, is what Odoo's list views show: a
    /// screenful to read; when it cuts, the count of the others is printed on stderr.
    #[arg(long, default_value_t = 80)]
    pub limit: u64,
    /// Skip N records.
    #[arg(long)]
    pub offset: Option<u64>,
    /// How to print.
    #[command(flatten)]
    pub output: OutputArgs,
    /// One block per record, a line per field (psql's expanded mode).
    #[arg(long)]
    pub vertical: bool,
}

/// A file of rows: CSV with a header line, or one JSON object per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowFormat {
    /// CSV with a header line of field names.
    Csv,
    /// JSON Lines: one object per line.
    Jsonl,
}

impl RowFormat {
    /// The format a file's extension says (`.csv`, `.jsonl`, `.ndjson`).
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            _ => None,
        }
    }
}

/// `zenoo import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Model, e.g. res.partner.
    pub model: String,
    /// The file: .csv or .jsonl.
    pub file: PathBuf,
    /// The file's format (default: from its extension).
    #[arg(long, value_enum)]
    pub format: Option<RowFormat>,
    /// Records per create call.
    #[arg(long, default_value_t = 500)]
    pub chunk: usize,
    /// Read, check and convert every row, resolve external ids, and create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where rejected rows go (default: FILE's name with .rejects before the extension).
    #[arg(long)]
    pub reject: Option<PathBuf>,
}

/// Where the sync keeps its orders, jobs and conflicts.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: sqlite://FILE or postgres://USER@HOST/DB (default: zenoo-sync.db here).
    #[arg(
        long,
        env = "ZENOO_SYNC_STORE",
        default_value = "sqlite://zenoo-sync.db",
        global = true
    )]
    pub store: String,
}

/// Conflict policies on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    /// Odoo's version is taken.
    Odoo,
    /// The application's version is sent again.
    App,
    /// The side changed last wins.
    Newest,
    /// Both are kept until `zenoo sync resolve`.
    Manual,
}

/// Which side a resolution takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TakeArg {
    /// Odoo's version.
    Odoo,
    /// The application's version.
    App,
}

/// `zenoo sync ...`.
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Run a worker: push the store's changes to Odoo, poll Odoo's back.
    Run {
        #[command(flatten)]
        store: StoreArgs,
        /// One round each way, until the outbox is empty, then exit.
        #[arg(long)]
        once: bool,
        /// This worker's name (unique among those sharing a PostgreSQL store).
        #[arg(long, default_value = "zenoo")]
        worker: String,
        /// Poll Odoo this often: `30`, `5s`, `2m`.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        poll_every: Duration,
        /// How conflicts are decided.
        #[arg(long, value_enum, default_value_t = PolicyArg::Manual)]
        policy: PolicyArg,
        /// How long a claimed job stays this worker's; a crashed worker's jobs are taken over after it.
        #[arg(long, default_value = "60s", value_parser = parse_duration)]
        lease: Duration,
        /// Compare every synced order again this often (deletions in Odoo are found this way); the
        /// time of the last one is kept in the store, so `--once` from cron keeps to it too.
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        reconcile_every: Duration,
    },
    /// Application-side orders.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// Backlog, failures and conflicts.
    Status {
        #[command(flatten)]
        store: StoreArgs,
        /// How to print.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// The open conflicts, both versions side by side.
    Conflicts {
        #[command(flatten)]
        store: StoreArgs,
        /// How to print.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Settle an order's conflicts by taking one side.
    Resolve {
        #[command(flatten)]
        store: StoreArgs,
        /// The order's uuid.
        uuid: String,
        /// The side to take.
        #[arg(long, value_enum)]
        take: TakeArg,
    },
    /// Queue failed orders again and run waiting jobs now.
    Retry {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The whole loop against the embedded simulator, printing what moves each way.
    Demo,
}

/// `zenoo sync orders ...`.
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Add an application order (for scripts and demos); prints its uuid.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        /// The supplier's reference (Odoo partner `ref`, or its exact name).
        #[arg(long)]
        supplier: String,
        /// A line, CODE:QTY:PRICE[:UNIT] (product default code, quantity, unit price, and a unit of
        /// measure when not the product's purchase unit); repeat for more.
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        /// ISO currency code. Default: the currency of the Odoo user's company,
        /// read from Odoo (so the command then needs the connection options).
        #[arg(long)]
        currency: Option<String>,
    },
    /// The orders with their uuid, Odoo id, sync state and Odoo's state.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// How to print.
        #[command(flatten)]
        output: OutputArgs,
    },
}

/// `zenoo apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The plan: a JSON array of steps.
    pub plan: PathBuf,
    /// Journal every step to FILE (it must not exist), so that `zenoo recover FILE` can roll back after a crash.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

/// `zenoo export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model, e.g. res.partner.
    pub model: String,
    /// The domain.
    #[command(flatten)]
    pub domain: DomainArgs,
    /// Comma-separated fields (default: all but binary and html).
    #[arg(long)]
    pub fields: Option<String>,
    /// Output format (default: from --out's extension, else csv).
    #[arg(long, value_enum)]
    pub format: Option<RowFormat>,
    /// Output file (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Records per page.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
}

/// `zenoo codegen`.
#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// Models to generate, e.g. res.partner sale.order.
    #[arg(required = true)]
    pub models: Vec<String>,
    /// Output file (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `zenoo call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// Model, e.g. res.partner.
    pub model: String,
    /// Method, e.g. search_read.
    pub method: String,
    /// Positional arguments as a JSON list.
    #[arg(default_value = "[]")]
    pub args: String,
    /// Keyword arguments as a JSON object.
    #[arg(long, default_value = "{}")]
    pub kwargs: String,
    /// Context as a JSON object.
    #[arg(long)]
    pub context: Option<String>,
    /// How to print: JSON (the default for `call`), or a table or CSV when the result is a
    /// list of records.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// `zenoo db ...`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// List databases.
    List(OutputArgs),
    /// Create a database.
    Create {
        /// Name.
        name: String,
        /// Load demo data.
        #[arg(long)]
        demo: bool,
        /// Admin login of the new database.
        #[arg(long = "admin-login", default_value = "admin")]
        admin_login: String,
        /// Admin password of the new database.
        #[arg(long = "admin-password", default_value = "admin")]
        admin_password: String,
        /// Language.
        #[arg(long, default_value = "en_US")]
        lang: String,
    },
    /// Drop a database.
    Drop {
        /// Name.
        name: String,
    },
    /// Dump a database to a file (streamed).
    Dump {
        /// Name.
        name: String,
        /// Output file.
        out: PathBuf,
        /// pg_dump format instead of zip.
        #[arg(long)]
        pg_dump: bool,
        /// Replace an existing file (it is only replaced once the dump is whole).
        #[arg(long)]
        force: bool,
    },
    /// Restore a database from a dump file (streamed).
    Restore {
        /// Name of the new database.
        name: String,
        /// Dump file.
        file: PathBuf,
    },
}
