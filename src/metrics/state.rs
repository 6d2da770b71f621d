//! The portable form of an [`Aggregator`] (what `shard.json` carries), its
//! decoding, and absorption with checked arithmetic.
//!
//! A state from outside (another machine, a file that may have been edited
//! or damaged) is decoded into an aggregator of its own, structure first
//! (names, lengths, numbers, histogram headers), then checked against the
//! laws every real aggregate obeys (`invariants`), and only then added,
//! every sum checked: a state can be refused, naming its field, but it
//! cannot panic, wrap or allocate beyond its own size.

use super::{
    hdr_v2, invariants, Aggregator, ClassTotals, Components, Moments, Realised, RTO_COMPONENTS,
};
use crate::incident::{IncidentClass, RefusedOperation};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A state that cannot be absorbed: produced by another version or scenario,
/// or damaged. The message starts with the key path of the field at fault
/// (`state.classes.zone.incidents`, ...).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StateError(pub String);

/// The names of the run-wide histograms of [`AggregatorState::histograms`].
const HISTOGRAMS: [&str; 6] = [
    "catch_up_ns",
    "commit_latency_ns",
    "lag_ns",
    "loss_window_ns",
    "seeding_ns",
    "shown_loss_ns",
];

/// Everything an [`Aggregator`] has accumulated, in a portable JSON form
/// (`shard.json`): plain counters, 128-bit sums as decimal strings (JSON
/// numbers lose precision past 2^53 in most readers), exact moments, and
/// every HDR histogram in the standard HdrHistogram V2 encoding (base64, no
/// compression) so any HdrHistogram implementation can read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregatorState {
    pub runs: u64,
    pub events: u64,
    /// Incidents meeting each target, in the scenario's target order.
    pub targets_met: Vec<u64>,
    /// Per incident class name.
    pub classes: BTreeMap<String, ClassState>,
    pub served_ns: MomentsState,
    pub downtime_ns: MomentsState,
    pub read_served_ns: MomentsState,
    pub read_downtime_ns: MomentsState,
    pub incidents_per_run: MomentsState,
    pub lag_at_horizon_ns: MomentsState,
    pub dr_active_ns: MomentsState,
    pub unprotected_ns: MomentsState,
    pub throttled_ns: MomentsState,
    pub throttled_writes: MomentsState,
    pub decisions: BTreeMap<String, u64>,
    /// Refused lifecycle operations: operation → reason → count (> 0).
    pub refused: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per service (scenario order), per class name: total downtime ns (decimal).
    pub service_downtime_ns: Vec<BTreeMap<String, String>>,
    /// Histogram name → base64 of its V2 serialisation.
    pub histograms: BTreeMap<String, String>,
}

/// One incident class of an [`AggregatorState`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassState {
    pub incidents: u64,
    pub interrupted: u64,
    pub disruptive: u64,
    pub rto_zero: u64,
    pub unresolved: u64,
    pub lost_writes: u64,
    pub lost_bytes: u64,
    pub with_loss: u64,
    /// Incidents that lost the environment's data entirely.
    pub total_losses: u64,
    /// Incidents that began as a zone incident (escalated region outages).
    pub escalated: u64,
    /// RPO and RTO over every incident of the class.
    pub all: RealisedState,
    /// RPO and RTO over the disruptive incidents.
    pub disruptive_only: RealisedState,
    /// Time without service charged to the class (ns, decimal u128).
    pub downtime_ns: String,
    /// Decimal u128.
    pub resync_sum_ns: String,
    /// base64 of the V2 serialisation.
    pub resync_ns: String,
    /// RTO components of the disruptive incidents.
    pub rto_components: ComponentsState,
}

/// RTO components in a [`ClassState`], in the order detection, decision,
/// execution, restore, drain, wait.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentsState {
    /// Decimal u128 each.
    pub sum_ns: Vec<String>,
    /// base64 of the V2 serialisation each.
    pub ns: Vec<String>,
}

/// Realised RPO and RTO of a set of incidents in a [`ClassState`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealisedState {
    /// Decimal u128.
    pub rpo_sum_ns: String,
    /// Decimal u128.
    pub rto_sum_ns: String,
    /// base64 of the V2 serialisation.
    pub rpo_ns: String,
    /// base64 of the V2 serialisation.
    pub rto_ns: String,
}

/// Exact moments of integer samples: count, Σx (decimal u128) and Σx²
/// (hexadecimal 256-bit, `0x…`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MomentsState {
    pub n: u64,
    pub sum: String,
    pub sum_sq: String,
}

impl Aggregator {
    /// The accumulated state in its portable form (what a shard writes).
    pub fn to_state(&self) -> AggregatorState {
        AggregatorState {
            runs: self.runs,
            events: self.events,
            targets_met: self.targets_met.clone(),
            classes: self
                .classes
                .iter()
                .map(|(class, c)| (class.name().to_string(), c.to_state()))
                .collect(),
            served_ns: self.served_ns.to_state(),
            downtime_ns: self.downtime_ns.to_state(),
            read_served_ns: self.read_served_ns.to_state(),
            read_downtime_ns: self.read_downtime_ns.to_state(),
            incidents_per_run: self.incidents_per_run.to_state(),
            lag_at_horizon_ns: self.lag_at_horizon_ns.to_state(),
            dr_active_ns: self.dr_active_ns.to_state(),
            unprotected_ns: self.unprotected_ns.to_state(),
            throttled_ns: self.throttled_ns.to_state(),
            throttled_writes: self.throttled_writes.to_state(),
            decisions: self.decisions.clone(),
            refused: self.refused.clone(),
            service_downtime_ns: self
                .service_downtime_ns
                .iter()
                .map(|per_class| {
                    per_class
                        .iter()
                        .map(|(c, ns)| (c.name().to_string(), ns.to_string()))
                        .collect()
                })
                .collect(),
            histograms: HISTOGRAMS
                .iter()
                .zip(self.run_histograms())
                .map(|(name, h)| (name.to_string(), hdr_v2::encode(h)))
                .collect(),
        }
    }

    /// Adds a state produced by [`Aggregator::to_state`] (of the same
    /// scenario) to this one, exactly as if its replications had been
    /// [`add`](Aggregator::add)ed here. The state is decoded and checked
    /// against the laws of a real aggregate first (counts agree with their
    /// histograms, sums with their buckets and moments, targets met with
    /// the incidents judged, ...), every total is added with overflow
    /// checks, and the sum is checked again. Every total is an exact sum, so
    /// the result is bit-identical whatever the order of the absorbed
    /// states. On error `self` may hold part of `state`: discard it.
    pub fn absorb(&mut self, state: &AggregatorState) -> Result<(), StateError> {
        let other = self.decode(state)?;
        invariants::check(&other)?;
        self.checked_absorb(&other)?;
        invariants::check(self)
    }

    /// An empty aggregator of the same scenario.
    fn empty_like(&self) -> Aggregator {
        Aggregator {
            targets: self.targets.clone(),
            services: self.services.clone(),
            capacity: self.capacity.clone(),
            horizon_s: self.horizon_s,
            horizon_ns: self.horizon_ns,
            targets_met: vec![0; self.targets.len()],
            classes: BTreeMap::new(),
            served_ns: Moments::default(),
            downtime_ns: Moments::default(),
            read_served_ns: Moments::default(),
            read_downtime_ns: Moments::default(),
            incidents_per_run: Moments::default(),
            commit_latency_ns: super::histogram(),
            lag_ns: super::histogram(),
            lag_at_horizon_ns: Moments::default(),
            seeding_ns: super::histogram(),
            loss_window_ns: super::histogram(),
            shown_loss_ns: super::histogram(),
            catch_up_ns: super::histogram(),
            decisions: BTreeMap::new(),
            dr_active_ns: Moments::default(),
            unprotected_ns: Moments::default(),
            throttled_ns: Moments::default(),
            throttled_writes: Moments::default(),
            refused: BTreeMap::new(),
            service_downtime_ns: vec![BTreeMap::new(); self.services.len()],
            // Not carried by shard states: `shard` refuses such scenarios.
            multi_writer: None,
            runs: 0,
            events: 0,
        }
    }

    /// The run-wide histograms, in [`HISTOGRAMS`] order.
    fn run_histograms(&self) -> [&Histogram<u64>; 6] {
        [
            &self.catch_up_ns,
            &self.commit_latency_ns,
            &self.lag_ns,
            &self.loss_window_ns,
            &self.seeding_ns,
            &self.shown_loss_ns,
        ]
    }

    fn run_histograms_mut(&mut self) -> [&mut Histogram<u64>; 6] {
        [
            &mut self.catch_up_ns,
            &mut self.commit_latency_ns,
            &mut self.lag_ns,
            &mut self.loss_window_ns,
            &mut self.seeding_ns,
            &mut self.shown_loss_ns,
        ]
    }

    /// `state` as an aggregator of this scenario: its structure checked
    /// (lengths, names, numbers, histogram encodings), not yet its laws.
    fn decode(&self, state: &AggregatorState) -> Result<Aggregator, StateError> {
        if state.targets_met.len() != self.targets.len() {
            return Err(StateError(format!(
                "state.targets_met: {} target counters, the scenario has {} targets",
                state.targets_met.len(),
                self.targets.len()
            )));
        }
        if state.service_downtime_ns.len() != self.services.len() {
            return Err(StateError(format!(
                "state.service_downtime_ns: downtime for {} services, the scenario has {} services",
                state.service_downtime_ns.len(),
                self.services.len()
            )));
        }
        let mut agg = self.empty_like();
        agg.runs = state.runs;
        agg.events = state.events;
        agg.targets_met.clone_from(&state.targets_met);
        for (name, cs) in &state.classes {
            let what = format!("state.classes.{}", quoted(name));
            agg.classes.insert(
                class_named(&what, name)?,
                ClassTotals::from_state(&what, cs)?,
            );
        }
        agg.served_ns = Moments::from_state("state.served_ns", &state.served_ns)?;
        agg.downtime_ns = Moments::from_state("state.downtime_ns", &state.downtime_ns)?;
        agg.read_served_ns = Moments::from_state("state.read_served_ns", &state.read_served_ns)?;
        agg.read_downtime_ns =
            Moments::from_state("state.read_downtime_ns", &state.read_downtime_ns)?;
        agg.incidents_per_run =
            Moments::from_state("state.incidents_per_run", &state.incidents_per_run)?;
        agg.lag_at_horizon_ns =
            Moments::from_state("state.lag_at_horizon_ns", &state.lag_at_horizon_ns)?;
        agg.dr_active_ns = Moments::from_state("state.dr_active_ns", &state.dr_active_ns)?;
        agg.unprotected_ns = Moments::from_state("state.unprotected_ns", &state.unprotected_ns)?;
        agg.throttled_ns = Moments::from_state("state.throttled_ns", &state.throttled_ns)?;
        agg.throttled_writes =
            Moments::from_state("state.throttled_writes", &state.throttled_writes)?;
        for (decision, &n) in &state.decisions {
            check_label("state.decisions", decision, n)?;
        }
        agg.decisions.clone_from(&state.decisions);
        for (operation, reasons) in &state.refused {
            if !RefusedOperation::OPERATIONS.contains(&operation.as_str()) {
                return Err(StateError(format!(
                    "state.refused: unknown operation `{}`, expected one of {:?}",
                    quoted(operation),
                    RefusedOperation::OPERATIONS
                )));
            }
            for (reason, &n) in reasons {
                check_label(&format!("state.refused.{operation}"), reason, n)?;
            }
        }
        agg.refused.clone_from(&state.refused);
        for (i, (mine, theirs)) in agg
            .service_downtime_ns
            .iter_mut()
            .zip(&state.service_downtime_ns)
            .enumerate()
        {
            for (name, ns) in theirs {
                let what = format!("state.service_downtime_ns[{i}].{}", quoted(name));
                mine.insert(class_named(&what, name)?, parse_u128(&what, ns)?);
            }
        }
        if let Some(unknown) = state
            .histograms
            .keys()
            .find(|k| !HISTOGRAMS.contains(&k.as_str()))
        {
            return Err(StateError(format!(
                "state.histograms: unknown histogram `{}`, expected {HISTOGRAMS:?}",
                quoted(unknown)
            )));
        }
        for (name, h) in HISTOGRAMS.iter().zip(agg.run_histograms_mut()) {
            let what = format!("state.histograms.{name}");
            let text = state
                .histograms
                .get(*name)
                .ok_or_else(|| StateError(format!("{what}: missing")))?;
            *h = hdr_v2::decode(&what, text)?;
        }
        Ok(agg)
    }

    /// Adds every total of `other` (decoded and checked) to this one.
    fn checked_absorb(&mut self, other: &Aggregator) -> Result<(), StateError> {
        add_u64("state.runs", &mut self.runs, other.runs)?;
        add_u64("state.events", &mut self.events, other.events)?;
        for (i, (met, add)) in self
            .targets_met
            .iter_mut()
            .zip(&other.targets_met)
            .enumerate()
        {
            add_u64(&format!("state.targets_met[{i}]"), met, *add)?;
        }
        for (class, theirs) in &other.classes {
            self.classes
                .entry(*class)
                .or_insert_with(ClassTotals::new)
                .checked_absorb(&format!("state.classes.{}", class.name()), theirs)?;
        }
        for (what, mine, theirs) in [
            ("state.served_ns", &mut self.served_ns, &other.served_ns),
            (
                "state.downtime_ns",
                &mut self.downtime_ns,
                &other.downtime_ns,
            ),
            (
                "state.read_served_ns",
                &mut self.read_served_ns,
                &other.read_served_ns,
            ),
            (
                "state.read_downtime_ns",
                &mut self.read_downtime_ns,
                &other.read_downtime_ns,
            ),
            (
                "state.incidents_per_run",
                &mut self.incidents_per_run,
                &other.incidents_per_run,
            ),
            (
                "state.lag_at_horizon_ns",
                &mut self.lag_at_horizon_ns,
                &other.lag_at_horizon_ns,
            ),
            (
                "state.dr_active_ns",
                &mut self.dr_active_ns,
                &other.dr_active_ns,
            ),
            (
                "state.unprotected_ns",
                &mut self.unprotected_ns,
                &other.unprotected_ns,
            ),
            (
                "state.throttled_ns",
                &mut self.throttled_ns,
                &other.throttled_ns,
            ),
            (
                "state.throttled_writes",
                &mut self.throttled_writes,
                &other.throttled_writes,
            ),
        ] {
            mine.checked_absorb(what, theirs)?;
        }
        for (d, n) in &other.decisions {
            add_u64(
                &format!("state.decisions.{d}"),
                self.decisions.entry(d.clone()).or_insert(0),
                *n,
            )?;
        }
        for (operation, reasons) in &other.refused {
            let mine = self.refused.entry(operation.clone()).or_default();
            for (reason, n) in reasons {
                let what = format!("state.refused.{operation}.{reason}");
                add_u64(&what, mine.entry(reason.clone()).or_insert(0), *n)?;
            }
        }
        for (i, (mine, theirs)) in self
            .service_downtime_ns
            .iter_mut()
            .zip(&other.service_downtime_ns)
            .enumerate()
        {
            for (class, ns) in theirs {
                let what = format!("state.service_downtime_ns[{i}].{}", class.name());
                add_u128(&what, mine.entry(*class).or_insert(0), *ns)?;
            }
        }
        let theirs = other.run_histograms();
        for ((name, mine), theirs) in HISTOGRAMS.iter().zip(self.run_histograms_mut()).zip(theirs) {
            add_histogram(&format!("state.histograms.{name}"), mine, theirs)?;
        }
        Ok(())
    }
}

impl Realised {
    fn to_state(&self) -> RealisedState {
        RealisedState {
            rpo_sum_ns: self.rpo_sum_ns.to_string(),
            rto_sum_ns: self.rto_sum_ns.to_string(),
            rpo_ns: hdr_v2::encode(&self.rpo_ns),
            rto_ns: hdr_v2::encode(&self.rto_ns),
        }
    }

    fn from_state(what: &str, s: &RealisedState) -> Result<Realised, StateError> {
        Ok(Realised {
            rpo_sum_ns: parse_u128(&format!("{what}.rpo_sum_ns"), &s.rpo_sum_ns)?,
            rto_sum_ns: parse_u128(&format!("{what}.rto_sum_ns"), &s.rto_sum_ns)?,
            rpo_ns: hdr_v2::decode(&format!("{what}.rpo_ns"), &s.rpo_ns)?,
            rto_ns: hdr_v2::decode(&format!("{what}.rto_ns"), &s.rto_ns)?,
        })
    }

    fn checked_absorb(&mut self, what: &str, o: &Realised) -> Result<(), StateError> {
        add_u128(
            &format!("{what}.rpo_sum_ns"),
            &mut self.rpo_sum_ns,
            o.rpo_sum_ns,
        )?;
        add_u128(
            &format!("{what}.rto_sum_ns"),
            &mut self.rto_sum_ns,
            o.rto_sum_ns,
        )?;
        add_histogram(&format!("{what}.rpo_ns"), &mut self.rpo_ns, &o.rpo_ns)?;
        add_histogram(&format!("{what}.rto_ns"), &mut self.rto_ns, &o.rto_ns)
    }
}

impl Components {
    fn to_state(&self) -> ComponentsState {
        ComponentsState {
            sum_ns: self.sum_ns.iter().map(u128::to_string).collect(),
            ns: self.ns.iter().map(hdr_v2::encode).collect(),
        }
    }

    fn from_state(what: &str, s: &ComponentsState) -> Result<Components, StateError> {
        if s.sum_ns.len() != RTO_COMPONENTS.len() || s.ns.len() != RTO_COMPONENTS.len() {
            return Err(StateError(format!(
                "{what}: expected {} components, found {} sums and {} histograms",
                RTO_COMPONENTS.len(),
                s.sum_ns.len(),
                s.ns.len()
            )));
        }
        let mut c = Components::new();
        for (k, name) in RTO_COMPONENTS.iter().enumerate() {
            c.sum_ns[k] = parse_u128(&format!("{what}.sum_ns.{name}"), &s.sum_ns[k])?;
            c.ns[k] = hdr_v2::decode(&format!("{what}.ns.{name}"), &s.ns[k])?;
        }
        Ok(c)
    }

    fn checked_absorb(&mut self, what: &str, o: &Components) -> Result<(), StateError> {
        for (k, name) in RTO_COMPONENTS.iter().enumerate() {
            add_u128(
                &format!("{what}.sum_ns.{name}"),
                &mut self.sum_ns[k],
                o.sum_ns[k],
            )?;
            add_histogram(&format!("{what}.ns.{name}"), &mut self.ns[k], &o.ns[k])?;
        }
        Ok(())
    }
}

impl ClassTotals {
    fn to_state(&self) -> ClassState {
        ClassState {
            incidents: self.incidents,
            interrupted: self.interrupted,
            disruptive: self.disruptive,
            rto_zero: self.rto_zero,
            unresolved: self.unresolved,
            lost_writes: self.lost_writes,
            lost_bytes: self.lost_bytes,
            with_loss: self.with_loss,
            total_losses: self.total_losses,
            escalated: self.escalated,
            all: self.all.to_state(),
            disruptive_only: self.disrupted.to_state(),
            downtime_ns: self.downtime_ns.to_string(),
            resync_sum_ns: self.resync_sum_ns.to_string(),
            resync_ns: hdr_v2::encode(&self.resync_ns),
            rto_components: self.components.to_state(),
        }
    }

    fn from_state(what: &str, cs: &ClassState) -> Result<ClassTotals, StateError> {
        Ok(ClassTotals {
            incidents: cs.incidents,
            interrupted: cs.interrupted,
            disruptive: cs.disruptive,
            rto_zero: cs.rto_zero,
            unresolved: cs.unresolved,
            lost_writes: cs.lost_writes,
            lost_bytes: cs.lost_bytes,
            with_loss: cs.with_loss,
            total_losses: cs.total_losses,
            escalated: cs.escalated,
            all: Realised::from_state(&format!("{what}.all"), &cs.all)?,
            disrupted: Realised::from_state(
                &format!("{what}.disruptive_only"),
                &cs.disruptive_only,
            )?,
            components: Components::from_state(
                &format!("{what}.rto_components"),
                &cs.rto_components,
            )?,
            downtime_ns: parse_u128(&format!("{what}.downtime_ns"), &cs.downtime_ns)?,
            resync_ns: hdr_v2::decode(&format!("{what}.resync_ns"), &cs.resync_ns)?,
            resync_sum_ns: parse_u128(&format!("{what}.resync_sum_ns"), &cs.resync_sum_ns)?,
        })
    }

    fn checked_absorb(&mut self, what: &str, o: &ClassTotals) -> Result<(), StateError> {
        for (field, mine, theirs) in [
            ("incidents", &mut self.incidents, o.incidents),
            ("interrupted", &mut self.interrupted, o.interrupted),
            ("disruptive", &mut self.disruptive, o.disruptive),
            ("rto_zero", &mut self.rto_zero, o.rto_zero),
            ("unresolved", &mut self.unresolved, o.unresolved),
            ("with_loss", &mut self.with_loss, o.with_loss),
            ("total_losses", &mut self.total_losses, o.total_losses),
            ("escalated", &mut self.escalated, o.escalated),
        ] {
            add_u64(&format!("{what}.{field}"), mine, theirs)?;
        }
        // Saturating like `add`: min(Σ, u64::MAX) of non-negative terms is
        // still order-independent.
        self.lost_writes = self.lost_writes.saturating_add(o.lost_writes);
        self.lost_bytes = self.lost_bytes.saturating_add(o.lost_bytes);
        self.all.checked_absorb(&format!("{what}.all"), &o.all)?;
        self.disrupted
            .checked_absorb(&format!("{what}.disruptive_only"), &o.disrupted)?;
        self.components
            .checked_absorb(&format!("{what}.rto_components"), &o.components)?;
        add_u128(
            &format!("{what}.downtime_ns"),
            &mut self.downtime_ns,
            o.downtime_ns,
        )?;
        add_u128(
            &format!("{what}.resync_sum_ns"),
            &mut self.resync_sum_ns,
            o.resync_sum_ns,
        )?;
        add_histogram(
            &format!("{what}.resync_ns"),
            &mut self.resync_ns,
            &o.resync_ns,
        )
    }
}

fn overflow(what: &str) -> StateError {
    StateError(format!(
        "{what}: the total passes the largest value it can hold (the shards add up to more \
         than any run can produce)"
    ))
}

fn add_u64(what: &str, total: &mut u64, x: u64) -> Result<(), StateError> {
    *total = total.checked_add(x).ok_or_else(|| overflow(what))?;
    Ok(())
}

fn add_u128(what: &str, total: &mut u128, x: u128) -> Result<(), StateError> {
    *total = total.checked_add(x).ok_or_else(|| overflow(what))?;
    Ok(())
}

/// Adds `from`'s counts to `into`, refusing a total count past 2^64 − 1
/// (hdrhistogram would saturate it silently).
fn add_histogram(
    what: &str,
    into: &mut Histogram<u64>,
    from: &Histogram<u64>,
) -> Result<(), StateError> {
    into.len()
        .checked_add(from.len())
        .ok_or_else(|| overflow(what))?;
    into.add(from)
        .map_err(|e| StateError(format!("{what}: {e:?}")))
}

/// A decision or refusal reason: a short lowercase name (`wait-policy`,
/// `seeding`) with a positive count, as the simulation writes them; anything
/// else would reach the summary and the terminal verbatim.
fn check_label(what: &str, label: &str, n: u64) -> Result<(), StateError> {
    let well_formed = !label.is_empty()
        && label.len() <= 64
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !well_formed || n == 0 {
        return Err(StateError(format!(
            "{what}: `{}` = {n} needs a lowercase name (a-z, 0-9, -) and a positive count",
            quoted(label)
        )));
    }
    Ok(())
}

fn class_named(what: &str, name: &str) -> Result<IncidentClass, StateError> {
    IncidentClass::from_name(name)
        .ok_or_else(|| StateError(format!("{what}: unknown incident class `{}`", quoted(name))))
}

pub(super) fn parse_u128(what: &str, text: &str) -> Result<u128, StateError> {
    text.parse()
        .map_err(|_| StateError(format!("{what}: `{}` is not a decimal u128", quoted(text))))
}

/// `text` for an error message: at most 80 characters (with an ellipsis)
/// and control characters escaped, whatever a damaged file holds.
pub(crate) fn quoted(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(80)
        .flat_map(char::escape_default)
        .collect();
    if text.chars().nth(80).is_some() {
        out.push('…');
    }
    out
}
