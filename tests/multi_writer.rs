//! Several writing regions (`[multi_writer]`): what a home region outage
//! defers or loses, its clients' reroute, and the lost updates of the
//! deferred backlog, on `tests/scenarios/multi-writer.toml` (a partition
//! 9.5 s before a 1 h outage, just after a cut).
//!
//! Release mode: `cargo test --release --test multi_writer`.

use drsim::incident::IncidentClass;
use drsim::model::conflicts::{KeySpace, Segment};
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, Scenario};

const CASE: &str = include_str!("scenarios/multi-writer.toml");

fn scenario(text: &str) -> Scenario {
    parse_str(text, "multi-writer.toml")
        .expect("valid scenario")
        .scenario
}

/// Not destroyed: the writes made after the partition began (10 s, plus
/// the last cut's lag: the 1 s batch before it) are deferred, delivered at
/// the return 1 h later; nothing is lost; the home clients are down for the
/// 30 s reroute only.
#[test]
fn an_outage_defers_what_was_not_shipped() {
    let sc = scenario(CASE);
    let runs = 400;
    let (mut deferred, mut longest) = (0u64, 0f64);
    for r in 0..runs {
        let o = run_replication(&sc, r);
        let mw = o.multi_writer.expect("multi-writer totals");
        deferred += mw.deferred_writes;
        longest = longest.max(mw.deferral_max_ns as f64 / 1e9);
        let region = o
            .incidents
            .iter()
            .find(|i| i.class == IncidentClass::Region)
            .expect("the region incident");
        assert_eq!(region.lost_writes, 0);
        assert!(
            (region.rto_ns as f64 / 1e9 - 30.0).abs() < 1e-6,
            "{}",
            region.rto_ns
        );
        assert_eq!(o.horizon_ns - o.served_ns, 30_000_000_000);
    }
    // Unshipped: the writes since the last cut before the partition (the
    // cut at 990 s was sent before it began at 990.5 s): [990 s, 1000 s).
    let mean = deferred as f64 / runs as f64;
    let expect = 20.0 * 10.0;
    let se = (expect / runs as f64).sqrt();
    assert!((mean - expect).abs() < 4.5 * se, "{mean} vs {expect}");
    assert!(longest <= 3_610.0 + 1e-6 && longest > 3_609.0, "{longest}");
}

/// Destroyed: the same writes are lost (charged to the region incident,
/// RPO up to 10 s) and none is deferred.
#[test]
fn a_destroyed_region_loses_what_was_not_shipped() {
    let text = CASE.replacen(
        "duration = \"1h\"",
        "duration = \"1h\"\ndestroys_data = true",
        1,
    );
    let sc = scenario(&text);
    let runs = 400;
    let mut lost = 0u64;
    for r in 0..runs {
        let o = run_replication(&sc, r);
        assert_eq!(o.multi_writer.as_ref().unwrap().deferred_writes, 0);
        let region = o
            .incidents
            .iter()
            .find(|i| i.class == IncidentClass::Region)
            .unwrap();
        assert!(region.rpo_ns <= 10_000_000_000, "{}", region.rpo_ns);
        lost += region.lost_writes;
    }
    let mean = lost as f64 / runs as f64;
    let se = (200.0 / runs as f64).sqrt();
    assert!((mean - 200.0).abs() < 4.5 * se, "{mean}");
}

/// The lost updates the outage adds: the run with it minus the run
/// without it (the same partition), against the deferral formula less
/// what the steady and partitioned regimes would have counted over the
/// hour the home region was down. Deterministic expectations: exact to
/// rounding.
#[test]
fn the_deferred_backlog_conflicts_with_the_other_regions_writes() {
    let with_outage = scenario(CASE);
    let without = scenario(&CASE.replacen(
        "[[incidents]]\nkind = \"region\"\nat = \"1000s\"\nduration = \"1h\"\n",
        "",
        1,
    ));
    let expected = |sc: &Scenario| {
        run_replication(sc, 0)
            .multi_writer
            .unwrap()
            .expected_lost_updates
    };
    let added = expected(&with_outage) - expected(&without);
    let ks = KeySpace::new(50_000, 0.0);
    let (a, b) = (20.0, 10.0);
    // Mean steady lag: half a 1 s batch, its sending time (rate × 1 KB ×
    // 1 s at 100 MB/s) and the one-way delay (500 km × 5 µs + 1 ms).
    let lag = |rate: f64| 0.5 + rate * 1e3 / 1e8 + 0.0035;
    let deferral = ks.lost_over_span(a, 10.0, |u| {
        vec![
            Segment {
                own: a,
                other: b,
                secs: 10.0 - u,
            },
            Segment {
                own: 0.0,
                other: b,
                secs: 30.0,
            },
            Segment {
                own: 0.0,
                other: a + b,
                secs: 3_570.0,
            },
        ]
    });
    // Without the outage, the partition (2 h from 990.5 s) counts both
    // regions' writes over its whole span; with it, only its first 9.5 s
    // and its last 3,590.5 s after the return (the regime resumes then).
    let partitioned = |secs: f64| {
        ks.lost_over_span(a, secs, |u| {
            vec![Segment {
                own: a,
                other: b,
                secs: secs - u + lag(a),
            }]
        }) + ks.lost_over_span(b, secs, |u| {
            vec![Segment {
                own: b,
                other: a,
                secs: secs - u + lag(b),
            }]
        })
    };
    let theory = deferral + partitioned(9.5) + partitioned(3_590.5) - partitioned(7_200.0);
    assert!(
        (added - theory).abs() < 1e-6 * theory.abs().max(1.0),
        "{added} vs {theory}"
    );
}

/// Refused with a clear error: `[dr]` beside `[multi_writer]` (no
/// secondary to fail over to), `[multi_writer]` without a link, a key
/// space of 0 keys, a misspelt key.
#[test]
fn bad_combinations_are_refused() {
    let errors = |text: &str| match parse_str(text, "multi-writer.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => format!("{e:#}"),
    };
    let with_dr = CASE.replacen(
        "[multi_writer]",
        "[dr]\nenabled = true\n\n[multi_writer]",
        1,
    );
    let e = errors(&with_dr);
    assert!(e.contains("self-service DR") && e.contains("dr"), "{e}");
    let no_link = CASE.replacen(
        "[cross_region]\nbandwidth = \"100MB/s\"\nbatch_interval = \"1s\"\n",
        "",
        1,
    );
    let e = errors(&no_link);
    assert!(
        e.contains("multi_writer") && e.contains("[cross_region]"),
        "{e}"
    );
    let e = errors(&CASE.replacen("keys = 50_000", "keys = 0", 1));
    assert!(e.contains("multi_writer.keys"), "{e}");
    let e = errors(&CASE.replacen("keys = 50_000", "kyes = 50_000", 1));
    assert!(e.contains("did you mean `keys`"), "{e}");
}

/// `run --shard` refuses several writing regions: a shard state would drop
/// the lost updates and deferred writes, and a merge would report none.
#[test]
fn sharding_is_refused() {
    let dir = std::env::temp_dir().join(format!("drsim-mw-shard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args([
            "run",
            "tests/scenarios/multi-writer.toml",
            "--shard",
            "1/2",
            "--out",
        ])
        .arg(&dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("drsim runs");
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("several writing regions"), "{err}");
}

/// Each writing region answers reads while it is up: the home outage
/// stops the home clients' writes for their 30 s reroute, but the paired
/// region serves reads throughout; with the paired region down too for
/// 20 min inside the outage, no region answers for those 20 min.
#[test]
fn either_writing_region_answers_reads() {
    let o = run_replication(&scenario(CASE), 0);
    assert_eq!(o.horizon_ns - o.served_ns, 30_000_000_000);
    assert_eq!(o.read_down_ns, 0, "{:?}", o.read_downtime);
    let both = format!(
        "{CASE}\n[[incidents]]\nkind = \"region\"\nregion = \"pair\"\nat = \"1200s\"\nduration = \"20m\"\n"
    );
    let o = run_replication(&scenario(&both), 0);
    assert_eq!(
        o.read_down_ns,
        20 * 60 * 1_000_000_000,
        "{:?}",
        o.read_downtime
    );
}
