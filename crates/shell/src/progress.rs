//! The bulk DELETE's progress bar: the shell's [`github_sql::write::Progress`] (the engine
//! reports progress through that trait and draws nothing itself). The rate counts the intervals between completed requests, so
//! writes paced one per second show 1.00/s (indicatif's own estimate counts the first, immediate
//! request as if it had taken time, and showed 2.08/s); an interrupted batch leaves the bar where
//! it stopped, on its own line, instead of clearing it.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over `len` deletions (hidden for one, and when stderr is not a terminal).
pub struct DeletionBar {
    bar: ProgressBar,
    first_done: Option<Instant>,
}

/// The shell's progress for a COMMIT's deletes: a [`DeletionBar`] per COMMIT.
#[derive(Default)]
pub struct Bars {
    bar: std::sync::Mutex<Option<DeletionBar>>,
}

impl github_sql::write::Progress for Bars {
    fn begin(&self, total: usize) {
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(DeletionBar::new(total));
    }

    fn step(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            b.inc();
        }
    }

    fn end(&self, stopped: Option<&str>) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            b.finish(stopped);
        }
    }
}

impl DeletionBar {
    /// A bar for `len` requests.
    pub fn new(len: usize) -> Self {
        let bar = if len > 1 {
            let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "deleting {bar:30} {pos}/{len} [{elapsed} elapsed{msg}]",
            ) {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        DeletionBar {
            bar,
            first_done: None,
        }
    }

    /// One request done.
    pub fn inc(&mut self) {
        let now = Instant::now();
        let first = *self.first_done.get_or_insert(now);
        let pos = self.bar.position() + 1;
        let len = self.bar.length().unwrap_or(pos);
        self.bar.inc(1);
        self.bar
            .set_message(rate_and_eta(pos, len, now.saturating_duration_since(first)));
    }

    /// The batch ended: cleared when complete, kept with a note when it stopped early (`why`:
    /// "interrupted", "the statement deadline passed").
    pub fn finish(&self, why: Option<&str>) {
        if let Some(why) = why.filter(|_| !self.bar.is_hidden()) {
            self.bar
                .abandon_with_message(format!(", {why}: nothing more was sent"));
            // The next output starts on a line of its own.
            eprintln!();
        } else {
            self.bar.finish_and_clear();
        }
    }
}

/// `", 1.00/s, ETA 3s"` after `done` of `len` requests, the last `done - 1` of them taking
/// `since_first`; nothing until there is an interval to measure.
pub fn rate_and_eta(done: u64, len: u64, since_first: Duration) -> String {
    let secs = since_first.as_secs_f64();
    if done < 2 || secs <= 0.0 {
        return String::new();
    }
    let rate = (done - 1) as f64 / secs;
    let eta = (len.saturating_sub(done) as f64 / rate).round() as u64;
    let eta = if eta >= 60 {
        format!("{}m{:02}s", eta / 60, eta % 60)
    } else {
        format!("{eta}s")
    };
    format!(", {rate:.2}/s, ETA {eta}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_second_is_one_per_second() {
        assert_eq!(rate_and_eta(1, 5, Duration::ZERO), "");
        assert_eq!(
            rate_and_eta(3, 5, Duration::from_secs(2)),
            ", 1.00/s, ETA 2s"
        );
        assert_eq!(
            rate_and_eta(2, 200, Duration::from_millis(500)),
            ", 2.00/s, ETA 1m39s"
        );
        assert_eq!(
            rate_and_eta(11, 131, Duration::from_secs(10)),
            ", 1.00/s, ETA 2m00s"
        );
    }
}
