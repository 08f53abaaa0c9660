//! Performance benchmarks against the project's fake GitHub with injected latency. Prints a
//! Markdown table; docs/performance.md records a run. Not a test: nothing here fails on time,
//! but each row says whether its target holds.
//!
//! Run: `cargo bench --bench perf` (add `-- quick` for fewer cases).

use std::sync::Arc;
use std::time::{Duration, Instant};

use github_sql::http::{block_on, ClientConfig, Token};
use github_sql::Engine;
use github_sql_fake::{FakeGitHub, Store};
use rusqlite::Connection;

const TOKEN: &str = "bench-token";

fn store() -> Store {
    let mut s = Store::new();
    s.add_package("npm", "p1").add_versions(100);
    s.add_package("npm", "p3").add_versions(300);
    s.add_package("npm", "p20").add_versions(2000);
    for name in ["a", "b", "c"] {
        s.add_package("npm", name).add_versions(100);
    }
    s
}

fn connect(fake: &FakeGitHub, cache: bool) -> Connection {
    let provider = Arc::new(github_sql::spec::load_embedded().expect("provider"));
    let config = ClientConfig {
        cache,
        ..ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
    };
    let conn = Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &Engine::new(provider, config)).expect("register");
    conn
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// What every peer does: one page after another, following `rel="next"`.
fn sequential(base: &str, name: &str) -> usize {
    block_on(async {
        let http = reqwest::Client::new();
        let mut url = format!("{base}/user/packages/npm/{name}/versions?per_page=100");
        let mut rows = 0;
        loop {
            let resp = http
                .get(&url)
                .bearer_auth(TOKEN)
                .header("user-agent", "bench")
                .send()
                .await
                .expect("send");
            let next = resp
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(|h| {
                    github_sql::http::parse_link_header(h)
                        .into_iter()
                        .find(|(r, _)| *r == github_sql::http::LinkRel::Next)
                        .map(|(_, u)| u)
                });
            let body: serde_json::Value =
                serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
            rows += body.as_array().map_or(0, Vec::len);
            match next {
                Some(n) => url = n,
                None => return rows,
            }
        }
    })
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

fn main() {
    if let Some(pos) = std::env::args().position(|a| a == "--rss-child") {
        return rss_child(&std::env::args().nth(pos + 1).expect("base url"));
    }
    github_sql::logging::init();
    let quick = std::env::args().any(|a| a == "quick");
    let fake = FakeGitHub::start(store()).expect("fake");
    let base = fake.base_url();
    println!("| case | baseline | github-sql | ratio or count | target | holds |");
    println!("|---|---|---|---|---|---|");

    // Pagination: sequential peer vs github-sql, per page count and latency.
    let latencies: &[u64] = if quick { &[100] } else { &[0, 50, 100] };
    for &lat in latencies {
        fake.set_latency(Duration::from_millis(lat));
        for (name, pages) in [("p1", 1), ("p3", 3), ("p20", 20)] {
            // Median of three runs each, alternating, so load on the machine hits both alike.
            let conn = connect(&fake, false);
            let sql = format!("SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = '{name}'");
            let mut seqs = Vec::new();
            let mut ourss = Vec::new();
            for _ in 0..3 {
                let (rows, seq) = time(|| sequential(&base, name));
                let (n, ours) = time(|| count(&conn, &sql));
                assert_eq!(n as usize, rows);
                seqs.push(seq);
                ourss.push(ours);
            }
            seqs.sort();
            ourss.sort();
            let (seq, ours) = (seqs[1], ourss[1]);
            let ratio = ours.as_secs_f64() / seq.as_secs_f64();
            let (target, ok) = if pages == 20 && lat == 100 {
                ("≤ 0.20", ratio <= 0.2)
            } else {
                ("—", true)
            };
            println!(
                "| {pages} pages, {lat} ms latency | {} | {} | {ratio:.2} | {target} | {} |",
                ms(seq),
                ms(ours),
                verdict(ok)
            );
        }
    }

    // IN over three packages vs three sequential lists.
    fake.set_latency(Duration::from_millis(100));
    let conn = connect(&fake, false);
    let (_, seq) = time(|| {
        ["a", "b", "c"]
            .iter()
            .map(|n| sequential(&base, n))
            .sum::<usize>()
    });
    let (n, ours) = time(|| {
        count(&conn, "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name IN ('a', 'b', 'c')")
    });
    assert_eq!(n, 300);
    let ratio = ours.as_secs_f64() / seq.as_secs_f64();
    println!(
        "| IN over 3 packages, 100 ms | {} | {} | {ratio:.2} | ≤ 0.50 | {} |",
        ms(seq),
        ms(ours),
        verdict(ratio <= 0.5)
    );

    // LIMIT pushdown: requests sent.
    fake.set_latency(Duration::ZERO);
    for k in [5u64, 150] {
        fake.clear_requests();
        let ids = count(&conn, &format!("SELECT count(*) FROM (SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'p20' LIMIT {k})"));
        assert_eq!(ids as u64, k);
        let sent = fake.requests().len() as u64;
        let want = k.div_ceil(100);
        println!(
            "| LIMIT {k}: requests | — | {sent} | {sent} | {want} | {} |",
            verdict(sent == want)
        );
    }

    // Repeat query: full bodies the second time.
    let cached = connect(&fake, true);
    let sql = "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'p20'";
    count(&cached, sql);
    fake.clear_requests();
    count(&cached, sql);
    let full = fake.requests().iter().filter(|r| r.status == 200).count();
    println!(
        "| repeat query: full bodies (of {}) | — | {full} | {full} | 0 | {} |",
        fake.requests().len(),
        verdict(full == 0)
    );

    // Rows per second with no latency, end to end (HTTP, JSON, SQLite), and decoding alone.
    let (n, d) = time(|| {
        count(&conn, "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'p20'")
    });
    println!(
        "| rows/s end to end, 0 ms (2,000 rows) | — | {} | {:.0} rows/s | — | — |",
        ms(d),
        n as f64 / d.as_secs_f64()
    );
    let rate = decode_rate(&fake);
    println!("| rows/s decoded (JSON page → column values) | — | — | {rate:.0} rows/s | ≥ 200,000 | {} |", verdict(rate >= 200_000.0));

    // Peak memory listing 100k versions, in a child process that only runs the client.
    if !quick {
        drop(fake);
        let mut big = Store::new();
        big.add_package("npm", "huge").add_versions(100_000);
        let fake = FakeGitHub::start(big).expect("fake");
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .args(["--rss-child", &fake.base_url()])
            .output()
            .expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        let kb: u64 = text
            .split_whitespace()
            .last()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mb = kb as f64 / 1024.0;
        println!(
            "| peak RSS listing 100,000 versions | — | {mb:.1} MB | {} | < 64 MB | {} |",
            text.trim(),
            verdict(mb > 0.0 && mb < 64.0)
        );
    }
}

/// JSON decoding and column conversion of one page of 100 versions, repeated.
fn decode_rate(fake: &FakeGitHub) -> f64 {
    let page = block_on(async {
        reqwest::Client::new()
            .get(format!(
                "{}/user/packages/npm/p20/versions?per_page=100",
                fake.base_url()
            ))
            .bearer_auth(TOKEN)
            .header("user-agent", "bench")
            .send()
            .await
            .expect("send")
            .bytes()
            .await
            .expect("body")
    });
    let provider = github_sql::spec::load_embedded().expect("provider");
    let r = provider
        .resource_by_name("auth_user_versions")
        .expect("resource");
    let decoder = github_sql::rows::RowDecoder::new(r);
    let rounds = 500;
    let start = Instant::now();
    let mut rows = 0usize;
    for _ in 0..rounds {
        rows += std::hint::black_box(decoder.page(&page).expect("decodes")).len();
    }
    rows as f64 / start.elapsed().as_secs_f64()
}

fn rss_child(base: &str) {
    let provider = Arc::new(github_sql::spec::load_embedded().expect("provider"));
    let conn = Connection::open_in_memory().expect("sqlite");
    let config = ClientConfig::new(base, Some(Token::new(TOKEN)));
    github_sql::register(&conn, &Engine::new(provider, config)).expect("register");
    let n = count(&conn, "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'huge'");
    assert_eq!(n, 100_000);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: 0 kB");
    println!(
        "{} rows, {}",
        n,
        hwm.trim_end_matches(" kB").replace('\t', " ")
    );
}
