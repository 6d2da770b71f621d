//! Unit tests of the analysis machinery and of the formulas' helpers.

use super::check::{
    build, Assumption, Check, MeanComparison, Measured, Simulated, Spec, Status, Verdict,
};
use super::estimate::ratio_over_runs;
use super::facts::is_constant;
use super::link::{drill_drain_mean, drill_send_times, max_pending_batches, LinkFacts};
use super::standby::{ctmc_transient, drsim_standby_generator};
use super::text::num;
use super::zones::renewal_transient;
use super::{Analysis, MAX_PENDING_BATCHES, PENDING_TAIL};
use crate::dist::Dist;
use crate::stats::MeanCi;
use crate::theory;
use crate::time::SimDuration;

#[test]
pub(super) fn renewal_transient_matches_the_exponential_closed_form() {
    // Exponential up (rate λ) and down (rate μ), starting up: ∫(q∞ − q(t))dt = q∞/(λ + μ).
    let (l, m) = (0.1, 1.0);
    let (c, _) = renewal_transient((1.0 / l, 2.0 / (l * l)), (1.0 / m, 2.0 / (m * m)));
    let q = l / (l + m);
    assert!((c - q / (l + m)).abs() < 1e-12, "{c}");
    // Deterministic unit up and down: the Cesàro-average deficit is 1/4.
    let (c, _) = renewal_transient((1.0, 1.0), (1.0, 1.0));
    assert!((c - 0.25).abs() < 1e-12);
}

#[test]
pub(super) fn ctmc_transient_of_a_two_state_chain() {
    // Up → down at λ, down → up at μ, start up: ∫(A(t) − A∞)dt = (1 − A∞)/(λ + μ).
    let (l, m) = (0.2, 3.0);
    let q = vec![vec![-l, l], vec![m, -m]];
    let pi = theory::ctmc_stationary(&q).unwrap();
    let got = ctmc_transient(&q, &pi, &[0]);
    let want = (l / (l + m)) / (l + m);
    assert!((got - want).abs() < 1e-10, "{got} vs {want}");
}

#[test]
pub(super) fn drsim_chain_is_below_the_textbook_chain() {
    // The extra election after a double failure can only cost availability.
    let (mttf, mttr, fo) = (20.0, 1.0, 0.1);
    let textbook = theory::active_standby_availability(mttf, mttr, fo).unwrap();
    let q = drsim_standby_generator(1.0 / mttf, 1.0 / mttr, 1.0 / fo);
    let pi = theory::ctmc_stationary(&q).unwrap();
    assert!(pi[0] + pi[1] < textbook);
    assert!(textbook - (pi[0] + pi[1]) < 1e-3);
}

#[test]
pub(super) fn ratio_estimator_of_constant_ratio_has_zero_width() {
    let m = ratio_over_runs(&[(2.0, 1.0), (4.0, 2.0), (6.0, 3.0)]).unwrap();
    assert_eq!(m.ci.mean, 2.0);
    assert!(m.std_error.abs() < 1e-15);
    assert_eq!(m.events, 6);
}

/// A mean check of theory 1 over 1000 replications with standard error 1e-3 (sampling
/// interval t·SE ≈ 4.4e-3) and an allowance of 0.02 for a stated design difference.
pub(super) fn judged(mean: f64, std_error: f64, allowance: f64) -> Check {
    let ci = MeanCi {
        n: 1000,
        mean,
        half_width: 1.96 * std_error,
        low: mean - 1.96 * std_error,
        high: mean + 1.96 * std_error,
    };
    build(
        Spec {
            name: "test-check",
            title: "a check",
            source: "none",
            unit: "",
        },
        "x = 1".into(),
        vec![Assumption::new("holds", Status::Holds)],
        1.0,
        Measured {
            simulation: "synthetic".into(),
            simulated: Simulated::Mean(MeanComparison {
                ci,
                std_error,
                events: 1000,
            }),
            allowance,
            allowance_note: "the simulator's chain differs from the formula's by 0.02".into(),
        },
    )
}

#[test]
pub(super) fn a_gap_covered_only_by_the_allowance_differs_by_design() {
    let c = judged(1.0 - 0.01, 1e-3, 0.02);
    let Verdict::DiffersByDesign(d) = &c.verdict else {
        panic!("{:?}", c.verdict)
    };
    assert!(
        (d.gap + 0.01).abs() < 1e-12 && (d.z + 10.0).abs() < 1e-9,
        "{d:?}"
    );
    assert!(d.sampling > 4e-3 && d.sampling < 5e-3, "{}", d.sampling);
    assert_eq!(d.allowance, 0.02);
    assert_eq!(d.reason, c.allowance_note);
    assert!(!c.verdict.is_failure());
}

#[test]
pub(super) fn a_gap_within_the_sampling_interval_agrees_whatever_the_allowance() {
    assert_eq!(judged(1.0 + 2e-3, 1e-3, 0.02).verdict, Verdict::Agrees);
    assert_eq!(judged(1.0 - 4e-3, 1e-3, 0.0).verdict, Verdict::Agrees);
}

#[test]
pub(super) fn a_gap_beyond_interval_and_allowance_disagrees_and_fails() {
    let c = judged(1.0 + 0.03, 1e-3, 0.02);
    assert_eq!(c.verdict, Verdict::Disagrees);
    assert!(c.verdict.is_failure());
    // Without an allowance, any gap beyond the interval disagrees.
    assert_eq!(judged(1.0 + 5e-3, 1e-3, 0.0).verdict, Verdict::Disagrees);
}

#[test]
pub(super) fn a_deterministic_quantity_within_its_rounding_allowance_agrees() {
    // No standard error, hence no sampling interval and no z: the allowance is the
    // model's resolution, not a difference of design.
    let c = judged(1.0 + 1e-9, 0.0, 2e-9);
    assert_eq!(c.z_score(), None);
    assert_eq!(c.verdict, Verdict::Agrees);
    assert_eq!(judged(1.0 + 3e-9, 0.0, 2e-9).verdict, Verdict::Disagrees);
}

#[test]
pub(super) fn only_a_disagreement_is_a_failure() {
    assert!(Verdict::Disagrees.is_failure());
    assert!(!Verdict::Agrees.is_failure());
    assert!(!Verdict::NotApplicable("no events".into()).is_failure());
}

#[test]
pub(super) fn every_report_states_a_difference_by_design_with_its_reason_and_figures() {
    let a = Analysis {
        scenario: "synthetic".into(),
        scenario_hash: "0123456789".into(),
        seed: 1,
        runs: 1000,
        horizon_s: 3600.0,
        partial: false,
        checks: vec![judged(1.0 - 0.01, 1e-3, 0.02)],
    };
    let figures = "simulated − theory = -0.01000000 (z = -10.00) exceeds the sampling interval";
    let reason = "within the allowance 0.02000000: the simulator's chain differs";
    for out in [a.render_table(), a.render_markdown()] {
        assert!(out.contains("differs by design: simulated"), "{out}");
        assert!(out.contains(figures) && out.contains(reason), "{out}");
    }
    // The summary row of the text table names the verdict in its column.
    let row = a.render_table().lines().nth(3).unwrap().to_string();
    assert!(
        row.starts_with("test-check") && row.ends_with("differs by design"),
        "{row}"
    );
}

/// The link of tests/scenarios/drill.toml: T = 10 s, r = 0.8 MB/s, c = 3.2 MB/s, lognormal
/// apply delays of median 2 s and σ 0.5.
pub(super) fn drill_link(t: f64, apply: Dist) -> LinkFacts {
    let (r, c) = (0.8e6, 3.2e6);
    LinkFacts {
        t,
        t_ns: (t * 1e9) as u64,
        one_way: 0.00375,
        apply_mean: apply.mean_secs(),
        apply_constant: is_constant(&apply),
        pending: apply.quantile(1.0 - PENDING_TAIL).as_secs_f64(),
        apply,
        durable_at: crate::scenario::Durability::Apply,
        r,
        c,
        rho: r / c,
        write_rate: 200.0,
        d: f64::NAN,
    }
}

const DRILL_APPLY: Dist = Dist::LogNormal {
    median: 2e9,
    sigma: 0.5,
};

#[test]
pub(super) fn pending_batches_at_a_drill_are_the_open_one_and_those_within_the_apply_tail() {
    let l = drill_link(10.0, DRILL_APPLY);
    // 1 − 1e-12 quantile: 2 s · e^(0.5 · 7.03) ≈ 67.4 s.
    assert!((l.pending - 67.4).abs() < 0.1, "{}", l.pending);
    // Phase 1 s: the open batch, cut on schedule 9 s later and sent in 0.25 s; the
    // previous one is still on the wire until 1.5 s.
    let sends = drill_send_times(&l, 1_000_000_000);
    let want = [9.25, 1.5, -8.5, -18.5, -28.5, -38.5, -48.5, -58.5];
    assert_eq!(sends.len(), want.len(), "{sends:?}");
    for (got, want) in sends.iter().zip(want) {
        assert!((got - want).abs() < 1e-9, "{sends:?}");
    }
    // Phase 6 s: the open batch is cut 4 s later and sent in 1.5 s; the previous
    // batch went out at −3.5 s.
    let sends = drill_send_times(&l, 6_000_000_000);
    assert!((sends[0] - 5.5).abs() < 1e-9 && (sends[1] + 3.5).abs() < 1e-9);
    // At a cut there is no open batch: the batch just cut is the last to send.
    let sends = drill_send_times(&l, 0);
    assert!((sends[0] - 2.5).abs() < 1e-9 && (sends[1] + 7.5).abs() < 1e-9);
    assert!(sends.len() as f64 <= max_pending_batches(&l));
}

#[test]
pub(super) fn a_constant_apply_leaves_the_drain_as_the_last_send_plus_the_apply() {
    let l = drill_link(10.0, Dist::Constant(SimDuration::from_secs(2)));
    for (phase, send) in [(1_000_000_000, 9.25), (6_000_000_000, 5.5)] {
        let got = drill_drain_mean(&l, phase).unwrap();
        assert!((got - (send + 2.0)).abs() < 1e-9, "{phase}: {got}");
    }
}

#[test]
pub(super) fn short_batches_with_long_applies_are_beyond_the_drill_check() {
    // 1 ms batches, apply delays of median 1 h: ~1.2e8 batches can be pending.
    let l = drill_link(
        1e-3,
        Dist::LogNormal {
            median: 3.6e12,
            sigma: 0.5,
        },
    );
    assert!(max_pending_batches(&l) > MAX_PENDING_BATCHES);
    assert!(max_pending_batches(&drill_link(10.0, DRILL_APPLY)) < 10.0);
}

#[test]
pub(super) fn numbers_render_with_seven_significant_digits() {
    assert_eq!(num(0.981_032_71), "0.9810327");
    assert_eq!(num(2100.75), "2100.750");
    assert_eq!(num(1.5e-5), "1.500000e-5");
    assert_eq!(num(f64::NAN), "—");
}
