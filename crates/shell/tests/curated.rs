//! A curated service github-sql has no Rust for (tests/fixtures/curated): every rule the packages
//! service keeps as document data works from the document alone — row → parameter mappings
//! (`paramFields`), soft deletes (`softDelete`: how an ambiguous DELETE is checked and how to
//! undo), writes that always need confirming (`x-github-sql-confirm`), the scopes a parameter
//! value adds (`x-github-sql-scopes.extra`), and the bulk rule's "every row" from a list whose
//! filters are at their declared defaults.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use github_sql::http::{ClientConfig, Token};
use github_sql::Engine;
use github_sql_fake::{FakeGitHub, Fault, JsonRoute, Store};
use github_sql_shell::output::OutputFormat;
use github_sql_shell::{stackql, Outcome, Session};
use serde_json::json;

const TOKEN: &str = "ghp_CURATEDSECRET0123456789";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/curated")
}

fn gadget(id: i64, name: &str) -> serde_json::Value {
    json!({"id": id, "name": name, "deleted_at": null})
}

fn store() -> Store {
    let mut s = Store::new();
    s.add_json_route(
        "GET",
        "/gadgets/octo/toy",
        JsonRoute::List {
            items: vec![gadget(1, "a"), gadget(2, "b"), gadget(3, "c")],
            wrap: Vec::new(),
        },
    );
    s.add_json_route("DELETE", "/gadgets/octo/toy/1", JsonRoute::NoContent);
    s.add_json_route("DELETE", "/gadgets/octo/toy/2", JsonRoute::NoContent);
    // After an ambiguous answer, a GET shows the gadget deleted (the soft-delete field is set).
    s.add_json_route(
        "GET",
        "/gadgets/octo/toy/2",
        JsonRoute::Object(json!({"id": 2, "name": "b", "deleted_at": "2026-12-01T00:00:00Z"})),
    );
    s.add_json_route(
        "DELETE",
        "/gadgets/octo/toy/3",
        JsonRoute::Status {
            status: 422,
            body: json!({"message": "Gadget c is in use"}),
        },
    );
    s.add_json_route(
        "GET",
        "/gadgets/octo/secret",
        JsonRoute::List {
            items: vec![gadget(9, "s")],
            wrap: Vec::new(),
        },
    );
    s.add_json_route(
        "DELETE",
        "/gadgets/octo/secret/9",
        JsonRoute::Status {
            status: 403,
            body: json!({"message": "Must have admin rights to Gadget"}),
        },
    );
    s.add_json_route("DELETE", "/gadgets/octo/toy/box", JsonRoute::NoContent);
    s
}

fn session(fake: &FakeGitHub, yes: bool) -> Session {
    let provider = Arc::new(github_sql::spec::load_dir(&fixture()).expect("the fixture loads"));
    let config = ClientConfig {
        retry: github_sql::http::RetryPolicy::fast(),
        ..ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
    }
    .with_write_delay(std::time::Duration::ZERO);
    let s = Session::new(Engine::new(provider, config), OutputFormat::Csv).expect("session");
    s.set_yes(yes);
    s
}

fn run(s: &Session, sql: &str) -> github_sql::Result<Outcome> {
    s.run(stackql::classify(&s.engine().provider, sql)?, &[])
}

fn deletes(fake: &FakeGitHub) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.clone())
        .collect()
}

#[test]
fn a_row_supplies_its_mapped_parameter() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let s = session(&fake, false);
    run(
        &s,
        "DELETE FROM gadgets WHERE owner = 'octo' AND kind = 'toy' AND name = 'a'",
    )
    .expect("delete");
    assert_eq!(deletes(&fake), ["/gadgets/octo/toy/1"]);
}

#[test]
fn every_row_of_a_listing_at_its_defaults_needs_confirming() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let s = session(&fake, false);
    for sql in [
        "DELETE FROM gadgets WHERE owner = 'octo' AND kind = 'toy'",
        // `state` at its declared default lists the same rows.
        "DELETE FROM gadgets WHERE owner = 'octo' AND kind = 'toy' AND state = 'active'",
    ] {
        let e = run(&s, sql).expect_err("every gadget").to_string();
        assert!(
            e.contains("every row of kind toy, owner octo its listing showed")
                && e.contains("Nothing was sent"),
            "{sql}: {e}"
        );
    }
    assert!(deletes(&fake).is_empty());
}

#[test]
fn an_ambiguous_answer_is_settled_by_the_soft_delete_field_and_failures_say_how_to_undo() {
    let fake = FakeGitHub::start(store()).expect("fake");
    fake.push_fault(
        Fault::done_but(502)
            .method("DELETE")
            .path_contains("/gadgets/octo/toy/2")
            .times(1),
    );
    let s = session(&fake, true);
    let e = run(
        &s,
        "DELETE FROM gadgets WHERE owner = 'octo' AND kind = 'toy' AND name IN ('b', 'c')",
    )
    .expect_err("c is refused")
    .to_string();
    // b: a 502, then a GET shows deleted_at set: deleted. c: GitHub's 422.
    assert!(e.contains("deleted 1 of 2 rows; 1 failed"), "{e}");
    assert!(e.contains("Gadget c is in use"), "{e}");
    assert!(
        e.contains("GitHub keeps what it deleted restorable for 7 days: EXEC github.gadgets.gadgets.restore"),
        "{e}"
    );
}

#[test]
fn a_parameter_value_adds_the_scope_the_document_names() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let s = session(&fake, true);
    let e = run(
        &s,
        "DELETE FROM gadgets WHERE owner = 'octo' AND kind = 'secret' AND name = 's'",
    )
    .expect_err("403")
    .to_string();
    assert!(
        e.contains("admin:gadgets") && e.contains("delete:gadgets"),
        "{e}"
    );
}

#[test]
fn a_write_the_document_marks_needs_confirming() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let sql = "DELETE FROM boxes WHERE owner = 'octo' AND kind = 'toy'";
    let e = run(&session(&fake, false), sql)
        .expect_err("a box")
        .to_string();
    assert!(
        e.contains("deletes every gadget in the box") && e.contains("Nothing was sent"),
        "{e}"
    );
    assert!(deletes(&fake).is_empty());
    run(&session(&fake, true), sql).expect("confirmed");
    assert_eq!(deletes(&fake), ["/gadgets/octo/toy/box"]);
}
