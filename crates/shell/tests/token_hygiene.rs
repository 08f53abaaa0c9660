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

/// A GitHub App through the environment form (`GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY`):
/// nothing the binary prints, at TRACE level, on success or on any failure (a key that is not
/// the App's, a permission the installation lacks, an expired token, a key that is no key),
/// holds a line of the key, a JWT or an installation token.
#[test]
fn no_app_key_jwt_or_installation_token_is_printed() {
    use github_sql_fake::app::{FakeApp, FakeInstallation, TestKey};
    let key = TestKey::generate();
    let stranger = TestKey::generate();
    let mut s = github_sql_fake::Store::new();
    s.add_org("acme");
    s.add_package_for("acme", "npm", "lib").add_versions(3);
    let fake = github_sql_fake::FakeGitHub::start(s).expect("fake");
    fake.set_app(FakeApp {
        app_id: 7,
        public_pem: key.public_pem.clone(),
        installations: vec![FakeInstallation::org(70, "acme", &[("packages", "read")])],
        token_ttl: Duration::from_secs(3600),
    });
    let run = |pem: &str, sql: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_github-sql"))
            .env_remove("GITHUB_TOKEN")
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_SQL_CONFIG")
            .env("XDG_CONFIG_HOME", "/nonexistent-github-sql-config")
            .env("GITHUB_API_URL", fake.base_url())
            .env("GITHUB_APP_ID", "7")
            .env("GITHUB_APP_PRIVATE_KEY", pem)
            .env("GITHUB_SQL_LOG", "trace")
            .env("GITHUB_SQL_JOURNAL", "off")
            .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
            .args(["--yes", "exec", sql])
            .output()
            .expect("runs");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let list = "SELECT id FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib'";
    let mut printed = vec![run(&key.private_pem, list)];
    assert!(
        printed[0].contains("GitHub request"),
        "TRACE ran: {}",
        printed[0]
    );
    printed.push(run(&stranger.private_pem, list));
    assert!(
        printed[1].contains("A JSON web token could not be decoded"),
        "{}",
        printed[1]
    );
    printed.push(run(
        &key.private_pem,
        "DELETE FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' AND id IN (SELECT min(id) FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib')",
    ));
    assert!(printed[2].contains("packages: write"), "{}", printed[2]);
    fake.expire_app_tokens();
    printed.push(run(&key.private_pem, list));
    let mangled = key.private_pem.replace("MII", "XXX");
    printed.push(run(&mangled, list));
    assert!(
        printed[4].contains("not an RSA private key"),
        "{}",
        printed[4]
    );
    let mut secrets: Vec<String> = fake
        .requests()
        .into_iter()
        .filter_map(|r| r.authorization)
        .map(|a| a.trim_start_matches("Bearer ").to_string())
        .collect();
    assert!(
        secrets.iter().any(|s| s.starts_with("ghs_")),
        "tokens were used"
    );
    assert!(
        secrets.iter().any(|s| s.split('.').count() == 3),
        "JWTs were used"
    );
    for k in [&key, &stranger] {
        secrets.extend(
            k.private_pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .map(String::from),
        );
    }
    secrets.extend(
        mangled
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(String::from),
    );
    for p in &printed {
        for s in &secrets {
            assert!(!p.contains(s.as_str()), "a secret was printed: {s} in {p}");
        }
    }
}
