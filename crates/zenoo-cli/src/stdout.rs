//! Standard output that reports a closed pipe as an error instead of
//! panicking as `print!` does: `zenoo ... | head -1` ends quietly (see
//! `main`'s broken-pipe check) whatever the command.

/// `print!` that returns the [`std::io::Error`] of the write.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `println!` that returns the [`std::io::Error`] of the write.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

pub(crate) use {out, outln};
