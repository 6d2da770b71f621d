//! The RPO bound (`cross_region.rpo_bound`): the cap on every region
//! incident's RPO and loss window in long runs of both fidelities, the
//! instant a partition blocks writes, and the blocked time per partition
//! of the two fidelities against each other and against the closed form.
//!
//! Release mode: `cargo test --release --test rpo_bound`.

use drsim::incident::{Incident, IncidentClass};
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, Scenario};
use drsim::stats::Welford;
use drsim::theory::{rpo_blocked_time_mean, RpoBoundLink};
use rayon::prelude::*;

const VALIDATION: &str = include_str!("scenarios/rpo-bound.toml");

fn with(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1)
}

fn scenario(text: &str) -> Scenario {
    parse_str(text, "rpo-bound.toml")
        .expect("valid scenario")
        .scenario
}

fn incidents(sc: &Scenario, runs: std::ops::Range<u64>) -> Vec<Incident> {
    runs.into_par_iter()
        .map(|r| run_replication(sc, r).incidents)
        .flatten()
        .collect()
}

/// A bad world for the loss window: region outages every 2 days, link
/// partitions of Exp(10 min) every 6 h, paired-region outages, a bound of
/// `bound` (or none), 0.8 MB/s of writes as `write_rate` writes of `write_size`.
fn stormy(bound: Option<&str>, writes: (&str, &str), horizon: &str, fidelity: &str) -> String {
    let (write_rate, write_size) = writes;
    let mut t = with(
        VALIDATION,
        "rpo_bound = { lag = \"20s\", action = \"block\" }",
        &bound.map_or(String::new(), |b| {
            format!("rpo_bound = {{ lag = \"{b}\" }}")
        }),
    );
    t = with(
        &t,
        "horizon = \"30d\"",
        &format!("horizon = \"{horizon}\"\nfidelity = \"{fidelity}\""),
    );
    t = with(
        &t,
        "write_rate = \"200/s\"",
        &format!("write_rate = \"{write_rate}\""),
    );
    t = with(
        &t,
        "write_size = \"4KB\"",
        &format!("write_size = \"{write_size}\""),
    );
    t = with(
        &t,
        "[failures.link]\ntime_between = { dist = \"exponential\", mean = \"12h\" }\nduration = { dist = \"exponential\", mean = \"2m\" }",
        "[failures.link]\ntime_between = { dist = \"exponential\", mean = \"6h\" }\nduration = { dist = \"exponential\", mean = \"10m\" }",
    );
    t + r#"
[failures.regions]
time_between = { dist = "exponential", mean = "2d" }
duration = { dist = "lognormal", median = "1h", sigma = 0.5 }

[[failures.region]]
name = "northeurope"
time_between = { dist = "exponential", mean = "10d" }
"#
}

/// (loss window, RPO) in seconds of the region incidents that recorded a
/// loss window (an emergency under DR): from the last sync to the moment
/// the primary stopped taking writes (a block's stop, if one was in force).
fn windows(incs: &[Incident]) -> Vec<(f64, f64)> {
    incs.iter()
        .filter(|i| i.class == IncidentClass::Region)
        .filter_map(|i| Some((i.shown_loss_ns? as f64 / 1e9, i.rpo_ns as f64 / 1e9)))
        .collect()
}

/// No region incident's loss window or RPO exceeds the bound (30 s), in
/// 400 replications of 60 days (≈ 12,000 region outages, ≈ 96,000
/// partitions of 10 min on average: most outages strike a stalled link);
/// without the bound the same failures give windows far beyond it, so the
/// cap is what holds them.
#[test]
fn no_region_incident_exceeds_the_bound_fast() {
    let bounded = scenario(&stormy(Some("30s"), ("20/s", "40KB"), "60d", "fast"));
    let incs = incidents(&bounded, 0..400);
    let w = windows(&incs);
    assert!(w.len() > 5_000, "{} region emergencies", w.len());
    let worst = w.iter().map(|x| x.0).fold(0.0, f64::max);
    let worst_rpo = w.iter().map(|x| x.1).fold(0.0, f64::max);
    assert!(worst <= 30.0, "a loss window of {worst} s");
    assert!(worst_rpo <= 30.0, "an RPO of {worst_rpo} s");
    // The bound binds: some windows reach it, blocks happened.
    assert!(worst > 25.0, "{worst}");
    assert!(incs.iter().any(|i| i.class == IncidentClass::RpoBound));
    let free = scenario(&stormy(None, ("20/s", "40KB"), "60d", "fast"));
    let unbounded = windows(&incidents(&free, 0..400));
    let beyond = unbounded.iter().filter(|x| x.0 > 30.0).count();
    assert!(
        beyond > 100,
        "only {beyond} windows beyond 30 s without the bound"
    );
}

/// The same cap write by write (exact fidelity, 40 replications of 20 days
/// at 5 writes/s of 160 KB: ≈ 400 region outages).
#[test]
fn no_region_incident_exceeds_the_bound_exact() {
    let sc = scenario(&stormy(Some("30s"), ("5/s", "160KB"), "20d", "exact"));
    let incs = incidents(&sc, 0..40);
    let w = windows(&incs);
    assert!(w.len() > 200, "{} region emergencies", w.len());
    let worst = w.iter().map(|x| x.0).fold(0.0, f64::max);
    let worst_rpo = w.iter().map(|x| x.1).fold(0.0, f64::max);
    assert!(
        worst <= 30.0 && worst_rpo <= 30.0,
        "{worst} s, RPO {worst_rpo} s"
    );
    assert!(worst > 20.0, "{worst}");
}

/// A scheduled partition of 5 min starting 1 s after a cut (T = 2 s,
/// durable on arrival, the batch cut at 3,600 s sent in 0.4 s and durable
/// 3.75 ms later): the lag is counted from that cut, so writes block at
/// 3,600 + 20 = 3,620 s exactly, and resume within a few seconds of the
/// heal (the 10 batches of the backlog send in 4 s).
#[test]
fn a_partition_blocks_at_its_start_plus_the_bound_minus_the_lag() {
    let mut t = with(
        VALIDATION,
        "[failures.link]\ntime_between = { dist = \"exponential\", mean = \"12h\" }\nduration = { dist = \"exponential\", mean = \"2m\" }",
        "[[incidents]]\nkind = \"link\"\nat = \"3601s\"\nduration = \"5m\"",
    );
    t = with(&t, "horizon = \"30d\"", "horizon = \"2h\"");
    for fidelity in ["fast", "exact"] {
        let sc = scenario(&with(
            &t,
            "horizon = \"2h\"",
            &format!("horizon = \"2h\"\nfidelity = \"{fidelity}\""),
        ));
        let o = run_replication(&sc, 0);
        let blocks: Vec<&Incident> = o
            .incidents
            .iter()
            .filter(|i| i.class == IncidentClass::RpoBound)
            .collect();
        assert_eq!(blocks.len(), 1, "{fidelity}: {blocks:?}");
        let b = blocks[0];
        let start = b.start_ns as f64 / 1e9;
        // Exact: the lag runs from the first write after the cut (≈ 5 ms later).
        assert!((3620.0..3620.1).contains(&start), "{fidelity}: {start}");
        let heal = 3601.0 + 300.0;
        let end = b.interruption_end_ns.expect("resumed") as f64 / 1e9;
        assert!(
            end > heal && end < heal + 5.0,
            "{fidelity}: resumed at {end}"
        );
        assert_eq!(b.recovery, "rpo-bound-met");
        assert!(b.rpo_ns == 0 && b.lost_writes == 0);
        assert_eq!(b.drain_ns, b.rto_ns, "{fidelity}: all drain");
    }
}

/// Mean blocked time per partition (blocks summed per replication, divided
/// by its partitions), fast and exact on the same failures (same seed, 40
/// replications of 2 days, a partition of Exp(2 min) every hour at 20
/// writes/s of 40 KB: the validation scenario's link load), against the
/// closed form, each within 4.5 standard errors; and the two fidelities
/// paired within 2 s per partition (they differ by the gap to the first
/// write after a cut, 50 ms here, and random batch sizes).
#[test]
fn fast_and_exact_block_for_the_closed_form_time() {
    let mut t = with(VALIDATION, "horizon = \"30d\"", "horizon = \"2d\"");
    t = with(&t, "write_rate = \"200/s\"", "write_rate = \"20/s\"");
    t = with(&t, "write_size = \"4KB\"", "write_size = \"40KB\"");
    t = with(&t, "mean = \"12h\"", "mean = \"1h\"");
    let per_run = |fidelity: &str| -> Vec<(f64, f64)> {
        let sc = scenario(&with(
            &t,
            "horizon = \"2d\"",
            &format!("horizon = \"2d\"\nfidelity = \"{fidelity}\""),
        ));
        (0..40u64)
            .into_par_iter()
            .map(|r| {
                let o = run_replication(&sc, r);
                let of = |c| o.incidents.iter().filter(move |i| i.class == c);
                let blocked: f64 = of(IncidentClass::RpoBound)
                    .map(|i| i.rto_ns as f64 / 1e9)
                    .sum();
                (blocked, of(IncidentClass::Link).count() as f64)
            })
            .collect()
    };
    let (fast, exact) = (per_run("fast"), per_run("exact"));
    let link = RpoBoundLink {
        interval: 2.0,
        one_way: 0.00375,
        load: 0.2,
        bound: 20.0,
    };
    let theory = rpo_blocked_time_mean(&link, |u| -120.0 * (1.0 - u).ln(), 2_000).unwrap();
    let ratio = |rows: &[(f64, f64)]| {
        let n: f64 = rows.iter().map(|r| r.1).sum();
        let mean = rows.iter().map(|r| r.0).sum::<f64>() / n;
        let mut w = Welford::new();
        for &(y, x) in rows {
            w.push(y - mean * x);
        }
        let se = w.std_dev() / ((rows.len() as f64).sqrt() * n / rows.len() as f64);
        (mean, se)
    };
    let ((fm, fse), (em, ese)) = (ratio(&fast), ratio(&exact));
    println!("blocked per partition: fast {fm:.2} ± {fse:.2}, exact {em:.2} ± {ese:.2}, theory {theory:.2}");
    assert!(
        (fm - theory).abs() < 4.5 * fse,
        "fast {fm} vs {theory} ± {fse}"
    );
    assert!(
        (em - theory).abs() < 4.5 * ese,
        "exact {em} vs {theory} ± {ese}"
    );
    assert!((fm - em).abs() < 2.0, "fast {fm} vs exact {em}");
}

/// `action = "throttle"`: a link degraded to b = 0.5 MB/s (125 writes/s of
/// 4 KB, k = b/r = 0.625) under r = 200 writes/s for D = 600 s, from 1 s
/// after a cut (lag 1 s then). The lag grows at 1 − k = 0.375 s/s and
/// reaches the throttle's trigger k·(20 s − T) = 11.25 s after
/// (11.25 − 1)/0.375 = 27.3 s; from then writes are admitted at the link's
/// rate, never blocked, and the lag rises to the bound less a batch and
/// holds, until the degradation ends. The shed writes are (r − b)·(D −
/// time to reach the trigger): 75 per throttled second, exactly. The lag
/// moves by batches (one lands every T/k = 3.2 s, each making 2 s of
/// writes durable), so its first peak at the trigger comes up to a batch
/// interval plus a sending time (5.2 s) before the fluid estimate: the
/// throttled time is D less that reaching time within 5.5 s, in both
/// fidelities. A region outage during the throttle finds a loss window
/// at most the bound.
#[test]
fn a_throttle_sheds_the_writes_the_degraded_link_cannot_ship() {
    let mut t = with(
        VALIDATION,
        "[failures.link]\ntime_between = { dist = \"exponential\", mean = \"12h\" }\nduration = { dist = \"exponential\", mean = \"2m\" }",
        "[[incidents]]\nkind = \"link_degradation\"\nat = \"3601s\"\nduration = \"600s\"\nbandwidth_factor = 0.125",
    );
    t = with(&t, "action = \"block\"", "action = \"throttle\"");
    t = with(&t, "horizon = \"30d\"", "horizon = \"2h\"");
    let reach = (0.625 * (20.0 - 2.0) - 1.0) / (1.0 - 0.625);
    for (fidelity, tolerance) in [("fast", 5.5), ("exact", 5.5)] {
        let text = with(
            &t,
            "horizon = \"2h\"",
            &format!("horizon = \"2h\"\nfidelity = \"{fidelity}\""),
        );
        let o = run_replication(&scenario(&text), 0);
        assert_eq!(o.served_ns, o.horizon_ns, "{fidelity}: never blocked");
        assert!(o
            .incidents
            .iter()
            .all(|i| i.class != IncidentClass::RpoBound));
        let throttled_s = o.throttled_ns as f64 / 1e9;
        assert!(
            (throttled_s - (600.0 - reach)).abs() < tolerance,
            "{fidelity}: throttled {throttled_s} s"
        );
        let shed = (200.0 - 125.0) * throttled_s;
        assert!(
            (o.throttled_writes as f64 - shed).abs() <= 1.0,
            "{fidelity}: {} shed vs {shed}",
            o.throttled_writes
        );
    }
    // Blocking instead sheds nothing (it stops the writes).
    let block = run_replication(
        &scenario(&with(&t, "action = \"throttle\"", "action = \"block\"")),
        0,
    );
    assert_eq!((block.throttled_ns, block.throttled_writes), (0, 0));
    assert!(block.served_ns < block.horizon_ns);

    // A region outage 5 min into the degradation: the loss window is the
    // throttled lag, at the bound.
    let outage = with(
        &t,
        "[[incidents]]\nkind = \"link_degradation\"",
        "[[incidents]]\nkind = \"region\"\nat = \"3901s\"\nduration = \"1h\"\n\n[[incidents]]\nkind = \"link_degradation\"",
    );
    let o = run_replication(&scenario(&outage), 0);
    let region = o
        .incidents
        .iter()
        .find(|i| i.class == IncidentClass::Region)
        .expect("a region incident");
    let window = region.shown_loss_ns.expect("an emergency") as f64 / 1e9;
    assert!((15.0..=20.0).contains(&window), "window {window} s");
}

/// The validation scenario with a second secondary region, `third`
/// (1,000 km away), and no random failures: the bound reads `met_by`, and
/// `incidents` are the scheduled ones.
fn with_third(met_by: &str, fidelity: &str, incidents: &str) -> Scenario {
    let mut t = with(
        VALIDATION,
        "[failures.link]\ntime_between = { dist = \"exponential\", mean = \"12h\" }\nduration = { dist = \"exponential\", mean = \"2m\" }",
        incidents,
    );
    t = with(
        &t,
        "pair_distance_km = 750",
        "pair_distance_km = 750\ndistance_km = { third = 1000 }",
    );
    t = with(
        &t,
        "[environment]",
        "[[regions]]\nname = \"third\"\nzones = [\"az1\", \"az2\", \"az3\"]\n\n[environment]",
    );
    t = with(
        &t,
        "target_region = \"northeurope\"",
        "targets = [\"northeurope\", \"third\"]",
    );
    t = with(
        &t,
        "action = \"block\" }",
        &format!("action = \"block\", met_by = \"{met_by}\" }}"),
    );
    t = with(
        &t,
        "horizon = \"30d\"",
        &format!("horizon = \"2h\"\nfidelity = \"{fidelity}\""),
    );
    scenario(&t)
}

fn blocks(sc: &Scenario) -> Vec<Incident> {
    run_replication(sc, 0)
        .incidents
        .into_iter()
        .filter(|i| i.class == IncidentClass::RpoBound)
        .collect()
}

/// `met_by = "any"` (Aurora: commits go on while one secondary is within
/// the bound): the paired link partitioned for 5 min from 3,601 s blocks
/// writes at 3,620 s when the bound reads the paired region alone, and not
/// at all when the second secondary, up to date, is read too.
#[test]
fn a_second_secondary_within_the_bound_keeps_writes_going() {
    let partition = "[[incidents]]\nkind = \"link\"\nat = \"3601s\"\nduration = \"5m\"";
    for fidelity in ["fast", "exact"] {
        let paired = blocks(&with_third("paired", fidelity, partition));
        assert_eq!(paired.len(), 1, "{fidelity}: {paired:?}");
        let start = paired[0].start_ns as f64 / 1e9;
        assert!((3620.0..3620.1).contains(&start), "{fidelity}: {start}");
        let any = blocks(&with_third("any", fidelity, partition));
        assert!(any.is_empty(), "{fidelity}: {any:?}");
    }
}

/// Both secondaries behind: `third` down from 3,550 s to 3,670 s and the
/// paired link partitioned from 3,601 s to 3,901 s. The smallest lag
/// reaches 20 s when the paired one does (the cut at 3,600 s: 3,620 s), and
/// writes resume when `third` has caught up after its return, not at the
/// paired link's heal: its backlog (3,550 s to the block, 70 s of writes)
/// ships at 5 s of writes per second from 3,670 s, durable by about
/// 3,684 s plus a batch interval (2 s) and the propagation.
#[test]
fn with_every_secondary_behind_the_first_to_catch_up_lifts_the_block() {
    let incidents = "[[incidents]]\nkind = \"link\"\nat = \"3601s\"\nduration = \"5m\"\n\n\
                     [[incidents]]\nkind = \"region\"\nregion = \"third\"\nat = \"3550s\"\nduration = \"2m\"";
    for fidelity in ["fast", "exact"] {
        let b = blocks(&with_third("any", fidelity, incidents));
        assert_eq!(b.len(), 1, "{fidelity}: {b:?}");
        let start = b[0].start_ns as f64 / 1e9;
        assert!((3620.0..3620.1).contains(&start), "{fidelity}: {start}");
        let end = b[0].interruption_end_ns.expect("resumed") as f64 / 1e9;
        assert!(
            (3683.0..3690.0).contains(&end),
            "{fidelity}: resumed at {end}"
        );
        assert_eq!(b[0].recovery, "rpo-bound-met");
        assert!(b[0].rpo_ns == 0 && b[0].lost_writes == 0);
    }
}

/// A throttle is tuned to one link's drain rate: `met_by = "any"` with
/// `action = "throttle"` is refused, at the key.
#[test]
fn met_by_any_with_a_throttle_is_refused() {
    let text = with(
        VALIDATION,
        "action = \"block\" }",
        "action = \"throttle\", met_by = \"any\" }",
    );
    let err = parse_str(&text, "rpo-bound.toml").expect_err("refused");
    let shown = err.to_string();
    assert!(
        shown.contains("cross_region.rpo_bound.met_by") && shown.contains("block"),
        "{shown}"
    );
    let typo = with(VALIDATION, "action = \"block\" }", "met_by = \"anny\" }");
    let shown = parse_str(&typo, "rpo-bound.toml")
        .expect_err("refused")
        .to_string();
    assert!(shown.contains("did you mean `any`"), "{shown}");
}
