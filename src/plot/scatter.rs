//! Labelled points with their confidence intervals, in one or more panels
//! side by side: one point per deployment, so a reader sees which is better
//! on both axes at once and whether the difference is more than noise.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{EmptyElement, PathElement, Text};
use plotters::style::{Color, RGBColor};

use super::axis::{Axis, Unit};
use super::output::{write_chart, Chart, Surface};
use super::style::{self, LegendEntry, Stroke, Swatch};
use super::{PlotError, Provenance};

/// One labelled point.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPoint {
    /// Index of the series (the deployment): its colour, marker and legend entry.
    pub series: usize,
    /// Written next to the point.
    pub label: String,
    pub x: f64,
    pub y: f64,
    /// 95% interval of `x`, drawn as a horizontal bar.
    pub x_ci: Option<(f64, f64)>,
    /// 95% interval of `y`, drawn as a vertical bar.
    pub y_ci: Option<(f64, f64)>,
}

/// One panel: its axes and its points.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPanel {
    pub x_label: String,
    pub x_unit: Unit,
    pub y_label: String,
    pub y_unit: Unit,
    pub points: Vec<ScatterPoint>,
}

/// Draws `panels` side by side under one title, with one legend entry per
/// name of `series`, into `<stem>.png` and `<stem>.svg`. Axes are linear
/// (from 0 for non-negative data, so a zero RPO sits on the axis rather than
/// off a log scale). Points whose x or y is not finite are dropped; a panel
/// left empty says so in its axis description; no point at all is
/// [`PlotError::EmptyInput`].
pub fn scatter_chart(
    stem: &Path,
    title: &str,
    series: &[String],
    panels: &[ScatterPanel],
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let prepared: Vec<Panel> = panels.iter().map(Panel::prepare).collect();
    if prepared.iter().all(|p| p.points.is_empty()) {
        return Err(PlotError::EmptyInput(format!(
            "{title}: no point with finite coordinates"
        )));
    }
    let legend = series
        .iter()
        .enumerate()
        .map(|(i, name)| LegendEntry {
            swatch: Swatch::Stroked(style::series_color(i), solid(i)),
            label: name.clone(),
        })
        .collect();
    let chart = ScatterChart {
        title: title.to_string(),
        prov: prov.clone(),
        legend,
        panels: prepared,
    };
    write_chart(stem, &chart)
}

/// The series' marker on a solid line (legend swatches).
fn solid(i: usize) -> Stroke {
    Stroke {
        dash: &[],
        marker: style::series_stroke(i).marker,
    }
}

struct Panel {
    x: Axis,
    y: Axis,
    x_desc: String,
    y_desc: String,
    points: Vec<ScatterPoint>,
}

impl Panel {
    fn prepare(p: &ScatterPanel) -> Panel {
        let points: Vec<ScatterPoint> = p
            .points
            .iter()
            .filter(|q| q.x.is_finite() && q.y.is_finite())
            .cloned()
            .collect();
        let extent = |values: &mut dyn Iterator<Item = f64>| {
            values
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                })
        };
        let bounds = |v: f64, ci: Option<(f64, f64)>| {
            [Some(v), ci.map(|c| c.0), ci.map(|c| c.1)]
                .into_iter()
                .flatten()
        };
        let (x_lo, x_hi) = extent(&mut points.iter().flat_map(|q| bounds(q.x, q.x_ci)));
        let (y_lo, y_hi) = extent(&mut points.iter().flat_map(|q| bounds(q.y, q.y_ci)));
        let x = axis(p.x_unit, x_lo, x_hi);
        let y = axis(p.y_unit, y_lo, y_hi);
        let empty = if points.is_empty() { " — none" } else { "" };
        Panel {
            x_desc: format!("{}{empty}", x.describe(&p.x_label)),
            y_desc: y.describe(&p.y_label),
            x,
            y,
            points,
        }
    }
}

/// A linear axis over the data with headroom for the labels; from 0 when
/// the data is non-negative and not confined to a narrow band far from it.
fn axis(unit: Unit, lo: f64, hi: f64) -> Axis {
    if !(lo.is_finite() && hi.is_finite()) {
        return Axis::linear(unit, 0.0, 1.0, 6, true);
    }
    let span = if hi > lo {
        hi - lo
    } else {
        hi.abs().max(1.0) * 0.01
    };
    let pad = 0.08 * span;
    let (mut a, mut b) = (lo - pad, hi + pad);
    if lo >= 0.0 && lo <= 0.3 * hi {
        a = 0.0;
    }
    if unit == Unit::Fraction {
        // A share cannot leave [0, 1]: no "100.05%" tick (nor a snapped one).
        (a, b) = (a.max(0.0), b.min(1.0).max(hi));
        return Axis::linear(unit, a, b, 6, false);
    }
    Axis::linear(unit, a, b, 6, true)
}

struct ScatterChart {
    title: String,
    prov: Provenance,
    legend: Vec<LegendEntry>,
    panels: Vec<Panel>,
}

impl Chart for ScatterChart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = style::frame(root, &self.title, &self.prov, &self.legend)?;
        let areas = area.split_evenly((1, self.panels.len().max(1)));
        for (panel, area) in self.panels.iter().zip(&areas) {
            draw_panel(root, panel, area)?;
        }
        Ok(())
    }
}

/// Draws one panel into `area`; markers and labels go on `root` at the
/// pixels the panel's coordinates map to (plotters maps to root pixels).
fn draw_panel<DB: Surface>(
    root: &DrawingArea<DB, Shift>,
    panel: &Panel,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    let mut chart = style::chart(area, &panel.x, &panel.y, &panel.x_desc, &panel.y_desc)?;
    let xv = |v: f64| panel.x.to_plot(v).unwrap_or(panel.x.lo());
    let yv = |v: f64| panel.y.to_plot(v).unwrap_or(panel.y.lo());
    for p in &panel.points {
        let color = style::series_color(p.series);
        let bar = color.stroke_width(2);
        let (x, y) = (xv(p.x), yv(p.y));
        if let Some((lo, hi)) = p.x_ci {
            chart.draw_series([PathElement::new(vec![(xv(lo), y), (xv(hi), y)], bar)])?;
            for end in [lo, hi] {
                chart.plotting_area().draw(
                    &(EmptyElement::at((xv(end), y))
                        + PathElement::new(vec![(0, -5), (0, 5)], bar)),
                )?;
            }
        }
        if let Some((lo, hi)) = p.y_ci {
            chart.draw_series([PathElement::new(vec![(x, yv(lo)), (x, yv(hi))], bar)])?;
            for end in [lo, hi] {
                chart.plotting_area().draw(
                    &(EmptyElement::at((x, yv(end)))
                        + PathElement::new(vec![(-5, 0), (5, 0)], bar)),
                )?;
            }
        }
    }
    let plot = chart.plotting_area();
    let label_style = style::text_style(
        13.0,
        RGBColor(40, 40, 40),
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Bottom,
        ),
    );
    // Labels of coinciding points (two deployments with the same figures)
    // are stacked downwards instead of printed over each other.
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    for p in &panel.points {
        let (px, py) = plot.map_coordinate(&(xv(p.x), yv(p.y)));
        style::draw_marker(
            root,
            style::series_stroke(p.series).marker,
            (px, py),
            style::series_color(p.series),
        )?;
        let (w, h) = root.estimate_text_size(&p.label, &label_style)?;
        let (w, h) = (w as i32, h as i32 + 2);
        let (x0, mut y1) = (px + 8, py - 6);
        while placed
            .iter()
            .any(|&(a, b, c, d)| x0 < c && a < x0 + w && y1 - h < d && b < y1)
        {
            y1 += h;
        }
        placed.push((x0, y1 - h, x0 + w, y1));
        root.draw(&Text::new(p.label.clone(), (x0, y1), label_style.clone()))?;
    }
    Ok(())
}
