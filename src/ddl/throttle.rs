//! Adaptive throttle of an index build (beyond TiDB's static knobs, like gh-ost's
//! throttling): when clients' statements get slower than they were before the build began,
//! the build rests between pieces of work, more each time it looks again and latency is
//! still up, less once it is back down. `SET GLOBAL moltdb_ddl_adaptive_throttle = OFF`
//! turns it off.
//!
//! The signal is the p99 of foreground statements over the last second (`domain::latency`)
//! against their p99 over the seconds before the build; with no foreground load before the
//! build there is nothing to protect and the build runs flat out.

use std::time::Duration;

use super::backfill::knob;
use crate::domain::Domain;

/// Back off when the p99 rises above this multiple of the level before the build...
const RAISED: f64 = 1.3;
/// ... and ease off once it is below this one.
const RECOVERED: f64 = 1.1;
/// Fewer statements than this in a second say nothing about a p99.
const MIN_SAMPLES: u64 = 50;
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const MAX_PAUSE: Duration = Duration::from_secs(1);

/// The rest after `pause`, given the p99 before the build and now (`None`: too few
/// statements to tell).
fn next_pause(pause: Duration, baseline: Duration, now: Option<Duration>) -> Duration {
    let ratio = now.map_or(0.0, |now| {
        now.as_secs_f64() / baseline.as_secs_f64().max(1e-6)
    });
    if ratio > RAISED {
        (pause * 2).clamp(FIRST_PAUSE, MAX_PAUSE)
    } else if ratio > RECOVERED {
        pause
    } else if pause > FIRST_PAUSE {
        pause / 2
    } else {
        Duration::ZERO
    }
}

pub struct Throttle {
    /// The p99 before the build (`None`: no foreground load then).
    baseline: Option<Duration>,
    pause: Duration,
}

impl Throttle {
    /// Notes the foreground latency before the work starts.
    pub fn start(domain: &Domain) -> Throttle {
        let baseline = domain
            .latency
            .percentile(0.99, Duration::from_secs(4))
            .filter(|p| p.samples >= MIN_SAMPLES)
            .map(|p| p.value);
        Throttle {
            baseline,
            pause: Duration::ZERO,
        }
    }

    /// Looks at the latency again (call about twice a second); returns how long to rest
    /// after each piece of work.
    pub fn adjust(&mut self, domain: &Domain) -> Duration {
        let enabled = knob(domain, "moltdb_ddl_adaptive_throttle", 1, 0, 1) == 1;
        let now = domain
            .latency
            .percentile(0.99, Duration::from_secs(1))
            .filter(|p| p.samples >= MIN_SAMPLES);
        let previous = self.pause;
        self.pause = match self.baseline.filter(|_| enabled) {
            Some(base) => next_pause(self.pause, base, now.map(|p| p.value)),
            None => Duration::ZERO,
        };
        if self.pause != previous {
            tracing::debug!(
                baseline = ?self.baseline,
                p99 = ?now.map(|p| p.value),
                pause = ?self.pause,
                "reorg throttle"
            );
        }
        self.pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_while_latency_is_up_and_eases_off_after() {
        let ms = Duration::from_millis;
        let base = ms(2);
        // Up: start resting, then twice as long each look, up to the cap.
        assert_eq!(next_pause(Duration::ZERO, base, Some(ms(3))), FIRST_PAUSE);
        assert_eq!(next_pause(ms(10), base, Some(ms(3))), ms(20));
        assert_eq!(next_pause(MAX_PAUSE, base, Some(ms(30))), MAX_PAUSE);
        // Between the two marks: hold.
        assert_eq!(
            next_pause(ms(40), base, Some(Duration::from_micros(2400))),
            ms(40)
        );
        // Down, or too few statements to tell: halve, then stop resting.
        assert_eq!(next_pause(ms(40), base, Some(ms(2))), ms(20));
        assert_eq!(next_pause(ms(40), base, None), ms(20));
        assert_eq!(next_pause(FIRST_PAUSE, base, Some(ms(1))), Duration::ZERO);
    }
}
