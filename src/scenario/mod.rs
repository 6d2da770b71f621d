//! Scenario files: TOML text → raw serde structs (with spans) → a validated
//! [`Scenario`]. Loading never panics: every problem becomes a [`Diagnostic`].

mod error;
mod model;
mod raw;
mod schema;
mod shared_failures;
mod spanned;
mod table_only;
mod toml_words;
mod validate;

pub use error::{Diagnostic, Location, ScenarioError};
pub use model::*;
pub use schema::{failures_schema_json, schema_json, FAILURES_SCHEMA_PATH, SCHEMA_PATH};
pub use shared_failures::{parse_failure_file, read_failure_file, with_failures, FailureFile};
pub use validate::{
    fnv1a_hex, service_catalogue, DEFAULT_TARGET_QUANTILE, MAX_RUNS, SERVICE_CATALOGUE,
};

use error::suggestion_for_serde_message;
use std::io::ErrorKind;
use std::path::Path;
use validate::Checker;

/// The reference scenario, embedded so `drsim run` works with no file.
pub const REFERENCE_SCENARIO: &str =
    include_str!("../../scenarios/dynamics365-zone-redundant.toml");
/// The name under which the embedded reference scenario is reported.
pub const REFERENCE_SCENARIO_FILE: &str = "scenarios/dynamics365-zone-redundant.toml";

/// Largest scenario file accepted (bytes): a real one is a few kilobytes,
/// and refusing huge inputs up front bounds the parser's memory.
pub const MAX_SCENARIO_BYTES: usize = crate::input::MAX_SCENARIO_BYTES as usize;

/// A validated scenario plus the warnings found while checking it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    pub warnings: Vec<Diagnostic>,
}

/// Reads and validates a scenario file.
pub fn load_file(path: &Path) -> Result<Loaded, ScenarioError> {
    let text = read_file(path)?;
    parse_str(&text, &path.display().to_string())
}

/// The text of a scenario file, read once and bounded (see
/// [`crate::input`]): a 100 GB file, `/dev/zero` or a FIFO is refused
/// without being read. What is wrong with the file itself (too large, not a
/// regular file, not UTF-8) is a diagnostic of the file as a whole; what
/// kept it from being read (missing, unreadable, a directory) is
/// [`ScenarioError::Io`].
pub fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let file = path.display().to_string();
    crate::input::read_bounded_to_string(path, crate::input::InputKind::Scenario).map_err(
        |source| match source.kind() {
            ErrorKind::FileTooLarge | ErrorKind::InvalidInput | ErrorKind::InvalidData => {
                let is_utf8 = source.kind() == ErrorKind::InvalidData;
                ScenarioError::Invalid(vec![Diagnostic {
                    file,
                    location: None,
                    key_path: String::new(),
                    message: format!("the file {source}"),
                    help: is_utf8.then(|| "scenario files are UTF-8 TOML".into()),
                }])
            }
            _ => ScenarioError::Io { file, source },
        },
    )
}

/// Validates scenario text; `file` names it in diagnostics.
pub fn parse_str(text: &str, file: &str) -> Result<Loaded, ScenarioError> {
    let mut checker = Checker::new(file, text);
    let raw: raw::RawScenario = match parse_bounded(text, &mut checker, "scenario files") {
        Some(raw) => raw,
        None => return Err(ScenarioError::Invalid(checker.into_errors())),
    };
    match validate::validate(raw, &mut checker) {
        Some(scenario) if checker.diagnostics.is_empty() => Ok(Loaded {
            scenario,
            warnings: checker.warnings,
        }),
        _ => Err(ScenarioError::Invalid(checker.into_errors())),
    }
}

/// TOML syntax and types, with the key path of the failing value tracked by
/// `serde_path_to_error` and the span supplied by the TOML deserializer.
/// [`parse_raw`] of a file's whole text, refused (`None`, diagnosed) past
/// [`MAX_SCENARIO_BYTES`]; `kind` names the files in the message
/// ("scenario files").
fn parse_bounded<T: serde::de::DeserializeOwned>(
    text: &str,
    checker: &mut Checker,
    kind: &str,
) -> Option<T> {
    if text.len() > MAX_SCENARIO_BYTES {
        checker.error(
            None,
            "",
            format!(
                "the file is {} bytes; {kind} are limited to {MAX_SCENARIO_BYTES} bytes",
                text.len()
            ),
        );
        return None;
    }
    parse_raw(text, checker)
}

fn parse_raw<T: serde::de::DeserializeOwned>(text: &str, checker: &mut Checker) -> Option<T> {
    let de = match toml::Deserializer::parse(text) {
        Ok(de) => de,
        Err(e) => {
            checker.error(
                e.span(),
                "",
                format!("TOML syntax error: {}", e.message().trim()),
            );
            return None;
        }
    };
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(raw) => Some(raw),
        Err(e) => {
            let path = clean_path(&e.path().to_string());
            let inner = e.into_inner();
            let message = toml_words::plain(inner.message().trim());
            let span = inner.span();
            match suggestion_for_serde_message(&message) {
                Some(help) => checker.error_with_help(span, &path, message, help),
                None => checker.error(span, &path, message),
            }
            None
        }
    }
}

/// Drops the `Spanned` wrapper's private segments from a serde path.
fn clean_path(path: &str) -> String {
    let cleaned: Vec<&str> = path
        .split('.')
        .filter(|seg| !seg.starts_with("$__serde_spanned") && !seg.is_empty() && *seg != "?")
        .collect();
    let joined = cleaned.join(".");
    joined.replace(".[", "[")
}
