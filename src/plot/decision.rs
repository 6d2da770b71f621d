//! The emergency decision as a curve (`drsim decide`): against the wait
//! before failing over, three panels on one time axis — the expected
//! downtime still to come, the expected lost writes, and the probability
//! that the region is back within the wait. Read down a column: what
//! waiting that long costs and what it buys.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::Circle;
use plotters::style::text_anchor::Pos;
use plotters::style::Color;

use super::axis::{Axis, Unit};
use super::output::{write_chart, Chart, Surface};
use super::style::{self, LegendEntry, Swatch};
use super::{PlotError, Provenance};

/// The priced waits, one entry per grid point, every vector as long as `wait_s`.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionCurve {
    /// Waits before failing over (s).
    pub wait_s: Vec<f64>,
    /// Expected downtime still to come, switch back included (s).
    pub downtime_s: Vec<f64>,
    /// Expected time until writes are served again (s).
    pub interruption_s: Vec<f64>,
    /// Expected acknowledged writes lost.
    pub lost_writes: Vec<f64>,
    /// P(region back within the wait).
    pub p_back: Vec<f64>,
}

/// One panel: its axis, description and lines (label, points in plot
/// coordinates, dashed or not).
struct Panel {
    y: Axis,
    y_desc: String,
    lines: Vec<(usize, Vec<(f64, f64)>)>,
}

struct DecisionChart {
    title: String,
    prov: Provenance,
    x: Axis,
    x_desc: String,
    panels: Vec<Panel>,
    legend: Vec<LegendEntry>,
}

/// Writes `<stem>.png` and `<stem>.svg`. Points with a non-finite value are
/// dropped; none left is [`PlotError::EmptyInput`].
pub fn decision_chart(
    stem: &Path,
    title: &str,
    curve: &DecisionCurve,
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let chart = DecisionChart::prepare(title, curve, prov)?;
    write_chart(stem, &chart)
}

/// (label, values, unit) of each line, grouped by panel.
type PanelSpec<'a> = (&'a str, Unit, Vec<(&'a str, &'a [f64])>);

impl DecisionChart {
    fn prepare(title: &str, c: &DecisionCurve, prov: &Provenance) -> Result<Self, PlotError> {
        let finite = |i: usize| {
            [
                c.downtime_s.get(i),
                c.interruption_s.get(i),
                c.lost_writes.get(i),
                c.p_back.get(i),
            ]
            .iter()
            .all(|v| v.is_some_and(|v| v.is_finite()))
                && c.wait_s[i].is_finite()
        };
        let keep: Vec<usize> = (0..c.wait_s.len()).filter(|&i| finite(i)).collect();
        if keep.is_empty() {
            return Err(PlotError::EmptyInput(
                "decision curve: no point with finite values".into(),
            ));
        }
        let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let waits = pick(&c.wait_s);
        let x_max = waits.iter().copied().fold(0.0, f64::max);
        let x = Axis::linear(Unit::Seconds, 0.0, x_max.max(waits[0]), 10, true);
        let (downtime, interruption, lost, back) = (
            pick(&c.downtime_s),
            pick(&c.interruption_s),
            pick(&c.lost_writes),
            pick(&c.p_back),
        );
        let specs: [PanelSpec; 3] = [
            (
                "expected downtime to come",
                Unit::Seconds,
                vec![
                    ("downtime, switch back included", &downtime),
                    ("until writes are served again", &interruption),
                ],
            ),
            (
                "expected lost writes",
                Unit::Count,
                vec![("lost writes", &lost)],
            ),
            (
                "P(region back)",
                Unit::Fraction,
                vec![("P(region back within the wait)", &back)],
            ),
        ];
        let mut panels = Vec::new();
        let mut legend = Vec::new();
        let mut series = 0;
        for (desc, unit, lines) in specs {
            let values = lines.iter().flat_map(|(_, v)| v.iter().copied());
            let hi = values.fold(0.0, f64::max);
            let hi = if unit == Unit::Fraction {
                1.0
            } else {
                hi * 1.05
            };
            let y = Axis::linear(unit, 0.0, hi, 4, true);
            let mut drawn = Vec::new();
            for (label, v) in lines {
                legend.push(LegendEntry {
                    swatch: Swatch::Stroked(
                        style::series_color(series),
                        style::series_stroke(series),
                    ),
                    label: label.to_string(),
                });
                let pts = waits
                    .iter()
                    .zip(v.iter())
                    .map(|(&w, &y_v)| {
                        (
                            x.to_plot(w).unwrap_or(x.lo()),
                            y.to_plot(y_v).unwrap_or(y.lo()),
                        )
                    })
                    .collect();
                drawn.push((series, pts));
                series += 1;
            }
            panels.push(Panel {
                y_desc: y.describe(desc),
                y,
                lines: drawn,
            });
        }
        Ok(DecisionChart {
            title: title.to_string(),
            prov: prov.clone(),
            x_desc: x.describe("wait before failing over"),
            x,
            panels,
            legend,
        })
    }
}

impl Chart for DecisionChart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = style::frame(root, &self.title, &self.prov, &self.legend)?;
        let rows = area.split_evenly((self.panels.len(), 1));
        // One label width for every panel, so the three time axes line up.
        let tick_style = style::text_style(style::LABEL_SIZE, style::INK, Pos::default());
        let mut widest = 0;
        for panel in &self.panels {
            for (v, _) in panel.y.ticks() {
                let label = panel.y.tick_label(*v);
                widest = widest.max(root.estimate_text_size(&label, &tick_style)?.0);
            }
        }
        for (panel, row) in self.panels.iter().zip(rows.iter()) {
            let descs = (self.x_desc.as_str(), panel.y_desc.as_str());
            let chart = style::chart_beside(row, &self.x, &panel.y, descs, widest + 46)?;
            for (i, pts) in &panel.lines {
                let color = style::series_color(*i);
                style::draw_stroked(
                    root,
                    chart.plotting_area(),
                    pts,
                    color,
                    3,
                    style::series_stroke(*i),
                    0.0,
                )?;
                chart
                    .plotting_area()
                    .draw(&Circle::new(pts[0], 5, color.filled()))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::output::test_support::*;

    fn curve() -> DecisionCurve {
        let wait_s: Vec<f64> = (0..8).map(|i| f64::from(i) * 900.0).collect();
        DecisionCurve {
            downtime_s: wait_s.iter().map(|w| 900.0 + 0.8 * w).collect(),
            interruption_s: wait_s.iter().map(|w| 600.0 + 0.8 * w).collect(),
            lost_writes: wait_s.iter().map(|w| 500.0 * (-w / 3600.0).exp()).collect(),
            p_back: wait_s.iter().map(|w| 1.0 - (-w / 3600.0).exp()).collect(),
            wait_s,
        }
    }

    #[test]
    fn writes_png_and_svg_with_three_panels() {
        let dir = temp_dir("decision_basic");
        let paths = decision_chart(
            &dir.join("decide"),
            "Fail over now or wait?",
            &curve(),
            &prov(),
        )
        .unwrap();
        check_png(&paths[0]);
        let svg = check_svg(&paths[1], "Fail over now or wait?");
        for text in [
            "wait before failing over (min)",
            "expected downtime to come (min)",
            "expected lost writes",
            "P(region back within the wait)",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn svg_is_byte_identical_across_runs_and_bad_points_are_dropped() {
        let dir = temp_dir("decision_determinism");
        let a = decision_chart(&dir.join("a"), "t", &curve(), &prov()).unwrap();
        let b = decision_chart(&dir.join("b"), "t", &curve(), &prov()).unwrap();
        assert_eq!(std::fs::read(&a[1]).unwrap(), std::fs::read(&b[1]).unwrap());
        let mut dirty = curve();
        dirty.lost_writes = vec![f64::NAN; dirty.wait_s.len()];
        let r = decision_chart(&dir.join("c"), "t", &dirty, &prov());
        assert!(matches!(r, Err(PlotError::EmptyInput(_))), "{r:?}");
    }
}
