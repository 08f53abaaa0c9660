//! Interrupts and the statement deadline in the SQLite front end, against a fake GitHub that is
//! slow or keeps saying "wait": `sqlite3_interrupt` ends a scan waiting for a page, a retry
//! backoff, a Retry-After wait and the pause between writes, always with an error (never a
//! result that looks complete); `GITHUB_SQL_DEADLINE` bounds a whole statement (a join's many
//! scans, a DELETE's batch). Elapsed times are only checked against waits of a minute that an
//! uninterruptible wait would sit out.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{env_with, error_text, store, Env};
use github_sql::http::{Bounds, ClientConfig, RetryPolicy};
use github_sql_fake::{Fault, LoggedRequest};

const BIG: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";

/// What an interrupted statement must finish well within (the waits below are 60 s or more).
const PROMPTLY: Duration = Duration::from_secs(10);

fn temp_journal(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "github-sql-interrupts-{}-{name}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("journal.jsonl")
}

/// Runs `f` while another thread calls `sqlite3_interrupt` on the connection once the fake
/// has received a request that `when` accepts (so the statement is known to wait on GitHub).
/// Returns `f`'s result and how long it took.
fn interrupted<R>(
    e: &Env,
    when: impl Fn(&[LoggedRequest]) -> bool + Send,
    f: impl FnOnce() -> R,
) -> (R, Duration) {
    let handle = e.conn.get_interrupt_handle();
    let fake = &e.fake;
    std::thread::scope(|s| {
        s.spawn(move || {
            let start = Instant::now();
            while !when(&fake.requests()) {
                assert!(start.elapsed() < Duration::from_secs(30), "never waited");
                std::thread::sleep(Duration::from_millis(20));
            }
            // Let the statement settle into its wait.
            std::thread::sleep(Duration::from_millis(200));
            handle.interrupt();
        });
        let start = Instant::now();
        let r = f();
        (r, start.elapsed())
    })
}

/// Writes are paced process-wide (one slot, `write_delay` after the last write of any
/// connection): the tests that write take turns so one's pause is not another's.
fn writer() -> std::sync::MutexGuard<'static, ()> {
    static WRITES: std::sync::Mutex<()> = std::sync::Mutex::new(());
    WRITES.lock().unwrap_or_else(|e| e.into_inner())
}

fn deletes(e: &Env) -> usize {
    e.fake
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count()
}

fn ids(e: &Env, sql: &str) -> Vec<i64> {
    e.ids(sql).expect(sql)
}

#[test]
fn sqlite_interrupt_stops_a_scan_waiting_for_a_page() {
    let e = env_with(store(), |c| c);
    e.fake.set_latency(Duration::from_secs(120));
    let (r, took) = interrupted(
        &e,
        |log| !log.is_empty(),
        || {
            e.conn
                .query_row(&format!("SELECT count(*) {BIG}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .expect_err("interrupted, not a count")
        },
    );
    let err = r;
    let msg = error_text(&err);
    assert!(msg.contains("interrupted"), "{msg}");
    assert!(took < PROMPTLY, "took {took:?}");
    // The connection is usable for the next statement.
    e.fake.set_latency(Duration::ZERO);
    let n: i64 = e
        .conn
        .query_row(&format!("SELECT count(*) {BIG}"), [], |r| r.get(0))
        .expect("next statement");
    assert_eq!(n, 250);
}

#[test]
fn sqlite_interrupt_ends_a_retry_after_wait_of_a_read() {
    let e = env_with(store(), |c| c);
    e.fake.push_fault(
        Fault::error(429, "You have exceeded a secondary rate limit.")
            .method("GET")
            .header("retry-after", "120"),
    );
    let (r, took) = interrupted(
        &e,
        |log| log.iter().any(|r| r.status == 429),
        || {
            e.conn
                .query_row(&format!("SELECT count(*) {BIG}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .expect_err("interrupted")
        },
    );
    let err = r;
    let msg = error_text(&err);
    assert!(msg.contains("interrupted"), "{msg}");
    assert!(took < PROMPTLY, "took {took:?}");
    assert_eq!(e.fake.requests().len(), 1, "no retry after the interrupt");
}

#[test]
fn sqlite_interrupt_ends_the_backoff_after_a_502() {
    let e = env_with(store(), |c| ClientConfig {
        retry: RetryPolicy {
            base_backoff: Duration::from_secs(60),
            max_backoff: Duration::from_secs(60),
            ..RetryPolicy::default()
        },
        ..c
    });
    e.fake
        .push_fault(Fault::error(502, "Bad Gateway").method("GET"));
    let (r, took) = interrupted(
        &e,
        |log| log.iter().any(|r| r.status == 502),
        || {
            e.conn
                .query_row(&format!("SELECT count(*) {BIG}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .expect_err("interrupted")
        },
    );
    let err = r;
    assert!(error_text(&err).contains("interrupted"), "{err}");
    assert!(took < PROMPTLY, "took {took:?}");
    assert_eq!(e.fake.requests().len(), 1);
}

#[test]
fn sqlite_interrupt_ends_a_rate_limit_wait_of_a_delete_and_sends_nothing_more() {
    let _turn = writer();
    let j = temp_journal("ratelimit");
    let jp = j.clone();
    let e = env_with(store(), move |c| ClientConfig {
        journal: Some(jp),
        ..c
    });
    let three = ids(&e, &format!("SELECT id {BIG} ORDER BY id LIMIT 3"));
    e.fake.clear_requests();
    e.fake.push_fault(
        Fault::error(429, "You have exceeded a secondary rate limit.")
            .method("DELETE")
            .header("retry-after", "120"),
    );
    let (r, took) = interrupted(
        &e,
        |log| log.iter().any(|r| r.status == 429),
        || {
            e.conn
                .execute(
                    &format!(
                        "DELETE {BIG} AND id IN ({}, {}, {})",
                        three[0], three[1], three[2]
                    ),
                    [],
                )
                .expect_err("interrupted")
        },
    );
    let err = r;
    let msg = error_text(&err);
    assert!(took < PROMPTLY, "took {took:?}");
    assert!(msg.contains("deleted 0 of 3 rows"), "{msg}");
    assert!(msg.contains("3 not sent"), "{msg}");
    assert!(msg.contains("interrupted: nothing more was sent"), "{msg}");
    assert_eq!(deletes(&e), 1, "the refused DELETE was not retried");
    let entries = github_sql::journal::read(&j).expect("journal");
    let outcomes: Vec<_> = entries.iter().filter(|x| x.phase == "outcome").collect();
    assert_eq!(outcomes.len(), 1, "{entries:?}");
    assert_eq!(outcomes[0].outcome.as_deref(), Some("failed"));
    assert!(
        outcomes[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("not done: interrupted")),
        "{:?}",
        outcomes[0].detail
    );
    // Nothing was deleted.
    assert_eq!(
        ids(&e, &format!("SELECT count(*) {BIG}")),
        vec![250],
        "all versions still there"
    );
}

#[test]
fn sqlite_interrupt_ends_the_pause_between_writes() {
    let _turn = writer();
    let e = env_with(store(), |c| c.with_write_delay(Duration::from_secs(120)));
    let three = ids(&e, &format!("SELECT id {BIG} ORDER BY id LIMIT 3"));
    e.fake.clear_requests();
    // The first DELETE may itself wait for the pause after an earlier test's write; either way
    // the statement is in a 120 s pause when the interrupt comes.
    let asked = Instant::now();
    let (err, took) = interrupted(
        &e,
        move |log| {
            log.iter().any(|r| r.method == "DELETE") || asked.elapsed() > Duration::from_secs(2)
        },
        || {
            e.conn
                .execute(
                    &format!(
                        "DELETE {BIG} AND id IN ({}, {}, {})",
                        three[0], three[1], three[2]
                    ),
                    [],
                )
                .expect_err("interrupted")
        },
    );
    let msg = error_text(&err);
    assert!(took < PROMPTLY, "took {took:?}");
    let sent = deletes(&e);
    assert!(sent <= 1, "{sent}");
    assert!(msg.contains(&format!("deleted {sent} of 3 rows")), "{msg}");
    assert!(msg.contains(&format!("{} not sent", 3 - sent)), "{msg}");
    assert!(msg.contains("interrupted: nothing more was sent"), "{msg}");
    assert!(msg.contains("journal: off"), "{msg}");
}

#[test]
fn the_deadline_bounds_a_whole_statement_not_each_scan() {
    let e = env_with(store(), |c| ClientConfig {
        bounds: Bounds {
            deadline: Duration::from_millis(1500),
            ..Bounds::default()
        },
        ..c
    });
    e.fake.set_latency(Duration::from_millis(400));
    // One scan of `small` takes one request (~0.4 s), well within 1.5 s.
    let n: i64 = e
        .conn
        .query_row(
            "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'",
            [],
            |r| r.get(0),
        )
        .expect("one scan is within the deadline");
    assert_eq!(n, 3);
    e.fake.clear_requests();
    // Eight scans of it in one statement (the join's inner side runs once per outer row) take
    // about 3.2 s: the statement's deadline stops it.
    let sql = "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 8) \
               SELECT count(*) FROM k CROSS JOIN auth_user_versions v \
               ON v.package_type = 'npm' AND v.package_name = 'small' || substr(k.i, 0, 0)";
    let err = e
        .conn
        .query_row(sql, [], |r| r.get::<_, i64>(0))
        .expect_err("over the statement deadline");
    let msg = error_text(&err);
    assert!(msg.contains("statement deadline bound (1.5 s)"), "{msg}");
    assert!(msg.contains("raise GITHUB_SQL_DEADLINE"), "{msg}");
    let sent = e.fake.requests().len();
    assert!((2..8).contains(&sent), "stopped part-way: {sent} requests");
}

#[test]
fn the_deadline_stops_a_delete_batch_before_its_next_request() {
    let _turn = writer();
    let j = temp_journal("deadline");
    let jp = j.clone();
    let e = env_with(store(), move |c| {
        ClientConfig {
            journal: Some(jp),
            bounds: Bounds {
                deadline: Duration::from_millis(1500),
                ..Bounds::default()
            },
            ..c
        }
        .with_write_delay(Duration::from_millis(400))
    });
    let ten = ids(&e, &format!("SELECT id {BIG} ORDER BY id LIMIT 10"));
    let list: Vec<String> = ten.iter().map(i64::to_string).collect();
    e.fake.clear_requests();
    let err = e
        .conn
        .execute(&format!("DELETE {BIG} AND id IN ({})", list.join(", ")), [])
        .expect_err("over the deadline");
    let msg = error_text(&err);
    assert!(msg.contains("nothing more was sent"), "{msg}");
    assert!(msg.contains("statement deadline bound (1.5 s)"), "{msg}");
    assert!(msg.contains("GITHUB_SQL_DEADLINE"), "{msg}");
    let sent = deletes(&e);
    assert!((2..10).contains(&sent), "stopped part-way: {sent}");
    assert!(msg.contains(&format!("deleted {sent} of 10 rows")), "{msg}");
    let deleted = github_sql::journal::read(&j)
        .expect("journal")
        .into_iter()
        .filter(|x| x.outcome.as_deref() == Some("deleted"))
        .count();
    assert_eq!(deleted, sent, "the journal has every delete that was sent");
}

#[test]
fn a_rate_limit_wait_past_the_deadline_fails_at_once() {
    let e = env_with(store(), |c| ClientConfig {
        bounds: Bounds {
            deadline: Duration::from_secs(30),
            ..Bounds::default()
        },
        ..c
    });
    e.fake.push_fault(
        Fault::error(429, "You have exceeded a secondary rate limit.")
            .method("GET")
            .header("retry-after", "120"),
    );
    let start = Instant::now();
    let err = e
        .conn
        .query_row(&format!("SELECT count(*) {BIG}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .expect_err("the wait would pass the deadline");
    assert!(start.elapsed() < PROMPTLY, "{:?}", start.elapsed());
    let msg = error_text(&err);
    assert!(
        msg.contains("would wait 120.0 s, past the deadline"),
        "{msg}"
    );
    assert!(msg.contains("statement deadline bound (30 s)"), "{msg}");
    assert!(msg.contains("raise GITHUB_SQL_DEADLINE"), "{msg}");
    assert_eq!(e.fake.requests().len(), 1);
}
