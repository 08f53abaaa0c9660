//! The real PostgreSQL path: `github-sql serve` starts a cluster (as the unprivileged `postgres`
//! user when the tests run as root) with the `github_sql` wrapper, pointed at the project's fake
//! GitHub in this process, and real clients talk to it: psql, pgjdbc, psycopg/pandas/SQLAlchemy.
//!
//! Needs the PostgreSQL server binaries and the wrapper (installed by `cargo pgrx install`, as
//! `.ci/run` does, or a `cargo pgrx package` directory in GITHUB_SQL_PG_PACKAGE). Without them the
//! tests are skipped, except when `CI` is set.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use github_sql_fake::FakeGitHub;

const BIN: &str = env!("CARGO_BIN_EXE_github-sql");
const TOKEN: &str = "ghp_PGTESTSECRET0123456789";

fn available() -> bool {
    let sharedir = Command::new("pg_config")
        .arg("--sharedir")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let installed = Path::new(&sharedir)
        .join("extension/github_sql.control")
        .is_file();
    let ok = (installed || std::env::var_os("GITHUB_SQL_PG_PACKAGE").is_some())
        && Path::new("/usr/bin/psql").is_file();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the github_sql Postgres extension or psql is missing"
        );
        eprintln!("skipped: the github_sql Postgres extension is not installed (cargo pgrx install in crates/postgres)");
    }
    ok
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `github-sql serve` against a fake GitHub.
struct Pg {
    fake: FakeGitHub,
    child: Child,
    url: String,
    port: u16,
    dir: PathBuf,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Pg {
    fn start() -> Pg {
        Pg::start_with(None, &[], |_| {})
    }

    /// `serve` with a config file of named connections and more environment; `prepare` sets
    /// the fake up before serve starts (an App, tokens).
    fn start_with(
        config: Option<&str>,
        env: &[(&str, &str)],
        prepare: impl FnOnce(&FakeGitHub),
    ) -> Pg {
        let fake = FakeGitHub::demo().expect("fake");
        fake.set_token_policy(github_sql_fake::TokenPolicy::tokens(&[(
            TOKEN,
            &["read:packages", "delete:packages", "write:packages"],
        )]));
        let dir = std::env::temp_dir().join(format!(
            "github-sql-pg-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        prepare(&fake);
        let config_path = dir.join("config.toml");
        let config = config.map(|c| c.replace("{API}", &fake.base_url()));
        std::fs::write(&config_path, config.as_deref().unwrap_or("")).expect("config");
        let port = free_port();
        let mut child = Command::new(BIN)
            .env("GITHUB_SQL_CONFIG", &config_path)
            .envs(env.iter().copied())
            .args(["serve", "--port", &port.to_string(), "--data-dir"])
            .arg(&dir)
            .env("GITHUB_API_URL", fake.base_url())
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_SQL_WRITE_DELAY_MS", "50")
            .env("GITHUB_SQL_REGISTRY_URL", fake.base_url())
            .env_remove("GITHUB_SQL_JOURNAL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("github-sql serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut first = String::new();
        let (utx, urx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let _ = r.read_line(&mut first);
            let _ = utx.send(first);
        });
        let url = match urx.recv_timeout(Duration::from_secs(120)) {
            Ok(u) if u.starts_with("postgres://") => u.trim().to_string(),
            other => {
                let _ = child.kill();
                let log: Vec<String> = rx.try_iter().collect();
                panic!("serve did not start: {other:?}\n{}", log.join("\n"));
            }
        };
        Pg {
            fake,
            child,
            url,
            port,
            dir,
            stderr: rx,
        }
    }

    /// psql as the github role: (stdout, stderr, success).
    fn psql(&self, sql: &str) -> (String, String, bool) {
        self.psql_args(&[], sql)
    }

    fn psql_args(&self, extra: &[&str], sql: &str) -> (String, String, bool) {
        let out = Command::new("/usr/bin/psql")
            .args([
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-v",
                "VERBOSITY=verbose",
            ])
            .args(extra)
            .arg(&self.url)
            .args(["-c", sql])
            .current_dir(&self.dir)
            .output()
            .expect("psql");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.success(),
        )
    }

    /// psql with a script on stdin (several statements, psql meta-commands), stopping at the
    /// first error.
    fn script(&self, script: &str) -> (String, String, bool) {
        self.script_with(&["ON_ERROR_STOP=1"], script)
    }

    /// psql with a script on stdin and these `-v` variables.
    fn script_with(&self, vars: &[&str], script: &str) -> (String, String, bool) {
        use std::io::Write;
        let mut cmd = Command::new("/usr/bin/psql");
        cmd.args(["-X", "-A", "-t"]);
        for v in vars {
            cmd.args(["-v", v]);
        }
        let mut child = cmd
            .arg(&self.url)
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("psql");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("psql");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.success(),
        )
    }

    fn ok(&self, sql: &str) -> String {
        let (out, err, ok) = self.psql(sql);
        assert!(ok, "{sql}\nfailed: {err}");
        out.trim().to_string()
    }

    /// GETs sent, with their query strings.
    fn gets(&self) -> Vec<String> {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == "GET")
            .map(|r| match &r.query {
                Some(q) => format!("{}?{q}", r.path),
                None => r.path.clone(),
            })
            .collect()
    }

    fn requests(&self, method: &str) -> Vec<String> {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == method)
            .map(|r| r.path.clone())
            .collect()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn psql_reads_through_the_wrapper() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    // Catalog: IMPORT FOREIGN SCHEMA made every resource a foreign table with Postgres types.
    let (tables, err, ok) = pg.script("\\dE packages.*\n");
    assert!(ok, "{err}");
    for t in [
        "auth_user_versions",
        "auth_user_packages",
        "org_versions",
        "user_packages",
    ] {
        assert!(tables.contains(t), "{t} missing from \\dE: {tables}");
    }
    let (cols, err, ok) = pg.script("\\d+ packages.auth_user_versions\n");
    assert!(ok, "{err}");
    assert!(cols.contains("id|bigint"), "{cols}");
    assert!(
        cols.contains("created_at|timestamp with time zone"),
        "{cols}"
    );
    assert!(cols.contains("metadata|jsonb"), "{cols}");
    assert!(cols.contains("package_name|text"), "{cols}");

    // Every row of a 130-version list (two pages), with search_path reaching the schema.
    let npm = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'";
    assert_eq!(pg.ok(&format!("SELECT count(*) {npm}")), "130");
    // = ANY with an array literal and IN: the fan-out, not zero rows.
    assert_eq!(
        pg.ok("SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = ANY('{hello-world,empty-pkg}')"),
        "130"
    );
    assert_eq!(
        pg.ok("SELECT count(*) FROM auth_user_versions WHERE package_type IN ('npm') AND package_name IN ('hello-world', 'empty-pkg')"),
        "130"
    );
    // Time functions work on timestamptz columns (every BI time chart).
    let months = pg.ok(&format!(
        "SELECT count(DISTINCT date_trunc('month', created_at)) > 0, bool_and(created_at::date <= now()::date), \
         min(extract(year FROM created_at)) > 2000 {npm}"
    ));
    assert_eq!(months, "t|t|t");
    // jsonb columns.
    assert_eq!(
        pg.ok("SELECT count(*) FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'octo/app' AND jsonb_array_length(metadata->'container'->'tags') > 0"),
        "4"
    );
    // A get by id is one GET of that version.
    let id = pg.ok(&format!("SELECT min(id) {npm}"));
    pg.fake.clear_requests();
    assert_eq!(pg.ok(&format!("SELECT id {} AND id = {id}", npm)), id);
    let gets = pg.requests("GET");
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert!(gets[0].ends_with(&format!("/versions/{id}")), "{gets:?}");

    // A missing parameter is an ERROR naming it, with the fdw SQLSTATE, before any request.
    pg.fake.clear_requests();
    let (_, err, ok) =
        pg.psql("SELECT * FROM auth_user_versions WHERE package_name = 'hello-world'");
    assert!(!ok);
    assert!(err.contains("package_type"), "{err}");
    assert!(err.contains("HV002"), "{err}");
    assert!(pg.fake.requests().is_empty(), "nothing is sent");

    // EXPLAIN names the GitHub requests.
    let plan = pg.ok(&format!("EXPLAIN SELECT name {npm}"));
    assert!(
        plan.contains("GitHub requests")
            && plan.contains("/user/packages/npm/hello-world/versions"),
        "{plan}"
    );

    // PREPARE/EXECUTE past the plan cache's switch to generic plans; DECLARE/FETCH; \copy.
    let mut script = String::from("PREPARE q(text) AS SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = $1;\n");
    for _ in 0..8 {
        script.push_str("EXECUTE q('hello-world');\n");
    }
    script.push_str(&format!(
        "BEGIN;\nDECLARE c CURSOR FOR SELECT id {npm} ORDER BY id;\nFETCH 5 FROM c;\nFETCH 5 FROM c;\nCOMMIT;\n\\copy (SELECT id, name {npm}) TO 'versions.csv' WITH CSV\n"
    ));
    let (out, err, ok) = pg.script(&script);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| {
            !l.is_empty()
                && !["PREPARE", "BEGIN", "DECLARE CURSOR", "COMMIT"].contains(l)
                && !l.starts_with("COPY")
        })
        .collect();
    assert_eq!(&lines[..8], &["130"; 8], "{out}");
    assert_eq!(lines.len(), 8 + 10, "{out}");
    let csv = std::fs::read_to_string(pg.dir.join("versions.csv")).expect("copy file");
    assert_eq!(csv.lines().count(), 130);
    // \timing reports each statement's time.
    let (out, err, ok) = pg.script(&format!("\\timing on\nSELECT count(*) {npm};\n"));
    assert!(ok, "{err}");
    assert!(out.contains("130") && out.contains("Time: "), "{out}");
}

#[test]
fn deletes_wait_for_commit_and_exec_functions_restore() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    let untagged =
        "FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'octo/app' \
                    AND jsonb_array_length(metadata->'container'->'tags') = 0";
    // The demo's octo/app: platform manifests, an attestation, a signature, an orphan.
    let before = pg.ok(&format!("SELECT count(*) {untagged}"));
    assert_eq!(before, "5");
    let n_untagged: usize = 5;
    pg.fake.clear_requests();
    let (_, err, ok) = pg.script(&format!("BEGIN;\nDELETE {untagged};\nROLLBACK;\n"));
    assert!(ok, "{err}");
    assert!(pg.requests("DELETE").is_empty(), "ROLLBACK sends nothing");
    // A failing statement after the DELETE rolls it back too.
    let (_, _, ok) = pg.script(&format!(
        "BEGIN;\nDELETE {untagged};\nSELECT 1/0;\nCOMMIT;\n"
    ));
    assert!(!ok);
    assert!(
        pg.requests("DELETE").is_empty(),
        "an aborted transaction sends nothing"
    );
    // COMMIT sends one paced DELETE per row.
    let listed = pg.ok(&format!("SELECT id {untagged}"));
    let ids: Vec<&str> = listed.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(ids.len(), n_untagged, "{listed}");
    let (_, err, ok) = pg.script(&format!("BEGIN;\nDELETE {untagged};\nCOMMIT;\n"));
    assert!(ok, "{err}");
    let deletes = pg.requests("DELETE");
    assert_eq!(deletes.len(), n_untagged, "{deletes:?}");
    for id in &ids {
        assert!(
            deletes
                .iter()
                .any(|d| d.ends_with(&format!("/versions/{id}"))),
            "{id}: {deletes:?}"
        );
    }
    assert!(
        err.contains(&format!("DELETE sent {n_untagged} requests")),
        "{err}"
    );
    assert_eq!(pg.ok(&format!("SELECT count(*) {untagged}")), "0");
    // Every request is in the journal, a view here as in the other front ends...
    let run_id = err
        .split("run_id '")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap_or_else(|| panic!("the summary names its run: {err}"))
        .to_string();
    assert_eq!(
        pg.ok(&format!(
            "SELECT count(*) FROM github_sql_journal WHERE run_id = '{run_id}' AND outcome = 'deleted' AND method = 'DELETE'"
        )),
        n_untagged.to_string()
    );
    // serve keeps it beside the cluster.
    let file = std::fs::read_to_string(pg.dir.join("journal.jsonl")).unwrap_or_default();
    assert!(file.contains(&run_id), "{file}");
    // ...and restoring everything the run deleted is one statement: the EXEC method is a SQL
    // function with named parameters, in the same schema.
    let restored = pg.ok(&format!(
        "SELECT count(restore_package_version_for_authenticated_user(
             package_type => params->>'package_type', package_name => params->>'package_name',
             package_version_id => (params->>'package_version_id')::bigint))
         FROM github_sql_journal WHERE run_id = '{run_id}' AND outcome = 'deleted'"
    ));
    assert_eq!(restored, n_untagged.to_string());
    let posts = pg.requests("POST");
    for id in &ids {
        assert!(
            posts
                .iter()
                .any(|p| p.ends_with(&format!("/versions/{id}/restore"))),
            "{id}: {posts:?}"
        );
    }
    assert_eq!(
        pg.ok(&format!("SELECT count(*) {untagged}")),
        n_untagged.to_string()
    );
    // Every active version of a package needs intent: the COMMIT fails and sends nothing...
    let all =
        "FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'octo/app'";
    let n = pg.ok(&format!("SELECT count(*) {all}"));
    pg.fake.clear_requests();
    let (_, err, ok) = pg.script(&format!("BEGIN;\nDELETE {all};\nCOMMIT;\n"));
    assert!(!ok, "a bulk DELETE without intent must fail");
    assert!(
        err.contains("Nothing was sent") && err.contains("github_sql.confirm_deletes"),
        "{err}"
    );
    assert!(pg.requests("DELETE").is_empty());
    // ...until the session says how many rows it means. (GitHub then refuses the package's last
    // tagged version, as the fake does too: the rest go.)
    let (_, err, _) = pg.script(&format!(
        "BEGIN;\nSET LOCAL github_sql.confirm_deletes = {n};\nDELETE {all};\nCOMMIT;\n"
    ));
    assert!(!err.contains("Nothing was sent"), "{err}");
    assert_eq!(pg.requests("DELETE").len().to_string(), n, "{err}");
}

/// psql with a script on stdin and these variables, without ON_ERROR_STOP (the script goes on
/// after an error, as psql's ON_ERROR_ROLLBACK intends): (stdout, stderr).
fn psql_vars(pg: &Pg, vars: &[&str], script: &str) -> (String, String) {
    let (out, err, _) = pg.script_with(vars, script);
    (out, err)
}

#[test]
fn transactions_in_the_wrapper_take_back_what_was_rolled_back() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    let hw = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'";
    let listed = pg.ok(&format!("SELECT id {hw} ORDER BY id LIMIT 12"));
    let ids: Vec<&str> = listed.lines().filter(|l| !l.trim().is_empty()).collect();
    let path = |id: &str| format!("/user/packages/npm/hello-world/versions/{id}");
    // ROLLBACK TO SAVEPOINT takes back what was queued after the savepoint.
    pg.fake.clear_requests();
    let (_, err, ok) = pg.script(&format!(
        "BEGIN;\nDELETE {hw} AND id = {a};\nSAVEPOINT s;\nDELETE {hw} AND id = {b};\nROLLBACK TO SAVEPOINT s;\nCOMMIT;\n",
        a = ids[0],
        b = ids[1]
    ));
    assert!(ok, "{err}");
    assert_eq!(pg.requests("DELETE"), vec![path(ids[0])], "{err}");
    // A PL/pgSQL block whose exception handler caught an error: its DELETE is not sent.
    pg.fake.clear_requests();
    let (_, err, ok) = pg.script(&format!(
        "BEGIN;\nDELETE {hw} AND id = {c};\n\
         DO $$ BEGIN DELETE {hw} AND id = {d}; RAISE EXCEPTION 'changed my mind'; \
         EXCEPTION WHEN others THEN NULL; END $$;\nCOMMIT;\n",
        c = ids[2],
        d = ids[3]
    ));
    assert!(ok, "{err}");
    assert_eq!(pg.requests("DELETE"), vec![path(ids[2])], "{err}");
    // psql's ON_ERROR_ROLLBACK: a statement that failed halfway (after queueing rows) is taken
    // back whole; the rest of the transaction commits.
    pg.fake.clear_requests();
    let (_, err) = psql_vars(
        &pg,
        &["ON_ERROR_ROLLBACK=on"],
        &format!(
            "BEGIN;\nDELETE {hw} AND id = {e};\n\
             DELETE {hw} AND id >= {f} AND (CASE WHEN id = {g} THEN 1 / 0 ELSE 1 END) = 1;\nCOMMIT;\n",
            e = ids[4],
            f = ids[5],
            g = ids[10]
        ),
    );
    assert!(err.contains("division by zero"), "{err}");
    assert_eq!(pg.requests("DELETE"), vec![path(ids[4])], "{err}");
    // A later statement of the transaction never sees the rows queued for deletion.
    pg.fake.clear_requests();
    let (out, err, ok) = pg.script(&format!(
        "BEGIN;\nDELETE {hw} AND name LIKE '0.0.%';\nSELECT count(*) {hw};\nSELECT count(*) {hw} AND name LIKE '0.0.%';\nCOMMIT;\nSELECT count(*) {hw};\n"
    ));
    assert!(ok, "{err}");
    let counts: Vec<&str> = out
        .lines()
        .filter(|l| l.chars().all(|c| c.is_ascii_digit()) && !l.is_empty())
        .collect();
    // 130 versions, 3 deleted above (the oldest ids, all named 0.0.x), 6 more named 0.0.x.
    assert_eq!(counts, ["121", "0", "121"], "{out}\n{err}");
    assert_eq!(pg.requests("DELETE").len(), 6, "{err}");
}

#[test]
fn one_commit_in_the_wrapper_is_one_decision_and_one_run() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    let hw = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'";
    // Two versions of one table, and a whole package of another (which deletes every version
    // of it): the whole COMMIT needs confirming, and a refused COMMIT sends nothing of either.
    pg.fake.clear_requests();
    let script = format!(
        "BEGIN;\nDELETE {hw} AND name IN ('0.0.1', '0.0.2');\n\
         DELETE FROM org_packages WHERE org = 'octo-org' AND package_type = 'npm' AND name = 'design-system';\n"
    );
    let (_, err, ok) = pg.script(&format!("{script}COMMIT;\n"));
    assert!(!ok, "deleting a package needs confirming");
    assert!(
        err.contains("Nothing was sent")
            && err.contains("deletes every version of the package")
            && err.contains("confirm_deletes = 3"),
        "{err}"
    );
    assert!(
        pg.requests("DELETE").is_empty(),
        "{:?}",
        pg.requests("DELETE")
    );
    // Confirmed: both tables, one run, one NOTICE.
    let (_, err, ok) = pg.script(&format!(
        "{script}SET LOCAL github_sql.confirm_deletes = 3;\nCOMMIT;\n"
    ));
    assert!(ok, "{err}");
    assert_eq!(pg.requests("DELETE").len(), 3, "{err}");
    let run_id = err
        .split("run_id '")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap_or_else(|| panic!("the NOTICE names its run: {err}"))
        .to_string();
    assert_eq!(
        pg.ok("SELECT count(DISTINCT run_id) FROM github_sql_journal"),
        "1",
        "one COMMIT over two tables is one run"
    );
    assert_eq!(
        pg.ok(&format!(
            "SELECT count(DISTINCT resource) FROM github_sql_journal WHERE run_id = '{run_id}'"
        )),
        "2"
    );
    // SET LOCAL is used up by its transaction: the next bulk COMMIT is refused again.
    pg.fake.clear_requests();
    let (_, err, ok) = pg.script(&format!("BEGIN;\nDELETE {hw};\nCOMMIT;\n"));
    assert!(!ok && err.contains("Nothing was sent"), "{err}");
    assert!(pg.requests("DELETE").is_empty());
}

#[test]
fn limit_is_pushed_down_only_when_it_cannot_shorten_the_result() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    let npm = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'";
    let all: Vec<String> = pg
        .ok(&format!("SELECT id {npm}"))
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(all.len(), 130);

    // Every qual pushed exactly, one table, no ORDER BY: one small page.
    let (plan, err, ok) = pg.psql(&format!("EXPLAIN SELECT id {npm} LIMIT 5 OFFSET 2"));
    assert!(ok, "{err}");
    assert!(plan.contains("per_page=7"), "{plan}");
    pg.fake.clear_requests();
    let got: Vec<String> = pg
        .ok(&format!("SELECT id {npm} LIMIT 5 OFFSET 2"))
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(got, all[2..7].to_vec());
    let gets = pg.gets();
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert!(gets[0].contains("per_page=7"), "{gets:?}");

    // A filter Postgres applies after the scan: the LIMIT stays in Postgres, every row is seen.
    let filtered = pg.ok(&format!(
        "SELECT count(*) FROM (SELECT id {npm} AND name LIKE '1.%' LIMIT 1000) s"
    ));
    assert_eq!(
        filtered,
        pg.ok(&format!("SELECT count(*) {npm} AND name LIKE '1.%'"))
    );
    // `name` is not a parameter: a row on the last page is still found, with full pages.
    let oldest = pg.ok(&format!(
        "SELECT name {npm} ORDER BY created_at ASC LIMIT 1"
    ));
    pg.fake.clear_requests();
    let found = pg.ok(&format!("SELECT name {npm} AND name = '{oldest}' LIMIT 1"));
    assert_eq!(found, oldest);
    let gets = pg.gets();
    assert!(
        gets.len() == 2 && gets.iter().all(|g| g.contains("per_page=100")),
        "{gets:?}"
    );
    // ORDER BY: the first rows of all 130 (the list is newest first: these are on its last page).
    let oldest_ids: Vec<String> = pg
        .ok(&format!("SELECT id {npm} ORDER BY id ASC LIMIT 3"))
        .lines()
        .map(str::to_string)
        .collect();
    let mut sorted: Vec<i64> = all.iter().filter_map(|i| i.parse().ok()).collect();
    sorted.sort_unstable();
    let want: Vec<String> = sorted[..3].iter().map(|i| i.to_string()).collect();
    assert_eq!(oldest_ids, want);
    // A join whose condition drops rows: each side's rows are not the result's rows.
    let joined = pg.ok(
        "SELECT v.name FROM auth_user_packages p JOIN auth_user_versions v \
         ON v.package_type = p.package_type AND v.package_name = p.name AND v.name || p.name = '0.0.1hello-world' \
         WHERE p.package_type = 'npm' AND p.name = 'hello-world' LIMIT 1",
    );
    assert_eq!(joined, "0.0.1");
    // Aggregates are never limited before counting.
    assert_eq!(pg.ok(&format!("SELECT count(*) {npm} LIMIT 1")), "130");
}

#[test]
fn the_registry_service_is_a_schema_too() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    let (tables, err, ok) = pg.script("\\dE registry.*\n");
    assert!(ok, "{err}");
    assert!(tables.contains("manifests"), "{tables}");
    // The tagged multi-arch index of the demo's octo/app, read from the fake registry.
    let media = pg.ok(
        "SELECT m.media_type FROM registry.manifests m WHERE m.owner = 'octocat' AND m.image = 'octo/app' \
         AND m.reference = 'v1.2.0'",
    );
    assert!(media.contains("index"), "{media}");
}

#[test]
fn the_whole_rest_api_is_there_with_request_bodies_as_function_arguments() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    // Another service than packages: its own schema, a list read with per_page at GitHub's max.
    pg.fake.clear_requests();
    let failed = pg.ok(
        "SELECT id FROM actions.workflow_runs WHERE owner = 'octocat' AND repo = 'octo-web' \
         AND conclusion = 'failure' ORDER BY id",
    );
    assert_eq!(
        failed.trim(),
        "15231408137\n15231409274\n15231411548",
        "{failed}"
    );
    assert_eq!(
        pg.gets(),
        vec!["/repos/octocat/octo-web/actions/runs?per_page=100".to_string()]
    );
    // A POST whose body field is a function argument (data__enable_debug_logging), sent as JSON.
    let args = pg.ok(
        "SELECT pg_get_function_arguments(p.oid) FROM pg_proc p JOIN pg_namespace n \
         ON n.oid = p.pronamespace WHERE n.nspname = 'actions' AND p.proname = 're_run_workflow'",
    );
    assert!(args.contains("data__enable_debug_logging"), "{args}");
    pg.fake.with_store(|s| {
        s.add_json_route(
            "POST",
            "/repos/octocat/octo-web/actions/runs/15231409274/rerun",
            github_sql_fake::JsonRoute::Status {
                status: 201,
                body: serde_json::json!({}),
            },
        );
    });
    pg.fake.clear_requests();
    pg.ok(
        "SELECT actions.re_run_workflow(owner => 'octocat', repo => 'octo-web', \
         run_id => 15231409274, data__enable_debug_logging => 1)",
    );
    let sent: Vec<(String, Option<serde_json::Value>)> = pg
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| (r.path.clone(), r.json()))
        .collect();
    assert_eq!(
        sent,
        vec![(
            "/repos/octocat/octo-web/actions/runs/15231409274/rerun".to_string(),
            Some(serde_json::json!({"enable_debug_logging": true}))
        )]
    );
    // A table that takes INSERT has its body fields as columns; the role may INSERT, and a row
    // missing a required field is refused naming it, with nothing sent.
    let (cols, err, ok) = pg.script("\\d issues.issues\n");
    assert!(ok, "{err}");
    assert!(
        cols.contains("issue_number") && cols.contains("data__title"),
        "{cols}"
    );
    pg.fake.clear_requests();
    let (_, err, ok) =
        pg.psql("INSERT INTO issues.issues (owner, repo) VALUES ('octocat', 'octo-web')");
    assert!(!ok);
    assert!(
        err.contains("data__title") && err.contains("INSERT INTO issues.issues ("),
        "{err}"
    );
    assert!(pg.fake.requests().is_empty());
}

#[test]
fn the_github_role_is_confined_and_needs_its_password() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    // No password: refused over TCP.
    let no_pw = pg.url.replacen(
        &pg.url[pg.url.find("github:").expect("user") + 7..pg.url.find('@').expect("@")],
        "wrong",
        1,
    );
    let out = Command::new("/usr/bin/psql")
        .args(["-X", "-A", "-t", "-w", &no_pw, "-c", "SELECT 1"])
        .output()
        .expect("psql");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password authentication failed"));
    let out = Command::new("/usr/bin/psql")
        .args([
            "-X",
            "-A",
            "-t",
            "-w",
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port.to_string(),
            "-U",
            "postgres",
            "github",
            "-c",
            "SELECT 1",
        ])
        .output()
        .expect("psql");
    assert!(
        !out.status.success(),
        "the superuser is not reachable over TCP"
    );
    assert_eq!(
        pg.ok("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"),
        "f"
    );
    for sql in [
        "COPY (SELECT 1) TO '/tmp/github-sql-should-not-exist'",
        "SELECT pg_read_file('/etc/passwd')",
        "CREATE EXTENSION IF NOT EXISTS file_fdw",
    ] {
        let (_, err, ok) = pg.psql(sql);
        assert!(!ok, "{sql} must be refused");
        assert!(
            err.contains("permission denied")
                || err.contains("must be superuser")
                || err.contains("privilege"),
            "{sql}: {err}"
        );
    }
    assert!(!Path::new("/tmp/github-sql-should-not-exist").exists());
    // The token never shows up in EXPLAIN, errors or the server's own output.
    let (out, err, _) = pg.psql("EXPLAIN VERBOSE SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'x'");
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN));
    let log = std::fs::read_to_string(pg.dir.join("server.log")).unwrap_or_default();
    assert!(!log.contains(TOKEN), "server log has the token");
    let serve_err: Vec<String> = pg.stderr.try_iter().collect();
    assert!(!serve_err.join("\n").contains(TOKEN));
}

/// psql as the cluster's superuser, through its private socket directory (`SET ROLE x` in `sql`
/// tries things as role x): (stdout, stderr, success).
fn superuser(pg: &Pg, sql: &str) -> (String, String, bool) {
    let out = Command::new("/usr/bin/psql")
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(pg.dir.join("run"))
        .args([
            "-p",
            &pg.port.to_string(),
            "-U",
            "postgres",
            "-d",
            "github",
            "-c",
            sql,
        ])
        .output()
        .expect("psql");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn the_bi_role_can_read_no_credential_from_sql() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    // Everything the role sees is gathered here and searched for the token at the end.
    let mut seen = String::new();
    let mut look = |what: &str, sql: &str| -> (String, bool) {
        let (out, err, ok) = pg.psql(sql);
        seen.push_str(&format!("\n--- {what}\n{out}\n{err}"));
        (format!("{out}{err}"), ok)
    };
    // 0. A GitHub App's credentials, as docs/bi.md sets them up for your own PostgreSQL: in a
    // user mapping FOR PUBLIC (never server options), used by the role, never read by it.
    let key = github_sql_fake::app::TestKey::generate();
    pg.fake.set_app(github_sql_fake::app::FakeApp {
        app_id: 77,
        public_pem: key.public_pem.clone(),
        installations: vec![github_sql_fake::app::FakeInstallation::org(
            770,
            "octo-org",
            &[("packages", "read")],
        )],
        token_ttl: Duration::from_secs(3600),
    });
    let (_, err, ok) = superuser(
        &pg,
        &format!(
            "CREATE SERVER app FOREIGN DATA WRAPPER github_sql OPTIONS (api_url '{api}'); \
             CREATE USER MAPPING FOR PUBLIC SERVER app OPTIONS (app_id '77', private_key '{pem}'); \
             GRANT USAGE ON FOREIGN SERVER app TO github; CREATE SCHEMA app__packages; \
             IMPORT FOREIGN SCHEMA packages FROM SERVER app INTO app__packages; \
             GRANT USAGE ON SCHEMA app__packages TO github; \
             GRANT SELECT ON ALL TABLES IN SCHEMA app__packages TO github;",
            api = pg.fake.base_url(),
            pem = key.private_pem
        ),
    );
    assert!(ok, "{err}");
    let (out, _, ok) = superuser(
        &pg,
        "CREATE SERVER bad FOREIGN DATA WRAPPER github_sql OPTIONS (app_id '77')",
    );
    assert!(
        !ok,
        "an App id is a credential, never a server option: {out}"
    );
    let (out, ok) = look(
        "the App's installation token in use",
        "SELECT count(*) > 0 FROM app__packages.org_packages WHERE org = 'octo-org' AND package_type = 'npm'",
    );
    assert!(ok && out.trim() == "t", "{out}");
    assert!(
        pg.fake
            .requests()
            .iter()
            .any(|r| r.path == "/app/installations/770/access_tokens" && r.status == 201),
        "the wrapper exchanged the App's JWT"
    );
    let (out, ok) = look(
        "the role cannot add a key to the App's server",
        "ALTER SERVER app OPTIONS (ADD private_key 'x')",
    );
    assert!(!ok, "{out}");
    // 1. The catalogs: the mappings exist (FOR PUBLIC) and their options read NULL.
    let (out, ok) = look(
        "pg_user_mappings",
        "SELECT usename || ':' || coalesce(array_to_string(umoptions, ','), 'NULL') FROM pg_user_mappings",
    );
    assert!(ok, "{out}");
    assert_eq!(
        out.trim(),
        "public:NULL\npublic:NULL",
        "two mappings FOR PUBLIC (the token's, the App's), options hidden"
    );
    let (out, ok) = look("pg_user_mapping", "SELECT umoptions FROM pg_user_mapping");
    assert!(!ok && out.contains("permission denied"), "{out}");
    let (out, ok) = look(
        "pg_foreign_server",
        "SELECT srvname || ':' || coalesce(array_to_string(srvoptions, ','), '') FROM pg_foreign_server",
    );
    assert!(ok && out.contains("api_url="), "{out}");
    // 2. Settings.
    let (out, ok) = look(
        "pg_settings",
        "SELECT string_agg(name || '=' || coalesce(setting, ''), E'\\n') FROM pg_settings",
    );
    assert!(ok, "{out}");
    let (_, ok) = look("SHOW ALL", "SHOW ALL");
    assert!(ok);
    // 3. Every function of the extension the role may call (its members, or by name when serve
    // loaded a packaged script with no CREATE EXTENSION), with NULL arguments (errors are fine;
    // what they say is searched too), and the ones that do work with real arguments.
    let calls = pg.ok(
        "SELECT format('SELECT %s(%s)', p.oid::regproc, \
                coalesce((SELECT string_agg('NULL::' || format_type(t, NULL), ', ') FROM unnest(p.proargtypes) t), '')) \
         FROM pg_proc p \
         WHERE (p.oid IN (SELECT d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid \
                          WHERE d.classid = 'pg_proc'::regclass AND e.extname = 'github_sql') \
                OR p.proname LIKE 'github\\_sql\\_%') \
           AND has_function_privilege(p.oid, 'EXECUTE') AND p.prorettype <> 'fdw_handler'::regtype",
    );
    let calls: Vec<&str> = calls.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(calls.len() >= 3, "the extension's functions: {calls:?}");
    for call in &calls {
        look(call, call);
    }
    look(
        "github_sql_exec, a bad method",
        "SELECT github_sql_exec('github', 'github.packages.auth_user_versions', 'no_such_method', '{}')",
    );
    look(
        "an EXEC function answered 404",
        "SELECT restore_package_version_for_authenticated_user(package_type => 'npm', package_name => 'no-such', package_version_id => 1)",
    );
    // 4. EXPLAIN VERBOSE, errors (404, a missing parameter, GitHub's 403) and NOTICEs.
    let (out, ok) = look(
        "EXPLAIN VERBOSE",
        "EXPLAIN (VERBOSE) SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'",
    );
    assert!(ok, "{out}");
    look(
        "a 404",
        "SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'no-such'",
    );
    look("a missing parameter", "SELECT * FROM auth_user_versions");
    pg.fake
        .set_token_policy(github_sql_fake::TokenPolicy::tokens(&[(TOKEN, &[])]));
    let (out, ok) = look(
        "a 403",
        "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'",
    );
    assert!(!ok && out.contains("read:packages"), "{out}");
    pg.fake
        .set_token_policy(github_sql_fake::TokenPolicy::tokens(&[(
            TOKEN,
            &["read:packages", "delete:packages", "write:packages"],
        )]));
    let (out, ok) = look(
        "a DELETE's NOTICE",
        "DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world' AND name = '0.0.1'",
    );
    assert!(ok && out.contains("DELETE sent 1 request"), "{out}");
    // 5. Other sessions' queries.
    let (out, ok) = look(
        "pg_stat_activity",
        "SELECT string_agg(usename || ': ' || coalesce(query, ''), E'\\n') FROM pg_stat_activity",
    );
    assert!(ok, "{out}");
    // 6. Files, programs, large objects, extensions: refused.
    for sql in [
        "SELECT pg_read_file('password')",
        "SELECT pg_read_binary_file('/proc/self/environ')",
        "SELECT pg_ls_dir('.')",
        "SELECT lo_import('/proc/self/environ')",
        "CREATE TEMP TABLE t (x text); COPY t FROM '/proc/self/environ'",
        "COPY (SELECT 1) TO PROGRAM 'cat /proc/self/environ'",
        "CREATE EXTENSION IF NOT EXISTS adminpack",
    ] {
        let (out, ok) = look(sql, sql);
        assert!(!ok, "{sql} must be refused: {out}");
    }
    // 7. The token cannot be sent elsewhere: the role can neither move the server nor make one.
    for sql in [
        "ALTER SERVER github OPTIONS (SET api_url 'http://127.0.0.1:9')",
        "CREATE SERVER elsewhere FOREIGN DATA WRAPPER github_sql OPTIONS (api_url 'http://127.0.0.1:9')",
    ] {
        let (out, ok) = look(sql, sql);
        assert!(!ok && (out.contains("must be owner") || out.contains("permission denied")), "{sql}: {out}");
    }
    // 8. The queries the role ran before still run, with the server's token.
    pg.fake.clear_requests();
    assert_eq!(
        pg.ok("SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'"),
        "129"
    );
    assert!(pg
        .fake
        .requests()
        .iter()
        .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}")[..])));
    // 9. Nothing the role saw holds the token, a line of the App's key, a JWT or an
    // installation token; nor the server's environment or log.
    assert!(!seen.contains(TOKEN), "the role saw the token:{seen}");
    for line in key.private_pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!seen.contains(line), "the role saw the App's key:{seen}");
    }
    for r in pg.fake.requests() {
        if let Some(a) = r.authorization {
            let secret = a.trim_start_matches("Bearer ");
            assert!(!seen.contains(secret), "the role saw a credential:{seen}");
        }
    }
    let pid = std::fs::read_to_string(pg.dir.join("data/postmaster.pid")).expect("postmaster.pid");
    let pid = pid.lines().next().expect("pid").trim();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("the server's environment");
    let environ = String::from_utf8_lossy(&environ);
    assert!(
        !environ.contains(TOKEN),
        "the server's environment holds the token"
    );
    assert!(!environ.contains("GITHUB_TOKEN="), "{environ}");
    let log = std::fs::read_to_string(pg.dir.join("server.log")).unwrap_or_default();
    assert!(!log.contains(TOKEN), "server log has the token");
}

#[test]
fn tokens_are_hidden_from_the_roles_that_use_them() {
    // The recipe of docs/bi.md for your own PostgreSQL: a shared token in a mapping FOR PUBLIC
    // (hidden from the readers), a token per role in a mapping FOR that role (seen by it alone).
    if !available() {
        return;
    }
    let pg = Pg::start();
    const SHARED: &str = "ghp_SHAREDSECRET000000000000";
    const ALICE: &str = "ghp_ALICESECRET0000000000000";
    pg.fake
        .set_token_policy(github_sql_fake::TokenPolicy::tokens(&[
            (SHARED, &["read:packages"]),
            (ALICE, &["read:packages"]),
        ]));
    let setup = format!(
        "CREATE ROLE alice; CREATE ROLE bob; \
         CREATE SERVER own FOREIGN DATA WRAPPER github_sql OPTIONS (api_url '{api}'); \
         GRANT USAGE ON FOREIGN SERVER own TO alice, bob; \
         CREATE USER MAPPING FOR PUBLIC SERVER own OPTIONS (token '{SHARED}'); \
         CREATE USER MAPPING FOR alice SERVER own OPTIONS (token '{ALICE}'); \
         CREATE SCHEMA own_packages; \
         IMPORT FOREIGN SCHEMA packages FROM SERVER own INTO own_packages; \
         GRANT USAGE ON SCHEMA own_packages TO alice, bob; \
         GRANT SELECT ON ALL TABLES IN SCHEMA own_packages TO alice, bob;",
        api = pg.fake.base_url()
    );
    let (_, err, ok) = superuser(&pg, &setup);
    assert!(ok, "{err}");
    let mappings = "SELECT string_agg(usename || ':' || coalesce(array_to_string(umoptions, ','), 'NULL'), ' ' ORDER BY usename) \
                    FROM pg_user_mappings WHERE srvname = 'own'";
    let (out, err, ok) = superuser(&pg, &format!("SET ROLE alice; {mappings}"));
    assert!(ok, "{err}");
    assert_eq!(
        out.trim().lines().last().unwrap_or_default(),
        format!("alice:token={ALICE} public:NULL"),
        "alice sees her own token only"
    );
    let (out, err, ok) = superuser(&pg, &format!("SET ROLE bob; {mappings}"));
    assert!(ok, "{err}");
    assert_eq!(
        out.trim().lines().last().unwrap_or_default(),
        "alice:NULL public:NULL",
        "bob sees no token"
    );
    // Each queries with its token: alice with hers, bob with the shared one.
    let count = "SELECT count(*) FROM own_packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'";
    for (role, token) in [("alice", ALICE), ("bob", SHARED)] {
        pg.fake.clear_requests();
        let (out, err, ok) = superuser(&pg, &format!("SET ROLE {role}; {count}"));
        assert!(
            ok && out.trim().lines().last() == Some("130"),
            "{role}: {out} {err}"
        );
        let auth: Vec<Option<String>> = pg
            .fake
            .requests()
            .into_iter()
            .map(|r| r.authorization)
            .collect();
        assert!(
            !auth.is_empty()
                && auth
                    .iter()
                    .all(|a| a.as_deref() == Some(&format!("Bearer {token}")[..])),
            "{role}: {auth:?}"
        );
    }
    // A token is never a server option (every role reads those), and mappings take no others.
    let (_, err, ok) = superuser(
        &pg,
        "CREATE SERVER leaky FOREIGN DATA WRAPPER github_sql OPTIONS (token 'ghp_x')",
    );
    assert!(
        !ok && err.contains("user mapping") && !err.contains("ghp_x"),
        "{err}"
    );
    let (_, err, ok) = superuser(
        &pg,
        "CREATE USER MAPPING FOR bob SERVER own OPTIONS (api_url 'http://127.0.0.1:9')",
    );
    assert!(!ok && err.contains("unknown user mapping option"), "{err}");
}

#[test]
fn statement_timeout_and_cancel_stop_the_scan() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    pg.fake.set_latency(Duration::from_millis(2500));
    pg.fake.clear_requests();
    let started = Instant::now();
    let (_, err, ok) = pg.script(
        "SET statement_timeout = '500ms';\nSELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world';\n",
    );
    assert!(!ok);
    assert!(err.contains("statement timeout"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "stopped within a second: {:?}",
        started.elapsed()
    );
    // No request starts after the cancel (the second page needs the first, still in flight).
    std::thread::sleep(Duration::from_secs(3));
    let sent = pg.requests("GET");
    assert!(sent.len() <= 1, "{sent:?}");
    pg.fake.set_latency(Duration::ZERO);
    // pg_cancel_backend from another session.
    pg.fake.set_latency(Duration::from_millis(3000));
    let url = pg.url.clone();
    let slow = std::thread::spawn(move || {
        Command::new("/usr/bin/psql")
            .args(["-X", "-A", "-t", &url, "-c", "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'"])
            .output()
            .expect("psql")
    });
    std::thread::sleep(Duration::from_millis(800));
    let cancelled = pg.ok("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%hello-world%' AND pid <> pg_backend_pid()");
    assert_eq!(cancelled, "t");
    let out = slow.join().expect("thread");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("canceling statement due to user request")
    );
}

/// pgjdbc (DBeaver, Metabase, Tableau): metadata calls and one PreparedStatement run ten times
/// (pgjdbc switches to a server-prepared statement with binary results on the fifth).
#[test]
fn pgjdbc_metadata_and_prepared_statements() {
    if !available() {
        return;
    }
    let jar = Path::new("/usr/share/java/postgresql.jar");
    let javac = Path::new("/usr/bin/javac");
    if !jar.is_file() || !javac.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs libpostgresql-jdbc-java and a JDK"
        );
        eprintln!("skipped: no pgjdbc");
        return;
    }
    let pg = Pg::start();
    let src = pg.dir.join("Probe.java");
    std::fs::write(
        &src,
        r#"import java.sql.*;
public class Probe {
  public static void main(String[] a) throws Exception {
    try (Connection c = DriverManager.getConnection(a[0], a[1], a[2])) {
      DatabaseMetaData md = c.getMetaData();
      int tables = 0;
      try (ResultSet r = md.getTables(null, "packages", "%", new String[]{"FOREIGN TABLE"})) { while (r.next()) tables++; }
      System.out.println("tables " + tables);
      int cols = 0;
      try (ResultSet r = md.getColumns(null, "packages", "auth_user_versions", "%")) { while (r.next()) cols++; }
      System.out.println("columns " + cols);
      try (ResultSet r = md.getPrimaryKeys(null, "packages", "auth_user_versions")) { int n = 0; while (r.next()) n++; System.out.println("pks " + n); }
      try (PreparedStatement p = c.prepareStatement("SELECT count(*), max(created_at) FROM packages.auth_user_versions WHERE package_type = ? AND package_name = ?")) {
        for (int i = 0; i < 10; i++) {
          p.setString(1, "npm"); p.setString(2, "hello-world");
          try (ResultSet r = p.executeQuery()) { r.next(); System.out.println("run " + r.getLong(1) + " " + (r.getTimestamp(2) != null)); }
        }
      }
    }
  }
}
"#,
    )
    .expect("write");
    let out = Command::new(javac)
        .arg("-d")
        .arg(&pg.dir)
        .arg(&src)
        .output()
        .expect("javac");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (user_pw, hostdb) = pg.url["postgres://".len()..].split_once('@').expect("url");
    let (user, pw) = user_pw.split_once(':').expect("user:pw");
    let stdout = client_stdout(
        Command::new("java")
            .arg("-cp")
            .arg(format!("{}:{}", pg.dir.display(), jar.display()))
            .arg("Probe")
            .arg(format!("jdbc:postgresql://{hostdb}"))
            .arg(user)
            .arg(pw),
    );
    assert!(stdout.contains("tables 6"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("columns ") && l != "columns 0"),
        "{stdout}"
    );
    assert!(stdout.contains("pks 0"), "{stdout}");
    assert_eq!(stdout.matches("run 130 true").count(), 10, "{stdout}");
}

/// Runs a client program to success and returns its standard output.
fn client_stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A client installed by scripts/test.sh, named by an environment variable (CI must have it).
fn client_from_env(var: &str) -> Option<std::ffi::OsString> {
    let v = std::env::var_os(var);
    if v.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI sets {var}");
        eprintln!("skipped: {var} is not set");
    }
    v
}

/// node-postgres binds a JavaScript array to `= ANY($1)` (an extended-protocol parameter of
/// type text[]), and a typed row comes back.
#[test]
fn node_postgres_binds_an_array_to_any() {
    if !available() {
        return;
    }
    let Some(node_path) = client_from_env("GITHUB_SQL_TEST_NODE_PATH") else {
        return;
    };
    let pg = Pg::start();
    let script = r#"
const { Client } = require("pg");
(async () => {
  const c = new Client({ connectionString: process.argv[1] });
  await c.connect();
  const any = await c.query(
    "SELECT count(*)::int AS n FROM auth_user_versions WHERE package_type = 'npm' AND package_name = ANY($1)",
    [["hello-world", "empty-pkg"]]);
  console.log("any", any.rows[0].n);
  const one = await c.query(
    "SELECT id, created_at, metadata FROM auth_user_versions WHERE package_type = $1 AND package_name = $2 ORDER BY id LIMIT 1",
    ["npm", "hello-world"]);
  const r = one.rows[0];
  console.log("types", typeof r.id, r.created_at instanceof Date, typeof r.metadata);
  try {
    await c.query("SELECT * FROM auth_user_versions WHERE package_name = $1", ["x"]);
    console.log("missing: no error");
  } catch (e) {
    console.log("missing", e.code, e.message.includes("package_type"));
  }
  await c.end();
})().catch(e => { console.error(e); process.exit(1); });
"#;
    let stdout = client_stdout(
        Command::new("node")
            .args(["-e", script, &pg.url])
            .env("NODE_PATH", node_path),
    );
    assert!(stdout.contains("any 130"), "{stdout}");
    // bigint arrives as a string in node-postgres (it does not fit a JS number), timestamptz
    // as a Date, jsonb parsed.
    assert!(stdout.contains("types string true object"), "{stdout}");
    assert!(stdout.contains("missing HV002 true"), "{stdout}");
}

/// psycopg 3 with a Python list for `= ANY(%s)`, pandas `read_sql` with params, SQLAlchemy's
/// inspector; Metabase's table discovery and Grafana's time grouping, as they send them.
#[test]
fn python_clients_and_bi_queries() {
    if !available() {
        return;
    }
    let Some(python) = client_from_env("GITHUB_SQL_TEST_PYTHON") else {
        return;
    };
    let pg = Pg::start();
    let script = r#"
import sys, psycopg, pandas, sqlalchemy
url = sys.argv[1]
with psycopg.connect(url) as c:
    n = c.execute("SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = ANY(%s)", (["hello-world", "empty-pkg"],)).fetchone()[0]
    print("any", n)
    # Metabase's table discovery (sync): relkinds include foreign tables.
    rows = c.execute("""SELECT n.nspname AS schema, c.relname AS name, c.relkind AS type, obj_description(c.oid) AS description
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid
        WHERE c.relkind IN ('r', 'p', 'v', 'f', 'm') AND n.nspname !~ '^information_schema|catalog_history|pg_'
          AND has_schema_privilege(n.nspname, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')""").fetchall()
    print("metabase", len([r for r in rows if r[0] == "packages"]))
    # Grafana's $__timeGroup(created_at, '1d') expansion.
    g = c.execute("""SELECT floor(extract(epoch from created_at)/86400)*86400 AS time, count(*) FROM auth_user_versions
        WHERE package_type = 'npm' AND package_name = 'hello-world' GROUP BY 1 ORDER BY 1""").fetchall()
    print("grafana", sum(r[1] for r in g))
engine = sqlalchemy.create_engine(url.replace("postgres://", "postgresql+psycopg://"))
df = pandas.read_sql(sqlalchemy.text("SELECT id, created_at FROM auth_user_versions WHERE package_type = :t AND package_name = :n"), engine, params={"t": "npm", "n": "hello-world"})
print("pandas", len(df), str(df["created_at"].dtype).startswith("datetime64"))
insp = sqlalchemy.inspect(engine)
print("tables", sorted(insp.get_foreign_table_names(schema="packages"))[:2])
print("columns", len(insp.get_columns("auth_user_versions", schema="packages")))
print("pk", insp.get_pk_constraint("auth_user_versions", schema="packages")["constrained_columns"])
"#;
    let stdout = client_stdout(Command::new(python).args(["-c", script, &pg.url]));
    assert!(stdout.contains("any 130"), "{stdout}");
    assert!(stdout.contains("metabase 6"), "{stdout}");
    assert!(stdout.contains("grafana 130"), "{stdout}");
    assert!(stdout.contains("pandas 130 True"), "{stdout}");
    assert!(
        stdout.contains("tables ['auth_user_packages', 'auth_user_versions']"),
        "{stdout}"
    );
    assert!(stdout.contains("pk []"), "{stdout}");
}

#[test]
fn serve_makes_a_server_and_schemas_per_connection_and_aggregator_views() {
    if !available() {
        return;
    }
    const ME: &str = "ghp_PGCONNSECRET0123456789ab";
    let key = github_sql_fake::app::TestKey::generate();
    let config = "[connections.acme]\napp_id = 88\nprivate_key_env = \"PG_TEST_APP_PEM\"\napi_url = \"{API}\"\n\
                  [connections.me]\ntoken_env = \"PG_TEST_ME\"\napi_url = \"{API}\"\n\
                  [connections.both]\naggregate = [\"acme\", \"me\"]\n";
    let public = key.public_pem.clone();
    let pg = Pg::start_with(
        Some(config),
        &[("PG_TEST_APP_PEM", &key.private_pem), ("PG_TEST_ME", ME)],
        move |fake| {
            fake.set_token_policy(github_sql_fake::TokenPolicy::AnyToken);
            fake.set_app(github_sql_fake::app::FakeApp {
                app_id: 88,
                public_pem: public,
                installations: vec![github_sql_fake::app::FakeInstallation::org(
                    880,
                    "octo-org",
                    &[("packages", "read")],
                )],
                token_ttl: Duration::from_secs(3600),
            });
        },
    );
    // One server and mapping FOR PUBLIC per connection, hidden from the role.
    assert_eq!(
        pg.ok("SELECT string_agg(srvname || ':' || coalesce(array_to_string(umoptions, ','), 'NULL'), ' ' ORDER BY srvname) FROM pg_user_mappings"),
        "acme:NULL github:NULL me:NULL"
    );
    let q = |schema: &str| {
        format!("SELECT count(*) FROM {schema}.org_packages WHERE org = 'octo-org' AND package_type = 'npm'")
    };
    let n = pg.ok(&q("acme__packages"));
    assert!(n.parse::<i64>().is_ok_and(|n| n > 0), "{n}");
    assert_eq!(pg.ok(&q("me__packages")), n);
    // The aggregator's view: each member's rows with _connection.
    assert_eq!(
        pg.ok("SELECT string_agg(_connection || '=' || n, ' ' ORDER BY _connection) FROM (SELECT _connection, count(*) AS n FROM both__packages.org_packages WHERE org = 'octo-org' AND package_type = 'npm' GROUP BY 1) x"),
        format!("acme={n} me={n}")
    );
    // Pinning _connection reads that member only.
    pg.fake.clear_requests();
    pg.ok("SELECT count(*) FROM both__packages.org_packages WHERE org = 'octo-org' AND package_type = 'npm' AND _connection = 'me'");
    let auths: Vec<String> = pg
        .fake
        .requests()
        .into_iter()
        .filter_map(|r| r.authorization)
        .collect();
    assert!(
        !auths.is_empty() && auths.iter().all(|a| a == &format!("Bearer {ME}")),
        "{auths:?}"
    );
    // A DELETE through the aggregator is refused; the member's table takes it.
    let (_, err, ok) = pg.psql(
        "DELETE FROM both__packages.org_versions WHERE org = 'octo-org' AND package_type = 'npm' AND package_name = 'design-system'",
    );
    assert!(!ok && err.contains("cannot delete from view"), "{err}");
    assert!(pg.requests("DELETE").is_empty());
    // The credential variables are not in the server's environment.
    let pid = std::fs::read_to_string(pg.dir.join("data/postmaster.pid")).expect("postmaster.pid");
    let environ = std::fs::read(format!(
        "/proc/{}/environ",
        pid.lines().next().unwrap_or("0").trim()
    ))
    .expect("environ");
    let environ = String::from_utf8_lossy(&environ);
    assert!(
        !environ.contains(ME) && !environ.contains("PG_TEST_APP_PEM"),
        "{environ}"
    );
}

#[test]
fn backends_share_the_cache_and_explain_analyze_counts_each_scans_requests() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    let npm = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world'";
    // One backend reads the two pages; the next backend (a new psql) revalidates them: two 304s.
    assert_eq!(pg.ok(&format!("SELECT count(*) {npm}")), "130");
    pg.fake.clear_requests();
    let plan = pg.ok(&format!("EXPLAIN ANALYZE SELECT count(*) {npm}"));
    assert!(
        plan.contains("GitHub requests made: 2 requests (2 × 304, 0 from the cache)"),
        "{plan}"
    );
    assert!(plan.contains("0 against the rate limit"), "{plan}");
    let log = pg.fake.requests();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log
        .iter()
        .all(|r| r.status == 304 && r.if_none_match.is_some()));
    // The server option turns it off (a new backend reads it); a bad value is refused.
    let (_, err, ok) = superuser(&pg, "ALTER SERVER github OPTIONS (ADD cache 'sometimes')");
    assert!(
        !ok && err.contains("memory (this backend only) or off"),
        "{err}"
    );
    let (_, err, ok) = superuser(&pg, "ALTER SERVER github OPTIONS (ADD cache 'off')");
    assert!(ok, "{err}");
    pg.fake.clear_requests();
    let plan = pg.ok(&format!("EXPLAIN ANALYZE SELECT count(*) {npm}"));
    assert!(
        plan.contains("GitHub requests made: 2 requests (0 × 304, 0 from the cache)"),
        "{plan}"
    );
    assert!(pg
        .fake
        .requests()
        .iter()
        .all(|r| r.if_none_match.is_none() && r.status == 200));
}

/// The generated provider's service documents (what the schema fake answers from).
fn generated_docs() -> Vec<serde_json::Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../provider-spec-generated/github/v00.00.00000/services");
    std::fs::read_dir(&dir)
        .expect("services")
        .flatten()
        .map(|e| {
            serde_yaml_ng::from_str(&std::fs::read_to_string(e.path()).expect("read"))
                .expect("yaml")
        })
        .collect()
}

#[test]
fn a_get_wins_with_its_key_or_a_list_only_filter_and_envelopes_give_their_items() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    // Routes the demo store lacks are answered from the documents' schemas.
    pg.fake
        .set_schema_routes(github_sql_fake::schema::SchemaFake::new(generated_docs()));
    let schema = pg.fake.schema_routes().expect("schema routes");
    let body = |path: &str, q: Option<&str>| {
        schema
            .answer("GET", path, q)
            .and_then(|a| a.body)
            .expect("an answer")
    };
    // A get's key and a list-only filter its row shows: one GET, the row checked in Postgres.
    let state = body("/repos/o/r/issues/5", None)["state"]
        .as_str()
        .expect("state")
        .to_string();
    pg.fake.clear_requests();
    let out = pg.ok(&format!(
        "SELECT number, state FROM issues.issues WHERE owner = 'o' AND repo = 'r' AND issue_number = 5 AND state = '{state}'"
    ));
    assert_eq!(out, format!("5|{state}"));
    assert_eq!(pg.gets(), vec!["/repos/o/r/issues/5".to_string()]);
    pg.fake.clear_requests();
    let out = pg.ok(
        "SELECT number FROM issues.issues WHERE owner = 'o' AND repo = 'r' AND issue_number = 5 AND state = 'not-a-state'",
    );
    assert_eq!(out, "", "the filter is checked on the get's row");
    assert_eq!(pg.gets(), vec!["/repos/o/r/issues/5".to_string()]);
    // A key under its row's name: `id` is the comment's id, one GET.
    pg.fake.clear_requests();
    let out =
        pg.ok("SELECT id FROM issues.comments WHERE owner = 'o' AND repo = 'r' AND id = 1077");
    assert_eq!(out, "1077");
    assert_eq!(
        pg.gets(),
        vec!["/repos/o/r/issues/comments/1077".to_string()]
    );
    // Search: the items are rows, the envelope's total_count a column.
    let b = body("/search/issues", Some("per_page=100"));
    pg.fake.clear_requests();
    let out = pg.ok(
        "SELECT number, total_count FROM search.issues_and_pull_requests WHERE q = 'repo:o/r' ORDER BY number",
    );
    let mut want: Vec<String> = b["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| format!("{}|{}", i["number"], b["total_count"]))
        .collect();
    want.sort_by_key(|l| l.split('|').next().and_then(|n| n.parse::<i64>().ok()));
    assert_eq!(out, want.join("\n"));
    assert_eq!(
        pg.gets(),
        vec!["/search/issues?q=repo%3Ao%2Fr&per_page=100".to_string()]
    );
    // A text answer is a JSON string; a download's redirect its location, nothing fetched.
    let zen = schema
        .answer("GET", "/zen", None)
        .and_then(|a| a.text)
        .expect("zen")
        .1;
    pg.fake.clear_requests();
    let out = pg.ok("SELECT meta.get_zen() #>> '{}'");
    assert_eq!(out, zen.trim_end());
    pg.fake.clear_requests();
    let out = pg.ok(
        "SELECT repos.download_zipball_archive(owner => 'o', repo => 'r', ref => 'main')->>'location'",
    );
    assert_eq!(
        out,
        format!(
            "{}/_downloads/repos/o/r/zipball/main",
            github_sql_fake::other_host(&pg.fake.base_url())
        )
    );
    assert_eq!(pg.gets(), vec!["/repos/o/r/zipball/main".to_string()]);
}

/// The shell's rows for a query on the demo, as cells (the table output parsed).
fn shell_rows(sql: &str) -> Vec<Vec<String>> {
    let out = Command::new(BIN)
        .args(["--demo", "-o", "csv", "exec", sql])
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITHUB_API_URL")
        .output()
        .expect("github-sql");
    assert!(
        out.status.success(),
        "{sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

/// psql's rows (`-A -t`: `|`-separated cells).
fn pg_rows(pg: &Pg, sql: &str) -> Vec<Vec<String>> {
    let (out, err, ok) = pg.psql(sql);
    assert!(ok, "{sql}\nfailed: {err}");
    assert!(!err.contains("WARNING"), "{sql}\nwarned: {err}");
    out.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('|').map(String::from).collect())
        .collect()
}

/// The README's "Across services" queries, in each dialect: the shell's (as README.md shows
/// them) and PostgreSQL's (`->`/`->>` for json_extract, jsonb_array_elements_text for json_each,
/// times formatted as GitHub writes them).
fn across_services() -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let section = &readme[readme.find("\n## Across services\n").expect("section")..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let shell: Vec<String> = section
        .split("```sql\n")
        .skip(1)
        .map(|b| b[..b.find("\n```").expect("fence")].to_string())
        .collect();
    assert_eq!(
        shell.len(),
        3,
        "three queries in README.md's Across services"
    );
    let failed = |cols: &str| {
        format!(
            "failed AS MATERIALIZED (
  SELECT p.name AS package, 'sha-' || substr(w.head_sha, 1, 7) AS tag, {cols}
  FROM packages.auth_user_packages AS p
  JOIN actions.workflow_runs AS w
    ON w.owner = p.repository->'owner'->>'login'
   AND w.repo = p.repository->>'name'
  WHERE p.package_type = 'container' AND w.conclusion = 'failure'
)"
        )
    };
    let archived = "SELECT p.package_type, p.name AS package, r.full_name,
       to_char(r.pushed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS pushed_at
FROM packages.auth_user_packages AS p
JOIN repos.full_repository AS r
  ON r.owner = p.repository->'owner'->>'login'
 AND r.repo = p.repository->>'name'
WHERE p.package_type IN ('npm', 'maven', 'container') AND r.archived = 1"
        .to_string();
    let images = format!(
        "WITH {}
SELECT f.package, v.id, t.tag, f.workflow, f.run_number, f.head_branch
FROM packages.auth_user_versions AS v
CROSS JOIN LATERAL jsonb_array_elements_text(v.metadata->'container'->'tags') AS t(tag)
JOIN failed AS f ON f.package = v.package_name AND f.tag = t.tag
WHERE v.package_type = 'container' AND v.package_name IN (SELECT package FROM failed)
ORDER BY v.id",
        failed("w.name AS workflow, w.run_number, w.head_branch")
    );
    let prune = format!(
        "WITH {},
archived AS MATERIALIZED (
  SELECT p.package_type, p.name, r.full_name
  FROM packages.auth_user_packages AS p
  JOIN repos.full_repository AS r
    ON r.owner = p.repository->'owner'->>'login'
   AND r.repo = p.repository->>'name'
  WHERE p.package_type IN ('npm', 'maven', 'container') AND r.archived = 1
)
SELECT v.package_name AS package, v.id, v.name AS version, 'failed run #' || f.run_number AS why
FROM packages.auth_user_versions AS v
JOIN failed AS f ON f.package = v.package_name
 AND v.metadata->'container'->'tags' = jsonb_build_array(f.tag)
WHERE v.package_type = 'container' AND v.package_name IN (SELECT package FROM failed)
UNION ALL
SELECT v.package_name, v.id, v.name, 'archived ' || a.full_name
FROM archived AS a
JOIN packages.auth_user_versions AS v
  ON v.package_type = a.package_type AND v.package_name = a.name
ORDER BY 1, 2",
        failed("w.run_number")
    );
    shell.into_iter().zip([archived, images, prune]).collect()
}

/// The blocks of README.md and docs/*.md tagged `<!-- test: postgres -->`, with the output
/// block after them when the tag is `postgres compare` (psql's `-A -t` output).
fn postgres_doc_blocks() -> Vec<(String, String, Option<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    let mut out = Vec::new();
    for page in pages {
        let text = std::fs::read_to_string(&page).expect("page");
        let lines: Vec<&str> = text.lines().collect();
        // The body of the fenced block opening at line `at`, and the line after its end.
        let body = |at: usize| {
            let end = lines[at + 1..]
                .iter()
                .position(|l| l.starts_with("```"))
                .expect("closing fence");
            (lines[at + 1..at + 1 + end].join("\n"), at + 2 + end)
        };
        for (i, l) in lines.iter().enumerate() {
            let tag = l.trim();
            if tag == "<!-- test: postgres -->" || tag == "<!-- test: postgres compare -->" {
                let (sql, after) = body(i + 1);
                let shown = (tag == "<!-- test: postgres compare -->").then(|| {
                    let open = lines[after..]
                        .iter()
                        .position(|l| l.starts_with("```"))
                        .expect("an output block")
                        + after;
                    body(open).0
                });
                out.push((format!("{}:{}", page.display(), i + 2), sql, shown));
            }
        }
    }
    out
}

/// Parameters in PostgreSQL answer as in the shell: parameter columns compare with their
/// parameter (`owner` is the login, the repository's user object is `owner_object`), joins,
/// LATERAL and correlated subqueries supply required parameters from the outer rows (IN
/// fan-out included), and generic plans read `$1` of any type. Filters PostgreSQL applies itself
/// are quiet, EXPLAIN speaks in words, hints are PostgreSQL's SQL, the role's schema comes first.
/// Then every `postgres` block of the docs runs.
#[test]
fn parameters_joins_and_the_docs_postgres_blocks() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    // The shell's demo token has every scope; maven packages need repo too.
    pg.fake
        .set_token_policy(github_sql_fake::TokenPolicy::tokens(&[(
            TOKEN,
            &["read:packages", "delete:packages", "write:packages", "repo"],
        )]));

    // A parameter column is the parameter: text, the login given.
    pg.fake.clear_requests();
    assert_eq!(
        pg.ok("SELECT full_name, owner, owner_object->>'login', pg_typeof(owner) FROM repos.full_repository WHERE owner = 'octocat' AND repo = 'app-lib'"),
        "octocat/app-lib|octocat|octocat|text"
    );
    assert_eq!(pg.gets(), vec!["/repos/octocat/app-lib".to_string()]);

    // The README's Across services queries give the shell's rows.
    for (shell, postgres) in across_services() {
        let want = shell_rows(&shell);
        assert!(!want.is_empty(), "{shell}");
        assert_eq!(pg_rows(&pg, &postgres), want, "{postgres}");
    }

    // A join supplies the versions table's package_name per package: a nested loop, one list of
    // versions per npm package (hello-world's two pages, empty-pkg's one).
    pg.fake.clear_requests();
    let join = "FROM packages.auth_user_packages p JOIN packages.auth_user_versions v \
                ON v.package_name = p.name AND v.package_type = p.package_type";
    assert_eq!(
        pg.ok(&format!(
            "SELECT count(*), count(*) FILTER (WHERE p.name = 'hello-world') {join} WHERE p.package_type = 'npm'"
        )),
        "130|130"
    );
    let gets = pg.gets();
    assert!(
        gets.contains(&"/user/packages?package_type=npm&per_page=100".to_string())
            && gets.contains(
                &"/user/packages/npm/hello-world/versions?per_page=100&page=2".to_string()
            )
            && gets.contains(&"/user/packages/npm/empty-pkg/versions?per_page=100".to_string()),
        "{gets:?}"
    );
    let plan = pg.ok(&format!(
        "EXPLAIN SELECT v.name {join} WHERE p.package_type = 'npm'"
    ));
    assert!(plan.contains("Nested Loop"), "{plan}");
    assert!(
        plan.contains("once per value of package_name computed at execution"),
        "{plan}"
    );
    // IN fan-out on the outer table, and the shell's rows.
    let both = format!(
        "SELECT p.package_type, p.name, v.id {join} WHERE p.package_type IN ('npm', 'maven') ORDER BY 3"
    );
    assert_eq!(
        pg_rows(&pg, &both),
        shell_rows(&both.replace("packages.", "github.packages."))
    );
    // LATERAL and a correlated subquery.
    assert_eq!(
        pg.ok(
            "SELECT p.name, latest.name FROM packages.auth_user_packages p, \
               LATERAL (SELECT v.name FROM packages.auth_user_versions v \
                        WHERE v.package_type = p.package_type AND v.package_name = p.name \
                        ORDER BY v.created_at DESC LIMIT 1) AS latest \
               WHERE p.package_type = 'npm'"
        ),
        "hello-world|2.3.0"
    );
    assert_eq!(
        pg.ok(
            "SELECT p.name, (SELECT count(*) FROM packages.auth_user_versions v \
               WHERE v.package_type = 'npm' AND v.package_name = p.name) \
               FROM packages.auth_user_packages p WHERE p.package_type = 'npm' ORDER BY 1"
        ),
        "empty-pkg|0\nhello-world|130"
    );
    // A package without a repository gives a NULL owner: no row, no request for it.
    pg.fake.clear_requests();
    assert_eq!(
        pg.ok("SELECT count(*) FROM packages.auth_user_packages p JOIN repos.full_repository r \
               ON r.owner = p.repository->'owner'->>'login' AND r.repo = p.repository->>'name' \
               WHERE p.package_type = 'npm'"),
        pg.ok("SELECT count(*) FROM packages.auth_user_packages WHERE package_type = 'npm' AND repository IS NOT NULL")
    );
    assert!(
        pg.gets().iter().all(|g| !g.contains("/repos//")),
        "{:?}",
        pg.gets()
    );

    // Generic plans read their parameters, varchar and arrays included.
    let (out, err, ok) = pg.script(
        "SET plan_cache_mode = force_generic_plan;\n\
         PREPARE g(varchar) AS SELECT count(*) FROM packages.auth_user_versions WHERE package_type = 'npm' AND package_name = $1;\n\
         EXECUTE g('hello-world');\nEXECUTE g('empty-pkg');\n\
         PREPARE a(text[]) AS SELECT count(*) FROM packages.auth_user_versions WHERE package_type = 'npm' AND package_name = ANY($1);\n\
         EXECUTE a('{hello-world,empty-pkg}');\n\
         EXPLAIN EXECUTE g('hello-world');\n",
    );
    assert!(ok, "{err}");
    let counts: Vec<&str> = out
        .lines()
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(counts, ["130", "0", "130"], "{out}");
    assert!(
        out.contains("GET /user/packages/npm/{package_name}/versions")
            && out.contains("once per value of package_name computed at execution"),
        "a generic plan: {out}"
    );

    // Quiet: filters PostgreSQL applies itself print no WARNING.
    for sql in [
        "SELECT count(*) FROM packages.auth_user_versions WHERE package_type = 'container' AND package_name = 'octo/app' AND metadata->'container'->'tags' ? 'latest'",
        "SELECT count(*) FROM packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world' AND created_at > now() - interval '100 years'",
    ] {
        let (_, err, ok) = pg.psql(sql);
        assert!(ok && !err.contains("WARNING"), "{sql}: {err}");
    }
    // EXPLAIN in words, not Rust's debug text.
    let plan = pg.ok("EXPLAIN SELECT name FROM packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world' AND name LIKE '2.%'");
    assert!(
        !plan.contains("Qual {") && !plan.contains("Wrappers"),
        "{plan}"
    );
    assert!(
        plan.contains("GitHub requests: GET /user/packages/npm/hello-world/versions?per_page=100")
            && plan.contains("Applied by GitHub: package_type, package_name"),
        "{plan}"
    );
    // Hints are PostgreSQL's SQL: schema-qualified tables, functions with named arguments.
    let (_, err, _) = pg.psql("SELECT * FROM packages.auth_user_versions WHERE package_name = 'x'");
    assert!(
        err.contains("SELECT * FROM packages.auth_user_versions WHERE package_name"),
        "{err}"
    );
    let (_, err, _) = pg.psql(
        "SELECT packages.restore_package_version_for_authenticated_user(package_type => 'npm', package_name => 'hello-world', package_version_id => NULL)",
    );
    assert!(
        err.contains("SELECT packages.restore_package_version_for_authenticated_user(")
            && err.contains("package_version_id => 123")
            && !err.contains("EXEC "),
        "{err}"
    );
    // A method without a response body returns the text ok.
    assert_eq!(
        pg.ok("SELECT r, pg_typeof(r) FROM packages.restore_package_version_for_authenticated_user(package_type => 'npm', package_name => 'hello-world', package_version_id => 201000108) AS r"),
        "ok|text"
    );
    // The role's own schema comes first: an unqualified CREATE lands there, service tables resolve.
    pg.ok("CREATE TABLE my_scratch (x int)");
    assert_eq!(
        pg.ok("SELECT schemaname FROM pg_tables WHERE tablename = 'my_scratch'"),
        "github"
    );
    assert_eq!(
        pg.ok("SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'empty-pkg'"),
        "0"
    );

    // Every PostgreSQL block of the docs runs, quietly.
    let blocks = postgres_doc_blocks();
    assert!(blocks.len() >= 6, "{blocks:?}");
    for (at, sql, shown) in blocks {
        let (out, err, ok) = pg.script(&sql);
        assert!(ok && !err.contains("WARNING"), "{at}:\n{sql}\n{err}");
        if let Some(shown) = shown {
            assert_eq!(out.trim_end(), shown.trim_end(), "{at}: the output shown");
        }
    }
}

/// A DELETE through the wrapper on the generated services sends the method its WHERE names, with
/// the WHERE's values: a runner's own delete (never a label named after it) and a git ref by the
/// WHERE's name (never the row's `refs/…`), at COMMIT.
#[test]
fn deletes_on_generated_services_send_the_method_the_where_names() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    pg.fake
        .set_schema_routes(github_sql_fake::schema::SchemaFake::new(generated_docs()));
    for (sql, want) in [
        (
            "DELETE FROM actions.self_hosted_runners WHERE org = 'acme' AND runner_id = 7",
            "/orgs/acme/actions/runners/7",
        ),
        (
            "DELETE FROM git.refs WHERE owner = 'o' AND repo = 'r' AND ref = 'feature'",
            "/repos/o/r/git/refs/feature",
        ),
    ] {
        pg.fake.clear_requests();
        let (_, err, ok) = pg.script(&format!("BEGIN;\n{sql};\nCOMMIT;\n"));
        assert!(ok, "{sql}: {err}");
        assert_eq!(pg.requests("DELETE"), [want], "{sql}\n{err}");
    }
}

/// The method calls a test's statements sent: `METHOD path` and the JSON body.
fn writes_sent(pg: &Pg) -> Vec<(String, Option<serde_json::Value>)> {
    pg.fake
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| (format!("{} {}", r.method, r.path), r.json()))
        .collect()
}

/// INSERT and UPDATE through the wrapper plan their rows with the engine's row planner (the one
/// the SQLite extension uses) and go through the same transactional queue as DELETE: body fields
/// are columns of a table that takes them, nothing is sent before COMMIT, ROLLBACK and a
/// rolled-back savepoint send nothing, an UPDATE completes the scanned row's parameters with its
/// SET, a bad row is refused naming the column and the fix, and a verb the table does not take
/// is refused before its scan reads a page.
#[test]
fn inserts_and_updates_in_the_wrapper_send_what_their_rows_name_at_commit() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    pg.fake
        .set_schema_routes(github_sql_fake::schema::SchemaFake::new(generated_docs()));

    // Queued until COMMIT; ROLLBACK and ROLLBACK TO send nothing.
    pg.fake.clear_requests();
    let (_, err, ok) = pg.script(
        "BEGIN;\nINSERT INTO repos.repos (org, data__name) VALUES ('acme', 'gone');\nROLLBACK;\n\
         BEGIN;\nSAVEPOINT s;\nINSERT INTO repos.repos (org, data__name) VALUES ('acme', 'gone-too');\n\
         ROLLBACK TO s;\nINSERT INTO repos.repos (org, data__name, data__visibility) VALUES ('acme', 'y', 'private');\n\
         SELECT 'before commit', count(*) FROM repos.repos WHERE owner = 'o' AND repo = 'r';\nCOMMIT;\n",
    );
    assert!(ok, "{err}");
    assert_eq!(
        writes_sent(&pg),
        [(
            "POST /orgs/acme/repos".to_string(),
            Some(serde_json::json!({"name": "y", "visibility": "private"}))
        )]
    );
    assert!(err.contains("COMMIT sent 1 request to GitHub"), "{err}");

    // UPDATE: the WHERE's row, completed by the SET's body fields.
    pg.fake.clear_requests();
    let (_, err, ok) = pg.script(
        "UPDATE issues.comments SET data__body = 'edited' WHERE owner = 'o' AND repo = 'r' AND id = 1077;\n",
    );
    assert!(ok, "{err}");
    assert_eq!(
        writes_sent(&pg),
        [(
            "PATCH /repos/o/r/issues/comments/1077".to_string(),
            Some(serde_json::json!({"body": "edited"}))
        )]
    );

    // Refusals name the column or the missing field, in this front end's SQL; nothing is sent.
    pg.fake.clear_requests();
    let (_, err, ok) =
        pg.script("INSERT INTO repos.repos (org, data__private) VALUES ('acme', 1);\n");
    assert!(!ok);
    assert!(
        err.contains("data__name") && err.contains("INSERT INTO repos.repos (org, data__name)"),
        "{err}"
    );
    let (_, err, ok) = pg.script("INSERT INTO repos.repos (org, name) VALUES ('acme', 'x');\n");
    assert!(!ok);
    assert!(
        err.contains("name is a column GitHub answers with") && err.contains("data__name"),
        "{err}"
    );
    // RETURNING: supabase-wrappers has no way to hand GitHub's answer back.
    let (_, err, ok) =
        pg.script("INSERT INTO repos.repos (org, data__name) VALUES ('acme', 'x') RETURNING id;\n");
    assert!(!ok);
    assert!(err.contains("RETURNING is not supported"), "{err}");
    assert!(writes_sent(&pg).is_empty(), "{:?}", writes_sent(&pg));

    // A verb the table does not take: refused before its scan lists anything.
    pg.fake.clear_requests();
    for (sql, verb) in [
        ("DELETE FROM activity.feeds", "DELETE"),
        ("UPDATE activity.feeds SET current_user_url = 'x'", "UPDATE"),
        (
            "INSERT INTO activity.feeds (current_user_url) VALUES ('x')",
            "INSERT",
        ),
    ] {
        let (_, err, ok) = pg.script(&format!("{sql};\n"));
        assert!(!ok, "{sql}");
        assert!(
            err.contains(&format!("{verb} is not supported"))
                && err.contains("activity.feeds supports SELECT"),
            "{sql}: {err}"
        );
    }
    assert!(pg.fake.requests().is_empty(), "{:?}", pg.fake.requests());
}

/// Two rows a DELETE's scan read under one rowid (here: the same version id in two packages, as
/// an IN list can list them) cannot be told apart at `delete(rowid)`: the statement is refused,
/// naming why, and nothing is sent (never one package's version deleted for both rows).
#[test]
fn rows_sharing_a_rowid_are_refused_not_guessed() {
    if !available() {
        return;
    }
    let pg = Pg::start();
    let version = serde_json::json!([{
        "id": 7,
        "name": "1.0.0",
        "url": "https://api.github.com/orgs/acme/packages/npm/a/versions/7",
        "package_html_url": "https://github.com/orgs/acme/packages/npm/package/a",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "html_url": "https://github.com/orgs/acme/packages/npm/a/7",
        "metadata": {"package_type": "npm"}
    }]);
    pg.fake.push_fault(
        github_sql_fake::Fault::new(200, version.to_string())
            .method("GET")
            .path_contains("/versions"),
    );
    pg.fake.clear_requests();
    let (_, err, ok) = pg.script(
        "BEGIN;\nSET LOCAL github_sql.confirm_deletes = 10;\n\
         DELETE FROM packages.org_versions WHERE org = 'acme' AND package_type = 'npm' AND package_name IN ('a', 'b');\n\
         COMMIT;\n",
    );
    assert!(!ok);
    assert!(
        err.contains("several rows this statement read have 7 in the table's rowid_column"),
        "{err}"
    );
    assert_eq!(pg.requests("GET").len(), 2, "{:?}", pg.fake.requests());
    assert!(pg.requests("DELETE").is_empty(), "{:?}", pg.fake.requests());
}
