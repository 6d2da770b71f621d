//! The guard's peak-memory estimate against the peak resident memory of a
//! real `drsim run` (the child's `ru_maxrss` from `wait4`), within a factor
//! of two, on scenarios whose memory goes to different places: the fixed
//! floor, the incidents of the replications in memory, and the exact
//! fidelity's write backlog (with and without DR). Linux only (`wait4`,
//! `ru_maxrss` in KiB).

#![cfg(target_os = "linux")]

use drsim::guard;
use drsim::scenario::{self, Fidelity, Scenario};
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guard-memory");
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// Runs `drsim run FILE ARGS` and returns its peak resident memory in bytes.
/// The child is reaped by `wait4` (which also reports its usage), not by
/// `Child::wait`.
#[allow(clippy::zombie_processes)]
fn peak_rss(file: &Path, args: &[&str], out: &Path) -> f64 {
    let _ = std::fs::remove_dir_all(out);
    let child = Command::new(env!("CARGO_BIN_EXE_drsim"))
        .arg("run")
        .arg(file)
        .args(args)
        .args(["--quiet", "--out"])
        .arg(out)
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, both pointers are valid for the call.
    let r = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(r, child.id() as i32, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "drsim run {} failed: {status}",
        file.display()
    );
    let _ = std::fs::remove_dir_all(out);
    usage.ru_maxrss as f64 * 1024.0
}

fn scenario_file(name: &str, text: &str) -> (PathBuf, Scenario) {
    let path = scratch(&format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    let sc = scenario::load_file(&path).unwrap().scenario;
    (path, sc)
}

const REFERENCE: &str = include_str!("../scenarios/dynamics365-zone-redundant.toml");
const DR: &str = include_str!("../scenarios/dynamics365-self-service-dr.toml");
const NO_DR: &str = include_str!("../scenarios/dynamics365-no-dr.toml");

fn check(name: &str, text: &str, runs: u64, exact: bool) -> (f64, f64) {
    let (file, mut sc) = scenario_file(name, text);
    sc.simulation.runs = runs;
    let mut args = vec!["--runs".to_string(), runs.to_string()];
    if exact {
        sc.simulation.fidelity = Fidelity::Exact;
        args.extend(["--fidelity".to_string(), "exact".to_string()]);
    }
    let estimate = guard::estimate(&sc).peak_memory_bytes;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let measured = peak_rss(&file, &args, &scratch(&format!("{name}-out")));
    println!(
        "{name}: estimate {:.1} MiB, measured {:.1} MiB (ratio {:.2})",
        estimate / 1048576.0,
        measured / 1048576.0,
        estimate / measured
    );
    (estimate, measured)
}

fn within_two(name: &str, (estimate, measured): (f64, f64)) {
    assert!(
        estimate <= 2.0 * measured && measured <= 2.0 * estimate,
        "{name}: estimate {estimate:.0} B, measured peak RSS {measured:.0} B"
    );
}

/// The floor: the reference scenario in fast mode, and the no-DR scenario
/// in exact mode (no link: no write is simulated).
#[test]
fn floor_runs() {
    within_two("reference", check("reference", REFERENCE, 2000, false));
    within_two("no-dr-exact", check("no-dr-exact", NO_DR, 20, true));
}

/// Incidents dominate: zones failing every few minutes, 100 replications of
/// 30 days in memory at once.
#[test]
fn incidents_in_memory() {
    let text = REFERENCE
        .replacen("horizon = \"1y\"", "horizon = \"30d\"", 1)
        .replacen("mean = \"120d\"", "mean = \"10m\"", 1)
        .replacen("median = \"2h\"", "median = \"1m\"", 1)
        .replacen("at = \"30d\"", "at = \"1d\"", 1);
    let (est, measured) = check("busy-zones", &text, 100, false);
    assert!(measured > 200e6, "the scenario is meant to be memory-heavy");
    within_two("busy-zones", (est, measured));
}

/// Exact fidelity with DR: 10,000 writes/s and a 30-minute partition of
/// the link in a 1-hour replication hold about 18 million writes, then the
/// backlog drains; the same hour without the partition holds about a batch.
#[test]
fn exact_write_backlog() {
    let base = DR
        .replacen("horizon = \"1y\"", "horizon = \"1h\"", 1)
        .replacen("write_rate = \"200/s\"", "write_rate = \"10000/s\"", 1)
        .replacen("write_size = \"4KiB\"", "write_size = \"1KiB\"", 1)
        .replacen("at = \"45d\"", "at = \"50m\"", 1);
    let partitioned =
        format!("{base}\n[[incidents]]\nkind = \"link\"\nat = \"10m\"\nduration = \"30m\"\n");
    let (est, measured) = check("exact-partition", &partitioned, 1, true);
    assert!(measured > 150e6, "the backlog is meant to dominate");
    within_two("exact-partition", (est, measured));
    within_two("exact-dr", check("exact-dr", &base, 2, true));
}
