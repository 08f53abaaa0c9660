//! HTTP-level tests of the fake, over raw HTTP/1.1 on `std::net::TcpStream`.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::*;

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or("").to_string()
    }

    /// `rel -> url` from the Link header.
    fn links(&self) -> Vec<(String, String)> {
        let Some(link) = self.header("link") else {
            return Vec::new();
        };
        link.split(", ")
            .filter_map(|part| {
                let (url, rel) = part.split_once("; rel=")?;
                Some((
                    rel.trim_matches('"').to_string(),
                    url.trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                ))
            })
            .collect()
    }

    fn link(&self, rel: &str) -> Option<String> {
        self.links()
            .into_iter()
            .find(|(r, _)| r == rel)
            .map(|(_, u)| u)
    }

    fn ids(&self) -> Vec<i64> {
        self.json()
            .as_array()
            .map(|a| a.iter().filter_map(|v| v["id"].as_i64()).collect())
            .unwrap_or_default()
    }
}

/// Sends one request (`Connection: close`) and reads the whole response.
fn raw(base: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> Resp {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Content-Length: 0\r\n\r\n");
    s.write_all(req.as_bytes()).expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_string(),
    }
}

const UA: (&str, &str) = ("User-Agent", "fake-tests/1.0");
const TOKEN: (&str, &str) = ("Authorization", "Bearer t0k");

/// An authenticated request with a User-Agent.
fn call(gh: &FakeGitHub, method: &str, target: &str) -> Resp {
    raw(&gh.base_url(), method, target, &[UA, TOKEN])
}

/// An authenticated GET of an absolute URL from a Link header.
fn follow(gh: &FakeGitHub, url: &str) -> Resp {
    let target = url
        .strip_prefix(&gh.base_url())
        .expect("link uses base url");
    call(gh, "GET", target)
}

fn server_with(setup: impl FnOnce(&mut Store)) -> FakeGitHub {
    let mut store = Store::new();
    setup(&mut store);
    FakeGitHub::start(store).expect("start")
}

const NPM_A: &str = "/user/packages/npm/a/versions";

#[test]
fn pagination_over_250_versions() {
    let gh = server_with(|s| {
        s.add_package("npm", "a").add_versions(250);
    });
    let first = call(&gh, "GET", &format!("{NPM_A}?per_page=100"));
    assert_eq!(first.status, 200);
    let rels: Vec<String> = first.links().into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["next", "last"]);
    let base = gh.base_url();
    assert_eq!(
        first.link("last").as_deref(),
        Some(format!("{base}{NPM_A}?per_page=100&page=3").as_str())
    );

    let mut ids = first.ids();
    let mut sizes = vec![ids.len()];
    let mut next = first.link("next");
    let mut pages = 1;
    while let Some(url) = next {
        let r = follow(&gh, &url);
        assert_eq!(r.status, 200);
        pages += 1;
        let rels: Vec<String> = r.links().into_iter().map(|(r, _)| r).collect();
        if pages == 2 {
            assert_eq!(rels, ["prev", "next", "last", "first"]);
            assert_eq!(
                r.link("prev").as_deref(),
                Some(format!("{base}{NPM_A}?per_page=100&page=1").as_str())
            );
        } else {
            assert_eq!(rels, ["prev", "first"]);
        }
        sizes.push(r.ids().len());
        ids.extend(r.ids());
        next = r.link("next");
    }
    assert_eq!(pages, 3);
    assert_eq!(sizes, [100, 100, 50]);
    // Every id exactly once, newest (highest) first.
    let expected: Vec<i64> = (1..=250).rev().collect();
    assert_eq!(ids, expected);

    let past = call(&gh, "GET", &format!("{NPM_A}?per_page=100&page=4"));
    assert_eq!((past.status, past.body.as_str()), (200, "[]"));
}

#[test]
fn per_page_default_and_clamp() {
    let gh = server_with(|s| {
        s.add_package("npm", "a").add_versions(150);
        s.add_package("npm", "empty");
    });
    let r = call(&gh, "GET", NPM_A);
    assert_eq!(r.ids().len(), 30);
    assert!(r.link("last").is_some_and(|u| u.ends_with("?page=5")));
    let r = call(&gh, "GET", &format!("{NPM_A}?per_page=1000"));
    assert_eq!(r.ids().len(), 100);
    let r = call(&gh, "GET", "/user/packages/npm/empty/versions");
    assert_eq!((r.status, r.body.as_str()), (200, "[]"));
    assert_eq!(r.header("link"), None);
}

#[test]
fn percent_encoded_container_names() {
    let gh = server_with(|s| {
        s.add_package("container", "team/app").add_versions(3);
    });
    let path = "/user/packages/container/team%2Fapp/versions";
    let r = call(&gh, "GET", &format!("{path}?per_page=2"));
    assert_eq!(r.status, 200);
    let v = &r.json()[0];
    let base = gh.base_url();
    assert_eq!(
        v["url"].as_str(),
        Some(format!("{base}/users/octocat/packages/container/team%2Fapp/versions/3").as_str())
    );
    assert_eq!(v["metadata"]["package_type"], "container");
    assert!(v["metadata"]["container"]["tags"].is_array());
    assert_eq!(
        r.link("next").as_deref(),
        Some(format!("{base}{path}?per_page=2&page=2").as_str())
    );
    assert_eq!(call(&gh, "GET", &format!("{path}/2")).json()["id"], 2);

    // A raw slash is another route: 404; double encoding names another package.
    let raw_slash = call(&gh, "GET", "/user/packages/container/team/app/versions");
    assert_eq!(
        (raw_slash.status, raw_slash.message().as_str()),
        (404, "Not Found")
    );
    let double = call(&gh, "GET", "/user/packages/container/team%252Fapp/versions");
    assert_eq!(
        (double.status, double.message().as_str()),
        (404, "Package not found.")
    );

    assert_eq!(gh.requests()[0].path, path);
}

#[test]
fn state_filter_delete_and_restore() {
    let gh = FakeGitHub::demo().expect("demo");
    let list = "/user/packages/npm/hello-world/versions";
    let active = |gh: &FakeGitHub| {
        let mut ids = call(gh, "GET", &format!("{list}?per_page=100")).ids();
        ids.extend(call(gh, "GET", &format!("{list}?per_page=100&page=2")).ids());
        ids
    };
    let before = active(&gh);
    assert_eq!(before.len(), 130);
    let deleted = call(&gh, "GET", &format!("{list}?state=deleted"));
    assert_eq!(deleted.ids().len(), 2);
    assert!(deleted.json()[0]["deleted_at"].is_string());
    assert!(call(&gh, "GET", &format!("{list}?state=active")).json()[0]
        .get("deleted_at")
        .is_none());
    assert_eq!(call(&gh, "GET", &format!("{list}?state=bogus")).status, 422);

    let id = before[0];
    let del = call(&gh, "DELETE", &format!("{list}/{id}"));
    assert_eq!((del.status, del.body.as_str()), (204, ""));
    let after = active(&gh);
    assert_eq!(after.len(), 129);
    assert!(!after.contains(&id));
    let deleted = call(&gh, "GET", &format!("{list}?state=deleted"));
    assert_eq!(deleted.ids()[0], id);
    let got = call(&gh, "GET", &format!("{list}/{id}")).json();
    let when = got["deleted_at"].as_str().unwrap_or("");
    assert!(when.len() == 20 && when.ends_with('Z'), "{when}");
    assert_eq!(call(&gh, "DELETE", &format!("{list}/{id}")).status, 404);

    let res = call(&gh, "POST", &format!("{list}/{id}/restore"));
    assert_eq!((res.status, res.body.as_str()), (204, ""));
    assert_eq!(active(&gh), before);
    assert_eq!(
        call(&gh, "POST", &format!("{list}/{id}/restore")).status,
        404
    );
    assert_eq!(
        call(&gh, "POST", &format!("{list}/999/restore")).status,
        404
    );
    assert!(gh.with_store(|s| s
        .find_version(id)
        .is_some_and(|(_, v)| v.deleted_at.is_none())));
}

#[test]
fn package_lists_of_every_owner() {
    let gh = server_with(|s| {
        s.add_org("acme");
        for owner in ["octocat", "acme", "hubot"] {
            for i in 0..45 {
                s.add_package_for(owner, "npm", &format!("p{i:02}"));
            }
            s.add_package_for(owner, "npm", "pub")
                .set_visibility("public");
            s.add_package_for(owner, "maven", "m");
        }
    });
    for prefix in [
        "/user",
        "/orgs/acme",
        "/orgs/ACME",
        "/users/hubot",
        "/users/octocat",
    ] {
        let first = call(&gh, "GET", &format!("{prefix}/packages?package_type=npm"));
        assert_eq!(first.status, 200, "{prefix}: {}", first.body);
        assert_eq!(first.ids().len(), 30, "default page size");
        let next = first.link("next").expect("next link");
        let second = follow(&gh, &next);
        assert_eq!(second.ids().len(), 16);
        assert!(second.link("next").is_none());
        let public = call(
            &gh,
            "GET",
            &format!("{prefix}/packages?package_type=npm&visibility=public"),
        );
        let json = public.json();
        let names: Vec<&str> = json
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, vec!["pub"], "{prefix}");
        // No granular permissions for maven: `internal` means `private`.
        let internal = call(
            &gh,
            "GET",
            &format!("{prefix}/packages?package_type=maven&visibility=internal"),
        );
        assert_eq!(internal.json()[0]["visibility"], "private", "{prefix}");
    }
    let bad = call(
        &gh,
        "GET",
        "/user/packages?package_type=npm&visibility=secret",
    );
    assert_eq!(bad.status, 422);
    let missing = call(&gh, "GET", "/user/packages");
    assert_eq!(missing.status, 422);
    assert!(missing.message().starts_with("package_type must be one of"));
    let deep = call(
        &gh,
        "GET",
        "/user/packages?package_type=npm&per_page=100&page=101",
    );
    assert_eq!(deep.status, 400);
    assert!(
        deep.message().contains("cannot be greater than 10000"),
        "{}",
        deep.body
    );
    // Unknown owners, and owners of the other kind, are not found.
    for target in [
        "/orgs/nobody/packages?package_type=npm",
        "/orgs/hubot/packages?package_type=npm",
        "/users/acme/packages?package_type=npm",
        "/users/acme/packages/npm/p01/versions",
    ] {
        assert_eq!(call(&gh, "GET", target).status, 404, "{target}");
    }
}

#[test]
fn package_get_delete_restore() {
    let gh = server_with(|s| {
        s.add_org("acme");
        let p = s.add_package_for("acme", "container", "team/app");
        p.set_repository("team").add_versions(2);
        let popular = s.add_package_for("acme", "npm", "popular");
        popular.set_visibility("public").add_versions(1);
        popular.versions[0].downloads = 9000;
    });
    let pkg = "/orgs/acme/packages/container/team%2Fapp";
    let got = call(&gh, "GET", pkg);
    assert_eq!(got.status, 200);
    let j = got.json();
    assert_eq!(j["name"], "team/app");
    assert_eq!(j["version_count"], 2);
    assert_eq!(j["owner"]["type"], "Organization");
    assert_eq!(j["repository"]["full_name"], "acme/team");
    assert!(j["url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/orgs/acme/packages/container/team%2Fapp")));
    assert_eq!(
        call(&gh, "GET", &format!("{pkg}/versions")).json()[0]["url"]
            .as_str()
            .map(|u| u.contains("/orgs/acme/packages/container/team%2Fapp/versions/")),
        Some(true)
    );

    let del = call(&gh, "DELETE", pkg);
    assert_eq!((del.status, del.body.as_str()), (204, ""));
    assert_eq!(call(&gh, "GET", pkg).status, 404);
    assert_eq!(call(&gh, "GET", &format!("{pkg}/versions")).status, 404);
    assert!(
        call(&gh, "GET", "/orgs/acme/packages?package_type=container")
            .ids()
            .is_empty()
    );
    assert_eq!(call(&gh, "DELETE", pkg).status, 404);
    let res = call(&gh, "POST", &format!("{pkg}/restore?token=abc"));
    assert_eq!((res.status, res.body.as_str()), (204, ""));
    assert_eq!(call(&gh, "GET", pkg).status, 200);
    assert_eq!(call(&gh, "POST", &format!("{pkg}/restore")).status, 404);

    let refused = call(&gh, "DELETE", "/orgs/acme/packages/npm/popular");
    assert_eq!(refused.status, 400);
    assert!(
        refused.message().contains("5000 downloads"),
        "{}",
        refused.body
    );
    assert!(refused.json()["documentation_url"]
        .as_str()
        .is_some_and(|d| d.ends_with("#delete-a-package-for-an-organization")));
}

#[test]
fn delete_refusals() {
    let gh = server_with(|s| {
        s.add_package("npm", "a").add_versions(2);
        let p = s.add_package("npm", "pub");
        p.set_visibility("public").add_versions(2);
        p.versions[0].downloads = 5001;
    });
    assert_eq!(call(&gh, "DELETE", &format!("{NPM_A}/2")).status, 204);
    let last = call(&gh, "DELETE", &format!("{NPM_A}/1"));
    assert_eq!(last.status, 400);
    assert_eq!(
        last.message(),
        "You cannot delete the last tagged version of a package. You must delete the package instead."
    );
    assert_eq!(last.json()["status"], "400");
    let popular = call(&gh, "DELETE", "/user/packages/npm/pub/versions/3");
    assert_eq!(popular.status, 400);
    assert!(popular
        .message()
        .starts_with("Publicly visible package versions with more than 5000"));
    assert_eq!(
        call(&gh, "DELETE", "/user/packages/npm/pub/versions/4").status,
        204
    );
    // Id of another package is not found here.
    assert_eq!(
        call(&gh, "DELETE", "/user/packages/npm/pub/versions/1").status,
        404
    );
    assert_eq!(call(&gh, "GET", &format!("{NPM_A}/abc")).status, 404);
}

#[test]
fn auth_and_scopes() {
    let gh = server_with(|s| {
        s.add_package("npm", "a").add_versions(3);
        s.add_package("maven", "m").add_versions(1);
    });
    let b = gh.base_url();
    let missing = raw(&b, "GET", NPM_A, &[UA]);
    assert_eq!(
        (missing.status, missing.message().as_str()),
        (401, "Requires authentication")
    );
    // AnyToken: any scheme-correct token works, `token` scheme too.
    assert_eq!(
        raw(&b, "GET", NPM_A, &[UA, ("Authorization", "token x")]).status,
        200
    );
    assert_eq!(
        raw(&b, "GET", NPM_A, &[UA, ("Authorization", "Bearer ")]).status,
        401
    );
    let no_ua = raw(&b, "GET", NPM_A, &[TOKEN]);
    assert_eq!(no_ua.status, 403);
    assert!(no_ua
        .message()
        .starts_with("Request forbidden by administrative rules"));

    gh.set_token_policy(TokenPolicy::tokens(&[
        ("reader", &["read:packages"]),
        ("deleter", &["read:packages", "delete:packages"]),
        ("writer", &["write:packages"]),
        ("mvn", &["read:packages", "repo"]),
    ]));
    let as_ = |tok: &str, method: &str, target: &str| {
        let auth = format!("Bearer {tok}");
        raw(&b, method, target, &[UA, ("Authorization", auth.as_str())])
    };
    let bad = as_("nope", "GET", NPM_A);
    assert_eq!(
        (bad.status, bad.message().as_str()),
        (401, "Bad credentials")
    );
    let ok = as_("reader", "GET", NPM_A);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("x-oauth-scopes"), Some("read:packages"));
    assert_eq!(ok.header("x-accepted-oauth-scopes"), Some("read:packages"));
    let del = as_("reader", "DELETE", &format!("{NPM_A}/3"));
    assert_eq!(
        (del.status, del.message().as_str()),
        (
            403,
            "You need at least delete:packages scope to delete packages."
        )
    );
    let res = as_("reader", "POST", &format!("{NPM_A}/3/restore"));
    assert_eq!(res.status, 403);
    assert!(res.message().contains("write:packages"));
    assert_eq!(as_("deleter", "DELETE", &format!("{NPM_A}/3")).status, 204);
    // write:packages implies read:packages.
    assert_eq!(
        as_("writer", "POST", &format!("{NPM_A}/3/restore")).status,
        204
    );
    let mvn = "/user/packages/maven/m/versions";
    let no_repo = as_("reader", "GET", mvn);
    assert_eq!(no_repo.status, 403);
    assert!(no_repo.message().contains("repo scope"));
    assert_eq!(as_("mvn", "GET", mvn).status, 200);
}

#[test]
fn github_error_bodies() {
    let gh = server_with(|s| {
        s.add_package("npm", "a").add_versions(1);
    });
    let bad_type = call(&gh, "GET", "/user/packages/pypi/a/versions");
    assert_eq!(bad_type.status, 422);
    assert_eq!(
        bad_type.message(),
        "package_type must be one of: npm, maven, rubygems, docker, nuget, container"
    );
    let nf = call(&gh, "GET", "/user/packages/npm/nope/versions");
    assert_eq!(nf.status, 404);
    let j = nf.json();
    assert_eq!(j["message"], "Package not found.");
    assert_eq!(
        j["documentation_url"],
        "https://docs.github.com/rest/packages/packages"
    );
    assert_eq!(j["status"], "404");
    assert_eq!(
        nf.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let route = call(&gh, "GET", "/repos/x/y");
    assert_eq!((route.status, route.message().as_str()), (404, "Not Found"));
    // Unsupported method on a known path: GitHub says 404 too.
    assert_eq!(call(&gh, "PUT", NPM_A).status, 404);
    assert_eq!(call(&gh, "GET", &format!("{NPM_A}/99")).status, 404);
}

#[test]
fn faults_times_and_matching() {
    let gh = server_with(|s| {
        s.add_package("npm", "a").add_versions(1);
    });
    gh.push_fault(
        Fault::error(502, "Server Error")
            .method("get")
            .path_contains("/npm/a/")
            .times(2),
    );
    gh.push_fault(
        Fault::new(403, r#"{"message":"API rate limit exceeded"}"#)
            .query_contains("page=7")
            .header("x-ratelimit-remaining", "0")
            .header("retry-after", "1"),
    );
    assert_eq!(call(&gh, "GET", NPM_A).status, 502);
    // Method filter: DELETE is not matched (404: version 9 absent).
    assert_eq!(call(&gh, "DELETE", &format!("{NPM_A}/9")).status, 404);
    let second = call(&gh, "GET", NPM_A);
    assert_eq!(
        (second.status, second.message().as_str()),
        (502, "Server Error")
    );
    assert_eq!(
        second.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(call(&gh, "GET", NPM_A).status, 200);

    for _ in 0..2 {
        let limited = call(&gh, "GET", &format!("{NPM_A}?page=7"));
        assert_eq!(limited.status, 403);
        assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
        assert_eq!(limited.header("retry-after"), Some("1"));
        assert_eq!(limited.header("x-ratelimit-limit"), Some("5000"));
    }
    gh.clear_faults();
    assert_eq!(call(&gh, "GET", &format!("{NPM_A}?page=7")).status, 200);
    // Faulted requests are logged too.
    assert_eq!(gh.requests().len(), 7);

    // A spent fault stays spent; faults apply before the User-Agent check.
    gh.push_fault(Fault::new(500, "").times(0));
    gh.push_fault(Fault::new(503, "").times(1));
    assert_eq!(raw(&gh.base_url(), "GET", NPM_A, &[]).status, 503);
    assert_eq!(call(&gh, "GET", NPM_A).status, 200);
}

#[test]
fn rate_limit_headers() {
    let gh = server_with(|s| {
        s.add_package("npm", "a");
    });
    let a = call(&gh, "GET", NPM_A);
    let b = call(&gh, "GET", "/nowhere");
    let c = raw(&gh.base_url(), "GET", NPM_A, &[UA]);
    for (r, used) in [(&a, 1), (&b, 2), (&c, 3)] {
        assert_eq!(r.header("x-ratelimit-limit"), Some("5000"));
        assert_eq!(
            r.header("x-ratelimit-used"),
            Some(used.to_string().as_str())
        );
        assert_eq!(
            r.header("x-ratelimit-remaining"),
            Some((5000 - used).to_string().as_str())
        );
        assert_eq!(r.header("x-ratelimit-resource"), Some("core"));
        assert_eq!(r.header("x-ratelimit-reset"), a.header("x-ratelimit-reset"));
        assert!(r.header("x-github-request-id").is_some());
    }
    assert_ne!(
        a.header("x-github-request-id"),
        b.header("x-github-request-id")
    );
    let reset: i64 = a
        .header("x-ratelimit-reset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let ahead = reset - store::now_epoch();
    assert!((3500..=3600).contains(&ahead), "{ahead}");
}

#[test]
fn request_log_contents() {
    let gh = FakeGitHub::demo().expect("demo");
    let target = "/user/packages/container/octo%2Fapp/versions?per_page=5&state=active";
    let headers = [
        UA,
        TOKEN,
        ("Accept", "application/vnd.github+json"),
        ("X-GitHub-Api-Version", "2022-11-28"),
    ];
    let r = raw(&gh.base_url(), "GET", target, &headers);
    assert_eq!(
        r.header("x-github-api-version-selected"),
        Some("2022-11-28")
    );
    call(&gh, "DELETE", "/user/packages/npm/hello-world/versions/1");
    let log = gh.requests();
    assert_eq!(log.len(), 2);
    let l = &log[0];
    assert_eq!(l.method, "GET");
    assert_eq!(l.path, "/user/packages/container/octo%2Fapp/versions");
    assert_eq!(l.query.as_deref(), Some("per_page=5&state=active"));
    assert_eq!(l.authorization.as_deref(), Some("Bearer t0k"));
    assert_eq!(l.user_agent.as_deref(), Some("fake-tests/1.0"));
    assert_eq!(l.accept.as_deref(), Some("application/vnd.github+json"));
    assert_eq!(l.api_version.as_deref(), Some("2022-11-28"));
    assert_eq!(
        (log[1].method.as_str(), log[1].query.as_deref()),
        ("DELETE", None)
    );
    gh.clear_requests();
    assert!(gh.requests().is_empty());
}

#[test]
fn demo_json_shapes() {
    let gh = FakeGitHub::demo().expect("demo");
    let app = call(&gh, "GET", "/user/packages/container/octo%2Fapp/versions");
    let rows = app.json();
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 9);
    assert_eq!(
        rows[2]["metadata"]["container"]["tags"],
        serde_json::json!(["latest", "v1.2.0"])
    );
    let tagged = rows
        .iter()
        .filter(|r| {
            r["metadata"]["container"]["tags"]
                .as_array()
                .is_some_and(|t| !t.is_empty())
        })
        .count();
    assert_eq!(tagged, 4);

    let lib = call(
        &gh,
        "GET",
        "/user/packages/maven/com.example.app-lib/versions",
    );
    let v = &lib.json()[0];
    let keys: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "url",
            "package_html_url",
            "license",
            "created_at",
            "updated_at",
            "description",
            "html_url",
            "metadata"
        ]
    );
    assert_eq!(v["name"], "2.0.0");
    assert_eq!(v["metadata"], serde_json::json!({"package_type": "maven"}));
    let empty = call(&gh, "GET", "/user/packages/npm/empty-pkg/versions");
    assert_eq!(empty.body, "[]");

    // Public popular versions of the demo are protected.
    let id = gh.with_store(|s| {
        s.package("npm", "hello-world")
            .and_then(|p| p.versions.iter().find(|v| v.name == "1.0.0"))
            .map(|v| v.id)
            .unwrap_or(0)
    });
    let r = call(
        &gh,
        "DELETE",
        &format!("/user/packages/npm/hello-world/versions/{id}"),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn docker_metadata_and_live_store_edits() {
    let gh = server_with(|_| {});
    let path = "/user/packages/docker/img/versions";
    assert_eq!(call(&gh, "GET", path).status, 404);
    gh.with_store(|s| {
        s.add_package("docker", "img")
            .add_version(Version::new("sha256:ab", "2021-01-01T00:00:00Z").with_tags(&["v1"]));
    });
    let r = call(&gh, "GET", path);
    assert_eq!(
        r.json()[0]["metadata"],
        serde_json::json!({"package_type": "docker", "docker": {"tag": ["v1"]}})
    );
}

#[test]
fn latency_is_applied() {
    let gh = server_with(|s| {
        s.add_package("npm", "a");
    });
    gh.set_latency(Duration::from_millis(250));
    let t = Instant::now();
    assert_eq!(call(&gh, "GET", NPM_A).status, 200);
    assert_eq!(call(&gh, "GET", "/x").status, 404);
    assert!(t.elapsed() >= Duration::from_millis(500));
}

#[test]
fn drop_is_prompt_with_request_in_flight() {
    let gh = server_with(|s| {
        s.add_package("npm", "a");
    });
    gh.set_latency(Duration::from_secs(30));
    let base = gh.base_url();
    let addr = base.trim_start_matches("http://").to_string();
    let mut conn = TcpStream::connect(&addr).expect("connect");
    conn.write_all(b"GET /x HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n")
        .expect("write");
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    drop(gh);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(TcpStream::connect(&addr).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_inside_a_tokio_runtime() {
    let gh = FakeGitHub::demo().expect("start inside runtime");
    let base = gh.base_url();
    let r = tokio::task::spawn_blocking(move || {
        raw(
            &base,
            "GET",
            "/user/packages/npm/hello-world/versions?per_page=100",
            &[UA, TOKEN],
        )
    })
    .await
    .expect("join");
    assert_eq!(r.status, 200);
    let ids: HashSet<i64> = r.ids().into_iter().collect();
    assert_eq!(ids.len(), 100);
    // Dropping inside a runtime must not panic.
    drop(gh);
}

#[tokio::test(flavor = "current_thread")]
async fn works_inside_a_current_thread_runtime() {
    let gh = server_with(|s| {
        s.add_package("npm", "a").add_versions(1);
    });
    // Blocking here is fine: the server has its own thread and runtime.
    assert_eq!(call(&gh, "GET", NPM_A).status, 200);
}

#[test]
fn schema_routes_answer_after_the_curated_ones() {
    let doc = serde_json::json!({
        "paths": {
            "/repos/{owner}/{repo}/hooks": {"get": {"responses": {"200": {"content": {
                "application/json": {"schema": {"type": "array", "items": {
                    "type": "object", "properties": {"id": {"type": "integer"}}}}}}}}}},
            "/user/packages": {"get": {"responses": {"200": {"content": {
                "application/json": {"schema": {"type": "array", "items": {
                    "type": "object", "properties": {"schema_said": {"type": "integer"}}}}}}}}}}
        }
    });
    let mut store = Store::new();
    store.add_package("npm", "a");
    let gh = FakeGitHub::with_schema_routes(store, vec![doc]).expect("start");
    let hooks = call(&gh, "GET", "/repos/o/r/hooks?per_page=100");
    assert_eq!(hooks.status, 200);
    assert_eq!(hooks.ids().len(), schema::LIST_LEN);
    assert!(hooks.header("link").is_none(), "one page");
    // The curated packages route still answers its own path.
    let pkgs = call(&gh, "GET", "/user/packages?package_type=npm");
    assert_eq!(pkgs.json()[0]["name"], "a", "{}", pkgs.body);
    assert_eq!(call(&gh, "GET", "/repos/o/r/nothing").status, 404);
    let log = gh.requests();
    assert_eq!(log[0].path, "/repos/o/r/hooks");
    assert_eq!(log[0].query.as_deref(), Some("per_page=100"));
}

#[test]
fn demo_repositories_and_runs_are_served_paged_with_urls_here() {
    let gh = FakeGitHub::demo().expect("demo");
    let base = gh.base_url();
    let repo = call(&gh, "GET", "/repos/octocat/app-lib");
    assert_eq!(repo.status, 200);
    let r = repo.json();
    assert_eq!(r["archived"], true);
    assert_eq!(r["url"], format!("{base}/repos/octocat/app-lib"));
    assert_eq!(r["owner"]["url"], format!("{base}/users/octocat"));
    // The package names the same repository, with the same id.
    let pkg = call(&gh, "GET", "/user/packages/maven/com.example.app-lib").json();
    assert_eq!(pkg["repository"]["id"], r["id"]);

    let page = call(
        &gh,
        "GET",
        "/repos/octocat/octo-web/actions/runs?per_page=3",
    );
    let body = page.json();
    assert_eq!(body["total_count"], 7);
    assert_eq!(body["workflow_runs"].as_array().map(Vec::len), Some(3));
    assert!(body["workflow_runs"][0]["url"]
        .as_str()
        .is_some_and(|u| u.starts_with(&format!("{base}/repos/octocat/octo-web/actions/runs/"))));
    let link = page.header("link").unwrap_or_default();
    assert!(link.contains("per_page=3&page=3>; rel=\"last\""), "{link}");
    let id = body["workflow_runs"][1]["id"].as_i64().unwrap_or_default();
    let one = call(
        &gh,
        "GET",
        &format!("/repos/octocat/octo-web/actions/runs/{id}"),
    );
    assert_eq!(one.json()["id"], id);
    let mine = call(&gh, "GET", "/user/repos").json();
    assert_eq!(mine.as_array().map(Vec::len), Some(4));
    let org = call(&gh, "GET", "/orgs/octo-org/repos").json();
    assert_eq!(org.as_array().map(Vec::len), Some(3));
}

#[test]
fn schema_routes_answer_writes_texts_and_redirects_to_another_host() {
    let doc = serde_json::json!({
        "paths": {
            "/repos/{owner}/{repo}/hooks/{hook_id}": {"delete": {
                "responses": {"204": {"description": "No Content"}}}},
            "/markdown/raw": {"post": {"responses": {"200": {"content": {
                "text/html": {"schema": {"type": "string"}}}}}}},
            "/repos/{owner}/{repo}/tarball/{ref}": {"get": {
                "operationId": "repos/download-tarball-archive",
                "responses": {"302": {"description": "Found"}}}}
        }
    });
    let gh = FakeGitHub::with_schema_routes(Store::new(), vec![doc]).expect("start");
    let del = call(&gh, "DELETE", "/repos/o/r/hooks/1");
    assert_eq!((del.status, del.body.as_str()), (204, ""));
    let md = call(&gh, "POST", "/markdown/raw");
    assert_eq!(md.status, 200);
    assert!(md
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    let tar = call(&gh, "GET", "/repos/o/r/tarball/main");
    assert_eq!(tar.status, 302);
    let base = gh.base_url();
    let to = tar.header("location").unwrap_or_default().to_string();
    assert_eq!(
        to,
        format!("{}/_downloads/repos/o/r/tarball/main", other_host(&base))
    );
    assert_ne!(other_host(&base), base, "another host name");
    // The target serves the bytes, without a token, and is logged like any request.
    let target = to.trim_start_matches(&other_host(&base));
    let bytes = raw(&base, "GET", target, &[UA]);
    assert_eq!(bytes.status, 200);
    assert_eq!(
        bytes.body.as_bytes(),
        download_bytes("/_downloads/repos/o/r/tarball/main").as_slice()
    );
    let log = gh.requests();
    assert_eq!(
        log.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(),
        ["DELETE", "POST", "GET", "GET"]
    );
    assert_eq!(log[3].authorization, None);
}
