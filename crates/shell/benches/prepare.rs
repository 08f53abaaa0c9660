//! Preparing SQL in the shell (splitting, three-part-name rewriting, classification) for long
//! IN lists. Prints a Markdown table; docs/performance.md records a run. Not a test: nothing here
//! fails on time, but each row says whether its target (under a second for 200k items) holds.
//!
//! Run: `cargo bench -p github-sql-shell --bench prepare`.

use std::time::Instant;

fn main() {
    let provider = github_sql::spec::load_embedded().expect("provider");
    println!("| IN-list items | bytes | prepare (split + rewrite + classify) | target | holds |");
    println!("|---|---|---|---|---|");
    for n in [40_000usize, 200_000] {
        let list: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        let sql = format!(
            "SELECT id FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'é' AND id IN ({});",
            list.join(", ")
        );
        let start = Instant::now();
        let mut kinds = 0;
        for stmt in github_sql_shell::rewrite::split_statements(&sql) {
            if github_sql_shell::stackql::classify(&provider, &stmt).is_ok() {
                kinds += 1;
            }
        }
        let took = start.elapsed();
        assert_eq!(kinds, 1);
        println!(
            "| {n} | {} | {:.3} s | < 1 s | {} |",
            sql.len(),
            took.as_secs_f64(),
            if took.as_secs_f64() < 1.0 {
                "yes"
            } else {
                "no"
            }
        );
    }
}
