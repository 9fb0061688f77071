//! The files an import reads: an absolute server-side path whose file name may hold `*`,
//! `?` or `[...]` wildcards, each file opened through its compression (by extension:
//! `.gz`/`.gzip`, `.zst`/`.zstd`, `.snappy`).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One file of an import, with its size on disk; with SPLIT_FILE, a chunk of it: the rows
/// that start in `offset..end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub path: String,
    pub size: u64,
    #[serde(default)]
    pub offset: u64,
    /// `None`: to the end of the file.
    #[serde(default)]
    pub end: Option<u64>,
}

impl DataFile {
    /// Whether the file can be read from the middle (not compressed).
    pub fn splittable(&self) -> bool {
        compression(&self.path).is_none()
    }

    /// The file cut into chunks of about `chunk` bytes.
    pub fn chunks(&self, chunk: u64) -> Vec<DataFile> {
        let chunk = chunk.max(1);
        (0..self.size.div_ceil(chunk).max(1))
            .map(|i| {
                let offset = i * chunk;
                let end = offset.saturating_add(chunk);
                DataFile {
                    path: self.path.clone(),
                    size: end.min(self.size) - offset.min(self.size),
                    offset,
                    end: (end < self.size).then_some(end),
                }
            })
            .collect()
    }
}

/// How a file is compressed, by its extension.
fn compression(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".gz") || lower.ends_with(".gzip") {
        Some("gzip")
    } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
        Some("zstd")
    } else if lower.ends_with(".snappy") {
        Some("snappy")
    } else {
        None
    }
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
        offset: 0,
        end: None,
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

/// The file's content from byte `offset` on, decompressed as its extension says (only an
/// uncompressed file is read from an offset); `read` counts the file's bytes read so far.
pub fn open(path: &str, offset: u64, read: &Arc<AtomicU64>) -> Result<Box<dyn Read + Send>> {
    let mut file = File::open(path).map_err(cannot_read)?;
    if offset > 0 {
        file.seek(SeekFrom::Start(offset)).map_err(cannot_read)?;
    }
    let file = Counted {
        file,
        read: read.clone(),
    };
    let file = BufReader::with_capacity(1 << 20, file);
    Ok(match compression(path) {
        Some("gzip") => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Some("zstd") => {
            Box::new(ruzstd::decoding::StreamingDecoder::new(file).map_err(cannot_read)?)
        }
        Some(_) => Box::new(snap::read::FrameDecoder::new(file)),
        None => Box::new(file),
    })
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
        assert_eq!(decimal_size(4.55e9), "4.55GB");
        assert_eq!(decimal_size(298e9), "298GB");
        assert_eq!(decimal_size(10_960_000.0), "10.96MB");
        assert_eq!(decimal_size(512.0), "512B");
    }

    #[test]
    fn files_cut_into_chunks() {
        let f = DataFile {
            path: "/d/a.csv".into(),
            size: 250,
            offset: 0,
            end: None,
        };
        let chunks: Vec<(u64, Option<u64>, u64)> = f
            .chunks(100)
            .iter()
            .map(|c| (c.offset, c.end, c.size))
            .collect();
        assert_eq!(
            chunks,
            vec![(0, Some(100), 100), (100, Some(200), 100), (200, None, 50)]
        );
        assert!(f.splittable());
        assert!(!DataFile {
            path: "/d/a.csv.gz".into(),
            ..f
        }
        .splittable());
    }

    #[test]
    fn locations_that_are_not_local_paths_fail() {
        assert_eq!(list("s3://b/x.csv").unwrap_err().code(), 8158);
        assert_eq!(list("x.csv").unwrap_err().code(), 8158);
        assert_eq!(list("").unwrap_err().code(), 8156);
        assert_eq!(list("/no/such/dir/x.csv").unwrap_err().code(), 8160);
    }
}
