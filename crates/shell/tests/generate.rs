//! `github-sql generate`: GitHub's REST description → a StackQL-layout provider directory.
//! (a) A small committed fixture: the exact resources, methods, verbs and objectKeys, and
//! byte-identical output on a second run. (b) GitHub's real description (GITHUB_SQL_TEST_OPENAPI,
//! set by scripts/test.sh and CI): every operation covered, and the output loads in the engine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/generate/openapi.json"
);
const VERSION_DIR: &str = "github/v00.00.00000";

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("github-sql-generate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read output dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("prefix")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read output file"));
            }
        }
    }
    out
}

fn yaml(path: &Path) -> Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).expect("read yaml")).expect("parse yaml")
}

/// `service.resource.method` → `verb[ objectKey]` for every method of the generated services
/// (the curated packages and registry documents left out).
fn methods(out: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let provider = yaml(&out.join(VERSION_DIR).join("provider.yaml"));
    for (svc, _) in provider["providerServices"].as_object().expect("services") {
        if svc == "packages" || svc == "registry" {
            continue;
        }
        let doc = yaml(&out.join(VERSION_DIR).join(format!("services/{svc}.yaml")));
        for (rname, r) in doc["components"]["x-stackQL-resources"]
            .as_object()
            .expect("resources")
        {
            let mut verb_of = BTreeMap::new();
            for (verb, list) in r["sqlVerbs"].as_object().expect("sqlVerbs") {
                for e in list.as_array().expect("list") {
                    let m = e["$ref"]
                        .as_str()
                        .expect("ref")
                        .rsplit('/')
                        .next()
                        .expect("name");
                    verb_of.insert(m.to_string(), verb.clone());
                }
            }
            for (mname, m) in r["methods"].as_object().expect("methods") {
                let verb = verb_of.get(mname).cloned().unwrap_or_else(|| "exec".into());
                let key = m["response"]["objectKey"]
                    .as_str()
                    .map(|k| format!(" {k}"))
                    .unwrap_or_default();
                found.insert(format!("{svc}.{rname}.{mname}"), format!("{verb}{key}"));
            }
        }
    }
    found
}

#[test]
fn fixture_gives_the_stated_resources_methods_and_verbs() {
    let out = temp_dir("fixture");
    let s = github_sql_generator::generate(Path::new(FIXTURE), &out).expect("generate");
    assert_eq!((s.operations, s.methods, s.curated_operations), (21, 21, 0));
    let got = methods(&out);
    let want: BTreeMap<String, String> = [
        // A wrapped list (total_count + one array) pages with objectKey; gets, the DELETE and
        // the PATCH on the same path join it; a POST answering 202 is EXEC.
        ("actions.workflow_runs.list_workflow_runs_for_repo", "select $.workflow_runs"),
        ("actions.workflow_runs.get_workflow_run", "select"),
        ("actions.workflow_runs.delete_workflow_run", "delete"),
        ("actions.workflow_runs.update_workflow_run_note", "update"),
        ("actions.workflow_runs.cancel_workflow_run", "exec"),
        // Another row schema in the same subcategory is its own resource, named after it.
        ("actions.workflow_run_usage.get_workflow_run_usage", "select"),
        ("actions.secrets.list_repo_secrets", "select $.secrets"),
        ("actions.secrets.get_repo_secret", "select"),
        // Same row schema and the same required parameters as list_repo_secrets: a WHERE could
        // not choose, so the longer-named one is its own resource.
        (
            "actions.repo_organization_secrets.list_repo_organization_secrets",
            "select $.secrets",
        ),
        // `public_key` is the subcategory of another operation, so the split resource is
        // `<base>_<schema>`.
        ("actions.secrets_public_key.get_repo_public_key", "select"),
        ("actions.public_key.rotate_org_public_key", "exec"),
        // A plain array list; a POST answering 201 with a body is INSERT; a `$ref` 200 is a get.
        ("repos.webhooks.list_webhooks", "select"),
        ("repos.webhooks.create_webhook", "insert"),
        ("repos.webhooks.get_webhook", "select"),
        ("repos.webhooks.delete_webhook", "delete"),
        // Two tags: the first one is the service.
        ("orgs.webhooks.list_webhooks", "select"),
        // A GET without a body (204) is EXEC; PUT is REPLACE.
        ("activity.starring.check_repo_is_starred_by_authenticated_user", "exec"),
        ("activity.starring.star_repo_for_authenticated_user", "replace"),
        // A row that is `oneOf` two schemas: its columns are theirs.
        ("users.users.get_by_username", "select"),
        // A map (no properties) has no columns: EXEC.
        ("emojis.emojis.get", "exec"),
        // A `packages` operation the curated document lacks.
        (
            "packages_generated.packages.list_docker_migration_conflicting_packages_for_authenticated_user",
            "select",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want);

    let actions = yaml(&out.join(VERSION_DIR).join("services/actions.yaml"));
    // Service-level pagination by the Link header, as StackQL's provider writes it.
    assert_eq!(
        actions["x-stackQL-config"]["pagination"]["responseToken"],
        serde_json::json!({"key": "Link", "location": "header"})
    );
    let m = &actions["components"]["x-stackQL-resources"]["workflow_runs"]["methods"];
    assert_eq!(
        m["list_workflow_runs_for_repo"]["operation"]["$ref"],
        "#/paths/~1repos~1{owner}~1{repo}~1actions~1runs/get"
    );
    assert_eq!(
        m["update_workflow_run_note"]["request"]["mediaType"],
        "application/json"
    );
    assert_eq!(
        m["update_workflow_run_note"]["config"]["requestBodyTranslate"]["algorithm"],
        "naive"
    );
    assert_eq!(m["delete_workflow_run"]["response"]["openAPIDocKey"], "204");
    // Only what the service needs: its paths, the schemas they reach, no examples.
    let paths: BTreeSet<&str> = actions["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(paths.contains("/repos/{owner}/{repo}/actions/runs"));
    assert!(!paths.contains("/repos/{owner}/{repo}/hooks"));
    let schemas: BTreeSet<&str> = actions["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        schemas.contains("simple-user"),
        "reached through workflow-run: {schemas:?}"
    );
    assert!(
        !schemas.contains("hook") && !schemas.contains("unused"),
        "{schemas:?}"
    );
    let repos_text =
        std::fs::read_to_string(out.join(VERSION_DIR).join("services/repos.yaml")).expect("repos");
    assert!(!repos_text.contains("examples"), "examples are dropped");
    assert!(repos_text.contains("#/components/responses/hook"));

    // The curated documents are copied byte for byte.
    let curated = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../provider-spec")
        .join(VERSION_DIR);
    for f in ["services/packages.yaml", "services/registry.yaml"] {
        assert_eq!(
            std::fs::read(out.join(VERSION_DIR).join(f)).expect("copied"),
            std::fs::read(curated.join(f)).expect("curated"),
            "{f}"
        );
    }

    // Deterministic: a second run, into another folder and into the same one, is identical.
    let again = temp_dir("fixture-again");
    github_sql_generator::generate(Path::new(FIXTURE), &again).expect("generate again");
    assert_eq!(tree(&out), tree(&again));
    let before = tree(&out);
    github_sql_generator::generate(Path::new(FIXTURE), &out).expect("generate over");
    assert_eq!(before, tree(&out));

    // The engine loads it: every generated method is served or listed as unserved.
    let provider = github_sql::spec::load_dir(&out).expect("the output loads");
    let r = provider
        .services
        .iter()
        .find(|s| s.name == "actions")
        .and_then(|s| s.resources.iter().find(|r| r.name == "workflow_runs"))
        .expect("actions.workflow_runs");
    let list = r
        .methods
        .iter()
        .find(|m| m.name == "list_workflow_runs_for_repo")
        .expect("list");
    assert_eq!(list.object_key.as_deref(), Some("workflow_runs"));
    assert!(r
        .select
        .iter()
        .any(|&i| r.methods[i].name == "list_workflow_runs_for_repo"));
    let users = provider
        .services
        .iter()
        .find(|s| s.name == "users")
        .and_then(|s| s.resources.iter().find(|r| r.name == "users"))
        .expect("users.users");
    let cols: Vec<&str> = users.columns.iter().map(|c| c.name.as_str()).collect();
    for c in ["id", "login", "plan", "username"] {
        assert!(cols.contains(&c), "{c} in {cols:?}");
    }
    // A method with a JSON body is served, its body fields as data__ parameters.
    assert!(!provider
        .unserved
        .iter()
        .any(|u| u.method.as_deref() == Some("create_webhook")));
    assert!(provider
        .resources()
        .flat_map(|r| r.methods.iter())
        .any(|m| m.name == "create_webhook" && m.param("data__name").is_some()));
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&again);
}

#[test]
fn cli_generates_and_names_a_bad_input() {
    let bin = env!("CARGO_BIN_EXE_github-sql");
    let out = temp_dir("cli");
    let ok = Command::new(bin)
        .args(["generate", "--from", FIXTURE, "--out"])
        .arg(&out)
        .output()
        .expect("run");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert!(
        stderr.contains("21 operations") && stderr.contains("21 methods"),
        "{stderr}"
    );
    let shown = Command::new(bin)
        .args(["exec", "SHOW METHODS IN github.actions.workflow_runs"])
        .env("GITHUB_SQL_PROVIDER_DIR", &out)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    assert!(
        text.contains("list_workflow_runs_for_repo") && text.contains("SELECT"),
        "{text}"
    );

    let bad = Command::new(bin)
        .args([
            "generate",
            "--from",
            "/nonexistent/api.github.com.json",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--from /nonexistent/api.github.com.json") && err.contains("cannot read"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// The variable's value, or `None` (skipping) when it is unset outside CI; CI must set it.
fn input_from_env(var: &str) -> Option<PathBuf> {
    let v = std::env::var_os(var);
    if v.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI sets {var}");
        eprintln!("skipped: {var} is not set");
    }
    v.map(PathBuf::from)
}

#[test]
fn github_description_is_covered_and_loads() {
    let Some(input) = input_from_env("GITHUB_SQL_TEST_OPENAPI") else {
        return;
    };
    let desc: Value =
        serde_json::from_str(&std::fs::read_to_string(&input).expect("read the description"))
            .expect("JSON");
    let mut all = BTreeSet::new();
    for (path, item) in desc["paths"].as_object().expect("paths") {
        for (m, _) in item.as_object().expect("path item") {
            if [
                "get", "put", "post", "patch", "delete", "head", "options", "trace",
            ]
            .contains(&m.as_str())
            {
                all.insert((m.clone(), path.clone()));
            }
        }
    }
    let out = temp_dir("github");
    let s = github_sql_generator::generate(&input, &out).expect("generate");
    assert_eq!(s.operations, all.len());
    // One method per operation, plus the further arrays of envelopes and the other media
    // types of answers (docs/generator.md, rules 9 and 10).
    assert_eq!(
        s.methods - s.envelope_methods - s.media_methods + s.curated_operations,
        all.len()
    );
    assert_eq!((s.envelope_methods, s.media_methods), (5, 8));

    // Every operation is the target of a method: generated, or in a curated document's paths.
    let provider = yaml(&out.join(VERSION_DIR).join("provider.yaml"));
    let mut covered = BTreeSet::new();
    let mut documented_methods = 0;
    for (svc, _) in provider["providerServices"].as_object().expect("services") {
        let doc = yaml(&out.join(VERSION_DIR).join(format!("services/{svc}.yaml")));
        let curated = svc == "packages" || svc == "registry";
        for (p, item) in doc["paths"].as_object().into_iter().flatten() {
            for (m, _) in item.as_object().into_iter().flatten() {
                if curated {
                    covered.insert((m.clone(), p.clone()));
                }
            }
        }
        for (_, r) in doc["components"]["x-stackQL-resources"]
            .as_object()
            .expect("resources")
        {
            for (_, m) in r["methods"].as_object().expect("methods") {
                documented_methods += 1;
                let op = m["operation"]["$ref"].as_str().expect("operation ref");
                let (p, verb) = op
                    .trim_start_matches("#/paths/")
                    .rsplit_once('/')
                    .expect("ref shape");
                covered.insert((verb.to_string(), p.replace("~1", "/").replace("~0", "~")));
            }
        }
    }
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "operations without a method: {missing:?}"
    );

    // It loads, and nothing is lost: each method is served or listed as unserved with a reason.
    let loaded = github_sql::spec::load_dir(&out).expect("the generated provider loads");
    let served: usize = loaded
        .services
        .iter()
        .flat_map(|s| s.resources.iter())
        .map(|r| r.methods.len())
        .sum();
    let unserved = loaded
        .unserved
        .iter()
        .filter(|u| u.method.is_some())
        .count();
    assert_eq!(served + unserved, documented_methods);
    assert!(loaded.unserved.iter().all(|u| !u.reason.is_empty()));

    let runs = loaded
        .services
        .iter()
        .find(|s| s.name == "actions")
        .and_then(|s| s.resources.iter().find(|r| r.name == "workflow_runs"))
        .expect("actions.workflow_runs");
    let list = runs
        .methods
        .iter()
        .find(|m| m.name == "list_workflow_runs_for_repo")
        .expect("list_workflow_runs_for_repo");
    assert_eq!(list.object_key.as_deref(), Some("workflow_runs"));
    assert!(runs
        .select
        .iter()
        .any(|&i| runs.methods[i].name == list.name));

    let bin = env!("CARGO_BIN_EXE_github-sql");
    let shown = Command::new(bin)
        .args([
            "-o",
            "csv",
            "exec",
            "SHOW SERVICES; SHOW METHODS IN github.actions.workflow_runs",
        ])
        .env("GITHUB_SQL_PROVIDER_DIR", &out)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    assert!(
        text.contains("github.repos") && text.contains("github.packages"),
        "{text}"
    );
    assert!(text.contains("list_workflow_runs_for_repo,"), "{text}");
    let _ = std::fs::remove_dir_all(&out);
}

/// A small description for the rules of docs/generator.md that decide what a statement means:
/// row → parameter mappings, envelopes, where writes go and when they are split.
fn semantics_description() -> Value {
    let path = |name: &str, t: &str| serde_json::json!({"name": name, "in": "path", "required": true, "schema": {"type": t}});
    let ok = |schema: Value| serde_json::json!({"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}});
    let none = serde_json::json!({"204": {"description": "No Content"}});
    let r = |name: &str| serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
    let gh = |sub: &str| serde_json::json!({"category": "x", "subcategory": sub});
    let op = |tag: &str, id: &str, sub: &str, params: Vec<Value>, responses: Value| {
        serde_json::json!({"tags": [tag], "operationId": format!("{tag}/{id}"), "x-github": gh(sub),
            "parameters": params, "responses": responses})
    };
    let (owner, repo, org) = (
        path("owner", "string"),
        path("repo", "string"),
        path("org", "string"),
    );
    let mut git_ref = path("ref", "string");
    git_ref["example"] = serde_json::json!("heads/feature-a");
    git_ref["x-multi-segment"] = serde_json::json!(true);
    serde_json::json!({
        "openapi": "3.0.3",
        "info": {"version": "1.1.4"},
        "paths": {
            "/orgs/{org}/actions/runners": {"get": op("actions", "list-runners", "self-hosted-runners",
                vec![org.clone(), serde_json::json!({"name": "per_page", "in": "query", "schema": {"type": "integer"}})],
                ok(serde_json::json!({"type": "object", "properties": {"total_count": {"type": "integer"},
                    "runners": {"type": "array", "items": r("runner")}}})))},
            "/orgs/{org}/actions/runners/{runner_id}": {
                "get": op("actions", "get-runner", "self-hosted-runners", vec![org.clone(), path("runner_id", "integer")], ok(r("runner"))),
                "delete": op("actions", "delete-runner", "self-hosted-runners", vec![org.clone(), path("runner_id", "integer")], none.clone())},
            "/orgs/{org}/actions/runners/{runner_id}/labels": {"get": op("actions", "list-labels", "self-hosted-runners",
                vec![org.clone(), path("runner_id", "integer")],
                ok(serde_json::json!({"type": "object", "properties": {"total_count": {"type": "integer"},
                    "labels": {"type": "array", "items": r("runner-label")}}})))},
            "/orgs/{org}/actions/runners/{runner_id}/labels/{name}": {"delete": op("actions", "remove-label", "self-hosted-runners",
                vec![org.clone(), path("runner_id", "integer"), path("name", "string")], none.clone())},
            "/repos/{owner}/{repo}/git/refs/{ref}": {
                "get": {"tags": ["git"], "operationId": "git/get-ref", "x-github": gh("refs"),
                    "parameters": [owner.clone(), repo.clone(), git_ref.clone()],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": r("git-ref"),
                        "examples": {"default": {"value": {"ref": "refs/heads/featureA", "node_id": "n"}}}}}}}},
                "delete": op("git", "delete-ref", "refs", vec![owner.clone(), repo.clone(), git_ref], none.clone())},
            "/repos/{owner}/{repo}/collaborators": {"get": op("repos", "list-collaborators", "collaborators",
                vec![owner.clone(), repo.clone()], ok(serde_json::json!({"type": "array", "items": r("simple-user")})))},
            "/repos/{owner}/{repo}/collaborators/{username}": {
                "get": op("repos", "check-collaborator", "collaborators", vec![owner.clone(), repo.clone(), path("username", "string")], none.clone()),
                "delete": op("repos", "remove-collaborator", "collaborators", vec![owner.clone(), repo.clone(), path("username", "string")], none.clone())},
            "/user/starred": {"get": op("activity", "list-starred", "starring", vec![],
                ok(serde_json::json!({"type": "array", "items": r("repository")})))},
            "/user/starred/{owner}/{repo}": {"delete": op("activity", "unstar", "starring", vec![owner.clone(), repo.clone()], none.clone())},
            "/orgs/{org}/members": {"get": op("orgs", "list-members", "members", vec![org.clone()],
                ok(serde_json::json!({"type": "array", "items": r("simple-user")})))},
            "/orgs/{org}/members/{username}": {"delete": op("orgs", "remove-member", "members", vec![org.clone(), path("username", "string")], none.clone())},
            "/orgs/{org}/memberships/{username}": {
                "get": op("orgs", "get-membership-for-user", "members", vec![org.clone(), path("username", "string")], ok(r("org-membership"))),
                "delete": op("orgs", "remove-membership-for-user", "members", vec![org.clone(), path("username", "string")], none.clone())},
            "/orgs/{org}/public_members": {"get": op("orgs", "list-public-members", "members", vec![org.clone()],
                ok(serde_json::json!({"type": "array", "items": r("simple-user")})))},
            "/orgs/{org}/public_members/{username}": {"delete": op("orgs", "remove-public-membership", "members", vec![org.clone(), path("username", "string")], none.clone())},
            "/repos/{owner}/{repo}/traffic/clones": {"get": op("repos", "get-clones", "traffic", vec![owner.clone(), repo.clone()], ok(r("clone-traffic")))},
            "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": {"get": op("pulls", "list-requested-reviewers", "review-requests",
                vec![owner.clone(), repo.clone(), path("pull_number", "integer")], ok(r("review-request")))},
            "/repos/{owner}/{repo}/actions/runs/{run_id}": {
                "get": op("actions", "get-workflow-run", "workflow-runs", vec![owner.clone(), repo.clone(), path("run_id", "integer")], ok(r("workflow-run"))),
                "delete": op("actions", "delete-workflow-run", "workflow-runs", vec![owner.clone(), repo.clone(), path("run_id", "integer")], none.clone())},
            "/repos/{owner}/{repo}/actions/runs/{run_id}/logs": {
                "delete": op("actions", "delete-workflow-run-logs", "workflow-runs", vec![owner.clone(), repo.clone(), path("run_id", "integer")], none.clone())}
        },
        "components": {"schemas": {
            "runner": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                "labels": {"type": "array", "items": r("runner-label")}}, "required": ["id", "name", "labels"]},
            "runner-label": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "git-ref": {"type": "object", "properties": {"ref": {"type": "string"}, "node_id": {"type": "string"}}},
            "simple-user": {"type": "object", "properties": {"login": {"type": "string"}, "id": {"type": "integer"}}},
            "repository": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "owner": r("simple-user")}},
            "org-membership": {"type": "object", "properties": {"state": {"type": "string"}, "user": r("simple-user")}},
            "traffic": {"type": "object", "properties": {"timestamp": {"type": "string"}, "count": {"type": "integer"}, "uniques": {"type": "integer"}}},
            "clone-traffic": {"type": "object", "required": ["count", "uniques", "clones"], "properties": {
                "count": {"type": "integer"}, "uniques": {"type": "integer"}, "clones": {"type": "array", "items": r("traffic")}}},
            "team": {"type": "object", "properties": {"id": {"type": "integer"}, "slug": {"type": "string"}}},
            "review-request": {"type": "object", "required": ["users", "teams"], "properties": {
                "users": {"type": "array", "items": r("simple-user")}, "teams": {"type": "array", "items": r("team")}}},
            "workflow-run": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
        }}
    })
}

#[test]
fn mappings_envelopes_and_write_splits_follow_the_rules() {
    let (files, s) = github_sql_generator::render(&semantics_description()).expect("renders");
    let doc = |svc: &str| -> Value {
        let text = &files
            .iter()
            .find(|(p, _)| p.ends_with(&format!("services/{svc}.yaml")))
            .unwrap_or_else(|| panic!("{svc}"))
            .1;
        serde_yaml_ng::from_str(text).expect("yaml")
    };
    let resource_of = |svc: &str, method: &str| -> (String, Value) {
        let d = doc(svc);
        d["components"]["x-stackQL-resources"]
            .as_object()
            .expect("resources")
            .iter()
            .find(|(_, r)| r["methods"].get(method).is_some())
            .map(|(n, r)| (n.clone(), r.clone()))
            .unwrap_or_else(|| panic!("{method}"))
    };
    let mapping = |r: &Value| r["x-github-sql"]["paramFields"].clone();

    // Runners: the runner's own id; the label delete goes to the labels (its collection),
    // whose rows give the label's `name`: a runner's row never gives it.
    let (runners, r) = resource_of("actions", "delete_runner");
    assert_eq!(mapping(&r), serde_json::json!({"runner_id": "id"}));
    let (labels, l) = resource_of("actions", "remove_label");
    assert_ne!(runners, labels);
    assert!(l["methods"].get("list_labels").is_some());
    assert_eq!(mapping(&l), serde_json::json!({"name": "name"}));
    // A git ref's `ref` field says refs/heads/…, the parameter heads/…: no mapping.
    let (_, refs) = resource_of("git", "delete_ref");
    assert!(refs["x-github-sql"].is_null(), "{refs}");
    // Collaborators: username ← login; unstar: `owner` is an object, `repo` no field.
    assert_eq!(
        mapping(&resource_of("repos", "remove_collaborator").1),
        serde_json::json!({"username": "login"})
    );
    assert!(resource_of("activity", "unstar").1["x-github-sql"]["paramFields"].is_null());
    // Org members: each delete joins its own collection, so no two take (org, username).
    let members = [
        resource_of("orgs", "remove_member").0,
        resource_of("orgs", "remove_membership_for_user").0,
        resource_of("orgs", "remove_public_membership").0,
    ];
    assert_eq!(
        members.iter().collect::<BTreeSet<_>>().len(),
        3,
        "{members:?}"
    );
    assert_eq!(
        resource_of("orgs", "remove_member").1["methods"]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "list_members".to_string(),
            "remove_member".to_string()
        ])
    );
    // A run's logs: a second DELETE taking (owner, repo, run_id) moves to its own resource.
    let (runs, _) = resource_of("actions", "delete_workflow_run");
    let (logs, _) = resource_of("actions", "delete_workflow_run_logs");
    assert_eq!(
        (runs.as_str(), logs.as_str()),
        ("workflow_runs", "workflow_run_logs")
    );
    assert_eq!(s.split_writes, 1);

    // Envelopes: traffic's days are rows, its totals columns named apart from the days'.
    let (_, t) = resource_of("repos", "get_clones");
    assert_eq!(
        t["methods"]["get_clones"]["response"]["objectKey"],
        "$.clones"
    );
    assert_eq!(
        t["x-github-sql"]["envelopeFields"],
        serde_json::json!({"envelope_count": "count", "envelope_uniques": "uniques"})
    );
    // Requested reviewers: users for the operation's method, teams for a second one.
    let (users, u) = resource_of("pulls", "list_requested_reviewers");
    let (teams, t) = resource_of("pulls", "list_requested_reviewers_teams");
    assert_ne!(users, teams);
    assert_eq!(
        u["methods"]["list_requested_reviewers"]["response"]["objectKey"],
        "$.users"
    );
    assert_eq!(
        t["methods"]["list_requested_reviewers_teams"]["response"]["objectKey"],
        "$.teams"
    );
    assert_eq!(s.envelope_methods, 1);
    // A runner has an identity (`id`): its `labels` array is a field, not rows.
    let (_, r) = resource_of("actions", "get_runner");
    assert!(r["methods"]["get_runner"]["response"]["objectKey"].is_null());

    // The output loads, with the mappings as the spec crate reads them.
    let dir = temp_dir("semantics");
    for (rel, text) in &files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    let provider = github_sql::spec::load_dir(&dir).expect("loads");
    let c = provider
        .resources()
        .find(|r| r.methods.iter().any(|m| m.name == "remove_collaborator"))
        .expect("collaborators");
    assert_eq!(c.row_param("username"), Some("login"));
    let t = provider
        .resources()
        .find(|r| r.methods.iter().any(|m| m.name == "get_clones"))
        .expect("traffic");
    assert!(t.columns.iter().any(|c| c.name == "envelope_count"
        && c.source == github_sql::spec::ColumnSource::Envelope("count".into())));
    let _ = std::fs::remove_dir_all(&dir);
}
