//! moltdb's exact DECIMAL: an integer mantissa of any size and a count of fractional digits.
//!
//! MySQL's DECIMAL holds up to 65 digits, 30 of them after the point; a fixed-width decimal
//! of 28 digits cannot, so the mantissa is a [`BigInt`]. A value is `mantissa / 10^scale`:
//! `1.50` is mantissa 150 and scale 2, and keeps its scale (MySQL shows a DECIMAL(5,2) value
//! with two decimals) while comparing, hashing and equalling `1.5`.
//!
//! Rounding is MySQL's: half away from zero (`2.5` to 3, `-2.5` to -3). Arithmetic is exact
//! and checked: a result whose integer part needs more than [`MAX_PRECISION`] digits fits no
//! DECIMAL type, and the `checked_*` methods answer `None` for it (MySQL's 1690) as they do
//! for a zero divisor. Results and parsed values keep at most [`MAX_SCALE`] fractional
//! digits, rounding beyond.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Neg;
use std::str::FromStr;
use std::sync::OnceLock;

use num_bigint::{BigInt, BigUint, Sign};

/// The most digits a DECIMAL type has, and the most integer digits any decimal result may
/// have (DECIMAL(65,0) is the widest integer part a column can hold).
pub const MAX_PRECISION: u8 = 65;
/// The most fractional digits a DECIMAL type has; parsing and multiplication round beyond.
pub const MAX_SCALE: u8 = 30;

/// Exponents past this are clamped while parsing: they only decide between zero and overflow,
/// and keep the digit arithmetic far from `i64`'s limits.
const EXPONENT_LIMIT: i64 = 1_000_000_000;

/// The powers of ten a double holds exactly.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// An exact decimal number: `mantissa / 10^scale`.
#[derive(Clone, Debug)]
pub struct Decimal {
    mantissa: BigInt,
    scale: u8,
}

/// Why a text is not a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseDecimalError {
    /// Not a number at all.
    Invalid,
    /// A number whose integer part has more than [`MAX_PRECISION`] digits; its sign tells
    /// callers which bound to clamp to.
    Overflow { negative: bool },
}

impl fmt::Display for ParseDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseDecimalError::Invalid => f.write_str("invalid decimal"),
            ParseDecimalError::Overflow { .. } => f.write_str("decimal out of range"),
        }
    }
}

impl std::error::Error for ParseDecimalError {}

/// How a division or a dropped digit rounds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rounding {
    /// Half away from zero: MySQL's ROUND and every implicit rounding.
    HalfAway,
    /// Toward zero: TRUNCATE and DIV.
    Down,
    /// Toward negative infinity: FLOOR.
    Floor,
    /// Toward positive infinity: CEIL.
    Ceiling,
}

/// 10^n, from a table for the exponents decimals meet (at most 65 + 30 digits, doubled by
/// multiplication), computed beyond.
fn pow10(n: u32) -> Cow<'static, BigInt> {
    static TABLE: OnceLock<Vec<BigInt>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        std::iter::successors(Some(BigInt::from(1u8)), |p| Some(p * 10u8))
            .take(200)
            .collect()
    });
    match table.get(n as usize) {
        Some(p) => Cow::Borrowed(p),
        None => Cow::Owned(BigInt::from(10u8).pow(n)),
    }
}

/// `num / den` rounded as `mode` says; `den` is not zero.
fn div_round(num: &BigInt, den: &BigInt, mode: Rounding) -> BigInt {
    let q = num / den;
    let r = num - &q * den;
    if r.sign() == Sign::NoSign {
        return q;
    }
    // The exact quotient's sign (it is not zero: there is a remainder).
    let negative = (num.sign() == Sign::Minus) != (den.sign() == Sign::Minus);
    let away = match mode {
        Rounding::HalfAway => (r.magnitude() << 1u8) >= *den.magnitude(),
        Rounding::Down => false,
        Rounding::Floor => negative,
        Rounding::Ceiling => !negative,
    };
    match (away, negative) {
        (false, _) => q,
        (true, false) => q + 1u8,
        (true, true) => q - 1u8,
    }
}

/// How many decimal digits `m` has (0 for zero).
fn digit_count(m: &BigUint) -> u32 {
    let bits = m.bits();
    if bits == 0 {
        return 0;
    }
    // m >= 2^(bits-1), and 0.30102 < log10(2): a lower bound, corrected upward.
    let mut digits = ((bits - 1) * 30102 / 100_000) as u32 + 1;
    while *m >= *pow10(digits).magnitude() {
        digits += 1;
    }
    digits
}

impl Decimal {
    /// Zero, with no fractional digits.
    pub const ZERO: Decimal = Decimal {
        mantissa: BigInt::ZERO,
        scale: 0,
    };

    /// `mantissa / 10^scale`, exactly as given (`new(150, 2)` is 1.50).
    pub fn new(mantissa: impl Into<BigInt>, scale: u8) -> Decimal {
        Decimal {
            mantissa: mantissa.into(),
            scale,
        }
    }

    /// Zero shown with `scale` decimals (`0.00`): what a DECIMAL(p, scale) column stores
    /// for nothing.
    pub fn zero(scale: u8) -> Decimal {
        Decimal::new(0u8, scale)
    }

    /// The largest value of DECIMAL(precision, scale), all nines (999.99 for DECIMAL(5,2)):
    /// what an out-of-range value is clamped to.
    pub fn max_of(precision: u8, scale: u8) -> Decimal {
        Decimal::new(pow10(u32::from(precision)).as_ref() - 1u8, scale)
    }

    /// The digits without the point: the value is `mantissa / 10^scale`.
    pub fn mantissa(&self) -> &BigInt {
        &self.mantissa
    }

    /// How many fractional digits the value is shown with.
    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// Zero at any scale (`0.00` too): a divisor that gives NULL, a false truth value.
    pub fn is_zero(&self) -> bool {
        self.mantissa.sign() == Sign::NoSign
    }

    /// Below zero (zero is never negative: there is no `-0`).
    pub fn is_negative(&self) -> bool {
        self.mantissa.sign() == Sign::Minus
    }

    /// ABS(x), keeping the scale.
    pub fn abs(&self) -> Decimal {
        Decimal::new(self.mantissa.magnitude().clone(), self.scale)
    }

    /// Digits before the point, leading zeros not counted (0 for `0.5`): what a DECIMAL
    /// type's precision minus scale must cover.
    pub fn int_digits(&self) -> u32 {
        self.digits().saturating_sub(u32::from(self.scale))
    }

    /// Digits of the mantissa (`1.50` has 3, `0.05` has 1, zero has 0).
    pub fn digits(&self) -> u32 {
        digit_count(self.mantissa.magnitude())
    }

    /// The value when its integer part fits a DECIMAL type, `None` past 65 digits: every
    /// arithmetic result goes through here.
    fn checked(self) -> Option<Decimal> {
        let limit = pow10(u32::from(MAX_PRECISION) + u32::from(self.scale));
        (self.mantissa.magnitude() < limit.magnitude()).then_some(self)
    }

    /// The mantissa at a scale at least the value's own (`1.5` at scale 3 is 1500).
    fn mantissa_at(&self, scale: u8) -> Cow<'_, BigInt> {
        match scale.checked_sub(self.scale) {
            Some(0) | None => Cow::Borrowed(&self.mantissa),
            Some(more) => Cow::Owned(&self.mantissa * pow10(u32::from(more)).as_ref()),
        }
    }

    /// The value with exactly `scale` fractional digits: padded with zeros, or rounded half
    /// away from zero. This is how a value takes a DECIMAL type's scale.
    pub fn rescale(&self, scale: u8) -> Decimal {
        if scale >= self.scale {
            Decimal::new(self.mantissa_at(scale).into_owned(), scale)
        } else {
            self.round_with(i32::from(scale), Rounding::HalfAway)
        }
    }

    /// ROUND(x, dp): half away from zero to `dp` decimals; a negative `dp` rounds to tens,
    /// hundreds... (ROUND(1234.5, -2) is 1200). The scale only shrinks (`dp` past it changes
    /// nothing); [`Decimal::rescale`] pads.
    pub fn round(&self, dp: i32) -> Decimal {
        self.round_with(dp, Rounding::HalfAway)
    }

    /// TRUNCATE(x, dp): like [`Decimal::round`] but dropping digits toward zero.
    pub fn trunc(&self, dp: i32) -> Decimal {
        self.round_with(dp, Rounding::Down)
    }

    /// FLOOR(x): the largest integer not above the value.
    pub fn floor(&self) -> Decimal {
        self.round_with(0, Rounding::Floor)
    }

    /// CEIL(x): the smallest integer not below the value.
    pub fn ceil(&self) -> Decimal {
        self.round_with(0, Rounding::Ceiling)
    }

    /// Drops the digits below 10^-dp as `mode` says. A negative `dp` only comes with
    /// `HalfAway` or `Down`, for which anything below 10^(int digits + 1) rounds to zero.
    fn round_with(&self, dp: i32, mode: Rounding) -> Decimal {
        if dp >= i32::from(self.scale) {
            return self.clone();
        }
        if dp >= 0 {
            let drop = u32::from(self.scale) - dp as u32;
            let m = div_round(&self.mantissa, &pow10(drop), mode);
            return Decimal::new(m, dp as u8);
        }
        let tens = dp.unsigned_abs().min(self.int_digits() + 1);
        let m = div_round(&self.mantissa, &pow10(u32::from(self.scale) + tens), mode);
        Decimal::new(m * pow10(tens).as_ref(), 0)
    }

    /// The same value without trailing fractional zeros (`1.50` is `1.5`, `2.00` is `2`):
    /// the one form of each value, for keys and hashing.
    pub fn normalize(&self) -> Decimal {
        if self.is_zero() {
            return Decimal::ZERO;
        }
        let ten = BigInt::from(10u8);
        let (mut m, mut scale) = (self.mantissa.clone(), self.scale);
        while scale > 0 && (&m % &ten).sign() == Sign::NoSign {
            m /= &ten;
            scale -= 1;
        }
        Decimal::new(m, scale)
    }

    /// `self + other` at the larger scale; `None` past 65 integer digits.
    pub fn checked_add(&self, other: &Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let m = self.mantissa_at(scale).as_ref() + other.mantissa_at(scale).as_ref();
        Decimal::new(m, scale).checked()
    }

    /// `self - other` at the larger scale; `None` past 65 integer digits.
    pub fn checked_sub(&self, other: &Decimal) -> Option<Decimal> {
        self.checked_add(&-other)
    }

    /// `self * other` at the sum of the scales, rounded half away from zero beyond 30
    /// decimals (MySQL's scale for a product); `None` past 65 integer digits.
    pub fn checked_mul(&self, other: &Decimal) -> Option<Decimal> {
        let m = &self.mantissa * &other.mantissa;
        let scale = u32::from(self.scale) + u32::from(other.scale);
        let max = u32::from(MAX_SCALE);
        let product = match scale.checked_sub(max) {
            Some(extra) if extra > 0 => {
                Decimal::new(div_round(&m, &pow10(extra), Rounding::HalfAway), MAX_SCALE)
            }
            _ => Decimal::new(m, scale as u8),
        };
        product.checked()
    }

    /// `self / other` rounded half away from zero to exactly `scale` decimals, computed
    /// exactly. MySQL's quotient scale is the caller's to choose (the dividend's scale plus
    /// div_precision_increment, at most 30). `None` for a zero divisor or past 65 integer
    /// digits.
    pub fn checked_div_to_scale(&self, other: &Decimal, scale: u8) -> Option<Decimal> {
        self.div_with(other, scale, Rounding::HalfAway)
    }

    /// `self DIV other`: the quotient truncated toward zero, as an integral decimal.
    /// `None` for a zero divisor or past 65 integer digits.
    pub fn checked_int_div(&self, other: &Decimal) -> Option<Decimal> {
        self.div_with(other, 0, Rounding::Down)
    }

    /// The quotient as `mantissa / 10^scale` with mantissa = round(self * 10^scale / other):
    /// both sides are brought to integers first, so no digit is lost before the rounding.
    fn div_with(&self, other: &Decimal, scale: u8, mode: Rounding) -> Option<Decimal> {
        if other.is_zero() {
            return None;
        }
        // self / other = (m1 * 10^s2) / (m2 * 10^s1); times 10^scale.
        let shift = i32::from(other.scale) + i32::from(scale) - i32::from(self.scale);
        let q = if shift >= 0 {
            let num = &self.mantissa * pow10(shift as u32).as_ref();
            div_round(&num, &other.mantissa, mode)
        } else {
            let den = &other.mantissa * pow10(shift.unsigned_abs()).as_ref();
            div_round(&self.mantissa, &den, mode)
        };
        Decimal::new(q, scale).checked()
    }

    /// MOD(self, other): the remainder of the truncated division, with the dividend's sign
    /// (MOD(-7.5, 2) is -1.5), at the larger scale. `None` for a zero divisor.
    pub fn checked_rem(&self, other: &Decimal) -> Option<Decimal> {
        if other.is_zero() {
            return None;
        }
        let scale = self.scale.max(other.scale);
        let m = self.mantissa_at(scale).as_ref() % other.mantissa_at(scale).as_ref();
        Decimal::new(m, scale).checked()
    }

    /// The integer part (fraction dropped toward zero), when it fits.
    fn integer_part(&self) -> Cow<'_, BigInt> {
        match self.scale {
            0 => Cow::Borrowed(&self.mantissa),
            s => Cow::Owned(&self.mantissa / pow10(u32::from(s)).as_ref()),
        }
    }

    /// The integer part as an `i64` (fraction truncated: round first to round); `None`
    /// outside BIGINT.
    pub fn to_i64(&self) -> Option<i64> {
        i64::try_from(self.integer_part().as_ref()).ok()
    }

    /// The integer part as a `u64` (fraction truncated); `None` outside BIGINT UNSIGNED.
    pub fn to_u64(&self) -> Option<u64> {
        u64::try_from(self.integer_part().as_ref()).ok()
    }

    /// The integer part as an `i128` (fraction truncated); `None` outside it.
    pub fn to_i128(&self) -> Option<i128> {
        i128::try_from(self.integer_part().as_ref()).ok()
    }

    /// The nearest double, as MySQL converts a decimal for DOUBLE arithmetic.
    pub fn to_f64(&self) -> f64 {
        // Both parts exact as doubles: one correctly rounded division.
        if let (Ok(m), Some(p)) = (
            i64::try_from(&self.mantissa),
            EXACT_POWERS.get(usize::from(self.scale)),
        ) {
            if m.unsigned_abs() < 1 << 53 {
                return m as f64 / p;
            }
        }
        self.to_string().parse().unwrap_or(0.0)
    }

    /// A double as MySQL reads it into a decimal: its shortest round-trip text, exactly
    /// (1e28 is 10000000000000000000000000000, not the binary value's
    /// 9999999999999999583119736832). Past 65 integer digits (or infinite) it overflows;
    /// beyond 30 decimals it rounds.
    pub fn from_f64(f: f64) -> Result<Decimal, ParseDecimalError> {
        if f.is_infinite() {
            return Err(ParseDecimalError::Overflow { negative: f < 0.0 });
        }
        // NaN prints as "NaN", which is no number.
        format!("{f:e}").parse()
    }

    /// Reads `text` (as [`FromStr`] does) rounding once, half away from zero, to exactly
    /// `scale` decimals: how a column of that scale reads it, with no double rounding of
    /// digits past 30.
    pub fn parse_rounded(text: &str, scale: u8) -> Result<Decimal, ParseDecimalError> {
        let (negative, digits, exp) = split_number(text)?;
        from_digits(negative, &digits, exp, scale)
    }
}

/// A number's text taken apart: its sign, its digits (values 0-9, leading zeros dropped)
/// and the power of ten the last digit stands for. Reads `[+-]digits[.digits][e[+-]digits]`,
/// with digits on at least one side of the point (`.5` and `5.` are numbers).
fn split_number(text: &str) -> Result<(bool, Vec<u8>, i64), ParseDecimalError> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let (int, rest) = rest.split_at(leading_digits(rest));
    let (frac, rest) = match rest.split_first() {
        Some((b'.', after)) => after.split_at(leading_digits(after)),
        _ => (&[][..], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(ParseDecimalError::Invalid);
    }
    let exp = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', e)) => parse_exponent(e)?,
        Some(_) => return Err(ParseDecimalError::Invalid),
    };
    let digits = int
        .iter()
        .chain(frac)
        .map(|c| c - b'0')
        .skip_while(|&d| d == 0)
        .collect();
    Ok((negative, digits, exp - frac.len() as i64))
}

fn leading_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// An exponent's `[+-]digits`, clamped to ±[`EXPONENT_LIMIT`].
fn parse_exponent(e: &[u8]) -> Result<i64, ParseDecimalError> {
    let (negative, digits) = match e.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, e),
    };
    if digits.is_empty() || leading_digits(digits) != digits.len() {
        return Err(ParseDecimalError::Invalid);
    }
    let n = digits.iter().fold(0i64, |n, &c| {
        (n * 10 + i64::from(c - b'0')).min(EXPONENT_LIMIT)
    });
    Ok(if negative { -n } else { n })
}

/// The decimal `digits × 10^exp` rounded half away from zero to `scale` decimals. Only the
/// digits kept and the first one dropped are read, so a long text costs no big arithmetic.
fn from_digits(
    negative: bool,
    digits: &[u8],
    exp: i64,
    scale: u8,
) -> Result<Decimal, ParseDecimalError> {
    if digits.is_empty() {
        return Ok(Decimal::zero(scale));
    }
    let overflow = ParseDecimalError::Overflow { negative };
    let len = digits.len() as i64;
    if len + exp > i64::from(MAX_PRECISION) {
        return Err(overflow);
    }
    // How many leading digits lie at or above 10^-scale.
    let keep = len + exp + i64::from(scale);
    let magnitude = if keep >= len {
        let pad = pow10((keep - len) as u32);
        radix10(digits) * pad.magnitude()
    } else if keep < 0 {
        BigUint::ZERO
    } else {
        let kept = radix10(&digits[..keep as usize]);
        if digits[keep as usize] >= 5 {
            kept + 1u8
        } else {
            kept
        }
    };
    let sign = if negative { Sign::Minus } else { Sign::Plus };
    Decimal::new(BigInt::from_biguint(sign, magnitude), scale)
        .checked()
        .ok_or(overflow)
}

/// Digit values (0-9, most significant first) as a number.
fn radix10(digits: &[u8]) -> BigUint {
    BigUint::from_radix_be(digits, 10).unwrap_or_default()
}

impl FromStr for Decimal {
    type Err = ParseDecimalError;

    /// Reads a number's text exactly, as MySQL reads a DECIMAL literal or string: `1.50`,
    /// `-1.5E-3`, `1e30`, `.5`, `5.`. The scale is the text's (`1.50` keeps two decimals,
    /// `1.5e-3` has four), rounded half away from zero past 30. No spaces are skipped.
    fn from_str(text: &str) -> Result<Decimal, ParseDecimalError> {
        let (negative, digits, exp) = split_number(text)?;
        let scale = (-exp).clamp(0, i64::from(MAX_SCALE)) as u8;
        from_digits(negative, &digits, exp, scale)
    }
}

impl fmt::Display for Decimal {
    /// The plain text with exactly `scale` decimals (`1.50`, `-0.05`, `1000000`), never an
    /// exponent, as MySQL prints a DECIMAL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.magnitude().to_string();
        let sign = if self.is_negative() { "-" } else { "" };
        let scale = usize::from(self.scale);
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    /// Numeric order, whatever the scales (`1.5 == 1.50 < 1.51`).
    fn cmp(&self, other: &Decimal) -> Ordering {
        if self.scale == other.scale {
            return self.mantissa.cmp(&other.mantissa);
        }
        // Signs decide most comparisons without scaling anything.
        match self.mantissa.sign().cmp(&other.mantissa.sign()) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        let scale = self.scale.max(other.scale);
        self.mantissa_at(scale).cmp(&other.mantissa_at(scale))
    }
}

impl Hash for Decimal {
    /// Equal values hash alike: the normal form is hashed, not the scale written.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let n = self.normalize();
        n.mantissa.hash(state);
        n.scale.hash(state);
    }
}

impl Neg for Decimal {
    type Output = Decimal;

    fn neg(self) -> Decimal {
        Decimal::new(-self.mantissa, self.scale)
    }
}

impl Neg for &Decimal {
    type Output = Decimal;

    fn neg(self) -> Decimal {
        Decimal::new(-&self.mantissa, self.scale)
    }
}

impl From<i64> for Decimal {
    fn from(i: i64) -> Decimal {
        Decimal::new(i, 0)
    }
}

impl From<u64> for Decimal {
    fn from(u: u64) -> Decimal {
        Decimal::new(u, 0)
    }
}

impl From<i128> for Decimal {
    fn from(i: i128) -> Decimal {
        Decimal::new(i, 0)
    }
}

impl Default for Decimal {
    fn default() -> Decimal {
        Decimal::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    /// 65 digits: 35 integer digits and 30 decimals, DECIMAL(65,30)'s widest value.
    const WIDE: &str = "12345678901234567890123456789012345.123456789012345678901234567890";
    const NINES: &str = "99999999999999999999999999999999999.999999999999999999999999999999";

    #[test]
    fn parses_plain_and_exponent_forms() {
        for (text, shown) in [
            ("0", "0"),
            ("1.50", "1.50"),
            ("-0.00", "0.00"),
            ("+7", "7"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-1.5E-3", "-0.0015"),
            ("1.50e1", "15.0"),
            ("00012.3400", "12.3400"),
            ("1e30", "1000000000000000000000000000000"),
            ("0e100", "0"),
            (WIDE, WIDE),
            (NINES, NINES),
        ] {
            assert_eq!(d(text).to_string(), shown, "{text}");
        }
        for bad in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "1x", " 1", "0x10", "NaN", "inf",
        ] {
            assert_eq!(
                bad.parse::<Decimal>(),
                Err(ParseDecimalError::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn parsing_rounds_past_30_decimals_and_overflows_past_65_digits() {
        // 31 decimals: the 31st rounds half away from zero.
        assert_eq!(
            d("0.1234567890123456789012345678905").to_string(),
            "0.123456789012345678901234567891"
        );
        assert_eq!(
            d("-0.0000000000000000000000000000005").to_string(),
            "-0.000000000000000000000000000001"
        );
        assert!(d("1e-40").is_zero());
        assert!(d("1e-1000000000000").is_zero());
        let max = "9".repeat(65);
        assert_eq!(d(&max).to_string(), max);
        assert_eq!(
            format!("1{max}").parse::<Decimal>(),
            Err(ParseDecimalError::Overflow { negative: false })
        );
        assert_eq!(
            "-1e65".parse::<Decimal>(),
            Err(ParseDecimalError::Overflow { negative: true })
        );
        assert_eq!(
            "1e99999999999999999999".parse::<Decimal>(),
            Err(ParseDecimalError::Overflow { negative: false })
        );
        // Rounding up into a 66th digit overflows too.
        assert_eq!(d(&format!("{max}.5")).to_string(), format!("{max}.5"));
        assert!(Decimal::parse_rounded(&format!("{max}.5"), 0).is_err());
        assert_eq!(
            Decimal::parse_rounded("0e1000000000", 2),
            Ok(Decimal::zero(2))
        );
        // A long text is read without big arithmetic on its dropped digits.
        let long = format!("0.{}", "3".repeat(1_000_000));
        assert_eq!(d(&long).to_string(), format!("0.{}", "3".repeat(30)));
    }

    #[test]
    fn parse_rounded_rounds_once_to_the_given_scale() {
        let p = |t: &str, s: u8| Decimal::parse_rounded(t, s).unwrap().to_string();
        assert_eq!(p("1.005", 2), "1.01");
        assert_eq!(p("-1.005", 2), "-1.01");
        assert_eq!(p("1.004", 2), "1.00");
        assert_eq!(p("12", 3), "12.000");
        assert_eq!(p("1e-40", 2), "0.00");
        assert_eq!(p("999.995", 2), "1000.00");
        // 31 decimals read at scale 0: one rounding, not 0.5 rounded again to 1.
        assert_eq!(p("0.4999999999999999999999999999999", 0), "0");
    }

    #[test]
    fn prints_plain_text_at_its_scale() {
        assert_eq!(Decimal::new(150, 2).to_string(), "1.50");
        assert_eq!(Decimal::new(-5, 3).to_string(), "-0.005");
        assert_eq!(Decimal::new(0, 3).to_string(), "0.000");
        assert_eq!(Decimal::new(-1200, 0).to_string(), "-1200");
        assert_eq!((-Decimal::zero(2)).to_string(), "0.00");
        assert_eq!(Decimal::from(i64::MIN).to_string(), i64::MIN.to_string());
        assert_eq!(Decimal::from(u64::MAX).to_string(), u64::MAX.to_string());
        assert_eq!(Decimal::from(i128::MIN).to_string(), i128::MIN.to_string());
        assert_eq!(Decimal::max_of(5, 2).to_string(), "999.99");
        assert_eq!(Decimal::max_of(65, 30).to_string(), NINES);
    }

    #[test]
    fn rounding_is_half_away_from_zero_for_both_signs() {
        let r = |t: &str, dp: i32| d(t).round(dp).to_string();
        assert_eq!(r("2.5", 0), "3");
        assert_eq!(r("-2.5", 0), "-3");
        assert_eq!(r("2.49", 0), "2");
        assert_eq!(r("-2.49", 0), "-2");
        assert_eq!(r("1.005", 2), "1.01");
        assert_eq!(r("-1.005", 2), "-1.01");
        assert_eq!(r("1.5", 3), "1.5");
        assert_eq!(r("1234.5", -2), "1200");
        assert_eq!(r("-1250", -2), "-1300");
        assert_eq!(r("567", -3), "1000");
        assert_eq!(r("567", -4), "0");
        assert_eq!(r("567", -100), "0");
        let t = |t: &str, dp: i32| d(t).trunc(dp).to_string();
        assert_eq!(t("2.99", 0), "2");
        assert_eq!(t("-2.99", 1), "-2.9");
        assert_eq!(t("1299", -2), "1200");
        assert_eq!(d("1.5").floor().to_string(), "1");
        assert_eq!(d("-1.5").floor().to_string(), "-2");
        assert_eq!(d("1.5").ceil().to_string(), "2");
        assert_eq!(d("-1.5").ceil().to_string(), "-1");
        assert_eq!(d("-2").floor().to_string(), "-2");
        assert_eq!(d("1.25").rescale(1).to_string(), "1.3");
        assert_eq!(d("-1.25").rescale(1).to_string(), "-1.3");
        assert_eq!(d("1.2").rescale(4).to_string(), "1.2000");
        assert_eq!(d("1.2000").normalize().to_string(), "1.2");
        assert_eq!(d("0.000").normalize().to_string(), "0");
        assert_eq!(d("100").normalize().to_string(), "100");
    }

    #[test]
    fn compares_and_hashes_by_value_across_scales() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |x: &Decimal| {
            let mut h = DefaultHasher::new();
            x.hash(&mut h);
            h.finish()
        };
        assert_eq!(d("1.5"), d("1.50"));
        assert_eq!(hash(&d("1.5")), hash(&d("1.500")));
        assert_eq!(hash(&d("0")), hash(&d("0.00")));
        assert!(d("1.5") < d("1.51"));
        assert!(d("-1.5") < d("-1.49"));
        assert!(d("-0.001") < d("0"));
        assert!(d("10") > d("9.999999"));
        assert!(d(NINES) > d(WIDE));
        assert!(-d(NINES) < -d(WIDE));
        assert_eq!(d("1e30"), d("1000000000000000000000000000000.000"));
    }

    #[test]
    fn arithmetic_is_exact_to_65_digits() {
        let wide = d(WIDE);
        assert_eq!(
            wide.checked_add(&d("1e-30")).unwrap().to_string(),
            "12345678901234567890123456789012345.123456789012345678901234567891"
        );
        assert_eq!(
            wide.checked_sub(&wide).unwrap().to_string(),
            "0.000000000000000000000000000000"
        );
        assert_eq!(
            d("1e30").checked_add(&d("1")).unwrap().to_string(),
            "1000000000000000000000000000001"
        );
        let thirty = d("123456789012345678901234567890");
        assert_eq!(
            thirty.checked_mul(&thirty).unwrap().to_string(),
            "15241578753238836750495351562536198787501905199875019052100"
        );
        // Scales add, at most 30, rounding the rest.
        assert_eq!(
            d("1.5").checked_mul(&d("2.25")).unwrap().to_string(),
            "3.375"
        );
        assert_eq!(
            d("0.000000000000000000000000000005")
                .checked_mul(&d("0.1"))
                .unwrap()
                .to_string(),
            "0.000000000000000000000000000001"
        );
        assert_eq!(
            Decimal::new(1, 30)
                .checked_div_to_scale(&d("3"), 30)
                .unwrap(),
            Decimal::ZERO
        );
        assert_eq!(
            d("1.000000000000000000000000000000")
                .checked_div_to_scale(&d("3"), 30)
                .unwrap()
                .to_string(),
            "0.333333333333333333333333333333"
        );
        assert_eq!(
            d("2").checked_div_to_scale(&d("3"), 4).unwrap().to_string(),
            "0.6667"
        );
        assert_eq!(
            d("-2")
                .checked_div_to_scale(&d("3"), 4)
                .unwrap()
                .to_string(),
            "-0.6667"
        );
        assert_eq!(
            d("1")
                .checked_div_to_scale(&d("-8"), 2)
                .unwrap()
                .to_string(),
            "-0.13"
        );
        assert_eq!(
            d("10")
                .checked_div_to_scale(&d("0.001"), 0)
                .unwrap()
                .to_string(),
            "10000"
        );
        assert_eq!(d("7.5").checked_int_div(&d("2")).unwrap().to_string(), "3");
        assert_eq!(
            d("-7.5").checked_int_div(&d("2")).unwrap().to_string(),
            "-3"
        );
        assert_eq!(d("-7.5").checked_rem(&d("2")).unwrap().to_string(), "-1.5");
        assert_eq!(d("7.5").checked_rem(&d("-2")).unwrap().to_string(), "1.5");
        assert_eq!(d("10").checked_rem(&d("0.3")).unwrap().to_string(), "0.1");
    }

    #[test]
    fn overflow_and_division_by_zero_are_none() {
        let max = Decimal::max_of(65, 0);
        assert!(max.checked_add(&d("1")).is_none());
        assert!((-&max).checked_sub(&d("1")).is_none());
        assert!(max.checked_add(&d("0.4")).is_some());
        assert!(max.checked_mul(&d("10")).is_none());
        assert!(d("1e40").checked_mul(&d("1e30")).is_none());
        assert!(d("1e64").checked_div_to_scale(&d("0.01"), 0).is_none());
        assert!(d("1").checked_div_to_scale(&Decimal::zero(2), 4).is_none());
        assert!(d("1").checked_int_div(&Decimal::ZERO).is_none());
        assert!(d("1").checked_rem(&Decimal::ZERO).is_none());
    }

    #[test]
    fn converts_to_and_from_machine_numbers() {
        assert_eq!(d("-12.9").to_i64(), Some(-12));
        assert_eq!(d("9223372036854775807.9").to_i64(), Some(i64::MAX));
        assert_eq!(d("9223372036854775808").to_i64(), None);
        assert_eq!(d("18446744073709551615").to_u64(), Some(u64::MAX));
        assert_eq!(d("-1").to_u64(), None);
        assert_eq!(d("1e30").to_i128(), Some(10i128.pow(30)));
        assert_eq!(d("1e40").to_i128(), None);
        assert_eq!(d("0.1").to_f64(), 0.1);
        assert_eq!(d("-2.5").to_f64(), -2.5);
        assert_eq!(d(WIDE).to_f64(), WIDE.parse::<f64>().unwrap());
        // Past 2^53 the text is read, correctly rounded.
        let long = "-123456789.123456789";
        assert_eq!(d(long).to_f64(), long.parse::<f64>().unwrap());
        assert_eq!(d("123.456").to_f64(), 123.456);
        assert_eq!(Decimal::from_f64(0.1).unwrap().to_string(), "0.1");
        assert_eq!(
            Decimal::from_f64(1e28).unwrap().to_string(),
            "10000000000000000000000000000"
        );
        assert_eq!(Decimal::from_f64(-0.0).unwrap().to_string(), "0");
        assert!(Decimal::from_f64(5e-324).unwrap().is_zero());
        assert_eq!(
            Decimal::from_f64(1e300),
            Err(ParseDecimalError::Overflow { negative: false })
        );
        assert_eq!(
            Decimal::from_f64(f64::NEG_INFINITY),
            Err(ParseDecimalError::Overflow { negative: true })
        );
        assert_eq!(Decimal::from_f64(f64::NAN), Err(ParseDecimalError::Invalid));
    }

    #[test]
    fn counts_digits() {
        assert_eq!(d("0.05").int_digits(), 0);
        assert_eq!(d("0.05").digits(), 1);
        assert_eq!(d("1.50").digits(), 3);
        assert_eq!(d("999.99").int_digits(), 3);
        assert_eq!(d("1000").int_digits(), 4);
        assert_eq!(d(WIDE).int_digits(), 35);
        assert_eq!(d(WIDE).digits(), 65);
        assert_eq!(Decimal::ZERO.digits(), 0);
        for n in 1..100u32 {
            assert_eq!(digit_count(pow10(n).magnitude()), n + 1);
            let below = pow10(n).as_ref() - 1u8;
            assert_eq!(digit_count(below.magnitude()), n);
        }
    }
}
