//! The retry decision: one pure function over what happened, the attempt number and the policy.
//!
//! | what happened                                   | read (GET)                    | write (DELETE, POST)        |
//! |-------------------------------------------------|-------------------------------|-----------------------------|
//! | 5xx                                             | backoff, up to `tries`        | fail (it may have happened) |
//! | timeout, reset or refused connection            | backoff, up to `tries`        | retry only if never sent    |
//! | 403/429 secondary limit (message or Retry-After)| wait Retry-After (else 60 s)  | same (GitHub did not act)   |
//! | 403/429 with `x-ratelimit-remaining: 0`         | wait for reset if ≤ max_wait  | same                        |
//! | anything else                                   | fail                          | fail                        |

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::config::RetryPolicy;

/// What one attempt produced, as far as retrying cares.
#[derive(Debug)]
pub enum Outcome<'a> {
    /// An HTTP answer that is not a success.
    Status {
        /// Status code.
        status: u16,
        /// Headers.
        headers: &'a HeaderMap,
        /// GitHub's `message`, if any.
        message: &'a str,
    },
    /// No answer.
    Transport {
        /// The request never left (connection refused, DNS): always safe to retry.
        not_sent: bool,
    },
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Give up (the caller turns the outcome into an error).
    Fail,
}

/// Why a 403/429 was sent, if it is a rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimit {
    /// Secondary (abuse) limit: wait `Retry-After` or at least a minute.
    Secondary,
    /// Primary limit exhausted until `x-ratelimit-reset`.
    Primary,
}

/// Classifies a 403/429.
pub fn rate_limit(status: u16, headers: &HeaderMap, message: &str) -> Option<RateLimit> {
    if status != 403 && status != 429 {
        return None;
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("secondary rate limit") || headers.contains_key("retry-after") {
        return Some(RateLimit::Secondary);
    }
    if header(headers, "x-ratelimit-remaining") == Some("0")
        || (status == 429)
        || lower.contains("rate limit exceeded")
    {
        return Some(RateLimit::Primary);
    }
    None
}

fn header<'h>(h: &'h HeaderMap, k: &str) -> Option<&'h str> {
    h.get(k).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// Seconds until `x-ratelimit-reset` (epoch seconds), plus one as octokit does.
pub fn until_reset(headers: &HeaderMap, now_epoch: u64) -> Option<Duration> {
    let reset: u64 = header(headers, "x-ratelimit-reset")?.parse().ok()?;
    Some(Duration::from_secs(reset.saturating_sub(now_epoch) + 1))
}

/// Decides after attempt number `attempt` (1 = the first) failed.
pub fn decide(
    policy: &RetryPolicy,
    is_write: bool,
    attempt: u32,
    outcome: &Outcome<'_>,
    now_epoch: u64,
) -> Decision {
    match outcome {
        Outcome::Transport { not_sent } => {
            if (!is_write || *not_sent) && attempt < policy.tries {
                Decision::Retry(backoff(policy, attempt))
            } else {
                Decision::Fail
            }
        }
        Outcome::Status {
            status,
            headers,
            message,
        } => match rate_limit(*status, headers, message) {
            Some(RateLimit::Secondary) => {
                if attempt > policy.secondary_tries {
                    return Decision::Fail;
                }
                let wait = header(headers, "retry-after")
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(Duration::from_secs)
                    .unwrap_or(policy.secondary_wait);
                // Repeated hits back off exponentially (GitHub's guidance).
                Decision::Retry(wait.saturating_mul(1 << (attempt - 1).min(4)))
            }
            Some(RateLimit::Primary) => match until_reset(headers, now_epoch) {
                Some(wait) if wait <= policy.max_wait && attempt < policy.tries => {
                    Decision::Retry(wait)
                }
                _ => Decision::Fail,
            },
            None if *status >= 500 && !is_write && attempt < policy.tries => {
                Decision::Retry(backoff(policy, attempt))
            }
            None => Decision::Fail,
        },
    }
}

/// Exponential backoff with jitter: base·2^(attempt-1), capped, times a factor in [0.5, 1).
pub fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = policy
        .base_backoff
        .saturating_mul(1 << (attempt.saturating_sub(1)).min(16));
    let capped = exp.min(policy.max_backoff);
    capped.mul_f64(0.5 + jitter() * 0.5)
}

/// A number in [0, 1) that differs between calls (no cryptographic use).
fn jitter() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut x = STATE.fetch_add(nanos | 1, Ordering::Relaxed) ^ nanos;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        h
    }

    fn status<'a>(s: u16, h: &'a HeaderMap, msg: &'static str) -> Outcome<'a> {
        Outcome::Status {
            status: s,
            headers: h,
            message: msg,
        }
    }

    #[test]
    fn decision_table() {
        let p = RetryPolicy::default();
        let none = headers(&[]);
        let retry_after = headers(&[("retry-after", "7")]);
        let exhausted_soon = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1030"),
        ]);
        let exhausted_far = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "4600"),
        ]);
        let now = 1000;
        let retries = |d: Decision| matches!(d, Decision::Retry(_));
        // 5xx: reads retry until `tries`, writes never.
        assert!(retries(decide(&p, false, 1, &status(503, &none, ""), now)));
        assert!(retries(decide(&p, false, 3, &status(500, &none, ""), now)));
        assert_eq!(
            decide(&p, false, 4, &status(502, &none, ""), now),
            Decision::Fail
        );
        assert_eq!(
            decide(&p, true, 1, &status(500, &none, ""), now),
            Decision::Fail
        );
        // Transport: writes only when nothing was sent.
        assert!(retries(decide(
            &p,
            false,
            1,
            &Outcome::Transport { not_sent: false },
            now
        )));
        assert_eq!(
            decide(&p, true, 1, &Outcome::Transport { not_sent: false }, now),
            Decision::Fail
        );
        assert!(retries(decide(
            &p,
            true,
            1,
            &Outcome::Transport { not_sent: true },
            now
        )));
        // Secondary limit: Retry-After, else 60 s; writes too.
        assert_eq!(
            decide(&p, true, 1, &status(403, &retry_after, ""), now),
            Decision::Retry(Duration::from_secs(7))
        );
        assert_eq!(
            decide(
                &p,
                false,
                1,
                &status(403, &none, "You have exceeded a secondary rate limit."),
                now
            ),
            Decision::Retry(Duration::from_secs(60))
        );
        assert_eq!(
            decide(&p, false, 2, &status(429, &retry_after, ""), now),
            Decision::Retry(Duration::from_secs(14))
        );
        assert_eq!(
            decide(&p, false, 4, &status(429, &retry_after, ""), now),
            Decision::Fail
        );
        // Primary limit: wait for a near reset, fail on a far one.
        assert_eq!(
            decide(
                &p,
                false,
                1,
                &status(403, &exhausted_soon, "API rate limit exceeded"),
                now
            ),
            Decision::Retry(Duration::from_secs(31))
        );
        assert_eq!(
            decide(
                &p,
                false,
                1,
                &status(403, &exhausted_far, "API rate limit exceeded"),
                now
            ),
            Decision::Fail
        );
        // Other client errors never retry.
        for s in [400, 401, 403, 404, 422] {
            assert_eq!(
                decide(&p, false, 1, &status(s, &none, "nope"), now),
                Decision::Fail,
                "{s}"
            );
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for attempt in 1..10 {
            let b = backoff(&p, attempt);
            let full = p
                .base_backoff
                .saturating_mul(1 << (attempt - 1))
                .min(p.max_backoff);
            assert!(
                b >= full / 2 && b <= full,
                "attempt {attempt}: {b:?} vs {full:?}"
            );
        }
    }
}
