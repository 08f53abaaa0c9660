//! The rest of the packages service, served from the provider document alone: packages of the
//! authenticated user, of an organization and of another user, and the versions of the latter
//! two. Each test runs the same checks for every owner, against the fake GitHub, and asserts the
//! requests it sent.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use common::{env, error_text, Env, TOKEN};
use github_sql_fake::{Store, TokenPolicy, Version};
use github_sql_shell::output::OutputFormat;
use github_sql_shell::Session;

/// One owner's tables and URLs.
struct Owner {
    /// Packages table.
    packages: &'static str,
    /// Versions table.
    versions: &'static str,
    /// The owner's WHERE term, with a trailing AND ("" for the authenticated user).
    term: &'static str,
    /// Path prefix of the owner's routes.
    prefix: &'static str,
    /// The owner parameter as (name, value), if the tables take one.
    param: Option<(&'static str, &'static str)>,
    /// EXEC method restoring a package.
    restore_package: &'static str,
    /// EXEC method restoring a version.
    restore_version: &'static str,
}

const ME: Owner = Owner {
    packages: "auth_user_packages",
    versions: "auth_user_versions",
    term: "",
    prefix: "/user",
    param: None,
    restore_package: "restore_package_for_authenticated_user",
    restore_version: "restore_package_version_for_authenticated_user",
};
const ORG: Owner = Owner {
    packages: "org_packages",
    versions: "org_versions",
    term: "org = 'acme' AND ",
    prefix: "/orgs/acme",
    param: Some(("org", "acme")),
    restore_package: "restore_package_for_org",
    restore_version: "restore_package_version_for_org",
};
const USER: Owner = Owner {
    packages: "user_packages",
    versions: "user_versions",
    term: "username = 'hubot' AND ",
    prefix: "/users/hubot",
    param: Some(("username", "hubot")),
    restore_package: "restore_package_for_user",
    restore_version: "restore_package_version_for_user",
};
const OWNERS: [&Owner; 3] = [&ME, &ORG, &USER];

impl Owner {
    /// `@org='acme', ` for EXEC, or "".
    fn exec_arg(&self) -> String {
        self.param
            .map(|(k, v)| format!("@{k}='{v}', "))
            .unwrap_or_default()
    }
}

/// The same packages for octocat, the organization `acme` and the user `hubot`: 120 npm
/// `pkg-NNN` (two pages), public npm `lib` (3 versions, linked to a repository), npm `big` (250
/// versions), public npm `popular` (a version with 6000 downloads), container `team/app` (4
/// versions, 2 tagged), private maven `m` and deleted npm `gone`.
fn store() -> Store {
    let mut s = Store::new();
    s.add_org("acme");
    s.add_user("hubot");
    for owner in ["octocat", "acme", "hubot"] {
        for i in 0..120 {
            s.add_package_for(owner, "npm", &format!("pkg-{i:03}"))
                .add_versions(1);
        }
        s.add_package_for(owner, "npm", "lib")
            .set_visibility("public")
            .set_repository("lib")
            .add_versions(3);
        s.add_package_for(owner, "npm", "big").add_versions(250);
        let popular = s.add_package_for(owner, "npm", "popular");
        popular.set_visibility("public").add_versions(2);
        popular.versions[0].downloads = 6000;
        let app = s.add_package_for(owner, "container", "team/app");
        app.add_version(Version::new("sha256:aaa", "2024-01-01T00:00:00Z").with_tags(&["v1"]));
        app.add_version(Version::new("sha256:bbb", "2024-02-01T00:00:00Z"));
        app.add_version(Version::new("sha256:ccc", "2024-03-01T00:00:00Z").with_tags(&["v2"]));
        app.add_version(Version::new("sha256:ddd", "2024-04-01T00:00:00Z"));
        s.add_package_for(owner, "maven", "m").add_versions(2);
        let gone = s.add_package_for(owner, "npm", "gone");
        gone.add_versions(1);
        gone.deleted_at = Some("2025-01-01T00:00:00Z".into());
    }
    s
}

fn session(e: &Env) -> Session {
    Session::new(e.engine.clone(), OutputFormat::Csv).expect("session")
}

fn run(s: &Session, sql: &str) -> Result<String, String> {
    let mut out = Vec::new();
    s.run_script(sql, &mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn package_lists_follow_every_page() {
    let e = env(store());
    for o in OWNERS {
        e.fake.clear_requests();
        let names = e
            .rows(&format!(
                "SELECT name FROM {} WHERE {}package_type = 'npm'",
                o.packages, o.term
            ))
            .expect("query");
        // 120 pkg-NNN + lib + big + popular; the deleted `gone` is not listed.
        assert_eq!(names.len(), 123, "{}", o.packages);
        assert!(!names.iter().any(|r| r[0] == "gone"));
        assert_eq!(
            e.requests(),
            vec![
                format!("GET {}/packages?package_type=npm&per_page=100", o.prefix),
                format!(
                    "GET {}/packages?package_type=npm&per_page=100&page=2",
                    o.prefix
                ),
            ],
            "{}",
            o.packages
        );
    }
}

#[test]
fn one_package_by_name_is_one_request() {
    let e = env(store());
    for o in OWNERS {
        for pred in ["name = 'team/app'", "package_name = 'team/app'"] {
            e.fake.clear_requests();
            let rows = e
                .rows(&format!(
                    "SELECT name, version_count, json_extract(owner, '$.login'), repository, package_name
                     FROM {} WHERE {}package_type = 'container' AND {pred}",
                    o.packages, o.term
                ))
                .expect("query");
            let login = o.param.map_or("octocat", |(_, v)| v);
            assert_eq!(
                rows,
                vec![vec!["team/app", "4", login, "NULL", "team/app"]],
                "{} {pred}",
                o.packages
            );
            assert_eq!(
                e.requests(),
                vec![format!("GET {}/packages/container/team%2Fapp", o.prefix)],
                "{} {pred}",
                o.packages
            );
        }
        // Absent and deleted packages: 404, no rows.
        for name in ["nope", "gone"] {
            assert!(e
                .ids(&format!(
                    "SELECT id FROM {} WHERE {}package_type = 'npm' AND name = '{name}'",
                    o.packages, o.term
                ))
                .expect("query")
                .is_empty());
        }
        let repo = e
            .rows(&format!(
                "SELECT json_extract(repository, '$.full_name') FROM {} WHERE {}package_type = 'npm' AND name = 'lib'",
                o.packages, o.term
            ))
            .expect("query");
        let login = o.param.map_or("octocat", |(_, v)| v);
        assert_eq!(repo, vec![vec![format!("{login}/lib")]]);
    }
}

#[test]
fn visibility_is_sent_and_still_checked() {
    let e = env(store());
    for o in OWNERS {
        e.fake.clear_requests();
        let rows = e
            .rows(&format!(
                "SELECT name, visibility FROM {} WHERE {}package_type = 'npm' AND visibility = 'public' ORDER BY name",
                o.packages, o.term
            ))
            .expect("query");
        assert_eq!(rows, vec![vec!["lib", "public"], vec!["popular", "public"]]);
        assert_eq!(
            e.requests(),
            vec![format!(
                "GET {}/packages?package_type=npm&visibility=public&per_page=100",
                o.prefix
            )]
        );
        // GitHub answers `internal` with private packages for maven (no granular permissions);
        // the column says `private`, so SQLite's own check leaves them out.
        e.fake.clear_requests();
        let rows = e
            .rows(&format!(
                "SELECT name FROM {} WHERE {}package_type = 'maven' AND visibility = 'internal'",
                o.packages, o.term
            ))
            .expect("query");
        assert!(rows.is_empty(), "{rows:?}");
        assert_eq!(
            e.requests(),
            vec![format!(
                "GET {}/packages?package_type=maven&visibility=internal&per_page=100",
                o.prefix
            )]
        );
    }
    let msg = e.error(
        "SELECT * FROM auth_user_packages WHERE package_type = 'npm' AND visibility = 'secret'",
    );
    assert_eq!(
        msg,
        "visibility \"secret\" is not valid; use one of: public, private, internal"
    );
}

#[test]
fn delete_and_restore_packages() {
    let e = env(store());
    let s = session(&e);
    for o in OWNERS {
        // DELETE in the shell, with the StackQL name. A package's delete deletes every version
        // of it, so it needs the same confirmation: refused and nothing sent, then confirmed.
        e.fake.clear_requests();
        s.set_yes(false);
        let refused = run(
            &s,
            &format!(
                "DELETE FROM github.packages.{} WHERE {}package_type = 'npm' AND name = 'lib'",
                o.packages, o.term
            ),
        )
        .expect_err("a package needs confirming");
        assert!(
            refused
                .to_string()
                .contains("deletes every version of the package"),
            "{refused}"
        );
        assert!(e.requests().is_empty(), "{:?}", e.requests());
        s.set_yes(true);
        run(
            &s,
            &format!(
                "DELETE FROM github.packages.{} WHERE {}package_type = 'npm' AND name = 'lib'",
                o.packages, o.term
            ),
        )
        .expect("delete");
        // The WHERE names the method's parameters: sent directly, with no listing first.
        assert_eq!(
            e.requests(),
            vec![format!("DELETE {}/packages/npm/lib", o.prefix)]
        );
        let listed = |name: &str| {
            e.rows(&format!(
                "SELECT count(*) FROM {} WHERE {}package_type = 'npm' AND name = '{name}'",
                o.packages, o.term
            ))
            .expect("query")[0][0]
                .clone()
        };
        assert_eq!(listed("lib"), "0", "deleted");
        // EXEC in the shell restores it.
        e.fake.clear_requests();
        run(
            &s,
            &format!(
                "EXEC github.packages.{}.{} {}@package_type='npm', @package_name='lib'",
                o.packages,
                o.restore_package,
                o.exec_arg()
            ),
        )
        .expect("exec");
        assert_eq!(
            e.requests(),
            vec![format!("POST {}/packages/npm/lib/restore", o.prefix)]
        );
        assert_eq!(listed("lib"), "1", "restored");
        // The SQL function restores `gone`, with the optional token sent as a query parameter.
        e.fake.clear_requests();
        let args = match o.param {
            None => "'npm', 'gone', 'tok'".to_string(),
            Some((_, v)) => format!("'npm', '{v}', 'gone', 'tok'"),
        };
        let ok: String = e
            .conn
            .query_row(&format!("SELECT {}({args})", o.restore_package), [], |r| {
                r.get(0)
            })
            .expect("restore function");
        assert_eq!(ok, "ok");
        assert_eq!(
            e.requests(),
            vec![format!(
                "POST {}/packages/npm/gone/restore?token=tok",
                o.prefix
            )]
        );
        assert_eq!(listed("gone"), "1");
        // A public package with a popular version cannot be deleted; the error says so.
        let err = e
            .conn
            .execute_batch(&format!(
                "SELECT github_sql_confirm_deletes(1); DELETE FROM {} WHERE {}package_type = 'npm' AND name = 'popular'",
                o.packages, o.term
            ))
            .expect_err("refused");
        let msg = error_text(&err);
        assert!(
            msg.starts_with(&format!(
                "DELETE on {} deleted 0 of 1 rows; 1 failed:",
                o.packages
            )),
            "{msg}"
        );
        assert!(
            msg.contains("GitHub answered 400") && msg.contains("5000 downloads"),
            "{msg}"
        );
    }
}

#[test]
fn versions_of_other_owners_list_get_delete_restore() {
    let e = env(store());
    let s = session(&e);
    for o in [&ORG, &USER] {
        let big = format!(
            "FROM {} WHERE {}package_type = 'npm' AND package_name = 'big'",
            o.versions, o.term
        );
        e.fake.clear_requests();
        let ids = e.ids(&format!("SELECT id {big}")).expect("list");
        assert_eq!(ids.len(), 250);
        // Pages 2 and 3 go out together; their arrival order varies.
        let mut reqs = e.requests();
        reqs[1..].sort();
        assert_eq!(
            reqs,
            vec![
                format!("GET {}/packages/npm/big/versions?per_page=100", o.prefix),
                format!(
                    "GET {}/packages/npm/big/versions?per_page=100&page=2",
                    o.prefix
                ),
                format!(
                    "GET {}/packages/npm/big/versions?per_page=100&page=3",
                    o.prefix
                ),
            ]
        );
        let id = ids[0];
        e.fake.clear_requests();
        let rows = e
            .rows(&format!(
                "SELECT id, package_version_id {big} AND id = {id}"
            ))
            .expect("get");
        assert_eq!(rows, vec![vec![id.to_string(), id.to_string()]]);
        assert_eq!(
            e.requests(),
            vec![format!("GET {}/packages/npm/big/versions/{id}", o.prefix)]
        );
        e.fake.clear_requests();
        let n = e
            .conn
            .execute(&format!("DELETE {big} AND package_version_id = {id}"), [])
            .expect("delete");
        assert_eq!(n, 1);
        assert_eq!(
            e.requests_of("DELETE"),
            vec![format!(
                "DELETE {}/packages/npm/big/versions/{id}",
                o.prefix
            )]
        );
        assert_eq!(
            e.ids(&format!("SELECT count(*) {big}")).expect("q"),
            vec![249]
        );
        e.fake.clear_requests();
        run(
            &s,
            &format!(
                "EXEC github.packages.{}.{} {}@package_type='npm', @package_name='big', @package_version_id={id}",
                o.versions,
                o.restore_version,
                o.exec_arg()
            ),
        )
        .expect("exec");
        assert_eq!(
            e.requests(),
            vec![format!(
                "POST {}/packages/npm/big/versions/{id}/restore",
                o.prefix
            )]
        );
        assert_eq!(
            e.ids(&format!("SELECT count(*) {big}")).expect("q"),
            vec![250]
        );
    }
    // Organizations' lists take `state`, like the authenticated user's.
    e.fake.clear_requests();
    e.conn
        .execute(
            "DELETE FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' AND id IN (SELECT min(id) FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib')",
            [],
        )
        .expect("delete");
    let deleted = e
        .rows("SELECT state, deleted_at IS NOT NULL FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' AND state = 'deleted'")
        .expect("deleted");
    assert_eq!(deleted, vec![vec!["deleted", "1"]]);
    let fn_args = "'acme', 'lib', 'npm', (SELECT id FROM org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'lib' AND state = 'deleted')";
    let ok: String = e
        .conn
        .query_row(
            &format!("SELECT restore_package_version_for_org({fn_args})"),
            [],
            |r| r.get(0),
        )
        .expect("restore function");
    assert_eq!(ok, "ok");
}

#[test]
fn missing_parameters_name_the_table_and_the_fix() {
    let e = env(store());
    let cases = [
        ("SELECT * FROM auth_user_packages", "auth_user_packages needs package_type in WHERE (= or IN): SELECT * FROM auth_user_packages WHERE package_type = 'npm'"),
        ("SELECT * FROM org_packages WHERE package_type = 'npm'", "org_packages needs org in WHERE (= or IN): SELECT * FROM org_packages WHERE package_type = 'npm' AND org = 'my-org'"),
        ("SELECT * FROM user_packages WHERE visibility = 'public'", "user_packages needs package_type and username in WHERE (= or IN): SELECT * FROM user_packages WHERE package_type = 'npm' AND username = 'my-username'"),
        ("SELECT * FROM org_versions WHERE org = 'acme'", "org_versions needs package_name and package_type in WHERE (= or IN): SELECT * FROM org_versions WHERE org = 'my-org' AND package_name = 'my-package' AND package_type = 'npm'"),
        ("SELECT * FROM user_versions WHERE package_type = 'npm' AND package_name LIKE 'b%'", "user_versions needs package_name and username in WHERE (= or IN): SELECT * FROM user_versions WHERE package_name = 'my-package' AND package_type = 'npm' AND username = 'my-username'"),
    ];
    for (sql, want) in cases {
        assert_eq!(e.error(sql), want);
    }
    let err = e
        .conn
        .execute("DELETE FROM org_packages WHERE name = 'lib'", [])
        .expect_err("delete without parameters");
    assert!(
        error_text(&err).starts_with("org_packages needs package_type and org in WHERE"),
        "{err}"
    );
    let s = session(&e);
    let err = run(&s, "EXEC github.packages.org_packages.restore_package_for_org @package_type='npm', @package_name='lib'").expect_err("missing org");
    assert_eq!(
        err,
        "restore_package_for_org needs org: EXEC github.packages.org_packages.restore_package_for_org @package_type='npm', @org='my-org', @package_name='my-package'"
    );
    let err = e
        .conn
        .query_row("SELECT restore_package_for_user('npm')", [], |r| {
            r.get::<_, String>(0)
        })
        .expect_err("arity");
    assert!(
        error_text(&err).contains("restore_package_for_user(package_type, username, package_name, token) takes 3 to 4 arguments, got 1"),
        "{err}"
    );
    assert!(e.fake.requests().is_empty(), "{:?}", e.requests());
}

#[test]
fn joins_take_parameters_from_the_outer_row() {
    let mut s = Store::new();
    s.add_org("acme");
    for owner in ["octocat", "acme"] {
        s.add_package_for(owner, "npm", "a").add_versions(2);
        s.add_package_for(owner, "npm", "b").add_versions(3);
        s.add_package_for(owner, "npm", "empty");
        s.add_package_for(owner, "container", "c/d").add_versions(1);
    }
    let e = env(s);
    // The query people write, in both FROM orders: SQLite must put the packages outside.
    for sql in [
        "SELECT p.name, v.name FROM auth_user_packages p JOIN auth_user_versions v ON v.package_name = p.name AND v.package_type = p.package_type WHERE p.package_type = 'npm' ORDER BY 1, 2",
        "SELECT p.name, v.name FROM auth_user_versions v JOIN auth_user_packages p ON v.package_name = p.name AND v.package_type = p.package_type WHERE p.package_type = 'npm' ORDER BY 1, 2",
    ] {
        e.fake.clear_requests();
        let rows = e.rows(sql).expect("join plans");
        assert_eq!(
            rows,
            vec![
                vec!["a", "1.0.0"],
                vec!["a", "1.0.1"],
                vec!["b", "1.0.0"],
                vec!["b", "1.0.1"],
                vec!["b", "1.0.2"],
            ]
        );
        // One list of packages, then one list of versions per package.
        assert_eq!(
            e.requests(),
            vec![
                "GET /user/packages?package_type=npm&per_page=100",
                "GET /user/packages/npm/a/versions?per_page=100",
                "GET /user/packages/npm/b/versions?per_page=100",
                "GET /user/packages/npm/empty/versions?per_page=100",
            ],
            "{sql}"
        );
    }
    e.fake.clear_requests();
    let rows = e
        .rows("SELECT p.name, count(v.id) FROM org_packages p JOIN org_versions v ON v.org = p.org AND v.package_type = p.package_type AND v.package_name = p.name WHERE p.org = 'acme' AND p.package_type IN ('npm', 'container') GROUP BY 1 ORDER BY 1")
        .expect("org join");
    assert_eq!(rows, vec![vec!["a", "2"], vec!["b", "3"], vec!["c/d", "1"]]);
    let mut reqs = e.requests();
    reqs.sort();
    assert_eq!(
        reqs,
        vec![
            "GET /orgs/acme/packages/container/c%2Fd/versions?per_page=100",
            "GET /orgs/acme/packages/npm/a/versions?per_page=100",
            "GET /orgs/acme/packages/npm/b/versions?per_page=100",
            "GET /orgs/acme/packages/npm/empty/versions?per_page=100",
            "GET /orgs/acme/packages?package_type=container&per_page=100",
            "GET /orgs/acme/packages?package_type=npm&per_page=100",
        ]
    );
}

#[test]
fn package_columns_and_scopes_come_from_the_document() {
    let e = env(store());
    let stmt = e
        .conn
        .prepare("SELECT * FROM org_packages WHERE org = 'acme' AND package_type = 'npm'")
        .expect("prepare");
    let names: Vec<&str> = stmt.column_names().collect();
    assert_eq!(
        names,
        vec![
            "id",
            "name",
            "created_at",
            "html_url",
            "owner",
            "package_type",
            "repository",
            "updated_at",
            "url",
            "version_count",
            "visibility",
            "org"
        ]
    );
    let hidden = e
        .rows("SELECT name FROM pragma_table_xinfo('org_packages') WHERE hidden != 0")
        .expect("q");
    assert_eq!(hidden, vec![vec!["package_name"]]);
    // maven needs `repo` too, also when package_type is a query parameter.
    e.fake
        .set_token_policy(TokenPolicy::tokens(&[(TOKEN, &["read:packages"])]));
    let msg =
        e.error("SELECT * FROM user_packages WHERE username = 'hubot' AND package_type = 'maven'");
    assert!(
        msg.contains("the token needs the read:packages and repo scopes"),
        "{msg}"
    );
    let s = session(&e);
    let out = run(&s, "SHOW RESOURCES IN github.packages").expect("show");
    for r in [
        "auth_user_packages",
        "auth_user_versions",
        "org_packages",
        "org_versions",
        "user_packages",
        "user_versions",
    ] {
        assert!(out.contains(&format!("{r},github.packages.{r},")), "{out}");
    }
    let out = run(&s, "SHOW METHODS IN github.packages.user_packages").expect("methods");
    assert!(
        out.contains("restore_package_for_user,\"package_type, username, package_name\",EXEC"),
        "{out}"
    );
    assert!(
        out.contains("list_packages_for_user,\"package_type, username\",SELECT"),
        "{out}"
    );
    let out = run(&s, "DESCRIBE EXTENDED github.packages.org_versions").expect("describe");
    assert!(
        out.contains(
            "org,string,The organization name. The name is not case sensitive.,required in WHERE"
        ),
        "{out}"
    );
    assert!(out.contains("package_version_id,integer,"), "{out}");
}
