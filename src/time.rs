//! Simulated time: integer nanoseconds, never floats, so that a replication is
//! bit-for-bit reproducible and event order never depends on rounding.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// An instant of simulated time, in nanoseconds since the start of a replication.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    /// The end of time: used for "never" so comparisons need no `Option`.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Saturates instead of wrapping: an event scheduled past the end of time
    /// simply never happens within any horizon.
    pub fn after(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// Time elapsed since `earlier`; zero if `earlier` is not earlier.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// Seconds, for reports only (never for event ordering).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * NANOS_PER_SEC)
    }

    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms * 1_000_000)
    }

    /// Rounds a sampled real number of seconds to the nearest nanosecond.
    /// Negative and NaN become zero and huge values saturate, because a
    /// distribution sample must never make time run backwards or wrap.
    pub fn from_secs_f64(s: f64) -> SimDuration {
        SimDuration::from_nanos_f64(s * NANOS_PER_SEC as f64)
    }

    /// [`SimDuration::from_secs_f64`] for a real number of nanoseconds.
    pub fn from_nanos_f64(ns: f64) -> SimDuration {
        /// From 2^52 on every f64 is an integer.
        const INTEGRAL_FROM: f64 = (1u64 << 52) as f64;
        if ns.is_nan() || ns <= 0.0 {
            SimDuration(0)
        } else if ns >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else if ns >= INTEGRAL_FROM {
            SimDuration(ns as u64)
        } else {
            // Half away from zero, as `f64::round`, without its libm call
            // (a hot path: every sampled delay passes here).
            SimDuration((ns + 0.5) as u64)
        }
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    pub fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }

    pub fn saturating_mul(self, k: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationParseError(pub String);

impl fmt::Display for DurationParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Unit suffixes and their length in nanoseconds. A year is 365 days, the
/// convention availability figures ("three nines per year") use.
const DURATION_UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", NANOS_PER_SEC),
    ("sec", NANOS_PER_SEC),
    ("m", 60 * NANOS_PER_SEC),
    ("min", 60 * NANOS_PER_SEC),
    ("h", 3_600 * NANOS_PER_SEC),
    ("d", 86_400 * NANOS_PER_SEC),
    ("w", 7 * 86_400 * NANOS_PER_SEC),
    ("y", 365 * 86_400 * NANOS_PER_SEC),
];

/// Splits `"1.5 h"` into its decimal number and unit, and multiplies them in
/// exact integer arithmetic (`u128`) so `"0.1s"` is exactly 100 ms.
pub(crate) fn parse_scaled(
    text: &str,
    units: &[(&str, u64)],
    what: &str,
    example: &str,
) -> Result<u128, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("{what} cannot be negative: \"{text}\""));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim();
    if number.is_empty() {
        return Err(format!(
            "expected {what} such as {example}, found \"{text}\""
        ));
    }
    let Some(&(_, scale)) = units.iter().find(|(u, _)| *u == unit) else {
        let known: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
        return Err(format!(
            "unknown unit \"{unit}\" in \"{text}\": expected one of {}",
            known.join(", ")
        ));
    };
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
        return Err(format!("malformed number in \"{text}\""));
    }
    if int_part.len() > 30 || frac_part.len() > 30 {
        return Err(format!("{what} \"{text}\" is too large or too precise"));
    }
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part
            .parse()
            .map_err(|_| format!("malformed number in \"{text}\""))?
    };
    let frac: u128 = if frac_part.is_empty() {
        0
    } else {
        frac_part
            .parse()
            .map_err(|_| format!("malformed number in \"{text}\""))?
    };
    let scale = scale as u128;
    let denom = 10u128.pow(frac_part.len() as u32);
    let whole = int
        .checked_mul(scale)
        .ok_or_else(|| format!("{what} \"{text}\" is too large"))?;
    Ok(whole + frac * scale / denom)
}

/// Parses a human duration: `"250ms"`, `"30s"`, `"5m"`, `"4h"`, `"30d"`, `"1y"`, `"1.5h"`.
pub fn parse_duration(text: &str) -> Result<SimDuration, DurationParseError> {
    let ns = parse_scaled(
        text,
        DURATION_UNITS,
        "a duration",
        "\"250ms\", \"5m\", \"4h\", \"30d\"",
    )
    .map_err(DurationParseError)?;
    u64::try_from(ns)
        .map(SimDuration)
        .map_err(|_| DurationParseError(format!("duration \"{text}\" exceeds ~584 years")))
}

impl fmt::Display for SimDuration {
    /// Two significant units at most ("4m 12s", "3h 05m", "250ms"), so tables stay narrow.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_seconds(self.as_secs_f64()))
    }
}

/// Formats seconds in the largest unit that keeps the number readable.
pub fn format_seconds(s: f64) -> String {
    if !s.is_finite() {
        return "∞".to_string();
    }
    if s == 0.0 {
        return "0".to_string();
    }
    let a = s.abs();
    if a < 1e-6 {
        format!("{:.0}ns", s * 1e9)
    } else if a < 1e-3 {
        format!("{:.1}µs", s * 1e6)
    } else if a < 1.0 {
        format!("{:.1}ms", s * 1e3)
    } else if a < 60.0 {
        format!("{s:.2}s")
    } else if a < 3600.0 {
        let m = (s / 60.0).floor();
        format!("{m:.0}m {:02.0}s", s - m * 60.0)
    } else if a < 86_400.0 {
        let h = (s / 3600.0).floor();
        format!("{h:.0}h {:02.0}m", (s - h * 3600.0) / 60.0)
    } else {
        format!("{:.1}d", s / 86_400.0)
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"250ms\", \"5m\", \"4h\", \"30d\", \"1y\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SimDuration, E> {
                parse_duration(v).map_err(|e| E::custom(e.0))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_exactly() {
        assert_eq!(parse_duration("250ms").unwrap(), SimDuration(250_000_000));
        assert_eq!(parse_duration("30s").unwrap(), SimDuration::from_secs(30));
        assert_eq!(parse_duration("5m").unwrap(), SimDuration::from_secs(300));
        assert_eq!(
            parse_duration("4h").unwrap(),
            SimDuration::from_secs(14_400)
        );
        assert_eq!(
            parse_duration("30d").unwrap(),
            SimDuration::from_secs(2_592_000)
        );
        assert_eq!(
            parse_duration("1y").unwrap(),
            SimDuration::from_secs(31_536_000)
        );
        assert_eq!(parse_duration("0.1s").unwrap(), SimDuration(100_000_000));
        assert_eq!(
            parse_duration("1.5 h").unwrap(),
            SimDuration::from_secs(5_400)
        );
        assert_eq!(parse_duration("20us").unwrap(), SimDuration(20_000));
    }

    #[test]
    fn rejects_bad_durations_with_reasons() {
        assert!(parse_duration("-5m").unwrap_err().0.contains("negative"));
        assert!(parse_duration("5 parsecs")
            .unwrap_err()
            .0
            .contains("unknown unit"));
        assert!(parse_duration("m")
            .unwrap_err()
            .0
            .contains("expected a duration"));
        assert!(parse_duration("1.2.3s").is_err());
        assert!(parse_duration("1000y").unwrap_err().0.contains("584"));
        assert!(parse_duration("99999999999999999999999999999999999y").is_err());
        assert!(parse_duration("NaNs").is_err());
    }

    #[test]
    fn sampled_seconds_never_go_negative_or_wrap() {
        assert_eq!(SimDuration::from_secs_f64(-1.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(
            SimDuration::from_secs_f64(f64::INFINITY),
            SimDuration(u64::MAX)
        );
        assert_eq!(SimTime(u64::MAX - 1).after(SimDuration(5)), SimTime::MAX);
    }

    #[test]
    fn formats_human_units() {
        assert_eq!(format_seconds(0.25), "250.0ms");
        assert_eq!(format_seconds(252.0), "4m 12s");
        assert_eq!(format_seconds(3.0 * 3600.0 + 300.0), "3h 05m");
        assert_eq!(format_seconds(0.0), "0");
    }
}
