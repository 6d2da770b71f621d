//! Human quantities in scenario files: sizes (`"4KiB"`, `"200GB"`), link
//! bandwidths (`"1Gbit/s"`, `"100MB/s"`) and event rates (`"1000/s"`).

use crate::time::parse_scaled;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A number of bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

/// A bandwidth in bytes per second.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Bandwidth(pub f64);

/// An event rate in events per second.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Rate(pub f64);

pub(crate) const SIZE_UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("PB", 1_000_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
    ("PiB", 1 << 50),
];

/// Bandwidth units in bits per second (network convention) and bytes per second.
pub(crate) const BANDWIDTH_UNITS_BITS: &[(&str, u64)] = &[
    ("bit/s", 1),
    ("Kbit/s", 1_000),
    ("Mbit/s", 1_000_000),
    ("Gbit/s", 1_000_000_000),
    ("Tbit/s", 1_000_000_000_000),
    ("bps", 1),
    ("Kbps", 1_000),
    ("Mbps", 1_000_000),
    ("Gbps", 1_000_000_000),
    ("Tbps", 1_000_000_000_000),
];

/// Rate units: the denominator's length in seconds.
pub(crate) const RATE_UNITS: &[(&str, f64)] = &[
    ("/s", 1.0),
    ("/min", 60.0),
    ("/h", 3_600.0),
    ("/d", 86_400.0),
];

/// Parses `"4KiB"`, `"200GB"`, `"1.5TB"`.
pub fn parse_size(text: &str) -> Result<ByteSize, String> {
    let b = parse_scaled(text, SIZE_UNITS, "a size", "\"4KiB\", \"200GB\"")?;
    u64::try_from(b)
        .map(ByteSize)
        .map_err(|_| format!("size \"{text}\" is too large"))
}

/// Parses `"100MB/s"` (bytes) or `"1Gbit/s"`/`"1Gbps"` (bits).
pub fn parse_bandwidth(text: &str) -> Result<Bandwidth, String> {
    let t = text.trim();
    if let Some(bytes) = t.strip_suffix("/s").filter(|b| b.trim_end().ends_with('B')) {
        return parse_size(bytes)
            .map(|s| Bandwidth(s.0 as f64))
            .map_err(|e| format!("{e} (bandwidths look like \"100MB/s\" or \"1Gbit/s\")"));
    }
    let bits = parse_scaled(
        t,
        BANDWIDTH_UNITS_BITS,
        "a bandwidth",
        "\"100MB/s\", \"1Gbit/s\"",
    )?;
    Ok(Bandwidth(bits as f64 / 8.0))
}

/// Parses `"1000/s"`, `"30/min"`, `"2/h"`, `"0.5/d"`.
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    let t = text.trim();
    let Some(slash) = t.find('/') else {
        return Err(format!(
            "expected a rate such as \"1000/s\" or \"30/min\", found \"{text}\""
        ));
    };
    let (number, unit) = t.split_at(slash);
    let unit = unit.trim();
    let Some(&(_, seconds)) = RATE_UNITS.iter().find(|(u, _)| *u == unit) else {
        return Err(format!(
            "unknown rate unit \"{unit}\" in \"{text}\": expected /s, /min, /h or /d"
        ));
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("malformed number in rate \"{text}\""))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!(
            "rate \"{text}\" must be a finite, non-negative number"
        ));
    }
    Ok(Rate(n / seconds))
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_bytes(self.0 as f64))
    }
}

/// Formats bytes with decimal prefixes (B, KB, MB, GB, TB).
pub fn format_bytes(b: f64) -> String {
    const STEPS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = b;
    let mut i = 0;
    while v.abs() >= 1000.0 && i + 1 < STEPS.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0}{}", STEPS[i])
    } else {
        format!("{v:.1}{}", STEPS[i])
    }
}

macro_rules! string_deserialize {
    ($ty:ty, $parse:path, $expect:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expect)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        $parse(v).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

string_deserialize!(
    ByteSize,
    parse_size,
    "a size string such as \"4KiB\" or \"200GB\""
);
string_deserialize!(
    Bandwidth,
    parse_bandwidth,
    "a bandwidth string such as \"100MB/s\" or \"1Gbit/s\""
);
string_deserialize!(
    Rate,
    parse_rate,
    "a rate string such as \"1000/s\" or \"30/min\""
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4KiB").unwrap(), ByteSize(4096));
        assert_eq!(parse_size("200GB").unwrap(), ByteSize(200_000_000_000));
        assert_eq!(parse_size("1.5 MB").unwrap(), ByteSize(1_500_000));
        assert!(parse_size("4 kib").unwrap_err().contains("unknown unit"));
        assert!(parse_size("-1GB").unwrap_err().contains("negative"));
    }

    #[test]
    fn bandwidths_in_bits_and_bytes() {
        assert_eq!(parse_bandwidth("100MB/s").unwrap(), Bandwidth(100e6));
        assert_eq!(parse_bandwidth("1Gbit/s").unwrap(), Bandwidth(125e6));
        assert_eq!(parse_bandwidth("8 Mbps").unwrap(), Bandwidth(1e6));
        assert!(parse_bandwidth("fast").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("1000/s").unwrap(), Rate(1000.0));
        assert_eq!(parse_rate("30/min").unwrap(), Rate(0.5));
        assert!(parse_rate("5").unwrap_err().contains("expected a rate"));
        assert!(parse_rate("5/fortnight")
            .unwrap_err()
            .contains("unknown rate unit"));
        assert!(parse_rate("inf/s").is_err());
        assert!(parse_rate("-1/s").is_err());
    }
}
