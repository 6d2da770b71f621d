//! Scale-out: run disjoint slices ("shards") of one run's replications on
//! different machines, then merge them into exactly the result the
//! single-machine run would have produced — `summary.json`, `runs.csv` and
//! `incidents.csv` byte for byte.
//!
//! # Slicing
//!
//! Shard `I` of `N` (0-based, `0 ≤ I < N`, so a Slurm array index or a
//! Kubernetes `JOB_COMPLETION_INDEX` maps to `I` directly) runs the
//! contiguous replications `[⌊I·R/N⌋, ⌊(I+1)·R/N⌋)` of the `R` requested.
//! Replication `r` draws from stream `r` of the master seed wherever it runs,
//! so the union of the shards *is* the single run. Contiguous slices (rather
//! than interleaved ones) keep each shard's CSVs a contiguous piece of the
//! full CSVs: merging them is a concatenation.
//!
//! # Why the merged summary is byte-identical
//!
//! Everything the [`Aggregator`] keeps is an exact sum: integer counters,
//! 128-bit sums, HDR bucket counts, and per-run means kept as exact integer
//! moments (n, Σx, Σx² of nanoseconds or counts; see `crate::metrics`). Sums
//! do not depend on the order or grouping of the additions, so the shards'
//! aggregators absorbed into one are the same bits as the single run's, and
//! the summary derived from them is too. (Floating-point Welford states
//! would not do: merging partial means is not bit-identical to pushing the
//! values one by one.) The HDR histograms travel in their standard V2
//! encoding, whose bucket counts are exact.
//!
//! # Files
//!
//! A shard folder holds `runs.csv` and `incidents.csv` for its slice and
//! [`SHARD_FILE`] (`shard.json`, see [`ShardFile`]): the aggregator state,
//! the scenario text (so `drsim merge` needs nothing else), the overrides
//! (`runs`, `seed`), the slice and how much of it completed. `shard.json` is
//! written last and atomically, like every output: a folder with one is a
//! finished (or cleanly interrupted, `partial`) shard.
//!
//! # Verified merge
//!
//! A merge reads files that travelled between machines, so it trusts none
//! of them. `shard.json` is sealed ([`ShardSeal`]): the SHA-256 of its own
//! content and of each CSV as written. The merge checks the seal, then the
//! state's structure and the laws every real aggregate obeys (see
//! `crate::metrics`), adds with checked arithmetic, and checks each CSV's
//! digest while it copies it; any failure refuses the merge, naming the
//! shard folder and the field, and leaves no output. The seal catches
//! accidents (a flipped bit, an edited number); the laws also catch a state
//! resealed after editing, or written by a broken drsim, whenever the edit
//! makes it one no run could produce.
//!
//! # Running shards
//!
//! Slurm job array: `shards.sbatch` runs one shard per array task,
//!
//! ```sh
//! #!/bin/sh
//! #SBATCH --array=0-3
//! drsim run scenario.toml --shard ${SLURM_ARRAY_TASK_ID}/4 --out results/shard-${SLURM_ARRAY_TASK_ID}
//! ```
//!
//! and the merge is a job that starts once every task succeeded (an
//! interrupted shard exits non-zero, and a merge would refuse it anyway):
//!
//! ```sh
//! jid=$(sbatch --parsable shards.sbatch)
//! sbatch --dependency=afterok:$jid --wrap 'drsim merge results/shard-* --out results/merged'
//! ```
//!
//! Kubernetes Indexed Job (`completionMode: Indexed`, `completions: 4`,
//! `parallelism: 4`; the index is in `JOB_COMPLETION_INDEX`), writing to a
//! shared volume, then a one-pod Job for the merge:
//!
//! ```sh
//! drsim run /scenario/scenario.toml --shard ${JOB_COMPLETION_INDEX}/4 --out /results/shard-${JOB_COMPLETION_INDEX}
//! drsim merge /results/shard-* --out /results/merged
//! ```

use crate::metrics::{Aggregator, AggregatorState, Provenance, StateError, Summary};
use crate::report::atomic::{write_atomic, AtomicFile};
use crate::report::csv::CsvSink;
use crate::runner::{self, OutcomeSink, RunError, RunOptions};
use crate::scenario::{self, fnv1a_hex, Fidelity, Scenario};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;

/// Name of the shard's state file inside its output folder.
pub const SHARD_FILE: &str = "shard.json";
/// `format` of a [`ShardFile`].
pub const FORMAT: &str = "drsim-shard";
/// Bump when the layout of [`ShardFile`] or [`AggregatorState`] changes.
/// Version 4 added the SHA-256 seal ([`ShardSeal`]), version 5 the RTO's
/// `restore` component; older shards are refused.
pub const FORMAT_VERSION: u32 = 5;
/// The per-replication CSVs a shard writes and a merge concatenates.
pub const CSV_FILES: [&str; 2] = ["incidents.csv", "runs.csv"];

/// Shard `index` of `count` (0-based index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

/// A `--shard` value that is not `I/N` with `0 ≤ I < N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid shard `{text}`: {reason}")]
pub struct ShardSpecError {
    pub text: String,
    pub reason: String,
}

impl ShardSpec {
    pub fn new(index: u64, count: u64) -> Result<ShardSpec, ShardSpecError> {
        let err = |reason: String| ShardSpecError {
            text: format!("{index}/{count}"),
            reason,
        };
        if count == 0 {
            return Err(err("the number of shards N must be at least 1".into()));
        }
        if index >= count {
            return Err(err(format!(
                "the shard index is 0-based: expected 0 … {} for N = {count} (a Slurm array \
                 `--array=0-{}` or a Kubernetes JOB_COMPLETION_INDEX gives exactly that)",
                count - 1,
                count - 1
            )));
        }
        Ok(ShardSpec { index, count })
    }

    /// The replications of this shard out of `runs`:
    /// `[⌊index·runs/count⌋, ⌊(index+1)·runs/count⌋)` (128-bit products, no
    /// overflow). Consecutive shards tile `0..runs` exactly; sizes differ by
    /// at most one; with more shards than runs some are empty.
    pub fn range(&self, runs: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(i) * u128::from(runs) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl FromStr for ShardSpec {
    type Err = ShardSpecError;

    /// Parses `I/N`, e.g. `0/4` … `3/4`.
    fn from_str(s: &str) -> Result<ShardSpec, ShardSpecError> {
        let err = |reason: &str| ShardSpecError {
            text: s.to_string(),
            reason: reason.to_string(),
        };
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| err("expected I/N, e.g. 0/4 for the first of four shards"))?;
        let i = i
            .trim()
            .parse()
            .map_err(|_| err("the shard index I is not a non-negative integer"))?;
        let n = n
            .trim()
            .parse()
            .map_err(|_| err("the shard count N is not a positive integer"))?;
        ShardSpec::new(i, n).map_err(|e| ShardSpecError {
            text: s.to_string(),
            reason: e.reason,
        })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `shard.json`: everything `drsim merge` needs from one shard.
///
/// Every override of the scenario text must be recorded here (today `runs`,
/// `seed` and `fidelity`): the merge rebuilds the scenario from
/// `scenario_text` plus these and would otherwise summarise a different
/// scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Shards of different drsim versions may simulate differently: not merged.
    pub drsim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// The file the scenario was read from (names it in diagnostics).
    pub scenario_file: String,
    /// FNV-1a 64 of `scenario_text` (the summary's `scenario_hash`).
    pub scenario_hash: String,
    /// The scenario file's text, verbatim.
    pub scenario_text: String,
    /// Master seed actually used (after `--seed`).
    pub seed: u64,
    /// Replications of the whole run (after `--runs`), not of this shard.
    pub requested_runs: u64,
    /// `fast` or `exact` (`simulation.fidelity` as run).
    pub fidelity: String,
    pub shard: ShardSpec,
    /// This shard's slice `[start, end)`.
    pub start: u64,
    pub end: u64,
    /// Replications done: `[start, start + completed)`.
    pub completed: u64,
    /// `true` when interrupted before `end`.
    pub partial: bool,
    pub state: AggregatorState,
    /// Digests of this file's content and of the CSVs; see [`ShardFile::seal`].
    pub sha256: ShardSeal,
}

/// The SHA-256 digests (64 lowercase hex digits) that seal a shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardSeal {
    /// Of the compact JSON of the whole [`ShardFile`] with this field empty
    /// (so it covers the state, the slice, the scenario and `csv`).
    pub content: String,
    /// Of each CSV of [`CSV_FILES`] as written, by file name.
    pub csv: BTreeMap<String, String>,
}

impl ShardFile {
    /// Sets `sha256.content` to the digest of everything else (the CSV
    /// digests must be in place).
    pub fn seal(&mut self) {
        self.sha256.content = self.content_digest();
    }

    /// The digest `sha256.content` must hold.
    fn content_digest(&self) -> String {
        let mut unsealed = self.clone();
        unsealed.sha256.content.clear();
        let json = serde_json::to_vec(&unsealed).expect("a shard file always serialises");
        hex(&Sha256::digest(json))
    }

    /// Checks the seal's shape and its content digest.
    fn check_seal(&self) -> Result<(), String> {
        let well_formed = |d: &String| {
            d.len() == 64
                && d.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        let names: Vec<&str> = self.sha256.csv.keys().map(String::as_str).collect();
        if names != CSV_FILES {
            return Err(format!(
                "sha256.csv seals {names:?}, expected exactly {CSV_FILES:?}"
            ));
        }
        if !well_formed(&self.sha256.content) || !self.sha256.csv.values().all(well_formed) {
            return Err("sha256: a digest is not 64 lowercase hex digits".into());
        }
        if self.content_digest() != self.sha256.content {
            return Err(
                "its content does not match its SHA-256 (sha256.content): it was changed or \
                 damaged after the shard wrote it"
                    .into(),
            );
        }
        Ok(())
    }
}

/// Lowercase hex of a digest.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, streamed (flat memory whatever its size).
fn file_digest(path: &Path) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match io::Read::read(&mut file, &mut buf) {
            Ok(0) => return Ok(hex(&hasher.finalize())),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The scenario text a scenario was parsed from (shards carry it).
#[derive(Clone, Copy, Debug)]
pub struct ScenarioSource<'a> {
    pub text: &'a str,
    /// The name given to `scenario::parse_str` / the path given to `load_file`.
    pub file: &'a str,
}

/// What [`run_shard`] did.
#[derive(Clone, Debug)]
pub struct ShardRun {
    pub spec: ShardSpec,
    /// The shard's slice.
    pub range: Range<u64>,
    /// Replications done (`range.start .. range.start + completed`).
    pub completed: u64,
    /// The summary of this slice alone (`requested_runs` = slice length),
    /// for display; the real result comes from [`merge`].
    pub summary: Summary,
    /// Files written, `shard.json` last.
    pub files: Vec<PathBuf>,
}

/// Why a shard could not be run or written.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error(
        "the scenario text given for the shard (hash {text_hash}) is not the text the scenario was \
         parsed from (hash {scenario_hash})"
    )]
    SourceMismatch {
        text_hash: String,
        scenario_hash: String,
    },
    #[error(
        "a scenario with several writing regions (`[multi_writer]`) cannot be sharded yet: its \
         lost updates and deferred writes are not carried by shard states; run it whole"
    )]
    MultiWriter,
    #[error(transparent)]
    Run(#[from] RunError),
    /// The source names the file (and is shown after this by `{:#}`).
    #[error("cannot write the shard")]
    Io { dir: PathBuf, source: io::Error },
}

/// Runs shard `spec` of `scenario` (parsed from `source`, with any `--runs`
/// / `--seed` override already applied) and writes `runs.csv`,
/// `incidents.csv` and, last, `shard.json` into the existing folder `out`.
/// `sinks` (e.g. a progress bar) also see the outcomes. When `stop` is set
/// mid-way the shard is written as `partial` with what completed; a merge
/// then names the missing replications.
pub fn run_shard(
    source: ScenarioSource<'_>,
    scenario: &Scenario,
    spec: ShardSpec,
    options: &RunOptions,
    out: &Path,
    sinks: &mut [&mut dyn OutcomeSink],
    stop: &AtomicBool,
) -> Result<ShardRun, ShardError> {
    if scenario.multi_writer.is_some() {
        return Err(ShardError::MultiWriter);
    }
    let text_hash = fnv1a_hex(source.text);
    if text_hash != scenario.source_hash {
        return Err(ShardError::SourceMismatch {
            text_hash,
            scenario_hash: scenario.source_hash.clone(),
        });
    }
    let io_err = |source| ShardError::Io {
        dir: out.to_path_buf(),
        source,
    };
    let range = spec.range(scenario.simulation.runs);
    let mut csv = CsvSink::create(out).map_err(io_err)?;
    let agg = {
        let mut all: Vec<&mut dyn OutcomeSink> = Vec::with_capacity(sinks.len() + 1);
        all.push(&mut csv);
        for s in sinks.iter_mut() {
            all.push(&mut **s);
        }
        runner::run_range(scenario, options, range.clone(), &mut all, stop)?
    };
    let mut files = csv.commit().map_err(io_err)?;
    let completed = agg.runs();
    let csv_digests = CSV_FILES
        .iter()
        .map(|name| Ok((name.to_string(), file_digest(&out.join(name))?)))
        .collect::<io::Result<_>>()
        .map_err(io_err)?;
    let mut file = ShardFile {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        drsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: scenario.name.clone(),
        scenario_file: source.file.to_string(),
        scenario_hash: scenario.source_hash.clone(),
        scenario_text: source.text.to_string(),
        seed: scenario.simulation.seed,
        requested_runs: scenario.simulation.runs,
        fidelity: scenario.simulation.fidelity.name().to_string(),
        shard: spec,
        start: range.start,
        end: range.end,
        completed,
        partial: completed < range.end - range.start,
        state: agg.to_state(),
        sha256: ShardSeal {
            content: String::new(),
            csv: csv_digests,
        },
    };
    file.seal();
    let mut json = serde_json::to_string_pretty(&file).map_err(|e| io_err(io::Error::other(e)))?;
    json.push('\n');
    files.push(write_atomic(&out.join(SHARD_FILE), json.as_bytes()).map_err(io_err)?);
    let summary = agg.summary(
        scenario,
        Provenance {
            scenario: scenario.name.clone(),
            requested_runs: range.end - range.start,
            architecture: runner::describe_architecture(scenario),
        },
    );
    Ok(ShardRun {
        spec,
        range,
        completed,
        summary,
        files,
    })
}

/// One shard taken into a merge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedShard {
    pub dir: PathBuf,
    pub spec: ShardSpec,
    /// Replications it holds.
    pub range: Range<u64>,
    /// SHA-256 of each CSV, by file name, as its `shard.json` seals them.
    pub csv_sha256: BTreeMap<String, String>,
}

/// The merged result; [`Merged::write`] publishes it.
#[derive(Clone, Debug)]
pub struct Merged {
    /// Exactly the summary of the single-machine run.
    pub summary: Summary,
    /// The scenario the shards ran (with their `runs` and `seed`).
    pub scenario: Scenario,
    /// The shards in replication order.
    pub shards: Vec<MergedShard>,
}

/// A set of folders that cannot be merged, and why.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard folders given")]
    NoShards,
    #[error("{}: cannot read {SHARD_FILE} ({source}); is it a folder written by `drsim run --shard I/N`?", dir.display())]
    Missing { dir: PathBuf, source: io::Error },
    #[error("{}: {SHARD_FILE} is not a drsim shard file: {message}", dir.display())]
    Malformed { dir: PathBuf, message: String },
    #[error(
        "{}: {SHARD_FILE} is shard format version {found}, written by {} drsim; this drsim \
         ({}) reads version {FORMAT_VERSION} only (sealed with SHA-256): run that shard again \
         with this drsim",
        dir.display(),
        if *found < FORMAT_VERSION { "an older" } else { "a newer" },
        env!("CARGO_PKG_VERSION")
    )]
    Version { dir: PathBuf, found: u32 },
    #[error("{}: {SHARD_FILE} fails its integrity check: {message}; run that shard again", dir.display())]
    Tampered { dir: PathBuf, message: String },
    #[error(
        "{}: {what} is {found}, but {} has {expected}: these shards are not from the same run",
        dir.display(),
        first.display()
    )]
    Mismatch {
        dir: PathBuf,
        first: PathBuf,
        what: &'static str,
        found: String,
        expected: String,
    },
    #[error("{}: the scenario stored in the shard no longer validates: {message}", dir.display())]
    Scenario { dir: PathBuf, message: String },
    #[error("the shards do not cover the {requested_runs} replications exactly once:{}", coverage_lines(.problems))]
    Coverage {
        requested_runs: u64,
        problems: Vec<CoverageProblem>,
    },
    /// (`problem`, not `source`: the message already holds it, and a
    /// source would be printed a second time as its cause.)
    #[error("{}: {SHARD_FILE}: {problem}", dir.display())]
    State { dir: PathBuf, problem: StateError },
    #[error("{}: {message}", path.display())]
    Csv { path: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("the output folder {} is one of the shard folders; choose another --out", dir.display())]
    OutputIsInput { dir: PathBuf },
}

/// One way the shards fail to tile `0..requested_runs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoverageProblem {
    /// No shard holds these replications. `expected` names the shard that
    /// should have, when all shards agree on N; `interrupted` the folder of
    /// a partial shard that stopped before them.
    Missing {
        range: Range<u64>,
        expected: Vec<ShardSpec>,
        interrupted: Vec<PathBuf>,
    },
    /// These replications are in more than one folder.
    Duplicated {
        range: Range<u64>,
        dirs: Vec<PathBuf>,
    },
}

fn coverage_lines(problems: &[CoverageProblem]) -> String {
    let mut s = String::new();
    for p in problems {
        match p {
            CoverageProblem::Missing {
                range,
                expected,
                interrupted,
            } => {
                s += &format!(
                    "\n  missing: replications [{}, {}) ({} runs)",
                    range.start,
                    range.end,
                    range.end - range.start
                );
                for dir in interrupted {
                    s += &format!(
                        "; {} was interrupted before them (partial): run that shard again",
                        dir.display()
                    );
                }
                if !expected.is_empty() {
                    let names: Vec<String> = expected.iter().map(|e| e.to_string()).collect();
                    s += &format!("; shard {} was not given", names.join(", "));
                }
            }
            CoverageProblem::Duplicated { range, dirs } => {
                let dirs: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
                s += &format!(
                    "\n  duplicated: replications [{}, {}) are in {}",
                    range.start,
                    range.end,
                    dirs.join(" and ")
                );
            }
        }
    }
    s
}

/// Reads and checks `dir/shard.json` (see [`decode_shard`]).
pub fn read_shard(dir: &Path) -> Result<ShardFile, MergeError> {
    let bytes =
        crate::input::read_bounded(&dir.join(SHARD_FILE), crate::input::InputKind::ShardState)
            .map_err(|source| MergeError::Missing {
                dir: dir.to_path_buf(),
                source,
            })?;
    decode_shard(dir, &bytes)
}

/// Decodes the bytes of `dir/shard.json`: its format and version first
/// (an older shard is named as such, not as a missing field), then the
/// whole file, its seal and its slice. The state's laws are checked when a
/// merge absorbs it. Never panics, whatever the bytes.
pub fn decode_shard(dir: &Path, bytes: &[u8]) -> Result<ShardFile, MergeError> {
    let malformed = |message: String| MergeError::Malformed {
        dir: dir.to_path_buf(),
        message,
    };
    /// Just the format, read before anything else.
    #[derive(Deserialize)]
    struct Head {
        format: String,
        format_version: u32,
    }
    let head: Head = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    if head.format != FORMAT {
        return Err(malformed(format!(
            "format `{}`, expected `{FORMAT}`",
            crate::metrics::quoted(&head.format)
        )));
    }
    if head.format_version != FORMAT_VERSION {
        return Err(MergeError::Version {
            dir: dir.to_path_buf(),
            found: head.format_version,
        });
    }
    let file: ShardFile = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    file.check_seal().map_err(|message| MergeError::Tampered {
        dir: dir.to_path_buf(),
        message,
    })?;
    let expected = file.shard.range(file.requested_runs);
    if ShardSpec::new(file.shard.index, file.shard.count).is_err()
        || expected != (file.start..file.end)
        || file.completed > file.end - file.start
        || file.partial != (file.completed < file.end - file.start)
        || file.state.runs != file.completed
    {
        return Err(malformed(format!(
            "inconsistent slice: shard {} of {} runs should hold [{}, {}), the file says [{}, {}) \
             with {} completed and {} in its aggregate",
            file.shard,
            file.requested_runs,
            expected.start,
            expected.end,
            file.start,
            file.end,
            file.completed,
            file.state.runs
        )));
    }
    Ok(file)
}

/// Merges shard folders into the single-machine result. Checks that they
/// come from the same drsim version, scenario text, seed and number of
/// runs, and that together they hold every replication exactly once (else
/// names the missing or duplicated ranges). The folders may be given in any
/// order. Reads one `shard.json` at a time: memory does not grow with the
/// number of shards beyond a few bytes each.
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, MergeError> {
    let Some(first_dir) = dirs.first() else {
        return Err(MergeError::NoShards);
    };
    let first = read_shard(first_dir)?;
    let mut scenario = scenario::parse_str(&first.scenario_text, &first.scenario_file)
        .map_err(|e| MergeError::Scenario {
            dir: first_dir.clone(),
            message: e.to_string(),
        })?
        .scenario;
    scenario.simulation.runs = first.requested_runs;
    scenario.simulation.seed = first.seed;
    scenario.simulation.fidelity =
        Fidelity::from_name(&first.fidelity).ok_or_else(|| MergeError::Malformed {
            dir: first_dir.clone(),
            message: format!("unknown fidelity `{}`", first.fidelity),
        })?;
    if scenario.source_hash != first.scenario_hash {
        return Err(MergeError::Malformed {
            dir: first_dir.clone(),
            message: format!(
                "scenario_hash {} is not the hash of its scenario_text ({})",
                first.scenario_hash, scenario.source_hash
            ),
        });
    }
    let mut agg = Aggregator::new(&scenario);
    let mut shards: Vec<(MergedShard, Slice)> = Vec::with_capacity(dirs.len());
    for (i, dir) in dirs.iter().enumerate() {
        let file = if i == 0 {
            first.clone()
        } else {
            read_shard(dir)?
        };
        let same = |what: &'static str, found: String, expected: String| {
            if found == expected {
                Ok(())
            } else {
                Err(MergeError::Mismatch {
                    dir: dir.clone(),
                    first: first_dir.clone(),
                    what,
                    found,
                    expected,
                })
            }
        };
        same(
            "drsim version",
            file.drsim_version.clone(),
            first.drsim_version.clone(),
        )?;
        same(
            "scenario hash",
            file.scenario_hash.clone(),
            first.scenario_hash.clone(),
        )?;
        same("seed", file.seed.to_string(), first.seed.to_string())?;
        same("fidelity", file.fidelity.clone(), first.fidelity.clone())?;
        same(
            "requested runs",
            file.requested_runs.to_string(),
            first.requested_runs.to_string(),
        )?;
        if file.scenario_text != first.scenario_text {
            same(
                "scenario text",
                "a different text (same hash)".into(),
                "the first shard's".into(),
            )?;
        }
        agg.absorb(&file.state)
            .map_err(|problem| MergeError::State {
                dir: dir.clone(),
                problem,
            })?;
        // Keep only the slice: the state is absorbed.
        shards.push((
            MergedShard {
                dir: dir.clone(),
                spec: file.shard,
                range: file.start..file.start + file.completed,
                csv_sha256: file.sha256.csv.clone(),
            },
            Slice {
                spec: file.shard,
                nominal: file.start..file.end,
                partial: file.partial,
            },
        ));
    }
    check_coverage(first.requested_runs, &shards)?;
    shards.sort_by_key(|(s, _)| (s.range.start, s.range.end));
    Ok(Merged {
        summary: runner::summarise(&scenario, &agg),
        scenario,
        shards: shards.into_iter().map(|(s, _)| s).collect(),
    })
}

/// What a shard was asked to hold, for the coverage diagnostics.
struct Slice {
    spec: ShardSpec,
    nominal: Range<u64>,
    partial: bool,
}

/// Sweeps the completed ranges in order: a gap is missing, an overlap
/// duplicated.
fn check_coverage(runs: u64, shards: &[(MergedShard, Slice)]) -> Result<(), MergeError> {
    let mut held: Vec<&MergedShard> = shards
        .iter()
        .map(|(s, _)| s)
        .filter(|s| !s.range.is_empty())
        .collect();
    held.sort_by_key(|s| (s.range.start, s.range.end));
    let mut problems = Vec::new();
    let missing = |range: Range<u64>, problems: &mut Vec<CoverageProblem>| {
        let interrupted = shards
            .iter()
            .filter(|(_, f)| {
                f.partial && f.nominal.start < range.end && range.start < f.nominal.end
            })
            .map(|(s, _)| s.dir.clone())
            .collect();
        // When every shard agrees on N, the absent indices owning this range.
        let counts: Vec<u64> = shards.iter().map(|(_, f)| f.spec.count).collect();
        let expected = if counts.windows(2).all(|w| w[0] == w[1]) {
            let n = counts[0];
            (0..n)
                .filter_map(|i| ShardSpec::new(i, n).ok())
                .filter(|spec| {
                    let r = spec.range(runs);
                    !r.is_empty()
                        && r.start < range.end
                        && range.start < r.end
                        && !shards.iter().any(|(_, f)| f.spec == *spec)
                })
                .collect()
        } else {
            Vec::new()
        };
        problems.push(CoverageProblem::Missing {
            range,
            expected,
            interrupted,
        });
    };
    let mut cursor = 0u64;
    let mut last_dir: Option<&Path> = None;
    for s in held {
        if s.range.start > cursor {
            missing(cursor..s.range.start, &mut problems);
        } else if s.range.start < cursor {
            problems.push(CoverageProblem::Duplicated {
                range: s.range.start..s.range.end.min(cursor),
                dirs: last_dir
                    .into_iter()
                    .map(Path::to_path_buf)
                    .chain([s.dir.clone()])
                    .collect(),
            });
        }
        if s.range.end > cursor {
            cursor = s.range.end;
            last_dir = Some(&s.dir);
        }
    }
    if cursor < runs {
        missing(cursor..runs, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(MergeError::Coverage {
            requested_runs: runs,
            problems,
        })
    }
}

impl Merged {
    /// Writes `incidents.csv` and `runs.csv` (the shards' CSVs concatenated
    /// in replication order, header once) and then `summary.json` into the
    /// existing folder `out`, each atomically. Streams: memory stays flat
    /// whatever the size of the CSVs. Checks each shard's CSVs against the
    /// SHA-256 its `shard.json` seals, that their headers agree and that
    /// each `runs.csv` has one row per replication it holds; nothing is
    /// renamed into `out` until every CSV passed.
    pub fn write(&self, out: &Path) -> Result<Vec<PathBuf>, MergeError> {
        let out_canon = out.canonicalize().ok();
        for s in &self.shards {
            if out_canon.is_some() && s.dir.canonicalize().ok() == out_canon {
                return Err(MergeError::OutputIsInput { dir: s.dir.clone() });
            }
        }
        let concatenated = CSV_FILES
            .iter()
            .map(|name| Ok((out.join(name), self.concatenate(name, &out.join(name))?)))
            .collect::<Result<Vec<_>, MergeError>>()?;
        let mut files = Vec::new();
        for (dest, target) in concatenated {
            files.push(
                target
                    .commit()
                    .map_err(|source| MergeError::Io { path: dest, source })?,
            );
        }
        let summary = crate::report::write_summary_json(out, &self.summary).map_err(|source| {
            MergeError::Io {
                path: out.join("summary.json"),
                source,
            }
        })?;
        files.push(summary);
        Ok(files)
    }

    /// The shards' `name` CSVs concatenated into a temporary file for
    /// `dest`, not yet committed.
    fn concatenate(&self, name: &str, dest: &Path) -> Result<AtomicFile, MergeError> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| MergeError::Io { path, source }
        };
        let mut target = AtomicFile::create(dest).map_err(io_err(dest))?;
        let mut header: Option<Vec<u8>> = None;
        for s in &self.shards {
            let path = s.dir.join(name);
            let file = crate::input::open_bounded(&path, crate::input::InputKind::StreamedCsv)
                .map_err(io_err(&path))?;
            let mut reader = BufReader::new(file);
            let mut head = Vec::new();
            reader.read_until(b'\n', &mut head).map_err(io_err(&path))?;
            let mut digest = Sha256::new();
            digest.update(&head);
            if !head.ends_with(b"\n") {
                return Err(MergeError::Csv {
                    path,
                    message: "no complete header line".into(),
                });
            }
            match &header {
                None => {
                    target.writer().write_all(&head).map_err(io_err(dest))?;
                    header = Some(head);
                }
                Some(h) if *h != head => {
                    return Err(MergeError::Csv {
                        path,
                        message: format!(
                            "its header differs from the first shard's: `{}` vs `{}`",
                            crate::metrics::quoted(String::from_utf8_lossy(&head).trim_end()),
                            crate::metrics::quoted(String::from_utf8_lossy(h).trim_end())
                        ),
                    })
                }
                Some(_) => {}
            }
            let mut counter = LineCounter {
                inner: target.writer(),
                digest: &mut digest,
                lines: 0,
                last: b'\n',
            };
            io::copy(&mut reader, &mut counter).map_err(io_err(&path))?;
            let (lines, last) = (counter.lines, counter.last);
            let found = hex(&digest.finalize());
            let sealed = s.csv_sha256.get(name).map_or("", String::as_str);
            if found != sealed {
                return Err(MergeError::Csv {
                    path,
                    message: format!(
                        "its SHA-256 is {found}, but its {SHARD_FILE} seals {sealed}: the file \
                         was changed or damaged after the shard wrote it; run that shard again"
                    ),
                });
            }
            if last != b'\n' {
                return Err(MergeError::Csv {
                    path,
                    message: "the last row is not terminated".into(),
                });
            }
            let rows = s.range.end - s.range.start;
            if name == "runs.csv" && lines != rows {
                return Err(MergeError::Csv {
                    path,
                    message: format!("{lines} data rows, but the shard holds {rows} replications"),
                });
            }
        }
        Ok(target)
    }
}

/// Counts the newlines passing through (runs.csv fields are numbers: one
/// newline per row) and hashes the bytes.
struct LineCounter<'d, W> {
    inner: W,
    digest: &'d mut Sha256,
    lines: u64,
    last: u8,
}

impl<W: Write> Write for LineCounter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        self.lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        if n > 0 {
            self.last = buf[n - 1];
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// [`merge`] then [`Merged::write`] into `out` (which must exist).
pub fn merge_into(dirs: &[PathBuf], out: &Path) -> Result<Merged, MergeError> {
    let merged = merge(dirs)?;
    merged.write(out)?;
    Ok(merged)
}
