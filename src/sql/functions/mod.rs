//! Built-in scalar functions that depend only on their arguments. Functions that read the
//! session (DATABASE(), CONNECTION_ID(), NOW(), ...) are folded to literals by the binder.
//!
//! One module per family: `string`, `numeric`, `datetime`, `encode` (hashes,
//! base64), `misc` (REGEXP, UUID, INET_ATON), [`json`]; control flow (IF, COALESCE, ...) and CAST
//! live here.
//!
//! A function that would build a string longer than [`MAX_RESULT_BYTES`] returns NULL with
//! warning 1301 instead, as MySQL does past `max_allowed_packet`: a short query never
//! allocates gigabytes. Expression evaluation has no statement context, so such warnings
//! wait on the evaluating thread until the session takes them ([`take_warnings`]).

mod calendar;
mod cast;
mod datetime;
mod encode;
pub mod json;
mod misc;
mod numeric;
mod string;

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::expr::Expr;
use crate::error::{Error, Result};
use crate::types::{DataType, IntKind, Value};

pub use cast::cast;
pub use datetime::TimeUnit;
pub use misc::{benchmark_count, string_properties, tidb_version};

/// The longest string a function builds: MySQL's default `max_allowed_packet`.
pub const MAX_RESULT_BYTES: usize = 64 << 20;

/// Warnings kept per statement at most (MySQL's `max_error_count` default).
const MAX_WARNINGS: usize = 1024;

thread_local! {
    static WARNINGS: RefCell<Vec<Error>> = const { RefCell::new(Vec::new()) };
    /// The KILL QUERY flag of the statement this thread runs, for the functions that wait
    /// or loop (SLEEP, BENCHMARK): expressions are evaluated without the session at hand.
    static INTERRUPT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// The statement about to run on this thread stops early once `flag` is set (`None`: the
/// statement ended).
pub fn watch_interrupt(flag: Option<Arc<AtomicBool>>) {
    INTERRUPT.with(|i| *i.borrow_mut() = flag);
}

/// Whether KILL QUERY interrupted the statement this thread runs.
pub(crate) fn interrupted() -> bool {
    INTERRUPT.with(|i| {
        i.borrow()
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
    })
}

/// Raises a warning from inside expression evaluation.
pub(crate) fn warn(e: Error) {
    WARNINGS.with(|w| {
        let mut w = w.borrow_mut();
        if w.len() < MAX_WARNINGS {
            w.push(e);
        }
    });
}

/// MySQL's code for a division (`/`, DIV, MOD, `%`) by zero.
pub const DIVISION_BY_ZERO: u16 = 1365;

/// Error or warning 1365.
pub fn division_by_zero() -> Error {
    Error::new(DIVISION_BY_ZERO, "22012", "Division by 0")
}

/// A division by zero: NULL, with warning 1365 (which INSERT and UPDATE turn into an error
/// in strict mode, and the session drops without ERROR_FOR_DIVISION_BY_ZERO).
pub fn divided_by_zero() -> Value {
    warn(division_by_zero());
    Value::Null
}

/// True if expression evaluation on this thread raised a warning with `code` since the
/// warnings were last taken.
pub fn raised(code: u16) -> bool {
    WARNINGS.with(|w| w.borrow().iter().any(|e| e.code() == code))
}

/// The warnings expression evaluation raised on this thread since the last call.
pub fn take_warnings() -> Vec<Error> {
    WARNINGS.with(|w| std::mem::take(&mut *w.borrow_mut()))
}

/// NULL, with MySQL's warning that `function`'s result would exceed the limit.
fn too_large(function: &str) -> Value {
    warn(Error::new(
        1301,
        "HY000",
        format!(
            "Result of {function}() was larger than max_allowed_packet ({MAX_RESULT_BYTES}) - truncated"
        ),
    ));
    Value::Null
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    // control flow
    Coalesce,
    IfNull,
    NullIf,
    If,
    // strings
    Concat,
    ConcatWs,
    Length,
    CharLength,
    Lower,
    Upper,
    Substring,
    Left,
    Right,
    Trim,
    LTrim,
    RTrim,
    TrimLeading,
    TrimTrailing,
    Replace,
    LPad,
    RPad,
    Locate,
    Instr,
    Repeat,
    Reverse,
    Space,
    Ascii,
    Strcmp,
    Hex,
    Unhex,
    Field,
    FindInSet,
    Elt,
    SubstringIndex,
    Insert,
    Quote,
    Char,
    Ord,
    BitLength,
    ExportSet,
    MakeSet,
    Soundex,
    // hashes and encodings
    Md5,
    Sha1,
    Sha2,
    Crc32,
    ToBase64,
    FromBase64,
    // misc
    Sleep,
    IsNull,
    Uuid,
    InetAton,
    InetNtoa,
    Inet6Aton,
    Inet6Ntoa,
    IsIpv4,
    IsIpv6,
    IsIpv4Compat,
    IsIpv4Mapped,
    IsUuid,
    UuidShort,
    UuidToBin,
    BinToUuid,
    RandomBytes,
    /// BENCHMARK(count, expr): evaluated by `Expr::eval_in`, which runs `expr` `count`
    /// times; `call` only sees it with an already evaluated expression.
    Benchmark,
    /// REGEXP_LIKE(), and the REGEXP / RLIKE operators.
    RegexpLike,
    RegexpInstr,
    RegexpSubstr,
    RegexpReplace,
    /// The comparison key of a string under an explicit case-insensitive COLLATE; the
    /// binder adds it, SQL cannot name it.
    CollationKey(crate::types::collation::Fold),
    // numbers
    Abs,
    Round,
    Truncate,
    Floor,
    Ceil,
    Mod,
    Pow,
    Sqrt,
    Sign,
    Exp,
    Ln,
    Log,
    Log2,
    Log10,
    Pi,
    Greatest,
    Least,
    Conv,
    Bin,
    BitCount,
    Oct,
    Format,
    Rand,
    Sin,
    Cos,
    Tan,
    Cot,
    Asin,
    Acos,
    Atan,
    Atan2,
    Degrees,
    Radians,
    /// INTERVAL(n, n1, n2, ...).
    Interval,
    // dates and times
    DateFormat,
    DateAdd,
    DateSub,
    DateDiff,
    TimestampDiff,
    UnixTimestamp,
    FromUnixtime,
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Date,
    DayOfWeek,
    DayOfYear,
    Weekday,
    Quarter,
    DayName,
    MonthName,
    LastDay,
    ConvertTz,
    ToDays,
    FromDays,
    MakeDate,
    Week,
    YearWeek,
    PeriodAdd,
    PeriodDiff,
    Time,
    TimeToSec,
    SecToTime,
    TimeDiff,
    Microsecond,
    StrToDate,
    AddTime,
    SubTime,
    MakeTime,
    TimeFormat,
    ToSeconds,
    WeekOfYear,
    /// GET_FORMAT(DATE, 'EUR'): the binder passes the keyword as its name.
    GetFormat,
    /// A TIME as signed microseconds, so that TIME values compare and sort as spans
    /// (`-01:00:00` < `00:30:00` < `100:00:00`): the binder adds it, SQL cannot name it.
    TimeMicros,
    // JSON
    JsonValid,
    JsonType,
    JsonExtract,
    JsonUnquote,
    JsonQuote,
    JsonObject,
    JsonArray,
    JsonKeys,
    JsonLength,
    JsonDepth,
    JsonContains,
    JsonContainsPath,
    JsonOverlaps,
    JsonSearch,
    JsonSet,
    JsonInsert,
    JsonReplace,
    JsonRemove,
    JsonArrayAppend,
    JsonArrayInsert,
    JsonMergePatch,
    JsonMergePreserve,
    JsonPretty,
    JsonValue,
    JsonStorageSize,
    /// `v MEMBER OF (array)`.
    MemberOf,
    /// A SQL value made into JSON where a JSON function takes a value: the binder adds it
    /// (see `json::coerce`), SQL cannot name it.
    ToJson,
}

/// Every function with its SQL names; the first name is how EXPLAIN shows it.
const NAMES: &[(Func, &[&str])] = &[
    (Func::Coalesce, &["coalesce"]),
    (Func::IfNull, &["ifnull"]),
    (Func::NullIf, &["nullif"]),
    (Func::If, &["if"]),
    (Func::Concat, &["concat"]),
    (Func::ConcatWs, &["concat_ws"]),
    (Func::Length, &["length", "octet_length"]),
    (Func::CharLength, &["char_length", "character_length"]),
    (Func::Lower, &["lower", "lcase"]),
    (Func::Upper, &["upper", "ucase"]),
    (Func::Substring, &["substring", "substr", "mid"]),
    (Func::Left, &["left"]),
    (Func::Right, &["right"]),
    (Func::Trim, &["trim"]),
    (Func::LTrim, &["ltrim"]),
    (Func::RTrim, &["rtrim"]),
    (Func::TrimLeading, &["trim_leading"]),
    (Func::TrimTrailing, &["trim_trailing"]),
    (Func::Replace, &["replace"]),
    (Func::LPad, &["lpad"]),
    (Func::RPad, &["rpad"]),
    (Func::Locate, &["locate", "position"]),
    (Func::Instr, &["instr"]),
    (Func::Repeat, &["repeat"]),
    (Func::Reverse, &["reverse"]),
    (Func::Space, &["space"]),
    (Func::Ascii, &["ascii"]),
    (Func::Strcmp, &["strcmp"]),
    (Func::Hex, &["hex"]),
    (Func::Unhex, &["unhex"]),
    (Func::Field, &["field"]),
    (Func::FindInSet, &["find_in_set"]),
    (Func::Elt, &["elt"]),
    (Func::SubstringIndex, &["substring_index"]),
    (Func::Insert, &["insert"]),
    (Func::Quote, &["quote"]),
    (Func::Char, &["char"]),
    (Func::Ord, &["ord"]),
    (Func::BitLength, &["bit_length"]),
    (Func::ExportSet, &["export_set"]),
    (Func::MakeSet, &["make_set"]),
    (Func::Soundex, &["soundex"]),
    (Func::Md5, &["md5"]),
    (Func::Sha1, &["sha1", "sha"]),
    (Func::Sha2, &["sha2"]),
    (Func::Crc32, &["crc32"]),
    (Func::ToBase64, &["to_base64"]),
    (Func::FromBase64, &["from_base64"]),
    (Func::Sleep, &["sleep"]),
    (Func::IsNull, &["isnull"]),
    (Func::Uuid, &["uuid"]),
    (Func::InetAton, &["inet_aton"]),
    (Func::InetNtoa, &["inet_ntoa"]),
    (Func::Inet6Aton, &["inet6_aton"]),
    (Func::Inet6Ntoa, &["inet6_ntoa"]),
    (Func::IsIpv4, &["is_ipv4"]),
    (Func::IsIpv6, &["is_ipv6"]),
    (Func::IsIpv4Compat, &["is_ipv4_compat"]),
    (Func::IsIpv4Mapped, &["is_ipv4_mapped"]),
    (Func::IsUuid, &["is_uuid"]),
    (Func::UuidShort, &["uuid_short"]),
    (Func::UuidToBin, &["uuid_to_bin"]),
    (Func::BinToUuid, &["bin_to_uuid"]),
    (Func::RandomBytes, &["random_bytes"]),
    (Func::Benchmark, &["benchmark"]),
    (Func::RegexpLike, &["regexp_like"]),
    (Func::RegexpInstr, &["regexp_instr"]),
    (Func::RegexpSubstr, &["regexp_substr"]),
    (Func::RegexpReplace, &["regexp_replace"]),
    (Func::Abs, &["abs"]),
    (Func::Round, &["round"]),
    (Func::Truncate, &["truncate"]),
    (Func::Floor, &["floor"]),
    (Func::Ceil, &["ceil", "ceiling"]),
    (Func::Mod, &["mod"]),
    (Func::Pow, &["pow", "power"]),
    (Func::Sqrt, &["sqrt"]),
    (Func::Sign, &["sign"]),
    (Func::Exp, &["exp"]),
    (Func::Ln, &["ln"]),
    (Func::Log, &["log"]),
    (Func::Log2, &["log2"]),
    (Func::Log10, &["log10"]),
    (Func::Pi, &["pi"]),
    (Func::Greatest, &["greatest"]),
    (Func::Least, &["least"]),
    (Func::Conv, &["conv"]),
    (Func::Bin, &["bin"]),
    (Func::BitCount, &["bit_count"]),
    (Func::Oct, &["oct"]),
    (Func::Format, &["format"]),
    (Func::Rand, &["rand"]),
    (Func::Sin, &["sin"]),
    (Func::Cos, &["cos"]),
    (Func::Tan, &["tan"]),
    (Func::Cot, &["cot"]),
    (Func::Asin, &["asin"]),
    (Func::Acos, &["acos"]),
    (Func::Atan, &["atan"]),
    (Func::Atan2, &["atan2"]),
    (Func::Degrees, &["degrees"]),
    (Func::Radians, &["radians"]),
    (Func::Interval, &["interval"]),
    (Func::DateFormat, &["date_format"]),
    (Func::DateAdd, &["date_add", "adddate"]),
    (Func::DateSub, &["date_sub", "subdate"]),
    (Func::DateDiff, &["datediff"]),
    (Func::TimestampDiff, &["timestampdiff"]),
    (Func::UnixTimestamp, &["unix_timestamp"]),
    (Func::FromUnixtime, &["from_unixtime"]),
    (Func::Year, &["year"]),
    (Func::Month, &["month"]),
    (Func::Day, &["day", "dayofmonth"]),
    (Func::Hour, &["hour"]),
    (Func::Minute, &["minute"]),
    (Func::Second, &["second"]),
    (Func::Date, &["date"]),
    (Func::DayOfWeek, &["dayofweek"]),
    (Func::DayOfYear, &["dayofyear"]),
    (Func::Weekday, &["weekday"]),
    (Func::Quarter, &["quarter"]),
    (Func::DayName, &["dayname"]),
    (Func::MonthName, &["monthname"]),
    (Func::LastDay, &["last_day"]),
    (Func::ConvertTz, &["convert_tz"]),
    (Func::ToDays, &["to_days"]),
    (Func::FromDays, &["from_days"]),
    (Func::MakeDate, &["makedate"]),
    (Func::Week, &["week"]),
    (Func::YearWeek, &["yearweek"]),
    (Func::PeriodAdd, &["period_add"]),
    (Func::PeriodDiff, &["period_diff"]),
    (Func::Time, &["time"]),
    (Func::TimeToSec, &["time_to_sec"]),
    (Func::SecToTime, &["sec_to_time"]),
    (Func::TimeDiff, &["timediff"]),
    (Func::Microsecond, &["microsecond"]),
    (Func::StrToDate, &["str_to_date"]),
    (Func::AddTime, &["addtime"]),
    (Func::SubTime, &["subtime"]),
    (Func::MakeTime, &["maketime"]),
    (Func::TimeFormat, &["time_format"]),
    (Func::ToSeconds, &["to_seconds"]),
    (Func::WeekOfYear, &["weekofyear"]),
    (Func::GetFormat, &["get_format"]),
    (Func::JsonValid, &["json_valid"]),
    (Func::JsonType, &["json_type"]),
    (Func::JsonExtract, &["json_extract"]),
    (Func::JsonUnquote, &["json_unquote"]),
    (Func::JsonQuote, &["json_quote"]),
    (Func::JsonObject, &["json_object"]),
    (Func::JsonArray, &["json_array"]),
    (Func::JsonKeys, &["json_keys"]),
    (Func::JsonLength, &["json_length"]),
    (Func::JsonDepth, &["json_depth"]),
    (Func::JsonContains, &["json_contains"]),
    (Func::JsonContainsPath, &["json_contains_path"]),
    (Func::JsonOverlaps, &["json_overlaps"]),
    (Func::JsonSearch, &["json_search"]),
    (Func::JsonSet, &["json_set"]),
    (Func::JsonInsert, &["json_insert"]),
    (Func::JsonReplace, &["json_replace"]),
    (Func::JsonRemove, &["json_remove"]),
    (Func::JsonArrayAppend, &["json_array_append"]),
    (Func::JsonArrayInsert, &["json_array_insert"]),
    (Func::JsonMergePatch, &["json_merge_patch"]),
    (
        Func::JsonMergePreserve,
        &["json_merge_preserve", "json_merge"],
    ),
    (Func::JsonPretty, &["json_pretty"]),
    (Func::JsonValue, &["json_value"]),
    (Func::JsonStorageSize, &["json_storage_size"]),
    (Func::MemberOf, &["member of"]),
];

/// Looks a function up by name; `None` if moltdb does not know it.
pub fn lookup(name: &str) -> Option<Func> {
    let name = name.to_ascii_lowercase();
    NAMES
        .iter()
        .find(|(_, names)| names.contains(&name.as_str()))
        .map(|(f, _)| *f)
}

pub fn name(f: Func) -> &'static str {
    if let Func::CollationKey(_) = f {
        return "collation_key";
    }
    if f == Func::ToJson {
        return "cast_as_json";
    }
    if f == Func::TimeMicros {
        return "time_micros";
    }
    NAMES
        .iter()
        .find(|(g, _)| *g == f)
        .map_or("?", |(_, names)| names[0])
}

/// The number of arguments a function takes: (min, max).
pub fn arity(f: Func) -> (usize, usize) {
    use Func::*;
    const MANY: usize = usize::MAX;
    match f {
        Pi | Uuid | UuidShort => (0, 0),
        Concat | Coalesce | Char => (1, MANY),
        ConcatWs | Greatest | Least | Field | Elt | Interval | MakeSet => (2, MANY),
        ExportSet => (3, 5),
        UuidToBin | BinToUuid => (1, 2),
        MakeTime => (3, 3),
        Benchmark | TimeFormat | GetFormat | JsonValue => (2, 2),
        IfNull | NullIf | Left | Right | Repeat | Instr | Strcmp | Truncate | Mod | Pow
        | DateFormat | DateDiff | TrimLeading | TrimTrailing | FindInSet | Sha2 | Format
        | Atan2 | PeriodAdd | PeriodDiff | TimeDiff | StrToDate | MakeDate | AddTime | SubTime => {
            (2, 2)
        }
        If | Replace | LPad | RPad | DateAdd | DateSub | ConvertTz | TimestampDiff
        | SubstringIndex | Conv => (3, 3),
        Insert => (4, 4),
        Substring | Locate | RegexpLike => (2, 3),
        RegexpInstr => (2, 6),
        RegexpSubstr => (2, 5),
        RegexpReplace => (3, 6),
        Trim | Round | Log | FromUnixtime | Atan | Week | YearWeek => (1, 2),
        UnixTimestamp | Rand => (0, 1),
        JsonObject | JsonArray => (0, MANY),
        JsonExtract | JsonRemove | JsonMergePatch | JsonMergePreserve => (2, MANY),
        JsonSearch => (3, MANY),
        JsonKeys | JsonLength => (1, 2),
        JsonContains => (2, 3),
        JsonOverlaps | MemberOf => (2, 2),
        JsonContainsPath | JsonSet | JsonInsert | JsonReplace | JsonArrayAppend
        | JsonArrayInsert => (3, MANY),
        _ => (1, 1),
    }
}

/// False for functions that must run for every row (never folded to a constant).
pub fn is_deterministic(f: Func) -> bool {
    !matches!(
        f,
        Func::Sleep
            | Func::Rand
            | Func::Uuid
            | Func::UuidShort
            | Func::RandomBytes
            | Func::Benchmark
    )
}

fn bigint() -> DataType {
    DataType::Int {
        kind: IntKind::Big,
        unsigned: false,
    }
}

fn varchar() -> DataType {
    DataType::varchar(255)
}

pub fn result_type(f: Func, args: &[Expr]) -> Option<DataType> {
    use Func::*;
    let arg = |i: usize| args.get(i).and_then(|a| a.data_type());
    match f {
        Coalesce | IfNull | Greatest | Least => merged_type(args.iter().map(|a| a.data_type())),
        NullIf => arg(0),
        If => merged_type([arg(1), arg(2)]),
        Concat | ConcatWs | Lower | Upper | Substring | Left | Right | Trim | LTrim | RTrim
        | TrimLeading | TrimTrailing | Replace | LPad | RPad | Repeat | Reverse | Space
        | DateFormat | DayName | MonthName | Hex | Elt | SubstringIndex | Insert | Quote | Md5
        | Sha1 | Sha2 | ToBase64 | Conv | Bin | Oct | Format | Uuid | InetNtoa | RegexpSubstr
        | RegexpReplace | ExportSet | MakeSet | Soundex | TimeFormat | GetFormat | Inet6Ntoa
        | BinToUuid => Some(varchar()),
        JsonValue => Some(DataType::varchar(512)),
        MakeTime => Some(DataType::Time {
            fsp: match arg(2) {
                Some(DataType::Decimal { scale, .. }) => scale.min(6),
                Some(DataType::Double | DataType::Float) => 6,
                _ => 0,
            },
        }),
        Inet6Aton | UuidToBin => Some(DataType::Binary {
            len: 16,
            varying: true,
        }),
        RandomBytes => Some(DataType::Binary {
            len: 1024,
            varying: true,
        }),
        UuidShort => Some(DataType::Int {
            kind: IntKind::Big,
            unsigned: true,
        }),
        Benchmark | Interval | ToSeconds | WeekOfYear | IsIpv4 | IsIpv6 | IsIpv4Compat
        | IsIpv4Mapped | IsUuid | JsonStorageSize => Some(bigint()),
        Time | SecToTime | TimeDiff => Some(DataType::Time { fsp: 0 }),
        TimeMicros => Some(bigint()),
        // A DATETIME plus a time is a DATETIME; a time plus a time, a time.
        AddTime | SubTime => match arg(0) {
            Some(DataType::DateTime { fsp } | DataType::Timestamp { fsp }) => {
                Some(DataType::DateTime { fsp })
            }
            Some(DataType::Date) => Some(DataType::DateTime { fsp: 0 }),
            Some(DataType::Time { fsp }) => Some(DataType::Time { fsp }),
            _ => Some(varchar()),
        },
        Unhex | Char | FromBase64 => Some(DataType::Binary {
            len: 255,
            varying: true,
        }),
        Sleep | BitCount => Some(bigint()),
        CollationKey(_) => arg(0),
        ToJson | JsonExtract | JsonObject | JsonArray | JsonKeys | JsonSet | JsonInsert
        | JsonReplace | JsonRemove | JsonArrayAppend | JsonArrayInsert | JsonMergePatch
        | JsonMergePreserve | JsonSearch => Some(DataType::Json),
        JsonUnquote | JsonPretty => Some(DataType::text(u32::MAX)),
        JsonQuote | JsonType => Some(varchar()),
        JsonValid | JsonLength | JsonDepth | JsonContains | JsonContainsPath | JsonOverlaps
        | MemberOf => Some(bigint()),
        Length | CharLength | Locate | Instr | Ascii | Strcmp | Sign | DateDiff | Year | Month
        | Day | Hour | Minute | Second | DayOfWeek | DayOfYear | Weekday | Quarter
        | UnixTimestamp | TimestampDiff | Field | FindInSet | Ord | BitLength | IsNull
        | RegexpLike | RegexpInstr | ToDays | Week | YearWeek | PeriodAdd | PeriodDiff
        | TimeToSec | Microsecond => Some(bigint()),
        Crc32 | InetAton => Some(DataType::Int {
            kind: IntKind::Big,
            unsigned: true,
        }),
        Abs | Mod => arg(0).map(|t| numeric::exact_or_double(t, arg(1))),
        Round | Truncate => numeric::round_type(arg(0), args.get(1)),
        Floor | Ceil => match arg(0) {
            Some(DataType::Int { .. } | DataType::Decimal { .. }) => Some(bigint()),
            _ => Some(DataType::Double),
        },
        Pow | Sqrt | Exp | Ln | Log | Log2 | Log10 | Pi | Rand | Sin | Cos | Tan | Cot | Asin
        | Acos | Atan | Atan2 | Degrees | Radians => Some(DataType::Double),
        DateAdd | DateSub => datetime::add_type(arg(0), args.get(2)),
        FromUnixtime | ConvertTz => Some(DataType::DateTime { fsp: 0 }),
        Date | LastDay | FromDays | MakeDate => Some(DataType::Date),
        // A DATETIME when the (literal) format reads a time of day.
        StrToDate => match args.get(1) {
            Some(Expr::Literal(f)) if calendar::format_has_time(&f.to_string_lossy()) => {
                Some(DataType::DateTime {
                    fsp: if f.to_string_lossy().contains("%f") {
                        6
                    } else {
                        0
                    },
                })
            }
            _ => Some(DataType::Date),
        },
    }
}

/// The type of a column that takes values of all of `types` (CASE, IF, COALESCE, UNION):
/// integers stay integers, exact numbers become DECIMAL, any approximate number DOUBLE, any
/// string a string.
pub fn merged_type(types: impl IntoIterator<Item = Option<DataType>>) -> Option<DataType> {
    let mut out: Option<DataType> = None;
    for t in types.into_iter().flatten() {
        out = Some(match (out, t) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(a), b) if a.is_string() || b.is_string() => {
                // A case-insensitive collation wins, as a column's beats a literal's.
                let collation = [a.collation(), b.collation()]
                    .into_iter()
                    .flatten()
                    .find(|c| c.fold().is_some())
                    .unwrap_or_default();
                if matches!(a, DataType::Text { .. }) || matches!(b, DataType::Text { .. }) {
                    DataType::Text {
                        max_len: u32::MAX,
                        collation,
                    }
                } else {
                    DataType::Char {
                        len: 255,
                        varying: true,
                        collation,
                    }
                }
            }
            (Some(DataType::Int { .. }), DataType::Int { .. }) => bigint(),
            (
                Some(a @ (DataType::Int { .. } | DataType::Decimal { .. })),
                b @ (DataType::Int { .. } | DataType::Decimal { .. }),
            ) => {
                let scale = |t: &DataType| match t {
                    DataType::Decimal { scale, .. } => *scale,
                    _ => 0,
                };
                DataType::Decimal {
                    precision: 65,
                    scale: scale(&a).max(scale(&b)),
                }
            }
            (Some(a), b) if a.is_temporal() && b.is_temporal() => DataType::DateTime { fsp: 0 },
            (Some(a), b) if a.is_temporal() || b.is_temporal() => varchar(),
            _ => DataType::Double,
        });
    }
    out
}

pub fn call(f: Func, mut args: Vec<Value>) -> Result<Value> {
    use Func::*;
    Ok(match f {
        Coalesce => args
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null),
        IfNull => {
            let second = args.pop().unwrap_or(Value::Null);
            let first = args.pop().unwrap_or(Value::Null);
            if first.is_null() {
                second
            } else {
                first
            }
        }
        NullIf => {
            let second = args.pop().unwrap_or(Value::Null);
            let first = args.pop().unwrap_or(Value::Null);
            if !first.is_null() && !second.is_null() && first.sql_cmp(&second).is_eq() {
                Value::Null
            } else {
                first
            }
        }
        If => {
            let otherwise = args.pop().unwrap_or(Value::Null);
            let then = args.pop().unwrap_or(Value::Null);
            let cond = args.pop().unwrap_or(Value::Null);
            if cond.truth() == Some(true) {
                then
            } else {
                otherwise
            }
        }
        Concat | ConcatWs | Length | CharLength | Lower | Upper | Substring | Left | Right
        | Trim | LTrim | RTrim | TrimLeading | TrimTrailing | Replace | LPad | RPad | Locate
        | Instr | Repeat | Reverse | Space | Ascii | Strcmp | Hex | Unhex | Field | FindInSet
        | Elt | SubstringIndex | Insert | Quote | Char | Ord | BitLength | ExportSet | MakeSet
        | Soundex => string::call(f, &args)?,
        Md5 | Sha1 | Sha2 | Crc32 | ToBase64 | FromBase64 => encode::call(f, &args)?,
        IsNull => Value::Int(i64::from(args.first().is_none_or(Value::is_null))),
        Uuid | InetAton | InetNtoa | RegexpLike | RegexpInstr | RegexpSubstr | RegexpReplace
        | Inet6Aton | Inet6Ntoa | IsIpv4 | IsIpv6 | IsIpv4Compat | IsIpv4Mapped | IsUuid
        | UuidShort | UuidToBin | BinToUuid | RandomBytes => misc::call(f, &args)?,
        // Reached only with the expression already evaluated once (see `Expr::eval_in`).
        Benchmark => misc::benchmark_result(args.first().unwrap_or(&Value::Null)),
        Sleep => sleep(args.first().unwrap_or(&Value::Null)),
        JsonValid | JsonType | JsonExtract | JsonUnquote | JsonQuote | JsonObject | JsonArray
        | JsonKeys | JsonLength | JsonDepth | JsonContains | JsonContainsPath | JsonOverlaps
        | JsonSearch | JsonSet | JsonInsert | JsonReplace | JsonRemove | JsonArrayAppend
        | JsonArrayInsert | JsonMergePatch | JsonMergePreserve | JsonPretty | MemberOf | ToJson
        | JsonValue | JsonStorageSize => json::call(f, &args)?,
        CollationKey(fold) => fold.key(args.pop().unwrap_or(Value::Null)),
        Abs | Round | Truncate | Floor | Ceil | Mod | Pow | Sqrt | Sign | Exp | Ln | Log | Log2
        | Log10 | Pi | Greatest | Least | Conv | Bin | BitCount | Oct | Format | Rand | Sin
        | Cos | Tan | Cot | Asin | Acos | Atan | Atan2 | Degrees | Radians | Interval => {
            numeric::call(f, &args)?
        }
        ToDays | FromDays | MakeDate | Week | YearWeek | PeriodAdd | PeriodDiff | Time
        | TimeToSec | SecToTime | TimeDiff | Microsecond | StrToDate | AddTime | SubTime
        | TimeMicros | MakeTime | TimeFormat | ToSeconds | WeekOfYear | GetFormat => {
            calendar::call(f, &args)?
        }
        _ => datetime::call(f, &args)?,
    })
}

/// SLEEP(seconds): pauses the statement, then 0 (NULL for NULL, as MySQL); 1 at once when
/// KILL QUERY interrupts it, as MySQL's SLEEP returns. Bounded by the 31,536,000 seconds
/// MySQL also refuses past.
fn sleep(secs: &Value) -> Value {
    if secs.is_null() {
        return Value::Null;
    }
    let secs = secs.to_f64();
    if !(secs.is_finite() && secs > 0.0) {
        return Value::Int(0);
    }
    let deadline =
        std::time::Instant::now() + std::time::Duration::from_secs_f64(secs.min(31_536_000.0));
    loop {
        if interrupted() {
            return Value::Int(1);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Value::Int(0);
        }
        std::thread::sleep(left.min(std::time::Duration::from_millis(20)));
    }
}
