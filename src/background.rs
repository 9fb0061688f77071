//! Backend work (DDL backfills, DXF subtasks, MVCC garbage collection) runs at a low CPU
//! priority: it uses what clients' statements leave, and a statement that needs a core gets
//! it sooner instead of waiting for a background thread's time slice to end.
//!
//! A nice value rather than `SCHED_IDLE`: measured under load, `SCHED_IDLE` starved the
//! temporary-index merge (8 s instead of 0.3 s; with DML that leaves no CPU spare, a
//! 1M-row build took 2.5 minutes instead of 9 s), and statements stalled for up to seconds,
//! as a starved thread can hold what a statement waits for.
//!
//! A nice value alone still lets a background thread keep a core a woken statement wants:
//! when the statement's thread has had more than its share lately, the scheduler leaves it
//! waiting until the next tick (4 ms at 250 Hz), which put the DML p99 during an index
//! build at 4-6x its level before. So background threads also step aside every quarter
//! millisecond ([`breathe`]), and statements' threads ask for the shortest time slice
//! ([`short_slices`]), with which a woken one takes the core from a background thread at
//! once on kernels that honour it. While clients' statements are slower than before an
//! index build, the build's throttle has them rest instead, a share of their work
//! ([`set_rest`]).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Lowers the calling thread's CPU priority; the threads it starts afterwards (readers,
/// sorters, ingest writers) inherit it, since Linux keeps a nice value per thread.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority only read their integer arguments.
        let result = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE)
        };
        if result != 0 {
            tracing::debug!("could not lower the priority of a background thread");
        }
    }
    update(|breather| breather.background = None);
}

/// Asks the scheduler for short time slices on the calling thread (a client statement's):
/// Linux's EEVDF scheduler (6.12 on) lets a woken thread whose slice is shorter than the
/// running one's take the core at once, instead of waiting until the running thread has
/// had its own slice (0.75-3 ms). So a statement whose packet arrives while a background
/// thread holds the core runs without waiting for that thread's next [`breathe`].
/// Elsewhere (older kernels ignore the hint) nothing changes.
pub fn short_slices() {
    #[cfg(target_os = "linux")]
    {
        /// The kernel's `struct sched_attr` as of its first version (48 bytes).
        #[repr(C)]
        struct SchedAttr {
            size: u32,
            policy: u32,
            flags: u64,
            nice: i32,
            priority: u32,
            runtime: u64,
            deadline: u64,
            period: u64,
        }
        let attr = SchedAttr {
            size: std::mem::size_of::<SchedAttr>() as u32,
            policy: libc::SCHED_OTHER as u32,
            flags: 0,
            nice: 0,
            priority: 0,
            runtime: STATEMENT_SLICE.as_nanos() as u64,
            deadline: 0,
            period: 0,
        };
        // SAFETY: `attr` is a valid sched_attr of the size it states; pid 0 is this thread.
        let result = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr, 0) };
        if result != 0 {
            tracing::debug!("could not ask for short time slices");
        }
    }
}

/// The slice statements' threads ask for: the shortest the kernel takes.
#[cfg(target_os = "linux")]
const STATEMENT_SLICE: Duration = Duration::from_micros(100);

/// The nice value of background threads (0 is normal, 19 the lowest).
#[cfg(target_os = "linux")]
const BACKGROUND_NICE: libc::c_int = 10;

/// Called per small piece of work (a key read or written) by the storage's loops; on a
/// background thread (one [`lower_priority`] lowered, or one it started) it yields the core
/// every `BREATHE_EVERY` to whatever waits for it, which a woken statement's thread
/// then gets at once. Elsewhere it only counts.
pub fn breathe() {
    if time_to_look() {
        update(|breather| take_breath(breather, REST_MICROS.load(Ordering::Relaxed)));
    }
}

/// Called per key by work the engine does on threads of its own (compactions): while an
/// index build's throttle has background threads rest, these rest as long after each
/// `BREATHE_EVERY` of work. Otherwise it only counts.
pub fn pace() {
    if time_to_look() {
        update(|breather| take_pace(breather, REST_MICROS.load(Ordering::Relaxed)));
    }
}

/// Per key on every thread: only a counter; true every [`BREATHE_CHECK`] calls.
fn time_to_look() -> bool {
    CALLS.with(|calls| {
        let n = calls.get().wrapping_add(1);
        calls.set(n);
        n.is_multiple_of(BREATHE_CHECK)
    })
}

/// An engine thread's look at the clock: a rest of `rest` microseconds after each
/// `BREATHE_EVERY` of work, none when `rest` is zero.
fn take_pace(breather: &mut Breather, rest: u64) {
    let now = Instant::now();
    if rest == 0 {
        breather.rested_at = now;
    } else if now.duration_since(breather.rested_at) >= BREATHE_EVERY {
        rest_for(breather, rest);
    }
}

/// Sleeps `rest` microseconds, the throttle's rest.
fn rest_for(breather: &mut Breather, rest: u64) {
    std::thread::sleep(Duration::from_micros(rest));
    breather.rested_at = Instant::now();
    breather.rests += 1;
}

/// A background thread's look at the clock: a yield, or a rest of `rest` microseconds (the
/// throttle's), after each `BREATHE_EVERY` of work.
fn take_breath(breather: &mut Breather, rest: u64) {
    if !*breather.background.get_or_insert_with(is_lowered) {
        return;
    }
    let now = Instant::now();
    let window = now.duration_since(breather.window_start);
    if window >= STARVED_WINDOW {
        // Statements that leave the thread almost no CPU get it anyway: yielding then
        // only stretches the work (with all cores busy, a 9 s index build took 47 s).
        let cpu = thread_cpu_time();
        breather.starved = starved(cpu.saturating_sub(breather.window_cpu), window);
        (breather.window_start, breather.window_cpu) = (now, cpu);
    }
    if now.duration_since(breather.rested_at) < BREATHE_EVERY {
        return;
    }
    if rest > 0 {
        // Asked for (an index build's throttle): taken even by a starved thread.
        rest_for(breather, rest);
    } else if !breather.starved {
        // A sleep would do too, but one short enough not to slow the work ends before
        // the thread leaves the core (and costs 16 us here); a yield costs 0.4 us.
        // SAFETY: no arguments.
        unsafe { libc::sched_yield() };
        breather.rested_at = Instant::now();
        breather.rests += 1;
    }
}

/// Sets the rest background threads take after each `BREATHE_EVERY` of work instead of
/// a yield (zero: none): `ddl::throttle`'s, while clients' statements are slower than
/// before an index build. The engine's compactions take it too ([`pace`]).
pub fn set_rest(rest: Duration) {
    let micros = u64::try_from(rest.as_micros()).unwrap_or(u64::MAX);
    REST_MICROS.store(micros, Ordering::Relaxed);
}

static REST_MICROS: AtomicU64 = AtomicU64::new(0);

/// Work between two yields of a background thread.
const BREATHE_EVERY: Duration = Duration::from_micros(250);

/// Calls of [`breathe`] between two looks at the clock.
const BREATHE_CHECK: u32 = 64;

/// A background thread that got less than this share of the last [`STARVED_WINDOW`] does
/// not yield in the next one.
const STARVED_BELOW: f64 = 0.2;
const STARVED_WINDOW: Duration = Duration::from_millis(100);

/// Whether a thread that used `cpu` of a `window` of wall time was starved.
fn starved(cpu: Duration, window: Duration) -> bool {
    cpu.as_secs_f64() < window.as_secs_f64() * STARVED_BELOW
}

#[derive(Clone, Copy)]
struct Breather {
    /// `None` until first asked (a thread inherits the nice value of the one that started it).
    background: Option<bool>,
    rested_at: Instant,
    /// Yields so far (what the tests look at).
    rests: u64,
    /// The current window's start, and the thread's CPU time then.
    window_start: Instant,
    window_cpu: Duration,
    /// The thread got too little of the last window to give any away.
    starved: bool,
}

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
    static BREATHER: Cell<Breather> = Cell::new(Breather {
        background: None,
        rested_at: Instant::now(),
        rests: 0,
        window_start: Instant::now(),
        window_cpu: Duration::ZERO,
        starved: false,
    });
}

fn update<T>(f: impl FnOnce(&mut Breather) -> T) -> T {
    BREATHER.with(|cell| {
        let mut breather = cell.get();
        let result = f(&mut breather);
        cell.set(breather);
        result
    })
}

/// Whether the calling thread runs below the normal priority.
fn is_lowered() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and getpriority only read their integer arguments. An error
        // reads as -1: not a lowered thread.
        let nice = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::getpriority(libc::PRIO_PROCESS, tid)
        };
        nice > 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// The CPU time the calling thread has used.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write into.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Works as a storage loop does until `rests` yields or `limit`; returns the yields
    /// and the time taken.
    fn work(rests: u64, limit: Duration) -> (u64, Duration) {
        let before = update(|b| b.rests);
        let started = Instant::now();
        while update(|b| b.rests) - before < rests && started.elapsed() < limit {
            breathe();
        }
        (update(|b| b.rests) - before, started.elapsed())
    }

    #[test]
    fn statement_threads_never_yield() {
        let (rests, _) = std::thread::spawn(|| work(1, Duration::from_millis(50)))
            .join()
            .unwrap();
        assert_eq!(rests, 0);
    }

    #[test]
    fn lowered_threads_and_those_they_start_are_background() {
        let (own, child) = std::thread::spawn(|| {
            lower_priority();
            (is_lowered(), std::thread::spawn(is_lowered).join().unwrap())
        })
        .join()
        .unwrap();
        assert!(own && child);
    }

    #[test]
    fn background_threads_yield_every_quarter_millisecond() {
        let (rests, took) = std::thread::spawn(|| {
            // Marked background without lowering its priority, so that a busy machine
            // does not starve it (and stop its yields).
            update(|b| b.background = Some(true));
            work(20, Duration::from_secs(10))
        })
        .join()
        .unwrap();
        assert_eq!(rests, 20, "{rests} yields in {took:?}");
        assert!(took >= BREATHE_EVERY * 19, "20 yields in {took:?}");
    }

    #[test]
    fn background_threads_rest_as_long_as_asked() {
        // The breath itself, not `breathe`: the rest it reads is the process's, which
        // tests of the throttle set meanwhile.
        let (rests, took) = std::thread::spawn(|| {
            let mut breather = BREATHER.with(Cell::get);
            breather.background = Some(true);
            let started = Instant::now();
            while breather.rests < 5 && started.elapsed() < Duration::from_secs(10) {
                take_breath(&mut breather, 2_000);
            }
            (breather.rests, started.elapsed())
        })
        .join()
        .unwrap();
        assert_eq!(rests, 5, "{rests} rests in {took:?}");
        assert!(took >= Duration::from_millis(10), "5 rests in {took:?}");
    }

    #[test]
    fn engine_threads_rest_only_when_asked() {
        // The pace itself, not `pace`: the rest it reads is the process's (see above).
        let (unasked, asked, took) = std::thread::spawn(|| {
            let mut breather = BREATHER.with(Cell::get);
            let started = Instant::now();
            while started.elapsed() < Duration::from_millis(5) {
                take_pace(&mut breather, 0);
            }
            let unasked = breather.rests;
            let started = Instant::now();
            while breather.rests < unasked + 5 && started.elapsed() < Duration::from_secs(10) {
                take_pace(&mut breather, 2_000);
            }
            (unasked, breather.rests - unasked, started.elapsed())
        })
        .join()
        .unwrap();
        assert_eq!(unasked, 0, "rests without a throttle");
        assert_eq!(asked, 5, "{asked} rests in {took:?}");
        assert!(took >= Duration::from_millis(10), "5 rests in {took:?}");
    }

    /// The slice the scheduler gives the calling thread (`None`: not shown, or a kernel
    /// before custom slices, 6.12).
    fn own_slice() -> Option<u64> {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
        let mut parts = release.trim().split(['.', '-']);
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        if (major, minor) < (6, 12) {
            return None;
        }
        let sched = std::fs::read_to_string("/proc/thread-self/sched").ok()?;
        let line = sched.lines().find(|l| l.starts_with("se.slice"))?;
        line.split(':').nth(1)?.trim().parse().ok()
    }

    #[test]
    fn statement_threads_ask_for_the_shortest_slice() {
        let slice = std::thread::spawn(|| {
            short_slices();
            own_slice()
        })
        .join()
        .unwrap();
        if let Some(slice) = slice {
            assert_eq!(slice, STATEMENT_SLICE.as_nanos() as u64);
        }
    }

    #[test]
    fn starved_under_a_fifth_of_the_window() {
        let ms = Duration::from_millis;
        assert!(starved(ms(19), ms(100)));
        assert!(!starved(ms(21), ms(100)));
        assert!(!starved(ms(100), ms(100)));
    }
}
