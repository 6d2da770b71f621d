//! Ctrl-C during a long run: the real binary stops at the next chunk
//! boundary and publishes complete outputs, with a summary marked partial.
//! Unix only (the signal is sent with `kill -INT`).

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interrupt");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Temporary files of outputs being written (`.NAME.tmp-PID`).
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

#[test]
fn ctrl_c_writes_a_complete_partial_result() {
    let out = out_dir();
    let requested: u64 = 5_000_000;
    let mut child = Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args([
            "run",
            "--runs",
            &requested.to_string(),
            "--force",
            "--quiet",
        ])
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();

    // Started: the runs.csv being written (in the staged folder next to the
    // target, see report::folder) has rows in it.
    let staged = out.with_file_name(format!(".interrupt.tmp-{pid}-0"));
    let tmp = staged.join(format!(".runs.csv.tmp-{pid}"));
    let started = Instant::now();
    while std::fs::metadata(&tmp).map_or(true, |m| m.len() < 100_000) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run did not start writing {}",
            tmp.display()
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended before the interrupt: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));

    let kill = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if stopped.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the run did not stop within 60 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();

    let text = std::fs::read_to_string(out.join("summary.json")).unwrap_or_else(|e| {
        panic!("no summary.json after SIGINT ({e}); exit {status}; stderr:\n{stderr}")
    });
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    let runs = summary["runs"].as_u64().unwrap();
    assert_eq!(summary["partial"], true, "{text}");
    assert_eq!(summary["requested_runs"].as_u64(), Some(requested));
    assert!(runs > 0 && runs < requested, "runs {runs}");
    assert_eq!(runs % 512, 0, "stops at a chunk boundary");

    // The CSVs are complete and hold exactly the finished replications.
    let runs_csv = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert!(runs_csv.ends_with('\n'));
    let rows: Vec<&str> = runs_csv.lines().skip(1).collect();
    assert_eq!(rows.len() as u64, runs);
    assert!(rows.last().unwrap().starts_with(&format!("{},", runs - 1)));
    let incidents_per_run: u64 = rows
        .iter()
        .map(|r| r.split(',').nth(3).unwrap().parse::<u64>().unwrap())
        .sum();
    let incidents_csv = std::fs::read_to_string(out.join("incidents.csv")).unwrap();
    assert!(incidents_csv.ends_with('\n'));
    assert_eq!(incidents_csv.lines().count() as u64 - 1, incidents_per_run);
    assert_eq!(
        summary["classes"]["zone"]["incidents"].as_u64(),
        Some(incidents_per_run)
    );

    // Nothing half-written is left behind.
    assert_eq!(temp_files(&out), Vec::<String>::new());
    assert!(!staged.exists(), "the staged folder was renamed into place");
}
