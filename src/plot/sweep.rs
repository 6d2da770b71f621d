//! A metric against a swept parameter: mean line and 95% confidence band per
//! series, so a reader sees both the trend and whether neighbouring points
//! are really different.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, EmptyElement, PathElement, Polygon};
use plotters::style::{Color, RGBColor};

use super::axis::{pick_scale, Axis, Scale, Unit};
use super::output::{write_chart, Chart, Surface};
use super::style::{self, LegendEntry, Swatch, FILL_ALPHA};
use super::{PlotError, Provenance};

/// The metric's estimate at one value of the swept parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// Parameter value, in the chart's `x_unit`.
    pub x: f64,
    /// Mean over replications, in the chart's `y_unit`.
    pub mean: f64,
    /// Lower bound of the 95% confidence interval of the mean.
    pub ci_low: f64,
    /// Upper bound of the 95% confidence interval of the mean.
    pub ci_high: f64,
}

/// One configuration swept over the parameter; one line on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSeries {
    /// Legend text; " (mean, 95% CI)" is appended.
    pub label: String,
    /// Points in any order; they are drawn sorted by `x`.
    pub points: Vec<SweepPoint>,
}

/// A metric against a swept parameter, mean line with its 95% confidence
/// band per series.
///
/// The x axis turns logarithmic when all x are positive and span a factor of
/// 100 or more (sweeps of bandwidth or size usually double each step).
/// Points whose x or mean is not finite are dropped, and so is the band (not
/// the mean) where a bound is not finite, e.g. a CI from a single run; bounds
/// given in the wrong order are swapped. Series left empty are omitted; none
/// left is [`PlotError::EmptyInput`].
// The argument list is the agreed public API; a parameter struct would only
// move the same eight names into a struct literal at every call site.
#[allow(clippy::too_many_arguments)]
pub fn sweep_chart(
    stem: &Path,
    title: &str,
    x_label: &str,
    x_unit: Unit,
    y_label: &str,
    y_unit: Unit,
    series: &[SweepSeries],
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let chart = SweepChart::prepare(title, (x_label, x_unit), (y_label, y_unit), series, prov)?;
    write_chart(stem, &chart)
}

struct Line {
    color: RGBColor,
    /// Mean points in plot coordinates.
    mean: Vec<(f64, f64)>,
    /// Runs of consecutive points with a finite CI, as (x, low, high) in
    /// plot coordinates; a run of one is drawn as an error bar.
    bands: Vec<Vec<(f64, f64, f64)>>,
}

struct SweepChart {
    title: String,
    prov: Provenance,
    x: Axis,
    y: Axis,
    x_desc: String,
    y_desc: String,
    lines: Vec<Line>,
    legend: Vec<LegendEntry>,
}

/// A point kept for drawing: x, mean, and the CI if both bounds are finite.
type Clean = (f64, f64, Option<(f64, f64)>);

impl SweepChart {
    fn prepare(
        title: &str,
        (x_label, x_unit): (&str, Unit),
        (y_label, y_unit): (&str, Unit),
        series: &[SweepSeries],
        prov: &Provenance,
    ) -> Result<SweepChart, PlotError> {
        let cleaned: Vec<(&str, Vec<Clean>)> = series
            .iter()
            .map(|s| {
                let mut pts: Vec<Clean> = s
                    .points
                    .iter()
                    .filter(|p| p.x.is_finite() && p.mean.is_finite())
                    .map(|p| {
                        let ci = (p.ci_low.is_finite() && p.ci_high.is_finite())
                            .then(|| (p.ci_low.min(p.ci_high), p.ci_low.max(p.ci_high)));
                        (p.x, p.mean, ci)
                    })
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                (s.label.as_str(), pts)
            })
            .filter(|(_, pts)| !pts.is_empty())
            .collect();
        if cleaned.is_empty() {
            return Err(PlotError::EmptyInput(format!(
                "sweep of {y_label} over {x_label}: no point with finite x and mean"
            )));
        }
        let all = || cleaned.iter().flat_map(|(_, pts)| pts.iter());
        let x_min = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let x_max = all().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        let x = match pick_scale(x_min, x_max) {
            Scale::Log => Axis::log(x_unit, x_min, x_max),
            Scale::Linear => Axis::linear(x_unit, x_min, x_max, 10, true),
        };
        let ys = || {
            all().flat_map(|&(_, m, ci)| {
                [Some(m), ci.map(|c| c.0), ci.map(|c| c.1)]
                    .into_iter()
                    .flatten()
            })
        };
        let y_min = ys().fold(f64::INFINITY, f64::min);
        let y_max = ys().fold(f64::NEG_INFINITY, f64::max);
        // Headroom so error-bar caps and markers don't sit on the frame.
        let pad = 0.05 * (y_max - y_min);
        let (mut y_lo, mut y_hi) = (y_min - pad, y_max + pad);
        if y_unit == Unit::Fraction {
            // A share cannot leave [0, 1]; ticks like "100.5%" would confuse.
            (y_lo, y_hi) = (y_lo.max(0.0), y_hi.min(1.0).max(y_max));
        }
        // Non-negative quantities read honestly from zero, unless the data
        // sits in a narrow band far from it (availability 99.90–99.99 %),
        // where a zero baseline would flatten every difference.
        if y_min >= 0.0 && y_min <= 0.3 * y_max {
            y_lo = 0.0;
        }
        let y = Axis::linear(y_unit, y_lo, y_hi, 8, true);

        let mut lines = Vec::new();
        let mut legend = Vec::new();
        for (i, (label, pts)) in cleaned.iter().enumerate() {
            let color = style::series_color(i);
            legend.push(LegendEntry {
                swatch: Swatch::LineOnBand(color),
                label: format!("{label} (mean, 95% CI)"),
            });
            lines.push(project(&x, &y, pts, color));
        }
        Ok(SweepChart {
            title: title.to_string(),
            prov: prov.clone(),
            x_desc: x.describe(x_label),
            y_desc: y.describe(y_label),
            x,
            y,
            lines,
            legend,
        })
    }
}

fn project(x: &Axis, y: &Axis, pts: &[Clean], color: RGBColor) -> Line {
    let xv = |v: f64| x.to_plot(v).unwrap_or(x.lo());
    let yv = |v: f64| y.to_plot(v).unwrap_or(y.lo());
    let mut bands: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    for &(px, _, ci) in pts {
        match ci {
            Some((lo, hi)) => run.push((xv(px), yv(lo), yv(hi))),
            None if !run.is_empty() => bands.push(std::mem::take(&mut run)),
            None => {}
        }
    }
    if !run.is_empty() {
        bands.push(run);
    }
    Line {
        color,
        mean: pts.iter().map(|&(px, m, _)| (xv(px), yv(m))).collect(),
        bands,
    }
}

impl Chart for SweepChart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = style::frame(root, &self.title, &self.prov, &self.legend)?;
        let mut chart = style::chart(&area, &self.x, &self.y, &self.x_desc, &self.y_desc)?;
        // All bands first so no band washes over another series' line.
        for line in &self.lines {
            for run in &line.bands {
                if let [(x, lo, hi)] = run.as_slice() {
                    let bar = line.color.stroke_width(2);
                    chart.draw_series([PathElement::new(vec![(*x, *lo), (*x, *hi)], bar)])?;
                    for end in [*lo, *hi] {
                        chart.plotting_area().draw(
                            &(EmptyElement::at((*x, end))
                                + PathElement::new(vec![(-6, 0), (6, 0)], bar)),
                        )?;
                    }
                } else {
                    let outline: Vec<(f64, f64)> = run
                        .iter()
                        .map(|&(x, _, hi)| (x, hi))
                        .chain(run.iter().rev().map(|&(x, lo, _)| (x, lo)))
                        .collect();
                    chart.draw_series([Polygon::new(
                        outline,
                        line.color.mix(FILL_ALPHA).filled(),
                    )])?;
                }
            }
        }
        for line in &self.lines {
            style::draw_line(root, chart.plotting_area(), &line.mean, line.color, 3)?;
            chart.draw_series(
                line.mean
                    .iter()
                    .map(|&p| Circle::new(p, 4, line.color.filled())),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::output::test_support::*;

    fn pt(x: f64, mean: f64, half: f64) -> SweepPoint {
        SweepPoint {
            x,
            mean,
            ci_low: mean - half,
            ci_high: mean + half,
        }
    }

    fn series(label: &str, points: Vec<SweepPoint>) -> SweepSeries {
        SweepSeries {
            label: label.into(),
            points,
        }
    }

    fn chart(
        dir: &Path,
        name: &str,
        xu: Unit,
        yu: Unit,
        s: &[SweepSeries],
    ) -> Result<Vec<PathBuf>, PlotError> {
        sweep_chart(
            &dir.join(name),
            "RPO vs bandwidth",
            "link bandwidth",
            xu,
            "mean RPO",
            yu,
            s,
            &prov(),
        )
    }

    #[test]
    fn writes_png_and_svg() {
        let dir = temp_dir("sweep_basic");
        let s = [series(
            "async",
            (0..8)
                .map(|i| pt(1e6 * 2f64.powi(i), 600.0 / 2f64.powi(i), 20.0))
                .collect(),
        )];
        let paths = chart(&dir, "s", Unit::BytesPerSecond, Unit::Seconds, &s).unwrap();
        check_png(&paths[0]);
        let svg = check_svg(&paths[1], "RPO vs bandwidth");
        assert!(svg.contains("link bandwidth (MB/s, log scale)"));
        assert!(svg.contains("mean RPO (min)"));
        assert!(svg.contains("async (mean, 95% CI)"));
    }

    #[test]
    fn svg_is_byte_identical_across_runs() {
        let dir = temp_dir("sweep_determinism");
        let s = [series("a", vec![pt(1.0, 0.5, 0.1), pt(2.0, 0.7, 0.05)])];
        let a = chart(&dir, "a", Unit::Count, Unit::Fraction, &s).unwrap();
        let b = chart(&dir, "b", Unit::Count, Unit::Fraction, &s).unwrap();
        assert_eq!(std::fs::read(&a[1]).unwrap(), std::fs::read(&b[1]).unwrap());
    }

    #[test]
    fn bands_split_around_missing_intervals() {
        let s = series(
            "a",
            vec![
                pt(1.0, 1.0, 0.1),
                pt(2.0, 1.0, 0.1),
                SweepPoint {
                    x: 3.0,
                    mean: 1.0,
                    ci_low: f64::NAN,
                    ci_high: 2.0,
                },
                pt(4.0, 1.0, 0.1),
            ],
        );
        let c = SweepChart::prepare("t", ("x", Unit::Plain), ("y", Unit::Plain), &[s], &prov())
            .unwrap();
        let lens: Vec<usize> = c.lines[0].bands.iter().map(Vec::len).collect();
        assert_eq!(lens, [2, 1]);
        assert_eq!(c.lines[0].mean.len(), 4);
    }

    #[test]
    fn degenerate_and_dirty_inputs() {
        let dir = temp_dir("sweep_degenerate");
        let single = [series("one", vec![pt(5.0, 3.0, 0.0)])];
        check_png(&chart(&dir, "single", Unit::Plain, Unit::Plain, &single).unwrap()[0]);
        let reversed = [series(
            "rev",
            vec![
                SweepPoint {
                    x: 1.0,
                    mean: 2.0,
                    ci_low: 3.0,
                    ci_high: 1.0,
                },
                pt(2.0, 2.0, 1.0),
            ],
        )];
        check_png(&chart(&dir, "rev", Unit::Bytes, Unit::Count, &reversed).unwrap()[0]);
        let dirty = [
            series(
                "nan",
                vec![SweepPoint {
                    x: f64::NAN,
                    mean: 1.0,
                    ci_low: 0.0,
                    ci_high: 2.0,
                }],
            ),
            series("inf", vec![pt(1.0, f64::INFINITY, 1.0)]),
        ];
        let r = chart(&dir, "dirty", Unit::Plain, Unit::Plain, &dirty);
        assert!(matches!(r, Err(PlotError::EmptyInput(_))), "{r:?}");
        let huge = [series(
            "huge",
            vec![pt(-1e308, -1e308, 1e307), pt(1e308, 1e308, 1e307)],
        )];
        check_png(&chart(&dir, "huge", Unit::Plain, Unit::Bytes, &huge).unwrap()[0]);
        let r = chart(&dir, "none", Unit::Plain, Unit::Plain, &[]);
        assert!(matches!(r, Err(PlotError::EmptyInput(_))), "{r:?}");
    }
}
