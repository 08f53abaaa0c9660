//! What a batch of writes will cost against GitHub's limits, said before any is sent: whether it
//! fits the primary budget that remains, and when it could, and how long pacing makes it take.
//!
//! A write queue calls [`GitHubClient::estimate_writes`] with the method and the number of
//! requests before it sends the first; the figures come from the last answers of every process
//! sharing the cache directory, else from `GET /rate_limit` (which costs nothing).

use std::time::Duration;

use reqwest::Method as HttpMethod;

use super::client::GitHubClient;
use super::error::HttpError;
use super::pace::{self, RateFigures};
use super::stop::Stop;

/// The cost of a batch of writes and whether it fits.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteEstimate {
    /// Requests the batch sends.
    pub requests: u64,
    /// Secondary-limit points they spend (5 each for DELETE, POST, PATCH, PUT).
    pub points: u64,
    /// The rate-limit resource they count against (`core`).
    pub resource: String,
    /// The resource's figures, when known (`None`: GitHub did not say, e.g. a GitHub Enterprise
    /// Server with rate limits off).
    pub budget: Option<RateFigures>,
    /// Whether the batch fits the primary budget that remains (true when it is unknown).
    pub fits: bool,
    /// When it could start and fit, epoch seconds: now when it fits, the reset when a whole
    /// window holds it, `None` when no single window does (it needs several).
    pub earliest: Option<u64>,
    /// The shortest time pacing lets it take: GitHub's points per minute and the pause
    /// between writes.
    pub min_duration: Duration,
}

impl WriteEstimate {
    /// The sentence a front end shows.
    pub fn message(&self) -> String {
        let mins = self.min_duration.as_secs_f64() / 60.0;
        let mut m = format!(
            "{} request{} ({} points; at least {}) ",
            self.requests,
            if self.requests == 1 { "" } else { "s" },
            self.points,
            if mins >= 1.0 {
                format!("{mins:.1} min")
            } else {
                format!("{:.0} s", self.min_duration.as_secs_f64())
            },
        );
        let Some(b) = &self.budget else {
            m.push_str(&format!(
                "against GitHub's {} limit, whose figures GitHub did not give",
                self.resource
            ));
            return m;
        };
        let reset = clock(b.reset);
        m.push_str(&format!(
            "against {} of {} {} requests left until {reset} UTC",
            b.remaining, b.limit, self.resource
        ));
        if self.fits {
            m.push_str(": it fits");
        } else {
            match self.earliest {
                Some(_) => m.push_str(&format!(
                    ": it does not fit now; it fits after the reset at {reset} UTC (in {} min)",
                    b.reset.saturating_sub(now_epoch()).div_ceil(60)
                )),
                None => m.push_str(&format!(
                    ": it does not fit in one window of {} requests; split it over several hours",
                    b.limit
                )),
            }
        }
        m
    }
}

fn clock(epoch: u64) -> String {
    let s = epoch % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn now_epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl GitHubClient {
    /// Estimates `count` requests of `method` (`"DELETE"`) before any is sent: the points they
    /// spend, whether they fit the primary budget that remains (from the last answers, else a
    /// `GET /rate_limit`, which costs nothing) and when they could, and the shortest time
    /// pacing lets them take. Sends at most that one free request.
    pub fn estimate_writes(
        &self,
        method: &str,
        count: u64,
        stop: &Stop,
    ) -> Result<WriteEstimate, HttpError> {
        if let Some(known) = self.estimate_writes_known(method, count) {
            return Ok(known);
        }
        let budget = match self.refresh_rate_limits(stop) {
            Ok(_) => self.known_budget(),
            Err(e @ HttpError::Interrupted) => return Err(e),
            // No figures (a server without rate limits): say so rather than fail.
            Err(e) => {
                tracing::debug!("GET /rate_limit failed: {e}");
                None
            }
        };
        Ok(estimate(self, &write_method(method), count, BUDGET, budget))
    }

    /// [`GitHubClient::estimate_writes`] from the figures already known (the last answers of
    /// every process sharing the cache directory), sending nothing; `None` when none are known.
    pub fn estimate_writes_known(&self, method: &str, count: u64) -> Option<WriteEstimate> {
        let budget = self.known_budget()?;
        Some(estimate(
            self,
            &write_method(method),
            count,
            BUDGET,
            Some(budget),
        ))
    }

    /// The primary budget's figures, when known and not yet reset.
    fn known_budget(&self) -> Option<RateFigures> {
        self.rate_limits()
            .into_iter()
            .find(|r| r.resource == BUDGET && r.reset > now_epoch())
    }
}

/// The rate-limit resource REST writes count against.
const BUDGET: &str = "core";

/// The method a write is sent with (`DELETE` when the name is not one).
fn write_method(method: &str) -> HttpMethod {
    HttpMethod::from_bytes(method.as_bytes()).unwrap_or(HttpMethod::DELETE)
}

fn estimate(
    client: &GitHubClient,
    method: &HttpMethod,
    count: u64,
    resource: &str,
    budget: Option<RateFigures>,
) -> WriteEstimate {
    let config = client.config();
    let each = u64::from(pace::points(method));
    let points = count * each;
    let pacing = &config.pacing;
    let by_points = if pacing.points == 0 {
        Duration::ZERO
    } else {
        // The first window's points go at once; each further window adds one window.
        let windows = points.saturating_sub(1) / u64::from(pacing.points);
        pacing.window.saturating_mul(windows as u32)
    };
    let by_delay = if method == HttpMethod::GET {
        Duration::ZERO
    } else {
        config
            .write_delay
            .saturating_mul(count.saturating_sub(1) as u32)
    };
    let (fits, earliest) = match &budget {
        None => (true, Some(now_epoch())),
        Some(b) if count <= b.remaining => (true, Some(now_epoch())),
        Some(b) if count <= b.limit => (false, Some(b.reset)),
        Some(_) => (false, None),
    };
    WriteEstimate {
        requests: count,
        points,
        resource: resource.to_string(),
        budget,
        fits,
        earliest,
        min_duration: by_points.max(by_delay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{ClientConfig, Token};

    fn figures(remaining: u64) -> RateFigures {
        RateFigures {
            resource: "core".into(),
            limit: 5000,
            remaining,
            used: 5000 - remaining,
            reset: now_epoch() + 1500,
            seen_at: 0,
        }
    }

    #[test]
    fn a_batch_fits_after_the_reset_or_not_in_one_window() {
        let c = GitHubClient::new(ClientConfig::new(
            "http://127.0.0.1:9",
            Some(Token::new("t")),
        ));
        let e = estimate(&c, &HttpMethod::DELETE, 1200, "core", Some(figures(4000)));
        assert!(e.fits);
        assert_eq!(e.points, 6000);
        // 6,000 points at 900 a minute: six more windows after the first; 1,199 pauses of 1 s.
        assert_eq!(e.min_duration, Duration::from_secs(1199));
        assert!(e.message().contains("it fits"), "{}", e.message());
        let e = estimate(&c, &HttpMethod::DELETE, 1200, "core", Some(figures(340)));
        assert!(!e.fits);
        assert_eq!(e.earliest, Some(figures(0).reset));
        assert!(
            e.message().contains("it fits after the reset") && e.message().contains("(in 25 min)"),
            "{}",
            e.message()
        );
        let e = estimate(&c, &HttpMethod::DELETE, 6000, "core", Some(figures(5000)));
        assert!(!e.fits);
        assert_eq!(e.earliest, None);
        assert!(e.message().contains("split it"), "{}", e.message());
        let unknown = estimate(&c, &HttpMethod::DELETE, 10, "core", None);
        assert!(unknown.fits);
        assert!(unknown.message().contains("did not give"));
    }
}
