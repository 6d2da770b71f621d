//! Regression tests of the DR lifecycle when failures overlap each other or
//! a DR operation: one small hand-computable scenario per case of the issue
//! (`tests/scenarios/overlaps/`), each asserting what a careful operator and
//! the real service would do. Every scenario has constant operator times
//! (decision 30 min, failover 10 min, switch 5 min, failback delay 1 h), a
//! 10 MB/s link unless stated and 0.8 MB/s of writes.

use drsim::incident::{Incident, IncidentClass};
use drsim::model::ReplicationOutcome;
use drsim::runner::run_replication;
use drsim::scenario::load_file;
use std::path::Path;

const S: u64 = 1_000_000_000;
const MIN: u64 = 60 * S;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;

fn run(case: &str) -> ReplicationOutcome {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/overlaps")
        .join(format!("{case}.toml"));
    let sc = load_file(&path)
        .unwrap_or_else(|e| panic!("{case}: {e}"))
        .scenario;
    run_replication(&sc, 0)
}

fn of_class(o: &ReplicationOutcome, class: IncidentClass) -> Vec<&Incident> {
    o.incidents.iter().filter(|i| i.class == class).collect()
}

fn only(o: &ReplicationOutcome, class: IncidentClass) -> &Incident {
    let all = of_class(o, class);
    assert_eq!(all.len(), 1, "one {class} incident expected: {all:#?}");
    all[0]
}

/// Case 1: a drill started during a partition cannot drain; it waits and is
/// aborted after `drill_drain_timeout` (2 h), writes resuming in the primary
/// (before: writes stayed stopped to the horizon, availability 10%).
#[test]
fn a_drill_that_cannot_drain_is_aborted_after_its_timeout() {
    let o = run("01-drill-during-partition");
    let drill = only(&o, IncidentClass::Drill);
    assert_eq!(drill.decision, Some("aborted-drain-timeout"));
    assert_eq!(drill.recovery, "drill-aborted");
    assert_eq!(drill.rto_ns, 2 * HOUR);
    assert_eq!(drill.lost_writes, 0);
    assert_eq!(o.horizon_ns - o.served_ns, 2 * HOUR);
}

/// Case 2: the drain follows the link's rate as it changes. The backlog of
/// the hour at 1% (0.7 MB/s × 3600 s ≈ 2.5 GB) drains at 10 MB/s once the
/// degradation ends 5 min into the drill: about 5 + 4 min, then the 5 min
/// switch (before: 7 h 6 m, the whole drain at the rate of its first instant).
#[test]
fn a_drills_drain_speeds_up_when_the_degradation_ends() {
    let o = run("02-drill-degradation-ends");
    let drill = only(&o, IncidentClass::Drill);
    assert_eq!(drill.recovery, "planned-switch");
    let backlog_mb = 0.8 * 3600.0 - 0.01 * 10.0 * 3600.0;
    let drain_s = 300.0 + (backlog_mb - 0.1 * 300.0) / 10.0;
    let expected = drain_s + 300.0;
    let rto = drill.rto_ns as f64 / 1e9;
    // The last batch's propagation and in-order apply add a few seconds.
    assert!(
        rto >= expected && rto < expected + 30.0,
        "drill RTO {rto} s, expected about {expected} s"
    );
    assert_eq!(drill.lost_writes, 0);
}

/// Case 3: a region outage during the reverse resync cancels the switch
/// back; the environment keeps serving from the paired region (nothing
/// interrupted) and switches back once the region has returned (before: the
/// switch completed into the dead region, failback RTO 4 h 46 m).
#[test]
fn a_region_outage_during_the_resync_back_cancels_the_switch_back() {
    let o = run("03-region-during-resync-back");
    let regions = of_class(&o, IncidentClass::Region);
    assert_eq!(regions.len(), 2);
    let second = regions[1];
    assert_eq!(second.decision, Some("switch-back-cancelled"));
    assert_eq!((second.rto_ns, second.downtime_ns), (0, 0));
    let failback = only(&o, IncidentClass::Failback);
    assert!(failback.start_ns > second.end_ns.unwrap(), "{failback:?}");
    assert!(failback.rto_ns < 10 * MIN, "{failback:?}");
    assert_eq!(
        o.horizon_ns - o.served_ns,
        regions[0].rto_ns + failback.rto_ns
    );
}

/// Case 3, during the switch itself: the switch is called off, writes resume
/// in the paired region at once; the region incident overlaps the switch's
/// interruption and costs nothing more (before: 5 h 1 m without service).
#[test]
fn a_region_outage_during_the_switch_returns_to_the_paired_region() {
    let o = run("03b-region-during-switch");
    let failbacks = of_class(&o, IncidentClass::Failback);
    assert_eq!(failbacks.len(), 2, "a cancelled switch and a later one");
    assert_eq!(failbacks[0].decision, Some("cancelled-region-outage"));
    assert_eq!(failbacks[0].recovery, "switch-back-cancelled");
    assert!(failbacks[0].rto_ns < 2 * MIN);
    let second = of_class(&o, IncidentClass::Region)[1];
    assert_eq!(second.overlaps, Some(failbacks[0].seq));
    assert_eq!(second.downtime_ns, 0);
    assert!(failbacks[1].start_ns > second.end_ns.unwrap());
}

/// Case 4: a region outage 30 min into a drill's drain: the tail that had
/// not reached the paired region is the region incident's loss (writes of
/// about 2.6 h behind a 1% link), found by the emergency path (before: the
/// drill completed as a planned switch with no loss).
#[test]
fn a_region_outage_during_a_drain_loses_the_unshipped_tail() {
    let o = run("04-region-during-drill-drain");
    let drill = only(&o, IncidentClass::Drill);
    assert_eq!(drill.decision, Some("interrupted-region-outage"));
    assert_eq!(drill.lost_writes, 0);
    let region = only(&o, IncidentClass::Region);
    assert_eq!(region.decision, Some("failover"));
    assert_eq!(region.recovery, "dr-failover");
    // 3 h of writes at 0.8 MB/s, of which 1% of 10 MB/s was shipped: the
    // oldest lost write is about (1 − 0.1/0.8) × 3 h old at the drill.
    let rpo_h = region.rpo_ns as f64 / HOUR as f64;
    assert!((2.5..2.7).contains(&rpo_h), "RPO {rpo_h} h");
    assert!(region.lost_writes > 1_500_000, "{region:?}");
    // The loss window ends when writes stopped for the drill; the oldest
    // lost write is the first after the last sync.
    let shown = region.shown_loss_ns.expect("loss shown");
    assert!(
        region.rpo_ns <= shown && shown - region.rpo_ns < S,
        "{region:?}"
    );
    assert_eq!(
        drill.rto_ns,
        region.start_ns - drill.start_ns + region.rto_ns
    );
}

/// Case 5: a data-destroying outage during seeding: no copy exists, so the
/// region is restored from its backup (the writes since the last daily
/// backup are lost) and seeding starts again (before: "failover" with no loss).
#[test]
fn a_destroyed_primary_during_seeding_restores_its_backup_and_reseeds() {
    let o = run("05-destroyed-during-seeding");
    let region = only(&o, IncidentClass::Region);
    assert_eq!(region.decision, Some("wait-seeding"));
    assert_eq!(region.recovery, "backup-restore");
    // Failure 30 min into day 2: 1800 s of 200 writes/s since the backup.
    let expected: f64 = 200.0 * 1800.0;
    let sd = expected.sqrt();
    assert!((region.lost_writes as f64 - expected).abs() < 5.0 * sd);
    // Seeding restarts when the region returns (6 h later) and copies again.
    let seeding = o.seeding_ns.expect("seeding completes");
    assert!(seeding > 30 * MIN + 6 * HOUR + 2000 * S, "{seeding}");
}

/// Case 6: seeding is work: a 20 h region outage or a 10 h partition that
/// starts 10 min into the 1 h set-up holds the copy until it ends; then the
/// 20 GB copy (2,000 s) and the catch-up of the writes served meanwhile at
/// 10 − 0.8 MB/s (before: 1 h 33 m regardless).
#[test]
fn seeding_waits_while_the_source_or_the_link_is_down() {
    for (case, pause, writes_stop) in [
        ("06-seeding-delayed-by-outage", 72_000.0, true),
        ("06b-seeding-delayed-by-partition", 36_000.0, false),
    ] {
        let o = run(case);
        let seeding = o.seeding_ns.expect("seeding completes") as f64 / 1e9;
        let copy_end = 600.0 + pause + 2_000.0;
        let served = if writes_stop {
            copy_end - pause
        } else {
            copy_end
        };
        let expected = copy_end + served * 0.8 / 9.2;
        // The catch-up ends at a batch cut (5 s) after the last apply.
        assert!(
            (seeding - expected).abs() < 15.0,
            "{case}: seeding {seeding} s, expected {expected} s"
        );
    }
}

/// Case 7: protection starts only when the writes made during seeding have
/// reached the paired region. With 1 MB/s for 0.8 MB/s of writes the copy
/// ends after 6 h 33 m with 19 GB of backlog, drained at 0.2 MB/s: a region
/// outage 17 min after the copy finds the environment unprotected and waits
/// (before: failover losing 6.5 h of writes, 4.7 million).
#[test]
fn protection_starts_only_once_the_seeding_backlog_has_drained() {
    let o = run("07-protected-only-when-caught-up");
    let region = only(&o, IncidentClass::Region);
    assert_eq!(region.decision, Some("wait-seeding"));
    assert_eq!(region.lost_writes, 0);
    let seeding = o.seeding_ns.expect("protected in the end") as f64 / 3600e9;
    // 6.55 h of copy and set-up, the outage's 6 h, then 19 GB at 0.2 MB/s.
    assert!(seeding > 30.0, "seeding {seeding} h");
}

/// Case 8: the reverse resync pauses during a partition (before: it ran at
/// full speed through it).
#[test]
fn the_reverse_resync_pauses_during_a_partition() {
    let o = run("08-resync-back-through-partition");
    let failback = only(&o, IncidentClass::Failback);
    // 12,000 s of writes at 0.8 MB/s resync at 9.2 MB/s: 1,043 s, plus the 3 h pause.
    let resync = failback.resync_ns.expect("resync reported") as f64 / 1e9;
    let expected = 12_000.0 * 0.8 / 9.2 + 10_800.0;
    assert!((resync - expected).abs() < 1.0, "resync {resync} s");
}

/// Case 9: without a VNet pair no failover path succeeds, including the one
/// taken when a destroyed region returns: the region restores its backup
/// (before: the failover ran and succeeded).
#[test]
fn the_vnet_rule_holds_when_a_destroyed_region_returns() {
    let o = run("09-vnet-unpaired-destroyed");
    let region = only(&o, IncidentClass::Region);
    assert_eq!(region.decision, Some("failover-failed-no-vnet-pair"));
    assert_eq!(region.recovery, "backup-restore");
    assert!(of_class(&o, IncidentClass::Failback).is_empty());
}

/// Case 10: a region outage 20 s after the leader zone failed overlaps the
/// zone's interruption: it gets the 40 min it experienced and the charge of
/// the downtime from its onset (before: region RTO 0, "target met").
#[test]
fn an_overlapping_incident_gets_the_rto_it_experienced() {
    let o = run("10-region-after-leader-zone");
    let zone = only(&o, IncidentClass::Zone);
    let region = only(&o, IncidentClass::Region);
    assert_eq!(region.overlaps, Some(zone.seq));
    assert_eq!(region.rto_ns, 40 * MIN);
    assert_eq!(zone.rto_ns, 40 * MIN + 20 * S);
    assert_eq!(zone.downtime_ns, 20 * S);
    assert_eq!(region.downtime_ns, 40 * MIN);
    assert!(region.disruptive() && zone.disruptive());
    let charged: u64 = o.incidents.iter().map(|i| i.downtime_ns).sum();
    assert_eq!(charged, o.horizon_ns - o.served_ns);
}

/// Case 11: a refused drill is not an incident; it is counted with its
/// reason (before: a drill incident with RTO 0 that met the drill target).
#[test]
fn a_refused_drill_is_counted_not_an_incident() {
    let o = run("11-refused-drill");
    assert!(of_class(&o, IncidentClass::Drill).is_empty());
    assert_eq!(o.refused.len(), 1);
    assert_eq!(
        (o.refused[0].operation, o.refused[0].reason),
        ("drill", "region-down")
    );
    assert_eq!(o.refused[0].at_ns, DAY + 10 * MIN);
}

/// Case 14: the loss shown is the loss a failover would cause (last sync to
/// the moment the primary stopped: a few seconds), not the operator's 30
/// minutes of deliberation (before: 1805 s shown for a 5 s window).
#[test]
fn the_loss_shown_is_the_loss_a_failover_causes() {
    let o = run("14-loss-shown");
    let region = only(&o, IncidentClass::Region);
    let shown = region.shown_loss_ns.expect("shown at the decision");
    assert_eq!(shown, region.start_ns - region.last_sync_ns.unwrap());
    assert!(shown < 20 * S, "{shown}");
    assert!(region.rpo_ns <= shown);
}

/// Case 15: lag is sampled only while writes are served in the primary (a
/// region down for 8 of 10 days used to put lags of days into the figures).
#[test]
fn lag_samples_come_only_from_time_served_in_the_primary() {
    let o = run("15-lag-while-down");
    assert!(!o.lag_samples_ns.is_empty());
    assert!(
        o.lag_samples_ns.iter().all(|&l| l < 30 * S),
        "{:?}",
        o.lag_samples_ns
    );
    assert!(
        o.lag_samples_ns.len() < 16,
        "most instants fall in the outage"
    );
}

/// Seeding beyond the document's 48 hours is announced at validation, with
/// its parts: at 0.9 MB/s for 0.8 MB/s of writes the catch-up alone takes days.
#[test]
fn validation_warns_when_seeding_is_expected_to_exceed_48_hours() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/overlaps/07-protected-only-when-caught-up.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let warned = |bandwidth: &str| {
        let text = text.replacen("bandwidth = \"1MB/s\"", bandwidth, 1);
        drsim::scenario::parse_str(&text, "seeding.toml")
            .unwrap()
            .warnings
            .into_iter()
            .find(|w| w.key_path == "dr" && w.message.contains("48 hours"))
    };
    let w = warned("bandwidth = \"0.9MB/s\"").expect("a 48 h warning");
    assert!(w.message.contains("catch-up"), "{}", w.message);
    // At 1 MB/s seeding is expected to take 32.8 h: no warning.
    assert!(warned("bandwidth = \"1MB/s\"").is_none());
}

/// Regression: a drill's drain deadline belongs to that drill. Every drill
/// of a month of drills every other day on a healthy link completes as a
/// planned switch (a stale deadline once aborted every drill after the first).
#[test]
fn every_drill_on_a_healthy_link_completes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/drill.toml");
    let sc = load_file(&path).unwrap().scenario;
    let o = run_replication(&sc, 0);
    let drills = of_class(&o, IncidentClass::Drill);
    assert_eq!(drills.len(), 29);
    for d in drills {
        assert_eq!(
            (d.decision, d.recovery),
            (Some("failover"), "planned-switch"),
            "{d:?}"
        );
        assert!(d.rto_ns < 11 * MIN, "{d:?}");
    }
}

/// Issue 11 part 4: the leader zone and a second zone fail for 6 h (writes
/// stop: 2 of 3 needed). With `emergency_after_quorum_loss = "15m"` the
/// emergency response starts 15 min in, exactly as for a region outage:
/// the loss window is shown, the operator decides after 30 min, the
/// failover takes 10 min, so writes resume 55 min after the failure, losing
/// nothing (the log drained while the region stayed up). The switch back follows
/// the quorum's return (6 h, then the 30 s election and the 1 h failback
/// delay). Off (the default) the environment waits the 6 h and the 30 s
/// election.
#[test]
fn a_long_quorum_loss_starts_the_emergency_response_when_asked() {
    let o = run("16-emergency-after-quorum-loss");
    let zone = only(&o, IncidentClass::Zone);
    assert_eq!(zone.decision, Some("failover"));
    assert_eq!(zone.recovery, "dr-failover");
    assert_eq!(zone.rto_ns, 55 * MIN);
    // 2 s of missed heartbeats and a 30 s election that finds one zone,
    // then waiting to the 15 min mark, the decision, the failover.
    assert_eq!(
        (zone.detection_ns, zone.decision_ns, zone.execution_ns),
        (2 * S, 30 * MIN, 10 * MIN + 30 * S)
    );
    assert_eq!(zone.wait_ns, 15 * MIN - 32 * S);
    // The region and the link stayed up: in the 15 min before the
    // emergency, the log committed before the stop reached the paired
    // region, so the loss shown (and lost) is nothing.
    assert_eq!(zone.shown_loss_ns, Some(0), "{zone:?}");
    assert_eq!(zone.last_sync_ns, Some(DAY));
    assert_eq!((zone.lost_writes, zone.rpo_ns), (0, 0));
    let failback = only(&o, IncidentClass::Failback);
    // The resync back starts 1 h after the elected quorum's return and
    // ships the 6 h 5.5 min of writes served in the paired region at
    // 10 − 0.8 MB/s: 21,930 s × 0.8 / 9.2 = 1,907 s.
    let resync_from = DAY + 6 * HOUR + 30 * S + HOUR;
    let resync = failback.resync_ns.expect("a resync back");
    assert_eq!(failback.start_ns, resync_from + resync);
    assert!((resync as f64 / 1e9 - 1907.0).abs() < 1.0, "{failback:?}");
    assert_eq!(failback.lost_writes, 0);

    // Off by default: the same failure waits for the zones.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/overlaps/16-emergency-after-quorum-loss.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let off = text.replace("emergency_after_quorum_loss = \"15m\"\n", "");
    let sc = drsim::scenario::parse_str(&off, "16-off.toml")
        .unwrap()
        .scenario;
    let o = run_replication(&sc, 0);
    let zone = only(&o, IncidentClass::Zone);
    assert_eq!((zone.decision, zone.recovery), (None, "zone-failover"));
    assert_eq!(zone.rto_ns, 6 * HOUR + 30 * S);
    assert_eq!(zone.lost_writes, 0);
    assert!(of_class(&o, IncidentClass::Failback).is_empty());
}

/// Runs an overlap scenario after replacing `from` by `to` in its text.
fn run_with(case: &str, from: &str, to: &str) -> ReplicationOutcome {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/overlaps")
        .join(format!("{case}.toml"));
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{case} lacks {from:?}");
    let sc = drsim::scenario::parse_str(&text.replacen(from, to, 1), "variant.toml")
        .unwrap_or_else(|e| panic!("{case}: {e}"))
        .scenario;
    run_replication(&sc, 0)
}

/// Issue 11 part 1, the paired region fails during a failover: the home
/// region fails at day 1 for 6 h, the operator decides after 30 min, and
/// 5 min into the 10 min failover the paired region fails for 2 h. The
/// failover stops and restarts once the paired region is back and its
/// zones have elected a leader (the 30 s reroute): writes resume 2 h 45 min
/// 30 s after the home failure; the paired incident, which began while
/// writes were stopped, overlaps it for its own 2 h 10 min 30 s. Destroyed instead,
/// the secondary copy is gone: nothing to fail over to, the environment
/// waits the 6 h for its region and DR seeds again.
#[test]
fn a_paired_outage_during_a_failover_postpones_it_to_its_return() {
    let o = run("17-paired-down-during-failover");
    let home = only(&o, IncidentClass::Region);
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(
        (home.decision, home.recovery),
        (Some("failover"), "dr-failover")
    );
    assert_eq!(home.rto_ns, 2 * HOUR + 45 * MIN + 30 * S);
    assert_eq!(home.execution_ns, 15 * MIN, "5 min cut short, then 10 min");
    assert!(home.lost_writes > 0 && home.shown_loss_ns.is_some());
    assert_eq!(paired.scope, "pair");
    assert_eq!(paired.decision, Some("failover-interrupted"));
    assert_eq!(paired.overlaps, Some(home.seq));
    assert_eq!(paired.rto_ns, 2 * HOUR + 10 * MIN + 30 * S);
    assert_eq!(
        o.horizon_ns - o.served_ns,
        home.rto_ns + only(&o, IncidentClass::Failback).rto_ns
    );

    let o = run_with(
        "17-paired-down-during-failover",
        "duration = \"2h\"\n",
        "duration = \"2h\"\ndestroys_data = true\n",
    );
    let home = only(&o, IncidentClass::Region);
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(home.decision, Some("paired-region-destroyed"));
    // 6 h, then an election (the 30 s reroute).
    assert_eq!(home.recovery, "region-repair");
    assert_eq!(home.rto_ns, 6 * HOUR + 30 * S);
    assert_eq!(home.lost_writes, 0);
    assert_eq!(paired.decision, Some("secondary-destroyed"));
    assert!(of_class(&o, IncidentClass::Failback).is_empty());
    // The copy restarted and, both regions back, DR protects again: the
    // replication lag is defined at the horizon.
    assert!(o.lag_at_horizon_ns.is_some(), "not protected again");
}

/// The home region back destroyed (empty) while the failover waits for
/// the paired region: the home region holds nothing, so it must not serve
/// (before the fix it resumed there 30 s after its return, on no data).
/// Writes stop at day 1 and resume only when the failover, started at the
/// paired region's return (32 h 35 min) and its zones' 30 s election, has
/// executed (10 min): 8 h 45 min 30 s without writes, and the loss is the
/// 5 s window to the last batch before the stop, not a backup's.
#[test]
fn a_destroyed_home_region_back_before_the_paired_one_does_not_serve() {
    let o = run("17b-destroyed-home-back-while-paired-down");
    let home = only(&o, IncidentClass::Region);
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(home.recovery, "dr-failover", "{home:?}");
    assert_eq!(home.rto_ns, 8 * HOUR + 45 * MIN + 30 * S, "{home:?}");
    assert_eq!(home.interruption_start_ns, Some(DAY));
    assert!(home.lost_writes > 0 && home.rpo_ns <= 5 * S, "{home:?}");
    assert_eq!(paired.decision, Some("failover-interrupted"));
    // One stretch without writes, from the outage to the failover's end:
    // nothing was served between the home region's return and the failover.
    let end = DAY + 8 * HOUR + 45 * MIN + 30 * S;
    assert!(
        o.downtime
            .iter()
            .any(|d| d.start_ns == DAY && d.end_ns == end),
        "{:?}",
        o.downtime
    );
    assert_eq!(
        o.horizon_ns - o.served_ns,
        home.rto_ns + only(&o, IncidentClass::Failback).rto_ns
    );
}

/// Issue 11 part 1, the paired region fails during a drill's stay: the
/// drill switches at day 1 (≈ 5 min), and an hour in the paired region,
/// where the environment now runs, fails for 2 h: writes stop for those
/// 2 h (the home region lacks every write since the switch) and the 30 s
/// election of its zones on the return, then the stay goes on and the
/// drill returns. Destroyed instead, its last
/// backup there (day 1, 00:00) is restored on the return: the hour of
/// writes since is lost, about 200/s × (3,600 s − the 5 min switch).
#[test]
fn a_paired_outage_during_a_drill_stay_stops_writes_until_it_returns() {
    let o = run("18-paired-down-during-drill-stay");
    let drill = only(&o, IncidentClass::Drill);
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(drill.recovery, "planned-switch");
    assert_eq!(paired.decision, Some("serving-region-down"));
    assert_eq!(
        (paired.recovery, paired.rto_ns),
        ("region-repair", 2 * HOUR + 30 * S)
    );
    assert_eq!(
        (paired.downtime_ns, paired.wait_ns, paired.execution_ns),
        (2 * HOUR + 30 * S, 2 * HOUR, 30 * S)
    );
    assert_eq!(paired.lost_writes, 0);
    let back = only(&o, IncidentClass::DrillReturn);
    assert!(back.start_ns > drill.interruption_end_ns.unwrap() + 6 * HOUR);
    assert_eq!(
        o.horizon_ns - o.served_ns,
        drill.rto_ns + paired.rto_ns + back.rto_ns
    );

    let o = run_with(
        "18-paired-down-during-drill-stay",
        "duration = \"2h\"\n",
        "duration = \"2h\"\ndestroys_data = true\n",
    );
    let drill = only(&o, IncidentClass::Drill);
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(
        (paired.recovery, paired.rto_ns),
        ("backup-restore", 2 * HOUR + 30 * S)
    );
    let served_s = 3600.0 - drill.rto_ns as f64 / 1e9;
    let expected = 200.0 * served_s;
    assert!(
        (paired.lost_writes as f64 - expected).abs() < 5.0 * expected.sqrt(),
        "{paired:?}"
    );
    // The oldest lost write came just after the switch (≈ 5 min past the backup).
    assert!(
        paired.rpo_ns > 50 * MIN && paired.rpo_ns < 56 * MIN,
        "{paired:?}"
    );
}

/// Issue 11 part 1, the paired region fails during seeding: enabled at
/// day 1, 1 h of set-up, then 20 GB at 10 MB/s (2,000 s); 10 min into the
/// copy the paired region fails for 3 h. The copy pauses and resumes once
/// its zones have elected a leader, 30 s after the return (ends at 1 h +
/// 3 h + 30 s + 2,000 s = 16,430 s), then the writes since the enable drain
/// at 10 − 0.8 MB/s: 16,430 × 0.8 / 9.2 = 1,429 s. Destroyed, the 600 s
/// copied are lost: the copy restarts then (ends at 17,030 s) with the log
/// of the writes since the restart (12,830 s of them, 1,116 s of catch-up).
#[test]
fn a_paired_outage_during_seeding_pauses_or_restarts_the_copy() {
    for (destroys, expected) in [
        (false, 16_430.0 * (1.0 + 0.8 / 9.2)),
        (true, 17_030.0 + 12_830.0 * 0.8 / 9.2),
    ] {
        let o = if destroys {
            run_with(
                "19-paired-down-during-seeding",
                "duration = \"3h\"\n",
                "duration = \"3h\"\ndestroys_data = true\n",
            )
        } else {
            run("19-paired-down-during-seeding")
        };
        let paired = only(&o, IncidentClass::PairedRegion);
        let decision = if destroys {
            "seeding-restarted"
        } else {
            "seeding-paused"
        };
        assert_eq!(paired.decision, Some(decision));
        assert_eq!((paired.rto_ns, paired.lost_writes), (0, 0));
        let seeding = o.seeding_ns.expect("seeding completes") as f64 / 1e9;
        // The catch-up ends at a batch cut (5 s) after the last apply.
        assert!(
            (seeding - expected).abs() < 15.0,
            "destroys {destroys}: seeding {seeding} s, expected {expected} s"
        );
    }
}

/// Issue 11 part 1: a drill due while the paired region is down is refused
/// (reason `paired-region-down`): not an incident, and writes never stop.
#[test]
fn a_drill_into_a_dead_paired_region_is_refused() {
    let o = run_with(
        "18-paired-down-during-drill-stay",
        "at = \"1500m\"",
        "at = \"1380m\"",
    );
    assert!(of_class(&o, IncidentClass::Drill).is_empty());
    assert_eq!(o.refused.len(), 1);
    assert_eq!(
        (o.refused[0].operation, o.refused[0].reason),
        ("drill", "paired-region-down")
    );
    assert_eq!(
        only(&o, IncidentClass::PairedRegion).decision,
        Some("replication-paused")
    );
    assert_eq!(o.served_ns, o.horizon_ns);
}

/// Issue 12, provider-managed failover: the home region fails at day 1 for
/// 6 h, 2 h into a link partition. The provider fails over 1 h after the
/// outage began (the RTO's `decision` component), whatever the 2 h of
/// writes not shipped: RTO 1 h 10 min, the loss charged to the region.
#[test]
fn the_provider_fails_over_after_its_grace_whatever_the_loss() {
    let o = run("22-provider-managed-failover");
    let region = only(&o, IncidentClass::Region);
    assert_eq!(
        (region.decision, region.recovery),
        (Some("failover"), "dr-failover")
    );
    assert_eq!(region.rto_ns, HOUR + 10 * MIN);
    assert_eq!(
        (region.decision_ns, region.execution_ns, region.wait_ns),
        (HOUR, 10 * MIN, 0)
    );
    let shown = region.shown_loss_ns.expect("the loss is recorded");
    assert!((2 * HOUR..2 * HOUR + MIN).contains(&shown), "{region:?}");
    assert!(region.lost_writes > 1_000_000, "{region:?}");
    // The same outage under the customer's policy of at most 15 min of
    // loss waits for the region instead.
    let customer = run_with(
        "22-provider-managed-failover",
        "failover_by = \"provider\"\nprovider_grace = \"1h\"\nprovider_never_probability = 0.0\n",
        "operator_decision = \"30m\"\nmax_data_loss = \"15m\"\n",
    );
    let region = only(&customer, IncidentClass::Region);
    assert_eq!(region.decision, Some("wait-policy"));
    // The 30 s election after the region's return ends the interruption.
    assert_eq!((region.rto_ns, region.lost_writes), (6 * HOUR + 30 * S, 0));
}

/// The region returns 40 min into the 1 h grace: the provider's failover
/// is cancelled, nothing is lost, no switch back follows (the RTO is the
/// outage and the 30 s election after it).
#[test]
fn a_region_back_before_the_grace_cancels_the_provider_failover() {
    let o = run_with(
        "22-provider-managed-failover",
        "duration = \"6h\"",
        "duration = \"40m\"",
    );
    let region = only(&o, IncidentClass::Region);
    assert_eq!(region.decision, Some("region-returned-first"));
    assert_eq!(region.recovery, "region-repair");
    assert_eq!(
        (region.rto_ns, region.decision_ns, region.execution_ns),
        (40 * MIN + 30 * S, 40 * MIN, 30 * S)
    );
    assert_eq!(region.lost_writes, 0);
    assert!(of_class(&o, IncidentClass::Failback).is_empty());
}

/// With probability 1 that the provider never fails over, the environment
/// waits the 6 h outage out (a `wait`, not a decision) and the 30 s
/// election after it, losing nothing.
#[test]
fn a_provider_that_never_fails_over_waits_the_outage_out() {
    let o = run_with(
        "22-provider-managed-failover",
        "provider_never_probability = 0.0",
        "provider_never_probability = 1.0",
    );
    let region = only(&o, IncidentClass::Region);
    assert_eq!(region.decision, Some("provider-waits"));
    assert_eq!(
        (region.rto_ns, region.wait_ns, region.execution_ns),
        (6 * HOUR + 30 * S, 6 * HOUR, 30 * S)
    );
    assert_eq!((region.decision_ns, region.lost_writes), (0, 0));
    assert!(of_class(&o, IncidentClass::Failback).is_empty());
}

/// A destroying outage of 30 min: the region returns empty before the
/// grace ends, and the paired region holds the only copy: the failover
/// starts at once (as on the customer path).
#[test]
fn a_destroyed_region_back_before_the_grace_fails_over_at_once() {
    let o = run_with(
        "22-provider-managed-failover",
        "duration = \"6h\"",
        "duration = \"30m\"\ndestroys_data = true",
    );
    let region = only(&o, IncidentClass::Region);
    assert_eq!(
        (region.decision, region.recovery),
        (Some("failover"), "dr-failover")
    );
    assert_eq!(region.rto_ns, 40 * MIN);
    assert!(region.lost_writes > 0);
}

/// The paired region is down (30 min to 2 h 30 min into the outage) when
/// the grace ends: the provider's failover waits for it, then executes.
#[test]
fn the_provider_failover_waits_for_a_paired_region_that_is_down() {
    let o = run_with(
        "22-provider-managed-failover",
        "[[incidents]]\nkind = \"region\"\n",
        "[[incidents]]\nkind = \"region\"\nregion = \"pair\"\nat = \"1470m\"\nduration = \"2h\"\n\n[[incidents]]\nkind = \"region\"\n",
    );
    let home = only(&o, IncidentClass::Region);
    assert_eq!(
        (home.decision, home.recovery),
        (Some("failover"), "dr-failover")
    );
    // The paired region's zones elect a leader (30 s) after its return,
    // then the 10 min failover executes.
    assert_eq!(home.rto_ns, 2 * HOUR + 40 * MIN + 30 * S);
    assert_eq!(home.decision_ns, HOUR);
    assert!(home.lost_writes > 0);
}

/// Only a region-wide outage triggers the provider: two zones of three
/// down for 6 h (writes stopped, the region up) get no failover.
#[test]
fn a_zone_quorum_loss_never_triggers_the_provider() {
    let o = run_with(
        "22-provider-managed-failover",
        "kind = \"region\"\nat = \"1d\"",
        "kind = \"zone\"\nzones = [\"az1\", \"az2\"]\nat = \"1d\"",
    );
    assert!(of_class(&o, IncidentClass::Region).is_empty());
    let zone = only(&o, IncidentClass::Zone);
    assert_eq!((zone.decision, zone.recovery), (None, "zone-failover"));
    assert_eq!(zone.rto_ns, 6 * HOUR + 30 * S);
    assert!(of_class(&o, IncidentClass::Failback).is_empty());
}

/// `dr.after_failover = "stay"`: after the emergency failover (30 min
/// decision, 10 min execution) the environment stays in the paired region
/// with no secondary copy: no switch back, the copy's time ends at the
/// failover. The paired region's destroying outage 1 h after the 72 h
/// backup then loses the hour since that backup and stops writes for its
/// 4 h, as the same outage of the home region does without DR.
#[test]
fn after_staying_in_the_paired_region_its_outage_costs_what_no_dr_costs() {
    let o = run("23-stay-after-failover");
    let home = only(&o, IncidentClass::Region);
    assert_eq!(
        (home.decision, home.recovery),
        (Some("failover"), "dr-failover")
    );
    assert_eq!(home.rto_ns, 40 * MIN);
    assert!(of_class(&o, IncidentClass::Failback).is_empty());
    assert_eq!(
        o.dr_active_ns,
        DAY + 40 * MIN,
        "no secondary copy after the failover"
    );
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(paired.decision, Some("serving-region-down"));
    assert_eq!(
        (paired.recovery, paired.rto_ns),
        // The 4 h outage, then its zones' 30 s election.
        ("backup-restore", 4 * HOUR + 30 * S)
    );
    // An hour of writes at 200/s: Poisson, within 5 standard deviations.
    let hour_of_writes = 200.0 * 3600.0;
    let tolerance = 5.0 * f64::sqrt(hour_of_writes);
    assert!(
        (paired.lost_writes as f64 - hour_of_writes).abs() < tolerance,
        "{paired:?}"
    );
    assert!((HOUR - S..=HOUR).contains(&paired.rpo_ns), "{paired:?}");

    // The same destroying outage in the home region of an environment
    // without DR: the same hour lost, writes stopped for the outage and
    // the election after it.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/overlaps/23-stay-after-failover.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let text = text
        .replacen("region = \"pair\"\nat = \"73h\"", "at = \"73h\"", 1)
        .replacen("enabled = true\n", "", 1);
    let sc = drsim::scenario::parse_str(&text, "no-dr.toml")
        .unwrap()
        .scenario;
    assert!(sc.dr.is_none());
    let no_dr = run_replication(&sc, 0);
    let destroyed = of_class(&no_dr, IncidentClass::Region)[1];
    assert_eq!(destroyed.recovery, "backup-restore");
    assert_eq!(destroyed.rto_ns, 4 * HOUR + 30 * S);
    assert!(
        (HOUR - S..=HOUR).contains(&destroyed.rpo_ns),
        "{destroyed:?}"
    );
    let gap = (destroyed.lost_writes as f64 - paired.lost_writes as f64).abs();
    assert!(gap < tolerance * 2f64.sqrt(), "{destroyed:?} vs {paired:?}");

    // Switching back instead (the default), the environment is home and
    // protected again by day 3: the paired outage only deletes the copy.
    let back = run_with("23-stay-after-failover", "after_failover = \"stay\"\n", "");
    let paired = only(&back, IncidentClass::PairedRegion);
    assert_eq!(paired.decision, Some("secondary-destroyed"));
    assert_eq!((paired.rto_ns, paired.lost_writes), (0, 0));
    assert_eq!(only(&back, IncidentClass::Failback).lost_writes, 0);
}

/// Re-protecting the environment where it now runs is not modelled: an
/// `enable` after staying is refused with its own reason.
#[test]
fn enable_after_staying_in_the_paired_region_is_refused() {
    let o = run_with(
        "23-stay-after-failover",
        "[[incidents]]\nkind = \"region\"\nregion",
        "[[operations]]\nkind = \"enable\"\nat = \"2d\"\n\n[[incidents]]\nkind = \"region\"\nregion",
    );
    assert_eq!(o.refused.len(), 1, "{:?}", o.refused);
    assert_eq!(
        (o.refused[0].operation, o.refused[0].reason),
        ("enable", "stayed-in-paired-region")
    );
}

/// Issue 11 part 1, symmetric regions: during a drill's stay in the paired
/// region, its leader zone `az1` (named `pair/az1`: both regions have an
/// `az1`) fails for 1 h at day 1 + 1 h. Writes stop exactly as at home: the
/// failure is declared at the third missed heartbeat (2 s after a failure
/// on a tick) and a new leader serves after the 30 s reroute; nothing is
/// lost (a majority quorum). Two zones failing take the quorum: writes stop
/// for the whole hour, then the 30 s election. (Before: the paired region's
/// zones never failed; the incident took the home region's `az1`, which
/// interrupted nothing: RTO 0.)
#[test]
fn a_paired_zone_failure_interrupts_the_environment_running_there() {
    let o = run("20-paired-zone-during-drill-stay");
    let zone = only(&o, IncidentClass::Zone);
    assert_eq!(zone.scope, "pair/az1");
    assert_eq!(zone.recovery, "zone-failover");
    assert_eq!((zone.rto_ns, zone.detection_ns), (32 * S, 2 * S));
    assert_eq!(zone.execution_ns, 30 * S);
    assert_eq!(zone.lost_writes, 0);
    let drill = only(&o, IncidentClass::Drill);
    let back = only(&o, IncidentClass::DrillReturn);
    assert_eq!(
        o.horizon_ns - o.served_ns,
        drill.rto_ns + zone.rto_ns + back.rto_ns
    );

    let o = run_with(
        "20-paired-zone-during-drill-stay",
        "zone = \"az1\"",
        "zones = [\"az1\", \"az2\"]",
    );
    let zone = only(&o, IncidentClass::Zone);
    assert_eq!(zone.scope, "pair/az1+az2");
    assert_eq!(zone.rto_ns, HOUR + 30 * S);
    assert_eq!(zone.lost_writes, 0);
}

/// Issue 11 part 1: while protected, two of the paired region's three
/// zones fail for 2 h at day 1: its quorum is lost and the log stops
/// shipping. The home region
/// fails an hour later: the loss shown is that hour (not seconds), and the
/// decision 30 min later waits for the paired quorum, which returns at
/// day 1 + 2 h plus the 30 s election; the 10 min failover follows. (Before:
/// the incident took the home region's zones and the log shipped on.)
#[test]
fn a_paired_quorum_loss_while_protected_stops_shipping() {
    let o = run("21-paired-quorum-lost-while-protected");
    let zone = only(&o, IncidentClass::Zone);
    assert_eq!(zone.scope, "pair/az1+az2");
    assert_eq!(zone.rto_ns, 0, "the environment ran at home: {zone:?}");
    let region = only(&o, IncidentClass::Region);
    let shown = region.shown_loss_ns.expect("an emergency shows its loss");
    assert!(shown > HOUR && shown < HOUR + MIN, "{region:?}");
    assert_eq!(region.decision, Some("failover"));
    assert_eq!(region.recovery, "dr-failover");
    assert_eq!(region.rto_ns, HOUR + 10 * MIN + 30 * S);
    assert!(region.rpo_ns > HOUR - MIN, "{region:?}");
    assert!(region.lost_writes > 700_000, "{region:?}");

    // The same home outage with the paired region whole: seconds of loss,
    // and the failover 40 min after the outage.
    let o = run_with(
        "21-paired-quorum-lost-while-protected",
        "region = \"pair\"\nzones = [\"az1\", \"az2\"]",
        "zones = [\"az1\"]\nregion = \"pair\"",
    );
    let region = only(&o, IncidentClass::Region);
    assert!(region.shown_loss_ns.unwrap() < MIN, "{region:?}");
    assert_eq!(region.rto_ns, 40 * MIN);
}

/// Issue 12, more than one secondary: the home region fails at day 1 while
/// the first secondary (the paired region) has been down since 23 h. Under
/// the priority rule the failover skips it and goes to the second
/// secondary, `third`: 30 min decision + 10 min failover (its zones are not
/// simulated: no election), and the loss is `third`'s window, one batch
/// interval at most (5 s batches, no apply delay). The paired region's
/// outage only paused its log, and its return changes nothing while the
/// environment runs in `third`.
#[test]
fn the_primary_failing_while_secondary_one_is_down_fails_over_to_secondary_two() {
    let o = run("24-two-secondaries");
    let home = only(&o, IncidentClass::Region);
    assert_eq!(
        (home.decision, home.recovery),
        (Some("failover"), "dr-failover")
    );
    assert_eq!(home.failover_target.as_deref(), Some("third"));
    assert_eq!(home.rto_ns, 40 * MIN);
    let shown = home.shown_loss_ns.unwrap();
    assert!(shown <= 5 * S + S / 100, "third's window: {shown} ns");
    assert_eq!(home.last_sync_ns, Some(DAY - shown));
    assert!(home.rpo_ns <= shown, "{home:?}");
    // 200 writes/s over at most 5 s.
    assert!(home.lost_writes <= 1_200, "{home:?}");
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(paired.decision, Some("replication-paused"));
    assert_eq!((paired.rto_ns, paired.downtime_ns), (0, 0));
    // Switched back after the home region's return (30 h) + 1 h.
    let failback = only(&o, IncidentClass::Failback);
    assert!(failback.start_ns > DAY + 7 * HOUR, "{failback:?}");
    assert_eq!(o.horizon_ns - o.served_ns, home.rto_ns + failback.rto_ns);
}

/// The same failures with the paired region as the only secondary (the
/// behaviour before `dr.targets`): the failover waits for the paired
/// region (back at 29 h), then its zones elect a leader (30 s) and the
/// failover executes: 5 h 10 min 30 s, and the loss is the paired
/// region's window: the hour since its outage began and the 5 s batch cut
/// at 23 h, not yet sent then.
#[test]
fn with_the_paired_region_alone_the_failover_waits_for_it() {
    let o = run_with(
        "24-two-secondaries",
        "targets = [\"pair\", \"third\"]\n",
        "",
    );
    let home = only(&o, IncidentClass::Region);
    assert_eq!(home.failover_target, None);
    assert_eq!(home.decision, Some("failover"));
    assert_eq!(home.rto_ns, 5 * HOUR + 10 * MIN + 30 * S);
    assert_eq!(home.shown_loss_ns, Some(HOUR + 5 * S));
}

/// Both secondaries down at the decision: the failover waits
/// (`wait-targets-down`) and starts when the first of them returns, here
/// `third` (down 23 h 30 – 1 d 2 h), ahead of the paired region (29 h).
#[test]
fn with_every_secondary_down_the_failover_waits_for_the_first_back() {
    let o = run_with(
        "24-two-secondaries",
        "[[incidents]]\nkind = \"region\"\nat = \"1d\"",
        "[[incidents]]\nkind = \"region\"\nregion = \"third\"\nat = \"1410m\"\nduration = \"150m\"\n\n[[incidents]]\nkind = \"region\"\nat = \"1d\"",
    );
    let home = o
        .incidents
        .iter()
        .find(|i| i.class == IncidentClass::Region && i.scope == "home")
        .unwrap();
    assert_eq!(home.failover_target.as_deref(), Some("third"));
    assert_eq!(home.rto_ns, 2 * HOUR + 10 * MIN);
    // Its window reaches back to its own outage (23 h 30), and the 5 s
    // batch cut then, not yet sent.
    assert_eq!(home.shown_loss_ns, Some(30 * MIN + 5 * S));
}

/// The least-lag rule, an exact small case. The paired link is partitioned
/// from 22 h to 23 h; the home region fails at 23 h 01. At 22 h the link
/// had shipped everything to 21:59:55 (the batch cut at 22 h was not yet
/// sent); from 23 h it ships 12.5 s of writes per second (10 MB/s over
/// 0.8 MB/s), 750 s by 23:01, up to 22:12:25, whose batch is still on its
/// way (4.25 ms propagation): the last batch arrived ends at 22:12:20, and
/// the paired window is 23:01:00 − 22:12:20 = 2920 s (no apply delay).
/// `third`'s link kept up: at most one batch interval. The priority rule
/// takes the paired region and its 2920 s; least-lag takes `third`.
#[test]
fn least_lag_picks_the_smaller_loss_window() {
    let partition = "[[incidents]]\nkind = \"link\"\nat = \"22h\"\nduration = \"1h\"\n\n[[incidents]]\nkind = \"region\"\nat = \"1381m\"";
    let scenario = |choice: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios/overlaps/24-two-secondaries.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let pair_down = "[[incidents]]\nkind = \"region\"\nregion = \"pair\"\nat = \"23h\"\nduration = \"6h\"\n\n";
        let home_down = "[[incidents]]\nkind = \"region\"\nat = \"1d\"";
        assert!(text.contains(pair_down) && text.contains(home_down));
        let text = text
            .replacen(pair_down, "", 1)
            .replacen(home_down, partition, 1)
            .replacen("target_choice = \"priority\"", choice, 1);
        let sc = drsim::scenario::parse_str(&text, "variant.toml")
            .unwrap()
            .scenario;
        run_replication(&sc, 0)
    };
    let home_of = |o: &ReplicationOutcome| only(o, IncidentClass::Region).clone();
    let by_priority = home_of(&scenario("target_choice = \"priority\""));
    assert_eq!(by_priority.failover_target.as_deref(), Some("pair"));
    let window = by_priority.shown_loss_ns.unwrap() as f64 / 1e9;
    assert!((window - 2920.0).abs() < 1e-3, "paired window {window} s");
    let by_lag = home_of(&scenario("target_choice = \"least-lag\""));
    assert_eq!(by_lag.failover_target.as_deref(), Some("third"));
    assert!(by_lag.shown_loss_ns.unwrap() <= 5 * S + S / 100);
    assert!(by_lag.lost_writes * 100 < by_priority.lost_writes);
    // Same failures, the same start of the emergency.
    assert_eq!(by_lag.start_ns, by_priority.start_ns);
}

/// A target whose link is partitioned at the decision is skipped: the
/// paired link is cut from 23 h 50 to 2 d, the home region fails at 1 d,
/// the paired region is up: priority still goes to `third`.
#[test]
fn a_partitioned_target_is_skipped() {
    let o = run_with(
        "24-two-secondaries",
        "kind = \"region\"\nregion = \"pair\"\nat = \"23h\"\nduration = \"6h\"",
        "kind = \"link\"\nat = \"1430m\"\nduration = \"1d\"",
    );
    let home = only(&o, IncidentClass::Region);
    assert_eq!(home.failover_target.as_deref(), Some("third"));
    assert_eq!(home.rto_ns, 40 * MIN);
}

/// Runs an overlap scenario after replacing each `from` by its `to`.
fn run_with_all(case: &str, edits: &[(&str, &str)]) -> ReplicationOutcome {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/overlaps")
        .join(format!("{case}.toml"));
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{case} lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    let sc = drsim::scenario::parse_str(&text, "variant.toml")
        .unwrap_or_else(|e| panic!("{case}: {e}"))
        .scenario;
    run_replication(&sc, 0)
}

/// The paired region's outage at day 2 in case 25.
const PAIRED_AT_DAY_2: &str =
    "[[incidents]]\nkind = \"region\"\nregion = \"pair\"\nat = \"2d\"\nduration = \"4h\"\n";

/// `dr.after_failover = "reprotect"`: after the emergency failover (30 min
/// decision, 10 min execution, at 24 h 40 min) the environment runs in the
/// paired region; the 20 GB re-copy starts after its 1 h set-up but only
/// moves once the home region is back (30 h) with its leader (30 s): done
/// 2,000 s later, and the log of the writes made meanwhile catches up.
/// From then the home region holds the copy and the log ships the other way, so the paired region's outage at day 2 is an
/// emergency like a home outage while protected: the operator fails over
/// back home after 30 min (10 min), losing only the reverse link's lag (at
/// most one 5 s batch, its 0.4 s sending and the propagation). The home
/// region, the environment's primary again, is then seeded afresh
/// (unprotected until that copy and its catch-up are done).
#[test]
fn after_the_recopy_a_failover_back_home_loses_only_the_reverse_lag() {
    let o = run("25-reprotect-after-failover");
    let home = only(&o, IncidentClass::Region);
    assert_eq!(
        (home.decision, home.recovery, home.rto_ns),
        (Some("failover"), "dr-failover", 40 * MIN)
    );
    assert!(of_class(&o, IncidentClass::Failback).is_empty());
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(paired.scope, "pair");
    assert_eq!(
        (paired.decision, paired.recovery, paired.rto_ns),
        (Some("failover"), "dr-failover", 40 * MIN)
    );
    let shown = paired.shown_loss_ns.expect("the emergency shows its loss");
    assert!(shown > 0 && shown <= 5_500_000_000, "{paired:?}");
    assert!(paired.rpo_ns <= shown, "{paired:?}");
    // At most 5.5 s of writes at 200/s.
    assert!(
        paired.lost_writes > 0 && paired.lost_writes <= 1_300,
        "{paired:?}"
    );
    // Unprotected: the re-copy, then the seeding after the failover back
    // (set-up to 49 h 40 min, copy once the paired region is back at 52 h
    // with its leader, 2,000 s, then the catch-up of the log since 48 h 40).
    let recopy = 30 * HOUR + 30 * S + 2_000 * S - (24 * HOUR + 40 * MIN);
    let reseed = 52 * HOUR + 30 * S + 2_000 * S - (48 * HOUR + 40 * MIN);
    assert!(
        (recopy + reseed..recopy + reseed + HOUR).contains(&o.unprotected_ns),
        "{} s",
        o.unprotected_ns / S
    );

    // Back home and protected again: the next home outage is an emergency
    // failover to the paired region once more.
    let again = run_with_all(
        "25-reprotect-after-failover",
        &[(
            PAIRED_AT_DAY_2,
            &format!("{PAIRED_AT_DAY_2}\n[[incidents]]\nkind = \"region\"\nat = \"4d\"\nduration = \"6h\"\n"),
        )],
    );
    let homes = of_class(&again, IncidentClass::Region);
    assert_eq!(homes.len(), 2);
    assert_eq!(
        (homes[1].decision, homes[1].recovery, homes[1].rto_ns),
        (Some("failover"), "dr-failover", 40 * MIN)
    );
    assert!(homes[1].shown_loss_ns.unwrap() <= 5_500_000_000);

    // Staying instead, the same outage of the paired region stops writes
    // for its 4 h and the election.
    let stay = run_with(
        "25-reprotect-after-failover",
        "after_failover = \"reprotect\"\n",
        "after_failover = \"stay\"\n",
    );
    let paired = only(&stay, IncidentClass::PairedRegion);
    assert_eq!(
        (paired.decision, paired.rto_ns),
        (Some("serving-region-down"), 4 * HOUR + 30 * S)
    );
}

/// On a quiet link the re-copy takes its set-up plus `data_size` over the
/// link's rate, exactly: the home region is back (25 h, leader at 25 h
/// 30 s) before the 1 h set-up ends (25 h 40 min), so the copy runs at
/// 10 MB/s from then, 2,000 s. Then the log of the 2,000 s of writes made
/// during the copy (1.6 GB) drains at 10 − 0.8 MB/s: 174 s, plus at most
/// a batch; protected (in reverse) from then. A partition of the link for
/// 10 min during the copy delays it by as much.
#[test]
fn the_recopy_takes_its_setup_and_data_size_over_the_link_rate() {
    let short = (
        "at = \"1d\"\nduration = \"6h\"",
        "at = \"1d\"\nduration = \"1h\"",
    );
    let traced = |edits: &[(&str, &str)]| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios/overlaps/25-reprotect-after-failover.toml");
        let mut text = std::fs::read_to_string(path).unwrap();
        for (from, to) in edits {
            assert!(text.contains(from), "lacks {from:?}");
            text = text.replacen(from, to, 1);
        }
        let sc = drsim::scenario::parse_str(&text, "variant.toml")
            .unwrap()
            .scenario;
        let (o, trace) = drsim::model::Replication::new(&sc, 0).traced().run_traced();
        let at = |kind: &str| {
            trace
                .iter()
                .find(|e| e.kind == kind)
                .unwrap_or_else(|| panic!("no {kind}"))
                .t_ns
        };
        let failover = at("failover-done");
        (
            o,
            at("recopy-copy-done") - failover,
            at("recopy-caught-up") - failover,
        )
    };
    let (o, copied, caught_up) = traced(&[short, (PAIRED_AT_DAY_2, "")]);
    assert_eq!(only(&o, IncidentClass::Region).decision, Some("failover"));
    assert_eq!(copied, HOUR + 2_000 * S);
    let catch_up = caught_up - copied;
    assert!((173 * S..180 * S).contains(&catch_up), "{catch_up}");
    assert_eq!(
        o.unprotected_ns, caught_up,
        "unprotected from the failover to the catch-up"
    );
    let (_, cut_copied, _) = traced(&[
        short,
        (
            PAIRED_AT_DAY_2,
            "[[incidents]]\nkind = \"link\"\nat = \"26h\"\nduration = \"10m\"\n",
        ),
    ]);
    assert_eq!(cut_copied, HOUR + 2_000 * S + 10 * MIN);
}

/// A second outage during the re-copy, of the paired region where the
/// environment now runs unprotected, costs what the same outage costs an
/// environment without DR in its home region: writes stop for its 4 h and
/// the election; destroying, the backup of 28 h is restored and the 2 h
/// 10 min since are lost. The re-copy then starts over from the restored
/// data once the region is back with its leader (34 h 10 min 30 s), and
/// its catch-up follows.
#[test]
fn a_second_outage_during_the_recopy_costs_what_no_dr_costs() {
    let o = run_with_all(
        "25-reprotect-after-failover",
        &[(
            PAIRED_AT_DAY_2,
            "[[incidents]]\nkind = \"region\"\nregion = \"pair\"\nat = \"1810m\"\nduration = \"4h\"\ndestroys_data = true\n",
        )],
    );
    let paired = only(&o, IncidentClass::PairedRegion);
    assert_eq!(paired.decision, Some("serving-region-down"));
    assert_eq!(
        (paired.recovery, paired.rto_ns),
        ("backup-restore", 4 * HOUR + 30 * S)
    );
    let lost_s = 2 * HOUR + 10 * MIN;
    assert!((lost_s - S..=lost_s).contains(&paired.rpo_ns), "{paired:?}");
    // The copy restarted, then its catch-up (the writes since 34 h 10 min).
    let copied = 34 * HOUR + 10 * MIN + 30 * S + 2_000 * S - (24 * HOUR + 40 * MIN);
    let catch_up = o.unprotected_ns - copied;
    assert!((173 * S..185 * S).contains(&catch_up), "{catch_up}");

    // The same destroying outage of the home region without DR.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios/overlaps/25-reprotect-after-failover.toml");
    let text = std::fs::read_to_string(path).unwrap().replacen(
        PAIRED_AT_DAY_2,
        "[[incidents]]\nkind = \"region\"\nat = \"1810m\"\nduration = \"4h\"\ndestroys_data = true\n",
        1,
    );
    // Writes are served throughout before it, as in the paired region.
    let text = text.replacen("enabled = true\n", "", 1).replacen(
        "[[incidents]]\nkind = \"region\"\nat = \"1d\"\nduration = \"6h\"\n",
        "",
        1,
    );
    let sc = drsim::scenario::parse_str(&text, "no-dr.toml")
        .unwrap()
        .scenario;
    assert!(sc.dr.is_none());
    let no_dr = run_replication(&sc, 0);
    let destroyed = only(&no_dr, IncidentClass::Region);
    assert_eq!(
        (destroyed.recovery, destroyed.rto_ns),
        ("backup-restore", 4 * HOUR + 30 * S)
    );
    assert!((lost_s - S..=lost_s).contains(&destroyed.rpo_ns));
    let writes = 200.0 * lost_s as f64 / S as f64;
    let tolerance = 5.0 * (2.0 * writes).sqrt();
    let gap = (destroyed.lost_writes as f64 - paired.lost_writes as f64).abs();
    assert!(gap < tolerance, "{destroyed:?} vs {paired:?}");
}
