//! How text that came from a user (names, keys, values, paths) is shown in
//! messages: at most [`MAX_QUOTED_CHARS`] characters of it, and never a raw
//! control character.
//!
//! Why: an unknown 500 KB zone name echoed in full floods the terminal, and
//! a name holding ESC or CR can clear the screen or overwrite the line that
//! explains the error. Messages quote user text between backticks (values
//! between double quotes), so [`shorten_quoted`] cuts every quoted span of a
//! finished message (serde's messages included, which drsim does not
//! compose), and
//! [`escape_controls`] escapes what a terminal would interpret.

use std::borrow::Cow;

/// Characters of a quoted user string shown at most; longer ones end in `…`.
pub const MAX_QUOTED_CHARS: usize = 80;

/// `text` between backticks, cut to [`MAX_QUOTED_CHARS`] characters with an
/// ellipsis, with every control character (newlines and tabs included)
/// escaped, so the quote stays on one line.
pub fn quoted(text: &str) -> String {
    let cut = shorten(text, MAX_QUOTED_CHARS);
    let mut out = String::with_capacity(cut.len() + 2);
    out.push('`');
    for c in cut.chars() {
        push_char(&mut out, c, true);
    }
    out.push('`');
    out
}

/// `text` cut to `max` characters, the last one replaced by `…` when cut.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep: String = text.chars().take(max.saturating_sub(1)).collect();
            Cow::Owned(keep + "…")
        }
    }
}

/// `message` with every quoted span (between backticks, or between double
/// quotes as serde and the unit parsers quote values) longer than
/// [`MAX_QUOTED_CHARS`] characters cut to that length with an ellipsis.
/// Idempotent. An unclosed quote leaves the rest of the message as it is.
pub fn shorten_quoted(message: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut rest = message;
    let mut changed = false;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = &rest[open..open + 1];
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            break;
        };
        let span = shorten(&after[..close], MAX_QUOTED_CHARS);
        changed |= matches!(span, Cow::Owned(_));
        out.push_str(&rest[..=open]);
        out.push_str(&span);
        out.push_str(quote);
        rest = &after[close + 1..];
    }
    if !changed {
        return Cow::Borrowed(message);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `text` with its control characters escaped (`\u{1b}` for ESC, `\0`,
/// `\r`, C1 controls such as U+009B, a single-byte CSI, likewise), except
/// newlines and tabs, which lay a message out.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_char(&mut out, c, false);
    }
    Cow::Owned(out)
}

/// `text` with each control character replaced by its one-column picture
/// (ESC → `␛`, NUL → `␀`, DEL → `␡`; other controls `�`): for a source line
/// shown under a caret, whose columns must not shift.
pub fn picture_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c as u32 {
                0x09 => c,
                code @ 0x00..=0x1f => char::from_u32(0x2400 + code).unwrap_or('\u{fffd}'),
                0x7f => '\u{2421}',
                _ if c.is_control() => '\u{fffd}',
                _ => c,
            })
            .collect(),
    )
}

fn push_char(out: &mut String, c: char, escape_layout: bool) {
    match c {
        '\n' | '\t' if !escape_layout => out.push(c),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\0' => out.push_str("\\0"),
        c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_cut_to_eighty_characters() {
        let long = "ü".repeat(500_000);
        let q = quoted(&long);
        assert_eq!(q.chars().count(), MAX_QUOTED_CHARS + 2);
        assert!(q.ends_with("…`"), "{q}");
        let exact = "a".repeat(MAX_QUOTED_CHARS);
        assert_eq!(quoted(&exact), format!("`{exact}`"));
    }

    #[test]
    fn quotes_escape_every_control_character() {
        assert_eq!(quoted("a\u{1b}[2J\0\r\n\tb"), "`a\\u{1b}[2J\\0\\r\\n\\tb`");
        assert_eq!(quoted("x\u{9b}y\u{7f}"), "`x\\u{9b}y\\u{7f}`");
    }

    #[test]
    fn messages_keep_their_layout_but_lose_raw_controls() {
        assert_eq!(escape_controls("ok\n  help: x\t"), "ok\n  help: x\t");
        assert_eq!(
            escape_controls("zone `a\u{1b}]0;pwned\u{7}`\r"),
            "zone `a\\u{1b}]0;pwned\\u{7}`\\r"
        );
    }

    #[test]
    fn every_long_quoted_span_of_a_message_is_cut() {
        let big = "x".repeat(200_000);
        let msg = format!("unknown field `{big}`, expected one of `name`, `{big}`");
        let short = shorten_quoted(&msg);
        assert!(short.len() < 400, "{short}");
        assert!(short.starts_with("unknown field `xxx"));
        assert!(short.contains("…`, expected one of `name`, `x"), "{short}");
        assert_eq!(shorten_quoted(&short), short, "idempotent");
        assert!(matches!(shorten_quoted("plain `a`"), Cow::Borrowed(_)));
        let value = format!("a duration \"{}d\" is too large", "9".repeat(500_000));
        let short = shorten_quoted(&value);
        assert_eq!(
            short,
            format!("a duration \"{}…\" is too large", "9".repeat(79))
        );
        let unclosed = format!("`a` then \"{big}");
        assert_eq!(shorten_quoted(&unclosed), unclosed);
    }

    #[test]
    fn pictures_keep_one_column_per_control() {
        let line = "name = \"a\u{1b}b\0\"";
        let shown = picture_controls(line);
        assert_eq!(shown.chars().count(), line.chars().count());
        assert_eq!(shown, "name = \"a\u{241b}b\u{2400}\"");
    }
}
