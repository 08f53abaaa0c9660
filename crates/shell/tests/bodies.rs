//! Methods with JSON request bodies (StackQL's naive translation: each top-level body field is a
//! `data__<field>` parameter): INSERT, UPDATE, REPLACE and EXEC in the SQLite extension and in
//! the shell, over a small StackQL-layout fixture (tests/fixtures/bodies) and the fake. What is
//! asserted is what reaches the wire: the method, the path and the exact JSON body.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::{describe, error_text, TOKEN};
use github_sql::http::{ClientConfig, Token};
use github_sql::spec::{JsonType, ParamLocation};
use github_sql::Engine;
use github_sql_fake::{FakeGitHub, Fault, JsonRoute, Store};
use rusqlite::Connection;
use serde_json::{json, Value};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bodies")
}

fn repo(name: &str) -> Value {
    json!({"id": 7, "name": name, "full_name": format!("octo/{name}"), "description": "old", "private": false})
}

/// Routes for every write of the fixture, each answering as GitHub does.
fn store() -> Store {
    let mut s = Store::new();
    s.add_json_route("GET", "/repos/o/r", JsonRoute::Object(repo("r")));
    s.add_json_route(
        "POST",
        "/user/repos",
        JsonRoute::Status {
            status: 201,
            body: repo("x"),
        },
    );
    s.add_json_route(
        "POST",
        "/orgs/acme/repos",
        JsonRoute::Status {
            status: 201,
            body: repo("y"),
        },
    );
    s.add_json_route("PATCH", "/repos/o/r", JsonRoute::Object(repo("r")));
    s.add_json_route(
        "PUT",
        "/repos/o/r/topics",
        JsonRoute::Object(json!({"names": ["x", "y"]})),
    );
    s.add_json_route("POST", "/repos/o/r/dispatches", JsonRoute::NoContent);
    s.add_json_route(
        "POST",
        "/orgs/taken/repos",
        JsonRoute::Status {
            status: 422,
            body: json!({
                "message": "Repository creation failed.",
                "errors": [{"resource": "Repository", "code": "custom", "field": "name", "message": "name already exists on this account"}],
                "documentation_url": "https://docs.github.com/rest/repos/repos#create-an-organization-repository",
            }),
        },
    );
    s
}

struct Env {
    fake: FakeGitHub,
    conn: Connection,
    journal: PathBuf,
}

impl Env {
    fn new(tag: &str) -> Env {
        let fake = FakeGitHub::start(store()).expect("fake");
        let dir = std::env::temp_dir().join(format!("ghsql-bodies-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let journal = dir.join("journal.jsonl");
        let provider = Arc::new(github_sql::spec::load_dir(&fixture()).expect("fixture loads"));
        let config = ClientConfig {
            journal: Some(journal.clone()),
            retry: github_sql::http::RetryPolicy::fast(),
            ..ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
        }
        .with_write_delay(std::time::Duration::ZERO);
        let engine = Engine::new(provider, config);
        let conn = Connection::open_in_memory().expect("sqlite");
        github_sql::register(&conn, &engine).expect("register");
        Env {
            fake,
            conn,
            journal,
        }
    }

    /// (request, JSON body) of every request since the last call, and clears the log.
    fn sent(&self) -> Vec<(String, Option<Value>)> {
        let r = self
            .fake
            .requests()
            .iter()
            .map(|r| (describe(r), r.json()))
            .collect();
        self.fake.clear_requests();
        r
    }

    fn run(&self, sql: &str) {
        self.conn
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {}", error_text(&e)));
    }

    fn error(&self, sql: &str) -> String {
        match self.conn.execute_batch(sql) {
            Ok(()) => panic!("expected an error from {sql}"),
            Err(e) => error_text(&e),
        }
    }

    fn one(&self, sql: &str) -> String {
        self.conn
            .query_row(sql, [], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| panic!("{sql}: {}", error_text(&e)))
    }
}

#[test]
fn body_fields_are_typed_parameters_and_the_rest_is_unserved_with_why() {
    let p = github_sql::spec::load_dir(&fixture()).expect("loads");
    let r = p.resource_by_id("github.repos.repos").expect("repos");
    let m = |name: &str| r.methods.iter().find(|m| m.name == name).expect(name);
    let create = m("create_for_authenticated_user");
    assert_eq!(
        create.body.as_ref().map(|b| b.media_type.as_str()),
        Some("application/json")
    );
    let fields: Vec<(&str, bool, JsonType)> = create
        .params
        .iter()
        .filter(|q| q.location == ParamLocation::Body)
        .map(|q| (q.name.as_str(), q.required, q.json_type))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("data__name", true, JsonType::String),
            ("data__private", false, JsonType::Boolean),
            ("data__team_id", false, JsonType::Integer),
            ("data__topics", false, JsonType::Json),
            ("data__template", false, JsonType::Json),
            ("data__password", false, JsonType::String),
        ]
    );
    // oneOf of objects: the union of their fields, required only where every one requires it
    // (the bare-array alternative has no fields to give).
    let labels = m("add_labels");
    let req: Vec<(&str, bool)> = labels
        .params
        .iter()
        .filter(|q| q.location == ParamLocation::Body)
        .map(|q| (q.name.as_str(), q.required))
        .collect();
    assert_eq!(req, vec![("data__labels", true), ("data__note", false)]);
    let names = |ix: &[usize]| {
        ix.iter()
            .map(|&i| r.methods[i].name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&r.insert),
        vec!["create_for_authenticated_user", "create_in_org"]
    );
    assert_eq!(names(&r.update), vec!["update"]);
    assert_eq!(names(&r.replace), vec!["replace_all_topics"]);
    // Body fields and the write methods' own parameters are hidden columns.
    for c in ["org", "data__name", "data__private", "data__names"] {
        let col = &r.columns[r.column_index(c).expect(c)];
        assert!(col.hidden, "{c} is hidden");
    }
    let unserved: Vec<(String, String)> = p
        .unserved
        .iter()
        .filter_map(|u| u.method.clone().map(|m| (m, u.reason.clone())))
        .collect();
    assert_eq!(unserved.len(), 2, "{unserved:?}");
    assert!(
        unserved.iter().any(|(m, why)| m == "render_raw"
            && why.contains("text/plain")
            && why.contains("JSON bodies only")),
        "{unserved:?}"
    );
    assert!(
        unserved.iter().any(
            |(m, why)| m == "set_exclusions" && why.contains("object without named properties")
        ),
        "{unserved:?}"
    );
}

/// phase, "METHOD path", status, outcome, params.
type JournalRow = (String, String, Option<i64>, Option<String>, String);

#[test]
fn insert_sends_the_typed_json_body_and_is_journaled() {
    let e = Env::new("insert");
    // SELECT * leaves the data__ columns out.
    let stmt = e
        .conn
        .prepare("SELECT * FROM repos WHERE owner = 'o' AND repo = 'r'")
        .expect("prepare");
    let cols: Vec<String> = stmt.column_names().map(String::from).collect();
    drop(stmt);
    assert_eq!(
        cols,
        vec![
            "id",
            "name",
            "description",
            "full_name",
            "private",
            "owner",
            "repo"
        ]
    );
    e.run(
        r#"INSERT INTO repos (data__name, data__private, data__team_id, data__topics, data__template, data__password)
           VALUES ('x', 1, '42', json_array('a', 'b'), '{"owner": "o"}', 'hunter2')"#,
    );
    let sent = e.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "POST /user/repos");
    assert_eq!(
        sent[0].1,
        Some(json!({
            "name": "x",
            "private": true,
            "team_id": 42,
            "topics": ["a", "b"],
            "template": {"owner": "o"},
            "password": "hunter2",
        }))
    );
    // GitHub's answer, kept for github_sql_last_writes().
    let last: Value =
        serde_json::from_str(&e.one("SELECT github_sql_last_writes()")).expect("json");
    assert_eq!(last[0]["verb"], "INSERT");
    assert_eq!(last[0]["status"], 201);
    assert_eq!(last[0]["request"], "POST /user/repos");
    assert_eq!(last[0]["response"]["full_name"], "octo/x");
    // Journaled before and after, body fields as data__ parameters, the password redacted.
    let rows: Vec<JournalRow> = {
        let mut s = e
            .conn
            .prepare("SELECT phase, method || ' ' || path, status, outcome, params FROM github_sql_journal")
            .expect("journal");
        let v = s
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .expect("rows")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows");
        v
    };
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "intent");
    assert_eq!(rows[1].0, "outcome");
    assert_eq!(rows[1].1, "POST /user/repos");
    assert_eq!(rows[1].2, Some(201));
    assert_eq!(rows[1].3.as_deref(), Some("done"));
    let params: Value = serde_json::from_str(&rows[0].4).expect("params");
    assert_eq!(params["data__name"], "x");
    assert_eq!(params["data__private"], true);
    assert_eq!(params["data__password"], "[redacted]");
    assert!(!std::fs::read_to_string(&e.journal)
        .expect("journal")
        .contains("hunter2"));

    // The org's method when org is given (the method uses the most of the values).
    e.run("INSERT INTO repos (org, data__name, data__visibility) VALUES ('acme', 'y', 'internal')");
    assert_eq!(
        e.sent(),
        vec![(
            "POST /orgs/acme/repos".to_string(),
            Some(json!({"name": "y", "visibility": "internal"}))
        )]
    );
}

#[test]
fn bad_rows_are_refused_before_anything_is_sent() {
    let e = Env::new("refused");
    let msg = e.error("INSERT INTO repos (data__private) VALUES (1)");
    assert!(
        msg.contains("needs data__name")
            && msg.contains("INSERT INTO repos (data__name) VALUES ('my-name')")
            && msg.contains("nothing was sent"),
        "{msg}"
    );
    let msg = e.error("INSERT INTO repos (data__name, data__topics) VALUES ('x', 'not json')");
    assert!(msg.starts_with("data__topics must be JSON text"), "{msg}");
    let msg = e.error("INSERT INTO repos (data__name, data__private) VALUES ('x', 'maybe')");
    assert_eq!(
        msg,
        "data__private must be a boolean (true/false or 1/0), got \"maybe\""
    );
    let msg = e.error("INSERT INTO repos (data__name, data__team_id) VALUES ('x', 'abc')");
    assert!(msg.starts_with("data__team_id must be an integer"), "{msg}");
    let msg = e.error(
        "INSERT INTO repos (org, data__name, data__visibility) VALUES ('acme', 'y', 'secret')",
    );
    assert!(
        msg.contains("data__visibility \"secret\" is not valid"),
        "{msg}"
    );
    // A response field is not something INSERT sends; the body field of that name is.
    let msg = e.error("INSERT INTO repos (name) VALUES ('x')");
    assert!(
        msg.contains("name is a column GitHub answers with") && msg.contains("data__name"),
        "{msg}"
    );
    // A body field the chosen method does not take.
    let msg = e.error("INSERT INTO repos (data__name, data__names) VALUES ('x', '[]')");
    assert!(
        msg.contains("create_for_authenticated_user has no parameter data__names"),
        "{msg}"
    );
    assert!(e.sent().is_empty());
    assert!(!e.journal.exists(), "nothing was journaled either");
}

#[test]
fn writes_wait_for_commit_and_rollback_sends_nothing() {
    let e = Env::new("tx");
    e.run("BEGIN; INSERT INTO repos (data__name) VALUES ('a'); INSERT INTO repos (data__name) VALUES ('b'); ROLLBACK");
    assert!(e.sent().is_empty());
    e.run("BEGIN; INSERT INTO repos (data__name) VALUES ('a')");
    assert!(e.sent().is_empty(), "queued until COMMIT");
    e.run("SAVEPOINT s; INSERT INTO repos (data__name) VALUES ('b'); ROLLBACK TO s; COMMIT");
    assert_eq!(
        e.sent(),
        vec![("POST /user/repos".to_string(), Some(json!({"name": "a"})))]
    );
    // A statement refused at its second row takes back its first, as SQLite undoes a failed
    // statement; the transaction's other rows stay queued.
    e.run("BEGIN; INSERT INTO repos (data__name) VALUES ('c')");
    let msg = e.error("INSERT INTO repos (data__name, data__private) VALUES ('d', 1), (NULL, 1)");
    assert!(msg.contains("needs data__name"), "{msg}");
    e.run("COMMIT");
    assert_eq!(
        e.sent(),
        vec![("POST /user/repos".to_string(), Some(json!({"name": "c"})))]
    );
}

#[test]
fn update_replace_and_exec_functions() {
    let e = Env::new("update");
    e.run("UPDATE repos SET data__description = 'new', data__has_issues = 0 WHERE owner = 'o' AND repo = 'r'");
    assert_eq!(
        e.sent(),
        vec![
            ("GET /repos/o/r".to_string(), None),
            (
                "PATCH /repos/o/r".to_string(),
                Some(json!({"description": "new", "has_issues": false}))
            ),
        ]
    );
    let msg = e.error("UPDATE repos SET description = 'x' WHERE owner = 'o' AND repo = 'r'");
    assert!(
        msg.contains("description is a column GitHub answers with")
            && msg.contains("data__description"),
        "{msg}"
    );
    let _ = e.sent();

    // REPLACE INTO (and INSERT OR REPLACE) is the replace method: PUT.
    e.run(r#"REPLACE INTO repos (owner, repo, data__names) VALUES ('o', 'r', '["x", "y"]')"#);
    e.run(
        "INSERT OR REPLACE INTO repos (owner, repo, data__names) VALUES ('o', 'r', json_array())",
    );
    assert_eq!(
        e.sent(),
        vec![
            (
                "PUT /repos/o/r/topics".to_string(),
                Some(json!({"names": ["x", "y"]}))
            ),
            (
                "PUT /repos/o/r/topics".to_string(),
                Some(json!({"names": []}))
            ),
        ]
    );

    // EXEC methods with bodies as SQL functions: by position, and by name.
    assert_eq!(
        e.one(r#"SELECT create_dispatch_event('o', 'r', 'deploy', '{"env": "prod", "n": 2}')"#),
        "ok"
    );
    assert_eq!(
        e.one(
            "SELECT create_dispatch_event('@data__event_type', 'go', '@owner', 'o', '@repo', 'r')"
        ),
        "ok"
    );
    assert_eq!(
        e.sent(),
        vec![
            (
                "POST /repos/o/r/dispatches".to_string(),
                Some(json!({"event_type": "deploy", "client_payload": {"env": "prod", "n": 2}}))
            ),
            (
                "POST /repos/o/r/dispatches".to_string(),
                Some(json!({"event_type": "go"}))
            ),
        ]
    );
    let msg = e.error("SELECT create_dispatch_event('@owner', 'o', '@repo', 'r')");
    assert!(msg.contains("needs data__event_type"), "{msg}");
    assert!(e.sent().is_empty());
}

#[test]
fn github_refusals_say_why() {
    let e = Env::new("refusals");
    // 422: GitHub's message and its errors array.
    let msg = e.error("INSERT INTO repos (org, data__name) VALUES ('taken', 'x')");
    assert!(
        msg.contains("Repository creation failed.")
            && msg.contains("Repository name custom: name already exists on this account"),
        "{msg}"
    );
    assert!(msg.contains("did 0 of 1 rows; 1 failed"), "{msg}");
    // 403: the scopes the document names for the method.
    e.fake
        .push_fault(Fault::error(403, "Resource not accessible by integration").method("POST"));
    let msg = e.error("INSERT INTO repos (data__name) VALUES ('x')");
    assert!(msg.contains("the token needs the repo scope"), "{msg}");
    let journal = std::fs::read_to_string(&e.journal).expect("journal");
    assert_eq!(
        journal.matches("\"outcome\":\"failed\"").count(),
        2,
        "{journal}"
    );

    // A 502 after GitHub acted: not retried, journaled unknown, the rest of the batch held back.
    e.fake.clear_faults();
    e.fake.clear_requests();
    e.fake
        .push_fault(Fault::done_but(502).method("POST").times(1));
    let msg = e.error("INSERT INTO repos (data__name) VALUES ('a'), ('b')");
    assert!(
        msg.contains("did 0 of 2 rows; 0 failed, 1 unknown, 1 not sent")
            && msg.contains("UNKNOWN whether GitHub did it")
            && msg.contains("check before retrying"),
        "{msg}"
    );
    assert_eq!(
        e.sent().len(),
        1,
        "one POST, not retried, the second not sent"
    );
    let journal = std::fs::read_to_string(&e.journal).expect("journal");
    assert_eq!(
        journal.matches("\"outcome\":\"unknown\"").count(),
        1,
        "{journal}"
    );
}

/// Runs the shell binary over the fixture against the fake.
fn shell(fake: &FakeGitHub, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .arg("exec")
        .args(["-o", "csv"])
        .args(args)
        .env("GITHUB_SQL_PROVIDER_DIR", fixture())
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
        .env("GITHUB_SQL_JOURNAL", "off")
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sent(fake: &FakeGitHub) -> Vec<(String, Option<Value>)> {
    let r = fake
        .requests()
        .iter()
        .map(|r| (describe(r), r.json()))
        .collect();
    fake.clear_requests();
    r
}

#[test]
fn the_shell_runs_exec_insert_update_and_replace() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let (ok, out, err) = shell(
        &fake,
        &["EXEC github.repos.repos.create_for_authenticated_user @data__name='x', @data__private=true, @data__topics='[\"a\"]'"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("octo/x"), "the answer is shown: {out}");
    assert_eq!(
        sent(&fake),
        vec![(
            "POST /user/repos".to_string(),
            Some(json!({"name": "x", "private": true, "topics": ["a"]}))
        )]
    );

    let (ok, out, err) = shell(
        &fake,
        &["INSERT INTO github.repos.repos (org, data__name) VALUES ('acme', 'y')"],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("INSERT: 1 row of repos sent (POST /orgs/acme/repos 201)"),
        "{err}"
    );
    assert!(out.contains("octo/y"), "{out}");
    assert_eq!(
        sent(&fake),
        vec![(
            "POST /orgs/acme/repos".to_string(),
            Some(json!({"name": "y"}))
        )]
    );

    let (ok, _, err) = shell(
        &fake,
        &["UPDATE github.repos.repos SET data__private = 1 WHERE owner = 'o' AND repo = 'r'"],
    );
    assert!(ok, "{err}");
    assert_eq!(
        sent(&fake),
        vec![
            ("GET /repos/o/r".to_string(), None),
            (
                "PATCH /repos/o/r".to_string(),
                Some(json!({"private": true}))
            ),
        ]
    );

    let (ok, _, err) = shell(
        &fake,
        &["REPLACE INTO github.repos.repos (owner, repo, data__names) VALUES ('o', 'r', '[\"x\"]')"],
    );
    assert!(ok, "{err}");
    assert_eq!(
        sent(&fake),
        vec![(
            "PUT /repos/o/r/topics".to_string(),
            Some(json!({"names": ["x"]}))
        )]
    );

    // A transaction: queued, and ROLLBACK sends nothing.
    let (ok, _, err) = shell(
        &fake,
        &["BEGIN; INSERT INTO github.repos.repos (data__name) VALUES ('z'); ROLLBACK"],
    );
    assert!(ok, "{err}");
    assert!(err.contains("queued; sent at COMMIT"), "{err}");
    assert!(sent(&fake).is_empty());

    // --dry-run says what would be sent, and sends nothing.
    let (ok, _, err) = shell(
        &fake,
        &[
            "--dry-run",
            "INSERT INTO github.repos.repos (data__name, data__private) VALUES ('d', 0)",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains(r#"dry run: INSERT would send POST /user/repos with body {"name":"d","private":false}; nothing was sent"#),
        "{err}"
    );
    assert!(sent(&fake).is_empty());

    let (ok, _, err) = shell(
        &fake,
        &["--dry-run", "EXEC github.repos.repos.create_dispatch_event @owner='o', @repo='r', @data__event_type='go'"],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains(r#"dry run: EXEC create_dispatch_event would send POST /repos/o/r/dispatches with body {"event_type":"go"}; nothing was sent"#),
        "{err}"
    );
    // The EXEC function called from SQL is checked and not sent either.
    let (ok, _, err) = shell(
        &fake,
        &["--dry-run", "SELECT create_dispatch_event('o', 'r', 'go')"],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("dry run: create_dispatch_event would send POST /repos/o/r/dispatches"),
        "{err}"
    );
    assert!(sent(&fake).is_empty());

    // DESCRIBE EXTENDED says which columns are body fields.
    let (ok, out, err) = shell(&fake, &["DESCRIBE EXTENDED github.repos.repos"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(
            r#"data__private,integer,,"request body field (INSERT, UPDATE, REPLACE, EXEC)""#
        ),
        "{out}"
    );
    assert!(out.contains("org,string,,hidden parameter"), "{out}");

    // A missing required field: named, with the fix; nothing sent.
    let (ok, _, err) = shell(
        &fake,
        &["EXEC github.repos.repos.create_for_authenticated_user @data__private=true"],
    );
    assert!(!ok);
    assert!(
        err.contains("needs data__name") && err.contains("@data__name='my-name'"),
        "{err}"
    );
    assert!(sent(&fake).is_empty());

    // SHOW UNSERVED lists only what still cannot be sent.
    let (ok, out, err) = shell(&fake, &["SHOW UNSERVED"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("render_raw") && out.contains("set_exclusions"),
        "{out}"
    );
    assert!(!out.contains("create_for_authenticated_user"), "{out}");
}

#[test]
fn the_generated_provider_serves_its_json_bodies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../provider-spec-generated");
    let p = github_sql::spec::load_dir(&dir).expect("generated provider loads");
    let body_reasons: Vec<&str> = p
        .unserved
        .iter()
        .filter(|u| u.reason.contains("request body"))
        .filter_map(|u| u.method.as_deref())
        .collect();
    // A text/plain upload, an octet-stream upload and a free-form map: nothing to name.
    assert_eq!(body_reasons.len(), 3, "{body_reasons:?}");
    let r = p
        .resource_by_id("github.repos.repository")
        .expect("repository");
    let m = r
        .methods
        .iter()
        .find(|m| m.name == "create_for_authenticated_user")
        .expect("method");
    assert!(r.insert.iter().any(|&i| r.methods[i].name == m.name));
    let private = m.param("data__private").expect("data__private");
    assert_eq!(private.json_type, JsonType::Boolean);
    assert!(m.param("data__name").expect("data__name").required);
}

#[test]
fn the_generated_provider_updates_and_creates_issues() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../provider-spec-generated");
    let mut s = Store::new();
    let issue = json!({"id": 11, "number": 1, "title": "t", "state": "open"});
    s.add_json_route(
        "GET",
        "/repos/octo/demo/issues/1",
        JsonRoute::Object(issue.clone()),
    );
    s.add_json_route(
        "PATCH",
        "/repos/octo/demo/issues/1",
        JsonRoute::Object(issue.clone()),
    );
    s.add_json_route(
        "POST",
        "/repos/octo/demo/issues",
        JsonRoute::Status {
            status: 201,
            body: issue,
        },
    );
    let fake = FakeGitHub::start(s).expect("fake");
    let provider = Arc::new(github_sql::spec::load_dir(&dir).expect("generated provider loads"));
    let table = provider
        .resource_by_id("github.issues.issues")
        .expect("issues")
        .name
        .clone();
    let engine = Engine::new(
        provider,
        ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
            .with_write_delay(std::time::Duration::ZERO),
    );
    let conn = Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    conn.execute_batch(&format!(
        "UPDATE {table} SET data__state = 'closed', data__labels = json_array('bug') WHERE owner = 'octo' AND repo = 'demo' AND issue_number = 1"
    ))
    .unwrap_or_else(|e| panic!("{}", error_text(&e)));
    conn.execute_batch(&format!(
        "INSERT INTO {table} (owner, repo, data__title, data__body) VALUES ('octo', 'demo', 'Bug', 'It broke')"
    ))
    .unwrap_or_else(|e| panic!("{}", error_text(&e)));
    assert_eq!(
        sent(&fake),
        vec![
            ("GET /repos/octo/demo/issues/1".to_string(), None),
            (
                "PATCH /repos/octo/demo/issues/1".to_string(),
                Some(json!({"state": "closed", "labels": ["bug"]}))
            ),
            (
                "POST /repos/octo/demo/issues".to_string(),
                Some(json!({"title": "Bug", "body": "It broke"}))
            ),
        ]
    );
}

#[test]
fn a_delete_on_a_resource_without_select_calls_its_delete_method_with_the_body() {
    // github.apps.oauth_applications has no SELECT; its DELETE takes a body ({access_token}).
    // Revoking the token takes the same parameters, so it is the DELETE of its own resource,
    // oauth_applications_token (docs/generator.md, rule 8): each statement names one method.
    let mut s = Store::new();
    s.add_json_route("DELETE", "/applications/abc/grant", JsonRoute::NoContent);
    s.add_json_route("DELETE", "/applications/abc/token", JsonRoute::NoContent);
    let fake = FakeGitHub::start(s).expect("fake");
    let run = |sql: &str| {
        Command::new(env!("CARGO_BIN_EXE_github-sql"))
            .args(["exec", sql])
            .env_remove("GITHUB_SQL_PROVIDER_DIR")
            .env("GITHUB_API_URL", fake.base_url())
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
            .env("GITHUB_SQL_JOURNAL", "off")
            .output()
            .expect("runs")
    };
    for (table, path) in [
        ("oauth_applications", "/applications/abc/grant"),
        ("oauth_applications_token", "/applications/abc/token"),
    ] {
        let out = run(&format!(
            "DELETE FROM {table} WHERE client_id = 'abc' AND data__access_token = 'tok'"
        ));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            sent(&fake),
            vec![(
                format!("DELETE {path}"),
                Some(json!({"access_token": "tok"}))
            )]
        );
    }
    let out = run(
        "EXEC github.apps.oauth_applications.delete_authorization @client_id='abc', @data__access_token='tok'",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        sent(&fake),
        vec![(
            "DELETE /applications/abc/grant".to_string(),
            Some(json!({"access_token": "tok"}))
        )]
    );
    // A WHERE that is not equalities naming a method's parameters sends nothing.
    let out = run("DELETE FROM oauth_applications WHERE client_id = 'abc' OR 1");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no SELECT"));
    assert!(sent(&fake).is_empty());
}

/// The schema fake over the generated provider's documents (every write answered with its
/// documented status), and the shell pointed at both.
fn generated_fake() -> (PathBuf, FakeGitHub) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../provider-spec-generated");
    let services = dir.join("github/v00.00.00000/services");
    let docs: Vec<Value> = std::fs::read_dir(&services)
        .expect("services")
        .flatten()
        .map(|e| {
            serde_yaml_ng::from_str(&std::fs::read_to_string(e.path()).expect("read"))
                .expect("parses")
        })
        .collect();
    (
        dir,
        FakeGitHub::with_schema_routes(Store::new(), docs).expect("fake"),
    )
}

#[test]
fn nullable_body_fields_are_sent_as_json_null_when_asked() {
    let (dir, fake) = generated_fake();
    let run = |sql: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_github-sql"))
            .args(["exec", "-o", "csv", sql])
            .env("GITHUB_SQL_PROVIDER_DIR", &dir)
            .env("GITHUB_API_URL", fake.base_url())
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
            .env("GITHUB_SQL_JOURNAL", "off")
            .output()
            .expect("runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Branch protection: four required fields, each nullable (one of them a boolean).
    let (ok, err) = run("EXEC github.repos.branch_protection_branch_protection.update_branch_protection @owner='octo', @repo='demo', @branch='main', @data__required_status_checks=null, @data__enforce_admins=null, @data__required_pull_request_reviews=null, @data__restrictions=null");
    assert!(ok, "{err}");
    assert_eq!(
        sent(&fake),
        vec![(
            "PUT /repos/octo/demo/branches/main/protection".to_string(),
            Some(json!({
                "required_status_checks": null,
                "enforce_admins": null,
                "required_pull_request_reviews": null,
                "restrictions": null
            }))
        )]
    );
    // The text 'null' for a field that is not text: the boolean as null, beside a value.
    let (ok, err) = run("EXEC github.repos.branch_protection_branch_protection.update_branch_protection @owner='octo', @repo='demo', @branch='main', @data__required_status_checks='null', @data__enforce_admins='null', @data__required_pull_request_reviews='null', @data__restrictions='{\"users\":[],\"teams\":[]}'");
    assert!(ok, "{err}");
    assert_eq!(
        sent(&fake),
        vec![(
            "PUT /repos/octo/demo/branches/main/protection".to_string(),
            Some(json!({
                "required_status_checks": null,
                "enforce_admins": null,
                "required_pull_request_reviews": null,
                "restrictions": {"users": [], "teams": []}
            }))
        )]
    );
    // A nullable text field: NULL named in EXEC.
    let (ok, err) = run("EXEC github.secret_scanning.custom_patterns.update_repo_custom_pattern @owner='octo', @repo='demo', @pattern_id=3, @data__custom_pattern_version=null, @data__pattern='[a-z]+'");
    assert!(ok, "{err}");
    assert_eq!(
        sent(&fake),
        vec![(
            "PATCH /repos/octo/demo/secret-scanning/custom-patterns/3".to_string(),
            Some(json!({"custom_pattern_version": null, "pattern": "[a-z]+"}))
        )]
    );
    // Not nullable: refused by name, nothing sent.
    let (ok, err) = run("EXEC github.repos.repository.create_for_authenticated_user @data__name='x', @data__private=null");
    assert!(!ok);
    assert!(err.contains("data__private must not be NULL"), "{err}");
    let (ok, err) = run("EXEC github.repos.repository.create_for_authenticated_user @data__name='x', @data__private='null'");
    assert!(!ok);
    assert!(err.contains("data__private is not nullable"), "{err}");
    assert_eq!(sent(&fake), vec![]);

    // The same through SQLite's function and an UPDATE (where NULL means "not given").
    let provider = Arc::new(github_sql::spec::load_dir(&dir).expect("generated provider loads"));
    let engine = Engine::new(
        provider,
        ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
            .with_write_delay(std::time::Duration::ZERO),
    );
    let conn = Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    conn.query_row(
        "SELECT update_branch_protection('@owner', 'octo', '@repo', 'demo', '@branch', 'main', '@data__required_status_checks', NULL, '@data__enforce_admins', NULL, '@data__required_pull_request_reviews', NULL, '@data__restrictions', NULL)",
        [],
        |_| Ok(()),
    )
    .unwrap_or_else(|e| panic!("{}", error_text(&e)));
    assert_eq!(
        sent(&fake),
        vec![(
            "PUT /repos/octo/demo/branches/main/protection".to_string(),
            Some(json!({
                "required_status_checks": null,
                "enforce_admins": null,
                "required_pull_request_reviews": null,
                "restrictions": null
            }))
        )]
    );
}
