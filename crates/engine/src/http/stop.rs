//! Ending work early: the statement deadline (`GITHUB_SQL_DEADLINE`) and interruptible waits.
//!
//! A front end gives each statement one [`Stop`]: its interrupt check (Ctrl-C, `sqlite3_interrupt`)
//! and its [`Deadline`], measured from the statement's start. Scans, retries, rate-limit waits
//! and the pacing of writes ask it, so no wait outlives an interrupt by more than
//! [`INTERRUPT_POLL`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::HttpError;

/// Asked while a scan waits for GitHub: true means "stop now" (SQLite's `sqlite3_interrupt`,
/// Ctrl-C in the shell, Postgres's cancel and `statement_timeout`).
pub type InterruptCheck = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;

/// How often a wait (a scan's, a retry's, a pause's) asks its [`InterruptCheck`].
pub const INTERRUPT_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// When a statement must be done: its start plus `GITHUB_SQL_DEADLINE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The instant the statement started.
    pub start: Instant,
    /// The bound (`Bounds::deadline`).
    pub limit: Duration,
}

impl Deadline {
    /// A deadline for a statement that started at `start`.
    pub fn new(start: Instant, limit: Duration) -> Self {
        Deadline { start, limit }
    }

    /// A deadline for a statement starting now.
    pub fn from_now(limit: Duration) -> Self {
        Deadline::new(Instant::now(), limit)
    }

    /// The instant it passes.
    pub fn at(&self) -> Instant {
        self.start.checked_add(self.limit).unwrap_or_else(|| {
            // A limit too far away to represent is no limit in practice.
            self.start + Duration::from_secs(100 * 365 * 86_400)
        })
    }

    /// Whether it has passed.
    pub fn passed(&self) -> bool {
        Instant::now() >= self.at()
    }

    /// The error for a statement stopped by it; `what` says what was going on.
    pub fn error(&self, what: impl Into<String>) -> HttpError {
        HttpError::Bound {
            bound: "statement deadline",
            env: super::config::DEADLINE_ENV,
            limit: format!("{} s", self.limit.as_secs_f64()),
            what: what.into(),
        }
    }
}

/// What may stop one statement's work early. The default stops nothing.
#[derive(Clone, Default)]
pub struct Stop {
    /// Asked on the caller's thread at least every 100 ms while work waits.
    pub interrupt: Option<InterruptCheck>,
    /// The statement's deadline; `None` = none (a scan then gets `GITHUB_SQL_DEADLINE` from its
    /// own start).
    pub deadline: Option<Deadline>,
}

impl std::fmt::Debug for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stop")
            .field("interrupt", &self.interrupt.is_some())
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl Stop {
    /// A stop with only an interrupt check.
    pub fn interrupt(check: Option<InterruptCheck>) -> Self {
        Stop {
            interrupt: check,
            deadline: None,
        }
    }

    /// Whether the interrupt check says stop.
    pub fn interrupted(&self) -> bool {
        self.interrupt.as_ref().is_some_and(|c| c())
    }

    /// `Err` when the statement was interrupted or its deadline passed (`what`: what it was doing).
    pub fn check(&self, what: &str) -> Result<(), HttpError> {
        if self.interrupted() {
            return Err(HttpError::Interrupted);
        }
        match &self.deadline {
            Some(d) if d.passed() => Err(d.error(what)),
            _ => Ok(()),
        }
    }

    /// Sleeps `d` on the caller's thread, asking the interrupt check every [`INTERRUPT_POLL`]; a
    /// wait that would end after the deadline fails at once.
    pub fn wait(&self, d: Duration, what: &str) -> Result<(), HttpError> {
        let until = Instant::now() + d;
        if let Some(dl) = &self.deadline {
            if until > dl.at() {
                return Err(dl.error(format!(
                    "{what} would wait {:.1} s, past the deadline",
                    d.as_secs_f64()
                )));
            }
        }
        loop {
            self.check(what)?;
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep((until - now).min(INTERRUPT_POLL));
        }
    }
}

/// What a request running inside the runtime asks before and during its waits: a flag the
/// caller's thread raises when its interrupt check said stop, and the deadline.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    pub stop: AtomicBool,
    pub deadline: Option<Deadline>,
}

impl InFlight {
    pub(crate) fn new(deadline: Option<Deadline>) -> Self {
        InFlight {
            stop: AtomicBool::new(false),
            deadline,
        }
    }

    /// `Err` when the caller asked to stop or the deadline passed.
    pub(crate) fn check(&self, what: &str) -> Result<(), HttpError> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(HttpError::Interrupted);
        }
        match &self.deadline {
            Some(d) if d.passed() => Err(d.error(what)),
            _ => Ok(()),
        }
    }

    /// A retry or rate-limit wait: ends early (with the error) on a stop, and fails at once
    /// when it would end after the deadline.
    pub(crate) async fn wait(&self, d: Duration, what: &str) -> Result<(), HttpError> {
        if let Some(dl) = &self.deadline {
            if Instant::now() + d > dl.at() {
                return Err(dl.error(format!(
                    "{what} would wait {:.1} s, past the deadline",
                    d.as_secs_f64()
                )));
            }
        }
        let until = tokio::time::Instant::now() + d;
        loop {
            self.check(what)?;
            let now = tokio::time::Instant::now();
            if now >= until {
                return Ok(());
            }
            tokio::time::sleep((until - now).min(Duration::from_millis(50))).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_wait_past_the_deadline_fails_at_once_naming_the_variable() {
        let stop = Stop {
            interrupt: None,
            deadline: Some(Deadline::from_now(Duration::from_secs(5))),
        };
        let e = stop
            .wait(Duration::from_secs(3600), "the rate-limit wait")
            .expect_err("past the deadline");
        let msg = e.to_string();
        assert!(msg.contains("statement deadline bound (5 s)"), "{msg}");
        assert!(msg.contains("GITHUB_SQL_DEADLINE"), "{msg}");
        assert!(
            msg.contains("the rate-limit wait would wait 3600.0 s"),
            "{msg}"
        );
    }

    #[test]
    fn an_interrupt_ends_a_wait_with_interrupted() {
        let stop = Stop::interrupt(Some(Arc::new(|| true)));
        assert!(matches!(
            stop.wait(Duration::from_secs(3600), "x"),
            Err(HttpError::Interrupted)
        ));
        assert!(Stop::default().wait(Duration::ZERO, "x").is_ok());
    }
}
