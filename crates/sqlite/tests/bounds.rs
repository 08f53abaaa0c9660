//! Bounds on what an answer and a scan may cost, against the fake's hostile answers: each fails
//! the statement with an error naming the bound and its variable, never a crash or a short
//! result, and the request log shows nothing more was asked.

mod common;

use std::time::{Duration, Instant};

use common::{env_with, error_text, store, Env};
use github_sql::http::{Bounds, ClientConfig};
use github_sql_fake::Fault;

const SMALL: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'";
const BIG: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";

fn bounded(b: Bounds) -> Env {
    env_with(store(), |c| ClientConfig { bounds: b, ..c })
}

fn count(e: &Env, from: &str) -> Result<i64, String> {
    e.conn
        .query_row(&format!("SELECT count(*) {from}"), [], |r| r.get(0))
        .map_err(|e| error_text(&e))
}

#[test]
fn a_huge_last_page_is_refused_before_anything_is_allocated() {
    for last in ["1000000000000", "18446744073709551615"] {
        let e = bounded(Bounds::default());
        e.fake.push_fault(
            Fault::huge_last(r#"[{"id": 1, "name": "x"}]"#, last).path_contains("/small/"),
        );
        let msg = count(&e, SMALL).expect_err(last);
        assert!(msg.contains("pages per scan"), "{msg}");
        assert!(msg.contains("GITHUB_SQL_MAX_PAGES"), "{msg}");
        assert!(msg.contains(&format!("announces {last} pages")), "{msg}");
        assert_eq!(e.requests().len(), 1, "nothing after the first page");
    }
}

#[test]
fn a_failed_source_of_an_in_list_fails_the_statement() {
    let e = bounded(Bounds::default());
    e.fake.push_fault(
        Fault::huge_last(r#"[{"id": 1, "name": "x"}]"#, "1000000000000").path_contains("/big/"),
    );
    let msg = count(
        &e,
        "FROM auth_user_versions WHERE package_type = 'npm' AND package_name IN ('small', 'big')",
    )
    .expect_err("big fails");
    assert!(msg.contains("pages per scan"), "{msg}");
    let big = e.requests().iter().filter(|r| r.contains("/big/")).count();
    assert_eq!(big, 1, "{:?}", e.requests());
}

#[test]
fn an_oversized_body_is_cut_at_the_bound_and_not_retried() {
    let e = bounded(Bounds {
        max_body: 1024 * 1024,
        ..Bounds::default()
    });
    e.fake
        .push_fault(Fault::oversized(3 * 1024 * 1024).path_contains("/small/"));
    let msg = count(&e, SMALL).expect_err("too big");
    assert!(
        msg.contains("GitHub's answer for GET /user/packages/npm/small/versions?per_page=100"),
        "{msg}"
    );
    assert!(msg.contains("response body size bound (1 MiB)"), "{msg}");
    assert!(msg.contains("GITHUB_SQL_MAX_BODY_MB"), "{msg}");
    assert_eq!(e.requests().len(), 1);
    // Under the bound the same kind of body is read whole (it is a JSON array).
    e.fake.clear_faults();
    e.fake
        .push_fault(Fault::oversized(512 * 1024).path_contains("/small/"));
    assert!(count(&e, SMALL).is_ok());
}

#[test]
fn an_endless_stream_stops_at_the_body_bound() {
    let e = bounded(Bounds {
        max_body: 2 * 1024 * 1024,
        ..Bounds::default()
    });
    e.fake.push_fault(Fault::endless().path_contains("/small/"));
    let start = Instant::now();
    let msg = count(&e, SMALL).expect_err("endless");
    assert!(msg.contains("response body size bound (2 MiB)"), "{msg}");
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(e.requests().len(), 1);
}

#[test]
fn a_next_link_to_a_page_already_read_stops_the_scan() {
    let e = bounded(Bounds::default());
    e.fake
        .push_fault(Fault::self_next(r#"[{"id": 1, "name": "x"}]"#).path_contains("/small/"));
    let msg = count(&e, SMALL).expect_err("loop");
    assert!(msg.contains("a page this scan already read"), "{msg}");
    assert!(
        msg.contains("/user/packages/npm/small/versions?per_page=100"),
        "{msg}"
    );
    assert_eq!(e.requests().len(), 1);
}

#[test]
fn pages_bytes_and_time_per_scan_are_bounded() {
    // 250 versions are 3 pages of 100.
    let e = bounded(Bounds {
        max_pages: 2,
        ..Bounds::default()
    });
    let msg = count(&e, BIG).expect_err("3 pages > 2");
    assert!(msg.contains("pages per scan bound (2 pages)"), "{msg}");
    assert_eq!(e.requests().len(), 1);
    assert_eq!(count(&e, SMALL).expect("1 page"), 3);

    let e = bounded(Bounds {
        max_scan_bytes: 20_000,
        ..Bounds::default()
    });
    let msg = count(&e, BIG).expect_err("bytes");
    assert!(msg.contains("bytes per scan bound (20000 bytes)"), "{msg}");
    assert!(msg.contains("GITHUB_SQL_MAX_SCAN_MB"), "{msg}");

    let e = bounded(Bounds {
        deadline: Duration::from_millis(300),
        ..Bounds::default()
    });
    e.fake.set_latency(Duration::from_millis(200));
    let msg = count(&e, BIG).expect_err("slow");
    assert!(msg.contains("statement deadline bound (0.3 s)"), "{msg}");
    assert!(msg.contains("GITHUB_SQL_DEADLINE"), "{msg}");
}
