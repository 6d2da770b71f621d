//! Rules of the cross-region replication and self-service DR lifecycle,
//! checked against closed forms (fixed seeds, tolerances from sample sizes)
//! and against the seed's forbidden transitions.

use drsim::incident::{Incident, IncidentClass};
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, Scenario, ScenarioError};
use drsim::stats::{ks_one_sample, Welford};

/// 4.5 standard errors: a correct model fails with probability ~7e-6; the
/// seeds are fixed, so a failure means the model or the formula changed.
const Z: f64 = 4.5;

const BASE: &str = include_str!("../scenarios/dynamics365-self-service-dr.toml");

fn scenario(text: &str) -> Scenario {
    match parse_str(text, "test.toml") {
        Ok(l) => l.scenario,
        Err(e) => panic!("invalid test scenario:\n{e}"),
    }
}

fn errors(text: &str) -> String {
    match parse_str(text, "test.toml") {
        Ok(_) => panic!("accepted a forbidden scenario"),
        Err(e @ ScenarioError::Invalid(_)) => e.to_string(),
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// Replaces `from` (which must occur) with `to`.
fn with(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1)
}

/// The base scenario without its drills (for tests of the link alone).
fn without_drills(text: &str) -> String {
    with(
        text,
        "[[operations]]\nkind = \"drill\"",
        "[[operations]]\nkind = \"enable\"",
    )
    .replacen("every = \"91d\"", "", 1)
    .replacen("stay = \"2h\"", "", 1)
    .replacen("at = \"45d\"", "at = \"0s\"", 1)
}

fn incidents(sc: &Scenario, runs: u64) -> Vec<Incident> {
    (0..runs)
        .flat_map(|r| run_replication(sc, r).incidents)
        .collect()
}

#[test]
fn drills_and_failbacks_never_lose_a_write() {
    for file in [BASE, include_str!("../scenarios/dynamics365-dr-drill.toml")] {
        let sc = scenario(&with(file, "runs = ", "runs = 300 #"));
        let all = incidents(&sc, 300);
        let planned: Vec<_> = all
            .iter()
            .filter(|i| {
                matches!(
                    i.class,
                    IncidentClass::Drill | IncidentClass::Failback | IncidentClass::DrillReturn
                )
            })
            // A drill cut short by a region outage hands its loss to the region.
            .filter(|i| i.decision != Some("interrupted-region-outage"))
            .collect();
        assert!(
            planned.len() > 500,
            "only {} drills/failbacks",
            planned.len()
        );
        for i in &planned {
            assert_eq!((i.rpo_ns, i.lost_writes, i.lost_bytes), (0, 0, 0), "{i:?}");
            // The switch itself takes time: a planned failover is never free.
            assert!(i.rto_ns > 0 || i.interruption_start_ns.is_none(), "{i:?}");
        }
    }
}

/// Emergency failover with periodic batches: batches cut every T, shipped
/// over a fast link, arriving after the one-way delay p and applied (durable
/// on apply) after a
/// constant delay a. At a failure at a uniformly random instant the loss
/// window (failure − last sync) is uniform on [d, d + T] with d = p + a (+
/// a negligible transmission time), and the lost writes are Poisson given
/// the window: mean λ(d + T/2), variance λ(d + T/2) + λ²T²/12.
#[test]
fn emergency_loss_window_is_uniform_over_one_batch_past_the_fixed_delay() {
    let mut text = with(BASE, "batch_interval = \"5s\"", "batch_interval = \"10s\"");
    text = with(
        &text,
        "bandwidth = \"200Mbit/s\"",
        "bandwidth = \"100Gbit/s\"",
    );
    text = with(
        &text,
        "apply_delay = { dist = \"lognormal\", median = \"2s\", sigma = 0.5 }",
        "apply_delay = \"3s\"\ndurable_at = \"apply\"",
    );
    text = with(&text, "rtt_overhead = \"4ms\"", "rtt_overhead = \"0s\"");
    text = with(&text, "mean = \"5y\"", "mean = \"20d\"");
    text = with(
        &text,
        "destroy_probability = 0.05",
        "destroy_probability = 0.0",
    );
    text = with(&text, "max_data_loss = \"1m\"", "max_data_loss = \"1h\"");
    let sc = scenario(&without_drills(&text));
    let one_way = 750.0 * 5e-6;
    let d = one_way + 3.0;
    let t = 10.0;
    let rate = 200.0;

    let all = incidents(&sc, 400);
    // The paired region fails by the same law: while it is down the log
    // stops shipping and the window widens (tested in tests/overlaps.rs).
    let paired_down_near = |i: &Incident| {
        all.iter().any(|p| {
            p.run == i.run
                && p.class == IncidentClass::PairedRegion
                && p.start_ns <= i.start_ns
                && p.end_ns.is_none_or(|e| e + 60 * 1_000_000_000 > i.start_ns)
        })
    };
    let failovers: Vec<_> = all
        .iter()
        .filter(|i| i.class == IncidentClass::Region && i.decision == Some("failover"))
        // Failures that struck while writes flowed (not during another outage).
        .filter(|i| i.interruption_start_ns == Some(i.start_ns) && i.overlaps.is_none())
        .filter(|i| !paired_down_near(i))
        .collect();
    assert!(failovers.len() > 2000, "only {} failovers", failovers.len());
    let windows: Vec<f64> = failovers
        .iter()
        .map(|i| (i.start_ns - i.last_sync_ns.unwrap()) as f64 / 1e9)
        .collect();
    // Transmission of one 8 MB batch at 12.5 GB/s adds under a millisecond.
    let slack = 1e-3;
    assert!(
        windows.iter().all(|&w| w >= d - 1e-9 && w <= d + t + slack),
        "window outside [d, d+T]"
    );
    let ks = ks_one_sample(&windows, |w| ((w - d) / t).clamp(0.0, 1.0));
    assert!(ks.p_value > 1e-3, "loss window not uniform: {ks:?}");
    let mut lost = Welford::new();
    for i in &failovers {
        lost.push(i.lost_writes as f64);
    }
    let mean = rate * (d + t / 2.0);
    let sd = (mean + rate * rate * t * t / 12.0).sqrt();
    let tol = Z * sd / (failovers.len() as f64).sqrt();
    assert!(
        (lost.mean() - mean).abs() < tol,
        "lost writes {} vs {mean} ± {tol}",
        lost.mean()
    );
    // Every lost write is younger than the window, and bytes follow writes.
    for i in &failovers {
        assert!(i.rpo_ns <= i.start_ns - i.last_sync_ns.unwrap());
        assert_eq!(i.lost_bytes, i.lost_writes * 4096);
    }
}

/// Offered load above the link: the shipped position advances at
/// k = bandwidth / write bytes per second of the commit position, so the lag
/// at time t is (1 − k)·t (fluid), give or take one batch and the apply delay.
#[test]
fn lag_grows_without_bound_when_the_link_is_too_slow() {
    let mut text = with(
        &without_drills(BASE),
        "bandwidth = \"200Mbit/s\"",
        "bandwidth = \"3.2768Mbit/s\"",
    );
    text = with(&text, "write_rate = \"200/s\"", "write_rate = \"200/s\"");
    text = with(&text, "horizon = \"1y\"", "horizon = \"10d\"");
    let warnings = parse_str(&text, "slow.toml").unwrap().warnings;
    let w = warnings
        .iter()
        .find(|w| w.key_path == "cross_region.bandwidth")
        .expect("validate warns about an overloaded link");
    assert!(
        w.message.contains("0.819 MB/s") && w.message.contains("0.410 MB/s"),
        "{}",
        w.message
    );
    let sc = scenario(&text);
    let k = 0.5; // 409.6 KB/s link for 819.2 KB/s of writes
    let mut checked = 0;
    for r in 0..20 {
        let o = run_replication(&sc, r);
        let Some(lag) = o.lag_at_horizon_ns else {
            continue;
        };
        if o.incidents.iter().any(|i| i.class != IncidentClass::Zone) {
            continue; // a drill or region outage resets the link
        }
        // Served time ≈ horizon; interruptions only shorten the backlog.
        let expect = (1.0 - k) * o.served_ns as f64 / 1e9;
        let lag = lag as f64 / 1e9;
        assert!(
            (lag - expect).abs() < 10.0 + 5.0 + 3.0 * 60.0,
            "run {r}: lag {lag} vs {expect}"
        );
        assert!(lag > 3.0 * 86_400.0, "lag {lag} did not grow");
        checked += 1;
    }
    assert!(checked > 5);
}

/// After a partition of length P the backlog r·P drains at c − r: the fluid
/// catch-up time r·P/(c − r), measured at batch granularity (one interval).
#[test]
fn catch_up_after_a_partition_matches_the_fluid_formula() {
    let mut text = with(
        &without_drills(BASE),
        "bandwidth = \"200Mbit/s\"",
        "bandwidth = \"8Mbit/s\"",
    );
    text = with(
        &text,
        "[capacity]",
        "[[incidents]]\nkind = \"link\"\nat = \"10d\"\nduration = \"2h\"\n\n[capacity]",
    );
    text = with(&text, "horizon = \"1y\"", "horizon = \"20d\"");
    text = with(&text, "mean = \"5y\"", "mean = \"500y\"");
    let sc = scenario(&text);
    let r = 200.0 * 4096.0;
    let c = 1e6;
    let expect = r * 7200.0 / (c - r);
    let mut seen = 0;
    for run in 0..50 {
        let o = run_replication(&sc, run);
        // Zone failovers briefly stop writes and shorten the backlog; skip
        // runs where anything else happened during the partition or catch-up.
        let quiet = o.incidents.iter().all(|i| {
            i.class == IncidentClass::Link
                || i.end_ns.unwrap_or(u64::MAX) < 864_000_000_000_000
                || i.start_ns > 864_000_000_000_000 + 7_200_000_000_000 + 40_000_000_000_000
        });
        let link = o
            .incidents
            .iter()
            .find(|i| i.class == IncidentClass::Link)
            .unwrap();
        let measured = link.catch_up_ns.expect("catch-up measured") as f64 / 1e9;
        if quiet {
            assert!(
                (measured - expect).abs() <= 5.0 + 1.0,
                "catch-up {measured} vs fluid {expect}"
            );
            seen += 1;
        }
        assert!(
            measured <= expect + 6.0,
            "catch-up {measured} exceeds the fluid bound {expect}"
        );
    }
    assert!(seen > 10);
}

#[test]
fn a_region_outage_during_seeding_is_handled_as_if_dr_were_off() {
    let sc = scenario(include_str!("../scenarios/dynamics365-dr-enable.toml"));
    for run in 0..50 {
        let o = run_replication(&sc, run);
        let seeding = o.seeding_ns.expect("seeding completes");
        assert!(
            seeding > 86_400_000_000_000,
            "seeding {seeding} shorter than a day"
        );
        let regions: Vec<_> = o
            .incidents
            .iter()
            .filter(|i| i.class == IncidentClass::Region)
            .collect();
        assert_eq!(regions[0].decision, Some("wait-seeding"));
        assert_eq!(regions[0].lost_writes, 0);
        // Waiting for the region: down for the whole outage.
        assert!(regions[0].rto_ns >= 6 * 3_600_000_000_000);
        assert_eq!(regions[1].decision, Some("failover"), "run {run}");
    }
}

#[test]
fn without_dr_a_destroyed_region_loses_everything_since_the_last_backup() {
    let text = with(
        include_str!("../scenarios/dynamics365-no-dr.toml"),
        "destroy_probability = 0.05",
        "destroy_probability = 1.0",
    );
    // The backups survive (see tests/restore.rs for the ones that do not).
    let text = with(
        &text,
        "backup_loss_probability = 0.25",
        "backup_loss_probability = 0.0",
    );
    let sc = scenario(&text);
    let regions: Vec<_> = incidents(&sc, 100)
        .into_iter()
        .filter(|i| i.class == IncidentClass::Region)
        .collect();
    assert!(regions.len() > 10);
    for i in regions
        .iter()
        .filter(|i| i.end_ns.is_some() && i.interruption_start_ns.is_some())
    {
        assert_eq!(i.recovery, "backup-restore", "{i:?}");
        assert!(i.rpo_ns <= 86_400_000_000_000, "{i:?}");
        // The last daily backup: the window is the time of day of the failure.
        let window = i.start_ns % 86_400_000_000_000;
        assert!(
            i.rpo_ns <= window && i.rpo_ns + 60_000_000_000 > window,
            "{i:?}"
        );
    }
}

#[test]
fn policy_waits_for_the_region_when_the_loss_shown_is_too_large() {
    let text = with(BASE, "max_data_loss = \"1m\"", "max_data_loss = \"1s\"");
    let sc = scenario(&with(
        &text,
        "destroy_probability = 0.05",
        "destroy_probability = 0.0",
    ));
    let regions: Vec<_> = incidents(&sc, 300)
        .into_iter()
        .filter(|i| i.class == IncidentClass::Region)
        .collect();
    let waited: Vec<_> = regions
        .iter()
        .filter(|i| i.decision == Some("wait-policy"))
        .collect();
    assert!(waited.len() > 20);
    for i in waited {
        assert_eq!(i.lost_writes, 0);
        assert!(i.start_ns - i.last_sync_ns.unwrap() > 1_000_000_000);
        assert!(i.shown_loss_ns.unwrap() >= i.start_ns - i.last_sync_ns.unwrap());
    }
}

#[test]
fn disable_while_failed_over_is_a_validation_error_naming_the_operation() {
    let text = with(
        BASE,
        "[capacity]",
        "[[operations]]\nkind = \"disable\"\nat = \"45d 30m\"\n\n[capacity]"
            .replace("45d 30m", "45.01d")
            .as_str(),
    );
    let e = errors(&text);
    assert!(
        e.contains("operations[1]")
            && e.contains("refused while failed over")
            && e.contains("operations[0]"),
        "{e}"
    );
}

#[test]
fn failover_only_to_the_paired_region() {
    let text = with(
        BASE,
        "target_region = \"northeurope\"",
        "target_region = \"westeurope\"",
    );
    let e = errors(&text);
    assert!(
        e.contains("dr.target_region") && e.contains("only to the paired region"),
        "{e}"
    );
    let text = with(
        BASE,
        "target_region = \"northeurope\"",
        "target_region = \"eastus\"",
    );
    assert!(errors(&text).contains("unknown region `eastus`"));
}

#[test]
fn drill_before_seeding_can_complete_is_refused() {
    // 200 GB over 25 MB/s takes 2.2 h: enabling 1.2 h before the drill is too late.
    let mut text = with(
        BASE,
        "enabled = true              # on and seeded from the start",
        "enabled = false",
    );
    text = with(
        &text,
        "[capacity]",
        "[[operations]]\nkind = \"enable\"\nat = \"44.95d\"\n\n[capacity]",
    );
    let e = errors(&text);
    assert!(
        e.contains("operations[0].at") && e.contains("before the initial seeding can complete"),
        "{e}"
    );
}

#[test]
fn vnet_without_pair_warns_and_every_failover_fails() {
    let text = with(BASE, "vnet = false", "vnet = true\nvnet_paired = false");
    let loaded = parse_str(&text, "vnet.toml").unwrap();
    assert!(loaded
        .warnings
        .iter()
        .any(|w| w.key_path == "environment.vnet_paired" && w.message.contains("will fail")));
    let sc = loaded.scenario;
    let outcomes: Vec<_> = (0..100).map(|r| run_replication(&sc, r)).collect();
    let all: Vec<Incident> = outcomes.iter().flat_map(|o| o.incidents.clone()).collect();
    // A drill that cannot fail over is refused: no drill incident, a counted refusal.
    assert!(all.iter().all(|i| i.class != IncidentClass::Drill));
    let refused: Vec<_> = outcomes.iter().flat_map(|o| &o.refused).collect();
    assert!(
        !refused.is_empty()
            && refused
                .iter()
                .all(|r| r.operation == "drill" && r.reason == "failover-failed-no-vnet-pair")
    );
    let regions: Vec<_> = all
        .iter()
        .filter(|i| i.class == IncidentClass::Region && i.shown_loss_ns.is_some())
        .collect();
    assert!(!regions.is_empty());
    assert!(regions
        .iter()
        .all(|i| i.decision == Some("failover-failed-no-vnet-pair") && i.lost_writes == 0));
}

#[test]
fn dr_prerequisites_are_enforced() {
    let e = errors(&with(BASE, "type = \"production\"", "type = \"sandbox\""));
    assert!(
        e.contains("environment.type") && e.contains("only for production"),
        "{e}"
    );
    let e = errors(&with(BASE, "managed = true", "managed = false"));
    assert!(e.contains("environment.managed"), "{e}");
    let e = errors(&with(
        BASE,
        "billing = \"pay-as-you-go\"",
        "billing = \"prepaid\"",
    ));
    assert!(
        e.contains("environment.billing") && e.contains("pay-as-you-go"),
        "{e}"
    );
}

#[test]
fn the_secondary_copy_doubles_storage_while_dr_is_on() {
    let sc = scenario(&with(BASE, "runs = 2000", "runs = 20"));
    let stop = std::sync::atomic::AtomicBool::new(false);
    let s = drsim::runner::run(&sc, &Default::default(), &mut [], &stop).unwrap();
    let db = s
        .capacity
        .storage
        .iter()
        .find(|x| x.storage_type == "database")
        .unwrap();
    assert!((db.primary_gb_months - 150.0 * 12.0).abs() < 1e-6);
    assert!(
        (db.secondary_gb_months - db.primary_gb_months).abs() < 1e-6,
        "{db:?}"
    );
    assert!(s.capacity.cost_per_run.is_some());
}

/// Regression: a region outage that outlasted a drill's stay used to leave
/// the environment failed over for good (the switch back came due while the
/// region was down, and nothing rescheduled it).
#[test]
fn a_drill_whose_stay_ends_during_a_region_outage_still_switches_back() {
    let mut text = with(include_str!("../scenarios/dynamics365-dr-drill.toml"), "[[operations]]", "[failures.regions]\ntime_between = { dist = \"exponential\", mean = \"3d\" }\nduration = { dist = \"exponential\", mean = \"12h\" }\n\n[[operations]]");
    text = with(&text, "runs = 500", "runs = 200");
    let sc = scenario(&text);
    let mut stranded = 0;
    let mut checked = 0;
    for run in 0..200 {
        let o = run_replication(&sc, run);
        // Every failover (drill or emergency) that happened more than 10
        // days before the horizon is followed by a switch back: stays are
        // 4 h and region outages last 12 h on average.
        let failovers = o.incidents.iter().filter(|i| {
            i.decision == Some("failover")
                && matches!(i.class, IncidentClass::Drill | IncidentClass::Region)
        });
        for f in failovers.filter(|f| f.start_ns + 10 * 86_400_000_000_000 < o.horizon_ns) {
            checked += 1;
            let back = o.incidents.iter().any(|i| {
                matches!(
                    i.class,
                    IncidentClass::Failback | IncidentClass::DrillReturn
                ) && i.start_ns > f.start_ns
            });
            if !back {
                stranded += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} failovers checked");
    assert_eq!(stranded, 0, "{stranded} replications stayed failed over");
}

/// Rare events by conditioning: exactly one region outage per replication,
/// uniformly after the warm-up; the annual figures (per-outage mean × rate)
/// agree with an unconditioned run, whose estimate is far noisier per
/// replication (most replications see no outage).
#[test]
fn conditioning_on_one_region_outage_gives_the_same_annual_loss() {
    let base =
        without_drills(BASE).replacen("destroy_probability = 0.05", "destroy_probability = 0.0", 1);
    let conditioned_text = with(
        &base,
        "destroy_probability = 0.0",
        "destroy_probability = 0.0\nconditioned = true\nwarmup = \"30d\"",
    );
    let sc = scenario(&with(&conditioned_text, "runs = 2000", "runs = 600"));
    let rate = sc.region_failures.as_ref().unwrap().rate_per_year();
    let mut per_outage = Welford::new();
    let mut squares = Welford::new();
    for run in 0..600 {
        let o = run_replication(&sc, run);
        let regions: Vec<_> = o
            .incidents
            .iter()
            .filter(|i| i.class == IncidentClass::Region)
            .collect();
        assert_eq!(regions.len(), 1, "run {run}");
        assert!(
            regions[0].start_ns >= 30 * 86_400_000_000_000 && regions[0].start_ns < o.horizon_ns
        );
        per_outage.push(regions[0].lost_writes as f64);
        squares.push((regions[0].lost_writes as f64).powi(2));
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    let s = drsim::runner::run(&sc, &Default::default(), &mut [], &stop).unwrap();
    let c = s.conditioning.expect("conditioned summary");
    assert!(
        (c.lost_writes_per_year - per_outage.mean() * rate).abs()
            < 1e-6 * c.lost_writes_per_year.max(1.0)
    );

    // The unconditioned run: lost writes per replication-year.
    let plain = scenario(&with(&base, "runs = 2000", "runs = 4000"));
    let mut per_year = Welford::new();
    for run in 0..4000 {
        let lost: u64 = run_replication(&plain, run)
            .incidents
            .iter()
            .filter(|i| i.class == IncidentClass::Region)
            .map(|i| i.lost_writes)
            .sum();
        per_year.push(lost as f64);
    }
    // Var of a compound Poisson year ≈ rate·E[L²]; plus the conditioned estimate's own error.
    let se_plain = (rate * squares.mean() / 4000.0).sqrt();
    let se_cond = rate * per_outage.std_dev() / 600f64.sqrt();
    let tol = Z * (se_plain.powi(2) + se_cond.powi(2)).sqrt();
    assert!(
        (per_year.mean() - c.lost_writes_per_year).abs() < tol,
        "{} vs {} ± {tol}",
        per_year.mean(),
        c.lost_writes_per_year
    );
}

/// The fast model looks back over the batches the apply delay's tail can
/// still hold up; beyond a million batch intervals that is refused with the
/// figures, never silently cut short.
#[test]
fn an_apply_tail_beyond_a_million_batches_is_refused() {
    let tail = with(
        BASE,
        "apply_delay = { dist = \"lognormal\", median = \"2s\", sigma = 0.5 }",
        "apply_delay = { dist = \"lognormal\", median = \"1d\", sigma = 1.0 }\ndurable_at = \"apply\"",
    );
    let e = errors(&tail);
    assert!(
        e.contains("key: cross_region.apply_delay") && e.contains("batch intervals"),
        "{e}"
    );
    // The same tail over 1 h batches spans fewer than a million: accepted.
    let longer = with(&tail, "batch_interval = \"5s\"", "batch_interval = \"1h\"");
    assert!(parse_str(&longer, "ok.toml").is_ok());
}

/// `cross_region.durable_at` takes `arrival` (the default) or `apply`; a
/// near miss is an error with the suggestion. Durable on arrival, no write
/// waits for its apply delay, so a tail the fast model could not walk is
/// accepted there (the tail check guards `apply` only).
#[test]
fn durable_at_is_arrival_or_apply() {
    use drsim::scenario::Durability;
    let at = |v: &str| {
        with(
            BASE,
            "batch_interval = \"5s\"",
            &format!("batch_interval = \"5s\"\ndurable_at = \"{v}\""),
        )
    };
    let durability = |text: &str| {
        parse_str(text, "ok.toml")
            .unwrap()
            .scenario
            .cross_region
            .unwrap()
            .durable_at
    };
    assert_eq!(durability(BASE), Durability::Arrival);
    assert_eq!(durability(&at("apply")), Durability::Apply);
    assert_eq!(durability(&at("arrival")), Durability::Arrival);
    let e = errors(&at("aply"));
    assert!(
        e.contains("key: cross_region.durable_at")
            && e.contains("expected one of `arrival`, `apply`")
            && e.contains("did you mean `apply`?"),
        "{e}"
    );
    let tail = with(
        &at("arrival"),
        "apply_delay = { dist = \"lognormal\", median = \"2s\", sigma = 0.5 }",
        "apply_delay = { dist = \"lognormal\", median = \"1d\", sigma = 1.0 }",
    );
    assert!(parse_str(&tail, "ok.toml").is_ok());
}

/// Provider-managed failover (`dr.failover_by = "provider"`): with
/// exponential outage durations D of mean μ, a constant grace G, a constant
/// failover time F, a constant election time R after the region's return
/// and a probability p that the provider never fails over, a region outage
/// that finds the environment protected fails over with probability
/// q = e^{−G/μ}·(1 − p), and its RTO is G + F when it does, D + R
/// otherwise: E[RTO] = μ − (G + μ)e^{−G/μ} + R(1 − e^{−G/μ}) +
/// e^{−G/μ}[(1 − p)(G + F) + p(G + μ + R)]. Outages that find it failed
/// over or switching back are left out (their duration is independent of
/// that state, so the selection does not bias D).
#[test]
fn provider_failover_share_and_rto_match_the_closed_form() {
    const PROVIDER: &str = include_str!("scenarios/provider.toml");
    let sc = scenario(PROVIDER);
    let runs = 300;
    let (mu, g, f, r, p) = (3.0 * 3600.0, 2.0 * 3600.0, 1800.0, 30.0, 0.3);
    let all = incidents(&sc, runs);
    let met: Vec<&Incident> = all
        .iter()
        .filter(|i| i.class == IncidentClass::Region)
        .filter(|i| {
            matches!(
                i.decision,
                Some("failover" | "provider-waits" | "region-returned-first")
            )
        })
        .collect();
    let n = met.len() as f64;
    assert!(n > 3000.0, "too few outages: {n}");
    let failed_over: Vec<_> = met
        .iter()
        .filter(|i| i.decision == Some("failover"))
        .collect();
    for i in &failed_over {
        assert_eq!(i.rto_ns as f64 / 1e9, g + f, "{i:?}");
    }
    let e = (-g / mu).exp();
    let q = e * (1.0 - p);
    let share = failed_over.len() as f64 / n;
    let se = (q * (1.0 - q) / n).sqrt();
    assert!(
        (share - q).abs() < Z * se,
        "share failing over {share:.4}, theory {q:.4} ± {:.4}",
        Z * se
    );
    let mut rto = Welford::new();
    for i in &met {
        rto.push(i.rto_ns as f64 / 1e9);
    }
    let theory = mu - (g + mu) * e + r * (1.0 - e) + e * ((1.0 - p) * (g + f) + p * (g + mu + r));
    let se = rto.variance().sqrt() / n.sqrt();
    assert!(
        (rto.mean() - theory).abs() < Z * se,
        "mean RTO {:.1} s, theory {theory:.1} ± {:.1} s",
        rto.mean(),
        Z * se
    );
}
