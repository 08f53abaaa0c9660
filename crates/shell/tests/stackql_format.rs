//! A provider directory in StackQL's own layout loads as it is and is served: service `$ref`s
//! relative to the providers root, service-level Link pagination (`per_page` sent at its
//! maximum, not a column), a `$ref` 200 response, nested objectKey, a resource without SELECT,
//! two services sharing a resource name (qualified tables, an ambiguity error), EXEC names
//! shared by two services, basic auth, and what is not served listed by SHOW UNSERVED.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::{describe, error_text, TOKEN};
use github_sql::http::{ClientConfig, Token};
use github_sql::Engine;
use github_sql_fake::{FakeGitHub, JsonRoute, Store};
use serde_json::json;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stackql")
}

/// 3 Actions secrets, 1 Dependabot secret, 130 Dependabot alerts, 2 nested artifacts.
fn store() -> Store {
    let mut s = Store::new();
    let secrets: Vec<_> = ["A", "B", "C"]
        .iter()
        .map(|n| json!({"name": n, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-02-01T00:00:00Z"}))
        .collect();
    s.add_json_route(
        "GET",
        "/repos/o/r/actions/secrets",
        JsonRoute::List {
            items: secrets,
            wrap: vec!["secrets".into()],
        },
    );
    s.add_json_route(
        "GET",
        "/repos/o/r/actions/secrets/B",
        JsonRoute::Object(json!({"name": "B", "created_at": "2024-01-01T00:00:00Z"})),
    );
    s.add_json_route(
        "GET",
        "/repos/o/r/dependabot/secrets",
        JsonRoute::List {
            items: vec![json!({"name": "DEP", "created_at": "2024-03-01T00:00:00Z"})],
            wrap: vec!["secrets".into()],
        },
    );
    s.add_json_route(
        "GET",
        "/repos/o/r/dependabot/alerts",
        JsonRoute::List {
            items: (1..=130)
                .map(|n| json!({"number": n, "state": "open"}))
                .collect(),
            wrap: vec![],
        },
    );
    s.add_json_route(
        "GET",
        "/repos/o/r/actions/artifacts",
        JsonRoute::List {
            items: vec![
                json!({"id": 1, "name": "logs", "size_in_bytes": 10}),
                json!({"id": 2, "name": "dist", "size_in_bytes": 20}),
            ],
            wrap: vec!["data".into(), "artifacts".into(), "nodes".into()],
        },
    );
    s.add_json_route(
        "GET",
        "/repos/o/r/dependabot/secrets/public-key",
        JsonRoute::Object(json!({"key_id": "dep-key", "key": "x"})),
    );
    s.add_json_route(
        "GET",
        "/repos/o/r/actions/secrets/public-key",
        JsonRoute::Object(json!({"key_id": "act-key", "key": "y"})),
    );
    s.add_json_route(
        "DELETE",
        "/repos/o/r/actions/runs/7/logs",
        JsonRoute::NoContent,
    );
    s
}

fn strings(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let rows = stmt
        .query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
        .expect("query");
    rows.map(|v| match v.expect("row") {
        rusqlite::types::Value::Text(t) => t,
        rusqlite::types::Value::Integer(i) => i.to_string(),
        other => format!("{other:?}"),
    })
    .collect()
}

#[test]
fn the_document_loads_with_what_is_not_served_listed() {
    let p = github_sql::spec::load_dir(&fixture()).expect("StackQL layout loads");
    let ids: Vec<&str> = p.resources().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "github.actions.secrets",
            "github.actions.workflow_runs",
            "github.actions.artifacts",
            "github.dependabot.secrets",
            "github.dependabot.alerts"
        ]
    );
    // Shared names: qualified tables; unique ones keep the bare name.
    let names: Vec<&str> = p.resources().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "actions_secrets",
            "workflow_runs",
            "artifacts",
            "dependabot_secrets",
            "alerts"
        ]
    );
    assert_eq!(
        p.ambiguous.get("secrets"),
        Some(&vec![
            "github.actions.secrets".to_string(),
            "github.dependabot.secrets".to_string()
        ])
    );
    // EXEC method names shared by two services get qualified functions.
    let function = |id: &str, m: &str| {
        let r = p.resource_by_id(id).expect(id);
        r.methods
            .iter()
            .find(|x| x.name == m)
            .expect(m)
            .function
            .clone()
    };
    assert_eq!(
        function("github.actions.secrets", "get_repo_public_key"),
        "actions_get_repo_public_key"
    );
    assert_eq!(
        function("github.dependabot.secrets", "get_repo_public_key"),
        "dependabot_get_repo_public_key"
    );
    assert_eq!(
        function("github.actions.workflow_runs", "re_run_workflow"),
        "re_run_workflow"
    );
    // page/per_page are the engine's, not columns; per_page is sent at its maximum.
    let alerts = p.resource_by_name("alerts").expect("alerts");
    assert!(alerts.column_index("per_page").is_none() && alerts.column_index("page").is_none());
    assert_eq!(
        alerts.methods[alerts.select[0]].page_size,
        Some(("per_page".into(), 100))
    );
    assert_eq!(
        p.auth,
        github_sql::spec::Auth::Basic {
            username_var: "STACKQL_GITHUB_USERNAME".into(),
            password_var: "STACKQL_GITHUB_PASSWORD".into()
        }
    );
    let unserved: Vec<(String, Option<String>, String)> = p
        .unserved
        .iter()
        .map(|u| (u.resource.clone(), u.method.clone(), u.reason.clone()))
        .collect();
    // The PUT with a JSON body is served: REPLACE (and EXEC) with its data__ fields.
    assert!(
        !unserved
            .iter()
            .any(|(_, m, _)| m.as_deref() == Some("create_or_update_repo_secret")),
        "{unserved:?}"
    );
    let secrets = p.resource_by_id("github.actions.secrets").expect("secrets");
    let put = &secrets.methods[secrets.replace[0]];
    assert_eq!(put.name, "create_or_update_repo_secret");
    let body: Vec<(&str, bool)> = put
        .params
        .iter()
        .filter(|q| q.location == github_sql::spec::ParamLocation::Body)
        .map(|q| (q.name.as_str(), q.required))
        .collect();
    assert_eq!(
        body,
        vec![("data__encrypted_value", true), ("data__key_id", true)]
    );
    assert!(
        unserved.iter().any(|(r, m, why)| r == "discussions"
            && m.as_deref() == Some("list_discussions")
            && why.contains("GraphQL")),
        "{unserved:?}"
    );
    assert!(
        unserved
            .iter()
            .any(|(r, m, _)| r == "discussions" && m.is_none()),
        "{unserved:?}"
    );
    // The version folder and the provider folder work as the directory too.
    for dir in ["github", "github/v00.00.00000"] {
        let p = github_sql::spec::load_dir(&fixture().join(dir)).expect(dir);
        assert_eq!(p.resources().count(), 5);
    }
}

#[test]
fn queries_over_the_stackql_document() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let provider = Arc::new(github_sql::spec::load_dir(&fixture()).expect("fixture loads"));
    let engine = Engine::new(
        provider,
        ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
            .with_write_delay(std::time::Duration::ZERO),
    );
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    let requests = || -> Vec<String> {
        let r = fake.requests().iter().map(describe).collect();
        fake.clear_requests();
        r
    };

    // 130 alerts: per_page=100 sent, the second page followed through Link.
    let n = strings(
        &conn,
        "SELECT count(*) FROM alerts WHERE owner = 'o' AND repo = 'r'",
    );
    assert_eq!(n, vec!["130"]);
    assert_eq!(
        requests(),
        vec![
            "GET /repos/o/r/dependabot/alerts?per_page=100",
            "GET /repos/o/r/dependabot/alerts?per_page=100&page=2"
        ]
    );

    // Wrapped list under $.secrets, through the qualified names of the shared resource.
    let names = strings(
        &conn,
        "SELECT name FROM actions_secrets WHERE owner = 'o' AND repo = 'r' ORDER BY name",
    );
    assert_eq!(names, vec!["A", "B", "C"]);
    assert_eq!(
        requests(),
        vec!["GET /repos/o/r/actions/secrets?per_page=100"]
    );
    let dep = strings(
        &conn,
        "SELECT name FROM dependabot_secrets WHERE owner = 'o' AND repo = 'r'",
    );
    assert_eq!(dep, vec!["DEP"]);
    assert_eq!(
        requests(),
        vec!["GET /repos/o/r/dependabot/secrets?per_page=100"]
    );

    // The get whose 200 response is a $ref.
    let got = strings(
        &conn,
        "SELECT created_at FROM actions_secrets WHERE owner = 'o' AND repo = 'r' AND secret_name = 'B'",
    );
    assert_eq!(got, vec!["2024-01-01T00:00:00Z"]);
    assert_eq!(requests(), vec!["GET /repos/o/r/actions/secrets/B"]);

    // Nested objectKey.
    let art = strings(
        &conn,
        "SELECT name || ':' || size_in_bytes FROM artifacts WHERE owner = 'o' AND repo = 'r'",
    );
    assert_eq!(art, vec!["logs:10", "dist:20"]);

    // The bare shared name: an error naming the candidates, nothing sent.
    let _ = requests();
    let err = conn
        .prepare("SELECT * FROM secrets WHERE owner = 'o' AND repo = 'r'")
        .expect_err("ambiguous");
    let msg = error_text(&err);
    assert!(msg.contains("secrets is ambiguous"), "{msg}");
    assert!(
        msg.contains("actions_secrets (github.actions.secrets)")
            && msg.contains("dependabot_secrets (github.dependabot.secrets)"),
        "{msg}"
    );
    assert!(requests().is_empty());

    // A resource without SELECT: SELECT says what it supports; its methods work as functions.
    let err = conn
        .prepare("SELECT * FROM workflow_runs WHERE owner = 'o' AND repo = 'r' AND run_id = 7")
        .and_then(|mut s| s.query([]).and_then(|mut r| r.next().map(|_| ())))
        .expect_err("no select");
    let msg = error_text(&err);
    assert!(
        msg.contains("workflow_runs (github.actions.workflow_runs) has no SELECT method")
            && msg.contains("EXEC delete_workflow_run_logs")
            && msg.contains("EXEC re_run_workflow"),
        "{msg}"
    );
    let out = strings(&conn, "SELECT delete_workflow_run_logs('o', 'r', 7)");
    assert_eq!(out, vec!["ok"]);
    assert_eq!(requests(), vec!["DELETE /repos/o/r/actions/runs/7/logs"]);

    // The EXEC name two services share: one function each.
    let keys = strings(
        &conn,
        "SELECT json_extract(actions_get_repo_public_key('o', 'r'), '$.key_id') || ',' || json_extract(dependabot_get_repo_public_key('o', 'r'), '$.key_id')",
    );
    assert_eq!(keys, vec!["act-key,dep-key"]);

    // What is not served, with why.
    let reasons = strings(
        &conn,
        "SELECT resource || '.' || coalesce(method, '*') FROM github_sql_unserved ORDER BY 1",
    );
    assert_eq!(
        reasons,
        vec!["discussions.*", "discussions.list_discussions"]
    );
}

/// Runs the shell binary over the fixture against the fake with basic-auth credentials.
fn shell(fake: &FakeGitHub, sql: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["exec", "-o", "csv", sql])
        .env("GITHUB_SQL_PROVIDER_DIR", fixture())
        .env("GITHUB_API_URL", fake.base_url())
        .env("STACKQL_GITHUB_USERNAME", "octo")
        .env("STACKQL_GITHUB_PASSWORD", "pw_SECRET_basic_987")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env("GITHUB_SQL_JOURNAL", "off")
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_shell_serves_three_part_names_with_basic_auth() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let (ok, out, err) = shell(
        &fake,
        "SELECT name FROM github.dependabot.secrets WHERE owner = 'o' AND repo = 'r'",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "name\nDEP\n");
    // The three-part name reached the dependabot path, not the actions one.
    let reqs = fake.requests();
    assert_eq!(
        reqs.iter().map(describe).collect::<Vec<_>>(),
        vec!["GET /repos/o/r/dependabot/secrets?per_page=100"]
    );
    // HTTP Basic with the two STACKQL_GITHUB_* variables.
    assert_eq!(
        reqs[0].authorization.as_deref(),
        Some("Basic b2N0bzpwd19TRUNSRVRfYmFzaWNfOTg3")
    );

    // A bare shared name in the shell: the candidates, nothing sent.
    fake.clear_requests();
    let (ok, _, err) = shell(&fake, "DESCRIBE secrets");
    assert!(!ok);
    assert!(
        err.contains("secrets is ambiguous") && err.contains("actions_secrets"),
        "{err}"
    );
    let (ok, _, err) = shell(
        &fake,
        "SELECT * FROM secrets WHERE owner = 'o' AND repo = 'r'",
    );
    assert!(!ok);
    assert!(err.contains("dependabot_secrets"), "{err}");
    assert!(fake.requests().is_empty());

    // SHOW UNSERVED, and SHOW METHODS with the method that is not served.
    let (ok, out, err) = shell(&fake, "SHOW UNSERVED IN github.actions");
    assert!(ok, "{err}");
    assert!(
        out.contains("github.actions.discussions,list_discussions,SELECT"),
        "{out}"
    );
    assert!(out.contains("GraphQL"), "{out}");
    assert!(!out.contains("create_or_update_repo_secret"), "{out}");
    let (ok, out, err) = shell(&fake, "SHOW METHODS IN github.actions.secrets");
    assert!(ok, "{err}");
    assert!(out.contains("list_repo_secrets"), "{out}");
    assert!(
        out.contains(
            "create_or_update_repo_secret,\"owner, repo, secret_name, data__encrypted_value, data__key_id\",REPLACE"
        ),
        "{out}"
    );

    // The password never shows, even when GitHub echoes the header.
    fake.push_fault(github_sql_fake::Fault::echo_token().path_contains("/alerts"));
    let (ok, out, err) = shell(
        &fake,
        "SELECT * FROM alerts WHERE owner = 'o' AND repo = 'r'",
    );
    assert!(!ok);
    for secret in ["pw_SECRET_basic_987", "b2N0bzpwd19TRUNSRVRfYmFzaWNfOTg3"] {
        assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");
    }
}
