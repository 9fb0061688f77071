//! Date and time functions. The session's clock and time zone are folded in when a
//! statement is bound (NOW(), FROM_UNIXTIME); a string argument is read as a DATE or DATETIME literal, and one that is not
//! a valid date makes the result NULL, as in MySQL.

use chrono::{Datelike, Duration, Months, NaiveDateTime, NaiveTime, Timelike};

use super::{warn, Func};
use crate::error::{Error, Result};
use crate::sql::expr::Expr;
use crate::types::convert::parse_datetime;
use crate::types::time_zone::TimeZone;
use crate::types::{DataType, Value};

/// The units of INTERVAL, DATE_ADD, EXTRACT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Microsecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl TimeUnit {
    pub fn parse(name: &str) -> Result<TimeUnit> {
        Ok(match name.to_ascii_uppercase().as_str() {
            "MICROSECOND" => TimeUnit::Microsecond,
            "SECOND" => TimeUnit::Second,
            "MINUTE" => TimeUnit::Minute,
            "HOUR" => TimeUnit::Hour,
            "DAY" => TimeUnit::Day,
            "WEEK" => TimeUnit::Week,
            "MONTH" => TimeUnit::Month,
            "QUARTER" => TimeUnit::Quarter,
            "YEAR" => TimeUnit::Year,
            other => return Err(Error::unsupported(format!("INTERVAL unit {other}"))),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Microsecond => "MICROSECOND",
            TimeUnit::Second => "SECOND",
            TimeUnit::Minute => "MINUTE",
            TimeUnit::Hour => "HOUR",
            TimeUnit::Day => "DAY",
            TimeUnit::Week => "WEEK",
            TimeUnit::Month => "MONTH",
            TimeUnit::Quarter => "QUARTER",
            TimeUnit::Year => "YEAR",
        }
    }

    fn is_date_only(self) -> bool {
        matches!(
            self,
            TimeUnit::Day | TimeUnit::Week | TimeUnit::Month | TimeUnit::Quarter | TimeUnit::Year
        )
    }

    /// The function that extracts this unit (EXTRACT(unit FROM d)).
    pub fn extractor(self) -> Option<Func> {
        Some(match self {
            TimeUnit::Second => Func::Second,
            TimeUnit::Minute => Func::Minute,
            TimeUnit::Hour => Func::Hour,
            TimeUnit::Day => Func::Day,
            TimeUnit::Month => Func::Month,
            TimeUnit::Quarter => Func::Quarter,
            TimeUnit::Year => Func::Year,
            _ => return None,
        })
    }
}

/// DATE_ADD of a DATE by days or more is a DATE; anything else a DATETIME.
pub(super) fn add_type(arg: Option<DataType>, unit: Option<&Expr>) -> Option<DataType> {
    let date_unit = match unit {
        Some(Expr::Literal(v)) => {
            TimeUnit::parse(&v.to_string_lossy()).is_ok_and(|u| u.is_date_only())
        }
        _ => false,
    };
    match arg {
        Some(DataType::Date) if date_unit => Some(DataType::Date),
        Some(t) if t.is_temporal() => Some(DataType::DateTime { fsp: 0 }),
        _ => Some(DataType::varchar(29)),
    }
}

/// A value read as a date and time; a DATE is at midnight.
fn datetime(v: &Value) -> Option<(NaiveDateTime, bool)> {
    match v {
        Value::Date(d) => Some((d.and_time(NaiveTime::MIN), true)),
        Value::DateTime(dt) => Some((*dt, false)),
        Value::Bytes(_) | Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => {
            match parse_datetime(v.to_string_lossy().trim())? {
                Value::Date(d) => Some((d.and_time(NaiveTime::MIN), true)),
                Value::DateTime(dt) => Some((dt, false)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A time of day from a DATETIME or a `HH:MM:SS` string.
fn time_of(v: &Value) -> Option<NaiveTime> {
    if let Some((dt, _)) = datetime(v) {
        return Some(dt.time());
    }
    let s = v.to_string_lossy();
    NaiveTime::parse_from_str(s.trim(), "%H:%M:%S%.f").ok()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::UInt(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        other => other.to_f64().round() as i64,
    }
}

/// CONVERT_TZ(dt, from, to): zones as `SET time_zone` takes them (offsets, SYSTEM, IANA
/// names); NULL for a zone that is none of these, as MySQL answers.
fn convert_tz(dt: &Value, from: &Value, to: &Value) -> Value {
    let zone = |z: &Value| TimeZone::parse(&z.to_string_lossy());
    match (datetime(dt), zone(from), zone(to)) {
        (Some((dt, _)), Some(from), Some(to)) => Value::DateTime(to.from_utc(from.to_utc(dt))),
        _ => Value::Null,
    }
}

pub(super) fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let Some(first) = args.first() else {
        return Ok(Value::Null);
    };
    if matches!(f, Hour | Minute | Second) {
        return Ok(match time_of(first) {
            None => Value::Null,
            Some(t) => Value::Int(i64::from(match f {
                Hour => t.hour(),
                Minute => t.minute(),
                _ => t.second(),
            })),
        });
    }
    if f == TimestampDiff {
        let unit = TimeUnit::parse(&first.to_string_lossy())?;
        return Ok(match (datetime(&args[1]), datetime(&args[2])) {
            (Some((a, _)), Some((b, _))) => Value::Int(timestamp_diff(unit, a, b)),
            _ => Value::Null,
        });
    }
    if f == ConvertTz {
        return Ok(convert_tz(first, &args[1], &args[2]));
    }
    if f == FromUnixtime {
        let secs = first.to_f64();
        if secs < 0.0 {
            return Ok(Value::Null);
        }
        let dt = chrono::DateTime::from_timestamp(secs as i64, 0).map(|d| d.naive_utc());
        return Ok(match (dt, args.get(1)) {
            (None, _) => Value::Null,
            (Some(dt), Some(fmt)) => Value::str(&format(&dt, &fmt.to_string_lossy())),
            (Some(dt), None) => Value::DateTime(dt),
        });
    }
    let Some((dt, is_date)) = datetime(first) else {
        return Ok(Value::Null);
    };
    let d = dt.date();
    Ok(match f {
        Year => Value::Int(i64::from(d.year())),
        Month => Value::Int(i64::from(d.month())),
        Day => Value::Int(i64::from(d.day())),
        Quarter => Value::Int(i64::from((d.month() - 1) / 3 + 1)),
        DayOfWeek => Value::Int(i64::from(d.weekday().number_from_sunday())),
        Weekday => Value::Int(i64::from(d.weekday().num_days_from_monday())),
        DayOfYear => Value::Int(i64::from(d.ordinal())),
        DayName => Value::str(&d.format("%A").to_string()),
        MonthName => Value::str(&d.format("%B").to_string()),
        Date => Value::Date(d),
        LastDay => {
            let next = d
                .with_day(1)
                .and_then(|m| m.checked_add_months(Months::new(1)))
                .and_then(|m| m.pred_opt());
            next.map_or(Value::Null, Value::Date)
        }
        UnixTimestamp => Value::Int(dt.and_utc().timestamp().max(0)),
        DateDiff => match datetime(&args[1]) {
            Some((other, _)) => Value::Int((d - other.date()).num_days()),
            None => Value::Null,
        },
        DateFormat => Value::str(&format(&dt, &args[1].to_string_lossy())),
        DateAdd | DateSub => {
            let unit = TimeUnit::parse(&args[2].to_string_lossy())?;
            let n = if f == DateSub {
                -int(&args[1])
            } else {
                int(&args[1])
            };
            let Some(r) = add(dt, n, unit).filter(in_range) else {
                warn(Error::new(
                    1441,
                    "22008",
                    "Datetime function: datetime field overflow",
                ));
                return Ok(Value::Null);
            };
            let as_string = matches!(first, Value::Bytes(_));
            let date_result = is_date && unit.is_date_only();
            match (date_result, as_string) {
                (true, false) => Value::Date(r.date()),
                (true, true) => Value::str(&r.date().format("%Y-%m-%d").to_string()),
                (false, false) => Value::DateTime(r),
                (false, true) => Value::DateTime(r),
            }
        }
        _ => Value::Null,
    })
}

/// TIMESTAMPDIFF: `b - a` in whole `unit`s, truncated toward zero; months count only once
/// the day and time of month are reached, as in MySQL.
fn timestamp_diff(unit: TimeUnit, a: NaiveDateTime, b: NaiveDateTime) -> i64 {
    let micros = (b - a).num_microseconds().unwrap_or(i64::MAX);
    let months = || {
        let index = |d: &NaiveDateTime| i64::from(d.year()) * 12 + i64::from(d.month0());
        let within = |d: &NaiveDateTime| (d.day(), d.time());
        let mut m = index(&b) - index(&a);
        if m > 0 && within(&b) < within(&a) {
            m -= 1;
        } else if m < 0 && within(&b) > within(&a) {
            m += 1;
        }
        m
    };
    match unit {
        TimeUnit::Microsecond => micros,
        TimeUnit::Second => micros / 1_000_000,
        TimeUnit::Minute => micros / 60_000_000,
        TimeUnit::Hour => micros / 3_600_000_000,
        TimeUnit::Day => micros / 86_400_000_000,
        TimeUnit::Week => micros / 604_800_000_000,
        TimeUnit::Month => months(),
        TimeUnit::Quarter => months() / 3,
        TimeUnit::Year => months() / 12,
    }
}

/// Date arithmetic stays within the years 0 to 9999, as MySQL's; past them its result is
/// NULL with warning 1441 (never a year 10000 printed as `+10000-01-01`).
fn in_range(dt: &NaiveDateTime) -> bool {
    (0..=9999).contains(&dt.year())
}

/// `dt` moved by `n` units; months clamp to the last day (Jan 31 + 1 month = Feb 28/29).
fn add(dt: NaiveDateTime, n: i64, unit: TimeUnit) -> Option<NaiveDateTime> {
    let months = |m: i64| -> Option<NaiveDateTime> {
        let m32 = u32::try_from(m.unsigned_abs()).ok()?;
        if m >= 0 {
            dt.checked_add_months(Months::new(m32))
        } else {
            dt.checked_sub_months(Months::new(m32))
        }
    };
    match unit {
        TimeUnit::Microsecond => dt.checked_add_signed(Duration::microseconds(n)),
        TimeUnit::Second => dt.checked_add_signed(Duration::try_seconds(n)?),
        TimeUnit::Minute => dt.checked_add_signed(Duration::try_minutes(n)?),
        TimeUnit::Hour => dt.checked_add_signed(Duration::try_hours(n)?),
        TimeUnit::Day => dt.checked_add_signed(Duration::try_days(n)?),
        TimeUnit::Week => dt.checked_add_signed(Duration::try_weeks(n)?),
        TimeUnit::Month => months(n),
        TimeUnit::Quarter => months(n.checked_mul(3)?),
        TimeUnit::Year => months(n.checked_mul(12)?),
    }
}

/// DATE_FORMAT's specifiers, mapped one by one (unknown ones print the letter).
fn format(dt: &NaiveDateTime, fmt: &str) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else { break };
        let piece = match spec {
            'Y' => format!("{:04}", dt.year()),
            'y' => format!("{:02}", dt.year() % 100),
            'm' => format!("{:02}", dt.month()),
            'c' => dt.month().to_string(),
            'd' => format!("{:02}", dt.day()),
            'e' => dt.day().to_string(),
            'D' => {
                let d = dt.day();
                let suffix = match (d % 10, d % 100) {
                    (_, 11..=13) => "th",
                    (1, _) => "st",
                    (2, _) => "nd",
                    (3, _) => "rd",
                    _ => "th",
                };
                format!("{d}{suffix}")
            }
            'H' => format!("{:02}", dt.hour()),
            'k' => dt.hour().to_string(),
            'h' | 'I' => format!("{:02}", (dt.hour() + 11) % 12 + 1),
            'l' => ((dt.hour() + 11) % 12 + 1).to_string(),
            'i' => format!("{:02}", dt.minute()),
            's' | 'S' => format!("{:02}", dt.second()),
            'f' => format!("{:06}", dt.nanosecond() / 1000),
            'p' => (if dt.hour() < 12 { "AM" } else { "PM" }).to_string(),
            'T' => dt.format("%H:%M:%S").to_string(),
            'r' => dt.format("%I:%M:%S %p").to_string(),
            'W' => dt.format("%A").to_string(),
            'a' => dt.format("%a").to_string(),
            'M' => dt.format("%B").to_string(),
            'b' => dt.format("%b").to_string(),
            'j' => format!("{:03}", dt.ordinal()),
            'w' => dt.weekday().num_days_from_sunday().to_string(),
            other => other.to_string(),
        };
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_arithmetic_and_format() {
        let d = Value::str("2024-01-31");
        let r = call(Func::DateAdd, &[d, Value::Int(1), Value::str("MONTH")]).unwrap();
        assert_eq!(r.to_string(), "2024-02-29");
        let dt = Value::str("2024-03-05 14:07:09");
        let r = call(Func::DateFormat, &[dt, Value::str("%Y/%m/%d %h:%i %p %D")]).unwrap();
        assert_eq!(r.to_string(), "2024/03/05 02:07 PM 5th");
        let r = call(
            Func::DateDiff,
            &[Value::str("2024-03-01"), Value::str("2024-02-01")],
        );
        assert_eq!(r.unwrap(), Value::Int(29));
    }
}
