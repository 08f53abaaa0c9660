//! Named connections through the `github-sql` binary and the SQLite front end, against fakes:
//! two organizations on two App installations joined in one statement, an App finding its
//! installation per owner, an aggregator over three connections with one failing (named, or
//! skipped and reported), `_connection` pinning a member, a DELETE through an aggregator
//! refused unless pinned, and `github_sql_connect()`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use github_sql::connections::Connections;
use github_sql::http::ClientConfig;
use github_sql_fake::app::{FakeApp, FakeInstallation, TestKey};
use github_sql_fake::{FakeGitHub, Store, TokenPolicy};

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const ONE: &str = "ghp_ONEsecret0123456789abcdef";
const TWO: &str = "ghp_TWOsecret0123456789abcdef";
const WRONG: &str = "ghp_WRONGsecret0123456789abcd";

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ghsql-conn-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

/// Runs `github-sql exec SQL` with `config` as the config file; stdout, stderr, success.
fn exec(
    config: &str,
    dir: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (String, String, bool) {
    let path = dir.join("config.toml");
    std::fs::write(&path, config).expect("config");
    let mut cmd = Command::new(BIN);
    for v in [
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_APP_PRIVATE_KEY_PATH",
        "GITHUB_SQL_CONNECTION",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("GITHUB_SQL_CONFIG", &path)
        .env("GITHUB_SQL_JOURNAL", "off")
        .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
        .env("GITHUB_SQL_LOG", "github_sql=debug")
        .envs(env.iter().copied())
        .args(["-o", "csv"])
        .args(args);
    let out = cmd.output().expect("runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

fn two_orgs() -> Store {
    let mut s = Store::new();
    s.add_org("acme");
    s.add_org("beta");
    s.add_package_for("acme", "npm", "shared").add_versions(2);
    s.add_package_for("acme", "npm", "acme-only")
        .add_versions(1);
    s.add_package_for("beta", "npm", "shared").add_versions(3);
    s.add_package_for("beta", "npm", "beta-only")
        .add_versions(1);
    s
}

fn app_fake(key: &TestKey) -> FakeGitHub {
    let fake = FakeGitHub::start(two_orgs()).expect("fake");
    fake.set_app(FakeApp {
        app_id: 4242,
        public_pem: key.public_pem.clone(),
        installations: vec![
            FakeInstallation::org(11, "acme", &[("packages", "write")]),
            FakeInstallation::org(12, "beta", &[("packages", "read")]),
        ],
        token_ttl: Duration::from_secs(3600),
    });
    fake
}

/// Everything a run printed must hold no key line, JWT or token the fake saw.
fn assert_no_secrets(printed: &str, key: Option<&TestKey>, fake: &FakeGitHub) {
    if let Some(key) = key {
        for line in key.private_pem.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!printed.contains(line), "a key line was printed: {printed}");
        }
    }
    for r in fake.requests() {
        if let Some(a) = r.authorization {
            let secret = a.trim_start_matches("Bearer ").trim_start_matches("token ");
            assert!(
                !printed.contains(secret),
                "a credential was printed: {printed}"
            );
        }
    }
    for t in [ONE, TWO, WRONG] {
        assert!(!printed.contains(t), "a token was printed: {printed}");
    }
}

#[test]
fn two_organizations_on_two_installations_join_in_one_statement() {
    let key = TestKey::generate();
    let fake = app_fake(&key);
    let dir = tmp("join");
    let pem = dir.join("app.pem");
    std::fs::write(&pem, &key.private_pem).expect("pem");
    let base = fake.base_url();
    let config = format!(
        "[connections.acme]\napp_id = 4242\nprivate_key_path = \"{}\"\ninstallation_id = 11\napi_url = \"{base}\"\n\
         [connections.beta]\napp_id = 4242\nprivate_key_env = \"TEST_APP_KEY\"\ninstallation_id = 12\napi_url = \"{base}\"\n\
         [connections.app]\napp_id = \"4242\"\nprivate_key_path = \"{}\"\napi_url = \"{base}\"\n",
        pem.display(),
        pem.display()
    );
    let sql = "SELECT a.name AS package, count(*) AS n FROM acme.packages.org_packages AS a \
               JOIN beta.packages.org_packages AS b ON b.name = a.name \
               WHERE a.org = 'acme' AND a.package_type = 'npm' AND b.org = 'beta' AND b.package_type = 'npm' \
               GROUP BY a.name";
    let (out, err, ok) = exec(
        &config,
        &dir,
        &[("TEST_APP_KEY", &key.private_pem)],
        &["exec", sql],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "package,n\nshared,1", "{err}");
    let log = fake.requests();
    let exchanged: Vec<&str> = log
        .iter()
        .filter(|r| r.method == "POST" && r.status == 201)
        .map(|r| r.path.as_str())
        .collect();
    assert!(
        exchanged.contains(&"/app/installations/11/access_tokens"),
        "{exchanged:?}"
    );
    assert!(
        exchanged.contains(&"/app/installations/12/access_tokens"),
        "{exchanged:?}"
    );
    let token_of = |org: &str| {
        log.iter()
            .find(|r| r.path.starts_with(&format!("/orgs/{org}/packages")) && r.status == 200)
            .and_then(|r| r.authorization.clone())
            .unwrap_or_else(|| {
                panic!(
                    "{org} listed: {:?}",
                    log.iter()
                        .map(|r| (&r.method, &r.path, r.status))
                        .collect::<Vec<_>>()
                )
            })
    };
    assert_ne!(
        token_of("acme"),
        token_of("beta"),
        "one token per installation"
    );
    assert!(token_of("acme").starts_with("Bearer ghs_"));
    assert_no_secrets(&format!("{out}{err}"), Some(&key), &fake);

    // One App connection, no installation configured: found per organization the query names.
    fake.clear_requests();
    let (out, err, ok) = exec(
        &config,
        &dir,
        &[],
        &[
            "exec",
            "SELECT org, name FROM app.packages.org_packages WHERE org IN ('acme', 'beta') AND package_type = 'npm' ORDER BY org, name",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "org,name\nacme,acme-only\nacme,shared\nbeta,beta-only\nbeta,shared",
        "{err}"
    );
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths.contains(&"/orgs/acme/installation".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/orgs/beta/installation".to_string()),
        "{paths:?}"
    );
    assert_no_secrets(&format!("{out}{err}"), Some(&key), &fake);

    // --connection makes one the default for bare names; the others stay reachable.
    let (out, err, ok) = exec(
        &config,
        &dir,
        &[],
        &[
            "--connection",
            "acme",
            "exec",
            "SELECT count(*) AS n FROM org_packages WHERE org = 'acme' AND package_type = 'npm'",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "n\n2");
    let (_, err, ok) = exec(
        &config,
        &dir,
        &[],
        &["--connection", "nope", "exec", "SELECT 1"],
    );
    assert!(!ok);
    assert!(
        err.contains("no connection nope") && err.contains("acme, app, beta"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Three token connections on one fake: `one` and `two` read `acme`, `bad`'s token is refused.
fn fleet(tag: &str) -> (FakeGitHub, String, PathBuf) {
    let mut s = Store::new();
    s.add_org("acme");
    s.add_package_for("acme", "npm", "lib").add_versions(3);
    let fake = FakeGitHub::start(s).expect("fake");
    let all = ["read:packages", "delete:packages", "write:packages"];
    fake.set_token_policy(TokenPolicy::tokens(&[(ONE, &all), (TWO, &all)]));
    let base = fake.base_url();
    let config = format!(
        "[connections.one]\ntoken_env = \"TOK_ONE\"\napi_url = \"{base}\"\n\
         [connections.two]\ntoken_command = [\"printenv\", \"TOK_TWO\"]\napi_url = \"{base}\"\n\
         [connections.bad]\ntoken_env = \"TOK_BAD\"\napi_url = \"{base}\"\n\
         [connections.fleet]\naggregate = [\"one\", \"two\", \"bad\"]\n\
         [connections.lenient]\naggregate = [\"one\", \"two\", \"bad\"]\nskip_failures = true\n"
    );
    (fake, config, tmp(tag))
}

const FLEET_ENV: [(&str, &str); 3] = [("TOK_ONE", ONE), ("TOK_TWO", TWO), ("TOK_BAD", WRONG)];

#[test]
fn an_aggregator_over_three_connections_names_or_skips_the_failing_one() {
    let (fake, config, dir) = fleet("agg");
    let q = |agg: &str| {
        format!(
            "SELECT _connection, count(*) AS n FROM {agg}.packages.org_versions \
             WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' GROUP BY 1 ORDER BY 1"
        )
    };
    let (out, err, ok) = exec(&config, &dir, &FLEET_ENV, &["exec", &q("fleet")]);
    assert!(!ok, "a failing member fails the statement: {out}");
    assert!(
        err.contains("connection bad (of aggregator fleet)") && err.contains("401"),
        "{err}"
    );
    assert_no_secrets(&format!("{out}{err}"), None, &fake);
    // Every member was asked, each with its own token.
    let auths: Vec<String> = fake
        .requests()
        .iter()
        .filter_map(|r| r.authorization.clone())
        .collect();
    for t in [ONE, TWO, WRONG] {
        assert!(
            auths.iter().any(|a| a.ends_with(t)),
            "{t} not sent: {:?} {err}",
            fake.requests()
        );
    }

    fake.clear_requests();
    let (out, err, ok) = exec(&config, &dir, &FLEET_ENV, &["exec", &q("lenient")]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "_connection,n\none,3\ntwo,3");
    assert!(
        err.contains("aggregator lenient skipped connection bad") && err.contains("401"),
        "{err}"
    );
    assert_no_secrets(&format!("{out}{err}"), None, &fake);

    // `_connection = 'two'` asks only that member.
    fake.clear_requests();
    let (out, err, ok) = exec(
        &config,
        &dir,
        &FLEET_ENV,
        &[
            "exec",
            "SELECT _connection, id FROM fleet.packages.org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' AND _connection = 'two'",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.lines().skip(1).all(|l| l.starts_with("two,")), "{out}");
    let sent: Vec<String> = fake
        .requests()
        .iter()
        .filter_map(|r| r.authorization.clone())
        .collect();
    assert!(
        !sent.is_empty() && sent.iter().all(|a| a.ends_with(TWO)),
        "{sent:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_delete_through_an_aggregator_is_refused_unless_connection_is_pinned() {
    let (fake, config, dir) = fleet("delete");
    let id = fake.with_store(|s| {
        s.packages()
            .find(|p| p.name == "lib")
            .and_then(|p| p.versions.first().map(|v| v.id))
            .expect("a version")
    });
    let (out, err, ok) = exec(
        &config,
        &dir,
        &FLEET_ENV,
        &[
            "exec",
            &format!("DELETE FROM lenient.packages.org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' AND id = {id}"),
        ],
    );
    assert!(!ok, "{out}");
    assert!(
        err.contains("must pin _connection by equality") && err.contains("nothing was queued"),
        "{err}"
    );
    assert!(
        fake.requests().iter().all(|r| r.method != "DELETE"),
        "nothing was sent"
    );
    let (out, err, ok) = exec(
        &config,
        &dir,
        &FLEET_ENV,
        &[
            "exec",
            &format!("DELETE FROM fleet.packages.org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' AND id = {id} AND _connection = 'one'"),
        ],
    );
    assert!(ok, "{out}{err}");
    let deletes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "{err}");
    assert_eq!(
        deletes[0].path,
        format!("/orgs/acme/packages/npm/lib/versions/{id}")
    );
    assert!(deletes[0]
        .authorization
        .as_deref()
        .is_some_and(|a| a.ends_with(ONE)));
    assert_no_secrets(&format!("{out}{err}"), None, &fake);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_sqlite_front_end_names_each_connection_with_a_prefix() {
    let (fake, config, dir) = fleet("sqlite");
    for (k, v) in FLEET_ENV {
        std::env::set_var(k, v);
    }
    let connections = Connections::parse(
        &config,
        &dir.join("config.toml"),
        &ClientConfig::new("https://api.github.com", None),
    )
    .expect("config");
    let provider = Arc::new(github_sql::spec::load_embedded().expect("provider"));
    let engine = github_sql::Engine::new(provider, ClientConfig::new(fake.base_url(), None))
        .with_connections(connections);
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM one__org_versions AS a JOIN two__packages_org_versions AS b ON b.id = a.id \
             WHERE a.org = 'acme' AND a.package_type = 'npm' AND a.package_name = 'lib' \
               AND b.org = 'acme' AND b.package_type = 'npm' AND b.package_name = 'lib'",
            [],
            |r| r.get(0),
        )
        .expect("join across connections");
    assert_eq!(n, 3);
    // Bare names follow github_sql_connect(); without a token the default has none.
    let no_token = conn
        .query_row(
            "SELECT count(*) FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect_err("the default has no token")
        .to_string();
    assert!(no_token.contains("no GitHub token"), "{no_token}");
    let chosen: String = conn
        .query_row("SELECT github_sql_connect('two')", [], |r| r.get(0))
        .expect("connect");
    assert_eq!(chosen, "two");
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib'",
            [],
            |r| r.get(0),
        )
        .expect("bare name through two");
    assert_eq!(n, 3);
    // A write through a bare name goes where its rows came from: the chosen connection.
    let id: i64 = conn
        .query_row(
            "SELECT min(id) FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib'",
            [],
            |r| r.get(0),
        )
        .expect("an id");
    fake.clear_requests();
    conn.execute(
        "DELETE FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' AND id = ?1",
        [id],
    )
    .expect("delete through the chosen connection");
    let deletes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert!(deletes[0]
        .authorization
        .as_deref()
        .is_some_and(|a| a.ends_with(TWO)));
    let e = conn
        .query_row("SELECT github_sql_connect('fleet')", [], |r| {
            r.get::<_, String>(0)
        })
        .expect_err("an aggregator")
        .to_string();
    assert!(e.contains("aggregator"), "{e}");
    // Skipping is a session setting too; the skipped members are reported.
    conn.query_row("SELECT github_sql_skip_failures(1)", [], |r| {
        r.get::<_, Option<bool>>(0)
    })
    .expect("skip");
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM fleet__org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib'",
            [],
            |r| r.get(0),
        )
        .expect("skipping");
    assert_eq!(n, 4, "one and two, each without the deleted version");
    let skipped: String = conn
        .query_row("SELECT github_sql_skipped()", [], |r| r.get(0))
        .expect("skipped");
    assert!(skipped.contains("\"connection\":\"bad\""), "{skipped}");
    // Each connection's budget is its own: github_sql_rate_limit asks GitHub with each one's
    // token and names the connection of each row.
    fake.clear_requests();
    let listed: Vec<String> = conn
        .prepare("SELECT DISTINCT connection FROM github_sql_rate_limit WHERE resource = 'core' AND connection IS NOT NULL ORDER BY 1")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .expect("rate limits");
    assert!(
        listed.contains(&"one".to_string()) && listed.contains(&"two".to_string()),
        "{listed:?}"
    );
    let asked: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/rate_limit")
        .filter_map(|r| r.authorization)
        .collect();
    for t in [ONE, TWO] {
        assert!(asked.iter().any(|a| a.ends_with(t)), "{asked:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each connection's requests are its own: one's cached answers never answer another's request
/// (the cache identity is per token, or per App installation), and one connection out of rate
/// limit holds no other back.
#[test]
fn each_connection_has_its_own_cache_identity_and_rate_limit_budget() {
    let (fake, config, dir) = fleet("budget");
    let versions = "/orgs/acme/packages/npm/lib/versions";
    let count = |c: &str| {
        format!(
            "SELECT '{c}' AS c, count(*) AS n FROM {c}.packages.org_versions \
             WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib';"
        )
    };
    let sql = format!("{}\n{}\n{}", count("one"), count("two"), count("one"));
    let (out, err, ok) = exec(&config, &dir, &FLEET_ENV, &["exec", &sql]);
    assert!(ok, "{err}");
    assert_eq!(out.matches(",3").count(), 3, "{out}");
    let sent = |token: &str| -> Vec<github_sql_fake::LoggedRequest> {
        fake.requests()
            .into_iter()
            .filter(|r| r.path == versions)
            .filter(|r| {
                r.authorization
                    .as_deref()
                    .is_some_and(|a| a.ends_with(token))
            })
            .collect()
    };
    let (one, two) = (sent(ONE), sent(TWO));
    // `one` read the list, then revalidated its own cached answer.
    assert_eq!(one.len(), 2, "{:?}", fake.requests());
    assert!(one[0].if_none_match.is_none() && one[1].if_none_match.is_some());
    // `two` asked the same URL afresh: `one`'s answer is not `two`'s.
    assert_eq!(two.len(), 1, "{:?}", fake.requests());
    assert!(two[0].if_none_match.is_none(), "{:?}", two[0]);

    // `one`'s budget spent until an hour from now: its error names it, `two` is not held back.
    fake.clear_requests();
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 3600;
    fake.push_fault(
        github_sql_fake::Fault::error(403, "API rate limit exceeded for user ID 1.")
            .for_token(ONE)
            .header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset.to_string()),
    );
    let started = std::time::Instant::now();
    let (out, err, ok) = exec(
        &config,
        &dir,
        &[
            FLEET_ENV[0],
            FLEET_ENV[1],
            FLEET_ENV[2],
            ("GITHUB_SQL_MAX_WAIT", "5"),
        ],
        &[
            "exec",
            "SELECT _connection, count(*) AS n FROM lenient.packages.org_versions \
             WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' GROUP BY 1",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "_connection,n\ntwo,3", "{err}");
    assert!(
        err.contains("skipped connection one") && err.contains("rate limit exhausted"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "two waited for one's reset"
    );
    assert_eq!(sent(TWO).len(), 1, "{:?}", fake.requests());
    assert_no_secrets(&format!("{out}{err}"), None, &fake);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The environment form, as GitHub Actions users know it, with no config file at all:
/// `GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY_PATH` and `GITHUB_APP_INSTALLATION_ID` (used as
/// given: no installation is looked up); an App id without a key is an error naming both.
#[test]
fn the_environment_form_works_without_a_config_file() {
    let key = TestKey::generate();
    let fake = app_fake(&key);
    let dir = tmp("envform");
    let pem = dir.join("app.pem");
    std::fs::write(&pem, &key.private_pem).expect("pem");
    let run = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(BIN);
        for v in [
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "GITHUB_APP_ID",
            "GITHUB_APP_PRIVATE_KEY",
            "GITHUB_APP_PRIVATE_KEY_PATH",
            "GITHUB_APP_INSTALLATION_ID",
            "GITHUB_SQL_CONFIG",
            "GITHUB_SQL_CONNECTION",
        ] {
            cmd.env_remove(v);
        }
        let out = cmd
            .env("XDG_CONFIG_HOME", dir.join("no-config-here"))
            .env("HOME", &dir)
            .env("GITHUB_API_URL", fake.base_url())
            .env("GITHUB_SQL_JOURNAL", "off")
            .envs(env.iter().copied())
            .args([
                "-o",
                "csv",
                "exec",
                "SELECT count(*) AS n FROM org_versions WHERE org = 'beta' AND package_type = 'npm' AND package_name = 'shared'",
            ])
            .output()
            .expect("runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.success(),
        )
    };
    let path = pem.display().to_string();
    let (out, err, ok) = run(&[
        ("GITHUB_APP_ID", "4242"),
        ("GITHUB_APP_PRIVATE_KEY_PATH", &path),
        ("GITHUB_APP_INSTALLATION_ID", "12"),
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "n\n3", "{err}");
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths.contains(&"/app/installations/12/access_tokens".to_string()),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.ends_with("/installation")),
        "the installation given is not looked up: {paths:?}"
    );
    assert_no_secrets(&format!("{out}{err}"), Some(&key), &fake);

    let (_, err, ok) = run(&[("GITHUB_APP_ID", "4242")]);
    assert!(!ok);
    assert!(
        err.contains("GITHUB_APP_PRIVATE_KEY") && err.contains("GITHUB_APP_PRIVATE_KEY_PATH"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
