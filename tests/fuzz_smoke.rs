//! Fuzz smoke on stable Rust: the scenario loader and the shard-state
//! decoder fed `arbitrary`-driven inputs for a fixed number of iterations
//! from a fixed seed, so a run is reproducible and a failure names its
//! iteration. Inputs are mutations of real files (the shipped scenarios and
//! the hostile corpus; shard states of two real runs), which reach far
//! deeper than random bytes would.
//!
//! Run it with overflow checks on, as `.ci/run` does:
//!
//! ```sh
//! cargo test --profile fuzz --test fuzz_smoke
//! ```
//!
//! Under `--release` (overflow checks off, so an overflow would wrap
//! silently) it is ignored.

use arbitrary::{Result as ArbResult, Unstructured};
use drsim::metrics::{Aggregator, AggregatorState};
use drsim::runner::RunOptions;
use drsim::scenario::{parse_str, Scenario, REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE};
use drsim::shard::{self, ScenarioSource, ShardFile, ShardSpec};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The master seed: iteration `i` draws from stream `i` of it.
const SEED: u64 = 14;
/// Mutated scenario files loaded.
const SCENARIO_ITERATIONS: u64 = 20_000;
/// Mutated shard states decoded (and, when accepted, merged and summarised).
const SHARD_ITERATIONS: u64 = 1_500;

/// The raw bytes `arbitrary` draws iteration `i`'s choices from.
fn entropy(domain: u64, i: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ domain);
    rng.set_stream(i);
    let mut bytes = vec![0u8; 512 + (rng.next_u32() % 1536) as usize];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Values that break parsers and arithmetic more often than random ones.
const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "1e308",
    "1e-308",
    "nan",
    "inf",
    "-0.0",
    "0.5",
    "99999999999999999999999999",
];
const STRINGS: [&str; 10] = [
    "",
    "0s",
    "1ns",
    "100000000000d",
    "18446744073709551615ms",
    "1e300s",
    "\u{1b}[2J",
    "az1",
    "-5m",
    "NaN/s",
];

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    files
}

/// One byte-level or token-level edit of `text`, `corpus` giving lines to
/// splice in from other files.
fn mutate(u: &mut Unstructured, text: &mut Vec<u8>, corpus: &[Vec<u8>]) -> ArbResult<()> {
    let at = |u: &mut Unstructured, len: usize| u.int_in_range(0..=len);
    match u.int_in_range(0..=8)? {
        0 if !text.is_empty() => {
            let i = u.choose_index(text.len())?;
            text[i] ^= 1 << u.int_in_range(0..=7)?;
        }
        1 => {
            let i = at(u, text.len())?;
            let insert: Vec<u8> = u.arbitrary()?;
            text.splice(i..i, insert.into_iter().take(64));
        }
        2 if !text.is_empty() => {
            let i = u.choose_index(text.len())?;
            let n = u.int_in_range(1..=64)?.min(text.len() - i);
            text.drain(i..i + n);
        }
        3 => replace_token(u, text, |b| b.is_ascii_digit(), &NUMBERS)?,
        4 => replace_string(u, text)?,
        5 => {
            // A line of another file, spliced in at a line start.
            let other = &corpus[u.choose_index(corpus.len())?];
            let lines: Vec<&[u8]> = other.split(|&b| b == b'\n').collect();
            let line = lines[u.choose_index(lines.len())?];
            let starts: Vec<usize> = std::iter::once(0)
                .chain(
                    text.iter()
                        .enumerate()
                        .filter(|(_, &b)| b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect();
            let i = starts[u.choose_index(starts.len())?];
            let mut insert = line.to_vec();
            insert.push(b'\n');
            text.splice(i..i, insert);
        }
        6 => {
            // Duplicate or drop a line.
            let lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let i = u.choose_index(lines.len())?;
            let mut out = lines.clone();
            if u.arbitrary()? {
                out.insert(i, lines[i].clone());
            } else {
                out.remove(i);
            }
            *text = out.join(&b'\n');
        }
        7 => {
            let n = at(u, text.len())?;
            text.truncate(n);
        }
        _ => {
            let s: String = u.arbitrary()?;
            let i = at(u, text.len())?;
            text.splice(i..i, s.into_bytes());
        }
    }
    Ok(())
}

/// Replaces a run of bytes matching `is_token` (the n-th) with a listed
/// value or an arbitrary integer.
fn replace_token(
    u: &mut Unstructured,
    text: &mut Vec<u8>,
    is_token: impl Fn(u8) -> bool,
    values: &[&str],
) -> ArbResult<()> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if is_token(text[i]) {
            let start = i;
            while i < text.len() && (is_token(text[i]) || text[i] == b'.') {
                i += 1;
            }
            runs.push(start..i);
        }
        i += 1;
    }
    if runs.is_empty() {
        return Ok(());
    }
    let range = runs[u.choose_index(runs.len())?].clone();
    let value = if u.arbitrary()? {
        values[u.choose_index(values.len())?].to_string()
    } else {
        u.arbitrary::<i64>()?.to_string()
    };
    text.splice(range, value.into_bytes());
    Ok(())
}

/// Replaces the inside of a double-quoted string with a listed or an
/// arbitrary one.
fn replace_string(u: &mut Unstructured, text: &mut Vec<u8>) -> ArbResult<()> {
    let quotes: Vec<usize> = (0..text.len()).filter(|&i| text[i] == b'"').collect();
    if quotes.len() < 2 {
        return Ok(());
    }
    let k = u.choose_index(quotes.len() / 2)? * 2;
    let value = if u.arbitrary()? {
        STRINGS[u.choose_index(STRINGS.len())?].to_string()
    } else {
        u.arbitrary::<String>()?
    };
    text.splice(quotes[k] + 1..quotes[k + 1], value.into_bytes());
    Ok(())
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "needs overflow checks: cargo test --profile fuzz --test fuzz_smoke"
)]
fn scenario_loader_survives_mutated_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus: Vec<Vec<u8>> = ["scenarios", "tests/corpus", "tests/scenarios"]
        .iter()
        .flat_map(|d| files_in(&root.join(d)))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(corpus.len() > 20, "the corpus is the shipped scenarios");
    let (mut accepted, mut refused) = (0u64, 0u64);
    for i in 0..SCENARIO_ITERATIONS {
        let raw = entropy(1, i);
        let mut u = Unstructured::new(&raw);
        let Ok(pick) = u.choose_index(corpus.len()) else {
            continue;
        };
        let mut text = corpus[pick].clone();
        let edits = u.int_in_range(1..=4).unwrap_or(1);
        for _ in 0..edits {
            if mutate(&mut u, &mut text, &corpus).is_err() {
                break;
            }
        }
        let text = String::from_utf8_lossy(&text);
        match parse_str(&text, "fuzz.toml") {
            Ok(_) => accepted += 1,
            Err(e) => {
                assert!(!e.to_string().is_empty(), "iteration {i}: an empty error");
                refused += 1;
            }
        }
    }
    println!("scenario loader: {accepted} mutated files accepted, {refused} refused");
    // Both outcomes are reached: the mutations neither break every file
    // nor leave them all intact.
    assert!(
        accepted > SCENARIO_ITERATIONS / 50 && refused > SCENARIO_ITERATIONS / 50,
        "{accepted} accepted, {refused} refused"
    );
}

/// A real shard: its scenario, its `shard.json` bytes and decoded file.
struct Base {
    scenario: Scenario,
    bytes: Vec<u8>,
    file: ShardFile,
}

fn base_shard(text: &str, file: &str, runs: u64, label: &str) -> Base {
    let mut scenario = parse_str(text, file).unwrap().scenario;
    scenario.simulation.runs = runs;
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz_smoke")
        .join(label);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    shard::run_shard(
        ScenarioSource { text, file },
        &scenario,
        ShardSpec::new(0, 1).unwrap(),
        &RunOptions { threads: Some(1) },
        &out,
        &mut [],
        &AtomicBool::new(false),
    )
    .unwrap();
    let bytes = std::fs::read(out.join(shard::SHARD_FILE)).unwrap();
    let file = shard::read_shard(&out).unwrap();
    Base {
        scenario,
        bytes,
        file,
    }
}

fn counters(s: &mut AggregatorState) -> Vec<&mut u64> {
    let mut v: Vec<&mut u64> = vec![&mut s.runs, &mut s.events];
    v.extend(s.targets_met.iter_mut());
    for c in s.classes.values_mut() {
        v.extend([
            &mut c.incidents,
            &mut c.interrupted,
            &mut c.disruptive,
            &mut c.rto_zero,
            &mut c.unresolved,
            &mut c.lost_writes,
            &mut c.lost_bytes,
            &mut c.with_loss,
        ]);
    }
    for m in [
        &mut s.served_ns,
        &mut s.downtime_ns,
        &mut s.incidents_per_run,
        &mut s.lag_at_horizon_ns,
        &mut s.dr_active_ns,
        &mut s.unprotected_ns,
        &mut s.throttled_ns,
        &mut s.throttled_writes,
    ] {
        v.push(&mut m.n);
    }
    v.extend(s.decisions.values_mut());
    for reasons in s.refused.values_mut() {
        v.extend(reasons.values_mut());
    }
    v
}

/// Decimal u128 sums (`sum`, `*_sum_ns`, downtime) and hexadecimal Σx².
fn numbers(s: &mut AggregatorState) -> Vec<&mut String> {
    let mut v: Vec<&mut String> = Vec::new();
    for c in s.classes.values_mut() {
        for r in [&mut c.all, &mut c.disruptive_only] {
            v.extend([&mut r.rpo_sum_ns, &mut r.rto_sum_ns]);
        }
        v.extend([&mut c.downtime_ns, &mut c.resync_sum_ns]);
        v.extend(c.rto_components.sum_ns.iter_mut());
    }
    for m in [
        &mut s.served_ns,
        &mut s.downtime_ns,
        &mut s.incidents_per_run,
        &mut s.lag_at_horizon_ns,
        &mut s.dr_active_ns,
        &mut s.unprotected_ns,
        &mut s.throttled_ns,
        &mut s.throttled_writes,
    ] {
        v.extend([&mut m.sum, &mut m.sum_sq]);
    }
    for per_class in s.service_downtime_ns.iter_mut() {
        v.extend(per_class.values_mut());
    }
    v
}

/// Every base64 V2 histogram of the state.
fn histograms(s: &mut AggregatorState) -> Vec<&mut String> {
    let mut v: Vec<&mut String> = s.histograms.values_mut().collect();
    for c in s.classes.values_mut() {
        for r in [&mut c.all, &mut c.disruptive_only] {
            v.extend([&mut r.rpo_ns, &mut r.rto_ns]);
        }
        v.push(&mut c.resync_ns);
        v.extend(c.rto_components.ns.iter_mut());
    }
    v
}

const U64S: [u64; 7] = [0, 1, 2, u64::MAX, u64::MAX - 1, 1 << 63, i64::MAX as u64];

/// `value` as HdrHistogram V2 writes a count (ZigZag, then LEB128 of at
/// most 9 bytes, the ninth whole).
fn zigzag_leb128(value: i64) -> Vec<u8> {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    let mut out = Vec::new();
    while out.len() < 8 && v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// One structural edit of the state, keeping the JSON well-formed.
fn mutate_state(u: &mut Unstructured, s: &mut AggregatorState) -> ArbResult<()> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    match u.int_in_range(0..=4)? {
        0 => {
            let mut all = counters(s);
            let c = u.choose_index(all.len())?;
            *all[c] = match u.int_in_range(0..=3)? {
                0 => U64S[u.choose_index(U64S.len())?],
                1 => all[c].wrapping_add(1),
                2 => all[c].wrapping_sub(1),
                _ => u.arbitrary()?,
            };
        }
        1 => {
            let mut all = numbers(s);
            let c = u.choose_index(all.len())?;
            let old = all[c].clone();
            *all[c] = match u.int_in_range(0..=4)? {
                0 => u.arbitrary::<u128>()?.to_string(),
                1 => format!("0x{:x}", u.arbitrary::<u128>()?),
                2 => format!("{old}0"),
                3 => old[..old.len() / 2].to_string(),
                _ => NUMBERS[u.choose_index(NUMBERS.len())?].to_string(),
            };
        }
        2 => {
            let mut all = histograms(s);
            let h = u.choose_index(all.len())?;
            let mut bytes = b64.decode(all[h].as_bytes()).unwrap_or_default();
            match u.int_in_range(0..=4)? {
                0 if !bytes.is_empty() => {
                    let i = u.choose_index(bytes.len())?;
                    bytes[i] ^= 1 << u.int_in_range(0..=7)?;
                }
                1 => {
                    // A header field (bytes 0..40) set to arbitrary bytes.
                    let i = u.int_in_range(0..=36)?.min(bytes.len());
                    let patch: [u8; 4] = u.arbitrary()?;
                    for (k, b) in patch.iter().enumerate() {
                        if let Some(slot) = bytes.get_mut(i + k) {
                            *slot = *b;
                        }
                    }
                }
                2 => {
                    let n = u.int_in_range(0..=bytes.len())?;
                    bytes.truncate(n);
                }
                3 => {
                    let extra: Vec<u8> = u.arbitrary()?;
                    bytes.extend(extra.into_iter().take(64));
                }
                _ if bytes.len() >= 40 => {
                    // An extreme count or run of zeros, well encoded, with
                    // the header's payload length kept true.
                    let value = match u.int_in_range(0..=3)? {
                        0 => i64::MIN,
                        1 => i64::MAX,
                        2 => -(1 << u.int_in_range(0..=62)?),
                        _ => u.arbitrary()?,
                    };
                    let i = u.int_in_range(40..=bytes.len())?;
                    bytes.splice(i..i, zigzag_leb128(value));
                    let payload = (bytes.len() - 40) as u32;
                    bytes[4..8].copy_from_slice(&payload.to_be_bytes());
                }
                _ => {}
            }
            *all[h] = b64.encode(bytes);
        }
        3 => {
            // One changed base64 character.
            let mut all = histograms(s);
            let h = u.choose_index(all.len())?;
            if !all[h].is_empty() {
                let mut chars = all[h].clone().into_bytes();
                let i = u.choose_index(chars.len())?;
                chars[i] = *u
                    .choose(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")?;
                *all[h] = String::from_utf8(chars).expect("base64 is ASCII");
            }
        }
        _ => {
            let key: String = u.arbitrary()?;
            match u.int_in_range(0..=2)? {
                0 => {
                    s.decisions.insert(key, u.arbitrary()?);
                }
                1 => {
                    let first = s.classes.keys().next().cloned();
                    if let Some(k) = first {
                        s.classes.remove(&k);
                    }
                }
                _ => {
                    s.histograms.insert(key, String::new());
                }
            }
        }
    }
    Ok(())
}

/// An absorbed state must give a summary within the laws: shares in [0, 1],
/// an availability in [0, 1], finite spreads.
fn check_summary(i: u64, agg: &Aggregator, scenario: &Scenario) {
    let s = drsim::runner::summarise(scenario, agg);
    for t in &s.targets {
        assert!(
            (0.0..=1.0).contains(&t.share_met),
            "iteration {i}: share met {}",
            t.share_met
        );
    }
    // Rates are null exactly when no replication finished.
    assert_eq!(s.availability.is_none(), s.runs == 0, "iteration {i}");
    if let Some(a) = &s.availability {
        assert!(
            a.std_dev.is_finite() && (0.0..=1.0).contains(&a.mean),
            "iteration {i}: availability {a:?}"
        );
    }
    if let Some(d) = &s.downtime_s {
        assert!(d.std_dev.is_finite(), "iteration {i}");
    }
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "needs overflow checks: cargo test --profile fuzz --test fuzz_smoke"
)]
fn shard_state_decoder_survives_mutated_states() {
    let dr = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/dynamics365-self-service-dr.toml"),
    )
    .unwrap();
    let bases = [
        base_shard(REFERENCE_SCENARIO, REFERENCE_SCENARIO_FILE, 40, "reference"),
        base_shard(&dr, "dr.toml", 20, "dr"),
    ];
    let dir = Path::new("fuzz");
    let (mut accepted, mut refused) = (0u64, 0u64);
    for i in 0..SHARD_ITERATIONS {
        let raw = entropy(2, i);
        let mut u = Unstructured::new(&raw);
        let base = &bases[usize::from(u.arbitrary::<bool>().unwrap_or(false))];
        let bytes = if u.ratio(1, 4).unwrap_or(false) {
            // Raw bytes of shard.json, damaged: the seal or the parser refuses.
            let mut bytes = base.bytes.clone();
            let _ = mutate(&mut u, &mut bytes, std::slice::from_ref(&base.bytes));
            bytes
        } else {
            // A state edited and resealed: only the laws stand in the way.
            let mut file = base.file.clone();
            let edits = u.int_in_range(1..=3).unwrap_or(1);
            for _ in 0..edits {
                if mutate_state(&mut u, &mut file.state).is_err() {
                    break;
                }
            }
            file.seal();
            serde_json::to_vec(&file).unwrap()
        };
        let Ok(file) = shard::decode_shard(dir, &bytes) else {
            refused += 1;
            continue;
        };
        let mut agg = Aggregator::new(&base.scenario);
        if agg.absorb(&file.state).is_err() {
            refused += 1;
            continue;
        }
        accepted += 1;
        check_summary(i, &agg, &base.scenario);
        // Merged with the untouched state too.
        if agg.absorb(&base.file.state).is_ok() {
            check_summary(i, &agg, &base.scenario);
        }
    }
    println!("shard decoder: {accepted} mutated states accepted, {refused} refused");
    assert!(
        accepted > 0 && refused > SHARD_ITERATIONS / 2,
        "{accepted} accepted, {refused} refused"
    );
}
