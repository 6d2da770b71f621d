//! The diagnostics collector every section of validation reports into.

use super::super::error::{nearest, Diagnostic, Location};
use super::super::spanned::Spanned;
use std::ops::Range;

/// Collects diagnostics against one source text, or two: a scenario whose
/// failure sections were read from a shared failure description.
pub(crate) struct Checker<'a> {
    pub file: &'a str,
    pub source: &'a str,
    /// The failure description (`--failures`) whose sections replace the
    /// scenario's: diagnostics under those key paths point into it.
    pub overlay: Option<Overlay<'a>>,
    pub diagnostics: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Errors beyond `MAX_DIAGNOSTICS`, counted but not rendered.
    pub suppressed: usize,
}

/// Errors reported in full; past this a hostile file (thousands of bad
/// keys) would cost quadratic time and memory to describe, and nobody
/// reads the thousandth error anyway.
pub const MAX_DIAGNOSTICS: usize = 50;

impl<'a> Checker<'a> {
    pub fn new(file: &'a str, source: &'a str) -> Self {
        Checker {
            file,
            source,
            overlay: None,
            diagnostics: Vec::new(),
            warnings: Vec::new(),
            suppressed: 0,
        }
    }

    fn diagnostic(
        &self,
        span: Option<Range<usize>>,
        path: &str,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        if let Some(o) = self.overlay.as_ref().filter(|_| Overlay::owns(path)) {
            return Diagnostic {
                file: o.file.to_string(),
                location: span.map(|s| Location::from_span(o.source, s)),
                key_path: path.to_string(),
                message: format!("{message} (applied to the scenario {})", self.file),
                help,
            };
        }
        Diagnostic {
            file: self.file.to_string(),
            location: span.map(|s| Location::from_span(self.source, s)),
            key_path: path.to_string(),
            message,
            help,
        }
    }

    pub fn error(&mut self, span: Option<Range<usize>>, path: &str, message: impl Into<String>) {
        if self.diagnostics.len() >= MAX_DIAGNOSTICS {
            self.suppressed += 1;
            return;
        }
        let d = self.diagnostic(span, path, message.into(), None);
        self.diagnostics.push(d);
    }

    pub fn error_with_help(
        &mut self,
        span: Option<Range<usize>>,
        path: &str,
        message: impl Into<String>,
        help: String,
    ) {
        if self.diagnostics.len() >= MAX_DIAGNOSTICS {
            self.suppressed += 1;
            return;
        }
        let d = self.diagnostic(span, path, message.into(), Some(help));
        self.diagnostics.push(d);
    }

    /// The errors, with a closing note when some were suppressed.
    pub fn into_errors(mut self) -> Vec<Diagnostic> {
        if self.suppressed > 0 {
            let note = self.diagnostic(
                None,
                "",
                format!("… and {} more errors not shown", self.suppressed),
                None,
            );
            self.diagnostics.push(note);
        }
        self.diagnostics
    }

    pub fn warn(&mut self, span: Option<Range<usize>>, path: &str, message: impl Into<String>) {
        if self.warnings.len() >= MAX_DIAGNOSTICS {
            return;
        }
        let d = self.diagnostic(span, path, message.into(), None);
        self.warnings.push(d);
    }

    /// A name the user gives something (scenario, region, zone,
    /// environment): it appears in reports, file names and terminals, so it
    /// must say something and must not carry control characters (an ESC
    /// could rewrite the terminal, a NUL cut a C string).
    pub(super) fn name(&mut self, name: &Spanned<String>, path: &str, what: &str) {
        let text = name.get_ref();
        if text.trim().is_empty() {
            self.error(
                Some(name.span()),
                path,
                format!("the {what} name must not be empty"),
            );
        } else if let Some(bad) = text.chars().find(|c| c.is_control()) {
            self.error_with_help(
                Some(name.span()),
                path,
                format!(
                    "the {what} name contains the control character U+{:04X}",
                    u32::from(bad)
                ),
                "names are printed in reports and terminals: use letters, digits, spaces and punctuation".into(),
            );
        }
    }

    /// Resolves a name against the valid ones, reporting a miss with the nearest valid name.
    pub(super) fn resolve(
        &mut self,
        name: &Spanned<String>,
        valid: &[String],
        what: &str,
        path: &str,
    ) -> Option<usize> {
        if let Some(i) = valid.iter().position(|v| v == name.get_ref()) {
            return Some(i);
        }
        let msg = if valid.is_empty() {
            format!("unknown {what} `{}`: none is defined", name.get_ref())
        } else {
            format!(
                "unknown {what} `{}`: expected one of {}",
                name.get_ref(),
                quote_list(valid)
            )
        };
        match nearest(name.get_ref(), valid.iter().map(String::as_str)) {
            Some(n) => {
                self.error_with_help(Some(name.span()), path, msg, format!("did you mean `{n}`?"))
            }
            None => self.error(Some(name.span()), path, msg),
        }
        None
    }
}

/// A shared failure description standing in for a scenario's failure
/// sections (see `scenario::shared_failures`).
pub(crate) struct Overlay<'a> {
    /// The failure description's file name, for diagnostics.
    pub file: &'a str,
    /// Its text: the spans of the sections it supplies point into it.
    pub source: &'a str,
}

impl Overlay<'_> {
    /// The key paths a failure description supplies: `[failures]`,
    /// `[[incidents]]` and the seed, runs and horizon of `[simulation]`.
    pub fn owns(path: &str) -> bool {
        let within = |section: &str| {
            path == section
                || path
                    .strip_prefix(section)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        within("failures")
            || within("incidents")
            || ["simulation.seed", "simulation.runs", "simulation.horizon"].contains(&path)
    }
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
