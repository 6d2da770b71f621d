//! The seeding story. One user-visible master seed; replication `r` reads
//! stream `r` of a ChaCha8 generator (2^64 independent streams); inside a
//! replication every random source (each zone's failures, the failover
//! timings, the write arrivals, ...) has its own generator keyed by a
//! [`Stream`] id, so adding a component never shifts another's draws and a
//! replication's numbers never depend on which thread ran it.

use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;

/// Random sources within one replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Outage process of zone `i` of the home region.
    ZoneFailures(u16),
    /// Whether a random outage of zone `i` of the home region takes a
    /// second zone, and which. One stream per zone (ids 0x6_4000 + i; id 1
    /// was the stream the zones shared), so a zone's correlated partners do
    /// not depend on how many other zones fail (common random numbers
    /// across deployments, `run --failures`).
    ZoneCorrelation(u16),
    /// Reroute and election delays.
    Failover,
    /// Write arrivals inside loss windows.
    Writes,
    /// Sampled commit latencies.
    CommitLatency,
    /// Support-ticket delays of manual recovery.
    SupportTicket,
    /// Zone-to-zone lag of an asynchronous follower (quorum 1).
    FollowerLag,
    /// Outages of the home region.
    RegionFailures,
    /// Partitions and degradations of the cross-region link.
    LinkFailures,
    /// Operator decisions, failover, switch and seeding durations.
    Operator,
    /// Per-batch apply delays at the secondary (indexed by batch number).
    ApplyDelay,
    /// Write arrivals of the exact (per-write) fidelity; each cross-region
    /// link of a replication starts at its own position (`model::exact`).
    ExactWrites,
    /// Whether a region outage that destroys the data takes the in-region
    /// backups with it.
    BackupLoss,
    /// Whether a random outage of zone `i` of the home region escalates to
    /// its region, the delay and the region outage's duration. One stream
    /// per zone (ids 0x6_0000 + i; id 13 was the stream the zones shared),
    /// for the same reason as [`Stream::ZoneCorrelation`].
    ZoneEscalation(u16),
    /// Outages of the home region's paired region.
    PairedRegionFailures,
    /// Provider-managed failover: whether the provider waits the outage
    /// out, and its grace period (`dr.failover_by = "provider"`).
    ProviderFailover,
    /// Set-up time of the re-copy to the former home region after a
    /// failover (`dr.after_failover = "reprotect"`): a stream of its own,
    /// so scenarios differing only in `after_failover` see the same
    /// operator draws.
    Reprotect,
    /// Outage process of zone `i` of the paired region.
    PairedZoneFailures(u16),
    /// [`Stream::ZoneCorrelation`] of zone `i` of the paired region (id 15
    /// was the stream its zones shared).
    PairedZoneCorrelation(u16),
    /// [`Stream::Failover`] (reroute and election delays) in the paired region.
    PairedFailover,
    /// [`Stream::FollowerLag`] in the paired region.
    PairedFollowerLag,
    /// Detection-to-election delays (`reroute` draws) of the leader of a
    /// quorum over regions (`replication.scope = "regions"`).
    VoterElection,
    /// The delay after which a lost quorum over regions re-forms over the
    /// voters up (`replication.reform_after`), one draw per loss.
    QuorumReform,
    /// Partitions of the link to the further secondary region of region
    /// number `k` ≥ 2 (`dr.targets`; the law of `[failures.link]`).
    SecondaryLinkFailures(u16),
    /// Per-batch apply delays on the link to the further secondary region
    /// of region number `k` ≥ 2.
    SecondaryApplyDelay(u16),
    /// Outages of region number `k` ≥ 2 (a region beyond the home region
    /// and its pair, numbered in `[[regions]]` order): up times and
    /// durations. Keyed by the number, not the name, so replication `r` of
    /// every scenario sees the same outages of region `k`.
    ExtraRegionFailures(u16),
    /// Whether an outage of region number `k` ≥ 2 destroys its data, and
    /// takes its backups too.
    ExtraRegionDamage(u16),
    /// [`Stream::ZoneEscalation`] of zone `i` of the paired region (id 18
    /// was the stream its zones shared).
    PairedZoneEscalation(u16),
    /// Several writing regions: the writes left unshipped at a region's
    /// outage and the draw of a replication's lost updates.
    MultiWriter,
    /// Several writing regions: the time a region's clients take to write
    /// in the other region after its outage (`client_reroute`).
    MultiWriterReroute,
    /// Several writing regions: per-batch apply delays of the paired
    /// region's log to the home region.
    MultiWriterApplyDelay,
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::ZoneFailures(i) => 0x1_0000 + u64::from(i),
            Stream::Failover => 2,
            Stream::Writes => 3,
            Stream::CommitLatency => 4,
            Stream::SupportTicket => 5,
            Stream::FollowerLag => 6,
            Stream::RegionFailures => 7,
            Stream::LinkFailures => 8,
            Stream::Operator => 9,
            Stream::ApplyDelay => 10,
            Stream::ExactWrites => 11,
            Stream::BackupLoss => 12,
            Stream::PairedRegionFailures => 14,
            Stream::PairedZoneFailures(i) => 0x2_0000 + u64::from(i),
            Stream::PairedFailover => 16,
            Stream::PairedFollowerLag => 17,
            Stream::ProviderFailover => 19,
            Stream::VoterElection => 20,
            // 40, not 21: far from the ids other pieces take next.
            Stream::QuorumReform => 40,
            Stream::SecondaryLinkFailures(k) => 0x5_0000 + u64::from(k),
            Stream::SecondaryApplyDelay(k) => 0x5_1000 + u64::from(k),
            Stream::ExtraRegionFailures(k) => 0x3_0000 + u64::from(k),
            Stream::ExtraRegionDamage(k) => 0x3_1000 + u64::from(k),
            // Ids 1, 13, 15 and 18 were the streams a region's zones
            // shared for correlation and escalation; a zone index is below
            // MAX_ZONES (1000) < 0x4000, so the four ranges never meet.
            Stream::ZoneEscalation(i) => 0x6_0000 + u64::from(i),
            Stream::ZoneCorrelation(i) => 0x6_4000 + u64::from(i),
            Stream::PairedZoneEscalation(i) => 0x6_8000 + u64::from(i),
            Stream::PairedZoneCorrelation(i) => 0x6_C000 + u64::from(i),
            Stream::Reprotect => 50,
            Stream::MultiWriter => 30,
            Stream::MultiWriterReroute => 31,
            Stream::MultiWriterApplyDelay => 32,
        }
    }
}

/// splitmix64: spreads (seed, component) over the 256-bit ChaCha key so
/// nearby seeds and ids give unrelated keys.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator of `stream` in replication `replication` under `master_seed`.
pub fn stream_rng(master_seed: u64, replication: u64, stream: Stream) -> ChaCha8Rng {
    let mut state = master_seed ^ stream.id().wrapping_mul(0xd6e8_feb8_6659_fd93);
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(replication);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream_rng(1, 5, Stream::Failover).random();
        let b: u64 = stream_rng(1, 5, Stream::Failover).random();
        let c: u64 = stream_rng(1, 6, Stream::Failover).random();
        let d: u64 = stream_rng(1, 5, Stream::Writes).random();
        let e: u64 = stream_rng(2, 5, Stream::Failover).random();
        assert_eq!(a, b);
        assert!(a != c && a != d && a != e);
    }

    /// Pins the generator: if a dependency update changed the numbers, every
    /// published result would silently change with it.
    #[test]
    fn first_draw_is_pinned() {
        let v: u64 = stream_rng(42, 0, Stream::ZoneFailures(0)).random();
        assert_eq!(v, PINNED_FIRST_DRAW);
    }

    const PINNED_FIRST_DRAW: u64 = 17_776_448_199_098_072_904;
}
