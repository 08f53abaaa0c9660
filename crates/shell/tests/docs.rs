//! The reference pages in docs/tables are generated from the provider document: regenerating
//! them must reproduce the committed files exactly.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/tables")
}

fn md_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".md"))
                .collect()
        })
        .unwrap_or_default()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ghsql-docs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn committed_pages_match_the_provider_document() {
    let provider = Arc::new(github_sql::spec::load_embedded().expect("provider"));
    let out = temp_dir("check");
    github_sql_shell::docs::write_all(&provider, &out).expect("pages generate");
    let fresh = md_files(&out);
    let existing = md_files(&committed());
    let hint = "run `cargo run -- docs` (github-sql docs) and commit docs/tables";
    assert_eq!(
        fresh, existing,
        "docs/tables has other pages than the provider document's resources: {hint}"
    );
    for name in &fresh {
        let want = std::fs::read_to_string(out.join(name)).expect("generated page");
        let have = std::fs::read_to_string(committed().join(name)).expect("committed page");
        if want != have {
            let line = want
                .lines()
                .zip(have.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| want.lines().count().min(have.lines().count()))
                + 1;
            panic!("docs/tables/{name} differs from the provider document at line {line}: {hint}");
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn github_sql_docs_writes_the_pages_and_removes_stale_ones() {
    let out = temp_dir("cli");
    std::fs::create_dir_all(&out).expect("mkdir");
    let stale = out.join("gone_resource.md");
    std::fs::write(
        &stale,
        format!("{} old -->\n", github_sql_shell::docs::MARKER),
    )
    .expect("write");
    let own = out.join("notes.md");
    std::fs::write(&own, "my own notes\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["docs", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pages = github_sql_engine::spec::load_embedded()
        .expect("provider")
        .resources()
        .count();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!("docs: wrote {pages} pages to")),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !stale.exists(),
        "a generated page of a resource that is gone is removed"
    );
    assert!(own.exists(), "other files are left alone");
    assert_eq!(md_files(&out).len(), pages + 1);
    let _ = std::fs::remove_dir_all(&out);
}
