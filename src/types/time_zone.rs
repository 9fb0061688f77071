//! Session time zones: what `SET time_zone` accepts (`SYSTEM`, a UTC offset from -13:59 to
//! +14:00, or a named IANA zone such as `Europe/Paris`, which TiDB knows without MySQL's
//! time zone tables) and the conversions NOW(), FROM_UNIXTIME, UNIX_TIMESTAMP and
//! CONVERT_TZ make with it. moltdb's system time zone is UTC.

use chrono::{FixedOffset, NaiveDateTime, Offset, TimeZone as _};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeZone {
    Fixed(FixedOffset),
    Named(chrono_tz::Tz),
}

impl TimeZone {
    pub const UTC: TimeZone = TimeZone::Named(chrono_tz::Tz::UTC);

    /// A zone as `time_zone` or CONVERT_TZ take it; `None` for anything MySQL refuses.
    pub fn parse(text: &str) -> Option<TimeZone> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("system") {
            return Some(TimeZone::UTC);
        }
        if let Some((sign, rest)) = match text.as_bytes().first() {
            Some(b'+') => Some((1, &text[1..])),
            Some(b'-') => Some((-1, &text[1..])),
            _ => None,
        } {
            let (h, m) = rest.split_once(':')?;
            let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
            let minutes = sign * (h * 60 + m);
            if !(0..60).contains(&m) || !(-(13 * 60 + 59)..=14 * 60).contains(&minutes) {
                return None;
            }
            return FixedOffset::east_opt(minutes * 60).map(TimeZone::Fixed);
        }
        chrono_tz::Tz::from_str_insensitive(text)
            .ok()
            .map(TimeZone::Named)
    }

    /// The wall-clock time in this zone at UTC time `utc`.
    pub fn from_utc(self, utc: NaiveDateTime) -> NaiveDateTime {
        match self {
            TimeZone::Fixed(o) => o.from_utc_datetime(&utc).naive_local(),
            TimeZone::Named(tz) => tz.from_utc_datetime(&utc).naive_local(),
        }
    }

    /// The UTC time of wall-clock time `local` in this zone. A time skipped by a daylight
    /// saving change is read with the offset before the change, and a repeated one as its
    /// first occurrence (MySQL's rules).
    pub fn to_utc(self, local: NaiveDateTime) -> NaiveDateTime {
        let offset = match self {
            TimeZone::Fixed(o) => o,
            TimeZone::Named(tz) => match tz.offset_from_local_datetime(&local) {
                chrono::LocalResult::Single(o) | chrono::LocalResult::Ambiguous(o, _) => o.fix(),
                chrono::LocalResult::None => {
                    let before = local
                        .checked_sub_signed(chrono::Duration::hours(3))
                        .unwrap_or(local);
                    tz.offset_from_utc_datetime(&before).fix()
                }
            },
        };
        // Saturates at the ends of the calendar instead of overflowing.
        local
            .checked_sub_signed(chrono::Duration::seconds(i64::from(
                offset.local_minus_utc(),
            )))
            .unwrap_or(local)
    }

    pub fn is_utc(self) -> bool {
        match self {
            TimeZone::Fixed(o) => o.local_minus_utc() == 0,
            TimeZone::Named(tz) => tz == chrono_tz::Tz::UTC,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn offsets_names_and_system_parse() {
        assert_eq!(TimeZone::parse("SYSTEM"), Some(TimeZone::UTC));
        assert!(TimeZone::parse("+05:30").is_some());
        assert!(TimeZone::parse("-13:59").is_some());
        assert!(TimeZone::parse("+14:01").is_none());
        assert!(TimeZone::parse("+05:60").is_none());
        assert!(TimeZone::parse("europe/paris").is_some());
        assert!(TimeZone::parse("Mars/Olympus").is_none());
        assert!(TimeZone::parse("").is_none());
    }

    #[test]
    fn conversions_follow_the_zone_rules() {
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        assert_eq!(
            paris.from_utc(at("2024-01-15 12:00:00")),
            at("2024-01-15 13:00:00")
        );
        assert_eq!(
            paris.from_utc(at("2024-07-15 12:00:00")),
            at("2024-07-15 14:00:00")
        );
        assert_eq!(
            paris.to_utc(at("2024-07-15 14:00:00")),
            at("2024-07-15 12:00:00")
        );
        // 02:30 does not exist on 2024-03-31 in Paris: read with the winter offset.
        assert_eq!(
            paris.to_utc(at("2024-03-31 02:30:00")),
            at("2024-03-31 01:30:00")
        );
        let plus = TimeZone::parse("+05:30").unwrap();
        assert_eq!(
            plus.from_utc(at("2024-01-01 00:00:00")),
            at("2024-01-01 05:30:00")
        );
        assert!(TimeZone::parse("+00:00").unwrap().is_utc());
    }
}
