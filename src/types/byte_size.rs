//! Sizes in bytes as TiDB writes them: `'10MiB'`, `'1.5G'`, `'512'` (IMPORT INTO's
//! DISK_QUOTA and MAX_WRITE_SPEED, `tidb_ddl_reorg_max_write_speed`, ADMIN ALTER DDL JOBS),
//! and back for people (`7.598KiB`).

/// A size such as `100`, `10KiB`, `1.5GB`, `512m` in bytes.
pub fn parse(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let multiple: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "p" | "pb" | "pib" => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * multiple;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// A size for people, in binary units as TiDB prints Source_File_Size (`16B`, `7.598KiB`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes}B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print_in_binary_units() {
        assert_eq!(parse("10MiB"), Some(10 << 20));
        assert_eq!(parse("1.5k"), Some(1536));
        assert_eq!(parse("512"), Some(512));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("10 parsecs"), None);
        assert_eq!(human(16), "16B");
        assert_eq!(human(7780), "7.598KiB");
        assert_eq!(human(1 << 20), "1MiB");
    }
}
