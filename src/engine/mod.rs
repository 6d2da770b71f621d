//! The discrete-event core: a clock, a queue of pending events ordered by
//! (time, scheduling order), and the per-replication RNG streams.

pub mod queue;
pub mod rng;

use crate::time::{SimDuration, SimTime};
use queue::EventQueue;

/// Owns the clock and the pending events of one replication.
///
/// Events at or beyond the horizon are dropped when scheduled: they could
/// never be delivered, and keeping them would only grow the queue.
pub struct Scheduler<E> {
    queue: EventQueue<E>,
    now: SimTime,
    horizon: SimTime,
}

impl<E> Scheduler<E> {
    pub fn new(horizon: SimTime) -> Self {
        Scheduler {
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            horizon,
        }
    }

    /// Current simulated time: the time of the event being handled.
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn horizon(&self) -> SimTime {
        self.horizon
    }

    /// Schedules `event` at `at`, which must not be in the past; an earlier
    /// time is a modelling bug and is delivered "now" instead (see `EventQueue::push`).
    pub fn at(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        if at < self.horizon {
            self.queue.push(at.0.max(self.now.0), event);
        }
    }

    /// Schedules `event` after `delay` from now.
    pub fn after(&mut self, delay: SimDuration, event: E) {
        self.at(self.now.after(delay), event);
    }

    /// Removes the earliest pending event and advances the clock to it.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (t, e) = self.queue.pop()?;
        self.now = SimTime(t);
        Some((self.now, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_in_time_then_scheduling_order_and_drops_past_horizon() {
        let mut s = Scheduler::new(SimTime(100));
        s.at(SimTime(50), "b");
        s.at(SimTime(10), "a");
        s.at(SimTime(50), "c");
        s.at(SimTime(100), "never");
        let order: Vec<_> = std::iter::from_fn(|| s.pop()).collect();
        assert_eq!(
            order,
            vec![(SimTime(10), "a"), (SimTime(50), "b"), (SimTime(50), "c")]
        );
        assert_eq!(s.now(), SimTime(50));
    }
}
