//! `report.html`: the run's results as one self-contained page to attach to
//! a design review or open in a browser — no network, no script, a print
//! stylesheet.
//!
//! Every figure comes from the [`Summary`] that `summary.json` serialises,
//! so the page and the JSON cannot disagree; each figure's exact value is
//! also kept in a `data-value` attribute (Rust's shortest round-trip form)
//! beside its rounded display, which is how the tests compare them. Only
//! the scenario's description and text come from the [`Scenario`] itself.
//! Every string that a user wrote (names, description, scenario text,
//! service notes) is HTML-escaped.
//!
//! The charts are the SVG files `--plot` drew into the same folder, embedded
//! inline; a chart whose caption does not carry this run's provenance (a
//! leftover of an earlier run in the folder) is left out.

use super::atomic::write_atomic;
use crate::metrics::{ClassSummary, Interval, Quantiles, Summary};
use crate::scenario::Scenario;
use crate::time::format_seconds;
use crate::units::format_bytes;
use std::fmt::Write;
use std::io;
use std::path::{Path, PathBuf};

/// The report's file name, next to `summary.json`.
pub const REPORT_FILE: &str = "report.html";

/// The charts a report embeds, in page order: (file stem, caption).
/// Sweep charts (`sweep_*.svg`) follow, in name order.
const CHARTS: [(&str, &str); 4] = [
    ("rpo_cdf", "RPO per incident, CDF by class"),
    ("rto_cdf", "RTO per incident, CDF by class"),
    ("rto_components", "RTO by component"),
    ("timeline", "Replication 0: lag and incidents"),
];

/// A chart to embed: its caption and its SVG text.
pub struct EmbeddedChart {
    pub caption: String,
    pub svg: String,
}

/// What the page is built from besides the summary.
pub struct ReportInput<'a> {
    pub summary: &'a Summary,
    /// The scenario's free-text description.
    pub description: &'a str,
    /// The scenario text that was run.
    pub scenario_text: &'a str,
    pub charts: Vec<EmbeddedChart>,
}

/// Writes `dir/report.html` atomically, embedding the charts of this run
/// found in `dir`.
pub fn write(dir: &Path, summary: &Summary, sc: &Scenario) -> io::Result<PathBuf> {
    let page = render(&ReportInput {
        summary,
        description: &sc.description,
        scenario_text: &sc.source_text,
        charts: charts_of_run(dir, summary)?,
    });
    write_atomic(&dir.join(REPORT_FILE), page.as_bytes())
}

/// The SVG charts in `dir` whose caption names this run (same seed, run
/// count, scenario hash and version), in page order.
pub fn charts_of_run(dir: &Path, summary: &Summary) -> io::Result<Vec<EmbeddedChart>> {
    let caption = crate::plot::caption_tail(&crate::plot::Provenance {
        scenario: summary.scenario.clone(),
        scenario_hash: summary.scenario_hash.clone(),
        seed: summary.seed,
        runs: summary.runs,
        drsim_version: summary.drsim_version.clone(),
    });
    let mut stems: Vec<(String, String)> = CHARTS
        .iter()
        .map(|(stem, title)| (stem.to_string(), title.to_string()))
        .collect();
    let mut sweeps: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| Some(n.strip_suffix(".svg")?.to_string()))
        .filter(|n| n.starts_with("sweep_"))
        .collect();
    sweeps.sort();
    stems.extend(sweeps.into_iter().map(|s| {
        let title = format!("Sweep: {}", s.trim_start_matches("sweep_"));
        (s, title)
    }));
    let mut charts = Vec::new();
    for (stem, title) in stems {
        let path = dir.join(format!("{stem}.svg"));
        let svg = match std::fs::read_to_string(&path) {
            Ok(svg) => svg,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if svg.contains(&caption) && svg.trim_start().starts_with("<svg") {
            charts.push(EmbeddedChart {
                caption: title,
                svg: responsive(&svg),
            });
        }
    }
    Ok(charts)
}

/// plotters writes a fixed `width`/`height` and no `viewBox`; with a
/// `viewBox` the chart scales to the page (and the printed sheet).
fn responsive(svg: &str) -> String {
    let (w, h) = (crate::plot::CHART_WIDTH, crate::plot::CHART_HEIGHT);
    let fixed = format!("<svg width=\"{w}\" height=\"{h}\"");
    if svg.contains("viewBox") || !svg.starts_with(&fixed) {
        return svg.to_string();
    }
    format!(
        "<svg viewBox=\"0 0 {w} {h}\" role=\"img\"{}",
        &svg[fixed.len()..]
    )
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1b1b1b; max-width: 1200px; margin: 2em auto; padding: 0 1.5em; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #d0d7de; padding-bottom: .2em; margin-top: 1.8em; }
.meta { color: #555; }
.architecture { font-weight: 600; }
.partial { background: #fff3cd; border: 1px solid #e0b400; padding: .5em .8em; }
table { border-collapse: collapse; margin: .6em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: .25em .5em; text-align: right; vertical-align: top; }
td { white-space: nowrap; }
td.text { white-space: normal; }
#classes table { font-size: .88em; }
th { background: #f3f5f7; }
th:first-child, td:first-child, td.text { text-align: left; }
.met { color: #1a7f37; font-weight: 700; }
.missed { color: #cf222e; font-weight: 700; }
.none { color: #57606a; font-weight: 700; }
.note { color: #555; font-size: .9em; }
figure { margin: 1.2em 0; }
figure svg { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9em; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .8em; overflow-x: auto; font-size: .85em; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, figure { break-inside: avoid; }
  figure svg { border: none; }
  pre { white-space: pre-wrap; overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
";

/// The whole page.
pub fn render(input: &ReportInput) -> String {
    let s = input.summary;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"drsim {}\">\n<title>drsim report: {}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&s.drsim_version),
        escape(&s.scenario)
    );
    header(&mut out, input);
    targets(&mut out, s);
    availability(&mut out, s);
    classes(&mut out, s);
    replication(&mut out, s);
    dr(&mut out, s);
    services(&mut out, s);
    capacity(&mut out, s);
    charts(&mut out, &input.charts);
    provenance(&mut out, s);
    scenario_text(&mut out, input.scenario_text);
    out.push_str("</body>\n</html>\n");
    out
}

/// A table cell showing `display`, with the exact value for machines.
fn num(value: f64, display: &str) -> String {
    format!("<td data-value=\"{value}\">{}</td>", escape(display))
}

fn secs(value: f64) -> String {
    num(value, &format_seconds(value))
}

fn count(value: u64) -> String {
    format!("<td data-value=\"{value}\">{value}</td>")
}

fn text(value: &str) -> String {
    format!("<td class=\"text\">{}</td>", escape(value))
}

fn percent(x: f64) -> String {
    format!("{:.5}%", x * 100.0)
}

fn head_row(out: &mut String, names: &[&str]) {
    out.push_str("<thead><tr>");
    for n in names {
        let _ = write!(out, "<th>{}</th>", escape(n));
    }
    out.push_str("</tr></thead>\n");
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "<tr>{}</tr>", cells.concat());
}

/// Scenario name, description, architecture and what was run.
fn header(out: &mut String, input: &ReportInput) {
    let s = input.summary;
    let _ = writeln!(
        out,
        "<header id=\"overview\">\n<h1>{}</h1>",
        escape(&s.scenario)
    );
    if !input.description.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"description\">{}</p>",
            escape(input.description)
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"architecture\">{}</p>",
        escape(&s.architecture)
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} replications × {} simulated · seed {} · drsim {}</p>",
        s.runs,
        escape(&format_seconds(s.horizon_s)),
        s.seed,
        escape(&s.drsim_version)
    );
    if s.partial {
        let _ = writeln!(
            out,
            "<p class=\"partial\">PARTIAL: the run was interrupted after {} of {} requested replications.</p>",
            s.runs, s.requested_runs
        );
    }
    out.push_str("</header>\n");
}

/// The targets with their verdict, basis and counts.
fn targets(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"targets\">\n<h2>Targets</h2>\n");
    if s.targets.is_empty() {
        out.push_str("<p>The scenario sets no targets.</p>\n</section>\n");
        return;
    }
    let missed = s.missed_targets().count();
    let _ = writeln!(
        out,
        "<p>{} of {} targets met.</p>\n<table>",
        s.targets.len() - missed,
        s.targets.len()
    );
    head_row(
        out,
        &[
            "class",
            "metric",
            "basis",
            "target",
            "quantile",
            "observed",
            "share met",
            "judged incidents",
            "class incidents",
            "verdict",
        ],
    );
    out.push_str("<tbody>\n");
    for t in &s.targets {
        let observed = match t.observed_s {
            Some(v) => secs(v),
            None => "<td data-value=\"\">–</td>".to_string(),
        };
        let word = t.verdict();
        let class = match word {
            "MET" => "met",
            "MISSED" => "missed",
            _ => "none",
        };
        row(
            out,
            &[
                text(&t.class),
                text(&t.metric.to_uppercase()),
                text(&t.basis),
                secs(t.target_s),
                num(
                    t.quantile,
                    &format!("p{}", (t.quantile * 1000.0).round() / 10.0),
                ),
                observed,
                num(t.share_met, &format!("{:.2}%", t.share_met * 100.0)),
                count(t.incidents),
                count(t.class_incidents),
                format!("<td class=\"verdict {class}\">{word}</td>"),
            ],
        );
    }
    out.push_str("</tbody>\n</table>\n<p class=\"note\">A target is met when at least its quantile of the judged incidents (those of the class on the basis: <em>disruptive</em> or <em>all</em>) realised the metric within the target; with no judged incident it is met vacuously.</p>\n</section>\n");
}

/// How a figure is displayed (the exact value goes to `data-value`).
type Show = fn(f64) -> String;

fn interval_cells(i: &Interval, show: Show) -> [String; 3] {
    let [lo, hi] = match i.ci95 {
        Some([lo, hi]) => [num(lo, &show(lo)), num(hi, &show(hi))],
        None => ["<td>–</td>".to_string(), "<td>–</td>".to_string()],
    };
    [num(i.mean, &show(i.mean)), lo, hi]
}

/// Availability, downtime and incidents per replication, with the
/// downtime charged to each class.
fn availability(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"availability\">\n<h2>Availability and downtime</h2>\n<table>\n");
    head_row(
        out,
        &["per replication", "mean", "95% CI low", "95% CI high"],
    );
    out.push_str("<tbody>\n");
    let rows: [(&str, &Option<Interval>, Show); 5] = [
        ("availability", &s.availability, percent),
        ("downtime", &s.downtime_s, format_seconds),
        ("read-availability", &s.read_availability, percent),
        ("read-downtime", &s.read_downtime_s, format_seconds),
        ("incidents", &s.incidents_per_run, |x| format!("{x:.2}")),
    ];
    for (name, interval, show) in rows {
        let label = name.replace('-', " ");
        let mut cells = vec![format!("<td id=\"row-{name}\">{label}</td>")];
        match interval {
            Some(interval) => cells.extend(interval_cells(interval, show)),
            // A summary of 0 finished replications has no rates.
            None => cells.extend(std::iter::repeat_n("<td>–</td>".to_string(), 3)),
        }
        row(out, &cells);
    }
    out.push_str("</tbody>\n</table>\n");
    let charged: Vec<String> = s
        .classes
        .iter()
        .filter(|(_, c)| c.downtime_s_per_run > 0.0)
        .map(|(k, c)| {
            format!(
                "{} {}",
                escape(k),
                escape(&format_seconds(c.downtime_s_per_run))
            )
        })
        .collect();
    if !charged.is_empty() {
        let _ = writeln!(
            out,
            "<p>Downtime per replication charged to: {}.</p>",
            charged.join(" · ")
        );
    }
    out.push_str("</section>\n");
}

fn quantile_cells(q: &Quantiles, judged: bool) -> [String; 3] {
    if judged {
        [secs(q.p50), secs(q.p99), secs(q.max)]
    } else {
        ["<td>–</td>", "<td>–</td>", "<td>–</td>"].map(String::from)
    }
}

/// The per-class table: counts, RPO over all incidents, RTO over the
/// disruptive ones (as in the terminal report), losses and downtime.
fn classes(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"classes\">\n<h2>Incidents by class</h2>\n");
    if s.classes.is_empty() {
        out.push_str("<p>No incident in any replication.</p>\n</section>\n");
        return;
    }
    out.push_str("<table>\n");
    head_row(
        out,
        &[
            "class",
            "incidents",
            "interrupted",
            "disruptive",
            "RTO zero",
            "unresolved",
            "with loss",
            "lost writes",
            "lost bytes",
            "RPO p50",
            "RPO p99",
            "RPO max",
            "RTO* p50",
            "RTO* p99",
            "RTO* max",
            "downtime / run",
        ],
    );
    out.push_str("<tbody>\n");
    for (name, c) in &s.classes {
        row(out, &class_cells(name, c));
    }
    out.push_str("</tbody>\n</table>\n<p class=\"note\">RPO over every incident; * RTO over the disruptive incidents (those that stopped writes or began while they were stopped). <code>summary.json</code> has both bases.</p>\n</section>\n");
}

fn class_cells(name: &str, c: &ClassSummary) -> Vec<String> {
    let mut cells = vec![
        format!(
            "<td class=\"text\" data-class=\"{0}\">{0}</td>",
            escape(name)
        ),
        count(c.incidents),
        count(c.interrupted),
        count(c.disruptive),
        count(c.rto_zero),
        count(c.unresolved_at_horizon),
        count(c.with_loss),
        count(c.lost_writes),
        num(c.lost_bytes as f64, &format_bytes(c.lost_bytes as f64)),
    ];
    cells.extend(quantile_cells(&c.rpo_s, c.incidents > 0));
    cells.extend(quantile_cells(&c.disruptive_rto_s, c.disruptive > 0));
    cells.push(secs(c.downtime_s_per_run));
    cells
}

/// Commit latency, replication lag, seeding and link catch-up: one row
/// each, when the scenario has them.
fn replication(out: &mut String, s: &Summary) {
    let rows: Vec<(&str, &Quantiles)> = [
        ("commit latency", Some(&s.commit_latency_s)),
        (
            "replication lag (time-weighted)",
            s.replication_lag_s.as_ref(),
        ),
        ("initial seeding", s.seeding_s.as_ref()),
        ("link backlog drained after", s.link_catch_up_s.as_ref()),
    ]
    .into_iter()
    .filter_map(|(n, q)| Some((n, q.filter(|q| q.count > 0)?)))
    .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("<section id=\"replication\">\n<h2>Replication</h2>\n<table>\n");
    head_row(out, &["figure", "samples", "mean", "p50", "p99", "max"]);
    out.push_str("<tbody>\n");
    for (name, q) in rows {
        row(
            out,
            &[
                text(name),
                count(q.count),
                secs(q.mean),
                secs(q.p50),
                secs(q.p99),
                secs(q.max),
            ],
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(l) = &s.lag_at_horizon_s {
        let _ = writeln!(
            out,
            "<p>Lag at the end of the horizon: {} mean.</p>",
            escape(&format_seconds(l.mean))
        );
    }
    out.push_str("</section>\n");
}

/// The emergency response: decisions, loss window, resyncs, refusals and
/// the annual figures of a conditioned run.
fn dr(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"dr\">\n<h2>Disaster recovery</h2>\n");
    if s.emergency.decisions.is_empty() {
        out.push_str("<p>No region outage called for a DR decision.</p>\n");
    } else {
        out.push_str("<table id=\"decisions\">\n");
        head_row(out, &["decision on a region outage", "count"]);
        out.push_str("<tbody>\n");
        for (decision, n) in &s.emergency.decisions {
            row(out, &[text(decision), count(*n)]);
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if let Some(w) = &s.emergency.loss_window_s {
        let _ = writeln!(
            out,
            "<p>Loss window at a region failure (last sync → writes stopped): p50 {} · p99 {} · max {}.</p>",
            escape(&format_seconds(w.p50)),
            escape(&format_seconds(w.p99)),
            escape(&format_seconds(w.max))
        );
    }
    for (class, r) in s
        .classes
        .iter()
        .filter_map(|(k, c)| Some((k, c.resync_s.as_ref()?)))
    {
        let _ = writeln!(
            out,
            "<p>Resync back after {}: mean {} · p99 {} · max {}.</p>",
            escape(class),
            escape(&format_seconds(r.mean)),
            escape(&format_seconds(r.p99)),
            escape(&format_seconds(r.max))
        );
    }
    refused(out, s);
    if let Some(m) = &s.multi_writer {
        let _ = writeln!(
            out,
            "<p id=\"multi-writer\">{}</p>",
            escape(&crate::report::multi_writer_line(m))
        );
    }
    if let Some(c) = &s.conditioning {
        let _ = writeln!(
            out,
            "<p class=\"partial\">CONDITIONED: {}. At {:.3} region outages per year: {:.0} lost writes per year, {} region downtime per year.</p>",
            escape(&c.note),
            c.region_outages_per_year,
            c.lost_writes_per_year,
            escape(&format_seconds(c.region_downtime_s_per_year))
        );
    }
    out.push_str("</section>\n");
}

fn refused(out: &mut String, s: &Summary) {
    let _ = writeln!(
        out,
        "<p>Lifecycle operations refused: <span id=\"refused-total\" data-value=\"{0}\">{0}</span>.</p>",
        s.refused_operations
    );
    if s.refused.is_empty() {
        return;
    }
    out.push_str("<table id=\"refused\">\n");
    head_row(out, &["operation", "reason", "count"]);
    out.push_str("<tbody>\n");
    for (operation, reasons) in &s.refused {
        for (reason, n) in reasons {
            row(out, &[text(operation), text(reason), count(*n)]);
        }
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Each service's DR behaviour, availability and downtime per class.
fn services(out: &mut String, s: &Summary) {
    if s.services.is_empty() {
        return;
    }
    out.push_str("<section id=\"services\">\n<h2>Services</h2>\n<table>\n");
    head_row(
        out,
        &[
            "service",
            "DR behaviour",
            "availability",
            "downtime per replication",
            "note",
        ],
    );
    out.push_str("<tbody>\n");
    for svc in &s.services {
        let per_class: Vec<String> = svc
            .downtime_s_per_run
            .iter()
            .map(|(k, v)| format!("{k} {}", format_seconds(*v)))
            .collect();
        row(
            out,
            &[
                text(&svc.name),
                text(svc.behaviour.name()),
                match svc.availability {
                    Some(a) => num(a, &percent(a)),
                    None => text("–"),
                },
                text(&per_class.join(" · ")),
                text(&svc.note),
            ],
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// Storage consumed per replication, and its cost when prices are given.
fn capacity(out: &mut String, s: &Summary) {
    let c = &s.capacity;
    out.push_str("<section id=\"capacity\">\n<h2>Capacity</h2>\n");
    if c.dr_active_s.mean > 0.0 {
        let _ = writeln!(
            out,
            "<p>A secondary copy in the paired region existed for {} per replication (mean).</p>",
            escape(&format_seconds(c.dr_active_s.mean))
        );
    } else {
        out.push_str("<p>No secondary copy in the paired region.</p>\n");
    }
    if let Some(u) = s.unprotected_s.as_ref().filter(|u| u.mean > 0.0) {
        let _ = writeln!(
            out,
            "<p>DR was on without a copy receiving the writes (seeding, failed over, re-copying) for {} per replication (mean).</p>",
            escape(&format_seconds(u.mean))
        );
    }
    if !c.storage.is_empty() {
        out.push_str("<table>\n");
        head_row(
            out,
            &[
                "storage",
                "GB",
                "GB-months primary / run",
                "GB-months paired region / run",
                "cost / run",
            ],
        );
        out.push_str("<tbody>\n");
        for st in &c.storage {
            let cost = st
                .cost
                .map_or("<td>–</td>".to_string(), |x| num(x, &format!("{x:.2}")));
            row(
                out,
                &[
                    text(&st.storage_type),
                    num(st.gb, &format!("{:.1}", st.gb)),
                    num(
                        st.primary_gb_months,
                        &format!("{:.1}", st.primary_gb_months),
                    ),
                    num(
                        st.secondary_gb_months,
                        &format!("{:.1}", st.secondary_gb_months),
                    ),
                    cost,
                ],
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

/// The charts, inline; or how to get them.
fn charts(out: &mut String, charts: &[EmbeddedChart]) {
    out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    if charts.is_empty() {
        out.push_str("<p>No chart of this run in the folder: run with <code>--plot</code> (or <code>drsim plot DIR</code>, then run again) to include them.</p>\n");
    }
    for c in charts {
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            c.svg.trim_end(),
            escape(&c.caption)
        );
    }
    out.push_str("</section>\n");
}

/// What identifies the run: enough to find it again.
fn provenance(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"provenance\">\n<h2>Provenance</h2>\n<table>\n<tbody>\n");
    let mut facts: Vec<(&str, String)> = vec![
        ("drsim version", s.drsim_version.clone()),
        ("scenario", s.scenario.clone()),
        ("scenario hash", s.scenario_hash.clone()),
        ("seed", s.seed.to_string()),
        ("replications", s.runs.to_string()),
        ("requested replications", s.requested_runs.to_string()),
        ("horizon", format_seconds(s.horizon_s)),
        ("summary schema", s.schema_version.to_string()),
    ];
    if !s.overrides.is_empty() {
        facts.push(("overrides (--set)", s.overrides.join(", ")));
    }
    for (name, value) in facts {
        row(out, &[text(name), text(&value)]);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The scenario text that was run, verbatim (escaped).
fn scenario_text(out: &mut String, text: &str) {
    let _ = writeln!(
        out,
        "<section id=\"scenario\">\n<h2>Scenario</h2>\n<pre><code>{}</code></pre>\n</section>",
        escape(text)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_str, REFERENCE_SCENARIO};
    use scraper::{Html, Selector};
    use std::sync::atomic::AtomicBool;

    /// A short run of the reference scenario.
    fn summary() -> (Summary, Scenario) {
        let mut sc = parse_str(REFERENCE_SCENARIO, "t.toml").unwrap().scenario;
        sc.simulation.runs = 20;
        let stop = AtomicBool::new(false);
        let s = crate::runner::run(&sc, &Default::default(), &mut [], &stop).unwrap();
        (s, sc)
    }

    fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
        doc.select(&Selector::parse(css).unwrap()).collect()
    }

    /// Markup in every user-written string stays text: no element is
    /// injected and the text reads back exactly as written.
    #[test]
    fn hostile_strings_are_escaped() {
        let (mut s, _) = summary();
        let hostile = "<script>alert('x')</script> & \"quoted\" <b>bold</b>";
        s.scenario = hostile.to_string();
        s.architecture = hostile.to_string();
        let class = s.classes.keys().next().unwrap().clone();
        let c = s.classes.remove(&class).unwrap();
        s.classes.insert(hostile.to_string(), c);
        let page = render(&ReportInput {
            summary: &s,
            description: hostile,
            scenario_text: &format!("name = \"{hostile}\"\n</code></pre><img src=x>"),
            charts: Vec::new(),
        });
        let doc = Html::parse_document(&page);
        assert!(
            select(&doc, "script").is_empty(),
            "a script element was injected"
        );
        assert!(select(&doc, "b").is_empty());
        assert!(select(&doc, "img").is_empty());
        let text_of = |css: &str| select(&doc, css)[0].text().collect::<String>();
        assert_eq!(text_of("h1"), hostile);
        assert_eq!(text_of("title"), format!("drsim report: {hostile}"));
        assert_eq!(text_of("p.description"), hostile);
        assert_eq!(text_of("p.architecture"), hostile);
        assert!(text_of("#scenario pre").ends_with("</code></pre><img src=x>"));
        let cell = select(&doc, "td[data-class]")
            .into_iter()
            .find(|td| td.text().collect::<String>() == hostile);
        assert_eq!(cell.unwrap().value().attr("data-class"), Some(hostile));
    }

    /// Only the charts whose caption names this run are embedded, in page
    /// order, and each gets a `viewBox` so it scales.
    #[test]
    fn embeds_only_this_runs_charts() {
        let (s, _) = summary();
        let dir = std::env::temp_dir().join(format!("drsim-html-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let tail = crate::plot::caption_tail(&crate::plot::Provenance {
            scenario: s.scenario.clone(),
            scenario_hash: s.scenario_hash.clone(),
            seed: s.seed,
            runs: s.runs,
            drsim_version: s.drsim_version.clone(),
        });
        let svg = |caption: &str| {
            format!("<svg width=\"1200\" height=\"700\" xmlns=\"http://www.w3.org/2000/svg\"><text>{caption}</text></svg>\n")
        };
        std::fs::write(dir.join("rto_cdf.svg"), svg(&tail)).unwrap();
        std::fs::write(dir.join("rpo_cdf.svg"), svg(&tail)).unwrap();
        std::fs::write(dir.join("sweep_availability.svg"), svg(&tail)).unwrap();
        let stale = tail.replace(&format!("seed {}", s.seed), "seed 7");
        std::fs::write(dir.join("timeline.svg"), svg(&stale)).unwrap();
        let charts = charts_of_run(&dir, &s).unwrap();
        let captions: Vec<&str> = charts.iter().map(|c| c.caption.as_str()).collect();
        assert_eq!(
            captions,
            [
                "RPO per incident, CDF by class",
                "RTO per incident, CDF by class",
                "Sweep: availability"
            ]
        );
        assert!(charts[0]
            .svg
            .starts_with("<svg viewBox=\"0 0 1200 700\" role=\"img\" xmlns="));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
