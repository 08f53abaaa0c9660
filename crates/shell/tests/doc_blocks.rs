//! Every SQL block and shell command of README.md and docs/*.md runs against the demo, as the
//! tag on the line before its fence says, so the docs change with the code. A tag is clauses
//! separated by `;`, done in order (`<!-- test: example keep.sql; compare stderr -->`):
//!
//! - `run`: the commands (or the SQL, through `github-sql --demo exec -i`; Python through
//!   Debian's python3) must succeed; `run fails` expects a non-zero exit.
//! - `compare [stdout|stderr|all]… [fails] [now=YYYY-MM-DD] [fake] [refresh]`: run, and compare
//!   with the output blocks that follow (one per stream named, stdout when none is; `all` is
//!   stdout and stderr interleaved), after normalising ports (`127.0.0.1:PORT`) and run ids
//!   (`RUN-ID`); `--demo`'s first stderr line is left out unless the block shows it. With
//!   `now=DATE`, the shown output's times of that day and the run's times within a day of now
//!   both read `NOW` (the fake stamps `deleted_at` with the time of the run). `fake` starts the
//!   project's fake GitHub with the demo data and points `GITHUB_API_URL`, `GITHUB_TOKEN` and
//!   `GITHUB_SQL_REGISTRY_URL` at it (for the SQLite extension). `refresh` marks output that the
//!   rework of writes is expected to change (DELETE and dry-run notes): it is compared all the
//!   same.
//! - `example NAME`: the block is docs/examples/NAME, verbatim; later blocks of the same page
//!   can run it as NAME. `file NAME`: the same, for a file that is only on the page.
//! - `postgres` (`postgres compare`): SQL for PostgreSQL, run through `github-sql serve` by
//!   crates/shell/tests/postgres.rs (which compares psql's output with the block after it).
//! - `skip (REASON)`: not run, for the reason given.
//!
//! Commands run in bash in a fresh directory per page with `github-sql` on PATH
//! (`cargo run --release --` and `./target/release/github-sql` are that binary) and
//! `target/release/libgithub_sql` meaning the built extension; GitHub's variables and the
//! `GITHUB_SQL_*` settings are unset, and writes are not paced.
//!
//! `DOC_BLOCKS_UPDATE=1 cargo test --release -p github-sql-shell --test doc_blocks` writes what
//! the commands printed into the output blocks that differ (review the diff before committing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use github_sql_fake::FakeGitHub;

/// A fenced block of a page.
#[derive(Clone, Debug)]
struct Block {
    /// `docs/pruning.md:120` (the fence's line).
    at: String,
    lang: String,
    text: String,
    tag: Option<String>,
    /// The body's lines, 0-based, end exclusive (for `DOC_BLOCKS_UPDATE`).
    body: (usize, usize),
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The pages: README.md and docs/*.md (the generated docs/tables and docs/reference have tests
/// of their own, docs.rs).
fn pages() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    out.extend(docs);
    out
}

fn blocks(page: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(page).expect("page");
    let name = page
        .strip_prefix(root())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| page.display().to_string())
        .replace("../", "");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(lang) = line.strip_prefix("```") {
            let start = i;
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].starts_with("```") {
                body.push(lines[i]);
                i += 1;
            }
            let tag = start
                .checked_sub(1)
                .and_then(|p| lines[p].trim().strip_prefix("<!-- test:"))
                .and_then(|t| t.strip_suffix("-->"))
                .map(|t| t.trim().to_string());
            out.push(Block {
                at: format!("{name}:{}", start + 1),
                lang: lang.trim().to_string(),
                text: body.join("\n") + "\n",
                tag,
                body: (start + 1, i),
            });
        }
        i += 1;
    }
    out
}

/// What a tag asks for.
#[derive(Debug, Default)]
struct Compare {
    streams: Vec<&'static str>,
    fails: bool,
    now: Option<String>,
    fake: bool,
}

fn parse_compare(words: &str) -> Compare {
    let mut c = Compare::default();
    for w in words.split([' ', ',']).filter(|w| !w.is_empty()) {
        match w {
            "stdout" => c.streams.push("stdout"),
            "stderr" => c.streams.push("stderr"),
            "all" => c.streams.push("all"),
            "fails" => c.fails = true,
            "fake" => c.fake = true,
            "refresh" => {}
            w if w.starts_with("now=") => c.now = Some(w[4..].to_string()),
            other => panic!("unknown word {other:?} in a test tag"),
        }
    }
    if c.streams.is_empty() {
        c.streams.push("stdout");
    }
    c
}

/// Ports and run ids, which change with every run; with `now`, the times of the run.
fn normalise(text: &str, shown: bool, now: Option<&str>) -> String {
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").expect("re");
    let run_id = regex::Regex::new(r"\b\d{8}T\d{6}Z-\d+-[0-9a-f]+\b").expect("re");
    let mut out = String::new();
    for line in text.lines() {
        let l = port.replace_all(line.trim_end(), "127.0.0.1:PORT");
        let mut l = run_id.replace_all(&l, "RUN-ID").into_owned();
        if let Some(day) = now {
            l = replace_times(&l, |t| {
                if shown {
                    t.starts_with(day)
                } else {
                    near_now(t)
                }
            });
        }
        out.push_str(&l);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// Replaces the RFC 3339 UTC times (`2026-11-25T20:36:13Z`, fractions too) that `pick` chooses
/// by `NOW`.
fn replace_times(s: &str, pick: impl Fn(&str) -> bool) -> String {
    let time = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z").expect("re");
    time.replace_all(s, |c: &regex::Captures| {
        if pick(&c[0]) {
            "NOW".to_string()
        } else {
            c[0].to_string()
        }
    })
    .into_owned()
}

/// Whether a time is within a day of now (the run's own times).
fn near_now(t: &str) -> bool {
    let day = |s: &str| -> Option<i64> {
        let y: i64 = s.get(0..4)?.parse().ok()?;
        let m: i64 = s.get(5..7)?.parse().ok()?;
        let d: i64 = s.get(8..10)?.parse().ok()?;
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(era * 146097 + doe - 719468)
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 / 86_400)
        .unwrap_or(0);
    day(t).is_some_and(|d| (d - now).abs() <= 1)
}

/// The environment every block runs in.
struct Sandbox {
    dir: PathBuf,
    bin: PathBuf,
    lib: PathBuf,
}

impl Sandbox {
    fn new(page: &str) -> Sandbox {
        let dir = std::env::temp_dir().join(format!(
            "ghsql-doc-blocks-{}-{}",
            std::process::id(),
            page.replace(['/', '.'], "_")
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = dir.join(".bin");
        std::fs::create_dir_all(&bin).expect("sandbox");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_github-sql"), bin.join("github-sql"))
            .expect("symlink");
        let exe = std::env::current_exe().expect("test exe");
        let lib = exe.parent().expect("deps").join("libgithub_sql");
        Sandbox { dir, bin, lib }
    }

    /// Runs a shell block: (stdout, stderr, interleaved, success).
    fn sh(&self, script: &str, fake: Option<&FakeGitHub>) -> (String, String, String, bool) {
        let script = script
            .replace("cargo run --release -- ", "github-sql ")
            .replace("./target/release/github-sql", "github-sql")
            .replace("target/release/github-sql", "github-sql")
            .replace(
                "./target/release/libgithub_sql",
                &self.lib.display().to_string(),
            )
            .replace(
                "target/release/libgithub_sql",
                &self.lib.display().to_string(),
            );
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let run = |interleave: bool| {
            let body = if interleave {
                format!("{{\n{script}\n}} 2>&1")
            } else {
                script.clone()
            };
            let mut cmd = Command::new("bash");
            cmd.arg("-c")
                .arg(format!("set -o pipefail\n{body}"))
                .current_dir(&self.dir)
                .env("PATH", &path)
                .env("HOME", &self.dir)
                .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
                .env("COLUMNS", "200")
                .env_remove("PAGER")
                .env_remove("GITHUB_SQL_PAGER");
            for (k, _) in std::env::vars_os() {
                let k = k.to_string_lossy().into_owned();
                if k.starts_with("GITHUB_SQL_") && k != "GITHUB_SQL_WRITE_DELAY_MS" {
                    cmd.env_remove(&k);
                }
            }
            for k in [
                "GITHUB_TOKEN",
                "GH_TOKEN",
                "STACKQL_GITHUB_PASSWORD",
                "GITHUB_API_URL",
                "XDG_STATE_HOME",
                "XDG_DATA_HOME",
            ] {
                cmd.env_remove(k);
            }
            if let Some(f) = fake {
                cmd.env("GITHUB_API_URL", f.base_url())
                    .env("GITHUB_TOKEN", "demo-token")
                    .env("GITHUB_SQL_REGISTRY_URL", f.base_url());
            }
            cmd.output().expect("bash")
        };
        let out = run(false);
        let all = run(true);
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            String::from_utf8_lossy(&all.stdout).into_owned(),
            out.status.success(),
        )
    }
}

/// What checking the pages found wrong, and what ran.
#[derive(Default)]
struct Report {
    problems: Vec<String>,
    counts: BTreeMap<String, usize>,
    /// With `DOC_BLOCKS_UPDATE=1`: output blocks to rewrite with what the commands printed
    /// (the command block's tag line, the output's body lines, the new text).
    updates: Vec<(usize, (usize, usize), String)>,
}

impl Report {
    fn count(&mut self, what: &str) {
        *self.counts.entry(what.to_string()).or_default() += 1;
    }
}

/// The line `--demo` starts with, on stderr.
const DEMO_LINE: &str = "demo: sample data from the built-in fake GitHub at ";

/// Languages that are code to run (the others show output, a file format or a description).
const CODE: &[&str] = &["sh", "sql", "python", "rust"];

fn check_page(page: &Path, report: &mut Report) {
    let blocks = blocks(page);
    let name = page
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let sandbox = Sandbox::new(&name);
    let mut i = 0;
    while i < blocks.len() {
        let b = blocks[i].clone();
        i += 1;
        let Some(tag) = b.tag.clone() else {
            if CODE.contains(&b.lang.as_str()) {
                report.problems.push(format!(
                    "{}: a ```{} block without a <!-- test: … --> tag",
                    b.at, b.lang
                ));
            }
            continue;
        };
        // Clauses run in order: `example keep.sql; compare stderr`. A skip's reason is the rest.
        let clauses: Vec<&str> = if tag.starts_with("skip") {
            vec![tag.as_str()]
        } else {
            tag.split(';').map(str::trim).collect()
        };
        for clause in clauses {
            let (kind, rest) = clause.split_once([' ', ',']).unwrap_or((clause, ""));
            let rest = rest.trim();
            match kind {
                "skip" => {
                    if !(rest.starts_with('(') && rest.ends_with(')') && rest.len() > 4) {
                        report
                            .problems
                            .push(format!("{}: skip needs a reason: skip (why)", b.at));
                    }
                    report.count("skipped");
                }
                "postgres" => report.count("postgres"),
                "example" | "file" => {
                    if kind == "example" {
                        let path = root().join("docs/examples").join(rest);
                        match std::fs::read_to_string(&path) {
                            Ok(have) if have.trim_end() == b.text.trim_end() => {}
                            Ok(_) => report
                                .problems
                                .push(format!("{}: differs from docs/examples/{rest}", b.at)),
                            Err(_) => report
                                .problems
                                .push(format!("{}: docs/examples/{rest} does not exist", b.at)),
                        }
                    }
                    std::fs::write(sandbox.dir.join(rest), &b.text).expect("write file");
                    report.count(kind);
                }
                "run" | "compare" => {
                    let mut c = parse_compare(rest);
                    if kind == "run" {
                        c.streams.clear();
                    }
                    i = run_block(&sandbox, &blocks, i, &b, &c, report);
                    report.count(kind);
                }
                other => report
                    .problems
                    .push(format!("{}: unknown test tag {other:?}", b.at)),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&sandbox.dir);
    if std::env::var_os("DOC_BLOCKS_UPDATE").is_some() && !report.updates.is_empty() {
        update_page(page, std::mem::take(&mut report.updates));
    }
    report.updates.clear();
}

/// `DOC_BLOCKS_UPDATE=1`: writes what the commands printed into the output blocks that differ,
/// and today's date into the `now=` of their tags (review the diff before committing).
fn update_page(page: &Path, mut updates: Vec<(usize, (usize, usize), String)>) {
    let text = std::fs::read_to_string(page).expect("page");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let today = today();
    // Bottom up, so earlier line numbers stay right.
    updates.sort_by_key(|(_, r, _)| std::cmp::Reverse(r.0));
    for (tag, (start, end), new) in updates {
        lines.splice(start..end, new.lines().map(String::from));
        if let Some(l) = lines.get_mut(tag) {
            if let Some(at) = l.find(" now=") {
                let date = l[at + 5..].chars().take(10).collect::<String>();
                *l = l.replacen(&format!(" now={date}"), &format!(" now={today}"), 1);
            }
        }
    }
    std::fs::write(page, lines.join("\n") + "\n").expect("write page");
}

/// Today's date, UTC, as YYYY-MM-DD.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 / 86_400)
        .unwrap_or(0);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Runs block `b` (the blocks after it, from `next`, are its output blocks) and compares; returns
/// the index of the first block after its outputs.
fn run_block(
    sandbox: &Sandbox,
    blocks: &[Block],
    mut next: usize,
    b: &Block,
    c: &Compare,
    report: &mut Report,
) -> usize {
    let script = match b.lang.as_str() {
        "sh" => b.text.clone(),
        "sql" => {
            let f = format!("block-{next}.sql");
            std::fs::write(sandbox.dir.join(&f), &b.text).expect("write sql");
            format!("github-sql --demo exec -i {f}")
        }
        // Debian's python3: its sqlite3 module loads extensions.
        "python" => format!("/usr/bin/python3 - <<'PYTHON'\n{}PYTHON\n", b.text),
        other => {
            report
                .problems
                .push(format!("{}: cannot run a ```{other} block", b.at));
            return next;
        }
    };
    let fake = c.fake.then(|| FakeGitHub::demo().expect("fake"));
    let (out, err, all, ok) = sandbox.sh(&script, fake.as_ref());
    if ok == c.fails {
        report.problems.push(format!(
            "{}: {} (stdout:\n{out}\nstderr:\n{err})",
            b.at,
            if c.fails {
                "expected to fail, but succeeded"
            } else {
                "failed"
            }
        ));
        return next + c.streams.len();
    }
    for stream in &c.streams {
        let Some(shown) = blocks.get(next) else {
            report
                .problems
                .push(format!("{}: no output block to compare with", b.at));
            break;
        };
        if CODE.contains(&shown.lang.as_str()) {
            report.problems.push(format!(
                "{}: the output block after it is ```{}",
                b.at, shown.lang
            ));
            break;
        }
        next += 1;
        let got = match *stream {
            "stdout" => &out,
            "stderr" => &err,
            _ => &all,
        };
        // The docs leave out `--demo`'s first stderr line unless they show it.
        let got = if shown.text.contains(DEMO_LINE) {
            got.to_string()
        } else {
            got.lines()
                .filter(|l| !l.starts_with(DEMO_LINE))
                .map(|l| format!("{l}\n"))
                .collect()
        };
        let want = normalise(&shown.text, true, c.now.as_deref());
        let have = normalise(&got, false, c.now.as_deref());
        if want != have {
            report.problems.push(format!(
                "{}: {stream} differs from {}:\n--- shown\n{want}\n--- got\n{have}\n---",
                b.at, shown.at
            ));
            // The tag is the line before the command block's fence.
            report
                .updates
                .push((b.body.0 - 2, shown.body, got.trim_end().to_string()));
        }
    }
    next
}

#[test]
fn every_block_of_the_docs_runs_as_tagged() {
    let mut report = Report::default();
    for page in pages() {
        check_page(&page, &mut report);
    }
    eprintln!("doc blocks: {:?}", report.counts);
    assert!(
        report.problems.is_empty(),
        "{} doc blocks are wrong:\n\n{}",
        report.problems.len(),
        report.problems.join("\n\n")
    );
    assert!(report.counts.get("compare").copied().unwrap_or(0) > 40);
}

/// The shell's `help` shows an example query from the provider: it must run.
#[test]
fn the_help_example_runs_on_the_demo() {
    let help = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["--demo", "exec", "help"])
        .env_remove("GITHUB_TOKEN")
        .output()
        .expect("help");
    let text = String::from_utf8_lossy(&help.stdout).into_owned();
    let example = text
        .lines()
        .find_map(|l| l.strip_prefix("Example: "))
        .unwrap_or_else(|| panic!("help shows an example:\n{text}"));
    let out = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["--demo", "exec", example])
        .env_remove("GITHUB_TOKEN")
        .output()
        .expect("example");
    assert!(
        out.status.success(),
        "{example}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).lines().count() > 4,
        "{example} shows rows"
    );
}

#[test]
fn the_normalising_rules() {
    assert_eq!(
        normalise(
            "demo at http://127.0.0.1:41779 run 20261201T221501Z-4242-9f3a",
            true,
            None
        ),
        "demo at http://127.0.0.1:PORT run RUN-ID"
    );
    assert_eq!(
        normalise(
            "| 2026-11-25T20:36:13Z | 2024-01-01T00:00:00Z |",
            true,
            Some("2026-11-25")
        ),
        "| NOW | 2024-01-01T00:00:00Z |"
    );
    assert_eq!(
        replace_times("2026-11-25T20:06:08.210165Z DEBUG", |_| true),
        "NOW DEBUG"
    );
}

/// Every `GITHUB_SQL_*` setting is a row of docs/configuration.md's table and a flag in
/// `--help` (with its variable), the token variables are named there too, and a value a setting
/// does not take stops the binary with the variable and what it takes.
#[test]
fn settings_are_documented_and_checked() {
    let config = std::fs::read_to_string(root().join("docs/configuration.md")).expect("page");
    let help = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .arg("--help")
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for s in github_sql::settings::SETTINGS {
        let row = format!("| `{}` | `--{}` |", s.name, s.flag());
        assert!(config.contains(&row), "configuration.md has the row {row}");
        assert!(
            help.contains(&format!("--{} <VALUE>", s.flag()))
                && help.contains(&format!("[env: {}", s.name)),
            "--help lists --{} with {}:\n{help}",
            s.flag(),
            s.name
        );
    }
    for v in [
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "STACKQL_GITHUB_PASSWORD",
        "GITHUB_API_URL",
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_APP_PRIVATE_KEY_PATH",
        "GITHUB_APP_INSTALLATION_ID",
    ] {
        assert!(
            config.contains(&format!("| `{v}` |")),
            "configuration.md: {v}"
        );
        assert!(help.contains(v), "--help names {v}");
    }
    // Every GITHUB_SQL_* variable the code reads is a setting.
    let mut named = std::collections::BTreeSet::new();
    for dir in [
        "crates/engine/src",
        "crates/shell/src",
        "crates/sqlite/src",
        "crates/postgres/src",
    ] {
        let mut stack = vec![root().join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).expect("source");
                    for (i, _) in text.match_indices("\"GITHUB_SQL_") {
                        let name: String = text[i + 1..]
                            .chars()
                            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                            .collect();
                        // A whole name, not a prefix (`"GITHUB_SQL_"`), and not a unit
                        // test's own (`GITHUB_SQL_TEST_…`).
                        if !name.ends_with('_') && !name.starts_with("GITHUB_SQL_TEST_") {
                            named.insert(name);
                        }
                    }
                }
            }
        }
    }
    for name in &named {
        assert!(
            github_sql::settings::setting(name).is_some(),
            "{name} is read by the code but is not in settings::SETTINGS"
        );
    }
    // Values a setting does not take.
    for (var, value, takes) in [
        ("GITHUB_SQL_CONCURRENCY", "0", "a whole number, 1 or more"),
        (
            "GITHUB_SQL_TIMEOUT",
            "abc",
            "a number of seconds greater than 0",
        ),
        (
            "GITHUB_SQL_CACHE",
            "maybe",
            "disk, memory or off (on, 1, true and yes mean disk; 0, false and no mean off)",
        ),
        (
            "GITHUB_SQL_LOG",
            "nonsense===",
            "a level (error, warn, info, debug, trace)",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_github-sql"))
            .args(["--demo", "exec", "SELECT 1"])
            .env(var, value)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{var}={value} is refused");
        assert!(
            err.contains(&format!(
                "{var}={value:?} is not valid: {var} takes {takes}"
            )),
            "{var}={value}: {err}"
        );
    }
}
