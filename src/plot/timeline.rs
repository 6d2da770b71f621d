//! One replication's story: replication lag over time with the incidents,
//! failovers and drills that shaped it shaded behind.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontTransform, RGBColor, WHITE};

use super::axis::{Axis, Unit};
use super::output::{write_chart, Chart, Surface};
use super::style::{self, LegendEntry, Rect, Swatch, FILL_ALPHA};
use super::{PlotError, Provenance};

/// Shaded interval on a timeline (incident, failover, drill...), times in
/// seconds since start.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub start_s: f64,
    pub end_s: f64,
    /// Decides the colour, e.g. "zone", "region", "link", "drill",
    /// "failover", "failback"; other kinds get colours of their own.
    pub kind: String,
    /// Printed inside the band when it is wide enough.
    pub label: String,
}

/// Replication lag over one replication's time: points (t seconds, lag
/// seconds) as a step function (each lag holds until the next point), plus
/// bands.
///
/// Lag points with a non-finite or negative value, or outside `0..=horizon`,
/// are dropped; so are bands that are not finite, end before they start, or
/// lie outside the horizon. No lag point left is [`PlotError::EmptyInput`];
/// a horizon that is not a positive finite number is
/// [`PlotError::InvalidInput`].
pub fn timeline_chart(
    stem: &Path,
    title: &str,
    lag: &[(f64, f64)],
    bands: &[Band],
    horizon_s: f64,
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let chart = TimelineChart::prepare(title, lag, bands, horizon_s, prov)?;
    write_chart(stem, &chart)
}

/// Colours for the kinds the simulator emits: failures warm, recovery
/// actions and drills cool, so a glance tells trouble from response. The
/// order is also the legend order.
const KNOWN_KINDS: [(&str, RGBColor); 6] = [
    ("zone", RGBColor(230, 159, 0)),
    ("region", RGBColor(213, 94, 0)),
    ("link", RGBColor(204, 121, 167)),
    ("failover", RGBColor(0, 158, 115)),
    ("failback", RGBColor(0, 114, 178)),
    ("drill", RGBColor(86, 180, 233)),
];

/// For kinds not listed above, in order of first appearance.
const OTHER_KINDS: [RGBColor; 4] = [
    RGBColor(120, 120, 120),
    RGBColor(140, 100, 60),
    RGBColor(90, 130, 60),
    RGBColor(110, 90, 160),
];

const LAG_COLOR: RGBColor = style::INK;

struct PreparedBand {
    /// Plot coordinates.
    start: f64,
    end: f64,
    color: RGBColor,
    label: String,
    kind: String,
}

/// Position in [`KNOWN_KINDS`]; unknown kinds share the rank after it.
fn kind_rank(kind: &str) -> usize {
    KNOWN_KINDS
        .iter()
        .position(|(known, _)| *known == kind)
        .unwrap_or(KNOWN_KINDS.len())
}

/// A kind recurring more often than this (weekly drills over a year) is a
/// pattern rather than an event; its legend entry says enough, and labelling
/// every occurrence would crowd out the labels of the rare incidents.
const MAX_LABELLED_PER_KIND: usize = 8;

/// Which band labels to try, most important first: failures before
/// responses before drills (the [`KNOWN_KINDS`] order, unknown kinds last),
/// longer before shorter. Labels compete for space and earlier ones win.
fn label_order(bands: &[PreparedBand]) -> Vec<usize> {
    let count = |k: &str| bands.iter().filter(|b| b.kind == k).count();
    let kind = |i: usize| bands[i].kind.as_str();
    let mut order: Vec<usize> = (0..bands.len())
        .filter(|&i| !bands[i].label.is_empty() && count(kind(i)) <= MAX_LABELLED_PER_KIND)
        .collect();
    let width = |i: usize| bands[i].end - bands[i].start;
    order.sort_by(|&a, &b| {
        kind_rank(kind(a))
            .cmp(&kind_rank(kind(b)))
            .then(width(b).total_cmp(&width(a)))
    });
    order
}

struct TimelineChart {
    title: String,
    prov: Provenance,
    x: Axis,
    y: Axis,
    x_desc: String,
    y_desc: String,
    lag_path: Vec<(f64, f64)>,
    bands: Vec<PreparedBand>,
    /// Indices into `bands` whose labels are tried, in that order.
    label_order: Vec<usize>,
    legend: Vec<LegendEntry>,
}

impl TimelineChart {
    fn prepare(
        title: &str,
        lag: &[(f64, f64)],
        bands: &[Band],
        horizon_s: f64,
        prov: &Provenance,
    ) -> Result<TimelineChart, PlotError> {
        if !(horizon_s.is_finite() && horizon_s > 0.0) {
            return Err(PlotError::InvalidInput(format!(
                "timeline horizon must be a positive number of seconds, got {horizon_s}"
            )));
        }
        let mut points: Vec<(f64, f64)> = lag
            .iter()
            .copied()
            .filter(|&(t, l)| {
                t.is_finite() && l.is_finite() && l >= 0.0 && (0.0..=horizon_s).contains(&t)
            })
            .collect();
        if points.is_empty() {
            return Err(PlotError::EmptyInput(
                "timeline: no lag point with finite, non-negative lag within the horizon".into(),
            ));
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let max_lag = points.iter().map(|p| p.1).fold(0.0, f64::max);
        let x = Axis::linear(Unit::Seconds, 0.0, horizon_s, 12, false);
        let y = Axis::linear(Unit::Seconds, 0.0, max_lag, 6, true);

        let mut legend = vec![LegendEntry {
            swatch: Swatch::Line(LAG_COLOR),
            label: "replication lag".into(),
        }];
        // Kinds in order of first appearance, with their colours.
        let mut kinds: Vec<(&str, RGBColor)> = Vec::new();
        let mut prepared = Vec::new();
        for b in bands {
            if !(b.start_s.is_finite() && b.end_s.is_finite() && b.start_s <= b.end_s) {
                continue;
            }
            let (start, end) = (b.start_s.max(0.0), b.end_s.min(horizon_s));
            if start > end {
                continue;
            }
            let color = match kinds.iter().find(|(k, _)| *k == b.kind) {
                Some(&(_, c)) => c,
                None => {
                    let c = KNOWN_KINDS
                        .iter()
                        .find(|(k, _)| *k == b.kind)
                        .map(|&(_, c)| c)
                        .unwrap_or_else(|| {
                            let unknown = kinds
                                .iter()
                                .filter(|(k, _)| kind_rank(k) == KNOWN_KINDS.len())
                                .count();
                            OTHER_KINDS[unknown % OTHER_KINDS.len()]
                        });
                    kinds.push((&b.kind, c));
                    c
                }
            };
            let to_x = |s: f64| x.to_plot(s).unwrap_or(0.0);
            prepared.push(PreparedBand {
                start: to_x(start),
                end: to_x(end),
                color,
                label: b.label.clone(),
                kind: b.kind.clone(),
            });
        }
        let label_order = label_order(&prepared);

        // Known kinds in their fixed order (failures, then responses) so
        // legends of different runs line up; others after, as they came.
        kinds.sort_by_key(|(k, _)| kind_rank(k));
        legend.extend(kinds.iter().map(|(k, color)| LegendEntry {
            swatch: Swatch::Fill(*color),
            label: (*k).to_string(),
        }));

        Ok(TimelineChart {
            title: title.to_string(),
            prov: prov.clone(),
            x_desc: x.describe("time since start"),
            y_desc: y.describe("replication lag"),
            lag_path: step_path(&x, &y, &points),
            x,
            y,
            bands: prepared,
            label_order,
            legend,
        })
    }
}

/// Each lag holds until the next point and the last one until the horizon.
/// Repeated values add nothing to a step line, so they are skipped to keep
/// the SVG small for long, mostly steady runs.
fn step_path(x: &Axis, y: &Axis, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let xv = |t: f64| x.to_plot(t).unwrap_or(0.0);
    let yv = |l: f64| y.to_plot(l).unwrap_or(0.0);
    let mut path: Vec<(f64, f64)> = Vec::new();
    let mut current: Option<f64> = None;
    for &(t, l) in points {
        if current == Some(l) {
            continue;
        }
        if let Some(prev) = current {
            path.push((xv(t), yv(prev)));
        }
        path.push((xv(t), yv(l)));
        current = Some(l);
    }
    if let Some(last) = current {
        path.push((x.hi(), yv(last)));
    }
    path
}

impl Chart for TimelineChart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = style::frame(root, &self.title, &self.prov, &self.legend)?;
        let chart = style::chart(&area, &self.x, &self.y, &self.x_desc, &self.y_desc)?;
        let (ylo, yhi) = (self.y.lo(), self.y.hi());
        let plot = chart.plotting_area();
        let (plot_w, _) = plot.dim_in_pixel();
        // Short events (a 30 s link flap in a 30-day run) would be narrower
        // than a pixel; keep them visible.
        let min_w = 2.0 * (self.x.hi() - self.x.lo()) / f64::from(plot_w.max(1));
        let ends: Vec<f64> = self
            .bands
            .iter()
            .map(|b| b.end.max(b.start + min_w))
            .collect();
        for (b, &end) in self.bands.iter().zip(&ends) {
            plot.draw(&Rectangle::new(
                [(b.start, ylo), (end, yhi)],
                b.color.mix(FILL_ALPHA).filled(),
            ))?;
            plot.draw(&Rectangle::new(
                [(b.start, ylo), (end, yhi)],
                b.color.mix(0.6).stroke_width(1),
            ))?;
        }
        style::draw_line(root, plot, &self.lag_path, LAG_COLOR, 2)?;

        // Band labels: inside the band's top edge when it is wide enough,
        // else written downwards beside it. A label that fits nowhere
        // without covering another is left out; the legend names the kind.
        let lag = style::path_boxes(plot, &self.lag_path, 2);
        let (left, top) = plot.map_coordinate(&(self.x.lo(), yhi));
        let (right, bottom) = plot.map_coordinate(&(self.x.hi(), ylo));
        let flat = style::text_style(
            style::LABEL_SIZE - 2.0,
            style::INK,
            Pos::new(HPos::Left, VPos::Top),
        );
        let down = style::text_style(
            style::LABEL_SIZE - 2.0,
            style::INK,
            Pos::new(HPos::Left, VPos::Bottom),
        )
        .transform(FontTransform::Rotate90);
        let mut placed: Vec<Rect> = Vec::new();
        for &i in &self.label_order {
            let (b, end) = (&self.bands[i], ends[i]);
            let (l, _) = plot.map_coordinate(&(b.start, yhi));
            let (r, _) = plot.map_coordinate(&(end, yhi));
            let (tw, th) = root.estimate_text_size(&b.label, &flat)?;
            let (tw, th) = (tw as i32, th as i32);
            let mut candidates: Vec<(Rect, bool)> = Vec::new();
            if tw + 8 <= r - l {
                for row in 0..3 {
                    let y = top + 4 + row * (th + 4);
                    candidates.push((Rect(l + 3, y - 1, l + 5 + tw, y + th + 1), false));
                }
            }
            for x in [r + 3, l - 3 - th] {
                candidates.push((Rect(x - 1, top + 4, x + th + 1, top + 6 + tw), true));
            }
            candidates.retain(|(c, _)| c.0 >= left && c.2 <= right && c.3 <= bottom);
            let rects: Vec<Rect> = candidates.iter().map(|c| c.0).collect();
            let Some(spot) = style::place(&rects, &placed, &lag) else {
                continue;
            };
            let rotated = candidates.iter().any(|(c, rot)| *c == spot && *rot);
            root.draw(&Rectangle::new(
                [(spot.0, spot.1), (spot.2, spot.3)],
                WHITE.mix(0.6).filled(),
            ))?;
            if rotated {
                root.draw(&Text::new(
                    b.label.clone(),
                    (spot.0 + 1, spot.1 + 1),
                    down.clone(),
                ))?;
            } else {
                root.draw(&Text::new(
                    b.label.clone(),
                    (spot.0 + 2, spot.1 + 1),
                    flat.clone(),
                ))?;
            }
            placed.push(spot);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::output::test_support::*;

    fn band(start_s: f64, end_s: f64, kind: &str, label: &str) -> Band {
        Band {
            start_s,
            end_s,
            kind: kind.into(),
            label: label.into(),
        }
    }

    #[test]
    fn writes_png_and_svg() {
        let dir = temp_dir("timeline_basic");
        let lag = [(0.0, 0.2), (3600.0, 0.3), (7200.0, 120.0), (9000.0, 0.2)];
        let bands = [
            band(7000.0, 9000.0, "zone", "zone-a down"),
            band(8000.0, 8600.0, "failover", ""),
        ];
        let paths = timeline_chart(
            &dir.join("tl"),
            "Replication 17",
            &lag,
            &bands,
            4.0 * 3600.0,
            &prov(),
        )
        .unwrap();
        check_png(&paths[0]);
        let svg = check_svg(&paths[1], "Replication 17");
        assert!(svg.contains("time since start (h)"));
        assert!(svg.contains("replication lag (s)"));
        assert!(svg.contains("zone-a down"));
        assert!(svg.contains("failover"));
    }

    #[test]
    fn svg_is_byte_identical_across_runs() {
        let dir = temp_dir("timeline_determinism");
        let lag = [(0.0, 1.0), (50.0, 3.0)];
        let bands = [
            band(10.0, 20.0, "custom", "x"),
            band(30.0, 40.0, "link", "y"),
        ];
        let a = timeline_chart(&dir.join("a"), "t", &lag, &bands, 100.0, &prov()).unwrap();
        let b = timeline_chart(&dir.join("b"), "t", &lag, &bands, 100.0, &prov()).unwrap();
        assert_eq!(std::fs::read(&a[1]).unwrap(), std::fs::read(&b[1]).unwrap());
    }

    #[test]
    fn step_path_holds_values_and_skips_repeats() {
        let x = Axis::linear(Unit::Seconds, 0.0, 100.0, 10, false);
        let y = Axis::linear(Unit::Seconds, 0.0, 10.0, 5, true);
        let path = step_path(&x, &y, &[(0.0, 1.0), (10.0, 1.0), (20.0, 5.0)]);
        assert_eq!(
            path,
            vec![(0.0, 1.0), (20.0, 1.0), (20.0, 5.0), (100.0, 5.0)]
        );
    }

    #[test]
    fn failures_lead_the_legend_and_get_labels_first() {
        let bands = [
            band(0.0, 10.0, "drill", "d"),
            band(20.0, 30.0, "custom", "c"),
            band(40.0, 45.0, "region", "short"),
            band(50.0, 80.0, "region", "long"),
        ];
        let t = TimelineChart::prepare("t", &[(0.0, 1.0)], &bands, 100.0, &prov()).unwrap();
        let legend: Vec<&str> = t.legend.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(legend, ["replication lag", "region", "drill", "custom"]);
        assert_eq!(t.label_order, [3, 2, 0, 1]);

        let weekly: Vec<Band> = (0..9)
            .map(|w| {
                band(
                    f64::from(w) * 10.0,
                    f64::from(w) * 10.0 + 1.0,
                    "drill",
                    "weekly",
                )
            })
            .collect();
        let t = TimelineChart::prepare("t", &[(0.0, 1.0)], &weekly, 100.0, &prov()).unwrap();
        assert!(
            t.label_order.is_empty(),
            "a recurring kind is left to the legend"
        );
    }

    #[test]
    fn long_horizons_are_in_days() {
        let t = TimelineChart::prepare("t", &[(0.0, 0.0)], &[], 30.0 * 86_400.0, &prov()).unwrap();
        assert_eq!(t.x_desc, "time since start (d)");
    }

    #[test]
    fn bad_inputs_fail_or_are_skipped() {
        let dir = temp_dir("timeline_bad");
        for h in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let r = timeline_chart(&dir.join("h"), "t", &[(0.0, 1.0)], &[], h, &prov());
            assert!(matches!(r, Err(PlotError::InvalidInput(_))), "{h}: {r:?}");
        }
        for lag in [
            vec![],
            vec![(f64::NAN, 1.0), (5.0, f64::INFINITY), (200.0, 1.0)],
        ] {
            let r = timeline_chart(&dir.join("e"), "t", &lag, &[], 100.0, &prov());
            assert!(matches!(r, Err(PlotError::EmptyInput(_))), "{r:?}");
        }
        let bands = [
            band(f64::NAN, 5.0, "zone", "nan"),
            band(50.0, 10.0, "zone", "backwards"),
            band(500.0, 600.0, "zone", "after"),
            band(40.0, 40.0, "link", "instant"),
        ];
        let t = TimelineChart::prepare("t", &[(0.0, 0.0), (10.0, 0.0)], &bands, 100.0, &prov())
            .unwrap();
        assert_eq!(t.bands.len(), 1, "only the instant band is drawable");
        let paths = timeline_chart(
            &dir.join("flat"),
            "flat",
            &[(0.0, 0.0)],
            &bands,
            100.0,
            &prov(),
        )
        .unwrap();
        check_png(&paths[0]);
    }
}
