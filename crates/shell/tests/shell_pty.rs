//! The interactive shell driven through a pseudo-terminal (rexpect): tab completion, help, `\x`,
//! automatic vertical output and the pager for wide rows, suggestions, Ctrl-D.

use std::process::Command;

use rexpect::reader::Options;
use rexpect::session::{spawn_with_options, PtySession};

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const PROMPT: &str = "github-sql> ";
const APP: &str = "package_type = 'container' AND package_name = 'octo/app'";

/// A demo shell on a pseudo-terminal 80 columns wide, with its own HOME (history) and the pager
/// given (none by default).
fn shell(pager: Option<&str>, extra: &[&str]) -> PtySession {
    let home = std::env::temp_dir().join(format!("github-sql-pty-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("home");
    let mut cmd = Command::new(BIN);
    cmd.arg("--demo")
        .args(extra)
        .arg("shell")
        .env("HOME", &home)
        .env("COLUMNS", "80")
        .env("LINES", "40")
        .env("TERM", "xterm")
        .env_remove("PAGER")
        .env_remove("GITHUB_SQL_PAGER");
    if let Some(p) = pager {
        cmd.env("GITHUB_SQL_PAGER", p);
    }
    let mut s = spawn_with_options(
        cmd,
        Options {
            timeout_ms: Some(30_000),
            strip_ansi_escape_codes: true,
        },
    )
    .expect("spawn the shell on a pty");
    s.exp_string(PROMPT).expect("first prompt");
    s
}

fn quit(mut s: PtySession) {
    s.send_line("\\q").expect("send");
    s.exp_eof().expect("\\q leaves");
}

#[test]
fn tab_completes_tables_columns_methods_and_params() {
    let mut s = shell(None, &["--dry-run"]);
    // A bare table name: DESCRIBE only works if the name was completed.
    s.send("DESCRIBE auth_user_vers\t").expect("send");
    s.send_line(";").expect("send");
    s.exp_string("package_version_id")
        .expect("DESCRIBE ran on the completed name");
    s.exp_string(PROMPT).expect("prompt");
    // Three-part names, one part at a time (`github.pack` stops at `github.packages`, which
    // `packages_generated` shares).
    s.send("SELECT count(*) AS n FROM github.pack\t")
        .expect("send");
    s.send(".auth_user_ver\t").expect("send");
    s.send_line(&format!(" WHERE {APP};")).expect("send");
    s.exp_regex(r"\|\s+n\s+\|")
        .expect("the completed three-part name ran");
    s.exp_string(PROMPT).expect("prompt");
    // Columns of the statement's table, through its alias and bare.
    s.send("SELECT id AS pv FROM auth_user_versions v WHERE v.package_ty\t")
        .expect("send");
    s.send(" = 'container' AND package_na\t").expect("send");
    s.send_line(" = 'octo/app' LIMIT 1;").expect("send");
    s.exp_regex(r"\|\s+pv\s+\|")
        .expect("the completed columns ran");
    s.exp_string(PROMPT).expect("prompt");
    // EXEC: the method, then its @parameters.
    s.send("EXEC github.packages.auth_user_versions.restore_pack\t")
        .expect("send");
    s.send(" @package_na\t").expect("send");
    s.send("='octo/app', @package_ty\t").expect("send");
    s.send("='container', @package_versi\t").expect("send");
    s.send_line("=1;").expect("send");
    s.exp_string("dry run: EXEC restore_package_version_for_authenticated_user would send")
        .expect("the completed EXEC ran (dry run)");
    s.exp_string(PROMPT).expect("prompt");
    // Keywords, in the case typed.
    s.send("sel\t").expect("send");
    s.send_line(" 5 AS five;").expect("send");
    s.exp_regex(r"\|\s+five\s+\|")
        .expect("the completed keyword ran");
    s.exp_string(PROMPT).expect("prompt");
    // Dot and backslash commands.
    s.send(".tab\t").expect("send");
    s.send_line("").expect("send");
    s.exp_string("github.registry.manifests")
        .expect(".tables ran");
    s.exp_string(PROMPT).expect("prompt");
    s.send("\\tim\t").expect("send");
    s.send_line(" on").expect("send");
    s.exp_string("Timing is on.").expect("\\timing ran");
    quit(s);
}

#[test]
fn help_quit_words_and_ctrl_d() {
    let mut s = shell(None, &[]);
    for (typed, expect) in [
        ("help", "Commands (at the start of a line"),
        ("\\?", "StackQL statements:"),
        (".help", "Tab completes keywords"),
        ("help;", "Commands (at the start of a line"),
        ("help delete", "ORDER BY / LIMIT / OFFSET choose rows"),
        ("help tables;", "[WHERE package_name, package_type]"),
        ("help exec", "@package_version_id"),
        ("help output", ".pager less -S | off"),
    ] {
        s.send_line(typed).expect("send");
        s.exp_string(expect)
            .unwrap_or_else(|e| panic!("{typed}: {e}"));
        s.exp_string(PROMPT).expect("prompt");
    }
    s.send_control('d').expect("Ctrl-D");
    s.exp_eof().expect("Ctrl-D leaves");
    for word in ["exit", "quit;", ".quit", "\\q"] {
        let mut s = shell(None, &[]);
        s.send_line(word).expect("send");
        s.exp_eof().unwrap_or_else(|e| panic!("{word} leaves: {e}"));
    }
}

#[test]
fn expanded_and_automatic_vertical_output() {
    let mut s = shell(None, &[]);
    s.send_line("\\x").expect("send");
    s.exp_string("Expanded display is on.").expect("\\x");
    s.send_line("SELECT 1 AS alpha, 2 AS b;").expect("send");
    s.exp_string("alpha = 1").expect("vertical");
    s.exp_string("    b = 2").expect("aligned names");
    s.send_line("\\x off").expect("send");
    s.exp_string("Expanded display is off.").expect("\\x off");
    s.send_line("SELECT 1 AS alpha;").expect("send");
    s.exp_regex(r"\|\s+alpha\s+\|").expect("a table again");
    s.send_line("\\x auto").expect("send");
    s.exp_string("used automatically").expect("\\x auto");
    // Versions are hundreds of characters wide: vertical on an 80-column terminal.
    s.send_line(&format!(
        "SELECT * FROM auth_user_versions WHERE {APP} LIMIT 1;"
    ))
    .expect("send");
    s.exp_regex(r"\npackage_html_url = https")
        .expect("wide rows turn vertical");
    s.exp_string(PROMPT).expect("prompt");
    // Narrow results stay tables.
    s.send_line("SELECT 2 AS narrow;").expect("send");
    s.exp_regex(r"\|\s+narrow\s+\|")
        .expect("narrow stays a table");
    quit(s);
}

#[test]
fn wide_results_go_to_the_pager_on_a_terminal() {
    let mut s = shell(Some("sed 's/^/PAGED: /'"), &[]);
    s.send_line(&format!(
        "SELECT * FROM auth_user_versions WHERE {APP} LIMIT 1;"
    ))
    .expect("send");
    s.exp_string("PAGED: +----")
        .expect("through the pager, as a table");
    s.exp_string(PROMPT).expect("prompt");
    s.send_line("SELECT 3 AS small;").expect("send");
    let (before, _) = s.exp_regex(r"\|\s+3\s+\|").expect("small result");
    assert!(
        !before.contains("PAGED"),
        "small results skip the pager: {before}"
    );
    quit(s);
}

#[test]
fn errors_point_at_the_input_and_suggest() {
    let mut s = shell(None, &[]);
    s.send_line("SELECT * FROM auth_user_version;")
        .expect("send");
    s.exp_string("Error: no such table: auth_user_version; did you mean auth_user_versions?")
        .expect("suggestion");
    s.exp_string("\n                ^")
        .expect("caret under the name");
    s.send_line("SELECT nme FROM github.packages.auth_user_versions;")
        .expect("send");
    s.exp_string("did you mean name?")
        .expect("column suggestion");
    s.exp_string("\n         ^")
        .expect("caret at the typed offset");
    s.send_line("SELECT id FROM github.packages.auth_user_vresions;")
        .expect("send");
    s.exp_string("no table github.packages.auth_user_vresions; did you mean github.packages.auth_user_versions?")
        .expect("three-part suggestion");
    s.send_line("DESCRIBE nope_versions;").expect("send");
    s.exp_string("no table nope_versions; did you mean")
        .expect("DESCRIBE suggests");
    // A statement left pending by an error does not swallow the next one.
    s.send_line("SELECT 41 + 1 AS answer;").expect("send");
    s.exp_regex(r"\|\s+42\s+\|").expect("the shell carries on");
    quit(s);
}

#[test]
fn pager_and_vertical_output_are_off_when_stdout_is_piped() {
    // stdin is the terminal (interactive), stdout a pipe: results must stay plain tables.
    let home = std::env::temp_dir().join(format!("github-sql-pty-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("home");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{BIN} --demo shell | cat"))
        .env("HOME", &home)
        .env("COLUMNS", "80")
        .env("TERM", "xterm")
        .env("GITHUB_SQL_PAGER", "sed s/^/PAGED:/");
    let mut s = spawn_with_options(
        cmd,
        Options {
            timeout_ms: Some(30_000),
            strip_ansi_escape_codes: true,
        },
    )
    .expect("spawn");
    s.exp_string(PROMPT).expect("first prompt");
    s.send_line(&format!(
        "SELECT * FROM auth_user_versions WHERE {APP} LIMIT 1;"
    ))
    .expect("send");
    s.exp_string("LIMIT 1;").expect("echo");
    let before = s.exp_string(PROMPT).expect("results, then the prompt");
    assert!(!before.contains("PAGED"), "no pager: {before}");
    assert!(
        !before.contains("package_html_url = "),
        "not vertical: {before}"
    );
    assert!(before.contains("| package_html_url "), "a table: {before}");
    s.send_control('d').expect("Ctrl-D");
    s.exp_eof().expect("leaves");
}
