//! The `drsim` binary: parse the command line, hand the command to its
//! module under `commands`, map the outcome to an exit code (0 ok, 1 target
//! missed under `--check` or a regression under `compare`, 2 error, 130
//! interrupted, 141 standard output closed).

mod cli;
mod commands;

use clap::Parser;
use cli::{Cli, Command};
use drsim::console;
use std::process::ExitCode;

/// Outcomes are allocated on the worker that simulates them and freed by
/// the one that folds them; glibc's allocator serialises such cross-thread
/// frees on its arena locks, mimalloc does not (two-core runs measured 18%
/// faster, one-core 11%). The library leaves the choice to its users.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run(args),
        Command::Validate { scenario } => commands::validate(&scenario),
        Command::Sweep(args) => commands::sweep(args),
        Command::Frontier(args) => commands::frontier(args),
        Command::Trace(args) => commands::trace(args),
        Command::Plot { dir, metric } => commands::plot(&dir, &metric),
        Command::Compare(args) => commands::compare(args),
        Command::Analyze(args) => commands::analyze(args),
        Command::Merge(args) => commands::merge(args),
        Command::Schema { failures } => commands::schema(failures),
        Command::Decide(args) => commands::decide(args),
    };
    match result {
        Ok(code) => code,
        Err(e) if console::is_stdout_closed(e.as_ref()) => {
            ExitCode::from(console::EXIT_STDOUT_CLOSED)
        }
        Err(e) => {
            let text = format!("error: {e:#}");
            // Rendered diagnostics are printed whole: cutting a quoted span
            // inside a source excerpt would move the caret.
            if e.is::<commands::RenderedDiagnostics>() {
                console::errln(&text);
            } else {
                console::errln(&drsim::quote::shorten_quoted(&text));
            }
            ExitCode::from(2)
        }
    }
}
