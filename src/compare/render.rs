//! The comparison as text: notes, an aligned table of the rows, totals.

use super::comparison::{Comparison, Row, Status, ValueKind};
use super::numbers::fmt_sig;

impl Comparison {
    /// One line of totals, e.g. `37 metrics compared: 35 identical, 1 within
    /// tolerance, 1 beyond tolerance`, followed by the ignored, added and
    /// removed counts when there are any.
    pub fn summary_line(&self) -> String {
        let n = self.rows.len();
        let mut line = format!(
            "{n} metric{} compared: {} identical, {} within tolerance, {} beyond tolerance",
            if n == 1 { "" } else { "s" },
            self.count(Status::Same),
            self.count(Status::Within),
            self.count(Status::Beyond),
        );
        let ignored = self.count(Status::Ignored);
        if ignored > 0 {
            line.push_str(&format!(", {ignored} changed but ignored"));
        }
        let added = self.count(Status::Added);
        if added > 0 {
            line.push_str(&format!(", {added} added"));
        }
        let removed = self.count(Status::Removed);
        if removed > 0 {
            let failing = self
                .rows
                .iter()
                .filter(|r| r.status == Status::Removed && r.regression)
                .count();
            line.push_str(&format!(", {removed} removed"));
            if failing > 0 {
                line.push_str(&format!(" ({failing} missing from the current summary)"));
            }
        }
        line
    }

    /// The notes (`note: ...`), an aligned table (path, baseline, current,
    /// change, tolerance, status) of the rows that differ — of every row
    /// with `show_all` — and the [`summary_line`](Self::summary_line).
    pub fn render(&self, show_all: bool) -> String {
        let mut out = String::new();
        for note in &self.notes {
            out.push_str("note: ");
            out.push_str(note);
            out.push('\n');
        }
        let shown: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| show_all || r.status != Status::Same)
            .collect();
        if !shown.is_empty() {
            let mut table: Vec<[String; 6]> = vec![[
                "metric".into(),
                "baseline".into(),
                "current".into(),
                "change".into(),
                "tolerance".into(),
                "status".into(),
            ]];
            table.extend(shown.iter().map(|r| row_cells(r)));
            let mut widths = [0usize; 6];
            for cells in &table {
                for (w, c) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(c.chars().count());
                }
            }
            // Numbers right-aligned, text left-aligned.
            let right = [false, true, true, true, false, false];
            for cells in &table {
                let mut line = String::new();
                for (i, c) in cells.iter().enumerate() {
                    if i > 0 {
                        line.push_str("  ");
                    }
                    let pad = " ".repeat(widths[i] - c.chars().count());
                    if right[i] {
                        line.push_str(&pad);
                        line.push_str(c);
                    } else {
                        line.push_str(c);
                        line.push_str(&pad);
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out.push_str(&self.summary_line());
        out.push('\n');
        out
    }
}

fn row_cells(r: &Row) -> [String; 6] {
    let absent = || "—".to_string();
    let (base, cur) = match (r.kind, r.baseline, r.current) {
        (ValueKind::Number, Some(b), Some(c)) => fmt_pair(b, c),
        (kind, b, c) => (fmt_value(kind, b), fmt_value(kind, c)),
    };
    let base = if r.status == Status::Added {
        absent()
    } else {
        base
    };
    let cur = if r.status == Status::Removed {
        absent()
    } else {
        cur
    };
    let change = match (r.kind, r.change_abs) {
        _ if r.status == Status::Same => String::new(),
        (ValueKind::Boolean, _) if r.baseline.is_some() && r.current.is_some() => "flipped".into(),
        (ValueKind::Number, Some(d)) => {
            let mut s = fmt_sig(d, 4);
            if d > 0.0 {
                s.insert(0, '+');
            }
            if let Some(rel) = r.change_rel {
                s.push_str(&format!(" ({})", fmt_change_percent(rel)));
            }
            s
        }
        _ => absent(),
    };
    let status = match r.status {
        Status::Removed if r.regression => "REMOVED".to_string(),
        s => s.to_string(),
    };
    [
        r.path.clone(),
        base,
        cur,
        change,
        r.tolerance.clone(),
        status,
    ]
}

fn fmt_value(kind: ValueKind, v: Option<f64>) -> String {
    match (kind, v) {
        (_, None) => "null".into(),
        (ValueKind::Boolean, Some(x)) => (x != 0.0).to_string(),
        (ValueKind::Number, Some(x)) => fmt_sig(x, 6),
    }
}

/// Both values with 6 significant digits, or as many more as it takes to
/// tell them apart.
pub(super) fn fmt_pair(b: f64, c: f64) -> (String, String) {
    if b != c {
        for digits in 6..=17 {
            let pair = (fmt_sig(b, digits), fmt_sig(c, digits));
            if pair.0 != pair.1 {
                return pair;
            }
        }
        return (b.to_string(), c.to_string());
    }
    (fmt_sig(b, 6), fmt_sig(c, 6))
}

/// A relative change: two decimals, or two significant digits when that
/// would show `-0.00%` (`-0.0011%`).
pub(super) fn fmt_change_percent(rel: f64) -> String {
    let pct = rel * 100.0;
    let digits = if pct.abs() >= 0.01 || pct == 0.0 {
        format!("{pct:.2}")
    } else {
        fmt_sig(pct, 2)
    };
    if pct > 0.0 {
        format!("+{digits}%")
    } else {
        format!("{digits}%")
    }
}
