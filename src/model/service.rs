//! When writes were served. Writes arrive only while the service is up, so
//! "how many writes committed between two instants" is a question about
//! served time, and this log answers it without storing any write.

use crate::time::SimTime;

#[derive(Clone, Copy, Debug)]
struct Period {
    start: SimTime,
    /// `None` while the period is still open.
    end: Option<SimTime>,
    /// Served nanoseconds before `start`.
    served_before: u64,
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

    /// Writes are served again from `now`.
    pub fn start(&mut self, now: SimTime) {
        if self.is_serving() {
            return;
        }
        let served_before = self.served_until(now);
        self.periods.push(Period {
            start: now,
            end: None,
            served_before,
        });
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

    /// Served nanoseconds in `[0, t)`.
    pub fn served_until(&self, t: SimTime) -> u64 {
        let p = match self.periods.last() {
            // Most questions are about the current period.
            Some(&last) if last.start <= t => last,
            _ => match self.periods.partition_point(|p| p.start <= t) {
                0 => return 0,
                i => self.periods[i - 1],
            },
        };
        let end = p.end.map_or(t, |e| e.min(t));
        p.served_before + end.since(p.start).0
    }

    /// The wall-clock instant at which `served` nanoseconds of service had
    /// elapsed: maps a write's position in served time back to real time.
    pub fn wall_at(&self, served: u64) -> SimTime {
        let i = self.periods.partition_point(|p| p.served_before <= served);
        if i == 0 {
            return SimTime::ZERO;
        }
        let p = self.periods[i - 1];
        let t = SimTime(p.start.0 + (served - p.served_before));
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
}
