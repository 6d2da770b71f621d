//! Everything the `drsim` binary prints goes through here, for two reasons.
//!
//! * A closed standard output (`drsim validate f | head -0`) must end the
//!   command quietly, as `yes | head` ends: Rust ignores SIGPIPE, so a write
//!   returns `BrokenPipe` and `println!` panics (exit 101, a backtrace
//!   hint). [`out`] returns [`OutputError::StdoutClosed`] instead, which the
//!   binary maps to exit status [`EXIT_STDOUT_CLOSED`] (128 + SIGPIPE, what
//!   a shell reports for a command killed by a closed pipe) and no message.
//! * Diagnostics go to standard error best-effort: when it is closed too,
//!   the exit status still tells the story (an error stays exit 2).
//!
//! Every text printed has its control characters escaped
//! ([`crate::quote::escape_controls`]): a scenario name holding ESC cannot
//! clear the screen. (Cutting long quoted user text is the message's own
//! business: [`crate::quote::shorten_quoted`].)

use crate::quote::escape_controls;
use std::io::{self, ErrorKind, Write};

/// Exit status of a command whose standard output was closed by its reader.
pub const EXIT_STDOUT_CLOSED: u8 = 141;

/// Why a text could not be printed on standard output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The reader went away: not an error of drsim's, the command just ends.
    #[error("standard output was closed")]
    StdoutClosed,
    /// Anything else (a full disk behind a redirection, ...).
    #[error("cannot write to standard output: {0}")]
    Io(io::Error),
}

/// Prints `text` as is (no newline added) on standard output.
pub fn out(text: &str) -> Result<(), OutputError> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(escape_controls(text).as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe => OutputError::StdoutClosed,
            _ => OutputError::Io(e),
        })
}

/// Prints `text` and a newline on standard output.
pub fn outln(text: &str) -> Result<(), OutputError> {
    out(&format!("{text}\n"))
}

/// Prints `text` and a newline on standard error; a closed or failing
/// standard error is ignored (there is nowhere left to say so).
pub fn errln(text: &str) {
    let line = format!("{}\n", escape_controls(text));
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// Prints `text` as is on standard error, best-effort (see [`errln`]).
pub fn err(text: &str) {
    let _ = io::stderr()
        .lock()
        .write_all(escape_controls(text).as_bytes());
}

/// Whether an error that ended a command is a closed standard output.
pub fn is_stdout_closed(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if matches!(e.downcast_ref(), Some(OutputError::StdoutClosed)) {
            return true;
        }
        cause = e.source();
    }
    false
}
