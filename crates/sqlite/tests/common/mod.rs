//! Shared test setup: a fake GitHub and a SQLite connection with the provider registered.
#![allow(dead_code)]

use std::sync::Arc;

use github_sql::http::{ClientConfig, Token};
use github_sql::Engine;
use github_sql_fake::{FakeGitHub, LoggedRequest, Store, Version};
use rusqlite::Connection;

/// The token every test uses; tests assert it never shows up in output.
pub const TOKEN: &str = "ghp_TESTSECRET0123456789abcdef";

/// A fake GitHub plus a connection to it.
pub struct Env {
    pub fake: FakeGitHub,
    pub conn: Connection,
    pub engine: Engine,
}

impl Env {
    /// Requests the fake received, as "METHOD path?query".
    pub fn requests(&self) -> Vec<String> {
        self.fake.requests().iter().map(describe).collect()
    }

    /// Requests with this HTTP method, as "METHOD path".
    pub fn requests_of(&self, method: &str) -> Vec<String> {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == method)
            .map(describe)
            .collect()
    }

    /// Runs a query and returns the first column of every row as i64.
    pub fn ids(&self, sql: &str) -> rusqlite::Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        rows.collect()
    }

    /// Runs a query and returns every row as strings (NULL → "NULL").
    pub fn rows(&self, sql: &str) -> rusqlite::Result<Vec<Vec<String>>> {
        let mut stmt = self.conn.prepare(sql)?;
        let n = stmt.column_count();
        let rows = stmt.query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get::<_, rusqlite::types::Value>(i)? {
                        rusqlite::types::Value::Null => "NULL".to_string(),
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        rusqlite::types::Value::Real(f) => f.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        rusqlite::types::Value::Blob(_) => "BLOB".to_string(),
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.collect()
    }

    /// The error message of a statement that must fail.
    pub fn error(&self, sql: &str) -> String {
        match self.rows(sql) {
            Ok(rows) => panic!("expected an error from {sql}, got {} rows", rows.len()),
            Err(e) => error_text(&e),
        }
    }
}

/// SQLite's message for an error (what a user sees).
pub fn error_text(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        other => other.to_string(),
    }
}

pub fn describe(r: &LoggedRequest) -> String {
    match &r.query {
        Some(q) => format!("{} {}?{}", r.method, r.path, q),
        None => format!("{} {}", r.method, r.path),
    }
}

/// Starts a fake over `store` and connects with [`TOKEN`].
pub fn env(store: Store) -> Env {
    env_with_token(store, Some(TOKEN))
}

pub fn env_with_token(store: Store, token: Option<&str>) -> Env {
    env_with(store, |c| ClientConfig {
        token: token.map(Token::new),
        ..c
    })
}

/// Starts a fake over `store`; `config` adjusts the client configuration (by default: the
/// fake's URL, [`TOKEN`], no delay between writes).
pub fn env_with(store: Store, config: impl FnOnce(ClientConfig) -> ClientConfig) -> Env {
    let fake = FakeGitHub::start(store).expect("fake starts");
    let provider = Arc::new(github_sql::spec::load_embedded().expect("provider"));
    let base = ClientConfig {
        retry: github_sql::http::RetryPolicy::fast(),
        ..ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
    }
    .with_write_delay(std::time::Duration::ZERO)
    .with_server("registry", fake.base_url());
    let engine = Engine::new(provider, config(base));
    let conn = Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    Env { fake, conn, engine }
}

/// npm `big` with 250 versions, container `team/app` with 4 (2 untagged), npm `small` with 3,
/// npm `empty` with none, and npm `small` has one deleted version.
pub fn store() -> Store {
    let mut s = Store::new();
    s.add_package("npm", "big").add_versions(250);
    let app = s.add_package("container", "team/app");
    app.add_version(Version::new("sha256:aaa", "2024-01-01T00:00:00Z").with_tags(&["v1"]));
    app.add_version(Version::new("sha256:bbb", "2024-02-01T00:00:00Z"));
    app.add_version(
        Version::new("sha256:ccc", "2024-03-01T00:00:00Z").with_tags(&["latest", "v2"]),
    );
    app.add_version(Version::new("sha256:ddd", "2024-04-01T00:00:00Z"));
    let small = s.add_package("npm", "small");
    small.add_versions(3);
    let mut gone = Version::new("0.9.0", "2022-06-01T00:00:00Z");
    gone.deleted_at = Some("2024-05-01T00:00:00Z".into());
    small.add_version(gone);
    s.add_package("npm", "empty");
    s
}
