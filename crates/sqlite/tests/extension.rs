//! The built `libgithub_sql.so` loaded into real hosts: rusqlite, the sqlite3 CLI, Debian python3.
//! The extension reads its configuration from the environment when it loads.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use common::{store, TOKEN};
use github_sql_fake::FakeGitHub;

/// One fake for the whole binary; the environment is set once, before any load.
fn fake() -> &'static FakeGitHub {
    static FAKE: OnceLock<FakeGitHub> = OnceLock::new();
    FAKE.get_or_init(|| {
        let f = FakeGitHub::start(store()).expect("fake starts");
        // SAFETY of intent: set once, inside the OnceLock initialiser, before any test loads the
        // extension in this process; child processes get explicit environments.
        std::env::set_var("GITHUB_API_URL", f.base_url());
        std::env::set_var("GITHUB_TOKEN", TOKEN);
        // Writes (the restore below) are journaled: into a temp file, never the real home.
        std::env::set_var(
            "GITHUB_SQL_JOURNAL",
            std::env::temp_dir().join(format!("github-sql-ext-{}.jsonl", std::process::id())),
        );
        f
    })
}

/// `…/deps/libgithub_sql` (no extension, as `.load` takes it): cargo builds the cdylib next to
/// the test binaries.
fn extension() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().expect("deps dir");
    let so = dir.join("libgithub_sql.so");
    assert!(so.exists(), "cdylib not built at {}", so.display());
    dir.join("libgithub_sql")
}

/// A host program, or None when it is absent outside CI (CI installs it and must not skip).
fn host(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{path} is required in CI (.ci/run installs it)"
    );
    eprintln!("skipping: {path} not installed");
    None
}

#[test]
fn loads_into_rusqlite_and_queries_the_fake() {
    let fake = fake();
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    // SAFETY: loading our own extension built by this crate.
    unsafe {
        conn.load_extension_enable().expect("enable");
        conn.load_extension(extension(), None::<&str>)
            .expect("load");
    }
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(n, 250);
    // The other resources and their EXEC functions are there too, from the same document.
    let packages: i64 = conn
        .query_row(
            "SELECT count(*) FROM auth_user_packages WHERE package_type = 'npm'",
            [],
            |r| r.get(0),
        )
        .expect("packages");
    assert_eq!(packages, 3);
    let err = conn
        .query_row(
            "SELECT restore_package_for_org('npm', 'no-such-org', 'x')",
            [],
            |r| r.get::<_, String>(0),
        )
        .expect_err("unknown org");
    assert!(err.to_string().contains("GitHub answered 404"), "{err}");
    let version: String = conn
        .query_row("SELECT github_sql_version()", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path == "/user/packages/npm/big/versions"));
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/orgs/no-such-org/packages/npm/x/restore"));
}

#[test]
fn sqlite3_cli_loads_it() {
    let fake = fake();
    let Some(sqlite3) = host("/usr/bin/sqlite3") else {
        return;
    };
    let out = Command::new(sqlite3)
        .arg(":memory:")
        .arg("-cmd")
        .arg(format!(".load {}", extension().display()))
        .arg("SELECT count(*), sum(json_array_length(json_extract(metadata, '$.container.tags')) = 0) FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app';")
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .expect("sqlite3 runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "4|2");

    let out = Command::new("/usr/bin/sqlite3")
        .arg(":memory:")
        .arg("-cmd")
        .arg(format!(".load {}", extension().display()))
        .arg("SELECT * FROM auth_user_versions;")
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .expect("sqlite3 runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("auth_user_versions needs package_name and package_type"),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
}

#[test]
fn debian_python_loads_it_and_sees_what_it_registered() {
    let fake = fake();
    let Some(python) = host("/usr/bin/python3") else {
        return;
    };
    let script = r#"
import json, sqlite3, sys
conn = sqlite3.connect(":memory:")
before_f = {r[0] for r in conn.execute("SELECT name FROM pragma_function_list")}
before_m = {r[0] for r in conn.execute("SELECT name FROM pragma_module_list")}
conn.enable_load_extension(True)
conn.load_extension(sys.argv[1])
modules = sorted({r[0] for r in conn.execute("SELECT name FROM pragma_module_list")} - before_m)
functions = sorted({r[0] for r in conn.execute("SELECT name FROM pragma_function_list")} - before_f)
rows = conn.execute(
    "SELECT package_name, count(*) FROM auth_user_versions "
    "WHERE package_type = 'npm' AND package_name IN ('big', 'small') GROUP BY 1 ORDER BY 1").fetchall()
try:
    conn.execute("SELECT * FROM auth_user_versions WHERE package_type = 'pip' AND package_name = 'x'").fetchall()
    err = None
except sqlite3.OperationalError as e:
    err = str(e)
regexp = conn.execute(
    "SELECT count(*) FROM auth_user_versions "
    "WHERE package_type = 'npm' AND package_name = 'big' AND name REGEXP '^1[.]0[.]1[0-9]$'").fetchone()[0]
print(json.dumps({"modules": modules, "functions": functions, "rows": rows, "err": err, "regexp": regexp}))
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(extension())
        .env("GITHUB_API_URL", fake.base_url())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // One module per table name the provider gives (bare and service-qualified), the metadata
    // tables, and each bare name several services share (a module that refuses, naming the
    // qualified tables); one function per EXEC method, none shared between resources.
    let provider = github_sql::spec::load_embedded().expect("provider");
    let mut modules: std::collections::BTreeSet<String> = [
        "github_sql_columns",
        "github_sql_journal",
        "github_sql_methods",
        "github_sql_rate_limit",
        "github_sql_queue",
        "github_sql_resources",
        "github_sql_services",
        "github_sql_unserved",
    ]
    .map(String::from)
    .into();
    let mut functions: std::collections::BTreeSet<String> = [
        "github_sql_confirm_deletes",
        "github_sql_download",
        "github_sql_last_stats",
        "github_sql_last_writes",
        "github_sql_version",
        "regexp",
    ]
    .map(String::from)
    .into();
    for r in provider.resources() {
        modules.insert(r.name.clone());
        modules.insert(r.qualified.clone());
        functions.extend(r.exec.iter().map(|&m| r.methods[m].function.clone()));
    }
    modules.extend(provider.ambiguous.keys().cloned());
    let names = |v: &serde_json::Value| -> std::collections::BTreeSet<String> {
        v.as_array()
            .expect("a list")
            .iter()
            .filter_map(|n| n.as_str().map(String::from))
            .collect()
    };
    assert_eq!(names(&v["modules"]), modules);
    assert_eq!(names(&v["functions"]), functions);
    assert_eq!(
        v["functions"].as_array().map(Vec::len),
        Some(functions.len()),
        "no function registered twice"
    );
    for curated in [
        "auth_user_versions",
        "packages_auth_user_versions",
        "registry_tags",
        "workflow_runs",
        "actions_workflow_runs",
        "tags",
    ] {
        assert!(modules.contains(curated), "{curated}");
    }
    assert!(functions.contains("restore_package_version_for_authenticated_user"));
    assert_eq!(v["rows"], serde_json::json!([["big", 250], ["small", 3]]));
    // REGEXP works in the extension: `big` has versions 1.0.0 … 1.0.249.
    let want = (0..250).filter(|k| (10..20).contains(k)).count();
    assert_eq!(v["regexp"], serde_json::json!(want));
    let err = v["err"].as_str().expect("error text");
    assert!(
        err.starts_with("package_type \"pip\" is not valid; use one of: npm"),
        "{err}"
    );
}

#[test]
fn a_bad_provider_dir_fails_the_load_with_a_message() {
    let Some(sqlite3) = host("/usr/bin/sqlite3") else {
        return;
    };
    let out = Command::new(sqlite3)
        .arg(":memory:")
        .arg("-cmd")
        .arg(format!(".load {}", extension().display()))
        .arg("SELECT 1;")
        .env("GITHUB_SQL_PROVIDER_DIR", "/nonexistent/provider-spec")
        .output()
        .expect("sqlite3 runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GITHUB_SQL_PROVIDER_DIR"), "{err}");
}

#[test]
fn a_token_echoed_by_the_server_is_redacted_in_the_extensions_error() {
    let fake = fake();
    fake.push_fault(github_sql_fake::Fault::echo_token().path_contains("/echo-token/"));
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    // SAFETY: loading our own extension built by this crate.
    unsafe {
        conn.load_extension_enable().expect("enable");
        conn.load_extension(extension(), None::<&str>)
            .expect("load");
    }
    let err = conn
        .query_row(
            "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'echo-token'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect_err("401");
    let msg = err.to_string();
    assert!(msg.contains("Bad credentials: Bearer ***"), "{msg}");
    assert!(!msg.contains(TOKEN), "token leaked: {msg}");
    // The fake did receive the real token: the redaction happened on our side.
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path.contains("/echo-token/")
            && r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
}

/// Python's `conn.interrupt()` (`sqlite3_interrupt`) from another thread stops a scan that waits
/// for a page, on the system's SQLite (3.40 on Debian bookworm has no `sqlite3_is_interrupted`).
#[test]
fn debian_python_interrupts_a_scan_waiting_for_github() {
    let Some(python) = host("/usr/bin/python3") else {
        return;
    };
    // A fake of its own: this one hangs for two minutes before every answer.
    let slow = FakeGitHub::start(store()).expect("fake starts");
    slow.set_latency(std::time::Duration::from_secs(120));
    let script = r#"
import json, sqlite3, sys, threading, time
conn = sqlite3.connect(":memory:", check_same_thread=False)
conn.enable_load_extension(True)
conn.load_extension(sys.argv[1])
def interrupt_soon():
    time.sleep(1.0)
    conn.interrupt()
threading.Thread(target=interrupt_soon).start()
start = time.time()
out = {"sqlite": sqlite3.sqlite_version}
try:
    out["rows"] = conn.execute(
        "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'").fetchall()
except sqlite3.OperationalError as e:
    out["err"] = str(e)
out["took"] = time.time() - start
out["after"] = conn.execute("SELECT 40 + 2").fetchone()[0]
print(json.dumps(out))
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(extension())
        .env("GITHUB_API_URL", slow.base_url())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_SQL_JOURNAL", "off")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v.get("rows").is_none(), "no result after an interrupt: {v}");
    let err = v["err"].as_str().unwrap_or_default();
    assert!(err.starts_with("interrupted"), "{v}");
    // Well before the two-minute answer (the interrupt comes after 1 s).
    assert!(v["took"].as_f64().is_some_and(|t| t < 10.0), "{v}");
    assert_eq!(v["after"], 42, "the connection is usable afterwards");
    assert_eq!(slow.requests().len(), 1, "{v}");
}

/// docs/extension.md's "What it registers" lists what the library registers: per service its
/// tables and EXEC functions, the totals, the metadata tables and the helper functions, as the
/// loaded library reports them (`pragma_module_list`, `pragma_function_list`).
#[test]
fn extension_md_lists_what_it_registers() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/extension.md"),
    )
    .expect("extension.md");
    let section = &doc[doc.find("## What it registers").expect("section")..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let provider = github_sql::spec::load_embedded().expect("provider");

    // The loaded library's own lists.
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    let names = |sql: &str| -> std::collections::BTreeSet<String> {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("query");
        rows.map(|r| r.expect("row")).collect()
    };
    let builtin = names("SELECT name FROM pragma_function_list");
    // SAFETY: loading our own extension built by this crate.
    unsafe {
        conn.load_extension_enable().expect("enable");
        conn.load_extension(extension(), None::<&str>)
            .expect("load");
    }
    let modules = names("SELECT name FROM pragma_module_list");
    let functions: std::collections::BTreeSet<String> =
        names("SELECT name FROM pragma_function_list")
            .difference(&builtin)
            .cloned()
            .collect();

    let mut rows = Vec::new();
    let (mut tables, mut execs) = (0, 0);
    for s in &provider.services {
        let resources: Vec<_> = provider
            .resources()
            .filter(|r| r.service == s.name)
            .collect();
        let fns: Vec<&str> = resources
            .iter()
            .flat_map(|r| r.exec.iter().map(|&m| r.methods[m].function.as_str()))
            .collect();
        for r in &resources {
            assert!(
                modules.contains(&r.qualified),
                "{} is registered",
                r.qualified
            );
        }
        for f in &fns {
            assert!(functions.contains(*f), "{f} is registered");
        }
        tables += resources.len();
        execs += fns.len();
        rows.push(format!(
            "| `{}` | {} | {} |",
            s.name,
            resources.len(),
            fns.len()
        ));
    }
    let listed: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        listed, rows,
        "docs/extension.md's table of services (| `service` | tables | EXEC functions |)"
    );
    assert!(
        section.contains(&format!("{tables} tables for the whole REST API")),
        "extension.md says {tables} tables"
    );
    assert!(
        section.contains(&format!("{execs} functions")),
        "extension.md says {execs} EXEC functions"
    );
    for meta in [
        "github_sql_services",
        "github_sql_resources",
        "github_sql_methods",
        "github_sql_columns",
        "github_sql_unserved",
        "github_sql_journal",
        "github_sql_rate_limit",
    ] {
        assert!(modules.contains(meta), "{meta} is registered");
        assert!(
            section.contains(&format!("`{meta}`")),
            "extension.md names {meta}"
        );
    }
    let helpers = [
        "github_sql_version",
        "github_sql_last_writes",
        "github_sql_last_stats",
        "github_sql_confirm_deletes",
        "github_sql_download",
        "regexp",
    ];
    for helper in helpers {
        assert!(functions.contains(helper), "{helper} is registered");
        assert!(
            section.contains(&format!("`{helper}(")),
            "extension.md names {helper}"
        );
    }
    // Nothing else: the tables, their shared-name stubs, the metadata tables; the EXEC
    // functions and the helpers.
    assert_eq!(functions.len(), execs + helpers.len(), "{functions:?}");
}
