//! Ctrl-C and the y/N question in `github-sql shell` on a real pseudo-terminal (rexpect): the
//! terminal's line discipline turns ^C into SIGINT while a statement runs, as it does for a
//! user. Against a fake GitHub started here (slow or paced where the test needs it), with its
//! request log and the journal checked afterwards.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use github_sql_fake::{FakeGitHub, Store};
use rexpect::session::PtySession;

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const TOKEN: &str = "ghp_TESTSECRET0123456789abcdef";
const PROMPT: &str = "github-sql> ";

fn store() -> Store {
    let mut s = Store::new();
    s.add_package("npm", "lib").add_versions(6);
    s.add_package("npm", "big").add_versions(150);
    s
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "github-sql-pty-{}-{name}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `github-sql shell` on a pseudo-terminal, against `fake`, journaling into `dir`.
fn shell(fake: &FakeGitHub, dir: &std::path::Path, write_delay_ms: u64) -> PtySession {
    shell_with(fake, dir, write_delay_ms, &[])
}

fn shell_with(
    fake: &FakeGitHub,
    dir: &std::path::Path,
    write_delay_ms: u64,
    env: &[(&str, &str)],
) -> PtySession {
    let mut c = Command::new(BIN);
    c.envs(env.iter().copied());
    c.arg("shell")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_SQL_JOURNAL", dir.join("journal.jsonl"))
        .env("GITHUB_SQL_WRITE_DELAY_MS", write_delay_ms.to_string())
        // History goes to the temp dir, not the user's home.
        .env("HOME", dir)
        .env("TERM", "xterm")
        .env_remove("GITHUB_SQL_DEADLINE");
    let mut p = rexpect::session::spawn_command(c, Some(30_000)).expect("spawn on a pty");
    p.exp_string(PROMPT).expect("prompt");
    p
}

fn wait_for(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the line editor has handed the line over and put the terminal back in cooked
/// mode, where ^C is a signal (in the editor's raw mode it is just a key).
fn wait_until_running(p: &PtySession) {
    use std::os::fd::AsRawFd;
    let pty = p.process().get_file_handle().expect("pty handle");
    wait_for("the terminal in cooked mode", || {
        // SAFETY: tcgetattr on an open pty master fd into a zeroed termios.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let ok = unsafe { libc::tcgetattr(pty.as_raw_fd(), &mut t) } == 0;
        ok && t.c_lflag & libc::ISIG != 0
    });
    // The statement is past its first instructions by now.
    std::thread::sleep(Duration::from_millis(200));
}

fn deletes(fake: &FakeGitHub) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count()
}

#[test]
fn ctrl_c_interrupts_an_endless_query_and_the_shell_goes_on() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("cte");
    let mut p = shell(&fake, &dir, 0);
    p.send_line(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;",
    )
    .expect("send");
    wait_until_running(&p);
    p.send_control('c').expect("^C");
    p.exp_string("interrupt: stopping the running statement")
        .expect("the shell says it stops");
    p.exp_string("Error: interrupted")
        .expect("the statement was interrupted");
    p.exp_string(PROMPT).expect("back at the prompt");
    p.send_line("SELECT count(*) AS n FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib';")
        .expect("send");
    p.exp_string("6").expect("the next statement runs");
    p.exp_string(PROMPT).expect("prompt");
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}

#[test]
fn ctrl_c_interrupts_a_scan_waiting_for_a_hanging_server() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("hang");
    let mut p = shell(&fake, &dir, 0);
    fake.set_latency(Duration::from_secs(120));
    let start = Instant::now();
    p.send_line("SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big';")
        .expect("send");
    wait_for("the scan's request", || !fake.requests().is_empty());
    wait_until_running(&p);
    p.send_control('c').expect("^C");
    p.exp_string("interrupt: stopping the running statement")
        .expect("stopping");
    let (_, m) = p
        .exp_regex("Error: interrupted[^\r\n]*")
        .expect("interrupted");
    assert!(m.contains("incomplete and was discarded"), "{m}");
    p.exp_string(PROMPT).expect("back at the prompt");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "the 120 s answer was not waited for"
    );
    fake.set_latency(Duration::ZERO);
    p.send_line("SELECT count(*) AS total FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big';")
        .expect("send");
    p.exp_string("150").expect("the next statement runs");
    p.exp_string(PROMPT).expect("prompt");
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}

#[test]
fn ctrl_c_stops_a_paced_delete_before_its_next_request_and_reports_what_was_sent() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("delete");
    let mut p = shell(&fake, &dir, 300);
    // 30 of 150 versions: no confirmation needed.
    p.send_line("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND id % 5 = 0;")
        .expect("send");
    wait_for("two deletes", || deletes(&fake) >= 2);
    wait_until_running(&p);
    p.send_control('c').expect("^C");
    p.exp_string("interrupt: stopping the running statement")
        .expect("stopping");
    let (_, summary) = p
        .exp_regex(r"DELETE on auth_user_versions deleted \d+ of 30 rows[^\r\n]*")
        .expect("summary");
    assert!(
        summary.contains("(interrupted: nothing more was sent)"),
        "{summary}"
    );
    let (_, ids) = p.exp_regex(r"deleted: [^\r\n]*").expect("ids deleted");
    let (_, journal) = p.exp_regex(r"journal: [^\r\n]*").expect("journal");
    p.exp_string(PROMPT).expect("back at the prompt");
    let sent = deletes(&fake);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(deletes(&fake), sent, "nothing more after ^C");
    assert!(sent < 30, "{sent}");
    assert!(
        summary.contains(&format!("deleted {sent} of 30 rows")),
        "{summary}"
    );
    assert_eq!(ids.matches("package_version_id").count(), sent, "{ids}");
    let path = dir.join("journal.jsonl");
    assert!(journal.contains(&path.display().to_string()), "{journal}");
    let entries = github_sql::journal::read(&path).expect("journal");
    let deleted: Vec<&str> = entries
        .iter()
        .filter(|e| e.outcome.as_deref() == Some("deleted"))
        .map(|e| e.path.as_str())
        .collect();
    let logged: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(deleted, logged, "the journal has every delete sent");
    // The shell goes on, and the rows left are the ones not sent.
    p.send_line("SELECT count(*) AS left_over FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big';")
        .expect("send");
    p.exp_string(&(150 - sent).to_string()).expect("count");
    p.exp_string(PROMPT).expect("prompt");
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}

#[test]
fn a_bulk_delete_asks_on_the_terminal_and_n_sends_nothing_y_deletes() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let dir = temp_dir("confirm");
    // Every version of a package, or more than GITHUB_SQL_CONFIRM_OVER rows, needs a yes.
    let mut p = shell_with(&fake, &dir, 0, &[("GITHUB_SQL_CONFIRM_OVER", "3")]);
    let all = "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib';";
    p.send_line(all).expect("send");
    p.exp_string("DELETE would remove 6 rows of auth_user_versions")
        .expect("count");
    p.exp_string("For example: package_version_id")
        .expect("sample");
    p.exp_string("Delete them? [y/N]").expect("question");
    p.send_line("n").expect("no");
    p.exp_string("Nothing was sent").expect("refused");
    p.exp_string(PROMPT).expect("prompt");
    assert_eq!(deletes(&fake), 0, "n sends nothing");
    let four = "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND id IN (SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' ORDER BY id LIMIT 4);";
    p.send_line(four).expect("send");
    p.exp_string("DELETE would remove 4 rows of auth_user_versions (more than 3")
        .expect("count");
    p.exp_string("Delete them? [y/N]").expect("question");
    p.send_line("y").expect("yes");
    p.exp_string("DELETE: 4 rows of auth_user_versions deleted")
        .expect("deleted");
    p.exp_string(PROMPT).expect("prompt");
    assert_eq!(deletes(&fake), 4, "y deletes them");
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}
