//! Transactions that mean what they say (issue 25), in the shell and the SQLite extension, with
//! the fake's request log as the truth: a later statement never sees rows queued for deletion,
//! a rolled-back savepoint sends nothing, one COMMIT is one decision and one run, the bulk rule
//! is decided from the DELETE's own listing and a confirmation is used up by its transaction,
//! and a dry run reports exactly what the real run sends. A property test compares running
//! random prune scripts statement by statement with running them in one transaction.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use common::{env_with, error_text, Env};
use github_sql::http::ClientConfig;
use github_sql_fake::Store;
use github_sql_shell::output::OutputFormat;
use github_sql_shell::{stackql, Outcome, Session};
use proptest::prelude::*;

const BIG: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";
const SMALL: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'";
const ORG: &str =
    "FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib'";
/// Prune by pattern (1.0.2, 1.0.20–29, 1.0.200–249: 61 versions), then keep the newest 150.
const PRUNE: [&str; 2] = [
    "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND name LIKE '1.0.2%'",
    "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' \
     AND +id NOT IN (SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' ORDER BY created_at DESC LIMIT 150)",
];

fn store() -> Store {
    let mut s = Store::new();
    s.add_package("npm", "big").add_versions(250);
    s.add_package("npm", "small").add_versions(3);
    s.add_org("acme");
    s.add_package_for("acme", "npm", "lib").add_versions(5);
    s
}

fn env_over(journal: Option<std::path::PathBuf>) -> Env {
    env_with(store(), move |c| ClientConfig { journal, ..c })
}

fn session(e: &Env, dry_run: bool, yes: bool) -> Session {
    let mut s = Session::new(e.engine.clone(), OutputFormat::Csv).expect("session");
    s.dry_run = dry_run;
    s.set_yes(yes);
    s
}

fn run(s: &Session, sql: &str) -> github_sql::Result<Outcome> {
    s.run(stackql::classify(&s.engine().provider, sql)?, &[])
}

fn ok(s: &Session, sql: &str) -> Outcome {
    run(s, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn count(s: &Session, from: &str) -> i64 {
    match ok(s, &format!("SELECT count(*) {from}")) {
        Outcome::Rows(rs) => match rs.rows[0][0] {
            github_sql::Value::Integer(n) => n,
            ref v => panic!("{v:?}"),
        },
        o => panic!("{o:?}"),
    }
}

/// The DELETE requests the fake received, sorted.
fn deletes(e: &Env) -> Vec<String> {
    let mut d = e.requests_of("DELETE");
    d.sort();
    d
}

fn temp_journal(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "github-sql-txn-{}-{name}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    dir.join("journal.jsonl")
}

#[test]
fn a_transaction_deletes_what_its_statements_delete_one_by_one() {
    // Statement by statement: 61, then the 39 oldest of the 189 left.
    let one = env_over(None);
    let s = session(&one, false, true);
    for sql in PRUNE {
        ok(&s, sql);
    }
    let expected = deletes(&one);
    assert_eq!(expected.len(), 100, "61 + 39");

    // In one transaction: the second statement (and its subquery, and a count) no longer sees
    // the rows the first one queued.
    let journal = temp_journal("prune");
    let txn = env_over(Some(journal.clone()));
    let s = session(&txn, false, true);
    ok(&s, "BEGIN");
    match ok(&s, PRUNE[0]) {
        Outcome::Queued { rows: 61, .. } => {}
        o => panic!("{o:?}"),
    }
    assert_eq!(count(&s, BIG), 189, "a count inside the transaction");
    match ok(&s, PRUNE[1]) {
        Outcome::Queued { rows: 39, .. } => {}
        o => panic!("{o:?}"),
    }
    assert!(deletes(&txn).is_empty(), "nothing before COMMIT");
    let report = match ok(&s, "COMMIT") {
        Outcome::Committed { report, .. } => report,
        o => panic!("the COMMIT reports what it sent: {o:?}"),
    };
    assert_eq!(report.deleted_count(), 100);
    assert_eq!(deletes(&txn), expected);
    // One COMMIT, one run.
    let runs: std::collections::BTreeSet<String> = github_sql::journal::read(&journal)
        .expect("journal")
        .into_iter()
        .map(|e| e.run_id)
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs.first(), Some(&report.run_id));

    // The dry run reports exactly that, statement by statement and in one transaction, and
    // sends nothing.
    for script in [
        vec![PRUNE[0], PRUNE[1]],
        vec!["BEGIN", PRUNE[0], PRUNE[1], "COMMIT"],
    ] {
        let dry = env_over(None);
        let s = session(&dry, true, true);
        let mut listed = Vec::new();
        for sql in &script {
            if let Outcome::DryRun {
                listing: Some(rs), ..
            } = ok(&s, sql)
            {
                listed.extend(rs.rows.into_iter().map(|r| match &r[2] {
                    github_sql::Value::Text(t) => t.clone(),
                    v => panic!("{v:?}"),
                }));
            }
        }
        listed.sort();
        assert_eq!(listed, expected, "dry run of {script:?}");
        assert!(deletes(&dry).is_empty(), "a dry run sends nothing");
    }

    // The extension alone (no shell): the same requests.
    let ext = env_over(None);
    ext.conn
        .execute_batch(&format!(
            "SELECT github_sql_confirm_deletes(1000); BEGIN; {}; {}; COMMIT;",
            PRUNE[0], PRUNE[1]
        ))
        .expect("extension");
    assert_eq!(deletes(&ext), expected);
}

#[test]
fn rolled_back_savepoints_and_failed_statements_send_nothing() {
    let e = env_over(None);
    let ids = e.ids(&format!("SELECT id {BIG} ORDER BY id")).expect("ids");
    let s = session(&e, false, true);
    // A listing DELETE and a direct one (parameters alone), each rolled back to a savepoint.
    for (script, sent) in [
        (
            format!(
                "BEGIN; DELETE {BIG} AND id = {a}; SAVEPOINT s; DELETE {BIG} AND +id = {b}; ROLLBACK TO s; COMMIT",
                a = ids[0],
                b = ids[1]
            ),
            ids[0],
        ),
        (
            format!(
                "BEGIN; DELETE {BIG} AND +id = {a}; SAVEPOINT s; SAVEPOINT t; DELETE {BIG} AND id = {b}; RELEASE t; ROLLBACK TO s; COMMIT",
                a = ids[2],
                b = ids[3]
            ),
            ids[2],
        ),
    ] {
        e.fake.clear_requests();
        for sql in github_sql_shell::rewrite::split_statements(&script) {
            ok(&s, &sql);
        }
        assert_eq!(
            deletes(&e),
            vec![format!("DELETE /user/packages/npm/big/versions/{sent}")],
            "{script}"
        );
    }
    let ids = e
        .ids(&format!("SELECT id {SMALL} ORDER BY id"))
        .expect("ids");
    // A statement that fails halfway takes back what it queued (SQLite's statement savepoint).
    e.fake.clear_requests();
    ok(&s, "BEGIN");
    ok(&s, &format!("DELETE {SMALL} AND id = {}", ids[0]));
    let failed = run(
        &s,
        &format!(
            "DELETE {SMALL} AND (CASE WHEN id = {} THEN abs(-9223372036854775808) ELSE 1 END) = 1",
            ids[2]
        ),
    );
    assert!(failed.is_err(), "integer overflow fails the statement");
    ok(&s, "COMMIT");
    assert_eq!(
        deletes(&e),
        vec![format!(
            "DELETE /user/packages/npm/small/versions/{}",
            ids[0]
        )]
    );
}

#[test]
fn one_commit_is_one_decision_over_every_table() {
    let journal = temp_journal("multi");
    let e = env_over(Some(journal.clone()));
    let s = session(&e, false, false);
    // A low threshold for this connection only.
    set_threshold(&s, 2);
    let script = [
        "BEGIN".to_string(),
        format!("DELETE {SMALL} AND id IN (SELECT id {SMALL} ORDER BY id LIMIT 2)"),
        format!("DELETE {ORG} AND +id IN (SELECT id {ORG} ORDER BY id LIMIT 3)"),
    ];
    for sql in &script {
        ok(&s, sql);
    }
    let err = run(&s, "COMMIT").expect_err("3 rows of org_versions need confirming");
    let msg = err.to_string();
    assert!(
        msg.contains("DELETE would remove 5 rows of org_versions")
            && msg.contains("Nothing was sent"),
        "{msg}"
    );
    assert!(
        deletes(&e).is_empty(),
        "a refused COMMIT sends nothing: {:?}",
        deletes(&e)
    );
    // Confirmed for the whole transaction: both tables, one run.
    for sql in &script {
        ok(&s, sql);
    }
    ok(&s, "SELECT github_sql_confirm_deletes(5)");
    let report = match ok(&s, "COMMIT") {
        Outcome::Committed { report, .. } => report,
        o => panic!("{o:?}"),
    };
    assert_eq!(report.deleted.len(), 2, "{:?}", report.deleted);
    assert_eq!(deletes(&e).len(), 5);
    let runs: std::collections::BTreeSet<String> = github_sql::journal::read(&journal)
        .expect("journal")
        .into_iter()
        .map(|e| e.run_id)
        .collect();
    assert_eq!(
        runs.len(),
        1,
        "one COMMIT over two tables is one run: {runs:?}"
    );
}

/// Sets this session's bulk threshold (what `GITHUB_SQL_CONFIRM_OVER` gives at start).
fn set_threshold(s: &Session, n: u64) {
    s.state()
        .confirm_over
        .store(n, std::sync::atomic::Ordering::Relaxed);
}

#[test]
fn a_partial_failure_names_every_row_not_sent() {
    let e = env_over(None);
    let s = session(&e, false, true);
    let small = e
        .ids(&format!("SELECT id {SMALL} ORDER BY id"))
        .expect("ids");
    let org = e.ids(&format!("SELECT id {ORG} ORDER BY id")).expect("ids");
    // The first DELETE is refused with a 401: the token is wrong for every row after it.
    e.fake.push_fault(
        github_sql_fake::Fault::error(401, "Bad credentials")
            .method("DELETE")
            .times(1),
    );
    ok(&s, "BEGIN");
    ok(
        &s,
        &format!("DELETE {SMALL} AND id IN ({}, {})", small[0], small[1]),
    );
    ok(
        &s,
        &format!("DELETE {ORG} AND id IN ({}, {})", org[0], org[1]),
    );
    let msg = run(&s, "COMMIT").expect_err("a 401").to_string();
    assert!(
        msg.contains("1 failed") && msg.contains("3 not sent"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!(
            "not sent (auth_user_versions, 1): package_version_id {}",
            small[1]
        )) && msg.contains(&format!(
            "not sent (org_versions, 2): package_version_id {}; package_version_id {}",
            org[0], org[1]
        )),
        "{msg}"
    );
    assert_eq!(deletes(&e).len(), 1, "only the first was sent");
}

#[test]
fn the_shell_reports_each_commit_at_that_commit() {
    let e = env_over(None);
    let s = session(&e, false, true);
    let ids = e
        .ids(&format!("SELECT id {BIG} ORDER BY id LIMIT 3"))
        .expect("ids");
    ok(&s, "BEGIN");
    ok(&s, &format!("DELETE {BIG} AND +id = {}", ids[0]));
    let report = match ok(&s, "COMMIT") {
        Outcome::Committed { report, .. } => report,
        o => panic!("{o:?}"),
    };
    assert_eq!(
        report.deleted,
        vec![(
            "auth_user_versions".to_string(),
            vec![format!(
                "package_type npm, package_name big, package_version_id {}",
                ids[0]
            )]
        )]
    );
    // The next DELETE reports its own rows only.
    let report = match ok(&s, &format!("DELETE {BIG} AND +id = {}", ids[1])) {
        Outcome::Committed { report, .. } => report,
        o => panic!("{o:?}"),
    };
    let tail = report.tail();
    assert!(
        tail.contains(&ids[1].to_string()) && !tail.contains(&ids[0].to_string()),
        "{tail}"
    );
    // A DELETE that matches nothing says so.
    assert!(matches!(
        ok(&s, &format!("DELETE {BIG} AND name = 'no-such'")),
        Outcome::Nothing { .. }
    ));
}

#[test]
fn with_delete_is_a_delete() {
    let e = env_over(None);
    let with = format!(
        "WITH old AS MATERIALIZED (SELECT id {BIG} ORDER BY created_at LIMIT 3) \
         DELETE {BIG} AND +id IN (SELECT id FROM old)"
    );
    // The dry run lists the three requests, and says it would need no confirmation.
    let dry = session(&e, true, false);
    match ok(&dry, &with) {
        Outcome::DryRun {
            listing: Some(rs),
            note,
        } => {
            assert_eq!(rs.rows.len(), 3, "{rs:?}");
            assert!(note.contains("would not need confirmation"), "{note}");
        }
        o => panic!("{o:?}"),
    }
    assert!(deletes(&e).is_empty());
    // Over the threshold it needs confirming, as any DELETE (no terminal here: refused).
    let s = session(&e, false, false);
    set_threshold(&s, 2);
    let msg = run(&s, &with).expect_err("bulk").to_string();
    assert!(
        msg.contains("Nothing was sent") && msg.contains("--yes"),
        "{msg}"
    );
    assert!(deletes(&e).is_empty());
    set_threshold(&s, 100);
    match ok(&s, &with) {
        Outcome::Committed { report, .. } => assert_eq!(report.deleted_count(), 3),
        o => panic!("{o:?}"),
    }
    assert_eq!(deletes(&e).len(), 3);
}

#[test]
fn every_row_of_a_package_is_decided_from_the_deletes_own_listing() {
    let e = env_over(None);
    let s = session(&e, false, false);
    // An earlier listing of all three versions, then one deleted on its own.
    assert_eq!(count(&s, SMALL), 3);
    let first = e
        .ids(&format!("SELECT id {SMALL} ORDER BY id LIMIT 1"))
        .expect("id");
    ok(&s, &format!("DELETE {SMALL} AND id = {}", first[0]));
    // Deleting the two left is deleting every version its listing shows: confirm first.
    let msg = run(&s, &format!("DELETE {SMALL}"))
        .expect_err("every version")
        .to_string();
    assert!(
        msg.contains("every row of package_name small, package_type npm its listing showed")
            && msg.contains("Nothing was sent"),
        "{msg}"
    );
    assert_eq!(deletes(&e).len(), 1);
}

#[test]
fn a_confirmation_is_used_up_by_the_transaction_it_was_given_for() {
    let e = env_over(None);
    let c = &e.conn;
    let bulk = format!("DELETE {BIG} AND +id IN (SELECT id {BIG} ORDER BY id LIMIT 118)");
    // Used up by a DELETE that deletes nothing.
    c.execute_batch(&format!(
        "SELECT github_sql_confirm_deletes(200); DELETE {SMALL} AND name = 'no-such';"
    ))
    .expect("zero rows");
    let err = c
        .execute_batch(&bulk)
        .expect_err("the confirmation was used up");
    assert!(error_text_of(&err).contains("Nothing was sent"), "{err}");
    // Used up by a ROLLBACK.
    c.execute_batch(&format!(
        "SELECT github_sql_confirm_deletes(200); BEGIN; DELETE {SMALL} AND name = '1.0.0'; ROLLBACK;"
    ))
    .expect("rolled back");
    let err = c
        .execute_batch(&bulk)
        .expect_err("the confirmation was used up");
    assert!(error_text_of(&err).contains("Nothing was sent"), "{err}");
    assert!(deletes(&e).is_empty());
    // Given for this statement: it goes through.
    c.execute_batch(&format!("SELECT github_sql_confirm_deletes(118); {bulk};"))
        .expect("confirmed");
    assert_eq!(deletes(&e).len(), 118);
}

fn error_text_of(e: &rusqlite::Error) -> String {
    error_text(e)
}

#[test]
fn deleting_a_whole_package_needs_the_same_confirmation_as_its_versions() {
    let e = env_over(None);
    let s = session(&e, false, false);
    let del = "DELETE FROM auth_user_packages WHERE package_type = 'npm' AND name = 'small'";
    let msg = run(&s, del).expect_err("a package").to_string();
    assert!(
        msg.contains("deletes every version of the package") && msg.contains("Nothing was sent"),
        "{msg}"
    );
    assert!(deletes(&e).is_empty());
    let s = session(&e, false, true);
    ok(&s, del);
    assert_eq!(
        deletes(&e),
        vec!["DELETE /user/packages/npm/small".to_string()]
    );
}

#[test]
fn a_dry_run_in_a_transaction_gives_the_real_verdict() {
    let e = env_over(None);
    let dry = session(&e, true, false);
    ok(&dry, "BEGIN");
    ok(&dry, &format!("DELETE {SMALL}"));
    match ok(&dry, "COMMIT") {
        Outcome::DryRun {
            listing: Some(rs),
            note,
        } => {
            assert_eq!(rs.rows.len(), 3);
            assert!(note.contains("it would need confirmation"), "{note}");
        }
        o => panic!("{o:?}"),
    }
    assert!(
        dry.connection().is_autocommit(),
        "the dry run's transaction is over"
    );
    // The real run refuses the same COMMIT.
    let real = session(&e, false, false);
    ok(&real, "BEGIN");
    ok(&real, &format!("DELETE {SMALL}"));
    assert!(run(&real, "COMMIT").is_err());
    assert!(deletes(&e).is_empty());
}

#[test]
fn rowid_deletes_are_listed_by_the_dry_run() {
    let sql = format!("DELETE {BIG} AND rowid IN (1, 2, 3)");
    let e = env_over(None);
    let dry = session(&e, true, true);
    let listed = match ok(&dry, &sql) {
        Outcome::DryRun {
            listing: Some(rs), ..
        } => rs.rows.len(),
        o => panic!("{o:?}"),
    };
    let real_env = env_over(None);
    let real = session(&real_env, false, true);
    ok(&real, &sql);
    assert_eq!(listed, 3);
    assert_eq!(deletes(&real_env).len(), listed);
}

/// A prune statement over the 40 versions of `p`: a name pattern, keep the newest N, an id
/// range, or a date.
fn statement(kind: u8, n: u8) -> String {
    const P: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'p'";
    match kind % 4 {
        // Never the newest version: GitHub refuses to delete a package's last one, and a
        // refusal GitHub alone decides is not something a transaction can foresee.
        0 => format!(
            "DELETE {P} AND name LIKE '1.0.{}%' AND created_at < (SELECT max(created_at) {P})",
            n % 4
        ),
        1 => format!(
            "DELETE {P} AND +id NOT IN (SELECT id {P} ORDER BY created_at DESC LIMIT {})",
            10 + n % 25
        ),
        2 => format!(
            "DELETE {P} AND +id IN (SELECT id {P} ORDER BY id LIMIT {}) AND created_at < (SELECT max(created_at) {P})",
            1 + n % 6
        ),
        _ => format!(
            "DELETE {P} AND created_at < (SELECT max(created_at) {P}) AND name NOT LIKE '%{}'",
            n % 10
        ),
    }
}

fn prune_store() -> Store {
    let mut s = Store::new();
    s.add_package("npm", "p").add_versions(40);
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// Random prune scripts: run statement by statement, in one transaction, and as a dry run of
    /// the transaction, they send (or would send) the same requests.
    #[test]
    fn autocommit_and_one_transaction_send_the_same(script in prop::collection::vec((0u8..4, 0u8..50), 1..4)) {
        let statements: Vec<String> = script.iter().map(|(k, n)| statement(*k, *n)).collect();
        let one = env_with(prune_store(), |c| c);
        let s = session(&one, false, true);
        for sql in &statements {
            ok(&s, sql);
        }
        let txn = env_with(prune_store(), |c| c);
        let s = session(&txn, false, true);
        ok(&s, "BEGIN");
        for sql in &statements {
            ok(&s, sql);
        }
        ok(&s, "COMMIT");
        prop_assert_eq!(deletes(&one), deletes(&txn), "{:?}", statements);
        let dry = env_with(prune_store(), |c| c);
        let s = session(&dry, true, true);
        ok(&s, "BEGIN");
        for sql in &statements {
            ok(&s, sql);
        }
        let listed = match ok(&s, "COMMIT") {
            Outcome::DryRun { listing: Some(rs), .. } => rs.rows.len(),
            _ => 0,
        };
        prop_assert_eq!(listed, deletes(&one).len());
        prop_assert!(deletes(&dry).is_empty());
    }
}
