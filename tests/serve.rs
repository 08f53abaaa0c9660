//! `github-sql serve` driven by real clients against the fake GitHub: psql (simple query, `\dt`,
//! `\d`), psycopg 3 with bound parameters, pandas through SQLAlchemy, and the extension loaded
//! into Datasette (its JSON API).
//!
//! psql comes from Debian's `postgresql-client`; the Python tools from the virtualenv `.ci/run`
//! makes, found through `GITHUB_SQL_TEST_PYTHON`. Outside CI a missing tool skips its test with a
//! message; in CI (`CI` set) it fails the test.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{store, TOKEN};
use github_sql::fake::{FakeGitHub, Fault, Store};
use github_sql::http::{ClientConfig, Token};
use github_sql::serve::{ServeOptions, Server};
use github_sql::Engine;

/// A server on 127.0.0.1:<free port> over a fake GitHub, on its own thread and runtime.
struct Served {
    addr: SocketAddr,
    fake: FakeGitHub,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A tokio-postgres client on the server (its connection task spawned on the current runtime).
async fn pg_client(s: &Served) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(
        &format!(
            "host=127.0.0.1 port={} user=tester dbname=github",
            s.addr.port()
        ),
        tokio_postgres::NoTls,
    )
    .await
    .expect("connects");
    tokio::spawn(conn);
    client
}

fn serve(store: Store, password: Option<&str>) -> Served {
    let fake = FakeGitHub::start(store).expect("fake starts");
    let provider = Arc::new(github_sql::spec::load_embedded().expect("provider"));
    let config = ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
        .with_write_delay(Duration::ZERO);
    let engine = Engine::new(provider, config);
    let options = ServeOptions {
        host: "127.0.0.1".into(),
        port: 0,
        password: password.map(String::from),
        dry_run: false,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let server = Server::bind(engine, options).await.expect("binds");
            ready_tx
                .send(server.local_addr().expect("addr"))
                .expect("ready");
            server
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .expect("runs");
        });
    });
    let addr = ready
        .recv_timeout(Duration::from_secs(10))
        .expect("server ready");
    Served {
        addr,
        fake,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// A tool, or None when it is absent outside CI (CI installs it and must not skip).
fn tool(path: Option<PathBuf>, what: &str) -> Option<PathBuf> {
    if let Some(p) = path.filter(|p| p.exists()) {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is required in CI (.ci/run installs it)"
    );
    eprintln!("skipping: {what} not available");
    None
}

fn psql_bin() -> Option<PathBuf> {
    tool(
        Some(PathBuf::from("/usr/bin/psql")),
        "psql (postgresql-client)",
    )
}

/// The virtualenv python with psycopg, pandas, SQLAlchemy and Datasette.
fn python() -> Option<PathBuf> {
    tool(
        std::env::var_os("GITHUB_SQL_TEST_PYTHON").map(PathBuf::from),
        "GITHUB_SQL_TEST_PYTHON (a python with psycopg, pandas, sqlalchemy, datasette; .ci/run makes it)",
    )
}

fn psql(bin: &PathBuf, s: &Served, args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args([
        "-X",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-v",
        "VERBOSITY=verbose",
    ])
    .args([
        "-h",
        "127.0.0.1",
        "-p",
        &s.addr.port().to_string(),
        "-U",
        "tester",
        "github",
    ])
    .args(args)
    .env("PGCONNECT_TIMEOUT", "10")
    .env_remove("PGPASSWORD")
    .stdin(Stdio::null());
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd.output().expect("psql runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn psql_simple_queries_and_stackql_statements() {
    let Some(bin) = psql_bin() else { return };
    let s = serve(store(), None);
    let o = psql(
        &bin,
        &s,
        &[
            "-c",
            "SELECT id, name, json_extract(metadata, '$.container.tags') FROM github.packages.auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app' ORDER BY name",
            "-c",
            "SHOW SERVICES IN github",
            "-c",
            "DESCRIBE github.packages.auth_user_versions",
            "-c",
            "SHOW transaction isolation level",
            "-c",
            "SELECT count(*) FROM packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'",
        ],
        None,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].ends_with("|sha256:aaa|[\"v1\"]"), "{out}");
    assert!(lines[3].ends_with("|sha256:ddd|[]"), "{out}");
    assert!(out.contains("github.packages|packages|"), "{out}");
    assert!(out.contains("\nmetadata|object\n"), "{out}");
    assert!(out.contains("\nread committed\n"), "{out}");
    assert!(out.ends_with("\n250\n"), "{out}");
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN));
}

#[test]
fn psql_lists_and_describes_the_table() {
    let Some(bin) = psql_bin() else { return };
    let s = serve(store(), None);
    let o = psql(&bin, &s, &["-c", "\\dt"], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // One row per resource of the document.
    assert!(
        out.lines()
            .any(|l| l == "packages|auth_user_versions|table|tester"),
        "{out}"
    );
    assert_eq!(out.trim().lines().count(), 6, "{out}");
    let o = psql(&bin, &s, &["-c", "\\d auth_user_versions"], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    for line in [
        "id|bigint|||",
        "metadata|json|||",
        "package_type|text|||",
        "state|text|||",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing in:\n{out}");
    }
    // Describing must not call GitHub.
    assert!(s.fake.requests().is_empty());
}

#[test]
fn errors_carry_sqlstate_and_the_shell_message() {
    let Some(bin) = psql_bin() else { return };
    let s = serve(store(), None);
    let o = psql(
        &bin,
        &s,
        &[
            "-c",
            "SELECT id FROM auth_user_versions WHERE package_type = 'npm'",
        ],
        None,
    );
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("42P02"), "{err}");
    assert!(
        err.contains("auth_user_versions needs package_name in WHERE"),
        "{err}"
    );
    let o = psql(
        &bin,
        &s,
        &["-c", "UPDATE auth_user_versions SET name = 'x'"],
        None,
    );
    let (_, err) = text(&o);
    assert!(
        err.contains("0A000") && err.contains("UPDATE is not supported"),
        "{err}"
    );
    s.fake.push_fault(Fault::error(401, "Bad credentials"));
    let o = psql(&bin, &s, &["-c", "SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'"], None);
    let (_, err) = text(&o);
    assert!(
        err.contains("28000") && err.contains("GitHub rejected the token"),
        "{err}"
    );
}

#[test]
fn a_failure_mid_scan_is_an_error_not_a_short_result() {
    let Some(bin) = psql_bin() else { return };
    let s = serve(store(), None);
    // Page 1 of npm/big arrives, page 2 fails.
    s.fake
        .push_fault(Fault::error(502, "Server Error").query_contains("page=2"));
    let o = psql(
        &bin,
        &s,
        &[
            "-c",
            "SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'",
        ],
        None,
    );
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.is_empty(), "no rows may be sent: {out}");
    assert!(err.contains("58000") && err.contains("502"), "{err}");
}

#[test]
fn delete_reports_its_tag_and_rollback_sends_nothing() {
    let Some(bin) = psql_bin() else { return };
    let s = serve(store(), None);
    let id: i64 = s
        .fake
        .with_store(|st| st.package("npm", "small").expect("small").listed(false)[0].id);
    let del = format!("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small' AND id = {id}");
    let o = psql(
        &bin,
        &s,
        &["-c", "BEGIN", "-c", &del, "-c", "ROLLBACK"],
        None,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "BEGIN\nDELETE 1\nROLLBACK\n");
    assert!(s.fake.requests().iter().all(|r| r.method != "DELETE"));
    let o = psql(&bin, &s, &["-c", &del], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "DELETE 1\n");
    assert_eq!(
        s.fake
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count(),
        1
    );
}

#[test]
fn password_is_required_when_configured() {
    let Some(bin) = psql_bin() else { return };
    let s = serve(store(), Some("s3cret"));
    let o = psql(&bin, &s, &["-c", "SELECT 1"], Some("wrong"));
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains("Password authentication failed"), "{err}");
    let o = psql(&bin, &s, &["-c", "SELECT 1"], Some("s3cret"));
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "1\n");
}

#[test]
fn many_clients_at_once() {
    let Some(bin) = psql_bin() else { return };
    let s = serve(store(), None);
    s.fake.set_latency(Duration::from_millis(50));
    let started = Instant::now();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    psql(
                        &bin,
                        &s,
                        &["-c", "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'"],
                        None,
                    )
                })
            })
            .collect();
        for h in handles {
            let o = h.join().expect("client thread");
            let (out, err) = text(&o);
            assert!(o.status.success(), "{err}");
            assert_eq!(out, "250\n");
        }
    });
    // 8 clients × 3 pages × 50 ms run side by side, not one after another (≥ 1.2 s).
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );
}

fn run_python(py: &PathBuf, script: &str, args: &[String]) -> (bool, String, String) {
    let o = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("python runs");
    let (out, err) = text(&o);
    (o.status.success(), out, err)
}

const PSYCOPG: &str = r#"
import sys, psycopg
port = sys.argv[1]
with psycopg.connect(f"host=127.0.0.1 port={port} dbname=github user=tester", connect_timeout=10) as conn:
    cur = conn.execute(
        "SELECT id, name, metadata FROM github.packages.auth_user_versions "
        "WHERE package_type = %s AND package_name = %s ORDER BY name", ("container", "team/app"))
    print([(d.name, d.type_code) for d in cur.description])
    rows = cur.fetchall()
    print(len(rows), type(rows[0][0]).__name__, rows[0][1], rows[2][2]["container"]["tags"])
    one = conn.execute(
        "SELECT name FROM auth_user_versions WHERE package_type = %s AND package_name = %s AND id = %s",
        ("container", "team/app", rows[1][0])).fetchall()
    print(one)
    n = conn.execute(
        "SELECT count(*), min(id) > 0 FROM auth_user_versions WHERE package_type = %(t)s AND package_name = %(n)s",
        {"t": "npm", "n": "big"}).fetchone()
    print(n)
    try:
        conn.execute("SELECT id FROM auth_user_versions WHERE package_type = %s", ("npm",))
    except psycopg.Error as e:
        print("error", e.sqlstate, str(e).splitlines()[0])
    conn.rollback()
    print(conn.execute("SELECT %s::text || 'x'", ("a",)).fetchone()[0])
"#;

#[test]
fn psycopg_with_bound_parameters() {
    let Some(py) = python() else { return };
    let s = serve(store(), None);
    let (ok, out, err) = run_python(&py, PSYCOPG, &[s.addr.port().to_string()]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "[('id', 20), ('name', 25), ('metadata', 114)]");
    assert_eq!(lines[1], "4 int sha256:aaa ['latest', 'v2']");
    assert_eq!(lines[2], "[('sha256:bbb',)]");
    assert_eq!(lines[3], "(250, 1)");
    assert!(
        lines[4].starts_with("error 42P02 auth_user_versions needs package_name in WHERE"),
        "{out}"
    );
    assert_eq!(lines[5], "ax");
}

const PANDAS: &str = r#"
import sys, pandas as pd, sqlalchemy as sa
eng = sa.create_engine(f"postgresql+psycopg://tester@127.0.0.1:{sys.argv[1]}/github")
insp = sa.inspect(eng)
print(insp.get_table_names(schema="packages"), insp.get_table_names())
cols = {c["name"]: str(c["type"]) for c in insp.get_columns("auth_user_versions")}
print(cols["id"], cols["metadata"], cols["package_name"], len(cols))
df = pd.read_sql(
    sa.text("SELECT id, name, created_at FROM auth_user_versions WHERE package_type = :t AND package_name = :n ORDER BY id"),
    eng, params={"t": "npm", "n": "big"})
print(df.shape, str(df["id"].dtype), df["name"].iloc[0])
"#;

#[test]
fn pandas_read_sql_through_sqlalchemy() {
    let Some(py) = python() else { return };
    let s = serve(store(), None);
    let (ok, out, err) = run_python(&py, PANDAS, &[s.addr.port().to_string()]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let tables = "['auth_user_packages', 'auth_user_versions', 'org_packages', 'org_versions', 'user_packages', 'user_versions']";
    assert_eq!(lines[0], format!("{tables} {tables}"));
    assert_eq!(lines[1], "BIGINT JSON TEXT 15");
    assert!(lines[2].starts_with("(250, 3) int64 "), "{out}");
}

/// `…/deps/libgithub_sql` (no extension), as `--load-extension` takes it.
fn extension() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().expect("deps dir");
    assert!(
        dir.join("libgithub_sql.so").exists(),
        "cdylib not built in {}",
        dir.display()
    );
    dir.join("libgithub_sql")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Kills the child (by its own handle) when the test ends, pass or fail.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const FETCH: &str = r#"
import sys, time, json, urllib.request, urllib.parse
base = f"http://127.0.0.1:{sys.argv[1]}"
deadline = time.time() + 60
while True:
    try:
        urllib.request.urlopen(base + "/-/versions.json", timeout=5).read()
        break
    except Exception:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
for sql in sys.argv[2:]:
    url = base + "/_memory.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"})
    try:
        print(json.dumps(json.load(urllib.request.urlopen(url, timeout=30))))
    except urllib.error.HTTPError as e:
        print("HTTP", e.code, json.load(e).get("error"))
print(urllib.request.urlopen(base + "/_memory", timeout=30).status)
"#;

#[test]
fn datasette_loads_the_extension() {
    let Some(py) = python() else { return };
    let datasette = py.with_file_name("datasette");
    let fake = FakeGitHub::start(store()).expect("fake starts");
    let port = free_port();
    let child = Command::new(&datasette)
        .args(["serve", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--load-extension")
        .arg(extension())
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("datasette starts");
    let mut child = Child(child);
    let (ok, out, err) = run_python(
        &py,
        FETCH,
        &[
            port.to_string(),
            "SELECT name FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app' ORDER BY name LIMIT 2".into(),
            "SELECT id FROM auth_user_versions WHERE package_type = 'npm'".into(),
        ],
    );
    if !ok {
        let _ = child.0.kill();
        let mut log = String::new();
        if let Some(mut e) = child.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut log);
        }
        panic!("{err}\ndatasette: {log}");
    }
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        r#"[{"name": "sha256:aaa"}, {"name": "sha256:bbb"}]"#
    );
    assert!(lines[1].contains("needs package_name in WHERE"), "{out}");
    assert_eq!(lines[2], "200");
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
}

/// The extended protocol from a Rust client: a statement prepared once (Describe statement,
/// then Bind/Execute with binary results), typed columns, errors with their SQLSTATE.
#[test]
fn extended_protocol_with_a_prepared_statement() {
    let s = serve(store(), None);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = pg_client(&s).await;
        let stmt = client
            .prepare("SELECT id, name, metadata, 1.5 AS half FROM auth_user_versions WHERE package_type = $1 AND package_name = $2 ORDER BY name")
            .await
            .expect("prepares");
        let types: Vec<String> = stmt.columns().iter().map(|c| c.type_().name().to_string()).collect();
        assert_eq!(types, ["int8", "text", "json", "text"]);
        assert_eq!(stmt.params().len(), 2);
        for _ in 0..2 {
            let rows = client.query(&stmt, &[&"container", &"team/app"]).await.expect("runs");
            assert_eq!(rows.len(), 4);
            let id: i64 = rows[0].get(0);
            assert!(id > 0);
            assert_eq!(rows[0].get::<_, String>(1), "sha256:aaa");
            assert_eq!(rows[0].get::<_, String>(3), "1.5");
        }
        let e = client
            .query("SELECT id FROM auth_user_versions WHERE package_type = $1", &[&"npm"])
            .await
            .expect_err("missing package_name");
        let db = e.as_db_error().expect("a database error");
        assert_eq!(db.code().code(), "42P02");
        assert!(db.message().contains("needs package_name in WHERE"), "{}", db.message());
        // An aborted transaction refuses statements until ROLLBACK, as Postgres does.
        client.batch_execute("BEGIN").await.expect("begin");
        assert!(client.simple_query("SELECT nope").await.is_err());
        let e = client.simple_query("SELECT 1").await.expect_err("aborted");
        assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("25P02"));
        client.batch_execute("ROLLBACK").await.expect("rollback");
        let n = client.simple_query("SELECT 1").await.expect("usable again");
        assert_eq!(n.len(), 3, "row description, one row, command complete");
    });
}

/// The binary: `--demo serve` logs one line per statement with its duration and GitHub request
/// count (never the token), and stops cleanly on SIGTERM.
#[test]
fn the_binary_logs_each_query_and_stops_on_sigterm() {
    let Some(bin) = psql_bin() else { return };
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["--demo", "serve", "--port", &port.to_string()])
        .env("GITHUB_SQL_LOG", "info")
        .env("GITHUB_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let query = |sql: &str| {
        Command::new(&bin)
            .args([
                "-X",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "github",
                "-c",
                sql,
            ])
            .env("PGCONNECT_TIMEOUT", "5")
            .stdin(Stdio::null())
            .output()
            .expect("psql runs")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !query("SELECT 1").status.success() {
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    let o = query("SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'");
    assert_eq!(text(&o).0, "130\n", "{}", text(&o).1);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().expect("server exits");
    assert!(status.success(), "{status}");
    let mut log = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut log).expect("log");
    }
    let line = log
        .lines()
        .find(|l| l.contains("SELECT count(*)"))
        .unwrap_or_else(|| panic!("no log line for the query in:\n{log}"));
    assert!(
        line.contains("github_requests=2")
            && line.contains("duration_ms=")
            && line.contains("rows=1"),
        "{line}"
    );
    assert!(log.contains("github-sql serve: stopped"), "{log}");
    assert!(!log.contains(TOKEN), "{log}");
}

/// Savepoints as psycopg's nested transactions use them: `ROLLBACK TO SAVEPOINT` recovers a
/// failed transaction, and takes back a DELETE queued after the savepoint.
#[test]
fn rollback_to_savepoint_recovers_and_takes_back_a_delete() {
    let s = serve(store(), None);
    let id: i64 = s
        .fake
        .with_store(|st| st.package("npm", "small").expect("small").listed(false)[0].id);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = pg_client(&s).await;
        client.batch_execute("BEGIN; SAVEPOINT a").await.expect("savepoint");
        assert!(client.simple_query("SELECT nope").await.is_err());
        client.batch_execute("ROLLBACK TO SAVEPOINT a").await.expect("recovers");
        let rows = client.query("SELECT $1::text", &[&"ok"]).await.expect("usable again");
        assert_eq!(rows[0].get::<_, String>(0), "ok");
        client.batch_execute("RELEASE a; SAVEPOINT b").await.expect("savepoint b");
        let del = format!("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small' AND id = {id}");
        assert_eq!(client.execute(del.as_str(), &[]).await.expect("queued"), 1);
        client.batch_execute("ROLLBACK TO SAVEPOINT b").await.expect("takes the DELETE back");
        client.batch_execute("COMMIT").await.expect("commit sends nothing");
    });
    assert!(s.fake.requests().iter().all(|r| r.method != "DELETE"));
}

/// A cancel request (psql's Ctrl-C) stops the running query: the page in flight finishes, no
/// further page is fetched, the client gets 57014, and the connection stays usable.
#[test]
fn a_cancel_request_stops_the_query() {
    let s = serve(store(), None);
    s.fake.set_latency(Duration::from_millis(400));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = pg_client(&s).await;
        let token = client.cancel_token();
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            token.cancel_query(tokio_postgres::NoTls).await
        });
        let started = Instant::now();
        let e = client
            .simple_query("SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'")
            .await
            .expect_err("canceled");
        assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("57014"), "{e}");
        assert!(started.elapsed() < Duration::from_millis(1000), "{:?}", started.elapsed());
        canceller.await.expect("task").expect("cancel sent");
        s.fake.set_latency(Duration::ZERO);
        let rows = client
            .simple_query("SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'")
            .await
            .expect("usable after the cancel");
        assert_eq!(rows.len(), 3);
    });
    // One scan of npm/big (page 1, then at most its pages 2 and 3 at once), never retried.
    let big = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/npm/big/versions"))
        .count();
    assert!((1..=3).contains(&big), "{big}");
}
