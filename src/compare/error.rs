//! Why no comparison could be made (exit status 2).

use std::fmt;
use std::path::PathBuf;

/// An identity field that differs between the two summaries.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityDifference {
    pub field: String,
    /// The JSON text of the baseline value, or `absent`.
    pub baseline: String,
    pub current: String,
}

impl fmt::Display for IdentityDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} vs {}", self.field, self.baseline, self.current)
    }
}

pub(super) fn join_differences(d: &[IdentityDifference]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why no comparison could be made (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("cannot read {}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    InvalidJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file} is not a drsim summary: {reason}")]
    NotASummary { file: String, reason: String },
    #[error(
        "the summaries come from different experiments ({}): their differences \
         mix sampling noise with behaviour, so this is no regression check \
         (--allow-different compares them anyway)",
        join_differences(.differences)
    )]
    DifferentExperiments {
        differences: Vec<IdentityDifference>,
    },
    #[error(
        "invalid tolerance rule `{rule}`: {reason} (expected PATTERN=TOLERANCE with TOLERANCE \
         one of rel:X, abs:X, rel:X,abs:Y, exact, ignore; e.g. `classes.*.rto_s.p99=rel:0.10`)"
    )]
    BadToleranceRule { rule: String, reason: String },
}
