//! `[dr]`: self-service disaster recovery to the paired region: who may
//! turn it on, where it fails over to, and its lifecycle's timings.

use super::super::model::{
    AfterFailover, CrossRegion, Dr, EnvironmentType, Operation, OperationKind, ProviderFailover,
    AFTER_FAILOVER,
};
use super::super::raw::{RawDr, RawScenario};
use super::super::spanned::Spanned;
use super::topology::Home;
use super::{positive, Checker};
use crate::dist::Dist;
use crate::time::SimDuration;
use std::ops::Range;

/// What DR is checked against: the sections validated before it.
pub(super) struct DrContext<'a> {
    pub home: &'a Home,
    pub region_names: &'a [String],
    pub paired: Option<usize>,
    pub cross_region: Option<&'a CrossRegion>,
    pub operations: &'a [Operation],
    pub write_bytes_per_sec: f64,
}

/// `None` when DR is never on: no `[dr]` table, or one that is neither
/// enabled at the start nor enabled by an operation.
pub(super) fn dr(c: &mut Checker, raw: &RawScenario, cx: &DrContext) -> Option<Dr> {
    let Some(d) = &raw.dr else {
        if let Some(op) = cx
            .operations
            .iter()
            .position(|o| o.kind != OperationKind::Enable)
        {
            c.error(
                Some(raw.operations[op].span()),
                &format!("operations[{op}]"),
                "DR operations need a `[dr]` table",
            );
        }
        return None;
    };
    let env = &raw.environment;
    let dref = d.get_ref();
    let wants_dr = dref.enabled.unwrap_or(false)
        || cx
            .operations
            .iter()
            .any(|o| o.kind == OperationKind::Enable);
    if wants_dr {
        check_eligibility(c, raw, d, cx);
    }
    check_target_region(c, dref, cx);
    let (targets, target_choice) = super::secondaries::targets(c, dref, cx);
    let vnet_unpaired = env.vnet == Some(true) && env.vnet_paired != Some(true);
    if wants_dr && vnet_unpaired {
        c.warn(Some(d.span()), "environment.vnet_paired", "the environment is in a virtual network without a Virtual Network pair: every DR failover and failback will fail (set vnet_paired = true)");
    }
    let secondary_capacity = dref.secondary_capacity.as_ref().map_or(1.0, |f| {
        let v = *f.get_ref();
        if !(positive(v) && v <= 1.0) {
            c.error(
                Some(f.span()),
                "dr.secondary_capacity",
                format!("expected a share of capacity in (0, 1], found {v}"),
            );
        }
        v
    });
    let drill_drain_timeout = dref.drill_drain_timeout.as_ref().map(|t| {
        let v = *t.get_ref();
        if v == SimDuration::ZERO {
            c.error(
                Some(t.span()),
                "dr.drill_drain_timeout",
                "expected a positive duration: a zero timeout aborts every drill",
            );
        }
        v
    });
    let emergency_after_quorum_loss = dref.emergency_after_quorum_loss.as_ref().map(|t| {
        let v = *t.get_ref();
        if v == SimDuration::ZERO {
            c.error(
                Some(t.span()),
                "dr.emergency_after_quorum_loss",
                "expected a positive duration: a zero threshold declares a disaster at every lost quorum, even one an election fixes in seconds",
            );
        }
        v
    });
    let provider = provider_failover(c, d);
    let names: Vec<String> = AFTER_FAILOVER.iter().map(|s| s.to_string()).collect();
    let after_failover =
        dref.after_failover
            .as_ref()
            .map_or(AfterFailover::SwitchBack, |a| {
                match c.resolve(a, &names, "behaviour after failover", "dr.after_failover") {
                    Some(1) => AfterFailover::Stay,
                    Some(2) => AfterFailover::Reprotect,
                    _ => AfterFailover::SwitchBack,
                }
            });
    if after_failover == AfterFailover::Reprotect && targets.len() > 1 {
        let span = dref.after_failover.as_ref().map(|a| a.span());
        c.error(
            span,
            "dr.after_failover",
            "`reprotect` protects in the reverse direction with one copy: it cannot be \
             combined with further secondaries in `dr.targets` (not modelled); list the \
             paired region only, or use `switch-back`",
        );
    }
    let seeding_overhead = dref
        .seeding_overhead
        .clone()
        .unwrap_or(Dist::Constant(SimDuration::from_secs(3600)));
    if let (true, Some(cr)) = (wants_dr, cx.cross_region) {
        warn_long_seeding(
            c,
            d.span(),
            &seeding_overhead,
            env.data_size.0 as f64,
            cr.bandwidth,
            cx.write_bytes_per_sec,
        );
    }
    wants_dr.then(|| Dr {
        enabled_at_start: dref.enabled.unwrap_or(false),
        seeding_overhead,
        operator_decision: dref.operator_decision.clone().unwrap_or(Dist::LogNormal {
            median: 1800e9,
            sigma: 0.6,
        }),
        failover_time: dref.failover_time.clone().unwrap_or(Dist::LogNormal {
            median: 600e9,
            sigma: 0.4,
        }),
        switch_time: dref.switch_time.clone().unwrap_or(Dist::LogNormal {
            median: 300e9,
            sigma: 0.4,
        }),
        failback_delay: dref
            .failback_delay
            .clone()
            .unwrap_or(Dist::Constant(SimDuration::from_secs(3600))),
        drill_drain_timeout: drill_drain_timeout.unwrap_or(SimDuration::from_secs(7200)),
        max_data_loss: dref
            .max_data_loss
            .as_ref()
            .and_then(|m| m.get_ref().limit()),
        secondary_capacity,
        vnet_unpaired,
        emergency_after_quorum_loss,
        provider,
        after_failover,
        targets,
        target_choice,
    })
}

/// `dr.failover_by` and the provider's keys. The provider's path has no
/// operator and no data-loss gate, and only region outages trigger it: the
/// customer path's keys beside it would be silently ignored, so they are errors.
fn provider_failover(c: &mut Checker, d: &Spanned<RawDr>) -> Option<ProviderFailover> {
    let dref = d.get_ref();
    let names: Vec<String> = ProviderFailover::FAILOVER_BY
        .iter()
        .map(|s| s.to_string())
        .collect();
    let by = match &dref.failover_by {
        None => Some(0),
        Some(by) => c.resolve(by, &names, "failover path", "dr.failover_by"),
    };
    // A misspelt path is reported once, not again through the keys it governs.
    let by_provider = by? == 1;
    let never = dref.provider_never_probability.as_ref().map(|p| {
        let v = *p.get_ref();
        if !(0.0..=1.0).contains(&v) {
            c.error(
                Some(p.span()),
                "dr.provider_never_probability",
                format!("expected a probability in [0, 1], found {v}"),
            );
        }
        (v, p.span())
    });
    if !by_provider {
        let customer_span = dref.failover_by.as_ref().map_or(d.span(), |by| by.span());
        if dref.provider_grace.is_some() {
            c.error(
                Some(customer_span.clone()),
                "dr.provider_grace",
                "`provider_grace` applies only with failover_by = \"provider\"",
            );
        }
        if let Some((_, span)) = &never {
            c.error(
                Some(span.clone()),
                "dr.provider_never_probability",
                "`provider_never_probability` applies only with failover_by = \"provider\"",
            );
        }
        return None;
    }
    let customer_keys = [
        (dref.operator_decision.is_some(), None, "operator_decision"),
        (
            dref.max_data_loss.is_some(),
            dref.max_data_loss.as_ref().map(|m| m.span()),
            "max_data_loss",
        ),
        (
            dref.emergency_after_quorum_loss.is_some(),
            dref.emergency_after_quorum_loss.as_ref().map(|m| m.span()),
            "emergency_after_quorum_loss",
        ),
    ];
    for (set, span, key) in customer_keys {
        if set {
            c.error(
                Some(span.unwrap_or(d.span())),
                &format!("dr.{key}"),
                format!("`{key}` belongs to the customer's emergency response; with failover_by = \"provider\" the provider fails over after `provider_grace`, whatever the data loss, for region outages only: remove it"),
            );
        }
    }
    Some(ProviderFailover {
        grace: dref
            .provider_grace
            .clone()
            .unwrap_or(Dist::Constant(SimDuration::from_secs(3600))),
        never_probability: never.map_or(0.0, |(v, _)| v),
    })
}

/// The document's prerequisites of self-service DR.
fn check_eligibility(c: &mut Checker, raw: &RawScenario, d: &Spanned<RawDr>, cx: &DrContext) {
    let env = &raw.environment;
    if cx
        .home
        .kind
        .is_some_and(|k| k != EnvironmentType::Production)
    {
        c.error(
            Some(env.kind.span()),
            "environment.type",
            "self-service disaster recovery is available only for production environments",
        );
    }
    if env.managed != Some(true) {
        c.error(Some(d.span()), "environment.managed", "self-service disaster recovery requires a Managed Environment: set environment.managed = true");
    }
    match &env.billing {
        Some(b) if b.get_ref() == "pay-as-you-go" => {}
        Some(b) => c.error_with_help(
            Some(b.span()),
            "environment.billing",
            format!(
                "self-service disaster recovery requires a pay-as-you-go billing plan, found `{}`",
                b.get_ref()
            ),
            "set billing = \"pay-as-you-go\"".into(),
        ),
        None => c.error(
            Some(d.span()),
            "environment.billing",
            "self-service disaster recovery requires billing = \"pay-as-you-go\"",
        ),
    }
    if cx.cross_region.is_none() && raw.cross_region.is_none() {
        c.error(
            Some(d.span()),
            "cross_region",
            "self-service disaster recovery replicates over a `[cross_region]` link: add one",
        );
    }
}

/// Failover goes to the paired region only.
fn check_target_region(c: &mut Checker, dref: &RawDr, cx: &DrContext) {
    let (Some(t), Some(ri)) = (&dref.target_region, cx.home.region) else {
        return;
    };
    let Some(ti) = c.resolve(t, cx.region_names, "region", "dr.target_region") else {
        return;
    };
    if Some(ti) != cx.paired {
        let pair_name = cx
            .paired
            .map_or("none".to_string(), |p| format!("`{}`", cx.region_names[p]));
        c.error(
            Some(t.span()),
            "dr.target_region",
            format!(
                "failover is possible only to the paired region of `{}` ({pair_name}), not to `{}`",
                cx.region_names[ri],
                t.get_ref()
            ),
        );
    }
}

/// The document: enabling DR "can take up to 48 hours to finish". Seeding
/// is the set-up overhead, the copy of `data_size` at the link's bandwidth,
/// then the catch-up of the writes made meanwhile at the bandwidth left
/// over by the writes; when that expected time exceeds 48 h, say so.
fn warn_long_seeding(
    c: &mut Checker,
    span: Range<usize>,
    overhead: &Dist,
    data_bytes: f64,
    bandwidth: f64,
    write_bytes_per_sec: f64,
) {
    const DOCUMENTED: f64 = 48.0 * 3600.0;
    if !positive(bandwidth) || write_bytes_per_sec >= bandwidth {
        // The overload warning of the link says it: the catch-up never ends.
        return;
    }
    let copy = data_bytes / bandwidth;
    let before_catch_up = overhead.mean_secs() + copy;
    let catch_up = write_bytes_per_sec * before_catch_up / (bandwidth - write_bytes_per_sec);
    let expected = before_catch_up + catch_up;
    if expected > DOCUMENTED {
        c.warn(
            Some(span),
            "dr",
            format!(
                "expected seeding time {} (set-up {}, copy {}, catch-up of the writes made meanwhile {}) exceeds the document's 48 hours; no protection until then",
                SimDuration::from_secs_f64(expected),
                SimDuration::from_secs_f64(overhead.mean_secs()),
                SimDuration::from_secs_f64(copy),
                SimDuration::from_secs_f64(catch_up),
            ),
        );
    }
}
