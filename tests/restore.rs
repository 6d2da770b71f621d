//! Restores without DR: a destroyed region is rebuilt from its in-region
//! backup at `environment.restore_bandwidth`, and a disaster may take those
//! backups too (`backup_loss_probability`, `destroys_backups`): the data is
//! then lost entirely, and counted as such.

use drsim::incident::{Incident, IncidentClass};
use drsim::runner::run_replication;
use drsim::scenario::{parse_str, Scenario, ScenarioError};

const H: u64 = 3_600_000_000_000;
const S: u64 = 1_000_000_000;

/// A production environment of 720 GB in a three-zone region without DR,
/// 100 writes/s, backups every day, a constant 10 s election, then `extra`.
fn text(environment: &str, extra: &str) -> String {
    format!(
        r#"name = "restore"
[simulation]
seed = 5
runs = 1
horizon = "200h"

[[regions]]
name = "r1"
zones = ["az1", "az2", "az3"]

[environment]
name = "env"
type = "production"
region = "r1"
data_size = "720GB"
backup_interval = "1d"
{environment}

[workload]
write_rate = "100/s"
write_size = "1KB"

[failover]
reroute = "10s"

{extra}
"#
    )
}

fn scenario(t: &str) -> Scenario {
    match parse_str(t, "restore.toml") {
        Ok(l) => l.scenario,
        Err(e) => panic!("{e}"),
    }
}

fn region(at: &str, duration: &str, destroys: &str) -> String {
    format!(
        "[[incidents]]\nkind = \"region\"\nat = \"{at}\"\nduration = \"{duration}\"\n{destroys}\n"
    )
}

fn first_region(incidents: &[Incident]) -> &Incident {
    incidents
        .iter()
        .find(|i| i.class == IncidentClass::Region)
        .expect("a region incident")
}

/// The region is destroyed at 30 h and back at 31 h. Without a restore
/// bandwidth writes resume after the election (10 s); at 100 MB/s the
/// 720 GB backup takes 2 h more, the RTO's `restore` component (after 1 h
/// of `wait` for the region; the election runs during the restore), and
/// the writes since the last daily backup (6 h) are lost either way.
#[test]
fn a_restore_takes_data_size_over_the_restore_bandwidth() {
    let outage = region("30h", "1h", "destroys_data = true");
    let instant = run_replication(&scenario(&text("", &outage)), 0);
    let inc = first_region(&instant.incidents);
    assert_eq!(inc.interruption_end_ns, Some(31 * H + 10 * S));
    assert_eq!(inc.recovery, "backup-restore");

    let slow = scenario(&text("restore_bandwidth = \"100MB/s\"", &outage));
    let out = run_replication(&slow, 0);
    let inc = first_region(&out.incidents);
    assert_eq!(inc.interruption_end_ns, Some(33 * H));
    assert_eq!(inc.recovery, "backup-restore");
    assert_eq!((inc.wait_ns, inc.restore_ns), (H, 2 * H), "{inc:?}");
    assert_eq!(inc.execution_ns + inc.detection_ns + inc.decision_ns, 0);
    assert!(!inc.total_loss);
    // 6 h of writes at 100/s since the backup at 24 h: 2,160,000 ± 5σ.
    let lost = inc.lost_writes as f64;
    assert!((lost - 2_160_000.0).abs() < 5.0 * 1470.0, "{lost}");
}

/// A second region outage during the restore voids it: at 31 h the
/// restore starts, at 32 h the region fails again for 1 h, and the whole
/// 2 h restore runs again from 33 h: writes resume at 35 h.
#[test]
fn an_outage_during_the_restore_starts_it_over() {
    let outages = format!(
        "{}{}",
        region("30h", "1h", "destroys_data = true"),
        region("32h", "1h", "")
    );
    let sc = scenario(&text("restore_bandwidth = \"100MB/s\"", &outages));
    let out = run_replication(&sc, 0);
    let served_again = out
        .incidents
        .iter()
        .filter_map(|i| i.interruption_end_ns)
        .max();
    assert_eq!(served_again, Some(35 * H));
    assert_eq!(out.served_ns, 200 * H - 5 * H);
}

/// `destroys_backups`: the data is lost entirely. Every write since the
/// start is lost (30 h at 100/s), the RPO reaches back to the first write,
/// nothing is restored (writes resume after the election), and the
/// summary counts one total loss.
#[test]
fn destroyed_backups_lose_everything_and_are_counted() {
    let outage = region("30h", "1h", "destroys_data = true\ndestroys_backups = true");
    let sc = scenario(&text("restore_bandwidth = \"100MB/s\"", &outage));
    let out = run_replication(&sc, 0);
    let inc = first_region(&out.incidents);
    assert!(inc.total_loss, "{inc:?}");
    assert_eq!(inc.recovery, "data-lost");
    assert_eq!(inc.interruption_end_ns, Some(31 * H + 10 * S));
    let lost = inc.lost_writes as f64;
    assert!((lost - 10_800_000.0).abs() < 5.0 * 3290.0, "{lost}");
    assert!(inc.rpo_ns > 30 * H - S, "{}", inc.rpo_ns);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let summary = drsim::runner::run(&sc, &Default::default(), &mut [], &stop).unwrap();
    assert_eq!(summary.classes["region"].total_losses, 1);
    let report = drsim::report::table::render(&summary);
    assert!(
        report.contains("1 lost the environment's data entirely"),
        "{report}"
    );
}

/// `backup_loss_probability` p: among outages that destroy the data, a
/// share p also destroys the backups (one destroying outage per
/// replication, 4,000 replications: within 4.5 binomial standard errors).
#[test]
fn backups_are_lost_with_the_given_probability() {
    let failures = r#"[failures.regions]
time_between = { dist = "exponential", mean = "100h" }
duration = "1h"
destroy_probability = 1.0
backup_loss_probability = 0.3
conditioned = true
"#;
    let mut sc = scenario(&text("", failures));
    sc.simulation.runs = 4000;
    let (mut total, mut destroyed) = (0u32, 0u32);
    for r in 0..sc.simulation.runs {
        for i in run_replication(&sc, r).incidents {
            if i.class == IncidentClass::Region && i.end_ns.is_some() {
                destroyed += 1;
                total += u32::from(i.total_loss);
            }
        }
    }
    let n = f64::from(destroyed);
    let share = f64::from(total) / n;
    let se = (0.3 * 0.7 / n).sqrt();
    assert!(destroyed > 3000, "{destroyed}");
    assert!((share - 0.3).abs() < 4.5 * se, "{share}");
}

/// Bad values name their key.
#[test]
fn the_new_keys_are_validated() {
    let errors = |t: &str| match parse_str(t, "bad.toml") {
        Err(e @ ScenarioError::Invalid(_)) => e.to_string(),
        other => panic!("accepted: {:?}", other.is_ok()),
    };
    let e = errors(&text("restore_bandwidth = \"0MB/s\"", ""));
    assert!(e.contains("key: environment.restore_bandwidth"), "{e}");
    let e = errors(&text("", &region("30h", "1h", "destroys_backups = true")));
    assert!(
        e.contains("key: incidents[0].destroys_backups") && e.contains("destroys_data = true"),
        "{e}"
    );
    let e = errors(&text(
        "",
        "[failures.regions]\ntime_between = \"100h\"\nduration = \"1h\"\nbackup_loss_probability = 1.5\n",
    ));
    assert!(
        e.contains("key: failures.regions.backup_loss_probability") && e.contains("[0, 1]"),
        "{e}"
    );
}
