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
/// (from 0 for non-negative data, so a zero RPO sits on the axis), or for
/// durations spanning more than two decades log with a "0" band below. Points whose x or y is not finite are dropped; a panel
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
        let positive = |values: &mut dyn Iterator<Item = f64>| {
            values
                .filter(|v| v.is_finite() && *v > 0.0)
                .fold(f64::INFINITY, f64::min)
        };
        let x_min = positive(&mut points.iter().flat_map(|q| bounds(q.x, q.x_ci)));
        let y_min = positive(&mut points.iter().flat_map(|q| bounds(q.y, q.y_ci)));
        let x = axis(p.x_unit, x_lo, x_hi, x_min, LOG_LABELS_ACROSS);
        let y = axis(p.y_unit, y_lo, y_hi, y_min, LOG_LABELS_UP);
        let empty = if points.is_empty() { " — none" } else { "" };
        // An axis of zeros says so rather than leave the reader to work out
        // that every point sits on it.
        let zeros = |lo: f64, hi: f64| {
            if lo == 0.0 && hi == 0.0 {
                " — all 0"
            } else {
                ""
            }
        };
        Panel {
            x_desc: format!("{}{empty}{}", x.describe(&p.x_label), zeros(x_lo, x_hi)),
            y_desc: format!("{}{}", y.describe(&p.y_label), zeros(y_lo, y_hi)),
            x,
            y,
            points,
        }
    }
}

/// Durations whose positive values span more than this ratio get a log
/// axis: an RTO p99 of 9 s and one of 8 h side by side, where a linear
/// axis would crush every point but the largest onto 0.
const LOG_SPAN: f64 = 100.0;

/// Labelled ticks of a horizontal log axis at most, besides its "0": a
/// panel is about a third of the chart wide, and "10 s" beside "1 min"
/// would run together.
const LOG_LABELS_ACROSS: usize = 5;

/// Labelled ticks of a vertical log axis at most (labels are one line
/// high: room for every decade).
const LOG_LABELS_UP: usize = 10;

/// Share of a log axis given to the band of zeros below it.
const ZERO_BAND: f64 = 0.08;

/// An axis over the data with headroom for the labels: for durations
/// whose positive values (smallest `min_positive`) span more than
/// [`LOG_SPAN`], a log axis with a "0" band below it (an RPO of 0 is
/// common, and honest there) and at most `max_log_labels` labelled ticks; otherwise linear, from 0 when the data is
/// non-negative and not confined to a narrow band far from it.
fn axis(unit: Unit, lo: f64, hi: f64, min_positive: f64, max_log_labels: usize) -> Axis {
    if !(lo.is_finite() && hi.is_finite()) {
        return Axis::linear(unit, 0.0, 1.0, 6, true);
    }
    if unit == Unit::Seconds
        && lo >= 0.0
        && min_positive.is_finite()
        && hi > min_positive * LOG_SPAN
    {
        return Axis::log_with_zero(unit, min_positive, hi, ZERO_BAND, max_log_labels);
    }
    if lo == 0.0 && hi == 0.0 {
        // Every value 0: one whole display unit from 0 (0–1 s for
        // durations), not a sliver of 1% of nothing (0–0.8 ms).
        return Axis::linear(unit, 0.0, 0.0, 6, true);
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
    let xv = |v: f64| panel.x.to_plot_or_floor(v);
    let yv = |v: f64| panel.y.to_plot_or_floor(v);
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
    let (x_pixels, y_pixels) = plot.get_pixel_range();
    let bounds = Bounds {
        left: x_pixels.start,
        right: x_pixels.end,
        top: y_pixels.start,
        bottom: y_pixels.end,
    };
    let pixels: Vec<(i32, i32)> = panel
        .points
        .iter()
        .map(|p| plot.map_coordinate(&(xv(p.x), yv(p.y))))
        .collect();
    let mut sizes = Vec::with_capacity(panel.points.len());
    for p in &panel.points {
        let (w, h) = root.estimate_text_size(&p.label, &label_style)?;
        sizes.push((w as i32, h as i32 + 2));
    }
    let mut placed: Vec<LabelBox> = Vec::new();
    for (i, p) in panel.points.iter().enumerate() {
        let (px, py) = pixels[i];
        style::draw_marker(
            root,
            style::series_stroke(p.series).marker,
            (px, py),
            style::series_color(p.series),
        )?;
        // Points drawn on the same pixels put their labels on one side:
        // the side the widest of their labels fits on.
        let widest = pixels
            .iter()
            .zip(&sizes)
            .filter(|((x, y), _)| (x - px).abs() <= 2 && (y - py).abs() <= 2)
            .map(|(_, &(w, _))| w)
            .max()
            .unwrap_or(sizes[i].0);
        let label = place_label((px, py), sizes[i], widest, bounds, &placed, &pixels);
        placed.push(label);
        root.draw(&Text::new(
            p.label.clone(),
            (label.x0, label.y1),
            label_style.clone(),
        ))?;
    }
    Ok(())
}

/// The plotting area in pixels: labels stay inside it, off the axes' tick
/// labels and the legend.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
}

/// A label's box in pixels: left, top, right, bottom (the text is drawn
/// from `(x0, y1)`, its bottom-left corner).
#[derive(Clone, Copy, Debug, PartialEq)]
struct LabelBox {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl LabelBox {
    fn overlaps(&self, o: &LabelBox) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// Where the label of the point at `(px, py)` (pixels), `size` = (width,
/// height), goes: beside the point, in the first of eight places around it
/// (above right, above left, below right, below left, then level with it
/// right and left; the right side first unless a label `side_width` wide,
/// the widest of the points on the same pixels, would pass the right edge)
/// that lies inside `bounds`, overlaps no label already placed and covers
/// no other point in `markers`. When none is free, above or to the side of
/// the point as before: stacked upwards, away from the x axis and its tick
/// labels, and downwards only once the stack reaches the top.
fn place_label(
    (px, py): (i32, i32),
    (w, h): (i32, i32),
    side_width: i32,
    bounds: Bounds,
    placed: &[LabelBox],
    markers: &[(i32, i32)],
) -> LabelBox {
    let right = px + 8;
    let left = px - 8 - w;
    let right_fits = px + 8 + side_width.max(w) <= bounds.right;
    let boxed = |x0: i32, y1: i32| LabelBox {
        x0,
        y0: y1 - h,
        x1: x0 + w,
        y1,
    };
    let free = |b: &LabelBox| !placed.iter().any(|p| p.overlaps(b));
    let inside = |b: &LabelBox| {
        b.x0 >= bounds.left && b.x1 <= bounds.right && b.y0 >= bounds.top && b.y1 <= bounds.bottom
    };
    // A marker is about 10 px across: keep its centre 5 px clear.
    let covers_a_marker = |b: &LabelBox| {
        markers.iter().any(|&(mx, my)| {
            (mx, my) != (px, py) && mx + 5 > b.x0 && mx - 5 < b.x1 && my + 5 > b.y0 && my - 5 < b.y1
        })
    };
    let (first, second) = if right_fits {
        (right, left)
    } else {
        (left, right)
    };
    let (above, below, level) = (py - 6, py + 6 + h, py + h / 2);
    let around = [
        (first, above),
        (second, above),
        (first, below),
        (second, below),
        (first, level),
        (second, level),
    ];
    if let Some(b) = around
        .iter()
        .map(|&(x0, y1)| boxed(x0, y1))
        .find(|b| inside(b) && free(b) && !covers_a_marker(b))
    {
        return b;
    }
    let x0 = if right_fits {
        right
    } else {
        left.max(bounds.left)
    };
    let at = |y1: i32| boxed(x0, y1);
    // Bottom edge 6 px above the point, but never below the plotting area.
    let start = (py - 6).min(bounds.bottom);
    let mut y1 = start;
    while y1 - h >= bounds.top {
        if free(&at(y1)) {
            return at(y1);
        }
        y1 -= h;
    }
    let mut y1 = (start + h).max(bounds.top + h);
    while !free(&at(y1)) && y1 < bounds.bottom {
        y1 += h;
    }
    at(y1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Bounds = Bounds {
        left: 60,
        right: 400,
        top: 20,
        bottom: 500,
    };

    /// Every RPO 0: the axis spans one whole second, not 0–0.8 ms, and
    /// its description says the values are all 0.
    #[test]
    fn an_axis_of_zeros_spans_a_whole_unit_and_says_so() {
        let point = |x: f64| ScatterPoint {
            series: 0,
            label: "a".into(),
            x,
            y: 0.0,
            x_ci: None,
            y_ci: Some((0.0, 0.0)),
        };
        let panel = Panel::prepare(&ScatterPanel {
            x_label: "RTO p99".into(),
            x_unit: Unit::Seconds,
            y_label: "RPO p99".into(),
            y_unit: Unit::Seconds,
            points: vec![point(600.0), point(7200.0)],
        });
        assert_eq!(panel.y_desc, "RPO p99 (s) — all 0");
        assert_eq!((panel.y.lo(), panel.y.hi()), (0.0, 1.0));
        assert_eq!(panel.x_desc, "RTO p99 (min)");
    }

    /// Durations spanning more than two decades (9 s to 8 h, and RPOs of
    /// 0 to 25 min) get log axes; a 0 sits on the bottom edge, which is
    /// the tick "0" below the first decade, never on a tick of its own
    /// value's neighbour.
    #[test]
    fn wide_durations_get_a_log_axis_with_a_zero_band() {
        let point = |x: f64, y: f64| ScatterPoint {
            series: 0,
            label: "a".into(),
            x,
            y,
            x_ci: None,
            y_ci: None,
        };
        let panel = Panel::prepare(&ScatterPanel {
            x_label: "RTO p99".into(),
            x_unit: Unit::Seconds,
            y_label: "RPO p99".into(),
            y_unit: Unit::Seconds,
            points: vec![point(9.0, 0.0), point(28_800.0, 1.0), point(60.0, 1_500.0)],
        });
        assert_eq!(panel.x_desc, "RTO p99 (log scale)");
        assert_eq!(panel.y_desc, "RPO p99 (log scale)");
        assert_eq!(panel.y.ticks()[0], (panel.y.lo(), "0".to_string()));
        assert_eq!(panel.y.to_plot_or_floor(0.0), panel.y.lo());
        // The first decade's tick lies above the zero band; the x axis,
        // nine labelled marks from 1 s to 10 h, keeps at most 5 and its 0.
        assert!(panel.y.ticks()[1].0 > panel.y.lo());
        assert!(
            panel.x.ticks().len() <= 1 + LOG_LABELS_ACROSS,
            "{:?}",
            panel.x.ticks()
        );
        assert!(panel.y.to_plot_or_floor(1.0) > panel.y.lo());
        // Two decades or fewer stay linear.
        let narrow = Panel::prepare(&ScatterPanel {
            x_label: "RTO p99".into(),
            x_unit: Unit::Seconds,
            y_label: "RPO p99".into(),
            y_unit: Unit::Seconds,
            points: vec![point(60.0, 0.0), point(5_000.0, 1.0)],
        });
        assert_eq!(narrow.x_desc, "RTO p99 (min)");
    }

    /// Three coinciding points on the x axis: the labels go above right,
    /// above left, then (nothing free below the axis) stack upwards on the
    /// right, every one above the axis (so off its tick labels) and none
    /// over another.
    #[test]
    fn coinciding_labels_stack_above_the_axis() {
        let mut placed = Vec::new();
        for _ in 0..3 {
            let b = place_label((200, BOUNDS.bottom), (120, 16), 120, BOUNDS, &placed, &[]);
            assert!(b.y1 <= BOUNDS.bottom - 6, "{b:?}");
            assert!(placed.iter().all(|p: &LabelBox| !p.overlaps(&b)), "{b:?}");
            placed.push(b);
        }
        assert_eq!(placed[0].x0, 208);
        assert_eq!(placed[1].x1, 192);
        assert_eq!((placed[2].x0, placed[2].y1), (208, BOUNDS.bottom - 6 - 16));
    }

    /// A label does not cover a neighbouring point: with one where the
    /// label would go (above right) it goes above left, and with points
    /// above on both sides, below right.
    #[test]
    fn labels_keep_off_other_points() {
        let among = |markers: &[(i32, i32)]| {
            let b = place_label((200, 300), (20, 16), 20, BOUNDS, &[], markers);
            (b.x0, b.y1)
        };
        assert_eq!(among(&[(200, 300), (215, 290)]), (200 - 8 - 20, 294));
        assert_eq!(among(&[(200, 300), (215, 290), (185, 290)]), (208, 322));
    }

    /// A point near the right edge has its label on its left, inside the
    /// plotting area, and so has a short label whose coinciding neighbour's
    /// is too wide for the right; one at the top stacks downwards once no
    /// room is left.
    #[test]
    fn labels_stay_inside_the_plotting_area() {
        let b = place_label((390, 300), (120, 16), 120, BOUNDS, &[], &[]);
        assert_eq!((b.x0, b.x1), (390 - 8 - 120, 390 - 8));
        let short = place_label((300, 300), (60, 16), 120, BOUNDS, &[], &[]);
        assert_eq!((short.x0, short.x1), (300 - 8 - 60, 300 - 8));
        let alone = place_label((300, 300), (60, 16), 60, BOUNDS, &[], &[]);
        assert_eq!(alone.x0, 308);
        let first = place_label((100, 30), (120, 16), 120, BOUNDS, &[], &[]);
        assert!(first.y0 >= BOUNDS.top, "{first:?}");
        let second = place_label((100, 30), (120, 16), 120, BOUNDS, &[first], &[]);
        assert!(
            !second.overlaps(&first) && second.y0 >= BOUNDS.top,
            "{second:?}"
        );
    }
}
