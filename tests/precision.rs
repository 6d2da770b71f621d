//! `--precision`: run until the 95% interval of a metric is narrow enough.

use drsim::runner::{self, PrecisionMetric, RunOptions};
use drsim::scenario::{parse_str, REFERENCE_SCENARIO};
use std::sync::atomic::AtomicBool;

#[test]
fn runs_until_the_interval_is_narrow_and_reports_how_many_replications() {
    let mut sc = parse_str(REFERENCE_SCENARIO, "ref.toml").unwrap().scenario;
    sc.simulation.runs = 1_000_000; // the budget
    let stop = AtomicBool::new(false);
    let (summary, reached) = runner::run_until_precise(
        &sc,
        &RunOptions::default(),
        &mut [],
        &stop,
        PrecisionMetric::Downtime,
        0.05,
    )
    .unwrap();
    assert!(reached);
    assert!(!summary.partial);
    let downtime = summary.downtime_s.as_ref().unwrap();
    let [lo, hi] = downtime.ci95.unwrap();
    assert!((hi - lo) / 2.0 <= 0.05 * downtime.mean);
    assert!(
        summary.runs < 1_000_000 && summary.runs % 2048 == 0,
        "{}",
        summary.runs
    );
    // The same as a plain run of that many replications.
    sc.simulation.runs = summary.runs;
    let plain = runner::run(&sc, &RunOptions::default(), &mut [], &stop).unwrap();
    assert_eq!(
        serde_json::to_string(&plain).unwrap(),
        serde_json::to_string(&summary).unwrap()
    );
}

#[test]
fn an_unreachable_precision_spends_the_budget_and_says_so() {
    let mut sc = parse_str(REFERENCE_SCENARIO, "ref.toml").unwrap().scenario;
    sc.simulation.runs = 3000;
    let stop = AtomicBool::new(false);
    let (summary, reached) = runner::run_until_precise(
        &sc,
        &RunOptions::default(),
        &mut [],
        &stop,
        PrecisionMetric::Unavailability,
        1e-6,
    )
    .unwrap();
    assert!(!reached);
    assert_eq!(summary.runs, 3000);
    assert!(!summary.partial);
}
