//! Several writing regions (`[multi_writer]`): the home region and its
//! paired region both accept writes and each ships its own log to the other
//! over the `[cross_region]` link (one fluid [`AsyncLink`] per direction,
//! the same laws both ways; partitions and degradations act on both).
//!
//! - **Where clients write.** Each region's clients write into their own
//!   region while it accepts writes (region up, its zone quorum holding).
//!   A region outage stops them; `client_reroute` after its start (a draw
//!   from [`Stream::MultiWriterReroute`]) they write into the other region,
//!   if it accepts writes, until their own accepts writes again. The home
//!   clients' writes are the scenario's service (availability, RTO: the
//!   reroute time); the paired clients' served time is reported beside it.
//! - **What an outage does to unshipped writes.** At a region's outage the
//!   writes it committed after its link's last sync time have not reached
//!   the other region: destroyed, they are lost (charged to the region
//!   incident, as any loss); otherwise they are **deferred** and delivered
//!   when the region returns (count, and the age of the oldest at delivery).
//! - **Lost updates** follow `conflicts`: at rest (both regions writing,
//!   link up) at the steady rate of the lag's law; during a partition with
//!   both regions writing, each write's window runs to the partition's end
//!   plus the steady mean lag; a deferred backlog competes with every write
//!   the other region takes until the return (its own clients' and, after
//!   the reroute, the returning region's). The expected count accumulates
//!   and a replication's count is one Poisson draw of it
//!   ([`Stream::MultiWriter`]).

use super::conflicts::{steady_lost_rate, KeySpace, Segment, SteadyLag};
use super::link::AsyncLink;
use super::loss::{poisson, sample_loss};
use super::service::ServiceLog;
use super::{Event, Replication};
use crate::engine::rng::{stream_rng, Stream};
use crate::scenario::{Scenario, Side};
use crate::time::{SimDuration, SimTime};
use rand::rngs::ChaCha8Rng;

/// Equally likely apply delays a random apply law is summarised by.
const APPLY_QUANTILES: usize = 4;

/// What the multi-writer accounting adds to a replication's outcome.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MultiWriterTotals {
    /// Writes silently overwritten by a concurrent write of the other region.
    pub lost_updates: u64,
    /// The expectation `lost_updates` was drawn from.
    pub expected_lost_updates: f64,
    /// Unshipped writes of a region that went down and came back, delivered
    /// at its return.
    pub deferred_writes: u64,
    /// Outages that deferred at least one write.
    pub deferrals: u32,
    /// Longest deferral: from the oldest deferred write to its delivery (ns).
    pub deferral_max_ns: u64,
    /// Nanoseconds the paired region's clients had their writes served.
    pub paired_clients_served_ns: u64,
}

/// How the two regions write right now, for the conflict accounting.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Regime {
    /// Both write locally, the link carries both logs.
    AtRest,
    /// Both write locally, the link is partitioned.
    Partitioned,
    /// One region (or both) does not take writes: its deferral accounts.
    OneSided,
}

/// A region's outage in progress, as far as its unshipped writes go.
struct Deferral {
    down_at: SimTime,
    /// Its link's last sync time at the outage: writes after it had not arrived.
    synced: SimTime,
    writes: u64,
    oldest: SimTime,
    /// When its clients started writing in the other region.
    rerouted_at: Option<SimTime>,
}

pub(super) struct Writers {
    keys: KeySpace,
    /// Each region's own clients' writes per second (`[home, paired]`).
    rates: [f64; 2],
    /// Mean steady lag of each region's log to the other (seconds).
    mean_lag: [f64; 2],
    /// Lost updates per second at rest, both regions.
    steady_rate: f64,
    /// When each region accepted writes locally (the positions of its log).
    local: [ServiceLog; 2],
    /// Each region's log to the other.
    links: [AsyncLink; 2],
    factor: [f64; 2],
    rerouted: [bool; 2],
    reroute_epoch: [u64; 2],
    paired_clients: ServiceLog,
    regime: Regime,
    regime_since: SimTime,
    deferrals: [Option<Deferral>; 2],
    totals: MultiWriterTotals,
    rng: ChaCha8Rng,
    reroute_rng: ChaCha8Rng,
}

impl Writers {
    pub(super) fn new(sc: &Scenario, run: u64) -> Option<Writers> {
        let mw = sc.multi_writer.as_ref()?;
        let cr = sc.cross_region.as_ref()?;
        let seed = sc.simulation.seed;
        let rates = [sc.workload.write_rate, mw.paired_write_rate];
        let size = sc.workload.write_size as f64;
        let keys = KeySpace::new(mw.keys, mw.key_skew);
        let apply: Vec<f64> = match cr.apply_delay {
            crate::dist::Dist::Constant(d) => vec![d.as_secs_f64()],
            ref law => (0..APPLY_QUANTILES)
                .map(|i| {
                    law.quantile((i as f64 + 0.5) / APPLY_QUANTILES as f64)
                        .as_secs_f64()
                })
                .collect(),
        };
        let lag = |rate: f64| SteadyLag {
            fixed: cr.batch_interval.as_secs_f64() * rate * size / cr.bandwidth
                + cr.one_way.as_secs_f64(),
            batch: cr.batch_interval.as_secs_f64(),
            apply: apply.clone(),
        };
        let lags = [lag(rates[0]), lag(rates[1])];
        let steady_rate = steady_lost_rate(&keys, rates[0], rates[1], &lags[0])
            + steady_lost_rate(&keys, rates[1], rates[0], &lags[1]);
        let mut local = [ServiceLog::default(), ServiceLog::default()];
        for l in &mut local {
            l.start(SimTime::ZERO);
        }
        let link = |side: usize, stream| {
            AsyncLink::new(
                &local[side],
                SimTime::ZERO,
                cr.batch_interval,
                cr.one_way,
                cr.bandwidth,
                rates[side] * size,
                cr.sync_delay(),
                stream_rng(seed, run, stream),
                false,
            )
        };
        let links = [
            link(0, Stream::ApplyDelay),
            link(1, Stream::MultiWriterApplyDelay),
        ];
        let mut paired_clients = ServiceLog::default();
        paired_clients.start(SimTime::ZERO);
        Some(Writers {
            keys,
            rates,
            mean_lag: [lags[0].mean(), lags[1].mean()],
            steady_rate,
            local,
            links,
            factor: [1.0, 1.0],
            rerouted: [false, false],
            reroute_epoch: [0, 0],
            paired_clients,
            regime: Regime::AtRest,
            regime_since: SimTime::ZERO,
            deferrals: [None, None],
            totals: MultiWriterTotals::default(),
            rng: stream_rng(seed, run, Stream::MultiWriter),
            reroute_rng: stream_rng(seed, run, Stream::MultiWriterReroute),
        })
    }

    /// Expected lost updates of the regime that ends at `now`.
    fn close_regime(&mut self, now: SimTime) {
        let secs = now.since(self.regime_since).as_secs_f64();
        self.totals.expected_lost_updates += match self.regime {
            Regime::AtRest => self.steady_rate * secs,
            Regime::Partitioned => (0..2)
                .map(|s| {
                    let (own, other, lag) = (self.rates[s], self.rates[1 - s], self.mean_lag[s]);
                    self.keys.lost_over_span(own, secs, |u| {
                        vec![Segment {
                            own,
                            other,
                            secs: secs - u + lag,
                        }]
                    })
                })
                .sum(),
            Regime::OneSided => 0.0,
        };
        self.regime_since = now;
    }

    /// Closes the books at the horizon.
    pub(super) fn finish(mut self, horizon: SimTime) -> MultiWriterTotals {
        self.close_regime(horizon);
        self.totals.lost_updates = poisson(self.totals.expected_lost_updates, &mut self.rng);
        self.totals.paired_clients_served_ns = self.paired_clients.served_until(horizon);
        self.totals
    }
}

impl Replication<'_> {
    /// Brings the two regions' logs, links and the conflict regime in line
    /// with the world after any change (called at the end of `reconcile`
    /// and at link changes).
    pub(super) fn sync_writers(&mut self, now: SimTime) {
        let accepts = [
            self.region_accepts(Side::Home),
            self.region_accepts(Side::Paired),
        ];
        let path = self.dr.path_factor();
        let Some(w) = self.writers.as_mut() else {
            return;
        };
        let mut reroutes = Vec::new();
        for s in 0..2 {
            let was = w.local[s].is_serving();
            if accepts[s] && !was {
                w.local[s].start(now);
                w.rerouted[s] = false;
                w.reroute_epoch[s] += 1;
            } else if !accepts[s] && was {
                w.local[s].stop(now);
                w.reroute_epoch[s] += 1;
                reroutes.push((s, w.reroute_epoch[s]));
            }
            // A region's log ships while the other region takes it.
            let factor = if accepts[1 - s] { path } else { 0.0 };
            if factor != w.factor[s] {
                w.factor[s] = factor;
                w.links[s].set_factor(&w.local[s], now, factor);
            } else if accepts[s] != was {
                w.links[s].reanchor(&w.local[s], now);
            }
        }
        let paired_served = accepts[1] || (w.rerouted[1] && accepts[0]);
        if paired_served {
            w.paired_clients.start(now);
        } else {
            w.paired_clients.stop(now);
        }
        let regime = match (accepts, path > 0.0) {
            ([true, true], true) => Regime::AtRest,
            ([true, true], false) => Regime::Partitioned,
            _ => Regime::OneSided,
        };
        if regime != w.regime {
            w.close_regime(now);
            w.regime = regime;
        }
        for (s, epoch) in reroutes {
            let delay = match (&self.sc.multi_writer, self.writers.as_mut()) {
                (Some(m), Some(w)) => m.client_reroute.sample(&mut w.reroute_rng),
                _ => SimDuration::ZERO,
            };
            let side = Side::BOTH[s];
            self.sched
                .after(delay, Event::ClientReroute { side, epoch });
        }
    }

    /// Whether a reroute of `side`'s clients planned in `epoch` still
    /// stands (its region has not taken writes again since).
    pub(super) fn reroute_is_current(&self, side: Side, epoch: u64) -> bool {
        self.writers
            .as_ref()
            .is_some_and(|w| w.reroute_epoch[side.index()] == epoch)
    }

    /// The home clients write in the paired region (several writing
    /// regions, home region not taking writes): the zone model's loss
    /// questions do not apply to the home region's zones then.
    pub(super) fn home_clients_rerouted(&self) -> bool {
        self.writers.as_ref().is_some_and(|w| w.rerouted[0])
    }

    /// Whether `side` takes writes locally: region up, its zone quorum held.
    pub(super) fn region_accepts(&self, side: Side) -> bool {
        match side {
            Side::Home => self.dr.region_down == 0 && self.zones_of(Side::Home).quorum_serving,
            Side::Paired => !self.dr.paired_unavailable(),
        }
    }

    /// A region outage of `side` begins (`incident`): its unshipped writes
    /// are lost if it `destroys` the data, deferred otherwise; its clients
    /// will move to the other region after the reroute time.
    pub(super) fn writers_region_down(
        &mut self,
        now: SimTime,
        side: Side,
        incident: usize,
        destroys: bool,
    ) {
        let size = self.sc.workload.write_size;
        let Some(w) = self.writers.as_mut() else {
            return;
        };
        let s = side.index();
        if w.deferrals[s].is_some() {
            // Still down from an earlier outage: its writes were settled then.
            return;
        }
        // The region may have stopped writing before (its zone quorum lost).
        let stopped = w.local[s].frontier(now);
        let synced = w.links[s].last_sync(&w.local[s], now).min(stopped);
        let loss = sample_loss(&w.local[s], synced, stopped, w.rates[s], size, &mut w.rng);
        if destroys {
            self.record_loss(incident, loss);
            return;
        }
        w.deferrals[s] = Some(Deferral {
            down_at: stopped,
            synced,
            writes: loss.writes,
            oldest: SimTime(stopped.0.saturating_sub(loss.rpo.0)),
            rerouted_at: None,
        });
    }

    /// `side`'s region is back: its deferred writes are delivered now and
    /// compete with what the other region took meanwhile.
    pub(super) fn writers_region_up(&mut self, now: SimTime, side: Side) {
        let Some(w) = self.writers.as_mut() else {
            return;
        };
        let s = side.index();
        let Some(d) = w.deferrals[s].take() else {
            return;
        };
        if d.writes == 0 {
            return;
        }
        w.totals.deferred_writes += d.writes;
        w.totals.deferrals += 1;
        w.totals.deferral_max_ns = w.totals.deferral_max_ns.max(now.since(d.oldest).0);
        let (own, other) = (w.rates[s], w.rates[1 - s]);
        let span = d.down_at.since(d.synced).as_secs_f64();
        let down = now.since(d.down_at).as_secs_f64();
        let alone = d
            .rerouted_at
            .map_or(down, |r| r.since(d.down_at).as_secs_f64().min(down));
        w.totals.expected_lost_updates += w.keys.lost_over_span(own, span, |u| {
            vec![
                Segment {
                    own,
                    other,
                    secs: span - u,
                },
                Segment {
                    own: 0.0,
                    other,
                    secs: alone,
                },
                Segment {
                    own: 0.0,
                    other: own + other,
                    secs: down - alone,
                },
            ]
        });
    }

    /// `client_reroute` after `side` stopped taking writes (its region
    /// down, or its zone quorum lost): its clients write in the other
    /// region if theirs still takes none (`epoch` is then current).
    pub(super) fn client_reroute(&mut self, now: SimTime, side: Side, epoch: u64) {
        let Some(w) = self.writers.as_mut() else {
            return;
        };
        let s = side.index();
        if epoch != w.reroute_epoch[s] {
            return;
        }
        w.rerouted[s] = true;
        if let Some(d) = w.deferrals[s].as_mut() {
            d.rerouted_at.get_or_insert(now);
        }
        self.reconcile(now, None, Some("clients-rerouted"));
    }
}
