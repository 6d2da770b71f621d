//! One replication's year at a glance: the replication lag as a band per
//! time bin (min to max, the median as a line), the DR phase as a coloured
//! strip under it, and the incidents as labelled spans in a lane per class
//! above it.
//!
//! A year of lag samples drawn as one line is a solid black block (the lag
//! moves every few hours, the chart has ~800 pixels); binning to the pixel
//! grid keeps what can be seen (the range and the typical value per bin).
//! Incidents drawn as full-height lines hid the data they explain; in lanes
//! they keep their own space and labels.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor};

use super::axis::{pick_scale, Axis, Scale, Unit};
use super::output::{write_chart, Chart, Surface, CHART_WIDTH};
use super::style::{self, LegendEntry, Swatch, FILL_ALPHA};
use super::{PlotError, Provenance};

/// Shaded interval on a timeline (incident, failover, drill...), times in
/// seconds since start.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub start_s: f64,
    pub end_s: f64,
    /// Decides the lane and colour, e.g. "zone", "region", "link", "drill",
    /// "failover", "failback"; other kinds get lanes and colours of their own.
    pub kind: String,
    /// Printed on the span when there is room.
    pub label: String,
}

/// Replication lag over one replication's time: points (t seconds, lag
/// seconds, `None` where undefined, e.g. while failed over) as a step
/// function (each lag holds until the next point), the DR phase after each
/// event as (t seconds, phase), and bands.
///
/// Lag points with a non-finite or negative value, or outside `0..=horizon`,
/// are dropped; so are bands that are not finite, end before they start, or
/// lie outside the horizon. No lag point left is [`PlotError::EmptyInput`];
/// a horizon that is not a positive finite number is
/// [`PlotError::InvalidInput`].
pub fn timeline_chart(
    stem: &Path,
    title: &str,
    lag: &[(f64, Option<f64>)],
    phases: &[(f64, String)],
    bands: &[Band],
    horizon_s: f64,
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    let chart = TimelineChart::prepare(title, lag, phases, bands, horizon_s, prov)?;
    write_chart(stem, &chart)
}

/// Colours for the kinds the simulator emits: failures warm, recovery
/// actions and drills cool, so a glance tells trouble from response. The
/// order is also the lane and legend order.
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

/// DR phases grouped by what they mean for protection, with their strip
/// colour and legend text; `off` is left blank.
fn phase_style(phase: &str) -> Option<(RGBColor, &'static str)> {
    match phase {
        "off" => None,
        "seeding" | "catching-up" => Some((RGBColor(190, 170, 220), "DR seeding")),
        "protected" => Some((RGBColor(86, 180, 233), "DR protected")),
        "failed-over" => Some((RGBColor(0, 158, 115), "DR failed over")),
        _ => Some((RGBColor(204, 121, 167), "DR switching")),
    }
}

/// Pixels per lag bin: the bins follow the image width, so each is a few
/// pixels wide whatever the horizon.
const BIN_PX: u32 = 3;
/// Width left for the plot once the axis labels and legend are taken away.
const PLOT_PX: u32 = CHART_WIDTH - 420;
const BINS: usize = (PLOT_PX / BIN_PX) as usize;

/// Share of the lag axis added below it for the DR phase strip.
const STRIP: f64 = 0.09;
const LANE_H: i32 = 22;

/// A kind recurring more often than this (weekly drills over a year) is a
/// pattern rather than an event; its lane and legend say enough, and
/// labelling every occurrence would crowd out the labels of rare incidents.
const MAX_LABELLED_PER_KIND: usize = 8;

/// Lag of one time bin: (min, median, max) of the values the step function
/// takes in it.
type BinStats = (f64, f64, f64);

/// Bins `0..horizon` into `bins` equal bins. A bin holds the value in force
/// at its start and every point inside it; `None` when the lag is undefined
/// throughout (before the first point, or while nothing replicates).
fn bin_lag(points: &[(f64, Option<f64>)], horizon_s: f64, bins: usize) -> Vec<Option<BinStats>> {
    let width = horizon_s / bins as f64;
    let mut out = Vec::with_capacity(bins);
    let mut next = 0;
    let mut held: Option<f64> = None;
    for b in 0..bins {
        let end = (b + 1) as f64 * width;
        let mut values: Vec<f64> = held.into_iter().collect();
        while next < points.len() && (points[next].0 < end || b + 1 == bins) {
            values.extend(points[next].1);
            held = points[next].1;
            next += 1;
        }
        values.sort_by(f64::total_cmp);
        out.push(match values.len() {
            0 => None,
            n => Some((values[0], values[n / 2], values[n - 1])),
        });
    }
    out
}

/// Runs of one DR phase: (start s, end s, phase), the last to the horizon.
fn phase_runs(phases: &[(f64, String)], horizon_s: f64) -> Vec<(f64, f64, String)> {
    let mut runs: Vec<(f64, f64, String)> = Vec::new();
    for (t, phase) in phases.iter().filter(|(t, _)| t.is_finite()) {
        let t = t.clamp(0.0, horizon_s);
        match runs.last_mut() {
            Some(last) if last.2 == *phase => {}
            Some(last) => {
                last.1 = t;
                runs.push((t, horizon_s, phase.clone()));
            }
            None => runs.push((t, horizon_s, phase.clone())),
        }
    }
    runs.retain(|r| r.1 > r.0);
    runs
}

struct Lane {
    kind: String,
    color: RGBColor,
    /// (start, end) in seconds, in time order.
    spans: Vec<(f64, f64, String)>,
    /// Too many spans to label each.
    labelled: bool,
}

/// One lane per kind, known kinds first in their fixed order (failures,
/// then responses) so lanes of different runs line up; others after, as
/// they came. Invalid bands are dropped, the rest clipped to the horizon.
fn lanes_of(bands: &[Band], horizon_s: f64) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = Vec::new();
    for b in bands {
        if !(b.start_s.is_finite() && b.end_s.is_finite() && b.start_s <= b.end_s) {
            continue;
        }
        let (start, end) = (b.start_s.max(0.0), b.end_s.min(horizon_s));
        if start > end {
            continue;
        }
        let i = match lanes.iter().position(|l| l.kind == b.kind) {
            Some(i) => i,
            None => {
                let unknown = lanes
                    .iter()
                    .filter(|l| kind_rank(&l.kind) == KNOWN_KINDS.len())
                    .count();
                let color = KNOWN_KINDS
                    .iter()
                    .find(|(k, _)| *k == b.kind)
                    .map_or(OTHER_KINDS[unknown % OTHER_KINDS.len()], |&(_, c)| c);
                lanes.push(Lane {
                    kind: b.kind.clone(),
                    color,
                    spans: Vec::new(),
                    labelled: true,
                });
                lanes.len() - 1
            }
        };
        lanes[i].spans.push((start, end, b.label.clone()));
    }
    for l in &mut lanes {
        l.spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        l.labelled = l.spans.len() <= MAX_LABELLED_PER_KIND;
    }
    lanes.sort_by_key(|l| kind_rank(&l.kind));
    lanes
}

/// Position in [`KNOWN_KINDS`]; unknown kinds share the rank after it.
fn kind_rank(kind: &str) -> usize {
    KNOWN_KINDS
        .iter()
        .position(|(known, _)| *known == kind)
        .unwrap_or(KNOWN_KINDS.len())
}

/// Opposite corners of a rectangle in plot coordinates.
type Corners = [(f64, f64); 2];

struct TimelineChart {
    title: String,
    prov: Provenance,
    horizon_s: f64,
    x: Axis,
    y: Axis,
    x_desc: String,
    y_desc: String,
    bins: Vec<Option<BinStats>>,
    phases: Vec<(f64, f64, String)>,
    lanes: Vec<Lane>,
    legend: Vec<LegendEntry>,
}

impl TimelineChart {
    fn prepare(
        title: &str,
        lag: &[(f64, Option<f64>)],
        phases: &[(f64, String)],
        bands: &[Band],
        horizon_s: f64,
        prov: &Provenance,
    ) -> Result<TimelineChart, PlotError> {
        if !(horizon_s.is_finite() && horizon_s > 0.0) {
            return Err(PlotError::InvalidInput(format!(
                "timeline horizon must be a positive number of seconds, got {horizon_s}"
            )));
        }
        let valid = |l: f64| l.is_finite() && l >= 0.0;
        let mut points: Vec<(f64, Option<f64>)> = lag
            .iter()
            .copied()
            .filter(|&(t, l)| {
                t.is_finite() && l.is_none_or(valid) && (0.0..=horizon_s).contains(&t)
            })
            .collect();
        if !points.iter().any(|p| p.1.is_some()) {
            return Err(PlotError::EmptyInput(
                "timeline: no lag point with finite, non-negative lag within the horizon".into(),
            ));
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let bins = bin_lag(&points, horizon_s, BINS);
        let max_lag = points.iter().filter_map(|p| p.1).fold(0.0, f64::max);
        let min_positive = points
            .iter()
            .filter_map(|p| p.1)
            .filter(|l| *l > 0.0)
            .fold(f64::INFINITY, f64::min);
        let y = match pick_scale(min_positive, max_lag) {
            Scale::Log => Axis::log(Unit::Seconds, min_positive, max_lag),
            Scale::Linear => Axis::linear(Unit::Seconds, 0.0, max_lag, 6, true),
        };
        let y_desc = y.describe("replication lag");
        let y = y.pad_below(STRIP);
        let x = Axis::linear(Unit::Seconds, 0.0, horizon_s, 12, false);
        let phases = phase_runs(phases, horizon_s);
        let lanes = lanes_of(bands, horizon_s);

        let mut legend = vec![LegendEntry {
            swatch: Swatch::LineOnBand(LAG_COLOR),
            label: "lag: median, min–max".into(),
        }];
        let mut seen: Vec<&str> = Vec::new();
        for (_, _, p) in &phases {
            if let Some((color, label)) = phase_style(p) {
                if !seen.contains(&label) {
                    seen.push(label);
                    legend.push(LegendEntry {
                        swatch: Swatch::Fill(color),
                        label: label.into(),
                    });
                }
            }
        }
        Ok(TimelineChart {
            title: title.to_string(),
            prov: prov.clone(),
            horizon_s,
            x_desc: x.describe("time since start"),
            y_desc,
            x,
            y,
            bins,
            phases,
            lanes,
            legend,
        })
    }

    /// The lag band and median line in plot coordinates; lag 0 on a log
    /// axis sits on the axis' lowest tick.
    fn lag_shapes(&self) -> (Vec<Corners>, Vec<Vec<(f64, f64)>>) {
        let floor = self.y.lo() + (self.y.hi() - self.y.lo()) * STRIP / (1.0 + STRIP);
        let yv = |l: f64| self.y.to_plot(l).unwrap_or(floor).max(floor);
        let width = self.horizon_s / self.bins.len() as f64;
        let xv = |t: f64| self.x.to_plot(t).unwrap_or(0.0);
        let mut rects = Vec::new();
        let mut lines: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (i, bin) in self.bins.iter().enumerate() {
            let (a, b) = (i as f64 * width, (i + 1) as f64 * width);
            let Some((lo, med, hi)) = *bin else {
                lines.push(Vec::new());
                continue;
            };
            rects.push([(xv(a), yv(lo)), (xv(b), yv(hi))]);
            if let Some(line) = lines.last_mut() {
                line.push((xv((a + b) / 2.0), yv(med)));
            }
        }
        lines.retain(|l| !l.is_empty());
        (rects, lines)
    }
}

impl Chart for TimelineChart {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = style::frame(root, &self.title, &self.prov, &self.legend)?;
        let n = self.lanes.len() as i32;
        let head = if n == 0 { 0 } else { n * LANE_H + 14 };
        let (top, bottom) = area.split_vertically(head as u32);
        let name_style = style::text_style(
            style::LABEL_SIZE,
            style::INK,
            Pos::new(HPos::Right, VPos::Center),
        );
        let mut name_w = 0;
        for l in &self.lanes {
            name_w = name_w.max(root.estimate_text_size(&l.kind, &name_style)?.0);
        }
        let chart = style::chart_beside(
            &bottom,
            &self.x,
            &self.y,
            (&self.x_desc, &self.y_desc),
            name_w + 24,
        )?;
        let plot = chart.plotting_area();
        let (left, _) = plot.map_coordinate(&(self.x.lo(), self.y.hi()));
        let (right, bottom_px) = plot.map_coordinate(&(self.x.hi(), self.y.lo()));
        let px = |t: f64| {
            plot.map_coordinate(&(self.x.to_plot(t).unwrap_or(0.0), self.y.lo()))
                .0
        };

        // DR phase strip along the bottom of the plot, under the data.
        let strip_top = plot
            .map_coordinate(&(
                self.x.lo(),
                self.y.lo() + (self.y.hi() - self.y.lo()) * STRIP / (1.0 + STRIP),
            ))
            .1;
        for (a, b, phase) in &self.phases {
            if let Some((color, _)) = phase_style(phase) {
                let (x0, x1) = (px(*a), px(*b));
                root.draw(&Rectangle::new(
                    [(x0, strip_top + 3), (x1.max(x0 + 1), bottom_px - 1)],
                    color.mix(0.8).filled(),
                ))?;
            }
        }
        root.draw(&PathElement::new(
            vec![(left, strip_top), (right, strip_top)],
            RGBColor(200, 200, 200).stroke_width(1),
        ))?;
        root.draw(&Text::new(
            "DR phase",
            (left - 10, (strip_top + bottom_px) / 2 + 2),
            name_style.clone(),
        ))?;

        let (rects, lines) = self.lag_shapes();
        for r in &rects {
            plot.draw(&Rectangle::new(
                *r,
                LAG_COLOR.mix(FILL_ALPHA * 1.3).filled(),
            ))?;
        }
        for line in &lines {
            style::draw_line(root, plot, line, LAG_COLOR, 2)?;
        }
        self.draw_lanes(root, &px, (left, right), top.get_base_pixel().1 + 6)
    }
}

impl TimelineChart {
    /// The incident lanes: name left of the plot, spans at least 2 px wide,
    /// each label on its span when it fits, else right of it when that
    /// space in the lane is free.
    fn draw_lanes<DB: Surface>(
        &self,
        root: &DrawingArea<DB, Shift>,
        px: &dyn Fn(f64) -> i32,
        (left, right): (i32, i32),
        top: i32,
    ) -> Result<(), PlotError> {
        let name_style = style::text_style(
            style::LABEL_SIZE,
            style::INK,
            Pos::new(HPos::Right, VPos::Center),
        );
        let label_style = style::text_style(
            style::LABEL_SIZE - 2.0,
            style::INK,
            Pos::new(HPos::Left, VPos::Center),
        );
        for (i, lane) in self.lanes.iter().enumerate() {
            let y0 = top + i as i32 * LANE_H;
            let mid = y0 + LANE_H / 2;
            if i % 2 == 0 {
                root.draw(&Rectangle::new(
                    [(left, y0), (right, y0 + LANE_H)],
                    RGBColor(246, 246, 246).filled(),
                ))?;
            }
            root.draw(&Text::new(
                lane.kind.clone(),
                (left - 10, mid),
                name_style.clone(),
            ))?;
            let boxes: Vec<(i32, i32)> = lane
                .spans
                .iter()
                .map(|(a, b, _)| (px(*a), px(*b).max(px(*a) + 2)))
                .collect();
            for &(x0, x1) in &boxes {
                root.draw(&Rectangle::new(
                    [(x0, y0 + 3), (x1, y0 + LANE_H - 3)],
                    lane.color.mix(0.75).filled(),
                ))?;
            }
            if !lane.labelled {
                continue;
            }
            let mut free_from = left;
            for (k, (_, _, label)) in lane.spans.iter().enumerate() {
                let (x0, x1) = boxes[k];
                let next = boxes.get(k + 1).map_or(right, |b| b.0);
                let tw = root.estimate_text_size(label, &label_style)?.0 as i32;
                let at = if tw + 8 <= x1 - x0 && x0 >= free_from {
                    Some(x0 + 4)
                } else if x1 + 4 + tw + 4 <= next && x1 >= free_from {
                    Some(x1 + 4)
                } else {
                    None
                };
                if let Some(at) = at {
                    root.draw(&Text::new(label.clone(), (at, mid), label_style.clone()))?;
                    free_from = at + tw + 4;
                }
            }
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

    fn phases(p: &[(f64, &str)]) -> Vec<(f64, String)> {
        p.iter().map(|(t, s)| (*t, s.to_string())).collect()
    }

    #[test]
    fn writes_png_and_svg() {
        let dir = temp_dir("timeline_basic");
        let lag = [
            (0.0, Some(0.2)),
            (3600.0, Some(0.3)),
            (7200.0, Some(120.0)),
            (9000.0, Some(0.2)),
        ];
        let bands = [
            band(7000.0, 9000.0, "zone", "zone-a down"),
            band(8000.0, 8600.0, "failover", "failover"),
        ];
        let ph = phases(&[(0.0, "protected"), (8000.0, "failed-over")]);
        let paths = timeline_chart(
            &dir.join("tl"),
            "Replication 17",
            &lag,
            &ph,
            &bands,
            4.0 * 3600.0,
            &prov(),
        )
        .unwrap();
        check_png(&paths[0]);
        let svg = check_svg(&paths[1], "Replication 17");
        assert!(svg.contains("time since start (h)"));
        assert!(
            svg.contains("replication lag (log scale)"),
            "0.2 s to 120 s span decades"
        );
        assert!(svg.contains("zone-a down"));
        assert!(svg.contains("DR protected"));
        assert!(svg.contains("DR failed over"));
    }

    #[test]
    fn svg_is_byte_identical_across_runs() {
        let dir = temp_dir("timeline_determinism");
        let lag = [(0.0, Some(1.0)), (50.0, Some(3.0))];
        let bands = [
            band(10.0, 20.0, "custom", "x"),
            band(30.0, 40.0, "link", "y"),
        ];
        let ph = phases(&[(0.0, "seeding")]);
        let a = timeline_chart(&dir.join("a"), "t", &lag, &ph, &bands, 100.0, &prov()).unwrap();
        let b = timeline_chart(&dir.join("b"), "t", &lag, &ph, &bands, 100.0, &prov()).unwrap();
        assert_eq!(std::fs::read(&a[1]).unwrap(), std::fs::read(&b[1]).unwrap());
    }

    #[test]
    fn bins_hold_the_value_in_force_and_every_point_inside() {
        let pts = [
            (0.0, Some(4.0)),
            (12.0, Some(1.0)),
            (14.0, Some(9.0)),
            (16.0, Some(2.0)),
            (35.0, Some(5.0)),
            (45.0, None),
            (65.0, Some(1.0)),
        ];
        let bins = bin_lag(&pts, 80.0, 8);
        assert_eq!(
            bins,
            vec![
                Some((4.0, 4.0, 4.0)),
                Some((1.0, 4.0, 9.0)),
                Some((2.0, 2.0, 2.0)),
                Some((2.0, 5.0, 5.0)),
                Some((5.0, 5.0, 5.0)),
                None,
                Some((1.0, 1.0, 1.0)),
                Some((1.0, 1.0, 1.0)),
            ],
            "undefined from 45 s until 65 s"
        );
        assert_eq!(bin_lag(&[(25.0, Some(1.0))], 40.0, 4)[..2], [None, None]);
        assert_eq!(
            BINS,
            ((CHART_WIDTH - 420) / BIN_PX) as usize,
            "bins follow the width"
        );
    }

    #[test]
    fn phases_become_runs_to_the_horizon() {
        let ph = phases(&[
            (0.0, "off"),
            (5.0, "off"),
            (10.0, "seeding"),
            (40.0, "protected"),
            (40.0, "protected"),
        ]);
        let runs = phase_runs(&ph, 100.0);
        let got: Vec<(f64, f64, &str)> =
            runs.iter().map(|(a, b, p)| (*a, *b, p.as_str())).collect();
        assert_eq!(
            got,
            [
                (0.0, 10.0, "off"),
                (10.0, 40.0, "seeding"),
                (40.0, 100.0, "protected")
            ]
        );
    }

    #[test]
    fn a_lane_per_kind_failures_first_and_recurring_kinds_unlabelled() {
        let mut bands = vec![
            band(0.0, 10.0, "drill", "d"),
            band(20.0, 30.0, "custom", "c"),
            band(50.0, 80.0, "region", "long"),
            band(40.0, 45.0, "region", "short"),
        ];
        let lanes = lanes_of(&bands, 100.0);
        let kinds: Vec<&str> = lanes.iter().map(|l| l.kind.as_str()).collect();
        assert_eq!(kinds, ["region", "drill", "custom"]);
        let region: Vec<f64> = lanes[0].spans.iter().map(|s| s.0).collect();
        assert_eq!(region, [40.0, 50.0], "in time order");
        assert!(lanes.iter().all(|l| l.labelled));
        bands.extend((0..9).map(|w| band(f64::from(w), f64::from(w) + 0.5, "drill", "weekly")));
        let lanes = lanes_of(&bands, 100.0);
        assert!(
            !lanes[1].labelled,
            "a recurring kind is left to its lane name"
        );
    }

    #[test]
    fn long_horizons_are_in_days() {
        let t =
            TimelineChart::prepare("t", &[(0.0, Some(0.0))], &[], &[], 30.0 * 86_400.0, &prov())
                .unwrap();
        assert_eq!(t.x_desc, "time since start (d)");
    }

    #[test]
    fn bad_inputs_fail_or_are_skipped() {
        let dir = temp_dir("timeline_bad");
        for h in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let r = timeline_chart(
                &dir.join("h"),
                "t",
                &[(0.0, Some(1.0))],
                &[],
                &[],
                h,
                &prov(),
            );
            assert!(matches!(r, Err(PlotError::InvalidInput(_))), "{h}: {r:?}");
        }
        for lag in [
            vec![],
            vec![(5.0, None)],
            vec![
                (f64::NAN, Some(1.0)),
                (5.0, Some(f64::INFINITY)),
                (200.0, Some(1.0)),
            ],
        ] {
            let r = timeline_chart(&dir.join("e"), "t", &lag, &[], &[], 100.0, &prov());
            assert!(matches!(r, Err(PlotError::EmptyInput(_))), "{r:?}");
        }
        let bands = [
            band(f64::NAN, 5.0, "zone", "nan"),
            band(50.0, 10.0, "zone", "backwards"),
            band(500.0, 600.0, "zone", "after"),
            band(40.0, 40.0, "link", "instant"),
        ];
        let lanes = lanes_of(&bands, 100.0);
        assert_eq!(lanes.len(), 1, "only the instant band is drawable");
        let paths = timeline_chart(
            &dir.join("flat"),
            "flat",
            &[(0.0, Some(0.0))],
            &[],
            &bands,
            100.0,
            &prov(),
        )
        .unwrap();
        check_png(&paths[0]);
    }
}
