//! The JSON Schema of scenario files, for editors: Taplo and the Even Better
//! TOML extension read it from a file's first line (`#:schema PATH`) and
//! then complete keys, show each key's documentation and flag mistakes as
//! one types. `drsim schema` prints it; `schema/drsim-scenario.schema.json`
//! is the checked-in copy (a test fails when it is stale).
//!
//! The tables come from the derives on the raw scenario types (`raw.rs`),
//! so a new key needs only its field and doc comment there. The value types
//! written as strings with units (durations, sizes, bandwidths, rates) and
//! random durations are described here, their patterns built from the same
//! unit tables the parsers use. drsim itself never validates with the
//! schema: its own checks go further (cross-field rules, names that must
//! resolve) and give better messages.

use super::raw::{DataLossLimit, RawFailureFile, RawScenario};
use crate::dist::Dist;
use crate::time::{SimDuration, DURATION_UNITS};
use crate::units::{Bandwidth, ByteSize, Rate, BANDWIDTH_UNITS_BITS, RATE_UNITS, SIZE_UNITS};
use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;
use std::borrow::Cow;

/// Where the checked-in schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/drsim-scenario.schema.json";

/// Where the checked-in schema of failure descriptions (`--failures`) lives.
pub const FAILURES_SCHEMA_PATH: &str = "schema/drsim-failures.schema.json";

/// The schema as pretty-printed JSON with a final newline, exactly the
/// text of [`SCHEMA_PATH`].
pub fn schema_json() -> String {
    root_schema_json::<RawScenario>()
}

/// The schema of failure descriptions (`drsim schema --failures`), exactly
/// the text of [`FAILURES_SCHEMA_PATH`]: the same tables as a scenario's
/// failure sections, from the same types.
pub fn failures_schema_json() -> String {
    root_schema_json::<RawFailureFile>()
}

fn root_schema_json<T: JsonSchema>() -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut value = schema.to_value();
    without_nulls(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value always serialises");
    text.push('\n');
    text
}

/// TOML has no null, but schemars describes every optional key as "this or
/// null" and records `"default": null`, which an editor would offer to
/// insert. An optional key is simply left out, so every null goes (the real
/// default is in each key's description).
fn without_nulls(value: &mut Value) {
    let null = serde_json::json!({ "type": "null" });
    if let Value::Object(map) = value {
        if map.get("default") == Some(&Value::Null) {
            map.remove("default");
        }
        if let Some(Value::Array(types)) = map.get_mut("type") {
            types.retain(|t| t != "null");
            if let [only] = types.as_slice() {
                let only = only.clone();
                map.insert("type".into(), only);
            }
        }
        if let Some(Value::Array(choices)) = map.get_mut("anyOf") {
            choices.retain(|c| *c != null);
            if let [only] = choices.as_slice() {
                // `allOf` keeps the description next to a `$ref` (draft 7
                // ignores the siblings of a `$ref`).
                let only = only.clone();
                map.remove("anyOf");
                map.insert("allOf".into(), Value::Array(vec![only]));
            }
        }
        map.values_mut().for_each(without_nulls);
    } else if let Value::Array(items) = value {
        items.iter_mut().for_each(without_nulls);
    }
}

/// An unsigned decimal number as the unit parsers read it: digits with at
/// most one point, at least one digit.
const DECIMAL: &str = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)";

/// `a|b|c` of the units, regex metacharacters escaped.
fn alternatives<T>(units: &[(&str, T)]) -> String {
    units
        .iter()
        .map(|(u, _)| {
            u.chars()
                .flat_map(|c| {
                    let special = r"\^$.|?*+()[]{}".contains(c);
                    special.then_some('\\').into_iter().chain([c])
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("|")
}

fn unit_string(pattern: String, description: &str, examples: &[&str]) -> Schema {
    json_schema!({
        "type": "string",
        "pattern": pattern,
        "description": description,
        "examples": examples,
    })
}

impl JsonSchema for SimDuration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        unit_string(
            format!(r"^\s*{DECIMAL}\s*(?:{})\s*$", alternatives(DURATION_UNITS)),
            "A duration: a number and a unit, ns, us/µs, ms, s, m/min, h, d, w or y (365 d); decimals allowed.",
            &["250ms", "30s", "5m", "1.5h", "30d", "1y"],
        )
    }
}

impl JsonSchema for ByteSize {
    fn schema_name() -> Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        unit_string(
            format!(r"^\s*{DECIMAL}\s*(?:{})\s*$", alternatives(SIZE_UNITS)),
            "A size in bytes: a number and a unit, B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024).",
            &["4KiB", "200GB", "1.5TB"],
        )
    }
}

impl JsonSchema for Bandwidth {
    fn schema_name() -> Cow<'static, str> {
        "Bandwidth".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        unit_string(
            format!(
                r"^\s*{DECIMAL}\s*(?:(?:{})\s*/s|{})\s*$",
                alternatives(SIZE_UNITS),
                alternatives(BANDWIDTH_UNITS_BITS)
            ),
            "A bandwidth: bytes per second (\"500MB/s\") or bits per second (\"1Gbit/s\", \"1Gbps\").",
            &["500MB/s", "1Gbit/s", "100Mbps"],
        )
    }
}

impl JsonSchema for Rate {
    fn schema_name() -> Cow<'static, str> {
        "Rate".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        unit_string(
            format!(
                r"^\s*\+?{DECIMAL}(?:[eE][+-]?[0-9]+)?\s*(?:{})\s*$",
                alternatives(RATE_UNITS)
            ),
            "Events per unit of time: a number and /s, /min, /h or /d.",
            &["200/s", "30/min", "2/h", "1/d"],
        )
    }
}

impl JsonSchema for DataLossLimit {
    fn schema_name() -> Cow<'static, str> {
        "DataLossLimit".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<SimDuration>().to_value();
        json_schema!({
            "description": "A duration, or \"none\" for no limit.",
            "anyOf": [
                { "const": "none", "description": "No limit: always fail over." },
                duration,
            ],
        })
    }
}

impl JsonSchema for Dist {
    fn schema_name() -> Cow<'static, str> {
        "RandomDuration".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<SimDuration>().to_value();
        let law = |name: &str, description: &str, params: Value, required: &[&str]| {
            let mut properties = serde_json::Map::new();
            properties.insert("dist".into(), serde_json::json!({ "const": name }));
            if let Value::Object(p) = params {
                properties.extend(p);
            }
            let mut required: Vec<&str> = required.to_vec();
            required.insert(0, "dist");
            serde_json::json!({
                "type": "object",
                "description": description,
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            })
        };
        let sigma = serde_json::json!({
            "type": "number", "minimum": 0, "maximum": 10,
            "description": "Spread of the logarithm (dimensionless), 0 … 10."
        });
        let shape = serde_json::json!({
            "type": "number", "minimum": 0.05, "maximum": 100,
            "description": "Weibull shape k (dimensionless), 0.05 … 100: below 1 a heavy tail, 1 exponential."
        });
        let d = |description: &str| {
            let mut schema = duration.clone();
            if let Value::Object(m) = &mut schema {
                if m.contains_key("$ref") {
                    schema = serde_json::json!({ "allOf": [schema], "description": description });
                }
            }
            schema
        };
        json_schema!({
            "description": "A random duration: a constant duration string, or a table tagged by `dist`.",
            "oneOf": [
                duration.clone(),
                law("constant", "Always the same duration.", serde_json::json!({ "value": d("The duration.") }), &["value"]),
                law("exponential", "Exponential (memoryless) with this mean.", serde_json::json!({ "mean": d("Mean, > 0.") }), &["mean"]),
                law("lognormal", "median · exp(sigma · Z), Z standard normal.", serde_json::json!({ "median": d("Median, > 0."), "sigma": sigma }), &["median", "sigma"]),
                law("uniform", "Uniform between low and high, both included.", serde_json::json!({ "low": d("Lowest value."), "high": d("Highest value, ≥ low.") }), &["low", "high"]),
                law("weibull", "Weibull with this shape and mean.", serde_json::json!({ "shape": shape, "mean": d("Mean, > 0.") }), &["shape", "mean"]),
            ],
        })
    }
}
