//! Column types as written in SQL, turned into [`DataType`]s.

use sqlparser::ast;

use crate::error::{Error, Result};
use crate::types::{DataType, IntKind};

fn int(kind: IntKind, unsigned: bool) -> DataType {
    DataType::Int { kind, unsigned }
}

fn char_len(l: &Option<ast::CharacterLength>, default: u32) -> u32 {
    match l {
        // Past u32, a length is as wrong as u32::MAX: the limits refuse both.
        Some(ast::CharacterLength::IntegerLength { length, .. }) => {
            u32::try_from(*length).unwrap_or(u32::MAX)
        }
        _ => default,
    }
}

/// The type `t` names. `name` is what the errors about its precision and scale name (a
/// column, or the expression a CAST converts), as MySQL's messages do.
pub fn parse_data_type(t: &ast::DataType, name: &str) -> Result<DataType> {
    use ast::DataType as A;
    Ok(match t {
        A::TinyInt(_) => int(IntKind::Tiny, false),
        A::TinyIntUnsigned(_) => int(IntKind::Tiny, true),
        A::Bool | A::Boolean => int(IntKind::Tiny, false),
        // BIT(0) and widths past 64 are refused where the column's name is known.
        A::Bit(width) => DataType::Bit {
            width: width.map_or(1, |w| u8::try_from(w).unwrap_or(u8::MAX)),
        },
        A::SmallInt(_) => int(IntKind::Small, false),
        A::SmallIntUnsigned(_) => int(IntKind::Small, true),
        A::MediumInt(_) => int(IntKind::Medium, false),
        A::MediumIntUnsigned(_) => int(IntKind::Medium, true),
        A::Int(_) | A::Integer(_) => int(IntKind::Int, false),
        A::IntUnsigned(_) | A::IntegerUnsigned(_) => int(IntKind::Int, true),
        A::BigInt(_) => int(IntKind::Big, false),
        A::BigIntUnsigned(_) => int(IntKind::Big, true),
        A::Decimal(info) | A::Numeric(info) | A::Dec(info) | A::DecimalUnsigned(info) => {
            let (p, s) = match info {
                ast::ExactNumberInfo::None => (10, 0),
                ast::ExactNumberInfo::Precision(p) => (*p, 0),
                ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p, (*s).max(0) as u64),
            };
            if p > 65 {
                return Err(Error::new(
                    1426,
                    "42000",
                    format!("Too-big precision {p} specified for '{name}'. Maximum is 65."),
                ));
            }
            if s > 30 {
                return Err(Error::new(
                    1425,
                    "42000",
                    format!("Too big scale {s} specified for column '{name}'. Maximum is 30."),
                ));
            }
            if s > p {
                return Err(Error::new(
                    1427,
                    "42000",
                    format!(
                        "For float(M,D), double(M,D) or decimal(M,D), M must be >= D (column '{name}')."
                    ),
                ));
            }
            DataType::Decimal {
                precision: p as u8,
                scale: s as u8,
            }
        }
        A::Float(info) => match info {
            ast::ExactNumberInfo::Precision(p) if *p > 24 => DataType::Double,
            _ => DataType::Float,
        },
        A::Real | A::Double(_) | A::DoublePrecision => DataType::Double,
        A::Char(l) | A::Character(l) => DataType::Char {
            len: char_len(l, 1),
            varying: false,
            collation: Default::default(),
        },
        A::Varchar(l) | A::CharVarying(l) | A::CharacterVarying(l) | A::Nvarchar(l) => {
            let len = match l {
                Some(ast::CharacterLength::IntegerLength { length, .. }) => {
                    u32::try_from(*length).unwrap_or(u32::MAX)
                }
                _ => return Err(Error::syntax("varchar")),
            };
            DataType::varchar(len)
        }
        A::Binary(l) => DataType::Binary {
            len: u32::try_from(l.unwrap_or(1)).unwrap_or(u32::MAX),
            varying: false,
        },
        A::Varbinary(l) => DataType::Binary {
            len: match l {
                Some(ast::BinaryLength::IntegerLength { length }) => {
                    u32::try_from(*length).unwrap_or(u32::MAX)
                }
                _ => return Err(Error::syntax("varbinary")),
            },
            varying: true,
        },
        A::TinyText => DataType::text(255),
        A::Text => DataType::text(65_535),
        A::MediumText => DataType::text(16_777_215),
        A::LongText => DataType::text(u32::MAX),
        A::TinyBlob => DataType::Blob { max_len: 255 },
        A::Blob(_) => DataType::Blob { max_len: 65_535 },
        A::MediumBlob => DataType::Blob {
            max_len: 16_777_215,
        },
        A::LongBlob => DataType::Blob { max_len: u32::MAX },
        A::Date => DataType::Date,
        A::Datetime(fsp) => DataType::DateTime {
            fsp: check_fsp(*fsp, name)?,
        },
        A::Timestamp(fsp, _) => DataType::Timestamp {
            fsp: check_fsp(*fsp, name)?,
        },
        // YEAR and the deprecated YEAR(4).
        A::Custom(name, args)
            if name.to_string().eq_ignore_ascii_case("year")
                && (args.is_empty() || args.as_slice() == ["4"]) =>
        {
            DataType::Year
        }
        A::JSON => DataType::Json,
        A::Time(fsp, _) => DataType::Time {
            fsp: check_fsp(*fsp, name)?,
        },
        A::Enum(members, _) => DataType::Enum {
            members: members
                .iter()
                .map(|m| match m {
                    ast::EnumMember::Name(n) | ast::EnumMember::NamedValue(n, _) => {
                        n.trim_end_matches(' ').to_string()
                    }
                })
                .collect(),
        },
        A::Set(members) => DataType::Set {
            members: members
                .iter()
                .map(|m| m.trim_end_matches(' ').to_string())
                .collect(),
        },
        other => return Err(Error::unsupported(format!("type {other}"))),
    })
}

fn check_fsp(fsp: Option<u64>, name: &str) -> Result<u8> {
    match fsp {
        None => Ok(0),
        Some(f) if f <= 6 => Ok(f as u8),
        Some(f) => Err(Error::new(
            1426,
            "42000",
            format!("Too-big precision {f} specified for '{name}'. Maximum is 6."),
        )),
    }
}
