//! The policy frontier: expected downtime per year against expected lost
//! writes per year, one point per DR policy with its 95% intervals on both
//! axes; the efficient policies are joined into the frontier and labelled,
//! the dominated ones drawn in grey, so an architect reads off which
//! policies are worth choosing between and what each costs.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, PathElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::axis::{Axis, Unit};
use super::output::{write_chart, Chart, Surface};
use super::style::{self, LegendEntry, Rect, Swatch};
use super::{PlotError, Provenance};

/// One policy on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierPoint {
    /// The policy, e.g. `none / 30m` (loss limit / decision delay).
    pub label: String,
    /// Mean lost writes per year (x).
    pub lost_writes: f64,
    /// 95% interval of `lost_writes`, if known.
    pub lost_writes_ci: Option<(f64, f64)>,
    /// Mean seconds without service per year (y).
    pub downtime_s: f64,
    /// 95% interval of `downtime_s`, if known.
    pub downtime_ci: Option<(f64, f64)>,
    /// Pareto-efficient: joined into the frontier and labelled.
    pub efficient: bool,
}

const FRONTIER: RGBColor = RGBColor(0, 114, 178);
const DOMINATED: RGBColor = RGBColor(170, 170, 170);

/// Draws `<stem>.png` and `<stem>.svg`. Points whose means are not finite
/// are dropped (none left is [`PlotError::EmptyInput`]); an interval that is
/// not finite is not drawn. Efficient points with the same means share one
/// label (their policies joined by `, `).
pub fn frontier_chart(
    stem: &Path,
    title: &str,
    points: &[FrontierPoint],
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let kept: Vec<&FrontierPoint> = points
        .iter()
        .filter(|p| p.lost_writes.is_finite() && p.downtime_s.is_finite())
        .collect();
    if kept.is_empty() {
        return Err(PlotError::EmptyInput(
            "policy frontier: no policy with finite means".into(),
        ));
    }
    let finite = |ci: Option<(f64, f64)>| ci.filter(|(lo, hi)| lo.is_finite() && hi.is_finite());
    let x_max = kept
        .iter()
        .map(|p| finite(p.lost_writes_ci).map_or(p.lost_writes, |c| c.1.max(p.lost_writes)))
        .fold(0.0, f64::max);
    let y_max = kept
        .iter()
        .map(|p| finite(p.downtime_ci).map_or(p.downtime_s, |c| c.1.max(p.downtime_s)))
        .fold(0.0, f64::max);
    // Lost writes and downtime are never negative: both axes start at 0,
    // with room on the right for the labels.
    let x = Axis::linear(Unit::Count, 0.0, x_max * 1.15, 10, true);
    let y = Axis::linear(Unit::Seconds, 0.0, y_max * 1.05, 8, true);
    let chart = FrontierChart {
        title: title.to_string(),
        prov: prov.clone(),
        x_desc: x.describe("lost writes per year"),
        y_desc: y.describe("downtime per year"),
        points: kept
            .iter()
            .map(|p| Drawn {
                at: (to(&x, p.lost_writes), to(&y, p.downtime_s)),
                x_bar: finite(p.lost_writes_ci).map(|(lo, hi)| (to(&x, lo), to(&x, hi))),
                y_bar: finite(p.downtime_ci).map(|(lo, hi)| (to(&y, lo), to(&y, hi))),
                efficient: p.efficient,
            })
            .collect(),
        labels: labels(&kept, &x, &y),
        x,
        y,
    };
    write_chart(stem, &chart)
}

fn to(axis: &Axis, v: f64) -> f64 {
    axis.to_plot(v.max(0.0)).unwrap_or(axis.lo())
}

/// The efficient points' labels, one per distinct mean, in plot
/// coordinates, sorted by lost writes (the frontier's order).
fn labels(points: &[&FrontierPoint], x: &Axis, y: &Axis) -> Vec<((f64, f64), String)> {
    let mut out: Vec<((f64, f64), String)> = Vec::new();
    for p in points.iter().filter(|p| p.efficient) {
        let at = (to(x, p.lost_writes), to(y, p.downtime_s));
        match out.iter_mut().find(|(a, _)| *a == at) {
            Some((_, text)) => {
                text.push_str(", ");
                text.push_str(&p.label);
            }
            None => out.push((at, p.label.clone())),
        }
    }
    out.sort_by(|a, b| a.0 .0.total_cmp(&b.0 .0).then(b.0 .1.total_cmp(&a.0 .1)));
    out
}

/// A point in plot coordinates.
struct Drawn {
    at: (f64, f64),
    x_bar: Option<(f64, f64)>,
    y_bar: Option<(f64, f64)>,
    efficient: bool,
}

struct FrontierChart {
    title: String,
    prov: Provenance,
    x: Axis,
    y: Axis,
    x_desc: String,
    y_desc: String,
    points: Vec<Drawn>,
    labels: Vec<((f64, f64), String)>,
}

impl Chart for FrontierChart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let legend = [
            LegendEntry {
                swatch: Swatch::Line(FRONTIER),
                label: "efficient policies\n(mean, 95% CI)".into(),
            },
            LegendEntry {
                swatch: Swatch::Fill(DOMINATED),
                label: "dominated policies".into(),
            },
        ];
        let area = style::frame(root, &self.title, &self.prov, &legend)?;
        let mut chart = style::chart(&area, &self.x, &self.y, &self.x_desc, &self.y_desc)?;
        // Dominated points first, so the frontier is drawn over them.
        for efficient in [false, true] {
            let color = if efficient { FRONTIER } else { DOMINATED };
            for p in self.points.iter().filter(|p| p.efficient == efficient) {
                let (px, py) = p.at;
                let mut bars = Vec::new();
                if let Some((lo, hi)) = p.x_bar {
                    bars.push(vec![(lo, py), (hi, py)]);
                }
                if let Some((lo, hi)) = p.y_bar {
                    bars.push(vec![(px, lo), (px, hi)]);
                }
                chart.draw_series(
                    bars.into_iter()
                        .map(|b| PathElement::new(b, color.stroke_width(1))),
                )?;
            }
        }
        let line: Vec<(f64, f64)> = self.labels.iter().map(|(at, _)| *at).collect();
        style::draw_line(root, chart.plotting_area(), &line, FRONTIER, 2)?;
        let label_style = style::text_style(
            style::LABEL_SIZE,
            style::INK,
            Pos::new(HPos::Left, VPos::Bottom),
        );
        for efficient in [false, true] {
            let color = if efficient { FRONTIER } else { DOMINATED };
            for p in self.points.iter().filter(|p| p.efficient == efficient) {
                chart.draw_series([Circle::new(p.at, 6, WHITE.filled())])?;
                chart.draw_series([Circle::new(p.at, 4, color.filled())])?;
            }
        }
        let plot = chart.plotting_area();
        let markers: Vec<Rect> = self
            .points
            .iter()
            .map(|p| {
                let (x, y) = plot.map_coordinate(&p.at);
                Rect(x - 6, y - 6, x + 6, y + 6)
            })
            .collect();
        let frontier_line = style::path_boxes(plot, &line, 1);
        let mut placed: Vec<Rect> = Vec::new();
        for (at, text) in &self.labels {
            let (w, h) = root.estimate_text_size(text, &label_style)?;
            let (w, h) = (w as i32, h as i32);
            let (x, y) = plot.map_coordinate(at);
            // Beside the point, then ever further above or below it.
            let candidates: Vec<Rect> = (0..6)
                .flat_map(|step| {
                    let dy = step * (h + 2);
                    [
                        (x + 9, y - 4 - dy),
                        (x + 9, y + h + 6 + dy),
                        (x - 9 - w, y - 4 - dy),
                        (x - 9 - w, y + h + 6 + dy),
                    ]
                })
                .map(|(left, bottom)| Rect(left - 2, bottom - h - 1, left + w + 2, bottom + 1))
                .collect();
            let mut hard = placed.clone();
            hard.extend_from_slice(&markers);
            // Crowded: beside the point, over whatever is there.
            let spot = style::place(&candidates, &hard, &frontier_line).unwrap_or(candidates[0]);
            root.draw(&Rectangle::new(
                [(spot.0, spot.1), (spot.2, spot.3)],
                WHITE.mix(0.8).filled(),
            ))?;
            root.draw(&Text::new(
                text.clone(),
                (spot.0 + 2, spot.3 - 1),
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

    fn point(label: &str, x: f64, y: f64, efficient: bool) -> FrontierPoint {
        FrontierPoint {
            label: label.into(),
            lost_writes: x,
            lost_writes_ci: Some((x * 0.9, x * 1.1)),
            downtime_s: y,
            downtime_ci: Some((y * 0.9, y * 1.1)),
            efficient,
        }
    }

    #[test]
    fn equal_efficient_means_share_one_label_in_frontier_order() {
        let pts = [
            point("none / 8h", 100.0, 9000.0, true),
            point("none / 5m", 300.0, 2000.0, true),
            point("1m / 5m", 300.0, 2000.0, true),
            point("2s / 1h", 250.0, 9500.0, false),
        ];
        let refs: Vec<&FrontierPoint> = pts.iter().collect();
        let x = Axis::linear(Unit::Count, 0.0, 400.0, 10, true);
        let y = Axis::linear(Unit::Seconds, 0.0, 10_000.0, 8, true);
        let texts: Vec<String> = labels(&refs, &x, &y).into_iter().map(|l| l.1).collect();
        assert_eq!(texts, ["none / 8h", "none / 5m, 1m / 5m"]);
    }

    #[test]
    fn writes_both_formats_and_refuses_nothing_finite() {
        let dir = temp_dir("frontier_chart");
        let prov = prov();
        let pts = [
            point("none / 5m", 300.0, 2000.0, true),
            point("2s / 5m", 200.0, 6000.0, true),
            point("2s / 1h", 250.0, 9500.0, false),
        ];
        let files = frontier_chart(&dir.join("frontier"), "t", &pts, &prov).unwrap();
        assert_eq!(files.len(), 2);
        let svg = std::fs::read_to_string(dir.join("frontier.svg")).unwrap();
        assert!(svg.contains("none / 5m") && svg.contains("2s / 5m"));
        assert!(
            !svg.contains("2s / 1h"),
            "dominated points are not labelled"
        );
        let nan = [point("x", f64::NAN, 1.0, true)];
        assert!(matches!(
            frontier_chart(&dir.join("nan"), "t", &nan, &prov),
            Err(PlotError::EmptyInput(_))
        ));
    }
}
