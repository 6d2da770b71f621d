//! `cross_region.rpo_bound`: the lag at which the primary stops committing.

use super::super::model::RpoBound;
use super::super::raw::{RawRpoBound, RawScenario};
use super::super::spanned::Spanned;
use super::Checker;
use crate::time::SimDuration;

/// What the primary does at the bound: stop committing (`block`) or admit
/// writes at the link's drain rate (`throttle`).
const ACTIONS: [&str; 2] = ["block", "throttle"];

/// Whose lag the bound reads: the paired region's, or the smallest over
/// every secondary holding a copy.
const MET_BY: [&str; 2] = ["paired", "any"];

/// The bound, checked against the link's steady-state lag: `steady_lag` is
/// the largest lag the link shows while it keeps up (one batch interval,
/// its sending time, the propagation delay and the durability delay's
/// 1 − 1e-9 quantile), so a bound at or below it blocks writes every batch.
pub(super) fn rpo_bound(
    c: &mut Checker,
    raw: &Spanned<RawRpoBound>,
    steady_lag: SimDuration,
) -> Option<RpoBound> {
    let rb = raw.get_ref();
    let lag = *rb.lag.get_ref();
    if lag.is_zero() {
        c.error(
            Some(rb.lag.span()),
            "cross_region.rpo_bound.lag",
            "the RPO bound must be positive (an RPO of 0 needs synchronous replication)",
        );
        return None;
    }
    let mut throttle = false;
    if let Some(action) = &rb.action {
        let names: Vec<String> = ACTIONS.iter().map(|s| s.to_string()).collect();
        match c.resolve(
            action,
            &names,
            "RPO bound action",
            "cross_region.rpo_bound.action",
        ) {
            Some(i) => throttle = i == 1,
            None => return None,
        }
    }
    let any_secondary = match &rb.met_by {
        None => false,
        Some(met_by) => {
            let names: Vec<String> = MET_BY.iter().map(|s| s.to_string()).collect();
            let i = c.resolve(
                met_by,
                &names,
                "RPO bound `met_by`",
                "cross_region.rpo_bound.met_by",
            )?;
            i == 1
        }
    };
    if any_secondary && throttle {
        c.error(
            rb.met_by.as_ref().map(|m| m.span()),
            "cross_region.rpo_bound.met_by",
            "`met_by = \"any\"` works with `action = \"block\"` only: a throttle is tuned to one link's drain rate, and several links lag differently",
        );
        return None;
    }
    if lag <= steady_lag {
        c.warn(
            Some(rb.lag.span()),
            "cross_region.rpo_bound.lag",
            format!(
                "the bound {lag} is at or below the lag of a link that keeps up ({steady_lag}: a batch interval, its sending time, the propagation and the durability delay): writes will block at nearly every batch"
            ),
        );
    }
    Some(RpoBound {
        lag,
        throttle,
        any_secondary,
    })
}

/// The bound acts only while DR protects the primary: without `[dr]` it would never act.
pub(super) fn needs_dr(c: &mut Checker, raw: &RawScenario, has_dr: bool) {
    let bound = raw
        .cross_region
        .as_ref()
        .and_then(|cr| cr.get_ref().rpo_bound.as_ref());
    if let (Some(b), false) = (bound, has_dr) {
        c.error(
            Some(b.span()),
            "cross_region.rpo_bound",
            "an RPO bound needs DR (a `[dr]` table that is enabled or enabled by an operation): it acts only while a secondary copy protects the primary",
        );
    }
}
