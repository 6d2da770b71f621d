//! Drawing of a [`Story`]: the lanes of the actors above, the replication
//! lag below, on one time axis relative to the failure, with the events as
//! dashed lines through both and the loss window shaded.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{DashedPathElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::axis::{Axis, Unit};
use super::output::{write_chart, Chart, Surface};
use super::story::{Story, Tone};
use super::style::{self, LegendEntry, Swatch};
use super::{PlotError, Provenance};

/// Writes `<stem>.png` and `<stem>.svg` of one incident's story.
pub fn incident_chart(
    stem: &Path,
    story: &Story,
    prov: &Provenance,
) -> Result<Vec<PathBuf>, PlotError> {
    if !(story.lo_s.is_finite() && story.hi_s.is_finite() && story.lo_s < story.hi_s) {
        return Err(PlotError::InvalidInput(format!(
            "incident window {}..{} s is empty",
            story.lo_s, story.hi_s
        )));
    }
    write_chart(stem, &StoryChart::prepare(story, prov))
}

/// Failures warm, the response cool, serving green, as on the timeline.
fn tone_style(tone: Tone) -> (RGBColor, &'static str) {
    match tone {
        Tone::Down => (RGBColor(213, 94, 0), "failed / no writes"),
        Tone::Degraded => (RGBColor(230, 159, 0), "degraded"),
        Tone::Busy => (RGBColor(204, 121, 167), "DR operation under way"),
        Tone::Standby => (RGBColor(86, 180, 233), "standby (protected)"),
        Tone::Serving => (RGBColor(0, 158, 115), "serving writes"),
    }
}

/// Red, apart from every tone: the one thing on the chart that is a cost.
const LOSS: RGBColor = RGBColor(200, 30, 30);
const LAG: RGBColor = style::INK;

/// Rows of event labels above the lanes; labels that find no free row are
/// left out (their dashed line still marks the event).
const EVENT_ROWS: i32 = 5;
const ROW_H: i32 = 17;
const LANE_H: i32 = 30;
const EVENT_SIZE: f64 = 13.0;

struct StoryChart<'a> {
    story: &'a Story,
    prov: Provenance,
    x: Axis,
    y: Axis,
    x_desc: String,
    y_desc: String,
    /// The lag as step paths in data coordinates, broken where undefined.
    lag: Vec<Vec<(f64, f64)>>,
    legend: Vec<LegendEntry>,
}

impl<'a> StoryChart<'a> {
    fn prepare(story: &'a Story, prov: &Provenance) -> StoryChart<'a> {
        let x = Axis::linear(Unit::Seconds, story.lo_s, story.hi_s, 10, false);
        let lag = lag_paths(&story.lag, story.hi_s);
        let max_lag = lag.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
        let y = Axis::linear(Unit::Seconds, 0.0, max_lag, 4, true);
        let mut tones: Vec<Tone> = story
            .lanes
            .iter()
            .flat_map(|l| l.spans.iter().map(|s| s.tone))
            .collect();
        tones.sort();
        tones.dedup();
        let mut legend: Vec<LegendEntry> = tones
            .into_iter()
            .map(|t| {
                let (color, label) = tone_style(t);
                LegendEntry {
                    swatch: Swatch::Fill(color),
                    label: label.into(),
                }
            })
            .collect();
        legend.push(LegendEntry {
            swatch: Swatch::Line(LAG),
            label: "replication lag".into(),
        });
        if story.loss.is_some() {
            legend.push(LegendEntry {
                swatch: Swatch::Fill(LOSS),
                label: "loss window".into(),
            });
        }
        legend.push(LegendEntry {
            swatch: Swatch::Dashed(style::REFERENCE),
            label: "event".into(),
        });
        StoryChart {
            story,
            prov: prov.clone(),
            x_desc: x.describe("time since the failure"),
            y_desc: y.describe("lag"),
            x,
            y,
            lag,
            legend,
        }
    }
}

/// The lag as a step function: each value holds until the next point (the
/// last until `hi`); an undefined stretch breaks the line.
fn lag_paths(lag: &[(f64, Option<f64>)], hi: f64) -> Vec<Vec<(f64, f64)>> {
    let mut paths: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for (i, &(t, value)) in lag.iter().enumerate() {
        let next = lag.get(i + 1).map_or(hi, |p| p.0);
        match value.filter(|v| v.is_finite() && *v >= 0.0) {
            Some(v) => {
                current.push((t, v));
                current.push((next, v));
            }
            None if !current.is_empty() => paths.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        paths.push(current);
    }
    paths
}

/// Joins the labels of events closer than `min_px` pixels (in order of
/// pixel position): two lines a pixel apart read as one, and their labels
/// would be drawn on top of each other.
fn merge_close(events: &[(i32, String)], min_px: i32) -> Vec<(i32, String)> {
    let mut out: Vec<(i32, String)> = Vec::new();
    for (x, label) in events {
        match out.last_mut() {
            Some((lx, l)) if x - *lx < min_px => {
                for part in label.split(" + ") {
                    if !l.split(" + ").any(|p| p == part) {
                        l.push_str(" + ");
                        l.push_str(part);
                    }
                }
            }
            _ => out.push((*x, label.clone())),
        }
    }
    out
}

/// First-fit rows for labels given as pixel extents (left, right), in
/// order: each goes to the first row whose last label ends `gap` pixels
/// before it starts. `None` once all `rows` are taken there.
fn assign_rows(extents: &[(i32, i32)], rows: usize, gap: i32) -> Vec<Option<usize>> {
    let mut ends: Vec<i32> = Vec::new();
    extents
        .iter()
        .map(|&(l, r)| {
            let row = ends.iter().position(|&e| e + gap <= l);
            match row {
                Some(i) => {
                    ends[i] = r;
                    Some(i)
                }
                None if ends.len() < rows => {
                    ends.push(r);
                    Some(ends.len() - 1)
                }
                None => None,
            }
        })
        .collect()
}

impl Chart for StoryChart<'_> {
    fn draw<DB: Surface>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = style::frame(root, &self.story.title, &self.prov, &self.legend)?;
        let (_, h) = area.dim_in_pixel();
        let lanes = &self.story.lanes;
        let n = lanes.len().max(1) as i32;
        let head = EVENT_ROWS * ROW_H + 8;
        let lane_h = LANE_H.min((h as i32 * 3 / 5 - head) / n).max(12);
        let (top, bottom) = area.split_vertically((head + n * lane_h + 6) as u32);
        let name_style = style::text_style(
            style::LABEL_SIZE,
            style::INK,
            Pos::new(HPos::Right, VPos::Center),
        );
        let mut name_w = 0;
        for l in lanes {
            name_w = name_w.max(root.estimate_text_size(&l.name, &name_style)?.0);
        }
        let chart = style::chart_beside(
            &bottom,
            &self.x,
            &self.y,
            (&self.x_desc, &self.y_desc),
            name_w + 24,
        )?;
        let plot = chart.plotting_area();
        let (left, plot_top) = plot.map_coordinate(&(self.x.lo(), self.y.hi()));
        let (right, plot_bottom) = plot.map_coordinate(&(self.x.hi(), self.y.lo()));
        let px = |t: f64| {
            let v = self.x.to_plot(t).unwrap_or(0.0);
            plot.map_coordinate(&(v, self.y.lo())).0
        };
        let lanes_top = top.get_base_pixel().1 + head;

        // Lanes: alternate stripes, the name left of the plot, spans with
        // their label inside when it fits (the legend names the colours).
        let span_style =
            style::text_style(EVENT_SIZE, style::INK, Pos::new(HPos::Left, VPos::Center));
        for (i, lane) in lanes.iter().enumerate() {
            let y0 = lanes_top + i as i32 * lane_h;
            if i % 2 == 0 {
                root.draw(&Rectangle::new(
                    [(left, y0), (right, y0 + lane_h)],
                    RGBColor(246, 246, 246).filled(),
                ))?;
            }
            root.draw(&Text::new(
                lane.name.clone(),
                (left - 10, y0 + lane_h / 2),
                name_style.clone(),
            ))?;
            for s in &lane.spans {
                let (color, _) = tone_style(s.tone);
                let x0 = px(s.start_s);
                let x1 = px(s.end_s).max(x0 + 2);
                root.draw(&Rectangle::new(
                    [(x0, y0 + 3), (x1, y0 + lane_h - 3)],
                    color.mix(0.55).filled(),
                ))?;
                let tw = root.estimate_text_size(&s.label, &span_style)?.0 as i32;
                if !s.label.is_empty() && tw + 8 <= x1 - x0 {
                    root.draw(&Text::new(
                        s.label.clone(),
                        (x0 + 4, y0 + lane_h / 2),
                        span_style.clone(),
                    ))?;
                }
            }
        }

        if let Some(loss) = &self.story.loss {
            let x0 = px(loss.start_s);
            let x1 = px(loss.end_s).max(x0 + 3);
            // Shaded under the lag it explains; only outlined across the
            // lanes, whose colours must stay readable.
            root.draw(&Rectangle::new(
                [(x0, plot_top), (x1, plot_bottom)],
                LOSS.mix(0.3).filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(x0, lanes_top), (x1, plot_top)],
                LOSS.mix(0.8).stroke_width(1),
            ))?;
            let text_style = style::text_style(EVENT_SIZE, LOSS, Pos::new(HPos::Left, VPos::Top));
            let (tw, th) = root.estimate_text_size(&loss.text, &text_style)?;
            let (tw, th) = (tw as i32, th as i32);
            let tx = if x1 + 6 + tw <= right {
                x1 + 6
            } else {
                (x0 - 6 - tw).max(left)
            };
            let ty = plot_top + 6;
            root.draw(&Rectangle::new(
                [(tx - 2, ty - 2), (tx + tw + 2, ty + th + 2)],
                WHITE.mix(0.85).filled(),
            ))?;
            root.draw(&Text::new(loss.text.clone(), (tx, ty), text_style))?;
        }

        for path in &self.lag {
            let mapped: Vec<(f64, f64)> = path
                .iter()
                .map(|&(t, v)| {
                    (
                        self.x.to_plot(t).unwrap_or(0.0),
                        self.y.to_plot(v).unwrap_or(0.0),
                    )
                })
                .collect();
            style::draw_line(root, plot, &mapped, LAG, 2)?;
        }
        self.draw_events(
            root,
            &px,
            (left, right),
            (top.get_base_pixel().1, plot_bottom),
        )
    }
}

impl StoryChart<'_> {
    /// Events: a dashed line from its label down through lanes and lag;
    /// labels in rows above the lanes, merged when their lines coincide.
    fn draw_events<DB: Surface>(
        &self,
        root: &DrawingArea<DB, Shift>,
        px: &dyn Fn(f64) -> i32,
        (left, right): (i32, i32),
        (top, bottom): (i32, i32),
    ) -> Result<(), PlotError> {
        let label_style =
            style::text_style(EVENT_SIZE, style::INK, Pos::new(HPos::Left, VPos::Top));
        let events: Vec<(i32, String)> = self
            .story
            .events
            .iter()
            .filter(|(t, _)| *t >= self.story.lo_s && *t <= self.story.hi_s)
            .map(|(t, l)| (px(*t), l.clone()))
            .collect();
        let events = merge_close(&events, 3);
        let mut extents = Vec::new();
        for (x, label) in &events {
            let tw = root.estimate_text_size(label, &label_style)?.0 as i32;
            // Right of the line, or ending at the plot's edge near it.
            let l = (x + 3).min(right - tw).max(left - 60);
            extents.push((l, l + tw));
        }
        let rows = assign_rows(&extents, EVENT_ROWS as usize, 8);
        for (((x, label), (l, _)), row) in events.iter().zip(&extents).zip(rows) {
            let y = match row {
                Some(r) => top + 4 + r as i32 * ROW_H,
                None => top + 4 + EVENT_ROWS * ROW_H,
            };
            root.draw(&DashedPathElement::new(
                vec![(*x, y), (*x, bottom)],
                4,
                3,
                style::REFERENCE.mix(0.7).stroke_width(1),
            ))?;
            if row.is_some() {
                root.draw(&Text::new(label.clone(), (*l, y), label_style.clone()))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::output::test_support::*;
    use crate::plot::story::incident_story;
    use crate::plot::story::tests::{actors, failover_day};

    #[test]
    fn writes_png_and_svg_with_the_story() {
        let dir = temp_dir("story_basic");
        let (incidents, trace) = failover_day();
        let story = incident_story(&trace, &incidents, 1, &actors(), 100_000_000_000_000).unwrap();
        let paths = incident_chart(&dir.join("incident-3-1"), &story, &prov()).unwrap();
        check_png(&paths[0]);
        let svg = check_svg(
            &paths[1],
            "Replication 3, incident 1: region home — failover",
        );
        for text in [
            "time since the failure (h)",
            "loss window 5 s · 1,460 writes lost",
            "paired region pair",
            "decision: failover (loss shown 5 s)",
            "failover done + writes resume (RTO 40 min)",
            "served by the paired region",
        ] {
            assert!(svg.contains(text), "{text:?} missing");
        }
        let again = incident_chart(&dir.join("again"), &story, &prov()).unwrap();
        assert_eq!(
            std::fs::read(&paths[1]).unwrap(),
            std::fs::read(&again[1]).unwrap()
        );
    }

    #[test]
    fn lag_breaks_where_undefined_and_holds_to_the_end() {
        let lag = [
            (-10.0, Some(1.0)),
            (0.0, None),
            (5.0, Some(2.0)),
            (8.0, Some(3.0)),
        ];
        assert_eq!(
            lag_paths(&lag, 10.0),
            vec![
                vec![(-10.0, 1.0), (0.0, 1.0)],
                vec![(5.0, 2.0), (8.0, 2.0), (8.0, 3.0), (10.0, 3.0)]
            ]
        );
        assert!(lag_paths(&[(0.0, None)], 1.0).is_empty());
    }

    #[test]
    fn coinciding_event_labels_merge_once() {
        let events = [
            (100, "failover done".to_string()),
            (101, "writes resume".to_string()),
            (102, "failover done".to_string()),
            (200, "switched back".to_string()),
        ];
        assert_eq!(
            merge_close(&events, 3),
            vec![
                (100, "failover done + writes resume".to_string()),
                (200, "switched back".to_string())
            ]
        );
    }

    #[test]
    fn labels_take_the_first_free_row() {
        let rows = assign_rows(&[(0, 50), (40, 90), (60, 120), (95, 130), (100, 140)], 2, 8);
        assert_eq!(rows, vec![Some(0), Some(1), Some(0), None, Some(1)]);
    }
}
