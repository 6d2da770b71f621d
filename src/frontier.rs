//! The policy frontier: the emergency response's two policy knobs,
//! `dr.max_data_loss` (fail over only if the loss window is at most this)
//! and `dr.operator_decision` (how long the operator takes to declare a
//! disaster), swept together, each policy reduced to what an architect
//! trades: expected downtime per year against expected lost writes per
//! year, and which policies are Pareto-efficient.
//!
//! # Not a second model
//!
//! A policy is a point of a two-parameter sweep ([`crate::sweep`]): the
//! scenario's TOML with the two keys replaced, validated like a file, run by
//! the sweep's run loop ([`sweep::run_points`]). Its figures are read off
//! that point's [`Summary`], the same summary `drsim run --set
//! dr.max_data_loss=… --set dr.operator_decision=…` writes; only the 95%
//! intervals need per-replication values, which a sink collects on the side.
//!
//! # Common random numbers
//!
//! Every policy runs with the scenario's seed, and the failures (zone,
//! region, paired-region and link outages, destruction and backup-loss
//! draws, escalations, write arrivals) come from random streams of their
//! own that no decision touches: replication `r` of every policy sees the
//! same outages at the same instants (`tests/frontier.rs` checks it). What
//! is not common is the operator's stream (decision, failover and switch
//! durations): a policy that waits where another fails over skips a
//! failover-time draw, so the later draws of that replication shift.
//!
//! # Per year
//!
//! A replication covers the horizon `H`; its figures are scaled to a year of
//! 365 days by `Y / H`. In the rare-event mode (`failures.regions.conditioned`,
//! exactly one home-region outage per replication) what that outage causes
//! (the downtime and lost writes of the `region` and `failback` classes: the
//! outage, and the switch back its failover entails) is scaled instead by the
//! outage rate per year, as the report's annual figures are
//! ([`crate::scenario::RegionFailures::rate_per_year`]); everything else
//! (zone outages, drills, ...) keeps `Y / H`.

pub mod output;
pub mod pareto;

use crate::guard::Limits;
use crate::incident::IncidentClass;
use crate::metrics::Summary;
use crate::model::ReplicationOutcome;
use crate::overrides::{self, Override, OverrideError};
use crate::runner::OutcomeSink;
use crate::scenario::{self, Scenario, ScenarioError};
use crate::stats::Welford;
use crate::sweep::{self, Parameter, SweepError, SweepSpec};
use std::sync::atomic::AtomicBool;
use toml::Value;

/// The scenario key of the loss-window policy.
pub const MAX_DATA_LOSS_KEY: &str = "dr.max_data_loss";
/// The scenario key of the operator's decision delay.
pub const DECISION_KEY: &str = "dr.operator_decision";

/// Default `--max-data-loss`: no limit, then limits across the loss windows
/// of the reference DR scenario (a 5 s batch interval gives windows of about
/// 0.5 to 5.2 s, median 2.5 s), so each limit sends a different share of
/// the outages to "wait for the region". Limits above the largest window
/// (1m, 1h, ...) all behave as "none".
pub const DEFAULT_MAX_DATA_LOSS: &str = "none,4s,3s,2s,1s";
/// Default `--decision`: fixed delays from 5 minutes to 8 hours, the
/// median region outage of the reference DR scenario (a lognormal of
/// median 8 h): the longer the operator waits, the more outages end first
/// (no failover, no loss) and the longer the others last.
pub const DEFAULT_DECISIONS: &str = "5m,15m,30m,1h,2h,4h,8h";

/// Seconds in the year the figures are scaled to (365 days, as `"1y"`).
pub const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

/// The classes whose downtime and lost writes a region outage causes: the
/// outage itself and the switch back after its failover.
const OUTAGE_CLASSES: [IncidentClass; 2] = [IncidentClass::Region, IncidentClass::Failback];

/// Why a frontier cannot be set up or run.
#[derive(Debug, thiserror::Error)]
pub enum FrontierError {
    /// A value of `--max-data-loss` or `--decision` is not a valid value of its key.
    #[error("{flag} `{value}`: {reason}")]
    BadValue {
        flag: &'static str,
        value: String,
        reason: String,
    },
    /// The scenario has no DR, so there is no emergency policy to vary.
    #[error("{file}: the policy frontier varies the DR emergency policy, but the scenario has no self-service DR (add a [dr] table and a [cross_region] link)")]
    NoDr { file: String },
    /// The scenario itself is invalid.
    #[error("{0}")]
    Scenario(ScenarioError),
    #[error(transparent)]
    Sweep(#[from] SweepError),
}

/// The policies to compare: every combination of the two lists, the loss
/// limit varying slowest.
#[derive(Clone, Debug, PartialEq)]
pub struct Policies {
    /// Values of `dr.max_data_loss`: durations, or `"none"`.
    pub max_data_loss: Vec<Value>,
    /// Values of `dr.operator_decision`: random durations, usually constants.
    pub decisions: Vec<Value>,
}

impl Policies {
    /// Parses the two comma-separated lists exactly as `sweep --set` parses
    /// values (a bare `5m` is a string, a constant duration; an inline table
    /// `{ dist = "lognormal", median = "30m", sigma = 0.6 }` a random law).
    /// A value given twice is refused: it would only repeat a policy.
    pub fn parse(max_data_loss: &str, decisions: &str) -> Result<Policies, FrontierError> {
        Ok(Policies {
            max_data_loss: parse_list("--max-data-loss", MAX_DATA_LOSS_KEY, max_data_loss)?,
            decisions: parse_list("--decision", DECISION_KEY, decisions)?,
        })
    }

    /// The two swept parameters, loss limit first.
    fn parameters(&self) -> Vec<Parameter> {
        vec![
            Parameter {
                key: MAX_DATA_LOSS_KEY.into(),
                values: self.max_data_loss.clone(),
            },
            Parameter {
                key: DECISION_KEY.into(),
                values: self.decisions.clone(),
            },
        ]
    }
}

fn parse_list(flag: &'static str, key: &str, list: &str) -> Result<Vec<Value>, FrontierError> {
    let bad = |value: &str, reason: String| FrontierError::BadValue {
        flag,
        value: value.to_string(),
        reason,
    };
    let parameter = sweep::parse_set(&format!("{key}={list}")).map_err(|e| match e {
        SweepError::EmptyValues { .. } => {
            bad(list, "no values: give a comma-separated list".into())
        }
        SweepError::BadSet { reason, .. } | SweepError::BadKey { reason, .. } => bad(list, reason),
        other => bad(list, other.to_string()),
    })?;
    for (i, v) in parameter.values.iter().enumerate() {
        if parameter.values[..i].contains(v) {
            return Err(bad(&sweep::value_label(v), "given twice".into()));
        }
    }
    Ok(parameter.values)
}

/// Checks each value alone on the scenario, as `run --set KEY=VALUE` would,
/// so a bad value is named with its flag before anything runs.
fn check_values(text: &str, file: &str, policies: &Policies) -> Result<(), FrontierError> {
    let lists = [
        (
            "--max-data-loss",
            MAX_DATA_LOSS_KEY,
            &policies.max_data_loss,
        ),
        ("--decision", DECISION_KEY, &policies.decisions),
    ];
    for (flag, key, values) in lists {
        for value in values {
            let label = sweep::value_label(value);
            let one = Override {
                arg: format!("{key}={label}"),
                key: key.to_string(),
                value: value.clone(),
            };
            let reason = match overrides::apply(text, file, &[one]) {
                Ok(_) => continue,
                Err(OverrideError::Scenario(ScenarioError::Invalid(diags))) => diags
                    .iter()
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                Err(other) => other.to_string(),
            };
            return Err(FrontierError::BadValue {
                flag,
                value: label,
                reason,
            });
        }
    }
    Ok(())
}

/// How one replication's figures become figures per year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YearScale {
    /// Years per replication's horizon: `Y / H`.
    pub per_horizon: f64,
    /// Rare-event mode: region outages per year of the unconditioned
    /// process, which scales what the one outage per replication causes.
    pub outage_rate: Option<f64>,
}

impl YearScale {
    /// The scale of `scenario`'s replications.
    pub fn of(scenario: &Scenario) -> YearScale {
        let horizon_s = scenario.simulation.horizon.as_secs_f64();
        YearScale {
            per_horizon: SECONDS_PER_YEAR / horizon_s,
            outage_rate: scenario
                .region_failures
                .as_ref()
                .filter(|rf| rf.conditioned.is_some())
                .map(|rf| rf.rate_per_year()),
        }
    }

    /// A per-replication figure `total`, of which `outage_part` is caused by
    /// the region outages, per year.
    pub fn per_year(&self, total: f64, outage_part: f64) -> f64 {
        match self.outage_rate {
            None => total * self.per_horizon,
            Some(rate) => (total - outage_part) * self.per_horizon + outage_part * rate,
        }
    }

    /// The outage-caused part alone, per year.
    pub fn outage_per_year(&self, outage_part: f64) -> f64 {
        self.per_year(outage_part, outage_part)
    }
}

/// Collects each replication's per-year figures, for the intervals.
pub struct PolicySink<'a> {
    scale: YearScale,
    downtime_s: Welford,
    outage_downtime_s: Welford,
    lost_writes: Welford,
    /// Called once per replication (progress display).
    tick: &'a (dyn Fn() + Sync),
}

impl<'a> PolicySink<'a> {
    pub fn new(scale: YearScale, tick: &'a (dyn Fn() + Sync)) -> Self {
        PolicySink {
            scale,
            downtime_s: Welford::new(),
            outage_downtime_s: Welford::new(),
            lost_writes: Welford::new(),
            tick,
        }
    }
}

impl OutcomeSink for PolicySink<'_> {
    fn accept(&mut self, outcome: &ReplicationOutcome, _: &str) -> std::io::Result<()> {
        (self.tick)();
        let caused = outcome
            .incidents
            .iter()
            .filter(|i| OUTAGE_CLASSES.contains(&i.class));
        let (outage_ns, outage_lost) = caused.fold((0u64, 0u64), |(ns, lost), i| {
            (ns + i.downtime_ns, lost + i.lost_writes)
        });
        let lost: u64 = outcome.incidents.iter().map(|i| i.lost_writes).sum();
        let s = |ns: u64| ns as f64 / 1e9;
        let scale = self.scale;
        self.downtime_s
            .push(scale.per_year(s(outcome.downtime_ns()), s(outage_ns)));
        self.outage_downtime_s
            .push(scale.outage_per_year(s(outage_ns)));
        self.lost_writes
            .push(scale.per_year(lost as f64, outage_lost as f64));
        Ok(())
    }
}

/// A mean per year with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// `None` when the policy ran no replication (an interrupted frontier).
    pub mean: Option<f64>,
    /// Student-t interval over replications (`None` with fewer than two).
    pub ci95: Option<(f64, f64)>,
}

impl Estimate {
    /// `mean` (from the summary's exact sums) with the half width of the
    /// per-replication values in `spread`.
    fn new(mean: Option<f64>, spread: &Welford) -> Estimate {
        let half = spread.mean_ci95().half_width;
        Estimate {
            mean,
            ci95: mean
                .filter(|_| half.is_finite())
                .map(|m| (m - half, m + half)),
        }
    }
}

/// One policy and what it costs per year.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyPoint {
    /// The `dr.max_data_loss` value as given (`none`, `2s`, ...).
    pub max_data_loss: String,
    /// The `dr.operator_decision` value as given (`30m`, or a table).
    pub decision: String,
    /// Seconds without service per year, all causes.
    pub downtime_s: Estimate,
    /// Seconds without service per year charged to region outages and the
    /// switch back after their failover (classes `region` and `failback`).
    pub region_downtime_s: Estimate,
    /// Lost writes per year, all causes.
    pub lost_writes: Estimate,
    /// Emergency failovers per year (decisions `failover`).
    pub failovers: Option<f64>,
    /// No other policy is at least as good on both means and better on one
    /// (see [`pareto::efficient`]).
    pub efficient: bool,
    /// The point's summary, the same as `drsim run` with the two values.
    pub summary: Summary,
}

impl PolicyPoint {
    /// `max_data_loss / decision`, as the chart and the table label a policy.
    pub fn label(&self) -> String {
        format!("{} / {}", self.max_data_loss, self.decision)
    }
}

/// Every policy, in [`Policies`] order (loss limit slowest).
#[derive(Clone, Debug, PartialEq)]
pub struct Frontier {
    pub points: Vec<PolicyPoint>,
    pub scale: YearScale,
    /// `true` when interrupted: some policies ran fewer replications.
    pub partial: bool,
}

/// A frontier built, validated and guarded, ready to run.
pub struct FrontierPlan {
    sweep: sweep::SweepPlan,
    scale: YearScale,
}

impl FrontierPlan {
    /// Number of policies.
    pub fn len(&self) -> usize {
        self.sweep.len()
    }

    /// `true` for a plan without policies (never built: both lists have values).
    pub fn is_empty(&self) -> bool {
        self.sweep.is_empty()
    }
}

/// Validates the scenario (which must have DR) and each value, builds every
/// policy's scenario and guards the whole as `sweep` does (`limits`).
/// `runs` replaces `simulation.runs`; `threads` bounds the worker threads.
pub fn plan(
    text: &str,
    file: &str,
    policies: &Policies,
    runs: Option<u64>,
    threads: Option<usize>,
    limits: &Limits,
) -> Result<FrontierPlan, FrontierError> {
    let base = scenario::parse_str(text, file).map_err(FrontierError::Scenario)?;
    if base.scenario.dr.is_none() {
        return Err(FrontierError::NoDr {
            file: file.to_string(),
        });
    }
    check_values(text, file, policies)?;
    let spec = SweepSpec::new(policies.parameters(), sweep::DEFAULT_METRIC)?;
    let sweep = sweep::plan_sweep(text, file, &spec, runs, threads, limits)?;
    Ok(FrontierPlan {
        sweep,
        scale: YearScale::of(&base.scenario),
    })
}

/// Runs every policy of `plan` (interruptible by `stop`, like a sweep) and
/// marks the efficient ones; `on_replication` is called after every
/// replication (progress).
pub fn run(
    plan: FrontierPlan,
    stop: &AtomicBool,
    on_replication: &(dyn Fn() + Sync),
) -> Result<Frontier, FrontierError> {
    let scale = plan.scale;
    let runs = sweep::run_points(plan.sweep, stop, &|| PolicySink::new(scale, on_replication))?;
    let partial = runs.iter().any(|p| p.summary.partial);
    let mut points: Vec<PolicyPoint> = runs
        .into_iter()
        .map(|p| point(p.values, p.summary, &p.sink, &scale))
        .collect();
    let means: Vec<Option<(f64, f64)>> = points
        .iter()
        .map(|p| p.lost_writes.mean.zip(p.downtime_s.mean))
        .collect();
    for (p, efficient) in points.iter_mut().zip(pareto::efficient(&means)) {
        p.efficient = efficient;
    }
    Ok(Frontier {
        points,
        scale,
        partial,
    })
}

/// One policy's figures: means from the summary's exact sums (so they are
/// those of `drsim run`), intervals from the sink's per-replication values.
fn point(
    values: Vec<(String, String)>,
    summary: Summary,
    sink: &PolicySink,
    scale: &YearScale,
) -> PolicyPoint {
    let value = |key: &str| {
        values
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(String::new, |(_, v)| v.clone())
    };
    let runs = summary.runs;
    let per_run = |x: f64| (runs > 0).then(|| x / runs as f64);
    let classes = |pick: &dyn Fn(&crate::metrics::ClassSummary) -> f64, outage_only: bool| {
        summary
            .classes
            .iter()
            .filter(|(name, _)| {
                !outage_only || OUTAGE_CLASSES.iter().any(|c| c.name() == name.as_str())
            })
            .map(|(_, c)| pick(c))
            .sum::<f64>()
    };
    let outage_downtime = classes(&|c| c.downtime_s_per_run, true);
    let lost_all = per_run(classes(&|c| c.lost_writes as f64, false));
    let lost_outage = per_run(classes(&|c| c.lost_writes as f64, true));
    let downtime = summary.downtime_s.as_ref().map(|i| i.mean);
    let failovers = summary.emergency.decisions.get("failover").copied();
    PolicyPoint {
        max_data_loss: value(MAX_DATA_LOSS_KEY),
        decision: value(DECISION_KEY),
        downtime_s: Estimate::new(
            downtime.map(|d| scale.per_year(d, outage_downtime)),
            &sink.downtime_s,
        ),
        region_downtime_s: Estimate::new(
            downtime.map(|_| scale.outage_per_year(outage_downtime)),
            &sink.outage_downtime_s,
        ),
        lost_writes: Estimate::new(
            lost_all
                .zip(lost_outage)
                .map(|(all, outage)| scale.per_year(all, outage)),
            &sink.lost_writes,
        ),
        failovers: per_run(failovers.unwrap_or(0) as f64).map(|f| scale.outage_per_year(f)),
        efficient: false,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_like_sweep_values() {
        let p = Policies::parse(
            "none,1m",
            r#"5m,{ dist = "lognormal", median = "30m", sigma = 0.6 }"#,
        )
        .unwrap();
        assert_eq!(p.max_data_loss, [Value::from("none"), Value::from("1m")]);
        assert_eq!(p.decisions[0], Value::from("5m"));
        assert!(matches!(p.decisions[1], Value::Table(_)));
        let e = Policies::parse("1m,1m", "5m").unwrap_err().to_string();
        assert_eq!(e, "--max-data-loss `1m`: given twice");
        let e = Policies::parse("1m", "").unwrap_err().to_string();
        assert!(e.starts_with("--decision ``: no values"), "{e}");
    }

    #[test]
    fn per_year_scaling_by_horizon_and_by_outage_rate() {
        let plain = YearScale {
            per_horizon: 2.0,
            outage_rate: None,
        };
        assert_eq!(plain.per_year(10.0, 4.0), 20.0);
        assert_eq!(plain.outage_per_year(4.0), 8.0);
        // Conditioned: the 4 caused by the one outage × 0.2 outages a year,
        // the other 6 × 2 horizons a year.
        let conditioned = YearScale {
            per_horizon: 2.0,
            outage_rate: Some(0.2),
        };
        assert!((conditioned.per_year(10.0, 4.0) - 12.8).abs() < 1e-12);
        assert!((conditioned.outage_per_year(4.0) - 0.8).abs() < 1e-12);
    }
}
