//! Read availability beside write availability
//! (`cross_region.readable_secondary`, `src/model/reads.rs`): exact small
//! cases, the secondary's own outages, both fidelities, and reads never
//! down while writes are served over many random failures.

use drsim::incident::IncidentClass;
use drsim::model::ReplicationOutcome;
use drsim::runner::run_replication;
use drsim::scenario::{parse_failure_file, parse_str, with_failures, Scenario};
use std::path::Path;

const S: u64 = 1_000_000_000;
const MIN: u64 = 60 * S;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;

/// DR protecting from time 0, constant operator times and a constant 30 s
/// election, a decision (10 h) that no outage here outlasts: the home
/// region comes back before anyone fails over. One replication of 3 days.
const BASE: &str = r#"
name = "reads"
[simulation]
seed = 1
runs = 1
horizon = "3d"
FIDELITY
[[regions]]
name = "home"
zones = ["az1", "az2", "az3"]
paired_region = "pair"
[[regions]]
name = "pair"
zones = ["az1", "az2", "az3"]
[environment]
name = "env"
type = "production"
region = "home"
data_size = "20GB"
managed = true
billing = "pay-as-you-go"
[workload]
write_rate = "20/s"
write_size = "4KB"
[failover]
reroute = "30s"
[cross_region]
bandwidth = "10MB/s"
batch_interval = "5s"
READABLE
[dr]
enabled = true
operator_decision = "10h"
failover_time = "10m"
switch_time = "5m"
failback_delay = "1h"
[[incidents]]
kind = "region"
region = "home"
at = "1d"
duration = "2h"
"#;

fn scenario(readable: bool, extra: &str) -> Scenario {
    scenario_in("fidelity = \"fast\"", readable, extra)
}

fn scenario_in(fidelity: &str, readable: bool, extra: &str) -> Scenario {
    let text = BASE.replace("FIDELITY", fidelity).replace(
        "READABLE",
        if readable {
            "readable_secondary = true"
        } else {
            ""
        },
    ) + extra;
    parse_str(&text, "reads.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn write_down_ns(o: &ReplicationOutcome) -> u64 {
    o.horizon_ns - o.served_ns
}

/// The stretches without writes (the charged spans, joined where they touch).
fn write_stretches(o: &ReplicationOutcome) -> Vec<(u64, u64)> {
    let mut stretches: Vec<(u64, u64)> = Vec::new();
    for d in &o.downtime {
        match stretches.last_mut() {
            Some(last) if last.1 == d.start_ns => last.1 = d.end_ns,
            _ => stretches.push((d.start_ns, d.end_ns)),
        }
    }
    stretches
}

fn read_spans(o: &ReplicationOutcome) -> Vec<(u64, u64)> {
    o.read_downtime
        .iter()
        .map(|s| (s.start_ns, s.end_ns))
        .collect()
}

/// The home region down 2 h with a readable secondary up: writes stop for
/// the outage and the home zones' election after it (2 h 30 s), reads
/// never (the secondary serves them). Both fidelities.
#[test]
fn a_readable_secondary_serves_reads_through_a_home_region_outage() {
    let mut events = Vec::new();
    for fidelity in ["fidelity = \"fast\"", "fidelity = \"exact\""] {
        let o = run_replication(&scenario_in(fidelity, true, ""), 0);
        events.push(o.events);
        let region = o
            .incidents
            .iter()
            .find(|i| i.class == IncidentClass::Region)
            .expect("the scheduled outage");
        assert_eq!(region.decision, Some("region-returned-first"), "{fidelity}");
        assert_eq!(write_down_ns(&o), 2 * HOUR + 30 * S, "{fidelity}");
        assert_eq!(region.rto_ns, 2 * HOUR + 30 * S, "{fidelity}");
        assert_eq!(o.read_down_ns, 0, "{fidelity}");
        assert!(o.read_downtime.is_empty(), "{fidelity}");
        assert_eq!(o.read_availability(), 1.0);
        assert!(o.availability() < 1.0);
    }
    // The exact fidelity did run: every batch shipped is an event there.
    assert!(events[1] > 10 * events[0], "events {events:?}");
}

/// The secondary's region also down for 30 min inside that outage: reads
/// stop for those 30 min and the paired zones' 30 s election after its
/// return (the copy answers once its quorum holds, as it must to take the
/// log); writes are as before.
#[test]
fn reads_stop_while_the_secondary_region_is_down_too() {
    let extra =
        "[[incidents]]\nkind = \"region\"\nregion = \"pair\"\nat = \"1470m\"\nduration = \"30m\"\n";
    let o = run_replication(&scenario(true, extra), 0);
    assert_eq!(write_down_ns(&o), 2 * HOUR + 30 * S);
    let from = DAY + 30 * MIN;
    assert_eq!(read_spans(&o), vec![(from, from + 30 * MIN + 30 * S)]);
    assert_eq!(o.read_down_ns, 30 * MIN + 30 * S);
}

/// Without `readable_secondary` reads are served exactly when writes are:
/// the same stretches, the same total.
#[test]
fn without_a_readable_secondary_reads_follow_writes() {
    let o = run_replication(&scenario(false, ""), 0);
    assert_eq!(o.read_down_ns, write_down_ns(&o));
    assert_eq!(read_spans(&o), vec![(DAY, DAY + 2 * HOUR + 30 * S)]);
    assert_eq!(read_spans(&o), write_stretches(&o));
    assert_eq!(o.read_availability(), o.availability());
}

/// A drill: writes stop for the drain and the switch, and again for the
/// switch back; the whole copy in the paired region answers reads all
/// along.
#[test]
fn a_drill_keeps_reads_served() {
    let extra = "[[operations]]\nkind = \"drill\"\nat = \"2d\"\nstay = \"1h\"\n";
    let o = run_replication(&scenario(true, extra), 0);
    let drill = o
        .incidents
        .iter()
        .find(|i| i.class == IncidentClass::Drill)
        .expect("the drill");
    assert_eq!(drill.decision, Some("failover"));
    assert!(write_down_ns(&o) > 2 * HOUR + 30 * S + 10 * MIN);
    assert_eq!(o.read_down_ns, 0);
}

/// Over 40 years of frequent zone (correlated, escalating), region
/// (destroying), paired-region and link failures on a DR deployment with
/// drills: reads are down only while writes are (every stretch without
/// reads inside one without writes), the readable secondary does serve
/// reads through some write outages, and without it the books are equal.
#[test]
fn reads_are_never_down_while_writes_are_served() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let failures_path = "tests/scenarios/side-by-side/failures.toml";
    let text = std::fs::read_to_string(root.join(failures_path)).unwrap();
    let f = parse_failure_file(&text, failures_path).unwrap();
    let file = "tests/scenarios/side-by-side/quorum-dr.toml";
    let plain = std::fs::read_to_string(root.join(file)).unwrap();
    let readable = plain.replacen(
        "[cross_region]\n",
        "[cross_region]\nreadable_secondary = true\n",
        1,
    );
    let with = with_failures(&readable, file, &f).unwrap().scenario;
    let without = with_failures(&plain, file, &f).unwrap().scenario;
    let (mut read_down, mut write_down) = (0u64, 0u64);
    for r in 0..f.runs {
        let o = run_replication(&with, r);
        let writes = write_stretches(&o);
        for (a, b) in read_spans(&o) {
            assert!(
                writes.iter().any(|&(wa, wb)| wa <= a && b <= wb),
                "replication {r}: reads down over [{a}, {b}) while writes were served"
            );
        }
        assert!(o.read_down_ns <= write_down_ns(&o), "replication {r}");
        read_down += o.read_down_ns;
        write_down += write_down_ns(&o);
        let o = run_replication(&without, r);
        assert_eq!(o.read_down_ns, write_down_ns(&o), "replication {r}");
        assert_eq!(read_spans(&o), write_stretches(&o), "replication {r}");
    }
    // The secondary served reads through a good share of the write outages.
    assert!(
        read_down < write_down / 2,
        "read down {read_down} ns, write down {write_down} ns"
    );
}
