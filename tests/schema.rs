//! The JSON Schema of scenario files (`drsim schema`, checked in at
//! `schema/drsim-scenario.schema.json`): current, named on the first line
//! of every scenario, satisfied by every scenario drsim accepts, and never
//! more permissive than drsim on the hostile corpus.

use drsim::scenario::{
    failures_schema_json, load_file, read_failure_file, schema_json, ScenarioError,
    FAILURES_SCHEMA_PATH, SCHEMA_PATH,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Corpus files whose first bytes are what they test (a byte-order mark,
/// zero bytes, CR-only line endings, bytes that are not UTF-8): a
/// `#:schema` line in front would change what they are.
const NO_SCHEMA_LINE: &[&str] = &[
    "tests/corpus/bare-cr.toml",
    "tests/corpus/bom-error.toml",
    "tests/corpus/bom-first-line-error.toml",
    "tests/corpus/bom.toml",
    "tests/corpus/empty.toml",
    "tests/corpus/invalid-utf8.toml",
    "tests/corpus/utf16le-bom.toml",
];

/// Every `.toml` under `scenarios/` and `tests/`, sorted, relative to the root.
fn scenario_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable directory") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path.strip_prefix(root()).unwrap().to_path_buf());
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("scenarios"), &mut files);
    walk(&root().join("tests"), &mut files);
    files.sort();
    files
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&schema_json()).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid draft-07 schema")
}

/// The file as the JSON value the schema describes, if it is UTF-8 TOML.
fn as_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(root().join(path)).ok()?;
    let table: toml::Table = text.parse().ok()?;
    Some(serde_json::to_value(table).expect("TOML values are JSON values"))
}

#[test]
fn checked_in_schema_is_current() {
    let checked_in = std::fs::read_to_string(root().join(SCHEMA_PATH)).unwrap_or_default();
    assert!(
        checked_in == schema_json(),
        "{SCHEMA_PATH} is stale (the scenario types changed); regenerate it with\n    \
         cargo run --release -- schema > {SCHEMA_PATH}\nand commit it"
    );
}

#[test]
fn checked_in_failures_schema_is_current() {
    let checked_in = std::fs::read_to_string(root().join(FAILURES_SCHEMA_PATH)).unwrap_or_default();
    assert!(
        checked_in == failures_schema_json(),
        "{FAILURES_SCHEMA_PATH} is stale; regenerate it with\n    \
         cargo run --release -- schema --failures > {FAILURES_SCHEMA_PATH}\nand commit it"
    );
}

/// Failure descriptions (`run --failures`) among the `.toml` files: those
/// whose first line names the failures schema. Each is accepted by drsim
/// and satisfies that schema.
#[test]
fn failure_descriptions_name_their_schema_and_satisfy_it() {
    let schema: Value = serde_json::from_str(&failures_schema_json()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut checked = 0;
    for file in scenario_files() {
        if schema_named(&file) != root().join(FAILURES_SCHEMA_PATH).canonicalize().ok() {
            continue;
        }
        read_failure_file(&root().join(&file))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let value = as_json(&file).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            file.display(),
            errors.join("\n")
        );
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} failure descriptions found");
    // A scenario is not a failure description, nor the reverse.
    assert!(!validator.is_valid(&as_json(Path::new("scenarios/dynamics365-no-dr.toml")).unwrap()));
}

/// The schema a file's first line (`#:schema PATH`) leads to, canonical.
fn schema_named(file: &Path) -> Option<PathBuf> {
    let bytes = std::fs::read(root().join(file)).ok()?;
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    let relative = first.trim_end_matches('\r').strip_prefix("#:schema ")?;
    root()
        .join(file)
        .parent()?
        .join(relative)
        .canonicalize()
        .ok()
}

#[test]
fn every_scenario_names_the_schema_on_its_first_line() {
    let files = scenario_files();
    assert!(
        files.len() > 90,
        "only {} scenario files found",
        files.len()
    );
    for file in files {
        let name = file.to_string_lossy().replace('\\', "/");
        if NO_SCHEMA_LINE.contains(&name.as_str()) {
            continue;
        }
        let bytes = std::fs::read(root().join(&file)).unwrap();
        let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        let first = String::from_utf8_lossy(first);
        let relative = first
            .trim_end_matches('\r')
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{name}: first line {first:?} is not `#:schema PATH`"));
        let target = root().join(&file).parent().unwrap().join(relative);
        if target.canonicalize().ok() == root().join(FAILURES_SCHEMA_PATH).canonicalize().ok() {
            continue; // a failure description: see the test above
        }
        assert_eq!(
            target.canonicalize().ok(),
            root().join(SCHEMA_PATH).canonicalize().ok(),
            "{name}: `#:schema {relative}` does not lead to {SCHEMA_PATH}"
        );
    }
}

#[test]
fn every_scenario_drsim_accepts_satisfies_the_schema() {
    let validator = validator();
    let mut accepted = 0;
    for file in scenario_files() {
        if load_file(&root().join(&file)).is_err() {
            continue;
        }
        let value = as_json(&file).expect("an accepted file is UTF-8 TOML");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: accepted by drsim, refused by the schema:\n{}",
            file.display(),
            errors.join("\n")
        );
        accepted += 1;
    }
    assert!(accepted > 30, "only {accepted} accepted scenarios checked");
}

/// The schema is a guide for editors; drsim is the judge. A file the schema
/// refuses must never run: drsim refuses it too, with its usual diagnostic
/// (file, line and column, key path).
#[test]
fn what_the_schema_refuses_drsim_refuses() {
    let validator = validator();
    let mut refused = Vec::new();
    for file in scenario_files() {
        let Some(value) = as_json(&file) else {
            continue;
        };
        if validator.is_valid(&value) {
            continue;
        }
        match load_file(&root().join(&file)) {
            Ok(_) => panic!(
                "{}: refused by the schema, accepted by drsim",
                file.display()
            ),
            Err(ScenarioError::Invalid(diags)) => assert!(!diags.is_empty()),
            Err(e) => panic!("{}: {e}", file.display()),
        }
        refused.push(file.file_name().unwrap().to_string_lossy().into_owned());
    }
    // The cases of issue 14 among them, with drsim's diagnostic.
    for (name, needle) in [
        (
            "positional-table.toml",
            "5:14: expected a table of `key = value` entries, found an array",
        ),
        (
            "prices-not-finite.toml",
            "key: capacity.price_per_gb_month.database",
        ),
        ("table-as-string.toml", "4:15: wrong type: expected a table"),
    ] {
        assert!(
            refused.iter().any(|r| r == name),
            "the schema accepts {name}"
        );
        let Err(e) = load_file(&root().join("tests/corpus").join(name)) else {
            unreachable!("checked above")
        };
        let shown = e.to_string();
        assert!(shown.contains(needle), "{name}: {needle:?} not in\n{shown}");
    }
}

#[test]
fn every_key_is_documented_with_its_default() {
    let schema: Value = serde_json::from_str(&schema_json()).unwrap();
    let mut tables = vec![("(top level)".to_string(), &schema)];
    for (name, def) in schema["definitions"].as_object().unwrap() {
        tables.push((name.clone(), def));
    }
    let mut keys = 0;
    for (table, def) in tables {
        let Some(properties) = def.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let required: Vec<&str> = def["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (key, property) in properties {
            let description = property["description"].as_str().unwrap_or_default();
            let says = if required.contains(&key.as_str()) {
                "Required"
            } else {
                "Default"
            };
            assert!(
                description.contains(says),
                "{table}.{key}: the description {description:?} does not say {says:?}"
            );
            keys += 1;
        }
    }
    assert!(keys > 90, "only {keys} keys documented");
}
