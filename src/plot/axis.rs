//! Axis scaling and tick labelling in human units.
//!
//! Ticks are computed here rather than by plotters so that they land on
//! values people read naturally (15 min, 6 h, 1/2/5 × 10ⁿ) and so that linear
//! and log axes share one coordinate type: a log axis is a linear axis over
//! `log10(value)` whose tick labels show the un-logged value. That keeps every
//! chart a single concrete type instead of one per scale combination.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// What a value measures, which decides how its axis is scaled and labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Durations; a linear axis picks one of ms, s, min, h, d from the data
    /// range, a log axis labels each tick in its own ("100 ms", "1 h").
    Seconds,
    /// Sizes; the axis picks B, KB, MB, GB, TB or PB (decimal prefixes, as in
    /// drsim's tables, so a chart and a table agree on "1.5 GB").
    Bytes,
    /// Throughput; scaled like [`Unit::Bytes`] with a "/s" suffix.
    BytesPerSecond,
    /// A share in [0, 1]; shown as percent because "99.9 %" reads better
    /// than "0.999" next to availability targets.
    Fraction,
    /// A number of things; shown as is.
    Count,
    /// Any other quantity; shown as is.
    Plain,
}

/// Whether an axis is linear or logarithmic (base 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    Linear,
    Log,
}

/// Values spanning at least this ratio get a log axis: below it a linear axis
/// still shows the small values legibly, above it they collapse onto zero.
const LOG_RATIO: f64 = 100.0;

/// Picks a scale for strictly positive data given its extremes; data with a
/// zero or negative value cannot go on a log axis, so callers pass only the
/// positive ones and handle the rest.
pub(crate) fn pick_scale(min_positive: f64, max: f64) -> Scale {
    if min_positive > 0.0 && max / min_positive >= LOG_RATIO {
        Scale::Log
    } else {
        Scale::Linear
    }
}

/// A display unit: data values are divided by `divisor` before display.
#[derive(Debug, Clone, Copy, PartialEq)]
struct DisplayUnit {
    divisor: f64,
    name: &'static str,
}

const fn du(divisor: f64, name: &'static str) -> DisplayUnit {
    DisplayUnit { divisor, name }
}

/// Chooses the display unit from the largest magnitude on the axis, so tick
/// labels stay short (at most a few digits before the point).
fn display_unit(unit: Unit, magnitude: f64) -> DisplayUnit {
    const BYTES: [(f64, &str, &str); 6] = [
        (1.0, "B", "B/s"),
        (1e3, "KB", "KB/s"),
        (1e6, "MB", "MB/s"),
        (1e9, "GB", "GB/s"),
        (1e12, "TB", "TB/s"),
        (1e15, "PB", "PB/s"),
    ];
    match unit {
        Unit::Seconds => {
            if magnitude > 0.0 && magnitude < 1.0 {
                du(1e-3, "ms")
            } else if magnitude < 180.0 {
                du(1.0, "s")
            } else if magnitude < 3.0 * 3600.0 {
                du(60.0, "min")
            } else if magnitude < 3.0 * 86_400.0 {
                du(3600.0, "h")
            } else {
                du(86_400.0, "d")
            }
        }
        Unit::Bytes | Unit::BytesPerSecond => {
            let (d, plain, rate) = BYTES
                .iter()
                .rev()
                .find(|(d, _, _)| magnitude >= *d)
                .copied()
                .unwrap_or(BYTES[0]);
            du(d, if unit == Unit::Bytes { plain } else { rate })
        }
        Unit::Fraction => du(0.01, "%"),
        Unit::Count | Unit::Plain => du(1.0, ""),
    }
}

/// Tick steps that suit clock units better than 1/2/5 × 10ⁿ (quarter hours,
/// 6-hour shifts), used when the raw step falls in their range.
fn clock_steps(unit_name: &str) -> &'static [f64] {
    match unit_name {
        "s" | "min" => &[1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0],
        "h" => &[1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0],
        _ => &[],
    }
}

/// The smallest "nice" step at least `raw`; `None` when `raw` is not a
/// usable positive finite number (e.g. the span overflowed).
fn nice_step(raw: f64, unit_name: &str) -> Option<f64> {
    if !(raw.is_finite() && raw > 0.0) {
        return None;
    }
    let clock = clock_steps(unit_name);
    if let (Some(first), Some(last)) = (clock.first(), clock.last()) {
        if raw >= *first && raw <= *last {
            return clock.iter().copied().find(|s| *s >= raw);
        }
    }
    let base = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * base)
        .find(|s| *s >= raw * (1.0 - 1e-9))?;
    (step.is_finite() && step > 0.0).then_some(step)
}

/// Decimal places needed to print multiples of `step` exactly.
fn decimals_for(step: f64) -> usize {
    let e = (step.log10() + 1e-9).floor();
    if e < 0.0 {
        (-e).min(12.0) as usize
    } else {
        0
    }
}

fn fmt_fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    // A zero tick reads "0", never "0.00" or "-0" (from rounding below zero).
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".to_string()
    } else {
        s
    }
}

/// Three significant digits, trailing zeros dropped: for values quoted in
/// text (targets, legends) rather than on ticks.
pub(crate) fn fmt_sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor();
    let decimals = (2.0 - mag).clamp(0.0, 9.0) as usize;
    let s = fmt_fixed(v, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A candidate tick on a log axis, in display units.
#[derive(Debug, Clone)]
struct Mark {
    value: f64,
    label: String,
    /// Majors bound the axis and are always candidates for a label; minors
    /// are labelled only when the axis spans few decades.
    major: bool,
}

fn mark(value: f64, label: String, major: bool) -> Mark {
    Mark {
        value,
        label,
        major,
    }
}

/// 1, 2 and 5 × 10ᵏ for k in `kmin..=kmax`, powers of ten being major.
fn decade_marks(kmin: i32, kmax: i32) -> Vec<Mark> {
    (kmin..=kmax)
        .flat_map(|k| {
            [1, 2, 5].map(|m| mark(f64::from(m) * 10f64.powi(k), fmt_power(m, k), m == 1))
        })
        .collect()
}

/// Durations from 1 ns to 500 000 d at the values people name, in seconds.
fn time_marks() -> Vec<Mark> {
    let mut marks = Vec::new();
    for k in -9..=-1 {
        let (name, per) = match k {
            -9..=-7 => ("ns", 1e-9),
            -6..=-4 => ("µs", 1e-6),
            _ => ("ms", 1e-3),
        };
        for m in [1, 2, 5] {
            let s = f64::from(m) * 10f64.powi(k);
            marks.push(mark(s, format!("{} {name}", (s / per).round()), m == 1));
        }
    }
    const CLOCK: [(f64, &str, bool); 14] = [
        (1.0, "1 s", true),
        (2.0, "2 s", false),
        (5.0, "5 s", false),
        (10.0, "10 s", true),
        (30.0, "30 s", false),
        (60.0, "1 min", true),
        (120.0, "2 min", false),
        (300.0, "5 min", false),
        (600.0, "10 min", true),
        (1800.0, "30 min", false),
        (3600.0, "1 h", true),
        (7200.0, "2 h", false),
        (21_600.0, "6 h", false),
        (43_200.0, "12 h", false),
    ];
    marks.extend(
        CLOCK
            .iter()
            .map(|&(s, l, major)| mark(s, l.to_string(), major)),
    );
    for k in 0..=5 {
        for m in [1, 2, 5] {
            let days = f64::from(m) * 10f64.powi(k);
            marks.push(mark(days * 86_400.0, format!("{days} d"), m == 1));
        }
    }
    marks
}

/// Label for `m × 10^k`, written without exponent where that stays short.
fn fmt_power(m: u32, k: i32) -> String {
    match k {
        0..=6 => format!("{}", u64::from(m) * 10u64.pow(k as u32)),
        -9..=-1 => fmt_fixed(f64::from(m) * 10f64.powi(k), (-k) as usize),
        _ => format!("{m}e{k}"),
    }
}

/// One chart axis: its display unit, scale, range and ticks, all in plot
/// coordinates (display units, or their log10 on a log axis).
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    kind: Unit,
    scale: Scale,
    unit: DisplayUnit,
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
    light: Vec<f64>,
}

impl Axis {
    /// A linear axis over data values `lo..=hi` (finite, `lo <= hi`).
    /// `snap` widens the range to whole tick steps, which looks tidy but must
    /// be off where the range itself means something (a timeline's horizon).
    pub(crate) fn linear(kind: Unit, lo: f64, hi: f64, target_ticks: usize, snap: bool) -> Axis {
        let unit = display_unit(kind, lo.abs().max(hi.abs()));
        let (mut a, mut b) = (lo / unit.divisor, hi / unit.divisor);
        // All values equal: give the axis some width so the data still draws,
        // in the middle rather than on an edge.
        if b - a <= f64::EPSILON * a.abs().max(b.abs()) {
            let pad = if a == 0.0 { 1.0 } else { a.abs() * 0.1 };
            if a == 0.0 {
                b = pad;
            } else {
                a -= pad;
                b += pad;
            }
        }
        let step = nice_step((b - a) / target_ticks.max(1) as f64, unit.name);
        // "2.5 replicas" is not a tick anyone wants.
        let step = if kind == Unit::Count {
            step.map(|s| s.max(1.0))
        } else {
            step
        };
        let Some(step) = step else {
            // Only reachable when the span overflows f64; two ticks at the
            // ends still give an honest, if sparse, axis.
            let ticks = vec![(a, fmt_sig(a)), (b, fmt_sig(b))];
            return Axis {
                kind,
                scale: Scale::Linear,
                unit,
                lo: a,
                hi: b,
                ticks,
                light: Vec::new(),
            };
        };
        if snap {
            // The tolerance stops 0.07 / 0.01 = 7.000000000000001 from
            // adding a whole empty step.
            a = (a / step + 1e-9).floor() * step;
            b = (b / step - 1e-9).ceil() * step;
        }
        let decimals = decimals_for(step);
        let first = (a / step - 1e-9).ceil() as i64;
        let last = (b / step + 1e-9).floor() as i64;
        let ticks = (first..=last)
            .map(|i| {
                let v = i as f64 * step;
                (v, fmt_fixed(v, decimals))
            })
            .collect();
        let light = (first - 1..=last)
            .map(|i| (i as f64 + 0.5) * step)
            .filter(|v| *v > a && *v < b)
            .collect();
        Axis {
            kind,
            scale: Scale::Linear,
            unit,
            lo: a,
            hi: b,
            ticks,
            light,
        }
    }

    /// An axis over `lo..hi` with no ticks, labels or grid: for rows that
    /// the chart names itself (the classes of the RTO breakdown).
    pub(crate) fn bare(lo: f64, hi: f64) -> Axis {
        Axis {
            kind: Unit::Plain,
            scale: Scale::Linear,
            unit: du(1.0, ""),
            lo,
            hi,
            ticks: Vec::new(),
            light: Vec::new(),
        }
    }

    /// A log axis over data values `lo..=hi` with `0 < lo <= hi`, both finite.
    /// The range is widened to the enclosing major marks (powers of ten, or
    /// 1 s / 1 min / 1 h / 1 d for time) so both ends carry a label.
    ///
    /// Durations are the exception to "one unit per axis": a log axis spans
    /// decades, and any single unit turns one end into "0.000001 h" or
    /// "36000 s". Each tick is labelled in its own unit instead ("100 ms",
    /// "1 min", "1 h"), at the values people think in.
    pub(crate) fn log(unit: Unit, lo: f64, hi: f64) -> Axis {
        let (display, marks) = if unit == Unit::Seconds {
            (du(1.0, ""), time_marks())
        } else {
            let d = display_unit(unit, hi);
            let kmin = (lo / d.divisor).log10().floor() as i32;
            let kmax = (hi / d.divisor).log10().ceil() as i32;
            (d, decade_marks(kmin, kmax))
        };
        let (a, b) = (lo / display.divisor, hi / display.divisor);
        // Widen to the enclosing marks: majors give both ends a label; over
        // three decades or fewer that can waste half the width, so there the
        // nearest minor marks bound the axis instead.
        let enclose = |major_only: bool| {
            let usable = |m: &&Mark| m.major || !major_only;
            let lo = marks
                .iter()
                .filter(usable)
                .filter(|m| m.value <= a * (1.0 + 1e-9))
                .map(|m| m.value)
                .next_back()
                .unwrap_or(a);
            let hi = marks
                .iter()
                .filter(usable)
                .find(|m| m.value >= b * (1.0 - 1e-9))
                .map_or(b, |m| m.value);
            (lo, if hi > lo { hi } else { lo * 10.0 })
        };
        let within = |(lo, hi): (f64, f64)| {
            marks
                .iter()
                .filter(move |m| m.value >= lo * (1.0 - 1e-9) && m.value <= hi * (1.0 + 1e-9))
        };
        let mut range = enclose(true);
        let dense = within(range).filter(|m| m.major).count() < 5;
        if dense {
            range = enclose(false);
        }
        let (a, b) = range;
        let inside: Vec<&Mark> = within(range).collect();
        // Few decades: label the minor marks too. Many: label only every
        // n-th major one so at most 10 labels share the axis.
        let majors = inside.iter().filter(|m| m.major).count();
        let stride = majors.div_ceil(10).max(1);
        let mut ticks = Vec::new();
        let mut light = Vec::new();
        let mut major_index = 0;
        for m in inside {
            let labelled = if m.major {
                major_index += 1;
                (major_index - 1) % stride == 0
            } else {
                dense
            };
            if labelled {
                ticks.push((m.value.log10(), m.label.clone()));
            } else {
                light.push(m.value.log10());
            }
        }
        Axis {
            kind: unit,
            scale: Scale::Log,
            unit: display,
            lo: a.log10(),
            hi: b.log10(),
            ticks,
            light,
        }
    }

    /// Extends the range below its lowest tick by `fraction` of its span,
    /// leaving a band at the bottom of the plot with no tick or grid line
    /// (the timeline draws the DR phase strip there).
    pub(crate) fn pad_below(mut self, fraction: f64) -> Axis {
        self.lo -= (self.hi - self.lo) * fraction;
        self
    }

    /// A log axis over the positive values `min_positive..=hi` with a band
    /// below them, `fraction` of the span, whose bottom edge is the tick
    /// "0": where values of 0, which no log scale holds, are drawn.
    /// At most `max_labels` ticks carry a label (every n-th is kept, the
    /// others become light grid lines): a panel a third of the chart wide
    /// has room for fewer than a full one.
    pub(crate) fn log_with_zero(
        unit: Unit,
        min_positive: f64,
        hi: f64,
        fraction: f64,
        max_labels: usize,
    ) -> Axis {
        let mut axis = Axis::log(unit, min_positive, hi).pad_below(fraction);
        let stride = axis.ticks.len().div_ceil(max_labels.max(1)).max(1);
        if stride > 1 {
            let (kept, thinned): (Vec<_>, Vec<_>) = std::mem::take(&mut axis.ticks)
                .into_iter()
                .enumerate()
                .partition(|(i, _)| i % stride == 0);
            axis.ticks = kept.into_iter().map(|(_, t)| t).collect();
            axis.light.extend(thinned.into_iter().map(|(_, (v, _))| v));
        }
        axis.ticks.insert(0, (axis.lo, "0".to_string()));
        axis
    }

    /// Where a data value goes on this axis: its plot coordinate, or the
    /// bottom edge for a value a log axis cannot show (the "0" band of
    /// [`Axis::log_with_zero`]).
    pub(crate) fn to_plot_or_floor(&self, v: f64) -> f64 {
        self.to_plot(v).unwrap_or(self.lo)
    }

    /// Ticks as (plot coordinate, label).
    pub(crate) fn ticks(&self) -> &[(f64, String)] {
        &self.ticks
    }

    pub(crate) fn scale(&self) -> Scale {
        self.scale
    }

    /// Lower end in plot coordinates.
    pub(crate) fn lo(&self) -> f64 {
        self.lo
    }

    /// Upper end in plot coordinates.
    pub(crate) fn hi(&self) -> f64 {
        self.hi
    }

    /// Maps a data value to plot coordinates; `None` for values a log axis
    /// cannot show (zero or negative).
    pub(crate) fn to_plot(&self, v: f64) -> Option<f64> {
        let d = v / self.unit.divisor;
        match self.scale {
            Scale::Linear => Some(d),
            Scale::Log => (d > 0.0).then(|| d.log10()),
        }
    }

    /// The coordinate spec for plotters, carrying our own ticks.
    pub(crate) fn range(&self) -> Ticked {
        Ticked {
            inner: (self.lo..self.hi).into(),
            bold: self.ticks.iter().map(|(v, _)| *v).collect(),
            light: self.light.clone(),
        }
    }

    /// Tick label for a plot coordinate that is one of our ticks.
    pub(crate) fn tick_label(&self, v: f64) -> String {
        self.ticks
            .iter()
            .find(|(t, _)| (t - v).abs() <= 1e-9 * t.abs().max(1.0))
            .map_or_else(|| fmt_sig(v), |(_, s)| s.clone())
    }

    /// Axis description with unit and scale, e.g. "RPO (min, log scale)".
    pub(crate) fn describe(&self, name: &str) -> String {
        match (self.unit.name, self.scale) {
            ("", Scale::Linear) => name.to_string(),
            ("", Scale::Log) => format!("{name} (log scale)"),
            (u, Scale::Linear) => format!("{name} ({u})"),
            (u, Scale::Log) => format!("{name} ({u}, log scale)"),
        }
    }

    /// A data value for running text, e.g. "15 min", in the unit that suits
    /// the value itself rather than the axis.
    pub(crate) fn format_value(&self, v: f64) -> String {
        let unit = display_unit(self.kind, v.abs());
        let n = fmt_sig(v / unit.divisor);
        match unit.name {
            "" => n,
            "%" => format!("{n}%"),
            u => format!("{n} {u}"),
        }
    }
}

/// A duration for running text ("7.3 s", "40 min", "2.5 h"), in the unit
/// that suits the value itself.
pub(crate) fn fmt_duration(seconds: f64) -> String {
    let unit = display_unit(Unit::Seconds, seconds.abs());
    format!("{} {}", fmt_sig(seconds / unit.divisor), unit.name)
}

/// A linear f64 coordinate with fixed tick positions. plotters'
/// `WithKeyPoints` does the same but loses the value formatter that
/// `configure_mesh` requires; our labels come from [`Axis::tick_label`].
pub(crate) struct Ticked {
    inner: RangedCoordf64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(a: &Axis) -> Vec<&str> {
        a.ticks.iter().map(|(_, s)| s.as_str()).collect()
    }

    #[test]
    fn seconds_pick_a_readable_unit() {
        let cases = [
            (0.25, "ms"),
            (42.0, "s"),
            (1800.0, "min"),
            (86_400.0, "h"),
            (30.0 * 86_400.0, "d"),
        ];
        for (max, name) in cases {
            let a = Axis::linear(Unit::Seconds, 0.0, max, 8, true);
            assert_eq!(a.describe("RPO"), format!("RPO ({name})"), "max {max}");
        }
    }

    #[test]
    fn bytes_use_decimal_prefixes() {
        let a = Axis::linear(Unit::Bytes, 0.0, 3.2e9, 8, true);
        assert_eq!(a.describe("backlog"), "backlog (GB)");
        let a = Axis::linear(Unit::BytesPerSecond, 0.0, 4e5, 8, true);
        assert_eq!(a.describe("link"), "link (KB/s)");
        assert_eq!(a.format_value(1.5e5), "150 KB/s");
    }

    #[test]
    fn fraction_is_percent() {
        let a = Axis::linear(Unit::Fraction, 0.0, 1.0, 10, true);
        assert_eq!(labels(&a).first(), Some(&"0"));
        assert_eq!(labels(&a).last(), Some(&"100"));
        assert_eq!(a.format_value(0.999), "99.9%");
    }

    #[test]
    fn hours_tick_on_clock_steps() {
        let a = Axis::linear(Unit::Seconds, 0.0, 86_400.0, 12, false);
        assert_eq!(
            labels(&a),
            ["0", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20", "22", "24"]
        );
        let a = Axis::linear(Unit::Seconds, 0.0, 2.0 * 3600.0, 4, false);
        assert_eq!(labels(&a), ["0", "30", "60", "90", "120"]);
    }

    #[test]
    fn small_steps_keep_their_decimals() {
        let a = Axis::linear(Unit::Plain, 0.0, 0.07, 7, true);
        assert_eq!(
            labels(&a),
            ["0", "0.01", "0.02", "0.03", "0.04", "0.05", "0.06", "0.07"]
        );
        let a = Axis::linear(Unit::Plain, -1.0, 1.0, 4, true);
        assert!(labels(&a).contains(&"0"), "{:?}", labels(&a));
    }

    #[test]
    fn counts_tick_on_whole_numbers() {
        let a = Axis::linear(Unit::Count, 1.0, 3.0, 10, true);
        assert_eq!(labels(&a), ["1", "2", "3"]);
    }

    #[test]
    fn degenerate_ranges_get_width() {
        for v in [0.0, 5.0, -3.0, 1e-300, 1e300] {
            let a = Axis::linear(Unit::Seconds, v, v, 8, true);
            assert!(a.hi() > a.lo(), "value {v}");
            assert!(!a.ticks.is_empty(), "value {v}");
        }
    }

    #[test]
    fn log_axis_labels_decades() {
        let a = Axis::log(Unit::Plain, 0.003, 40.0);
        assert_eq!(a.describe("x"), "x (log scale)");
        assert_eq!(labels(&a), ["0.001", "0.01", "0.1", "1", "10", "100"]);
        let narrow = Axis::log(Unit::Plain, 0.003, 0.4);
        assert!(labels(&narrow).contains(&"0.005"), "{:?}", labels(&narrow));
        assert_eq!(a.to_plot(0.0), None);
        assert_eq!(a.to_plot(10.0), Some(1.0));
        let wide = Axis::log(Unit::Plain, 1e-9, 1e9);
        assert!(wide.ticks.len() <= 10, "{:?}", labels(&wide));
    }

    #[test]
    fn log_time_axis_labels_each_tick_in_its_own_unit() {
        let a = Axis::log(Unit::Seconds, 0.004, 36_000.0);
        assert_eq!(a.describe("RPO"), "RPO (log scale)");
        assert_eq!(
            labels(&a),
            ["1 ms", "10 ms", "100 ms", "1 s", "10 s", "1 min", "10 min", "1 h", "1 d"]
        );
        let few = Axis::log(Unit::Seconds, 90.0, 4.0 * 3600.0);
        assert_eq!(
            labels(&few),
            ["1 min", "2 min", "5 min", "10 min", "30 min", "1 h", "2 h", "6 h"]
        );
        assert_eq!(a.format_value(900.0), "15 min");
        assert_eq!(a.format_value(0.0), "0 s");
    }

    #[test]
    fn scale_choice() {
        assert_eq!(pick_scale(1.0, 99.0), Scale::Linear);
        assert_eq!(pick_scale(1.0, 100.0), Scale::Log);
        assert_eq!(pick_scale(0.0, 100.0), Scale::Linear);
    }

    #[test]
    fn significant_digits() {
        assert_eq!(fmt_sig(15.0), "15");
        assert_eq!(fmt_sig(0.25), "0.25");
        assert_eq!(fmt_sig(123.456), "123");
        assert_eq!(fmt_sig(-0.0001234), "-0.000123");
    }
}
