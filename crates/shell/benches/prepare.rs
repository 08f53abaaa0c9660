//! Preparing SQL in the shell (splitting, three-part-name rewriting, classification, then
//! SQLite's own prepare and planning against the registered tables) for long IN lists. Prints a Markdown table; docs/performance.md records a run. Not a test: nothing here
//! fails on time, but each row says whether its target (under a second for 200k items) holds.
//!
//! Run: `cargo bench -p github-sql-shell --bench prepare`.

use std::time::Instant;

fn main() {
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
        "| IN-list items | bytes | split + rewrite + classify | + SQLite prepare (plan) | target | holds |"
    );
    println!("|---|---|---|---|---|---|");
    for n in [40_000usize, 200_000] {
        let list: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        let sql = format!(
            "SELECT id FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'é' AND id IN ({});",
            list.join(", ")
        );
        let start = Instant::now();
        let mut rewritten = Vec::new();
        for stmt in github_sql_shell::rewrite::split_statements(&sql) {
            if let Ok(github_sql_shell::stackql::Statement::Sql(s)) =
                github_sql_shell::stackql::classify(&provider, &stmt)
            {
                rewritten.push(s);
            }
        }
        let ours = start.elapsed();
        assert_eq!(rewritten.len(), 1);
        let stmt = session
            .connection()
            .prepare(&rewritten[0])
            .expect("prepares");
        drop(stmt);
        let took = start.elapsed();
        println!(
            "| {n} | {} | {:.3} s | {:.3} s | < 1 s | {} |",
            sql.len(),
            ours.as_secs_f64(),
            took.as_secs_f64(),
            if took.as_secs_f64() < 1.0 {
                "yes"
            } else {
                "no"
            }
        );
    }
}
