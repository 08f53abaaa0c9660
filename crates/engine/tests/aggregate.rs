//! An aggregator's scan: every member starts at once (their first requests are all out while
//! the first is still unanswered), rows come member after member, and a failing member is named
//! or skipped.

use std::sync::Arc;
use std::time::Duration;

use github_sql_engine::aggregate::{Member, MultiScan};
use github_sql_engine::http::{ClientConfig, GitHubClient, RetryPolicy, Stop, Token};
use github_sql_engine::scan::{ScanArgs, Table};
use github_sql_engine::Value;
use github_sql_fake::{FakeGitHub, Store, TokenPolicy};

fn members(fake: &FakeGitHub, tokens: &[(&str, &str)]) -> (Vec<Member>, ScanArgs, usize) {
    let p = github_sql_engine::spec::load_embedded().expect("provider");
    let r = Arc::clone(
        p.resource_by_id("github.packages.org_versions")
            .expect("org_versions"),
    );
    let method = r
        .methods
        .iter()
        .position(|m| m.name == "get_all_package_versions_for_package_owned_by_org")
        .expect("list");
    let id = r.column_index("id").expect("id");
    let members = tokens
        .iter()
        .map(|(name, token)| Member {
            name: name.to_string(),
            table: Arc::new(Table::new(
                Arc::clone(&r),
                GitHubClient::new(ClientConfig {
                    retry: RetryPolicy::fast(),
                    ..ClientConfig::new(fake.base_url(), Some(Token::new(*token)))
                }),
            )),
        })
        .collect();
    let args = ScanArgs {
        method,
        params: vec![
            ("org".into(), vec![Value::Text("acme".into())]),
            ("package_type".into(), vec![Value::Text("npm".into())]),
            ("package_name".into(), vec![Value::Text("lib".into())]),
        ],
        want: None,
    };
    (members, args, id)
}

fn fake() -> FakeGitHub {
    let mut s = Store::new();
    s.add_org("acme");
    s.add_package_for("acme", "npm", "lib").add_versions(2);
    let fake = FakeGitHub::start(s).expect("fake");
    let all: &[&str] = &["read:packages"];
    fake.set_token_policy(TokenPolicy::tokens(&[
        ("t-one", all),
        ("t-two", all),
        ("t-three", all),
    ]));
    fake
}

#[test]
fn every_member_is_asked_at_once_and_rows_carry_their_connection() {
    let fake = fake();
    // Each answer takes a second: members asked one after the other would have one request out
    // at a time.
    fake.set_latency(Duration::from_millis(1000));
    let (members, args, id) = members(
        &fake,
        &[("one", "t-one"), ("two", "t-two"), ("three", "t-three")],
    );
    let rows = std::thread::scope(|s| {
        let h = s.spawn(|| {
            let mut m = MultiScan::start(
                "fleet",
                &members,
                &args,
                &Stop::default(),
                |_| Default::default(),
                false,
            )
            .expect("starts");
            let mut rows = Vec::new();
            while !m.eof() {
                let v = m.scan().map(|s| s.value(id));
                rows.push((m.connection().to_string(), v));
                m.advance().expect("advance");
            }
            rows
        });
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(
            fake.requests().len(),
            3,
            "the three members' first requests are out together"
        );
        h.join().expect("scan")
    });
    let names: Vec<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names, ["one", "one", "two", "two", "three", "three"]);
    assert!(rows
        .iter()
        .all(|(_, v)| matches!(v, Some(Value::Integer(_)))));
}

#[test]
fn a_failing_member_is_named_or_skipped() {
    let fake = fake();
    let (members, args, _) = members(
        &fake,
        &[("one", "t-one"), ("bad", "t-wrong"), ("two", "t-two")],
    );
    let e = MultiScan::start(
        "fleet",
        &members,
        &args,
        &Stop::default(),
        |_| Default::default(),
        false,
    )
    .expect_err("bad fails")
    .to_string();
    assert!(
        e.starts_with("connection bad (of aggregator fleet): "),
        "{e}"
    );
    assert!(e.contains("401 Bad credentials"), "{e}");
    let mut m = MultiScan::start(
        "fleet",
        &members,
        &args,
        &Stop::default(),
        |_| Default::default(),
        true,
    )
    .expect("skips");
    assert_eq!(m.skipped().len(), 1);
    assert_eq!(m.skipped()[0].connection, "bad");
    let mut n = 0;
    while !m.eof() {
        assert_ne!(m.connection(), "bad");
        n += 1;
        m.advance().expect("advance");
    }
    assert_eq!(n, 4);
}
