//! Every request accounted: what a client (and its clones) sent and got, in counters a front end
//! reads before and after a statement ([`Stats::since`]): the shell's `.stats on` and `\timing`
//! line, SQLite's `github_sql_last_stats()`, the wrapper's `EXPLAIN ANALYZE`.

use std::sync::atomic::{AtomicU64, Ordering};

/// Running counters (shared by a client's clones).
#[derive(Debug, Default)]
pub struct Tally {
    requests: AtomicU64,
    not_modified: AtomicU64,
    bodies: AtomicU64,
    cached: AtomicU64,
    bytes: AtomicU64,
    points: AtomicU64,
    primary: AtomicU64,
}

/// A snapshot of a [`Tally`], or the difference of two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent (retries and registry handshakes included).
    pub requests: u64,
    /// Answers `304 Not Modified`: the cached body was served.
    pub not_modified: u64,
    /// Successful answers that carried a full body.
    pub bodies: u64,
    /// Answers served from the cache without a request (content-addressed entries, or inside
    /// `GITHUB_SQL_CACHE_MAX_AGE`).
    pub cached: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Secondary-limit points spent (GET 1, other methods 5).
    pub points: u64,
    /// Requests GitHub counted against the primary rate limit (answers other than 304 that
    /// carried `x-ratelimit-*`).
    pub primary: u64,
}

impl Tally {
    /// The counters now.
    pub fn stats(&self) -> Stats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            requests: g(&self.requests),
            not_modified: g(&self.not_modified),
            bodies: g(&self.bodies),
            cached: g(&self.cached),
            bytes: g(&self.bytes),
            points: g(&self.points),
            primary: g(&self.primary),
        }
    }

    pub(crate) fn sent(&self, points: u32) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.points.fetch_add(u64::from(points), Ordering::Relaxed);
    }

    /// One answer: its status, body size and whether it counted against the primary limit.
    pub(crate) fn answered(&self, status: u16, bytes: usize, primary: bool) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        if status == 304 {
            self.not_modified.fetch_add(1, Ordering::Relaxed);
        } else if (200..300).contains(&status) && bytes > 0 {
            self.bodies.fetch_add(1, Ordering::Relaxed);
        }
        if primary && status != 304 {
            self.primary.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn served_from_cache(&self) {
        self.cached.fetch_add(1, Ordering::Relaxed);
    }
}

impl Stats {
    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &Stats) -> Stats {
        Stats {
            requests: self.requests.saturating_sub(earlier.requests),
            not_modified: self.not_modified.saturating_sub(earlier.not_modified),
            bodies: self.bodies.saturating_sub(earlier.bodies),
            cached: self.cached.saturating_sub(earlier.cached),
            bytes: self.bytes.saturating_sub(earlier.bytes),
            points: self.points.saturating_sub(earlier.points),
            primary: self.primary.saturating_sub(earlier.primary),
        }
    }

    /// The figures as JSON (`github_sql_last_stats()`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "requests": self.requests,
            "not_modified": self.not_modified,
            "bodies": self.bodies,
            "cached": self.cached,
            "bytes": self.bytes,
            "points": self.points,
            "primary": self.primary,
        })
    }
}

impl std::fmt::Display for Stats {
    /// `3 requests (2 × 304, 1 from the cache), 12.5 KB, 3 points, 1 primary`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} request{} ({} × 304, {} from the cache), {}, {} point{}, {} against the rate limit",
            self.requests,
            if self.requests == 1 { "" } else { "s" },
            self.not_modified,
            self.cached,
            human_bytes(self.bytes),
            self.points,
            if self.points == 1 { "" } else { "s" },
            self.primary
        )
    }
}

fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_add_up_and_subtract() {
        let t = Tally::default();
        let before = t.stats();
        t.sent(1);
        t.answered(200, 2048, true);
        t.sent(1);
        t.answered(304, 0, true);
        t.sent(5);
        t.answered(204, 0, true);
        t.served_from_cache();
        let d = t.stats().since(&before);
        assert_eq!(
            d,
            Stats {
                requests: 3,
                not_modified: 1,
                bodies: 1,
                cached: 1,
                bytes: 2048,
                points: 7,
                primary: 2,
            }
        );
        assert_eq!(
            d.to_string(),
            "3 requests (1 × 304, 1 from the cache), 2.0 KB, 7 points, 2 against the rate limit"
        );
    }
}
