//! Several deployments on the very same failures (`drsim run A.toml B.toml
//! … --failures FAILURES.toml`): each scenario's failure sections and
//! replications are replaced by the shared failure description
//! ([`crate::scenario::with_failures`]), so replication `r` of every
//! scenario sees the same zone, region and link failures (common random
//! numbers: every failure process draws from its own stream, see
//! `engine::rng`), and the differences between the rows are the
//! deployments', not noise.
//!
//! Output: each scenario's usual folder under `DIR/<slug>/`, and in `DIR`
//! `comparison.csv` (one row per scenario, [`CSV_COLUMNS`]) and the charts
//! (`comparison`, `availability_latency`).

mod chart;
pub mod quantile_ci;
mod row;

pub use row::{render, to_csv, ClassFigures, Row, CSV_COLUMNS};

use crate::metrics::Summary;
use crate::report::{self, csv::CsvSink, default_dir::slug};
use crate::runner::{self, OutcomeSink, RunError, RunOptions};
use crate::scenario::{with_failures, Diagnostic, FailureFile, Loaded, Scenario, ScenarioError};
use quantile_ci::IncidentValues;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A scenario prepared for the comparison: its failures substituted.
#[derive(Debug, Clone)]
pub struct Compared {
    /// The file it was read from, as given.
    pub file: String,
    pub loaded: Loaded,
}

/// Why a comparison cannot be run or written.
#[derive(Debug, thiserror::Error)]
pub enum SideBySideError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{first} and {second} both write {slug}/ (scenario names `{first_name}` and `{second_name}`): give the scenarios different names")]
    SameFolder {
        first: String,
        second: String,
        first_name: String,
        second_name: String,
        slug: String,
    },
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("cannot write {}: {}", .path.display(), crate::report::folder::bare(.source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
}

/// The scenario files of a side-by-side run, less the failure description
/// itself: a shell glob over a folder of scenarios
/// (`scenarios/services/*.toml`) also matches the failure description kept
/// there. Returns the files to run and those left out (the failure
/// description, each time it was named), in the order given. Two paths are
/// the same file when they canonicalize alike; a path that cannot be
/// canonicalized (missing) stays, for its read to report it.
pub fn without_failure_file(
    scenarios: &[PathBuf],
    failures: &Path,
) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let failure_file = std::fs::canonicalize(failures).ok();
    scenarios
        .iter()
        .cloned()
        .partition(|p| failure_file.is_none() || std::fs::canonicalize(p).ok() != failure_file)
}

/// Each scenario (`(text, file)`) with the failure description substituted;
/// the first error stops (it names the failure description and the scenario).
pub fn prepare(
    scenarios: &[(String, String)],
    failures: &FailureFile,
) -> Result<Vec<Compared>, SideBySideError> {
    let mut out: Vec<Compared> = Vec::new();
    for (text, file) in scenarios {
        let loaded = with_failures(text, file, failures)?;
        let s = slug(&loaded.scenario.name);
        if let Some(other) = out.iter().find(|o| slug(&o.loaded.scenario.name) == s) {
            return Err(SideBySideError::SameFolder {
                first: other.file.clone(),
                second: file.clone(),
                first_name: other.loaded.scenario.name.clone(),
                second_name: loaded.scenario.name.clone(),
                slug: s,
            });
        }
        out.push(Compared {
            file: file.clone(),
            loaded,
        });
    }
    Ok(out)
}

/// The warnings of every scenario, each said once: a warning about the
/// failure description that holds for several scenarios (its link
/// failures, for every scenario without a link) is one diagnostic naming
/// them all (`applied to the scenarios A, B`), where loading each gave
/// its own copy; a scenario's own warnings stay as they are, in order.
pub fn warnings_once(compared: &[Compared]) -> Vec<Diagnostic> {
    let mut out: Vec<(Diagnostic, Vec<&str>)> = Vec::new();
    for c in compared {
        let suffix = format!(" (applied to the scenario {})", c.file);
        for w in &c.loaded.warnings {
            let Some(base) = w.message.strip_suffix(&suffix) else {
                out.push((w.clone(), Vec::new()));
                continue;
            };
            let same = |d: &Diagnostic| {
                d.file == w.file
                    && d.location == w.location
                    && d.key_path == w.key_path
                    && d.message == base
            };
            match out
                .iter_mut()
                .find(|(d, files)| !files.is_empty() && same(d))
            {
                Some((_, files)) => files.push(&c.file),
                None => {
                    let mut d = w.clone();
                    d.message = base.to_string();
                    out.push((d, vec![&c.file]));
                }
            }
        }
    }
    out.into_iter()
        .map(|(mut d, files)| {
            match files.as_slice() {
                [] => {}
                [one] => d.message = format!("{} (applied to the scenario {one})", d.message),
                many => {
                    d.message = format!(
                        "{} (applied to the scenarios {})",
                        d.message,
                        many.join(", ")
                    )
                }
            }
            d
        })
        .collect()
}

/// What a comparison produced.
#[derive(Debug)]
pub struct Comparison {
    pub rows: Vec<Row>,
    /// Each scenario's summary, in the order given.
    pub summaries: Vec<Summary>,
    /// Ctrl-C stopped a run: the rows hold what finished.
    pub partial: bool,
    /// Chart files written into the folder.
    pub charts: Vec<PathBuf>,
}

/// Runs every scenario, in the order given, into `dir/<slug>/` (its usual
/// `summary.json`, `incidents.csv`, `runs.csv`, `provenance.json`,
/// `report.html`), then writes `dir/comparison.csv` and the charts.
/// `progress` sees every outcome of every scenario.
pub fn run_into(
    dir: &Path,
    scenarios: &[Compared],
    failures: &FailureFile,
    options: &RunOptions,
    progress: &mut [&mut dyn OutcomeSink],
    stop: &AtomicBool,
) -> Result<Comparison, SideBySideError> {
    let mut rows = Vec::new();
    let mut summaries = Vec::new();
    for c in scenarios {
        let sc = &c.loaded.scenario;
        let sub = dir.join(slug(&sc.name));
        std::fs::create_dir(&sub).map_err(io_at(&sub))?;
        let (summary, values) = run_one(&sub, sc, options, progress, stop)?;
        rows.push(Row::new(&c.file, &summary, &values));
        let partial = summary.partial;
        summaries.push(summary);
        if partial {
            break;
        }
    }
    let path = dir.join("comparison.csv");
    report::atomic::write_atomic(&path, to_csv(&rows).as_bytes()).map_err(io_at(&path))?;
    let prov = crate::plot::Provenance {
        scenario: format!("{} scenarios on {}", rows.len(), failures.file),
        scenario_hash: crate::scenario::fnv1a_hex(&failures.text),
        seed: failures.seed,
        runs: rows.iter().map(|r| r.runs).min().unwrap_or(0),
        drsim_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let charts = chart::write_charts(dir, &rows, &prov)?;
    let partial = summaries.iter().any(|s| s.partial) || summaries.len() < scenarios.len();
    Ok(Comparison {
        rows,
        summaries,
        partial,
        charts,
    })
}

/// One scenario's run and its folder.
fn run_one(
    dir: &Path,
    sc: &Scenario,
    options: &RunOptions,
    progress: &mut [&mut dyn OutcomeSink],
    stop: &AtomicBool,
) -> Result<(Summary, IncidentValues), SideBySideError> {
    let mut csv = CsvSink::create(dir).map_err(io_at(dir))?;
    let mut values = IncidentValues::default();
    let summary = {
        let mut sinks: Vec<&mut dyn OutcomeSink> = vec![&mut csv, &mut values];
        for p in progress.iter_mut() {
            sinks.push(&mut **p);
        }
        runner::run(sc, options, &mut sinks, stop)?
    };
    csv.commit().map_err(io_at(dir))?;
    report::write_run_record(dir, &summary, sc).map_err(io_at(dir))?;
    report::html::write(dir, &summary, sc).map_err(io_at(dir))?;
    Ok((summary, values))
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> SideBySideError + '_ {
    move |source| SideBySideError::Io {
        path: report::folder::public_path(path),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The failure description is left out however it is spelt (`./` and
    /// `..` detours included), every time it appears; other files stay in
    /// order, a missing one too.
    #[test]
    fn the_failure_description_is_left_out_of_the_scenarios() {
        let dir = std::env::temp_dir().join(format!("drsim-sbs-left-out-{}", std::process::id()));
        let sub = dir.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        let [a, f, b] = ["a.toml", "failures.toml", "b.toml"].map(|n| dir.join(n));
        for p in [&a, &f, &b] {
            std::fs::write(p, "").unwrap();
        }
        let detour = sub.join("..").join("failures.toml");
        let missing = dir.join("missing.toml");
        let given = vec![
            a.clone(),
            f.clone(),
            b.clone(),
            detour.clone(),
            missing.clone(),
        ];
        let (kept, left) = without_failure_file(&given, &dir.join(".").join("failures.toml"));
        assert_eq!(kept, vec![a, b, missing]);
        assert_eq!(left, vec![f, detour]);
        // A failure description that does not exist leaves everything in.
        let (kept, left) = without_failure_file(&given, &dir.join("nope.toml"));
        assert_eq!((kept, left.len()), (given, 0));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
