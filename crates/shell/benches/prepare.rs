//! Preparing long statements in the shell. Prints two Markdown tables; docs/performance.md
//! records a run. Not a test: nothing here fails on time, but each row says whether its target
//! holds.
//!
//! 1. In process: splitting, three-part-name rewriting and classification of one statement with a
//!    long IN list, then SQLite's own prepare and planning against the registered tables (target:
//!    under a second of CPU for 200k items; wall time is shown too, inflated on a busy machine).
//! 2. Whole processes, as a user runs them: `github-sql exec -i FILE` and the file piped into
//!    `github-sql shell`, next to Debian's `sqlite3` reading the same file, for
//!    `SELECT count(*) FROM (SELECT 1) WHERE … IN (…)` with N = 20k, 50k and 200k items written
//!    three ways: on one line, one item a line, and with a `;` inside every item. Wall and CPU time
//!    (user + system), median of 3 runs. Target: linear in N: the CPU time of the slower of the
//!    two at most 1.5 × the 20k row's scaled by N (quadratic growth is 2.5× at 50k, 10× at 200k).
//!
//! Run: `cargo bench -p github-sql-shell --bench prepare` (`-- quick` skips 200k items). To compare
//! with another build (the one before a change), set `PREPARE_BENCH_BEFORE=/path/to/github-sql`:
//! each row then also shows that build, one run each, stopped after `PREPARE_BENCH_CAP` seconds
//! (default 60).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    in_process();
    whole_process(quick);
}

fn in_process() {
    let provider = std::sync::Arc::new(github_sql::spec::load_embedded().expect("provider"));
    // A session with the tables registered, so SQLite plans the statement against them (no
    // request is sent: the statement is prepared, never stepped).
    let engine = github_sql::Engine::new(
        provider.clone(),
        github_sql::http::ClientConfig::new("http://127.0.0.1:9", None),
    );
    let session =
        github_sql_shell::Session::new(engine, github_sql_shell::output::OutputFormat::Table)
            .expect("session");
    println!(
        "| IN-list items | bytes | split + rewrite + classify (wall / CPU) | + SQLite prepare (plan) | target (CPU) | holds |"
    );
    println!("|---|---|---|---|---|---|");
    for n in [40_000usize, 200_000] {
        let list: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        let sql = format!(
            "SELECT id FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'é' AND id IN ({});",
            list.join(", ")
        );
        let start = Instant::now();
        let cpu_start = own_cpu();
        let mut rewritten = Vec::new();
        for stmt in github_sql_shell::rewrite::split_statements(&sql) {
            if let Ok(github_sql_shell::stackql::Statement::Sql(s)) =
                github_sql_shell::stackql::classify(&provider, &stmt)
            {
                rewritten.push(s);
            }
        }
        let ours = (start.elapsed().as_secs_f64(), own_cpu() - cpu_start);
        assert_eq!(rewritten.len(), 1);
        let stmt = session
            .connection()
            .prepare(&rewritten[0])
            .expect("prepares");
        drop(stmt);
        let took = (start.elapsed().as_secs_f64(), own_cpu() - cpu_start);
        println!(
            "| {n} | {} | {:.3} / {:.3} s | {:.3} / {:.3} s | < 1 s | {} |",
            sql.len(),
            ours.0,
            ours.1,
            took.0,
            took.1,
            if took.1 < 1.0 { "yes" } else { "no" }
        );
    }
    println!();
}

/// How the IN list is written.
#[derive(Clone, Copy)]
enum Shape {
    OneLine,
    ItemPerLine,
    SemicolonInItems,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::OneLine => "one line",
            Shape::ItemPerLine => "one item a line",
            Shape::SemicolonInItems => "`;` in every item",
        }
    }

    /// The script; every shape counts 1.
    fn script(self, n: usize) -> String {
        match self {
            Shape::OneLine | Shape::ItemPerLine => {
                let items: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
                let sep = if matches!(self, Shape::OneLine) {
                    ", "
                } else {
                    ",\n"
                };
                format!(
                    "SELECT count(*) FROM (SELECT 1) WHERE 1 IN ({});\n",
                    items.join(sep)
                )
            }
            Shape::SemicolonInItems => {
                let items: Vec<String> = (1..=n).map(|i| format!("'{i};'")).collect();
                format!(
                    "SELECT count(*) FROM (SELECT 1) WHERE '1;' IN ({});\n",
                    items.join(", ")
                )
            }
        }
    }
}

/// One run of a whole process: wall and CPU seconds, or `None` when it passed `cap`.
fn run(cmd: &mut Command, stdin: Option<&Path>, cap: Duration) -> Option<(f64, f64)> {
    let cpu_before = children_cpu();
    let start = Instant::now();
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("starts");
    // Fed through a pipe, as `cat FILE | github-sql shell` does.
    let feeder = stdin.map(|path| {
        let text = std::fs::read(path).expect("script");
        let mut pipe = child.stdin.take().expect("stdin");
        std::thread::spawn(move || {
            let _ = pipe.write_all(&text);
        })
    });
    let mut out = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            let wall = start.elapsed().as_secs_f64();
            let cpu = children_cpu() - cpu_before;
            if let Some(f) = feeder {
                let _ = f.join();
            }
            let stdout = reader.join().expect("reader");
            assert!(
                status.success() && stdout.trim_end().ends_with('1'),
                "{cmd:?}: {status}, printed {stdout:?}"
            );
            return Some((wall, cpu));
        }
        if start.elapsed() > cap {
            // Our own child, by its handle.
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// User + system seconds of the children waited for so far.
fn children_cpu() -> f64 {
    cpu(libc::RUSAGE_CHILDREN)
}

/// User + system seconds of this process so far.
fn own_cpu() -> f64 {
    cpu(libc::RUSAGE_SELF)
}

fn cpu(who: libc::c_int) -> f64 {
    // SAFETY: rusage is plain data (all zeroes is valid), and getrusage only writes into it.
    let u = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut u);
        u
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Median of three runs, as "wall / cpu s".
fn median3(mut f: impl FnMut() -> Option<(f64, f64)>) -> Option<(f64, f64)> {
    let mut runs: Vec<(f64, f64)> = (0..3).map(|_| f()).collect::<Option<_>>()?;
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let wall = runs[1].0;
    runs.sort_by(|a, b| a.1.total_cmp(&b.1));
    Some((wall, runs[1].1))
}

fn cell(r: Option<(f64, f64)>, cap: Duration) -> String {
    match r {
        Some((wall, cpu)) => format!("{wall:.2} / {cpu:.2} s"),
        None => format!("over {} s", cap.as_secs()),
    }
}

fn whole_process(quick: bool) {
    let dir = std::env::temp_dir().join(format!("github-sql-prepare-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let before = std::env::var_os("PREPARE_BENCH_BEFORE").map(PathBuf::from);
    let cap = Duration::from_secs(
        std::env::var("PREPARE_BENCH_CAP")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(60),
    );
    let sqlite3 = Path::new("/usr/bin/sqlite3").exists();
    // Our runs are never stopped: the cap is for the build before.
    let no_cap = Duration::from_secs(3600);
    let exec = |bin: &Path, file: &Path, cap| {
        run(
            Command::new(bin)
                .args(["-o", "csv", "exec", "-i"])
                .arg(file),
            None,
            cap,
        )
    };
    let shell = |bin: &Path, file: &Path, cap| {
        run(
            Command::new(bin).args(["-o", "csv", "shell"]),
            Some(file),
            cap,
        )
    };
    print!("| statement | N | bytes | `exec -i FILE` | piped into `shell` | `sqlite3` |");
    if before.is_some() {
        print!(" before: `exec -i FILE` | before: piped into `shell` |");
    }
    println!(" target | holds |");
    println!(
        "|---|---|---|---|---|---|{}---|---|",
        if before.is_some() { "---|---|" } else { "" }
    );
    let sizes: &[usize] = if quick {
        &[20_000, 50_000]
    } else {
        &[20_000, 50_000, 200_000]
    };
    for shape in [Shape::OneLine, Shape::ItemPerLine, Shape::SemicolonInItems] {
        let mut first: Option<f64> = None;
        for &n in sizes {
            let file = dir.join(format!("in{n}.sql"));
            let script = shape.script(n);
            std::fs::write(&file, &script).expect("script written");
            let bin = Path::new(BIN);
            let e = median3(|| exec(bin, &file, no_cap));
            let s = median3(|| shell(bin, &file, no_cap));
            let q = sqlite3
                .then(|| {
                    median3(|| run(&mut Command::new("/usr/bin/sqlite3"), Some(&file), no_cap))
                })
                .flatten();
            print!(
                "| {} | {n} | {} | {} | {} | {} |",
                shape.name(),
                script.len(),
                cell(e, no_cap),
                cell(s, no_cap),
                if sqlite3 {
                    cell(q, no_cap)
                } else {
                    "–".into()
                }
            );
            if let Some(old) = &before {
                print!(
                    " {} | {} |",
                    cell(exec(old, &file, cap), cap),
                    cell(shell(old, &file, cap), cap)
                );
            }
            // Linear: CPU time (steadier than wall time on a shared machine) of the slower of
            // exec and shell, against the 20k row's scaled by N.
            let ours = e.map_or(f64::MAX, |r| r.1).max(s.map_or(f64::MAX, |r| r.1));
            let base = *first.get_or_insert(ours);
            let linear = base * n as f64 / sizes[0] as f64;
            if n == sizes[0] {
                println!(" — | — |");
            } else {
                println!(
                    " CPU ≤ 1.5 × {linear:.2} s (the {}k row's × {}) | {} |",
                    sizes[0] / 1000,
                    n as f64 / sizes[0] as f64,
                    if ours <= 1.5 * linear { "yes" } else { "no" }
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
