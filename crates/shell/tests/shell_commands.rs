//! The shell's commands and statements read from a pipe (not a terminal): dot and backslash
//! commands, help and quit words, SHOW in every form, `.read`/`.once`/`.output`, trigger bodies,
//! no pager; and the dry run and the real DELETE agreeing.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const APP: &str =
    "FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'octo/app'";

/// Runs `github-sql --demo [args] shell` with `input` on stdin.
fn piped(args: &[&str], input: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(BIN)
        .arg("--demo")
        .args(args)
        .arg("shell")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn exec(args: &[&str], sql: &str) -> Output {
    Command::new(BIN)
        .arg("--demo")
        .args(args)
        .args(["exec", sql])
        .output()
        .expect("runs")
}

#[test]
fn dot_commands_help_and_quit_words_work_piped() {
    let o = piped(
        &[],
        ".tables\nhelp;\n\\?\nhelp delete\n.headers off\n.mode csv\nSELECT 1 AS a, 'x' AS b;\n.headers on\n.mode line\nSELECT 1 AS a, 'x' AS bb;\n.mode markdown\nSELECT 1 AS a;\n.mode box\nSELECT 1 AS a;\n.mode table\n\\x on\nSELECT 1 AS xa, 2 AS xbb;\n\\x off\nSELECT 3 AS xc;\nquit\nSELECT 'not reached' AS z;\n",
        &[],
    );
    let out = ok(&o);
    assert!(
        out.contains("auth_user_versions           github.packages.auth_user_versions"),
        "{out}"
    );
    assert!(
        out.contains("github.registry.manifests"),
        "the registry's tables too: {out}"
    );
    assert_eq!(
        out.matches("Commands (at the start of a line").count(),
        2,
        "help; and \\?: {out}"
    );
    assert!(
        out.contains("ORDER BY / LIMIT / OFFSET choose rows"),
        "help delete: {out}"
    );
    assert!(out.contains("\n1,x\n"), ".headers off + .mode csv: {out}");
    assert!(out.contains(" a = 1\nbb = x\n"), ".mode line: {out}");
    assert!(out.contains("| a |\n|---|\n| 1 |"), ".mode markdown: {out}");
    assert!(out.contains("│ a │"), ".mode box: {out}");
    assert!(out.contains(" xa = 1\nxbb = 2\n"), "\\x on: {out}");
    assert!(out.contains("| xc |"), "\\x off: {out}");
    assert!(!out.contains("not reached"), "quit stops reading: {out}");
    for word in ["exit", ".exit", "\\q", "quit;"] {
        let o = piped(&[], &format!("{word}\nSELECT 'not reached';\n"), &[]);
        assert!(!ok(&o).contains("not reached"), "{word}");
    }
    let o = piped(&[], ".nope\n", &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("unknown command .nope"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn show_and_describe_agree_for_bare_and_three_part_names() {
    let run = |sql: &str| ok(&exec(&["-o", "csv"], sql));
    assert_eq!(
        run("SHOW PROVIDERS")
            .lines()
            .nth(1)
            .map(|l| l.starts_with("github,")),
        Some(true)
    );
    let all = run("SHOW RESOURCES");
    assert!(
        all.contains("auth_user_versions,") && all.contains("manifests,"),
        "{all}"
    );
    let packages = run("SHOW RESOURCES IN github.packages");
    assert!(
        packages.contains("org_versions,") && !packages.contains("manifests,"),
        "{packages}"
    );
    assert!(
        run("SHOW EXTENDED RESOURCES IN github").starts_with("name,id,service,title,description")
    );
    assert!(run("SHOW SERVICES").contains("github.registry"));
    let bare = run("SHOW METHODS IN auth_user_versions");
    assert_eq!(
        bare,
        run("SHOW METHODS IN github.packages.auth_user_versions")
    );
    assert!(
        bare.contains("delete_package_version_for_authenticated_user"),
        "{bare}"
    );
    let ext = run("SHOW EXTENDED METHODS IN auth_user_versions");
    assert!(
        ext.starts_with("MethodName,RequiredParams,SQLVerb,HTTPMethod,Path,Description"),
        "{ext}"
    );
    assert_eq!(
        run("DESCRIBE auth_user_versions"),
        run("DESCRIBE github.packages.auth_user_versions")
    );
    let e = exec(&[], "DESCRIBE nope");
    assert!(!e.status.success());
    assert!(
        stderr(&e).contains("Error: no table nope"),
        "{}",
        stderr(&e)
    );
    assert!(
        !stderr(&e).contains("<service>"),
        "no placeholder: {}",
        stderr(&e)
    );
    let e = exec(&[], "SHOW METHODS IN auth_user_version");
    assert!(
        stderr(&e).contains("no table auth_user_version; did you mean auth_user_versions?"),
        "{}",
        stderr(&e)
    );
}

#[test]
fn read_once_output_and_schema() {
    let dir = std::env::temp_dir().join(format!("github-sql-dot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let script = dir.join("script.sql");
    std::fs::write(
        &script,
        ".mode csv\nSELECT 7 AS seven;\nSHOW METHODS IN auth_user_versions LIKE 'delete%';\n",
    )
    .expect("write");
    let once = dir.join("once.txt");
    let all = dir.join("all.txt");
    let input = format!(
        ".read {}\n.once {}\nSELECT 'to once' AS w;\nSELECT 'to screen' AS w;\n.output {}\nSELECT 'to file' AS w;\n.tables org%\n.output\nSELECT 'screen again' AS w;\n.schema auth_user_versions\n",
        script.display(),
        once.display(),
        all.display()
    );
    let out = ok(&piped(&[], &input, &[]));
    assert!(
        out.starts_with("seven\n7\n"),
        ".read ran the file's commands and statements: {out}"
    );
    assert!(
        out.contains("delete_package_version_for_authenticated_user"),
        "{out}"
    );
    assert!(
        out.contains("to screen") && out.contains("screen again"),
        "{out}"
    );
    assert!(
        !out.contains("to once") && !out.contains("to file"),
        "{out}"
    );
    let once_text = std::fs::read_to_string(&once).expect("once file");
    assert_eq!(once_text, "w\nto once\n");
    let all_text = std::fs::read_to_string(&all).expect("output file");
    assert!(all_text.starts_with("w\nto file\n"), "{all_text}");
    assert!(
        all_text.contains("org_versions") && !all_text.contains("auth_user"),
        "{all_text}"
    );
    assert!(
        out.contains("CREATE TABLE auth_user_versions(\"id\" INTEGER")
            && out.contains("\"package_version_id\" INTEGER HIDDEN"),
        "{out}"
    );
    let e = piped(&[], ".read /nonexistent/x.sql\n", &[]);
    assert!(
        stderr(&e).contains(".read /nonexistent/x.sql: cannot read the file"),
        "{}",
        stderr(&e)
    );
}

#[test]
fn no_pager_or_vertical_output_when_not_a_terminal() {
    let env = [
        ("GITHUB_SQL_PAGER", "sed s/^/PAGED:/"),
        ("PAGER", "sed s/^/PAGED:/"),
        ("COLUMNS", "20"),
    ];
    let out = ok(&piped(&[], &format!("SELECT * {APP} LIMIT 2;\n"), &env));
    assert!(!out.contains("PAGED"), "no pager on a pipe: {out}");
    assert!(out.starts_with("+----"), "a table, not vertical: {out}");
    assert!(out.lines().nth(1).is_some_and(|l| l.len() > 200), "{out}");
}

#[test]
fn trigger_bodies_are_one_statement() {
    let input = "CREATE TEMP TABLE seen(n);\nCREATE TEMP TABLE log(m);\nCREATE TEMP TRIGGER t AFTER INSERT ON seen BEGIN\n  INSERT INTO log VALUES (new.n);\n  INSERT INTO log VALUES (new.n * 10);\nEND;\nINSERT INTO seen VALUES (4);\n.mode csv\nSELECT group_concat(m, '+') AS m FROM log;\n";
    let out = ok(&piped(&[], input, &[]));
    assert_eq!(out, "m\n4+40\n");
    let out = ok(&exec(
        &["-o", "csv"],
        "CREATE TEMP TABLE a(x); CREATE TEMP TRIGGER ta AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END; INSERT INTO a VALUES (1); SELECT count(*) AS n FROM a",
    ));
    assert_eq!(out, "n\n1\n");
}

#[test]
fn dry_run_and_delete_agree_with_order_by_limit_offset() {
    let count = ok(&exec(
        &["-o", "csv"],
        &format!("SELECT count(*) AS n {APP}"),
    ));
    let total: usize = count
        .lines()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("count");
    assert!(total > 3, "the demo has versions of octo/app: {total}");
    let keep = 3;
    let del = format!("DELETE {APP} ORDER BY created_at DESC LIMIT -1 OFFSET {keep}");
    let dry = exec(&["--dry-run", "-o", "csv"], &del);
    let dry_note = stderr(&dry);
    assert!(dry.status.success(), "{dry_note}");
    assert!(
        dry_note.contains(&format!(
            "would remove {} rows of auth_user_versions",
            total - keep
        )),
        "{dry_note}"
    );
    let listed = ok(&dry);
    let real = exec(
        &["--yes", "-o", "csv"],
        &format!("{del}; SELECT id {APP} ORDER BY created_at DESC"),
    );
    let note = stderr(&real);
    assert!(real.status.success(), "{note}");
    assert!(
        note.contains(&format!(
            "DELETE: {} rows of auth_user_versions deleted",
            total - keep
        )),
        "{note}"
    );
    let left: Vec<String> = ok(&real).lines().skip(1).map(String::from).collect();
    assert_eq!(left.len(), keep, "the newest {keep} stay");
    // The listing is the requests the real run sends.
    assert_eq!(listed.lines().skip(1).count(), total - keep, "{listed}");
    for id in &left {
        assert!(
            !listed
                .lines()
                .any(|l| l.ends_with(&format!("/versions/{id}"))),
            "the dry run listed {id}, which stayed"
        );
    }
    // LIMIT alone.
    let dry = stderr(&exec(
        &["--dry-run"],
        &format!("DELETE {APP} ORDER BY id LIMIT 2"),
    ));
    assert!(dry.contains("would remove 2 rows"), "{dry}");
    let real = stderr(&exec(
        &["--yes"],
        &format!("DELETE {APP} ORDER BY id LIMIT 2"),
    ));
    assert!(
        real.contains("DELETE: 2 rows of auth_user_versions deleted"),
        "{real}"
    );
    // Both refuse with the same, true reason.
    for (sql, reason) in [
        (
            "DELETE FROM auth_user_versions ORDER BY id LIMIT 1".to_string(),
            "auth_user_versions needs package_name and package_type in WHERE",
        ),
        (
            format!("DELETE {APP} AND id = 1 RETURNING id, name"),
            "DELETE … RETURNING is not available on auth_user_versions",
        ),
        // The dry run used to list the tags and say "would remove"; the real run refuses.
        (
            "DELETE FROM registry_tags WHERE owner = 'octocat' AND image = 'octo/app'".to_string(),
            "registry_tags supports SELECT; DELETE is not supported",
        ),
    ] {
        let dry = exec(&["--dry-run"], &sql);
        let real = exec(&["--yes"], &sql);
        assert!(!dry.status.success() && !real.status.success(), "{sql}");
        let (d, r) = (stderr(&dry), stderr(&real));
        assert!(d.contains(reason) && r.contains(reason), "{sql}:\n{d}\n{r}");
        assert!(
            !d.contains("SELECT * FROM auth_user_versions WHERE package_type = 'container'")
                && !d.contains("syntax error"),
            "no internal SQL: {d}"
        );
    }
}

#[test]
fn no_query_solution_is_explained() {
    let e = exec(
        &[],
        "SELECT p.name, v.name FROM auth_user_packages p JOIN auth_user_versions v ON v.package_name = p.name AND v.package_type = p.package_type",
    );
    let msg = stderr(&e);
    assert!(!e.status.success());
    assert!(
        msg.contains("auth_user_packages (p) needs package_type"),
        "{msg}"
    );
    assert!(
        msg.contains(
            "WHERE p.package_type IN ('npm', 'maven', 'rubygems', 'docker', 'nuget', 'container')"
        ),
        "{msg}"
    );
    assert!(!msg.contains("Error: no query solution\n"), "{msg}");
    // Written that way, it works.
    let fixed = exec(
        &["-o", "csv"],
        "SELECT count(*) AS n FROM auth_user_packages p JOIN auth_user_versions v ON v.package_name = p.name AND v.package_type = p.package_type WHERE p.package_type IN ('npm', 'maven', 'rubygems', 'docker', 'nuget', 'container')",
    );
    assert!(ok(&fixed).starts_with("n\n"));
}

#[test]
fn mistyped_names_are_named_with_a_caret() {
    let e = exec(
        &[],
        "SELECT id FROM github.packages.auth_user_version WHERE package_type = 'npm'",
    );
    let msg = stderr(&e);
    assert!(msg.contains("Error: no table github.packages.auth_user_version; did you mean github.packages.auth_user_versions?"), "{msg}");
    assert!(msg.contains("\n  SELECT id FROM github.packages.auth_user_version WHERE package_type = 'npm'\n                 ^"), "{msg}");
    assert!(!msg.contains("near \".\""), "{msg}");
    // Offsets refer to the input, not the rewritten SQL.
    let e = exec(&[], "SELECT id FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND nope_col = 1");
    let msg = stderr(&e);
    let input_col =
        "SELECT id FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND ".len();
    assert!(
        msg.contains(&format!("\n  {}^", " ".repeat(input_col))),
        "{msg}"
    );
    // SQLite's `near "…"` names the three-part name as typed, not the rewritten one.
    let e = exec(&[], "SELECT id FRM github.packages.auth_user_versions");
    let msg = stderr(&e);
    assert!(msg.contains("Error: near \"github.packages.auth_user_versions\": syntax error\n  SELECT id FRM github.packages.auth_user_versions\n                ^"), "{msg}");
    let e = exec(&[], "EXEC github.packages.auth_user_versions.restore_package_verson_for_authenticated_user @package_name='x'");
    assert!(
        stderr(&e).contains("did you mean restore_package_version_for_authenticated_user?"),
        "{}",
        stderr(&e)
    );
}

#[test]
fn stats_and_timing_show_what_each_statement_cost_github() {
    let o = piped(
        &[],
        &format!(
            ".stats on\nSELECT count(*) {APP};\nSELECT count(*) {APP};\n.stats off\n\\timing on\nSELECT 1;\n"
        ),
        &[],
    );
    ok(&o);
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("GitHub: ")).collect();
    assert_eq!(lines.len(), 3, "{err}");
    // The first read fetches the list; the same read again is revalidated: a 304, no body.
    assert!(
        lines[0].starts_with("GitHub: 1 request (0 × 304, 0 from the cache)"),
        "{err}"
    );
    assert!(
        lines[0].ends_with("1 point, 1 against the rate limit"),
        "{err}"
    );
    assert!(
        lines[1].starts_with(
            "GitHub: 1 request (1 × 304, 0 from the cache), 0 B, 1 point, 0 against the rate limit"
        ),
        "{err}"
    );
    assert!(
        lines[2].starts_with("Run Time: real ") && lines[2].ends_with("; GitHub: 0 requests (0 × 304, 0 from the cache), 0 B, 0 points, 0 against the rate limit"),
        "{err}"
    );
}
