//! Scale-out and guards: shards merge into the byte-identical single-machine
//! result; merges refuse mismatched, missing and duplicated shards with
//! errors naming the replications; oversized runs are refused before they
//! start; the determinism self-check passes on the bundled scenarios.

use drsim::dist::Dist;
use drsim::guard::{self, Limits};
use drsim::incident::IncidentClass;
use drsim::model::ReplicationOutcome;
use drsim::report::{self, csv::CsvSink};
use drsim::runner::{self, OutcomeSink, RunOptions};
use drsim::scenario::{
    parse_str, FailureProcess, Fidelity, Scenario, REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE,
};
use drsim::shard::{self, CoverageProblem, MergeError, ScenarioSource, ShardSpec};
use drsim::time::SimDuration;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

const DR_FILE: &str = "scenarios/dynamics365-self-service-dr.toml";

fn dr_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(DR_FILE)).unwrap()
}

fn load(text: &str, file: &str, runs: u64, seed: Option<u64>) -> Scenario {
    let mut sc = parse_str(text, file).unwrap().scenario;
    sc.simulation.runs = runs;
    if let Some(s) = seed {
        sc.simulation.seed = s;
    }
    sc
}

/// A fresh folder under the target dir, unique per test and label.
fn dir(test: &str, label: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("scale_out")
        .join(test)
        .join(label);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The single-machine run, written as `drsim run` writes it.
fn full_run(sc: &Scenario, out: &Path) {
    let mut csv = CsvSink::create(out).unwrap();
    let stop = AtomicBool::new(false);
    let summary = runner::run(
        sc,
        &RunOptions { threads: Some(2) },
        &mut [&mut csv as &mut dyn OutcomeSink],
        &stop,
    )
    .unwrap();
    csv.commit().unwrap();
    report::write_summary_json(out, &summary).unwrap();
}

fn shard_run(
    text: &str,
    file: &str,
    sc: &Scenario,
    spec: ShardSpec,
    out: &Path,
) -> shard::ShardRun {
    let stop = AtomicBool::new(false);
    shard::run_shard(
        ScenarioSource { text, file },
        sc,
        spec,
        // Thread count alternates: results must not depend on it.
        &RunOptions {
            threads: Some(1 + (spec.index % 2) as usize),
        },
        out,
        &mut [],
        &stop,
    )
    .unwrap()
}

fn assert_same_files(a: &Path, b: &Path) {
    for name in ["summary.json", "runs.csv", "incidents.csv"] {
        let (x, y) = (
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
        );
        assert!(
            x == y,
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// Shards every way in `ns`, merges (folders given in scrambled order) and
/// compares with the single run byte for byte.
fn check_sharding(test: &str, text: &str, file: &str, runs: u64, ns: &[u64]) {
    let sc = load(text, file, runs, None);
    let full = dir(test, "full");
    full_run(&sc, &full);
    for &n in ns {
        let mut dirs = Vec::new();
        for i in 0..n {
            let d = dir(test, &format!("n{n}-shard{i}"));
            let spec = ShardSpec::new(i, n).unwrap();
            let r = shard_run(text, file, &sc, spec, &d);
            assert_eq!(r.range, spec.range(runs));
            assert_eq!(r.completed, r.range.end - r.range.start);
            assert!(!r.summary.partial);
            dirs.push(d);
        }
        // Any order of the folders: the merge sorts by replication.
        dirs.reverse();
        dirs.rotate_left(n as usize / 2);
        let out = dir(test, &format!("n{n}-merged"));
        let merged = shard::merge_into(&dirs, &out).unwrap();
        assert_eq!(merged.summary.runs, runs);
        assert!(!merged.summary.partial);
        assert_eq!(merged.shards.len() as u64, n);
        assert!(merged
            .shards
            .windows(2)
            .all(|w| w[0].range.end == w[1].range.start));
        assert_same_files(&full, &out);
    }
}

#[test]
fn shards_merge_byte_identical_to_the_single_run_reference() {
    check_sharding(
        "reference",
        REFERENCE_SCENARIO,
        REFERENCE_SCENARIO_FILE,
        3001,
        &[1, 2, 3, 7],
    );
}

#[test]
fn shards_merge_byte_identical_with_dr_decisions_and_lag_histograms() {
    // An `enable` while DR is already on is refused in every replication,
    // so the refused-operation counts go through the merge too.
    let text = format!(
        "{}\n[[operations]]\nkind = \"enable\"\nat = \"1d\"\n",
        dr_text()
    );
    check_sharding("dr", &text, DR_FILE, 1200, &[2, 3, 7]);
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir_path("dr", "n3-merged").join("summary.json")).unwrap(),
    )
    .unwrap();
    // The scenario exercises the DR parts of the aggregate, so they are covered.
    assert!(
        summary["emergency"]["decisions"]["failover"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(summary["replication_lag_s"]["count"].as_u64().unwrap() > 0);
    assert_eq!(summary["refused"]["enable"]["already-enabled"], 1200);
    for class in ["failback", "drill-return"] {
        assert!(
            summary["classes"][class]["resync_s"]["count"]
                .as_u64()
                .unwrap()
                > 0
        );
    }
    assert!(summary["classes"]["zone"]["disruptive"].as_u64().unwrap() > 0);
}

fn dir_path(test: &str, label: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("scale_out")
        .join(test)
        .join(label)
}

#[test]
fn shards_of_different_splits_merge_when_they_tile() {
    let runs = 1000;
    let sc = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, runs, Some(99));
    let full = dir("mixed", "full");
    full_run(&sc, &full);
    // [0, 500) from a 2-way split, [500, 750) and [750, 1000) from a 4-way split.
    let mut dirs = Vec::new();
    for (i, n) in [(0, 2), (2, 4), (3, 4)] {
        let d = dir("mixed", &format!("{i}-of-{n}"));
        shard_run(
            REFERENCE_SCENARIO,
            REFERENCE_SCENARIO_FILE,
            &sc,
            ShardSpec::new(i, n).unwrap(),
            &d,
        );
        dirs.push(d);
    }
    let out = dir("mixed", "merged");
    shard::merge_into(&dirs, &out).unwrap();
    assert_same_files(&full, &out);
}

/// Sets `stop` once it has seen `after` outcomes (the runner then finishes
/// its chunk in flight): an interrupt at a deterministic point.
struct StopAfter<'a> {
    stop: &'a AtomicBool,
    after: u64,
}

impl OutcomeSink for StopAfter<'_> {
    fn accept(&mut self, _: &ReplicationOutcome, _: &str) -> std::io::Result<()> {
        self.after = self.after.saturating_sub(1);
        if self.after == 0 {
            self.stop.store(true, Ordering::Relaxed);
        }
        Ok(())
    }
}

fn coverage(e: MergeError) -> Vec<CoverageProblem> {
    match e {
        MergeError::Coverage { problems, .. } => problems,
        other => panic!("expected a coverage error, got: {other}"),
    }
}

#[test]
fn merge_refuses_missing_duplicated_partial_and_foreign_shards() {
    let runs = 2000;
    let t = "refusals";
    let sc = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, runs, None);
    let shards: Vec<PathBuf> = (0..4)
        .map(|i| {
            let d = dir(t, &format!("shard{i}"));
            shard_run(
                REFERENCE_SCENARIO,
                REFERENCE_SCENARIO_FILE,
                &sc,
                ShardSpec::new(i, 4).unwrap(),
                &d,
            );
            d
        })
        .collect();

    // Missing: shard 2 of 4 holds [1000, 1500).
    let e = shard::merge(&[shards[0].clone(), shards[1].clone(), shards[3].clone()]).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("missing: replications [1000, 1500)"), "{msg}");
    assert!(msg.contains("shard 2/4 was not given"), "{msg}");
    assert_eq!(
        coverage(e),
        vec![CoverageProblem::Missing {
            range: 1000..1500,
            expected: vec![ShardSpec::new(2, 4).unwrap()],
            interrupted: vec![],
        }]
    );
    // The tail missing too.
    let e = shard::merge(&shards[..2]).unwrap_err();
    assert!(e.to_string().contains("[1000, 2000)"), "{e}");

    // Duplicated: shard 1 given twice.
    let mut dup = shards.clone();
    dup.push(shards[1].clone());
    let e = shard::merge(&dup).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("duplicated: replications [500, 1000)"),
        "{msg}"
    );
    assert!(
        matches!(&coverage(e)[..], [CoverageProblem::Duplicated { range, dirs }] if *range == (500..1000) && dirs.len() == 2)
    );

    // Partial: shard 3 interrupted before its first chunk (Ctrl-C at once).
    let partial = dir(t, "shard3-partial");
    let stopped = AtomicBool::new(true);
    let r = shard::run_shard(
        ScenarioSource {
            text: REFERENCE_SCENARIO,
            file: REFERENCE_SCENARIO_FILE,
        },
        &sc,
        ShardSpec::new(3, 4).unwrap(),
        &RunOptions::default(),
        &partial,
        &mut [],
        &stopped,
    )
    .unwrap();
    assert_eq!((r.range.clone(), r.completed), (1500..2000, 0));
    // Interrupted after the first chunk of 512 of a 2000-run shard.
    let stop = AtomicBool::new(false);
    let big = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, 8000, None);
    let partial_big = dir(t, "big-partial");
    let r = shard::run_shard(
        ScenarioSource {
            text: REFERENCE_SCENARIO,
            file: REFERENCE_SCENARIO_FILE,
        },
        &big,
        ShardSpec::new(1, 4).unwrap(),
        &RunOptions::default(),
        &partial_big,
        &mut [&mut StopAfter {
            stop: &stop,
            after: 1,
        }],
        &stop,
    )
    .unwrap();
    assert_eq!((r.range.clone(), r.completed), (2000..4000, 512));
    assert!(r.summary.partial);
    let file = shard::read_shard(&partial_big).unwrap();
    assert!(file.partial && file.completed == 512);
    let runs_csv = std::fs::read_to_string(partial_big.join("runs.csv")).unwrap();
    assert_eq!(
        runs_csv.lines().count(),
        513,
        "header + one row per finished run"
    );
    let mut with_partial = shards.clone();
    with_partial[3] = partial.clone();
    let e = shard::merge(&with_partial).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("missing: replications [1500, 2000)"), "{msg}");
    assert!(
        msg.contains("was interrupted before them (partial)"),
        "{msg}"
    );

    // Another seed, another scenario, another number of runs.
    let other_seed = dir(t, "other-seed");
    let sc2 = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, runs, Some(1));
    shard_run(
        REFERENCE_SCENARIO,
        REFERENCE_SCENARIO_FILE,
        &sc2,
        ShardSpec::new(3, 4).unwrap(),
        &other_seed,
    );
    let mut mixed = shards.clone();
    mixed[3] = other_seed;
    let msg = shard::merge(&mixed).unwrap_err().to_string();
    assert!(msg.contains("seed is 1, but"), "{msg}");
    assert!(msg.contains("not from the same run"), "{msg}");

    let other_text = REFERENCE_SCENARIO.replace("runs = 2000", "runs = 2000 # edited");
    assert_ne!(other_text, REFERENCE_SCENARIO);
    let other_sc = load(&other_text, "edited.toml", runs, None);
    let other_scenario = dir(t, "other-scenario");
    shard_run(
        &other_text,
        "edited.toml",
        &other_sc,
        ShardSpec::new(3, 4).unwrap(),
        &other_scenario,
    );
    let mut mixed = shards.clone();
    mixed[3] = other_scenario;
    let msg = shard::merge(&mixed).unwrap_err().to_string();
    assert!(msg.contains("scenario hash is"), "{msg}");

    let other_runs = dir(t, "other-runs");
    let sc3 = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, 2004, None);
    shard_run(
        REFERENCE_SCENARIO,
        REFERENCE_SCENARIO_FILE,
        &sc3,
        ShardSpec::new(3, 4).unwrap(),
        &other_runs,
    );
    let mut mixed = shards.clone();
    mixed[3] = other_runs;
    let msg = shard::merge(&mixed).unwrap_err().to_string();
    assert!(msg.contains("requested runs is 2004, but"), "{msg}");

    // Not a shard folder; nothing given; output into an input.
    let empty = dir(t, "empty");
    let msg = shard::merge(std::slice::from_ref(&empty))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("cannot read shard.json"), "{msg}");
    assert!(matches!(shard::merge(&[]), Err(MergeError::NoShards)));
    let e = shard::merge_into(&shards, &shards[0]).unwrap_err();
    assert!(matches!(e, MergeError::OutputIsInput { .. }), "{e}");

    // A damaged shard.json is refused, not half-merged.
    let damaged = dir(t, "damaged");
    for name in ["shard.json", "runs.csv", "incidents.csv"] {
        std::fs::copy(shards[3].join(name), damaged.join(name)).unwrap();
    }
    let text = std::fs::read_to_string(damaged.join("shard.json")).unwrap();
    let edited = text.replace("\"completed\": 500", "\"completed\": 499");
    std::fs::write(damaged.join("shard.json"), &edited).unwrap();
    let mut mixed = shards.clone();
    mixed[3] = damaged.clone();
    let msg = shard::merge(&mixed).unwrap_err().to_string();
    assert!(msg.contains("fails its integrity check"), "{msg}");
    // Resealed after the edit, the slice itself is inconsistent.
    let mut file: shard::ShardFile = serde_json::from_str(&edited).unwrap();
    file.seal();
    std::fs::write(
        damaged.join("shard.json"),
        serde_json::to_string(&file).unwrap(),
    )
    .unwrap();
    let msg = shard::merge(&mixed).unwrap_err().to_string();
    assert!(msg.contains("inconsistent slice"), "{msg}");
    // A runs.csv that does not match its shard is caught while writing.
    std::fs::write(damaged.join("shard.json"), &text).unwrap();
    let runs_csv = std::fs::read_to_string(damaged.join("runs.csv")).unwrap();
    let truncated: String = runs_csv
        .lines()
        .take(100)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(damaged.join("runs.csv"), &truncated).unwrap();
    let out = dir(t, "damaged-out");
    let msg = shard::merge_into(&mixed, &out).unwrap_err().to_string();
    assert!(
        msg.contains("runs.csv: its SHA-256 is") && msg.contains("but its shard.json seals"),
        "{msg}"
    );
    // Resealed with the truncated file's digest, the rows are counted.
    let mut file: shard::ShardFile = serde_json::from_str(&text).unwrap();
    file.sha256
        .csv
        .insert("runs.csv".into(), sha256_hex(truncated.as_bytes()));
    file.seal();
    std::fs::write(
        damaged.join("shard.json"),
        serde_json::to_string(&file).unwrap(),
    )
    .unwrap();
    let msg = shard::merge_into(&mixed, &out).unwrap_err().to_string();
    assert!(
        msg.contains("99 data rows, but the shard holds 500"),
        "{msg}"
    );
    assert!(
        !out.join("summary.json").exists(),
        "no summary from a failed merge"
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A copy of shard folder `from` whose `shard.json` went through `edit`,
/// resealed or not.
fn tampered(
    from: &Path,
    label: &str,
    reseal: bool,
    edit: impl FnOnce(&mut shard::ShardFile),
) -> PathBuf {
    let d = dir("verified", label);
    for name in ["runs.csv", "incidents.csv"] {
        std::fs::copy(from.join(name), d.join(name)).unwrap();
    }
    let mut file = shard::read_shard(from).unwrap();
    edit(&mut file);
    if reseal {
        file.seal();
    }
    std::fs::write(
        d.join("shard.json"),
        serde_json::to_string_pretty(&file).unwrap(),
    )
    .unwrap();
    d
}

fn zone(f: &mut shard::ShardFile) -> &mut drsim::metrics::ClassState {
    f.state.classes.get_mut("zone").unwrap()
}

fn b64_bytes(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn b64_text(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `text` (a V2 histogram) padded with counts at 0 and 1 so that it holds
/// 2^64 − 1 values: what an incident count of 2^64 − 1 needs to agree with
/// its histograms (the V2 encoding caps one counter at 2^63 − 1).
fn padded_to_u64_max(text: &str) -> String {
    use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
    let mut h: hdrhistogram::Histogram<u64> = Deserializer::new()
        .deserialize(&mut b64_bytes(text).as_slice())
        .unwrap();
    let mut rest = u64::MAX - h.len();
    for value in 0..3 {
        let room = (i64::MAX as u64 - h.count_at(value)).min(rest);
        h.record_n(value, room).unwrap();
        rest -= room;
    }
    assert_eq!(h.len(), u64::MAX);
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(&h, &mut bytes).unwrap();
    b64_text(&bytes)
}

/// Issue 14, case 5: `merge` trusted `shard.json`. Each edit below merged
/// with exit 0 before (into fewer incidents than the truth, a standard
/// deviation of 1e35, a share met of 32,958, a changed p99, a 2.9 GB
/// allocation); now the seal refuses the edited file, and the laws of a
/// real aggregate refuse it even resealed, naming the shard and the field.
#[test]
fn merge_verifies_what_it_reads() {
    let runs = 600;
    let sc = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, runs, None);
    assert!(!sc.targets.is_empty());
    let shards: Vec<PathBuf> = (0..2)
        .map(|i| {
            let d = dir("verified", &format!("shard{i}"));
            shard_run(
                REFERENCE_SCENARIO,
                REFERENCE_SCENARIO_FILE,
                &sc,
                ShardSpec::new(i, 2).unwrap(),
                &d,
            );
            d
        })
        .collect();
    shard::merge(&shards).unwrap();
    type Edit = Box<dyn Fn(&mut shard::ShardFile)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "incidents-2^64-1",
            Box::new(|f| {
                let z = zone(f);
                z.incidents = u64::MAX;
                z.all.rpo_ns = padded_to_u64_max(&z.all.rpo_ns);
                z.all.rto_ns = padded_to_u64_max(&z.all.rto_ns);
            }),
            "state.classes.zone.",
        ),
        (
            "halved-sum-sq",
            Box::new(|f| {
                let sq = &mut f.state.served_ns.sum_sq;
                // Halve the hexadecimal 256-bit number digit by digit.
                let digits: Vec<u32> = sq[2..].chars().map(|c| c.to_digit(16).unwrap()).collect();
                let (mut carry, mut out) = (0, String::from("0x"));
                for d in digits {
                    let v = carry * 16 + d;
                    out.push(char::from_digit(v / 2, 16).unwrap());
                    carry = v % 2;
                }
                *sq = out;
            }),
            "state.served_ns: n = 300, ",
        ),
        (
            "targets-met-10^9",
            Box::new(|f| f.state.targets_met[0] = 1_000_000_000),
            "state.targets_met[0]: 1000000000 incidents meet the zone rpo target",
        ),
        (
            "flipped-histogram-byte",
            Box::new(|f| {
                let z = zone(f);
                let mut bytes = b64_bytes(&z.all.rto_ns);
                let last = bytes.len() - 1;
                bytes[last] ^= 0x02;
                z.all.rto_ns = b64_text(&bytes);
            }),
            "state.classes.zone.all.rto",
        ),
        (
            "base64-header-char",
            Box::new(|f| {
                let text = &mut f.state.histograms.get_mut("lag_ns").unwrap();
                let mut chars = text.clone().into_bytes();
                chars[6] = if chars[6] == b'A' { b'B' } else { b'A' };
                **text = String::from_utf8(chars).unwrap();
            }),
            "state.histograms.lag_ns: the header announces a",
        ),
    ];
    for (label, edit, needle) in &cases {
        for reseal in [false, true] {
            let d = tampered(&shards[1], &format!("{label}-{reseal}"), reseal, edit);
            let msg = shard::merge(&[shards[0].clone(), d.clone()])
                .unwrap_err()
                .to_string();
            let expected = if reseal {
                format!("{}: shard.json: {needle}", d.display())
            } else {
                format!(
                    "{}: shard.json fails its integrity check: its content does not match",
                    d.display()
                )
            };
            assert!(msg.starts_with(&expected), "{label}: {msg}");
        }
    }

    // A changed CSV: refused while copying, and nothing is left in the output.
    let d = tampered(&shards[1], "changed-csv", false, |_| {});
    let text = std::fs::read_to_string(d.join("incidents.csv")).unwrap();
    let at = text.find(",zone,").expect("a zone incident row");
    let changed = format!("{},zonf,{}", &text[..at], &text[at + 6..]);
    std::fs::write(d.join("incidents.csv"), changed).unwrap();
    let out = dir("verified", "changed-csv-out");
    let msg = shard::merge_into(&[shards[0].clone(), d.clone()], &out)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with(&format!(
            "{}: its SHA-256 is",
            d.join("incidents.csv").display()
        )),
        "{msg}"
    );
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert!(left.is_empty(), "a refused merge left {left:?}");

    // A shard of the previous format is named as such.
    let d = tampered(&shards[1], "old-format", true, |f| f.format_version = 4);
    let msg = shard::merge(&[shards[0].clone(), d])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("shard.json is shard format version 4, written by an older drsim")
            && msg.contains("reads version 5 only"),
        "{msg}"
    );
}

/// The laws `merge` checks hold for real aggregates: every shipped scenario
/// and every scenario of the test suite, in both fidelities where the
/// scenario is small enough, absorbs its own state (a law that a real run
/// can break would refuse honest shards).
#[test]
fn real_aggregates_obey_the_merge_laws() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for d in ["scenarios", "tests/scenarios"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut sc = load(&text, &path.display().to_string(), 40, None);
            if sc.multi_writer.is_some() {
                // Refused by `run --shard` (its totals are not in shard
                // states): no honest shard holds one.
                continue;
            }
            sc.simulation.runs = 40;
            let stop = AtomicBool::new(false);
            let agg =
                runner::run_range(&sc, &RunOptions::default(), 0..40, &mut [], &stop).unwrap();
            let mut again = drsim::metrics::Aggregator::new(&sc);
            again
                .absorb(&agg.to_state())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                runner::summarise(&sc, &again) == runner::summarise(&sc, &agg),
                "{}: the absorbed state summarises differently",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked} scenarios");
}

#[test]
fn shard_specs_parse_and_tile() {
    assert_eq!(
        "2/4".parse::<ShardSpec>().unwrap(),
        ShardSpec::new(2, 4).unwrap()
    );
    assert_eq!(ShardSpec::new(2, 4).unwrap().to_string(), "2/4");
    for bad in ["4/4", "1/0", "x/4", "3", "-1/4", "1/4/5"] {
        let e = bad.parse::<ShardSpec>().unwrap_err().to_string();
        assert!(e.contains(bad), "{e}");
    }
    assert!("4/4"
        .parse::<ShardSpec>()
        .unwrap_err()
        .to_string()
        .contains("0-based"));
    for runs in [0u64, 1, 2, 7, 1000, 1001, 100_000_000, u64::MAX] {
        for n in 1..=13u64 {
            let mut next = 0;
            for i in 0..n {
                let r = ShardSpec::new(i, n).unwrap().range(runs);
                assert_eq!(r.start, next);
                let len = r.end - r.start;
                assert!(len == runs / n || len == runs / n + 1);
                next = r.end;
            }
            assert_eq!(next, runs);
        }
    }
}

#[test]
fn guard_passes_normal_scenarios_and_tracks_measured_events() {
    let files = [
        "scenarios/dynamics365-zone-redundant.toml",
        "scenarios/dynamics365-self-service-dr.toml",
        "scenarios/dynamics365-dr-drill.toml",
        "scenarios/dynamics365-dr-enable.toml",
        "scenarios/dynamics365-no-dr.toml",
    ];
    for file in files {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        let sc = load(&text, file, 300, None);
        let e = guard::check(&sc, &Limits::default()).unwrap();
        let measured = (0..300)
            .map(|r| runner::run_replication(&sc, r).events as f64)
            .sum::<f64>()
            / 300.0;
        let ratio = e.events_per_run / measured;
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{file}: estimated {} events per replication, measured {measured}",
            e.events_per_run
        );
        assert!(e.peak_memory_bytes < 256.0 * 1024.0 * 1024.0, "{e:?}");
        // The maximum number of runs a scenario file allows still passes.
        let mut max = sc.clone();
        max.simulation.runs = 100_000_000;
        guard::check(&max, &Limits::default()).unwrap();
    }
}

/// The guard counts every source of events the model schedules, also those
/// the shipped scenarios hardly exercise: outages of the paired region
/// (here every 2 days, 2 h median) and zone outages escalating into region
/// outages (every zone outage escalates after 1 min, the zones failing
/// every 10 days). Without them the estimate was 0.13 and about 0.33 of the
/// measured events; now it stays within the factor of 2 the guard states
/// (`guard.rs`), against the events really handled (`events` of each
/// replication's outcome).
#[test]
fn guard_counts_paired_outages_and_escalations() {
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/dynamics365-self-service-dr.toml"),
    )
    .unwrap();
    let paired = base.clone()
        + "\n[[failures.region]]\nname = \"northeurope\"\n\
           time_between = { dist = \"exponential\", mean = \"2d\" }\n\
           duration = { dist = \"lognormal\", median = \"2h\", sigma = 0.5 }\n";
    let escalating = base.replacen(
        "time_between = { dist = \"exponential\", mean = \"120d\" }",
        "time_between = { dist = \"exponential\", mean = \"10d\" }\n\
         escalation_probability = 1.0\n\
         escalation_delay = \"1m\"\n\
         escalation_duration = { dist = \"lognormal\", median = \"4h\", sigma = 0.5 }",
        1,
    );
    assert_ne!(escalating, base);
    for (label, text) in [("paired outages", paired), ("escalations", escalating)] {
        let sc = load(&text, label, 200, None);
        let outs: Vec<_> = (0..200).map(|r| runner::run_replication(&sc, r)).collect();
        let measured = outs.iter().map(|o| o.events as f64).sum::<f64>() / 200.0;
        let kind = if label == "escalations" {
            IncidentClass::Region
        } else {
            IncidentClass::PairedRegion
        };
        let source = outs
            .iter()
            .flat_map(|o| &o.incidents)
            .filter(|i| i.class == kind)
            .count() as f64
            / 200.0;
        let e = guard::check(&sc, &Limits::default()).unwrap();
        let ratio = e.events_per_run / measured;
        println!(
            "{label}: estimated {:.1} events per replication, measured {measured:.1} ({source:.1} {kind:?} incidents)",
            e.events_per_run
        );
        assert!(source > 50.0, "{label}: the source is frequent");
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{label}: estimated {} events per replication, measured {measured}",
            e.events_per_run
        );
    }
}

#[test]
fn guard_refuses_runaway_scenarios_with_the_estimate_and_the_override() {
    let mut sc = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, 2000, None);
    // 10^12 runs (beyond what a scenario file allows, reachable by --runs).
    sc.simulation.runs = 1_000_000_000_000;
    let e = guard::check(&sc, &Limits::default()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("1000000000000 runs"), "{msg}");
    assert!(msg.contains("over the limit of 1.0e11"), "{msg}");
    assert!(msg.contains("--allow-large"), "{msg}");
    assert_eq!(e.reasons.len(), 1, "memory does not grow with runs: {msg}");
    assert!(guard::check(&sc, &Limits::unlimited()).is_ok());

    // Zones failing every millisecond for a millisecond, for a year. Scenario
    // files refuse failure cycles under 1 s; a scenario built in code (or
    // a future input path) still meets the guard.
    let mut fast = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, 2000, None);
    let ms = Dist::constant(SimDuration(1_000_000));
    for p in fast.zone_failures.iter_mut() {
        *p = Some(FailureProcess {
            time_between: ms.clone(),
            duration: ms.clone(),
        });
    }
    let e = guard::check(&fast, &Limits::default()).unwrap_err();
    let msg = e.to_string();
    assert!(e.estimate.incidents_per_run > 1e10, "{msg}");
    assert!(msg.contains("events: about"), "{msg}");
    assert!(msg.contains("memory: about"), "{msg}");
    assert!(msg.contains("--allow-large"), "{msg}");
    // A 1 s failure cycle over a year from a scenario file: refused too.
    let text = REFERENCE_SCENARIO
        .replace(
            r#"time_between = { dist = "exponential", mean = "120d" }"#,
            r#"time_between = "500ms""#,
        )
        .replace(
            r#"duration = { dist = "lognormal", median = "2h", sigma = 1.0 }"#,
            r#"duration = "500ms""#,
        );
    assert_ne!(text, REFERENCE_SCENARIO);
    // Validation refuses it before the guard sees it: about 1e8 failures
    // per replication is beyond the per-replication bound.
    let refused = drsim::scenario::parse_str(&text, "second.toml")
        .unwrap_err()
        .to_string();
    assert!(refused.contains("failures per replication"), "{refused}");
    // One replication of it: few events in total, but far too much memory.
    let mut one = fast.clone();
    one.simulation.runs = 1;
    one.simulation.horizon = SimDuration(100 * 365 * 86_400 * 1_000_000_000);
    let e = guard::check(&one, &Limits::default()).unwrap_err();
    assert!(e.reasons.iter().any(|r| r.starts_with("memory")), "{e}");

    // Exact fidelity over a year at 100,000 writes/s.
    let mut exact = load(&dr_text(), DR_FILE, 1, None);
    exact.simulation.fidelity = Fidelity::Exact;
    exact.workload.write_rate = 100_000.0;
    let e = guard::check(&exact, &Limits::default()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("exact fidelity"), "{msg}");
    assert!(e.estimate.events_per_run > 1e12, "{msg}");
    // The same in fast fidelity is fine.
    exact.simulation.fidelity = Fidelity::Fast;
    guard::check(&exact, &Limits::default()).unwrap();
}

#[test]
fn determinism_self_check_passes_across_a_chunk_boundary() {
    let sc = load(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, 2000, None);
    guard::verify_determinism(&sc, 600).unwrap();
    let dr = load(&dr_text(), DR_FILE, 200, None);
    guard::verify_determinism(&dr, 200).unwrap();
}
