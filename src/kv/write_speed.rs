//! Holding a bulk write (an ingest) to a number of bytes per second: TiDB's MAX_WRITE_SPEED
//! (IMPORT INTO's option; ADD INDEX's `tidb_ddl_reorg_max_write_speed` and ADMIN ALTER DDL
//! JOBS ... MAX_WRITE_SPEED, which a running job takes at its next checkpoint).

use std::time::{Duration, Instant};

/// Checked every this many bytes: often enough to stay near the limit, rarely enough to
/// cost nothing.
const STRIDE_BITS: u32 = 16;

#[derive(Debug)]
pub struct WriteSpeed {
    /// Bytes per second at most; 0 is unlimited.
    limit: u64,
    /// Bytes written since `since`.
    bytes: u64,
    since: Instant,
}

impl WriteSpeed {
    pub fn new(limit: u64) -> WriteSpeed {
        WriteSpeed {
            limit,
            bytes: 0,
            since: Instant::now(),
        }
    }

    /// A new limit from now on (what was written under the old one no longer counts).
    pub fn set_limit(&mut self, limit: u64) {
        if limit != self.limit {
            *self = WriteSpeed::new(limit);
        }
    }

    /// Counts `n` more bytes; sleeps while the bytes written are ahead of the limit.
    pub fn wrote(&mut self, n: u64) {
        let before = self.bytes;
        self.bytes = self.bytes.saturating_add(n);
        if self.limit == 0 || before >> STRIDE_BITS == self.bytes >> STRIDE_BITS {
            return;
        }
        let due = Duration::from_secs_f64(self.bytes as f64 / self.limit as f64);
        if let Some(ahead) = due.checked_sub(self.since.elapsed()) {
            std::thread::sleep(ahead);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_never_waits_and_a_limit_paces_the_writer() {
        let started = Instant::now();
        let mut free = WriteSpeed::new(0);
        free.wrote(1 << 30);
        assert!(started.elapsed() < Duration::from_millis(100));
        // 1 MiB at 10 MiB/s takes about 100 ms.
        let mut limited = WriteSpeed::new(10 << 20);
        let started = Instant::now();
        for _ in 0..16 {
            limited.wrote(64 << 10);
        }
        assert!(started.elapsed() >= Duration::from_millis(90));
    }
}
