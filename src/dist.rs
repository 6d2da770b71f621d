//! Random durations. A scenario writes a constant as a plain string (`"5m"`)
//! and anything random as a small table tagged by `dist`:
//!
//! ```toml
//! a = "5m"                                           # constant
//! b = { dist = "exponential", mean = "90d" }
//! c = { dist = "lognormal", median = "1h", sigma = 0.8 }
//! d = { dist = "uniform", low = "1m", high = "5m" }
//! e = { dist = "weibull", shape = 1.5, mean = "90d" }
//! ```
//!
//! Samples come from inverse transforms (or a standard normal for the
//! lognormal) over the replication's own RNG, so a draw depends only on the
//! RNG stream and never on the platform's thread scheduling.

use crate::time::SimDuration;
use rand::Rng;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A distribution of non-negative durations. Parameters are kept in
/// nanoseconds (as `f64` for the continuous laws).
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Constant(SimDuration),
    /// Exponential with the given mean (ns).
    Exponential {
        mean: f64,
    },
    /// `median · exp(sigma · Z)`, Z standard normal; `sigma` is dimensionless.
    LogNormal {
        median: f64,
        sigma: f64,
    },
    /// Uniform on `[low, high]`, both inclusive (ns).
    Uniform {
        low: SimDuration,
        high: SimDuration,
    },
    /// Weibull with shape `k` (dimensionless) and the given mean (ns); the
    /// scale follows as `mean / Γ(1 + 1/k)`.
    Weibull {
        shape: f64,
        mean: f64,
    },
}

impl Dist {
    pub fn constant(d: SimDuration) -> Dist {
        Dist::Constant(d)
    }

    /// Draws one duration.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match *self {
            Dist::Constant(d) => d,
            Dist::Exponential { mean } => ns(mean * standard_exponential(rng)),
            Dist::LogNormal { median, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                ns(median * (sigma * z).exp())
            }
            Dist::Uniform { low, high } => SimDuration(rng.random_range(low.0..=high.0)),
            Dist::Weibull { shape, mean } => {
                let scale = mean / gamma(1.0 + 1.0 / shape);
                ns(scale * standard_exponential(rng).powf(1.0 / shape))
            }
        }
    }

    /// The `u`-quantile (inverse CDF) for `u` in (0, 1): lets a draw be a
    /// pure function of one uniform number, so a per-index draw needs no
    /// generator state (see `model::ApplyDelays`).
    pub fn quantile(&self, u: f64) -> SimDuration {
        let u = u.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
        match *self {
            Dist::Constant(d) => d,
            Dist::Exponential { mean } => ns(-mean * (1.0 - u).ln()),
            Dist::LogNormal { median, sigma } => {
                ns(median * (sigma * crate::stats::normal_quantile_as241(u)).exp())
            }
            Dist::Uniform { low, high } => {
                SimDuration(low.0 + ((high.0 - low.0) as f64 * u).floor() as u64)
            }
            Dist::Weibull { shape, mean } => {
                let scale = mean / gamma(1.0 + 1.0 / shape);
                ns(scale * (-(1.0 - u).ln()).powf(1.0 / shape))
            }
        }
    }

    /// The mean in seconds (used by validation estimates and by theory checks).
    pub fn mean_secs(&self) -> f64 {
        let mean_ns = match *self {
            Dist::Constant(d) => d.0 as f64,
            Dist::Exponential { mean } | Dist::Weibull { mean, .. } => mean,
            Dist::LogNormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Dist::Uniform { low, high } => (low.0 as f64 + high.0 as f64) / 2.0,
        };
        mean_ns / 1e9
    }

    /// Cumulative distribution function at `x` seconds (used by the one-sample
    /// goodness-of-fit tests and the analytic cross-checks).
    pub fn cdf_secs(&self, x: f64) -> f64 {
        let x_ns = x * 1e9;
        if x_ns < 0.0 {
            return 0.0;
        }
        match *self {
            Dist::Constant(d) => f64::from(u8::from(x_ns >= d.0 as f64)),
            Dist::Exponential { mean } => 1.0 - (-x_ns / mean).exp(),
            Dist::LogNormal { median, sigma } => {
                if x_ns == 0.0 {
                    0.0
                } else {
                    crate::stats::normal_cdf((x_ns / median).ln() / sigma)
                }
            }
            Dist::Uniform { low, high } => {
                let (l, h) = (low.0 as f64, high.0 as f64);
                if h <= l {
                    f64::from(u8::from(x_ns >= l))
                } else {
                    ((x_ns - l) / (h - l)).clamp(0.0, 1.0)
                }
            }
            Dist::Weibull { shape, mean } => {
                let scale = mean / gamma(1.0 + 1.0 / shape);
                1.0 - (-(x_ns / scale).powf(shape)).exp()
            }
        }
    }

    /// `P(X > x)` at `x` seconds, computed in the upper tail rather than as
    /// `1 − CDF` (which rounds to 0 below 1e-16): a conditional survival
    /// `S(e + x)/S(e)` far into the tail (`drsim decide`) keeps its relative
    /// precision. A lognormal with `sigma = 0` is the constant `median`.
    pub fn survival_secs(&self, x: f64) -> f64 {
        let x_ns = x * 1e9;
        if x_ns < 0.0 {
            return 1.0;
        }
        match *self {
            Dist::Constant(d) => f64::from(u8::from(x_ns < d.0 as f64)),
            Dist::Exponential { mean } => (-x_ns / mean).exp(),
            Dist::LogNormal { median, sigma: 0.0 } => f64::from(u8::from(x_ns < median)),
            Dist::LogNormal { median, sigma } => {
                if x_ns == 0.0 {
                    1.0
                } else {
                    crate::stats::normal_cdf(-(x_ns / median).ln() / sigma)
                }
            }
            Dist::Uniform { low, high } => {
                let (l, h) = (low.0 as f64, high.0 as f64);
                if x_ns < l {
                    1.0
                } else if x_ns >= h {
                    0.0
                } else {
                    (h - x_ns) / (h - l)
                }
            }
            Dist::Weibull { shape, mean } => {
                let scale = mean / gamma(1.0 + 1.0 / shape);
                (-(x_ns / scale).powf(shape)).exp()
            }
        }
    }

    /// Points (seconds) where the survival function has a jump or a kink:
    /// the constant's value, the uniform's ends. A quadrature splits its
    /// interval there, since its error estimate assumes a smooth integrand.
    pub fn breakpoints_secs(&self) -> Vec<f64> {
        match *self {
            Dist::Constant(d) => vec![d.as_secs_f64()],
            Dist::LogNormal { median, sigma: 0.0 } => vec![median / 1e9],
            Dist::Uniform { low, high } => vec![low.as_secs_f64(), high.as_secs_f64()],
            _ => Vec::new(),
        }
    }

    /// True when every draw is zero, e.g. `"0s"`: such a delay needs no event.
    pub fn is_always_zero(&self) -> bool {
        matches!(self, Dist::Constant(d) if d.is_zero())
    }
}

fn ns(x: f64) -> SimDuration {
    SimDuration::from_nanos_f64(x)
}

/// `-ln(1 - U)` with `U` in `[0, 1)`, so the logarithm never sees zero.
fn standard_exponential<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u: f64 = rng.random();
    -(1.0 - u).ln()
}

/// Γ(x) for x > 0 by the Lanczos approximation (g = 7, n = 9), accurate to
/// about 1e-15 relative: enough to turn a Weibull mean into its scale.
pub fn gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x))
    } else {
        let x = x - 1.0;
        let mut a = C[0];
        let t = x + G + 0.5;
        for (i, c) in C.iter().enumerate().skip(1) {
            a += c / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

/// The tagged-table form, checked field by field by serde
/// (`deny_unknown_fields` turns a misspelt parameter into an error).
#[derive(Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
enum RawDist {
    Constant { value: SimDuration },
    Exponential { mean: SimDuration },
    LogNormal { median: SimDuration, sigma: f64 },
    Uniform { low: SimDuration, high: SimDuration },
    Weibull { shape: f64, mean: SimDuration },
}

impl RawDist {
    fn check(self) -> Result<Dist, String> {
        Ok(match self {
            RawDist::Constant { value } => Dist::Constant(value),
            RawDist::Exponential { mean } => {
                if mean.is_zero() {
                    return Err("exponential `mean` must be positive".into());
                }
                Dist::Exponential {
                    mean: mean.0 as f64,
                }
            }
            RawDist::LogNormal { median, sigma } => {
                if median.is_zero() {
                    return Err("lognormal `median` must be positive".into());
                }
                if !(0.0..=10.0).contains(&sigma) {
                    return Err(format!(
                        "lognormal `sigma` must be a finite number in [0, 10], found {sigma}"
                    ));
                }
                Dist::LogNormal {
                    median: median.0 as f64,
                    sigma,
                }
            }
            RawDist::Uniform { low, high } => {
                if low > high {
                    return Err(format!(
                        "uniform `low` ({low}) must not exceed `high` ({high})"
                    ));
                }
                Dist::Uniform { low, high }
            }
            RawDist::Weibull { shape, mean } => {
                if !shape.is_finite() || !(0.05..=100.0).contains(&shape) {
                    return Err(format!(
                        "weibull `shape` must be a finite number in [0.05, 100], found {shape}"
                    ));
                }
                if mean.is_zero() {
                    return Err("weibull `mean` must be positive".into());
                }
                Dist::Weibull {
                    shape,
                    mean: mean.0 as f64,
                }
            }
        })
    }
}

impl<'de> Deserialize<'de> for Dist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Dist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration string (\"5m\") or a table such as \
                     { dist = \"exponential\", mean = \"90d\" }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dist, E> {
                crate::time::parse_duration(v)
                    .map(Dist::Constant)
                    .map_err(|e| E::custom(e.0))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Dist, A::Error> {
                let raw = RawDist::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                raw.check().map_err(serde::de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::SeedableRng;

    fn parse(s: &str) -> Result<Dist, String> {
        #[derive(Deserialize)]
        struct W {
            #[allow(dead_code)]
            x: Dist,
        }
        toml::from_str::<W>(s)
            .map(|w| w.x)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_each_form() {
        assert_eq!(
            parse("x = \"5m\"").unwrap(),
            Dist::Constant(SimDuration::from_secs(300))
        );
        assert_eq!(
            parse("x = { dist = \"exponential\", mean = \"1s\" }").unwrap(),
            Dist::Exponential { mean: 1e9 }
        );
        assert!(matches!(
            parse("x = { dist = \"lognormal\", median = \"1h\", sigma = 0.5 }").unwrap(),
            Dist::LogNormal { .. }
        ));
        assert!(matches!(
            parse("x = { dist = \"weibull\", shape = 2.0, mean = \"1h\" }").unwrap(),
            Dist::Weibull { .. }
        ));
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(parse("x = { dist = \"exponential\", mean = \"0s\" }")
            .unwrap_err()
            .contains("must be positive"));
        assert!(
            parse("x = { dist = \"uniform\", low = \"5m\", high = \"1m\" }")
                .unwrap_err()
                .contains("must not exceed")
        );
        assert!(parse("x = { dist = \"exponential\", maen = \"1s\" }")
            .unwrap_err()
            .contains("unknown field"));
        assert!(parse("x = { dist = \"gaussian\", mean = \"1s\" }")
            .unwrap_err()
            .contains("unknown variant"));
        assert!(parse("x = { dist = \"lognormal\", median = \"1s\", sigma = nan }").is_err());
    }

    #[test]
    fn quantile_inverts_the_cdf() {
        let cases = [
            Dist::Exponential { mean: 2e9 },
            Dist::LogNormal {
                median: 1e9,
                sigma: 0.7,
            },
            Dist::Weibull {
                shape: 1.7,
                mean: 3e9,
            },
            Dist::Uniform {
                low: SimDuration::from_secs(1),
                high: SimDuration::from_secs(9),
            },
        ];
        for d in cases {
            for u in [0.01, 0.3, 0.5, 0.9, 0.999] {
                let x = d.quantile(u).as_secs_f64();
                assert!(
                    (d.cdf_secs(x) - u).abs() < 1e-6,
                    "{d:?} at {u}: cdf(q) = {}",
                    d.cdf_secs(x)
                );
            }
        }
    }

    #[test]
    fn survival_is_one_minus_the_cdf_and_keeps_the_tail() {
        let cases = [
            Dist::Exponential { mean: 2e9 },
            Dist::LogNormal {
                median: 1e9,
                sigma: 0.7,
            },
            Dist::Weibull {
                shape: 0.6,
                mean: 3e9,
            },
            Dist::Uniform {
                low: SimDuration::from_secs(1),
                high: SimDuration::from_secs(9),
            },
            Dist::Constant(SimDuration::from_secs(4)),
        ];
        for d in cases {
            for x in [0.0, 0.5, 1.0, 2.5, 3.999, 4.0, 7.0, 12.0] {
                let (s, c) = (d.survival_secs(x), d.cdf_secs(x));
                assert!((s + c - 1.0).abs() < 1e-12, "{d:?} at {x}: S {s} + F {c}");
            }
        }
        // Far in the lognormal's tail 1 − CDF is 0; the survival is not.
        let ln = Dist::LogNormal {
            median: 1e9,
            sigma: 0.5,
        };
        let s = ln.survival_secs((5.0f64).exp());
        assert!((s / 7.619_853_024_160_527e-24 - 1.0).abs() < 1e-9, "{s}");
        assert_eq!(
            Dist::LogNormal {
                median: 2e9,
                sigma: 0.0
            }
            .survival_secs(1.0),
            1.0
        );
    }

    #[test]
    fn gamma_matches_known_values() {
        assert!((gamma(1.0) - 1.0).abs() < 1e-12);
        assert!((gamma(5.0) - 24.0).abs() < 1e-10);
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
    }

    /// Sample means within 5 standard errors of the configured mean (the
    /// standard error of a mean of n draws is σ/√n); a fixed seed keeps it stable.
    #[test]
    fn sample_means_match_configured_means() {
        let n = 40_000;
        let cases = [
            (Dist::Exponential { mean: 1e9 }, 1.0, 1.0),
            (
                Dist::Weibull {
                    shape: 2.0,
                    mean: 1e9,
                },
                1.0,
                0.5227,
            ),
            (
                Dist::LogNormal {
                    median: 1e9,
                    sigma: 0.5,
                },
                (0.125f64).exp(),
                0.6039,
            ),
            (
                Dist::Uniform {
                    low: SimDuration::from_secs(1),
                    high: SimDuration::from_secs(3),
                },
                2.0,
                0.5774,
            ),
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for (d, mean, sd) in cases {
            let s: f64 = (0..n)
                .map(|_| d.sample(&mut rng).as_secs_f64())
                .sum::<f64>()
                / n as f64;
            let tol = 5.0 * sd / (n as f64).sqrt();
            assert!(
                (s - mean).abs() < tol,
                "{d:?}: sample mean {s} vs {mean} ± {tol}"
            );
            assert!((d.mean_secs() - mean).abs() < 1e-9 * mean.max(1.0));
        }
    }
}
