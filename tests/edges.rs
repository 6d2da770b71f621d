//! The binary at its edges (issue 14): inputs that are not regular files or
//! are too large, closed standard streams, default output folders from
//! hostile scenario names, `compare` on a summary that lost its metrics,
//! the `--threads` cap, echoed user text, and a summary of no replication.
//! Each test fails on the code before the fix of its case.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_drsim");

/// Generous bound for "did not hang"; never a performance claim.
const HANG: Duration = Duration::from_secs(60);

/// A minimal valid scenario named `name` (a TOML basic string's contents).
fn scenario(name: &str) -> String {
    format!(
        r#"name = "{name}"

[simulation]
seed = 1
runs = 4
horizon = "30d"

[[regions]]
name = "r1"
zones = ["az1", "az2", "az3"]

[environment]
name = "env"
type = "production"
region = "r1"
data_size = "1GB"

[workload]
write_rate = "100/s"
write_size = "4KiB"
"#
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("edges")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Waits for `child` at most [`HANG`], draining its captured outputs
/// meanwhile (a full pipe must not pass for a hang); kills it and fails if
/// it hangs.
fn finish(mut child: Child, what: &str) -> Output {
    fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            bytes
        })
    }
    let (stdout, stderr) = (drain(child.stdout.take()), drain(child.stderr.take()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {HANG:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Runs drsim in `cwd` with both outputs captured, under the hang bound.
fn drsim_in(cwd: &Path, args: &[&str]) -> Output {
    let child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish(child, &args.join(" "))
}

fn drsim(args: &[&str]) -> Output {
    drsim_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(args: &[&str]) -> Output {
    let o = drsim(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

/// Exit status 2 and an error that mentions `needle`.
fn refused(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A results folder of a small real run (shared by several tests).
fn run_folder(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    ok(&[
        "run",
        "--runs",
        "40",
        "--quiet",
        "--force",
        "--out",
        s(&dir),
    ]);
    dir
}

// ---------------------------------------------------------------------------
// Case 3: bounded reads; devices, FIFOs and directories refused
// ---------------------------------------------------------------------------

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A FIFO with no writer used to block `open(2)` forever (`validate`), and
/// `run --shard` opened the scenario twice.
#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = temp_dir("fifo");
    let fifo = dir.join("scenario.toml");
    mkfifo(&fifo);
    let out = dir.join("out");
    for args in [
        vec!["validate", s(&fifo)],
        vec!["run", s(&fifo), "--shard", "0/2", "--out", s(&out)],
        vec!["sweep", s(&fifo), "--out", s(&out)],
        vec!["analyze", s(&fifo)],
    ] {
        refused(&drsim(&args), "a FIFO (named pipe), not a regular file");
    }
    // A summary or a shard state that is a FIFO.
    let folder = dir.join("folder");
    std::fs::create_dir_all(&folder).unwrap();
    mkfifo(&folder.join("summary.json"));
    mkfifo(&folder.join("shard.json"));
    refused(&drsim(&["plot", s(&folder)]), "FIFO");
    refused(
        &drsim(&[
            "compare",
            s(&folder.join("summary.json")),
            s(&folder.join("summary.json")),
        ]),
        "FIFO",
    );
    refused(&drsim(&["merge", s(&folder), "--out", s(&out)]), "FIFO");
}

#[cfg(unix)]
#[test]
fn devices_and_directories_are_refused() {
    let base = run_folder("devices");
    let summary = base.join("summary.json");
    refused(
        &drsim(&["compare", s(&summary), "/dev/zero"]),
        "a character device",
    );
    refused(
        &drsim(&["compare", "/dev/zero", s(&summary)]),
        "a character device",
    );
    refused(
        &drsim(&["sweep", "/dev/zero", "--out", s(&base.join("sw"))]),
        "a character device",
    );
    refused(&drsim(&["validate", "/dev/zero"]), "a character device");
    refused(
        &drsim(&["compare", s(&base), s(&summary)]),
        "is a directory",
    );
}

/// Sparse files (no disk blocks) one byte over each kind's limit.
#[test]
fn oversized_inputs_are_refused_without_being_read() {
    let base = run_folder("oversized");
    let sparse = |path: &Path, len: u64| {
        std::fs::File::create(path)
            .and_then(|f| f.set_len(len))
            .unwrap();
    };
    let big = temp_dir("oversized-inputs");
    let summary = big.join("summary.json");
    sparse(&summary, drsim::input::MAX_SUMMARY_BYTES + 1);
    refused(
        &drsim(&["compare", s(&base.join("summary.json")), s(&summary)]),
        "summary.json files are limited to 16777216 bytes",
    );
    refused(&drsim(&["plot", s(&big)]), "limited to 16777216 bytes");

    let shard = temp_dir("oversized-shard");
    sparse(
        &shard.join("shard.json"),
        drsim::input::MAX_SHARD_STATE_BYTES + 1,
    );
    refused(
        &drsim(&["merge", s(&shard), "--out", s(&big.join("merged"))]),
        "shard.json files are limited to 67108864 bytes",
    );

    // A chart's CSV over its limit, next to a real summary.
    let csv_dir = temp_dir("oversized-csv");
    std::fs::copy(base.join("summary.json"), csv_dir.join("summary.json")).unwrap();
    sparse(
        &csv_dir.join("incidents.csv"),
        drsim::input::MAX_CHART_CSV_BYTES + 1,
    );
    refused(
        &drsim(&["plot", s(&csv_dir)]),
        "CSV files drawn as charts are limited to",
    );
}

// ---------------------------------------------------------------------------
// Case 4: closed standard output and standard error
// ---------------------------------------------------------------------------

/// Runs drsim with a standard output (or error) whose reader is already
/// gone, so the first write fails with EPIPE however fast the command is.
fn with_closed(stream: &str, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    if stream == "stdout" {
        cmd.stdout(writer).stderr(Stdio::piped());
    } else {
        cmd.stdout(Stdio::piped()).stderr(writer);
    }
    finish(cmd.spawn().unwrap(), &args.join(" "))
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let dir = temp_dir("closed-stdout");
    let run = run_folder("closed-stdout-run");
    let summary = run.join("summary.json");
    let shard = dir.join("shard");
    ok(&[
        "run",
        "--runs",
        "8",
        "--shard",
        "0/1",
        "--quiet",
        "--force",
        "--out",
        s(&shard),
    ]);
    let scenario = "scenarios/dynamics365-no-dr.toml";
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (o_run, o_trace, o_sweep, o_merge) = (out("run"), out("trace"), out("sweep"), out("merge"));
    let commands: Vec<Vec<&str>> = vec![
        vec!["validate", scenario],
        vec!["run", "--runs", "8", "--force", "--out", &o_run],
        vec!["compare", s(&summary), s(&summary)],
        vec!["trace", "--force", "--out", &o_trace],
        vec![
            "sweep",
            scenario,
            "--set",
            "failover.reroute=30s,60s",
            "--runs",
            "8",
            "--force",
            "--out",
            &o_sweep,
        ],
        vec!["analyze", scenario, "--runs", "64"],
        vec!["merge", s(&shard), "--force", "--out", &o_merge],
        vec!["plot", s(&run)],
    ];
    for args in commands {
        let o = with_closed("stdout", &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(141), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn an_error_on_a_closed_stderr_keeps_exit_status_2() {
    let o = with_closed("stderr", &["validate", "no/such/scenario.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = with_closed("stderr", &["run", "--threads", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

// ---------------------------------------------------------------------------
// Case 6: default output folders stay inside out/
// ---------------------------------------------------------------------------

#[test]
fn default_output_folders_never_leave_out() {
    let root = temp_dir("slug");
    // Run from a folder three levels down, so that an escape lands inside
    // the test's own temporary folder.
    let cwd = root.join("a").join("b").join("c");
    std::fs::create_dir_all(&cwd).unwrap();
    let absolute = root.join("absolute");
    let cases = [
        ("../../x", "x"),
        ("..", "scenario"),
        (absolute.to_str().unwrap(), ""),
        ("CON", "CON-"),
    ];
    for (name, slug) in cases {
        let file = cwd.join("s.toml");
        std::fs::write(&file, scenario(name)).unwrap();
        let o = drsim_in(&cwd, &["run", "s.toml", "--quiet", "--force"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let out: Vec<PathBuf> = std::fs::read_dir(cwd.join("out"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("summary.json").exists())
            .collect();
        assert_eq!(out.len(), 1, "{name}: {out:?}");
        let folder = out[0].file_name().unwrap().to_str().unwrap().to_string();
        if !slug.is_empty() {
            assert_eq!(folder, slug, "{name}");
        }
        std::fs::remove_dir_all(cwd.join("out")).unwrap();
    }
    // Nothing was written anywhere else.
    assert!(!root.join("a").join("b").join("x").exists());
    assert!(!cwd.join("summary.json").exists());
    assert!(!absolute.exists());
    let names: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["a"]);
}

// ---------------------------------------------------------------------------
// Case 9: compare on a summary that lost its metrics
// ---------------------------------------------------------------------------

#[test]
fn compare_fails_when_metrics_are_removed_or_null() {
    let base = run_folder("compare-lost");
    let summary = base.join("summary.json");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    let dir = temp_dir("compare-lost-current");
    let write = |name: &str, v: &serde_json::Value| {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
        path
    };
    let mut nulled = json.clone();
    nulled["availability"] = serde_json::Value::Null;
    let mut stripped = json.clone();
    let identity = [
        "schema_version",
        "drsim_version",
        "scenario",
        "scenario_hash",
        "seed",
        "runs",
    ];
    stripped
        .as_object_mut()
        .unwrap()
        .retain(|k, _| identity.contains(&k.as_str()) || k == "horizon_s");
    for (name, current) in [("nulled.json", &nulled), ("stripped.json", &stripped)] {
        let path = write(name, current);
        let o = drsim(&["compare", s(&summary), s(&path)]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(1), "{name}: {text}{}", stderr(&o));
        assert!(text.contains("availability.mean"), "{name}: {text}");
        assert!(text.contains("REMOVED"), "{name}: {text}");
    }
}

// ---------------------------------------------------------------------------
// Case 10: --threads is bounded
// ---------------------------------------------------------------------------

#[test]
fn threads_above_four_per_core_are_refused() {
    let max = drsim::runner::max_threads();
    let dir = temp_dir("threads");
    let over = (max + 1).to_string();
    refused(
        &drsim(&[
            "run",
            "--runs",
            "2",
            "--threads",
            &over,
            "--force",
            "--out",
            s(&dir),
        ]),
        &format!("--threads must be between 1 and {max} (4 per available core), got {over}"),
    );
    refused(
        &drsim(&[
            "run",
            "--runs",
            "2",
            "--threads",
            "100000",
            "--force",
            "--out",
            s(&dir),
        ]),
        "got 100000",
    );
    assert!(!dir.join("summary.json").exists());
    refused(
        &drsim(&[
            "sweep",
            "scenarios/dynamics365-no-dr.toml",
            "--set",
            "failover.reroute=30s,60s",
            "--threads",
            &over,
            "--force",
            "--out",
            s(&dir),
        ]),
        "4 per available core",
    );
}

// ---------------------------------------------------------------------------
// Case 11: echoed user text is cut and escaped
// ---------------------------------------------------------------------------

#[test]
fn huge_and_hostile_names_are_cut_and_escaped_in_messages() {
    let dir = temp_dir("echo");
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let base = scenario("echo");
    let huge_zone = write(
        "huge-zone.toml",
        base.replace(
            "region = \"r1\"",
            &format!("region = \"{}\"", "y".repeat(500_000)),
        ),
    );
    let huge_key = write(
        "huge-key.toml",
        base.replace(
            "[simulation]",
            &format!("{} = 1\n[simulation]", "k".repeat(200_000)),
        ),
    );
    for path in [&huge_zone, &huge_key] {
        let o = drsim(&["validate", s(path)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.len() < 3_000, "{} bytes of stderr", err.len());
        assert!(err.contains(&format!("{}…`", "y".repeat(79))) || err.contains("…`"));
    }
    // ESC, NUL and CR reach the terminal escaped, in errors and in output.
    let hostile = write(
        "hostile.toml",
        base.replace("region = \"r1\"", "region = \"r\\u001b[2J\\u0000\\r\""),
    );
    let o = drsim(&["validate", s(&hostile)]);
    let err = stderr(&o);
    assert!(err.contains("unknown region `r\\u{1b}[2J\\0\\r`"), "{err}");
    // A name holding control characters is refused by validation; the
    // refusal itself must not carry them raw either.
    let named = write("named.toml", scenario("n\\u001b]0;title\\u0007\\r"));
    let o = drsim(&["validate", s(&named)]);
    refused(&o, "contains the control character U+001B");
    for o in [&o, &drsim(&["validate", s(&hostile)])] {
        let raw = [&o.stdout[..], &o.stderr[..]].concat();
        assert!(
            !raw.iter().any(|&b| b < 0x20 && b != b'\n' && b != b'\t'),
            "{:?}",
            String::from_utf8_lossy(&raw)
        );
    }
    // A long unknown name on the command line is cut as well.
    let o = drsim(&[
        "sweep",
        "scenarios/dynamics365-no-dr.toml",
        "--set",
        &format!("{}=1,2", "z".repeat(5_000)),
        "--out",
        s(&dir),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.len() < 2_000, "{} bytes: {err}", err.len());
}

// ---------------------------------------------------------------------------
// Case 13: a summary of no replication
// ---------------------------------------------------------------------------

/// What `run` leaves when interrupted before its first replication
/// finished: written through the library with the stop flag already up.
fn interrupted_before_the_first(dir: &Path) {
    use drsim::runner::{self, OutcomeSink, RunOptions};
    use std::sync::atomic::AtomicBool;
    let sc = drsim::scenario::parse_str(&scenario("zero"), "zero.toml")
        .unwrap()
        .scenario;
    let mut csv = drsim::report::csv::CsvSink::create(dir).unwrap();
    let stop = AtomicBool::new(true);
    let summary = {
        let mut sinks: Vec<&mut dyn OutcomeSink> = vec![&mut csv];
        runner::run(&sc, &RunOptions::default(), &mut sinks, &stop).unwrap()
    };
    csv.commit().unwrap();
    drsim::report::write_summary_json(dir, &summary).unwrap();
}

#[test]
fn a_summary_of_no_replication_has_null_rates_and_plot_says_why() {
    let dir = temp_dir("zero-runs");
    interrupted_before_the_first(&dir);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["runs"], 0);
    assert_eq!(json["partial"], true);
    for key in ["availability", "downtime_s", "incidents_per_run"] {
        assert!(json[key].is_null(), "{key}: {}", json[key]);
    }
    assert!(dir.join("incidents.csv").exists());
    refused(
        &drsim(&["plot", s(&dir)]),
        "nothing to plot: summary.json reports 0 of 4 replications finished",
    );
    // The other reason: whole files, no incident to draw.
    let mut quiet = std::fs::File::create(dir.join("summary.json")).unwrap();
    let mut one = json.clone();
    one["runs"] = 1.into();
    quiet.write_all(&serde_json::to_vec(&one).unwrap()).unwrap();
    refused(
        &drsim(&["plot", s(&dir)]),
        "incidents.csv holds no incident from the 1 replications",
    );
}
