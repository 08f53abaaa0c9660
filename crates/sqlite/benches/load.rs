//! Start-up cost of the whole REST API: decoding the embedded provider, registering its tables
//! and functions, and planning a first query; and `.load` plus a first plan in the real
//! `sqlite3` shell, with its peak memory. Prints a Markdown table; docs/performance.md records a
//! run. Not a test: nothing fails on time, but each row says whether its target holds.
//!
//! "Before" rows parse YAML at run time, as every build did before the whole API was embedded:
//! the curated `provider-spec/` alone (what was embedded then) and the whole
//! `provider-spec-generated/` (what embedding it as YAML would have cost).
//!
//! Run: `cargo bench -p github-sql-sqlite --bench load` (builds the release extension first with
//! `cargo build --release -p github-sql-sqlite`; the sqlite3 rows need Debian's `sqlite3`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use github_sql::http::ClientConfig;
use github_sql::Engine;
use rusqlite::Connection;

/// A first query: a generated resource, planned (xConnect + xBestIndex), nothing sent.
const FIRST: &str = "EXPLAIN QUERY PLAN SELECT id, status FROM workflow_runs \
                     WHERE owner = 'octo' AND repo = 'app'";

/// The first query for the curated documents alone, which have no `workflow_runs`.
const FIRST_CURATED: &str = "EXPLAIN QUERY PLAN SELECT name FROM auth_user_versions \
                             WHERE package_type = 'npm' AND package_name = 'app'";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Registers every table and function on a new connection and plans `FIRST`.
fn register_and_plan(provider: &Arc<github_sql::spec::Provider>) {
    let engine = Engine::new(
        provider.clone(),
        ClientConfig::new("http://127.0.0.1:9", None),
    );
    let conn = Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    let mut stmt = conn.prepare(FIRST).expect("plan");
    let plan: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(3))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(plan.iter().any(|p| p.contains("VIRTUAL TABLE")), "{plan:?}");
}

/// One `sqlite3 :memory:` process: optionally `.load` the extension and plan `FIRST`; then its
/// own peak RSS (VmHWM, read by `.system` from the shell's parent, sqlite3). Returns wall time and
/// peak KiB.
fn sqlite3_run(
    ext: Option<&Path>,
    provider_dir: Option<&Path>,
    first: &str,
) -> Option<(Duration, u64)> {
    let mut cmd = Command::new("sqlite3");
    cmd.arg(":memory:");
    if let Some(ext) = ext {
        cmd.arg(format!(".load {}", ext.display())).arg(first);
    } else {
        cmd.arg("SELECT 1");
    }
    cmd.arg(".system grep VmHWM /proc/$PPID/status");
    cmd.env_remove("GITHUB_SQL_PROVIDER_DIR");
    if let Some(dir) = provider_dir {
        cmd.env("GITHUB_SQL_PROVIDER_DIR", dir);
    }
    let t = Instant::now();
    let out = cmd.output().ok()?;
    let elapsed = t.elapsed();
    if !out.status.success() {
        eprintln!("sqlite3 failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let kib = text
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())?;
    Some((elapsed, kib))
}

fn sqlite3_median(
    runs: usize,
    ext: Option<&Path>,
    dir: Option<&Path>,
    first: &str,
) -> Option<(Duration, u64)> {
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let (t, kib) = sqlite3_run(ext, dir, first)?;
        times.push(t);
        peak = kib;
    }
    Some((median(times), peak))
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let runs = if quick { 5 } else { 21 };
    let root = workspace();
    let curated = root.join("provider-spec");
    let generated = root.join("provider-spec-generated");

    println!("| step | provider | median | target |");
    println!("|---|---|---|---|");
    let yaml_curated = time(runs, || {
        github_sql::spec::load_dir(&curated).expect("curated")
    });
    println!(
        "| parse YAML (before) | curated (packages, registry) | {} | |",
        ms(yaml_curated)
    );
    let yaml_all = time(runs.min(5), || {
        github_sql::spec::load_dir(&generated).expect("generated")
    });
    println!("| parse YAML (naive) | whole API | {} | |", ms(yaml_all));
    let decode = time(runs, || {
        github_sql::spec::load_embedded().expect("embedded")
    });
    let provider = Arc::new(github_sql::spec::load_embedded().expect("embedded"));
    println!("| decode embedded (after) | whole API | {} | |", ms(decode));
    let register = time(runs, || register_and_plan(&provider));
    println!("| register + first plan | whole API | {} | |", ms(register));
    let total = decode + register;
    println!(
        "| in-process total (after) | whole API | {} | < 50 ms: {} |",
        ms(total),
        if total < Duration::from_millis(50) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!();

    let ext = root.join("target/release/libgithub_sql.so");
    if !ext.exists() {
        println!("(no {}: build it with `cargo build --release -p github-sql-sqlite` for the sqlite3 rows)", ext.display());
        return;
    }
    let Some((base_t, base_kib)) = sqlite3_median(runs, None, None, "") else {
        println!("(sqlite3 not runnable: the sqlite3 rows need Debian's sqlite3)");
        return;
    };
    println!("| sqlite3 :memory: | provider | wall, median | extra over bare sqlite3 | peak RSS | extra RSS | target |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| `SELECT 1` (no extension) | – | {} | – | {:.1} MB | – | |",
        ms(base_t),
        base_kib as f64 / 1024.0
    );
    let mut curated_kib = base_kib;
    for (label, dir, first) in [
        (
            "before: curated YAML",
            Some(curated.as_path()),
            FIRST_CURATED,
        ),
        ("naive: whole API as YAML", Some(generated.as_path()), FIRST),
        ("after: whole API embedded", None, FIRST),
    ] {
        let runs = if dir == Some(generated.as_path()) {
            runs.min(5)
        } else {
            runs
        };
        let Some((t, kib)) = sqlite3_median(runs, Some(&ext), dir, first) else {
            continue;
        };
        if label.starts_with("before") {
            curated_kib = kib;
        }
        let extra_t = t.saturating_sub(base_t);
        let extra_mb = kib.saturating_sub(base_kib) as f64 / 1024.0;
        let target = if label.starts_with("after") {
            let over_before = kib.saturating_sub(curated_kib) as f64 / 1024.0;
            format!(
                "< 50 ms: {}; ≤ 30 MB more than before ({over_before:.1} MB): {}",
                if extra_t < Duration::from_millis(50) {
                    "met"
                } else {
                    "MISSED"
                },
                if over_before <= 30.0 { "met" } else { "MISSED" }
            )
        } else {
            String::new()
        };
        println!(
            "| `.load` + first plan | {label} | {} | {} | {:.1} MB | {extra_mb:.1} MB | {target} |",
            ms(t),
            ms(extra_t),
            kib as f64 / 1024.0
        );
    }
}
