//! `drsim decide`: the emergency decision as a curve. A home-region outage
//! has lasted `elapsed`; the operator can fail over now, or wait `t` more
//! and fail over then unless the region came back first. For each `t` on a
//! grid: the probability the region is back within `t`, the expected
//! remaining downtime and the expected lost writes of that policy.
//!
//! Computed, not simulated: the outage law conditioned on `R > e` has the
//! survival `S_e(x) = S(e + x)/S(e)`, and every expectation is an integral
//! of it (`curve`); `tests/decide.rs` checks the result against the
//! simulator running the same policy.

mod inputs;
mod output;
pub mod quadrature;

pub use inputs::{DecisionInputs, LossSource};
pub use output::{render_table, write_outputs, DECIDE_CHART_STEM, DECIDE_CSV};

use crate::time::{format_seconds, parse_duration};

/// Below this probability of an outage lasting `elapsed`, the law has no
/// mass left to condition on (its conditional survival would be noise).
pub const MIN_SURVIVAL: f64 = 1e-12;

/// Absolute accuracy (s) of every expected duration on the curve, from the
/// quadrature's own error bound (checked: a curve that misses it is an error).
pub const ACCURACY_S: f64 = 1e-6;

/// Most points a `--grid` may have.
pub const MAX_GRID_POINTS: usize = 1000;

/// The grid when none is given: now, then up to six hours, denser early
/// where the decision usually falls.
pub const DEFAULT_GRID: &str = "0m,5m,10m,15m,20m,30m,45m,1h,1.5h,2h,3h,4h,6h";

/// Why no curve can be drawn; each message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error("the scenario has no self-service DR (a `[dr]` table with a `[cross_region]` link to the paired region): there is no failover to decide on")]
    NoDr,
    #[error("the scenario has no random outages of its home region (`[failures.regions]` with `time_between` and `duration`): the curve needs their duration law")]
    NoRegionOutages,
    #[error("the environment is in a VNet without a pair (`environment.vnet_paired = false`): every failover fails, there is no failover to decide on")]
    NoVnetPair,
    #[error("cannot take the loss window from the scenario: {0}; give the loss the portal shows with --loss-shown (e.g. --loss-shown 4m)")]
    NoLossLaw(String),
    #[error("{flag}: {reason}")]
    BadDuration { flag: &'static str, reason: String },
    #[error("--grid: {0}")]
    BadGrid(String),
    #[error("--elapsed {elapsed}: the region's outage law ({law}) gives an outage lasting that long a probability of {survival:.3e}, below {MIN_SURVIVAL:e}: no outage of this scenario lasts that long, so there is nothing to condition on")]
    ElapsedBeyondMass {
        elapsed: String,
        law: String,
        survival: f64,
    },
    #[error("the integration did not reach its accuracy ({ACCURACY_S} s): error bound {0:.3e} s")]
    Inaccurate(f64),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
}

/// The question: how long the outage has lasted, the loss shown (if the
/// operator read it) and the waits to price, all in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub elapsed_s: f64,
    pub loss_shown_s: Option<f64>,
    /// Strictly increasing, at least one point.
    pub grid_s: Vec<f64>,
}

impl Request {
    /// Parses the command-line texts (`--elapsed 20m`, `--loss-shown 4m`,
    /// `--grid 0m,10m,1h`; no grid: [`DEFAULT_GRID`]).
    pub fn parse(
        elapsed: &str,
        loss_shown: Option<&str>,
        grid: Option<&str>,
    ) -> Result<Request, DecideError> {
        let duration = |flag: &'static str, text: &str| {
            parse_duration(text)
                .map(|d| d.as_secs_f64())
                .map_err(|e| DecideError::BadDuration { flag, reason: e.0 })
        };
        let elapsed_s = duration("--elapsed", elapsed)?;
        let loss_shown_s = loss_shown
            .map(|l| duration("--loss-shown", l))
            .transpose()?;
        let grid_s = parse_grid(grid.unwrap_or(DEFAULT_GRID))?;
        Ok(Request {
            elapsed_s,
            loss_shown_s,
            grid_s,
        })
    }
}

/// A comma-separated list of durations, strictly increasing.
fn parse_grid(text: &str) -> Result<Vec<f64>, DecideError> {
    let mut grid: Vec<f64> = Vec::new();
    for (i, item) in text.split(',').enumerate() {
        let t = parse_duration(item)
            .map_err(|e| {
                DecideError::BadGrid(format!("point {} ({:?}): {}", i + 1, item.trim(), e.0))
            })?
            .as_secs_f64();
        if let Some(&last) = grid.last() {
            if t <= last {
                return Err(DecideError::BadGrid(format!(
                    "point {} ({}) is not after the one before it ({}): list the waits in increasing order",
                    i + 1,
                    format_seconds(t),
                    format_seconds(last)
                )));
            }
        }
        grid.push(t);
        if grid.len() > MAX_GRID_POINTS {
            return Err(DecideError::BadGrid(format!(
                "more than {MAX_GRID_POINTS} points"
            )));
        }
    }
    Ok(grid)
}

/// The policy "wait `wait_s` more, then fail over unless the region is
/// back", priced: expectations over the outage's remaining duration and
/// whether it destroyed the region's data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// The wait t (s) before failing over.
    pub wait_s: f64,
    /// P(region back within t | outage lasted `elapsed`).
    pub p_back: f64,
    /// P(the environment fails over): the region is not back by then, or
    /// it comes back destroyed (DR then fails over at its return).
    pub p_failover: f64,
    /// Expected time (s) from now until writes are served again, at
    /// either site.
    pub interruption_s: f64,
    /// Expected stop (s) of the later switch back (0 without a failover).
    pub switch_back_s: f64,
    /// `interruption_s + switch_back_s` (s): all the downtime still to come
    /// from this outage, as the simulator charges it to the region and
    /// failback incidents.
    pub downtime_s: f64,
    /// Expected acknowledged writes lost (Poisson writes over the loss window).
    pub lost_writes: f64,
}

/// The curve for one `elapsed`.
#[derive(Debug, Clone)]
pub struct Curve {
    pub elapsed_s: f64,
    /// P(outage lasts beyond `elapsed`) under the unconditioned law.
    pub survival_at_elapsed: f64,
    pub points: Vec<CurvePoint>,
    /// The quadrature's bound on the error of every duration (s).
    pub error_bound_s: f64,
    pub inputs: DecisionInputs,
}

/// Prices every wait of `grid_s` for an outage that has lasted `elapsed_s`.
///
/// With `R` the outage's duration, `e` the elapsed time, `T = e + t`, `p`
/// the destroy probability, `F`, `E`, `B` the mean failover, election and
/// switch-back stop, `S_e` the conditional survival:
///
/// - `P(back within t) = 1 − S_e(t)`; `P(failover) = q = S_e(t) + p(1 − S_e(t))`;
/// - `interruption = ∫₀ᵗ S_e(x) dx + (1 − p)(1 − S_e(t))·E + q·F`
///   (`∫₀ᵗ S_e = E[min(R − e, t)]`: the wait itself, cut short by a return);
/// - `switch back = q·B`, `lost writes = q·λ·E[W]`.
pub fn curve(
    inputs: &DecisionInputs,
    elapsed_s: f64,
    grid_s: &[f64],
) -> Result<Curve, DecideError> {
    let law = &inputs.outage;
    let s_e = law.survival_secs(elapsed_s);
    if s_e.is_nan() || s_e < MIN_SURVIVAL {
        return Err(DecideError::ElapsedBeyondMass {
            elapsed: format_seconds(elapsed_s),
            law: output::describe_law(law),
            survival: s_e,
        });
    }
    let survival = |y: f64| law.survival_secs(y);
    let breaks = law.breakpoints_secs();
    // Each piece's share of the budget, in units of the unconditioned
    // integral (divided by S(e) below).
    let budget = ACCURACY_S * s_e / grid_s.len().max(1) as f64;
    let p = inputs.destroy_probability;
    let mut integral = 0.0;
    let mut error = 0.0;
    let mut from = 0.0;
    let mut points = Vec::with_capacity(grid_s.len());
    for &t in grid_s {
        let piece = quadrature::integrate_split(
            &survival,
            elapsed_s + from,
            elapsed_s + t,
            &breaks,
            budget,
        );
        integral += piece.value;
        error += piece.error_bound;
        from = t;
        let still_down = (survival(elapsed_s + t) / s_e).clamp(0.0, 1.0);
        let p_back = 1.0 - still_down;
        let p_failover = still_down + p * p_back;
        let waited = integral / s_e;
        let interruption_s =
            waited + (1.0 - p) * p_back * inputs.election_s + p_failover * inputs.failover_s;
        let switch_back_s = p_failover * inputs.switch_back_s;
        points.push(CurvePoint {
            wait_s: t,
            p_back,
            p_failover,
            interruption_s,
            switch_back_s,
            downtime_s: interruption_s + switch_back_s,
            lost_writes: p_failover * inputs.write_rate * inputs.loss_window_s,
        });
    }
    let error_bound_s = error / s_e;
    if error_bound_s > ACCURACY_S {
        return Err(DecideError::Inaccurate(error_bound_s));
    }
    Ok(Curve {
        elapsed_s,
        survival_at_elapsed: s_e,
        points,
        error_bound_s,
        inputs: inputs.clone(),
    })
}

/// [`DecisionInputs::from_scenario`] then [`curve`]: the whole question.
pub fn decide(sc: &crate::scenario::Scenario, request: &Request) -> Result<Curve, DecideError> {
    let inputs = DecisionInputs::from_scenario(sc, request.loss_shown_s)?;
    curve(&inputs, request.elapsed_s, &request.grid_s)
}

#[cfg(test)]
mod tests;
