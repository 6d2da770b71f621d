use super::*;
use crate::dist::Dist;
use crate::time::SimDuration;

fn inputs(outage: Dist, destroy_probability: f64) -> DecisionInputs {
    DecisionInputs {
        outage,
        destroy_probability,
        failover_s: 600.0,
        election_s: 45.0,
        switch_back_s: 300.0,
        loss_window_s: 7.5,
        loss_source: LossSource::Shown,
        write_rate: 200.0,
        write_size: 4096,
        max_data_loss_s: None,
        notes: Vec::new(),
    }
}

fn grid() -> Vec<f64> {
    [0.0, 60.0, 300.0, 1200.0, 3600.0, 7200.0, 21_600.0].into()
}

/// The closed form of every column for exponential outages of mean `mu`.
fn exponential_point(mu: f64, t: f64, p: f64, i: &DecisionInputs) -> CurvePoint {
    let still = (-t / mu).exp();
    let q = still + p * (1.0 - still);
    let interruption_s =
        mu * (1.0 - still) + (1.0 - p) * (1.0 - still) * i.election_s + q * i.failover_s;
    CurvePoint {
        wait_s: t,
        p_back: 1.0 - still,
        p_failover: q,
        interruption_s,
        switch_back_s: q * i.switch_back_s,
        downtime_s: interruption_s + q * i.switch_back_s,
        lost_writes: q * i.write_rate * i.loss_window_s,
    }
}

#[test]
fn exponential_outages_are_memoryless_and_match_the_closed_form() {
    let mu = 7200.0;
    for p in [0.0, 0.3] {
        let i = inputs(Dist::Exponential { mean: mu * 1e9 }, p);
        for elapsed in [0.0, 1200.0, 4.0 * 3600.0, 40.0 * 3600.0] {
            let c = curve(&i, elapsed, &grid()).unwrap();
            assert!(c.error_bound_s <= ACCURACY_S);
            for got in &c.points {
                let want = exponential_point(mu, got.wait_s, p, &i);
                for (g, w) in [
                    (got.interruption_s, want.interruption_s),
                    (got.switch_back_s, want.switch_back_s),
                    (got.downtime_s, want.downtime_s),
                ] {
                    assert!(
                        (g - w).abs() <= ACCURACY_S + 1e-9 * w,
                        "elapsed {elapsed}, t {}: {g} vs {w}",
                        got.wait_s
                    );
                }
                for (g, w) in [(got.p_back, want.p_back), (got.p_failover, want.p_failover)] {
                    assert!((g - w).abs() < 1e-12, "elapsed {elapsed}: {g} vs {w}");
                }
                assert!(
                    (got.lost_writes - want.lost_writes).abs() < 1e-9 * want.lost_writes.max(1.0)
                );
            }
        }
    }
}

#[test]
fn failing_over_now_costs_the_failover_and_the_full_loss() {
    let i = inputs(
        Dist::LogNormal {
            median: 8.0 * 3600e9,
            sigma: 0.8,
        },
        0.0,
    );
    let c = curve(&i, 1200.0, &[0.0]).unwrap();
    let now = c.points[0];
    assert_eq!(now.p_back, 0.0);
    assert_eq!(now.p_failover, 1.0);
    assert!((now.interruption_s - 600.0).abs() < 1e-12);
    assert!((now.downtime_s - 900.0).abs() < 1e-12);
    assert!((now.lost_writes - 1500.0).abs() < 1e-9);
}

/// A lognormal outage's hazard rises to a peak (near 0.6 × median for
/// σ = 1) and then falls: past the peak, an outage that has lasted longer is
/// less likely to end soon. So the later the operator looks (elapsed past
/// the peak), the lower P(back within t), the likelier a failover after
/// waiting t (more lost writes) and the longer the wait that is spent.
#[test]
fn lognormal_outages_look_worse_the_longer_they_have_lasted() {
    let i = inputs(
        Dist::LogNormal {
            median: 3600e9,
            sigma: 1.0,
        },
        0.0,
    );
    let curves: Vec<Curve> = [3600.0, 3.0 * 3600.0, 9.0 * 3600.0]
        .iter()
        .map(|&e| curve(&i, e, &grid()).unwrap())
        .collect();
    for k in 1..grid().len() {
        for pair in curves.windows(2) {
            let (early, late) = (pair[0].points[k], pair[1].points[k]);
            assert!(
                late.p_back < early.p_back,
                "t {}: {} !< {}",
                early.wait_s,
                late.p_back,
                early.p_back
            );
            assert!(late.lost_writes > early.lost_writes);
            assert!(late.interruption_s > early.interruption_s);
        }
    }
    // Not memoryless: elapsed changes the curve, unlike the exponential's.
    assert!(curves[0].points[3].p_back - curves[2].points[3].p_back > 0.05);
}

#[test]
fn every_law_gives_a_curve_within_its_bounds() {
    let laws = [
        Dist::Constant(SimDuration::from_secs(5400)),
        Dist::Uniform {
            low: SimDuration::from_secs(600),
            high: SimDuration::from_secs(9000),
        },
        Dist::Weibull {
            shape: 0.5,
            mean: 7200e9,
        },
        Dist::Weibull {
            shape: 3.0,
            mean: 7200e9,
        },
        Dist::LogNormal {
            median: 3600e9,
            sigma: 0.0,
        },
    ];
    for law in laws {
        let c = curve(&inputs(law.clone(), 0.1), 300.0, &grid()).unwrap();
        for w in c.points.windows(2) {
            let (a, b) = (w[0], w[1]);
            assert!(
                b.p_back >= a.p_back && b.p_failover <= a.p_failover,
                "{law:?}"
            );
            // Waiting longer never shortens the wait spent: E[min(R − e, t)] grows with t.
            let waited =
                |p: CurvePoint| p.interruption_s - 0.9 * p.p_back * 45.0 - p.p_failover * 600.0;
            assert!(
                waited(b) >= waited(a) - 1e-6 && waited(b) <= b.wait_s + 1e-6,
                "{law:?}"
            );
        }
    }
    // A constant 90-minute outage that has lasted 5 minutes returns after 85 more.
    let c = curve(
        &inputs(Dist::Constant(SimDuration::from_secs(5400)), 0.0),
        300.0,
        &[3600.0, 6000.0],
    )
    .unwrap();
    assert_eq!(c.points[0].p_back, 0.0);
    assert!((c.points[0].interruption_s - (3600.0 + 600.0)).abs() < 1e-6);
    assert_eq!(c.points[1].p_back, 1.0);
    assert!((c.points[1].interruption_s - (5100.0 + 45.0)).abs() < 1e-6);
}

#[test]
fn elapsed_beyond_the_laws_mass_is_an_error() {
    let law = Dist::Uniform {
        low: SimDuration::from_secs(600),
        high: SimDuration::from_secs(3600),
    };
    let e = curve(&inputs(law, 0.0), 3600.0, &grid()).unwrap_err();
    assert!(matches!(e, DecideError::ElapsedBeyondMass { .. }), "{e}");
    assert!(e.to_string().contains("--elapsed 1h 00m"), "{e}");
    let far = Dist::LogNormal {
        median: 3600e9,
        sigma: 0.5,
    };
    assert!(curve(&inputs(far, 0.0), 3600.0 * 1e4, &grid()).is_err());
}

#[test]
fn requests_parse_and_refuse_bad_texts() {
    let r = Request::parse("20m", Some("4m"), Some("0m, 10m,1h")).unwrap();
    assert_eq!(r.elapsed_s, 1200.0);
    assert_eq!(r.loss_shown_s, Some(240.0));
    assert_eq!(r.grid_s, vec![0.0, 600.0, 3600.0]);
    assert_eq!(Request::parse("0s", None, None).unwrap().grid_s.len(), 13);
    let e = Request::parse("20 parsecs", None, None)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("--elapsed: unknown unit"), "{e}");
    let e = Request::parse("20m", Some("-4m"), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("--loss-shown:") && e.contains("negative"),
        "{e}"
    );
    let e = Request::parse("20m", None, Some("0m,1h,30m"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("point 3 (30m 00s) is not after"), "{e}");
    let e = Request::parse("20m", None, Some("0m,,1h"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("point 2"), "{e}");
    let many: Vec<String> = (1..=MAX_GRID_POINTS + 1).map(|i| format!("{i}s")).collect();
    let e = Request::parse("0s", None, Some(&many.join(",")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than 1000 points"), "{e}");
}
