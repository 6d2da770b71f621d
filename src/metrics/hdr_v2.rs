//! The histograms of a shard state in the standard HdrHistogram V2 encoding
//! (uncompressed, base64), and a decoder that checks every header field and
//! walks the payload *before* handing the bytes to hdrhistogram.
//!
//! Why check first: hdrhistogram's deserializer trusts its input. Its
//! header's payload length sizes a buffer (one changed base64 character
//! asked for 2.9 GB), its precision and range size the counts array, and a
//! run of zeros of −2^63 overflows a negation (a panic with overflow checks
//! on). A shard state only ever holds histograms this module encoded, so
//! the decoder accepts exactly those: 3 significant digits, lowest
//! discernible value 1, a highest trackable value within hdrhistogram's own
//! limit (2^63 − 1, so at most about 55,000 counters, 440 KB), and a payload
//! that is exactly the rest of the bytes and fills no counter beyond the
//! range with a total count that fits 64 bits.

use super::StateError;
use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer as _, V2Serializer};
use hdrhistogram::Histogram;

/// Significant decimal digits kept by the histograms (0.1% resolution).
pub(super) const SIGFIG: u8 = 3;

/// Cookie of an uncompressed V2 histogram (hdrhistogram's `V2_COOKIE`:
/// base `0x1c849303` with the 8-byte word size flag `0x10`).
const V2_COOKIE: u32 = 0x1c84_9313;
/// Cookie, payload length, normalizing offset, digits, lowest, highest, ratio.
const HEADER_BYTES: usize = 4 + 4 + 4 + 4 + 8 + 8 + 8;
/// hdrhistogram's bound on the highest trackable value.
const MAX_HIGHEST: u64 = u64::MAX / 2;

/// base64 of the histogram's standard V2 serialisation (uncompressed).
pub(super) fn encode(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new()
        .serialize(h, &mut bytes)
        .expect("a u64 histogram always serialises into memory (counts fit in i64)");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes a histogram written by [`encode`]; `what` is its key path in the
/// state, named in every error. Memory is bounded by the text's length and
/// the fixed layout (never by a number read from the text).
pub(super) fn decode(what: &str, text: &str) -> Result<Histogram<u64>, StateError> {
    let refuse = |why: String| StateError(format!("{what}: {why}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| refuse(format!("not base64 ({e})")))?;
    let header = Header::parse(&bytes).map_err(refuse)?;
    // The counters the range needs: at most ~55,000 with the checks above.
    let empty = Histogram::<u64>::new_with_bounds(1, header.highest, SIGFIG)
        .map_err(|e| refuse(format!("highest trackable value {}: {e:?}", header.highest)))?;
    walk_payload(&bytes[HEADER_BYTES..], empty.distinct_values()).map_err(refuse)?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| refuse(format!("not a V2 HdrHistogram ({e})")))
}

/// The fixed-size V2 header, checked field by field.
struct Header {
    highest: u64,
}

impl Header {
    fn parse(bytes: &[u8]) -> Result<Header, String> {
        if bytes.len() < HEADER_BYTES {
            return Err(format!(
                "{} bytes, shorter than the {HEADER_BYTES}-byte V2 header",
                bytes.len()
            ));
        }
        let u32_at = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        let u64_at = |at: usize| u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let cookie = u32_at(0);
        if cookie != V2_COOKIE {
            return Err(format!(
                "cookie {cookie:#010x}, expected {V2_COOKIE:#010x} (uncompressed V2)"
            ));
        }
        let payload = u32_at(4);
        let rest = bytes.len() - HEADER_BYTES;
        if usize::try_from(payload).ok() != Some(rest) {
            return Err(format!(
                "the header announces a {payload}-byte payload, {rest} bytes follow it"
            ));
        }
        let (offset, digits, lowest, highest) = (u32_at(8), u32_at(12), u64_at(16), u64_at(24));
        if offset != 0 {
            return Err(format!("normalizing index offset {offset}, expected 0"));
        }
        if digits != u32::from(SIGFIG) || lowest != 1 {
            return Err(format!(
                "{digits} significant digits and lowest value {lowest}, expected {SIGFIG} and 1 \
                 (another precision would re-bucket values and break the exact merge)"
            ));
        }
        if !(2..=MAX_HIGHEST).contains(&highest) {
            return Err(format!(
                "highest trackable value {highest}, expected 2 … {MAX_HIGHEST}"
            ));
        }
        let ratio = f64::from_be_bytes(bytes[32..40].try_into().expect("8 bytes"));
        if ratio != 1.0 {
            return Err(format!("integer-to-double ratio {ratio}, expected 1"));
        }
        Ok(Header { highest })
    }
}

/// Walks the payload's ZigZag LEB128 (at most 9 bytes, the ninth whole)
/// numbers: a positive one is the count of the next counter, a negative
/// one skips that many empty counters. Refuses a skip of −2^63, a counter
/// beyond `counters`, a truncated number and a total past 2^64 − 1.
fn walk_payload(mut payload: &[u8], counters: usize) -> Result<(), String> {
    let mut index: u64 = 0;
    let mut total: u64 = 0;
    let limit = counters as u64;
    while !payload.is_empty() {
        let (raw, used) =
            read_varint(payload).ok_or("the payload ends inside a number (truncated histogram)")?;
        payload = &payload[used..];
        let value = ((raw >> 1) as i64) ^ -((raw & 1) as i64);
        if value < 0 {
            let zeros = value.unsigned_abs();
            index = index
                .checked_add(zeros)
                .filter(|&i| i <= limit)
                .ok_or_else(|| {
                    format!(
                        "a run of {zeros} empty counters passes the {limit} counters of its range"
                    )
                })?;
        } else {
            if value > 0 && index >= limit {
                return Err(format!(
                    "a count for counter {index}, beyond the {limit} counters of its range"
                ));
            }
            total = total
                .checked_add(value as u64)
                .ok_or("its counts add up past 2^64 − 1")?;
            index += 1;
        }
    }
    Ok(())
}

/// One LEB128-64b9B number: 7 bits per byte while the high bit is set, the
/// ninth byte contributing all 8. `None` when the bytes end first.
fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        if i == 8 {
            return Some((value | (u64::from(b) << 56), 9));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Histogram<u64> {
        let mut h = Histogram::new(SIGFIG).unwrap();
        for v in [0u64, 1, 5, 5, 1_000, 123_456_789, 86_400_000_000_000] {
            h.record(v).unwrap();
        }
        h
    }

    fn bytes_of(h: &Histogram<u64>) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(encode(h))
            .unwrap()
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn round_trip_is_exact() {
        let h = sample();
        assert_eq!(decode("h", &encode(&h)).unwrap(), h);
        let empty = Histogram::new(SIGFIG).unwrap();
        assert_eq!(decode("h", &encode(&empty)).unwrap(), empty);
    }

    /// Every header field is checked before anything is sized from it: a
    /// changed base64 character in the payload length (the 2.9 GB
    /// allocation of issue 14) is refused by comparing with the bytes
    /// present.
    #[test]
    fn damaged_headers_are_refused_before_any_allocation() {
        let good = encode(&sample());
        // Base64 characters 6–10 carry bytes 4–7, the payload length.
        let mut text = good.clone().into_bytes();
        text[6] = if text[6] == b'A' { b'B' } else { b'A' };
        let e = decode(
            "state.histograms.lag_ns",
            std::str::from_utf8(&text).unwrap(),
        )
        .unwrap_err()
        .0;
        assert!(
            e.starts_with("state.histograms.lag_ns: the header announces a"),
            "{e}"
        );
        let bytes = bytes_of(&sample());
        let cases: [(usize, &[u8], &str); 6] = [
            (0, &[0x1c, 0x84, 0x93, 0x14], "cookie 0x1c849314"),
            (4, &[0xff, 0xff, 0xff, 0xff], "4294967295-byte payload"),
            (8, &[0, 0, 0, 1], "normalizing index offset 1"),
            (12, &[0, 0, 0, 5], "5 significant digits"),
            (
                24,
                &[0xff; 8],
                "highest trackable value 18446744073709551615",
            ),
            (32, &[0x40, 0, 0, 0, 0, 0, 0, 0], "ratio 2"),
        ];
        for (at, patch, needle) in cases {
            let mut b = bytes.clone();
            b[at..at + patch.len()].copy_from_slice(patch);
            let e = decode("h", &b64(&b)).unwrap_err().0;
            assert!(e.contains(needle), "{needle}: {e}");
        }
        let e = decode("h", &b64(&bytes[..20])).unwrap_err().0;
        assert!(e.contains("shorter than the 40-byte V2 header"), "{e}");
        let e = decode("h", "not base64!").unwrap_err().0;
        assert!(e.contains("not base64"), "{e}");
    }

    /// Payloads hdrhistogram would mis-handle: a skip of −2^63 (its
    /// negation overflows: a panic with overflow checks on), counts beyond
    /// the range, counts adding up past 2^64, a number cut short.
    #[test]
    fn hostile_payloads_are_refused() {
        let header = |payload: &[u8]| {
            let mut b = bytes_of(&Histogram::new(SIGFIG).unwrap());
            b.truncate(HEADER_BYTES);
            b[4..8].copy_from_slice(&(payload.len() as u32).to_be_bytes());
            b.extend_from_slice(payload);
            b64(&b)
        };
        // ZigZag(−2^63) = 2^64 − 1: eight 0xff then a whole 0xff byte.
        let e = decode("h", &header(&[0xff; 9])).unwrap_err().0;
        assert!(e.contains("empty counters passes"), "{e}");
        // ZigZag(2^62) = 2^63 as nine bytes, four times: past 2^64.
        let big = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80];
        let e = decode("h", &header(&big.repeat(4))).unwrap_err().0;
        assert!(e.contains("add up past 2^64"), "{e}");
        let e = decode("h", &header(&[0x80, 0x80])).unwrap_err().0;
        assert!(e.contains("truncated"), "{e}");
        // Skip to the last counter of the smallest range, then count twice.
        let b = bytes_of(&Histogram::new(SIGFIG).unwrap());
        let counters = Histogram::<u64>::new_with_bounds(1, 2, SIGFIG)
            .unwrap()
            .distinct_values() as u64;
        assert_eq!(u64::from_be_bytes(b[24..32].try_into().unwrap()), 2);
        // ZigZag(−k) = 2k − 1: skip k = counters − 1 counters.
        let skip = 2 * (counters - 1) - 1;
        let mut payload = Vec::new();
        let mut v = skip;
        while v >= 0x80 {
            payload.push((v as u8) | 0x80);
            v >>= 7;
        }
        payload.extend([v as u8, 2, 2]);
        let e = decode("h", &header(&payload)).unwrap_err().0;
        assert!(e.contains("beyond the"), "{e}");
    }
}
