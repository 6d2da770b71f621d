//! Scenario diagnostics: every problem names the file, line and column, the
//! key path, what was expected, and for a misspelt key the nearest valid one.

use crate::quote::{escape_controls, picture_controls, shorten, shorten_quoted, MAX_QUOTED_CHARS};
use std::fmt;
use std::ops::Range;

/// Where in a scenario file a diagnostic points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    /// The text of the offending line, for the caret display.
    pub line_text: String,
    /// Width of the caret underline in characters (at least 1).
    pub width: usize,
}

impl Location {
    /// Turns a byte span into a 1-based line and column.
    pub fn from_span(source: &str, span: Range<usize>) -> Location {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        // A byte-order mark is not a column an editor shows.
        let text_start = if line_start == 0 && source.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8().min(start)
        } else {
            line_start
        };
        let column = source[text_start..start].chars().count() + 1;
        let end = floor_char_boundary(source, span.end.clamp(start, line_end));
        let width = source[start..end].chars().count().max(1);
        Location {
            line,
            column,
            line_text: source[text_start..line_end]
                .trim_end_matches('\r')
                .to_string(),
            width,
        }
    }

    /// The part of the line shown under the message and the caret's offset
    /// in it: at most `MAX_SHOWN_CHARS`, from a little before the column, so
    /// an error deep in a minified one-line file prints a readable excerpt.
    fn excerpt(&self) -> (String, usize, usize) {
        let before = self.column - 1;
        let skip = before.saturating_sub(CONTEXT_CHARS);
        let shown: String = self
            .line_text
            .chars()
            .skip(skip)
            .take(MAX_SHOWN_CHARS)
            .collect();
        let offset = before - skip;
        let width = self
            .width
            .min(MAX_SHOWN_CHARS.saturating_sub(offset))
            .max(1);
        if skip > 0 {
            (format!("…{shown}"), offset + 1, width)
        } else {
            (shown, offset, width)
        }
    }
}

/// Characters of context shown before the error's column on a long line.
const CONTEXT_CHARS: usize = 60;
/// Characters of a source line shown at most.
const MAX_SHOWN_CHARS: usize = 160;

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem found in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub file: String,
    /// `None` only when the problem concerns the file as a whole.
    pub location: Option<Location>,
    /// Dotted key path, e.g. `replication.quorum` or `incidents[0].zone`.
    pub key_path: String,
    pub message: String,
    /// "did you mean ...?" or another hint.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// Rendered like a compiler diagnostic so editors and terminals can jump
    /// to `file:line:column`. User text is shown as [`crate::quote`] says:
    /// quoted names and keys cut to 80 characters, control characters
    /// escaped (in the source line, replaced by their one-column pictures
    /// so the caret still points at the right column).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = escape_controls(&self.file);
        let message = shown(&self.message);
        match &self.location {
            Some(loc) => writeln!(f, "{file}:{}:{}: {message}", loc.line, loc.column)?,
            None => writeln!(f, "{file}: {message}")?,
        }
        if !self.key_path.is_empty() {
            writeln!(f, "  key: {}", shown_key_path(&self.key_path))?;
        }
        if let Some(loc) = &self.location {
            let gutter = loc.line.to_string().len();
            let (text, offset, width) = loc.excerpt();
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{} | {}", loc.line, picture_controls(&text))?;
            writeln!(
                f,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(offset),
                "^".repeat(width)
            )?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  help: {}", shown(help))?;
        }
        Ok(())
    }
}

/// A message as shown: quoted spans cut, control characters escaped.
fn shown(message: &str) -> String {
    escape_controls(&shorten_quoted(message)).into_owned()
}

/// A key path as shown: each dotted segment (a key, which may be any
/// string a user typed) cut like a quoted name, control characters escaped.
fn shown_key_path(path: &str) -> String {
    let segments: Vec<_> = path
        .split('.')
        .map(|segment| shorten(segment, MAX_QUOTED_CHARS))
        .collect();
    escape_controls(&segments.join(".")).into_owned()
}

/// Why a scenario could not be loaded. The run cannot continue with it.
#[derive(Debug)]
pub enum ScenarioError {
    /// The file could not be read.
    Io {
        file: String,
        source: std::io::Error,
    },
    /// One or more problems in the text; all are reported, not just the first.
    Invalid(Vec<Diagnostic>),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Io { file, source } => write!(f, "cannot read {file}: {source}"),
            ScenarioError::Invalid(diags) => {
                for (i, d) in diags.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "error: {d}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Levenshtein distance; small inputs only (key names).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a typo
/// (edit distance at most about a third of the word's length) or the word is
/// an abbreviation of it (`expo` for `exponential`).
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = word.chars().count().div_ceil(3);
    let candidates: Vec<&str> = candidates.into_iter().collect();
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
        .or_else(|| {
            let mut prefixed = candidates
                .iter()
                .filter(|c| word.len() >= 3 && c.starts_with(word));
            match (prefixed.next(), prefixed.next()) {
                (Some(only), None) => Some(*only),
                _ => None,
            }
        })
}

/// Pulls the offending name and the valid names out of serde's messages
/// ``unknown field `x`, expected one of `a`, `b` `` (also `unknown variant`),
/// to suggest the nearest valid one.
pub fn suggestion_for_serde_message(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field ")
        .or_else(|| message.strip_prefix("unknown variant "))?;
    let mut quoted = rest.split('`').skip(1).step_by(2);
    let wrong = quoted.next()?;
    let valid: Vec<&str> = quoted.collect();
    nearest(wrong, valid.iter().copied()).map(|n| format!("did you mean `{n}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_one_based_with_caret_width() {
        let src = "a = 1\nquorom = 2\n";
        let loc = Location::from_span(src, 6..12);
        assert_eq!((loc.line, loc.column, loc.width), (2, 1, 6));
        assert_eq!(loc.line_text, "quorom = 2");
        let bom = "\u{feff}x = 1";
        assert_eq!(Location::from_span(bom, 3..4).column, 1);
        let long = format!("{}key", "a".repeat(10_000));
        let loc = Location::from_span(&long, 10_000..10_003);
        assert_eq!(loc.column, 10_001);
        let (text, offset, width) = loc.excerpt();
        assert!(text.chars().count() <= MAX_SHOWN_CHARS + 1);
        assert_eq!(text.chars().nth(offset), Some('k'));
        assert_eq!(width, 3);
    }

    #[test]
    fn user_text_is_cut_and_escaped_when_shown() {
        let big = "y".repeat(500_000);
        let source = format!("region = \"{big}\"\nname = \"a\u{1b}[2J\"\n");
        let d = Diagnostic {
            file: "s.toml".into(),
            location: Some(Location::from_span(&source, 9..source.len())),
            key_path: format!("environment.{big}"),
            message: format!("unknown region `{big}`: expected one of `r1`"),
            help: Some("did you mean `a\u{1b}[2J`?".into()),
        };
        let text = d.to_string();
        assert!(text.len() < 1_500, "{} bytes:\n{text}", text.len());
        assert!(text.contains(&format!("`{}…`: expected one of `r1`", "y".repeat(79))));
        assert!(text.contains(&format!("key: environment.{}…\n", "y".repeat(79))));
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains("did you mean `a\\u{1b}[2J`?"), "{text}");
    }

    #[test]
    fn suggests_nearest_key() {
        assert_eq!(
            suggestion_for_serde_message(
                "unknown field `quorom`, expected one of `quorum`, `zone_rtt`"
            ),
            Some("did you mean `quorum`?".into())
        );
        assert_eq!(
            suggestion_for_serde_message("unknown field `xyz`, expected `quorum`"),
            None
        );
        assert_eq!(
            nearest("westeurop", ["westeurope", "northeurope"]),
            Some("westeurope")
        );
    }
}
