//! An output folder holds one run (issue 14, cases 2, 7 and 8): commands
//! refuse another command's results without `--force`, `--force` replaces
//! the whole folder, a run killed at any instant leaves the old run, the new
//! run or nothing, Ctrl-C (once or twice, `run` and `sweep`) leaves a
//! consistent folder, a full disk names the file once and leaves nothing
//! behind, and `sweep` / `trace` / `analyze` / `--precision` are guarded.
//! Unix only (signals).

#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_drsim");
const REFERENCE: &str = "scenarios/dynamics365-zone-redundant.toml";

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("output-folder")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn drsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Every file of a folder with a hash of its bytes (`None` when the
/// folder is absent).
fn snapshot(dir: &Path) -> Option<BTreeMap<String, u64>> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(
        entries
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().to_string();
                let bytes = std::fs::read(e.path()).unwrap();
                // FNV-1a: enough to tell two runs' files apart.
                let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                });
                (name, hash)
            })
            .collect(),
    )
}

/// Names next to `dir` that are temporary folders of it.
fn leftovers(dir: &Path) -> Vec<String> {
    let prefix = format!(".{}.tmp-", dir.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

fn wait_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("drsim did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Case 7: each command refuses a folder holding another command's results
/// (before: `run --shard`, `trace` and `sweep` wrote into a run's folder and
/// kept its summary.json).
#[test]
fn commands_refuse_each_others_results_without_force() {
    let root = scratch("refuse");
    let run_dir = root.join("run");
    let o = drsim(&["run", "--runs", "20", "-q", "--out", s(&run_dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = snapshot(&run_dir);
    let attempts: [&[&str]; 4] = [
        &["run", "--runs", "20", "--shard", "0/2", "-q"],
        &["trace"],
        &[
            "sweep",
            REFERENCE,
            "--set",
            "failover.missed_heartbeats=1,2",
            "--runs",
            "5",
            "-q",
        ],
        &["run", "--runs", "30", "-q"],
    ];
    for args in attempts {
        let mut all = args.to_vec();
        all.extend(["--out", s(&run_dir)]);
        let o = drsim(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("already holds results"), "{args:?}: {e}");
        assert!(e.contains("--force"), "{args:?}: {e}");
        assert!(snapshot(&run_dir) == before, "{args:?} changed the folder");
    }
    // A trace's folder refuses a run too.
    let trace_dir = root.join("trace");
    assert!(drsim(&["trace", "--out", s(&trace_dir)]).status.success());
    let o = drsim(&["run", "--runs", "20", "-q", "--out", s(&trace_dir)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!trace_dir.join("summary.json").exists());
}

/// `--force` replaces the whole folder: no file of the previous command
/// stays; a folder holding a file drsim did not write is never replaced.
#[test]
fn force_replaces_the_whole_folder_and_only_drsims() {
    let root = scratch("force");
    let dir = root.join("res");
    let dr = "scenarios/dynamics365-self-service-dr.toml";
    let o = drsim(&["run", dr, "--runs", "20", "-q", "--plot", "--out", s(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = drsim(&["trace", "--force", "--out", s(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<String> = snapshot(&dir).unwrap().into_keys().collect();
    assert_eq!(
        names,
        ["incidents.csv", "runs.csv", "trace.csv", "trace.json"],
        "only the trace's files"
    );
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let o = drsim(&["run", "--runs", "20", "-q", "--force", "--out", s(&dir)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did not write (notes.txt)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"mine");
    assert!(leftovers(&dir).is_empty());
}

/// Case 7: a `--force` run killed (SIGKILL) at 30 instants spread over its
/// life leaves the old complete run or the new complete run, never a mix
/// (before: 1 kill in 40 left new CSVs next to the old summary).
#[test]
fn a_killed_run_leaves_the_old_run_or_the_new_one() {
    let root = scratch("kill");
    let dir = root.join("res");
    let run = |seed: &str, out: &Path| {
        Command::new(BIN)
            .args([
                "run", "--runs", "3000", "-q", "--force", "--seed", seed, "--out",
            ])
            .arg(out)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .spawn()
            .unwrap()
    };
    // The two complete runs, and how long one takes.
    let mut complete = Vec::new();
    let mut took = Duration::ZERO;
    for seed in ["1", "2"] {
        let out = root.join(format!("seed-{seed}"));
        let start = Instant::now();
        assert!(wait_timeout(&mut run(seed, &out), Duration::from_secs(120)).success());
        took = took.max(start.elapsed());
        complete.push(snapshot(&out).unwrap());
    }
    let mut current = 0usize;
    std::fs::rename(root.join("seed-1"), &dir).unwrap();
    let files = |seed: usize| -> Vec<(String, Vec<u8>)> {
        let d = root.join(format!("copy-{seed}"));
        std::fs::read_dir(&d)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().to_string(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    };
    // Copies of both runs, to restore the folder after a kill left it absent.
    for (i, src) in [&dir, &root.join("seed-2")].into_iter().enumerate() {
        let d = root.join(format!("copy-{i}"));
        std::fs::create_dir_all(&d).unwrap();
        for e in std::fs::read_dir(src).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), d.join(e.file_name())).unwrap();
        }
    }
    // Kill instants from a fixed-seed generator, spread over 110% of a run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut outcomes = [0usize; 3];
    for _ in 0..30 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = took.mul_f64((x % 1000) as f64 / 1000.0 * 1.1);
        let next = 1 - current;
        let mut child = run(["1", "2"][next], &dir);
        std::thread::sleep(at);
        let _ = child.kill();
        let _ = child.wait();
        match snapshot(&dir) {
            None => {
                outcomes[2] += 1;
                std::fs::create_dir(&dir).unwrap();
                for (name, bytes) in files(current) {
                    std::fs::write(dir.join(name), bytes).unwrap();
                }
            }
            Some(files) if files == complete[current] => outcomes[0] += 1,
            Some(files) if files == complete[next] => {
                outcomes[1] += 1;
                current = next;
            }
            Some(files) => panic!(
                "killed after {at:?}: the folder is a mix: {:?}",
                files.keys().collect::<Vec<_>>()
            ),
        }
    }
    println!(
        "old run {} times, new run {}, absent {}",
        outcomes[0], outcomes[1], outcomes[2]
    );
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
    // The next command removes the temporary folders of killed runs.
    let mut last = run("1", &root.join("after"));
    assert!(wait_timeout(&mut last, Duration::from_secs(120)).success());
    let o = drsim(&["run", "--runs", "20", "-q", "--force", "--out", s(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

/// Starts `drsim ARGS` and waits until its staged folder next to `dir`
/// exists and the run has been going for `settle`.
fn started(args: &[&str], dir: &Path, settle: Duration) -> Child {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--out")
        .arg(dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while leftovers(dir).is_empty() {
        assert!(start.elapsed() < Duration::from_secs(60), "never started");
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "{args:?} ended before starting: {status}: {}",
                read_stderr(&mut child)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(settle);
    child
}

fn read_stderr(child: &mut Child) -> String {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut text).unwrap();
    text
}

/// Case 7: a second Ctrl-C exits at once and leaves the previous results
/// whole, with no temporary folder (before: CSVs without a summary).
#[test]
fn a_double_ctrl_c_keeps_the_previous_run() {
    let root = scratch("double-ctrl-c");
    let dir = root.join("res");
    // Replications of about 50 ms (exact fidelity, an hour at 1,000
    // writes/s): a chunk takes seconds, so the second Ctrl-C comes while
    // the first waits for it.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/dynamics365-self-service-dr.toml"),
    )
    .unwrap()
    .replacen("write_rate = \"200/s\"", "write_rate = \"1000/s\"", 1)
    .replacen(
        "horizon = \"1y\"",
        "horizon = \"1h\"\nfidelity = \"exact\"",
        1,
    )
    .replacen("at = \"45d\"", "at = \"30m\"", 1);
    let file = root.join("slow.toml");
    std::fs::write(&file, text).unwrap();
    let o = drsim(&["run", s(&file), "--runs", "4", "-q", "--out", s(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = snapshot(&dir);
    let args = ["run", s(&file), "--runs", "10000", "-q", "--force"];
    let mut child = started(&args, &dir, Duration::from_millis(300));
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(100));
    signal(&child, "-INT");
    let status = wait_timeout(&mut child, Duration::from_secs(60));
    let e = read_stderr(&mut child);
    assert_eq!(status.code(), Some(130), "{e}");
    assert!(e.contains("interrupted again"), "{e}");
    assert!(snapshot(&dir) == before, "the previous run changed");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

/// Case 2: `sweep` handles Ctrl-C like `run`: it stops, writes a
/// consistent partial `sweep.csv` and says so (before: killed by the
/// signal, an empty folder, no message).
#[test]
fn ctrl_c_stops_a_sweep_with_a_partial_result() {
    let root = scratch("sweep-ctrl-c");
    let dir = root.join("res");
    let args = [
        "sweep",
        REFERENCE,
        "--set",
        "failover.missed_heartbeats=1,2,3",
        "--runs",
        "3000000",
        "-q",
    ];
    let mut child = started(&args, &dir, Duration::from_millis(800));
    signal(&child, "-INT");
    let status = wait_timeout(&mut child, Duration::from_secs(60));
    let e = read_stderr(&mut child);
    assert_eq!(status.code(), Some(130), "{e}");
    assert!(
        e.contains("interrupted:") && e.contains("replications finished"),
        "{e}"
    );
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let runs: Vec<u64> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(runs.iter().all(|&r| r < 3_000_000), "{runs:?}");
    assert!(runs.iter().any(|&r| r > 0), "{runs:?}");
    assert!(dir.join("provenance.json").exists());
    assert!(leftovers(&dir).is_empty());
}

/// The self-service DR scenario in exact fidelity at 100,000 writes/s:
/// 2,000 replications of a year are about 1.3·10¹⁶ events, one is 6·10¹².
fn exact_year() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/dynamics365-self-service-dr.toml"),
    )
    .unwrap()
    .replacen("write_rate = \"200/s\"", "write_rate = \"100000/s\"", 1)
    .replacen(
        "horizon = \"1y\"",
        "horizon = \"1y\"\nfidelity = \"exact\"",
        1,
    )
}

/// Case 2: `sweep` is guarded like `run`: a file `run` refuses is refused,
/// and so is a 1000 × 1000 grid, at once and without creating the folder.
#[test]
fn sweep_refuses_what_run_refuses_and_huge_grids() {
    let root = scratch("sweep-guard");
    let text = exact_year();
    let file = root.join("runaway.toml");
    std::fs::write(&file, text).unwrap();
    let dir = root.join("res");
    let o = drsim(&["run", s(&file), "-q", "--out", s(&dir)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("refusing to run"), "{}", stderr(&o));
    let thousand: String = (1..=1000)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let grid_a = format!("simulation.seed={thousand}");
    let grid_b = format!("failover.missed_heartbeats={thousand}");
    let cases: [Vec<&str>; 2] = [
        vec![
            "sweep",
            s(&file),
            "--set",
            "failover.missed_heartbeats=1,2",
            "-q",
        ],
        vec![
            "sweep", REFERENCE, "--set", &grid_a, "--set", &grid_b, "--runs", "1", "-q",
        ],
    ];
    for args in cases {
        let mut child = Command::new(BIN)
            .args(&args)
            .args(["--out", s(&dir)])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait_timeout(&mut child, Duration::from_secs(30));
        let e = read_stderr(&mut child);
        assert_eq!(status.code(), Some(2), "{e}");
        assert!(
            e.contains("refusing to run") && e.contains("--allow-large"),
            "{e}"
        );
        assert!(!dir.exists() && leftovers(&dir).is_empty());
    }
}

/// Case 1: `trace`, `analyze` and `--precision` are guarded too.
#[test]
fn trace_analyze_and_precision_are_guarded() {
    let root = scratch("guards");
    let file = root.join("exact-year.toml");
    std::fs::write(&file, exact_year()).unwrap();
    let dir = root.join("res");
    let cases: [&[&str]; 3] = [
        &["trace", s(&file), "--out", s(&dir)],
        &["analyze", s(&file), "--runs", "100"],
        &[
            "run",
            s(&file),
            "--precision",
            "0.05",
            "-q",
            "--out",
            s(&dir),
        ],
    ];
    for args in cases {
        let mut child = Command::new(BIN)
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let status = wait_timeout(&mut child, Duration::from_secs(30));
        let e = read_stderr(&mut child);
        assert_eq!(status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("refusing to run") && e.contains("exact fidelity"),
            "{args:?}: {e}"
        );
        assert!(!dir.exists());
    }
}

/// Runs `sh -c SCRIPT` in a private mount namespace where `dir` is a
/// 64 KiB tmpfs (`unshare -rm`: root or unprivileged user namespaces).
fn on_full_disk(dir: &Path, script: &str) -> Output {
    std::fs::create_dir_all(dir).unwrap();
    Command::new("unshare")
        .args(["-rm", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size=64k drsim-full {d} || exit 99; {script}; code=$?; \
             echo left: $(ls -A {d}); exit $code",
            d = dir.display()
        ))
        .env("DRSIM", BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// Case 8: a full disk names the file, prints its cause once (without the
/// "os error" code), and leaves nothing behind (before: "No space left on
/// device (os error 28)" with no file, twice for a shard, and
/// `.incidents.csv.tmp-PID` next to a `runs.csv`).
///
/// It needs a mount namespace (root, or unprivileged user namespaces, as on
/// the machines this project is built on). Where the kernel refuses one the
/// test says so on stderr and checks nothing rather than failing a build
/// that has no full disk to offer.
#[test]
fn a_full_disk_names_the_file_once_and_leaves_nothing() {
    let disk = scratch("full-disk").join("disk");
    let commands = [
        "\"$DRSIM\" run --runs 300 -q --out DISK/x",
        "\"$DRSIM\" run --runs 300 -q --shard 0/2 --out DISK/x",
        "\"$DRSIM\" trace --out DISK/x",
    ];
    for c in commands {
        let o = on_full_disk(&disk, &c.replace("DISK", s(&disk)));
        if o.status.code() == Some(99) || stderr(&o).starts_with("unshare:") {
            eprintln!(
                "SKIPPED: cannot mount a tmpfs here (unshare -rm): {}",
                stderr(&o)
            );
            return;
        }
        let e = stderr(&o);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("left: \n") || out.trim_end().ends_with("left:"),
            "{c}: {out}"
        );
        assert_eq!(o.status.code(), Some(2), "{c}: {e}");
        let x = disk.join("x");
        let named = ["runs.csv", "incidents.csv", "trace.csv"].iter().any(|f| {
            e.contains(&format!(
                "cannot write {}: No space left on device",
                x.join(f).display()
            ))
        });
        assert!(named, "{c}: {e}");
        assert_eq!(e.matches("No space left on device").count(), 1, "{c}: {e}");
        assert!(!e.contains("os error") && !e.contains(".tmp-"), "{c}: {e}");
    }
}
