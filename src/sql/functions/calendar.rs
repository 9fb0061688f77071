//! Day numbers, weeks, periods and times of day: TO_DAYS, FROM_DAYS, MAKEDATE, WEEK,
//! YEARWEEK, PERIOD_ADD, PERIOD_DIFF, TIME, TIME_TO_SEC, SEC_TO_TIME, TIMEDIFF, MICROSECOND
//! STR_TO_DATE, MAKETIME, TIME_FORMAT, TO_SECONDS, WEEKOFYEAR and GET_FORMAT, as MySQL 8.0
//! computes them. moltdb has no TIME type: a time of day or a
//! duration is returned as its `[-]HH:MM:SS[.ffffff]` text (hours up to MySQL's 838).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::{warn, Func};
use crate::error::{Error, Result};
use crate::types::convert::parse_datetime;
use crate::types::{sql_time, Value};

/// MySQL's day number of 0001-01-01 (it counts a year 0 of 365 days).
const DAY_ONE: i64 = 366;
pub(super) fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let int = |i: usize| args.get(i).map_or(0, |v| v.to_f64().round() as i64);
    Ok(match f {
        ToDays => date_of(&args[0]).map_or(Value::Null, |d| Value::Int(day_number(d))),
        FromDays => from_days(int(0)),
        MakeDate => make_date(int(0), int(1)),
        Week => date_of(&args[0]).map_or(Value::Null, |d| {
            let mode = if args.len() > 1 { int(1) } else { 0 };
            Value::Int(i64::from(week(d, week_mode(mode)).1))
        }),
        YearWeek => date_of(&args[0]).map_or(Value::Null, |d| {
            let mode = if args.len() > 1 { int(1) } else { 0 };
            let (year, w) = week(d, week_mode(mode) | WEEK_YEAR);
            Value::Int(i64::from(year) * 100 + i64::from(w))
        }),
        PeriodAdd => match (period_months(int(0)), i32::try_from(int(1))) {
            (Some(m), Ok(n)) => period(m.saturating_add(i64::from(n))),
            _ => Value::Null,
        },
        PeriodDiff => match (period_months(int(0)), period_months(int(1))) {
            (Some(a), Some(b)) => Value::Int(a - b),
            _ => Value::Null,
        },
        Time => {
            micros_of_time(&args[0]).map_or(Value::Null, |m| time_text(m, has_fraction(&args[0])))
        }
        TimeToSec => micros_of_time(&args[0]).map_or(Value::Null, |m| Value::Int(m / 1_000_000)),
        SecToTime => {
            let secs = args[0].to_f64();
            let micros = (secs * 1e6).round().clamp(-1e18, 1e18) as i64;
            time_text(micros, secs.fract() != 0.0)
        }
        TimeDiff => time_diff(&args[0], &args[1]),
        Microsecond => {
            micros_of_time(&args[0]).map_or(Value::Null, |m| Value::Int((m % 1_000_000).abs()))
        }
        StrToDate => str_to_date(&args[0].to_string_lossy(), &args[1].to_string_lossy()),
        AddTime | SubTime => add_time(&args[0], &args[1], f == SubTime),
        TimeMicros => micros_of_time(&args[0]).map_or(Value::Null, Value::Int),
        MakeTime => make_time(args),
        TimeFormat => micros_of_time(&args[0])
            .and_then(|m| time_format(m, &args[1].to_string_lossy()))
            .map_or(Value::Null, |t| Value::str(&t)),
        ToSeconds => datetime_of(&args[0]).map_or(Value::Null, |dt| {
            Value::Int(day_number(dt.date()) * 86_400 + i64::from(dt.num_seconds_from_midnight()))
        }),
        WeekOfYear => date_of(&args[0]).map_or(Value::Null, |d| {
            Value::Int(i64::from(week(d, week_mode(3)).1))
        }),
        GetFormat => get_format(&args[0].to_string_lossy(), &args[1].to_string_lossy())
            .map_or(Value::Null, Value::str),
        _ => Value::Null,
    })
}

/// A value read as a date: a DATE, a DATETIME's date, or a string or number of one.
fn date_of(v: &Value) -> Option<NaiveDate> {
    match v {
        Value::Date(d) => Some(*d),
        Value::DateTime(dt) => Some(dt.date()),
        other => match parse_datetime(other.to_string_lossy().trim())? {
            Value::Date(d) => Some(d),
            Value::DateTime(dt) => Some(dt.date()),
            _ => None,
        },
    }
}

/// A value read as a date and time: a DATETIME, a DATE at midnight, or a string or number
/// of one.
fn datetime_of(v: &Value) -> Option<NaiveDateTime> {
    match v {
        Value::Date(d) => d.and_hms_opt(0, 0, 0),
        Value::DateTime(dt) => Some(*dt),
        other => match parse_datetime(&with_century(other.to_string_lossy().trim()))? {
            Value::Date(d) => d.and_hms_opt(0, 0, 0),
            Value::DateTime(dt) => Some(dt),
            _ => None,
        },
    }
}

/// A number written `YYMMDD` or `YYMMDDhhmmss` with its century, as MySQL reads it
/// (`70`..`99` are 19xx, `00`..`69` 20xx).
fn with_century(s: &str) -> String {
    let digits = s.bytes().all(|b| b.is_ascii_digit());
    if digits && (s.len() == 6 || s.len() == 12) {
        let century = if s[..2] < *"70" { "20" } else { "19" };
        return format!("{century}{s}");
    }
    s.to_string()
}

/// MAKETIME(hour, minute, second): NULL when the minute is outside 0..59 or the second
/// outside [0, 60); clamped to 838:59:59 with warning 1292 as TIME is. As many fractional
/// digits as the seconds argument has (six for a DOUBLE).
fn make_time(args: &[Value]) -> Value {
    let hour = match &args[0] {
        Value::Int(i) => *i,
        Value::UInt(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        other => other.to_f64().round().clamp(-1e15, 1e15) as i64,
    };
    let minute = args[1].to_f64().round();
    let second = args[2].to_f64();
    if !(0.0..=59.0).contains(&minute) || !(0.0..60.0).contains(&second) {
        return Value::Null;
    }
    let fsp = match &args[2] {
        Value::Decimal(d) => d.scale().min(6),
        Value::Float(_) => 6,
        Value::Bytes(b) if b.contains(&b'.') => 6,
        _ => 0,
    };
    let sec_micros = ((second * 1e6).round() as i64).min(59_999_999);
    let span = hour
        .unsigned_abs()
        .saturating_mul(3_600_000_000)
        .saturating_add(minute as u64 * 60_000_000 + sec_micros as u64);
    let span = i64::try_from(span).unwrap_or(i64::MAX);
    if span > sql_time::MAX_MICROS {
        let text = format!(
            "{}{}:{:02}:{:02}",
            if hour < 0 { "-" } else { "" },
            hour.unsigned_abs(),
            minute as u64,
            second.trunc() as u64
        );
        warn(Error::new(
            1292,
            "22007",
            format!("Truncated incorrect time value: '{text}'"),
        ));
    }
    let micros = span.min(sql_time::MAX_MICROS);
    Value::str(&sql_time::format(
        if hour < 0 { -micros } else { micros },
        fsp,
    ))
}

/// TIME_FORMAT's specifiers: those of hours (past 24 for a long span), minutes, seconds,
/// microseconds and AM/PM; a negative time is prefixed with `-`. A date specifier makes the
/// result NULL, any other letter prints itself (as DATE_FORMAT's do).
fn time_format(micros: i64, fmt: &str) -> Option<String> {
    let span = micros.unsigned_abs();
    let hour = span / 3_600_000_000;
    let minute = span / 60_000_000 % 60;
    let second = span / 1_000_000 % 60;
    let frac = span % 1_000_000;
    let h12 = (hour % 24 + 11) % 12 + 1;
    let ampm = if hour % 24 < 12 { "AM" } else { "PM" };
    let mut out = String::new();
    if micros < 0 {
        out.push('-');
    }
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else { break };
        match spec {
            'H' => out.push_str(&format!("{hour:02}")),
            'k' => out.push_str(&hour.to_string()),
            'h' | 'I' => out.push_str(&format!("{h12:02}")),
            'l' => out.push_str(&h12.to_string()),
            'i' => out.push_str(&format!("{minute:02}")),
            'S' | 's' => out.push_str(&format!("{second:02}")),
            'f' => out.push_str(&format!("{frac:06}")),
            'p' => out.push_str(ampm),
            'r' => out.push_str(&format!("{h12:02}:{minute:02}:{second:02} {ampm}")),
            'T' => out.push_str(&format!("{hour:02}:{minute:02}:{second:02}")),
            'Y' | 'y' | 'm' | 'c' | 'd' | 'e' | 'D' | 'j' | 'M' | 'b' | 'W' | 'a' | 'w' | 'U'
            | 'u' | 'V' | 'v' | 'X' | 'x' => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

/// GET_FORMAT(DATE | TIME | DATETIME | TIMESTAMP, 'EUR' | 'USA' | 'JIS' | 'ISO' |
/// 'INTERNAL'): MySQL's table of format strings; `None` for a locale it lacks.
fn get_format(kind: &str, locale: &str) -> Option<&'static str> {
    let locale = locale.to_ascii_uppercase();
    Some(
        match (kind.to_ascii_uppercase().as_str(), locale.as_str()) {
            ("DATE", "USA") => "%m.%d.%Y",
            ("DATE", "JIS" | "ISO") => "%Y-%m-%d",
            ("DATE", "EUR") => "%d.%m.%Y",
            ("DATE", "INTERNAL") => "%Y%m%d",
            ("DATETIME" | "TIMESTAMP", "USA" | "EUR") => "%Y-%m-%d %H.%i.%s",
            ("DATETIME" | "TIMESTAMP", "JIS" | "ISO") => "%Y-%m-%d %H:%i:%s",
            ("DATETIME" | "TIMESTAMP", "INTERNAL") => "%Y%m%d%H%i%s",
            ("TIME", "USA") => "%h:%i:%s %p",
            ("TIME", "JIS" | "ISO") => "%H:%i:%s",
            ("TIME", "EUR") => "%H.%i.%s",
            ("TIME", "INTERNAL") => "%H%i%s",
            _ => return None,
        },
    )
}

/// TO_DAYS: days since MySQL's day 0.
pub fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) + DAY_ONE - 1
}

fn from_days(n: i64) -> Value {
    if n < DAY_ONE {
        return Value::str("0000-00-00");
    }
    i32::try_from(n - DAY_ONE + 1)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .filter(|d| d.year() <= 9999)
        .map_or(Value::Null, Value::Date)
}

fn make_date(year: i64, day_of_year: i64) -> Value {
    let year = match year {
        0..=69 => year + 2000,
        70..=99 => year + 1900,
        y => y,
    };
    if day_of_year <= 0 || !(0..=9999).contains(&year) {
        return Value::Null;
    }
    NaiveDate::from_ymd_opt(year as i32, 1, 1)
        .and_then(|d| d.checked_add_signed(Duration::try_days(day_of_year - 1)?))
        .filter(|d| d.year() <= 9999)
        .map_or(Value::Null, Value::Date)
}

const WEEK_MONDAY_FIRST: u32 = 1;
const WEEK_YEAR: u32 = 2;
const WEEK_FIRST_WEEKDAY: u32 = 4;

/// MySQL's `week_mode`: the behaviour bits of WEEK's mode argument.
fn week_mode(mode: i64) -> u32 {
    let mut m = (mode & 7) as u32;
    if m & WEEK_MONDAY_FIRST == 0 {
        m ^= WEEK_FIRST_WEEKDAY;
    }
    m
}

fn days_in_year(year: i32) -> i64 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

/// MySQL's `calc_week`: (the year the week belongs to, the week number).
fn week(d: NaiveDate, behaviour: u32) -> (i32, u32) {
    let day = day_number(d);
    let mut year = d.year();
    let mut first = NaiveDate::from_ymd_opt(year, 1, 1).map_or(day, day_number);
    let monday_first = behaviour & WEEK_MONDAY_FIRST != 0;
    let mut week_year = behaviour & WEEK_YEAR != 0;
    let first_weekday = behaviour & WEEK_FIRST_WEEKDAY != 0;
    // 0 = the first day of the week.
    let mut weekday = (first + 5 + i64::from(!monday_first)).rem_euclid(7);
    if d.month() == 1 && i64::from(d.day()) <= 7 - weekday {
        if !week_year && ((first_weekday && weekday != 0) || (!first_weekday && weekday >= 4)) {
            return (year, 0);
        }
        week_year = true;
        year -= 1;
        let days = days_in_year(year);
        first -= days;
        weekday = (weekday + 53 * 7 - days).rem_euclid(7);
    }
    let days = if (first_weekday && weekday != 0) || (!first_weekday && weekday >= 4) {
        day - (first + (7 - weekday))
    } else {
        day - (first - weekday)
    };
    if week_year && days >= 52 * 7 {
        weekday = (weekday + days_in_year(year)).rem_euclid(7);
        if (!first_weekday && weekday < 4) || (first_weekday && weekday == 0) {
            return (year + 1, 1);
        }
    }
    (year, (days / 7 + 1).clamp(0, 53) as u32)
}

/// A period `YYMM` or `YYYYMM` as a count of months (two-digit years: 70-99 are 19xx).
fn period_months(p: i64) -> Option<i64> {
    if p <= 0 {
        return Some(0);
    }
    let (mut year, month) = (p / 100, p % 100);
    if year < 70 {
        year += 2000;
    } else if year < 100 {
        year += 1900;
    }
    Some(year.checked_mul(12)? + month - 1)
}

fn period(months: i64) -> Value {
    if months <= 0 {
        return Value::Int(0);
    }
    Value::Int((months / 12) * 100 + months % 12 + 1)
}

/// A time of day or duration in microseconds: a DATETIME's time, or `[-][D ]HH:MM:SS[.f]`.
fn micros_of_time(v: &Value) -> Option<i64> {
    let of = |t: NaiveTime| {
        i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1000)
    };
    match v {
        Value::DateTime(dt) => return Some(of(dt.time())),
        Value::Date(_) => return Some(0),
        _ => {}
    }
    let text = v.to_string_lossy();
    let text = text.trim();
    if text.contains('-') && !text.starts_with('-') || text.len() > 10 && text.contains(' ') {
        if let Some(Value::DateTime(dt)) = parse_datetime(text) {
            return Some(of(dt.time()));
        }
    }
    let micros = sql_time::parse(text)?;
    Some(micros.clamp(-sql_time::MAX_MICROS, sql_time::MAX_MICROS))
}

fn has_fraction(v: &Value) -> bool {
    match v {
        Value::DateTime(dt) => dt.nanosecond() != 0,
        other => other.to_string_lossy().contains('.'),
    }
}

/// `[-]HH:MM:SS[.ffffff]`, clamped to 838:59:59 as TIME is.
fn time_text(micros: i64, fraction: bool) -> Value {
    Value::str(&sql_time::format(micros, if fraction { 6 } else { 0 }))
}

/// ADDTIME / SUBTIME: a DATETIME (or its spelling) moved by a time, or a time plus or
/// minus a time; NULL when the second argument is not a time.
fn add_time(a: &Value, b: &Value, subtract: bool) -> Value {
    let Some(delta) = micros_of_time(b) else {
        return Value::Null;
    };
    let delta = if subtract { -delta } else { delta };
    let datetime = match a {
        Value::DateTime(dt) => Some(*dt),
        Value::Date(d) => d.and_hms_opt(0, 0, 0),
        other => {
            let text = other.to_string_lossy();
            match parse_datetime(text.trim()) {
                Some(Value::DateTime(dt)) if text.contains('-') && !text.starts_with('-') => {
                    Some(dt)
                }
                _ => None,
            }
        }
    };
    match datetime {
        Some(dt) => dt
            .checked_add_signed(Duration::microseconds(delta))
            .map_or(Value::Null, Value::DateTime),
        None => match micros_of_time(a) {
            Some(t) => time_text(t.saturating_add(delta), has_fraction(a) || has_fraction(b)),
            None => Value::Null,
        },
    }
}

/// TIMEDIFF: both DATETIMEs or both times; NULL for one of each.
fn time_diff(a: &Value, b: &Value) -> Value {
    let datetime = |v: &Value| match v {
        Value::DateTime(dt) => Some(*dt),
        Value::Date(d) => d.and_hms_opt(0, 0, 0),
        other => match parse_datetime(other.to_string_lossy().trim()) {
            Some(Value::DateTime(dt)) if other.to_string_lossy().contains('-') => Some(dt),
            _ => None,
        },
    };
    let fraction = has_fraction(a) || has_fraction(b);
    match (datetime(a), datetime(b)) {
        (Some(x), Some(y)) => {
            let micros = (x - y).num_microseconds().unwrap_or(i64::MAX);
            time_text(micros, fraction)
        }
        (None, None) => match (micros_of_time(a), micros_of_time(b)) {
            (Some(x), Some(y)) => time_text(x - y, fraction),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// STR_TO_DATE: the string read by the format's specifiers (%Y %y %m %c %d %e %H %k %h %I %l
/// %i %s %S %f %p %M %b %j %T %r %%); a DATE when the format names no time, else a
/// DATETIME; NULL with warning 1411 when the string does not fit the format.
fn str_to_date(s: &str, fmt: &str) -> Value {
    match parse_with_format(s, fmt) {
        Some((dt, has_time)) if has_time => Value::DateTime(dt),
        Some((dt, _)) => Value::Date(dt.date()),
        None => {
            warn(Error::new(
                1411,
                "HY000",
                format!("Incorrect datetime value: '{s}' for function str_to_date"),
            ));
            Value::Null
        }
    }
}

/// Whether a STR_TO_DATE format reads a time of day (the result is then a DATETIME).
pub(super) fn format_has_time(fmt: &str) -> bool {
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c == '%' && chars.next().is_some_and(|s| "HkhIliSsfpTr".contains(s)) {
            return true;
        }
    }
    false
}

fn parse_with_format(s: &str, fmt: &str) -> Option<(NaiveDateTime, bool)> {
    let mut input = s.trim_start();
    let (mut year, mut month, mut day) = (None::<i32>, 1u32, 1u32);
    let (mut hour, mut minute, mut second, mut micros) = (0u32, 0u32, 0u32, 0u32);
    let (mut pm, mut twelve_hour, mut day_of_year) = (None::<bool>, false, None::<u32>);
    // A number may follow spaces the format does not show (MySQL skips them).
    let number = |input: &mut &str, max_digits: usize| -> Option<u32> {
        *input = input.trim_start();
        let n = input
            .char_indices()
            .take(max_digits)
            .take_while(|(_, c)| c.is_ascii_digit())
            .count();
        let (digits, rest) = input.split_at(n);
        *input = rest;
        digits.parse().ok()
    };
    let word = |input: &mut &str, names: &[&str]| -> Option<u32> {
        for (i, name) in names.iter().enumerate() {
            for candidate in [&name[..], &name[..3]] {
                if input.len() >= candidate.len()
                    && input.is_char_boundary(candidate.len())
                    && input[..candidate.len()].eq_ignore_ascii_case(candidate)
                {
                    *input = &input[candidate.len()..];
                    return Some(i as u32 + 1);
                }
            }
        }
        None
    };
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let mut spec = fmt.chars();
    let mut has_time = false;
    while let Some(c) = spec.next() {
        if c != '%' {
            if c.is_whitespace() {
                input = input.trim_start();
                continue;
            }
            input = input.strip_prefix(c)?;
            continue;
        }
        let s = spec.next()?;
        if "HkhIliSsfpTr".contains(s) {
            has_time = true;
        }
        match s {
            'Y' => year = Some(number(&mut input, 4)? as i32),
            'y' => {
                let y = number(&mut input, 2)? as i32;
                year = Some(if y < 70 { 2000 + y } else { 1900 + y });
            }
            'm' | 'c' => month = number(&mut input, 2)?,
            'd' | 'e' => day = number(&mut input, 2)?,
            'j' => day_of_year = Some(number(&mut input, 3)?),
            'H' | 'k' => hour = number(&mut input, 2)?,
            'h' | 'I' | 'l' => {
                hour = number(&mut input, 2)?;
                twelve_hour = true;
            }
            'i' => minute = number(&mut input, 2)?,
            's' | 'S' => second = number(&mut input, 2)?,
            'f' => {
                input = input.trim_start();
                let start = input;
                let n = number(&mut input, 6)?;
                let digits = start.len() - input.len();
                micros = n * 10u32.pow(6 - digits as u32);
            }
            'p' => {
                pm = Some(
                    if let Some(r) = input.strip_prefix("PM").or(input.strip_prefix("pm")) {
                        input = r;
                        true
                    } else {
                        input = input.strip_prefix("AM").or(input.strip_prefix("am"))?;
                        false
                    },
                );
            }
            'M' | 'b' => month = word(&mut input, &MONTHS)?,
            'T' => {
                hour = number(&mut input, 2)?;
                input = input.strip_prefix(':')?;
                minute = number(&mut input, 2)?;
                input = input.strip_prefix(':')?;
                second = number(&mut input, 2)?;
            }
            '%' => input = input.strip_prefix('%')?,
            _ => return None,
        }
    }
    if twelve_hour || pm.is_some() {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour %= 12;
        if pm == Some(true) {
            hour += 12;
        }
    }
    let year = year.unwrap_or(0);
    let date = match day_of_year {
        Some(n) => NaiveDate::from_ymd_opt(year, 1, 1)?
            .checked_add_signed(Duration::days(i64::from(n.checked_sub(1)?)))?,
        None => NaiveDate::from_ymd_opt(year, month, day)?,
    };
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micros)?;
    Some((date.and_time(time), has_time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn day_numbers_as_mysql_counts_them() {
        assert_eq!(day_number(d("2007-10-07")), 733321);
        assert_eq!(day_number(d("1995-05-01")), 728779);
        assert_eq!(from_days(730669), Value::Date(d("2000-07-03")));
        assert_eq!(make_date(2011, 32), Value::Date(d("2011-02-01")));
        assert_eq!(make_date(2011, 0), Value::Null);
    }

    #[test]
    fn weeks_follow_each_mode() {
        assert_eq!(week(d("2008-02-20"), week_mode(0)).1, 7);
        assert_eq!(week(d("2008-02-20"), week_mode(1)).1, 8);
        assert_eq!(week(d("2008-12-31"), week_mode(1)).1, 53);
        assert_eq!(week(d("2000-01-01"), week_mode(0)).1, 0);
        assert_eq!(week(d("2000-01-01"), week_mode(2)).1, 52);
        assert_eq!(week(d("1987-01-01"), week_mode(0) | WEEK_YEAR), (1986, 52));
    }

    #[test]
    fn times_and_periods() {
        assert_eq!(
            period(period_months(200801).unwrap() + 2),
            Value::Int(200803)
        );
        assert_eq!(
            period_months(200802)
                .zip(period_months(200703))
                .map(|(a, b)| a - b),
            Some(11)
        );
        assert_eq!(
            micros_of_time(&Value::str("22:23:00")),
            Some(80_580_000_000)
        );
        assert_eq!(time_text(2378 * 1_000_000, false), Value::str("00:39:38"));
        assert_eq!(
            time_diff(
                &Value::str("2008-12-31 23:59:59.000001"),
                &Value::str("2008-12-30 01:01:01.000002")
            ),
            Value::str("46:58:57.999999")
        );
        assert_eq!(
            time_diff(&Value::str("10:00:00"), &Value::str("12:30:00")),
            Value::str("-02:30:00")
        );
    }

    #[test]
    fn str_to_date_reads_the_format() {
        assert_eq!(
            str_to_date("01,5,2013", "%d,%m,%Y"),
            Value::Date(d("2013-05-01"))
        );
        assert_eq!(
            str_to_date("May 1, 2013", "%M %d,%Y"),
            Value::Date(d("2013-05-01"))
        );
        assert_eq!(
            str_to_date("2024-01-02 03:04:05 PM", "%Y-%m-%d %h:%i:%s %p").to_string(),
            "2024-01-02 15:04:05"
        );
        assert_eq!(str_to_date("nope", "%Y"), Value::Null);
        assert!(format_has_time("%T") && !format_has_time("%Y-%m-%d"));
    }
}
