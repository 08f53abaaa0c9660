//! The write journal, ambiguous write outcomes and the bulk-delete rule, in the SQLite front end
//! and the shell binary, against the fake's request log.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{env_with, error_text, Env, TOKEN};
use github_sql::http::ClientConfig;
use github_sql_fake::{FakeGitHub, Fault, Store};

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const LIB: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib'";

fn store() -> Store {
    let mut s = Store::new();
    s.add_package("npm", "lib").add_versions(6);
    s.add_package("npm", "big").add_versions(150);
    s
}

fn temp_journal(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "github-sql-test-{}-{name}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("journal.jsonl")
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn journaled(path: &std::path::Path) -> Env {
    let p = path.to_path_buf();
    env_with(store(), move |c| ClientConfig {
        journal: Some(p),
        ..c
    })
}

fn ids(e: &Env, sql: &str) -> Vec<i64> {
    e.ids(sql).expect(sql)
}

#[test]
fn every_delete_is_journaled_before_and_after_and_the_journal_is_a_table() {
    let path = temp_journal("table");
    let e = journaled(&path);
    let two = ids(&e, &format!("SELECT id {LIB} ORDER BY id LIMIT 2"));
    e.conn
        .execute(
            &format!("DELETE {LIB} AND id IN ({}, {})", two[0], two[1]),
            [],
        )
        .expect("delete");
    // The table lists the journal's lines in file order (it is append-only); `time` has
    // millisecond resolution, so an intent and its outcome on loopback may share one.
    let rows = e
        .rows("SELECT phase, method, path, status, outcome, json_extract(params, '$.package_version_id'), request_id IS NOT NULL FROM github_sql_journal")
        .expect("journal");
    let path0 = format!("/user/packages/npm/lib/versions/{}", two[0]);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(
        rows[0],
        vec![
            "intent",
            "DELETE",
            path0.as_str(),
            "NULL",
            "NULL",
            &two[0].to_string(),
            "0"
        ]
    );
    assert_eq!(
        rows[1],
        vec![
            "outcome",
            "DELETE",
            path0.as_str(),
            "204",
            "deleted",
            &two[0].to_string(),
            "1"
        ]
    );
    // One run id for the batch; the restore recipe from docs/reliability.md undoes it.
    let run: Vec<Vec<String>> = e
        .rows("SELECT DISTINCT run_id FROM github_sql_journal")
        .expect("runs");
    assert_eq!(run.len(), 1);
    e.fake.clear_requests();
    e.rows(&format!(
            "SELECT restore_package_version_for_authenticated_user(json_extract(params, '$.package_name'), json_extract(params, '$.package_type'), json_extract(params, '$.package_version_id')) FROM github_sql_journal WHERE run_id = '{}' AND outcome = 'deleted'",
            run[0][0]
        ))
        .expect("restore");
    let mut posts = e.requests_of("POST");
    posts.sort();
    assert_eq!(
        posts,
        vec![
            format!("POST {path0}/restore"),
            format!("POST /user/packages/npm/lib/versions/{}/restore", two[1])
        ]
    );
    assert_eq!(ids(&e, &format!("SELECT count(*) {LIB}")), vec![6]);
}

#[test]
fn a_502_on_a_delete_that_was_done_is_checked_and_counted_as_deleted() {
    let path = temp_journal("502");
    let e = journaled(&path);
    let v = ids(&e, &format!("SELECT id {LIB} ORDER BY id LIMIT 3"));
    e.fake.push_fault(
        Fault::done_but(502)
            .method("DELETE")
            .path_contains(&format!("/versions/{}", v[1])),
    );
    e.fake.clear_requests();
    let n = e
        .conn
        .execute(
            &format!("DELETE {LIB} AND id IN ({}, {}, {})", v[0], v[1], v[2]),
            [],
        )
        .expect("all done");
    assert_eq!(n, 3);
    let reqs = e.requests();
    let checked = format!("GET /user/packages/npm/lib/versions/{}", v[1]);
    assert!(reqs.contains(&checked), "{reqs:?}");
    let outcomes = e
        .rows("SELECT status, outcome, detail FROM github_sql_journal WHERE phase = 'outcome'")
        .expect("journal");
    assert_eq!(outcomes[1][0], "502");
    assert_eq!(outcomes[1][1], "deleted");
    assert!(
        outcomes[1][2].contains("lists it as deleted") || outcomes[1][2].contains("404"),
        "{outcomes:?}"
    );
}

#[test]
fn an_outcome_that_stays_unknown_stops_the_batch_and_says_so() {
    let path = temp_journal("unknown");
    let e = journaled(&path);
    // In list order, the order the DELETE sends them.
    let v = ids(&e, &format!("SELECT id {LIB} LIMIT 3"));
    e.fake.push_fault(
        Fault::error(502, "Bad Gateway")
            .method("DELETE")
            .path_contains(&format!("/versions/{}", v[0])),
    );
    // The check fails too.
    e.fake.push_fault(
        Fault::error(503, "Unavailable")
            .method("GET")
            .path_contains(&format!("/versions/{}", v[0])),
    );
    e.fake.clear_requests();
    let err = e
        .conn
        // `id + 0` keeps the scan a list (no per-id GET for the fault to catch).
        .execute(
            &format!("DELETE {LIB} AND id + 0 IN ({}, {}, {})", v[0], v[1], v[2]),
            [],
        )
        .expect_err("unknown");
    let msg = error_text(&err);
    assert!(msg.contains("0 failed, 1 unknown, 2 not sent"), "{msg}");
    assert!(msg.contains("UNKNOWN whether GitHub did it"), "{msg}");
    assert!(
        msg.contains(&format!("journal: {}", path.display())),
        "{msg}"
    );
    assert_eq!(
        e.requests_of("DELETE").len(),
        1,
        "nothing after the unknown one"
    );
    let outcome = e
        .rows("SELECT outcome FROM github_sql_journal WHERE phase = 'outcome'")
        .expect("journal");
    assert_eq!(outcome, vec![vec!["unknown".to_string()]]);
}

#[test]
fn a_bulk_delete_needs_confirmation_in_the_extension() {
    let path = temp_journal("confirm");
    let e = journaled(&path);
    // Every version of lib (the scan saw the whole list).
    let msg = error_text(
        &e.conn
            .execute(&format!("DELETE {LIB}"), [])
            .expect_err("every version"),
    );
    assert!(msg.contains("DELETE would remove 6 rows of auth_user_versions (every row of package_name lib, package_type npm its listing showed)"), "{msg}");
    assert!(msg.contains("github_sql_confirm_deletes(6)"), "{msg}");
    // Over the threshold (100).
    let msg = error_text(&e.conn.execute("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND id % 4 <> 0", []).expect_err("over 100"));
    assert!(
        msg.contains("more than 100, the GITHUB_SQL_CONFIRM_OVER threshold"),
        "{msg}"
    );
    assert!(e.requests_of("DELETE").is_empty(), "nothing sent");
    assert!(github_sql::journal::read(&path).expect("read").is_empty());
    // A confirmation smaller than the count does not do; the right one does, once.
    e.conn
        .query_row("SELECT github_sql_confirm_deletes(5)", [], |_| Ok(()))
        .expect("5");
    assert!(e.conn.execute(&format!("DELETE {LIB}"), []).is_err());
    e.conn
        .query_row("SELECT github_sql_confirm_deletes(6)", [], |_| Ok(()))
        .expect("6");
    // The fake refuses to delete the last version of a package, as GitHub does.
    let err = error_text(
        &e.conn
            .execute(&format!("DELETE {LIB}"), [])
            .expect_err("last one refused"),
    );
    assert!(err.contains("deleted 5 of 6 rows"), "{err}");
    assert_eq!(e.requests_of("DELETE").len(), 6);
    // A few rows of a package are no bulk delete.
    let one = ids(&e, "SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' LIMIT 1");
    e.conn
        .execute(&format!("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND id = {}", one[0]), [])
        .expect("one");
}

fn shell(fake: &FakeGitHub, journal: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_SQL_JOURNAL", journal)
        .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
        .stdin(Stdio::null());
    c
}

#[test]
fn the_shell_needs_yes_for_a_bulk_delete_and_dry_run_says_so() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let j = temp_journal("shell-yes");
    let sql = format!("DELETE {LIB}");
    let o = shell(&fake, &j, &["--dry-run", "exec", &sql])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(
            "dry run: DELETE would remove 6 rows of auth_user_versions; it would need confirmation"
        ),
        "{err}"
    );
    let o = shell(&fake, &j, &["exec", &sql]).output().expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("confirm with --yes"), "{err}");
    assert!(fake.requests().iter().all(|r| r.method != "DELETE"));
    let o = shell(
        &fake,
        &j,
        &["--yes", "exec", &format!("{sql} AND id % 2 = 0")],
    )
    .output()
    .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("DELETE: 3 rows of auth_user_versions deleted"),
        "{err}"
    );
    assert!(err.contains("deleted: package_version_id "), "{err}");
    assert!(err.contains(&format!("journal: {}", j.display())), "{err}");
}

#[test]
fn kill_9_mid_delete_leaves_a_journal_matching_what_was_sent() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let j = temp_journal("kill9");
    let mut child = shell(
        &fake,
        &j,
        &["--yes", "exec", "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND id % 5 = 0"],
    )
    .env("GITHUB_SQL_WRITE_DELAY_MS", "40")
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("spawn");
    let start = Instant::now();
    while fake
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count()
        < 5
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "deletes never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    let sent: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.clone())
        .collect();
    assert!(sent.len() < 30, "killed mid-way: {}", sent.len());
    let entries = github_sql::journal::read(&j).expect("journal");
    let intents: Vec<String> = entries
        .iter()
        .filter(|e| e.phase == "intent")
        .map(|e| e.path.clone())
        .collect();
    // Every request that left has its intent on disk; at most one intent more (written, then
    // killed before sending).
    assert!(
        intents.starts_with(&sent),
        "sent {sent:?}\njournal {intents:?}"
    );
    assert!(intents.len() <= sent.len() + 1);
    for e in entries.iter().filter(|e| e.phase == "outcome") {
        assert_eq!(e.outcome.as_deref(), Some("deleted"));
        assert!(sent.contains(&e.path));
    }
}

#[test]
fn a_view_in_an_attached_file_cannot_reach_the_tables_from_the_shell() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let j = temp_journal("views");
    let db = j.with_file_name("views.db");
    {
        let c = rusqlite::Connection::open(&db).expect("file");
        c.execute_batch(&format!("CREATE VIEW v AS SELECT id {LIB}"))
            .expect("view");
    }
    let sql = format!("ATTACH '{}' AS f; SELECT count(*) FROM f.v;", db.display());
    let o = shell(&fake, &j, &["exec", &sql]).output().expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("unsafe use of virtual table"), "{err}");
    assert!(fake.requests().is_empty(), "nothing sent");
    let o = shell(&fake, &j, &["exec", &sql])
        .env("GITHUB_SQL_ALLOW_VIEWS", "1")
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains('6'));
}

#[test]
fn sigint_stops_a_paced_delete_before_its_next_request() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let j = temp_journal("sigint");
    let child = shell(
        &fake,
        &j,
        &["--yes", "exec", "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND id % 5 = 0"],
    )
    .env("GITHUB_SQL_WRITE_DELAY_MS", "150")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn");
    let start = Instant::now();
    while fake
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count()
        < 2
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "deletes never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(st.success());
    let out = child.wait_with_output().expect("exits");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("interrupted: nothing more was sent"), "{err}");
    assert!(err.contains(&format!("journal: {}", j.display())), "{err}");
    let sent = fake
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count(),
        sent
    );
    assert!(sent < 30, "{sent}");
    let outcomes = github_sql::journal::read(&j)
        .expect("journal")
        .into_iter()
        .filter(|e| e.phase == "outcome")
        .count();
    assert_eq!(outcomes, sent, "the journal has every delete that was sent");
}
