//! serde's type errors retold in the words of a TOML file.
//!
//! serde describes a type mismatch in Rust's terms ("invalid type: map,
//! expected u64", "expected a sequence", "expected struct RawEnvironment");
//! a scenario's author knows tables, arrays, integers and strings. This
//! module rewrites the found and expected parts of such a message; any
//! other message passes through unchanged.

/// `message` with Rust vocabulary replaced by TOML's, e.g.
/// "invalid type: string \"x\", expected u64" →
/// "wrong type: expected a non-negative integer, found the string \"x\"".
pub(super) fn plain(message: &str) -> String {
    let (lead, rest) = if let Some(rest) = message.strip_prefix("invalid type: ") {
        ("wrong type", rest)
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        ("invalid value", rest)
    } else {
        return message.to_string();
    };
    // The expected part comes last and is written by a visitor, never by the
    // user, so the last separator is the real one even when a found string
    // contains ", expected ".
    match rest.rfind(", expected ") {
        Some(i) => format!(
            "{lead}: expected {}, found {}",
            expected(&rest[i + ", expected ".len()..]),
            found(&rest[..i])
        ),
        None => message.to_string(),
    }
}

/// serde's `Unexpected` as TOML calls it.
fn found(text: &str) -> String {
    let literal = |prefix: &str| {
        text.strip_prefix(prefix)
            .map(|v| v.trim_matches('`').to_string())
    };
    if let Some(v) = literal("integer ") {
        format!("the integer {v}")
    } else if let Some(v) = literal("floating point ") {
        format!("the float {v}")
    } else if let Some(v) = literal("boolean ") {
        format!("the boolean {v}")
    } else if text.starts_with("string ") {
        format!("the {text}")
    } else {
        match text {
            "sequence" => "an array".into(),
            "map" => "a table".into(),
            other => other.into(),
        }
    }
}

/// serde's "expected ..." for the primitive visitors, as TOML calls it.
fn expected(text: &str) -> String {
    if text.starts_with("struct ") || text == "a map" {
        return "a table".into();
    }
    match text {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            "a non-negative integer (0 … 18446744073709551615)".into()
        }
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer".into(),
        "f32" | "f64" => "a number".into(),
        "a sequence" => "an array".into(),
        "a boolean" => "a boolean (`true` or `false`)".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn rust_types_become_toml_words() {
        assert_eq!(
            plain("invalid type: string \"prod\", expected struct RawEnvironment"),
            "wrong type: expected a table, found the string \"prod\""
        );
        assert_eq!(
            plain("invalid type: string \"x\", expected u64"),
            "wrong type: expected a non-negative integer (0 … 18446744073709551615), found the string \"x\""
        );
        assert_eq!(
            plain("invalid type: floating point `1.5`, expected i64"),
            "wrong type: expected an integer, found the float 1.5"
        );
        assert_eq!(
            plain("invalid type: map, expected a sequence"),
            "wrong type: expected an array, found a table"
        );
        assert_eq!(
            plain("invalid value: integer `-1`, expected u64"),
            "invalid value: expected a non-negative integer (0 … 18446744073709551615), found the integer -1"
        );
        assert_eq!(
            plain("invalid type: string \"a, expected b\", expected f64"),
            "wrong type: expected a number, found the string \"a, expected b\""
        );
        assert_eq!(plain("missing field `seed`"), "missing field `seed`");
    }
}
