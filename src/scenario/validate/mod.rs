//! Raw scenario → validated `Scenario`. Every rule lives here, reports every
//! violation it finds (not just the first), and points at the text.
//!
//! One file per section of the scenario, each returning its validated part;
//! [`validate`] calls them in file order, so the diagnostics come in the
//! order the sections are checked. A section that needs an earlier one (a
//! zone name needs the home region) takes it as an argument, resolved or not:
//! every section runs, whatever failed before it.

mod capacity;
mod checker;
mod dr;
mod failures;
mod incidents;
mod link;
mod multi_writer;
mod operations;
mod region_quorum;
mod rpo_bound;
mod secondaries;
mod services;
mod simulation;
mod targets;
mod topology;
mod workload;
mod zones;

pub(crate) use checker::{Checker, Overlay};
pub use services::{service_catalogue, SERVICE_CATALOGUE};
pub use simulation::MAX_RUNS;
pub use targets::DEFAULT_TARGET_QUANTILE;

use super::model::*;
use super::raw::RawScenario;

/// FNV-1a, 64 bit: a stable fingerprint of the scenario text.
pub fn fnv1a_hex(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub(crate) fn validate(raw: RawScenario, c: &mut Checker) -> Option<Scenario> {
    let source_hash = fnv1a_hex(c.source);
    c.name(&raw.name, "name", "scenario");
    c.name(&raw.environment.name, "environment.name", "environment");
    let simulation = simulation::simulation(c, &raw.simulation);
    let horizon = simulation.horizon;
    let regions = topology::regions(c, &raw.regions);
    let region_names: Vec<String> = regions.iter().map(|r| r.name.clone()).collect();
    let home = topology::home(c, &raw, &regions, &region_names);
    let home_region = home.region.map(|ri| &regions[ri]);
    let workload = workload::workload(c, &raw.workload);
    let write_bytes_per_sec = workload::write_bytes_per_sec(&workload);
    let voters_scope = region_quorum::regions_scope(c, &raw.replication);
    let mut replication = zones::replication(c, &raw.replication, home_region, voters_scope);
    let failover = zones::failover(c, &raw.failover);

    let paired = topology::paired_region(c, raw.regions.get_ref(), home.region, &region_names);
    topology::check_pair_distances(c, raw.regions.get_ref());
    let extra = topology::extra_regions(&regions, home.region, paired);
    let extra_indices: Vec<usize> = extra.iter().map(|&(ri, _)| ri).collect();
    let distances =
        topology::distances(c, raw.regions.get_ref(), &region_names, home.region, &extra);
    let region_quorum = region_quorum::region_quorum(
        c,
        &raw,
        voters_scope,
        &region_quorum::QuorumContext {
            regions: &regions,
            names: &region_names,
            home: home.region,
            paired,
            extra: &extra_indices,
            distances: &distances,
            kind: home.kind,
        },
    );
    let cross_region = link::cross_region(c, &raw, home.region, paired, write_bytes_per_sec);
    // The paired region's zones are simulated once a link makes it matter.
    let paired_with_zones =
        paired.filter(|&p| cross_region.is_some() && regions[p].availability_zones);
    let paired_zone_region = paired_with_zones.map(|p| &regions[p]);
    zones::paired_zone_rules(c, &raw.replication, paired_zone_region, &mut replication);
    let zone_failures = failures::zone_failures(
        c,
        &raw.failures,
        horizon,
        &failures::ZoneRegions {
            regions: &regions,
            names: &region_names,
            home: home.region,
            paired: paired_with_zones,
        },
    );
    let operations = operations::operations(c, &raw.operations, horizon);
    let dr = dr::dr(
        c,
        &raw,
        &dr::DrContext {
            home: &home,
            region_names: &region_names,
            paired,
            cross_region: cross_region.as_ref(),
            operations: &operations,
            write_bytes_per_sec,
        },
    );
    rpo_bound::needs_dr(c, &raw, dr.is_some());
    let multi_writer = multi_writer::multi_writer(c, &raw, cross_region.is_some());
    if dr.is_some() || !operations.is_empty() {
        operations::check_operation_timeline(
            c,
            &raw.operations,
            &operations,
            dr.as_ref(),
            cross_region.as_ref(),
            raw.environment.data_size.0,
        );
    }
    let environment = environment(c, &raw, &home);

    let random = failures::region_and_link_failures(
        c,
        &raw.failures,
        horizon,
        &failures::FailingRegions {
            names: &region_names,
            home: home.region,
            paired,
            has_link: cross_region.is_some(),
            extra: &extra_indices,
        },
    );
    let scheduled = incidents::incidents(
        c,
        &raw.incidents,
        &incidents::IncidentContext {
            horizon,
            regions: &regions,
            region_names: &region_names,
            home: home.region,
            paired,
            has_link: cross_region.is_some(),
            extra: &extra_indices,
        },
    );
    let targets = targets::targets(c, raw.targets.as_ref());
    let capacity = capacity::capacity(c, raw.capacity.as_ref(), raw.environment.data_size.0);
    let services = services::services(c, &raw.services);

    if !c.diagnostics.is_empty() {
        return None;
    }
    let environment = environment?;
    Some(Scenario {
        name: raw.name.into_inner(),
        description: raw.description.unwrap_or_default(),
        source_hash,
        source_text: c.source.to_string(),
        simulation,
        regions,
        environment,
        workload,
        replication,
        failover,
        zone_failures: zone_failures.processes,
        paired_zone_failures: zone_failures.paired_processes,
        correlated_zone_probability: zone_failures.correlated_probability,
        zone_escalation: zone_failures.escalation,
        scheduled,
        targets,
        region_failures: random.region,
        paired_region_failures: random.paired_region,
        paired_region: paired,
        extra_regions: extra_regions(&extra, random.extra),
        distances,
        region_quorum,
        cross_region,
        dr,
        multi_writer,
        operations,
        link_failures: random.link,
        link_degradation: random.link_degradation,
        capacity,
        services,
        overrides: Vec::new(),
    })
}

/// The environment in its home region, with its backups; `None` while the
/// home region or the environment type is unresolved. Checks the backup
/// keys either way, so their diagnostics come in file order.
fn environment(c: &mut Checker, raw: &RawScenario, home: &topology::Home) -> Option<Environment> {
    let env = &raw.environment;
    let backup_interval = topology::backup_interval(c, env);
    let restore_bandwidth = topology::restore_bandwidth(c, env);
    Some(Environment {
        name: env.name.get_ref().clone(),
        kind: home.kind?,
        region: home.region?,
        home_zone: home.zone,
        data_size: env.data_size.0,
        backup_interval,
        restore_bandwidth,
    })
}

/// Regions beyond the pair (index in `regions`, region number) with their
/// random outage processes, in region-number order.
fn extra_regions(
    extra: &[(usize, u16)],
    failures: Vec<Option<RegionFailures>>,
) -> Vec<ExtraRegion> {
    extra
        .iter()
        .zip(failures)
        .map(|(&(region, number), failures)| ExtraRegion {
            region,
            number,
            failures,
        })
        .collect()
}

/// Finite and strictly positive (NaN is neither).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}
