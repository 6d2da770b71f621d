//! The analysis as Markdown (`--markdown`, VALIDATION.md).

use super::check::{Check, Status, Verdict};
use super::text::{deviation_text, expected_text, simulated_text, verdict_rule, with_unit};
use super::Analysis;
use crate::time::format_seconds;
use std::fmt::Write as _;

impl Analysis {
    /// Markdown report: the same content as [`Analysis::render_table`].
    pub fn render_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# drsim analyze: {}", self.scenario);
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Scenario hash `{}`, seed {}, {} replications × {}{}.",
            self.scenario_hash,
            self.seed,
            self.runs,
            format_seconds(self.horizon_s),
            if self.partial {
                " (partial: stopped)"
            } else {
                ""
            }
        );
        let _ = writeln!(s);
        let rows: Vec<(&str, &Check)> = self.checks.iter().map(|c| ("", c)).collect();
        s.push_str(&markdown_table(&rows));
        let _ = writeln!(s);
        let _ = writeln!(s, "Verdict rule: {}", verdict_rule());
        let _ = writeln!(s);
        for c in &self.checks {
            s.push_str(&markdown_details(c, None));
        }
        s
    }
}

fn md_escape(x: &str) -> String {
    x.replace('|', "\\|")
}

/// A Markdown table of checks; the first element of each row names the scenario file (omitted
/// from the table when every row's is empty).
pub fn markdown_table(rows: &[(&str, &Check)]) -> String {
    let with_file = rows.iter().any(|(f, _)| !f.is_empty());
    let mut s = String::new();
    if with_file {
        let _ = writeln!(
            s,
            "| check | formula and source | scenario | expected | simulated (95% CI) | deviation | verdict |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    } else {
        let _ = writeln!(
            s,
            "| check | formula and source | expected | simulated (95% CI) | deviation | verdict |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|");
    }
    for (file, c) in rows {
        let verdict = match &c.verdict {
            Verdict::Disagrees => "**DISAGREES**".into(),
            v => v.explained(),
        };
        let cells = [
            format!("`{}` {}", c.name, c.title),
            format!("{} — {}", c.formula, c.source),
            format!("`{file}`"),
            with_unit(&expected_text(c), c.unit),
            with_unit(&simulated_text(c), c.unit),
            deviation_text(c),
            verdict,
        ];
        let cells: Vec<String> = cells
            .iter()
            .enumerate()
            .filter(|&(i, _)| with_file || i != 2)
            .map(|(_, x)| md_escape(x))
            .collect();
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    s
}

/// A Markdown section with one check's assumptions, simulation and allowance.
pub fn markdown_details(c: &Check, file: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### `{}` — {}", c.name, c.title);
    let _ = writeln!(s);
    if let Some(f) = file {
        let _ = writeln!(s, "- scenario: `{f}`");
    }
    let _ = writeln!(s, "- formula: {}", c.formula);
    let _ = writeln!(s, "- source: {}", c.source);
    let _ = writeln!(s, "- simulated: {}", c.simulation);
    if !c.allowance_note.is_empty() {
        let _ = writeln!(s, "- allowance: {}", c.allowance_note);
    }
    let _ = writeln!(
        s,
        "- expected {} · simulated {} · {}",
        with_unit(&expected_text(c), c.unit),
        with_unit(&simulated_text(c), c.unit),
        deviation_text(c)
    );
    let _ = writeln!(s, "- assumptions:");
    for a in &c.assumptions {
        let line = match &a.status {
            Status::Holds => format!("holds — {}", a.text),
            Status::InVariant(x) => format!("holds in the variant — {}: {x}", a.text),
            Status::Approximate(x) => format!("approximately — {}: {x}", a.text),
            Status::Fails(x) => format!("**fails** — {}: {x}", a.text),
        };
        let _ = writeln!(s, "  - {line}");
    }
    let _ = writeln!(
        s,
        "- verdict: {}",
        match &c.verdict {
            Verdict::NotApplicable(r) => format!("not-applicable ({r})"),
            v => v.explained(),
        }
    );
    let _ = writeln!(s);
    s
}
