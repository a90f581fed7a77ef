//! The exit statuses of `zenoo`, distinct as psql's and gh's are: a script
//! can tell a usage error from a partial result from a server it cannot
//! reach or that refused its credentials. The book's CLI chapter has the
//! table.

use std::process::ExitCode;

use zenoo_rpc::{ErrorKind, OdooErrorKind};

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done, all of it.
    Done = 0,
    /// An error: Odoo refused the operation, a file or an argument value
    /// is wrong; nothing was left half done.
    Error = 1,
    /// The command line is wrong: an unknown flag (clap's status), or a
    /// connection setting is missing.
    Usage = 2,
    /// Done in part: rows rejected, a rollback that left steps undone,
    /// orders Odoo refused for good.
    Partial = 3,
    /// Conflicts wait for a decision (`sync run --once`).
    Conflicts = 4,
    /// The server could not be reached, did not answer in time, or does not
    /// look like an Odoo server.
    Unreachable = 5,
    /// The server refused the credentials.
    Unauthorized = 6,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A connection setting nobody gave: a usage error.
#[derive(Debug)]
pub struct MissingSettings(pub String);

impl std::fmt::Display for MissingSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MissingSettings {}

/// The status an error ends the command with.
pub fn of_error(e: &anyhow::Error) -> Exit {
    if e.chain().any(|c| c.is::<MissingSettings>()) {
        return Exit::Usage;
    }
    let Some(rpc) = e.chain().find_map(|c| c.downcast_ref::<zenoo_rpc::Error>()) else {
        return Exit::Error;
    };
    match rpc.kind() {
        ErrorKind::Transport
        | ErrorKind::Timeout
        | ErrorKind::CircuitOpen
        | ErrorKind::HttpStatus(_)
        | ErrorKind::MalformedResponse => Exit::Unreachable,
        ErrorKind::Odoo if rpc.odoo_kind() == Some(OdooErrorKind::AccessDenied) => {
            Exit::Unauthorized
        }
        _ => Exit::Error,
    }
}
