//! Pacing of mutating requests, as GitHub asks for bulk writes (and octokit does): one at a time
//! process-wide, at least `GITHUB_SQL_WRITE_DELAY_MS` (default 1000 ms) between the start of one
//! and the start of the next.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::error::HttpError;
use super::stop::Stop;

/// Environment variable overriding the delay between writes, in milliseconds.
pub const WRITE_DELAY_ENV: &str = "GITHUB_SQL_WRITE_DELAY_MS";
/// GitHub's guidance: at least one second between mutating requests.
pub const DEFAULT_WRITE_DELAY: Duration = Duration::from_millis(1000);

static LAST_WRITE: Mutex<Option<Instant>> = Mutex::new(None);

/// Holds the process-wide write slot; the next write waits for the delay after this one began.
pub struct WriteSlot {
    _guard: MutexGuard<'static, Option<Instant>>,
}

/// Waits until a write may start, then holds the slot until the returned guard drops. The wait
/// asks `stop` at least every 100 ms: an interrupt (or a due time past the statement's
/// deadline) ends it with an error, and nothing is sent.
pub fn acquire_checked(delay: Duration, stop: &Stop) -> Result<WriteSlot, HttpError> {
    // Another connection's write may hold the slot through its pause: wait for it asking `stop`.
    let mut last = loop {
        match LAST_WRITE.try_lock() {
            Ok(g) => break g,
            Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                stop.wait(Duration::from_millis(10), "waiting for another write")?
            }
        }
    };
    if let Some(prev) = *last {
        let due = prev + delay;
        let now = Instant::now();
        if due > now {
            stop.wait(
                due - now,
                "the pause between writes (GITHUB_SQL_WRITE_DELAY_MS)",
            )?;
        }
    }
    stop.check("the next write")?;
    *last = Some(Instant::now());
    Ok(WriteSlot { _guard: last })
}

/// The delay from the environment (the default when unset; a value that is not valid is
/// [`crate::settings::check_env`]'s error).
pub fn delay_from_env() -> Duration {
    crate::settings::duration(WRITE_DELAY_ENV).unwrap_or(DEFAULT_WRITE_DELAY)
}
