//! One request path: a method's fixed headers (the document's `in: header` parameters with a
//! default) go out on the REST API's reads and writes alike, checked in the fake's request log.

use std::path::PathBuf;
use std::sync::Arc;

use github_sql_engine::http::{ClientConfig, GitHubClient, RetryPolicy, Stop, Token};
use github_sql_engine::scan::{Scan, ScanArgs, Table};
use github_sql_engine::spec::load_dir;
use github_sql_fake::{FakeGitHub, JsonRoute, Store};

/// A one-service provider directory holding `service` as `services/s.yaml`.
fn doc_dir(tag: &str, service: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ghsql-requests-{tag}-{}", std::process::id()));
    let v = dir.join("github/v1");
    std::fs::create_dir_all(v.join("services")).expect("mkdir");
    std::fs::write(
        v.join("provider.yaml"),
        "name: github\nversion: v1\nproviderServices:\n  s:\n    service:\n      $ref: github/v1/services/s.yaml\n",
    )
    .expect("write");
    std::fs::write(v.join("services/s.yaml"), service).expect("write");
    dir
}

const SERVICE: &str = r#"paths:
  /stars:
    get:
      parameters:
      - name: accept
        in: header
        schema: {type: string, default: application/vnd.github.star+json}
      responses:
        '200':
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {id: {type: integer}}}}
    post:
      parameters:
      - name: Accept
        in: header
        schema: {type: string, default: application/vnd.github.raw+json}
      responses: {'204': {description: done}}
components:
  x-stackQL-resources:
    stars:
      methods:
        list: {operation: {$ref: '#/paths/~1stars/get'}}
        star: {operation: {$ref: '#/paths/~1stars/post'}}
"#;

#[test]
fn a_methods_fixed_headers_go_out_on_rest_reads_and_writes() {
    let provider = load_dir(&doc_dir("headers", SERVICE)).expect("provider");
    let resource = Arc::clone(provider.resources().next().expect("one resource"));
    let mut store = Store::new();
    store.add_json_route(
        "GET",
        "/stars",
        JsonRoute::List {
            items: vec![serde_json::json!({"id": 1}), serde_json::json!({"id": 2})],
            wrap: Vec::new(),
        },
    );
    store.add_json_route("POST", "/stars", JsonRoute::NoContent);
    let fake = FakeGitHub::start(store).expect("fake");
    let client = GitHubClient::new(
        ClientConfig {
            retry: RetryPolicy::fast(),
            ..ClientConfig::new(fake.base_url(), Some(Token::new("t")))
        }
        .with_write_delay(std::time::Duration::ZERO),
    );
    let list = resource
        .methods
        .iter()
        .position(|m| m.name == "list")
        .expect("list");
    let table = Arc::new(Table::new(Arc::clone(&resource), client.clone()));
    let mut scan = Scan::start(
        table,
        &ScanArgs {
            method: list,
            ..ScanArgs::default()
        },
        None,
    )
    .expect("scan");
    let mut rows = 0;
    while !scan.eof() {
        rows += 1;
        scan.advance().expect("row");
    }
    assert_eq!(rows, 2);
    let star = resource
        .methods
        .iter()
        .find(|m| m.name == "star")
        .expect("star");
    let bound = github_sql_engine::plan::bind_named(&resource, star, &[]).expect("bind");
    github_sql_engine::exec::call_with(&client, &resource, star, &bound, &Stop::default())
        .expect("call");
    let log: Vec<(String, Option<String>, Option<String>)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.method, r.accept, r.api_version))
        .collect();
    assert_eq!(
        log,
        vec![
            (
                "GET".into(),
                Some("application/vnd.github.star+json".into()),
                Some("2022-11-28".into())
            ),
            (
                "POST".into(),
                Some("application/vnd.github.raw+json".into()),
                Some("2022-11-28".into())
            ),
        ]
    );
}
