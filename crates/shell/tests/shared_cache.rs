//! The cache on disk and the pacing every process shares (issue 22), checked in the fake's
//! request log: whole `github-sql` processes as users run them, and in-process connections
//! where a test must act between a request and its answer.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{store, TOKEN};
use github_sql::http::{ClientConfig, Pacing, RetryPolicy, Token};
use github_sql::Engine;
use github_sql_fake::{FakeGitHub, LoggedRequest, Store, TokenPolicy};

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const BIG: &str =
    "FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";
const SMALL: &str =
    "FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "github-sql-shared-{}-{name}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `github-sql exec SQL` against `fake`, its cache in `dir/cache`, with extra variables.
fn exec(fake: &FakeGitHub, dir: &Path, sql: &str, env: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .args(["--yes", "--output", "csv", "exec", sql])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_SQL_REGISTRY_URL", fake.base_url())
        .env("GITHUB_SQL_CACHE_DIR", dir.join("cache"))
        .env("GITHUB_SQL_JOURNAL", "off")
        .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
        .env("HOME", dir)
        .env_remove("GITHUB_SQL_CACHE")
        .env_remove("GITHUB_SQL_CACHE_MAX_AGE")
        .envs(env.iter().copied())
        .output()
        .expect("runs")
}

/// The CSV rows of a successful run (header dropped).
fn rows(o: &Output) -> Vec<String> {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(1)
        .map(String::from)
        .collect()
}

fn conditional(r: &LoggedRequest) -> bool {
    r.if_none_match.is_some() || r.if_modified_since.is_some()
}

#[test]
fn a_second_process_sends_only_conditional_requests_and_gets_only_304s() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("two");
    let sql = format!("SELECT id, name {BIG} ORDER BY id");
    let first = rows(&exec(&fake, &dir, &sql, &[]));
    assert_eq!(first.len(), 250);
    let log = fake.requests();
    assert_eq!(log.len(), 3, "three pages");
    assert!(log.iter().all(|r| !conditional(r) && r.status == 200));
    fake.clear_requests();
    let second = rows(&exec(&fake, &dir, &sql, &[]));
    assert_eq!(second, first, "the same answer");
    let log = fake.requests();
    assert_eq!(log.len(), 3, "{log:?}");
    for r in &log {
        assert!(conditional(r), "{r:?}");
        assert_eq!(r.status, 304, "{r:?}");
    }
    // The fake's primary window counted the first process's three requests only.
    let (_, used, _) = fake.primary_used();
    assert_eq!(used, 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_cache_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("mode");
    rows(&exec(&fake, &dir, &format!("SELECT count(*) {SMALL}"), &[]));
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let cache = dir.join("cache");
    assert_eq!(mode(&cache), 0o700);
    let files: Vec<PathBuf> = std::fs::read_dir(&cache)
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("github-sql.sqlite")),
        "{files:?}"
    );
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_write_in_one_process_is_seen_by_the_next_read_in_another() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("write");
    // Inside a freshness window of an hour only an invalidation can make the next read right.
    let fresh = [("GITHUB_SQL_CACHE_MAX_AGE", "3600")];
    let ids = rows(&exec(
        &fake,
        &dir,
        &format!("SELECT id {SMALL} ORDER BY id"),
        &fresh,
    ));
    assert_eq!(ids.len(), 3);
    fake.clear_requests();
    let again = rows(&exec(
        &fake,
        &dir,
        &format!("SELECT id {SMALL} ORDER BY id"),
        &fresh,
    ));
    assert_eq!(again, ids);
    assert!(fake.requests().is_empty(), "served inside the window");
    rows(&exec(
        &fake,
        &dir,
        &format!("DELETE {SMALL} AND id = {}", ids[0]),
        &[],
    ));
    fake.clear_requests();
    let after = rows(&exec(
        &fake,
        &dir,
        &format!("SELECT id {SMALL} ORDER BY id"),
        &fresh,
    ));
    assert_eq!(after, ids[1..].to_vec(), "the delete shows at once");
    let log = fake.requests();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        !conditional(&log[0]),
        "the list was forgotten: {:?}",
        log[0]
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Eight packages of `n` versions each (`p0` … `p7`).
fn eight(n: usize) -> Store {
    let mut s = Store::new();
    for i in 0..8 {
        s.add_package("npm", &format!("p{i}")).add_versions(n);
    }
    s.add_package("npm", "shared").add_versions(150);
    s
}

#[test]
fn eight_processes_reading_and_writing_at_once_corrupt_nothing() {
    let store = eight(120);
    let fake = FakeGitHub::start(store.clone()).expect("fake");
    let dir = temp_dir("eight");
    let versions = |i: usize| {
        format!("FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'p{i}'")
    };
    // Every process reads its package and the shared one, deletes two of its versions, and
    // reads both again; all eight at once, twice over.
    let ids: Vec<Vec<i64>> = (0..8)
        .map(|i| {
            let p = store.package("npm", &format!("p{i}")).expect("package");
            p.versions.iter().map(|v| v.id).collect()
        })
        .collect();
    for round in 0..2 {
        std::thread::scope(|s| {
            for (i, ids) in ids.iter().enumerate() {
                let (fake, dir, versions) = (&fake, &dir, &versions);
                s.spawn(move || {
                    let before = 120 - 2 * round;
                    let n = rows(&exec(fake, dir, &format!("SELECT count(*) {}", versions(i)), &[]));
                    assert_eq!(n, vec![before.to_string()], "process {i}");
                    let shared = rows(&exec(
                        fake,
                        dir,
                        "SELECT count(*) FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'shared'",
                        &[],
                    ));
                    assert_eq!(shared, vec!["150".to_string()]);
                    let (a, b) = (ids[2 * round], ids[2 * round + 1]);
                    rows(&exec(
                        fake,
                        dir,
                        &format!("DELETE {} AND id IN ({a}, {b})", versions(i)),
                        &[],
                    ));
                    let n = rows(&exec(fake, dir, &format!("SELECT count(*) {}", versions(i)), &[]));
                    assert_eq!(n, vec![(before - 2).to_string()], "process {i} sees its delete");
                });
            }
        });
    }
    // The database is sound, its size accounting exact, and a ninth process reads right.
    let db = rusqlite::Connection::open(dir.join("cache/github-sql.sqlite")).expect("db");
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
    let (total, sum): (i64, i64) = db
        .query_row(
            "SELECT (SELECT bytes FROM total), (SELECT coalesce(sum(size), 0) FROM entry)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("sizes");
    assert_eq!(total, sum);
    let all = rows(&exec(
        &fake,
        &dir,
        "SELECT package_name, count(*) FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name IN ('p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7') GROUP BY 1 ORDER BY 1",
        &[],
    ));
    assert_eq!(all, (0..8).map(|i| format!("p{i},116")).collect::<Vec<_>>());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn points_spent_in_one_process_pace_the_next() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("points");
    // Ten points a minute: the first process spends them (its 3 pages plus small's list).
    let ten = [("GITHUB_SQL_POINTS_PER_MINUTE", "10")];
    rows(&exec(&fake, &dir, &format!("SELECT count(*) {BIG}"), &ten));
    rows(&exec(
        &fake,
        &dir,
        "SELECT count(*) FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name IN ('small', 'empty', 'x1', 'x2', 'x3', 'x4', 'x5')",
        &ten,
    ));
    let sent = fake.requests().len();
    assert_eq!(sent, 10, "{:?}", fake.requests());
    // The next process, same token, waits for the window: past its 3-second deadline.
    let o = exec(
        &fake,
        &dir,
        &format!("SELECT count(*) {SMALL}"),
        &[ten[0], ("GITHUB_SQL_DEADLINE", "3")],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("pacing by GitHub's points per minute"),
        "{err}"
    );
    assert!(err.contains("GITHUB_SQL_DEADLINE"), "{err}");
    assert_eq!(fake.requests().len(), sent, "nothing more was sent");
    // Another token has a budget of its own.
    fake.set_token_policy(TokenPolicy::AnyToken);
    let other = Command::new(BIN)
        .args([
            "--output",
            "csv",
            "exec",
            &format!("SELECT count(*) {SMALL}"),
        ])
        .env("GITHUB_TOKEN", "ghp_another0123456789")
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_SQL_CACHE_DIR", dir.join("cache"))
        .env("GITHUB_SQL_JOURNAL", "off")
        .env("HOME", &dir)
        .env("GITHUB_SQL_POINTS_PER_MINUTE", "10")
        .env("GITHUB_SQL_DEADLINE", "3")
        .output()
        .expect("runs");
    assert_eq!(rows(&other), vec!["3".to_string()]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_cache_off_sends_no_conditional_headers_from_any_process() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("off");
    let off = [("GITHUB_SQL_CACHE", "off")];
    for _ in 0..2 {
        assert_eq!(
            rows(&exec(&fake, &dir, &format!("SELECT count(*) {BIG}"), &off)),
            vec!["250".to_string()]
        );
    }
    let log = fake.requests();
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|r| !conditional(r) && r.status == 200));
    let _ = std::fs::remove_dir_all(dir);
}

/// An engine on `fake` with its cache in `dir`, with `token`.
fn engine(
    fake: &FakeGitHub,
    dir: &Path,
    token: &str,
    adjust: impl FnOnce(ClientConfig) -> ClientConfig,
) -> Engine {
    let provider = Arc::new(github_sql::spec::load_embedded().expect("provider"));
    let config = ClientConfig {
        retry: RetryPolicy::fast(),
        ..ClientConfig::new(fake.base_url(), Some(Token::new(token)))
    }
    .with_write_delay(Duration::ZERO)
    .with_cache_dir(dir.join("cache"));
    Engine::new(provider, adjust(config))
}

fn connect(e: &Engine) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, e).expect("register");
    conn
}

const BIG_BARE: &str =
    "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";

fn count(conn: &rusqlite::Connection, from: &str) -> rusqlite::Result<i64> {
    conn.query_row(&format!("SELECT count(*) {from}"), [], |r| r.get(0))
}

#[test]
fn one_tokens_entries_never_answer_anothers_request() {
    let fake = FakeGitHub::start(store()).expect("fake");
    fake.set_token_policy(TokenPolicy::tokens(&[("ghp_tokenA", &["read:packages"])]));
    let dir = temp_dir("tokens");
    // A freshness window of an hour: a shared key would answer B with no request at all.
    let fresh = |c: ClientConfig| ClientConfig {
        cache_max_age: Some(Duration::from_secs(3600)),
        ..c
    };
    let a = connect(&engine(&fake, &dir, "ghp_tokenA", fresh));
    assert_eq!(count(&a, BIG_BARE).expect("A reads"), 250);
    fake.clear_requests();
    assert_eq!(count(&a, BIG_BARE).expect("A again"), 250);
    assert!(fake.requests().is_empty(), "A's own entries answer A");
    let b = connect(&engine(&fake, &dir, "ghp_tokenB", fresh));
    let err = count(&b, BIG_BARE).expect_err("B is refused");
    assert!(err.to_string().contains("401"), "{err}");
    let log = fake.requests();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        !conditional(&log[0]),
        "no validator of A's went with B's request"
    );
    assert_eq!(log[0].authorization.as_deref(), Some("Bearer ghp_tokenB"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_entry_evicted_while_its_304_is_in_flight_is_fetched_again() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("evict");
    let e = engine(&fake, &dir, TOKEN, |c| c);
    let conn = connect(&e);
    assert_eq!(count(&conn, BIG_BARE).expect("first"), 250);
    fake.clear_requests();
    fake.set_latency(Duration::from_millis(800));
    let db_path = dir.join("cache/github-sql.sqlite");
    let n = std::thread::scope(|s| {
        let evictor = s.spawn(|| {
            let start = Instant::now();
            // Once the first page's conditional request is out (its answer 800 ms away),
            // another process evicts everything.
            while !fake.requests().iter().any(conditional) {
                assert!(start.elapsed() < Duration::from_secs(20), "never sent");
                std::thread::sleep(Duration::from_millis(10));
            }
            let db = rusqlite::Connection::open(&db_path).expect("db");
            db.execute_batch("DELETE FROM entry; UPDATE total SET bytes = 0;")
                .expect("evict");
        });
        let n = count(&conn, BIG_BARE);
        evictor.join().expect("evictor");
        n
    });
    assert_eq!(n.expect("second"), 250, "the right answer all the same");
    let log = fake.requests();
    let (revalidated, refetched): (Vec<_>, Vec<_>) = log.iter().partition(|r| conditional(r));
    assert_eq!(revalidated.len(), 1, "{log:?}");
    assert_eq!(revalidated[0].status, 304);
    // The page whose 304 found nothing is asked again, unconditionally; the other two pages
    // were evicted before they were asked for.
    assert_eq!(refetched.len(), 3, "{log:?}");
    assert!(refetched.iter().all(|r| r.status == 200));
    assert_eq!(
        refetched[0].query, revalidated[0].query,
        "the same page again: {log:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pacing_holds_the_points_per_window_in_the_fakes_log() {
    let mut s = Store::new();
    for i in 0..30 {
        s.add_package("npm", &format!("q{i}")).add_versions(2);
    }
    let fake = FakeGitHub::start(s).expect("fake");
    // GitHub's rule, scaled down: 20 points per 2 s window; the fake refuses anything over.
    let (points, window) = (20u32, Duration::from_secs(2));
    fake.set_secondary_limit(points, window);
    let dir = temp_dir("pace");
    let e = engine(&fake, &dir, TOKEN, |c| ClientConfig {
        cache: false,
        pacing: Pacing {
            points,
            window,
            ..Pacing::default()
        },
        ..c
    });
    let conn = connect(&e);
    let names: Vec<String> = (0..30).map(|i| format!("'q{i}'")).collect();
    let q = format!(
        "FROM auth_user_versions WHERE package_type = 'npm' AND package_name IN ({})",
        names.join(", ")
    );
    assert_eq!(count(&conn, &q).expect("30 GETs"), 60);
    assert_eq!(count(&conn, &q).expect("again"), 60);
    // Two deletes at 5 points each.
    let ids: Vec<i64> = {
        let mut st = conn
            .prepare("SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name IN ('q0', 'q1')")
            .expect("prepare");
        st.query_map([], |r| r.get(0))
            .expect("ids")
            .collect::<rusqlite::Result<_>>()
            .expect("ids")
    };
    conn.execute(
        &format!("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'q0' AND id = {}", ids[0]),
        [],
    )
    .expect("delete");
    let log = fake.requests();
    assert!(log.len() >= 62, "{}", log.len());
    assert!(
        log.iter().all(|r| r.status != 403),
        "the fake never refused"
    );
    let w = window.as_millis() as u64;
    for r in &log {
        let spent: u32 = log
            .iter()
            .filter(|x| x.at_ms <= r.at_ms && x.at_ms + w > r.at_ms)
            .map(|x| x.points)
            .sum();
        assert!(
            spent <= points,
            "{spent} points in the window ending at {} ms",
            r.at_ms
        );
    }
    assert!(
        log.iter().any(|r| r.method == "DELETE" && r.points == 5),
        "a write costs 5"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_twenty_page_list_goes_out_at_once_after_its_first_page() {
    let mut s = Store::new();
    s.add_package("npm", "twenty").add_versions(2000);
    let fake = FakeGitHub::start(s).expect("fake");
    fake.set_latency(Duration::from_millis(300));
    let dir = temp_dir("burst");
    let conn = connect(&engine(&fake, &dir, TOKEN, |c| c));
    assert_eq!(
        count(
            &conn,
            "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'twenty'"
        )
        .expect("count"),
        2000
    );
    let log = fake.requests();
    assert_eq!(log.len(), 20);
    // Pages 2..20 were all asked for before the first of them could have been answered.
    let first = log[1].at_ms;
    for r in &log[1..] {
        assert!(
            r.at_ms < first + 250,
            "page {:?} left {} ms after page 2",
            r.query,
            r.at_ms - first
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn statements_are_accounted_and_the_rate_limit_table_costs_nothing() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("stats");
    let conn = connect(&engine(&fake, &dir, TOKEN, |c| c));
    let stats = |conn: &rusqlite::Connection| -> serde_json::Value {
        let s: String = conn
            .query_row("SELECT github_sql_last_stats()", [], |r| r.get(0))
            .expect("stats");
        serde_json::from_str(&s).expect("json")
    };
    count(&conn, BIG_BARE).expect("first");
    let s = stats(&conn);
    assert_eq!(s["requests"], 3);
    assert_eq!(s["not_modified"], 0);
    assert_eq!(s["bodies"], 3);
    assert_eq!(s["points"], 3);
    assert_eq!(s["primary"], 3);
    assert!(s["bytes"].as_u64().is_some_and(|b| b > 1000), "{s}");
    count(&conn, BIG_BARE).expect("second");
    let s = stats(&conn);
    assert_eq!(
        (s["requests"].as_u64(), s["not_modified"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        (s["bodies"].as_u64(), s["primary"].as_u64()),
        (Some(0), Some(0))
    );
    // The table asks GET /rate_limit, which the fake (as GitHub) does not count.
    let (_, used_before, _) = fake.primary_used();
    let rows: Vec<(String, i64, i64, i64)> = {
        let mut st = conn
            .prepare("SELECT resource, \"limit\", remaining, used FROM github_sql_rate_limit ORDER BY resource")
            .expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    };
    let core = rows.iter().find(|r| r.0 == "core").expect("core");
    assert_eq!(core.1, 5000);
    assert_eq!(core.3, i64::from(used_before));
    assert_eq!(core.1 - core.2, core.3);
    assert!(rows.iter().any(|r| r.0 == "search"), "{rows:?}");
    assert!(rows.iter().any(|r| r.0 == "code_search"), "{rows:?}");
    assert_eq!(
        fake.primary_used().1,
        used_before,
        "GET /rate_limit cost nothing"
    );
    assert_eq!(
        fake.requests().last().map(|r| r.path.clone()).as_deref(),
        Some("/rate_limit")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bulk_write_is_estimated_against_the_remaining_budget_before_it_is_sent() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("estimate");
    let e = engine(&fake, &dir, TOKEN, |c| c);
    let stop = github_sql::http::Stop::default();
    // Nothing known yet: one GET /rate_limit (free), then the figures.
    let est = e
        .client
        .estimate_writes("DELETE", 1200, &stop)
        .expect("estimate");
    assert_eq!(
        fake.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>(),
        vec!["GET /rate_limit"]
    );
    assert!(est.fits, "{}", est.message());
    assert_eq!(est.points, 6000);
    assert_eq!(est.budget.as_ref().map(|b| b.remaining), Some(5000));
    // 5,000 left: 6,000 deletes never fit one window; the next estimate uses the kept figures.
    let est = e
        .client
        .estimate_writes("DELETE", 6000, &stop)
        .expect("estimate");
    assert!(!est.fits);
    assert_eq!(est.earliest, None);
    assert!(est.message().contains("split it"), "{}", est.message());
    assert_eq!(fake.requests().len(), 1, "no second GET /rate_limit");
    let _ = std::fs::remove_dir_all(dir);
}

/// A COMMIT whose requests do not fit the primary budget GitHub has left is refused before
/// anything is sent, saying when it could run; one that fits is sent. The check is the engine's
/// (every front end commits through it), from the figures the DELETE's own listing brought.
#[test]
fn a_delete_over_the_remaining_budget_is_refused_before_anything_is_sent() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("budget");
    // Another client of the same user left 15 requests; the listing of big spends 3 of them.
    let (limit, _, _) = fake.primary_used();
    fake.spend_primary(limit - 15);
    let o = exec(&fake, &dir, &format!("DELETE {BIG}"), &[]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("250 requests") && err.contains("against 12 of 5000 core requests left"),
        "{err}"
    );
    assert!(
        err.contains("it fits after the reset at") && err.contains("Nothing was sent"),
        "{err}"
    );
    let log = fake.requests();
    assert!(log.iter().all(|r| r.method == "GET"), "{log:?}");
    assert_eq!(
        fake.with_store(|s| s.package("npm", "big").map(|p| p.versions.len())),
        Some(250)
    );
    // Two rows fit what is left: sent (small keeps a version, as GitHub requires).
    let ids = rows(&exec(
        &fake,
        &dir,
        &format!("SELECT id {SMALL} ORDER BY id"),
        &[],
    ));
    fake.clear_requests();
    let o = exec(
        &fake,
        &dir,
        &format!("DELETE {SMALL} AND id IN ({}, {})", ids[0], ids[1]),
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count(),
        2
    );
    // More than one window holds: never in one window, whatever the reset.
    let mut s = Store::new();
    s.add_package("npm", "huge").add_versions(5200);
    let fake = FakeGitHub::start(s).expect("fake");
    let o = exec(
        &fake,
        &dir,
        "DELETE FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'huge'",
        &[],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("does not fit in one window of 5000"), "{err}");
    assert!(fake.requests().iter().all(|r| r.method == "GET"));
    let _ = std::fs::remove_dir_all(dir);
}
