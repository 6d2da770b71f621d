//! A synchronous write quorum over voters in several regions
//! (`[replication] scope = "regions"`): commit latency against the closed
//! form of its order statistic, and exact small cases (the quorum lost
//! while two of three regions are down, the leader moving after detection
//! and election, a witness region's outage).

use drsim::incident::{Incident, IncidentClass};
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, Scenario, ScenarioError};

const MS: u64 = 1_000_000;
const HOUR: u64 = 3_600_000_000_000;
const DAY: u64 = 24 * HOUR;

/// Regions a (home), b, c: 500 km a–b, 1,000 km a–c, 700 km b–c; zones'
/// round trip 1 ms; detection at the third missed 1 s heartbeat, reroute
/// 10 s. `voters` is the `[[replication.voters]]` tables, `extra` the rest.
fn text(voters: &str, extra: &str) -> String {
    format!(
        r#"
name = "region-quorum"
[simulation]
seed = 3
runs = 20
horizon = "2d"
[[regions]]
name = "a"
zones = ["a1", "a2", "a3"]
distance_km = {{ b = 500, c = 1000 }}
[[regions]]
name = "b"
zones = ["b1", "b2", "b3"]
distance_km = {{ c = 700 }}
[[regions]]
name = "c"
zones = ["c1", "c2", "c3"]
[environment]
name = "env"
type = "production"
region = "a"
data_size = "10GB"
[workload]
write_rate = "100/s"
write_size = "1KB"
[replication]
scope = "regions"
zone_rtt = "1ms"
region_rtt_overhead = "2ms"
{voters}
[failover]
heartbeat_interval = "1s"
missed_heartbeats = 3
reroute = "10s"
{extra}"#
    )
}

/// CockroachDB `SURVIVE REGION FAILURE`: 2 + 2 + 1 voters, quorum 3.
const FIVE: &str = r#"
[[replication.voters]]
region = "a"
count = 2
[[replication.voters]]
region = "b"
count = 2
[[replication.voters]]
region = "c"
"#;

/// Spanner multi-region: 2 + 2 read-write voters and a witness region.
const WITNESS: &str = r#"
[[replication.voters]]
region = "a"
count = 2
[[replication.voters]]
region = "b"
count = 2
[[replication.voters]]
region = "c"
witness = true
"#;

fn scenario(voters: &str, extra: &str) -> Scenario {
    parse_str(&text(voters, extra), "rq.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn error(voters: &str, extra: &str) -> String {
    match parse_str(&text(voters, extra), "bad.toml") {
        Ok(_) => panic!("accepted:\n{voters}\n{extra}"),
        Err(e @ ScenarioError::Invalid(_)) => e.to_string(),
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

fn outage(region: &str, at: &str, duration: &str) -> String {
    format!("[[incidents]]\nkind = \"region\"\nregion = \"{region}\"\nat = \"{at}\"\nduration = \"{duration}\"\n")
}

fn of<'a>(incidents: &'a [Incident], scope: &str) -> &'a Incident {
    incidents
        .iter()
        .find(|i| i.class == IncidentClass::Region && i.scope == scope)
        .unwrap_or_else(|| panic!("no outage of {scope}"))
}

/// 5 voters over 3 regions, quorum 3, overhead Exp(μ = 2 ms): the leader
/// (a) waits for the 2nd smallest of its 4 round trips, 1 ms to its zone
/// partner, 5 ms + E to each voter in b, 10 ms + E to c; the partner is
/// always first, so X = 5 ms + min(E₁, E₂, 5 ms + E₃):
/// P(X > 5 ms + t) = e^{−2t/μ} (t < 5 ms), e^{−2t/μ − (t − 5 ms)/μ} after;
/// E[X] = 5 + (μ/2)(1 − e^{−5/(μ/2)}) + e^{−5·2/μ}·μ/3 ms.
#[test]
fn commit_latency_is_the_order_statistic_of_the_round_trips() {
    let overhead = r#"{ dist = "exponential", mean = "2ms" }"#;
    let exp = text(FIVE, "").replace(
        "region_rtt_overhead = \"2ms\"",
        &format!("region_rtt_overhead = {overhead}"),
    );
    let sc = parse_str(&exp, "rq.toml").unwrap().scenario;
    let mut samples: Vec<f64> = Vec::new();
    for r in 0..600 {
        let out = run_replication(&sc, r);
        samples.extend(
            out.commit_latencies_ns
                .iter()
                .map(|&l| l as f64 / MS as f64),
        );
    }
    let mu = 2.0;
    let sf = |t: f64| {
        if t < 5.0 {
            (-2.0 * t / mu).exp()
        } else {
            (-2.0 * t / mu - (t - 5.0) / mu).exp()
        }
    };
    let mean_theory = 5.0 + mu / 2.0 * (1.0 - (-10.0 / mu).exp()) + (-10.0 / mu).exp() * mu / 3.0;
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    assert!(n > 19_000.0, "{n} samples");
    assert!(
        (mean - mean_theory).abs() < 4.5 * se,
        "mean {mean:.5} ms ± {se:.5}, closed form {mean_theory:.5} ms"
    );
    for t in [0.5, 1.0, 2.0, 4.0, 5.5, 7.0] {
        let p = sf(t);
        let got = samples.iter().filter(|&&x| x > 5.0 + t).count() as f64 / n;
        let se = (p * (1.0 - p) / n).sqrt();
        assert!(
            (got - p).abs() < 4.5 * se + 1e-9,
            "P(X > 5 + {t} ms) = {got:.5}, closed form {p:.5}"
        );
    }
    assert!(
        samples.iter().all(|&x| x >= 5.0),
        "never faster than the propagation to b"
    );
}

/// b down for 10 h from 1 d, c down for 3 h from 1 d 2 h: 5 voters, quorum
/// 3, the leader in a keeps 2; writes stop exactly while both are down, c's
/// outage is the cause (RTO 3 h, recovery `quorum`), nothing is lost.
#[test]
fn the_quorum_is_lost_exactly_while_two_of_three_regions_are_down() {
    let sc = scenario(
        FIVE,
        &(outage("b", "1d", "10h") + &outage("c", "26h", "3h")),
    );
    let out = run_replication(&sc, 0);
    assert_eq!(out.horizon_ns - out.served_ns, 3 * HOUR);
    assert_eq!(out.interruptions, 1);
    let c = of(&out.incidents, "c");
    assert_eq!(
        (c.rto_ns, c.recovery, c.downtime_ns),
        (3 * HOUR, "quorum", 3 * HOUR)
    );
    assert_eq!(c.interruption_start_ns, Some(DAY + 2 * HOUR));
    let b = of(&out.incidents, "b");
    assert_eq!((b.rto_ns, b.downtime_ns), (0, 0));
    assert!(out
        .incidents
        .iter()
        .all(|i| i.lost_writes == 0 && i.rpo_ns == 0));
}

/// `readable_voters`: the same 3 h without the quorum, reads go on from
/// the voters up in a (stale ones); without it reads follow writes. With
/// the witness region c the only one up (a and b down together), no copy
/// answers: the witness holds no data.
#[test]
fn readable_voters_answer_reads_while_the_quorum_is_lost() {
    let outages = outage("b", "1d", "10h") + &outage("c", "26h", "3h");
    let plain = run_replication(&scenario(FIVE, &outages), 0);
    assert_eq!(plain.read_down_ns, 3 * HOUR);
    let sc = |voters: &str, extra: &str| {
        let t = text(voters, extra).replace(
            "scope = \"regions\"",
            "scope = \"regions\"\nreadable_voters = true",
        );
        parse_str(&t, "rq.toml")
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario
    };
    let o = run_replication(&sc(FIVE, &outages), 0);
    assert_eq!(o.horizon_ns - o.served_ns, 3 * HOUR, "writes as before");
    assert_eq!(o.read_down_ns, 0, "{:?}", o.read_downtime);
    // Spanner's layout: a and b down together for 2 h leaves the witness
    // region c alone; it votes but holds no data, so no read is served.
    let both = outage("a", "1d", "4h") + &outage("b", "25h", "2h");
    let o = run_replication(&sc(WITNESS, &both), 0);
    assert_eq!(o.read_down_ns, 2 * HOUR, "{:?}", o.read_downtime);
    assert!(o.read_down_ns < o.horizon_ns - o.served_ns);
}

/// The leader's region a fails at 1 d (a heartbeat tick) for 20 h: the
/// failure is declared at the third missed beat (2 s later), b is elected
/// 10 s after (b's 2 + c's 1 = the quorum): RTO = 2 s + 10 s exactly, in
/// those components; commit latency follows the leader (a leads: 2nd of
/// 1, 7, 7, 12 ms = 7 ms; b leads: 2nd of 1 ms, 7 + 2 ms = 9 ms), and
/// leadership returns to a when it is back, without a stop.
#[test]
fn the_leader_moves_after_detection_and_election() {
    let sc = scenario(FIVE, &outage("a", "1d", "20h"));
    let mut seen = [0usize; 2];
    for r in 0..sc.simulation.runs {
        let out = run_replication(&sc, r);
        assert_eq!(
            out.horizon_ns - out.served_ns,
            12_000 * MS,
            "replication {r}"
        );
        let a = of(&out.incidents, "a");
        assert_eq!(
            (
                a.rto_ns,
                a.detection_ns,
                a.execution_ns,
                a.wait_ns,
                a.recovery
            ),
            (12_000 * MS, 2_000 * MS, 10_000 * MS, 0, "leader-election")
        );
        assert_eq!((a.lost_writes, a.rpo_ns), (0, 0));
        for &l in &out.commit_latencies_ns {
            match l {
                l if l == 7 * MS => seen[0] += 1,
                l if l == 9 * MS => seen[1] += 1,
                l => panic!("commit latency {l} ns: neither a's 7 ms nor b's 9 ms"),
            }
        }
    }
    assert!(seen[0] > 100 && seen[1] > 100, "{seen:?}");
}

/// Spanner's topology: the witness region c alone down costs nothing (4
/// voters of 5 hold the quorum); a down moves leadership to b, never to
/// the witness; a and c down together stop writes until c returns and b
/// is elected.
#[test]
fn a_witness_region_votes_but_never_leads() {
    let sc = scenario(WITNESS, &outage("c", "1d", "10h"));
    let out = run_replication(&sc, 0);
    assert_eq!(out.served_ns, out.horizon_ns);
    assert_eq!(of(&out.incidents, "c").rto_ns, 0);
    // a down: b leads (2nd of b's partner 1 ms, a's … down, c 7 + 2 ms).
    let sc = scenario(WITNESS, &outage("a", "1d", "20h"));
    let out = run_replication(&sc, 1);
    assert_eq!(out.horizon_ns - out.served_ns, 12_000 * MS);
    assert!(out
        .commit_latencies_ns
        .iter()
        .all(|&l| l == 7 * MS || l == 9 * MS));
    assert!(out.commit_latencies_ns.contains(&(9 * MS)));
    // A witness in b and voters in a and c: with a down, c leads (b may not).
    let skip_b = r#"
[[replication.voters]]
region = "a"
count = 2
[[replication.voters]]
region = "b"
witness = true
[[replication.voters]]
region = "c"
count = 2
"#;
    let sc = scenario(skip_b, &outage("a", "1d", "20h"));
    let out = run_replication(&sc, 2);
    assert_eq!(out.horizon_ns - out.served_ns, 12_000 * MS);
    // c leads: 2nd of c's partner 1 ms and the witness b, 7 + 2 ms.
    assert!(
        out.commit_latencies_ns.contains(&(9 * MS)),
        "{:?}",
        out.commit_latencies_ns
    );
    // a leads: 2nd of 1 ms, b 5 + 2 ms, c 10 + 2 ms ×2 = 7 ms.
    assert!(out
        .commit_latencies_ns
        .iter()
        .all(|&l| l == 7 * MS || l == 9 * MS));
    // a and the witness c down: 2 of 5 voters left in b, writes stop.
    let sc = scenario(
        WITNESS,
        &(outage("a", "1d", "5h") + &outage("c", "1d", "2h")),
    );
    let out = run_replication(&sc, 0);
    // The election after a's detection (2 s) finds 2 voters up and fails
    // (10 s); c back at 1 d 2 h: b's 2 + c = 3, a new election (reroute, no
    // detection: nothing new failed) makes b the leader 10 s later.
    assert_eq!(out.horizon_ns - out.served_ns, 2 * HOUR + 10_000 * MS);
    let a = of(&out.incidents, "a");
    assert_eq!(
        (a.rto_ns, a.detection_ns, a.execution_ns, a.wait_ns),
        (
            2 * HOUR + 10_000 * MS,
            2_000 * MS,
            20_000 * MS,
            2 * HOUR - 12_000 * MS
        )
    );
}

/// `commit_wait = "every-voter-up"` (Cosmos DB Strong, "committed in
/// every region"): the leader in a waits for the slowest voter up, c's
/// 10 + 2 = 12 ms, not the quorum's 7 ms; with c down (from 12 h, for a
/// day of the 2) the slowest up is b's 7 ms, and writes go on (the quorum
/// of 3 still holds: availability needs the quorum only).
#[test]
fn every_voter_up_waits_for_the_slowest() {
    let t = text(FIVE, &outage("c", "12h", "1d")).replace(
        "scope = \"regions\"",
        "scope = \"regions\"\ncommit_wait = \"every-voter-up\"",
    );
    let sc = parse_str(&t, "rq.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let mut seen = (0, 0);
    for r in 0..sc.simulation.runs {
        let out = run_replication(&sc, r);
        assert_eq!(out.served_ns, out.horizon_ns);
        for &l in &out.commit_latencies_ns {
            match l {
                l if l == 12 * MS => seen.0 += 1,
                l if l == 7 * MS => seen.1 += 1,
                other => panic!("commit latency {other} ns"),
            }
        }
    }
    assert!(seen.0 > 0 && seen.1 > 0, "{seen:?}");
    let bad = text(FIVE, "").replace(
        "scope = \"regions\"",
        "scope = \"regions\"\ncommit_wait = \"every-voter\"",
    );
    let shown = parse_str(&bad, "bad.toml")
        .expect_err("refused")
        .to_string();
    assert!(shown.contains("did you mean `every-voter-up`"), "{shown}");
}

/// Zone outages take their voters: the home region's zone a1 (leader and
/// one voter) down elects a2's voter, the other home voter, after 12 s.
#[test]
fn a_zone_outage_takes_its_voters() {
    let sc = scenario(
        FIVE,
        "[[incidents]]\nkind = \"zone\"\nzone = \"a1\"\nat = \"1d\"\nduration = \"1h\"\n",
    );
    let out = run_replication(&sc, 0);
    assert_eq!(out.horizon_ns - out.served_ns, 12_000 * MS);
    let z = &out.incidents[0];
    assert_eq!(
        (z.class, z.rto_ns, z.recovery),
        (IncidentClass::Zone, 12_000 * MS, "leader-election")
    );
    // The leader a2 waits for b's voters (a1 is down): 7 ms, as before.
    assert!(out.commit_latencies_ns.iter().all(|&l| l == 7 * MS));
}

#[test]
fn the_mode_is_validated() {
    let e = match parse_str(
        &text(FIVE, "").replace("scope = \"regions\"", "scope = \"region\""),
        "bad.toml",
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("key: replication.scope") && e.contains("did you mean `regions`?"),
        "{e}"
    );
    // `readable_voters` needs voters.
    let zones = "name = \"z\"\n[simulation]\nseed = 1\nruns = 1\nhorizon = \"1d\"\n[[regions]]\nname = \"a\"\nzones = [\"a1\", \"a2\", \"a3\"]\n[environment]\nname = \"env\"\ntype = \"production\"\nregion = \"a\"\ndata_size = \"1GB\"\n[workload]\nwrite_rate = \"1/s\"\nwrite_size = \"1KB\"\n[replication]\nreadable_voters = true\n";
    let e = parse_str(zones, "zones.toml")
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("replication.readable_voters") && e.contains("only with scope"),
        "{e}"
    );
    let e = error(
        &FIVE.replace(
            "count = 2\n[[replication.voters]]\nregion = \"b\"",
            "count = 2\nwitness = true\n[[replication.voters]]\nregion = \"b\"",
        ),
        "",
    );
    assert!(
        e.contains("the home region `a` leads: it needs voters that are not witnesses"),
        "{e}"
    );
    let e = error(&format!("quorum = 2\n{FIVE}"), "");
    assert!(
        e.contains("expected a majority of the 5 voters, 3 … 5, found 2"),
        "{e}"
    );
    let e = error(
        FIVE,
        "[cross_region]\nbandwidth = \"1Gbps\"\nbatch_interval = \"1s\"\n",
    );
    assert!(
        e.contains("does not combine with scope = \"regions\""),
        "{e}"
    );
    let e = match parse_str(
        &text(FIVE, "").replace("distance_km = { c = 700 }", ""),
        "bad.toml",
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("voters in `b` and `c` need the distance between the two regions"),
        "{e}"
    );
    let e = error(
        &format!("{FIVE}[[replication.voters]]\nregion = \"b\"\n"),
        "",
    );
    assert!(e.contains("region `b` has two voter entries"), "{e}");
    let e = error(
        &format!("{FIVE}[[replication.voters]]\nregion = \"cc\"\n"),
        "",
    );
    assert!(e.contains("did you mean `c`?"), "{e}");
    let e = match parse_str(
        &text(FIVE, "").replace("scope = \"regions\"", ""),
        "bad.toml",
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("applies only with scope = \"regions\""), "{e}");
}

/// The formula behind `drsim analyze`'s region-quorum-commit-latency-mean:
/// the hand-derived mean of the 2nd smallest of 1 ms, 5 ms + E, 5 ms + E,
/// 10 ms + E (E ~ Exp(2 ms)), and the i.i.d. case against
/// `order_statistic_mean` (Rényi: 2nd of 4 Exp(2 ms) = 2 × (1/4 + 1/3) ms).
#[test]
fn the_mixed_order_statistic_matches_its_closed_forms() {
    use drsim::theory::{order_statistic_mean, order_statistic_mean_mixed};
    let exp = |shift: f64| {
        move |x: f64| {
            if x < shift {
                0.0
            } else {
                1.0 - (-(x - shift) / 2e-3).exp()
            }
        }
    };
    let partner = |x: f64| if x < 1e-3 { 0.0 } else { 1.0 };
    let (b, c) = (exp(5e-3), exp(10e-3));
    let cdfs: [&dyn Fn(f64) -> f64; 4] = [&partner, &b, &b, &c];
    let got = order_statistic_mean_mixed(&cdfs, 2, 0.2).unwrap();
    let want = 5e-3 + 1e-3 * (1.0 - (-5f64).exp()) + (-5f64).exp() * 2e-3 / 3.0;
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    let e = exp(0.0);
    let iid: [&dyn Fn(f64) -> f64; 4] = [&e, &e, &e, &e];
    let mixed = order_statistic_mean_mixed(&iid, 2, 0.2).unwrap();
    let same = order_statistic_mean(4, 2, e, 0.2).unwrap();
    assert!((mixed - same).abs() < 1e-12 && (mixed - 2e-3 * (0.25 + 1.0 / 3.0)).abs() < 1e-9);
    assert!(order_statistic_mean_mixed(&iid, 5, 0.2).is_err());
}

/// The four presets of a quorum over regions load on the shared failures
/// and lose nothing (RPO 0), whatever fails, over 40 replications.
#[test]
fn the_presets_run_on_the_shared_failures_and_lose_nothing() {
    use drsim::scenario::{read_failure_file, with_failures};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let f = read_failure_file(&root.join("scenarios/services/failures.toml")).unwrap();
    for preset in [
        "spanner-multi-region",
        "cockroachdb-survive-region",
        "cosmos-db-strong-three-regions",
        "dynamodb-global-tables-mrsc",
    ] {
        let file = format!("scenarios/services/{preset}.toml");
        let text = std::fs::read_to_string(root.join(&file)).unwrap();
        let sc = with_failures(&text, &file, &f)
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario;
        assert!(sc.region_quorum.is_some(), "{preset}");
        if preset == "spanner-multi-region" {
            assert_eq!(
                drsim::runner::describe_architecture(&sc),
                "synchronous 3-of-5 quorum over regions: us-east4 2, us-east1 2, us-central1 1 witness (leader in us-east4)"
            );
        }
        for r in 0..40 {
            let out = run_replication(&sc, r);
            assert!(
                out.incidents
                    .iter()
                    .all(|i| i.lost_writes == 0 && i.rpo_ns == 0),
                "{preset}, replication {r}"
            );
        }
    }
}

/// Cosmos DB Strong's layout: the home region a holds 2 voters, b and c 1
/// each, quorum 3 of 4; the quorum re-forms after 1 h lost.
const WRITE_REGION: &str = r#"
quorum = 3
reform_after = "1h"
[[replication.voters]]
region = "a"
count = 2
[[replication.voters]]
region = "b"
[[replication.voters]]
region = "c"
"#;

/// The write region a down at 1 d (a heartbeat tick) for 10 h: writes stop
/// at 1 d; the failure is declared 2 s later and the election after 10 s
/// fails (b + c = 2 < 3); at 1 d + 1 h the set re-forms over b and c
/// (quorum 2 of 2: they meet every 3-of-4 quorum) and b is elected 10 s
/// later: RTO 1 h 10 s exactly, recovery `quorum-reformed`, nothing lost.
/// Re-formed, b waits for c (7 + 2 ms); a leads with 7 ms (2nd of a2's
/// 1 ms, b's 5 + 2, c's 10 + 2); a back rejoins and leads without a stop.
#[test]
fn a_lasting_loss_of_the_write_region_re_forms_the_quorum() {
    let sc = scenario(WRITE_REGION, &outage("a", "1d", "10h"));
    let mut seen = [0usize; 2];
    for r in 0..sc.simulation.runs {
        let out = run_replication(&sc, r);
        assert_eq!(out.horizon_ns - out.served_ns, HOUR + 10_000 * MS);
        assert_eq!(out.interruptions, 1);
        let a = of(&out.incidents, "a");
        assert_eq!(
            (a.interruption_start_ns, a.rto_ns, a.recovery),
            (Some(DAY), HOUR + 10_000 * MS, "quorum-reformed")
        );
        assert_eq!(
            (a.detection_ns, a.execution_ns, a.wait_ns),
            (2_000 * MS, 20_000 * MS, HOUR - 12_000 * MS)
        );
        assert_eq!((a.lost_writes, a.rpo_ns), (0, 0));
        for &l in &out.commit_latencies_ns {
            match l {
                l if l == 7 * MS => seen[0] += 1,
                l if l == 9 * MS => seen[1] += 1,
                l => panic!("commit latency {l} ns: neither a's 7 ms nor the re-formed b's 9 ms"),
            }
        }
    }
    assert!(seen[0] > 100 && seen[1] > 50, "{seen:?}");
}

/// a down for 30 min, less than the 1 h delay: no re-form (its due event
/// is void); writes resume when a is back and its election (10 s) is done.
/// Without `reform_after` the same outage of 10 h stops writes for all of it.
#[test]
fn a_loss_shorter_than_the_delay_waits_for_the_voters() {
    let sc = scenario(WRITE_REGION, &outage("a", "1d", "30m"));
    let out = run_replication(&sc, 0);
    assert_eq!(out.horizon_ns - out.served_ns, HOUR / 2 + 10_000 * MS);
    let a = of(&out.incidents, "a");
    assert_eq!(
        (a.rto_ns, a.recovery),
        (HOUR / 2 + 10_000 * MS, "leader-election")
    );
    let never = WRITE_REGION.replace("reform_after = \"1h\"\n", "");
    let out = run_replication(&scenario(&never, &outage("a", "1d", "10h")), 0);
    assert_eq!(out.horizon_ns - out.served_ns, 10 * HOUR + 10_000 * MS);
    assert_eq!(of(&out.incidents, "a").recovery, "leader-election");
}

/// Re-formed over b and c (from 1 d + 1 h), b fails at 1 d + 5 h for 2 h:
/// c alone meets every quorum of {b, c} but not of the configured 4 voters
/// (1 + 3 ≤ 4): writes stop again and wait for b (2 h + its election 10 s),
/// however long the loss. c failing instead (b leads) stops writes exactly
/// while c is down.
#[test]
fn a_second_loss_while_re_formed_stops_writes_again() {
    let sc = scenario(
        WRITE_REGION,
        &(outage("a", "1d", "20h") + &outage("b", "29h", "2h")),
    );
    let out = run_replication(&sc, 0);
    assert_eq!(out.interruptions, 2);
    assert_eq!(
        out.horizon_ns - out.served_ns,
        (HOUR + 10_000 * MS) + (2 * HOUR + 10_000 * MS)
    );
    let b = of(&out.incidents, "b");
    assert_eq!(
        (b.interruption_start_ns, b.rto_ns, b.recovery),
        (
            Some(DAY + 5 * HOUR),
            2 * HOUR + 10_000 * MS,
            "leader-election"
        )
    );
    let sc = scenario(
        WRITE_REGION,
        &(outage("a", "1d", "20h") + &outage("c", "29h", "2h")),
    );
    let out = run_replication(&sc, 0);
    assert_eq!(
        out.horizon_ns - out.served_ns,
        (HOUR + 10_000 * MS) + 2 * HOUR
    );
    assert_eq!(of(&out.incidents, "c").recovery, "quorum");
    assert!(out
        .incidents
        .iter()
        .all(|i| i.lost_writes == 0 && i.rpo_ns == 0));
}

/// 2 + 2 + 1 voters, quorum 4: a and b down together leave c alone, which
/// misses a 4-of-5 quorum (a's and b's voters): unsafe, nothing re-forms
/// and writes wait 10 h for both (then an election; c alone re-formed at
/// the delay would have led after 1 h 10 s). b back after 5 h
/// instead: b + c (3 voters) meet every 4-of-5 quorum and the loss has
/// lasted past the delay: the set re-forms at once, b leads 10 s later.
#[test]
fn unsafe_survivors_never_re_form() {
    let layout = format!("quorum = 4\nreform_after = \"1h\"\n{FIVE}");
    let both = outage("a", "1d", "10h") + &outage("b", "1d", "10h");
    let out = run_replication(&scenario(&layout, &both), 0);
    assert_eq!(out.horizon_ns - out.served_ns, 10 * HOUR + 10_000 * MS);
    assert_eq!(out.interruptions, 1);
    let b_first = outage("a", "1d", "10h") + &outage("b", "1d", "5h");
    let out = run_replication(&scenario(&layout, &b_first), 0);
    assert_eq!(out.horizon_ns - out.served_ns, 5 * HOUR + 10_000 * MS);
    let a = of(&out.incidents, "a");
    assert_eq!(
        (a.recovery, a.lost_writes, a.rpo_ns),
        ("quorum-reformed", 0, 0)
    );
}

#[test]
fn reform_after_is_validated() {
    // 3 + 1 + 1 voters, quorum 3: a lost quorum leaves at most 2 voters up,
    // fewer than the 3 that meet every quorum.
    let e = error(
        "quorum = 3\nreform_after = \"1h\"\n[[replication.voters]]\nregion = \"a\"\ncount = 3\n[[replication.voters]]\nregion = \"b\"\n[[replication.voters]]\nregion = \"c\"\n",
        "",
    );
    assert!(
        e.contains("key: replication.reform_after")
            && e.contains("with 5 voters and quorum 3 the quorum never re-forms: a lost quorum leaves at most 2 voters up, fewer than the 3")
            && e.contains("raise `quorum` to at least 4"),
        "{e}"
    );
    let e = error(&format!("reform_after = \"1h\"\n{WITNESS}"), "");
    assert!(e.contains("does not combine with witness voters"), "{e}");
    let e = error(&WRITE_REGION.replace("\"1h\"", "\"soon\""), "");
    assert!(e.contains("reform_after"), "{e}");
    let e = match parse_str(
        &text(FIVE, "")
            .replace("scope = \"regions\"", "reform_after = \"1h\"")
            .replace("region_rtt_overhead = \"2ms\"\n", ""),
        "bad.toml",
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("`reform_after` applies only with scope = \"regions\""),
        "{e}"
    );
}
