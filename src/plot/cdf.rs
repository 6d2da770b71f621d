//! Empirical CDFs of RPO/RTO with target lines.
//!
//! RPO is exactly zero for every incident that lost no data, often most of
//! them, and the rest can span milliseconds to hours. A log axis cannot show
//! zero, so the share at zero goes into the legend label and the curve
//! enters the plot at that height: for every x between 0 and the smallest
//! positive value the CDF really is that share, so the picture stays exact.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{DashedPathElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::axis::{pick_scale, Axis, Scale, Unit};
use super::output::{write_chart, Chart, Surface};
use super::style::{self, LegendEntry, Rect, Stroke, Swatch};
use super::{PlotError, Provenance};

/// One empirical CDF: points (value in seconds, cumulative fraction in
/// [0,1]), sorted by value. The caller derives them from an HDR histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct CdfSeries {
    /// Legend text; "(N% at 0)" is appended when part of the mass is at zero.
    pub label: String,
    /// (value in seconds, cumulative fraction in [0, 1]).
    pub points: Vec<(f64, f64)>,
}

/// A vertical reference line (a target), value in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetLine {
    /// Who the target is for, e.g. the incident class "drill". Targets of
    /// equal value share one line and one label naming all of them
    /// ("drill, failback RTO target = 15 min"), so labels never stack.
    pub class: String,
    /// The target in seconds.
    pub value_s: f64,
}

/// Writes `<stem>.png` and `<stem>.svg`; returns the paths written.
///
/// Points with a NaN/infinite/negative value or a fraction outside [0, 1]
/// are dropped (a CDF point stands alone, so dropping one distorts nothing
/// else); series left empty are omitted; if none is left the result is
/// [`PlotError::EmptyInput`]. Targets that are not finite or are negative are
/// omitted too.
pub fn cdf_chart(
    stem: &Path,
    title: &str,
    metric: &str,
    series: &[CdfSeries],
    targets: &[TargetLine],
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let chart = CdfChart::prepare(title, metric, series, targets, prov)?;
    write_chart(stem, &chart)
}

struct Curve {
    color: RGBColor,
    stroke: Stroke,
    /// Where along the line its first marker goes (pixels): staggered per
    /// series so the markers of coinciding curves alternate.
    marker_offset: f64,
    /// Step path in plot coordinates.
    path: Vec<(f64, f64)>,
}

struct Target {
    /// Text next to the line, e.g. "RPO target = 15 min".
    text: String,
    x: f64,
}

struct CdfChart {
    title: String,
    prov: Provenance,
    x: Axis,
    y: Axis,
    x_desc: String,
    y_desc: String,
    curves: Vec<Curve>,
    targets: Vec<Target>,
    legend: Vec<LegendEntry>,
}

fn valid_point(&(v, f): &(f64, f64)) -> bool {
    v.is_finite() && v >= 0.0 && f.is_finite() && (0.0..=1.0).contains(&f)
}

/// "62%", but "0.4%" / "99.6%" where rounding to whole percent would claim
/// none or all.
fn fmt_share(f: f64) -> String {
    let pct = f * 100.0;
    if (pct.round() == 0.0 || pct.round() == 100.0) && pct != 0.0 && pct != 100.0 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

impl CdfChart {
    fn prepare(
        title: &str,
        metric: &str,
        series: &[CdfSeries],
        targets: &[TargetLine],
        prov: &Provenance,
    ) -> Result<CdfChart, PlotError> {
        let cleaned: Vec<(&str, Vec<(f64, f64)>)> = series
            .iter()
            .map(|s| {
                let mut pts: Vec<(f64, f64)> =
                    s.points.iter().copied().filter(valid_point).collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
                (s.label.as_str(), pts)
            })
            .filter(|(_, pts)| !pts.is_empty())
            .collect();
        if cleaned.is_empty() {
            return Err(PlotError::EmptyInput(format!(
                "{metric} CDF: no series has a finite, non-negative point"
            )));
        }
        let targets = merge_targets(targets);

        let values = || {
            cleaned
                .iter()
                .flat_map(|(_, pts)| pts.iter().map(|p| p.0))
                .chain(targets.iter().map(|t| t.1))
        };
        let max = values().fold(0.0, f64::max);
        let min_positive = values().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
        let x = match pick_scale(min_positive, max) {
            Scale::Log => Axis::log(Unit::Seconds, min_positive, max),
            Scale::Linear => Axis::linear(Unit::Seconds, 0.0, max, 10, true),
        };
        let y = Axis::linear(Unit::Fraction, 0.0, 1.0, 10, true);

        let mut curves = Vec::new();
        let mut legend = Vec::new();
        for (i, (label, pts)) in cleaned.iter().enumerate() {
            let at_zero = pts
                .iter()
                .filter(|p| p.0 == 0.0)
                .map(|p| p.1)
                .fold(0.0, f64::max);
            let label = if at_zero > 0.0 {
                format!("{label} ({} at 0)", fmt_share(at_zero))
            } else {
                (*label).to_string()
            };
            let color = style::series_color(i);
            let stroke = style::series_stroke(i);
            legend.push(LegendEntry {
                swatch: Swatch::Stroked(color, stroke),
                label,
            });
            curves.push(Curve {
                color,
                stroke,
                marker_offset: 20.0 + style::MARKER_SPACING * i as f64 / cleaned.len() as f64,
                path: step_path(&x, &y, pts, at_zero),
            });
        }
        let targets: Vec<Target> = targets
            .iter()
            .map(|(classes, value)| {
                let who = classes.join(", ");
                let value_text = x.format_value(*value);
                // The legend panel is narrow: the classes go on a line of
                // their own there rather than being cut off.
                legend.push(LegendEntry {
                    swatch: Swatch::Dashed(style::REFERENCE),
                    label: format!("{metric} target = {value_text}\n{who}"),
                });
                // A zero target on a log axis sits at its left edge; the
                // label still states the true value.
                Target {
                    text: format!("{who} {metric} target = {value_text}"),
                    x: x.to_plot(*value).unwrap_or(x.lo()).max(x.lo()),
                }
            })
            .collect();

        Ok(CdfChart {
            title: title.to_string(),
            prov: prov.clone(),
            x_desc: x.describe(metric),
            y_desc: format!("share with {metric} ≤ x (%)"),
            x,
            y,
            curves,
            targets,
            legend,
        })
    }
}

/// Valid targets grouped by value, in order of first appearance: (classes
/// having the value, value). Targets that are not finite or are negative
/// are dropped.
fn merge_targets(targets: &[TargetLine]) -> Vec<(Vec<&str>, f64)> {
    let mut merged: Vec<(Vec<&str>, f64)> = Vec::new();
    for t in targets
        .iter()
        .filter(|t| t.value_s.is_finite() && t.value_s >= 0.0)
    {
        match merged.iter_mut().find(|(_, v)| *v == t.value_s) {
            Some((classes, _)) if !classes.contains(&t.class.as_str()) => classes.push(&t.class),
            Some(_) => {}
            None => merged.push((vec![&t.class], t.value_s)),
        }
    }
    merged
}

/// The CDF as a right-continuous step function in plot coordinates. It
/// starts at the first point (the CDF is 0 below it, or the share at zero on
/// a log axis) and runs to the right edge only when it reached 1: a curve
/// cut at p99.9 must not pretend to know the tail.
fn step_path(x: &Axis, y: &Axis, pts: &[(f64, f64)], at_zero: f64) -> Vec<(f64, f64)> {
    let yv = |f: f64| y.to_plot(f).unwrap_or(0.0);
    let mut path = Vec::with_capacity(pts.len() * 2 + 2);
    let shown: Vec<(f64, f64)> = pts
        .iter()
        .filter_map(|&(v, f)| x.to_plot(v).map(|xv| (xv, f)))
        .collect();
    let mut last_f = if x.scale() == Scale::Log && at_zero > 0.0 {
        path.push((x.lo(), yv(at_zero)));
        at_zero
    } else {
        0.0
    };
    for (xv, f) in shown {
        if path.is_empty() {
            path.push((xv, yv(0.0)));
        } else {
            path.push((xv, yv(last_f)));
        }
        path.push((xv, yv(f)));
        last_f = f;
    }
    if last_f >= 1.0 - 1e-9 {
        path.push((x.hi(), yv(last_f)));
    }
    path
}

impl Chart for CdfChart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = style::frame(root, &self.title, &self.prov, &self.legend)?;
        let chart = style::chart(&area, &self.x, &self.y, &self.x_desc, &self.y_desc)?;
        let plot = chart.plotting_area();
        for c in &self.curves {
            style::draw_stroked(root, plot, &c.path, c.color, 3, c.stroke, c.marker_offset)?;
        }
        let (ylo, yhi) = (self.y.lo(), self.y.hi());
        for t in &self.targets {
            plot.draw(&DashedPathElement::new(
                vec![(t.x, ylo), (t.x, yhi)],
                8,
                5,
                style::REFERENCE.stroke_width(2),
            ))?;
        }

        // Target labels go where they cover no curve and no other target's
        // line, preferring low in the plot (where a CDF that meets its
        // target is already high) and right of their own line.
        let (left, bottom) = plot.map_coordinate(&(self.x.lo(), ylo));
        let (right, top) = plot.map_coordinate(&(self.x.hi(), yhi));
        let curves: Vec<Rect> = self
            .curves
            .iter()
            .flat_map(|c| style::path_boxes(plot, &c.path, 2))
            .collect();
        let lines: Vec<Vec<Rect>> = self
            .targets
            .iter()
            .map(|t| style::path_boxes(plot, &[(t.x, ylo), (t.x, yhi)], 1))
            .collect();
        let label_style = style::text_style(
            style::LABEL_SIZE,
            style::INK,
            Pos::new(HPos::Left, VPos::Bottom),
        );
        let mut placed: Vec<Rect> = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let (tw, th) = root.estimate_text_size(&t.text, &label_style)?;
            let (tw, th) = (tw as i32, th as i32);
            let (lx, _) = plot.map_coordinate(&(t.x, ylo));
            let mut candidates = Vec::new();
            let mut ty = bottom - 8;
            while ty - th >= top {
                for tx in [lx + 6, lx - 6 - tw] {
                    if tx >= left && tx + tw <= right {
                        candidates.push(Rect(tx - 3, ty - th - 2, tx + tw + 3, ty + 3));
                    }
                }
                ty -= th + 8;
            }
            let mut soft = curves.clone();
            for (j, l) in lines.iter().enumerate() {
                if j != i {
                    soft.extend_from_slice(l);
                }
            }
            // With no free spot left the label is dropped; the legend
            // still names the target.
            let Some(spot) = style::place(&candidates, &placed, &soft) else {
                continue;
            };
            root.draw(&Rectangle::new(
                [(spot.0, spot.1), (spot.2, spot.3)],
                WHITE.mix(0.85).filled(),
            ))?;
            root.draw(&Text::new(
                t.text.clone(),
                (spot.0 + 3, spot.3 - 3),
                label_style.clone(),
            ))?;
            placed.push(spot);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::output::test_support::*;

    fn ecdf(label: &str, values: &[f64]) -> CdfSeries {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        CdfSeries {
            label: label.into(),
            points: v
                .iter()
                .enumerate()
                .map(|(i, x)| (*x, (i + 1) as f64 / n))
                .collect(),
        }
    }

    fn target() -> TargetLine {
        TargetLine {
            class: "zone".into(),
            value_s: 900.0,
        }
    }

    #[test]
    fn writes_png_and_svg() {
        let dir = temp_dir("cdf_basic");
        let s = ecdf("zone", &[0.0, 0.0, 0.0, 2.0, 30.0, 400.0, 1200.0, 3000.0]);
        let paths = cdf_chart(
            &dir.join("rpo"),
            "RPO by incident",
            "RPO",
            &[s],
            &[target()],
            &prov(),
        )
        .unwrap();
        assert_eq!(paths, vec![dir.join("rpo.png"), dir.join("rpo.svg")]);
        check_png(&paths[0]);
        let svg = check_svg(&paths[1], "RPO by incident");
        assert!(svg.contains("log scale"), "values span decades");
        assert!(svg.contains("zone (38% at 0)"));
        assert!(svg.contains("zone RPO target = 15 min"));
        assert!(leftover_temps(&dir).is_empty());
    }

    #[test]
    fn svg_is_byte_identical_across_runs() {
        let dir = temp_dir("cdf_determinism");
        let series = [
            ecdf("zone", &[0.0, 1.0, 5.0, 7.5]),
            ecdf("region", &[10.0, 20.0, 90.0]),
        ];
        let a = cdf_chart(&dir.join("a"), "RTO", "RTO", &series, &[target()], &prov()).unwrap();
        let b = cdf_chart(&dir.join("b"), "RTO", "RTO", &series, &[target()], &prov()).unwrap();
        assert_eq!(std::fs::read(&a[1]).unwrap(), std::fs::read(&b[1]).unwrap());
        assert_eq!(std::fs::read(&a[0]).unwrap(), std::fs::read(&b[0]).unwrap());
    }

    #[test]
    fn narrow_range_is_linear() {
        let c = CdfChart::prepare(
            "t",
            "RTO",
            &[ecdf("a", &[60.0, 120.0, 300.0])],
            &[],
            &prov(),
        )
        .unwrap();
        assert_eq!(c.x_desc, "RTO (min)");
    }

    #[test]
    fn all_zero_on_log_axis_is_a_flat_line_at_the_share() {
        let zeros = ecdf("sync", &[0.0, 0.0]);
        let spread = ecdf("async", &[0.01, 5.0, 100.0]);
        let c = CdfChart::prepare("t", "RPO", &[zeros, spread], &[], &prov()).unwrap();
        assert_eq!(c.x.scale(), Scale::Log);
        assert_eq!(c.legend[0].label, "sync (100% at 0)");
        assert_eq!(c.curves[0].path, vec![(c.x.lo(), 100.0), (c.x.hi(), 100.0)]);
    }

    #[test]
    fn share_at_zero_is_never_rounded_to_nothing() {
        assert_eq!(fmt_share(0.004), "0.4%");
        assert_eq!(fmt_share(0.996), "99.6%");
        assert_eq!(fmt_share(0.62), "62%");
        assert_eq!(fmt_share(1.0), "100%");
    }

    #[test]
    fn degenerate_and_dirty_inputs_draw_or_fail_cleanly() {
        let dir = temp_dir("cdf_degenerate");
        let same = ecdf("flat", &[5.0, 5.0, 5.0]);
        check_png(&cdf_chart(&dir.join("same"), "same", "RTO", &[same], &[], &prov()).unwrap()[0]);
        let extreme = ecdf("extreme", &[1e-300, 1e300]);
        check_png(
            &cdf_chart(&dir.join("extreme"), "x", "RTO", &[extreme], &[], &prov()).unwrap()[0],
        );
        let zero = ecdf("zero", &[0.0]);
        check_png(&cdf_chart(&dir.join("zero"), "zero", "RPO", &[zero], &[], &prov()).unwrap()[0]);

        let dirty = CdfSeries {
            label: "dirty".into(),
            points: vec![
                (f64::NAN, 0.1),
                (1.0, f64::INFINITY),
                (-1.0, 0.2),
                (3.0, 0.5),
                (f64::INFINITY, 1.0),
            ],
        };
        let bad_target = TargetLine {
            class: "nan".into(),
            value_s: f64::NAN,
        };
        let paths = cdf_chart(
            &dir.join("dirty"),
            "dirty",
            "RPO",
            &[dirty],
            &[bad_target],
            &prov(),
        )
        .unwrap();
        check_png(&paths[0]);

        let empty = CdfSeries {
            label: "e".into(),
            points: vec![],
        };
        let nan_only = CdfSeries {
            label: "n".into(),
            points: vec![(f64::NAN, f64::NAN)],
        };
        for input in [vec![], vec![empty], vec![nan_only]] {
            let r = cdf_chart(&dir.join("empty"), "e", "RPO", &input, &[], &prov());
            assert!(matches!(r, Err(PlotError::EmptyInput(_))), "{r:?}");
        }
        assert!(!dir.join("empty.png").exists());
    }

    #[test]
    fn equal_targets_share_one_line_and_label() {
        let t = |class: &str, value_s: f64| TargetLine {
            class: class.into(),
            value_s,
        };
        let targets = [
            t("zone", 300.0),
            t("drill", 900.0),
            t("failback", 900.0),
            t("drill-return", 900.0),
            t("drill", 900.0),
            t("bad", f64::NAN),
        ];
        assert_eq!(
            merge_targets(&targets),
            vec![
                (vec!["zone"], 300.0),
                (vec!["drill", "failback", "drill-return"], 900.0)
            ]
        );
        let c =
            CdfChart::prepare("t", "RTO", &[ecdf("a", &[1.0, 2000.0])], &targets, &prov()).unwrap();
        let texts: Vec<&str> = c.targets.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "zone RTO target = 5 min",
                "drill, failback, drill-return RTO target = 15 min"
            ]
        );
        assert_eq!(
            c.legend[2].label,
            "RTO target = 15 min\ndrill, failback, drill-return"
        );
    }

    #[test]
    fn coinciding_curves_differ_in_dash_and_marker() {
        let same = [
            ecdf("drill", &[1.0, 2.0]),
            ecdf("drill-return", &[1.0, 2.0]),
        ];
        let c = CdfChart::prepare("t", "RTO", &same, &[], &prov()).unwrap();
        assert_eq!(c.curves[0].path, c.curves[1].path);
        assert_ne!(c.curves[0].stroke, c.curves[1].stroke);
        assert_ne!(c.curves[0].marker_offset, c.curves[1].marker_offset);
    }

    #[test]
    fn unsorted_points_are_sorted() {
        let s = CdfSeries {
            label: "u".into(),
            points: vec![(3.0, 1.0), (1.0, 0.5)],
        };
        let c = CdfChart::prepare("t", "RTO", &[s], &[], &prov()).unwrap();
        let xs: Vec<f64> = c.curves[0].path.iter().map(|p| p.0).collect();
        assert!(xs.windows(2).all(|w| w[0] <= w[1]), "{xs:?}");
    }
}
