//! Zone outages that grow into region outages
//! (`failures.zones.escalation_probability`, issue 11 part 6).

use drsim::incident::IncidentClass;
use drsim::runner::run_replication;
use drsim::scenario::{load_file, parse_str};
use std::path::Path;

const S: u64 = 1_000_000_000;
const MIN: u64 = 60 * S;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;

fn hand_scenario_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/escalation/zone-grows-into-region.toml");
    std::fs::read_to_string(path).unwrap()
}

/// az1 (the leader) fails at 30 d: 2 s of missed heartbeats and a 30 s
/// election. At 30 d + 10 min the region fails for 3 h, reported as a
/// region incident that began as zone incident 0; writes return 30 s
/// (an election) after the region, at 30 d + 3 h 10 min 30 s.
#[test]
fn a_zone_outage_grows_into_a_region_outage_by_hand() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/escalation/zone-grows-into-region.toml");
    let sc = load_file(&path).unwrap().scenario;
    let o = run_replication(&sc, 0);
    assert_eq!(o.incidents.len(), 2, "{:#?}", o.incidents);
    let (zone, region) = (&o.incidents[0], &o.incidents[1]);
    assert_eq!(
        (zone.class, zone.scope.as_str()),
        (IncidentClass::Zone, "az1")
    );
    assert_eq!(zone.start_ns, 30 * DAY);
    assert_eq!(zone.rto_ns, 32 * S);
    assert_eq!(zone.escalated_from, None);
    assert_eq!(region.class, IncidentClass::Region);
    assert_eq!(region.scope, "home");
    assert_eq!(region.escalated_from, Some(0));
    assert_eq!(region.start_ns, 30 * DAY + 10 * MIN);
    assert_eq!(region.end_ns, Some(30 * DAY + 3 * HOUR + 10 * MIN));
    assert_eq!(region.rto_ns, 3 * HOUR + 30 * S);
    assert_eq!(o.horizon_ns - o.served_ns, 32 * S + 3 * HOUR + 30 * S);

    // Without escalation the zone outage stays a zone outage.
    let text =
        hand_scenario_text().replace("escalation_probability = 1", "escalation_probability = 0");
    let sc = parse_str(&text, "no-escalation.toml").unwrap().scenario;
    let o = run_replication(&sc, 0);
    assert_eq!(o.incidents.len(), 1);
    assert_eq!(o.horizon_ns - o.served_ns, 32 * S);
}

/// A zone repaired before the escalation is due does not escalate.
#[test]
fn a_zone_back_before_the_delay_does_not_escalate() {
    let text =
        hand_scenario_text().replace("escalation_delay = \"10m\"", "escalation_delay = \"3h\"");
    let sc = parse_str(&text, "late.toml").unwrap().scenario;
    let o = run_replication(&sc, 0);
    assert_eq!(o.incidents.len(), 1, "{:#?}", o.incidents);
    assert_eq!(o.incidents[0].class, IncidentClass::Zone);
}

/// Every zone fails about every 20 days for 2 h and escalates with
/// probability 0.1 after at most 10 min (always before its repair): over
/// 300 replications of a year (about 16,000 zone outages) the share of
/// zone outages that escalated is 0.1 within four standard errors
/// (fixed seed).
#[test]
fn the_escalated_share_matches_the_probability() {
    let text = hand_scenario_text()
        .replace(
            "runs = 1\nhorizon = \"40d\"",
            "runs = 300\nhorizon = \"365d\"",
        )
        .replace(
            "time_between = \"100d\"",
            "time_between = { dist = \"exponential\", mean = \"20d\" }",
        )
        .replace("escalation_probability = 1", "escalation_probability = 0.1")
        .replace(
            "escalation_delay = \"10m\"",
            "escalation_delay = { dist = \"uniform\", low = \"1m\", high = \"10m\" }",
        )
        .replace(
            "[[failures.zone]]\nname = \"az1\"\ntime_between = \"30d\"\n",
            "",
        );
    let sc = parse_str(&text, "share.toml").unwrap().scenario;
    let (mut zone, mut escalated) = (0u64, 0u64);
    for run in 0..sc.simulation.runs {
        let o = run_replication(&sc, run);
        for i in &o.incidents {
            zone += u64::from(i.class == IncidentClass::Zone);
            escalated += u64::from(i.escalated_from.is_some());
            if let Some(z) = i.escalated_from {
                assert_eq!(o.incidents[z as usize].class, IncidentClass::Zone);
                assert_eq!(i.class, IncidentClass::Region);
            }
        }
    }
    let p = 0.1;
    let n = zone as f64;
    assert!(n > 10_000.0, "{zone} zone outages");
    let summary = drsim::runner::run(
        &sc,
        &Default::default(),
        &mut [],
        &std::sync::atomic::AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(summary.classes["region"].escalated, escalated);
    assert_eq!(summary.classes["zone"].escalated, 0);
    let share = escalated as f64 / n;
    let se = (p * (1.0 - p) / n).sqrt();
    assert!(
        (share - p).abs() < 4.0 * se,
        "escalated share {share} over {zone} zone outages, expected {p} ± {}",
        4.0 * se
    );
}
