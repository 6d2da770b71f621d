//! When writes were served. Writes arrive only while the service is up, so
//! "how many writes committed between two instants" is a question about
//! served time, and this log answers it without storing any write.
//!
//! **Admitted share.** While the RPO bound throttles writes
//! (`cross_region.rpo_bound.action = "throttle"`), only a share of the
//! offered writes commits: each serving period carries the share it
//! admits (piecewise constant, 1 unless throttled), and positions are
//! *write-weighted* served nanoseconds (`served_until`: one nanosecond of
//! service at share `a` is `a` nanoseconds of position), so every question
//! about writes (the link's batches, losses, the resync) stays a question
//! about positions. The plain served time, for availability, is `up_until`.

use crate::time::SimTime;

#[derive(Clone, Copy, Debug)]
struct Period {
    start: SimTime,
    /// `None` while the period is still open.
    end: Option<SimTime>,
    /// Write-weighted served nanoseconds before `start` (the position).
    served_before: u64,
    /// Served nanoseconds before `start` (availability).
    up_before: u64,
    /// Share of the offered writes admitted in this period, in (0, 1].
    admitted: f64,
}

impl Period {
    /// Position gained over `ns` nanoseconds of this period.
    fn weighted(&self, ns: u64) -> u64 {
        if self.admitted == 1.0 {
            ns
        } else {
            (ns as f64 * self.admitted).round() as u64
        }
    }

    /// Nanoseconds of this period needed to gain `position`.
    fn unweighted(&self, position: u64) -> u64 {
        if self.admitted == 1.0 {
            position
        } else {
            (position as f64 / self.admitted).ceil() as u64
        }
    }
}

/// Serving periods of one replication, in order.
#[derive(Clone, Debug, Default)]
pub struct ServiceLog {
    periods: Vec<Period>,
}

impl ServiceLog {
    pub fn is_serving(&self) -> bool {
        matches!(self.periods.last(), Some(p) if p.end.is_none())
    }

    /// Writes are served again from `now`, all of them admitted.
    pub fn start(&mut self, now: SimTime) {
        self.start_admitting(now, 1.0);
    }

    /// Writes are served again from `now`, the share `admitted` of them.
    fn start_admitting(&mut self, now: SimTime, admitted: f64) {
        if self.is_serving() {
            return;
        }
        let served_before = self.served_until(now);
        let up_before = self.up_until(now);
        self.periods.push(Period {
            start: now,
            end: None,
            served_before,
            up_before,
            admitted,
        });
    }

    /// While serving, admits the share `admitted` in (0, 1] of the offered
    /// writes from `now` on (the RPO bound's throttle); a new period starts.
    pub fn set_admitted(&mut self, now: SimTime, admitted: f64) {
        let admitted = admitted.clamp(f64::MIN_POSITIVE, 1.0);
        match self.periods.last() {
            Some(p) if p.end.is_none() && p.admitted != admitted => {
                self.stop(now);
                self.start_admitting(now, admitted);
            }
            _ => {}
        }
    }

    /// Share of the offered writes admitted now (1 when not serving).
    pub fn admitted(&self) -> f64 {
        match self.periods.last() {
            Some(p) if p.end.is_none() => p.admitted,
            _ => 1.0,
        }
    }

    /// Writes stop being served at `now`.
    pub fn stop(&mut self, now: SimTime) {
        if let Some(p) = self.periods.last_mut() {
            if p.end.is_none() {
                p.end = Some(now);
            }
        }
    }

    /// The commit frontier: the newest instant at which a write could have
    /// committed (now while serving, else when serving last stopped).
    pub fn frontier(&self, now: SimTime) -> SimTime {
        match self.periods.last() {
            Some(Period { end: None, .. }) => now,
            Some(Period { end: Some(e), .. }) => *e,
            None => SimTime::ZERO,
        }
    }

    /// The period holding `t`, or the last one before it.
    fn period_at(&self, t: SimTime) -> Option<Period> {
        match self.periods.last() {
            // Most questions are about the current period.
            Some(&last) if last.start <= t => Some(last),
            _ => match self.periods.partition_point(|p| p.start <= t) {
                0 => None,
                i => Some(self.periods[i - 1]),
            },
        }
    }

    /// Write-weighted served nanoseconds in `[0, t)`: the served time, each
    /// nanosecond weighted by the share of writes admitted then (equal to
    /// the served time unless the RPO bound throttled writes).
    pub fn served_until(&self, t: SimTime) -> u64 {
        let Some(p) = self.period_at(t) else {
            return 0;
        };
        let end = p.end.map_or(t, |e| e.min(t));
        p.served_before + p.weighted(end.since(p.start).0)
    }

    /// Served nanoseconds in `[0, t)` (availability), whatever the share admitted.
    pub fn up_until(&self, t: SimTime) -> u64 {
        let Some(p) = self.period_at(t) else {
            return 0;
        };
        let end = p.end.map_or(t, |e| e.min(t));
        p.up_before + end.since(p.start).0
    }

    /// The wall-clock instant at which `served` nanoseconds of service had
    /// elapsed: maps a write's position in served time back to real time.
    pub fn wall_at(&self, served: u64) -> SimTime {
        let i = self.periods.partition_point(|p| p.served_before <= served);
        if i == 0 {
            return SimTime::ZERO;
        }
        let p = self.periods[i - 1];
        let t = SimTime(p.start.0 + p.unweighted(served - p.served_before));
        match p.end {
            Some(e) => t.min(e),
            None => t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_time_skips_outages() {
        let mut log = ServiceLog::default();
        log.start(SimTime(0));
        log.stop(SimTime(100));
        log.start(SimTime(150));
        assert_eq!(log.served_until(SimTime(50)), 50);
        assert_eq!(log.served_until(SimTime(120)), 100);
        assert_eq!(log.served_until(SimTime(200)), 150);
        assert_eq!(log.wall_at(99), SimTime(99));
        // Served position 100 is reached again only when service resumes.
        assert_eq!(log.wall_at(100), SimTime(150));
        assert_eq!(log.wall_at(101), SimTime(151));
        assert_eq!(log.frontier(SimTime(300)), SimTime(300));
        log.stop(SimTime(310));
        assert_eq!(log.frontier(SimTime(400)), SimTime(310));
        assert!(!log.is_serving());
    }

    #[test]
    fn a_throttled_period_admits_its_share_of_the_writes() {
        let mut log = ServiceLog::default();
        log.start(SimTime(0));
        log.set_admitted(SimTime(100), 0.25);
        assert_eq!(log.admitted(), 0.25);
        // 100 ns at full share, then 200 ns at a quarter: 150 of position.
        assert_eq!(log.served_until(SimTime(300)), 150);
        assert_eq!(log.up_until(SimTime(300)), 300);
        // Position 140 was reached 160 ns into the throttled period.
        assert_eq!(log.wall_at(140), SimTime(260));
        log.set_admitted(SimTime(300), 1.0);
        assert_eq!(log.served_until(SimTime(310)), 160);
        log.stop(SimTime(400));
        // Stopped: nothing to admit; a restart admits everything.
        log.set_admitted(SimTime(450), 0.5);
        log.start(SimTime(500));
        assert_eq!(log.admitted(), 1.0);
        assert_eq!(log.up_until(SimTime(600)), 500);
        assert_eq!(log.served_until(SimTime(600)), 350);
    }
}
