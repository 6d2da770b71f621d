//! The one-screen terminal report.

use crate::metrics::{Quantiles, Summary};
use crate::time::format_seconds;
use crate::units::format_bytes;
use std::collections::BTreeMap;
use std::fmt::Write;

fn q3(q: &Quantiles) -> [String; 3] {
    [
        format_seconds(q.p50),
        format_seconds(q.p99),
        format_seconds(q.max),
    ]
}

fn percent(x: f64) -> String {
    format!("{:.5}%", x * 100.0)
}

/// Renders the summary as plain text (no colours: it is also pasted into tickets).
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    render_header(&mut out, s);
    let _ = writeln!(out);
    render_classes(&mut out, s);
    let _ = writeln!(out);
    render_availability(&mut out, s);
    // One line per figure that applies to the scenario (latency, lag, DR, ...).
    render_replication(&mut out, s);
    render_dr(&mut out, s);
    render_storage(&mut out, s);
    render_services(&mut out, s);
    render_targets(&mut out, s);
    out
}

/// What was run: enough to find the results again and to tell a partial run.
fn render_header(out: &mut String, s: &Summary) {
    let _ = writeln!(
        out,
        "drsim {} · {} · hash {} · seed {} · {} runs × {}{}",
        s.drsim_version,
        s.scenario,
        &s.scenario_hash[..8.min(s.scenario_hash.len())],
        s.seed,
        s.runs,
        format_seconds(s.horizon_s),
        if s.partial {
            format!(" · PARTIAL ({} of {} requested)", s.runs, s.requested_runs)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out, "{}", s.architecture);
}

/// Availability and downtime per run, with the downtime charged to each class.
fn render_availability(out: &mut String, s: &Summary) {
    let (Some(availability), Some(downtime), Some(incidents)) =
        (&s.availability, &s.downtime_s, &s.incidents_per_run)
    else {
        let _ = writeln!(out, "availability   undefined: no replication finished");
        return;
    };
    let ci = availability
        .ci95
        .map(|[lo, hi]| format!(" (95% CI {} – {})", percent(lo), percent(hi)))
        .unwrap_or_default();
    let _ = writeln!(out, "availability   {}{}", percent(availability.mean), ci);
    if let (Some(reads), Some(read_down)) = (&s.read_availability, &s.read_downtime_s) {
        let ci = reads
            .ci95
            .map(|[lo, hi]| format!(" (95% CI {} – {})", percent(lo), percent(hi)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  of reads     {}{} · {} without reads/run mean",
            percent(reads.mean),
            ci,
            format_seconds(read_down.mean)
        );
    }
    let by_class: Vec<String> = s
        .classes
        .iter()
        .filter(|(_, c)| c.downtime_s_per_run > 0.0)
        .map(|(k, c)| format!("{k} {}", format_seconds(c.downtime_s_per_run)))
        .collect();
    let _ = writeln!(
        out,
        "downtime/run   {} mean · incidents/run {:.2} mean",
        format_seconds(downtime.mean),
        incidents.mean
    );
    // With one class the split would only repeat the total.
    if by_class.len() > 1 {
        let _ = writeln!(out, "  charged to   {}", by_class.join(" · "));
    }
}

/// The per-class table: RPO over every incident (a loss is a loss), RTO over
/// the disruptive incidents (over all of them the p50 of a zone class is 0
/// and says nothing); `summary.json` has both bases.
fn render_classes(out: &mut String, s: &Summary) {
    let _ = writeln!(
        out,
        "{:<12} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12}",
        "class",
        "incidents",
        "disruptive",
        "RPO p50",
        "RPO p99",
        "RPO max",
        "RTO* p50",
        "RTO* p99",
        "RTO* max",
        "lost writes"
    );
    for (name, c) in &s.classes {
        let [rp50, rp99, rmax] = q3(&c.rpo_s);
        let [tp50, tp99, tmax] = if c.disruptive == 0 {
            ["-", "-", "-"].map(String::from)
        } else {
            q3(&c.disruptive_rto_s)
        };
        let _ = writeln!(
            out,
            "{:<12} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12}",
            name, c.incidents, c.disruptive, rp50, rp99, rmax, tp50, tp99, tmax, c.lost_writes
        );
        if c.lost_bytes > 0 {
            let _ = writeln!(
                out,
                "{:<12} {} incidents lost data, {} in all",
                "",
                c.with_loss,
                format_bytes(c.lost_bytes as f64)
            );
        }
        if c.total_losses > 0 {
            let _ = writeln!(
                out,
                "{:<12} {} lost the environment's data entirely (region and its backups destroyed)",
                "", c.total_losses
            );
        }
    }
    if s.classes.is_empty() {
        let _ = writeln!(out, "(no incidents in any replication)");
    } else {
        let _ = writeln!(
            out,
            "* RTO over the disruptive incidents: those that stopped writes or began while they were stopped"
        );
    }
}

/// Commit latency, replication lag and seeding: what the replication costs
/// while nothing fails.
fn render_replication(out: &mut String, s: &Summary) {
    if s.commit_latency_s.count > 0 {
        let _ = writeln!(
            out,
            "commit latency p50 {} · p99 {} · max {}",
            format_seconds(s.commit_latency_s.p50),
            format_seconds(s.commit_latency_s.p99),
            format_seconds(s.commit_latency_s.max)
        );
    }
    if let Some(lag) = &s.replication_lag_s {
        let _ = writeln!(
            out,
            "replication lag p50 {} · p99 {} · max {} (time-weighted){}",
            format_seconds(lag.p50),
            format_seconds(lag.p99),
            format_seconds(lag.max),
            s.lag_at_horizon_s
                .as_ref()
                .map(|l| format!(" · at horizon {} mean", format_seconds(l.mean)))
                .unwrap_or_default()
        );
    }
    if let Some(seed) = &s.seeding_s {
        let _ = writeln!(
            out,
            "initial seeding p50 {} · max {}",
            format_seconds(seed.p50),
            format_seconds(seed.max)
        );
    }
}

/// The DR lifecycle: failover decisions, data at risk, resyncs and refusals.
fn render_dr(out: &mut String, s: &Summary) {
    if !s.emergency.decisions.is_empty() {
        let decisions: Vec<String> = s
            .emergency
            .decisions
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(out, "DR decisions   {}", decisions.join(" · "));
    }
    if let Some(w) = &s.emergency.loss_window_s {
        let _ = writeln!(
            out,
            "loss window at region failure (last sync → writes stopped) p50 {} · p99 {} · max {}",
            format_seconds(w.p50),
            format_seconds(w.p99),
            format_seconds(w.max)
        );
    }
    if let Some(c) = &s.link_catch_up_s {
        let _ = writeln!(
            out,
            "link backlog drained after p50 {} · max {}",
            format_seconds(c.p50),
            format_seconds(c.max)
        );
    }
    if let Some(m) = &s.multi_writer {
        let _ = writeln!(out, "{}", crate::report::multi_writer_line(m));
    }
    if let Some(c) = &s.conditioning {
        let _ = writeln!(
            out,
            "CONDITIONED: one region outage per replication; at {:.3} outages/year: {:.0} lost writes/year, {} region downtime/year",
            c.region_outages_per_year,
            c.lost_writes_per_year,
            format_seconds(c.region_downtime_s_per_year)
        );
    }
    let resync: Vec<String> = s
        .classes
        .iter()
        .filter_map(|(k, c)| c.resync_s.as_ref().map(|r| (k, r)))
        .map(|(k, r)| {
            format!(
                "{k} mean {} · p99 {} · max {}",
                format_seconds(r.mean),
                format_seconds(r.p99),
                format_seconds(r.max)
            )
        })
        .collect();
    if !resync.is_empty() {
        let _ = writeln!(out, "resync back    {}", resync.join(" · "));
    }
    if s.refused_operations > 0 {
        let _ = writeln!(
            out,
            "refused operations  {}",
            refused(s.refused_operations, &s.refused)
        );
    }
}

fn render_storage(out: &mut String, s: &Summary) {
    let secondary: f64 = s
        .capacity
        .storage
        .iter()
        .map(|x| x.secondary_gb_months)
        .sum();
    let primary: f64 = s.capacity.storage.iter().map(|x| x.primary_gb_months).sum();
    let _ = writeln!(
        out,
        "storage        {primary:.0} GB-months primary + {secondary:.0} GB-months paired region per run{}",
        s.capacity
            .cost_per_run
            .map(|c| format!(" · cost {c:.2} per run"))
            .unwrap_or_default()
    );
}

fn render_services(out: &mut String, s: &Summary) {
    if !s.services.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<40} {:<26} {:>12}  downtime per run",
            "service", "DR behaviour", "availability"
        );
        for svc in &s.services {
            let per_class: Vec<String> = svc
                .downtime_s_per_run
                .iter()
                .filter(|(_, v)| **v > 0.0)
                .map(|(k, v)| format!("{k} {}", format_seconds(*v)))
                .collect();
            let _ = writeln!(
                out,
                "{:<40} {:<26} {:>12}  {}",
                svc.name,
                svc.behaviour.name(),
                svc.availability.map_or_else(|| "—".to_string(), percent),
                per_class.join(" · ")
            );
        }
    }
}

/// Each target with the incidents it is judged over: `7,791 disruptive
/// incidents`, or `20,273 incidents (all)` for `basis = "all"`.
fn render_targets(out: &mut String, s: &Summary) {
    if s.targets.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "targets");
    let width = s.targets.iter().map(|t| t.class.len()).max().unwrap_or(0);
    for t in &s.targets {
        let judged = if t.basis == "all" {
            format!("{} incidents (all)", thousands(t.incidents))
        } else {
            format!("{} {} incidents", thousands(t.incidents), t.basis)
        };
        let _ = writeln!(
            out,
            "  {:<width$} {} ≤ {:<8} for {:>5.1}% of {judged}: met by {:>7.3}% (p{} observed {:<8}) {}",
            t.class,
            t.metric.to_uppercase(),
            format_seconds(t.target_s),
            t.quantile * 100.0,
            t.share_met * 100.0,
            trim_quantile(t.quantile),
            t.observed_s.map_or("-".into(), format_seconds),
            t.verdict()
        );
    }
}

/// `9 · drill 7 (seeding 5, region-down 2) · disable 2 (failed-over 2)`:
/// the total, then per operation its reasons, most frequent first.
fn refused(total: u64, by_operation: &BTreeMap<String, BTreeMap<String, u64>>) -> String {
    let mut parts = vec![total.to_string()];
    for (operation, reasons) in by_operation {
        let mut reasons: Vec<(&String, &u64)> = reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let n: u64 = reasons.iter().map(|(_, n)| **n).sum();
        let listed: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
        parts.push(format!("{operation} {n} ({})", listed.join(", ")));
    }
    parts.join(" · ")
}

/// `20273` → `20,273`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn trim_quantile(q: f64) -> String {
    let s = format!("{}", q * 100.0);
    s.trim_end_matches(".0").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{IncidentClass, Metric};
    use crate::metrics::tests::{mixed_outcomes, scenario, summarise, S};
    use crate::scenario::{ServiceBehaviour, Target, TargetBasis};
    use crate::time::SimDuration;

    /// A target of a class that never happened is met only vacuously: the
    /// verdict says there was nothing to judge rather than MET.
    #[test]
    fn a_target_with_no_incident_says_so() {
        let sc = scenario(
            vec![Target {
                class: IncidentClass::Link,
                metric: Metric::Rto,
                value: SimDuration(10 * S),
                quantile: 0.9,
                basis: TargetBasis::Disruptive,
            }],
            &[],
        );
        let summary = summarise(&sc, &mixed_outcomes(&sc));
        assert!(summary.targets[0].met && summary.targets[0].incidents == 0);
        let text = render(&summary);
        assert!(
            text.lines().any(|l| l
                == "  link RTO ≤ 10.00s   for  90.0% of 0 disruptive incidents: met by 100.000% (p90 observed -       ) NO INCIDENT"),
            "{text}"
        );
    }

    /// The lines that carry the incident accounting, for a hand-made pair of
    /// replications: RTO columns over the disruptive incidents, downtime per
    /// class, resync back, refused operations by reason, target basis.
    #[test]
    fn report_shows_the_disruptive_accounting() {
        let target = |metric, basis| Target {
            class: IncidentClass::Zone,
            metric,
            value: SimDuration(10 * S),
            quantile: 0.5,
            basis,
        };
        let sc = scenario(
            vec![
                target(Metric::Rto, TargetBasis::Disruptive),
                target(Metric::Rpo, TargetBasis::All),
            ],
            &[ServiceBehaviour::FailsOver, ServiceBehaviour::NotSupported],
        );
        let text = render(&summarise(&sc, &mixed_outcomes(&sc)));
        let lines: Vec<&str> = text.lines().collect();
        let at = lines.iter().position(|l| l.starts_with("class")).unwrap();
        assert_eq!(
            lines[at..at + 5],
            [
                "class        incidents disruptive   RPO p50   RPO p99   RPO max  RTO* p50  RTO* p99  RTO* max  lost writes",
                "drill-return         1          1         0         0         0    15.01s    15.01s    15.01s            0",
                "region               1          1         0         0         0    1m 10s    1m 10s    1m 10s            0",
                "zone                 3          2         0         0         0     5.00s    20.02s    20.02s            0",
                "* RTO over the disruptive incidents: those that stopped writes or began while they were stopped",
            ]
        );
        for expected in [
            "downtime/run   55.00s mean · incidents/run 2.50 mean",
            "  charged to   drill-return 7.50s · region 35.00s · zone 12.50s",
            "resync back    drill-return mean 1m 17s · p99 1m 17s · max 1m 17s",
            "refused operations  1 · drill 1 (seeding 1)",
            "  zone RTO ≤ 10.00s   for  50.0% of 2 disruptive incidents: met by  50.000% (p50 observed 5.00s   ) MET",
            "  zone RPO ≤ 10.00s   for  50.0% of 3 incidents (all): met by 100.000% (p50 observed 0       ) MET",
        ] {
            assert!(lines.contains(&expected), "{expected:?} not in:\n{text}");
        }
        let svc = lines
            .iter()
            .find(|l| l.starts_with("not-supported"))
            .unwrap();
        assert!(
            svc.ends_with("drill-return 7.50s · region 50.00s · zone 12.50s"),
            "{svc}"
        );
    }

    #[test]
    fn refused_lists_reasons_most_frequent_first() {
        let by = BTreeMap::from([
            (
                "drill".to_string(),
                BTreeMap::from([("region-down".to_string(), 4), ("seeding".to_string(), 5)]),
            ),
            (
                "disable".to_string(),
                BTreeMap::from([("failed-over".to_string(), 2)]),
            ),
        ]);
        assert_eq!(
            refused(11, &by),
            "11 · disable 2 (failed-over 2) · drill 9 (seeding 5, region-down 4)"
        );
        assert_eq!(thousands(7791), "7,791");
        assert_eq!(thousands(20_273_000), "20,273,000");
        assert_eq!(thousands(999), "999");
    }
}
