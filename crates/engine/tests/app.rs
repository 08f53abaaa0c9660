//! GitHub App authentication against the fake playing an App: the JWT is verified against the
//! App's public key, installation tokens expire and are refreshed (a 50-page scan crossing
//! expiries loses no row), installations are found per owner, a 403 names the installation's
//! missing permission, and no message holds a key, a JWT or a token.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use github_sql_engine::http::{AppAuth, ClientConfig, GitHubClient, RetryPolicy, Stop};
use github_sql_engine::scan::{Scan, ScanArgs, Table};
use github_sql_engine::Value;
use github_sql_fake::app::{FakeApp, FakeInstallation, TestKey};
use github_sql_fake::{FakeGitHub, Store};

fn provider() -> github_sql_engine::spec::Provider {
    github_sql_engine::spec::load_embedded().expect("embedded provider")
}

fn fake_with_app(
    key: &TestKey,
    installations: Vec<FakeInstallation>,
    ttl: Duration,
    store: Store,
) -> FakeGitHub {
    let fake = FakeGitHub::start(store).expect("fake");
    fake.set_app(FakeApp {
        app_id: 4242,
        public_pem: key.public_pem.clone(),
        installations,
        token_ttl: ttl,
    });
    fake
}

fn client(fake: &FakeGitHub, app: AppAuth) -> GitHubClient {
    GitHubClient::new(
        ClientConfig {
            retry: RetryPolicy::fast(),
            ..ClientConfig::new(fake.base_url(), None)
        }
        .with_app(app)
        .with_write_delay(Duration::ZERO),
    )
}

/// Reads every row of `org_versions` for one package; the ids.
fn scan_versions(
    client: &GitHubClient,
    org: &str,
    package: &str,
) -> github_sql_engine::Result<Vec<i64>> {
    scan_owner_versions(client, ("org", org), package)
}

/// Reads every row of `org_versions` (`("org", login)`) or `user_versions`
/// (`("username", login)`) for one npm package; the ids.
fn scan_owner_versions(
    client: &GitHubClient,
    (owner_param, owner): (&str, &str),
    package: &str,
) -> github_sql_engine::Result<Vec<i64>> {
    let (resource, method) = if owner_param == "org" {
        (
            "github.packages.org_versions",
            "get_all_package_versions_for_package_owned_by_org",
        )
    } else {
        (
            "github.packages.user_versions",
            "get_all_package_versions_for_package_owned_by_user",
        )
    };
    let p = provider();
    let r = Arc::clone(p.resource_by_id(resource).expect("the resource"));
    let method = r
        .methods
        .iter()
        .position(|m| m.name == method)
        .expect("list method");
    let id = r.column_index("id").expect("id");
    let table = Arc::new(Table::new(Arc::clone(&r), client.clone()));
    let args = ScanArgs {
        method,
        params: vec![
            (owner_param.into(), vec![Value::Text(owner.into())]),
            ("package_type".into(), vec![Value::Text("npm".into())]),
            ("package_name".into(), vec![Value::Text(package.into())]),
        ],
        want: None,
    };
    let mut scan = Scan::start_with(table, &args, Stop::default())?;
    let mut ids = Vec::new();
    while scan.current().is_some() {
        if let Value::Integer(n) = scan.value(id) {
            ids.push(n);
        }
        scan.advance()?;
    }
    Ok(ids)
}

#[test]
fn the_jwt_is_verified_and_an_installation_token_is_sent() {
    let key = TestKey::generate();
    let mut store = Store::new();
    store.add_org("acme");
    store.add_package_for("acme", "npm", "lib").add_versions(3);
    let fake = fake_with_app(
        &key,
        vec![FakeInstallation::org(11, "acme", &[("packages", "read")])],
        Duration::from_secs(3600),
        store,
    );
    // No installation configured: it is found for the organization the query names.
    let app = AppAuth::new("4242", &key.private_pem, "test", None).expect("key");
    let c = client(&fake, app);
    let ids = scan_versions(&c, "acme", "lib").expect("scan");
    assert_eq!(ids.len(), 3);
    let log = fake.requests();
    let find = log
        .iter()
        .find(|r| r.path == "/orgs/acme/installation")
        .expect("installation looked up");
    assert_eq!((find.method.as_str(), find.status), ("GET", 200));
    let jwt = find
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        .expect("bearer JWT");
    assert_eq!(jwt.split('.').count(), 3, "a JWT: header.claims.signature");
    let exchange = log
        .iter()
        .find(|r| r.path == "/app/installations/11/access_tokens")
        .expect("token exchange");
    assert_eq!((exchange.method.as_str(), exchange.status), ("POST", 201));
    let list = log
        .iter()
        .find(|r| r.path.starts_with("/orgs/acme/packages/npm/lib/versions"))
        .expect("list");
    assert_eq!(list.status, 200);
    assert!(
        list.authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Bearer ghs_")),
        "{:?}",
        list.authorization
    );
    // Once found, the installation and its token are reused.
    fake.clear_requests();
    scan_versions(&c, "acme", "lib").expect("again");
    assert!(
        fake.requests()
            .iter()
            .all(|r| !r.path.contains("installation")),
        "{:?}",
        fake.requests().iter().map(|r| &r.path).collect::<Vec<_>>()
    );
}

#[test]
fn a_jwt_signed_with_another_key_is_refused_and_named_without_secrets() {
    let key = TestKey::generate();
    let other = TestKey::generate();
    let mut store = Store::new();
    store.add_org("acme");
    store.add_package_for("acme", "npm", "lib").add_versions(1);
    let fake = fake_with_app(
        &key,
        vec![FakeInstallation::org(11, "acme", &[("packages", "read")])],
        Duration::from_secs(3600),
        store,
    );
    let app = AppAuth::new("4242", &other.private_pem, "test", Some(11)).expect("key");
    let c = client(&fake, app);
    let e = scan_versions(&c, "acme", "lib")
        .expect_err("wrong key")
        .to_string();
    assert!(e.contains("GitHub App 4242"), "{e}");
    assert!(e.contains("A JSON web token could not be decoded"), "{e}");
    assert!(e.contains("private key"), "names the fix: {e}");
    let jwt = fake.requests()[0]
        .authorization
        .clone()
        .expect("sent")
        .trim_start_matches("Bearer ")
        .to_string();
    assert!(!e.contains(&jwt), "{e}");
    for line in other
        .private_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
    {
        assert!(!e.contains(line), "{e}");
    }
    assert_eq!(
        github_sql_engine::http::redact(&format!("x {jwt} y")),
        "x *** y"
    );
    let body_line = other.private_pem.lines().nth(3).expect("a key line");
    assert_eq!(github_sql_engine::http::redact(body_line), "***");
}

#[test]
fn tokens_refreshed_during_a_50_page_scan_lose_no_row() {
    let key = TestKey::generate();
    let mut store = Store::new();
    store.add_org("acme");
    store
        .add_package_for("acme", "npm", "big")
        .add_versions(5000);
    // Tokens live 2 s and are replaced 1 s before they expire; the scan takes longer.
    let fake = fake_with_app(
        &key,
        vec![FakeInstallation::org(11, "acme", &[("packages", "read")])],
        Duration::from_secs(2),
        store,
    );
    fake.set_latency(Duration::from_millis(120));
    let app = AppAuth::new("4242", &key.private_pem, "test", Some(11))
        .expect("key")
        .with_refresh_margin(Duration::from_secs(1));
    let c = GitHubClient::new(ClientConfig {
        concurrency: 2,
        retry: RetryPolicy::fast(),
        ..ClientConfig::new(fake.base_url(), None).with_app(app)
    });
    // Half way, every token issued so far is revoked: GitHub's 401 must be answered by a new
    // token, not by a short result.
    let watcher = {
        let log_fake = &fake;
        std::thread::scope(|s| {
            let h = s.spawn(|| loop {
                let pages = log_fake
                    .requests()
                    .iter()
                    .filter(|r| r.path.ends_with("/versions") && r.status == 200)
                    .count();
                if pages >= 25 {
                    log_fake.expire_app_tokens();
                    return pages;
                }
                std::thread::sleep(Duration::from_millis(10));
            });
            let ids = scan_versions(&c, "acme", "big").expect("the whole scan");
            (ids, h.join().expect("watcher"))
        })
    };
    let (ids, _) = watcher;
    assert_eq!(ids.len(), 5000, "every row");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        5000,
        "no row twice"
    );
    let log = fake.requests();
    let pages: HashSet<String> = log
        .iter()
        .filter(|r| r.path.ends_with("/versions") && r.status == 200)
        .filter_map(|r| r.query.clone())
        .collect();
    assert_eq!(pages.len(), 50, "50 distinct pages answered");
    let exchanges = log
        .iter()
        .filter(|r| r.path == "/app/installations/11/access_tokens" && r.status == 201)
        .count();
    assert!(
        exchanges >= 3,
        "refreshed before expiry and after the revocation: {exchanges}"
    );
    let refused = log.iter().filter(|r| r.status == 401).count();
    assert!(refused >= 1, "the revocation was met by GitHub's 401");
    assert!(
        log.iter()
            .filter(|r| r.status == 401)
            .all(|r| r.path.ends_with("/versions")),
        "only pages met the revoked token"
    );
}

#[test]
fn an_expired_installation_token_is_refused_with_githubs_message() {
    let key = TestKey::generate();
    let mut store = Store::new();
    store.add_org("acme");
    store.add_package_for("acme", "npm", "lib").add_versions(1);
    let fake = fake_with_app(
        &key,
        vec![FakeInstallation::org(11, "acme", &[("packages", "read")])],
        Duration::from_secs(3600),
        store,
    );
    let app = AppAuth::new("4242", &key.private_pem, "test", Some(11)).expect("key");
    let c = client(&fake, app);
    scan_versions(&c, "acme", "lib").expect("first");
    let token = fake
        .requests()
        .iter()
        .rev()
        .find_map(|r| r.authorization.clone().filter(|a| a.contains("ghs_")))
        .expect("token sent");
    fake.expire_app_tokens();
    // The fake refuses the expired token as GitHub does.
    let raw = GitHubClient::new(ClientConfig {
        retry: RetryPolicy::fast(),
        ..ClientConfig::new(
            fake.base_url(),
            Some(github_sql_engine::http::Token::new(
                token.trim_start_matches("Bearer "),
            )),
        )
    });
    let url = raw
        .url_for("/orgs/acme/packages/npm/lib/versions", &[], &[])
        .expect("url");
    let e = raw.get_object(&url, &[]).expect_err("expired").to_string();
    assert!(e.contains("401 Bad credentials"), "{e}");
    assert!(!e.contains("ghs_"), "{e}");
    // The App client gets a new token and goes on.
    assert_eq!(scan_versions(&c, "acme", "lib").expect("renewed").len(), 1);
}

#[test]
fn a_403_names_the_installations_missing_permission() {
    let key = TestKey::generate();
    let mut store = Store::new();
    store.add_org("acme");
    store.add_package_for("acme", "npm", "lib").add_versions(2);
    let fake = fake_with_app(
        &key,
        vec![FakeInstallation::org(11, "acme", &[("packages", "read")])],
        Duration::from_secs(3600),
        store,
    );
    let app = AppAuth::new("4242", &key.private_pem, "test", None).expect("key");
    let c = client(&fake, app);
    let ids = scan_versions(&c, "acme", "lib").expect("read is granted");
    let url = c
        .url_for(
            &format!("/orgs/acme/packages/npm/lib/versions/{}", ids[0]),
            &[],
            &[],
        )
        .expect("url");
    let e = c
        .send("DELETE", &url, &[])
        .expect_err("write is not")
        .to_string();
    assert!(e.contains("Resource not accessible by integration"), "{e}");
    assert!(e.contains("packages: write"), "{e}");
    assert!(e.contains("installation 11"), "{e}");
    assert!(
        !e.contains("scope"),
        "no classic scopes for an installation: {e}"
    );
    let del = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("sent");
    assert_eq!(del.status, 403);
}

#[test]
fn the_environment_form_needs_id_and_key() {
    // Only the parsing: the variables are read by AppAuth::from_env, which ClientConfig::from_env
    // uses; an installation id must be a number.
    let e = github_sql_engine::http::app::parse_installation(
        "GITHUB_APP_INSTALLATION_ID",
        Some("abc".into()),
    )
    .expect_err("not a number")
    .to_string();
    assert!(e.contains("GITHUB_APP_INSTALLATION_ID"), "{e}");
    assert_eq!(
        github_sql_engine::http::app::parse_installation("x", Some(" 12 ".into())).expect("n"),
        Some(12)
    );
}

/// GitHub Enterprise Server serves its API under `/api/v3`: the App's endpoints are found there
/// too (`api_url` + `/app/…`, and the owner named by a request under that prefix), and a user's
/// installation is found with `GET /users/{username}/installation`.
#[test]
fn on_enterprise_server_the_app_endpoints_are_under_api_url_and_a_users_installation_is_found() {
    let key = TestKey::generate();
    let mut store = Store::new();
    store.add_org("acme");
    store.add_user("octocat");
    store.add_package_for("acme", "npm", "lib").add_versions(2);
    store
        .add_package_for("octocat", "npm", "tool")
        .add_versions(3);
    let fake = FakeGitHub::start_enterprise(store).expect("fake");
    assert!(fake.base_url().ends_with("/api/v3"), "{}", fake.base_url());
    fake.set_app(FakeApp {
        app_id: 4242,
        public_pem: key.public_pem.clone(),
        installations: vec![
            FakeInstallation::org(11, "acme", &[("packages", "read")]),
            FakeInstallation::user(21, "octocat", &[("packages", "read")]),
        ],
        token_ttl: Duration::from_secs(3600),
    });
    let app = AppAuth::new("4242", &key.private_pem, "test", None).expect("key");
    let c = client(&fake, app);
    assert_eq!(scan_versions(&c, "acme", "lib").expect("org").len(), 2);
    assert_eq!(
        scan_owner_versions(&c, ("username", "octocat"), "tool")
            .expect("user")
            .len(),
        3
    );
    let log = fake.requests();
    let ok = |method: &str, path: &str| {
        log.iter()
            .find(|r| r.method == method && r.path == path)
            .map(|r| r.status)
    };
    assert_eq!(ok("GET", "/orgs/acme/installation"), Some(200), "{log:?}");
    assert_eq!(
        ok("GET", "/users/octocat/installation"),
        Some(200),
        "{log:?}"
    );
    assert_eq!(ok("POST", "/app/installations/11/access_tokens"), Some(201));
    assert_eq!(ok("POST", "/app/installations/21/access_tokens"), Some(201));
    let token_of = |prefix: &str| {
        log.iter()
            .find(|r| r.path.starts_with(prefix) && r.status == 200)
            .and_then(|r| r.authorization.clone())
            .expect("listed")
    };
    assert_ne!(
        token_of("/orgs/acme/packages"),
        token_of("/users/octocat/packages"),
        "each owner with its own installation's token"
    );
}
