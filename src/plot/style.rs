//! Look shared by all charts: fonts, colours, the frame (title, caption,
//! legend panel) and the mesh.
//!
//! The legend lives in its own panel right of the plot instead of inside it:
//! plotters' in-plot legend has to guess a free corner and, with CDFs that
//! fill the upper left and timelines that fill everything, it hides data.

use std::sync::OnceLock;

use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{
    Circle, Cross, DashedPathElement, PathElement, Rectangle, Text, TriangleMarker,
};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontDesc, FontFamily, FontStyle, RGBColor, TextStyle, WHITE};

use super::axis::{Axis, Ticked};
use super::output::Surface;
use super::{PlotError, Provenance};

/// Coordinates of every chart: both axes carry our own ticks (see `axis`).
pub(crate) type Coords = Cartesian2d<Ticked, Ticked>;

/// Body text colour; pure black is harsher than needed on white.
pub(crate) const INK: RGBColor = RGBColor(33, 33, 33);
/// Secondary text (caption, light grid).
const MUTED: RGBColor = RGBColor(105, 105, 105);
/// Reference lines (targets): neutral so they never read as another series.
pub(crate) const REFERENCE: RGBColor = RGBColor(60, 60, 60);

/// Okabe–Ito palette without its yellow: distinguishable with the common
/// colour-vision deficiencies and all readable on white.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

pub(crate) fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

pub(crate) const TITLE_SIZE: f64 = 24.0;
pub(crate) const LABEL_SIZE: f64 = 15.0;
const DESC_SIZE: f64 = 17.0;
const CAPTION_SIZE: f64 = 13.0;

const TITLE_H: u32 = 44;
const CAPTION_H: u32 = 28;
const LEGEND_ROW_H: i32 = 24;
const LEGEND_PAD: i32 = 10;
const SWATCH_W: i32 = 30;
const LEGEND_MIN_W: u32 = 150;
const LEGEND_MAX_W: u32 = 340;
/// Space the chart leaves around its plot inside the plot area; also where
/// the legend panel starts, so the panel lines up with the plot's top edge.
const CHART_MARGIN: u32 = 12;

/// Registers the embedded DejaVu fonts once per process. The build has no
/// fontconfig, so without this every text draw fails with FontUnavailable;
/// the result is kept so a bad font fails every chart the same way.
///
/// Known limitation: plotters 0.3.7's ab_glyph rasteriser drops each glyph's
/// left side bearing, so PNG text has slightly uneven letter spacing ("1 0").
/// Fixing it needs a custom backend, which needs types plotters does not
/// re-export; SVG text is laid out by the viewer and is unaffected.
pub(crate) fn ensure_fonts() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let family = FontFamily::SansSerif.as_str();
            plotters::style::register_font(family, FontStyle::Normal, dejavu::sans::regular())
                .map_err(|_| "embedded DejaVu Sans is not a valid font".to_string())?;
            plotters::style::register_font(family, FontStyle::Bold, dejavu::sans::bold())
                .map_err(|_| "embedded DejaVu Sans Bold is not a valid font".to_string())
        })
        .clone()
        .map_err(PlotError::Draw)
}

pub(crate) fn text_style(size: f64, color: RGBColor, pos: Pos) -> TextStyle<'static> {
    font_style(size, FontStyle::Normal, color, pos)
}

fn font_style(size: f64, weight: FontStyle, color: RGBColor, pos: Pos) -> TextStyle<'static> {
    TextStyle {
        font: FontDesc::new(FontFamily::SansSerif, size, weight),
        color: color.to_backend_color(),
        pos,
    }
}

/// Shortens `text` with an ellipsis until it fits `max_px`; long scenario
/// names or labels would otherwise run off the image or into the plot.
pub(crate) fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_px: u32,
) -> Result<String, PlotError> {
    if area.estimate_text_size(text, style)?.0 <= max_px {
        return Ok(text.to_string());
    }
    // Binary search on the kept prefix: a pathological multi-kilobyte label
    // must not cost one text layout per character.
    let chars: Vec<char> = text.chars().collect();
    let (mut fits, mut too_long) = (0, chars.len());
    while too_long - fits > 1 {
        let mid = (fits + too_long) / 2;
        let candidate: String = chars[..mid].iter().chain(['…'].iter()).collect();
        if area.estimate_text_size(&candidate, style)?.0 <= max_px {
            fits = mid;
        } else {
            too_long = mid;
        }
    }
    Ok(chars[..fits].iter().chain(['…'].iter()).collect())
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A data series drawn as a solid line.
    Line(RGBColor),
    /// A reference line (target).
    Dashed(RGBColor),
    /// A translucent area (timeline band).
    Fill(RGBColor),
    /// A mean line over its confidence band.
    LineOnBand(RGBColor),
    /// A data series with its own dash pattern and marker (see [`Stroke`]).
    Stroked(RGBColor, Stroke),
}

/// Marker shapes, drawn along a line so that curves lying on top of each
/// other still show each series' marks in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
    Diamond,
}

/// How a series' line is drawn beyond its colour. Two classes whose curves
/// coincide (drill and drill-return RTO) would otherwise show only the one
/// drawn last; with different dashes and markers both stay visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stroke {
    /// On/off run lengths in pixels; empty for a solid line.
    pub(crate) dash: &'static [i32],
    pub(crate) marker: Marker,
}

/// Dash patterns in the order series get them: solid first, then patterns
/// that differ in rhythm, not only in length, so any two are told apart.
const DASHES: [&[i32]; 5] = [&[], &[14, 6], &[3, 5], &[14, 5, 3, 5], &[7, 7]];
const MARKERS: [Marker; 5] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Cross,
    Marker::Diamond,
];

/// The stroke of the `i`-th series. Dashes and markers cycle with coprime
/// periods against the 7-colour palette, so series sharing a colour (the
/// 8th and the 1st) still differ in dash or marker.
pub(crate) fn series_stroke(i: usize) -> Stroke {
    Stroke {
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
    }
}

/// Pixels between two markers of one series along its line.
pub(crate) const MARKER_SPACING: f64 = 110.0;

#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub(crate) swatch: Swatch,
    pub(crate) label: String,
}

/// Alpha of translucent fills: enough to see a band, little enough that
/// overlapping bands and the lines over them stay readable.
pub(crate) const FILL_ALPHA: f64 = 0.22;

/// Draws the white background, title, provenance caption and legend panel,
/// and returns the area left for the plot itself.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    prov: &Provenance,
    legend: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();

    let title_style = font_style(
        TITLE_SIZE,
        FontStyle::Bold,
        INK,
        Pos::new(HPos::Center, VPos::Center),
    );
    let title = fit_text(root, title, &title_style, w.saturating_sub(40))?;
    root.draw(&Text::new(
        title,
        (w as i32 / 2, TITLE_H as i32 / 2 + 4),
        title_style,
    ))?;

    let caption_style = text_style(CAPTION_SIZE, MUTED, Pos::new(HPos::Left, VPos::Center));
    // Only the scenario name gives way when space runs out: seed, runs,
    // hash and version are what make the figure reproducible.
    let (head, tail) = caption_parts(prov);
    let fixed = root
        .estimate_text_size(&format!("{head}{tail}"), &caption_style)?
        .0;
    let name = fit_text(
        root,
        &prov.scenario,
        &caption_style,
        w.saturating_sub(24 + fixed),
    )?;
    let caption = format!("{head}{name}{tail}");
    let caption_y = (h - CAPTION_H / 2) as i32;
    root.draw(&PathElement::new(
        vec![
            (12, (h - CAPTION_H) as i32),
            (w as i32 - 12, (h - CAPTION_H) as i32),
        ],
        RGBColor(220, 220, 220),
    ))?;
    root.draw(&Text::new(caption, (12, caption_y), caption_style))?;

    let body = root.margin(TITLE_H, CAPTION_H, 0, 0);
    if legend.is_empty() {
        return Ok(body);
    }
    let label_style = text_style(LABEL_SIZE, INK, Pos::new(HPos::Left, VPos::Center));
    let mut widest = 0;
    for line in legend.iter().flat_map(|e| e.label.lines()) {
        widest = widest.max(root.estimate_text_size(line, &label_style)?.0);
    }
    let panel_w = (widest + (SWATCH_W + 3 * LEGEND_PAD) as u32 + CHART_MARGIN)
        .clamp(LEGEND_MIN_W, LEGEND_MAX_W);
    let (plot, panel) = body.split_horizontally(w.saturating_sub(panel_w));
    draw_legend(&panel, legend, &label_style)?;
    Ok(plot)
}

/// The caption around the scenario name: ("scenario: ", "   ·   seed …").
fn caption_parts(prov: &Provenance) -> (&'static str, String) {
    // "sha256:3f2a…" would spend the short hash on its algorithm name.
    let digest = prov.scenario_hash.rsplit(':').next().unwrap_or_default();
    let hash: String = digest.chars().take(12).collect();
    // A chart of no replication (`drsim decide`) is computed from the
    // scenario's laws: "0 runs" would read as a run that did nothing.
    let runs = match prov.runs {
        0 => "computed, not simulated".to_string(),
        1 => "1 run".to_string(),
        n => format!("{} runs", group_thousands(n)),
    };
    let tail = format!(
        "   ·   seed {}   ·   {runs}   ·   scenario hash {}   ·   drsim {}",
        prov.seed, hash, prov.drsim_version
    );
    ("scenario: ", tail)
}

/// The caption's provenance text after the scenario name (seed, runs,
/// hash, version): `report.html` embeds a chart only when its caption
/// carries this text, so a stale chart of another run is never shown.
pub fn caption_tail(prov: &Provenance) -> String {
    caption_parts(prov).1
}

/// "10,000": run counts are read as magnitudes, and grouping keeps 10000
/// and 100000 apart at a glance.
pub(super) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn draw_legend<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    legend: &[LegendEntry],
    label_style: &TextStyle,
) -> Result<(), PlotError> {
    let (pw, ph) = panel.dim_in_pixel();
    let box_w = pw as i32 - CHART_MARGIN as i32;
    let max_rows =
        ((ph as i32 - 2 * CHART_MARGIN as i32 - 2 * LEGEND_PAD) / LEGEND_ROW_H).max(1) as usize;
    let (shown, hidden) = legend_fit(legend, max_rows);
    let rows = shown.iter().map(legend_rows).sum::<usize>() as i32 + i32::from(hidden > 0);
    let top = CHART_MARGIN as i32;
    panel.draw(&Rectangle::new(
        [
            (0, top),
            (box_w, top + rows * LEGEND_ROW_H + 2 * LEGEND_PAD),
        ],
        RGBColor(200, 200, 200).stroke_width(1),
    ))?;
    let text_max = (box_w - SWATCH_W - 3 * LEGEND_PAD).max(10) as u32;
    let mut row = 0;
    for e in shown {
        let y = top + LEGEND_PAD + row * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        draw_swatch(panel, e.swatch, LEGEND_PAD, LEGEND_PAD + SWATCH_W, y)?;
        // Continuation lines line up under the first, beside no swatch.
        for line in e.label.lines() {
            let y = top + LEGEND_PAD + row * LEGEND_ROW_H + LEGEND_ROW_H / 2;
            let label = fit_text(panel, line, label_style, text_max)?;
            panel.draw(&Text::new(
                label,
                (SWATCH_W + 2 * LEGEND_PAD, y),
                label_style.clone(),
            ))?;
            row += 1;
        }
    }
    if hidden > 0 {
        let y = top + LEGEND_PAD + row * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        let more = format!("… {hidden} more not shown");
        panel.draw(&Text::new(
            more,
            (LEGEND_PAD, y),
            text_style(LABEL_SIZE, MUTED, Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

fn legend_rows(e: &LegendEntry) -> usize {
    e.label.lines().count().max(1)
}

/// The entries that fit `max_rows` rows and how many are left out. Too many
/// entries for the panel: show what fits and say how many are missing
/// (on a row of its own) rather than drawing past the caption.
fn legend_fit(legend: &[LegendEntry], max_rows: usize) -> (&[LegendEntry], usize) {
    if legend.iter().map(legend_rows).sum::<usize>() <= max_rows {
        return (legend, 0);
    }
    let mut used = 0;
    let mut n = 0;
    for e in legend {
        if used + legend_rows(e) > max_rows.saturating_sub(1) {
            break;
        }
        used += legend_rows(e);
        n += 1;
    }
    (&legend[..n], legend.len() - n)
}

fn draw_swatch<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x0: i32,
    x1: i32,
    y: i32,
) -> Result<(), PlotError> {
    match swatch {
        Swatch::Line(c) => {
            panel.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(3)))?;
        }
        Swatch::Dashed(c) => {
            panel.draw(&DashedPathElement::new(
                vec![(x0, y), (x1, y)],
                6,
                4,
                c.stroke_width(2),
            ))?;
        }
        Swatch::Fill(c) => {
            panel.draw(&Rectangle::new(
                [(x0, y - 8), (x1, y + 8)],
                c.mix(FILL_ALPHA * 1.5).filled(),
            ))?;
            panel.draw(&Rectangle::new(
                [(x0, y - 8), (x1, y + 8)],
                c.stroke_width(1),
            ))?;
        }
        Swatch::LineOnBand(c) => {
            panel.draw(&Rectangle::new(
                [(x0, y - 7), (x1, y + 7)],
                c.mix(FILL_ALPHA).filled(),
            ))?;
            panel.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(3)))?;
        }
        Swatch::Stroked(c, stroke) => {
            for run in dash_runs(&[(x0, y), (x1, y)], stroke.dash) {
                panel.draw(&PathElement::new(run, c.stroke_width(3)))?;
            }
            draw_marker(panel, stroke.marker, ((x0 + x1) / 2, y), c)?;
        }
    }
    Ok(())
}

/// Draws one marker centred on a pixel position, with a white halo so it
/// stands out from the line under it and from other curves.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    marker: Marker,
    (x, y): (i32, i32),
    color: RGBColor,
) -> Result<(), PlotError> {
    const R: i32 = 5;
    area.draw(&Circle::new((x, y), R + 2, WHITE.filled()))?;
    match marker {
        Marker::Circle => area.draw(&Circle::new((x, y), R, color.filled()))?,
        Marker::Triangle => area.draw(&TriangleMarker::new((x, y), R + 1, color.filled()))?,
        Marker::Square => area.draw(&Rectangle::new(
            [(x - R + 1, y - R + 1), (x + R - 1, y + R - 1)],
            color.filled(),
        ))?,
        Marker::Cross => area.draw(&Cross::new((x, y), R, color.stroke_width(2)))?,
        Marker::Diamond => area.draw(&plotters::element::Polygon::new(
            vec![(x, y - R - 1), (x + R, y), (x, y + R + 1), (x - R, y)],
            color.filled(),
        ))?,
    }
    Ok(())
}

/// Splits a pixel polyline into the "on" runs of a dash pattern, measured
/// along the line so the rhythm continues round corners. An empty pattern
/// keeps the line whole.
pub(crate) fn dash_runs(px: &[(i32, i32)], pattern: &[i32]) -> Vec<Vec<(i32, i32)>> {
    let total: i32 = pattern.iter().sum();
    if pattern.is_empty() || total <= 0 || px.len() < 2 {
        return vec![px.to_vec()];
    }
    let mut runs: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut current: Vec<(i32, i32)> = Vec::new();
    let (mut index, mut left) = (0, f64::from(pattern[0]));
    let on = |i: usize| i.is_multiple_of(2);
    for w in px.windows(2) {
        let (a, b) = (
            (f64::from(w[0].0), f64::from(w[0].1)),
            (f64::from(w[1].0), f64::from(w[1].1)),
        );
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let at = |d: f64| {
            let f = if len > 0.0 { d / len } else { 0.0 };
            (
                (a.0 + f * (b.0 - a.0)).round() as i32,
                (a.1 + f * (b.1 - a.1)).round() as i32,
            )
        };
        let mut done = 0.0;
        if on(index) && current.is_empty() {
            current.push(w[0]);
        }
        while len - done > left {
            done += left;
            if on(index) {
                current.push(at(done));
                runs.push(std::mem::take(&mut current));
            } else {
                current.push(at(done));
            }
            index = (index + 1) % pattern.len();
            left = f64::from(pattern[index]);
        }
        left -= len - done;
        if on(index) {
            current.push(w[1]);
        }
    }
    if current.len() > 1 {
        runs.push(current);
    }
    runs.retain(|r| r.len() > 1);
    runs
}

/// Pixel positions every `spacing` pixels along a polyline, the first at
/// `offset`: series get different offsets so markers of coinciding curves
/// alternate instead of covering each other.
pub(crate) fn marker_positions(px: &[(i32, i32)], spacing: f64, offset: f64) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    let mut next = offset;
    let mut walked = 0.0;
    for w in px.windows(2) {
        let (dx, dy) = (f64::from(w[1].0 - w[0].0), f64::from(w[1].1 - w[0].1));
        let len = (dx * dx + dy * dy).sqrt();
        while next <= walked + len && len > 0.0 {
            let f = (next - walked) / len;
            out.push((
                w[0].0 + (f * dx).round() as i32,
                w[0].1 + (f * dy).round() as i32,
            ));
            next += spacing;
        }
        walked += len;
    }
    out
}

/// Builds the chart over `area` with our axes and draws grid, ticks and
/// axis descriptions.
pub(crate) fn chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    x_desc: &str,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Coords>, PlotError> {
    chart_beside(area, x, y, (x_desc, y_desc), 0)
}

/// [`chart`] with at least `min_label_w` pixels left of the plot: room for
/// names drawn in line with the plot (the lanes of the incident chart), so
/// that their time axis lines up with this one.
pub(crate) fn chart_beside<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    (x_desc, y_desc): (&str, &str),
    min_label_w: u32,
) -> Result<ChartContext<'a, DB, Coords>, PlotError> {
    let tick_style = text_style(LABEL_SIZE, INK, Pos::new(HPos::Center, VPos::Center));
    let mut widest_y = min_label_w.saturating_sub(46);
    for (v, _) in y.ticks() {
        widest_y = widest_y.max(area.estimate_text_size(&y.tick_label(*v), &tick_style)?.0);
    }
    let mut chart = ChartBuilder::on(area)
        .margin(CHART_MARGIN)
        // The last x tick label is centred on the right edge; without this
        // margin half of it is cut off.
        .margin_right(30)
        .x_label_area_size(56)
        .y_label_area_size(widest_y + 46)
        .build_cartesian_2d(x.range(), y.range())?;
    let x_fmt = |v: &f64| x.tick_label(*v);
    let y_fmt = |v: &f64| y.tick_label(*v);
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(text_style(LABEL_SIZE, INK, Pos::default()))
        .axis_desc_style(text_style(DESC_SIZE, INK, Pos::default()))
        .bold_line_style(RGBColor(215, 215, 215).stroke_width(1))
        .light_line_style(RGBColor(238, 238, 238).stroke_width(1))
        .axis_style(MUTED.stroke_width(1))
        .draw()?;
    Ok(chart)
}

/// Draws a data line `width` pixels wide (see [`Surface::RASTER`] for why
/// raster output stacks 1-px lines instead of asking for a thick stroke).
pub(crate) fn draw_line<DB: Surface>(
    root: &DrawingArea<DB, Shift>,
    plot: &DrawingArea<DB, Coords>,
    path: &[(f64, f64)],
    color: RGBColor,
    width: u32,
) -> Result<(), PlotError> {
    if !DB::RASTER {
        plot.draw(&PathElement::new(path.to_vec(), color.stroke_width(width)))?;
        return Ok(());
    }
    let mut px: Vec<(i32, i32)> = path.iter().map(|p| plot.map_coordinate(p)).collect();
    px.dedup();
    draw_pixel_line(root, &px, color, width)
}

/// Draws a data line `width` pixels wide in `stroke`'s dash pattern, with
/// its marker every [`MARKER_SPACING`] pixels starting at `marker_offset`.
pub(crate) fn draw_stroked<DB: Surface>(
    root: &DrawingArea<DB, Shift>,
    plot: &DrawingArea<DB, Coords>,
    path: &[(f64, f64)],
    color: RGBColor,
    width: u32,
    stroke: Stroke,
    marker_offset: f64,
) -> Result<(), PlotError> {
    let mut px: Vec<(i32, i32)> = path.iter().map(|p| plot.map_coordinate(p)).collect();
    px.dedup();
    for run in dash_runs(&px, stroke.dash) {
        draw_pixel_line(root, &run, color, width)?;
    }
    for at in marker_positions(&px, MARKER_SPACING, marker_offset) {
        draw_marker(root, stroke.marker, at, color)?;
    }
    Ok(())
}

/// A pixel polyline `width` wide: one stroke in SVG, stacked 1-px lines on
/// raster surfaces (see [`Surface::RASTER`]).
fn draw_pixel_line<DB: Surface>(
    root: &DrawingArea<DB, Shift>,
    px: &[(i32, i32)],
    color: RGBColor,
    width: u32,
) -> Result<(), PlotError> {
    if !DB::RASTER {
        root.draw(&PathElement::new(px.to_vec(), color.stroke_width(width)))?;
        return Ok(());
    }
    let w = width.max(1) as i32;
    let first = -(w - 1) / 2;
    for dx in first..first + w {
        for dy in first..first + w {
            let shifted: Vec<(i32, i32)> = px.iter().map(|&(x, y)| (x + dx, y + dy)).collect();
            root.draw(&PathElement::new(shifted, color.stroke_width(1)))?;
        }
    }
    Ok(())
}

/// A pixel rectangle: left, top, right, bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect(
    pub(crate) i32,
    pub(crate) i32,
    pub(crate) i32,
    pub(crate) i32,
);

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.0 <= o.2 && o.0 <= self.2 && self.1 <= o.3 && o.1 <= self.3
    }
}

/// Bounding boxes of a path's segments, grown by `pad` for the stroke. For
/// the step paths drawn here every segment is axis-aligned, so the boxes
/// are exact rather than conservative.
pub(crate) fn path_boxes<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Coords>,
    path: &[(f64, f64)],
    pad: i32,
) -> Vec<Rect> {
    path.windows(2)
        .map(|w| {
            let (a, b) = (plot.map_coordinate(&w[0]), plot.map_coordinate(&w[1]));
            Rect(
                a.0.min(b.0) - pad,
                a.1.min(b.1) - pad,
                a.0.max(b.0) + pad,
                a.1.max(b.1) + pad,
            )
        })
        .collect()
}

/// Picks where an annotation goes: the first candidate touching neither
/// `hard` obstacles (other labels: text on text is unreadable) nor `soft`
/// ones (data: covered briefly, still followable), else the first touching
/// no hard one.
pub(crate) fn place(candidates: &[Rect], hard: &[Rect], soft: &[Rect]) -> Option<Rect> {
    let clear = |c: &Rect, obstacles: &[Rect]| !obstacles.iter().any(|o| o.overlaps(c));
    candidates
        .iter()
        .find(|c| clear(c, hard) && clear(c, soft))
        .or_else(|| candidates.iter().find(|c| clear(c, hard)))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caption_keeps_a_short_digest() {
        let prov = Provenance {
            scenario: "s".into(),
            scenario_hash: "sha256:3f2a9c1be0d4477aa1c2".into(),
            seed: 7,
            runs: 12_000,
            drsim_version: "0.1.0".into(),
        };
        let (head, tail) = caption_parts(&prov);
        assert_eq!(head, "scenario: ");
        assert!(tail.contains("scenario hash 3f2a9c1be0d4   "), "{tail}");
        assert!(tail.contains("12,000 runs"), "{tail}");
        let one = Provenance { runs: 1, ..prov };
        assert!(caption_parts(&one).1.contains("   ·   1 run   ·"));
        let computed = Provenance { runs: 0, ..one };
        assert!(caption_parts(&computed)
            .1
            .contains("   ·   computed, not simulated   ·"));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(10_000), "10,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn dashes_follow_the_pattern_round_corners() {
        let line = [(0, 0), (10, 0), (10, 10)];
        assert_eq!(dash_runs(&line, &[]), vec![line.to_vec()]);
        let runs = dash_runs(&line, &[4, 2]);
        // On 0-4, off 4-6, on 6-10 then round the corner to (10, 0)+0..
        assert_eq!(runs[0], vec![(0, 0), (4, 0)]);
        assert_eq!(runs[1], vec![(6, 0), (10, 0), (10, 0)]);
        assert_eq!(runs[2], vec![(10, 2), (10, 6)]);
        assert_eq!(runs[3], vec![(10, 8), (10, 10)]);
    }

    #[test]
    fn markers_are_evenly_spaced_from_their_offset() {
        let line = [(0, 0), (100, 0), (100, 100)];
        assert_eq!(
            marker_positions(&line, 60.0, 10.0),
            vec![(10, 0), (70, 0), (100, 30), (100, 90)]
        );
    }

    #[test]
    fn neighbouring_series_never_share_a_stroke() {
        for i in 0..20 {
            let (a, b) = (series_stroke(i), series_stroke(i + 1));
            assert_ne!(a.dash, b.dash, "{i}");
            assert_ne!(a.marker, b.marker, "{i}");
        }
        // Same colour (palette of 7) never means same look.
        assert_ne!(series_stroke(0), series_stroke(7));
    }

    #[test]
    fn legend_counts_rows_of_multi_line_entries() {
        let e = |label: &str| LegendEntry {
            swatch: Swatch::Line(INK),
            label: label.into(),
        };
        let legend = [e("a"), e("b\nc"), e("d")];
        assert_eq!(legend_fit(&legend, 4).1, 0);
        let (shown, hidden) = legend_fit(&legend, 3);
        assert_eq!(
            (shown.len(), hidden),
            (1, 2),
            "a + b/c would leave no row for '… more'"
        );
    }

    #[test]
    fn placement_prefers_free_space_and_never_stacks_labels() {
        let a = Rect(0, 0, 10, 10);
        let b = Rect(20, 0, 30, 10);
        let data = [Rect(5, 5, 6, 6)];
        assert_eq!(place(&[a, b], &[], &data), Some(b));
        assert_eq!(place(&[a, b], &[b], &data), Some(a));
        assert_eq!(place(&[a, b], &[a, b], &[]), None);
    }
}
