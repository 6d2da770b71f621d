//! Whether reads are served, beside whether writes are (`service.rs`).
//!
//! Reads are served whenever writes are, and also, while writes are not,
//! from any copy that can answer them: the secondary copy in the paired
//! region with `cross_region.readable_secondary` (RA-GRS, RA-GZRS, Cosmos
//! DB read regions, see [`Replication::secondary_serves_reads`]); a voter
//! that is up, with `replication.readable_voters` (a quorum over regions);
//! either writing region that is up (several writing regions).
//!
//! **The interface for a replication mode that serves reads elsewhere**
//! (surviving regions of a cross-region quorum, the other writers of a
//! multi-writer mode): add your rule to [`Replication::reads_served`], a
//! plain question about the state (`writes served || secondary readable ||
//! <your rule>`). The model asks it after every event (`Replication::step`)
//! and marks the answer in its [`ReadLog`], which keeps the books (read
//! downtime spans, read-down time) and ignores a mark that changes nothing.
//! Reads being served whenever writes are is built in: a rule can only add
//! read service, never take it away.

use super::{dr, Replication};
use crate::scenario::Side;
use crate::time::SimTime;
use serde::Serialize;

/// One stretch during which no copy served reads (ns since the start of
/// the replication). Always inside a stretch without writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReadDowntimeSpan {
    pub start_ns: u64,
    pub end_ns: u64,
}

/// The read downtime of one replication, as it is marked.
#[derive(Clone, Debug, Default)]
pub struct ReadLog {
    /// When reads stopped being served, while they are not.
    down_since: Option<SimTime>,
    /// The closed stretches without reads, in time order.
    spans: Vec<ReadDowntimeSpan>,
}

impl ReadLog {
    /// Reads are served (`true`) or not from `now` on. A mark that changes
    /// nothing does nothing.
    pub fn mark(&mut self, now: SimTime, served: bool) {
        match (self.down_since, served) {
            (None, false) => self.down_since = Some(now),
            (Some(since), true) => {
                self.down_since = None;
                self.close(since, now);
            }
            _ => {}
        }
    }

    /// Closes the books at `horizon`: the spans without reads, in time
    /// order, and their total (ns).
    pub fn finish(mut self, horizon: SimTime) -> (Vec<ReadDowntimeSpan>, u64) {
        if let Some(since) = self.down_since.take() {
            self.close(since, horizon);
        }
        let total = self.spans.iter().map(|s| s.end_ns - s.start_ns).sum();
        (self.spans, total)
    }

    /// Records `[since, until)`, joined to the previous stretch when they
    /// touch (reads back and gone again at one instant never served any).
    fn close(&mut self, since: SimTime, until: SimTime) {
        if until <= since {
            return;
        }
        match self.spans.last_mut() {
            Some(last) if last.end_ns == since.0 => last.end_ns = until.0,
            _ => self.spans.push(ReadDowntimeSpan {
                start_ns: since.0,
                end_ns: until.0,
            }),
        }
    }
}

impl Replication<'_> {
    /// Some copy answers reads now: writes are served, or the secondary
    /// copy is readable. Asked after every event; a replication mode that
    /// serves reads from elsewhere adds its rule here (see the module doc).
    pub(super) fn reads_served(&self) -> bool {
        self.service.is_serving()
            || self.secondary_serves_reads()
            || self.voter_serves_reads()
            || self.writer_serves_reads()
    }

    /// A quorum over regions with `readable_voters`: a voter that is up
    /// and holds data (not a witness) answers reads, stale ones while the
    /// quorum (or the leader) is lost. Voters removed by a re-form hold the
    /// data up to their removal and answer too: whether the service lets
    /// them (Cosmos DB's removed regions do not) is below this model.
    fn voter_serves_reads(&self) -> bool {
        let Some(q) = self.sc.region_quorum.as_ref() else {
            return false;
        };
        q.readable_voters
            && q.voters
                .iter()
                .enumerate()
                .any(|(v, voter)| !voter.witness && self.voter_up(v))
    }

    /// Several writing regions: each holds the data and answers its
    /// clients' reads while it is up with its zone quorum, so reads stop
    /// only while neither region can (the home clients' reroute does not
    /// interrupt the other region's reads).
    fn writer_serves_reads(&self) -> bool {
        self.writers.is_some()
            && (self.region_accepts(Side::Home) || self.region_accepts(Side::Paired))
    }

    /// The secondary copy answers reads now (`readable_secondary`): DR
    /// holds a whole copy of a primary at home in the paired region
    /// (protected, a drill's drain, a failover under way; not while
    /// seeding or catching up: the copy is not whole), and the paired
    /// region is up with its zone quorum (as it must be to take the log).
    /// Once failed over the environment serves from the paired region and
    /// no copy of it is readable elsewhere: reads follow writes.
    pub(super) fn secondary_serves_reads(&self) -> bool {
        let readable = self
            .sc
            .cross_region
            .as_ref()
            .is_some_and(|cr| cr.readable_secondary);
        readable
            && matches!(
                self.dr.phase,
                dr::Phase::Protected
                    | dr::Phase::Draining
                    | dr::Phase::FailingOver
                    | dr::Phase::SwitchingBack
            )
            && !self.dr.paired_unavailable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_close_on_return_and_at_the_horizon() {
        let mut log = ReadLog::default();
        log.mark(SimTime(10), true);
        log.mark(SimTime(20), false);
        log.mark(SimTime(25), false);
        log.mark(SimTime(30), true);
        log.mark(SimTime(40), false);
        log.mark(SimTime(50), true);
        log.mark(SimTime(50), false);
        let (spans, total) = log.finish(SimTime(100));
        assert_eq!(
            spans,
            vec![
                ReadDowntimeSpan {
                    start_ns: 20,
                    end_ns: 30
                },
                ReadDowntimeSpan {
                    start_ns: 40,
                    end_ns: 100
                },
            ]
        );
        assert_eq!(total, 70);
    }
}
