//! Retries, rate limits, timeouts, bad answers, redirects, hostile input and threads, against the
//! fake GitHub's fault modes. Every test asserts rows or error text and the requests made.

mod common;

use std::time::{Duration, Instant};

use common::{describe, env, env_with, error_text, store, Env, TOKEN};
use github_sql_fake::{FakeGitHub, Fault, Store};

const BIG: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";
const SMALL: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'";

fn count(e: &Env, from: &str) -> rusqlite::Result<i64> {
    e.conn
        .query_row(&format!("SELECT count(*) {from}"), [], |r| r.get(0))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[test]
fn service_unavailable_is_retried() {
    let e = env(store());
    e.fake
        .push_fault(Fault::error(503, "Service Unavailable").times(2));
    assert_eq!(count(&e, SMALL).expect("retried"), 3);
    let reqs = e.fake.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(
        reqs.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![503, 503, 200]
    );
}

#[test]
fn a_page_that_keeps_failing_fails_the_query_naming_the_page() {
    let e = env(store());
    e.fake
        .push_fault(Fault::error(500, "Server Error").query_contains("page=3"));
    let msg = error_text(&count(&e, BIG).expect_err("page 3 fails"));
    assert!(
        msg.contains(
            "GET /user/packages/npm/big/versions?per_page=100&page=3 (after 4 tries): Server Error"
        ),
        "{msg}"
    );
    let page3 = e
        .fake
        .requests()
        .iter()
        .filter(|r| r.query.as_deref().is_some_and(|q| q.contains("page=3")))
        .count();
    assert_eq!(page3, 4);
}

#[test]
fn secondary_rate_limit_with_retry_after_waits_then_succeeds() {
    for status in [429, 403] {
        let e = env(store());
        e.fake.push_fault(
            Fault::error(status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
                .header("retry-after", "1")
                .times(1),
        );
        let start = Instant::now();
        assert_eq!(count(&e, SMALL).expect("after the wait"), 3);
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "Retry-After honoured ({status})"
        );
        assert_eq!(e.fake.requests().len(), 2);
    }
}

#[test]
fn secondary_rate_limit_without_retry_after_gives_up_after_a_few_tries() {
    let e = env(store());
    e.fake.push_fault(Fault::error(
        403,
        "You have exceeded a secondary rate limit.",
    ));
    let msg = error_text(&count(&e, SMALL).expect_err("secondary"));
    assert!(msg.starts_with("GitHub's secondary rate limit refused /user/packages/npm/small/versions?per_page=100 4 times"), "{msg}");
    assert_eq!(e.fake.requests().len(), 4);
}

#[test]
fn primary_exhaustion_with_a_far_reset_fails_at_once() {
    let e = env(store());
    let reset = now() + 3000;
    e.fake.push_fault(
        Fault::error(403, "API rate limit exceeded for user ID 1.")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset.to_string()),
    );
    let start = Instant::now();
    let msg = error_text(&count(&e, SMALL).expect_err("exhausted"));
    assert!(start.elapsed() < Duration::from_secs(5), "no silent sleep");
    let s = reset % 86_400;
    let hms = format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
    assert_eq!(
        msg,
        format!("GitHub API rate limit exhausted; resets at {hms} UTC (in 50 min)")
    );
    assert_eq!(e.fake.requests().len(), 1);
}

#[test]
fn primary_exhaustion_with_a_near_reset_waits() {
    let e = env(store());
    e.fake.push_fault(
        Fault::error(403, "API rate limit exceeded for user ID 1.")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &now().to_string())
            .times(1),
    );
    assert_eq!(count(&e, SMALL).expect("waited for the reset"), 3);
    assert_eq!(e.fake.requests().len(), 2);
}

#[test]
fn malformed_and_odd_answers_are_errors_or_nulls_never_panics() {
    let e = env(store());
    for (body, expect) in [
        ("not json", "is not the expected JSON"),
        (
            "{\"message\": \"an object, not a list\"}",
            "invalid type: map, expected an array of objects",
        ),
        ("[1, 2", "is not the expected JSON"),
    ] {
        e.fake.push_fault(Fault::new(200, body).times(1));
        let msg = error_text(&count(&e, SMALL).expect_err(body));
        assert!(msg.contains(expect), "{body}: {msg}");
    }
    // Missing fields, wrong types, null metadata: rows with NULLs or the values as given.
    e.fake.push_fault(
        Fault::new(200, r#"[{"id": "7", "metadata": null}, {"name": 5}, {}]"#).times(1),
    );
    let rows = e
        .rows(&format!(
            "SELECT id, name, metadata, json_extract(metadata, '$.x') {SMALL}"
        ))
        .expect("rows");
    assert_eq!(
        rows,
        vec![
            vec!["7", "NULL", "NULL", "NULL"],
            vec!["NULL", "5", "NULL", "NULL"],
            vec!["NULL", "NULL", "NULL", "NULL"]
        ]
    );
}

#[test]
fn a_reset_connection_is_retried() {
    let e = env(store());
    e.fake.push_fault(Fault::connection_reset().times(1));
    assert_eq!(count(&e, SMALL).expect("retried"), 3);
    assert_eq!(e.fake.requests().len(), 2);
}

#[test]
fn slow_answers_time_out_with_a_clear_error() {
    let e = env_with(store(), |c| github_sql::http::ClientConfig {
        timeout: Duration::from_millis(200),
        retry: github_sql::http::RetryPolicy {
            tries: 2,
            ..github_sql::http::RetryPolicy::fast()
        },
        ..c
    });
    e.fake.set_latency(Duration::from_millis(1500));
    let msg = error_text(&count(&e, SMALL).expect_err("timeout"));
    assert!(
        msg.contains("(after 2 tries): timed out (GITHUB_SQL_TIMEOUT)"),
        "{msg}"
    );
}

#[test]
fn writes_are_not_retried_on_server_errors_but_are_on_rate_limits() {
    let e = env(store());
    let id = e.ids(&format!("SELECT id {SMALL} LIMIT 1")).expect("id")[0];
    e.fake
        .push_fault(Fault::error(502, "Bad Gateway").method("DELETE").times(1));
    let err = e
        .conn
        .execute(&format!("DELETE {SMALL} AND id = {id}"), [])
        .expect_err("502");
    assert!(
        error_text(&err).contains("GitHub answered 502 for DELETE"),
        "{err}"
    );
    assert_eq!(
        e.fake
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count(),
        1,
        "a 5xx write may have happened: not retried"
    );
    e.fake.push_fault(
        Fault::error(429, "You have exceeded a secondary rate limit.")
            .method("DELETE")
            .header("retry-after", "0")
            .times(1),
    );
    assert_eq!(
        e.conn
            .execute(&format!("DELETE {SMALL} AND id = {id}"), [])
            .expect("retried"),
        1
    );
    assert_eq!(
        e.fake
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count(),
        3
    );
}

#[test]
fn redirects_to_another_host_never_carry_the_token() {
    let other = FakeGitHub::start(store()).expect("second fake");
    let e = env(store());
    e.fake
        .push_fault(Fault::new(307, "").path_contains("/small/").header(
            "location",
            &format!(
                "{}/user/packages/npm/small/versions?per_page=100",
                other.base_url()
            ),
        ));
    let err = count(&e, SMALL).expect_err("the other host wants a token");
    let msg = error_text(&err);
    assert!(msg.contains("401"), "{msg}");
    assert!(!msg.contains(TOKEN));
    let seen = other.requests();
    assert_eq!(seen.len(), 1, "the redirect was followed");
    assert_eq!(
        seen[0].authorization, None,
        "no Authorization on another host"
    );
}

#[test]
fn hostile_names_cannot_change_the_request() {
    let e = env(store());
    for name in ["../../orgs/x?y=1#z", "%2e%2e", "a/b/../c", "x y"] {
        e.fake.clear_requests();
        let n = count(
            &e,
            &format!(
                "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = '{name}'"
            ),
        )
        .expect(name);
        assert_eq!(n, 0, "{name}");
        let r = &e.fake.requests()[0];
        assert!(
            r.path.starts_with("/user/packages/npm/"),
            "{name}: {}",
            describe(r)
        );
        assert!(r.path.ends_with("/versions"), "{name}: {}", describe(r));
        assert_eq!(
            r.path.matches('/').count(),
            5,
            "one segment for the name: {}",
            describe(r)
        );
        assert_eq!(r.query.as_deref(), Some("per_page=100"), "{name}");
    }
    // Invalid input: errors or empty results, and no request.
    e.fake.clear_requests();
    let long = "n".repeat(20_000);
    let msg = error_text(
        &count(
            &e,
            &format!(
                "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = '{long}'"
            ),
        )
        .expect_err("long"),
    );
    assert!(msg.contains("package_name is 20000 bytes long"), "{msg}");
    let msg = error_text(&count(&e, &format!("{SMALL} AND id = -5")).expect_err("negative"));
    assert!(
        msg.contains("package_version_id must be a non-negative integer, got -5"),
        "{msg}"
    );
    let msg = error_text(&count(&e, &format!("{SMALL} AND id = 1.5")).expect_err("fraction"));
    assert!(msg.contains("non-negative integer"), "{msg}");
    assert_eq!(
        count(
            &e,
            "FROM auth_user_versions WHERE package_type = NULL AND package_name = 'x'"
        )
        .expect("null"),
        0
    );
    assert!(e.fake.requests().is_empty(), "{:?}", e.requests());
}

#[test]
fn many_threads_with_their_own_connections() {
    let mut s = Store::new();
    for i in 0..8 {
        s.add_package("npm", &format!("p{i}"))
            .add_versions(20 + i * 30);
    }
    let e = env(s);
    let engine = e.engine.clone();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
                github_sql::register(&conn, &engine).expect("register");
                let mut total = 0;
                for _ in 0..3 {
                    let n: i64 = conn
                        .query_row(
                            &format!("SELECT count(DISTINCT id) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'p{i}'"),
                            [],
                            |r| r.get(0),
                        )
                        .expect("query");
                    total += n;
                }
                (i, total)
            })
        })
        .collect();
    for h in handles {
        let (i, total) = h.join().expect("thread");
        assert_eq!(total, 3 * (20 + i as i64 * 30), "package p{i}");
    }
}
