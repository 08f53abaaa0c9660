//! The README's "Across services" queries run against the demo and print what the README shows.

use std::path::PathBuf;
use std::process::Command;

use github_sql_fake::sample::octo_web_commit;

/// The `(sql, shown output)` pairs of one README section: each ```sql block and the ```text
/// block after it.
fn examples(section: &str) -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme
        .find(&format!("\n## {section}\n"))
        .expect("the section");
    let body = &readme[start + 1..];
    let body = &body[..body[3..].find("\n## ").map_or(body.len(), |e| e + 3)];
    let mut blocks: Vec<(&str, String)> = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let lang_end = after.find('\n').expect("fence line");
        let lang = &after[..lang_end];
        let code = &after[lang_end + 1..];
        let close = code.find("\n```").expect("closing fence");
        blocks.push((lang, code[..close].to_string()));
        rest = &code[close + 4..];
    }
    let mut out = Vec::new();
    for pair in blocks.windows(2) {
        if let [("sql", sql), ("text", shown)] = pair {
            out.push((sql.clone(), shown.clone()));
        }
    }
    out
}

fn demo_exec(sql: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["--demo", "exec", sql])
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITHUB_API_URL")
        .output()
        .expect("run github-sql");
    assert!(
        out.status.success(),
        "{sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn across_services_examples_print_what_the_readme_shows() {
    let examples = examples("Across services");
    assert_eq!(examples.len(), 3, "three queries with their output");
    let mut all = String::new();
    for (sql, shown) in &examples {
        let got = demo_exec(sql);
        assert_eq!(got.trim_end(), shown.trim_end(), "README output of\n{sql}");
        // A header, its rules and at least one row.
        assert!(shown.lines().count() > 4, "no rows shown for\n{sql}");
        all.push_str(shown);
    }
    // The archived repository's package and the failed runs' images are what the rows show.
    let (archived, failed, prune) = (&examples[0].1, &examples[1].1, &examples[2].1);
    assert!(archived.contains("| com.example.app-lib |"), "{archived}");
    assert!(archived.contains("octocat/app-lib"), "{archived}");
    assert!(!archived.contains("hello-world"), "{archived}");
    for run in [42, 44] {
        let tag = format!("sha-{}", &octo_web_commit(run)[..7]);
        assert!(failed.contains(&format!("| {tag} |")), "{tag}: {failed}");
        assert!(prune.contains(&format!("failed run #{run}")), "{prune}");
    }
    // Images of successful runs are not in the list.
    for run in [41, 43, 45] {
        let tag = format!("sha-{}", &octo_web_commit(run)[..7]);
        assert!(!all.contains(&tag), "{tag} was built by a successful run");
    }
    assert!(prune.contains("archived octocat/app-lib"), "{prune}");
}
