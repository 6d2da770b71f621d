//! The progress bar of the long commands: replications done, rate and time
//! left, on standard error and only on a terminal (so redirected output and
//! tests see none of it).

use drsim::runner::OutcomeSink;
use std::io::IsTerminal;

/// Progress on a terminal: replications done, rate and time left.
pub(super) struct Progress(indicatif::ProgressBar);

impl Progress {
    /// A bar of `total` replications, or `None` when `quiet` or standard
    /// error is not a terminal.
    pub(super) fn new(total: u64, quiet: bool) -> Option<Progress> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} replications · {per_sec} · {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        Some(Progress(bar))
    }

    /// Runs `work` with a tick per replication drawn on a bar of `total`
    /// (none when `quiet` or stderr is not a terminal), cleared after.
    pub(super) fn ticking<T>(
        total: u64,
        quiet: bool,
        work: impl FnOnce(&(dyn Fn() + Sync)) -> T,
    ) -> T {
        let progress = Progress::new(total, quiet);
        let tick = || {
            if let Some(p) = &progress {
                p.0.inc(1);
            }
        };
        let result = work(&tick);
        if let Some(p) = &progress {
            p.0.finish_and_clear();
        }
        result
    }

    /// Erases the bar once the work is done, so the results print on a
    /// clean line.
    pub(super) fn clear(self) {
        self.0.finish_and_clear();
    }
}

impl OutcomeSink for Progress {
    fn accept(&mut self, _: &drsim::model::ReplicationOutcome, _: &str) -> std::io::Result<()> {
        self.0.inc(1);
        Ok(())
    }
}

/// The sinks of a run with nothing but the progress bar (when there is one).
pub(super) fn sinks_of(progress: &mut Option<Progress>) -> Vec<&mut dyn OutcomeSink> {
    let mut sinks: Vec<&mut dyn OutcomeSink> = Vec::new();
    if let Some(p) = progress.as_mut() {
        sinks.push(p);
    }
    sinks
}
