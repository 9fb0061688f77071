//! Foreground statement latency over the last few seconds, as backend work (an index
//! build) reads it: has the p99 of clients' statements risen since the work began (the
//! adaptive throttle), how many statements run at a time on average (the cores the
//! build leaves them), and does any run right now?
//!
//! A ring of short windows, each a histogram with four buckets per power of two of
//! microseconds (so a percentile is known within 19%). Recording is two atomic adds; a
//! window is cleared when the ring comes round to it again. Races between a clearing
//! and a concurrent record lose at most that one sample: good enough for a throttle.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

const WINDOW_MS: u64 = 250;
/// 4 s of history.
const WINDOWS: usize = 16;
/// Four buckets per power of two, up to 2^32 µs.
const BUCKETS: usize = 128;

struct Window {
    /// Which window of time (now / WINDOW_MS) the counts are for.
    epoch: AtomicU64,
    counts: [AtomicU32; BUCKETS],
    /// The statements' latencies added up, in microseconds.
    busy_micros: AtomicU64,
}

pub struct LatencyMonitor {
    windows: [Window; WINDOWS],
    /// Statements under way now.
    running: AtomicU64,
}

impl Default for LatencyMonitor {
    fn default() -> Self {
        LatencyMonitor {
            windows: std::array::from_fn(|_| Window {
                epoch: AtomicU64::new(0),
                counts: std::array::from_fn(|_| AtomicU32::new(0)),
                busy_micros: AtomicU64::new(0),
            }),
            running: AtomicU64::new(0),
        }
    }
}

/// How often [`LatencyMonitor::quiet_for`] looks.
const QUIET_LOOK: Duration = Duration::from_micros(250);

/// A percentile of the recent latencies and how many statements it is taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentile {
    pub value: Duration,
    pub samples: u64,
}

fn epoch_now() -> u64 {
    u64::try_from(super::now_ms()).unwrap_or(0) / WINDOW_MS
}

fn bucket(micros: u64) -> usize {
    if micros < 4 {
        return micros as usize;
    }
    let log = 63 - u64::from(micros.leading_zeros());
    // The two bits after the leading one: four buckets per power of two.
    let fraction = (micros >> (log - 2)) & 3;
    ((log as usize) * 4 + fraction as usize).min(BUCKETS - 1)
}

/// The largest latency bucket `b` holds, in microseconds.
fn bucket_upper(b: usize) -> u64 {
    if b < 4 {
        return b as u64;
    }
    let (log, fraction) = ((b / 4) as u32, (b % 4) as u64);
    ((4 + fraction + 1) << (log - 2)) - 1
}

impl LatencyMonitor {
    /// Counts a foreground statement as under way until its [`LatencyMonitor::end`]
    /// (callers pair the two with a guard).
    pub fn start(&self) {
        self.running.fetch_add(1, Ordering::Relaxed);
    }

    /// Ends a statement [`LatencyMonitor::start`] counted, and records its latency.
    pub fn end(&self, latency: Duration) {
        self.running.fetch_sub(1, Ordering::Relaxed);
        self.record_at(epoch_now(), latency);
    }

    /// Whether no foreground statement was under way at any look over `probe` (it
    /// answers no at the first one it sees). The averages lag behind a load that has just
    /// ended: an index built right after a bulk load would take it for clients' work.
    pub fn quiet_for(&self, probe: Duration) -> bool {
        let until = std::time::Instant::now() + probe;
        loop {
            if self.running.load(Ordering::Relaxed) > 0 {
                return false;
            }
            if std::time::Instant::now() >= until {
                return true;
            }
            std::thread::sleep(QUIET_LOOK);
        }
    }

    fn record_at(&self, epoch: u64, latency: Duration) {
        let window = &self.windows[(epoch % WINDOWS as u64) as usize];
        if window.epoch.load(Ordering::Relaxed) != epoch
            && window.epoch.swap(epoch, Ordering::Relaxed) != epoch
        {
            for c in &window.counts {
                c.store(0, Ordering::Relaxed);
            }
            window.busy_micros.store(0, Ordering::Relaxed);
        }
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        window.counts[bucket(micros)].fetch_add(1, Ordering::Relaxed);
        window.busy_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// How many foreground statements ran at a time, on average, over the last `over` (at
    /// least one window, at most 4 s) of whole windows: their latencies added up against
    /// the time. A statement counts in the window it ended in.
    pub fn in_flight(&self, over: Duration) -> f64 {
        self.in_flight_at(epoch_now(), over)
    }

    fn in_flight_at(&self, now: u64, over: Duration) -> f64 {
        let span = (u64::try_from(over.as_millis()).unwrap_or(u64::MAX) / WINDOW_MS)
            .clamp(1, WINDOWS as u64 - 1);
        // The window under way is only partly over: the whole ones before it.
        let oldest = now.saturating_sub(span);
        let busy: u64 = self
            .windows
            .iter()
            .filter(|w| (oldest..now).contains(&w.epoch.load(Ordering::Relaxed)))
            .map(|w| w.busy_micros.load(Ordering::Relaxed))
            .sum();
        busy as f64 / (span * WINDOW_MS * 1000) as f64
    }

    /// The `q` quantile (0 to 1) of the latencies recorded in the last `over`
    /// (at most 4 s); `None` when nothing was recorded.
    pub fn percentile(&self, q: f64, over: Duration) -> Option<Percentile> {
        self.percentile_at(epoch_now(), q, over)
    }

    fn percentile_at(&self, now: u64, q: f64, over: Duration) -> Option<Percentile> {
        let span = (u64::try_from(over.as_millis()).unwrap_or(u64::MAX) / WINDOW_MS)
            .clamp(1, WINDOWS as u64);
        let oldest = now.saturating_sub(span - 1);
        let mut counts = [0u64; BUCKETS];
        for w in &self.windows {
            let epoch = w.epoch.load(Ordering::Relaxed);
            if epoch >= oldest && epoch <= now {
                for (total, c) in counts.iter_mut().zip(&w.counts) {
                    *total += u64::from(c.load(Ordering::Relaxed));
                }
            }
        }
        let samples: u64 = counts.iter().sum();
        if samples == 0 {
            return None;
        }
        let rank = ((samples as f64) * q.clamp(0.0, 1.0)).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (b, n) in counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(Percentile {
                    value: Duration::from_micros(bucket_upper(b)),
                    samples,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_only_while_no_statement_runs() {
        let m = LatencyMonitor::default();
        let probe = Duration::from_millis(2);
        assert!(m.quiet_for(probe));
        m.start();
        assert!(!m.quiet_for(probe));
        m.end(Duration::from_micros(300));
        assert!(m.quiet_for(probe));
    }

    #[test]
    fn buckets_are_ordered_and_bound_their_values() {
        let mut last = 0;
        for us in [
            0u64,
            1,
            3,
            4,
            5,
            7,
            8,
            100,
            999,
            1000,
            1_000_000,
            u64::MAX / 2,
        ] {
            let b = bucket(us);
            assert!(b >= last, "{us}");
            last = b;
            if b < BUCKETS - 1 {
                assert!(bucket_upper(b) >= us, "{us} <= upper of its bucket");
                assert!(bucket_upper(b) as f64 <= (us as f64 * 1.25).max(3.0) + 1.0);
            }
        }
    }

    #[test]
    fn percentiles_of_recent_windows_only() {
        let m = LatencyMonitor::default();
        let ms = Duration::from_millis;
        for _ in 0..99 {
            m.record_at(100, ms(1));
        }
        m.record_at(100, ms(50));
        let p99 = m.percentile_at(100, 0.99, ms(1000)).expect("p99");
        assert_eq!(p99.samples, 100);
        assert!(p99.value >= ms(1) && p99.value < ms(2), "{p99:?}");
        let max = m.percentile_at(100, 1.0, ms(1000)).expect("max");
        assert!(max.value >= ms(50) && max.value < ms(63), "{max:?}");
        // Four windows later the old ones are out of a 1 s view, still in a 4 s one.
        m.record_at(104, ms(10));
        assert_eq!(
            m.percentile_at(104, 0.5, ms(1000)).map(|p| p.samples),
            Some(1)
        );
        assert_eq!(
            m.percentile_at(104, 0.5, ms(4000)).map(|p| p.samples),
            Some(101)
        );
        // A ring's turn later the window is reused, not added to.
        m.record_at(100 + WINDOWS as u64, ms(1));
        assert_eq!(
            m.percentile_at(100 + WINDOWS as u64, 0.5, ms(250))
                .map(|p| p.samples),
            Some(1)
        );
        assert_eq!(LatencyMonitor::default().percentile(0.99, ms(1000)), None);
    }

    #[test]
    fn statements_in_flight_over_whole_windows() {
        let m = LatencyMonitor::default();
        let ms = Duration::from_millis;
        // Two windows of 250 ms, each with 375 ms of statements: 1.5 at a time.
        for epoch in [100, 101] {
            for _ in 0..3 {
                m.record_at(epoch, ms(125));
            }
        }
        assert_eq!(m.in_flight_at(102, ms(500)), 1.5);
        // Over 1 s the two idle windows before count too.
        assert_eq!(m.in_flight_at(102, ms(1000)), 0.75);
        // The window under way is left out, and nothing recorded is none in flight.
        m.record_at(102, ms(1000));
        assert_eq!(m.in_flight_at(102, ms(500)), 1.5);
        assert_eq!(LatencyMonitor::default().in_flight(ms(1000)), 0.0);
    }
}
