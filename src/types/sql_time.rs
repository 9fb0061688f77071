//! MySQL's TIME: a signed span of at most 838:59:59.999999, read from MySQL's spellings and
//! written as `[-]HH:MM:SS[.ffffff]`. TIME values travel as that text (at least two hour
//! digits), so time-of-day values compare and sort as text would.

/// 838:59:59 in microseconds: TIME's bound either way.
pub const MAX_MICROS: i64 = (838 * 3600 + 59 * 60 + 59) * 1_000_000;

/// Reads `[-][D ]H[H...]:MM[:SS][.frac]`, `[-]HHMMSS[.frac]` (or `MMSS`, `SS`) as
/// microseconds, unclamped; `None` for anything else.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r.trim_start()),
        None => (false, text),
    };
    let (days, rest) = match rest.split_once(' ') {
        Some((d, r)) if rest.contains(':') => (d.parse::<i64>().ok()?, r.trim()),
        _ => (0, rest),
    };
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, ""));
    let (hours, minutes, seconds) = if whole.contains(':') {
        let mut parts = whole.split(':');
        let h: i64 = parts.next()?.trim().parse().ok()?;
        let m: i64 = parts.next()?.trim().parse().ok()?;
        let s: i64 = parts.next().map_or(Some(0), |s| s.trim().parse().ok())?;
        if parts.next().is_some() {
            return None;
        }
        (h, m, s)
    } else {
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i64 = whole.parse().ok()?;
        (n / 10_000, n / 100 % 100, n % 100)
    };
    if minutes > 59 || seconds > 59 || hours < 0 || days < 0 {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: String = fraction.chars().take(6).collect();
    let micros: i64 = format!("{digits:0<6}").parse().ok()?;
    let hours = hours.checked_add(days.checked_mul(24)?)?;
    let total = hours
        .checked_mul(3600)?
        .checked_add(minutes * 60 + seconds)?
        .checked_mul(1_000_000)?
        .checked_add(micros)?;
    Some(if negative { -total } else { total })
}

/// `[-]HH:MM:SS` with `fsp` fractional digits (rounded), clamped to TIME's range.
pub fn format(micros: i64, fsp: u8) -> String {
    let fsp = u32::from(fsp.min(6));
    let step = 10i64.pow(6 - fsp);
    let rounded = (micros / step) * step
        + if (micros % step).abs() * 2 >= step {
            step * micros.signum()
        } else {
            0
        };
    let clamped = rounded.clamp(-MAX_MICROS, MAX_MICROS);
    let sign = if clamped < 0 { "-" } else { "" };
    let m = clamped.unsigned_abs();
    let secs = m / 1_000_000;
    let mut text = format!(
        "{sign}{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if fsp > 0 {
        let frac = format!("{:06}", m % 1_000_000);
        text.push('.');
        text.push_str(&frac[..fsp as usize]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_read_as_mysql_reads_them() {
        assert_eq!(parse("12:34:56"), Some(45_296_000_000));
        assert_eq!(parse("123456"), parse("12:34:56"));
        assert_eq!(parse("1234"), parse("00:12:34"));
        assert_eq!(parse("1 02:00"), parse("26:00:00"));
        assert_eq!(parse("-0:00:01.5"), Some(-1_500_000));
        assert_eq!(parse("12:61:00"), None);
        assert_eq!(parse("abc"), None);
    }

    #[test]
    fn formats_clamp_and_round() {
        assert_eq!(format(45_296_000_000, 0), "12:34:56");
        assert_eq!(format(-1_500_000, 1), "-00:00:01.5");
        assert_eq!(format(1_999_999, 0), "00:00:02");
        assert_eq!(format(i64::MAX / 2, 0), "838:59:59");
        assert_eq!(format(100 * 3_600_000_000, 0), "100:00:00");
    }
}
