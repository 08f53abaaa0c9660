//! Rate limits as the scale bound (issue 22): what the shared cache, pacing and the 20-page burst
//! save, measured on whole processes as users run them (`github-sql exec …`, `psql` against
//! `github-sql serve`), against the project's fake GitHub in this process (a fixed delay per
//! response stands in for GitHub's latency; its log gives bodies, 304s and the primary budget).
//! Prints a Markdown table; docs/performance.md records a run. Nothing fails on time: each row
//! says whether its goal holds.
//!
//! Run: `cargo bench -p github-sql-shell --bench cache` (`-- quick` skips the 1,000-package
//! prune, which pacing by GitHub's 900 points a minute makes take minutes). The dashboard case
//! needs the wrapper: `GITHUB_SQL_PG_PACKAGE=<dir of cargo pgrx package>` or an installed
//! extension; it is skipped otherwise.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use github_sql_fake::{FakeGitHub, LoggedRequest, Store};

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const TOKEN: &str = "bench-token";
const TWENTY: &str = "SELECT count(*) FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'twenty'";

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "github-sql-bench-cache-{}-{tag}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

/// `github-sql exec` against the fake with its cache in `cache` (or `GITHUB_SQL_CACHE=mode`);
/// returns its wall time.
fn exec(fake: &FakeGitHub, cache: &Path, mode: &str, sql: &str) -> Duration {
    run_exec(fake, cache, mode, &[sql])
}

/// `github-sql exec -i FILE`.
fn exec_file(fake: &FakeGitHub, cache: &Path, mode: &str, file: &str) -> Duration {
    run_exec(fake, cache, mode, &["-i", file])
}

fn run_exec(fake: &FakeGitHub, cache: &Path, mode: &str, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(BIN)
        .args(["--yes", "-o", "csv", "exec"])
        .args(args)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_SQL_CACHE", mode)
        .env("GITHUB_SQL_CACHE_DIR", cache)
        .env("GITHUB_SQL_JOURNAL", "off")
        .env_remove("GITHUB_SQL_CACHE_MAX_AGE")
        .output()
        .expect("runs");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// What the fake saw: full bodies (2xx GETs with a body), 304s, and primary points used.
struct Seen {
    bodies: usize,
    not_modified: usize,
    requests: usize,
    primary: u32,
}

fn seen(fake: &FakeGitHub, before: u32) -> Seen {
    let log: Vec<LoggedRequest> = fake.requests();
    Seen {
        bodies: log
            .iter()
            .filter(|r| r.method == "GET" && r.status == 200)
            .count(),
        not_modified: log.iter().filter(|r| r.status == 304).count(),
        requests: log.len(),
        primary: fake.primary_used().1 - before,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn holds(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

fn twenty() -> Store {
    let mut s = Store::new();
    s.add_package("npm", "twenty").add_versions(2000);
    // Lists no earlier run read: a cold run against a database in use.
    for k in 0..16 {
        s.add_package("npm", &format!("twenty{k}"))
            .add_versions(2000);
    }
    s
}

/// The 20-page count over `twenty{k}`.
fn twenty_k(k: usize) -> String {
    TWENTY.replace("'twenty'", &format!("'twenty{k}'"))
}

/// A sequential paginator: GET, follow `rel="next"`, one page after another (what StackQL,
/// Steampipe and `gh api --paginate` do).
fn sequential(fake: &FakeGitHub) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .user_agent("bench")
            .build()
            .expect("client");
        let mut next = Some(format!(
            "{}/user/packages/npm/twenty/versions?per_page=100",
            fake.base_url()
        ));
        let start = Instant::now();
        while let Some(url) = next.take() {
            let resp = http.get(&url).bearer_auth(TOKEN).send().await.expect("get");
            next = resp
                .headers()
                .get("link")
                .and_then(|h| h.to_str().ok())
                .and_then(|h| {
                    github_sql::http::parse_link_header(h)
                        .into_iter()
                        .find(|(r, _)| *r == github_sql::http::LinkRel::Next)
                        .map(|(_, u)| u)
                });
            let _ = resp.bytes().await.expect("body");
        }
        start.elapsed()
    })
}

fn main() {
    // `-- hold`: serve the 20-page list and wait (for profiling a process by hand).
    if std::env::args().any(|a| a == "hold") {
        let fake = FakeGitHub::start(twenty()).expect("fake");
        println!("{}", fake.base_url());
        std::thread::sleep(Duration::from_secs(900));
        return;
    }
    let quick = std::env::args().any(|a| a == "quick");
    // `-- cold`: only the cold-run cases.
    let only_cold = std::env::args().any(|a| a == "cold");
    let mut rows: Vec<String> = Vec::new();

    // 1. A repeated query in a new process.
    if !only_cold {
        let fake = FakeGitHub::start(twenty()).expect("fake");
        let cache = temp_dir("repeat");
        for (mode, label) in [("memory", "in memory (before)"), ("disk", "on disk")] {
            exec(&fake, &cache, mode, TWENTY);
            fake.clear_requests();
            let before = fake.primary_used().1;
            exec(&fake, &cache, mode, TWENTY);
            let s = seen(&fake, before);
            rows.push(format!(
                "| repeated 20-page query in a new process, cache {label}: full bodies / primary points | {} / {} | {} 304s of {} requests | 0 / 0 | {} |",
                s.bodies,
                s.primary,
                s.not_modified,
                s.requests,
                if mode == "disk" { holds(s.bodies == 0 && s.primary == 0) } else { "—" }
            ));
        }
        let _ = std::fs::remove_dir_all(cache);
    }

    // 2. 20 pages at 100 ms against a sequential paginator, and the disk cache's cost cold.
    {
        let fake = FakeGitHub::start(twenty()).expect("fake");
        // An existing cache database (the user's, in use) that does not hold this list: what a
        // first query costs; and a brand-new directory (the very first run).
        let existing = temp_dir("existing");
        exec(&fake, &existing, "disk", TWENTY);
        let mut list = 0;
        for latency in [100u64, 20, 0] {
            fake.set_latency(Duration::from_millis(latency));
            let (mut base, mut disk, mut fresh, mut memory) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for _ in 0..5 {
                base.push(sequential(&fake));
                // Cold: a list this database has not seen.
                disk.push(exec(&fake, &existing, "disk", &twenty_k(list % 16)));
                list += 1;
                let d = temp_dir("cold");
                fresh.push(exec(&fake, &d, "disk", TWENTY));
                let _ = std::fs::remove_dir_all(&d);
                memory.push(exec(&fake, &existing, "memory", TWENTY));
            }
            let (base, disk, fresh, memory) =
                (median(base), median(disk), median(fresh), median(memory));
            let ratio = disk.as_secs_f64() / base.as_secs_f64();
            let cost = disk.as_secs_f64() / memory.as_secs_f64() - 1.0;
            let fresh_cost = fresh.as_secs_f64() / memory.as_secs_f64() - 1.0;
            if latency == 100 {
                rows.push(format!(
                    "| 20 pages at 100 ms, a new process (cold), against a sequential paginator, median of 5 | {} | {} | {ratio:.3} | ≤ 0.12 | {} |",
                    ms(base),
                    ms(disk),
                    holds(ratio <= 0.12)
                ));
            }
            rows.push(format!(
                "| disk cache on a cold run, 20 pages at {latency} ms: disk against memory, median of 5 | {} | {} | {:+.1} % | ≤ 5 % | {} |",
                ms(memory),
                ms(disk),
                cost * 100.0,
                if latency == 0 { "—" } else { holds(cost <= 0.05) }
            ));
            rows.push(format!(
                "| same, the very first run (the cache directory made) | {} | {} | {:+.1} % | — | — |",
                ms(memory),
                ms(fresh),
                fresh_cost * 100.0
            ));
        }
        let _ = std::fs::remove_dir_all(existing);
    }

    // 3. An hourly prune over 1,000 packages where nothing changed.
    if !quick && !only_cold {
        let mut s = Store::new();
        for i in 0..1000 {
            s.add_package("npm", &format!("pkg{i:04}")).add_versions(5);
        }
        let fake = FakeGitHub::start(s).expect("fake");
        let cache = temp_dir("prune");
        let sql = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/examples/all-packages.sql"
        );
        let first = exec_file(&fake, &cache, "disk", sql);
        let s1 = seen(&fake, 0);
        fake.clear_requests();
        let before = fake.primary_used().1;
        let again = exec_file(&fake, &cache, "disk", sql);
        let s2 = seen(&fake, before);
        rows.push(format!(
            "| prune (docs/examples/all-packages.sql) over 1,000 packages, first run: requests / primary points / time | — | {} / {} / {:.0} s | — | — | — |",
            s1.requests,
            s1.primary,
            first.as_secs_f64()
        ));
        rows.push(format!(
            "| same prune an hour later, nothing changed: primary points used (requests, 304s, time) | — | {} ({} requests, {} 304s, {:.0} s) | — | 0 | {} |",
            s2.primary,
            s2.requests,
            s2.not_modified,
            again.as_secs_f64(),
            holds(s2.primary == 0)
        ));
        let _ = std::fs::remove_dir_all(cache);
    }

    // 4. A BI dashboard refreshed through the wrapper by 8 backends at once.
    match if only_cold { None } else { dashboard() } {
        Some(r) => rows.extend(r),
        None => rows.push(
            "| BI dashboard through the wrapper, 8 backends | — | skipped: no wrapper (set GITHUB_SQL_PG_PACKAGE) | — | — | — |"
                .into(),
        ),
    }

    println!("| case | baseline | github-sql | ratio or count | goal | holds |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `github-sql serve` against the fake, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wrapper_available() -> bool {
    if std::env::var_os("GITHUB_SQL_PG_PACKAGE").is_some() {
        return true;
    }
    let sharedir = Command::new("pg_config")
        .arg("--sharedir")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Path::new(&sharedir)
        .join("extension/github_sql.control")
        .is_file()
}

/// Eight `psql` sessions refresh a three-query dashboard at once, twice: full bodies and 304s
/// per refresh, from the fake's log.
fn dashboard() -> Option<Vec<String>> {
    if !wrapper_available() || !Path::new("/usr/bin/psql").is_file() {
        return None;
    }
    let mut s = Store::new();
    s.add_package("npm", "web").add_versions(450);
    s.add_package("npm", "api").add_versions(120);
    s.add_package("container", "team/app").add_versions(60);
    let fake = FakeGitHub::start(s).expect("fake");
    let dir = std::env::temp_dir().join(format!(
        "github-sql-bench-dash-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let _ = Command::new("chmod").arg("0755").arg(&dir).status();
    let mut child = Command::new(BIN)
        .args(["serve", "--port", &free_port().to_string(), "--data-dir"])
        .arg(&dir)
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("github-sql serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("serve prints its URL");
    let server = Server {
        child,
        url: line.trim().to_string(),
        dir,
    };
    if !server.url.starts_with("postgres://") {
        return None;
    }
    let dashboard = "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'web'; \
                     SELECT package_name, count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name IN ('web', 'api') GROUP BY 1; \
                     SELECT count(*) FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app';";
    let refresh = || -> Duration {
        let start = Instant::now();
        let children: Vec<Child> = (0..8)
            .map(|_| {
                Command::new("psql")
                    .args([&server.url, "-X", "-q", "-A", "-t", "-c", dashboard])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("psql")
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().expect("psql");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        start.elapsed()
    };
    let mut out = Vec::new();
    for k in 1..=3 {
        fake.clear_requests();
        let before = fake.primary_used().1;
        let took = refresh();
        let s = seen(&fake, before);
        out.push(format!(
            "| BI dashboard (3 queries) refreshed by 8 backends at once, refresh {k}: full bodies / 304s / primary points | — | {} / {} / {} ({}) | {} requests | {} | {} |",
            s.bodies,
            s.not_modified,
            s.primary,
            ms(took),
            s.requests,
            if k == 1 { "—" } else { "0 bodies" },
            if k == 1 { "—" } else { holds(s.bodies == 0) }
        ));
    }
    Some(out)
}
