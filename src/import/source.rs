//! The files an import reads: an absolute server-side path whose file name may hold `*`,
//! `?` or `[...]` wildcards, each file opened through its compression (by extension:
//! `.gz`/`.gzip`, `.zst`/`.zstd`, `.snappy`).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One file of an import, with its size on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub path: String,
    pub size: u64,
}

fn cannot_read(reason: impl std::fmt::Display) -> Error {
    Error::new(
        8160,
        "HY000",
        format!("Failed to read source files. Reason: {reason}. Please check the file location is correct"),
    )
}

/// The files `location` names, in path order. A location that is not an absolute path is
/// TiDB's 8158; wildcards may appear only in the file name.
pub fn list(location: &str) -> Result<Vec<DataFile>> {
    if location.is_empty() {
        return Err(Error::new(
            8156,
            "HY000",
            "The value of INFILE must not be empty when LOAD DATA from LOCAL",
        ));
    }
    if let Some((scheme, _)) = location.split_once("://") {
        return Err(Error::new(
            8158,
            "HY000",
            format!("The URI of data source is invalid. Reason: storage {scheme} not support yet. Please provide a valid URI, such as 's3://import/test.csv?access-key={{your_access_key_id ID}}&secret-access-key={{your_secret_access_key}}&session-token={{your_session_token}}'"),
        ));
    }
    let path = Path::new(location);
    if !path.is_absolute() {
        return Err(Error::new(
            8158,
            "HY000",
            "The URI of data source is invalid. Reason: the path must be absolute. Please provide a valid URI, such as '/path/to/file-*.csv'",
        ));
    }
    let wild = |s: &str| s.contains(['*', '?', '[']);
    if path.parent().is_some_and(|p| wild(&p.to_string_lossy())) {
        return Err(cannot_read("wildcards are allowed only in the file name"));
    }
    let mut files = Vec::new();
    if wild(location) {
        let paths = glob::glob(location).map_err(cannot_read)?;
        for entry in paths {
            let p = entry.map_err(cannot_read)?;
            if p.is_file() {
                files.push(describe(&p)?);
            }
        }
    } else {
        files.push(describe(path)?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn describe(path: &Path) -> Result<DataFile> {
    let meta = std::fs::metadata(path).map_err(cannot_read)?;
    Ok(DataFile {
        path: path.to_string_lossy().into_owned(),
        size: meta.len(),
    })
}

/// A file that counts the bytes read from it (before decompression): how far a reader is.
struct Counted {
    file: File,
    read: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The file's content, decompressed as its extension says; `read` counts the file's bytes
/// read so far.
pub fn open(path: &str, read: &Arc<AtomicU64>) -> Result<Box<dyn Read + Send>> {
    let file = Counted {
        file: File::open(path).map_err(cannot_read)?,
        read: read.clone(),
    };
    let file = BufReader::with_capacity(1 << 20, file);
    let lower = path.to_ascii_lowercase();
    Ok(if lower.ends_with(".gz") || lower.ends_with(".gzip") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
        Box::new(ruzstd::decoding::StreamingDecoder::new(file).map_err(cannot_read)?)
    } else if lower.ends_with(".snappy") {
        Box::new(snap::read::FrameDecoder::new(file))
    } else {
        Box::new(file)
    })
}

/// A size for people, in binary units as TiDB prints Source_File_Size (`16B`, `7.598KiB`).
pub fn human_size(bytes: u64) -> String {
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

/// A size in decimal units with four significant digits, as TiDB prints the progress
/// columns of SHOW IMPORT JOB (`4.55GB`, `298GB`, `10.96MB`).
pub fn decimal_size(bytes: f64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let whole_digits = if value >= 1.0 {
        value.log10().floor() as usize + 1
    } else {
        1
    };
    let text = format!("{value:.*}", 4usize.saturating_sub(whole_digits));
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_tidb() {
        assert_eq!(human_size(16), "16B");
        assert_eq!(human_size(7780), "7.598KiB");
        assert_eq!(human_size(1 << 20), "1MiB");
        assert_eq!(decimal_size(4.55e9), "4.55GB");
        assert_eq!(decimal_size(298e9), "298GB");
        assert_eq!(decimal_size(10_960_000.0), "10.96MB");
        assert_eq!(decimal_size(512.0), "512B");
    }

    #[test]
    fn locations_that_are_not_local_paths_fail() {
        assert_eq!(list("s3://b/x.csv").unwrap_err().code(), 8158);
        assert_eq!(list("x.csv").unwrap_err().code(), 8158);
        assert_eq!(list("").unwrap_err().code(), 8156);
        assert_eq!(list("/no/such/dir/x.csv").unwrap_err().code(), 8160);
    }
}
