//! The analysis as plain text for the terminal.

use super::check::{Assumption, Check, Simulated, Status, Verdict};
use super::{Analysis, DISPLAY_CONFIDENCE, KS_ALPHA, MIN_SAMPLES, VERDICT_ALPHA};
use crate::time::format_seconds;
use std::fmt::Write as _;

/// A number with 7 significant digits (scientific outside [1e-3, 1e7)); "—" when not finite.
pub(super) fn num(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor();
    if !(-3.0..7.0).contains(&mag) {
        format!("{x:.6e}")
    } else {
        let decimals = (6.0 - mag).max(0.0) as usize;
        format!("{x:.decimals$}")
    }
}

pub(super) fn with_unit(x: &str, unit: &str) -> String {
    if unit.is_empty() || x == "—" {
        x.to_string()
    } else if unit.starts_with('/') {
        format!("{x}{unit}")
    } else {
        format!("{x} {unit}")
    }
}

pub(super) fn simulated_text(c: &Check) -> String {
    match &c.simulated {
        Simulated::NotRun => "—".into(),
        Simulated::Mean(m) => format!("{} [{}, {}]", num(m.ci.mean), num(m.ci.low), num(m.ci.high)),
        Simulated::Distribution(d) => {
            let q: Vec<String> = d
                .quantiles
                .iter()
                .map(|r| format!("p{:.0} {}", r.p * 100.0, num(r.simulated)))
                .collect();
            format!("n = {}, {}", d.n, q.join(", "))
        }
    }
}

pub(super) fn expected_text(c: &Check) -> String {
    match &c.simulated {
        Simulated::Distribution(d) => {
            let q: Vec<String> = d
                .quantiles
                .iter()
                .map(|r| format!("p{:.0} {}", r.p * 100.0, num(r.theory)))
                .collect();
            q.join(", ")
        }
        _ => num(c.theory),
    }
}

pub(super) fn deviation_text(c: &Check) -> String {
    match (&c.simulated, &c.verdict) {
        (_, Verdict::NotApplicable(_)) | (Simulated::NotRun, _) => "—".into(),
        (Simulated::Distribution(d), _) => {
            format!("KS D = {:.4}, p = {:.3}", d.ks.statistic, d.ks.p_value)
        }
        (Simulated::Mean(m), _) => match c.z_score() {
            // The allowance is worth showing when it is not small against the noise.
            Some(z) if c.allowance >= 0.5 * m.std_error => {
                format!("z = {z:+.2}, allowance {:.3e}", c.allowance)
            }
            Some(z) => format!("z = {z:+.2}"),
            None => format!("Δ = {}", num(m.ci.mean - c.theory)),
        },
    }
}

fn status_line(a: &Assumption) -> String {
    match &a.status {
        Status::Holds => format!("[holds]   {}", a.text),
        Status::InVariant(s) => format!("[variant] {}: {s}", a.text),
        Status::Approximate(s) => format!("[approx]  {}: {s}", a.text),
        Status::Fails(s) => format!("[FAILS]   {}: {s}", a.text),
    }
}

/// The verdict rule, in words (printed by both renderers).
pub fn verdict_rule() -> String {
    format!(
        "A mean check agrees when |simulated − theory| ≤ t(1 − α/2, n − 1)·SE + allowance, α = {VERDICT_ALPHA:e} (false alarm ~{VERDICT_ALPHA:e} per check; n = independent replications, SE from a t-interval over them, or from the ratio estimator Σy/Σx over them for per-event means); the printed interval is the {:.0}% t-interval. A random mean beyond t·SE but within t·SE + allowance agrees only through its stated allowance and reads \"differs by design\", with the allowance's reason and the figures; it is not a failure. A distribution check agrees when the one-sample Kolmogorov–Smirnov p-value exceeds {KS_ALPHA}. Checks need at least {MIN_SAMPLES} events.",
        DISPLAY_CONFIDENCE * 100.0
    )
}

impl Analysis {
    /// Plain-text report for the terminal: a summary table, then each check's formula, source,
    /// assumptions and allowance.
    pub fn render_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "drsim analyze · {} · hash {} · seed {} · {} runs × {}{}",
            self.scenario,
            &self.scenario_hash[..self.scenario_hash.len().min(8)],
            self.seed,
            self.runs,
            format_seconds(self.horizon_s),
            if self.partial {
                " · PARTIAL (stopped)"
            } else {
                ""
            }
        );
        let _ = writeln!(s);
        let rows: Vec<[String; 5]> = self
            .checks
            .iter()
            .map(|c| {
                [
                    c.name.to_string(),
                    with_unit(&expected_text(c), c.unit),
                    with_unit(&simulated_text(c), c.unit),
                    deviation_text(c),
                    c.verdict.label().to_string(),
                ]
            })
            .collect();
        let header = [
            "check",
            "theory",
            "simulated (95% CI)",
            "deviation",
            "verdict",
        ];
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                let pad = w - cell.chars().count();
                out.push_str(cell);
                if i + 1 < cells.len() {
                    out.push_str(&" ".repeat(pad + 2));
                }
            }
            out
        };
        let _ = writeln!(
            s,
            "{}",
            line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        );
        for r in &rows {
            let _ = writeln!(s, "{}", line(r));
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "verdict rule: {}", verdict_rule());
        for c in &self.checks {
            let _ = writeln!(s);
            let _ = writeln!(s, "{} — {}", c.name, c.title);
            let _ = writeln!(s, "  formula     {}", c.formula);
            let _ = writeln!(s, "  source      {}", c.source);
            let _ = writeln!(s, "  simulated   {}", c.simulation);
            if !c.allowance_note.is_empty() {
                let _ = writeln!(s, "  allowance   {}", c.allowance_note);
            }
            let _ = writeln!(s, "  assumptions");
            for a in &c.assumptions {
                let _ = writeln!(s, "    {}", status_line(a));
            }
            let _ = writeln!(s, "  verdict     {}", c.verdict.explained());
        }
        s
    }
}
