//! Pacing by GitHub's own rules: one mechanism for every request.
//!
//! - **Writes one at a time.** Mutating requests take the process-wide write slot, at least
//!   `GITHUB_SQL_WRITE_DELAY_MS` (default 1000 ms) apart, as GitHub asks for bulk writes (and
//!   octokit does) ([`acquire_checked`]).
//! - **Points per minute.** Every request to GitHub's API spends secondary-limit points: a GET,
//!   HEAD or OPTIONS 1, any other method 5. At most 900 are spent per minute and API (the REST
//!   API; GraphQL counts apart), at most 80 content-creating requests (POST) per minute and 500
//!   per hour, at most 100 requests in flight. A request that would go over waits (asking the
//!   statement's stop: an interrupt or the deadline ends the wait, and nothing is sent).
//! - **The primary budget.** The last `x-ratelimit-*` figures per resource (`core`, `search`,
//!   `graphql`, `code_search`, …) are kept, for `github_sql_rate_limit` and the estimate a bulk
//!   write is checked against before it starts ([`super::estimate`]). A request is not held back
//!   on them: when the budget is spent GitHub's `403` says so (it costs nothing) and the retry
//!   rules wait for the reset (at most `GITHUB_SQL_MAX_WAIT`) or fail.
//!
//! With the cache on disk, the windows, the requests in flight and the figures live in the
//! database of the cache directory ([`super::disk`]): every process using the same token (the
//! same identity) shares one budget. Otherwise they are this process's own.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::Method as HttpMethod;
use rusqlite::params;
use url::Url;

use super::config::Pacing;
use super::disk::{self, Db};
use super::error::HttpError;
use super::stop::{InFlight, Stop};

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

/// A request's cost in secondary-limit points: 1 for GET, HEAD and OPTIONS, 5 otherwise.
pub fn points(method: &HttpMethod) -> u32 {
    if *method == HttpMethod::GET || *method == HttpMethod::HEAD || *method == HttpMethod::OPTIONS {
        1
    } else {
        5
    }
}

/// Whether a request creates content (GitHub's 80-a-minute rule): a POST.
pub fn creates_content(method: &HttpMethod) -> bool {
    *method == HttpMethod::POST
}

/// The API whose points a URL spends: GraphQL's endpoint counts apart from the REST API's.
fn api_of(url: &Url) -> &'static str {
    if url.path().trim_end_matches('/').ends_with("/graphql") {
        "graphql"
    } else {
        "rest"
    }
}

/// The last figures of one rate-limit resource (`x-ratelimit-*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateFigures {
    /// `core`, `search`, `graphql`, `code_search`, …
    pub resource: String,
    /// Requests per window.
    pub limit: u64,
    /// Left in this window.
    pub remaining: u64,
    /// Used in this window.
    pub used: u64,
    /// When the window resets, epoch seconds.
    pub reset: u64,
    /// When these figures were read, epoch milliseconds.
    pub seen_at: i64,
}

/// The columns of `github_sql_rate_limit`, in the order of [`RateFigures::values`].
pub const RATE_COLUMNS: [&str; 7] = [
    "resource",
    "limit",
    "remaining",
    "used",
    "reset",
    "reset_at",
    "seen_at",
];

impl RateFigures {
    /// One row of `github_sql_rate_limit` ([`RATE_COLUMNS`]): times as RFC 3339, UTC.
    pub fn values(&self) -> Vec<crate::Value> {
        use crate::Value;
        let int = |n: u64| Value::Integer(i64::try_from(n).unwrap_or(i64::MAX));
        vec![
            Value::Text(self.resource.clone()),
            int(self.limit),
            int(self.remaining),
            int(self.used),
            int(self.reset),
            Value::Text(crate::journal::rfc3339(Duration::from_secs(self.reset))),
            Value::Text(crate::journal::rfc3339(Duration::from_millis(
                u64::try_from(self.seen_at).unwrap_or(0),
            ))),
        ]
    }

    /// The figures an answer's headers carry, if it has them.
    pub fn from_headers(h: &HeaderMap) -> Option<RateFigures> {
        let num = |k: &str| -> Option<u64> { h.get(k)?.to_str().ok()?.trim().parse().ok() };
        let limit = num("x-ratelimit-limit")?;
        let remaining = num("x-ratelimit-remaining")?;
        Some(RateFigures {
            resource: h
                .get("x-ratelimit-resource")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("core")
                .trim()
                .to_string(),
            limit,
            remaining,
            used: num("x-ratelimit-used").unwrap_or(limit.saturating_sub(remaining)),
            reset: num("x-ratelimit-reset").unwrap_or(0),
            seen_at: disk::now_ms(),
        })
    }
}

/// One request in a window: when, its points, whether it created content (0 or 1).
type Spent = (Instant, u32, u32);

/// This process's own windows and figures (without a cache directory).
#[derive(Default)]
struct Local {
    /// (identity, api) → (time, points, creates) of the requests in the last hour.
    spent: HashMap<(Arc<str>, &'static str), VecDeque<Spent>>,
    /// (identity, resource) → figures.
    rates: HashMap<(Arc<str>, String), RateFigures>,
}

fn local() -> MutexGuard<'static, Local> {
    static L: OnceLock<Mutex<Local>> = OnceLock::new();
    L.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Admission asked for one request.
struct Ask {
    identity: Arc<str>,
    api: &'static str,
    points: u32,
    creates: u32,
}

/// What admission said.
enum Verdict {
    /// Go; the lease (a row of the database's in-flight table) is released after the answer.
    Go(Option<i64>),
    /// Wait this long, then ask again (`why` names the rule).
    Wait(Duration, &'static str),
}

/// A request's admission: released once its answer arrived (or it was abandoned).
pub(crate) struct Ticket {
    lease: Option<(Arc<Db>, i64)>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some((db, id)) = self.lease.take() {
            // An abandoned request (a dropped scan): free its place without waiting for it.
            let free = move || {
                let _ = db.with(|c| {
                    c.prepare_cached("DELETE FROM lease WHERE id = ?1")?
                        .execute(params![id])
                });
            };
            match tokio::runtime::Handle::try_current() {
                Ok(h) => {
                    h.spawn_blocking(free);
                }
                Err(_) => free(),
            }
        }
    }
}

/// The pacing state a client uses: the shared database, or this process's memory.
#[derive(Clone, Debug)]
pub(crate) struct Pacer {
    db: Option<Arc<Db>>,
    identity: Arc<str>,
    pacing: Pacing,
    timeout: Duration,
}

const WINDOW_HOUR: Duration = Duration::from_secs(3600);

impl Pacer {
    pub(crate) fn new(
        db: Option<Arc<Db>>,
        identity: Arc<str>,
        pacing: Pacing,
        timeout: Duration,
    ) -> Self {
        Pacer {
            db,
            identity,
            pacing,
            timeout,
        }
    }

    /// Waits until GitHub's secondary limits let `method url` go, then admits it. The wait
    /// asks `ctl` (an interrupt or the deadline ends it; nothing is sent).
    pub(crate) async fn admit(
        &self,
        method: &HttpMethod,
        url: &Url,
        ctl: &InFlight,
    ) -> Result<Ticket, HttpError> {
        let ask = Ask {
            identity: Arc::clone(&self.identity),
            api: api_of(url),
            points: points(method),
            creates: u32::from(creates_content(method)),
        };
        loop {
            let verdict = match &self.db {
                Some(db) => {
                    let (db2, pacing, timeout) =
                        (Arc::clone(db), self.pacing.clone(), self.timeout);
                    let a = Ask {
                        identity: Arc::clone(&ask.identity),
                        ..ask
                    };
                    match db
                        .write(move |t| admit_db(t, &a, &pacing, timeout, disk::now_ms()))
                        .await
                    {
                        Ok(Verdict::Go(lease)) => {
                            return Ok(Ticket {
                                lease: lease.map(|id| (db2, id)),
                            })
                        }
                        Ok(v) => v,
                        Err(e) => {
                            disk::warn_once(&e);
                            admit_local(&ask, &self.pacing, Instant::now())
                        }
                    }
                }
                None => admit_local(&ask, &self.pacing, Instant::now()),
            };
            match verdict {
                Verdict::Go(_) => return Ok(Ticket { lease: None }),
                Verdict::Wait(d, why) => {
                    tracing::debug!(wait_ms = d.as_millis() as u64, "pacing: {why}");
                    ctl.wait(d, &format!("pacing by {why}")).await?;
                }
            }
        }
    }

    /// Keeps the figures an answer carried.
    pub(crate) async fn record(&self, rate: RateFigures) {
        let identity = Arc::clone(&self.identity);
        match &self.db {
            None => {
                local()
                    .rates
                    .insert((identity, rate.resource.clone()), rate);
            }
            Some(db) => db.write_detached(move |t| store_rate(t, &identity, &rate)),
        }
    }

    /// Keeps several resources' figures at once (`GET /rate_limit`).
    pub(crate) fn record_all(&self, rates: Vec<RateFigures>) {
        match &self.db {
            None => {
                let mut l = local();
                for r in rates {
                    l.rates
                        .insert((Arc::clone(&self.identity), r.resource.clone()), r);
                }
            }
            Some(db) => {
                let identity = Arc::clone(&self.identity);
                let r = db.with(|c| {
                    let tx = c.transaction()?;
                    for r in &rates {
                        store_rate(&tx, &identity, r)?;
                    }
                    tx.commit()
                });
                if let Err(e) = r {
                    disk::warn_once(&e);
                }
            }
        }
    }

    /// The last figures of every resource, for this identity.
    pub(crate) fn rates(&self) -> Vec<RateFigures> {
        let mut out: Vec<RateFigures> = match &self.db {
            None => local()
                .rates
                .iter()
                .filter(|((i, _), _)| *i == self.identity)
                .map(|(_, r)| r.clone())
                .collect(),
            Some(db) => {
                let identity = Arc::clone(&self.identity);
                db.with(|c| {
                    let mut s = c.prepare_cached(
                        "SELECT resource, lim, remaining, used, reset, seen_at FROM rate \
                         WHERE identity = ?1",
                    )?;
                    let rows = s.query_map(params![&*identity], |r| {
                        Ok(RateFigures {
                            resource: r.get(0)?,
                            limit: r.get::<_, i64>(1)? as u64,
                            remaining: r.get::<_, i64>(2)? as u64,
                            used: r.get::<_, i64>(3)? as u64,
                            reset: r.get::<_, i64>(4)? as u64,
                            seen_at: r.get(5)?,
                        })
                    })?;
                    rows.collect()
                })
                .unwrap_or_else(|e| {
                    disk::warn_once(&e);
                    Vec::new()
                })
            }
        };
        out.sort_by(|a, b| a.resource.cmp(&b.resource));
        out
    }
}

fn store_rate(c: &rusqlite::Connection, identity: &str, r: &RateFigures) -> rusqlite::Result<()> {
    // Answers arrive out of order: a figure older than the one kept does not replace it
    // within the same window.
    c.prepare_cached(
        "INSERT INTO rate (identity, resource, lim, remaining, used, reset, seen_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (identity, resource) DO UPDATE SET lim = excluded.lim, \
         remaining = excluded.remaining, used = excluded.used, reset = excluded.reset, \
         seen_at = excluded.seen_at \
         WHERE excluded.reset != rate.reset OR excluded.used >= rate.used",
    )?
    .execute(params![
        identity,
        r.resource,
        r.limit as i64,
        r.remaining as i64,
        r.used as i64,
        r.reset as i64,
        r.seen_at
    ])?;
    Ok(())
}

/// Admission against the database, inside the caller's write transaction: the points and
/// content-creating requests in the window, the requests in flight.
fn admit_db(
    tx: &rusqlite::Connection,
    ask: &Ask,
    pacing: &Pacing,
    timeout: Duration,
    now: i64,
) -> rusqlite::Result<Verdict> {
    let id = &*ask.identity;
    let window = pacing.window.as_millis() as i64;
    let hour = WINDOW_HOUR.as_millis().max(pacing.window.as_millis()) as i64;
    let verdict = 'v: {
        tx.prepare_cached("DELETE FROM spend WHERE at < ?1 OR (creates = 0 AND at < ?2)")?
            .execute(params![now - hour, now - window])?;
        if pacing.points > 0 {
            let spent: i64 = tx
                .prepare_cached(
                    "SELECT COALESCE(sum(points), 0) FROM spend \
                 WHERE identity = ?1 AND api = ?2 AND at >= ?3",
                )?
                .query_row(params![id, ask.api, now - window], |r| r.get(0))?;
            let over = spent + i64::from(ask.points) - i64::from(pacing.points);
            if over > 0 {
                // Wait until the oldest requests of the window have freed enough points.
                let mut s = tx.prepare_cached(
                    "SELECT at, points FROM spend WHERE identity = ?1 AND api = ?2 AND at >= ?3 \
                     ORDER BY at",
                )?;
                let mut rows = s.query(params![id, ask.api, now - window])?;
                let mut freed = 0i64;
                let mut until = now + window;
                while let Some(r) = rows.next()? {
                    freed += r.get::<_, i64>(1)?;
                    if freed >= over {
                        until = r.get::<_, i64>(0)? + window;
                        break;
                    }
                }
                break 'v Verdict::Wait(
                    ms(until - now) + slack(pacing.window),
                    "GitHub's points per minute",
                );
            }
        }
        if ask.creates > 0 {
            let count = |since: i64| -> rusqlite::Result<(i64, Option<i64>)> {
                tx.prepare_cached(
                    "SELECT count(*), min(at) FROM spend \
                     WHERE identity = ?1 AND creates > 0 AND at >= ?2",
                )?
                .query_row(params![id, since], |r| Ok((r.get(0)?, r.get(1)?)))
            };
            let (minute, first) = count(now - window)?;
            if minute >= i64::from(pacing.creates) {
                break 'v Verdict::Wait(
                    ms(first.unwrap_or(now) + window - now),
                    "GitHub's content-creating requests per minute",
                );
            }
            let (in_hour, first) = count(now - hour)?;
            if in_hour >= i64::from(pacing.creates_per_hour) {
                break 'v Verdict::Wait(
                    ms(first.unwrap_or(now) + hour - now),
                    "GitHub's content-creating requests per hour",
                );
            }
        }
        tx.prepare_cached("DELETE FROM lease WHERE expires < ?1")?
            .execute(params![now])?;
        let flying: i64 = tx
            .prepare_cached("SELECT count(*) FROM lease WHERE identity = ?1")?
            .query_row(params![id], |r| r.get(0))?;
        if flying >= pacing.in_flight as i64 {
            break 'v Verdict::Wait(Duration::from_millis(20), "GitHub's requests in flight");
        }
        tx.prepare_cached(
            "INSERT INTO spend (identity, api, at, points, creates) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, ask.api, now, ask.points, ask.creates])?;
        // A lease outlives a crashed process by at most the request timeout.
        tx.prepare_cached("INSERT INTO lease (identity, expires) VALUES (?1, ?2)")?
            .execute(params![id, now + timeout.as_millis() as i64 + 1000])?;
        Verdict::Go(Some(tx.last_insert_rowid()))
    };
    Ok(verdict)
}

/// Slack added to a window's end before its points count as freed: GitHub measures the window
/// on its own clock, at arrival (a thirtieth of the window: 2 s of a minute).
fn slack(window: Duration) -> Duration {
    window / 30
}

fn ms(n: i64) -> Duration {
    Duration::from_millis(n.max(1) as u64)
}

/// Admission against this process's own windows (requests in flight are capped by the
/// process-wide semaphore instead).
fn admit_local(ask: &Ask, pacing: &Pacing, now: Instant) -> Verdict {
    let mut l = local();
    let window = pacing.window;
    let hour = WINDOW_HOUR.max(window);
    let spent = l
        .spent
        .entry((Arc::clone(&ask.identity), ask.api))
        .or_default();
    while spent
        .front()
        .is_some_and(|(t, _, c)| now.duration_since(*t) >= if *c > 0 { hour } else { window })
    {
        spent.pop_front();
    }
    let in_window = |(t, _, _): &&(Instant, u32, u32)| now.duration_since(*t) < window;
    if pacing.points > 0 {
        let total: u32 = spent.iter().filter(in_window).map(|(_, p, _)| p).sum();
        let over = (total + ask.points).saturating_sub(pacing.points);
        if over > 0 {
            let mut freed = 0;
            for (t, p, _) in spent.iter().filter(in_window) {
                freed += p;
                if freed >= over {
                    return Verdict::Wait(
                        (*t + window)
                            .saturating_duration_since(now)
                            .max(Duration::from_millis(1))
                            + slack(window),
                        "GitHub's points per minute",
                    );
                }
            }
        }
    }
    if ask.creates > 0 {
        let creates: Vec<Instant> = spent
            .iter()
            .filter(|(_, _, c)| *c > 0)
            .map(|(t, _, _)| *t)
            .collect();
        let minute: Vec<&Instant> = creates
            .iter()
            .filter(|t| now.duration_since(**t) < window)
            .collect();
        if minute.len() >= pacing.creates as usize {
            return Verdict::Wait(
                (*minute[0] + window).saturating_duration_since(now),
                "GitHub's content-creating requests per minute",
            );
        }
        if creates.len() >= pacing.creates_per_hour as usize {
            return Verdict::Wait(
                (creates[0] + hour).saturating_duration_since(now),
                "GitHub's content-creating requests per hour",
            );
        }
    }
    spent.push_back((now, ask.points, ask.creates));
    Verdict::Go(None)
}

/// Releases a request's place in flight, in the same transaction keeping its answer's figures.
pub(crate) async fn release(mut ticket: Ticket, pacer: &Pacer, rate: Option<RateFigures>) {
    let lease = ticket.lease.take();
    match (lease, rate) {
        (None, None) => {}
        (None, Some(rate)) => pacer.record(rate).await,
        (Some((db, id)), rate) => {
            let identity = Arc::clone(&pacer.identity);
            // In the background: the answer goes on at once.
            db.write_detached(move |tx| {
                tx.prepare_cached("DELETE FROM lease WHERE id = ?1")?
                    .execute(params![id])?;
                if let Some(rate) = &rate {
                    store_rate(tx, &identity, rate)?;
                }
                Ok(())
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(points: u32, creates: u32) -> Ask {
        Ask {
            identity: Arc::from("pace-test"),
            api: "rest",
            points,
            creates,
        }
    }

    #[test]
    fn the_local_window_holds_the_points_and_creates() {
        let pacing = Pacing {
            points: 10,
            creates: 2,
            window: Duration::from_secs(60),
            ..Pacing::default()
        };
        let t0 = Instant::now();
        let a = Ask {
            identity: Arc::from("pace-local-1"),
            ..ask(1, 0)
        };
        for _ in 0..10 {
            assert!(matches!(admit_local(&a, &pacing, t0), Verdict::Go(_)));
        }
        match admit_local(&a, &pacing, t0 + Duration::from_secs(1)) {
            Verdict::Wait(d, why) => {
                assert_eq!(d, Duration::from_secs(61));
                assert!(why.contains("points"));
            }
            _ => panic!("over the points"),
        }
        assert!(matches!(
            admit_local(&a, &pacing, t0 + Duration::from_secs(60)),
            Verdict::Go(_)
        ));
        let c = Ask {
            identity: Arc::from("pace-local-2"),
            ..ask(5, 1)
        };
        let pacing = Pacing {
            points: 100,
            ..pacing
        };
        assert!(matches!(admit_local(&c, &pacing, t0), Verdict::Go(_)));
        assert!(matches!(admit_local(&c, &pacing, t0), Verdict::Go(_)));
        assert!(matches!(
            admit_local(&c, &pacing, t0),
            Verdict::Wait(_, why) if why.contains("content-creating")
        ));
    }

    #[test]
    fn the_shared_window_holds_the_points_and_frees_leases() {
        let dir = std::env::temp_dir().join(format!(
            "github-sql-pace-{}-{}",
            std::process::id(),
            disk::now_ms()
        ));
        let db = Db::open(&dir).expect("db");
        let pacing = Pacing {
            points: 10,
            in_flight: 3,
            ..Pacing::default()
        };
        let t = Duration::from_secs(30);
        let now = disk::now_ms();
        let mut leases = Vec::new();
        for k in 0..3 {
            match db
                .with(|c| admit_db(c, &ask(1, 0), &pacing, t, now + k))
                .expect("admit")
            {
                Verdict::Go(Some(id)) => leases.push(id),
                _ => panic!("admitted"),
            }
        }
        assert!(matches!(
            db.with(|c| admit_db(c, &ask(1, 0), &pacing, t, now + 3))
                .expect("admit"),
            Verdict::Wait(_, why) if why.contains("in flight")
        ));
        db.with(|c| {
            c.prepare_cached("DELETE FROM lease WHERE id = ?1")?
                .execute(params![leases[0]])
        })
        .expect("free");
        assert!(matches!(
            db.with(|c| admit_db(c, &ask(5, 0), &pacing, t, now + 4))
                .expect("admit"),
            Verdict::Go(_)
        ));
        // 3 + 5 points spent: 5 more do not fit until the first ones leave the window.
        match db
            .with(|c| admit_db(c, &ask(5, 0), &pacing, t, now + 10))
            .expect("admit")
        {
            Verdict::Wait(d, _) => assert_eq!(d, Duration::from_millis(62_000 - 8)),
            _ => panic!("over the points"),
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
