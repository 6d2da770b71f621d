//! What the decision curve takes from the scenario: the home region's
//! outage law and every delay that keeps writes stopped on the way out (the
//! failover) and back (the switch back), or until the region's own return
//! (the zone election). Means are all the curve needs: each delay is drawn
//! independently of the outage's duration, so it enters an expectation
//! through its mean alone.

use super::DecideError;
use crate::dist::Dist;
use crate::scenario::Scenario;
use crate::theory;

/// Where the loss window the curve prices came from.
#[derive(Debug, Clone, PartialEq)]
pub enum LossSource {
    /// `--loss-shown`: the loss the portal shows in time, as the operator read it.
    Shown,
    /// The scenario's loss-window law at a random failure on a steady link,
    /// `W ~ Uniform[d, d + T]` (`theory::batch_loss_window_mean`): batches cut
    /// every `T` seconds (`interval_s`), durable `d` seconds (`delay_s`, =
    /// ρT + one-way + sync delay) after their cut.
    Law { interval_s: f64, delay_s: f64 },
}

/// The decision's inputs, in seconds, writes per second and bytes.
#[derive(Debug, Clone)]
pub struct DecisionInputs {
    /// Duration law of a home-region outage (`failures.regions.duration`,
    /// with the home region's `[[failures.region]]` override).
    pub outage: Dist,
    /// Share of outages that destroy the primary's data, in [0, 1]: the
    /// region then comes back empty and DR fails over at its return.
    pub destroy_probability: f64,
    /// Mean of `dr.failover_time` (s): writes resume this long after the
    /// failover starts, whether or not the region returns meanwhile.
    pub failover_s: f64,
    /// Mean of `failover.reroute` (s): after the region's return (no
    /// failover), writes wait for the zone election.
    pub election_s: f64,
    /// Mean stop of the later switch back (s): the last batch in flight
    /// (one-way + sync delay) and `dr.switch_time`.
    pub switch_back_s: f64,
    /// Mean loss window (s): the writes committed in it are lost by a failover.
    pub loss_window_s: f64,
    pub loss_source: LossSource,
    /// Committed writes per served second.
    pub write_rate: f64,
    /// Bytes per write.
    pub write_size: u64,
    /// The scenario's `dr.max_data_loss` (s), to say what its policy would do.
    pub max_data_loss_s: Option<f64>,
    /// Notes on assumptions the scenario strains (link incidents, a
    /// paired region that fails): printed with the table.
    pub notes: Vec<String>,
}

impl DecisionInputs {
    /// Reads the inputs from `sc`; `loss_shown_s` replaces the loss-window
    /// law. Errors when there is no decision to make (no DR, no region
    /// outages, no VNet pair) or no law to take the loss from.
    pub fn from_scenario(sc: &Scenario, loss_shown_s: Option<f64>) -> Result<Self, DecideError> {
        let dr = sc.dr.as_ref().ok_or(DecideError::NoDr)?;
        let cr = sc.cross_region.as_ref().ok_or(DecideError::NoDr)?;
        let rf = sc
            .region_failures
            .as_ref()
            .ok_or(DecideError::NoRegionOutages)?;
        if dr.vnet_unpaired {
            return Err(DecideError::NoVnetPair);
        }
        let one_way = cr.one_way.as_secs_f64();
        let sync = cr.sync_delay();
        let (loss_window_s, loss_source) = match loss_shown_s {
            Some(w) => (w, LossSource::Shown),
            None => loss_law(sc)?,
        };
        let mut notes = Vec::new();
        if sc.link_failures.is_some() || sc.link_degradation.is_some() {
            notes.push(
                "the scenario's link partitions and degradations build backlogs that widen the loss window; the law used is the steady link's (give --loss-shown to price what the portal shows)".into(),
            );
        }
        if sc.paired_region_failures.is_some() {
            notes.push(
                "the paired region is assumed up: an outage of it during the decision (rare) would delay the failover".into(),
            );
        }
        Ok(DecisionInputs {
            outage: rf.process.duration.clone(),
            destroy_probability: rf.destroy_probability,
            failover_s: dr.failover_time.mean_secs(),
            election_s: sc.failover.reroute.mean_secs(),
            switch_back_s: one_way + sync.mean_secs() + dr.switch_time.mean_secs(),
            loss_window_s,
            loss_source,
            write_rate: sc.workload.write_rate,
            write_size: sc.workload.write_size,
            max_data_loss_s: dr.max_data_loss.map(|m| m.as_secs_f64()),
            notes,
        })
    }
}

/// The mean loss window of the scenario's link, `d + T/2`, where that law
/// holds: the link keeps up (ρ < 1) and a batch becomes durable a fixed
/// delay after its cut (on arrival, or on apply with a constant apply
/// delay: with a random one the window is a maximum over batches).
fn loss_law(sc: &Scenario) -> Result<(f64, LossSource), DecideError> {
    let cr = sc.cross_region.as_ref().ok_or(DecideError::NoDr)?;
    let sync = cr.sync_delay();
    if !matches!(sync, Dist::Constant(_)) {
        return Err(DecideError::NoLossLaw(
            "writes are durable on apply (cross_region.durable_at = \"apply\") with a random apply delay: the loss window is then a maximum over batches, with no closed form here".into(),
        ));
    }
    let interval_s = cr.batch_interval.as_secs_f64();
    let rho = sc.workload.bytes_per_sec() / cr.bandwidth;
    if rho >= 1.0 {
        return Err(DecideError::NoLossLaw(format!(
            "the link is loaded at ρ = {rho:.3} ≥ 1: the backlog and the loss window grow without bound"
        )));
    }
    let delay_s = rho * interval_s + cr.one_way.as_secs_f64() + sync.mean_secs();
    let mean = theory::batch_loss_window_mean(interval_s, delay_s)
        .map_err(|e| DecideError::NoLossLaw(e.to_string()))?;
    Ok((
        mean,
        LossSource::Law {
            interval_s,
            delay_s,
        },
    ))
}
