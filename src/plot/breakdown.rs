//! Where the recovery time goes: per incident class, a horizontal bar of
//! the mean RTO split into its components (detection, decision, execution,
//! restore, drain, wait), with the p99 RTO marked.
//!
//! The CDFs say how long recovery takes; this says which part to shorten.
//! Means add up (the components sum to the RTO of every incident), so the
//! stack is the mean RTO; quantiles do not add, so the p99 is a mark.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor};

use super::axis::{fmt_duration, Axis, Unit};
use super::output::{write_chart, Chart, Surface};
use super::style::{self, LegendEntry, Swatch};
use super::{PlotError, Provenance};

pub use crate::metrics::RTO_COMPONENTS;
/// One class's bar: mean seconds of each of [`RTO_COMPONENTS`], and its p99
/// RTO in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct RtoBreakdown {
    pub class: String,
    pub means_s: [f64; 6],
    pub p99_rto_s: f64,
}

/// Writes `<stem>.png` and `<stem>.svg`. Rows with a non-finite or negative
/// figure are left out; none left is [`PlotError::EmptyInput`].
pub fn rto_breakdown_chart(
    stem: &Path,
    rows: &[RtoBreakdown],
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    write_chart(stem, &BreakdownChart::prepare(rows, prov)?)
}

/// One colour per component: detection and decision (people) warm,
/// execution, restore and drain (machines) cool, waiting grey.
const COLORS: [RGBColor; 6] = [
    RGBColor(230, 159, 0),
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(0, 158, 115),
    RGBColor(86, 180, 233),
    RGBColor(150, 150, 150),
];

/// Start and end of each component along the bar.
fn stack(means: &[f64; 6]) -> [(f64, f64); 6] {
    let mut at = 0.0;
    means.map(|m| {
        let seg = (at, at + m);
        at += m;
        seg
    })
}

struct BreakdownChart {
    prov: Provenance,
    x: Axis,
    y: Axis,
    x_desc: String,
    rows: Vec<RtoBreakdown>,
    legend: Vec<LegendEntry>,
}

impl BreakdownChart {
    fn prepare(rows: &[RtoBreakdown], prov: &Provenance) -> Result<BreakdownChart, PlotError> {
        let ok = |v: &f64| v.is_finite() && *v >= 0.0;
        let rows: Vec<RtoBreakdown> = rows
            .iter()
            .filter(|r| r.means_s.iter().all(ok) && ok(&r.p99_rto_s))
            .cloned()
            .collect();
        if rows.is_empty() {
            return Err(PlotError::EmptyInput(
                "RTO breakdown: no class with finite, non-negative components".into(),
            ));
        }
        let longest = rows
            .iter()
            .map(|r| r.p99_rto_s.max(r.means_s.iter().sum()))
            .fold(0.0, f64::max);
        // Room right of the longest bar for its "mean · p99" label.
        let x = Axis::linear(Unit::Seconds, 0.0, longest * 1.3, 8, true);
        let legend = RTO_COMPONENTS
            .iter()
            .zip(COLORS)
            .map(|(name, color)| LegendEntry {
                swatch: Swatch::Fill(color),
                label: (*name).to_string(),
            })
            .chain(std::iter::once(LegendEntry {
                swatch: Swatch::Line(style::INK),
                label: "p99 RTO".into(),
            }))
            .collect();
        Ok(BreakdownChart {
            prov: prov.clone(),
            x_desc: x.describe("RTO: bars the mean by component, marks the p99"),
            x,
            y: Axis::bare(0.0, rows.len() as f64),
            rows,
            legend,
        })
    }
}

impl Chart for BreakdownChart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let title = "Where the recovery time goes — mean RTO by component, per class";
        let area = style::frame(root, title, &self.prov, &self.legend)?;
        let name_style = style::text_style(
            style::LABEL_SIZE,
            style::INK,
            Pos::new(HPos::Right, VPos::Center),
        );
        let mut name_w = 0;
        for r in &self.rows {
            name_w = name_w.max(root.estimate_text_size(&r.class, &name_style)?.0);
        }
        let chart = style::chart_beside(&area, &self.x, &self.y, (&self.x_desc, ""), name_w + 24)?;
        let plot = chart.plotting_area();
        let xv = |s: f64| self.x.to_plot(s).unwrap_or(0.0);
        let note_style = style::text_style(
            style::LABEL_SIZE - 1.0,
            style::INK,
            Pos::new(HPos::Left, VPos::Center),
        );
        // Top row first: rows are listed in the order given.
        for (i, r) in self.rows.iter().enumerate() {
            let y_mid = self.rows.len() as f64 - i as f64 - 0.5;
            let (lo, hi) = (y_mid - 0.3, y_mid + 0.3);
            for ((a, b), color) in stack(&r.means_s).iter().zip(COLORS) {
                if b > a {
                    plot.draw(&Rectangle::new(
                        [(xv(*a), lo), (xv(*b), hi)],
                        color.filled(),
                    ))?;
                }
            }
            let p99 = xv(r.p99_rto_s);
            plot.draw(&PathElement::new(
                vec![(p99, lo - 0.1), (p99, hi + 0.1)],
                style::INK.stroke_width(3),
            ))?;
            let (left, mid) = plot.map_coordinate(&(self.x.lo(), y_mid));
            root.draw(&Text::new(
                r.class.clone(),
                (left - 10, mid),
                name_style.clone(),
            ))?;
            let total: f64 = r.means_s.iter().sum();
            let end = plot.map_coordinate(&(xv(total.max(r.p99_rto_s)), y_mid)).0;
            let note = format!(
                "mean {} · p99 {}",
                fmt_duration(total),
                fmt_duration(r.p99_rto_s)
            );
            root.draw(&Text::new(note, (end + 8, mid), note_style.clone()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::output::test_support::*;

    fn row(class: &str, means_s: [f64; 6], p99_rto_s: f64) -> RtoBreakdown {
        RtoBreakdown {
            class: class.into(),
            means_s,
            p99_rto_s,
        }
    }

    #[test]
    fn components_stack_in_order() {
        assert_eq!(
            stack(&[60.0, 1800.0, 600.0, 4000.0, 0.0, 30.0]),
            [
                (0.0, 60.0),
                (60.0, 1860.0),
                (1860.0, 2460.0),
                (2460.0, 6460.0),
                (6460.0, 6460.0),
                (6460.0, 6490.0)
            ]
        );
    }

    #[test]
    fn writes_png_and_svg_and_skips_bad_rows() {
        let dir = temp_dir("breakdown");
        let rows = [
            row("zone", [20.0, 0.0, 40.0, 0.0, 0.0, 5.0], 300.0),
            row("region", [60.0, 1800.0, 600.0, 0.0, 0.0, 30.0], 10_000.0),
            row("bad", [f64::NAN, 0.0, 0.0, 0.0, 0.0, 0.0], 1.0),
        ];
        let c = BreakdownChart::prepare(&rows, &prov()).unwrap();
        assert_eq!(c.rows.len(), 2);
        let paths = rto_breakdown_chart(&dir.join("rto_components"), &rows, &prov()).unwrap();
        check_png(&paths[0]);
        let svg = check_svg(&paths[1], "Where the recovery time goes");
        assert!(svg.contains("mean 41.5 min · p99 167 min"), "region's note");
        for name in RTO_COMPONENTS {
            assert!(svg.contains(name), "{name} not in the legend");
        }
        let none = rto_breakdown_chart(&dir.join("none"), &rows[2..], &prov());
        assert!(matches!(none, Err(PlotError::EmptyInput(_))));
    }
}
