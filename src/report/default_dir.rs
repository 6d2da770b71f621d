//! The output folder a command uses when no `--out` is given:
//! `out/<slug of the scenario name><suffix>`, never outside `out/`.
//!
//! Why: the scenario's `name` is free text. Used as a path, `"../../x"`
//! wrote outside `out/`, `".."` into the current folder and an absolute
//! name wherever it pointed. The slug keeps only letters, digits, `-`, `_`
//! and inner `.`s, so it is always one plain path component.

use std::path::PathBuf;

/// The folder every default output folder lives in.
pub const OUT_ROOT: &str = "out";

/// Characters of a slug kept at most (file systems limit a component to 255
/// bytes; a suffix such as `-shard-12-of-16` follows it).
pub const MAX_SLUG_CHARS: usize = 64;

/// The slug used when a name has nothing usable left.
const FALLBACK: &str = "scenario";

/// Names Windows reserves in every folder (case-insensitive, with or
/// without an extension).
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// `out/<slug(name)><suffix>`; `suffix` is drsim's own (`-sweep`,
/// `-trace-3`, `-shard-0-of-4`), never user text.
pub fn default_out_dir(name: &str, suffix: &str) -> PathBuf {
    PathBuf::from(OUT_ROOT).join(format!("{}{suffix}", slug(name)))
}

/// `name` as one safe path component: letters, digits and `_` are kept;
/// between them, a single `.` stays and any other run of characters becomes
/// one `-`; nothing comes before the first letter or digit or after the
/// last (no `.`, `..` or hidden folder); at most [`MAX_SLUG_CHARS`]
/// characters; a reserved device name gets a `-` suffix; nothing left gives
/// `scenario`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    // A run of separators, dashes and dots: one `.` stays a dot (`v1.2`),
    // anything else (`/`, `..`, ` - `) becomes one `-`.
    let mut run = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' {
            if !run.is_empty() && !out.is_empty() {
                out.push(if run == "." { '.' } else { '-' });
            }
            run.clear();
            out.push(c);
        } else {
            run.push(if c == '.' { '.' } else { '-' });
        }
    }
    let mut slug: String = out.chars().take(MAX_SLUG_CHARS).collect();
    slug.truncate(slug.trim_end_matches(['-', '.']).len());
    if slug.is_empty() {
        return FALLBACK.to_string();
    }
    let stem = slug.split('.').next().unwrap_or("").to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        slug.push('-');
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Component, Path};

    /// Every default folder is `out/` and one normal component.
    fn stays_in_out(dir: &Path) -> bool {
        let parts: Vec<Component> = dir.components().collect();
        parts.len() == 2
            && parts[0] == Component::Normal(OUT_ROOT.as_ref())
            && matches!(parts[1], Component::Normal(_))
    }

    #[test]
    fn ordinary_names_are_kept() {
        assert_eq!(
            slug("dynamics365-zone-redundant"),
            "dynamics365-zone-redundant"
        );
        assert_eq!(slug("Zürich DR v1.2"), "Zürich-DR-v1.2");
        assert_eq!(
            default_out_dir("dynamics365-no-dr", "-sweep"),
            Path::new("out/dynamics365-no-dr-sweep")
        );
    }

    #[test]
    fn hostile_names_stay_inside_out() {
        for (name, expected) in [
            ("..", "scenario"),
            (".", "scenario"),
            ("", "scenario"),
            ("   ", "scenario"),
            ("../../x", "x"),
            ("/etc/cron.d", "etc-cron.d"),
            ("C:\\Windows\\System32", "C-Windows-System32"),
            (".hidden", "hidden"),
            ("a/../../b", "a-b"),
            ("NUL", "NUL-"),
            ("com1.txt", "com1.txt-"),
            ("esc\u{1b}[2Jname\0", "esc-2Jname"),
            ("a..b - c", "a-b-c"),
        ] {
            assert_eq!(slug(name), expected, "{name:?}");
            for suffix in ["", "-sweep", "-trace-0", "-shard-1-of-2"] {
                let dir = default_out_dir(name, suffix);
                assert!(stays_in_out(&dir), "{name:?}: {}", dir.display());
            }
        }
    }

    #[test]
    fn long_names_are_cut() {
        let s = slug(&"a".repeat(10_000));
        assert_eq!(s.chars().count(), MAX_SLUG_CHARS);
        assert_eq!(slug(&format!("{}-----x", "b".repeat(63))), "b".repeat(63));
    }
}
