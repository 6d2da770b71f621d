//! Reading a `summary.json` and flattening it into leaves named by path:
//! nothing here knows the summary's layout.

use super::error::CompareError;
use crate::input::{read_bounded_to_string, InputKind};
use serde_json::{Number, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// A step of a leaf's path; derives the sort order (indices numerically).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Key(String),
    Index(usize),
}

pub(super) fn path_string(steps: &[Step]) -> String {
    let mut s = String::new();
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Key(k) => {
                if i > 0 {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(n) => s.push_str(&format!("[{n}]")),
        }
    }
    s
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Leaf<'a> {
    Null,
    Bool(bool),
    Number(&'a Number),
    Str(&'a str),
}

impl Leaf<'_> {
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Leaf::Null => "null",
            Leaf::Bool(_) => "boolean",
            Leaf::Number(_) => "number",
            Leaf::Str(_) => "string",
        }
    }

    pub(super) fn as_f64(&self) -> Option<f64> {
        match *self {
            Leaf::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
            Leaf::Number(n) => n.as_f64(),
            Leaf::Null | Leaf::Str(_) => None,
        }
    }
}

pub(super) type Leaves<'a> = BTreeMap<Vec<Step>, Leaf<'a>>;

pub(super) fn flatten<'a>(v: &'a Value, prefix: &mut Vec<Step>, out: &mut Leaves<'a>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                prefix.push(Step::Key(k.clone()));
                flatten(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                flatten(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Null => {
            out.insert(prefix.clone(), Leaf::Null);
        }
        Value::Bool(b) => {
            out.insert(prefix.clone(), Leaf::Bool(*b));
        }
        Value::Number(n) => {
            out.insert(prefix.clone(), Leaf::Number(n));
        }
        Value::String(s) => {
            out.insert(prefix.clone(), Leaf::Str(s));
        }
    }
}

pub(super) fn read_summary(path: &Path) -> Result<Value, CompareError> {
    let text =
        read_bounded_to_string(path, InputKind::Summary).map_err(|cause| CompareError::Io {
            path: path.to_path_buf(),
            cause,
        })?;
    serde_json::from_str(&text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        CompareError::InvalidJson {
            path: path.to_path_buf(),
            line,
            column,
            message: full.strip_suffix(&suffix).unwrap_or(&full).to_string(),
        }
    })
}
