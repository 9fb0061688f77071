//! Backend work (DDL backfills, DXF subtasks, MVCC garbage collection) runs at a low CPU
//! priority: it uses what clients' statements leave, and a statement that needs a core gets
//! it sooner instead of waiting for a background thread's time slice to end.
//!
//! A nice value rather than `SCHED_IDLE`: measured under load, `SCHED_IDLE` starved the
//! temporary-index merge (8 s instead of 0.3 s), and statements stalled for up to a second,
//! as a starved thread can hold what a statement waits for.

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
}

/// The nice value of background threads (0 is normal, 19 the lowest).
#[cfg(target_os = "linux")]
const BACKGROUND_NICE: libc::c_int = 10;
