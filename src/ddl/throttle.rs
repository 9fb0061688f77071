//! Adaptive throttle of an index build (beyond TiDB's static knobs, like gh-ost's
//! throttling): when clients' statements get slower than they were before the build began,
//! the build's threads rest, longer each time the throttle looks again and latency is
//! still up, shorter once it is back down. `SET GLOBAL moltdb_ddl_adaptive_throttle = OFF`
//! turns it off.
//!
//! The signal is the p99 of foreground statements over the last second
//! (`domain::latency`) against their p99 over the seconds before the job's first phase on
//! this node; with no foreground load then there is nothing to protect and the build runs
//! flat out. The level the throttle reached and that baseline stay with the job from phase
//! to phase (reading, writing, merging, verifying), so a later phase neither starts from
//! nothing nor takes the build's own effect on latency for the level to hold.
//!
//! The rest is a share of the work, not a pause between pieces of it: every background
//! thread (`background::breathe`, called per key by the storage's loops) sleeps the
//! current rest after each quarter millisecond of work. So it reaches every phase and
//! every thread of one, including those that work in one long call (the verification's
//! reads, the ingest's writer), and takes effect within a millisecond.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::backfill::knob;
use crate::domain::Domain;

/// Back off when the p99 rises above this multiple of the level before the build...
const RAISED: f64 = 1.3;
/// ... and ease off once it is below this one.
const RECOVERED: f64 = 1.1;
/// Fewer statements than this say nothing about a p99.
const MIN_SAMPLES: u64 = 50;
/// How often the throttle looks at the latency.
const TICK: Duration = Duration::from_millis(250);
/// The rests after each quarter millisecond of work, one level per look. At most four
/// times the work: the temporary index's merge must keep up with the DML that fills it.
const RESTS: [Duration; 6] = [
    Duration::ZERO,
    Duration::from_micros(60),
    Duration::from_micros(125),
    Duration::from_micros(250),
    Duration::from_micros(500),
    Duration::from_millis(1),
];
/// A job not seen for this long on this node is forgotten (another node owns its end).
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// The level after `level`, given the p99 before the build and now (`None`: too few
/// statements to tell).
fn next_level(level: usize, baseline: Duration, now: Option<Duration>) -> usize {
    let ratio = now.map_or(0.0, |now| {
        now.as_secs_f64() / baseline.as_secs_f64().max(1e-6)
    });
    if ratio > RAISED {
        (level + 1).min(RESTS.len() - 1)
    } else if ratio > RECOVERED {
        level
    } else {
        level.saturating_sub(1)
    }
}

/// What this node keeps of a job's throttle between its phases.
struct JobThrottle {
    /// The p99 before the job's first phase here (`None`: no foreground load then).
    baseline: Option<Duration>,
    level: usize,
    /// Phases of the job running here now.
    running: usize,
    last_seen: Instant,
}

fn jobs() -> &'static Mutex<HashMap<i64, JobThrottle>> {
    static JOBS: OnceLock<Mutex<HashMap<i64, JobThrottle>>> = OnceLock::new();
    JOBS.get_or_init(Default::default)
}

/// Runs `work`, one phase of job `job_id`, under the job's throttle: a thread looks at the
/// latency every [`TICK`] meanwhile and sets the rest of background threads.
pub fn throttled<T>(domain: &Domain, job_id: i64, work: impl FnOnce() -> T) -> T {
    enter(job_id, || p99(domain, Duration::from_secs(4)));
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let ticker = std::thread::Builder::new()
            .name("ddl-throttle".into())
            .spawn_scoped(scope, || {
                while !done.load(Ordering::Acquire) {
                    std::thread::park_timeout(TICK);
                    if !done.load(Ordering::Acquire) {
                        look(domain, job_id);
                    }
                }
            });
        // Also when `work` unwinds: the scope waits for the ticker before it goes on.
        let _end = PhaseEnd {
            job_id,
            done: &done,
            ticker: ticker.ok().map(|t| t.thread().clone()),
        };
        work()
    })
}

/// Ends a phase: stops its looks and leaves the job's throttle.
struct PhaseEnd<'a> {
    job_id: i64,
    done: &'a AtomicBool,
    ticker: Option<std::thread::Thread>,
}

impl Drop for PhaseEnd<'_> {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Release);
        if let Some(ticker) = &self.ticker {
            ticker.unpark();
        }
        leave(self.job_id);
    }
}

/// Forgets job `job_id`'s throttle (the job ended or paused: a resumed job measures its
/// baseline again, without the build running).
pub fn forget(job_id: i64) {
    let mut jobs = jobs().lock();
    jobs.remove(&job_id);
    apply(&jobs);
}

/// A phase of job `job_id` starts here; `baseline` measures the latency to hold to, if the
/// job has none yet.
fn enter(job_id: i64, baseline: impl FnOnce() -> Option<Duration>) {
    let mut jobs = jobs().lock();
    jobs.retain(|_, job| job.running > 0 || job.last_seen.elapsed() < FORGET_AFTER);
    let job = jobs.entry(job_id).or_insert_with(|| JobThrottle {
        baseline: baseline(),
        level: 0,
        running: 0,
        last_seen: Instant::now(),
    });
    job.running += 1;
    job.last_seen = Instant::now();
    apply(&jobs);
}

fn leave(job_id: i64) {
    let mut jobs = jobs().lock();
    if let Some(job) = jobs.get_mut(&job_id) {
        job.running = job.running.saturating_sub(1);
        job.last_seen = Instant::now();
    }
    apply(&jobs);
}

/// One look at the latency for job `job_id`.
fn look(domain: &Domain, job_id: i64) {
    let enabled = knob(domain, "moltdb_ddl_adaptive_throttle", 1, 0, 1) == 1;
    look_at(job_id, enabled, p99(domain, Duration::from_secs(1)));
}

/// The p99 of clients' statements over the last `over` (`None`: too few to tell).
fn p99(domain: &Domain, over: Duration) -> Option<Duration> {
    domain
        .latency
        .percentile(0.99, over)
        .filter(|p| p.samples >= MIN_SAMPLES)
        .map(|p| p.value)
}

/// Moves job `job_id`'s level by the p99 `now` (`None`: too few statements to tell).
fn look_at(job_id: i64, enabled: bool, now: Option<Duration>) {
    let mut jobs = jobs().lock();
    let Some(job) = jobs.get_mut(&job_id) else {
        return;
    };
    let previous = job.level;
    job.level = match job.baseline.filter(|_| enabled) {
        Some(base) => next_level(job.level, base, now),
        None => 0,
    };
    if job.level != previous {
        tracing::debug!(
            job_id,
            baseline = ?job.baseline,
            p99 = ?now,
            rest = ?RESTS[job.level],
            "reorg throttle"
        );
    }
    apply(&jobs);
}

/// Background threads rest as the most throttled job running here asks.
fn apply(jobs: &HashMap<i64, JobThrottle>) {
    let level = jobs
        .values()
        .filter(|job| job.running > 0)
        .map(|job| job.level)
        .max()
        .unwrap_or(0);
    crate::background::set_rest(RESTS[level]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_while_latency_is_up_and_eases_off_after() {
        let ms = Duration::from_millis;
        let base = ms(2);
        let top = RESTS.len() - 1;
        // Up: one level each look, up to the top.
        assert_eq!(next_level(0, base, Some(ms(3))), 1);
        assert_eq!(next_level(2, base, Some(ms(3))), 3);
        assert_eq!(next_level(top, base, Some(ms(30))), top);
        // Between the two marks: hold.
        assert_eq!(next_level(3, base, Some(Duration::from_micros(2400))), 3);
        // Down, or too few statements to tell: a level down, then no rest.
        assert_eq!(next_level(3, base, Some(ms(2))), 2);
        assert_eq!(next_level(3, base, None), 2);
        assert_eq!(next_level(0, base, Some(ms(1))), 0);
    }

    fn level_of(job_id: i64) -> Option<(Option<Duration>, usize, usize)> {
        let jobs = jobs().lock();
        jobs.get(&job_id)
            .map(|job| (job.baseline, job.level, job.running))
    }

    #[test]
    fn a_job_keeps_its_baseline_and_level_from_phase_to_phase() {
        let ms = Duration::from_millis;
        // A job id no build in this process has.
        let job = -7_000_001;
        enter(job, || Some(ms(2)));
        look_at(job, true, Some(ms(3)));
        look_at(job, true, Some(ms(3)));
        assert_eq!(level_of(job), Some((Some(ms(2)), 2, 1)));
        leave(job);
        // The next phase does not measure again (its latency is the build's doing).
        enter(job, || panic!("measured again"));
        assert_eq!(level_of(job), Some((Some(ms(2)), 2, 1)));
        // Switched off: no rest.
        look_at(job, false, Some(ms(9)));
        assert_eq!(level_of(job), Some((Some(ms(2)), 0, 1)));
        leave(job);
        forget(job);
        assert_eq!(level_of(job), None);
        // No foreground load before the build: nothing to protect.
        enter(job, || None);
        look_at(job, true, Some(ms(9)));
        assert_eq!(level_of(job), Some((None, 0, 1)));
        leave(job);
        forget(job);
    }

    #[test]
    fn a_phase_that_fails_badly_still_ends() {
        let store = crate::kv::open_memory().expect("store");
        let events = std::sync::Arc::new(crate::domain::events::Events::default());
        let domain =
            Domain::open(store, 0, String::new(), events, std::env::temp_dir()).expect("domain");
        let job = -7_000_002;
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            throttled(&domain, job, || panic!("a bug in a phase"))
        }));
        assert!(unwound.is_err());
        assert_eq!(level_of(job).map(|(_, _, running)| running), Some(0));
        assert_eq!(throttled(&domain, job, || 7), 7);
        forget(job);
    }

    #[test]
    fn rests_stay_within_four_times_the_work() {
        assert!(RESTS.windows(2).all(|w| w[0] < w[1]));
        assert!(RESTS[RESTS.len() - 1] <= 4 * Duration::from_micros(250));
    }
}
