//! Seed normalization (GAME_RULES.md §4.1).
//!
//! The reference accepts a seed from a config file, a CLI flag or the API, and turns any of
//! them into the integer that seeds its generators. Strings follow Python's `int(s, 0)`
//! (with its Unicode-digit and length quirks) and fall back to a SHA-256 of the text, so
//! the same seed text gives the same map in both implementations.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Seeds derived from text, floats or hashes keep 48 bits.
pub const SEED_MASK: u64 = (1 << 48) - 1;

/// CPython (3.11+, and the 2022 security releases) refuses decimal literals longer than
/// this (`sys.get_int_max_str_digits()`), so the reference hashes such strings instead.
const MAX_DECIMAL_DIGITS: usize = 4300;

/// Normalizes a seed given as text. `None` means "no seed" (empty or blank input): the
/// caller then draws a fresh one.
pub fn normalize_seed_str(raw: &str) -> Option<i64> {
    let trimmed = raw.trim_matches(is_python_whitespace);
    if trimmed.is_empty() {
        return None;
    }
    let value = parse_int_literal(trimmed).unwrap_or_else(|| sha256_masked(trimmed.as_bytes()));
    Some(masked_to_i64(value))
}

/// Normalizes a seed given as a JSON value (config file `sector_seed`, API bodies).
pub fn normalize_seed_json(value: &Value) -> Option<i64> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(number) => {
            if let Some(i) = number.as_i64() {
                // Integers are used as is, even negative ones (the generators seed with
                // the magnitude, Appendix A).
                Some(i)
            } else if let Some(u) = number.as_u64() {
                // Above i64::MAX: the reference would keep the big integer; we cannot
                // store it, so keep its low 48 bits like every other derived seed.
                Some(masked_to_i64(u & SEED_MASK))
            } else {
                number.as_f64().map(normalize_seed_float)
            }
        }
        Value::String(text) => normalize_seed_str(text),
        // The reference's `int(...)` rejects containers and hashes their text; the JSON
        // text is our canonical stand-in for it.
        Value::Array(_) | Value::Object(_) => {
            Some(masked_to_i64(sha256_masked(value.to_string().as_bytes())))
        }
    }
}

/// `int(f) & mask` for finite floats (truncation toward zero); non-finite floats cannot
/// become integers, so like the reference we hash their Python text (`inf`, `-inf`, `nan`).
fn normalize_seed_float(f: f64) -> i64 {
    if !f.is_finite() {
        let text = if f.is_nan() {
            "nan"
        } else if f > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        return masked_to_i64(sha256_masked(text.as_bytes()));
    }
    let truncated = f.trunc();
    let magnitude = low_bits_of_integral_float(truncated.abs());
    let value = if truncated < 0.0 { magnitude.wrapping_neg() & SEED_MASK } else { magnitude };
    masked_to_i64(value)
}

/// The low 48 bits of a non-negative integral float, exact for any magnitude.
fn low_bits_of_integral_float(f: f64) -> u64 {
    if f < 18_446_744_073_709_551_616.0 {
        return (f as u64) & SEED_MASK;
    }
    // f = mantissa * 2^exponent with exponent >= 12 here; the shift may push every
    // mantissa bit above bit 47.
    let bits = f.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    if exponent >= 48 { 0 } else { ((u128::from(mantissa) << exponent) as u64) & SEED_MASK }
}

fn masked_to_i64(value: u64) -> i64 {
    // Always below 2^48, so the conversion is lossless.
    (value & SEED_MASK) as i64
}

fn sha256_masked(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    // The low 48 bits of the big-endian digest are its last six bytes.
    digest[26..].iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Python's `str.isspace()`: Unicode White_Space plus the ASCII information separators
/// U+001C..U+001F, which Python also treats as whitespace.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Code points of DIGIT ZERO of every Unicode decimal-digit (Nd) run, Unicode 17.0. Each
/// run is the ten digits 0..9 in order, so a digit's value is its offset from the nearest
/// zero at or below it. Contiguous multi-run ranges (e.g. the mathematical digits) appear
/// once per run.
const ND_ZEROS: [u32; 77] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50,
    0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
    0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x10D40,
    0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x116D0, 0x116DA,
    0x11730, 0x118E0, 0x11950, 0x11BF0, 0x11C50, 0x11D50, 0x11DA0, 0x11DE0, 0x11F50, 0x16130, 0x16A60,
    0x16AC0, 0x16B50, 0x16D70, 0x1CCF0, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0,
    0x1E4F0, 0x1E5F1, 0x1E950, 0x1FBF0,
];

/// The value of a Unicode decimal digit (general category Nd), if `c` is one.
fn unicode_decimal_digit(c: char) -> Option<u8> {
    let cp = u32::from(c);
    let run = ND_ZEROS.partition_point(|&zero| zero <= cp).checked_sub(1)?;
    let offset = cp - ND_ZEROS[run];
    (offset < 10).then_some(offset as u8)
}

/// Parses like Python's `int(s, 0)` on an already trimmed string and returns the value
/// modulo 2^48 (two's complement for negatives). `None` when `s` is not a literal.
fn parse_int_literal(s: &str) -> Option<u64> {
    // Python first maps every Unicode decimal digit to its ASCII digit; any other
    // non-ASCII character makes the literal invalid.
    let ascii: Vec<u8> = s
        .chars()
        .map(|c| if c.is_ascii() { Some(c as u8) } else { unicode_decimal_digit(c).map(|d| b'0' + d) })
        .collect::<Option<_>>()?;

    let (negative, body) = match ascii.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, ascii.as_slice()),
    };
    let (radix, digits) = match body {
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        [b'0', b'o' | b'O', rest @ ..] => (8, rest),
        [b'0', b'b' | b'B', rest @ ..] => (2, rest),
        _ => (10, body),
    };
    // A prefix may be followed by one underscore before the first digit.
    let digits = match digits {
        [b'_', rest @ ..] if radix != 10 => rest,
        _ => digits,
    };

    let mut value: u64 = 0;
    let mut count = 0usize;
    let mut after_underscore = true; // no leading underscore, no "__", no trailing "_"
    let mut leading_zero = false;
    let mut nonzero_after_leading_zero = false;
    for (i, &byte) in digits.iter().enumerate() {
        if byte == b'_' {
            if after_underscore {
                return None;
            }
            after_underscore = true;
            continue;
        }
        let digit = char::from(byte).to_digit(radix)?;
        if i == 0 && digit == 0 {
            leading_zero = true;
        } else if leading_zero && digit != 0 {
            nonzero_after_leading_zero = true;
        }
        // 2^48 * 16 + 15 fits easily in u64, so reducing after every digit is exact.
        value = (value * u64::from(radix) + u64::from(digit)) & SEED_MASK;
        count += 1;
        after_underscore = false;
    }
    if count == 0 || after_underscore {
        return None;
    }
    if radix == 10 {
        // "012" is rejected (Python 3 has no implicit octal) but "00" is zero.
        if nonzero_after_leading_zero || count > MAX_DECIMAL_DIGITS {
            return None;
        }
    }
    Some(if negative { value.wrapping_neg() & SEED_MASK } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TWO_48: i64 = 1 << 48;

    #[test]
    fn spec_examples() {
        assert_eq!(normalize_seed_str("42"), Some(42));
        assert_eq!(normalize_seed_str(" 7 "), Some(7));
        assert_eq!(normalize_seed_str("0x10"), Some(16));
        assert_eq!(normalize_seed_str("1_000"), Some(1000));
        assert_eq!(normalize_seed_str("sector"), Some(264_861_306_070_298));
        assert_eq!(normalize_seed_str("012"), Some(185_932_946_132_471));
        assert_eq!(normalize_seed_str("１２"), Some(12));
        assert_eq!(normalize_seed_str("0x_1"), Some(1));
        assert_eq!(normalize_seed_str("1__0"), Some(40_007_684_969_674));
        assert_eq!(normalize_seed_str("-5"), Some(TWO_48 - 5));
        assert_eq!(normalize_seed_str(""), None);
        assert_eq!(normalize_seed_str("   "), None);
    }

    #[test]
    fn arabic_indic_leading_zero_is_not_a_literal() {
        // "٠١" converts to "01", which the leading-zero rule rejects: hashed as given.
        assert_eq!(normalize_seed_str("٠١"), Some(102_829_384_734_904));
        assert_eq!(normalize_seed_str("١٢"), Some(12));
    }

    // Expectations below: python3 -c "import hashlib; s=...; print(int(s,0) & (2**48-1))"
    // or, for non-literals, int(hashlib.sha256(s.encode()).hexdigest(), 16) & (2**48-1).
    #[test]
    fn python_literal_grammar() {
        let cases: &[(&str, i64)] = &[
            ("+5", 5),
            ("-0", 0),
            ("00", 0),
            ("0_0", 0),
            ("0X1F", 31),
            ("0o17", 15),
            ("0O_7", 7),
            ("0b_1_0", 2),
            ("-0b1", TWO_48 - 1),
            ("+0x5", 5),
            ("0x１２", 18),
            ("０x12", 18),
            ("٣", 3),
            ("0xFFFFFFFFFFFFFFFFFFFF", TWO_48 - 1),
            ("281474976710656", 0),
            ("281474976710657", 1),
            ("-281474976710657", TWO_48 - 1),
            ("\u{1c}9\u{1f}", 9),
            ("\u{3000}9\u{a0}", 9),
            ("\u{11DE7}", 7), // Tolong Siki digit seven (Unicode 17)
            ("\u{1D7D9}", 1), // mathematical double-struck one: second run of that block
        ];
        for &(text, expected) in cases {
            assert_eq!(normalize_seed_str(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn non_literals_are_hashed() {
        for text in [
            "- 5",
            "0x",
            "0b2",
            "1e3",
            "0_",
            "_1",
            "0x_",
            "0x__1",
            "0xａ",
            "1 2",
            "0x-5",
            "--5",
            "+",
            "07",
            "0_1",
            "٠١",
            "1\u{2212}",
        ] {
            let expected = masked_to_i64(sha256_masked(text.as_bytes()));
            assert_eq!(normalize_seed_str(text), Some(expected), "{text:?}");
        }
        assert_eq!(normalize_seed_str("- 5"), Some(251_229_174_151_209));
        // Hashing uses the trimmed text as given.
        assert_eq!(normalize_seed_str("  sector\n"), Some(264_861_306_070_298));
    }

    #[test]
    fn long_decimal_literals_are_hashed_like_cpython() {
        let at_limit = "1".repeat(4300);
        let over_limit = "1".repeat(4301);
        // python3 -c "print(int('1'*4300) % 2**48)"
        assert_eq!(normalize_seed_str(&at_limit), Some(31_274_997_412_295));
        assert_eq!(
            normalize_seed_str(&over_limit),
            Some(masked_to_i64(sha256_masked(over_limit.as_bytes())))
        );
        // Underscores do not count as digits; hex has no limit.
        let underscored = format!("{}1", "1_".repeat(4299));
        assert!(parse_int_literal(&underscored).is_some());
        assert!(parse_int_literal(&format!("0x{}", "f".repeat(5000))).is_some());
        assert!(parse_int_literal(&"0".repeat(4301)).is_none());
    }

    #[test]
    fn json_values() {
        assert_eq!(normalize_seed_json(&json!(null)), None);
        assert_eq!(normalize_seed_json(&json!(true)), Some(1));
        assert_eq!(normalize_seed_json(&json!(false)), Some(0));
        assert_eq!(normalize_seed_json(&json!(42)), Some(42));
        assert_eq!(normalize_seed_json(&json!(-5)), Some(-5));
        assert_eq!(normalize_seed_json(&json!(1_i64 << 50)), Some(1 << 50));
        assert_eq!(normalize_seed_json(&json!(u64::MAX)), Some(TWO_48 - 1));
        assert_eq!(normalize_seed_json(&json!(42.9)), Some(42));
        assert_eq!(normalize_seed_json(&json!(-5.5)), Some(TWO_48 - 5));
        // python3 -c "print(int(1e20) & (2**48-1))"
        assert_eq!(normalize_seed_json(&json!(1e20)), Some(103_549_028_532_224));
        assert_eq!(normalize_seed_json(&json!(1e300)), Some(0));
        assert_eq!(normalize_seed_json(&json!(" 0x10 ")), Some(16));
        assert_eq!(normalize_seed_json(&json!("")), None);
        assert_eq!(normalize_seed_json(&json!([1, 2])), Some(masked_to_i64(sha256_masked(b"[1,2]"))));
        assert_eq!(normalize_seed_float(f64::INFINITY), masked_to_i64(sha256_masked(b"inf")));
    }

    #[test]
    fn nd_table_is_sorted_runs_of_ten() {
        assert!(ND_ZEROS.windows(2).all(|w| w[1] - w[0] >= 10));
        for &zero in &ND_ZEROS {
            for d in 0..10 {
                let c = char::from_u32(zero + d).unwrap();
                assert_eq!(unicode_decimal_digit(c), Some(d as u8));
                assert!(c.is_numeric());
            }
        }
        assert_eq!(unicode_decimal_digit('a'), None);
        assert_eq!(unicode_decimal_digit('\u{2F}'), None);
        assert_eq!(unicode_decimal_digit('\u{3A}'), None);
        assert_eq!(unicode_decimal_digit('²'), None);
    }
}
