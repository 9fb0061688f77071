//! The files an import reads: an absolute server-side path whose file name may hold `*`,
//! `?` or `[...]` wildcards, each file opened through its compression (by extension:
//! `.gz`/`.gzip`, `.zst`/`.zstd`, `.snappy`).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

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

/// The file's content, decompressed as its extension says.
pub fn open(path: &str) -> Result<Box<dyn Read + Send>> {
    let file = BufReader::with_capacity(1 << 20, File::open(path).map_err(cannot_read)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_tidb() {
        assert_eq!(human_size(16), "16B");
        assert_eq!(human_size(7780), "7.598KiB");
        assert_eq!(human_size(1 << 20), "1MiB");
    }

    #[test]
    fn locations_that_are_not_local_paths_fail() {
        assert_eq!(list("s3://b/x.csv").unwrap_err().code(), 8158);
        assert_eq!(list("x.csv").unwrap_err().code(), 8158);
        assert_eq!(list("").unwrap_err().code(), 8156);
        assert_eq!(list("/no/such/dir/x.csv").unwrap_err().code(), 8160);
    }
}
