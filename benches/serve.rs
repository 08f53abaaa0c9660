//! What a query costs through `github-sql serve` compared with the shell's engine directly.
//!
//! Both run the same statements against the in-process fake GitHub with injected latency (each
//! GitHub request waits, as a real one does). The shell side is `Session::run_script` writing a
//! table to a sink; the server side is a real Postgres client (tokio-postgres) over loopback,
//! with the simple protocol and with the extended one (bound parameters). The target: the server
//! costs at most 1.2× the shell. Results are recorded in docs/performance.md.
//!
//! ```text
//! cargo bench --bench serve            # default: 20 runs per case
//! GITHUB_SQL_BENCH_RUNS=50 cargo bench --bench serve
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use github_sql::fake::{FakeGitHub, Store};
use github_sql::http::{ClientConfig, Token};
use github_sql::serve::{ServeOptions, Server};
use github_sql::shell::output::OutputFormat;
use github_sql::shell::Session;
use github_sql::Engine;

const BIG: &str = "SELECT id, name, created_at, metadata FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";
const SMALL: &str = "SELECT id, name FROM github.packages.auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app'";
const BIG_PARAMS: &str = "SELECT id, name, created_at, metadata FROM github.packages.auth_user_versions WHERE package_type = $1 AND package_name = $2";

fn store() -> Store {
    let mut s = Store::new();
    s.add_package("npm", "big").add_versions(250);
    s.add_package("container", "team/app").add_versions(4);
    s
}

fn stats(mut d: Vec<Duration>) -> (f64, f64) {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let median = ms(d[d.len() / 2]);
    let mean = d.iter().map(|x| ms(*x)).sum::<f64>() / d.len() as f64;
    (median, mean)
}

fn main() {
    let runs: usize = std::env::var("GITHUB_SQL_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let fake = FakeGitHub::start(store()).expect("fake starts");
    let provider = Arc::new(github_sql::spec::load_embedded().expect("provider"));
    let config = ClientConfig::new(fake.base_url(), Some(Token::new("bench-token")));
    let engine = Engine::new(provider, config);
    let session = Session::new(engine.clone(), OutputFormat::Table).expect("session");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let options = ServeOptions {
        host: "127.0.0.1".into(),
        port: 0,
        password: None,
        dry_run: false,
    };
    let server = rt.block_on(Server::bind(engine, options)).expect("binds");
    let port = server.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = rt.spawn(server.run(async {
        let _ = stopped.await;
    }));
    let client = rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={port} user=bench dbname=github"),
            tokio_postgres::NoTls,
        )
        .await
        .expect("connects");
        tokio::spawn(conn);
        client
    });

    println!(
        "github-sql serve vs shell, {runs} runs per case, {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        if cfg!(debug_assertions) {
            "debug build"
        } else {
            "release build"
        }
    );
    println!(
        "{:<10} {:<22} {:>6} {:>12} {:>12} {:>12} {:>8}",
        "latency", "query", "rows", "shell (ms)", "simple (ms)", "extended", "ratio"
    );
    for latency_ms in [20u64, 0] {
        fake.set_latency(Duration::from_millis(latency_ms));
        for (label, sql, params) in [
            ("npm/big, 3 pages", BIG, ("npm", "big")),
            ("container, 1 page", SMALL, ("container", "team/app")),
        ] {
            // Warm up both paths (connection pools, catalog, statement caches).
            session
                .run_script(sql, &mut std::io::sink())
                .expect("shell");
            let mut shell = Vec::with_capacity(runs);
            let mut simple = Vec::with_capacity(runs);
            let mut extended = Vec::with_capacity(runs);
            let mut rows = 0;
            let ext_sql = if sql == BIG {
                BIG_PARAMS.to_string()
            } else {
                SMALL
                    .replace("'container'", "$1")
                    .replace("'team/app'", "$2")
            };
            rt.block_on(client.simple_query(sql)).expect("server");
            for _ in 0..runs {
                let t = Instant::now();
                session
                    .run_script(sql, &mut std::io::sink())
                    .expect("shell");
                shell.push(t.elapsed());

                let t = Instant::now();
                let msgs = rt.block_on(client.simple_query(sql)).expect("simple query");
                simple.push(t.elapsed());
                rows = msgs
                    .iter()
                    .filter(|m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(_)))
                    .count();

                let t = Instant::now();
                let got = rt
                    .block_on(client.query(ext_sql.as_str(), &[&params.0, &params.1]))
                    .expect("extended query");
                extended.push(t.elapsed());
                assert_eq!(got.len(), rows);
            }
            let (shell_med, _) = stats(shell);
            let (simple_med, _) = stats(simple);
            let (ext_med, _) = stats(extended);
            let worst = simple_med.max(ext_med);
            println!(
                "{:<10} {:<22} {:>6} {:>12.2} {:>12.2} {:>12.2} {:>7.2}x",
                format!("{latency_ms} ms"),
                label,
                rows,
                shell_med,
                simple_med,
                ext_med,
                worst / shell_med
            );
        }
    }
    println!("medians; ratio = slower server protocol / shell");
    let _ = stop.send(());
    let _ = rt.block_on(served);
}
