//! Adaptive throttle of an index build (beyond TiDB's static knobs, like gh-ost's
//! throttling): when clients' statements get slower than they were before the build began,
//! the build's threads rest, longer while latency stays up and the rests help, shorter once
//! it is back down. `SET GLOBAL moltdb_ddl_adaptive_throttle = OFF`
//! turns it off.
//!
//! The throttle checks its own effect: a second after each raise it compares the p99 with
//! the p99 that made it raise, and takes the raise back when the p99 did not come down.
//! Clients' statements also get slower for reasons a resting build does not remove (from
//! the merge on they maintain the new index too, the ingest's compaction, the disk): under
//! two clients' index-update DML that left a core idle, the build rested at the top level
//! and took 5 s instead of 2.3 (BENCHMARKS.md, stop 61).
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

/// A raise is judged once the latency window ([`p99`] over a second) holds only statements
/// that ran under it.
const JUDGE_AFTER: Duration = Duration::from_secs(1);
/// A raise that did not bring the p99 down by this share was no help...
const MIN_GAIN: f64 = 0.1;
/// ... and the throttle raises no more for this long: clients' statements are slower for
/// another reason (the index they now maintain too, a compaction, the disk), which a build
/// resting longer would only prolong.
const COOL_DOWN: Duration = Duration::from_secs(3);

/// The throttle's level for one job, and what it learnt of its own effect.
#[derive(Debug, Clone, Copy, Default)]
struct Control {
    level: usize,
    /// The last raise, not judged yet: the level before it, the p99 ratio then, and when.
    trial: Option<(usize, f64, Instant)>,
    /// Until then, resting more is known not to help.
    futile_until: Option<Instant>,
}

impl Control {
    /// One look at `ratio`, the p99 now over the p99 before the build (`None`: too few
    /// statements to tell). Above [`RAISED`] the rest goes a level up, and a second later
    /// the throttle checks that it brought the p99 down; if not, it goes back and raises no
    /// more for [`COOL_DOWN`]. Below [`RECOVERED`] (or with too few statements) it goes a
    /// level down; in between it holds.
    fn look(&mut self, ratio: Option<f64>, now: Instant) {
        let ratio = ratio.unwrap_or(0.0);
        if let Some((before, ratio_then, at)) = self.trial {
            if ratio > RECOVERED && now.duration_since(at) < JUDGE_AFTER {
                return;
            }
            self.trial = None;
            if ratio > ratio_then * (1.0 - MIN_GAIN) {
                self.level = before;
                self.futile_until = Some(now + COOL_DOWN);
                return;
            }
        }
        if ratio > RAISED {
            let futile = self.futile_until.is_some_and(|until| now < until);
            if !futile && self.level + 1 < RESTS.len() {
                self.trial = Some((self.level, ratio, now));
                self.level += 1;
            }
        } else if ratio <= RECOVERED {
            self.level = self.level.saturating_sub(1);
        }
    }
}

/// What this node keeps of a job's throttle between its phases.
struct JobThrottle {
    /// The p99 before the job's first phase here (`None`: no foreground load then).
    baseline: Option<Duration>,
    control: Control,
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
        control: Control::default(),
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
    let previous = job.control.level;
    match job.baseline.filter(|_| enabled) {
        Some(base) => {
            let ratio = now.map(|now| now.as_secs_f64() / base.as_secs_f64().max(1e-6));
            job.control.look(ratio, Instant::now());
        }
        None => job.control = Control::default(),
    }
    if job.control.level != previous {
        tracing::debug!(
            job_id,
            baseline = ?job.baseline,
            p99 = ?now,
            rest = ?RESTS[job.control.level],
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
        .map(|job| job.control.level)
        .max()
        .unwrap_or(0);
    crate::background::set_rest(RESTS[level]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_while_resting_helps_and_eases_off_after() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut c = Control::default();
        c.look(Some(2.0), at(0));
        assert_eq!(c.level, 1);
        // Its effect is not in the window yet: held.
        c.look(Some(2.0), at(250));
        assert_eq!(c.level, 1);
        // A second on, the p99 came down: kept, and up again while it is still high.
        c.look(Some(1.5), at(1000));
        assert_eq!(c.level, 2);
        c.look(Some(1.2), at(2000));
        assert_eq!((c.level, c.trial), (2, None));
        // Between the two marks: hold; below: a level down, or with too few statements.
        c.look(Some(1.2), at(2250));
        assert_eq!(c.level, 2);
        c.look(Some(1.0), at(2500));
        assert_eq!(c.level, 1);
        c.look(None, at(2750));
        assert_eq!(c.level, 0);
        c.look(Some(0.5), at(3000));
        assert_eq!(c.level, 0);
    }

    #[test]
    fn a_rest_that_does_not_help_is_taken_back() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut c = Control::default();
        c.look(Some(2.0), at(0));
        c.look(Some(1.9), at(1000));
        // Not 10% better: back to no rest, and no raise for the cool-down.
        assert_eq!(c.level, 0);
        c.look(Some(2.5), at(2000));
        assert_eq!(c.level, 0);
        c.look(Some(2.5), at(4100));
        assert_eq!(c.level, 1);
        // Latency back down before the judgement: no need to wait for it.
        c.look(Some(1.0), at(4300));
        assert_eq!((c.level, c.trial), (0, None));
    }

    #[test]
    fn the_rest_stops_at_the_top() {
        let t0 = Instant::now();
        let mut c = Control::default();
        for step in 0..6u64 {
            c.look(
                Some(9.0 / (step + 1) as f64),
                t0 + Duration::from_secs(step),
            );
        }
        assert_eq!(c.level, RESTS.len() - 1);
    }

    fn level_of(job_id: i64) -> Option<(Option<Duration>, usize, usize)> {
        let jobs = jobs().lock();
        jobs.get(&job_id)
            .map(|job| (job.baseline, job.control.level, job.running))
    }

    #[test]
    fn a_job_keeps_its_baseline_and_level_from_phase_to_phase() {
        let ms = Duration::from_millis;
        // A job id no build in this process has.
        let job = -7_000_001;
        enter(job, || Some(ms(2)));
        look_at(job, true, Some(ms(3)));
        assert_eq!(level_of(job), Some((Some(ms(2)), 1, 1)));
        leave(job);
        // The next phase does not measure again (its latency is the build's doing).
        enter(job, || panic!("measured again"));
        assert_eq!(level_of(job), Some((Some(ms(2)), 1, 1)));
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
