//! Closed-form and numerical theory the simulator is validated against: availability of
//! replicated components, failover chains, failure detection, replication data loss, link
//! queueing, quorum latency and catch-up times.
//!
//! Units: every time is `f64` seconds, every rate is per second, sizes are bytes. Functions
//! validate their model parameters and return [`TheoryError`] instead of NaN or a panic; the
//! domain of each parameter is stated in its doc comment.

use std::fmt;

use crate::stats::ln_gamma;

/// Why a theoretical quantity could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum TheoryError {
    /// A parameter is outside the domain where the formula holds (negative time, k > n, …).
    InvalidParameter {
        /// Parameter name as in the function signature.
        name: &'static str,
        /// The rejected value (integers converted to `f64`).
        value: f64,
        /// The domain it must lie in, e.g. "finite and > 0".
        requirement: &'static str,
    },
    /// Offered load ≥ capacity (ρ = λE\[S\] for a queue, r/c for a catch-up): no steady state,
    /// the backlog grows without bound. `load` is that ratio.
    Unstable {
        /// The offered load ratio (≥ 1).
        load: f64,
    },
    /// The matrix is not a CTMC generator (not square, non-finite, negative off-diagonal,
    /// or a row not summing to 0).
    InvalidGenerator {
        /// Human-readable reason, naming the offending row/column.
        reason: String,
    },
    /// The stationary equations are singular: the chain has more than one closed class, so the
    /// stationary distribution is not unique.
    Singular,
}

impl fmt::Display for TheoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TheoryError::InvalidParameter {
                name,
                value,
                requirement,
            } => write!(
                f,
                "invalid parameter {name} = {value}: must be {requirement}"
            ),
            TheoryError::Unstable { load } => write!(
                f,
                "unstable: offered load {load} >= 1, backlog grows without bound"
            ),
            TheoryError::InvalidGenerator { reason } => {
                write!(f, "invalid CTMC generator: {reason}")
            }
            TheoryError::Singular => write!(
                f,
                "singular stationary equations: the CTMC has no unique stationary distribution"
            ),
        }
    }
}

impl std::error::Error for TheoryError {}

fn invalid(name: &'static str, value: f64, requirement: &'static str) -> TheoryError {
    TheoryError::InvalidParameter {
        name,
        value,
        requirement,
    }
}

fn positive(name: &'static str, value: f64) -> Result<f64, TheoryError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(name, value, "finite and > 0"))
    }
}

fn non_negative(name: &'static str, value: f64) -> Result<f64, TheoryError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(name, value, "finite and >= 0"))
    }
}

/// Checks 1 ≤ k ≤ n for the k-of-n and order-statistic functions.
fn k_within_n(n: u32, k: u32) -> Result<(), TheoryError> {
    if n == 0 {
        return Err(invalid("n", 0.0, ">= 1"));
    }
    if k == 0 || k > n {
        return Err(invalid("k", f64::from(k), "in 1..=n"));
    }
    Ok(())
}

/// Binomial probability C(n, j) pʲ qⁿ⁻ʲ with q = 1 − p passed separately (the caller often knows
/// it without cancellation). Computed in log space so large n cannot overflow C(n, j) or
/// underflow pʲ prematurely; zero exponents are special-cased so that 0⁰ = 1.
fn binomial_pmf(n: u32, j: u32, p: f64, q: f64) -> f64 {
    let ln_choose = ln_gamma(f64::from(n) + 1.0)
        - ln_gamma(f64::from(j) + 1.0)
        - ln_gamma(f64::from(n - j) + 1.0);
    let ln_p = if j == 0 { 0.0 } else { f64::from(j) * p.ln() };
    let ln_q = if j == n {
        0.0
    } else {
        f64::from(n - j) * q.ln()
    };
    (ln_choose + ln_p + ln_q).exp()
}

/// Σ_{j ∈ range} C(n, j) pʲ qⁿ⁻ʲ.
fn binomial_sum(n: u32, range: std::ops::RangeInclusive<u32>, p: f64, q: f64) -> f64 {
    range.map(|j| binomial_pmf(n, j, p, q)).sum()
}

/// Steady-state availability of one repairable component, A = MTTF/(MTTF + MTTR) — the
/// alternating-renewal limit (e.g. Trivedi, *Probability and Statistics with Reliability,
/// Queuing and Computer Science Applications*), valid for any up/down time distributions.
///
/// `mttf`: mean time to failure in seconds, finite and > 0; `mttr`: mean time to repair in
/// seconds, finite and > 0.
pub fn availability(mttf: f64, mttr: f64) -> Result<f64, TheoryError> {
    let mttf = positive("mttf", mttf)?;
    let mttr = positive("mttr", mttr)?;
    Ok(mttf / (mttf + mttr))
}

/// Per-component up/down probabilities (a, 1 − a), each computed without cancellation.
fn up_down(mttf: f64, mttr: f64) -> Result<(f64, f64), TheoryError> {
    let mttf = positive("mttf", mttf)?;
    let mttr = positive("mttr", mttr)?;
    Ok((mttf / (mttf + mttr), mttr / (mttf + mttr)))
}

/// Availability of a k-of-n system of independent identical components (e.g. a quorum of k
/// healthy replicas out of n zones): A = P(#up ≥ k) = Σ_{j=k}^{n} C(n,j) aʲ(1−a)ⁿ⁻ʲ with
/// a = MTTF/(MTTF + MTTR) (binomial, by independence; Trivedi, op. cit.).
///
/// Insensitive to the up/down time distributions: each component is an alternating renewal
/// process whose long-run up fraction is a whatever its distributions, and independence makes
/// the long-run joint state distribution the product of the marginals — so exponential theory
/// applies to e.g. deterministic repair times in the simulator.
///
/// `n`: components, ≥ 1; `k`: required up, 1 ≤ k ≤ n; `mttf`, `mttr`: seconds, finite and > 0.
pub fn k_of_n_availability(n: u32, k: u32, mttf: f64, mttr: f64) -> Result<f64, TheoryError> {
    k_within_n(n, k)?;
    let (a, b) = up_down(mttf, mttr)?;
    Ok(binomial_sum(n, k..=n, a, b).min(1.0))
}

/// Availability of two zones replicating in mode `all-in-sync` with instant failover and
/// resync: writes are served while a zone of the in-sync set is up, and a zone that failed while
/// the other was serving (it left the set) may not serve until it has caught up from that
/// other zone. Both zones fail at rate λ = 1/MTTF and are repaired at rate μ = 1/MTTR
/// (exponential laws). The chain: both up (served) → one up, in sync (served) → both down →
/// either the in-sync zone returns first (served again) or the stale one does (still down until
/// the in-sync zone returns). Its stationary law gives, with r = λ/μ = MTTR/MTTF,
///
/// A = (r² + 3r + 1)/(r + 1)³,  1 − A = r²(r + 2)/(r + 1)³,
///
/// against 1 − A = r²/(r + 1)² for a 1-of-2 quorum that may elect the stale zone: about twice
/// the unavailability for small r (the time the stale zone is back alone does not count).
///
/// `mttf`, `mttr`: seconds, finite and > 0.
pub fn all_in_sync_pair_availability(mttf: f64, mttr: f64) -> Result<f64, TheoryError> {
    up_down(mttf, mttr)?;
    let r = mttr / mttf;
    Ok((r * r + 3.0 * r + 1.0) / (r + 1.0).powi(3))
}

/// Unavailability 1 − A = P(#up < k) = Σ_{j=0}^{k−1} C(n,j) aʲ(1−a)ⁿ⁻ʲ of a k-of-n system,
/// summed directly so that "many nines" keep their relative precision (1 − A computed by
/// subtraction would round to 0 below ~1e-16). Same model, units and domain as
/// [`k_of_n_availability`].
pub fn k_of_n_unavailability(n: u32, k: u32, mttf: f64, mttr: f64) -> Result<f64, TheoryError> {
    k_within_n(n, k)?;
    let (a, b) = up_down(mttf, mttr)?;
    Ok(binomial_sum(n, 0..=k - 1, a, b).min(1.0))
}

/// Outage frequency (outages per second) of a k-of-n system: the rate of transitions from
/// exactly k up to k − 1 up, f = π_k · k · λ with π_k = C(n,k) aᵏ(1−a)ⁿ⁻ᵏ and λ = 1/MTTF
/// (frequency-and-duration method, Billinton & Allan, *Reliability Evaluation of Engineering
/// Systems*).
///
/// Insensitive to distributions as well: component i fails at long-run rate 1/(MTTF + MTTR) =
/// aλ, and by independence the other n − 1 are then in their stationary state, so exactly k − 1
/// of them are up with probability C(n−1,k−1)a^{k−1}(1−a)^{n−k}; summing over i gives
/// n·aλ·C(n−1,k−1)… = π_k k λ.
///
/// Domain and units as [`k_of_n_availability`].
pub fn k_of_n_outage_frequency(n: u32, k: u32, mttf: f64, mttr: f64) -> Result<f64, TheoryError> {
    k_within_n(n, k)?;
    let (a, b) = up_down(mttf, mttr)?;
    Ok(binomial_pmf(n, k, a, b) * f64::from(k) / mttf)
}

/// Mean outage duration (seconds) of a k-of-n system, (1 − A)/f: long-run down fraction divided
/// by outage frequency (renewal-reward; Billinton & Allan, op. cit.). Also distribution-insensitive
/// given independence. Domain and units as [`k_of_n_availability`].
pub fn k_of_n_mean_outage_duration(
    n: u32,
    k: u32,
    mttf: f64,
    mttr: f64,
) -> Result<f64, TheoryError> {
    let unavailability = k_of_n_unavailability(n, k, mttf, mttr)?;
    let frequency = k_of_n_outage_frequency(n, k, mttf, mttr)?;
    Ok(unavailability / frequency)
}

/// Number of closed communicating classes of a chain whose transition graph has an edge i → j
/// when `q[i][j]` > 0 (i ≠ j): a state is recurrent iff every state it reaches reaches it back;
/// each closed class is counted once, through its smallest member.
fn closed_class_count(q: &[Vec<f64>]) -> usize {
    let n = q.len();
    let reach: Vec<Vec<bool>> = (0..n)
        .map(|start| {
            let mut seen = vec![false; n];
            seen[start] = true;
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                for (j, &rate) in q[i].iter().enumerate() {
                    if j != i && rate > 0.0 && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
            seen
        })
        .collect();
    (0..n)
        .filter(|&i| {
            let recurrent = (0..n).all(|j| !reach[i][j] || reach[j][i]);
            let first_of_class = (0..i).all(|j| !(reach[i][j] && reach[j][i]));
            recurrent && first_of_class
        })
        .count()
}

/// Stationary distribution π of a continuous-time Markov chain with generator `q` (rates per
/// second; `q[i][j]` ≥ 0 for i ≠ j is the i → j rate, rows sum to 0): solves πQ = 0, Σπ = 1.
///
/// π is unique iff the chain has exactly one closed communicating class (transient states get
/// π = 0); this is checked on the transition graph, so stiff chains (rates spanning many orders
/// of magnitude, e.g. per-year failures and millisecond failovers) are never misreported as
/// singular by a pivot threshold. The balance equations Qᵀπ = 0 then have rank n − 1, so the
/// last one is replaced by the normalisation Σπ = 1 and the system is solved by Gaussian
/// elimination with partial pivoting (Stewart, *Introduction to the Numerical Solution of Markov
/// Chains*, direct methods), after scaling Q by 1/max|q_ii| (π is scale-invariant) to keep
/// entries O(1). Round-off negatives (the exact π is ≥ 0) are clamped to 0 and π renormalised.
/// Cost O(n³); meant for the small chains of this module's models.
///
/// Errors: [`TheoryError::InvalidGenerator`] if `q` is empty, not square, has a non-finite or
/// negative off-diagonal entry, or a row whose sum exceeds 1e-9 × its absolute sum;
/// [`TheoryError::Singular`] if the chain has several closed classes.
pub fn ctmc_stationary(q: &[Vec<f64>]) -> Result<Vec<f64>, TheoryError> {
    let n = q.len();
    let bad = |reason: String| Err(TheoryError::InvalidGenerator { reason });
    if n == 0 {
        return bad("empty matrix".to_string());
    }
    let mut scale: f64 = 0.0;
    for (i, row) in q.iter().enumerate() {
        if row.len() != n {
            return bad(format!("row {i} has {} entries, expected {n}", row.len()));
        }
        for (j, &v) in row.iter().enumerate() {
            if !v.is_finite() {
                return bad(format!("entry ({i}, {j}) = {v} is not finite"));
            }
            if i != j && v < 0.0 {
                return bad(format!("off-diagonal entry ({i}, {j}) = {v} is negative"));
            }
        }
        let sum: f64 = row.iter().sum();
        let abs_sum: f64 = row.iter().map(|v| v.abs()).sum();
        if sum.abs() > 1e-9 * abs_sum {
            return bad(format!("row {i} sums to {sum}, expected 0"));
        }
        scale = scale.max(row[i].abs());
    }
    if closed_class_count(q) != 1 {
        return Err(TheoryError::Singular);
    }
    if n == 1 {
        return Ok(vec![1.0]);
    }
    // Augmented system [A | b]: rows 0..n−1 are balance equations (column i of Q, scaled),
    // row n − 1 is the normalisation. With one closed class and n ≥ 2 some rate is > 0.
    let mut m: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut row: Vec<f64> = if i + 1 < n {
                (0..n).map(|j| q[j][i] / scale).collect()
            } else {
                vec![1.0; n]
            };
            row.push(if i + 1 < n { 0.0 } else { 1.0 });
            row
        })
        .collect();
    for col in 0..n {
        let pivot_row = (col..n)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap_or(col);
        // Cannot happen for a nonsingular system in exact arithmetic; guards against dividing
        // by zero if round-off conspires.
        if m[pivot_row][col] == 0.0 {
            return Err(TheoryError::Singular);
        }
        m.swap(col, pivot_row);
        let pivot = m[col].clone();
        for row in m.iter_mut().skip(col + 1) {
            let factor = row[col] / pivot[col];
            if factor != 0.0 {
                for (x, &p) in row.iter_mut().zip(&pivot).skip(col) {
                    *x -= factor * p;
                }
            }
        }
    }
    let mut pi = vec![0.0; n];
    for i in (0..n).rev() {
        let tail: f64 = ((i + 1)..n).map(|j| m[i][j] * pi[j]).sum();
        pi[i] = (m[i][n] - tail) / m[i][i];
    }
    for p in pi.iter_mut() {
        *p = p.max(0.0);
    }
    let total: f64 = pi.iter().sum();
    Ok(pi.into_iter().map(|p| p / total).collect())
}

/// States of the active/standby chain; the discriminant is the generator index.
#[derive(Clone, Copy)]
enum StandbyState {
    /// Both units healthy; the active serves, the standby idles. Service up.
    BothUp = 0,
    /// The active serves; the other unit is down, under repair. Service up.
    ActiveUpOtherDown = 1,
    /// The active has failed (under repair); failing over to the healthy standby. Service down.
    FailoverOtherDown = 2,
    /// Both units down, both under repair. Service down.
    BothDown = 3,
    /// Failing over, and the unit whose failure started it has since been repaired (it will be
    /// the new standby). Service down.
    FailoverOtherUp = 4,
}

const STANDBY_STATES: usize = 5;

/// Generator of the active/standby chain; rates: λ failure, μ repair, φ failover completion.
fn active_standby_generator(lambda: f64, mu: f64, phi: f64) -> Vec<Vec<f64>> {
    use StandbyState::*;
    let mut q = vec![vec![0.0; STANDBY_STATES]; STANDBY_STATES];
    let mut rate =
        |from: StandbyState, to: StandbyState, r: f64| q[from as usize][to as usize] += r;
    // BothUp: the active fails (failover starts) or the standby fails (no service impact).
    rate(BothUp, FailoverOtherDown, lambda);
    rate(BothUp, ActiveUpOtherDown, lambda);
    // ActiveUpOtherDown: the other unit's repair completes, or the active fails too.
    rate(ActiveUpOtherDown, BothUp, mu);
    rate(ActiveUpOtherDown, BothDown, lambda);
    // FailoverOtherDown: failover completes (the failed unit stays in repair), the failover
    // target fails, or the failed unit's repair completes while the failover continues.
    rate(FailoverOtherDown, ActiveUpOtherDown, phi);
    rate(FailoverOtherDown, BothDown, lambda);
    rate(FailoverOtherDown, FailoverOtherUp, mu);
    // FailoverOtherUp: failover completes with a healthy standby; or either unit fails — the
    // target failing restarts failover towards the repaired unit (memoryless, so the same state
    // as failing the idle one) — 2λ in total.
    rate(FailoverOtherUp, BothUp, phi);
    rate(FailoverOtherUp, FailoverOtherDown, 2.0 * lambda);
    // BothDown: whichever repair finishes first (one crew per unit) becomes active at once.
    rate(BothDown, ActiveUpOtherDown, 2.0 * mu);
    for (i, row) in q.iter_mut().enumerate() {
        let out: f64 = row.iter().sum();
        row[i] = -out;
    }
    q
}

/// Service availability of an active/standby pair with failover (CTMC, solved numerically with
/// [`ctmc_stationary`]).
///
/// Model: two identical units, exponential time to failure (mean `mttf`) and repair (mean
/// `mttr`, one repair crew per unit, repairs independent). The service is up while the active
/// unit is up. When the active fails and the standby is up, service is down for an exponential
/// failover time (mean `failover_time`), after which the standby is active. When both are down,
/// service resumes as soon as either repair completes (no failover delay). A repair finishing
/// during a failover does not abort it. States and transitions: see `StandbyState` and
/// `active_standby_generator` in the source. `failover_time = 0` is the instant-failover limit,
/// where the chain reduces to two independent units: A = 1 − (1 − a)², a = mttf/(mttf + mttr).
///
/// `mttf`, `mttr`: seconds, finite and > 0; `failover_time`: seconds, finite and ≥ 0.
pub fn active_standby_availability(
    mttf: f64,
    mttr: f64,
    failover_time: f64,
) -> Result<f64, TheoryError> {
    let (_, down) = up_down(mttf, mttr)?;
    let failover_time = non_negative("failover_time", failover_time)?;
    if failover_time == 0.0 {
        return Ok(1.0 - down * down);
    }
    let q = active_standby_generator(1.0 / mttf, 1.0 / mttr, 1.0 / failover_time);
    let pi = ctmc_stationary(&q)?;
    Ok(pi[StandbyState::BothUp as usize] + pi[StandbyState::ActiveUpOtherDown as usize])
}

/// CDF of the failure-detection delay with heartbeats every `heartbeat_interval` h seconds and
/// a failure declared after `missed_beats` k consecutive missed beats.
///
/// Model: beats are due at fixed ticks jh; the failure falls at a uniformly random phase after
/// the last delivered beat; beats are delivered instantly and the detector checks at tick
/// instants. The k-th missed tick is then at most kh and more than (k−1)h after the failure, so
/// the delay D ~ Uniform((k−1)h, kh]: P(D ≤ x) = clamp((x − (k−1)h)/h, 0, 1).
///
/// `x`: seconds (any value); `heartbeat_interval`: seconds, finite and > 0; `missed_beats` ≥ 1.
pub fn detection_delay_cdf(
    x: f64,
    heartbeat_interval: f64,
    missed_beats: u32,
) -> Result<f64, TheoryError> {
    let (h, k) = detection_params(heartbeat_interval, missed_beats)?;
    if x.is_nan() {
        return Err(invalid("x", x, "not NaN"));
    }
    Ok(((x - (k - 1.0) * h) / h).clamp(0.0, 1.0))
}

/// Mean failure-detection delay (k − ½)h seconds, the midpoint of Uniform((k−1)h, kh] (model and
/// parameters as in [`detection_delay_cdf`]).
pub fn detection_delay_mean(
    heartbeat_interval: f64,
    missed_beats: u32,
) -> Result<f64, TheoryError> {
    let (h, k) = detection_params(heartbeat_interval, missed_beats)?;
    Ok((k - 0.5) * h)
}

fn detection_params(heartbeat_interval: f64, missed_beats: u32) -> Result<(f64, f64), TheoryError> {
    let h = positive("heartbeat_interval", heartbeat_interval)?;
    if missed_beats == 0 {
        return Err(invalid("missed_beats", 0.0, ">= 1"));
    }
    Ok((h, f64::from(missed_beats)))
}

/// Mean number of writes lost by asynchronous replication at a random failure instant,
/// λ·E\[L\].
///
/// Model: writes arrive as a Poisson process (`write_rate` λ per second), each needs an i.i.d.
/// replication lag L (mean `mean_lag` seconds) before it is durable remotely, and the failure
/// instant is independent of the writes. Unreplicated writes are then the customers of an M/G/∞
/// queue, so their number is Poisson with mean λE\[L\] whatever L's distribution (Ross,
/// *Stochastic Processes*, the M/G/∞ example of the Poisson process chapter). If lags are
/// correlated (FIFO link) the mean still holds by Little's law but the count is no longer
/// Poisson.
///
/// `write_rate`: per second, finite and ≥ 0; `mean_lag`: seconds, finite and ≥ 0.
pub fn poisson_lost_writes_mean(write_rate: f64, mean_lag: f64) -> Result<f64, TheoryError> {
    let rate = non_negative("write_rate", write_rate)?;
    let lag = non_negative("mean_lag", mean_lag)?;
    Ok(rate * lag)
}

/// Poisson probability P(N = k) = e^{−m} mᵏ/k!, in log space (via ln Γ) so that large k or m
/// neither overflow nor underflow early. `mean` m: finite and ≥ 0 (m = 0 ⇒ all mass at 0).
pub fn poisson_pmf(k: u64, mean: f64) -> Result<f64, TheoryError> {
    let m = non_negative("mean", mean)?;
    if m == 0.0 {
        return Ok(if k == 0 { 1.0 } else { 0.0 });
    }
    let kf = k as f64;
    Ok((kf * m.ln() - m - ln_gamma(kf + 1.0)).exp())
}

/// Poisson CDF P(N ≤ k) = Σ_{j≤k} e^{−m} mʲ/j!, summed term by term; the sum stops once j > 2m
/// and the term is below 1e-17 of the total, because past 2m the remaining terms shrink at
/// least geometrically by ½ and cannot change the result. Cost O(min(k, 2m + 40)).
/// `mean` m: finite and ≥ 0.
pub fn poisson_cdf(k: u64, mean: f64) -> Result<f64, TheoryError> {
    let m = non_negative("mean", mean)?;
    let mut sum = 0.0;
    for j in 0..=k {
        let term = poisson_pmf(j, m)?;
        sum += term;
        if j as f64 > 2.0 * m && term <= 1e-17 * sum {
            break;
        }
    }
    Ok(sum.min(1.0))
}

/// CDF of the data-loss window W with periodic batch shipping: batches are cut every `interval`
/// T seconds (at multiples of T), a batch cut at c becomes durable remotely at c + d (`delay` d:
/// shipping + apply), and at failure instant t the remote holds everything up to
/// last_sync = max{c = jT : c + d ≤ t}. The loss window W = t − last_sync (the age of the oldest
/// unreplicated write) is d + ((t − d) mod T); for a failure at a uniformly random phase
/// (independent of the cut schedule) W ~ Uniform[d, d + T]. d > T (several batches in flight) is
/// covered, since durability times c + d stay ordered.
///
/// `w`: seconds (any value); `interval`: seconds, finite and > 0; `delay`: seconds, finite ≥ 0.
pub fn batch_loss_window_cdf(w: f64, interval: f64, delay: f64) -> Result<f64, TheoryError> {
    let t = positive("interval", interval)?;
    let d = non_negative("delay", delay)?;
    if w.is_nan() {
        return Err(invalid("w", w, "not NaN"));
    }
    Ok(((w - d) / t).clamp(0.0, 1.0))
}

/// Mean loss window d + T/2 seconds (midpoint of Uniform[d, d + T]; model and parameters as in
/// [`batch_loss_window_cdf`]).
pub fn batch_loss_window_mean(interval: f64, delay: f64) -> Result<f64, TheoryError> {
    let t = positive("interval", interval)?;
    let d = non_negative("delay", delay)?;
    Ok(d + 0.5 * t)
}

/// Validates M/G/1 inputs and returns ρ.
fn mg1_load(arrival_rate: f64, mean_service: f64, second_moment: f64) -> Result<f64, TheoryError> {
    let lambda = non_negative("arrival_rate", arrival_rate)?;
    let s = positive("mean_service", mean_service)?;
    let s2 = positive("second_moment_service", second_moment)?;
    // Jensen: E[S²] ≥ E[S]²; the slack absorbs rounding in callers' moment computations.
    if s2 < s * s * (1.0 - 1e-12) {
        return Err(invalid(
            "second_moment_service",
            s2,
            ">= mean_service^2 (Jensen)",
        ));
    }
    let rho = lambda * s;
    if rho >= 1.0 {
        return Err(TheoryError::Unstable { load: rho });
    }
    Ok(rho)
}

/// Mean waiting time in queue (seconds, excluding service) of an M/G/1 FIFO queue — e.g. a
/// replication link with Poisson message arrivals — by the Pollaczek–Khinchine formula
/// W_q = λE\[S²\] / (2(1 − ρ)), ρ = λE\[S\] (Kleinrock, *Queueing Systems* Vol. 1, the M/G/1
/// chapter).
///
/// `arrival_rate` λ: per second, finite ≥ 0; `mean_service` E\[S\]: seconds, finite > 0;
/// `second_moment_service` E\[S²\]: seconds², finite, ≥ E\[S\]². ρ ≥ 1 ⇒ [`TheoryError::Unstable`].
pub fn pk_mean_wait(
    arrival_rate: f64,
    mean_service: f64,
    second_moment_service: f64,
) -> Result<f64, TheoryError> {
    let rho = mg1_load(arrival_rate, mean_service, second_moment_service)?;
    Ok(arrival_rate * second_moment_service / (2.0 * (1.0 - rho)))
}

/// Mean sojourn (response) time W = W_q + E\[S\] seconds of an M/G/1 FIFO queue
/// (Pollaczek–Khinchine; parameters and errors as in [`pk_mean_wait`]).
pub fn pk_mean_sojourn(
    arrival_rate: f64,
    mean_service: f64,
    second_moment_service: f64,
) -> Result<f64, TheoryError> {
    Ok(pk_mean_wait(arrival_rate, mean_service, second_moment_service)? + mean_service)
}

/// P(X_(k) > x) given F = F(x): fewer than k of the n samples are ≤ x,
/// Σ_{j=0}^{k−1} C(n,j) Fʲ(1−F)ⁿ⁻ʲ.
fn order_statistic_sf_at(n: u32, k: u32, f: f64) -> f64 {
    let f = f.clamp(0.0, 1.0);
    binomial_sum(n, 0..=k - 1, f, 1.0 - f).min(1.0)
}

/// CDF of the k-th smallest of n i.i.d. values (e.g. quorum commit latency = k-th fastest of n
/// replica round trips): P(X_(k) ≤ x) = Σ_{j=k}^{n} C(n,j) F(x)ʲ(1−F(x))ⁿ⁻ʲ (David & Nagaraja,
/// *Order Statistics*, ch. 2).
///
/// `x`: seconds; `n` ≥ 1; 1 ≤ `k` ≤ n; `cdf`: the common CDF F of one value (its output is
/// clamped to [0, 1]).
pub fn order_statistic_cdf(
    x: f64,
    n: u32,
    k: u32,
    cdf: impl Fn(f64) -> f64,
) -> Result<f64, TheoryError> {
    k_within_n(n, k)?;
    let f = cdf(x).clamp(0.0, 1.0);
    Ok(binomial_sum(n, k..=n, f, 1.0 - f).min(1.0))
}

/// Mean of the k-th smallest of independent, **not identically distributed** non-negative
/// values (a quorum's commit latency over round trips to replicas at different distances):
/// E[X_(k)] = ∫₀^upper P(X_(k) > x) dx, where P(X_(k) > x) = P(fewer than k of the values are ≤
/// x) is the lower tail of a Poisson-binomial law with success probabilities F_i(x), computed by
/// the usual recursion over the values (David & Nagaraja, *Order Statistics*, §5.2). Integration
/// as in [`order_statistic_mean`].
///
/// `cdfs`: the CDF of each value (seconds → probability, clamped to [0, 1]), at least one;
/// 1 ≤ `k` ≤ `cdfs.len()`; `upper`: seconds, finite and > 0, where every F_i ≈ 1. Returns seconds.
pub fn order_statistic_mean_mixed(
    cdfs: &[&dyn Fn(f64) -> f64],
    k: u32,
    upper: f64,
) -> Result<f64, TheoryError> {
    k_within_n(cdfs.len() as u32, k)?;
    let upper = positive("upper", upper)?;
    let k = k as usize;
    let survival = |x: f64| {
        // below[j] = P(exactly j of the values seen so far are ≤ x), for j < k.
        let mut below = vec![0.0; k];
        below[0] = 1.0;
        for cdf in cdfs {
            let f = cdf(x).clamp(0.0, 1.0);
            for j in (0..k).rev() {
                below[j] = below[j] * (1.0 - f) + if j > 0 { below[j - 1] * f } else { 0.0 };
            }
        }
        below.iter().sum::<f64>().min(1.0)
    };
    Ok(panel_integral(survival, 0.0, upper))
}

/// Number of equal panels the order-statistic integral is split into before adaptive Simpson
/// runs on each: a panel's first five samples then cannot all miss a narrow feature (a step CDF
/// of a deterministic RTT, a sharp mode).
const ORDER_STAT_PANELS: usize = 256;
/// Recursion cap for adaptive Simpson (a width reduction of 2⁴⁰ per panel).
const SIMPSON_MAX_DEPTH: u32 = 40;

/// Mean of the k-th smallest of n i.i.d. non-negative values (quorum commit latency from
/// replica RTTs), E[X_(k)] = ∫₀^∞ P(X_(k) > x) dx (tail-integral formula for non-negative
/// variables) with P(X_(k) > x) = Σ_{j=0}^{k−1} C(n,j) Fʲ(1−F)ⁿ⁻ʲ.
///
/// The integral is truncated at `upper`: choose it where F(upper) ≈ 1 (the neglected part is
/// ∫_upper^∞ P(X_(k) > x) dx). Evaluated by adaptive Simpson with Richardson correction
/// (Lyness 1969) on 256 equal panels, absolute tolerance 1e-12 × upper in total.
///
/// `n` ≥ 1; 1 ≤ `k` ≤ n; `cdf`: common CDF of one value, with F(x) = 0 for x < 0;
/// `upper`: seconds, finite and > 0. Returns seconds.
pub fn order_statistic_mean(
    n: u32,
    k: u32,
    cdf: impl Fn(f64) -> f64,
    upper: f64,
) -> Result<f64, TheoryError> {
    k_within_n(n, k)?;
    let upper = positive("upper", upper)?;
    Ok(panel_integral(
        |x: f64| order_statistic_sf_at(n, k, cdf(x)),
        0.0,
        upper,
    ))
}

/// ∫_lo^hi f by adaptive Simpson on [`ORDER_STAT_PANELS`] equal panels, absolute tolerance
/// 1e-12 × (hi − lo) in total.
fn panel_integral(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    let width = (hi - lo) / ORDER_STAT_PANELS as f64;
    let tol = 1e-12 * width;
    (0..ORDER_STAT_PANELS)
        .map(|i| {
            let a = lo + i as f64 * width;
            let b = if i + 1 == ORDER_STAT_PANELS {
                hi
            } else {
                lo + (i + 1) as f64 * width
            };
            adaptive_simpson(&f, a, b, tol)
        })
        .sum()
}

/// Mean of the latest of independent delayed completions, E[max_j (s_j + A_j)], with fixed
/// shifts s_j and i.i.d. non-negative delays A_j of CDF F.
///
/// Why: a replica applies batches in order, so when writes stop the last batch is applied at
/// max_j (sent_j + a_j) over the batches still pending, not at its own sent + a (a drill's
/// drain: [`crate::analyze`]'s `drill-drain` check). By independence P(max ≤ x) = Π_j F(x − s_j);
/// the max is at least m = max_j s_j (delays are ≥ 0), so by the tail-integral formula
/// E[max] = m + ∫_m^∞ (1 − Π_j F(x − s_j)) dx. The integral is truncated at m + `span`: choose
/// span where F(span) ≈ 1 (the neglected part is at most Σ_j ∫_span^∞ (1 − F)). Evaluated like
/// [`order_statistic_mean`] (adaptive Simpson on 256 panels, so a step CDF — a constant delay —
/// is found too).
///
/// `shifts`: seconds, finite, at least one; `cdf`: the delays' CDF, F(x) = 0 for x < 0, output
/// clamped to [0, 1]; `span`: seconds, finite and > 0. Returns seconds.
pub fn latest_completion_mean(
    shifts: &[f64],
    cdf: impl Fn(f64) -> f64,
    span: f64,
) -> Result<f64, TheoryError> {
    let span = positive("span", span)?;
    if shifts.is_empty() {
        return Err(invalid("shifts.len()", 0.0, ">= 1"));
    }
    let mut m = f64::NEG_INFINITY;
    for &s in shifts {
        if !s.is_finite() {
            return Err(invalid("shifts[j]", s, "finite"));
        }
        m = m.max(s);
    }
    let sf = |x: f64| {
        1.0 - shifts
            .iter()
            .map(|&s| cdf(x - s).clamp(0.0, 1.0))
            .product::<f64>()
    };
    Ok(m + panel_integral(sf, m, m + span))
}

/// One Simpson panel [a, b] with its end/mid values and Simpson estimate.
struct SimpsonPanel {
    a: f64,
    b: f64,
    fa: f64,
    fm: f64,
    fb: f64,
    whole: f64,
}

fn adaptive_simpson(f: &impl Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    let (fa, fm, fb) = (f(a), f(0.5 * (a + b)), f(b));
    let panel = SimpsonPanel {
        a,
        b,
        fa,
        fm,
        fb,
        whole: (b - a) / 6.0 * (fa + 4.0 * fm + fb),
    };
    simpson_step(f, &panel, tol, SIMPSON_MAX_DEPTH)
}

fn simpson_step(f: &impl Fn(f64) -> f64, p: &SimpsonPanel, tol: f64, depth: u32) -> f64 {
    let m = 0.5 * (p.a + p.b);
    let (flm, frm) = (f(0.5 * (p.a + m)), f(0.5 * (m + p.b)));
    let left = SimpsonPanel {
        a: p.a,
        b: m,
        fa: p.fa,
        fm: flm,
        fb: p.fm,
        whole: (m - p.a) / 6.0 * (p.fa + 4.0 * flm + p.fm),
    };
    let right = SimpsonPanel {
        a: m,
        b: p.b,
        fa: p.fm,
        fm: frm,
        fb: p.fb,
        whole: (p.b - m) / 6.0 * (p.fm + 4.0 * frm + p.fb),
    };
    let delta = left.whole + right.whole - p.whole;
    if depth == 0 || delta.abs() <= 15.0 * tol {
        return left.whole + right.whole + delta / 15.0;
    }
    simpson_step(f, &left, 0.5 * tol, depth - 1) + simpson_step(f, &right, 0.5 * tol, depth - 1)
}

/// Validates a drain: returns c − r, or [`TheoryError::Unstable`] when writes keep up with the
/// link.
fn drain_rate(link_bytes_per_s: f64, write_bytes_per_s: f64) -> Result<f64, TheoryError> {
    let c = positive("link_bytes_per_s", link_bytes_per_s)?;
    let r = non_negative("write_bytes_per_s", write_bytes_per_s)?;
    if r >= c {
        return Err(TheoryError::Unstable { load: r / c });
    }
    Ok(c - r)
}

/// Time (seconds) to drain a replication backlog while writes continue, B/(c − r): in the
/// fluid approximation the backlog shrinks at the net rate c − r (deterministic fluid queue,
/// Kleinrock, *Queueing Systems* Vol. 2, fluid approximation). Covers drill catch-up and
/// failback resync.
///
/// `backlog_bytes` B: finite ≥ 0; `link_bytes_per_s` c: finite > 0; `write_bytes_per_s` r:
/// finite ≥ 0. r ≥ c ⇒ [`TheoryError::Unstable`] (the backlog never drains).
pub fn fluid_catch_up_time(
    backlog_bytes: f64,
    link_bytes_per_s: f64,
    write_bytes_per_s: f64,
) -> Result<f64, TheoryError> {
    let b = non_negative("backlog_bytes", backlog_bytes)?;
    let net = drain_rate(link_bytes_per_s, write_bytes_per_s)?;
    Ok(b / net)
}

/// Catch-up time (seconds) after a replication partition lasting `partition_s` seconds: the
/// backlog accumulated is r·P bytes, so by [`fluid_catch_up_time`] the drain takes r·P/(c − r)
/// after the partition heals. Parameters and errors as there; `partition_s` finite ≥ 0.
pub fn partition_catch_up_time(
    partition_s: f64,
    link_bytes_per_s: f64,
    write_bytes_per_s: f64,
) -> Result<f64, TheoryError> {
    let p = non_negative("partition_s", partition_s)?;
    let r = non_negative("write_bytes_per_s", write_bytes_per_s)?;
    fluid_catch_up_time(r * p, link_bytes_per_s, r)
}

/// A fluid link with periodic cuts under an RPO bound that blocks commits (the model of
/// `cross_region.rpo_bound`, durable on arrival): what [`rpo_blocked_time`] needs.
#[derive(Clone, Copy, Debug)]
pub struct RpoBoundLink {
    /// Batch interval T (s): the log is cut at its multiples.
    pub interval: f64,
    /// One-way propagation w (s): a batch is durable w after it is fully sent.
    pub one_way: f64,
    /// Link load ρ = r/c: a full batch takes ρT to send.
    pub load: f64,
    /// The bound b (s), a multiple of T.
    pub bound: f64,
}

impl RpoBoundLink {
    fn checked(&self) -> Result<(), TheoryError> {
        let t = positive("interval", self.interval)?;
        let w = non_negative("one_way", self.one_way)?;
        let rho = non_negative("load", self.load)?;
        if rho >= 1.0 {
            return Err(TheoryError::Unstable { load: rho });
        }
        let b = positive("bound", self.bound)?;
        let batches = b / t;
        if (batches - batches.round()).abs() > 1e-9 * batches.max(1.0) {
            return Err(invalid("bound", b, "a multiple of interval"));
        }
        if b <= t * (1.0 + rho) + w {
            return Err(invalid("bound", b, "above the steady lag T(1 + ρ) + w"));
        }
        Ok(())
    }
}

/// Blocked-write time (s) caused by one partition of `duration` D seconds that starts `phase`
/// φ ∈ [0, T) after a cut, on a link that had no backlog (writes served throughout).
///
/// The newest durable cut is `L = p − ψ` (p the partition start), with ψ = φ, or ψ = φ + T
/// when the batch cut at p − φ was still being sent (φ < ρT; δ = φ/ρ seconds of its writes were
/// sent). The lag `t − L` grows at 1 s/s, so writes block at `L + b`; the backlog is then the
/// N = b/T batches holding the writes of [L, L + b]. After the heal at p + D they are sent back
/// to back: batch i (1-based) is fully sent x_i = ρ(iT − δ) after the heal and durable w later,
/// when the lag drops to D + ψ + w + x_i − iT (0 after the N-th: nothing is pending). Writes
/// resume at the first such drop under b, so
///
/// `B = (D + ψ − b + w + x_i)^+`, i the first i ≤ N with D + ψ + w + x_i − iT < b, or N.
///
/// The same expression holds when the lag reaches b only after the heal (D + ψ < b ≤ D + ψ +
/// w + x_1: blocked from L + b until batch 1 is durable) and gives 0 when it never does. For
/// long partitions, i ≈ (D + ψ + w − b)/((1 − ρ)T): B ≈ (D − b + ψ) + w + r(D − b + ψ)/(c − r),
/// the excess of the partition over the bound plus the drain of the backlog written during
/// that excess at the net rate c − r (cf. [`partition_catch_up_time`]).
pub fn rpo_blocked_time(
    link: &RpoBoundLink,
    duration: f64,
    phase: f64,
) -> Result<f64, TheoryError> {
    link.checked()?;
    let d = non_negative("duration", duration)?;
    let phi = non_negative("phase", phase)?;
    let (t, w, rho, b) = (link.interval, link.one_way, link.load, link.bound);
    let (psi, delta) = if phi < rho * t {
        (phi + t, phi / rho)
    } else {
        (phi, 0.0)
    };
    let n = (b / t).round() as u64;
    let mut blocked = 0.0;
    for i in 1..=n {
        let x = rho * (i as f64 * t - delta);
        blocked = d + psi - b + w + x;
        if d + psi + w + x - i as f64 * t < b {
            break;
        }
    }
    Ok(blocked.max(0.0))
}

/// Mean blocked-write time (s) per partition, [`rpo_blocked_time`] averaged over a phase φ
/// uniform on [0, T) (partitions start at random instants) and a duration `D = quantile(u)`, u
/// uniform on (0, 1): a midpoint rule with `points` values of each (the integrand is piecewise
/// linear in D and φ with jumps of at most ρT, so the rule's error is of order
/// (ρT + E[D | D > Q(1 − 1/points)])/points).
pub fn rpo_blocked_time_mean(
    link: &RpoBoundLink,
    quantile: impl Fn(f64) -> f64,
    points: u32,
) -> Result<f64, TheoryError> {
    link.checked()?;
    if points == 0 {
        return Err(invalid("points", 0.0, ">= 1"));
    }
    let m = f64::from(points);
    let mut sum = 0.0;
    for a in 0..points {
        let phase = (f64::from(a) + 0.5) / m * link.interval;
        for c in 0..points {
            let d = quantile((f64::from(c) + 0.5) / m);
            sum += rpo_blocked_time(link, d, phase)?;
        }
    }
    Ok(sum / (m * m))
}

/// Lost updates per second (last writer wins) between two regions writing `rates` = (α, β)
/// per second (Poisson) to `keys` = K equally likely keys, each region's writes reaching the
/// other after a batched lag `L = c + U·T`: `fixed` = (c_α, c_β) seconds (sending time,
/// propagation, apply delay) plus the wait for the next cut, uniform on [0, T) (`interval` T).
/// A write is lost when the next write to its key is the other region's, made before it
/// arrived there: for one write of α with lag L the chance is β/Λ·(1 − e^{−aL}), a = Λ/K,
/// Λ = α + β (the race of two Poisson processes on the key), and averaging over U,
///
/// ```text
/// r = αβ/Λ · Σ_{c ∈ {c_α, c_β}} [1 − e^{−a c}·(1 − e^{−aT})/(aT)]
/// ```
///
/// which for aL ≪ 1 is αβ(E[L_α] + E[L_β])/K. All arguments finite and ≥ 0, K ≥ 1, T > 0.
pub fn lww_uniform_batched_rate(
    rates: (f64, f64),
    keys: f64,
    fixed: (f64, f64),
    interval: f64,
) -> Result<f64, TheoryError> {
    let a_rate = non_negative("rates.0", rates.0)?;
    let b_rate = non_negative("rates.1", rates.1)?;
    let keys = positive("keys", keys)?;
    let t = positive("interval", interval)?;
    let total = a_rate + b_rate;
    if total == 0.0 {
        return Ok(0.0);
    }
    let a = total / keys;
    let wait = -(-a * t).exp_m1() / (a * t);
    let term = |c: f64| -> Result<f64, TheoryError> {
        let c = non_negative("fixed", c)?;
        Ok(1.0 - (-a * c).exp() * wait)
    };
    Ok(a_rate * b_rate / total * (term(fixed.0)? + term(fixed.1)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;

    /// The blocked time of one partition, by hand: T = 2 s, ρ = 0.2, w = 0, b = 20 s, a
    /// partition of 60 s starting 1 s after a cut: blocked from L + 20 = p + 19 to the heal
    /// (41 s), then batches durable every 0.4 s while the lag 61 − 1.6 i falls under 20 at
    /// i = 26 > N = 10: all 10 batches (4 s) drain and the lag is 0: B = 45 s. A partition
    /// shorter than b − ψ blocks nothing; one just long enough to reach the bound after the
    /// heal blocks until the first batch is durable.
    #[test]
    fn rpo_blocked_time_by_hand() {
        let link = RpoBoundLink {
            interval: 2.0,
            one_way: 0.0,
            load: 0.2,
            bound: 20.0,
        };
        let b = |d, phi| rpo_blocked_time(&link, d, phi).unwrap();
        assert!((b(60.0, 1.0) - 45.0).abs() < 1e-9, "{}", b(60.0, 1.0));
        assert_eq!(b(10.0, 1.0), 0.0);
        // D + ψ = 19.5 < 20, lag before batch 1 is durable: 19.5 + 0.4 = 19.9 < 20: no block.
        assert_eq!(b(18.5, 1.0), 0.0);
        // D + ψ = 19.8: the lag reaches 20 at 0.2 s after the heal, batch 1 durable at 0.4 s.
        assert!((b(18.8, 1.0) - 0.2).abs() < 1e-9, "{}", b(18.8, 1.0));
        // Partway through a batch's send (φ = 0.2 < ρT = 0.4): ψ = 2.2, δ = 1 s already sent;
        // the lag after batch i is 32 − 1.6 i, under 20 at i = 8, sent x_8 = 0.2 × 15 = 3 s
        // after the heal: B = 30 + 2.2 − 20 + 3 = 15.2 s.
        assert!((b(30.0, 0.2) - 15.2).abs() < 1e-9, "{}", b(30.0, 0.2));
        // The mean over a fixed duration and uniform phases is the phase average.
        let mean = rpo_blocked_time_mean(&link, |_| 60.0, 400).unwrap();
        let direct: f64 = (0..400)
            .map(|a| b(60.0, (a as f64 + 0.5) / 400.0 * 2.0))
            .sum::<f64>()
            / 400.0;
        assert!((mean - direct).abs() < 1e-9);
        assert!(rpo_blocked_time(&RpoBoundLink { bound: 3.0, ..link }, 1.0, 0.0).is_err());
    }

    use rand::rngs::ChaCha8Rng;
    use rand::SeedableRng;

    /// The closed form is the stationary law of the four-state chain it describes, solved
    /// numerically; and it is not the 1-of-2 quorum's (the stale zone back alone is down).
    #[test]
    fn all_in_sync_pair_availability_is_its_chains_stationary_law() {
        for (mttf, mttr) in [(10.0, 1.0), (120.0, 2.0 / 24.0), (3.0, 5.0)] {
            let (l, m) = (1.0 / mttf, 1.0 / mttr);
            // 0 both up, 1 one up in sync, 2 both down, 3 stale up and in-sync down.
            let q = vec![
                vec![-2.0 * l, 2.0 * l, 0.0, 0.0],
                vec![m, -(l + m), l, 0.0],
                vec![0.0, m, -2.0 * m, m],
                vec![m, 0.0, l, -(l + m)],
            ];
            let pi = ctmc_stationary(&q).unwrap();
            let got = all_in_sync_pair_availability(mttf, mttr).unwrap();
            assert!((got - (pi[0] + pi[1])).abs() < 1e-12, "{got} vs {pi:?}");
            let one_of_two = k_of_n_availability(2, 1, mttf, mttr).unwrap();
            assert!(got < one_of_two, "{got} vs {one_of_two}");
        }
        assert!(all_in_sync_pair_availability(0.0, 1.0).is_err());
    }

    #[test]
    fn latest_completion_of_shifted_exponentials_has_its_closed_form() {
        // X, Y ~ Exp(1): E[max(s + X, Y)] = s + 1 + P(Y − X > s)·1 = s + 1 + e^{−s}/2
        // (memorylessness), and E[max(X, Y)] = 3/2.
        let cdf = |x: f64| if x < 0.0 { 0.0 } else { 1.0 - (-x).exp() };
        for s in [0.0, 0.3, 2.0] {
            let got = latest_completion_mean(&[s, 0.0], cdf, 60.0).unwrap();
            assert!(
                (got - (s + 1.0 + 0.5 * (-s).exp())).abs() < 1e-9,
                "{s}: {got}"
            );
        }
        // Negative shifts too (batches sent before the drill).
        let got = latest_completion_mean(&[-1.0, -2.0], cdf, 60.0).unwrap();
        assert!(
            (got - (-1.0 + 1.0 + 0.5 * (-1.0f64).exp())).abs() < 1e-9,
            "{got}"
        );
    }

    #[test]
    fn latest_completion_of_a_constant_delay_is_the_latest_shift_plus_it() {
        let cdf = |x: f64| f64::from(u8::from(x >= 2.0));
        let got = latest_completion_mean(&[1.5, 1.75, -8.5], cdf, 10.0).unwrap();
        assert!((got - 3.75).abs() < 1e-9, "{got}");
    }

    #[test]
    fn latest_completion_matches_a_brute_force_monte_carlo() {
        // The drill of tests/scenarios/drill.toml at phase 1 s: the partial batch is sent at
        // 1.75 s, the previous one at 1.5 s, older ones 10 s apart; lognormal apply delays of
        // median 2 s and σ 0.5.
        let apply = Dist::LogNormal {
            median: 2e9,
            sigma: 0.5,
        };
        let shifts = [1.75, 1.5, -8.5, -18.5, -28.5];
        let exact = latest_completion_mean(&shifts, |x| apply.cdf_secs(x), 100.0).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2026);
        let n = 400_000;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let m = shifts
                .iter()
                .map(|&s| s + apply.sample(&mut rng).as_secs_f64())
                .fold(f64::NEG_INFINITY, f64::max);
            sum += m;
            sum2 += m * m;
        }
        let mean = sum / n as f64;
        let se = ((sum2 / n as f64 - mean * mean) / n as f64).sqrt();
        assert!(
            (mean - exact).abs() < 4.5 * se,
            "MC {mean} ± {se} vs {exact}"
        );
        // In-order apply matters here: half a second more than the last batch's own apply.
        assert!(exact - (1.75 + apply.mean_secs()) > 0.4, "{exact}");
    }

    #[test]
    fn latest_completion_rejects_what_it_cannot_integrate() {
        let cdf = |_: f64| 1.0;
        assert!(is_invalid(
            latest_completion_mean(&[], cdf, 1.0),
            "shifts.len()"
        ));
        assert!(is_invalid(
            latest_completion_mean(&[f64::NAN], cdf, 1.0),
            "shifts[j]"
        ));
        assert!(is_invalid(latest_completion_mean(&[0.0], cdf, 0.0), "span"));
    }

    fn assert_rel(actual: f64, expected: f64, tol: f64) {
        let err = ((actual - expected) / expected).abs();
        assert!(
            err <= tol,
            "actual {actual:e}, expected {expected:e}, rel err {err:e} > {tol:e}"
        );
    }

    fn is_invalid(r: Result<f64, TheoryError>, param: &str) -> bool {
        matches!(r, Err(TheoryError::InvalidParameter { name, .. }) if name == param)
    }

    #[test]
    fn error_display_and_trait() {
        let e = invalid("mttf", -1.0, "finite and > 0");
        assert_eq!(
            e.to_string(),
            "invalid parameter mttf = -1: must be finite and > 0"
        );
        let e: Box<dyn std::error::Error> = Box::new(TheoryError::Unstable { load: 1.5 });
        assert_eq!(
            e.to_string(),
            "unstable: offered load 1.5 >= 1, backlog grows without bound"
        );
        let g = TheoryError::InvalidGenerator {
            reason: "empty matrix".into(),
        };
        assert_eq!(g.to_string(), "invalid CTMC generator: empty matrix");
        assert!(TheoryError::Singular
            .to_string()
            .contains("no unique stationary"));
    }

    #[test]
    fn single_component_availability() {
        assert_rel(availability(999.0, 1.0).unwrap(), 0.999, 1e-15);
        assert_rel(availability(3600.0, 3600.0).unwrap(), 0.5, 1e-15);
        assert!(is_invalid(availability(0.0, 1.0), "mttf"));
        assert!(is_invalid(availability(1.0, -1.0), "mttr"));
        assert!(is_invalid(availability(f64::INFINITY, 1.0), "mttf"));
        assert!(is_invalid(availability(1.0, f64::NAN), "mttr"));
    }

    #[test]
    fn k_of_n_matches_hand_binomial() {
        let (mttf, mttr) = (900.0, 100.0);
        let a: f64 = 0.9;
        // 2-of-3: a³ + 3a²(1−a).
        let a23 = a.powi(3) + 3.0 * a * a * (1.0 - a);
        assert_rel(k_of_n_availability(3, 2, mttf, mttr).unwrap(), a23, 1e-13);
        assert_rel(
            k_of_n_unavailability(3, 2, mttf, mttr).unwrap(),
            1.0 - a23,
            1e-12,
        );
        // 1-of-n is parallel, n-of-n is series.
        assert_rel(
            k_of_n_unavailability(4, 1, mttf, mttr).unwrap(),
            (1.0 - a).powi(4),
            1e-12,
        );
        assert_rel(
            k_of_n_availability(4, 4, mttf, mttr).unwrap(),
            a.powi(4),
            1e-13,
        );
        // 1-of-1 is a single component.
        assert_rel(
            k_of_n_availability(1, 1, mttf, mttr).unwrap(),
            availability(mttf, mttr).unwrap(),
            1e-14,
        );
        // Many nines keep relative precision: 1-of-3 with a = 1 − 1e-6 ⇒ 1e-18.
        assert_rel(
            k_of_n_unavailability(3, 1, 1e6 - 1.0, 1.0).unwrap(),
            1e-18,
            1e-9,
        );
        // Large n does not overflow: 300-of-500 sums to a probability.
        let big = k_of_n_availability(500, 300, mttf, mttr).unwrap()
            + k_of_n_unavailability(500, 300, mttf, mttr).unwrap();
        assert_rel(big, 1.0, 1e-12);
    }

    #[test]
    fn k_of_n_frequency_and_duration() {
        let (mttf, mttr) = (900.0, 100.0);
        let (a, lambda, mu) = (0.9f64, 1.0 / 900.0, 1.0 / 100.0);
        // 2-of-3: π₂ = 3a²(1−a), f = 2λπ₂.
        let f = 2.0 * lambda * 3.0 * a * a * (1.0 - a);
        assert_rel(k_of_n_outage_frequency(3, 2, mttf, mttr).unwrap(), f, 1e-13);
        let u = 1.0 - (a.powi(3) + 3.0 * a * a * (1.0 - a));
        assert_rel(
            k_of_n_mean_outage_duration(3, 2, mttf, mttr).unwrap(),
            u / f,
            1e-12,
        );
        // Single component: outage frequency 1/(MTTF+MTTR), mean outage = MTTR.
        assert_rel(
            k_of_n_outage_frequency(1, 1, mttf, mttr).unwrap(),
            1.0 / 1000.0,
            1e-13,
        );
        assert_rel(
            k_of_n_mean_outage_duration(1, 1, mttf, mttr).unwrap(),
            mttr,
            1e-12,
        );
        // Series n-of-n: the system leaves "all up" at rate nλ and an outage lasts until every
        // component is back — check against a CTMC of the number of failed components.
        for (n, k) in [(3u32, 3u32), (3, 2), (5, 3), (4, 1)] {
            let size = n as usize + 1; // state = number down
            let mut q = vec![vec![0.0; size]; size];
            for d in 0..size {
                if d < n as usize {
                    q[d][d + 1] = (n as usize - d) as f64 * lambda;
                }
                if d > 0 {
                    q[d][d - 1] = d as f64 * mu;
                }
                q[d][d] = -q[d].iter().sum::<f64>();
            }
            let pi = ctmc_stationary(&q).unwrap();
            let first_down = (n - k + 1) as usize; // k − 1 up
            let unavail: f64 = pi[first_down..].iter().sum();
            let freq = pi[first_down - 1] * q[first_down - 1][first_down];
            assert_rel(
                k_of_n_unavailability(n, k, mttf, mttr).unwrap(),
                unavail,
                1e-10,
            );
            assert_rel(
                k_of_n_outage_frequency(n, k, mttf, mttr).unwrap(),
                freq,
                1e-10,
            );
            assert_rel(
                k_of_n_mean_outage_duration(n, k, mttf, mttr).unwrap(),
                unavail / freq,
                1e-10,
            );
        }
    }

    #[test]
    fn k_of_n_rejects_bad_k_and_n() {
        assert!(is_invalid(k_of_n_availability(0, 0, 1.0, 1.0), "n"));
        assert!(is_invalid(k_of_n_availability(3, 0, 1.0, 1.0), "k"));
        assert!(is_invalid(k_of_n_unavailability(3, 4, 1.0, 1.0), "k"));
        assert!(is_invalid(k_of_n_outage_frequency(3, 2, -1.0, 1.0), "mttf"));
        assert!(is_invalid(
            k_of_n_mean_outage_duration(3, 2, 1.0, 0.0),
            "mttr"
        ));
    }

    #[test]
    fn ctmc_two_state_and_birth_death() {
        // Up/down: π = (μ, λ)/(λ + μ).
        let (l, m) = (0.01, 0.5);
        let pi = ctmc_stationary(&[vec![-l, l], vec![m, -m]]).unwrap();
        assert_rel(pi[0], m / (l + m), 1e-14);
        assert_rel(pi[1], l / (l + m), 1e-13);
        // M/M/1/4 queue: geometric πᵢ ∝ ρⁱ.
        let (lam, mu) = (2.0, 3.0);
        let mut q = vec![vec![0.0; 5]; 5];
        for i in 0..5 {
            if i < 4 {
                q[i][i + 1] = lam;
            }
            if i > 0 {
                q[i][i - 1] = mu;
            }
            q[i][i] = -q[i].iter().sum::<f64>();
        }
        let pi = ctmc_stationary(&q).unwrap();
        let rho: f64 = lam / mu;
        let norm: f64 = (0..5).map(|i| rho.powi(i)).sum();
        for (i, p) in pi.iter().enumerate() {
            assert_rel(*p, rho.powi(i as i32) / norm, 1e-13);
        }
        // Stiff rates (per-second failure rate 1e-9 vs recovery 1e3, and a ratio of 1e-20)
        // are solved, not reported singular.
        let pi = ctmc_stationary(&[vec![-1e-9, 1e-9], vec![1e3, -1e3]]).unwrap();
        assert_rel(pi[1], 1e-12 / (1.0 + 1e-12), 1e-12);
        let pi = ctmc_stationary(&[vec![-1e-17, 1e-17], vec![1e3, -1e3]]).unwrap();
        assert_rel(pi[1], 1e-20, 1e-12);
        // Three-state cycle 0 → 1 → 2 → 0 with rates 1, 2, 4: π ∝ (1/1, 1/2, 1/4).
        let pi = ctmc_stationary(&[
            vec![-1.0, 1.0, 0.0],
            vec![0.0, -2.0, 2.0],
            vec![4.0, 0.0, -4.0],
        ])
        .unwrap();
        for (p, e) in pi.iter().zip([4.0 / 7.0, 2.0 / 7.0, 1.0 / 7.0]) {
            assert_rel(*p, e, 1e-14);
        }
        // Transient state gets probability 0; single state is trivially 1.
        let pi = ctmc_stationary(&[vec![-1.0, 1.0], vec![0.0, 0.0]]).unwrap();
        assert_eq!(pi, vec![0.0, 1.0]);
        assert_eq!(ctmc_stationary(&[vec![0.0]]).unwrap(), vec![1.0]);
    }

    #[test]
    fn ctmc_rejects_invalid_and_reducible() {
        let gen_err = |q: &[Vec<f64>]| {
            matches!(
                ctmc_stationary(q),
                Err(TheoryError::InvalidGenerator { .. })
            )
        };
        assert!(gen_err(&[]));
        assert!(gen_err(&[vec![-1.0, 1.0], vec![1.0]]));
        assert!(gen_err(&[vec![-1.0, 1.0], vec![2.0, -1.0]]));
        assert!(gen_err(&[vec![1.0, -1.0], vec![1.0, -1.0]]));
        assert!(gen_err(&[vec![f64::NAN, 1.0], vec![1.0, -1.0]]));
        // Two closed classes {0,1} and {2,3}: not unique.
        let q = vec![
            vec![-1.0, 1.0, 0.0, 0.0],
            vec![1.0, -1.0, 0.0, 0.0],
            vec![0.0, 0.0, -2.0, 2.0],
            vec![0.0, 0.0, 2.0, -2.0],
        ];
        assert_eq!(ctmc_stationary(&q), Err(TheoryError::Singular));
        assert_eq!(
            ctmc_stationary(&[vec![0.0, 0.0], vec![0.0, 0.0]]),
            Err(TheoryError::Singular)
        );
        // Two absorbing states reachable from a transient one.
        let q = vec![
            vec![-2.0, 1.0, 1.0],
            vec![0.0, 0.0, 0.0],
            vec![0.0, 0.0, 0.0],
        ];
        assert_eq!(ctmc_stationary(&q), Err(TheoryError::Singular));
    }

    /// Hand-solved balance equations of the active/standby chain, π₀ = 1 then normalised:
    /// S4: (φ + 2λ)π₄ = μπ₂; S2: (φ + λ + μ)π₂ = λπ₀ + 2λπ₄; S0: 2λπ₀ = μπ₁ + φπ₄;
    /// S3: 2μπ₃ = λ(π₁ + π₂).
    fn active_standby_by_hand(mttf: f64, mttr: f64, failover: f64) -> f64 {
        let (l, m, f) = (1.0 / mttf, 1.0 / mttr, 1.0 / failover);
        let p0 = 1.0;
        let p2 = l * p0 / (f + l + m - 2.0 * l * m / (f + 2.0 * l));
        let p4 = m * p2 / (f + 2.0 * l);
        let p1 = (2.0 * l * p0 - f * p4) / m;
        let p3 = l * (p1 + p2) / (2.0 * m);
        (p0 + p1) / (p0 + p1 + p2 + p3 + p4)
    }

    #[test]
    fn active_standby_matches_hand_solution() {
        for (mttf, mttr, fo) in [
            (1000.0, 10.0, 1.0),
            (86_400.0 * 30.0, 3600.0, 30.0),
            (100.0, 100.0, 50.0),
            (50.0, 1.0, 20.0),
        ] {
            assert_rel(
                active_standby_availability(mttf, mttr, fo).unwrap(),
                active_standby_by_hand(mttf, mttr, fo),
                1e-12,
            );
        }
        // The generator itself is valid and its balance holds for the solution.
        let q = active_standby_generator(0.1, 0.5, 2.0);
        let pi = ctmc_stationary(&q).unwrap();
        for j in 0..STANDBY_STATES {
            let flow: f64 = pi.iter().zip(&q).map(|(p, row)| p * row[j]).sum();
            assert!(flow.abs() < 1e-13, "state {j} net flow {flow}");
        }
    }

    #[test]
    fn active_standby_limits_and_bounds() {
        let (mttf, mttr) = (1000.0, 10.0);
        let u = 10.0 / 1010.0;
        let instant = 1.0 - u * u;
        assert_eq!(
            active_standby_availability(mttf, mttr, 0.0).unwrap(),
            instant
        );
        // Failover → 0: converges to two independent units, error O(failover_time)
        // (≈ 2λ·failover_time of downtime per unit time).
        let mut prev = 0.0;
        for fo in [1.0, 1e-2, 1e-4, 1e-6] {
            let a = active_standby_availability(mttf, mttr, fo).unwrap();
            assert!(a < instant && a > prev, "monotone approach at {fo}");
            assert!(instant - a < 3.0 * fo / mttf, "gap {} at {fo}", instant - a);
            prev = a;
        }
        // Slower failover never helps; with failover slower than repair the pair can be
        // worse than one unit, but always better than nothing.
        let single = availability(mttf, mttr).unwrap();
        let mut last = 1.0;
        for fo in [0.1, 1.0, 10.0, 100.0, 1e4] {
            let a = active_standby_availability(mttf, mttr, fo).unwrap();
            assert!(a < last && a > 0.0);
            last = a;
        }
        assert!(active_standby_availability(mttf, mttr, 1.0).unwrap() > single);
        assert!(active_standby_availability(mttf, mttr, 1e4).unwrap() < single);
        assert!(is_invalid(
            active_standby_availability(mttf, mttr, -1.0),
            "failover_time"
        ));
        assert!(is_invalid(
            active_standby_availability(0.0, mttr, 1.0),
            "mttf"
        ));
    }

    #[test]
    fn heartbeat_detection_delay() {
        let (h, k) = (0.5, 3);
        assert_eq!(detection_delay_cdf(0.0, h, k).unwrap(), 0.0);
        assert_eq!(detection_delay_cdf(1.0, h, k).unwrap(), 0.0);
        assert_rel(detection_delay_cdf(1.25, h, k).unwrap(), 0.5, 1e-15);
        assert_eq!(detection_delay_cdf(1.5, h, k).unwrap(), 1.0);
        assert_eq!(detection_delay_cdf(99.0, h, k).unwrap(), 1.0);
        assert_rel(detection_delay_mean(h, k).unwrap(), 1.25, 1e-15);
        assert_rel(detection_delay_mean(2.0, 1).unwrap(), 1.0, 1e-15);
        // Brute force: ticks at j·h; failures on a fine grid of instants spanning many ticks;
        // the detector declares at the k-th tick strictly after the failure, found by scanning.
        let grid = 20_000;
        let probes = [1.05, 1.2, 1.4];
        let mut below = [0usize; 3];
        let mut total = 0.0;
        for i in 0..grid {
            let fail = 10.0 + (i as f64 + 0.5) / grid as f64 * 20.0 * h;
            let mut j = 0.0;
            while j * h <= fail {
                j += 1.0;
            }
            let delay = (j + f64::from(k) - 1.0) * h - fail;
            total += delay;
            for (count, &x) in below.iter_mut().zip(&probes) {
                *count += usize::from(delay <= x);
            }
        }
        assert_rel(
            total / grid as f64,
            detection_delay_mean(h, k).unwrap(),
            1e-9,
        );
        for (count, &x) in below.iter().zip(&probes) {
            let cdf = detection_delay_cdf(x, h, k).unwrap();
            assert!((*count as f64 / grid as f64 - cdf).abs() < 1e-3);
        }
        assert!(is_invalid(
            detection_delay_mean(0.0, 3),
            "heartbeat_interval"
        ));
        assert!(is_invalid(detection_delay_mean(1.0, 0), "missed_beats"));
        assert!(is_invalid(detection_delay_cdf(f64::NAN, 1.0, 1), "x"));
    }

    #[test]
    fn poisson_loss_pmf_cdf() {
        assert_rel(poisson_lost_writes_mean(200.0, 0.05).unwrap(), 10.0, 1e-15);
        assert_eq!(poisson_lost_writes_mean(0.0, 1.0).unwrap(), 0.0);
        assert!(is_invalid(
            poisson_lost_writes_mean(-1.0, 1.0),
            "write_rate"
        ));
        assert!(is_invalid(
            poisson_lost_writes_mean(1.0, f64::NAN),
            "mean_lag"
        ));

        assert_rel(poisson_pmf(0, 2.0).unwrap(), (-2.0f64).exp(), 1e-14);
        assert_rel(
            poisson_pmf(3, 2.0).unwrap(),
            8.0 / 6.0 * (-2.0f64).exp(),
            1e-13,
        );
        // Far tail and large mean without overflow: pmf(1000; 1000) ≈ 1/√(2π·1000).
        assert_rel(
            poisson_pmf(1000, 1000.0).unwrap(),
            0.012_614_611_348_721_5,
            1e-10,
        );
        assert_eq!(poisson_pmf(0, 0.0).unwrap(), 1.0);
        assert_eq!(poisson_pmf(2, 0.0).unwrap(), 0.0);
        let c = poisson_cdf(3, 2.0).unwrap();
        assert_rel(c, (1.0 + 2.0 + 2.0 + 8.0 / 6.0) * (-2.0f64).exp(), 1e-14);
        assert_rel(poisson_cdf(u64::MAX, 3.0).unwrap(), 1.0, 1e-14);
        assert_eq!(poisson_cdf(5, 0.0).unwrap(), 1.0);
        assert_rel(
            poisson_cdf(1000, 1000.0).unwrap(),
            0.508_409_367_168_506,
            1e-9,
        );
        assert!(is_invalid(poisson_pmf(1, -1.0), "mean"));
        assert!(is_invalid(poisson_cdf(1, f64::INFINITY), "mean"));
    }

    /// Test-only deterministic uniform(0, 1) generator (SplitMix64).
    struct SplitMix(u64);

    impl SplitMix {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
    }

    #[test]
    fn lost_writes_follow_m_g_infinity() {
        // Poisson writes (50/s) with uniform(0, 0.2 s) lags, failure instants every 0.37 s
        // (beyond the maximum lag, so counts are nearly independent): the number of writes
        // still in flight must be Poisson with mean λE[L] = 5.
        let (rate, max_lag) = (50.0, 0.2);
        let mut rng = SplitMix(2024);
        let mut writes: Vec<(f64, f64)> = Vec::new();
        let mut s = 0.0;
        while s < 2_000.0 {
            s += -rng.uniform().ln() / rate;
            writes.push((s, rng.uniform() * max_lag));
        }
        let mean = poisson_lost_writes_mean(rate, 0.5 * max_lag).unwrap();
        let mut histogram = [0usize; 12];
        let mut instants = 0usize;
        let mut t = 1.0;
        while t < 1_999.0 {
            let first = writes.partition_point(|&(s, _)| s < t - max_lag);
            let lost = writes[first..]
                .iter()
                .take_while(|&&(s, _)| s <= t)
                .filter(|&&(s, lag)| t < s + lag)
                .count();
            histogram[lost.min(11)] += 1;
            instants += 1;
            t += 0.37;
        }
        let empirical_mean: f64 = histogram
            .iter()
            .enumerate()
            .map(|(k, &c)| k as f64 * c as f64)
            .sum::<f64>()
            / instants as f64;
        // 5σ of the mean of ~5400 Poisson(5) counts (the top bin is capped, which only lowers it).
        assert!((empirical_mean - mean).abs() < 5.0 * (mean / instants as f64).sqrt() + 0.01);
        for (k, &count) in histogram.iter().enumerate().take(11) {
            let p = poisson_pmf(k as u64, mean).unwrap();
            let sd = (p * (1.0 - p) / instants as f64).sqrt();
            let freq = count as f64 / instants as f64;
            assert!((freq - p).abs() < 5.0 * sd + 1e-3, "k = {k}: {freq} vs {p}");
        }
    }

    #[test]
    fn batch_loss_window_model_and_brute_force() {
        let (interval, delay) = (10.0, 3.0);
        assert_eq!(batch_loss_window_cdf(2.9, interval, delay).unwrap(), 0.0);
        assert_rel(
            batch_loss_window_cdf(8.0, interval, delay).unwrap(),
            0.5,
            1e-15,
        );
        assert_eq!(batch_loss_window_cdf(13.0, interval, delay).unwrap(), 1.0);
        assert_rel(batch_loss_window_mean(interval, delay).unwrap(), 8.0, 1e-15);
        // Brute force: failure instants on a fine grid over many periods, last_sync found by
        // scanning the cuts explicitly (including d > T, several batches in flight).
        for (interval, delay) in [(10.0, 3.0), (2.0, 5.0), (1.0, 0.0)] {
            let periods = 50.0;
            let start = delay + interval; // at least one batch durable
            let grid = 100_000;
            let probes = [0.1, 0.25, 0.5, 0.9];
            let mut below = [0usize; 4];
            let mut total = 0.0;
            for g in 0..grid {
                let t = start + (g as f64 + 0.5) / grid as f64 * periods * interval;
                let mut last_sync = 0.0;
                let mut j = 0.0;
                while j * interval + delay <= t {
                    last_sync = j * interval;
                    j += 1.0;
                }
                let w = t - last_sync;
                total += w;
                for (count, &p) in below.iter_mut().zip(&probes) {
                    *count += usize::from(w <= delay + p * interval);
                }
            }
            let mean = total / grid as f64;
            assert_rel(mean, batch_loss_window_mean(interval, delay).unwrap(), 1e-4);
            for (count, &p) in below.iter().zip(&probes) {
                let cdf = batch_loss_window_cdf(delay + p * interval, interval, delay).unwrap();
                assert_rel(*count as f64 / grid as f64, cdf, 1e-3);
            }
        }
        assert!(is_invalid(batch_loss_window_mean(0.0, 1.0), "interval"));
        assert!(is_invalid(batch_loss_window_mean(1.0, -1.0), "delay"));
        assert!(is_invalid(batch_loss_window_cdf(f64::NAN, 1.0, 1.0), "w"));
    }

    #[test]
    fn pollaczek_khinchine() {
        // M/M/1: E[S²] = 2/μ², W_q = ρ/(μ − λ).
        let (lam, mu) = (8.0, 10.0);
        let wq = pk_mean_wait(lam, 1.0 / mu, 2.0 / (mu * mu)).unwrap();
        assert_rel(wq, 0.8 / 2.0, 1e-14);
        assert_rel(
            pk_mean_sojourn(lam, 1.0 / mu, 2.0 / (mu * mu)).unwrap(),
            1.0 / (mu - lam),
            1e-14,
        );
        // M/D/1: W_q = ρ/(2μ(1 − ρ)) — half the M/M/1 wait.
        let wq_d = pk_mean_wait(lam, 1.0 / mu, 1.0 / (mu * mu)).unwrap();
        assert_rel(wq_d, 0.8 / (2.0 * mu * 0.2), 1e-14);
        assert_eq!(pk_mean_wait(0.0, 1.0, 1.0).unwrap(), 0.0);
        assert_eq!(
            pk_mean_wait(10.0, 0.1, 0.02),
            Err(TheoryError::Unstable { load: 1.0 })
        );
        assert!(matches!(
            pk_mean_sojourn(20.0, 0.1, 0.02),
            Err(TheoryError::Unstable { .. })
        ));
        assert!(is_invalid(
            pk_mean_wait(1.0, 0.1, 0.005),
            "second_moment_service"
        ));
        assert!(is_invalid(pk_mean_wait(-1.0, 0.1, 0.02), "arrival_rate"));
        assert!(is_invalid(pk_mean_wait(1.0, 0.0, 0.02), "mean_service"));
    }

    #[test]
    fn order_statistics_exponential_uniform_deterministic() {
        let lambda = 2.0;
        let exp_cdf = move |x: f64| {
            if x <= 0.0 {
                0.0
            } else {
                -(-lambda * x).exp_m1()
            }
        };
        for (n, k) in [(1u32, 1u32), (3, 2), (5, 3), (5, 5), (9, 1)] {
            // E[X_(k)] = Σ_{i=0}^{k−1} 1/((n − i)λ) (Rényi representation).
            let exact: f64 = (0..k).map(|i| 1.0 / (f64::from(n - i) * lambda)).sum();
            let got = order_statistic_mean(n, k, exp_cdf, 40.0).unwrap();
            assert_rel(got, exact, 1e-9);
        }
        let uni = |x: f64| x.clamp(0.0, 1.0);
        for (n, k) in [(3u32, 2u32), (5, 1), (5, 5), (7, 4)] {
            let got = order_statistic_mean(n, k, uni, 1.5).unwrap();
            assert_rel(got, f64::from(k) / f64::from(n + 1), 1e-9);
        }
        // Shifted exponential RTT (5 ms floor + Exp(λ)): the kink at the floor is integrated
        // exactly, E[X_(k)] = floor + Σ_{i<k} 1/((n − i)λ).
        let floor = 0.005;
        let shifted = move |x: f64| exp_cdf(x - floor);
        let exact = floor + (1.0 / 5.0 + 1.0 / 4.0) / lambda;
        assert_rel(
            order_statistic_mean(5, 2, shifted, 40.0).unwrap(),
            exact,
            1e-9,
        );
        // Deterministic 10 ms RTT: a step CDF, mean exactly 0.01.
        let step = |x: f64| if x >= 0.01 { 1.0 } else { 0.0 };
        assert_rel(order_statistic_mean(3, 2, step, 1.0).unwrap(), 0.01, 1e-9);

        // CDF: median of 3 uniforms ⇒ 3x² − 2x³.
        let x: f64 = 0.3;
        assert_rel(
            order_statistic_cdf(x, 3, 2, uni).unwrap(),
            3.0 * x * x - 2.0 * x.powi(3),
            1e-13,
        );
        // Minimum and maximum.
        assert_rel(
            order_statistic_cdf(x, 4, 1, uni).unwrap(),
            1.0 - 0.7f64.powi(4),
            1e-13,
        );
        assert_rel(order_statistic_cdf(x, 4, 4, uni).unwrap(), x.powi(4), 1e-13);
        assert_eq!(order_statistic_cdf(-1.0, 4, 2, uni).unwrap(), 0.0);
        assert_eq!(order_statistic_cdf(2.0, 4, 2, uni).unwrap(), 1.0);
        assert!(is_invalid(order_statistic_cdf(0.5, 3, 4, uni), "k"));
        assert!(is_invalid(order_statistic_mean(0, 1, uni, 1.0), "n"));
        assert!(is_invalid(order_statistic_mean(3, 0, uni, 1.0), "k"));
        assert!(is_invalid(order_statistic_mean(3, 1, uni, 0.0), "upper"));
    }

    #[test]
    fn fluid_catch_up() {
        // 1 GB backlog, 100 MB/s link, 20 MB/s writes ⇒ 12.5 s.
        assert_rel(fluid_catch_up_time(1e9, 1e8, 2e7).unwrap(), 12.5, 1e-15);
        assert_eq!(fluid_catch_up_time(0.0, 1e8, 2e7).unwrap(), 0.0);
        assert_eq!(
            fluid_catch_up_time(1.0, 1e8, 1e8),
            Err(TheoryError::Unstable { load: 1.0 })
        );
        assert!(is_invalid(
            fluid_catch_up_time(-1.0, 1e8, 0.0),
            "backlog_bytes"
        ));
        assert!(is_invalid(
            fluid_catch_up_time(1.0, 0.0, 0.0),
            "link_bytes_per_s"
        ));
        assert!(is_invalid(
            fluid_catch_up_time(1.0, 1.0, -1.0),
            "write_bytes_per_s"
        ));
        // 60 s partition at 20 MB/s over a 100 MB/s link: 1.2 GB backlog, 15 s.
        assert_rel(
            partition_catch_up_time(60.0, 1e8, 2e7).unwrap(),
            15.0,
            1e-15,
        );
        assert_eq!(partition_catch_up_time(60.0, 1e8, 0.0).unwrap(), 0.0);
        assert!(is_invalid(
            partition_catch_up_time(-1.0, 1e8, 0.0),
            "partition_s"
        ));
        // Brute-force fluid drain in 1 ms steps agrees.
        let (c, r) = (1e8, 2e7);
        let (mut backlog, mut t) = (1.2e9, 0.0);
        while backlog > 0.0 {
            backlog -= (c - r) * 1e-3;
            t += 1e-3;
        }
        assert!((t - 15.0f64).abs() <= 1.5e-3);
    }
}
