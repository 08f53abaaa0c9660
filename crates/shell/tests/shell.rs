//! The `github-sql` binary: exec with each output format, files, the piped shell, exit codes,
//! errors on stderr, no token in any output.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use common::{store, TOKEN};
use github_sql_fake::{FakeGitHub, TokenPolicy};

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const APP: &str = "FROM github.packages.auth_user_versions WHERE package_type = 'container' AND package_name = 'octo/app'";

fn demo(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--demo")
        .args(args)
        .output()
        .expect("runs")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Active versions of the demo's `octo/app`.
fn app_versions() -> usize {
    github_sql_fake::sample::demo_store()
        .package("container", "octo/app")
        .map(|p| p.listed(false).len())
        .unwrap_or(0)
}

#[test]
fn json_output_is_an_array_of_typed_objects() {
    let o = demo(&[
        "exec",
        "--output",
        "json",
        &format!("SELECT id, name, metadata, package_name {APP} ORDER BY id"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), app_versions());
    assert!(rows[0]["id"].is_i64(), "numbers as numbers: {}", rows[0]);
    assert_eq!(rows[0]["package_name"], "octo/app");
    assert_eq!(
        rows[0]["metadata"]["package_type"], "container",
        "metadata embedded as JSON"
    );
    assert!(rows[0]["metadata"]["container"]["tags"].is_array());
}

#[test]
fn csv_output_has_a_header_then_rows() {
    let o = demo(&[
        "exec",
        "-o",
        "csv",
        &format!("SELECT name, package_type, deleted_at {APP}"),
    ]);
    let s = stdout(&o);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], "name,package_type,deleted_at");
    assert_eq!(lines.len(), app_versions() + 1);
    assert!(
        lines[1].starts_with("sha256:") && lines[1].ends_with(",container,"),
        "{}",
        lines[1]
    );
}

#[test]
fn table_output_and_several_statements() {
    let o = demo(&[
        "exec",
        &format!("SELECT count(*) AS versions {APP}; SELECT 'second' AS s"),
    ]);
    let s = stdout(&o);
    assert!(s.contains("| versions |"), "{s}");
    assert!(s.contains(&format!("| {:<8} |", app_versions())), "{s}");
    assert!(s.contains("| second |"), "{s}");
}

#[test]
fn statements_from_a_file() {
    let path = std::env::temp_dir().join(format!("ghsql-{}.iql", std::process::id()));
    std::fs::write(
        &path,
        "-- count the hello-world versions\nSELECT count(*) AS n FROM github.packages.auth_user_versions\n WHERE package_type = 'npm' AND package_name = 'hello-world';\n",
    )
    .expect("write");
    let o = demo(&["exec", "-o", "csv", "-i", path.to_str().expect("utf8")]);
    assert_eq!(
        stdout(&o),
        "n\n130\n",
        "every row of a list longer than one page"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn shell_runs_piped_statements() {
    let mut child = Command::new(BIN)
        .args(["--demo", "--output", "csv", "shell"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("SELECT count(*) AS n {APP};\nSELECT 1 + 1 AS two;\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(stdout(&out), format!("n\n{}\ntwo\n2\n", app_versions()));
}

#[test]
fn errors_go_to_stderr_with_a_failing_exit_code() {
    let o = demo(&[
        "exec",
        "SELECT * FROM github.packages.auth_user_versions WHERE package_type = 'npm'",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Error: auth_user_versions needs package_name in WHERE"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    let o = demo(&["exec"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exec needs SQL"));
    let o = demo(&["exec", "SELEC nonsense"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("syntax error"));
}

#[test]
fn a_closed_pipe_is_a_normal_end() {
    // 130 × 130 rows: far more than a pipe buffer.
    let sql = "SELECT a.id, b.id FROM auth_user_versions a, auth_user_versions b WHERE a.package_type = 'npm' AND a.package_name = 'hello-world' AND b.package_type = 'npm' AND b.package_name = 'hello-world'";
    let mut child = Command::new(BIN)
        .args(["--demo", "-o", "csv", "exec", sql])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read");
    assert_eq!(first, "id,id\n");
    // stdout is dropped here: the next writes fail with EPIPE.
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_token_never_appears_in_output() {
    let fake = FakeGitHub::start(store()).expect("fake");
    fake.set_token_policy(TokenPolicy::tokens(&[("someone-else", &["read:packages"])]));
    let run = |url: &str| {
        Command::new(BIN)
            .args(["exec", "SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'"])
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", url)
            .env("GITHUB_SQL_LOG", "trace")
            .output()
            .expect("runs")
    };
    for (url, expect) in [
        (
            fake.base_url(),
            "GitHub rejected the token (401 Bad credentials)",
        ),
        ("http://127.0.0.1:9".to_string(), "cannot reach GitHub"),
        (
            "http://example.invalid".to_string(),
            "refusing to send the GitHub token over plain http",
        ),
    ] {
        let o = run(&url);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(1), "{all}");
        assert!(all.contains(expect), "{all}");
        assert!(!all.contains(TOKEN), "token leaked: {all}");
    }
}

#[test]
fn gh_token_and_stackql_password_are_accepted() {
    let fake = FakeGitHub::start(store()).expect("fake");
    for var in ["GH_TOKEN", "STACKQL_GITHUB_PASSWORD"] {
        fake.set_token_policy(TokenPolicy::tokens(&[(TOKEN, &["read:packages"])]));
        let o = Command::new(BIN)
            .args(["-o", "csv", "exec", "SELECT count(*) AS n FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'"])
            .env_remove("GITHUB_TOKEN")
            .env_remove("GH_TOKEN")
            .env(var, TOKEN)
            .env("GITHUB_API_URL", fake.base_url())
            .output()
            .expect("runs");
        assert_eq!(stdout(&o), "n\n3\n", "{var}");
    }
}

#[test]
fn a_token_echoed_by_the_server_never_reaches_stdout_or_stderr() {
    let fake = FakeGitHub::start(store()).expect("fake");
    fake.push_fault(github_sql_fake::Fault::echo_token());
    let o = Command::new(BIN)
        .args([
            "exec",
            "SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'",
        ])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_SQL_LOG", "trace")
        .output()
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(all.contains("401 Bad credentials: Bearer ***"), "{all}");
    assert!(!all.contains(TOKEN), "token leaked: {all}");
    assert!(fake.requests()[0]
        .authorization
        .as_deref()
        .is_some_and(|a| a.contains(TOKEN)));
}

#[test]
fn exec_takes_statements_that_begin_with_a_comment_and_reads_stdin_with_a_dash() {
    // A leading `--` comment is SQL, not an option (docs/pruning.md's blocks begin so).
    let o = demo(&["-o", "csv", "exec", "-- note\nSELECT 1 AS a"]);
    assert_eq!(stdout(&o), "a\n1\n");
    // Options after the statements still work.
    let o = demo(&["exec", "-- note\nSELECT 2 AS b", "-o", "csv"]);
    assert_eq!(stdout(&o), "b\n2\n");
    // `exec -` and `exec -i -` read standard input.
    for args in [
        &["-o", "csv", "exec", "-"][..],
        &["-o", "csv", "exec", "-i", "-"][..],
    ] {
        let mut child = Command::new(BIN)
            .arg("--demo")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(
                format!("-- first\nSELECT 3 AS c;\nSELECT count(*) AS n {APP};\n").as_bytes(),
            )
            .expect("writes");
        let o = child.wait_with_output().expect("ends");
        assert_eq!(
            stdout(&o),
            format!("c\n3\nn\n{}\n", app_versions()),
            "{args:?}"
        );
    }
    // A file and SQL together are refused.
    let o = demo(&["exec", "-i", "x.sql", "SELECT 1"]);
    assert!(!o.status.success());
}
