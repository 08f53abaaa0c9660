//! The token never appears in any output, error or log: every error path is run with logging at
//! TRACE into a buffer, and the token is looked for in all of it.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{env_with, error_text, store, TOKEN};
use github_sql::http::{ClientConfig, RetryPolicy, Token};
use github_sql_fake::{Fault, TokenPolicy};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_error_path_shows_the_token() {
    let logs = Buf::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("subscriber");

    let e = env_with(store(), |c| ClientConfig {
        timeout: Duration::from_millis(300),
        retry: RetryPolicy {
            tries: 2,
            ..RetryPolicy::fast()
        },
        ..c
    });
    let small = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'";
    let q = format!("SELECT * {small}");
    let mut seen: Vec<String> = Vec::new();
    let run = |sql: &str, seen: &mut Vec<String>| match e.rows(sql) {
        Ok(rows) => seen.push(format!("{rows:?}")),
        Err(err) => {
            seen.push(error_text(&err));
            seen.push(format!("{err:?}"));
        }
    };
    let faults: Vec<Fault> = vec![
        Fault::error(401, "Bad credentials"),
        Fault::error(403, "Resource not accessible by personal access token"),
        Fault::error(404, "Not Found"),
        Fault::error(422, "Validation Failed"),
        Fault::error(500, "Server Error"),
        Fault::error(403, "You have exceeded a secondary rate limit.").header("retry-after", "0"),
        Fault::error(403, "API rate limit exceeded")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "99999999999"),
        Fault::new(200, "not json"),
        Fault::new(200, "[]").header("link", "<http://evil.example/steal?page=2>; rel=\"next\""),
        Fault::new(307, "").header("location", "http://127.0.0.1:9/elsewhere"),
        Fault::connection_reset(),
    ];
    for f in faults {
        e.fake.clear_faults();
        e.fake.push_fault(f);
        run(&q, &mut seen);
    }
    e.fake.clear_faults();
    // Scope refusals on read, delete and restore.
    e.fake
        .set_token_policy(TokenPolicy::tokens(&[(TOKEN, &["read:packages"])]));
    run(&format!("DELETE {small}"), &mut seen);
    run(
        "SELECT restore_package_version_for_authenticated_user('small', 'npm', 1)",
        &mut seen,
    );
    e.fake
        .set_token_policy(TokenPolicy::tokens(&[("someone-else", &["read:packages"])]));
    run(&q, &mut seen);
    // Slow answers, unreachable and insecure hosts, a token with a newline.
    e.fake.set_token_policy(TokenPolicy::AnyToken);
    e.fake.set_latency(Duration::from_millis(800));
    run(&q, &mut seen);
    e.fake.set_latency(Duration::ZERO);
    for (base, token) in [
        ("http://127.0.0.1:9", TOKEN.to_string()),
        ("http://example.invalid", TOKEN.to_string()),
        (e.fake.base_url().as_str(), format!("{TOKEN}\n")),
    ] {
        let engine = github_sql::Engine::new(
            e.engine.provider.clone(),
            ClientConfig {
                retry: RetryPolicy {
                    tries: 1,
                    ..RetryPolicy::fast()
                },
                ..ClientConfig::new(base, Some(Token::new(token)))
            },
        );
        seen.push(format!("{engine:?}"));
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        github_sql::register(&conn, &engine).expect("register");
        match conn
            .prepare(&q)
            .and_then(|mut s| s.query([]).and_then(|mut r| r.next().map(|_| ())))
        {
            Ok(()) => seen.push("ok".into()),
            Err(err) => seen.push(format!("{} {err:?}", error_text(&err))),
        }
    }
    assert!(seen.len() > 25, "every path ran: {}", seen.len());
    for s in &seen {
        assert!(!s.contains(TOKEN), "token in output: {s}");
    }
    assert!(
        seen.iter()
            .any(|s| s.contains("Link header points at another host")),
        "{seen:#?}"
    );
    let log =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(log.contains("GitHub request"), "TRACE logging ran");
    assert!(!log.contains(TOKEN), "token in the log");
}
