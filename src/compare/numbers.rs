//! Numbers as the comparison prints them: as few digits as tell two values apart.

/// `v` with at most `digits` significant digits: integers in full below
/// 1e15, fixed notation from 1e-4, scientific otherwise.
pub(super) fn fmt_sig(v: f64, digits: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { v.to_string() };
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let exp = v.abs().log10().floor() as i32;
    if (-4..15).contains(&exp) {
        let decimals = (digits as i32 - 1 - exp).max(0) as usize;
        trim_zeros(format!("{v:.decimals$}"))
    } else {
        let s = format!("{v:.prec$e}", prec = digits.saturating_sub(1));
        match s.split_once('e') {
            Some((mantissa, e)) => format!("{}e{e}", trim_zeros(mantissa.to_string())),
            None => s,
        }
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `0.05` → `5%`.
pub(super) fn fmt_percent(rel: f64) -> String {
    format!("{}%", trim_zeros(format!("{:.4}", rel * 100.0)))
}

/// An absolute bound: `1e-6`, `0.001`, `30`.
pub(super) fn fmt_bound(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}
