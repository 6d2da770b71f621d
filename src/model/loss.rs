//! What a failure loses: the committed writes in a window of served time,
//! drawn in O(1) from the Poisson write process instead of simulating writes.

use super::service::ServiceLog;
use crate::time::{SimDuration, SimTime};
use rand::Rng;
use rand::RngExt;
use rand_distr::{Distribution, Poisson};

/// Lost data of one incident.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loss {
    pub writes: u64,
    pub bytes: u64,
    /// Age, at the failure, of the oldest lost write.
    pub rpo: SimDuration,
}

/// Draws the writes committed in `(from, failure]` that the recovery site
/// lacks. Writes are Poisson with `rate` per served second: the first one
/// after `from` is an exponential draw in served time (it fixes the RPO),
/// and the rest of the window holds a Poisson number of further writes.
pub fn sample_loss<R: Rng + ?Sized>(
    log: &ServiceLog,
    from: SimTime,
    failure: SimTime,
    rate: f64,
    write_size: u64,
    rng: &mut R,
) -> Loss {
    if failure <= from || rate <= 0.0 {
        return Loss::default();
    }
    let s0 = log.served_until(from);
    let s1 = log.served_until(failure);
    let window = s1.saturating_sub(s0) as f64 / 1e9;
    if window <= 0.0 {
        return Loss::default();
    }
    let u: f64 = rng.random();
    let first = -(1.0 - u).ln() / rate;
    if first >= window {
        return Loss::default();
    }
    let rest_mean = rate * (window - first);
    let rest = poisson(rest_mean, rng);
    let writes = rest.saturating_add(1);
    let oldest = log.wall_at(s0 + (first * 1e9) as u64);
    Loss {
        writes,
        bytes: writes.saturating_mul(write_size),
        rpo: failure.since(oldest),
    }
}

/// A Poisson draw; means beyond what the sampler accepts are rounded, as the
/// relative noise there is below 1e-7 anyway.
pub fn poisson<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    if mean <= 0.0 || !mean.is_finite() {
        return 0;
    }
    if mean > 1e12 {
        // `as` saturates at u64::MAX for larger means.
        return mean.round() as u64;
    }
    match Poisson::new(mean) {
        Ok(p) => p.sample(rng) as u64,
        Err(_) => mean.round() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::SeedableRng;

    /// Mean lost writes over a window W of continuous service is rate·W;
    /// checked within 5 standard errors (Poisson variance = mean).
    #[test]
    fn lost_writes_are_poisson_in_the_window() {
        let mut log = ServiceLog::default();
        log.start(SimTime(0));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 20_000;
        let (rate, w) = (50.0, 0.2);
        let total: u64 = (0..n)
            .map(|_| {
                sample_loss(
                    &log,
                    SimTime(1_000_000_000),
                    SimTime(1_200_000_000),
                    rate,
                    1,
                    &mut rng,
                )
                .writes
            })
            .sum();
        let mean = total as f64 / n as f64;
        let expect = rate * w;
        assert!(
            (mean - expect).abs() < 5.0 * (expect / n as f64).sqrt(),
            "{mean} vs {expect}"
        );
    }

    #[test]
    fn nothing_is_lost_from_an_empty_window() {
        let mut log = ServiceLog::default();
        log.start(SimTime(0));
        log.stop(SimTime(10));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        assert_eq!(
            sample_loss(&log, SimTime(20), SimTime(30), 1e9, 1, &mut rng),
            Loss::default()
        );
    }
}
