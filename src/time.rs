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
pub(crate) const DURATION_UNITS: &[(&str, u64)] = &[
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
///
/// Why round first: each unit shows a fixed resolution (1 ns, 0.1 µs, 0.1 ms, 0.01 s, 1 s,
/// 1 min, 0.1 d), and a value just under a boundary rounds up to it. Rounding to the resolution
/// before choosing the unit and splitting into parts carries the rounded-up value into the next
/// unit, so 3h 59m 59.6s reads "4h 00m", never "3h 60m", and 59.996 s reads "1m 00s", never
/// "60.00s". The sign is set aside first so negative durations split the same way.
pub fn format_seconds(s: f64) -> String {
    if !s.is_finite() {
        return "∞".to_string();
    }
    if s == 0.0 {
        return "0".to_string();
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let a = s.abs();
    let ns = (a * 1e9).round();
    if ns < 1000.0 {
        return format!("{sign}{ns:.0}ns");
    }
    let tenth_us = (a * 1e7).round();
    if tenth_us < 10_000.0 {
        return format!("{sign}{:.1}µs", tenth_us / 10.0);
    }
    let tenth_ms = (a * 1e4).round();
    if tenth_ms < 10_000.0 {
        return format!("{sign}{:.1}ms", tenth_ms / 10.0);
    }
    let centis = (a * 100.0).round();
    if centis < 6000.0 {
        return format!("{sign}{:.2}s", centis / 100.0);
    }
    let secs = a.round();
    if secs < 3600.0 {
        let m = (secs / 60.0).floor();
        return format!("{sign}{m:.0}m {:02.0}s", secs - m * 60.0);
    }
    let mins = (a / 60.0).round();
    if mins < 1440.0 {
        let h = (mins / 60.0).floor();
        return format!("{sign}{h:.0}h {:02.0}m", mins - h * 60.0);
    }
    format!("{sign}{:.1}d", a / 86_400.0)
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

    #[test]
    fn rounding_up_carries_into_the_next_unit() {
        // Each pair: a value that rounds up to its unit's boundary, and what it must read.
        for (s, want) in [
            (999.6e-9, "1.0µs"),
            (999.96e-6, "1.0ms"),
            (0.999_96, "1.00s"),
            (59.9996, "1m 00s"),
            (119.6, "2m 00s"),
            (3599.6, "1h 00m"),
            (3.0 * 3600.0 + 59.0 * 60.0 + 59.6, "4h 00m"),
            (23.0 * 3600.0 + 59.0 * 60.0 + 40.0, "1.0d"),
        ] {
            assert_eq!(format_seconds(s), want, "{s} s");
        }
    }

    #[test]
    fn values_just_below_a_boundary_stay_in_their_unit() {
        assert_eq!(format_seconds(999.4e-9), "999ns");
        assert_eq!(format_seconds(59.994), "59.99s");
        assert_eq!(format_seconds(3599.4), "59m 59s");
        assert_eq!(format_seconds(3.0 * 3600.0 + 59.0 * 60.0 + 29.0), "3h 59m");
        assert_eq!(format_seconds(86_399.0 - 31.0), "23h 59m");
    }

    #[test]
    fn negative_durations_split_like_positive_ones() {
        assert_eq!(format_seconds(-90.0), "-1m 30s");
        assert_eq!(format_seconds(-3599.6), "-1h 00m");
        assert_eq!(format_seconds(-0.0015), "-1.5ms");
    }
}
